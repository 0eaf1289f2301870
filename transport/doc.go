// Package transport carries Raft messages between raftplay nodes over real
// TCP on 127.0.0.1, and holds the cluster's fault table.
//
// # Contract
//
// New listens at once (port 0 lets the OS choose; Addr reports the result).
// Send never blocks: each message goes to its peer's bounded queue, and a
// writer goroutine per peer drains whatever is queued into one buffered write
// and one flush. Raft tolerates loss, so every message that cannot go is
// dropped and counted rather than waited for: unknown peer or local type
// (Unroutable), fault table (DroppedFault; DroppedFaultIn counts messages
// a link cut while they were on their way drops on arrival), full queue
// (DroppedQueue: QueueLen messages, or an append that would take the
// entry data queued past QueueBytes, unless none is; Raft's inflight window keeps a queue
// far below that, which bounds what a peer that stopped reading can cost:
// QueueLen appends of up to the frame limit each were gigabytes), peer
// unreachable or connection broken (DroppedConn), a field set that its wire
// struct cannot carry (DroppedInvalid). Messages to one peer are written in
// the order they were sent, except that a snapshot larger than one chunk
// (see Snapshots) is overtaken by the messages sent after it. Received
// messages are handed to Config.Handler from one reader goroutine per
// inbound connection, with From set to the sender named in the handshake
// and To set to this node. A Handler that
// blocks holds up its connection (and, through TCP, the sender's writes,
// until their deadline drops the connection); Close waits for Handler calls
// in progress, so a Handler must not block forever.
//
// Close is a crash: it closes the listener and every connection without a
// goodbye and returns when every goroutine of the transport has exited.
//
// # Connections
//
// Each node dials one long-lived connection to each peer and uses it only to
// send; it accepts its peers' connections only to receive. A writer that
// hits any error (write, deadline, the peer closing) drops the connection and
// redials with exponential backoff from 5 ms doubling to 1 s, reset by a
// successful handshake; a peer restarted on the same address is found again.
//
// Every connection opens with a handshake, all integers big endian:
//
//	dialer -> acceptor   "RPLY" | version uint16 | cluster id uint64 | from id uint64 | to id uint64
//	acceptor -> dialer   "RPLY" | verdict uint8 (0 = accepted)
//
// The acceptor refuses (logs the reason through Config.Logf, tells
// Config.Refused, answers a non-zero verdict and closes) a wrong magic, protocol version or cluster id,
// a "to" that is not itself, and a "from" of 0 or itself. So a stray process
// cannot join a cluster by connecting to a node's port.
//
// # Frames
//
// After the handshake the dialer sends frames:
//
//	type uint8 | body length uint32 | body (msgpack)
//
// The type byte equals the raft.MessageType carried and selects one concrete
// wire struct (wire.go) with short codec tags; From and To are not in the
// body. MsgVote/MsgPreVote share a struct, as do their responses, the
// heartbeat pair and the read-index pair. Types from 64 up are frames that
// are not one message each: 64 is a snapshot chunk (below). No time.Time is
// ever on the wire. The frames that carry nearly all traffic (MsgApp,
// MsgAppResp and the heartbeat pair) are encoded and decoded by hand, in
// the same bytes the msgpack handle writes (fastcodec.go); a body the hand
// decoder does not expect goes to the handle, so the format is one.
//
// The body length is checked against Config.MaxFrameBytes (default 16 MiB)
// before anything is allocated, and the body buffer then grows only as
// bytes arrive. Before decoding, every length declared inside the msgpack
// body (strings, binaries, element counts) is checked against the bytes that
// remain (the hand decoder checks each as it reads it), so decoding
// allocates in proportion to the body: at most about 48 bytes per body
// byte, for a frame packed with empty log entries. An unknown
// type, an oversize length, an undecodable body, trailing bytes or a half
// frame close that one connection, never the node.
//
// # Snapshots
//
// A MsgSnap is written as a run of chunk frames (type 64, snapChunkWire):
// each carries the message term, the snapshot's metadata (index, term and
// the configuration in force at its index, which the receiver's core takes
// as its own), the total data length, an offset and at most
// min(MaxFrameBytes-96-the configuration's bytes, 1 MiB) data bytes, so
// any snapshot fits the frame limit. A snapshot of one chunk is
// written in its place in the queue; a longer one is written one chunk per
// writer round, with whatever else is queued (heartbeats, appends) in
// between, so a long transfer never holds other traffic for more than one
// chunk. Another MsgSnap to the same peer replaces the one in flight; a
// resend of the same snapshot (same term, index and term of the snapshot)
// is dropped, so a transfer slower than Raft's retry period still ends.
//
// The receiver reassembles the chunks of each connection and hands one
// raft.Message{Type: MsgSnap} with the whole snapshot to the Handler when
// the last arrives. The first chunk (offset 0) starts a transfer; its total
// is checked against Config.MaxSnapshotBytes (default 1 GiB) and the buffer
// then grows only as data arrives. A chunk out of sequence or with other
// metadata than the first, or an oversize total, closes the connection. A connection lost mid-transfer discards the
// partial snapshot at both ends (SnapshotsAborted); Raft sends it again.
// LinkStats report the progress of the transfer in flight each way.
//
// # Faults
//
// Faults is one table per cluster, shared by every node's transport. Per
// directed link it holds a cut, a drop percentage, and a delay with jitter;
// link 0->0 applies to every link. Partition and Isolate set groups whose
// cross links are cut both ways. Send consults the table (cut, drop, delay)
// and so does the receiver (cut), so a message already in flight when a
// partition starts does not cross it. A delayed message waits in its link's
// queue, so a delay never blocks the caller or other links and, without
// jitter, never reorders a link. Table returns a copy for display.
package transport
