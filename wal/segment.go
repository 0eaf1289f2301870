package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const (
	segmentHeaderSize = 32
	segmentVersion    = 1
	segmentMagic      = "RPWALSEG"
	segmentExt        = ".wal"
	snapshotExt       = ".snap"
	tmpExt            = ".tmp"
	brokenExt         = ".broken"
	sectorSize        = 512
)

// Header errors.
var (
	errBadMagic   = errors.New("bad magic (not a raftplay wal segment)")
	errBadVersion = errors.New("unsupported format version")
	errHeaderCRC  = errors.New("segment header checksum mismatch")
	errShortHdr   = errors.New("segment shorter than its header")
)

// segHeader is a decoded segment header.
type segHeader struct {
	seq   uint64 // position of the segment in the sequence, from 0
	first uint64 // the log's last index + 1 when the segment was created
	crc   uint32 // header checksum, the seed of the first record's CRC
}

// segmentName returns the file name of a segment.
func segmentName(seq, first uint64) string {
	return fmt.Sprintf("%016x-%016x%s", seq, first, segmentExt)
}

// parseSegmentName parses a name made by segmentName.
func parseSegmentName(name string) (seq, first uint64, ok bool) {
	if len(name) != 33+len(segmentExt) || !strings.HasSuffix(name, segmentExt) {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(name, "%016x-%016x.wal", &seq, &first); err != nil {
		return 0, 0, false
	}
	return seq, first, segmentName(seq, first) == name
}

// appendHeader appends a segment header to buf and returns its checksum.
func appendHeader(buf []byte, seq, first uint64) ([]byte, uint32) {
	start := len(buf)
	buf = append(buf, segmentMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, segmentVersion)
	buf = binary.LittleEndian.AppendUint64(buf, seq)
	buf = binary.LittleEndian.AppendUint64(buf, first)
	c := crc32.Checksum(buf[start:], castagnoli)
	return binary.LittleEndian.AppendUint32(buf, c), c
}

// parseHeader decodes and checks a segment header.
func parseHeader(b []byte) (segHeader, error) {
	if len(b) < segmentHeaderSize {
		return segHeader{}, errShortHdr
	}
	if string(b[:8]) != segmentMagic {
		return segHeader{}, errBadMagic
	}
	c := crc32.Checksum(b[:28], castagnoli)
	if c != binary.LittleEndian.Uint32(b[28:]) {
		return segHeader{}, errHeaderCRC
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != segmentVersion {
		return segHeader{}, fmt.Errorf("%w %d (want %d)", errBadVersion, v, segmentVersion)
	}
	return segHeader{
		seq:   binary.LittleEndian.Uint64(b[12:]),
		first: binary.LittleEndian.Uint64(b[20:]),
		crc:   c,
	}, nil
}

// dirListing is what a data directory holds, by kind, each sorted.
type dirListing struct {
	segments  []string // by sequence number
	snapshots []string // newest (highest index) first
	tmp       []string // leftovers of interrupted creations
	other     []string // broken copies and unknown files
	lastSeg   bool     // the lastSegName file is there
	// notFiles: names of segments or snapshots that are not regular files
	// (a directory, a symbolic link, a device): the log cannot be read
	// whole, and saying the log is gone (ignoring them) sent the user
	// looking for files that are there.
	notFiles []string
}

// listDir reads and classifies the files of dir.
func listDir(fsys FS, dir string) (dirListing, error) {
	des, err := fsys.ReadDir(dir)
	if err != nil {
		return dirListing{}, fmt.Errorf("wal: read directory %s: %w", dir, err)
	}
	var l dirListing
	for _, de := range des {
		name := de.Name()
		if name == LockName || strings.HasPrefix(name, faultStashPrefix) {
			continue
		}
		if name == lastSegName && de.Type().IsRegular() {
			l.lastSeg = true
			continue
		}
		if !de.Type().IsRegular() {
			if logFileName(name) {
				l.notFiles = append(l.notFiles, name)
			} else {
				l.other = append(l.other, name)
			}
			continue
		}
		switch {
		case strings.HasSuffix(name, tmpExt):
			l.tmp = append(l.tmp, name)
		case strings.HasSuffix(name, segmentExt):
			if _, _, ok := parseSegmentName(name); ok {
				l.segments = append(l.segments, name)
			} else {
				l.other = append(l.other, name)
			}
		case strings.HasSuffix(name, snapshotExt):
			if _, _, ok := parseSnapshotName(name); ok {
				l.snapshots = append(l.snapshots, name)
			} else {
				l.other = append(l.other, name)
			}
		default:
			l.other = append(l.other, name)
		}
	}
	// Fixed-width hex names sort by number.
	sort.Strings(l.segments)
	sort.Sort(sort.Reverse(sort.StringSlice(l.snapshots)))
	return l, nil
}

// logFileName reports whether name is that of a segment or a snapshot
// file.
func logFileName(name string) bool {
	if _, _, ok := parseSegmentName(name); ok && strings.HasSuffix(name, segmentExt) {
		return true
	}
	_, _, ok := parseSnapshotName(name)
	return ok && strings.HasSuffix(name, snapshotExt)
}

// FileKind names, with its article, what a file of mode m that is not a
// regular file is: "a directory", "a symbolic link", "a named pipe", "a
// socket", "a character device", "a device".
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// notFileError is the damage of a segment or snapshot name in dir that is
// not a regular file: what it is instead, and what to do.
func notFileError(dir, name string) *CorruptError {
	path := filepath.Join(dir, name)
	what := "not a regular file"
	if fi, err := os.Lstat(path); err == nil {
		what = FileKind(fi.Mode())
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(path)
			what += fmt.Sprintf(" (to %s)", target)
		}
	}
	kind := "segment"
	if strings.HasSuffix(name, snapshotExt) {
		kind = "snapshot"
	}
	return &CorruptError{File: name, Offset: -1, Err: fmt.Errorf("is %s, not a file: the WAL keeps each %s as a regular file in the node's directory; put the file itself back under this name", what, kind)}
}

// zeroSector reports whether some sector-aligned stretch of buf that starts
// inside (off, end) is all zeros up to the next sector boundary or the end of
// buf: the mark of a write the disk never completed.
func zeroSector(buf []byte, off, end int) bool {
	if end > len(buf) {
		end = len(buf)
	}
	for b := (off/sectorSize + 1) * sectorSize; b < end; b += sectorSize {
		if allZero(buf[b:min(b+sectorSize, len(buf))]) {
			return true
		}
	}
	return false
}

// withoutZeroSectors returns b up to its last sector (counted from b's
// start) that holds a non-zero byte.
func withoutZeroSectors(b []byte) []byte {
	for len(b) > 0 {
		last := (len(b) - 1) / sectorSize * sectorSize
		if !allZero(b[last:]) {
			break
		}
		b = b[:last]
	}
	return b
}

// zeroTail reports whether a decoding failure at off in the last segment
// is the end of the records of a preallocated segment: a zeroed record
// header with only zeros after it (see prealloc.go).
func zeroTail(buf []byte, off int, err error) bool {
	return errors.Is(err, errZeroFrame) && allZero(buf[off:])
}

// isTorn reports whether a decoding failure at off in the last segment looks
// like an interrupted write (repairable) rather than corruption. prev seeds
// the record's CRC. See doc.go.
func isTorn(buf []byte, off int, prev uint32, err error) bool {
	switch {
	case errors.Is(err, errTruncated):
		// Or a length damaged by more than one bit: a whole record chained
		// to this one follows inside the file.
		return !lengthBitFlipped(buf, off, prev) && !chainedRecordWithin(buf, off, dataEnd(buf))
	case errors.Is(err, errZeroFrame):
		// A header a tear zeroed lies in a sector that did not land: that
		// sector is zeros from the header (or the sector's start) to its
		// end. Twelve zeroed bytes with the record's payload intact after
		// them in the same sector are damage: read as a tear, they cut off
		// every fsynced record after them.
		return zeroPiece(buf, off, off+frameHeaderSize)
	case errors.Is(err, errBadFrame), errors.Is(err, errTooLarge):
		// A torn write leaves each sector new or as it was (zeros), so a
		// header it damaged has a zeroed piece of a sector in it: a type
		// byte of zero, length bytes of zero (which make the length
		// smaller, never over the limit). Zeros further on (the rest of a
		// preallocated segment) say nothing about this header: counted,
		// a damaged header in the middle of the active segment cut off
		// every fsynced record after it.
		return zeroPiece(buf, off, off+frameHeaderSize)
	case errors.Is(err, errCRC):
		torn, reach := tornLength(buf, off, prev)
		if torn {
			return true
		}
		n := int(binary.LittleEndian.Uint32(buf[off:]))
		end := off + frameHeaderSize + n
		if !zeroSector(buf, off, max(end, reach)) || lengthBitFlipped(buf, off, prev) {
			// No zeroed sector; or a length one bit off, which made a
			// whole record, the last, reach into a preallocated segment's
			// zeros (a tear cannot flip a bit: cut, the node's last
			// acknowledged vote was lost; found by a review).
			return false
		}
		// A length damaged upwards makes the record reach the zeros
		// after the records (a preallocated segment). A tear cannot make
		// a length larger (its bytes are new or zeros): when the record
		// reaches past the last data and a whole record chained to it
		// starts inside it, it is a damaged length followed by more
		// records, not a torn write.
		if data := dataEnd(buf); end > data && chainedRecordWithin(buf, off, data) {
			return false
		}
		return true
	}
	return false
}

// tornLength reports whether the record at off reads as a tear leaves a
// record that starts in the last 1 to 4 bytes of a sector whose write did
// not land while the next sector's did: those bytes, the low bytes of its
// length, are zeros (as the sector was), the rest of its header is whole.
// Its length then reads smaller than it is, often as no record of its type
// can be (0: the batch was refused as damage, and the node could not
// start after an ordinary power failure; found by a review). So: a zeroed
// piece of length and a length its type cannot have; or one of the
// lengths those zeroed bytes could have held makes the record whole (for
// 2 zeroed bytes, an entry of 64 KiB or more: 65535 lengths, checked in
// one pass, as restoreLength does).
//
// Or one of those lengths runs past the end of the file (a growing file the
// crash left short) and no whole record chained to it follows.
//
// When the bytes are zero but no length makes the record whole, reach is
// the furthest the record could have reached: a sector zeroed there (a
// second sector the tear left unwritten) is a zeroed sector inside it.
func tornLength(buf []byte, off int, prev uint32) (torn bool, reach int) {
	k := (off/sectorSize+1)*sectorSize - off // header bytes in off's sector
	if k > 4 || len(buf)-off < frameHeaderSize || !allZero(buf[off:off+k]) {
		return false, 0
	}
	typ, n := RecordType(buf[off+4]), binary.LittleEndian.Uint32(buf[off:])
	if checkPayload(typ, int(n)) != nil {
		return true, 0
	}
	mask := uint32(1)<<(8*k) - 1 // k < 4 here: a length of 0 fails checkPayload
	if restoreLength(buf, off, prev, n, mask) {
		return true, 0
	}
	room := uint64(len(buf) - off - frameHeaderSize)
	if uint64(n|mask) > room && !chainedRecordWithin(buf, off, dataEnd(buf)) {
		// It may run past the end of a file the crash left short, and
		// no record chained to it follows (see errTruncated).
		return true, 0
	}
	return false, off + frameHeaderSize + int(min(uint64(n|mask), room))
}

// restoreLength reports whether the record at off, whose length n has the
// bits of mask zeroed, becomes whole (its CRC matches) for a length n|low,
// low in mask and not 0. It checks them all in one pass over the payload:
// the CRC of the header with n and the payload up to each length is
// updated a byte at a time, and the CRC is linear, so the header's change
// adds the raw CRC of (low, then zeros to the length's end): per bit of
// mask, one register shifted a zero byte along with the payload.
func restoreLength(buf []byte, off int, prev uint32, n, mask uint32) bool {
	room := uint64(len(buf) - off - frameHeaderSize)
	if uint64(n)+1 > room {
		return false
	}
	top := min(uint64(n|mask), room)
	var hdr [8]byte
	copy(hdr[:], buf[off:off+8])
	stored := binary.LittleEndian.Uint32(buf[off+8:])
	p := buf[off+frameHeaderSize:]
	base := recordCRC(prev, hdr[:], p[:n])
	bits := 0
	for mask>>bits != 0 {
		bits++
	}
	// reg[b]: the raw CRC (no inversions) of bit b of the length set, the
	// rest of the header zeros and n zeros of payload.
	var reg [32]uint32
	for b := 0; b < bits; b++ {
		var e [8]byte
		binary.LittleEndian.PutUint32(e[:], 1<<b)
		c := ^crc32.Update(0xffffffff, castagnoli, e[:])
		reg[b] = rawZeros(c, int(n))
	}
	for m := uint64(n) + 1; m <= top; m++ {
		base = crc32.Update(base, castagnoli, p[m-1:m])
		d := uint32(m) ^ n
		c := base
		for b := 0; b < bits; b++ {
			r := reg[b]
			r = castagnoli[byte(r)] ^ r>>8 // one more zero byte
			reg[b] = r
			if d>>b&1 != 0 {
				c ^= r
			}
		}
		if c == stored {
			return true
		}
	}
	return false
}

// rawZeros returns the raw CRC register c (no inversions) carried over k
// zero bytes.
func rawZeros(c uint32, k int) uint32 {
	// Update(^c, zeros) = ^raw(c, zeros): the hardware path, a block at a time.
	var z [4096]byte
	for k > 0 {
		s := min(k, len(z))
		c = ^crc32.Update(^c, castagnoli, z[:s])
		k -= s
	}
	return c
}

// zeroPiece reports whether some sector of buf, taken from lo (or its
// start, if later) up to its end, is all zeros, for a sector that holds
// bytes of [lo, hi).
func zeroPiece(buf []byte, lo, hi int) bool {
	hi = min(hi, len(buf))
	for s := lo / sectorSize * sectorSize; s < hi; s += sectorSize {
		if allZero(buf[max(s, lo):min(s+sectorSize, len(buf))]) {
			return true
		}
	}
	return false
}

// dataEnd returns the offset after the last non-zero byte of buf.
func dataEnd(buf []byte) int {
	end := len(buf)
	for end > 0 && buf[end-1] == 0 {
		end--
	}
	return end
}

// chainedRecordWithin reports whether a whole, valid record chained to
// the record at off (its stored CRC as the seed) starts after off's header
// and before limit.
//
// Each place whose header could be a record's (a known type, reserved
// bytes zero, a payload of a size its type allows, inside buf) costs a CRC
// over the length it claims. Binary values can make many places look so
// (an array of little-endian u32s: every 8th byte claims a record of
// megabytes), and the scan of a 4 MiB tail took 17 s: after chainScanBudget
// bytes of CRCs it stops and reports none found, and the record is judged
// as it was before the scan existed, torn (a limit doc.go names).
func chainedRecordWithin(buf []byte, off, limit int) bool {
	if len(buf)-off < frameHeaderSize {
		return false
	}
	stored := binary.LittleEndian.Uint32(buf[off+8:])
	budget := chainScanBudget
	for p := off + frameHeaderSize; p < limit && p+frameHeaderSize <= len(buf); p++ {
		typ, n, ok := frameHeader(buf[p : p+frameHeaderSize])
		if !ok || uint64(n) > uint64(len(buf)-p-frameHeaderSize) || checkPayload(typ, int(n)) != nil {
			continue
		}
		if budget -= int(n) + 8; budget < 0 {
			return false
		}
		if _, err := decodeFrame(buf, p, stored, len(buf)); err == nil {
			return true
		}
	}
	return false
}

// chainScanBudget bounds the bytes chainedRecordWithin checksums (CRC-32C
// runs at gigabytes a second: tens of milliseconds at most).
var chainScanBudget = 256 << 20

// lengthBitFlipped reports whether the record at off, which runs past the
// end of buf or fails its CRC, becomes a whole record with a valid CRC when
// one bit of its length is flipped: then it is a damaged record, not a torn
// write (a tear cannot flip a bit), and must not be cut off.
func lengthBitFlipped(buf []byte, off int, prev uint32) bool {
	if len(buf)-off < frameHeaderSize {
		return false
	}
	var hdr [8]byte
	copy(hdr[:], buf[off:off+8])
	n := binary.LittleEndian.Uint32(hdr[:])
	stored := binary.LittleEndian.Uint32(buf[off+8:])
	room := uint64(len(buf) - off - frameHeaderSize)
	for b := 0; b < 32; b++ {
		m := n ^ 1<<b
		if uint64(m) > room {
			continue
		}
		binary.LittleEndian.PutUint32(hdr[:], m)
		p := buf[off+frameHeaderSize : off+frameHeaderSize+int(m)]
		if recordCRC(prev, hdr[:], p) == stored {
			return true
		}
	}
	return false
}
