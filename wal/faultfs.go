package wal

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// faultStashPrefix starts the names under which a FaultFS keeps removed and
// replaced files until their removal is durable. FaultFS.ReadDir hides them
// and the WAL ignores them (listDir), so Inspect does not show them either.
const faultStashPrefix = ".faultfs-"

// ErrCrashed is wrapped by the error of every changing operation of a
// FaultFS after Crash: the process is dead, nothing it does reaches the
// disk any more.
var ErrCrashed = errors.New("wal: faultfs: simulated crash: the process is dead")

// FaultFS is an FS over the real files that tracks what is durable, so that
// a power failure can be simulated (PowerFail) and a disk can be made slow
// (SetSyncDelay), full (SetFull) or dishonest (SetSkipSync). It is safe for
// concurrent use. One FaultFS may serve several directories (PowerFail
// works per directory), but Stats and Crash cover all of them: give each
// node its own to show and fail nodes one by one.
//
// What it tracks:
//
//   - per file: the length made durable by its last File.Sync. Bytes written
//     after it are written, not synced. A file FaultFS has not seen before
//     (on disk before it started) counts as durable at its current length.
//     Opening with O_TRUNC and File.Truncate count as durable at once (one
//     of the outcomes a power loss may leave). A write below that length
//     (File.WriteAt into a preallocated segment's zeros) keeps what it
//     overwrote until a File.Sync that began after it returns.
//   - per directory: the names created, renamed or removed since the last
//     SyncDir of that directory, with what each name held at that last
//     SyncDir. A name changes durably only through SyncDir of its own
//     directory (a File.Sync does not make a new file's name durable). A
//     removed or replaced file is kept aside under a hidden name (prefix
//     ".faultfs-", hidden by ReadDir) until the removal is durable.
//
// PowerFail then rewinds the real directory to the durable state. It is one
// of the states a real power loss can leave: all unsynced bytes lost (cut
// off, or overwritten bytes given back their old content), all undurable
// name changes undone together. (A real disk may also keep some
// of them, in any order; FaultFS does not simulate those mixtures.)
//
// Not modelled: directories themselves (Mkdir is durable at once) and
// renames between directories (refused with EXDEV; the WAL never does one).
// The files must change only through this FaultFS while it tracks them
// (corruption helpers like TearTail run on a closed WAL; FaultFS notices
// the new size when the file is next opened).
type FaultFS struct {
	mu      sync.Mutex
	nodes   map[string]*faultNode // tracked files by absolute path
	dirs    map[string]*faultDir  // directories with undurable name changes
	handles map[*faultHandle]struct{}
	gen     uint64 // counts PowerFails; a sync spanning one is void
	seq     uint64 // numbers stash names

	delay time.Duration
	// delayed is closed when the delay changes: fsyncs waiting out the
	// old one wait out the new one instead, from when they began.
	delayed  chan struct{}
	full     bool
	skipSync bool
	// syncing holds the start of each fsync in progress, by a number
	// nextSync gave it (Stats tells the oldest).
	syncing  map[uint64]time.Time
	nextSync uint64
	// noFsync (tests): Sync and SyncDir make things durable in the model
	// without the fsync system call, which PowerFail does not need.
	noFsync bool

	// Simulated crash (tests): crashBudget changing operations still
	// succeed, then every one fails with ErrCrashed. <0: off.
	crashBudget int
	crashed     bool
	ops         int64 // changing operations that succeeded
	// dead is closed when the simulated process dies (Crash, or the
	// crashAfter budget running out): a slow fsync waiting out its delay
	// ends there, as the process's fsync does when it is killed.
	dead chan struct{}

	stats FSStats
}

// faultNode is one file: where it is and how much of it is durable.
type faultNode struct {
	path   string // its visible path, or its stash path while kept aside
	size   int64  // length as written through FaultFS
	synced int64  // length made durable
	writes uint64 // counts the writes to it, to tell which a Sync covers
	// zeros counts the bytes past synced that were appended as zeros
	// (preallocation): not data, so not counted as written or unsynced.
	zeros int64
	// undo holds, oldest first, what each write below synced overwrote
	// (a preallocated segment's zeros), until a Sync covers the write:
	// PowerFail puts it back.
	undo []faultUndo
}

// faultUndo is what one unsynced write below a file's synced length
// overwrote.
type faultUndo struct {
	write uint64 // the write's number (faultNode.writes)
	off   int64
	n     int64  // bytes overwritten
	old   []byte // their content; nil when they were all zeros
}

// faultDir holds the undurable name changes of one directory.
type faultDir struct {
	// durable maps each name changed since the last SyncDir to the file it
	// held then (nil: no file).
	durable map[string]*faultNode
	// stash holds the removed or replaced files kept aside.
	stash map[*faultNode]struct{}
}

// FSStats counts what a FaultFS did, for display: how far the bytes written
// run ahead of the bytes made durable, and what power failures cost.
type FSStats struct {
	Written       int64 // bytes written through File.Write and File.WriteAt, but for Zeroed
	Zeroed        int64 // zeros appended to preallocate a file (a WAL segment prepared ahead)
	Synced        int64 // bytes made durable by File.Sync (each byte once; zeros appended not counted)
	Unsynced      int64 // bytes written and not yet durable: a PowerFail now loses them (zeros appended not counted)
	UnsyncedNames int   // names created, renamed or removed and not yet made durable by SyncDir
	Syncs         int64 // File.Sync calls
	DirSyncs      int64 // SyncDir calls
	SkippedSyncs  int64 // of those, turned into no-ops by SetSkipSync
	PowerFails    int   // PowerFail calls (not those refused for open files)
	LostBytes     int64 // bytes PowerFail cut off
	LostNames     int   // name changes PowerFail undid

	// SyncingSince is when the oldest File.Sync or SyncDir still in
	// progress began (zero: none is): how long the disk has kept its
	// caller waiting, slow by SetSyncDelay or by itself.
	SyncingSince time.Time
}

// String summarizes s in one line: "written 4096 B, synced 4096 B".
func (s FSStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "written %d B, synced %d B", s.Written, s.Synced)
	if s.Zeroed > 0 {
		fmt.Fprintf(&b, ", %d B of zeros preallocated", s.Zeroed)
	}
	if s.Unsynced > 0 || s.UnsyncedNames > 0 {
		fmt.Fprintf(&b, ", not durable: %d B and %d %s", s.Unsynced, s.UnsyncedNames, plural(int64(s.UnsyncedNames), "name"))
	}
	if s.SkippedSyncs > 0 {
		fmt.Fprintf(&b, ", %d %s skipped", s.SkippedSyncs, plural(s.SkippedSyncs, "sync"))
	}
	if s.PowerFails > 0 {
		fmt.Fprintf(&b, ", %d power %s lost %d B and %d %s", s.PowerFails, plural(int64(s.PowerFails), "failure"), s.LostBytes, s.LostNames, plural(int64(s.LostNames), "name"))
	}
	return b.String()
}

// NewFaultFS returns a FaultFS with no faults switched on.
func NewFaultFS() *FaultFS {
	return &FaultFS{
		nodes:       map[string]*faultNode{},
		dirs:        map[string]*faultDir{},
		handles:     map[*faultHandle]struct{}{},
		crashBudget: -1,
		dead:        make(chan struct{}),
		delayed:     make(chan struct{}),
	}
}

// SetSyncDelay makes every File.Sync and SyncDir take at least d longer: a
// slow disk. 0 removes the delay. It applies to the fsyncs already waiting
// too: each then waits d from when it began.
func (f *FaultFS) SetSyncDelay(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	close(f.delayed)
	f.delayed = make(chan struct{})
	f.mu.Unlock()
}

// SetFull, while on, makes the disk full: File.Write and File.WriteAt,
// creating a file, Mkdir, renaming onto a new name and growing a file with
// Truncate fail with an error matching syscall.ENOSPC, and write nothing.
// (A real full disk still takes writes over a preallocated file's zeros;
// this one refuses them too, so that the fault shows at the next write.)
// File.Sync of what was already written, Remove and renames onto existing
// names still work. Off: everything works again.
func (f *FaultFS) SetFull(on bool) {
	f.mu.Lock()
	f.full = on
	f.mu.Unlock()
}

// SetSkipSync, while on, makes File.Sync and SyncDir return nil at once
// without syncing anything and without making anything durable: a later
// PowerFail loses it all. UNSAFE: it exists to show what fsync buys (it
// also skips SetSyncDelay's delay).
func (f *FaultFS) SetSkipSync(on bool) {
	f.mu.Lock()
	f.skipSync = on
	f.mu.Unlock()
}

// Stats returns the counters.
func (f *FaultFS) Stats() FSStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	for _, n := range f.nodes {
		s.Unsynced += max(0, n.size-n.synced-n.zeros)
		for _, u := range n.undo {
			s.Unsynced += u.n
		}
	}
	for dp, d := range f.dirs {
		s.UnsyncedNames += d.changed(f, dp)
	}
	for _, t := range f.syncing {
		if s.SyncingSince.IsZero() || t.Before(s.SyncingSince) {
			s.SyncingSince = t
		}
	}
	return s
}

// beginSync notes an fsync that began at start and returns its number for
// endSync. Called with f.mu held.
func (f *FaultFS) beginSync(start time.Time) uint64 {
	if f.syncing == nil {
		f.syncing = map[uint64]time.Time{}
	}
	f.nextSync++
	f.syncing[f.nextSync] = start
	return f.nextSync
}

// endSync notes that fsync number id is over.
func (f *FaultFS) endSync(id uint64) {
	f.mu.Lock()
	delete(f.syncing, id)
	f.mu.Unlock()
}

// changed counts the names of d (at path dp) that hold something else than
// they durably hold. Called with f.mu held.
func (d *faultDir) changed(f *FaultFS, dp string) int {
	n := 0
	for name, dn := range d.durable {
		if f.nodes[filepath.Join(dp, name)] != dn {
			n++
		}
	}
	return n
}

// Crash simulates the death of the process using f: from now on every
// changing operation (opening for write, Write, Sync, Truncate, Rename,
// Remove, Mkdir, SyncDir) fails with an error wrapping ErrCrashed and
// changes nothing, so a WAL in the middle of a Save stops right there; its
// Close still closes the files. PowerFail then ends the crash. Together:
// Crash, close the WAL (stop the node), PowerFail(dir), reopen: a power cut
// at an arbitrary moment of a running node. It applies to every directory
// f serves: use one FaultFS per node.
func (f *FaultFS) Crash() {
	f.mu.Lock()
	f.crashBudget = 0
	f.die()
	f.mu.Unlock()
}

// die marks the simulated process dead and wakes the fsyncs waiting out a
// delay. Called with f.mu held.
func (f *FaultFS) die() {
	if !f.crashed {
		f.crashed = true
		close(f.dead)
	}
}

// Revive ends a Crash without a power failure: the process starts again
// and finds everything it wrote, durable or not (the operating system's
// page cache survived it). Reopening the WAL makes it durable (its first
// Flush fsyncs the segment it goes on writing and the directory). Files
// must be reopened.
func (f *FaultFS) Revive() {
	f.mu.Lock()
	f.revive()
	f.mu.Unlock()
}

// revive switches a simulated crash off. Called with f.mu held.
func (f *FaultFS) revive() {
	f.crashBudget = -1
	if f.crashed {
		f.crashed, f.dead = false, make(chan struct{})
	}
}

// sleep waits out a slow disk's delay, from start, or until the process
// dies. A new delay set meanwhile replaces the old.
func (f *FaultFS) sleep(start time.Time) {
	for {
		f.mu.Lock()
		dead, delayed, left := f.dead, f.delayed, time.Until(start.Add(f.delay))
		f.mu.Unlock()
		if left <= 0 {
			return
		}
		t := time.NewTimer(left)
		select {
		case <-t.C:
			return
		case <-dead:
			t.Stop()
			return
		case <-delayed:
			t.Stop()
		}
	}
}

// crashAfter simulates the death of the process after n more changing
// operations (opening for write, Write, Sync, Truncate, Rename, Remove,
// Mkdir, SyncDir): from then on each fails with ErrCrashed and changes
// nothing. Close still closes. n < 0 switches it off. PowerFail after the
// crash switches it off (the machine restarts); before it, the count goes
// on (tests count operations across power failures).
func (f *FaultFS) crashAfter(n int) {
	f.mu.Lock()
	f.revive()
	f.crashBudget = n
	f.mu.Unlock()
}

// opCount returns how many changing operations have succeeded.
func (f *FaultFS) opCount() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ops
}

// gate admits one changing operation, or refuses it after a simulated
// crash. Called with f.mu held.
func (f *FaultFS) gate(op, path string) error {
	if f.crashBudget == 0 {
		f.die()
	}
	if f.crashed {
		return &os.PathError{Op: op, Path: path, Err: ErrCrashed}
	}
	if f.crashBudget > 0 {
		f.crashBudget--
	}
	f.ops++
	return nil
}

// stillAlive fails like a changing operation when a crash came meanwhile
// (a slow fsync that was still waiting does not happen).
func (f *FaultFS) stillAlive(op, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.crashed || f.crashBudget == 0 {
		return &os.PathError{Op: op, Path: path, Err: ErrCrashed}
	}
	return nil
}

// absPath returns p absolute and clean: FaultFS keys files by it.
func absPath(p string) string {
	if !filepath.IsAbs(p) {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
	}
	return filepath.Clean(p)
}

// dir returns the bookkeeping of directory dp, creating it. Called with
// f.mu held.
func (f *FaultFS) dir(dp string) *faultDir {
	d := f.dirs[dp]
	if d == nil {
		d = &faultDir{durable: map[string]*faultNode{}, stash: map[*faultNode]struct{}{}}
		f.dirs[dp] = d
	}
	return d
}

// changing records that name in d is about to hold something else than
// cur, which it holds now: if it has not changed since the last SyncDir,
// cur is what it durably holds.
func (d *faultDir) changing(name string, cur *faultNode) {
	if _, ok := d.durable[name]; !ok {
		d.durable[name] = cur
	}
}

// stashPath returns a fresh hidden path in dp for a file once named name.
// Called with f.mu held.
func (f *FaultFS) stashPath(dp, name string) string {
	f.seq++
	return filepath.Join(dp, fmt.Sprintf("%s%d-%s", faultStashPrefix, f.seq, name))
}

// node returns the tracked file at p, or starts tracking the regular file
// found there as durable at its length; nil and the error if there is none.
// Called with f.mu held.
func (f *FaultFS) node(p string) (*faultNode, error) {
	if n := f.nodes[p]; n != nil {
		return n, nil
	}
	st, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("faultfs: %s is not a regular file: %w", p, syscall.EINVAL)
	}
	n := &faultNode{path: p, size: st.Size(), synced: st.Size()}
	f.nodes[p] = n
	return n, nil
}

// OpenFile implements FS.
func (f *FaultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	p := absPath(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.gate("open", name); err != nil {
		return nil, err
	}
	n, err := f.node(p)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	if !exists && flag&os.O_CREATE != 0 && f.full {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
	}
	if flag&(os.O_WRONLY|os.O_RDWR) == os.O_WRONLY {
		// Read access too: WriteAt keeps what it overwrites.
		flag = flag&^os.O_WRONLY | os.O_RDWR
	}
	osf, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	if exists && !f.isOpen(n) {
		// Changed behind our back while closed (a corruption helper)?
		if st, err := osf.Stat(); err == nil && st.Size() != n.size {
			n.size = st.Size()
			n.synced = min(n.synced, n.size)
			n.zeros = min(n.zeros, n.size-n.synced)
		}
	}
	if !exists {
		n = &faultNode{path: p}
		f.nodes[p] = n
		f.dir(filepath.Dir(p)).changing(filepath.Base(p), nil)
	}
	if flag&os.O_TRUNC != 0 && flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		n.size, n.synced, n.undo, n.zeros = 0, 0, nil, 0
	}
	h := &faultHandle{fs: f, f: osf, n: n, appending: flag&os.O_APPEND != 0}
	f.handles[h] = struct{}{}
	return h, nil
}

// isOpen reports whether n has an open handle. Called with f.mu held.
func (f *FaultFS) isOpen(n *faultNode) bool {
	for h := range f.handles {
		if h.n == n {
			return true
		}
	}
	return false
}

// ReadFile implements FS.
func (f *FaultFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// Stat implements FS.
func (f *FaultFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// ReadDir implements FS. The files FaultFS keeps aside are not listed. Any
// such file it does not hold itself was left by an earlier FaultFS (a
// process that died before the removal was made durable): removed, as a
// real file system would have removed it already.
func (f *FaultFS) ReadDir(name string) ([]fs.DirEntry, error) {
	des, err := os.ReadDir(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	dp := absPath(name)
	return slices.DeleteFunc(des, func(de fs.DirEntry) bool {
		if !strings.HasPrefix(de.Name(), faultStashPrefix) {
			return false
		}
		if !f.crashed && !f.holds(filepath.Join(dp, de.Name())) {
			os.Remove(filepath.Join(dp, de.Name()))
		}
		return true
	}), err
}

// holds reports whether path is a file f keeps aside. Called with f.mu
// held.
func (f *FaultFS) holds(path string) bool {
	if d := f.dirs[filepath.Dir(path)]; d != nil {
		for n := range d.stash {
			if n.path == path {
				return true
			}
		}
	}
	return false
}

// Mkdir implements FS. New directories are durable at once (not modelled).
func (f *FaultFS) Mkdir(name string, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.gate("mkdir", name); err != nil {
		return err
	}
	if f.full {
		if _, err := os.Lstat(name); err != nil {
			return &os.PathError{Op: "mkdir", Path: name, Err: syscall.ENOSPC}
		}
	}
	return os.Mkdir(name, perm)
}

// Rename implements FS, for two names in one directory. Until the
// directory is synced, PowerFail undoes it: the file is back under oldpath,
// and what newpath held is back too.
func (f *FaultFS) Rename(oldpath, newpath string) error {
	po, pn := absPath(oldpath), absPath(newpath)
	dp := filepath.Dir(po)
	lerr := func(err error) error { return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err} }
	if filepath.Dir(pn) != dp {
		return lerr(fmt.Errorf("faultfs: rename between directories: %w", syscall.EXDEV))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.gate("rename", oldpath); err != nil {
		return err
	}
	src, err := f.node(po)
	if err != nil {
		return lerr(unwrapPath(err))
	}
	if po == pn {
		return nil
	}
	dst, err := f.node(pn)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return lerr(unwrapPath(err))
	}
	if dst == nil && f.full {
		return lerr(syscall.ENOSPC)
	}
	d := f.dir(dp)
	d.changing(filepath.Base(po), src)
	d.changing(filepath.Base(pn), dst)
	stash := ""
	if dst != nil {
		// Keep the file being replaced under a hidden name.
		stash = f.stashPath(dp, filepath.Base(pn))
		if err := os.Link(pn, stash); err != nil {
			return lerr(err)
		}
	}
	if err := os.Rename(po, pn); err != nil {
		if stash != "" {
			os.Remove(stash)
		}
		return err
	}
	if dst != nil {
		dst.path = stash
		d.stash[dst] = struct{}{}
	}
	delete(f.nodes, po)
	src.path = pn
	f.nodes[pn] = src
	return nil
}

// unwrapPath returns the cause inside an *os.PathError.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Remove implements FS for files. The file is moved to a hidden name until
// its directory is synced; PowerFail before that brings it back.
func (f *FaultFS) Remove(name string) error {
	p := absPath(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.gate("remove", name); err != nil {
		return err
	}
	n, err := f.node(p)
	if err != nil {
		return &os.PathError{Op: "remove", Path: name, Err: unwrapPath(err)}
	}
	dp := filepath.Dir(p)
	d := f.dir(dp)
	d.changing(filepath.Base(p), n)
	stash := f.stashPath(dp, filepath.Base(p))
	if err := os.Rename(p, stash); err != nil {
		return &os.PathError{Op: "remove", Path: name, Err: unwrapPath(err)}
	}
	delete(f.nodes, p)
	n.path = stash
	d.stash[n] = struct{}{}
	return nil
}

// SyncDir implements FS: after it, the names of dir hold durably what they
// held when it started.
func (f *FaultFS) SyncDir(dir string) error {
	dp := absPath(dir)
	f.mu.Lock()
	if err := f.gate("sync", dir); err != nil {
		f.mu.Unlock()
		return err
	}
	f.stats.DirSyncs++
	delay, skip, gen := f.delay, f.skipSync, f.gen
	start := time.Now()
	if skip {
		f.stats.SkippedSyncs++
		f.mu.Unlock()
		return nil
	}
	defer f.endSync(f.beginSync(start))
	d := f.dirs[dp]
	var now map[string]*faultNode
	if d != nil {
		now = make(map[string]*faultNode, len(d.durable))
		for name := range d.durable {
			now[name] = f.nodes[filepath.Join(dp, name)]
		}
	}
	f.mu.Unlock()
	if delay > 0 {
		f.sleep(start)
		if err := f.stillAlive("sync", dir); err != nil {
			return err
		}
	}
	if !f.noFsync {
		if err := (OSFS{}).SyncDir(dir); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if d == nil || f.gen != gen || f.dirs[dp] != d {
		return nil
	}
	for name, n := range now {
		if f.nodes[filepath.Join(dp, name)] == n {
			delete(d.durable, name)
		} else {
			d.durable[name] = n // changed again since the sync began
		}
	}
	// Files kept aside that no name durably holds any more are gone.
	held := map[*faultNode]bool{}
	for _, n := range d.durable {
		held[n] = true
	}
	for n := range d.stash {
		if !held[n] {
			os.Remove(n.path)
			delete(d.stash, n)
		}
	}
	if len(d.durable) == 0 && len(d.stash) == 0 {
		delete(f.dirs, dp)
	}
	return nil
}

// PowerFail simulates a power loss for every file under dir: each file is
// cut back to the length its last File.Sync made durable, and every name
// change since the last SyncDir of its directory is undone (created files
// disappear, renamed files are back under their old names, removed files
// are back). Afterwards the files under dir are what a real power loss
// could have left, and FaultFS counts them all as durable.
//
// The WAL must be closed first (the node stopped): PowerFail fails, and
// changes nothing, while a file under dir is open through f. It also ends
// a simulated crash.
func (f *FaultFS) PowerFail(dir string) error { return f.powerFail(dir, nil) }

// PowerFailTorn is PowerFail where each file under dir also keeps part of
// what was written to it since its last File.Sync: the disk wrote the
// unsynced bytes out in the order of their offsets (as an appending log
// writes them) up to a point. keep(n) says about how many of a file's n
// unsynced bytes survive (preallocated zeros past its synced length
// count); the point is moved back to the 512-byte sector boundary at or
// before it, since a disk writes a sector whole or not at all. So a record
// the WAL wrote in one write can be half on disk, as after a real power
// cut in mid-write. Name changes are undone as by PowerFail.
func (f *FaultFS) PowerFailTorn(dir string, keep func(n int64) int64) error {
	return f.powerFail(dir, keep)
}

func (f *FaultFS) powerFail(dir string, keep func(n int64) int64) error {
	p := absPath(dir)
	under := func(q string) bool {
		return q == p || strings.HasPrefix(q, p+string(filepath.Separator))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var open []string
	for h := range f.handles {
		if under(h.n.path) {
			open = append(open, h.f.Name())
		}
	}
	if len(open) > 0 {
		slices.Sort(open)
		return fmt.Errorf("wal: faultfs: power fail %s: %d %s still open (close the WAL, i.e. stop the node, first): %s",
			dir, len(open), plural(int64(len(open)), "file"), strings.Join(open, ", "))
	}
	f.gen++
	if f.crashed {
		f.revive() // the machine starts again
	}
	f.stats.PowerFails++
	var errs []error
	for dp, d := range f.dirs {
		if !under(dp) {
			continue
		}
		f.stats.LostNames += d.changed(f, dp)
		// First every file a changed name holds goes aside; then each
		// changed name gets back the file it durably held; what is left
		// aside is gone.
		for name := range d.durable {
			path := filepath.Join(dp, name)
			n := f.nodes[path]
			if n == nil {
				continue
			}
			stash := f.stashPath(dp, name)
			if err := os.Rename(path, stash); err != nil {
				errs = append(errs, err)
				continue
			}
			delete(f.nodes, path)
			n.path = stash
			d.stash[n] = struct{}{}
		}
		for name, n := range d.durable {
			if n == nil {
				continue
			}
			path := filepath.Join(dp, name)
			if err := os.Rename(n.path, path); err != nil {
				errs = append(errs, err)
				continue
			}
			delete(d.stash, n)
			n.path = path
			f.nodes[path] = n
		}
		for n := range d.stash {
			if err := os.Remove(n.path); err != nil {
				errs = append(errs, err)
			}
		}
		delete(f.dirs, dp)
	}
	for path, n := range f.nodes {
		if !under(path) {
			continue
		}
		delete(f.nodes, path)
		st, err := os.Stat(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Unsynced bytes at offsets from cut on are lost: all of them (cut
		// 0), or, torn, those past a sector boundary (tornAt).
		var cut int64
		if keep != nil {
			cut = n.tornAt(st.Size(), keep)
		}
		lost, err := n.putBack(path, cut)
		f.stats.LostBytes += lost
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cut = max(n.synced, min(cut, st.Size())); st.Size() > cut {
			if err := os.Truncate(path, cut); err != nil {
				errs = append(errs, err)
				continue
			}
			f.stats.LostBytes += max(0, st.Size()-cut-n.zeros)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wal: faultfs: power fail %s: %w", dir, err)
	}
	return nil
}

// tornAt returns the file offset from which a torn power failure loses
// the unsynced bytes of a file of size bytes: keep(n) of its n unsynced
// bytes (those of its writes below the synced length and those appended
// past it) survive, taken in the order of their offsets (the order an
// appending log wrote them), and the point is then moved back to a sector
// boundary: a sector is written whole or not at all.
func (n *faultNode) tornAt(size int64, keep func(n int64) int64) int64 {
	type region struct{ off, n int64 }
	regs := make([]region, 0, len(n.undo)+1)
	var total int64
	for _, u := range n.undo {
		regs = append(regs, region{u.off, u.n})
		total += u.n
	}
	if tail := size - n.synced; tail > 0 {
		regs = append(regs, region{n.synced, tail})
		total += tail
	}
	k := min(max(keep(total), 0), total)
	if k == total {
		return size // every unsynced byte survives
	}
	slices.SortStableFunc(regs, func(a, b region) int { return cmp.Compare(a.off, b.off) })
	for _, r := range regs {
		if k < r.n {
			return sectorFloor(r.off + k)
		}
		k -= r.n
	}
	return size
}

// putBack writes back, newest first, what the unsynced writes below the
// synced length overwrote in the file at path, at offsets from from on
// (0: all of it). It returns the bytes given back their old content.
func (n *faultNode) putBack(path string, from int64) (int64, error) {
	if len(n.undo) == 0 {
		return 0, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return 0, err
	}
	var lost int64
	for i := len(n.undo) - 1; i >= 0 && err == nil; i-- {
		u := n.undo[i]
		skip := min(max(from-u.off, 0), u.n) // bytes of it below from: they stay
		if skip == u.n {
			continue
		}
		old := u.old
		if old == nil {
			old = make([]byte, u.n)
		}
		_, err = f.WriteAt(old[skip:], u.off+skip)
		lost += u.n - skip
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return lost, err
}

// sectorFloor is the sector boundary at or before off.
func sectorFloor(off int64) int64 { return off / sectorSize * sectorSize }

// faultHandle is a file opened for writing through a FaultFS.
type faultHandle struct {
	fs        *FaultFS
	f         *os.File
	n         *faultNode
	appending bool
	off       int64 // where the next write goes unless appending
	closed    bool
	scratch   []byte // reused to read what a write overwrites (keepOverwritten)
}

// Write implements File.
func (h *faultHandle) Write(p []byte) (int, error) { return h.write(p, 0, false) }

// name is the file's path now, for errors: the os.File keeps the name it
// was opened by, and a segment opened as NAME.tmp and renamed (a growing
// segment) made a full disk's error name a .tmp file that was not there.
// A file removed or replaced is kept aside under a hidden name until its
// directory is synced: it is named as it was opened then, not by that.
// Called with fs.mu held.
func (h *faultHandle) name() string {
	if h.n != nil && h.n.path != "" && h.fs.nodes[h.n.path] == h.n {
		return h.n.path
	}
	return h.f.Name()
}

// WriteAt implements File.
func (h *faultHandle) WriteAt(p []byte, off int64) (int, error) { return h.write(p, off, true) }

// write writes p at off when at is set, else where the handle's next write
// goes (the end of the file when appending).
func (h *faultHandle) write(p []byte, off int64, at bool) (int, error) {
	f := h.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.gate("write", h.f.Name()); err != nil {
		return 0, err
	}
	if f.full && len(p) > 0 {
		return 0, &os.PathError{Op: "write", Path: h.name(), Err: syscall.ENOSPC}
	}
	switch {
	case at:
	case h.appending:
		off = h.n.size
	default:
		off = h.off
	}
	if err := h.keepOverwritten(off, len(p)); err != nil {
		return 0, err
	}
	var k int
	var err error
	if at {
		k, err = h.f.WriteAt(p, off)
	} else {
		k, err = h.f.Write(p)
		h.off = off + int64(k)
	}
	if grown := off + int64(k) - max(h.n.size, h.n.synced); k > 0 && grown > 0 && allZero(p[:k]) {
		h.n.zeros += grown
		f.stats.Zeroed += int64(k)
	} else {
		f.stats.Written += int64(k)
	}
	h.n.size = max(h.n.size, off+int64(k))
	return k, err
}

// keepOverwritten numbers the write of n bytes at off and, if it lands
// below the synced length, keeps the durable bytes it overwrites for
// PowerFail. Called with f.mu held.
func (h *faultHandle) keepOverwritten(off int64, n int) error {
	h.n.writes++
	end := min(off+int64(n), h.n.synced)
	if off >= end {
		return nil
	}
	if int64(cap(h.scratch)) < end-off {
		h.scratch = make([]byte, end-off)
	}
	old := h.scratch[:end-off]
	if _, err := h.f.ReadAt(old, off); err != nil {
		return fmt.Errorf("wal: faultfs: keep the bytes a write overwrites: %w", err)
	}
	if allZero(old) {
		old = nil // the usual case, a preallocated segment's zeros: nothing to copy
	} else {
		old = append([]byte(nil), old...)
	}
	h.n.undo = append(h.n.undo, faultUndo{write: h.n.writes, off: off, n: end - off, old: old})
	return nil
}

// Sync implements File: once it returns nil, the bytes written before it
// began are durable.
func (h *faultHandle) Sync() error {
	f := h.fs
	f.mu.Lock()
	if err := f.gate("sync", h.f.Name()); err != nil {
		f.mu.Unlock()
		return err
	}
	f.stats.Syncs++
	target, covered, delay, skip, gen := h.n.size, h.n.writes, f.delay, f.skipSync, f.gen
	start := time.Now()
	if skip {
		f.stats.SkippedSyncs++
		f.mu.Unlock()
		return nil
	}
	defer f.endSync(f.beginSync(start))
	f.mu.Unlock()
	if delay > 0 {
		f.sleep(start)
		if err := f.stillAlive("sync", h.f.Name()); err != nil {
			return err // the process died while its slow fsync waited
		}
	}
	if !f.noFsync {
		if err := h.f.Sync(); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen != gen {
		return nil
	}
	f.markSynced(h.n, target, covered)
	return nil
}

// markSynced records that an fsync of file n made its first target bytes
// and its writes up to number covered durable. Called with f.mu held.
func (f *FaultFS) markSynced(n *faultNode, target int64, covered uint64) {
	if s := min(target, n.size); s > n.synced {
		adv := s - n.synced
		z := min(adv, n.zeros)
		n.zeros -= z
		f.stats.Synced += adv - z
		n.synced = s
	}
	k := 0
	for k < len(n.undo) && n.undo[k].write <= covered {
		f.stats.Synced += n.undo[k].n
		k++
	}
	n.undo = n.undo[k:]
}

// SyncAll makes everything under dir durable, as sync(1) does: the
// content of every file (its bytes written before SyncAll began) and then
// the names of every directory. It is what must follow SetSkipSync(false)
// for what was written meanwhile to be durable: the fsyncs skipped then
// are not made up by later ones (a later File.Sync covers only its own
// file, and nothing fsyncs a closed segment, a snapshot file or a
// directory again). While SetSkipSync is on it is skipped too.
func (f *FaultFS) SyncAll(dir string) error {
	p := absPath(dir)
	under := func(q string) bool {
		return q == p || strings.HasPrefix(q, p+string(filepath.Separator))
	}
	type pending struct {
		n       *faultNode
		fh      *os.File // opened under f.mu: a rename meanwhile does not lose it
		target  int64
		covered uint64
	}
	f.mu.Lock()
	if err := f.gate("sync", dir); err != nil {
		f.mu.Unlock()
		return err
	}
	if f.skipSync {
		f.stats.SkippedSyncs++
		f.mu.Unlock()
		return nil
	}
	var files []pending
	for path, n := range f.nodes {
		if !under(path) || n.size <= n.synced && len(n.undo) == 0 {
			continue
		}
		pf := pending{n: n, target: n.size, covered: n.writes}
		if !f.noFsync {
			fh, err := os.Open(n.path)
			if err != nil {
				continue // not there: nothing of it to make durable
			}
			pf.fh = fh
		}
		files = append(files, pf)
	}
	var dirs []string
	for dp := range f.dirs {
		if under(dp) {
			dirs = append(dirs, dp)
		}
	}
	gen := f.gen
	f.mu.Unlock()
	var err error
	for _, pf := range files {
		if pf.fh != nil {
			if err == nil {
				err = pf.fh.Sync()
			}
			pf.fh.Close()
		}
	}
	if err != nil {
		return err
	}
	f.mu.Lock()
	if f.gen == gen {
		for _, pf := range files {
			f.markSynced(pf.n, pf.target, pf.covered)
		}
	}
	f.mu.Unlock()
	for _, dp := range dirs {
		if err := f.SyncDir(dp); err != nil {
			return err
		}
	}
	return nil
}

// Truncate implements File. The new length counts as durable at once.
func (h *faultHandle) Truncate(size int64) error {
	f := h.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.gate("truncate", h.f.Name()); err != nil {
		return err
	}
	if f.full && size > h.n.size {
		return &os.PathError{Op: "truncate", Path: h.name(), Err: syscall.ENOSPC}
	}
	if err := h.f.Truncate(size); err != nil {
		return err
	}
	h.n.size = size
	h.n.synced = min(h.n.synced, size)
	h.n.zeros = min(h.n.zeros, h.n.size-h.n.synced)
	h.n.undo = slices.DeleteFunc(h.n.undo, func(u faultUndo) bool { return u.off >= size })
	for i := range h.n.undo {
		if u := &h.n.undo[i]; u.off+u.n > size {
			u.n = size - u.off
			if u.old != nil {
				u.old = u.old[:u.n]
			}
		}
	}
	return nil
}

// Close implements File. It works after a simulated crash too (the dead
// process's files are closed).
func (h *faultHandle) Close() error {
	f := h.fs
	f.mu.Lock()
	if h.closed {
		f.mu.Unlock()
		return &os.PathError{Op: "close", Path: h.f.Name(), Err: os.ErrClosed}
	}
	h.closed = true
	delete(f.handles, h)
	f.mu.Unlock()
	return h.f.Close()
}
