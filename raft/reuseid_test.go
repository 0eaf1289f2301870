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

// The same attack when the removed ids had joined through the log (added
// as learners, then promoted) rather than bootstrapped: the log a fresh
// node of such an id receives from the leader begins with the earlier
// node's addition and promotion. Part way through catching up (appends
// come a few entries at a time, and a node may restart in between), its
// log names it a voter, as the stale node's does, and holds nothing the
// stale node lacks: the earlier node's configuration must not let the new
// one vote, or campaign. The stale node and the two fresh ones are a
// majority of voters 1..5, and elected one of them, its log missing the
// two removals and the additions the leader committed.
func TestFreshNodeDoesNotVoteOnItsIDsEarlierConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []func(*Config)
	}{
		{"plain", nil},
		{"prevote and checkquorum", []func(*Config){preVoteOn, checkQuorumOn}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			small := func(c *Config) { c.MaxEntriesPerMsg, c.MaxInflight = 1, 1 }
			opts := append([]func(*Config){small}, tc.opts...)
			net, rs := newCluster(t, 3, opts...)
			a, c := rs[0], rs[2]
			for _, id := range []uint64{4, 5} {
				join(t, net, id, opts...)
				proposeConf(t, a, ConfAddLearner, id)
				net.run()
				proposeConf(t, a, ConfPromote, id)
				net.run()
			}
			voters := a.log.lastIndex() // the promotion of 5: voters 1..5
			if !c.conf.Equal(mem(1, 2, 3, 4, 5)) || c.log.lastIndex() != voters {
				t.Fatalf("setup: node 3 holds %s, log to %d (want %d)", c.conf, c.log.lastIndex(), voters)
			}
			net.isolate(3)                   // 3 misses everything from here on
			proposeConf(t, a, ConfRemove, 5) // voters 1,2,3,4: committed by 1,2,4
			net.run()
			proposeConf(t, a, ConfRemove, 4) // voters 1,2,3: committed by 1,2
			net.run()
			delete(net.nodes, 4)
			delete(net.nodes, 5)
			// Fresh nodes of ids 4 and 5 join at the leader's term, told
			// the leader's commit index (as the cluster starts them), and
			// catch up entry by entry; every append beyond the earlier node
			// 5's promotion is lost.
			net.drop = func(m Message) bool {
				return (m.To == 4 || m.To == 5) && m.Type == MsgApp && len(m.Entries) > 0 && m.Entries[len(m.Entries)-1].Index > voters
			}
			fresh := map[uint64]*Raft{}
			for _, id := range []uint64{4, 5} {
				joined := func(cfg *Config) { cfg.HardState.Term, cfg.JoinedAfter = a.term, a.log.committed }
				fresh[id] = join(t, net, id, append(opts, joined)...)
				proposeConf(t, a, ConfAddLearner, id) // committed by 1,2
				net.run()
			}
			committed := a.log.committed
			for id, f := range fresh {
				if f.log.lastIndex() != voters {
					t.Fatalf("setup: fresh node %d holds %d entries, want %d", id, f.log.lastIndex(), voters)
				}
				if tc.opts != nil {
					// A restart part way through: it no longer knows the leader.
					f = newTestRaft(t, id, nil, append(opts, func(cfg *Config) {
						cfg.HardState = HardState{Term: f.term, Vote: f.vote, Commit: f.log.committed}
						cfg.JoinedAfter = f.joinedAfter
						cfg.Entries = f.Entries(1, f.log.lastIndex()+1)
					})...)
					fresh[id], net.nodes[id] = f, f
				}
			}
			// 3 and the fresh nodes reach one another, not the leader.
			net.drop = nil
			for _, id := range []uint64{3, 4, 5} {
				for _, o := range []uint64{1, 2} {
					net.cut[[2]uint64{id, o}], net.cut[[2]uint64{o, id}] = true, true
				}
			}
			for _, id := range []uint64{4, 5} {
				net.cut[[2]uint64{3, id}], net.cut[[2]uint64{id, 3}] = false, false
			}
			for range 10 * c.electionMax {
				net.tickRun(1, 3, 4, 5)
				for _, id := range []uint64{3, 4, 5} {
					if r := net.nodes[id]; r.role == RoleLeader {
						t.Fatalf("node %d (log %d@%d) elected at term %d by 3 and the fresh nodes 4 and 5, its log missing entries the cluster committed (to %d; the removals at %d and %d)",
							id, r.log.lastIndex(), r.log.lastTerm(), r.term, committed, voters+1, voters+2)
					}
				}
			}
			// Healed, the fresh nodes catch up, and then vote.
			clear(net.cut)
			net.waitFor(10*c.electionMax, "fresh nodes caught up and voting", func() bool {
				l := net.nodes[1]
				for _, id := range []uint64{2, 3} {
					if net.nodes[id].role == RoleLeader {
						l = net.nodes[id]
					}
				}
				return l.role == RoleLeader && net.nodes[4].mayVote() && net.nodes[5].mayVote() &&
					net.nodes[4].log.lastIndex() == l.log.lastIndex() && net.nodes[5].log.lastIndex() == l.log.lastIndex()
			})
		})
	}
}
