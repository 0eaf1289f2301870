package raft

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNewRejectsBadConfig(t *testing.T) {
	good := func() Config {
		return Config{ID: 1, Peers: three, ElectionTickMin: 10, ElectionTickMax: 20, HeartbeatTick: 2}
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"zero id", func(c *Config) { c.ID = 0 }, "ID must not be 0"},
		{"id not a peer", func(c *Config) { c.ID = 4 }, "must include ID"},
		{"duplicate peer", func(c *Config) { c.Peers = []uint64{1, 2, 2} }, "listed twice"},
		{"zero peer", func(c *Config) { c.Peers = []uint64{1, 0} }, "reserved"},
		{"heartbeat 0", func(c *Config) { c.HeartbeatTick = 0 }, "heartbeat"},
		{"election <= heartbeat", func(c *Config) { c.ElectionTickMin = 2 }, "must exceed"},
		{"max < min", func(c *Config) { c.ElectionTickMax = 5 }, "below min"},
		{"negative inflight", func(c *Config) { c.MaxInflight = -1 }, "negative"},
		{"gap in entries", func(c *Config) { c.Entries = []Entry{{Index: 1, Term: 1}, {Index: 3, Term: 1}}; c.HardState.Term = 1 }, "want index 2"},
		{"entries before snapshot", func(c *Config) {
			c.Snapshot = SnapshotMeta{Index: 5, Term: 2}
			c.Entries = entriesWithTerms(5, 2)
			c.HardState.Term = 2
		}, "want index 6"},
		{"decreasing terms", func(c *Config) { c.Entries = entriesWithTerms(1, 2, 1); c.HardState.Term = 2 }, "after term"},
		{"term below log", func(c *Config) { c.Entries = entriesWithTerms(1, 3) }, "below last entry term"},
		{"commit beyond log", func(c *Config) { c.HardState.Commit = 1 }, "beyond last index"},
		{"applied beyond commit", func(c *Config) { c.Entries = entriesWithTerms(1, 1); c.HardState = HardState{Term: 1}; c.Applied = 1 }, "applied"},
	}
	for _, tt := range tests {
		cfg := good()
		tt.change(&cfg)
		_, err := New(cfg)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "raft: ") {
			t.Errorf("%s: err %v, want ErrConfig mentioning %q", tt.name, err, tt.want)
		}
	}
	if _, err := New(good()); err != nil {
		t.Fatalf("good config: %v", err)
	}
}

func TestStepRejectsBadMessages(t *testing.T) {
	r := newTestRaft(t, 1, three)
	tests := []struct {
		m    Message
		want error
	}{
		{Message{Type: 0, From: 2, To: 1, Term: 1}, ErrBadMessage},
		{Message{Type: 99, From: 2, To: 1, Term: 1}, ErrBadMessage},
		{Message{Type: MsgApp, From: 0, To: 1, Term: 1}, ErrUnknownPeer},
		{Message{Type: MsgApp, From: 1, To: 1, Term: 1}, ErrUnknownPeer},
		{Message{Type: MsgApp, From: 2, To: 3, Term: 1}, ErrBadMessage},
		{Message{Type: MsgApp, From: 2, To: 1, Term: 0}, ErrBadMessage},
		{Message{Type: MsgHup, From: 2, To: 1}, ErrBadMessage},
		{Message{Type: MsgApp, From: 2, To: 1, Term: 2, Entries: []Entry{{Index: 5, Term: 1}}}, ErrBadMessage},
		{Message{Type: MsgApp, From: 2, To: 1, Term: 2, Entries: []Entry{{Index: 1, Term: 3}}}, ErrBadMessage},
		{Message{Type: MsgApp, From: 2, To: 1, Term: 2, Index: ^uint64(0), Entries: []Entry{{Index: 0, Term: 1}}}, ErrBadMessage},
		{Message{Type: MsgSnap, From: 2, To: 1, Term: 2}, ErrBadMessage},
		{Message{Type: MsgSnap, From: 2, To: 1, Term: 2, Snapshot: &Snapshot{Meta: SnapshotMeta{Index: 3}}}, ErrBadMessage},
		{Message{Type: MsgSnap, From: 2, To: 1, Term: 2, Snapshot: &Snapshot{Meta: SnapshotMeta{Index: 3, Term: 3}}}, ErrBadMessage},
		{Message{Type: MsgSnap, From: 2, To: 1, Term: 2, Snapshot: &Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2}}}, ErrBadMessage},                                           // no configuration
		{Message{Type: MsgSnap, From: 2, To: 1, Term: 2, Snapshot: &Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2, Conf: mem(0, 4)}}}, ErrBadMessage},                          // learners only
		{Message{Type: MsgSnap, From: 2, To: 1, Term: 2, Snapshot: &Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2, Conf: Membership{Voters: []uint64{3, 1}}}}}, ErrBadMessage}, // not sorted
		{Message{Type: MsgSnap, From: 2, To: 1, Term: 2, Snapshot: &Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2, Conf: mem(1, 2, 0, 2)}}}, ErrBadMessage},                    // both voter and learner
		{Message{Type: MsgSnapResp, From: 2, To: 1, Term: 2}, ErrUnsupported},
	}
	for _, tt := range tests {
		if err := r.Step(tt.m); !errors.Is(err, tt.want) {
			t.Errorf("Step(%s): %v, want %v", DescribeMessage(tt.m), err, tt.want)
		}
	}
	if r.term != 0 || r.HasReady() {
		t.Fatalf("rejected messages changed state: term %d", r.term)
	}
}

// A node restarted from what it persisted resumes: same term and vote, its
// log, its commit; entries already applied are not handed out again.
func TestRestartFromPersistedState(t *testing.T) {
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	for _, d := range []string{"x", "y"} {
		if _, _, err := a.Propose([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	net.run()
	b2, err := New(Config{ID: 2, Peers: three, ElectionTickMin: 10, ElectionTickMax: 20, HeartbeatTick: 1,
		HardState: HardState{Term: b.term, Vote: b.vote, Commit: b.log.committed},
		Entries:   slices.Clone(b.Entries(1, 100)), Applied: 2})
	if err != nil {
		t.Fatal(err)
	}
	if b2.term != 1 || b2.vote != 1 || b2.log.lastIndex() != 3 || b2.log.committed != 3 {
		t.Fatalf("restarted: term %d vote %d last %d commit %d", b2.term, b2.vote, b2.log.lastIndex(), b2.log.committed)
	}
	rd := b2.Ready()
	if len(rd.Committed) != 1 || rd.Committed[0].Index != 3 || len(rd.Entries) != 0 || !rd.HardState.IsEmpty() {
		t.Fatalf("first Ready after restart: %+v", rd)
	}
	// It rejoins: the leader's next heartbeat reaches it and it follows.
	b2.Advance(rd)
	net.nodes[2] = b2
	a.Tick()
	net.run()
	if b2.lead != 1 || b2.role != RoleFollower {
		t.Fatalf("restarted node: lead %d role %s", b2.lead, b2.role)
	}
}

// A log whose first index is above 1 (after a snapshot) works: terms,
// entries, elections and appends are offset by the snapshot index.
func TestLogAfterSnapshot(t *testing.T) {
	snap := func(c *Config) {
		c.Snapshot = SnapshotMeta{Index: 10, Term: 2}
		c.Entries = entriesWithTerms(11, 2, 3)
		c.HardState = HardState{Term: 3, Commit: 11}
	}
	r := newTestRaft(t, 1, three, snap)
	if term, ok := r.Term(10); !ok || term != 2 {
		t.Fatalf("Term(10) = %d %v, want snapshot term 2", term, ok)
	}
	if _, ok := r.Term(9); ok {
		t.Fatal("Term(9) held below the snapshot")
	}
	if got := r.Entries(1, 100); len(got) != 2 || got[0].Index != 11 {
		t.Fatalf("Entries(1, 100) = %v", got)
	}
	st := r.Status()
	if st.FirstIndex != 11 || st.LastIndex != 12 || st.SnapshotIndex != 10 || st.Applied != 10 {
		t.Fatalf("status %+v", st)
	}
	// Two such nodes elect a leader and replicate.
	f := newTestRaft(t, 2, three, snap)
	net := newTestNet(t, r, f, newTestRaft(t, 3, three, snap))
	net.elect(r)
	if _, _, err := r.Propose([]byte("z")); err != nil {
		t.Fatal(err)
	}
	net.run()
	if got := logTerms(f); !slices.Equal(got, []uint64{2, 3, 4, 4}) || f.log.committed != 14 {
		t.Fatalf("follower log %v commit %d", got, f.log.committed)
	}
}

// Messages that acknowledge state come in the same Ready as that state:
// the caller persists it before sending them.
func TestAcksShareReadyWithState(t *testing.T) {
	r := newTestRaft(t, 2, three)
	_ = r.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 1, Entries: entriesWithTerms(1, 1, 1), Commit: 1})
	rd := r.Ready()
	ack := filterType(rd.Messages, MsgAppResp)
	if len(ack) != 1 || ack[0].Index != 2 || len(rd.Entries) != 2 || rd.HardState.Term != 1 || rd.HardState.Commit != 1 {
		t.Fatalf("Ready %+v", rd)
	}
	// Crash before Advance: a restart from storage that missed this Ready
	// must not have acknowledged anything (the message was never sent).
	if r.log.stable != 0 {
		t.Fatalf("entries counted stable before Advance")
	}
	r.Advance(rd)
	if r.log.stable != 2 || r.log.applied != 1 || r.HasReady() {
		t.Fatalf("after Advance: stable %d applied %d", r.log.stable, r.log.applied)
	}
}

func TestPreVoteDoesNotBumpTerm(t *testing.T) {
	pv := func(c *Config) { c.PreVote = true }
	a, b, c := newTestRaft(t, 1, three, pv), newTestRaft(t, 2, three, pv), newTestRaft(t, 3, three, pv)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	// An isolated node keeps failing pre-elections without raising its term.
	net.isolate(3)
	for range 100 {
		c.Tick()
		net.run()
	}
	if c.term != 1 || c.role != RolePreCandidate {
		t.Fatalf("isolated pre-voting node: term %d role %s, want 1 pre-candidate", c.term, c.role)
	}
	// Rejoining, it does not disrupt the leader.
	clear(net.cut)
	a.Tick()
	net.run()
	if a.role != RoleLeader || a.term != 1 || c.lead != 1 {
		t.Fatalf("after rejoin: leader %s term %d, node 3 follows %d", a.role, a.term, c.lead)
	}
}

// Thesis §9.6: a pre-vote is refused by the leader, and by a follower that
// heard from its leader within the minimum election timeout, even when the
// asker's log is up to date and CheckQuorum is off; a follower that has
// not heard from a leader that long grants it. (A new user deposed a
// healthy leader with PreVote on, from a follower whose link to the leader
// alone was cut.)
func TestPreVoteRefusedWhileTheLeaderIsAlive(t *testing.T) {
	pv := func(c *Config) { c.PreVote = true }
	a, b, c := newTestRaft(t, 1, three, pv), newTestRaft(t, 2, three, pv), newTestRaft(t, 3, three, pv)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	ask := func(to *Raft) Message {
		t.Helper()
		drain(to)
		_ = to.Step(Message{Type: MsgPreVote, From: 3, To: to.id, Term: 2, Index: to.log.lastIndex(), LogTerm: to.log.lastTerm()})
		out := drain(to)
		if len(out) != 1 || out[0].Type != MsgPreVoteResp {
			t.Fatalf("%d answered a pre-vote with %+v", to.id, out)
		}
		return out[0]
	}
	if r := ask(a); !r.Reject || r.Why != WhyLeaderAlive || a.role != RoleLeader || a.term != 1 {
		t.Errorf("the leader: %+v, %s at term %d; want a refusal (leader alive), still leading term 1", r, a.role, a.term)
	}
	if r := ask(b); !r.Reject || r.Why != WhyLeaderAlive || b.term != 1 || b.lead != 1 {
		t.Errorf("a follower that just heard from the leader: %+v; want a refusal (leader alive)", r)
	}
	for range b.electionMin {
		b.Tick() // the leader goes silent for the minimum election timeout
	}
	if r := ask(b); r.Reject || r.Term != 2 || b.term != 1 {
		t.Errorf("a follower silent for electionMin ticks: %+v, term %d; want the pre-vote granted, its term unchanged", r, b.term)
	}
}

// A leader that has not heard from a quorum of its voters within the
// minimum election timeout grants a pre-vote to a candidate whose log is up
// to date: with CheckQuorum off it never steps down, and a candidate that
// needs its vote could never be elected (simulation seed 21030: a leader
// whose uncommitted log had removed the candidate sent it nothing, and its
// other follower was down). It refuses one whose log is behind.
func TestLeaderWithoutAQuorumGrantsPreVotes(t *testing.T) {
	pv := func(c *Config) { c.PreVote = true }
	a, b, c := newTestRaft(t, 1, three, pv), newTestRaft(t, 2, three, pv), newTestRaft(t, 3, three, pv)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.isolate(1)
	for range a.electionMin {
		a.Tick()
		net.run()
	}
	if a.role != RoleLeader {
		t.Fatalf("without CheckQuorum the cut-off leader stepped down: %s", a.role)
	}
	drain(a)
	_ = a.Step(Message{Type: MsgPreVote, From: 3, To: 1, Term: 2, Index: a.log.lastIndex(), LogTerm: a.log.lastTerm()})
	if out := drain(a); len(out) != 1 || out[0].Type != MsgPreVoteResp || out[0].Reject || out[0].Term != 2 || a.role != RoleLeader || a.term != 1 {
		t.Errorf("a leader that heard from no follower for electionMin ticks answered %+v (%s, term %d); want the pre-vote granted, still leading term 1", out, a.role, a.term)
	}
	if v := a.lastVote; !v.Granted || !v.Pre || v.VotedFor != 1 {
		t.Errorf("its vote decision %+v; want a granted pre-vote naming itself, the leader", v)
	}
	_ = a.Step(Message{Type: MsgPreVote, From: 3, To: 1, Term: 2, Index: 0, LogTerm: 0})
	if out := drain(a); len(out) != 1 || !out[0].Reject || out[0].Why != WhyLogBehind {
		t.Errorf("to a candidate whose log is behind: %+v; want a refusal (log behind)", out)
	}
}

func TestCheckQuorumStepsDown(t *testing.T) {
	cq := func(c *Config) { c.CheckQuorum = true }
	a, b, c := newTestRaft(t, 1, three, cq), newTestRaft(t, 2, three, cq), newTestRaft(t, 3, three, cq)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.isolate(1)
	for range 2 * a.electionMin {
		a.Tick()
		net.run()
	}
	if a.role != RoleFollower {
		t.Fatalf("leader cut off from its quorum is still %s", a.role)
	}
	// Leader lease: a follower that just heard from the leader ignores a
	// vote request with a higher term.
	a2, b2 := newTestRaft(t, 1, three, cq), newTestRaft(t, 2, three, cq)
	net2 := newTestNet(t, a2, b2)
	net2.elect(a2)
	_ = b2.Step(Message{Type: MsgVote, From: 3, To: 2, Term: 5, Index: 9, LogTerm: 9})
	if b2.term != 1 || len(drain(b2)) != 0 {
		t.Fatalf("follower in lease moved to term %d", b2.term)
	}
	b2.SetCheckQuorum(false)
	_ = b2.Step(Message{Type: MsgVote, From: 3, To: 2, Term: 5, Index: 9, LogTerm: 9})
	if b2.term != 5 || b2.vote != 3 {
		t.Fatalf("without CheckQuorum: term %d vote %d, want 5 3", b2.term, b2.vote)
	}
}

func TestEventsText(t *testing.T) {
	var got []string
	obs := func(c *Config) { c.OnEvent = func(e Event) { got = append(got, e.Kind.String()+": "+e.Text) } }
	a, b := newTestRaft(t, 1, three, obs), newTestRaft(t, 2, three, obs, withLog(1, 1))
	c := newTestRaft(t, 3, three, obs)
	net := newTestNet(t, a, b, c)
	_ = a.Step(Message{Type: MsgHup})
	net.run()
	want := []string{
		"role: 1 became candidate at term 1",
		"election: 1 started election at term 1",
		"vote-rejected: 2 rejected vote for 1: log not up to date (0@0 < 1@1)",
		"term: 3 moved to term 1 (from 0) on MsgVote from 1",
		"vote: 3 granted vote to 1 at term 1",
		"role: 1 became leader at term 1",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing event %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
	if s := DescribeMessage(Message{Type: MsgApp, From: 1, To: 2, Term: 5, Index: 7, LogTerm: 4, Commit: 6,
		Entries: []Entry{{Index: 8, Term: 5, Type: EntryNoop}}}); s != "1->2 MsgApp term=5 index=7 logterm=4 entries=1 commit=6 [8@5 noop..8@5 noop]" {
		t.Errorf("DescribeMessage: %q", s)
	}
	if s := DescribeEntry(Entry{Index: 3, Term: 2, Data: []byte("abc")}); s != "3@2 3B" {
		t.Errorf("DescribeEntry: %q", s)
	}
}

func TestStatusAndTiming(t *testing.T) {
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	st := a.Status()
	if st.Role != RoleLeader || st.Leader != 1 || st.Term != 1 || st.Commit != 1 || len(st.Progress) != 2 {
		t.Fatalf("leader status %+v", st)
	}
	if p := st.Progress[2]; p.Match != 1 || p.Next != 2 || p.State != "replicate" {
		t.Fatalf("progress of 2: %+v", p)
	}
	b.Tick()
	b.Tick()
	sb := b.Status()
	if sb.Progress != nil || sb.Leader != 1 || sb.TicksSinceLeader != 2 || sb.ElectionElapsed != 2 ||
		sb.ElectionTimeout < 10 || sb.ElectionTimeout > 20 {
		t.Fatalf("follower status %+v", sb)
	}
	if err := b.SetTiming(3, 4, 1); err != nil {
		t.Fatal(err)
	}
	if to := b.Status().ElectionTimeout; to < 3 || to > 4 {
		t.Fatalf("timeout %d after SetTiming(3, 4, 1)", to)
	}
	if err := b.SetTiming(1, 4, 1); !errors.Is(err, ErrConfig) {
		t.Fatalf("SetTiming(1, 4, 1): %v", err)
	}
	for range 4 {
		b.Tick()
	}
	if b.role != RoleCandidate {
		t.Fatalf("follower with a 3..4 tick timeout is %s after 6 ticks", b.role)
	}
	if RolePreCandidate.String() != "pre-candidate" {
		t.Fatal(RolePreCandidate.String())
	}
}

// The election timeout is drawn when the timer starts a new period, not at
// every message from the leader: heartbeats and appends in one term restart
// the count of the same timeout (the dashboard's countdown keeps its
// length), and a new term or a granted vote draws a new one.
func TestHeartbeatKeepsElectionTimeout(t *testing.T) {
	redrawn, votedrawn := false, false
	for seed := range uint64(10) {
		r := newTestRaft(t, 2, three, func(c *Config) { c.Seed = seed })
		if err := r.Step(Message{Type: MsgHeartbeat, From: 1, To: 2, Term: 1}); err != nil {
			t.Fatal(err)
		}
		first := r.Status().ElectionTimeout
		for k := range 8 {
			for range 3 {
				r.Tick()
			}
			m := Message{Type: MsgHeartbeat, From: 1, To: 2, Term: 1}
			if k%2 == 1 {
				m = Message{Type: MsgApp, From: 1, To: 2, Term: 1}
			}
			if err := r.Step(m); err != nil {
				t.Fatal(err)
			}
			if st := r.Status(); st.ElectionTimeout != first || st.ElectionElapsed != 0 || st.Leader != 1 {
				t.Fatalf("seed %d, after %s %d: timeout %d elapsed %d leader %d, want %d 0 1",
					seed, m.Type, k, st.ElectionTimeout, st.ElectionElapsed, st.Leader, first)
			}
		}
		if err := r.Step(Message{Type: MsgHeartbeat, From: 3, To: 2, Term: 2}); err != nil {
			t.Fatal(err)
		}
		st := r.Status()
		if st.Term != 2 || st.Leader != 3 || st.ElectionElapsed != 0 {
			t.Fatalf("seed %d: after a new leader's heartbeat: %+v", seed, st)
		}
		redrawn = redrawn || st.ElectionTimeout != first
		// A granted vote starts a new period too.
		if err := r.Step(Message{Type: MsgVote, From: 1, To: 2, Term: 3}); err != nil {
			t.Fatal(err)
		}
		if sv := r.Status(); sv.Vote != 1 || sv.ElectionElapsed != 0 {
			t.Fatalf("seed %d: vote not granted: %+v", seed, sv)
		} else {
			votedrawn = votedrawn || sv.ElectionTimeout != st.ElectionTimeout
		}
	}
	if !redrawn || !votedrawn {
		t.Fatalf("over 10 seeds, a new term drew a new election timeout: %v; a granted vote: %v", redrawn, votedrawn)
	}
}

// TestProposalsBatchPerReady checks that proposals made between two Readys
// reach each follower in one MsgApp, and that answers which advance commit
// in the same interval produce one commit broadcast, not one each.
func TestProposalsBatchPerReady(t *testing.T) {
	a := newTestRaft(t, 1, []uint64{1, 2, 3})
	b := newTestRaft(t, 2, []uint64{1, 2, 3})
	c := newTestRaft(t, 3, []uint64{1, 2, 3})
	net := newTestNet(t, a, b, c)
	net.elect(a)
	for i := 0; i < 5; i++ {
		if _, _, err := a.Propose([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.msgs) != 0 {
		t.Fatalf("messages before Ready: %d", len(a.msgs))
	}
	rd := a.Ready()
	apps := filterType(rd.Messages, MsgApp)
	if len(apps) != 2 || len(apps[0].Entries) != 5 || len(apps[1].Entries) != 5 {
		t.Fatalf("want one MsgApp of 5 entries per follower, got %d: %v", len(apps), apps)
	}
	a.Advance(rd)
	var resps []Message
	for _, f := range []*Raft{b, c} {
		for _, m := range apps {
			if m.To == f.id {
				if err := f.Step(m); err != nil {
					t.Fatal(err)
				}
			}
		}
		resps = append(resps, drain(f)...)
	}
	for _, m := range resps {
		if err := a.Step(m); err != nil {
			t.Fatal(err)
		}
	}
	last := a.log.lastIndex()
	if a.log.committed != last {
		t.Fatalf("commit %d, want %d", a.log.committed, last)
	}
	apps = filterType(drain(a), MsgApp)
	if len(apps) != 2 || apps[0].Commit != last || apps[1].Commit != last {
		t.Fatalf("want one commit MsgApp per follower, got %v", apps)
	}
}

// TestDeferredBroadcastLeavesOnStepDown checks that a leader deposed
// before its next Ready still sends the MsgApp it deferred, in its term.
func TestDeferredBroadcastLeavesOnStepDown(t *testing.T) {
	a := newTestRaft(t, 1, []uint64{1, 2, 3})
	b := newTestRaft(t, 2, []uint64{1, 2, 3})
	c := newTestRaft(t, 3, []uint64{1, 2, 3})
	net := newTestNet(t, a, b, c)
	net.elect(a)
	term := a.term
	if _, _, err := a.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := a.Step(Message{Type: MsgHeartbeatResp, From: 2, To: 1, Term: term + 1}); err != nil {
		t.Fatal(err)
	}
	if a.role != RoleFollower {
		t.Fatalf("role %s, want follower", a.role)
	}
	apps := filterType(a.Ready().Messages, MsgApp)
	if len(apps) != 2 || apps[0].Term != term || len(apps[0].Entries) != 1 {
		t.Fatalf("want the deferred MsgApp of term %d to each follower, got %v", term, apps)
	}
}

// TestCommitEventText checks the commit event's sentence, built without fmt.
func TestCommitEventText(t *testing.T) {
	var texts []string
	a := newTestRaft(t, 1, []uint64{1, 2, 3}, func(c *Config) {
		c.OnEvent = func(e Event) {
			if e.Kind == EventCommit {
				texts = append(texts, e.Text)
			}
		}
	})
	b := newTestRaft(t, 2, []uint64{1, 2, 3})
	c := newTestRaft(t, 3, []uint64{1, 2, 3})
	net := newTestNet(t, a, b, c)
	net.elect(a)
	if _, _, err := a.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	net.run()
	want := fmt.Sprintf("1 committed up to %d at term %d", a.log.committed, a.term)
	if len(texts) == 0 || texts[len(texts)-1] != want {
		t.Fatalf("commit events %q, want the last to be %q", texts, want)
	}
}

// HeardFromLeader is true from a message of the leader until the next
// tick, and never on a node with no leader or on the leader itself; a
// stale leader's heartbeat does not count.
func TestHeardFromLeader(t *testing.T) {
	r := newTestRaft(t, 2, three)
	if r.HeardFromLeader() {
		t.Fatal("a new node with no leader says it heard from one")
	}
	if err := r.Step(Message{Type: MsgHeartbeat, From: 1, To: 2, Term: 2}); err != nil {
		t.Fatal(err)
	}
	if !r.HeardFromLeader() {
		t.Fatal("after the leader's heartbeat: not heard")
	}
	r.Tick()
	if r.HeardFromLeader() {
		t.Fatal("a tick after the heartbeat: still heard")
	}
	_ = r.Step(Message{Type: MsgHeartbeat, From: 3, To: 2, Term: 1}) // a leader of an older term
	if r.HeardFromLeader() {
		t.Fatal("a stale leader's heartbeat counted")
	}
	if err := r.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 2}); err != nil {
		t.Fatal(err)
	}
	if !r.HeardFromLeader() {
		t.Fatal("after the leader's append: not heard")
	}
	l := newTestRaft(t, 1, three)
	newTestNet(t, l, newTestRaft(t, 2, three), newTestRaft(t, 3, three)).elect(l)
	if l.HeardFromLeader() {
		t.Fatal("a leader says it heard from a leader")
	}
}
