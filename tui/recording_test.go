package tui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// fakeRecording is Options.Recording: the file the test says is being
// recorded to, and how many times it was asked.
type fakeRecording struct {
	mu    sync.Mutex
	file  string
	calls int
}

func (f *fakeRecording) set(file string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.file = file
}

func (f *fakeRecording) Recording() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.file
}

// feedRecording runs cmd (a batch, maybe) and feeds back what a read of
// the recording returns; the rest (the next frame, reads of the trace) is
// not fed back, and what waits (the event reader) is left to the
// context's end.
func feedRecording(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				feedRecording(t, m, c)
			}
		case recordingMsg:
			m.Update(msg)
		}
	case <-time.After(200 * time.Millisecond): // a reader that waits
	}
}

// TestRecordingMark: while Options.Recording names a file, the header's
// cluster line marks it (● REC and the file's name where they fit, ● REC
// in the title's place at 80 columns), on no more lines than without;
// `record stop` takes it away at its result, not a frame later.
func TestRecordingMark(t *testing.T) {
	for _, tc := range []struct {
		w     int
		first string // how the header's first line starts
	}{
		{80, "● REC  5 nodes  leader 1"},
		{140, "raftplay  ● REC run.rec  5 nodes  leader 1"},
	} {
		rec := &fakeRecording{}
		src := newFakeSource(steady(20))
		m := New(Options{Source: src, Exec: &fakeExec{}, Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond,
			Recording: rec.Recording, Context: t.Context()})
		m.Update(sizeMsg(tc.w, 24))
		feedRecording(t, m, m.Init())
		before := m.viewHeader(tc.w)
		if strings.Contains(strings.Join(before, "\n"), "REC") {
			t.Errorf("%d: not recording, the header says REC:\n%s", tc.w, strings.Join(before, "\n"))
		}
		rec.set("/tmp/sessions/run.rec")
		_, cmd := m.Update(frameMsg(src.Status()))
		feedRecording(t, m, cmd)
		h := m.viewHeader(tc.w)
		if !strings.HasPrefix(h[0], tc.first) || len(h) != len(before) {
			t.Errorf("%d: recording, the header is\n%s\nwant its first line to start %q, on %d lines", tc.w, strings.Join(h, "\n"), tc.first, len(before))
		}
		viewFits(t, m, tc.w, 24)

		rec.set("")
		_, cmd = m.Update(resultMsg{lines: []string{"record stop"}, out: "recorded to /tmp/sessions/run.rec", verb: "record"})
		feedRecording(t, m, cmd)
		if h := strings.Join(m.viewHeader(tc.w), "\n"); strings.Contains(h, "REC") {
			t.Errorf("%d: after record stop the header says REC:\n%s", tc.w, h)
		}
	}
}

// TestRecordingMarkNameCleanedAndCut: the file's name is escaped and cut
// to recFileMax cells.
func TestRecordingMarkNameCleanedAndCut(t *testing.T) {
	rec := &fakeRecording{file: "/x/" + strings.Repeat("long", 10) + "\x1b[31m.rec"}
	m := New(Options{Source: newFakeSource(steady(20)), Exec: &fakeExec{}, Clock: frozen, Seed: 1, Mono: true,
		Frame: 10 * time.Millisecond, Recording: rec.Recording, Context: t.Context()})
	m.Update(sizeMsg(200, 40))
	feedRecording(t, m, m.Init())
	h := m.viewHeader(200)[0]
	if strings.Contains(h, "\x1b") || !strings.Contains(h, "● REC "+strings.Repeat("long", 5)+"lon…") {
		t.Errorf("the mark's name is not cleaned and cut: %q", h)
	}
}

// TestRecordingReadOneAtATime: frames that come while a read of the
// recording runs start no other.
func TestRecordingReadOneAtATime(t *testing.T) {
	rec := &fakeRecording{file: "run.rec"}
	src := newFakeSource(steady(20))
	m := New(Options{Source: src, Exec: &fakeExec{}, Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond,
		Recording: rec.Recording})
	m.Update(sizeMsg(120, 40))
	read := m.readRecording()
	for range 3 {
		m.Update(frameMsg(src.Status()))
	}
	if read == nil || m.readRecording() != nil {
		t.Fatal("a second read starts while one runs")
	}
	m.Update(read())
	if m.recording.file != "run.rec" || m.readRecording() == nil {
		t.Errorf("after the read: file %q, and no new read", m.recording.file)
	}
}
