package cluster

import (
	"context"
	"time"
)

// pollEvery is how often WaitFor looks at the cluster when no event wakes it.
const pollEvery = 5 * time.Millisecond

// WaitFor returns the first Status for which cond holds, or the last Status
// seen and ctx's error when ctx ends first. It re-checks whenever an event is
// recorded and at least every few milliseconds.
func (c *Cluster) WaitFor(ctx context.Context, cond func(Status) bool) (Status, error) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		wake := c.events.Wait()
		st := c.Status()
		if cond(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-t.C:
		case <-wake:
		}
	}
}

// WaitLeader waits until a node leads as `wait leader` defines it.
func (c *Cluster) WaitLeader(ctx context.Context) (Status, error) {
	return c.WaitFor(ctx, func(s Status) bool { return s.Leader != 0 })
}

// Converged reports whether every live member (voter or learner of the
// cluster's membership) has the same commit index, has applied it, and
// holds the same key-value state. A node started by add that never joined
// is not a member and does not count.
func Converged(s Status) bool {
	var ref *NodeStatus
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if !n.Live() || (!s.Membership.IsEmpty() && !s.Membership.IsMember(n.ID)) {
			continue
		}
		if n.Applied != n.Commit {
			return false
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.Commit != ref.Commit || n.KVDigest != ref.KVDigest {
			return false
		}
	}
	return ref != nil
}
