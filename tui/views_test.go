package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"

	"raftplay/cluster"
	"raftplay/msgview"
	"raftplay/raft"
	"raftplay/transport"
)

// elected is a 5-node cluster just after node 3 won the election of term
// 4, with the link 3->5 cut: node 5 never heard of it.
func elected() cluster.Status {
	st := steady(31)
	st.Leader, st.Term = 3, 4
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.Role, n.Term, n.Vote, n.Leader, n.Progress = "follower", 4, 3, 3, nil
	}
	st.Nodes[4].Term, st.Nodes[4].Vote, st.Nodes[4].Leader = 3, 1, 0
	l := &st.Nodes[2]
	l.Role, l.ElectionElapsed, l.LastHeartbeat = "leader", 0, time.Time{}
	l.Progress = map[uint64]raft.Progress{1: {Match: 31, Next: 32, State: "replicate"}, 2: {Match: 31, Next: 32, State: "replicate"},
		4: {Match: 31, Next: 32, State: "replicate"}, 5: {Match: 0, Next: 31, State: "probe"}}
	st.Faults.Links = []transport.LinkRule{{From: 3, To: 5, Rule: transport.Rule{Cut: true}}}
	return st
}

// electionTrace is how node 3 was elected: a fan-out of vote requests to
// 1, 2, 4 and 5 (the one to 5 lost to the cut), the grants of 1, 2 and 4
// coming back, then its first append, again lost to 5. Around them are
// what the diagram does not draw by default (heartbeats of the old term)
// or ever (sends).
func electionTrace() *fakeTrace {
	tr := &fakeTrace{}
	hb := msg(-1500, cluster.MsgDelivered, 1, 3, raft.MsgHeartbeat, 3)
	hb.Commit = 30
	tr.add(hb, msg(-1499, cluster.MsgDelivered, 3, 1, raft.MsgHeartbeatResp, 3))
	vote := func(ms int, ev cluster.MsgEvent, to uint64) cluster.MsgRecord {
		r := msg(ms, ev, 3, to, raft.MsgVote, 4)
		r.Index, r.LogTerm = 30, 3
		if ev == cluster.MsgLost {
			r.Lost = cluster.LostCut
		}
		return r
	}
	tr.add(vote(-900, cluster.MsgSent, 1), vote(-900, cluster.MsgSent, 2), vote(-900, cluster.MsgSent, 4), vote(-900, cluster.MsgLost, 5))
	tr.add(vote(-899, cluster.MsgDelivered, 1), vote(-898, cluster.MsgDelivered, 2), vote(-897, cluster.MsgDelivered, 4))
	tr.add(msg(-890, cluster.MsgDelivered, 1, 3, raft.MsgVoteResp, 4), msg(-889, cluster.MsgDelivered, 2, 3, raft.MsgVoteResp, 4),
		msg(-888, cluster.MsgDelivered, 4, 3, raft.MsgVoteResp, 4))
	for i, to := range []uint64{1, 2, 4, 5} {
		r := msg(-880+i, cluster.MsgDelivered, 3, to, raft.MsgApp, 4)
		r.Index, r.LogTerm, r.Entries, r.Commit = 30, 3, 1, 30
		if to == 5 {
			r.Event, r.Lost = cluster.MsgLost, cluster.LostCut
		}
		tr.add(r)
	}
	return tr
}

// frozenStatus is steady(30) frozen just after `timeout 3`: node 2 holds
// a heartbeat from leader 1, 3's vote request, and a newer heartbeat;
// nodes 4 and 5 hold the vote request.
func frozenStatus() cluster.Status {
	st := steady(30)
	st.Frozen = true
	vote := cluster.HeldInfo{From: 3, Kind: "vote", Term: 4, Summary: "vote t4 last 30@3"}
	beat := cluster.HeldInfo{From: 1, Kind: "heartbeat", Term: 3, Summary: "heartbeat t3 c30"}
	for i := range st.Nodes {
		st.Nodes[i].Frozen = true
	}
	seq := func(h cluster.HeldInfo, s uint64) cluster.HeldInfo { h.Seq, h.At = s, t0; return h }
	st.Nodes[1].Held = []cluster.HeldInfo{seq(beat, 1), seq(vote, 3), seq(beat, 6)}
	st.Nodes[3].Held = []cluster.HeldInfo{seq(vote, 4)}
	st.Nodes[4].Held = []cluster.HeldInfo{seq(vote, 5)}
	c := &st.Nodes[2]
	c.Role, c.Term, c.Vote, c.Leader = "candidate", 4, 3, 0
	return st
}

// frozenTrace is what the trace shows of frozenStatus: held rows.
func frozenTrace() *fakeTrace {
	tr := &fakeTrace{}
	hb := msg(-300, cluster.MsgHeld, 1, 2, raft.MsgHeartbeat, 3)
	hb.Commit = 30
	tr.add(hb)
	for i, to := range []uint64{1, 2, 4, 5} {
		r := msg(-200+i, cluster.MsgDelivered, 3, to, raft.MsgVote, 4)
		r.Index, r.LogTerm = 30, 3
		if to != 1 {
			r.Event = cluster.MsgHeld
		}
		tr.add(r)
	}
	tr.add(msg(-150, cluster.MsgHeld, 1, 3, raft.MsgVoteResp, 4))
	hb.Time = t0.Add(-100 * time.Millisecond)
	tr.add(hb)
	return tr
}

// linksStatus is steady(30) with the link 3->5 cut and 1->2 dropping half
// its messages, and a trace of leader 1 sending 10 appends a second to
// each follower, answered, over the last two seconds.
func linksScenario() (cluster.Status, *fakeTrace) {
	st := steady(30)
	st.Faults.Links = []transport.LinkRule{
		{From: 1, To: 2, Rule: transport.Rule{DropPct: 50}},
		{From: 3, To: 5, Rule: transport.Rule{Cut: true}},
	}
	tr := &fakeTrace{}
	for i := range 20 {
		for to := uint64(2); to <= 5; to++ {
			ev := cluster.MsgSent
			if to == 2 && i%2 == 1 {
				ev = cluster.MsgLost
			}
			tr.add(msg(-1990+i*100, ev, 1, to, raft.MsgApp, 3))
			if ev == cluster.MsgSent {
				tr.add(msg(-1985+i*100, cluster.MsgSent, to, 1, raft.MsgAppResp, 3))
			}
		}
	}
	return st, tr
}

// TestGoldenStepViews: the messages view of an election at 80 columns and
// wider, the link matrix with a cut and a drop, and a frozen cluster's
// header, cards and held list.
func TestGoldenStepViews(t *testing.T) {
	links, linkTrace := linksScenario()
	tests := map[string]struct {
		st   cluster.Status
		tr   *fakeTrace
		keys []string
		w, h int
	}{
		"election-80x42":  {elected(), electionTrace(), []string{"3", "m"}, 80, 42},
		"election-120x36": {elected(), electionTrace(), []string{"3", "m"}, 120, 36},
		"links-80x42":     {links, linkTrace, []string{"x"}, 80, 42},
		"links-9-140x50":  {widestStatus(9), electionTrace(), []string{"x", "down", "down", "right", "right"}, 140, 50},
		"frozen-80x42":    {frozenStatus(), frozenTrace(), []string{"2", "m", "down", "down"}, 80, 42},
		"frozen-120x36":   {frozenStatus(), frozenTrace(), []string{"2", "m"}, 120, 36},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := newTraceModel(newFakeSource(tc.st), tc.tr, &fakeExec{}, tc.w, tc.h)
			press(m, tc.keys...)
			v := m.View()
			checkFits(t, name, v, tc.w, tc.h)
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// TestElectionReadsAsFanOut: the election's rows come in order, each
// drawn from its sender's column to its receiver's: the four requests
// from 3 (the one to 5 dying at 3), then the three grants back to 3.
func TestElectionReadsAsFanOut(t *testing.T) {
	for _, w := range []int{80, 120, 200} {
		m := newTraceModel(newFakeSource(elected()), electionTrace(), &fakeExec{}, w, 44)
		press(m, "m")
		v := m.View()
		var rows []string
		for _, l := range diagramRows(v) {
			if strings.Contains(l, "vote") {
				rows = append(rows, l)
			}
		}
		want := []string{"3->5 vote t4 last 30@3 ✗ cut", "3->1 vote t4 last 30@3", "3->2 vote t4 last 30@3", "3->4 vote t4 last 30@3",
			"1->3 vote-resp t4 granted", "2->3 vote-resp t4 granted", "4->3 vote-resp t4 granted"}
		if len(rows) != len(want) {
			t.Fatalf("at %d: %d vote rows, want %d:\n%s", w, len(rows), len(want), v)
		}
		l := msgview.NewLayout(5, w)
		for i, r := range rows {
			if !strings.HasSuffix(r, want[i]) {
				t.Errorf("at %d: row %d %q, want it to end %q", w, i, r, want[i])
			}
			cells := []rune(r)[l.TimeW : l.TimeW+5*l.ColW]
			dot := slices.Index(cells, '●')
			if want := (3-1)*l.ColW + l.ColW/2; i < 4 && dot != want {
				t.Errorf("at %d: request %q does not start at 3's column", w, r)
			}
			if i >= 4 && !strings.ContainsRune(string(cells), '▶') && !strings.ContainsRune(string(cells), '◀') {
				t.Errorf("at %d: grant %q has no arrow head", w, r)
			}
		}
		if !strings.Contains(rows[0], "●──") || !strings.Contains(rows[0], "─✗   │") {
			t.Errorf("the vote lost to the cut does not die at its sender: %q", rows[0])
		}
	}
}

// diagramRows returns the rows of the space-time diagram in a view.
func diagramRows(v string) []string {
	var rows []string
	for _, l := range strings.Split(v, "\n") {
		if rowRe.MatchString(l) {
			rows = append(rows, l)
		}
	}
	return rows
}

var rowRe = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} .*\d->\d`)

// TestStepKeysIssueCommandLines: every key of step mode, the messages
// view and the link matrix runs its command line, and only where it
// applies.
func TestStepKeysIssueCommandLines(t *testing.T) {
	frozen := frozenStatus()
	cutDrop := steady(10)
	cutDrop.Faults.Links = []transport.LinkRule{{From: 1, To: 2, Rule: transport.Rule{Cut: true, DropPct: 50, Delay: 20 * time.Millisecond}}}
	tests := []struct {
		name string
		st   cluster.Status
		keys []string
		want []string
	}{
		{"z freezes", steady(10), []string{"z"}, []string{"freeze"}},
		{"z thaws", frozen, []string{"z"}, []string{"thaw"}},
		{"z z builds on the first", steady(10), []string{"z", "z"}, []string{"freeze", "thaw"}},
		{"s steps", frozen, []string{"s"}, []string{"step"}},
		{"no step unless frozen", steady(10), []string{"s"}, nil},
		{"t times out a follower", steady(10), []string{"3", "t"}, []string{"timeout 3"}},
		{"no timeout of a leader", steady(10), []string{"1", "t"}, nil},
		{"b: the leader beats", steady(10), []string{"1", "b"}, []string{"heartbeat 1"}},
		{"no heartbeat from a follower", steady(10), []string{"2", "b"}, nil},
		{"d delivers the oldest held", frozen, []string{"2", "m", "d"}, []string{"deliver 1 2 heartbeat"}},
		{"d delivers the picked held", frozen, []string{"2", "m", "down", "d"}, []string{"deliver 3 2 vote"}},
		{"del discards the picked held", frozen, []string{"4", "m", "delete"}, []string{"discard 3 4 vote"}},
		{"backspace discards too", frozen, []string{"5", "m", "backspace"}, []string{"discard 3 5 vote"}},
		{"k narrows the held list to a kind", frozen, []string{"2", "m", "k", "d"}, []string{"deliver 3 2 vote"}},
		{"d needs the messages view", frozen, []string{"2", "d"}, nil},
		{"d with nothing held", frozen, []string{"1", "m", "d"}, nil},
		{"x c cuts the link", steady(10), []string{"x", "c"}, []string{"cut 1 2"}},
		// The cell steps over the diagonal (no link from a node to itself):
		// 1→2, down onto 2→2 goes on to 3→2, down 4→2, right 4→3, right
		// onto 4→4 goes on to 4→5.
		{"x moves then cuts", steady(10), []string{"x", "down", "down", "right", "right", "c"}, []string{"cut 4 5"}},
		{"x left wraps", steady(10), []string{"x", "left", "left", "c"}, []string{"cut 1 4"}},
		{"x never on the diagonal", steady(10), []string{"x", "left", "c"}, []string{"cut 1 5"}},
		{"c heals a cut link and keeps its drop and delay", cutDrop, []string{"x", "c"}, []string{"heal 1 2", "drop 50 1 2", "delay 20ms 1 2"}},
		{"d cycles the drop", steady(10), []string{"x", "d", "d", "d", "d"}, []string{"drop 10 1 2", "drop 50 1 2", "drop 100 1 2", "drop 0 1 2"}},
		{"y cycles the delay", steady(10), []string{"x", "y", "y", "y", "y"}, []string{"delay 20ms 1 2", "delay 100ms 1 2", "delay 500ms 1 2", "delay 0s 1 2"}},
		// The cell is never on a node's link to itself: selecting node 3
		// with the cell on 1→3 moves it to 3→4.
		{"select moves the cell off the diagonal", steady(10), []string{"x", "right", "3", "c", "d", "y"}, []string{"cut 3 4", "drop 10 3 4", "delay 20ms 3 4"}},
		{"c in the matrix never crashes", steady(10), []string{"x", "right", "right", "right", "right", "c"}, []string{"cut 1 2"}},
		{"one-way partition of 1", steady(10), []string{"x", "c", "right", "c", "right", "c", "right", "c"}, []string{"cut 1 2", "cut 1 3", "cut 1 4", "cut 1 5"}},
		{"x x then c crashes again", steady(10), []string{"x", "x", "c"}, []string{"crash 1"}},
		{"timeout from the messages view", steady(10), []string{"m", "4", "t"}, []string{"timeout 4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{}
			m := newTraceModel(newFakeSource(tc.st), &fakeTrace{}, ex, 120, 40)
			press(m, tc.keys...)
			if got := ex.got(); !slices.Equal(got, tc.want) {
				t.Fatalf("keys %q ran %q, want %q", tc.keys, got, tc.want)
			}
		})
	}
}

// TestHeldPickKeepsItsMessage: the pick stays on its message when older
// ones leave, and moves to the one at its place when it leaves itself; the
// list says when d would take an older message of the same kind first.
func TestHeldPickKeepsItsMessage(t *testing.T) {
	st := frozenStatus()
	src := newFakeSource(st)
	m := newTraceModel(src, frozenTrace(), &fakeExec{}, 120, 40)
	press(m, "2", "m", "down", "down")
	if h, _ := m.pickedHeld(); h.Seq != 6 {
		t.Fatalf("picked %+v, want the newer heartbeat", h)
	}
	if v := m.View(); !strings.Contains(v, "take #1 first") {
		t.Fatalf("no note that d takes the older heartbeat first:\n%s", v)
	}
	st = withNode(st, 2, func(n *cluster.NodeStatus) { n.Held = n.Held[1:] }) // the oldest was delivered
	m.Update(frameMsg(st))
	if h, _ := m.pickedHeld(); h.Seq != 6 {
		t.Fatalf("after the oldest left, picked %+v", h)
	}
	st = withNode(st, 2, func(n *cluster.NodeStatus) { n.Held = n.Held[:1] }) // the picked one left
	m.Update(frameMsg(st))
	if h, _ := m.pickedHeld(); h.Seq != 3 {
		t.Fatalf("after the picked one left, picked %+v", h)
	}
	press(m, "k")
	if v := m.View(); !strings.Contains(v, "held by node 2: 1 vote message, oldest first (of 1)") && !strings.Contains(v, "held by node 2: 1 vote message, oldest first") {
		t.Fatalf("k does not narrow the held list:\n%s", v)
	}
	press(m, "k")
	if v := m.View(); !strings.Contains(v, "node 2 holds no prevote message") {
		t.Fatalf("held list of another kind:\n%s", v)
	}
	press(m, "1")
	if v := m.View(); !strings.Contains(v, "node 1 holds no prevote message; 3 messages held elsewhere") {
		t.Fatalf("node 1's list:\n%s", v)
	}
}

// TestMessagesFollowAndScroll: the diagram follows the newest records
// until scrolled back, stays put while more arrive, and end follows again.
func TestMessagesFollowAndScroll(t *testing.T) {
	tr := &fakeTrace{}
	app := func(i int) cluster.MsgRecord {
		r := msg(i, cluster.MsgDelivered, 1, 2, raft.MsgApp, 3)
		r.Index, r.Entries, r.Commit = uint64(i), 1, uint64(i)
		return r
	}
	for i := 1; i <= 100; i++ {
		tr.add(app(i))
	}
	m := newTraceModel(newFakeSource(steady(10)), tr, &fakeExec{}, 100, 40)
	press(m, "m")
	if v := m.View(); !strings.Contains(v, "i101 c100") || strings.Contains(v, "scrolled back") {
		t.Fatalf("not following the newest:\n%s", v)
	}
	press(m, "pgup")
	v := m.View()
	if strings.Contains(v, "i101 c100") || !strings.Contains(v, "scrolled back") {
		t.Fatalf("pgup did not scroll back:\n%s", v)
	}
	newer := regexp.MustCompile(`(\d+) newer`).FindStringSubmatch(v)
	tr.add(app(101))
	m.Update(m.readTrace()()) // what the next frame reads
	v2 := m.View()
	if strings.Contains(v2, "i102 c101") || !strings.Contains(v2, "scrolled back") {
		t.Fatalf("a new record moved the scrolled view:\n%s", v2)
	}
	if n := regexp.MustCompile(`(\d+) newer`).FindStringSubmatch(v2); newer == nil || n == nil || n[1] == newer[1] {
		t.Fatalf("the count of newer rows did not grow: %v then %v", newer, n)
	}
	press(m, "home")
	if v := m.View(); !strings.Contains(v, "1->2 app t3 i2 c1\n") {
		t.Fatalf("home does not show the oldest:\n%s", v)
	}
	press(m, "end")
	if v := m.View(); !strings.Contains(v, "i102 c101") || strings.Contains(v, "scrolled back") {
		t.Fatalf("end does not follow the newest:\n%s", v)
	}
}

// TestMessagesFilters: heartbeats are off until a, k cycles the kinds, f
// shows only the selected node's messages and follows the selection.
func TestMessagesFilters(t *testing.T) {
	tr := electionTrace()
	m := newTraceModel(newFakeSource(elected()), tr, &fakeExec{}, 120, 40)
	press(m, "m")
	count := func(s string) int { return strings.Count(strings.Join(diagramRows(m.View()), "\n"), s) }
	if count("heartbeat") != 0 || count("vote t4") != 4 {
		t.Fatalf("default filter:\n%s", m.View())
	}
	press(m, "a")
	if count("1->3 heartbeat t3 c30") != 1 {
		t.Fatalf("a does not show heartbeats:\n%s", m.View())
	}
	if !strings.Contains(m.View(), "  … 599ms ") {
		t.Fatalf("no pause row between the heartbeats and the election:\n%s", m.View())
	}
	press(m, "a", "k")
	if count("vote t4") != 4 || count("vote-resp") != 0 || count("app t4") != 0 {
		t.Fatalf("k does not show only votes:\n%s", m.View())
	}
	press(m, "k", "k") // prevote, vote-resp
	if count("vote-resp t4 granted") != 3 || count("last 30@3") != 0 {
		t.Fatalf("k k k does not show only vote answers:\n%s", m.View())
	}
	for range len(cluster.MessageKinds) - 2 {
		press(m, "k")
	}
	if !strings.Contains(m.View(), "every kind") {
		t.Fatalf("k does not come back to every kind:\n%s", m.View())
	}
	press(m, "5", "f")
	if count("->5") != 2 || count("3->1") != 0 || !strings.Contains(m.View(), "node 5") {
		t.Fatalf("f on node 5:\n%s", m.View())
	}
	press(m, "1")
	if count("3->1") != 2 || count("->5") != 0 {
		t.Fatalf("the node filter does not follow the selection:\n%s", m.View())
	}
	press(m, "f")
	if !strings.Contains(m.View(), "all nodes") {
		t.Fatalf("f again shows all nodes:\n%s", m.View())
	}
}

// TestFrozenHeaderAndCards: a frozen cluster says so in its header with
// the messages held, and every card says it is frozen and what it holds.
func TestFrozenHeaderAndCards(t *testing.T) {
	for _, w := range testWidths {
		m := newModel(newFakeSource(frozenStatus()), &fakeExec{}, w, 60)
		v := m.View()
		if !strings.Contains(v, "FROZEN: clocks stopped; 5 messages held") {
			t.Errorf("at %d no frozen line:\n%s", w, v)
		}
		rows := parseCards(t, v)
		for _, row := range rows {
			for _, c := range row {
				text := strings.Join(c.lines, " ")
				want := fmt.Sprintf("held %d", len(frozenStatus().Nodes[c.id-1].Held))
				if !strings.Contains(text, "frozen") || !strings.Contains(text, want) {
					t.Errorf("at %d card %d lacks frozen and %q: %q", w, c.id, want, text)
				}
			}
		}
	}
	if v := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40).View(); strings.Contains(v, "FROZEN") || strings.Contains(v, "held") {
		t.Errorf("a running cluster shows step mode:\n%s", v)
	}
}

// TestFrozenWithNothingHeldSaysWhatMakesAMessage: frozen with no message
// held, s has nothing to deliver (it waits a second, then fails): the
// header names the keys that make a message instead of offering s.
func TestFrozenWithNothingHeldSaysWhatMakesAMessage(t *testing.T) {
	st := frozenStatus()
	for i := range st.Nodes {
		st.Nodes[i].Held = nil
	}
	for _, w := range testWidths {
		v := newModel(newFakeSource(st), &fakeExec{}, w, 60).View()
		flat := strings.Join(strings.Fields(v), " ")
		if !strings.Contains(flat, "FROZEN: clocks stopped, nothing held: t timeout, b heartbeat, w propose, z thaw") || strings.Contains(flat, "s step,") {
			t.Errorf("at %d:\n%s", w, v)
		}
	}
}

// TestStepViewsFitEverySize: for 1 to 9 nodes at every test width, the
// messages view (frozen, with a held list) and the link matrix fit the
// minimum size the dashboard asks for; at 80 columns 5 nodes' diagram rows
// are drawn whole, and wider terminals give 9 nodes wider matrices and
// longer labels.
func TestStepViewsFitEverySize(t *testing.T) {
	for nodes := 1; nodes <= 9; nodes++ {
		st := widestStatus(nodes)
		st.Frozen = true
		st.Nodes[0].Held = frozenStatus().Nodes[1].Held
		for i := range st.Nodes {
			st.Nodes[i].Frozen = true
		}
		for _, w := range testWidths {
			for _, view := range []string{"m", "x"} {
				m := newTraceModel(newFakeSource(st), electionTrace(), &fakeExec{}, w, 200)
				_, h := minSize(t, m)
				m.Update(sizeMsg(w, h))
				press(m, view)
				v := m.View()
				what := fmt.Sprintf("%d nodes, %s at %dx%d", nodes, view, w, h)
				if strings.Contains(v, "needs at least") {
					t.Fatalf("%s: asks for more", what)
				}
				checkFits(t, what, v, w, h)
				if view == "x" && nodes > 1 && !strings.Contains(v, `from\to`) {
					t.Errorf("%s: no matrix:\n%s", what, v)
				}
				if view == "m" && !strings.Contains(v, "held by node 1") {
					t.Errorf("%s: no held list:\n%s", what, v)
				}
			}
		}
	}
	m := newTraceModel(newFakeSource(elected()), electionTrace(), &fakeExec{}, 80, 42)
	press(m, "m")
	if v := m.View(); !strings.Contains(v, "3->5 vote t4 last 30@3 ✗ cut") || strings.Contains(v, "…") {
		t.Errorf("5 nodes at 80 columns cut a row:\n%s", v)
	}
	widest := func(w int, key string) int {
		m := newTraceModel(newFakeSource(widestStatus(9)), electionTrace(), &fakeExec{}, w, 60)
		press(m, key)
		n := 0
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.Contains(l, "│") || strings.HasPrefix(l, `from\to`) {
				n = max(n, len([]rune(strings.TrimRight(l, " "))))
			}
		}
		return n
	}
	for _, key := range []string{"m", "x"} {
		if a, b := widest(80, key), widest(200, key); b < a+60 {
			t.Errorf("%s: 9 nodes use %d columns at 80 and only %d at 200", key, a, b)
		}
	}
}

// TestStepModeHelp: the help bar shows the keys of step mode, the messages
// view and the matrix only where they apply.
func TestStepModeHelp(t *testing.T) {
	tests := []struct {
		name     string
		st       cluster.Status
		keys     []string
		has, not []string
	}{
		{"running", steady(10), []string{"2"}, []string{"z freeze", "m messages", "x links"}, []string{"s step", "z thaw", "d deliver", "k kind"}},
		{"frozen", frozenStatus(), []string{"2"}, []string{"s step", "z thaw"}, []string{"z freeze", "d deliver"}},
		{"leader", steady(10), []string{"1"}, []string{"b heartbeat"}, []string{"t timeout"}},
		{"follower", steady(10), []string{"2"}, []string{"t timeout"}, []string{"b heartbeat"}},
		{"messages", steady(10), []string{"m"}, []string{"a heartbeats on", "k kind: vote", "f node 1 only", "↑/↓ scroll", "m close messages"}, []string{"d deliver", "c crash", "e events"}},
		{"messages frozen", frozenStatus(), []string{"2", "m"}, []string{"s step", "↑/↓ pick held", "d deliver", "del discard"}, []string{"↑/↓ scroll"}},
		{"messages frozen, nothing held there", frozenStatus(), []string{"3", "m"}, []string{"s step"}, []string{"pick held", "d deliver"}},
		{"messages frozen, one held there", frozenStatus(), []string{"4", "m"}, []string{"s step", "d deliver"}, []string{"pick held"}},
		{"messages, kind and heartbeats", steady(10), []string{"m", "a", "k"}, []string{"a heartbeats off", "k kind: prevote"}, nil},
		{"links", steady(10), []string{"x"}, []string{"↑↓←→ link", "c cut 1→2", "d drop 10%", "y delay 20ms", "x close links"}, []string{"c crash", "a heartbeats", "d deliver"}},
		{"links on a cut", func() cluster.Status {
			st := steady(10)
			st.Faults.Links = []transport.LinkRule{{From: 1, To: 2, Rule: transport.Rule{Cut: true, DropPct: 10}}}
			return st
		}(), []string{"x"}, []string{"c heal 1→2", "d drop 50%", "h heal"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTraceModel(newFakeSource(tc.st), &fakeTrace{}, &fakeExec{}, 250, 40)
			press(m, tc.keys...)
			bar := helpBar(m)
			for _, s := range tc.has {
				if !strings.Contains(bar, s) {
					t.Errorf("help bar %q lacks %q", bar, s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(bar, s) {
					t.Errorf("help bar %q shows %q", bar, s)
				}
			}
		})
	}
}

// TestMsgStore: the dashboard's copy of the trace keeps its newest records
// when it is full, starts again after a gap, and its filter index, built
// as records arrive, is the one built at once.
func TestMsgStore(t *testing.T) {
	tr := &fakeTrace{size: 50}
	s := msgStore{size: 40}
	read := func() {
		recs, next, dropped := tr.Since(s.next)
		s.add(traceMsg{recs: recs, next: next, dropped: dropped, on: true})
	}
	f := msgview.Filter{Kind: "app"}
	for i := range 200 {
		typ := raft.MsgApp
		if i%3 == 0 {
			typ = raft.MsgVote
		}
		tr.add(msg(i, cluster.MsgDelivered, 1, 2, typ, 1))
		if i%7 == 0 {
			read()
			s.shown(f)
		}
	}
	read()
	got := slices.Clone(s.shown(f))
	if len(s.recs) >= 50 || s.recs[len(s.recs)-1].Seq != 200 {
		t.Fatalf("store holds %d records, newest %d", len(s.recs), s.recs[len(s.recs)-1].Seq)
	}
	fresh := msgStore{recs: s.recs, base: s.base}
	if want := fresh.shown(f); !slices.Equal(got, want) {
		t.Fatalf("index %v, built at once %v", got, want)
	}
	for i := 1; i < len(s.recs); i++ {
		if s.recs[i].Seq != s.recs[i-1].Seq+1 {
			t.Fatalf("a gap in the store at %d", i)
		}
	}
	for range 60 { // more than the ring holds: a gap
		tr.add(msg(0, cluster.MsgDelivered, 1, 2, raft.MsgApp, 1))
	}
	read()
	if s.recs[0].Seq != 221 || len(s.recs) != 40 {
		t.Fatalf("after a gap the store starts at %d with %d records, want the newest 40 from 221", s.recs[0].Seq, len(s.recs))
	}
}

// TestNoTrace: without a trace, or with the trace off, the views say so.
func TestNoTrace(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	press(m, "m")
	if v := m.View(); !strings.Contains(v, "(no message trace here)") {
		t.Fatalf("no trace:\n%s", v)
	}
	m = newTraceModel(newFakeSource(steady(10)), &fakeTrace{off: true}, &fakeExec{}, 120, 40)
	press(m, "m")
	if v := m.View(); !strings.Contains(v, ":trace on") {
		t.Fatalf("trace off:\n%s", v)
	}
	press(m, "x")
	if v := m.View(); !strings.Contains(v, ":trace on") || !regexp.MustCompile(`1->2: no fault`).MatchString(v) {
		t.Fatalf("trace off, matrix:\n%s", v)
	}
}

// TestStepResultWraps: a step's result, one long sentence of effects, is
// wrapped under its command, not opened in a pager that would hide the
// held list.
func TestStepResultWraps(t *testing.T) {
	ex := &fakeExec{out: "delivered 3->2 vote t4 last 30@3; 2 moved to term 4 (from 3) on MsgVote from 3; 2 granted vote to 3 at term 4"}
	m := newTraceModel(newFakeSource(frozenStatus()), frozenTrace(), ex, 80, 42)
	press(m, "2", "m", "k", "d")
	v := m.View()
	if m.pagerShown() != noPager || !strings.Contains(v, "held by node 2") {
		t.Fatalf("the result hides the held list:\n%s", v)
	}
	for _, want := range []string{"> deliver 3 2 vote", "  delivered 3->2 vote t4", "2 granted vote to 3 at term 4"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	checkFits(t, "wrapped result", v, 80, 42)
}

// TestLongSentenceInPagerWraps: a one-sentence result with no room under
// the command at 80x24 (an explanation) opens in the pager wrapped to the
// screen, not as one line to scroll sideways.
func TestLongSentenceInPagerWraps(t *testing.T) {
	sentence := strings.Repeat("index 247 (term 3) is on 1,2, needs 3 of 5; 4 is cut off from 1; ", 6) + "END"
	m := newModel(newFakeSource(steady(40)), &fakeExec{out: sentence}, 80, 24)
	press(m, ":")
	for _, r := range "explain commit" {
		press(m, string(r))
	}
	press(m, "enter")
	v := m.View()
	if strings.Contains(v, "columns 1-") {
		t.Fatalf("the sentence needs sideways scrolling:\n%s", v)
	}
	if m.pagerShown() == outputPager && !strings.Contains(v, "is on 1,2") {
		t.Fatalf("pager without the sentence:\n%s", v)
	}
	checkFits(t, "long sentence", v, 80, 24)
}

// TestShortResultTakesTheEventsLines: at 80x24 a result of a few wrapped
// lines shows under its command beside the lanes, in the events' lines,
// rather than in the pager that would hide the lanes too.
func TestShortResultTakesTheEventsLines(t *testing.T) {
	sentence := "index 2 (term 1) is on 2, needs 2 of 3; 1 has up to 1, 1 entry short of it, 3 has up to 1, 1 entry short of it, the cluster is frozen: nothing moves until messages are delivered"
	st := steady(40)
	st.Nodes = st.Nodes[:3] // 3 nodes: the lanes leave 4 lines at 80x24
	for i := range st.Nodes {
		for id := range st.Nodes[i].Progress {
			if id > 3 {
				delete(st.Nodes[i].Progress, id)
			}
		}
	}
	m := newModel(newFakeSource(st), &fakeExec{out: sentence}, 80, 24)
	press(m, ":")
	for _, r := range "explain commit" {
		press(m, string(r))
	}
	press(m, "enter")
	v := m.View()
	if m.pagerShown() != noPager || !strings.Contains(v, "\nlog ") || !strings.Contains(v, "messages are delivered") {
		t.Fatalf("a three-line result hid the lanes or is not shown:\n%s", v)
	}
	checkFits(t, "short result", v, 80, 24)
}

// Frozen with nothing held, the help bar leads with the keys that make a
// message (t for a follower, b for the leader, w), then z: it offered s,
// which has nothing to deliver, and crash and pause before t.
func TestFrozenIdleBarLeadsWithWhatMakesAMessage(t *testing.T) {
	st := frozenStatus()
	for i := range st.Nodes {
		st.Nodes[i].Held = nil
	}
	bar := func(m *Model) string {
		lines := strings.Split(m.View(), "\n")
		return lines[len(lines)-1]
	}
	m := newModel(newFakeSource(st), &fakeExec{}, 80, 60)
	for _, id := range []uint64{1, 2, 3} {
		m.sel = id
		m.refreshKeys()
		n, _ := st.Node(id)
		want := "t timeout • w propose • z thaw"
		if n.Role == "leader" {
			want = "b heartbeat • w propose • z thaw"
		}
		if got := bar(m); !strings.HasPrefix(got, want) {
			t.Errorf("node %d (%s) selected, the bar: %q; want it to start %q", id, n.Role, got, want)
		}
	}
	held := frozenStatus()
	m = newModel(newFakeSource(held), &fakeExec{}, 80, 60)
	if got := bar(m); !strings.HasPrefix(got, "s step") {
		t.Errorf("with messages held, the bar: %q; want s step first", got)
	}
}

// TestShortResultWithFiveLanesAt80x24: with 5 nodes at 80x24 the lanes
// fill the region, and a notice of two lines (+ past the fastest speed)
// opened the pager, hiding the lanes for one sentence: it takes lines from
// the lanes instead.
func TestShortResultWithFiveLanesAt80x24(t *testing.T) {
	st := steady(40)
	st.Timing.ElectionMin, st.Timing.ElectionMax = 15625*time.Microsecond, 31250*time.Microsecond
	for h := 21; h <= 24; h++ { // the real cards took a line more than these
		m := newModel(newFakeSource(st), &fakeExec{}, 80, h)
		press(m, "+")
		v := m.View()
		if m.pagerShown() != noPager || !strings.Contains(v, "\nlog ") || !strings.Contains(v, "below 12ms") {
			t.Fatalf("at 80x%d a two-line result hid the lanes or is not shown:\n%s", h, v)
		}
		checkFits(t, "short result", v, 80, h)
	}
}

// appTrace is a trace of n appends from 1 to 2, each of one entry.
func appTrace(n int) *fakeTrace {
	tr := &fakeTrace{}
	for i := 1; i <= n; i++ {
		r := msg(i, cluster.MsgDelivered, 1, 2, raft.MsgApp, 3)
		r.Index, r.Entries, r.Commit = uint64(i), 1, uint64(i)
		tr.add(r)
	}
	return tr
}

// TestMessagesInASmallRegion: with only two or three lines for the
// messages view (80x24, five nodes, a result of two lines under it), it
// drew its title and the columns' header and not one message. A message
// row comes before the header.
func TestMessagesInASmallRegion(t *testing.T) {
	tr := appTrace(20)
	m := newTraceModel(newFakeSource(steady(10)), tr, &fakeExec{}, 80, 24)
	press(m, "m")
	for h := 2; h <= 5; h++ {
		lines := m.viewMessages(80, h)
		if len(lines) > h {
			lines = lines[:h]
		}
		v := strings.Join(lines, "\n")
		if !strings.Contains(v, "i21 c20") {
			t.Errorf("in %d lines the newest message is not drawn:\n%s", h, v)
		}
		if hasHeader := strings.Contains(v, "\ntime "); h >= 4 != hasHeader {
			t.Errorf("in %d lines the columns' header is drawn %v, want %v:\n%s", h, !(h >= 4), h >= 4, v)
		}
	}
}

// TestMessageLabelsWholeAt80Columns: at 80 columns with 5 nodes a label
// longer than its row's room ("3->2 app t16 after 12099@16 c12099", cut
// "c1…") goes on below its row, under the node columns, so that it is read
// whole as the README says; the newest row stays at the bottom and no
// label's rest is drawn without its row.
func TestMessageLabelsWholeAt80Columns(t *testing.T) {
	tr := &fakeTrace{}
	app := msg(-20, cluster.MsgDelivered, 3, 2, raft.MsgApp, 16)
	app.Index, app.LogTerm, app.Commit = 12099, 16, 12099
	rej := msg(-10, cluster.MsgLost, 2, 3, raft.MsgAppResp, 16)
	rej.Reject, rej.Why, rej.Index, rej.Hint, rej.LogTerm, rej.Lost = true, raft.WhyLogMismatch, 12099, 12098, 15, cluster.LostUnreachable
	vote := msg(0, cluster.MsgDelivered, 1, 2, raft.MsgVote, 17)
	for range 30 { // more rows than the view has room for
		tr.add(app)
	}
	tr.add(app, rej, vote)
	m := newTraceModel(newFakeSource(steady(40)), tr, &fakeExec{}, 80, 24)
	press(m, "m")
	v := m.View()
	for _, l := range strings.Split(v, "\n") {
		if w := lipgloss.Width(l); w > 80 {
			t.Errorf("a line is %d cells wide: %q", w, l)
		}
	}
	for _, r := range []cluster.MsgRecord{app, rej, vote} {
		if want := msgview.Label(r); !containsWrapped(v, want) {
			t.Errorf("the label %q is not shown whole:\n%s", want, v)
		}
	}
	lines := strings.Split(v, "\n")
	bottom := lines[len(lines)-2] // above the help bar
	if !strings.HasSuffix(strings.TrimRight(bottom, " "), msgview.Label(vote)) {
		t.Errorf("the newest row is not at the bottom: %q\n%s", bottom, v)
	}
	first := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "time") {
			first = i + 1
		}
	}
	if first < 0 || !rowRe.MatchString(lines[first]) {
		t.Errorf("the diagram's first line is not a row of its own: %q\n%s", lines[first], v)
	}
}

// containsWrapped reports whether label is in view, its words in order,
// split only where a line ends and the next goes on under the node
// columns.
func containsWrapped(view, label string) bool {
	var words []string
	for _, l := range strings.Split(view, "\n") {
		for _, f := range strings.Fields(l) {
			if f != "│" {
				words = append(words, f)
			}
		}
	}
	return strings.Contains(" "+strings.Join(words, " ")+" ", " "+strings.Join(strings.Fields(label), " ")+" ")
}

// TestMessagesNewestRowWhenItsLabelDoesNotFit: with room for one row only
// (80x24, five nodes, a lesson's narration and the held list above), a
// newest message whose label wraps is drawn as its row, its label cut; it
// was drawn as the label's rest alone under empty node columns ("stale
// term held"), no time, no arrow, no sender.
func TestMessagesNewestRowWhenItsLabelDoesNotFit(t *testing.T) {
	tr := appTrace(3)
	rej := msg(10, cluster.MsgLost, 2, 3, raft.MsgAppResp, 16)
	rej.Reject, rej.Why, rej.Index, rej.Hint, rej.LogTerm, rej.Lost = true, raft.WhyLogMismatch, 12099, 12098, 15, cluster.LostUnreachable
	tr.add(rej)
	m := newTraceModel(newFakeSource(steady(10)), tr, &fakeExec{}, 80, 24)
	press(m, "m")
	if whole := m.viewMessages(80, 10); !containsWrapped(strings.Join(whole, "\n"), msgview.Label(rej)) {
		t.Fatalf("with room, the label is not whole:\n%s", strings.Join(whole, "\n"))
	}
	lines := m.viewMessages(80, 2)
	if len(lines) != 2 {
		t.Fatalf("in 2 lines: %d:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	row := lines[1]
	if !rowRe.MatchString(row) || !strings.Contains(row, "2->3 app-resp") || !strings.HasSuffix(strings.TrimRight(row, " "), "…") {
		t.Errorf("in 2 lines the newest message is not its row, label cut: %q", row)
	}
	if w := lipgloss.Width(row); w > 80 {
		t.Errorf("the row is %d cells wide", w)
	}
}
