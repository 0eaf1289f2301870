package tui

import (
	"fmt"
	"strings"
)

// View lays the panels out top to bottom: header, cards, lanes (or the
// detail view), events, the last command's output, the prompt and the help
// bar. Below the minimum size it says what size it needs.
func (m *Model) View() string {
	if m.width == 0 || m.height == 0 {
		return "starting…"
	}
	nodes := len(m.status.Nodes)
	header := m.viewHeader(m.width)
	cardsH := cardsHeight(m.width, nodes)
	lanesH := nodes + 3
	needH := len(header) + cardsH + lanesH + 5
	if m.width < minWidth || m.height < max(minHeight, needH) {
		return fmt.Sprintf("raftplay needs at least %dx%d\nfor %d nodes; this terminal\nis %dx%d. Enlarge it,\nor press q to quit.",
			minWidth, max(minHeight, needH), nodes, m.width, m.height)
	}
	var bottom []string
	if m.fullHelp {
		bottom = strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")
	} else {
		bottom = []string{m.help.ShortHelpView(m.keys.ShortHelp())}
	}
	if m.prompt.active {
		bottom = append([]string{m.viewPrompt(m.width)}, bottom...)
	}
	free := m.height - len(header) - cardsH - len(bottom)
	out := m.viewOutput(m.width, min(maxOutputLines, max(1, free-lanesH-3)))
	free -= len(out)

	lines := append([]string{}, header...)
	lines = append(lines, m.viewCards(m.width))
	if m.detail {
		lines = append(lines, m.viewDetail(m.width, free)...)
	} else {
		lines = append(lines, m.viewLanes(m.width)...)
		lines = append(lines, m.viewEvents(m.width, free-lanesH)...)
	}
	used := 0
	for _, l := range lines {
		used += strings.Count(l, "\n") + 1
	}
	for ; used < m.height-len(out)-len(bottom); used++ {
		lines = append(lines, "")
	}
	lines = append(lines, out...)
	lines = append(lines, bottom...)
	return strings.Join(lines, "\n")
}
