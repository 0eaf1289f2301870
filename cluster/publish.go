package cluster

import (
	"slices"
	"time"

	"raftplay/raft"
)

// A node publishes immutable NodeStatus values for readers outside its
// loop (the cluster's Status, the dashboard, waits and checks).
//
// One Status call is a consistent cut of the cluster: nodes store their
// statuses under the read side of a lock the cluster shares (nodeConfig.pub),
// and Status loads all of them under its write side, so it sees each node's
// newest status as of one instant. Together with the leader publishing its
// commit, applied and last index before it sends anything that carries them
// (handleReady), a follower is never seen ahead of its leader: whatever a
// follower learned from the leader, the leader had published first.

// storeStatus makes ns the status readers see.
func (n *node) storeStatus(ns *NodeStatus) {
	n.cfg.pub.RLock()
	n.status.Store(ns)
	n.light.Store(nil)
	n.cfg.pub.RUnlock()
}

// lightStatus is what publishLight refreshes between full publishes: the
// fields a Ready changes. Readers see it laid over the full status it was
// made for (loadStatus), so a Ready costs a small value, not a copy of the
// whole NodeStatus.
type lightStatus struct {
	base                                   *NodeStatus
	term, vote, commit, applied, lastIndex uint64
	lastTerm                               uint64 // the term of lastIndex: the two go together
	kvDigest                               uint64
	kvKeys                                 int
	membership                             raft.Membership
	confIndex                              uint64
	progress                               map[uint64]raft.Progress
	progressLast                           uint64 // lastIndex when progress was taken
	quorumIndex, quorumTerm                uint64
	updated                                time.Time
}

// over returns base with l's fields.
func (l *lightStatus) over(base *NodeStatus) *NodeStatus {
	ns := *base
	ns.Term, ns.Vote, ns.Commit, ns.Applied, ns.LastIndex, ns.LastTerm = l.term, l.vote, l.commit, l.applied, l.lastIndex, l.lastTerm
	ns.KVDigest, ns.KVKeys = l.kvDigest, l.kvKeys
	ns.Membership, ns.ConfIndex = l.membership, l.confIndex
	ns.Progress, ns.ProgressLast, ns.QuorumIndex, ns.QuorumTerm = l.progress, l.progressLast, l.quorumIndex, l.quorumTerm
	ns.Updated = l.updated
	return &ns
}

// loadStatus returns the node's newest status. Status reads every node
// under the cluster's lock instead, for one instant across them.
func (n *node) loadStatus() *NodeStatus {
	return mergeStatus(n.status.Load(), n.light.Load())
}

// roleTerm returns the node's published role and term without a copy.
func (n *node) roleTerm() (string, uint64) {
	base, l := n.status.Load(), n.light.Load()
	if l != nil && l.base == base {
		return base.Role, l.term
	}
	return base.Role, base.Term
}

// mergeStatus lays l over base when l was made for it.
func mergeStatus(base *NodeStatus, l *lightStatus) *NodeStatus {
	if l == nil || l.base != base {
		return base
	}
	return l.over(base)
}

// publishLight refreshes the fields a Ready can change (term, vote, commit,
// applied, last index, key-value digest, and a leader's progress). It
// runs after every Ready that changed them, so waits and checks never see a
// commit or apply older than one a client was told about; the costlier
// fields (log window, links, timers) are refreshed by publish.
func (n *node) publishLight(now time.Time) {
	if n.heldDirty { // rare (step mode): a full copy with the held messages
		ns := *n.loadStatus()
		ns.Held, ns.Discarded, ns.Frozen, n.heldDirty = n.heldInfos(), slices.Clone(n.discarded), n.frozen, false
		n.storeStatus(&ns)
		n.publishLight(now)
		return
	}
	base := n.status.Load()
	l := &lightStatus{base: base, term: n.hs.Term, vote: n.hs.Vote, commit: n.hs.Commit,
		applied: n.kv.Applied(), lastIndex: n.lastIndex, lastTerm: n.lastTerm, kvDigest: n.kv.Digest(), kvKeys: n.kv.Len(), updated: now}
	l.membership, l.confIndex = n.core.Membership()
	prev := lightStatus{term: base.Term, commit: base.Commit, progress: base.Progress, progressLast: base.ProgressLast, quorumIndex: base.QuorumIndex, quorumTerm: base.QuorumTerm}
	if pl := n.light.Load(); pl != nil && pl.base == base {
		prev = *pl
	}
	// A leader's commit follows its followers' progress: refresh it with
	// the commit, so no status shows a commit that the progress beside it
	// does not support (nil on any other node). Between commits publish
	// refreshes it; a map per Ready is what a write would otherwise pay.
	if l.commit != prev.commit || l.term != prev.term || (prev.progress == nil) != (n.role != raft.RoleLeader) {
		l.progress, l.quorumIndex, l.quorumTerm = n.core.LeaderProgress()
		l.progressLast = l.lastIndex // this Ready's appends are sent: Ready built them
	} else {
		l.progress, l.progressLast, l.quorumIndex, l.quorumTerm = prev.progress, prev.progressLast, prev.quorumIndex, prev.quorumTerm
	}
	n.cfg.pub.RLock()
	n.light.Store(l)
	n.cfg.pub.RUnlock()
}

// publish stores a fresh immutable status for readers outside the loop.
func (n *node) publish(now time.Time) {
	n.lastPublish = now
	st := n.core.Status()
	_, _, hb := n.cfg.timing.Ticks(n.tick)
	n.wb.pace.Store(followersAreMajority(st, n.cfg.id, 2*hb))
	n.lastIndex, n.lastTerm = st.LastIndex, st.LastTerm
	ns := &NodeStatus{
		ID:              n.cfg.id,
		State:           StateUp,
		Role:            st.Role.String(),
		Term:            st.Term,
		Vote:            st.Vote,
		Leader:          st.Leader,
		Commit:          st.Commit,
		Applied:         n.kv.Applied(),
		FirstIndex:      st.FirstIndex,
		LastIndex:       st.LastIndex,
		SnapshotIndex:   st.SnapshotIndex,
		SnapshotTerm:    st.SnapshotTerm,
		ElectionTimeout: time.Duration(st.ElectionTimeout) * n.tick,
		ElectionElapsed: time.Duration(st.ElectionElapsed) * n.tick,
		LastHeartbeat:   n.lastHeartbeat,
		Progress:        st.Progress,
		ProgressLast:    st.LastIndex,
		Membership:      st.Membership,
		ConfIndex:       st.ConfIndex,
		Transferee:      st.Transferee,
		KVDigest:        n.kv.Digest(),
		KVKeys:          n.kv.Len(),
		RaftAddr:        n.tr.Addr(),
		HTTPAddr:        n.hl.Addr().String(),
		Links:           n.tr.Stats(),
		Updated:         now,
		Frozen:          n.frozen,
		Held:            n.heldInfos(),
		Discarded:       slices.Clone(n.discarded),
		LastTerm:        st.LastTerm,
		ElectionMin:     time.Duration(st.ElectionMin) * n.tick,
		SinceLeader:     time.Duration(st.TicksSinceLeader) * n.tick,
		QuorumIndex:     st.QuorumIndex,
		QuorumTerm:      st.QuorumTerm,
		Tally:           st.Tally,
		LastVote:        st.LastVote,
		Tick:            n.tick,
		PreVote:         st.PreVote,
		CheckQuorum:     st.CheckQuorum,
	}
	n.heldDirty = false
	if n.paused.Load() {
		ns.State = StatePaused
	}
	// The log window only changes with the log: reuse the last one when the
	// first and last index are the same, so an idle node publishes cheaply.
	// (The window is not among publishLight's fields: the last full
	// status has it, no merge needed.)
	if prev := n.status.Load(); prev != nil && n.logTermsAt == st.LastIndex && prev.FirstIndex == st.FirstIndex &&
		len(prev.LogTerms) > 0 && prev.LogTerms[len(prev.LogTerms)-1] == n.termOf(st.LastIndex) {
		ns.LogStart, ns.LogTerms, ns.Recent = prev.LogStart, prev.LogTerms, prev.Recent
	} else {
		n.fillLogWindow(ns, st, prev)
	}
	n.storeStatus(ns)
}

// fillLogWindow describes the newest entries for the dashboard's lanes and
// detail view. When the log only grew since prev's window, the new window
// extends prev's: it shares prev's arrays and appends past their ends,
// where no published status looks (every earlier window ends at or before
// prev's end), so a node under load does not rebuild 512 terms and
// describe 24 entries at every publish.
func (n *node) fillLogWindow(ns *NodeStatus, st raft.Status, prev *NodeStatus) {
	n.logTermsAt = st.LastIndex
	if st.LastIndex < st.FirstIndex {
		return
	}
	lo := max(st.FirstIndex, st.LastIndex+1-min(st.LastIndex, LogWindow))
	ns.LogStart = lo
	ns.LogTerms = nil
	if prev != nil && len(prev.LogTerms) > 0 {
		end := prev.LogStart + uint64(len(prev.LogTerms)) // one past prev's window
		// Same term at prev's last index: the log up to there is the same
		// (Log Matching), so prev's window is still right.
		if prev.LogStart <= lo && lo <= end && end-1 <= st.LastIndex && n.termOf(end-1) == prev.LogTerms[len(prev.LogTerms)-1] {
			ns.LogTerms = prev.LogTerms[lo-prev.LogStart:]
			for i := end; i <= st.LastIndex; i++ {
				ns.LogTerms = append(ns.LogTerms, n.termOf(i))
			}
		}
	}
	if ns.LogTerms == nil {
		ns.LogTerms = make([]uint64, 0, st.LastIndex-lo+1)
		for i := lo; i <= st.LastIndex; i++ {
			ns.LogTerms = append(ns.LogTerms, n.termOf(i))
		}
	}
	rlo := max(st.FirstIndex, st.LastIndex+1-min(st.LastIndex, RecentEntries))
	ns.Recent = nil
	if prev != nil && len(prev.Recent) > 0 {
		first, last := prev.Recent[0].Index, prev.Recent[len(prev.Recent)-1].Index
		if first <= rlo && rlo <= last+1 && last <= st.LastIndex && n.termOf(last) == prev.Recent[len(prev.Recent)-1].Term {
			ns.Recent = prev.Recent[rlo-first:]
			for _, e := range n.core.Entries(last+1, st.LastIndex+1) {
				ns.Recent = append(ns.Recent, EntryInfo{Index: e.Index, Term: e.Term, Text: DescribeData(e)})
			}
			return
		}
	}
	for _, e := range n.core.Entries(rlo, st.LastIndex+1) {
		ns.Recent = append(ns.Recent, EntryInfo{Index: e.Index, Term: e.Term, Text: DescribeData(e)})
	}
}

func (n *node) termOf(i uint64) uint64 {
	t, _ := n.core.Term(i)
	return t
}
