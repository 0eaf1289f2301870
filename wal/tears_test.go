package wal

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"raftplay/raft"
)

// sectorLog is a segment built record by record, with the offsets where its
// batches (one write each) start and end, and the entries after each.
type sectorLog struct {
	name   string
	buf    []byte
	starts []int // starts[i]: where batch i begins; ends at starts[i+1] or len(buf)
	ents   [][]raft.Entry
	crc    uint32
	next   uint64
}

func newSectorLog() *sectorLog {
	buf, c := appendHeader(nil, 0, 1)
	return &sectorLog{name: segmentName(0, 1), buf: buf, crc: c, next: 1}
}

// batch appends one batch of entries with the given data sizes, and a hard
// state when hs.
func (l *sectorLog) batch(sizes []int, hs bool) {
	l.starts = append(l.starts, len(l.buf))
	es := mkEnts(l.next, l.next+uint64(len(sizes))-1, 1, 0)
	for i := range es {
		d := make([]byte, sizes[i])
		for j := range d {
			d[j] = byte(es[i].Index*7 + uint64(j) | 1)
		}
		es[i].Data = d
		l.buf, l.crc = appendEntry(l.buf, l.crc, &es[i])
	}
	if hs {
		l.buf, l.crc = appendHardState(l.buf, l.crc, raft.HardState{Term: 1, Vote: 2, Commit: l.next})
	}
	l.next += uint64(len(sizes))
	var prev []raft.Entry
	if len(l.ents) > 0 {
		prev = l.ents[len(l.ents)-1]
	}
	l.ents = append(l.ents, append(append([]raft.Entry(nil), prev...), es...))
}

// padTo appends a batch that makes the next batch start at offset r modulo
// the sector size.
func (l *sectorLog) padTo(r int) {
	need := ((r-len(l.buf))%sectorSize + sectorSize) % sectorSize
	for need < 2*29 {
		need += sectorSize
	}
	var sizes []int
	for need > 0 {
		switch {
		case need <= 329:
			sizes = append(sizes, need-29)
			need = 0
		case need-329 >= 29:
			sizes = append(sizes, 300)
			need -= 329
		default:
			sizes = append(sizes, need-29-29-17) // leave 29+17
			need = 29 + 17
		}
	}
	l.batch(sizes, false)
	if len(l.buf)%sectorSize != r {
		panic(fmt.Sprint("padTo ", r, " got ", len(l.buf)%sectorSize))
	}
}

func (l *sectorLog) end(i int) int {
	if i+1 < len(l.starts) {
		return l.starts[i+1]
	}
	return len(l.buf)
}

// tearScan judges seg as the last segment; it returns the entries Open would
// return, or an error.
func tearScan(name string, seg []byte) ([]raft.Entry, bool, error) {
	rp := &replay{}
	s, err := scanSegment(name, seg, true, defaultMaxRecordBytes, rp)
	return rp.ents, s.torn, err
}

// r2Tear returns the file a crash while batch i was written leaves: the
// old records, the batch's sectors new where mask says so and zeros
// elsewhere, the file cut at length (growing) and zeros up to pad.
func (l *sectorLog) tear(i int, mask func(sector int) bool, length, pad int) []byte {
	start := l.starts[i]
	b := make([]byte, max(length, pad))
	copy(b, l.buf[:start])
	for s := start / sectorSize * sectorSize; s < length; s += sectorSize {
		if mask(s / sectorSize) {
			lo, hi := max(s, start), min(s+sectorSize, length)
			copy(b[lo:hi], l.buf[lo:hi])
		}
	}
	return b
}

// r2Check judges a tear of batch i: Open must start with every entry of
// the batches before it, and only entries written.
func (l *sectorLog) check(t *testing.T, i int, what string, b []byte) bool {
	t.Helper()
	got, _, err := tearScan(l.name, b)
	if err != nil {
		t.Errorf("batch %d (start %d, %d in its sector, %d bytes) %s: a tear refused: %v", i, l.starts[i], l.starts[i]%sectorSize, l.end(i)-l.starts[i], what, err)
		return false
	}
	var want []raft.Entry
	if i > 0 {
		want = l.ents[i-1]
	}
	if len(got) < len(want) || len(got) > len(l.ents[i]) {
		t.Errorf("batch %d %s: %d entries, want %d..%d", i, what, len(got), len(want), len(l.ents[i]))
		return false
	}
	if d := sameEntries(got, l.ents[i][:len(got)]); d != "" {
		t.Errorf("batch %d %s: %s", i, what, d)
		return false
	}
	return true
}

func buildSectorLog(seed uint64, batches int, big bool) *sectorLog {
	rng := rand.New(rand.NewPCG(seed, 9))
	l := newSectorLog()
	for i := 0; i < batches; i++ {
		if rng.IntN(3) == 0 {
			l.padTo(sectorSize - 1 - rng.IntN(6)) // starts in the last bytes of a sector
		}
		n := rng.IntN(5)
		sizes := make([]int, n)
		for j := range sizes {
			sizes[j] = rng.IntN(301)
			if big && rng.IntN(4) == 0 {
				sizes[j] = 64<<10 + rng.IntN(8<<10) - 600
			}
		}
		l.batch(sizes, n == 0 || rng.IntN(2) == 0)
	}
	return l
}

// Every genuine tear of every batch: each sector of the batch new or as
// it was, the file short or not, in a growing and a preallocated segment.
func TestTearsExhaustive(t *testing.T) {
	if os.Getenv("WAL_LONG") == "" {
		t.Skip("2 to 3 minutes: WAL_LONG=1 runs it")
	}
	for _, c := range []struct {
		big  bool
		seed uint64
	}{{false, 1}, {true, 1}, {true, 2}, {true, 3}} {
		big := c.big
		nb := 300
		if big {
			nb = 40
		}
		l := buildSectorLog(c.seed, nb, big)
		fails := 0
		for i := range l.starts {
			start, end := l.starts[i], l.end(i)
			s0, s1 := start/sectorSize, (end-1)/sectorSize
			ns := s1 - s0 + 1
			var masks []func(int) bool
			if ns <= 10 {
				for m := 0; m < 1<<ns; m++ {
					masks = append(masks, func(s int) bool { return m>>(s-s0)&1 == 1 })
				}
			} else {
				rng := rand.New(rand.NewPCG(uint64(i), 3))
				for k := 0; k < 40; k++ {
					p := rng.Float64()
					seed := rng.Uint64()
					masks = append(masks, func(s int) bool {
						return rand.New(rand.NewPCG(seed, uint64(s))).Float64() < p
					})
				}
				for s := s0 + 1; s <= s1; s++ { // the first sector and one other unwritten
					masks = append(masks, func(x int) bool { return x != s0 && x != s })
				}
				for _, old := range []int{s0, s0 + 1, s1, s1 - 1, (s0 + s1) / 2} {
					masks = append(masks, func(s int) bool { return s != old })
					masks = append(masks, func(s int) bool { return s == old })
				}
			}
			for mi, mask := range masks {
				lengths := []int{end}
				for L := (start/sectorSize + 1) * sectorSize; L < end; L += sectorSize * max(1, ns/8) {
					lengths = append(lengths, L, L-1-(L%7))
				}
				for _, L := range lengths {
					if L <= start {
						continue
					}
					if !l.check(t, i, fmt.Sprintf("big=%v mask %d growing to %d", big, mi, L), l.tear(i, mask, L, 0)) {
						fails++
					}
				}
				pad := (end/sectorSize + 2 + mi%3) * sectorSize
				if !l.check(t, i, fmt.Sprintf("big=%v mask %d preallocated", big, mi), l.tear(i, mask, end, pad)) {
					fails++
				}
			}
			if fails > 30 {
				t.Fatal("too many")
			}
		}
	}
}

// tearOpen writes seg as the only segment of a log and opens it.
func tearOpen(t *testing.T, name string, seg []byte) (*Recovered, error) {
	t.Helper()
	dir := t.TempDir()
	writeDirFiles(t, dir, map[string][]byte{name: seg})
	w, rec, err := Open(dir, Options{})
	if err == nil {
		w.Close()
	}
	return rec, err
}

// A batch whose first record is an entry of 64 KiB or more, starting 2 or
// 3 bytes before a sector's end; the crash lands every sector of the batch
// but that first one. The length reads 65536 (its low 2 bytes zeros), a
// length an entry can have, and no sector inside is zero: the tear was
// refused as damage and the node could not start (found by a review).
func TestTornLengthTwoBytesBigEntry(t *testing.T) {
	for _, r := range []int{509, 510} {
		l := newSectorLog()
		l.batch([]int{10, 20}, true)
		l.padTo(r)
		l.batch([]int{70000}, true)
		i := len(l.starts) - 1
		s0 := l.starts[i] / sectorSize
		torn := l.tear(i, func(s int) bool { return s != s0 }, len(l.buf), 0)
		if _, err := tearOpen(t, l.name, torn); err != nil {
			t.Errorf("batch at %d within its sector, its first sector not written: a tear refused: %v", r, err)
		}
	}
}

// A tear that zeroed the lowest byte of a length and also left a second
// sector of the record unwritten: no length makes the record whole, and
// the zeroed sector lies past the length as read (a multiple of 256) but
// inside the record as it could have been. A tear, refused before.
func TestTornLengthLowByteTwoSectors(t *testing.T) {
	l := newSectorLog()
	l.batch([]int{10}, true)
	l.padTo(511)
	l.batch([]int{0x111f8 - entryFixedSize}, false) // length 0x111f8: reads 0x11100
	l.batch(nil, true)
	i := len(l.starts) - 2
	start := l.starts[i]
	s0 := start / sectorSize
	end := start + frameHeaderSize + 0x111f8
	hole := (start+frameHeaderSize+0x11100)/sectorSize + 1 // starts past the length read, inside the record
	if hole*sectorSize >= end || hole*sectorSize <= start+frameHeaderSize+0x11100 {
		t.Fatalf("hole sector %d not inside the record ending at %d", hole, end)
	}
	// one batch: merge the last two
	l.starts = l.starts[:i+1]
	l.ents = l.ents[:len(l.ents)-1]
	torn := l.tear(i, func(s int) bool { return s != s0 && s != hole }, len(l.buf), 0)
	if _, err := tearOpen(t, l.name, torn); err != nil {
		t.Errorf("a tear refused: %v", err)
	}
}

// The 12 bytes of a record header zeroed in the middle of a sector, the
// rest of the sector (the record's payload) intact, fsynced records after:
// no tear leaves that (an unwritten sector is zeros from the record on to
// its end). A zeroed header was a torn tail whatever followed, and Open
// cut every fsynced record after it (found by a review).
func TestZeroedHeaderMidSectorIsDamage(t *testing.T) {
	l := newSectorLog()
	l.batch([]int{10}, true)
	l.padTo(100)
	l.batch([]int{200}, false)
	at := l.starts[len(l.starts)-1]
	for k := 0; k < 20; k++ {
		l.batch([]int{100, 200}, true)
	}
	b := append([]byte(nil), l.buf...)
	clear(b[at : at+frameHeaderSize])
	if rec, err := tearOpen(t, l.name, b); err == nil {
		t.Errorf("a zeroed header at %d, its payload after it in the same sector intact: Open started with %d of %d entries (repaired %+v)", at, len(rec.Entries), len(l.ents[len(l.ents)-1]), rec.Repaired)
	}
}

// restoreLength finds the length whose low bytes were zeroed, for 1 and 2
// zeroed bytes, and nothing when the record has other damage.
func TestRestoreLength(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 200; i++ {
		k := 1 + i%2
		L := 17 + rng.IntN(3000)
		if k == 2 {
			L = 1<<16 + rng.IntN(5000)
		}
		val := make([]byte, L-entryFixedSize+rng.IntN(100)) // more after the record
		for j := range val {
			val[j] = byte(rng.Uint32())
		}
		e := raft.Entry{Index: 1, Term: 1, Data: val[:L-entryFixedSize]}
		buf, _ := appendEntry(nil, 42, &e)
		buf = append(buf, val[L-entryFixedSize:]...)
		mask := uint32(1)<<(8*k) - 1
		n := uint32(L) &^ mask
		if uint32(L)&mask == 0 {
			continue
		}
		binary.LittleEndian.PutUint32(buf, n)
		if !restoreLength(buf, 0, 42, n, mask) {
			t.Fatalf("k=%d length %d: not restored", k, L)
		}
		buf[frameHeaderSize+rng.IntN(L)] ^= 1
		if restoreLength(buf, 0, 42, n, mask) {
			t.Fatalf("k=%d length %d, a payload bit flipped: restored", k, L)
		}
	}
}

func BenchmarkRestoreLengthTwoBytes(b *testing.B) {
	buf := make([]byte, 200<<10)
	binary.LittleEndian.PutUint32(buf, 1<<16)
	buf[4] = byte(RecordEntry)
	for b.Loop() {
		restoreLength(buf, 0, 0, 1<<16, 0xffff)
	}
}
