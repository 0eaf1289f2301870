package tui

import (
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
	return execCmd(m.ctx, m.o.ScriptExec, []*commands.Command{c}, true, 0)
}

// forPeople reports whether the result of lines is for people and shown
// by the narration panel: a say's (its text) or a wait key's (nothing).
func forPeople(r resultMsg) bool {
	return r.err == nil && (r.verb == commands.VerbSay || r.wait)
}

// narrationLines is the narration panel at width, whole: the text, wrapped,
// and the wait for a key.
func (m *Model) narrationLines(width int) (text []string, wait string) {
	n := &m.narr
	const bar = "┃ "
	if n.text != "" {
		for _, para := range strings.Split(n.text, "\n") {
			for _, l := range wrapWords(para, width-len([]rune(bar))) {
				text = append(text, bar+l)
			}
		}
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
	return text, wait
}

// narrationHeight is how many lines the panel takes at width whole, and
// how many it takes from a region too small for them (narrFloor).
func (m *Model) narrationHeight(width int) (whole, floor int) {
	text, wait := m.narrationLines(width)
	whole = min(len(text), narrMax)
	if wait != "" {
		whole++
	}
	return whole, min(whole, narrFloor)
}

// viewNarration renders the narration panel at width in at most most
// lines (the wait for a key always among them): a text cut short ends in
// "…".
func (m *Model) viewNarration(width, most int) []string {
	text, wait := m.narrationLines(width)
	st := m.styles
	room := most
	if wait != "" {
		room--
	}
	room = min(room, narrMax)
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
