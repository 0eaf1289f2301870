package wal

import (
	"bytes"
	"errors"
	"fmt"

	"raftplay/raft"
)

// replay rebuilds the log from records in the order they were written.
//
// Invariant: ents is contiguous; when it is empty and anchored, next (if
// not 0) is the index the next entry must have. Until the first entry is
// seen, the replay is not anchored: after compaction the oldest remaining
// segment may begin with a snapshot record older than entries already
// deleted, so nothing is assumed about where its entries start (Open checks
// that they begin right after the chosen snapshot).
type replay struct {
	ents     []raft.Entry
	next     uint64
	anchored bool
	hs       raft.HardState
	snap     raft.SnapshotMeta // newest snapshot record seen
}

// lastIndex returns the index of the last entry held, or next-1.
func (r *replay) lastIndex() uint64 {
	if len(r.ents) == 0 {
		if r.next == 0 {
			return 0
		}
		return r.next - 1
	}
	return r.ents[len(r.ents)-1].Index
}

// record applies one decoded record.
func (r *replay) record(f frame) error {
	switch f.typ {
	case RecordEntry:
		e := entryOf(f.payload)
		if len(e.Data) >= OwnDataBytes {
			e.Data = bytes.Clone(e.Data)
		}
		return r.entry(e)
	case RecordHardState:
		r.hs = hardStateOf(f.payload)
	case RecordSnapshot:
		m, reset := snapshotMetaOf(f.payload)
		if m.Index == 0 {
			return errors.New("snapshot record at index 0")
		}
		if m.Index > r.snap.Index {
			r.snap = m
		}
		if reset {
			// The log did not hold the snapshot's last entry: it was
			// emptied and continues right after the snapshot.
			r.ents = r.ents[:0]
			r.next = m.Index + 1
			r.anchored = true
		}
	}
	return nil
}

// entry appends e, replacing any suffix it overwrites.
func (r *replay) entry(e raft.Entry) error {
	if e.Index == 0 {
		return errors.New("entry at index 0")
	}
	if len(r.ents) == 0 {
		if r.anchored && r.next != 0 && e.Index != r.next {
			return fmt.Errorf("entry %d where %d was expected", e.Index, r.next)
		}
		r.anchored = true
		r.ents = append(r.ents, e)
		return nil
	}
	first, last := r.ents[0].Index, r.lastIndex()
	switch {
	case e.Index == last+1:
		r.ents = append(r.ents, e)
	case e.Index > last+1:
		return fmt.Errorf("entry %d leaves a gap after %d", e.Index, last)
	case e.Index >= first:
		r.ents = append(r.ents[:e.Index-first], e)
	default:
		// Only after compaction: the oldest remaining segments held entries
		// that a later overwrite from below them made obsolete.
		r.ents = append(r.ents[:0], e)
	}
	return nil
}

// applySnapshot applies a snapshot file newer than every snapshot record
// (a crash came between the file and its record): entries after it are
// kept only if the log holds m.Index with term m.Term; otherwise the log is
// emptied and continues at m.Index+1. Entries at or below m.Index are left
// for the caller to trim. It reports whether the log was emptied.
func (r *replay) applySnapshot(m raft.SnapshotMeta) bool {
	if len(r.ents) == 0 {
		r.next = max(r.next, m.Index+1)
		return true
	}
	first, last := r.ents[0].Index, r.lastIndex()
	if m.Index < first {
		return false
	}
	if m.Index <= last && r.ents[m.Index-first].Term == m.Term {
		return false
	}
	r.ents = r.ents[:0]
	r.next = m.Index + 1
	return true
}

// trim drops entries at or below index.
func (r *replay) trim(index uint64) {
	if len(r.ents) == 0 || r.ents[0].Index > index {
		return
	}
	k := index - r.ents[0].Index + 1
	if k >= uint64(len(r.ents)) {
		r.ents = nil
		r.next = index + 1
		return
	}
	r.ents = r.ents[k:]
}
