package cluster

import (
	"strings"
	"testing"
	"time"
)

// TieNote speaks of ranges too narrow to break ties, as the nodes keep
// them, and of no other.
func TestTieNote(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		min, max time.Duration
		want     string
	}{
		{150 * ms, 150 * ms, "every node waits exactly 150ms"},
		{150 * ms, 151 * ms, "only 1ms wide"},
		{150 * ms, 154 * ms, "only 4ms wide"},
		{150 * ms, 155 * ms, ""},
		{150 * ms, 300 * ms, ""},
		{1000 * ms, 2000 * ms, ""},
		{300 * ms, 150 * ms, ""}, // refused by Validate: nothing to say
	} {
		got := Timing{Heartbeat: 15 * ms, ElectionMin: c.min, ElectionMax: c.max}.TieNote()
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%v-%v: %q, want %q", c.min, c.max, got, c.want)
		}
	}
}
