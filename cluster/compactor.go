package cluster

import "raftplay/wal"

// compactor deletes the WAL segments a snapshot covers, beside the loop.
//
// Deleting a full 64 MiB segment at once stalled every fsync on the disk
// for 75-95 ms on the development machine (the journal commit that frees
// the file's blocks), so wal.Compact now shrinks a dead segment a step at
// a time, with pauses between the steps (wal/doc.go, "Compaction"): that
// takes long, and the loop must not wait for it. The segments can go at any
// time once the snapshot that covers them is durable: a crash before their
// deletion leaves old segments that Open skips, and that the node's loop
// asks to delete when it starts again (run). So the loop only asks, and
// goes on.
type compactor struct {
	w      *wal.WAL
	want   chan uint64 // cap 1: the newest snapshot index to compact to
	errc   chan error  // cap 1: why compaction failed; it stops then
	stopc  chan struct{}
	exited chan struct{}
}

func newCompactor(w *wal.WAL) *compactor {
	return &compactor{
		w:      w,
		want:   make(chan uint64, 1),
		errc:   make(chan error, 1),
		stopc:  make(chan struct{}),
		exited: make(chan struct{}),
	}
}

// request asks for the segments at or below index to be deleted. A request
// not yet taken is replaced: the newer index covers it. Only the node's
// loop calls it.
func (c *compactor) request(index uint64) {
	select {
	case <-c.want:
	default:
	}
	c.want <- index
}

func (c *compactor) run() {
	defer close(c.exited)
	for {
		select {
		case <-c.stopc:
			return
		case index := <-c.want:
			if err := c.w.Compact(index); err != nil {
				c.errc <- err
				return
			}
		}
	}
}

// stop waits for a compaction under way, so that nothing deletes a file
// once the node is down (a power failure must see the disk as it is).
func (c *compactor) stop() {
	close(c.stopc)
	<-c.exited
}
