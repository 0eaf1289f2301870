// Package msgview draws a cluster's message trace as text: a space-time
// diagram, one column per node and one row per message event, and a link
// matrix of messages per second and faults per directed link. `raftplay
// script`'s messages command prints it and the dashboard shows it, from
// the same code.
package msgview

import (
	"fmt"
	"math/bits"
	"strings"
	"time"

	"raftplay/cluster"
)

// Filter says which records a view shows.
type Filter struct {
	Heartbeats bool   // show heartbeats and their answers (off by default: they drown the rest)
	Node       uint64 // only messages from or to this node (0: all)
	Kind       string // only this kind (""): all
}

// Shows reports whether the space-time diagram shows r: a message's end
// (delivered, held, discarded or lost), not its sending, so that each
// message is one row where it ended, passing the filter.
func (f Filter) Shows(r cluster.MsgRecord) bool {
	switch r.Event {
	case cluster.MsgSent, cluster.MsgDelayed:
		return false
	}
	k := r.Kind()
	if !f.Heartbeats && f.Kind != k && (k == "heartbeat" || k == "heartbeat-resp") {
		return false // a kind filter that names heartbeats shows them
	}
	if f.Node != 0 && r.From != f.Node && r.To != f.Node {
		return false
	}
	return f.Kind == "" || k == f.Kind
}

// Select returns the newest n records of recs that f shows, oldest first.
func (f Filter) Select(recs []cluster.MsgRecord, n int) []cluster.MsgRecord {
	var out []cluster.MsgRecord
	for i := len(recs) - 1; i >= 0 && len(out) < n; i-- {
		if f.Shows(recs[i]) {
			out = append(out, recs[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Layout is the geometry of a space-time diagram.
type Layout struct {
	Nodes  int // columns
	ColW   int // cells per node column
	TimeW  int // the time stamp before the columns ("12:00:01.123 ")
	Width  int // the whole line
	LabelW int // what is left for the label after the columns
	// gaps are the nodes below the last column's that have none (bit id
	// set: a node removed from the cluster), so that node id's column is
	// the (id - 1 - gaps below it)th; 0 for columns 1..Nodes.
	gaps uint64
}

// timeW is the width of "15:04:05.000 ".
const timeW = 13

// NewLayout fits the columns of nodes 1..nodes into width: each column 3
// to 8 cells, the label getting at least 24 cells when it can.
func NewLayout(nodes, width int) Layout {
	nodes = max(nodes, 1)
	colW := (width - timeW - 30) / nodes
	colW = min(max(colW, 3), 8)
	l := Layout{Nodes: nodes, ColW: colW, TimeW: timeW, Width: width}
	l.LabelW = max(0, width-timeW-nodes*colW-1)
	return l
}

// NewLayoutOf is NewLayout with a column for each of ids (ascending, each
// at most 63) and none for the others below the last: the nodes a view
// shows, a removed node's column gone. A message to or from a node without
// a column is drawn as its label alone.
func NewLayoutOf(ids []uint64, width int) Layout {
	if len(ids) == 0 {
		return NewLayout(1, width)
	}
	last := ids[len(ids)-1]
	l := NewLayout(int(last), width)
	if last >= 64 || len(ids) == int(last) {
		return l
	}
	l = NewLayout(len(ids), width)
	for id := uint64(1); id < last; id++ {
		l.gaps |= 1 << id
	}
	for _, id := range ids {
		l.gaps &^= 1 << id
	}
	return l
}

// column returns node id's column, from 0, and whether it has one.
func (l Layout) column(id uint64) (int, bool) {
	if id < 1 || id >= 64 || l.gaps&(1<<id) != 0 {
		return 0, false
	}
	c := int(id) - 1 - bits.OnesCount64(l.gaps&(1<<id-1))
	return c, c < l.Nodes
}

// node returns the node of column c (from 0).
func (l Layout) node(c int) uint64 {
	id := uint64(0)
	for n := 0; n <= c; {
		id++
		if l.gaps&(1<<id) == 0 {
			n++
		}
	}
	return id
}

// center is the cell of column c's line, within the columns.
func (l Layout) center(c int) int { return c*l.ColW + l.ColW/2 }

// Header returns the line naming the columns: "time         1   2   3".
func (l Layout) Header() string {
	cells := []rune(strings.Repeat(" ", l.Nodes*l.ColW))
	for c := range l.Nodes {
		label := []rune(fmt.Sprint(l.node(c)))
		copy(cells[l.center(c):], label)
	}
	return fmt.Sprintf("%-*s%s %s", l.TimeW, "time", string(cells), "message")
}

// lines returns the node columns without a message: a │ in each.
func (l Layout) lines() []rune {
	cells := []rune(strings.Repeat(" ", l.Nodes*l.ColW))
	for c := range l.Nodes {
		cells[l.center(c)] = '│'
	}
	return cells
}

// Row draws one record: the node columns as │, a line from the sender's
// column to the receiver's with an arrow head where it arrived (▶ or ◀),
// ◆ where a frozen node holds it, ✗ where it died; then its label.
func (l Layout) Row(r cluster.MsgRecord) string {
	p := l.Parts(r)
	return p.Time + p.Before + p.Line + p.After + p.Label
}

// Parts are the pieces of one row of the diagram, left to right; Row is
// their concatenation. A view that colours the message's line and label
// draws the same row from them.
type Parts struct {
	Time   string // the time stamp, padded to TimeW cells
	Before string // the node columns left of the message's line
	Line   string // the line from one end to the other (●, ─, ▶ ◀ ◆ ✗); "" when the row has none
	After  string // the node columns right of the line, and the space before the label
	Label  string // Label(r), clipped to LabelW cells
}

// Parts returns the pieces of r's row.
func (l Layout) Parts(r cluster.MsgRecord) Parts {
	cells := l.lines()
	lo, hi := len(cells), len(cells) // the line's cells: [lo, hi)
	from, okFrom := l.column(r.From)
	to, okTo := l.column(r.To)
	if okFrom && okTo && from != to {
		a, b := l.center(from), l.center(to)
		step := 1
		if b < a {
			step = -1
		}
		end := b // where the line stops
		head := '▶'
		if step < 0 {
			head = '◀'
		}
		switch {
		case r.Event == cluster.MsgHeld:
			head = '◆'
		case r.Event == cluster.MsgDiscarded:
			head = '✗'
		case r.Event == cluster.MsgLost && diesAtSender(r.Lost):
			end, head = a+step*max(1, l.ColW/2), '✗'
		case r.Event == cluster.MsgLost:
			head = '✗'
		}
		cells[a] = '●'
		for x := a + step; x != end; x += step {
			cells[x] = '─'
		}
		cells[end] = head
		lo, hi = min(a, end), max(a, end)+1
	}
	return Parts{
		Time:   fmt.Sprintf("%-*s", l.TimeW, r.Time.Format("15:04:05.000")),
		Before: string(cells[:lo]),
		Line:   string(cells[lo:hi]),
		After:  string(cells[hi:]) + " ",
		Label:  clip(Label(r), l.LabelW),
	}
}

// Columns is what goes before a label on a line of its own: the time
// column blank and the node columns carrying on, as wide as a row's Time,
// Before, Line and After together. A view that wraps a label too long for
// its row puts the rest below it on such lines.
func (l Layout) Columns() string {
	return strings.Repeat(" ", l.TimeW) + string(l.lines()) + " "
}

// PauseGap is the quiet between two message events after which a view
// may draw a pause row (Layout.Pause) between them, so that bursts, such
// as an election, stand apart.
const PauseGap = 500 * time.Millisecond

// Pause draws a row marking d of quiet between two events: the node
// columns carry on and the time column says how long ("  … 7.8s").
func (l Layout) Pause(d time.Duration) string {
	cells := l.lines()
	if d >= time.Second {
		d = d.Round(100 * time.Millisecond)
	} else {
		d = d.Round(time.Millisecond)
	}
	return strings.TrimRight(fmt.Sprintf("%-*s%s", l.TimeW, "  … "+d.String(), string(cells)), " ")
}

// diesAtSender reports whether a message lost for cause never left its sender.
func diesAtSender(c cluster.LostCause) bool {
	switch c {
	case cluster.LostCut, cluster.LostDrop, cluster.LostQueueFull, cluster.LostUnreachable, cluster.LostNodeDown:
		return true
	}
	return false
}

// Label is a record's text in the diagram: "1->2 vote t4 last 5@2",
// "2->1 vote-resp t4 granted", "1->3 app t3 i41..45 c40 ✗ cut",
// "1->2 heartbeat t3 c40 held".
func Label(r cluster.MsgRecord) string {
	s := fmt.Sprintf("%d->%d %s", r.From, r.To, r.Summary())
	switch r.Event {
	case cluster.MsgHeld:
		s += " held"
	case cluster.MsgDiscarded:
		s += " ✗ discarded"
	case cluster.MsgLost:
		s += " ✗ " + r.Lost.String()
	}
	return s
}

func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	rs := []rune(s)
	if len(rs) <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	return string(rs[:w-1]) + "…"
}

// SpaceTime draws recs (already selected) as a diagram of width cells:
// the header line, then one row per record, with a pause row where more
// than PauseGap passed between two of them, as the dashboard draws it.
func SpaceTime(recs []cluster.MsgRecord, nodes, width int) []string {
	l := NewLayout(nodes, width)
	out := []string{l.Header()}
	for i, r := range recs {
		if i > 0 {
			if gap := r.Time.Sub(recs[i-1].Time); gap > PauseGap {
				out = append(out, l.Pause(gap))
			}
		}
		out = append(out, l.Row(r))
	}
	return out
}

// LinkRates counts, per directed link, the messages sent in the last
// window before now (sent and delayed records), as messages per second.
func LinkRates(recs []cluster.MsgRecord, nodes int, now time.Time, window time.Duration) [][]float64 {
	rates := make([][]float64, nodes+1)
	for i := range rates {
		rates[i] = make([]float64, nodes+1)
	}
	from := now.Add(-window)
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.Time.Before(from) {
			break
		}
		if (r.Event == cluster.MsgSent || r.Event == cluster.MsgDelayed) && int(r.From) <= nodes && int(r.To) <= nodes {
			rates[r.From][r.To]++
		}
	}
	for i := range rates {
		for j := range rates[i] {
			rates[i][j] /= window.Seconds()
		}
	}
	return rates
}
