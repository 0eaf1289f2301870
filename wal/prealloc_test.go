package wal

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"raftplay/raft"
)

// waitPrepared waits until w has a prepared file ready, or fails the test
// after 10 s.
func waitPrepared(t testing.TB, w *WAL) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.prep.ready {
		if time.Now().After(deadline) {
			t.Fatalf("no prepared segment after 10 s (running %v, failed %v)", w.prep.running, w.prep.failed)
		}
		w.mu.Unlock()
		time.Sleep(time.Millisecond)
		w.mu.Lock()
	}
}

// fileSize returns the size of dir/name.
func fileSize(t *testing.T, dir, name string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// A log's first segment grows with each write; once it holds an eighth of
// SegmentBytes the next segment's file is prepared (zeros, durable), and
// the WAL moves to it at the next write. Records then overwrite its zeros:
// the file keeps its size, and it reads back, before and after a reopen,
// with its zeros taken as the end of the records, not as damage.
func TestPreallocatedSegments(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 4096}
	w, _ := mustOpen(t, dir, opts)
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 6, 1, 100)) // > 512 bytes
	first := w.segs[0].name
	waitPrepared(t, w)
	mustSave(t, w, raft.HardState{}, mkEnts(7, 7, 1, 100))
	if len(w.segs) != 2 {
		t.Fatalf("segments %v: want a roll to the prepared file while the first held %d bytes", w.segs, fileSize(t, dir, first))
	}
	if fileSize(t, dir, first) >= 4096 {
		t.Fatalf("the growing segment was %d bytes, want it left early", fileSize(t, dir, first))
	}
	second := w.segs[1].name
	mustSave(t, w, raft.HardState{}, mkEnts(8, 12, 1, 100))
	if n := fileSize(t, dir, second); n != 4096 {
		t.Fatalf("preallocated segment is %d bytes, want 4096", n)
	}
	waitPrepared(t, w) // the one after it, kept whole by Close
	mustClose(t, w)

	rep, err := Inspect(dir)
	if err != nil || len(rep.Problems) != 0 {
		t.Fatalf("Inspect: %v, problems %v", err, rep.Problems)
	}
	last := rep.Segments[len(rep.Segments)-1]
	if last.Name != second || last.Zeroed <= 0 || last.Torn {
		t.Fatalf("last segment report %+v", last)
	}
	var text strings.Builder
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "preallocated-zeros=") {
		t.Errorf("report text does not mention the zeros:\n%s", text.String())
	}

	if !strings.Contains(text.String(), "other "+preparedName+" (zeros: the file of the next segment") {
		t.Errorf("report text does not say what the prepared file is:\n%s", text.String())
	}

	w, rec := mustOpen(t, dir, opts)
	if rec.Repaired != nil {
		t.Fatalf("reopen repaired %v: the zeros are not a torn tail", rec.Repaired)
	}
	if d := sameEntries(rec.Entries, mkEnts(1, 12, 1, 100)); d != "" {
		t.Fatal(d)
	}
	if w.zeroed != 4096 {
		t.Fatalf("reopened: zeroed %d, want the file's length 4096 (in place, not growing)", w.zeroed)
	}
	// The entries read back do not keep the segment's zeros in memory.
	img, err := os.ReadFile(filepath.Join(dir, second))
	if err != nil {
		t.Fatal(err)
	}
	if kept := recordsOnly(second, img, 1<<20); len(kept) >= 2048 || len(kept) < 600 || string(kept) != string(img[:len(kept)]) {
		t.Fatalf("recordsOnly kept %d of %d bytes, want the records alone", len(kept), len(img))
	}
	// Writing goes on in place after the last record.
	mustSave(t, w, raft.HardState{}, mkEnts(13, 14, 1, 100))
	if n := fileSize(t, dir, second); n != 4096 {
		t.Fatalf("after the reopen the segment is %d bytes, want 4096 (written in place)", n)
	}
	// Past the end of its zeros the segment rolls like any other.
	for i := uint64(15); len(w.segs) < 4; i++ {
		mustSave(t, w, raft.HardState{}, mkEnts(i, i, 1, 100))
	}
	mustClose(t, w)
	w, rec = mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if rec.Repaired != nil || len(rec.Entries) < 30 || rec.Entries[0].Index != 1 {
		t.Fatalf("after rolls: repaired %v, %d entries", rec.Repaired, len(rec.Entries))
	}
}

// inPreallocatedSegment opens a WAL of 4 KiB segments on a FaultFS and
// writes entries 1-7 (term 1), the last of them into a preallocated
// segment.
func inPreallocatedSegment(t *testing.T) (string, *FaultFS, Options, *WAL) {
	t.Helper()
	dir := t.TempDir()
	ffs := NewFaultFS()
	opts := Options{FS: ffs, SegmentBytes: 4096}
	w, _ := mustOpen(t, dir, opts)
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 6, 1, 100))
	waitPrepared(t, w)
	mustSave(t, w, raft.HardState{}, mkEnts(7, 7, 1, 100)) // rolls to the prepared file
	if w.zeroed != 4096 {
		t.Fatalf("active segment zeroed to %d, want 4096 (preallocated)", w.zeroed)
	}
	return dir, ffs, opts, w
}

// A power failure loses what was written into a preallocated segment and
// not synced: FaultFS gives the overwritten zeros back, and Open reads the
// synced records, ending at the zeros, with nothing to repair.
func TestPowerFailInPreallocatedSegment(t *testing.T) {
	dir, ffs, opts, w := inPreallocatedSegment(t)
	mustSave(t, w, raft.HardState{}, mkEnts(8, 8, 1, 100))
	if _, err := w.Write(raft.HardState{Term: 2}, mkEnts(9, 10, 2, 100)); err != nil {
		t.Fatal(err)
	}
	if s := ffs.Stats(); s.Unsynced < 200 || s.Unsynced > 1000 || s.Zeroed < 4096 || s.Written > 4096 || s.Synced > s.Written {
		t.Fatalf("stats %+v: want the unsynced overwrite counted, the zeros counted apart (not as written, synced or unsynced)", s)
	}
	mustClose(t, w) // Close syncs what Write left: write again, unsynced
	w, _ = mustOpen(t, dir, opts)
	seg := w.segs[len(w.segs)-1].name
	if _, err := w.Write(raft.HardState{Term: 3}, mkEnts(11, 12, 3, 100)); err != nil {
		t.Fatal(err)
	}
	// Close without its final fsync: the process died.
	w.mu.Lock()
	w.err = errors.New("test: died")
	w.mu.Unlock()
	w.Close()
	before := fileSize(t, dir, seg)
	mustPowerFail(t, ffs, dir)
	if after := fileSize(t, dir, seg); after != before || after != 4096 {
		t.Fatalf("segment was %d bytes, %d after the power failure; want 4096 both", before, after)
	}
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if rec.Repaired != nil {
		t.Fatalf("repaired %v, want a clean end at the zeros", rec.Repaired)
	}
	if d := sameEntries(rec.Entries, append(mkEnts(1, 8, 1, 100), mkEnts(9, 10, 2, 100)...)); d != "" {
		t.Fatal(d)
	}
	if rec.HardState.Term != 2 {
		t.Fatalf("hard state %+v, want term 2 (term 3 was never synced)", rec.HardState)
	}
	if s := ffs.Stats(); s.LostBytes < 200 {
		t.Fatalf("stats %+v: the lost overwrite is not counted", s)
	}
}

// A preparation that fails (here: no room for the file) leaves nothing
// behind and is not retried until the next segment; the log goes on in
// growing segments meanwhile.
func TestPreparationFailureFallsBack(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	attempts := 0
	opts := Options{SegmentBytes: 2048, prepareInline: true, OpenFile: func(name string, flag int, perm fs.FileMode) (File, error) {
		if filepath.Base(name) == preparedName {
			mu.Lock()
			attempts++
			mu.Unlock()
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
		}
		return OSFS{}.OpenFile(name, flag, perm)
	}}
	w, _ := mustOpen(t, dir, opts)
	for i := uint64(1); i <= 10; i++ {
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(i, i, 1, 100))
	}
	mu.Lock()
	n := attempts
	mu.Unlock()
	if n != 1 || len(w.segs) != 1 {
		t.Fatalf("%d attempts, %d segments; want 1 attempt (no retry before the next segment), 1 segment", n, len(w.segs))
	}
	for i := uint64(11); len(w.segs) < 2; i++ {
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(i, i, 1, 100))
	}
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(w.last+1, w.last+5, 1, 100))
	mu.Lock()
	n = attempts
	mu.Unlock()
	if n != 2 {
		t.Fatalf("%d attempts after the roll, want 2", n)
	}
	if zeroed := w.zeroed; zeroed != 0 {
		t.Fatalf("active segment zeroed %d: it should grow", zeroed)
	}
	last := w.last
	mustClose(t, w)
	if _, err := os.Stat(filepath.Join(dir, preparedName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("prepared file: %v, want none", err)
	}
	w, rec := mustOpen(t, dir, Options{SegmentBytes: 2048})
	defer mustClose(t, w)
	if rec.Repaired != nil || uint64(len(rec.Entries)) != last {
		t.Fatalf("reopened: repaired %v, %d entries, want %d", rec.Repaired, len(rec.Entries), last)
	}
}

// A preparation that fails partway (the disk filled up while it zeroed the
// file) gives its blocks back at once: through a FaultFS, which keeps a
// removed file aside until the removal is durable, a new user's 3 MB disk
// kept 2.3 MB of a failed preparation while the log had no room.
func TestFailedPreparationGivesItsSpaceBack(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	opts := Options{FS: ffs, SegmentBytes: 4 * prepareStep, prepareInline: true, OpenFile: func(name string, flag int, perm fs.FileMode) (File, error) {
		f, err := ffs.OpenFile(name, flag, perm)
		if err != nil || filepath.Base(name) != preparedName {
			return f, err
		}
		return &fullAfter{File: f, left: prepareStep}, nil
	}}
	w, _ := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	for i := uint64(1); w.prep.failed == false; i++ {
		if i > 100000 {
			t.Fatal("no preparation was tried")
		}
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(i, i, 1, 1000))
	}
	des, err := os.ReadDir(dir) // the real directory, stashes and all
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		if strings.Contains(de.Name(), preparedName) {
			t.Errorf("%s is left after the preparation failed", de.Name())
		}
	}
}

// On a disk with less room than two segments, no segment is prepared
// ahead (its zeros would take the log's room): the log grows in place.
// With room, one is.
func TestNoPreparationOnANearlyFullDisk(t *testing.T) {
	for _, free := range []int64{2047, 4096} {
		dir := t.TempDir()
		opts := Options{SegmentBytes: 2048, prepareInline: true, freeBytes: func(string) (int64, bool) { return free, true }}
		w, _ := mustOpen(t, dir, opts)
		for i := uint64(1); w.size < 1024; i++ {
			mustSave(t, w, raft.HardState{Term: 1}, mkEnts(i, i, 1, 100))
		}
		_, err := os.Stat(filepath.Join(dir, preparedName))
		if prepared := err == nil; prepared != (free >= 4096) || w.prep.ready != prepared || w.prep.failed == prepared {
			t.Errorf("%d bytes free: prepared file %v (%v), ready %v, failed %v", free, prepared, err, w.prep.ready, w.prep.failed)
		}
		mustClose(t, w)
	}
	if free, ok := freeBytes(t.TempDir()); !ok || free <= 0 {
		t.Errorf("freeBytes of a temporary directory: %d, %v", free, ok)
	}
}

// fullAfter is a File whose disk fills up after left bytes.
type fullAfter struct {
	File
	left int
}

func (f *fullAfter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		return 0, &os.PathError{Op: "write", Path: preparedName, Err: syscall.ENOSPC}
	}
	f.left -= len(p)
	return f.File.Write(p)
}

// Close stops a preparation under way, waits for it and removes the
// partial file (the next Open removes one a crash left). A whole prepared
// file left by Close is kept and used by the next run.
func TestPreparedFileAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	const seg = 64 << 20 // big enough that Close comes in the middle
	w, _ := mustOpen(t, dir, Options{SegmentBytes: seg})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 1, 1, prepareAfterMax))
	w.mu.Lock()
	running := w.prep.running
	w.mu.Unlock()
	if !running {
		t.Fatal("no preparation under way after 4 MiB written")
	}
	mustClose(t, w) // returns only once the preparer has
	if _, err := os.Stat(filepath.Join(dir, preparedName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("prepared file after Close: %v; want the partial file removed", err)
	}
	// One a crash left half done is removed by Open.
	if err := os.WriteFile(filepath.Join(dir, preparedName), make([]byte, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	w, _ = mustOpen(t, dir, Options{SegmentBytes: 2048})
	if _, err := os.Stat(filepath.Join(dir, preparedName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("partial prepared file after Open: %v, want it removed", err)
	}
	// A whole one is reused: a prepared file is ready right after Open.
	mustSave(t, w, raft.HardState{}, mkEnts(2, 2, 1, 300))
	waitPrepared(t, w)
	mustClose(t, w)
	w, _ = mustOpen(t, dir, Options{SegmentBytes: 2048})
	defer mustClose(t, w)
	w.mu.Lock()
	ready := w.prep.ready
	w.mu.Unlock()
	if !ready {
		t.Fatal("the whole prepared file left by Close was not reused")
	}
}

// A segment preallocated under a larger SegmentBytes, reopened with a
// smaller one, has its unused zeros cut off when it is rolled: only the
// last segment may end in zeros.
func TestRollCutsUnusedZeros(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 8192})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 10, 1, 100))
	waitPrepared(t, w)
	mustSave(t, w, raft.HardState{}, mkEnts(11, 11, 1, 100))
	big := w.segs[len(w.segs)-1].name
	mustClose(t, w)
	w, _ = mustOpen(t, dir, Options{SegmentBytes: 1024})
	for i := uint64(12); len(w.segs) < 4; i++ {
		mustSave(t, w, raft.HardState{}, mkEnts(i, i, 1, 100))
	}
	mustClose(t, w)
	if n := fileSize(t, dir, big); n >= 8192 {
		t.Fatalf("rolled segment %s is %d bytes: its zeros were not cut off", big, n)
	}
	w, rec := mustOpen(t, dir, Options{SegmentBytes: 1024})
	defer mustClose(t, w)
	if rec.Repaired != nil || rec.Entries[len(rec.Entries)-1].Index != w.last || len(rec.Entries) < 14 {
		t.Fatalf("reopened: repaired %v, %d entries", rec.Repaired, len(rec.Entries))
	}
}

// A full disk refuses writes into a preallocated segment too (FaultFS
// simulates the fault at the next write, see SetFull), and the WAL takes no
// more writes until reopened; what was acknowledged reads back.
func TestFullDiskRefusesWritesInPlace(t *testing.T) {
	dir, ffs, opts, w := inPreallocatedSegment(t)
	ffs.SetFull(true)
	seg := w.segs[len(w.segs)-1].name
	err := w.Save(raft.HardState{}, mkEnts(8, 8, 1, 10))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save on a full disk = %v, want ENOSPC", err)
	}
	if strings.Contains(err.Error(), preparedName) || strings.Count(err.Error(), seg) != 2 {
		t.Fatalf("error %q: want it to name the segment (twice: the WAL's word and the file's), not the file it was prepared as", err)
	}
	w.Close()
	ffs.SetFull(false)
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, mkEnts(1, 7, 1, 100)); d != "" {
		t.Fatal(d)
	}
}
