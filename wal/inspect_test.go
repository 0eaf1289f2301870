package wal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/raft"
)

// inspectText returns Inspect's report of dir and its text, describing
// entries by their data.
func inspectText(t *testing.T, dir string) (*Report, string) {
	t.Helper()
	rep, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteTextWith(&b, func(e raft.Entry) string { return "data=" + string(e.Data) }); err != nil {
		t.Fatal(err)
	}
	return rep, b.String()
}

// TestInspectDecodesRecords: hard state records show term, vote and
// commit; entries show their contents through the caller's describe; a
// healthy WAL has no problems; counts are pluralized.
func TestInspectDecodesRecords(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 3, Vote: 2, Commit: 1}, []raft.Entry{
		{Index: 1, Term: 3, Type: raft.EntryNoop},
		{Index: 2, Term: 3, Type: raft.EntryNormal, Data: []byte("put x")},
	})
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 2, Term: 3}, Data: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	rep, text := inspectText(t, dir)
	if len(rep.Problems) != 0 {
		t.Errorf("healthy WAL has problems: %v", rep.Problems)
	}
	for _, want := range []string{
		": 1 segment, 1 snapshot\n",
		"hardstate len=24     term=3 vote=2 commit=1 crc=ok\n",
		"entry     len=17     index=1 term=3 crc=ok data=\n",
		"entry     len=22     index=2 term=3 crc=ok data=put x\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	var plain strings.Builder
	rep.WriteText(&plain)
	if !strings.Contains(plain.String(), "index=1 term=3 crc=ok no-op\n") || !strings.Contains(plain.String(), "index=2 term=3 crc=ok 5 bytes\n") {
		t.Errorf("WriteText without describe:\n%s", plain.String())
	}
	var e raft.Entry
	for _, r := range rep.Segments[0].Records {
		if r.Type == RecordEntry && r.Index == 2 {
			e = r.Entry()
		}
	}
	if e.Type != raft.EntryNormal || !bytes.Equal(e.Data, []byte("put x")) {
		t.Errorf("entry 2 = %+v", e)
	}
}

// segmentFiles writes a log that spans several segments and returns the
// directory and its segment names, oldest first.
func segmentFiles(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 200})
	for i := uint64(1); i <= 12; i += 2 {
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(i, i+1, 1, 30))
	}
	mustClose(t, w)
	rep, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Segments) < 3 || len(rep.Problems) != 0 {
		t.Fatalf("want 3 or more healthy segments, got %d, problems %v", len(rep.Segments), rep.Problems)
	}
	var names []string
	for _, s := range rep.Segments {
		names = append(names, s.Name)
	}
	return dir, names
}

// TestInspectProblems: each kind of damage is a Problem naming the file and
// the offset; a torn tail of the last segment is told apart from
// corruption, as Open tells them apart.
func TestInspectProblems(t *testing.T) {
	t.Run("checksum", func(t *testing.T) {
		dir, segs := segmentFiles(t)
		rep, _ := inspectText(t, dir)
		rec := rep.Segments[1].Records[1]
		path := filepath.Join(dir, segs[1])
		b, _ := os.ReadFile(path)
		b[rec.Offset+frameHeaderSize+entryFixedSize] ^= 0x10 // a data byte
		os.WriteFile(path, b, 0o644)
		rep, text := inspectText(t, dir)
		want := Problem{File: segs[1], Offset: rec.Offset, What: "record checksum mismatch"}
		if len(rep.Problems) != 1 || rep.Problems[0] != want {
			t.Fatalf("problems %+v, want %+v", rep.Problems, want)
		}
		if !strings.Contains(rep.Problems[0].String(), "at offset ") || !strings.Contains(rep.Problems[0].String(), "corrupt; the node will not start") {
			t.Errorf("problem text %q", rep.Problems[0])
		}
		if !strings.Contains(text, "crc=BAD\n") {
			t.Errorf("listing does not mark the record:\n%s", text)
		}
		_, _, err := Open(dir, Options{})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.File != want.File || ce.Offset != want.Offset {
			t.Errorf("Open = %v, but Inspect says %v", err, want)
		}
	})
	t.Run("length", func(t *testing.T) {
		// A flipped bit in a record's length: one problem, where it is,
		// not a second one where the wrong length leads.
		dir, segs := segmentFiles(t)
		rep, _ := inspectText(t, dir)
		rec := rep.Segments[0].Records[1]
		path := filepath.Join(dir, segs[0])
		b, _ := os.ReadFile(path)
		b[rec.Offset] ^= 0x04
		os.WriteFile(path, b, 0o644)
		rep, text := inspectText(t, dir)
		if len(rep.Problems) != 1 || rep.Problems[0].Offset != rec.Offset || rep.Problems[0].File != segs[0] ||
			!strings.Contains(rep.Problems[0].What, "nothing from here on can be read") {
			t.Fatalf("problems %+v, want one at %d saying the rest cannot be read\n%s", rep.Problems, rec.Offset, text)
		}
	})
	t.Run("torn tail", func(t *testing.T) {
		dir, segs := segmentFiles(t)
		last := segs[len(segs)-1]
		path := filepath.Join(dir, last)
		b, _ := os.ReadFile(path)
		rep, _ := inspectText(t, dir)
		recs := rep.Segments[len(segs)-1].Records
		cut := recs[len(recs)-1].Offset + 5 // half a record header left
		os.WriteFile(path, b[:cut], 0o644)
		rep, text := inspectText(t, dir)
		if len(rep.Problems) != 1 || !rep.Problems[0].Torn || rep.Problems[0].File != last || rep.Problems[0].Offset != recs[len(recs)-1].Offset {
			t.Fatalf("problems %+v, want a torn tail in %s at %d", rep.Problems, last, recs[len(recs)-1].Offset)
		}
		if s := rep.Problems[0].String(); !strings.Contains(s, "a torn tail") || !strings.Contains(s, ".broken") {
			t.Errorf("problem text %q", s)
		}
		if !strings.Contains(text, " torn-tail\n") {
			t.Errorf("listing does not mark the torn tail:\n%s", text)
		}
	})
	t.Run("cut in an older segment", func(t *testing.T) {
		dir, segs := segmentFiles(t)
		path := filepath.Join(dir, segs[0])
		b, _ := os.ReadFile(path)
		os.WriteFile(path, b[:len(b)-3], 0o644)
		rep, _ := inspectText(t, dir)
		if len(rep.Problems) != 1 || rep.Problems[0].Torn || rep.Problems[0].File != segs[0] {
			t.Fatalf("problems %+v, want corruption in %s", rep.Problems, segs[0])
		}
	})
	t.Run("header", func(t *testing.T) {
		dir, segs := segmentFiles(t)
		path := filepath.Join(dir, segs[1])
		b, _ := os.ReadFile(path)
		b[0] = 'X'
		os.WriteFile(path, b, 0o644)
		rep, _ := inspectText(t, dir)
		if len(rep.Problems) != 1 || rep.Problems[0].File != segs[1] || rep.Problems[0].Offset != 0 || !strings.HasPrefix(rep.Problems[0].What, "bad segment header: bad magic") {
			t.Fatalf("problems %+v", rep.Problems)
		}
	})
	t.Run("missing segment", func(t *testing.T) {
		dir, segs := segmentFiles(t)
		os.Remove(filepath.Join(dir, segs[1]))
		rep, _ := inspectText(t, dir)
		if len(rep.Problems) != 1 || rep.Problems[0].File != segs[2] || !strings.Contains(rep.Problems[0].What, "segments missing") {
			t.Fatalf("problems %+v", rep.Problems)
		}
	})
	t.Run("snapshot", func(t *testing.T) {
		dir, _ := segmentFiles(t)
		snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 4, Term: 1}, Data: []byte("state")}
		if _, err := writeSnapshotFile(OSFS{}, dir, snap); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, snapshotName(snap.Meta))
		b, _ := os.ReadFile(path)
		b[len(b)-6] ^= 1
		os.WriteFile(path, b, 0o644)
		rep, _ := inspectText(t, dir)
		if len(rep.Problems) != 1 || !rep.Problems[0].Snapshot || rep.Problems[0].File != snapshotName(snap.Meta) || rep.Problems[0].Offset != -1 {
			t.Fatalf("problems %+v", rep.Problems)
		}
		if s := rep.Problems[0].String(); strings.Contains(s, "offset") || !strings.Contains(s, "damaged snapshot") {
			t.Errorf("problem text %q", s)
		}
	})
}

// TestInspectPlural: counts read as English.
func TestInspectPlural(t *testing.T) {
	for _, tc := range []struct {
		segs, snaps int
		want        string
	}{{0, 0, "0 segments, 0 snapshots"}, {1, 1, "1 segment, 1 snapshot"}, {2, 3, "2 segments, 3 snapshots"}} {
		r := &Report{Dir: "d", Segments: make([]SegmentReport, tc.segs), Snapshots: make([]SnapshotReport, tc.snaps)}
		var b strings.Builder
		r.WriteText(&b)
		if first, _, _ := strings.Cut(b.String(), "\n"); first != "wal d: "+tc.want {
			t.Errorf("got %q, want %q", first, "wal d: "+tc.want)
		}
	}
}

// Inspect and Open agree on damage: a log whose first segment was deleted
// (it starts after what its snapshot covers) keeps a node from starting,
// and Inspect says so (raftplay wal said the log was healthy).
func TestInspectSeesWhatKeepsOpenFromStarting(t *testing.T) {
	dir := writeLog(t, 700, 40, 20)
	l, err := listDir(OSFS{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.segments) < 3 {
		t.Fatalf("%d segments: the test needs three", len(l.segments))
	}
	if err := os.Remove(filepath.Join(dir, l.segments[0])); err != nil {
		t.Fatal(err)
	}
	_, _, openErr := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(openErr, &ce) {
		t.Fatalf("Open = %v, want a CorruptError", openErr)
	}
	r, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.damaged() || len(r.Problems) != 1 || r.Problems[0].File != ce.File || !strings.Contains(r.Problems[0].String(), "segments before it, or the snapshot, are missing") {
		t.Fatalf("Inspect problems %v, want the one Open refuses (%v)", r.Problems, openErr)
	}
}

// A log whose newest segment was deleted is refused, by Open and by
// Inspect alike: the last-segment file says the log had moved on to it. (A
// node started on the segment before, at an older term and vote, and
// raftplay wal said the log was healthy.) A log whose roll a crash cut
// short before the file was updated names an older segment: no damage.
func TestDeletedNewestSegmentIsDamage(t *testing.T) {
	dir := writeLog(t, 700, 40, 20)
	l, err := listDir(OSFS{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.segments) < 3 || !l.lastSeg {
		t.Fatalf("%d segments, last-segment file %v: the test needs three and the file", len(l.segments), l.lastSeg)
	}
	newest := l.segments[len(l.segments)-1]
	b, err := os.ReadFile(filepath.Join(dir, newest))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, newest)); err != nil {
		t.Fatal(err)
	}
	_, _, openErr := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(openErr, &ce) || ce.File != lastSegName || !strings.Contains(openErr.Error(), "the newest segments are missing") {
		t.Fatalf("Open without the newest segment = %v, want a CorruptError naming %s", openErr, lastSegName)
	}
	r, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.damaged() {
		t.Fatalf("Inspect problems %v: no damage", r.Problems)
	}
	// Put back, all is well; an older number (a roll cut short) is too.
	if err := os.WriteFile(filepath.Join(dir, newest), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, lastSegName), []byte("segment 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, _ := mustOpen(t, dir, Options{})
	mustClose(t, w)
	// A log without the file gets it at its next open.
	if err := os.Remove(filepath.Join(dir, lastSegName)); err != nil {
		t.Fatal(err)
	}
	w, _ = mustOpen(t, dir, Options{})
	mustClose(t, w)
	if b, err := os.ReadFile(filepath.Join(dir, lastSegName)); err != nil || string(b) != fmt.Sprintf("segment %d\n", len(l.segments)-1) {
		t.Fatalf("after an open without it, %s holds %q (%v)", lastSegName, b, err)
	}
	// A damaged file is damage, named.
	if err := os.WriteFile(filepath.Join(dir, lastSegName), []byte("segment x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(dir, Options{}); !errors.As(err, &ce) || ce.File != lastSegName {
		t.Fatalf("Open with a damaged %s = %v", lastSegName, err)
	}
}

// A torn tail that starts inside a large record, the rest zeros: the
// segment's line names the first problem, where the node cuts the log,
// not the zeroed header after it (the two lines gave two offsets).
func TestInspectTornLargeRecordNamesItsOffset(t *testing.T) {
	dir := t.TempDir()
	w, _, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Save(raft.HardState{Term: 1, Commit: 1}, []raft.Entry{{Index: 1, Term: 1, Data: []byte("small")}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Save(raft.HardState{Term: 1, Commit: 2}, []raft.Entry{{Index: 2, Term: 1, Data: bytes.Repeat([]byte("b"), 20000)}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	rep, _ := inspectText(t, dir)
	seg := rep.Segments[len(rep.Segments)-1]
	big := seg.Records[len(seg.Records)-2] // then the hard state
	path := filepath.Join(dir, seg.Name)
	b, _ := os.ReadFile(path)
	from := (big.Offset/sectorSize + 2) * sectorSize // inside the big record
	clear(b[from:])
	os.WriteFile(path, b, 0o644)
	rep, _ = inspectText(t, dir)
	seg = rep.Segments[len(rep.Segments)-1]
	if len(rep.Problems) != 1 || rep.Problems[0].Offset != big.Offset || !seg.Torn || seg.ErrOffset != big.Offset || !strings.Contains(seg.Err, "checksum") {
		t.Fatalf("segment error %q at %d (torn %v), problems %+v; want the torn record at %d", seg.Err, seg.ErrOffset, seg.Torn, rep.Problems, big.Offset)
	}
}
