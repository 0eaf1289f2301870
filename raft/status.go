package raft

// Status is a snapshot of one node for the dashboard. It shares no memory
// with the core.
type Status struct {
	ID                    uint64
	Role                  Role
	Term, Vote, Leader    uint64
	Commit, Applied       uint64
	FirstIndex, LastIndex uint64
	SnapshotIndex         uint64
	SnapshotTerm          uint64
	ElectionElapsed       int // ticks on the current election timer
	ElectionTimeout       int // the timeout drawn for the current timer (leader: the quorum-check period)
	TicksSinceLeader      int // ticks since last heard from a leader; 0 on the leader
	PreVote, CheckQuorum  bool
	Progress              map[uint64]Progress // leader only: one per follower
}

// Progress is the leader's view of one follower.
type Progress struct {
	Match, Next  uint64
	State        string // "probe", "replicate" or "snapshot"
	Inflight     int    // MsgApp in flight (replicate state)
	RecentActive bool   // heard from since the last quorum check

	// PendingSnapshot is the index of the snapshot in flight to the
	// follower (State "snapshot"), 0 otherwise; SnapshotElapsed counts the
	// leader ticks since it was sent (it is resent at SnapshotRetryTicks).
	PendingSnapshot uint64
	SnapshotElapsed int
}

// Status returns a fresh snapshot of the node's state.
func (r *Raft) Status() Status {
	s := Status{
		ID: r.id, Role: r.role, Term: r.term, Vote: r.vote, Leader: r.lead,
		Commit: r.log.committed, Applied: r.log.applied,
		FirstIndex: r.log.firstIndex(), LastIndex: r.log.lastIndex(),
		SnapshotIndex: r.log.snapIndex, SnapshotTerm: r.log.snapTerm,
		ElectionElapsed: r.electionElapsed, ElectionTimeout: r.electionTimeout,
		TicksSinceLeader: r.ticksSinceLeader,
		PreVote:          r.preVote, CheckQuorum: r.checkQuorum,
	}
	if r.role == RoleLeader {
		s.TicksSinceLeader = 0
		s.ElectionTimeout = r.electionMin // the quorum-check period
		s.Progress = make(map[uint64]Progress, len(r.prs)-1)
		for id, pr := range r.prs {
			if id == r.id {
				continue
			}
			s.Progress[id] = Progress{Match: pr.match, Next: pr.next, State: pr.state.String(),
				Inflight: pr.inflight.count, RecentActive: pr.recentActive,
				PendingSnapshot: pr.pendingSnapshot, SnapshotElapsed: pr.snapElapsed}
		}
	}
	return s
}
