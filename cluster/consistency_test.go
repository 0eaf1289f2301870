package cluster

import (
	"context"
	"sync"
	"testing"
	"time"
)

// One Status is a consistent cut: under a steady stream of writes, no
// follower of the leader is ever seen with a higher commit, applied or last
// index than its leader (the leader publishes what it sends first, and
// Status reads every node at one instant).
func TestStatusNeverShowsAFollowerAheadOfItsLeader(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 5, Seed: 3})
	st := waitLeader(t, c)
	leader, term := st.Leader, st.Term
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c.NewClient()
			for ctx.Err() == nil {
				_, _ = cl.Put(ctx, "k", []byte("v"))
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	checked := 0
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		s := c.Status()
		l, _ := s.Node(leader)
		if l.Role != "leader" || l.Term != term {
			t.Skipf("leadership moved (term %d -> %d): the check needs one steady leader", term, l.Term)
		}
		for _, f := range s.Nodes {
			if f.ID == leader || f.Term != term || f.Leader != leader {
				continue
			}
			checked++
			if f.Commit > l.Commit || f.Applied > l.Applied || f.LastIndex > l.LastIndex {
				t.Fatalf("follower %d drawn ahead of leader %d: c/a/l %d/%d/%d vs %d/%d/%d",
					f.ID, leader, f.Commit, f.Applied, f.LastIndex, l.Commit, l.Applied, l.LastIndex)
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d follower samples checked", checked)
	}
}
