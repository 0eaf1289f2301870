package raft

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func snapMsg(from, to, term, index, logTerm uint64, data string) Message {
	return Message{Type: MsgSnap, From: from, To: to, Term: term,
		Snapshot: &Snapshot{Meta: SnapshotMeta{Index: index, Term: logTerm, Conf: mem(1, 2, 3)}, Data: []byte(data)}}
}

func step(t *testing.T, r *Raft, m Message) {
	t.Helper()
	if err := r.Step(m); err != nil {
		t.Fatalf("Step(%s): %v", DescribeMessage(m), err)
	}
}

func TestCompact(t *testing.T) {
	var events []string
	r := newTestRaft(t, 1, three, withLog(3, 1, 1, 2, 2, 3), func(c *Config) {
		c.HardState.Commit = 4
		c.Applied = 3
		c.OnEvent = func(e Event) { events = append(events, e.Text) }
	})
	for _, tt := range []struct {
		snap Snapshot
		want string
	}{
		{Snapshot{Meta: SnapshotMeta{Index: 4, Term: 2}}, "beyond applied"},
		{Snapshot{Meta: SnapshotMeta{Index: 3, Term: 1}}, "has term 1, log has 2"},
		{Snapshot{}, "index 0"},
	} {
		if err := r.Compact(tt.snap); !errors.Is(err, ErrCompact) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compact(%+v) = %v, want %q", tt.snap.Meta, err, tt.want)
		}
	}
	held := r.Entries(1, 6)
	if err := r.Compact(Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2}, Data: []byte("s3")}); err != nil {
		t.Fatal(err)
	}
	if st := r.Status(); st.FirstIndex != 4 || st.SnapshotIndex != 3 || st.SnapshotTerm != 2 || st.LastIndex != 5 {
		t.Fatalf("status after Compact: %+v", st)
	}
	if tm, ok := r.Term(3); !ok || tm != 2 {
		t.Fatalf("Term(3) = %d %v, want the snapshot's term", tm, ok)
	}
	if _, ok := r.Term(2); ok || len(r.Entries(1, 4)) != 0 {
		t.Fatal("compacted entries still held")
	}
	if len(held) != 5 || held[0].Index != 1 {
		t.Fatalf("a slice handed out before Compact changed: %v", held)
	}
	if err := r.Compact(Snapshot{Meta: SnapshotMeta{Index: 2, Term: 1}}); !errors.Is(err, ErrCompact) {
		t.Fatalf("Compact below the snapshot: %v", err)
	}
	// The same index again replaces the image only.
	if err := r.Compact(Snapshot{Meta: SnapshotMeta{Index: 3, Term: 2}, Data: []byte("s3b")}); err != nil {
		t.Fatal(err)
	}
	if string(r.snapshot.Data) != "s3b" || r.log.snapIndex != 3 {
		t.Fatalf("snapshot %q at %d", r.snapshot.Data, r.log.snapIndex)
	}
	if !slices.Contains(events, "1 compacted log up to 3") {
		t.Fatalf("events %q", events)
	}
}

// A follower whose log already holds the snapshot's last entry keeps its
// log and only commits up to it.
func TestSnapshotMatchingLogOnlyCommits(t *testing.T) {
	r := newTestRaft(t, 2, three, withLog(2, 1, 1, 2, 2))
	step(t, r, snapMsg(1, 2, 2, 3, 2, "x"))
	rd := r.Ready()
	if rd.Snapshot != nil {
		t.Fatal("matching log restored from the snapshot")
	}
	if r.log.committed != 3 || r.log.lastIndex() != 4 || len(rd.Committed) != 3 {
		t.Fatalf("commit %d last %d committed %d entries", r.log.committed, r.log.lastIndex(), len(rd.Committed))
	}
	if acks := filterType(rd.Messages, MsgAppResp); len(acks) != 1 || acks[0].Index != 3 || acks[0].Reject {
		t.Fatalf("answer %v", rd.Messages)
	}
	r.Advance(rd)
}

// A snapshot at or below the commit index is answered without restoring.
func TestStaleSnapshotIgnored(t *testing.T) {
	r := newTestRaft(t, 2, three, withLog(2, 1, 1, 2, 2), func(c *Config) { c.HardState.Commit = 4 })
	drain(r)
	step(t, r, snapMsg(1, 2, 2, 3, 2, "x"))
	rd := r.Ready()
	if rd.Snapshot != nil || r.log.lastIndex() != 4 || r.log.snapIndex != 0 {
		t.Fatalf("stale snapshot restored: %+v", rd.Snapshot)
	}
	if acks := filterType(rd.Messages, MsgAppResp); len(acks) != 1 || acks[0].Index != 4 {
		t.Fatalf("answer %v, want ack at commit 4", rd.Messages)
	}
}

// A snapshot from a stale term is refused; with CheckQuorum the sender
// learns the newer term.
func TestStaleTermSnapshotRefused(t *testing.T) {
	r := newTestRaft(t, 2, three, withLog(5, 1, 1))
	drain(r)
	step(t, r, snapMsg(1, 2, 4, 10, 4, "x"))
	rd := r.Ready()
	if rd.Snapshot != nil || r.log.snapIndex != 0 || r.log.committed != 0 {
		t.Fatal("stale-term snapshot restored")
	}
	if len(rd.Messages) != 1 || rd.Messages[0].Type != MsgAppResp || rd.Messages[0].Term != 5 {
		t.Fatalf("answer %v, want a MsgAppResp at term 5", rd.Messages)
	}
}

// A follower with a conflicting log installs the snapshot: the log is
// replaced, commit and applied jump, and Ready carries the snapshot with the
// acknowledgement.
func TestSnapshotInstall(t *testing.T) {
	var events []string
	r := newTestRaft(t, 2, three, withLog(1, 1, 1, 1), func(c *Config) {
		c.OnEvent = func(e Event) { events = append(events, e.Text) }
	})
	drain(r)
	step(t, r, snapMsg(1, 2, 3, 5, 3, "state"))
	if !r.HasReady() {
		t.Fatal("no Ready after an install")
	}
	rd := r.Ready()
	if rd.Snapshot == nil || !rd.Snapshot.Meta.Equal(SnapshotMeta{Index: 5, Term: 3, Conf: mem(1, 2, 3)}) || string(rd.Snapshot.Data) != "state" {
		t.Fatalf("Ready.Snapshot %+v", rd.Snapshot)
	}
	if len(rd.Entries) != 0 || len(rd.Committed) != 0 || rd.HardState.Commit != 5 || rd.HardState.Term != 3 {
		t.Fatalf("Ready entries %v committed %v hard %+v", rd.Entries, rd.Committed, rd.HardState)
	}
	// Not told before the caller has saved it (Advance): a failed write
	// would follow the claim.
	if slices.ContainsFunc(events, func(e string) bool { return strings.Contains(e, "installed") }) {
		t.Fatalf("install told before Advance: %q", events)
	}
	if acks := filterType(rd.Messages, MsgAppResp); len(acks) != 1 || acks[0].Index != 5 {
		t.Fatalf("answer %v", rd.Messages)
	}
	r.Advance(rd)
	if r.HasReady() {
		t.Fatal("Ready left after Advance")
	}
	st := r.Status()
	if st.SnapshotIndex != 5 || st.Applied != 5 || st.Commit != 5 || st.LastIndex != 5 || st.Leader != 1 {
		t.Fatalf("status %+v", st)
	}
	if !slices.Contains(events, "2 installed snapshot at 5 (term 3) from 1") {
		t.Fatalf("events %q", events)
	}
	// Appends continue after the snapshot.
	step(t, r, Message{Type: MsgApp, From: 1, To: 2, Term: 3, Index: 5, LogTerm: 3, Commit: 6,
		Entries: []Entry{{Index: 6, Term: 3, Data: []byte("a")}}})
	rd = r.Ready()
	if len(rd.Entries) != 1 || rd.Entries[0].Index != 6 || len(rd.Committed) != 1 {
		t.Fatalf("after snapshot: entries %v committed %v", rd.Entries, rd.Committed)
	}
	r.Advance(rd)
}

// compactedCluster elects 1 among three nodes, isolates 3, commits n
// proposals and compacts the leader's log up to its applied index.
func compactedCluster(t *testing.T, n int) (*testNet, *Raft, *Raft) {
	t.Helper()
	a, b, c := newTestRaft(t, 1, three), newTestRaft(t, 2, three), newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.isolate(3)
	for range n {
		if _, _, err := a.Propose([]byte("x")); err != nil {
			t.Fatal(err)
		}
		net.run()
	}
	if err := a.Compact(Snapshot{Meta: SnapshotMeta{Index: a.log.applied, Term: a.term}, Data: []byte("img")}); err != nil {
		t.Fatal(err)
	}
	return net, a, c
}

// The leader moves a follower that needs compacted entries to the snapshot
// state, and back to replicate when the snapshot is acknowledged.
func TestLeaderSendsSnapshotAndResumes(t *testing.T) {
	net, a, c := compactedCluster(t, 5)
	clear(net.cut)
	step(t, a, Message{Type: MsgBeat})
	// Deliver by hand until the leader sends the snapshot: the heartbeat's
	// answer shows 3 behind, its next entry is compacted.
	queue := drain(a)
	var snap *Message
	for len(queue) > 0 && snap == nil {
		m := queue[0]
		queue = queue[1:]
		if m.Type == MsgSnap {
			snap = &m
			break
		}
		dst := net.nodes[m.To]
		step(t, dst, m)
		queue = append(queue, drain(dst)...)
	}
	if snap == nil || snap.To != 3 || snap.Snapshot.Meta.Index != 6 || string(snap.Snapshot.Data) != "img" {
		t.Fatalf("leader sent %v, want a MsgSnap at 6 to 3", snap)
	}
	if pr := a.Status().Progress[3]; pr.State != "snapshot" || pr.PendingSnapshot != 6 {
		t.Fatalf("progress of 3: %+v", pr)
	}
	net.run(append(queue, *snap)...)
	if pr := a.Status().Progress[3]; pr.State != "replicate" || pr.Match != 6 || pr.PendingSnapshot != 0 {
		t.Fatalf("progress of 3 after install: %+v", pr)
	}
	if _, _, err := a.Propose([]byte("y")); err != nil {
		t.Fatal(err)
	}
	net.run()
	if c.log.committed != 7 || c.log.snapIndex != 6 {
		t.Fatalf("follower commit %d snapshot %d", c.log.committed, c.log.snapIndex)
	}
}

// A snapshot that gets no answer is sent again after SnapshotRetryTicks.
func TestLostSnapshotRetried(t *testing.T) {
	_, a, _ := compactedCluster(t, 3)
	a.snapRetry = 7
	pr := a.prs[3]
	pr.becomeProbe()
	a.sendAppend(3, true)
	if got := filterType(drain(a), MsgSnap); len(got) != 1 {
		t.Fatalf("sent %v", got)
	}
	ticks := 0
	for ; ticks < 100; ticks++ {
		a.Tick()
		if len(filterType(drain(a), MsgSnap)) > 0 {
			break
		}
	}
	if ticks+1 != 7 {
		t.Fatalf("resent after %d ticks, want 7", ticks+1)
	}
}

// A snapshot the transport reports lost is sent again at the follower's
// next heartbeat answer, long before SnapshotRetryTicks; a report when no
// snapshot is in flight changes nothing.
func TestReportedLostSnapshotResentAtNextHeartbeat(t *testing.T) {
	_, a, _ := compactedCluster(t, 3)
	a.snapRetry = 1000
	a.ReportSnapshot(3) // nothing in flight: no effect
	pr := a.prs[3]
	if pr.state == stateSnapshot {
		t.Fatal("a report with nothing in flight started a snapshot")
	}
	pr.becomeProbe()
	a.sendAppend(3, true)
	if got := filterType(drain(a), MsgSnap); len(got) != 1 {
		t.Fatalf("sent %v", got)
	}
	// The heartbeat answer alone does not resend: the snapshot is in flight.
	step(t, a, Message{Type: MsgHeartbeatResp, From: 3, To: 1, Term: a.term})
	if got := filterType(drain(a), MsgSnap); len(got) != 0 {
		t.Fatalf("resent before any report: %v", got)
	}
	a.ReportSnapshot(3)
	step(t, a, Message{Type: MsgHeartbeatResp, From: 3, To: 1, Term: a.term})
	if got := filterType(drain(a), MsgSnap); len(got) != 1 {
		t.Fatalf("after the report, the next heartbeat answer sent %v, want the snapshot again", got)
	}
}

// A restarted leader sends the snapshot image it was given in its config.
func TestRestartedLeaderSendsConfigSnapshot(t *testing.T) {
	cfg := func(c *Config) {
		c.Snapshot = SnapshotMeta{Index: 4, Term: 1}
		c.SnapshotData = []byte("disk")
		c.HardState = HardState{Term: 1, Commit: 4}
	}
	a, b := newTestRaft(t, 1, three, cfg), newTestRaft(t, 2, three, cfg)
	c := newTestRaft(t, 3, three)
	net := newTestNet(t, a, b, c)
	net.elect(a)
	net.run()
	snaps := filterType(net.seen, MsgSnap)
	if len(snaps) != 1 || !bytes.Equal(snaps[0].Snapshot.Data, []byte("disk")) || snaps[0].To != 3 {
		t.Fatalf("snapshots sent: %v", snaps)
	}
	// Its snapshot was written before membership changes existed: it
	// carries the bootstrap configuration to the follower all the same.
	if got := snaps[0].Snapshot.Meta.Conf; !got.Equal(mem(1, 2, 3)) {
		t.Fatalf("the snapshot sent carries configuration %s", got)
	}
	if c.log.committed != 5 || c.log.snapIndex != 4 {
		t.Fatalf("node 3: commit %d snapshot %d", c.log.committed, c.log.snapIndex)
	}
}

// The transport encodes a MsgApp's entries after Send returns, without a
// copy: the log must never change an entry it has handed out, whether it
// truncates a conflicting tail or appends into spare capacity.
func TestHandedOutEntriesNeverChange(t *testing.T) {
	var l raftLog
	l.append([]Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1}, {Index: 3, Term: 1}})
	held := l.slice(1, 4)
	want := slices.Clone(held)
	l.append([]Entry{{Index: 2, Term: 9, Data: []byte("new")}}) // conflict: truncates from 2
	l.append([]Entry{{Index: 3, Term: 9}, {Index: 4, Term: 9}}) // into the fresh array's tail
	if !reflect.DeepEqual(held, want) {
		t.Fatalf("entries handed out changed: %v, were %v", held, want)
	}
	if tm, _ := l.term(2); tm != 9 || l.lastIndex() != 4 {
		t.Fatalf("log after the conflict: term(2) = %d, last %d", tm, l.lastIndex())
	}
	tail := l.slice(3, 5)
	l.append([]Entry{{Index: 5, Term: 9}}) // spare capacity after the handed-out slice
	if len(tail) != 2 || cap(tail) != 2 {
		t.Fatalf("a handed-out slice leaves room to append into: len %d cap %d", len(tail), cap(tail))
	}
}

// An installed snapshot's configuration replaces the one the follower had
// (here its bootstrap 1,2,3; the cluster has grown to five), before and
// after a restart: with the old one it would count the wrong majorities,
// and could win an election with two votes of five.
func TestInstalledSnapshotBringsItsConfiguration(t *testing.T) {
	five := mem(1, 2, 3, 4, 5)
	r := newTestRaft(t, 2, three)
	msg := snapMsg(1, 2, 3, 10, 3, "state")
	msg.Snapshot.Meta.Conf = five
	step(t, r, msg)
	if !r.conf.Equal(five) || !r.Status().Membership.Equal(five) {
		t.Fatalf("after the install node 2 has %s, the snapshot %s", r.conf, five)
	}
	rd := r.Ready()
	if rd.Snapshot == nil || !rd.Snapshot.Meta.Conf.Equal(five) {
		t.Fatalf("the snapshot to save: %+v", rd.Snapshot)
	}
	again := newTestRaft(t, 2, three, func(c *Config) {
		c.Snapshot = rd.Snapshot.Meta
		c.HardState = HardState{Term: 3, Commit: 10}
	})
	if !again.conf.Equal(five) {
		t.Fatalf("after a restart node 2 has %s", again.conf)
	}
}

// A node that joined a running cluster knows no configuration before its
// first configuration entry: it refuses to compact there (the snapshot
// would carry none, and every follower refuses such a snapshot: a
// learner that compacted early could never bring one up to date), and
// compacts once past it.
func TestJoinedNodeCompactsOnlyWhereItKnowsTheConfiguration(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	propose(t, a, "x")
	net.run()
	l := join(t, net, 4)
	idx := proposeConf(t, a, ConfAddLearner, 4)
	net.run()
	drain(l)
	if l.log.applied < idx {
		t.Fatalf("the learner applied %d, the change is at %d", l.log.applied, idx)
	}
	before := l.log.snapIndex
	term, _ := l.Term(idx - 1)
	if err := l.Compact(Snapshot{Meta: SnapshotMeta{Index: idx - 1, Term: term}}); !errors.Is(err, ErrCompact) || !strings.Contains(err.Error(), "not known here") {
		t.Fatalf("compact before the first configuration entry: %v", err)
	}
	if l.log.snapIndex != before {
		t.Fatalf("the refused compaction moved the snapshot to %d", l.log.snapIndex)
	}
	term, _ = l.Term(idx)
	if err := l.Compact(Snapshot{Meta: SnapshotMeta{Index: idx, Term: term}}); err != nil {
		t.Fatalf("compact at the configuration entry: %v", err)
	}
}

// The event of a configuration that came with a snapshot says so (it
// said "membership back to" one the node never had, as if an entry had
// been cut away).
func TestSnapshotConfigurationEventSaysWhereItCameFrom(t *testing.T) {
	var events []string
	r := newTestRaft(t, 2, three, func(c *Config) { c.OnEvent = func(e Event) { events = append(events, e.Text) } })
	msg := snapMsg(1, 2, 3, 10, 3, "state")
	msg.Snapshot.Meta.Conf = mem(1, 2, 3, 4, 5)
	step(t, r, msg)
	want := "2 membership now voters 1,2,3,4,5 (added 4 as voter, added 5 as voter; from the snapshot at 10, term 3)"
	if !slices.Contains(events, want) || slices.ContainsFunc(events, func(e string) bool { return strings.Contains(e, "back to") }) {
		t.Fatalf("events %q, want %q", events, want)
	}
}
