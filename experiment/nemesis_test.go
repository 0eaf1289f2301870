package experiment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// TestPowerCycleTakesPausedNodesDown: a power cycle cuts a paused node's
// power too, so the nemesis must later restart it, not resume it (the
// chaos run of seed 1796036723035686633 failed to converge: "resume 3:
// node 3 is down").
func TestPowerCycleTakesPausedNodesDown(t *testing.T) {
	c, err := cluster.Start(cluster.Options{Nodes: 3, DataDir: t.TempDir(), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	n := newNemesis(c, 1, time.Now(), []string{FaultPowerCycle})
	if err := c.Pause(3); err != nil {
		t.Fatal(err)
	}
	n.down[3] = FaultPause
	n.powerCycle(c.Status())
	n.bringBack()
	if len(n.errs) > 0 {
		t.Fatalf("nemesis errors: %v", n.errs)
	}
	if len(n.down) != 0 {
		t.Fatalf("still down after bringing back: %v", n.down)
	}
	if _, err := c.WaitFor(ctx, func(st cluster.Status) bool {
		for _, s := range st.Nodes {
			if s.State != cluster.StateUp {
				return false
			}
		}
		return st.Leader != 0
	}); err != nil {
		t.Fatalf("the cluster did not come back whole: %v", err)
	}
}

// The nemesis transfers leadership only to a node that is not the leader:
// a transfer to the leader did nothing and was counted as a fault injected
// ("transfer to 4: done in 0s").
func TestTransferSkipsTheLeader(t *testing.T) {
	c, err := cluster.Start(cluster.Options{Nodes: 3, DataDir: t.TempDir(), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := newNemesis(c, 1, time.Now(), []string{FaultTransfer})
	for i := range 8 {
		st, err := c.WaitFor(ctx, func(st cluster.Status) bool { return st.Leader != 0 })
		if err != nil {
			t.Fatal(err)
		}
		n.transfer(st)
		r := n.log[len(n.log)-1]
		if !r.Skipped && !r.Failed && r.Text == fmt.Sprintf("transfer to %d: done in 0s", st.Leader) {
			t.Fatalf("transfer %d: %q, injected, to the leader", i+1, r.Text)
		}
		if !r.Skipped && !r.Failed && strings.HasPrefix(r.Text, fmt.Sprintf("transfer to %d:", st.Leader)) {
			t.Fatalf("transfer %d: %q, to the leader", i+1, r.Text)
		}
	}
}
