package raft

import (
	"errors"
	"strings"
	"testing"
)

// A node that joins with an empty log under the id of a removed voter (the
// cluster wipes a removed node's files and starts a fresh one when the id
// is added again) must not vote before it knows itself a member: until
// then a stale candidate, whose log still counts the old voter of that id
// in an old configuration, could win with the fresh node's vote, its log
// missing committed entries. Two ids removed and added again are enough in
// five voters: the stale node and the two fresh ones are a majority of the
// old configuration, while the entries committed by the two removals are
// held by only two nodes.
func TestFreshNodeReusingRemovedIDDoesNotElectStaleCandidate(t *testing.T) {
	net, rs := newCluster(t, 5)
	a, c := rs[0], rs[2]
	net.isolate(3) // 3 misses everything from here on
	propose(t, a, "x")
	net.run()
	proposeConf(t, a, ConfRemove, 5) // voters 1,2,3,4: committed by 1,2,4
	net.run()
	proposeConf(t, a, ConfRemove, 4) // voters 1,2,3: committed by 1,2
	net.run()
	committed := a.log.committed
	if !a.conf.Equal(mem(1, 2, 3)) || a.confIndex > committed {
		t.Fatalf("leader: %s at %d, commit %d", a.conf, a.confIndex, committed)
	}
	// 4 and 5 stop; fresh nodes with their ids join, not reached by the
	// leader yet (a slow start, a partition, or a learner still waiting for
	// its first append).
	delete(net.nodes, 4)
	delete(net.nodes, 5)
	for _, id := range []uint64{4, 5} {
		join(t, net, id)
		net.cut[[2]uint64{1, id}], net.cut[[2]uint64{2, id}] = true, true
		proposeConf(t, a, ConfAddLearner, id) // committed by 1,2
		net.run()
	}
	if a.log.committed <= committed {
		t.Fatalf("the additions did not commit (commit %d)", a.log.committed)
	}
	// 3 reaches the fresh nodes only; its log knows voters 1..5.
	net.cut[[2]uint64{3, 4}], net.cut[[2]uint64{4, 3}] = false, false
	net.cut[[2]uint64{3, 5}], net.cut[[2]uint64{5, 3}] = false, false
	if !c.conf.Equal(mem(1, 2, 3, 4, 5)) {
		t.Fatalf("stale node's configuration %s", c.conf)
	}
	for range 10 * c.electionMax {
		net.tickRun(1, 3, 4, 5)
		if c.role == RoleLeader {
			t.Fatalf("stale node 3 (log %d@%d, commit of the cluster %d) elected at term %d by the fresh nodes 4 and 5; it commits %d over the cluster's entries",
				c.log.lastIndex(), c.log.lastTerm(), a.log.committed, c.term, c.log.committed)
		}
	}
}

// A learner is promoted only once it has acknowledged the configuration
// that made it a member, even when it is within PromoteMaxLag: promoted
// with an empty log, it would be a voter that votes for no one
// (mayVote) until a leader reaches it, and a cluster needing its vote
// would wait for ever (simulation seed 294, once joined nodes refused
// votes: the learner, down, was promoted 36 entries behind).
func TestPromoteWaitsForTheLearnersConfiguration(t *testing.T) {
	net, rs := newCluster(t, 3)
	a := rs[0]
	l := join(t, net, 4)
	net.isolate(4)
	add := proposeConf(t, a, ConfAddLearner, 4)
	net.run()
	if a.log.committed < add || a.log.lastIndex()-a.prs[4].match > uint64(a.promoteLag) {
		t.Fatalf("setup: commit %d (add at %d), learner at %d of %d", a.log.committed, add, a.prs[4].match, a.log.lastIndex())
	}
	_, _, err := a.ProposeConfChange(ConfChange{Op: ConfPromote, Node: 4})
	if !errors.Is(err, ErrLearnerBehind) || !strings.Contains(err.Error(), "has not acknowledged the configuration that made it a member") {
		t.Fatalf("promoting a learner that holds nothing: %v", err)
	}
	// The joined node refuses to vote meanwhile: no configuration it holds
	// names it.
	step(t, l, Message{Type: MsgVote, From: 2, To: 4, Term: a.term})
	if rd := l.Ready(); len(rd.Messages) != 1 || !rd.Messages[0].Reject || rd.Messages[0].Why != WhyNotMember {
		t.Fatalf("joined node's answer to a vote request: %v", rd.Messages)
	} else {
		l.Advance(rd)
	}
	clear(net.cut)
	net.tickRun(2)
	if a.role != RoleLeader {
		t.Fatalf("node 1 is %s after the healing", a.role)
	}
	if !l.conf.IsLearner(4) || !l.mayVote() {
		t.Fatalf("caught-up learner knows %s, may vote %v", l.conf, l.mayVote())
	}
	proposeConf(t, a, ConfPromote, 4)
}
