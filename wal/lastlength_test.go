package wal

import (
	"errors"
	"os"
	"testing"

	"raftplay/raft"
)

// One bit flipped in the length of the last record of a preallocated
// active segment (a fsynced, acknowledged hard state: the node's vote) is
// damage, refused, as in a growing segment. The record reached into the
// zeros (errCRC), a zeroed sector was found, nothing followed it, and Open
// cut the acknowledged record off as a torn tail (found by a review).
func TestLastRecordLengthFlipInPreallocatedSegment(t *testing.T) {
	for _, bit := range []uint{4, 8, 10} {
		dir := t.TempDir()
		opts := Options{SegmentBytes: 64 << 10}
		path, buf, recs := preallocatedActive(t, dir, opts, raft.HardState{Term: 2, Vote: 3, Commit: 71}, nil) // an acknowledged vote
		last := recs[len(recs)-1]
		if last.typ != RecordHardState {
			t.Fatalf("last record %+v", last)
		}
		buf[last.off+int(bit/8)] ^= 1 << (bit % 8)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		w, rec, err := Open(dir, opts)
		if err == nil {
			w.Close()
			t.Errorf("bit %d of the last record's length flipped: Open accepted it (repaired %+v), hard state %+v: the acknowledged vote {Term:2 Vote:3} is gone", bit, rec.Repaired, rec.HardState)
			continue
		}
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Errorf("bit %d: %v", bit, err)
		}
	}
}
