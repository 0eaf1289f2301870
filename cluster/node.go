package cluster

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/semaphore"

	"raftplay/raft"
	"raftplay/transport"
	"raftplay/wal"
)

// Errors a proposal can end with.
var (
	ErrNodeDown  = errors.New("cluster: node is down")
	ErrEntryLost = errors.New("cluster: a new leader committed another entry at its index, so it never will")
	// ErrEntryReplaced is not a loss: the entry is gone from this node's
	// log, but another node that holds it may still be elected and commit
	// it (Figure 8 of the Raft paper; a review saw one commit so).
	ErrEntryReplaced = errors.New("cluster: a new leader replaced the entry in this node's log before it committed; a node that still holds it may yet commit it, so its outcome is unknown")
	ErrNotLeader     = errors.New("cluster: node is not the leader")
	ErrSuperseded    = errors.New("cluster: a snapshot from the leader replaced the entry; its outcome is unknown")
	// ErrPaused is the error of an operation a paused node was asked
	// to do (a propose to it).
	ErrPaused = errors.New("cluster: node is paused")
)

const (
	inboxLen     = 2048 // messages queued for a node's loop; more are dropped (Raft tolerates loss)
	drainMax     = 512  // work items folded into one Ready, so one fsync covers them (group commit)
	publishEvery = 20 * time.Millisecond
	checkEvery   = 50 * time.Millisecond // how often a waiting client checks that its leader still leads
	// maxBatchBytes bounds the entry data (proposals, appends, snapshots)
	// folded into one Ready: see drain.
	maxBatchBytes = 4 << 20
)

// proposal is a client command waiting to enter the leader's log.
type proposal struct {
	data   []byte
	done   chan proposeResult // buffered 1: the loop never blocks on it
	placed chan [2]uint64     // optional, buffered 1: index and term once in the leader's log
}

type proposeResult struct {
	res Result
	err error
}

// notLeaderError is ErrNotLeader (and raft.ErrNotLeader) said of a node:
// which node refused, and the leader it knows of.
type notLeaderError struct{ id, leader uint64 }

func (e notLeaderError) Error() string {
	if e.leader == raft.None {
		return fmt.Sprintf("cluster: node %d is not the leader (it knows of no leader)", e.id)
	}
	return fmt.Sprintf("cluster: node %d is not the leader (%d is)", e.id, e.leader)
}

func (e notLeaderError) Is(target error) bool {
	return target == ErrNotLeader || target == raft.ErrNotLeader
}

// refusedError is the error of a proposal the core refused (not the
// leader, a leadership transfer in progress): nothing entered any log, so
// the write had no effect and may be retried as it is.
type refusedError struct{ err error }

func (e refusedError) Error() string { return e.err.Error() }
func (e refusedError) Unwrap() error { return e.err }

// wasRefused reports whether err is a proposal's refusal (refusedError).
func wasRefused(err error) bool {
	var r refusedError
	return errors.As(err, &r)
}

type waiter struct {
	term uint64
	done chan proposeResult
}

// nodeConfig is everything a node needs to start, from its files alone.
type nodeConfig struct {
	id            uint64
	peers         []uint64
	dir           string
	raftAddr      string // "" lets the OS pick
	httpAddr      string
	peerAddrs     map[uint64]string
	clusterID     uint64
	faults        *transport.Faults
	timing        Timing
	preVote       bool
	checkQuorum   bool
	seed          uint64
	incarnation   int
	snapEvery     uint64
	events        *EventLog
	monitor       *Monitor
	leaderHTTP    func(id uint64) string // HTTP address of a node, for redirects
	written       *atomic.Uint64         // counts writes acknowledged to clients
	walOpts       wal.Options
	unsafeVote    bool          // raft.Config.UnsafeSkipVoteLogCheck
	pub           *sync.RWMutex // statuses are stored under its read side (publish.go)
	trace         *MsgTrace
	stall         *stallWatch                                 // the process's stalls, left out of the node's clock (nil: none)
	down          func(id uint64) bool                        // whether a node is down now (for the trace)
	heldSeq       *atomic.Uint64                              // numbers held messages across the cluster (freeze.go)
	frozen        bool                                        // start frozen (the cluster is)
	clusterStatus func() Status                               // the whole cluster's status (HTTP /explain)
	confApplied   func(index, term uint64, m raft.Membership) // told of each configuration entry applied
	joinTerm      uint64                                      // a node added to a running cluster starts at this term (Cluster.Add)
	joinedAfter   uint64                                      // raft.Config.JoinedAfter (Cluster.Add)
}

// node drives one Raft core with its WAL, transport and key-value store.
// Everything below the loop goroutine's fields is owned by that goroutine.
type node struct {
	cfg   nodeConfig
	found string // what open read from the node's files ("term 2 (voted for 1), log to 8, snapshot at 5"); "" when they held nothing
	tr    *transport.Transport
	w     *wal.WAL
	wb    *syncer    // fsyncs the leader's written-behind log (syncer.go)
	wc    *compactor // deletes the WAL segments snapshots cover (compactor.go)
	srv   *http.Server
	// putAdmit bounds the PUT values the HTTP API reads at once
	// (putBytesInFlight); a FIFO of the writes waiting past it.
	putAdmit *semaphore.Weighted
	// putsWaiting counts the PUTs waiting their turn in putAdmit.
	putsWaiting atomic.Int32
	hl          net.Listener

	refusals refusalLog // connections its Raft port refused (garbage, strangers)

	inbox    chan raft.Message
	propc    chan proposal
	readc    chan *readReq
	ctrl     chan func()
	snapLost chan uint64 // followers whose snapshot the transport lost
	stopc    chan struct{}
	done     chan struct{}
	status   atomic.Pointer[NodeStatus]  // the last full status (publish)
	light    atomic.Pointer[lightStatus] // publishLight's fields since (loadStatus)
	paused   atomic.Bool
	started  atomic.Bool // the loop runs (or ran): crash waits for it to end
	stopOnce sync.Once

	// Owned by the loop.
	core           *raft.Raft
	kv             *KV
	tick           time.Duration
	ticker         *time.Ticker // wakes the loop; clock says how many ticks are due
	clock          tickClock
	maxTicks       int // the longest election timeout in ticks: the most ticks one wake-up hands the core
	waiters        map[uint64]waiter
	lastHeartbeat  time.Time
	lastPublish    time.Time
	lastCommit     uint64
	role           raft.Role
	earlyBuf       []raft.Message
	answers        []answer
	reads          map[uint64]*readReq // reads in flight, by the id given to the core
	nextRead       uint64
	lastIndex      uint64
	lastTerm       uint64         // the term of lastIndex
	snapIndex      uint64         // index of the newest snapshot this node holds
	sinceSnapBytes int            // entry data applied since the last snapshot (holdCompaction)
	snapEvery      uint64         // take a snapshot every this many applied entries (0: never)
	logTermsAt     uint64         // last index when the published log window was built
	hs             raft.HardState // newest hard state from the core
	savedHS        raft.HardState // newest hard state written to the WAL
	frozen         bool           // step mode: no ticks, arriving messages held (freeze.go)
	held           []heldMsg
	discarded      []HeldInfo // the newest messages discard dropped (at most maxDiscarded), this freeze
	heldDirty      bool       // held or discarded changed since the last publish
	capturing      bool       // collect Raft events into captured (the effect of a step)
	endCapture     func(bool) // ends the capture once the step's Ready is carried out
	captured       []string   //
	commitAt       int        // the first commit's place in captured (-1: none yet)
	batchBytes     int        // entry data taken into the batch of this turn of the loop (drain)
}

// openNode opens the node's WAL, rebuilds its core from it, and starts
// listening for peers and HTTP clients. The loop starts with run.
func openNode(cfg nodeConfig) (*node, error) {
	n := &node{
		cfg:       cfg,
		inbox:     make(chan raft.Message, inboxLen),
		propc:     make(chan proposal, 1024),
		readc:     make(chan *readReq, 1024),
		reads:     map[uint64]*readReq{},
		ctrl:      make(chan func(), 16),
		snapLost:  make(chan uint64, 16),
		stopc:     make(chan struct{}),
		done:      make(chan struct{}),
		kv:        NewKV(),
		waiters:   map[uint64]waiter{},
		snapEvery: cfg.snapEvery,
		frozen:    cfg.frozen,
	}
	if err := CheckIdentity(cfg.id, cfg.dir); err != nil {
		// Before the WAL opens: it may repair a torn tail, and this log
		// is not this cluster's to change.
		return nil, &StartError{Node: cfg.id, Dir: cfg.dir, Err: err}
	}
	if err := n.open(); err != nil {
		n.closeIO()
		return nil, &StartError{Node: cfg.id, Dir: cfg.dir, Err: err}
	}
	stampID(cfg.dir) // a restart, an add: the node runs in this cluster
	return n, nil
}

// foundText says what a node's files held when it opened (hs as it
// starts from): "term 2 (voted for 1), log to 8, snapshot at 5", or "" for
// files that held nothing. A second run on a data directory said nothing
// of what it found (a new user's report).
func foundText(hs raft.HardState, rec *wal.Recovered) string {
	last := uint64(0)
	if rec.Snapshot != nil {
		last = rec.Snapshot.Meta.Index
	}
	if k := len(rec.Entries); k > 0 {
		last = max(last, rec.Entries[k-1].Index)
	}
	if hs.Term == 0 && last == 0 {
		return ""
	}
	// What Raft keeps on disk: the term, the vote, the log. (The commit
	// index saved with them lags: a change of it alone is not fsynced, and
	// the leader tells it again.)
	s := fmt.Sprintf("term %d", hs.Term)
	if hs.Vote != 0 {
		s += fmt.Sprintf(" (voted for %d)", hs.Vote)
	}
	s += fmt.Sprintf(", log to %d", last)
	if rec.Snapshot != nil {
		s += fmt.Sprintf(", snapshot at %d", rec.Snapshot.Meta.Index)
	}
	return s
}

// open does openNode's work; on error the caller closes what was opened.
func (n *node) open() error {
	cfg := n.cfg
	if p := NodeDirProblem(cfg.dir); p != "" { // a restart's: Start checked them all
		return fmt.Errorf("its directory %s %s", cfg.dir, p)
	}
	w, rec, err := wal.Open(cfg.dir, cfg.walOpts)
	if err != nil {
		return err
	}
	n.w = w
	n.wb = newSyncer(w)
	n.wc = newCompactor(w)
	n.hs, n.savedHS = rec.HardState, rec.HardState
	if rec.Repaired != nil {
		cfg.events.Add(Event{Node: cfg.id, Kind: EventError, Text: fmt.Sprintf("%d %s", cfg.id, rec.Repaired)})
	}
	n.tick = cfg.timing.Tick()
	emin, emax, hb := cfg.timing.Ticks(n.tick)
	n.maxTicks = emax
	rc := raft.Config{
		ID:              cfg.id,
		Peers:           cfg.peers,
		JoinedAfter:     cfg.joinedAfter,
		ElectionTickMin: emin,
		ElectionTickMax: emax,
		HeartbeatTick:   hb,
		Seed:            cfg.seed,
		PreVote:         cfg.preVote,
		CheckQuorum:     cfg.checkQuorum,
		HardState:       rec.HardState,
		Entries:         rec.Entries,
		OnEvent:         n.onRaftEvent,

		UnsafeSkipVoteLogCheck: cfg.unsafeVote,
	}
	if snap := rec.Snapshot; snap != nil {
		if err := n.kv.Restore(snap.Data); err != nil {
			return fmt.Errorf("snapshot at %d: %w", snap.Meta.Index, err)
		}
		rc.Snapshot, rc.SnapshotData = snap.Meta, snap.Data
		rc.Applied = snap.Meta.Index
		// Everything in a snapshot was committed; the hard state written
		// with it may predate that (commit-only changes are not fsynced).
		rc.HardState.Commit = max(rc.HardState.Commit, snap.Meta.Index)
		n.snapIndex = snap.Meta.Index
	}
	// The node's term is at least that of everything it holds. A crash
	// can leave less: a snapshot from a leader of a new term is saved
	// before the hard state of its Ready, and the entries of a Ready are
	// written before its hard state, in one write a power cut can tear
	// between them. Starting at that term with no vote is safe: a vote
	// for another node leaves only once it is durable, with its term; and
	// a vote for itself that was lost (a lone voter's, written with its
	// first entry of the term) cannot let it vote again for another in
	// that term, since it holds an entry of that term and so refuses every
	// candidate of it (a candidate of term T holds no entry of term T).
	held, what := uint64(0), ""
	if snap := rec.Snapshot; snap != nil {
		held, what = snap.Meta.Term, fmt.Sprintf("its snapshot (term %d)", snap.Meta.Term)
	}
	if k := len(rec.Entries); k > 0 && rec.Entries[k-1].Term > held {
		held, what = rec.Entries[k-1].Term, fmt.Sprintf("its entries up to %d (term %d)", rec.Entries[k-1].Index, rec.Entries[k-1].Term)
	}
	if rc.HardState.Term < held {
		rc.HardState.Term, rc.HardState.Vote = held, 0
		n.hs = rc.HardState
		cfg.events.Add(Event{Node: cfg.id, Kind: EventError, Text: fmt.Sprintf("%d found %s newer than its saved term %d: a crash came before its hard state was saved; it starts at term %d, no vote cast in it",
			cfg.id, what, rec.HardState.Term, held)})
	}
	n.found = foundText(rc.HardState, rec)
	if rc.HardState.Term < cfg.joinTerm && rec.Snapshot == nil && len(rec.Entries) == 0 {
		// A node added to a running cluster starts at its leader's term
		// (joinTerm), saved before it hears anyone: a leader of an older
		// term, cut off and deposed without knowing it, may still count a
		// removed voter of this id in its old configuration. Taking its
		// appends (an empty log matches any), this node would be that voter
		// for it, and with a second id added again make a majority of that
		// configuration: it would commit its entries over the cluster's.
		// At this term the node refuses it, and its answer deposes it.
		rc.HardState = raft.HardState{Term: cfg.joinTerm}
		if err := w.Save(rc.HardState, nil); err != nil {
			return err
		}
		n.hs, n.savedHS = rc.HardState, rc.HardState
	}
	if n.core, err = raft.New(rc); err != nil {
		return err
	}
	n.tr, err = transport.New(transport.Config{
		ID:         cfg.id,
		ClusterID:  cfg.clusterID,
		ListenAddr: orDefault(cfg.raftAddr, "127.0.0.1:0"),
		Peers:      cfg.peerAddrs,
		Faults:     cfg.faults,
		Handler:    n.receive,
		Trace:      func(tr transport.Trace) { cfg.trace.fromTransport(tr, cfg.down) },
		Refused:    func(remote string, err error) { n.refusals.add(cfg.events, cfg.id, remote, err) },
		SnapshotLost: func(to uint64) {
			select {
			case n.snapLost <- to:
			default: // the loop has one already: the retry covers it
			}
		},
	})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return &listenError{what: "Raft", addr: cfg.raftAddr, err: err}
		}
		return err
	}
	n.hl, err = net.Listen("tcp", orDefault(cfg.httpAddr, "127.0.0.1:0"))
	if err != nil {
		return &listenError{what: "HTTP", addr: cfg.httpAddr, err: err}
	}
	// A client that sends its request slowly (or not at all) is cut off
	// rather than holding a handler for good.
	n.putAdmit = semaphore.NewWeighted(putBytesInFlight)
	n.srv = &http.Server{Handler: n.httpHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	n.publish(time.Now())
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// start runs the node's loop and HTTP server in the background.
func (n *node) start() {
	n.started.Store(true)
	go func() { _ = n.srv.Serve(n.hl) }()
	go n.run()
}

// receive is the transport's handler. It never blocks: when the inbox is full
// (a paused or overloaded node) the message is dropped, as a network would.
func (n *node) receive(m raft.Message) {
	select {
	case n.inbox <- m:
	default:
		r := recordOf(MsgLost, &m)
		r.Lost = LostInboxFull
		n.cfg.trace.add(r)
	}
}

// purgeInbox drops what waits in the inbox from node id, which now names
// a new node (an id removed, then added again): a paused or stalled
// node's loop would step the old node's late answer later, against the
// new node's progress (a false match: the new node promoted at once,
// empty). Called from outside the loop, after transport.ReplacePeer has
// stopped the rest; the other messages taken out go back in, behind any
// that arrived meanwhile (Raft does not need them in order).
func (n *node) purgeInbox(id uint64) {
	for k := len(n.inbox); k > 0; k-- {
		var m raft.Message
		select {
		case m = <-n.inbox:
		default:
			return
		}
		lost := LostReplaced
		if m.From != id {
			select {
			case n.inbox <- m:
				continue
			default:
				lost = LostInboxFull
			}
		}
		r := recordOf(MsgLost, &m)
		r.Lost = lost
		n.cfg.trace.add(r)
	}
}

// run is the node's loop (DESIGN.md): one event, then whatever else is
// queued, then one Ready: persist, send, apply, advance.
func (n *node) run() {
	defer close(n.done)
	defer n.loseHeld()          // a crash takes what a frozen node held with it
	defer n.captureEnded(false) // a step whose Ready failed ends with what it told
	// What the WAL read at start may be in the page cache only (the last
	// run died between a write and its fsync): make it durable before the
	// node acknowledges any of it. Here, not in openNode: on a slow disk
	// (set disk-delay) the wait is this node's, not the cluster's.
	if err := n.w.Flush(); err != nil {
		n.fail(err)
		return
	}
	// Start ticking at a random phase of the tick. The nodes of one
	// process, started together, would otherwise tick in step, and two
	// followers reset by the same heartbeat with the same timeout (one
	// chance in the range's ticks) would time out at the same instant: a
	// split vote that machines with clocks of their own would rarely see.
	select {
	case <-time.After(rand.N(n.tick)):
	case <-n.stopc:
		return
	}
	n.ticker = time.NewTicker(n.tick)
	defer n.ticker.Stop()
	go n.wb.run()
	defer n.wb.stop()
	go n.wc.run()
	defer n.wc.stop()
	if n.snapIndex > 0 {
		// A node killed after saving a snapshot, before the segments it
		// covers were deleted, left them behind (Open skips them), until
		// its next snapshot. They go now, as after any snapshot: only
		// those entirely at or below it (wal.Compact). Not before the
		// Flush above: the snapshot's name may not have been durable.
		n.wc.request(n.snapIndex)
	}
	n.resetClock()
	for {
		if n.paused.Load() {
			select {
			case <-n.stopc:
				return
			case f := <-n.ctrl:
				f()
				n.captureEnded(true) // paused: its Ready waits for the resume
			}
			continue
		}
		n.batchBytes = 0
		select {
		case <-n.stopc:
			return
		case <-n.ticker.C:
			if n.frozen {
				break // time stands still; thawing restarts the clock from then
			}
			// What arrived before the tick is heard before it: a vote
			// request already here is granted, not raced by an election
			// of this node's own (select picks among ready cases at random).
			n.drain()
			now := time.Now()
			k := n.clock.due(now, n.maxTicks, n.stalled(now))
			if k > 1 && n.core.HeardFromLeader() {
				// It has heard from its leader since its last tick. The
				// ticks a stalled loop missed (a slow fsync, a loaded
				// machine) passed before that, while the leader's messages
				// waited in the inbox: counted after them, they ran the
				// election timer out at once, and a follower with a slow
				// disk campaigned after every stall
				// (TestStalledFollowerDoesNotCampaign). One tick goes on,
				// so the timer runs from the message.
				k = 1
			}
			for ; k > 0; k-- {
				n.core.Tick()
			}
		case m := <-n.inbox:
			n.step(m)
		case p := <-n.propc:
			n.propose(p)
		case r := <-n.readc:
			n.startRead(r)
		case to := <-n.snapLost:
			n.core.ReportSnapshot(to)
		case <-n.wb.report:
			p, err := n.wb.result()
			if err != nil {
				n.fail(err)
				return
			}
			n.core.Persisted(p.index, p.term)
		case err := <-n.wc.errc:
			n.fail(err)
			return
		case f := <-n.ctrl:
			f()
			if n.paused.Load() {
				n.captureEnded(true)
				continue // paused: not one more step, peers see silence from now on
			}
		}
		if n.endCapture == nil {
			// (After a step, not: what arrived meanwhile is no part of it.)
			n.drain()
		}
		// Advance can leave more to do at once (a lone leader commits its
		// own entry there): handle it now, not a tick later.
		for i := 0; i < 4 && n.core.HasReady(); i++ {
			if err := n.handleReady(); err != nil {
				n.fail(err)
				return
			}
		}
		n.captureEnded(true)
		if now := time.Now(); now.Sub(n.lastPublish) >= publishEvery {
			n.publish(now)
		}
	}
}

// drain folds queued messages and proposals into the current batch without
// blocking, so that one Ready (one fsync) covers all of them. It stops at
// maxBatchBytes of entry data: the loop writes a Ready's entries before it
// turns again, and it is the loop that ticks, sends heartbeats and hears
// them. Folding all that was queued, a leader took 64 proposals of 1 MiB
// into one Ready and a follower 51 appends of 1 MiB, whose writes took 0.3
// to 2.7 s on a loaded machine: the leader sent no heartbeat meanwhile
// and its followers, free, ran out their election timers (150-300 ms).
// What is left waits in the queues for the next turn, a few milliseconds
// later; 4 MiB still lets one fsync cover many small writes.
func (n *node) drain() {
	for i := 0; i < drainMax && n.batchBytes < maxBatchBytes; i++ {
		select {
		case m := <-n.inbox:
			n.step(m)
		case p := <-n.propc:
			n.propose(p)
		case r := <-n.readc:
			n.startRead(r)
		default:
			return
		}
	}
}

// step hands an arrived message to the core, or holds it while frozen.
func (n *node) step(m raft.Message) {
	n.batchBytes += msgBytes(&m)
	if n.frozen {
		n.hold(m)
		return
	}
	n.deliver(m)
}

// deliver steps m into the core.
func (n *node) deliver(m raft.Message) {
	if n.cfg.trace.On() {
		n.cfg.trace.add(recordOf(MsgDelivered, &m))
	}
	// Errors here are messages Raft ignores (stale, unknown sender): the core
	// reports what matters through its events.
	_ = n.core.Step(m)
	// Only what the core took from its leader counts as a heartbeat: a
	// deposed leader's, refused for its lower term, lit the card's pulse
	// beside "cut off from leader 1" (found by a review).
	if (m.Type == raft.MsgHeartbeat || m.Type == raft.MsgApp) && n.core.HeardFromLeader() && n.core.Leader() == m.From {
		n.lastHeartbeat = time.Now()
	}
}

// stalled notes that the process runs at now and returns how long it has
// stood still so far (stall.go): time the node's clock leaves out.
func (n *node) stalled(now time.Time) time.Duration {
	if n.cfg.stall == nil {
		return 0
	}
	return n.cfg.stall.observe(now)
}

// resetClock starts the node's clock again from now.
func (n *node) resetClock() {
	now := time.Now()
	n.clock.reset(now, n.tick, n.stalled(now))
}

func (n *node) propose(p proposal) {
	n.batchBytes += len(p.data)
	idx, term, err := n.core.Propose(p.data)
	if err != nil {
		var nl *raft.NotLeaderError
		if errors.As(err, &nl) {
			err = notLeaderError{id: n.cfg.id, leader: nl.Leader}
		}
		p.done <- proposeResult{err: refusedError{err}}
		return
	}
	n.wait(idx, term, p.done)
	if p.placed != nil {
		p.placed <- [2]uint64{idx, term}
	}
}

// wait makes done the waiter of the entry at idx of term: answered when it
// is applied. A waiter this index already had is told its entry is gone
// from this log (it was replaced, and the index reused).
func (n *node) wait(idx, term uint64, done chan proposeResult) {
	if old, ok := n.waiters[idx]; ok {
		old.done <- proposeResult{err: ErrEntryReplaced}
	}
	n.waiters[idx] = waiter{term: term, done: done}
}

// msgBytes is the entry and snapshot data m carries.
func msgBytes(m *raft.Message) int {
	k := raft.EntryBytes(m.Entries)
	if m.Snapshot != nil {
		k += len(m.Snapshot.Data)
	}
	return k
}

// handleReady persists, sends and applies what the core asks for.
//
// Durability is what orders the sends: every message that acknowledges
// state (a vote grant, an append or heartbeat response, a pre-vote answer)
// leaves only after the WAL's fsync, so it never promises what a crash
// could lose. AppendEntries, heartbeats and vote requests promise nothing
// and go out before the node's own fsync (Raft thesis §10.2.1), so the
// leader's and the followers' disk writes overlap. A leader goes further:
// it writes its entries behind (syncer.go), and counts its own copy toward
// a commit only once its fsync has returned.
func (n *node) handleReady() error {
	if !n.core.HasReady() {
		return nil
	}
	rd := n.core.Ready()
	if !rd.HardState.IsEmpty() {
		n.hs = rd.HardState
	}
	prevLast := n.lastIndex
	if rd.Snapshot != nil { // the log now ends there, or with the entries after it
		n.lastIndex, n.lastTerm = rd.Snapshot.Meta.Index, rd.Snapshot.Meta.Term
	}
	if len(rd.Entries) > 0 {
		last := &rd.Entries[len(rd.Entries)-1]
		n.lastIndex, n.lastTerm = last.Index, last.Term
	}
	leader := n.role == raft.RoleLeader
	if rd.SoftState != nil {
		leader = rd.SoftState.Role == raft.RoleLeader
	}
	changed := len(rd.Committed) > 0 || len(rd.Entries) > 0 || !rd.HardState.IsEmpty() || rd.Snapshot != nil
	published := false
	if leader {
		// A leader's committed entries are on a majority's disks already
		// (its own copy counts only once durable). It applies them and
		// publishes before anything leaves, so that no follower, which
		// learns commit and entries only from it, is ever seen ahead.
		for _, e := range rd.Committed {
			n.apply(e)
		}
		if rd.SoftState != nil {
			// Just elected: the role too, which publishLight keeps as it
			// was (roleChanged publishes it only after the write below).
			n.publish(time.Now())
			published = true
		} else if changed {
			n.publishLight(time.Now())
			published = true
		}
		// Their clients are answered now, not after the write of this
		// Ready's new entries below: what they wait for is committed,
		// applied and published already.
		n.deliverAnswers()
	}
	// Step mode writes every Ready through, so that nothing but the
	// learner's steps moves the cluster.
	if leader && rd.WriteBehind && !n.frozen {
		if err := n.writeBehind(rd); err != nil {
			return err
		}
		n.serveConfirmed(rd.ReadStates)
		n.core.AdvanceWriting(rd)
		return n.afterAdvance(rd, prevLast, changed, published)
	}
	later := rd.Messages
	if n.hs.Term != n.savedHS.Term || n.hs.Vote != n.savedHS.Vote {
		// A new term or vote (and the role that came with it), about to
		// wait for the disk: shown now.
		// Published only after the write, a slow disk (set disk-delay 3 2s)
		// left the card saying "candidate, term 2" for seconds after the
		// node had become a follower at term 3, and the other cards named
		// the term-3 leader. The status is the core's: what the node is,
		// while what it writes becomes durable (a power cut meanwhile
		// takes it back, and the card with it). A leader learned in the
		// same term waits for the write, as before: tests and scripts read
		// "follows the leader" as "holds what it sent", and a write's wait
		// is that short unless the disk is made slow.
		n.publish(time.Now())
	}
	if rd.Snapshot != nil {
		// A snapshot from the leader replaces the log: durable first, with
		// the hard state that commits it, before anything acknowledges it.
		if err := n.w.SaveSnapshot(*rd.Snapshot); err != nil {
			return err
		}
		n.savedHS = raft.HardState{} // force the hard state out below
		// The segments it covers, and the snapshot files older than the
		// newest two, go too, as after a snapshot of the node's own: a
		// follower that caught up by the leader's snapshots again and
		// again kept every one of them, and the whole log they replaced,
		// unless it took a snapshot itself (never, with snapshot-every 0).
		n.wc.request(rd.Snapshot.Meta.Index)
	}
	// A change of the commit index alone is not worth an fsync: the commit
	// index can always be learned again from the leader, so it is written
	// with the next entries, term or vote (Raft keeps it volatile). Entries,
	// term and vote are what the acknowledgements in this Ready promise.
	// Save makes every write before it durable too.
	if len(rd.Entries) > 0 || n.hs.Term != n.savedHS.Term || n.hs.Vote != n.savedHS.Vote {
		_, behind := n.wb.pending()
		later = n.sendEarly(rd.Messages, len(rd.Entries) == 0 && !behind, n.hs.Term == n.savedHS.Term)
		if err := n.w.Save(n.hs, rd.Entries); err != nil {
			return err
		}
		n.savedHS = n.hs
	} else if seq, ok := n.wb.pending(); ok && len(later) > 0 {
		// Nothing new to write, but a written-behind write is not yet
		// durable: what these messages promise may rest on it.
		later = n.sendEarly(rd.Messages, false, true)
		if err := n.w.Sync(seq); err != nil {
			return err
		}
	}
	if len(later) > 0 {
		n.send(later)
	}
	if rd.Snapshot != nil {
		if err := n.installSnapshot(*rd.Snapshot); err != nil {
			return err
		}
	}
	if !leader {
		for _, e := range rd.Committed {
			n.apply(e)
		}
	}
	n.serveConfirmed(rd.ReadStates)
	n.core.Advance(rd)
	return n.afterAdvance(rd, prevLast, changed, published)
}

// writeBehind carries out a WriteBehind Ready on a leader: its messages
// leave at once, its entries are written (not fsynced) and the syncer
// fsyncs them beside the loop.
func (n *node) writeBehind(rd raft.Ready) error {
	if len(rd.Messages) > 0 {
		n.send(rd.Messages)
	}
	if len(rd.Entries) == 0 {
		return nil // a commit index alone is not written (see handleReady)
	}
	seq, err := n.w.Write(n.hs, rd.Entries)
	if err != nil {
		return err
	}
	n.savedHS = n.hs
	last := rd.Entries[len(rd.Entries)-1]
	n.wb.request(syncPoint{seq: seq, index: last.Index, term: last.Term})
	return nil
}

// serveConfirmed confirms the Ready's reads and serves those applied.
func (n *node) serveConfirmed(rs []raft.ReadState) {
	n.confirmReads(rs)
	if len(n.reads) > 0 {
		n.serveReads()
	}
}

// afterAdvance finishes a Ready once the core has it: a snapshot when one
// is due, clients of replaced entries told, the commit and the status
// published, answers delivered.
func (n *node) afterAdvance(rd raft.Ready, prevLast uint64, changed, published bool) error {
	if n.snapEvery > 0 && n.kv.Applied() >= n.snapIndex+n.snapEvery && !n.holdCompaction() {
		if _, err := n.takeSnapshot(); err != nil {
			return err
		}
	}
	if len(rd.Entries) > 0 && rd.Entries[0].Index <= prevLast {
		n.failReplaced(rd.Entries)
	}
	if n.hs.Commit != n.lastCommit {
		n.cfg.monitor.Commit(n.cfg.id, n.cfg.incarnation, n.hs.Commit)
		n.lastCommit = n.hs.Commit
	}
	switch {
	case rd.SoftState != nil:
		n.roleChanged(*rd.SoftState) // publishes in full
	case changed && !published:
		n.publishLight(time.Now())
	}
	n.deliverAnswers()
	return nil
}

// deliverAnswers hands the queued answers to their clients, and lets them
// run (see send).
func (n *node) deliverAnswers() {
	if len(n.answers) == 0 {
		return
	}
	for i, a := range n.answers {
		a.done <- a.r
		n.answers[i] = answer{}
	}
	n.answers = n.answers[:0]
	runtime.Gosched()
}

// send hands msgs to the transport, then yields the processor.
//
// Send wakes the writer goroutine of each peer, and the Go scheduler puts a
// goroutine woken this way in the run queue of the processor that woke it:
// it would run only once the loop blocks or another processor steals it,
// after the loop's WAL write, fsync, applying and publishing. On a 2-core
// machine, with three node loops, their syncers and the clients sharing two
// processors, that wait was tens of microseconds per message, on the
// critical path of every write: an AppendEntries reached a follower late,
// its acknowledgement reached the leader late. Yielding here lets the
// writers put this Ready's messages on the wire first (the loop goes to the
// back of the queue and resumes in microseconds). Measured with
// BenchmarkPut on the development machine (2 cores), three interleaved runs
// each: 64 clients 35,500-42,800 -> 49,200-53,400 writes/s, 16 clients
// 17,600-18,500 -> 21,200-23,500; yielding after answering clients
// (deliverAnswers) is part of it. One client: no change.
func (n *node) send(msgs []raft.Message) {
	n.tr.Send(msgs)
	runtime.Gosched()
}

// sendEarly sends the messages in msgs that promise nothing (AppendEntries,
// heartbeats, vote requests) at once and returns the rest, which must wait
// for the fsync. It reuses msgs' array. Vote requests leave early only when
// logDurable, appends and heartbeats only when termDurable (see
// raft.MessageType.LeavesEarly).
func (n *node) sendEarly(msgs []raft.Message, logDurable, termDurable bool) []raft.Message {
	early, rest := n.earlyBuf[:0], msgs[:0]
	for _, m := range msgs {
		if m.Type.LeavesEarly(logDurable, termDurable) {
			early = append(early, m)
		} else {
			rest = append(rest, m)
		}
	}
	if len(early) > 0 {
		n.send(early)
	}
	n.earlyBuf = early[:0]
	return rest
}

func (n *node) roleChanged(ss raft.SoftState) {
	st := n.core.Status()
	if ss.Role == raft.RoleLeader {
		n.cfg.monitor.Leader(n.cfg.id, st.Term)
	}
	// A deposed leader keeps its waiters: their entries may still commit
	// under the next leader, and are answered (or failed) when applied here.
	// Its reads cannot be confirmed any more: the clients retry elsewhere.
	if ss.Role != raft.RoleLeader {
		n.failReads(ErrNotLeader)
	}
	n.role = ss.Role
	n.publish(time.Now())
}

// applySeed seeds the hash of applied entries that the monitor compares
// across the nodes of this process (maphash: several times faster than
// FNV; the values never leave the process).
var applySeed = maphash.MakeSeed()

// apply applies one committed entry and queues the answer for the client
// waiting on it, if any; answers go out after the status is published, so a
// client that hears "ok" sees its write in every later Status.
func (n *node) apply(e raft.Entry) {
	n.sinceSnapBytes += len(e.Data)
	n.cfg.monitor.Apply(n.cfg.id, e.Index, e.Term, maphash.Bytes(applySeed, e.Data))
	w, waiting := n.waiters[e.Index]
	if waiting {
		delete(n.waiters, e.Index)
	}
	answer := func(r proposeResult) {
		if waiting {
			n.answers = append(n.answers, answer{w.done, r})
		}
	}
	if e.Type == raft.EntryConfig && n.cfg.confApplied != nil {
		if m, err := raft.DecodeMembership(e.Data); err == nil {
			n.cfg.confApplied(e.Index, e.Term, m)
		}
	}
	if e.Type == raft.EntryConfig && waiting && w.term == e.Term {
		n.kv.SetApplied(e.Index)
		answer(proposeResult{res: Result{Index: e.Index, Term: e.Term}})
		return
	}
	if e.Type != raft.EntryNormal || len(e.Data) == 0 {
		n.kv.SetApplied(e.Index)
		answer(proposeResult{err: ErrEntryLost})
		return
	}
	cmd, err := DecodeCommand(e.Data)
	if err != nil {
		n.kv.SetApplied(e.Index)
		n.cfg.events.Add(Event{Node: n.cfg.id, Term: e.Term, Kind: EventError, Text: fmt.Sprintf("%d skipped entry %d: %v", n.cfg.id, e.Index, err)})
		answer(proposeResult{err: err})
		return
	}
	res := n.kv.Apply(e.Index, e.Term, cmd)
	switch {
	case w.term != e.Term:
		answer(proposeResult{err: ErrEntryLost})
	case res.Expired:
		answer(proposeResult{err: ErrSessionExpired})
	default:
		answer(proposeResult{res: res})
	}
}

// failReplaced answers the clients whose entries a new leader's entries
// overwrote (a follower's log repaired from ents[0].Index on). Their
// outcome is unknown: another node may hold such an entry, be elected and
// commit it.
func (n *node) failReplaced(ents []raft.Entry) {
	first := ents[0].Index
	for i, w := range n.waiters {
		if i < first {
			continue
		}
		if k := i - first; k < uint64(len(ents)) && ents[k].Term == w.term {
			continue
		}
		n.answers = append(n.answers, answer{w.done, proposeResult{err: ErrEntryReplaced}})
		delete(n.waiters, i)
	}
}

// answer is a client's result waiting to be delivered.
type answer struct {
	done chan proposeResult
	r    proposeResult
}

// fail stops the loop after an error it cannot go on from (the WAL refused a
// write): the node reports it and stays down; the others go on.
func (n *node) fail(err error) {
	// ErrCrashed: its power was cut (Cluster.PowerFail), and it is being
	// stopped as crashed; that is the whole story.
	powerCut := errors.Is(err, wal.ErrCrashed)
	if !powerCut {
		n.cfg.events.Add(Event{Node: n.cfg.id, Kind: EventError, Text: fmt.Sprintf("%d stopped: %v", n.cfg.id, err)})
	}
	n.failWaiters(err)
	n.failReads(err)
	for _, a := range n.answers {
		a.done <- a.r
	}
	n.answers = nil
	if powerCut {
		return
	}
	n.publish(time.Now())
	// Down now: what it last published stays, marked as of then, as for a
	// crashed node (downStatus).
	st := n.loadStatus().asOfNow()
	// Down, it follows no one: its /status named itself leader, beside
	// "role":"down", a leader that failed.
	st.State, st.Err, st.Role, st.Leader = StateFailed, err.Error(), "down", 0
	if n.w != nil {
		// What the core held in memory past its log on disk (entries whose
		// write failed: a full disk) is not what the node keeps.
		if last := n.w.LastIndex(); st.LastIndex > last {
			if t, ok := termAt(st, last); ok {
				st.LastTerm = t
			}
			st.LastIndex, st.Commit = last, min(st.Commit, last)
			if keep := int(last) - int(st.LogStart) + 1; keep < len(st.LogTerms) { // the window's terms up to last
				st.LogTerms = st.LogTerms[:max(0, keep)]
			}
		}
	}
	n.storeStatus(&st)
}

func (n *node) failWaiters(err error) {
	for i, w := range n.waiters {
		w.done <- proposeResult{err: err}
		delete(n.waiters, i)
	}
}

func (n *node) onRaftEvent(e raft.Event) {
	if n.capturing {
		if e.Kind == raft.EventCommit && n.commitAt < 0 {
			n.commitAt = len(n.captured)
		}
		n.captured = append(n.captured, e.Text)
	}
	if e.Kind == raft.EventCommit || e.Repeat {
		// A commit: one per Ready on every node, and the status shows
		// commit indexes. A repeat: one more of a run of refusals the feed
		// has told (a step still shows it, above).
		return
	}
	n.cfg.events.Add(Event{Node: e.Node, Term: e.Term, Kind: EventKind("raft." + e.Kind.String()), Text: e.Text})
}

// doCtx is do that gives up when ctx ends (f may still run later).
func (n *node) doCtx(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case n.ctrl <- func() { f(); close(done) }:
	case <-n.done:
		return ErrNodeDown
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-n.done:
		return ErrNodeDown
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do runs f on the loop goroutine and waits for it, unless the node stops.
func (n *node) do(f func()) error { return n.doCtx(context.Background(), f) }

// setPaused freezes or thaws the loop. A pause does not wait for the loop:
// one in the middle of a step (a slow fsync: set disk-delay) finishes it,
// then stops, and tells the pause then; the caller, holding the cluster's
// lock, froze every command behind it until the fsync ended.
func (n *node) setPaused(p bool, told func()) error {
	f := func() {
		told()
		n.paused.Store(p)
		if !p {
			n.ticker.Reset(n.tick)
			n.resetClock() // paused time does not count
		}
		n.publish(time.Now())
	}
	if !p {
		return n.do(f)
	}
	n.paused.Store(true) // the loop stops at its next step, then runs f
	select {
	case n.ctrl <- f:
		return nil
	case <-n.done:
		return ErrNodeDown
	}
}

// setTiming changes the tick length and the core's timeouts.
func (n *node) setTiming(t Timing) error {
	var err error
	if e := n.do(func() {
		n.tick = t.Tick()
		n.ticker.Reset(n.tick)
		n.resetClock()
		emin, emax, hb := t.Ticks(n.tick)
		n.maxTicks = emax
		err = n.core.SetTiming(emin, emax, hb)
		n.publish(time.Now())
	}); e != nil {
		return e
	}
	return err
}

// submit hands data to the loop as a proposal and waits for its result: the
// entry committed and applied, a refusal, or ctx's end.
func (n *node) submit(ctx context.Context, data []byte) (Result, error) {
	return n.submitWhile(ctx, proposal{data: data, done: make(chan proposeResult, 1)}, leaderCheck{})
}

// errDeposed ends a wait whose node is no longer the one to ask.
var errDeposed = errors.New("cluster: another node became leader")

// submitWhile is submit with a check, made every checkEvery while waiting:
// when ok stops holding the wait ends with errDeposed.
func (n *node) submitWhile(ctx context.Context, p proposal, ok leaderCheck) (Result, error) {
	res, err, _ := n.submitAnswer(ctx, p, ok)
	return res, err
}

// submitAnswer is submitWhile that also says whether the answer came on
// p.done (then p.done may be reused: see awaitAnswer).
func (n *node) submitAnswer(ctx context.Context, p proposal, ok leaderCheck) (Result, error, bool) {
	if err := n.enqueue(ctx, p); err != nil {
		return Result{}, err, false
	}
	return n.awaitAnswer(ctx, p.done, ok)
}

// enqueue hands p to the node's loop, or says why it could not.
func (n *node) enqueue(ctx context.Context, p proposal) error {
	if n.paused.Load() {
		return ErrPaused
	}
	select {
	case n.propc <- p:
		return nil
	case <-n.done:
		return ErrNodeDown
	case <-ctx.Done():
		return ctx.Err()
	}
}

// crash stops the node abruptly: the loop ends at its next step, sockets are
// closed with no goodbye, and the caller drops every reference to n.
func (n *node) crash() {
	n.stopOnce.Do(func() { close(n.stopc) })
	if n.started.Load() {
		<-n.done
	}
	n.closeIO()
}

func (n *node) closeIO() {
	if n.srv != nil {
		_ = n.srv.Close()
	}
	if n.hl != nil { // Serve never ran when the node failed before start
		_ = n.hl.Close()
	}
	if n.tr != nil {
		_ = n.tr.Close()
	}
	if n.w != nil {
		_ = n.w.Close()
	}
}

// refusalLog tells of the connections a node's Raft port refused, as
// events, at most one a second: a stream of garbage must not bury the
// feed. Those left out are counted in the next one, or, when no other
// comes, in an event of their own a second after the last told (a burst
// of 300 was told as "and 2 others", the rest never). Every event but the
// first says how many were refused so far: two counts alike in a row
// would be folded by the feed into one line "×2", which read as one
// refusal told twice ("refused 1 more connection ... ×3" stood for three).
type refusalLog struct {
	mu      sync.Mutex
	last    time.Time
	untold  int
	total   int  // refusals since the node started
	pending bool // a count of the untold is due (afterFunc)

	// The clock and the timer; nil: time.Now and time.AfterFunc (tests
	// set their own).
	now       func() time.Time
	afterFunc func(time.Duration, func())
}

func (r *refusalLog) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

func (r *refusalLog) after(d time.Duration, f func()) {
	if r.afterFunc != nil {
		r.afterFunc(d, f)
		return
	}
	time.AfterFunc(d, f)
}

func (r *refusalLog) add(events *EventLog, id uint64, remote string, err error) {
	r.mu.Lock()
	now := r.clock()
	r.total++
	if now.Sub(r.last) < time.Second {
		r.untold++
		if !r.pending {
			r.pending = true
			r.after(r.last.Add(time.Second).Sub(now), func() { r.flush(events, id) })
		}
		r.mu.Unlock()
		return
	}
	more, total := r.untold, r.total
	r.last, r.untold = now, 0
	r.mu.Unlock()
	text := fmt.Sprintf("%d refused a connection to its Raft port from %s: %s", id, remote, EscapeControls(strings.TrimPrefix(err.Error(), "transport: ")))
	switch {
	case more > 0:
		text += fmt.Sprintf(" (and %d more before it: %d so far)", more, total)
	case total > 1:
		text += fmt.Sprintf(" (%d so far)", total)
	}
	events.Add(Event{Node: id, Kind: EventFault, Text: text})
}

// flush tells the refusals left untold, if no later one told them.
func (r *refusalLog) flush(events *EventLog, id uint64) {
	r.mu.Lock()
	now := r.clock()
	if wait := r.last.Add(time.Second).Sub(now); r.untold > 0 && wait > 0 {
		// A later refusal was told meanwhile: a second after it.
		r.after(wait, func() { r.flush(events, id) })
		r.mu.Unlock()
		return
	}
	more, total := r.untold, r.total
	r.pending, r.untold = false, 0
	if more > 0 {
		r.last = now
	}
	r.mu.Unlock()
	if more > 0 {
		what := "another connection"
		if more > 1 {
			what = fmt.Sprintf("%d more connections", more)
		}
		events.Add(Event{Node: id, Kind: EventFault, Text: fmt.Sprintf("%d refused %s to its Raft port (%d so far)", id, what, total)})
	}
}
