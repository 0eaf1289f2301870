package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"raftplay/raft"
)

// maxKeptBuf is the largest encode buffer kept between Saves.
const maxKeptBuf = 4 << 20

// WAL is an open write-ahead log. Its methods are safe for concurrent use.
type WAL struct {
	dir  string
	opts Options

	snapMu sync.Mutex // serializes SaveSnapshot and Compact

	mu   sync.Mutex
	cond *sync.Cond // signals the end of an fsync; uses mu
	f    File       // active segment, open for writing in place (WriteAt)
	segs []segment  // all segments, oldest first; the last is active
	size int64      // bytes of records (and header) in the active segment
	// zeroed is the length of the active segment's file when it was
	// preallocated (prealloc.go): the records overwrite its zeros up to
	// there. 0 (or <= size): each write makes the file longer.
	zeroed int64
	prep   preparation // the next segment's file
	crc    uint32      // CRC of the last record written (the chain's next seed)
	buf    []byte      // reused encode buffer

	hs    raft.HardState
	snap  raft.SnapshotMeta // newest snapshot saved
	first uint64            // snap.Index + 1
	last  uint64
	// Invariant: len(terms) == last-first+1; terms[i] is the term of entry first+i.
	terms []uint64

	// Group commit. Invariant: syncSeq <= writeSeq; at most one goroutine
	// fsyncs at a time (syncing) and does so without holding mu.
	writeSeq uint64 // number of writes issued
	syncSeq  uint64 // writes known durable
	syncing  bool
	// dirPending: the directory's names as Open read them may not be
	// durable (see open); the next fsync of waitDurable fsyncs the
	// directory too.
	dirPending bool

	err    error // sticky: after a failed write or fsync nothing more is accepted
	closed bool
	lock   *os.File // holds the directory's lock (lock.go) until Close
}

// FirstIndex returns the index of the first entry the log holds (snapshot
// index + 1, or 1).
func (w *WAL) FirstIndex() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.first
}

// LastIndex returns the index of the last entry (the snapshot index when
// the log holds no entry after it; 0 for an empty log).
func (w *WAL) LastIndex() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// Save appends ents and records hs, and returns once both are durable.
// hs.IsEmpty() means the hard state is unchanged. ents must be contiguous and
// start at most at LastIndex()+1 and after the snapshot; if they start at or
// below LastIndex(), the stored suffix from ents[0].Index is replaced.
// Concurrent Saves share fsyncs.
func (w *WAL) Save(hs raft.HardState, ents []raft.Entry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	seq, err := w.append(hs, ents)
	if err != nil {
		return err
	}
	return w.waitDurable(seq)
}

// Write is Save without the wait: it hands hs and ents to the file and
// returns a number for Sync, which makes them durable. Writes reach the
// file in the order of the calls, and a Save or Sync covers every Write
// before it. A crash may lose a Write that no Sync covered; until one
// returns, nothing written may be promised to anyone.
func (w *WAL) Write(hs raft.HardState, ents []raft.Entry) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.append(hs, ents)
}

// Sync returns once the Write numbered seq, and every Write and Save
// before it, is durable. Concurrent Syncs and Saves share fsyncs.
func (w *WAL) Sync(seq uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.waitDurable(seq)
}

// Flush returns once everything written, and everything Open read, is
// durable. A process that died between a write and its fsync left that
// write in the operating system's page cache, where the next Open reads
// it; the process would then acknowledge it again (entries it holds, a
// vote it cast) while a power failure could still take it; likewise a
// rename it made whose directory fsync had not returned (a new segment, a
// snapshot file): Flush fsyncs the directory too. Call Flush
// before anything is built on what Open returned (any Save covers it too).
func (w *WAL) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.waitDurable(w.writeSeq)
}

// append writes hs and ents to the active segment, not yet durable, and
// returns the write's number for waitDurable (the last write's when there
// is nothing new: a concurrent Save may have just written this very hard
// state). Called with mu held.
func (w *WAL) append(hs raft.HardState, ents []raft.Entry) (uint64, error) {
	if err := w.maybeRoll(); err != nil {
		return 0, err
	}
	if err := w.checkEntries(ents); err != nil {
		return 0, err
	}
	writeHS := !hs.IsEmpty() && hs != w.hs
	if len(ents) == 0 && !writeHS {
		return w.writeSeq, nil
	}
	// One allocation of the exact size: appended record by record from an
	// empty buffer, a batch of large entries was copied about five times
	// over as append grew it (growslice: 1.7 s of the loop's time for one
	// of 51 MiB, measured), and every node's loop stalled for it.
	need := 0
	for i := range ents {
		need += frameHeaderSize + entryFixedSize + len(ents[i].Data)
	}
	if writeHS {
		need += frameHeaderSize + hardStatePayload
	}
	buf, crc := w.buf[:0], w.crc
	if cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	for i := range ents {
		buf, crc = appendEntry(buf, crc, &ents[i])
	}
	if writeHS {
		buf, crc = appendHardState(buf, crc, hs)
	}
	seq, err := w.write(buf, crc)
	w.keepBuf(buf)
	if err != nil {
		return 0, err
	}
	if len(ents) > 0 {
		off := ents[0].Index - w.first
		w.terms = w.terms[:off]
		if need := len(w.terms) + len(ents); need > cap(w.terms) {
			// Double: append grows a large slice by a quarter at a time,
			// allocating about five times the final size in all.
			grown := make([]uint64, len(w.terms), max(2*cap(w.terms), need, 64))
			copy(grown, w.terms)
			w.terms = grown
		}
		for i := range ents {
			w.terms = append(w.terms, ents[i].Term)
		}
		w.last = ents[len(ents)-1].Index
		seg := &w.segs[len(w.segs)-1]
		seg.maxIndex = max(seg.maxIndex, w.last)
	}
	if writeHS {
		w.hs = hs
	}
	return seq, nil
}

// checkEntries validates a batch for Save. Called with mu held.
func (w *WAL) checkEntries(ents []raft.Entry) error {
	if len(ents) == 0 {
		return nil
	}
	i0 := ents[0].Index
	switch {
	case i0 < w.first:
		return fmt.Errorf("wal: save: entry %d is at or below the snapshot index %d", i0, w.first-1)
	case i0 > w.last+1:
		return fmt.Errorf("wal: save: entry %d leaves a gap after last index %d", i0, w.last)
	}
	for i := range ents {
		if ents[i].Index != i0+uint64(i) {
			return fmt.Errorf("wal: save: entries not contiguous: %d follows %d", ents[i].Index, ents[i-1].Index)
		}
		if n := entryFixedSize + len(ents[i].Data); n > w.opts.MaxRecordBytes {
			return fmt.Errorf("wal: save: entry %d record of %d bytes exceeds limit %d", ents[i].Index, n, w.opts.MaxRecordBytes)
		}
	}
	return nil
}

// usable reports why the WAL can take no more writes. Called with mu held.
func (w *WAL) usable() error {
	if w.closed {
		return ErrClosed
	}
	return w.err
}

// segPath is the path of the active segment. Called with mu held.
func (w *WAL) segPath() string { return filepath.Join(w.dir, w.segs[len(w.segs)-1].name) }

// atPath returns err, a file operation's error on the active segment,
// naming that segment's path: its file keeps the name it was opened under
// (NAME.tmp, or the prepared next segment's) after the rename that made it
// the segment, and a full disk said "write DIR/node-1/NAME.wal.tmp: no
// space left on device", a file that is not there.
func atPath(err error, path string) error {
	if pe, ok := err.(*fs.PathError); ok && pe.Path != path {
		return &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
	}
	return err
}

// keepBuf keeps buf for reuse unless it grew too large.
func (w *WAL) keepBuf(buf []byte) {
	if cap(buf) <= maxKeptBuf {
		w.buf = buf[:0]
	} else {
		w.buf = nil
	}
}

// write appends encoded records to the active segment (not yet durable)
// and returns the write's sequence number for waitDurable. A failed write
// makes the WAL unusable. Called with mu held.
func (w *WAL) write(buf []byte, crc uint32) (uint64, error) {
	if err := w.usable(); err != nil {
		return 0, err
	}
	if _, err := w.f.WriteAt(buf, w.size); err != nil {
		w.err = fmt.Errorf("wal: write %s: %w", w.segs[len(w.segs)-1].name, atPath(err, w.segPath()))
		return 0, w.err
	}
	w.size += int64(len(buf))
	w.crc = crc
	w.writeSeq++
	w.maybePrepare()
	return w.writeSeq, nil
}

// waitDurable returns once write seq is fsynced. The first waiter to find
// no fsync running starts one covering every write issued so far, with mu
// released; the others wait for it (group commit). Called with mu held.
func (w *WAL) waitDurable(seq uint64) error {
	for w.syncSeq < seq || w.dirPending {
		if w.err != nil {
			return w.err
		}
		if w.closed {
			return ErrClosed
		}
		if w.syncing {
			w.cond.Wait()
			continue
		}
		w.syncing = true
		// The segment's name, not its path: joined only on an error (a
		// path built at every fsync cost the group commit an allocation).
		target, f, dir, name := w.writeSeq, w.f, w.dirPending, w.segs[len(w.segs)-1].name
		w.mu.Unlock()
		err := f.Sync()
		if err != nil {
			err = fmt.Errorf("wal: fsync: %w", atPath(err, filepath.Join(w.dir, name)))
		} else if dir {
			if err = w.opts.FS.SyncDir(w.dir); err != nil {
				err = fmt.Errorf("wal: sync directory: %w", err)
			}
		}
		w.mu.Lock()
		w.syncing = false
		w.cond.Broadcast()
		if err != nil {
			w.err = err
			return w.err
		}
		w.syncSeq = max(w.syncSeq, target)
		if dir {
			w.dirPending = false
		}
	}
	return nil
}

// waitIdle waits until no fsync is running. Called with mu held.
func (w *WAL) waitIdle() {
	for w.syncing {
		w.cond.Wait()
	}
}

// maybeRoll starts a new segment if the active one is full, or if it grows
// with each write and a preallocated file is ready to take over. Called
// with mu held.
func (w *WAL) maybeRoll() error {
	for {
		if err := w.usable(); err != nil {
			return err
		}
		if w.size < w.opts.SegmentBytes && !(w.prep.ready && w.zeroed <= w.size) {
			return nil
		}
		if !w.syncing {
			break
		}
		w.cond.Wait()
	}
	// Only the last segment may end in zeros (open.go): cut off those the
	// records did not reach (a segment preallocated under a larger
	// SegmentBytes than this run's).
	if w.zeroed > w.size {
		if err := w.f.Truncate(w.size); err != nil {
			w.err = fmt.Errorf("wal: cut the unused end of %s: %w", w.segs[len(w.segs)-1].name, atPath(err, w.segPath()))
			return w.err
		}
	}
	// Everything in the old segment must be durable before a newer segment
	// exists: only the last segment may have a torn tail.
	if err := w.f.Sync(); err != nil {
		w.err = fmt.Errorf("wal: fsync: %w", atPath(err, w.segPath()))
		return w.err
	}
	w.syncSeq = w.writeSeq
	old := w.f
	if err := w.createSegment(w.segs[len(w.segs)-1].seq + 1); err != nil {
		return err
	}
	if err := old.Close(); err != nil {
		return fmt.Errorf("wal: close segment: %w", err)
	}
	return nil
}

// createSegment makes segment seq the active one: its header and the
// current hard state and snapshot record go into the prepared file when one
// is ready (prealloc.go), else into a new temporary file; that file is
// fsynced and renamed, and the directory fsynced. The file stays open for
// writing. Called with mu held and no fsync running (or before w is shared).
func (w *WAL) createSegment(seq uint64) error {
	name := segmentName(seq, w.last+1)
	buf, crc := appendHeader(w.buf[:0], seq, w.last+1)
	if !w.hs.IsEmpty() {
		buf, crc = appendHardState(buf, crc, w.hs)
	}
	if !w.snap.IsEmpty() {
		buf, crc = appendSnapshotMeta(buf, crc, w.snap, false)
	}
	defer w.keepBuf(buf)
	var f File
	var err error
	zeroed := int64(0)
	if w.prep.ready {
		if f, err = w.openPrepared(name, buf); err == nil {
			zeroed = w.opts.SegmentBytes
		}
	}
	if f == nil { // none ready, or it failed: a growing segment
		if f, err = w.createGrowing(name, buf); err != nil {
			// Nothing visible changed: the old segment stays active and a
			// later Save tries again.
			return fmt.Errorf("wal: create segment %s: %w", name, err)
		}
	}
	if err := w.opts.FS.SyncDir(w.dir); err != nil {
		// The new segment is in the directory, durably or not: after a
		// failed fsync the state of the disk is unknown (the kernel may
		// have dropped what it could not write). As after a failed write
		// or fsync of a segment, refuse all writes until reopened; Open
		// reads what is really there.
		f.Close()
		w.err = fmt.Errorf("wal: create segment %s: sync directory: %w", name, err)
		return w.err
	}
	if seq > 0 {
		// Now that the segment is durable, say it exists: Open then
		// tells a deleted newest segment from a log that never had it
		// (without this a node whose newest segment was deleted started
		// on the one before, with an older term and vote). On failure the
		// old segment stays active, and writes are refused until reopened
		// (as after a failed directory fsync above).
		if _, err := writeFileAtomic(w.opts.FS, w.dir, lastSegName, fmt.Appendf(nil, "segment %d\n", seq)); err != nil {
			f.Close()
			w.err = fmt.Errorf("wal: create segment %s: record it in %s: %w", name, lastSegName, err)
			return w.err
		}
	}
	w.dirPending = false // the directory fsync above covered every name
	w.f, w.size, w.crc, w.zeroed = f, int64(len(buf)), crc, zeroed
	w.segs = append(w.segs, segment{name: name, seq: seq})
	w.prep.failed = false // a new segment: preparing the next may be tried again
	return nil
}

// createGrowing writes buf (a segment's header and first records) into a
// new temporary file, fsyncs it and renames it to segment name: a segment
// that grows as it is written. On failure nothing is left. The caller makes
// the rename durable.
func (w *WAL) createGrowing(name string, buf []byte) (File, error) {
	fsys := w.opts.FS
	tmp := filepath.Join(w.dir, name+tmpExt)
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = fsys.Rename(tmp, filepath.Join(w.dir, name))
	}
	if err != nil {
		f.Close()
		fsys.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// SaveSnapshot durably stores snap (temporary file, fsync, rename, directory
// fsync) and then records its metadata in the log. Entries after the
// snapshot are kept if the log holds its last entry with the same term;
// otherwise the log now ends at the snapshot. The snapshot must be newer
// than the last one saved.
func (w *WAL) SaveSnapshot(snap raft.Snapshot) error {
	w.snapMu.Lock()
	defer w.snapMu.Unlock()
	w.mu.Lock()
	err := w.usable()
	cur := w.snap
	w.mu.Unlock()
	switch {
	case err != nil:
		return err
	case snap.Meta.Index <= cur.Index:
		return fmt.Errorf("wal: save snapshot: index %d is not after the current snapshot %d", snap.Meta.Index, cur.Index)
	case int64(len(snap.Data)) > w.opts.MaxSnapshotBytes:
		return fmt.Errorf("wal: save snapshot: %d bytes exceeds limit %d", len(snap.Data), w.opts.MaxSnapshotBytes)
	}
	visible, err := writeSnapshotFile(w.opts.FS, w.dir, snap)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if visible && w.err == nil {
			// The file is in place but the directory fsync failed: like a
			// failed write, the state of the disk is unknown.
			w.err = err
		}
		return err
	}
	s := snap.Meta.Index
	keep := s <= w.last && w.terms[s-w.first] == snap.Meta.Term
	buf, crc := appendSnapshotMeta(w.buf[:0], w.crc, snap.Meta, !keep)
	seq, err := w.write(buf, crc)
	w.keepBuf(buf)
	if err != nil {
		return err
	}
	if keep {
		w.terms = append([]uint64(nil), w.terms[s-w.first+1:]...)
	} else {
		w.terms = w.terms[:0]
		w.last = s
	}
	w.snap, w.first = snap.Meta, s+1
	return w.waitDurable(seq)
}

// Compact deletes the oldest segments whose entries all lie at or below
// index, which must not exceed the newest snapshot's index, and snapshot
// files older than the newest two. The active segment is never deleted.
//
// Deleting a full segment can stall the disk for tens of milliseconds
// (shrink), so it is done without holding the lock writes take: Save,
// Write and Sync go on meanwhile. Only Compact removes segments, only from
// the front of the list, while writes add them at its end. The segments
// are taken out of the log under snapMu; their files are then shrunk and
// removed without it, so a snapshot saved meanwhile does not wait either.
func (w *WAL) Compact(index uint64) error {
	dead, errs := w.takeOut(index)
	for _, path := range dead {
		if err := w.shrink(path); err != nil {
			errs = append(errs, err)
		}
	}
	if len(dead) > 0 { // the removes made durable (cheap: the files are empty by now)
		if err := w.opts.FS.SyncDir(w.dir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wal: compact: %w", err)
	}
	return nil
}

// takeOut is Compact's part under snapMu: it renames the segments at or
// below index out of the log, oldest first, and makes that durable; then
// it removes the old snapshot files. It returns the renamed files to
// delete: none when the renames could not be made durable (a power failure
// could then bring a segment's name back over a shortened file; Open
// deletes the temporary files instead).
func (w *WAL) takeOut(index uint64) (dead []string, errs []error) {
	w.snapMu.Lock()
	defer w.snapMu.Unlock()
	w.mu.Lock()
	if err := w.usable(); err != nil {
		w.mu.Unlock()
		return nil, []error{err}
	}
	if index > w.snap.Index {
		w.mu.Unlock()
		return nil, []error{fmt.Errorf("index %d is beyond the snapshot index %d", index, w.snap.Index)}
	}
	n := 0
	for n < len(w.segs)-1 && w.segs[n].maxIndex <= index {
		n++
	}
	names := make([]string, n)
	for i, s := range w.segs[:n] {
		names[i] = s.name
	}
	w.mu.Unlock()

	fsys := w.opts.FS
	// Oldest first, stopping at the first failure: the segments left must
	// stay contiguous, or Open would find segments missing.
	for _, name := range names {
		tmp := filepath.Join(w.dir, name+tmpExt)
		if err := fsys.Rename(filepath.Join(w.dir, name), tmp); err != nil {
			errs = append(errs, err)
			break
		}
		dead = append(dead, tmp)
	}
	w.mu.Lock()
	w.segs = append([]segment(nil), w.segs[len(dead):]...)
	w.mu.Unlock()
	if l, err := listDir(fsys, w.dir); err != nil {
		errs = append(errs, err)
	} else {
		for i, name := range l.snapshots {
			if i >= 2 {
				if err := fsys.Remove(filepath.Join(w.dir, name)); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := fsys.SyncDir(w.dir); err != nil {
		return nil, append(errs, err)
	}
	return dead, errs
}

// shrink deletes the file at path, a segment renamed out of the log, a
// piece at a time. Freeing the blocks of a whole 64 MiB segment at once
// made the next journal commit of the file system take 90 ms on the
// development machine (ext4 mounted with discard), and every fsync on that
// disk, the other nodes' WAL fsyncs too, waited for it: every client of the
// cluster stalled. Cut 4 MiB at a time, each cut made durable, with a pause
// as long as the cut took, the stall is spread out.
func (w *WAL) shrink(path string) error {
	fsys := w.opts.FS
	fi, err := fsys.Stat(path)
	step := w.opts.shrinkStep
	if err == nil && fi.Size() > step {
		var f File
		if f, err = fsys.OpenFile(path, os.O_WRONLY, 0); err == nil {
			for size := fi.Size(); size > 0 && err == nil; {
				size = max(0, size-step)
				began := time.Now()
				if err = f.Truncate(size); err == nil {
					err = f.Sync()
				}
				time.Sleep(min(time.Since(began), 20*time.Millisecond))
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		return err
	}
	return fsys.Remove(path)
}

// Close waits for a running fsync, stops the preparation of the next
// segment's file and closes the active segment. Everything Save returned
// for is already durable.
func (w *WAL) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.waitIdle()
	w.closed = true
	close(w.prep.quit)
	prepDone := w.prep.done
	err := w.closeLocked()
	w.mu.Unlock()
	if prepDone != nil {
		<-prepDone // it writes in the directory: finish before the lock goes
	}
	if w.lock != nil {
		w.lock.Close() // releases the lock
	}
	return err
}

// closeLocked is Close's part under mu.
func (w *WAL) closeLocked() error {
	var err error
	if w.err == nil && w.syncSeq < w.writeSeq {
		// A Save that wrote is still waiting for its fsync: do it for it.
		if err = w.f.Sync(); err == nil {
			w.syncSeq = w.writeSeq
		} else {
			w.err = fmt.Errorf("wal: fsync: %w", atPath(err, w.segPath()))
		}
		w.cond.Broadcast()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wal: close: %w", err)
	}
	return nil
}
