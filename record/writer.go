package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
)

// Source is what a Recorder records: a live cluster (*cluster.Cluster is
// one).
type Source interface {
	Status() cluster.Status
	Events() *cluster.EventLog
	Trace() *cluster.MsgTrace
}

// WriterOptions changes how a Recorder writes.
type WriterOptions struct {
	// Frame is the time between status frames; 0 means the dashboard's
	// frame: a third of the heartbeat, between 33ms and 100ms.
	Frame time.Duration
	// Plain writes JSON lines without gzip.
	Plain bool
	// Clock is the recorder's clock (for the start and the records' "t");
	// nil means time.Now.
	Clock func() time.Time
	// FromNow records only what happens from the start on: the events and
	// message records the cluster holds from before are left out (a
	// recording started in the middle of a session). Without it they are
	// recorded too, at the start (a recording of a cluster just started
	// keeps its start-up).
	FromNow bool
}

// maxBatch is the most message records or events one line holds. The
// recorder yields the processor after each line of messages: a busy
// cluster's frame of them takes a millisecond or so to encode and gzip,
// and the nodes' loops should not wait behind it.
const maxBatch = 1024

// flushEvery is how often the recorder pushes what it wrote to the file,
// so that a run that is killed leaves a recording up to a moment ago.
const flushEvery = time.Second

// Recorder writes a recording of a live cluster: its status at every
// frame (only the nodes that changed), its events, its message trace
// records and the commands it is told of (Command), until Close.
type Recorder struct {
	src   Source
	opts  WriterOptions
	start time.Time

	mu     sync.Mutex // guards what follows: the writers and the last statuses
	closer io.Closer
	gz     *gzip.Writer
	bw     *bufio.Writer
	err    error
	closed bool
	last   map[uint64]*nodeEnc // each node's record as last written
	lastS  []byte              // the cluster's part as last written
	buf    []byte
	msgBuf []cluster.MsgRecord // reused for each read of the trace

	nextEvent, nextMsg uint64
	done, finished     chan struct{}
}

// Create creates file and records src into it until Close (see Start).
// A file whose name ends in .jsonl is written plain, without gzip.
func Create(file string, src Source, o Options, wo WriterOptions) (*Recorder, error) {
	return create(file, src, o, wo, nil)
}

// create is Create; opened is told the file before anything is written to
// it (Switch: a write into a pipe no one reads can wait from the first).
func create(file string, src Source, o Options, wo WriterOptions, opened func(*os.File)) (*Recorder, error) {
	if strings.HasSuffix(file, ".jsonl") {
		wo.Plain = true
	}
	// Said as save says it: "cannot write FILE: it is a directory", not
	// "open FILE: is a directory".
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		return nil, fmt.Errorf("record: cannot write %s: it is a directory", file)
	}
	f, err := commands.CreateOutput(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("record: cannot write %s: %w", file, err)
	}
	if opened != nil {
		opened(f)
	}
	r, err := Start(f, src, o, wo)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// Start writes the header to w and records src into it, from its oldest
// held events and message records on (from now on with wo.FromNow), until
// Close, which closes w. It gzips unless wo.Plain.
func Start(w io.WriteCloser, src Source, o Options, wo WriterOptions) (*Recorder, error) {
	if wo.Clock == nil {
		wo.Clock = time.Now
	}
	r := &Recorder{src: src, opts: wo, closer: w, last: map[uint64]*nodeEnc{}, nextEvent: 1, nextMsg: 1,
		done: make(chan struct{}), finished: make(chan struct{})}
	r.start = wo.Clock()
	if wo.FromNow {
		// Asking beyond the end of a ring means "from now on".
		_, r.nextEvent, _ = src.Events().Since(math.MaxUint64)
		if tr := src.Trace(); tr != nil {
			_, r.nextMsg, _ = tr.Since(math.MaxUint64)
		}
	}
	var out io.Writer = w
	if !wo.Plain {
		r.gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		out = r.gz
	}
	r.bw = bufio.NewWriterSize(out, 16<<10) // gzip works in short bursts
	h, err := json.Marshal(header{Format: Format, Version: Version, Start: r.start.UnixNano(), Options: o})
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r.bw.Write(append(h, '\n'))
	r.mu.Lock()
	r.frame()
	r.flushLocked()
	err = r.err
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	go r.loop()
	return r, nil
}

// frameEvery is the time between status frames for timing t.
func (r *Recorder) frameEvery(t cluster.Timing) time.Duration {
	if r.opts.Frame > 0 {
		return r.opts.Frame
	}
	return min(max(t.Heartbeat/3, 33*time.Millisecond), 100*time.Millisecond)
}

func (r *Recorder) loop() {
	defer close(r.finished)
	frame := r.frameEvery(cluster.Timing{})
	tick := time.NewTimer(frame)
	defer tick.Stop()
	lastFlush := time.Now()
	for {
		select {
		case <-r.done:
			return
		case <-tick.C:
		}
		r.mu.Lock()
		frame = r.frame()
		if time.Since(lastFlush) >= flushEvery {
			r.flushLocked()
			lastFlush = time.Now()
		}
		r.mu.Unlock()
		tick.Reset(frame)
	}
}

// since returns the time since the start, as a record's "t".
func (r *Recorder) since() int64 { return int64(r.opts.Clock().Sub(r.start)) }

// frame writes the events and message records added since the last
// frame, then a status frame; it returns the time to the next frame.
func (r *Recorder) frame() time.Duration {
	if r.err != nil || r.closed {
		return time.Second
	}
	r.drain()
	st := r.src.Status()
	r.writeStatus(st)
	return r.frameEvery(st.Timing)
}

// drain writes what the event log and the message trace hold beyond what
// was written.
func (r *Recorder) drain() {
	t := r.since()
	evs, next, missedE := r.src.Events().Since(r.nextEvent)
	r.nextEvent = next
	var msgs []cluster.MsgRecord
	var missedM uint64
	if tr := r.src.Trace(); tr != nil {
		msgs, r.nextMsg, missedM = tr.SinceInto(r.msgBuf[:0], r.nextMsg)
		if cap(msgs) <= 4*cluster.MsgTraceSize {
			r.msgBuf = msgs
		}
	}
	if missedE > 0 || missedM > 0 {
		r.writeLine(line{T: t, K: kindGap, Events: missedE, Messages: missedM})
	}
	for len(evs) > 0 {
		n := min(len(evs), maxBatch)
		recs := make([]eventRec, n)
		for i, e := range evs[:n] {
			recs[i] = newEventRec(e)
		}
		r.writeLine(line{T: t, K: kindEvents, E: recs})
		evs = evs[n:]
	}
	for len(msgs) > 0 {
		n := min(len(msgs), maxBatch)
		b := appendMsgs(r.buf[:0], t, msgs[:n])
		r.write(b)
		r.buf = b
		msgs = msgs[n:]
		if len(msgs) > 0 {
			runtime.Gosched()
		}
	}
}

// writeStatus writes a status frame: the cluster's part when it changed,
// and each node whose status changed.
func (r *Recorder) writeStatus(st cluster.Status) {
	l := line{T: r.since(), K: kindStatus, NN: len(st.Nodes)}
	s, err := json.Marshal(newStatusRec(st))
	if err != nil {
		r.err = err
		return
	}
	l.S = nil
	changed := !bytes.Equal(s, r.lastS)
	r.lastS = s
	for _, n := range st.Nodes {
		e := r.last[n.ID]
		if e == nil {
			e = &nodeEnc{}
			r.last[n.ID] = e
		}
		b, err := e.encode(n)
		if err != nil {
			r.err = err
			return
		}
		if b != nil {
			l.IDs = append(l.IDs, n.ID)
			l.N = append(l.N, b)
		}
	}
	if !changed && len(l.IDs) == 0 {
		return
	}
	// The cluster's part is written with every frame: it is small, and its
	// time is the frame's.
	b, err := json.Marshal(struct {
		line
		S json.RawMessage `json:"s"`
	}{l, s})
	if err != nil {
		r.err = err
		return
	}
	r.write(append(b, '\n'))
}

func (r *Recorder) writeLine(l line) {
	b, err := json.Marshal(l)
	if err != nil {
		r.err = err
		return
	}
	r.write(append(b, '\n'))
}

func (r *Recorder) write(b []byte) {
	if r.err == nil {
		_, r.err = r.bw.Write(b)
	}
}

func (r *Recorder) flushLocked() {
	if r.err == nil {
		r.err = r.bw.Flush()
	}
	if r.err == nil && r.gz != nil {
		r.err = r.gz.Flush()
	}
}

// Command records a command that ran (commands.RunnerOptions.Observe).
func (r *Recorder) Command(ran commands.Ran) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	r.drain() // the events before it come before it
	r.writeLine(line{T: r.since(), K: kindCommand, C: &cmdRec{At: unixNano(ran.At), Took: ran.Took, Text: ran.Text, Out: ran.Out, Err: ran.Err}})
}

// Close writes a last frame and the end mark, flushes and closes the file,
// and returns the first error writing it met.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.finished
		return r.err
	}
	r.frame()
	r.writeLine(line{T: r.since(), K: kindEnd})
	r.closed = true
	r.flushLocked()
	if r.gz != nil {
		if err := r.gz.Close(); r.err == nil {
			r.err = err
		}
	}
	if err := r.closer.Close(); r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	close(r.done)
	<-r.finished
	if r.err != nil {
		return fmt.Errorf("record: %w", r.err)
	}
	return nil
}

// Switch starts and stops recordings of one cluster, for `record start
// FILE` and `record stop` and for --record FILE; Observe passes the
// commands that ran to the recording in progress. It implements
// commands.Recording.
type Switch struct {
	src  Source
	opts Options
	wo   WriterOptions

	mu   sync.Mutex
	rec  *Recorder
	file string
	// out is the recording's file while one is made, read without mu:
	// Stop and start hold mu while a write into a pipe no one reads
	// waits. interrupted is the deadline Interrupt set (0: none).
	out         atomic.Pointer[os.File]
	interrupted atomic.Int64
}

// NewSwitch returns a Switch that records src, its header saying o.
func NewSwitch(src Source, o Options, wo WriterOptions) *Switch {
	return &Switch{src: src, opts: o, wo: wo}
}

// Start starts recording into file, from now on: what happened before in
// the session is not in it (`record start FILE`).
func (s *Switch) Start(file string) error {
	wo := s.wo
	wo.FromNow = true
	return s.start(file, wo)
}

// StartWithHeld starts recording into file, with the events and message
// records the cluster holds from before (--record FILE, as the cluster
// starts: its start-up is in the recording).
func (s *Switch) StartWithHeld(file string) error { return s.start(file, s.wo) }

func (s *Switch) start(file string, wo WriterOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		return fmt.Errorf("already recording to %s (record stop first)", s.file)
	}
	rec, err := create(file, s.src, s.opts, wo, func(f *os.File) {
		s.out.Store(f)
		if d := s.interrupted.Load(); d != 0 {
			f.SetWriteDeadline(time.Unix(0, d))
		}
	})
	if err != nil {
		s.out.Store(nil)
		return unprefixed{strings.TrimPrefix(err.Error(), "record: "), err}
	}
	s.rec, s.file = rec, file
	return nil
}

// unprefixed is an error of this package said without its "record: "
// (the switch's callers name the recording themselves), its cause kept
// (a *fs.PathError says which file and why).
type unprefixed struct {
	msg string
	err error
}

func (e unprefixed) Error() string { return e.msg }
func (e unprefixed) Unwrap() error { return e.err }

// Interrupt lets the recording's writes wait at most grace from now (the
// run was interrupted): into a pipe whose reader stopped reading they
// waited for ever, and the run with them, a signal ignored. A file's writes
// never wait, and are not limited.
func (s *Switch) Interrupt(grace time.Duration) {
	at := time.Now().Add(grace)
	s.interrupted.Store(at.UnixNano())
	if f := s.out.Load(); f != nil {
		f.SetWriteDeadline(at)
	}
}

// Stop ends the recording in progress and returns its file.
func (s *Switch) Stop() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec == nil {
		return "", errors.New("not recording (record start FILE first)")
	}
	err := s.rec.Close()
	file := s.file
	s.rec, s.file = nil, ""
	s.out.Store(nil)
	return file, err
}

// Recording returns the file being recorded to, "" when none.
func (s *Switch) Recording() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.file
}

// Observe records ran in the recording in progress, if any.
func (s *Switch) Observe(ran commands.Ran) {
	s.mu.Lock()
	rec := s.rec
	s.mu.Unlock()
	if rec != nil {
		rec.Command(ran)
	}
}

// Close stops the recording in progress, if any.
func (s *Switch) Close() error {
	if s.Recording() == "" {
		return nil
	}
	_, err := s.Stop()
	return err
}
