package tui

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// maxOutputLines is how many lines of a command's result the output panel
// shows below the lanes and events; longer results open in the pager.
const maxOutputLines = 12

// promptModel is the `:` prompt: a text input with a history.
type promptModel struct {
	input   textinput.Model
	active  bool
	history []string
	hpos    int
}

func newPrompt() promptModel {
	in := textinput.New()
	in.Prompt = ":"
	in.Placeholder = "command (help lists them; esc closes)"
	in.CharLimit = 512
	return promptModel{input: in}
}

// open shows the prompt with an empty line.
func (p *promptModel) open() tea.Cmd {
	p.active = true
	p.hpos = len(p.history)
	p.input.SetValue("")
	return p.input.Focus()
}

func (p *promptModel) close() {
	p.active = false
	p.input.Blur()
}

// altEdit reports whether msg is one of the input's own alt keys (a word
// back or forward, a word deleted), which edit the line (altKey).
func (p *promptModel) altEdit(msg tea.KeyMsg) bool {
	km := p.input.KeyMap
	return msg.Alt && key.Matches(msg, km.WordForward, km.WordBackward, km.DeleteWordBackward, km.DeleteWordForward)
}

// promptKey handles a key while the prompt is open: enter runs the line
// through the parser and executor like any key's line.
func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	p := &m.prompt
	switch msg.Type {
	case tea.KeyEsc:
		p.close()
		return nil
	case tea.KeyCtrlC:
		return m.quit()
	case tea.KeyEnter:
		line := strings.TrimSpace(p.input.Value())
		p.close()
		if line == "" {
			return nil
		}
		p.history = append(p.history, line)
		return m.run(line)
	case tea.KeyUp:
		if p.hpos > 0 {
			p.hpos--
			p.input.SetValue(p.history[p.hpos])
			p.input.CursorEnd()
		}
		return nil
	case tea.KeyDown:
		if p.hpos < len(p.history) {
			p.hpos++
			v := ""
			if p.hpos < len(p.history) {
				v = p.history[p.hpos]
			}
			p.input.SetValue(v)
			p.input.CursorEnd()
		}
		return nil
	}
	if msg.Type == tea.KeyRunes {
		if n := controlRunes(msg.Runes); n > 0 {
			// The input drops them; a value pasted with its colour codes
			// was stored without them, unsaid. The lines of a paste drop
			// them too (pasteLines), as the line left in the input does.
			m.output.setNote("paste", fmt.Sprintf("%s dropped: the prompt takes no control bytes; write one as an escape inside quotes (put k \"a\\x1bb\")", plural(n, "control byte")))
		}
	}
	if msg.Type == tea.KeyRunes && strings.ContainsAny(string(msg.Runes), "\r\n") {
		return m.pasteLines(string(msg.Runes))
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 {
		// Text typed faster than the terminal is read (tmux send-keys, a
		// paste without bracketed paste) comes one word per message, each
		// space a key of its own, and the input matches its key bindings
		// against a message's text: the word "left" moved the cursor,
		// "home" went to the start, "up" and "delete" vanished. As a
		// paste, the message's text matches no binding and is typed.
		msg.Paste = true
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	p.escapeInput()
	return cmd
}

// pasteLines takes text with line breaks put into the prompt: a paste
// (Bubble Tea gives a bracketed paste as one message of runes, its line
// breaks among them) or lines typed faster than the terminal is read. The
// input would join them with spaces into one command that does not parse.
// Instead the prompt's line, with text put in at the cursor, is broken into
// lines, and every line a break ends is run, in order, as a script's lines
// are: all of them are parsed first, and if one does not parse none runs
// (its error is shown); then one after another, stopping at the first that
// fails, whose error is shown, else the last one's result. Each goes into
// the prompt's history. What follows the last break stays in the prompt,
// to edit and run with enter, as a shell leaves a pasted line without its
// newline.
func (m *Model) pasteLines(text string) tea.Cmd {
	p := &m.prompt
	value := []rune(p.input.Value())
	at := min(max(p.input.Position(), 0), len(value))
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(text)
	// Control bytes go, as the input drops them from what it keeps (the
	// caller said so): a line run with them stored a value the prompt
	// could not show, while the line left in the prompt lost them.
	dropped := false
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			dropped = true
			return -1
		}
		return r
	}, text)
	lines := strings.Split(string(value[:at])+text+string(value[at:]), "\n")
	var run []string
	for _, l := range lines[:len(lines)-1] {
		if l = strings.TrimSpace(l); l != "" {
			run = append(run, l)
			p.history = append(p.history, l)
		}
	}
	rest := lines[len(lines)-1]
	if strings.TrimSpace(rest) == "" {
		p.close()
	} else {
		p.input.SetValue(rest)
		p.input.SetCursor(len([]rune(rest)) - (len(value) - at)) // after the pasted text
		p.escapeInput()
	}
	p.hpos = len(p.history)
	if len(run) == 0 {
		return nil
	}
	note := m.output.note // the control bytes dropped, said by the caller
	cmd := m.run(run...)
	if cmd != nil {
		m.pasteSeq = m.runs // its failure says which line of the paste
		m.pasteNote = ""
		if dropped {
			m.pasteNote = note
		}
	}
	return cmd
}

// escapeInput writes runes the input would show raw and a terminal would
// obey (format runes such as bidi overrides; the input drops control
// characters itself) as escapes, so the prompt shows what will be parsed.
func (p *promptModel) escapeInput() {
	v := p.input.Value()
	if e := cluster.EscapeControls(v); e != v {
		p.input.SetValue(e)
		p.input.CursorEnd()
	}
}

// outputPanel holds the last command and what it printed, cleaned of
// control bytes, or a message of the dashboard's own.
type outputPanel struct {
	line string   // the command, or what the message is about
	out  []string // what it printed
	err  string   // why it failed, as a sentence
	note string   // a message of the dashboard's own
	busy bool
	// behind is the command this one waits for, while it does: one
	// command runs at a time (Model.inflight).
	behind string
	seq    uint64 // the run whose result or progress this is (resultMsg.seq)
	// earlier holds the results of commands that finished after a later
	// one began, told under the later one's result until the next run.
	earlier []string
	pager   scroller
	// text and widest are the pager's lines at width textFor, and the
	// widest of them: every frame and key asks (keys, scrolling), and
	// wrapping a long result each time made the dashboard crawl.
	text    []string
	widest  int
	textFor int
}

// earlierResult is the line that tells the result of a command that
// finished after one run later: "remove leader (run earlier): ok index=2".
func earlierResult(line string, r resultMsg) string {
	what := strings.TrimSpace(r.out)
	if i := strings.IndexByte(what, '\n'); i >= 0 {
		what = what[:i] + " ..."
	}
	if r.err != nil {
		what = "error: " + strings.TrimPrefix(errSentence(line, r.err), line+": ")
	}
	if what == "" {
		what = "ok"
	}
	return line + " (run earlier): " + what
}

func (o *outputPanel) running(line string, seq uint64, behind string) {
	var untold []string
	if o.busy {
		// Results told under a command that had none yet were never
		// shown (T A D fast: the transfer's, waiting under the add's).
		untold = o.earlier
	}
	*o = outputPanel{line: clean(line), busy: true, seq: seq, behind: clean(behind), earlier: untold}
}

// addEarlier tells the result of a command that finished after one run
// later, under that one's result (now, or once it has one).
func (o *outputPanel) addEarlier(line string) {
	o.earlier = append(o.earlier, clean(line))
	if !o.busy {
		o.out = append(o.out, clean(line))
		o.textFor = 0
	}
}

// set shows a command's result: head is what the panel calls it ("crash 3",
// "script line 4: crash 3"), cmd the command line itself.
func (o *outputPanel) set(head, cmd, out string, err error) {
	earlier := o.earlier
	*o = outputPanel{line: clean(head), out: append(cleanLines(out), earlier...), earlier: earlier}
	if err != nil {
		o.err = clean(errSentence(cmd, err))
		if head != cmd {
			o.err = clean(strings.TrimSuffix(head, cmd)) + o.err
		}
	}
}

// stamp starts an explanation's text with when it was asked (askedAt):
// it tells of that moment, while the cards and the lines under the lanes
// go on (a lesson's explain stays in view as the cluster moves).
func (o *outputPanel) stamp(asked string) {
	if asked == "" || o.err != "" || len(o.out) == 0 {
		return
	}
	o.out = slices.Clone(o.out)
	o.out[0] = "asked at " + asked + ": " + o.out[0]
	o.textFor = 0
}

// setNote shows a message of the dashboard's own about what key did.
func (o *outputPanel) setNote(what, note string) { *o = outputPanel{line: what, note: note} }

// staleAfter reports whether what the panel shows is stale once a replay
// key has acted: a note (about an earlier key), or, when the key moved the
// cursor (jump), a command's finished result, which told of the place
// left.
func (o *outputPanel) staleAfter(jump bool) bool {
	return o.note != "" || jump && o.shown() && !o.busy
}

func (o *outputPanel) clear()      { *o = outputPanel{} }
func (o *outputPanel) shown() bool { return o.line != "" }

// inline returns the panel's lines when every one fits width, or nil.
func (m *Model) outputInline(width int) []string {
	o := &m.output
	if !o.shown() {
		return nil
	}
	st := m.styles
	more := ""
	if n := len(m.inflight); n > 0 && !o.busy {
		more = fmt.Sprintf("  (%d more running)", n)
	}
	head := "> " + o.line
	var lines []string
	switch {
	case o.busy && o.behind != "":
		// Keys pressed while a command runs wait their turn: "(running)"
		// told a teacher a freeze was under way 5 s before it was.
		lines = wrapWords(head+" "+st.Dim.Render("(waits for "+o.behind+" to finish)"), width)
	case o.busy:
		lines = []string{head + st.Dim.Render("  (running)")}
	case o.err != "":
		for _, l := range wrapWords("error: "+o.err, width-lipgloss.Width(more)) {
			lines = append(lines, st.Error.Render(l))
		}
		// What finished while it waited its turn is told under it.
		lines = append(lines, o.earlierWrapped(width)...)
	case o.note != "":
		for _, l := range wrapWords(o.line+": "+o.note, width-lipgloss.Width(more)) {
			lines = append(lines, st.OK.Render(l))
		}
	case len(o.out) == 1 && lipgloss.Width(head+"  "+o.out[0]+more) <= width:
		lines = []string{head + "  " + st.OK.Render(o.out[0])}
	case len(o.out) == 0:
		lines = []string{head}
	case len(o.out) == 1: // a sentence too wide for the line (a step's effects): wrapped under the command
		lines = []string{head}
		for _, l := range wrapWords(o.out[0], width-2-lipgloss.Width(more)) {
			lines = append(lines, "  "+st.OK.Render(l))
		}
	default:
		// What the command printed stays as it is (a table must not be
		// broken); the results of commands run earlier are sentences,
		// wrapped: unwrapped, one sent the whole result to a pager cut at
		// the screen's edge ("... did not complete it; its e").
		lines = append([]string{head}, o.wrappedOut(width)...)
	}
	lines[0] += st.Dim.Render(more)
	for _, l := range lines {
		if lipgloss.Width(l) > width {
			return nil
		}
	}
	return lines
}

// wrappedOut is what the command printed as it is (a table must not be
// broken; one line, a sentence, is wrapped), then the results of commands run earlier, sentences, wrapped
// at width: unwrapped, one was a line to scroll sideways in the pager.
func (o *outputPanel) wrappedOut(width int) []string {
	own := o.out
	var earlier []string
	if k := len(o.earlier); k <= len(o.out) && slices.Equal(o.out[len(o.out)-k:], o.earlier) {
		own, earlier = o.out[:len(o.out)-k], o.earlier
	}
	if len(earlier) == 0 {
		return own
	}
	if len(own) == 1 {
		// One line is a sentence (a step's effects), wrapped as it is
		// with no earlier result under it: unwrapped, it was cut at the
		// pager's edge above the wrapped earlier ones.
		own = wrapEarlier(own, width)
	}
	return append(slices.Clone(own), wrapEarlier(earlier, width)...)
}

// earlierWrapped is the results of commands run earlier, wrapped at width.
func (o *outputPanel) earlierWrapped(width int) []string { return wrapEarlier(o.earlier, width) }

// wrapEarlier wraps the results of commands run earlier at width, each
// line after a result's first indented.
func wrapEarlier(earlier []string, width int) []string {
	var lines []string
	for _, e := range earlier {
		for i, l := range wrapWords(e, width-2) {
			if i > 0 {
				l = "  " + l
			}
			lines = append(lines, l)
		}
	}
	return lines
}

// viewOutputPager renders a result too long or too wide for the panel.
func (m *Model) viewOutputPager(width, height int) []string {
	o := &m.output
	return m.viewPager(&o.pager, "> "+o.line, "esc", m.outputPagerText(width), width, height)
}

// outputPagerText is what the output pager holds at width.
func (m *Model) outputPagerText(width int) []string {
	o := &m.output
	if o.textFor == width && width > 0 {
		return o.text
	}
	switch {
	case o.err != "":
		o.text = append(wrapWords("error: "+o.err, width), o.earlierWrapped(width)...)
	case o.note != "":
		o.text = wrapWords(o.note, width)
	case len(o.out) == 1:
		// One sentence (an explanation) too long for the room under the
		// command: wrapped, not a line to scroll sideways.
		o.text = wrapWords(o.out[0], width)
	default:
		o.text = o.wrappedOut(width)
	}
	o.widest = 0
	for _, l := range o.text {
		o.widest = max(o.widest, lipgloss.Width(l))
	}
	o.textFor = width
	return o.text
}

// viewPrompt renders the prompt line when it is open.
func (m *Model) viewPrompt(width int) string {
	m.prompt.input.Width = max(10, width-2)
	return m.prompt.input.View()
}

// outputPagerLines is how many lines the output pager holds.
func (m *Model) outputPagerLines() int { return len(m.outputPagerText(m.width)) }

// outputPagerWidth is the widest line of the output pager.
func (m *Model) outputPagerWidth() int {
	m.outputPagerText(m.width)
	return m.output.widest
}

// controlRunes counts the control characters in runes that the input
// drops (line breaks are a paste's lines, and a tab is a space).
func controlRunes(runes []rune) int {
	n := 0
	for _, r := range runes {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			n++
		}
	}
	return n
}
