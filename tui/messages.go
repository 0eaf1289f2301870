package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/msgview"
)

// The messages view (m): a live space-time diagram of the message trace,
// one column per node that has a card and one row per message event,
// newest at the bottom, drawn by msgview as `messages` draws it; above
// it, when the cluster is frozen, the messages the selected node holds.

// msgView is the messages view's state.
type msgView struct {
	store  msgStore
	beats  bool   // show heartbeats and their answers
	byNode bool   // only the selected node's messages
	kind   string // only this kind ("": every kind)
	pin    int    // when scrolled back, the position of the newest row shown; -1: follow the newest

	rows    map[int][]string // rows as last drawn (a label wrapped: more lines), by position, for rowsFor
	rowsFor msgview.Layout   // the layout they were drawn in

	heldNode uint64 // the node whose held list the pick is in
	held     uint64 // the picked held message (its Seq)
	heldAt   int    // its place in the list, kept when it leaves
}

func newMsgView() msgView { return msgView{pin: -1} }

// filter is what the diagram shows now.
func (m *Model) msgFilter() msgview.Filter {
	f := msgview.Filter{Heartbeats: m.msgs.beats, Kind: m.msgs.kind}
	if m.msgs.byNode {
		f.Node = m.byNodeID()
	}
	return f
}

// byNodeID is the node f filters the diagram to: the selected one, or,
// with none selected, the one the user meant (selGone), never the one the
// selection fell back to.
func (m *Model) byNodeID() uint64 {
	if m.selGone != 0 {
		return m.selGone
	}
	return m.sel
}

// kinds is what k cycles through: every kind, then each one.
var kinds = append([]string{""}, cluster.MessageKinds...)

// nextKind returns the kind after k in the cycle ("": every kind).
func nextKind(k string) string {
	for i, kk := range kinds {
		if kk == k {
			return kinds[(i+1)%len(kinds)]
		}
	}
	return ""
}

// kindName names a kind filter: the kind, or "all".
func kindName(k string) string {
	if k == "" {
		return "all"
	}
	return k
}

// messagesKey handles the messages view's keys and reports whether msg
// was one.
func (m *Model) messagesKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := &m.keys
	v := &m.msgs
	switch {
	case key.Matches(msg, k.Beats):
		v.beats = !v.beats
	case key.Matches(msg, k.Kind):
		v.kind = nextKind(v.kind)
	case key.Matches(msg, k.Filter):
		v.byNode = !v.byNode
	case key.Matches(msg, k.Deliver):
		return m.heldLine("deliver"), true
	case key.Matches(msg, k.Discard):
		return m.heldLine("discard"), true
	case key.Matches(msg, k.Older):
		m.pickHeld(-1)
	case key.Matches(msg, k.Newer):
		m.pickHeld(1)
	default:
		return nil, m.scrollMessages(msg)
	}
	return nil, true
}

// scrollMessages handles the diagram's scroll keys.
func (m *Model) scrollMessages(msg tea.KeyMsg) bool {
	k := &m.keys
	v := &m.msgs
	rows := m.msgRows()
	shown := v.store.shown(m.msgFilter())
	by := 0
	switch {
	case key.Matches(msg, k.Up):
		by = -1
	case key.Matches(msg, k.Down):
		by = 1
	case key.Matches(msg, k.PageUp):
		by = -max(1, rows-1)
	case key.Matches(msg, k.PageDown):
		by = max(1, rows-1)
	case key.Matches(msg, k.Home):
		by = -len(shown)
	case key.Matches(msg, k.End):
		v.pin = -1
		return true
	default:
		return false
	}
	v.pin = scrollPin(shown, v.pin, rows, by)
	return true
}

// msgRows is how many rows of the diagram the view shows.
func (m *Model) msgRows() int {
	h := m.layout().region
	rows, _ := msgRowsIn(h - m.heldLines(h))
	return rows
}

// msgRowsIn is how many rows of the diagram fit in height lines under the
// held list, and whether the columns' header does: only with room for two
// rows under it (at 80x24 with five nodes and a result of two lines, the
// view was its title and the header, and not one message).
func msgRowsIn(height int) (rows int, header bool) {
	header = height >= 4
	rows = height - 1 // the title
	if header {
		rows--
	}
	return max(1, rows), header
}

// viewMessages renders the messages view in height lines: the held list
// (when shown), the diagram's title and header, and its rows.
func (m *Model) viewMessages(width, height int) []string {
	st := m.styles
	lines := m.viewHeld(width, m.heldLines(height))
	rows, header := msgRowsIn(height - len(lines))
	v := &m.msgs
	shown := v.store.shown(m.msgFilter())
	start, end := scrollWindow(shown, v.pin, rows)
	lines = append(lines, m.msgTitle(len(shown)-end, width))
	l := msgview.NewLayoutOf(m.drawnIDs(), width)
	if header {
		lines = append(lines, st.Dim.Render(st.Clip(l.Header(), width)))
	}
	if len(shown) == 0 {
		return append(lines, st.Dim.Render(m.noMessages()))
	}
	// A record's row never changes: rows drawn for the last frame are
	// drawn again from memory while the layout stays.
	drawn := v.rows
	if v.rowsFor != l {
		drawn = nil
	}
	v.rows, v.rowsFor = make(map[int][]string, end-start), l
	var groups [][]string // each record's lines, and the pause rows between them
	var last cluster.MsgRecord
	for i, pos := range shown[start:end] {
		r := v.store.at(pos)
		if i > 0 {
			if gap := r.Time.Sub(v.store.at(shown[start+i-1]).Time); gap >= msgview.PauseGap {
				groups = append(groups, []string{st.Dim.Render(st.Clip(l.Pause(gap), width))})
			}
		}
		row, ok := drawn[pos]
		if !ok {
			row = m.msgRow(l, r, width)
		}
		v.rows[pos] = row
		groups = append(groups, row)
		last = r
	}
	// Pause rows and wrapped labels' lines take the place of the oldest
	// rows, a record's lines going together: no label's rest is drawn
	// without its row.
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	for len(groups) > 1 && n > rows {
		n -= len(groups[0])
		groups = groups[1:]
	}
	if n > rows {
		// Not even the newest row and its label's rest fit: the row
		// alone, its label cut ("…"). Its last lines were drawn, the
		// label's rest without its row ("stale term held" under empty
		// columns, at 80x24 in a lesson's step mode).
		groups = [][]string{m.msgRowCut(l, last, width)}
	}
	var rowLines []string
	for _, g := range groups {
		rowLines = append(rowLines, g...)
	}
	return append(lines, rowLines[max(0, len(rowLines)-rows):]...)
}

// drawnIDs are the nodes that have a card, in order: the diagram's
// columns. A removed node's column goes when its card goes (removedFor
// after its removal); a message to or from it is then its label alone.
func (m *Model) drawnIDs() []uint64 {
	ids := make([]uint64, len(m.nodes))
	for i, n := range m.nodes {
		ids[i] = n.ID
	}
	return ids
}

// noMessages says why the diagram has no rows.
func (m *Model) noMessages() string {
	s := &m.msgs.store
	switch {
	case m.trace == nil:
		return "(no message trace here)"
	case s.off && len(s.recs) == 0:
		return "(the message trace is off: :trace on)"
	case len(s.recs) == 0:
		return "(no messages yet)"
	}
	return "(no message matches: a heartbeats, k kind, f node)"
}

// minWrapLabel is the fewest cells a label wraps in; in fewer it is cut.
const minWrapLabel = 16

// msgRow draws one record: its time dim, its line and label in the style
// of its kind and fate (lost and discarded ones as errors, held ones
// apart). A label longer than the row has room for goes on below it, on
// lines that carry the node columns on ("3->2 app t16 after 12099@16" /
// "c12099"), so that it is read whole at 80 columns too.
func (m *Model) msgRow(l msgview.Layout, r cluster.MsgRecord, width int) []string {
	st := m.styles
	p := l.Parts(r)
	style := st.Msg(r)
	label := []string{p.Label}
	if full := msgview.Label(r); full != p.Label && l.LabelW >= minWrapLabel {
		label = wrapWords(full, l.LabelW)
	}
	rows := []string{st.Dim.Render(p.Time) + p.Before + style.Render(p.Line) + p.After + style.Render(label[0])}
	for _, more := range label[1:] {
		rows = append(rows, l.Columns()+style.Render(more))
	}
	if l.TimeW+l.Nodes*l.ColW+1+l.LabelW <= width { // the layout fits: no need to measure
		return rows
	}
	for i := range rows {
		rows[i] = st.Clip(rows[i], width)
	}
	return rows
}

// msgRowCut is msgRow on one line, its label cut to the row's room.
func (m *Model) msgRowCut(l msgview.Layout, r cluster.MsgRecord, width int) []string {
	st := m.styles
	p := l.Parts(r)
	style := st.Msg(r)
	return []string{st.Clip(st.Dim.Render(p.Time)+p.Before+style.Render(p.Line)+p.After+style.Render(p.Label), width)}
}

// msgTitle is the diagram's title: what it shows, and when scrolled back
// how many newer rows there are; the longest wording that fits.
func (m *Model) msgTitle(newer, width int) string {
	v := &m.msgs
	what := []string{"every kind"}
	if v.kind != "" {
		what[0] = v.kind
	}
	if v.beats || strings.HasPrefix(v.kind, "heartbeat") {
		what = append(what, "heartbeats")
	} else {
		what = append(what, "no heartbeats")
	}
	if v.byNode {
		what = append(what, fmt.Sprintf("node %d", m.byNodeID()))
	} else {
		what = append(what, "all nodes")
	}
	title := "messages: " + strings.Join(what, ", ")
	if m.msgs.store.off {
		title += " (trace off)"
	}
	var notes []string
	if v.pin >= 0 {
		notes = []string{fmt.Sprintf("  scrolled back, %d newer: end follows the newest", newer),
			fmt.Sprintf("  %d newer: end", newer), "  (end: newest)"}
	} else {
		notes = []string{"  (a heartbeats, k kind, f node; pgup/pgdn scroll)", "  (a, k, f filter)"}
	}
	return fitTitle(m.styles, m.styles.Section, title, notes, width)
}

// fitTitle renders a title in style followed by the first of notes that
// fits width, or the title alone, clipped.
func fitTitle(st Styles, style lipgloss.Style, title string, notes []string, width int) string {
	for _, n := range notes {
		if lipgloss.Width(title+n) <= width {
			return style.Render(title) + n
		}
	}
	return st.Clip(style.Render(title), width)
}
