package raft

import (
	"math/rand/v2"
	"slices"
)

// Role is a node's part in the protocol.
type Role uint8

const (
	// RoleFollower answers leaders and candidates.
	RoleFollower Role = iota
	// RolePreCandidate asks for pre-votes before starting an election (PreVote).
	RolePreCandidate
	// RoleCandidate asks for votes in a new term.
	RoleCandidate
	// RoleLeader replicates its log to the others.
	RoleLeader
)

// String returns "follower", "pre-candidate", "candidate" or "leader".
func (r Role) String() string {
	switch r {
	case RoleFollower:
		return "follower"
	case RolePreCandidate:
		return "pre-candidate"
	case RoleCandidate:
		return "candidate"
	case RoleLeader:
		return "leader"
	}
	return "unknown"
}

// Defaults for the Config limits left at zero.
const (
	DefaultMaxInflight      = 256
	DefaultMaxInflightBytes = 8 << 20
	DefaultMaxBytesPerMsg   = 1 << 20
	DefaultMaxEntriesPerMsg = 1024
)

// Config describes one node. See New for the rules it must follow.
type Config struct {
	ID uint64 // this node's id, not None
	// Peers is the bootstrap configuration: every voter's id, including
	// ID. It applies until the log (or a snapshot) holds a configuration
	// of its own, which always wins. A node that joins a running cluster
	// passes no Peers: it neither votes nor campaigns until the leader's
	// log tells it the membership.
	Peers []uint64
	// JoinedAfter, for a node that joins a running cluster (no Peers), is
	// an index committed before the change that adds it was proposed: the
	// leader's commit index when it was asked whether it would take the
	// change. An id removed and added again names a new node, and the log
	// it receives from the leader begins with the entries that added and
	// promoted the earlier node of that id: a configuration at or below
	// JoinedAfter that names the id is that node's, and does not let this
	// one vote or campaign (see mayVote). 0: every configuration naming
	// the id is this node's (an id never used before, or the caller does
	// not know).
	JoinedAfter uint64

	// ElectionTickMin and ElectionTickMax bound the election timeout. It is
	// drawn uniformly from [ElectionTickMin, ElectionTickMax] when the timer
	// starts a new period: on becoming follower (at start, after a lost
	// election, on a leader's message of a higher term, a leader stepping
	// down), pre-candidate, candidate (every election) or leader; on hearing
	// from a leader not followed until then; on granting a vote; and in
	// SetTiming if the old one no longer fits the range. Further messages from
	// the same leader (appends, heartbeats, snapshots) restart the count but
	// keep the timeout. A higher term in any other message (a vote request,
	// say) leaves a follower's or candidate's timer running as it was (Figure
	// 2: only a leader or a granted vote restarts it).
	ElectionTickMin int
	ElectionTickMax int
	HeartbeatTick   int    // the leader sends heartbeats every HeartbeatTick ticks
	Seed            uint64 // seeds this core's own random source

	PreVote     bool // run a pre-election before bumping the term (thesis §9.6)
	CheckQuorum bool // leader steps down without a live quorum; followers keep a leader lease

	MaxInflight int // max MsgApp in flight per follower in replicate state (default 256)
	// MaxInflightBytes caps the entry data bytes in flight per follower in
	// replicate state (default 8 MiB; one MsgApp may always be in flight).
	// With MaxBytesPerMsg it bounds how much a slow follower can have
	// queued ahead of the leader's next heartbeat, on the link and in its
	// inbox: unbounded, a leader streamed hundreds of MiB of large entries
	// to followers that took seconds to write them, and its heartbeats,
	// behind them, came too late to hold off elections.
	MaxInflightBytes uint64
	MaxBytesPerMsg   uint64 // cap on entry data bytes per MsgApp (default 1 MiB; one entry always fits)
	MaxEntriesPerMsg int    // cap on entries per MsgApp (default 1024)

	// SnapshotRetryTicks is how many leader ticks a snapshot sent to a
	// follower may stay unanswered before it is sent again (default
	// 4*ElectionTickMax, following SetTiming).
	SnapshotRetryTicks int

	// PromoteMaxLag is how many entries a learner may lag the leader's
	// log and still be promoted to voter (default DefaultPromoteMaxLag).
	PromoteMaxLag int

	// State recovered from storage at restart (all zero for a fresh node).
	HardState HardState
	Snapshot  SnapshotMeta // the log starts after Snapshot.Index
	// SnapshotData is the image of the snapshot described by Snapshot, kept
	// (not copied) to send to followers that need compacted entries.
	SnapshotData []byte
	Entries      []Entry // contiguous entries after Snapshot.Index
	Applied      uint64  // highest index the state machine already holds

	// OnEvent, if set, is called synchronously from Tick, Step, Propose and
	// Advance for every Event. It must not call back into the Raft.
	OnEvent func(Event)

	// UnsafeSkipVoteLogCheck grants votes without the up-to-date log check
	// (§5.4.1). It breaks Raft on purpose, for demonstrating that the safety
	// checks fail; never use it otherwise.
	UnsafeSkipVoteLogCheck bool

	// chunkShift, when not 0, sets the size of the log's chunks to
	// 1<<chunkShift entries (tests only; see defaultChunkShift).
	chunkShift uint8
}

// Raft is one node's consensus state machine. It is not safe for concurrent
// use: one goroutine (the node's run loop) drives it.
type Raft struct {
	id uint64

	// The membership in force (membership.go): conf, set by the entry at
	// confIndex (0: by the snapshot or the bootstrap). peers aliases its
	// voters, members lists voters and learners; both sorted.
	conf      Membership
	confIndex uint64
	reloading bool // reloadConf is setting the configuration
	// installing is the snapshot being installed, while its configuration
	// is set: the event says where the configuration came from.
	installing *SnapshotMeta
	peers      []uint64
	members    []uint64
	bootConf   Membership // from Config.Peers
	// joinedAfter is Config.JoinedAfter: configurations at or below it
	// name an earlier node of this id.
	joinedAfter uint64
	snapConf    Membership // the configuration of the snapshot the log starts after
	promoteLag  int

	// Leadership transfer (leader only): the target, ticks since it began,
	// and whether TimeoutNow was sent.
	transferee       uint64
	transferElapsed  int
	transferSent     bool
	transferCampaign bool // campaigning on a TimeoutNow
	// byTransfer: the election this candidate runs was started by a
	// TimeoutNow (for its Tally), not by its timer.
	byTransfer bool

	// Safety rules the simulation's tests switch off, to show that it
	// catches what each allows (simUnsafe, simmember_test.go). Never set
	// otherwise.
	unsafeManyPending    bool // allow a change while one is pending
	unsafeCommitOldTerm  bool // commit an entry of an earlier term by counting replicas (Figure 8)
	unsafeUncappedCommit bool // a follower takes the leader's commit beyond the append's last new entry
	unsafeForgetVote     bool // leave the vote out of Ready.HardState: a restart forgets it
	unsafeStaleSnapshot  bool // install a snapshot at or below the commit index
	unsafeForeignConf    bool // a joined node takes every configuration naming its id for its own (Config.JoinedAfter ignored)

	term, vote, lead uint64
	role             Role
	log              raftLog

	prs      map[uint64]*progress // leader only; includes self
	votes    map[uint64]bool      // candidates: who answered, and how
	voteWhy  map[uint64]Why       // candidates: the reason each refusal gave
	lastVote VoteDecision         // the last vote request this node answered (for explanations)
	// lastReject is the last append this follower refused for a log
	// mismatch: the events of later refusals with the same answer (the
	// leader's appends sent before the first refusal reached it) are marked
	// Repeat, until an append is accepted.
	lastReject rejection

	// msgs waits for the next Ready. It may hold vote grants and append
	// acknowledgements: the caller sends them only after persisting the
	// HardState and Entries of that same Ready, so they never promise state
	// that a crash could lose.
	msgs []Message

	electionElapsed  int // ticks since the timer was reset (leader: since the last quorum check)
	heartbeatElapsed int
	electionTimeout  int // drawn for the current timer
	ticksSinceLeader int

	electionMin, electionMax, heartbeat int
	preVote, checkQuorum                bool
	unsafeSkipVoteLogCheck              bool
	maxInflight                         int
	maxInflightBytes                    uint64
	maxBytes                            uint64
	maxEntries                          int
	snapRetry                           int // 0: 4*electionMax

	// snapshot is the newest snapshot (from Compact, an install or the
	// config), sent to followers that need compacted entries.
	snapshot *Snapshot
	// pendingSnapshot is a received snapshot waiting for the next Ready.
	pendingSnapshot *Snapshot
	// installFrom is the leader that sent pendingSnapshot: "installed
	// snapshot" is told at the Advance of the Ready that carried it, once
	// the caller has made it durable, not when it arrives (a write that
	// failed, a full disk, followed the claim of an install).
	installFrom uint64
	// readyFrom is installFrom once a Ready has handed the snapshot out,
	// until its Advance.
	readyFrom uint64

	rand    *rand.Rand
	onEvent func(Event)

	tick func()
	step func(m Message) error

	prevSoft SoftState
	prevHard HardState

	reads        []*readRequest // leader: reads waiting for heartbeat acks, oldest first
	readSeq      uint64         // leader: the tag of the newest read (readRequest.tag)
	pendingReads []Message      // leader: reads waiting for the first commit of the term
	readStates   []ReadState    // confirmed reads for the next Ready

	// bcastDue defers a leader's bcastAppend to the next Ready (see
	// bcastAppendSoon). Invariant: false outside RoleLeader.
	bcastDue bool

	matchBuf []uint64 // scratch for quorumIndex
	propBuf  [1]Entry // scratch for Propose
}

// New validates cfg and returns a follower at cfg.HardState.Term holding the
// recovered log. It returns an error wrapping ErrConfig, never panics.
func New(cfg Config) (*Raft, error) {
	if err := validateConfig(&cfg); err != nil {
		return nil, err
	}
	peers := slices.Clone(cfg.Peers)
	slices.Sort(peers)
	r := &Raft{
		id:               cfg.ID,
		bootConf:         Membership{Voters: peers},
		joinedAfter:      cfg.JoinedAfter,
		snapConf:         cfg.Snapshot.Conf.Clone(),
		promoteLag:       cfg.PromoteMaxLag,
		electionMin:      cfg.ElectionTickMin,
		electionMax:      cfg.ElectionTickMax,
		heartbeat:        cfg.HeartbeatTick,
		preVote:          cfg.PreVote,
		checkQuorum:      cfg.CheckQuorum,
		maxInflight:      cfg.MaxInflight,
		maxInflightBytes: cfg.MaxInflightBytes,
		maxBytes:         cfg.MaxBytesPerMsg,
		maxEntries:       cfg.MaxEntriesPerMsg,
		snapRetry:        cfg.SnapshotRetryTicks,
		rand:             rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		onEvent:          cfg.OnEvent,
		votes:            make(map[uint64]bool, len(peers)),
		voteWhy:          make(map[uint64]Why, len(peers)),
	}
	if r.promoteLag == 0 {
		r.promoteLag = DefaultPromoteMaxLag
	}
	r.unsafeSkipVoteLogCheck = cfg.UnsafeSkipVoteLogCheck
	r.log = raftLog{
		snapIndex: cfg.Snapshot.Index,
		snapTerm:  cfg.Snapshot.Term,
		committed: max(cfg.HardState.Commit, cfg.Snapshot.Index),
		applied:   max(cfg.Applied, cfg.Snapshot.Index),
		shift:     defaultChunkShift,
	}
	if cfg.chunkShift != 0 {
		r.log.shift = cfg.chunkShift
	}
	r.log.push(cfg.Entries) // a copy: the caller's array is not kept
	r.log.stable = r.log.lastIndex()
	r.log.written = r.log.stable
	if !cfg.Snapshot.IsEmpty() {
		r.snapshot = &Snapshot{Meta: cfg.Snapshot, Data: cfg.SnapshotData}
	}
	r.term = cfg.HardState.Term
	r.vote = cfg.HardState.Vote
	r.reloadConf()
	r.becomeFollower(r.term, None)
	r.prevHard = r.hardState()
	r.prevSoft = r.softState()
	return r, nil
}

func validateConfig(c *Config) error {
	if c.ID == None {
		return badConfig("ID must not be 0")
	}
	seen := make(map[uint64]bool, len(c.Peers))
	for _, p := range c.Peers {
		if p == None {
			return badConfig("peer id 0 is reserved")
		}
		if seen[p] {
			return badConfig("peer %d listed twice", p)
		}
		seen[p] = true
	}
	if len(c.Peers) > 0 && !seen[c.ID] {
		return badConfig("Peers %v must include ID %d", c.Peers, c.ID)
	}
	if err := checkTiming(c.ElectionTickMin, c.ElectionTickMax, c.HeartbeatTick); err != nil {
		return err
	}
	if c.MaxInflight < 0 || c.MaxEntriesPerMsg < 0 || c.SnapshotRetryTicks < 0 || c.PromoteMaxLag < 0 {
		return badConfig("MaxInflight, MaxEntriesPerMsg, SnapshotRetryTicks and PromoteMaxLag must not be negative")
	}
	if c.MaxInflight == 0 {
		c.MaxInflight = DefaultMaxInflight
	}
	if c.MaxInflightBytes == 0 {
		c.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if c.MaxBytesPerMsg == 0 {
		c.MaxBytesPerMsg = DefaultMaxBytesPerMsg
	}
	if c.MaxEntriesPerMsg == 0 {
		c.MaxEntriesPerMsg = DefaultMaxEntriesPerMsg
	}
	if c.Snapshot.Index == 0 && c.Snapshot.Term != 0 {
		return badConfig("snapshot at index 0 with term %d", c.Snapshot.Term)
	}
	prevTerm := c.Snapshot.Term
	for k, e := range c.Entries {
		if e.Index != c.Snapshot.Index+1+uint64(k) {
			return badConfig("entry %d at position %d: want index %d", e.Index, k, c.Snapshot.Index+1+uint64(k))
		}
		if e.Term < prevTerm || e.Term == 0 {
			return badConfig("entry %d has term %d after term %d", e.Index, e.Term, prevTerm)
		}
		prevTerm = e.Term
	}
	last := c.Snapshot.Index + uint64(len(c.Entries))
	hs := c.HardState
	if hs.Term < prevTerm {
		return badConfig("hard state term %d below last entry term %d", hs.Term, prevTerm)
	}
	if hs.Commit > last {
		return badConfig("commit %d beyond last index %d", hs.Commit, last)
	}
	if c.Applied > max(hs.Commit, c.Snapshot.Index) {
		return badConfig("applied %d beyond commit %d", c.Applied, hs.Commit)
	}
	return nil
}

func checkTiming(electionMin, electionMax, heartbeat int) error {
	switch {
	case heartbeat < 1:
		return badConfig("heartbeat tick %d must be >= 1", heartbeat)
	case electionMin <= heartbeat:
		return badConfig("election tick min %d must exceed heartbeat tick %d", electionMin, heartbeat)
	case electionMax < electionMin:
		return badConfig("election tick max %d below min %d", electionMax, electionMin)
	}
	return nil
}

// Tick advances the core's logical clock by one tick.
func (r *Raft) Tick() { r.tick() }

// HeardFromLeader reports whether this node, not a leader itself, has heard
// from a leader of its term (an append, a heartbeat or a snapshot) since
// its last Tick.
func (r *Raft) HeardFromLeader() bool {
	return r.role != RoleLeader && r.lead != None && r.ticksSinceLeader == 0
}

// Leader returns the leader this node knows in its term (None: none).
func (r *Raft) Leader() uint64 { return r.lead }

// SetPreVote turns the PreVote extension on or off from now on.
func (r *Raft) SetPreVote(on bool) { r.preVote = on }

// SetCheckQuorum turns the CheckQuorum extension on or off from now on.
func (r *Raft) SetCheckQuorum(on bool) { r.checkQuorum = on }

// SetTiming changes the election timeout range and the heartbeat interval.
// The current timer is redrawn if it no longer fits the new range.
func (r *Raft) SetTiming(electionMin, electionMax, heartbeat int) error {
	if err := checkTiming(electionMin, electionMax, heartbeat); err != nil {
		return err
	}
	r.electionMin, r.electionMax, r.heartbeat = electionMin, electionMax, heartbeat
	if r.electionTimeout < electionMin || r.electionTimeout > electionMax {
		r.resetTimeout()
	}
	return nil
}

// Term returns the term of entry i if the log still holds it (the snapshot
// index counts as held).
func (r *Raft) Term(i uint64) (uint64, bool) { return r.log.term(i) }

// Entries returns the held entries in [lo, hi), clipped to what is held. The
// slice is a read-only view of the log: it must not be modified, and it
// never changes afterwards (the core never rewrites entries in place), so it
// may be handed to another goroutine without copying.
func (r *Raft) Entries(lo, hi uint64) []Entry { return r.log.slice(lo, hi) }

func (r *Raft) resetTimeout() {
	r.electionTimeout = r.electionMin + r.rand.IntN(r.electionMax-r.electionMin+1)
}

// reset moves to term (clearing the vote if the term changes) and restarts
// the timers. Every role change goes through it.
func (r *Raft) reset(term uint64) {
	// A leader leaving office first sends what it deferred, in its own
	// term: a follower may need it to learn the last commit (a removed
	// leader's own removal).
	r.flushBcast()
	if term != r.term {
		r.term = term
		r.vote = None
	}
	r.lead = None
	r.electionElapsed = 0
	r.heartbeatElapsed = 0
	r.resetTimeout()
	clear(r.votes)
	clear(r.voteWhy)
	r.prs = nil
	r.reads, r.pendingReads = nil, nil
	r.transferee, r.transferElapsed, r.transferSent = None, 0, false
}

func (r *Raft) becomeFollower(term, lead uint64) {
	was := r.role
	r.step = r.stepFollower
	r.tick = r.tickElection
	r.reset(term)
	r.lead = lead
	r.role = RoleFollower
	if was != RoleFollower {
		r.emit(EventRole, lead, "became follower at term %d", r.term)
	}
}

func (r *Raft) becomePreCandidate() {
	// A pre-candidate keeps its term and vote: a lost pre-election changes
	// nothing that must be persisted.
	r.flushBcast()
	r.step = r.stepCandidate
	r.tick = r.tickElection
	r.lead = None
	r.electionElapsed = 0
	r.resetTimeout()
	clear(r.votes)
	clear(r.voteWhy)
	r.prs = nil
	r.role = RolePreCandidate
	r.emit(EventRole, None, "became pre-candidate at term %d", r.term)
}

func (r *Raft) becomeCandidate() {
	r.step = r.stepCandidate
	r.tick = r.tickElection
	r.reset(r.term + 1)
	r.vote = r.id
	r.role = RoleCandidate
	r.emit(EventRole, None, "became candidate at term %d", r.term)
}

func (r *Raft) becomeLeader() {
	r.step = r.stepLeader
	r.tick = r.tickHeartbeat
	r.reset(r.term)
	r.lead = r.id
	r.role = RoleLeader
	r.ticksSinceLeader = 0
	r.prs = make(map[uint64]*progress, len(r.members)+1)
	last := r.log.lastIndex()
	for _, id := range r.members {
		r.prs[id] = r.newProgress(last)
	}
	// The leader always tracks itself, even while a change removing it is
	// pending (it does not count toward majorities then).
	r.prs[r.id] = &progress{next: last + 1, recentActive: true, match: r.log.stable}
	r.emit(EventRole, None, "became leader at term %d", r.term)
	// A no-op of the new term lets entries of earlier terms commit (§5.4.2).
	r.appendEntries([]Entry{{Type: EntryNoop}})
}

// tickElection is the tick of followers and (pre-)candidates.
func (r *Raft) tickElection() {
	r.electionElapsed++
	if r.ticksSinceLeader < 1<<30 {
		r.ticksSinceLeader++
	}
	if r.electionElapsed >= r.electionTimeout {
		r.electionElapsed = 0
		if r.lead != None && !r.canCampaign() {
			// A node that does not campaign (a learner, or one that does not
			// know yet it was promoted) would otherwise keep a leader it has
			// not heard from in an election timeout, with its timer wrapping
			// round: its leader lease (stepTerm) would then hold for ever and
			// it would ignore the vote requests of candidates that count it
			// as a voter. A voter drops the leader by campaigning below.
			// (Simulation seed 495 with membership changes: a cluster without
			// a leader for good.)
			r.lead = None
		}
		_ = r.Step(Message{Type: MsgHup})
	}
}

// tickHeartbeat is the leader's tick.
func (r *Raft) tickHeartbeat() {
	r.heartbeatElapsed++
	r.electionElapsed++
	if r.electionElapsed >= r.electionMin {
		r.electionElapsed = 0
		if r.checkQuorum && !r.quorumActive() {
			r.emit(EventRole, None, "stepped down at term %d: no quorum heard from in an election timeout (%d ticks)", r.term, r.electionMin)
			r.becomeFollower(r.term, None)
			return
		}
		for id, pr := range r.prs {
			pr.recentActive = id == r.id
		}
	}
	for id, pr := range r.prs {
		if id != r.id && pr.heardAgo < 1<<30 {
			pr.heardAgo++
		}
	}
	r.tickSnapshots()
	r.tickTransfer()
	if r.heartbeatElapsed >= r.heartbeat {
		r.heartbeatElapsed = 0
		_ = r.Step(Message{Type: MsgBeat})
	}
}

func (r *Raft) quorumActive() bool {
	active := 0
	for _, id := range r.peers {
		if pr := r.prs[id]; pr != nil && pr.recentActive {
			active++
		}
	}
	return active >= r.conf.quorum()
}

// send queues m for the next Ready, stamping From and (for all but pre-vote
// traffic, which carries a future term) Term.
func (r *Raft) send(m Message) {
	m.From = r.id
	if m.Term == 0 {
		m.Term = r.term
	}
	if r.msgs == nil {
		r.msgs = make([]Message, 0, len(r.members)) // one allocation per Ready, typically
	}
	r.msgs = append(r.msgs, m)
}

// Outbox returns the messages queued for the next Ready, oldest first,
// for reading only (step mode reports what a delivery made a node send).
// Messages the Ready itself builds (a leader's batched appends) are not
// in it yet.
func (r *Raft) Outbox() []Message { return r.msgs }

func (r *Raft) hardState() HardState {
	return HardState{Term: r.term, Vote: r.vote, Commit: r.log.committed}
}

func (r *Raft) softState() SoftState { return SoftState{Role: r.role, Leader: r.lead} }

// isMember reports whether id is a voter or learner in the configuration
// in force.
func (r *Raft) isMember(id uint64) bool { return r.conf.IsMember(id) }
