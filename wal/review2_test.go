package wal

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"raftplay/raft"
)

// r2Log is a segment built record by record, with the offsets where its
// batches (one write each) start and end, and the entries after each.
type r2Log struct {
	name   string
	buf    []byte
	starts []int // starts[i]: where batch i begins; ends at starts[i+1] or len(buf)
	ents   [][]raft.Entry
	crc    uint32
	next   uint64
}

func newR2Log() *r2Log {
	buf, c := appendHeader(nil, 0, 1)
	return &r2Log{name: segmentName(0, 1), buf: buf, crc: c, next: 1}
}

// batch appends one batch of entries with the given data sizes, and a hard
// state when hs.
func (l *r2Log) batch(sizes []int, hs bool) {
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
func (l *r2Log) padTo(r int) {
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

func (l *r2Log) end(i int) int {
	if i+1 < len(l.starts) {
		return l.starts[i+1]
	}
	return len(l.buf)
}

// r2Scan judges seg as the last segment; it returns the entries Open would
// return, or an error.
func r2Scan(name string, seg []byte) ([]raft.Entry, bool, error) {
	rp := &replay{}
	s, err := scanSegment(name, seg, true, defaultMaxRecordBytes, rp)
	return rp.ents, s.torn, err
}

// r2Tear returns the file a crash while batch i was written leaves: the
// old records, the batch's sectors new where mask says so and zeros
// elsewhere, the file cut at length (growing) and zeros up to pad.
func (l *r2Log) tear(i int, mask func(sector int) bool, length, pad int) []byte {
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
func (l *r2Log) check(t *testing.T, i int, what string, b []byte) bool {
	t.Helper()
	got, _, err := r2Scan(l.name, b)
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

func r2Build(seed uint64, batches int, big bool) *r2Log {
	rng := rand.New(rand.NewPCG(seed, 9))
	l := newR2Log()
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
func TestReview2TearsExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("2 to 3 minutes")
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
		l := r2Build(c.seed, nb, big)
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

// knownCut skips a test of damage that Open still cuts as a torn tail
// (see the review's report); REVIEW2_KNOWN=1 runs it.
func knownCut(t *testing.T) {
	if os.Getenv("REVIEW2_KNOWN") == "" {
		t.Skip("known: damage read as a torn tail; REVIEW2_KNOWN=1 runs it")
	}
}

// r2Open writes seg as the only segment of a log and opens it.
func r2Open(t *testing.T, name string, seg []byte) (*Recovered, error) {
	t.Helper()
	dir := t.TempDir()
	writeDirFiles(t, dir, map[string][]byte{name: seg})
	w, rec, err := Open(dir, Options{})
	if err == nil {
		w.Close()
	}
	return rec, err
}

// Q1: a batch whose first record is an entry of 64 KiB or more, starting 2
// bytes before a sector's end; the crash lands every sector of the batch
// but that first one. The length reads 65536 (its low 2 bytes zeros): a
// length an entry can have, so tornLength does not fire, no sector inside
// is zero, and the node cannot start.
func TestReview2TornLengthTwoBytesBigEntry(t *testing.T) {
	for _, r := range []int{509, 510} {
		l := newR2Log()
		l.batch([]int{10, 20}, true)
		l.padTo(r)
		l.batch([]int{70000}, true)
		i := len(l.starts) - 1
		s0 := l.starts[i] / sectorSize
		torn := l.tear(i, func(s int) bool { return s != s0 }, len(l.buf), 0)
		if _, err := r2Open(t, l.name, torn); err != nil {
			t.Errorf("batch at %d within its sector, its first sector not written: a tear refused: %v", r, err)
		}
	}
}

// Q1 (k=1): the real length's low byte restored by the search only when
// the rest of the record is whole; a second unwritten sector past the
// length read (256-multiple) but inside the record leaves no zeroed sector
// inside the length read.
func TestReview2TornLengthLowByteTwoSectors(t *testing.T) {
	l := newR2Log()
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
	if _, err := r2Open(t, l.name, torn); err != nil {
		t.Errorf("a tear refused: %v", err)
	}
}

// Q2: one zeroed byte (or one flipped bit) in the middle of the last
// segment, at a record that starts in the last byte of a sector, followed
// by fsynced batches: Open cuts them all off as a torn tail.
func TestReview2ZeroedLengthByteCutsFsyncedRecords(t *testing.T) {
	knownCut(t)
	for _, c := range []struct {
		what string
		size int
		mut  func(b byte) byte
	}{
		{"hard state, low byte zeroed", -1, func(byte) byte { return 0 }},
		{"entry of 15 bytes (length 0x20), one bit flipped", 15, func(b byte) byte { return b ^ 0x20 }},
		{"entry of 271 bytes (length 0x120), one bit flipped", 271, func(b byte) byte { return b ^ 0x20 }},
	} {
		l := newR2Log()
		l.batch([]int{10}, true)
		l.padTo(511)
		if c.size < 0 {
			l.batch(nil, true)
		} else {
			l.batch([]int{c.size}, false)
		}
		at := l.starts[len(l.starts)-1]
		for k := 0; k < 20; k++ { // fsynced, acknowledged batches after it
			l.batch([]int{100, 200}, true)
		}
		b := append([]byte(nil), l.buf...)
		b[at] = c.mut(b[at])
		rec, err := r2Open(t, l.name, b)
		if err == nil {
			t.Errorf("%s at %d: Open started with %d of %d entries, repaired %+v: %d fsynced batches silently cut", c.what, at, len(rec.Entries), len(l.ents[len(l.ents)-1]), rec.Repaired, 21)
		}
	}
}

// Q2: the 12 bytes of a record header zeroed in the middle of a sector,
// the rest of the sector (the record's payload) intact, fsynced records
// after: no tear leaves that (an unwritten sector is zeros from the
// record on to its end), but errZeroFrame is a torn tail unconditionally.
func TestReview2ZeroedHeaderMidSectorCutsFsyncedRecords(t *testing.T) {
	l := newR2Log()
	l.batch([]int{10}, true)
	l.padTo(100)
	l.batch([]int{200}, false)
	at := l.starts[len(l.starts)-1]
	for k := 0; k < 20; k++ {
		l.batch([]int{100, 200}, true)
	}
	b := append([]byte(nil), l.buf...)
	clear(b[at : at+frameHeaderSize])
	if rec, err := r2Open(t, l.name, b); err == nil {
		t.Errorf("a zeroed header at %d, its payload after it in the same sector intact: Open started with %d of %d entries (repaired %+v)", at, len(rec.Entries), len(l.ents[len(l.ents)-1]), rec.Repaired)
	}
}

// Q2 (rule 4): an entry whose value holds a sector of zeros (a binary
// value, a zero-padded one), one bit flipped in it elsewhere, fsynced
// records after: a CRC mismatch with a zeroed sector inside, a torn tail.
func TestReview2BitFlipInValueWithZeroSector(t *testing.T) {
	knownCut(t)
	l := newR2Log()
	l.batch([]int{10}, true)
	l.batch([]int{4000}, false)
	at := l.starts[len(l.starts)-1]
	p := at + frameHeaderSize + entryFixedSize
	clear(l.buf[p+1000 : p+3000]) // rebuild the record with zeros in its value
	l2 := newR2Log()
	l2.batch([]int{10}, true)
	e := entryOf(l.buf[at+frameHeaderSize : at+frameHeaderSize+entryFixedSize+4000])
	e.Data = append([]byte(nil), e.Data...)
	l2.starts = append(l2.starts, len(l2.buf))
	l2.buf, l2.crc = appendEntry(l2.buf, l2.crc, &e)
	l2.next++
	for k := 0; k < 20; k++ {
		l2.batch([]int{100, 200}, true)
	}
	b := append([]byte(nil), l2.buf...)
	b[at+frameHeaderSize+entryFixedSize+10] ^= 4
	if rec, err := r2Open(t, l2.name, b); err == nil {
		t.Errorf("one bit flipped in an entry holding a zeroed sector: Open started with %d entries (repaired %+v), 20 fsynced batches cut", len(rec.Entries), rec.Repaired)
	}
}

// Q3: a length damaged by two bits (errTruncated) in the middle of the
// last segment; the record's value is a binary array whose u32s look like
// headers of records of 16 MiB: the chain scan spends its budget inside
// that value and reports nothing chained, and the fsynced records after it
// are cut as a torn tail.
func TestReview2ChainBudgetExhaustedCuts(t *testing.T) {
	knownCut(t)
	l := newR2Log()
	l.batch([]int{10}, true)
	val := make([]byte, 4096)
	for q := 0; q+8 <= len(val); q += 8 {
		binary.LittleEndian.PutUint32(val[q:], 16<<20)
		val[q+4] = byte(RecordEntry)
	}
	l.starts = append(l.starts, len(l.buf))
	at := len(l.buf)
	e := raft.Entry{Index: l.next, Term: 1, Data: val}
	l.buf, l.crc = appendEntry(l.buf, l.crc, &e)
	l.next++
	for len(l.buf) < 40<<20 { // fsynced records after it: 40 MiB
		l.batch([]int{64 << 10}, true)
	}
	b := append([]byte(nil), l.buf...)
	b[at+3] ^= 0x03 // length + 48 MiB: past the end of the file, under the limit
	rec, err := r2Open(t, l.name, b)
	if err == nil {
		t.Errorf("a length damaged in 2 bits: Open started with %d entries (repaired %+v): the fsynced records after it cut", len(rec.Entries), rec.Repaired)
	}
}

// restoreLength finds the length whose low bytes were zeroed, for 1 and 2
// zeroed bytes, and nothing when the record has other damage.
func TestReview2RestoreLength(t *testing.T) {
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

func BenchmarkReview2RestoreLengthTwoBytes(b *testing.B) {
	buf := make([]byte, 200<<10)
	binary.LittleEndian.PutUint32(buf, 1<<16)
	buf[4] = byte(RecordEntry)
	for b.Loop() {
		restoreLength(buf, 0, 0, 1<<16, 0xffff)
	}
}
