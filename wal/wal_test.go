package wal

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"raftplay/raft"
)

func TestEmptyOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if rec.Snapshot != nil || len(rec.Entries) != 0 || !rec.HardState.IsEmpty() || rec.Repaired != nil {
		t.Fatalf("fresh dir recovered %+v", rec)
	}
	if w.FirstIndex() != 1 || w.LastIndex() != 0 {
		t.Fatalf("first/last = %d/%d, want 1/0", w.FirstIndex(), w.LastIndex())
	}
}

func TestSaveReopen(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	want := mkEnts(1, 20, 1, 10)
	mustSave(t, w, raft.HardState{Term: 1, Vote: 2}, want[:5])
	mustSave(t, w, raft.HardState{}, want[5:12])
	mustSave(t, w, raft.HardState{Term: 1, Vote: 2, Commit: 9}, want[12:])
	mustSave(t, w, raft.HardState{}, nil)
	want = append(want, raft.Entry{Index: 21, Term: 1, Type: raft.EntryNoop})
	mustSave(t, w, raft.HardState{}, want[20:])
	mustClose(t, w)

	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, want); d != "" {
		t.Fatal(d)
	}
	if rec.HardState != (raft.HardState{Term: 1, Vote: 2, Commit: 9}) {
		t.Fatalf("hard state %+v", rec.HardState)
	}
	if w.FirstIndex() != 1 || w.LastIndex() != 21 {
		t.Fatalf("first/last = %d/%d", w.FirstIndex(), w.LastIndex())
	}
	// Appending after reopen continues the chain.
	mustSave(t, w, raft.HardState{}, mkEnts(22, 22, 2, 3))
}

func TestOverwriteSuffix(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 300})
	mustSave(t, w, raft.HardState{}, mkEnts(1, 10, 1, 20))
	mustSave(t, w, raft.HardState{}, mkEnts(11, 20, 1, 20))
	// A follower learns entries from 6 on conflict: term 2 replaces them.
	repl := mkEnts(6, 8, 2, 5)
	mustSave(t, w, raft.HardState{Term: 2}, repl)
	if w.LastIndex() != 8 {
		t.Fatalf("last = %d, want 8", w.LastIndex())
	}
	mustClose(t, w)
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	want := append(mkEnts(1, 5, 1, 20), repl...)
	if d := sameEntries(rec.Entries, want); d != "" {
		t.Fatal(d)
	}
}

func TestSaveRejectsBadBatches(t *testing.T) {
	w, _ := mustOpen(t, t.TempDir(), Options{MaxRecordBytes: 100})
	defer mustClose(t, w)
	mustSave(t, w, raft.HardState{}, mkEnts(1, 3, 1, 1))
	cases := map[string][]raft.Entry{
		"gap":            mkEnts(5, 6, 1, 1),
		"not contiguous": {{Index: 4, Term: 1}, {Index: 6, Term: 1}},
		"index zero":     {{Index: 0, Term: 1}},
		"too large":      mkEnts(4, 4, 1, 200),
	}
	for name, ents := range cases {
		err := w.Save(raft.HardState{}, ents)
		if err == nil || !strings.HasPrefix(err.Error(), "wal: ") {
			t.Errorf("%s: got %v, want a wal: error", name, err)
		}
	}
	// Still usable after rejected batches.
	mustSave(t, w, raft.HardState{}, mkEnts(4, 4, 1, 1))
}

func TestSegmentsRoll(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 512})
	hs := raft.HardState{Term: 3, Vote: 1}
	for i := uint64(1); i <= 100; i += 5 {
		hs.Commit = i
		mustSave(t, w, hs, mkEnts(i, i+4, 3, 30))
	}
	mustClose(t, w)
	rep, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Segments) < 5 {
		t.Fatalf("%d segments, want several", len(rep.Segments))
	}
	for _, s := range rep.Segments {
		if s.HeaderErr != "" || s.Err != "" {
			t.Fatalf("segment %s: %s %s", s.Name, s.HeaderErr, s.Err)
		}
	}
	w, rec := mustOpen(t, dir, Options{SegmentBytes: 512})
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, mkEnts(1, 100, 3, 30)); d != "" {
		t.Fatal(d)
	}
	if rec.HardState != hs {
		t.Fatalf("hard state %+v, want %+v", rec.HardState, hs)
	}
}

func TestSnapshotCompact(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 400})
	hs := raft.HardState{Term: 1, Vote: 1, Commit: 100}
	mustSave(t, w, hs, nil)
	for i := uint64(1); i <= 100; i += 10 {
		mustSave(t, w, raft.HardState{}, mkEnts(i, i+9, 1, 20))
	}
	for _, idx := range []uint64{20, 40, 60} {
		snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: idx, Term: 1}, Data: []byte{byte(idx)}}
		if err := w.SaveSnapshot(snap); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Compact(61); err == nil {
		t.Fatal("Compact beyond the snapshot succeeded")
	}
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 50, Term: 1}}); err == nil {
		t.Fatal("older snapshot accepted")
	}
	before, _ := Inspect(dir)
	if err := w.Compact(60); err != nil {
		t.Fatal(err)
	}
	after, _ := Inspect(dir)
	if len(after.Segments) >= len(before.Segments) {
		t.Fatalf("compact kept %d of %d segments", len(after.Segments), len(before.Segments))
	}
	if len(after.Snapshots) != 2 || after.Snapshots[0].Index != 60 {
		t.Fatalf("snapshots after compact: %+v", after.Snapshots)
	}
	if w.FirstIndex() != 61 || w.LastIndex() != 100 {
		t.Fatalf("first/last = %d/%d", w.FirstIndex(), w.LastIndex())
	}
	mustClose(t, w)

	w, rec := mustOpen(t, dir, Options{SegmentBytes: 400})
	defer mustClose(t, w)
	if rec.Snapshot == nil || rec.Snapshot.Meta.Index != 60 || string(rec.Snapshot.Data) != string([]byte{60}) {
		t.Fatalf("snapshot %+v", rec.Snapshot)
	}
	if d := sameEntries(rec.Entries, mkEnts(61, 100, 1, 20)); d != "" {
		t.Fatal(d)
	}
	if rec.HardState != hs {
		t.Fatalf("hard state %+v", rec.HardState)
	}
	if err := w.Save(raft.HardState{}, mkEnts(60, 60, 1, 1)); err == nil {
		t.Fatal("Save at the snapshot index succeeded")
	}
}

func TestSnapshotBeyondLog(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 10, 1, 4))
	// A follower installs the leader's snapshot past its own log.
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 20, Term: 3}, Data: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	if w.FirstIndex() != 21 || w.LastIndex() != 20 {
		t.Fatalf("first/last = %d/%d", w.FirstIndex(), w.LastIndex())
	}
	mustSave(t, w, raft.HardState{Term: 3}, mkEnts(21, 22, 3, 4))
	mustClose(t, w)
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, mkEnts(21, 22, 3, 4)); d != "" {
		t.Fatal(d)
	}
}

func TestSnapshotConflictingTermDropsLog(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 10, 1, 4))
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 5, Term: 2}}); err != nil {
		t.Fatal(err)
	}
	if w.LastIndex() != 5 {
		t.Fatalf("last = %d, want 5", w.LastIndex())
	}
	mustClose(t, w)
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if len(rec.Entries) != 0 || rec.Snapshot.Meta.Index != 5 {
		t.Fatalf("recovered %d entries, snapshot %+v", len(rec.Entries), rec.Snapshot.Meta)
	}
}

func TestSnapshotFileWithoutRecordAndTmpLeftovers(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 10, 1, 4))
	mustClose(t, w)
	// Crash after the snapshot file was renamed, before its log record.
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 7, Term: 1}, Data: []byte("state")}
	if _, err := writeSnapshotFile(OSFS{}, dir, snap); err != nil {
		t.Fatal(err)
	}
	// And a half-written newer snapshot and segment under temporary names.
	half := encodeSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 9, Term: 1}, Data: []byte("xxxx")})
	writeDirFiles(t, dir, map[string][]byte{
		snapshotName(raft.SnapshotMeta{Index: 9, Term: 1}) + tmpExt: half[:20],
		segmentName(1, 11) + tmpExt:                                 []byte("RPWALSEG"),
	})
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if rec.Snapshot == nil || !rec.Snapshot.Meta.Equal(snap.Meta) || string(rec.Snapshot.Data) != "state" {
		t.Fatalf("snapshot %+v", rec.Snapshot)
	}
	if d := sameEntries(rec.Entries, mkEnts(8, 10, 1, 4)); d != "" {
		t.Fatal(d)
	}
	for name := range readDirFiles(t, dir) {
		if strings.HasSuffix(name, tmpExt) {
			t.Errorf("leftover %s not removed", name)
		}
	}
}

func TestCorruptSnapshotFile(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 10, 1, 4))
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 5, Term: 1}, Data: []byte("abc")}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	name := filepath.Join(dir, snapshotName(raft.SnapshotMeta{Index: 5, Term: 1}))
	b, _ := os.ReadFile(name)
	b[len(b)-6] ^= 1
	os.WriteFile(name, b, 0o644)
	// The log records snapshot 5, which no valid file holds: refuse.
	_, _, err := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want a CorruptError", err)
	}
	rep, err := Inspect(dir)
	if err != nil || len(rep.Snapshots) != 1 || rep.Snapshots[0].Err == "" {
		t.Fatalf("Inspect = %+v, %v", rep, err)
	}
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	w, _ := mustOpen(t, t.TempDir(), Options{})
	mustClose(t, w)
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
	if err := w.Save(raft.HardState{Term: 1}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Save after Close = %v", err)
	}
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 3, 1, 4))
	mustClose(t, w)
	files := readDirFiles(t, dir)
	seg := onlySegment(t, files)
	// Flip a data byte of the second entry.
	b := files[seg]
	off := segmentHeaderSize + (frameHeaderSize + entryFixedSize + 4) + frameHeaderSize + entryFixedSize
	b[off] ^= 0x40
	os.WriteFile(filepath.Join(dir, seg), b, 0o644)
	before := readDirFiles(t, dir)
	rep, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameFiles(before, readDirFiles(t, dir)); d != "" {
		t.Fatalf("Inspect modified the directory: %s", d)
	}
	recs := rep.Segments[0].Records
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4: %+v", len(recs), recs)
	}
	for i, r := range recs {
		wantOK := i != 1
		if r.CRCOK != wantOK {
			t.Errorf("record %d CRCOK = %v", i, r.CRCOK)
		}
		if i < 3 && (r.Type != RecordEntry || r.Index != uint64(i+1) || r.Term != 1) {
			t.Errorf("record %d = %+v", i, r)
		}
	}
	if recs[3].Type != RecordHardState {
		t.Errorf("last record %+v", recs[3])
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 segment, 0 snapshots", "damaged, as read: index=2 term=1 crc=BAD", "hardstate", "checksum mismatch"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report text lacks %q:\n%s", want, text.String())
		}
	}
}

// sameFiles reports how two directory images differ, or "".
func sameFiles(a, b map[string][]byte) string {
	if len(a) != len(b) {
		return "file count differs"
	}
	for name, x := range a {
		if string(b[name]) != string(x) {
			return name + " differs"
		}
	}
	return ""
}

// TestUnrecordedSnapshotBeyondLog: a crash left a snapshot file past the
// end of the log without its record; Open must record it so that entries
// appended after it read back.
func TestUnrecordedSnapshotBeyondLog(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 3, 1, 4))
	mustClose(t, w)
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 9, Term: 3}, Data: []byte("b")}
	if _, err := writeSnapshotFile(OSFS{}, dir, snap); err != nil {
		t.Fatal(err)
	}
	w, rec := mustOpen(t, dir, Options{})
	if len(rec.Entries) != 0 || w.FirstIndex() != 10 || w.LastIndex() != 9 {
		t.Fatalf("recovered %d entries, first/last %d/%d", len(rec.Entries), w.FirstIndex(), w.LastIndex())
	}
	mustSave(t, w, raft.HardState{}, mkEnts(10, 11, 3, 4))
	mustClose(t, w)
	w, rec = mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, mkEnts(10, 11, 3, 4)); d != "" {
		t.Fatal(d)
	}
}

// A batch is encoded into one buffer of its exact size: appended record by
// record, a batch of large entries was copied over and over as the buffer
// grew (a 51 MiB batch took 1.7 s to encode), and the node's loop stalled.
func TestWriteEncodesABatchInOneBuffer(t *testing.T) {
	w, _ := mustOpen(t, t.TempDir(), Options{})
	defer mustClose(t, w)
	const runs, batch = 4, 6 << 20 // more than the buffer kept between writes
	var batches [][]raft.Entry
	for k := range uint64(runs) {
		batches = append(batches, mkEnts(1+6*k, 6+6*k, 1, batch/6))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, ents := range batches {
		if _, err := w.Write(raft.HardState{Term: 1}, ents); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	// Growing by append allocated about four times the batch in all.
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 3*batch/2 {
		t.Fatalf("a write of %d MiB allocated %.1f MiB", batch>>20, float64(per)/(1<<20))
	}
}
