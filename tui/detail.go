package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/raft"
	"raftplay/transport"
)

// The detail view (enter): the selected node at length. First why it is
// where it is, in the cluster's own sentences (cluster.ExplainNode, and at
// a leader a row per follower: how far it has replicated, the flow
// control, when it last answered, its last rejection), the last vote it
// decided (ExplainVote) and how its log compares with the leader's
// (ExplainLog); then its addresses, its disk, its links, its events and
// its newest entries. Every line is wrapped, none cut; when they do not
// fit, ↑/↓, pgup/pgdn and home/end scroll them (←/→, tab and 1-9 still
// pick the node).

// detailEvents is how many of the node's newest events the view lists.
const detailEvents = 20

// detailState is where the detail view is scrolled to, and for which node.
type detailState struct {
	scroll scroller
	node   uint64
}

// syncDetail starts the view at its top when another node is selected.
func (m *Model) syncDetail() {
	if m.detail.node != m.sel {
		m.detail = detailState{node: m.sel}
	}
}

// detailKey handles the detail view's scroll keys and reports whether msg
// was one.
func (m *Model) detailKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := &m.keys
	if !key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End) {
		return nil, false
	}
	rows := max(1, m.layout().region-1)
	m.detail.scroll.scrollKey(k, msg, rows, len(m.detailLines(m.width)), m.width, m.width)
	return nil, true
}

// viewDetail renders the selected node in height lines: a title that says
// how to leave and, when the text does not fit, where it is scrolled and
// how to scroll, then the text.
func (m *Model) viewDetail(width, height int) []string {
	st := m.styles
	n := m.selected()
	lines := m.detailLines(width)
	rows := max(1, height-1)
	s := &m.detail.scroll
	s.clamp(rows, len(lines), width, width)
	title := fmt.Sprintf("node %d: %s", n.ID, clean(memberRole(m.status, n)))
	if !n.AsOf.IsZero() {
		before := map[cluster.NodeState]string{cluster.StateFailed: "it failed", cluster.StateRemoved: "its removal"}[n.State]
		switch {
		case before != "":
		case n.PowerLost:
			before = "the power cut"
		default:
			before = "the crash"
		}
		asOf := n.AsOf.Format("15:04:05.000")
		title = fmt.Sprintf("node %d: %s, as of its last status, %s, just before %s", n.ID, n.StateText(), asOf, before)
		if lipgloss.Width(title+"  (↑/↓ scroll)") > width {
			// A narrow terminal: the why section tells the rest.
			title = fmt.Sprintf("node %d: %s, as of %s", n.ID, n.StateText(), asOf)
		}
	}
	var notes []string
	if len(lines) > rows {
		where := fmt.Sprintf("lines %d-%d of %d", s.top+1, min(len(lines), s.top+rows), len(lines))
		notes = []string{"  (" + where + "; ↑/↓ pgup/pgdn home/end scroll, enter/esc back)", "  (" + where + "; ↑/↓ scroll)", "  (↑/↓ scroll)"}
	} else {
		notes = []string{"  (enter/esc: back)"}
	}
	out := []string{fitTitle(st, st.Section, title, notes, width)}
	return append(out, lines[s.top:min(len(lines), s.top+rows)]...)
}

// detailLines is the detail view's text at width, every line wrapped to it.
func (m *Model) detailLines(width int) []string {
	st := m.styles
	n := m.selected()
	var lines []string
	para := func(style lipgloss.Style, text string) {
		for _, l := range fitOrWrap(text, width, 2) {
			lines = append(lines, style.Render(l))
		}
	}
	section := func(name string) { lines = append(lines, st.Section.Render(name)) }

	if n.Err != "" {
		para(st.Error, "error: "+clean(n.Err))
	}
	section("why")
	para(st.Why, clean(cluster.ExplainNode(m.status, n.ID)))
	if n.Role == "leader" && n.Live() && len(n.Progress) > 0 {
		lines = append(lines, m.followerTable(n, width)...)
	}
	para(st.Why, "vote: "+clean(cluster.ExplainVote(m.status, n.ID)))
	para(st.Why, "log: "+clean(cluster.ExplainLog(m.status, n.ID)))

	section("node")
	segs := []segment{{"raft " + clean(n.RaftAddr), ""}, {"http " + clean(n.HTTPAddr), "  "},
		{fmt.Sprintf("first index %d", n.FirstIndex), "  "}, {fmt.Sprintf("snapshot %d (term %d)", n.SnapshotIndex, n.SnapshotTerm), "  "},
		{fmt.Sprintf("%s in its store", plural(n.KVKeys, "key")), "  "}}
	lines = append(lines, wrapSegments(segs, width)...)
	if n.State != cluster.StateRemoved {
		style := st.plain
		if n.Disk.SkipFsync {
			style = st.Unsafe
		}
		para(style, diskDetail(n))
	}
	peers := make([]uint64, 0, len(n.Links))
	for id := range n.Links {
		peers = append(peers, id)
	}
	slices.Sort(peers)
	for _, id := range peers {
		para(st.plain, linkLine(id, n.Links[id]))
	}

	evs := m.feed.last(n.ID, detailEvents)
	section("events")
	if len(evs) == 0 {
		lines = append(lines, st.Dim.Render("(none that concern it yet)"))
	}
	for _, e := range evs {
		lines = append(lines, m.eventLines(e, width)...)
	}
	section("recent entries")
	if len(n.Recent) == 0 {
		lines = append(lines, st.Dim.Render("(none in its status)"))
	}
	for _, e := range n.Recent {
		para(st.plain, entryLine(e, n))
	}
	return lines
}

// linkLine describes node's link with peer id in words: "link 2: sent 38 to
// it, received 36 from it; dropped: 2 of its own by faults, 0 queue full,
// 0 connection lost". Sent counts what went on the wire, received what
// arrived and was handed on; the drops are this node's messages to the
// peer (the peer's to it are on the peer's card), and apart from them the
// peer's messages a link cut while they were on their way dropped here.
func linkLine(id uint64, l transport.LinkStats) string {
	s := fmt.Sprintf("link %d: sent %d to it, received %d from it; dropped: %d of its own by faults, %d queue full, %d connection lost",
		id, l.MsgsSent, l.MsgsRecv, l.DroppedFault, l.DroppedQueue, l.DroppedConn)
	if l.DroppedFaultIn > 0 {
		s += fmt.Sprintf("; %d of %d's cut on arrival", l.DroppedFaultIn, id)
	}
	if l.DroppedReplaced > 0 {
		s += fmt.Sprintf("; %d of or for an earlier node %d (removed, added again)", l.DroppedReplaced, id)
	}
	if !l.Connected {
		s += "; not connected"
	}
	return s
}

// followerTable is a leader's view of each follower, a row each: match and
// next index, the replication state, appends in flight, whether flow
// control holds the next append, how long since it last answered (the
// leader's ticks times its tick length) and its last rejection with the
// hint it gave. Columns are as wide as their widest cell; a row wider
// than width is wrapped, never cut.
func (m *Model) followerTable(n cluster.NodeStatus, width int) []string {
	head := []string{"follower", "match", "next", "state", "in flight", "paused", "heard ago", "last reject"}
	right := []bool{false, true, true, false, true, false, true, false}
	ids := make([]uint64, 0, len(n.Progress))
	for id := range n.Progress {
		if id != n.ID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	rows := [][]string{head}
	for _, id := range ids {
		p := n.Progress[id]
		rows = append(rows, []string{fmt.Sprint(id), fmt.Sprint(p.Match), fmt.Sprint(p.Next), clean(p.State),
			fmt.Sprint(p.Inflight), yesNo(p.Paused), heardAgo(p, n), rejectText(p)})
	}
	widths := make([]int, len(head))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], lipgloss.Width(c))
		}
	}
	gap := "  "
	total := 0
	for _, w := range widths {
		total += w + len(gap)
	}
	if total-len(gap) > width {
		gap = " "
	}
	var out []string
	for i, r := range rows {
		var b strings.Builder
		for j, c := range r {
			pad := strings.Repeat(" ", widths[j]-lipgloss.Width(c))
			if j > 0 {
				b.WriteString(gap)
			}
			if right[j] {
				b.WriteString(pad + c)
			} else if j < len(r)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		line := strings.TrimRight(b.String(), " ")
		for _, l := range fitOrWrap(line, width, widths[0]+len(gap)) {
			if i == 0 {
				l = m.styles.Dim.Render(l)
			}
			out = append(out, l)
		}
	}
	return out
}

// heardAgo is how long ago a follower last answered the leader: its
// HeardAgo (leader ticks) times the leader's tick, in milliseconds.
func heardAgo(p raft.Progress, n cluster.NodeStatus) string {
	if n.Tick <= 0 {
		return plural(p.HeardAgo, "tick")
	}
	return fmt.Sprintf("%d ms", n.HeardAgo(p).Milliseconds())
}

// rejectText is a follower's last append rejection in this term and its
// hint: "after 30 (hint 12@2)", or "-".
func rejectText(p raft.Progress) string {
	if p.LastReject == 0 {
		return "-"
	}
	return fmt.Sprintf("after %d (hint %d@%d)", p.LastReject, p.LastRejectHint, p.LastRejectHintTerm)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// entryLine describes one entry: "  17  t3  put x=1  (committed)".
func entryLine(e cluster.EntryInfo, n cluster.NodeStatus) string {
	state := "committed"
	if e.Index > n.Commit {
		state = "not committed"
	}
	// Padded by screen columns, not runes: a wide character (日, 🎉)
	// takes two, and %-30s pushed the state out of its column.
	text := clean(e.Text)
	pad := strings.Repeat(" ", max(0, 30-lipgloss.Width(text)))
	return fmt.Sprintf("%6d  t%-3d %s%s %s", e.Index, e.Term, text, pad, state)
}
