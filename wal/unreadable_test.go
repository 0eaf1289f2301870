package wal

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"raftplay/raft"
)

// denySnapshots is the OS's file system, except that snapshot files may
// not be read, as after chmod 000 for a user other than root.
type denySnapshots struct{ OSFS }

func (d denySnapshots) ReadFile(name string) ([]byte, error) {
	if strings.HasSuffix(name, ".snap") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return d.OSFS.ReadFile(name)
}

// denyName is the OS's file system, except that files whose name ends
// in suffix may not be read.
type denyName struct {
	OSFS
	suffix string
}

func (d denyName) ReadFile(name string) ([]byte, error) {
	if strings.HasSuffix(name, d.suffix) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return d.OSFS.ReadFile(name)
}

// A segment, or the last-segment file, that may not be read is said so,
// named whole, as a snapshot is: "wal: DIR/NAME cannot be read (permission
// denied)" (it said "wal: read NAME: open DIR/NAME: permission denied").
func TestUnreadableSegmentIsSaidSo(t *testing.T) {
	dir := writeLog(t, 300, 30, 20)
	for _, suffix := range []string{".wal", lastSegName} {
		_, _, err := Open(dir, Options{SegmentBytes: 300, FS: denyName{suffix: suffix}})
		var ue *UnreadableError
		if !errors.As(err, &ue) || !strings.HasSuffix(ue.Path, suffix) || !strings.HasPrefix(ue.Path, dir+"/") {
			t.Fatalf("%s denied: Open = %v (%T), want an UnreadableError naming the file", suffix, err, err)
		}
		if want := "wal: " + ue.Path + " cannot be read (permission denied)"; err.Error() != want {
			t.Errorf("Open: %q, want %q", err, want)
		}
	}
}

// A recorded snapshot that may not be read is no damage: Open says the
// file cannot be read, naming it whole (it said the WAL was damaged, with
// an offset), and Inspect says so too (it said "a damaged snapshot").
func TestUnreadableSnapshotIsNotDamage(t *testing.T) {
	dir := writeLog(t, 300, 30, 20)
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 300})
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 20, Term: 1}, Data: []byte("state")}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	name := snapshotName(raft.SnapshotMeta{Index: 20, Term: 1})
	_, _, err := Open(dir, Options{SegmentBytes: 300, FS: denySnapshots{}})
	var ce *CorruptError
	var ue *UnreadableError
	if errors.As(err, &ce) || !errors.As(err, &ue) || !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("Open = %v (%T), want an UnreadableError", err, err)
	}
	if want := "wal: " + filepath.Join(dir, name) + " cannot be read (permission denied)"; err.Error() != want {
		t.Errorf("Open: %q, want %q", err, want)
	}
	// Inspect reads through the OS; as root chmod cannot deny it, so the
	// problem it would find is told here directly.
	p := Problem{File: name, Offset: -1, What: "cannot be read (permission denied)", Snapshot: true, Unreadable: true, Recorded: true}
	if s := p.String(); strings.Contains(s, "damage") || !strings.HasPrefix(s, name+": cannot be read (permission denied): ") {
		t.Errorf("recorded: %q", s)
	}
	p.Recorded = false
	if s := p.String(); strings.Contains(s, "damage") || !strings.Contains(s, "the node ignores it") {
		t.Errorf("unrecorded: %q", s)
	}
	// The file is fine: with the right to read it, Open takes it.
	w, rec := mustOpen(t, dir, Options{SegmentBytes: 300})
	if rec.Snapshot == nil || rec.Snapshot.Meta.Index != 20 {
		t.Errorf("recovered snapshot %v", rec.Snapshot)
	}
	mustClose(t, w)
}
