package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A follower whose disk is full when the leader's snapshot reaches it
// fails to save it and stops: the event log must not have said it
// installed the snapshot. The core told "installed snapshot" as it took
// the snapshot in, before the node wrote it, and the failure followed.
func TestSnapshotThatFailedToSaveIsNotToldInstalled(t *testing.T) {
	t.Parallel()
	// PreVote: the cut-off follower does not campaign its term up, so its
	// first write after the heal is the leader's snapshot.
	c := startCluster(t, Options{Nodes: 3, SnapshotEvery: 10, PreVote: true})
	f := aFollower(waitLeader(t, c))
	if err := c.Isolate(f); err != nil {
		t.Fatal(err)
	}
	cl := c.NewClient()
	for i := 0; i < 40; i++ {
		put(t, cl, fmt.Sprint("k", i%5), fmt.Sprint(i))
	}
	waitFor(t, c, "the leader compacts past the cut-off follower", func(s Status) bool {
		l, ok := s.Node(s.Leader)
		n, _ := s.Node(f)
		return ok && l.SnapshotIndex > n.LastIndex+1
	})
	if err := c.SetDiskFull(f, true); err != nil {
		t.Fatal(err)
	}
	c.Heal()
	waitFor(t, c, "the follower stops on its full disk", func(s Status) bool {
		n, _ := s.Node(f)
		return n.State == StateFailed
	})
	var stopped string
	for _, e := range c.Events().Last(1 << 12) {
		switch {
		case strings.HasPrefix(e.Text, fmt.Sprintf("%d installed snapshot", f)):
			t.Fatalf("event %q, though %d failed to save the snapshot; events:\n%v", e.Text, f, c.Events().Last(30))
		case strings.HasPrefix(e.Text, fmt.Sprintf("%d stopped:", f)):
			stopped = e.Text
		}
	}
	if !strings.Contains(stopped, "snapshot") || !strings.Contains(stopped, "no space left") {
		t.Fatalf("%d stopped with %q; want its snapshot's write refused for want of space", f, stopped)
	}
}

// A step that delivers the leader's snapshot says the follower installed
// it: the core tells so once the node has saved it (the step's Ready),
// and the step's effect takes that Ready in.
func TestDeliveredSnapshotStepSaysInstalled(t *testing.T) {
	t.Parallel()
	_, out, f := deliverSnapshotBySteps(t, false)
	if want := fmt.Sprintf("%d installed snapshot at", f); !strings.Contains(out, want) {
		t.Fatalf("step: %s\nwant %q in it", out, want)
	}
}

// A step whose Ready fails to save (a full disk) says what the step did,
// not that the node was down (the node stopped after the step's effect),
// and claims no install.
func TestStepWhoseSaveFailsSaysWhatItDid(t *testing.T) {
	t.Parallel()
	c, out, f := deliverSnapshotBySteps(t, true)
	if strings.Contains(out, "installed") || !strings.HasPrefix(out, "delivered") {
		t.Fatalf("step: %s\nthough %d failed to save the snapshot", out, f)
	}
	waitFor(t, c, "the follower stopped on its full disk", func(s Status) bool {
		n, _ := s.Node(f)
		return n.State == StateFailed
	})
}

// deliverSnapshotBySteps has a frozen cluster's leader send a cut-off
// follower its snapshot, by steps, and returns the cluster, what
// delivering it said, and the follower; with full, the follower's disk is
// full by then.
func deliverSnapshotBySteps(t *testing.T, full bool) (*Cluster, string, uint64) {
	t.Helper()
	c := startCluster(t, Options{Nodes: 3, SnapshotEvery: 10, PreVote: true})
	st := waitLeader(t, c)
	l, f := st.Leader, aFollower(st)
	if err := c.Isolate(f); err != nil {
		t.Fatal(err)
	}
	cl := c.NewClient()
	for i := 0; i < 40; i++ {
		put(t, cl, fmt.Sprint("k", i%5), fmt.Sprint(i))
	}
	waitFor(t, c, "the leader compacts past the cut-off follower", func(s Status) bool {
		ln, _ := s.Node(l)
		n, _ := s.Node(f)
		return s.Leader == l && ln.SnapshotIndex > n.LastIndex+1
	})
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	c.Heal()
	if full {
		// Nothing before the snapshot writes (PreVote: no term of its own).
		if err := c.SetDiskFull(f, true); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must := mustOut(t)
	must(c.Heartbeat(l))
	must(c.Deliver(ctx, l, f, "heartbeat", false))
	must(c.Deliver(ctx, f, l, "heartbeat-resp", false))
	// The leader probes the follower with an append, refused (its log ends
	// far behind), then sends its snapshot.
	for range 3 {
		short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
		out, err := c.Deliver(short, l, f, "snap", false)
		stop()
		if err == nil {
			return c, out, f
		}
		if !strings.Contains(err.Error(), "holds no") && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("deliver %d %d snap: %v", l, f, err)
		}
		must(c.Deliver(ctx, l, f, "app", false))
		must(c.Deliver(ctx, f, l, "app-resp", false))
	}
	t.Fatalf("no snapshot reached %d; events:\n%v", f, c.Events().Last(30))
	return nil, "", 0
}
