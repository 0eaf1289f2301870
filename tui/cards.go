package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// Card geometry: a card is cardLines lines of text inside a border.
const (
	minCardWidth = 16
	maxCardWidth = 30
	cardLines    = 6
	timerCells   = 8
	pulseFor     = 300 * time.Millisecond // how long the heartbeat pulse stays lit
)

// cardLayout returns how many cards fit in a row and each card's outer width.
func cardLayout(width, nodes int) (perRow, cardW int) {
	if nodes < 1 {
		return 1, minCardWidth
	}
	perRow = max(1, min(nodes, width/minCardWidth))
	cardW = min(maxCardWidth, width/perRow)
	return perRow, cardW
}

// cardsHeight is the height of the card rows.
func cardsHeight(width, nodes int) int {
	perRow, _ := cardLayout(width, nodes)
	rows := (nodes + perRow - 1) / perRow
	return rows * (cardLines + 2)
}

// viewCards renders one card per node, in rows.
func (m *Model) viewCards(width int) string {
	perRow, cardW := cardLayout(width, len(m.status.Nodes))
	var rows []string
	for i := 0; i < len(m.status.Nodes); i += perRow {
		var row []string
		for _, n := range m.status.Nodes[i:min(i+perRow, len(m.status.Nodes))] {
			row = append(row, m.viewCard(n, cardW))
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

// viewCard renders node n in a card of outer width w.
func (m *Model) viewCard(n cluster.NodeStatus, w int) string {
	st := m.styles
	inner := w - 2
	role := roleOf(n)
	pulse := " "
	if n.State == cluster.StateUp && !n.LastHeartbeat.IsZero() && m.o.Clock().Sub(n.LastHeartbeat) < pulseFor {
		pulse = "♥"
	}
	mark := " "
	if n.ID == m.sel {
		mark = "▸"
	}
	title := fmt.Sprintf("%s%d %s", mark, n.ID, st.Role(role).Render(strings.ToUpper(role)))
	lines := []string{padBetween(title, st.Role("leader").Render(pulse), inner)}
	if n.State == cluster.StateCrashed || n.State == cluster.StateFailed {
		if n.Err != "" {
			lines = append(lines, st.Error.Render(n.Err))
		} else {
			lines = append(lines, "r: restart")
		}
	} else {
		lines = append(lines, termLine(n), indexLine(n, inner))
		if n.Role == "leader" {
			lines = append(lines, m.lagLines(n, inner)...)
		} else {
			lines = append(lines, m.timerLine(n), "leader "+idOrDash(n.Leader)+snapshotIn(n))
		}
	}
	state := string(n.State)
	if g := groupName(m.status, n.ID); g != "" {
		state += " · group " + g
	}
	for len(lines) < cardLines-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:cardLines-1], st.Dim.Render(state))
	for i, l := range lines {
		lines[i] = st.Clip(l, inner)
	}
	box := st.Card
	if n.ID == m.sel {
		box = st.CardSelected
	}
	return box.Width(inner).Render(strings.Join(lines, "\n"))
}

// timerLine draws the election timer draining: full when just reset, empty
// when the node is about to start an election.
func (m *Model) timerLine(n cluster.NodeStatus) string {
	if n.ElectionTimeout <= 0 || n.State != cluster.StateUp {
		return "timer " + strings.Repeat("·", timerCells)
	}
	left := max(0, n.ElectionTimeout-n.ElectionElapsed)
	full := int((left*timerCells + n.ElectionTimeout/2) / n.ElectionTimeout)
	full = min(timerCells, full)
	bar := strings.Repeat("█", full) + strings.Repeat("░", timerCells-full)
	return fmt.Sprintf("⏱%s %.1fs", bar, left.Seconds())
}

// lagLines lists, for a leader, how far each follower's match index is
// behind its last index ("2:0 3:0 4:12 5:-" ; "-" is a follower being probed).
func (m *Model) lagLines(n cluster.NodeStatus, width int) []string {
	ids := make([]uint64, 0, len(n.Progress))
	for id := range n.Progress {
		if id != n.ID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	lines := []string{"lag"}
	for _, id := range ids {
		p := n.Progress[id]
		cell := fmt.Sprintf(" %d:%d", id, n.LastIndex-min(n.LastIndex, p.Match))
		switch {
		case p.State == "snapshot":
			cell = fmt.Sprintf(" %d:⇢%s", id, percent(n.Links[id].SnapshotBytesSent, n.Links[id].SnapshotBytesTotal))
		case p.State == "probe" && p.Match == 0:
			cell = fmt.Sprintf(" %d:-", id)
		}
		if len(lines[len(lines)-1])+len(cell) > width {
			if len(lines) == 2 {
				break
			}
			lines = append(lines, "   ")
		}
		lines[len(lines)-1] += cell
	}
	return lines
}

// termLine shows term and vote, and the newest snapshot's index and term.
func termLine(n cluster.NodeStatus) string {
	s := fmt.Sprintf("term %d vote %s", n.Term, idOrDash(n.Vote))
	if n.SnapshotIndex > 0 {
		s += fmt.Sprintf(" snap %d·t%d", n.SnapshotIndex, n.SnapshotTerm)
	}
	return s
}

// snapshotIn shows a snapshot arriving from the leader, with its progress.
func snapshotIn(n cluster.NodeStatus) string {
	l := n.Links[n.Leader]
	if l.SnapshotRecvTotal == 0 {
		return ""
	}
	return " ⇠snap " + percent(l.SnapshotBytesRecv, l.SnapshotRecvTotal)
}

// percent formats part of total as "45%" ("?" when the total is unknown).
func percent(part, total uint64) string {
	if total == 0 {
		return "?"
	}
	return fmt.Sprintf("%d%%", part*100/total)
}

// indexLine shows commit / applied / last index, labelled when it fits.
func indexLine(n cluster.NodeStatus, width int) string {
	s := fmt.Sprintf("%d/%d/%d", n.Commit, n.Applied, n.LastIndex)
	if len(s)+6 <= width {
		return "c/a/l " + s
	}
	return s
}

func idOrDash(id uint64) string {
	if id == 0 {
		return "-"
	}
	return fmt.Sprint(id)
}

// padBetween joins left and right with spaces to width cells.
func padBetween(left, right string, width int) string {
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	return left + strings.Repeat(" ", max(1, gap)) + right
}
