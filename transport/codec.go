package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hashicorp/go-msgpack/v2/codec"

	"raftplay/raft"
)

// This file is the only one that touches msgpack: the handle, and the
// functions that turn a raft.Message into a frame and a frame back into one.

// frameHeaderLen is the size of a frame header: type byte + uint32 body length.
const frameHeaderLen = 5

// msgpackHandle is the one msgpack configuration used on the wire. Byte
// slices are encoded as msgpack bin. The decoder may allocate a collection
// or byte string at its declared length in one step (MaxInitLen is the frame
// ceiling) because checkLengths has already proved every declared length fits
// in the body; a small MaxInitLen would instead grow large byte strings in
// small steps, copying quadratically. Nesting is shallow in every wire struct.
var msgpackHandle = func() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.WriteExt = true
	h.MaxInitLen = maxFrameLimit
	h.MaxDepth = 16
	return h
}()

var (
	errUnknownFrame  = errors.New("transport: unknown frame type")
	errFrameTooLarge = errors.New("transport: frame too large")
	errTrailingBytes = errors.New("transport: trailing bytes after frame body")
	errBadChunk      = errors.New("transport: bad snapshot chunk")
	errSnapTooLarge  = errors.New("transport: snapshot too large")
)

// frameEncoder turns messages into frames. It reuses its buffers, so one
// belongs to a single goroutine (a peer's writer).
type frameEncoder struct {
	enc     *codec.Encoder
	body    []byte
	splices []splice

	app       appWire
	appResp   appRespWire
	vote      voteWire
	voteResp  voteRespWire
	heartbeat heartbeatWire
	snap      snapWire
	snapResp  snapRespWire
	timeout   timeoutNowWire
	readIndex readIndexWire
	chunk     snapChunkWire
}

func newFrameEncoder() *frameEncoder {
	e := &frameEncoder{body: make([]byte, 0, 512)}
	e.enc = codec.NewEncoderBytes(&e.body, msgpackHandle)
	return e
}

// An encodedFrame is a frame as encodeFrame leaves it: its header, and its
// body in pieces, body with each splice's data put in at its offset.
type encodedFrame struct {
	hdr     [frameHeaderLen]byte
	body    []byte
	splices []splice
	size    int // the body's length, splices included
}

// encodeFrame returns m's frame, valid until the next call. Large entry
// data is not copied into it (splices). m must satisfy fits(m).
func (e *frameEncoder) encodeFrame(m *raft.Message) (encodedFrame, error) {
	ft, ok := wireType(m.Type)
	if !ok {
		return encodedFrame{}, fmt.Errorf("transport: encode %v: %w", m.Type, errUnknownFrame)
	}
	if !hasFastCodec(ft) {
		hdr, body, err := e.encodeReflect(ft, m)
		return encodedFrame{hdr: hdr, body: body, size: len(body)}, err
	}
	clear(e.splices)
	e.splices = e.splices[:0]
	e.body = appendFast(e.body[:0], ft, m, &e.splices)
	f := encodedFrame{body: e.body, splices: e.splices, size: len(e.body)}
	for _, s := range e.splices {
		f.size += len(s.data)
	}
	f.hdr[0] = byte(ft)
	binary.BigEndian.PutUint32(f.hdr[1:], uint32(f.size))
	return f, nil
}

// writeTo writes f to w: its header, then its body's pieces and splices in
// turn. bufio.Writer passes a large splice to the connection without
// copying it when its buffer is empty; an error sticks, so the last write
// reports any.
func (f *encodedFrame) writeTo(w *bufio.Writer) error {
	w.Write(f.hdr[:])
	from := 0
	for _, s := range f.splices {
		w.Write(f.body[from:s.at])
		w.Write(s.data)
		from = s.at
	}
	_, err := w.Write(f.body[from:])
	return err
}

// encodeReflect is encode by the msgpack handle alone, for every frame
// type (fastcodec.go writes the same bytes for its types).
func (e *frameEncoder) encodeReflect(ft frameType, m *raft.Message) (hdr [frameHeaderLen]byte, body []byte, err error) {
	var v any
	switch ft {
	case frameApp:
		e.app = appWire{Term: m.Term, LogTerm: m.LogTerm, Index: m.Index, Commit: m.Commit, Entries: m.Entries}
		v = &e.app
	case frameAppResp:
		e.appResp = appRespWire{Term: m.Term, Index: m.Index, Reject: m.Reject, RejectHint: m.RejectHint, LogTerm: m.LogTerm, Why: uint8(m.Why)}
		v = &e.appResp
	case frameVote, framePreVote:
		e.vote = voteWire{Term: m.Term, LogTerm: m.LogTerm, Index: m.Index, Context: m.Context}
		v = &e.vote
	case frameVoteResp, framePreVoteResp:
		e.voteResp = voteRespWire{Term: m.Term, Reject: m.Reject, Why: uint8(m.Why)}
		v = &e.voteResp
	case frameHeartbeat, frameHeartbeatResp:
		e.heartbeat = heartbeatWire{Term: m.Term, Commit: m.Commit, Context: m.Context}
		v = &e.heartbeat
	case frameSnap:
		e.snap = snapWire{Term: m.Term}
		if m.Snapshot != nil {
			e.snap.Snapshot = *m.Snapshot
		}
		v = &e.snap
	case frameSnapResp:
		e.snapResp = snapRespWire{Term: m.Term, Index: m.Index, Reject: m.Reject}
		v = &e.snapResp
	case frameTimeoutNow:
		e.timeout = timeoutNowWire{Term: m.Term}
		v = &e.timeout
	case frameReadIndex, frameReadIndexResp:
		e.readIndex = readIndexWire{Term: m.Term, Index: m.Index, Reject: m.Reject, Context: m.Context}
		v = &e.readIndex
	}
	e.enc.ResetBytes(&e.body)
	err = e.enc.Encode(v)
	e.app.Entries, e.snap.Snapshot = nil, raft.Snapshot{} // do not pin the caller's data
	if err != nil {
		return hdr, nil, fmt.Errorf("transport: encode %v: %w", m.Type, err)
	}
	hdr[0] = byte(ft)
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(e.body)))
	return hdr, e.body, nil
}

// encodeChunk returns the header and body of a snapshot chunk frame. Both
// slices are only valid until the next call.
func (e *frameEncoder) encodeChunk(c snapChunkWire) (hdr [frameHeaderLen]byte, body []byte, err error) {
	e.chunk = c
	e.enc.ResetBytes(&e.body)
	err = e.enc.Encode(&e.chunk)
	e.chunk.Data = nil // do not pin the caller's data
	if err != nil {
		return hdr, nil, fmt.Errorf("transport: encode snapshot chunk: %w", err)
	}
	hdr[0] = byte(frameSnapChunk)
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(e.body)))
	return hdr, e.body, nil
}

// decodeChunk decodes the body of a snapshot chunk frame. The chunk's data
// never aliases body. It checks that the chunk lies within its Total.
func (d *frameDecoder) decodeChunk(body []byte) (snapChunkWire, error) {
	var c snapChunkWire
	if err := checkLengths(body); err != nil {
		return c, fmt.Errorf("transport: decode snapshot chunk: %w", err)
	}
	d.dec.ResetBytes(body)
	if err := d.dec.Decode(&c); err != nil {
		return snapChunkWire{}, fmt.Errorf("transport: decode snapshot chunk: %w", err)
	}
	if d.dec.NumBytesRead() != len(body) {
		return snapChunkWire{}, fmt.Errorf("transport: decode snapshot chunk: %w", errTrailingBytes)
	}
	if c.Offset > c.Total || uint64(len(c.Data)) > c.Total-c.Offset {
		return snapChunkWire{}, fmt.Errorf("%w: bytes %d+%d of %d", errBadChunk, c.Offset, len(c.Data), c.Total)
	}
	return c, nil
}

// shrink drops a large body buffer and the last frame's splices, so one big
// message (a snapshot, a large value) does not stay pinned by an idle peer.
func (e *frameEncoder) shrink() {
	if cap(e.body) > 1<<20 {
		e.body = make([]byte, 0, 512)
	}
	clear(e.splices)
	e.splices = e.splices[:0]
}

// parseHeader checks a frame header against the size limit before anything
// is allocated for the body, and returns the type and body length.
func parseHeader(hdr []byte, maxBody int) (frameType, int, error) {
	ft := frameType(hdr[0])
	if _, ok := wireType(raft.MessageType(ft)); !ok && ft != frameSnapChunk {
		return 0, 0, fmt.Errorf("%w %d", errUnknownFrame, ft)
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if uint64(n) > uint64(maxBody) {
		return 0, 0, fmt.Errorf("%w: %d bytes, limit %d", errFrameTooLarge, n, maxBody)
	}
	return ft, int(n), nil
}

// frameDecoder turns frame bodies back into messages. One belongs to a
// single goroutine (a connection's reader). Decoded messages never alias body.
type frameDecoder struct {
	dec *codec.Decoder
}

func newFrameDecoder() *frameDecoder {
	return &frameDecoder{dec: codec.NewDecoderBytes([]byte{}, msgpackHandle)}
}

// decode decodes body as a frame of type ft into a message with Type set
// (From and To are left for the caller, who knows them from the handshake).
func (d *frameDecoder) decode(ft frameType, body []byte) (raft.Message, error) {
	if hasFastCodec(ft) {
		if m, ok := decodeFast(ft, body); ok {
			return m, nil
		}
	}
	return d.decodeReflect(ft, body)
}

// decodeReflect is decode by the msgpack handle alone, for every frame
// type (fastcodec.go compares itself with it).
func (d *frameDecoder) decodeReflect(ft frameType, body []byte) (raft.Message, error) {
	m := raft.Message{Type: raft.MessageType(ft)}
	if err := checkLengths(body); err != nil {
		return raft.Message{}, fmt.Errorf("transport: decode %v: %w", m.Type, err)
	}
	d.dec.ResetBytes(body)
	var err error
	switch ft {
	case frameApp:
		var w appWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.LogTerm, m.Index, m.Commit, m.Entries = w.Term, w.LogTerm, w.Index, w.Commit, w.Entries
		}
	case frameAppResp:
		var w appRespWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.Index, m.Reject, m.RejectHint, m.LogTerm, m.Why = w.Term, w.Index, w.Reject, w.RejectHint, w.LogTerm, raft.Why(w.Why)
		}
	case frameVote, framePreVote:
		var w voteWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.LogTerm, m.Index, m.Context = w.Term, w.LogTerm, w.Index, w.Context
		}
	case frameVoteResp, framePreVoteResp:
		var w voteRespWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.Reject, m.Why = w.Term, w.Reject, raft.Why(w.Why)
		}
	case frameHeartbeat, frameHeartbeatResp:
		var w heartbeatWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.Commit, m.Context = w.Term, w.Commit, w.Context
		}
	case frameSnap:
		var w snapWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.Snapshot = w.Term, &w.Snapshot
		}
	case frameSnapResp:
		var w snapRespWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.Index, m.Reject = w.Term, w.Index, w.Reject
		}
	case frameTimeoutNow:
		var w timeoutNowWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term = w.Term
		}
	case frameReadIndex, frameReadIndexResp:
		var w readIndexWire
		if err = d.dec.Decode(&w); err == nil {
			m.Term, m.Index, m.Reject, m.Context = w.Term, w.Index, w.Reject, w.Context
		}
	default:
		return raft.Message{}, fmt.Errorf("%w %d", errUnknownFrame, ft)
	}
	if err != nil {
		return raft.Message{}, fmt.Errorf("transport: decode %v: %w", m.Type, err)
	}
	if d.dec.NumBytesRead() != len(body) {
		return raft.Message{}, fmt.Errorf("transport: decode %v: %w", m.Type, errTrailingBytes)
	}
	return m, nil
}

// decodeFrame decodes one whole frame (header and body) from buf, as a reader
// would, and returns the message and the number of bytes used. It is the
// fuzz target's entry point and the reference for the frame format.
func decodeFrame(buf []byte, maxBody int) (raft.Message, int, error) {
	if len(buf) < frameHeaderLen {
		return raft.Message{}, 0, fmt.Errorf("transport: short frame header: %d bytes", len(buf))
	}
	ft, n, err := parseHeader(buf[:frameHeaderLen], maxBody)
	if err != nil {
		return raft.Message{}, 0, err
	}
	if len(buf)-frameHeaderLen < n {
		return raft.Message{}, 0, fmt.Errorf("transport: short frame body: %d of %d bytes", len(buf)-frameHeaderLen, n)
	}
	m, err := newFrameDecoder().decode(ft, buf[frameHeaderLen:frameHeaderLen+n])
	if err != nil {
		return raft.Message{}, 0, err
	}
	return m, frameHeaderLen + n, nil
}

var errBadMsgpack = errors.New("transport: malformed msgpack")

// checkLengths walks one msgpack value in body without decoding it and
// checks that it fills body exactly and that no declared length (string,
// binary, extension, or element count) exceeds the bytes that remain. After
// it, the decoder cannot be talked into allocating more than the body holds.
func checkLengths(body []byte) error {
	rest := body
	pending := 1 // values still to walk; each needs at least one byte
	for pending > 0 {
		if pending > len(rest) {
			return fmt.Errorf("%w: %d values declared, %d bytes left", errBadMsgpack, pending, len(rest))
		}
		pending--
		b := rest[0]
		rest = rest[1:]
		var skip, count uint64 // bytes to skip; nested values to walk
		var err error
		switch {
		case b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3: // fixint, nil, bool
		case b&0xf0 == 0x80: // fixmap
			count = 2 * uint64(b&0x0f)
		case b&0xf0 == 0x90: // fixarray
			count = uint64(b & 0x0f)
		case b&0xe0 == 0xa0: // fixstr
			skip = uint64(b & 0x1f)
		case b == 0xc4 || b == 0xd9: // bin8, str8
			skip, rest, err = readLen(rest, 1)
		case b == 0xc5 || b == 0xda: // bin16, str16
			skip, rest, err = readLen(rest, 2)
		case b == 0xc6 || b == 0xdb: // bin32, str32
			skip, rest, err = readLen(rest, 4)
		case b == 0xc7: // ext8: length, type, data
			skip, rest, err = readLen(rest, 1)
			skip++
		case b == 0xc8: // ext16
			skip, rest, err = readLen(rest, 2)
			skip++
		case b == 0xc9: // ext32
			skip, rest, err = readLen(rest, 4)
			skip++
		case b == 0xca: // float32
			skip = 4
		case b == 0xcb: // float64
			skip = 8
		case b >= 0xcc && b <= 0xcf: // uint8..uint64
			skip = 1 << (b - 0xcc)
		case b >= 0xd0 && b <= 0xd3: // int8..int64
			skip = 1 << (b - 0xd0)
		case b >= 0xd4 && b <= 0xd8: // fixext 1..16: type, data
			skip = 1 + 1<<(b-0xd4)
		case b == 0xdc: // array16
			count, rest, err = readLen(rest, 2)
		case b == 0xdd: // array32
			count, rest, err = readLen(rest, 4)
		case b == 0xde: // map16
			count, rest, err = readLen(rest, 2)
			count *= 2
		case b == 0xdf: // map32
			count, rest, err = readLen(rest, 4)
			count *= 2
		default: // 0xc1 is never used
			return fmt.Errorf("%w: byte 0x%02x at offset %d", errBadMsgpack, b, len(body)-len(rest)-1)
		}
		if err != nil {
			return err
		}
		if skip > uint64(len(rest)) {
			return fmt.Errorf("%w: %d bytes declared, %d left", errBadMsgpack, skip, len(rest))
		}
		rest = rest[skip:]
		if count > uint64(len(rest)) {
			return fmt.Errorf("%w: %d values declared, %d bytes left", errBadMsgpack, count, len(rest))
		}
		pending += int(count)
	}
	if len(rest) != 0 {
		return errTrailingBytes
	}
	return nil
}

// readLen reads an n-byte big-endian length from the front of b.
func readLen(b []byte, n int) (uint64, []byte, error) {
	if len(b) < n {
		return 0, nil, fmt.Errorf("%w: truncated length", errBadMsgpack)
	}
	var v uint64
	for _, c := range b[:n] {
		v = v<<8 | uint64(c)
	}
	return v, b[n:], nil
}
