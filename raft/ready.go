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
		r.log.stable < r.log.lastIndex() || r.log.applied < r.log.committed
}

// Ready returns what the caller must persist, send and apply. Messages is
// the caller's to keep; Entries and Committed alias the core's log and must
// not be modified (they stay valid). Every Ready must be
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
	if r.softState() != r.prevSoft {
		ss := r.softState() // allocated only when it changed
		rd.SoftState = &ss
		r.prevSoft = ss
	}
	if hs := r.hardState(); hs != r.prevHard {
		rd.HardState = hs
		r.prevHard = hs
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
	if n := len(rd.Committed); n > 0 {
		r.log.appliedTo(rd.Committed[n-1].Index)
	}
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
