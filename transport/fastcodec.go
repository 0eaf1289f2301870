package transport

import (
	"bytes"
	"encoding/binary"

	"raftplay/raft"
)

// This file encodes and decodes the frames that carry nearly all of the
// traffic (MsgApp, MsgAppResp, MsgHeartbeat, MsgHeartbeatResp) by hand,
// without reflection, in exactly the bytes the msgpack handle of codec.go
// writes for their wire structs (wire.go): a msgpack map of every field,
// keys (the codec tags) in sorted order as fixstr, unsigned integers in
// their shortest form, booleans, byte slices as bin (nil as nil), entries
// as an array of maps (nil as nil). The wire format does not change.
//
// The decoder takes its fast path only for bodies in that shape (keys in
// any order, each at most once, no unknown key, values of the expected
// msgpack types, nothing left over) and hands anything else to the
// reflective decoder, so both accept and reject the same frames and
// decode them alike. fastcodec_test.go checks both directions, and the
// fuzz target compares them on arbitrary bodies.

// hasFastCodec reports whether frames of type ft are encoded and decoded here.
func hasFastCodec(ft frameType) bool {
	switch ft {
	case frameApp, frameAppResp, frameHeartbeat, frameHeartbeatResp:
		return true
	}
	return false
}

// OwnDataBytes is the size from which an entry's data is large, as the
// codec sees it. Sending, it is left out of the encoded body and written
// from where it lies (a splice): a large value is not copied once more per
// peer; below it, copying is cheaper than the extra write a splice can
// cost. Receiving, it is decoded into an allocation of its own, not the
// block the frame's smaller entries share: a state machine may keep it
// without pinning the rest.
const OwnDataBytes = 64 << 10

// A splice is data of at least OwnDataBytes that belongs at offset at of an
// encoded body, which leaves it out.
type splice struct {
	at   int
	data []byte
}

// appendFast appends the body of m's frame (of type ft, hasFastCodec) to b,
// and to splices the entry data it leaves out of b.
func appendFast(b []byte, ft frameType, m *raft.Message, splices *[]splice) []byte {
	switch ft {
	case frameApp: // appWire: c, e, i, lt, t
		b = append(b, 0x80|5)
		b = appendUintField(b, "c", m.Commit)
		b = appendKey(b, "e")
		if m.Entries == nil {
			b = append(b, 0xc0)
		} else {
			b = appendArrayHeader(b, len(m.Entries))
			for k := range m.Entries {
				e := &m.Entries[k]
				b = append(b, 0x80|4) // raft.Entry: d, i, t, y
				b = appendKey(b, "d")
				if len(e.Data) >= OwnDataBytes {
					b = appendBinHeader(b, len(e.Data))
					*splices = append(*splices, splice{at: len(b), data: e.Data})
				} else {
					b = appendBin(b, e.Data)
				}
				b = appendUintField(b, "i", e.Index)
				b = appendUintField(b, "t", e.Term)
				b = appendUintField(b, "y", uint64(e.Type))
			}
		}
		b = appendUintField(b, "i", m.Index)
		b = appendUintField(b, "lt", m.LogTerm)
		b = appendUintField(b, "t", m.Term)
	case frameAppResp: // appRespWire: h, i, lt, r, t, w
		b = append(b, 0x80|6)
		b = appendUintField(b, "h", m.RejectHint)
		b = appendUintField(b, "i", m.Index)
		b = appendUintField(b, "lt", m.LogTerm)
		b = appendKey(b, "r")
		b = appendBool(b, m.Reject)
		b = appendUintField(b, "t", m.Term)
		b = appendUintField(b, "w", uint64(m.Why))
	case frameHeartbeat, frameHeartbeatResp: // heartbeatWire: c, t, x
		b = append(b, 0x80|3)
		b = appendUintField(b, "c", m.Commit)
		b = appendUintField(b, "t", m.Term)
		b = appendKey(b, "x")
		b = appendBin(b, m.Context)
	}
	return b
}

func appendKey(b []byte, k string) []byte {
	b = append(b, 0xa0|byte(len(k))) // fixstr: every key is short
	return append(b, k...)
}

func appendUintField(b []byte, k string, v uint64) []byte {
	return appendUint(appendKey(b, k), v)
}

func appendUint(b []byte, v uint64) []byte {
	switch {
	case v <= 0x7f:
		return append(b, byte(v))
	case v <= 0xff:
		return append(b, 0xcc, byte(v))
	case v <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(v))
	case v <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), v)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

func appendBin(b []byte, p []byte) []byte {
	if p == nil {
		return append(b, 0xc0)
	}
	return append(appendBinHeader(b, len(p)), p...)
}

// appendBinHeader appends the head of a bin of n bytes, which follow it.
func appendBinHeader(b []byte, n int) []byte {
	switch {
	case n <= 0xff:
		return append(b, 0xc4, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
}

func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, 0x90|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

// fastReader reads msgpack values from the front of b. Any value not in
// the expected form sets bad; the caller then gives up its fast path.
type fastReader struct {
	b   []byte
	bad bool
}

func (r *fastReader) fail() { r.bad = true }

func (r *fastReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// take returns the next n bytes.
func (r *fastReader) take(n int) []byte {
	if n > len(r.b) {
		r.fail()
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *fastReader) uintN(n int) uint64 {
	var v uint64
	for _, c := range r.take(n) {
		v = v<<8 | uint64(c)
	}
	return v
}

// mapLen reads a map header (fixmap or map16).
func (r *fastReader) mapLen() int {
	c := r.byte()
	switch {
	case c&0xf0 == 0x80:
		return int(c & 0x0f)
	case c == 0xde:
		return int(r.uintN(2))
	}
	r.fail()
	return 0
}

// key reads a fixstr map key (the caller compares string(key) with
// constants, which does not allocate).
func (r *fastReader) key() []byte {
	c := r.byte()
	if c&0xe0 != 0xa0 {
		r.fail()
		return nil
	}
	return r.take(int(c & 0x1f))
}

// uint reads an unsigned integer (positive fixint or uint8..uint64).
func (r *fastReader) uint() uint64 {
	c := r.byte()
	switch {
	case c <= 0x7f:
		return uint64(c)
	case c >= 0xcc && c <= 0xcf:
		return r.uintN(1 << (c - 0xcc))
	}
	r.fail()
	return 0
}

// uint8 reads an unsigned integer that must fit a uint8.
func (r *fastReader) uint8() uint8 {
	v := r.uint()
	if v > 0xff {
		r.fail()
	}
	return uint8(v)
}

func (r *fastReader) bool() bool {
	switch r.byte() {
	case 0xc2:
		return false
	case 0xc3:
		return true
	}
	r.fail()
	return false
}

// bin reads nil or a bin value; the result aliases the input (isNil
// tells nil from empty).
func (r *fastReader) bin() (p []byte, isNil bool) {
	c := r.byte()
	switch c {
	case 0xc0:
		return nil, true
	case 0xc4:
		return r.take(int(r.uintN(1))), false
	case 0xc5:
		return r.take(int(r.uintN(2))), false
	case 0xc6:
		return r.take(int(r.uintN(4))), false
	}
	r.fail()
	return nil, false
}

// ownBin is bin copied out of the input: nil, empty, or a new slice.
func (r *fastReader) ownBin() []byte {
	p, isNil := r.bin()
	if isNil || r.bad {
		return nil
	}
	return append([]byte{}, p...)
}

// decodeFast decodes body as a frame of type ft (hasFastCodec), and
// reports false if body is not in the shape the fast path takes (the
// reflective decoder then decides). The message never aliases body.
func decodeFast(ft frameType, body []byte) (raft.Message, bool) {
	m := raft.Message{Type: raft.MessageType(ft)}
	r := fastReader{b: body}
	n := r.mapLen()
	var seen uint8 // a bit per key: a repeated key goes to the slow path
	for i := 0; i < n && !r.bad; i++ {
		k := r.key()
		if r.bad {
			break
		}
		var bit uint8
		switch ft {
		case frameApp:
			switch string(k) {
			case "c":
				bit, m.Commit = 1, r.uint()
			case "e":
				bit, m.Entries = 2, r.entries()
			case "i":
				bit, m.Index = 4, r.uint()
			case "lt":
				bit, m.LogTerm = 8, r.uint()
			case "t":
				bit, m.Term = 16, r.uint()
			default:
				r.fail()
			}
		case frameAppResp:
			switch string(k) {
			case "h":
				bit, m.RejectHint = 1, r.uint()
			case "i":
				bit, m.Index = 2, r.uint()
			case "lt":
				bit, m.LogTerm = 4, r.uint()
			case "r":
				bit, m.Reject = 8, r.bool()
			case "t":
				bit, m.Term = 16, r.uint()
			case "w":
				bit, m.Why = 32, raft.Why(r.uint8())
			default:
				r.fail()
			}
		case frameHeartbeat, frameHeartbeatResp:
			switch string(k) {
			case "c":
				bit, m.Commit = 1, r.uint()
			case "t":
				bit, m.Term = 2, r.uint()
			case "x":
				bit, m.Context = 4, r.ownBin()
			default:
				r.fail()
			}
		default:
			r.fail()
		}
		if seen&bit != 0 {
			r.fail()
		}
		seen |= bit
	}
	if r.bad || len(r.b) != 0 {
		return raft.Message{}, false
	}
	return m, true
}

// entries reads nil or an array of raft.Entry maps. The entries' data is
// copied into one new block that they share, but for data of OwnDataBytes
// or more, copied each into its own.
func (r *fastReader) entries() []raft.Entry {
	c := r.byte()
	var n int
	switch {
	case c == 0xc0:
		return nil
	case c&0xf0 == 0x90:
		n = int(c & 0x0f)
	case c == 0xdc:
		n = int(r.uintN(2))
	case c == 0xdd:
		n = int(r.uintN(4))
	default:
		r.fail()
		return nil
	}
	if r.bad || n > len(r.b) { // each entry takes at least one byte
		r.fail()
		return nil
	}
	ents := make([]raft.Entry, n)
	total := 0
	for k := range ents {
		e := &ents[k]
		fields := r.mapLen()
		var seen uint8
		for i := 0; i < fields && !r.bad; i++ {
			key := r.key()
			if r.bad {
				break
			}
			var bit uint8
			switch string(key) {
			case "d":
				bit = 1
				d, isNil := r.bin()
				switch {
				case isNil:
					e.Data = nil
				case len(d) == 0:
					e.Data = []byte{} // empty, not nil, as the reflective decoder gives
				default:
					e.Data = d
					if len(d) < OwnDataBytes {
						total += len(d)
					}
				}
			case "i":
				bit = 2
				e.Index = r.uint()
			case "t":
				bit = 4
				e.Term = r.uint()
			case "y":
				bit = 8
				e.Type = raft.EntryType(r.uint8())
			default:
				r.fail()
			}
			if seen&bit != 0 {
				r.fail()
			}
			seen |= bit
		}
		if r.bad {
			return nil
		}
	}
	// The data still aliases the frame body: move it to a block of its own,
	// and large data each to its own.
	block := make([]byte, 0, total)
	for k := range ents {
		if d := ents[k].Data; len(d) >= OwnDataBytes {
			ents[k].Data = bytes.Clone(d)
		} else if len(d) > 0 {
			off := len(block)
			block = append(block, d...)
			ents[k].Data = block[off:len(block):len(block)]
		}
	}
	return ents
}
