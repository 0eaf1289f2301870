package transport

import (
	"bufio"
	"fmt"
	"net"
	"time"

	"raftplay/raft"
)

// This file holds chunked snapshot transfer. A MsgSnap is written as a run
// of snapChunkWire frames, each within the frame limit and at most
// maxChunkData bytes of data, and the writer sends whatever else is queued
// between two chunks, so heartbeats keep flowing during a long transfer. The
// receiver reassembles the chunks of one connection and hands one MsgSnap to
// the Handler when the last arrives. A transfer cut by a lost connection is
// discarded at both ends; Raft resends the snapshot.

const (
	// chunkOverhead bounds the msgpack bytes of a chunk frame beyond its
	// data and configuration: a 7-entry map, short keys, five uint64 and a
	// bin32 header.
	chunkOverhead = 96
	// maxChunkData caps a chunk's data so that other messages wait for at
	// most one chunk.
	maxChunkData = 1 << 20
)

// chunkSize returns the data bytes per chunk of a snapshot with
// configuration conf, for a frame body limit.
func chunkSize(maxBody int, conf raft.Membership) int {
	// The configuration: a 2-entry map, two array headers, each id a
	// uint64 of at most 9 bytes.
	confBytes := 16 + 9*(len(conf.Voters)+len(conf.Learners))
	return max(1, min(maxBody-chunkOverhead-confBytes, maxChunkData))
}

// snapOut is the outbound snapshot in flight on a peer's stream.
type snapOut struct {
	term uint64
	snap raft.Snapshot
	off  int
}

func newSnapOut(m *raft.Message) *snapOut {
	o := &snapOut{term: m.Term}
	if m.Snapshot != nil {
		o.snap = *m.Snapshot
	}
	return o
}

// startSnapshot makes m the snapshot in flight, abandoning any earlier one
// (the receiver restarts on the new one's first chunk). A resend of the
// snapshot already in flight (same term and metadata, as Raft retries a
// slow transfer) is dropped instead, so a transfer longer than Raft's retry
// period still completes. It reports whether m became the one in flight.
func (p *peer) startSnapshot(out **snapOut, m *raft.Message) bool {
	if o := *out; o != nil {
		if m.Snapshot != nil && o.term == m.Term && o.snap.Meta.Equal(m.Snapshot.Meta) {
			return false
		}
		p.abortSnapshot(out, true)
	}
	*out = newSnapOut(m)
	p.stats.snapBytesSent.Store(0)
	p.stats.snapBytesTotal.Store(uint64(len((*out).snap.Data)))
	return true
}

// abortSnapshot drops the snapshot in flight, counting it as lost. One
// superseded by a newer snapshot to the peer is traced lost, but not
// reported to Config.SnapshotLost: the newer one is Raft's pending
// snapshot, on its way (reported, the leader said that one was "lost on
// the way", sent it again, and the resend was dropped as the one in
// flight).
func (p *peer) abortSnapshot(out **snapOut, superseded bool) {
	if *out == nil {
		return
	}
	m := raft.Message{Type: raft.MsgSnap, From: p.t.cfg.ID, To: p.id, Term: (*out).term, Snapshot: &(*out).snap}
	if superseded {
		if p.t.cfg.Trace != nil {
			p.t.cfg.Trace(Trace{Msg: &m, Fate: FateUnreachable})
		}
	} else {
		p.t.trace(&m, FateUnreachable, 0)
	}
	*out = nil
	p.stats.snapAborted.Add(1)
	p.stats.droppedConn.Add(1)
	p.stats.snapBytesSent.Store(0)
	p.stats.snapBytesTotal.Store(0)
}

// writeChunk writes and flushes the next chunk of the snapshot in flight,
// and clears it once the last chunk is out.
func (p *peer) writeChunk(conn net.Conn, bw *bufio.Writer, enc *frameEncoder, out **snapOut) error {
	o := *out
	data := o.snap.Data
	n := min(len(data)-o.off, chunkSize(p.t.cfg.MaxFrameBytes, o.snap.Meta.Conf))
	hdr, body, err := enc.encodeChunk(snapChunkWire{
		Term: o.term, Index: o.snap.Meta.Index, LogTerm: o.snap.Meta.Term, Conf: o.snap.Meta.Conf,
		Total: uint64(len(data)), Offset: uint64(o.off), Data: data[o.off : o.off+n],
	})
	if err == nil && len(body) > p.t.cfg.MaxFrameBytes {
		err = fmt.Errorf("%w: snapshot chunk of %d bytes, limit %d", errFrameTooLarge, len(body), p.t.cfg.MaxFrameBytes)
	}
	if err != nil {
		// Cannot happen for a sane limit; drop the snapshot, keep the link.
		*out = nil
		p.stats.droppedInvalid.Add(1)
		p.stats.snapBytesSent.Store(0)
		p.stats.snapBytesTotal.Store(0)
		p.t.logf("peer %d: dropping snapshot: %v", p.id, err)
		return nil
	}
	conn.SetWriteDeadline(time.Now().Add(p.t.cfg.WriteTimeout))
	bw.Write(hdr[:])
	bw.Write(body)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("transport: write: %w", err)
	}
	o.off += n
	p.stats.bytesSent.Add(uint64(len(hdr) + len(body)))
	p.stats.snapBytesSent.Store(uint64(o.off))
	if o.off == len(data) {
		*out = nil
		enc.shrink() // keep the chunk buffer for the whole transfer, not after
		p.stats.msgsSent.Add(1)
		p.stats.snapsSent.Add(1)
		p.stats.snapBytesSent.Store(0)
		p.stats.snapBytesTotal.Store(0)
	}
	return nil
}

// assembly is the inbound snapshot being reassembled on one connection.
type assembly struct {
	active      bool
	term, total uint64
	meta        raft.SnapshotMeta
	buf         []byte
}

// add takes the next chunk. It returns the whole MsgSnap once complete. A
// chunk out of sequence, a bad snapshot or one above limit bytes is an
// error: the caller closes the connection.
func (a *assembly) add(c snapChunkWire, limit uint64) (raft.Message, bool, error) {
	if c.Offset == 0 {
		if c.Total > limit {
			a.reset()
			return raft.Message{}, false, fmt.Errorf("%w: %d bytes, limit %d", errSnapTooLarge, c.Total, limit)
		}
		*a = assembly{active: true, term: c.Term, meta: c.meta(), total: c.Total}
	} else if !a.active || c.Term != a.term || !c.meta().Equal(a.meta) ||
		c.Total != a.total || c.Offset != uint64(len(a.buf)) {
		a.reset()
		return raft.Message{}, false, fmt.Errorf("%w: %d bytes at %d of snapshot %d@%d out of sequence",
			errBadChunk, len(c.Data), c.Offset, c.Index, c.LogTerm)
	}
	if len(a.buf)+len(c.Data) > cap(a.buf) {
		// Grow by doubling, never past the announced total: memory follows
		// the bytes that actually arrived, and never exceeds the limit.
		grown := make([]byte, len(a.buf), min(a.total, max(2*uint64(cap(a.buf)), uint64(len(a.buf)+len(c.Data)))))
		copy(grown, a.buf)
		a.buf = grown
	}
	a.buf = append(a.buf, c.Data...)
	if uint64(len(a.buf)) < a.total {
		return raft.Message{}, false, nil
	}
	m := raft.Message{Type: raft.MsgSnap, Term: a.term,
		Snapshot: &raft.Snapshot{Meta: a.meta, Data: a.buf}}
	a.reset()
	return m, true, nil
}

func (a *assembly) reset() { *a = assembly{} }

// received returns the bytes received and the total of the snapshot being
// reassembled (0, 0 if none).
func (a *assembly) received() (uint64, uint64) { return uint64(len(a.buf)), a.total }
