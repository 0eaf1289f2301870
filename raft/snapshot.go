package raft

// This file holds log compaction and InstallSnapshot: the application's
// Compact call, the leader sending its newest snapshot to a follower that
// needs compacted entries, the retry of a lost snapshot, and the follower
// installing one.

// Compact tells the core that the application has durably saved snap, a
// state-machine image covering the log up to snap.Meta.Index. The core drops
// the entries up to that index from memory (keeping the index and its term
// for the consistency check) and keeps snap to send to followers that need
// compacted entries. snap.Data is kept, not copied: the caller must not
// modify it afterwards.
//
// Call it between an Advance and the next Ready (never with a Ready in
// hand). snap.Meta.Index must be at most the applied index and at least the
// current snapshot index (equal replaces the kept data), and snap.Meta.Term
// must be the term of that entry. Errors wrap ErrCompact.
//
// snap.Meta.Conf should be ConfAt(snap.Meta.Index), saved with the image: a
// node restarted from the snapshot reads its configuration from there once
// the log no longer holds the configuration entries. Left empty, the core
// fills it in for the copy it keeps and sends, but a restart from the
// saved copy falls back to Config.Peers.
func (r *Raft) Compact(snap Snapshot) error {
	idx, term := snap.Meta.Index, snap.Meta.Term
	switch {
	case idx == 0:
		return fmtErr(ErrCompact, "snapshot at index 0")
	case idx > r.log.applied:
		return fmtErr(ErrCompact, "index %d beyond applied %d", idx, r.log.applied)
	case idx < r.log.snapIndex:
		return fmtErr(ErrCompact, "index %d already compacted (snapshot at %d)", idx, r.log.snapIndex)
	}
	if t, _ := r.log.term(idx); t != term {
		return fmtErr(ErrCompact, "snapshot at %d has term %d, log has %d", idx, term, t)
	}
	meta := snap.Meta
	if meta.Conf.IsEmpty() {
		meta.Conf = r.ConfAt(idx)
	}
	if len(meta.Conf.Voters) == 0 {
		// A node that joined a running cluster has no bootstrap
		// configuration: before its first configuration entry it does not
		// know the one in force, and a snapshot without it would be
		// refused by every follower it were sent to.
		return fmtErr(ErrCompact, "the configuration in force at %d is not known here (the node joined later, with no bootstrap configuration): compact at or after its first configuration entry", idx)
	}
	r.snapshot = &Snapshot{Meta: meta, Data: snap.Data}
	if idx == r.log.snapIndex {
		return nil
	}
	r.snapConf = meta.Conf
	r.log.compact(idx)
	r.emit(EventSnapshot, None, "compacted log up to %d", idx)
	return nil
}

// sendSnapshot sends the newest snapshot to a follower whose next entry is
// compacted away and moves it to stateSnapshot until it answers.
func (r *Raft) sendSnapshot(to uint64, pr *progress) {
	snap := r.snapshot
	if snap == nil || snap.Meta.Index != r.log.snapIndex {
		// Only reachable if the log was compacted without a snapshot image
		// (a restart with Config.Snapshot but no data): send the metadata
		// alone, the application sees an empty Data.
		snap = &Snapshot{Meta: SnapshotMeta{Index: r.log.snapIndex, Term: r.log.snapTerm, Conf: r.baseConf()}}
	}
	if snap.Meta.Conf.IsEmpty() {
		// A snapshot written before membership changes existed: the
		// bootstrap configuration applied at its index, and the follower
		// is told so (it refuses a snapshot without one).
		snap = &Snapshot{Meta: SnapshotMeta{Index: snap.Meta.Index, Term: snap.Meta.Term, Conf: r.baseConf()}, Data: snap.Data}
	}
	pr.becomeSnapshot(snap.Meta.Index)
	r.send(Message{To: to, Type: MsgSnap, Snapshot: snap})
	r.emit(EventSnapshot, to, "sent snapshot at %d (term %d) to %d", snap.Meta.Index, snap.Meta.Term, to)
}

// SendingSnapshot reports whether this node leads and waits for a
// follower to answer the snapshot it sent it. Compacting further
// meanwhile leaves that follower, once it has installed the snapshot,
// short of the entries right after it: it is sent a newer snapshot, and
// under steady writes it can chase snapshots for a long time (a learner
// added under 1,000 writes a second with a snapshot every 3 entries was
// sent 198 of them in 9.5 s). The application may hold back its
// compaction while this holds (as etcd keeps entries after a snapshot for
// slow followers).
func (r *Raft) SendingSnapshot() bool {
	if r.role != RoleLeader {
		return false
	}
	for _, id := range r.members {
		if pr := r.prs[id]; id != r.id && pr != nil && pr.state == stateSnapshot {
			return true
		}
	}
	return false
}

// snapshotRetryTicks is how long the leader waits for the answer to a
// snapshot before sending it again.
func (r *Raft) snapshotRetryTicks() int {
	if r.snapRetry > 0 {
		return r.snapRetry
	}
	return 4 * r.electionMax
}

// tickSnapshots counts the leader's ticks for every snapshot in flight and
// resends the ones not answered in time (lost, or dropped by the transport).
func (r *Raft) tickSnapshots() {
	for _, id := range r.members {
		pr := r.prs[id]
		if id == r.id || pr == nil || pr.state != stateSnapshot {
			continue
		}
		pr.snapElapsed++
		if pr.snapElapsed >= r.snapshotRetryTicks() {
			pr.becomeProbe()
			r.sendAppend(id, true)
		}
	}
}

// handleSnapshot is the follower's side of InstallSnapshot. The answer is a
// MsgAppResp with the index the follower now matches the leader up to; it
// leaves only after the Ready holding the snapshot is persisted.
func (r *Raft) handleSnapshot(m Message) {
	meta := m.Snapshot.Meta
	switch {
	case meta.Index <= r.log.committed && !r.unsafeStaleSnapshot:
		// Stale (duplicate, or overtaken by appends): the log already holds
		// a committed prefix at least this long.
		r.emit(EventSnapshot, m.From, "ignored snapshot at %d (term %d) from %d: commit %d is past it",
			meta.Index, meta.Term, m.From, r.log.committed)
		r.send(Message{To: m.From, Type: MsgAppResp, Index: r.log.committed})
	case r.log.matchTerm(meta.Index, meta.Term):
		// The log already holds the snapshot's last entry, so by Log
		// Matching it holds everything before: commit up to it and apply
		// the entries normally. Nothing is discarded.
		r.followerCommit(meta.Index, m.From)
		r.emit(EventSnapshot, m.From, "fast-forwarded commit to snapshot at %d (term %d) from %d",
			meta.Index, meta.Term, m.From)
		r.send(Message{To: m.From, Type: MsgAppResp, Index: meta.Index})
	default:
		snap := &Snapshot{Meta: meta, Data: m.Snapshot.Data}
		r.log.restore(meta)
		r.dropStaleAcks()
		r.snapshot = snap
		r.pendingSnapshot = snap
		r.snapConf = meta.Conf.Clone() // never empty: validateSnapshot
		r.installing = &meta
		r.reloadConf()
		r.installing = nil
		// "installed" is told at Advance (announceInstall): the snapshot
		// is only in memory yet. This acknowledgement, too, leaves only
		// after the snapshot is persisted.
		r.installFrom = m.From
		r.send(Message{To: m.From, Type: MsgAppResp, Index: meta.Index})
	}
}

// validateSnapshot checks that a MsgSnap carries a well-formed snapshot.
func validateSnapshot(m Message) error {
	s := m.Snapshot
	switch {
	case s == nil:
		return badMessage("snapshot from %d without a snapshot", m.From)
	case s.Meta.Index == 0 || s.Meta.Term == 0:
		return badMessage("snapshot from %d at %d@%d", m.From, s.Meta.Index, s.Meta.Term)
	case s.Meta.Term > m.Term:
		return badMessage("snapshot from %d: term %d above message term %d", m.From, s.Meta.Term, m.Term)
	case len(s.Meta.Conf.Voters) == 0:
		// The configuration in force at its index (thesis 5.1): without it
		// the follower would go on with the one it had, and count the
		// wrong majorities.
		return badMessage("snapshot from %d at %d@%d carries no configuration (no voters)", m.From, s.Meta.Index, s.Meta.Term)
	}
	if err := s.Meta.Conf.check(); err != nil {
		return badMessage("snapshot from %d at %d@%d: %v", m.From, s.Meta.Index, s.Meta.Term, err)
	}
	return nil
}

// compact drops the entries up to i (snapIndex < i <= applied) into the
// snapshot prefix. Chunks that held only dropped entries are let go; the
// kept entries of the chunk the log now starts in move to a fresh chunk,
// so that the dropped ones' data can be freed too (the old chunk cannot be
// cleared in place: slices handed out earlier stay valid).
func (l *raftLog) compact(i uint64) {
	t, _ := l.term(i)
	drop := int(i - l.snapIndex)
	c, a := l.locate(l.off + drop) // where the first kept entry is
	rest := make([][]Entry, len(l.chunks)-c, max(len(l.chunks)-c, 4))
	copy(rest, l.chunks[c:])
	if len(rest) > 0 && a > 0 {
		fresh := make([]Entry, len(rest[0]), l.chunkLen())
		copy(fresh[a:], rest[0][a:])
		rest[0] = fresh
	}
	l.chunks, l.off, l.n = rest, a, l.n-drop
	l.snapIndex, l.snapTerm = i, t
	l.stable = max(l.stable, i)
	l.written = max(l.written, i)
}

// restore discards the whole log and starts it after meta, which is
// committed, persisted (once the Ready holding it is) and applied (by
// installing the snapshot) by definition.
func (l *raftLog) restore(meta SnapshotMeta) {
	l.chunks, l.off, l.n = nil, 0, 0
	l.snapIndex, l.snapTerm = meta.Index, meta.Term
	l.stable, l.written, l.committed, l.applied = meta.Index, meta.Index, meta.Index, meta.Index
}

// ReportSnapshot tells the leader that the snapshot it sent to follower to
// was lost on the way (the transport dropped it, or the connection broke
// mid-transfer). The follower goes back to probing, so the snapshot is sent
// again at its next heartbeat answer instead of after SnapshotRetryTicks
// (which stays as the backstop for a loss nobody reports). It does nothing
// on a non-leader, or when no snapshot to that follower is in flight.
func (r *Raft) ReportSnapshot(to uint64) {
	if r.role != RoleLeader {
		return
	}
	pr := r.prs[to]
	if pr == nil || pr.state != stateSnapshot {
		return
	}
	r.emit(EventSnapshot, to, "snapshot at %d to %d was lost on the way: sending it again", pr.pendingSnapshot, to)
	pr.becomeProbe()
}
