package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
	"raftplay/msgview"
)

// The link matrix (x): a row per sender, a column per receiver; each cell
// the messages per second sent on that directed link over the last
// rateWindow and the fault in force on it (msgview draws the cells, as it
// draws the diagram). The arrows move the selected cell; c cuts or heals
// that one link, d cycles its drop percentage and y its delay, each as a
// command line (`cut F T`, `heal F T`, `drop P F T`, `delay D F T`), so a
// one-way partition is a few keys.

// rateWindow is how far back the matrix counts messages.
const rateWindow = 2 * time.Second

// linkView is the link matrix's state: its selected cell. Its row is the
// selected node: moving the cell selects its sender, selecting a node
// moves the cell to its row.
type linkView struct{ from, to uint64 }

// The matrix has a row and a column for each node drawn (ids, in order):
// a removed node's went on being drawn, its cells 0/s (an audit).

// follow moves the cell to node sel's row, keeping its column, or, when
// that column is sel's own (no link from a node to itself), the next.
func (v *linkView) follow(sel uint64, ids []uint64) {
	if v.from != sel {
		v.from = sel
		if v.to == sel && len(ids) > 1 {
			v.to = ids[(slices.Index(ids, sel)+1)%len(ids)]
		}
	}
}

// clamp keeps the selected cell on the nodes ids, off the diagonal.
func (v *linkView) clamp(ids []uint64) {
	if len(ids) == 0 {
		return
	}
	if !slices.Contains(ids, v.from) {
		v.from = ids[0]
	}
	if !slices.Contains(ids, v.to) || (v.to == v.from && len(ids) > 1) {
		v.to = ids[(slices.Index(ids, v.from)+1)%len(ids)]
	}
}

// move moves the cell by rows and columns among ids, wrapping around, and
// over the diagonal: a node has no link to itself, and on its cell c, d
// and y did nothing (a learner's → d d "did nothing").
func (v *linkView) move(ids []uint64, rows, cols int) {
	n := len(ids)
	if n < 1 {
		return
	}
	wrap := func(id uint64, by int) uint64 { return ids[((slices.Index(ids, id)+by)%n+n)%n] }
	v.from, v.to = wrap(v.from, rows), wrap(v.to, cols)
	if v.from == v.to && n > 1 {
		v.from, v.to = wrap(v.from, rows), wrap(v.to, cols)
	}
}

// linkFault is the fault in force on the selected link.
func (m *Model) linkFault() msgview.LinkFault {
	return msgview.FaultOn(m.status.Faults, m.links.from, m.links.to)
}

// linkKeys says what the matrix's keys would ask for on the selected cell.
func (m *Model) linkKeys() linkKeys {
	v := m.links
	k := linkKeys{from: v.from, to: v.to, ok: v.from != v.to && v.from > 0}
	own := m.linkFault().Own
	k.cut = own.Cut
	k.drop = fmt.Sprintf("%g%%", nextDrop(own.DropPct))
	k.delay = nextDelay(own.Delay).String()
	return k
}

// linksKey handles the matrix's keys and reports whether msg was one.
func (m *Model) linksKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := &m.keys
	v := &m.links
	nodes := m.drawnIDs()
	from, to := v.from, v.to
	own := m.linkFault().Own
	switch {
	case key.Matches(msg, k.CellUp):
		v.move(nodes, -1, 0)
	case key.Matches(msg, k.CellDown):
		v.move(nodes, 1, 0)
	case key.Matches(msg, k.CellLeft):
		v.move(nodes, 0, -1)
	case key.Matches(msg, k.CellRight):
		v.move(nodes, 0, 1)
	case key.Matches(msg, k.Cut):
		lines := cutLines(own, from, to)
		own.Cut = !own.Cut
		return m.runExpect(ownRule(from, to, own), lines...), true
	case key.Matches(msg, k.Drop):
		own.DropPct = nextDrop(own.DropPct)
		return m.runExpect(ownRule(from, to, own), fmt.Sprintf("drop %g %d %d", own.DropPct, from, to)), true
	case key.Matches(msg, k.Delay):
		own.Delay, own.Jitter = nextDelay(own.Delay), 0
		return m.runExpect(ownRule(from, to, own), fmt.Sprintf("delay %v %d %d", own.Delay, from, to)), true
	default:
		return nil, false
	}
	m.sel, m.selGone = v.from, 0 // the cell's row is the selected node
	return nil, true
}

// viewLinks renders the link matrix in height lines: its title, the
// column header, a row per sender, the selected link in words and, when
// there is room, what the cells' abbreviations mean.
func (m *Model) viewLinks(width, height int) []string {
	st := m.styles
	ids := m.drawnIDs()
	recs := m.msgs.store.recs
	rates := msgview.LinkRates(recs, len(m.status.Nodes), m.now, rateWindow)
	l := msgview.NewMatrixLayoutOf(ids, width)
	title := fmt.Sprintf("links: messages sent per second over the last %v, and faults", rateWindow)
	notes := []string{"  (rows send, columns receive; ↑↓←→ pick a link)", "  (rows send, columns receive)"}
	out := []string{fitTitle(st, st.Section, title, notes, width), st.Dim.Render(st.Clip(l.Header(), width))}
	for _, from := range ids {
		var b strings.Builder
		label := l.RowLabel(from)
		if from == m.links.from {
			label = st.Bold.Render("▸" + label[1:])
		}
		b.WriteString(label)
		for i, to := range ids {
			b.WriteString(m.linkCell(l, rates, from, to, i == len(ids)-1))
		}
		out = append(out, st.Clip(b.String(), width))
	}
	out = append(out, st.Clip(m.linkInfo(rates), width))
	if m.trace == nil || (m.msgs.store.off && len(recs) == 0) {
		out = append(out, st.Dim.Render(st.Clip("(no message trace: rates show 0; :trace on)", width)))
	}
	for _, line := range wrapWords(linkLegend, width) {
		out = append(out, st.Dim.Render(line))
	}
	return out[:min(len(out), height)]
}

// linkLegend says what the cells' abbreviations mean.
const linkLegend = "part = cut by the partition (h heals it); cut = a cut rule; drop 50% (d50% when narrow) = drop 50%; delay 100ms (+100ms) = delay; · = a node to itself"

// linkCell draws one cell: the selected one reversed, a blocked link as an
// error, another fault as a fault, an idle link dim.
func (m *Model) linkCell(l msgview.MatrixLayout, rates [][]float64, from, to uint64, last bool) string {
	st := m.styles
	selected := from == m.links.from && to == m.links.to
	text := l.CellText(rates, m.status.Faults, from, to)
	if selected { // in brackets, which show without colour too
		text = "[" + msgview.CellText(rateOf(rates, from, to), msgview.FaultOn(m.status.Faults, from, to), l.CellW-3) + "]"
		if from == to {
			text = "[·]"
		}
	}
	pad := strings.Repeat(" ", max(0, l.CellW-1-len([]rune(text))))
	gap := " "
	if last && !selected { // no blanks at the end of the line
		pad, gap = "", ""
	}
	f := msgview.FaultOn(m.status.Faults, from, to)
	style := st.plain
	switch {
	case selected:
		style = st.Focused
	case from == to:
		style = st.Dim
	case f.Blocked():
		style = st.Error
	case !f.None():
		style = st.Fault
	case rateOf(rates, from, to) == 0:
		style = st.Dim
	}
	return style.Render(text+pad) + gap
}

// rateOf is the rate of link from -> to in rates (0 outside it).
func rateOf(rates [][]float64, from, to uint64) float64 {
	if int(from) < len(rates) && int(to) < len(rates[from]) {
		return rates[from][to]
	}
	return 0
}

// linkInfo describes the selected link in words: "3->1: cut; 0/s sent,
// 12 lost in the last 2s".
func (m *Model) linkInfo(rates [][]float64) string {
	v := m.links
	if v.from == v.to {
		return fmt.Sprintf("%d->%d: a node sends nothing to itself", v.from, v.to)
	}
	f := m.linkFault()
	what := f.Words()
	if what == "" {
		what = "no fault"
	}
	lost := 0
	recs := m.msgs.store.recs
	since := m.now.Add(-rateWindow)
	for i := len(recs) - 1; i >= 0 && !recs[i].Time.Before(since); i-- {
		if r := recs[i]; r.Event == cluster.MsgLost && r.From == v.from && r.To == v.to {
			lost++
		}
	}
	return fmt.Sprintf("%d->%d: %s; %s sent, %d lost in the last %v", v.from, v.to, what,
		msgview.RateText(rateOf(rates, v.from, v.to)), lost, rateWindow)
}
