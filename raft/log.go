package raft

import "sort"

// raftLog is the core's view of the replicated log: a prefix compacted into a
// snapshot (snapIndex, snapTerm) followed by the entries the node still holds.
// It tracks how far the entries are durable (stable), known committed and
// handed out for applying.
//
// Invariant: at(k).Index == snapIndex+1+k, and terms never decrease.
// Invariant: snapIndex <= applied <= committed <= lastIndex().
// Invariant: snapIndex <= stable <= written <= lastIndex().
//
// The entries are kept in arrays of chunkLen() entries each (chunks), not in
// one array: a log of a million entries then never copies itself to grow
// (a doubling array of that size is tens of megabytes copied in one go, a
// stall of the loop, longer still while the garbage collector marks), and
// compaction frees whole arrays. Entries are never modified in place: a
// truncation copies the kept part of its chunk into a fresh array. Slices
// handed out (with capacity capped to their length) therefore stay valid and
// unchanged after any later append or truncation.
type raftLog struct {
	snapIndex uint64
	snapTerm  uint64
	// chunks hold the entries: chunks[0][off] is the first held entry
	// (index snapIndex+1), n entries in all, each chunk filled in order to
	// chunkLen() (its capacity) before the next begins.
	chunks    [][]Entry
	off       int
	n         int
	shift     uint8  // chunkLen() is 1<<shift (defaultChunkShift but in tests)
	stable    uint64 // highest index known to be persisted by the caller
	written   uint64 // highest index handed to the caller to persist (Ready.Entries)
	committed uint64 // highest index known to be committed
	applied   uint64 // highest index handed out in Ready.Committed
}

// defaultChunkShift makes chunks of 4096 entries: 256 KiB for entries of
// 64 bytes, their data apart. The simulation uses chunks of 4 entries on
// some seeds (Config.chunkShift), so that its short logs cross chunk
// boundaries all the time.
const defaultChunkShift = 12

// chunkLen is how many entries one chunk holds.
func (l *raftLog) chunkLen() int { return 1 << l.shift }

// locate returns where position g of the chunks is: chunk c, slot a
// (g counts from chunks[0][0]; the held entry at k is at g = off+k).
func (l *raftLog) locate(g int) (c, a int) { return g >> l.shift, g & (1<<l.shift - 1) }

// at returns the held entry at position k (index snapIndex+1+k), 0 <= k < n.
func (l *raftLog) at(k int) *Entry {
	c, a := l.locate(l.off + k)
	return &l.chunks[c][a]
}

// push appends the entries of ents after the last held one.
func (l *raftLog) push(ents []Entry) {
	chunkLen := l.chunkLen()
	for len(ents) > 0 {
		if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1]) == chunkLen {
			l.chunks = append(l.chunks, make([]Entry, 0, chunkLen))
		}
		last := &l.chunks[len(l.chunks)-1]
		k := min(len(ents), chunkLen-len(*last))
		*last = append(*last, ents[:k]...)
		ents = ents[k:]
		l.n += k
	}
}

// truncate keeps the first k held entries and drops the rest. The chunk it
// cuts into is copied, so that slices handed out of it stay unchanged.
func (l *raftLog) truncate(k int) {
	if k >= l.n {
		return
	}
	if k == 0 {
		clear(l.chunks)
		l.chunks, l.off, l.n = l.chunks[:0], 0, 0
		return
	}
	c, a := l.locate(l.off + k - 1) // the last kept entry
	kept := l.chunks[c][:a+1]
	fresh := make([]Entry, len(kept), l.chunkLen())
	copy(fresh, kept)
	clear(l.chunks[c+1:])
	l.chunks = append(l.chunks[:c], fresh)
	l.n = k
}

func (l *raftLog) firstIndex() uint64 { return l.snapIndex + 1 }

func (l *raftLog) lastIndex() uint64 { return l.snapIndex + uint64(l.n) }

func (l *raftLog) lastTerm() uint64 {
	if l.n > 0 {
		return l.at(l.n - 1).Term
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
	return l.at(int(i - l.snapIndex - 1)).Term, true
}

func (l *raftLog) matchTerm(i, t uint64) bool {
	tt, ok := l.term(i)
	return ok && tt == t
}

// isUpToDate reports whether a log ending at (lastIdx, lastTerm) is at least
// as up to date as this one (Raft §5.4.1).
func (l *raftLog) isUpToDate(lastIdx, lastTerm uint64) bool {
	return UpToDate(lastIdx, lastTerm, l.lastIndex(), l.lastTerm())
}

// UpToDate reports whether a log ending at index i of term t is at least as
// up to date as one ending at index mi of term mt (§5.4.1): the rule a vote
// is granted by, for explanations to apply as the core does.
func UpToDate(i, t, mi, mt uint64) bool {
	return t > mt || t == mt && i >= mi
}

// slice returns the held entries in [lo, hi), clipped to what is held. The
// result aliases the log with its capacity capped when the range lies in one
// chunk, and is a copy when it spans chunks: callers must not modify it.
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
	ga, gb := l.off+int(lo-l.snapIndex-1), l.off+int(hi-l.snapIndex-1)
	ca, a := l.locate(ga)
	if cb, b := l.locate(gb - 1); ca == cb {
		return l.chunks[ca][a : b+1 : b+1]
	}
	out := make([]Entry, 0, gb-ga)
	for g := ga; g < gb; {
		c, a := l.locate(g)
		b := min(l.chunkLen(), a+gb-g)
		out = append(out, l.chunks[c][a:b]...)
		g += b - a
	}
	return out
}

// limited returns entries from lo on, at most maxEntries of them and at most
// maxBytes of entry data (but always at least one entry if any is held).
func (l *raftLog) limited(lo uint64, maxEntries int, maxBytes uint64) []Entry {
	lo = max(lo, l.snapIndex+1)
	hi := l.lastIndex() + 1
	if maxEntries >= 0 && lo < hi && hi-lo > uint64(maxEntries) {
		hi = lo + uint64(maxEntries)
	}
	ents := l.slice(lo, hi)
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
	n := int(index - l.snapIndex) // positions 0..n-1 are candidates
	// Terms never decrease, so the entries with term <= term form a prefix.
	k := sort.Search(n, func(k int) bool { return l.at(k).Term > term })
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
		l.push(ents)
		return
	}
	// Truncate: the chunk cut into is copied, so handed-out slices stay
	// unchanged.
	l.truncate(int(after - l.snapIndex - 1))
	l.push(ents)
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
