package wal

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// One WAL directory, one writer: a second Open, here or in another
// process, is refused with the holder's process id until the first closes.
func TestOpenLocksTheDirectory(t *testing.T) {
	dir := t.TempDir()
	w, _, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Open(dir, Options{})
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second Open: %v; want ErrLocked naming pid %d", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), "open twice") {
		t.Errorf("message %q", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2, _, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	defer w2.Close()
	b, _ := os.ReadFile(dir + "/" + LockName)
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q", b)
	}
}

// A LOCK file removed and made again by another run while this one took
// the old file's lock is taken again, and found held: a lock on a file no
// longer at its name kept nobody out, and two runs would each own the
// directory.
func TestLockOfAReplacedLockFileIsTakenAgain(t *testing.T) {
	dir := t.TempDir()
	var other *os.File
	afterLockHook = func(dir string) {
		afterLockHook = nil
		os.Remove(filepath.Join(dir, LockName))
		f, err := lockFile(dir) // the other run's new LOCK, held
		if err != nil {
			t.Error(err)
			return
		}
		other = f
	}
	defer func() { afterLockHook = nil }()
	f, err := LockDir(dir)
	if err == nil {
		f.Close()
		t.Fatal("took the lock of a LOCK file no longer at its name")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("LockDir: %v, want ErrLocked", err)
	}
	other.Close()
	f, err = LockDir(dir)
	if err != nil {
		t.Fatalf("once the other let go: %v", err)
	}
	f.Close()
}

// A LOCK that is a directory is named with what to do: it said only
// "wal: lock DIR: open DIR/LOCK: is a directory".
func TestLockThatIsADirectoryIsNamed(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, LockName), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(dir, Options{})
	want := filepath.Join(dir, LockName) + " is a directory, not a file"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "remove that directory") {
		t.Fatalf("Open: %v; want %q and what to do", err, want)
	}
	if _, err := LockDir(dir); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("LockDir: %v; want %q", err, want)
	}
}
