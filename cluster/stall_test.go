package cluster

import (
	"context"
	"fmt"
	"testing"
)

// A follower whose loop stalls longer than its election timeout (here an
// fsync slowed by a disk delay; on a loaded machine a slow disk does the
// same) finds the leader's heartbeats queued when it comes back. It has
// heard from its leader: the stalled time must not then count toward its
// election timer as if it came after them. It once did (the clock hands
// the core the ticks a stall missed, after the messages), and the follower
// campaigned right after hearing its leader: a leader change with no fault.
func TestStalledFollowerDoesNotCampaign(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Seed: 7})
	st := waitLeader(t, c)
	f := aFollower(st)
	tm := c.Status().Timing
	if err := c.SetDiskDelay(f, 2*tm.ElectionMax); err != nil {
		t.Fatal(err)
	}
	cl := c.NewClient()
	for i := range 3 {
		// Acknowledged by the leader and the other follower; f stalls on
		// its fsync of it, and the next append waits behind that.
		res, err := cl.Put(context.Background(), fmt.Sprint("k", i), []byte("v"))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, c, fmt.Sprintf("follower %d back from its stall with entry %d", f, res.Index), func(s Status) bool {
			n, _ := s.Node(f)
			return n.LastIndex >= res.Index
		})
	}
	if err := c.SetDiskDelay(f, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "convergence", func(s Status) bool { return Converged(s) })
	if now := c.Status(); now.Term != st.Term || now.Leader != st.Leader {
		t.Fatalf("leader %d at term %d before the stalls, leader %d at term %d after: the stalled follower %d campaigned", st.Leader, st.Term, now.Leader, now.Term, f)
	}
}
