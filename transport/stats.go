package transport

import (
	"sync/atomic"
	"time"
)

// LinkStats are the counters of the link between this node and one peer.
// Sent and dropped counters describe this node's outbound stream to the
// peer; Recv counters and LastHeartbeat describe what arrived from it.
type LinkStats struct {
	MsgsSent  uint64 // messages written to the peer's connection
	BytesSent uint64 // frame bytes (headers included) written
	MsgsRecv  uint64 // messages received and handed to the Handler
	BytesRecv uint64 // frame bytes received, dropped ones included

	DroppedFault   uint64 // this node's messages to the peer dropped by the fault table on send
	DroppedFaultIn uint64 // messages from the peer cut on arrival (the link was cut while they were on their way)
	DroppedQueue   uint64 // dropped because the send queue was full
	DroppedConn    uint64 // dropped because the peer could not be reached or the connection broke
	DroppedInvalid uint64 // refused by Send: a field the message type's wire struct cannot carry
	// DroppedReplaced counts messages of an earlier node of the peer's id
	// (ReplacePeer): queued for it and not sent, or arrived from it and
	// not delivered.
	DroppedReplaced uint64 `json:",omitempty"`

	// Snapshot transfers (MsgSnap, sent in chunks). SnapshotBytesSent of
	// SnapshotBytesTotal is the progress of the one in flight to the peer;
	// SnapshotBytesRecv of SnapshotRecvTotal the one arriving from it (all
	// 0 when none). SnapshotsAborted counts transfers cut short either way
	// (connection lost, replaced by a newer snapshot, refused).
	SnapshotsSent      uint64
	SnapshotsRecv      uint64
	SnapshotsAborted   uint64
	SnapshotBytesSent  uint64
	SnapshotBytesTotal uint64
	SnapshotBytesRecv  uint64
	SnapshotRecvTotal  uint64

	LastHeartbeat time.Time // when the last MsgHeartbeat or MsgApp from the peer arrived (zero: never)
	Connected     bool      // the outbound stream to the peer is up (handshake done)
}

// linkCounters is the live, concurrently updated form of LinkStats.
type linkCounters struct {
	msgsSent, bytesSent, msgsRecv, bytesRecv                atomic.Uint64
	droppedFault, droppedQueue, droppedConn, droppedInvalid atomic.Uint64
	droppedFaultIn, droppedReplaced                         atomic.Uint64
	snapsSent, snapsRecv, snapAborted                       atomic.Uint64
	snapBytesSent, snapBytesTotal                           atomic.Uint64
	snapBytesRecv, snapRecvTotal                            atomic.Uint64
	lastHeartbeat                                           atomic.Int64 // unix nanoseconds; 0 = never
	connected                                               atomic.Bool

	// gen counts the replacements of the peer (ReplacePeer): a message
	// queued for an earlier generation is not sent, and frames from a
	// connection made before the newest are not delivered.
	gen atomic.Uint64
}

func (c *linkCounters) snapshot() LinkStats {
	s := LinkStats{
		MsgsSent:        c.msgsSent.Load(),
		BytesSent:       c.bytesSent.Load(),
		MsgsRecv:        c.msgsRecv.Load(),
		BytesRecv:       c.bytesRecv.Load(),
		DroppedFault:    c.droppedFault.Load(),
		DroppedFaultIn:  c.droppedFaultIn.Load(),
		DroppedQueue:    c.droppedQueue.Load(),
		DroppedConn:     c.droppedConn.Load(),
		DroppedInvalid:  c.droppedInvalid.Load(),
		DroppedReplaced: c.droppedReplaced.Load(),
		Connected:       c.connected.Load(),

		SnapshotsSent:      c.snapsSent.Load(),
		SnapshotsRecv:      c.snapsRecv.Load(),
		SnapshotsAborted:   c.snapAborted.Load(),
		SnapshotBytesSent:  c.snapBytesSent.Load(),
		SnapshotBytesTotal: c.snapBytesTotal.Load(),
		SnapshotBytesRecv:  c.snapBytesRecv.Load(),
		SnapshotRecvTotal:  c.snapRecvTotal.Load(),
	}
	if ns := c.lastHeartbeat.Load(); ns != 0 {
		s.LastHeartbeat = time.Unix(0, ns)
	}
	return s
}
