package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"raftplay/wal"
)

// A node killed (crash N) after renaming a new snapshot file into place
// but before its directory fsync returned leaves the rename in the page
// cache. Restarted, it takes the snapshot as its own (records it in its
// log, compacts the log it covers); a power failure after that must not
// undo the rename under it. On a slow disk (set disk-delay) the window is
// the whole delay of the directory fsync. Before the fix, the node could
// not start after the power failure: "log records a snapshot at index I
// but no valid snapshot file holds it: no such file".
func TestKilledAfterSnapshotRenameThenPowerFail(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: data, SnapshotEvery: 5})
	f := aFollower(waitLeader(t, c))
	dir := filepath.Join(data, fmt.Sprintf("node-%d", f))
	if err := c.SetDiskDelay(f, 700*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	w := startWriter(c, 2)
	defer w.halt()
	// Wait for a snapshot file under its own name (renamed, its directory
	// fsync under way), then kill the node at once.
	deadline := time.Now().Add(30 * time.Second)
	var snap string
	for snap == "" {
		if time.Now().After(deadline) {
			t.Fatal("no snapshot file appeared")
		}
		des, _ := os.ReadDir(dir)
		for _, de := range des {
			if strings.HasSuffix(de.Name(), ".snap") {
				snap = de.Name()
			}
		}
		if snap == "" {
			time.Sleep(time.Millisecond)
		}
	}
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	if st := c.fsStats(f); st.UnsyncedNames == 0 {
		t.Skipf("the kill came after the directory fsync of %s: nothing to show this time", snap)
	}
	if err := c.SetDiskDelay(f, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, fmt.Sprintf("node %d up on its snapshot, everything it read durable", f), func(s Status) bool {
		n, _ := s.Node(f)
		return n.State == StateUp && n.Disk.Unsynced == 0 && n.SnapshotIndex > 0
	})
	if _, err := c.PowerFail(f); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(f); err != nil {
		t.Fatalf("after kill (%s renamed, not durable), restart, power failure: %v", snap, err)
	}
}

// fsStats returns node id's disk counters.
func (c *Cluster) fsStats(id uint64) wal.FSStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.slot(id)
	if err != nil {
		return wal.FSStats{}
	}
	return s.fs.Stats()
}
