package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"raftplay/cluster"
)

// MaxLine is the longest line a recording may hold; a longer one is damage.
const MaxLine = 16 << 20

// ErrNewer is wrapped by the error Read returns for a recording made by a
// newer raftplay, in a format version this one does not know.
var ErrNewer = errors.New("record: recording from a newer format version")

// ErrNotRecording is wrapped by the error Read returns for a file that is
// not a recording at all: empty, or its first line is not a recording's
// header.
var ErrNotRecording = errors.New("record: not a recording")

// Recording is a recording read into memory.
type Recording struct {
	Start   time.Time
	Options Options
	Version int
	// Length is the time from the start to the last record.
	Length time.Duration
	// Complete says the recording ends with its end mark (it was closed).
	Complete bool
	// Stopped, when not nil, says where and why reading stopped early:
	// what came before it is here.
	Stopped error

	frames   []frame                // status frames, in time order
	nodes    map[uint64][]nodeFrame // each node's statuses, in the order of the frames
	Events   []cluster.Event        // in time order
	Messages []cluster.MsgRecord    // in time order; Seq numbers them from 1
	Commands []Command              // in time order
	Gaps     []Gap                  // where the recorder missed records

	mu      sync.Mutex              // guards decoded
	decoded map[nodeKey]decodedNode // cache of decoded node records
}

// Gap is a place where the recorder fell behind the cluster's rings and
// missed records.
type Gap struct {
	At               time.Duration
	Events, Messages uint64
}

type frame struct {
	at time.Duration
	s  cluster.Status // without nodes
	nn int
}

type nodeFrame struct {
	frame int // index of the frame that carried it
	raw   []byte
}

type nodeKey struct {
	id  uint64
	idx int
}

// DamageError says where a recording stops being readable.
type DamageError struct {
	Line   int   // 1-based line number (of the decompressed text)
	Offset int64 // byte offset of that line's start (in the decompressed text)
	// After says the damage is after line Line, at its end (Offset): the
	// text ends there, without what should follow.
	After bool
	// Gzipped says the file is compressed: Offset counts bytes of the
	// decompressed text, not of the file.
	Gzipped bool
	Err     error
}

func (e *DamageError) Error() string {
	where := "line"
	if e.After {
		where = "after line"
	}
	of := ""
	if e.Gzipped {
		of = " of the decompressed text"
	}
	return fmt.Sprintf("record: %s %d (byte offset %d%s): %v; the replay stops there", where, e.Line, e.Offset, of, e.Err)
}

func (e *DamageError) Unwrap() error { return e.Err }

// ReadFile reads the recording in file (see Read).
func ReadFile(file string) (*Recording, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	return Read(f)
}

// Read reads a recording, gzipped or not. An error means there is nothing
// to replay: not a recording, a damaged header, or a newer format version
// (wrapping ErrNewer, naming the version). Damage after the header is not
// an error: the Recording holds what came before it, and its Stopped says
// where and why.
func Read(r io.Reader) (*Recording, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	gzipped := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gzipped = true
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotRecording, err)
		}
		gz.Multistream(false)
		in = gz
	}
	lr := &lineReader{r: bufio.NewReaderSize(in, 64<<10)}
	first, err := lr.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w (the file is empty)", ErrNotRecording)
		}
		if !bytes.HasPrefix(lr.partial, []byte(`{"format":"`+Format+`"`)) {
			// Garbage with no newline is no cut recording: "the last
			// line is cut short" sent its reader looking for the rest.
			return nil, fmt.Errorf("%w (the file does not begin with a %s header)", ErrNotRecording, Format)
		}
		return nil, fmt.Errorf("%w: %w", ErrNotRecording, err)
	}
	var h header
	if err := json.Unmarshal(first, &h); err != nil || h.Format != Format {
		return nil, fmt.Errorf("%w (the first line is not a %s header)", ErrNotRecording, Format)
	}
	if h.Version > Version {
		return nil, fmt.Errorf("%w: this file is version %d, this raftplay reads version %d and older; replay it with a newer raftplay", ErrNewer, h.Version, Version)
	}
	if h.Version < 1 {
		return nil, fmt.Errorf("record: bad format version %d", h.Version)
	}
	rec := &Recording{Start: time.Unix(0, h.Start), Options: h.Options, Version: h.Version,
		nodes: map[uint64][]nodeFrame{}, decoded: map[nodeKey]decodedNode{}}
	damage := func(err error) *DamageError {
		return &DamageError{Line: lr.line, Offset: lr.offset, Gzipped: gzipped, Err: err}
	}
	for {
		b, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				rec.Stopped = damage(err)
			} else if !rec.Complete {
				// The text ends after the last line read, at its end.
				d := damage(errors.New("the recording ends without its end mark (the run that wrote it was killed, or the file was cut short)"))
				d.Line, d.After = lr.line-1, true
				rec.Stopped = d
			}
			break
		}
		if rec.Complete {
			rec.Stopped = damage(errors.New("a record after the end mark"))
			break
		}
		if err := rec.add(b); err != nil {
			rec.Stopped = damage(err)
			break
		}
	}
	rec.finish()
	return rec, nil
}

// lineReader reads lines of at most MaxLine bytes and counts them.
type lineReader struct {
	r      *bufio.Reader
	line   int   // number of the line last returned (at the end: one more than the lines read)
	offset int64 // where it starts (at the end: the length of the text)
	size   int64 // its length, newline included

	partial []byte // what was read of a line that could not be returned
}

func (l *lineReader) next() ([]byte, error) {
	l.offset += l.size
	l.line++
	var buf []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		buf = append(buf, chunk...)
		l.partial = buf
		if len(buf) > MaxLine {
			return nil, fmt.Errorf("a line longer than %d bytes", MaxLine)
		}
		switch {
		case err == nil:
			l.size = int64(len(buf))
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			l.size = int64(len(buf))
			if len(buf) > 0 {
				return nil, errors.New("the last line is cut short (no newline)")
			}
			return nil, io.EOF
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("the compressed stream is cut short")
		default:
			return nil, err
		}
	}
}

// maxT bounds a record's time: a week.
const maxT = int64(7 * 24 * time.Hour)

// add reads one record line.
func (rec *Recording) add(b []byte) error {
	var l line
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("not a record: %v", err)
	}
	if l.T < 0 || l.T > maxT {
		return fmt.Errorf("record time %d out of range", l.T)
	}
	at := time.Duration(l.T)
	switch l.K {
	case kindStatus:
		if l.S == nil {
			return errors.New("status frame without the cluster's fields")
		}
		if l.NN < 0 || l.NN > cluster.MaxNodes || len(l.IDs) != len(l.N) {
			return errors.New("status frame: bad node count")
		}
		for i, id := range l.IDs {
			if id < 1 || id > uint64(l.NN) {
				return fmt.Errorf("status frame: node %d of %d", id, l.NN)
			}
			// Each field the record holds is checked here, so that a
			// record that is not a node's status is damage where it is:
			// merged with the records before it, it is decoded only when
			// drawn (Status), and a wrongly typed field then showed every
			// card down under a header that drew the frame's figures.
			if err := checkNodeRec(l.N[i]); err != nil {
				return fmt.Errorf("status frame: node %d: %v", id, err)
			}
		}
		idx := len(rec.frames)
		rec.frames = append(rec.frames, frame{at: at, s: l.S.status(), nn: l.NN})
		for i, id := range l.IDs {
			rec.nodes[id] = append(rec.nodes[id], nodeFrame{frame: idx, raw: bytes.Clone(l.N[i])})
		}
	case kindEvents:
		for _, e := range l.E {
			rec.Events = append(rec.Events, e.event())
		}
	case kindMessages:
		c := msgCodec{at: l.B}
		for _, v := range l.M {
			m, err := c.decode(v)
			if err != nil {
				return err
			}
			m.Seq = uint64(len(rec.Messages)) + 1
			rec.Messages = append(rec.Messages, m)
		}
	case kindCommand:
		if l.C == nil {
			return errors.New("command record without its command")
		}
		rec.Commands = append(rec.Commands, Command{At: fromUnixNano(l.C.At), Took: l.C.Took, Text: l.C.Text, Out: l.C.Out, Err: l.C.Err})
	case kindGap:
		rec.Gaps = append(rec.Gaps, Gap{At: at, Events: l.Events, Messages: l.Messages})
	case kindEnd:
		rec.Complete = true
	default:
		return fmt.Errorf("unknown record kind %q", l.K)
	}
	rec.Length = max(rec.Length, at)
	return nil
}

// finish sorts what the recorder wrote slightly out of order (commands
// are written when they end) and sets the length.
func (rec *Recording) finish() {
	sort.SliceStable(rec.Events, func(i, j int) bool { return rec.Events[i].Time.Before(rec.Events[j].Time) })
	sort.SliceStable(rec.Commands, func(i, j int) bool { return rec.Commands[i].At.Before(rec.Commands[j].At) })
	sort.SliceStable(rec.Messages, func(i, j int) bool { return rec.Messages[i].Time.Before(rec.Messages[j].Time) })
	for i := range rec.Messages {
		rec.Messages[i].Seq = uint64(i) + 1
	}
	end := rec.Start.Add(rec.Length)
	for _, t := range []time.Time{lastEvent(rec.Events), lastMsg(rec.Messages), lastCmd(rec.Commands)} {
		if t.After(end) && t.Sub(rec.Start) <= time.Duration(maxT) {
			end = t
		}
	}
	rec.Length = end.Sub(rec.Start)
}

func lastEvent(es []cluster.Event) time.Time {
	if len(es) == 0 {
		return time.Time{}
	}
	return es[len(es)-1].Time
}

func lastMsg(ms []cluster.MsgRecord) time.Time {
	if len(ms) == 0 {
		return time.Time{}
	}
	return ms[len(ms)-1].Time
}

func lastCmd(cs []Command) time.Time {
	if len(cs) == 0 {
		return time.Time{}
	}
	return cs[len(cs)-1].At
}

// Frames returns the number of status frames.
func (rec *Recording) Frames() int { return len(rec.frames) }

// FrameAt returns the index of the last status frame at or before at, -1
// when none is.
func (rec *Recording) FrameAt(at time.Duration) int {
	return sort.Search(len(rec.frames), func(i int) bool { return rec.frames[i].at > at }) - 1
}

// Status returns the status of frame i (safe for concurrent use): the
// cluster's fields of that frame and each node's last status recorded at
// or before it.
func (rec *Recording) Status(i int) cluster.Status {
	if i < 0 || i >= len(rec.frames) {
		return cluster.Status{Time: rec.Start}
	}
	f := rec.frames[i]
	st := f.s
	st.Nodes = make([]cluster.NodeStatus, f.nn)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.decoded) > 8*fullEvery*cluster.MaxNodes {
		clear(rec.decoded)
	}
	for k := range st.Nodes {
		id := uint64(k + 1)
		list := rec.nodes[id]
		j := sort.Search(len(list), func(j int) bool { return list[j].frame > i }) - 1
		if j < 0 {
			st.Nodes[k] = cluster.NodeStatus{ID: id}
			continue
		}
		d := rec.node(id, j, 0)
		if d.err != nil {
			d.ns = cluster.NodeStatus{ID: id, Err: "recording: " + d.err.Error()}
		}
		st.Nodes[k] = d.ns
	}
	return st
}
