package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"raftplay/commands"
)

// Narration: a `say TEXT` line, of the script or typed at the prompt, shows
// its text in a panel above the lanes (every view has it) until the next
// say, or until esc dismisses it; it still runs through the Executor, like
// any line, so a recording has it (its output, the same text, is not
// shown again, and the output panel goes on showing the last command's
// result: a lesson's `explain` stays in view while its narration and its
// wait are read; the space that goes on closes it). A script's `wait key` line pauses the script, saying so in
// the same panel, until space is pressed: space goes on with the script and
// does nothing else. Meanwhile every other key works as usual (the views,
// the prompt, the keys that change the cluster: the learner may look and
// play; q and ctrl+c quit); none of them goes on. The line then runs
// through the Executor too (which does nothing with it) so that a session
// saved or recorded has it.
//
// The panel takes the lines its text needs, wrapped (line breaks in the
// text kept), up to narrMax, from the region (view.go): as many as leave
// the region one line, and at least narrFloor while the region has
// them, so a narration never turns the screen into the size message. A
// text cut short ends in "…"; esc dismisses it.

const (
	narrMax   = 8 // the most lines the panel's text takes
	narrFloor = 2 // the panel's lines it takes from a small region

	// The panel's line while the script waits for a key: the long one
	// where it fits (79 cells), else the short one.
	waitLong  = "press space to go on · the other keys work meanwhile (m, x, enter, ?) · q quits"
	waitShort = "press space to go on (q quits)"
	// While a pager is open (an explanation too long for its line), the
	// other keys wait for esc.
	waitPager = "press space to go on · esc closes this, then the other keys work · q quits"
)

// narration is what the narration panel shows.
type narration struct {
	text    string // the last say's text, each line cleaned; "": none
	says    int    // the says shown so far
	waiting bool   // the script waits for a key (wait key)
	wait    *commands.Command

	// In a replay: the recorded say the text was taken from (shown or
	// dismissed since), and whether the text is a recording's.
	said     Mark
	recorded bool
}

// shown reports whether the panel has anything to show.
func (n *narration) shown() bool { return n.text != "" || n.waiting }

// cleanText cleans each line of text, keeping its line breaks.
func cleanText(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return strings.Join(lines, "\n")
}

// narrate shows c's text when c is a `say`.
func (m *Model) narrate(c *commands.Command) {
	if c.Verb == commands.VerbSay {
		m.narr.text, m.narr.recorded = cleanText(c.Message), false
		m.narr.says++
	}
}

// narrateReplay shows, in a replay, the text of the last say recorded at
// or before the cursor (a command mark); none before the first. A text
// dismissed stays so until the cursor reaches another say.
func (m *Model) narrateReplay(v replayView) {
	var last *Mark
	for i := range v.marks {
		mk := &v.marks[i]
		if mk.Kind == MarkCommand && mk.At <= v.pos && isSay(mk.Text) && (last == nil || mk.At >= last.At) {
			last = mk
		}
	}
	n := &m.narr
	switch {
	case last == nil:
		if n.recorded {
			n.text, n.recorded, n.said = "", false, Mark{}
		}
	case *last != n.said || !n.recorded:
		n.text, n.recorded, n.said = cleanText(m.sayText(last.Text)), true, *last
	}
}

// isSay reports whether line is a say command.
func isSay(line string) bool {
	f := strings.Fields(line)
	return len(f) > 0 && f[0] == commands.VerbSay
}

// sayText is the text of the say command line: the parser's, or the
// words after say.
func (m *Model) sayText(line string) string {
	if c, err := m.parser.ParseLine(line, 1); err == nil && c != nil && c.Verb == commands.VerbSay {
		return c.Message
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), commands.VerbSay))
}

// isWaitKey reports whether c is `wait key`.
func isWaitKey(c *commands.Command) bool {
	return c.Verb == commands.VerbWait && c.What == commands.WaitKey
}

// waitKey pauses the script at its line c until a key is pressed.
func (m *Model) waitKey(c *commands.Command) {
	m.narr.waiting, m.narr.wait = true, c
}

// goOn answers the space the script waited for: it runs the wait's line,
// which answers at once and goes on with the script.
func (m *Model) goOn() tea.Cmd {
	c := m.narr.wait
	m.narr.waiting, m.narr.wait = false, nil
	if !m.output.busy {
		m.output.clear() // read at the wait: the lanes and events get their lines back
	}
	return execCmd(m.ctx, m.o.ScriptExec, m.o.Source, []*commands.Command{c}, true, 0)
}

// forPeople reports whether the result of lines is for people and shown
// by the narration panel: a say's (its text) or a wait key's (nothing).
func forPeople(r resultMsg) bool {
	return r.err == nil && (r.verb == commands.VerbSay || r.wait)
}

// narrBar starts each line of the narration panel's text.
const narrBar = "┃ "

// sayLines is a say's text as the narration panel shows it at width:
// wrapped, its line breaks kept.
func sayLines(text string, width int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		for _, l := range wrapWords(para, width-len([]rune(narrBar))) {
			lines = append(lines, narrBar+l)
		}
	}
	return lines
}

// narrationLines is the narration panel at width, whole: a lesson's size
// note (lessonFit), the text, wrapped, and the wait for a key; most is
// the most lines of text the panel shows: narrMax of the narration, and
// the note's line, its own (counted among them, it cut a narration of
// narrMax lines short on a terminal with room for it).
func (m *Model) narrationLines(width int) (text []string, wait string, most int) {
	n := &m.narr
	most = narrMax
	if n.text != "" {
		if note := m.fitNote(width); note != "" {
			text = append(text, narrBar+note)
			most++
		}
		text = append(text, sayLines(n.text, width)...)
	}
	if n.waiting {
		wait = waitLong
		// (Not pagerShown: the layout that decides it asks for this panel's
		// height.)
		if m.fullHelp || m.legend || m.output.shown() && m.outputInline(width) == nil {
			wait = waitPager
		}
		if len([]rune(wait)) > width {
			wait = waitShort
		}
	}
	return text, wait, most
}

// narrationHeight is how many lines the panel takes at width whole, and
// how many it takes from a region too small for them (narrFloor).
func (m *Model) narrationHeight(width int) (whole, floor int) {
	text, wait, most := m.narrationLines(width)
	whole = min(len(text), most)
	if wait != "" {
		whole++
	}
	return whole, min(whole, narrFloor)
}

// viewNarration renders the narration panel at width in at most most
// lines (the wait for a key always among them): a text cut short ends in
// "…".
func (m *Model) viewNarration(width, most int) []string {
	text, wait, textMost := m.narrationLines(width)
	st := m.styles
	room := most
	if wait != "" {
		room--
	}
	room = min(room, textMost)
	switch {
	case room <= 0:
		text = nil
	case len(text) > room:
		text = capLines(text, room, width)
	}
	lines := make([]string, 0, len(text)+1)
	for _, l := range text {
		lines = append(lines, st.Narration.Render(l))
	}
	if wait != "" {
		lines = append(lines, st.Focused.Render(wait))
	}
	return lines
}

// lessonFit is what a lesson says of a terminal too short for it. A
// lesson reads best where its lanes and events show whole under its
// narration (readHeight), but a class starts in the default 80x24, where
// the lanes of a lesson's nodes may be hidden and its events not shown
// while the narration points at them, and nothing said why, or what size
// would show them. So the narration panel says it, on
// one line above the text: with the lesson's first narration, and once
// more, with the narration shown then, when the terminal is made smaller
// while the lesson plays (not at every resize: once is enough). It goes
// with that narration (the next say, or esc), and at once when the
// terminal is made tall enough.
//
// Its size is worked out once for a width, when first asked, and kept for
// the lesson: worked out again at every frame it grew as the cards did
// (a crash, the frozen line), and a student who made the window as tall
// as it said was told to make it taller still (a new user's report).
type lessonFit struct {
	at    int         // the note shows with this narration (narration.says); -1: none
	again bool        // said again once, on a smaller terminal
	best  map[int]int // lessonBest by width
}

// readHeight is the lines at width that show a lesson whole: the lanes
// and events whole (wholeHeight) under its longest narration.
func (m *Model) readHeight(width int) int {
	return m.wholeHeight(width) + m.lessonNarration(width)
}

// lessonNarration is the most lines the script's narration panel takes
// at width: its longest say, wrapped (narrMax at most), and the wait for
// a key.
func (m *Model) lessonNarration(width int) int {
	most := 0
	for i := range m.o.Script {
		if c := &m.o.Script[i]; c.Verb == commands.VerbSay {
			most = max(most, min(len(sayLines(cleanText(c.Message), width)), narrMax))
		}
	}
	return most + 1
}

// lessonBest is the height the lesson says it reads best at, at width:
// readHeight when first asked at that width, kept (lessonFit).
func (m *Model) lessonBest(width int) int {
	if h, ok := m.fit.best[width]; ok {
		return h
	}
	if m.fit.best == nil {
		m.fit.best = map[int]int{}
	}
	m.fit.best[width] = m.readHeight(width)
	return m.fit.best[width]
}

// lessonShort reports whether a lesson plays on a terminal too short for
// it (and tall enough for the dashboard).
func (m *Model) lessonShort() bool {
	return m.o.Lesson && m.player == nil && m.width > 0 && len(m.nodes) > 0 && m.fits() && m.height < m.lessonBest(m.width)
}

// fitNote is the lesson's size note at width, "" when it has none to say
// now: its words, in the first of them that fits the panel's line.
func (m *Model) fitNote(width int) string {
	if m.narr.says != m.fit.at || !m.lessonShort() {
		return ""
	}
	best := fmt.Sprintf("this lesson reads best at %dx%d", width, m.lessonBest(width))
	this := fmt.Sprintf("(this terminal: %dx%d)", width, m.height)
	return firstFitting(width-len([]rune(narrBar)),
		best+" or more "+this+": make the window taller to see the lanes and events",
		best+" or more "+this+": make the window taller",
		best+" "+this+": make the window taller",
		best+" "+this+": make it taller")
}

// lessonShrunk answers a terminal made smaller: while a lesson plays, a
// terminal too short for it is said once more (lessonFit).
func (m *Model) lessonShrunk() {
	f := &m.fit
	if f.again || m.narr.text == "" || m.narr.says == f.at || m.script.done || m.script.err != nil || !m.lessonShort() {
		return // said already, no narration up, the lesson over, or not a lesson too short
	}
	f.at, f.again = m.narr.says, true
}
