package wal

import (
	"encoding/binary"
	"testing"
)

// adversarialTail is a torn record at the end of a growing segment (its
// length runs past the end of the file), followed by a tail of a binary
// value in which every 8th byte starts what looks like the header of a
// record of 1 MiB: each costs chainedRecordWithin a CRC of a megabyte.
func adversarialTail(tail int) ([]byte, int) {
	buf := make([]byte, segmentHeaderSize+frameHeaderSize+tail)
	off := segmentHeaderSize
	binary.LittleEndian.PutUint32(buf[off:], uint32(tail+100))
	buf[off+4] = byte(RecordEntry)
	binary.LittleEndian.PutUint32(buf[off+8:], 0xdeadbeef)
	for p := off + frameHeaderSize; p+8 <= len(buf); p += 8 {
		binary.LittleEndian.PutUint32(buf[p:], 1<<20)
		buf[p+4] = byte(RecordEntry)
	}
	return buf, off
}

// The scan for a record chained to a damaged one checksums at most
// chainScanBudget bytes, however many places look like a record's header
// (a review's 4 MiB tail of such a value took 17 s to judge), and then
// judges as the rule without the scan does: a record running past the end
// of the file is a torn tail. A real chained record within the budget is
// still found.
func TestChainScanIsBounded(t *testing.T) {
	defer func(b int) { chainScanBudget = b }(chainScanBudget)
	buf, off := adversarialTail(4 << 20)
	crcs := 0                 // candidates: places that look like a record's header
	chainScanBudget = 8 << 20 // 7 candidates of 1 MiB
	for p := off + frameHeaderSize; p+frameHeaderSize <= len(buf); p += 8 {
		if n := int(binary.LittleEndian.Uint32(buf[p:])); n <= len(buf)-p-frameHeaderSize {
			crcs++
		}
	}
	if crcs < 100 {
		t.Fatalf("the tail offers only %d candidates: it tests nothing", crcs)
	}
	if !isTorn(buf, off, 0, errTruncated) {
		t.Fatal("a record past the end of the file, nothing chained to it found within the budget: not torn")
	}
	// A record chained to it, early in the tail: found, so the length
	// was damaged, not torn.
	next := off + frameHeaderSize + 32 // after 4 candidates, within the budget
	stored := binary.LittleEndian.Uint32(buf[off+8:])
	rec, start := beginRecord(nil)
	rec = append(rec, make([]byte, hardStatePayload)...)
	finishRecord(rec, start, RecordHardState, stored)
	copy(buf[next:], rec)
	if isTorn(buf, off, 0, errTruncated) {
		t.Fatal("a whole record chained to the damaged one follows it: judged torn")
	}
}

// BenchmarkChainScanAdversarial: judging a 4 MiB torn tail of a value
// whose every 8th byte looks like a record's header.
func BenchmarkChainScanAdversarial(b *testing.B) {
	buf, off := adversarialTail(4 << 20)
	for b.Loop() {
		isTorn(buf, off, 0, errTruncated)
	}
}
