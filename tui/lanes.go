package tui

import (
	"fmt"
	"strings"

	"raftplay/cluster"
)

// Lane cells: one per log index, aligned across nodes. Without colour a
// committed cell shows its term's last digit instead of a coloured block.
const (
	cellCommitted   = '█' // committed entry, coloured by its term
	cellUncommitted = '░' // entry not yet known committed
	cellCompacted   = '·' // inside the snapshot
	cellUnknown     = ' ' // older than the status window, or past the log
	lanePrefix      = 3   // "12 " before the cells
	laneSuffix      = 16  // " c=12345 l=12345" after them
)

// laneWidth is how many log cells a lane shows.
func (m *Model) laneWidth() int { return max(8, m.width-lanePrefix-laneSuffix) }

// laneWindow returns the highest index the lanes show: the newest entry of
// any node, minus the scroll.
func (m *Model) laneWindow() (lo, hi uint64) {
	for _, n := range m.status.Nodes {
		hi = max(hi, n.LastIndex)
	}
	hi -= min(hi, m.scroll)
	w := uint64(m.laneWidth())
	if hi < w {
		return 1, w
	}
	return hi - w + 1, hi
}

// viewLanes renders a ruler and one lane per node. The work is proportional
// to the visible cells, not to the log length.
func (m *Model) viewLanes(width int) []string {
	lo, hi := m.laneWindow()
	st := m.styles
	title := fmt.Sprintf("log %d..%d", lo, hi)
	if m.scroll > 0 {
		title += fmt.Sprintf("  (scrolled back %d; ] forward)", m.scroll)
	}
	lines := []string{st.Section.Render(title), strings.Repeat(" ", lanePrefix) + ruler(lo, hi)}
	var b strings.Builder
	for _, n := range m.status.Nodes {
		b.Reset()
		fmt.Fprintf(&b, "%2d ", n.ID)
		m.laneCells(&b, n, lo, hi)
		fmt.Fprintf(&b, " c=%d l=%d", n.Commit, n.LastIndex)
		lines = append(lines, st.Clip(b.String(), width))
	}
	return lines
}

// ruler marks every tenth index with its number.
func ruler(lo, hi uint64) string {
	buf := []byte(strings.Repeat(" ", int(hi-lo+1)))
	for i := lo; i <= hi; i++ {
		if i%10 != 0 {
			continue
		}
		label := fmt.Sprintf("|%d", i)
		at := int(i - lo)
		if at+len(label) > len(buf) {
			break
		}
		copy(buf[at:], label)
	}
	return string(buf)
}

// laneCells writes node n's cells for indexes lo..hi, one styled run per
// stretch of cells that look alike.
func (m *Model) laneCells(b *strings.Builder, n cluster.NodeStatus, lo, hi uint64) {
	type look struct {
		r         rune
		term      uint64
		committed bool
	}
	cellAt := func(i uint64) look {
		switch {
		case n.State == cluster.StateCrashed || n.State == cluster.StateFailed || i > n.LastIndex:
			return look{r: cellUnknown}
		case i <= n.SnapshotIndex || i < n.FirstIndex:
			return look{r: cellCompacted}
		case i < n.LogStart || i-n.LogStart >= uint64(len(n.LogTerms)):
			return look{r: cellUnknown}
		}
		t := n.LogTerms[i-n.LogStart]
		if i <= n.Commit {
			if m.styles.Mono { // no colour: the term's last digit shows the term
				return look{rune('0' + t%10), t, true}
			}
			return look{cellCommitted, t, true}
		}
		return look{cellUncommitted, t, false}
	}
	flush := func(l look, count int) {
		s := strings.Repeat(string(l.r), count)
		if l.term != 0 {
			s = m.styles.TermCell(l.term, l.committed).Render(s)
		}
		b.WriteString(s)
	}
	cur, count := cellAt(lo), 0
	for i := lo; i <= hi; i++ {
		c := cellAt(i)
		if c != cur {
			flush(cur, count)
			cur, count = c, 0
		}
		count++
	}
	flush(cur, count)
}
