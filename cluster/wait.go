package cluster

import (
	"context"
	"fmt"
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

// NotConverged says why s is not Converged with every member up and a
// leader (what a healed cluster should reach), one reason per node or fault
// ("no leader", "node 3 crashed", "node 2 commit 40 applied 38, node 1's
// commit 52"); nil when it is. A report that says only "did not converge"
// leaves the reader to find which node held it back.
func NotConverged(s Status) []string {
	var why []string
	if s.Leader == 0 {
		why = append(why, "no leader")
	}
	var ref *NodeStatus
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if n.State == StateRemoved || (!s.Membership.IsEmpty() && !s.Membership.IsMember(n.ID)) {
			continue
		}
		if !n.Live() {
			why = append(why, fmt.Sprintf("node %d %s", n.ID, n.State))
			continue
		}
		if n.Applied != n.Commit {
			why = append(why, fmt.Sprintf("node %d applied %d of commit %d", n.ID, n.Applied, n.Commit))
		}
		if ref == nil || n.ID == s.Leader {
			ref = n
		}
	}
	if ref == nil {
		return append(why, "no member is up")
	}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if n == ref || !n.Live() || n.State == StateRemoved || (!s.Membership.IsEmpty() && !s.Membership.IsMember(n.ID)) {
			continue
		}
		switch {
		case n.Commit != ref.Commit:
			why = append(why, fmt.Sprintf("node %d commit %d, node %d's %d", n.ID, n.Commit, ref.ID, ref.Commit))
		case n.KVDigest != ref.KVDigest:
			why = append(why, fmt.Sprintf("node %d's key-value state differs from node %d's at commit %d", n.ID, ref.ID, n.Commit))
		}
	}
	return why
}
