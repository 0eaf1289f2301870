package transport

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"raftplay/raft"
)

// fastTypes are the frame types fastcodec.go encodes and decodes.
var fastTypes = []frameType{frameApp, frameAppResp, frameHeartbeat, frameHeartbeatResp}

// edgeUints are the integers at the boundaries of msgpack's forms.
var edgeUints = []uint64{0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000, 1<<64 - 1}

func randUint(rng *rand.Rand) uint64 {
	if rng.IntN(2) == 0 {
		return edgeUints[rng.IntN(len(edgeUints))]
	}
	return rng.Uint64() >> rng.IntN(64)
}

func randBytes(rng *rand.Rand) []byte {
	switch rng.IntN(6) {
	case 0:
		return nil
	case 1:
		return []byte{}
	case 2:
		return bytes.Repeat([]byte{byte(rng.IntN(256))}, []int{255, 256, 0xffff, 0x10000}[rng.IntN(4)])
	}
	p := make([]byte, rng.IntN(200))
	for i := range p {
		p[i] = byte(rng.IntN(256))
	}
	return p
}

// randFastMessage returns a message of type ft with random values in
// every field its wire struct carries.
func randFastMessage(rng *rand.Rand, ft frameType) raft.Message {
	m := raft.Message{Type: raft.MessageType(ft), Term: randUint(rng)}
	switch ft {
	case frameApp:
		m.LogTerm, m.Index, m.Commit = randUint(rng), randUint(rng), randUint(rng)
		switch rng.IntN(5) {
		case 0: // nil
		case 1:
			m.Entries = []raft.Entry{}
		default:
			m.Entries = make([]raft.Entry, []int{1, 15, 16, 40}[rng.IntN(4)])
			for k := range m.Entries {
				m.Entries[k] = raft.Entry{Index: randUint(rng), Term: randUint(rng), Type: raft.EntryType(rng.IntN(256)), Data: randBytes(rng)}
			}
		}
	case frameAppResp:
		m.Index, m.RejectHint, m.LogTerm = randUint(rng), randUint(rng), randUint(rng)
		m.Reject, m.Why = rng.IntN(2) == 0, raft.Why(rng.IntN(256))
	case frameHeartbeat, frameHeartbeatResp:
		m.Commit, m.Context = randUint(rng), randBytes(rng)
	}
	return m
}

// TestFastCodecMatchesReflective encodes random messages with the hand
// written codec and with the msgpack handle: the bytes must be the same,
// and each decoder must give back the message from the other's bytes.
func TestFastCodecMatchesReflective(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	enc := newFrameEncoder()
	dec := newFrameDecoder()
	for i := 0; i < 3000; i++ {
		ft := fastTypes[i%len(fastTypes)]
		m := randFastMessage(rng, ft)
		if !fits(&m) {
			t.Fatalf("sample does not fit: %+v", m)
		}
		fastHdr, fastBody, err := enc.encode(&m)
		if err != nil {
			t.Fatal(err)
		}
		fast := append(fastHdr[:], fastBody...)
		reflHdr, reflBody, err := enc.encodeReflect(ft, &m)
		if err != nil {
			t.Fatal(err)
		}
		refl := append(reflHdr[:], reflBody...)
		if !bytes.Equal(fast, refl) {
			t.Fatalf("%v: encodings differ:\nfast    % x\nreflect % x", m.Type, fast, refl)
		}
		body := refl[frameHeaderLen:]
		got, ok := decodeFast(ft, body)
		if !ok {
			t.Fatalf("%v: the fast decoder refused the reflective encoding % x", m.Type, body)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%v: fast decode of the reflective bytes:\n got %+v\nwant %+v", m.Type, got, m)
		}
		back, err := dec.decodeReflect(ft, fast[frameHeaderLen:])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("%v: reflective decode of the fast bytes:\n got %+v\nwant %+v", m.Type, back, m)
		}
	}
}

// TestFastDecodeOwnsData checks that decoded entries and contexts do not
// alias the frame body (the reader reuses it).
func TestFastDecodeOwnsData(t *testing.T) {
	for _, m := range []raft.Message{
		{Type: raft.MsgApp, Term: 2, Entries: []raft.Entry{{Index: 1, Term: 2, Data: []byte("abc")}, {Index: 2, Term: 2, Data: []byte{}}, {Index: 3, Term: 2, Data: []byte("de")}}},
		{Type: raft.MsgHeartbeat, Term: 2, Context: []byte("ctx")},
	} {
		_, body, err := newFrameEncoder().encode(&m)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.Clone(body)
		got, ok := decodeFast(frameType(m.Type), body)
		if !ok {
			t.Fatalf("%v: refused", m.Type)
		}
		for i := range body {
			body[i] = 0xee
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%v: decoded message changed with the body:\n got %+v\nwant %+v", m.Type, got, m)
		}
	}
}

// FuzzFastDecode feeds arbitrary bodies of the fast frame types to the
// decoder (fast path with its fallback) and to the reflective decoder
// alone: both must accept and reject the same bodies and give equal
// messages, which must not alias the body.
func FuzzFastDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i, ft := range fastTypes {
		m := randFastMessage(rng, ft)
		_, body, _ := newFrameEncoder().encode(&m)
		if len(body) > 4096 {
			continue
		}
		f.Add(uint8(i), bytes.Clone(body))
		f.Add(uint8(i), bytes.Clone(body[:len(body)/2]))
	}
	for _, m := range sampleMessages(0, 0) {
		if ft := frameType(m.Type); hasFastCodec(ft) {
			_, body, _ := newFrameEncoder().encode(&m)
			for i, t := range fastTypes {
				if t == ft {
					f.Add(uint8(i), bytes.Clone(body))
				}
			}
		}
	}
	// Shapes the fast path leaves to the reflective decoder.
	f.Add(uint8(0), []byte{0x81, 0xa1, 0x63, 0xd0, 0x05})                               // int8 value
	f.Add(uint8(0), []byte{0x82, 0xa1, 0x63, 0x01, 0xa1, 0x63, 0x02})                   // repeated key
	f.Add(uint8(0), []byte{0x81, 0xa1, 0x65, 0x90})                                     // empty entries
	f.Add(uint8(0), []byte{0x81, 0xa1, 0x7a, 0x01})                                     // unknown key
	f.Add(uint8(2), []byte{0x81, 0xa1, 0x78, 0xa2, 0x61, 0x62})                         // context as str
	f.Add(uint8(0), []byte{0x81, 0xa1, 0x65, 0x91, 0x81, 0xa1, 0x79, 0xcd, 0x01, 0x00}) // entry type > 255
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ft := fastTypes[int(which)%len(fastTypes)]
		body = bytes.Clone(body)
		got, err := newFrameDecoder().decode(ft, body)
		want, werr := newFrameDecoder().decodeReflect(ft, body)
		if (err == nil) != (werr == nil) {
			t.Fatalf("decode: %v; reflective: %v", err, werr)
		}
		if err != nil {
			if err.Error() != werr.Error() {
				t.Fatalf("errors differ: %v; reflective: %v", err, werr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded differently:\nfast    %+v\nreflect %+v", got, want)
		}
		for i := range body {
			body[i] ^= 0xff
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("the decoded message aliases the body")
		}
	})
}

// BenchmarkCodec compares the hand-written codec with the msgpack handle on
// a MsgApp of 64 entries of 128 bytes and on a MsgAppResp.
func BenchmarkCodec(b *testing.B) {
	ents := make([]raft.Entry, 64)
	for i := range ents {
		ents[i] = raft.Entry{Index: 1000 + uint64(i), Term: 7, Data: bytes.Repeat([]byte{'v'}, 128)}
	}
	msgs := []raft.Message{
		{Type: raft.MsgApp, Term: 7, LogTerm: 7, Index: 999, Commit: 990, Entries: ents},
		{Type: raft.MsgAppResp, Term: 7, Index: 1063},
	}
	for _, m := range msgs {
		ft := frameType(m.Type)
		_, body, _ := newFrameEncoder().encode(&m)
		body = bytes.Clone(body)
		b.Run(m.Type.String()+"/encode/fast", func(b *testing.B) {
			enc := newFrameEncoder()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				enc.encode(&m)
			}
		})
		b.Run(m.Type.String()+"/encode/reflect", func(b *testing.B) {
			enc := newFrameEncoder()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				enc.encodeReflect(ft, &m)
			}
		})
		b.Run(m.Type.String()+"/decode/fast", func(b *testing.B) {
			dec := newFrameDecoder()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := dec.decode(ft, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(m.Type.String()+"/decode/reflect", func(b *testing.B) {
			dec := newFrameDecoder()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := dec.decodeReflect(ft, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDecodedLargeDataIsItsOwn checks OwnDataBytes' promise on the fast
// decoder: data that large is not in the block the frame's smaller entries
// share. (The reflective decoder allocates every bin on its own.)
func TestDecodedLargeDataIsItsOwn(t *testing.T) {
	m := raft.Message{Type: raft.MsgApp, Term: 2, Entries: []raft.Entry{
		{Index: 1, Term: 2, Data: bytes.Repeat([]byte{'a'}, 10)},
		{Index: 2, Term: 2, Data: bytes.Repeat([]byte{'b'}, OwnDataBytes)},
		{Index: 3, Term: 2, Data: bytes.Repeat([]byte{'c'}, OwnDataBytes-1)},
	}}
	_, body, err := newFrameEncoder().encode(&m)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := decodeFast(frameApp, bytes.Clone(body))
	if !ok {
		t.Fatal("the fast decoder refused the frame")
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("decoded %+v", got)
	}
	addr := func(p []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(p))) }
	small, large, small2 := got.Entries[0].Data, got.Entries[1].Data, got.Entries[2].Data
	if a := addr(large); a >= addr(small) && a < addr(small2)+uintptr(len(small2)) {
		t.Error("the large entry's data lies in the block the smaller entries share")
	} else if addr(small2) != addr(small)+uintptr(len(small)) {
		t.Error("the smaller entries do not share a block")
	}
}
