package transport

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"raftplay/raft"
)

// Defaults for the zero values of Config.
const (
	DefaultListenAddr    = "127.0.0.1:0"
	DefaultMaxFrameBytes = 16 << 20
	DefaultQueueLen      = 4096
	DefaultQueueBytes    = 64 << 20
	DefaultWriteTimeout  = 2 * time.Second
	DefaultDialTimeout   = time.Second
	// DefaultMaxSnapshotBytes bounds the data of one received snapshot.
	DefaultMaxSnapshotBytes = 1 << 30

	maxFrameLimit = 1 << 30 // largest MaxFrameBytes accepted
	helloTimeout  = 5 * time.Second
)

// Config configures one node's transport.
type Config struct {
	ID               uint64                           // this node; must not be 0
	ClusterID        uint64                           // every connection must present the same cluster id
	ListenAddr       string                           // default "127.0.0.1:0"; must be a 127.0.0.1 address
	Peers            map[uint64]string                // peer id -> address (may also be set later with SetPeer)
	Faults           *Faults                          // fault table shared by the whole cluster (nil = no faults)
	Handler          func(raft.Message)               // called for each received message, from reader goroutines; Close waits for calls in progress
	MaxFrameBytes    int                              // largest frame body accepted or sent; default 16 MiB
	MaxSnapshotBytes int64                            // largest snapshot data accepted (sent in chunks); default 1 GiB
	QueueLen         int                              // per-peer send queue length; default 4096
	QueueBytes       int                              // per-peer bound on the entry data queued (appends beyond it are dropped); default 64 MiB
	WriteTimeout     time.Duration                    // write deadline, renewed every 4 MiB and after a delay; default 2 s
	DialTimeout      time.Duration                    // deadline for dial plus handshake; default 1 s
	Logf             func(format string, args ...any) // optional; nothing is printed by default
	// Refused, if set, is told of each inbound connection this node
	// refused or closed for bad input: a failed handshake (not a peer of
	// this cluster: garbage, an HTTP request, a wrong cluster id) or a
	// malformed frame from a peer. remote is the connection's address.
	// It is called from the connection's goroutine.
	Refused func(remote string, err error)
	// Trace, if set, is told each message's fate: at Send (sent, delayed,
	// or dropped by a fault or a full queue), when a connection problem
	// loses it, and when it arrives on a link cut meanwhile. It is called
	// synchronously from Send and from the transport's goroutines, so it
	// must be quick and must not call back into the Transport.
	Trace func(Trace)
	// SnapshotLost, if set, is told when a snapshot (MsgSnap) this node
	// sent is lost here: dropped at Send (a fault, a full queue), the peer
	// unreachable, or the transfer cut off by a broken connection. Raft can
	// then send it again at once instead of waiting out its retry timer
	// (etcd's ReportSnapshot). A transfer a newer snapshot to the same
	// peer takes the place of is not reported: the newer one is on its
	// way. Same calling rules as Trace.
	SnapshotLost func(to uint64)
}

// Transport is one node's endpoint: a listener for inbound connections and
// one outbound stream per peer. All methods are safe for concurrent use.
type Transport struct {
	cfg  Config
	ln   net.Listener
	addr string

	ctx    context.Context // cancelled by Close; dials use it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	peers atomic.Pointer[map[uint64]*peer] // copy on write, so Send takes no lock

	mu     sync.Mutex // guards the fields below and writes to peers
	closed bool
	links  map[uint64]*linkCounters
	conns  map[net.Conn]struct{} // inbound connections

	unroutable atomic.Uint64
	closeErr   error
	closeOnce  sync.Once
}

// New validates cfg, starts listening at once, and starts a stream to every
// peer in cfg.Peers.
func New(cfg Config) (*Transport, error) {
	if cfg.ID == raft.None {
		return nil, errors.New("transport: config: ID must not be 0")
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = DefaultListenAddr
	}
	if err := checkLoopback(cfg.ListenAddr); err != nil {
		return nil, err
	}
	switch {
	case cfg.MaxFrameBytes == 0:
		cfg.MaxFrameBytes = DefaultMaxFrameBytes
	case cfg.MaxFrameBytes < 0 || cfg.MaxFrameBytes > maxFrameLimit:
		return nil, fmt.Errorf("transport: config: MaxFrameBytes %d out of range (1..%d)", cfg.MaxFrameBytes, maxFrameLimit)
	}
	switch {
	case cfg.MaxSnapshotBytes == 0:
		cfg.MaxSnapshotBytes = DefaultMaxSnapshotBytes
	case cfg.MaxSnapshotBytes < 0:
		return nil, fmt.Errorf("transport: config: MaxSnapshotBytes %d is negative", cfg.MaxSnapshotBytes)
	}
	switch {
	case cfg.QueueLen == 0:
		cfg.QueueLen = DefaultQueueLen
	case cfg.QueueLen < 0:
		return nil, fmt.Errorf("transport: config: QueueLen %d is negative", cfg.QueueLen)
	}
	switch {
	case cfg.QueueBytes == 0:
		cfg.QueueBytes = DefaultQueueBytes
	case cfg.QueueBytes < 0:
		return nil, fmt.Errorf("transport: config: QueueBytes %d is negative", cfg.QueueBytes)
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Refused == nil {
		cfg.Refused = func(string, error) {}
	}
	for id := range cfg.Peers {
		if id == raft.None || id == cfg.ID {
			return nil, fmt.Errorf("transport: config: bad peer id %d", id)
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	t := &Transport{
		cfg:   cfg,
		ln:    ln,
		addr:  ln.Addr().String(),
		links: make(map[uint64]*linkCounters),
		conns: make(map[net.Conn]struct{}),
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	empty := map[uint64]*peer{}
	t.peers.Store(&empty)
	t.wg.Add(1)
	go t.acceptLoop()
	for id, addr := range cfg.Peers {
		t.SetPeer(id, addr)
	}
	return t, nil
}

// checkLoopback accepts only host 127.0.0.1 with a valid port.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("transport: config: listen address %q: %w", addr, err)
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("transport: config: listen address %q: host must be 127.0.0.1", addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("transport: config: listen address %q: %w", addr, err)
	}
	return nil
}

// Addr returns the address the transport listens on, e.g. "127.0.0.1:40211".
func (t *Transport) Addr() string { return t.addr }

// ID returns this node's id.
func (t *Transport) ID() uint64 { return t.cfg.ID }

// SetPeer adds a peer or changes its address; the stream redials at once.
// Ids 0 and this node's own id are ignored. After Close it does nothing.
func (t *Transport) SetPeer(id uint64, addr string) {
	if id == raft.None || id == t.cfg.ID {
		t.logf("SetPeer: ignoring bad peer id %d", id)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	old := *t.peers.Load()
	if p, ok := old[id]; ok {
		p.setAddr(addr)
		return
	}
	p := newPeer(t, id, addr, t.linkLocked(id))
	next := maps.Clone(old)
	next[id] = p
	t.peers.Store(&next)
	t.wg.Add(1)
	go p.run()
}

// ReplacePeer says that id is to name a new node that shares nothing with
// the one it named so far (removed, then added again with an empty log):
// what is still queued for the old one is dropped instead of reaching the
// new one, and frames on connections made so far are no longer delivered
// (FateReplaced). Raft tells senders apart by id alone, so a late answer
// of the old node would pass for the new one's: a leader would take the
// old node's match for the new node's. Call it before the new node starts
// (it may connect at once), then SetPeer with its address.
func (t *Transport) ReplacePeer(id uint64) {
	if id == raft.None || id == t.cfg.ID {
		t.logf("ReplacePeer: ignoring bad peer id %d", id)
		return
	}
	gen := t.link(id).gen.Add(1)
	if p, ok := (*t.peers.Load())[id]; ok {
		// Only what was queued for the old node: Send may already queue
		// for the new one.
		for _, it := range p.q.takeOlder(gen) {
			p.stats.droppedReplaced.Add(1)
			t.trace(&it.msg, FateReplaced, 0)
		}
		p.closeConn() // the writer drops what it holds for the old node
		select {      // and does not sit out a backoff: the new node may have the old address (--port)
		case p.kick <- struct{}{}:
		default:
		}
	}
}

// linkLocked returns the counters for peer id, creating them. t.mu is held.
func (t *Transport) linkLocked(id uint64) *linkCounters {
	c, ok := t.links[id]
	if !ok {
		c = new(linkCounters)
		t.links[id] = c
	}
	return c
}

func (t *Transport) link(id uint64) *linkCounters {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.linkLocked(id)
}

// Send queues msgs for their peers (m.To) and returns at once. It never
// blocks: a message for an unknown peer, of a local or unknown type, or after
// Close is dropped and counted in Unroutable; a message the fault table
// drops, or that finds its peer's queue full, is counted in that link's
// stats. Messages to one peer are written in the order given.
//
// Send copies the messages, but not the slices they point to (Entries,
// Entry.Data, Context, Snapshot): the caller must not modify those after
// Send. The core never does: its log changes no entry it has handed out
// (raft.Ready), so a MsgApp's entries are encoded later without a copy.
func (t *Transport) Send(msgs []raft.Message) {
	if len(msgs) == 0 {
		return
	}
	if t.ctx.Err() != nil {
		t.unroutable.Add(uint64(len(msgs)))
		return
	}
	peers := *t.peers.Load()
	var now time.Time
	for i := range msgs {
		m := &msgs[i]
		p, ok := peers[m.To]
		if !ok {
			t.unroutable.Add(1)
			continue
		}
		if _, ok := wireType(m.Type); !ok {
			t.unroutable.Add(1)
			continue
		}
		if !fits(m) {
			p.stats.droppedInvalid.Add(1)
			t.logf("refusing %v to %d: it sets a field its wire struct cannot carry", m.Type, m.To)
			continue
		}
		fate, delay := t.cfg.Faults.sendFate(t.cfg.ID, m.To)
		if fate != 0 {
			p.stats.droppedFault.Add(1)
			t.trace(m, fate, 0)
			continue
		}
		var due time.Time
		if delay > 0 {
			if now.IsZero() {
				now = time.Now()
			}
			due = now.Add(delay)
		}
		// The entries alias the core's log, which never changes an entry
		// it has handed out (a truncation copies the chunk it cuts into):
		// the writer may encode them later without a copy.
		it := outItem{msg: *m, due: due, sent: now, gen: p.stats.gen.Load()}
		if !p.q.pushThen(it, t.traceQueued) {
			p.stats.droppedQueue.Add(1)
			t.trace(m, FateQueueFull, 0)
		}
	}
}

// traceQueued traces a message queued for the wire: sent, or taken
// behind a delay rule.
func (t *Transport) traceQueued(it *outItem) {
	if it.due.IsZero() {
		t.trace(&it.msg, FateSent, 0)
	} else {
		t.trace(&it.msg, FateDelayed, it.due.Sub(it.sent))
	}
}

// Redial cuts short the wait before the next dial to peer id, if the
// stream to it is backing off: call it when the peer is known to be back
// (a restarted node), so that messages to it are not lost to a backoff.
func (t *Transport) Redial(id uint64) {
	if p, ok := (*t.peers.Load())[id]; ok {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

// Unroutable returns how many messages Send refused outright: unknown peer,
// local or unknown message type, or sent after Close.
func (t *Transport) Unroutable() uint64 { return t.unroutable.Load() }

// Stats returns the counters of every link this node knows: its peers, and
// any node that connected to it.
func (t *Transport) Stats() map[uint64]LinkStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[uint64]LinkStats, len(t.links))
	for id, c := range t.links {
		out[id] = c.snapshot()
	}
	return out
}

// Close stops the transport abruptly, as a crash would: the listener and
// every connection are closed with no goodbye, queued messages are dropped,
// and all goroutines have exited when it returns. It is safe to call twice.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.cancel()
		if err := t.ln.Close(); err != nil {
			t.closeErr = fmt.Errorf("transport: close listener: %w", err)
		}
		for c := range t.conns {
			c.Close()
		}
		peers := *t.peers.Load()
		t.mu.Unlock()
		for _, p := range peers {
			p.closeConn()
		}
		t.wg.Wait()
	})
	return t.closeErr
}

// logf logs through Config.Logf with this node's id as prefix.
func (t *Transport) logf(format string, args ...any) {
	t.cfg.Logf("transport: %d: "+format, append([]any{t.cfg.ID}, args...)...)
}
