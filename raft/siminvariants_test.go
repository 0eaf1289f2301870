package raft

import (
	"bytes"
	"fmt"
)

// This file holds the simulation's safety checks: Election Safety and the
// one vote per term it rests on (durable before the grant leaves), Log
// Matching, Leader Completeness and the commit safety it rests on, State
// Machine Safety, monotonic commit indexes and linearizable read points.
// The membership checks are in simmember_test.go.

// fact is what every log holding entry (index, term) must agree on. With
// prevTerm included, agreement on every (index, term) implies the Log
// Matching property by induction over the index.
type fact struct {
	prevTerm uint64
	typ      EntryType
	data     []byte
}

// checkEntries checks Log Matching on entries entering a node's log.
func (s *sim) checkEntries(nd *simNode, ents []Entry) {
	for k, e := range ents {
		var prev uint64
		if k > 0 {
			prev = ents[k-1].Term
		} else {
			prev, _ = nd.r.Term(e.Index - 1)
		}
		key := [2]uint64{e.Index, e.Term}
		f, ok := s.facts[key]
		if !ok {
			s.facts[key] = fact{prevTerm: prev, typ: e.Type, data: e.Data}
			continue
		}
		if f.prevTerm != prev || f.typ != e.Type || !bytes.Equal(f.data, e.Data) {
			s.fail("log matching: node %d holds %s after term %d; another log has it after term %d with other data",
				nd.id, DescribeEntry(e), prev, f.prevTerm)
		}
	}
	for k := range ents {
		if ents[k].Type == EntryConfig {
			s.confSeen = true
		}
	}
	s.checkNewConfs(nd, ents)
}

func (s *sim) apply(nd *simNode, e Entry) {
	if e.Index != nd.applied+1 {
		s.fail("node %d applies %d after %d", nd.id, e.Index, nd.applied)
		return
	}
	if e.Index > uint64(len(s.commit)) {
		s.fail("node %d applies %d, never seen committed", nd.id, e.Index)
		return
	}
	c := s.commit[e.Index-1]
	if c.Term != e.Term || c.Type != e.Type || !bytes.Equal(c.Data, e.Data) {
		s.fail("state machine safety: node %d applies %s, committed was %s", nd.id, DescribeEntry(e), DescribeEntry(c))
		return
	}
	nd.applied = e.Index
	nd.hash = mixEntry(nd.hash, e)
}

// check verifies Election Safety, Leader Completeness and monotonic commit
// for one node after it changed.
func (s *sim) check(nd *simNode) {
	r := nd.r
	if r == nil || s.err != nil {
		return
	}
	if r.role == RoleLeader {
		if other, ok := s.leaders[r.term]; ok && other != nd.id {
			s.fail("election safety: %d and %d both leaders at term %d", other, nd.id, r.term)
			return
		}
		s.leaders[r.term] = nd.id
		if nd.leaderTerm != r.term {
			nd.leaderTerm = r.term
			s.cutNewLeader(nd)
			for i := range s.commit {
				if s.commitAt[i] < r.term {
					s.checkHolds(nd, uint64(i+1))
				}
			}
		}
	}
	c := r.log.committed
	if c < nd.seenCommit {
		s.fail("node %d commit went back from %d to %d", nd.id, nd.seenCommit, c)
		return
	}
	for i := nd.seenCommit + 1; i <= c && s.err == nil; i++ {
		if i <= r.log.snapIndex {
			// Covered by a snapshot just installed: restoreSM checks it
			// against the committed log, which must already hold i.
			if i > uint64(len(s.commit)) {
				s.fail("node %d committed %d through a snapshot, never seen committed", nd.id, i)
			}
			continue
		}
		ents := r.log.slice(i, i+1)
		if len(ents) != 1 {
			s.fail("node %d committed %d but does not hold it", nd.id, i)
			return
		}
		e := ents[0]
		switch {
		case i <= uint64(len(s.commit)):
			if g := s.commit[i-1]; g.Term != e.Term {
				s.fail("node %d committed %s, but %s was committed before", nd.id, DescribeEntry(e), DescribeEntry(g))
			}
		default:
			s.commit = append(s.commit, e)
			if e.Type == EntryConfig {
				s.confIdx = append(s.confIdx, i)
			}
			s.commitAt = append(s.commitAt, r.term)
			s.chain = append(s.chain, mixEntry(s.chain[len(s.chain)-1], e))
			for _, ld := range s.nodes {
				if ld.r != nil && ld.r.role == RoleLeader && ld.r.term > r.term {
					s.checkHolds(ld, i)
				}
			}
		}
	}
	nd.seenCommit = c
	s.checkConf(nd)
	s.checkCommitSafe()
}

// checkPromise checks, as a message leaves nd, that what it promises is
// durable in nd's storage (a crash keeps only that):
//
//   - a vote grant, that storage holds the vote or a later term, so a
//     restart cannot vote again in that term (Figure 2: "persistent state...
//     updated on stable storage before responding to RPCs"); and Election
//     Safety's premise, across restarts: no node grants two candidates its
//     vote in one term;
//   - an append acknowledgement (MsgAppResp not rejected, also the answer
//     to a snapshot) of index i to the leader of term t, that storage holds
//     the entry that leader has at i (by Log Matching, its whole log up to
//     i): the leader counts it toward commit;
//   - a vote request of a candidate still running that election, that
//     storage holds the log it describes: a voter grants on that
//     description;
//   - a leader's append, heartbeat or snapshot, that storage holds the
//     leader's term: a leader that restarted without it could lead that
//     term again.
//
// MsgSnapResp is never sent (a snapshot is answered with MsgAppResp): any
// would fail here.
func (s *sim) checkPromise(nd *simNode, m Message) {
	if s.err != nil {
		return
	}
	switch m.Type {
	case MsgApp:
		s.sentLog[[2]uint64{m.Term, m.Index}] = m.LogTerm
		for i := range m.Entries {
			s.sentLog[[2]uint64{m.Term, m.Entries[i].Index}] = m.Entries[i].Term
		}
		s.checkLeaderTerm(nd, m)
	case MsgHeartbeat:
		s.checkLeaderTerm(nd, m)
	case MsgSnap:
		s.sentLog[[2]uint64{m.Term, m.Snapshot.Meta.Index}] = m.Snapshot.Meta.Term
		s.checkLeaderTerm(nd, m)
	case MsgAppResp:
		if !m.Reject {
			s.checkAck(nd, m)
		}
	case MsgSnapResp:
		s.fail("ack durability: node %d sends %s, which this core never sends", nd.id, DescribeMessage(m))
	case MsgVote:
		// Only while it runs that election: a candidate that stepped down
		// (a leader of its term appeared) before the request left may
		// have had its log replaced since, but never counts the grants.
		if nd.r.role != RoleCandidate || nd.r.term != m.Term {
			break
		}
		if t, ok := s.durableTerm(nd, m.Index); !s.unsafe.classicOnly && (!ok || t != m.LogTerm) {
			s.fail("vote request durability: node %d asks for votes at term %d with a log ending %d@%d, but its storage holds %s",
				nd.id, m.Term, m.Index, m.LogTerm, s.describeStorage(nd))
		}
	case MsgVoteResp:
		if !m.Reject {
			s.checkGrant(nd, m)
		}
	}
}

func (s *sim) checkGrant(nd *simNode, m Message) {
	if hs := nd.hs; !s.unsafe.classicOnly && (hs.Term < m.Term || hs.Term == m.Term && hs.Vote != m.To) {
		s.fail("vote durability: node %d grants its vote to %d at term %d, but its storage holds term %d vote %d",
			nd.id, m.To, m.Term, hs.Term, hs.Vote)
		return
	}
	key := [2]uint64{nd.id, m.Term}
	if other, ok := s.votes[key]; ok && other != m.To && !s.unsafe.classicOnly {
		s.fail("vote safety: node %d granted its vote at term %d to %d, and now to %d", nd.id, m.Term, other, m.To)
		return
	}
	s.votes[key] = m.To
}

// checkAck checks that nd's storage holds what acknowledgement m promises
// the leader of m.Term: the entry that leader has at m.Index.
func (s *sim) checkAck(nd *simNode, m Message) {
	if s.unsafe.classicOnly {
		return
	}
	want, ok := s.sentLog[[2]uint64{m.Term, m.Index}]
	switch {
	case ok:
	case m.Index == 0:
	case m.Index <= uint64(len(s.commit)):
		// The commit index, or a snapshot's: the leader of m.Term holds
		// every committed entry (Leader Completeness, checked apart).
		want = s.commit[m.Index-1].Term
	default:
		s.fail("ack durability: node %d acknowledges %d to %d at term %d, an index that leader never sent and nobody committed",
			nd.id, m.Index, m.To, m.Term)
		return
	}
	if t, held := s.durableTerm(nd, m.Index); !held || t != want {
		have := "no entry there"
		if held {
			have = fmt.Sprintf("term %d there", t)
		}
		s.fail("ack durability: node %d acknowledges %d@%d to leader %d of term %d, but its storage holds %s (%s): a crash now loses what the leader counts toward commit",
			nd.id, m.Index, want, m.To, m.Term, have, s.describeStorage(nd))
	}
}

// checkLeaderTerm checks that a leader's message leaves with its term durable.
func (s *sim) checkLeaderTerm(nd *simNode, m Message) {
	if !s.unsafe.classicOnly && nd.hs.Term < m.Term {
		s.fail("term durability: leader %d sends %s, but its storage holds term %d", nd.id, DescribeMessage(m), nd.hs.Term)
	}
}

// durableTerm returns the term of entry i in nd's storage, and whether
// storage holds it (or covers it with its snapshot).
func (s *sim) durableTerm(nd *simNode, i uint64) (uint64, bool) {
	base := nd.snap.Meta.Index
	switch {
	case i == 0:
		return 0, true
	case i < base:
		// Covered by the snapshot, an image of the committed log.
		if i <= uint64(len(s.commit)) {
			return s.commit[i-1].Term, true
		}
		return 0, false
	case i == base:
		return nd.snap.Meta.Term, true
	case i-base <= uint64(len(nd.ents)):
		return nd.ents[i-base-1].Term, true
	}
	return 0, false
}

// describeStorage tells what nd's storage holds durably, and what it has
// pending.
func (s *sim) describeStorage(nd *simNode) string {
	last, term := nd.snap.Meta.Index, nd.snap.Meta.Term
	if n := len(nd.ents); n > 0 {
		last, term = nd.ents[n-1].Index, nd.ents[n-1].Term
	}
	return fmt.Sprintf("snapshot %d@%d, log to %d@%d, term %d vote %d, %d writes pending",
		nd.snap.Meta.Index, nd.snap.Meta.Term, last, term, nd.hs.Term, nd.hs.Vote, len(nd.pending))
}

// simLogEnd is where a log ends, and whether it holds a given entry.
type simLogEnd struct {
	last, term uint64
	holds      bool
}

// checkCommitSafe checks the heart of the Leader Completeness proof
// (§5.4.3) at every step, not only when a leader is elected: the newest
// committed entry is held by a majority whose logs are more up to date
// than any log that lacks it, so no node lacking it can gather a majority
// of votes (§5.4.1), now or after a restart. A voter's log here is its
// durable one and, if it runs, the one in memory; each voter grants a
// candidate whose log is at least as up to date as either of its own.
//
// Figure 8 of the paper breaks it without an election: a leader that
// counts replicas of an entry of an earlier term commits it while a node
// holding another entry of a later term at that index could still be
// elected and overwrite it. Leader Completeness fails only if that node
// does win; this fails at the commit.
//
// It runs while no configuration change exists (the voters are then the
// bootstrap ones, 1..nInit).
func (s *sim) checkCommitSafe() {
	c := uint64(len(s.commit))
	if c == 0 || s.confSeen || s.unsafe.classicOnly || s.err != nil {
		return
	}
	tc := s.commit[c-1].Term
	var ends [2 * 7]simLogEnd // durable, memory of each voter; nInit <= 7
	for k, id := range s.peers() {
		nd := s.nodes[id-1]
		base := nd.snap.Meta.Index
		d := simLogEnd{last: base, term: nd.snap.Meta.Term, holds: c <= base}
		if n := len(nd.ents); n > 0 {
			d.last, d.term = nd.ents[n-1].Index, nd.ents[n-1].Term
			if c > base && c <= d.last {
				d.holds = nd.ents[c-base-1].Term == tc
			}
		}
		mem := d
		if nd.r != nil {
			l := &nd.r.log
			t, ok := l.term(c)
			mem = simLogEnd{last: l.lastIndex(), term: l.lastTerm(), holds: c <= l.snapIndex || ok && t == tc}
		}
		ends[2*k], ends[2*k+1] = d, mem
	}
	n := s.nInit
	upToDate := func(cand, voter simLogEnd) bool {
		return cand.term > voter.term || cand.term == voter.term && cand.last >= voter.last
	}
	for x := range n {
		for _, cand := range ends[2*x : 2*x+2] {
			if cand.holds {
				continue
			}
			grants := func(y int) bool { return y == x || upToDate(cand, ends[2*y]) || upToDate(cand, ends[2*y+1]) }
			count := 0
			for y := range n {
				if grants(y) {
					count++
				}
			}
			if count > n/2 {
				var grant []uint64
				for y := range n {
					if grants(y) {
						grant = append(grant, uint64(y+1))
					}
				}
				s.fail("commit safety: committed %s, but %d, whose log (ending %d@%d) lacks it, can win an election with the votes of %v",
					DescribeEntry(s.commit[c-1]), x+1, cand.last, cand.term, grant)
				return
			}
		}
	}
}

// checkHolds checks Leader Completeness: leader nd holds committed entry i.
func (s *sim) checkHolds(nd *simNode, i uint64) {
	want := s.commit[i-1]
	if i <= nd.r.log.snapIndex {
		return // compacted into a snapshot, checked when it was taken or installed
	}
	if t, ok := nd.r.Term(i); !ok || t != want.Term {
		s.fail("leader completeness: leader %d at term %d lacks committed %s (has term %d)",
			nd.id, nd.r.term, DescribeEntry(want), t)
	}
}

func (s *sim) checkRead(nd *simNode, rs ReadState) {
	want, ok := s.reads[string(rs.Context)]
	switch {
	case !ok:
		s.fail("node %d: read state for unknown read %q", nd.id, rs.Context)
	case rs.Index < want:
		s.fail("stale read: node %d read %q at index %d, but %d was committed before it began", nd.id, rs.Context, rs.Index, want)
	default:
		s.nserved++
		s.tracef("read %s served on %d at index %d", rs.Context, nd.id, rs.Index)
	}
}
