package cluster

import (
	"slices"
	"time"

	"raftplay/raft"
	"raftplay/transport"
)

// NodeState is a node's lifecycle state as the playground sees it.
type NodeState string

// Node states.
const (
	StateUp      NodeState = "up"      // running
	StatePaused  NodeState = "paused"  // frozen: no ticks, no processing
	StateCrashed NodeState = "crashed" // stopped abruptly; restart brings it back from its files
	StateFailed  NodeState = "failed"  // could not start (for example a corrupt WAL); Err says why
	StateRemoved NodeState = "removed" // removed from the membership: stopped, its files deleted
)

// NodeStatus is an immutable snapshot of one node, published by its run loop.
type NodeStatus struct {
	ID    uint64    `json:"id"`
	State NodeState `json:"state"`
	Err   string    `json:"error,omitempty"`

	Role          string `json:"role"` // "follower", "pre-candidate", "candidate", "leader" or "down"
	Term          uint64 `json:"term"`
	Vote          uint64 `json:"vote"`
	Leader        uint64 `json:"leader"`
	Commit        uint64 `json:"commit"`
	Applied       uint64 `json:"applied"`
	FirstIndex    uint64 `json:"first_index"`
	LastIndex     uint64 `json:"last_index"`
	SnapshotIndex uint64 `json:"snapshot_index"`
	SnapshotTerm  uint64 `json:"snapshot_term"`

	// Election timer, in wall-clock time: how long the current timer runs and
	// how much of it has elapsed. The dashboard draws it draining.
	ElectionTimeout time.Duration `json:"election_timeout"`
	ElectionElapsed time.Duration `json:"election_elapsed"`
	LastHeartbeat   time.Time     `json:"last_heartbeat,omitzero"` // when a heartbeat or append from the leader last arrived

	Progress map[uint64]raft.Progress `json:"progress,omitempty"` // leader only

	// ProgressLast is the leader's last index when Progress was taken: a
	// status refreshes LastIndex with every Ready, Progress less often, so
	// entries past ProgressLast are too new for Progress to say whether
	// they were sent (0: as LastIndex).
	ProgressLast uint64 `json:"progress_last,omitempty"`

	// Membership is the configuration in force on this node (its newest
	// configuration entry, committed or not), set by the entry at
	// ConfIndex; Transferee is the node a leader hands leadership to.
	Membership raft.Membership `json:"membership"`
	ConfIndex  uint64          `json:"conf_index"`
	Transferee uint64          `json:"transferee,omitempty"`
	// Outside: it runs outside the cluster. No committed configuration
	// has held it, the one in force (Status.Membership) does not, and no
	// add of it is running: an add cut short left it (a leader took its
	// learner entry and lost it, or never took it). Nothing is sent to it
	// and it counts for nothing; remove stops it. A member being removed
	// is not outside: it leaves, and stops when the removal commits.
	Outside bool `json:"outside,omitempty"`

	// The facts explanations are made of (explain.go), from the core:
	// the term of the last entry; the election timeout a follower keeps a
	// leader's lease for (CheckQuorum); how long since it heard a leader;
	// for a leader, the highest index a majority holds and its term; for a
	// candidate, its tally; the last vote request it answered; the tick.
	LastTerm    uint64            `json:"last_term"`
	ElectionMin time.Duration     `json:"-"`
	SinceLeader time.Duration     `json:"-"`
	QuorumIndex uint64            `json:"quorum_index,omitempty"`
	QuorumTerm  uint64            `json:"quorum_term,omitempty"`
	Tally       *raft.Tally       `json:"-"`
	LastVote    raft.VoteDecision `json:"-"`
	Tick        time.Duration     `json:"-"`
	PreVote     bool              `json:"-"`
	CheckQuorum bool              `json:"-"`

	KVDigest uint64 `json:"kv_digest"`
	KVKeys   int    `json:"kv_keys"`

	// Disk is the node's disk: bytes written and not yet durable, and the
	// disk faults set on it (disk.go).
	Disk DiskStatus `json:"disk"`

	// LogStart is the index of LogTerms[0]; LogTerms holds the terms of the
	// newest entries (at most LogWindow of them) for the dashboard's log lanes.
	LogStart uint64   `json:"log_start"`
	LogTerms []uint64 `json:"-"`

	// Recent describes the newest entries (at most RecentEntries), oldest first.
	Recent []EntryInfo `json:"-"`

	RaftAddr string                         `json:"raft_addr"`
	HTTPAddr string                         `json:"http_addr"`
	Links    map[uint64]transport.LinkStats `json:"-"`
	Updated  time.Time                      `json:"updated"`

	// Frozen: the node's clock stands still and it holds what arrives
	// (step mode); Held lists what it holds, oldest first.
	Frozen bool       `json:"frozen,omitempty"`
	Held   []HeldInfo `json:"held,omitempty"`
	// Discarded lists the newest messages `discard` dropped at this node
	// since the cluster froze (at most 16), oldest first.
	Discarded []HeldInfo `json:"discarded,omitempty"`

	// AsOf is set on a node that is down (crashed, or failed to restart):
	// the Raft fields above are then what the node last published before it
	// went down (its term, vote, log and commit as of that moment), kept so
	// a crash does not look like an empty log. Zero for a running node.
	AsOf    time.Time `json:"as_of,omitzero"`
	WasRole string    `json:"was_role,omitempty"` // a down node's role as of AsOf

	// PowerLost: the node is down because its power was cut (powerfail),
	// not because it crashed; its State is StateCrashed all the same.
	PowerLost bool `json:"power_lost,omitempty"`

	// Damaged is, for a node down since `corrupt` damaged its WAL, the
	// damage that keeps it from starting, where and what ("0000…0001.wal
	// at offset 97: record checksum mismatch"): a restart fails until the
	// file is repaired or moved away. Empty when no such damage is known
	// (a torn tail, which a restart cuts off; a snapshot file the log does
	// not need); a restart clears it (if it fails, Err says why).
	Damaged string `json:"damaged,omitempty"`
}

// HeardAgo is how long ago leader ns last heard from a follower whose
// progress is p: p.HeardAgo (the leader's ticks) times its tick.
func (ns NodeStatus) HeardAgo(p raft.Progress) time.Duration {
	return time.Duration(p.HeardAgo) * ns.Tick
}

// Quiet reports whether leader ns has not heard from a follower whose
// progress is p for its shortest election timeout or more: the follower
// may be down or cut off, and what the leader knows of it is old.
func (ns NodeStatus) Quiet(p raft.Progress) bool {
	return p.HeardAgo > 0 && ns.ElectionMin > 0 && ns.HeardAgo(p) >= ns.ElectionMin
}

// StateText is the node's state in words for people: its State, except
// that a node whose power was cut "lost power" rather than "crashed".
func (ns NodeStatus) StateText() string {
	if ns.State == StateCrashed && ns.PowerLost {
		return "lost power"
	}
	return string(ns.State)
}

// EntryInfo describes one log entry for display.
type EntryInfo struct {
	Index uint64
	Term  uint64
	Text  string // e.g. "put x=1", "no-op"
}

// RecentEntries is how many entries NodeStatus.Recent describes.
const RecentEntries = 24

// LogWindow is how many of the newest entries' terms a NodeStatus carries.
const LogWindow = 512

// Status is an immutable snapshot of the whole cluster.
type Status struct {
	Time        time.Time            `json:"time"`
	Nodes       []NodeStatus         `json:"nodes"`
	Leader      uint64               `json:"leader"` // as `wait leader` defines it; 0 if none
	Term        uint64               `json:"term"`   // the leader's term, or the highest term of any node
	Commit      uint64               `json:"commit"` // the leader's commit index, or the highest of any node
	Timing      Timing               `json:"timing"`
	PreVote     bool                 `json:"prevote"`
	CheckQuorum bool                 `json:"checkquorum"`
	Faults      transport.FaultTable `json:"-"`
	Violations  int                  `json:"violations"`
	Frozen      bool                 `json:"frozen"` // step mode (freeze): clocks stopped, messages held
	// EverApplied is the highest index any node has applied since the
	// cluster started (the invariant monitor's record): committed for good,
	// even when every node's commit index, which is not persisted, has
	// since restarted lower.
	EverApplied uint64 `json:"ever_applied"`
	// Membership is the configuration the leader has in force (or, with
	// no leader, the newest any node has); ConfPending says its entry is
	// not committed yet.
	Membership  raft.Membership `json:"membership"`
	ConfPending bool            `json:"conf_pending,omitempty"`
	Load        int             `json:"load"`    // background writes per second asked for (0 = off)
	Written     uint64          `json:"written"` // writes acknowledged by the cluster since start
}

// Node returns the status of node id (1-based).
func (s Status) Node(id uint64) (NodeStatus, bool) {
	if id < 1 || id > uint64(len(s.Nodes)) {
		return NodeStatus{}, false
	}
	return s.Nodes[id-1], true
}

// LeaderFor returns the leader that drives n's replication: the cluster's
// (Leader), or, when no leader has a majority, the node n itself follows
// while that node is live and still leads. A leader without a quorum
// still sends a learner its log; ok is false when there is no such node.
func (s Status) LeaderFor(n NodeStatus) (NodeStatus, bool) {
	id := s.Leader
	if id == 0 {
		id = n.Leader
	}
	l, ok := s.Node(id)
	if !ok || !l.Live() || l.Role != "leader" {
		return NodeStatus{}, false
	}
	return l, true
}

// Live reports whether the node is up and not paused.
func (n NodeStatus) Live() bool { return n.State == StateUp }

// leaderOf applies `wait leader`'s definition: one node is leader and a
// majority of the whole cluster (itself included) are up, unpaused, in its
// term and know it as leader. Followers count only while the fault table
// lets them reach the leader: a leader cut off by a partition leads nobody,
// even before its old followers notice. If two nodes claim leadership (only
// possible in different terms), the higher term wins the check.
func leaderOf(nodes []NodeStatus, faults transport.FaultTable) (id, term uint64) {
	for _, cand := range nodes {
		if !cand.Live() || cand.Role != "leader" || cand.Term < term {
			continue
		}
		voters := votersOf(cand.Membership, nodes)
		n := 0
		for _, o := range nodes {
			if o.Live() && o.Term == cand.Term && o.Leader == cand.ID && Reachable(faults, o.ID, cand.ID) && slices.Contains(voters, o.ID) {
				n++
			}
		}
		if n >= len(voters)/2+1 {
			id, term = cand.ID, cand.Term
		}
	}
	return id, term
}

// ConfAsOf is the newest index as of which n's configuration is known to
// be in force: the index of its entry, or, when the entry was compacted into
// n's snapshot (ConfIndex is then 0), the snapshot's index.
func (n NodeStatus) ConfAsOf() uint64 { return max(n.ConfIndex, n.SnapshotIndex) }

// votersOf returns m's voters, or, for a node that has no configuration of
// its own yet, every node that is not removed.
func votersOf(m raft.Membership, nodes []NodeStatus) []uint64 {
	if len(m.Voters) > 0 {
		return m.Voters
	}
	var ids []uint64
	for _, n := range nodes {
		if n.State != StateRemoved {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// Voters returns the voters of the cluster's configuration (Membership).
func (s Status) Voters() []uint64 { return votersOf(s.Membership, s.Nodes) }

// IsVoter reports whether id votes in the cluster's configuration.
func (s Status) IsVoter(id uint64) bool { return slices.Contains(s.Voters(), id) }

// Quorum is the number of voters that make a majority.
func (s Status) Quorum() int { return len(s.Voters())/2 + 1 }
