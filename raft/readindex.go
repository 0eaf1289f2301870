package raft

import "encoding/binary"

// This file implements ReadIndex (Raft thesis §6.4): linearizable reads
// without writing to the log. The leader notes its commit index, confirms
// it is still leader by a round of heartbeats acknowledged by a majority,
// and hands out that index; a read served once the state machine has
// applied it reflects every write committed before the read began.

// ReadState is a confirmed read point for the request named by Context:
// serve the read after applying up to Index.
type ReadState struct {
	Index   uint64
	Context []byte
}

// readRequest is a read waiting for a majority to confirm leadership.
type readRequest struct {
	index uint64
	ctx   []byte // the caller's name for it: what the answer carries
	// tag is the leader's own name for it, unique in this node's life:
	// the heartbeats of its round carry it, and only an answer echoing it
	// counts. The callers' contexts can repeat (each follower numbers its
	// own reads): an answer to an earlier heartbeat would then confirm a
	// read begun after that heartbeat left (thesis 6.4 needs a heartbeat
	// sent after the read began).
	tag  []byte
	from uint64 // r.id for a local read, else the follower that forwarded it
	acks map[uint64]bool
}

// ReadIndex asks for a linearizable read point; ctx (non-empty, unique per
// read) names it. The answer arrives in a later Ready.ReadStates. On a
// follower the request is forwarded to the leader; without a known leader
// it fails with a *NotLeaderError. Reads in flight are dropped when the
// leader changes: the caller retries after a timeout.
func (r *Raft) ReadIndex(ctx []byte) error {
	return r.Step(Message{Type: MsgReadIndex, Context: ctx})
}

// isLocalRead reports whether m is a ReadIndex call on this node rather
// than a request forwarded by a follower.
func isLocalRead(m Message) bool { return m.Type == MsgReadIndex && m.From == None && m.Term == 0 }

// forwardRead handles MsgReadIndex and MsgReadIndexResp on a follower.
func (r *Raft) forwardRead(m Message) error {
	switch {
	case isLocalRead(m) && r.lead == None:
		return &NotLeaderError{Leader: None}
	case isLocalRead(m):
		r.send(Message{To: r.lead, Type: MsgReadIndex, Context: m.Context})
	case m.Type == MsgReadIndexResp && m.From == r.lead:
		r.readStates = append(r.readStates, ReadState{Index: m.Index, Context: m.Context})
	}
	return nil
}

// leaderRead starts confirming a read on the leader.
func (r *Raft) leaderRead(m Message) {
	from := m.From
	if from == None {
		from = r.id
	}
	if !r.committedInTerm() {
		// Until an entry of this term commits, the leader's commit index may
		// lag entries committed by earlier leaders: wait for the no-op.
		r.pendingReads = append(r.pendingReads, Message{From: from, Context: m.Context})
		return
	}
	r.readSeq++
	req := &readRequest{index: r.log.committed, ctx: m.Context, tag: binary.BigEndian.AppendUint64(nil, r.readSeq),
		from: from, acks: map[uint64]bool{r.id: true}}
	if r.countVoters(req.acks) >= r.conf.quorum() {
		r.releaseReads(req)
		return
	}
	r.reads = append(r.reads, req)
	r.bcastHeartbeatCtx(req.tag)
}

// committedInTerm reports whether an entry of the current term is committed.
func (r *Raft) committedInTerm() bool {
	t, ok := r.log.term(r.log.committed)
	return ok && t == r.term
}

// servePendingReads starts the reads that waited for the first commit of
// the term.
func (r *Raft) servePendingReads() {
	pending := r.pendingReads
	r.pendingReads = nil
	for _, m := range pending {
		if m.From == r.id {
			m.From = None
		}
		r.leaderRead(m)
	}
}

// ackRead records a heartbeat answer carrying a read's tag and releases
// every read up to it once a majority has answered.
func (r *Raft) ackRead(from uint64, tag []byte) {
	for k, req := range r.reads {
		if string(req.tag) != string(tag) {
			continue
		}
		req.acks[from] = true
		if r.countVoters(req.acks) < r.conf.quorum() {
			return
		}
		r.releaseThrough(k)
		return
	}
}

// releaseThrough releases the waiting reads up to r.reads[k]: a majority
// confirmed leadership after that read began, hence after every earlier
// one began too.
func (r *Raft) releaseThrough(k int) {
	for _, done := range r.reads[:k+1] {
		r.releaseReads(done)
	}
	r.reads = append(r.reads[:0], r.reads[k+1:]...)
}

// releaseConfirmedReads releases every waiting read up to the newest one
// that a majority of the voters now in force has confirmed. A change of
// voters can make one of the answers already in: removing the voters that
// did not answer (down to the leader alone, whose heartbeats then go to
// no one, so no answer would ever come to count them again).
func (r *Raft) releaseConfirmedReads() {
	for k := len(r.reads) - 1; k >= 0; k-- {
		if r.countVoters(r.reads[k].acks) >= r.conf.quorum() {
			r.releaseThrough(k)
			return
		}
	}
}

func (r *Raft) releaseReads(req *readRequest) {
	if req.from == r.id {
		r.readStates = append(r.readStates, ReadState{Index: req.index, Context: req.ctx})
		return
	}
	r.send(Message{To: req.from, Type: MsgReadIndexResp, Index: req.index, Context: req.ctx})
}

func (r *Raft) bcastHeartbeatCtx(ctx []byte) {
	for _, id := range r.members {
		if id != r.id {
			r.send(Message{To: id, Type: MsgHeartbeat, Commit: min(r.prs[id].match, r.log.committed), Context: ctx})
		}
	}
}

// countVoters counts the voters among the nodes in acks.
func (r *Raft) countVoters(acks map[uint64]bool) int {
	n := 0
	for id := range acks {
		if r.isVoter(id) {
			n++
		}
	}
	return n
}
