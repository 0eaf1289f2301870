package raft

import "testing"

// TestSimPausedLeaderSendsNothingWhenItsWritesFinish: a paused (or
// stalled) node's loop does not turn, so the fsyncs its syncer finishes
// meanwhile reach its core only when it runs again; until then it sends
// nothing. The simulation once reported them to the core of a paused
// leader at once and carried out the Ready that followed: a paused leader
// sent appends and its commit index.
func TestSimPausedLeaderSendsNothingWhenItsWritesFinish(t *testing.T) {
	for seed := uint64(1); seed < 200; seed++ {
		s := newSim(seed, false)
		if !s.writeBehind {
			continue
		}
		s.crashRd, s.loss, s.dup = 0, 0, 0
		var ld *simNode
		for ; s.now < 200 && s.err == nil; s.now++ {
			if ld = s.leader(); ld != nil {
				break
			}
			s.tickAll()
			s.deliverDue()
			s.finishWrites()
		}
		if ld == nil || s.err != nil {
			continue
		}
		for range 3 {
			s.propose(ld)
		}
		s.handle(ld)
		if len(ld.pending) == 0 {
			continue
		}
		ld.paused = true
		queued, stable := len(s.queue), ld.r.log.stable
		for range 20 {
			s.finishWrites()
		}
		for _, q := range s.queue[queued:] {
			if q.m.From == ld.id {
				t.Fatalf("seed %d: paused leader %d sends %s when its writes finish", seed, ld.id, DescribeMessage(q.m))
			}
		}
		if ld.r.log.stable != stable {
			t.Fatalf("seed %d: paused leader %d's core heard its log durable to %d (was %d)", seed, ld.id, ld.r.log.stable, stable)
		}
		return
	}
	t.Fatal("no seed gave a leader with writes pending")
}
