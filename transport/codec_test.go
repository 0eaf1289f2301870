package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"raftplay/raft"
)

// sampleMessages returns one message of every remote type with every field
// its wire struct carries set to a non-zero value.
func sampleMessages(from, to uint64) []raft.Message {
	ents := []raft.Entry{
		{Index: 5, Term: 2, Type: raft.EntryNoop},
		{Index: 6, Term: 3, Type: raft.EntryNormal, Data: []byte("put k v")},
	}
	return []raft.Message{
		{Type: raft.MsgApp, Term: 3, LogTerm: 2, Index: 4, Commit: 4, Entries: ents},
		{Type: raft.MsgAppResp, Term: 3, Index: 4, Reject: true, RejectHint: 2, LogTerm: 1, Why: raft.WhyLogMismatch},
		{Type: raft.MsgVote, Term: 4, LogTerm: 3, Index: 6, Context: []byte("transfer")},
		{Type: raft.MsgVoteResp, Term: 4, Reject: true, Why: raft.WhyLogBehind},
		{Type: raft.MsgPreVote, Term: 5, LogTerm: 3, Index: 6},
		{Type: raft.MsgPreVoteResp, Term: 5, Reject: true},
		{Type: raft.MsgHeartbeat, Term: 3, Commit: 6, Context: []byte{1, 2}},
		{Type: raft.MsgHeartbeatResp, Term: 3, Context: []byte{1, 2}},
		{Type: raft.MsgSnap, Term: 3, Snapshot: &raft.Snapshot{Meta: raft.SnapshotMeta{Index: 9, Term: 3, Conf: raft.Membership{Voters: []uint64{1, 2, 5}, Learners: []uint64{4}}}, Data: []byte("state")}},
		{Type: raft.MsgSnapResp, Term: 3, Index: 9, Reject: true},
		{Type: raft.MsgTimeoutNow, Term: 3},
		{Type: raft.MsgReadIndex, Term: 3, Context: []byte("r1")},
		{Type: raft.MsgReadIndexResp, Term: 3, Index: 6, Context: []byte("r1")},
	}
}

func frameBytes(t testing.TB, m raft.Message) []byte {
	t.Helper()
	hdr, body, err := newFrameEncoder().encode(&m)
	if err != nil {
		t.Fatalf("encode %v: %v", m.Type, err)
	}
	return append(hdr[:], body...)
}

func TestCodecRoundTripEveryType(t *testing.T) {
	seen := map[raft.MessageType]bool{}
	enc := newFrameEncoder()
	for _, m := range sampleMessages(0, 0) {
		seen[m.Type] = true
		if !fits(&m) {
			t.Fatalf("%v: sample does not fit its wire struct", m.Type)
		}
		hdr, body, err := enc.encode(&m)
		if err != nil {
			t.Fatalf("encode %v: %v", m.Type, err)
		}
		frame := append(hdr[:], body...)
		got, n, err := decodeFrame(frame, DefaultMaxFrameBytes)
		if err != nil {
			t.Fatalf("decode %v: %v", m.Type, err)
		}
		if n != len(frame) {
			t.Errorf("%v: used %d of %d bytes", m.Type, n, len(frame))
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%v: round trip\n got %+v\nwant %+v", m.Type, got, m)
		}
	}
	for mt := raft.MsgHup; mt.Valid(); mt++ {
		if !mt.IsLocal() && !seen[mt] {
			t.Errorf("no round-trip sample for %v", mt)
		}
	}
}

func TestCodecDecodedMessageDoesNotAliasFrame(t *testing.T) {
	frame := frameBytes(t, sampleMessages(0, 0)[0]) // MsgApp with entry data
	got, _, err := decodeFrame(frame, DefaultMaxFrameBytes)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frame {
		frame[i] = 0xff
	}
	if string(got.Entries[1].Data) != "put k v" {
		t.Fatalf("decoded entry data changed with the frame buffer: %q", got.Entries[1].Data)
	}
}

func TestFitsRefusesFieldsTheWireCannotCarry(t *testing.T) {
	for _, m := range []raft.Message{
		{Type: raft.MsgVoteResp, Term: 1, Index: 3},
		{Type: raft.MsgHeartbeat, Term: 1, Entries: []raft.Entry{{Index: 1}}},
		{Type: raft.MsgTimeoutNow, Term: 1, Commit: 2},
		{Type: raft.MsgHup},
		{Type: raft.MessageType(200)},
	} {
		if fits(&m) {
			t.Errorf("fits(%+v) = true, want false", m)
		}
	}
}

func TestParseHeaderLimits(t *testing.T) {
	hdr := []byte{byte(frameApp), 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[1:], 1025)
	if _, _, err := parseHeader(hdr, 1024); !errors.Is(err, errFrameTooLarge) {
		t.Errorf("oversize: err = %v, want errFrameTooLarge", err)
	}
	binary.BigEndian.PutUint32(hdr[1:], 1024)
	if _, n, err := parseHeader(hdr, 1024); err != nil || n != 1024 {
		t.Errorf("at limit: n, err = %d, %v", n, err)
	}
	for _, ft := range []byte{0, byte(raft.MsgHup), byte(raft.MsgProp), 17, 65, 255} {
		hdr[0] = ft
		if _, _, err := parseHeader(hdr, 1024); !errors.Is(err, errUnknownFrame) {
			t.Errorf("type %d: err = %v, want errUnknownFrame", ft, err)
		}
	}
}

func TestDecodeFrameRejectsBadInput(t *testing.T) {
	good := frameBytes(t, sampleMessages(0, 0)[0])
	cases := map[string][]byte{
		"empty":         nil,
		"short header":  good[:3],
		"half body":     good[:len(good)-2],
		"garbage body":  append([]byte{byte(frameApp), 0, 0, 0, 3}, 0xc1, 0xc1, 0xc1),
		"trailing byte": append(binary.BigEndian.AppendUint32([]byte{byte(frameApp)}, uint32(len(good)-4)), append(good[5:], 0)...),
		"huge length":   {byte(frameApp), 0xff, 0xff, 0xff, 0xff},
		"wrong struct":  append([]byte{byte(frameApp), 0, 0, 0, 1}, 0x05),
	}
	for name, frame := range cases {
		if _, _, err := decodeFrame(frame, DefaultMaxFrameBytes); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func FuzzDecodeFrame(f *testing.F) {
	for _, m := range sampleMessages(0, 0) {
		frame := frameBytes(f, m)
		f.Add(frame)
		f.Add(frame[:len(frame)/2])
	}
	f.Add([]byte{})
	f.Add([]byte{byte(frameApp), 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add(append([]byte{byte(frameApp), 0, 0, 0, 6}, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x00))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, n, err := decodeFrame(data, 1<<16)
		if err != nil {
			return
		}
		if n < frameHeaderLen || n > len(data) {
			t.Fatalf("used %d bytes of %d", n, len(data))
		}
		// A frame that decodes re-encodes to a frame that decodes to the same message.
		if !fits(&m) {
			t.Fatalf("decoded message does not fit its wire struct: %+v", m)
		}
		again, _, err := decodeFrame(frameBytes(t, m), 1<<20)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !equalMessages(m, again) {
			t.Fatalf("re-encode changed the message:\n%+v\n%+v", m, again)
		}
	})
}

// equalMessages compares messages treating nil and empty byte slices alike.
func equalMessages(a, b raft.Message) bool {
	norm := func(m raft.Message) raft.Message {
		if len(m.Context) == 0 {
			m.Context = nil
		}
		if len(m.Entries) == 0 {
			m.Entries = nil
		}
		for i := range m.Entries {
			if len(m.Entries[i].Data) == 0 {
				m.Entries[i].Data = nil
			}
		}
		if m.Snapshot != nil && len(m.Snapshot.Data) == 0 {
			s := *m.Snapshot
			s.Data = nil
			m.Snapshot = &s
		}
		return m
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func BenchmarkEncodeHeartbeat(b *testing.B) {
	enc := newFrameEncoder()
	m := hb(1, 2, 7)
	m.Commit = 100
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := enc.encode(&m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeHeartbeat(b *testing.B) {
	m := hb(1, 2, 7)
	m.Commit = 100
	frame := frameBytes(b, m)
	dec := newFrameDecoder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.decode(frameType(frame[0]), frame[frameHeaderLen:]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCheckLengthsRefusesLyingLengths(t *testing.T) {
	for name, body := range map[string][]byte{
		"bin32 4 GiB":      {0xc6, 0xff, 0xff, 0xff, 0xff, 1, 2},
		"str16 too long":   {0xda, 0x00, 0x10, 'a'},
		"array32 huge":     {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01},
		"map16 too many":   {0xde, 0x00, 0x02, 0x01, 0x01},
		"fixarray short":   {0x93, 0x01, 0x02},
		"truncated uint64": {0xcf, 0, 0, 0},
		"never used byte":  {0xc1},
		"two values":       {0x01, 0x02},
		"empty":            {},
		"truncated length": {0xc5, 0x01},
	} {
		if err := checkLengths(body); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, m := range sampleMessages(0, 0) {
		frame := frameBytes(t, m)
		if err := checkLengths(frame[frameHeaderLen:]); err != nil {
			t.Errorf("%v: valid body refused: %v", m.Type, err)
		}
	}
}

func TestCodecLargeSnapshotRoundTrip(t *testing.T) {
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	m := raft.Message{Type: raft.MsgSnap, Term: 4, Snapshot: &raft.Snapshot{Meta: raft.SnapshotMeta{Index: 100, Term: 4}, Data: data}}
	got, _, err := decodeFrame(frameBytes(t, m), DefaultMaxFrameBytes)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatal("large snapshot changed in transit")
	}
}

func BenchmarkDecodeAppend64K(b *testing.B) {
	ents := make([]raft.Entry, 16)
	for i := range ents {
		ents[i] = raft.Entry{Index: uint64(i + 1), Term: 3, Data: make([]byte, 4096)}
	}
	frame := frameBytes(b, raft.Message{Type: raft.MsgApp, Term: 3, Entries: ents})
	dec := newFrameDecoder()
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.decode(frameType(frame[0]), frame[frameHeaderLen:]); err != nil {
			b.Fatal(err)
		}
	}
}

// A connection reads appends of one entry of 1 MiB (the largest value a
// client may write) into the buffer it kept from the last one, allocating
// nothing. It dropped every buffer over 1 MiB, so each such frame was read
// into two fresh ones (1 MiB, then grown to fit the rest): a fifth of the
// CPU of a run of 64 clients writing 1 MiB values.
func TestBodyBufferKeptForAppendsOfOneMiB(t *testing.T) {
	n := 1<<20 + 200 // the value, its key and the framing
	frame := make([]byte, n)
	r := bytes.NewReader(frame)
	buf, err := readBody(r, nil, n)
	if err != nil {
		t.Fatal(err)
	}
	if buf = keepBuffer(buf); buf == nil {
		t.Fatalf("the buffer of a frame of %d bytes was dropped", n)
	}
	allocs := testing.AllocsPerRun(10, func() {
		r.Reset(frame)
		b, err := readBody(r, buf, n)
		if err != nil {
			t.Fatal(err)
		}
		buf = keepBuffer(b)
	})
	if allocs > 0 {
		t.Fatalf("reading a frame of %d bytes into the kept buffer allocated %.0f times", n, allocs)
	}
}
