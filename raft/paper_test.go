package raft

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// This file tests the rules of the Raft paper's Figure 2 one by one, the
// log repair cases of Figure 7 and the commitment rule of Figure 8.

var three = []uint64{1, 2, 3}

// Figure 2, all servers: a message with a higher term makes any node a
// follower of that term.
func TestHigherTermMakesFollower(t *testing.T) {
	for _, role := range []Role{RoleFollower, RoleCandidate, RoleLeader} {
		r := newTestRaft(t, 1, three)
		switch role {
		case RoleCandidate:
			r.becomeCandidate()
		case RoleLeader:
			r.becomeCandidate()
			r.becomeLeader()
		}
		if err := r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: 5}); err != nil {
			t.Fatal(err)
		}
		if r.role != RoleFollower || r.term != 5 || r.lead != 2 || r.vote != None {
			t.Errorf("%s: after term-5 append: role %s term %d lead %d vote %d, want follower 5 2 0",
				role, r.role, r.term, r.lead, r.vote)
		}
	}
}

// Figure 2, AppendEntries receiver rule 1: reply false if term <
// currentTerm. A follower at term 5 refuses a heartbeat, an append and a
// snapshot from a leader at term 3 with a rejection carrying term 5, with
// PreVote and CheckQuorum off, and changes nothing else.
func TestStaleTermRejected(t *testing.T) {
	msgs := []Message{
		{Type: MsgHeartbeat, From: 2, To: 1, Term: 3, Commit: 1},
		{Type: MsgApp, From: 2, To: 1, Term: 3, Entries: entriesWithTerms(1, 2, 3), Commit: 2},
		{Type: MsgSnap, From: 2, To: 1, Term: 3, Snapshot: &Snapshot{Meta: SnapshotMeta{Index: 4, Term: 3, Conf: mem(1, 2, 3)}}},
	}
	for _, m := range msgs {
		var events []string
		r := newTestRaft(t, 1, three, withLog(5), func(c *Config) {
			c.OnEvent = func(e Event) { events = append(events, e.Text) }
		})
		if r.preVote || r.checkQuorum {
			t.Fatal("test needs PreVote and CheckQuorum off")
		}
		for range 3 {
			r.Tick()
		}
		if err := r.Step(m); err != nil {
			t.Fatalf("%s: %v", m.Type, err)
		}
		if r.term != 5 || r.log.lastIndex() != 0 || r.log.committed != 0 || r.lead != None ||
			r.role != RoleFollower || r.electionElapsed != 3 || r.pendingSnapshot != nil {
			t.Errorf("%s: stale message changed state: term %d last %d commit %d lead %d role %s elapsed %d",
				m.Type, r.term, r.log.lastIndex(), r.log.committed, r.lead, r.role, r.electionElapsed)
		}
		out := drain(r)
		want := Message{Type: MsgAppResp, From: 1, To: 2, Term: 5, Reject: true, Why: WhyStaleTerm}
		if len(out) != 1 || DescribeMessage(out[0]) != DescribeMessage(want) || out[0].Index != 0 {
			t.Errorf("%s at term 3: answered %v, want only %s", m.Type, out, DescribeMessage(want))
		}
		name := map[MessageType]string{MsgHeartbeat: "heartbeat", MsgApp: "append", MsgSnap: "snapshot"}[m.Type]
		if text := "1 rejected " + name + " from 2: term 3 < 5"; !slices.Contains(events, text) {
			t.Errorf("%s: events %q, want %q", m.Type, events, text)
		}
	}
}

// Figure 2, RequestVote rule 1: a vote request of a stale term is refused
// with the current term, and the candidate moves to it.
func TestStaleVoteRequestRefusedWithTerm(t *testing.T) {
	r := newTestRaft(t, 1, three, withLog(5))
	cand := newTestRaft(t, 2, three, withLog(2))
	step(t, cand, Message{Type: MsgHup})
	drain(cand)
	step(t, r, Message{Type: MsgVote, From: 2, To: 1, Term: 3})
	out := drain(r)
	want := Message{Type: MsgVoteResp, From: 1, To: 2, Term: 5, Reject: true, Why: WhyStaleTerm}
	if len(out) != 1 || DescribeMessage(out[0]) != DescribeMessage(want) || r.term != 5 || r.vote != None {
		t.Fatalf("stale vote request answered with %v (term %d vote %d), want only %s", out, r.term, r.vote, DescribeMessage(want))
	}
	step(t, cand, out[0])
	if cand.role != RoleFollower || cand.term != 5 {
		t.Fatalf("candidate after the refusal: %s at term %d, want follower at 5", cand.role, cand.term)
	}
	if lv := r.Status().LastVote; lv.Candidate != 2 || lv.Granted || lv.Why != WhyStaleTerm {
		t.Fatalf("last vote %+v", lv)
	}
}

// Figure 2, all servers: a stale leader hearing that refusal moves to the
// higher term and becomes a follower, and an event says so.
func TestStaleLeaderStepsDownOnRejection(t *testing.T) {
	var events []string
	r := newTestRaft(t, 1, three, withLog(2), func(c *Config) {
		c.OnEvent = func(e Event) { events = append(events, e.Text) }
	})
	r.becomeCandidate() // term 3
	r.becomeLeader()
	drain(r)
	if err := r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 5, Reject: true}); err != nil {
		t.Fatal(err)
	}
	if r.role != RoleFollower || r.term != 5 || r.lead != None || r.vote != None || r.prs != nil {
		t.Fatalf("stale leader after a term-5 refusal: %s term %d lead %d vote %d", r.role, r.term, r.lead, r.vote)
	}
	if hs := r.Ready().HardState; hs.Term != 5 || hs.Vote != None {
		t.Fatalf("new term not in the next Ready: %+v", hs)
	}
	for _, w := range []string{
		"1 stepped down at term 3: 2 is at the higher term 5",
		"1 became follower at term 5",
		"1 moved to term 5 (from 3) on MsgAppResp from 2",
	} {
		if !slices.Contains(events, w) {
			t.Errorf("missing event %q in %q", w, events)
		}
	}
}

// A refusal sent at term 5 may reach the old leader after it has itself
// been elected at term 5 (the answer crossed its election): it says nothing
// about the follower's log, so the leader ignores it.
func TestCrossedStaleRejectionIgnored(t *testing.T) {
	r := newTestRaft(t, 1, three, withLog(4))
	r.becomeCandidate() // term 5
	r.becomeLeader()
	r.bcastAppend()
	drain(r)
	pr := r.prs[2]
	if pr.state != stateProbe || pr.next != 1 || !pr.probeSent {
		t.Fatalf("progress of 2: %+v, want a probe out at next 1", pr)
	}
	if err := r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 5, Reject: true}); err != nil {
		t.Fatal(err)
	}
	if r.role != RoleLeader || pr.next != 1 || !pr.probeSent || pr.state != stateProbe {
		t.Fatalf("after a crossed refusal: %s, progress %+v", r.role, pr)
	}
	if msgs := drain(r); len(msgs) != 0 {
		t.Fatalf("crossed refusal answered with %v", msgs)
	}
}

// A leader cut off while the others elected a new one steps down at its
// first heartbeat after the partition heals, before any election timer
// fires, with PreVote and CheckQuorum off. (Before the refusals carried the
// term, the followers dropped its heartbeats and it stayed leader until one
// of them timed out.)
func TestStaleLeaderStepsDownAtFirstHeartbeat(t *testing.T) {
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.isolate(1)
	net.elect(b) // term 2, with 3's vote
	clear(net.cut)
	a.Tick() // a heartbeat at term 1
	net.run()
	if a.role != RoleFollower || a.term != 2 {
		t.Fatalf("stale leader after one heartbeat round: %s at term %d, want follower at 2", a.role, a.term)
	}
	if b.role != RoleLeader || b.term != 2 || c.term != 2 {
		t.Fatalf("new leader disturbed: %s at term %d, node 3 at term %d", b.role, b.term, c.term)
	}
	b.Tick()
	net.run()
	if a.lead != 2 || a.log.committed != b.log.committed {
		t.Fatalf("old leader follows %d with commit %d, want 2 with %d", a.lead, a.log.committed, b.log.committed)
	}
}

// The refusal tells only the node it answers: nodes that never heard the
// higher term may still elect a leader below it, and that leader is deposed
// the same way at its first append. Once a majority holds the higher term,
// no lower one can win, so this ends after a few elections.
func TestLowerTermLeaderDeposedAtFirstAppend(t *testing.T) {
	five := []uint64{1, 2, 3, 4, 5}
	var rs []*Raft
	for id := range uint64(5) {
		rs = append(rs, newTestRaft(t, id+1, five))
	}
	net := newTestNet(t, rs...)
	net.elect(rs[0]) // term 1
	net.isolate(5)
	for range 2 {
		_ = rs[4].Step(Message{Type: MsgHup}) // alone from term 1 up to 3
	}
	net.run()
	clear(net.cut)
	rs[0].Tick() // heartbeat at term 1: 5 refuses, 1 steps down at term 3
	net.run()
	if rs[0].role != RoleFollower || rs[0].term != 3 || rs[1].term != 1 {
		t.Fatalf("after the heartbeat: node 1 %s at term %d, node 2 at term %d", rs[0].role, rs[0].term, rs[1].term)
	}
	// 2, 3 and 4 are still at term 1: 2 wins term 2 (its vote requests to 1
	// and 5 are lost: their refusals would have told it term 3 already),
	// and its first heartbeat to 1 and 5 brings it the refusals that depose
	// it.
	net.cut[[2]uint64{2, 1}], net.cut[[2]uint64{2, 5}] = true, true
	_ = rs[1].Step(Message{Type: MsgHup})
	net.run()
	led := rs[1].role == RoleLeader && rs[1].term == 2
	clear(net.cut)
	rs[1].Tick()
	net.run()
	if !led || rs[1].role != RoleFollower || rs[1].term != 3 {
		t.Fatalf("node 2: led term 2 %v, now %s at term %d, want deposed to term 3", led, rs[1].role, rs[1].term)
	}
	// 1, 2 and 5 now hold term 3: the next leader is of term 3 or more.
	net.elect(rs[2])
	for _, r := range rs {
		if r.term != 3 || r.lead != 3 {
			t.Errorf("node %d: term %d leader %d, want term 3 leader 3", r.id, r.term, r.lead)
		}
	}
}

func TestStartAsFollower(t *testing.T) {
	r := newTestRaft(t, 1, three)
	if r.role != RoleFollower || r.term != 0 {
		t.Fatalf("new node is %s at term %d", r.role, r.term)
	}
}

// Followers: with no leader heard for an election timeout, start an
// election: bump the term, vote for self, ask every peer.
func TestElectionTimeoutStartsElection(t *testing.T) {
	r := newTestRaft(t, 1, three)
	for range r.electionTimeout {
		r.Tick()
	}
	if r.role != RoleCandidate || r.term != 1 || r.vote != 1 {
		t.Fatalf("after timeout: %s term %d vote %d", r.role, r.term, r.vote)
	}
	rd := r.Ready()
	if rd.HardState.Vote != 1 || rd.HardState.Term != 1 {
		t.Fatalf("vote not in the same Ready as the requests: %+v", rd.HardState)
	}
	votes := filterType(rd.Messages, MsgVote)
	if len(votes) != 2 {
		t.Fatalf("sent %d vote requests, want 2", len(votes))
	}
	// A candidate whose election times out starts a new one.
	r.Advance(rd)
	for range r.electionTimeout {
		r.Tick()
	}
	if r.role != RoleCandidate || r.term != 2 {
		t.Fatalf("after second timeout: %s term %d", r.role, r.term)
	}
}

// The election timeout is drawn from [min, max] and differs across nodes.
func TestElectionTimeoutRandomized(t *testing.T) {
	seen := map[int]bool{}
	for seed := range uint64(200) {
		r := newTestRaft(t, 1, three, func(c *Config) { c.Seed = seed })
		for range 5 {
			r.becomeFollower(r.term+1, None)
			if to := r.electionTimeout; to < 10 || to > 20 {
				t.Fatalf("timeout %d outside [10, 20]", to)
			}
			seen[r.electionTimeout] = true
		}
	}
	if len(seen) != 11 {
		t.Fatalf("drew %d distinct timeouts, want all 11 of [10, 20]", len(seen))
	}
}

// Candidates: win with a majority of votes, lose with a majority of
// rejections, wait otherwise.
func TestElectionTally(t *testing.T) {
	tests := []struct {
		n             int
		grant, reject int
		want          Role
	}{
		{1, 0, 0, RoleLeader},
		{3, 1, 0, RoleLeader},
		{3, 0, 1, RoleCandidate},
		{3, 0, 2, RoleFollower},
		{5, 1, 1, RoleCandidate},
		{5, 2, 0, RoleLeader},
		{5, 0, 3, RoleFollower},
		{7, 3, 3, RoleLeader},
		{7, 2, 3, RoleCandidate},
	}
	for _, tt := range tests {
		var peers []uint64
		for i := range tt.n {
			peers = append(peers, uint64(i+1))
		}
		r := newTestRaft(t, 1, peers)
		_ = r.Step(Message{Type: MsgHup})
		from := uint64(2)
		for range tt.grant {
			_ = r.Step(Message{Type: MsgVoteResp, From: from, To: 1, Term: r.term})
			from++
		}
		for range tt.reject {
			_ = r.Step(Message{Type: MsgVoteResp, From: from, To: 1, Term: r.term, Reject: true})
			from++
		}
		if r.role != tt.want {
			t.Errorf("n=%d grant=%d reject=%d: %s, want %s", tt.n, tt.grant, tt.reject, r.role, tt.want)
		}
	}
}

// Followers: one vote per term, first come first served; the same
// candidate asking again gets the same answer.
func TestOneVotePerTerm(t *testing.T) {
	tests := []struct {
		vote, from uint64
		reject     bool
	}{
		{None, 2, false},
		{2, 2, false},
		{3, 2, true},
	}
	for _, tt := range tests {
		r := newTestRaft(t, 1, three, func(c *Config) { c.HardState = HardState{Term: 1, Vote: tt.vote} })
		_ = r.Step(Message{Type: MsgVote, From: tt.from, To: 1, Term: 1})
		rd := r.Ready()
		resp := filterType(rd.Messages, MsgVoteResp)
		if len(resp) != 1 || resp[0].Reject != tt.reject {
			t.Errorf("vote=%d from=%d: %v, want reject=%v", tt.vote, tt.from, resp, tt.reject)
		}
		if !tt.reject && tt.vote == None && rd.HardState.Vote != tt.from {
			t.Errorf("grant not persisted in the same Ready: %+v", rd.HardState)
		}
	}
}

// Candidates: an append from a leader of the same term makes them follow it.
func TestCandidateFallsBack(t *testing.T) {
	r := newTestRaft(t, 1, three)
	_ = r.Step(Message{Type: MsgHup})
	if err := r.Step(Message{Type: MsgApp, From: 2, To: 1, Term: r.term}); err != nil {
		t.Fatal(err)
	}
	if r.role != RoleFollower || r.lead != 2 || r.term != 1 {
		t.Fatalf("after same-term append: %s lead %d term %d", r.role, r.lead, r.term)
	}
}

// Election restriction (§5.4.1): a vote goes only to a candidate whose log
// is at least as up to date (last term, then last index).
func TestVoteRequiresUpToDateLog(t *testing.T) {
	tests := []struct {
		index, logTerm uint64
		reject         bool
	}{
		// The voter's log ends at 2@2 ... terms [1, 2].
		{1, 1, true},
		{2, 1, true},
		{3, 1, true},
		{1, 2, true},
		{2, 2, false},
		{3, 2, false},
		{1, 3, false},
	}
	for _, tt := range tests {
		r := newTestRaft(t, 1, three, withLog(2, 1, 2))
		_ = r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 3, Index: tt.index, LogTerm: tt.logTerm})
		resp := filterType(drain(r), MsgVoteResp)
		if len(resp) != 1 || resp[0].Reject != tt.reject {
			t.Errorf("candidate log %d@%d: %v, want reject=%v", tt.index, tt.logTerm, resp, tt.reject)
		}
		if r.term != 3 {
			t.Errorf("voter did not move to term 3")
		}
	}
}

// Leaders: on election, append a no-op of the new term and send it; send
// heartbeats every HeartbeatTick.
func TestLeaderNoopAndHeartbeat(t *testing.T) {
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	for _, r := range []*Raft{a, b, c} {
		ents := r.Entries(1, 2)
		if len(ents) != 1 || ents[0].Type != EntryNoop || ents[0].Term != 1 || r.log.committed != 1 {
			t.Errorf("node %d: log %v commit %d, want committed no-op 1@1", r.id, ents, r.log.committed)
		}
	}
	a.Tick()
	beats := filterType(drain(a), MsgHeartbeat)
	if len(beats) != 2 {
		t.Fatalf("leader sent %d heartbeats after HeartbeatTick, want 2", len(beats))
	}
	for _, m := range beats {
		if m.Commit != 1 {
			t.Errorf("heartbeat commit %d, want min(commit, match) = 1", m.Commit)
		}
	}
}

// Leaders: a proposal is appended and replicated; once a majority holds it
// it is committed, and followers learn the commit index.
func TestReplicationAndCommit(t *testing.T) {
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.isolate(3)
	idx, term, err := a.Propose([]byte("x"))
	if err != nil || idx != 2 || term != 1 {
		t.Fatalf("Propose: %d %d %v", idx, term, err)
	}
	net.run()
	if a.log.committed != 2 || b.log.committed != 2 {
		t.Fatalf("commit a=%d b=%d, want 2 with a majority of 1 and 2", a.log.committed, b.log.committed)
	}
	if c.log.lastIndex() != 1 {
		t.Fatalf("isolated node got entries")
	}
	_, _, err = b.Propose([]byte("y"))
	var nle *NotLeaderError
	if !errors.Is(err, ErrNotLeader) || !errors.As(err, &nle) || nle.Leader != 1 {
		t.Fatalf("Propose on follower: %v, want NotLeaderError{Leader: 1}", err)
	}
}

// The leader's own entry counts toward commit only once persisted.
func TestLeaderCountsItselfOnlyWhenPersisted(t *testing.T) {
	r := newTestRaft(t, 1, []uint64{1})
	_ = r.Step(Message{Type: MsgHup})
	rd := r.Ready()
	if r.role != RoleLeader || r.log.committed != 0 {
		t.Fatalf("single node: %s commit %d before persisting its no-op", r.role, r.log.committed)
	}
	r.Advance(rd)
	if r.log.committed != 1 {
		t.Fatalf("commit %d after Advance, want 1", r.log.committed)
	}
	rd = r.Ready()
	if len(rd.Committed) != 1 || rd.HardState.Commit != 1 {
		t.Fatalf("next Ready: committed %v hard state %+v", rd.Committed, rd.HardState)
	}
}

// Followers: the consistency check on prevLogIndex/prevLogTerm.
func TestFollowerConsistencyCheck(t *testing.T) {
	tests := []struct {
		index, logTerm uint64
		reject         bool
		hint           uint64
	}{
		{0, 0, false, 0},
		{2, 2, false, 0},
		{2, 1, true, 1}, // entry 2 has term 2 > 1: hint the last index with term <= 1
		{3, 3, true, 2}, // beyond the log: hint its end
		{5, 2, true, 2},
	}
	for _, tt := range tests {
		r := newTestRaft(t, 2, three, withLog(2, 1, 2))
		_ = r.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: tt.index, LogTerm: tt.logTerm})
		resp := filterType(drain(r), MsgAppResp)
		if len(resp) != 1 || resp[0].Reject != tt.reject || (tt.reject && resp[0].RejectHint != tt.hint) {
			t.Errorf("append after %d@%d: %+v, want reject=%v hint=%d", tt.index, tt.logTerm, resp, tt.reject, tt.hint)
		}
	}
}

// Followers: conflicting entries are deleted, new ones appended, and the
// commit index follows the leader's but never beyond the new entries.
func TestFollowerAppend(t *testing.T) {
	tests := []struct {
		index, logTerm uint64
		ents           []Entry
		commit         uint64
		wantTerms      []uint64
		wantCommit     uint64
	}{
		{2, 2, entriesWithTerms(3, 3), 3, []uint64{1, 2, 3}, 3},
		{1, 1, entriesWithTerms(2, 3, 4), 5, []uint64{1, 3, 4}, 3},
		{0, 0, entriesWithTerms(1, 1), 1, []uint64{1, 2}, 1},
		{0, 0, entriesWithTerms(1, 3), 0, []uint64{3}, 0},
		{1, 1, nil, 9, []uint64{1, 2}, 1},
	}
	for i, tt := range tests {
		r := newTestRaft(t, 2, three, withLog(2, 1, 2))
		err := r.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 4, Index: tt.index, LogTerm: tt.logTerm, Entries: tt.ents, Commit: tt.commit})
		if err != nil {
			t.Fatal(err)
		}
		if got := logTerms(r); !slices.Equal(got, tt.wantTerms) || r.log.committed != tt.wantCommit {
			t.Errorf("case %d: log %v commit %d, want %v commit %d", i, got, r.log.committed, tt.wantTerms, tt.wantCommit)
		}
	}
}

// Figure 7: a leader at term 8 repairs each follower (a)-(f) of the paper,
// in a few round trips thanks to the conflict hint.
func TestFigure7Repair(t *testing.T) {
	leaderLog := []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}
	followers := map[string][]uint64{
		"a": {1, 1, 1, 4, 4, 5, 5, 6, 6},
		"b": {1, 1, 1, 4},
		"c": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
		"d": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},
		"e": {1, 1, 1, 4, 4, 4, 4},
		"f": {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},
	}
	for name, flog := range followers {
		lead := newTestRaft(t, 1, three, withLog(7, leaderLog...))
		f := newTestRaft(t, 2, three, withLog(flog[len(flog)-1], flog...))
		other := newTestRaft(t, 3, three)
		lead.becomeCandidate() // term 8
		lead.becomeLeader()
		lead.bcastAppend()
		net := newTestNet(t, lead, f, other)
		net.isolate(3)
		net.run()
		want := append(slices.Clone(leaderLog), 8)
		if got := logTerms(f); !slices.Equal(got, want) {
			t.Errorf("follower %s: log %v, want %v", name, got, want)
		}
		if lead.log.committed != 11 {
			t.Errorf("follower %s: leader commit %d, want 11", name, lead.log.committed)
		}
		rejects := 0
		for _, m := range net.seen {
			if m.Type == MsgAppResp && m.Reject {
				rejects++
			}
		}
		if rejects > 2 {
			t.Errorf("follower %s: repaired after %d rejections, want <= 2", name, rejects)
		}
	}
}

// Figure 8: a leader must not commit an entry of an earlier term by
// counting replicas; it commits it only with an entry of its own term.
func TestFigure8CommitRule(t *testing.T) {
	five := []uint64{1, 2, 3, 4, 5}
	// S1 led term 2 and wrote 2@2; it is leader again at term 4.
	s1 := newTestRaft(t, 1, five, withLog(3, 1, 2))
	s1.becomeCandidate()
	s1.becomeLeader() // term 4, no-op at index 3
	drain(s1)
	// S2 and S3 acknowledge index 2 only (the no-op did not reach them yet):
	// 2@2 is now on a majority, but it is of an earlier term.
	for _, id := range []uint64{2, 3} {
		s1.prs[id].becomeProbe()
		s1.prs[id].next = 2
		if err := s1.Step(Message{Type: MsgAppResp, From: id, To: 1, Term: 4, Index: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if s1.log.committed != 0 {
		t.Fatalf("committed %d: an entry of term 2 was committed by counting replicas at term 4", s1.log.committed)
	}
	// S5 (log ending 2@3) could still be elected by S2, S3, S4 and overwrite
	// index 2: that is why. Once the no-op 3@4 is on a majority, 2@2 commits
	// with it.
	for _, id := range []uint64{2, 3} {
		_ = s1.Step(Message{Type: MsgAppResp, From: id, To: 1, Term: 4, Index: 3})
	}
	if s1.log.committed != 3 {
		t.Fatalf("committed %d after 3@4 reached a majority, want 3", s1.log.committed)
	}
	// And S5's claim is now refused by a node holding 3@4.
	s2 := newTestRaft(t, 2, five, withLog(4, 1, 2, 4))
	_ = s2.Step(Message{Type: MsgVote, From: 5, To: 2, Term: 5, Index: 2, LogTerm: 3})
	if resp := filterType(drain(s2), MsgVoteResp); len(resp) != 1 || !resp[0].Reject {
		t.Fatalf("S2 granted S5 a vote over a log with 3@4: %v", resp)
	}
}

// Figure 2, followers: only an append from the leader or a granted vote
// restarts the election timer. A higher term in a vote request that is
// refused (stale log) does not, so a node that cannot win cannot keep the
// others from timing out.
func TestRefusedVoteKeepsTimer(t *testing.T) {
	r := newTestRaft(t, 1, three, withLog(1, 1))
	for range 5 {
		r.Tick()
	}
	_ = r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 2, Index: 0, LogTerm: 0})
	if r.term != 2 || r.vote != None || r.electionElapsed != 5 {
		t.Fatalf("after refusing a stale candidate: term %d vote %d elapsed %d, want 2 0 5", r.term, r.vote, r.electionElapsed)
	}
	_ = r.Step(Message{Type: MsgVote, From: 3, To: 1, Term: 3, Index: 1, LogTerm: 1})
	if r.term != 3 || r.vote != 3 || r.electionElapsed != 0 {
		t.Fatalf("after granting: term %d vote %d elapsed %d, want 3 3 0", r.term, r.vote, r.electionElapsed)
	}
}

// Every rejection says why, for traces and explanations: the protocol
// itself never reads it.
func TestRejectionsSayWhy(t *testing.T) {
	answer := func(r *Raft, m Message) Message {
		t.Helper()
		if err := r.Step(m); err != nil {
			t.Fatal(err)
		}
		out := drain(r)
		if len(out) != 1 || !out[0].Reject {
			t.Fatalf("%s: answered %v, want one rejection", m.Type, out)
		}
		return out[0]
	}
	// Stale term: an append from term 3 at a node of term 5.
	r := newTestRaft(t, 1, three, withLog(5))
	if got := answer(r, Message{Type: MsgHeartbeat, From: 2, To: 1, Term: 3}); got.Why != WhyStaleTerm {
		t.Errorf("stale heartbeat: why %v", got.Why)
	}
	// Log behind: a candidate whose log ends before ours.
	r = newTestRaft(t, 1, three, withLog(5, 1, 5))
	if got := answer(r, Message{Type: MsgVote, From: 2, To: 1, Term: 6, Index: 0, LogTerm: 0}); got.Why != WhyLogBehind {
		t.Errorf("vote for a stale log: why %v", got.Why)
	}
	// Already voted: a second candidate in the same term.
	r = newTestRaft(t, 1, three)
	if err := r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 2}); err != nil {
		t.Fatal(err)
	}
	drain(r)
	if got := answer(r, Message{Type: MsgVote, From: 3, To: 1, Term: 2}); got.Why != WhyVoted {
		t.Errorf("second vote in a term: why %v", got.Why)
	}
	// Log mismatch: an append whose previous entry the follower lacks.
	r = newTestRaft(t, 1, three)
	if got := answer(r, Message{Type: MsgApp, From: 2, To: 1, Term: 1, Index: 4, LogTerm: 1}); got.Why != WhyLogMismatch {
		t.Errorf("append after a gap: why %v", got.Why)
	}
	if !strings.Contains(DescribeMessage(Message{Type: MsgVoteResp, From: 1, To: 2, Term: 2, Reject: true, Why: WhyVoted}), "(already voted)") {
		t.Error("DescribeMessage does not give the reason")
	}
}

// The explanations' facts: a candidate's tally with the reasons of the
// refusals, the leader's quorum index and the term rule that holds it back,
// a follower's overwritten entries (Figure 7), and the last vote decided.
func TestStatusExplainsDecisions(t *testing.T) {
	// A candidate at term 2 (node 1 of 3) with one refusal: log behind.
	r := newTestRaft(t, 1, three)
	r.Step(Message{Type: MsgHup})
	drain(r)
	r.Step(Message{Type: MsgVoteResp, From: 2, To: 1, Term: 1, Reject: true, Why: WhyLogBehind})
	st := r.Status()
	if st.Tally == nil || st.Tally.Needed != 2 || len(st.Tally.Granted) != 1 || st.Tally.Granted[0] != 1 ||
		st.Tally.Refused[2] != WhyLogBehind || len(st.Tally.Pending) != 1 || st.Tally.Pending[0] != 3 {
		t.Fatalf("tally %+v", st.Tally)
	}
	// The voter's side: node 2 with a longer log refuses node 3.
	v := newTestRaft(t, 2, three, withLog(1, 1, 1))
	v.Step(Message{Type: MsgVote, From: 3, To: 2, Term: 2, Index: 1, LogTerm: 1})
	if lv := v.Status().LastVote; lv.Candidate != 3 || lv.Granted || lv.Why != WhyLogBehind || lv.MyIndex != 2 || lv.CandIndex != 1 {
		t.Fatalf("last vote %+v", lv)
	}
	// A follower's entries of term 2 replaced by the leader's of term 3.
	var events []string
	f := newTestRaft(t, 2, three, withLog(2, 1, 2, 2), func(c *Config) { c.OnEvent = func(e Event) { events = append(events, e.Text) } })
	f.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 1, LogTerm: 1, Entries: entriesWithTerms(2, 3, 3)})
	if !slices.Contains(events, "2 replaced entries 2..3 (terms 2,2) with the leader's (terms 3,3)") {
		t.Fatalf("events %q", events)
	}
	// One entry is named in the singular.
	events = nil
	f = newTestRaft(t, 2, three, withLog(2, 1, 1, 2), func(c *Config) { c.OnEvent = func(e Event) { events = append(events, e.Text) } })
	f.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 2, LogTerm: 1, Entries: entriesWithTerms(3, 3)})
	if !slices.Contains(events, "2 replaced entry 3 (term 2) with the leader's (term 3)") {
		t.Fatalf("events %q", events)
	}
	// Entries past the append's end go too (a conflict removes all that
	// follow it), and the event names them: a new user saw 7837 vanish
	// from every log with only 7836's replacement told.
	events = nil
	f = newTestRaft(t, 2, three, withLog(2, 1, 2, 2, 2), func(c *Config) { c.OnEvent = func(e Event) { events = append(events, e.Text) } })
	f.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 1, LogTerm: 1, Entries: entriesWithTerms(2, 3)})
	if !slices.Contains(events, "2 replaced entry 2 (term 2) with the leader's (term 3), and dropped entries 3..4 (terms 2,2) after it") {
		t.Fatalf("events %q", events)
	}
	if last := f.Status().LastIndex; last != 2 {
		t.Fatalf("last index %d after the conflict, want 2", last)
	}
}

// A follower told of a gap by several appends in a row (the leader's
// pipelined appends, sent before the first refusal reached it) refuses each
// but tells the refusal once, until an append is accepted.
func TestRepeatedRefusalToldOnce(t *testing.T) {
	var events []string // the events not marked Repeat
	all := 0            // every refusal's event
	f := newTestRaft(t, 2, three, withLog(1, 1, 1), func(c *Config) {
		c.OnEvent = func(e Event) {
			if strings.Contains(e.Text, "rejected append") {
				all++
			}
			if !e.Repeat {
				events = append(events, e.Text)
			}
		}
	})
	answer := func(r *Raft, m Message) Message {
		t.Helper()
		if err := r.Step(m); err != nil {
			t.Fatal(err)
		}
		out := drain(r)
		if len(out) != 1 {
			t.Fatalf("%s: answered %v, want one message", m.Type, out)
		}
		return out[0]
	}
	refusals := 0
	for i := uint64(5); i <= 9; i++ {
		got := answer(f, Message{Type: MsgApp, From: 1, To: 2, Term: 1, Index: i, LogTerm: 1, Entries: entriesWithTerms(i+1, 1)})
		if got.Type != MsgAppResp || !got.Reject || got.RejectHint != 2 {
			t.Fatalf("append after %d: answer %+v", i, got)
		}
		refusals++
	}
	told := func() (n int) {
		for _, e := range events {
			if strings.Contains(e, "rejected append") {
				n++
			}
		}
		return n
	}
	if n := told(); n != 1 || !slices.Contains(events, "2 rejected append from 1: no entry 5@1 (hint 2@1)") {
		t.Fatalf("%d refusals told %d times: %q", refusals, n, events)
	}
	if all != refusals {
		t.Fatalf("%d refusals, %d events in all: each must have one (the repeats marked)", refusals, all)
	}
	// The leader backs up (a probe with no entries) and the follower
	// accepts; the same gap again is told again.
	if got := answer(f, Message{Type: MsgApp, From: 1, To: 2, Term: 1, Index: 2, LogTerm: 1}); got.Reject {
		t.Fatalf("append after 2 refused: %+v", got)
	}
	answer(f, Message{Type: MsgApp, From: 1, To: 2, Term: 1, Index: 7, LogTerm: 1, Entries: entriesWithTerms(8, 1)})
	if n := told(); n != 2 || !slices.Contains(events, "2 rejected append from 1: no entry 7@1 (hint 2@1)") {
		t.Fatalf("after an accepted append, a new gap told %d times in all: %q", n, events)
	}
}

// A follower that refuses an entry it had acknowledged lost durable
// entries (its disk lied about an fsync): the leader says so once, naming
// the follower as the one that refused (the event read "1 2 refused entry
// 3", two node numbers in a row).
func TestLeaderTellsOfAFollowerThatLostAcknowledgedEntries(t *testing.T) {
	var events []string
	r := newTestRaft(t, 1, three, withLog(2, 1, 2), func(c *Config) {
		c.OnEvent = func(e Event) {
			if e.Kind == EventAppendRejected {
				events = append(events, e.Text)
			}
		}
	})
	r.becomeCandidate() // term 3
	r.becomeLeader()
	drain(r)
	last := r.log.lastIndex()
	step(t, r, Message{Type: MsgAppResp, From: 2, To: 1, Term: r.term, Index: last})
	if pr := r.prs[2]; pr.match != last {
		t.Fatalf("match of 2 is %d after its ack of %d", pr.match, last)
	}
	for range 2 {
		step(t, r, Message{Type: MsgAppResp, From: 2, To: 1, Term: r.term, Index: last, Reject: true, RejectHint: 1, Why: WhyLogMismatch})
	}
	want := fmt.Sprintf("1 was refused entry %d by 2, which had acknowledged it (match %d): node 2 lost entries it had made durable; the leader cannot go below match, and repairs it only if another leader is elected", last, last)
	if len(events) != 1 || events[0] != want {
		t.Errorf("events %q, want once %q", events, want)
	}
}

// A refusal says which rule refused: a vote given to another node of the
// term ("already voted"), or a leader followed in it with no vote given
// ("has a leader"; it said "already voted" of a node that never voted).
func TestVoteRefusalSaysWhy(t *testing.T) {
	r := newTestRaft(t, 1, three, func(c *Config) { c.HardState = HardState{Term: 1, Vote: 3} })
	_ = r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 1})
	if resp := filterType(r.Ready().Messages, MsgVoteResp); len(resp) != 1 || !resp[0].Reject || resp[0].Why != WhyVoted {
		t.Errorf("voted for 3, asked by 2: %+v, want a refusal: already voted", resp)
	}
	r = newTestRaft(t, 1, three, func(c *Config) { c.HardState = HardState{Term: 1} })
	_ = r.Step(Message{Type: MsgHeartbeat, From: 3, To: 1, Term: 1})
	r.Ready()
	_ = r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 1})
	resp := filterType(r.Ready().Messages, MsgVoteResp)
	if len(resp) != 1 || !resp[0].Reject || resp[0].Why != WhyHasLeader || resp[0].Why.String() != "has a leader" {
		t.Errorf("following 3 without a vote, asked by 2: %+v, want a refusal: has a leader", resp)
	}
	if d := r.Status().LastVote; d.Why != WhyHasLeader || d.VotedFor != 3 || !d.Following {
		t.Errorf("the decision kept for explanations: %+v", d)
	}
}
