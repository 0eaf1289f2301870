package raft

import (
	"fmt"
	"strconv"
	"strings"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventElection: the node started an election (or a pre-election) at Term.
	EventElection EventKind = iota + 1
	// EventVote: the node granted its vote (or pre-vote) to Peer.
	EventVote
	// EventVoteRejected: the node refused its vote (or pre-vote) to Peer; Text says why.
	EventVoteRejected
	// EventRole: the node changed role (became follower, pre-candidate,
	// candidate or leader); a leader stepping down says why.
	EventRole
	// EventTerm: the node moved to a higher Term; Peer is the node whose
	// message caused it (None for its own election).
	EventTerm
	// EventAppendRejected: the node refused an append or heartbeat from Peer;
	// Text says why (stale term, log mismatch).
	EventAppendRejected
	// EventCommit: the node's commit index moved forward.
	EventCommit
	// EventIgnored: the node dropped a message on purpose (e.g. a vote
	// request inside a leader lease with CheckQuorum).
	EventIgnored
	// EventSnapshot: the node compacted its log, sent a snapshot to Peer,
	// installed one from Peer (told at the Advance of the Ready that
	// carried it: once the caller has saved it), or ignored a stale one;
	// Text says which.
	EventSnapshot
	// EventReplaced: the node replaced entries the leader Peer does not
	// have with the leader's (Figure 7); Text gives indexes and terms.
	EventReplaced
	// EventConfig: the membership in force changed (an entry appended or
	// truncated, a snapshot installed); Text says how.
	EventConfig
	// EventTransfer: a leadership transfer to Peer started, sent
	// TimeoutNow, or was aborted; Text says which.
	EventTransfer
)

var eventKindNames = [...]string{
	EventElection:       "election",
	EventVote:           "vote",
	EventVoteRejected:   "vote-rejected",
	EventRole:           "role",
	EventTerm:           "term",
	EventAppendRejected: "append-rejected",
	EventCommit:         "commit",
	EventIgnored:        "ignored",
	EventSnapshot:       "snapshot",
	EventReplaced:       "replaced",
	EventConfig:         "config",
	EventTransfer:       "transfer",
}

// String returns a short lower-case name, e.g. "vote-rejected".
func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "unknown"
}

// Event is one thing that happened inside a node, with a uniform sentence
// in Text that starts with the node's id, e.g. "3 granted vote to 1 at term 5".
type Event struct {
	Node uint64
	Term uint64
	Kind EventKind
	Peer uint64
	Text string
	// Repeat marks an event that says what the one before it of its kind
	// said (a follower refusing one more pipelined append of a run, for the
	// same gap): a feed may tell the run once. Whoever shows what one step
	// did should still show it.
	Repeat bool
}

// String returns e.Text.
func (e Event) String() string { return e.Text }

// emit reports an event to the observer, if any. The text is only built
// when someone listens.
func (r *Raft) emit(kind EventKind, peer uint64, format string, args ...any) {
	r.emitEvent(false, kind, peer, format, args...)
}

// emitEvent is emit with Event.Repeat set to repeat.
func (r *Raft) emitEvent(repeat bool, kind EventKind, peer uint64, format string, args ...any) {
	if r.onEvent == nil {
		return
	}
	text := strconv.FormatUint(r.id, 10) + " " + fmt.Sprintf(format, args...)
	r.onEvent(Event{Node: r.id, Term: r.term, Kind: kind, Peer: peer, Text: text, Repeat: repeat})
}

// emitCommit reports EventCommit ("3 committed up to 7 at term 2"), which
// comes once per Ready or more on every node: its text is built without
// fmt, in one allocation.
func (r *Raft) emitCommit(peer uint64) {
	if r.onEvent == nil {
		return
	}
	var buf [64]byte
	b := strconv.AppendUint(buf[:0], r.id, 10)
	b = append(b, " committed up to "...)
	b = strconv.AppendUint(b, r.log.committed, 10)
	b = append(b, " at term "...)
	b = strconv.AppendUint(b, r.term, 10)
	r.onEvent(Event{Node: r.id, Term: r.term, Kind: EventCommit, Peer: peer, Text: string(b)})
}

// DescribeMessage returns a one-line description of m, e.g.
// "1->2 MsgApp term=5 index=7 logterm=4 entries=3 commit=6".
func DescribeMessage(m Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d->%d %s term=%d", m.From, m.To, m.Type, m.Term)
	switch m.Type {
	case MsgApp:
		fmt.Fprintf(&b, " index=%d logterm=%d entries=%d commit=%d", m.Index, m.LogTerm, len(m.Entries), m.Commit)
		if n := len(m.Entries); n > 0 {
			fmt.Fprintf(&b, " [%s..%s]", DescribeEntry(m.Entries[0]), DescribeEntry(m.Entries[n-1]))
		}
	case MsgAppResp:
		fmt.Fprintf(&b, " index=%d", m.Index)
		if m.Reject {
			fmt.Fprintf(&b, " reject hint=%d hintterm=%d", m.RejectHint, m.LogTerm)
		}
	case MsgVote, MsgPreVote:
		fmt.Fprintf(&b, " lastindex=%d lastterm=%d", m.Index, m.LogTerm)
	case MsgVoteResp, MsgPreVoteResp:
		if m.Reject {
			b.WriteString(" reject")
		} else {
			b.WriteString(" grant")
		}
	case MsgHeartbeat:
		fmt.Fprintf(&b, " commit=%d", m.Commit)
	case MsgProp:
		fmt.Fprintf(&b, " entries=%d", len(m.Entries))
	case MsgSnap:
		if m.Snapshot != nil {
			fmt.Fprintf(&b, " snapshot=%d@%d", m.Snapshot.Meta.Index, m.Snapshot.Meta.Term)
		}
	case MsgReadIndex, MsgReadIndexResp:
		fmt.Fprintf(&b, " index=%d", m.Index)
	}
	if m.Why != WhyNone {
		fmt.Fprintf(&b, " (%s)", m.Why)
	}
	return b.String()
}

// DescribeEntry returns a short description of e: "index@term", then
// "noop" or the data size, e.g. "7@5 noop" or "8@5 12B".
func DescribeEntry(e Entry) string {
	s := strconv.FormatUint(e.Index, 10) + "@" + strconv.FormatUint(e.Term, 10)
	switch e.Type {
	case EntryNoop:
		return s + " noop"
	case EntryNormal:
		return s + " " + strconv.Itoa(len(e.Data)) + "B"
	}
	return s + " " + e.Type.String()
}
