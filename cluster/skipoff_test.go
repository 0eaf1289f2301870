package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/wal"
)

// newestSegment returns the name of the newest WAL segment in dir.
func newestSegment(t *testing.T, dir string) string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	newest := ""
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".wal") {
			newest = max(newest, de.Name())
		}
	}
	return newest
}

// A node that skipped fsync (set unsafe-skip-fsync N on) for a while, then
// fsyncs again (off), promises that what it wrote meanwhile becomes
// durable. While fsync was skipped its WAL rolled to new segments (and took
// snapshots and compacted): their names, and the content of the files it
// closed, were never made durable, and no later fsync of the active
// segment covers them. Writes acknowledged once fsync was back on were lost
// to a power failure: they went into a segment whose name the power
// failure took away (the log silently ended where fsync was turned on).
func TestFsyncBackOnMakesSkippedWritesDurable(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, SnapshotEvery: 40, WAL: wal.Options{SegmentBytes: 8 << 10}})
	waitLeader(t, c)
	cl := c.NewClient()
	acked := map[string]string{}
	w := func(k, v string) {
		put(t, cl, k, v)
		acked[k] = v
	}
	for i := range 10 {
		w(fmt.Sprintf("before%d", i), "x")
	}
	dirs := map[uint64]string{}
	segs := map[uint64]string{}
	for id := uint64(1); id <= 3; id++ {
		dirs[id] = filepath.Join(c.opts.DataDir, fmt.Sprintf("node-%d", id))
		segs[id] = newestSegment(t, dirs[id])
		if err := c.SetUnsafeSkipFsync(id, true); err != nil {
			t.Fatal(err)
		}
	}
	// Write until every node has moved on to a newer segment with fsync
	// skipped, and taken a snapshot.
	i := 0
	waitFor(t, c, "every node on a segment made while skipping fsync, with a snapshot", func(s Status) bool {
		for range 10 {
			i++
			w(fmt.Sprintf("during%d", i), strings.Repeat("v", 100))
		}
		for id := uint64(1); id <= 3; id++ {
			n, _ := s.Node(id)
			if newestSegment(t, dirs[id]) == segs[id] || n.SnapshotIndex == 0 {
				return false
			}
		}
		return true
	})
	for id := uint64(1); id <= 3; id++ {
		if err := c.SetUnsafeSkipFsync(id, false); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		w(fmt.Sprintf("after%d", i), "y")
	}
	if _, err := c.PowerFailAll(); err != nil {
		t.Fatal(err)
	}
	restartAndCheck(t, c, 0, acked)
}

// Fsync can be turned back on for a node that is down, as its disk's other
// settings can: one stopped by a full disk kept skipping through the
// restart that space given back makes (refused: "node 2 is down").
func TestFsyncBackOnForANodeThatIsDown(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	f := aFollower(waitLeader(t, c))
	if err := c.SetUnsafeSkipFsync(f, true); err != nil {
		t.Fatal(err)
	}
	failOnFullDisk(t, c, f, 1).halt()
	if err := c.SetUnsafeSkipFsync(f, true); err == nil || !strings.Contains(err.Error(), "FAILED") {
		t.Errorf("skipping turned on for a node that is down: %v", err)
	}
	if err := c.SetUnsafeSkipFsync(f, false); err != nil {
		t.Fatalf("fsync back on for a node that is down: %v", err)
	}
	if err := c.SetDiskFull(f, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, fmt.Sprintf("%d back, fsyncing", f), func(s Status) bool {
		n, _ := s.Node(f)
		return n.Live() && !n.Disk.SkipFsync && Converged(s)
	})
}
