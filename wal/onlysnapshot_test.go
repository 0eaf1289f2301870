package wal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/raft"
)

// A log that never rolled has one segment, 0, and no last-segment file
// (written at rolls only). With that segment deleted, the directory holds
// only snapshot files, which no crash can leave (segment 0 is durable
// before Open returns, and so before any snapshot is saved). Open took it
// for a log made of its snapshot: the node started with no term, no vote
// and none of the entries after the snapshot (amnesia), and raftplay wal
// said nothing was wrong. Open and Inspect now refuse it, naming the
// snapshot.
func TestSnapshotWithoutAnySegmentIsDamage(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{})
	mustSave(t, w, raft.HardState{Term: 3, Vote: 2, Commit: 5}, mkEnts(1, 5, 3, 10))
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: 5, Term: 3, Conf: raft.Membership{Voters: []uint64{1, 2, 3}}}, Data: []byte("state")}
	if err := w.SaveSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	mustSave(t, w, raft.HardState{Term: 3, Vote: 2, Commit: 10}, mkEnts(6, 10, 3, 10))
	mustClose(t, w)
	l, err := listDir(OSFS{}, dir)
	if err != nil || len(l.segments) != 1 || l.lastSeg {
		t.Fatalf("segments %v, last-segment file %v, %v: the test needs one segment and no file", l.segments, l.lastSeg, err)
	}
	if err := os.Remove(filepath.Join(dir, l.segments[0])); err != nil {
		t.Fatal(err)
	}
	w, rec, err := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != snapshotName(snap.Meta) {
		if err == nil {
			t.Errorf("Open without its only segment: hard state %+v, %d entries, no error; want a CorruptError", rec.HardState, len(rec.Entries))
			w.Close()
		}
		t.Fatalf("Open without its only segment = %v, want a CorruptError naming %s", err, snapshotName(snap.Meta))
	}
	// No byte of the snapshot is at fault: the error names the file alone
	// (Offset -1), not "at offset 0".
	if ce.Offset != -1 || strings.Contains(err.Error(), "offset") {
		t.Errorf("Open without its only segment: %v (offset %d); want the file named with no offset", err, ce.Offset)
	}
	if des, _ := os.ReadDir(dir); len(des) != 2 { // the snapshot and LOCK: Open changed nothing
		t.Fatalf("Open refused, but the directory now holds %d files", len(des))
	}
	r, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.damaged() {
		t.Fatalf("Inspect problems %v: no damage", r.Problems)
	}
}
