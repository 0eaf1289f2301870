package wal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/raft"
)

// A sealed segment cut short at the end of a record (a file truncated, a
// copy cut off) is damage named in that segment, with the entries lost:
// the next segment's first entry was blamed ("entry 141 leaves a gap
// after 114"), and when no entry came after, nothing was said and the node
// started without entries it had acknowledged.
func TestSealedSegmentCutShortIsNamed(t *testing.T) {
	for _, entriesAfter := range []bool{true, false} {
		name := "entries after"
		if !entriesAfter {
			name = "no entry after"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{SegmentBytes: 256, prepareInline: true, noPrepare: true}
			w, _ := mustOpen(t, dir, opts)
			var next uint64 = 1
			for len(w.segs) < 3 {
				mustSave(t, w, raft.HardState{Term: 1, Vote: 1, Commit: next}, mkEnts(next, next, 1, 10))
				next++
			}
			if !entriesAfter {
				// Hard states only, until the log rolls on: the newest
				// segment holds no entry.
				for c := next; len(w.segs) < 4; c++ {
					mustSave(t, w, raft.HardState{Term: 1, Vote: 1, Commit: c}, nil)
				}
			}
			victim := w.segs[len(w.segs)-2].name
			mustClose(t, w)
			if err := os.Truncate(filepath.Join(dir, victim), segmentHeaderSize); err != nil {
				t.Fatal(err)
			}
			_, rec, err := Open(dir, opts)
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.File != victim || ce.Offset != segmentHeaderSize || !strings.Contains(err.Error(), "cut short") {
				n := -1
				if rec != nil {
					n = len(rec.Entries)
				}
				t.Fatalf("Open: %v (%d entries); want %s named at offset %d, cut short", err, n, victim, segmentHeaderSize)
			}
			rep, err := Inspect(dir)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range rep.Problems {
				found = found || (p.File == victim && strings.Contains(p.What, "cut short"))
			}
			if !found {
				t.Fatalf("Inspect problems %+v; want %s cut short", rep.Problems, victim)
			}
		})
	}
}
