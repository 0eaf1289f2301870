package cluster

import (
	"sync"
	"sync/atomic"
)

// ring is a bounded sequence of records numbered from 1, shared by the
// event log and the message trace. Writers never block each other for long:
// each reserves its sequence number with one atomic add and then locks only
// its own slot, so the nodes' loops and transports, which all record into
// one ring, do not queue on a single lock (the message trace records every
// message twice, on the hot path of every write). When the ring is full the
// oldest records are overwritten. Readers poll with since and learn how
// many they missed; wait gives a channel closed at the next record (ask for
// it before polling, so that nothing added in between is missed).
type ring[T any] struct {
	next  atomic.Uint64 // sequence number of the next record to reserve; the first is 1
	slots []ringSlot[T]

	// Waking readers: writers look at waiting (one atomic load) and take
	// wmu only when someone waits.
	waiting atomic.Bool
	wmu     sync.Mutex
	wake    chan struct{}
	woken   bool // wake was closed since the last wait
}

type ringSlot[T any] struct {
	mu  sync.Mutex
	seq uint64 // the record's sequence number; 0: never written
	v   T
}

func newRing[T any](size int) *ring[T] {
	r := &ring[T]{slots: make([]ringSlot[T], max(size, 1)), wake: make(chan struct{})}
	r.next.Store(1)
	return r
}

// put stores the record stamp makes of the next sequence number, and
// returns it. stamp runs under the record's slot lock.
func (r *ring[T]) put(stamp func(seq uint64) T) T {
	seq := r.next.Add(1) - 1
	s := &r.slots[seq%uint64(len(r.slots))]
	s.mu.Lock()
	var v T
	if seq > s.seq { // a writer a whole ring ahead may have been faster
		v = stamp(seq)
		s.seq, s.v = seq, v
	}
	s.mu.Unlock()
	if r.waiting.Load() {
		r.wmu.Lock()
		if !r.woken {
			close(r.wake)
			r.woken = true
		}
		r.waiting.Store(false)
		r.wmu.Unlock()
	}
	return v
}

// since returns the records numbered seq or later still held, the number
// to ask for next, and how many after seq were overwritten unread. A record
// whose writer has reserved its number but not yet stored it ends the
// list: it and those after it come with the next call.
func (r *ring[T]) since(seq uint64) (recs []T, next uint64, dropped uint64) {
	return r.sinceInto(nil, seq)
}

// sinceInto is since appending to recs.
func (r *ring[T]) sinceInto(recs []T, seq uint64) ([]T, uint64, uint64) {
	var dropped uint64
	end := r.next.Load()
	seq = min(max(seq, 1), end) // asking beyond the end means "from now on"
	n := uint64(len(r.slots))
	if end > n && seq < end-n {
		dropped, seq = end-n-seq, end-n
	}
	for ; seq < end; seq++ {
		s := &r.slots[seq%n]
		s.mu.Lock()
		got, v := s.seq, s.v
		s.mu.Unlock()
		switch {
		case got == seq:
			recs = append(recs, v)
		case got > seq: // overwritten while we read
			dropped++
		default: // reserved, not yet stored
			return recs, seq, dropped
		}
	}
	return recs, seq, dropped
}

// last returns up to n of the newest records, oldest first.
func (r *ring[T]) last(n int) []T {
	next := r.next.Load()
	from := uint64(1)
	if next > uint64(n) {
		from = next - uint64(n)
	}
	recs, _, _ := r.since(from)
	return recs
}

// wait returns a channel closed when the next record is added.
func (r *ring[T]) wait() <-chan struct{} {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.woken {
		r.wake, r.woken = make(chan struct{}), false
	}
	r.waiting.Store(true)
	return r.wake
}
