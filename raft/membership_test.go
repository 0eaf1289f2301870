package raft

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// This file tests membership changes and leadership transfer
// (membership.go) one rule at a time, on small networks driven by hand.
// The seeded simulation (sim_test.go, simmember_test.go) mixes them with
// faults.

// mem builds a configuration: the given voters, then learners after a 0.
// mem(1, 2, 3, 0, 4) is "voters 1,2,3 learners 4".
func mem(ids ...uint64) Membership {
	var m Membership
	k := slices.Index(ids, 0)
	if k < 0 {
		k = len(ids)
	}
	m.Voters = slices.Sorted(slices.Values(ids[:k]))
	if k < len(ids) {
		m.Learners = slices.Sorted(slices.Values(ids[k+1:]))
	}
	return m
}

func preVoteOn(c *Config)     { c.PreVote = true }
func checkQuorumOn(c *Config) { c.CheckQuorum = true }

// newCluster starts nodes 1..n, all voters, and elects node 1.
func newCluster(t *testing.T, n int, opts ...func(*Config)) (*testNet, []*Raft) {
	t.Helper()
	var ids []uint64
	for id := range uint64(n) {
		ids = append(ids, id+1)
	}
	var rs []*Raft
	for _, id := range ids {
		rs = append(rs, newTestRaft(t, id, ids, opts...))
	}
	net := newTestNet(t, rs...)
	net.elect(rs[0])
	return net, rs
}

// join starts node id with no bootstrap configuration, as a node joining a
// running cluster is, and puts it on the network.
func join(t *testing.T, net *testNet, id uint64, opts ...func(*Config)) *Raft {
	t.Helper()
	r := newTestRaft(t, id, nil, opts...)
	if !r.conf.IsEmpty() || r.isVoter(id) {
		t.Fatalf("joining node %d starts with membership %s", id, r.conf)
	}
	net.nodes[id] = r
	return r
}

func proposeConf(t *testing.T, r *Raft, op ConfChangeOp, id uint64) uint64 {
	t.Helper()
	idx, term, err := r.ProposeConfChange(ConfChange{Op: op, Node: id})
	if err != nil {
		t.Fatalf("%s %d on %d: %v", op, id, r.id, err)
	}
	if term != r.term || idx != r.log.lastIndex() || r.confIndex != idx {
		t.Fatalf("%s %d: appended at %d@%d, conf index %d, log ends at %d@%d", op, id, idx, term, r.confIndex, r.log.lastIndex(), r.term)
	}
	return idx
}

func propose(t *testing.T, r *Raft, data string) uint64 {
	t.Helper()
	idx, _, err := r.Propose([]byte(data))
	if err != nil {
		t.Fatalf("Propose on %d: %v", r.id, err)
	}
	return idx
}

// tickRun ticks the given nodes (all when none is given) once and
// delivers until quiet, rounds times.
func (n *testNet) tickRun(rounds int, ids ...uint64) {
	n.t.Helper()
	if len(ids) == 0 {
		for id := range n.nodes {
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	for range rounds {
		for _, id := range ids {
			n.nodes[id].Tick()
		}
		n.run()
	}
}

// waitFor ticks every node and delivers until cond holds, failing after
// max rounds. It returns the number of rounds taken.
func (n *testNet) waitFor(max int, what string, cond func() bool) int {
	n.t.Helper()
	for round := 0; ; round++ {
		if cond() {
			return round
		}
		if round == max {
			n.t.Fatalf("not %s after %d rounds", what, max)
		}
		n.tickRun(1)
	}
}

// fingerprint is what a refused request must leave unchanged.
func fingerprint(r *Raft) string {
	return fmt.Sprintf("role %s term %d last %d commit %d conf %s@%d transferee %d msgs %d",
		r.role, r.term, r.log.lastIndex(), r.log.committed, r.conf, r.confIndex, r.transferee, len(r.msgs))
}

func events(into *[]string) func(*Config) {
	return func(c *Config) { c.OnEvent = func(e Event) { *into = append(*into, e.Text) } }
}

// A learner gets the log by appends, knows itself a learner, gets no vote
// request, never campaigns, and its acknowledgements do not commit.
func TestLearnerCatchesUpByEntries(t *testing.T) {
	net, rs := newCluster(t, 3)
	a, b := rs[0], rs[1]
	propose(t, a, "x")
	propose(t, a, "y")
	net.run()
	l := join(t, net, 4)
	idx := proposeConf(t, a, ConfAddLearner, 4)
	if want := mem(1, 2, 3, 0, 4); !a.conf.Equal(want) {
		t.Fatalf("leader's configuration right after proposing: %s, want %s", a.conf, want)
	}
	net.run()
	if a.log.committed < idx || l.log.lastIndex() != a.log.lastIndex() || l.log.committed != a.log.committed {
		t.Fatalf("learner holds %d (commit %d), leader %d (commit %d), change at %d",
			l.log.lastIndex(), l.log.committed, a.log.lastIndex(), a.log.committed, idx)
	}
	for id, r := range net.nodes {
		if !r.conf.Equal(mem(1, 2, 3, 0, 4)) || r.confIndex != idx {
			t.Errorf("node %d: configuration %s@%d, want voters 1,2,3 learners 4 @%d", id, r.conf, r.confIndex, idx)
		}
	}
	if st := a.Status(); !st.Progress[4].Learner || st.Progress[4].Match != a.log.lastIndex() || st.Progress[2].Learner {
		t.Fatalf("leader's progress: %+v", st.Progress)
	}

	// Its acknowledgement does not count: with 2 and 3 cut off, an entry
	// held by the leader and the learner is not committed.
	net.isolate(2)
	net.isolate(3)
	i := propose(t, a, "z")
	net.run()
	if l.log.lastIndex() < i || a.prs[4].match < i {
		t.Fatalf("learner did not get entry %d (holds %d)", i, l.log.lastIndex())
	}
	if a.log.committed >= i {
		t.Fatalf("entry %d committed by the leader and a learner alone", i)
	}
	clear(net.cut)
	a.Tick()
	net.run()
	if a.log.committed < i || l.log.committed < i {
		t.Fatalf("after healing: leader commit %d, learner commit %d, want %d", a.log.committed, l.log.committed, i)
	}

	// It never campaigns, however long it goes without a leader.
	term := l.term
	for range 10 * l.electionMax {
		l.Tick()
		for _, m := range drain(l) {
			t.Fatalf("learner without a leader sent %s", DescribeMessage(m))
		}
	}
	step(t, l, Message{Type: MsgHup})
	if l.role != RoleFollower || l.term != term || l.HasReady() {
		t.Fatalf("learner after timeouts and MsgHup: %s at term %d (was %d)", l.role, l.term, term)
	}

	// An election among the voters asks only the voters.
	net.seen = nil
	step(t, b, Message{Type: MsgHup})
	net.run()
	if b.role != RoleLeader {
		t.Fatalf("node 2 is %s after its election", b.role)
	}
	asked := map[uint64]bool{}
	for _, m := range net.seen {
		if m.Type == MsgVote || m.Type == MsgPreVote {
			asked[m.To] = true
		}
	}
	if !asked[1] || !asked[3] || asked[4] {
		t.Fatalf("vote requests went to %v, want 1 and 3 only", asked)
	}
	if l.lead != 2 || l.term != b.term || l.log.lastIndex() != b.log.lastIndex() {
		t.Fatalf("learner follows %d at term %d holding %d, want 2 at %d holding %d", l.lead, l.term, l.log.lastIndex(), b.term, b.log.lastIndex())
	}
}

// A learner added after the leader compacted its log catches up by a
// snapshot that carries the configuration, then by the entries after it.
func TestLearnerCatchesUpBySnapshot(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	for k := range 5 {
		propose(t, a, fmt.Sprint("e", k))
	}
	net.run()
	si := a.log.applied
	st, _ := a.Term(si)
	if err := a.Compact(Snapshot{Meta: SnapshotMeta{Index: si, Term: st, Conf: a.ConfAt(si)}, Data: []byte("image")}); err != nil {
		t.Fatal(err)
	}
	l := join(t, net, 4)
	idx := proposeConf(t, a, ConfAddLearner, 4)
	i := propose(t, a, "after")
	net.run()
	snaps := filterType(net.seen, MsgSnap)
	if len(snaps) != 1 || snaps[0].To != 4 || snaps[0].Snapshot.Meta.Index != si || !snaps[0].Snapshot.Meta.Conf.Equal(mem(1, 2, 3)) {
		t.Fatalf("snapshots sent: %v, want one to 4 at %d with voters 1,2,3", snaps, si)
	}
	if l.log.snapIndex != si || !l.snapConf.Equal(mem(1, 2, 3)) || string(l.snapshot.Data) != "image" {
		t.Fatalf("learner's snapshot at %d conf %s, want %d voters 1,2,3", l.log.snapIndex, l.snapConf, si)
	}
	if !l.conf.Equal(mem(1, 2, 3, 0, 4)) || l.confIndex != idx || l.log.lastIndex() != i || l.log.committed != i {
		t.Fatalf("learner: configuration %s@%d, holds %d commit %d; want learner 4 @%d, %d committed",
			l.conf, l.confIndex, l.log.lastIndex(), l.log.committed, idx, i)
	}
}

// A learner far behind is not promoted: the error says why and nothing is
// appended. Once caught up it is, and the new voter counts toward commit.
func TestPromoteWaitsForCatchUp(t *testing.T) {
	lag := func(c *Config) { c.PromoteMaxLag = 2 }
	net, rs := newCluster(t, 3, lag)
	a := rs[0]
	l := join(t, net, 4)
	net.isolate(4)
	proposeConf(t, a, ConfAddLearner, 4)
	for k := range 4 {
		propose(t, a, fmt.Sprint("e", k))
	}
	net.run()
	before := fingerprint(a)
	_, _, err := a.ProposeConfChange(ConfChange{Op: ConfPromote, Node: 4})
	if !errors.Is(err, ErrConfChange) || !strings.Contains(err.Error(), "learner 4 is far behind: it holds 0 of 6 entries (6 behind, at most 2 allowed)") {
		t.Fatalf("promoting a learner 6 entries behind: %v", err)
	}
	if after := fingerprint(a); after != before {
		t.Fatalf("refused promotion changed the leader:\n%s\n%s", before, after)
	}

	clear(net.cut)
	a.Tick()
	net.run()
	if a.prs[4].match != a.log.lastIndex() {
		t.Fatalf("learner at %d after healing, leader at %d", a.prs[4].match, a.log.lastIndex())
	}
	idx := proposeConf(t, a, ConfPromote, 4)
	net.run()
	for id, r := range net.nodes {
		if !r.conf.Equal(mem(1, 2, 3, 4)) || r.log.committed < idx {
			t.Errorf("node %d: configuration %s commit %d, want voters 1,2,3,4 with %d committed", id, r.conf, r.log.committed, idx)
		}
	}
	if !l.isVoter(4) {
		t.Fatal("promoted node does not know it votes")
	}
	// Four voters: a majority is three. Without 3, the leader commits with
	// 2 and the new voter 4; without 4 too, it cannot.
	net.isolate(3)
	i := propose(t, a, "with 4")
	net.run()
	if a.log.committed < i {
		t.Fatalf("entry %d held by 1, 2 and 4 not committed (commit %d)", i, a.log.committed)
	}
	net.isolate(4)
	j := propose(t, a, "without 4")
	net.run()
	if a.log.committed >= j {
		t.Fatalf("entry %d committed by 1 and 2 alone among four voters", j)
	}
}

// A learner still installing a snapshot is not promoted.
func TestPromoteRefusedWhileInstallingSnapshot(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	propose(t, a, "x")
	net.run()
	si := a.log.applied
	st, _ := a.Term(si)
	if err := a.Compact(Snapshot{Meta: SnapshotMeta{Index: si, Term: st}, Data: []byte("image")}); err != nil {
		t.Fatal(err)
	}
	proposeConf(t, a, ConfAddLearner, 5) // 5 is not on the network
	net.run()
	pr := a.prs[5]
	// 5's answer to the first probe: it holds nothing. The leader can only
	// send the snapshot.
	step(t, a, Message{Type: MsgAppResp, From: 5, To: 1, Term: a.term, Index: pr.next - 1, Reject: true, Why: WhyLogMismatch})
	if pr.state != stateSnapshot {
		t.Fatalf("learner progress %s, want snapshot", pr.state)
	}
	before := fingerprint(a)
	_, _, err := a.ProposeConfChange(ConfChange{Op: ConfPromote, Node: 5})
	if !errors.Is(err, ErrConfChange) || !strings.Contains(err.Error(), "learner 5 is still installing a snapshot") {
		t.Fatalf("promoting a learner installing a snapshot: %v", err)
	}
	if after := fingerprint(a); after != before {
		t.Fatalf("refused promotion changed the leader:\n%s\n%s", before, after)
	}
}

// One change at a time: a second is refused while the first is not
// committed, and accepted once it is.
func TestOneConfChangeAtATime(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	net.isolate(2)
	net.isolate(3)
	idx := proposeConf(t, a, ConfAddLearner, 4)
	net.run()
	if a.log.committed >= idx {
		t.Fatalf("change committed without a majority")
	}
	before := fingerprint(a)
	_, _, err := a.ProposeConfChange(ConfChange{Op: ConfAddLearner, Node: 5})
	want := fmt.Sprintf("the change at index %d (voters 1,2,3 learners 4) is not committed yet: one change at a time", idx)
	if !errors.Is(err, ErrConfChange) || !errors.Is(err, ErrConfPending) || !strings.Contains(err.Error(), want) {
		t.Fatalf("second change while one is pending: %v", err)
	}
	if cerr := a.CheckConfChange(ConfChange{Op: ConfAddLearner, Node: 5}); cerr == nil || cerr.Error() != err.Error() {
		t.Fatalf("check of the second change: %v, propose said %v", cerr, err)
	}
	if after := fingerprint(a); after != before {
		t.Fatalf("refused change changed the leader:\n%s\n%s", before, after)
	}
	clear(net.cut)
	a.Tick()
	net.run()
	if a.log.committed < idx {
		t.Fatalf("first change not committed after healing")
	}
	proposeConf(t, a, ConfAddLearner, 5)
}

// A new leader proposes a change only once an entry of its own term is
// committed: its commit index may lag changes made by earlier leaders
// (the single-server bug found in 2015), and a change of an earlier term
// still pending is one pending.
func TestConfChangeWaitsForCommitInTerm(t *testing.T) {
	// The log holds an uncommitted change of term 1; 1 leads term 2.
	cfg := Entry{Index: 1, Term: 1, Type: EntryConfig, Data: EncodeMembership(mem(1, 2, 3, 0, 4))}
	r := newTestRaft(t, 1, three, func(c *Config) { c.HardState.Term = 1; c.Entries = []Entry{cfg} })
	r.becomeCandidate()
	r.becomeLeader()
	drain(r)
	refused := func(want string) {
		t.Helper()
		before := fingerprint(r)
		_, _, err := r.ProposeConfChange(ConfChange{Op: ConfAddLearner, Node: 5})
		if !errors.Is(err, ErrConfChange) || !strings.Contains(err.Error(), want) {
			t.Fatalf("change: %v, want %q", err, want)
		}
		if after := fingerprint(r); after != before {
			t.Fatalf("refused change changed the leader:\n%s\n%s", before, after)
		}
	}
	// Said as not ready (it passes by itself: the no-op's commit commits
	// the change too), which the cluster retries; the pending change was
	// reported first, and a remove then add failed now and then.
	refused("leader 1 has not committed an entry of its term 2 yet")
	// 2 holds the change but not the no-op: 1@1 is on a majority, but of
	// an earlier term, so nothing commits (§5.4.2).
	step(t, r, Message{Type: MsgAppResp, From: 2, To: 1, Term: 2, Index: 1})
	if r.log.committed != 0 {
		t.Fatalf("commit %d", r.log.committed)
	}
	refused("has not committed an entry of its term 2 yet")
	step(t, r, Message{Type: MsgAppResp, From: 2, To: 1, Term: 2, Index: 2})
	if r.log.committed != 2 {
		t.Fatalf("commit %d after the no-op reached a majority, want 2", r.log.committed)
	}
	proposeConf(t, r, ConfAddLearner, 5)

	// No change pending, but nothing of term 3 committed yet.
	r2 := newTestRaft(t, 1, three, withLog(2, 1, 2))
	r2.becomeCandidate()
	r2.becomeLeader()
	drain(r2)
	r = r2
	refused("leader 1 has not committed an entry of its term 3 yet")
	step(t, r, Message{Type: MsgAppResp, From: 3, To: 1, Term: 3, Index: 3})
	proposeConf(t, r, ConfRemove, 3)
}

// Requests that cannot apply are refused with an error saying why, and
// change nothing.
func TestConfChangeAndTransferBadInput(t *testing.T) {
	net, rs := newCluster(t, 3)
	a, b := rs[0], rs[1]
	join(t, net, 4)
	proposeConf(t, a, ConfAddLearner, 4)
	net.run()
	confs := []struct {
		cc   ConfChange
		want string
	}{
		{ConfChange{ConfAddLearner, 2}, "2 is already a member (voters 1,2,3 learners 4)"},
		{ConfChange{ConfAddLearner, 4}, "4 is already a member"},
		{ConfChange{ConfAddLearner, 0}, "node id 0 is reserved"},
		{ConfChange{ConfPromote, 3}, "3 is already a voter"},
		{ConfChange{ConfPromote, 9}, "9 is not a member: add it as a learner first"},
		{ConfChange{ConfPromote, 0}, "0 is not a member"},
		{ConfChange{ConfRemove, 9}, "9 is not a member (voters 1,2,3 learners 4)"},
		{ConfChange{ConfRemove, 0}, "0 is not a member"},
		{ConfChange{ConfChangeOp(7), 4}, "unknown change 7"},
	}
	for _, tt := range confs {
		before := fingerprint(a)
		_, _, err := a.ProposeConfChange(tt.cc)
		if !errors.Is(err, ErrConfChange) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %d: %v, want %q", tt.cc.Op, tt.cc.Node, err, tt.want)
		}
		if after := fingerprint(a); after != before {
			t.Errorf("%s %d changed the leader:\n%s\n%s", tt.cc.Op, tt.cc.Node, before, after)
		}
	}
	transfers := []struct {
		to   uint64
		want string
	}{
		{1, "1 is already the leader"},
		{4, "4 is a learner: only a voter can lead"},
		{9, "9 is not a member (voters 1,2,3 learners 4)"},
		{0, "0 is not a member"},
	}
	for _, tt := range transfers {
		before := fingerprint(a)
		if err := a.TransferLeadership(tt.to); !errors.Is(err, ErrTransfer) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("transfer to %d: %v, want %q", tt.to, err, tt.want)
		}
		if after := fingerprint(a); after != before {
			t.Errorf("transfer to %d changed the leader:\n%s\n%s", tt.to, before, after)
		}
	}
	// A transfer while one is running; its TimeoutNow is lost.
	net.cut[[2]uint64{1, 2}] = true
	if err := a.TransferLeadership(2); err != nil {
		t.Fatal(err)
	}
	net.run()
	before := fingerprint(a)
	if err := a.TransferLeadership(3); !errors.Is(err, ErrTransfer) || !strings.Contains(err.Error(), "a transfer to 2 is already in progress") {
		t.Errorf("second transfer: %v", err)
	}
	if _, _, err := a.ProposeConfChange(ConfChange{ConfRemove, 3}); !errors.Is(err, ErrTransferring) {
		t.Errorf("change during a transfer: %v", err)
	}
	if after := fingerprint(a); after != before || a.transferee != 2 {
		t.Errorf("refused requests changed the leader:\n%s\n%s", before, after)
	}
	// On a follower: the leader's name.
	var nle *NotLeaderError
	if _, _, err := b.ProposeConfChange(ConfChange{ConfRemove, 3}); !errors.As(err, &nle) || nle.Leader != 1 {
		t.Errorf("change on a follower: %v", err)
	}
	if err := b.TransferLeadership(3); !errors.As(err, &nle) || nle.Leader != 1 {
		t.Errorf("transfer on a follower: %v", err)
	}

	// The last voter cannot go.
	solo := newTestRaft(t, 1, []uint64{1})
	step(t, solo, Message{Type: MsgHup})
	drain(solo)
	before = fingerprint(solo)
	if _, _, err := solo.ProposeConfChange(ConfChange{ConfRemove, 1}); !errors.Is(err, ErrConfChange) || !strings.Contains(err.Error(), "1 is the last voter: a cluster needs one") {
		t.Errorf("removing the last voter: %v", err)
	}
	if after := fingerprint(solo); after != before {
		t.Errorf("refused removal changed the leader:\n%s\n%s", before, after)
	}
}

// A leader that removes itself keeps leading, not counting itself, until
// the change commits; then it steps down and the others elect a leader.
// It never campaigns again.
func TestRemoveLeader(t *testing.T) {
	var evs []string
	a := newTestRaft(t, 1, three, events(&evs))
	b, c := newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.cut[[2]uint64{1, 3}], net.cut[[2]uint64{3, 1}] = true, true
	idx := proposeConf(t, a, ConfRemove, 1)
	if !a.conf.Equal(mem(2, 3)) || a.role != RoleLeader {
		t.Fatalf("after proposing its removal: %s with configuration %s", a.role, a.conf)
	}
	i := propose(t, a, "still leading")
	net.run()
	// 1 and 2 hold both entries: a majority of 1,2,3 but not of 2,3.
	if b.log.lastIndex() != i {
		t.Fatalf("removed leader did not replicate: 2 holds %d, want %d", b.log.lastIndex(), i)
	}
	if a.log.committed >= idx || a.role != RoleLeader {
		t.Fatalf("commit %d (change at %d), role %s: the removed leader counted itself", a.log.committed, idx, a.role)
	}
	if st := a.Status(); st.QuorumIndex >= idx {
		t.Fatalf("quorum index %d counts the leader", st.QuorumIndex)
	}
	clear(net.cut)
	a.Tick()
	net.run()
	if a.role != RoleFollower || a.term != 1 || a.log.committed != i {
		t.Fatalf("after the change committed: %s at term %d commit %d, want follower at 1 with %d", a.role, a.term, a.log.committed, i)
	}
	if want := fmt.Sprintf("1 stepped down at term 1: removed from the membership (entry %d committed)", idx); !slices.Contains(evs, want) {
		t.Fatalf("events %q lack %q", evs, want)
	}
	if b.log.committed != i || c.log.committed != i {
		t.Fatalf("followers' commit %d %d, want %d", b.log.committed, c.log.committed, i)
	}
	net.seen = nil
	net.waitFor(10*b.electionMax, "a leader among 2 and 3", func() bool { return b.role == RoleLeader || c.role == RoleLeader })
	for _, m := range net.seen {
		if (m.Type == MsgVote || m.Type == MsgPreVote) && (m.From == 1 || m.To == 1) {
			t.Fatalf("removed node takes part in the election: %s", DescribeMessage(m))
		}
	}
	ld := b
	if c.role == RoleLeader {
		ld = c
	}
	if ld.term != 2 || ld.prs[1] != nil || !ld.conf.Equal(mem(2, 3)) {
		t.Fatalf("new leader %d at term %d tracks 1: %v, configuration %s", ld.id, ld.term, ld.prs[1] != nil, ld.conf)
	}
	j := propose(t, ld, "new leader")
	net.run()
	if b.log.committed != j || c.log.committed != j || a.role != RoleFollower || a.log.lastIndex() != i {
		t.Fatalf("new leader's entry %d: commits %d %d; old leader %s holding %d", j, b.log.committed, c.log.committed, a.role, a.log.lastIndex())
	}
}

// Regression (simulation seed 729): a leader that loses leadership before
// its own removal commits still campaigns, not counting its own vote, and
// finishes the change. The remaining voter cannot win without it: its log
// lacks the removal, so the removed node refuses it its vote.
func TestRemovedLeaderFinishesItsRemoval(t *testing.T) {
	two := []uint64{1, 2}
	a, b := newTestRaft(t, 1, two, checkQuorumOn), newTestRaft(t, 2, two, checkQuorumOn)
	net := newTestNet(t, a, b)
	net.elect(a)
	net.cut[[2]uint64{1, 2}] = true
	idx := proposeConf(t, a, ConfRemove, 1)
	net.waitFor(4*a.electionMax, "the leader stepping down without a quorum", func() bool { return a.role != RoleLeader })
	if a.log.committed >= idx || !a.conf.Equal(mem(2)) || a.isVoter(1) {
		t.Fatalf("node 1: commit %d (removal at %d), configuration %s", a.log.committed, idx, a.conf)
	}
	clear(net.cut)
	for tick := 0; a.role != RoleCandidate; tick++ {
		if tick > 2*a.electionMax {
			t.Fatalf("node 1 does not campaign while its removal is pending: %s", fingerprint(a))
		}
		a.Tick()
	}
	if st := a.Status(); st.Tally == nil || len(st.Tally.Granted) != 0 || st.Tally.Needed != 1 || !slices.Equal(st.Tally.Pending, []uint64{2}) {
		t.Fatalf("node 1 campaigning while its removal is pending: tally %+v, want only 2's vote needed", st.Tally)
	}
	net.run()
	net.waitFor(10*a.electionMax, "node 2 leading alone", func() bool {
		return b.role == RoleLeader && b.conf.Equal(mem(2)) && b.log.committed >= idx
	})
	if a.role != RoleFollower || a.log.committed < idx {
		t.Fatalf("node 1: %s with commit %d, want a follower that saw %d committed", a.role, a.log.committed, idx)
	}
	// Its removal known committed, it never campaigns again.
	term := a.term
	for range 5 * a.electionMax {
		a.Tick()
		for _, m := range drain(a) {
			t.Fatalf("removed node sent %s", DescribeMessage(m))
		}
	}
	if a.term != term || a.role != RoleFollower {
		t.Fatalf("removed node: %s at term %d (was %d)", a.role, a.term, term)
	}
}

// Regression (simulation seed 495): a node that does not campaign forgets
// a leader silent for an election timeout. It had kept it for ever (its
// timer wrapping round), and with CheckQuorum its lease then ignored the
// vote requests of candidates that need it: here 4, promoted while cut
// off, still a learner in its own log, whose vote 2 needs once 1 is gone.
func TestSilentLeaderForgottenByNonCampaigner(t *testing.T) {
	net, rs := newCluster(t, 3, checkQuorumOn)
	a, b := rs[0], rs[1]
	l := join(t, net, 4, checkQuorumOn)
	proposeConf(t, a, ConfAddLearner, 4)
	net.run()
	net.isolate(4)
	idx := proposeConf(t, a, ConfPromote, 4) // 4 is caught up, within PromoteMaxLag
	net.run()
	if a.log.committed < idx || !l.conf.IsLearner(4) || l.lead != 1 {
		t.Fatalf("setup: commit %d (promotion at %d); 4 knows %s and follows %d", a.log.committed, idx, l.conf, l.lead)
	}
	// 1 is gone; 4 hears nothing for an election timeout and more.
	delete(net.nodes, 1)
	clear(net.cut)
	for range l.electionMax + 1 {
		l.Tick()
	}
	for l.electionElapsed >= l.electionMin {
		l.Tick()
	}
	if l.lead != None {
		t.Fatalf("4 still follows %d, silent for %d ticks", l.lead, l.ticksSinceLeader)
	}
	// Inside what would have been its lease, it heeds a vote request.
	step(t, l, Message{Type: MsgVote, From: 2, To: 4, Term: b.term + 1, Index: b.log.lastIndex(), LogTerm: b.log.lastTerm()})
	if l.term != b.term+1 || l.vote != 2 {
		t.Fatalf("4 after a vote request from 2: term %d vote %d, want %d 2", l.term, l.vote, b.term+1)
	}
	// And 2, 3 and 4 elect a leader of 1,2,3,4.
	net.waitFor(20*b.electionMax, "a leader among 2, 3 and 4", func() bool {
		for _, r := range net.nodes {
			if r.role == RoleLeader && r.conf.Equal(mem(1, 2, 3, 4)) {
				return true
			}
		}
		return false
	})
}

// Regression (simulation seed 2103): a voter whose log does not hold the
// promotion of a node counts it as a learner and never asks it for votes,
// so that node, alone able to win, only learns the voter's higher term by
// the refusal of its own vote request at a stale term. It was dropped
// without an answer, and the two kept campaigning at terms that never met.
func TestCandidateBehindInTermCatchesUp(t *testing.T) {
	net, rs := newCluster(t, 3)
	a, b := rs[0], rs[1]
	l := join(t, net, 4)
	proposeConf(t, a, ConfAddLearner, 4)
	net.run()
	net.isolate(2)
	proposeConf(t, a, ConfPromote, 4)
	net.run()
	idx := proposeConf(t, a, ConfRemove, 1)
	net.run()
	if a.role != RoleFollower || l.log.committed < idx || !l.conf.Equal(mem(2, 3, 4)) || !b.conf.Equal(mem(1, 2, 3, 0, 4)) {
		t.Fatalf("setup: 1 %s; 4 knows %s, commit %d (removal at %d); 2 knows %s", a.role, l.conf, l.log.committed, idx, b.conf)
	}
	// 1 and 3 are gone. 2, cut off, campaigned up to a higher term.
	delete(net.nodes, 1)
	delete(net.nodes, 3)
	for b.term < l.term+5 {
		net.tickRun(1, 2)
	}
	clear(net.cut)
	net.waitFor(20*l.electionMax, "4 leading 2,3,4", func() bool {
		return l.role == RoleLeader && b.lead == 4 && b.conf.Equal(mem(2, 3, 4))
	})
}

// A follower's uncommitted configuration entries overwritten by a new
// leader's (Figure 7) take their configuration with them: the previous one
// is back in force.
func TestConfRolledBackOnTruncation(t *testing.T) {
	var evs []string
	f := newTestRaft(t, 2, three, events(&evs))
	add4 := Entry{Index: 2, Term: 1, Type: EntryConfig, Data: EncodeMembership(mem(1, 2, 3, 0, 4))}
	prom4 := Entry{Index: 3, Term: 1, Type: EntryConfig, Data: EncodeMembership(mem(1, 2, 3, 4))}
	step(t, f, Message{Type: MsgApp, From: 1, To: 2, Term: 1, Entries: []Entry{{Index: 1, Term: 1, Type: EntryNoop}, add4, prom4}, Commit: 1})
	if !f.conf.Equal(mem(1, 2, 3, 4)) || f.confIndex != 3 {
		t.Fatalf("after appending: %s@%d", f.conf, f.confIndex)
	}
	// Leader 3 of term 2 holds 2@1 but not 3@1.
	step(t, f, Message{Type: MsgApp, From: 3, To: 2, Term: 2, Index: 2, LogTerm: 1, Entries: []Entry{{Index: 3, Term: 2, Data: []byte("x")}}})
	if !f.conf.Equal(mem(1, 2, 3, 0, 4)) || f.confIndex != 2 {
		t.Fatalf("after losing 3@1: %s@%d, want learner 4 @2", f.conf, f.confIndex)
	}
	if !slices.Contains(evs, "2 membership back to voters 1,2,3 learners 4 (the entry that made it voters 1,2,3,4 is gone from the log; entry 2 rules)") {
		t.Fatalf("events %q", evs)
	}
	// Leader 1 of term 3 holds neither.
	step(t, f, Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 1, LogTerm: 1, Entries: []Entry{{Index: 2, Term: 3, Type: EntryNoop}}})
	if !f.conf.Equal(mem(1, 2, 3)) || f.confIndex != 0 || f.log.lastIndex() != 2 {
		t.Fatalf("after losing 2@1: %s@%d holding %d, want the bootstrap voters 1,2,3 @0", f.conf, f.confIndex, f.log.lastIndex())
	}
	if !slices.Contains(evs, "2 membership back to voters 1,2,3 (the entry that made it voters 1,2,3 learners 4 is gone from the log; the snapshot's or the bootstrap configuration rules)") {
		t.Fatalf("events %q", evs)
	}
}

// restartNode builds a node from r's state as a storage that persisted
// everything holds it, with the given bootstrap peers.
func restartNode(t *testing.T, r *Raft, peers []uint64) *Raft {
	t.Helper()
	cfg := Config{ID: r.id, Peers: peers, ElectionTickMin: 10, ElectionTickMax: 20, HeartbeatTick: 1, Seed: r.id + 100,
		HardState: r.hardState(), Entries: slices.Clone(r.Entries(r.log.firstIndex(), r.log.lastIndex()+1)),
		Applied: r.log.applied}
	if r.log.snapIndex > 0 {
		cfg.Snapshot, cfg.SnapshotData = r.snapshot.Meta, r.snapshot.Data
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatalf("restart %d: %v", r.id, err)
	}
	return n
}

// A restarted node takes its configuration from its log, or from its
// snapshot's, whatever bootstrap Peers it is given.
func TestRestartRecoversConf(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	join(t, net, 4)
	proposeConf(t, a, ConfAddLearner, 4)
	net.run()
	promoted := proposeConf(t, a, ConfPromote, 4)
	net.run()
	idx := proposeConf(t, a, ConfRemove, 3)
	net.run()
	// 3 never hears of its removal: the leader stopped sending to it as
	// soon as the change was appended. Its log says 1,2,3,4.
	want := map[uint64]Membership{1: mem(1, 2, 4), 2: mem(1, 2, 4), 3: mem(1, 2, 3, 4), 4: mem(1, 2, 4)}
	wantIndex := map[uint64]uint64{1: idx, 2: idx, 3: promoted, 4: idx}
	check := func(when string, peers func(id uint64) []uint64, fromSnap bool) {
		t.Helper()
		for id := uint64(1); id <= 4; id++ {
			r := restartNode(t, net.nodes[id], peers(id))
			wi := wantIndex[id]
			if fromSnap {
				wi = 0
			}
			if !r.conf.Equal(want[id]) || r.confIndex != wi {
				t.Errorf("%s: node %d restarted with %s@%d, want %s@%d", when, id, r.conf, r.confIndex, want[id], wi)
			}
		}
	}
	stale := func(id uint64) []uint64 {
		if id == 4 {
			return nil
		}
		return three
	}
	check("from the log, stale bootstrap peers", stale, false)
	check("from the log, no bootstrap peers", func(uint64) []uint64 { return nil }, false)

	// Compact every node, as an application does: the snapshot it persists
	// names the configuration at its index. Then an entry after it.
	for id := uint64(1); id <= 4; id++ {
		r := net.nodes[id]
		si := r.log.applied
		st, _ := r.Term(si)
		meta := SnapshotMeta{Index: si, Term: st, Conf: r.ConfAt(si)}
		if !meta.Conf.Equal(want[id]) {
			t.Fatalf("node %d: ConfAt(%d) = %s", id, si, meta.Conf)
		}
		if err := r.Compact(Snapshot{Meta: meta, Data: []byte("image")}); err != nil {
			t.Fatal(err)
		}
	}
	propose(t, a, "after")
	net.run()
	check("from the snapshot, stale bootstrap peers", stale, true)

	// A node whose log holds its own removal, known committed, does not
	// campaign after a restart, even with itself in the bootstrap peers.
	// Not known committed, it does, without its own vote: it may be needed
	// to commit it (TestRemovedLeaderFinishesItsRemoval).
	for _, commit := range []uint64{1, 0} {
		removed := newTestRaft(t, 3, three, func(c *Config) {
			c.HardState = HardState{Term: 1, Commit: commit}
			c.Entries = []Entry{{Index: 1, Term: 1, Type: EntryConfig, Data: EncodeMembership(mem(1, 2))}}
		})
		for range 5 * removed.electionMax {
			removed.Tick()
		}
		step(t, removed, Message{Type: MsgHup})
		switch campaigned := removed.term != 1; {
		case commit == 1 && (campaigned || len(drain(removed)) != 0):
			t.Fatalf("removed node after a restart: %s at term %d", removed.role, removed.term)
		case commit == 0 && (!campaigned || removed.votes[3]):
			t.Fatalf("node whose removal is pending: %s at term %d, votes %v", removed.role, removed.term, removed.votes)
		}
	}

	// The core fills in a snapshot's configuration when the application
	// leaves it out.
	r := net.nodes[1]
	propose(t, a, "more")
	net.run()
	si := r.log.applied
	st, _ := r.Term(si)
	if err := r.Compact(Snapshot{Meta: SnapshotMeta{Index: si, Term: st}}); err != nil {
		t.Fatal(err)
	}
	if !r.snapshot.Meta.Conf.Equal(want[1]) {
		t.Fatalf("kept snapshot's configuration %s, want %s", r.snapshot.Meta.Conf, want[1])
	}
}

// Leadership transfer: proposals are refused, the target is caught up
// first, then sent TimeoutNow, and wins at the next term at once, without a
// pre-election and through its peers' leader lease.
func TestTransferLeadership(t *testing.T) {
	net, rs := newCluster(t, 3, preVoteOn, checkQuorumOn)
	a, b, c := rs[0], rs[1], rs[2]
	net.isolate(3)
	for k := range 3 {
		propose(t, a, fmt.Sprint("e", k))
	}
	net.run()
	clear(net.cut)
	term, last := a.term, a.log.lastIndex()
	if c.log.lastIndex() >= last {
		t.Fatal("target not behind")
	}
	// 2 is inside its lease: a plain vote request at a higher term is ignored.
	step(t, b, Message{Type: MsgVote, From: 3, To: 2, Term: term + 1, Index: last, LogTerm: term})
	if b.term != term || b.HasReady() {
		t.Fatalf("node 2 heeded a vote request inside its lease: term %d", b.term)
	}

	if err := a.TransferLeadership(3); err != nil {
		t.Fatal(err)
	}
	if a.transferee != 3 || a.Status().Transferee != 3 {
		t.Fatalf("transferee %d", a.transferee)
	}
	if _, _, err := a.Propose([]byte("during")); !errors.Is(err, ErrTransferring) {
		t.Fatalf("proposal during the transfer: %v", err)
	}
	if _, _, err := a.ProposeConfChange(ConfChange{ConfRemove, 2}); !errors.Is(err, ErrTransferring) {
		t.Fatalf("change during the transfer: %v", err)
	}
	if len(filterType(a.msgs, MsgTimeoutNow)) != 0 || len(filterType(a.msgs, MsgApp)) == 0 {
		t.Fatalf("leader's messages to a lagging target: %v", a.msgs)
	}
	net.seen = nil
	net.run()
	caughtUp, timeoutNow, vote := -1, -1, -1
	for k, m := range net.seen {
		switch {
		case m.Type == MsgAppResp && m.From == 3 && !m.Reject && m.Index == last && caughtUp < 0:
			caughtUp = k
		case m.Type == MsgTimeoutNow:
			if m.From != 1 || m.To != 3 || timeoutNow >= 0 {
				t.Fatalf("unexpected %s", DescribeMessage(m))
			}
			timeoutNow = k
		case m.Type == MsgPreVote:
			t.Fatalf("pre-vote during a transfer: %s", DescribeMessage(m))
		case m.Type == MsgVote:
			if m.From != 3 || string(m.Context) != "transfer" || m.Term != term+1 {
				t.Fatalf("vote request %s context %q", DescribeMessage(m), m.Context)
			}
			vote = k
		}
	}
	if caughtUp < 0 || timeoutNow < caughtUp || vote < timeoutNow {
		t.Fatalf("order: caught up at %d, TimeoutNow at %d, vote at %d", caughtUp, timeoutNow, vote)
	}
	if c.role != RoleLeader || c.term != term+1 || a.role != RoleFollower || a.lead != 3 || b.lead != 3 || a.transferee != None {
		t.Fatalf("after the transfer: 3 %s at term %d (want leader at %d); 1 %s following %d; 2 follows %d",
			c.role, c.term, term+1, a.role, a.lead, b.lead)
	}
	i := propose(t, c, "new leader")
	net.run()
	if a.log.committed != i || b.log.committed != i {
		t.Fatalf("commit %d %d, want %d", a.log.committed, b.log.committed, i)
	}
}

// A transfer to a target that cannot be reached is abandoned after an
// election timeout; the leader then takes proposals again.
func TestTransferAbortsAfterElectionTimeout(t *testing.T) {
	var evs []string
	a := newTestRaft(t, 1, three, events(&evs), checkQuorumOn)
	b, c := newTestRaft(t, 2, three, checkQuorumOn), newTestRaft(t, 3, three, checkQuorumOn)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.isolate(3)
	propose(t, a, "x")
	net.run()
	if err := a.TransferLeadership(3); err != nil {
		t.Fatal(err)
	}
	term := a.term
	for tick := 1; tick < a.electionMax; tick++ {
		net.tickRun(1, 1, 2)
		if a.transferee != 3 {
			t.Fatalf("transfer ended after %d ticks: transferee %d", tick, a.transferee)
		}
		if _, _, err := a.Propose([]byte("x")); !errors.Is(err, ErrTransferring) {
			t.Fatalf("proposal at tick %d: %v", tick, err)
		}
	}
	net.tickRun(1, 1, 2)
	if a.transferee != None || a.role != RoleLeader || a.term != term {
		t.Fatalf("after an election timeout: transferee %d, %s at term %d", a.transferee, a.role, a.term)
	}
	if want := "1 aborted transfer to 3: not done within an election timeout (20 ticks)"; !slices.Contains(evs, want) {
		t.Fatalf("events %q lack %q", evs, want)
	}
	for _, e := range evs {
		if strings.Contains(e, "sent TimeoutNow") {
			t.Fatalf("TimeoutNow sent to a target that never caught up: %q", e)
		}
	}
	i := propose(t, a, "after")
	net.run()
	if a.log.committed != i {
		t.Fatalf("commit %d, want %d", a.log.committed, i)
	}
}

// The disruptive removed server (thesis §4.2.3): node 3, cut off while it
// was removed, never learns it and keeps campaigning with its old
// configuration. With PreVote (its log is behind) or CheckQuorum (the
// voters' lease) it cannot depose the leader; with neither, its vote
// requests at ever higher terms do.
func TestDisruptiveRemovedServer(t *testing.T) {
	for _, tt := range []struct {
		name    string
		opts    []func(*Config)
		deposed bool
	}{
		{"neither", nil, true},
		{"prevote", []func(*Config){preVoteOn}, false},
		{"checkquorum", []func(*Config){checkQuorumOn}, false},
		{"both", []func(*Config){preVoteOn, checkQuorumOn}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			net, rs := newCluster(t, 3, tt.opts...)
			a, b, c := rs[0], rs[1], rs[2]
			net.isolate(3)
			proposeConf(t, a, ConfRemove, 3)
			propose(t, a, "x")
			net.run()
			clear(net.cut)
			if !c.isVoter(3) || !a.conf.Equal(mem(1, 2)) {
				t.Fatalf("node 3 knows %s, leader %s", c.conf, a.conf)
			}
			term := a.term
			net.seen = nil
			deposed, campaigns := false, 0
			for range 6 * c.electionMax {
				net.tickRun(1)
				deposed = deposed || a.role != RoleLeader || a.term != term
				if c.role == RoleLeader {
					t.Fatalf("removed node with a stale log elected at term %d", c.term)
				}
			}
			for _, m := range net.seen {
				if m.From == 3 && m.To == 1 && (m.Type == MsgVote || m.Type == MsgPreVote) {
					campaigns++
				}
			}
			if campaigns < 2 {
				t.Fatalf("removed node campaigned %d times", campaigns)
			}
			if deposed != tt.deposed {
				t.Fatalf("leader deposed: %v, want %v (now %s at term %d, node 3 at term %d)", deposed, tt.deposed, a.role, a.term, c.term)
			}
			if !tt.deposed && b.term != term {
				t.Fatalf("node 2 moved from term %d to %d", term, b.term)
			}
			// Either way, 1 and 2 have a leader of their configuration.
			net.waitFor(10*a.electionMax, "a leader among 1 and 2", func() bool {
				return (a.role == RoleLeader && a.term >= b.term) || (b.role == RoleLeader && b.term >= a.term)
			})
		})
	}
}

// A leader answers appends' and heartbeats' acknowledgements from a node
// outside its configuration with ErrUnknownPeer, and changes nothing.
func TestLeaderRefusesAnswersFromNonMembers(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	proposeConf(t, a, ConfRemove, 3)
	net.run()
	if err := a.ReadIndex([]byte("r")); err != nil {
		t.Fatal(err)
	}
	for _, from := range []uint64{3, 9} {
		for _, m := range []Message{
			{Type: MsgAppResp, From: from, To: 1, Term: a.term, Index: a.log.lastIndex()},
			{Type: MsgAppResp, From: from, To: 1, Term: a.term, Index: 1, Reject: true, RejectHint: 0},
			{Type: MsgHeartbeatResp, From: from, To: 1, Term: a.term},
			{Type: MsgHeartbeatResp, From: from, To: 1, Term: a.term, Context: []byte("r")},
		} {
			before := fingerprint(a)
			reads := len(a.reads)
			if err := a.Step(m); !errors.Is(err, ErrUnknownPeer) || !strings.Contains(err.Error(), "not a member (voters 1,2)") {
				t.Errorf("Step(%s): %v, want ErrUnknownPeer", DescribeMessage(m), err)
			}
			if after := fingerprint(a); after != before || len(a.reads) != reads || a.prs[from] != nil {
				t.Errorf("Step(%s) changed the leader:\n%s\n%s", DescribeMessage(m), before, after)
			}
		}
	}
	// The same answers through the network: refused, not fatal.
	net.tolerate = ErrUnknownPeer
	net.run(Message{Type: MsgHeartbeatResp, From: 3, To: 1, Term: a.term})
	if len(net.refused) != 1 || a.role != RoleLeader {
		t.Fatalf("refused %v; leader %s", net.refused, a.role)
	}
}

// The refusals that pass by themselves say so to errors.Is, keeping the
// ErrConfChange text.
func TestConfRefusalsCarryTheirReason(t *testing.T) {
	e := confRefusal(ErrLearnerBehind, "learner %d is far behind", 4)
	if !errors.Is(e, ErrConfChange) || !errors.Is(e, ErrLearnerBehind) || errors.Is(e, ErrLeaderNotReady) {
		t.Fatalf("errors.Is on %v", e)
	}
	if e.Error() != "raft: membership change refused: learner 4 is far behind" {
		t.Fatalf("text %q", e.Error())
	}
}

// A follower that takes several configuration entries in one append tells
// each change with its own entry, in order (one event summing them up
// named only the last entry: "added 8 as learner, added 7 as voter, entry
// 4006" for a promotion made at 3552).
func TestConfEntriesInOneAppendToldOneByOne(t *testing.T) {
	var evs []string
	r := newTestRaft(t, 2, three, events(&evs))
	ents := []Entry{
		{Index: 1, Term: 1, Type: EntryConfig, Data: EncodeMembership(mem(1, 2, 3, 0, 4))},
		{Index: 2, Term: 1, Type: EntryNormal, Data: []byte("x")},
		{Index: 3, Term: 1, Type: EntryConfig, Data: EncodeMembership(mem(1, 2, 3, 4))},
	}
	if err := r.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 1, Index: 0, LogTerm: 0, Entries: ents}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if strings.Contains(e, "membership now") {
			got = append(got, e)
		}
	}
	want := []string{
		"2 membership now voters 1,2,3 learners 4 (added 4 as learner, entry 1)",
		"2 membership now voters 1,2,3,4 (promoted 4, entry 3)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q\nwant %q", got, want)
	}
	if !r.conf.Equal(mem(1, 2, 3, 4)) || r.confIndex != 3 {
		t.Fatalf("in force: %s@%d, want the newest", r.conf, r.confIndex)
	}
}

// A candidate's Tally says whether a TimeoutNow started its election (a
// leadership transfer) or its timer did.
func TestTallySaysATransferStartedTheElection(t *testing.T) {
	net, rs := newCluster(t, 3)
	a, c := rs[0], rs[2]
	net.run()
	if a.role != RoleLeader {
		t.Fatalf("node 1 is %s", a.role)
	}
	net.isolate(1) // the vote requests go nowhere: 3 stays a candidate
	step(t, c, Message{Type: MsgTimeoutNow, From: 1, To: 3, Term: a.term})
	if tl := c.Status().Tally; c.role != RoleCandidate || tl == nil || !tl.Transfer {
		t.Fatalf("after TimeoutNow: %s, tally %+v; want a candidate by transfer", c.role, tl)
	}
	step(t, c, Message{Type: MsgHup}) // its timer, this time
	if tl := c.Status().Tally; c.role != RoleCandidate || tl == nil || tl.Transfer {
		t.Fatalf("after its timer fired: %s, tally %+v; want a candidate by its timer", c.role, tl)
	}
}

// CheckConfChange answers what ProposeConfChange would, and changes
// nothing: a caller asks it before it starts a joining node.
func TestCheckConfChangeAnswersAsProposeWould(t *testing.T) {
	for _, tc := range []struct {
		name string
		on   uint64 // the node asked
		cc   ConfChange
	}{
		{"add a learner", 1, ConfChange{Op: ConfAddLearner, Node: 4}},
		{"add a member", 1, ConfChange{Op: ConfAddLearner, Node: 2}},
		{"promote a voter", 1, ConfChange{Op: ConfPromote, Node: 3}},
		{"remove a stranger", 1, ConfChange{Op: ConfRemove, Node: 9}},
		{"remove a voter", 1, ConfChange{Op: ConfRemove, Node: 3}},
		{"ask a follower", 2, ConfChange{Op: ConfAddLearner, Node: 4}},
	} {
		_, rs := newCluster(t, 3)
		r := rs[tc.on-1]
		before := fingerprint(r)
		cerr := r.CheckConfChange(tc.cc)
		if after := fingerprint(r); after != before {
			t.Fatalf("%s: the check changed node %d:\n%s\n%s", tc.name, tc.on, before, after)
		}
		_, _, perr := r.ProposeConfChange(tc.cc)
		if (cerr == nil) != (perr == nil) || cerr != nil && cerr.Error() != perr.Error() {
			t.Errorf("%s: check said %v, propose %v", tc.name, cerr, perr)
		}
	}
	// A leader not ready yet, and one handing over leadership.
	r := newTestRaft(t, 1, three)
	r.becomeCandidate()
	r.becomeLeader()
	if err := r.CheckConfChange(ConfChange{Op: ConfAddLearner, Node: 4}); !errors.Is(err, ErrLeaderNotReady) {
		t.Errorf("check on a leader that has not committed in its term: %v", err)
	}
	net, rs := newCluster(t, 3)
	net.isolate(3)
	if err := rs[0].TransferLeadership(3); err != nil {
		t.Fatal(err)
	}
	if err := rs[0].CheckConfChange(ConfChange{Op: ConfAddLearner, Node: 4}); !errors.Is(err, ErrTransferring) {
		t.Errorf("check during a transfer: %v", err)
	}
}
