package raft

import (
	"fmt"
	"math"
)

// Step feeds one message into the core: a message from a peer, or a local
// one (MsgHup to start an election, MsgBeat to send heartbeats, MsgProp to
// propose). Malformed messages, messages from unknown nodes and types this
// core does not handle yet return an error; messages of a stale term and
// stale answers return nil: an append, heartbeat, snapshot, vote or
// pre-vote request of a stale term is refused with an answer carrying the
// current term, the rest is dropped. Step never panics.
func (r *Raft) Step(m Message) error {
	if err := r.validate(m); err != nil {
		return err
	}
	if !m.Type.IsLocal() && !isLocalRead(m) {
		if done := r.stepTerm(m); done {
			return nil
		}
	}
	switch m.Type {
	case MsgHup:
		r.hup()
		return nil
	case MsgVote, MsgPreVote:
		r.handleVote(m)
		return nil
	}
	err := r.step(m)
	r.stepDownIfRemoved()
	return err
}

// validate rejects messages that no correct peer sends.
func (r *Raft) validate(m Message) error {
	if !m.Type.Valid() {
		return badMessage("unknown message type %d", m.Type)
	}
	if isLocalRead(m) {
		if len(m.Context) == 0 {
			return badMessage("ReadIndex needs a non-empty context")
		}
		return nil
	}
	if m.Type.IsLocal() {
		if m.Term != 0 || (m.From != None && m.From != r.id) {
			return badMessage("local %s from %d at term %d", m.Type, m.From, m.Term)
		}
		return nil
	}
	if m.Type == MsgSnapResp {
		// MsgSnap is answered with MsgAppResp.
		return fmtErr(ErrUnsupported, "%s from %d", m.Type, m.From)
	}
	// Requests from nodes outside the configuration in force are handled:
	// a node that just joined does not know its leader's membership yet,
	// and a removed node must be answered with the term that tells it so
	// (thesis §4.1: servers do not consult their configuration to answer).
	// Answers only matter from members (see stepLeader, stepCandidate).
	if m.From == r.id || m.From == None {
		return fmtErr(ErrUnknownPeer, "%s from %d", m.Type, m.From)
	}
	if m.To != r.id {
		return badMessage("%s from %d addressed to %d, not %d", m.Type, m.From, m.To, r.id)
	}
	if m.Term == 0 || m.Term == math.MaxUint64 {
		return badMessage("%s from %d with term %d", m.Type, m.From, m.Term)
	}
	switch m.Type {
	case MsgApp:
		return validateEntries(m)
	case MsgSnap:
		return validateSnapshot(m)
	}
	return nil
}

// validateEntries checks that an append carries a well-formed run of entries
// right after (m.Index, m.LogTerm), none of a term above the sender's.
func validateEntries(m Message) error {
	if m.LogTerm > m.Term {
		return badMessage("append from %d: prev log term %d above term %d", m.From, m.LogTerm, m.Term)
	}
	if uint64(len(m.Entries)) > math.MaxUint64-m.Index {
		return badMessage("append from %d: index overflow", m.From)
	}
	prev := m.LogTerm
	for k, e := range m.Entries {
		switch {
		case e.Index != m.Index+1+uint64(k):
			return badMessage("append from %d: entry %d at position %d after index %d", m.From, e.Index, k, m.Index)
		case e.Term < prev || e.Term > m.Term:
			return badMessage("append from %d: entry %d has term %d (previous %d, message %d)", m.From, e.Index, e.Term, prev, m.Term)
		case e.Type != EntryNormal && e.Type != EntryNoop && e.Type != EntryConfig:
			return badMessage("append from %d: entry %d has type %d", m.From, e.Index, e.Type)
		case e.Type == EntryConfig:
			if _, err := DecodeMembership(e.Data); err != nil {
				return badMessage("append from %d: entry %d: %v", m.From, e.Index, err)
			}
		}
		prev = e.Term
	}
	return nil
}

// stepTerm applies the term rules every remote message goes through (Figure
// 2, "all servers"). It reports whether the message is fully handled.
func (r *Raft) stepTerm(m Message) bool {
	switch {
	case m.Term > r.term:
		if m.Type == MsgVote || m.Type == MsgPreVote {
			// Leader lease: with CheckQuorum, a node that heard from a leader
			// within the minimum election timeout ignores vote requests, so a
			// partitioned node rejoining cannot depose a healthy leader.
			if r.checkQuorum && r.lead != None && r.electionElapsed < r.electionMin && !isTransferVote(m) {
				r.emit(EventIgnored, m.From, "ignored %s from %d at term %d: leader %d is alive", voteName(m.Type), m.From, m.Term, r.lead)
				r.lastVote = VoteDecision{Candidate: m.From, Term: m.Term, Pre: m.Type == MsgPreVote, Why: WhyLease, VotedFor: r.lead,
					CandIndex: m.Index, CandTerm: m.LogTerm, MyIndex: r.log.lastIndex(), MyTerm: r.log.lastTerm()}
				return true
			}
		}
		switch {
		case m.Type == MsgPreVote:
			// A pre-vote never changes the voter's term.
		case m.Type == MsgPreVoteResp && !m.Reject:
			// A granted pre-vote carries the term we are about to campaign
			// in; we move to it when the pre-election is won.
		default:
			lead := None
			if m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap {
				lead = m.From
			}
			wasLeader, oldTerm := r.role == RoleLeader, r.term
			elapsed, timeout := r.electionElapsed, r.electionTimeout
			switch {
			case wasLeader && r.transferee == m.From && isTransferVote(m):
				r.emit(EventTransfer, m.From, "stepped down for %d, the transfer's target, which campaigns at term %d", m.From, m.Term)
			case wasLeader:
				// E.g. a stale leader hearing a follower's refusal (below).
				r.emit(EventRole, m.From, "stepped down at term %d: %d is at the higher term %d", oldTerm, m.From, m.Term)
			}
			r.becomeFollower(m.Term, lead)
			r.emit(EventTerm, m.From, "moved to term %d (from %d) on %s from %d", m.Term, oldTerm, m.Type, m.From)
			if lead == None && !wasLeader {
				// Figure 2: only an append from the leader or a granted vote
				// restarts the election timer. A new term alone does not, or a
				// node that cannot win (stale log, short timeout) could keep
				// everyone else from ever timing out.
				r.electionElapsed, r.electionTimeout = elapsed, timeout
			}
		}
	case m.Term < r.term:
		switch {
		case m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap:
			// Figure 2, AppendEntries rule 1: reply false if term <
			// currentTerm. The answer carries our term, so a stale leader
			// (cut off while the others moved on) steps down as soon as it
			// hears it rather than when someone's election reaches it.
			r.emit(EventAppendRejected, m.From, "rejected %s from %d: term %d < %d", appendName(m.Type), m.From, m.Term, r.term)
			r.send(staleTermReject(m.From))
		case m.Type == MsgPreVote:
			r.emit(EventVoteRejected, m.From, "rejected pre-vote for %d: term %d < %d", m.From, m.Term, r.term)
			r.send(Message{To: m.From, Type: MsgPreVoteResp, Reject: true, Why: WhyStaleTerm})
		case m.Type == MsgVote:
			// Figure 2, RequestVote rule 1: reply false with currentTerm, for
			// the candidate to update itself. Without the answer a candidate
			// whose peers never ask it for votes stays behind in term for
			// good: a voter that does not know yet that the candidate was
			// promoted counts it as a learner and never sends it its own
			// vote requests, so a candidate that alone has the log to win
			// kept asking at terms below its peer's (simulation seed 2103
			// with membership changes).
			r.emit(EventVoteRejected, m.From, "rejected vote for %d: term %d < %d", m.From, m.Term, r.term)
			r.send(Message{To: m.From, Type: MsgVoteResp, Reject: true, Why: WhyStaleTerm})
		}
		if m.Type == MsgVote || m.Type == MsgPreVote {
			r.lastVote = VoteDecision{Candidate: m.From, Term: m.Term, Pre: m.Type == MsgPreVote, Why: WhyStaleTerm,
				CandIndex: m.Index, CandTerm: m.LogTerm, MyIndex: r.log.lastIndex(), MyTerm: r.log.lastTerm()}
		}
		return true
	}
	return false
}

// staleTermReject is the answer to an append, heartbeat or snapshot from a
// lower term: a MsgAppResp rejection at index 0, whatever was asked. Its only
// news is the higher term, which makes the sender step down (stepTerm). No
// consistency check ever rejects index 0 (every log matches there), so a
// leader that already moved to this term itself, before the answer arrived,
// knows it says nothing about the follower's log (handleAppResp).
func staleTermReject(to uint64) Message {
	return Message{To: to, Type: MsgAppResp, Reject: true, Why: WhyStaleTerm}
}

func appendName(t MessageType) string {
	switch t {
	case MsgHeartbeat:
		return "heartbeat"
	case MsgSnap:
		return "snapshot"
	}
	return "append"
}

func voteName(t MessageType) string {
	if t == MsgPreVote || t == MsgPreVoteResp {
		return "pre-vote"
	}
	return "vote"
}

// hup starts an election (or a pre-election).
func (r *Raft) hup() {
	if r.role == RoleLeader || r.term >= math.MaxUint64-1 {
		return // no term left to campaign in
	}
	if !r.canCampaign() {
		return // a learner, a removed node or one still joining never campaigns
	}
	r.campaign(r.preVote)
}

func (r *Raft) campaign(pre bool) {
	var term uint64
	var t MessageType
	if pre {
		r.becomePreCandidate()
		term, t = r.term+1, MsgPreVote
		r.emit(EventElection, None, "started pre-election for term %d", term)
	} else {
		r.becomeCandidate()
		r.byTransfer = r.transferCampaign
		term, t = r.term, MsgVote
		r.emit(EventElection, None, "started election at term %d", term)
	}
	// Our own vote: for a real election it is the persisted r.vote, and the
	// requests below leave only after that HardState is durable. A node
	// whose removal is pending campaigns without it (canCampaign).
	if r.isVoter(r.id) && r.poll(r.id, true) == voteWon {
		r.winElection(pre)
		return
	}
	last, lastTerm := r.log.lastIndex(), r.log.lastTerm()
	var ctx []byte
	if r.transferCampaign {
		ctx = transferContext
	}
	for _, id := range r.peers {
		if id != r.id {
			r.send(Message{To: id, Type: t, Term: term, Index: last, LogTerm: lastTerm, Context: ctx})
		}
	}
}

func (r *Raft) poll(id uint64, granted bool) voteResult {
	if _, ok := r.votes[id]; !ok {
		r.votes[id] = granted
	}
	return tallyVotes(r.votes, len(r.peers))
}

func (r *Raft) winElection(pre bool) {
	if pre {
		r.campaign(false)
		return
	}
	r.becomeLeader()
	r.bcastAppend()
}

// handleVote answers a (pre-)vote request whose term is >= ours.
func (r *Raft) handleVote(m Message) {
	resp := MsgVoteResp
	if m.Type == MsgPreVote {
		resp = MsgPreVoteResp
	}
	name := voteName(m.Type)
	canVote := r.vote == m.From ||
		(r.vote == None && r.lead == None) ||
		(m.Type == MsgPreVote && m.Term > r.term)
	r.lastVote = VoteDecision{Candidate: m.From, Term: m.Term, Pre: m.Type == MsgPreVote,
		CandIndex: m.Index, CandTerm: m.LogTerm, MyIndex: r.log.lastIndex(), MyTerm: r.log.lastTerm()}
	switch {
	case !r.mayVote():
		r.emit(EventVoteRejected, m.From, "rejected %s for %d: not a member yet (joined with no configuration, and holds none yet that adds it)", name, m.From)
		if r.term > 0 {
			// A node that has heard of no term yet (a pre-vote leaves it
			// at 0) has none to answer with: the candidate drops a refusal
			// of a lower term anyway.
			r.send(Message{To: m.From, Type: resp, Reject: true, Why: WhyNotMember})
		}
		r.lastVote.Why = WhyNotMember
	case !canVote:
		who, did, why := r.vote, "already voted for", WhyVoted
		if who == None {
			who, did, why = r.lead, "following", WhyHasLeader
		}
		r.emit(EventVoteRejected, m.From, "rejected %s for %d: %s %d at term %d", name, m.From, did, who, r.term)
		r.send(Message{To: m.From, Type: resp, Reject: true, Why: why})
		r.lastVote.Why, r.lastVote.VotedFor, r.lastVote.Following = why, who, r.vote == None
	case m.Type == MsgPreVote && r.leaderAlive() && !isTransferVote(m):
		// Thesis §9.6: a pre-vote is granted only by a node that has not
		// heard from a leader for the minimum election timeout, and not by
		// a leader that has heard from a quorum in that time: a node that
		// returns from a partition, or that only lost its link to the
		// leader, cannot start an election the others still have a leader
		// for. (CheckQuorum's lease, in stepTerm, goes further: it ignores
		// real votes too.)
		lead := r.lead
		if r.role == RoleLeader {
			lead = r.id
			r.emit(EventVoteRejected, m.From, "rejected pre-vote for %d: it leads term %d and heard from a quorum within the minimum election timeout", m.From, r.term)
		} else {
			r.emit(EventVoteRejected, m.From, "rejected pre-vote for %d: leader %d is alive (heard from it within the minimum election timeout)", m.From, lead)
		}
		r.send(Message{To: m.From, Type: resp, Reject: true, Why: WhyLeaderAlive})
		r.lastVote.Why, r.lastVote.VotedFor = WhyLeaderAlive, lead
	case !r.unsafeSkipVoteLogCheck && !r.log.isUpToDate(m.Index, m.LogTerm):
		r.emit(EventVoteRejected, m.From, "rejected %s for %d: log not up to date (%d@%d < %d@%d)",
			name, m.From, m.Index, m.LogTerm, r.log.lastIndex(), r.log.lastTerm())
		r.send(Message{To: m.From, Type: resp, Reject: true, Why: WhyLogBehind})
		r.lastVote.Why = WhyLogBehind
	default:
		// The grant carries the request's term (a pre-vote's future term).
		// For a real vote, r.vote is persisted before this message leaves.
		r.send(Message{To: m.From, Type: resp, Term: m.Term})
		r.lastVote.Granted = true
		if r.role == RoleLeader {
			r.lastVote.VotedFor = r.id // a leader without a quorum heard (leaderAlive)
		}
		if m.Type == MsgVote {
			// A granted vote starts a new election period: a fresh timeout.
			r.electionElapsed = 0
			r.resetTimeout()
			r.vote = m.From
		}
		r.emit(EventVote, m.From, "granted %s to %d at term %d", name, m.From, m.Term)
	}
}

// mayVote reports whether this node may grant votes and pre-votes at all:
// it started with a bootstrap configuration (Config.Peers), or a
// configuration it holds names it (as voter or learner).
//
// A node that joins a running cluster starts with an empty log, and may
// carry the id of a voter removed earlier (the playground starts a fresh
// node when an id is added again). A candidate whose log missed that
// removal still counts the id as a voter of its old configuration; if the
// fresh node granted it its vote, as its empty log would let it, two ids
// removed and added again in five voters are enough for a stale candidate
// and the two fresh nodes to make a majority of the old configuration, and
// a leader missing committed entries is elected (and commits over them).
// Once a configuration the node holds names it, its log holds the entry
// that added it, hence the committed removal before it, and the log check
// (§5.4.1) refuses every candidate whose log lacks that removal.
//
// Not any configuration naming it: when the earlier node of the id had
// joined through the log too (added as a learner, promoted), the log the
// new node receives from the leader begins with those entries, and part
// way through catching up it holds a configuration naming it a voter and
// nothing a stale candidate lacks (the removal comes later). Only a
// configuration set after Config.JoinedAfter, which the removal precedes,
// is this node's own (TestFreshNodeDoesNotVoteOnItsIDsEarlierConfiguration:
// a stale node and two such fresh nodes elected one of them, its log
// missing the removals the cluster had committed).
func (r *Raft) mayVote() bool {
	return !r.bootConf.IsEmpty() || r.conf.IsMember(r.id) && r.ownConf(r.memberSince())
}

// ownConf reports whether a configuration set at index at (by its entry,
// or by the snapshot at that index) is this node's rather than an earlier
// node's of the same id (Config.JoinedAfter).
func (r *Raft) ownConf(at uint64) bool {
	return !r.bootConf.IsEmpty() || r.joinedAfter == 0 || at > r.joinedAfter || r.unsafeForeignConf
}

func (r *Raft) stepFollower(m Message) error {
	switch m.Type {
	case MsgProp:
		return &NotLeaderError{Leader: r.lead}
	case MsgApp:
		r.heardFromLeader(m.From)
		return r.handleAppend(m)
	case MsgHeartbeat:
		r.heardFromLeader(m.From)
		r.handleHeartbeat(m)
	case MsgSnap:
		r.heardFromLeader(m.From)
		r.handleSnapshot(m)
	case MsgReadIndex, MsgReadIndexResp:
		return r.forwardRead(m)
	case MsgTimeoutNow:
		r.handleTimeoutNow(m)
	}
	return nil
}

// heardFromLeader restarts the election timer on a message from the leader:
// the elapsed count goes back to 0 but the timeout stays the one drawn when
// this period began (becoming follower, a vote granted), so a steady stream
// of heartbeats does not redraw it every time. Only a leader not followed
// until now (a refused vote request moved us to its term with none) starts a
// new period with a fresh timeout.
func (r *Raft) heardFromLeader(id uint64) {
	if r.lead != id {
		r.resetTimeout()
	}
	r.electionElapsed = 0
	r.ticksSinceLeader = 0
	r.lead = id
}

// stepCandidate is the step of candidates and pre-candidates.
func (r *Raft) stepCandidate(m Message) error {
	want := MsgVoteResp
	if r.role == RolePreCandidate {
		want = MsgPreVoteResp
	}
	switch m.Type {
	case MsgProp:
		return &NotLeaderError{Leader: None}
	case MsgReadIndex:
		if isLocalRead(m) {
			return &NotLeaderError{Leader: None}
		}
	case MsgApp:
		r.becomeFollower(m.Term, m.From)
		r.heardFromLeader(m.From)
		return r.handleAppend(m)
	case MsgHeartbeat:
		r.becomeFollower(m.Term, m.From)
		r.heardFromLeader(m.From)
		r.handleHeartbeat(m)
	case MsgSnap:
		r.becomeFollower(m.Term, m.From)
		r.heardFromLeader(m.From)
		r.handleSnapshot(m)
	case want:
		if !r.isVoter(m.From) {
			return nil // only voters' answers count
		}
		if m.Reject {
			if _, ok := r.votes[m.From]; !ok {
				r.voteWhy[m.From] = m.Why
			}
		}
		switch r.poll(m.From, !m.Reject) {
		case voteWon:
			r.winElection(r.role == RolePreCandidate)
		case voteLost:
			if r.role == RolePreCandidate {
				r.emit(EventRole, None, "lost the pre-election for term %d", r.term+1)
			} else {
				r.emit(EventRole, None, "lost the election at term %d", r.term)
			}
			r.becomeFollower(r.term, None)
		}
	}
	return nil
}

func (r *Raft) stepLeader(m Message) error {
	switch m.Type {
	case MsgBeat:
		r.bcastHeartbeat()
	case MsgProp:
		if len(m.Entries) == 0 {
			return badMessage("proposal without entries")
		}
		if r.transferee != None {
			return fmt.Errorf("%w (to %d)", ErrTransferring, r.transferee)
		}
		r.appendEntries(m.Entries)
		r.bcastAppendSoon()
	case MsgAppResp, MsgHeartbeatResp:
		if r.prs[m.From] == nil || m.From == r.id {
			return fmtErr(ErrUnknownPeer, "%s from %d: not a member (%s)", m.Type, m.From, r.conf)
		}
		if m.Type == MsgAppResp {
			return r.handleAppResp(m)
		}
		r.handleHeartbeatResp(m)
		if len(m.Context) > 0 {
			r.ackRead(m.From, m.Context)
		}
	case MsgReadIndex:
		r.leaderRead(m)
	}
	return nil
}

// Propose appends data as a new entry on the leader and returns its index
// and term. The core keeps data: the caller must not modify it afterwards.
// On any other node it returns a *NotLeaderError naming the known leader.
func (r *Raft) Propose(data []byte) (index, term uint64, err error) {
	r.propBuf[0] = Entry{Type: EntryNormal, Data: data}
	if err := r.Step(Message{Type: MsgProp, Entries: r.propBuf[:]}); err != nil {
		return 0, 0, err
	}
	r.propBuf[0] = Entry{}
	return r.log.lastIndex(), r.term, nil
}

// leaderAlive reports whether this node leads with a quorum of its voters
// heard from within the minimum election timeout, or follows a leader it
// heard from within that time (thesis §9.6's test for refusing a
// pre-vote).
//
// A leader without such a quorum is no leader to protect: it cannot commit,
// and without CheckQuorum it never steps down. Refusing pre-votes, it kept
// a cluster without a leader for good (simulation seed 21030: leader 5's
// uncommitted log had removed 3, so it sent 3 nothing; 2 was down; 3, at a
// later term and needing 5's vote, only ever sent pre-votes, which 5
// refused). It grants them as any node that has lost its leader does, if
// the candidate's log is up to date.
func (r *Raft) leaderAlive() bool {
	if r.role == RoleLeader {
		return r.quorumHeard()
	}
	return r.lead != None && r.electionElapsed < r.electionMin
}

// quorumHeard reports whether a leader has heard from a quorum of its
// voters, itself included, within the minimum election timeout.
func (r *Raft) quorumHeard() bool {
	n := 0
	for _, id := range r.peers {
		if pr := r.prs[id]; id == r.id || (pr != nil && pr.heardAgo < r.electionMin) {
			n++
		}
	}
	return n >= r.conf.quorum()
}
