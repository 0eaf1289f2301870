package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
	"raftplay/raft"
)

// without returns st with node id gone from the screen (removed).
func without(st cluster.Status, id uint64) cluster.Status {
	st.Nodes = slices.DeleteFunc(slices.Clone(st.Nodes), func(n cluster.NodeStatus) bool { return n.ID == id })
	return st
}

// TestFilterRefusesWithNoNodeSelected: once the selected node is gone, f
// filtered the feed and the messages view to the node the selection fell
// back to, and the bar offered "f node 0 only" (a teacher's report). With
// no node selected f refuses as c does, and still turns a filter off.
func TestFilterRefusesWithNoNodeSelected(t *testing.T) {
	m := newModel(newFakeSource(steady(40)), &fakeExec{}, 120, 40)
	press(m, "3")
	m.Update(frameMsg(without(steady(40), 3)))
	if m.selGone != 3 {
		t.Fatalf("selGone %d, want 3", m.selGone)
	}
	press(m, "f")
	if m.feed.filter != 0 {
		t.Errorf("f filtered the events to node %d with no node selected", m.feed.filter)
	}
	if !strings.Contains(m.output.note, "no node is selected: press a node's digit") || m.output.line != "f filter" {
		t.Errorf("f with no node selected says %q: %q", m.output.line, m.output.note)
	}
	press(m, "m")
	if bar := helpBar(m); strings.Contains(bar, "node 0") || strings.Contains(bar, " only") {
		t.Errorf("messages view's bar with no node selected: %q", bar)
	}
	m.output.clear()
	press(m, "f")
	if m.msgs.byNode {
		t.Errorf("f filtered the messages to node %d with no node selected", m.msgFilter().Node)
	}
	if !strings.Contains(m.output.note, "no node is selected") {
		t.Errorf("f in the messages view with no node selected says %q", m.output.note)
	}

	// A filter set before the node went is turned off by f.
	m = newModel(newFakeSource(steady(40)), &fakeExec{}, 120, 40)
	press(m, "3", "f", "m", "f")
	if m.feed.filter != 3 || !m.msgs.byNode {
		t.Fatalf("filters %d, %v: want node 3's", m.feed.filter, m.msgs.byNode)
	}
	m.Update(frameMsg(without(steady(40), 3)))
	if v := m.View(); !strings.Contains(v, "node 3") {
		t.Errorf("the messages view's title does not name node 3, the node filtered:\n%s", v)
	}
	if bar := helpBar(m); !strings.Contains(bar, "all nodes") {
		t.Errorf("bar %q does not offer f all nodes", bar)
	}
	press(m, "f")
	if m.msgs.byNode {
		t.Errorf("f did not turn the messages' filter off")
	}
	press(m, "m", "f")
	if m.feed.filter != 0 {
		t.Errorf("f set the events' filter to %d, want it off", m.feed.filter)
	}
}

// TestAltKeyIsEscThenKey: esc then : typed fast (tmux send-keys Escape
// ':') arrives as alt+:, which was swallowed, so the command typed next
// ran as hotkeys ("explain log 3" ran load, partition, pause, isolate: a
// teacher's report). It is esc, then :.
func TestAltKeyIsEscThenKey(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(40)), ex, 120, 40)
	press(m, "w")
	if !m.output.shown() {
		t.Fatalf("w left no result to close")
	}
	ran := len(ex.got())
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{':'}, Alt: true})
	if m.output.shown() {
		t.Errorf("alt+: did not do what esc does: the result is still shown")
	}
	if !m.prompt.active {
		t.Fatalf("alt+: did not open the prompt")
	}
	for _, r := range "explain log 3" {
		press(m, string(r))
	}
	if got := ex.got()[ran:]; len(got) != 0 {
		t.Errorf("typed after alt+:, ran %q", got)
	}
	if v := m.prompt.input.Value(); v != "explain log 3" {
		t.Errorf("prompt holds %q", v)
	}
	// The prompt's own alt keys still edit its line.
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'b'}, Alt: true})
	if !m.prompt.active || m.prompt.input.Value() != "explain log 3" || m.prompt.input.Position() != len("explain log ") {
		t.Errorf("alt+b in the prompt: active %v, %q at %d", m.prompt.active, m.prompt.input.Value(), m.prompt.input.Position())
	}
	// Any other alt+key at the prompt is typed: taken for esc, it closed
	// the line being typed and ran what followed as hotkeys.
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'x'}, Alt: true})
	if !m.prompt.active || m.prompt.input.Value() != "explain log x3" {
		t.Errorf("alt+x in the prompt: active %v, %q", m.prompt.active, m.prompt.input.Value())
	}
	if got := ex.got()[ran:]; len(got) != 0 {
		t.Errorf("alt+x at the prompt ran %q", got)
	}
	press(m, "esc")
	// Elsewhere alt+esc (esc esc) is two escs: the detail view, then the result.
	press(m, "esc", "enter")
	m.output.setNote("x", "a result")
	m.Update(tea.KeyMsg{Type: tea.KeyEsc, Alt: true})
	if m.region != regionLanes || m.output.shown() {
		t.Errorf("alt+esc left region %v, result shown %v", m.region, m.output.shown())
	}
}

// inflightLines are the lines of the runs not yet answered, in order.
func inflightLines(m *Model) []string {
	var lines []string
	for _, r := range m.inflight {
		lines = append(lines, r.line)
	}
	return lines
}

// TestToggleKeysDecideFromWhatWasAsked: a toggle key pressed again before
// the frames show what its first press asked for toggles back: l l ran
// load 50 twice, and 1 p p said "node 1 is already paused" (a teacher's
// report). Each press decided from the last frame, which a frame read
// before the command ran still shows.
func TestToggleKeysDecideFromWhatWasAsked(t *testing.T) {
	keys := func(m *Model, ks ...string) {
		for _, k := range ks {
			m.Update(keyMsg(k))
			m.Update(frameMsg(m.o.Source.Status())) // read before the command ran
		}
	}
	for _, tc := range []struct {
		keys []string
		want []string
	}{
		{[]string{"l", "l", "l"}, []string{"load 50", "load off", "load 50"}},
		{[]string{"1", "p", "p"}, []string{"pause 1", "resume 1"}},
		{[]string{"z", "z"}, []string{"freeze", "thaw"}},
		{[]string{"x", "c", "c"}, []string{"cut 1 2", "heal 1 2"}},
		{[]string{"x", "d", "d"}, []string{"drop 10 1 2", "drop 50 1 2"}},
		{[]string{"x", "y", "y"}, []string{"delay 20ms 1 2", "delay 100ms 1 2"}},
		{[]string{"2", "g", "g"}, []string{"partition 1,3,4,5 2", "partition 1,2,3,4,5"}},
		// Not toggles, but the same race: r after c found node 2 up and
		// was refused unsaid (a new user's 2 c r left it down).
		{[]string{"2", "c", "r"}, []string{"crash 2", "restart 2"}},
		{[]string{"2", "P", "r"}, []string{"powerfail 2", "restart 2"}},
	} {
		m := newModel(newFakeSource(steady(40)), &fakeExec{}, 120, 40)
		keys(m, tc.keys...)
		if got := inflightLines(m); !slices.Equal(got, tc.want) {
			t.Errorf("%q ran %q, want %q", tc.keys, got, tc.want)
		}
	}
	// A failed command's edit goes: the next press decides from the frames.
	m := newModel(newFakeSource(steady(40)), &fakeExec{err: errors.New("refused")}, 120, 40)
	press(m, "l")
	m.Update(frameMsg(m.o.Source.Status()))
	keys(m, "l")
	if got := inflightLines(m); !slices.Equal(got, []string{"load 50"}) {
		t.Errorf("l after a failed load 50 ran %q", got)
	}
}

// TestEscLeavesDetailAtOnce: in the detail view, whose title says
// "enter/esc back", after a command left a result the first esc only
// cleared the result and a second was needed (a teacher's report).
func TestEscLeavesDetailAtOnce(t *testing.T) {
	m := newModel(newFakeSource(steady(40)), &fakeExec{}, 120, 40)
	press(m, "w", "enter")
	if m.region != regionDetail || !m.output.shown() {
		t.Fatalf("w enter: region %v, result shown %v", m.region, m.output.shown())
	}
	press(m, "esc")
	if m.region != regionLanes {
		t.Errorf("esc left the detail view open")
	}
	// The help's pager over the detail is closed first.
	press(m, "enter", "?", "esc")
	if m.region != regionDetail || m.fullHelp {
		t.Errorf("esc over the help in the detail: region %v, help %v", m.region, m.fullHelp)
	}
}

// TestCommitWhySaysWhereCommittedComesFrom: every node crashed and
// restarted frozen (lesson 2) shows commit 0 in the header and on every
// card, while the line under the lanes said "up to 1 is committed
// already": both true, read as a contradiction (a teacher's report). It
// says where that 1 comes from.
func TestCommitWhySaysWhereCommittedComesFrom(t *testing.T) {
	st := steady(1)
	st.Leader, st.Commit, st.EverApplied, st.Frozen = 0, 0, 1, true
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.Role, n.Leader, n.Commit, n.Applied, n.Progress = "follower", 0, 0, 0, nil
	}
	m := newModel(newFakeSource(st), &fakeExec{}, 140, 40)
	why := strings.Join(m.viewCommitWhy(140), " ")
	if strings.Contains(why, "up to 1 is committed already") || !strings.Contains(why, "entry 1 was committed before (the nodes learn it again from the next leader)") {
		t.Errorf("commit 0 on every card, and the line under the lanes says %q", why)
	}
	st.EverApplied = 7
	m = newModel(newFakeSource(st), &fakeExec{}, 140, 40)
	if why := strings.Join(m.viewCommitWhy(140), " "); !strings.Contains(why, "entries up to 7 were committed before") {
		t.Errorf("with 7 applied before: %q", why)
	}
}

// TestColumnNamesConflictingEntries: the column cursor said "index 6 (term
// 4) is on 1,2,4,5: committed" while node 3's lane showed another entry
// at 6, of term 3 (a teacher's report). It names it, and that the leader
// overwrites it.
func TestColumnNamesConflictingEntries(t *testing.T) {
	st := termAt6Differs(raft.Progress{Match: 5, Next: 6, State: "probe"})
	st.Nodes[2].Commit, st.Nodes[2].Applied = 5, 5
	m := newModel(newFakeSource(st), &fakeExec{}, 200, 40)
	m.col = 6
	why := m.commitWhy()
	if !strings.Contains(why, "index 6 (term 4) is on 1,2,4,5: committed") ||
		!strings.Contains(why, "3 holds another entry there (term 3): its log differs from the leader's, which overwrites it") {
		t.Errorf("column 6: %q", why)
	}
	m.col = 5 // the same entry on every node: nothing more said
	if why := m.commitWhy(); strings.Contains(why, "another entry") {
		t.Errorf("column 5: %q", why)
	}
}

// TestPartitionGroupsSorted: lesson 3's header showed "partition A:2,1 |
// B:3", the groups as its script wrote them; ids are sorted in a group.
func TestPartitionGroupsSorted(t *testing.T) {
	st := steady(10)
	st.Nodes = st.Nodes[:3]
	st.Faults.Groups = [][]uint64{{2, 1}, {3}}
	m := newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	if v := m.View(); !strings.Contains(v, "partition A:1,2 | B:3") {
		t.Errorf("header:\n%s", v)
	}
}

// A node the leader knows holds the entry (its match is past it) is not
// said to hold another there: its published lane may lag its log, and
// the sentence said both "is on 1,2,3,4,5" and "3 holds another entry".
func TestColumnTrustsTheLeadersMatchOverALaggingLane(t *testing.T) {
	st := termAt6Differs(raft.Progress{Match: 6, Next: 7, State: "replicate"}) // 3's lane not yet republished
	m := newModel(newFakeSource(st), &fakeExec{}, 200, 40)
	m.col = 6
	if why := m.commitWhy(); !strings.Contains(why, "index 6 (term 4) is on 1,2,3,4,5: committed") || strings.Contains(why, "another entry") {
		t.Errorf("column 6: %q", why)
	}
}

// h with no fault on says why it does nothing: it was silent, while other
// keys that are off say why (a learner's report).
func TestHealWithNoFaultSaysSo(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(40)), ex, 120, 40)
	press(m, "h")
	if m.output.line != "h heal" || !strings.Contains(m.output.note, "no partition or link fault is on") {
		t.Errorf("h with no fault: %q: %q", m.output.line, m.output.note)
	}
	if got := ex.got(); len(got) != 0 {
		t.Errorf("h with no fault ran %q", got)
	}
}

// termAt6Differs is steady(6) at term 4 with entry 6 of term 4 on every
// node but 3, whose lane shows term 3 at 6, and leader 1's progress of 3.
func termAt6Differs(of3 raft.Progress) cluster.Status {
	st := steady(6)
	st.Term = 4
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.LogTerms = slices.Clone(n.LogTerms)
		if n.ID != 3 {
			n.Term, n.LogTerms[5], n.LastTerm = 4, 4, 4
		}
	}
	st.Nodes[0].Progress[3] = of3
	return st
}
