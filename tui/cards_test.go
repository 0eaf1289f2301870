package tui

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/raft"
)

// cardOf returns the text of node id's card in view.
func cardOf(t *testing.T, view string, id uint64) string {
	t.Helper()
	for _, row := range parseCards(t, view) {
		for _, c := range row {
			if c.id == id {
				return strings.Join(c.lines, "\n")
			}
		}
	}
	t.Fatalf("no card of node %d in:\n%s", id, view)
	return ""
}

// laneOf returns node id's log lane in view.
func laneOf(t *testing.T, view string, id uint64) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^ ?` + string(rune('0'+id)) + ` .*$`)
	lanes := view[strings.Index(view, "\nlog ")+1:]
	l := re.FindString(lanes)
	if l == "" {
		t.Fatalf("no lane of node %d in:\n%s", id, view)
	}
	return l
}

// downAsOf is the status of node id after it went down: what it last
// published, as the cluster keeps it.
func downAsOf(n cluster.NodeStatus, state cluster.NodeState, err string) cluster.NodeStatus {
	n.State, n.Role, n.Err, n.AsOf = state, "down", err, t0.Add(-3*time.Second)
	n.Progress, n.Links, n.ElectionTimeout, n.ElectionElapsed = nil, nil, 0, 0
	return n
}

// TestDownNodeShowsWhatItLastHad: a crashed or failed node's card and lane
// show the term, vote, indexes, snapshot and log it had, marked as such,
// never zeros or an empty lane; a failed node's error still shows.
func TestDownNodeShowsWhatItLastHad(t *testing.T) {
	st := steady(40)
	for i := range st.Nodes {
		st.Nodes[i].SnapshotIndex, st.Nodes[i].SnapshotTerm = 20, 2
	}
	n2 := st.Nodes[1]
	n2.Term, n2.Vote, n2.Commit, n2.Applied, n2.LastIndex = 3, 1, 38, 37, 40
	st.Nodes[1] = downAsOf(n2, cluster.StateCrashed, "")
	st.Nodes[3] = downAsOf(st.Nodes[3], cluster.StateFailed, "wal: corrupt record")
	m := newModel(newFakeSource(st), &fakeExec{}, 140, 50)
	v := m.View()
	c2 := cardOf(t, v, 2)
	for _, want := range []string{"as of crash", "term 3", "vote 1", "38/", "snap 20·t2", "crashed"} {
		if !strings.Contains(c2, want) {
			t.Errorf("crashed card lacks %q:\n%s", want, c2)
		}
	}
	nums, _ := cardNumbers(c2)
	for _, want := range []uint64{38, 37, 40} {
		if !nums[want] {
			t.Errorf("crashed card does not show %d:\n%s", want, c2)
		}
	}
	c4 := cardOf(t, v, 4)
	for _, want := range []string{"as of failure", "term 3", "wal: corrupt record", "failed"} {
		if !strings.Contains(c4, want) {
			t.Errorf("failed card lacks %q:\n%s", want, c4)
		}
	}
	for _, id := range []uint64{2, 4} {
		lane := laneOf(t, v, id)
		if !strings.Contains(lane, "3333") || !strings.Contains(lane, "·") {
			t.Errorf("node %d's lane does not show its log: %q", id, lane)
		}
	}
	if lane := laneOf(t, v, 2); !strings.Contains(lane, "c=38") || !strings.Contains(lane, "l=40") || !strings.Contains(lane, "crashed") {
		t.Errorf("crashed lane: %q", lane)
	}
}

// TestPowerLostNodeSaysSo: a node whose power was cut says "lost power"
// and "as of power cut" on its card and lane, not "crashed", at every width.
func TestPowerLostNodeSaysSo(t *testing.T) {
	st := steady(40)
	st.Nodes[1] = downAsOf(st.Nodes[1], cluster.StateCrashed, "")
	st.Nodes[1].PowerLost = true
	for _, size := range [][2]int{{140, 50}, {80, 24}} {
		v := newModel(newFakeSource(st), &fakeExec{}, size[0], size[1]).View()
		c := squash(strings.Split(cardOf(t, v, 2), "\n")...)
		for _, want := range []string{"as of power", "lost power"} {
			if !strings.Contains(c, want) {
				t.Errorf("%dx%d: card of a node that lost power lacks %q:\n%s", size[0], size[1], want, cardOf(t, v, 2))
			}
		}
		if strings.Contains(c, "crash") {
			t.Errorf("%dx%d: card of a node that lost power says crash:\n%s", size[0], size[1], cardOf(t, v, 2))
		}
		if lane := laneOf(t, v, 2); !strings.Contains(lane, "lost power") || strings.Contains(lane, "crashed") {
			t.Errorf("%dx%d: lane of a node that lost power: %q", size[0], size[1], lane)
		}
	}
	m := newModel(newFakeSource(st), &fakeExec{}, 140, 50)
	press(m, "2", "enter")
	if v := m.View(); !strings.Contains(v, "node 2: lost power, as of its last status") || !strings.Contains(v, "just before the power cut") {
		t.Errorf("detail view of a node that lost power:\n%s", v)
	}
	// At 80 columns the title is the short form, whole, with its hint.
	m = newModel(newFakeSource(st), &fakeExec{}, 80, 24)
	press(m, "2", "enter")
	var title string
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.Contains(l, "node 2: ") {
			title = l
			break
		}
	}
	if want := "node 2: lost power, as of " + st.Nodes[1].AsOf.Format("15:04:05.000"); !strings.HasPrefix(strings.TrimSpace(title), want) || !strings.Contains(title, "scroll") {
		t.Errorf("80-column detail title %q: want %q whole, then the scroll hint", title, want)
	}
}

// TestDownNodeWithoutStatus: a node that never published shows no made-up
// numbers.
func TestDownNodeWithoutStatus(t *testing.T) {
	st := steady(20)
	st.Nodes[1] = cluster.NodeStatus{ID: 2, State: cluster.StateFailed, Role: "down", Err: "wal: open: permission denied"}
	v := newModel(newFakeSource(st), &fakeExec{}, 140, 50).View()
	c := strings.ReplaceAll(cardOf(t, v, 2), "\n", " ")
	if strings.Contains(c, "term 0") || strings.Contains(c, "0/0/0") || !strings.Contains(c, "permission denied") {
		t.Errorf("card of a node that never ran:\n%s", c)
	}
}

// TestTimerShowsTimeoutDrawn: the election timer shows the time left and
// the timeout it drains from, so a new draw is visible as such.
func TestTimerShowsTimeoutDrawn(t *testing.T) {
	st := steady(20)
	m := newModel(newFakeSource(st), &fakeExec{}, 140, 50)
	c := cardOf(t, m.View(), 2) // timeout 1.5s, 200ms elapsed
	if !strings.Contains(c, "1.3/1.5s") {
		t.Fatalf("timer of node 2:\n%s", c)
	}
	st.Nodes[1].ElectionTimeout, st.Nodes[1].ElectionElapsed = 1900*time.Millisecond, 0
	m.Update(frameMsg(st))
	if c := cardOf(t, m.View(), 2); !strings.Contains(c, "1.9/1.9s") {
		t.Fatalf("timer of node 2 after a new draw:\n%s", c)
	}
}

// TestHeartbeatPulses: at 100 ms heartbeats the ♥ is lit just after a
// heartbeat and dark later in the interval, and frames come often enough
// to show it.
func TestHeartbeatPulses(t *testing.T) {
	now := t0
	st := steady(20)
	st.Nodes[1].LastHeartbeat = t0.Add(-10 * time.Millisecond)
	m := New(Options{Source: newFakeSource(st), Exec: &fakeExec{}, Clock: func() time.Time { return now }, Seed: 1, Mono: true})
	m.Update(sizeMsg(140, 50))
	m.Update(frameMsg(st))
	if c := cardOf(t, m.View(), 2); !strings.Contains(c, "♥") {
		t.Errorf("10ms after a heartbeat the pulse is dark:\n%s", c)
	}
	now = t0.Add(50 * time.Millisecond)
	m.Update(frameMsg(st))
	if c := cardOf(t, m.View(), 2); strings.Contains(c, "♥") {
		t.Errorf("60ms after a heartbeat (of 100ms) the pulse is lit:\n%s", c)
	}
	for _, tc := range []struct{ hb, frame time.Duration }{
		{100 * time.Millisecond, 33 * time.Millisecond},
		{300 * time.Millisecond, 100 * time.Millisecond},
		{15 * time.Millisecond, 33 * time.Millisecond},
	} {
		if got := frameInterval(cluster.Timing{Heartbeat: tc.hb}, 0); got < tc.frame-time.Millisecond || got > tc.frame+time.Millisecond {
			t.Errorf("frame at heartbeat %v: %v, want about %v", tc.hb, got, tc.frame)
		}
	}
	if got := frameInterval(cluster.WatchTiming, 20*time.Millisecond); got != 20*time.Millisecond {
		t.Errorf("Options.Frame does not override: %v", got)
	}
	// Heartbeats too fast to pulse: steady while they keep arriving.
	st.Timing.Heartbeat = 15 * time.Millisecond
	now = t0
	st.Nodes[1].LastHeartbeat = t0.Add(-12 * time.Millisecond)
	m.Update(frameMsg(st))
	if c := cardOf(t, m.View(), 2); !strings.Contains(c, "♥") {
		t.Errorf("at 15ms heartbeats the pulse is not steady:\n%s", c)
	}
	now = t0.Add(time.Second)
	m.Update(frameMsg(st))
	if c := cardOf(t, m.View(), 2); strings.Contains(c, "♥") {
		t.Errorf("a second without heartbeats, the pulse is lit:\n%s", c)
	}
}

// A paused node's title keeps the role it was paused in where the card
// has room: a paused leader still believes it leads (a new user saw only
// PAUSED and had to ask the HTTP API).
func TestPausedCardTitleKeepsRole(t *testing.T) {
	st := steady(10)
	st.Nodes[0].State = cluster.StatePaused // node 1 leads in steady
	m := newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	for _, c := range []struct {
		role  string
		inner int
		want  string
	}{
		{"leader", 24, "PAUSED LEADER"},
		{"pre-candidate", 24, "PAUSED PRE-CAND"},
		{"leader", 12, "PAUSED"},
	} {
		n := st.Nodes[0]
		n.Role = c.role
		got := m.cardTitle(n, c.inner)
		if !strings.Contains(got, " "+c.want+" ") || lipgloss.Width(got) > c.inner {
			t.Errorf("%s paused, %d cells: title %q; want %q within the width", c.role, c.inner, got, c.want)
		}
	}
}

// TestTimerTextRoundsAsDurationsDo: the timer's seconds round half away
// from zero, as the explanations' milliseconds beside them suggest (a
// screen-accuracy test saw 850 ms drawn as 0.8).
func TestTimerTextRoundsAsDurationsDo(t *testing.T) {
	for _, tc := range []struct {
		left, timeout time.Duration
		want          string
	}{
		{850 * time.Millisecond, 1450 * time.Millisecond, "0.9/1.5s"},
		{849 * time.Millisecond, 1449 * time.Millisecond, "0.8/1.4s"},
		{0, time.Second, "0.0/1.0s"},
		{12 * time.Millisecond, 25 * time.Millisecond, "12/25ms"},
	} {
		if got := leftOf(tc.left, tc.timeout); got != tc.want {
			t.Errorf("leftOf(%v, %v) = %q, want %q", tc.left, tc.timeout, got, tc.want)
		}
	}
}

// TestCardHeightHoldsUnderLoad: at 80x24 with 5 nodes under load the
// numbers of the leader's card take one line in one frame ("c/a/l
// 6244/=/=", "lag 2-5:0") and two in the next ("commit 6260" / "a/l
// 6260/6261", a lag list wrapped), and the card block followed them, so
// the lanes and events below jumped at every frame. While the cluster keeps
// its shape the block keeps the height of its tallest frame; a change of
// shape (an election) works it out afresh.
func TestCardHeightHoldsUnderLoad(t *testing.T) {
	compact := steady(6260)
	split := steady(6260)
	split.Nodes[0].LastIndex = 6261 // c/a/l 6260/=/+1: one cell too wide
	split.Nodes[0].Progress[2] = raft.Progress{Match: 6260, Next: 6262, State: "replicate"}
	split.Nodes[0].Progress[4] = raft.Progress{Match: 6260, Next: 6262, State: "replicate"}
	m := newModel(newFakeSource(compact), &fakeExec{}, 80, 24)
	cardLines := func(st cluster.Status) (int, string) {
		m.Update(frameMsg(st))
		return m.layout().cards.height(), cardOf(t, m.View(), 1)
	}
	low, lowCard := cardLines(compact)
	high, highCard := cardLines(split)
	if high <= low {
		t.Fatalf("the values meant to take more lines do not (%d, then %d lines):\n%s\n%s", low, high, lowCard, highCard)
	}
	for i, st := range []cluster.Status{compact, split, compact, compact, split} {
		if got, card := cardLines(st); got != high {
			t.Errorf("frame %d: the card block takes %d lines, want %d as in the frame before:\n%s", i, got, high, card)
		}
	}
	// An election changes the cluster's shape: the height follows the
	// cards as they are now.
	elected := compact
	elected.Nodes = slices.Clone(compact.Nodes)
	elected.Nodes[0].Role, elected.Nodes[1].Role = "follower", "leader"
	elected.Nodes[1].Progress = compact.Nodes[0].Progress
	for i := range elected.Nodes {
		elected.Nodes[i].Leader = 2
	}
	if got, card := cardLines(elected); got != low {
		t.Errorf("after an election the card block takes %d lines, want %d:\n%s", got, low, card)
	}
}
