package wal

import (
	"bytes"
	"testing"

	"raftplay/raft"
)

// TestLargeEntryDataIsItsOwn checks Recovered.Entries' promise: an entry of
// OwnDataBytes or more does not share the buffer its segment was read into
// (a state machine keeps such values without copying them), and a smaller
// one is a piece of it.
func TestLargeEntryDataIsItsOwn(t *testing.T) {
	ents := []raft.Entry{
		{Index: 1, Term: 1, Data: bytes.Repeat([]byte{'a'}, 100)},
		{Index: 2, Term: 1, Data: bytes.Repeat([]byte{'b'}, OwnDataBytes)},
		{Index: 3, Term: 1, Data: bytes.Repeat([]byte{'c'}, OwnDataBytes-1)},
	}
	var seg []byte // the records one after the other, as Open reads a segment
	var crc uint32
	for i := range ents {
		seg, crc = appendEntry(seg, crc, &ents[i])
	}
	var r replay
	crc = 0
	for off := 0; off < len(seg); {
		f, err := decodeFrame(seg, off, crc, defaultMaxRecordBytes)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.record(f); err != nil {
			t.Fatal(err)
		}
		off, crc = off+f.size, f.crc
	}
	for i := range seg {
		seg[i] = 0xee
	}
	for i, e := range r.ents {
		own := len(e.Data) >= OwnDataBytes
		if kept := bytes.Equal(e.Data, ents[i].Data); kept != own {
			t.Errorf("entry %d of %d bytes: data unchanged when its segment's buffer was overwritten: %v, want %v", e.Index, len(e.Data), kept, own)
		}
	}
}
