package cluster

import (
	"strings"
	"testing"
	"time"
)

func TestTimingTickLen(t *testing.T) {
	base := Timing{Heartbeat: 75 * time.Millisecond, ElectionMin: 150 * time.Millisecond, ElectionMax: 151 * time.Millisecond}
	if got := base.Tick(); got != 5*time.Millisecond {
		t.Fatalf("derived tick %v", got)
	}
	if lo, hi, _ := base.Ticks(base.Tick()); lo != hi {
		t.Fatalf("5 ms ticks should collapse 150-151ms to one value, got %d-%d", lo, hi)
	}
	fine := base
	fine.TickLen = time.Millisecond
	if err := fine.Validate(); err != nil || fine.Tick() != time.Millisecond {
		t.Fatalf("fixed tick: %v %v", fine.Tick(), err)
	}
	if lo, hi, _ := fine.Ticks(fine.Tick()); lo != 150 || hi != 151 {
		t.Fatalf("1 ms ticks: %d-%d, want 150-151", lo, hi)
	}
	for _, bad := range []time.Duration{time.Microsecond, 76 * time.Millisecond} {
		b := base
		b.TickLen = bad
		if err := b.Validate(); err == nil {
			t.Errorf("tick %v accepted", bad)
		}
	}
}

// With the runtime's own tick (1 ms at the finest), a heartbeat under
// 1 ms or an election timeout under 2 ms cannot be kept: refused, not run
// a tick long while shown as asked. An experiment's fine tick allows them.
func TestValidateRefusesTimingFinerThanTheTick(t *testing.T) {
	for _, c := range []struct {
		t    Timing
		want string
	}{
		{Timing{Heartbeat: time.Nanosecond, ElectionMin: 150 * time.Millisecond, ElectionMax: 300 * time.Millisecond}, "heartbeat 1ns is too short (min 1ms"},
		{Timing{Heartbeat: time.Millisecond, ElectionMin: 1500 * time.Microsecond, ElectionMax: 3 * time.Millisecond}, "election timeout 1.5ms is too short (min 2ms"},
		{Timing{Heartbeat: time.Millisecond, ElectionMin: 2 * time.Millisecond, ElectionMax: 4 * time.Millisecond}, ""},
		{Timing{Heartbeat: 500 * time.Microsecond, ElectionMin: 1500 * time.Microsecond, ElectionMax: 3 * time.Millisecond, TickLen: 100 * time.Microsecond}, ""},
	} {
		err := c.t.Validate()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%v (tick %v): %v; want %q", c.t, c.t.TickLen, err, c.want)
		}
	}
}
