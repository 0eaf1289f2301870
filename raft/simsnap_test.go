package raft

import (
	"encoding/binary"
	"math/rand/v2"
)

// This file gives the simulation a state machine that snapshots can carry:
// the state after applying entries 1..i is a hash chain over them. A
// snapshot's data is (index, hash), so installing one is checked against the
// committed log exactly as applying each entry would be (State Machine
// Safety), and compaction and restarts from snapshots are simulated.

// mixEntry folds e into a state-machine hash (FNV-1a over its fields).
func mixEntry(h uint64, e Entry) uint64 {
	const prime = 1099511628211
	var b [17]byte
	binary.BigEndian.PutUint64(b[:], e.Index)
	binary.BigEndian.PutUint64(b[8:], e.Term)
	b[16] = byte(e.Type)
	for _, c := range b {
		h = (h ^ uint64(c)) * prime
	}
	for _, c := range e.Data {
		h = (h ^ uint64(c)) * prime
	}
	return h
}

func encodeSMState(index, hash uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, index)
	return binary.BigEndian.AppendUint64(b, hash)
}

func decodeSMState(b []byte) (index, hash uint64, ok bool) {
	if len(b) != 16 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:]), true
}

// restoreSM restores nd's state machine from snap, checking that it is the
// state of the committed log up to its index.
func (s *sim) restoreSM(nd *simNode, snap *Snapshot, why string) {
	idx, h, ok := decodeSMState(snap.Data)
	switch {
	case !ok || idx != snap.Meta.Index:
		s.fail("node %d: %s snapshot %d@%d holds bad data %x", nd.id, why, snap.Meta.Index, snap.Meta.Term, snap.Data)
	case idx > uint64(len(s.commit)):
		s.fail("node %d: %s snapshot at %d, beyond anything seen committed (%d)", nd.id, why, idx, len(s.commit))
	case s.commit[idx-1].Term != snap.Meta.Term || s.chain[idx] != h:
		s.fail("state machine safety: node %d %s snapshot %d@%d that differs from the committed log", nd.id, why, idx, snap.Meta.Term)
	case why == "installs" && idx <= nd.applied:
		s.fail("node %d installs snapshot at %d after applying %d", nd.id, idx, nd.applied)
	case !snap.Meta.Conf.IsEmpty() && !snap.Meta.Conf.Equal(s.truthConf(idx)):
		s.fail("node %d: %s snapshot at %d with configuration %s, the committed log says %s", nd.id, why, idx, snap.Meta.Conf, s.truthConf(idx))
	default:
		nd.applied, nd.hash = idx, h
		if why == "installs" {
			s.ninstalls++
		}
		return
	}
}

// compact has nd snapshot its state at a random applied index, persist the
// snapshot, drop the persisted entries it covers, and tell the core.
func (s *sim) compact(nd *simNode) { s.compactWith(nd, s.rng) }

// compactWith is compact drawing the index from rng.
func (s *sim) compactWith(nd *simNode, rng *rand.Rand) {
	old := nd.snap.Meta.Index
	if nd.r == nil || nd.applied <= old {
		return
	}
	idx := old + 1 + uint64(rng.IntN(int(nd.applied-old)))
	// A leader writing behind may have applied entries a majority of the
	// others holds before its own copy is durable; cluster/node.go lets its
	// writes finish before it snapshots, and so does this.
	s.flush(nd, len(nd.pending), true)
	if nd.r.log.stable < idx {
		s.fail("node %d: applied %d but stable only to %d", nd.id, nd.applied, nd.r.log.stable)
		return
	}
	term, _ := nd.r.Term(idx)
	if term != s.commit[idx-1].Term {
		s.fail("node %d applied %d at term %d, committed at term %d", nd.id, idx, term, s.commit[idx-1].Term)
		return
	}
	// The node's state at idx is the chain at idx: it applied the same
	// entries, each checked against the committed log.
	snap := Snapshot{Meta: SnapshotMeta{Index: idx, Term: term}, Data: encodeSMState(idx, s.chain[idx])}
	// The image names the configuration at its index, as an application
	// must persist it: a restart from it has no log to read that from.
	snap.Meta.Conf = nd.r.ConfAt(idx)
	if snap.Meta.Conf.IsEmpty() {
		return // a joined node before its first configuration entry: Compact refuses, later
	}
	if c := snap.Meta.Conf; !c.Equal(s.truthConf(idx)) {
		s.fail("node %d: configuration at %d is %s, the committed log says %s", nd.id, idx, c, s.truthConf(idx))
		return
	}
	nd.snap = snap
	nd.ents = append([]Entry(nil), nd.ents[idx-old:]...)
	if err := nd.r.Compact(snap); err != nil {
		s.fail("node %d: Compact(%d@%d): %v", nd.id, idx, term, err)
		return
	}
	s.ncompactions++
	s.tracef("compact %d up to %d@%d", nd.id, idx, term)
}
