package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// A pager shows text too long or too wide for its place (a command's long
// output, the full key help) in the area of the lanes and events, with a
// title line, and scrolls it: ↑/↓, pgup/pgdn, home/end, ←/→. esc closes it.

// pagerKind is what the pager area shows, if anything.
type pagerKind int

const (
	noPager pagerKind = iota
	helpPager
	outputPager
	legendPager
)

// scroller is where a pager is scrolled to.
type scroller struct{ top, left int }

// scrollKey moves s for a scroll key over text of total lines, at most
// wide cells wide, seen through rows lines of width cells. It reports
// whether msg was a scroll key.
func (s *scroller) scrollKey(k *keyMap, msg keyLike, rows, total, width, wide int) bool {
	page := max(1, rows-1)
	switch {
	case key.Matches(msg, k.Up):
		s.top--
	case key.Matches(msg, k.Down):
		s.top++
	case key.Matches(msg, k.PageUp):
		s.top -= page
	case key.Matches(msg, k.PageDown):
		s.top += page
	case key.Matches(msg, k.Home):
		s.top, s.left = 0, 0
	case key.Matches(msg, k.End):
		s.top = total
	case key.Matches(msg, k.Left):
		s.left -= max(1, width/2)
	case key.Matches(msg, k.Right):
		s.left += max(1, width/2)
	default:
		return false
	}
	s.clamp(rows, total, width, wide)
	return true
}

// clamp keeps s inside the text.
func (s *scroller) clamp(rows, total, width, wide int) {
	s.top = max(0, min(s.top, total-rows))
	s.left = max(0, min(s.left, wide-width))
}

// viewPager renders lines in height lines of width cells under a title
// that says what they are, how to move, how to close (closeKeys) and where
// the view is.
func (m *Model) viewPager(s *scroller, title, closeKeys string, lines []string, width, height int) []string {
	st := m.styles
	rows := max(1, height-1)
	wide := 0
	for _, l := range lines {
		wide = max(wide, lipgloss.Width(l))
	}
	s.clamp(rows, len(lines), width, wide)
	var where []string
	if len(lines) > rows {
		where = append(where, fmt.Sprintf("lines %d-%d of %d", s.top+1, min(len(lines), s.top+rows), len(lines)))
	}
	if wide > width {
		where = append(where, fmt.Sprintf("columns %d-%d of %d", s.left+1, min(wide, s.left+width), wide))
	}
	var hints []string
	if len(lines) > rows {
		hints = append(hints, "↑/↓ pgup/pgdn home/end")
	}
	if wide > width {
		hints = append(hints, "←/→")
	}
	hints = append(hints, closeKeys+" closes")
	head := []string{
		fmt.Sprintf("  (%s)  %s", strings.Join(hints, ", "), strings.Join(where, ", ")),
		fmt.Sprintf("  %s  (%s closes)", strings.Join(where, ", "), closeKeys),
		fmt.Sprintf("  (%s closes)", closeKeys),
	}
	out := []string{st.Clip(st.Focused.Render(title), width)}
	for _, h := range head {
		if lipgloss.Width(title+h) <= width {
			out[0] = st.Focused.Render(title) + strings.TrimRight(h, " ")
			break
		}
	}
	for _, l := range lines[s.top:min(len(lines), s.top+rows)] {
		out = append(out, sliceCells(l, s.left, width))
	}
	return out
}

// sliceCells returns the cells from..from+width of l. Plain text is cut
// by cells; styled text (the help) is never wider than its pager.
func sliceCells(l string, from, width int) string {
	if from == 0 && lipgloss.Width(l) <= width {
		return l
	}
	_, rest := splitAt(l, from)
	head, _ := splitAt(rest, width)
	return head
}

// keyLike is what key.Matches takes.
type keyLike = interface{ String() string }

// helpLines is the full key help laid out in as many columns as fit width.
func (m *Model) helpLines(width int) []string {
	h := m.help
	h.Width = 0
	var v string
	for cols := 6; cols >= 1; cols-- {
		v = h.FullHelpView(m.keys.FullHelp(cols))
		if lipgloss.Width(v) <= width {
			break
		}
	}
	lines := append(strings.Split(v, "\n"), "")
	if off := m.keys.offInReplay(); len(off) > 0 {
		var b strings.Builder
		b.WriteString("Off in a replay (they change the cluster; a recording shows what was):")
		for i, k := range off {
			sep := " · "
			if i == 0 {
				sep = " "
			}
			b.WriteString(sep + k.Help().Key + " " + k.Help().Desc)
		}
		lines = append(append(lines, wrapWords(b.String(), width)...), "")
	}
	for _, note := range helpNotes {
		lines = append(lines, wrapWords(note, width)...)
	}
	return lines
}

// helpNotes explain the abbreviations of the cards and lanes under the keys.
var helpNotes = []string{
	"L shows the legend: every symbol and colour on the screen, drawn as it is drawn.",
	"Cards: c/a/l = commit/applied/last index; 1200/=/+3 = applied 1200 (= the commit), last 1203. PRE-CAND = pre-candidate.",
	"Timer: 1.2/1.7s = 1.2s left of a 1.7s election timeout; a heartbeat refills it, a new term or role draws a new one. ♥ = heartbeats arriving.",
	"Lag: 2:0 = follower 2 is 0 entries behind; 2-4,6:0 = 2, 3, 4 and 6 are; rest:0 = every follower not named is; - probing; ⇢75% snapshot sent, ⇢? queued or installing.",
	"Down nodes show what they had, as of their last status before they went down.",
	"Disk (a line on a card whose disk is not plain): NO FSYNC = acknowledges without fsync (UNSAFE), disk FULL, disk slow +50ms = every fsync 50ms longer, 41KB unsynced = written, not yet durable, lost 79B = lost to power failures. P cuts the selected node's power; the other disk faults are typed at the prompt (:help powerfail, :help set): powerfail all, wipe N, corrupt N, set disk-delay N D, set disk-full N on|off, set unsafe-skip-fsync N on|off.",
	"Why-lines (each card's bottom but one): the node's situation in a few words; enter shows the full explanations. Under the lanes, why the lowest uncommitted index waits (< > pick another index; E explains it whole).",
	"Messages (m): a row per message, where it ended: ● its sender, ▶ or ◀ delivered, ◆ held by a frozen node, ✗ lost (at the sender when the link is cut or drops it) or discarded. app t3 i41..45 c40 = append at term 3 of entries 41 to 45, commit 40; vote t4 last 30@3 = vote request at term 4, last entry 30 of term 3.",
	"Links (x): messages sent per second on each link (rows send, columns receive) and its fault: part = cut by the partition, cut = a cut rule, drop 50% (d50% when narrow) = drop 50%, delay 100ms (+100ms) = delay.",
	"Lanes: █ committed (without colour: the term's last digit), ░ not yet committed, · compacted, " + string(cellNotHere) + " not known here (older than the status window).",
}
