package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"raftplay/raft"
	"raftplay/wal"
)

// With snapshots every 40 entries and small segments, the segments that
// snapshots cover go (beside the loops), no dead segment stays behind,
// and a restart reads the log back whole.
func TestCompactionDeletesCoveredSegments(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, SnapshotEvery: 40, WAL: wal.Options{SegmentBytes: 4096}})
	waitLeader(t, c)
	w := startWriter(c, 4)
	w.waitAcked(t, c, 600)
	acked := w.halt()
	files := func(id int, pattern string) []string {
		m, _ := filepath.Glob(filepath.Join(c.opts.DataDir, fmt.Sprintf("node-%d", id), pattern))
		return m
	}
	waitFor(t, c, "every node down to a few segments and no temporary files", func(Status) bool {
		for id := 1; id <= 3; id++ {
			// (next-segment.tmp, the next segment prepared, may stay)
			if len(files(id, "*.wal")) > 6 || len(files(id, "*.wal.tmp")) > 0 {
				return false
			}
		}
		return true
	})
	if err := c.Crash(2); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "convergence after node 2's restart", func(s Status) bool { return s.Leader != 0 && Converged(s) })
	cl := c.NewClient()
	for k, v := range acked {
		if got, err := cl.Get(t.Context(), k); err != nil || string(got.Value) != v {
			t.Fatalf("acknowledged %s=%s, read %q, %v", k, v, got.Value, err)
		}
	}
}

// A follower that catches up by the leader's snapshot, again and again,
// with no snapshot of its own (snapshot-every 0), deletes what they
// replace: the segments they cover and the snapshot files older than the
// newest two. It kept all of them, one more snapshot file a catch-up.
func TestInstalledSnapshotsCompactTheFollower(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, WAL: wal.Options{SegmentBytes: 4096}})
	f := aFollower(waitLeader(t, c))
	cl := c.NewClient()
	dir := filepath.Join(c.opts.DataDir, fmt.Sprintf("node-%d", f))
	files := func(pattern string) []string {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		return m
	}
	for round := range 4 {
		if err := c.Crash(f); err != nil {
			t.Fatal(err)
		}
		for i := range 60 {
			put(t, cl, fmt.Sprint("k", i%5), fmt.Sprintf("%d-%d-%s", round, i, strings.Repeat("x", 100)))
		}
		l := waitLeader(t, c).Leader
		if err := c.Snapshot(l); err != nil {
			t.Fatal(err)
		}
		if err := c.Restart(f); err != nil {
			t.Fatal(err)
		}
		waitFor(t, c, "convergence", func(s Status) bool {
			n, _ := s.Node(f)
			return Converged(s) && n.SnapshotIndex > 0
		})
	}
	if !hasEvent(c, fmt.Sprintf("%d installed snapshot", f)) {
		t.Fatalf("node %d never installed a snapshot", f)
	}
	waitFor(t, c, "the follower down to two snapshot files and a few segments", func(Status) bool {
		return len(files("*.snap")) <= 2 && len(files("*.wal")) <= 3 && len(files("*.wal.tmp")) == 0
	})
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "convergence after the follower's restart", func(s Status) bool { return s.Leader != 0 && Converged(s) })
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}

// A learner added under steady writes, with a snapshot every 3 entries,
// is sent the leader's snapshot, then entries: the leader holds its
// compaction back while the snapshot is on its way. It compacted on, so
// the learner's answer found the entries after its snapshot gone and it
// was sent another: 198 snapshots in 9.5 s before its promotion.
func TestLearnerUnderLoadIsNotChasingSnapshots(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, SnapshotEvery: 3})
	waitLeader(t, c)
	w := startWriter(c, 8)
	defer w.halt()
	w.waitAcked(t, c, 300)
	res, err := c.Add(ctxFor(t, 30*time.Second), 4)
	if err != nil {
		t.Fatal(err)
	}
	evs, _, _ := c.Events().Since(1)
	sent := 0
	for _, e := range evs {
		if strings.Contains(e.Text, "sent snapshot at") && strings.HasSuffix(e.Text, " to 4") {
			sent++
		}
	}
	if sent == 0 || sent > 6 {
		t.Fatalf("node 4 was sent %d snapshots before its promotion (took %s)", sent, res.Took)
	}
}

// renameFails is the real file system, but a rename fails: compaction
// cannot take a segment out of the log.
type renameFails struct{ wal.OSFS }

func (renameFails) Rename(oldpath, newpath string) error {
	if strings.HasSuffix(newpath, ".wal.tmp") {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EIO}
	}
	return os.Rename(oldpath, newpath)
}

// A compaction that fails is reported to the loop (which then fails the
// node), once, and the compactor stops.
func TestCompactorReportsFailure(t *testing.T) {
	w, _, err := wal.Open(t.TempDir(), wal.Options{FS: renameFails{}, SegmentBytes: 512})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := uint64(1); i <= 40; i += 4 {
		ents := make([]raft.Entry, 4)
		for j := range ents {
			ents[j] = raft.Entry{Index: i + uint64(j), Term: 1, Data: make([]byte, 60)}
		}
		if err := w.Save(raft.HardState{Term: 1}, ents); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 30, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	wc := newCompactor(w)
	go wc.run()
	wc.request(30)
	if err := <-wc.errc; !errors.Is(err, syscall.EIO) {
		t.Fatalf("compactor reported %v, want the failed rename", err)
	}
	<-wc.exited // it stops after a failure
	wc.stop()   // and stopping it then does not block
}

// A leader holds its compaction back for a follower installing its
// snapshot by catchUpEntries at most, and by catchUpBytes of entry data
// applied since its last snapshot: a follower slow to install it held
// 1,024 entries in the log, a gigabyte of 1 MiB values (a review).
func TestCompactionHoldIsBounded(t *testing.T) {
	for _, c := range []struct {
		applied, bytes int
		sending, held  bool
	}{
		{10, 100, true, true},
		{10, 100, false, false},                   // no snapshot on its way: compact when due
		{3 + catchUpEntries, 100, true, false},    // held as far as it goes
		{3 + catchUpEntries - 1, 100, true, true}, // not yet
		{10, catchUpBytes, true, false},           // 64 MiB of values since the last snapshot
		{10, catchUpBytes - 1, true, true},        // not yet
	} {
		if got := compactionHeld(uint64(c.applied), 0, 3, c.bytes, c.sending); got != c.held {
			t.Errorf("applied %d, %d bytes since the snapshot, sending %v: held %v, want %v", c.applied, c.bytes, c.sending, got, c.held)
		}
	}
}
