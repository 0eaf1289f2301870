package cluster

import (
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
