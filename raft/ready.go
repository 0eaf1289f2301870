package raft

// Ready is what the caller must do after a change, in this order: persist
// Snapshot, HardState and Entries, then send Messages, then restore the state
// machine from Snapshot and apply Committed, then call Advance with this
// Ready.
type Ready struct {
	// SoftState is non-nil when the role or the leader changed since the
	// last Ready.
	SoftState *SoftState
	// Snapshot, when non-nil, is a snapshot received from the leader that
	// replaces the whole log: persist it first (storage then holds no entry
	// at or below Snapshot.Meta.Index, and Entries follow it), and restore
	// the state machine from it before applying Committed. Data is shared
	// with the core (which sends it on if it becomes leader): read only.
	Snapshot *Snapshot
	// HardState is to be persisted; IsEmpty() when unchanged.
	HardState HardState
	// Entries are to be appended to stable storage. Entries[0].Index may be
	// at or below the last stored index: storage truncates from there.
	Entries []Entry
	// Messages are to be sent ONLY after HardState and Entries are durable:
	// vote grants and append acknowledgements rely on it.
	Messages []Message
	// Committed are to be applied to the state machine, in order. They may
	// include entries of Entries (apply them after persisting).
	Committed []Entry
	// ReadStates are confirmed ReadIndex requests: serve each once the
	// state machine has applied its Index.
	ReadStates []ReadState
	// WriteBehind reports that this Ready may be written behind (Raft
	// thesis §10.2.1): none of its Messages promises durable state (they
	// are AppendEntries, heartbeats and vote requests), it has no Snapshot,
	// and its HardState keeps the term and vote of the previous Ready. The
	// caller may then send Messages and apply Committed at once, start
	// writing HardState and Entries, call AdvanceWriting instead of Advance,
	// and report the write with Persisted once it is durable. Writes must
	// reach storage in the order of their Readys.
	WriteBehind bool
}

// PromisesNothing reports whether a message of type t may leave before the
// state of the Ready that holds it is durable: it acknowledges nothing, so
// a crash that loses that state makes it no lie. A candidate's vote
// requests are such: it counts its own vote only at a later Step, after
// the Ready that records it has been carried out. But a vote request
// describes the candidate's log, and a voter grants on that description:
// send one ahead only if the log it describes is durable (no entries in
// its Ready, none written and not yet synced).
func (t MessageType) PromisesNothing() bool {
	switch t {
	case MsgApp, MsgHeartbeat, MsgVote, MsgPreVote:
		return true
	}
	return false
}

// LeavesEarly reports whether a message of type t may leave before the
// write of the Ready that holds it, given whether the log it would describe
// (logDurable: no entries in that Ready, none written and not yet synced)
// and the node's term (termDurable) are on disk already. Acknowledgements
// never do. A vote request describes the candidate's log, and a voter
// grants on that description: sent ahead of the write of new entries, a
// power failure could leave the candidate, restarted in the same term with
// the shorter log, counting a grant made to the longer one and winning
// without an entry a majority holds. A leader's appends and heartbeats
// carry its term: a single voter wins in the Ready that starts its
// election, and, power-failed before that Ready's write, could lead the
// same term a second time with other entries.
func (t MessageType) LeavesEarly(logDurable, termDurable bool) bool {
	switch t {
	case MsgVote, MsgPreVote:
		return logDurable
	case MsgApp, MsgHeartbeat:
		return termDurable
	}
	return false // every other type answers or acknowledges: after the write
}

// Empty reports whether rd asks nothing of the caller.
func (rd Ready) Empty() bool {
	return rd.SoftState == nil && rd.Snapshot == nil && rd.HardState.IsEmpty() && len(rd.Entries) == 0 &&
		len(rd.Messages) == 0 && len(rd.Committed) == 0 && len(rd.ReadStates) == 0
}

// SoftState is volatile state worth showing: the role and the known leader.
type SoftState struct {
	Role   Role
	Leader uint64
}

// HasReady reports whether Ready would not be empty.
func (r *Raft) HasReady() bool {
	return r.softState() != r.prevSoft || r.hardState() != r.prevHard || len(r.msgs) > 0 || len(r.readStates) > 0 || r.bcastDue ||
		r.pendingSnapshot != nil ||
		r.log.written < r.log.lastIndex() || r.log.applied < r.log.committed
}

// Ready returns what the caller must persist, send and apply. Messages is
// the caller's until Advance (or AdvanceWriting), which takes its array back
// for the next Ready's messages: copy what must outlive it. Entries and
// Committed alias the core's log (or copy it, where they span two of its
// chunks) and must not be modified (they stay valid). Every Ready must be
// followed by Advance before the next Ready.
func (r *Raft) Ready() Ready {
	r.flushBcast()
	rd := Ready{
		Entries:    r.log.unstable(),
		Messages:   r.msgs,
		Committed:  r.log.nextCommitted(),
		ReadStates: r.readStates,
		Snapshot:   r.pendingSnapshot,
	}
	r.readStates = nil
	r.pendingSnapshot = nil
	if rd.Snapshot != nil {
		r.readyFrom, r.installFrom = r.installFrom, None
	}
	if r.softState() != r.prevSoft {
		ss := r.softState() // allocated only when it changed
		rd.SoftState = &ss
		r.prevSoft = ss
	}
	rd.WriteBehind = rd.Snapshot == nil
	if hs := r.hardState(); hs != r.prevHard {
		rd.WriteBehind = rd.WriteBehind && hs.Term == r.prevHard.Term && hs.Vote == r.prevHard.Vote
		rd.HardState = hs
		r.prevHard = hs
		if r.unsafeForgetVote {
			rd.HardState.Vote = None
		}
	}
	for i := 0; i < len(rd.Messages) && rd.WriteBehind; i++ {
		rd.WriteBehind = rd.Messages[i].Type.PromisesNothing()
	}
	r.msgs = nil
	return rd
}

// Advance tells the core that rd was carried out: its Snapshot, HardState
// and Entries are durable, its Messages sent, its Snapshot restored and its
// Committed entries applied. On the
// leader, newly durable entries now count toward commit.
func (r *Raft) Advance(rd Ready) {
	if n := len(rd.Entries); n > 0 {
		e := rd.Entries[n-1]
		r.log.stableTo(e.Index, e.Term)
	}
	r.advanceApplied(rd)
	if rd.Snapshot != nil {
		r.announceInstall(rd.Snapshot.Meta)
	}
	r.selfDurable()
}

// announceInstall tells the install of the leader's snapshot at meta, which
// the caller has just made durable (Advance). A snapshot that a newer one
// replaced before a Ready handed it out was never saved, nor is it told.
func (r *Raft) announceInstall(meta SnapshotMeta) {
	from := r.readyFrom
	if from == None {
		return
	}
	r.readyFrom = None
	r.emit(EventSnapshot, from, "installed snapshot at %d (term %d) from %d", meta.Index, meta.Term, from)
}

// reuseMessages keeps rd's message array for the messages of the next
// Ready, so a steady stream of Readys allocates none.
func (r *Raft) reuseMessages(rd Ready) {
	if r.msgs == nil && cap(rd.Messages) > 0 {
		clear(rd.Messages[:cap(rd.Messages)]) // drop references to entries sent
		r.msgs = rd.Messages[:0]
	}
}

// AdvanceWriting is Advance for a Ready with WriteBehind set whose
// HardState and Entries are still being written: its Messages were sent
// and its Committed applied. The entries count toward commit (on a leader)
// only once Persisted reports them durable. Committed may hold entries not
// yet durable here: a majority of the others holds them, which is what
// makes them committed.
func (r *Raft) AdvanceWriting(rd Ready) {
	if n := len(rd.Entries); n > 0 {
		e := rd.Entries[n-1]
		r.log.writtenTo(e.Index, e.Term)
	}
	r.advanceApplied(rd)
}

// Persisted reports that storage holds the log durably up to entry index
// of term term, after AdvanceWriting: every write up to that entry's has
// finished. A report for an entry that was replaced since is ignored.
func (r *Raft) Persisted(index, term uint64) {
	r.log.stableTo(index, term)
	r.selfDurable()
}

func (r *Raft) advanceApplied(rd Ready) {
	r.reuseMessages(rd)
	if n := len(rd.Committed); n > 0 {
		r.log.appliedTo(rd.Committed[n-1].Index)
	}
}

// selfDurable lets a leader count its durable entries toward commit.
func (r *Raft) selfDurable() {
	if r.role == RoleLeader {
		if self := r.prs[r.id]; self.match < r.log.stable {
			self.match = r.log.stable
			self.next = max(self.next, self.match+1)
			if r.maybeCommit() {
				r.bcastAppendSoon()
			}
			r.stepDownIfRemoved()
		}
	}
}
