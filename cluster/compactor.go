package cluster

import "raftplay/wal"

// compactor deletes the WAL segments a snapshot covers, beside the loop.
//
// Deleting a full 64 MiB segment is slow: unlink frees its blocks, and on
// the development machine's ext4 that took 15 ms for one file alone, and
// 75-95 ms when the three nodes of `raftplay bench --snapshot-every 20000`
// snapshot together under load. Done in the loop, as it once was, every
// client of the cluster waited that long (maxima of 60-107 ms in that
// bench, against 6-8 ms without snapshots). The segments can go at any
// time once the snapshot that covers them is durable: a crash before
// their deletion leaves old segments that Open skips. So the loop only
// asks, and goes on.
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
