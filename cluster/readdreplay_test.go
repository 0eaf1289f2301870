package cluster

import (
	"testing"
	"time"
)

// A node added again under an id is not the node an earlier removal of
// that id took out. At a later start the nodes apply their logs again,
// and each configuration entry applied retires the nodes it drops unless
// the newest configuration a log holds keeps them (confApplied): a removal
// proposed again to a leader cut off a moment before, appended there and
// never committed (the next leader's entries replaced it), was that
// newest configuration, and the first removal, applied again, retired the
// node added since: its process stopped and its files deleted, while
// the committed configuration counts it a voter.
func TestReplayedRemovalSparesTheNodeAddedAgainSince(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	timing := Timing{Heartbeat: 20 * time.Millisecond, ElectionMin: 600 * time.Millisecond, ElectionMax: 900 * time.Millisecond}
	c := startCluster(t, Options{Nodes: 3, DataDir: dir, Timing: timing})
	l := waitLeader(t, c).Leader
	v := othersThan(l, 3)[0]
	if _, err := c.Remove(ctxFor(t, 10*time.Second), v); err != nil {
		t.Fatalf("remove %d: %v", v, err)
	}
	if _, err := c.Add(ctxFor(t, 10*time.Second), v); err != nil {
		t.Fatalf("add %d again: %v", v, err)
	}
	waitFor(t, c, "every node holding the add", func(st Status) bool {
		for _, n := range st.Nodes {
			if !n.Membership.IsVoter(v) || n.Applied < st.Nodes[l-1].Commit {
				return false
			}
		}
		return true
	})
	// The leader, cut off, takes a second removal of v that never commits.
	if err := c.Isolate(l); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Remove(ctxFor(t, 150*time.Millisecond), v); err == nil {
		t.Fatalf("remove %d on a leader cut off: committed", v)
	}
	st := waitFor(t, c, "a new leader", func(st Status) bool { return st.Leader != 0 && st.Leader != l })
	put(t, c.NewClient(), "after", "v")
	t.Logf("leader %d cut off; %d leads at term %d", l, st.Leader, st.Term)
	c.Close()

	c2 := startCluster(t, Options{Nodes: 3, DataDir: dir, Timing: timing})
	waitLeader(t, c2)
	put(t, c2.NewClient(), "again", "v")
	st = waitFor(t, c2, "every node applying the log", func(st Status) bool {
		for _, n := range st.Nodes {
			if n.State == StateUp && n.Applied < st.Commit {
				return false
			}
		}
		return st.Commit > 0
	})
	// Retiring runs apart from the loops: every node applied the removal
	// (confApplied started its retiring) before its status said so; wait
	// until the retirings are over, whatever they did.
	waitFor(t, c2, "the retirings over", func(Status) bool { return c2.retiring.Load() == 0 })
	st = c2.FreshStatus()
	n, _ := st.Node(v)
	if !st.Membership.IsVoter(v) || n.State != StateUp {
		t.Fatalf("node %d, added again and a voter of the committed configuration (%s), is %s: %v", v, st.Membership, n.State, memberEvents(c2))
	}
}

func memberEvents(c *Cluster) []string {
	evs, _, _ := c.Events().Since(1)
	var out []string
	for _, e := range evs {
		if e.Kind == EventMember {
			out = append(out, e.Text)
		}
	}
	return out
}
