package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
	"raftplay/tui"
)

// builder writes a recording by hand, plain, for tests.
type builder struct {
	t     *testing.T
	start time.Time
	buf   bytes.Buffer
}

var t0 = time.Unix(1_700_000_000, 0)

func newBuilder(t *testing.T, version int) *builder {
	b := &builder{t: t, start: t0}
	h, _ := json.Marshal(header{Format: Format, Version: version, Start: t0.UnixNano(), Options: Options{Nodes: 3, Timing: cluster.PaperTiming, Seed: 7, Run: "test"}})
	b.buf.Write(append(h, '\n'))
	return b
}

func (b *builder) line(l line) *builder {
	j, err := json.Marshal(l)
	if err != nil {
		b.t.Fatal(err)
	}
	b.buf.Write(append(j, '\n'))
	return b
}

// status writes a frame at at in which the nodes given changed to term.
func (b *builder) status(at time.Duration, term uint64, ids ...uint64) *builder {
	l := line{T: int64(at), K: kindStatus, S: newStatusRec(cluster.Status{Time: t0.Add(at), Term: term}), NN: 3}
	for _, id := range ids {
		n, _ := json.Marshal(newNodeRec(cluster.NodeStatus{ID: id, Term: term, Role: "follower", State: cluster.StateUp, LogTerms: []uint64{1, 1, term}}))
		l.IDs, l.N = append(l.IDs, id), append(l.N, n)
	}
	return b.line(l)
}

func (b *builder) event(at time.Duration, kind cluster.EventKind, text string) *builder {
	return b.line(line{T: int64(at), K: kindEvents, E: []eventRec{newEventRec(cluster.Event{Time: t0.Add(at), Kind: kind, Text: text})}})
}

func (b *builder) msgs(at time.Duration, n int, every time.Duration) *builder {
	for len := 0; len < n; {
		k := min(n-len, maxBatch)
		recs := make([]cluster.MsgRecord, k)
		for i := range k {
			recs[i] = cluster.MsgRecord{Time: t0.Add(at + time.Duration(len+i)*every), Event: cluster.MsgDelivered, From: 1, To: 2, Type: raft.MsgApp, Term: 2}
		}
		len += k
		b.buf.Write(appendMsgs(nil, int64(at), recs))
	}
	return b
}

func (b *builder) command(at time.Duration, text, out string) *builder {
	return b.line(line{T: int64(at), K: kindCommand, C: &cmdRec{At: t0.Add(at).UnixNano(), Took: time.Millisecond, Text: text, Out: out}})
}

func (b *builder) end(at time.Duration) *builder { return b.line(line{T: int64(at), K: kindEnd}) }

func (b *builder) read() *Recording {
	b.t.Helper()
	rec, err := Read(bytes.NewReader(b.buf.Bytes()))
	if err != nil {
		b.t.Fatal(err)
	}
	return rec
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sample is a 10s recording: frames every second (term = second), an
// election at 2.5s, a crash at 4s, messages from 5s, a command at 6s.
func sample(t *testing.T) *Recording {
	b := newBuilder(t, Version)
	for s := range 11 {
		ids := []uint64{1, 2, 3}
		if s%2 == 1 {
			ids = ids[:1] // nodes 2 and 3 unchanged
		}
		b.status(time.Duration(s)*time.Second, uint64(s), ids...)
	}
	b.event(2500*time.Millisecond, "raft.role", "2 became leader at term 2")
	b.event(4*time.Second, cluster.EventCrash, "crashed 3")
	b.msgs(5*time.Second, 10, 100*time.Millisecond)
	b.command(6*time.Second, "crash 3", "ok")
	b.event(9*time.Second, cluster.EventViolation, "two leaders in term 2")
	return b.end(10 * time.Second).read()
}

func TestPlayerPlaysWithTheClock(t *testing.T) {
	clk := &fakeClock{t: time.Unix(100, 0)}
	p := NewPlayer(sample(t), PlayerOptions{Clock: clk.Now})
	if !p.Playing() || p.Position() != 0 || p.Length() != 10*time.Second {
		t.Fatalf("start: playing %v at %v of %v", p.Playing(), p.Position(), p.Length())
	}
	clk.Advance(time.Second)
	if got := p.Position(); got != time.Second {
		t.Fatalf("after 1s: %v", got)
	}
	if got := p.Now(); !got.Equal(t0.Add(time.Second)) {
		t.Errorf("Now %v, want %v", got, t0.Add(time.Second))
	}
	if got := p.SetSpeed(2); got != 2 {
		t.Fatalf("SetSpeed(2) = %v", got)
	}
	clk.Advance(time.Second)
	if got := p.Position(); got != 3*time.Second {
		t.Fatalf("after 1s at 2x: %v", got)
	}
	for x, want := range map[float64]float64{100: tui.MaxSpeed, 0: tui.MinSpeed, -1: tui.MinSpeed, math.NaN(): tui.MinSpeed, math.Inf(1): tui.MaxSpeed, 0.5: 0.5} {
		if got := p.SetSpeed(x); got != want || p.Speed() != want {
			t.Errorf("SetSpeed(%v) = %v, Speed %v; want %v", x, got, p.Speed(), want)
		}
	}
	p.SetPlaying(false)
	clk.Advance(time.Hour)
	if got := p.Position(); got != 3*time.Second {
		t.Fatalf("paused: moved to %v", got)
	}
	p.SetSpeed(10)
	p.SetPlaying(true)
	clk.Advance(time.Hour)
	if got := p.Position(); got != 10*time.Second || p.Playing() {
		t.Fatalf("at the end: %v, playing %v", got, p.Playing())
	}
	epoch := p.Epoch()
	p.SetPlaying(true) // at the end: again from the start
	if got := p.Position(); got != 0 || !p.Playing() || p.Epoch() == epoch {
		t.Fatalf("replay from the end: at %v, playing %v, epoch %d (was %d)", got, p.Playing(), p.Epoch(), epoch)
	}
}

func TestPlayerStatusAtCursor(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{Paused: true})
	p.Seek(3500 * time.Millisecond)
	st := p.Status()
	if st.Term != 3 || !st.Time.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("at 3.5s: term %d time %v, want the frame of 3s", st.Term, st.Time)
	}
	// Node 1 changed at 3s; nodes 2 and 3 last at 2s.
	if len(st.Nodes) != 3 || st.Nodes[0].Term != 3 || st.Nodes[1].Term != 2 || st.Nodes[2].Term != 2 {
		t.Fatalf("nodes: %+v", st.Nodes)
	}
	if got := st.Nodes[0].LogTerms; len(got) != 3 || got[2] != 3 {
		t.Errorf("log terms %v", got)
	}
	p.Seek(time.Hour)
	if p.Position() != 10*time.Second || p.Status().Term != 10 {
		t.Errorf("seek beyond the end: at %v, term %d", p.Position(), p.Status().Term)
	}
	p.Seek(-time.Second)
	if p.Position() != 0 || p.Status().Term != 0 {
		t.Errorf("seek before the start: at %v", p.Position())
	}
}

func eventTexts(l *cluster.EventLog) []string {
	evs, _, _ := l.Since(1)
	var s []string
	for _, e := range evs {
		s = append(s, e.Text)
	}
	return s
}

func TestPlayerEventsUpToCursor(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{Paused: true})
	if got := eventTexts(p.Events()); len(got) != 0 {
		t.Fatalf("at 0: %v", got)
	}
	e0 := p.Epoch()
	log := p.Events()
	p.Seek(5 * time.Second)
	if p.Epoch() != e0 || p.Events() != log {
		t.Fatal("a forward seek changed the epoch or the log")
	}
	if got := eventTexts(log); len(got) != 2 || got[1] != "crashed 3" {
		t.Fatalf("at 5s: %v", got)
	}
	p.Seek(3 * time.Second)
	if p.Epoch() == e0 || p.Events() == log {
		t.Fatal("a backward seek kept the epoch or the log")
	}
	if got := eventTexts(p.Events()); len(got) != 1 || got[0] != "2 became leader at term 2" {
		t.Fatalf("back at 3s: %v", got)
	}
	// Playing adds events as the cursor passes them, into the same log.
	clk := &fakeClock{t: time.Unix(100, 0)}
	p = NewPlayer(sample(t), PlayerOptions{Clock: clk.Now})
	log = p.Events()
	wake := log.Wait()
	clk.Advance(3 * time.Second)
	p.Status() // a frame
	select {
	case <-wake:
	default:
		t.Fatal("the frame at 3s did not add the election's event")
	}
	if got := eventTexts(log); len(got) != 1 {
		t.Fatalf("at 3s: %v", got)
	}
}

func TestPlayerMessagesUpToCursor(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{Paused: true})
	m := p.Messages()
	if recs, next, dropped := m.Since(1); len(recs) != 0 || next != 1 || dropped != 0 || !m.On() {
		t.Fatalf("at 0: %d records, next %d, dropped %d", len(recs), next, dropped)
	}
	p.Seek(5250 * time.Millisecond) // records at 5.0, 5.1, 5.2
	recs, next, _ := p.Messages().Since(1)
	if len(recs) != 3 || next != 4 || recs[0].Seq != 1 {
		t.Fatalf("at 5.25s: %d records, next %d", len(recs), next)
	}
	p.Seek(time.Hour)
	recs, next, _ = p.Messages().Since(next)
	if len(recs) != 7 || next != 11 || recs[6].Seq != 10 {
		t.Fatalf("at the end: %d more records, next %d", len(recs), next)
	}
	if recs, next, _ := p.Messages().Since(50); len(recs) != 0 || next != 11 {
		t.Errorf("beyond the end: %d, next %d", len(recs), next)
	}
}

// TestPlayerMessagesRing: like the cluster's ring, the view holds the
// newest MsgTraceSize records and counts what it no longer holds.
func TestPlayerMessagesRing(t *testing.T) {
	n := cluster.MsgTraceSize + 10
	rec := newBuilder(t, Version).status(0, 1, 1, 2, 3).msgs(0, n, time.Microsecond).end(time.Second).read()
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	p.Seek(time.Second)
	recs, next, dropped := p.Messages().Since(1)
	if len(recs) != cluster.MsgTraceSize || dropped != 10 || next != uint64(n)+1 || recs[0].Seq != 11 {
		t.Fatalf("%d records, dropped %d, next %d, first %d", len(recs), dropped, next, recs[0].Seq)
	}
}

func TestPlayerStep(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{})
	var at []time.Duration
	for p.Step(true) {
		at = append(at, p.Position())
		if p.Playing() {
			t.Fatal("step left it playing")
		}
	}
	// election, crash, 10 messages, command, violation
	// (the election at 2.5s is shown by the frame at 3s)
	if len(at) != 14 || at[0] != 3*time.Second || at[1] != 4*time.Second || at[2] != 5*time.Second || at[12] != 6*time.Second || at[13] != 9*time.Second {
		t.Fatalf("forward steps at %v", at)
	}
	p.Seek(10 * time.Second)
	e := p.Epoch()
	if !p.Step(false) || p.Position() != 9*time.Second || p.Epoch() == e {
		t.Fatalf("step back: at %v, epoch %d (was %d)", p.Position(), p.Epoch(), e)
	}
	p.Seek(time.Second)
	if p.Step(false) {
		t.Errorf("step back before the first thing: moved to %v", p.Position())
	}
}

func TestPlayerFind(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{})
	if !p.Find("Became LEADER") || p.Position() != 3*time.Second || p.Found() != 2500*time.Millisecond || p.Playing() {
		t.Fatalf("find: at %v", p.Position())
	}
	if !p.Find("crash") || p.Position() != 4*time.Second {
		t.Fatalf("find crash: at %v", p.Position())
	}
	if !p.Find("crash 3") || p.Position() != 6*time.Second { // the command
		t.Fatalf("find the command: at %v", p.Position())
	}
	if !p.Find("app t2") || p.Position() != 5*time.Second { // a message, wrapping
		t.Fatalf("find a message: at %v", p.Position())
	}
	if !p.Find("1->2 app") || p.Position() != 5100*time.Millisecond {
		t.Fatalf("find the next message: at %v", p.Position())
	}
	p.Seek(9500 * time.Millisecond)
	if !p.Find("became leader") || p.Position() != 3*time.Second {
		t.Fatalf("find wraps: at %v", p.Position())
	}
	if p.Find("no such words") || p.Position() != 3*time.Second {
		t.Errorf("find nothing moved to %v", p.Position())
	}
}

// TestFindShowsTheEventsConsequence checks that find and step land on the
// status frame that shows an event (the frame before it shows the state
// before), and on the event itself when no frame follows soon.
func TestFindShowsTheEventsConsequence(t *testing.T) {
	b := newBuilder(t, Version)
	for i := range 5 { // 0 to 132ms
		b.status(time.Duration(i)*33*time.Millisecond, 0, 1, 2, 3)
	}
	b.event(153*time.Millisecond, "raft.role", "2 became leader at term 1")
	b.status(198*time.Millisecond, 1, 1, 2, 3) // the frame after it: term 1
	b.status(231*time.Millisecond, 1)
	b.event(2*time.Second, cluster.EventFault, "healed") // no frame follows
	rec := b.end(3 * time.Second).read()

	p := NewPlayer(rec, PlayerOptions{Paused: true})
	if !p.Find("became leader") || p.Position() != 198*time.Millisecond || p.Found() != 153*time.Millisecond {
		t.Fatalf("find: at %v, found %v; want the frame at 198ms, found at 153ms", p.Position(), p.Found())
	}
	if st := p.Status(); st.Nodes[1].Term != 1 {
		t.Errorf("find: node 2 at term %d, want the term the event began (1)", st.Nodes[1].Term)
	}
	if evs := eventTexts(p.Events()); len(evs) != 1 || evs[0] != "2 became leader at term 1" {
		t.Errorf("find: events %q", evs)
	}
	out, err := (&Executor{Player: p}).Exec(context.Background(), &commands.Command{Verb: commands.VerbFind, Message: "became leader"})
	// The one found again: nothing after it, so from the start.
	if err != nil || out != "wrapped to the start, at 153ms of 3s: 2 became leader at term 1 (shown from 198ms)" {
		t.Errorf("find says %q, %v; want the event's own time and the cursor's", out, err)
	}
	if !p.Find("healed") || p.Position() != 2*time.Second {
		t.Errorf("find with no frame after: at %v, want the event's time", p.Position())
	}

	p.Seek(0)
	if !p.Step(true) || p.Position() != 198*time.Millisecond {
		t.Errorf("step forward: at %v, want the frame at 198ms", p.Position())
	}
	if !p.Step(true) || p.Position() != 2*time.Second {
		t.Errorf("step forward: at %v, want 2s", p.Position())
	}
	if !p.Step(false) || p.Position() != 198*time.Millisecond {
		t.Errorf("step back: at %v, want the frame at 198ms", p.Position())
	}
	if p.Step(false) {
		t.Errorf("step back before the first event: moved to %v", p.Position())
	}
}

// TestFindGoesThroughOnePlace: an event and the commands just after it
// are all shown by one status frame; find lands there for each in turn,
// in the order they happened, then wraps.
func TestFindGoesThroughOnePlace(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3).status(33*time.Millisecond, 1, 1)
	b.event(50*time.Millisecond, cluster.EventViolation, "SAFETY VIOLATION (election safety)")
	b.command(55*time.Millisecond, "say a violation", "a violation")
	b.command(60*time.Millisecond, "wait violation", "violation seen")
	b.status(66*time.Millisecond, 2, 1, 2, 3)
	rec := b.end(70 * time.Millisecond).read()
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	x := &Executor{Player: p}
	for _, want := range []string{"at 50ms of 70ms: SAFETY VIOLATION (election safety) (shown from 66ms)", "at 55ms of 70ms: > say a violation (shown from 66ms)",
		"at 60ms of 70ms: > wait violation (shown from 66ms)", "wrapped to the start, at 50ms of 70ms: SAFETY VIOLATION (election safety) (shown from 66ms)"} {
		out, err := x.Exec(context.Background(), &commands.Command{Verb: commands.VerbFind, Message: "violation"})
		if err != nil || out != want {
			t.Errorf("find violation: %q, %v; want %q", out, err, want)
		}
		if p.Position() != 66*time.Millisecond || p.Status().Nodes[2].Term != 2 {
			t.Errorf("find violation: at %v, node 3 at term %d; want the frame at 66ms, term 2", p.Position(), p.Status().Nodes[2].Term)
		}
	}
}

// TestHereNamesEverythingAtOnePlace: two events one status frame shows
// are both at its place, commands first; a place with only messages has
// nothing to name (a new user saw one event named on two steps and the
// other never).
func TestHereNamesEverythingAtOnePlace(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3).status(33*time.Millisecond, 1, 1)
	b.event(40*time.Millisecond, "raft.role", "3 became pre-candidate at term 1")
	b.event(40*time.Millisecond+time.Microsecond, "raft.role", "3 started pre-election for term 2")
	b.command(41*time.Millisecond, "pause 3", "ok")
	b.status(66*time.Millisecond, 2, 1, 2, 3)
	rec := b.end(70 * time.Millisecond).read()
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	if !p.Step(true) || p.Position() != 66*time.Millisecond {
		t.Fatalf("step: at %v, want the frame at 66ms", p.Position())
	}
	want := []string{"> pause 3", "3 became pre-candidate at term 1", "3 started pre-election for term 2"}
	if got := p.Here(); !slices.Equal(got, want) {
		t.Errorf("here at 66ms: %q, want %q", got, want)
	}
	p.Seek(33 * time.Millisecond)
	if got := p.Here(); len(got) != 0 {
		t.Errorf("here at 33ms, where nothing happened: %q", got)
	}
}

func TestPlayerMarks(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{})
	want := []tui.Mark{
		{At: 2500 * time.Millisecond, Kind: tui.MarkLeader, Text: "2 became leader at term 2"},
		{At: 4 * time.Second, Kind: tui.MarkFault, Text: "crashed 3"},
		{At: 6 * time.Second, Kind: tui.MarkCommand, Text: "crash 3", Place: 6 * time.Second},
		{At: 9 * time.Second, Kind: tui.MarkViolation, Text: "two leaders in term 2"},
	}
	if got := p.Marks(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("marks %v, want %v", got, want)
	}
	if p.Stopped() != nil {
		t.Errorf("stopped: %v", p.Stopped())
	}
}

func TestReadNewerVersion(t *testing.T) {
	b := newBuilder(t, Version+1).status(0, 1, 1, 2, 3).end(time.Second)
	_, err := Read(bytes.NewReader(b.buf.Bytes()))
	if !errors.Is(err, ErrNewer) || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("err %v, want ErrNewer naming version 2", err)
	}
}

func TestReadNotARecording(t *testing.T) {
	for _, in := range []string{"", "hello\n", `{"format":"other","version":1}` + "\n", "\x1f\x8bxx"} {
		if _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestReadTruncatedAndDamaged(t *testing.T) {
	whole := sample(t)
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3).event(time.Second, cluster.EventCrash, "crashed 1")
	good := b.buf.Len()
	lines := strings.Count(b.buf.String(), "\n")
	b.status(2*time.Second, 2, 1).end(3 * time.Second)
	full := b.buf.Bytes()

	cut := full[:good+10] // in the middle of the third record
	rec, err := Read(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	var de *DamageError
	if !errors.As(rec.Stopped, &de) || de.Line != lines+1 || de.Offset != int64(good) || !strings.Contains(rec.Stopped.Error(), fmt.Sprintf("line %d (byte offset %d)", lines+1, good)) {
		t.Fatalf("cut: stopped %v", rec.Stopped)
	}
	if rec.Frames() != 1 || len(rec.Events) != 1 || rec.Length != time.Second {
		t.Errorf("cut: %d frames, %d events, length %v", rec.Frames(), len(rec.Events), rec.Length)
	}

	damaged := bytes.Clone(full)
	damaged[good+3] = '#'
	rec, _ = Read(bytes.NewReader(damaged))
	if !errors.As(rec.Stopped, &de) || de.Line != lines+1 {
		t.Fatalf("damaged: stopped %v", rec.Stopped)
	}

	rec, _ = Read(bytes.NewReader(full[:good])) // no end mark
	if rec.Stopped == nil || !strings.Contains(rec.Stopped.Error(), "without its end mark") || rec.Complete {
		t.Fatalf("no end mark: stopped %v", rec.Stopped)
	}
	// It ends after the last line read, at the end of the text.
	if want := fmt.Sprintf("record: after line %d (byte offset %d): the recording ends without", lines, good); !strings.HasPrefix(rec.Stopped.Error(), want) {
		t.Errorf("no end mark: %v; want %q", rec.Stopped, want)
	}
	header := bytes.IndexByte(full, '\n') + 1
	rec, _ = Read(bytes.NewReader(full[:header])) // the header alone
	if want := fmt.Sprintf("record: after line 1 (byte offset %d): ", header); rec.Stopped == nil || !strings.HasPrefix(rec.Stopped.Error(), want) {
		t.Errorf("header only: %v; want %q", rec.Stopped, want)
	}
	if whole.Stopped != nil || !whole.Complete {
		t.Errorf("whole: stopped %v", whole.Stopped)
	}

	// A gzipped recording cut short.
	var gz bytes.Buffer
	w := gzipWriter(&gz)
	w.Write(full)
	w.Close()
	rec, err = Read(bytes.NewReader(gz.Bytes()[:gz.Len()-12]))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Stopped == nil || rec.Frames() == 0 || !strings.Contains(rec.Stopped.Error(), " of the decompressed text)") {
		t.Errorf("cut gzip: stopped %v, %d frames", rec.Stopped, rec.Frames())
	}
	// Gzipped, without its end mark: the offset is the decompressed text's.
	gz.Reset()
	w = gzipWriter(&gz)
	w.Write(full[:good])
	w.Close()
	rec, _ = Read(bytes.NewReader(gz.Bytes()))
	if want := fmt.Sprintf("record: after line %d (byte offset %d of the decompressed text): ", lines, good); rec.Stopped == nil || !strings.HasPrefix(rec.Stopped.Error(), want) {
		t.Errorf("gzip, no end mark: %v; want %q", rec.Stopped, want)
	}
}

// TestFindSkipsAFrameOfTheSameInstant: a status frame taken in the same
// instant as an event may still show the state before it (the node records
// the event while it steps and publishes at the end of the step), so find
// lands on the next frame; the last frame, written at close, still counts
// when it follows the event closely.
func TestFindSkipsAFrameOfTheSameInstant(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 0, 1, 2, 3)
	b.event(100*time.Millisecond, "raft.role", "2 started election at term 2")
	b.status(100*time.Millisecond+200*time.Microsecond, 0, 1, 2, 3) // taken as the event happened
	b.status(133*time.Millisecond, 1, 1, 2, 3)
	b.event(500*time.Millisecond, cluster.EventViolation, "SAFETY VIOLATION")
	b.status(500*time.Millisecond+100*time.Microsecond, 1) // the frame at close
	rec := b.end(500*time.Millisecond + 100*time.Microsecond).read()

	p := NewPlayer(rec, PlayerOptions{Paused: true})
	if !p.Find("started election") || p.Position() != 133*time.Millisecond {
		t.Errorf("find: at %v, want the frame at 133ms, not the one of the same instant", p.Position())
	}
	if !p.Find("violation") || p.Position() != 500*time.Millisecond+100*time.Microsecond {
		t.Errorf("find the last event: at %v, want the closing frame", p.Position())
	}
}

// Step stops at a command at the status frame that shows it, and its mark
// says so (Place), so the step's note can name the command there.
func TestStepStopsAtCommandsPlace(t *testing.T) {
	b := newBuilder(t, Version)
	for s := range 4 {
		b.status(time.Duration(s)*time.Second, uint64(s), 1, 2, 3)
	}
	b.command(1800*time.Millisecond, "crash 3", "ok")
	p := NewPlayer(b.end(3*time.Second).read(), PlayerOptions{Paused: true})
	p.Seek(time.Second)
	if !p.Step(true) {
		t.Fatal("no step forward from 1s")
	}
	at := p.Position()
	var named string
	for _, mk := range p.Marks() {
		if mk.Kind == tui.MarkCommand && mk.Place == at {
			named = mk.Text
		}
	}
	if at != 2*time.Second || named != "crash 3" {
		t.Fatalf("stepped to %v naming %q; want the frame at 2s and the command crash 3 (marks %v)", at, named, p.Marks())
	}
}

// Stepping leaves out heartbeats and their answers, as the messages view
// does unless asked: a learner stepping landed on them again and again
// ("a message (m shows it)", and m showed nothing).
func TestStepSkipsHeartbeats(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	beat := func(at time.Duration, typ raft.MessageType) {
		rec := cluster.MsgRecord{Time: t0.Add(at), Event: cluster.MsgDelivered, From: 1, To: 2, Type: typ, Term: 1}
		b.buf.Write(appendMsgs(nil, int64(at), []cluster.MsgRecord{rec}))
	}
	beat(100*time.Millisecond, raft.MsgHeartbeat)
	beat(101*time.Millisecond, raft.MsgHeartbeatResp)
	beat(200*time.Millisecond, raft.MsgApp)
	beat(300*time.Millisecond, raft.MsgHeartbeat)
	rec := b.end(time.Second).read()
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	if !p.Step(true) || p.Position() != 200*time.Millisecond {
		t.Fatalf("step forward: at %v, want the append at 200ms", p.Position())
	}
	if here := p.Here(); len(here) != 1 || !strings.HasPrefix(here[0], "1->2 app") || !strings.HasSuffix(here[0], "(m shows it)") {
		t.Errorf("here at the append: %q, want the append named", here)
	}
	if p.Step(true) {
		t.Errorf("step forward past the last append landed at %v", p.Position())
	}
	p.Seek(time.Second)
	if !p.Step(false) || p.Position() != 200*time.Millisecond {
		t.Fatalf("step back: at %v, want the append at 200ms", p.Position())
	}
	if p.Step(false) {
		t.Errorf("step back before the append landed at %v", p.Position())
	}
}

// TestFindNamesTheLineOfACommandsOutput: a find whose words are in what a
// command printed, not in the command, names that line too (a new user
// saw only "> step" for a find of "3 lost vote").
func TestFindNamesTheLineOfACommandsOutput(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.command(20*time.Millisecond, "step", "2->3 vote-resp t2 granted delivered\n3 lost vote at term 2")
	rec := b.end(40 * time.Millisecond).read()
	x := &Executor{Player: NewPlayer(rec, PlayerOptions{Paused: true})}
	out, err := x.Exec(context.Background(), &commands.Command{Verb: commands.VerbFind, Message: "3 LOST vote"})
	if want := "at 20ms of 40ms: > step: 3 lost vote at term 2"; err != nil || !strings.HasPrefix(out, want) {
		t.Errorf("find: %q, %v; want it to start %q", out, err, want)
	}
	out, err = x.Exec(context.Background(), &commands.Command{Verb: commands.VerbFind, Message: "ste"})
	if want := "wrapped to the start, at 20ms of 40ms: > step"; err != nil || out != want && !strings.HasPrefix(out, want+" (") {
		t.Errorf("find: %q, %v; want %q", out, err, want)
	}
}

// TestFindAMessageShowsWhatItDid: find lands on the status frame after a
// message, as after an event (a discarded message is gone from its
// node's held count only there; a teacher's find stopped on the frame
// before, which still showed it held), says both times, and `here` there
// names it; a step still lands on the message's own time.
func TestFindAMessageShowsWhatItDid(t *testing.T) {
	b := newBuilder(t, Version)
	for i := range 5 { // 0 to 132ms
		b.status(time.Duration(i)*33*time.Millisecond, 0, 1, 2, 3)
	}
	b.msgs(150*time.Millisecond, 1, time.Millisecond)
	b.status(165*time.Millisecond, 1, 1, 2, 3)
	rec := b.end(time.Second).read()
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	out, err := (&Executor{Player: p}).Exec(context.Background(), &commands.Command{Verb: commands.VerbFind, Message: "1->2 app"})
	if err != nil || p.Position() != 165*time.Millisecond || !strings.HasSuffix(out, "(shown from 165ms)") || !strings.HasPrefix(out, "at 150ms of 1s: ") {
		t.Fatalf("find a message: %q, %v, at %v; want it found at 150ms, shown from the frame at 165ms", out, err, p.Position())
	}
	if here := p.Here(); len(here) != 1 || !strings.HasPrefix(here[0], "1->2 app t2") {
		t.Errorf("here at the find's place: %q", here)
	}
	p.Seek(0)
	if !p.Step(true) || p.Position() != 150*time.Millisecond {
		t.Errorf("step onto the message: at %v, want its own time", p.Position())
	}
	if here := p.Here(); len(here) != 1 || !strings.HasPrefix(here[0], "1->2 app t2") {
		t.Errorf("here at the message's own time: %q", here)
	}
}

// Steps keep the order things happened in: an event (or a command)
// followed, before the status frame that shows it, by messages it caused
// is stepped onto at its own time, before them (a candidate's "became
// candidate" came after its vote requests, a command after its effects);
// with none between, a step still lands on the frame that shows it.
func TestStepKeepsTheOrderOfEventsAndMessages(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.command(160*time.Millisecond, "timeout 1", "1 timed out")
	b.event(167*time.Millisecond, cluster.EventKind("raft.role"), "1 became candidate at term 2")
	b.msgs(168*time.Millisecond, 3, time.Millisecond) // 168, 169, 170
	b.status(176*time.Millisecond, 2, 1, 2, 3)
	b.event(300*time.Millisecond, cluster.EventKind("raft.role"), "1 became leader at term 2")
	b.status(330*time.Millisecond, 2, 1, 2, 3)
	rec := b.end(time.Second).read()
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	var at []time.Duration
	for p.Step(true) {
		at = append(at, p.Position())
	}
	ms := time.Millisecond
	if want := []time.Duration{160 * ms, 167 * ms, 168 * ms, 169 * ms, 170 * ms, 330 * ms}; !slices.Equal(at, want) {
		t.Fatalf("steps at %v, want %v", at, want)
	}
	p.Seek(167 * ms)
	if here := p.Here(); len(here) != 1 || here[0] != "1 became candidate at term 2" {
		t.Errorf("here at the event's own time: %q", here)
	}
}

// Step places never go back in time: an event just before a frame (which
// then is not its frame) whose place is its own time brings an earlier
// event's place there too, so that steps, which search the places in
// order, reach both (one was skipped forward, the other backward).
func TestStepReachesEveryEvent(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.event(100*time.Millisecond, cluster.EventKind("raft.role"), "A")
	b.event(149500*time.Microsecond, cluster.EventKind("raft.role"), "B")
	b.status(150*time.Millisecond, 1, 1, 2, 3)
	b.msgs(200*time.Millisecond, 1, time.Millisecond)
	b.status(250*time.Millisecond, 1, 1, 2, 3)
	rec := b.end(time.Second).read()
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	var seen []string
	for p.Step(true) {
		seen = append(seen, p.Here()...)
	}
	if !slices.Contains(seen, "A") || !slices.Contains(seen, "B") {
		t.Errorf("forward steps saw %q, want A and B", seen)
	}
	seen = nil
	for p.Step(false) {
		seen = append(seen, p.Here()...)
	}
	if !slices.Contains(seen, "A") || !slices.Contains(seen, "B") {
		t.Errorf("backward steps saw %q, want A and B", seen)
	}
}

// TestReadWronglyTypedNodeFields: a node's record whose fields are not a
// status's (a negative commit or term, a role that does not exist) is
// damage where it is, as a line that does not parse: the recording stops
// before its frame (the card was drawn down, with a JSON error, under a
// header that drew the frame's figures).
func TestReadWronglyTypedNodeFields(t *testing.T) {
	for _, c := range []struct{ node, want string }{
		{`{"~":1,"commit":-100}`, `status frame: node 2: "commit" is number -100, not a uint64`},
		{`{"~":1,"role":"emperor"}`, `status frame: node 2: role "emperor" is not a role`},
		{`{"id":2,"state":"up","role":"leader","term":-5}`, `status frame: node 2: "term" is number -5, not a uint64`},
		{`{"~":1,"state":"asleep"}`, `status frame: node 2: state "asleep" is not a state`},
		{`{"~":1,"links":{"1":{"ms":"many"}}}`, `status frame: node 2: "links.ms" is string, not a uint64`},
		{`{"~":1,"log_terms":[1]}`, `status frame: node 2: `},
	} {
		b := newBuilder(t, Version)
		b.status(0, 1, 1, 2, 3).command(time.Second, "crash 1", "ok")
		good := b.buf.Len()
		lines := strings.Count(b.buf.String(), "\n")
		fmt.Fprintf(&b.buf, `{"t":2000000000,"k":"s","nn":3,"ids":[2],"n":[%s],"s":{"leader":2,"term":5,"commit":6}}`+"\n", c.node)
		b.command(3*time.Second, "crash 2", "ok")
		rec := b.end(4 * time.Second).read()
		var de *DamageError
		if !errors.As(rec.Stopped, &de) || de.Line != lines+1 || de.Offset != int64(good) || !strings.Contains(rec.Stopped.Error(), c.want) ||
			!strings.HasSuffix(rec.Stopped.Error(), "; the replay stops there") {
			t.Errorf("%s: stopped %v; want damage at line %d: %q", c.node, rec.Stopped, lines+1, c.want)
			continue
		}
		if rec.Frames() != 1 || len(rec.Commands) != 1 || rec.Length != time.Second {
			t.Errorf("%s: %d frames, %d commands, length %v; want what came before the damage", c.node, rec.Frames(), len(rec.Commands), rec.Length)
		}
	}
	// The fields of a status, in a record of differences, are not damage.
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	fmt.Fprintf(&b.buf, `{"t":1000000000,"k":"s","nn":3,"ids":[2],"n":[{"~":1,"commit":7,"role":"pre-candidate","was_role":"leader","links":null}],"s":{"term":5}}`+"\n")
	if rec := b.end(2 * time.Second).read(); rec.Stopped != nil || rec.Status(1).Nodes[1].Commit != 7 {
		t.Errorf("good differences: stopped %v, commit %d", rec.Stopped, rec.Status(1).Nodes[1].Commit)
	}
}

// Neighbours are where a step back and a step forward go, without moving
// the cursor; none past either end.
func TestNeighboursAreWhereStepsGo(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{Paused: true})
	if prev, next := p.Neighbours(); prev >= 0 || next != 3*time.Second || p.Position() != 0 {
		t.Fatalf("at the start: neighbours %v %v, at %v", prev, next, p.Position())
	}
	for {
		_, next := p.Neighbours()
		at := p.Position()
		if next < 0 {
			if p.Step(true) {
				t.Fatalf("at %v: no next neighbour, but a step went to %v", at, p.Position())
			}
			break
		}
		if !p.Step(true) || p.Position() != next {
			t.Fatalf("at %v: next neighbour %v, a step went to %v", at, next, p.Position())
		}
		if back, _ := p.Neighbours(); back != at && at != 0 {
			t.Fatalf("at %v, from %v: previous neighbour %v", p.Position(), at, back)
		}
	}
	end := p.Position()
	prev, _ := p.Neighbours()
	if !p.Step(false) || p.Position() != prev {
		t.Fatalf("from %v: previous neighbour %v, a step back went to %v", end, prev, p.Position())
	}
}
