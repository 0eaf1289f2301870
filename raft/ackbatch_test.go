package raft

import "testing"

// A follower that steps an append from the leader of one term and, before
// its next Ready, an append from the leader of a newer term that replaces
// those entries must not acknowledge the first append: the Ready persists
// the newer leader's entries, and an acknowledgement promises that the
// entries it names are durable (cluster/node.go folds every queued message
// into one Ready).
func TestAckOfEntriesReplacedBeforeReady(t *testing.T) {
	f := newTestRaft(t, 2, []uint64{1, 2, 3, 4, 5}, withLog(1, 1, 1))
	drain(f)
	// Leader 1 of term 2 appends 3@2, 4@2.
	if err := f.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 2, Index: 2, LogTerm: 1,
		Entries: []Entry{{Index: 3, Term: 2}, {Index: 4, Term: 2}}, Commit: 2}); err != nil {
		t.Fatal(err)
	}
	// Leader 3 of term 3 replaces them with 3@3, before any Ready.
	if err := f.Step(Message{Type: MsgApp, From: 3, To: 2, Term: 3, Index: 2, LogTerm: 1,
		Entries: []Entry{{Index: 3, Term: 3}}, Commit: 2}); err != nil {
		t.Fatal(err)
	}
	rd := f.Ready()
	for _, m := range rd.Messages {
		if m.Type == MsgAppResp && !m.Reject && m.To == 1 && m.Index > 2 {
			t.Fatalf("the Ready persists %v but acknowledges %d to leader 1 (term %d): entries 3..4 of term 2 were never persisted", rd.Entries, m.Index, m.Term)
		}
	}
	f.Advance(rd)
}

// The same with a snapshot from the newer leader replacing the log.
func TestAckOfEntriesDiscardedBySnapshotBeforeReady(t *testing.T) {
	f := newTestRaft(t, 2, []uint64{1, 2, 3, 4, 5}, withLog(1, 1, 1))
	drain(f)
	if err := f.Step(Message{Type: MsgApp, From: 1, To: 2, Term: 2, Index: 2, LogTerm: 1,
		Entries: []Entry{{Index: 3, Term: 2}, {Index: 4, Term: 2}, {Index: 5, Term: 2}}, Commit: 2}); err != nil {
		t.Fatal(err)
	}
	snap := &Snapshot{Meta: SnapshotMeta{Index: 3, Term: 3, Conf: Membership{Voters: []uint64{1, 2, 3, 4, 5}}}}
	if err := f.Step(Message{Type: MsgSnap, From: 3, To: 2, Term: 3, Snapshot: snap}); err != nil {
		t.Fatal(err)
	}
	rd := f.Ready()
	if rd.Snapshot == nil {
		t.Fatalf("snapshot not installed")
	}
	for _, m := range rd.Messages {
		if m.Type == MsgAppResp && !m.Reject && m.To == 1 && m.Index > 2 {
			t.Fatalf("the Ready persists snapshot %d@%d but acknowledges %d to leader 1 (term %d): its entries of term 2 were discarded", rd.Snapshot.Meta.Index, rd.Snapshot.Meta.Term, m.Index, m.Term)
		}
	}
	f.Advance(rd)
}
