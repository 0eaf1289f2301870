package transport

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"raftplay/raft"
)

// Backoff bounds between redials of a peer.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second

	writeBufferSize = 64 << 10
	deadlineBytes   = 4 << 20 // renew the write deadline after this many bytes
)

// outItem is one queued message and when it may leave (zero: at once). A
// delayed message also records when it was sent, so a change of the fault
// table can shorten its wait.
type outItem struct {
	msg  raft.Message
	due  time.Time
	sent time.Time
	gen  uint64 // the peer's generation when it was queued (ReplacePeer)
}

// sendQueue is a bounded FIFO that one writer drains a whole batch at a time.
// It holds at most max items, and at most maxBytes of entry data: a message
// with entries that would take it past that is refused, one without
// (heartbeats, votes, answers) is not, and neither is an append that finds
// no entry data queued, however large (as Raft's window always lets one
// out: refused for good, it would be lost at every resend).
type sendQueue struct {
	mu       sync.Mutex
	items    []outItem
	max      int
	maxBytes int
	bytes    int           // entry data of the items queued
	notify   chan struct{} // holds a token while items may be waiting
	pushed   uint64        // items ever pushed
	removed  uint64        // items ever taken or dropped; items[0] is item number removed
}

func newSendQueue(max, maxBytes int) *sendQueue {
	return &sendQueue{max: max, maxBytes: maxBytes, notify: make(chan struct{}, 1)}
}

// push appends it unless the queue is full.
func (q *sendQueue) push(it outItem) bool { return q.pushThen(it, nil) }

// pushThen is push that, once it is queued, calls queued (when not nil)
// before the writer can take it: what queued records (the trace's "sent")
// comes before anything the message's arrival makes the receiver record.
// Called after the push, a send could be traced after its delivery (a
// busy machine left the sender between the two while the writer sent it
// and the receiver stepped it).
func (q *sendQueue) pushThen(it outItem, queued func(*outItem)) bool {
	n := raft.EntryBytes(it.msg.Entries)
	q.mu.Lock()
	if len(q.items) >= q.max || (n > 0 && q.bytes > 0 && q.bytes+n > q.maxBytes) {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, it)
	if queued != nil {
		queued(&q.items[len(q.items)-1])
	}
	q.bytes += n
	q.pushed++
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return true
}

// take swaps the queued items for spare (emptied) and returns them.
func (q *sendQueue) take(spare []outItem) []outItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.items
	q.items = spare[:0]
	q.removed += uint64(len(batch))
	q.bytes = 0
	return batch
}

// takeOlder removes and returns the items queued for a generation older
// than gen (ReplacePeer), keeping the rest in order.
func (q *sendQueue) takeOlder(gen uint64) []outItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	var old []outItem
	kept := q.items[:0]
	for _, it := range q.items {
		if it.gen < gen {
			old = append(old, it)
			q.bytes -= raft.EntryBytes(it.msg.Entries)
		} else {
			kept = append(kept, it)
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
	q.removed += uint64(len(old))
	return old
}

// mark returns how many items were ever pushed: the items pushed after the
// call are the newer ones (takeBefore).
func (q *sendQueue) mark() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pushed
}

// takeBefore removes and returns, in spare, the items pushed before mark.
func (q *sendQueue) takeBefore(mark uint64, spare []outItem) []outItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	if mark > q.removed {
		n = int(min(mark-q.removed, uint64(len(q.items))))
	}
	batch := append(spare[:0], q.items[:n]...)
	for i := range batch {
		q.bytes -= raft.EntryBytes(batch[i].msg.Entries)
	}
	rest := copy(q.items, q.items[n:])
	clear(q.items[rest:])
	q.items = q.items[:rest]
	q.removed += uint64(n)
	return batch
}

// peer is the outbound stream to one peer: a queue and the goroutine that
// dials, handshakes and writes.
type peer struct {
	t     *Transport
	id    uint64
	q     *sendQueue
	stats *linkCounters

	kick chan struct{} // a token cuts a backoff short (the address changed)

	unflushed []int // the writer's scratch space for tracing (writeBatch)

	mu   sync.Mutex
	addr string
	conn net.Conn // current connection, nil while down
}

func newPeer(t *Transport, id uint64, addr string, stats *linkCounters) *peer {
	return &peer{t: t, id: id, addr: addr, q: newSendQueue(t.cfg.QueueLen, t.cfg.QueueBytes), stats: stats, kick: make(chan struct{}, 1)}
}

// setAddr changes the peer's address and drops the current connection so the
// writer redials the new one.
func (p *peer) setAddr(addr string) {
	p.mu.Lock()
	changed := p.addr != addr
	p.addr = addr
	p.mu.Unlock()
	if changed {
		p.closeConn()
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

func (p *peer) closeConn() {
	p.mu.Lock()
	if p.conn != nil {
		p.conn.Close()
	}
	p.mu.Unlock()
}

// run is the writer goroutine: connect, stream, and on any error drop the
// connection and redial with exponential backoff until the transport closes.
func (p *peer) run() {
	defer p.t.wg.Done()
	backoff := minBackoff
	var spare []outItem
	bw := bufio.NewWriterSize(nil, writeBufferSize)
	enc := newFrameEncoder()
	failures := 0 // failed dials in a row; only the first of a streak is logged
	for p.t.ctx.Err() == nil {
		mark := p.q.mark()
		conn, err := p.dial()
		if err != nil {
			if p.t.ctx.Err() != nil {
				return
			}
			if failures == 0 {
				p.t.logf("peer %d: %v (redialling with backoff up to %v)", p.id, err, maxBackoff)
			}
			failures++
			p.dropQueued(&spare, mark)
			if !p.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		p.t.logf("peer %d: connected to %s after %d failed dials", p.id, conn.RemoteAddr(), failures)
		backoff, failures = minBackoff, 0
		p.stats.connected.Store(true)
		err = p.stream(conn, bw, enc, &spare)
		p.stats.connected.Store(false)
		p.mu.Lock()
		p.conn = nil
		p.mu.Unlock()
		conn.Close()
		if p.t.ctx.Err() != nil {
			return
		}
		p.t.logf("peer %d: connection lost: %v", p.id, err)
		if !p.sleep(backoff) {
			return
		}
	}
}

// sleep waits d (less if the address changes), or returns false at once if
// the transport closes.
func (p *peer) sleep(d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-p.kick:
		return true
	case <-p.t.ctx.Done():
		return false
	}
}

// dropQueued discards what was queued before a dial that failed began: the
// peer could not be reached for it. What came later waits for the next
// dial (the peer may be back by then: a restarted node).
func (p *peer) dropQueued(spare *[]outItem, mark uint64) {
	batch := p.q.takeBefore(mark, *spare)
	if n := len(batch); n > 0 {
		p.stats.droppedConn.Add(uint64(n))
		p.t.traceLost(batch)
	}
	clear(batch)
	*spare = batch[:0]
}

// dial connects and handshakes. On success the connection is p.conn.
func (p *peer) dial() (net.Conn, error) {
	p.mu.Lock()
	addr := p.addr
	p.mu.Unlock()
	deadline := time.Now().Add(p.t.cfg.DialTimeout)
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(p.t.ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: dial %s: %w", addr, err)
	}
	// Register before the handshake so Close and setAddr can interrupt it.
	p.mu.Lock()
	if now := p.addr; p.t.ctx.Err() != nil || now != addr {
		p.mu.Unlock()
		conn.Close()
		if err := p.t.ctx.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("transport: dial %s: peer moved to %s", addr, now)
	}
	p.conn = conn
	p.mu.Unlock()
	fail := func(err error) (net.Conn, error) {
		p.mu.Lock()
		p.conn = nil
		p.mu.Unlock()
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(deadline)
	h := hello{version: ProtocolVersion, cluster: p.t.cfg.ClusterID, from: p.t.cfg.ID, to: p.id}
	if _, err := conn.Write(h.marshal()); err != nil {
		return fail(fmt.Errorf("transport: handshake with %s: %w", addr, err))
	}
	v, err := readReply(conn)
	if err != nil {
		return fail(fmt.Errorf("transport: handshake with %s: %w", addr, err))
	}
	if v != handshakeOK {
		return fail(fmt.Errorf("transport: handshake with %s: refused: %v", addr, v))
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// stream writes queued messages to conn until an error. Whatever is queued
// when the writer wakes is written as one batch and flushed once.
func (p *peer) stream(conn net.Conn, bw *bufio.Writer, enc *frameEncoder, spare *[]outItem) error {
	// The acceptor never writes after its handshake reply, so a read returns
	// only when the connection dies: watch for that to redial promptly.
	dead := make(chan struct{})
	go func() {
		defer close(dead)
		io.Copy(io.Discard, conn)
	}()
	defer func() {
		conn.Close()
		<-dead
	}()
	bw.Reset(conn)
	maxBody := p.t.cfg.MaxFrameBytes
	var out *snapOut // the snapshot in flight, written a chunk at a time
	defer p.abortSnapshot(&out, false)
	for {
		wait := p.q.notify
		if out != nil {
			wait = nil // a snapshot is in flight: write its next chunk
		}
		select {
		case <-wait:
		case <-dead:
			return fmt.Errorf("transport: connection closed by peer")
		case <-p.t.ctx.Done():
			return p.t.ctx.Err()
		default:
			if out == nil {
				select {
				case <-p.q.notify:
				case <-dead:
					return fmt.Errorf("transport: connection closed by peer")
				case <-p.t.ctx.Done():
					return p.t.ctx.Err()
				}
			}
		}
		batch := p.q.take(*spare)
		err := p.writeBatch(conn, bw, enc, batch, maxBody, dead, &out)
		clear(batch) // release message data
		*spare = batch[:0]
		if err == nil && out != nil {
			err = p.writeChunk(conn, bw, enc, &out)
		}
		if err != nil {
			return err
		}
	}
}

// writeBatch writes one batch, honouring each message's due time, and flushes.
// A MsgSnap becomes the snapshot in flight (*out), written by chunks later.
func (p *peer) writeBatch(conn net.Conn, bw *bufio.Writer, enc *frameEncoder, batch []outItem, maxBody int, dead <-chan struct{}, out **snapOut) error {
	var msgs, bytes uint64
	unflushed := p.unflushed[:0] // indexes in batch of the messages written since the last flush (when tracing)
	defer func() { p.unflushed = unflushed[:0] }()
	flush := func() error {
		if err := bw.Flush(); err != nil {
			p.stats.droppedConn.Add(msgs)
			for _, k := range unflushed {
				p.t.trace(&batch[k].msg, FateUnreachable, 0)
			}
			return fmt.Errorf("transport: write: %w", err)
		}
		p.stats.msgsSent.Add(msgs)
		p.stats.bytesSent.Add(bytes)
		msgs, bytes, unflushed = 0, 0, unflushed[:0]
		return nil
	}
	lost := func(from int) { // batch[from:] will not be written
		p.t.traceLost(batch[from:])
	}
	// The deadline bounds each stretch of writing: it is renewed after a wait
	// and every deadlineBytes, so a long batch on a live link never trips it.
	var sinceDeadline int
	conn.SetWriteDeadline(time.Now().Add(p.t.cfg.WriteTimeout))
	for i := range batch {
		it := &batch[i]
		if p.replaced(it) {
			continue
		}
		if !it.due.IsZero() && time.Until(it.due) > 0 {
			if err := flush(); err != nil {
				lost(i)
				return err
			}
			if err := p.waitDue(it, dead); err != nil {
				p.stats.droppedConn.Add(uint64(len(batch) - i))
				lost(i)
				return err
			}
			conn.SetWriteDeadline(time.Now().Add(p.t.cfg.WriteTimeout))
			sinceDeadline = 0
			if p.replaced(it) { // replaced while it waited
				continue
			}
		}
		if it.msg.Type == raft.MsgSnap {
			if !p.startSnapshot(out, &it.msg) || len((*out).snap.Data) > chunkSize(maxBody, (*out).snap.Meta.Conf) {
				continue // several chunks: interleaved with later messages
			}
			// One chunk: written in its place, so the link keeps its order.
			if err := flush(); err != nil {
				lost(i + 1)
				return err
			}
			if err := p.writeChunk(conn, bw, enc, out); err != nil {
				p.stats.droppedConn.Add(uint64(len(batch) - i - 1))
				lost(i + 1)
				return err
			}
			sinceDeadline = 0
			continue
		}
		f, err := enc.encodeFrame(&it.msg)
		if err == nil && f.size > maxBody {
			err = fmt.Errorf("%w: %v of %d bytes, limit %d", errFrameTooLarge, it.msg.Type, f.size, maxBody)
		}
		if err != nil {
			p.stats.droppedInvalid.Add(1)
			p.t.logf("peer %d: dropping message: %v", p.id, err)
			continue
		}
		if err := f.writeTo(bw); err != nil {
			p.stats.droppedConn.Add(msgs + uint64(len(batch)-i))
			for _, k := range unflushed {
				p.t.trace(&batch[k].msg, FateUnreachable, 0)
			}
			lost(i)
			return fmt.Errorf("transport: write: %w", err)
		}
		if p.t.cfg.Trace != nil {
			unflushed = append(unflushed, i)
		}
		msgs++
		bytes += uint64(len(f.hdr) + f.size)
		if sinceDeadline += len(f.hdr) + f.size; sinceDeadline > deadlineBytes {
			conn.SetWriteDeadline(time.Now().Add(p.t.cfg.WriteTimeout))
			sinceDeadline = 0
		}
		enc.shrink()
	}
	return flush()
}

// replaced reports whether it was queued for the node this id named
// before ReplacePeer, and then counts and traces it as dropped.
func (p *peer) replaced(it *outItem) bool {
	if it.gen == p.stats.gen.Load() {
		return false
	}
	p.stats.droppedReplaced.Add(1)
	p.t.trace(&it.msg, FateReplaced, 0)
	return true
}

// waitDue waits until a delayed message is due, giving up if the connection
// dies or the transport closes. When the fault table changes, the wait is cut
// to what the new rules would give (Heal releases it at once); messages
// behind it on the link wait for it, so the link keeps its order.
func (p *peer) waitDue(it *outItem, dead <-chan struct{}) error {
	faults := p.t.cfg.Faults
	for {
		change := faults.nextChange()
		if due := it.sent.Add(faults.maxDelay(p.t.cfg.ID, p.id)); due.Before(it.due) {
			it.due = due
		}
		wait := time.Until(it.due)
		if wait <= 0 {
			return nil
		}
		tm := time.NewTimer(wait)
		select {
		case <-tm.C:
			return nil
		case <-change:
			tm.Stop()
		case <-dead:
			tm.Stop()
			return fmt.Errorf("transport: connection closed by peer")
		case <-p.t.ctx.Done():
			tm.Stop()
			return p.t.ctx.Err()
		}
	}
}
