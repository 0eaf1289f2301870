package cluster

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// A node's published log window (LogTerms, Recent) is extended in place
// when the log only grew (publish.go). Through growth, compaction and a
// truncated tail, every window published must describe the log it was
// published with, and no window, once published, may change.
func TestPublishedLogWindowFollowsTheLog(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Seed: 5, SnapshotEvery: 40})
	st := waitLeader(t, c)
	old := st.Leader

	type sample struct {
		st     *NodeStatus
		terms  []uint64
		recent []EntryInfo
	}
	var (
		mu      sync.Mutex
		samples []sample
		bad     error
	)
	// The window is as of the node's last full publish (every 20 ms), so it
	// may trail LastIndex; within itself it must be a log's window.
	check := func(n *NodeStatus) error {
		if len(n.LogTerms) == 0 || !n.Live() {
			return nil
		}
		end := n.LogStart + uint64(len(n.LogTerms)) - 1
		if end > n.LastIndex+3 || !slices.IsSorted(n.LogTerms) {
			return fmt.Errorf("node %d: window %d..%d %v, last index %d", n.ID, n.LogStart, end, n.LogTerms, n.LastIndex)
		}
		for i, e := range n.Recent {
			if e.Index != end-uint64(len(n.Recent)-1-i) || e.Index < n.LogStart || n.LogTerms[e.Index-n.LogStart] != e.Term {
				return fmt.Errorf("node %d: recent entry %d@%d does not fit the window %d..%d", n.ID, e.Index, e.Term, n.LogStart, end)
			}
		}
		return nil
	}
	// Quiet, every window ends at its node's last index, and the nodes'
	// windows agree where they overlap.
	settled := func(s Status) bool {
		l, ok := s.Node(s.Leader)
		if !ok || len(l.LogTerms) == 0 {
			return false
		}
		for _, n := range s.Nodes {
			if n.LastIndex != l.LastIndex || n.LogStart+uint64(len(n.LogTerms))-1 != n.LastIndex || len(n.Recent) == 0 ||
				n.Recent[len(n.Recent)-1].Term != n.LastTerm {
				return false
			}
		}
		for _, n := range s.Nodes {
			for i := max(n.LogStart, l.LogStart); i <= n.LastIndex; i++ {
				if n.LogTerms[i-n.LogStart] != l.LogTerms[i-l.LogStart] {
					return false
				}
			}
		}
		return true
	}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, n := range c.Status().Nodes {
				n := n
				mu.Lock()
				if err := check(&n); err != nil && bad == nil {
					bad = err
				}
				if len(samples) < 20000 {
					samples = append(samples, sample{&n, slices.Clone(n.LogTerms), slices.Clone(n.Recent)})
				}
				mu.Unlock()
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := c.NewClient()
	put := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := cl.Put(ctx, fmt.Sprint("k", i%7), []byte("v")); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(100)
	// The old leader, cut off, takes entries that never commit; the others
	// elect a leader and go on; healed, the old leader's tail is replaced.
	if err := c.Isolate(old); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	for i := 0; i < 3; i++ {
		_, _ = c.ProposeTo(short, old, "lost", []byte("x"))
	}
	cancelShort()
	waitFor(t, c, "a new leader", func(s Status) bool { return s.Leader != 0 && s.Leader != old })
	put(10) // fewer than SnapshotEvery: the old leader is sent appends, not a snapshot
	c.Heal()
	final := waitFor(t, c, "the old leader's tail replaced", func(s Status) bool {
		l, ok := s.Node(s.Leader)
		o, _ := s.Node(old)
		return ok && s.Leader != old && o.LastIndex == l.LastIndex && o.LastTerm == l.LastTerm && o.Commit == l.Commit
	})
	put(5) // still short of the next snapshot (at 120), which would rebuild every window
	// Elections on a loaded machine add no-ops: the log may have reached a
	// snapshot that covers all of it, which leaves every window empty (and
	// settled false); a write starts the next window.
	for range 3 {
		s := c.Status()
		if l, ok := s.Node(s.Leader); ok && l.SnapshotIndex < l.LastIndex {
			break
		}
		put(1)
	}
	waitFor(t, c, "every window settled on the same log", settled)
	close(stop)
	<-sampled

	mu.Lock()
	defer mu.Unlock()
	if bad != nil {
		t.Fatal(bad)
	}
	for _, s := range samples {
		if !slices.Equal(s.st.LogTerms, s.terms) || !slices.Equal(s.st.Recent, s.recent) {
			t.Fatalf("node %d: a published window changed afterwards: terms %v, were %v", s.st.ID, s.st.LogTerms, s.terms)
		}
	}
	if len(samples) < 100 {
		t.Fatalf("only %d statuses sampled", len(samples))
	}
	if o, _ := final.Node(old); o.LastTerm == st.Term {
		t.Fatalf("the old leader's log still ends in its own term %d: nothing was truncated", st.Term)
	}
}

// A status's last index and last term go together: the light status a
// Ready publishes (between full ones) moved the index but kept the term of
// the entry before, so a new leader's first entry read as one of the old
// term for up to 20 ms, and explanations that compare last entries (Log
// Matching) counted a follower behind that was not.
func TestLastTermFollowsLastIndex(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Seed: 9})
	st := waitLeader(t, c)
	put(t, c.NewClient(), "a", "1")
	waitFor(t, c, "converged", func(s Status) bool { return Converged(s) })
	before, _ := c.Status().Node(st.Leader)
	if err := c.Crash(st.Leader); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for seen := 0; seen < 200 && time.Now().Before(deadline); {
		s := c.Status()
		for _, n := range s.Nodes {
			if !n.Live() || n.LastIndex <= before.LastIndex {
				continue
			}
			// Past the old leader's log: entries of a later term only.
			if n.LastTerm <= before.Term {
				t.Fatalf("node %d: last index %d (past %d, the old leader's last) with last term %d (the old leader's term %d)",
					n.ID, n.LastIndex, before.LastIndex, n.LastTerm, before.Term)
			}
			seen++
		}
	}
}
