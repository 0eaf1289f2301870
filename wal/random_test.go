package wal

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"raftplay/raft"
)

// refLog is the reference model for TestRandomOps: the entries after the
// snapshot, the snapshot and the hard state.
type refLog struct {
	snap raft.Snapshot
	ents []raft.Entry // ents[0].Index == snap.Meta.Index+1
	hs   raft.HardState
}

func (m *refLog) last() uint64 { return m.snap.Meta.Index + uint64(len(m.ents)) }

func (m *refLog) save(hs raft.HardState, ents []raft.Entry) {
	if !hs.IsEmpty() {
		m.hs = hs
	}
	if len(ents) > 0 {
		m.ents = append(m.ents[:ents[0].Index-m.snap.Meta.Index-1], ents...)
	}
}

func (m *refLog) saveSnapshot(s raft.Snapshot) {
	k := s.Meta.Index - m.snap.Meta.Index // position of s.Meta.Index in ents, 1-based
	if k <= uint64(len(m.ents)) && m.ents[k-1].Term == s.Meta.Term {
		m.ents = append([]raft.Entry(nil), m.ents[k:]...)
	} else {
		m.ents = nil
	}
	m.snap = s
}

// TestRandomOps runs random Saves, overwrites, snapshots, compactions and
// reopens against small segments, comparing every reopen with a model.
// WAL_SEEDS=N runs N seeds (default 20).
func TestRandomOps(t *testing.T) {
	t.Parallel()
	seeds := 20
	if s, err := strconv.Atoi(os.Getenv("WAL_SEEDS")); err == nil {
		seeds = s
	}
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { randomOps(t, uint64(seed)) })
	}
}

func randomOps(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	// Compaction shrinks a dead segment in two steps or more.
	opts := Options{SegmentBytes: int64(200 + rng.IntN(800))}
	opts.shrinkStep = opts.SegmentBytes / 2
	w, _ := mustOpen(t, dir, opts)
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	var m refLog
	term := uint64(1)
	for step := 0; step < 300; step++ {
		what := fmt.Sprintf("seed %d step %d", seed, step)
		switch op := rng.IntN(20); {
		case op < 9: // append, sometimes with a new hard state
			n := uint64(rng.IntN(6))
			ents := mkEnts(m.last()+1, m.last()+n, term, rng.IntN(60))
			hs := raft.HardState{}
			if rng.IntN(2) == 0 {
				hs = raft.HardState{Term: term, Vote: uint64(rng.IntN(3)), Commit: m.last()}
			}
			mustSave(t, w, hs, ents)
			m.save(hs, ents)
		case op < 11: // a follower overwrites a conflicting suffix
			if len(m.ents) == 0 {
				continue
			}
			term++
			from := m.snap.Meta.Index + 1 + uint64(rng.IntN(len(m.ents)))
			ents := mkEnts(from, from+uint64(rng.IntN(4)), term, rng.IntN(30))
			mustSave(t, w, raft.HardState{Term: term}, ents)
			m.save(raft.HardState{Term: term}, ents)
		case op < 13: // snapshot inside the log, past it, or conflicting
			s := raft.Snapshot{Data: []byte(what)}
			switch {
			case len(m.ents) > 0 && rng.IntN(3) > 0:
				e := m.ents[rng.IntN(len(m.ents))]
				s.Meta = raft.SnapshotMeta{Index: e.Index, Term: e.Term}
				if rng.IntN(4) == 0 {
					term++
					s.Meta.Term = term
				}
			default:
				term++
				s.Meta = raft.SnapshotMeta{Index: m.last() + 1 + uint64(rng.IntN(5)), Term: term}
			}
			if rng.IntN(4) == 0 {
				// Crash after the snapshot file, before its record.
				mustClose(t, w)
				if _, err := writeSnapshotFile(OSFS{}, dir, s); err != nil {
					t.Fatal(err)
				}
				m.saveSnapshot(s)
				var rec *Recovered
				w, rec = mustOpen(t, dir, opts)
				checkAgainstModel(t, what+" (unrecorded snapshot)\n"+dumpDir(dir), w, rec, &m)
				break
			}
			if err := w.SaveSnapshot(s); err != nil {
				t.Fatalf("%s: SaveSnapshot: %v", what, err)
			}
			m.saveSnapshot(s)
		case op < 15:
			idx := m.snap.Meta.Index
			if idx > 2 {
				idx -= uint64(rng.IntN(3))
			}
			if err := w.Compact(idx); err != nil {
				t.Fatalf("%s: Compact: %v", what, err)
			}
		default: // reopen and compare
			mustClose(t, w)
			var rec *Recovered
			var err error
			w, rec, err = Open(dir, opts)
			if err != nil {
				t.Fatalf("%s: Open: %v\n%s", what, err, dumpDir(dir))
			}
			checkAgainstModel(t, what+"\n"+dumpDir(dir), w, rec, &m)
		}
		if w.FirstIndex() != m.snap.Meta.Index+1 || w.LastIndex() != m.last() {
			t.Fatalf("%s: first/last %d/%d, model %d/%d", what, w.FirstIndex(), w.LastIndex(), m.snap.Meta.Index+1, m.last())
		}
	}
	mustClose(t, w)
	w, rec := mustOpen(t, dir, opts)
	checkAgainstModel(t, fmt.Sprintf("seed %d end\n%s", seed, dumpDir(dir)), w, rec, &m)
}

// dumpDir returns Inspect's text for dir, for failure messages.
func dumpDir(dir string) string {
	rep, err := Inspect(dir)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	rep.WriteText(&b)
	return b.String()
}

func checkAgainstModel(t *testing.T, what string, w *WAL, rec *Recovered, m *refLog) {
	t.Helper()
	if rec.Repaired != nil {
		t.Fatalf("%s: unexpected repair %+v", what, rec.Repaired)
	}
	if d := sameEntries(rec.Entries, m.ents); d != "" {
		t.Fatalf("%s: %s (model snapshot %+v)", what, d, m.snap.Meta)
	}
	if rec.HardState != m.hs {
		t.Fatalf("%s: hard state %+v, model %+v", what, rec.HardState, m.hs)
	}
	var got raft.SnapshotMeta
	if rec.Snapshot != nil {
		got = rec.Snapshot.Meta
		if string(rec.Snapshot.Data) != string(m.snap.Data) {
			t.Fatalf("%s: snapshot data %q, model %q", what, rec.Snapshot.Data, m.snap.Data)
		}
	}
	if !got.Equal(m.snap.Meta) {
		t.Fatalf("%s: snapshot %+v, model %+v", what, got, m.snap.Meta)
	}
}
