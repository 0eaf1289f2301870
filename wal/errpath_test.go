package wal

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"raftplay/raft"
)

// A failed write or fsync of a segment that rolled in names the segment's
// file: the file keeps the name it was created under (NAME.tmp, or the
// prepared next segment's) after the rename that made it the segment, and
// a full disk said "write DATA/node-1/NAME.wal.tmp: no space left on
// device", a file that is not there (a user who filled a real disk).
func TestWriteErrorNamesTheSegmentNotItsTemporaryFile(t *testing.T) {
	for _, prepared := range []bool{false, true} {
		for _, fail := range []string{"write", "fsync"} {
			name := fail
			if prepared {
				name += " prepared"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				oi := newOpenInjector()
				opts := Options{OpenFile: oi.open, SegmentBytes: 256, prepareInline: true, noPrepare: !prepared}
				w, _ := mustOpen(t, dir, opts)
				defer w.Close()
				var next uint64 = 1
				for len(w.segs) < 3 { // one entry at a time: the third has just begun, far from full
					mustSave(t, w, raft.HardState{Term: 1, Vote: 1, Commit: next}, mkEnts(next, next, 1, 10))
					next++
				}
				active := filepath.Join(dir, w.segs[len(w.segs)-1].name)
				oi.mu.Lock()
				if fail == "write" {
					oi.budget = 0
				} else {
					oi.syncErr = syscall.EIO
				}
				oi.mu.Unlock()
				err := w.Save(raft.HardState{Term: 1, Vote: 1, Commit: next}, mkEnts(next, next, 1, 10))
				if err == nil {
					t.Fatal("Save succeeded")
				}
				if !errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EIO) {
					t.Fatalf("Save: %v; want the cause kept", err)
				}
				if !strings.Contains(err.Error(), active+":") || strings.Contains(err.Error(), ".tmp") {
					t.Fatalf("Save: %v; want it to name %s, and no temporary file", err, active)
				}
			})
		}
	}
}
