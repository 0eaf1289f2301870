package cluster

import (
	"sync"

	"raftplay/wal"
)

// A leader writes its log behind (Raft thesis §10.2.1): its loop hands
// each Ready's entries to the WAL with Write, which is a write(2) into the
// page cache, sends its AppendEntries and goes on stepping messages, while
// the syncer fsyncs beside it. When an fsync returns, the loop tells the
// core (raft.Persisted), and only then does the leader's own copy count
// toward commit. So the leader's fsync overlaps its followers' fsyncs, and
// their answers are not left waiting in its inbox while it fsyncs.
//
// Every other Ready is carried out as before: persisted, then sent. Its
// Save covers every Write before it, and a message that promises durable
// state never leaves while a write before it is not yet durable.

// syncPoint names one Write: its number in the WAL and the last entry it
// held (or, with no entries, the last entry of the writes before it).
type syncPoint struct {
	seq, index, term uint64
}

// syncer fsyncs a node's written-behind WAL writes on a goroutine of its
// own and reports how far they are durable.
type syncer struct {
	w      *wal.WAL
	wake   chan struct{} // cap 1: want moved
	report chan struct{} // cap 1: done moved or err set; the loop reads them
	stopc  chan struct{}
	exited chan struct{}

	mu   sync.Mutex
	want syncPoint // the newest write to make durable
	done syncPoint // the newest write made durable
	err  error
}

func startSyncer(w *wal.WAL) *syncer {
	s := &syncer{
		w:      w,
		wake:   make(chan struct{}, 1),
		report: make(chan struct{}, 1),
		stopc:  make(chan struct{}),
		exited: make(chan struct{}),
	}
	go s.run()
	return s
}

// request asks for write p to be made durable (and every write before it).
func (s *syncer) request(p syncPoint) {
	s.mu.Lock()
	s.want = p
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pending returns the newest requested write when it is not yet durable.
func (s *syncer) pending() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.want.seq, s.want.seq > s.done.seq
}

// result returns how far the writes are durable, or why they cannot be.
func (s *syncer) result() (syncPoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done, s.err
}

func (s *syncer) run() {
	defer close(s.exited)
	for {
		select {
		case <-s.stopc:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		p := s.want
		s.mu.Unlock()
		err := s.w.Sync(p.seq)
		s.mu.Lock()
		if err != nil {
			s.err = err
		} else if p.seq > s.done.seq {
			s.done = p
		}
		s.mu.Unlock()
		select {
		case s.report <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// stop ends the syncer, after the fsync it may be in. Writes not yet
// durable stay as a crash leaves them.
func (s *syncer) stop() {
	close(s.stopc)
	<-s.exited
}
