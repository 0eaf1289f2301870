package cluster

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTimingTickLen(t *testing.T) {
	base := Timing{Heartbeat: 75 * time.Millisecond, ElectionMin: 150 * time.Millisecond, ElectionMax: 300 * time.Millisecond}
	if got := base.Tick(); got != 5*time.Millisecond {
		t.Fatalf("derived tick %v", got)
	}
	base.ElectionMax = 151 * time.Millisecond
	if got := base.Tick(); got != time.Millisecond {
		t.Fatalf("derived tick of 150-151ms: %v, want 1ms (5 ms ticks collapse the range)", got)
	}
	if lo, hi, _ := base.Ticks(base.Tick()); lo != 150 || hi != 151 {
		t.Fatalf("150-151ms: %d-%d ticks, want 150-151", lo, hi)
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

// The derived tick keeps the timing asked for: the longest tick that
// divides the heartbeat and the election range (at most a thirtieth of
// the minimum, 1 to 10 ms), else 1 ms, and then String says what the
// nodes keep. A new user's --election 302ms-304ms ran as 300 ms and a
// --heartbeat 7ms every 5 ms, while status showed what was asked for.
func TestTickKeepsTheTimingAskedFor(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		t    Timing
		tick time.Duration
		kept string // "" when kept exactly
	}{
		{PaperTiming, 5 * ms, ""},
		{WatchTiming, 10 * ms, ""},
		{Timing{Heartbeat: 7 * ms, ElectionMin: 150 * ms, ElectionMax: 300 * ms}, ms, ""},
		{Timing{Heartbeat: 14 * ms, ElectionMin: 150 * ms, ElectionMax: 300 * ms}, 2 * ms, ""},
		{Timing{Heartbeat: 10 * ms, ElectionMin: 100 * ms, ElectionMax: 109 * ms}, ms, ""},
		{Timing{Heartbeat: 1500 * time.Microsecond, ElectionMin: 150 * ms, ElectionMax: 300 * ms}, 1500 * time.Microsecond, ""},
		{Timing{Heartbeat: 30200 * time.Microsecond, ElectionMin: 302 * ms, ElectionMax: 304 * ms}, ms, " (kept as heartbeat 30ms: the nodes count time in ticks of 1ms)"},
		{Timing{Heartbeat: 1200 * time.Microsecond, ElectionMin: 2500 * time.Microsecond, ElectionMax: 2700 * time.Microsecond}, ms, " (kept as heartbeat 1ms, election 3ms-3ms: the nodes count time in ticks of 1ms)"},
	} {
		if got := c.t.Tick(); got != c.tick {
			t.Errorf("%v: tick %v, want %v", c.t, got, c.tick)
		}
		want := fmt.Sprintf("heartbeat %v, election %v-%v", c.t.Heartbeat, c.t.ElectionMin, c.t.ElectionMax) + c.kept
		if got := c.t.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		if f := c.t.InForce(); (f == c.t) != (c.kept == "") {
			t.Errorf("%v: in force %v", c.t, f)
		}
	}
}
