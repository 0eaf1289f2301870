package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A temporary data directory whose run died (its marker's lock is free) is
// removed by the next run that makes one; a live run's, a kept one and
// anything else in the temporary directory stay.
func TestSweepRemovesOnlyDeadRunsTempDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	// A live run: made and marked by this process, lock held.
	live, cleanup, err := tempDataDir("raftplay-", false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	// Not ours to remove: a kept run's directory (no mark), a --data
	// directory that happens to have the prefix, another program's.
	kept, _, err := tempDataDir("raftplay-", true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// A dead run: marked by a process that has died (its lock went with
	// it), with a node's files in it.
	dead := filepath.Join(tmp, "raftplay-dead")
	if err := os.MkdirAll(filepath.Join(dead, "node-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dead, "node-1", "wal.seg"), make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	f := markTemp(dead)
	if f == nil {
		t.Fatal("could not mark the dead run's directory")
	}
	f.Close() // as the kernel does when the process dies: the lock is free
	data, other := filepath.Join(tmp, "raftplay-mydata"), filepath.Join(tmp, "other-dir")
	for _, d := range []string{filepath.Join(data, "node-1"), other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	if n := sweepTempDirs(tmp); n != 1 {
		t.Errorf("sweep removed %d directories, want 1", n)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead run's directory is still there (%v)", err)
	}
	for _, d := range []string{live, kept, data, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
	// Making a temporary directory sweeps too: nothing more to remove,
	// and the live run's directory stays.
	_, c2, err := tempDataDir("raftplay-", false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c2()
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the live run's directory went at the next run's start: %v", err)
	}
	cleanup()
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("a run's own cleanup left its directory (%v)", err)
	}
}
