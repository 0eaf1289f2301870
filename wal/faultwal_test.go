package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"raftplay/raft"
)

// A full disk: Save fails with ENOSPC, and the WAL then refuses every write,
// even once space returns: the state of the file after a failed write is
// unknown. Reopened, it holds every acknowledged Save, durably, and takes
// writes again.
func TestDiskFullFaultFS(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	opts := Options{FS: ffs}
	w, _ := mustOpen(t, dir, opts)
	acked := mkEnts(1, 5, 1, 50)
	mustSave(t, w, raft.HardState{Term: 1, Commit: 2}, acked)
	ffs.SetFull(true)
	err := w.Save(raft.HardState{Term: 2}, mkEnts(6, 8, 1, 50))
	if !errors.Is(err, syscall.ENOSPC) || !strings.HasPrefix(err.Error(), "wal: ") {
		t.Fatalf("Save on a full disk = %v, want a wal: error wrapping ENOSPC", err)
	}
	ffs.SetFull(false)
	if err := w.Save(raft.HardState{}, mkEnts(6, 6, 1, 1)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save after a failed write, space back = %v, want the sticky ENOSPC", err)
	}
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 2, Term: 1}}); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("SaveSnapshot after a failed write = %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close after a failed write: %v", err)
	}
	// Full again: a clean log still opens (Open writes nothing), but takes no write.
	ffs.SetFull(true)
	mustPowerFail(t, ffs, dir)
	w, rec := mustOpen(t, dir, opts)
	if d := sameEntries(rec.Entries, acked); d != "" || rec.HardState.Term != 1 || rec.Repaired != nil {
		t.Fatalf("recovered %s, %+v, repaired %v", d, rec.HardState, rec.Repaired)
	}
	if err := w.Save(raft.HardState{}, mkEnts(6, 6, 1, 1)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save on a full disk = %v", err)
	}
	w.Close()
	// Space back: reopen and go on.
	ffs.SetFull(false)
	w, _ = mustOpen(t, dir, opts)
	more := mkEnts(6, 8, 1, 50)
	mustSave(t, w, raft.HardState{Term: 2, Commit: 8}, more)
	mustClose(t, w)
	mustPowerFail(t, ffs, dir)
	w, rec = mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, append(acked, more...)); d != "" || rec.HardState.Term != 2 {
		t.Fatalf("recovered %s, %+v", d, rec.HardState)
	}
	// And a new log cannot even be created on a full disk.
	ffs.SetFull(true)
	defer ffs.SetFull(false)
	if _, _, err := Open(t.TempDir(), opts); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Open of a new log on a full disk = %v", err)
	}
}

// A full disk when a new segment or a snapshot file is needed: the
// temporary file cannot be written, nothing visible changes, and the WAL
// takes writes again without a reopen once space returns.
func TestDiskFullBeforeAnythingVisibleFaultFS(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	// No segment is prepared ahead: a preparer still writing its file when
	// the directory is read made it "change" (flaky under load), and one
	// ready is a roll of its own (TestFullDiskRefusesWritesInPlace).
	opts := Options{FS: ffs, SegmentBytes: 200, noPrepare: true}
	w, _ := mustOpen(t, dir, opts)
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 5, 1, 50)) // past SegmentBytes
	before := readDirFiles(t, dir)
	ffs.SetFull(true)
	if err := w.Save(raft.HardState{}, mkEnts(6, 6, 1, 1)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save needing a new segment on a full disk = %v", err)
	}
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 3, Term: 1}, Data: []byte("abc")}
	if err := w.SaveSnapshot(snap); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("SaveSnapshot on a full disk = %v", err)
	}
	if d := sameFiles(before, readDirFiles(t, dir)); d != "" {
		t.Fatalf("directory changed: %s", d)
	}
	ffs.SetFull(false)
	mustSave(t, w, raft.HardState{}, mkEnts(6, 6, 1, 1))
	if err := w.SaveSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	mustPowerFail(t, ffs, dir)
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, append(mkEnts(4, 5, 1, 50), mkEnts(6, 6, 1, 1)...)); d != "" || rec.Snapshot == nil || rec.Snapshot.Meta.Index != 3 {
		t.Fatalf("recovered %s, snapshot %+v", d, rec.Snapshot)
	}
}

// failFS fails chosen operations of the real file system.
type failFS struct {
	OSFS
	mu         sync.Mutex
	syncDirErr error            // returned by SyncDir when set
	removeErr  map[string]error // by file name: its Remove (or Rename) fails
	calls      []string
}

func (f *failFS) SyncDir(dir string) error {
	f.mu.Lock()
	err := f.syncDirErr
	f.calls = append(f.calls, "syncdir "+dir)
	f.mu.Unlock()
	if err != nil {
		return &fs.PathError{Op: "sync", Path: dir, Err: err}
	}
	return f.OSFS.SyncDir(dir)
}

// Rename fails as Remove does for the file (removeErr): compaction takes a
// segment out of the log by renaming it.
func (f *failFS) Rename(oldpath, newpath string) error {
	f.mu.Lock()
	err := f.removeErr[filepath.Base(oldpath)]
	f.mu.Unlock()
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return f.OSFS.Rename(oldpath, newpath)
}

func (f *failFS) Remove(name string) error {
	f.mu.Lock()
	err := f.removeErr[filepath.Base(name)]
	f.mu.Unlock()
	if err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	return f.OSFS.Remove(name)
}

func (f *failFS) Mkdir(name string, perm fs.FileMode) error {
	err := f.OSFS.Mkdir(name, perm)
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf("mkdir %s: %v", name, err))
	f.mu.Unlock()
	return err
}

func (f *failFS) setSyncDirErr(err error) {
	f.mu.Lock()
	f.syncDirErr = err
	f.mu.Unlock()
}

// A failed directory fsync after a new segment was renamed into place makes
// the WAL refuse writes, as a failed write or fsync does: the state of the
// directory is unknown. Reopened, it holds what was acknowledged.
func TestRollDirSyncFailureIsSticky(t *testing.T) {
	dir := t.TempDir()
	ffs := &failFS{}
	opts := Options{FS: ffs, SegmentBytes: 200}
	w, _ := mustOpen(t, dir, opts)
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 5, 1, 50))
	ffs.setSyncDirErr(syscall.EIO)
	err := w.Save(raft.HardState{}, mkEnts(6, 6, 1, 1))
	if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), "sync directory") {
		t.Fatalf("Save with a failing directory fsync = %v", err)
	}
	ffs.setSyncDirErr(nil)
	if err := w.Save(raft.HardState{Term: 2}, nil); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Save after the failure = %v, want the sticky error", err)
	}
	w.Close()
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, mkEnts(1, 5, 1, 50)); d != "" || rec.HardState.Term != 1 {
		t.Fatalf("recovered %s, %+v", d, rec.HardState)
	}
	mustSave(t, w, raft.HardState{Term: 2}, mkEnts(6, 6, 1, 1))
}

// Likewise for a snapshot file renamed into place whose directory fsync
// failed; reopened, the WAL completes the snapshot (a file newer than
// every snapshot record, as after a crash between the two).
func TestSnapshotDirSyncFailureIsSticky(t *testing.T) {
	dir := t.TempDir()
	ffs := &failFS{}
	opts := Options{FS: ffs}
	w, _ := mustOpen(t, dir, opts)
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 5, 1, 10))
	ffs.setSyncDirErr(syscall.EIO)
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 3, Term: 1}, Data: []byte("abc")}
	if err := w.SaveSnapshot(snap); !errors.Is(err, syscall.EIO) {
		t.Fatalf("SaveSnapshot with a failing directory fsync = %v", err)
	}
	ffs.setSyncDirErr(nil)
	if err := w.Save(raft.HardState{Term: 2}, nil); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Save after the failure = %v, want the sticky error", err)
	}
	w.Close()
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if rec.Snapshot == nil || rec.Snapshot.Meta.Index != 3 {
		t.Fatalf("snapshot %+v", rec.Snapshot)
	}
	if d := sameEntries(rec.Entries, mkEnts(4, 5, 1, 10)); d != "" {
		t.Fatal(d)
	}
}

// Compact deletes segments oldest first and stops at the first it cannot
// take out of the log, so the segments left stay contiguous and the log
// opens.
func TestCompactStopsAtFirstFailedRemove(t *testing.T) {
	dir := t.TempDir()
	ffs := &failFS{removeErr: map[string]error{}}
	opts := Options{FS: ffs, SegmentBytes: 200}
	w, _ := mustOpen(t, dir, opts)
	for i := uint64(1); i <= 16; i += 4 {
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(i, i+3, 1, 50))
	}
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 14, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	l, _ := listDir(OSFS{}, dir)
	if len(l.segments) < 4 {
		t.Fatalf("want 4+ segments, have %q", l.segments)
	}
	ffs.mu.Lock()
	ffs.removeErr[l.segments[1]] = syscall.EIO
	ffs.mu.Unlock()
	if err := w.Compact(14); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Compact = %v", err)
	}
	left, _ := listDir(OSFS{}, dir)
	if left.segments[0] != l.segments[1] || len(left.segments) != len(l.segments)-1 {
		t.Fatalf("segments left %q, had %q", left.segments, l.segments)
	}
	mustClose(t, w)
	w, rec := mustOpen(t, dir, opts)
	if d := sameEntries(rec.Entries, mkEnts(15, 16, 1, 50)); d != "" {
		t.Fatal(d)
	}
	// Once it can, the next Compact deletes the rest.
	ffs.mu.Lock()
	ffs.removeErr = nil
	ffs.mu.Unlock()
	if err := w.Compact(14); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	if left, _ = listDir(OSFS{}, dir); len(left.segments) != 1 {
		t.Fatalf("segments left %q", left.segments)
	}
}

// walWithDeadSegments opens a WAL on a failFS with small segments (and
// small shrink steps) holding entries 1-80, and a snapshot at 70: the
// segments below it are Compact's to delete.
func walWithDeadSegments(t *testing.T) (string, *failFS, Options, *WAL) {
	t.Helper()
	dir := t.TempDir()
	ffs := &failFS{removeErr: map[string]error{}}
	opts := Options{FS: ffs, SegmentBytes: 2000, shrinkStep: 300}
	w, _ := mustOpen(t, dir, opts)
	for i := uint64(1); i <= 80; i += 8 {
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(i, i+7, 1, 100))
	}
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 70, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	return dir, ffs, opts, w
}

// Compact takes a dead segment out of the log by a durable rename, then
// shrinks it a step at a time before it removes it. A remove that fails
// leaves only a temporary file, which the next Open deletes; the log is
// whole either way.
func TestCompactShrinksDeadSegmentsInSteps(t *testing.T) {
	dir, ffs, opts, w := walWithDeadSegments(t)
	l, _ := listDir(OSFS{}, dir)
	if len(l.segments) < 3 {
		t.Fatalf("want 3+ segments, have %q", l.segments)
	}
	ffs.mu.Lock()
	ffs.removeErr[l.segments[1]+tmpExt] = syscall.EIO
	ffs.calls = nil
	ffs.mu.Unlock()
	if err := w.Compact(70); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Compact = %v, want the failed remove", err)
	}
	ffs.mu.Lock()
	calls := slices.Clone(ffs.calls)
	ffs.mu.Unlock()
	if len(calls) < 2 {
		t.Fatalf("Compact fsynced the directory %d times, want one after the renames and one after the removes: %q", len(calls), calls)
	}
	left, _ := listDir(OSFS{}, dir)
	left.tmp = slices.DeleteFunc(left.tmp, func(n string) bool { return n == preparedName })
	if !slices.Equal(left.tmp, []string{l.segments[1] + tmpExt}) {
		t.Fatalf("temporary files left %q, want only the one that could not be removed", left.tmp)
	}
	fi, err := os.Stat(filepath.Join(dir, left.tmp[0]))
	if err != nil || fi.Size() != 0 {
		t.Fatalf("the segment that could not be removed: %v, %v; want it shrunk to nothing first", fi, err)
	}
	if slices.Contains(left.segments, l.segments[0]) || slices.Contains(left.segments, l.segments[1]) {
		t.Fatalf("segments left %q still hold %s or %s", left.segments, l.segments[0], l.segments[1])
	}
	mustClose(t, w)
	ffs.mu.Lock()
	ffs.removeErr = nil
	ffs.mu.Unlock()
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, mkEnts(71, 80, 1, 100)); d != "" {
		t.Fatal(d)
	}
	if l, _ := listDir(OSFS{}, dir); len(slices.DeleteFunc(l.tmp, func(n string) bool { return n == preparedName })) != 0 {
		t.Fatalf("Open left temporary files %q", l.tmp)
	}
}

// Open creates missing directories and fsyncs the parent of each, so a
// power loss cannot take the new log's directory away.
func TestOpenCreatesDirectoriesDurably(t *testing.T) {
	root := t.TempDir()
	ffs := &failFS{}
	dir := filepath.Join(root, "a", "b")
	w, _ := mustOpen(t, dir, Options{FS: ffs})
	mustClose(t, w)
	got := strings.Join(ffs.calls, "\n")
	want := strings.Join([]string{
		"mkdir " + dir + ": mkdir " + dir + ": no such file or directory",
		"mkdir " + filepath.Join(root, "a") + ": <nil>",
		"syncdir " + root,
		"mkdir " + dir + ": <nil>",
		"syncdir " + filepath.Join(root, "a"),
	}, "\n")
	if !strings.HasPrefix(got, want) {
		t.Fatalf("calls:\n%s\nwant them to start with:\n%s", got, want)
	}
	// An existing directory: no directory is created, its parent not synced.
	ffs.calls = nil
	w, _ = mustOpen(t, dir, Options{FS: ffs})
	mustClose(t, w)
	for _, c := range ffs.calls {
		if c == "syncdir "+filepath.Join(root, "a") {
			t.Fatalf("calls %q", ffs.calls)
		}
	}
}

// Concurrent Saves on a slow FaultFS share fsyncs, while snapshots and
// compactions rename and delete files next to segment rolls; every
// acknowledged Save and SaveSnapshot survives a power failure. Stats is
// read concurrently (for -race).
func TestFaultFSConcurrentSaves(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffs.SetSyncDelay(200 * time.Microsecond)
	opts := Options{FS: ffs, SegmentBytes: 1024}
	w, _ := mustOpen(t, dir, opts)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := uint64(1)
	done := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(2)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-done:
				return
			default:
				_ = ffs.Stats()
			}
		}
	}()
	var snapIndex uint64 // the last snapshot acknowledged
	go func() {
		defer bg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			i := w.LastIndex()
			if i <= snapIndex {
				continue
			}
			if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: i, Term: 1}, Data: []byte(fmt.Sprint(i))}); err != nil {
				t.Error(err)
				return
			}
			snapIndex = i
			if err := w.Compact(i); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	const saves = 4 * 25 * 2
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				mu.Lock()
				err := w.Save(raft.HardState{}, mkEnts(next, next, 1, 20))
				next++
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				if err := w.Save(raft.HardState{Term: 1, Commit: uint64(i)}, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	bg.Wait()
	mustClose(t, w)
	s := ffs.Stats()
	t.Logf("%d Saves, snapshot at %d; %d fsyncs, %d directory fsyncs; %v", saves, snapIndex, s.Syncs, s.DirSyncs, s)
	mustPowerFail(t, ffs, dir)
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if rec.Snapshot == nil || rec.Snapshot.Meta.Index != snapIndex || string(rec.Snapshot.Data) != fmt.Sprint(snapIndex) {
		t.Fatalf("snapshot %+v, want %d", rec.Snapshot, snapIndex)
	}
	if d := sameEntries(rec.Entries, mkEnts(snapIndex+1, 100, 1, 20)); d != "" {
		t.Fatal(d)
	}
	if rec.HardState.Term != 1 {
		t.Fatalf("hard state %+v", rec.HardState)
	}
}

// Crash stops a running WAL in the middle of its Saves; after Close and a
// power failure, every acknowledged entry is there, followed at most by
// entries that were written (never anything else).
func TestFaultFSCrashRunningWAL(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffs.SetSyncDelay(100 * time.Microsecond)
	opts := Options{FS: ffs, SegmentBytes: 1024}
	w, _ := mustOpen(t, dir, opts)
	var acked atomic.Uint64
	errs := make(chan error, 1)
	go func() {
		for i := uint64(1); ; i++ {
			if err := w.Save(raft.HardState{Term: 1, Commit: i - 1}, mkEnts(i, i, 1, 30)); err != nil {
				errs <- err
				return
			}
			acked.Store(i)
		}
	}()
	waitFor(t, func() bool { return acked.Load() >= 50 })
	ffs.Crash()
	if err := <-errs; !errors.Is(err, ErrCrashed) {
		t.Fatalf("Save after Crash = %v", err)
	}
	w.Close()
	n := acked.Load()
	mustPowerFail(t, ffs, dir)
	w, rec := mustOpen(t, dir, opts)
	defer mustClose(t, w)
	got := uint64(len(rec.Entries))
	if got < n || got > n+1 {
		t.Fatalf("recovered %d entries, %d acknowledged", got, n)
	}
	if d := sameEntries(rec.Entries, mkEnts(1, got, 1, 30)); d != "" {
		t.Fatal(d)
	}
	t.Logf("%d Saves acknowledged, %d entries recovered; %v", n, got, ffs.Stats())
}

// Without fsync (SetSkipSync), an acknowledged Save is gone after a power
// failure; with it, it stays. The smallest demonstration.
func TestFaultFSSkipSyncLosesAcknowledgedSave(t *testing.T) {
	for _, skip := range []bool{false, true} {
		dir := t.TempDir()
		ffs := NewFaultFS()
		w, _ := mustOpen(t, dir, Options{FS: ffs})
		mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 3, 1, 10))
		ffs.SetSkipSync(skip)
		mustSave(t, w, raft.HardState{Term: 2, Commit: 3}, mkEnts(4, 6, 2, 10))
		mustClose(t, w)
		mustPowerFail(t, ffs, dir)
		w, rec := mustOpen(t, dir, Options{FS: ffs})
		want, term := mkEnts(1, 3, 1, 10), uint64(1)
		if !skip {
			want, term = append(want, mkEnts(4, 6, 2, 10)...), 2
		}
		if d := sameEntries(rec.Entries, want); d != "" || rec.HardState.Term != term {
			t.Fatalf("skip %v: recovered %s, %+v", skip, d, rec.HardState)
		}
		mustClose(t, w)
	}
}

// A torn tail is repaired through the FaultFS (the broken copy, the
// truncation), and the repair is durable.
func TestTearTailRepairedThroughFaultFS(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	opts := Options{FS: ffs}
	w, _ := mustOpen(t, dir, opts)
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 3, 1, 10))
	mustSave(t, w, raft.HardState{}, mkEnts(4, 4, 1, 10))
	mustClose(t, w)
	if _, err := TearTail(dir); err != nil {
		t.Fatal(err)
	}
	w, rec := mustOpen(t, dir, opts)
	if rec.Repaired == nil {
		t.Fatal("not repaired")
	}
	mustSave(t, w, raft.HardState{}, mkEnts(4, 5, 2, 3))
	mustClose(t, w)
	mustPowerFail(t, ffs, dir)
	w, rec = mustOpen(t, dir, opts)
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, append(mkEnts(1, 3, 1, 10), mkEnts(4, 5, 2, 3)...)); d != "" || rec.Repaired != nil {
		t.Fatalf("%s, repaired %v", d, rec.Repaired)
	}
}

// Write hands records to the file without waiting; Sync makes them durable,
// with every Write and Save before them. A power cut keeps what a Sync
// covered and loses the Writes after it, never a record out of order.
func TestWriteThenSync(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	opts := Options{FS: ffs}
	w, _ := mustOpen(t, dir, opts)
	first := mkEnts(1, 3, 1, 40)
	seq1, err := w.Write(raft.HardState{Term: 1, Vote: 1, Commit: 1}, first)
	if err != nil {
		t.Fatal(err)
	}
	second := mkEnts(4, 6, 1, 40)
	seq2, err := w.Write(raft.HardState{Term: 1, Vote: 1, Commit: 3}, second)
	if err != nil || seq2 <= seq1 {
		t.Fatalf("second Write = %d, %v (first %d)", seq2, err, seq1)
	}
	if got := w.LastIndex(); got != 6 {
		t.Fatalf("LastIndex after two Writes = %d, want 6", got)
	}
	if err := w.Sync(seq1); err != nil { // covers both: one fsync covers the file
		t.Fatal(err)
	}
	if s, err := w.Write(raft.HardState{}, nil); err != nil || s != seq2 {
		t.Fatalf("Write of nothing = %d, %v; want the last write's number %d", s, err, seq2)
	}
	lost := mkEnts(7, 9, 1, 40)
	if _, err := w.Write(raft.HardState{Term: 1, Vote: 1, Commit: 6}, lost); err != nil {
		t.Fatal(err)
	}
	ffs.Crash() // the power goes before anything syncs the last Write
	w.Close()
	mustPowerFail(t, ffs, dir)
	w, rec := mustOpen(t, dir, opts)
	if d := sameEntries(rec.Entries, append(first, second...)); d != "" || rec.HardState.Commit != 3 {
		t.Fatalf("after a power cut: entries %s, hard state %+v", d, rec.HardState)
	}
	// A Save covers the Writes before it.
	seq, err := w.Write(raft.HardState{}, lost)
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, w, raft.HardState{Term: 2, Vote: 2, Commit: 6}, mkEnts(10, 10, 2, 40))
	if err := w.Sync(seq); err != nil {
		t.Fatalf("Sync of a write a Save covered: %v", err)
	}
	ffs.Crash()
	w.Close()
	mustPowerFail(t, ffs, dir)
	w, rec = mustOpen(t, dir, opts)
	defer mustClose(t, w)
	want := append(append(append(first, second...), lost...), mkEnts(10, 10, 2, 40)...)
	if d := sameEntries(rec.Entries, want); d != "" || rec.HardState.Term != 2 {
		t.Fatalf("after Write, Save and a power cut: entries %s, hard state %+v", d, rec.HardState)
	}
}

// When the directory fsync after taking segments out of the log fails,
// Compact shrinks nothing: the renames may not be durable, and a power
// failure could bring a segment's name back over a shortened file. The
// temporary files stay whole (Open deletes them).
func TestCompactShrinksNothingWhenRenamesNotDurable(t *testing.T) {
	dir, ffs, _, w := walWithDeadSegments(t)
	defer w.Close()
	ffs.setSyncDirErr(syscall.EIO)
	if err := w.Compact(70); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Compact = %v, want the failed directory fsync", err)
	}
	ffs.setSyncDirErr(nil)
	left, _ := listDir(OSFS{}, dir)
	if len(left.tmp) == 0 {
		t.Fatal("no segment was taken out of the log")
	}
	for _, name := range left.tmp {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Fatalf("%s shrunk although its rename may not be durable: %v, %v", name, fi, err)
		}
	}
}
