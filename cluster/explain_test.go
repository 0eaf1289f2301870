package cluster

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"raftplay/raft"
	"raftplay/transport"
)

// quietLeader waits until every follower of a fresh cluster's leader is
// caught up and replicating, so that step mode starts from a known place.
func quietLeader(t *testing.T, c *Cluster) Status {
	t.Helper()
	st := waitLeader(t, c)
	waitFor(t, c, "every follower caught up", func(s Status) bool {
		ln, _ := s.Node(st.Leader)
		for _, n := range s.Nodes {
			if p, ok := ln.Progress[n.ID]; n.ID != st.Leader && (n.Leader != st.Leader || !ok || p.State != "replicate" || p.Match != ln.LastIndex) {
				return false
			}
		}
		return true
	})
	return c.Status()
}

// deliverUntil delivers the held messages of kind from -> to, oldest
// first, until done holds (at most 5).
func deliverUntil(t *testing.T, ctx context.Context, c *Cluster, from, to uint64, kind string, done func(Status) bool) {
	t.Helper()
	for i := 0; i < 5 && !done(c.Status()); i++ {
		if _, err := c.Deliver(ctx, from, to, kind, false); err != nil {
			t.Fatal(err)
		}
	}
	if !done(c.Status()) {
		t.Fatalf("%s %d->%d: five delivered, still not there", kind, from, to)
	}
}

// mustNotContain fails the test for each of bads that text holds.
func mustNotContain(t *testing.T, text string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(text, b) {
			t.Errorf("%q\n  holds %q", text, b)
		}
	}
}

// othersThan returns the ids 1..n but id.
func othersThan(id uint64, n int) []uint64 {
	var out []uint64
	for o := uint64(1); o <= uint64(n); o++ {
		if o != id {
			out = append(out, o)
		}
	}
	return out
}

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%q\n  lacks %q", text, w)
		}
	}
}

// Why an entry is not committed, built by construction: the leader's new
// entry reaches one follower; of the others one is cut off, one paused and
// one has not been sent it (the cluster is frozen).
func TestExplainCommitSaysWhyNot(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 5, Timing: WatchTiming})
	st := quietLeader(t, c)
	l := st.Leader
	others := othersThan(l, 5)
	f1, cut, paused, behind := others[0], others[1], others[2], others[3]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(ctx, 200*time.Millisecond)
	p, err := c.ProposeTo(pctx, l, "k", []byte("v"))
	pcancel()
	if err != nil || p.Committed {
		t.Fatalf("propose: %+v %v", p, err)
	}
	// A message from before the freeze may be held too (a commit update
	// and its answer): deliver until the new entry's have gone through.
	replicate := func(to uint64) {
		deliverUntil(t, ctx, c, l, to, "app", func(s Status) bool { n, _ := s.Node(to); return n.LastIndex >= p.Index })
		deliverUntil(t, ctx, c, to, l, "app-resp", func(s Status) bool { n, _ := s.Node(l); return n.Progress[to].Match >= p.Index })
	}
	replicate(f1)
	if err := c.Isolate(cut); err != nil {
		t.Fatal(err)
	}
	if err := c.Pause(paused); err != nil {
		t.Fatal(err)
	}
	holders := fmt.Sprint(min(l, f1), ",", max(l, f1))
	text := ExplainCommit(c.Status(), 0)
	mustContain(t, text, fmt.Sprintf("index %d (term %d) is on %s, needs 3 of 5", p.Index, p.Term, holders),
		fmt.Sprintf("%d is cut off from %d", cut, l), fmt.Sprintf("%d is paused", paused),
		fmt.Sprintf("%d has up to %d, 1 entry short of it", behind, p.Index-1))
	if got := ExplainCommit(c.Status(), p.Index-1); !strings.Contains(got, "committed") {
		t.Errorf("the entry before: %q", got)
	}
	if got := ExplainCommit(c.Status(), p.Index+5); !strings.Contains(got, "beyond leader") {
		t.Errorf("beyond the log: %q", got)
	}
	// Once a third node acknowledges, it commits.
	replicate(behind)
	if got := ExplainCommit(c.Status(), p.Index); !strings.Contains(got, ": committed") {
		t.Errorf("after a third copy: %q", got)
	}
	c.Resume(paused)
	c.Heal()
	c.Thaw()
}

// A candidate's situation: its tally with each refusal's reason and who has
// not answered; a stale leader's; a vote decision; a log with extra entries.
func TestExplainNodeVoteAndLog(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 5, Timing: WatchTiming})
	quietLeader(t, c)
	put(t, c.NewClient(), "k", "v")
	waitFor(t, c, "convergence", Converged)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	freezeAtRest(t, c, 5)
	must := func(_ string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// 1 and 2 campaign together; 3 grants 1, 4 grants 2; 5 hears nothing.
	must(c.Timeout(1))
	must(c.Timeout(2))
	must(c.Deliver(ctx, 1, 3, "vote", false))
	must(c.Deliver(ctx, 2, 4, "vote", false))
	must(c.Deliver(ctx, 1, 4, "vote", false))
	must(c.Deliver(ctx, 3, 1, "vote-resp", false))
	must(c.Deliver(ctx, 4, 1, "vote-resp", false))
	st := c.Status()
	term := st.Nodes[0].Term
	mustContain(t, ExplainNode(st, 1), fmt.Sprintf("1 is a candidate at term %d", term), "Votes from 1,3 (needs 3 of 5)",
		fmt.Sprintf("4 refused: it voted for 2 at term %d", term), "2 has not answered", "5 has not answered")
	mustContain(t, ExplainVote(st, 4), fmt.Sprintf("4 refused its vote to 1 at term %d: it had already voted for 2 in that term; one vote per term (Figure 2)", term))
	mustContain(t, ExplainVote(st, 3), fmt.Sprintf("3 granted its vote to 1 at term %d", term))
	mustContain(t, Why(st, 1), "waiting: 2 of 3 votes")
	c.Thaw()
	waitLeader(t, c)
}

// A leader cut off from everyone, with CheckQuorum off, stays leader in its
// own eyes: the explanation says it is stale and why it does not step down.
func TestExplainStaleLeader(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := quietLeader(t, c)
	old := st.Leader
	if err := c.Isolate(old); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "a new leader", func(s Status) bool { return s.Leader != 0 && s.Leader != old })
	waitFor(t, c, "the old leader has not heard from its peers for an election timeout", func(s Status) bool {
		n, _ := s.Node(old)
		return n.Role == "leader" && strings.Contains(ExplainNode(s, old), "it has not heard from a majority for")
	})
	s := c.Status()
	mustContain(t, ExplainNode(s, old), fmt.Sprintf("%d believes it leads at term %d, but it is a stale leader", old, st.Term),
		"2 of 2 peers", "leads a later term", "CheckQuorum is off, so it will not step down until it hears a higher term")
	mustContain(t, Why(s, old), "stale leader: no quorum heard for")
}

// Explanations of things that are not there say so, in a sentence.
func TestExplainBadInput(t *testing.T) {
	st := Status{Nodes: []NodeStatus{
		{ID: 1, State: StateUp, Role: "leader", Term: 3, Leader: 1, Commit: 940, LastIndex: 950, FirstIndex: 936, SnapshotIndex: 935, SnapshotTerm: 2, LogStart: 936, LogTerms: make([]uint64, 15)},
		{ID: 2, State: StateCrashed, Role: "down", Term: 3, AsOf: time.Now(), WasRole: "follower", LastIndex: 900, LastTerm: 2},
		{ID: 3, State: StateUp, Role: "follower", Term: 3, Leader: 1},
	}, Leader: 1, Term: 3}
	noLeader := []NodeStatus{
		{ID: 1, State: StateUp, Role: "candidate", Term: 4, Commit: 5},
		{ID: 2, State: StateCrashed, Role: "down", Term: 3},
		{ID: 3, State: StateUp, Role: "follower", Term: 4, Commit: 7},
	}
	for _, c := range []struct {
		got, want string
	}{
		{ExplainCommit(st, 10), "compacted into leader 1's snapshot (up to 935)"},
		{ExplainCommit(st, 951), "beyond leader 1's log (its last index is 950)"},
		{ExplainNode(st, 2), "2 is down (crashed). Before it went down it was follower at term 3 with its log up to 900@2"},
		{ExplainNode(st, 7), "there is no node 7"},
		{ExplainVote(st, 3), "3 has answered no vote request since it started"},
		{ExplainCommit(Status{Nodes: st.Nodes[1:]}, 0), "no leader: nothing commits until one is elected"},
		// With no leader, an index some node has committed stays committed.
		{ExplainCommit(Status{Nodes: noLeader}, 5), "index 5 is committed (node 3's commit is 7); there is no leader now, but a committed entry stays committed"},
		{ExplainCommit(Status{Nodes: noLeader, EverApplied: 9}, 9), "index 9 is committed: it was applied before (up to 9"},
		{ExplainCommit(Status{Nodes: noLeader, Commit: 7, EverApplied: 9}, 10), "no leader: index 10 commits only once one is elected (the highest commit any node knows is 7)"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%q\n  lacks %q", c.got, c.want)
		}
	}
}

// Where a follower's log differs from the leader's, from their statuses'
// log windows: extra entries of an old term, missing entries, a snapshot.
func TestExplainLog(t *testing.T) {
	leader := NodeStatus{ID: 2, State: StateUp, Role: "leader", Term: 4, Leader: 2, LastIndex: 6, LastTerm: 4, FirstIndex: 1,
		LogStart: 1, LogTerms: []uint64{1, 3, 3, 3, 3, 4},
		Progress: map[uint64]raft.Progress{4: {Match: 1, Next: 2, State: "probe"}, 3: {Match: 2, Next: 7, State: "replicate", Inflight: 1}}}
	extra := NodeStatus{ID: 4, State: StateUp, Role: "follower", Term: 4, LastIndex: 4, LastTerm: 2, LogStart: 1, LogTerms: []uint64{1, 2, 2, 2}}
	missing := NodeStatus{ID: 3, State: StateUp, Role: "follower", Term: 4, LastIndex: 2, LastTerm: 3, LogStart: 1, LogTerms: []uint64{1, 3}}
	st := Status{Nodes: []NodeStatus{{ID: 1, State: StateCrashed, Role: "down"}, leader, missing, extra}, Leader: 2, Term: 4}
	mustContain(t, ExplainLog(st, 4), "4's log matches leader 2's up to 1; from 2 it holds 3 entries the leader does not have (2..4, of term 2)",
		"they were never committed, and the leader will overwrite them", "probing (next 2)")
	one := extra
	one.LastIndex, one.LogTerms = 2, []uint64{1, 2}
	st.Nodes[3] = one
	mustContain(t, ExplainLog(st, 4), "from 2 it holds 1 entry the leader does not have (2, of term 2): it was never committed, and the leader will overwrite it")
	st.Nodes[3] = extra
	mustContain(t, ExplainLog(st, 3), "3's log matches leader 2's up to 2 and misses 4 entries (3..6)", "streams entries from 7")
	// A follower that lost entries it acknowledged (a damaged disk): the
	// leader will not send them again (it said "probing to find where
	// they agree", which never ended).
	lost := st
	lost.Nodes = slices.Clone(st.Nodes)
	lost.Nodes[1].Progress = map[uint64]raft.Progress{3: {Match: 4, Next: 5, State: "probe"}}
	mustContain(t, ExplainLog(lost, 3), "leader 2 counts 3 as holding up to 4 (it acknowledged that), but 3's log ends at 2: it lost entries it had acknowledged", "stays behind until another leader is elected")
	lost.Nodes[2].Leader = 2
	if got := Why(lost, 3); got != "lost acked entries" {
		t.Errorf("Why of a follower that lost acknowledged entries: %q", got)
	}
	mustContain(t, ExplainLog(st, 2), "2 is the leader")
	leader.FirstIndex, leader.SnapshotIndex, leader.SnapshotTerm = 5, 4, 3
	leader.LogStart, leader.LogTerms = 5, []uint64{3, 4}
	st.Nodes[1] = leader
	mustContain(t, ExplainLog(st, 3), "3's log ends at 2@3, before leader 2's log starts: the leader has compacted up to 4 into a snapshot, so it must send one (it misses 3..6), and the snapshot replaces 3's whole log")
	// Entries past its commit index may conflict with what the leader
	// compacted: not simply "missing" (a Raft engineer's stale leader).
	n3 := st.Nodes[2]
	n3.Commit = 1
	st.Nodes[2] = n3
	mustContain(t, ExplainLog(st, 3), "(its entry 2, past its commit index, may differ from the leader's: the snapshot settles that)")
	n3.Commit = 2
	st.Nodes[2] = n3
	if got := ExplainLog(st, 3); strings.Contains(got, "may differ") {
		t.Errorf("a log all committed is said to differ: %s", got)
	}
}

// Figure 8's rule in words: an old-term entry on a majority waits for an
// entry of the leader's term.
func TestExplainCommitTermRule(t *testing.T) {
	l := NodeStatus{ID: 1, State: StateUp, Role: "leader", Term: 4, Leader: 1, Commit: 39, LastIndex: 41, LastTerm: 4,
		FirstIndex: 1, LogStart: 38, LogTerms: []uint64{2, 2, 2, 4}, QuorumIndex: 40, QuorumTerm: 2,
		Progress: map[uint64]raft.Progress{2: {Match: 40, Next: 41, State: "replicate"}, 3: {Match: 40, Next: 41, State: "replicate"},
			4: {Match: 37, Next: 38, State: "probe"}, 5: {Match: 39, Next: 40, State: "replicate"}}}
	st := Status{Leader: 1, Term: 4, Nodes: []NodeStatus{l,
		{ID: 2, State: StateUp, Role: "follower", Term: 4, Leader: 1}, {ID: 3, State: StateUp, Role: "follower", Term: 4, Leader: 1},
		{ID: 4, State: StateUp, Role: "follower", Term: 4, Leader: 1}, {ID: 5, State: StateUp, Role: "follower", Term: 4, Leader: 1}}}
	mustContain(t, ExplainCommit(st, 40), "index 40 (term 2) is on 1,2,3, a majority of 5, but the leader's term is 4: Raft commits it only with an entry of term 4")
	mustContain(t, ExplainCommit(st, 0), "index 40")
	mustContain(t, Why(st, 1), "commit waits for a term-4 entry")
	mustContain(t, ExplainCommit(st, 41), "index 41 (term 4) is on 1, needs 3 of 5")
	// Short of a majority, an entry of an earlier term still says that a
	// majority alone would not commit it (a new user read the Figure 8
	// step as "one acknowledgement is missing").
	st.Nodes[0].Progress = map[uint64]raft.Progress{2: {Match: 40, Next: 41, State: "replicate"}, 3: {Match: 39, Next: 40, State: "replicate"},
		4: {Match: 37, Next: 38, State: "probe"}, 5: {Match: 39, Next: 40, State: "replicate"}}
	st.Nodes[0].QuorumIndex, st.Nodes[0].QuorumTerm = 39, 2
	mustContain(t, ExplainCommit(st, 40), "index 40 (term 2) is on 1,2, needs 3 of 5",
		"And on a majority it would still not commit by counting: it is of term 2, and the leader commits only entries of its own term 4 that way; this one commits with the first entry of term 4 on a majority (Figure 8, §5.4.2)")
	if strings.Contains(ExplainCommit(st, 41), "Figure 8") {
		t.Errorf("an entry of the leader's own term cites Figure 8: %s", ExplainCommit(st, 41))
	}
	// A follower at a higher term is not behind: it will never take this
	// leader's entries, and its answer deposes it.
	st.Nodes[4].Term, st.Nodes[4].Role, st.Nodes[4].Leader = 5, "candidate", 0
	mustContain(t, ExplainCommit(st, 40), "5 is at term 5, above the leader's 4: it refuses the leader's appends, and its answer makes the leader step down (§5.1)")
	if strings.Contains(ExplainCommit(st, 40), "5 is 1 entry behind") {
		t.Errorf("a node at a higher term is called behind: %s", ExplainCommit(st, 40))
	}
}

// A leader cut off in the minority while the majority moved on to a later
// term: its entry is cut off from them, and healing would not commit it
// either, which the explanation says (a new user found it missing).
func TestExplainCommitCutOffAndAtALaterTerm(t *testing.T) {
	st := cardStatus(5)
	l := &st.Nodes[0]
	l.LastIndex, l.LastTerm = 21, 5
	l.Progress[2] = raft.Progress{Match: 21, Next: 22, State: "replicate", HeardAgo: 1}
	st.Nodes[1].LastIndex, st.Nodes[1].LastTerm = 21, 5
	for _, i := range []int{2, 3, 4} {
		st.Nodes[i].Term, st.Nodes[i].Role, st.Nodes[i].Leader = 8, "candidate", 0
	}
	st.Faults = transport.FaultTable{Groups: [][]uint64{{1, 2}, {3, 4, 5}}}
	got := ExplainCommit(st, 21)
	mustContain(t, got, "index 21 (term 5) is on 1,2, needs 3 of 5", "3 is cut off from 1 and at term 8",
		"Healing the cut would not commit it through leader 1: 3,4,5 are at a term above its 5, so they refuse its appends, and the first answer it hears makes it step down (§5.1)")
	st.Faults = transport.FaultTable{}
	if got := ExplainCommit(st, 21); strings.Contains(got, "Healing") || !strings.Contains(got, "3 is at term 8, above the leader's 5") {
		t.Errorf("healed: %s", got)
	}
}

// cardStatus is a steady cluster of n nodes built by hand: node 1 leads at
// term 5 with every follower caught up and heard a tick ago.
func cardStatus(n int) Status {
	st := Status{Leader: 1, Term: 5, Commit: 20}
	for id := uint64(1); id <= uint64(n); id++ {
		node := NodeStatus{ID: id, State: StateUp, Role: "follower", Term: 5, Vote: 1, Leader: 1, Commit: 20, Applied: 20,
			FirstIndex: 1, LastIndex: 20, LastTerm: 5, ElectionTimeout: time.Second, ElectionElapsed: 100 * time.Millisecond,
			ElectionMin: time.Second, Tick: time.Millisecond}
		if id == 1 {
			node.Role, node.QuorumIndex, node.QuorumTerm = "leader", 20, 5
			node.Progress = map[uint64]raft.Progress{}
			for p := uint64(2); p <= uint64(n); p++ {
				node.Progress[p] = raft.Progress{Match: 20, Next: 21, State: "replicate", HeardAgo: 1}
			}
		}
		st.Nodes = append(st.Nodes, node)
	}
	return st
}

// A leader elected when its predecessor crashed has never heard from it:
// explain said "It has not heard from 3 for 10.3 s", read as if 3 had been
// silent that long, when 3 had led until it crashed 1.5 s before the
// election. It says since when.
func TestExplainQuietPeerSinceTakingOffice(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[0].Progress[3] = raft.Progress{Match: 20, Next: 21, State: "probe", HeardAgo: 10_300}
	st.Nodes[2].State = StateCrashed
	mustContain(t, ExplainNode(st, 1), "It has not heard from 3 since it became leader, 10.3 s ago.")
	st.Nodes[0].Progress[3] = raft.Progress{Match: 20, Next: 21, State: "probe", HeardAgo: 10_300, Answered: true}
	mustContain(t, ExplainNode(st, 1), "It has not heard from 3 for 10.3 s.")
}

// Peers silent for different times each get their own: one silence, the
// longest, was said of them all (a review saw "It has not heard from
// 7,8,9 for 6.0 s" beside a table of 6030, 4570 and 3090 ms).
func TestExplainQuietPeersEachTheirOwnSilence(t *testing.T) {
	st := cardStatus(7) // three quiet peers of six: a majority still heard
	l := &st.Nodes[0]
	l.Progress[2] = raft.Progress{Match: 20, Next: 21, State: "probe", HeardAgo: 3_090, Answered: true}
	l.Progress[3] = raft.Progress{Match: 20, Next: 21, State: "probe", HeardAgo: 6_030, Answered: true}
	l.Progress[4] = raft.Progress{Match: 20, Next: 21, State: "probe", HeardAgo: 4_570, Answered: true}
	mustContain(t, ExplainNode(st, 1), "It has not heard from 3 for 6.0 s; from 4 for 4.6 s; from 2 for 3.1 s.")
	l.Progress[2] = raft.Progress{Match: 20, Next: 21, State: "probe", HeardAgo: 4_570, Answered: true}
	mustContain(t, ExplainNode(st, 1), "It has not heard from 3 for 6.0 s; from 2,4 for 4.6 s.")
	// Silences that read alike name their peers in order, whichever was
	// silent a few milliseconds longer ("from 4,2" read as a typo).
	l.Progress[2] = raft.Progress{Match: 20, Next: 21, State: "probe", HeardAgo: 4_560, Answered: true}
	mustContain(t, ExplainNode(st, 1), "It has not heard from 3 for 6.0 s; from 2,4 for 4.6 s.")
}

// The cards' few words, case by case: what makes a leader stale and what
// does not, a follower whose leader is gone, lag that is only in flight.
func TestWhyCases(t *testing.T) {
	t.Run("entries in flight: behind only when frozen, and held", func(t *testing.T) {
		st := cardStatus(3)
		st.Nodes[0].LastIndex = 52
		st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 53, State: "replicate", Inflight: 3, HeardAgo: 1}
		if got := Why(st, 2); got != "up to date" {
			t.Errorf("running, entries on their way: Why = %q", got)
		}
		st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 21, State: "replicate", HeardAgo: 1}
		if got := Why(st, 2); got != "up to date" {
			t.Errorf("running, entries too new to be sent yet, nothing in flight: Why = %q", got)
		}
		if got := ExplainNode(st, 2); !strings.Contains(got, "(replicate, the newest not sent yet)") {
			t.Errorf("ExplainNode = %q", got)
		}
		st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 41, State: "replicate", Inflight: 256, HeardAgo: 1}
		if got := Why(st, 2); got != "behind by 32: replicate" {
			t.Errorf("running, window full, the rest held back: Why = %q", got)
		}
		// Some in flight, and the leader's newest entries newer than the
		// progress shown (publishLight refreshes them apart): under load
		// that was every follower, on and off.
		st.Nodes[0].ProgressLast = 40
		if got := Why(st, 2); got != "up to date" {
			t.Errorf("running, the newest entries newer than the progress: Why = %q", got)
		}
		if got := ExplainNode(st, 2); !strings.Contains(got, "(replicate, the newest just appended)") {
			t.Errorf("ExplainNode = %q", got)
		}
		st.Nodes[0].ProgressLast = 45
		if got := Why(st, 2); got != "behind by 32: replicate" {
			t.Errorf("running, entries the progress knows of held back: Why = %q", got)
		}
		st.Nodes[0].ProgressLast = 0
		st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 53, State: "replicate", Inflight: 3, HeardAgo: 1}
		for i := range st.Nodes {
			st.Nodes[i].Frozen = true
		}
		if got := Why(st, 2); got != "behind by 32: replicate" {
			t.Errorf("frozen, entries held: Why = %q", got)
		}
	})
	t.Run("entries sent to a follower slow to answer", func(t *testing.T) {
		// A 2 s fsync holds the follower: the leader sent it all it has,
		// a majority holds more than it, and it has not answered for
		// 300 ms. It read "up to date" until quiet for an election
		// timeout (a new user, 4 of 8 frames, 130 entries behind).
		st := cardStatus(3)
		st.Timing.Heartbeat = 100 * time.Millisecond
		l := &st.Nodes[0]
		l.LastIndex, l.Commit, st.Commit = 150, 148, 148
		l.Progress[2] = raft.Progress{Match: 20, Next: 151, State: "replicate", Inflight: 40, HeardAgo: 300, Answered: true}
		l.Progress[3] = raft.Progress{Match: 148, Next: 151, State: "replicate", Inflight: 1, HeardAgo: 1, Answered: true}
		if got := Why(st, 2); got != "behind by 130: replicate" {
			t.Errorf("slow to answer: Why = %q", got)
		}
		// Heard a moment ago, or holding every committed entry: its
		// entries are on their way.
		l.Progress[2] = raft.Progress{Match: 20, Next: 151, State: "replicate", Inflight: 40, HeardAgo: 150, Answered: true}
		if got := Why(st, 2); got != "up to date" {
			t.Errorf("heard 150 ms ago: Why = %q", got)
		}
		l.Progress[2] = raft.Progress{Match: 148, Next: 151, State: "replicate", Inflight: 1, HeardAgo: 300, Answered: true}
		st.Nodes[1].LastIndex, st.Nodes[1].Commit = 148, 148
		if got := Why(st, 2); got != "up to date" {
			t.Errorf("holding every committed entry: Why = %q", got)
		}
	})
	t.Run("following a leader that stepped down", func(t *testing.T) {
		st := cardStatus(3)
		st.Nodes[0].Role, st.Nodes[0].Progress = "follower", nil // 1 stepped down; 2 has not heard
		if got := Why(st, 2); !strings.HasPrefix(got, "leader 1 stepped down: times out in") {
			t.Errorf("Why = %q", got)
		}
		st.Nodes[0].Role, st.Nodes[0].Term = "candidate", 6
		st.Nodes[0].Tally = nil
		if got := Why(st, 2); !strings.HasPrefix(got, "leader 1 stepped down: times out in") {
			t.Errorf("its leader a candidate: Why = %q", got)
		}
		st.Nodes[0].Role = "leader" // leads term 6; 2 is still at 5
		if got := Why(st, 2); !strings.HasPrefix(got, "leader 1 is at term 6 now: times out in") {
			t.Errorf("its leader at a later term: Why = %q", got)
		}
		// CheckQuorum made it step down while 2's answers were cut: it
		// sends no heartbeats any more (the card said "answers to 1 cut",
		// explain that 1's heartbeats reset 2's timer).
		st.Nodes[0].Role, st.Nodes[0].Term = "follower", 5
		st.Faults = transport.FaultTable{Links: []transport.LinkRule{{From: 2, To: 1, Rule: transport.Rule{Cut: true}}}}
		if got := Why(st, 2); !strings.HasPrefix(got, "leader 1 stepped down: times out in") {
			t.Errorf("its answers cut, its leader stepped down: Why = %q", got)
		}
		if got := ExplainNode(st, 2); !strings.Contains(got, "But 1 no longer leads (it is a follower at term 5)") || strings.Contains(got, "heartbeats still reach") {
			t.Errorf("ExplainNode = %q", got)
		}
	})
	t.Run("holding every entry before the leader heard so", func(t *testing.T) {
		st := cardStatus(3)
		st.Nodes[0].Progress[2] = raft.Progress{Match: 18, Next: 21, State: "replicate", HeardAgo: 1}
		got := ExplainNode(st, 2)
		if !strings.Contains(got, "It holds the leader's whole log (up to 20), but the leader has not heard so yet (its match for it is 18)") || strings.Contains(got, "behind") {
			t.Errorf("ExplainNode = %q", got)
		}
	})
	t.Run("one node cut off at a later term leaves the leader leading", func(t *testing.T) {
		st := cardStatus(5)
		st.Nodes[4].Term, st.Nodes[4].Role, st.Nodes[4].Leader = 9, "candidate", 0
		st.Faults.Groups = [][]uint64{{1, 2, 3, 4}, {5}}
		if got := Why(st, 1); got != "leads: all committed" {
			t.Errorf("Why = %q", got)
		}
		if got := ExplainNode(st, 1); strings.Contains(got, "stale") {
			t.Errorf("ExplainNode calls it stale: %q", got)
		}
	})
	t.Run("a leader without a quorum counts the voters of its configuration", func(t *testing.T) {
		// 2 and 3 removed: the configuration is 1,4,5, and both of its
		// peers are paused (a new user read "2 of 4 peers").
		st := cardStatus(5)
		cfg := raft.Membership{Voters: []uint64{1, 4, 5}}
		for i := range st.Nodes {
			st.Nodes[i].Membership = cfg
		}
		st.Membership = cfg
		st.Nodes[1].State, st.Nodes[2].State = StateRemoved, StateRemoved
		st.Nodes[3].State, st.Nodes[4].State = StatePaused, StatePaused
		st.Nodes[0].Progress = map[uint64]raft.Progress{
			4: {Match: 20, Next: 21, State: "replicate", HeardAgo: 2500},
			5: {Match: 20, Next: 21, State: "replicate", HeardAgo: 2500},
		}
		mustContain(t, ExplainNode(st, 1), "it has not heard from a majority for 2.5 s (quiet for an election timeout or more: 2 of 2 peers, 4,5)")
	})
	t.Run("a majority at a later term makes it stale", func(t *testing.T) {
		st := cardStatus(3)
		st.Nodes[1].Term, st.Nodes[2].Term = 6, 6
		if got := Why(st, 1); got != "stale leader: a majority is at a later term" {
			t.Errorf("Why = %q", got)
		}
		mustContain(t, ExplainNode(st, 1), "a majority has moved past term 5")
	})
	t.Run("a leader of a later term makes it stale", func(t *testing.T) {
		st := cardStatus(5)
		st.Nodes[4].Term, st.Nodes[4].Role = 6, "leader"
		if got := Why(st, 1); got != "stale leader: 5 leads term 6" {
			t.Errorf("Why = %q", got)
		}
	})
	t.Run("four nodes: heard from one peer is not a majority", func(t *testing.T) {
		st := cardStatus(4)
		l := st.Nodes[0]
		l.Progress[3] = raft.Progress{Match: 20, Next: 21, State: "replicate", HeardAgo: 2500}
		l.Progress[4] = raft.Progress{Match: 20, Next: 21, State: "replicate", HeardAgo: 3000}
		if got := Why(st, 1); got != "no quorum heard for 2.5 s: cannot commit" {
			t.Errorf("Why = %q (the second most recently heard peer went quiet 2.5 s ago)", got)
		}
		// No node has moved past its term: it is the leader still, not a
		// stale one, and explain says it commits again once a majority
		// answers (a teacher saw a paused and a crashed follower called a
		// "stale leader").
		got := ExplainNode(st, 1)
		mustContain(t, got, "1 leads at term 5, but it cannot commit: it has not heard from a majority for 2.5 s",
			"commits again once a majority answers")
		mustNotContain(t, got, "stale")
		st.Nodes[2].Term, st.Nodes[3].Term, st.Nodes[1].Term = 6, 6, 6 // every follower has moved on
		if got := Why(st, 1); !strings.HasPrefix(got, "stale leader: ") {
			t.Errorf("a majority past its term: Why = %q, want a stale leader", got)
		}
		st.Nodes[2].Term, st.Nodes[3].Term, st.Nodes[1].Term = 5, 5, 5
		l.Progress[3] = raft.Progress{Match: 20, Next: 21, State: "replicate", HeardAgo: 900}
		if got := Why(st, 1); got != "leads: all committed" {
			t.Errorf("with two peers heard within the timeout: Why = %q", got)
		}
	})
	t.Run("a follower whose leader is down, paused or cut off", func(t *testing.T) {
		st := cardStatus(3)
		st.Nodes[0].State = StateCrashed
		if got := Why(st, 2); got != "leader 1 is down: times out in 900 ms" {
			t.Errorf("Why = %q", got)
		}
		mustContain(t, ExplainNode(st, 2), "But 1 is down (crashed)")
		st.Nodes[0].State = StatePaused
		if got := Why(st, 2); got != "leader 1 is paused: times out in 900 ms" {
			t.Errorf("Why = %q", got)
		}
		st.Nodes[0].State = StateUp
		st.Faults.Groups = [][]uint64{{1, 3}, {2}}
		if got := Why(st, 2); got != "cut off from leader 1: times out in 900 ms" {
			t.Errorf("Why = %q", got)
		}
		st.Nodes[1].Frozen = true // no clock runs: nothing times out by itself
		if got := Why(st, 2); got != "cut off from leader 1: timer stopped at 900 ms" {
			t.Errorf("frozen: Why = %q", got)
		}
	})
	t.Run("entries in flight are not lag", func(t *testing.T) {
		st := cardStatus(3)
		st.Nodes[0].LastIndex = 22
		st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 23, State: "replicate", Inflight: 1}
		if got := Why(st, 2); got != "up to date" {
			t.Errorf("all sent: Why = %q", got)
		}
		mustContain(t, ExplainNode(st, 2), "It is 2 entries behind the leader (replicate, all of them sent).")
		st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 21, State: "replicate", Inflight: 256, Paused: true}
		if got := Why(st, 2); got != "behind by 2: replicate" {
			t.Errorf("window full: Why = %q", got)
		}
		// Probing, the leader knows of 18, but 2's last entry (20) is of
		// the leader's term: it holds the leader's log up to 20.
		st.Nodes[0].Progress[2] = raft.Progress{Match: 18, Next: 19, State: "probe"}
		if got := Why(st, 2); got != "behind by 2: probe" {
			t.Errorf("probing: Why = %q", got)
		}
		mustContain(t, ExplainNode(st, 2), "It is 2 entries behind the leader (probe; it holds up to 20, the leader has heard of 18 so far).")
		// Its last entry of an older term, outside the leader's window:
		// only its commit index (19) is known to be the leader's.
		st.Nodes[1].LastTerm, st.Nodes[1].Commit = 4, 19
		if got := Why(st, 2); got != "behind by 3: probe" {
			t.Errorf("probing, last entry of another term: Why = %q", got)
		}
		// The leader's window shows the term at 20: the same, so 20.
		st.Nodes[0].LogStart, st.Nodes[0].LogTerms = 19, []uint64{4, 4, 5, 5}
		if got := Why(st, 2); got != "behind by 2: probe" {
			t.Errorf("probing, last entry in the leader's window: Why = %q", got)
		}
	})
	t.Run("a pre-candidate starts a pre-election", func(t *testing.T) {
		st := cardStatus(3)
		st.Nodes[2].Role, st.Nodes[2].Leader = "pre-candidate", 0
		mustContain(t, ExplainNode(st, 3), "started a pre-election for term 6")
		st.Nodes[2].Role = "candidate"
		mustContain(t, ExplainNode(st, 3), "started an election for term 5")
		st.Nodes[2].Tally = &raft.Tally{Needed: 2, Granted: []uint64{3}, Refused: map[uint64]raft.Why{2: raft.WhyLease}}
		mustContain(t, ExplainNode(st, 3), "2 refused: with CheckQuorum it heard leader 1 within the minimum election timeout")
		// The leader's own lease is not "hearing from a leader".
		st.Nodes[1].Leader = 2
		mustContain(t, ExplainNode(st, 3), "2 refused: it leads, and with CheckQuorum a leader ignores vote requests while it leads")
	})
	t.Run("a probed follower that holds the whole log is not behind", func(t *testing.T) {
		// Just after every node restarted: the leader probes 2 and has not
		// heard back, while 2's log ends where the leader's does (a new
		// user's replay card read c/a/l 5/5/5 and "behind by 5: probe").
		st := cardStatus(3)
		st.Nodes[0].Progress[2] = raft.Progress{Match: 0, Next: 21, State: "probe"}
		if got := Why(st, 2); got != "up to date, not acked" {
			t.Errorf("why-line %q", got)
		}
		// Short of the log, its last entry of the leader's term: it holds
		// the leader's log up to there, the leader still counts 0 (a
		// screen-accuracy test saw "behind by 23542" one entry short).
		st.Nodes[1].LastIndex, st.Nodes[1].LastTerm = 15, 5
		if got := Why(st, 2); got != "behind by 5: probe" {
			t.Errorf("a probed follower short of the log: why-line %q", got)
		}
		mustContain(t, ExplainNode(st, 2), "It is 5 entries behind the leader (probe; it holds up to 15, the leader has heard of 0 so far).")
		// Its last entry of an older term: only up to its commit index.
		st.Nodes[1].LastTerm, st.Nodes[1].Commit = 4, 12
		if got := Why(st, 2); got != "behind by 8: probe" {
			t.Errorf("a probed follower short of the log, last entry of an older term: why-line %q", got)
		}
	})
	t.Run("a candidate's voters are its configuration's, and a held answer is said to be held", func(t *testing.T) {
		st := cardStatus(5) // ids 1..5; the candidate's configuration has 4 voters (a new user saw "needs 4 of 9" among 6)
		st.Nodes = append(st.Nodes, NodeStatus{ID: 6, State: StateRemoved}, NodeStatus{ID: 7, State: StateRemoved})
		c := &st.Nodes[2]
		c.Role, c.Leader, c.Frozen = "candidate", 0, true
		c.Tally = &raft.Tally{Needed: 3, Granted: []uint64{3}, Refused: map[uint64]raft.Why{}, Pending: []uint64{2, 4, 5}}
		c.Held = []HeldInfo{{Seq: 1, From: 2, Kind: "vote-resp", Term: 5}}
		st.Nodes[3].Held = []HeldInfo{{Seq: 2, From: 3, Kind: "vote", Term: 5}}
		for i := range st.Nodes {
			st.Nodes[i].Frozen = st.Nodes[i].State == StateUp
		}
		got := ExplainNode(st, 3)
		mustContain(t, got, "Votes from 3 (needs 3 of 4)", "2 has answered, but the answer is held at 3 (the cluster is frozen)",
			"4 has not answered: the request is held at 4 (the cluster is frozen)",
			// Nothing held between 3 and 5: discarded (a teacher saw "may
			// be held there" beside "held 0").
			"5 has not answered, and neither the request nor an answer is held: one is on its way, or was discarded or lost")
	})
	t.Run("the last entry's term is known outside the log window", func(t *testing.T) {
		st := cardStatus(3)
		l := &st.Nodes[0]
		l.LastIndex, l.LastTerm, l.LogStart, l.LogTerms = 21, 5, 1, nil
		got := ExplainCommit(st, 21)
		mustContain(t, got, "index 21 (term 5) is on 1")
		if got := ExplainCommit(st, 7); !strings.HasPrefix(got, "index 7 is on 1,2,3: committed") {
			t.Errorf("an index outside the window: %q", got)
		}
	})
}

// Learners, joining nodes and removed ones are said to be what they are;
// none of them is said to time out into an election; commit counts voters.
func TestWhyForNonVoters(t *testing.T) {
	st := cardStatus(5)
	conf := raft.Membership{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}
	st.Membership = conf
	for i := range st.Nodes[:4] {
		st.Nodes[i].Membership = conf
	}
	st.Nodes[0].Progress[4] = raft.Progress{Match: 12, Next: 13, State: "replicate", Learner: true}
	// Holding the whole log, its acknowledgement not yet at the leader, a
	// learner is not said to hold what the leader heard (a new user saw
	// "learner: 0 of 13" beside c/a/l 13/13/13).
	if got := Why(st, 4); got != "learner: has all, not acked" {
		t.Errorf("learner holding the whole log: Why = %q", got)
	}
	mustContain(t, ExplainNode(st, 4), "it holds all 20 of the leader's entries, and the leader has heard it hold 12")
	st.Nodes[3].LastIndex = 12
	if got := Why(st, 4); got != "learner: 12 of 20" {
		t.Errorf("learner: Why = %q", got)
	}
	mustContain(t, ExplainNode(st, 4), "the leader has heard it hold 12 of its 20 entries")
	mustContain(t, ExplainNode(st, 4), "4 is a learner: it receives the log but does not vote",
		"caught up, it becomes a voter when promoted: an add running promotes it, else promote 4 does")
	if strings.Contains(ExplainNode(st, 4), "election timer") {
		t.Errorf("a learner's explanation mentions its election timer: %q", ExplainNode(st, 4))
	}
	// The leader lost its majority (Status.Leader 0) but still leads the
	// learner: the catch-up is still its to drive and to report.
	noQuorum := st
	noQuorum.Leader = 0
	noQuorum.Nodes = slices.Clone(st.Nodes)
	noQuorum.Nodes[3].Leader = 1
	if got := Why(noQuorum, 4); got != "learner: 12 of 20" {
		t.Errorf("learner whose leader has no majority: Why = %q", got)
	}
	// No leader at all: not "caught up" (it said so).
	noQuorum.Nodes[3].Leader = 0
	if got := Why(noQuorum, 4); got != "learner: no leader" {
		t.Errorf("learner without a leader: Why = %q", got)
	}
	mustContain(t, ExplainNode(noQuorum, 4), "no leader sends it the log now")
	// A leader whose configuration has no place for it.
	untracked := st
	untracked.Nodes = slices.Clone(st.Nodes)
	untracked.Nodes[0].Progress = maps.Clone(st.Nodes[0].Progress)
	delete(untracked.Nodes[0].Progress, 4)
	if got := Why(untracked, 4); got != "learner: not in 1's config" {
		t.Errorf("learner its leader does not track: Why = %q", got)
	}
	st.Nodes[4].Membership = raft.Membership{}
	if got := Why(st, 5); got != "no config yet" {
		t.Errorf("joining: Why = %q", got)
	}
	st.Nodes[2].Membership = raft.Membership{Voters: []uint64{1, 2}}
	if got := Why(st, 3); got != "not a voter: removed" {
		t.Errorf("removed by its own config: Why = %q", got)
	}
	st.Nodes[2].State = StateRemoved
	if got := Why(st, 3); got != "removed: stopped, files deleted" {
		t.Errorf("removed: Why = %q", got)
	}
	mustContain(t, ExplainNode(st, 3), "was removed from the membership")
	st.Nodes[0].LastIndex, st.Nodes[0].Commit = 21, 20
	mustContain(t, ExplainCommit(st, 21), "needs 2 of 3")
}

// The log explanation of a node that is down does not describe the
// leader's appends to it as if they arrived.
func TestExplainLogOfADownNode(t *testing.T) {
	leader := NodeStatus{ID: 2, State: StateUp, Role: "leader", Term: 4, Leader: 2, LastIndex: 6, LastTerm: 4, FirstIndex: 1,
		LogStart: 1, LogTerms: []uint64{1, 3, 3, 3, 3, 4},
		Progress: map[uint64]raft.Progress{3: {Match: 2, Next: 7, State: "replicate", Inflight: 4}}}
	down := NodeStatus{ID: 3, State: StateCrashed, PowerLost: true, Role: "down", Term: 4, LastIndex: 2, LastTerm: 3, LogStart: 1, LogTerms: []uint64{1, 3}}
	st := Status{Nodes: []NodeStatus{{ID: 1, State: StateUp, Role: "follower"}, leader, down}, Leader: 2, Term: 4}
	got := ExplainLog(st, 3)
	if strings.Contains(got, "streams") || !strings.Contains(got, "misses 4 entries (3..6); it is down, so nothing the leader sends reaches it") {
		t.Fatalf("ExplainLog of a down node = %q", got)
	}
}

// A node behind the leader's snapshot that is down, paused or cut off is
// not told a snapshot "is on its way": the leader's progress still counts
// one in flight (it waits for the answer or its retry), but it reaches no
// one. Seen with a follower crashed while it installed the snapshot.
func TestExplainLogBehindASnapshotOfANodeNotReached(t *testing.T) {
	leader := NodeStatus{ID: 3, State: StateUp, Role: "leader", Term: 1, Leader: 3, Commit: 6, LastIndex: 6, LastTerm: 1,
		FirstIndex: 6, SnapshotIndex: 5, SnapshotTerm: 1, LogStart: 6, LogTerms: []uint64{1},
		Progress: map[uint64]raft.Progress{1: {Match: 1, Next: 2, State: "snapshot", PendingSnapshot: 5}}}
	lag := NodeStatus{ID: 1, State: StateCrashed, Role: "down", Term: 1, Commit: 1, LastIndex: 1, LastTerm: 1, LogStart: 1, LogTerms: []uint64{1}}
	st := Status{Nodes: []NodeStatus{lag, {ID: 2, State: StateUp, Role: "follower", Term: 1, Leader: 3}, leader}, Leader: 3, Term: 1}
	got := ExplainLog(st, 1)
	mustContain(t, got, "1's log ends at 1@1, before leader 3's log starts", "it is down, so nothing the leader sends reaches it")
	mustNotContain(t, got, "on its way")
	st.Nodes[0].State, st.Nodes[0].Role = StatePaused, "follower"
	got = ExplainLog(st, 1)
	mustContain(t, got, "it is paused, so it takes in nothing the leader sends")
	mustNotContain(t, got, "on its way")
	st.Nodes[0].State = StateUp
	mustContain(t, ExplainLog(st, 1), "; one (of index 5) is on its way")
}

// In step mode, a snapshot the leader counts in flight may be held at the
// follower, or discarded there: explain log said "one is on its way" of a
// discarded one (seen after discard 1 2 snap), for which no answer comes
// until the leader's snapshot retry, and explain commit "is receiving" it.
func TestExplainLogOfAHeldOrDiscardedSnapshot(t *testing.T) {
	leader := NodeStatus{ID: 1, State: StateUp, Role: "leader", Term: 1, Leader: 1, Commit: 6, LastIndex: 6, LastTerm: 1,
		FirstIndex: 6, SnapshotIndex: 5, SnapshotTerm: 1, LogStart: 6, LogTerms: []uint64{1}, Frozen: true,
		Progress: map[uint64]raft.Progress{2: {Match: 0, Next: 2, State: "snapshot", PendingSnapshot: 5}, 3: {Match: 6, Next: 7, State: "replicate"}}}
	lag := NodeStatus{ID: 2, State: StateUp, Role: "follower", Term: 1, Leader: 1, Commit: 1, LastIndex: 1, LastTerm: 1, LogStart: 1, LogTerms: []uint64{1}, Frozen: true,
		Discarded: []HeldInfo{{Seq: 9, From: 1, Kind: "snap", Term: 1, Summary: "snap t1 5@1"}}}
	st := Status{Nodes: []NodeStatus{leader, lag, {ID: 3, State: StateUp, Role: "follower", Term: 1, Leader: 1, Commit: 6, LastIndex: 6, LastTerm: 1}}, Leader: 1, Term: 1}
	got := ExplainLog(st, 2)
	mustContain(t, got, "the one it sent (of index 5) was discarded at 2, so no answer will come: the leader sends it again when its snapshot retry times out")
	mustNotContain(t, got, "on its way")
	st.Nodes[1].Held = []HeldInfo{{Seq: 12, From: 1, Kind: "snap", Term: 1, Summary: "snap t1 5@1"}}
	got = ExplainLog(st, 2)
	mustContain(t, got, "one (of index 5) has arrived and is held at 2 (the cluster is frozen): deliver 1 2 snap installs it")
	mustNotContain(t, got, "on its way")
	st.Nodes[1].Held, st.Nodes[1].Discarded = nil, nil
	mustContain(t, ExplainLog(st, 2), "one (of index 5) is on its way")
	// Entries not all compacted: the main branch says it too.
	st.Nodes[0].FirstIndex, st.Nodes[0].SnapshotIndex, st.Nodes[0].LogStart, st.Nodes[0].LogTerms = 2, 1, 2, []uint64{1, 1, 1, 1, 1}
	st.Nodes[1].Discarded = []HeldInfo{{Seq: 9, From: 1, Kind: "snap", Term: 1}}
	got = ExplainLog(st, 2)
	mustContain(t, got, "the leader is sending it a snapshot: the one it sent (of index 5) was discarded at 2")
	mustNotContain(t, got, "on its way")
	// explain commit of an entry it lacks: not "is receiving a snapshot".
	st.Nodes[0].LastIndex, st.Nodes[0].LogTerms = 7, []uint64{1, 1, 1, 1, 1, 1}
	got = ExplainCommit(st, 7)
	mustContain(t, got, "2 is to receive a snapshot: the one it sent (of index 5) was discarded at 2")
	mustNotContain(t, got, "is receiving")
}

// explain commit of a stale leader whose log is all committed says it is
// stale, as its card and the header do ("leader none (5 claims it)"),
// not only that every entry is committed (a new user's report).
func TestExplainCommitOfAStaleLeaderWithNothingPending(t *testing.T) {
	st := Status{Term: 2, Nodes: []NodeStatus{
		{ID: 1, State: StateUp, Role: "candidate", Term: 2, LastIndex: 1, Commit: 1},
		{ID: 2, State: StateUp, Role: "candidate", Term: 2, LastIndex: 1, Commit: 1},
		{ID: 3, State: StateUp, Role: "follower", Term: 2, LastIndex: 1, Commit: 1},
		{ID: 4, State: StateUp, Role: "follower", Term: 2, LastIndex: 1, Commit: 1},
		{ID: 5, State: StateUp, Role: "leader", Term: 1, Leader: 5, LastIndex: 1, LastTerm: 1, Commit: 1, FirstIndex: 1, LogStart: 1, LogTerms: []uint64{1}},
	}}
	mustContain(t, ExplainCommit(st, 0), "every entry of leader 5 is committed (commit 1, last index 1), but 5 is a stale leader (a majority is at a later term): nothing it appends now can commit")
	st.Nodes[0].Term, st.Nodes[1].Term, st.Nodes[2].Term, st.Nodes[3].Term = 1, 1, 1, 1
	st.Leader = 5
	mustNotContain(t, ExplainCommit(st, 0), "stale")
}

// The log and vote explanations of a removed node say it was removed, as
// explain N does, not that it is down and will be caught up (a new user's
// report).
func TestExplainLogAndVoteOfARemovedNode(t *testing.T) {
	leader := NodeStatus{ID: 2, State: StateUp, Role: "leader", Term: 4, Leader: 2, LastIndex: 6, LastTerm: 4, FirstIndex: 1,
		LogStart: 1, LogTerms: []uint64{1, 3, 3, 3, 3, 4}}
	removed := NodeStatus{ID: 3, State: StateRemoved, Role: "down", Term: 4, LastIndex: 2, LastTerm: 3, LogStart: 1, LogTerms: []uint64{1, 3},
		LastVote: raft.VoteDecision{Candidate: 2, Term: 4, Granted: true}}
	st := Status{Nodes: []NodeStatus{{ID: 1, State: StateUp, Role: "follower"}, leader, removed}, Leader: 2, Term: 4}
	for what, got := range map[string]string{"log": ExplainLog(st, 3), "vote": ExplainVote(st, 3)} {
		mustContain(t, got, "3 was removed from the membership: its process stopped and its files were deleted (add 3 makes it a new, empty node)")
		for _, bad := range []string{"down", "catches it up", "granted"} {
			if strings.Contains(got, bad) {
				t.Errorf("explain %s 3 of a removed node says %q: %s", what, bad, got)
			}
		}
	}
}

// The log explanation of a paused node says it is paused, as its card and
// /status do, not down.
func TestExplainLogOfAPausedNode(t *testing.T) {
	leader := NodeStatus{ID: 2, State: StateUp, Role: "leader", Term: 4, Leader: 2, LastIndex: 6, LastTerm: 4, FirstIndex: 1,
		LogStart: 1, LogTerms: []uint64{1, 3, 3, 3, 3, 4},
		Progress: map[uint64]raft.Progress{3: {Match: 2, Next: 7, State: "replicate", Inflight: 4}}}
	paused := NodeStatus{ID: 3, State: StatePaused, Role: "follower", Term: 4, LastIndex: 2, LastTerm: 3, LogStart: 1, LogTerms: []uint64{1, 3}}
	st := Status{Nodes: []NodeStatus{{ID: 1, State: StateUp, Role: "follower"}, leader, paused}, Leader: 2, Term: 4}
	got := ExplainLog(st, 3)
	mustContain(t, got, "misses 4 entries (3..6); it is paused, so it takes in nothing the leader sends: the leader catches it up once it is resumed")
	mustNotContain(t, got, "down")
}

// A leader on its way out of the configuration does not count its own
// copy; with no follower's acknowledgement yet, the entry is not said to
// be "on none" while followers hold it (a new user's replay).
func TestExplainCommitNoVoterAcknowledged(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.LogStart, l.LogTerms = 21, 1, nil
	l.Membership = raft.Membership{Voters: []uint64{2, 3}}
	l.Progress = map[uint64]raft.Progress{2: {Match: 20, Next: 22, State: "replicate"}, 3: {Match: 20, Next: 22, State: "replicate"}}
	for i := 1; i < 3; i++ {
		st.Nodes[i].LastIndex, st.Nodes[i].Membership = 21, l.Membership
	}
	got := ExplainCommit(st, 21)
	mustContain(t, got, "index 21 (term 5) is acknowledged by no voter yet (it is on 2,3, not acknowledged yet), needs 2 of 2")
	mustNotContain(t, got, "on none")
}

// An entry of an earlier term that voters hold without having acknowledged
// it is said to be on them, and, on a majority so, not to commit by
// counting (Figure 8): lesson 7's narration says it is on 1, 2 and 3, and
// the explanation read "is on 1,3 ... on a majority it would still not".
func TestExplainCommitOldTermOnAMajorityUnacknowledged(t *testing.T) {
	st := cardStatus(5)
	l := &st.Nodes[0]
	l.Term, l.LastIndex, l.LastTerm, l.LogStart, l.LogTerms, l.Commit, l.QuorumIndex, l.QuorumTerm = 4, 5, 4, 1, []uint64{1, 1, 1, 2, 4}, 3, 3, 1
	l.Progress = map[uint64]raft.Progress{2: {Match: 3, Next: 4, State: "probe"}, 3: {Match: 4, Next: 6, State: "replicate"}, 4: {Match: 3, Next: 4, State: "probe"}, 5: {Match: 3, Next: 4, State: "probe"}}
	for i := 1; i < 5; i++ {
		n := &st.Nodes[i]
		n.Term, n.LastIndex, n.LastTerm, n.LogStart, n.LogTerms, n.Commit = 4, 3, 1, 1, []uint64{1, 1, 1}, 3
	}
	st.Nodes[1].LastIndex, st.Nodes[1].LastTerm, st.Nodes[1].LogTerms = 4, 2, []uint64{1, 1, 1, 2}
	got := ExplainCommit(st, 4)
	mustContain(t, got, "index 4 (term 2) is on 1,3 (acknowledged) and on 2 (not acknowledged yet), needs 3 of 5",
		"It is on a majority, and yet it does not commit by counting: it is of term 2")
	st.Nodes[1].LastIndex, st.Nodes[1].LastTerm, st.Nodes[1].LogTerms = 3, 1, []uint64{1, 1, 1}
	mustContain(t, ExplainCommit(st, 4), "index 4 (term 2) is on 1,3, needs 3 of 5", "And on a majority it would still not commit by counting")
}

// A node whose WAL is damaged does not come back by restarting: the
// explanation says what does (a new user followed "restart brings it back"
// in vain).
func TestExplainDamagedNodeSaysHowToRecover(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[2].State, st.Nodes[2].Role = StateFailed, "down"
	st.Nodes[2].Err = "node 3 could not start: its WAL is damaged: DATA/node-3/0000.wal at offset 265006: record checksum mismatch"
	got := ExplainNode(st, 3)
	mustContain(t, got, "A restart fails the same way until the damaged file is repaired or moved away; or replace the node: remove 3, then add 3")
	mustNotContain(t, got, "restart brings it back")
}

// A failed node's card names the other way back where it applies: a fix
// may not be at hand (a damaged WAL), and remove, then add, replaces the
// node (the card said only "fix, then restart"). Not for the last voter,
// which cannot be removed.
func TestWhyFailedNodeSaysRemoveThenAdd(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[2].State, st.Nodes[2].Role = StateFailed, "down"
	st.Nodes[2].Err = "node 3 could not start: its WAL is damaged: DATA/node-3/0000.wal at offset 265006: record checksum mismatch"
	if got := Why(st, 3); got != "down: fix, then restart; or remove, then add" {
		t.Errorf("Why of a failed member: %q", got)
	}
	st.Membership = raft.Membership{Voters: []uint64{1, 2}, Learners: []uint64{3}}
	if got := Why(st, 3); got != "down: fix, then restart; or remove, then add" {
		t.Errorf("Why of a failed learner: %q", got)
	}
	st.Membership = raft.Membership{Voters: []uint64{3}, Learners: []uint64{1, 2}}
	if got := Why(st, 3); got != "down: fix, then restart" {
		t.Errorf("Why of the failed last voter: %q", got)
	}
	// Two of three voters down: the removal of either could not commit
	// (one voter up of the two left), so it is not offered.
	st = cardStatus(3)
	st.Nodes[2].State, st.Nodes[2].Role = StateFailed, "down"
	st.Nodes[1].State, st.Nodes[1].Role = StateCrashed, "down"
	if got := Why(st, 3); got != "down: fix, then restart" {
		t.Errorf("Why of a failed voter whose removal could not commit: %q", got)
	}
}

// A candidate whose configuration still counts a node removed since says
// it was removed, not that it "has not answered yet" (a new user's).
func TestExplainCandidateCountingARemovedNode(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[0].State, st.Nodes[0].Role = StateRemoved, "down"
	c := &st.Nodes[1]
	c.Role, c.Leader = "candidate", 0
	c.Tally = &raft.Tally{Needed: 2, Granted: []uint64{2}, Refused: map[uint64]raft.Why{}, Pending: []uint64{1, 3}}
	mustContain(t, ExplainNode(st, 2), "1 has not answered: it was removed from the cluster (its process stopped)", "3 has not answered yet")
}

// explain log does not say the leader streams to a follower it cannot
// reach, nor to one at a higher term (a Raft engineer's).
func TestExplainLogCutOffOrHigherTerm(t *testing.T) {
	st := cardStatus(3)
	f := &st.Nodes[2]
	f.LastIndex = 18
	st.Nodes[0].Progress[3] = raft.Progress{Match: 18, Next: 19, State: "replicate", Inflight: 1}
	mustContain(t, ExplainLog(st, 3), "the leader streams entries from 19")
	f.Term, f.Role = 7, "candidate"
	got := ExplainLog(st, 3)
	mustContain(t, got, "it is at term 7, above the leader's 5: it refuses the leader's appends")
	mustNotContain(t, got, "streams")
	st.Faults.Links = append(st.Faults.Links, transport.LinkRule{From: 1, To: 3, Rule: transport.Rule{Cut: true}})
	got = ExplainLog(st, 3)
	mustContain(t, got, "nothing leader 1 sends reaches it (1->3 is cut)")
	mustNotContain(t, got, "streams")
}

// A cut one way is told that way: a follower whose answers to the leader
// are cut still hears the leader, so its timer keeps starting over and it
// never stands for election (a new user read "cut off from leader 2: times
// out in 1.5 s" for 15 s, and "2 is cut off from 1", backwards). Cut the
// other way, it does time out.
func TestOneWayCutsAreToldTheirWay(t *testing.T) {
	st := cardStatus(3)
	f := &st.Nodes[1]
	f.LastIndex = 18
	st.Nodes[0].LastIndex = 21 // 21 is on the leader alone: it needs 2 or 3
	st.Nodes[0].Progress[2] = raft.Progress{Match: 18, Next: 19, State: "replicate", Inflight: 1}
	cut := func(from, to uint64) {
		st.Faults.Links = []transport.LinkRule{{From: from, To: to, Rule: transport.Rule{Cut: true}}}
	}

	cut(2, 1) // its answers are lost; the leader's messages arrive
	if got := Why(st, 2); got != "answers to 1 cut" {
		t.Errorf("answers cut: Why = %q", got)
	}
	got := ExplainNode(st, 2)
	mustContain(t, got, "its answers do not reach 1 (2->1 is cut)", "so 2 stays a follower")
	mustNotContain(t, got, "stands for election", "is cut off")
	mustContain(t, ExplainLog(st, 2), "its answers do not reach leader 1 (2->1 is cut)")
	mustContain(t, ExplainCommit(st, 21), "2 cannot answer 1 (2->1 is cut)")

	cut(1, 2) // the leader's messages are lost: its timer runs out
	if got := Why(st, 2); !strings.HasPrefix(got, "cut off from leader 1: times out in") {
		t.Errorf("leader's messages cut: Why = %q", got)
	}
	mustContain(t, ExplainNode(st, 2), "But nothing from 1 reaches 2 (1->2 is cut): unless another leader is elected first, its timer fires")
	mustContain(t, ExplainCommit(st, 21), "2 hears nothing from 1 (1->2 is cut)")

}

// FreshStatus does not wait on a node whose loop is busy (a slow disk's
// fsyncs): that node keeps the status it published last (a remove waited
// 17 s behind a follower whose disk took a second per fsync).
func TestFreshStatusDoesNotWaitForABusyNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	busy := c.node(aFollower(st))
	release := make(chan struct{})
	defer close(release)
	blocked := make(chan struct{})
	go busy.do(func() { close(blocked); <-release })
	<-blocked
	done := make(chan Status, 1)
	go func() { done <- c.FreshStatus() }()
	select {
	case st := <-done:
		if st.Leader == 0 {
			t.Errorf("no leader in the fresh status")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FreshStatus waits for a node whose loop is busy")
	}
}

// explain commit says how far a follower that lacks the entry has got by
// its own status, not only by the leader's count of its acks (a
// screen-accuracy test read "3 is 2 entries behind (it has up to 172)"
// beside 3's card showing 173).
func TestExplainCommitCountsWhatTheFollowerHolds(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[0].LastIndex = 24
	st.Nodes[1].LastIndex = 22
	st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 25, State: "replicate", Inflight: 2, HeardAgo: 1}
	st.Nodes[0].Progress[3] = raft.Progress{Match: 20, Next: 25, State: "replicate", Inflight: 2, HeardAgo: 1}
	got := ExplainCommit(st, 24)
	mustContain(t, got, "2 has up to 22, 2 entries short of it")
	mustContain(t, got, "3 has up to 20, 4 entries short of it")
}

// A leader's log window is published less often than its last index: an
// index past the window, between entries of one term, is of that term,
// and a follower that holds it by its own status is among those that hold
// it unacknowledged (a screen-accuracy test read "index 16162 is on 3"
// beside cards showing it on 2, 3 and 4).
func TestExplainCommitPastTheLeadersWindow(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.LogStart, l.LogTerms = 24, 11, []uint64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5} // 11..20
	st.Nodes[1].LastIndex = 22
	l.Progress[2] = raft.Progress{Match: 20, Next: 25, State: "replicate", Inflight: 2, HeardAgo: 1}
	l.Progress[3] = raft.Progress{Match: 20, Next: 25, State: "replicate", Inflight: 2, HeardAgo: 1}
	mustContain(t, ExplainCommit(st, 22), "index 22 (term 5) is on 1 (acknowledged) and on 2 (not acknowledged yet), needs 2 of 3")
	// A window that ends in an older term says nothing of what follows it.
	l.LogTerms[9], l.LastTerm, l.Term, l.QuorumTerm = 4, 6, 6, 6
	for i := range st.Nodes {
		st.Nodes[i].Term = 6
	}
	if got := ExplainCommit(st, 22); strings.Contains(got, "(term") {
		t.Errorf("past a window ending in an older term: %q", got)
	}
}

// A candidate's refusals are explained as of its election's term (a voter
// that has moved on to a later term had voted in that one), and an
// election a TimeoutNow started is not said to be its timer's.
func TestExplainCandidateTermAndCause(t *testing.T) {
	st := cardStatus(3)
	c := &st.Nodes[1] // node 2: a candidate at term 6
	c.Role, c.Term, c.Vote, c.Leader = "candidate", 6, 2, 0
	c.Tally = &raft.Tally{Needed: 2, Granted: []uint64{2}, Refused: map[uint64]raft.Why{1: raft.WhyVoted}, Pending: []uint64{3}}
	v := &st.Nodes[0] // node 1: since a candidate itself at term 7
	v.Role, v.Term, v.Vote, v.Leader, v.Progress = "candidate", 7, 1, 0, nil
	got := ExplainNode(st, 2)
	mustContain(t, got, "its election timer fired", "1 refused: it had voted already in term 6")
	v.Term = 6 // still in that term: a candidate for itself there
	mustContain(t, ExplainNode(st, 2), "1 refused: it is a candidate itself (it voted for itself at term 6)")
	c.Tally.Transfer = true
	if got := ExplainNode(st, 2); !strings.Contains(got, "the leader handed leadership to it (TimeoutNow, a leadership transfer) and it started an election for term 6") || strings.Contains(got, "timer fired") {
		t.Errorf("an election TimeoutNow started: %q", got)
	}
}

// explain commit says which nodes hold an entry whether or not the leader
// has heard so: of a committed entry too, and of a node that is down (its
// disk holds what its last status shows), which then does not lack it
// for being down (an expert saw "5 is on 1,2 ... 3 is down" of a crashed
// node holding it, and a committed entry said to be only on the
// acknowledged nodes).
func TestExplainCommitNamesEveryHolder(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.Commit, l.QuorumIndex = 22, 20, 20
	l.Progress[2] = raft.Progress{Match: 20, Next: 23, State: "replicate", HeardAgo: 1}
	l.Progress[3] = raft.Progress{Match: 0, Next: 21, State: "probe", HeardAgo: 1}
	st.Nodes[2].State = StateCrashed
	st.Nodes[2].LastIndex = 22 // it holds 21 and 22 (term 5, the leader's)
	got := ExplainCommit(st, 22)
	mustContain(t, got, "index 22 (term 5) is on 1 (acknowledged) and on 3 (not acknowledged yet)", "3 holds it but is down (crashed)")
	if strings.Contains(got, "has not yet heard") {
		t.Errorf("the down holder is also said unheard: %q", got)
	}
	mustContain(t, ExplainCommit(st, 19), "index 19 is on 1,2 (acknowledged) and on 3 (not acknowledged yet): committed")
}

// A follower that holds entries the leader does not have is not "behind":
// its card and explain say its log differs (an expert saw "It is 6 entries
// behind the leader (probe; it holds up to 2 ...)" of Figure 7's node
// with three entries of an old term).
func TestFollowerWithOtherEntriesDiffers(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.LastTerm, l.Term, l.LogStart, l.LogTerms = 8, 5, 5, 1, []uint64{1, 1, 1, 5, 5, 5, 5, 5}
	l.Commit = 8
	l.Progress[2] = raft.Progress{Match: 0, Next: 7, State: "probe"}
	f := &st.Nodes[1]
	f.LastIndex, f.LastTerm, f.Commit, f.LogStart, f.LogTerms = 6, 2, 3, 1, []uint64{1, 1, 1, 2, 2, 2}
	if got := Why(st, 2); got != "log differs: probe" {
		t.Errorf("why-line %q", got)
	}
	got := ExplainNode(st, 2)
	mustContain(t, got, "Its log differs from the leader's: the two logs match up to 3, and it holds entries the leader does not have, which the leader will overwrite (probe; explain log 2 says more).")
	if strings.Contains(got, "behind") {
		t.Errorf("explain says behind: %q", got)
	}
	// Short of the leader's log, nothing else: behind, as before.
	f.LastIndex, f.LastTerm, f.LogTerms = 3, 1, []uint64{1, 1, 1}
	if got := Why(st, 2); got != "behind by 5: probe" {
		t.Errorf("why-line of a follower only short: %q", got)
	}
}

// Smaller truths of the explanations: entries of several terms are said
// as a range of terms; a follower whose leader has restarted as a follower
// is told so; a refused append reads as a refusal, not as a differing log.
func TestExplainSmallTruths(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.LogStart, l.LogTerms, l.Commit, l.QuorumIndex = 6, 1, []uint64{1, 1, 1, 5, 5, 5}, 3, 3
	l.Progress[2] = raft.Progress{Match: 0, Next: 4, State: "probe", LastReject: 5, LastRejectHint: 3, LastRejectHintTerm: 1}
	l.Progress[3] = raft.Progress{Match: 3, Next: 4, State: "probe"}
	st.Nodes[2].LastIndex, st.Nodes[2].LastTerm, st.Nodes[2].Commit = 3, 1, 3
	f := &st.Nodes[1]
	f.LastIndex, f.LastTerm, f.Commit, f.LogStart, f.LogTerms = 6, 4, 3, 1, []uint64{1, 1, 1, 2, 3, 4}
	mustContain(t, ExplainLog(st, 2), "from 4 it holds 3 entries the leader does not have (4..6, of terms 2 to 4)")
	mustContain(t, ExplainCommit(st, 6), "2 refused an append after 5 (its hint: 3@1): the leader is probing back to where their logs agree")
	// The leader restarted as a follower: node 3 still names it.
	l.Role, l.Progress = "follower", nil
	st.Leader = 0
	mustContain(t, ExplainNode(st, 3), "But 1 no longer leads (it is a follower at term 5)")
}

// A leader handing over says so in explain N (the card said it; explain
// said only that it leads).
func TestExplainLeaderInTransfer(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[0].Transferee = 2
	mustContain(t, ExplainNode(st, 1), "It is handing leadership to 2: it takes no writes meanwhile, and 2's log being up to date, it has sent 2 TimeoutNow, on which 2 campaigns at once")
	st.Nodes[0].Progress[2] = raft.Progress{Match: 18, Next: 21, State: "replicate", Inflight: 1, HeardAgo: 1}
	mustContain(t, ExplainNode(st, 1), "It is handing leadership to 2: it takes no writes meanwhile, and sends 2 TimeoutNow once 2's log is up to date")
}

// A follower that needs entries the leader has compacted is told it needs
// a snapshot, not that the entries are "all sent" (they were sent while
// it was down, and cannot be sent again).
func TestExplainFollowerNeedingASnapshot(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.FirstIndex, l.SnapshotIndex, l.SnapshotTerm = 21, 20, 5
	l.LastIndex = 23
	l.Progress[2] = raft.Progress{Match: 17, Next: 24, State: "replicate", Inflight: 1, HeardAgo: 1}
	st.Nodes[1].LastIndex, st.Nodes[1].LastTerm, st.Nodes[1].Commit = 17, 4, 17
	mustContain(t, ExplainNode(st, 2), "It is 6 entries behind the leader (replicate; the leader has compacted 18..20 into a snapshot, so it must send one).")
}

// explain commit says a node holding other entries at the index differs
// (it said it "has not answered since the leader was elected" while
// explain N said its log differs); a leader whose log is all committed
// names the followers that lack some of it.
func TestExplainNamesDifferingAndLaggingFollowers(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.LastTerm, l.LogStart, l.LogTerms, l.Commit, l.QuorumIndex = 6, 5, 1, []uint64{1, 1, 1, 5, 5, 5}, 3, 3
	l.Progress[2] = raft.Progress{Match: 0, Next: 4, State: "probe"}
	l.Progress[3] = raft.Progress{Match: 3, Next: 4, State: "probe"}
	f := &st.Nodes[1]
	f.LastIndex, f.LastTerm, f.Commit, f.LogStart, f.LogTerms = 5, 2, 3, 1, []uint64{1, 1, 1, 2, 2}
	st.Nodes[2].LastIndex, st.Nodes[2].LastTerm, st.Nodes[2].Commit = 3, 1, 3
	mustContain(t, ExplainCommit(st, 4), "2 holds other entries there (its log differs from the leader's, which overwrites them)")
	l.Commit, l.QuorumIndex = 6, 6
	mustContain(t, ExplainNode(st, 1), "Not every follower has it all: 2's log differs (probe), 3 is 3 entries behind (probe).")
	st.Nodes[2].State = StateCrashed
	mustContain(t, ExplainNode(st, 1), "3 is down (crashed)")
}

// Frozen right after an election, explain commit says where the new
// leader's first exchange with a follower stands: its append held at the
// follower, or the answer held at the leader (it said only "has not
// answered since the leader was elected", with the append in plain sight
// in the follower's held list).
func TestExplainCommitSaysWhereTheFirstAppendIsHeld(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.Frozen = 21, true
	for _, id := range []uint64{2, 3} {
		l.Progress[id] = raft.Progress{Match: 0, Next: 21, State: "probe"}
		st.Nodes[id-1].Frozen = true
	}
	st.Nodes[1].Held = []HeldInfo{{From: 1, Kind: "app", Term: 5}}
	l.Held = []HeldInfo{{From: 3, Kind: "app-resp", Term: 5}}
	got := ExplainCommit(st, 21)
	mustContain(t, got, "2 has not answered since the leader was elected: the leader's append is held at 2",
		"3 has answered, but its answer is held at the leader")
}

// Frozen after a write, explain commit says where a follower's missing
// entries are when the leader's append waits in its held list: it said
// only "1 has up to 1, 1 entry short of it", the append in plain sight.
func TestExplainCommitSaysTheAppendIsHeldAtTheFollower(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.Frozen = 21, true
	for _, id := range []uint64{2, 3} {
		l.Progress[id] = raft.Progress{Match: 20, Next: 22, State: "replicate", Inflight: 1, HeardAgo: 1}
		st.Nodes[id-1].Frozen = true
	}
	st.Nodes[1].Held = []HeldInfo{{From: 1, Kind: "app", Term: 5, Summary: "app t5 i21 c20"}}
	st.Nodes[2].Held = []HeldInfo{{From: 1, Kind: "app", Term: 4, Summary: "app t4 i21 c20"}} // an older term's: not this leader's append
	got := ExplainCommit(st, 21)
	mustContain(t, got, "2 has up to 20, 1 entry short of it: the leader's append that carries it is held at 2, 3 has up to 20, 1 entry short of it, ")
	// An append that does not carry 21 (commit only, or another span) is
	// not called the one that brings it.
	st.Nodes[1].Held = []HeldInfo{{From: 1, Kind: "app", Term: 5, Summary: "app t5 after 20@5 c20"}}
	st.Nodes[2].Held = []HeldInfo{{From: 1, Kind: "app", Term: 5, Summary: "app t5 i18..20 c17"}}
	got = ExplainCommit(st, 21)
	mustContain(t, got, "2 has up to 20, 1 entry short of it: an append from the leader is held at 2, 3 has up to 20, 1 entry short of it: an append from the leader is held at 3")
}

// Frozen, a follower that lost the leader's append (it crashed holding it,
// and restarted) holds nothing from the leader, which counts it as sent:
// explain commit said only "2 has up to 20, 1 entry short of it". It says
// that nothing is held and what sends it again; not while the follower's
// answer waits at the leader (delivering that does).
func TestExplainCommitSaysALostAppendIsNotOnItsWay(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.LastIndex, l.Frozen = 21, true
	for _, id := range []uint64{2, 3} {
		l.Progress[id] = raft.Progress{Match: 20, Next: 22, State: "replicate", Inflight: 1, HeardAgo: 1}
		st.Nodes[id-1].Frozen = true
	}
	st.Nodes[2].Held = []HeldInfo{{From: 1, Kind: "app", Term: 5, Summary: "app t5 i21 c20"}}
	got := ExplainCommit(st, 21)
	mustContain(t, got, "2 has up to 20, 1 entry short of it: the leader counts it as sent, and nothing from the leader is held at 2 (a crash of 2 loses what it held; discard drops it): the leader sends it again once 2's answer to a heartbeat or a later append shows it lacks it (heartbeat 1, then steps), 3 has up to 20, 1 entry short of it: the leader's append that carries it is held at 3")
	l.Held = []HeldInfo{{From: 2, Kind: "heartbeat-resp", Term: 5}}
	got = ExplainCommit(st, 21)
	mustContain(t, got, "2 has up to 20, 1 entry short of it, 3 has")
	mustNotContain(t, got, "counts it as sent")
}

// A follower whose leader was removed says so on its card (it read
// "leader 3 / up to date" while the header said no leader and explain said
// 3 was removed).
func TestWhyOfAFollowerWhoseLeaderWasRemoved(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[0].State, st.Nodes[0].Role = StateRemoved, "down"
	if got := Why(st, 2); !strings.HasPrefix(got, "leader 1 was removed: times out in ") {
		t.Errorf("Why = %q", got)
	}
}

// A leader every follower follows, whose followers' answers are all lost,
// is said to be followed and cut off, not unknown (a Raft expert read "not
// a majority knows it yet (its appends have not reached them)" while every
// follower named it and its heartbeats reached them); a 100% drop is named
// as such, not as a cut.
func TestFollowedLeaderWhoseAnswersAreLost(t *testing.T) {
	st := cardStatus(3)
	st.Leader = 0 // `wait leader` counts no follower it cannot hear
	st.Faults.Links = []transport.LinkRule{{From: 2, To: 1, Rule: transport.Rule{Cut: true}}, {From: 3, To: 1, Rule: transport.Rule{DropPct: 100}}}
	got := ExplainNode(st, 1)
	mustContain(t, got, "1 leads at term 5, and a majority still believes it leads, but 2 cannot answer 1 (2->1 is cut), 3 cannot answer 1 (3->1 drops every message): none of them can reach it")
	mustNotContain(t, got, "not a majority knows it")
	st.Nodes[1].Leader, st.Nodes[2].Leader = 0, 0 // they do not know it yet
	mustContain(t, ExplainNode(st, 1), "not a majority knows it yet")
}

// A candidate whose request a voter ignored under the leader lease is told
// no answer will come (it said the answer might be on its way); a frozen
// candidate's election age is its clock's, which ran before the freeze.
func TestCandidateWhoseRequestWasIgnored(t *testing.T) {
	st := cardStatus(3)
	c := &st.Nodes[1]
	c.Role, c.Leader, c.Term, c.Frozen, c.ElectionElapsed = "candidate", 0, 6, true, 10*time.Millisecond
	c.Tally = &raft.Tally{Needed: 2, Granted: []uint64{2}, Refused: map[uint64]raft.Why{}, Pending: []uint64{1, 3}}
	st.Nodes[2].Frozen = true
	st.Nodes[2].LastVote = raft.VoteDecision{Candidate: 2, Term: 6, Why: raft.WhyLease}
	got := ExplainNode(st, 2)
	mustContain(t, got, "3 ignored its request: with CheckQuorum it heard leader 1 within the minimum election timeout", "no answer will come",
		"10 ms ago by its clock, which the freeze stopped")
	mustNotContain(t, got, "3 has not answered", "stood still")
}

// explain vote of a decision from an earlier term says so, and what the
// node's vote is now; a pre-vote is for a term, not at it.
func TestExplainVoteOfAnOldDecision(t *testing.T) {
	st := cardStatus(3)
	n := &st.Nodes[2]
	n.Term, n.Vote = 6, 3
	n.LastVote = raft.VoteDecision{Candidate: 1, Term: 5, Granted: true, CandIndex: 20, CandTerm: 5, MyIndex: 20, MyTerm: 5}
	mustContain(t, ExplainVote(st, 3), "3 granted its vote to 1 at term 5", ". That was at term 5; 3 is at term 6 now, where it voted for itself")
	n.Term = 5
	mustNotContain(t, ExplainVote(st, 3), "That was at term")
	n.LastVote = raft.VoteDecision{Candidate: 2, Term: 6, Pre: true, Why: raft.WhyLogBehind, CandIndex: 18, CandTerm: 5, MyIndex: 20, MyTerm: 5}
	mustContain(t, ExplainVote(st, 3), "3 refused its pre-vote to 2 for term 6")
	// A leader that heard from no quorum grants pre-votes: it says so,
	// not that it heard from no leader.
	n.LastVote = raft.VoteDecision{Candidate: 2, Term: 6, Pre: true, Granted: true, VotedFor: 3, CandIndex: 20, CandTerm: 5, MyIndex: 20, MyTerm: 5}
	got := ExplainVote(st, 3)
	mustContain(t, got, "3 granted its pre-vote to 2 for term 6: it led, but had not heard from a quorum of its voters")
	mustNotContain(t, got, "had not heard from a leader")
}

// A follower that has installed the snapshot the leader is sending is not
// told it is still being sent (its answer is what the leader waits for).
func TestExplainLogAfterTheSnapshotIsInstalled(t *testing.T) {
	st := cardStatus(3)
	l := &st.Nodes[0]
	l.FirstIndex, l.SnapshotIndex, l.LogStart, l.LogTerms = 8, 7, 8, []uint64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}
	l.Progress[3] = raft.Progress{Match: 4, Next: 8, State: "snapshot", PendingSnapshot: 7}
	f := &st.Nodes[2]
	f.LastIndex, f.FirstIndex, f.SnapshotIndex, f.LogStart, f.LogTerms = 7, 8, 0, 8, nil
	mustContain(t, ExplainLog(st, 3), "the leader is sending it a snapshot (of index 7)")
	f.SnapshotIndex = 7
	got := ExplainLog(st, 3)
	mustContain(t, got, "it has installed the leader's snapshot (of index 7)")
	mustNotContain(t, got, "is sending it a snapshot")
}

// Durations round as the cards' timers do: 1950 ms is 2.0 s.
func TestDurRoundsAsTheCards(t *testing.T) {
	for d, want := range map[time.Duration]string{1950 * time.Millisecond: "2.0 s", 1449 * time.Millisecond: "1.4 s", 999 * time.Millisecond: "999 ms"} {
		if got := dur(d); got != want {
			t.Errorf("dur(%v) = %q, want %q", d, got, want)
		}
	}
}

// A vote refused for a vote already cast says for whom, precisely: the
// candidate itself, another, or (no vote cast) the leader it follows.
func TestExplainVoteRefusedForAnotherSaysWhich(t *testing.T) {
	st := cardStatus(3)
	v := &st.Nodes[1]
	v.LastVote = raft.VoteDecision{Candidate: 3, Term: 5, Why: raft.WhyVoted, VotedFor: 1, Following: true}
	mustContain(t, ExplainVote(st, 2), "2 refused its vote to 3 at term 5: it was following leader 1 in that term, which it had not voted in")
	v.LastVote.Following, v.LastVote.VotedFor = false, 2
	mustContain(t, ExplainVote(st, 2), "2 refused its vote to 3 at term 5: it had voted for itself in that term (a candidate too)")
	// Figure 2 grants an up-to-date candidate's vote whatever the voter
	// follows, and refuses one whose log is behind: said of a candidate
	// at 1@1 against 2@2, "Figure 2 would grant it" was wrong (a new user).
	v.LastVote = raft.VoteDecision{Candidate: 3, Term: 5, Why: raft.WhyHasLeader, VotedFor: 1, Following: true, CandIndex: 4, CandTerm: 5, MyIndex: 4, MyTerm: 5}
	got := ExplainVote(st, 2)
	mustContain(t, got, "2 refused its vote to 3 at term 5: it was following leader 1 in that term, which it had not voted in")
	mustContain(t, got, "Figure 2 would grant it, to no effect")
	v.LastVote.CandIndex, v.LastVote.CandTerm, v.LastVote.MyIndex, v.LastVote.MyTerm = 1, 1, 2, 2
	got = ExplainVote(st, 2)
	mustContain(t, got, "Figure 2 would refuse it too: 3's log (1@1) is less up to date than its own (2@2) (§5.4.1)")
	mustNotContain(t, got, "would grant it")
}

// A candidate's tally names a refusal by a follower of a leader of the term
// as such (it said "it had voted for, or followed, another node").
func TestExplainCandidateRefusedByAFollowerOfALeader(t *testing.T) {
	st := cardStatus(3)
	c := &st.Nodes[2]
	c.Role, c.Vote, c.Leader = "candidate", 3, 0
	c.Tally = &raft.Tally{Granted: []uint64{3}, Refused: map[uint64]raft.Why{2: raft.WhyHasLeader}, Needed: 2}
	mustContain(t, ExplainNode(st, 3), "2 refused: it follows leader 1 at term 5, and a follower with a leader grants no vote in its term")
}

// A learner whose promotion the leader has appended but it has not
// received: the leader counts it as a voter already (thesis 4.1), which
// explain says (it said only "a learner", beside an explain commit that
// counted it).
func TestExplainLearnerBeingPromoted(t *testing.T) {
	st := cardStatus(4)
	four := raft.Membership{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}
	for i := range st.Nodes {
		st.Nodes[i].Membership, st.Nodes[i].ConfIndex = four, 15
	}
	l := &st.Nodes[0]
	l.Membership, l.ConfIndex, l.LastIndex = raft.Membership{Voters: []uint64{1, 2, 3, 4}}, 21, 21
	st.Membership = l.Membership
	mustContain(t, ExplainNode(st, 4), "4 is a learner by its own log, but leader 1's configuration (entry 21, not yet committed) makes it a voter: 1 counts it toward commits already, and 4 becomes a voter when that entry reaches it.")
	if got := Why(st, 4); got != "being promoted: 20 of 21" {
		t.Errorf("why-line %q", got)
	}
	l.Membership = four
	if got := ExplainNode(st, 4); !strings.Contains(got, "4 is a learner: it receives the log") {
		t.Errorf("a learner the leader keeps a learner: %s", got)
	}
}

// A frozen leader's explanation says the cluster is frozen once: its
// commit explanation says it, and the node's added "The cluster is
// frozen: its clock stands still" after it (a learner's report).
func TestExplainFrozenLeaderSaysFrozenOnce(t *testing.T) {
	st := cardStatus(3)
	for i := range st.Nodes {
		st.Nodes[i].Frozen = true
	}
	st.Nodes[0].LastIndex = st.Nodes[0].Commit + 1
	got := ExplainNode(st, 1)
	if n := strings.Count(strings.ToLower(got), "the cluster is frozen"); n != 1 {
		t.Errorf("said frozen %d times: %q", n, got)
	}
}

// A follower whose slow disk holds it in an fsync answers nothing: entries
// sent to it an election timeout ago are not "on their way" but stuck, and
// its card said "up to date" while explain said "1 entry behind" (a new
// user's, set disk-delay 3 5s, then a write).
func TestWhyOfAQuietFollowerWithEntriesInFlight(t *testing.T) {
	st := cardStatus(3)
	st.Nodes[0].LastIndex = 21
	st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 22, State: "replicate", Inflight: 1, HeardAgo: 1}
	if got := Why(st, 2); got != "up to date" {
		t.Errorf("heard a moment ago, the entry on its way: Why = %q", got)
	}
	st.Nodes[0].Progress[2] = raft.Progress{Match: 20, Next: 22, State: "replicate", Inflight: 1, HeardAgo: 1600}
	if got := Why(st, 2); got != "behind by 1: replicate" {
		t.Errorf("not heard for 1.6 s, the entry sent then: Why = %q", got)
	}
	mustContain(t, ExplainNode(st, 2), "It is 1 entry behind the leader (replicate, all of them sent)")
}

// powerfail all cuts the power of a node that had failed on a full disk
// too: it is then down with a disk still full, and a restart fails again
// at its first write. Its card said "down: restart brings it back", and
// explain "Before it went down it was down at term 3 ...; set disk-full 4
// off ... restarts it" (it does not restart a node whose power was cut).
func TestWhyOfAPowerCutNodeWithAFullDisk(t *testing.T) {
	st := cardStatus(3)
	n := &st.Nodes[2]
	n.State, n.Role, n.WasRole, n.PowerLost = StateCrashed, "down", "follower", true
	n.AsOf = time.Now()
	n.Disk.Full = true
	if got := Why(st, 3); got != "down: disk full (set disk-full 3 off, then restart)" {
		t.Errorf("Why = %q", got)
	}
	mustContain(t, ExplainNode(st, 3), "Before it went down it was follower at term 5",
		"Its disk is full: set disk-full 3 off gives space back; then restart 3 brings it back from its files (before that, a restart fails at its first write).")
}

// A failed node's status is already "as of" its failure; cutting its
// power (powerfail all) made it so again, and its role before it went
// down read "down".
func TestAsOfNowKeepsTheRoleBeforeTheNodeWentDown(t *testing.T) {
	ns := NodeStatus{ID: 4, Role: "follower", Updated: time.Now().Add(-time.Second)}
	failed := ns.asOfNow()
	failed.Role, failed.Updated = "down", time.Now()
	again := failed.asOfNow()
	if again.WasRole != "follower" || !again.AsOf.Equal(ns.Updated) {
		t.Errorf("as of now twice: was %q as of %v, want follower as of %v", again.WasRole, again.AsOf, ns.Updated)
	}
}

// A node whose fsync takes long (set disk-delay) is said to be waiting for
// its disk wherever that is the cause: a follower that has not acknowledged
// an entry, a leader whose own copy a commit waits for, a peer the leader
// has not heard from. explain 3 said "it heard from it 0 ms ago ... its
// election timer would fire in 165 ms" of a follower 1.3 s into a 5 s
// fsync, with no word of its disk: its loop publishes nothing while it
// waits, and the rest is how it stood when the wait began.
func TestExplainSaysANodeWaitsForItsDisk(t *testing.T) {
	st := cardStatus(5)
	l := &st.Nodes[0]
	l.LastIndex = 21
	l.Progress[2] = raft.Progress{Match: 21, Next: 22, State: "replicate", HeardAgo: 1}
	l.Progress[3] = raft.Progress{Match: 20, Next: 22, State: "replicate", Inflight: 1, HeardAgo: 1500, Answered: true}
	st.Nodes[2].Disk = DiskStatus{Delay: 5 * time.Second, SyncWait: 1200 * time.Millisecond}
	st.Nodes[3].State, st.Nodes[4].State = StateCrashed, StateCrashed
	st.Nodes[4].Disk.SyncWait = time.Second // down: its wait is over
	const waits = "has waited 1.2s for an fsync (its disk is slow: set disk-delay, +5s an fsync)"
	mustContain(t, ExplainCommit(st, 21), "3 has up to 20, 1 entry short of it; it "+waits)
	mustContain(t, ExplainNode(st, 3), "Its loop "+waits+": until that fsync ends it steps nothing")
	mustContain(t, ExplainNode(st, 1), "It has not heard from 3 for 1.5 s. 3 "+waits+", and answers once it ends.")
	mustNotContain(t, ExplainNode(st, 5), "fsync")
	mustNotContain(t, ExplainNode(st, 2), "fsync")

	// The leader's own copy is what the commit waits for: its fsync is
	// said, without "its disk is slow" when no delay is set. Its loop goes
	// on meanwhile (its log is written behind it): nothing of a loop.
	st = cardStatus(3)
	l = &st.Nodes[0]
	l.LastIndex = 21
	l.Progress[2] = raft.Progress{Match: 21, Next: 22, State: "replicate", HeardAgo: 1}
	l.Disk.SyncWait = 800 * time.Millisecond
	got := ExplainCommit(st, 21)
	mustContain(t, got, "it commits once the leader's fsync ends; the leader has waited 800ms for an fsync")
	mustNotContain(t, got, "disk is slow")
	mustNotContain(t, ExplainNode(st, 1), "Its loop")
	// Under 100 ms is an fsync like any other.
	l.Disk.SyncWait = 90 * time.Millisecond
	mustNotContain(t, ExplainCommit(st, 21), "waited")
}

// A message discard dropped is told as discarded, not as "on its way, or
// discarded or lost" (a teacher's report: the node knew): a vote request
// discarded at the voter, and a vote answer discarded at the candidate.
// Thawing forgets them.
func TestExplainSaysWhatWasDiscarded(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	quietLeader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	st := c.Status()
	cand := othersThan(st.Leader, 3)[0]
	others := othersThan(cand, 3)
	if _, err := c.Timeout(cand); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(ctx, cand, others[0], "vote", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(ctx, cand, others[1], "vote", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(ctx, others[1], cand, "vote-resp", true); err != nil {
		t.Fatal(err)
	}
	got := ExplainNode(c.Status(), cand)
	mustContain(t, got,
		fmt.Sprintf("%d never got the request: it was discarded at %d, so no answer will come", others[0], others[0]),
		fmt.Sprintf("%d answered, but the answer was discarded at %d", others[1], cand))
	mustNotContain(t, got, "on its way")
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "no node telling of a discarded message after the thaw", func(s Status) bool {
		for _, n := range s.Nodes {
			if len(n.Discarded) > 0 {
				return false
			}
		}
		return true
	})
}
