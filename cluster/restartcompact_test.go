package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"raftplay/wal"
)

// A node killed (kill -9) after saving a snapshot and before deleting the
// segments it covers left them on disk until its next snapshot: with
// snapshot-every 0, for good. Restarted, it deletes them (beside its
// loop, as after a snapshot), and only them: the log after the snapshot
// stays, and the node comes back whole again. The kill is set up on
// the files: a snapshot taken and compacted, then the covered segments
// put back as they were before (sealed segments do not change).
func TestRestartDeletesSegmentsItsSnapshotCovers(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: data, WAL: wal.Options{SegmentBytes: 4096}})
	f := aFollower(waitLeader(t, c))
	dir := filepath.Join(data, fmt.Sprintf("node-%d", f))
	cl := c.NewClient()
	for i := range 150 {
		put(t, cl, fmt.Sprint("k", i%9), fmt.Sprintf("%03d-%040d", i, i))
	}
	waitFor(t, c, "every node holding every write", Converged)
	segments := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
		return m
	}
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	saved := map[string][]byte{}
	for _, p := range segments() {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		saved[p] = b
	}
	if err := c.Restart(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the restarted follower caught up", Converged)
	taken, err := c.SnapshotNow(f)
	if err != nil || taken.Index == 0 {
		t.Fatalf("snapshot %d: %+v, %v", f, taken, err)
	}
	var covered []string
	waitFor(t, c, "the snapshot's segments deleted", func(Status) bool {
		covered = covered[:0]
		for p := range saved {
			if _, err := os.Stat(p); err != nil {
				covered = append(covered, p)
			}
		}
		return len(covered) >= 3
	})
	// The kill: the snapshot saved, its segments not yet deleted.
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	for _, p := range covered {
		if err := os.WriteFile(p, saved[p], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Restart(f); err != nil {
		t.Fatal(err)
	}
	left := func() []string {
		var l []string
		for _, p := range covered {
			if _, err := os.Stat(p); err == nil {
				l = append(l, filepath.Base(p))
			}
		}
		return l
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := c.WaitFor(ctx, func(Status) bool { return len(left()) == 0 }); err != nil {
		t.Fatalf("after the restart, segments its snapshot at %d covers are still there: %v", taken.Index, left())
	}
	// Nothing it needed went: it starts again from what is left, with the
	// snapshot and the log after it, and holds every write.
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(f); err != nil {
		t.Fatal(err)
	}
	put(t, cl, "after", "restart")
	waitFor(t, c, "convergence after the second restart", func(s Status) bool {
		n, _ := s.Node(f)
		return Converged(s) && n.SnapshotIndex == taken.Index
	})
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}
