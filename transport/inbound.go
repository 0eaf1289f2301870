package transport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"raftplay/raft"
)

const (
	readBufferSize = 64 << 10
	// bodyStep bounds how far body allocation may run ahead of the bytes
	// that actually arrived: a lying length costs at most this much.
	bodyStep = 1 << 20
	// keepBody is the largest body buffer a connection keeps for its next
	// frame (larger ones are dropped: an idle connection does not pin
	// them). It holds an append of one entry of cluster.MaxValueBytes:
	// dropping those, every such frame was read into two fresh buffers
	// (1 MiB, then grown to fit the rest), a fifth of the CPU of a run
	// of 1 MiB writes.
	keepBody = 2 << 20
)

// acceptLoop accepts inbound connections until the listener closes.
func (t *Transport) acceptLoop() {
	defer t.wg.Done()
	backoff := minBackoff
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			t.logf("accept: %v (retry in %v)", err, backoff)
			tm := time.NewTimer(backoff)
			select {
			case <-tm.C:
			case <-t.ctx.Done():
				tm.Stop()
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			c.Close()
			return
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go t.serveConn(c)
	}
}

// serveConn handshakes an inbound connection and then reads frames from it
// until an error. Any bad input closes this connection only.
func (t *Transport) serveConn(c net.Conn) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.conns, c)
		t.mu.Unlock()
		c.Close()
	}()
	remote := c.RemoteAddr().String()
	c.SetDeadline(time.Now().Add(helloTimeout))
	h, v, err := readHello(c)
	if err != nil {
		t.logf("refused connection from %s: %v", remote, err)
		t.cfg.Refused(remote, err)
		return
	}
	if v == handshakeOK {
		v = h.check(t.cfg.ClusterID, t.cfg.ID)
	}
	if v != handshakeOK {
		t.logf("refused connection from %s (node %d, cluster %d, version %d, to %d): %v",
			remote, h.from, h.cluster, h.version, h.to, v)
		if v == refusedMagic {
			t.cfg.Refused(remote, errors.New("not a raftplay peer (its first bytes are not a handshake)"))
		} else {
			t.cfg.Refused(remote, fmt.Errorf("handshake from node %d of cluster %d (protocol version %d, to node %d): %v", h.from, h.cluster, h.version, h.to, v))
		}
		c.Write(marshalReply(v))
		return
	}
	if _, err := c.Write(marshalReply(handshakeOK)); err != nil {
		return
	}
	c.SetDeadline(time.Time{})
	err = t.readFrames(c, h.from)
	if t.ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, errReplaced) {
		t.logf("closing connection from node %d (%s): %v", h.from, remote, err)
		// A peer that dies mid-frame (a crash) cuts its stream short:
		// that is no bad input.
		var ne net.Error
		if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &ne) {
			t.cfg.Refused(remote, fmt.Errorf("node %d sent a bad frame: %w", h.from, err))
		}
	}
}

// errReplaced ends a connection made by a node that ReplacePeer replaced.
var errReplaced = errors.New("transport: the node that made this connection was replaced")

// readFrames delivers the frames of one connection from node from.
func (t *Transport) readFrames(c net.Conn, from uint64) error {
	br := bufio.NewReaderSize(c, readBufferSize)
	dec := newFrameDecoder()
	stats := t.link(from)
	gen := stats.gen.Load() // frames of an earlier node of this id stop at ReplacePeer
	var hdr [frameHeaderLen]byte
	var buf []byte
	var asm assembly
	defer func() {
		if asm.active {
			stats.snapAborted.Add(1)
		}
		stats.snapBytesRecv.Store(0)
		stats.snapRecvTotal.Store(0)
	}()
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return err
		}
		ft, n, err := parseHeader(hdr[:], t.cfg.MaxFrameBytes)
		if err != nil {
			return err
		}
		buf, err = readBody(br, buf, n)
		if err != nil {
			return fmt.Errorf("transport: frame body: %w", err)
		}
		if stats.gen.Load() != gen {
			// The node that made this connection was replaced: nothing
			// more of it is delivered, a snapshot's chunks included.
			var m raft.Message
			var err error
			if ft == frameSnapChunk {
				var c snapChunkWire
				if c, err = dec.decodeChunk(buf); err == nil {
					m = raft.Message{Type: raft.MsgSnap, Term: c.Term, Snapshot: &raft.Snapshot{Meta: c.meta()}}
				}
			} else {
				m, err = dec.decode(ft, buf)
			}
			stats.droppedReplaced.Add(1)
			if err == nil {
				m.From, m.To = from, t.cfg.ID
				t.trace(&m, FateReplaced, 0)
			}
			return errReplaced
		}
		if ft == frameSnapChunk {
			if err := t.readChunk(dec, buf, from, stats, &asm); err != nil {
				return err
			}
			buf = keepBuffer(buf)
			continue
		}
		m, err := dec.decode(ft, buf)
		buf = keepBuffer(buf)
		if err != nil {
			return err
		}
		stats.bytesRecv.Add(uint64(frameHeaderLen + n))
		m.From, m.To = from, t.cfg.ID
		if t.cfg.Faults.onRecv(from, t.cfg.ID) {
			stats.droppedFaultIn.Add(1)
			lost := m // only this copy escapes: m stays on the stack
			t.trace(&lost, FateCutOnArrival, 0)
			continue
		}
		if m.Type == raft.MsgHeartbeat || m.Type == raft.MsgApp {
			stats.lastHeartbeat.Store(time.Now().UnixNano())
		}
		stats.msgsRecv.Add(1)
		if t.cfg.Handler != nil {
			t.cfg.Handler(m)
		}
	}
}

// readChunk takes one snapshot chunk frame from node from and delivers the
// MsgSnap it completes. An error closes the connection.
func (t *Transport) readChunk(dec *frameDecoder, body []byte, from uint64, stats *linkCounters, asm *assembly) error {
	stats.bytesRecv.Add(uint64(frameHeaderLen + len(body)))
	c, err := dec.decodeChunk(body)
	if err != nil {
		return err
	}
	if c.Offset == 0 && asm.active {
		stats.snapAborted.Add(1) // the sender moved on to a newer snapshot
	}
	m, done, err := asm.add(c, uint64(t.cfg.MaxSnapshotBytes))
	got, total := asm.received()
	stats.snapBytesRecv.Store(got)
	stats.snapRecvTotal.Store(total)
	if err != nil {
		stats.snapAborted.Add(1)
		return err
	}
	if !done {
		return nil
	}
	m.From, m.To = from, t.cfg.ID
	if t.cfg.Faults.onRecv(from, t.cfg.ID) {
		stats.droppedFaultIn.Add(1)
		t.trace(&m, FateCutOnArrival, 0)
		return nil
	}
	stats.msgsRecv.Add(1)
	stats.snapsRecv.Add(1)
	if t.cfg.Handler != nil {
		t.cfg.Handler(m)
	}
	return nil
}

// keepBuffer returns buf for the next frame, or nil when it is larger than
// keepBody: an idle connection does not pin a large buffer.
func keepBuffer(buf []byte) []byte {
	if cap(buf) > keepBody {
		return nil
	}
	return buf
}

// readBody reads an n-byte body into buf, growing it only as bytes arrive
// (the room buf already has is used at once).
func readBody(r io.Reader, buf []byte, n int) ([]byte, error) {
	buf = buf[:0]
	for len(buf) < n {
		step := min(n-len(buf), max(bodyStep, cap(buf)-len(buf)))
		buf = slices.Grow(buf, step)
		k := len(buf)
		buf = buf[:k+step]
		if _, err := io.ReadFull(r, buf[k:]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}
