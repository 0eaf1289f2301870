package experiment

import (
	"context"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// staleLeaderScenario drives a cluster, step by step, into the one situation
// that the up-to-date log check in votes exists for, and returns the cluster
// (still running) and the node that was leader:
//
//  1. a follower S is isolated and campaigns alone, raising its term;
//  2. the leader L commits a put and answers the client, then is cut off
//     and paused before its next heartbeat tells the followers about the
//     commit;
//  3. the other followers can no longer hear each other, only S; S, back,
//     asks for their votes with a higher term and a log that lacks the put.
//
// A correct Raft refuses S (its log is behind) and elects nobody until the
// network heals; the put survives. With the check off, S wins and its first
// entry replaces the committed put on the followers.
func staleLeaderScenario(t *testing.T, broken bool) (*cluster.Cluster, uint64) {
	t.Helper()
	c, err := cluster.Start(cluster.Options{
		Nodes:                  5,
		DataDir:                t.TempDir(),
		Timing:                 cluster.Timing{Heartbeat: 100 * time.Millisecond, ElectionMin: 400 * time.Millisecond, ElectionMax: 800 * time.Millisecond},
		Seed:                   42,
		UnsafeSkipVoteLogCheck: broken,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := c.WaitFor(ctx, settled)
	if err != nil {
		t.Fatalf("no leader: %v", err)
	}
	leader, term := st.Leader, st.Term
	var stale uint64
	var others []uint64
	for id := uint64(1); id <= 5; id++ {
		switch {
		case id == leader:
		case stale == 0:
			stale = id
		default:
			others = append(others, id)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The client registers its session (a log entry) while all is well, so
	// that the put below is the one entry the followers hold uncommitted.
	cl := c.NewClient()
	if _, err := cl.Put(ctx, "warm", []byte("up")); err != nil {
		t.Fatalf("put: %v", err)
	}
	if _, err := c.WaitFor(ctx, cluster.Converged); err != nil {
		t.Fatalf("no convergence: %v", err)
	}
	must(c.Isolate(stale))
	if _, err := c.WaitFor(ctx, func(s cluster.Status) bool { n, _ := s.Node(stale); return n.Term > term+1 }); err != nil {
		t.Fatalf("the isolated node never campaigned: %v", err)
	}
	if _, err := cl.Put(ctx, "x", []byte("committed")); err != nil {
		t.Fatalf("put: %v", err)
	}
	for id := uint64(1); id <= 5; id++ {
		if id != leader {
			must(c.Cut(leader, id))
		}
	}
	must(c.Pause(leader))
	// The network after the heal below: the followers talk only with S.
	c.Heal()
	must(c.Isolate(leader))
	for _, a := range others {
		for _, b := range others {
			if a != b {
				must(c.Cut(a, b))
			}
		}
	}
	return c, leader
}

// TestBrokenVoteCheckLosesCommittedWrite is the cluster-level proof that
// the checks can fail: with raft's up-to-date vote check switched off, the
// monitor sees two different entries applied at one index. The same steps
// on a correct cluster elect nobody stale and lose nothing.
func TestBrokenVoteCheckLosesCommittedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster: not in -short")
	}
	t.Run("broken", func(t *testing.T) {
		c, _ := staleLeaderScenario(t, true)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := c.WaitFor(ctx, func(cluster.Status) bool { return len(c.Violations()) > 0 }); err != nil {
			t.Fatalf("the monitor saw no violation with the vote check off: %v", err)
		}
		v := c.Violations()[0]
		if v.Rule != "state machine safety" {
			t.Fatalf("violation %+v", v)
		}
		t.Logf("caught: %s: %s", v.Rule, v.Text)
	})
	t.Run("correct", func(t *testing.T) {
		c, leader := staleLeaderScenario(t, false)
		// Give the stale node time to campaign (and be refused) several times.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		refused := 0
		seq := uint64(1)
		for refused < 3 {
			wake := c.Events().Wait()
			evs, next, _ := c.Events().Since(seq)
			seq = next
			for _, e := range evs {
				if e.Kind == "raft.vote-rejected" && strings.Contains(e.Text, "log not up to date") {
					refused++
				}
			}
			select {
			case <-ctx.Done():
				t.Fatalf("only %d votes refused", refused)
			case <-wake:
			}
		}
		c.Heal()
		if err := c.Resume(leader); err != nil {
			t.Fatal(err)
		}
		res, err := c.NewClient().Get(ctx, "x")
		if err != nil || string(res.Value) != "committed" {
			t.Fatalf("get x = %q, %v; want the committed put", res.Value, err)
		}
		if v := c.Violations(); len(v) > 0 {
			t.Fatalf("violations on a correct cluster: %+v", v)
		}
	})
}
