package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// maxOutputLines is how many lines of a command's result the output panel
// shows; `status` and `help` fit.
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

// promptKey handles a key while the prompt is open: enter runs the line
// through the parser and executor like any key's line.
func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	p := &m.prompt
	switch msg.Type {
	case tea.KeyEsc:
		p.close()
		return nil
	case tea.KeyCtrlC:
		return tea.Quit
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
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

// outputPanel holds the last command and what it printed.
type outputPanel struct {
	line string
	out  []string
	err  error
	busy bool
}

func (o *outputPanel) running(line string) { *o = outputPanel{line: line, busy: true} }

func (o *outputPanel) set(line, out string, err error) {
	*o = outputPanel{line: line, err: err}
	if out = strings.TrimRight(out, "\n"); out != "" {
		o.out = strings.Split(out, "\n")
	}
}

func (o *outputPanel) clear()      { *o = outputPanel{} }
func (o *outputPanel) shown() bool { return o.line != "" }

// viewOutput renders the last command and its result in at most max lines.
func (m *Model) viewOutput(width, maxLines int) []string {
	o := &m.output
	if !o.shown() || maxLines <= 0 {
		return nil
	}
	st := m.styles
	head := "> " + o.line
	switch {
	case o.busy:
		head += st.Dim.Render("  (running)")
	case o.err != nil:
		head += "  " + st.Error.Render("error: "+o.err.Error())
	case len(o.out) == 1 && len(o.out[0]) < width/2:
		head += "  " + st.OK.Render(o.out[0])
	}
	if m.busy > 0 && !o.busy {
		head += st.Dim.Render(fmt.Sprintf("  (%d more running)", m.busy))
	}
	lines := []string{m.styles.Clip(head, width)}
	if o.err == nil && !(len(o.out) == 1 && len(o.out[0]) < width/2) {
		for _, l := range o.out {
			if len(lines) >= maxLines {
				break
			}
			lines = append(lines, m.styles.Clip(l, width))
		}
	}
	return lines
}

// viewPrompt renders the prompt line when it is open.
func (m *Model) viewPrompt(width int) string {
	m.prompt.input.Width = max(10, width-2)
	return m.prompt.input.View()
}
