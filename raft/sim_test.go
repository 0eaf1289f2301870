package raft

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// This file is a deterministic simulation of a whole cluster: N cores, a
// network that loses, duplicates, delays (now and then for long) and
// reorders messages, partitions (a new leader now and then cut off at once
// with a minority) and one-way cuts, crashes that keep only what was
// persisted, restarts, and client proposals. Everything is driven by one seed. After every step the
// safety invariants are checked; after the chaos, with a healthy majority
// connected, the cluster must elect a leader and commit within a bound.
// Membership changes and leadership transfers join the chaos in
// simmember_test.go: spare nodes start empty and join when added.
//
// Each node carries out its Readys as cluster/node.go's loop does (see
// handle). On half the seeds (batching) it folds several deliveries,
// ticks and proposals into one Ready, draining its inbox in arrival order
// after a pause or a stall (a loop blocked in a slow write, now and then
// through elections), and clients now and then still propose to a leader
// deposed without knowing it. On three seeds in four (node-loop writes)
// it sends what promises nothing ahead of the Ready's write and leaves a
// commit index change alone unwritten; on the others it keeps to the
// Ready's contract (every message after the write), as this simulation
// did before it modelled the loop. Every message is checked as it leaves
// (checkPromise): an acknowledgement promises only what the node's
// storage holds durably, and a crash keeps only that.
//
//	RAFT_SEEDS=N  run N seeds (default defaultSeeds)
//	RAFT_SEED=S   run only seed S and log its full trace

const (
	simElectionMin = 8
	simElectionMax = 16
	simHeartbeat   = 2
	simChaosTicks  = 500
	simLiveBound   = 40 * simElectionMax // ticks allowed for recovery after the chaos
	simSlowMax     = 150                 // most ticks a slow message is held back
	simStallMax    = 150                 // most ticks a long stall lasts
)

type simNode struct {
	id     uint64
	r      *Raft // nil while crashed
	paused bool  // no ticks, no deliveries (messages wait)
	// stallEnd: stalled until then (paused: a loop blocked in a slow
	// write), 0 if not; drain: its next delivery takes every message due
	// to it along, as the loop drains its inbox when it turns again.
	stallEnd int
	drain    bool
	inc      int // incarnation, for seeding restarts

	hs   HardState // persisted
	snap Snapshot  // persisted: the newest snapshot (zero: none)
	ents []Entry   // persisted, after snap.Meta.Index

	// As cluster/node.go's n.hs and n.savedHS: the hard state of the
	// newest Ready, and the one last written (durable, or pending). With
	// node-loop writes (sim.loop), a change of the commit index alone is
	// not written: a crash loses it.
	memHS, savedHS HardState

	// pending are writes started by write-behind Readys (AdvanceWriting)
	// and not yet durable, oldest first. They become durable in order, a
	// prefix at a time; a crash keeps a random prefix and loses the rest.
	pending []simWrite

	applied    uint64 // volatile: the state machine, at applied
	hash       uint64 // volatile: the state machine's hash chain
	seenCommit uint64 // highest commit observed in this incarnation
	leaderTerm uint64 // term in which this incarnation was last seen leading

	conf confCache // what checkConf last worked out for this incarnation

	// joined: a fresh node started in this id's place when it was added
	// again (simmember_test.go, freshAdd), as the playground does: no
	// bootstrap configuration, and joinedAfter is its Config.JoinedAfter.
	joined      bool
	joinedAfter uint64
}

type simWrite struct {
	hs   HardState
	ents []Entry
}

type simMsg struct {
	m  Message
	at int
}

type sim struct {
	seed                    uint64
	rng                     *rand.Rand
	nodes                   []*simNode
	queue                   []simMsg
	now                     int
	group                   []int              // partition group of each node (index id-1)
	cut                     map[[2]uint64]bool // one-way cuts, from -> to
	loss                    float64
	dup                     float64
	delay                   int
	crashRd                 float64 // chance of crashing while handling a Ready
	timing                  [3]int  // election min, max and heartbeat ticks, for every node (SetTiming)
	writeBehind             bool    // carry out WriteBehind Readys with AdvanceWriting
	smallChunks             bool    // logs in chunks of 4 entries (Config.chunkShift), on odd seeds
	wbRng                   *rand.Rand
	batch                   bool // fold several deliveries, ticks and proposals into one Ready, as cluster/node.go does
	loop                    bool // write and send as cluster/node.go does: early sends, a commit index alone unwritten
	bRng                    *rand.Rand
	stallP                  float64              // chance per tick that a node stalls (batching only)
	sentLog                 map[[2]uint64]uint64 // (leader's term, index) -> term of the entry the leader of that term sent there
	preVote                 bool
	maxInflight, maxEntries int
	maxBytes                uint64 // 0: the default
	maxInflightBytes        uint64 // 0: the default
	checkQ                  bool
	leaders                 map[uint64]uint64 // term -> leader (Election Safety)
	facts                   map[[2]uint64]fact
	commit                  []Entry  // the committed log as first observed
	commitAt                []uint64 // term of the node that first observed each commit
	chain                   []uint64 // chain[i]: state-machine hash after applying commit[:i]
	compactP                float64  // chance per tick of a compaction on a random node
	ncompactions, ninstalls int
	nprops                  uint64
	nreads                  uint64
	reads                   map[string]uint64 // read context -> commit index it must reach
	nserved                 int
	trace                   []string // nil unless tracing
	tracing                 bool
	err                     error

	// Faults drawn from a stream of their own, so that a seed's chaos is
	// what it was before they existed until the first of them strikes.
	xRng      *rand.Rand
	slowP     float64 // chance a message is held back up to simSlowMax ticks: a late, stale copy
	cutNewP   float64 // chance a new leader is cut off with a minority at once (cutNewLeader)
	snapRetry int     // Config.SnapshotRetryTicks (0: the default); short, a retried snapshot races a slow first copy

	votes    map[[2]uint64]uint64 // (voter, term) -> the candidate it granted its vote to
	confSeen bool                 // a configuration entry entered some log (checkCommitSafe)

	// Membership (simmember_test.go).
	fRng       *rand.Rand // fresh re-adds draw from a stream of their own
	freshP     float64    // chance that adding a node that holds state starts a fresh one in its place
	nInit      int        // nodes 1..nInit are the bootstrap voters; the rest are spares
	confP      float64    // chance per tick of a membership request on the leader
	confIdx    []uint64   // indexes of the configuration entries in commit
	unsafe     simUnsafe
	nconf      confStats
	nnonMember int // answers from non-members a leader refused
}

func newSim(seed uint64, tracing bool) *sim { return newSimUnsafe(seed, tracing, simUnsafe{}) }

// newSimUnsafe is newSim with safety rules switched off (membership only),
// to show that the checks catch what they allow.
func newSimUnsafe(seed uint64, tracing bool, unsafe simUnsafe) *sim {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	n := []int{3, 5, 7}[seed%3]
	spares := simSpares
	s := &sim{
		seed:    seed,
		rng:     rng,
		nInit:   n,
		unsafe:  unsafe,
		group:   make([]int, n+spares),
		cut:     map[[2]uint64]bool{},
		loss:    rng.Float64() * 0.2,
		dup:     rng.Float64() * 0.1,
		delay:   rng.IntN(4),
		crashRd: rng.Float64() * 0.01,
		preVote: rng.IntN(2) == 0,
		checkQ:  rng.IntN(2) == 0,
		leaders: map[uint64]uint64{},
		votes:   map[[2]uint64]uint64{},
		facts:   map[[2]uint64]fact{},
		reads:   map[string]uint64{},
		chain:   []uint64{0},
		tracing: tracing,
		timing:  [3]int{simElectionMin, simElectionMax, simHeartbeat},
	}
	// Write-behind draws from a stream of its own, so a seed's chaos is the
	// same with it or without it until the first write-behind Ready.
	s.wbRng = rand.New(rand.NewPCG(seed, 0x3b17e))
	s.writeBehind = s.wbRng.IntN(2) == 0
	s.xRng = rand.New(rand.NewPCG(seed, 0xf18e8))
	// The node loop's ways draw from a stream of their own too.
	s.bRng = rand.New(rand.NewPCG(seed, 0xba7c4))
	s.batch = s.bRng.IntN(2) == 0
	s.loop = s.bRng.IntN(4) != 0
	s.stallP = []float64{0.01, 0.03}[s.bRng.IntN(2)]
	s.sentLog = map[[2]uint64]uint64{}
	s.slowP = []float64{0, 0.01, 0.05}[s.xRng.IntN(3)]
	s.cutNewP = []float64{0, 0.2, 0.5}[s.xRng.IntN(3)]
	s.snapRetry = []int{0, 10, 30}[s.xRng.IntN(3)]
	s.fRng = rand.New(rand.NewPCG(seed, 0xf7e54))
	s.freshP = []float64{0, 0.5, 1}[s.fRng.IntN(3)]
	// Chunk size draws nothing: the seed's chaos is the same either way.
	s.smallChunks = seed%2 == 1
	s.compactP = []float64{0, 0.02, 0.1}[rng.IntN(3)]
	// Small windows and batches exercise pipelining and batching limits.
	s.maxInflight = 1 + rng.IntN(8)
	s.maxEntries = 1 + rng.IntN(4)
	s.maxBytes = uint64(rng.IntN(2) * rng.IntN(8)) // 0: the default
	// Drawn from the seed, not rng: each seed's chaos stays as it was.
	s.maxInflightBytes = []uint64{0, 1, 12}[(seed/2)%3]
	s.confP = []float64{0, 0.02, 0.05, 0.1}[rng.IntN(4)]
	if unsafe.any() {
		s.confP = 0.1
	}
	s.unsafe.coreBugs.tune(s)
	for i := range n + spares {
		s.nodes = append(s.nodes, &simNode{id: uint64(i + 1)})
	}
	for _, nd := range s.nodes {
		s.start(nd)
	}
	s.tracef("seed %d: %d nodes + %d spares, loss %.2f dup %.2f delay %d slow %.2f new leaders cut %.1f snapshot retry %d, prevote %v checkquorum %v inflight %d (%d bytes) batch %d entries %d bytes, membership requests %.2f, write-behind %v, chunks of 4 %v, batching %v, node-loop writes %v",
		seed, n, spares, s.loss, s.dup, s.delay, s.slowP, s.cutNewP, s.snapRetry, s.preVote, s.checkQ, s.maxInflight, s.maxInflightBytes, s.maxEntries, s.maxBytes, s.confP, s.writeBehind, s.smallChunks, s.batch, s.loop)
	return s
}

func (s *sim) tracef(format string, args ...any) {
	if s.tracing {
		s.trace = append(s.trace, fmt.Sprintf("t=%d ", s.now)+fmt.Sprintf(format, args...))
	}
}

func (s *sim) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("t=%d: %s", s.now, fmt.Sprintf(format, args...))
		s.tracef("FAIL: %v", s.err)
	}
}

// peers returns the bootstrap voters, 1..nInit.
func (s *sim) peers() []uint64 {
	ids := make([]uint64, s.nInit)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	return ids
}

// start builds a core from the node's persisted state alone.
func (s *sim) start(nd *simNode) {
	var peers []uint64
	if int(nd.id) <= s.nInit && !nd.joined {
		peers = s.peers() // stale once the membership changed: the log wins
	}
	cfg := Config{
		ID: nd.id, Peers: peers, JoinedAfter: nd.joinedAfter,
		ElectionTickMin: s.timing[0], ElectionTickMax: s.timing[1], HeartbeatTick: s.timing[2],
		Seed:    s.seed*1000 + nd.id*31 + uint64(nd.inc),
		PreVote: s.preVote, CheckQuorum: s.checkQ,
		SnapshotRetryTicks: s.snapRetry,
		MaxInflight:        s.maxInflight, MaxEntriesPerMsg: s.maxEntries, MaxBytesPerMsg: s.maxBytes, MaxInflightBytes: s.maxInflightBytes,
		HardState: nd.hs, Entries: slices.Clone(nd.ents),
		Snapshot: nd.snap.Meta, SnapshotData: nd.snap.Data,
	}
	if s.smallChunks {
		cfg.chunkShift = 2
	}
	if s.tracing {
		cfg.OnEvent = func(e Event) { s.tracef("  event: %s", e.Text) }
	}
	r, err := New(cfg)
	if err != nil {
		s.fail("restart %d: %v", nd.id, err)
		return
	}
	r.unsafeManyPending = s.unsafe.manyPending
	s.unsafe.coreBugs.inject(r)
	nd.r = r
	nd.inc++
	nd.conf = confCache{}
	nd.applied, nd.hash = 0, 0
	if !nd.snap.Meta.IsEmpty() {
		s.restoreSM(nd, &nd.snap, "restarts from")
	}
	nd.seenCommit = r.log.committed
	nd.leaderTerm = 0
	nd.memHS, nd.savedHS = nd.hs, nd.hs
}

func (s *sim) crash(nd *simNode, where string) {
	if n := len(nd.pending); n > 0 {
		kept := s.wbRng.IntN(n + 1)
		s.tracef("crash %d (%s): %d of %d pending writes survive", nd.id, where, kept, n)
		s.flush(nd, kept, false)
		nd.pending = nil
	} else {
		s.tracef("crash %d (%s)", nd.id, where)
	}
	nd.r = nil
}

// persist makes one Ready's state durable in nd's storage.
func (s *sim) persist(nd *simNode, hs HardState, snap *Snapshot, ents []Entry) bool {
	if !hs.IsEmpty() {
		nd.hs = hs
	}
	if snap != nil {
		nd.snap = *snap
		nd.ents = nil
	}
	if len(ents) > 0 {
		first, base := ents[0].Index, nd.snap.Meta.Index
		if first > base+uint64(len(nd.ents))+1 || first <= base {
			s.fail("node %d: Ready entries start at %d, storage holds %d..%d", nd.id, first, base+1, base+uint64(len(nd.ents)))
			return false
		}
		nd.ents = append(nd.ents[:first-1-base], ents...)
	}
	return true
}

// flush makes the first k pending writes of nd durable and, if report,
// tells its core how far its log is durable.
func (s *sim) flush(nd *simNode, k int, report bool) {
	if k == 0 {
		return
	}
	for _, w := range nd.pending[:k] {
		if !s.persist(nd, w.hs, nil, w.ents) {
			return
		}
	}
	nd.pending = nd.pending[k:]
	if report {
		s.reportDurable(nd)
	}
}

// reportDurable tells nd's core that its stored log is durable to its end,
// as cluster/node.go's syncer does once an fsync returns.
func (s *sim) reportDurable(nd *simNode) {
	if nd.r != nil && len(nd.ents) > 0 {
		last := nd.ents[len(nd.ents)-1]
		nd.r.Persisted(last.Index, last.Term)
		s.check(nd)
	}
}

// finishWrites lets each running node's pending writes become durable, a
// random prefix at a time. A paused or stalled node's wait: its loop,
// which hears of them from the syncer and carries out the Ready that
// follows, does not turn (a paused leader once sent the appends and
// commit index of its finished writes meanwhile).
func (s *sim) finishWrites() {
	for _, nd := range s.nodes {
		if nd.r != nil && !nd.paused && len(nd.pending) > 0 && s.wbRng.IntN(2) == 0 {
			s.flush(nd, 1+s.wbRng.IntN(len(nd.pending)), true)
			s.handle(nd)
		}
	}
}

func (s *sim) live() []*simNode {
	var out []*simNode
	for _, nd := range s.nodes {
		if nd.r != nil {
			out = append(out, nd)
		}
	}
	return out
}

// handle drains a node's Ready queue the way cluster/node.go's
// handleReady does, with a chance of crashing between any two steps.
//
// A leader's WriteBehind Ready is written behind (writeBehindReady).
// Otherwise, as in the node: a snapshot is made durable first; the Ready
// is written (with every write before it) when it holds entries or
// changes the term or the vote, and with node-loop writes (s.loop) what
// promises nothing leaves before that write (leavesEarly); with nothing
// to write but writes still pending, they are made durable before the
// messages leave (again after sending ahead what may go), and a commit
// index change alone is not written. Without s.loop every change is
// written and every message leaves after the write, as the Ready's
// contract asks.
func (s *sim) handle(nd *simNode) {
	for nd.r != nil && nd.r.HasReady() && s.err == nil {
		rd := nd.r.Ready()
		s.checkEntries(nd, rd.Entries)
		if !rd.HardState.IsEmpty() {
			nd.memHS = rd.HardState
		}
		if s.rng.Float64() < s.crashRd {
			s.crash(nd, "before persisting")
			return
		}
		if s.writeBehind && rd.WriteBehind && (nd.r.role == RoleLeader || !s.loop) {
			s.writeBehindReady(nd, rd)
			continue
		}
		// The writes started before are durable first; the core hears of
		// them after Advance, as from node.go's syncer.
		wrote := false
		later := rd.Messages
		if rd.Snapshot != nil {
			wrote = len(nd.pending) > 0
			s.flush(nd, len(nd.pending), false)
			nd.snap, nd.ents = *rd.Snapshot, nil
			nd.savedHS = HardState{} // the hard state goes out below
		}
		hs := nd.memHS
		switch {
		case !s.loop || len(rd.Entries) > 0 || hs.Term != nd.savedHS.Term || hs.Vote != nd.savedHS.Vote:
			if s.loop {
				later = s.sendEarly(nd, later, len(rd.Entries) == 0 && len(nd.pending) == 0, hs.Term == nd.savedHS.Term)
				if nd.r == nil {
					return
				}
			}
			wrote = wrote || len(nd.pending) > 0
			s.flush(nd, len(nd.pending), false)
			if !s.persist(nd, hs, nil, rd.Entries) {
				return
			}
			nd.savedHS = hs
		case len(nd.pending) > 0 && len(later) > 0:
			later = s.sendEarly(nd, later, false, true)
			if nd.r == nil {
				return
			}
			wrote = true
			s.flush(nd, len(nd.pending), false)
		}
		if s.rng.Float64() < s.crashRd {
			s.crash(nd, "after persisting, before sending")
			return
		}
		for _, m := range later {
			s.checkPromise(nd, m)
			s.send(m)
		}
		if s.rng.Float64() < s.crashRd {
			s.crash(nd, "after sending, before Advance")
			return
		}
		if rd.Snapshot != nil {
			s.restoreSM(nd, rd.Snapshot, "installs")
		}
		s.applyReady(nd, rd)
		nd.r.Advance(rd)
		s.check(nd)
		if wrote {
			s.reportDurable(nd)
		}
	}
}

// sendEarly sends the messages of msgs that cluster/node.go's sendEarly
// sends ahead of its Ready's write, and returns the rest, in msgs' array.
// It may crash the node once they are out, before the write.
func (s *sim) sendEarly(nd *simNode, msgs []Message, logDurable, termDurable bool) []Message {
	rest := msgs[:0]
	for _, m := range msgs {
		if m.Type.LeavesEarly(logDurable, termDurable) {
			s.checkPromise(nd, m)
			s.send(m)
		} else {
			rest = append(rest, m)
		}
	}
	if len(rest) < len(msgs) && s.bRng.Float64() < s.crashRd {
		s.crash(nd, "after sending early, before persisting")
	}
	return rest
}

// writeBehindReady carries out a WriteBehind Ready as cluster/node.go does
// on a leader: messages leave and committed entries apply at once, the
// write becomes durable later (finishWrites), and AdvanceWriting stands in
// for Advance. With node-loop writes, a Ready with no entries writes
// nothing (its change of the commit index waits for the next write).
func (s *sim) writeBehindReady(nd *simNode, rd Ready) {
	if len(rd.Entries) > 0 || !s.loop && !rd.HardState.IsEmpty() {
		nd.pending = append(nd.pending, simWrite{hs: nd.memHS, ents: rd.Entries})
		nd.savedHS = nd.memHS
	}
	for _, m := range rd.Messages {
		s.checkPromise(nd, m)
		s.send(m)
	}
	if s.rng.Float64() < s.crashRd {
		s.crash(nd, "write-behind: after sending, before AdvanceWriting")
		return
	}
	s.applyReady(nd, rd)
	nd.r.AdvanceWriting(rd)
	s.check(nd)
}

// applyReady applies a Ready's committed entries and checks its reads.
func (s *sim) applyReady(nd *simNode, rd Ready) {
	for _, e := range rd.Committed {
		s.apply(nd, e)
	}
	for _, rs := range rd.ReadStates {
		s.checkRead(nd, rs)
	}
}

func (s *sim) send(m Message) {
	if s.rng.Float64() < s.loss {
		s.tracef("lose %s", describeLazy(m))
		return
	}
	copies := 1
	if s.rng.Float64() < s.dup {
		copies = 2
	}
	for range copies {
		at := s.now + s.rng.IntN(s.delay+1)
		if s.slowP > 0 && s.xRng.Float64() < max(s.slowP, snapSlow(m)) {
			at += 1 + s.xRng.IntN(simSlowMax)
			s.tracef("slow %s: due at t=%d", describeLazy(m), at)
		}
		s.queue = append(s.queue, simMsg{m: m, at: at})
	}
}

// snapSlow is the chance a message is slow when slow messages happen at
// all: half of all snapshots, which a real transport streams for long and
// appends overtake.
func snapSlow(m Message) float64 {
	if m.Type == MsgSnap {
		return 0.5
	}
	return 0
}

// deliverDue delivers every message due by now, in random order. With
// batching, a delivery now and then takes every other message due to the
// same node along before the node's Ready, as cluster/node.go's loop
// drains its inbox, and now and then the node's Ready waits for its next
// delivery or the end of the tick's deliveries (handleSoon), as a loop
// busy with a write finds messages queued when it turns: one Ready then
// answers them all.
func (s *sim) deliverDue() {
	for steps := 0; s.err == nil; steps++ {
		if steps > 200000 {
			s.fail("message storm: still delivering after %d steps", steps)
			return
		}
		due := s.pickDue()
		if due < 0 {
			if s.handleAll() {
				continue // what the Readys sent may be due now
			}
			return
		}
		to := s.nodes[s.queue[due].m.To-1]
		if to.drain {
			due = s.firstDue(to.id)
		}
		if !s.deliver(due) {
			continue
		}
		if to.drain || s.batch && s.bRng.IntN(2) == 0 {
			to.drain = false
			for n := 0; n < 64 && to.r != nil && s.err == nil; n++ {
				next := s.firstDue(to.id)
				if next < 0 {
					break
				}
				s.deliver(next)
			}
		}
		s.handleSoon(to)
	}
}

// pickDue returns the index in the queue of a message due by now to a
// node not paused, chosen at random, or -1.
func (s *sim) pickDue() int {
	due := -1
	seen := 0
	for i := range s.queue {
		m := &s.queue[i].m
		if s.queue[i].at <= s.now && !s.nodes[m.To-1].paused {
			seen++
			if s.rng.IntN(seen) == 0 { // reservoir pick: uniform among due
				due = i
			}
		}
	}
	return due
}

// firstDue returns the index in the queue of the message due to node to
// that arrived first, or -1: a node drains its inbox in arrival order.
func (s *sim) firstDue(to uint64) int {
	due := -1
	for i := range s.queue {
		if q := &s.queue[i]; q.at <= s.now && q.m.To == to && (due < 0 || q.at < s.queue[due].at) {
			due = i
		}
	}
	return due
}

// deliver takes message i off the queue and steps it into its
// destination, if it is up and reachable. It reports whether it did.
func (s *sim) deliver(i int) bool {
	m := s.queue[i].m
	s.queue = slices.Delete(s.queue, i, i+1)
	to := s.nodes[m.To-1]
	switch {
	case to.r == nil:
		s.tracef("drop %s: %d is down", describeLazy(m), m.To)
		return false
	case s.group[m.From-1] != s.group[m.To-1]:
		s.tracef("drop %s: partitioned", describeLazy(m))
		return false
	case s.cut[[2]uint64{m.From, m.To}]:
		s.tracef("drop %s: link cut", describeLazy(m))
		return false
	}
	s.tracef("deliver %s", describeLazy(m))
	if err := to.r.Step(m); err != nil {
		if !nonMemberAnswer(m, err) {
			s.fail("node %d: Step(%s): %v", m.To, DescribeMessage(m), err)
			return false
		}
		// A late answer from a node the leader no longer counts.
		s.nnonMember++
		s.tracef("  refused: %v", err)
	}
	s.check(to)
	return true
}

// handleSoon handles nd's Ready now or, with batching, now and then later:
// at its next delivery or at the end of the tick (handleAll), with
// whatever else it took meanwhile.
func (s *sim) handleSoon(nd *simNode) {
	if s.batch && s.bRng.IntN(2) == 0 {
		return
	}
	s.handle(nd)
}

// stall now and then (with batching) blocks a node's loop for a few
// ticks, as a slow write does: nothing is stepped and no tick counted
// meanwhile, and the messages that arrive wait. When it ends, the node
// steps everything queued before its next Ready.
func (s *sim) stall() {
	for _, nd := range s.nodes {
		if nd.stallEnd != 0 && s.now >= nd.stallEnd {
			nd.stallEnd, nd.paused, nd.drain = 0, false, true
			s.tracef("stall of %d ends", nd.id)
		}
	}
	if !s.batch || s.bRng.Float64() >= s.stallP {
		return
	}
	if nd := s.nodes[s.bRng.IntN(len(s.nodes))]; nd.r != nil && !nd.paused {
		ticks := 1 + s.bRng.IntN(simElectionMin)
		if s.bRng.IntN(4) == 0 {
			ticks = 1 + s.bRng.IntN(simStallMax) // through elections
		}
		nd.paused, nd.stallEnd = true, s.now+ticks
		s.tracef("stall %d until t=%d", nd.id, nd.stallEnd)
	}
}

// handleAll handles the Ready of every running node that has one, and
// reports whether there was any.
func (s *sim) handleAll() bool {
	any := false
	for _, nd := range s.nodes {
		if nd.r != nil && !nd.paused && nd.r.HasReady() {
			any = true
			s.handle(nd)
		}
	}
	return any
}

func (s *sim) propose(nd *simNode) (uint64, uint64, bool) {
	s.nprops++
	data := binary.AppendUvarint([]byte("p"), s.nprops)
	idx, term, err := nd.r.Propose(data)
	if err != nil {
		return 0, 0, false
	}
	s.tracef("propose on %d: %d@%d", nd.id, idx, term)
	s.check(nd)
	s.handleSoon(nd)
	return idx, term, true
}

// read starts a ReadIndex on nd. Linearizability: the read point must
// cover every entry known committed anywhere when the read began.
func (s *sim) read(nd *simNode) {
	s.nreads++
	ctx := "r" + strconv.FormatUint(s.nreads, 10)
	if err := nd.r.ReadIndex([]byte(ctx)); err != nil {
		return
	}
	s.reads[ctx] = uint64(len(s.commit))
	s.tracef("read %s on %d: must see %d", ctx, nd.id, len(s.commit))
	s.check(nd)
	s.handleSoon(nd)
}

func (s *sim) tickAll() {
	for _, nd := range s.nodes {
		if nd.r == nil || nd.paused || s.err != nil {
			continue
		}
		nd.r.Tick()
		s.check(nd)
		s.handleSoon(nd)
	}
}

// deposed returns, now and then (with batching), a node that still
// leads an older term than ld, if any: a client that still takes it for
// the leader proposes there, and its appends reach followers that have not
// heard of ld yet, often together with ld's first ones. Else ld.
func (s *sim) deposed(ld *simNode) *simNode {
	if !s.batch || s.bRng.IntN(2) == 0 {
		return ld
	}
	for _, nd := range s.live() {
		if nd != ld && !nd.paused && nd.r.role == RoleLeader {
			return nd
		}
	}
	return ld
}

func (s *sim) leader() *simNode {
	var best *simNode
	for _, nd := range s.live() {
		if !nd.paused && nd.r.role == RoleLeader && (best == nil || nd.r.term > best.r.term) {
			best = nd
		}
	}
	return best
}

// chaos injects random faults for one tick.
func (s *sim) chaos() {
	n := len(s.nodes)
	switch x := s.rng.Float64(); {
	case x < 0.01:
		for i := range s.group {
			s.group[i] = s.rng.IntN(3)
		}
		s.tracef("partition %v", s.group)
	case x < 0.02:
		clear(s.group)
		clear(s.cut)
		s.tracef("heal")
	case x < 0.03:
		from, to := uint64(s.rng.IntN(n)+1), uint64(s.rng.IntN(n)+1)
		s.cut[[2]uint64{from, to}] = true
		s.tracef("cut %d -> %d", from, to)
	case x < 0.036:
		if nd := s.nodes[s.rng.IntN(n)]; nd.r != nil {
			s.crash(nd, "between steps")
		}
	case x < 0.05:
		if nd := s.nodes[s.rng.IntN(n)]; nd.r == nil {
			s.tracef("restart %d", nd.id)
			s.start(nd)
		}
	case x < 0.054:
		// Keep real randomness (max = 2*min): with min == max, split votes
		// can repeat forever, as the playground may show on purpose.
		lo := 4 + s.rng.IntN(simElectionMin-3)
		hi := 2 * lo
		hb := 1 + s.rng.IntN(2)
		s.tracef("set timing %d..%d heartbeat %d", lo, hi, hb)
		// As in the playground (cluster.SetTiming), nodes started later
		// use it too: a node restarted with other timeouts than the rest
		// would be a configuration of the simulation's own making.
		s.timing = [3]int{lo, hi, hb}
		for _, nd := range s.live() {
			if err := nd.r.SetTiming(lo, hi, hb); err != nil {
				s.fail("SetTiming: %v", err)
			}
		}
	case x < 0.056:
		nd := s.nodes[s.rng.IntN(n)]
		nd.paused = !nd.paused
		nd.drain = s.batch && !nd.paused // it drains its inbox when it resumes
		s.tracef("paused %d: %v", nd.id, nd.paused)
	case x < 0.058+s.compactP:
		if x >= 0.058 {
			s.compact(s.nodes[s.rng.IntN(n)])
			break
		}
		if s.confP > 0 && s.rng.IntN(2) == 0 {
			s.stopNonMember()
			break
		}
		s.preVote, s.checkQ = s.rng.IntN(2) == 0, s.rng.IntN(2) == 0
		s.tracef("set prevote %v checkquorum %v", s.preVote, s.checkQ)
		for _, nd := range s.live() {
			nd.r.SetPreVote(s.preVote)
			nd.r.SetCheckQuorum(s.checkQ)
		}
	}
	if s.confP > 0 && s.rng.Float64() < s.confP {
		s.confChaos()
	}
	// Besides the one above, each node snapshots when it sees fit, as
	// applications do: a leader compacts while its followers lag, and a
	// follower compacts past a snapshot still on its way to it.
	for _, nd := range s.nodes {
		if s.compactP > 0 && nd.r != nil && s.xRng.Float64() < s.compactP/3 {
			s.compactWith(nd, s.xRng)
		}
	}
}

// cutNewLeader may cut off nd, just elected, with a minority of the
// voters before its first Ready leaves: its no-op and the proposals it
// takes reach only them, and the majority elects another leader. Logs then
// end in entries of different terms at the same indexes, the stage of the
// paper's Figure 8 (a leader committing an earlier term's entry by
// counting replicas loses it to a node holding a later term's entry).
func (s *sim) cutNewLeader(nd *simNode) {
	if s.cutNewP == 0 || s.xRng.Float64() >= s.cutNewP {
		return
	}
	var others []uint64
	for _, id := range nd.r.conf.Voters {
		if id != nd.id {
			others = append(others, id)
		}
	}
	k := 0
	if q := nd.r.conf.quorum(); q >= 2 {
		k = s.xRng.IntN(q - 1) // with the leader, fewer than a quorum
	}
	clear(s.group)
	s.group[nd.id-1] = 1
	for _, i := range s.xRng.Perm(len(others))[:k] {
		s.group[others[i]-1] = 1
	}
	s.tracef("cut new leader %d off with a minority: %v", nd.id, s.group)
	// With batching, now and then one of the minority stalls too, for
	// long: when it turns again, its inbox may hold this leader's appends
	// and, the cut healed meanwhile, those of the leader the majority
	// elects, the mix the node loop folds into one Ready.
	if k > 0 && s.batch && s.bRng.IntN(2) == 0 {
		f := s.nodes[others[s.bRng.IntN(len(others))]-1]
		if s.group[f.id-1] == 1 && f.r != nil && !f.paused {
			f.paused, f.stallEnd = true, s.now+1+s.bRng.IntN(simStallMax)
			s.tracef("stall %d until t=%d", f.id, f.stallEnd)
		}
	}
}

// stabilize heals the network and restarts nodes, leaving down only nodes
// that every configuration that may still win can spare (stabilizeMembers),
// and stops losing messages.
func (s *sim) stabilize() {
	clear(s.group)
	clear(s.cut)
	s.loss = 0
	s.crashRd = 0
	s.slowP, s.cutNewP = 0, 0 // messages already held back still arrive late
	for _, nd := range s.nodes {
		nd.drain = nd.drain || s.batch && nd.paused
		nd.paused, nd.stallEnd = false, 0
		if nd.r == nil {
			s.start(nd)
		}
	}
	s.stabilizeMembers()
}

func (s *sim) run() error {
	for ; s.now < simChaosTicks && s.err == nil; s.now++ {
		s.chaos()
		s.stall()
		if s.rng.IntN(4) == 0 {
			if ld := s.leader(); ld != nil {
				s.propose(s.deposed(ld))
			} else if live := s.live(); len(live) > 0 {
				if nd := live[s.rng.IntN(len(live))]; !nd.paused {
					s.propose(nd)
				}
			}
		}
		if s.rng.IntN(6) == 0 {
			if live := s.live(); len(live) > 0 {
				if nd := live[s.rng.IntN(len(live))]; !nd.paused {
					s.read(nd)
				}
			}
		}
		s.tickAll()
		s.deliverDue()
		s.finishWrites()
	}
	if s.err != nil {
		return s.err
	}
	s.stabilize()
	// Liveness: a leader is elected and a marker proposal commits on every
	// live node within the bound.
	deadline := s.now + simLiveBound
	var markIdx, markTerm uint64
	for ; s.err == nil; s.now++ {
		if s.now > deadline {
			return fmt.Errorf("liveness: marker %d@%d not committed on all live nodes within %d ticks of healing", markIdx, markTerm, simLiveBound)
		}
		if ld := s.leader(); ld != nil && (markTerm == 0 || ld.r.term != markTerm) && !s.committedMark(markIdx, markTerm) {
			if idx, term, ok := s.propose(ld); ok {
				markIdx, markTerm = idx, term
			}
		}
		s.tickAll()
		s.deliverDue()
		s.finishWrites()
		if markTerm != 0 && s.committedMark(markIdx, markTerm) && s.allCommitted(markIdx) {
			return s.err
		}
	}
	return s.err
}

func (s *sim) committedMark(idx, term uint64) bool {
	return term != 0 && idx <= uint64(len(s.commit)) && s.commit[idx-1].Term == term
}

// allCommitted reports whether every live member of the leader's
// configuration has committed idx. Removed nodes never learn it.
func (s *sim) allCommitted(idx uint64) bool {
	ld := s.leader()
	if ld == nil {
		return false
	}
	for _, nd := range s.live() {
		if ld.r.conf.IsMember(nd.id) && nd.r.log.committed < idx {
			return false
		}
	}
	return true
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestSimulation(t *testing.T) {
	if v := os.Getenv("RAFT_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("RAFT_SEED=%q: %v", v, err)
		}
		s := newSim(seed, true)
		err = s.run()
		t.Log(strings.Join(s.trace, "\n"))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		return
	}
	seeds := envInt("RAFT_SEEDS", defaultSeeds)
	base := uint64(envInt("RAFT_SEED_BASE", 1))
	served, compactions, installs := 0, 0, 0
	var confs confStats
	for seed := base; seed < base+uint64(seeds); seed++ {
		s := newSim(seed, false)
		err := s.run()
		served += s.nserved
		compactions += s.ncompactions
		installs += s.ninstalls
		confs.add(s)
		if err != nil {
			replay := newSim(seed, true)
			_ = replay.run()
			tail := replay.trace[max(0, len(replay.trace)-300):]
			t.Fatalf("seed %d: %v\nreplay with RAFT_SEED=%d go test -run TestSimulation ./raft/\nlast %d trace lines:\n%s",
				seed, err, seed, len(tail), strings.Join(tail, "\n"))
		}
	}
	t.Logf("%d seeds from %d: no violations (%d reads served, %d compactions, %d snapshots installed)",
		seeds, base, served, compactions, installs)
	t.Logf("membership: %s", confs)
	if seeds >= 100 && installs == 0 {
		t.Fatalf("no snapshot was ever installed: compaction is not exercised")
	}
	if seeds >= 100 {
		confs.exercised(t)
	}
}

// describeLazy defers DescribeMessage until a trace line is formatted.
type describeLazy Message

func (d describeLazy) String() string { return DescribeMessage(Message(d)) }

// TestSimulationReplays checks that a seed replays exactly: the same seed
// gives the same trace, so a failing seed can be studied.
func TestSimulationReplays(t *testing.T) {
	for _, seed := range []uint64{3, 4, 5} {
		a, b := newSim(seed, true), newSim(seed, true)
		errA, errB := a.run(), b.run()
		if errA != nil || errB != nil {
			t.Fatalf("seed %d: %v / %v", seed, errA, errB)
		}
		if !slices.Equal(a.trace, b.trace) || len(a.trace) < 100 {
			t.Fatalf("seed %d: traces differ or are short (%d and %d lines)", seed, len(a.trace), len(b.trace))
		}
	}
}
