package tui

import (
	"fmt"
	"slices"

	"raftplay/cluster"
)

// viewDetail renders the selected node in height lines: addresses, its
// followers' progress (for a leader), link counters, recent entries and its
// events.
func (m *Model) viewDetail(width, height int) []string {
	st := m.styles
	n := m.selected()
	title := fmt.Sprintf("node %d: %s  (enter/esc: back)", n.ID, clean(roleOf(n)))
	if !n.AsOf.IsZero() {
		title = fmt.Sprintf("node %d: %s, as of its crash at %s  (enter/esc: back)", n.ID, n.State, n.AsOf.Format("15:04:05.000"))
	}
	lines := []string{st.Section.Render(title)}
	lines = append(lines, fmt.Sprintf("raft %s  http %s  first %d  snapshot %d/%d  keys %d",
		clean(n.RaftAddr), clean(n.HTTPAddr), n.FirstIndex, n.SnapshotIndex, n.SnapshotTerm, n.KVKeys))
	if n.Err != "" {
		for _, l := range wrapWords("error: "+clean(n.Err), width) {
			lines = append(lines, st.Error.Render(l))
		}
	}
	peers := make([]uint64, 0, len(n.Links))
	for id := range n.Links {
		peers = append(peers, id)
	}
	slices.Sort(peers)
	for _, id := range peers {
		l := n.Links[id]
		line := fmt.Sprintf("→%d sent %d recv %d dropped fault %d queue %d conn %d",
			id, l.MsgsSent, l.MsgsRecv, l.DroppedFault, l.DroppedQueue, l.DroppedConn)
		if p, ok := n.Progress[id]; ok {
			line += fmt.Sprintf("  match %d next %d %s", p.Match, p.Next, p.State)
		}
		if !l.Connected {
			line += "  (not connected)"
		}
		lines = append(lines, line)
	}
	rest := height - len(lines)
	if rest <= 2 {
		return clipAll(m, lines[:min(len(lines), height)], width)
	}
	entries := n.Recent[max(0, len(n.Recent)-rest/2+1):]
	lines = append(lines, st.Section.Render("recent entries"))
	for _, e := range entries {
		lines = append(lines, entryLine(e, n))
	}
	evs := m.feed.last(n.ID, height-len(lines)-1)
	lines = append(lines, st.Section.Render("events"))
	for _, e := range evs {
		lines = append(lines, m.eventLine(e, width))
	}
	return clipAll(m, lines[:min(len(lines), height)], width)
}

// entryLine describes one entry: "  17  t3  put x=1  (committed)".
func entryLine(e cluster.EntryInfo, n cluster.NodeStatus) string {
	state := "committed"
	if e.Index > n.Commit {
		state = "not committed"
	}
	return fmt.Sprintf("%6d  t%-3d %-30s %s", e.Index, e.Term, clean(e.Text), state)
}

func clipAll(m *Model, lines []string, width int) []string {
	for i := range lines {
		lines[i] = m.styles.Clip(lines[i], width)
	}
	return lines
}
