package cluster

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A removal proposed by a leader deposed before it replicated the entry
// stays in that leader's log only, while the next leader commits other
// entries at and past its index. The next start of the data directory took
// that stale removal, the newest configuration entry of any log, for
// committed because some node's commit index passed its index, and retired
// the node it named, a voter of the committed configuration: its files
// deleted (found by a review). A configuration counts as committed only
// when a log that commits its index holds that very entry.
func TestStartKeepsAVoterThatAnUncommittedRemovalNames(t *testing.T) {
	dir := t.TempDir()
	c, err := Start(Options{Nodes: 3, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	waitLeader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	freezeAtRest(t, c, 3)
	must := mustOut(t)
	node := func(id uint64) NodeStatus { n, _ := c.Status().Node(id); return n }
	// 1 leads with 2 and commits its no-op with 2.
	electBySteps(t, c, ctx, 1, 2)
	noop := node(1).LastIndex
	for i := 0; i < 6 && node(1).Commit < noop; i++ {
		must(c.Deliver(ctx, 1, 2, "app", false))
		must(c.Deliver(ctx, 2, 1, "app-resp", false))
	}
	if node(1).Commit < noop {
		t.Fatal("1's no-op did not commit")
	}
	// 1 appends "remove 3"; nobody else gets it.
	_, err = c.Remove(ctx, 3)
	var pe *PendingError
	if !errors.As(err, &pe) {
		t.Fatalf("remove 3: %v", err)
	}
	t.Logf("remove 3 appended at %d on 1 only", pe.Index)
	if err := c.Crash(1); err != nil {
		t.Fatal(err)
	}
	// 2 wins with 3, and commits its own entries at and past that index.
	electBySteps(t, c, ctx, 2, 3)
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	cl := c.NewClient()
	for i := 0; i < 5; i++ {
		if _, err := cl.Put(ctx, "k", []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Status()
	n2, _ := st.Node(2)
	t.Logf("2 leads at term %d, commit %d; 3 is a voter of %s", n2.Term, n2.Commit, n2.Membership)
	if !n2.Membership.IsVoter(3) || n2.Commit <= pe.Index {
		t.Fatalf("setup: %+v", n2)
	}
	c.Close()

	// The next start of the same data directory.
	c2, err := Start(Options{Nodes: 3, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	st2 := c2.Status()
	n3, _ := st2.Node(3)
	t.Logf("after the restart: node 3 state %q", n3.State)
	evs, _, _ := c2.Events().Since(0)
	for _, e := range evs {
		if e.Kind == EventMember {
			t.Logf("event: %s", e.Text)
		}
	}
	if n3.State == StateRemoved {
		t.Fatalf("node 3, a voter of the committed configuration (%s), was retired and its files deleted on the strength of an entry (remove 3 at %d) that never committed", n2.Membership, pe.Index)
	}
}
