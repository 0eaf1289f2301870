package raft

import (
	"errors"
	"testing"
)

func readStates(r *Raft) []ReadState {
	rd := r.Ready()
	r.Advance(rd)
	return rd.ReadStates
}

func TestReadIndex(t *testing.T) {
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	if err := b.ReadIndex([]byte("x")); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("ReadIndex with no leader: %v", err)
	}
	if err := a.ReadIndex(nil); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("ReadIndex without context: %v", err)
	}
	net.elect(a)
	if _, _, err := a.Propose([]byte("w")); err != nil {
		t.Fatal(err)
	}
	net.run()

	// On the leader: confirmed by a heartbeat round, at the commit index.
	net.isolate(2)
	net.isolate(3)
	if err := a.ReadIndex([]byte("r1")); err != nil {
		t.Fatal(err)
	}
	net.run()
	if rs := net.reads[1]; len(rs) != 0 {
		t.Fatalf("read confirmed without a majority: %v", rs)
	}
	clear(net.cut)
	if err := a.ReadIndex([]byte("r2")); err != nil {
		t.Fatal(err)
	}
	net.run()
	// r2's round also confirms r1, which began before it.
	got := net.reads[1]
	if len(got) != 2 || string(got[0].Context) != "r1" || string(got[1].Context) != "r2" || got[1].Index != 2 {
		t.Fatalf("leader read states %+v, want r1 and r2 at index 2", got)
	}

	// On a follower: forwarded to the leader and answered.
	if err := b.ReadIndex([]byte("f1")); err != nil {
		t.Fatal(err)
	}
	net.run()
	if fs := net.reads[2]; len(fs) != 1 || string(fs[0].Context) != "f1" || fs[0].Index != 2 {
		t.Fatalf("follower read states %+v, want f1 at 2", fs)
	}
}

// A new leader serves reads only after committing an entry of its term.
func TestReadIndexWaitsForNoop(t *testing.T) {
	r := newTestRaft(t, 1, three, withLog(1, 1, 1), func(c *Config) { c.HardState.Commit = 1 })
	r.becomeCandidate()
	r.becomeLeader()
	drain(r)
	_ = r.ReadIndex([]byte("early"))
	if len(r.reads) != 0 || len(r.pendingReads) != 1 {
		t.Fatalf("read started before the no-op committed")
	}
	_ = r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: r.term, Index: 3})
	if len(r.reads) != 1 || r.reads[0].index != 3 {
		t.Fatalf("read not started at the no-op's commit: %+v", r.reads)
	}
	for _, m := range filterType(drain(r), MsgHeartbeat) {
		_ = r.Step(Message{Type: MsgHeartbeatResp, From: m.To, To: 1, Term: r.term, Context: m.Context})
	}
	if rs := readStates(r); len(rs) != 1 || rs[0].Index != 3 {
		t.Fatalf("read states %+v, want one at 3", rs)
	}
}

// A read whose own heartbeat round is lost is confirmed by the next regular
// heartbeats, which carry the newest waiting read.
func TestReadIndexSurvivesLostRound(t *testing.T) {
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.run()
	if err := a.ReadIndex([]byte("lost")); err != nil {
		t.Fatal(err)
	}
	drain(a) // the read's own heartbeat round never arrives
	for i := 0; i < a.heartbeat; i++ {
		a.Tick()
	}
	hbs := filterType(drain(a), MsgHeartbeat)
	if len(hbs) != 2 || len(a.reads) != 1 || string(hbs[0].Context) != string(a.reads[0].tag) {
		t.Fatalf("regular heartbeats %+v do not carry the waiting read", hbs)
	}
	_ = a.Step(Message{Type: MsgHeartbeatResp, From: hbs[0].To, To: 1, Term: a.term, Context: hbs[0].Context})
	if rs := readStates(a); len(rs) != 1 || string(rs[0].Context) != "lost" {
		t.Fatalf("read states %+v, want the lost read confirmed", rs)
	}
}

// Only the answer to a heartbeat sent after a read began confirms it
// (thesis 6.4), even when two reads share a context: each follower names
// the reads it forwards, and its names can be the leader's own. Here the
// leader's read "x" is confirmed by node 2; node 3's answer to that round
// comes late, after node 2 forwarded a read also named "x". It counted for
// the new read, and confirmed it with no heartbeat of its own answered.
func TestReadConfirmedOnlyByAnswersToItsOwnRound(t *testing.T) {
	net, rs := newCluster(t, 3)
	net.run()
	a := rs[0]
	drain(a)
	if err := a.ReadIndex([]byte("x")); err != nil {
		t.Fatal(err)
	}
	hbs := filterType(drain(a), MsgHeartbeat)
	if len(hbs) != 2 {
		t.Fatalf("the read's round: %v", hbs)
	}
	answer := func(m Message) {
		_ = a.Step(Message{Type: MsgHeartbeatResp, From: m.To, To: 1, Term: a.term, Context: m.Context})
	}
	for _, m := range hbs {
		if m.To == 2 {
			answer(m)
		}
	}
	if rs := readStates(a); len(rs) != 1 {
		t.Fatalf("the first read: %+v", rs)
	}
	if err := a.Step(Message{Type: MsgReadIndex, From: 2, To: 1, Term: a.term, Context: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	drain(a)
	for _, m := range hbs {
		if m.To == 3 {
			answer(m) // the first round's late answer
		}
	}
	if got := filterType(drain(a), MsgReadIndexResp); len(got) != 0 {
		t.Fatalf("the forwarded read was confirmed by an answer to a heartbeat sent before it began: %v", got)
	}
	if len(a.reads) != 1 {
		t.Fatalf("%d reads wait, want the forwarded one", len(a.reads))
	}
}

// A read waiting for its second voter's answer is confirmed when that
// voter is removed: the leader alone is then a majority, and its
// heartbeats go to no one, so no answer would ever come.
func TestWaitingReadConfirmedWhenTheVotersShrink(t *testing.T) {
	two := []uint64{1, 2}
	a, b := newTestRaft(t, 1, two), newTestRaft(t, 2, two)
	net := newTestNet(t, a, b)
	net.elect(a)
	net.run()
	net.isolate(2)
	if err := a.ReadIndex([]byte("r1")); err != nil {
		t.Fatal(err)
	}
	net.run()
	if len(net.reads[1]) != 0 {
		t.Fatalf("confirmed with its voter cut off: %v", net.reads[1])
	}
	if _, _, err := a.ProposeConfChange(ConfChange{Op: ConfRemove, Node: 2}); err != nil {
		t.Fatal(err)
	}
	net.run()
	if rs := net.reads[1]; len(rs) != 1 || string(rs[0].Context) != "r1" {
		t.Fatalf("after the removal, read states %v, want r1", rs)
	}
}

// A leader that handed leadership over (TimeoutNow sent) and has not yet
// heard of its successor must not confirm a read: the successor may have
// committed writes the old leader lacks.
func TestNoReadOnLeaderThatHandedOver(t *testing.T) {
	net, rs := newCluster(t, 3, preVoteOn, checkQuorumOn)
	a, b, c := rs[0], rs[1], rs[2]
	propose(t, a, "x")
	net.run()
	// 1 hears nothing from now on, but its TimeoutNow gets out.
	if err := a.TransferLeadership(3); err != nil {
		t.Fatal(err)
	}
	msgs := drain(a)
	net.isolate(1)
	for _, m := range msgs {
		if m.To == 3 {
			step(t, c, m)
		}
	}
	net.run()
	if c.role != RoleLeader || a.role != RoleLeader {
		t.Fatalf("3 %s, 1 %s", c.role, a.role)
	}
	w := propose(t, c, "w")
	net.run()
	if b.log.committed != w {
		t.Fatalf("commit %d want %d", b.log.committed, w)
	}
	// The old leader starts a read; links heal.
	if err := a.ReadIndex([]byte("stale")); err != nil {
		t.Fatal(err)
	}
	clear(net.cut)
	net.run()
	for _, rs := range net.reads[1] {
		if rs.Index < w {
			t.Fatalf("old leader confirmed read at %d, below the new leader's committed %d", rs.Index, w)
		}
	}
	if a.role != RoleFollower || a.term != c.term {
		t.Fatalf("old leader after its heartbeat round: %s at term %d, want a follower at %d", a.role, a.term, c.term)
	}
}

// A leader whose removal is pending confirms reads only with a majority of
// the new voters, not counting itself.
func TestReadOnLeaderBeingRemovedNeedsTheNewVoters(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	propose(t, a, "x")
	net.run()
	proposeConf(t, a, ConfRemove, 1)
	net.isolate(3)
	net.run()
	if err := a.ReadIndex([]byte("r")); err != nil {
		t.Fatal(err)
	}
	net.run()
	if len(net.reads[1]) != 0 {
		t.Fatalf("read confirmed by 1 and 2 alone while the voters are 2,3: %v", net.reads[1])
	}
	clear(net.cut)
	a.Tick() // a heartbeat round carrying the read
	net.run()
	if rs := net.reads[1]; len(rs) != 1 || string(rs[0].Context) != "r" {
		t.Fatalf("read states %v once 3 answers, want r", rs)
	}
}
