package raft

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// checkLogInvariants fails if the core's bookkeeping broke an invariant.
func checkLogInvariants(t testing.TB, r *Raft) {
	t.Helper()
	l := &r.log
	if !(l.snapIndex <= l.applied && l.applied <= l.committed && l.committed <= l.lastIndex()) {
		t.Fatalf("node %d: snap %d applied %d commit %d last %d", r.id, l.snapIndex, l.applied, l.committed, l.lastIndex())
	}
	if l.stable < l.snapIndex || l.stable > l.lastIndex() {
		t.Fatalf("node %d: stable %d outside [%d, %d]", r.id, l.stable, l.snapIndex, l.lastIndex())
	}
	prev := l.snapTerm
	for k := range l.n {
		e := *l.at(k)
		if e.Index != l.snapIndex+1+uint64(k) || e.Term < prev || e.Term > r.term {
			t.Fatalf("node %d: bad entry %s at position %d (prev term %d, term %d)", r.id, DescribeEntry(e), k, prev, r.term)
		}
		prev = e.Term
	}
	if r.role == RoleLeader {
		for id, pr := range r.prs {
			if pr.match >= pr.next && id != r.id {
				t.Fatalf("node %d: progress of %d has match %d >= next %d", r.id, id, pr.match, pr.next)
			}
		}
	}
}

var interesting = []uint64{0, 1, 2, 3, 5, 8, 100, math.MaxUint64 - 1, math.MaxUint64}

func randomValue(rng *rand.Rand) uint64 {
	if rng.IntN(2) == 0 {
		return interesting[rng.IntN(len(interesting))]
	}
	return uint64(rng.IntN(12))
}

// randomMessage builds a message that is mostly garbage, sometimes
// plausible.
func randomMessage(rng *rand.Rand) Message {
	m := Message{
		Type:       MessageType(rng.IntN(int(msgTypeEnd) + 2)),
		From:       uint64(rng.IntN(6)),
		To:         uint64(rng.IntN(4)),
		Term:       randomValue(rng),
		LogTerm:    randomValue(rng),
		Index:      randomValue(rng),
		Commit:     randomValue(rng),
		Reject:     rng.IntN(2) == 0,
		RejectHint: randomValue(rng),
	}
	if rng.IntN(3) == 0 {
		n := rng.IntN(5)
		start := m.Index + 1
		if rng.IntN(4) == 0 {
			start = randomValue(rng)
		}
		term := m.LogTerm
		for k := range n {
			if rng.IntN(3) == 0 {
				term = randomValue(rng)
			}
			m.Entries = append(m.Entries, Entry{Index: start + uint64(k), Term: term, Type: EntryType(rng.IntN(3)), Data: []byte{byte(k)}})
		}
	}
	if rng.IntN(10) == 0 {
		m.Snapshot = &Snapshot{Meta: SnapshotMeta{Index: randomValue(rng), Term: randomValue(rng)}}
	}
	return m
}

// garbageCompact compacts at the applied index, or at a random one that is
// mostly refused.
func garbageCompact(r *Raft, rng *rand.Rand) {
	idx := r.log.applied
	if rng.IntN(2) == 0 {
		idx = randomValue(rng)
	}
	term, _ := r.Term(idx)
	if rng.IntN(4) == 0 {
		term = randomValue(rng)
	}
	_ = r.Compact(Snapshot{Meta: SnapshotMeta{Index: idx, Term: term}})
}

// TestStepGarbage feeds random, mostly malformed messages to nodes in every
// role. Step may return errors but must never panic or break an invariant.
func TestStepGarbage(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		r := newTestRaft(t, 1, three, withLog(3, 1, 1, 2, 3), func(c *Config) {
			c.HardState.Commit = 2
			c.PreVote = rng.IntN(2) == 0
			c.CheckQuorum = rng.IntN(2) == 0
		})
		switch rng.IntN(3) {
		case 1:
			r.becomeCandidate()
		case 2:
			r.becomeCandidate()
			r.becomeLeader()
		}
		for range 300 {
			switch rng.IntN(10) {
			case 0:
				r.Tick()
			case 1:
				_, _, _ = r.Propose([]byte("p"))
			case 2:
				drain(r)
			case 3:
				garbageCompact(r, rng)
			default:
				_ = r.Step(randomMessage(rng))
			}
			checkLogInvariants(t, r)
			_ = r.Status()
		}
	}
}

// FuzzStep drives one node with messages decoded from the fuzzer's bytes.
func FuzzStep(f *testing.F) {
	f.Add([]byte{4, 2, 1, 5, 3, 4, 0, 1, 9})
	f.Add([]byte{6, 3, 1, 7, 9, 9, 0, 0, 0, 5, 2, 1, 2, 3, 4, 5, 6, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 9*300 {
			return // long inputs only make each run slow (the invariant check is O(log))
		}
		r := newTestRaft(t, 1, three, withLog(3, 1, 1, 2, 3), func(c *Config) { c.HardState.Commit = 1 })
		if len(data) > 0 && data[0]%2 == 0 {
			r.becomeCandidate()
			r.becomeLeader()
		}
		for len(data) >= 9 {
			seed := binary.LittleEndian.Uint64(data[1:9])
			rng := rand.New(rand.NewPCG(seed, uint64(data[0])))
			switch data[0] % 8 {
			case 0:
				r.Tick()
			case 1:
				drain(r)
			case 2:
				garbageCompact(r, rng)
			default:
				_ = r.Step(randomMessage(rng))
			}
			checkLogInvariants(t, r)
			data = data[9:]
		}
	})
}
