package cluster

import "testing"

// The ring wakes a waiter at the next record, once per wait, and a wait
// asked for after a wake-up waits for a new record.
func TestRingWakesAtTheNextRecord(t *testing.T) {
	r := newRing[int](2)
	w := r.wait()
	select {
	case <-w:
		t.Fatal("woken before any record")
	default:
	}
	r.put(func(seq uint64) int { return int(seq) })
	r.put(func(seq uint64) int { return int(seq) })
	select {
	case <-w:
	default:
		t.Fatal("not woken by a record")
	}
	w = r.wait()
	select {
	case <-w:
		t.Fatal("a new wait is woken by records added before it")
	default:
	}
	r.put(func(seq uint64) int { return int(seq) })
	<-w
	recs, next, dropped := r.since(1)
	if len(recs) != 2 || recs[0] != 2 || recs[1] != 3 || next != 4 || dropped != 1 {
		t.Fatalf("since(1) = %v, next %d, dropped %d; want [2 3], 4, 1", recs, next, dropped)
	}
	if got := r.last(5); len(got) != 2 || got[1] != 3 {
		t.Fatalf("last(5) = %v", got)
	}
	if recs, next, _ := r.since(^uint64(0)); len(recs) != 0 || next != 4 {
		t.Fatalf("since(max) = %v, next %d; want none, 4 (from now on)", recs, next)
	}
}

// Concurrent writers and a polling reader: the reader sees every record
// exactly once, in sequence order, each holding its own number, and a
// reader that waits is always woken for records it has not read.
func TestRingConcurrentWritersLoseNothing(t *testing.T) {
	const writers, each = 4, 5000
	r := newRing[uint64](writers * each)
	done := make(chan struct{})
	for range writers {
		go func() {
			for range each {
				r.put(func(seq uint64) uint64 { return seq })
			}
			done <- struct{}{}
		}()
	}
	next, finished := uint64(1), 0
	for next <= writers*each {
		w := r.wait()
		recs, n, dropped := r.since(next)
		if dropped != 0 {
			t.Fatalf("dropped %d with room for all", dropped)
		}
		for i, v := range recs {
			if v != next+uint64(i) {
				t.Fatalf("record %d holds %d", next+uint64(i), v)
			}
		}
		next = n
		if len(recs) == 0 && next <= writers*each {
			select {
			case <-w:
			case <-done:
				finished++
			}
		}
	}
	for ; finished < writers; finished++ {
		<-done
	}
}
