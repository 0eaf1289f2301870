package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
)

// fakePlayer is a recording the test sets up: a status, the events and
// message records up to the cursor, and a log of what the dashboard asked
// of it. Moving the cursor back starts a new epoch with fresh logs, as a
// real player does.
type fakePlayer struct {
	mu      sync.Mutex
	st      cluster.Status
	events  *cluster.EventLog
	trace   *fakeTrace
	epoch   uint64
	playing bool
	speed   float64
	pos     time.Duration
	length  time.Duration
	marks   []Mark
	stopped error
	steps   int // how many steps Step can still take each way; 0: none
	// places, when set, are where Step goes (ascending), instead of
	// 100 ms on.
	places []time.Duration
	calls  []string
}

func newFakePlayer(st cluster.Status) *fakePlayer {
	return &fakePlayer{st: st, events: cluster.NewEventLog(64, frozen), trace: &fakeTrace{}, speed: 1,
		pos: 12500 * time.Millisecond, length: time.Minute, steps: 100, marks: []Mark{
			{At: 2 * time.Second, Kind: MarkLeader, Text: "1 became leader at term 1"},
			{At: 20 * time.Second, Kind: MarkCommand, Text: "crash 1"},
			{At: 20100 * time.Millisecond, Kind: MarkFault, Text: "1 crashed"},
			{At: 24 * time.Second, Kind: MarkLeader, Text: "3 became leader at term 2"},
			{At: 45 * time.Second, Kind: MarkViolation, Text: "two leaders in term 2"},
		}}
}

func (p *fakePlayer) call(s string) {
	p.calls = append(p.calls, s)
}

func (p *fakePlayer) Status() cluster.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st
}

func (p *fakePlayer) Events() *cluster.EventLog {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.events
}

func (p *fakePlayer) Messages() MsgLog {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.trace
}

func (p *fakePlayer) Now() time.Time {
	return t0
}

func (p *fakePlayer) Epoch() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.epoch
}

func (p *fakePlayer) Playing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.playing
}

func (p *fakePlayer) SetPlaying(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call(fmt.Sprintf("playing %v", on))
	p.playing = on
}

func (p *fakePlayer) Speed() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.speed
}

func (p *fakePlayer) SetSpeed(x float64) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.speed = min(MaxSpeed, max(MinSpeed, x))
	p.call(fmt.Sprintf("speed %g", p.speed))
	return p.speed
}

func (p *fakePlayer) Position() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pos
}

func (p *fakePlayer) Length() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.length
}

// moveTo moves the cursor; backwards, a new epoch begins. p.mu is held.
func (p *fakePlayer) moveTo(at time.Duration) {
	at = min(p.length, max(0, at))
	if at < p.pos {
		p.rewindLocked()
	}
	p.pos, p.playing = at, false
}

// rewindLocked starts a new epoch with fresh logs (the events holding
// one, so a reader of them does not wait). p.mu is held.
func (p *fakePlayer) rewindLocked() {
	p.epoch++
	p.events = cluster.NewEventLog(64, frozen)
	p.events.Add(cluster.Event{Time: t0, Text: fmt.Sprintf("epoch %d", p.epoch)})
	p.trace = &fakeTrace{}
}

func (p *fakePlayer) Seek(at time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("seek " + at.String())
	p.moveTo(at)
}

func (p *fakePlayer) Step(forward bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call(fmt.Sprintf("step %v", forward))
	if p.steps == 0 {
		return false
	}
	if p.places != nil {
		prev, next := p.neighboursLocked()
		to := map[bool]time.Duration{false: prev, true: next}[forward]
		if to < 0 {
			return false
		}
		p.steps--
		p.moveTo(to)
		return true
	}
	p.steps--
	if forward {
		p.moveTo(p.pos + 100*time.Millisecond)
	} else {
		p.moveTo(p.pos - 100*time.Millisecond)
	}
	return true
}

func (p *fakePlayer) Neighbours() (prev, next time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.neighboursLocked()
}

// neighboursLocked: the places before and after the cursor, or 100 ms
// either way. p.mu is held.
func (p *fakePlayer) neighboursLocked() (prev, next time.Duration) {
	if p.steps == 0 {
		return -1, -1
	}
	if p.places == nil {
		return max(0, p.pos-100*time.Millisecond), min(p.length, p.pos+100*time.Millisecond)
	}
	prev, next = -1, -1
	for _, at := range p.places {
		if at < p.pos {
			prev = at
		}
		if at > p.pos && next < 0 {
			next = at
		}
	}
	return prev, next
}

func (p *fakePlayer) Find(text string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("find " + text)
	return false
}

// Here: the command marks at the cursor, else the events of the last
// millisecond before Now (every step lands at Now in the fake).
func (p *fakePlayer) Here() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, mk := range p.marks {
		if mk.Kind == MarkCommand && mk.place() == p.pos {
			out = append(out, "> "+mk.Text)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, e := range p.events.Last(16) {
		if d := t0.Sub(e.Time); d >= 0 && d < time.Millisecond {
			out = append(out, e.Text)
		}
	}
	return out
}

func (p *fakePlayer) Marks() []Mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.marks
}

func (p *fakePlayer) Stopped() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

func (p *fakePlayer) got() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// event adds an event to the epoch's log at t0+ms milliseconds.
func (p *fakePlayer) event(ms int, node uint64, kind cluster.EventKind, text string) {
	p.Events().Add(cluster.Event{Time: t0.Add(time.Duration(ms) * time.Millisecond), Node: node, Kind: kind, Text: text})
}

// replayModel returns a dashboard replaying p, sized w x h.
func replayModel(t *testing.T, p *fakePlayer, ex Executor, w, h int) *Model {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := New(Options{Source: p, Exec: ex, Context: ctx, Clock: frozen, Seed: 1, Mono: true, Frame: 20 * time.Millisecond})
	m.Update(sizeMsg(w, h))
	return m
}

// replayFrame gives m a replay frame read from p now, as the frame clock does,
// and returns what it asks to run.
func replayFrame(m *Model, p Player) tea.Cmd {
	st, v := readReplay(p)
	_, cmd := m.Update(replayMsg{st: st, view: v})
	return cmd
}

// replayPress sends keys and runs what they ask for (player operations,
// reads of the logs), feeding the results back, as the program would.
func replayPress(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		settle(t, m, cmd)
	}
}

// settle runs cmd and what it batches, feeding back player operations'
// results and command results (and running what they ask for in turn),
// event and trace reads; it does not re-arm readers or frames.
func settle(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a command the test runs does not return")
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			settle(t, m, c)
		}
	case replayMsg:
		_, next := m.Update(msg)
		if msg.op {
			settle(t, m, next)
		}
	case resultMsg:
		_, next := m.Update(msg)
		settle(t, m, next) // in a replay: the state read again
	case eventsMsg, traceMsg:
		m.Update(msg) // the reader re-armed is not run
	}
}

func headerLines(m *Model, n int) []string {
	return strings.SplitN(m.View(), "\n", n+1)[:n]
}

func TestReplayHeaderAndTimeline(t *testing.T) {
	for _, w := range []int{80, 140} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			p := newFakePlayer(steady(20))
			m := replayModel(t, p, &fakeExec{}, w, 40)
			h := headerLines(m, 3)
			if !strings.HasPrefix(h[0], "REPLAY ⏸ 1.0x  12.500s / 1m00.0s  paused") {
				t.Errorf("replay line %q", h[0])
			}
			tl := []rune(h[1])
			if len(tl) != w {
				t.Fatalf("timeline %q is %d cells, want %d", h[1], len(tl), w)
			}
			at := func(d time.Duration) int { return int(int64(d) * int64(w) / int64(time.Minute)) }
			want := map[int]rune{at(2 * time.Second): 'L', at(24 * time.Second): 'L', at(45 * time.Second): '!', at(12500 * time.Millisecond): '●'}
			want[at(20*time.Second)] = 'x' // the fault outranks the command in its cell
			for i, r := range want {
				if tl[i] != r {
					t.Errorf("timeline cell %d is %q, want %q: %s", i, tl[i], r, h[1])
				}
			}
			if tl[0] != '━' || tl[w-1] != '─' {
				t.Errorf("timeline does not show played and ahead: %s", h[1])
			}
			if !strings.Contains(h[2], "raftplay") {
				t.Errorf("the cluster line does not follow the replay's: %q", h[2])
			}
		})
	}
}

// TestReplayCursorOnAMark: the cursor shows on a cell that has a mark
// (it was the mark, reversed: in mono, or to a reader, the cursor was
// gone), for every kind of mark.
func TestReplayCursorOnAMark(t *testing.T) {
	const w = 120
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, w, 40)
	for _, mk := range p.marks {
		p.mu.Lock()
		p.pos = mk.At
		p.mu.Unlock()
		replayFrame(m, p)
		tl := []rune(headerLines(m, 2)[1])
		if cur := int(int64(mk.At) * w / int64(time.Minute)); tl[cur] != '●' {
			t.Errorf("cursor at %v (on %q): cell %d is %q: %s", mk.At, mk.Text, cur, tl[cur], string(tl))
		}
		if n := strings.Count(string(tl), "●"); n != 1 {
			t.Errorf("cursor at %v: %d cursors: %s", mk.At, n, string(tl))
		}
	}
}

func TestReplayIndicatorFollowsThePlayer(t *testing.T) {
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	p.mu.Lock()
	p.playing, p.speed, p.pos = true, 2, 30*time.Second
	p.mu.Unlock()
	replayFrame(m, p)
	if h := headerLines(m, 1)[0]; !strings.HasPrefix(h, "REPLAY ▶ 2.0x  30.0s / 1m00.0s  space play/pause") {
		t.Errorf("playing: %q", h)
	}
	p.mu.Lock()
	p.playing, p.speed = false, 0.25
	p.mu.Unlock()
	replayFrame(m, p)
	if h := headerLines(m, 1)[0]; !strings.HasPrefix(h, "REPLAY ⏸ 0.25x  30.000s / 1m00.0s  paused") {
		t.Errorf("paused: %q", h)
	}
}

// A step onto a message between two recorded statuses shows the cards of
// the status before it: the replay line says how old they are, so that
// cards and events that disagree are not taken for a bug of the cluster.
func TestReplaySaysWhenTheStatusIsOlderThanTheCursor(t *testing.T) {
	st := steady(20)
	st.Time = t0.Add(-4 * time.Millisecond) // the fake's cursor is at t0
	p := newFakePlayer(st)
	m := replayModel(t, p, &fakeExec{}, 140, 40)
	replayFrame(m, p)
	if h := headerLines(m, 1)[0]; !strings.Contains(h, "12.500s / 1m00.0s  paused  status as of 12.496s") {
		t.Errorf("status 4 ms older than the cursor: %q", h)
	}
	for _, at := range []time.Time{t0, {}} { // the same instant; a status without a time
		p.mu.Lock()
		p.st.Time = at
		p.mu.Unlock()
		replayFrame(m, p)
		if h := headerLines(m, 1)[0]; strings.Contains(h, "status as of") {
			t.Errorf("status at %v: %q", at, h)
		}
	}
	p.mu.Lock()
	p.st.Time, p.playing = t0.Add(-4*time.Millisecond), true
	p.mu.Unlock()
	replayFrame(m, p)
	if h := headerLines(m, 1)[0]; strings.Contains(h, "status as of") {
		t.Errorf("playing: %q", h)
	}
}

func TestReplayFrozenRecording(t *testing.T) {
	st := steady(20)
	st.Frozen = true
	m := replayModel(t, newFakePlayer(st), &fakeExec{}, 120, 40)
	if v := m.View(); !strings.Contains(v, "FROZEN: clocks stopped; 0 messages held (m shows them)") {
		t.Errorf("a frozen recording's header:\n%s", v)
	}
}

func TestReplayStoppedEarly(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.stopped = errors.New("line 812: unexpected end of JSON input")
	m := replayModel(t, p, &fakeExec{}, 80, 40)
	if h := headerLines(m, 3)[2]; h != "recording ends early at line 812: unexpected end of JSON input" {
		t.Errorf("early end: %q", h)
	}
	p.mu.Lock()
	p.stopped = errors.New("bad key \x1b]0;owned\x07 in frame")
	p.mu.Unlock()
	replayFrame(m, p)
	if h := headerLines(m, 3)[2]; h != `recording ends early: bad key \x1b]0;owned\a in frame` {
		t.Errorf("early end, escaped: %q", h)
	}
}

func TestReplayKeysDriveThePlayer(t *testing.T) {
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	replayPress(t, m, " ", "+", "+", "-", ".", ",", "right", "left", " ")
	want := []string{"playing true", "speed 2", "speed 5", "speed 2", "step true", "step false", "seek 13.5s", "seek 12.5s", "playing true"}
	if got := p.got(); !slices.Equal(got, want) {
		t.Fatalf("player asked %q, want %q", got, want)
	}
	// Seek and Step pause: space plays again.
	if h := headerLines(m, 1)[0]; !strings.HasPrefix(h, "REPLAY ▶ 2.0x  12.5s") {
		t.Errorf("after the keys: %q", h)
	}
}

func TestReplaySpeedSteps(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		by   int
		want float64
	}{{1, 1, 2}, {2, 1, 5}, {5, 1, 10}, {10, 1, 10}, {1, -1, 0.5}, {0.5, -1, 0.25}, {0.25, -1, 0.1}, {0.1, -1, 0.1}, {3, 1, 5}, {3, -1, 2}} {
		if got := nextSpeed(tc.x, tc.by); got != tc.want {
			t.Errorf("nextSpeed(%g, %d) = %g, want %g", tc.x, tc.by, got, tc.want)
		}
	}
}

func TestReplayStepAtTheEndSaysSo(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.steps = 0
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	replayPress(t, m, ".")
	if v := m.View(); !strings.Contains(v, "nothing recorded after this") {
		t.Errorf("a step past the end says nothing:\n%s", v)
	}
}

func TestReplayRefusesLiveKeys(t *testing.T) {
	crashed := withNode(steady(20), 2, func(n *cluster.NodeStatus) { n.State = cluster.StateCrashed })
	crashed.Faults.Groups = [][]uint64{{1, 3}, {2, 4, 5}}
	for _, k := range []string{"c", "P", "p", "i", "g", "h", "w", "l", "A", "D", "T", "z", "s", "t", "b"} {
		t.Run(k, func(t *testing.T) {
			ex := &fakeExec{}
			p := newFakePlayer(crashed)
			m := replayModel(t, p, ex, 120, 40)
			replayPress(t, m, k)
			if got := ex.got(); len(got) > 0 {
				t.Fatalf("%s ran %q in a replay", k, got)
			}
			if v := m.View(); !strings.Contains(v, "not in a replay") {
				t.Errorf("%s: no word of why nothing happens:\n%s", k, v)
			}
		})
	}
	// In the messages view and the link matrix, their own keys are refused
	// by their names; elsewhere they are nothing.
	for _, tc := range []struct{ keys, want string }{{"md", "d deliver: not in a replay"}, {"xc", "c cut 1→2: not in a replay"}, {"xy", "y delay"}} {
		ex := &fakeExec{}
		m := replayModel(t, newFakePlayer(crashed), ex, 120, 40)
		for _, k := range tc.keys {
			replayPress(t, m, string(k))
		}
		if v := m.View(); !strings.Contains(v, tc.want) || len(ex.got()) > 0 {
			t.Errorf("%s: ran %q; the screen lacks %q:\n%s", tc.keys, ex.got(), tc.want, v)
		}
	}
	m0 := replayModel(t, newFakePlayer(crashed), &fakeExec{}, 120, 40)
	replayPress(t, m0, "d", "y")
	if v := m0.View(); strings.Contains(v, "not in a replay") {
		t.Errorf("d and y on the lanes are refused as if they did something there:\n%s", v)
	}
	// The help bar offers none of them, and the replay's keys.
	p := newFakePlayer(crashed)
	m := replayModel(t, p, &fakeExec{}, 200, 40)
	bar := helpBarOf(m)
	for _, no := range []string{"crash", "restart", "powerfail", "heal", "write", "load", "freeze", "timeout", "add", "remove", "transfer", "faster"} {
		if strings.Contains(bar, no) {
			t.Errorf("help bar offers %q in a replay: %s", no, bar)
		}
	}
	for _, yes := range []string{"space play", ",/. step", "←/→ ±1s", "+/- play speed", ": cmd", "m messages", "x links"} {
		if !strings.Contains(bar, yes) {
			t.Errorf("help bar lacks %q in a replay: %s", yes, bar)
		}
	}
}

// helpBarOf returns the last line of m's view.
func helpBarOf(m *Model) string {
	v := strings.Split(m.View(), "\n")
	return v[len(v)-1]
}

// TestReplayViewKeysWork: the view keys work in a replay, drawn from the
// recorded status; tab and ↑/↓ select, since ←/→ seek.
func TestReplayViewKeysWork(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.trace.add(msg(10, cluster.MsgDelivered, 1, 2, raft.MsgApp, 3))
	ex := &fakeExec{}
	m := replayModel(t, p, ex, 120, 40)
	replayPress(t, m, "tab", "down")
	if m.Selected() != 3 {
		t.Errorf("tab, ↓ selected %d, want 3", m.Selected())
	}
	replayPress(t, m, "up")
	if m.Selected() != 2 {
		t.Errorf("↑ selected %d, want 2", m.Selected())
	}
	press(m, "enter")
	if !strings.Contains(m.View(), "node 2: ") {
		t.Errorf("enter shows no detail:\n%s", m.View())
	}
	press(m, "enter", "m")
	if !strings.Contains(m.View(), "1->2 app t3") {
		t.Errorf("the messages view does not show the recording's messages:\n%s", m.View())
	}
	press(m, "m", "x")
	if !strings.Contains(m.View(), "from\\to") {
		t.Errorf("x shows no link matrix:\n%s", m.View())
	}
	press(m, "x", "L")
	if !strings.Contains(m.View(), "legend") {
		t.Errorf("L shows no legend:\n%s", m.View())
	}
	press(m, "esc", "?")
	if !strings.Contains(m.View(), "play / pause") {
		t.Errorf("? does not list the replay's keys:\n%s", m.View())
	}
	press(m, "esc", "<")
	if m.col == 0 {
		t.Errorf("< puts no column cursor")
	}
	if got := ex.got(); len(got) > 0 {
		t.Errorf("view keys ran %q", got)
	}
}

// TestLiveIgnoresReplayKeys: live, space , and . mean nothing and the
// arrows still select.
func TestLiveIgnoresReplayKeys(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	press(m, " ", ",", ".", "right", "right")
	if m.Selected() != 3 {
		t.Errorf("→ → selected %d, want 3", m.Selected())
	}
	if got := ex.got(); len(got) > 0 {
		t.Errorf("live, the replay's keys ran %q", got)
	}
	if v := m.View(); strings.Contains(v, "REPLAY") || strings.Contains(helpBarOf(m), "play") {
		t.Errorf("live dashboard shows the replay's:\n%s", v)
	}
}

// TestReplayEpochResetsFeedAndMessages: when the cursor goes back, the feed
// and the message store drop what they had and read the new epoch's logs;
// a read of the old epoch that comes late is dropped, and the old reader
// waiting on a log nothing adds to gives up.
func TestReplayEpochResetsFeedAndMessages(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.event(0, 1, "raft.role", "1 became leader at term 3")
	p.event(10, 2, cluster.EventCrash, "2 crashed")
	p.trace.add(msg(10, cluster.MsgDelivered, 1, 2, raft.MsgApp, 3))
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	m.Update(m.readEvents()())
	press(m, "m")
	if v := m.View(); !strings.Contains(v, "1->2 app t3") {
		t.Fatalf("messages view before the rewind:\n%s", v)
	}
	// An old-epoch reader waits for events that will not come.
	old := m.readEvents()
	oldDone := make(chan tea.Msg, 1)
	go func() { oldDone <- old() }()

	p.Seek(time.Second) // back: a new epoch
	p.event(0, 3, "raft.role", "3 became leader at term 1")
	p.trace.add(msg(5, cluster.MsgDelivered, 3, 4, raft.MsgVote, 1))
	reads := replayFrame(m, p)
	if m.feed.n != 0 || len(m.msgs.store.recs) != 0 {
		t.Fatalf("the rewind kept %d events and %d messages", m.feed.n, len(m.msgs.store.recs))
	}
	select {
	case msg := <-oldDone:
		if msg != nil {
			m.Update(msg) // late: dropped
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the old epoch's event reader still waits")
	}
	m.Update(eventsMsg{events: []cluster.Event{{Seq: 9, Time: t0, Text: "stale from epoch 0"}}, next: 10, epoch: 0})
	m.Update(traceMsg{recs: []cluster.MsgRecord{msg(1, cluster.MsgDelivered, 5, 1, raft.MsgApp, 3)}, next: 9, on: true, epoch: 0})
	settle(t, m, reads)
	v := m.View()
	for _, gone := range []string{"2 crashed", "1 became leader", "stale from epoch 0", "1->2 app", "5->1 app"} {
		if strings.Contains(v, gone) {
			t.Errorf("after the rewind the screen still shows %q:\n%s", gone, v)
		}
	}
	press(m, "m")
	v = m.View()
	if !strings.Contains(v, "3 became leader at term 1") {
		t.Errorf("the new epoch's events are not read:\n%s", v)
	}
	press(m, "m")
	if v := m.View(); !strings.Contains(v, "3->4 vote t1") {
		t.Errorf("the new epoch's messages are not read:\n%s", v)
	}
}

// TestReplayFits: the replay's header and the dashboard fit 80x24 with 5
// nodes, and a wide terminal.
func TestReplayFits(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		p := newFakePlayer(steady(20))
		p.stopped = errors.New("line 812: unexpected end of JSON input")
		m := replayModel(t, p, &fakeExec{}, sz[0], sz[1])
		v := m.View()
		if strings.Contains(v, "needs at least") {
			t.Fatalf("%dx%d does not fit:\n%s", sz[0], sz[1], v)
		}
		lines := strings.Split(v, "\n")
		if len(lines) != sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for _, l := range lines {
			if w := len([]rune(l)); w > sz[0] {
				t.Errorf("%dx%d: line wider than the screen: %q", sz[0], sz[1], l)
			}
		}
	}
}

func TestGoldenReplayViews(t *testing.T) {
	tests := map[string]struct {
		w, h    int
		playing bool
		speed   float64
		stopped error
		keys    []string
	}{
		"paused80":    {w: 80, h: 24, speed: 1},
		"playing140":  {w: 140, h: 40, playing: true, speed: 5},
		"stopped120":  {w: 120, h: 40, speed: 0.5, stopped: errors.New("line 812: unexpected end of JSON input")},
		"refused120":  {w: 120, h: 40, speed: 1, keys: []string{"c"}},
		"messages120": {w: 120, h: 40, speed: 1, keys: []string{"m"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newFakePlayer(steady(20))
			p.playing, p.speed, p.stopped = tc.playing, tc.speed, tc.stopped
			p.event(0, 1, "raft.role", "1 became leader at term 3")
			p.trace.add(msg(10, cluster.MsgDelivered, 1, 2, raft.MsgApp, 3), msg(12, cluster.MsgDelivered, 2, 1, raft.MsgAppResp, 3))
			m := replayModel(t, p, &fakeExec{}, tc.w, tc.h)
			m.Update(m.readEvents()())
			replayPress(t, m, tc.keys...)
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// TestReplayFlow drives the program with keys: the header follows what
// they asked of the player.
func TestReplayFlow(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.event(0, 1, "raft.role", "1 became leader at term 3")
	m := New(Options{Source: p, Exec: &fakeExec{}, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	wait := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	}
	wait("1 became leader at term 3")
	tm.Send(keyMsg(" "))
	wait("REPLAY ▶ 1.0x")
	tm.Send(keyMsg("+"))
	wait("REPLAY ▶ 2.0x")
	tm.Send(keyMsg(","))
	wait("REPLAY ⏸ 2.0x  12.400s")
	tm.Send(keyMsg("right"))
	wait("13.400s")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
	want := []string{"playing true", "speed 2", "step false", "seek 13.4s"}
	if got := p.got(); !slices.Equal(got, want) {
		t.Errorf("player asked %q, want %q", got, want)
	}
}

// TestReplayNarratesRecordedSay: a say recorded at or before the cursor
// is the narration; before the first there is none; esc dismisses it
// until the cursor reaches another.
func TestReplayNarratesRecordedSay(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.marks = append(p.marks, Mark{At: 10 * time.Second, Kind: MarkCommand, Text: "say the leader is 1"},
		Mark{At: 30 * time.Second, Kind: MarkCommand, Text: "say now 3 leads"})
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	if v := m.View(); !strings.Contains(v, "┃ the leader is 1") {
		t.Fatalf("no narration of the recorded say:\n%s", v)
	}
	press(m, "esc")
	replayFrame(m, p)
	if v := m.View(); strings.Contains(v, "┃ the leader is 1") {
		t.Errorf("esc does not dismiss the recorded narration:\n%s", v)
	}
	p.Seek(31 * time.Second)
	replayFrame(m, p)
	if v := m.View(); !strings.Contains(v, "┃ now 3 leads") {
		t.Errorf("the next recorded say is not shown:\n%s", v)
	}
	p.Seek(5 * time.Second)
	replayFrame(m, p)
	if v := m.View(); strings.Contains(v, "┃ the leader") || strings.Contains(v, "┃ now 3") {
		t.Errorf("before the first say, a narration shows:\n%s", v)
	}
}

// TestReplayPromptGoesToTheExecutor: a line typed at the prompt in a
// replay runs through the Executor as live (the replay's answers seek and
// find), and the replay's state is read again once it answered.
func TestReplayPromptGoesToTheExecutor(t *testing.T) {
	p := newFakePlayer(steady(20))
	ex := &fakeExec{}
	m := replayModel(t, p, ex, 120, 40)
	keys := []string{":"}
	for _, r := range "status" {
		keys = append(keys, string(r))
	}
	keys = append(keys, "enter")
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		if k == "enter" {
			settle(t, m, cmd)
		}
	}
	if got := ex.got(); !slices.Equal(got, []string{"status"}) {
		t.Fatalf("the prompt ran %q", got)
	}
	p.mu.Lock()
	p.pos = 40 * time.Second // as a seek would
	p.mu.Unlock()
	_, cmd := m.Update(resultMsg{lines: []string{"seek 40s"}, out: "at 40s of 1m0s"})
	settle(t, m, cmd)
	if h := headerLines(m, 1)[0]; !strings.Contains(h, "40.000s / 1m00.0s") {
		t.Errorf("after the prompt's command the header still says %q", h)
	}
}

// TestReplayStaleReadNotDrawn: a frame read before an operation's result
// (an older epoch, an older state) arrives after it: it is not drawn and
// does not take the feed back to the old epoch.
func TestReplayStaleReadNotDrawn(t *testing.T) {
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	st, old := readReplay(p) // a frame's read, before the key
	replayPress(t, m, ",")   // back: a new epoch
	if m.epoch != 1 {
		t.Fatalf("epoch %d after a step back", m.epoch)
	}
	_, cmd := m.Update(replayMsg{st: st, view: old, frame: true})
	if m.epoch != 1 || m.replay.view.pos != 12400*time.Millisecond {
		t.Errorf("a stale frame was drawn: epoch %d, position %v", m.epoch, m.replay.view.pos)
	}
	if cmd == nil {
		t.Errorf("a stale frame does not schedule the next")
	}
}

func TestReplayDurations(t *testing.T) {
	for _, tc := range []struct {
		d, length time.Duration
		want      string
	}{
		{12500 * time.Millisecond, time.Minute, "12.5s"},
		{62500 * time.Millisecond, 2 * time.Minute, "1m02.5s"},
		{3723 * time.Second, 2 * time.Hour, "1h02m03s"},
		{389 * time.Millisecond, 389 * time.Millisecond, "0.389s"},
		{-time.Second, time.Minute, "0.0s"},
	} {
		if got := durText(tc.d, tc.length); got != tc.want {
			t.Errorf("durText(%v, %v) = %q, want %q", tc.d, tc.length, got, tc.want)
		}
	}
}

// TestReplayRewindForgetsLaterRemovals: a node first seen removed after the
// cursor's new place is seen removed afresh there (greyed, then gone), not
// as removed in the future.
func TestReplayRewindForgetsLaterRemovals(t *testing.T) {
	removed := withNode(steady(20), 5, func(n *cluster.NodeStatus) { n.State = cluster.StateRemoved })
	late := removed
	late.Time = t0.Add(time.Minute)
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	p.mu.Lock()
	p.st = late
	p.mu.Unlock()
	replayFrame(m, p) // first seen removed a minute on
	p.Seek(time.Second)
	p.mu.Lock()
	p.st = removed // at t0, removed already
	p.mu.Unlock()
	replayFrame(m, p)
	if at, ok := m.removedAt[5]; !ok || !at.Equal(t0) {
		t.Errorf("after the rewind node 5 counts as removed at %v, want %v", at, t0)
	}
}

// TestReplayWriteRateRestartsAfterAJump: the header's write rate is
// measured from the statuses the cursor reached by playing; after any
// jump (back: a new epoch; a step, a seek, a find) it is measured again
// from the statuses after the jump only, and says "-" until it is.
func TestReplayWriteRateRestartsAfterAJump(t *testing.T) {
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	// set puts the cursor at pos with written writes acknowledged.
	set := func(pos time.Duration, written uint64, playing bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.pos, p.playing = pos, playing
		p.st = steady(20)
		p.st.Time, p.st.Written = t0.Add(pos), written
	}
	rate := func(want, after string) {
		t.Helper()
		h := strings.Join(headerLines(m, 4), "\n")
		if !strings.Contains(h, "writes "+want+"/s") {
			t.Errorf("after %s the header does not say writes %s/s:\n%s", after, want, h)
		}
	}
	rate("-", "the start")
	set(30*time.Second, 55260, true)
	replayFrame(m, p)
	set(31*time.Second, 57102, true)
	replayFrame(m, p)
	rate("1842", "a second of play")
	// A pause keeps the rate: the cursor did not jump.
	replayPress(t, m, " ")
	rate("1842", "a pause")

	// Back to the start (a seek at the prompt, seen first by a frame): a
	// new epoch.
	p.Seek(0)
	set(0, 0, false)
	replayFrame(m, p)
	rate("-", "a seek back to 0s")
	set(time.Second, 10, true)
	replayFrame(m, p)
	set(2*time.Second, 20, true)
	replayFrame(m, p)
	rate("10", "playing on from 0s")

	// A seek forward while paused, seen by a frame: no new epoch.
	set(2*time.Second, 20, false)
	replayFrame(m, p)
	set(50*time.Second, 90000, false)
	replayFrame(m, p)
	rate("-", "a seek forward")
	set(50*time.Second, 90000, true)
	replayFrame(m, p)
	set(51*time.Second, 90005, true)
	replayFrame(m, p)
	rate("5", "playing on from 50s")

	// A find at the prompt while playing moves the cursor a little: the
	// result says so (its read restarts the rate).
	set(52*time.Second, 95000, false)
	_, cmd := m.Update(resultMsg{lines: []string{"find crash"}, out: "at 52s", verb: commands.VerbFind})
	settle(t, m, cmd)
	rate("-", "a find")

	// The keys that step and seek: each a jump.
	for _, k := range []string{".", ",", "right", "left"} {
		set(40*time.Second, 80000, true)
		replayFrame(m, p)
		set(41*time.Second, 80003, true)
		replayFrame(m, p)
		rate("3", "a second of play")
		replayPress(t, m, k)
		rate("-", k)
	}
}

// TestReplayStepSaysWhereTo: paused, the replay line shows the cursor to
// the millisecond, and a step says, on one line at 80x24, where it went,
// how far, and what is recorded there: a command, else an event, else a
// message (a hidden heartbeat changes nothing else on the screen).
func TestReplayStepSaysWhereTo(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.event(0, 2, "raft.role", "2 became leader at term 4")
	m := replayModel(t, p, &fakeExec{}, 80, 24)
	step := func(k, cursor, note string) {
		t.Helper()
		replayPress(t, m, k)
		v := viewFits(t, m, 80, 24)
		if h := headerLines(m, 1)[0]; !strings.HasPrefix(h, "REPLAY ⏸ 1.0x  "+cursor+" / 1m00.0s  paused") {
			t.Errorf("after %s the replay line is %q, want the cursor at %s", k, h, cursor)
		}
		if !strings.Contains(v, "\n"+note+"\n") {
			t.Errorf("after %s no line %q:\n%s", k, note, v)
		}
	}
	step(".", "12.600s", ". step: to 12.600s (+100ms): 2 became leader at term 4")
	p.mu.Lock()
	p.marks = append(p.marks, Mark{At: 12700 * time.Millisecond, Kind: MarkCommand, Text: "crash 1"})
	p.mu.Unlock()
	step(".", "12.700s", ". step: to 12.700s (+100ms): > crash 1")
	p.mu.Lock()
	p.events = cluster.NewEventLog(64, frozen)
	p.mu.Unlock()
	p.event(-1000, 2, "raft.role", "long ago")
	step(".", "12.800s", ". step: to 12.800s (+100ms): a message (m shows it)")
	step(",", "12.700s", ", step back: to 12.700s (-100ms): > crash 1")
	// Two events at one place: the first named, the other counted.
	p.mu.Lock()
	p.marks = nil
	p.events = cluster.NewEventLog(64, frozen)
	p.mu.Unlock()
	p.event(0, 3, "raft.role", "3 became pre-candidate at term 1")
	p.event(0, 3, "raft.role", "3 started pre-election for term 2")
	step(".", "12.800s", ". step: to 12.800s (+100ms): 3 became pre-candidate at term 1 (+1 more)")
}

// TestReplayFullHelpSetsLiveKeysApart: in a replay the full help lists the
// keys that change the cluster apart, under a heading that says they are
// off, and + and - as the replay's speed; live, they are among the keys.
func TestReplayFullHelpSetsLiveKeysApart(t *testing.T) {
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, 80, 40)
	text := strings.Join(m.helpLines(80), "\n")
	head := "Off in a replay (they change the cluster; a recording shows what was):"
	i := strings.Index(text, head)
	if i < 0 {
		t.Fatalf("no heading for the keys that are off:\n%s", text)
	}
	keys, off := text[:i], strings.Join(strings.Fields(text[i:]), " ")
	for _, s := range []string{"c crash", "w write", "z freeze / thaw", "s step (frozen)", "A add a node", "d deliver held", "y delay (matrix)"} {
		if !strings.Contains(off, s) {
			t.Errorf("the keys off do not list %q: %s", s, off)
		}
		if strings.Contains(keys, s) {
			t.Errorf("the keys that work list %q", s)
		}
	}
	for _, re := range []string{`\+ +play faster`, `- +play slower`, `space +play / pause`, `m +messages view`} {
		if !regexp.MustCompile(re).MatchString(keys) {
			t.Errorf("the keys that work lack %q:\n%s", re, keys)
		}
	}
	if strings.Contains(off, "faster") {
		t.Errorf("+ is listed as off: %s", off)
	}
	if strings.Contains(text, "go on with a script") {
		t.Errorf("a replay's full help offers space to go on with a script")
	}
	live := newModel(newFakeSource(steady(20)), &fakeExec{}, 80, 40)
	if text := strings.Join(live.helpLines(80), "\n"); strings.Contains(text, "Off in a replay") || !regexp.MustCompile(`c +crash`).MatchString(text) {
		t.Errorf("live, the full help sets keys apart:\n%s", text)
	}
}

// A replay that jumps to long after a node's removal does not draw its
// card: the removal is dated by the node's last status, not by when the
// replay first showed it (time stands still at the end of a recording, so
// the card would stay for good).
func TestReplayJumpPastARemoval(t *testing.T) {
	p := newFakePlayer(steady(20))
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	replayFrame(m, p)
	st := removedStatus(0)
	st = withNode(st, 4, func(n *cluster.NodeStatus) { n.AsOf = t0.Add(-48 * time.Second) })
	p.mu.Lock()
	p.st, p.pos = st, 59*time.Second // paused, far ahead: a jump
	p.mu.Unlock()
	replayFrame(m, p)
	if v := m.View(); strings.Contains(v, "REMOVED") || strings.Contains(v, "goes in") {
		t.Fatalf("a node removed 48 s before the cursor is drawn:\n%s", v)
	}
	// Played up to a removal, the card stays its while, as live.
	p2 := newFakePlayer(steady(20))
	m2 := replayModel(t, p2, &fakeExec{}, 120, 40)
	replayFrame(m2, p2)
	st2 := removedStatus(0)
	st2 = withNode(st2, 4, func(n *cluster.NodeStatus) { n.AsOf = t0 })
	p2.mu.Lock()
	p2.st, p2.playing, p2.pos = st2, true, 12600*time.Millisecond
	p2.mu.Unlock()
	replayFrame(m2, p2)
	if c4 := cardOf(t, m2.View(), 4); !strings.Contains(c4, "goes in 5s") {
		t.Fatalf("a removal played into: card\n%s", c4)
	}
}

// TestReplayStepNoteUsesTheWidth: a step's note names what is recorded
// whole when the screen has room for it, and cut to one line when not.
func TestReplayStepNoteUsesTheWidth(t *testing.T) {
	long := "3->1 app-resp t2 rejected: stale term delivered after 1.2s held in the network (m shows it)"
	for _, c := range []struct {
		w    int
		want string
	}{
		{160, ". step: to 12.600s (+100ms): " + long},
		{80, ". step: to 12.600s (+100ms): 3->1 app-resp t2 rejected: stale term delivered af…"},
	} {
		p := newFakePlayer(steady(20))
		p.event(0, 3, "raft.role", long)
		m := replayModel(t, p, &fakeExec{}, c.w, 24)
		replayPress(t, m, ".")
		v := viewFits(t, m, c.w, 24)
		if !strings.Contains(v, "\n"+c.want+"\n") {
			t.Errorf("at %d columns no line %q:\n%s", c.w, c.want, v)
		}
	}
}

// TestReplayMoveClearsAStaleHint: a key's note under the lanes goes when
// another key acts and says nothing: `,` with nothing before, then `→`,
// left "nothing recorded before this" under a cursor that had moved on.
func TestReplayMoveClearsAStaleHint(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.steps = 0
	m := replayModel(t, p, &fakeExec{}, 100, 30)
	replayPress(t, m, ",")
	if v := m.View(); !strings.Contains(v, "nothing recorded before this") {
		t.Fatalf("no note after , with nothing before:\n%s", v)
	}
	replayPress(t, m, "right")
	if h := headerLines(m, 1)[0]; !strings.HasPrefix(h, "REPLAY ⏸ 1.0x  13.500s") {
		t.Errorf("after →: %q", h)
	}
	if v := m.View(); strings.Contains(v, "nothing recorded before this") {
		t.Errorf("the note of , stays after →:\n%s", v)
	}
	p.mu.Lock()
	p.steps = 10
	p.mu.Unlock()
	replayPress(t, m, ".")
	if v := m.View(); !strings.Contains(v, ". step: to 13.600s") {
		t.Fatalf("no note after .:\n%s", v)
	}
	replayPress(t, m, "+") // does not move the cursor, but the note is another key's
	if v := m.View(); strings.Contains(v, ". step: to") {
		t.Errorf("the note of . stays after +:\n%s", v)
	}
	// A command's answer tells of the place it was asked at.
	ex := &fakeExec{out: "at 13.6s of 1m0s"}
	m = replayModel(t, p, ex, 100, 30)
	for _, k := range []string{":", "s", "e", "e", "k", " ", "1", "s"} {
		m.Update(keyMsg(k)) // the prompt's own keys, its cursor's blink not run
	}
	replayPress(t, m, "enter")
	if v := m.View(); !strings.Contains(v, "at 13.6s of 1m0s") {
		t.Fatalf("no answer to seek:\n%s", v)
	}
	replayPress(t, m, "+")
	if v := m.View(); !strings.Contains(v, "at 13.6s of 1m0s") {
		t.Errorf("+ (no move) cleared the command's answer:\n%s", v)
	}
	replayPress(t, m, "left")
	if v := m.View(); strings.Contains(v, "at 13.6s of 1m0s") {
		t.Errorf("the answer stays after ←:\n%s", v)
	}
}

// TestReplayPlayClearsACommandsAnswer: space that plays moves the cursor
// on, so a command's answer, which tells of the place it was asked at,
// goes as it does after → (a find's "at 4.309s of 13.5s: 1 crashed" stayed
// under the cards as they played on to the end); space that pauses keeps
// an answer asked while playing.
func TestReplayPlayClearsACommandsAnswer(t *testing.T) {
	p := newFakePlayer(steady(20))
	ex := &fakeExec{out: "at 13.6s of 1m0s"}
	m := replayModel(t, p, ex, 100, 30)
	ask := func() {
		t.Helper()
		for _, k := range []string{":", "s", "e", "e", "k", " ", "1", "s"} {
			m.Update(keyMsg(k)) // the prompt's own keys, its cursor's blink not run
		}
		replayPress(t, m, "enter")
		if v := m.View(); !strings.Contains(v, "at 13.6s of 1m0s") {
			t.Fatalf("no answer to seek:\n%s", v)
		}
	}
	ask()
	replayPress(t, m, " ")
	if !p.Playing() {
		t.Fatal("space did not play")
	}
	if v := m.View(); strings.Contains(v, "at 13.6s of 1m0s") {
		t.Errorf("the answer stays after space played on:\n%s", v)
	}
	ask() // asked while it plays
	p.SetPlaying(true)
	replayPress(t, m, " ")
	if p.Playing() {
		t.Fatal("space did not pause")
	}
	if v := m.View(); !strings.Contains(v, "at 13.6s of 1m0s") {
		t.Errorf("space that paused cleared the answer:\n%s", v)
	}
}

// TestReplaySpaceAtTheEnd: space at the end of the recording plays it
// again from the start and says so; elsewhere it plays and says nothing.
func TestReplaySpaceAtTheEnd(t *testing.T) {
	p := newFakePlayer(steady(20))
	p.pos = p.length
	m := replayModel(t, p, &fakeExec{}, 100, 30)
	replayFrame(m, p)
	replayPress(t, m, " ")
	if got := p.got(); !slices.Equal(got, []string{"seek 0s", "playing true"}) {
		t.Errorf("space at the end asked %q, want a seek to the start and play", got)
	}
	if v := m.View(); !strings.Contains(v, "space: at the end: playing again from the start") {
		t.Errorf("space at the end says nothing:\n%s", v)
	}
	replayPress(t, m, " ", " ")
	if got := p.got(); !slices.Equal(got[2:], []string{"playing false", "playing true"}) {
		t.Errorf("space, space in the middle asked %q", got[2:])
	}
	if v := m.View(); strings.Contains(v, "playing again") {
		t.Errorf("the note stays:\n%s", v)
	}
}
