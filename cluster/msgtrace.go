package cluster

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"raftplay/raft"
	"raftplay/transport"
)

// The message trace: every Raft message a node sends, every one stepped
// into a core, held by a frozen node, discarded, or lost to a fault, as a
// record in one bounded ring per cluster. Records are made where the thing
// happens (the sender's transport, the receiver's transport, the node's
// loop), so the trace shows what happened, not what was meant to.

// MsgEvent is what happened to a message.
type MsgEvent uint8

const (
	MsgSent      MsgEvent = iota + 1 // the sender's transport took it for the wire
	MsgDelayed                       // taken, behind a delay rule (Delay says how long)
	MsgDelivered                     // stepped into the receiver's Raft core
	MsgHeld                          // arrived at a frozen node: held in its inbound queue
	MsgDiscarded                     // a held message dropped by `discard`
	MsgLost                          // lost: Lost says where and why
)

var msgEventNames = [...]string{MsgSent: "sent", MsgDelayed: "delayed", MsgDelivered: "delivered", MsgHeld: "held", MsgDiscarded: "discarded", MsgLost: "lost"}

// String returns "sent", "delayed", "delivered", "held", "discarded" or "lost".
func (e MsgEvent) String() string {
	if int(e) < len(msgEventNames) && msgEventNames[e] != "" {
		return msgEventNames[e]
	}
	return "unknown"
}

// LostCause says why a message was lost.
type LostCause uint8

const (
	LostCut          LostCause = iota + 1 // the link is cut (partition, isolate, cut): dropped at send
	LostDrop                              // a drop-percentage rule dropped it at send
	LostQueueFull                         // the sender's queue to that peer was full
	LostUnreachable                       // the peer could not be reached, or the connection broke first
	LostNodeDown                          // the receiver is down (crashed or failed)
	LostCutOnArrival                      // the link was cut while it was on its way
	LostInboxFull                         // the receiver's inbox was full (a paused or swamped node)
	LostHoldFull                          // a frozen receiver already held as many messages as it keeps
	LostReplaced                          // meant for, or sent by, an earlier node of its id (removed, then added again)
)

var lostNames = [...]string{LostCut: "cut", LostDrop: "dropped by drop", LostQueueFull: "send queue full",
	LostUnreachable: "peer unreachable", LostNodeDown: "node down", LostCutOnArrival: "cut on arrival", LostInboxFull: "inbox full", LostHoldFull: "hold queue full",
	LostReplaced: "node replaced"}

// String returns a few words: "cut", "dropped by drop", "node down", ...
func (c LostCause) String() string {
	if int(c) < len(lostNames) && lostNames[c] != "" {
		return lostNames[c]
	}
	return ""
}

// MsgRecord is one message event. The message is summarized: its type,
// term, log position, number of entries, commit, and for answers whether it
// was a rejection, the hint and the reason the rejecting node gave.
type MsgRecord struct {
	Seq      uint64
	Time     time.Time
	Event    MsgEvent
	Lost     LostCause     // for MsgLost
	Delay    time.Duration // for MsgDelayed
	From, To uint64
	Type     raft.MessageType
	Term     uint64
	Index    uint64 // MsgApp: prevLogIndex; answers: the index answered; votes: last index
	LogTerm  uint64 // MsgApp: prevLogTerm; votes: last term; reject hints: the hint's term
	Entries  int
	Commit   uint64
	Reject   bool
	Hint     uint64
	Why      raft.Why
	Snap     uint64 // MsgSnap: the snapshot's last index
}

// Kind returns the message kind's one spelling (`vote`, `app-resp`, ...).
func (r MsgRecord) Kind() string { return KindOf(r.Type) }

var kindNames = map[raft.MessageType]string{
	raft.MsgVote: "vote", raft.MsgPreVote: "prevote", raft.MsgVoteResp: "vote-resp", raft.MsgPreVoteResp: "prevote-resp",
	raft.MsgApp: "app", raft.MsgAppResp: "app-resp", raft.MsgHeartbeat: "heartbeat", raft.MsgHeartbeatResp: "heartbeat-resp",
	raft.MsgSnap: "snap", raft.MsgSnapResp: "snap-resp", raft.MsgReadIndex: "read", raft.MsgReadIndexResp: "read-resp",
	raft.MsgTimeoutNow: "timeout-now",
}

// MessageKinds lists the kinds, in the order the help gives them.
var MessageKinds = []string{"vote", "prevote", "vote-resp", "prevote-resp", "app", "app-resp", "heartbeat", "heartbeat-resp", "snap", "read", "read-resp", "timeout-now"}

// KindOf returns the kind of a message type: "vote", "app-resp", ...
func KindOf(t raft.MessageType) string {
	if k, ok := kindNames[t]; ok {
		return k
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "Msg"))
}

// ParseKind returns the message type a kind names.
func ParseKind(kind string) (raft.MessageType, bool) {
	for t, k := range kindNames {
		if k == kind {
			return t, true
		}
	}
	return 0, false
}

// recordOf summarizes m.
func recordOf(ev MsgEvent, m *raft.Message) MsgRecord {
	r := MsgRecord{Event: ev, From: m.From, To: m.To, Type: m.Type, Term: m.Term, Index: m.Index, LogTerm: m.LogTerm,
		Entries: len(m.Entries), Commit: m.Commit, Reject: m.Reject, Hint: m.RejectHint, Why: m.Why}
	if m.Snapshot != nil {
		r.Snap = m.Snapshot.Meta.Index
		r.LogTerm = m.Snapshot.Meta.Term
	}
	return r
}

// Summary describes the message in a few words with its key fields, the way
// the views and step commands show it: "app t3 i41..45 c40",
// "vote t4 last 40@3", "vote-resp t4 granted", "app-resp t3 rejected: log
// mismatch, hint 38@2", "heartbeat t3 c40", "snap t3 935@10".
func (r MsgRecord) Summary() string {
	k := r.Kind()
	switch r.Type {
	case raft.MsgApp:
		if r.Entries == 0 {
			return fmt.Sprintf("%s t%d after %d@%d c%d", k, r.Term, r.Index, r.LogTerm, r.Commit)
		}
		span := fmt.Sprintf("i%d", r.Index+1)
		if r.Entries > 1 {
			span = fmt.Sprintf("i%d..%d", r.Index+1, r.Index+uint64(r.Entries))
		}
		return fmt.Sprintf("%s t%d %s c%d", k, r.Term, span, r.Commit)
	case raft.MsgAppResp:
		if !r.Reject {
			return fmt.Sprintf("%s t%d ok %d", k, r.Term, r.Index)
		}
		if r.Why == raft.WhyLogMismatch {
			return fmt.Sprintf("%s t%d rejected: no %d, hint %d@%d", k, r.Term, r.Index, r.Hint, r.LogTerm)
		}
		return fmt.Sprintf("%s t%d rejected: %s", k, r.Term, whyOr(r.Why, "refused"))
	case raft.MsgVote, raft.MsgPreVote:
		return fmt.Sprintf("%s t%d last %d@%d", k, r.Term, r.Index, r.LogTerm)
	case raft.MsgVoteResp, raft.MsgPreVoteResp:
		if r.Reject {
			return fmt.Sprintf("%s t%d rejected: %s", k, r.Term, whyOr(r.Why, "refused"))
		}
		return fmt.Sprintf("%s t%d granted", k, r.Term)
	case raft.MsgHeartbeat:
		return fmt.Sprintf("%s t%d c%d", k, r.Term, r.Commit)
	case raft.MsgHeartbeatResp: // it carries no commit index: "c0" read as the follower's
		return fmt.Sprintf("%s t%d", k, r.Term)
	case raft.MsgSnap:
		return fmt.Sprintf("%s t%d %d@%d", k, r.Term, r.Snap, r.LogTerm)
	case raft.MsgReadIndex, raft.MsgReadIndexResp:
		return fmt.Sprintf("%s t%d i%d", k, r.Term, r.Index)
	}
	return fmt.Sprintf("%s t%d", k, r.Term)
}

func whyOr(w raft.Why, def string) string {
	if w == raft.WhyNone {
		return def
	}
	return w.String()
}

// String is the record as one line: "12:00:01.123 1->2 app t3 i41..45 c40
// delivered" ("lost: cut" for a loss).
func (r MsgRecord) String() string {
	fate := r.Event.String()
	switch r.Event {
	case MsgLost:
		fate = "lost: " + r.Lost.String()
	case MsgDelayed:
		fate = fmt.Sprintf("delayed %v", r.Delay)
	}
	return fmt.Sprintf("%s %d->%d %s %s", r.Time.Format("15:04:05.000"), r.From, r.To, r.Summary(), fate)
}

// MsgJSON is a record as `--trace FILE` writes it, one JSON object a line.
type MsgJSON struct {
	Seq     uint64  `json:"seq"`
	Time    string  `json:"time"` // RFC 3339 with nanoseconds
	Event   string  `json:"event"`
	Lost    string  `json:"lost,omitempty"`
	DelayMs float64 `json:"delay_ms,omitempty"`
	From    uint64  `json:"from"`
	To      uint64  `json:"to"`
	Kind    string  `json:"kind,omitempty"`
	Term    uint64  `json:"term"`
	Index   uint64  `json:"index"`
	LogTerm uint64  `json:"log_term"`
	Entries int     `json:"entries"`
	Commit  uint64  `json:"commit"`
	Reject  bool    `json:"reject"`
	Hint    uint64  `json:"hint,omitempty"`
	Why     string  `json:"why,omitempty"`
	Snap    uint64  `json:"snapshot_index,omitempty"`
	Summary string  `json:"summary,omitempty"`
	Missed  uint64  `json:"missed,omitempty"` // event "gap": records the ring overwrote before they were written
}

// JSON returns r in its JSON form.
func (r MsgRecord) JSON() MsgJSON {
	j := MsgJSON{Seq: r.Seq, Time: r.Time.Format(time.RFC3339Nano), Event: r.Event.String(), From: r.From, To: r.To,
		Kind: r.Kind(), Term: r.Term, Index: r.Index, LogTerm: r.LogTerm, Entries: r.Entries, Commit: r.Commit,
		Reject: r.Reject, Hint: r.Hint, Why: r.Why.String(), Snap: r.Snap, Summary: r.Summary()}
	if r.Event == MsgLost {
		j.Lost = r.Lost.String()
	}
	if r.Delay > 0 {
		j.DelayMs = float64(r.Delay.Microseconds()) / 1000
	}
	return j
}

// MsgTraceSize is how many records the trace ring holds (about 4 MiB); when
// it is full the oldest are overwritten, and a reader learns how many it
// missed.
const MsgTraceSize = 32768

// MsgTrace is the cluster's bounded ring of message records. Writers never
// block; it records only while on (Cluster.SetTrace).
type MsgTrace struct {
	on    atomic.Bool
	r     *ring[MsgRecord]
	clock func() time.Time
}

// NewMsgTrace returns a ring of size records, recording.
func NewMsgTrace(size int, clock func() time.Time) *MsgTrace {
	t := &MsgTrace{r: newRing[MsgRecord](size), clock: clock}
	t.on.Store(true)
	return t
}

// On reports whether the trace records.
func (t *MsgTrace) On() bool { return t.on.Load() }

// next is the sequence number the next record will take: Since(next())
// returns what is recorded from now on.
func (t *MsgTrace) next() uint64 { return t.r.next.Load() }

// add records r, stamping its sequence number and time.
func (t *MsgTrace) add(r MsgRecord) {
	if !t.on.Load() {
		return
	}
	now := t.clock()
	t.r.put(func(seq uint64) MsgRecord {
		r.Seq, r.Time = seq, now
		return r
	})
}

// Since returns the records with sequence numbers >= seq still held, the
// sequence number to ask for next, and how many after seq were overwritten.
func (t *MsgTrace) Since(seq uint64) (recs []MsgRecord, next uint64, dropped uint64) {
	return t.r.since(seq)
}

// SinceInto is Since appending the records to buf, so that a reader that
// polls (a recorder) can reuse one buffer instead of allocating each time.
func (t *MsgTrace) SinceInto(buf []MsgRecord, seq uint64) (recs []MsgRecord, next uint64, dropped uint64) {
	return t.r.sinceInto(buf, seq)
}

// Last returns up to n of the newest records, oldest first.
func (t *MsgTrace) Last(n int) []MsgRecord { return t.r.last(n) }

// Wait returns a channel closed when the next record is added.
func (t *MsgTrace) Wait() <-chan struct{} { return t.r.wait() }

// fromTransport turns a transport's report into a record. down says
// whether a node is down now, to tell a lost message's cause.
func (t *MsgTrace) fromTransport(tr transport.Trace, down func(id uint64) bool) {
	if !t.on.Load() {
		return
	}
	var r MsgRecord
	switch tr.Fate {
	case transport.FateSent:
		r = recordOf(MsgSent, tr.Msg)
	case transport.FateDelayed:
		r = recordOf(MsgDelayed, tr.Msg)
		r.Delay = tr.Delay
	default:
		r = recordOf(MsgLost, tr.Msg)
		switch tr.Fate {
		case transport.FateCut:
			r.Lost = LostCut
		case transport.FateDropped:
			r.Lost = LostDrop
		case transport.FateQueueFull:
			r.Lost = LostQueueFull
		case transport.FateCutOnArrival:
			r.Lost = LostCutOnArrival
		case transport.FateReplaced:
			r.Lost = LostReplaced
		default:
			r.Lost = LostUnreachable
			if down(tr.Msg.To) {
				r.Lost = LostNodeDown
			}
		}
	}
	t.add(r)
}
