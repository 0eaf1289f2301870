package wal

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"raftplay/raft"
)

// TestInspectAgreesWithOpenOnHugeLengths sets the last record's length
// field to sizes below, between and above the limits of a record, in a
// growing and in a preallocated active segment: `raftplay wal` (Inspect)
// and a node's start (Open) must give the same verdict, damage or a torn
// tail. Inspect followed lengths up to 1 GiB while Open refused any over
// 64 MiB, so a length damaged to 100 MiB was a torn tail to one and damage
// to the other.
func TestInspectAgreesWithOpenOnHugeLengths(t *testing.T) {
	for _, kind := range []string{"growing", "preallocated"} {
		for _, length := range []uint32{2 << 20, 100 << 20, 3 << 30} {
			dir := t.TempDir()
			opts := Options{SegmentBytes: 64 << 10}
			var path string
			var buf []byte
			var recs []damagedRecord
			if kind == "preallocated" {
				path, buf, recs = preallocatedActive(t, dir, opts, raft.HardState{Term: 2, Vote: 3}, mkEnts(72, 75, 2, 100))
			} else {
				opts.noPrepare = true
				w, _ := mustOpen(t, dir, opts)
				mustSave(t, w, raft.HardState{Term: 2, Vote: 3}, mkEnts(1, 5, 2, 100))
				name := w.segs[len(w.segs)-1].name
				mustClose(t, w)
				path = filepath.Join(dir, name)
				var err error
				if buf, err = os.ReadFile(path); err != nil {
					t.Fatal(err)
				}
				recs = goodRecords(buf)
			}
			last := recs[len(recs)-1]
			binary.LittleEndian.PutUint32(buf[last.off:], length)
			if err := os.WriteFile(path, buf, 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := Inspect(dir)
			if err != nil {
				t.Fatal(err)
			}
			w, _, oerr := Open(dir, opts)
			if oerr == nil {
				w.Close()
			}
			if rep.damaged() != (oerr != nil) {
				t.Errorf("%s segment, last record's length %d: raftplay wal finds damage %v (%v), Open fails %v (%v)",
					kind, length, rep.damaged(), rep.Problems, oerr != nil, oerr)
			}
		}
	}
}
