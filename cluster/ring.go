package cluster

import "sync"

// ring is a bounded sequence of records numbered from 1, shared by the
// event log and the message trace. Writers never block: when it is full the
// oldest records are overwritten. Readers poll with since and learn how
// many they missed; wait gives a channel closed at the next record (ask
// for it before polling, so that nothing added in between is missed).
type ring[T any] struct {
	mu    sync.Mutex
	buf   []T
	next  uint64 // sequence number of the next record; the first is 1
	wake  chan struct{}
	woken bool // wake was closed since the last wait: no one to tell
}

func newRing[T any](size int) *ring[T] {
	return &ring[T]{buf: make([]T, max(size, 1)), next: 1, wake: make(chan struct{})}
}

// put stores the record stamp makes of the next sequence number, and
// returns it. stamp runs under the ring's lock.
func (r *ring[T]) put(stamp func(seq uint64) T) T {
	r.mu.Lock()
	v := stamp(r.next)
	r.buf[r.next%uint64(len(r.buf))] = v
	r.next++
	var wake chan struct{}
	if !r.woken {
		wake, r.woken = r.wake, true
	}
	r.mu.Unlock()
	if wake != nil {
		close(wake)
	}
	return v
}

// since returns the records numbered seq or later still held, the number
// to ask for next, and how many after seq were overwritten unread.
func (r *ring[T]) since(seq uint64) (recs []T, next uint64, dropped uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq = max(seq, 1)
	oldest := uint64(1)
	if r.next > uint64(len(r.buf)) {
		oldest = r.next - uint64(len(r.buf))
	}
	if seq < oldest {
		dropped, seq = oldest-seq, oldest
	}
	for s := seq; s < r.next; s++ {
		recs = append(recs, r.buf[s%uint64(len(r.buf))])
	}
	return recs, r.next, dropped
}

// last returns up to n of the newest records, oldest first.
func (r *ring[T]) last(n int) []T {
	r.mu.Lock()
	next := r.next
	r.mu.Unlock()
	from := uint64(1)
	if next > uint64(n) {
		from = next - uint64(n)
	}
	recs, _, _ := r.since(from)
	return recs
}

// wait returns a channel closed when the next record is added.
func (r *ring[T]) wait() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.woken {
		r.wake, r.woken = make(chan struct{}), false
	}
	return r.wake
}
