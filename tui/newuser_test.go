package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
)

// Tests of what a new user reported: each names what was wrong.

// T on a paused node said "2 is not running": it is running, paused, and
// p resumes it; the note says so, as c, t and b on a paused node do.
func TestTransferToAPausedNodeSaysItIsPaused(t *testing.T) {
	st := withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)
	paused2 := withNode(st, 2, func(n *cluster.NodeStatus) { n.State = cluster.StatePaused })
	ex := &fakeExec{}
	m := newModel(newFakeSource(paused2), ex, 120, 40)
	m.Update(frameMsg(paused2))
	press(m, "2", "T")
	if got := ex.got(); len(got) != 0 {
		t.Fatalf("T on a paused node ran %q", got)
	}
	v := strings.Join(strings.Fields(m.View()), " ")
	if want := "T transfer 2: 2 is paused (p resumes it)"; !strings.Contains(v, want) {
		t.Errorf("no note %q:\n%s", want, v)
	}
}

// The messages view kept a column for a removed node ("6" after remove 6,
// the header saying 5 nodes): its column now goes when its card goes,
// removedFor after the removal, and a message from it is its label alone.
func TestMessagesDropARemovedNodesColumn(t *testing.T) {
	plain := withConfig(steady(40), []uint64{1, 2, 3, 4, 5}, nil)
	tr := &fakeTrace{}
	tr.add(msg(-20, cluster.MsgDelivered, 1, 4, raft.MsgApp, 3), msg(-10, cluster.MsgDelivered, 4, 1, raft.MsgAppResp, 3),
		msg(-5, cluster.MsgDelivered, 1, 5, raft.MsgApp, 3))
	m := newTraceModel(newFakeSource(plain), tr, &fakeExec{}, 120, 40)
	press(m, "m")
	columns := func() string {
		t.Helper()
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.HasPrefix(l, "time ") {
				return strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimPrefix(l, "time"), "message")), " ")
			}
		}
		t.Fatalf("no diagram header:\n%s", m.View())
		return ""
	}
	if got := columns(); got != "1 2 3 4 5" {
		t.Fatalf("columns %q before the removal", got)
	}
	m.Update(frameMsg(removedStatus(time.Second)))
	if got := columns(); got != "1 2 3 4 5" {
		t.Errorf("columns %q while the removed node's card stays: want 4's too", got)
	}
	m.Update(frameMsg(removedStatus(6 * time.Second)))
	if got := columns(); got != "1 2 3 5" {
		t.Errorf("columns %q once the removed node's card went: want 4's gone", got)
	}
	var from4 string
	for _, r := range diagramRows(m.View()) {
		if strings.Contains(r, "4->1 app-resp") {
			from4 = r
		}
	}
	if from4 == "" || strings.ContainsAny(from4, "●◀▶") {
		t.Errorf("4's answer, with no column for 4: %q", from4)
	}
	m.Update(frameMsg(plain)) // 4 added again
	if got := columns(); got != "1 2 3 4 5" {
		t.Errorf("columns %q once 4 is back", got)
	}
}

// A node that crashed while the cluster was frozen kept "crashed · held 0"
// on its card after the thaw: its status keeps the Frozen it last
// published. The held count shows only while the cluster is frozen, and
// never for a node that is down (what it held died with it).
func TestHeldCountOnlyWhileFrozen(t *testing.T) {
	frozenSt := withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)
	frozenSt.Frozen = true
	for i := range frozenSt.Nodes {
		frozenSt.Nodes[i].Frozen = true
	}
	crashedFrozen := withNode(frozenSt, 3, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateCrashed, "") })
	thawed := crashedFrozen
	thawed.Frozen = false
	thawed.Nodes = slices.Clone(thawed.Nodes)
	for i := range thawed.Nodes {
		if thawed.Nodes[i].State == cluster.StateUp {
			thawed.Nodes[i].Frozen = false // a running node publishes the thaw; node 3 cannot
		}
	}
	for _, tc := range []struct {
		name   string
		st     cluster.Status
		id     uint64
		want   string
		absent string
	}{
		{"a running node, frozen", crashedFrozen, 2, "frozen · held 0", ""},
		{"a crashed node, frozen", crashedFrozen, 3, "crashed", "held"},
		{"a crashed node, thawed", thawed, 3, "crashed", "held"},
		{"a running node, thawed", thawed, 2, "up", "held"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel(newFakeSource(tc.st), &fakeExec{}, 160, 50)
			c := cardOf(t, m.View(), tc.id)
			if !strings.Contains(c, tc.want) || (tc.absent != "" && strings.Contains(c, tc.absent)) {
				t.Errorf("card of %d: want %q, not %q:\n%s", tc.id, tc.want, tc.absent, c)
			}
		})
	}
}

// A crashed node's log lane ends "crashed"; a paused one's said nothing,
// though its log stands still too. It ends "paused" now.
func TestPausedLaneSaysPaused(t *testing.T) {
	st := withNode(steady(10), 2, func(n *cluster.NodeStatus) { n.State = cluster.StatePaused })
	st = withNode(st, 3, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateCrashed, "") })
	v := newModel(newFakeSource(st), &fakeExec{}, 120, 40).View()
	for id, want := range map[uint64]string{2: "c=10 l=10 paused", 3: "c=10 l=10 crashed", 4: "c=10 l=10"} {
		if lane := laneOf(t, v, id); !strings.HasSuffix(lane, want) {
			t.Errorf("lane of %d: %q, want it to end %q", id, lane, want)
		}
	}
}

// In a replay, steps onto places within one millisecond all read 6.001s:
// the paused cursor now shows microseconds when a step back or forward
// would read the same to the millisecond, and milliseconds otherwise.
func TestReplayCursorTellsStepsWithinAMillisecondApart(t *testing.T) {
	p := newFakePlayer(steady(20))
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	p.places = []time.Duration{ms(5990), ms(6001.1), ms(6001.2), ms(6001.3), ms(6003), ms(6003.0004)}
	p.pos = ms(5990)
	m := replayModel(t, p, &fakeExec{}, 120, 40)
	for _, tc := range []struct{ key, cursor, note string }{
		{".", "6.001100s", ". step: to 6.001100s (+11ms)"},
		{".", "6.001200s", ". step: to 6.001200s (+100µs)"},
		{".", "6.001300s", ". step: to 6.001300s (+100µs)"},
		{".", "6.003000000s", ". step: to 6.003000000s (+1.7ms)"}, // the next is 400ns on
		{".", "6.003000400s", ". step: to 6.003000400s (+400ns)"},
		{",", "6.003000000s", ", step back: to 6.003000000s (-400ns)"},
		{",", "6.001300s", ", step back: to 6.001300s (-1.7ms)"},
		{",", "6.001200s", ", step back: to 6.001200s (-100µs)"},
		{",", "6.001100s", ", step back: to 6.001100s (-100µs)"},
		{",", "5.990s", ", step back: to 5.990s (-11ms)"},
	} {
		replayPress(t, m, tc.key)
		if h := headerLines(m, 1)[0]; !strings.HasPrefix(h, "REPLAY ⏸ 1.0x  "+tc.cursor+" / 1m00.0s  paused") {
			t.Errorf("after %s the replay line is %q, want the cursor at %s", tc.key, h, tc.cursor)
		}
		if v := m.View(); !strings.Contains(v, tc.note) {
			t.Errorf("after %s no note %q:\n%s", tc.key, tc.note, v)
		}
	}
	for _, tc := range []struct {
		pos, prev, next time.Duration
		want            string
	}{
		{ms(6001.2), -1, -1, "6.001s"},
		{ms(6001.2), ms(5000), ms(6002), "6.001s"},
		{ms(6001.2), ms(6001), -1, "6.001200s"},
		{ms(6001.2), -1, ms(6001.4), "6.001200s"},
		{time.Minute + ms(2001.25), ms(62001.3), -1, "1m02.001250s"},
		{time.Hour + 2*time.Minute + ms(3001), -1, -1, "1h02m03.001s"},
	} {
		if got := cursorText(tc.pos, tc.prev, tc.next); got != tc.want {
			t.Errorf("cursorText(%v, %v, %v) = %s, want %s", tc.pos, tc.prev, tc.next, got, tc.want)
		}
	}
}

// failingExec runs lines as fakeExec does, failing those in fail.
type failingExec struct {
	fakeExec
	fail map[string]bool
}

func (f *failingExec) Exec(ctx context.Context, cmd *commands.Command) (string, error) {
	out, err := f.fakeExec.Exec(ctx, cmd)
	if f.fail[cmd.Text] {
		return "", errors.New("no leader")
	}
	return out, err
}

// Text typed at the prompt faster than the terminal is read arrives as
// Bubble Tea splits it: each run of letters one message, each space a key
// of its own. A word that names a key ("left", "home", "up", "delete",
// "backspace") was taken for that key: put dir "go left now" stored "go
// now". Each word is typed as it is.
func TestPromptTypesAFastBurstAsText(t *testing.T) {
	for _, line := range []string{
		`put dir "go left now"`,
		"echo aa up bb down cc left right end home delete backspace",
		"echo ctrl+a alt+b ctrl+k ctrl+w tab esc",
	} {
		ex := &fakeExec{}
		m := newModel(newFakeSource(steady(10)), ex, 120, 40)
		press(m, ":")
		for i, w := range strings.Split(line, " ") {
			if i > 0 {
				m.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
			}
			m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(w)})
		}
		if got := m.prompt.input.Value(); got != line {
			t.Errorf("typed fast, the prompt holds %q, want %q", got, line)
		}
		if _, cmd := m.Update(keyMsg("enter")); cmd != nil {
			m.Update(cmd())
		}
		if got := ex.got(); !slices.Equal(got, []string{line}) {
			t.Errorf("ran %q, want %q", got, line)
		}
	}
	// Typed one key at a time, the editing keys still edit.
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	press(m, ":")
	for _, r := range "ab" {
		m.Update(keyMsg(string(r)))
	}
	m.Update(tea.KeyMsg{Type: tea.KeyLeft})
	m.Update(keyMsg("x"))
	m.Update(tea.KeyMsg{Type: tea.KeyHome})
	m.Update(keyMsg("y"))
	if got := m.prompt.input.Value(); got != "yaxb" {
		t.Errorf("left and home: %q, want yaxb", got)
	}
}

// Two lines pasted at the prompt were joined into one command that did not
// parse. The lines a line break ends run now, in order, as a script's do:
// all parsed first (none runs if one does not parse), the first that fails
// stops the rest; what follows the last break stays in the prompt.
func TestPromptRunsAPasteLineByLine(t *testing.T) {
	paste := func(m *Model, text string) {
		t.Helper()
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text), Paste: true})
		if cmd != nil {
			if r, ok := cmd().(resultMsg); ok {
				m.Update(r)
			}
		}
	}
	view := func(m *Model) string { return strings.Join(strings.Fields(m.View()), " ") }
	for _, tc := range []struct {
		name   string
		typed  string // in the prompt before the paste, the cursor at its end
		paste  string
		fail   string // the line the executor fails
		ran    []string
		prompt string // left in the prompt ("": closed)
		shows  string
	}{
		{name: "two lines", paste: "put a 1\nput b 2\n", ran: []string{"put a 1", "put b 2"}, shows: "> put b 2 ok"},
		{name: "a terminal's line breaks", paste: "put a 1\r\nput b 2\r", ran: []string{"put a 1", "put b 2"}},
		{name: "the last line without its break", paste: "put a 1\nput b 2", ran: []string{"put a 1"}, prompt: "put b 2"},
		{name: "into a line being typed", typed: "put k ", paste: "v\nget k\n", ran: []string{"put k v", "get k"}},
		{name: "comments and blank lines", paste: "# setup\n\n  put a 1  # first\n", ran: []string{"put a 1"}},
		{name: "a line that does not parse", paste: "put a 1\ncrsh 2\nput c 3\n", shows: "pasted line 2 of 3: crsh 2: column 1: unknown command \"crsh\" (did you mean \"crash\"?) (so none of the 3 pasted lines ran)"},
		{name: "a line that fails, two after it", paste: "put a 1\nput b 2\nput c 3\nput d 4\n", fail: "put b 2", ran: []string{"put a 1", "put b 2"}, shows: "error: pasted line 2 of 4: put b 2: no leader (so the 2 lines after it did not run)"},
		{name: "a line that fails", paste: "put a 1\nput b 2\nput c 3\n", fail: "put b 2", ran: []string{"put a 1", "put b 2"}, shows: "error: pasted line 2 of 3: put b 2: no leader (so the line after it did not run)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &failingExec{fail: map[string]bool{tc.fail: true}}
			m := newModel(newFakeSource(steady(10)), ex, 120, 40)
			press(m, ":")
			for _, r := range tc.typed {
				m.Update(keyMsg(string(r)))
			}
			paste(m, tc.paste)
			if got := ex.got(); !slices.Equal(got, tc.ran) {
				t.Errorf("ran %q, want %q", got, tc.ran)
			}
			if got := m.prompt.input.Value(); m.prompt.active != (tc.prompt != "") || (tc.prompt != "" && got != tc.prompt) {
				t.Errorf("prompt open %v with %q, want %q", m.prompt.active, got, tc.prompt)
			}
			if v := view(m); tc.shows != "" && !strings.Contains(v, tc.shows) {
				t.Errorf("the screen lacks %q:\n%s", tc.shows, m.View())
			}
			if tc.prompt != "" { // enter runs what was left
				_, cmd := m.Update(keyMsg("enter"))
				m.Update(cmd())
				if got := ex.got(); len(got) == 0 || got[len(got)-1] != tc.prompt {
					t.Errorf("enter ran %q, want %q last", got, tc.prompt)
				}
			}
		})
	}
	// Each line went into the history: up brings back the last.
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	press(m, ":")
	paste(m, "put a 1\nput b 2\n")
	press(m, ":", "up")
	if got := m.prompt.input.Value(); got != "put b 2" {
		t.Errorf("up after the paste: %q, want put b 2", got)
	}
	press(m, "up")
	if got := m.prompt.input.Value(); got != "put a 1" {
		t.Errorf("up up after the paste: %q, want put a 1", got)
	}
}

// TestPasteWithThePromptClosedGoesToIt: pasted text is commands, not keys.
// With the prompt closed it opens the prompt and runs as a paste there (a
// pasted "put a 1" pressed p, pausing a node, then u, t, ...).
func TestPasteWithThePromptClosedGoesToIt(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("put a 1\n"), Paste: true})
	m.Update(firstResult(t, cmd))
	if got := ex.got(); !slices.Equal(got, []string{"put a 1"}) {
		t.Fatalf("ran %q, want the pasted line alone", got)
	}
	// One line without its break waits in the prompt.
	m = newModel(newFakeSource(steady(10)), ex, 120, 40)
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("crash 2"), Paste: true})
	if !m.prompt.active || m.prompt.input.Value() != "crash 2" {
		t.Fatalf("prompt open %v with %q", m.prompt.active, m.prompt.input.Value())
	}
	if got := ex.got(); len(got) != 1 {
		t.Fatalf("ran %q", got)
	}
}

// TestPastedControlBytesAreToldDropped: the prompt's input drops control
// bytes; a value pasted with its colour codes was stored without them, and
// nothing said so.
func TestPastedControlBytesAreToldDropped(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("put p \x1b[41mRED\x07\x01x"), Paste: true})
	if v := m.prompt.input.Value(); v != "put p [41mREDx" {
		t.Fatalf("prompt holds %q", v)
	}
	view := strings.Join(strings.Fields(m.View()), " ")
	if want := `3 control bytes dropped: the prompt takes no control bytes; write one as an escape inside quotes (put k "a\x1bb")`; !strings.Contains(view, want) {
		t.Errorf("no note %q:\n%s", want, m.View())
	}
	m = newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("put p plain"), Paste: true})
	if strings.Contains(m.View(), "dropped") {
		t.Errorf("a note for a paste without control bytes:\n%s", m.View())
	}
}

// TestPasteOnATooSmallScreenRunsNothing: a screen too small shows only that
// it is, and no key acts unseen (onKey); a paste with the prompt closed
// opened the prompt anyway and ran its lines, out of sight (a pasted
// "crash 1\n" crashed node 1 on a screen that said only "needs at least").
func TestPasteOnATooSmallScreenRunsNothing(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 30, 8)
	if m.fits() {
		t.Fatal("30x8 fits: pick a smaller screen")
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("crash 1\n"), Paste: true})
	if cmd != nil {
		drainCmd(cmd)
	}
	if got := ex.got(); len(got) != 0 || m.prompt.active {
		t.Fatalf("ran %q (prompt open %v) on a screen too small to show it", got, m.prompt.active)
	}
}

// drainCmd runs cmd and the commands it batches, for their side effects.
func drainCmd(cmd tea.Cmd) {
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			if c != nil {
				drainCmd(c)
			}
		}
	}
}

// TestEarlierResultIsWrapped: the result of a command that finished after
// a later one began is told under the later one's, wrapped like any
// sentence (unwrapped, it sent the panel to a pager cut at the edge).
func TestEarlierResultIsWrapped(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 30)
	m.output.running("freeze", 2, "put k84 2347")
	m.output.addEarlier("put k84 2347 (run earlier): error: not done within 5s; last attempt: node 1, the leader then, did not complete it; its effect is unknown: it may still commit (a get tells)")
	m.output.set("freeze", "freeze", "ok", nil)
	lines := m.outputInline(80)
	if lines == nil {
		t.Fatal("the result went to the pager")
	}
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, "ok") || !strings.Contains(strings.Join(strings.Fields(joined), " "), "its effect is unknown: it may still commit") {
		t.Fatalf("lines:\n%s", joined)
	}
}

// A value of 1 MiB got at the prompt froze the dashboard for minutes (a
// new user's): its result, one line of a megabyte, was wrapped on every
// key and frame, each split of the long word measuring all of the rest.
// The dashboard keeps 16 KiB of a line, says so, and wraps in one pass.
func TestHugeResultIsCutAndWrapped(t *testing.T) {
	value := strings.Repeat("a", 1<<20)
	ex := &fakeExec{out: `"` + value + `"`}
	m := newModel(newFakeSource(steady(10)), ex, 100, 30)
	press(m, ":")
	for _, r := range "get a1m" {
		m.Update(keyMsg(string(r)))
	}
	_, cmd := m.Update(keyMsg("enter"))
	m.Update(cmd())
	if m.pagerShown() != outputPager {
		t.Fatalf("a 1 MiB result is not in the pager:\n%s", m.View())
	}
	text := m.outputPagerText(100)
	n := 0
	for _, l := range text {
		n += len(l)
		if lipgloss.Width(l) > 100 {
			t.Fatalf("a line of %d columns in the pager at 100", lipgloss.Width(l))
		}
	}
	if n > maxKeptLine+200 || !strings.Contains(strings.Join(text, " "), fmt.Sprintf("cut: the line is %d bytes", len(value)+2)) {
		t.Fatalf("the pager holds %d bytes in %d lines, or does not say the line was cut:\n%s", n, len(text), strings.Join(text[len(text)-3:], "\n"))
	}
	for _, k := range []string{"pgdown", "end", "home"} {
		press(m, k)
	}
	if v := m.View(); !strings.Contains(v, "aaaaaaaa") {
		t.Fatalf("the pager does not show the value:\n%s", v)
	}
	// More lines than are kept: the first are, and the count of the rest.
	ex.out = strings.Repeat("line\n", maxKeptLines+7)
	press(m, "esc")
	press(m, ":")
	for _, r := range "status" {
		m.Update(keyMsg(string(r)))
	}
	_, cmd = m.Update(keyMsg("enter"))
	m.Update(cmd())
	if text := m.outputPagerText(100); len(text) != maxKeptLines+1 || text[maxKeptLines] != "… 7 more lines not shown here (raftplay script prints them all)" {
		t.Fatalf("%d lines kept, the last %q", len(text), text[len(text)-1])
	}
}

// A word longer than a line is split into lines of the width, in order,
// whatever its length; a character wider than the line goes alone.
func TestWrapSplitsALongWord(t *testing.T) {
	word := strings.Repeat("0123456789", 10_000)
	lines := wrapWords("say "+word+" end", 80)
	if got := strings.Join(lines, ""); got != "say"+word+"end" {
		t.Fatalf("the split word does not join back (%d lines)", len(lines))
	}
	for i, l := range lines[1 : len(lines)-1] {
		if len(l) != 80 {
			t.Fatalf("line %d is %d wide, want 80", i+1, len(l))
		}
	}
	if got := wrapWords("日本", 1); !slices.Equal(got, []string{"日", "本"}) {
		t.Fatalf("wide characters at width 1: %q", got)
	}
}

// BenchmarkWrapLongWord: wrapping one word of 1 MB takes time linear in
// its length (it was quadratic: minutes).
func BenchmarkWrapLongWord(b *testing.B) {
	word := strings.Repeat("a", 1<<20)
	for b.Loop() {
		wrapWords(word, 80)
	}
}

// At 80x24, with nodes down, the result of a command run earlier does not
// fit under the later one's and goes to the pager: there it was one line
// of 264 columns to scroll sideways ("remove 1 (run earlier): error: the
// removal of 1 did not commit in time; it may s", a new user's), where
// under the command it is wrapped. The pager wraps it too.
func TestEarlierResultIsWrappedInThePager(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 24)
	m.output.running("powerfail 3", 2, "remove 1")
	m.output.addEarlier("remove 1 (run earlier): error: the removal of 1 did not commit in time; it may still commit, and the cluster goes on with or without it (status says which configuration it has)")
	m.output.set("powerfail 3", "powerfail 3", "ok lost=0 bytes", nil)
	text := m.outputPagerText(80)
	for _, l := range text {
		if lipgloss.Width(l) > 80 {
			t.Fatalf("a line of %d columns in the pager at 80:\n%s", lipgloss.Width(l), strings.Join(text, "\n"))
		}
	}
	joined := strings.Join(strings.Fields(strings.Join(text, " ")), " ")
	if text[0] != "ok lost=0 bytes" || !strings.Contains(joined, "it may still commit, and the cluster goes on") {
		t.Fatalf("pager:\n%s", strings.Join(text, "\n"))
	}
}

// w then T pressed fast with no leader: the transfer waited for the put,
// and failed at once when its turn came. Its error hid the put's result
// ("not done ...; it may still commit"), told under it as run earlier
// only when the later command succeeded (a new user's).
func TestEarlierResultIsToldUnderAnError(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 30)
	m.output.running("transfer 2", 2, "put k87 9385")
	m.output.addEarlier("put k87 9385 (run earlier): error: not done within 5s; its effect is unknown: it may still commit (a get tells)")
	m.output.set("transfer 2", "transfer 2", "", errors.New("no leader to transfer from"))
	for _, text := range [][]string{m.outputInline(80), m.outputPagerText(80)} {
		joined := strings.Join(strings.Fields(strings.Join(text, " ")), " ")
		if !strings.Contains(joined, "no leader to transfer from") || !strings.Contains(joined, "put k87 9385 (run earlier): error: not done within 5s; its effect is unknown") {
			t.Fatalf("lines:\n%s", strings.Join(text, "\n"))
		}
	}
}

// T, A, D pressed fast: the transfer finished while the add ran, and its
// result waited to be told under the add's; the remove began before the
// add had one, and the transfer's result was never shown (a new user's).
func TestEarlierResultSurvivesTheNextRun(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 30)
	m.output.running("transfer 3", 1, "")
	m.output.running("add", 2, "transfer 3")
	m.output.addEarlier("transfer 3 (run earlier): ok leader=3 term=6 took=5ms")
	m.output.running("remove 3", 3, "add")
	m.output.set("remove 3", "remove 3", "ok index=16", nil)
	joined := strings.Join(m.outputInline(80), "\n")
	if !strings.Contains(joined, "ok index=16") || !strings.Contains(joined, "transfer 3 (run earlier): ok leader=3") {
		t.Fatalf("lines:\n%s", joined)
	}
}

// TestPastedLinesDropControlBytesToo: the lines of a multi-line paste run
// without the control bytes the prompt drops, and the note says so; they
// ran with them (a value stored with an escape sequence in it), while the
// line left in the prompt lost them.
func TestPastedLinesDropControlBytesToo(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("put p \x1b[41mRED\x07\nput q \x01x"), Paste: true})
	m.Update(firstResult(t, cmd))
	if got := ex.got(); !slices.Equal(got, []string{"put p [41mRED"}) {
		t.Fatalf("ran %q, want the pasted line without its control bytes", got)
	}
	if v := m.prompt.input.Value(); v != "put q x" {
		t.Fatalf("prompt holds %q", v)
	}
	view := strings.Join(strings.Fields(m.View()), " ")
	if want := `3 control bytes dropped`; !strings.Contains(view, want) {
		t.Errorf("no note %q:\n%s", want, m.View())
	}
}

// firstResult runs cmd (and the commands it batches) and returns the first
// command result it yields.
func firstResult(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	results := make(chan tea.Msg, 4)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, sub := range msg {
					run(sub)
				}
			case resultMsg:
				results <- msg
			}
		}()
	}
	run(cmd)
	select {
	case r := <-results:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the paste ran nothing")
	}
	return nil
}

// s s s pressed fast in step mode: the last step's result, one sentence of
// 166 columns ("delivered 4->3 app-resp t4 ok 11; 3 now knows 4 holds up
// to 11 (match 10 -> 11); ..."), was left unwrapped above the earlier
// steps' results, which were wrapped, so the pager cut it at the screen's
// edge and it had to be scrolled sideways (a new user's, at 80x24). A
// one-line result is a sentence and is wrapped, as it is with no earlier
// result under it; a table of several lines still stays as it is.
func TestOwnSentenceIsWrappedAboveEarlierResults(t *testing.T) {
	own := "delivered 4->3 app-resp t4 ok 11; 3 now knows 4 holds up to 11 (match 10 -> 11); 3 committed up to 11 and sent appends to 2 and 4 with the new commit index"
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 24)
	m.output.running("step", 3, "step")
	m.output.addEarlier("step (run earlier): delivered 3->4 app t4 i11 c10; 4 appended entry 11 (term 4)")
	m.output.addEarlier("step (run earlier): delivered 3->2 app t4 i11 c10; 2 appended entry 11 (term 4)")
	m.output.set("step", "step", own, nil)
	for name, text := range map[string][]string{"inline": m.outputInline(80), "pager": m.outputPagerText(80)} {
		if text == nil {
			continue // not shown that way
		}
		for _, l := range text {
			if lipgloss.Width(l) > 80 {
				t.Fatalf("%s: a line of %d columns at 80:\n%s", name, lipgloss.Width(l), strings.Join(text, "\n"))
			}
		}
		joined := strings.Join(strings.Fields(strings.Join(text, " ")), " ")
		if !strings.Contains(joined, own) || !strings.Contains(joined, "step (run earlier): delivered 3->2 app t4 i11 c10; 2 appended entry 11 (term 4)") {
			t.Fatalf("%s:\n%s", name, strings.Join(text, "\n"))
		}
	}
	// A table keeps its lines.
	table := []string{"NODE  STATE  ROLE      TERM  VOTE  COMMIT  APPLIED  LAST  LEADER  RAFT             HTTP", "1     up     leader    1     1     4       4        4     1       127.0.0.1:36213  127.0.0.1:44415"}
	m.output.running("status", 5, "put a b")
	m.output.addEarlier("put a b (run earlier): ok index=3 term=1")
	m.output.set("status", "status", strings.Join(table, "\n"), nil)
	if text := m.outputPagerText(80); !slices.Equal(text[:2], table) {
		t.Fatalf("the table was changed:\n%s", strings.Join(text, "\n"))
	}
}

// m pressed while a result filled the pager (three steps' results at
// 80x24) switched the view behind the pager, unseen; esc then showed the
// messages view, or, as a new user did, esc and m again switched it back:
// "m does nothing". A view key over a pager now closes the pager, as esc
// does, and shows its view (x and enter too, and over ? and L).
func TestViewKeyOverAPagerShowsItsView(t *testing.T) {
	ex := &fakeExec{out: strings.Repeat("a long result line\n", 60)}
	m := newModel(newFakeSource(steady(10)), ex, 80, 24)
	openResult := func() {
		t.Helper()
		press(m, ":")
		for _, r := range "status" {
			m.Update(keyMsg(string(r)))
		}
		_, cmd := m.Update(keyMsg("enter"))
		m.Update(cmd())
		if m.pagerShown() != outputPager {
			t.Fatalf("the result is not in the pager:\n%s", m.View())
		}
	}
	for _, c := range []struct {
		key  string
		want regionKind
		open func()
	}{
		{"m", regionMessages, openResult},
		{"x", regionLinks, openResult},
		{"enter", regionDetail, openResult},
		{"m", regionMessages, func() { press(m, "?") }},
		{"x", regionLinks, func() { press(m, "L") }},
	} {
		c.open()
		if m.pagerShown() == noPager {
			t.Fatalf("%s: no pager open", c.key)
		}
		press(m, c.key)
		if m.pagerShown() != noPager || m.region != c.want {
			t.Fatalf("%s over a pager: pager %v, region %v (want none, %v):\n%s", c.key, m.pagerShown(), m.region, c.want, m.View())
		}
		// The same key again, with no pager, goes back to the lanes.
		press(m, c.key)
		if m.region != regionLanes {
			t.Fatalf("%s again: region %v, want the lanes", c.key, m.region)
		}
	}
}
