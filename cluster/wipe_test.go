package cluster

import (
	"fmt"
	"testing"
)

// wipe N restarts node N with an empty disk whatever it was doing, as
// help and the README say: a paused node comes back running (not paused),
// a crashed one comes back up. Both rejoin with no term, vote or log and
// hear the leader (which does not repair them: see TestDiskFaultsBadInputAndEvents).
func TestWipeRestartsAPausedOrCrashedNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	f := aFollower(waitLeader(t, c))
	cl := c.NewClient()
	put(t, cl, "a", "1")
	for _, down := range []struct {
		what string
		do   func(uint64) error
	}{{"paused", c.Pause}, {"crashed", c.Crash}} {
		if err := down.do(f); err != nil {
			t.Fatal(err)
		}
		if err := c.Wipe(f); err != nil {
			t.Fatalf("wipe of a %s node: %v", down.what, err)
		}
		waitFor(t, c, fmt.Sprintf("the wiped %s node up, following the leader", down.what), func(s Status) bool {
			n, _ := s.Node(f)
			return n.State == StateUp && s.Leader != 0 && n.Leader == s.Leader
		})
	}
}
