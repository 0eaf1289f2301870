package wal

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"raftplay/raft"
)

// A byte flipped in the header of a record in the middle of the active
// segment, with acknowledged (fsynced) records after it, is damage, not a
// torn write: no crash tears a record that later, whole records follow on
// a sector boundary it did not touch. When the active segment is
// preallocated, its zeros run to the end of the file, and isTorn found
// them as "a zeroed sector" for a bad header, a length over the limit, or
// a length that makes the checksum cover the zeros: Open cut everything
// from the damaged record on off as a torn tail, silently losing the
// acknowledged records after it.
func TestMiddleRecordHeaderDamageInPreallocatedSegment(t *testing.T) {
	type damage struct {
		name string
		at   int // byte of the record header to change
		xor  byte
	}
	for _, d := range []damage{
		{"type byte", 4, 0xff},        // errBadFrame
		{"reserved byte", 5, 0x01},    // errBadFrame
		{"length high byte", 3, 0x7f}, // errTooLarge
		{"length byte 1", 1, 0x10},    // length runs into the zeros: errCRC
		{"length byte 2", 2, 0x01},    // likewise, further
		{"crc", 9, 0xff},              // errCRC: the record alone, for comparison
		{"length low byte", 0, 0x03},  // errCRC or errTruncated
	} {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{SegmentBytes: 64 << 10}
			path, buf, recs := preallocatedActive(t, dir, opts, raft.HardState{Term: 1, Commit: 80}, mkEnts(72, 90, 1, 100))
			// A record in the middle: entries and a hard state follow it.
			var victim *damagedRecord
			for i := range recs {
				if recs[i].typ == RecordEntry && i+5 < len(recs) {
					victim = &recs[i]
				}
				if victim != nil && i > 3 {
					break
				}
			}
			if victim == nil {
				t.Fatalf("no record to damage in %v", recs)
			}
			buf[victim.off+d.at] ^= d.xor
			if err := os.WriteFile(path, buf, 0o644); err != nil {
				t.Fatal(err)
			}
			w, rec, err := Open(dir, opts)
			if err == nil {
				defer w.Close()
				last := uint64(0)
				if n := len(rec.Entries); n > 0 {
					last = rec.Entries[n-1].Index
				}
				t.Fatalf("damaged header at offset %d of the active segment (records after it were fsynced): Open accepted it, repaired %v; the log now ends at %d (acknowledged up to 90)",
					victim.off, rec.Repaired, last)
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.File != filepath.Base(path) || ce.Offset != int64(victim.off) {
				t.Fatalf("error %v: want a CorruptError naming %s at %d", err, filepath.Base(path), victim.off)
			}

		})
	}
}

// preallocatedActive writes a log in dir whose active segment is a file
// prepared ahead (zeros to its end), saves hs and ents into it, and
// returns its path, its bytes and its whole records.
func preallocatedActive(t *testing.T, dir string, opts Options, hs raft.HardState, ents []raft.Entry) (string, []byte, []damagedRecord) {
	t.Helper()
	w, _ := mustOpen(t, dir, opts)
	mustSave(t, w, raft.HardState{Term: 1}, mkEnts(1, 70, 1, 100)) // > SegmentBytes/8
	waitPrepared(t, w)
	mustSave(t, w, raft.HardState{}, mkEnts(71, 71, 1, 100))
	if len(w.segs) != 2 {
		t.Fatalf("segments %v: want the prepared file active", w.segs)
	}
	mustSave(t, w, hs, ents)
	active := w.segs[1].name
	mustClose(t, w)
	path := filepath.Join(dir, active)
	buf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, buf, goodRecords(buf)
}
