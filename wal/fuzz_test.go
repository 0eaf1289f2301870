package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/raft"
)

// FuzzDecodeRecord decodes arbitrary bytes as a record: no panic, and a
// record that decodes re-encodes to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range recordSeeds() {
		f.Add(s.data, s.prev)
	}
	f.Fuzz(func(t *testing.T, data []byte, prev uint32) {
		fr, err := decodeFrame(data, 0, prev, 1<<16)
		if err != nil {
			if errors.Is(err, errPayload) || errors.Is(err, errCRC) || errors.Is(err, errTruncated) ||
				errors.Is(err, errZeroFrame) || errors.Is(err, errBadFrame) || errors.Is(err, errTooLarge) {
				return
			}
			t.Fatalf("unexpected error kind %v", err)
		}
		var again []byte
		var crc uint32
		switch fr.typ {
		case RecordEntry:
			e := entryOf(fr.payload)
			again, crc = appendEntry(nil, prev, &e)
		case RecordHardState:
			again, crc = appendHardState(nil, prev, hardStateOf(fr.payload))
		case RecordSnapshot:
			m, reset := snapshotMetaOf(fr.payload)
			again, crc = appendSnapshotMeta(nil, prev, m, reset)
		}
		if !bytes.Equal(again, data[:fr.size]) || crc != fr.crc {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, data[:fr.size])
		}
		// The inspector must cope with it inside a segment too.
		hdr, _ := appendHeader(nil, 0, 1)
		inspectSegment(segmentName(0, 1), append(hdr, data...))
	})
}

// FuzzOpen opens a directory holding up to two arbitrary segment files and
// a snapshot file, named after what their headers claim: no panic, only
// wal: errors, and a log that opens takes appends and reads back the same.
func FuzzOpen(f *testing.F) {
	for _, s := range openSeeds(f) {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, seg0, seg1, snap []byte) {
		dir := t.TempDir()
		if len(snap) >= 28 {
			m := raft.SnapshotMeta{Index: binary.LittleEndian.Uint64(snap[12:]), Term: binary.LittleEndian.Uint64(snap[20:])}
			if err := os.WriteFile(filepath.Join(dir, snapshotName(m)), snap, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for i, b := range [][]byte{seg0, seg1} {
			if i == 1 && len(b) == 0 {
				break
			}
			seq, first := uint64(i), uint64(1)
			if len(b) >= 28 {
				seq, first = binary.LittleEndian.Uint64(b[12:]), binary.LittleEndian.Uint64(b[20:])
			}
			if err := os.WriteFile(filepath.Join(dir, segmentName(seq, first)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := Inspect(dir); err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		w, rec, err := Open(dir, Options{MaxRecordBytes: 1 << 16})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "wal: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for i := 1; i < len(rec.Entries); i++ {
			if rec.Entries[i].Index != rec.Entries[i-1].Index+1 {
				t.Fatalf("entries not contiguous at %d", i)
			}
		}
		if len(rec.Entries) > 0 && rec.Entries[len(rec.Entries)-1].Index != w.LastIndex() {
			t.Fatalf("last entry %d, LastIndex %d", rec.Entries[len(rec.Entries)-1].Index, w.LastIndex())
		}
		if w.LastIndex() > 1<<62 || rec.HardState.Term > 1<<62 {
			w.Close()
			return // no room to append; not a case worth a special path
		}
		want := append([]raft.Entry(nil), rec.Entries...)
		more := mkEnts(w.LastIndex()+1, w.LastIndex()+2, rec.HardState.Term+1, 3)
		hs := raft.HardState{Term: rec.HardState.Term + 1, Vote: 1, Commit: rec.HardState.Commit}
		if err := w.Save(hs, more); err != nil {
			t.Fatalf("Save after Open: %v", err)
		}
		w.Close()
		w, rec, err = Open(dir, Options{MaxRecordBytes: 1 << 16})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer w.Close()
		if d := sameEntries(rec.Entries, append(want, more...)); d != "" {
			t.Fatalf("reopen: %s", d)
		}
		if rec.HardState != hs || rec.Repaired != nil {
			t.Fatalf("reopen: hard state %+v, repaired %+v", rec.HardState, rec.Repaired)
		}
	})
}

type recordSeed struct {
	data []byte
	prev uint32
}

func recordSeeds() []recordSeed {
	e := raft.Entry{Index: 7, Term: 3, Type: raft.EntryNormal, Data: []byte("hello")}
	ent, _ := appendEntry(nil, 0x1234, &e)
	noop, _ := appendEntry(nil, 0, &raft.Entry{Index: 1, Term: 1, Type: raft.EntryNoop})
	hs, _ := appendHardState(nil, 99, raft.HardState{Term: 4, Vote: 2, Commit: 3})
	sn, _ := appendSnapshotMeta(nil, 5, raft.SnapshotMeta{Index: 10, Term: 2}, true)
	return []recordSeed{
		{ent, 0x1234}, {noop, 0}, {hs, 99}, {sn, 5},
		{ent[:len(ent)-2], 0x1234}, {make([]byte, 12), 0}, {nil, 0},
	}
}

func openSeeds(t testing.TB) [][3][]byte {
	dir, err := os.MkdirTemp("", "walseed")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	w, _, err := Open(dir, Options{SegmentBytes: 150})
	if err != nil {
		t.Fatal(err)
	}
	w.Save(raft.HardState{Term: 1, Vote: 1}, mkEnts(1, 3, 1, 10))
	w.Save(raft.HardState{Term: 1, Vote: 1, Commit: 2}, mkEnts(4, 5, 1, 10))
	w.Save(raft.HardState{}, mkEnts(4, 4, 2, 3))
	w.SaveSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 3, Term: 1}, Data: []byte("snap")})
	w.Save(raft.HardState{}, mkEnts(5, 5, 2, 3))
	w.Close()
	des, _ := os.ReadDir(dir)
	var segs [][]byte
	var snap []byte
	for _, de := range des {
		b, _ := os.ReadFile(filepath.Join(dir, de.Name()))
		if filepath.Ext(de.Name()) == snapshotExt {
			snap = b
		} else {
			segs = append(segs, b)
		}
	}
	hdr, _ := appendHeader(nil, 0, 1)
	beyond := encodeSnapshot(raft.Snapshot{Meta: raft.SnapshotMeta{Index: 9, Term: 3}, Data: []byte("b")})
	return [][3][]byte{
		{segs[0], segs[1], nil},
		{segs[len(segs)-2], segs[len(segs)-1], snap},
		{segs[0], nil, beyond},
		{segs[0][:len(segs[0])-7], nil, nil},
		{append(append([]byte(nil), segs[0]...), make([]byte, 600)...), nil, nil},
		{hdr, nil, snap[:30]},
		{hdr[:10], nil, nil},
		{nil, nil, nil},
	}
}

// TestWriteFuzzCorpus regenerates testdata/fuzz from the seeds when
// WAL_WRITE_CORPUS is set.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("WAL_WRITE_CORPUS") == "" {
		t.Skip("set WAL_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	write := func(target string, i int, body string) {
		d := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("seed-%02d", i)), []byte("go test fuzz v1\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range recordSeeds() {
		write("FuzzDecodeRecord", i, fmt.Sprintf("[]byte(%q)\nuint32(%d)\n", s.data, s.prev))
	}
	for i, s := range openSeeds(t) {
		write("FuzzOpen", i, fmt.Sprintf("[]byte(%q)\n[]byte(%q)\n[]byte(%q)\n", s[0], s[1], s[2]))
	}
}
