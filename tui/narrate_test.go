package tui

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/lessons"
)

// say and waitKey build the commands the parser will make of `say TEXT`
// and `wait key`.
func say(line int, text string) commands.Command {
	return commands.Command{Verb: commands.VerbSay, Message: text, Text: "say " + text, Line: line}
}

func waitKeyCmd(line int) commands.Command {
	return commands.Command{Verb: commands.VerbWait, What: commands.WaitKey, Text: "wait key", Line: line}
}

func putCmd(line int) commands.Command {
	return commands.Command{Verb: commands.VerbPut, Key: "x", Value: "1", Text: "put x 1", Line: line}
}

// scriptModel returns a model playing script through ex, sized w x h.
func scriptModel(script []commands.Command, ex Executor, w, h int) *Model {
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: ex, Script: script,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	m.Update(sizeMsg(w, h))
	return m
}

// stepScript plays the script's lines until it waits (for a key or for
// nothing left): each line's command runs and its result comes back.
func stepScript(t *testing.T, m *Model) {
	t.Helper()
	playOn(t, m, func() tea.Msg { return scriptStepMsg{} })
}

// playOn runs cmd and what the script's steps and results ask for next.
func playOn(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	for i := 0; cmd != nil && i < 100; i++ {
		msg := cmd()
		switch msg.(type) {
		case scriptStepMsg, resultMsg:
			_, cmd = m.Update(msg)
		default:
			return
		}
	}
}

// viewFits fails unless m's view fills w x h without the size message.
func viewFits(t *testing.T, m *Model, w, h int) string {
	t.Helper()
	v := m.View()
	if strings.Contains(v, "needs at least") {
		t.Fatalf("%dx%d does not fit:\n%s", w, h, v)
	}
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: %d lines", w, h, len(lines))
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > w {
			t.Errorf("%dx%d: a line of %d cells: %q", w, h, n, l)
		}
	}
	return v
}

func TestNarrationAndWaitKey(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		ex := &fakeExec{}
		live := &fakeExec{}
		m := scriptModel([]commands.Command{say(1, "Node 1 leads. Watch what happens when it crashes."), waitKeyCmd(2), putCmd(3)}, ex, sz[0], sz[1])
		m.o.Exec = live
		stepScript(t, m)
		if got := ex.got(); !slices.Equal(got, []string{"say Node 1 leads. Watch what happens when it crashes."}) {
			t.Fatalf("before the key the script ran %q", got)
		}
		v := viewFits(t, m, sz[0], sz[1])
		if bar := helpBarOf(m); !strings.HasPrefix(bar, "space go on with the script • ") || !strings.HasSuffix(bar, "? keys • q quit") {
			t.Errorf("help bar while waiting: %q", bar)
		}
		for _, want := range []string{"┃ Node 1 leads. Watch what happens when it crashes.", waitLong} {
			if !strings.Contains(v, want) {
				t.Errorf("%dx%d: no %q:\n%s", sz[0], sz[1], want, v)
			}
		}
		// Space goes on with the script and does nothing else. The wait's
		// line runs then (so a saved session has it).
		_, cmd := m.Update(keyMsg(" "))
		if cmd == nil {
			t.Fatal("space does not go on with the script")
		}
		playOn(t, m, cmd)
		if got := ex.got(); !slices.Equal(got[1:], []string{"wait key", "put x 1"}) {
			t.Errorf("after space the script ran %q", got)
		}
		if got := live.got(); len(got) > 0 {
			t.Errorf("the space that went on also ran %q", got)
		}
		v = viewFits(t, m, sz[0], sz[1])
		if strings.Contains(v, "press space") || !strings.Contains(v, "Node 1 leads.") {
			t.Errorf("after space the narration should stay, the wait go:\n%s", v)
		}
		if bar := helpBarOf(m); strings.Contains(bar, "go on") {
			t.Errorf("help bar after the wait: %q", bar)
		}
		press(m, "esc", "esc")
		if v := m.View(); strings.Contains(v, "Node 1 leads") {
			t.Errorf("esc does not dismiss the narration:\n%s", v)
		}
	}
}

// TestWaitKeyViewKeysWork: while the script waits for a key, the keys
// work as usual (the views the screen points at, the prompt, the keys
// that change the cluster) and none goes on with the script; space does.
func TestWaitKeyViewKeysWork(t *testing.T) {
	ex, live := &fakeExec{}, &fakeExec{}
	src := newFakeSource(steady(10))
	m := New(Options{Source: src, Exec: live, ScriptExec: ex, Messages: &fakeTrace{},
		Script: []commands.Command{say(1, "Look around."), waitKeyCmd(2), putCmd(3)},
		Clock:  frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	m.Update(sizeMsg(80, 24))
	stepScript(t, m)
	waiting := func(after string) {
		t.Helper()
		if !m.narr.waiting {
			t.Fatalf("after %s the script no longer waits", after)
		}
		if got := ex.got(); !slices.Equal(got, []string{"say Look around."}) {
			t.Fatalf("after %s the script ran %q", after, got)
		}
		// With a pager open (the legend, the help), the line says that
		// esc comes first: the other keys wait for it.
		want := waitLong
		if m.legend || m.fullHelp {
			want = waitPager
		}
		if v := viewFits(t, m, 80, 24); !strings.Contains(v, want) {
			t.Errorf("after %s the wait is not shown:\n%s", after, v)
		}
	}
	for _, c := range []struct {
		keys   []string
		region regionKind
		check  func() bool
	}{
		{[]string{"m"}, regionMessages, nil},
		{[]string{"m"}, regionLanes, nil},
		{[]string{"x"}, regionLinks, nil},
		{[]string{"esc"}, regionLanes, nil},
		{[]string{"enter"}, regionDetail, nil},
		{[]string{"enter"}, regionLanes, nil},
		{[]string{"tab"}, regionLanes, func() bool { return m.sel == 2 }},
		{[]string{"L"}, regionLanes, func() bool { return m.legend }},
		{[]string{"esc"}, regionLanes, func() bool { return !m.legend }},
		{[]string{"?"}, regionLanes, func() bool { return m.fullHelp }},
		{[]string{"?"}, regionLanes, func() bool { return !m.fullHelp }},
		{[]string{">"}, regionLanes, func() bool { return m.col != 0 }},
		{[]string{"pgup"}, regionLanes, func() bool { return m.feed.focused }},
		{[]string{"esc"}, regionLanes, func() bool { return !m.feed.focused }},
	} {
		press(m, c.keys...)
		name := strings.Join(c.keys, " ")
		if m.region != c.region {
			t.Errorf("after %s the region is %d, want %d", name, m.region, c.region)
		}
		if c.check != nil && !c.check() {
			t.Errorf("%s did not do what it does live", name)
		}
		waiting(name)
	}
	// A line typed at the prompt runs (live) and does not go on; nor does
	// a space typed into it. The help bar does not offer space meanwhile.
	press(m, ":", "p", "u", "t", " ")
	if bar := helpBarOf(m); strings.Contains(bar, "go on") {
		t.Errorf("at the prompt the help bar offers space: %q", bar)
	}
	press(m, "y", " ", "2", "enter")
	if got := live.got(); !slices.Contains(got, "put y 2") {
		t.Errorf("the prompt's line did not run: %q", got)
	}
	waiting("a prompt line")
	// A key that changes the cluster works as live, and does not go on.
	press(m, "c")
	if got := live.got(); got[len(got)-1] != "crash 2" {
		t.Errorf("c during the wait ran %q", got)
	}
	waiting("c")
	// Space goes on.
	_, cmd := m.Update(keyMsg(" "))
	playOn(t, m, cmd)
	if got := ex.got(); !slices.Equal(got, []string{"say Look around.", "wait key", "put x 1"}) {
		t.Errorf("after space the script ran %q", got)
	}
	if m.narr.waiting {
		t.Error("space did not go on")
	}
}

func TestNarrationNextSayReplaces(t *testing.T) {
	ex := &fakeExec{}
	m := scriptModel([]commands.Command{say(1, "first"), putCmd(2), say(3, "second")}, ex, 120, 40)
	stepScript(t, m)
	v := m.View()
	if strings.Contains(v, "┃ first") || !strings.Contains(v, "┃ second") {
		t.Errorf("the second say does not replace the first:\n%s", v)
	}
}

func TestNarrationLongIsCappedAndEscaped(t *testing.T) {
	long := strings.Repeat("the leader replicates the entry to a majority before it commits. ", 9) + "\x1b[31mred\x07 END"
	// At 80x24 with five nodes the narration takes the lines it needs from
	// the lanes and events, all but one (it left them three, and lesson 6
	// showed 2 of its 5 lines, which could not be read once it went on).
	m := scriptModel([]commands.Command{say(1, long), waitKeyCmd(2)}, &fakeExec{}, 80, 24)
	stepScript(t, m)
	v := viewFits(t, m, 80, 24)
	if strings.ContainsAny(v, "\x1b\x07") {
		t.Errorf("a control byte reaches the terminal:\n%q", v)
	}
	if strings.Contains(v, "…") || !strings.Contains(v, "END") || !strings.Contains(v, waitLong) {
		t.Errorf("at 80x24 the narration is not whole with its wait:\n%s", v)
	}
	if s := m.layout(); s.region < 1 {
		t.Errorf("the narration leaves %d lines of region, want at least 1", s.region)
	}
	// Where even that is too little, it is cut short, its wait kept, and
	// one line of region says what the lanes need.
	m = scriptModel([]commands.Command{say(1, long), waitKeyCmd(2)}, &fakeExec{}, 80, 20)
	stepScript(t, m)
	v = viewFits(t, m, 80, 20)
	if !strings.Contains(v, "…") || strings.Contains(v, "END") || !strings.Contains(v, waitLong) || !strings.Contains(v, "no room for the log lanes") {
		t.Errorf("at 80x20 the narration is not cut short with its wait kept and the lanes' line:\n%s", v)
	}
	if s := m.layout(); s.region != 1 || len(s.narr) < narrFloor {
		t.Errorf("the narration takes %d lines and leaves %d of region, want 1", len(s.narr), s.region)
	}
	// A taller terminal shows it whole.
	m = scriptModel([]commands.Command{say(1, long), waitKeyCmd(2)}, &fakeExec{}, 140, 40)
	stepScript(t, m)
	v = viewFits(t, m, 140, 40)
	if strings.Contains(v, "…") || !strings.Contains(v, `\x1b[31mred\a END`) {
		t.Errorf("at 140x40 the narration is not whole and escaped:\n%s", v)
	}
}

// TestNarrationAtTheSmallestSize: on a terminal just big enough for the
// dashboard, a narration takes its lines from the region: the screen does
// not turn into the size message.
func TestNarrationAtTheSmallestSize(t *testing.T) {
	m := scriptModel([]commands.Command{say(1, strings.Repeat("a long narration ", 20)), waitKeyCmd(2)}, &fakeExec{}, 80, 40)
	w, h := m.minSize()
	m.Update(sizeMsg(w, h))
	stepScript(t, m)
	v := viewFits(t, m, w, h)
	if !strings.Contains(v, "┃ a long narration") || !strings.Contains(v, "press space to go on") {
		t.Errorf("at %dx%d the narration does not show:\n%s", w, h, v)
	}
}

func TestNarrationKeepsLineBreaks(t *testing.T) {
	ex := &fakeExec{out: "first line\nsecond line"}
	m := scriptModel([]commands.Command{say(1, "first line\nsecond line")}, ex, 120, 40)
	stepScript(t, m)
	v := m.View()
	if !strings.Contains(v, "┃ first line\n┃ second line") {
		t.Errorf("the narration's line break is lost:\n%s", v)
	}
	if strings.Contains(v, "> script line 1") {
		t.Errorf("the say's output is shown again under the lanes:\n%s", v)
	}
}

func TestWaitKeyQuits(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := scriptModel([]commands.Command{waitKeyCmd(1), putCmd(2)}, &fakeExec{}, 120, 40)
		stepScript(t, m)
		_, cmd := m.Update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s while waiting does nothing", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s while waiting does not quit", k)
		}
	}
}

// TestNarrationAtThePrompt: `say TEXT` typed at the prompt shows its text
// and runs through the executor (once the parser knows say).
func TestNarrationAtThePrompt(t *testing.T) {
	if _, err := commands.NewParser(5).ParseLine("say hello", 1); err != nil {
		t.Skipf("the parser does not know say yet: %v", err)
	}
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	press(m, ":", "s", "a", "y", " ", "h", "i", "enter")
	if got := ex.got(); !slices.Equal(got, []string{"say hi"}) {
		t.Errorf("ran %q", got)
	}
	if v := m.View(); !strings.Contains(v, "┃ hi") {
		t.Errorf("no narration:\n%s", v)
	}
}

// TestScriptWaitKeyFlow drives the program: the script pauses at wait
// key, x opens and closes the link matrix meanwhile, space goes on.
func TestScriptWaitKeyFlow(t *testing.T) {
	ex := &fakeExec{}
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: ex,
		Script: []commands.Command{say(1, "Ready?"), waitKeyCmd(2), say(3, "Off we go.")},
		Clock:  frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	wait := func(s string) {
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	}
	wait("press space to go on")
	tm.Send(keyMsg("x")) // opens the link matrix, does not go on
	wait("links: messages sent per second")
	tm.Send(keyMsg("x"))
	tm.Send(keyMsg(" "))
	wait("Off we go.")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if got := ex.got(); !slices.Equal(got, []string{"say Ready?", "wait key", "say Off we go."}) {
		t.Errorf("script ran %q", got)
	}
	if fm.region != regionLanes {
		t.Errorf("the link matrix is still open")
	}
}

// TestExplainStaysInViewAtAWait: a lesson explains, narrates and waits for
// a key; the explanation must still be on screen while the learner reads
// (a new user found it replaced by the wait line before it could be read).
func TestExplainStaysInViewAtAWait(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {140, 40}} {
		ex := &fakeExec{out: "1 leads at term 4: a majority voted for it"}
		explain := commands.Command{Verb: commands.VerbExplain, Text: "explain 1", Line: 1}
		m := scriptModel([]commands.Command{explain, say(2, "Read why."), waitKeyCmd(3), putCmd(4)}, ex, sz[0], sz[1])
		stepScript(t, m)
		v := viewFits(t, m, sz[0], sz[1])
		words := strings.Join(strings.Fields(v), " ") // the explanation wraps at 80 columns
		for _, want := range []string{"script line 1: explain 1", "a majority voted for it", "┃ Read why.", "press space to go on"} {
			if !strings.Contains(words, want) {
				t.Errorf("%dx%d: at the wait, no %q:\n%s", sz[0], sz[1], want, v)
			}
		}
		// Space closes it (the lanes get their lines back), and the next
		// command's result shows as usual.
		_, cmd := m.Update(keyMsg(" "))
		if v := viewFits(t, m, sz[0], sz[1]); strings.Contains(v, "explain 1") {
			t.Errorf("%dx%d: the explanation outlives the wait:\n%s", sz[0], sz[1], v)
		}
		playOn(t, m, cmd)
		if v := viewFits(t, m, sz[0], sz[1]); !strings.Contains(v, "script line 4: put x 1") {
			t.Errorf("%dx%d: the next command's result is not shown:\n%s", sz[0], sz[1], v)
		}
	}
}

// TestSayPausesForReading: in the dashboard a script pauses after a say
// long enough to read it (half the pace a word), not the pace alone (a
// teacher saw narrations give way to the next after a second or two);
// space ends the pause, and the pause's own tick then does nothing.
func TestSayPausesForReading(t *testing.T) {
	if got := readingTime("one two three four five six seven eight", 500*time.Millisecond); got != 2*time.Second {
		t.Errorf("reading time of 8 words at pace 500ms: %v, want 2s", got)
	}
	if got := readingTime("short", 500*time.Millisecond); got != 500*time.Millisecond {
		t.Errorf("reading time of 1 word: %v, want the pace", got)
	}
	if got := readingTime(strings.Repeat("word ", 500), 500*time.Millisecond); got != readingMax {
		t.Errorf("reading time of 500 words: %v, want %v", got, readingMax)
	}
	if got := readingTime("eight words of text that take no time", 0); got != 0 {
		t.Errorf("reading time at pace 0 (tests): %v", got)
	}
	ex := &fakeExec{}
	script := []commands.Command{say(1, "a narration of eight words to be read"), putCmd(2)}
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: ex, Script: script,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond, ScriptPace: 10 * time.Millisecond})
	m.Update(sizeMsg(120, 40))
	_, cmd := m.Update(scriptStepMsg{})
	_, tick := m.Update(cmd()) // the say's result: the reading pause begins
	if m.script.reading == 0 || tick == nil {
		t.Fatal("no reading pause after the say")
	}
	if got := ex.got(); slices.Contains(got, "put x 1") {
		t.Fatalf("the next line ran before the pause ended: %q", got)
	}
	if bar := m.View(); !strings.Contains(bar, "go on with the script") {
		t.Errorf("the help bar does not offer space while the script pauses to read:\n%s", bar)
	}
	press(m, " ")
	if got := ex.got(); !slices.Contains(got, "put x 1") {
		t.Fatalf("space did not end the reading pause: %q", got)
	}
	if _, cmd := m.Update(tick()); cmd != nil || m.script.pos != len(script) {
		t.Errorf("the ended pause's tick ran the script on (pos %d, cmd %v)", m.script.pos, cmd != nil)
	}
}

// A say followed by wait key does not pause to read as well: the wait
// gives all the time there is, and one space goes on.
func TestSayBeforeWaitKeyDoesNotPauseTwice(t *testing.T) {
	ex := &fakeExec{}
	script := []commands.Command{say(1, "a narration of eight words to be read"), waitKeyCmd(2), putCmd(3)}
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: ex, Script: script,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond, ScriptPace: 10 * time.Millisecond})
	m.Update(sizeMsg(120, 40))
	_, cmd := m.Update(scriptStepMsg{})
	m.Update(cmd())
	if m.script.reading != 0 {
		t.Fatal("a reading pause before a wait key")
	}
}

// TestLessonSaysTheSizeItReadsBestAt: a lesson on a terminal shorter than
// what shows its lanes and events under its longest narration says so,
// with the real numbers, on a line of its first narration, and not at the
// next; made smaller while it plays it says so once more, and not a third
// time; tall enough, it says nothing, nor does a script that is not a
// lesson. (At 80x24 a lesson hid lanes and events its narration pointed
// at, and nothing said why, or what size would show them.)
func TestLessonSaysTheSizeItReadsBestAt(t *testing.T) {
	long := strings.Repeat("A follower that hears of a higher term steps down at once. ", 6)
	script := []commands.Command{say(1, "Look at the cards."), waitKeyCmd(2), say(3, long), waitKeyCmd(4),
		say(5, "Now the lanes."), waitKeyCmd(6), say(7, "And the events."), waitKeyCmd(8), say(9, "The end."), waitKeyCmd(10)}
	lesson := func(w, h int, isLesson bool) *Model {
		src := newFakeSource(steady(10))
		src.event(0, 1, cluster.EventKind("raft.vote"), "first event")
		src.event(1, 1, cluster.EventKind("raft.vote"), "second event")
		m := New(Options{Source: src, Exec: &fakeExec{}, ScriptExec: &fakeExec{}, Script: script, Lesson: isLesson,
			Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
		m.Update(sizeMsg(w, h))
		m.Update(m.readEvents()())
		stepScript(t, m)
		return m
	}
	goOn := func(m *Model) {
		t.Helper()
		_, cmd := m.Update(keyMsg(" "))
		playOn(t, m, cmd)
	}
	note := func(m *Model) string {
		t.Helper()
		v := viewFits(t, m, m.width, m.height)
		if i := strings.Index(v, "this lesson reads best at"); i >= 0 {
			return strings.SplitN(v[i:], "\n", 2)[0]
		}
		return ""
	}

	m := lesson(80, 24, true)
	read := m.readHeight(80)
	if read <= 24 || read < m.wholeHeight(80) {
		t.Fatalf("a lesson of 5 nodes reads best at 80x%d: no taller than 80x24, or than its lanes and events whole (%d)", read, m.wholeHeight(80))
	}
	want := fmt.Sprintf("this lesson reads best at 80x%d (this terminal: 80x24): make the window taller", read)
	if got := note(m); got != want {
		t.Fatalf("at 80x24 the first narration says %q, want %q:\n%s", got, want, m.View())
	}
	if v := m.View(); !strings.Contains(v, "┃ Look at the cards.") || !strings.Contains(v, waitLong) {
		t.Errorf("the note takes the narration's place:\n%s", v)
	}
	// The cards grow (nodes go down, with more to say): the size the
	// lesson names stays the one it said (it grew frame by frame, and a
	// student who made the window that tall was told to go taller still).
	grown := steady(10)
	for _, id := range []uint64{2, 3, 4} {
		grown = withNode(grown, id, func(n *cluster.NodeStatus) {
			*n = downAsOf(*n, cluster.StateFailed, "wal: write: no space left on device")
		})
	}
	m.Update(frameMsg(grown))
	if m.readHeight(80) <= read {
		t.Fatalf("taller cards: reads best at 80x%d, not more than 80x%d: this checks nothing", m.readHeight(80), read)
	}
	if got := note(m); got != want {
		t.Errorf("with taller cards the note says %q, want %q still", got, want)
	}
	goOn(m)
	if got := note(m); got != "" || !strings.Contains(squash(m.View()), "steps down at once") {
		t.Errorf("the second narration says %q too:\n%s", got, m.View())
	}
	// Larger, then smaller again: said once more, with the terminal's size.
	m.Update(sizeMsg(120, 50))
	if got := note(m); got != "" {
		t.Errorf("at 120x50: %q", got)
	}
	m.Update(sizeMsg(100, 26))
	want = fmt.Sprintf("this lesson reads best at 100x%d or more (this terminal: 100x26): make the window taller", m.readHeight(100))
	if got := note(m); got != want {
		t.Errorf("made smaller, the narration says %q, want %q:\n%s", got, want, m.View())
	}
	goOn(m)
	if got := note(m); got != "" {
		t.Errorf("the next narration says %q too", got)
	}
	m.Update(sizeMsg(140, 50))
	m.Update(sizeMsg(80, 24))
	if got := note(m); got != "" {
		t.Errorf("made smaller a second time, the narration says %q: once is enough", got)
	}

	// At the size it names, the longest narration leaves the lanes and
	// events whole: no note, every node's lane, two events.
	m = lesson(80, read, true)
	goOn(m)
	v := viewFits(t, m, 80, read)
	for _, want := range []string{"at once. A follower", "\n 1 1112223333", "\n 5 1112223333", "first event", "second event"} {
		if !strings.Contains(v, want) {
			t.Errorf("at 80x%d the longest narration hides %q:\n%s", read, want, v)
		}
	}
	if got := note(m); got != "" || strings.Contains(v, "hidden") || strings.Contains(v, "no room") {
		t.Errorf("at 80x%d: note %q:\n%s", read, got, v)
	}
	// A script that is not a lesson says nothing of its size; nor does
	// a lesson at that size from the start.
	for _, m := range []*Model{lesson(80, 24, false), lesson(80, read, true)} {
		if got := note(m); got != "" {
			t.Errorf("at %dx%d: %q", m.width, m.height, got)
		}
	}
	// esc dismisses the note with its narration.
	m = lesson(80, 24, true)
	if press(m, "esc"); note(m) != "" || strings.Contains(m.View(), "Look at the cards") {
		t.Errorf("esc leaves the note:\n%s", m.View())
	}
}

// TestLessonSizeNoteKeepsTheNarrationWhole: the size note is a line of its
// own above the narration, not one of the narration's narrMax lines. A say
// that takes narrMax lines at the terminal's width (lesson 10 has one at
// 80 columns) lost its last line to "…" whenever the note showed, on a
// terminal with room for the whole narration: the note that says the
// terminal is too short cut the text the lesson is about.
func TestLessonSizeNoteKeepsTheNarrationWhole(t *testing.T) {
	words := strings.Fields(strings.Repeat("A follower that hears of a higher term steps down at once. ", 20))
	text := ""
	for _, w := range words { // the longest text that wraps to narrMax lines at 80 columns
		next := strings.TrimSpace(text + " " + w)
		if len(sayLines(next, 80)) > narrMax {
			break
		}
		text = next
	}
	text += " END"
	for len(sayLines(text, 80)) > narrMax {
		text = text[:strings.LastIndex(text[:len(text)-4], " ")] + " END"
	}
	if n := len(sayLines(text, 80)); n != narrMax {
		t.Fatalf("the say takes %d lines at 80 columns, want %d", n, narrMax)
	}
	script := []commands.Command{say(1, text), waitKeyCmd(2)}
	probe := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: &fakeExec{}, Script: script, Lesson: true,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	probe.Update(sizeMsg(80, 60))
	h := probe.readHeight(80) - 1 // one line short: the note shows, the narration has room
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: &fakeExec{}, Script: script, Lesson: true,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	m.Update(sizeMsg(80, h))
	stepScript(t, m)
	v := viewFits(t, m, 80, h)
	if !strings.Contains(v, "this lesson reads best at") {
		t.Fatalf("at 80x%d (reads best at 80x%d) no size note:\n%s", h, h+1, v)
	}
	if !strings.Contains(v, "END") || strings.Contains(v, "…") {
		t.Errorf("at 80x%d the size note cut the narration short:\n%s", h, v)
	}
}

// TestLastNarrationClosesAfterTheLesson: once a lesson has ended, its last
// narration is closed by one esc, and the help bar says so first. At 80x24
// it kept the lanes and events from the cluster left to explore, esc was
// cut off the bar's end, and the first esc cleared only the result line
// (the narration looked as if it could not be closed).
func TestLastNarrationClosesAfterTheLesson(t *testing.T) {
	cmds, err := commands.Parse("put x 1\nsay \"To sum up: terms only grow. Next, lesson 2: an election, one message at a time.\"\n", 5)
	if err != nil {
		t.Fatal(err)
	}
	const done = "lesson 1 done: the cluster stays up for you to explore (? keys); q quits"
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: &fakeExec{}, Script: cmds, ScriptDone: done,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	m.Update(sizeMsg(80, 24))
	stepScript(t, m)
	v := viewFits(t, m, 80, 24)
	if !strings.Contains(v, done) || !strings.Contains(v, "To sum up") || !strings.Contains(v, "> script line 1: put x 1") {
		t.Fatalf("the lesson's end:\n%s", v)
	}
	if bar := helpBarOf(m); !strings.HasPrefix(bar, "esc close narration • ") {
		t.Errorf("help bar at the lesson's end: %q", bar)
	}
	press(m, "esc")
	v = viewFits(t, m, 80, 24)
	if strings.Contains(v, "To sum up") || !strings.Contains(v, done) {
		t.Errorf("one esc leaves the narration:\n%s", v)
	}
	if bar := helpBarOf(m); strings.Contains(bar, "narration") {
		t.Errorf("help bar once it is closed: %q", bar)
	}
	// The result line stays until the next esc.
	if !strings.Contains(v, "> script line 1: put x 1") {
		t.Errorf("the esc that closed the narration cleared the result too:\n%s", v)
	}
	press(m, "esc")
	if v := m.View(); strings.Contains(v, "> script line 1") {
		t.Errorf("the second esc leaves the result:\n%s", v)
	}
}

// TestEveryLessonSayFitsThePanel: every `say` of every lesson wraps, as
// the narration panel wraps it (sayLines) at 80 columns, to at most
// narrMax lines, so it can be read whole (the README's promise). Lesson
// 10's second say took 9 and always lost its end ("…the steps carry its
// learner entry and its…").
func TestEveryLessonSayFitsThePanel(t *testing.T) {
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no lessons")
	}
	says := 0
	for _, l := range all {
		cmds, err := commands.Parse(l.Source, 9) // add may name nodes past the lesson's --nodes
		if err != nil {
			t.Fatalf("%s: %v", l.ID(), err)
		}
		for _, c := range cmds {
			if c.Verb != commands.VerbSay {
				continue
			}
			says++
			if lines := sayLines(cleanText(c.Message), 80); len(lines) > narrMax {
				t.Errorf("%s line %d: the say wraps to %d lines at 80 columns, the panel shows %d; cut off after %q",
					l.ID(), c.Line, len(lines), narrMax, strings.TrimPrefix(lines[narrMax-1], narrBar))
			}
		}
	}
	if says == 0 {
		t.Fatal("no say in any lesson")
	}
}
