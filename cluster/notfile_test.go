package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/wal"
)

// A node whose segment was replaced by a directory (or a link) is refused
// naming that file and what it is, at restart and at start: it was taken
// for a node whose log is gone, "holds the logs of node 1, 3 but not of
// node 2 ... put its files back", while its files were there.
func TestSegmentReplacedByADirectoryIsNamed(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	f := aFollower(c.Status())
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("node-%d", f), "*.wal"))
	if len(segs) == 0 {
		t.Fatal("no segment")
	}
	seg := segs[0]
	if err := os.Rename(seg, seg+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(seg, 0o755); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		var se *StartError
		if err == nil || !errors.As(err, &se) || se.Node != f || !errors.Is(err, wal.ErrCorrupt) ||
			!strings.Contains(err.Error(), seg+": is a directory, not a file") || strings.Contains(err.Error(), "amnesia") {
			t.Fatalf("%s: %v; want node %d refused naming %s as a directory", what, err, f, seg)
		}
	}
	check("restart", c.Restart(f))
	c.Close()
	_, err := startOrHang(t, Options{Nodes: 3, DataDir: dir})
	check("start", err)
	// Put back, the node starts.
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(seg+".away", seg); err != nil {
		t.Fatal(err)
	}
	c2 := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c2)
}
