package raft

import (
	"strings"
	"testing"
)

// This file shows that the simulation catches the core's own safety rules
// broken, one at a time (the membership rules are simmember_test.go's):
//
//   - Figure 8 (§5.4.2): a leader commits an entry of an earlier term by
//     counting its replicas;
//   - a vote granted before it is durable (Figure 2: persistent state is
//     updated before answering), so a restart can vote again in the term;
//   - a follower installs a snapshot at or below its commit index (a stale
//     copy, overtaken by appends) and rolls its committed state back;
//   - a fresh node added under a used id takes the configuration entries
//     of the earlier node of its id for its own (Config.JoinedAfter
//     ignored), votes and campaigns on them while it catches up, and a
//     node that missed the removal is elected.
//
// A fourth rule is left out because no run can break it: a follower
// committing past the last new entry of an append (Figure 2,
// AppendEntries rule 5, min(leaderCommit, index of last new entry)). It
// guards against a stale tail beyond the entries the append carries, but
// this leader never sends such an append: it starts every follower at its
// last index + 1, where its own no-op differs from any stale entry; the
// consistency check refuses any append whose previous entry is beyond
// the point where the logs part; a refusal's hint and the match an answer
// reports never take the leader below that point; and the first of the
// leader's entries to arrive there truncates the stale tail, for good
// (the follower persists it before it acknowledges). What a follower holds
// past an append's last entry is the leader's own, so with the cap
// switched off (coreBugs.uncappedCommit) a follower commits more, but only
// entries already committed: thousands of seeds change commit indexes and
// find nothing. TestFollowerAppend guards it. Its twin on the leader's
// side, heartbeats carrying min(match, commit), does the work, and the
// simulation catches it broken within a few seeds.

// coreBugs switches off rules of the core, one field each (the Raft
// fields unsafeCommitOldTerm...), to show that the simulation catches
// what each allows.
type coreBugs struct {
	commitOldTerm  bool // Figure 8: a leader commits an earlier term's entry by counting replicas
	uncappedCommit bool // a follower commits beyond the last new entry of an append
	forgetVote     bool // the vote is not persisted before the grant leaves
	staleSnapshot  bool // a follower installs a snapshot at or below its commit index
	foreignConf    bool // a node added again takes its id's earlier configuration entries for its own
}

func (b coreBugs) inject(r *Raft) {
	r.unsafeCommitOldTerm = b.commitOldTerm
	r.unsafeUncappedCommit = b.uncappedCommit
	r.unsafeForgetVote = b.forgetVote
	r.unsafeStaleSnapshot = b.staleSnapshot
	r.unsafeForeignConf = b.foreignConf
}

// tune sets the chaos where each bug shows soonest, among the values the
// simulation draws for its seeds (as membership bugs get the most
// membership requests): for Figure 8, new leaders often cut off, and no
// membership changes (commit safety is checked only without them); for
// stale snapshots, frequent compaction and slow messages; for foreign
// configurations, frequent membership requests, every add of a used id a
// fresh node, and one entry per append (a long catch-up). All of them run
// without batching and node-loop writes, the chaos each seed had when
// these budgets were set (the checks do not depend on the node loop).
func (b coreBugs) tune(s *sim) {
	if b != (coreBugs{}) {
		s.batch, s.loop = false, false
	}
	if b.commitOldTerm {
		s.cutNewP, s.confP = 0.5, 0
	}
	if b.staleSnapshot {
		s.compactP, s.slowP = 0.1, 0.05
	}
	if b.foreignConf {
		s.confP, s.freshP = 0.1, 1
		s.maxEntries, s.maxInflight = 1, 1
	}
}

// newSimControl is the simulation of seed with the chaos tuned for bugs
// but every rule of the core in force: the control of a bug's test.
func newSimControl(seed uint64, bugs coreBugs) *sim {
	s := newSimUnsafe(seed, false, simUnsafe{coreBugs: bugs})
	s.unsafe = simUnsafe{}
	for _, nd := range s.nodes {
		if nd.r != nil {
			coreBugs{}.inject(nd.r)
		}
	}
	return s
}

// TestSimulationCatchesCoreBugs runs seeds with one rule of the core
// broken until the simulation reports a safety violation, then the same
// seeds, with the same chaos, with the rule kept: they must find nothing.
func TestSimulationCatchesCoreBugs(t *testing.T) {
	for _, tt := range []struct {
		name   string
		unsafe simUnsafe
		seeds  int
		want   string // in the violation
	}{
		{"figure 8", simUnsafe{coreBugs: coreBugs{commitOldTerm: true}}, 200, "commit safety"},
		{"figure 8, classic invariants", simUnsafe{coreBugs: coreBugs{commitOldTerm: true}, classicOnly: true}, 1000, ""},
		{"forgotten vote", simUnsafe{coreBugs: coreBugs{forgetVote: true}}, 10, "vote durability"},
		{"forgotten vote, classic invariants", simUnsafe{coreBugs: coreBugs{forgetVote: true}, classicOnly: true}, 2000, ""},
		{"stale snapshot", simUnsafe{coreBugs: coreBugs{staleSnapshot: true}}, 500, ""},
		{"foreign configuration", simUnsafe{coreBugs: coreBugs{foreignConf: true}}, 1000, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			found := uint64(0)
			for seed := uint64(1); seed <= uint64(tt.seeds) && found == 0; seed++ {
				s := newSimUnsafe(seed, false, tt.unsafe)
				_ = s.run()
				if s.err == nil { // a liveness failure is no safety violation
					continue
				}
				if !strings.Contains(s.err.Error(), tt.want) {
					t.Fatalf("seed %d: %v, want a violation mentioning %q", seed, s.err, tt.want)
				}
				t.Logf("seed %d: %v", seed, s.err)
				found = seed
			}
			if found == 0 {
				t.Fatalf("no violation in %d seeds", tt.seeds)
			}
			for seed := uint64(1); seed <= found; seed++ {
				if err := newSimControl(seed, tt.unsafe.coreBugs).run(); err != nil {
					t.Fatalf("seed %d with the rule kept: %v", seed, err)
				}
			}
		})
	}
}
