package cluster

import (
	"errors"
	"slices"
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
				texts[1] != "2 refused 299 more connections to its Raft port (300 so far)" {
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

// Refusals that come one at a time, each within a second of the last
// told, are counted a second later each, and every count says how many
// so far: the feed folds events alike in a row into one line "×N", and
// three alike counts of one ("refused 1 more connection ... since the
// last one told ×3") read as one refusal where there were three.
func TestRefusalCountsSaySoFar(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	var due []func()
	var dueAt []time.Time
	r := refusalLog{now: func() time.Time { return now }, afterFunc: func(d time.Duration, f func()) {
		due, dueAt = append(due, f), append(dueAt, now.Add(d))
	}}
	events := NewEventLog(100, func() time.Time { return now })
	bad := errors.New("transport: read hello: not a raftplay peer")
	refuse := func() { r.add(events, 1, "127.0.0.1:5555", bad) }
	// advance moves the clock on by d, running the timers due by then.
	advance := func(d time.Duration) {
		now = now.Add(d)
		for len(due) > 0 && !dueAt[0].After(now) {
			f := due[0]
			due, dueAt = due[1:], dueAt[1:]
			f()
		}
	}
	refuse() // told whole
	for range 3 {
		advance(500 * time.Millisecond)
		refuse() // within a second of the last told: counted a second on
		advance(500 * time.Millisecond)
	}
	advance(2 * time.Second)
	advance(500 * time.Millisecond)
	refuse() // more than a second after the last told: told whole
	advance(300 * time.Millisecond)
	refuse()
	refuse()
	advance(time.Second)
	var texts []string
	for _, e := range events.Last(100) {
		texts = append(texts, e.Text)
	}
	want := []string{
		"1 refused a connection to its Raft port from 127.0.0.1:5555: read hello: not a raftplay peer",
		"1 refused another connection to its Raft port (2 so far)",
		"1 refused another connection to its Raft port (3 so far)",
		"1 refused another connection to its Raft port (4 so far)",
		"1 refused a connection to its Raft port from 127.0.0.1:5555: read hello: not a raftplay peer (5 so far)",
		"1 refused 2 more connections to its Raft port (7 so far)",
	}
	if !slices.Equal(texts, want) {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
	for i := 1; i < len(texts); i++ {
		if texts[i] == texts[i-1] {
			t.Fatalf("events %d and %d alike (the feed folds them into one): %q", i-1, i, texts[i])
		}
	}
}
