package transport

import "raftplay/raft"

// This file holds the concrete structs that travel in frame bodies. A frame's
// type byte names exactly one of them; nothing is decoded into interface{}.
// From and To never travel in a body: the connection's handshake fixes them.

// frameType is the first byte of every frame. For Raft messages it equals the
// raft.MessageType it carries; values from 64 up are reserved for frames that
// are not one Raft message each (snapshot chunks will live there).
type frameType uint8

const (
	frameApp            = frameType(raft.MsgApp)
	frameAppResp        = frameType(raft.MsgAppResp)
	frameVote           = frameType(raft.MsgVote)
	frameVoteResp       = frameType(raft.MsgVoteResp)
	framePreVote        = frameType(raft.MsgPreVote)
	framePreVoteResp    = frameType(raft.MsgPreVoteResp)
	frameHeartbeat      = frameType(raft.MsgHeartbeat)
	frameHeartbeatResp  = frameType(raft.MsgHeartbeatResp)
	frameSnap           = frameType(raft.MsgSnap)
	frameSnapResp       = frameType(raft.MsgSnapResp)
	frameTimeoutNow     = frameType(raft.MsgTimeoutNow)
	frameReadIndex      = frameType(raft.MsgReadIndex)
	frameReadIndexResp  = frameType(raft.MsgReadIndexResp)
	frameReservedChunks = frameType(64)       // first value for non-message frames
	frameSnapChunk      = frameReservedChunks // one piece of a MsgSnap (snapChunkWire)
)

// appWire carries MsgApp: prevLogIndex/Term, the entries and the leader's commit.
type appWire struct {
	Term    uint64       `codec:"t"`
	LogTerm uint64       `codec:"lt"`
	Index   uint64       `codec:"i"`
	Commit  uint64       `codec:"c"`
	Entries []raft.Entry `codec:"e"`
}

// appRespWire carries MsgAppResp.
type appRespWire struct {
	Term       uint64 `codec:"t"`
	Index      uint64 `codec:"i"`
	Reject     bool   `codec:"r"`
	RejectHint uint64 `codec:"h"`
	LogTerm    uint64 `codec:"lt"`
	Why        uint8  `codec:"w"`
}

// voteWire carries MsgVote and MsgPreVote: the candidate's last log position.
// Context may mark a vote forced by a leader transfer.
type voteWire struct {
	Term    uint64 `codec:"t"`
	LogTerm uint64 `codec:"lt"`
	Index   uint64 `codec:"i"`
	Context []byte `codec:"x"`
}

// voteRespWire carries MsgVoteResp and MsgPreVoteResp.
type voteRespWire struct {
	Term   uint64 `codec:"t"`
	Reject bool   `codec:"r"`
	Why    uint8  `codec:"w"`
}

// heartbeatWire carries MsgHeartbeat and MsgHeartbeatResp.
type heartbeatWire struct {
	Term    uint64 `codec:"t"`
	Commit  uint64 `codec:"c"`
	Context []byte `codec:"x"`
}

// snapWire carries MsgSnap with the whole snapshot in one frame. Writers send
// MsgSnap as snapChunkWire frames instead; readers still accept this one.
type snapWire struct {
	Term     uint64        `codec:"t"`
	Snapshot raft.Snapshot `codec:"s"`
}

// snapChunkWire is one piece of a MsgSnap (frame type frameSnapChunk): the
// message's term, the snapshot's metadata (its configuration too) and total
// data length, and the data bytes [Offset, Offset+len(Data)). The chunks of
// one snapshot travel in order on one connection, the first at Offset 0;
// other frames may come between them. Every chunk carries the whole
// metadata, and the receiver checks that it does not change.
type snapChunkWire struct {
	Term    uint64          `codec:"t"`
	Index   uint64          `codec:"i"`  // snapshot's last index
	LogTerm uint64          `codec:"lt"` // snapshot's last term
	Conf    raft.Membership `codec:"c"`  // the configuration in force at Index
	Total   uint64          `codec:"n"`  // length of the whole snapshot data
	Offset  uint64          `codec:"o"`
	Data    []byte          `codec:"d"`
}

// meta returns the snapshot metadata c carries.
func (c *snapChunkWire) meta() raft.SnapshotMeta {
	return raft.SnapshotMeta{Index: c.Index, Term: c.LogTerm, Conf: c.Conf}
}

// snapRespWire carries MsgSnapResp.
type snapRespWire struct {
	Term   uint64 `codec:"t"`
	Index  uint64 `codec:"i"`
	Reject bool   `codec:"r"`
}

// timeoutNowWire carries MsgTimeoutNow.
type timeoutNowWire struct {
	Term uint64 `codec:"t"`
}

// readIndexWire carries MsgReadIndex and MsgReadIndexResp.
type readIndexWire struct {
	Term    uint64 `codec:"t"`
	Index   uint64 `codec:"i"`
	Reject  bool   `codec:"r"`
	Context []byte `codec:"x"`
}

// field is a bit naming one field of raft.Message beyond Type, From and To.
type field uint16

const (
	fTerm field = 1 << iota
	fLogTerm
	fIndex
	fEntries
	fCommit
	fReject
	fRejectHint
	fSnapshot
	fContext
	fWhy
)

// carried says, per frame type, which message fields its wire struct holds.
// A message with another field set cannot travel without losing it, so Send
// refuses it (and counts it) rather than silently dropping data.
var carried = [...]field{
	frameApp:           fTerm | fLogTerm | fIndex | fCommit | fEntries,
	frameAppResp:       fTerm | fIndex | fReject | fRejectHint | fLogTerm | fWhy,
	frameVote:          fTerm | fLogTerm | fIndex | fContext,
	framePreVote:       fTerm | fLogTerm | fIndex | fContext,
	frameVoteResp:      fTerm | fReject | fWhy,
	framePreVoteResp:   fTerm | fReject | fWhy,
	frameHeartbeat:     fTerm | fCommit | fContext,
	frameHeartbeatResp: fTerm | fCommit | fContext,
	frameSnap:          fTerm | fSnapshot,
	frameSnapResp:      fTerm | fIndex | fReject,
	frameTimeoutNow:    fTerm,
	frameReadIndex:     fTerm | fIndex | fReject | fContext,
	frameReadIndexResp: fTerm | fIndex | fReject | fContext,
}

// fieldsSet returns the fields of m that hold a non-zero value.
func fieldsSet(m *raft.Message) field {
	var f field
	if m.Term != 0 {
		f |= fTerm
	}
	if m.LogTerm != 0 {
		f |= fLogTerm
	}
	if m.Index != 0 {
		f |= fIndex
	}
	if len(m.Entries) != 0 {
		f |= fEntries
	}
	if m.Commit != 0 {
		f |= fCommit
	}
	if m.Reject {
		f |= fReject
	}
	if m.RejectHint != 0 {
		f |= fRejectHint
	}
	if m.Snapshot != nil {
		f |= fSnapshot
	}
	if len(m.Context) != 0 {
		f |= fContext
	}
	if m.Why != 0 {
		f |= fWhy
	}
	return f
}

// wireType returns the frame type for a message type, and false for local,
// unknown or otherwise untransportable types.
func wireType(t raft.MessageType) (frameType, bool) {
	ft := frameType(t)
	if !t.Valid() || t.IsLocal() || int(ft) >= len(carried) || carried[ft] == 0 {
		return 0, false
	}
	return ft, true
}

// fits reports whether m can travel in its wire struct without losing a field.
func fits(m *raft.Message) bool {
	ft, ok := wireType(m.Type)
	return ok && fieldsSet(m)&^carried[ft] == 0
}
