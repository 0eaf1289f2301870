package raft

import (
	"errors"
	"testing"
)

// leaderWithReplicatingFollower returns a leader at term 1 whose follower 2
// is in replicate state with everything acknowledged.
func leaderWithReplicatingFollower(t *testing.T, opts ...func(*Config)) *Raft {
	t.Helper()
	r := newTestRaft(t, 1, three, opts...)
	r.becomeCandidate()
	r.becomeLeader()
	drain(r)
	if err := r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: 1}); err != nil {
		t.Fatal(err)
	}
	drain(r)
	if pr := r.prs[2]; pr.state != stateReplicate {
		t.Fatalf("follower 2 in %s", pr.state)
	}
	return r
}

func appsTo(msgs []Message, to uint64) []Message {
	var out []Message
	for _, m := range filterType(msgs, MsgApp) {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// In replicate state at most MaxInflight MsgApp are in flight; acks and
// heartbeat answers open the window again.
func TestInflightWindow(t *testing.T) {
	r := leaderWithReplicatingFollower(t, func(c *Config) { c.MaxInflight = 2 })
	var sent []Message
	for range 4 {
		if _, _, err := r.Propose([]byte("x")); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, appsTo(drain(r), 2)...)
	}
	if len(sent) != 2 || r.prs[2].inflight.count != 2 || !r.prs[2].paused() {
		t.Fatalf("sent %d MsgApp with a window of 2 (inflight %d)", len(sent), r.prs[2].inflight.count)
	}
	// An ack for the first frees one slot: the rest go out in one batch.
	_ = r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: sent[0].Entries[0].Index})
	more := appsTo(drain(r), 2)
	if len(more) != 1 || len(more[0].Entries) != 2 {
		t.Fatalf("after one ack: %d MsgApp, want one with the 2 waiting entries", len(more))
	}
	// Full again; a heartbeat answer does not open the window (the
	// follower has not taken what it was sent), but sends an empty MsgApp
	// after the last entry sent: a follower that lost some rejects it.
	if _, _, err := r.Propose([]byte("y")); err != nil {
		t.Fatal(err)
	}
	if got := appsTo(drain(r), 2); len(got) != 0 {
		t.Fatalf("sent through a full window: %v", got)
	}
	last := more[0].Entries[1].Index
	_ = r.Step(Message{Type: MsgHeartbeatResp, From: 2, To: 1, Term: 1})
	got := appsTo(drain(r), 2)
	if len(got) != 1 || len(got[0].Entries) != 0 || got[0].Index != last || !r.prs[2].paused() {
		t.Fatalf("after heartbeat answer: %+v (paused %v), want one empty MsgApp after %d, window still full", got, r.prs[2].paused(), last)
	}
	_ = r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: got[0].Index, Reject: true, RejectHint: sent[0].Entries[0].Index})
	got = appsTo(drain(r), 2)
	if len(got) != 1 || len(got[0].Entries) == 0 || got[0].Entries[0].Index != sent[0].Entries[0].Index+1 {
		t.Fatalf("after the empty MsgApp was refused: %+v, want the entries from %d again", got, sent[0].Entries[0].Index+1)
	}
}

// MaxInflightBytes closes the window once the entry data in flight reaches
// it, but never before the first message: one entry always fits.
func TestInflightBytesWindow(t *testing.T) {
	r := leaderWithReplicatingFollower(t, func(c *Config) { c.MaxInflightBytes = 10; c.MaxBytesPerMsg = 4 })
	var sent []Message
	for _, d := range []string{"aaaa", "bbbb", "cccc", "dddddddddddddddd"} {
		if _, _, err := r.Propose([]byte(d)); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, appsTo(drain(r), 2)...)
	}
	if len(sent) != 3 || r.prs[2].inflight.bytes != 12 || !r.prs[2].paused() {
		t.Fatalf("sent %d MsgApp, %d bytes in flight, paused %v: want 3 of 4 bytes, then a full window", len(sent), r.prs[2].inflight.bytes, r.prs[2].paused())
	}
	// Acknowledging all three empties the window: the 16-byte entry goes
	// alone, over the limit.
	_ = r.Step(Message{Type: MsgAppResp, From: 2, To: 1, Term: 1, Index: sent[2].Entries[0].Index})
	got := appsTo(drain(r), 2)
	if len(got) != 1 || len(got[0].Entries) != 1 || r.prs[2].inflight.bytes != 16 || !r.prs[2].paused() {
		t.Fatalf("after the ack: %d MsgApp, %d bytes in flight: want the large entry alone, window full", len(got), r.prs[2].inflight.bytes)
	}
}

// Batches are capped by entry count and data bytes, but always carry at
// least one entry.
func TestBatchLimits(t *testing.T) {
	r := leaderWithReplicatingFollower(t, func(c *Config) { c.MaxBytesPerMsg = 10; c.MaxEntriesPerMsg = 3 })
	r.prs[2].becomeProbe() // hold sending while we append
	r.prs[2].probeSent = true
	for _, d := range []string{"aaaa", "bbbb", "c", "dddddddddddddddd", "e", "f", "g"} {
		if _, _, err := r.Propose([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	drain(r)
	r.prs[2].becomeReplicate()
	var sizes []int
	for r.sendAppend(2, false) {
	}
	for _, m := range appsTo(drain(r), 2) {
		sizes = append(sizes, len(m.Entries))
	}
	// 4+4+1 = 9 bytes; 16 alone (over the cap, but one entry always fits);
	// then three 1-byte entries, capped by count.
	if len(sizes) != 3 || sizes[0] != 3 || sizes[1] != 1 || sizes[2] != 3 {
		t.Fatalf("batch sizes %v, want [3 1 3]", sizes)
	}
}

func TestSmallHelpers(t *testing.T) {
	if !(Ready{}).Empty() || (Ready{Messages: []Message{{}}}).Empty() {
		t.Fatal("Ready.Empty")
	}
	err := error(&NotLeaderError{Leader: 3})
	if err.Error() != "raft: not leader (leader is 3)" || !errors.Is(err, ErrNotLeader) {
		t.Fatalf("%v", err)
	}
	if (&NotLeaderError{}).Error() != "raft: not leader (no leader known)" {
		t.Fatal("no-leader text")
	}
	if EventVoteRejected.String() != "vote-rejected" || EventKind(99).String() != "unknown" {
		t.Fatal("EventKind.String")
	}
	if RoleLeader.String() != "leader" || Role(9).String() != "unknown" {
		t.Fatal("Role.String")
	}
}
