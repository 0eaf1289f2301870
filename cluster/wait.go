package cluster

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
		if !n.Live() || !s.counts(n.ID) {
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

// counts reports whether node id is a member of s's configuration (every
// node is when none is known): the nodes convergence and settling look at.
func (s Status) counts(id uint64) bool {
	return s.Membership.IsEmpty() || s.Membership.IsMember(id)
}

// LeaderSettled reports whether there is a leader, it has committed an
// entry of its own term (its no-op, §8), and every live member it reaches
// follows it in its term (NotFollowing). Until it has, a cluster can look
// Converged at the commit index the old leader left, while a node still
// holds entries of an old term past it that the new leader will replace (a
// healed old leader's uncommitted writes), or, after every node restarted,
// at the commit index their files held, below the last acknowledged write.
// With no leader it is false: between leaders (the old one crashed or
// deposed, every node just restarted) the live nodes agree on the old
// commit index at once, and wait settled returned there, before any
// election (after restart all, two runs in three). True while frozen (the
// steps decide when it commits), and when the leader's status does not say
// the term at its commit index.
func LeaderSettled(s Status) bool {
	if s.Frozen {
		return true
	}
	if s.Leader == 0 {
		return false
	}
	l, ok := s.Node(s.Leader)
	if !ok {
		return true
	}
	if t, known := termAt(l, l.Commit); known && t != l.Term {
		return false
	}
	return len(NotFollowing(s)) == 0
}

// NotFollowing names the live members that the leader's messages reach
// but that do not follow it in its term: "3 pre-candidate at term 2". A
// node healed from a partition was still campaigning when every log agreed
// (with PreVote it follows at the next heartbeat; without, its higher term
// deposes the leader), and wait settled returned there. Nodes the leader
// cannot reach are left out: they cannot follow it until healed.
func NotFollowing(s Status) []string {
	var out []string
	for _, n := range s.Nodes {
		if n.ID == s.Leader || !n.Live() || !s.counts(n.ID) || !Delivers(s.Faults, s.Leader, n.ID) {
			continue
		}
		if n.Term != s.Term || n.Leader != s.Leader {
			out = append(out, fmt.Sprintf("%d %s at term %d", n.ID, n.Role, n.Term))
		}
	}
	return out
}

// NotConverged says why s is not Converged with every member up and a
// leader (what a healed cluster should reach): "no leader", a member down
// ("node 3 crashed"), one that has not applied its commit ("node 2 applied
// 38 of commit 40"), commit indexes that differ ("commit differs: node 4
// (the leader) at 418, nodes 1, 2, 3 at 724"), and state that differs at
// one commit ("key-value state differs at commit 9: node 2 vs nodes 1, 3");
// nil when it is. A report that says only "did not converge" leaves the
// reader to find which node held it back.
func NotConverged(s Status) []string {
	var why []string
	if s.Leader == 0 {
		why = append(why, "no leader")
	}
	var live []*NodeStatus
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if n.State == StateRemoved || !s.counts(n.ID) {
			continue
		}
		if !n.Live() {
			why = append(why, fmt.Sprintf("node %d %s", n.ID, n.State))
			continue
		}
		if n.Applied != n.Commit {
			why = append(why, fmt.Sprintf("node %d applied %d of commit %d", n.ID, n.Applied, n.Commit))
		}
		live = append(live, n)
	}
	if len(live) == 0 {
		return append(why, "no member is up")
	}
	// Group the live members by commit index, the leader's group first,
	// then by index; within a commit, by key-value state.
	byCommit := map[uint64][]*NodeStatus{}
	var commits []uint64
	for _, n := range live {
		if byCommit[n.Commit] == nil {
			commits = append(commits, n.Commit)
		}
		byCommit[n.Commit] = append(byCommit[n.Commit], n)
	}
	slices.Sort(commits)
	if len(commits) > 1 {
		var groups []string
		for _, c := range commits {
			g := byCommit[c]
			text := fmt.Sprintf("%s at %d", nodeList(g, s.Leader), c)
			if slices.ContainsFunc(g, func(n *NodeStatus) bool { return n.ID == s.Leader }) {
				groups = append([]string{text}, groups...)
			} else {
				groups = append(groups, text)
			}
		}
		why = append(why, "commit differs: "+strings.Join(groups, ", "))
	}
	for _, c := range commits {
		byKV := map[uint64][]*NodeStatus{}
		var kvs []uint64
		for _, n := range byCommit[c] {
			if byKV[n.KVDigest] == nil {
				kvs = append(kvs, n.KVDigest)
			}
			byKV[n.KVDigest] = append(byKV[n.KVDigest], n)
		}
		if len(kvs) > 1 {
			var groups []string
			for _, kv := range kvs {
				groups = append(groups, nodeList(byKV[kv], s.Leader))
			}
			why = append(why, fmt.Sprintf("key-value state differs at commit %d: %s", c, strings.Join(groups, " vs ")))
		}
	}
	return why
}

// nodeList names nodes as NotConverged does: "node 4 (the leader)",
// "nodes 1, 2, 3".
func nodeList(ns []*NodeStatus, leader uint64) string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = strconv.FormatUint(n.ID, 10)
		if n.ID == leader {
			ids[i] += " (the leader)"
		}
	}
	if len(ids) == 1 {
		return "node " + ids[0]
	}
	return "nodes " + strings.Join(ids, ", ")
}
