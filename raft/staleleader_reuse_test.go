package raft

import "testing"

// A leader deposed without knowing it (cut off, CheckQuorum off) still
// counts the removed voters of its old configuration. Fresh nodes started
// under their ids with term 0 take its appends (an empty log matches any):
// they make a majority of its old configuration with it, and it commits
// its old term's entries where the cluster committed others (with term 0
// this test fails: 3 commits 3@2 where the cluster committed 3@3). The
// driver starts such nodes at the term the cluster has reached (doc.go,
// Node ids; cluster.Add): they refuse the stale leader, and their answer
// deposes it.
func TestStaleLeaderDoesNotCommitThroughFreshNodesReusingRemovedIDs(t *testing.T) {
	net, rs := newCluster(t, 5)
	a, c := rs[0], rs[2]
	// 3 campaigns and wins with the votes of 4 and 5, then is cut off
	// before any of its appends leaves: it leads term 2 and hears no one.
	net.isolate(3)
	net.cut[[2]uint64{3, 4}], net.cut[[2]uint64{4, 3}] = false, false
	net.cut[[2]uint64{3, 5}], net.cut[[2]uint64{5, 3}] = false, false
	step(t, c, Message{Type: MsgHup})
	for _, m := range drain(c) {
		if m.Type == MsgVote && (m.To == 4 || m.To == 5) {
			step(t, net.nodes[m.To], m)
			for _, resp := range drain(net.nodes[m.To]) {
				step(t, c, resp)
			}
		}
	}
	if c.role != RoleLeader {
		t.Fatalf("setup: 3 is %s at term %d", c.role, c.term)
	}
	drain(c) // its no-op's appends are lost
	net.isolate(3)
	stale := propose(t, c, "stale") // never committed by the cluster
	drain(c)

	// The others move on: 1 leads a later term and removes 5, then 4.
	net.waitFor(100, "1 leading again", func() bool { return a.role == RoleLeader && a.term > c.term })
	proposeConf(t, a, ConfRemove, 5)
	net.run()
	proposeConf(t, a, ConfRemove, 4)
	net.run()
	if !a.conf.Equal(mem(1, 2, 3)) || a.confIndex > a.log.committed {
		t.Fatalf("setup: leader %s at %d, commit %d", a.conf, a.confIndex, a.log.committed)
	}
	// Fresh nodes 4 and 5 join (the removed ones are gone) and are added as
	// learners; the leader has not reached them yet.
	delete(net.nodes, 4)
	delete(net.nodes, 5)
	for _, id := range []uint64{4, 5} {
		join(t, net, id, func(c *Config) { c.HardState.Term = a.term })
		net.cut[[2]uint64{1, id}], net.cut[[2]uint64{2, id}] = true, true
		proposeConf(t, a, ConfAddLearner, id)
		net.run()
	}
	// The stale leader reaches the fresh nodes only.
	for _, id := range []uint64{4, 5} {
		net.cut[[2]uint64{3, id}], net.cut[[2]uint64{id, 3}] = false, false
	}
	for range 10 * c.electionMax {
		net.tickRun(1, 3, 4, 5)
		if c.role != RoleLeader {
			return // deposed by the fresh nodes' answers
		}
		if c.log.committed >= stale {
			got := c.Entries(stale, stale+1)
			want := a.Entries(stale, stale+1)
			t.Fatalf("stale leader 3 (term %d) committed %s through the fresh nodes 4 and 5; the cluster committed %s there (commit %d)",
				c.term, DescribeEntry(got[0]), DescribeEntry(want[0]), a.log.committed)
		}
	}
	t.Fatalf("stale leader 3 still leads term %d, after %d ticks of the fresh nodes' refusals", c.term, 10*c.electionMax)
}
