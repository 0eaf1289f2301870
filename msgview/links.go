package msgview

import (
	"fmt"
	"strings"
	"time"

	"raftplay/transport"
)

// The link matrix: one row per sender, one column per receiver, each cell
// the messages per second on that directed link (LinkRates) and the fault
// in force on it.

// LinkFault is the fault in force on one directed link: what the
// partition, the link's own rule and the rule on every link add up to, as
// the transport applies them.
type LinkFault struct {
	Partitioned bool           // the partition cuts it (heal removes that)
	Cut         bool           // a cut rule, its own or every link's
	Own         transport.Rule // the link's own rule: what `heal FROM TO` clears
	DropPct     float64        // the larger of its own drop and every link's
	Delay       time.Duration  // its own delay, or every link's when it has none
	Jitter      time.Duration
}

// FaultOn returns the fault in force on from -> to under ft.
func FaultOn(ft transport.FaultTable, from, to uint64) LinkFault {
	var f LinkFault
	for _, l := range ft.Links {
		if l.From == from && l.To == to {
			f.Own = l.Rule
		}
	}
	r, partitioned := ft.On(from, to)
	f.Partitioned, f.Cut, f.DropPct, f.Delay, f.Jitter = partitioned, r.Cut, r.DropPct, r.Delay, r.Jitter
	return f
}

// None reports whether nothing hinders the link.
func (f LinkFault) None() bool {
	return !f.Partitioned && !f.Cut && f.DropPct == 0 && f.Delay == 0 && f.Jitter == 0
}

// Blocked reports whether nothing crosses the link: it is cut, or drops
// every message.
func (f LinkFault) Blocked() bool { return f.Partitioned || f.Cut || f.DropPct >= 100 }

// Words describes the fault in full: "cut by the partition", "cut",
// "drop 50% delay 100ms±20ms"; "" when there is none.
func (f LinkFault) Words() string {
	var w []string
	switch {
	case f.Partitioned:
		w = append(w, "cut by the partition")
	case f.Cut:
		w = append(w, "cut")
	}
	if f.DropPct > 0 {
		w = append(w, fmt.Sprintf("drop %g%%", f.DropPct))
	}
	if d := delayText(f.Delay, f.Jitter); d != "" {
		w = append(w, "delay "+d)
	}
	return strings.Join(w, " ")
}

// blocker names what lets nothing cross the link: "cut by the
// partition", "cut" or "drop 100%".
func (f LinkFault) blocker() string {
	switch {
	case f.Partitioned:
		return "cut by the partition"
	case f.Cut:
		return "cut"
	}
	return fmt.Sprintf("drop %g%%", f.DropPct)
}

// Short describes the fault in a few cells: "part", "cut", "d50% +100ms";
// a cut link shows only that it is cut.
func (f LinkFault) Short() string {
	switch {
	case f.Partitioned:
		return "part"
	case f.Cut:
		return "cut"
	}
	var w []string
	if f.DropPct > 0 {
		w = append(w, fmt.Sprintf("d%g%%", f.DropPct))
	}
	if d := delayText(f.Delay, f.Jitter); d != "" {
		w = append(w, "+"+d)
	}
	return strings.Join(w, " ")
}

func delayText(d, jitter time.Duration) string {
	switch {
	case d == 0 && jitter == 0:
		return ""
	case jitter == 0:
		return d.String()
	}
	return fmt.Sprintf("%v±%v", d, jitter)
}

// RateText formats messages per second: "0/s", "0.5/s", "12/s".
func RateText(r float64) string {
	switch {
	case r <= 0:
		return "0/s"
	case r < 10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", r), ".0") + "/s"
	}
	return fmt.Sprintf("%.0f/s", r)
}

// CellText is a cell's text in at most width cells: the rate and the
// fault, in the first of these that fits: "12/s drop 50% delay 100ms",
// "12/s d50% +100ms", "12 d50% +100ms", "d50% +100ms", then cut with "…".
// A link that nothing crosses (cut, or dropping everything) shows only
// its fault: "cut", "cut by the partition", "part", "drop 100%".
func CellText(rate float64, f LinkFault, width int) string {
	r := RateText(rate)
	alts := []string{r, strings.TrimSuffix(r, "/s")}
	switch {
	case f.Blocked(): // nothing is sent on it: what blocks it says all
		alts = []string{f.blocker(), f.Short()}
	case !f.None():
		alts = []string{r + " " + f.Words(), r + " " + f.Short(), strings.TrimSuffix(r, "/s") + " " + f.Short(), f.Short()}
	}
	for _, a := range alts {
		if len([]rune(a)) <= width {
			return a
		}
	}
	return clip(alts[len(alts)-1], width)
}

// MatrixLayout is the geometry of the link matrix: a label before each row
// and one cell per receiver.
type MatrixLayout struct {
	Nodes  int
	IDs    []uint64 // the nodes of the rows and columns, in order
	LabelW int      // "from\to " and the row labels
	CellW  int      // one cell and the space after it
}

// Matrix cells are 6 to 24 cells wide.
const (
	minCellW = 6
	maxCellW = 24
)

// NewMatrixLayout fits the columns of nodes 1..nodes into width.
func NewMatrixLayout(nodes, width int) MatrixLayout {
	ids := make([]uint64, max(nodes, 1))
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	return NewMatrixLayoutOf(ids, width)
}

// NewMatrixLayoutOf fits the columns of the nodes ids into width (the
// dashboard's: the nodes it draws, a removed one left out).
func NewMatrixLayoutOf(ids []uint64, width int) MatrixLayout {
	if len(ids) == 0 {
		ids = []uint64{1}
	}
	l := MatrixLayout{Nodes: len(ids), IDs: ids, LabelW: len(`from\to `)}
	l.CellW = min(max((width-l.LabelW)/l.Nodes, minCellW), maxCellW)
	return l
}

// Width is the width of a line of the matrix.
func (l MatrixLayout) Width() int { return l.LabelW + l.Nodes*l.CellW }

// Header names the columns: "from\to 1     2     3".
func (l MatrixLayout) Header() string {
	var b strings.Builder
	b.WriteString(`from\to `)
	for _, to := range l.IDs {
		fmt.Fprintf(&b, "%-*d", l.CellW, to)
	}
	return strings.TrimRight(b.String(), " ")
}

// RowLabel is the label before the row of sender from: "   3    ".
func (l MatrixLayout) RowLabel(from uint64) string { return fmt.Sprintf(" %-*d", l.LabelW-1, from) }

// Cell is the text of the cell from -> to, padded to CellW cells ("·" on
// the diagonal: a node sends nothing to itself).
func (l MatrixLayout) Cell(rates [][]float64, ft transport.FaultTable, from, to uint64) string {
	return l.pad(l.CellText(rates, ft, from, to))
}

// CellText is the cell's text without padding.
func (l MatrixLayout) CellText(rates [][]float64, ft transport.FaultTable, from, to uint64) string {
	if from == to {
		return "·"
	}
	rate := 0.0
	if int(from) < len(rates) && int(to) < len(rates[from]) {
		rate = rates[from][to]
	}
	return CellText(rate, FaultOn(ft, from, to), l.CellW-1)
}

func (l MatrixLayout) pad(s string) string {
	return s + strings.Repeat(" ", max(0, l.CellW-len([]rune(s))))
}

// Matrix draws the link matrix of nodes nodes in width cells: the header,
// then a row per sender.
func Matrix(rates [][]float64, ft transport.FaultTable, nodes, width int) []string {
	l := NewMatrixLayout(nodes, width)
	out := []string{l.Header()}
	for from := uint64(1); from <= uint64(l.Nodes); from++ {
		var b strings.Builder
		b.WriteString(l.RowLabel(from))
		for to := uint64(1); to <= uint64(l.Nodes); to++ {
			b.WriteString(l.Cell(rates, ft, from, to))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}
