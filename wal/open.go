package wal

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"raftplay/raft"
)

// Recovered is what Open read back from a WAL directory.
type Recovered struct {
	// HardState is the last hard state saved (zero if none).
	HardState raft.HardState
	// Snapshot is the newest valid snapshot (meta + data), nil if none.
	Snapshot *raft.Snapshot
	// Entries are the contiguous log entries after Snapshot's index (or from
	// index 1). Their Data may share memory with one another, except that
	// the Data of an entry of OwnDataBytes or more is an allocation of its
	// own.
	Entries []raft.Entry
	// Repaired is non-nil when a torn tail was cut off the last segment.
	Repaired *Repair
}

// OwnDataBytes is the length from which an entry's Data in
// Recovered.Entries is a copy of its own rather than a piece of the segment
// read: a state machine may keep such data (a large value) without pinning
// a whole segment, or copying it again. Smaller entries share the segment's
// memory, and are cheap to copy.
const OwnDataBytes = 64 << 10

// segment is the WAL's bookkeeping for one segment file.
type segment struct {
	name     string
	seq      uint64
	maxIndex uint64 // highest entry index ever written to it (0: none)
}

// scanned is the result of reading one segment.
type scanned struct {
	seg    segment
	end    int    // offset after the last good record
	crc    uint32 // CRC of the last good record (or the header)
	torn   bool   // a torn tail starts at end
	zeroed int    // the file's length when only zeros follow end (a preallocated segment); else 0
}

// Open opens the WAL in dir, creating dir and a first segment if needed, and
// returns what it holds. A torn tail of the last segment is repaired (see
// Recovered.Repaired); any other damage makes Open fail with a *CorruptError
// naming file and offset, and then nothing in dir has been changed.
func Open(dir string, opts Options) (*WAL, *Recovered, error) {
	opts = opts.withDefaults()
	if err := mkdirDurable(opts.FS, dir); err != nil {
		return nil, nil, fmt.Errorf("wal: open %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	w, rec, err := open(dir, opts)
	if err != nil {
		lock.Close()
		return nil, nil, err
	}
	w.lock = lock
	return w, rec, nil
}

// open is Open once the directory is locked.
func open(dir string, opts Options) (*WAL, *Recovered, error) {
	fsys := opts.FS
	lg, err := readLog(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	l, snap, rp, segs, tail, meta := lg.l, lg.snap, lg.rp, lg.segs, lg.tail, lg.meta
	unrecorded, reset := lg.unrecorded, lg.reset

	// Now change things: leftovers, repair, active segment.
	w := &WAL{dir: dir, opts: opts, hs: rp.hs, snap: meta, first: meta.Index + 1}
	w.cond = sync.NewCond(&w.mu)
	removed := false
	for _, name := range l.tmp {
		if name == preparedName && w.reusePrepared() {
			continue
		}
		removed = fsys.Remove(filepath.Join(dir, name)) == nil || removed
	}
	if removed {
		fsys.SyncDir(dir) // best effort: a leftover that comes back is removed again
	}
	rec := &Recovered{HardState: rp.hs, Snapshot: snap, Entries: rp.ents}
	w.last = max(meta.Index, rp.lastIndex())
	w.terms = make([]uint64, 0, len(rp.ents))
	for i := range rp.ents {
		w.terms = append(w.terms, rp.ents[i].Term)
	}
	if len(segs) > 0 && tail.torn {
		rec.Repaired, err = repairTail(fsys, dir, tail.seg.name, int64(tail.end))
		if err != nil {
			return nil, nil, err
		}
	}
	if len(segs) == 0 {
		w.segs = segs
		if err := w.createSegment(0); err != nil {
			return nil, nil, err
		}
	} else {
		active := segs[len(segs)-1]
		f, err := fsys.OpenFile(filepath.Join(dir, active.name), os.O_WRONLY, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("wal: open segment %s: %w", active.name, err)
		}
		w.f, w.segs, w.size, w.crc = f, segs, int64(tail.end), tail.crc
		if !tail.torn {
			w.zeroed = int64(tail.zeroed)
		}
		// What was read may not be durable (a process that died before its
		// fsync left its last writes in the page cache): it counts as a
		// write not yet synced, which the first Flush, Sync or Save covers.
		// (Older segments were fsynced before a newer one existed.)
		w.writeSeq = 1
		// The names read may not be durable either: a process killed
		// between a rename (a new segment, a snapshot file) and its
		// directory fsync left the rename in the page cache, where this
		// Open found it, and a power failure could still undo it under a
		// node that wrote into that segment, or recorded that snapshot
		// and compacted the log it covers. The first Flush, Sync or Save
		// fsyncs the directory too.
		w.dirPending = true
	}
	if unrecorded {
		// The record names the snapshot file: its name must be durable
		// first.
		if err := fsys.SyncDir(dir); err != nil {
			w.f.Close()
			return nil, nil, fmt.Errorf("wal: open %s: sync directory: %w", dir, err)
		}
		w.dirPending = false
		if err := w.recordSnapshot(meta, reset); err != nil {
			w.f.Close()
			return nil, nil, err
		}
	}
	if n := len(w.segs); !l.lastSeg && n > 0 && w.segs[n-1].seq > 0 {
		// A log of several segments without the file (written before it
		// existed, or the file deleted): the guard it gives starts now,
		// not at the next roll. Best effort, as a missing file is no
		// damage.
		writeFileAtomic(fsys, dir, lastSegName, fmt.Appendf(nil, "segment %d\n", w.segs[n-1].seq))
	}
	w.prep.quit = make(chan struct{}) // preparations may start from here on
	return w, rec, nil
}

// UnreadableError is a file of the WAL that Open needs and may not read
// (permission denied): not damage, and the file is named whole.
type UnreadableError struct {
	Path string
	Err  error
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("wal: %s cannot be read (%s)", e.Path, errnoText(e.Err))
}

func (e *UnreadableError) Unwrap() error { return e.Err }

// errnoText is what went wrong in a file system error, without the system
// call or the path: "permission denied".
func errnoText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// recordSnapshot appends a snapshot record and fsyncs it. Used by Open
// before w is shared.
func (w *WAL) recordSnapshot(m raft.SnapshotMeta, reset bool) error {
	buf, crc := appendSnapshotMeta(nil, w.crc, m, reset)
	if _, err := w.write(buf, crc); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("wal: fsync: %w", atPath(err, w.segPath()))
	}
	w.syncSeq = w.writeSeq
	return nil
}

// newestSnapshot returns the newest snapshot file that reads back valid and
// whose name matches its content; nil if none.
func newestSnapshot(fsys FS, dir string, names []string, maxBytes int64) *raft.Snapshot {
	for _, name := range names {
		s, err := readSnapshot(fsys, filepath.Join(dir, name), maxBytes)
		if err == nil && snapshotName(s.Meta) == name {
			return &s
		}
	}
	return nil
}

// recordsOnly returns buf, the last segment's content, or a copy of its
// records alone when they are followed by zeros taking most of it (a
// preallocated segment): the entries Open returns share memory with what
// their segment was read into, and they would keep the zeros in memory
// too, up to 64 MiB a node, for as long as they are in the log.
func recordsOnly(name string, buf []byte, maxLen int) []byte {
	s, err := scanSegment(name, buf, true, maxLen, nil)
	if err != nil || s.torn || s.zeroed == 0 || s.end > len(buf)/2 {
		return buf
	}
	return bytes.Clone(buf[:s.end])
}

// scanSegment checks one segment's header and records and feeds the records
// to rp (nil: only checks them). In the last segment a torn tail stops the scan (scanned.torn);
// anywhere else damage is a *CorruptError.
func scanSegment(name string, buf []byte, last bool, maxLen int, rp *replay) (scanned, error) {
	seq, first, _ := parseSegmentName(name)
	s := scanned{seg: segment{name: name, seq: seq}}
	h, err := parseHeader(buf)
	if err != nil {
		// Even in the last segment: a segment gets its name only once its
		// header is durable (createSegment, openPrepared), so no crash
		// leaves one shorter than its header, or with a header that does
		// not decode. (Read as a torn tail, an emptied only segment made
		// its node start with no log, term or vote: amnesia.)
		return s, &CorruptError{File: name, Err: err}
	}
	if h.seq != seq || h.first != first {
		return s, &CorruptError{File: name, Err: fmt.Errorf("header says segment %d first index %d, name disagrees", h.seq, h.first)}
	}
	off, prev := segmentHeaderSize, h.crc
	for off < len(buf) {
		f, err := decodeFrame(buf, off, prev, maxLen)
		if err != nil {
			if last && zeroTail(buf, off, err) {
				s.zeroed = len(buf)
				break
			}
			if last && !errors.Is(err, errPayload) && isTorn(buf, off, prev, err) {
				s.torn = true
				break
			}
			return s, &CorruptError{File: name, Offset: int64(off), Err: err}
		}
		if rp != nil {
			if err := rp.record(f); err != nil {
				return s, &CorruptError{File: name, Offset: int64(off), Err: err}
			}
		}
		if f.typ == RecordEntry {
			s.seg.maxIndex = max(s.seg.maxIndex, entryOf(f.payload).Index)
		}
		off += f.size
		prev = f.crc
	}
	s.end, s.crc = off, prev
	return s, nil
}

// repairTail sets the bytes of segment name from off (past its header)
// onwards aside in a .broken file, then cuts them off, and makes it all
// durable.
func repairTail(fsys FS, dir, name string, off int64) (*Repair, error) {
	path := filepath.Join(dir, name)
	buf, err := fsys.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wal: repair %s: %w", name, err)
	}
	kept := brokenName(name, off)
	// In a preallocated segment the zeros after the torn write are not
	// part of it.
	torn := withoutZeroSectors(buf[off:])
	r := &Repair{File: name, Offset: off, Bytes: int64(len(torn)), Kept: kept}
	if _, err := writeFileAtomic(fsys, dir, kept, torn); err != nil {
		return nil, fmt.Errorf("wal: repair %s: keep torn tail: %w", name, err)
	}
	f, err := fsys.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("wal: repair %s: %w", name, err)
	}
	err = f.Truncate(off)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("wal: repair %s: truncate: %w", name, err)
	}
	return r, nil
}

// brokenName is the name a repair keeps the torn tail of segment name,
// cut at off, under: NAME.OFFSET.broken, OFFSET in decimal as in messages.
func brokenName(name string, off int64) string {
	return fmt.Sprintf("%s.%d%s", name, off, brokenExt)
}

// mkdirDurable creates dir and its missing parents. Each directory it
// creates is followed by an fsync of its parent, so that a power loss cannot
// take the new directory, and the log in it, away.
func mkdirDurable(fsys FS, dir string) error {
	err := fsys.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrNotExist) {
		parent := filepath.Dir(dir)
		if parent == dir {
			return err
		}
		if err := mkdirDurable(fsys, parent); err != nil {
			return err
		}
		err = fsys.Mkdir(dir, 0o755)
	}
	switch {
	case err == nil:
		return fsys.SyncDir(filepath.Dir(dir))
	case errors.Is(err, fs.ErrExist):
		return nil // a regular file by that name fails later, on LOCK
	}
	return err
}

// maxSegmentFileBytes is the most a segment file may hold beyond its
// SegmentBytes before it is refused unread: a segment rolls once it
// reaches SegmentBytes, and one batch of records past that is far less. A
// segment whose end was extended by damage (truncate -s 40G) was read
// whole into memory: the process died out of memory with a goroutine dump.
const maxSegmentFileBytes = 4 << 30

// checkSegmentSize refuses segment name of dir when its file is larger
// than any segment can be (maxSegmentFileBytes).
func checkSegmentSize(fsys FS, dir, name string, opts Options) error {
	fi, err := fsys.Stat(filepath.Join(dir, name))
	if err != nil {
		return nil // reading it says what is wrong
	}
	limit := max(opts.SegmentBytes, defaultSegmentBytes) + maxSegmentFileBytes
	if fi.Size() <= limit {
		return nil
	}
	return &CorruptError{File: name, Offset: -1, Err: fmt.Errorf("the file is %d bytes, more than any segment holds (one rolls at %d bytes; %d is the most read): its end was extended by damage (truncate -s, a file system fault?); refused, not read into memory", fi.Size(), opts.SegmentBytes, limit)}
}

// entriesText names the entries lo to hi: "entry 7", "entries 7 to 9".
func entriesText(lo, hi uint64) string {
	if lo == hi {
		return fmt.Sprintf("entry %d", lo)
	}
	return fmt.Sprintf("entries %d to %d", lo, hi)
}

// readLogState is what readLog found.
type readLogState struct {
	l                 dirListing
	snap              *raft.Snapshot
	rp                *replay
	segs              []segment
	tail              scanned
	meta              raft.SnapshotMeta
	unrecorded, reset bool
}

// readLog is what Open reads and checks before it changes anything: the
// segments, the newest snapshot and the records replayed. Its errors are
// why Open refuses a directory; Inspect reports them too, so that
// raftplay wal and a node's start agree on what is damage.
func readLog(dir string, opts Options) (*readLogState, error) {
	fsys := opts.FS
	l, err := listDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	if len(l.notFiles) > 0 {
		return nil, notFileError(dir, l.notFiles[0])
	}
	if len(l.segments) == 0 && len(l.snapshots) > 0 {
		// No crash leaves this: segment 0 is durable before Open returns,
		// so before any snapshot is saved. Its segments were deleted (a
		// log that never rolled has no last-segment file to tell): taken
		// for a log made of its snapshot, the node forgot its term, its
		// vote and every entry after the snapshot.
		return nil, &CorruptError{File: l.snapshots[0], Offset: -1, Err: errors.New("a snapshot but no segment: the log's segments are missing (its hard state and the entries after the snapshot with them)")}
	}
	snap := newestSnapshot(fsys, dir, l.snapshots, opts.MaxSnapshotBytes)

	// Read and check everything before changing anything.
	rp := &replay{}
	var segs []segment
	var tail scanned
	for i, name := range l.segments {
		seq, first, _ := parseSegmentName(name)
		if i > 0 && seq != segs[i-1].seq+1 {
			return nil, &CorruptError{File: name, Offset: -1, Err: fmt.Errorf("segment %d follows segment %d: segments missing", seq, segs[i-1].seq)}
		}
		if last := rp.lastIndex(); i > 0 && rp.anchored && first > last+1 {
			// A segment begins at the log's last index + 1 when it is
			// created, and the one before it is durable then: what is
			// missing was in the one before, cut short at a record's end
			// (the next entry would otherwise be blamed, or, with no entry
			// after, nothing at all).
			return nil, &CorruptError{File: l.segments[i-1], Offset: int64(tail.end), Err: fmt.Errorf("the log ends at entry %d here, but the next segment, %s, begins at entry %d: this segment was cut short, and %s it held went with its end", last, name, first, entriesText(last+1, first-1))}
		}
		if err := checkSegmentSize(fsys, dir, name, opts); err != nil {
			return nil, err
		}
		buf, err := fsys.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrPermission) {
			return nil, &UnreadableError{Path: filepath.Join(dir, name), Err: err}
		}
		if err != nil {
			return nil, fmt.Errorf("wal: read %s: %w", name, err)
		}
		last, fileLen := i == len(l.segments)-1, len(buf)
		if last {
			buf = recordsOnly(name, buf, opts.MaxRecordBytes)
		}
		tail, err = scanSegment(name, buf, last, opts.MaxRecordBytes, rp)
		if err != nil {
			return nil, err
		}
		if len(buf) < fileLen {
			tail.zeroed = fileLen // recordsOnly found nothing but zeros after the records
		}
		segs = append(segs, tail.seg)
	}
	var meta raft.SnapshotMeta
	if snap != nil {
		meta = snap.Meta
	}
	if rp.snap.Index > meta.Index {
		name := snapshotName(rp.snap)
		var why string
		switch s, err := readSnapshot(fsys, filepath.Join(dir, name), opts.MaxSnapshotBytes); {
		case errors.Is(err, fs.ErrPermission):
			// Not damage: the file may well be whole.
			return nil, &UnreadableError{Path: filepath.Join(dir, name), Err: err}
		case errors.Is(err, fs.ErrNotExist):
			why = "no such file"
		case err != nil:
			why = err.Error()
		default:
			why = fmt.Sprintf("its content is snapshot %d term %d", s.Meta.Index, s.Meta.Term)
		}
		return nil, &CorruptError{File: name, Offset: -1, Err: fmt.Errorf("log records a snapshot at index %d but no valid snapshot file holds it: %s", rp.snap.Index, why)}
	}
	// A snapshot file newer than every snapshot record: a crash came
	// between writing the file and its record. Open completes the record.
	unrecorded, reset := meta.Index > rp.snap.Index, false
	if meta.Index > 0 {
		reset = rp.applySnapshot(meta)
		rp.trim(meta.Index)
	}
	if err := checkLastSegment(fsys, dir, l); err != nil {
		return nil, err
	}
	if len(rp.ents) > 0 && rp.ents[0].Index != meta.Index+1 {
		return nil, &CorruptError{File: l.segments[0], Offset: segmentHeaderSize,
			Err: fmt.Errorf("log starts at entry %d but the snapshot covers only up to %d: the segments before it, or the snapshot, are missing", rp.ents[0].Index, meta.Index)}
	}
	return &readLogState{l: l, snap: snap, rp: rp, segs: segs, tail: tail, meta: meta, unrecorded: unrecorded, reset: reset}, nil
}

// lastSegName names the file that holds the number of the newest segment
// the log has moved on to ("segment N\n"). A roll writes it once the new
// segment is durable; a crash before then leaves the older number, which
// is no loss. Logs written before it existed have no such file.
const lastSegName = "last-segment"

// checkLastSegment refuses a log whose newest segment is missing: the
// lastSegName file names a segment newer than any there is.
func checkLastSegment(fsys FS, dir string, l dirListing) error {
	if !l.lastSeg {
		return nil
	}
	// "segment N\n" is at most 29 bytes: a larger file is damage, said
	// without reading it (40 GiB of it was read into memory, and the
	// process died out of memory).
	if fi, err := fsys.Stat(filepath.Join(dir, lastSegName)); err == nil && fi.Size() > 64 {
		return &CorruptError{File: lastSegName, Offset: -1, Err: fmt.Errorf("holds %d bytes, not the number of a segment (\"segment N\")", fi.Size())}
	}
	b, err := fsys.ReadFile(filepath.Join(dir, lastSegName))
	if errors.Is(err, fs.ErrPermission) {
		return &UnreadableError{Path: filepath.Join(dir, lastSegName), Err: err}
	}
	if err != nil {
		return fmt.Errorf("wal: read %s: %w", lastSegName, err)
	}
	var n uint64
	if _, err := fmt.Sscanf(string(b), "segment %d\n", &n); err != nil || fmt.Sprintf("segment %d\n", n) != string(b) {
		return &CorruptError{File: lastSegName, Offset: -1, Err: fmt.Errorf("holds %q, not the number of a segment", b)}
	}
	newest, found := uint64(0), len(l.segments) > 0
	if found {
		newest, _, _ = parseSegmentName(l.segments[len(l.segments)-1])
	}
	if !found || newest < n {
		have := "no segment is there"
		if found {
			have = fmt.Sprintf("the newest there is segment %d (%s)", newest, l.segments[len(l.segments)-1])
		}
		return &CorruptError{File: lastSegName, Offset: -1, Err: fmt.Errorf("the log had moved on to segment %d, and %s: the newest segments are missing", n, have)}
	}
	return nil
}
