package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A committed removal an earlier run did not carry out (the process killed
// between its commit and the retiring) is carried out at the next start,
// when the entry is applied again, even though a deposed leader's stale
// configuration entry at a higher index, of an earlier term, still names
// the node: it was taken for a later entry adding the node back, and the
// node ran outside the cluster for good, deposing leader after leader
// (term 70 in 15 s; found by a review). An entry of an earlier term than a
// committed one after it can never commit.
func TestStaleConfigurationDoesNotShieldARemovedNode(t *testing.T) {
	dir := t.TempDir()
	c, err := Start(Options{Nodes: 5, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	waitLeader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	freezeAtRest(t, c, 5)
	must := mustOut(t)
	node := func(id uint64) NodeStatus { n, _ := c.Status().Node(id); return n }
	electBySteps(t, c, ctx, 1, 2, 3)
	noop := node(1).LastIndex
	for i := 0; i < 6 && node(1).Commit < noop; i++ {
		must(c.Deliver(ctx, 1, 2, "app", false))
		must(c.Deliver(ctx, 2, 1, "app-resp", false))
		must(c.Deliver(ctx, 1, 3, "app", false))
		must(c.Deliver(ctx, 3, 1, "app-resp", false))
	}
	if node(1).Commit < noop {
		t.Fatal("1's no-op did not commit")
	}
	// 1 appends two writes and "remove 5", on its own log only.
	for k := 0; k < 2; k++ {
		before := node(1).LastIndex
		go c.ProposeTo(ctx, 1, "x", []byte("y"))
		waitFor(t, c, "write in 1's log", func(s Status) bool { n, _ := s.Node(1); return n.LastIndex > before })
	}
	_, err = c.Remove(ctx, 5)
	var pe *PendingError
	if !errors.As(err, &pe) {
		t.Fatalf("remove 5: %v", err)
	}
	t.Logf("stale remove 5 at %d on 1 (no-op %d)", pe.Index, noop)
	must("", c.Crash(1))
	// Node 4 goes down; its files are what a kill before its retiring leaves.
	must("", c.Crash(4))
	saved := map[string][]byte{}
	des, _ := os.ReadDir(filepath.Join(dir, "node-4"))
	for _, de := range des {
		if b, err := os.ReadFile(filepath.Join(dir, "node-4", de.Name())); err == nil {
			saved[de.Name()] = b
		}
	}
	// 2 leads with 3 and 5, and commits "remove 4" below 1's stale entry.
	electBySteps(t, c, ctx, 2, 3, 5)
	must("", c.Thaw())
	waitFor(t, c, "2 commits its no-op", func(s Status) bool { n, _ := s.Node(2); return n.Commit >= noop+1 })
	if _, err := c.Remove(ctx, 4); err != nil {
		t.Fatalf("remove 4: %v", err)
	}
	st := waitFor(t, c, "4 retired", func(s Status) bool { n, _ := s.Node(4); return n.State == StateRemoved })
	n2, _ := st.Node(2)
	t.Logf("2: conf %s at %d, commit %d", n2.Membership, n2.ConfIndex, n2.Commit)
	if n2.ConfIndex >= pe.Index {
		t.Fatalf("setup: the committed removal of 4 (%d) is not below 1's stale entry (%d)", n2.ConfIndex, pe.Index)
	}
	c.Close()
	// A kill between the commit and the retiring: node 4's files, no marker.
	os.Remove(filepath.Join(dir, "node-4", removedFile))
	for name, b := range saved {
		if err := os.WriteFile(filepath.Join(dir, "node-4", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c2, err := Start(Options{Nodes: 5, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	waitFor(t, c2, "4 retired when its committed removal is applied again", func(s Status) bool { n, _ := s.Node(4); return n.State == StateRemoved })
}
