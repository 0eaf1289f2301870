package raft

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// This file adds membership changes and leadership transfers to the
// simulation (sim_test.go). Nodes 1..nInit bootstrap as voters; simSpares
// more start empty (no Peers) and join when a leader adds them. In the
// chaos the leader is asked, now and then, to add a learner, promote one,
// remove a member (itself included) or hand over leadership; refusals are
// fine. Removed nodes keep running (the disruptive servers of thesis
// §4.2.3) until they crash, are stopped, or are added again: with their
// state, or (freshAdd, on two seeds in three) as a fresh, empty node in
// their place, as the playground adds a used id.
//
// On top of the classic invariants it checks:
//
//   - Election Safety across configurations (the same check, over every
//     node that ever ran, joined ones included);
//   - every node's configuration in force is the newest configuration
//     entry in its log, or else its snapshot's (itself the committed log's
//     configuration at the snapshot index) or the bootstrap one: a
//     configuration used before it is in the log, or kept after the entry
//     is truncated, fails;
//   - in every log, two consecutive configurations never allow two
//     disjoint majorities, and no leader ever holds two configuration
//     entries beyond the committed log.

// simSpares is how many node ids beyond the bootstrap voters may join.
const simSpares = 2

// simUnsafe switches off safety rules, for tests showing that the
// simulation catches what they allow: membership rules here, rules of the
// core in simbugs_test.go.
type simUnsafe struct {
	manyPending bool // leaders propose a change while one is pending (Raft.unsafeManyPending)
	multi       bool // some changes add, promote or remove two nodes at once
	// classicOnly leaves out the checks aimed at the rules broken (the
	// membership checks, commit safety, vote durability): do the classic
	// invariants see the damage?
	classicOnly bool

	coreBugs
}

// any reports whether a membership rule is off (the membership chaos is
// then at its most frequent).
func (u simUnsafe) any() bool { return u.manyPending || u.multi }

// confStats counts what the membership chaos did, over one or more seeds.
type confStats struct {
	seeds, withChanges                   int
	requested, accepted                  [4]int // by kind: add learner, promote, remove, transfer
	committed                            int    // configuration entries committed
	joinedLeaders                        int    // terms led by a node that joined
	stopped, nonMember, finalDiffersBoot int
	fresh                                int // fresh nodes started in an id's place (freshAdd)
	unelectable                          int // seeds where no node was electable with every node up
}

var confKinds = [4]string{"add learner", "promote", "remove", "transfer"}

func (c *confStats) add(s *sim) {
	o := s.nconf
	c.seeds++
	if len(s.confIdx) > 0 {
		c.withChanges++
	}
	for k := range c.requested {
		c.requested[k] += o.requested[k]
		c.accepted[k] += o.accepted[k]
	}
	c.unelectable += o.unelectable
	c.committed += len(s.confIdx)
	for _, id := range s.leaders {
		if int(id) > s.nInit {
			c.joinedLeaders++
		}
	}
	c.stopped += o.stopped
	c.fresh += o.fresh
	c.nonMember += s.nnonMember
	if !s.truthConf(uint64(len(s.commit))).Equal(Membership{Voters: s.peers()}) {
		c.finalDiffersBoot++
	}
}

func (c confStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d seeds committed changes (%d entries; final configuration not the bootstrap one in %d);",
		c.withChanges, c.seeds, c.committed, c.finalDiffersBoot)
	for k, name := range confKinds {
		fmt.Fprintf(&b, " %s %d/%d", name, c.accepted[k], c.requested[k])
		if k < len(confKinds)-1 {
			b.WriteString(",")
		}
	}
	fmt.Fprintf(&b, " accepted/requested; %d terms led by joined nodes; %d non-members stopped; %d fresh nodes in a used id's place; %d answers from non-members refused; %d seeds with no node electable at healing",
		c.joinedLeaders, c.stopped, c.fresh, c.nonMember, c.unelectable)
	return b.String()
}

// exercised fails unless every kind of change and transfer happened.
func (c confStats) exercised(t *testing.T) {
	t.Helper()
	for k, name := range confKinds {
		if c.accepted[k] == 0 {
			t.Errorf("membership chaos never got a %s accepted", name)
		}
	}
	if c.joinedLeaders == 0 {
		t.Errorf("no node that joined ever led")
	}
}

// nonMemberAnswer reports whether err is a leader's refusal of an answer
// from a node outside its configuration: a removed node's late answer, or
// one that never learned it was removed.
func nonMemberAnswer(m Message, err error) bool {
	return errors.Is(err, ErrUnknownPeer) && (m.Type == MsgAppResp || m.Type == MsgHeartbeatResp)
}

// confChaos asks the leader for a random membership change or transfer.
func (s *sim) confChaos() {
	ld := s.leader()
	if ld == nil {
		return
	}
	r := ld.r
	conf := r.conf.Clone()
	pick := func(ids []uint64) uint64 {
		if len(ids) == 0 {
			return None
		}
		return ids[s.rng.IntN(len(ids))]
	}
	var nonMembers []uint64
	for _, nd := range s.nodes {
		if !conf.IsMember(nd.id) {
			nonMembers = append(nonMembers, nd.id)
		}
	}
	// Pick among the requests that can apply: transfers, additions,
	// promotions and removals, weighted 1:2:2:2.
	var kinds []int
	if len(conf.Voters) > 1 {
		kinds = append(kinds, 3)
	}
	for k, ok := range [3]bool{len(nonMembers) > 0, len(conf.Learners) > 0, true} {
		if ok {
			kinds = append(kinds, k, k)
		}
	}
	kind := kinds[s.rng.IntN(len(kinds))]
	var cc ConfChange
	switch kind {
	case 0:
		cc = ConfChange{ConfAddLearner, pick(nonMembers)}
	case 1:
		cc = ConfChange{ConfPromote, pick(conf.Learners)}
	case 2:
		cc = ConfChange{ConfRemove, pick(conf.Members())}
	}
	if kind == 3 {
		to := pick(slices.DeleteFunc(slices.Clone(conf.Voters), func(id uint64) bool { return id == ld.id }))
		if to == None {
			return
		}
		s.nconf.requested[3]++
		err := r.TransferLeadership(to)
		s.tracef("transfer leadership %d -> %d: %v", ld.id, to, err)
		if err == nil {
			s.nconf.accepted[3]++
		}
	} else {
		if cc.Node == None {
			return
		}
		s.nconf.requested[kind]++
		if s.unsafe.multi && s.rng.IntN(2) == 0 && s.multiChange(ld, cc, nonMembers) {
			return
		}
		if cc.Op == ConfAddLearner && r.CheckConfChange(cc) == nil {
			s.freshAdd(ld, s.nodes[cc.Node-1])
		}
		idx, term, err := r.ProposeConfChange(cc)
		s.tracef("propose on %d: %s %d: %d@%d %v", ld.id, cc.Op, cc.Node, idx, term, err)
		if err == nil {
			s.nconf.accepted[kind]++
		}
	}
	s.check(ld)
	s.handle(ld)
}

// multiChange appends, bypassing ProposeConfChange's rules, a
// configuration that makes cc and one more change at once. It reports
// whether it did.
func (s *sim) multiChange(ld *simNode, cc ConfChange, nonMembers []uint64) bool {
	r := ld.r
	if r.confIndex > r.log.committed || !r.committedInTerm() || r.transferee != None {
		return false // only the one rule broken
	}
	next, err := r.conf.apply(cc)
	if err != nil {
		return false
	}
	var more []ConfChange
	for _, id := range nonMembers {
		if id != cc.Node {
			more = append(more, ConfChange{ConfAddLearner, id})
		}
	}
	for _, id := range next.Learners {
		more = append(more, ConfChange{ConfPromote, id})
	}
	for _, id := range next.Members() {
		more = append(more, ConfChange{ConfRemove, id})
	}
	if len(more) == 0 {
		return false
	}
	second := more[s.rng.IntN(len(more))]
	if next, err = next.apply(second); err != nil {
		return false
	}
	r.appendEntries([]Entry{{Type: EntryConfig, Data: EncodeMembership(next)}})
	r.bcastAppend()
	s.tracef("unsafe: %d appends %s %d and %s %d at once: %s", ld.id, cc.Op, cc.Node, second.Op, second.Node, next)
	s.check(ld)
	s.handle(ld)
	return true
}

// freshAdd may start a fresh node in nd's place before ld adds it, as the
// playground does when an id is added again: nd's state is wiped, it
// starts at ld's term with no bootstrap configuration, told ld's commit
// index (Config.JoinedAfter), and nothing sent to or by the earlier node
// is delivered any more (the playground drops it: ReplacePeer). The log
// it receives may begin with the earlier node's addition and promotion.
func (s *sim) freshAdd(ld *simNode, nd *simNode) {
	if s.freshP == 0 || nd.hs.Term == 0 && len(nd.ents) == 0 && nd.snap.Meta.Index == 0 && len(nd.pending) == 0 {
		return // holds nothing: it is as fresh as it gets
	}
	if s.fRng.Float64() >= s.freshP {
		return
	}
	if nd.r != nil {
		s.crash(nd, "added again: a fresh node takes its place")
	}
	nd.pending = nil
	nd.hs = HardState{Term: ld.r.term}
	nd.snap, nd.ents = Snapshot{}, nil
	nd.paused, nd.stallEnd, nd.drain = false, 0, false
	nd.joined, nd.joinedAfter = true, ld.r.log.committed
	s.queue = slices.DeleteFunc(s.queue, func(q simMsg) bool { return q.m.From == nd.id || q.m.To == nd.id })
	s.tracef("fresh node %d at term %d, joined after %d", nd.id, nd.hs.Term, nd.joinedAfter)
	s.nconf.fresh++
	s.start(nd)
}

// stopNonMember crashes a running node that the leader's configuration
// does not include: a removed node being shut down.
func (s *sim) stopNonMember() {
	ld := s.leader()
	if ld == nil {
		return
	}
	var out []*simNode
	for _, nd := range s.live() {
		if !ld.r.conf.IsMember(nd.id) {
			out = append(out, nd)
		}
	}
	if len(out) > 0 {
		s.nconf.stopped++
		s.crash(out[s.rng.IntN(len(out))], "not a member, stopped")
	}
}

// finalConfs returns the configurations one of which the next leader will
// use: the committed log's, and every configuration entry a log holds
// beyond it.
func (s *sim) finalConfs() []Membership {
	committed := uint64(len(s.commit))
	confs := []Membership{s.truthConf(committed)}
	for _, nd := range s.live() {
		l := &nd.r.log
		for _, e := range l.slice(committed+1, l.lastIndex()+1) {
			if e.Type != EntryConfig {
				continue
			}
			m, err := DecodeMembership(e.Data)
			if err != nil {
				s.fail("node %d: configuration entry %s: %v", nd.id, DescribeEntry(e), err)
				continue
			}
			if !slices.ContainsFunc(confs, m.Equal) {
				confs = append(confs, m)
			}
		}
	}
	return confs
}

// stabilizeMembers leaves a few members down, only while every
// configuration that may be in force keeps a live majority, and deals
// with the nodes outside all of them.
func (s *sim) stabilizeMembers() {
	confs := s.finalConfs()
	member := func(id uint64) bool {
		return slices.ContainsFunc(confs, func(m Membership) bool { return m.IsMember(id) })
	}
	down := map[uint64]bool{}
	keepsMajorities := func() bool {
		for _, m := range confs {
			live := 0
			for _, id := range m.Voters {
				if !down[id] {
					live++
				}
			}
			if len(m.Voters) > 0 && live < m.quorum() {
				return false
			}
		}
		return true
	}
	if !s.electable(down) {
		s.nconf.unelectable++
		s.tracef("stabilize: no live node can win an election even with every node up")
	}
	tryDown := func(nd *simNode, why string) bool {
		down[nd.id] = true
		if !keepsMajorities() || !s.electable(down) {
			delete(down, nd.id)
			return false
		}
		s.crash(nd, why)
		// What it had in flight goes with it: electable judged the logs
		// as they are, and an append still on its way from a node kept
		// down could change them (seed 525621: a learner received the
		// entry that made it the only node the others would vote for).
		s.queue = slices.DeleteFunc(s.queue, func(q simMsg) bool { return q.m.From == nd.id })
		return true
	}
	// With neither PreVote nor CheckQuorum a node that a pending change
	// removes, and that does not know it, deposes every leader for good
	// (thesis §4.2.3, TestDisruptiveRemovedServer): the new leader has no
	// time to commit the change that would make the others ignore it. It
	// is stopped first, if the configurations can spare it. Otherwise it
	// may keep running and must not get in the way.
	disruptive := !s.preVote && !s.checkQ
	if disruptive {
		for _, i := range s.rng.Perm(len(s.nodes)) {
			nd := s.nodes[i]
			if nd.r != nil && member(nd.id) && !slices.ContainsFunc(confs, func(m Membership) bool { return !m.IsMember(nd.id) }) {
				continue // in every configuration
			}
			if nd.r != nil && member(nd.id) && tryDown(nd, "removed by a pending change, stopped") {
				s.nconf.stopped++
			}
		}
	}
	want, stays := s.rng.IntN(3), 0
	for _, i := range s.rng.Perm(len(s.nodes)) {
		nd := s.nodes[i]
		if stays == want {
			break
		}
		if nd.r != nil && member(nd.id) && tryDown(nd, "stays down") {
			stays++
		}
	}
	// Nodes outside every configuration: removed, or never added.
	for _, nd := range s.live() {
		if !member(nd.id) && (disruptive || s.rng.IntN(2) == 0) {
			s.nconf.stopped++
			s.crash(nd, "not a member, stopped")
		}
	}
	s.tracef("stabilize: healed, %d member(s) down, %d of them removed by a pending change; configurations that may win: %v",
		len(down), len(down)-stays, confs)
}

// electable reports whether, with the nodes in down stopped, some live
// node can win an election: one that campaigns (a voter in its own
// configuration, or one whose removal is pending) whose log is
// at least as up to date as every live voter's of that configuration, and
// they are a majority of it.
//
// A live majority of every configuration is not enough. Learners get the
// log from every leader and may hold entries no live voter has: when the
// voter with the longest log is down, a voter whose log holds an
// uncommitted promotion of such a learner needs its vote and cannot get it
// (its log is behind the learner's), while the voters that do not count
// the learner cannot outvote it (its log is ahead of theirs). The cluster
// waits for the voter that is down (seed 387 before this check).
//
// Appends and snapshots still on their way count too: one held for a
// paused or stalled node can change its log after this judgement (seed
// 19749: a learner, promoted by an uncommitted entry of its log, got at the
// healing the no-op of a leader that had lost it in a crash, which cut
// the promotion away and put its log ahead of every voter's). A voter's
// log is judged as up to date as the newest entry on its way to it, and a
// node that one on its way would truncate is no sure candidate.
func (s *sim) electable(down map[uint64]bool) bool {
	ends := make([][2]uint64, len(s.nodes)+1) // by node id: the most up to date log end (term, index) in flight
	for _, q := range s.queue {
		m := &q.m
		var end [2]uint64
		switch {
		case m.Type == MsgApp && len(m.Entries) > 0:
			e := m.Entries[len(m.Entries)-1]
			end = [2]uint64{e.Term, e.Index}
		case m.Type == MsgSnap:
			end = [2]uint64{m.Snapshot.Meta.Term, m.Snapshot.Meta.Index}
		default:
			continue
		}
		if cur := ends[m.To]; end[0] > cur[0] || end[0] == cur[0] && end[1] > cur[1] {
			ends[m.To] = end
		}
	}
	for _, x := range s.live() {
		if down[x.id] || !x.r.canCampaign() || s.mayTruncate(x) {
			continue
		}
		last, lastTerm := x.r.log.lastIndex(), x.r.log.lastTerm()
		grant := 0
		for _, id := range x.r.conf.Voters {
			nd := s.nodes[id-1]
			e := ends[id]
			if nd.r != nil && !down[id] && nd.r.log.isUpToDate(last, lastTerm) &&
				(id == x.id || lastTerm > e[0] || lastTerm == e[0] && last >= e[1]) {
				grant++
			}
		}
		if grant >= x.r.conf.quorum() {
			return true
		}
	}
	return false
}

// mayTruncate reports whether an append or a snapshot on its way to nd
// would replace entries of its log (and maybe the configuration it
// campaigns in).
func (s *sim) mayTruncate(nd *simNode) bool {
	l := &nd.r.log
	for _, q := range s.queue {
		m := &q.m
		if m.To != nd.id {
			continue
		}
		if m.Type == MsgSnap && !l.matchTerm(m.Snapshot.Meta.Index, m.Snapshot.Meta.Term) && m.Snapshot.Meta.Index > l.committed {
			return true
		}
		for _, e := range m.Entries {
			if e.Index > l.committed && e.Index <= l.lastIndex() && !l.matchTerm(e.Index, e.Term) {
				return true
			}
		}
	}
	return false
}

// truthConf is the configuration in force at index i of the committed log
// (i at most its length).
func (s *sim) truthConf(i uint64) Membership {
	k, _ := slices.BinarySearch(s.confIdx, i+1)
	if k == 0 {
		return Membership{Voters: s.peers()}
	}
	m, err := DecodeMembership(s.commit[s.confIdx[k-1]-1].Data)
	if err != nil {
		s.fail("committed configuration entry %d: %v", s.confIdx[k-1], err)
	}
	return m
}

// confCache is what checkConf worked out for a node's log, identified by
// its last index and term (Log Matching, checked separately, makes them
// name one log) and its snapshot.
type confCache struct {
	known bool
	key   [4]uint64
	want  Membership
	at    uint64
}

// checkConf checks that nd's configuration in force is the newest
// configuration entry in its log or, with none, its snapshot's (the
// committed log's at that index) or its bootstrap configuration.
func (s *sim) checkConf(nd *simNode) {
	if s.unsafe.classicOnly || s.err != nil {
		return
	}
	r := nd.r
	l := &r.log
	emptySnap := uint64(0)
	if r.snapConf.IsEmpty() {
		emptySnap = 1
	}
	key := [4]uint64{l.lastIndex(), l.lastTerm(), l.snapIndex, emptySnap}
	c := &nd.conf
	if !c.known || c.key != key {
		*c = confCache{known: true, key: key}
		found := false
		for k := l.n - 1; k >= 0 && !found; k-- {
			if e := l.at(k); e.Type == EntryConfig {
				m, err := DecodeMembership(e.Data)
				if err != nil {
					s.fail("node %d: configuration entry %s: %v", nd.id, DescribeEntry(*e), err)
					return
				}
				c.want, c.at, found = m, e.Index, true
			}
		}
		boot := Membership{}
		if int(nd.id) <= s.nInit && !nd.joined {
			boot = Membership{Voters: s.peers()}
		}
		switch {
		case l.snapIndex > 0 && !r.snapConf.IsEmpty() && !r.snapConf.Equal(s.truthConf(l.snapIndex)):
			s.fail("node %d: snapshot at %d has configuration %s, the committed log says %s",
				nd.id, l.snapIndex, r.snapConf, s.truthConf(l.snapIndex))
			return
		case l.snapIndex > 0 && r.snapConf.IsEmpty() && !s.truthConf(l.snapIndex).Equal(Membership{Voters: s.peers()}):
			// Only a node that never knew a configuration before the
			// snapshot index may leave it out, and then none had changed.
			s.fail("node %d: snapshot at %d has no configuration, the committed log says %s",
				nd.id, l.snapIndex, s.truthConf(l.snapIndex))
			return
		case found:
		case !r.snapConf.IsEmpty():
			c.want = r.snapConf.Clone()
		default:
			c.want = boot
		}
	}
	switch {
	case !r.conf.Equal(c.want):
		s.fail("node %d: configuration in force %s (entry %d), but its log says %s (entry %d)",
			nd.id, r.conf, r.confIndex, c.want, c.at)
	case c.at > 0 && r.confIndex != c.at, c.at == 0 && r.confIndex > l.snapIndex:
		s.fail("node %d: configuration %s said set by entry %d, but its log says %d", nd.id, r.conf, r.confIndex, c.at)
	}
}

// logConfBefore is the configuration in force in nd's log just before
// index i (at least its snapshot index + 1).
func (s *sim) logConfBefore(nd *simNode, i uint64) Membership {
	r := nd.r
	for _, e := range slices.Backward(r.log.slice(r.log.firstIndex(), i)) {
		if e.Type == EntryConfig {
			m, _ := DecodeMembership(e.Data)
			return m
		}
	}
	if r.log.snapIndex > 0 && !r.snapConf.IsEmpty() {
		return r.snapConf
	}
	// Every log starts from the bootstrap configuration, which a joining
	// node does not know.
	return s.truthConf(r.log.snapIndex)
}

// checkNewConfs checks the configuration entries that just entered nd's
// log against the configuration before each, and a leader's number of
// configuration entries beyond the committed log.
func (s *sim) checkNewConfs(nd *simNode, ents []Entry) {
	if s.unsafe.classicOnly || s.err != nil {
		return
	}
	for _, e := range ents {
		if e.Type != EntryConfig {
			continue
		}
		cur, err := DecodeMembership(e.Data)
		if err != nil {
			s.fail("node %d: configuration entry %s: %v", nd.id, DescribeEntry(e), err)
			return
		}
		if prev := s.logConfBefore(nd, e.Index); disjointMajorities(prev, cur) {
			s.fail("node %d's log changes the configuration from %s to %s at %s: they have disjoint majorities",
				nd.id, prev, cur, DescribeEntry(e))
			return
		}
	}
	r := nd.r
	if r.role != RoleLeader || len(ents) == 0 {
		return
	}
	var pending []uint64
	stop := max(uint64(len(s.commit)), r.log.snapIndex)
	for i := r.log.lastIndex(); i > stop; i-- {
		if r.log.at(int(i-r.log.snapIndex-1)).Type == EntryConfig {
			pending = append(pending, i)
		}
	}
	if len(pending) > 1 {
		s.fail("leader %d at term %d holds %d configuration entries beyond the committed log (%d): at %v",
			nd.id, r.term, len(pending), len(s.commit), pending)
	}
}

// disjointMajorities reports whether a majority of a's voters and a
// majority of b's can have no voter in common: whether a quorum of a and
// a quorum of b fit in a∪b without sharing a node. Each takes the voters
// only it has first, then shares the common ones.
func disjointMajorities(a, b Membership) bool {
	if len(a.Voters) == 0 || len(b.Voters) == 0 {
		return false // no majority at all
	}
	common := 0
	for _, id := range a.Voters {
		if b.IsVoter(id) {
			common++
		}
	}
	needA := max(0, a.quorum()-(len(a.Voters)-common))
	needB := max(0, b.quorum()-(len(b.Voters)-common))
	return needA+needB <= common
}

func TestDisjointMajorities(t *testing.T) {
	for _, tt := range []struct {
		a, b Membership
		want bool
	}{
		{mem(1, 2, 3), mem(1, 2, 3), false},
		{mem(1, 2, 3), mem(1, 2, 3, 4), false},   // add one
		{mem(1, 2, 3), mem(1, 2), false},         // remove one
		{mem(1, 2, 3, 4), mem(1, 2, 3), false},   // remove one of four
		{mem(1, 2, 3), mem(1, 2, 3, 4, 5), true}, // add two: {1,2} and {3,4,5}
		{mem(1, 2, 3), mem(1, 2, 4), true},       // swap: {1,3} and {2,4}
		{mem(1, 2, 3, 4, 5), mem(1, 2, 3), true}, // remove two: {4,5,1} and {2,3}
		{mem(1, 2), mem(1, 2, 3, 0, 4), false},   // learners do not count
		{mem(1, 2), mem(3), true},                // replace all
		{mem(1), mem(1, 2), false},               // grow from one
		{mem(1, 2, 3, 4), mem(1, 2, 3, 4, 5), false},
		{mem(1, 2, 3, 4), mem(1, 2, 3, 4, 5, 6), false}, // 3 + 4 > 6
		{Membership{}, mem(1), false},
	} {
		if got := disjointMajorities(tt.a, tt.b); got != tt.want {
			t.Errorf("disjointMajorities(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := disjointMajorities(tt.b, tt.a); got != tt.want {
			t.Errorf("disjointMajorities(%s, %s) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

// The simulation catches the membership rules being broken: a leader with
// several changes pending, or changes of two nodes at once. With the
// membership checks left out, the classic invariants (Election Safety,
// Leader Completeness, State Machine Safety...) still see the damage,
// which takes more seeds.
func TestSimulationCatchesUnsafeChanges(t *testing.T) {
	for _, tt := range []struct {
		name   string
		unsafe simUnsafe
		seeds  int
		want   string // in the violation
	}{
		{"many pending", simUnsafe{manyPending: true}, 100, "configuration entries beyond the committed log"},
		{"two at once", simUnsafe{multi: true}, 100, "disjoint majorities"},
		{"many pending, classic invariants", simUnsafe{manyPending: true, classicOnly: true}, 3000, ""},
		{"two at once, classic invariants", simUnsafe{multi: true, classicOnly: true}, 3000, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= uint64(tt.seeds); seed++ {
				s := newSimUnsafe(seed, false, tt.unsafe)
				_ = s.run()
				if s.err == nil { // a liveness failure is no safety violation
					continue
				}
				if !strings.Contains(s.err.Error(), tt.want) {
					t.Fatalf("seed %d: %v, want a violation mentioning %q", seed, s.err, tt.want)
				}
				t.Logf("seed %d: %v", seed, s.err)
				return
			}
			t.Fatalf("no violation in %d seeds", tt.seeds)
		})
	}
}
