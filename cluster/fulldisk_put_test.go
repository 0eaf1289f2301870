package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A write that times out because the followers' disks are full says so:
// the leader's disk had room, and the error said only "node 1, the leader
// then, did not complete it" (a user whose real disk filled under the
// whole cluster).
func TestTimeoutSaysTheFollowersStoppedOnAFullDisk(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	put(t, c.NewClient(), "a", "1")
	var followers []uint64
	for _, n := range st.Nodes {
		if n.ID != st.Leader {
			followers = append(followers, n.ID)
			if err := c.SetDiskFull(n.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.NewClient().Put(ctx, "b", []byte("2"))
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("put: %v; want a timeout", err)
	}
	// Both followers stopped before the put gave up (they fail on their
	// first write), unless one was still writing: the error names those
	// that had.
	waitFor(t, c, "both followers stopped on their full disks", func(s Status) bool {
		for _, id := range followers {
			if n, _ := s.Node(id); n.State != StateFailed {
				return false
			}
		}
		return true
	})
	msg := err.Error()
	if strings.Contains(msg, "did not complete it") && !strings.Contains(msg, "failed: ") {
		// The leader's attempt timed out: it must say who it waited on.
		t.Fatalf("put: %s; want the failed followers named", msg)
	}
	if !strings.Contains(msg, "no space left on device") {
		t.Fatalf("put: %s; want the full disk said", msg)
	}
}

// A write that timed out on followers held in slow fsyncs (set
// disk-delay) names them and their wait: it said only that the leader
// "did not complete it".
func TestTimeoutSaysTheFollowersWaitForTheirDisks(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	put(t, c.NewClient(), "a", "1")
	var followers []uint64
	for _, n := range st.Nodes {
		if n.ID != st.Leader {
			followers = append(followers, n.ID)
			if err := c.SetDiskDelay(n.ID, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := c.NewClient().Put(ctx, "b", []byte("2"))
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("put: %v; want a timeout", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "did not complete it") {
		// The followers, in their fsyncs, neither time out nor vote: the
		// leader stays, and the put waits on it.
		t.Fatalf("put: %s; want the leader's attempt to have timed out", msg)
	}
	// Each follower has waited since its first fsync of b (or of a
	// heartbeat's commit): 100 ms or more by the timeout, so the wait is
	// said, or at least the slow disk.
	_, note, _ := strings.Cut(msg, "did not complete it (")
	if !strings.Contains(note, "set disk-delay, +1m0s an fsync") {
		t.Fatalf("put: %s; want the followers' slow disks named", msg)
	}
	// Both in one note, whatever tenths of a second each has waited.
	if want := fmt.Sprintf("nodes %d,%d have ", followers[0], followers[1]); !strings.Contains(note, want) {
		t.Errorf("put: %s; want %q", msg, want)
	}
}
