package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Preallocated segments.
//
// An fsync after appending to a file must also make its new length
// durable: on ext4 that is a journal commit on top of the data write, and
// it made up about a third of a WAL fsync on the development machine
// (appending 300 bytes: 180-280 µs; overwriting bytes already on disk:
// 135-165 µs; 16 KB batches from three writers at once: 440-540 µs
// against 250-350 µs). So the WAL writes its segments in place: the file
// of the next segment is filled with zeros (written, not fallocated:
// unwritten extents cost a journal commit when first written too) and
// fsynced in the background while the active segment fills, and becomes
// the next segment when that one is full. Records then overwrite zeros.
//
// The end of a segment's records is then no longer the end of its file:
// in the last segment, a zeroed record header with nothing but zeros after
// it is where the records end (scanSegment). Anything else keeps the
// torn-tail rule: a crash leaves the sectors it did not write as they
// were, zeros, so a half-written batch still has a zeroed sector in it.
//
// The first segment of a new log is not preallocated (that would make
// every Open of a new log write 64 MiB), nor one created while no
// prepared file is ready: such a segment grows as before, and the WAL
// rolls to the prepared file as soon as there is one. Nor is one prepared
// on a disk with less room than two segments (prepareFile): there the log
// grows in place, and a full disk is the log's own doing.

// preparedName is the file the next segment is prepared in. Its .tmp
// suffix makes Open treat it as a leftover, unless it is whole (reuse).
const preparedName = "next-segment.tmp"

const (
	// prepareStep is how much of a prepared file is zeroed and fsynced at
	// a time; after each step the preparer pauses twice as long as it
	// took (at most prepareMaxPause), so that its writes do not crowd out
	// the log's fsyncs on the same disk.
	prepareStep = 256 << 10
	// prepareAfterMax bounds how much the active segment holds before the
	// next one is prepared: a log that stays small (most tests, a short
	// dashboard session) never pays for a second segment.
	prepareAfterMax = 256 << 10
	prepareMaxPause = 20 * time.Millisecond
)

// errPrepareStopped ends a preparation cut short by Close.
var errPrepareStopped = errors.New("wal: preparation stopped by Close")

// preparation is the state of the next segment's file. Guarded by WAL.mu.
type preparation struct {
	running bool          // a preparer goroutine is filling the file
	ready   bool          // the file is whole: zeros, SegmentBytes long, durable
	failed  bool          // the last attempt failed: no new one until the next roll
	done    chan struct{} // closed when the running preparer returns
	quit    chan struct{} // closed by Close: a running preparer stops; nil while Open runs (no preparation yet)
}

// maybePrepare starts preparing the next segment's file once the active
// segment holds enough. Called with mu held.
func (w *WAL) maybePrepare() {
	p := &w.prep
	if w.opts.noPrepare || p.quit == nil || p.running || p.ready || p.failed || w.closed || w.size < min(w.opts.SegmentBytes/8, prepareAfterMax) {
		return
	}
	if w.opts.prepareInline {
		w.prepared(w.prepareFile(nil))
		return
	}
	p.running, p.done = true, make(chan struct{})
	go w.prepare(p.done, p.quit)
}

// prepare fills the prepared file with zeros and makes it durable, without
// holding mu, and records the outcome.
func (w *WAL) prepare(done, quit chan struct{}) {
	defer close(done)
	err := w.prepareFile(quit)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.prep.running = false
	w.prepared(err)
}

// prepared records how a preparation ended: the file is ready, or it is
// removed (failed, or stopped by Close) and the next segment is created the
// old way, growing as it is written. Called with mu held.
func (w *WAL) prepared(err error) {
	switch {
	case err == nil && !w.closed:
		w.prep.ready = true
	case err != nil:
		// Failed, or cut short by Close: the caller removed the partial
		// file (discardPrepared).
		w.prep.failed = !errors.Is(err, errPrepareStopped)
	}
}

// prepareFile fills the prepared file (zeroFile) when the disk has room
// for it and a segment more: on a disk nearly full, zeros written ahead
// would take the room the log itself needs (three nodes of a new user's
// cluster each zeroed a segment of a 3 MB disk, and then failed to append
// to their logs). A file that failed or was stopped is removed.
func (w *WAL) prepareFile(quit chan struct{}) error {
	free := freeBytes
	if w.opts.freeBytes != nil {
		free = w.opts.freeBytes
	}
	if free, ok := free(w.dir); ok && free < 2*w.opts.SegmentBytes {
		return fmt.Errorf("wal: %d bytes free, too few to prepare a segment of %d ahead", free, w.opts.SegmentBytes)
	}
	err := zeroFile(w.opts.FS, filepath.Join(w.dir, preparedName), w.opts.SegmentBytes, quit)
	if err != nil {
		w.discardPrepared()
	}
	return err
}

// freeBytes returns the bytes free to an unprivileged user on dir's file
// system, and whether it could tell.
func freeBytes(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * int64(st.Bsize), true
}

// discardPrepared removes a prepared file that failed or was cut short,
// and makes the removal durable: until then a FaultFS keeps the file's
// blocks aside (a power failure could bring its name back), and on a disk
// that filled up while it was being zeroed, those blocks are what the log
// needs (a new user's 3 MB disk kept 2.3 MB of a failed preparation).
func (w *WAL) discardPrepared() {
	if w.opts.FS.Remove(filepath.Join(w.dir, preparedName)) == nil {
		_ = w.opts.FS.SyncDir(w.dir)
	}
}

// zeroFile creates path as size zero bytes, durable, one prepareStep at a
// time with a pause after each (see prepareStep). It stops early, with
// errPrepareStopped, when quit is closed; a nil quit means no pauses.
func zeroFile(fsys FS, path string, size int64, quit chan struct{}) error {
	f, err := fsys.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	zeros := make([]byte, min(size, prepareStep))
	for n := int64(0); n < size && err == nil; {
		began := time.Now()
		k := min(int64(len(zeros)), size-n)
		if _, err = f.Write(zeros[:k]); err == nil {
			err = f.Sync()
		}
		n += k
		if quit == nil {
			continue
		}
		pause := time.NewTimer(min(2*time.Since(began), prepareMaxPause))
		select {
		case <-quit:
			err = errors.Join(err, errPrepareStopped)
		case <-pause.C:
		}
		pause.Stop()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// reusePrepared keeps a prepared file a previous run left whole (exactly
// SegmentBytes of zeros) as ready, after an fsync in case the run ended
// before its own. It reports whether it did; Open removes it otherwise.
func (w *WAL) reusePrepared() bool {
	fsys := w.opts.FS
	path := filepath.Join(w.dir, preparedName)
	if fi, err := fsys.Stat(path); err != nil || fi.Size() != w.opts.SegmentBytes {
		return false
	}
	buf, err := fsys.ReadFile(path)
	if err != nil || int64(len(buf)) != w.opts.SegmentBytes || !allZero(buf) {
		return false
	}
	f, err := fsys.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	err = f.Sync()
	if cerr := f.Close(); err != nil || cerr != nil {
		return false
	}
	w.prep.ready = true
	return true
}

// openPrepared turns the prepared file into segment name: buf (header and
// first records) is written over its first zeros and made durable, the
// file renamed and opened again under its new name (so that errors name
// the segment). The caller makes the rename durable. On failure the caller
// creates a growing segment instead, under the same name: nothing durable
// depends on the prepared file until the directory is synced.
func (w *WAL) openPrepared(name string, buf []byte) (File, error) {
	fsys := w.opts.FS
	w.prep.ready = false
	prep, path := filepath.Join(w.dir, preparedName), filepath.Join(w.dir, name)
	f, err := fsys.OpenFile(prep, os.O_WRONLY, 0)
	if err != nil {
		fsys.Remove(prep)
		return nil, err
	}
	_, err = f.WriteAt(buf, 0)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fsys.Remove(prep)
		return nil, fmt.Errorf("prepared file: %w", err)
	}
	if err := fsys.Rename(prep, path); err != nil {
		fsys.Remove(prep)
		return nil, fmt.Errorf("prepared file: %w", err)
	}
	return fsys.OpenFile(path, os.O_WRONLY, 0)
}
