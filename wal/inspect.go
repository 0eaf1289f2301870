package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Report is a read-only description of a WAL directory, from Inspect.
type Report struct {
	Dir       string
	Segments  []SegmentReport
	Snapshots []SnapshotReport
	Other     []string // temporary, broken and unknown files
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
}

// RecordReport describes one record. Index and Term are set for entry and
// snapshot records.
type RecordReport struct {
	Offset int64
	Type   RecordType
	Length int // payload bytes
	Index  uint64
	Term   uint64
	Reset  bool // a snapshot record that emptied the log
	CRCOK  bool
}

// SnapshotReport describes one snapshot file.
type SnapshotReport struct {
	Name  string
	Size  int64
	Index uint64
	Term  uint64
	Err   string // empty when the file is valid
}

// inspectMaxRecord bounds the record lengths Inspect will follow.
const inspectMaxRecord = 1 << 30

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
	l, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Dir: dir, Other: append(l.tmp, l.other...)}
	for _, name := range l.segments {
		buf, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("wal: inspect %s: %w", name, err)
		}
		r.Segments = append(r.Segments, inspectSegment(name, buf))
	}
	for _, name := range l.snapshots {
		sr := SnapshotReport{Name: name}
		sr.Index, sr.Term, _ = parseSnapshotName(name)
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			sr.Size = fi.Size()
		}
		s, err := readSnapshot(filepath.Join(dir, name), inspectMaxRecord)
		switch {
		case err != nil:
			sr.Err = err.Error()
		case snapshotName(s.Meta) != name:
			sr.Err = fmt.Sprintf("content is snapshot %d term %d", s.Meta.Index, s.Meta.Term)
		}
		r.Snapshots = append(r.Snapshots, sr)
	}
	return r, nil
}

// inspectSegment decodes what it can of one segment image.
func inspectSegment(name string, buf []byte) SegmentReport {
	sr := SegmentReport{Name: name, Size: int64(len(buf))}
	sr.Seq, sr.FirstIndex, _ = parseSegmentName(name)
	h, err := parseHeader(buf)
	if err != nil {
		sr.HeaderErr = err.Error()
		if errors.Is(err, errShortHdr) || errors.Is(err, errBadMagic) {
			return sr
		}
	} else {
		sr.Seq, sr.FirstIndex = h.seq, h.first
	}
	off, prev := segmentHeaderSize, h.crc
	for off < len(buf) {
		_, err := decodeFrame(buf, off, prev, inspectMaxRecord)
		if err != nil && !errors.Is(err, errCRC) && !errors.Is(err, errPayload) {
			sr.Err, sr.ErrOffset = err.Error(), int64(off)
			break
		}
		n := int(binary.LittleEndian.Uint32(buf[off:]))
		rec := RecordReport{Offset: int64(off), Type: RecordType(buf[off+4]), Length: n, CRCOK: err == nil}
		p := buf[off+frameHeaderSize : off+frameHeaderSize+n]
		if (rec.Type == RecordEntry && n >= entryFixedSize) || (rec.Type == RecordSnapshot && n >= snapshotPayload) {
			rec.Index = binary.LittleEndian.Uint64(p)
			rec.Term = binary.LittleEndian.Uint64(p[8:])
		}
		if rec.Type == RecordSnapshot && n == snapshotPayload {
			rec.Reset = p[16]&snapshotReset != 0
		}
		sr.Records = append(sr.Records, rec)
		if err != nil && sr.Err == "" {
			sr.Err, sr.ErrOffset = err.Error(), int64(off)
		}
		off += frameHeaderSize + n
		prev = binary.LittleEndian.Uint32(buf[off-n-4:])
	}
	return sr
}

// WriteText writes r as plain text, one line per segment, record and
// snapshot, for a `raftplay wal DIR` command or a log.
func (r *Report) WriteText(out io.Writer) error {
	bw := bufio.NewWriter(out)
	fmt.Fprintf(bw, "wal %s: %d segments, %d snapshots\n", r.Dir, len(r.Segments), len(r.Snapshots))
	for _, s := range r.Segments {
		fmt.Fprintf(bw, "segment %s seq=%d first=%d size=%d records=%d", s.Name, s.Seq, s.FirstIndex, s.Size, len(s.Records))
		if s.HeaderErr != "" {
			fmt.Fprintf(bw, " header-error=%q", s.HeaderErr)
		}
		if s.Err != "" {
			fmt.Fprintf(bw, " error=%q at=%d", s.Err, s.ErrOffset)
		}
		bw.WriteString("\n")
		for _, rec := range s.Records {
			crc := "ok"
			if !rec.CRCOK {
				crc = "BAD"
			}
			fmt.Fprintf(bw, "  %8d %-9s len=%-6d", rec.Offset, rec.Type, rec.Length)
			if rec.Type == RecordEntry || rec.Type == RecordSnapshot {
				fmt.Fprintf(bw, " index=%d term=%d", rec.Index, rec.Term)
			}
			if rec.Reset {
				bw.WriteString(" reset")
			}
			fmt.Fprintf(bw, " crc=%s\n", crc)
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
		fmt.Fprintf(bw, "other %s\n", name)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wal: write report: %w", err)
	}
	return nil
}
