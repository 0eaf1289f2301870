package record

import (
	"bytes"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"raftplay/cluster"
)

// fakeSource is a cluster for the recorder: a status the test sets and an
// event log, no message trace.
type fakeSource struct {
	mu     sync.Mutex
	term   uint64
	events *cluster.EventLog
}

func newFakeSource() *fakeSource {
	return &fakeSource{events: cluster.NewEventLog(64, time.Now)}
}

func (s *fakeSource) setTerm(t uint64) {
	s.mu.Lock()
	s.term = t
	s.mu.Unlock()
}

func (s *fakeSource) Status() cluster.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cluster.Status{Time: time.Now(), Term: s.term}
}
func (s *fakeSource) Events() *cluster.EventLog { return s.events }
func (s *fakeSource) Trace() *cluster.MsgTrace  { return nil }

// record records src from Start to Close, calling during in between.
func record(t *testing.T, src *fakeSource, wo WriterOptions, during func()) *Recording {
	t.Helper()
	var buf bytes.Buffer
	wo.Plain = true
	r, err := Start(nopCloser{&buf}, src, Options{Nodes: 3}, wo)
	if err != nil {
		t.Fatal(err)
	}
	during()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := Read(&buf)
	if err != nil || rec.Stopped != nil {
		t.Fatalf("read: %v, stopped %v", err, rec.Stopped)
	}
	return rec
}

// TestCloseWritesTheEndState checks that the recorder's last frame, at
// Close, comes after the last event and holds the state then: the end of
// a replay (and a find of the last event) shows the end state.
func TestCloseWritesTheEndState(t *testing.T) {
	src := newFakeSource()
	src.setTerm(2)
	rec := record(t, src, WriterOptions{Frame: time.Hour}, func() {
		time.Sleep(5 * time.Millisecond)
		src.setTerm(3)
		src.events.Add(cluster.Event{Kind: cluster.EventViolation, Text: "SAFETY VIOLATION (state machine safety)"})
	})
	if rec.Frames() != 2 {
		t.Fatalf("%d frames, want the first and the last", rec.Frames())
	}
	last := rec.frames[rec.Frames()-1].at
	if ev := rec.Events[0].Time.Sub(rec.Start); last < ev {
		t.Errorf("last frame at %v, before the last event (%v)", last, ev)
	}
	p := NewPlayer(rec, PlayerOptions{Paused: true})
	p.Seek(rec.Length)
	if st := p.Status(); st.Term != 3 {
		t.Errorf("at the end: term %d, want the end state's 3", st.Term)
	}
	p.Seek(0)
	if !p.Find("violation") || p.Status().Term != 3 {
		t.Errorf("find violation: at %v, term %d; want term 3", p.Position(), p.Status().Term)
	}
}

// TestStartFromNow checks that a recording started in the middle of a
// session (`record start`) holds only what happened from its start, and
// one started with the cluster (--record) keeps what the cluster holds.
func TestStartFromNow(t *testing.T) {
	for _, fromNow := range []bool{true, false} {
		src := newFakeSource()
		src.events.Add(cluster.Event{Kind: cluster.EventFault, Text: "healed"})
		time.Sleep(5 * time.Millisecond)
		rec := record(t, src, WriterOptions{Frame: time.Hour, FromNow: fromNow}, func() {
			src.events.Add(cluster.Event{Kind: cluster.EventCrash, Text: "crashed 3"})
		})
		var got []string
		for _, e := range rec.Events {
			got = append(got, e.Text)
		}
		want := []string{"crashed 3"}
		if !fromNow {
			want = []string{"healed", "crashed 3"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("FromNow %v: events %q, want %q", fromNow, got, want)
		}
		if fromNow {
			p := NewPlayer(rec, PlayerOptions{Paused: true})
			if p.Find("healed") {
				t.Errorf("find healed: found at %v in a recording begun after it", p.Found())
			}
		}
	}
}

// record start of a directory, or of a file in a directory that is not
// there, says why as save says it ("cannot write X: it is a directory"),
// not as the system call does ("open X: is a directory").
func TestStartSaysWhyItCannotWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sw := NewSwitch(newFakeSource(), Options{}, WriterOptions{})
	for file, want := range map[string]string{
		dir:                                  "cannot write " + dir + ": it is a directory",
		filepath.Join(dir, "missing", "rec"): "cannot write " + filepath.Join(dir, "missing", "rec") + ": no such file or directory",
	} {
		if err := sw.Start(file); err == nil || err.Error() != want {
			t.Errorf("record start %s: %v; want %q", file, err, want)
		}
	}
	if sw.Recording() != "" {
		t.Errorf("recording to %s after failed starts", sw.Recording())
	}
}
