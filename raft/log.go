package raft

import "sort"

// raftLog is the core's view of the replicated log: a prefix compacted into a
// snapshot (snapIndex, snapTerm) followed by the entries the node still holds.
// It tracks how far the entries are durable (stable), known committed and
// handed out for applying.
//
// Invariant: entries[k].Index == snapIndex+1+k, and terms never decrease.
// Invariant: snapIndex <= applied <= committed <= lastIndex().
// Invariant: snapIndex <= stable <= written <= lastIndex().
//
// Entries are never modified in place: a truncation copies the kept prefix
// into a fresh array. Slices handed out (with capacity capped to their length)
// therefore stay valid and unchanged after any later append or truncation.
type raftLog struct {
	snapIndex uint64
	snapTerm  uint64
	entries   []Entry
	stable    uint64 // highest index known to be persisted by the caller
	written   uint64 // highest index handed to the caller to persist (Ready.Entries)
	committed uint64 // highest index known to be committed
	applied   uint64 // highest index handed out in Ready.Committed
}

func (l *raftLog) firstIndex() uint64 { return l.snapIndex + 1 }

func (l *raftLog) lastIndex() uint64 { return l.snapIndex + uint64(len(l.entries)) }

func (l *raftLog) lastTerm() uint64 {
	if n := len(l.entries); n > 0 {
		return l.entries[n-1].Term
	}
	return l.snapTerm
}

// term returns the term of entry i, or false when i is not held (compacted
// away or beyond the end). The snapshot's own index is held.
func (l *raftLog) term(i uint64) (uint64, bool) {
	if i == l.snapIndex {
		return l.snapTerm, true
	}
	if i < l.snapIndex || i > l.lastIndex() {
		return 0, false
	}
	return l.entries[i-l.snapIndex-1].Term, true
}

func (l *raftLog) matchTerm(i, t uint64) bool {
	tt, ok := l.term(i)
	return ok && tt == t
}

// isUpToDate reports whether a log ending at (lastIdx, lastTerm) is at least
// as up to date as this one (Raft §5.4.1).
func (l *raftLog) isUpToDate(lastIdx, lastTerm uint64) bool {
	lt := l.lastTerm()
	return lastTerm > lt || (lastTerm == lt && lastIdx >= l.lastIndex())
}

// slice returns the held entries in [lo, hi), clipped to what is held. The
// result aliases the log with its capacity capped: callers must not modify it.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	if lo <= l.snapIndex {
		lo = l.snapIndex + 1
	}
	if last := l.lastIndex(); hi > last+1 {
		hi = last + 1
	}
	if lo >= hi {
		return nil
	}
	a, b := lo-l.snapIndex-1, hi-l.snapIndex-1
	return l.entries[a:b:b]
}

// limited returns entries from lo on, at most maxEntries of them and at most
// maxBytes of entry data (but always at least one entry if any is held).
func (l *raftLog) limited(lo uint64, maxEntries int, maxBytes uint64) []Entry {
	ents := l.slice(lo, l.lastIndex()+1)
	if len(ents) > maxEntries {
		ents = ents[:maxEntries:maxEntries]
	}
	var size uint64
	for k := range ents {
		size += uint64(len(ents[k].Data))
		if k > 0 && size > maxBytes {
			return ents[:k:k]
		}
	}
	return ents
}

// unstable returns the entries not yet handed to the caller to persist.
func (l *raftLog) unstable() []Entry { return l.slice(l.written+1, l.lastIndex()+1) }

// nextCommitted returns the committed entries not yet handed out to apply.
func (l *raftLog) nextCommitted() []Entry { return l.slice(l.applied+1, l.committed+1) }

// findConflict returns the index of the first entry of ents whose term
// differs from the log's entry at that index (or that is beyond the end of
// the log), or 0 when every entry is already held.
func (l *raftLog) findConflict(ents []Entry) uint64 {
	for k := range ents {
		if !l.matchTerm(ents[k].Index, ents[k].Term) {
			return ents[k].Index
		}
	}
	return 0
}

// findConflictByTerm returns the largest held index <= index whose term is
// <= term (or the snapshot index). Leaders and followers use it to skip a
// whole term of mismatching entries per round trip.
func (l *raftLog) findConflictByTerm(index, term uint64) uint64 {
	if last := l.lastIndex(); index > last {
		index = last
	}
	if index <= l.snapIndex {
		return l.snapIndex
	}
	n := int(index - l.snapIndex) // entries[0:n] are candidates
	// Terms never decrease, so the entries with term <= term form a prefix.
	k := sort.Search(n, func(k int) bool { return l.entries[k].Term > term })
	return l.snapIndex + uint64(k)
}

// append adds ents, which must start at or before lastIndex()+1 and above
// the snapshot, truncating any held entries from ents[0].Index on.
func (l *raftLog) append(ents []Entry) {
	if len(ents) == 0 {
		return
	}
	after := ents[0].Index
	if after == l.lastIndex()+1 {
		if need := len(l.entries) + len(ents); need > cap(l.entries) {
			// Double the array: append grows a large slice by a quarter
			// at a time, which for a log appended a batch at a time
			// allocates about five times the log's size in all; doubling
			// allocates about twice. The old array is left as it was.
			grown := make([]Entry, len(l.entries), max(2*cap(l.entries), need, 64))
			copy(grown, l.entries)
			l.entries = grown
		}
		l.entries = append(l.entries, ents...)
		return
	}
	// Truncate: copy the kept prefix so handed-out slices stay unchanged.
	keep := l.entries[:after-l.snapIndex-1]
	fresh := make([]Entry, len(keep), len(keep)+len(ents))
	copy(fresh, keep)
	l.entries = append(fresh, ents...)
	l.written = min(l.written, after-1)
	l.stable = min(l.stable, after-1)
}

// stableTo records that the entries up to (i, t) are persisted, if entry i
// still has term t.
func (l *raftLog) stableTo(i, t uint64) {
	if i > l.stable && l.matchTerm(i, t) {
		l.stable = i
		l.written = max(l.written, i)
	}
}

// writtenTo records that the entries up to (i, t) were handed to the
// caller to persist, if entry i still has term t.
func (l *raftLog) writtenTo(i, t uint64) {
	if i > l.written && l.matchTerm(i, t) {
		l.written = i
	}
}

func (l *raftLog) commitTo(i uint64) bool {
	if last := l.lastIndex(); i > last {
		i = last
	}
	if i > l.committed {
		l.committed = i
		return true
	}
	return false
}

func (l *raftLog) appliedTo(i uint64) {
	if i > l.applied && i <= l.committed {
		l.applied = i
	}
}

// termList lists the terms of entries a..b held in the log (see joinTerms).
func (l *raftLog) termList(a, b uint64) string {
	terms := make([]uint64, 0, b-a+1)
	for i := a; i <= b; i++ {
		t, _ := l.term(i)
		terms = append(terms, t)
	}
	return joinTerms(terms)
}
