package raft

import (
	"runtime"
	"testing"
)

// reportPerEntry reports entries/s and allocations per entry.
func reportPerEntry(b *testing.B, entries int, before *runtime.MemStats) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(entries), "allocs/entry")
}

// BenchmarkFollowerAppend measures a follower stepping MsgApp batches of 64
// entries of 128 bytes, taking each Ready and advancing.
func BenchmarkFollowerAppend(b *testing.B) { benchFollowerAppend(b, 0) }

// BenchmarkLeaderCommit measures a 3-node leader committing one proposal at
// a time: Propose, Ready/Advance (persist), both followers' acks, and the
// Ready that hands the entry out to apply.
func BenchmarkLeaderCommit(b *testing.B) {
	r := newTestRaft(b, 1, three)
	r.becomeCandidate()
	r.becomeLeader()
	drain(r)
	data := make([]byte, 128)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		idx, term, err := r.Propose(data)
		if err != nil {
			b.Fatal(err)
		}
		r.Advance(r.Ready())
		for _, id := range []uint64{2, 3} {
			if err := r.Step(Message{Type: MsgAppResp, From: id, To: 1, Term: term, Index: idx}); err != nil {
				b.Fatal(err)
			}
		}
		rd := r.Ready()
		if len(rd.Committed) == 0 || rd.Committed[len(rd.Committed)-1].Index != idx {
			b.Fatalf("entry %d not committed", idx)
		}
		r.Advance(rd)
	}
	b.StopTimer()
	reportPerEntry(b, b.N, &before)
}

// BenchmarkIdleTick measures ticking an idle follower: it must not allocate.
func BenchmarkIdleTick(b *testing.B) {
	r := newTestRaft(b, 2, three, func(c *Config) { c.ElectionTickMin, c.ElectionTickMax = 1<<30-1, 1<<30 })
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Tick()
		if r.HasReady() {
			r.Advance(r.Ready())
		}
	}
}

// BenchmarkFollowerAppendWithCompaction is BenchmarkFollowerAppend with the
// log compacted every 1024 entries, as the application would: memory stays
// bounded and compaction's copy of the kept tail is amortised.
func BenchmarkFollowerAppendWithCompaction(b *testing.B) { benchFollowerAppend(b, 1024) }

// benchFollowerAppend steps 64-entry MsgApp batches into a follower,
// compacting every `every` applied entries (0: never).
func benchFollowerAppend(b *testing.B, every uint64) {
	const batch = 64
	r := newTestRaft(b, 2, three)
	data := make([]byte, 128)
	ents := make([]Entry, batch)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	var last uint64
	for i := 0; i < b.N; i++ {
		for k := range ents {
			ents[k] = Entry{Index: last + 1 + uint64(k), Term: 1, Data: data}
		}
		m := Message{Type: MsgApp, From: 1, To: 2, Term: 1, Index: last, LogTerm: min(last, 1), Entries: ents, Commit: last}
		if err := r.Step(m); err != nil {
			b.Fatal(err)
		}
		last += batch
		r.Advance(r.Ready())
		if applied := r.log.applied; every > 0 && applied-r.log.snapIndex >= every {
			if err := r.Compact(Snapshot{Meta: SnapshotMeta{Index: applied, Term: 1}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	reportPerEntry(b, b.N*batch, &before)
	if held := uint64(r.log.n); every > 0 && held > 2*every {
		b.Fatalf("%d entries held after compaction", held)
	}
}
