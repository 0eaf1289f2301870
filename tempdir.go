package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A temporary data directory is removed when its run ends, but a run killed
// with SIGKILL (or a power cut) cannot clean up, and each node of it had
// preallocated a 64 MiB WAL segment. So a run marks the temporary
// directory it will remove as such, with a file it keeps locked while it
// lives (an advisory flock, which the kernel releases when the process
// dies), and every later run that makes a temporary directory removes the
// marked ones whose lock no process holds. Directories kept with --keep,
// and every --data directory, carry no mark and are never touched.

// tempMark names the marker file in a temporary data directory.
const tempMark = ".raftplay-temporary"

// markTemp marks dir as a temporary directory this process will remove,
// and returns the marker, locked, to be closed once dir is gone (nil when
// it could not be made: the directory is then left to the system's own
// cleaning of its temporary directory, as before). The marker is locked
// under another name and then renamed, so that no other run ever sees it
// unlocked while this one lives.
func markTemp(dir string) *os.File {
	tmp := filepath.Join(dir, tempMark+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil || os.Rename(tmp, filepath.Join(dir, tempMark)) != nil {
		f.Close()
		os.Remove(tmp)
		return nil
	}
	return f
}

// sweepTempDirs removes from tmp the raftplay temporary data directories
// whose run died: marked (markTemp), with the marker's lock free. It
// returns how many it removed. Errors leave a directory where it is.
func sweepTempDirs(tmp string) int {
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "raftplay-") {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		f, err := os.Open(filepath.Join(dir, tempMark))
		if err != nil {
			continue // not a temporary directory of a run, or not yet marked
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil && os.RemoveAll(dir) == nil {
			n++ // the lock was free: no process lives to remove it
		}
		f.Close()
	}
	return n
}
