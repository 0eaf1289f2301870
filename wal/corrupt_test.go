package wal

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/raft"
)

// writeLog writes entries 1..n (in batches of 3, size bytes each) with
// hard states into a new directory and closes it. Segments after the first
// are preallocated when the log grows past an eighth of segBytes (the
// preparation inline, so the same on every run).
func writeLog(t *testing.T, segBytes int64, n uint64, size int) string {
	t.Helper()
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: segBytes, prepareInline: true})
	for i := uint64(1); i <= n; i += 3 {
		mustSave(t, w, raft.HardState{Term: 1, Commit: i - 1}, mkEnts(i, min(i+2, n), 1, size))
	}
	mustClose(t, w)
	return dir
}

// openCorrupt opens dir, which must fail with a CorruptError, and checks
// that Open changed nothing.
func openCorrupt(t *testing.T, dir string) *CorruptError {
	t.Helper()
	before := readDirFiles(t, dir)
	_, _, err := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Open = %v, want a *CorruptError", err)
	}
	if d := sameFiles(before, readDirFiles(t, dir)); d != "" {
		t.Fatalf("Open refused but changed the directory: %s", d)
	}
	return ce
}

// CorruptSegment damages the newest sealed segment, or the only one; Open
// refuses with a CorruptError naming the file and offset the description
// names.
func TestCorruptSegment(t *testing.T) {
	for _, tc := range []struct {
		name     string
		segBytes int64
		n        uint64
		size     int
	}{
		{"sealed", 300, 30, 20},
		{"only segment", 1 << 20, 30, 20},
		{"only segment, one record", 1 << 20, 1, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeLog(t, tc.segBytes, tc.n, tc.size)
			l, _ := listDir(OSFS{}, dir)
			want := l.segments[max(0, len(l.segments)-2)]
			desc, err := CorruptSegment(dir)
			if err != nil {
				t.Fatal(err)
			}
			ce := openCorrupt(t, dir)
			if ce.File != want || ce.Offset < segmentHeaderSize {
				t.Fatalf("CorruptError %v, want one in %s past its header", ce, want)
			}
			if !strings.Contains(desc, ce.File) || !strings.Contains(desc, fmt.Sprintf("offset %d", ce.Offset)) {
				t.Fatalf("description %q does not name %s at offset %d", desc, ce.File, ce.Offset)
			}
			t.Log(desc)
		})
	}
	t.Run("header only", func(t *testing.T) {
		dir := t.TempDir()
		w, _ := mustOpen(t, dir, Options{})
		mustClose(t, w)
		desc, err := CorruptSegment(dir)
		if err != nil {
			t.Fatal(err)
		}
		ce := openCorrupt(t, dir)
		if ce.Offset != 0 || !strings.Contains(desc, ce.File) || !strings.Contains(desc, "header") {
			t.Fatalf("CorruptError %v, description %q", ce, desc)
		}
	})
	// In the last segment, a checksum mismatch in a record holding a zeroed
	// sector reads as a torn tail; CorruptSegment passes such records over.
	t.Run("zeroed sector in the newest record", func(t *testing.T) {
		dir := t.TempDir()
		w, _ := mustOpen(t, dir, Options{})
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 2, 1, 10))
		mustSave(t, w, raft.HardState{}, []raft.Entry{{Index: 3, Term: 1, Data: make([]byte, 3000)}})
		mustClose(t, w)
		rep, _ := Inspect(dir)
		recs := rep.Segments[0].Records
		big := recs[len(recs)-1].Offset
		if _, err := CorruptSegment(dir); err != nil {
			t.Fatal(err)
		}
		if ce := openCorrupt(t, dir); ce.Offset != recs[len(recs)-2].Offset {
			t.Fatalf("got %v, want the record before the one with zeroed sectors (at %d)", ce, big)
		}
	})
	t.Run("open", func(t *testing.T) {
		dir := t.TempDir()
		w, _ := mustOpen(t, dir, Options{})
		defer mustClose(t, w)
		if _, err := CorruptSegment(dir); !errors.Is(err, ErrLocked) {
			t.Fatalf("CorruptSegment of an open WAL = %v", err)
		}
	})
}

// CorruptSnapshot damages the newest snapshot file: a recorded snapshot
// makes Open refuse; an unrecorded one is ignored.
func TestCorruptSnapshot(t *testing.T) {
	dir := writeLog(t, 300, 30, 20)
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 300})
	for _, i := range []uint64{10, 20} {
		if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: i, Term: 1}, Data: []byte("state")}); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, w)
	desc, err := CorruptSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	name := snapshotName(raft.SnapshotMeta{Index: 20, Term: 1})
	ce := openCorrupt(t, dir)
	if ce.File != name || !strings.Contains(ce.Error(), "checksum") || !strings.Contains(desc, name) || !strings.Contains(desc, "refuses") {
		t.Fatalf("CorruptError %v, description %q", ce, desc)
	}
	t.Log(desc)
	t.Log(ce)
	// Inspect says what Open does: the recorded snapshot keeps the node
	// down (it said the node ignores a damaged snapshot); so does its
	// file missing.
	inspectSays := func(want string, recorded, missing bool) {
		t.Helper()
		r, err := Inspect(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Problems {
			if p.File == name && p.Recorded == recorded && p.Missing == missing && strings.Contains(p.String(), want) {
				return
			}
		}
		t.Errorf("Inspect: %+v, want %s with %q", r.Problems, name, want)
	}
	inspectSays("the node will not start until it is repaired", true, false)
	os.Remove(filepath.Join(dir, name))
	inspectSays("the file is missing: the node will not start", true, true)

	// A snapshot file the log does not record (a crash came between the
	// file and its record): Open ignores the damaged file.
	dir = writeLog(t, 1<<20, 9, 20)
	if _, err := writeSnapshotFile(OSFS{}, dir, raft.Snapshot{Meta: raft.SnapshotMeta{Index: 5, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	desc, err = CorruptSnapshot(dir)
	if err != nil || !strings.Contains(desc, "does not record") {
		t.Fatalf("CorruptSnapshot = %q, %v", desc, err)
	}
	if r, err := Inspect(dir); err != nil || len(r.Problems) != 1 || r.Problems[0].Recorded || !strings.Contains(r.Problems[0].String(), "the node ignores it") {
		t.Errorf("Inspect of an unrecorded damaged snapshot: %+v, %v", r, err)
	}
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if rec.Snapshot != nil || len(rec.Entries) != 9 {
		t.Fatalf("recovered snapshot %v and %d entries", rec.Snapshot, len(rec.Entries))
	}
	if _, err := CorruptSnapshot(t.TempDir()); err == nil {
		t.Fatal("CorruptSnapshot without a snapshot succeeded")
	}
}

// TearTail cuts the last record in the middle; Open repairs it, losing
// that record only, and keeps the cut bytes aside as described.
func TestTearTail(t *testing.T) {
	zeroed := 0
	defer func() {
		if zeroed == 0 && !t.Failed() {
			t.Error("no preallocated last segment was torn")
		}
	}()
	for _, segBytes := range []int64{1 << 20, 300} {
		dir := writeLog(t, segBytes, 30, 20)
		l, _ := listDir(OSFS{}, dir)
		last := l.segments[len(l.segments)-1]
		rep, _ := Inspect(dir)
		recs := rep.Segments[len(rep.Segments)-1].Records
		tornRec := recs[len(recs)-1]
		desc, err := TearTail(dir)
		if err != nil {
			t.Fatal(err)
		}
		w, rec := mustOpen(t, dir, Options{})
		r := rec.Repaired
		if r == nil || r.File != last || r.Offset != tornRec.Offset {
			t.Fatalf("segBytes %d: repaired %+v, want %s cut at %d", segBytes, r, last, tornRec.Offset)
		}
		if !strings.Contains(desc, last) || !strings.Contains(desc, fmt.Sprintf("offset %d", r.Offset)) || !strings.Contains(desc, r.Kept) {
			t.Fatalf("description %q does not match repair %v", desc, r)
		}
		// In a preallocated segment the zeros are not counted as lost.
		if z := rep.Segments[len(rep.Segments)-1].Zeroed; z > 0 {
			zeroed++
			if !strings.Contains(desc, fmt.Sprintf("and the %d bytes of zeros after it", z)) {
				t.Fatalf("segBytes %d: description %q does not set the %d zeros apart", segBytes, desc, z)
			}
		}
		// The torn record was the last hard state (after the last batch).
		if d := sameEntries(rec.Entries, mkEnts(1, 30, 1, 20)); tornRec.Type == RecordHardState && d != "" {
			t.Fatal(d)
		}
		if tornRec.Type == RecordEntry && len(rec.Entries) != 29 {
			t.Fatalf("%d entries after tearing an entry", len(rec.Entries))
		}
		mustClose(t, w)
		t.Log(desc)
	}
	// A segment with no record: nothing a crash could tear (its header
	// was durable before it had its name), so nothing is done.
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustClose(t, w)
	before := readDirFiles(t, dir)
	if _, err := TearTail(dir); !errors.Is(err, ErrNothingToDamage) {
		t.Fatalf("TearTail of a segment with no record = %v, want ErrNothingToDamage", err)
	}
	if after := readDirFiles(t, dir); !maps.EqualFunc(before, after, bytes.Equal) {
		t.Fatal("TearTail changed a segment it refused to tear")
	}
}

// A segment shorter than its header, or with a header that does not decode,
// is damage even when it is the last one: no crash leaves one so. Read as a
// torn tail, an emptied only segment made its node start with no log, term
// or vote (amnesia), and an emptied last one lost its records.
func TestShortLastSegmentIsCorrupt(t *testing.T) {
	for _, segBytes := range []int64{1 << 20, 700} {
		for _, size := range []int{0, 10, segmentHeaderSize - 1} {
			dir := writeLog(t, segBytes, 3, 5)
			l, err := listDir(OSFS{}, dir)
			if err != nil {
				t.Fatal(err)
			}
			last := l.segments[len(l.segments)-1]
			if err := os.Truncate(filepath.Join(dir, last), int64(size)); err != nil {
				t.Fatal(err)
			}
			before := readDirFiles(t, dir)
			_, _, err = Open(dir, Options{})
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.File != last {
				t.Fatalf("segBytes %d, %s cut to %d bytes: Open = %v, want a CorruptError naming it", segBytes, last, size, err)
			}
			if after := readDirFiles(t, dir); !maps.EqualFunc(before, after, bytes.Equal) {
				t.Fatalf("segBytes %d: a refused Open changed the directory", segBytes)
			}
			rep, err := Inspect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) == 0 || rep.Problems[len(rep.Problems)-1].Torn {
				t.Fatalf("segBytes %d, cut to %d: Inspect problems %+v, want damage that is not a torn tail", segBytes, size, rep.Problems)
			}
		}
	}
}

func TestCorruptByName(t *testing.T) {
	dir := writeLog(t, 1<<20, 3, 5)
	if _, err := Corrupt(dir, "disk"); err == nil || !strings.Contains(err.Error(), "segment, snapshot or tail") {
		t.Fatalf("Corrupt(disk) = %v", err)
	}
	if _, err := Corrupt(dir, "tail"); err != nil {
		t.Fatal(err)
	}
	if _, err := Corrupt(filepath.Join(dir, "nope"), "segment"); err == nil {
		t.Fatal("Corrupt of a missing directory succeeded")
	}
}

// A second tear in a row tears the record before the first torn one: the
// bytes after it are what was left of that one, not zeros, and when it is
// an entry the description says what losing an acknowledged one means.
func TestTearTailTwice(t *testing.T) {
	dir := writeLog(t, 1<<20, 5, 1)
	w, _ := mustOpen(t, dir, Options{})
	if err := w.Save(raft.HardState{Term: 1, Vote: 1, Commit: 3}, nil); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	first, err := TearTail(dir)
	if err != nil || !strings.Contains(first, "hardstate") || strings.Contains(first, "left of a record torn before") {
		t.Fatalf("first tear: %q, %v", first, err)
	}
	// Tear on until an entry is torn: each tear after the first finds
	// the remains of the one before.
	for i := 2; ; i++ {
		desc, err := TearTail(dir)
		if err != nil || !strings.Contains(desc, "left of a record torn before") || strings.Contains(desc, "zeros") {
			t.Fatalf("tear %d: %q, %v", i, desc, err)
		}
		if strings.Contains(desc, "(entry,") {
			if !strings.Contains(desc, "a disk losing acknowledged data") {
				t.Fatalf("tear %d of an entry: %q", i, desc)
			}
			break
		}
		if i == 6 {
			t.Fatalf("no entry torn in %d tears: %q", i, desc)
		}
	}
}
