package wal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"raftplay/raft"
)

// The power-failure tests run the WAL on a FaultFS and stop it at a chosen
// file-system operation: from there on the simulated process is dead
// (crashAfter: every change fails, nothing more reaches the disk). The WAL
// is then closed, the power fails (PowerFail rewinds the directory to what
// was durable) and the WAL is reopened. Recovery must return exactly the
// acknowledged state (every Save, SaveSnapshot that returned nil), or that
// state plus the one operation that was in flight: never less, never
// anything that was not written.

// pfOp is one WAL operation of a power-failure run.
type pfOp struct {
	kind    string // "save", "snapshot", "unrecorded", "compact", "reopen", "powerfail"
	hs      raft.HardState
	ents    []raft.Entry
	snap    raft.Snapshot
	compact uint64
}

func (op pfOp) String() string {
	switch op.kind {
	case "save":
		s := "save"
		if len(op.ents) > 0 {
			s += fmt.Sprintf(" entries %d-%d term %d", op.ents[0].Index, op.ents[len(op.ents)-1].Index, op.ents[0].Term)
		}
		if !op.hs.IsEmpty() {
			s += fmt.Sprintf(" hardstate %+v", op.hs)
		}
		return s
	case "snapshot", "unrecorded":
		return fmt.Sprintf("%s %d term %d", op.kind, op.snap.Meta.Index, op.snap.Meta.Term)
	case "compact":
		return fmt.Sprintf("compact %d", op.compact)
	}
	return op.kind
}

func (m refLog) clone() refLog {
	m.ents = slices.Clone(m.ents)
	return m
}

// after returns the model once op took effect.
func (m refLog) after(op pfOp) refLog {
	m = m.clone()
	switch op.kind {
	case "save":
		m.save(op.hs, op.ents)
	case "snapshot", "unrecorded":
		m.saveSnapshot(op.snap)
	}
	return m
}

// genOp draws a valid operation for the state m.
func genOp(rng *rand.Rand, m *refLog, term *uint64, step int) pfOp {
	switch r := rng.IntN(20); {
	case r < 9:
		n := uint64(rng.IntN(6))
		op := pfOp{kind: "save", ents: mkEnts(m.last()+1, m.last()+n, *term, rng.IntN(80))}
		if rng.IntN(2) == 0 {
			op.hs = raft.HardState{Term: *term, Vote: uint64(rng.IntN(3)), Commit: m.last()}
		}
		return op
	case r < 11 && len(m.ents) > 0: // a follower overwrites a conflicting suffix
		*term++
		from := m.snap.Meta.Index + 1 + uint64(rng.IntN(len(m.ents)))
		return pfOp{kind: "save", hs: raft.HardState{Term: *term}, ents: mkEnts(from, from+uint64(rng.IntN(4)), *term, rng.IntN(40))}
	case r < 14:
		s := raft.Snapshot{Data: []byte(fmt.Sprintf("state at step %d", step))}
		if len(m.ents) > 0 && rng.IntN(3) > 0 {
			e := m.ents[rng.IntN(len(m.ents))]
			s.Meta = raft.SnapshotMeta{Index: e.Index, Term: e.Term}
			if rng.IntN(4) == 0 {
				*term++
				s.Meta.Term = *term
			}
		} else {
			*term++
			s.Meta = raft.SnapshotMeta{Index: m.last() + 1 + uint64(rng.IntN(5)), Term: *term}
		}
		kind := "snapshot"
		if rng.IntN(5) == 0 {
			kind = "unrecorded" // a crash between the file and its record
		}
		return pfOp{kind: kind, snap: s}
	case r < 17:
		idx := m.snap.Meta.Index
		if idx > 2 {
			idx -= uint64(rng.IntN(3))
		}
		return pfOp{kind: "compact", compact: idx}
	case r < 19:
		return pfOp{kind: "reopen"}
	}
	return pfOp{kind: "powerfail"}
}

// pfRun is one WAL directory on a FaultFS, with the acknowledged state.
type pfRun struct {
	t    testing.TB
	dir  string
	ffs  *FaultFS
	opts Options
	w    *WAL
	m    refLog // acknowledged: what recovery must return at least
	log  []string
}

func newPFRun(t testing.TB, segBytes int64) *pfRun {
	ffs := NewFaultFS()
	ffs.noFsync = true // only the model of durability matters here
	return &pfRun{t: t, dir: t.TempDir(), ffs: ffs, opts: Options{FS: ffs, SegmentBytes: segBytes, shrinkStep: max(1, segBytes/3)}}
}

// open opens the WAL; a simulated crash during Open is followed by a power
// failure and another try. It returns what recovery held.
func (r *pfRun) open() (*Recovered, error) {
	for {
		w, rec, err := Open(r.dir, r.opts)
		if err == nil {
			r.w = w
			return rec, nil
		}
		if !errors.Is(err, ErrCrashed) {
			return nil, err
		}
		r.log = append(r.log, "crash in Open")
		if err := r.ffs.PowerFail(r.dir); err != nil {
			return nil, err
		}
	}
}

// apply runs op on the open WAL. For the operations that reopen it, it
// returns what the reopened WAL recovered.
func (r *pfRun) apply(op pfOp) (*Recovered, error) {
	switch op.kind {
	case "save":
		return nil, r.w.Save(op.hs, op.ents)
	case "snapshot":
		return nil, r.w.SaveSnapshot(op.snap)
	case "compact":
		return nil, r.w.Compact(op.compact)
	}
	err := r.w.Close()
	r.w = nil
	if err != nil {
		return nil, err
	}
	switch op.kind {
	case "unrecorded":
		if _, err := writeSnapshotFile(r.ffs, r.dir, op.snap); err != nil {
			return nil, err
		}
	case "powerfail":
		if err := r.ffs.PowerFail(r.dir); err != nil {
			r.t.Fatal(err)
		}
	}
	return r.open()
}

// recoverFrom closes what is left of the WAL after a crash, fails the power,
// reopens and checks the recovery against the acknowledged state and, if
// inFlight is not nil, the state with the operation in flight done. It
// returns a description of what went wrong, or "".
func (r *pfRun) recoverFrom(inFlight *pfOp) string {
	if r.w != nil {
		r.w.Close() // fails after the crash; releases the files
		r.w = nil
	}
	if err := r.ffs.PowerFail(r.dir); err != nil {
		r.t.Fatal(err)
	}
	rec, err := r.open()
	if err != nil {
		return fmt.Sprintf("Open after power failure: %v", err)
	}
	cands := []refLog{r.m}
	if inFlight != nil {
		cands = append(cands, r.m.after(*inFlight))
	}
	var diffs []string
	for _, c := range cands {
		d := diffRecovered(rec, &c)
		if d == "" {
			r.m = c
			return ""
		}
		diffs = append(diffs, d)
	}
	return "recovered state is not what was acknowledged: " + strings.Join(diffs, "; nor with the operation in flight: ")
}

// diffRecovered tells how rec differs from m, or "".
func diffRecovered(rec *Recovered, m *refLog) string {
	if rec.Repaired != nil {
		return fmt.Sprintf("unexpected repair %v", rec.Repaired)
	}
	if d := sameEntries(rec.Entries, m.ents); d != "" {
		return fmt.Sprintf("%s (model entries %d-%d)", d, m.snap.Meta.Index+1, m.last())
	}
	if rec.HardState != m.hs {
		return fmt.Sprintf("hard state %+v, acknowledged %+v", rec.HardState, m.hs)
	}
	var got raft.SnapshotMeta
	var data []byte
	if rec.Snapshot != nil {
		got, data = rec.Snapshot.Meta, rec.Snapshot.Data
	}
	if !got.Equal(m.snap.Meta) || string(data) != string(m.snap.Data) {
		return fmt.Sprintf("snapshot %+v %q, acknowledged %+v %q", got, data, m.snap.Meta, m.snap.Data)
	}
	return ""
}

// run applies ops in order; a simulated crash (armed by the caller) stops
// the process: the WAL is recovered and checked. It returns the first
// violation, or "", and how many operations completed before a crash (all
// of them if none).
func (r *pfRun) run(ops []pfOp, stopAtCrash bool) (string, int) {
	for i, op := range ops {
		r.log = append(r.log, op.String())
		rec, err := r.apply(op)
		switch {
		case err == nil:
			r.m = r.m.after(op)
			if rec != nil {
				if d := diffRecovered(rec, &r.m); d != "" {
					return fmt.Sprintf("%s: recovered state is not what was acknowledged: %s", op, d), i
				}
			}
		case !errors.Is(err, ErrCrashed):
			return fmt.Sprintf("%s: unexpected error %v", op, err), i
		}
		r.ffs.mu.Lock()
		crashed := r.ffs.crashed
		r.ffs.mu.Unlock()
		if err == nil && !crashed {
			continue
		}
		// The process died during op (err != nil), or after its last
		// change (an error it ignored): recover.
		r.log = append(r.log, "crash, power failure")
		var inFlight *pfOp
		if err != nil {
			inFlight = &op
		}
		if v := r.recoverFrom(inFlight); v != "" {
			return v, i
		}
		if stopAtCrash {
			return "", i
		}
	}
	return "", len(ops)
}

func (r *pfRun) close() {
	if r.w != nil {
		r.w.Close()
	}
}

// pfScript draws n operations against a model of their effect.
func pfScript(rng *rand.Rand, n int) []pfOp {
	var m refLog
	term := uint64(1)
	var ops []pfOp
	for step := 0; step < n; step++ {
		op := genOp(rng, &m, &term, step)
		ops = append(ops, op)
		m = m.after(op)
	}
	return ops
}

// TestPowerFailEveryPoint runs a random script of WAL operations once to
// count its file-system operations, then again for each of them with the
// process dying right before it and the power failing: recovery returns
// the acknowledged state (or that plus the operation in flight), exactly.
// WAL_SEEDS=N runs N scripts (default 4).
func TestPowerFailEveryPoint(t *testing.T) {
	t.Parallel()
	seeds := 4
	if s, err := strconv.Atoi(os.Getenv("WAL_SEEDS")); err == nil {
		seeds = s
	}
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 2))
			segBytes := int64(200 + rng.IntN(600))
			ops := pfScript(rng, 40)
			total := dryOps(t, segBytes, ops)
			crashes := 0
			for k := 0; k <= total; k++ {
				r := newPFRun(t, segBytes)
				r.opts.prepareInline = true
				r.ffs.crashAfter(k)
				if _, err := r.open(); err != nil {
					t.Fatal(err)
				}
				v, done := r.run(ops, true)
				if v != "" {
					t.Fatalf("crash before file-system operation %d of %d, during operation %d (%s): %s\nops: %s\n%s",
						k, total, done, ops[min(done, len(ops)-1)], v, strings.Join(r.log, ", "), dumpDir(r.dir))
				}
				if done < len(ops) {
					crashes++
				}
				r.close()
			}
			t.Logf("%d operations, %d file-system operations, %d crash points checked", len(ops), total, crashes)
		})
	}
}

// TestPowerFailRandom runs long random sequences of WAL operations with a
// crash and power failure armed at random points (again after each
// recovery, and during Open), checking every recovery.
// WAL_SEEDS=N runs N seeds (default 20).
func TestPowerFailRandom(t *testing.T) {
	seeds := 20
	if s, err := strconv.Atoi(os.Getenv("WAL_SEEDS")); err == nil {
		seeds = s
	}
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			v, stats := powerFailRandom(t, uint64(seed), false)
			if v != "" {
				t.Fatal(v)
			}
			t.Log(stats)
		})
	}
}

// TestPowerFailSkipSyncLosesData is the same random test with SetSkipSync
// on: Saves return without anything being durable, and the test must
// catch acknowledged data lost. This shows the test can fail.
func TestPowerFailSkipSyncLosesData(t *testing.T) {
	for seed := 0; seed < 4; seed++ {
		v, _ := powerFailRandom(t, uint64(seed), true)
		if !strings.Contains(v, "not what was acknowledged") {
			t.Fatalf("seed %d: skipping fsync lost nothing the test could see (violation %q)", seed, v)
		}
		t.Logf("seed %d: %s", seed, v)
	}
}

func powerFailRandom(t *testing.T, seed uint64, skipSync bool) (string, FSStats) {
	rng := rand.New(rand.NewPCG(seed, 3))
	r := newPFRun(t, int64(200+rng.IntN(800)))
	defer r.close()
	r.ffs.SetSkipSync(skipSync)
	if _, err := r.open(); err != nil {
		t.Fatal(err)
	}
	term := uint64(1)
	crashes := 0
	for step := 0; step < 250; step++ {
		if rng.IntN(5) == 0 {
			r.ffs.crashAfter(rng.IntN(12))
		}
		op := genOp(rng, &r.m, &term, step)
		if skipSync && op.kind == "reopen" {
			op.kind = "powerfail" // make the loss show
		}
		n := len(r.log)
		v, _ := r.run([]pfOp{op}, false)
		if slices.Contains(r.log[n:], "crash, power failure") {
			crashes++
		}
		if v != "" {
			return fmt.Sprintf("seed %d step %d: %s\nlast operations: %s", seed, step, v, strings.Join(r.log[max(0, len(r.log)-8):], ", ")), r.ffs.Stats()
		}
		if r.w == nil {
			t.Fatalf("seed %d step %d: no WAL", seed, step)
		}
		if r.w.FirstIndex() != r.m.snap.Meta.Index+1 || r.w.LastIndex() != r.m.last() {
			return fmt.Sprintf("seed %d step %d: first/last %d/%d, model %d/%d", seed, step, r.w.FirstIndex(), r.w.LastIndex(), r.m.snap.Meta.Index+1, r.m.last()), r.ffs.Stats()
		}
	}
	r.ffs.crashAfter(-1)
	r.log = append(r.log, "final power failure")
	r.w.Close()
	r.w = nil
	if v := r.recoverFrom(nil); v != "" {
		return fmt.Sprintf("seed %d end: %s", seed, v), r.ffs.Stats()
	}
	s := r.ffs.Stats()
	t.Logf("seed %d: %d crashes; %v", seed, crashes, s)
	return "", s
}

// A process that dies between a WAL write and its fsync leaves the write in
// the page cache: the next Open reads it back, and the node would hold and
// acknowledge those entries again. Flush makes them durable: a power failure
// after it keeps them, even when the process dies again at once (no fsync at
// Close). Without the Flush they are lost, which shows the test can fail.
func TestFlushMakesWhatOpenReadDurable(t *testing.T) {
	for _, flush := range []bool{true, false} {
		dir := t.TempDir()
		ffs := NewFaultFS()
		w, _ := mustOpen(t, dir, Options{FS: ffs})
		hs := raft.HardState{Term: 1, Vote: 1}
		mustSave(t, w, hs, mkEnts(1, 3, 1, 10))
		if _, err := w.Write(hs, mkEnts(4, 5, 1, 10)); err != nil { // written, never fsynced
			t.Fatal(err)
		}
		ffs.Crash()
		w.Close() // the process is dead: its last fsync fails
		if st := ffs.Stats(); st.Unsynced == 0 {
			t.Fatal("the crash left nothing undurable: the test shows nothing")
		}
		ffs.Revive()
		w, rec := mustOpen(t, dir, Options{FS: ffs})
		if d := sameEntries(rec.Entries, mkEnts(1, 5, 1, 10)); d != "" {
			t.Fatalf("after the crash: %s", d)
		}
		if flush {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		ffs.Crash() // dies again: Close fsyncs nothing
		w.Close()
		mustPowerFail(t, ffs, dir)
		w, rec = mustOpen(t, dir, Options{FS: ffs})
		d := sameEntries(rec.Entries, mkEnts(1, 5, 1, 10))
		mustClose(t, w)
		switch {
		case flush && d != "":
			t.Fatalf("a power failure after the Flush lost what Open had read: %s", d)
		case !flush && d == "":
			t.Fatal("without a Flush the power failure lost nothing: the test cannot tell")
		}
	}
}

// dryOps runs ops on a fresh WAL without a crash, checking what it
// recovers, and returns how many file-system operations they take (the
// same on every run: the next segment is prepared inline).
func dryOps(t *testing.T, segBytes int64, ops []pfOp) int {
	t.Helper()
	dry := newPFRun(t, segBytes)
	dry.opts.prepareInline = true
	if _, err := dry.open(); err != nil {
		t.Fatal(err)
	}
	if v, _ := dry.run(ops, true); v != "" {
		t.Fatalf("without a crash: %s", v)
	}
	dry.close()
	return int(dry.ffs.opCount())
}
