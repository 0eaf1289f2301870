package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The corruption helpers damage the files of a closed WAL on purpose, the
// way a failing disk would, for the playground's `corrupt` command and for
// tests. Each takes the directory's lock first, so it refuses (ErrLocked)
// while the WAL is open, writes through package os (the damage is under
// any FS), fsyncs what it changed, and returns a sentence naming the file
// and the offset it damaged and what Open will do about it.

// Corrupt applies the damage named by what: "segment" (CorruptSegment),
// "snapshot" (CorruptSnapshot) or "tail" (TearTail).
func Corrupt(dir, what string) (string, error) {
	switch what {
	case "segment":
		return CorruptSegment(dir)
	case "snapshot":
		return CorruptSnapshot(dir)
	case "tail":
		return TearTail(dir)
	}
	return "", unknownDamage(what)
}

// ErrNothingToDamage is Corrupt's (and CanCorrupt's) error when dir holds
// no file of the kind to damage: no snapshot file, no segment.
var ErrNothingToDamage = errors.New("nothing to damage")

// CanCorrupt reports, without touching anything (and while the WAL may be
// open), whether Corrupt(dir, what) would find a file to damage: a snapshot
// file for "snapshot", a segment for "segment" and "tail". The error wraps
// ErrNothingToDamage and says what is missing.
func CanCorrupt(dir, what string) error {
	if what != "segment" && what != "snapshot" && what != "tail" {
		return unknownDamage(what)
	}
	l, err := listDir(OSFS{}, dir)
	if err != nil {
		return err
	}
	return missing(l, what)
}

// missing says what listing l lacks for the damage what, wrapping
// ErrNothingToDamage: no snapshot file, no segment; nil when it has one.
func missing(l dirListing, what string) error {
	switch {
	case what == "snapshot" && len(l.snapshots) == 0:
		return fmt.Errorf("no snapshot file: %w", ErrNothingToDamage)
	case what != "snapshot" && len(l.segments) == 0:
		return fmt.Errorf("no segment: %w", ErrNothingToDamage)
	}
	return nil
}

func unknownDamage(what string) error {
	return fmt.Errorf("wal: corrupt: unknown damage %q (want segment, snapshot or tail)", what)
}

// damageTarget locks dir for damage, lists it, and reads the file pick
// chooses from the listing (pick says what is missing when it finds none).
// The caller runs unlock when done.
func damageTarget(dir string, pick func(dirListing) (string, error)) (name, path string, buf []byte, unlock func(), err error) {
	if unlock, err = lockForDamage(dir); err != nil {
		return "", "", nil, nil, err
	}
	l, err := listDir(OSFS{}, dir)
	if err == nil {
		name, err = pick(l)
	}
	if err == nil {
		path = filepath.Join(dir, name)
		if buf, err = os.ReadFile(path); err != nil {
			err = fmt.Errorf("wal: corrupt: %w", err)
		}
	}
	if err != nil {
		unlock()
		return "", "", nil, nil, err
	}
	return name, path, buf, unlock, nil
}

// CorruptSegment flips every bit of one byte in the payload of one record
// of the newest sealed segment (the newest but the last, which is the one
// being appended to); when the log has only one segment, that one. It picks
// the newest record whose damage Open reports as corruption rather than
// repairing it as a torn tail (in the last segment a checksum mismatch
// next to a zeroed sector reads as torn; see doc.go); in a segment without
// records it damages the header. Open then fails with a *CorruptError
// naming the segment and the record's offset.
func CorruptSegment(dir string) (string, error) {
	last := false
	name, path, buf, unlock, err := damageTarget(dir, func(l dirListing) (string, error) {
		if err := missing(l, "segment"); err != nil {
			return "", fmt.Errorf("wal: corrupt %s: %w", dir, err)
		}
		k := max(0, len(l.segments)-2) // the newest sealed one, or the only one
		last = k == len(l.segments)-1
		return l.segments[k], nil
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	recs := goodRecords(buf)
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		at := r.off + frameHeaderSize + r.length/2
		if r.length == 0 {
			at = r.off + frameHeaderSize - 1 // the stored CRC
		}
		b := append([]byte(nil), buf...)
		b[at] ^= 0xff
		var ce *CorruptError
		_, err := scanSegment(name, b, last, defaultMaxRecordBytes, &replay{})
		if !errors.As(err, &ce) || ce.Offset != int64(r.off) {
			continue // would be read as a torn tail: try an older record
		}
		if err := writeByteAt(path, int64(at), b[at]); err != nil {
			return "", err
		}
		return fmt.Sprintf("flipped byte %d of %s (0x%02x to 0x%02x), inside the %s record at offset %d: its checksum no longer matches; Open refuses the log with a CorruptError naming %s at offset %d",
			at, name, buf[at], b[at], r.typ, r.off, name, r.off), nil
	}
	// No record to damage: the header then (its checksum fails).
	if len(buf) < segmentHeaderSize {
		return "", fmt.Errorf("wal: corrupt %s: shorter than a segment header", name)
	}
	at := 20 // first index
	if err := writeByteAt(path, int64(at), buf[at]^0xff); err != nil {
		return "", err
	}
	return fmt.Sprintf("flipped byte %d of %s (0x%02x to 0x%02x), in its header, which holds no record: Open refuses the log with a CorruptError naming %s at offset 0",
		at, name, buf[at], buf[at]^0xff, name), nil
}

// CorruptSnapshot flips every bit of one byte in the middle of the newest
// snapshot file (by name: the highest index). Its checksum fails, so Open
// ignores the file; if the log records that snapshot (it does unless a
// crash came between the file and its record), Open fails with a
// *CorruptError naming the file (offset 0: a snapshot's checksum covers
// the whole file), since an older snapshot cannot stand in for it.
func CorruptSnapshot(dir string) (string, error) {
	name, path, buf, unlock, err := damageTarget(dir, func(l dirListing) (string, error) {
		if err := missing(l, "snapshot"); err != nil {
			return "", fmt.Errorf("wal: corrupt %s: %w", dir, err)
		}
		return l.snapshots[0], nil // the newest
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	if len(buf) == 0 {
		return "", fmt.Errorf("wal: corrupt %s: empty file", name)
	}
	index, _, _ := parseSnapshotName(name)
	recorded := false
	if rep, err := Inspect(dir); err == nil {
		for _, sr := range rep.Segments {
			for _, r := range sr.Records {
				recorded = recorded || r.Type == RecordSnapshot && r.CRCOK && r.Index == index
			}
		}
	}
	at := len(buf) / 2
	if err := writeByteAt(path, int64(at), buf[at]^0xff); err != nil {
		return "", err
	}
	then := fmt.Sprintf("as the log records this snapshot, Open refuses the log with a CorruptError naming %s (no offset: the checksum covers the whole file)", name)
	if !recorded {
		then = "Open ignores the file: the log does not record this snapshot (a crash came between the file and its record), so Open uses the next older valid snapshot, if any"
	}
	return fmt.Sprintf("flipped byte %d of %s (0x%02x to 0x%02x): its checksum no longer matches; %s",
		at, name, buf[at], buf[at]^0xff, then), nil
}

// TearTail cuts the last record of the last segment in the middle, as a
// crash during its write would (a segment without records has nothing a
// crash could tear: its header was durable before it had its name). Open
// repairs it: it cuts the torn record off and
// keeps its bytes aside in NAME.OFFSET.broken (Recovered.Repaired), so the
// log loses that record.
func TearTail(dir string) (string, error) {
	name, path, buf, unlock, err := damageTarget(dir, func(l dirListing) (string, error) {
		if err := missing(l, "tail"); err != nil {
			return "", fmt.Errorf("wal: corrupt %s: %w", dir, err)
		}
		return l.segments[len(l.segments)-1], nil // the one being appended to
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	recs := goodRecords(buf)
	var cut int
	var what string
	start := 0
	if len(recs) == 0 {
		return "", fmt.Errorf("wal: corrupt %s: %w: it holds no record to tear", name, ErrNothingToDamage)
	}
	r := recs[len(recs)-1]
	start = r.off
	cut = r.off + (frameHeaderSize+r.length)/2
	what = fmt.Sprintf("its last record (%s, %d bytes at offset %d)", r.typ, frameHeaderSize+r.length, r.off)
	sc, _ := scanSegment(name, buf[:cut], true, defaultMaxRecordBytes, &replay{})
	if !sc.torn || sc.end != start {
		return "", fmt.Errorf("wal: corrupt %s: cutting at offset %d would not read as a torn tail", name, cut)
	}
	if err := os.Truncate(path, int64(cut)); err != nil {
		return "", fmt.Errorf("wal: corrupt: %w", err)
	}
	if err := syncFile(path); err != nil {
		return "", err
	}
	gone := fmt.Sprintf("%d bytes gone", len(buf)-cut)
	if end := recordsEnd(buf, recs); end < len(buf) {
		// A preallocated segment: the zeros after the records are no loss.
		after := fmt.Sprintf("the %d bytes of zeros after it, the unwritten rest of a preallocated segment", len(buf)-end)
		if !allZero(buf[end:]) {
			after = fmt.Sprintf("the %d bytes after it, left of a record torn before", len(buf)-end) // a second tear in a row
		}
		gone = fmt.Sprintf("%d bytes of it gone (and %s)", end-cut, after)
	}
	desc := fmt.Sprintf("cut %s at offset %d, in the middle of %s: %s; Open cuts the torn tail off at offset %d and keeps the %d bytes left of it in %s",
		name, cut, what, gone, start, cut-start, brokenName(name, int64(start)))
	if len(recs) > 0 && recs[len(recs)-1].typ == RecordEntry {
		// A real torn write hits only what was never fsynced; this entry
		// may have been, and acknowledged.
		desc += ". The torn record is an entry: if the node had acknowledged it, this is a disk losing acknowledged data (as wipe is), which Raft assumes cannot happen: its leader still counts the entry on this node, which stays behind until another leader is elected"
	}
	return desc, nil
}

// recordsEnd returns where the records recs of a segment image end: the
// end of the last one, or of the header when there is none.
func recordsEnd(buf []byte, recs []damagedRecord) int {
	if len(recs) == 0 {
		return min(len(buf), segmentHeaderSize)
	}
	r := recs[len(recs)-1]
	return r.off + frameHeaderSize + r.length
}

// damagedRecord is where one intact record lies in a segment image.
type damagedRecord struct {
	off, length int
	typ         RecordType
}

// goodRecords returns the records of a segment image up to the first one
// that does not decode.
func goodRecords(buf []byte) []damagedRecord {
	h, err := parseHeader(buf)
	if err != nil {
		return nil
	}
	var out []damagedRecord
	off, prev := segmentHeaderSize, h.crc
	for off < len(buf) {
		f, err := decodeFrame(buf, off, prev, len(buf))
		if err != nil {
			break
		}
		out = append(out, damagedRecord{off: off, length: f.size - frameHeaderSize, typ: f.typ})
		off += f.size
		prev = f.crc
	}
	return out
}

// lockForDamage takes dir's lock (refusing while the WAL is open) and
// returns its release.
func lockForDamage(dir string) (func(), error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("wal: corrupt: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("wal: corrupt %s: not a directory", dir)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	return func() { lock.Close() }, nil
}

// writeByteAt overwrites one byte of the file at path and fsyncs it.
func writeByteAt(path string, off int64, b byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("wal: corrupt: %w", err)
	}
	_, err = f.WriteAt([]byte{b}, off)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wal: corrupt: %w", err)
	}
	return nil
}

// syncFile fsyncs the file at path.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("wal: corrupt: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wal: corrupt: %w", err)
	}
	return nil
}
