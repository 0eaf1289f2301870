package wal

import (
	"testing"

	"raftplay/raft"
)

// Writes saved with fsync skipped (FaultFS.SetSkipSync) rolled the log to
// new segments, saved a snapshot and compacted: their file contents and
// names were never made durable. Once fsync is back on, later Saves fsync
// only the active segment, so a power failure took its name away with
// every Save acknowledged after fsync came back (the log silently ended
// where the skipping began). SyncAll after SetSkipSync(false) makes it all
// durable, as sync(1) does.
func TestSyncAllAfterSkippedSyncs(t *testing.T) {
	for _, syncAll := range []bool{false, true} {
		dir := t.TempDir()
		fsys := NewFaultFS()
		opts := Options{FS: fsys, SegmentBytes: 4 << 10, noPrepare: true}
		w, _ := mustOpen(t, dir, opts)
		mustSave(t, w, raft.HardState{Term: 1, Vote: 1}, mkEnts(1, 10, 1, 100))
		fsys.SetSkipSync(true)
		for i := uint64(11); i <= 100; i += 10 {
			mustSave(t, w, raft.HardState{}, mkEnts(i, i+9, 1, 100))
		}
		if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 50, Term: 1, Conf: raft.Membership{Voters: []uint64{1}}}, Data: []byte("state at 50")}); err != nil {
			t.Fatal(err)
		}
		if err := w.Compact(50); err != nil {
			t.Fatal(err)
		}
		fsys.SetSkipSync(false)
		if syncAll {
			if err := fsys.SyncAll(dir); err != nil {
				t.Fatal(err)
			}
		}
		mustSave(t, w, raft.HardState{Term: 1, Vote: 1, Commit: 105}, mkEnts(101, 105, 1, 100))
		mustClose(t, w)
		if err := fsys.PowerFail(dir); err != nil {
			t.Fatal(err)
		}
		w2, rec, err := Open(dir, opts)
		if !syncAll {
			// Without it: the log lost what fsync acknowledged (or the
			// node cannot start at all).
			if err == nil {
				n := len(rec.Entries)
				if n > 0 && rec.Entries[n-1].Index == 105 {
					t.Fatal("without SyncAll the skipped syncs were made up anyway: this test shows nothing")
				}
				w2.Close()
			}
			continue
		}
		if err != nil {
			t.Fatalf("Open after SyncAll and a power failure: %v", err)
		}
		if rec.Snapshot == nil || rec.Snapshot.Meta.Index != 50 || len(rec.Entries) != 55 || rec.Entries[54].Index != 105 || rec.HardState.Commit != 105 {
			t.Fatalf("after SyncAll and a power failure: snapshot %v, %d entries, hard state %+v; want snapshot 50, entries 51-105, commit 105", rec.Snapshot != nil, len(rec.Entries), rec.HardState)
		}
		w2.Close()
	}
}
