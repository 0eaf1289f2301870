package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"raftplay/raft"
)

// RecordType says what a log record carries.
type RecordType uint8

const (
	// RecordEntry carries one raft.Entry.
	RecordEntry RecordType = 1
	// RecordHardState carries a raft.HardState.
	RecordHardState RecordType = 2
	// RecordSnapshot carries the raft.SnapshotMeta of a saved snapshot.
	RecordSnapshot RecordType = 3
)

// String returns "entry", "hardstate", "snapshot" or "type(N)".
func (t RecordType) String() string {
	switch t {
	case RecordEntry:
		return "entry"
	case RecordHardState:
		return "hardstate"
	case RecordSnapshot:
		return "snapshot"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

const (
	frameHeaderSize  = 12 // length u32, type u8, 3 reserved zero bytes, crc u32
	entryFixedSize   = 17 // index u64, term u64, entry type u8
	hardStatePayload = 24 // term, vote, commit
	snapshotPayload  = 17 // index, term, flags
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame decoding failures. Recovery tells a torn tail from corruption by
// these kinds (see classifyTorn).
var (
	errTruncated = errors.New("record runs past end of file")
	errZeroFrame = errors.New("zeroed record header")
	errBadFrame  = errors.New("invalid record header")
	errTooLarge  = errors.New("record length exceeds limit")
	errCRC       = errors.New("record checksum mismatch")
	errPayload   = errors.New("invalid record payload")
)

// frame is one decoded record: its type, its payload (aliasing the input)
// and its stored CRC, which seeds the next record's checksum.
type frame struct {
	typ     RecordType
	payload []byte
	crc     uint32
	size    int // header + payload bytes
}

// recordCRC computes the chained checksum of a record: CRC-32C over the
// first 8 header bytes and the payload, starting from prev.
func recordCRC(prev uint32, hdr8, payload []byte) uint32 {
	c := crc32.Update(prev, castagnoli, hdr8)
	return crc32.Update(c, castagnoli, payload)
}

// beginRecord appends a zeroed frame header to buf and returns the offset
// where it starts; the payload is appended after it and finishRecord seals it.
func beginRecord(buf []byte) ([]byte, int) {
	start := len(buf)
	return append(buf, make([]byte, frameHeaderSize)...), start
}

// finishRecord fills in the frame header of the record starting at start and
// returns its CRC.
func finishRecord(buf []byte, start int, typ RecordType, prev uint32) uint32 {
	payload := buf[start+frameHeaderSize:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(payload)))
	buf[start+4] = byte(typ)
	c := recordCRC(prev, buf[start:start+8], payload)
	binary.LittleEndian.PutUint32(buf[start+8:], c)
	return c
}

// appendEntry appends one entry record to buf.
func appendEntry(buf []byte, prev uint32, e *raft.Entry) ([]byte, uint32) {
	buf, start := beginRecord(buf)
	buf = binary.LittleEndian.AppendUint64(buf, e.Index)
	buf = binary.LittleEndian.AppendUint64(buf, e.Term)
	buf = append(buf, byte(e.Type))
	buf = append(buf, e.Data...)
	return buf, finishRecord(buf, start, RecordEntry, prev)
}

// appendHardState appends one hard state record to buf.
func appendHardState(buf []byte, prev uint32, hs raft.HardState) ([]byte, uint32) {
	buf, start := beginRecord(buf)
	buf = binary.LittleEndian.AppendUint64(buf, hs.Term)
	buf = binary.LittleEndian.AppendUint64(buf, hs.Vote)
	buf = binary.LittleEndian.AppendUint64(buf, hs.Commit)
	return buf, finishRecord(buf, start, RecordHardState, prev)
}

// snapshotReset is the flag of a snapshot record that emptied the log.
const snapshotReset = 1

// appendSnapshotMeta appends one snapshot record to buf. reset says the
// snapshot emptied the log (the log did not hold its last entry).
func appendSnapshotMeta(buf []byte, prev uint32, m raft.SnapshotMeta, reset bool) ([]byte, uint32) {
	buf, start := beginRecord(buf)
	buf = binary.LittleEndian.AppendUint64(buf, m.Index)
	buf = binary.LittleEndian.AppendUint64(buf, m.Term)
	flags := byte(0)
	if reset {
		flags = snapshotReset
	}
	buf = append(buf, flags)
	return buf, finishRecord(buf, start, RecordSnapshot, prev)
}

// frameHeader reads a record header's type and length; ok is false when
// its type is unknown or its reserved bytes are not zero.
func frameHeader(hdr []byte) (typ RecordType, n uint32, ok bool) {
	typ = RecordType(hdr[4])
	ok = typ >= RecordEntry && typ <= RecordSnapshot && hdr[5] == 0 && hdr[6] == 0 && hdr[7] == 0
	return typ, binary.LittleEndian.Uint32(hdr), ok
}

// decodeFrame decodes the record at buf[off:], checking its header, its
// length against maxLen (before anything else looks at the payload) and its
// CRC chained from prev. It never allocates.
func decodeFrame(buf []byte, off int, prev uint32, maxLen int) (frame, error) {
	if off < 0 || off > len(buf) {
		return frame{}, errTruncated
	}
	rest := buf[off:]
	if len(rest) < frameHeaderSize {
		if allZero(rest) {
			return frame{}, errZeroFrame
		}
		return frame{}, errTruncated
	}
	hdr := rest[:frameHeaderSize]
	if allZero(hdr) {
		return frame{}, errZeroFrame
	}
	typ, n, ok := frameHeader(hdr)
	if !ok {
		return frame{}, errBadFrame
	}
	if uint64(n) > uint64(maxLen) {
		return frame{}, errTooLarge
	}
	if uint64(n) > uint64(len(rest)-frameHeaderSize) {
		return frame{}, errTruncated
	}
	payload := rest[frameHeaderSize : frameHeaderSize+int(n)]
	stored := binary.LittleEndian.Uint32(hdr[8:])
	if recordCRC(prev, hdr[:8], payload) != stored {
		return frame{}, errCRC
	}
	f := frame{typ: typ, payload: payload, crc: stored, size: frameHeaderSize + int(n)}
	if err := checkPayload(typ, len(payload)); err != nil {
		return f, err
	}
	if typ == RecordSnapshot {
		if err := checkSnapshotFlags(payload); err != nil {
			return f, err
		}
	}
	return f, nil
}

// checkPayload checks a payload's length for its record type.
func checkPayload(typ RecordType, n int) error {
	switch {
	case typ == RecordEntry && n < entryFixedSize,
		typ == RecordHardState && n != hardStatePayload,
		typ == RecordSnapshot && n != snapshotPayload:
		return fmt.Errorf("%w: %s record of %d bytes", errPayload, typ, n)
	}
	return nil
}

// checkSnapshotFlags checks a snapshot payload's flags byte.
func checkSnapshotFlags(p []byte) error {
	if p[16]&^snapshotReset != 0 {
		return fmt.Errorf("%w: unknown snapshot flags %#x", errPayload, p[16])
	}
	return nil
}

// entryOf decodes an entry payload; Data aliases p.
func entryOf(p []byte) raft.Entry {
	e := raft.Entry{
		Index: binary.LittleEndian.Uint64(p),
		Term:  binary.LittleEndian.Uint64(p[8:]),
		Type:  raft.EntryType(p[16]),
	}
	if len(p) > entryFixedSize {
		e.Data = p[entryFixedSize:len(p):len(p)]
	}
	return e
}

// hardStateOf decodes a hard state payload.
func hardStateOf(p []byte) raft.HardState {
	return raft.HardState{
		Term:   binary.LittleEndian.Uint64(p),
		Vote:   binary.LittleEndian.Uint64(p[8:]),
		Commit: binary.LittleEndian.Uint64(p[16:]),
	}
}

// snapshotMetaOf decodes a snapshot record payload and its reset flag.
func snapshotMetaOf(p []byte) (raft.SnapshotMeta, bool) {
	return raft.SnapshotMeta{
		Index: binary.LittleEndian.Uint64(p),
		Term:  binary.LittleEndian.Uint64(p[8:]),
	}, p[16]&snapshotReset != 0
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
