package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"raftplay/raft"
)

// Report is a read-only description of a WAL directory, from Inspect.
type Report struct {
	Dir       string
	Segments  []SegmentReport
	Snapshots []SnapshotReport
	Other     []string // temporary, broken and unknown files
	// Problems lists the damage found, in file order: bad records, torn
	// tails, bad segment headers, missing segments, bad snapshot files.
	// Empty for a healthy WAL.
	Problems []Problem
}

// Problem is one piece of damage Inspect found.
type Problem struct {
	File   string // the file's name in the directory
	Offset int64  // where in the file; -1 when it is about the whole file
	What   string // what is wrong, e.g. "record checksum mismatch"
	// Torn says the damage is a torn tail of the last segment (a write a
	// crash cut short): Open cuts it off and keeps it aside. Other damage
	// to a segment makes Open fail.
	Torn bool
	// Snapshot says the file is a snapshot: Open ignores a bad one, unless
	// Recorded.
	Snapshot bool
	// Recorded: the damaged snapshot is the newest one the log records,
	// and no valid file holds it or a newer one: Open fails. Missing: its
	// file is not there at all.
	Recorded, Missing bool
	// Unreadable: the snapshot file may not be read (permission denied):
	// not damage, but Open cannot use it either.
	Unreadable bool
}

// Fatal reports whether p keeps Open from starting the node: any damage
// but a torn tail (cut off) or a snapshot the log does not need (ignored).
func (p Problem) Fatal() bool { return !p.Torn && (!p.Snapshot || p.Recorded) }

// String describes p in a sentence: the file, the offset, what is wrong and
// what a node does about it.
func (p Problem) String() string {
	where := p.File
	if p.Offset >= 0 {
		where += fmt.Sprintf(" at offset %d", p.Offset)
	}
	switch {
	case p.Torn:
		return fmt.Sprintf("%s: %s: a torn tail (a write cut short by a crash); the node cuts it off when it starts and keeps it as %s", where, p.What, brokenName(p.File, max(p.Offset, 0)))
	case p.Unreadable && p.Recorded:
		return fmt.Sprintf("%s: %s: the log records this snapshot as its newest: the node will not start until it can read it", where, p.What)
	case p.Unreadable:
		return fmt.Sprintf("%s: %s: a snapshot the log does not rely on; the node ignores it", where, p.What)
	case p.Missing:
		return fmt.Sprintf("%s: the log records this snapshot as its newest, and the file is missing: the node will not start until it is put back (or the node is removed and added again, to get a snapshot from the leader)", where)
	case p.Snapshot && p.Recorded:
		return fmt.Sprintf("%s: %s: a damaged snapshot that the log records as its newest: the node will not start until it is repaired (or the node is removed and added again, to get a snapshot from the leader)", where, p.What)
	case p.Snapshot:
		return fmt.Sprintf("%s: %s: a damaged snapshot the log does not rely on; the node ignores it", where, p.What)
	}
	return fmt.Sprintf("%s: %s: corrupt; the node will not start until this is repaired", where, p.What)
}

// SegmentReport describes one segment file.
type SegmentReport struct {
	Name       string
	Size       int64
	Seq        uint64
	FirstIndex uint64
	HeaderErr  string         // empty when the header is valid
	Records    []RecordReport // in file order
	// Err describes where decoding stopped before the end of the file
	// (empty when every byte was read as records).
	Err       string
	ErrOffset int64
	// Torn says Err (or HeaderErr) is a torn tail that Open would repair.
	Torn bool
	// Zeroed counts the zeros after the last record of the last segment:
	// the part of a preallocated segment not written yet (not damage).
	Zeroed int64
}

// RecordReport describes one record. Index and Term are set for entry and
// snapshot records; EntryType and Data for entry records; HardState for
// hard state records.
type RecordReport struct {
	Offset    int64
	Type      RecordType
	Length    int // payload bytes
	Index     uint64
	Term      uint64
	EntryType raft.EntryType
	Data      []byte // the entry's command, as stored (shares the file's image)
	HardState raft.HardState
	Reset     bool // a snapshot record that emptied the log
	CRCOK     bool
}

// Entry returns the entry an entry record holds.
func (rec RecordReport) Entry() raft.Entry {
	return raft.Entry{Index: rec.Index, Term: rec.Term, Type: rec.EntryType, Data: rec.Data}
}

// SnapshotReport describes one snapshot file.
type SnapshotReport struct {
	Name  string
	Size  int64
	Index uint64
	Term  uint64
	Err   string // empty when the file is valid
}

// Inspect judges records and snapshots by the limits Open uses by default
// (as raftplay's nodes do), so that a length damaged beyond them is damage
// to both, not a torn tail to one.
const (
	inspectMaxRecord   = defaultMaxRecordBytes
	inspectMaxSnapshot = defaultMaxSnapshotBytes
)

// Inspect describes the WAL in dir without modifying anything: every
// segment with its records and their CRC status, and every snapshot.
// After a record whose CRC fails, the chain continues from its stored CRC,
// so a single damaged record shows as the only bad one.
func Inspect(dir string) (*Report, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("wal: inspect: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("wal: inspect %s: not a directory", dir)
	}
	l, err := listDir(OSFS{}, dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Dir: dir, Other: append(l.tmp, l.other...)}
	for _, name := range l.notFiles {
		ce := notFileError(dir, name)
		r.Problems = append(r.Problems, Problem{File: name, Offset: -1, What: ce.Err.Error()})
	}
	for i, name := range l.segments {
		if err := checkSegmentSize(OSFS{}, dir, name, Options{}.withDefaults()); err != nil {
			ce := err.(*CorruptError)
			r.Problems = append(r.Problems, Problem{File: name, Offset: -1, What: ce.Err.Error()})
			seq, first, _ := parseSegmentName(name)
			sr := SegmentReport{Name: name, Seq: seq, FirstIndex: first, HeaderErr: "not read"}
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
				sr.Size = fi.Size()
			}
			r.Segments = append(r.Segments, sr)
			continue
		}
		buf, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("wal: inspect %s: %w", name, err)
		}
		sr := inspectSegmentAt(name, buf, i == len(l.segments)-1)
		if i > 0 && sr.Seq != r.Segments[i-1].Seq+1 {
			r.Problems = append(r.Problems, Problem{File: name, Offset: -1,
				What: fmt.Sprintf("segment %d follows segment %d: segments missing", sr.Seq, r.Segments[i-1].Seq)})
		}
		r.Problems = append(r.Problems, sr.problems...)
		r.Segments = append(r.Segments, sr.SegmentReport)
	}
	// The newest snapshot the log records, and the newest valid file:
	// Open fails when the first is newer (open.go).
	var recorded, recordedTerm, valid uint64
	for _, seg := range r.Segments {
		for _, rec := range seg.Records {
			if rec.Type == RecordSnapshot && rec.CRCOK && rec.Index > recorded {
				recorded, recordedTerm = rec.Index, rec.Term
			}
		}
	}
	var damaged []int // indexes into r.Problems
	for _, name := range l.snapshots {
		sr := SnapshotReport{Name: name}
		sr.Index, sr.Term, _ = parseSnapshotName(name)
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			sr.Size = fi.Size()
		}
		s, err := readSnapshot(OSFS{}, filepath.Join(dir, name), inspectMaxSnapshot)
		unreadable := errors.Is(err, fs.ErrPermission)
		switch {
		case unreadable:
			sr.Err = "cannot be read (" + errnoText(err) + ")"
		case err != nil:
			sr.Err = err.Error()
		case snapshotName(s.Meta) != name:
			sr.Err = fmt.Sprintf("content is snapshot %d term %d", s.Meta.Index, s.Meta.Term)
		}
		if sr.Err != "" {
			damaged = append(damaged, len(r.Problems))
			r.Problems = append(r.Problems, Problem{File: name, Offset: -1, What: strings.TrimPrefix(sr.Err, "wal: "), Snapshot: true, Unreadable: unreadable})
		} else {
			valid = max(valid, sr.Index)
		}
		r.Snapshots = append(r.Snapshots, sr)
	}
	if recorded > valid {
		found := false
		for _, k := range damaged {
			if idx, _, _ := parseSnapshotName(r.Problems[k].File); idx == recorded {
				r.Problems[k].Recorded, found = true, true
			}
		}
		if !found {
			r.Problems = append(r.Problems, Problem{File: snapshotName(raft.SnapshotMeta{Index: recorded, Term: recordedTerm}), Offset: -1,
				What: "missing", Snapshot: true, Recorded: true, Missing: true})
		}
	}
	// Whatever else keeps Open from starting on it is damage too (a log
	// that starts after what its snapshot covers: its first segment was
	// deleted), so that this report and a node's start never disagree.
	if !r.damaged() {
		_, err := readLog(dir, Options{FS: OSFS{}, MaxRecordBytes: inspectMaxRecord, MaxSnapshotBytes: inspectMaxSnapshot}.withDefaults())
		if ce := (*CorruptError)(nil); errors.As(err, &ce) {
			off := ce.Offset
			if off == 0 {
				off = -1
			}
			r.Problems = append(r.Problems, Problem{File: ce.File, Offset: off, What: ce.Err.Error()})
		}
	}
	return r, nil
}

// damaged reports whether r found damage (a torn tail is not: Open repairs it).
func (r *Report) damaged() bool {
	for _, p := range r.Problems {
		if !p.Torn {
			return true
		}
	}
	return false
}

// inspectedSegment is a segment's report and the damage found in it.
type inspectedSegment struct {
	SegmentReport
	problems []Problem
}

// inspectSegment decodes what it can of one segment image, as the last
// segment.
func inspectSegment(name string, buf []byte) SegmentReport {
	return inspectSegmentAt(name, buf, true).SegmentReport
}

// inspectSegmentAt decodes what it can of one segment image; last says it
// is the last segment, the only one whose tail may be torn.
func inspectSegmentAt(name string, buf []byte, last bool) inspectedSegment {
	sr := inspectedSegment{SegmentReport: SegmentReport{Name: name, Size: int64(len(buf))}}
	sr.Seq, sr.FirstIndex, _ = parseSegmentName(name)
	problem := func(off int64, what string, torn bool) {
		sr.problems = append(sr.problems, Problem{File: name, Offset: off, What: what, Torn: torn})
	}
	h, err := parseHeader(buf)
	var prev uint32
	switch {
	case err != nil:
		sr.HeaderErr = err.Error()
		if errors.Is(err, errShortHdr) {
			problem(0, err.Error(), false) // damage even in the last segment: see scanSegment
			return sr
		}
		problem(0, "bad segment header: "+err.Error(), false)
		if errors.Is(err, errBadMagic) {
			return sr
		}
		// Go on from the stored header checksum, which seeds the chain.
		prev = binary.LittleEndian.Uint32(buf[28:])
	case h.seq != sr.Seq || h.first != sr.FirstIndex:
		sr.HeaderErr = fmt.Sprintf("header says segment %d first index %d, name disagrees", h.seq, h.first)
		problem(0, sr.HeaderErr, false)
		sr.Seq, sr.FirstIndex, prev = h.seq, h.first, h.crc
	default:
		prev = h.crc
	}
	off := segmentHeaderSize
	torn := false // the rest of the file is a torn tail: no further problems
	for off < len(buf) {
		_, err := decodeFrame(buf, off, prev, inspectMaxRecord)
		if err != nil && last && !torn && zeroTail(buf, off, err) {
			sr.Zeroed = int64(len(buf) - off)
			break
		}
		if err != nil && !torn {
			if last && !errors.Is(err, errPayload) && isTorn(buf, off, prev, err) {
				torn, sr.Torn = true, true
				problem(int64(off), fmt.Sprintf("%v (%d bytes to the end of the file)", err, len(buf)-off), true)
			} else {
				problem(int64(off), err.Error(), false)
			}
		}
		if err != nil && !errors.Is(err, errCRC) && !errors.Is(err, errPayload) {
			if sr.Err == "" { // else the first problem, a torn record before it, says it
				sr.Err, sr.ErrOffset = err.Error(), int64(off)
			}
			break
		}
		n := int(binary.LittleEndian.Uint32(buf[off:]))
		rec := RecordReport{Offset: int64(off), Type: RecordType(buf[off+4]), Length: n, CRCOK: err == nil}
		p := buf[off+frameHeaderSize : off+frameHeaderSize+n]
		switch {
		case rec.Type == RecordEntry && n >= entryFixedSize:
			e := entryOf(p)
			rec.Index, rec.Term, rec.EntryType, rec.Data = e.Index, e.Term, e.Type, e.Data
		case rec.Type == RecordSnapshot && n >= snapshotPayload:
			rec.Index = binary.LittleEndian.Uint64(p)
			rec.Term = binary.LittleEndian.Uint64(p[8:])
			rec.Reset = n == snapshotPayload && p[16]&snapshotReset != 0
		case rec.Type == RecordHardState && n == hardStatePayload:
			rec.HardState = hardStateOf(p)
		}
		sr.Records = append(sr.Records, rec)
		if err != nil && sr.Err == "" {
			sr.Err, sr.ErrOffset = err.Error(), int64(off)
		}
		stored := binary.LittleEndian.Uint32(buf[off+frameHeaderSize-4:])
		next := off + frameHeaderSize + n
		if err != nil && next < len(buf) && !torn {
			// A record failed its checksum: if the one after it does not
			// decode either, its length field was damaged too and the
			// framing is lost: what follows cannot be told apart.
			if _, nerr := decodeFrame(buf, next, stored, inspectMaxRecord); nerr != nil {
				last := &sr.problems[len(sr.problems)-1]
				last.What += fmt.Sprintf("; nothing from here on can be read (%d bytes): its length may be damaged too, so the records after it cannot be found", len(buf)-off)
				break
			}
		}
		off = next
		prev = stored
	}
	return sr
}

// WriteText writes r as plain text, one line per segment, record and
// snapshot, for a `raftplay wal DIR` command or a log. Entries show their
// type and size; WriteTextWith can describe their commands.
func (r *Report) WriteText(out io.Writer) error { return r.WriteTextWith(out, nil) }

// WriteTextWith is WriteText with describe, if not nil, telling what each
// intact entry holds ("put x=1"; the caller knows the state machine's
// encoding, the WAL does not).
func (r *Report) WriteTextWith(out io.Writer, describe func(raft.Entry) string) error {
	bw := bufio.NewWriter(out)
	fmt.Fprintf(bw, "wal %s: %s, %s\n", r.Dir, count(len(r.Segments), "segment"), count(len(r.Snapshots), "snapshot"))
	for _, s := range r.Segments {
		fmt.Fprintf(bw, "segment %s seq=%d first=%d size=%d records=%d", s.Name, s.Seq, s.FirstIndex, s.Size, len(s.Records))
		if s.HeaderErr != "" {
			fmt.Fprintf(bw, " header-error=%q", s.HeaderErr)
		}
		if s.Err != "" {
			fmt.Fprintf(bw, " error=%q at=%d", s.Err, s.ErrOffset)
		}
		if s.Torn {
			bw.WriteString(" torn-tail")
		}
		if s.Zeroed > 0 {
			fmt.Fprintf(bw, " preallocated-zeros=%d", s.Zeroed)
		}
		bw.WriteString("\n")
		for _, rec := range s.Records {
			crc := "ok"
			if !rec.CRCOK {
				crc = "BAD"
			}
			fmt.Fprintf(bw, "  %8d %-9s len=%-6d", rec.Offset, rec.Type, rec.Length)
			if !rec.CRCOK {
				// Its fields are what the damaged bytes say: marked so, a
				// term of 386547056641 is not read as the log's.
				bw.WriteString(" damaged, as read:")
			}
			switch rec.Type {
			case RecordEntry, RecordSnapshot:
				fmt.Fprintf(bw, " index=%d term=%d", rec.Index, rec.Term)
			case RecordHardState:
				hs := rec.HardState
				fmt.Fprintf(bw, " term=%d vote=%d commit=%d", hs.Term, hs.Vote, hs.Commit)
			}
			if rec.Reset {
				bw.WriteString(" reset")
			}
			fmt.Fprintf(bw, " crc=%s", crc)
			if rec.Type == RecordEntry && rec.CRCOK && rec.Length >= entryFixedSize {
				bw.WriteString(" " + describeEntry(rec.Entry(), describe))
			}
			bw.WriteString("\n")
		}
	}
	for _, s := range r.Snapshots {
		fmt.Fprintf(bw, "snapshot %s index=%d term=%d size=%d", s.Name, s.Index, s.Term, s.Size)
		if s.Err != "" {
			fmt.Fprintf(bw, " error=%q", s.Err)
		}
		bw.WriteString("\n")
	}
	for _, name := range r.Other {
		if name == preparedName {
			fmt.Fprintf(bw, "other %s (zeros: the file of the next segment, prepared ahead)\n", name)
			continue
		}
		fmt.Fprintf(bw, "other %s\n", name)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wal: write report: %w", err)
	}
	return nil
}

// describeEntry tells what e holds, through describe when given.
func describeEntry(e raft.Entry, describe func(raft.Entry) string) string {
	if describe != nil {
		return describe(e)
	}
	if e.Type == raft.EntryNoop {
		return "no-op"
	}
	if e.Type == raft.EntryConfig {
		if m, err := raft.DecodeMembership(e.Data); err == nil {
			return "config " + m.String()
		}
	}
	return count(len(e.Data), "byte")
}

// count returns "1 segment", "2 segments".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
