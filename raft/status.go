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

	// ElectionMin is the shortest election timeout, in ticks: with
	// CheckQuorum, a follower that heard its leader less than this ago
	// ignores vote requests (the leader lease).
	ElectionMin int
	// LastTerm is the term of the last entry (with LastIndex, what a vote
	// request compares).
	LastTerm uint64

	// Leader only: QuorumIndex is the highest index a majority holds (the
	// leader's own copy counted once durable), of term QuorumTerm. When it
	// is above Commit and QuorumTerm is not Term, the commit waits for an
	// entry of the current term to reach a majority (§5.4.2).
	QuorumIndex, QuorumTerm uint64

	// Membership is the configuration in force, set by the entry at
	// ConfIndex (0: the snapshot's or the bootstrap configuration). It is
	// pending while ConfIndex > Commit.
	Membership Membership
	ConfIndex  uint64
	// Transferee is the node a leader is handing leadership to (0: none).
	Transferee uint64

	// Tally is a candidate's (or pre-candidate's) election so far.
	Tally *Tally
	// LastVote is the last vote or pre-vote request this node answered.
	LastVote VoteDecision
}

// Tally is how an election stands: who granted, who refused (and why),
// who has not answered, and how many grants win (the candidate's own
// included).
type Tally struct {
	Pre bool // a pre-election (PreVote), for the term after Term
	// Transfer: the election was started by the leader's TimeoutNow (a
	// leadership transfer), not by the candidate's timer.
	Transfer bool
	Granted  []uint64
	Refused  map[uint64]Why
	Pending  []uint64
	Needed   int
}

// VoteDecision is one answer to a vote or pre-vote request.
type VoteDecision struct {
	Candidate uint64 // 0: none answered yet
	Term      uint64 // the request's term
	Pre       bool
	Granted   bool
	Why       Why    // when refused
	CandIndex uint64 // the candidate's last index and term
	CandTerm  uint64
	MyIndex   uint64 // ours, when deciding
	MyTerm    uint64
	VotedFor  uint64 // whom we had voted for or followed, when that was the reason; for a pre-vote granted by a leader (no quorum heard), itself
	Following bool   // VotedFor is the leader it followed (it had cast no vote in the term)
}

// Progress is the leader's view of one follower.
type Progress struct {
	Match, Next   uint64
	Learner       bool   // a learner: receives the log, does not vote
	State         string // "probe", "replicate" or "snapshot"
	Inflight      int    // MsgApp in flight (replicate state)
	InflightBytes uint64 // entry data bytes in flight (replicate state)
	RecentActive  bool   // heard from since the last quorum check

	// PendingSnapshot is the index of the snapshot in flight to the
	// follower (State "snapshot"), 0 otherwise; SnapshotElapsed counts the
	// leader ticks since it was sent (it is resent at SnapshotRetryTicks).
	PendingSnapshot uint64
	SnapshotElapsed int

	// For explanations: Paused says flow control holds the next append
	// (a probe unanswered, the inflight window full, a snapshot in
	// flight); HeardAgo counts leader ticks since the follower last
	// answered, or since the leader took office if it never has
	// (Answered false); LastReject is the index of its last append rejection in
	// this term (0: none), with the hint it gave.
	Paused                     bool
	HeardAgo                   int
	Answered                   bool
	LastReject, LastRejectHint uint64
	LastRejectHintTerm         uint64
}

// Status returns a fresh snapshot of the node's state.
func (r *Raft) Status() Status {
	s := Status{
		ID: r.id, Role: r.role, Term: r.term, Vote: r.vote, Leader: r.lead,
		Commit: r.log.committed, Applied: r.log.applied,
		FirstIndex: r.log.firstIndex(), LastIndex: r.log.lastIndex(),
		SnapshotIndex: r.log.snapIndex, SnapshotTerm: r.log.snapTerm,
		Membership: r.conf.Clone(), ConfIndex: r.confIndex, Transferee: r.transferee,
		ElectionElapsed: r.electionElapsed, ElectionTimeout: r.electionTimeout,
		TicksSinceLeader: r.ticksSinceLeader,
		PreVote:          r.preVote, CheckQuorum: r.checkQuorum,
		ElectionMin: r.electionMin, LastTerm: r.log.lastTerm(), LastVote: r.lastVote,
	}
	if r.role == RoleLeader {
		s.TicksSinceLeader = 0
		s.ElectionTimeout = r.electionMin // the quorum-check period
		s.Progress, s.QuorumIndex, s.QuorumTerm = r.LeaderProgress()
	}
	if r.role == RoleCandidate || r.role == RolePreCandidate {
		t := &Tally{Pre: r.role == RolePreCandidate, Transfer: r.role == RoleCandidate && r.byTransfer, Refused: map[uint64]Why{}, Needed: len(r.peers)/2 + 1}
		for _, id := range r.peers {
			switch g, ok := r.votes[id]; {
			case !ok:
				t.Pending = append(t.Pending, id)
			case g:
				t.Granted = append(t.Granted, id)
			default:
				t.Refused[id] = r.voteWhy[id]
			}
		}
		s.Tally = t
	}
	return s
}

// LeaderProgress returns, on a leader, its view of each follower (a fresh
// map), the highest index a majority of voters holds and that index's
// term: the parts of Status that change with every answer, for a caller
// that refreshes them more often than the whole Status. Nil and zeros on
// any other node.
func (r *Raft) LeaderProgress() (progress map[uint64]Progress, qIndex, qTerm uint64) {
	if r.role != RoleLeader {
		return nil, 0, 0
	}
	progress = make(map[uint64]Progress, len(r.prs)-1)
	for id, pr := range r.prs {
		if id == r.id {
			continue
		}
		progress[id] = Progress{Match: pr.match, Next: pr.next, Learner: r.conf.IsLearner(id), State: pr.state.String(),
			Inflight: pr.inflight.count, InflightBytes: pr.inflight.bytes, RecentActive: pr.recentActive,
			PendingSnapshot: pr.pendingSnapshot, SnapshotElapsed: pr.snapElapsed,
			Paused: pr.paused(), HeardAgo: pr.heardAgo, Answered: pr.answered,
			LastReject: pr.lastRej, LastRejectHint: pr.lastHint, LastRejectHintTerm: pr.lastHintT}
	}
	var buf [16]uint64
	matches := buf[:0]
	for _, id := range r.peers {
		if pr := r.prs[id]; pr != nil {
			matches = append(matches, pr.match)
		}
	}
	qIndex = quorumIndex(matches)
	qTerm, _ = r.log.term(qIndex)
	return progress, qIndex, qTerm
}
