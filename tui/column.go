package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// Under the log lanes, why the lowest uncommitted index is not committed
// yet (or that every entry is), as `explain commit` says it
// (cluster.ExplainCommit): which nodes hold it, how many it needs and what
// keeps each of the others. A column cursor picks another index: < and >
// move it over the lanes (it starts at that lowest uncommitted index),
// the ruler marks it (▼) and its cells are reversed, and the explanation
// under the lanes is then that index's; esc puts it away. The explanation
// takes at most whyLines lines; E runs `explain commit [I]`, whose result
// shows whole.

// whyLines is the most lines the explanation under the lanes takes.
const whyLines = 2

// whyMemo is the explanation under the lanes, worked out once per status
// and column.
type whyMemo struct {
	ok    bool
	col   uint64
	text  string
	width int      // the width lines were drawn for
	most  int      // and the most lines they could take
	lines []string // the explanation as drawn
}

// commitWhy is the explanation of the column the cursor marks, or of the
// lowest uncommitted index.
func (m *Model) commitWhy() string {
	if !m.why.ok || m.why.col != m.col {
		m.why = whyMemo{ok: true, col: m.col, text: clean(cluster.ExplainCommit(m.status, m.col))}
	}
	return m.why.text
}

// whyLabel is what the explanation under the lanes starts with.
func (m *Model) whyLabel() string {
	if m.col != 0 {
		return fmt.Sprintf("column %d:", m.col)
	}
	return "commit:"
}

// viewCommitWhy renders the explanation in at most whyLines lines of
// width cells; a longer one ends with "…" and the key that shows it whole.
func (m *Model) viewCommitWhy(width int) []string { return m.viewCommitWhyIn(width, whyLines) }

// viewCommitWhyIn is viewCommitWhy in at most most lines (fewer than
// whyLines when the region has no room for more: its second line was cut
// off with the region, mid-sentence and with no "…": a learner's report).
func (m *Model) viewCommitWhyIn(width, most int) []string {
	if len(m.status.Nodes) == 0 || most < 1 || width < 1 {
		// Width 0: no size yet, keys typed ahead come before it (a
		// tester's ":seek 60s" typed while a replay loaded panicked here).
		return nil
	}
	most = min(most, whyLines)
	text := m.commitWhy()
	if m.why.lines != nil && m.why.width == width && m.why.most == most {
		return m.why.lines
	}
	st := m.styles
	label := m.whyLabel()
	lines := wrapWords(label+" "+text, width)
	if len(lines) > most {
		const more = " … (E: all of it)"
		lines = lines[:most]
		last, rest := splitAt(lines[most-1], width-lipgloss.Width(more))
		if rest != "" && !strings.HasPrefix(rest, " ") && !strings.HasSuffix(last, " ") {
			// At a word, never inside one: "1 has up to 1 …" of 160
			// read as a number (a new user's report).
			if i := strings.LastIndex(last, " "); i > 0 {
				last = last[:i]
			}
		}
		lines[most-1] = strings.TrimRight(last, " ,;:") + more
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 && strings.HasPrefix(l, label) {
			out[i] = st.Bold.Render(label) + st.Why.Render(l[len(label):])
			continue
		}
		out[i] = st.Why.Render(l)
	}
	m.why.width, m.why.most, m.why.lines = width, most, out
	return out
}

// explainLine is the command E runs: `explain commit` of the column the
// cursor marks, or of the lowest uncommitted index.
func (m *Model) explainLine() string {
	if m.col != 0 {
		return fmt.Sprintf("explain commit %d", m.col)
	}
	return "explain commit"
}

// moveColumn moves the column cursor by one index (< 0: to an older one),
// within the indexes the lanes can show; the first press puts it on the
// lowest uncommitted index (or, when that is not in view, on the newest
// shown). The lanes scroll to keep it in view.
func (m *Model) moveColumn(by int) {
	newest := m.newestIndex()
	if newest == 0 {
		return
	}
	floor := m.oldestKnown()
	lo, hi := m.laneWindow()
	switch {
	case m.col == 0:
		m.col = min(newest, m.status.Commit+1)
		if m.col < lo || m.col > hi {
			m.col = min(hi, newest)
		}
	case by < 0 && m.col > floor:
		m.col--
	case by > 0 && m.col < newest:
		m.col++
	}
	m.col = max(floor, min(newest, m.col))
	m.showColumn()
}

// showColumn scrolls the lanes so the column the cursor marks is in view.
func (m *Model) showColumn() {
	if m.col == 0 {
		return
	}
	lo, hi := m.baseWindow()
	switch {
	case m.col > hi:
		m.laneTop = m.col
	case m.col < lo:
		m.laneTop = m.col + uint64(m.laneWidth()) - 1
	default:
		return
	}
	if m.laneTop >= m.newestIndex() {
		m.laneTop = 0
	}
}
