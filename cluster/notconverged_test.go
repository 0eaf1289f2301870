package cluster_test

import (
	"slices"
	"testing"

	"raftplay/cluster"
	"raftplay/raft"
)

// TestNotConvergedNamesWhatHoldsItBack: every reason NotConverged gives,
// and none for a status that Converged (with a leader, every member up)
// accepts.
func TestNotConvergedNamesWhatHoldsItBack(t *testing.T) {
	up := func(id, commit, applied uint64, kv uint64) cluster.NodeStatus {
		return cluster.NodeStatus{ID: id, State: cluster.StateUp, Commit: commit, Applied: applied, KVDigest: kv}
	}
	three := raft.Membership{Voters: []uint64{1, 2, 3}}
	cases := []struct {
		name string
		s    cluster.Status
		want []string
	}{
		{"converged", cluster.Status{Leader: 1, Membership: three, Nodes: []cluster.NodeStatus{up(1, 9, 9, 7), up(2, 9, 9, 7), up(3, 9, 9, 7)}}, nil},
		{"a node down, no leader", cluster.Status{Membership: three, Nodes: []cluster.NodeStatus{up(1, 9, 9, 7), up(2, 9, 9, 7), {ID: 3, State: cluster.StateCrashed}}},
			[]string{"no leader", "node 3 crashed"}},
		{"behind the leader", cluster.Status{Leader: 2, Membership: three, Nodes: []cluster.NodeStatus{up(1, 4, 4, 5), up(2, 9, 9, 7), up(3, 9, 8, 7)}},
			[]string{"node 3 applied 8 of commit 9", "commit differs: nodes 2 (the leader), 3 at 9, node 1 at 4"}},
		{"a stale leader behind the rest", cluster.Status{Leader: 4, Membership: raft.Membership{Voters: []uint64{1, 2, 3, 4, 5}},
			Nodes: []cluster.NodeStatus{up(1, 724, 724, 1), up(2, 724, 724, 1), up(3, 724, 724, 1), up(4, 418, 418, 2), up(5, 933, 933, 3)}},
			[]string{"commit differs: node 4 (the leader) at 418, nodes 1, 2, 3 at 724, node 5 at 933"}},
		{"diverged state", cluster.Status{Leader: 1, Membership: three, Nodes: []cluster.NodeStatus{up(1, 9, 9, 7), up(2, 9, 9, 6), up(3, 9, 9, 7)}},
			[]string{"key-value state differs at commit 9: nodes 1 (the leader), 3 vs node 2"}},
		{"removed and non-members do not count", cluster.Status{Leader: 1, Membership: raft.Membership{Voters: []uint64{1, 2}},
			Nodes: []cluster.NodeStatus{up(1, 9, 9, 7), up(2, 9, 9, 7), {ID: 3, State: cluster.StateRemoved}, up(4, 0, 0, 0)}}, nil},
		{"nobody up", cluster.Status{Membership: three, Nodes: []cluster.NodeStatus{{ID: 1, State: cluster.StatePaused}, {ID: 2, State: cluster.StateFailed}, {ID: 3, State: cluster.StateCrashed}}},
			[]string{"no leader", "node 1 paused", "node 2 failed", "node 3 crashed", "no member is up"}},
	}
	for _, tc := range cases {
		got := cluster.NotConverged(tc.s)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if healed := tc.s.Leader != 0 && cluster.Converged(tc.s); healed != (got == nil) {
			t.Errorf("%s: Converged with a leader %v, but NotConverged says %q", tc.name, healed, got)
		}
	}
}
