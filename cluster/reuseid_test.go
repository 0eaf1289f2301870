package cluster

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// Adding an id again starts a fresh node, its log empty. A node cut off
// while two voters were removed still counts them in its old
// configuration; if the two fresh nodes, not yet reached by the leader,
// granted it their votes (their empty logs pass any candidate's), it
// would lead a majority of that old configuration and commit over the
// cluster's committed entries. The fresh nodes vote only once they hold
// the configuration that adds them (raft: mayVote), which follows the
// removals in the log.
func TestReaddedIDsDoNotElectANodeThatMissedTheirRemoval(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 5})
	l := waitLeader(t, c).Leader
	others := othersThan(l, 5)
	s, x, y, a := others[0], others[1], others[2], others[3]
	put, cut, _ := linkTools(t, c)
	put("before")
	waitFor(t, c, "every node holding the first write", func(st Status) bool {
		n, _ := st.Node(s)
		return n.Applied >= n.Commit && n.Commit > 0 && n.Commit == st.Nodes[l-1].Commit
	})
	for _, o := range []uint64{l, x, y, a} {
		cut(s, o)
	}
	put("while s is cut off")
	for _, id := range []uint64{x, y} {
		if _, err := c.Remove(ctxFor(t, 10*time.Second), id); err != nil {
			t.Fatalf("remove %d: %v", id, err)
		}
	}
	put("after the removals")
	// The fresh nodes of ids x and y hear only from s.
	for _, id := range []uint64{x, y} {
		cut(l, id)
		cut(a, id)
		if err := c.HealLink(s, id); err != nil {
			t.Fatal(err)
		}
		if err := c.HealLink(id, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []uint64{x, y} {
		_, err := c.Add(ctxFor(t, 3*time.Second), id)
		if err == nil {
			t.Fatalf("add %d: caught up and promoted, though the leader cannot reach it", id)
		}
		t.Logf("add %d: %v", id, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.WaitFor(ctx, func(st Status) bool {
		n, _ := st.Node(s)
		return n.Role == "leader" || c.ViolationCount() > 0
	})
	if err == nil {
		n, _ := st.Node(s)
		msg := fmt.Sprintf("node %d, cut off while %d and %d were removed, leads at term %d (commit %d)", s, x, y, n.Term, n.Commit)
		for _, v := range c.Violations() {
			msg += fmt.Sprintf("\n%s: %s", v.Rule, v.Text)
		}
		t.Fatal(msg)
	}
}

// A leader cut off while two voters were removed, and deposed without
// knowing it (CheckQuorum off), still counts them in its old
// configuration. The fresh nodes of their ids, added again and not yet
// reached by the cluster's leader, must not take its appends: they would
// make a majority of that configuration with it, and it would commit an
// entry of its old term where the cluster committed another (State
// Machine Safety). A node added to a running cluster starts at the term
// the cluster has reached, so it refuses the stale leader, whose next
// heartbeat's answer deposes it.
func TestReaddedIDsDoNotLetAStaleLeaderCommit(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 5, SnapshotEvery: 4})
	l := waitLeader(t, c).Leader
	others := othersThan(l, 5)
	x, y, a, b := others[0], others[1], others[2], others[3]
	put, cut, heal := linkTools(t, c)
	put("before")
	// x and y, cut off (from each other too: their elections reach no
	// one), fall behind the leader's snapshot: to the fresh nodes of their
	// ids it sends that snapshot, which an empty log takes.
	for _, o := range []uint64{l, a, b, y} {
		cut(x, o)
	}
	for _, o := range []uint64{l, a, b} {
		cut(y, o)
	}
	for i := range 12 {
		put(fmt.Sprintf("k%d", i))
	}
	waitFor(t, c, "the leader's snapshot past x's and y's logs", func(st Status) bool {
		ln, _ := st.Node(l)
		nx, _ := st.Node(x)
		ny, _ := st.Node(y)
		return ln.SnapshotIndex > max(nx.LastIndex, ny.LastIndex)
	})
	// l is cut off from everyone, and takes one more entry it cannot commit.
	cut(l, a)
	cut(l, b)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	p, err := c.ProposeTo(ctx, l, "stale", []byte("v"))
	cancel()
	if err != nil || p.Index == 0 || p.Committed {
		t.Fatalf("setup: propose on the cut-off leader %d: %+v %v", l, p, err)
	}
	// The others elect a leader among them.
	for _, o := range []uint64{a, b, y} {
		heal(x, o)
	}
	heal(y, a)
	heal(y, b)
	waitFor(t, c, "a new leader", func(st Status) bool { return st.Leader != 0 && st.Leader != l })
	for _, id := range []uint64{x, y} {
		if _, err := c.Remove(ctxFor(t, 10*time.Second), id); err != nil {
			t.Fatalf("remove %d: %v", id, err)
		}
	}
	put("after the removals")
	// The fresh nodes of ids x and y hear only from l.
	for _, id := range []uint64{x, y} {
		cut(a, id)
		cut(b, id)
		heal(l, id)
	}
	for _, id := range []uint64{x, y} {
		if _, err := c.Add(ctxFor(t, 3*time.Second), id); err == nil {
			t.Fatalf("add %d: caught up and promoted, though the leader cannot reach it", id)
		}
	}
	st, err := c.WaitFor(ctxFor(t, 10*time.Second), func(st Status) bool {
		n, _ := st.Node(l)
		return n.Role != "leader" || n.Commit >= p.Index || c.ViolationCount() > 0
	})
	if err != nil {
		t.Fatalf("the cut-off leader %d neither committed nor was deposed: %v", l, err)
	}
	if n, _ := st.Node(l); n.Commit >= p.Index || c.ViolationCount() > 0 {
		msg := fmt.Sprintf("node %d, leader of term %d cut off while %d and %d were removed, committed its entry %d through the fresh nodes of their ids (commit %d)",
			l, p.Term, x, y, p.Index, n.Commit)
		for _, v := range c.Violations() {
			msg += fmt.Sprintf("\n%s: %s", v.Rule, v.Text)
		}
		t.Fatal(msg)
	}
}

// A joiner starts at its leader's term, not at the highest term a node has
// reached: a node cut off that campaigned its term up (no PreVote) would
// otherwise have the joiner answer the leader with that term, and depose
// it at every add.
func TestJoinerDoesNotDeposeTheLeaderWithAnInflatedTerm(t *testing.T) {
	t.Parallel()
	// Timeouts long enough that a loaded machine does not depose the
	// leader by itself; short enough that the cut-off node's term climbs.
	c := startCluster(t, Options{Nodes: 3, Timing: Timing{Heartbeat: 20 * time.Millisecond, ElectionMin: 400 * time.Millisecond, ElectionMax: 800 * time.Millisecond}})
	st := waitLeader(t, c)
	l, term := st.Leader, st.Term
	f := othersThan(l, 3)[0]
	if err := c.Isolate(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the cut-off node's term well past the leader's", func(s Status) bool {
		n, ok := s.Node(f)
		return ok && n.Term > term+2
	})
	if _, err := c.Add(ctxFor(t, 20*time.Second), 0); err != nil {
		t.Fatal(err)
	}
	if s := c.Status(); s.Leader != l || s.Term != term {
		t.Fatalf("after the add: leader %d at term %d; want %d still leading at term %d", s.Leader, s.Term, l, term)
	}
}

// linkTools returns a put through c's client that fails t, and a cut and
// a heal of the link between two nodes both ways.
func linkTools(t *testing.T, c *Cluster) (put func(k string), cut, heal func(p, q uint64)) {
	cl := c.NewClient()
	put = func(k string) {
		t.Helper()
		if _, err := cl.Put(ctxFor(t, 10*time.Second), k, []byte("v")); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	both := func(f func(a, b uint64) error) func(p, q uint64) {
		return func(p, q uint64) {
			t.Helper()
			if err := f(p, q); err != nil {
				t.Fatal(err)
			}
			if err := f(q, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	return put, both(c.Cut), both(c.HealLink)
}

// An id added again is started knowing an index committed before its add
// (raft.Config.JoinedAfter, kept in its JOINED marker for later runs): the
// removal of the earlier node of its id is at or below it, and the entry
// adding the new node above it. The log the new node receives begins with
// the entries that added and promoted the earlier node; without the index
// it took them for its own configuration, and part way through catching up
// voted for a stale node whose log lacked the removal
// (raft.TestFreshNodeDoesNotVoteOnItsIDsEarlierConfiguration).
func TestReaddedIDKnowsItJoinedAfterTheRemoval(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	add, err := c.Add(ctxFor(t, 10*time.Second), 4)
	if err != nil {
		t.Fatalf("add 4: %v", err)
	}
	rm, err := c.Remove(ctxFor(t, 10*time.Second), 4)
	if err != nil {
		t.Fatalf("remove 4: %v", err)
	}
	again, err := c.Add(ctxFor(t, 10*time.Second), 4)
	if err != nil {
		t.Fatalf("add 4 again: %v", err)
	}
	c.mu.Lock()
	s := c.slots[3]
	after, dir := s.joinedAfter, s.dir
	c.mu.Unlock()
	if after < rm.Index || after >= again.LearnerAt {
		t.Fatalf("node 4 added again (entry %d) joined after %d; the earlier node 4 was added at %d, removed at %d", again.LearnerAt, after, add.LearnerAt, rm.Index)
	}
	if got := readJoinedAfter(filepath.Join(dir, joinedFile)); got != after {
		t.Fatalf("JOINED marker keeps %d, want %d", got, after)
	}
}

// An id added again when neither a leader's answer nor this run's applied
// entries tell the removal of the earlier node (no leader to ask right
// after a restart, the removal not applied again yet: confIndex and the
// status's commit below it) still joins after the removal: its REMOVED
// marker names it. Told less, the new node took the earlier node's
// configurations between that index and the removal for its own (the hole
// TestReaddedIDKnowsItJoinedAfterTheRemoval covers when a leader answers).
func TestReaddedIDJoinsAfterItsRemovalWithNoLeaderToAsk(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	if _, err := c.Add(ctxFor(t, 10*time.Second), 4); err != nil {
		t.Fatalf("add 4: %v", err)
	}
	rm, err := c.Remove(ctxFor(t, 10*time.Second), 4)
	if err != nil {
		t.Fatalf("remove 4: %v", err)
	}
	// As a run that has applied no configuration yet knows it.
	c.confMu.Lock()
	c.confIndex = 0
	c.confMu.Unlock()
	if _, err := c.startJoiner(4, 0, 0); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	after := c.slots[3].joinedAfter
	c.mu.Unlock()
	if after < rm.Index {
		t.Fatalf("node 4 added again joined after %d, below the removal of the earlier node 4 (entry %d)", after, rm.Index)
	}
}
