package cluster

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"raftplay/wal"
)

// A node's directory that is there but unusable is told as what it is (a
// data directory whose node-2 was a file, a dangling link or unreadable was
// said to hold no log of node 2: amnesia).
func TestDirProblem(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "nowhere"), link)
	good := filepath.Join(dir, "good")
	os.Mkdir(good, 0o755)
	goodLink := filepath.Join(dir, "good-link")
	os.Symlink(good, goodLink)
	for _, tc := range []struct{ dir, want string }{
		{filepath.Join(dir, "absent"), ""},
		{good, ""},
		{goodLink, ""},
		{file, "is a file, not a directory: move the file away"},
		{link, "is a symbolic link to a missing path (" + filepath.Join(dir, "nowhere") + "): restore its target, or remove the link"},
	} {
		if got := NodeDirProblem(tc.dir); got != tc.want {
			t.Errorf("NodeDirProblem(%s) = %q, want %q", tc.dir, got, tc.want)
		}
	}
	// Unreadable (chmod 000 as another user: root reads it anyway).
	err := &fs.PathError{Op: "open", Path: good, Err: syscall.EACCES}
	if got, want := readProblem(err), "cannot be read (permission denied)"; got != want {
		t.Errorf("readProblem = %q, want %q", got, want)
	}
}

// A failed start removes only what it created: a symbolic link (or a file)
// the user put where a node's directory goes is left alone (one to a
// missing path read as absent, and was deleted).
func TestFreshDirUndoKeepsWhatItDidNotMake(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "node-2")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "node-3")
	os.WriteFile(file, []byte("mine"), 0o644)
	absent := filepath.Join(dir, "node-4")
	fresh := []freshDir{newFreshDir(link), newFreshDir(file), newFreshDir(absent)}
	os.MkdirAll(absent, 0o755) // what the start made
	for _, f := range fresh {
		f.undo()
	}
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("the user's link is gone: %v", err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "mine" {
		t.Errorf("the user's file: %q, %v", b, err)
	}
	if _, err := os.Lstat(absent); err == nil {
		t.Errorf("the directory the start made is still there")
	}
}

// A snapshot file that may not be read is named whole, not told as damage
// at an offset.
func TestStartErrorUnreadable(t *testing.T) {
	path := filepath.Join("DATA", "node-2", "0000000000000004-0000000000000001.snap")
	err := &StartError{Node: 2, Dir: filepath.Join("DATA", "node-2"),
		Err: &wal.UnreadableError{Path: path, Err: &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES}}}
	if got, want := err.Error(), "node 2 could not start: "+path+" cannot be read (permission denied)"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
