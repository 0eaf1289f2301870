package transport

import (
	"time"

	"raftplay/raft"
)

// Fate is what became of a message at this transport, reported through
// Config.Trace so that a message trace shows what happened, not what was
// meant to.
type Fate uint8

const (
	FateSent         Fate = iota + 1 // queued on the peer's stream (a FateUnreachable may follow)
	FateDelayed                      // queued with a delay rule's delay (Trace.Delay); sent when due
	FateCut                          // dropped at send: the link is cut (a partition, isolate or cut)
	FateDropped                      // dropped at send by a drop-percentage rule
	FateQueueFull                    // dropped at send: the peer's queue was full
	FateUnreachable                  // dropped: the peer could not be reached, or the connection broke first
	FateCutOnArrival                 // arrived, but the link had been cut meanwhile: dropped
	FateReplaced                     // dropped: meant for, or sent by, an earlier node of the peer's id (ReplacePeer)
)

// String returns a word for f: "sent", "delayed", "cut", "dropped",
// "queue-full", "unreachable", "cut-on-arrival", "replaced".
func (f Fate) String() string {
	switch f {
	case FateSent:
		return "sent"
	case FateDelayed:
		return "delayed"
	case FateCut:
		return "cut"
	case FateDropped:
		return "dropped"
	case FateQueueFull:
		return "queue-full"
	case FateUnreachable:
		return "unreachable"
	case FateCutOnArrival:
		return "cut-on-arrival"
	case FateReplaced:
		return "replaced"
	}
	return "unknown"
}

// Trace is one message's fate at a transport. Msg, with From and To set,
// is valid only during the Config.Trace call: copy what you keep.
type Trace struct {
	Msg   *raft.Message
	Fate  Fate
	Delay time.Duration // for FateDelayed
}

// trace reports m's fate, if anyone listens.
func (t *Transport) trace(m *raft.Message, fate Fate, delay time.Duration) {
	if m.Type == raft.MsgSnap && m.From == t.cfg.ID && fate != FateSent && fate != FateDelayed && t.cfg.SnapshotLost != nil {
		t.cfg.SnapshotLost(m.To)
	}
	if t.cfg.Trace != nil {
		t.cfg.Trace(Trace{Msg: m, Fate: fate, Delay: delay})
	}
}

// traceLost reports every message of items as FateUnreachable.
func (t *Transport) traceLost(items []outItem) {
	if t.cfg.Trace == nil && t.cfg.SnapshotLost == nil {
		return
	}
	for i := range items {
		t.trace(&items[i].msg, FateUnreachable, 0)
	}
}
