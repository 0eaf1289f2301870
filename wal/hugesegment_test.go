package wal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/raft"
)

// A segment whose end was extended far past what any segment holds (a
// sparse truncate -s 40G) is refused unread, named: Open read it whole
// into memory and the process died out of memory with a goroutine dump.
func TestSegmentExtendedPastAnySizeIsRefusedUnread(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 1, Vote: 1, Commit: 2}, mkEnts(1, 3, 1, 10))
	mustClose(t, w)
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	huge := int64(defaultSegmentBytes) + maxSegmentFileBytes + 1
	if err := os.Truncate(segs[0], huge); err != nil { // sparse: no block is written
		t.Fatal(err)
	}
	_, _, err := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != filepath.Base(segs[0]) || !strings.Contains(err.Error(), "not read into memory") {
		t.Fatalf("Open: %v; want %s refused unread", err, filepath.Base(segs[0]))
	}
	rep, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].What, "not read into memory") {
		t.Fatalf("Inspect problems %+v; want the segment refused unread", rep.Problems)
	}
}

// A last-segment file extended by damage is refused unread, named: it was
// read whole into memory.
func TestLastSegmentFileExtendedIsRefusedUnread(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 256, prepareInline: true, noPrepare: true}
	w, _ := mustOpen(t, dir, opts)
	for i := uint64(1); len(w.segs) < 2; i++ {
		mustSave(t, w, raft.HardState{Term: 1, Vote: 1, Commit: i}, mkEnts(i, i, 1, 10))
	}
	mustClose(t, w)
	path := filepath.Join(dir, lastSegName)
	if err := os.Truncate(path, 8<<30); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(dir, opts)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != lastSegName || !strings.Contains(err.Error(), "holds 8589934592 bytes, not the number of a segment") {
		t.Fatalf("Open: %v; want %s refused unread", err, lastSegName)
	}
}
