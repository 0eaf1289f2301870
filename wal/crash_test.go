package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"raftplay/raft"
)

// model is an independent statement of what a prefix of the record stream
// means: entries (with suffix replacement) and the last hard state.
type model struct {
	ents []raft.Entry
	hs   raft.HardState
}

// savedLog is a log written for the crash tests, with the byte offset at
// which every record ends, per segment, and the state after each prefix.
type savedLog struct {
	files map[string][]byte
	segs  []string  // segment names in order
	ends  [][]int   // ends[s][k]: end offset of record k in segment s
	state [][]model // state[s][k]: the model after record k of segment s
	base  []model   // base[s]: the model before segment s's records
}

// writeCrashLog writes a varied log: batches of 1-5 entries of 0-40 bytes,
// hard state changes, a noop, and a conflicting overwrite.
func writeCrashLog(t *testing.T, segBytes int64, saves int) savedLog {
	t.Helper()
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: segBytes})
	next := uint64(1)
	term := uint64(1)
	for i := 0; i < saves; i++ {
		n := uint64(i%5 + 1)
		ents := mkEnts(next, next+n-1, term, (i*13)%41)
		hs := raft.HardState{}
		if i%3 == 0 {
			hs = raft.HardState{Term: term, Vote: uint64(i%3 + 1), Commit: next - 1}
		}
		if i == 4 {
			ents[0].Type, ents[0].Data = raft.EntryNoop, nil
		}
		if i == saves-5 { // overwrite a conflicting suffix
			term++
			ents = mkEnts(next-3, next-2, term, 7)
		}
		mustSave(t, w, hs, ents)
		next = ents[len(ents)-1].Index + 1
	}
	mustClose(t, w)
	rep, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := savedLog{files: readDirFiles(t, dir)}
	var m model
	for _, s := range rep.Segments {
		l.segs = append(l.segs, s.Name)
		l.base = append(l.base, m.clone())
		b := l.files[s.Name]
		var ends []int
		var states []model
		for _, r := range s.Records {
			if !r.CRCOK {
				t.Fatalf("fresh log has a bad record: %+v", r)
			}
			end := int(r.Offset) + frameHeaderSize + r.Length
			f, err := decodeFrame(b, int(r.Offset), crcBefore(b, int(r.Offset)), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			m.apply(f)
			ends = append(ends, end)
			states = append(states, m.clone())
		}
		l.ends = append(l.ends, ends)
		l.state = append(l.state, states)
	}
	return l
}

// crcBefore returns the chain seed of the record at off.
func crcBefore(b []byte, off int) uint32 {
	if off == segmentHeaderSize {
		h, _ := parseHeader(b)
		return h.crc
	}
	// Walk from the start; fine for small test logs.
	h, _ := parseHeader(b)
	o, prev := segmentHeaderSize, h.crc
	for o < off {
		f, err := decodeFrame(b, o, prev, 1<<20)
		if err != nil {
			panic(err)
		}
		o += f.size
		prev = f.crc
	}
	return prev
}

func (m *model) apply(f frame) {
	switch f.typ {
	case RecordEntry:
		e := entryOf(f.payload)
		e.Data = append([]byte(nil), e.Data...)
		m.ents = append(m.ents[:e.Index-1], e)
	case RecordHardState:
		m.hs = hardStateOf(f.payload)
	}
}

func (m model) clone() model {
	return model{ents: append([]raft.Entry(nil), m.ents...), hs: m.hs}
}

// expectAt returns the state of the log whose segment s is cut at off.
func (l savedLog) expectAt(s, off int) model {
	m := l.base[s]
	for k, end := range l.ends[s] {
		if end <= off {
			m = l.state[s][k]
		}
	}
	return m
}

// checkRecovered fails unless rec equals want.
func checkRecovered(t *testing.T, what string, rec *Recovered, want model) {
	t.Helper()
	if d := sameEntries(rec.Entries, want.ents); d != "" {
		t.Fatalf("%s: %s", what, d)
	}
	if rec.HardState != want.hs {
		t.Fatalf("%s: hard state %+v, want %+v", what, rec.HardState, want.hs)
	}
}

// variant returns the log's files with the last segment replaced by last.
func (l savedLog) variant(s int, seg []byte) map[string][]byte {
	m := map[string][]byte{}
	for name, b := range l.files {
		m[name] = b
	}
	m[l.segs[s]] = seg
	return m
}

// TestCrashEveryOffset cuts the last segment at every byte offset: Open must
// repair it to exactly the records wholly before the cut (past its header;
// within it, refuse it as damage).
func TestCrashEveryOffset(t *testing.T) {
	t.Parallel()
	for _, segBytes := range []int64{1 << 20, 700} {
		l := writeCrashLog(t, segBytes, 14)
		s := len(l.segs) - 1
		full := l.files[l.segs[s]]
		dir := t.TempDir()
		for off := 0; off <= len(full); off++ {
			os.RemoveAll(dir)
			writeDirFiles(t, dir, l.variant(s, full[:off]))
			what := fmt.Sprintf("segBytes %d, %d segments, cut at %d", segBytes, len(l.segs), off)
			w, rec, err := Open(dir, Options{})
			if off < segmentHeaderSize {
				// No crash cuts a segment's header (it is durable before
				// the segment has its name): damage.
				var ce *CorruptError
				if !errors.As(err, &ce) {
					t.Fatalf("%s: Open = %v, want a CorruptError", what, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			want := l.expectAt(s, off)
			checkRecovered(t, what, rec, want)
			atBoundary := off == segmentHeaderSize || sort.SearchInts(l.ends[s], off) < len(l.ends[s]) && l.ends[s][sort.SearchInts(l.ends[s], off)] == off
			// A preallocated segment: its records end before its zeros do.
			lastEnd := segmentHeaderSize
			if k := len(l.ends[s]); k > 0 {
				lastEnd = l.ends[s][k-1]
			}
			inZeros := off >= lastEnd
			if (rec.Repaired == nil) != (atBoundary || inZeros || off == len(full)) {
				t.Fatalf("%s: Repaired = %+v", what, rec.Repaired)
			}
			// The repaired log takes new writes and reads back again.
			more := mkEnts(uint64(len(want.ents))+1, uint64(len(want.ents))+2, 9, 5)
			mustSave(t, w, raft.HardState{}, more)
			mustClose(t, w)
			w, rec = mustOpen(t, dir, Options{})
			want.ents = append(want.ents, more...)
			checkRecovered(t, what+", reopened", rec, want)
			if rec.Repaired != nil {
				t.Fatalf("%s: second repair %+v", what, rec.Repaired)
			}
			mustClose(t, w)
		}
	}
}

// TestCrashZeroedTail zeroes the last segment from record and sector
// boundaries to its end, and punches a zeroed sector into the tail: the
// damage is repaired as a torn tail.
func TestCrashZeroedTail(t *testing.T) {
	l := writeCrashLog(t, 1<<20, 14)
	s := len(l.segs) - 1
	full := l.files[l.segs[s]]
	var starts []int
	starts = append(starts, l.ends[s]...)
	for b := sectorSize; b < len(full); b += sectorSize {
		starts = append(starts, b)
	}
	root := t.TempDir()
	for i, o := range starts {
		for _, hole := range []bool{false, true} {
			b := append([]byte(nil), full...)
			end := len(b)
			if hole {
				end = min(len(b), (o/sectorSize+1)*sectorSize)
			}
			clear(b[o:end])
			b = append(b, make([]byte, 100)...) // size grew, data never landed
			dir := filepath.Join(root, fmt.Sprint(i, hole))
			writeDirFiles(t, dir, l.variant(s, b))
			what := fmt.Sprintf("zeroed from %d to %d", o, end)
			w, rec, err := Open(dir, Options{})
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if rec.Repaired == nil {
				// Zeros from a record's end to the end of the file are how a
				// preallocated segment ends: nothing to repair.
				if !slices.Contains(l.ends[s], o) || !allZero(b[o:]) {
					t.Fatalf("%s: not repaired", what)
				}
				checkRecovered(t, what, rec, l.expectAt(s, o))
				if fi, err := os.Stat(filepath.Join(dir, l.segs[s])); err != nil || fi.Size() != int64(len(b)) {
					t.Fatalf("%s: the zeroed end was changed: %v %v", what, fi, err)
				}
				mustClose(t, w)
				continue
			}
			checkRecovered(t, what, rec, l.expectAt(s, int(rec.Repaired.Offset)))
			if int(rec.Repaired.Offset) > o {
				t.Fatalf("%s: repaired at %d, after the damage", what, rec.Repaired.Offset)
			}
			kept, err := os.ReadFile(filepath.Join(dir, rec.Repaired.Kept))
			// Kept: the bytes from the cut up to the last sector with data.
			off := int(rec.Repaired.Offset)
			if err != nil || len(kept) == 0 || string(kept) != string(b[off:off+len(kept)]) || !allZero(b[off+len(kept):]) || len(kept) > 0 && allZero(kept[(len(kept)-1)/sectorSize*sectorSize:]) {
				t.Fatalf("%s: kept bytes wrong (%v)", what, err)
			}
			mustClose(t, w)
		}
	}
}

// TestBitFlips flips every bit of a small two-segment log in turn. Open
// either repairs a torn tail of the last segment, returning a prefix of the
// records, or refuses with a CorruptError and changes nothing.
// WAL_LONG=1 runs it on the larger crash-test log too.
func TestBitFlips(t *testing.T) {
	bitFlips(t, writeCrashLog(t, 250, 7))
	if os.Getenv("WAL_LONG") != "" {
		bitFlips(t, writeCrashLog(t, 700, 14))
	}
}

func bitFlips(t *testing.T, l savedLog) {
	if len(l.segs) < 2 {
		t.Fatalf("want 2+ segments, got %d", len(l.segs))
	}
	l.files = map[string][]byte{l.segs[0]: l.files[l.segs[0]], l.segs[1]: l.files[l.segs[1]]}
	l.segs, l.ends, l.state, l.base = l.segs[:2], l.ends[:2], l.state[:2], l.base[:2]
	dir := t.TempDir()
	reset := func() {
		os.RemoveAll(dir)
		writeDirFiles(t, dir, l.files)
	}
	reset()
	refused, repaired := 0, 0
	for s := range l.segs {
		full := l.files[l.segs[s]]
		path := filepath.Join(dir, l.segs[s])
		for bit := 0; bit < len(full)*8; bit++ {
			b := append([]byte(nil), full...)
			b[bit/8] ^= 1 << (bit % 8)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("segment %d of %d bytes, bit %d (byte %d)", s, len(full), bit, bit/8)
			w, rec, err := Open(dir, Options{})
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s: error %v is not ErrCorrupt", what, err)
				}
				if d := sameFiles(l.variant(s, b), readDirFiles(t, dir)); d != "" {
					t.Fatalf("%s: refused but changed the directory: %s", what, d)
				}
				refused++
				continue
			}
			if s != len(l.segs)-1 || rec.Repaired == nil {
				t.Fatalf("%s: accepted (Repaired %+v)", what, rec.Repaired)
			}
			repaired++
			checkRecovered(t, what, rec, l.expectAt(s, int(rec.Repaired.Offset)))
			mustClose(t, w)
			reset()
		}
		if err := os.WriteFile(path, full, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d flips refused, %d repaired as torn tails", refused, repaired)
}
