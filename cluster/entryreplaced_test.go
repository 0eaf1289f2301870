package cluster

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An entry overwritten in its proposer's log by a new leader may still
// commit: another node that holds it can win a later election (Figure 8 of
// the Raft paper). Its proposer was answered "entry was replaced by a new
// leader before it committed", and a review saw the entry commit after
// that. Steps (5 nodes, frozen):
//   - 1 leads at T1, proposes k=v at index i; only 3 gets it.
//   - 2 wins T1+1 with 4 and 5 and overwrites i on 1: 1 answers
//     ErrEntryReplaced, outcome unknown.
//   - 3, holding (i, T1), wins T1+2 with 4 and 5 and commits i with its
//     no-op.
func TestReplacedEntryMayStillCommit(t *testing.T) {
	c := startCluster(t, Options{Nodes: 5})
	waitLeader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	freezeAtRest(t, c, 5)
	must := mustOut(t)
	node := func(id uint64) NodeStatus { n, _ := c.Status().Node(id); return n }
	// 1 leads at T1 with 2 and 3.
	electBySteps(t, c, ctx, 1, 2, 3)
	t1 := node(1).Term

	type out struct {
		p   Proposal
		err error
	}
	res := make(chan out, 1)
	before := node(1).LastIndex
	go func() {
		p, err := c.ProposeTo(ctx, 1, "k", []byte("v"))
		res <- out{p, err}
	}()
	waitFor(t, c, "the proposal in 1's log", func(s Status) bool { n, _ := s.Node(1); return n.LastIndex >= before+1 })
	idx := node(1).LastIndex
	// Only 3 gets 1's entries.
	for i := 0; i < 6 && node(3).LastIndex < idx; i++ {
		must(c.Deliver(ctx, 1, 3, "app", false))
		if node(3).LastIndex < idx {
			must(c.Deliver(ctx, 3, 1, "app-resp", false))
		}
	}
	if node(3).LastIndex < idx {
		t.Fatal("3 did not get the entry")
	}

	// 2 wins T1+1 with 4 and 5 (their logs are as long as its).
	electBySteps(t, c, ctx, 2, 4, 5)
	if n := node(2); n.Term != t1+1 {
		t.Fatalf("2 leads at term %d, want %d", n.Term, t1+1)
	}
	// 2's no-op overwrites 1's entries.
	must(c.Deliver(ctx, 2, 1, "app", false))
	waitFor(t, c, "1 overwritten", func(s Status) bool { n, _ := s.Node(1); return n.Term == t1+1 && n.LastIndex < idx })
	var first out
	select {
	case first = <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("ProposeTo did not return after its entry was overwritten")
	}
	t.Logf("ProposeTo on 1 answered: %+v err=%v", first.p, first.err)

	// 3 holds (idx, T1): it wins T1+2 with 4 and 5.
	must(c.Timeout(3)) // T1+1: 4 and 5 voted for 2 in it
	must(c.Deliver(ctx, 3, 4, "vote", true))
	must(c.Deliver(ctx, 3, 5, "vote", true))
	must(c.Timeout(3)) // T1+2
	must(c.Deliver(ctx, 3, 4, "vote", false))
	must(c.Deliver(ctx, 3, 5, "vote", false))
	must(c.Deliver(ctx, 4, 3, "vote-resp", false))
	must(c.Deliver(ctx, 5, 3, "vote-resp", false))
	waitFor(t, c, "3 leads", func(s Status) bool { n, _ := s.Node(3); return n.Role == "leader" && n.Term == t1+2 })
	for _, f := range []uint64{4, 5} {
		for i := 0; i < 6 && node(f).LastIndex < idx+1; i++ {
			must(c.Deliver(ctx, 3, f, "app", false))
			if node(f).LastIndex < idx+1 {
				must(c.Deliver(ctx, f, 3, "app-resp", false))
			}
		}
		must(c.Deliver(ctx, f, 3, "app-resp", false))
	}
	waitFor(t, c, "3 commits its no-op", func(s Status) bool { n, _ := s.Node(3); return n.Commit >= idx+1 })
	n3 := c.node(3)
	var v []byte
	var found bool
	var applied uint64
	_ = n3.do(func() { v, found = n3.kv.Get("k"); applied = n3.kv.Applied() })
	t.Logf("3 applied %d; k=%q found=%v", applied, v, found)
	if !errors.Is(first.err, ErrEntryReplaced) || errors.Is(first.err, ErrEntryLost) {
		t.Errorf("the proposal whose entry was overwritten on 1 was answered %v; want ErrEntryReplaced (outcome unknown)", first.err)
	}
	if !found || string(v) != "v" {
		t.Fatalf("the replaced entry %d (term %d) did not commit through 3: k=%q found=%v", idx, t1, v, found)
	}
}
