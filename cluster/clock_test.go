package cluster

import (
	"os"
	"testing"
	"time"
)

func TestTickClockHandsOutElapsedTicks(t *testing.T) {
	var c tickClock
	t0 := time.Unix(1000, 0)
	c.reset(t0, time.Millisecond, 0)
	total := 0
	// The reader wakes late and irregularly; every elapsed tick still counts.
	for _, at := range []time.Duration{900 * time.Microsecond, 1 * time.Millisecond, 4500 * time.Microsecond, 4600 * time.Microsecond, 11 * time.Millisecond, 10 * time.Millisecond} {
		total += c.due(t0.Add(at), 100, 0)
	}
	if total != 11 {
		t.Fatalf("%d ticks handed out over 11 ms of 1 ms ticks, want 11", total)
	}
	// A stall longer than the limit hands out the limit, once.
	if got := c.due(t0.Add(time.Second), 50, 0); got != 50 {
		t.Fatalf("after a 1 s stall: %d ticks, want the limit 50", got)
	}
	if got := c.due(t0.Add(time.Second+time.Millisecond), 50, 0); got != 1 {
		t.Fatalf("after the stall: %d ticks, want 1", got)
	}
	c.reset(t0.Add(2*time.Second), 5*time.Millisecond, 0)
	if got := c.due(t0.Add(2*time.Second+12*time.Millisecond), 100, 0); got != 2 {
		t.Fatalf("after reset: %d ticks, want 2", got)
	}
}

// A node's core gets as many ticks as wall time allows, even though its
// time.Ticker drops ticks when the loop is late: the leader sends one
// heartbeat per heartbeat interval of elapsed time. (With one Tick per
// Ticker wake-up, 1 ms tickers lose about a tenth of their ticks.) It
// measures wall time, so a machine busy with other work fails it (1,113
// heartbeats of 1,296 with the race detector on two cores under load):
// it runs with RAFTPLAY_TIMING_TESTS=1; TestTickClockHandsOutElapsedTicks
// checks the same rule on a clock of its own, always.
func TestNodesKeepTime(t *testing.T) {
	if os.Getenv("RAFTPLAY_TIMING_TESTS") == "" {
		t.Skip("measures wall time: set RAFTPLAY_TIMING_TESTS=1 to run it on a quiet machine")
	}
	t.Parallel()
	timing := Timing{Heartbeat: 2 * time.Millisecond, ElectionMin: 400 * time.Millisecond, ElectionMax: 800 * time.Millisecond, TickLen: time.Millisecond}
	c := startCluster(t, Options{Nodes: 3, Timing: timing, Seed: 11})
	st := waitLeader(t, c)
	leader := st.Leader
	follower := aFollower(st)
	sent := func() (uint64, time.Time) {
		// Links are refreshed by the full publish, every publishEvery: wait
		// for a fresh one so both ends of the window are equally fresh.
		prev, _ := c.Status().Node(leader)
		for {
			n, _ := c.Status().Node(leader)
			if n.Updated != prev.Updated {
				return n.Links[follower].MsgsSent, n.Updated
			}
			time.Sleep(time.Millisecond)
		}
	}
	n0, t0 := sent()
	time.Sleep(2 * time.Second)
	n1, t1 := sent()
	if now := c.Status(); now.Leader != leader || now.Term != st.Term {
		t.Skip("the leader changed during the measurement")
	}
	want := float64(t1.Sub(t0)) / float64(timing.Heartbeat)
	got := float64(n1 - n0)
	t.Logf("%v: %.0f heartbeats sent, %.0f intervals elapsed", t1.Sub(t0), got, want)
	if got < 0.97*want-5 || got > 1.03*want+5 {
		t.Fatalf("leader sent %.0f heartbeats in %v of 2 ms intervals, want about %.0f", got, t1.Sub(t0), want)
	}
}

// Time the whole process stood still is left out of a node's clock: the
// ticks of a stall the watch saw are not handed out, the others are.
func TestTickClockLeavesOutProcessStalls(t *testing.T) {
	var c tickClock
	t0 := time.Unix(1000, 0)
	c.reset(t0, 5*time.Millisecond, 0)
	if got := c.due(t0.Add(100*time.Millisecond), 1000, 0); got != 20 {
		t.Fatalf("100 ms of 5 ms ticks: %d, want 20", got)
	}
	// The process stood still 1 s (the watch counts 995 ms); the node
	// wakes 1,005 ms after its last wake-up: 2 ticks of it ran.
	if got := c.due(t0.Add(1105*time.Millisecond), 1000, 995*time.Millisecond); got != 2 {
		t.Fatalf("after a 1 s stall of the process: %d ticks, want 2", got)
	}
	// The same stall is not left out twice.
	if got := c.due(t0.Add(1125*time.Millisecond), 1000, 995*time.Millisecond); got != 4 {
		t.Fatalf("20 ms later: %d ticks, want 4", got)
	}
}

// The stall watch counts a gap in which no one saw the process run, beyond
// its own period, and nothing for the short delays of a busy machine.
func TestStallWatchCountsLongGapsOnly(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := &stallWatch{last: t0}
	at := t0
	for range 10 {
		at = at.Add(stallMin) // late, but not a stall
		if got := s.observe(at); got != 0 {
			t.Fatalf("a gap of %v counted as a stall of %v", stallMin, got)
		}
	}
	at = at.Add(2 * time.Second)
	if got, want := s.observe(at), 2*time.Second-stallMin; got != want {
		t.Fatalf("a 2 s gap counted %v, want %v", got, want)
	}
	// Observers after the first, seeing the same moment or an earlier
	// one (a node whose now was read before the watch's), add nothing.
	if got, want := s.observe(at.Add(-time.Millisecond)), 2*time.Second-stallMin; got != want {
		t.Fatalf("a later observer made it %v, want %v", got, want)
	}
}

// A process whose own goroutines keep the processors busy sees gaps over
// stallMin all the time: its clocks still run, at stallMin a gap at least.
// (Each gap counted whole but a 5 ms period, 200 ms gaps ran the clocks at
// 2.5%: a test binary's clusters elected no leader in 10 s.)
func TestStallWatchLetsTimeRunUnderSteadyGaps(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := &stallWatch{last: t0}
	at := t0
	for range 50 { // 10 s of 200 ms gaps
		at = at.Add(200 * time.Millisecond)
		s.observe(at)
	}
	if ran := at.Sub(t0) - s.total; ran < 2*time.Second {
		t.Fatalf("10 s of 200 ms gaps let %v pass on the clocks, want 2.5 s (stallMin a gap)", ran)
	}
}

// The watch's goroutine runs while a cluster holds it, and stops with the
// last one (goleak checks the package's tests for leftovers).
func TestStallWatchRunsWhileHeld(t *testing.T) {
	s := &stallWatch{}
	s.acquire()
	s.acquire()
	s.release()
	s.mu.Lock()
	running := s.done != nil
	s.mu.Unlock()
	if !running {
		t.Fatal("the watch stopped while a user still held it")
	}
	s.release()
	if s.done != nil || s.users != 0 {
		t.Fatal("the watch runs on after its last user released it")
	}
}
