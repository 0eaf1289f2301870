package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"raftplay/commands"
)

// Narration: a `say TEXT` line, of the script or typed at the prompt, shows
// its text in a panel above the lanes (every view has it) until the next
// say, or until esc dismisses it; it still runs through the Executor, like
// any line, so a recording has it. A script's `wait key` line pauses the
// script, saying so in the same panel, until a key is pressed: that key
// goes on with the script and does nothing else (q and ctrl+c still quit).

// narrMax is the most lines the narration's text takes; a longer text ends
// in "…" on its last line.
const narrMax = 3

// narration is what the narration panel shows.
type narration struct {
	text    string // the last say's text, cleaned; "": none
	waiting bool   // the script waits for a key (wait key)

	// In a replay: the recorded say the text was taken from (shown or
	// dismissed since), and whether the text is a recording's.
	said     Mark
	recorded bool
}

// shown reports whether the panel has anything to show.
func (n *narration) shown() bool { return n.text != "" || n.waiting }

// narrate shows c's text when c is a `say`.
func (m *Model) narrate(c *commands.Command) {
	if c.Verb == commands.VerbSay {
		m.narr.text, m.narr.recorded = clean(c.Message), false
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
		n.text, n.recorded, n.said = clean(m.sayText(last.Text)), true, *last
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
	m.narr.waiting = true
	m.output.setNote(fmt.Sprintf("script line %d: %s", c.Line, c.Text), "waiting for a key")
}

// keyGoesOn handles the key the script waited for: it goes on with the
// script, unless it quits.
func (m *Model) keyGoesOn(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Quit) || msg.Type == tea.KeyCtrlC {
		return m.quit()
	}
	m.narr.waiting = false
	m.output.clear()
	return stepCmd(0)
}

// viewNarration renders the narration panel at width: the text, wrapped,
// and the wait for a key.
func (m *Model) viewNarration(width int) []string {
	n := &m.narr
	if !n.shown() {
		return nil
	}
	st := m.styles
	var lines []string
	if n.text != "" {
		const bar = "┃ "
		for _, l := range capLines(wrapWords(n.text, width-len([]rune(bar))), narrMax, width-len([]rune(bar))) {
			lines = append(lines, st.Narration.Render(bar+l))
		}
	}
	if n.waiting {
		wait := "press any key to go on (q quits)"
		if len(wait) > width {
			wait = strings.TrimSuffix(wait, " (q quits)")
		}
		lines = append(lines, st.Focused.Render(wait))
	}
	return lines
}
