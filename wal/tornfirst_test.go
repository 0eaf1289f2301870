package wal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"raftplay/raft"
)

// tearLog writes saves batches into a single (growing) segment and returns
// the segment's name and its content after each Save (before[i] is the
// durable content when batch i was being written).
func tearLog(t *testing.T, saves int, seed uint64) (string, [][]byte, [][]raft.Entry) {
	t.Helper()
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentBytes: 64 << 20})
	name := w.segs[0].name
	rng := rand.New(rand.NewPCG(seed, 1))
	var states [][]byte
	var ents [][]raft.Entry
	read := func() []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	states = append(states, read())
	next := uint64(1)
	var all []raft.Entry
	for i := 0; i < saves; i++ {
		n := uint64(1 + rng.IntN(4))
		e := mkEnts(next, next+n-1, 1, rng.IntN(300))
		mustSave(t, w, raft.HardState{Term: 1, Commit: next - 1}, e)
		next += n
		all = append(all, e...)
		states = append(states, read())
		ents = append(ents, append([]raft.Entry(nil), all...))
	}
	mustClose(t, w)
	return name, states, ents
}

// A crash mid-write: each 512-byte sector of the last batch is either new or
// as it was (zeros past the old records). Open must start, with at least
// the records of the previous (fsynced) batches. When the batch starts in
// the last 4 bytes of a sector and that sector is the one not written, the
// new record's length reads as 0 (or less than it was) while its type byte
// is new: a checksum mismatch with no zeroed sector after it, which was
// refused as damage (8 of 674 tears here; found by a review).
func TestTornFirstSectorOfBatch(t *testing.T) {
	name, states, ents := tearLog(t, 400, 7)
	root := t.TempDir()
	tried, refused := 0, 0
	for i := 1; i < len(states); i++ {
		old, nu := states[i-1], states[i]
		start := len(old)
		for _, mode := range []string{"first sector old", "random"} {
			b := append([]byte(nil), nu...)
			s0 := start / sectorSize * sectorSize
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			for s := s0; s < len(nu); s += sectorSize {
				keepOld := false
				switch mode {
				case "first sector old":
					keepOld = s == s0
				case "random":
					keepOld = rng.IntN(2) == 0
				}
				if keepOld {
					for j := max(s, start); j < min(s+sectorSize, len(nu)); j++ {
						b[j] = 0 // as it was: zeros after the old records
					}
				}
			}
			if string(b) == string(nu) || string(b[:start]) != string(old) {
				continue
			}
			tried++
			dir := filepath.Join(root, fmt.Sprint(i, mode))
			writeDirFiles(t, dir, map[string][]byte{name: b})
			w, rec, err := Open(dir, Options{})
			if err != nil {
				refused++
				if refused <= 20 {
					var ce *CorruptError
					errors.As(err, &ce)
					t.Errorf("batch %d (starts at %d, %d within its sector), %s: a torn write refused: %v", i, start, start%sectorSize, mode, err)
				}
				continue
			}
			if i >= 2 && len(rec.Entries) < len(ents[i-2]) {
				t.Errorf("batch %d %s: lost fsynced entries: %d < %d", i, mode, len(rec.Entries), len(ents[i-2]))
			}
			w.Close()
		}
	}
	t.Logf("%d tears tried, %d refused", tried, refused)
	if refused > 0 {
		t.Fatalf("%d of %d genuine torn writes refused as corruption", refused, tried)
	}
}
