package raft

// This file holds the plain data types that cross the core's boundary: log
// entries, hard state, snapshot metadata and messages. wal/ stores them and
// transport/ carries them; neither needs anything else from this package.

// None is the node id that means "no node" (no vote cast, no leader known).
const None uint64 = 0

// EntryType says what a log entry carries.
type EntryType uint8

const (
	// EntryNormal carries an application command in Data.
	EntryNormal EntryType = 0
	// EntryNoop is the empty entry a new leader appends in its own term so that
	// entries of earlier terms can be committed (Raft §5.4.2). Data is empty.
	EntryNoop EntryType = 1
	// EntryConfig carries a new Membership (EncodeMembership), in force
	// from the moment the entry is appended to a log (membership.go).
	EntryConfig EntryType = 2
)

// String returns "normal" or "noop".
func (t EntryType) String() string {
	switch t {
	case EntryNormal:
		return "normal"
	case EntryNoop:
		return "noop"
	case EntryConfig:
		return "config"
	}
	return "unknown"
}

// Entry is one record of the replicated log.
type Entry struct {
	Index uint64    `codec:"i"`
	Term  uint64    `codec:"t"`
	Type  EntryType `codec:"y"`
	Data  []byte    `codec:"d"`
}

// EntryBytes is the entry data ents carry: what the byte limits on
// messages, windows and queues count.
func EntryBytes(ents []Entry) int {
	n := 0
	for i := range ents {
		n += len(ents[i].Data)
	}
	return n
}

// HardState is the state a node must persist before it answers any message
// that depends on it: its current term, the vote it cast in that term, and the
// highest index it knows to be committed.
type HardState struct {
	Term   uint64 `codec:"t"`
	Vote   uint64 `codec:"v"`
	Commit uint64 `codec:"c"`
}

// IsEmpty reports whether h is the zero HardState.
func (h HardState) IsEmpty() bool { return h == HardState{} }

// SnapshotMeta identifies the last log entry a snapshot covers.
type SnapshotMeta struct {
	Index uint64 `codec:"i"`
	Term  uint64 `codec:"t"`
	// Conf is the configuration in force at Index. Empty in snapshots
	// written before membership changes existed: then the bootstrap
	// configuration (Config.Peers) applies.
	Conf Membership `codec:"c"`
}

// IsEmpty reports whether m describes no snapshot.
func (m SnapshotMeta) IsEmpty() bool { return m.Index == 0 }

// Equal reports whether m and o describe the same snapshot.
func (m SnapshotMeta) Equal(o SnapshotMeta) bool {
	return m.Index == o.Index && m.Term == o.Term && m.Conf.Equal(o.Conf)
}

// Snapshot is a state-machine image covering the log up to Meta.Index.
type Snapshot struct {
	Meta SnapshotMeta `codec:"m"`
	Data []byte       `codec:"d"`
}

// MessageType names a Raft message. Types marked local never leave the node:
// they are how timers and proposals enter the core through Step.
type MessageType uint8

const (
	MsgHup           MessageType = iota + 1 // local: election timer fired, start an election
	MsgBeat                                 // local: heartbeat timer fired on the leader
	MsgProp                                 // local: a client proposal
	MsgApp                                  // AppendEntries request
	MsgAppResp                              // AppendEntries response
	MsgVote                                 // RequestVote request
	MsgVoteResp                             // RequestVote response
	MsgPreVote                              // PreVote request (thesis §9.6)
	MsgPreVoteResp                          // PreVote response
	MsgHeartbeat                            // leader heartbeat (an AppendEntries with no entries)
	MsgHeartbeatResp                        // heartbeat response
	MsgSnap                                 // InstallSnapshot request
	MsgSnapResp                             // InstallSnapshot response
	MsgTimeoutNow                           // leadership transfer: start an election now (thesis §3.10)
	MsgReadIndex                            // ReadIndex request (linearizable read)
	MsgReadIndexResp                        // ReadIndex response
	msgTypeEnd
)

var msgTypeNames = [...]string{
	MsgHup:           "MsgHup",
	MsgBeat:          "MsgBeat",
	MsgProp:          "MsgProp",
	MsgApp:           "MsgApp",
	MsgAppResp:       "MsgAppResp",
	MsgVote:          "MsgVote",
	MsgVoteResp:      "MsgVoteResp",
	MsgPreVote:       "MsgPreVote",
	MsgPreVoteResp:   "MsgPreVoteResp",
	MsgHeartbeat:     "MsgHeartbeat",
	MsgHeartbeatResp: "MsgHeartbeatResp",
	MsgSnap:          "MsgSnap",
	MsgSnapResp:      "MsgSnapResp",
	MsgTimeoutNow:    "MsgTimeoutNow",
	MsgReadIndex:     "MsgReadIndex",
	MsgReadIndexResp: "MsgReadIndexResp",
}

// String returns the message type's name, e.g. "MsgApp".
func (t MessageType) String() string {
	if t > 0 && t < msgTypeEnd {
		return msgTypeNames[t]
	}
	return "MsgUnknown"
}

// Valid reports whether t is a known message type.
func (t MessageType) Valid() bool { return t > 0 && t < msgTypeEnd }

// IsLocal reports whether t never crosses the network.
func (t MessageType) IsLocal() bool { return t == MsgHup || t == MsgBeat || t == MsgProp }

// IsResponse reports whether t answers a request.
func (t MessageType) IsResponse() bool {
	switch t {
	case MsgAppResp, MsgVoteResp, MsgPreVoteResp, MsgHeartbeatResp, MsgSnapResp, MsgReadIndexResp:
		return true
	}
	return false
}

// Message is every Raft message, local or remote. Which fields mean what
// depends on Type:
//
//	MsgApp:           Index, LogTerm = prevLogIndex, prevLogTerm; Entries; Commit = leader commit
//	MsgAppResp:       Index = highest index now matching the leader (accept),
//	                  or the rejected prevLogIndex (Reject); RejectHint, LogTerm = conflict hint
//	MsgVote/PreVote:  Index, LogTerm = candidate's last log index and term
//	MsgVoteResp etc.: Reject = vote refused
//	any rejection:    Why says why (informational: the protocol never reads it)
//	MsgVote:          Context = "transfer" in an election started by MsgTimeoutNow
//	MsgHeartbeat:     Commit = min(leader commit, follower match); Context echoed back
//	MsgSnap:          Snapshot
//	MsgReadIndex*:    Context identifies the read; Index = read index in the response
//
// Term is the sender's current term (0 for local messages).
type Message struct {
	Type       MessageType `codec:"y"`
	From       uint64      `codec:"f"`
	To         uint64      `codec:"o"`
	Term       uint64      `codec:"t"`
	LogTerm    uint64      `codec:"lt"`
	Index      uint64      `codec:"i"`
	Entries    []Entry     `codec:"e"`
	Commit     uint64      `codec:"c"`
	Reject     bool        `codec:"r"`
	RejectHint uint64      `codec:"h"`
	Snapshot   *Snapshot   `codec:"s"`
	Context    []byte      `codec:"x"`
	Why        Why         `codec:"w"`
}

// Why is the reason a node gives for a rejection. It travels with the
// answer so that traces and explanations can show it on both sides; the
// protocol never depends on it.
type Why uint8

const (
	WhyNone        Why = iota
	WhyStaleTerm       // the request's term is below the receiver's
	WhyVoted           // the receiver voted for another node in this term (or, from an older build, follows one)
	WhyLogBehind       // the candidate's log is not as up to date as the receiver's (§5.4.1)
	WhyLogMismatch     // the receiver has no entry at prevLogIndex with prevLogTerm (hint in RejectHint)
	WhyLease           // not sent: a vote request ignored inside a leader lease (CheckQuorum)
	WhyLeaderAlive     // a pre-vote refused: the receiver leads and heard from a quorum, or heard from its leader, within the minimum election timeout (thesis §9.6)
	WhyNotMember       // a (pre-)vote refused: the receiver joined with no bootstrap configuration and no configuration it holds names it yet
	WhyHasLeader       // a vote refused: the receiver follows a leader of this term, and has not voted in it
)

// String returns a phrase for w: "stale term", "already voted",
// "log not up to date", "log mismatch", "leader lease", "leader alive",
// "not a member yet", "has a leader", or "" for WhyNone.
func (w Why) String() string {
	switch w {
	case WhyStaleTerm:
		return "stale term"
	case WhyVoted:
		return "already voted"
	case WhyLogBehind:
		return "log not up to date"
	case WhyLogMismatch:
		return "log mismatch"
	case WhyLease:
		return "leader lease"
	case WhyLeaderAlive:
		return "leader alive"
	case WhyNotMember:
		return "not a member yet"
	case WhyHasLeader:
		return "has a leader"
	}
	return ""
}
