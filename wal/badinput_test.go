package wal

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"raftplay/raft"
)

func TestOpenDirUnderRegularFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("x"), 0o644)
	for _, dir := range []string{f, filepath.Join(f, "sub")} {
		_, _, err := Open(dir, Options{})
		if err == nil || !errors.Is(err, syscall.ENOTDIR) || !strings.HasPrefix(err.Error(), "wal: ") {
			t.Errorf("Open(%s) = %v, want a wal: error wrapping ENOTDIR", dir, err)
		}
	}
	if _, err := Inspect(f); err == nil {
		t.Error("Inspect of a regular file succeeded")
	}
}

func TestOpenUnwritable(t *testing.T) {
	ffs := newOpenInjector()
	ffs.openErr = syscall.EACCES
	dir := t.TempDir()
	_, _, err := Open(dir, Options{OpenFile: ffs.open})
	if !errors.Is(err, syscall.EACCES) || !strings.HasPrefix(err.Error(), "wal: ") {
		t.Fatalf("Open = %v, want a wal: error wrapping EACCES", err)
	}
	// And with an existing log.
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 2, 1, 3))
	mustClose(t, w)
	if _, _, err := Open(dir, Options{OpenFile: ffs.open}); !errors.Is(err, syscall.EACCES) {
		t.Fatalf("Open = %v, want EACCES", err)
	}
}

func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	ffs := newOpenInjector()
	w, _ := mustOpen(t, dir, Options{OpenFile: ffs.open})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 5, 1, 50))
	ffs.mu.Lock()
	ffs.budget = 50 // the next batch stops inside its first record
	ffs.mu.Unlock()
	err := w.Save(raft.HardState{}, mkEnts(6, 10, 1, 50))
	if !errors.Is(err, syscall.ENOSPC) || !strings.HasPrefix(err.Error(), "wal: ") {
		t.Fatalf("Save = %v, want a wal: error wrapping ENOSPC", err)
	}
	// Unusable from now on, even for small writes.
	if err := w.Save(raft.HardState{Term: 2}, nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save after failure = %v", err)
	}
	w.Close()
	// Reopen repairs the half-written batch.
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if rec.Repaired == nil {
		t.Fatal("no repair of the half-written batch")
	}
	if d := sameEntries(rec.Entries, mkEnts(1, 5, 1, 50)); d != "" {
		t.Fatal(d)
	}
}

func TestDiskFullOnSnapshotAndRoll(t *testing.T) {
	dir := t.TempDir()
	ffs := newOpenInjector()
	w, _ := mustOpen(t, dir, Options{OpenFile: ffs.open, SegmentBytes: 200})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 5, 1, 50))
	ffs.mu.Lock()
	ffs.budget = 0
	ffs.mu.Unlock()
	// The snapshot file cannot be written: an error, and no file left.
	err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 3, Term: 1}, Data: []byte("abc")})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("SaveSnapshot = %v", err)
	}
	// Rolling to a new segment fails too; the log stays as it was.
	if err := w.Save(raft.HardState{}, mkEnts(6, 6, 1, 1)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save needing a roll = %v", err)
	}
	ffs.mu.Lock()
	ffs.budget = -1
	ffs.mu.Unlock()
	mustSave(t, w, raft.HardState{}, mkEnts(6, 6, 1, 1))
	mustClose(t, w)
	for name, b := range readDirFiles(t, dir) {
		if name == preparedName && len(b) == 200 && allZero(b) {
			continue // the next segment, prepared whole: kept for the next Open
		}
		if strings.HasSuffix(name, tmpExt) || strings.HasSuffix(name, snapshotExt) {
			t.Errorf("left behind %s", name)
		}
	}
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, append(mkEnts(1, 5, 1, 50), mkEnts(6, 6, 1, 1)...)); d != "" {
		t.Fatal(d)
	}
}

// writeOneSegment writes a small log and returns its dir and segment name.
func writeOneSegment(t *testing.T) (string, string) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 3, 1, 8))
	mustClose(t, w)
	return dir, onlySegment(t, readDirFiles(t, dir))
}

func TestWrongMagicAndVersion(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(b []byte)
		want   string
	}{
		{"magic", func(b []byte) { copy(b, "NOTAWAL!") }, "bad magic"},
		{"version", func(b []byte) {
			binary.LittleEndian.PutUint32(b[8:], 7)
			binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
		}, "unsupported format version 7"},
		{"header crc", func(b []byte) { b[15] ^= 1 }, "header checksum"},
	} {
		dir, seg := writeOneSegment(t)
		path := filepath.Join(dir, seg)
		b, _ := os.ReadFile(path)
		tc.mutate(b)
		os.WriteFile(path, b, 0o644)
		before := readDirFiles(t, dir)
		_, _, err := Open(dir, Options{})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.File != seg || ce.Offset != 0 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Open = %v, want CorruptError at %s offset 0 saying %q", tc.name, err, seg, tc.want)
		}
		if d := sameFiles(before, readDirFiles(t, dir)); d != "" {
			t.Errorf("%s: directory changed: %s", tc.name, d)
		}
	}
}

func TestCorruptionInOlderSegmentNamesFileAndOffset(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 200})
	for i := uint64(1); i <= 20; i += 2 {
		mustSave(t, w, raft.HardState{}, mkEnts(i, i+1, 1, 30))
	}
	mustClose(t, w)
	rep, _ := Inspect(dir)
	seg := rep.Segments[1]
	rec := seg.Records[len(seg.Records)-1] // cut the tail off a non-last segment
	b := readDirFiles(t, dir)[seg.Name]
	os.WriteFile(filepath.Join(dir, seg.Name), b[:rec.Offset+5], 0o644)
	before := readDirFiles(t, dir)
	_, _, err := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != seg.Name || ce.Offset != rec.Offset {
		t.Fatalf("Open = %v, want CorruptError at %s offset %d", err, seg.Name, rec.Offset)
	}
	if d := sameFiles(before, readDirFiles(t, dir)); d != "" {
		t.Fatalf("directory changed: %s", d)
	}
	// A missing middle segment is caught too.
	os.WriteFile(filepath.Join(dir, seg.Name), b, 0o644)
	os.Remove(filepath.Join(dir, seg.Name))
	if _, _, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Open with a segment missing = %v", err)
	}
}

func TestOversizeRecordRefusedBeforeAllocation(t *testing.T) {
	dir, seg := writeOneSegment(t)
	path := filepath.Join(dir, seg)
	b, _ := os.ReadFile(path)
	// Claim a 2 GiB payload in the first record (a nonzero header, so not torn).
	binary.LittleEndian.PutUint32(b[segmentHeaderSize:], 1<<31)
	os.WriteFile(path, b, 0o644)
	_, _, err := Open(dir, Options{MaxRecordBytes: 1 << 20})
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, errTooLarge) {
		t.Fatalf("Open = %v, want a corrupt, too-large error", err)
	}
}

// TestGroupCommit holds the first fsync while two more Saves write; both
// must then be covered by one more fsync.
func TestGroupCommit(t *testing.T) {
	ffs := newOpenInjector()
	w, _ := mustOpen(t, t.TempDir(), Options{OpenFile: ffs.open})
	defer mustClose(t, w)
	w0, s0 := ffs.counts()
	gate := make(chan struct{})
	ffs.mu.Lock()
	ffs.syncGate = gate
	ffs.mu.Unlock()
	var wg sync.WaitGroup
	save := func(term uint64) {
		defer wg.Done()
		if err := w.Save(raft.HardState{Term: term}, nil); err != nil {
			t.Error(err)
		}
	}
	wg.Add(1)
	go save(1)
	waitFor(t, func() bool { _, s := ffs.counts(); return s == s0+1 }) // first fsync running
	wg.Add(2)
	go save(2)
	go save(3)
	waitFor(t, func() bool { n, _ := ffs.counts(); return n == w0+3 }) // both others wrote
	close(gate)
	wg.Wait()
	if _, s := ffs.counts(); s != s0+2 {
		t.Fatalf("%d fsyncs for 3 Saves, want 2", s-s0)
	}
}

func TestConcurrentSaves(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 2048})
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := uint64(1)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				// Entries need an order; hard states do not.
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
	mustClose(t, w)
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if d := sameEntries(rec.Entries, mkEnts(1, 100, 1, 20)); d != "" {
		t.Fatal(d)
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (a hang guard, not a timing assertion).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFsyncFailureIsSticky(t *testing.T) {
	dir := t.TempDir()
	ffs := newOpenInjector()
	w, _ := mustOpen(t, dir, Options{OpenFile: ffs.open})
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 2, 1, 5))
	ffs.mu.Lock()
	ffs.syncErr = syscall.EIO
	ffs.mu.Unlock()
	if err := w.Save(raft.HardState{}, mkEnts(3, 3, 1, 5)); !errors.Is(err, syscall.EIO) || !strings.HasPrefix(err.Error(), "wal: fsync") {
		t.Fatalf("Save = %v, want a wal: fsync error wrapping EIO", err)
	}
	ffs.mu.Lock()
	ffs.syncErr = nil
	ffs.mu.Unlock()
	// After a failed fsync the page cache cannot be trusted: refuse writes.
	if err := w.Save(raft.HardState{}, mkEnts(3, 3, 1, 5)); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Save after failed fsync = %v", err)
	}
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 1, Term: 1}}); !errors.Is(err, syscall.EIO) {
		t.Fatalf("SaveSnapshot after failed fsync = %v", err)
	}
	w.Close()
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if n := len(rec.Entries); n != 2 && n != 3 {
		t.Fatalf("recovered %d entries, want 2 or 3", n)
	}
}

// TestCloseSyncsPendingWrite closes the WAL while a Save waits behind a
// held fsync: that Save still returns success, durably.
func TestCloseSyncsPendingWrite(t *testing.T) {
	ffs := newOpenInjector()
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{OpenFile: ffs.open})
	w0, s0 := ffs.counts()
	gate := make(chan struct{})
	ffs.mu.Lock()
	ffs.syncGate = gate
	ffs.mu.Unlock()
	errs := make(chan error, 3)
	go func() { errs <- w.Save(raft.HardState{Term: 1}, mkEnts(1, 1, 1, 1)) }()
	waitFor(t, func() bool { _, s := ffs.counts(); return s == s0+1 })
	go func() { errs <- w.Save(raft.HardState{Term: 2}, nil) }()
	waitFor(t, func() bool { n, _ := ffs.counts(); return n == w0+2 })
	go func() { errs <- w.Close() }()
	close(gate)
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	w, rec := mustOpen(t, dir, Options{})
	defer mustClose(t, w)
	if rec.HardState.Term != 2 || len(rec.Entries) != 1 {
		t.Fatalf("recovered %+v", rec)
	}
}

// Open reads back a snapshot SaveSnapshot took at the size limit, which
// counts the data alone: a file of more data than the limit is refused
// (its header and configuration were counted as data, and a node whose
// snapshot was 1,000 bytes of a 1,000-byte limit could not restart).
func TestSnapshotAtTheSizeLimitReadsBack(t *testing.T) {
	for _, size := range []int{1000, 1001} {
		dir := t.TempDir()
		w, _, err := Open(dir, Options{MaxSnapshotBytes: 1001})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Save(raft.HardState{Term: 1, Commit: 1}, []raft.Entry{{Index: 1, Term: 1}}); err != nil {
			t.Fatal(err)
		}
		snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 1, Term: 1, Conf: raft.Membership{Voters: []uint64{1, 2, 3}}}, Data: make([]byte, size)}
		if err := w.SaveSnapshot(snap); err != nil {
			t.Fatal(err)
		}
		w.Close()
		// One byte less allowed than the second one holds.
		_, rec, err := Open(dir, Options{MaxSnapshotBytes: 1000})
		switch {
		case size == 1000 && err != nil:
			t.Fatalf("%d bytes of a 1000-byte limit: %v", size, err)
		case size == 1000 && (rec.Snapshot == nil || len(rec.Snapshot.Data) != size):
			t.Fatalf("%d bytes of a 1000-byte limit read back as %+v", size, rec.Snapshot)
		case size == 1001 && (err == nil || !strings.Contains(err.Error(), "1001 data bytes exceeds limit 1000")):
			t.Fatalf("%d bytes of a 1000-byte limit: %v", size, err)
		}
	}
}
