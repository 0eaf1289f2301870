package raft

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds log replication: the leader's side (appending proposals,
// sending MsgApp and heartbeats, handling answers, advancing commit) and the
// follower's (the consistency check, log repair and acknowledgements).

// appendEntries appends ents to the leader's log, stamping index and term.
// The leader's own copy counts toward commit only once persisted (Advance).
func (r *Raft) appendEntries(ents []Entry) {
	last := r.log.lastIndex()
	for k := range ents {
		ents[k].Index = last + 1 + uint64(k)
		ents[k].Term = r.term
	}
	r.log.append(ents)
	r.confFromEntries(ents)
}

func (r *Raft) bcastAppend() {
	for _, id := range r.members {
		if id != r.id {
			r.sendAppend(id, true)
		}
	}
}

// bcastAppendSoon asks for a bcastAppend when the caller next takes a
// Ready, not now. Proposals and commit advances that arrive between two
// Readys (a node folds everything queued into one Ready) then reach each
// follower in one MsgApp carrying all the new entries and the newest commit
// index, instead of one MsgApp per proposal and one more per commit step.
// The messages would leave with that Ready anyway: only their number changes.
func (r *Raft) bcastAppendSoon() {
	if r.role == RoleLeader {
		r.bcastDue = true
	}
}

// flushBcast performs a bcastAppend deferred by bcastAppendSoon.
func (r *Raft) flushBcast() {
	if r.bcastDue {
		r.bcastDue = false
		r.bcastAppend()
	}
}

func (r *Raft) bcastHeartbeat() {
	// Every heartbeat carries the newest read still waiting for a majority:
	// its acknowledgements confirm it and every earlier read, so a read
	// whose own heartbeat round was lost is confirmed by the next round.
	var ctx []byte
	if len(r.reads) > 0 {
		ctx = r.reads[len(r.reads)-1].tag
	}
	for _, id := range r.members {
		if id == r.id {
			continue
		}
		// Never tell a follower to commit beyond what it is known to hold.
		commit := min(r.prs[id].match, r.log.committed)
		r.send(Message{To: id, Type: MsgHeartbeat, Commit: commit, Context: ctx})
	}
}

// sendAppend sends the follower the next batch of entries, or an empty
// MsgApp when sendIfEmpty (to carry the commit index or probe). It reports
// whether a message was sent. These MsgApp may leave before the leader's own
// fsync of the same entries (Raft thesis §10.2.1).
func (r *Raft) sendAppend(to uint64, sendIfEmpty bool) bool {
	pr := r.prs[to]
	if pr.paused() {
		return false
	}
	prevIndex := pr.next - 1
	prevTerm, ok := r.log.term(prevIndex)
	if !ok {
		// The entry is compacted away: only a snapshot can catch up.
		r.sendSnapshot(to, pr)
		return true
	}
	ents := r.log.limited(pr.next, r.maxEntries, r.maxBytes)
	if len(ents) == 0 && !sendIfEmpty {
		return false
	}
	r.send(Message{To: to, Type: MsgApp, Index: prevIndex, LogTerm: prevTerm, Entries: ents, Commit: r.log.committed})
	switch pr.state {
	case stateReplicate:
		if n := len(ents); n > 0 {
			last := ents[n-1].Index
			pr.next = last + 1
			pr.inflight.add(last, uint64(EntryBytes(ents)))
		}
	case stateProbe:
		pr.probeSent = true
	}
	return true
}

// sendEmptyAppend sends the follower an empty MsgApp after the last entry
// sent to it, whatever its window: it carries the commit index and checks
// that the follower holds everything sent so far.
func (r *Raft) sendEmptyAppend(to uint64, pr *progress) {
	prevIndex := pr.next - 1
	prevTerm, ok := r.log.term(prevIndex)
	if !ok {
		// Compacted since it was sent: probe from match, which sends a
		// snapshot if the follower needs one.
		pr.becomeProbe()
		r.sendAppend(to, true)
		return
	}
	r.send(Message{To: to, Type: MsgApp, Index: prevIndex, LogTerm: prevTerm, Commit: r.log.committed})
}

func (r *Raft) handleAppResp(m Message) error {
	pr := r.prs[m.From]
	pr.recentActive = true
	pr.heardAgo, pr.answered = 0, true
	if m.Reject {
		if m.Index == 0 {
			// A refusal of a message from a lower term (staleTermReject),
			// sent before we reached this term: not about the log.
			return nil
		}
		pr.lastRej, pr.lastHint, pr.lastHintT = m.Index, m.RejectHint, m.LogTerm
		if m.Index > r.log.lastIndex() {
			return badMessage("append rejection from %d at index %d beyond last %d", m.From, m.Index, r.log.lastIndex())
		}
		// Fast back-off: the follower's hint (index, term) lets the leader
		// skip every entry of a mismatching term in one round trip.
		next := m.RejectHint
		if m.LogTerm > 0 {
			next = r.log.findConflictByTerm(m.RejectHint, m.LogTerm)
		}
		if m.Index <= pr.match && m.Index > 0 && !pr.lostTold {
			// A correct follower never refuses what it acknowledged.
			pr.lostTold = true
			r.emit(EventAppendRejected, m.From, "was refused entry %d by %d, which had acknowledged it (match %d): node %d lost entries it had made durable; the leader cannot go below match, and repairs it only if another leader is elected",
				m.Index, m.From, pr.match, m.From)
		}
		if pr.maybeDecrTo(m.Index, next) {
			if pr.state == stateReplicate {
				pr.becomeProbe()
			}
			r.sendAppend(m.From, true)
		}
		return nil
	}
	if m.Index > r.log.lastIndex() {
		return badMessage("append ack from %d at index %d beyond last %d", m.From, m.Index, r.log.lastIndex())
	}
	wasPaused := pr.paused()
	if !pr.maybeUpdate(m.Index) {
		return nil
	}
	switch pr.state {
	case stateProbe:
		pr.becomeReplicate()
	case stateSnapshot:
		// The follower installed the snapshot (or already held it): resume
		// appending once it matches beyond the compacted prefix.
		if pr.match < r.log.snapIndex {
			if pr.match >= pr.pendingSnapshot {
				// Installed, but the leader has compacted further since.
				pr.becomeProbe()
				r.sendAppend(m.From, true)
			}
			return nil
		}
		pr.becomeReplicate()
	case stateReplicate:
		pr.inflight.freeLE(m.Index)
	}
	switch {
	case r.maybeCommit():
		r.bcastAppendSoon()
	case wasPaused:
		// The follower may have missed commit updates while paused.
		r.sendAppend(m.From, true)
	}
	for r.sendAppend(m.From, false) {
	}
	if m.From == r.transferee {
		r.maybeSendTimeoutNow()
	}
	return nil
}

func (r *Raft) handleHeartbeatResp(m Message) {
	pr := r.prs[m.From]
	pr.recentActive = true
	pr.heardAgo, pr.answered = 0, true
	pr.probeSent = false
	switch {
	case pr.state == stateReplicate && pr.inflight.full():
		// The window stays full: the follower has not acknowledged what
		// is in flight, and is sent nothing more until it does. (Freeing
		// a slot per answer, as this leader once did, let 1 MiB more out
		// per heartbeat to a follower already seconds behind: its link
		// and inbox grew without bound, and the heartbeats queued behind
		// them came too late to hold off elections.) An empty MsgApp
		// after the last one sent finds out whether any were lost: the
		// follower acknowledges it once it holds them all, which frees
		// the window, or rejects it, and the leader falls back to
		// probing and sends them again.
		r.sendEmptyAppend(m.From, pr)
	case pr.match < r.log.lastIndex():
		// Send even an empty MsgApp: if earlier ones were lost the follower
		// rejects it and the leader falls back to probing.
		r.sendAppend(m.From, true)
	case m.From == r.transferee:
		r.maybeSendTimeoutNow()
	}
}

// maybeCommit advances the commit index to the highest index a majority
// holds, but only to an entry of the current term (§5.4.2): entries of
// earlier terms commit indirectly, with it.
func (r *Raft) maybeCommit() bool {
	matches := r.matchBuf[:0]
	for _, id := range r.peers {
		matches = append(matches, r.prs[id].match)
	}
	idx := quorumIndex(matches)
	if idx <= r.log.committed || !r.log.matchTerm(idx, r.term) && !r.unsafeCommitOldTerm {
		return false
	}
	r.log.commitTo(idx)
	if len(r.pendingReads) > 0 {
		r.servePendingReads()
	}
	r.emitCommit(None)
	return true
}

// rejection is a follower's refusal of an append for a log mismatch, as
// its event tells it: to whom, in which term, and the hint it gave.
type rejection struct {
	from, term, hint, hintTerm uint64
}

// handleAppend is the follower's side of AppendEntries.
func (r *Raft) handleAppend(m Message) error {
	if m.Index < r.log.committed {
		// Everything up to commit already matches any leader's log.
		r.send(Message{To: m.From, Type: MsgAppResp, Index: r.log.committed})
		return nil
	}
	if !r.log.matchTerm(m.Index, m.LogTerm) {
		hint := r.log.findConflictByTerm(min(m.Index, r.log.lastIndex()), m.LogTerm)
		hintTerm, _ := r.log.term(hint)
		rej := rejection{from: m.From, term: r.term, hint: hint, hintTerm: hintTerm}
		r.emitEvent(rej == r.lastReject, EventAppendRejected, m.From, "rejected append from %d: no entry %d@%d (hint %d@%d)", m.From, m.Index, m.LogTerm, hint, hintTerm)
		r.lastReject = rej
		r.send(Message{To: m.From, Type: MsgAppResp, Index: m.Index, Reject: true, RejectHint: hint, LogTerm: hintTerm, Why: WhyLogMismatch})
		return nil
	}
	r.lastReject = rejection{}
	lastNew := m.Index + uint64(len(m.Entries))
	if ci := r.log.findConflict(m.Entries); ci != 0 {
		if ci <= r.log.committed {
			return badMessage("append from %d conflicts with committed entry %d (commit %d)", m.From, ci, r.log.committed)
		}
		if last := r.log.lastIndex(); ci <= last && r.onEvent != nil {
			// The Figure 7 moment: entries the leader does not have give way.
			end := min(last, m.Index+uint64(len(m.Entries)))
			entries, terms := "entries", "terms"
			if ci == end {
				entries, terms = "entry", "term"
			}
			text := fmt.Sprintf("replaced %s %s (%s %s) with the leader's (%s %s)",
				entries, span(ci, end), terms, r.log.termList(ci, end), terms, termList(m.Entries[ci-m.Index-1:end-m.Index]))
			if last > end {
				// A conflict removes every entry after it too (§5.3), also
				// those past the append's end: say so, or they vanish
				// without a word.
				gone, goneTerms := "entry", "term"
				if last > end+1 {
					gone, goneTerms = "entries", "terms"
				}
				after := "them"
				if ci == end {
					after = "it"
				}
				text += fmt.Sprintf(", and dropped %s %s (%s %s) after %s", gone, span(end+1, last), goneTerms, r.log.termList(end+1, last), after)
			}
			r.emit(EventReplaced, m.From, "%s", text)
		}
		truncated := ci <= r.log.lastIndex()
		r.log.append(m.Entries[ci-m.Index-1:])
		if truncated {
			r.dropStaleAcks()
			r.reloadConf() // a configuration entry may have been cut away
		} else {
			r.confFromEntries(m.Entries[ci-m.Index-1:])
		}
	}
	// Only up to the last entry this append vouches for: beyond it the log
	// may hold a stale tail the leader never had (Figure 2, rule 5).
	commit := min(m.Commit, lastNew)
	if r.unsafeUncappedCommit {
		commit = m.Commit
	}
	r.followerCommit(commit, m.From)
	// This acknowledgement leaves only after the entries are persisted.
	r.send(Message{To: m.From, Type: MsgAppResp, Index: lastNew})
	return nil
}

// dropStaleAcks removes from the messages waiting for the next Ready the
// append acknowledgements sent to leaders of earlier terms, once the log has
// been truncated or replaced by a leader of this term. The entries such an
// acknowledgement names may be the ones just discarded, before any Ready
// persisted them: the node folds every queued message into one Ready, and
// that Ready would persist the new leader's entries and still release the
// old leader's acknowledgement, which promises that its entries are
// durable. (A leader's own log only grows within its term, so an
// acknowledgement sent to the leader of this term stays true.) Dropping an
// answer is a message lost: the old leader, if it still thinks it leads,
// hears this node's newer term at its next append.
func (r *Raft) dropStaleAcks() {
	kept := r.msgs[:0]
	for _, m := range r.msgs {
		if m.Type == MsgAppResp && !m.Reject && m.Term < r.term {
			continue
		}
		kept = append(kept, m)
	}
	clear(r.msgs[len(kept):])
	r.msgs = kept
}

func (r *Raft) handleHeartbeat(m Message) {
	r.followerCommit(m.Commit, m.From)
	r.send(Message{To: m.From, Type: MsgHeartbeatResp, Context: m.Context})
}

func (r *Raft) followerCommit(i, from uint64) {
	if r.log.commitTo(i) {
		r.emitCommit(from)
	}
}

// span formats the index range a..b: "41..44", or "41" alone.
func span(a, b uint64) string {
	if a == b {
		return strconv.FormatUint(a, 10)
	}
	return strconv.FormatUint(a, 10) + ".." + strconv.FormatUint(b, 10)
}

// termList lists the terms of ents: "2,2,3,3", shortened to its first and
// last terms ("2..5") past eight entries.
func termList(ents []Entry) string {
	terms := make([]uint64, len(ents))
	for i, e := range ents {
		terms[i] = e.Term
	}
	return joinTerms(terms)
}

func joinTerms(terms []uint64) string {
	if len(terms) > 8 {
		return strconv.FormatUint(terms[0], 10) + ".." + strconv.FormatUint(terms[len(terms)-1], 10)
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = strconv.FormatUint(t, 10)
	}
	return strings.Join(parts, ",")
}
