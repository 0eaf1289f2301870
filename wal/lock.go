package wal

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is wrapped by Open's error when another open WAL (another
// process, or another Open in this one) holds the directory.
var ErrLocked = errors.New("wal: directory in use")

// LockName is the lock file Open holds in a WAL directory (two writers on
// one log would interleave their records and destroy it), and LockDir in
// the directory it locks.
const LockName = "LOCK"

// LockedError says who holds a WAL directory.
type LockedError struct {
	Dir string
	PID int // the holder's process id, as it wrote it (0 if unknown)
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("wal: %s is in use by %s", e.Dir, e.Holder())
}

// Holder names who holds the directory: "process 4242", "another process"
// (its id not written yet), or "this process (it is open twice)".
func (e *LockedError) Holder() string {
	switch e.PID {
	case 0:
		return "another process"
	case os.Getpid():
		return "this process (it is open twice)"
	}
	return fmt.Sprintf("process %d", e.PID)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lockDir takes the exclusive lock of dir (an advisory flock on its LOCK
// file, released when the file is closed, also by a crash of the process)
// and writes this process's id in the file. A LOCK removed (a failed
// start removes the one it made) or replaced while this waited for it is
// opened again: a lock on a file no longer at that name keeps nobody out.
func lockDir(dir string) (*os.File, error) {
	for {
		f, err := lockFile(dir)
		if err != nil {
			return nil, err
		}
		if afterLockHook != nil {
			afterLockHook(dir)
		}
		held, herr := f.Stat()
		now, nerr := os.Stat(filepath.Join(dir, LockName))
		if herr == nil && nerr == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
		if herr != nil {
			return nil, fmt.Errorf("wal: lock %s: %w", dir, herr)
		}
		if nerr != nil && !errors.Is(nerr, fs.ErrNotExist) {
			return nil, fmt.Errorf("wal: lock %s: %w", dir, nerr)
		}
	}
}

// afterLockHook, when set (tests), runs between taking a LOCK file's lock
// and checking that the file is still the one at that name.
var afterLockHook func(dir string)

// lockFile opens dir's LOCK file and takes its lock.
func lockFile(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockName), os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrPermission) {
		// Said as the user meets it: a directory (or LOCK file) it may
		// not write, not an open(2) of a file it never named.
		return nil, fmt.Errorf("wal: %s cannot be written (its LOCK file cannot be opened): %w", dir, errors.Unwrap(err))
	}
	if errors.Is(err, syscall.EISDIR) {
		// Said with what to do: "open DIR/LOCK: is a directory" left the
		// user to guess whether the directory was needed.
		return nil, fmt.Errorf("wal: %s is a directory, not a file: it is the lock that keeps two runs off one directory, and holds nothing else; remove that directory (it is made again as a file)", filepath.Join(dir, LockName))
	}
	if err != nil {
		return nil, fmt.Errorf("wal: lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, _ := strconv.Atoi(string(bytes.TrimSpace(b[:n])))
			return nil, &LockedError{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("wal: lock %s: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// LockDir takes the exclusive lock of dir as Open takes a WAL directory's
// (its LOCK file, released when the returned file is closed or the
// process dies), for a directory that holds several logs: a cluster's data
// directory. An error wraps ErrLocked (a *LockedError) when another holds
// it.
func LockDir(dir string) (*os.File, error) { return lockDir(dir) }

// HasLog reports whether dir holds a WAL: at least one segment file (or a
// segment name that is not a file, which Open refuses naming it). Open
// creates the first segment, so every node that ever ran has one.
func HasLog(dir string) bool {
	l, err := listDir(OSFS{}, dir)
	if err != nil {
		return false
	}
	for _, name := range l.notFiles {
		if strings.HasSuffix(name, segmentExt) {
			return true // a segment that is not a file: Open says so
		}
	}
	return len(l.segments) > 0
}
