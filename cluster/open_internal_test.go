package cluster

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"raftplay/raft"
	"raftplay/wal"
)

// A follower that takes a snapshot from a leader of a term it has not
// seen saves the snapshot, then the hard state with the new term (one
// Ready, two writes). A crash between them leaves a snapshot whose term is
// above the saved term: the node starts all the same, at the snapshot's
// term with no vote in it, and says so.
func TestSnapshotNewerThanSavedTermStarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, _, err := wal.Open(dir, wal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := raft.HardState{Term: 2, Vote: 2, Commit: 3}
	ents := []raft.Entry{{Index: 1, Term: 1, Type: raft.EntryNoop}, {Index: 2, Term: 2, Type: raft.EntryNoop}, {Index: 3, Term: 2, Data: []byte("x")}}
	if err := w.Save(hs, ents); err != nil {
		t.Fatal(err)
	}
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 10, Term: 5, Conf: raft.Membership{Voters: []uint64{1, 2, 3}}}, Data: NewKV().Snapshot()}
	if err := w.SaveSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	w.Close() // the crash: the hard state of term 5 never written

	events := NewEventLog(100, time.Now)
	n, err := openNode(nodeConfig{id: 3, peers: []uint64{1, 2, 3}, dir: dir, timing: PaperTiming, events: events, pub: new(sync.RWMutex)})
	if err != nil {
		t.Fatalf("the node does not start: %v", err)
	}
	defer n.closeIO()
	st := n.core.Status()
	if st.Term != 5 || st.Vote != 0 || st.Commit != 10 || st.LastIndex != 10 {
		t.Errorf("started at term %d vote %d commit %d last %d; want term 5, no vote, commit and last 10", st.Term, st.Vote, st.Commit, st.LastIndex)
	}
	var told bool
	for _, e := range events.Last(100) {
		told = told || strings.Contains(e.Text, "3 found its snapshot (term 5) newer than its saved term 2")
	}
	if !told {
		t.Errorf("no event says what was found: %v", events.Last(100))
	}
}

// A follower at term 1 takes entries from a leader of term 2: one Ready
// holds them and the hard state of term 2, written in that order in one
// write. A power cut that tears the write inside the hard state keeps the
// entries and the old term: the node starts all the same, at term 2 with
// no vote in it, and says so (it refused: "hard state term 1 below last
// entry term 2", down for good).
func TestEntriesNewerThanSavedTermStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, _, err := wal.Open(dir, wal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Save(raft.HardState{Term: 1, Vote: 1, Commit: 1}, []raft.Entry{{Index: 1, Term: 1, Type: raft.EntryNoop}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Save(raft.HardState{Term: 2, Vote: 2, Commit: 1}, []raft.Entry{{Index: 2, Term: 2, Type: raft.EntryNoop}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := wal.TearTail(dir); err != nil { // tears the last record: the hard state of term 2
		t.Fatal(err)
	}
	events := NewEventLog(100, time.Now)
	n, err := openNode(nodeConfig{id: 3, peers: []uint64{1, 2, 3}, dir: dir, timing: PaperTiming, events: events, pub: new(sync.RWMutex)})
	if err != nil {
		t.Fatalf("the node does not start: %v", err)
	}
	defer n.closeIO()
	if st := n.core.Status(); st.Term != 2 || st.Vote != 0 || st.LastIndex != 2 {
		t.Errorf("started at term %d vote %d last %d; want term 2, no vote, last 2", st.Term, st.Vote, st.LastIndex)
	}
	var told bool
	for _, e := range events.Last(100) {
		told = told || strings.Contains(e.Text, "3 found its entries up to 2 (term 2) newer than its saved term 1")
	}
	if !told {
		t.Errorf("no event says what was found: %v", events.Last(100))
	}
}

// Refusals of a node's Raft port are told at most once a second; a burst
// is counted in an event of its own a second later, not only when (if
// ever) another refusal comes.
func TestRefusalBurstIsCounted(t *testing.T) {
	t.Parallel()
	events := NewEventLog(100, time.Now)
	var r refusalLog
	bad := errors.New("transport: read hello: not a raftplay peer")
	for range 300 {
		r.add(events, 2, "127.0.0.1:5555", bad)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var texts []string
		for _, e := range events.Last(100) {
			texts = append(texts, e.Text)
		}
		if len(texts) == 2 {
			if !strings.HasPrefix(texts[0], "2 refused a connection to its Raft port from 127.0.0.1:5555: read hello") ||
				texts[1] != "2 refused 299 more connections to its Raft port since the last one told" {
				t.Fatalf("events: %q", texts)
			}
			return
		}
		if len(texts) > 2 || time.Now().After(deadline) {
			t.Fatalf("events: %q; want the first refusal, then the 299 others counted", texts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
