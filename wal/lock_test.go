package wal

import (
	"errors"
	"os"
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
	b, _ := os.ReadFile(dir + "/" + lockName)
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q", b)
	}
}
