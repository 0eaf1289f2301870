package raft

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// modelLog is the log as one plain array: what raftLog's chunks must behave
// like.
type modelLog struct {
	snapIndex, snapTerm uint64
	entries             []Entry
}

func (m *modelLog) last() uint64 { return m.snapIndex + uint64(len(m.entries)) }

func (m *modelLog) slice(lo, hi uint64) []Entry {
	lo, hi = max(lo, m.snapIndex+1), min(hi, m.last()+1)
	if lo >= hi {
		return nil
	}
	return m.entries[lo-m.snapIndex-1 : hi-m.snapIndex-1]
}

func (m *modelLog) findConflictByTerm(index, term uint64) uint64 {
	index = min(index, m.last())
	for i := index; i > m.snapIndex; i-- {
		if m.entries[i-m.snapIndex-1].Term <= term {
			return i
		}
	}
	return m.snapIndex
}

// handedOut is a slice the log returned and a copy of what it held then.
type handedOut struct {
	got, want []Entry
}

// The chunked log against a plain array, through random runs of appends
// (batches that cross chunk boundaries), truncations, compactions and
// reads. Every slice ever handed out must keep what it held.
func TestChunkedLogMatchesAPlainArray(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		l := raftLog{shift: defaultChunkShift}
		if seed%2 == 0 {
			l.shift = 2 // chunks of 4: boundaries everywhere
		}
		chunkLen := l.chunkLen()
		m := &modelLog{}
		var kept []handedOut
		term := uint64(1)
		data := uint64(0)
		batch := func(first uint64, n int) []Entry {
			ents := make([]Entry, n)
			for k := range ents {
				data++
				ents[k] = Entry{Index: first + uint64(k), Term: term, Data: []byte{byte(data), byte(data >> 8)}}
			}
			return ents
		}
		for op := 0; op < 300; op++ {
			switch r := rng.IntN(10); {
			case r < 5: // append at the end, often more than a chunk
				n := 1 + rng.IntN(2*chunkLen)
				if rng.IntN(4) == 0 {
					n = 1 + rng.IntN(8)
				}
				ents := batch(m.last()+1, n)
				l.append(ents)
				m.entries = append(m.entries, ents...)
			case r < 7 && m.last() > m.snapIndex: // a new term's entries replace a suffix
				term++
				after := m.snapIndex + 1 + uint64(rng.IntN(len(m.entries)))
				ents := batch(after, 1+rng.IntN(chunkLen/2))
				l.append(ents)
				m.entries = append(slices.Clone(m.entries[:after-m.snapIndex-1]), ents...)
			case r < 8 && m.last() > m.snapIndex: // compact a prefix
				i := m.snapIndex + 1 + uint64(rng.IntN(len(m.entries)))
				l.applied, l.committed = max(l.applied, i), max(l.committed, i) // compact's precondition
				l.compact(i)
				m.snapTerm = m.entries[i-m.snapIndex-1].Term
				m.entries = slices.Clone(m.entries[i-m.snapIndex:])
				m.snapIndex = i
			default: // read a random range and keep it
				lo := m.snapIndex + uint64(rng.IntN(len(m.entries)+2))
				hi := lo + uint64(rng.IntN(3*chunkLen))
				got := l.slice(lo, hi)
				want := m.slice(lo, hi)
				if !entriesEqual(got, want) {
					t.Fatalf("seed %d op %d: slice(%d, %d) = %d entries, want %d", seed, op, lo, hi, len(got), len(want))
				}
				kept = append(kept, handedOut{got, slices.Clone(want)})
				maxEntries := 1 + rng.IntN(3*chunkLen)
				lim := l.limited(lo, maxEntries, 1<<62)
				wantLim := m.slice(lo, m.last()+1)
				wantLim = wantLim[:min(len(wantLim), maxEntries)]
				if !entriesEqual(lim, wantLim) {
					t.Fatalf("seed %d op %d: limited(%d, %d) = %d entries, want %d", seed, op, lo, maxEntries, len(lim), len(wantLim))
				}
			}
			// The whole log, entry by entry, and the questions Raft asks.
			if l.lastIndex() != m.last() || l.snapIndex != m.snapIndex || l.snapTerm != m.snapTerm || l.n != len(m.entries) {
				t.Fatalf("seed %d op %d: last %d snap %d@%d n %d, want last %d snap %d@%d n %d",
					seed, op, l.lastIndex(), l.snapIndex, l.snapTerm, l.n, m.last(), m.snapIndex, m.snapTerm, len(m.entries))
			}
			for k := range m.entries {
				if !entryEqual(*l.at(k), m.entries[k]) {
					t.Fatalf("seed %d op %d: entry at %d is %s, want %s", seed, op, k, DescribeEntry(*l.at(k)), DescribeEntry(m.entries[k]))
				}
			}
			probe := m.snapIndex + uint64(rng.IntN(len(m.entries)+2))
			probeTerm := uint64(rng.IntN(int(term) + 1))
			if got, want := l.findConflictByTerm(probe, probeTerm), m.findConflictByTerm(probe, probeTerm); got != want {
				t.Fatalf("seed %d op %d: findConflictByTerm(%d, %d) = %d, want %d", seed, op, probe, probeTerm, got, want)
			}
			if want := m.snapTerm; len(m.entries) > 0 {
				want = m.entries[len(m.entries)-1].Term
				if l.lastTerm() != want {
					t.Fatalf("seed %d op %d: last term %d, want %d", seed, op, l.lastTerm(), want)
				}
			}
		}
		for k, h := range kept {
			if !entriesEqual(h.got, h.want) {
				t.Fatalf("seed %d: handed-out slice %d changed", seed, k)
			}
		}
		// Chunks hold what they say, and none is empty but the last.
		total := 0
		for c, ch := range l.chunks {
			if cap(ch) != chunkLen || (c < len(l.chunks)-1 && len(ch) != chunkLen) {
				t.Fatalf("seed %d: chunk %d has len %d cap %d of %d chunks", seed, c, len(ch), cap(ch), len(l.chunks))
			}
			total += len(ch)
		}
		if total != l.off+l.n {
			t.Fatalf("seed %d: chunks hold %d positions, want off %d + n %d", seed, total, l.off, l.n)
		}
	}
}

func entryEqual(a, b Entry) bool {
	return a.Index == b.Index && a.Term == b.Term && a.Type == b.Type && string(a.Data) == string(b.Data)
}

func entriesEqual(a, b []Entry) bool {
	return slices.EqualFunc(a, b, entryEqual)
}
