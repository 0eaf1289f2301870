package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// Lane cells: one per log index, aligned across nodes. Without colour a
// committed cell shows its term's last digit instead of a coloured block.
const (
	cellCommitted   = '█' // committed entry, coloured by its term
	cellUncommitted = '░' // entry not yet known committed
	cellCompacted   = '·' // inside the snapshot
	cellNotHere     = '┄' // in the log, but older than the entries a status describes
	cellNone        = ' ' // past the node's log
	lanePrefix      = 3   // " 2 " before the cells
	minLaneCells    = 8
)

// laneSuffix is what follows node n's cells: " c=1200 l=1203", and its
// state when it is down (its lane is then what it had) or paused (its log
// stands still: "c=1200 l=1203 paused", as a crashed one's says crashed).
func laneSuffix(n cluster.NodeStatus) string {
	if down(n) && n.AsOf.IsZero() { // nothing known of it
		return " " + n.StateText()
	}
	s := fmt.Sprintf(" c=%d l=%d", n.Commit, n.LastIndex)
	if down(n) || n.State == cluster.StatePaused {
		s += " " + n.StateText()
	}
	return s
}

// down reports whether n is crashed, failed or removed: its lane is what
// it had.
func down(n cluster.NodeStatus) bool {
	return n.State == cluster.StateCrashed || n.State == cluster.StateFailed || n.State == cluster.StateRemoved
}

// laneSuffixWidth is the width of the widest suffix: the numbers decide it.
func (m *Model) laneSuffixWidth() int {
	w := 0
	for _, n := range m.nodes {
		w = max(w, len(laneSuffix(n)))
	}
	return w
}

// laneWidth is how many log cells a lane shows.
func (m *Model) laneWidth() int {
	return max(minLaneCells, m.width-lanePrefix-m.laneSuffixWidth())
}

// newestIndex is the newest entry any node has.
func (m *Model) newestIndex() uint64 {
	var hi uint64
	for _, n := range m.nodes {
		hi = max(hi, n.LastIndex)
	}
	return hi
}

// oldestKnown is the oldest index any node's status says anything about:
// 1 when a node has compacted a prefix (its cells there are ·) or holds its
// whole log, else the oldest start of a status window. Before it every lane
// would be ┄.
func (m *Model) oldestKnown() uint64 {
	oldest := uint64(0)
	for _, n := range m.nodes {
		switch {
		case n.LastIndex == 0:
			continue
		case n.SnapshotIndex > 0 || n.FirstIndex > 1 || n.LogStart <= 1:
			return 1
		case oldest == 0 || n.LogStart < oldest:
			oldest = n.LogStart
		}
	}
	return max(1, oldest)
}

// laneWindow returns the indexes the lanes show: baseWindow, moved back
// while it follows the newest entries to keep the column the cursor marks
// in view.
func (m *Model) laneWindow() (lo, hi uint64) {
	lo, hi = m.baseWindow()
	if m.col != 0 && m.col < lo && m.laneTop == 0 {
		hi -= lo - max(m.col, m.oldestKnown())
		lo = max(m.col, m.oldestKnown())
	}
	return lo, hi
}

// baseWindow returns the indexes the lanes show without the cursor: the
// newest entries, or, when scrolled back, the window that ends at laneTop.
// It never starts before index 1 or where nothing is known, nor ends past
// the newest entry of a log longer than it.
func (m *Model) baseWindow() (lo, hi uint64) {
	w := uint64(m.laneWidth())
	newest := m.newestIndex()
	floor := m.oldestKnown()
	if newest < floor+w {
		return max(1, newest+1-min(newest, w)), max(w, newest)
	}
	hi = newest
	if m.laneTop != 0 {
		hi = min(newest, max(floor+w-1, m.laneTop))
	}
	return hi - w + 1, hi
}

// scrollLanes moves the lanes back (by < 0) or forward (by > 0) by by
// entries; reaching the newest entry makes them follow it again. The
// column cursor stays in view, at the edge it would leave by.
func (m *Model) scrollLanes(by int) {
	defer m.keepColumn()
	lo, hi := m.laneWindow()
	floor, newest := m.oldestKnown(), m.newestIndex()
	if by < 0 {
		hi -= min(lo-min(lo, floor), uint64(-by))
	} else {
		hi += uint64(by)
	}
	m.laneTop = hi
	if hi >= newest {
		m.laneTop = 0
	}
}

// keepColumn moves the column cursor into the window the lanes show.
func (m *Model) keepColumn() {
	if m.col != 0 {
		lo, hi := m.baseWindow()
		m.col = max(lo, min(hi, m.col))
	}
}

// viewLanes renders a title, a ruler, one lane per node and under them why
// the lowest uncommitted index (or the column the cursor marks) is or is
// not committed, in at most whyRoom lines. The work is proportional to
// the visible cells, not to the log length.
func (m *Model) viewLanes(width, whyRoom int) []string {
	lo, hi := m.laneWindow()
	st := m.styles
	suffixW := m.laneSuffixWidth()
	fit := width-lanePrefix-suffixW >= minLaneCells // else clip
	lanes := make([]string, 0, len(m.nodes))
	notHere := false
	var b strings.Builder
	for _, n := range m.nodes {
		b.Reset()
		fmt.Fprintf(&b, "%2d ", n.ID)
		cells, nh := m.laneCellsMemo(n, lo, hi)
		b.WriteString(cells)
		notHere = nh || notHere
		sfx := laneSuffix(n)
		b.WriteString(sfx + strings.Repeat(" ", suffixW-len(sfx)))
		lane := strings.TrimRight(b.String(), " ")
		if !fit {
			lane = st.Clip(lane, width)
		}
		lanes = append(lanes, lane)
	}
	lines := []string{m.laneTitle(lo, hi, notHere, width), strings.Repeat(" ", lanePrefix) + ruler(lo, hi, m.col)}
	return append(append(lines, lanes...), m.viewCommitWhyIn(width, whyRoom)...)
}

// laneTitle is "log LO..HI", with how to return when scrolled back and
// what ┄ means when some is shown, in the longest wording that fits.
func (m *Model) laneTitle(lo, hi uint64, notHere bool, width int) string {
	st := m.styles
	log := st.Section.Render(fmt.Sprintf("log %d..%d", lo, hi))
	scrolled := []string{""}
	switch {
	case m.col != 0:
		scrolled = []string{fmt.Sprintf("  column %d (< > move, E explain, esc)", m.col), fmt.Sprintf("  column %d", m.col)}
	case m.laneTop != 0:
		scrolled = []string{"  (scrolled back: ] forward, end newest)", "  (scrolled: ] fwd, end newest)"}
	case m.newestIndex() > 0:
		scrolled = []string{"  (< > pick a column)", ""}
	}
	unknown := []string{""}
	if notHere {
		unknown = []string{fmt.Sprintf("  %c not known here: older than the %d entries a status carries", cellNotHere, cluster.LogWindow),
			fmt.Sprintf("  %c not known here", cellNotHere)}
	}
	var title string
	for _, u := range unknown {
		for _, s := range scrolled {
			title = log + s + u
			if lipgloss.Width(title) <= width {
				return title
			}
		}
	}
	return st.Clip(title, width)
}

// ruler marks every tenth index with its number and the column the
// cursor marks (col, 0: none) with ▼ and its number ("▼247", or "247▼"
// at the right end), keeping the tens' labels off it.
func ruler(lo, hi, col uint64) string {
	buf := []rune(strings.Repeat(" ", int(hi-lo+1)))
	from, to := -1, -1 // the cursor's label, with a blank either side
	if col >= lo && col <= hi {
		label := []rune(fmt.Sprintf("▼%d", col))
		at := int(col - lo)
		if at+len(label) > len(buf) {
			label = []rune(fmt.Sprintf("%d▼", col))
			at -= len(label) - 1
		}
		if at < 0 {
			label, at = []rune("▼"), int(col-lo)
		}
		copy(buf[at:], label)
		from, to = at-1, at+len(label)
	}
	for i := lo; i <= hi; i++ {
		if i%10 != 0 {
			continue
		}
		label := fmt.Sprintf("|%d", i)
		at := int(i - lo)
		if at+len(label) > len(buf) {
			break
		}
		if at <= to && at+len(label)-1 >= from {
			continue // under the cursor's label
		}
		copy(buf[at:], []rune(label))
	}
	return string(buf)
}

// laneKey is everything a lane's cells depend on. A status's LogTerms is
// never changed once published, so its first element's address and its
// length stand for its contents.
type laneKey struct {
	lo, hi, last, commit, snap, first, start, term, col uint64
	terms                                               *uint64
	n                                                   int
	down                                                bool
}

// laneMemo is a lane's cells as last drawn.
type laneMemo struct {
	key     laneKey
	cells   string
	notHere bool
}

// laneCellsMemo returns node n's cells for lo..hi, drawn again only when
// what they show changed (an idle cluster's lanes do not).
func (m *Model) laneCellsMemo(n cluster.NodeStatus, lo, hi uint64) (string, bool) {
	k := laneKey{lo: lo, hi: hi, last: n.LastIndex, commit: n.Commit, snap: n.SnapshotIndex, first: n.FirstIndex,
		start: n.LogStart, term: n.Term, col: m.col, n: len(n.LogTerms), down: down(n)}
	if len(n.LogTerms) > 0 {
		k.terms = &n.LogTerms[0]
	}
	if memo, ok := m.lanes[n.ID]; ok && memo.key == k {
		return memo.cells, memo.notHere
	}
	var b strings.Builder
	notHere := m.laneCells(&b, n, lo, hi)
	if m.lanes == nil {
		m.lanes = map[uint64]laneMemo{}
	}
	m.lanes[n.ID] = laneMemo{key: k, cells: b.String(), notHere: notHere}
	return b.String(), notHere
}

// laneCells writes node n's cells for indexes lo..hi, one styled run per
// stretch of cells that look alike, and reports whether any is not known
// here. A node that is down shows the log it had, faded.
func (m *Model) laneCells(b *strings.Builder, n cluster.NodeStatus, lo, hi uint64) (notHere bool) {
	type look struct {
		r         rune
		term      uint64
		committed bool
		marked    bool // the column the cursor marks
	}
	isDown := down(n)
	lookAt := func(i uint64) look {
		switch {
		case i > n.LastIndex:
			return look{r: cellNone}
		case i <= n.SnapshotIndex || i < n.FirstIndex:
			return look{r: cellCompacted}
		case i < n.LogStart:
			return look{r: cellNotHere}
		}
		t := n.Term // appended since the window was taken: the node's term, most likely
		if k := i - n.LogStart; k < uint64(len(n.LogTerms)) {
			t = n.LogTerms[k]
		}
		if t == 0 {
			return look{r: cellNotHere}
		}
		if i <= n.Commit {
			if m.styles.Mono { // no colour: the term's last digit shows the term
				return look{r: rune('0' + t%10), term: t, committed: true}
			}
			return look{r: cellCommitted, term: t, committed: true}
		}
		return look{r: cellUncommitted, term: t}
	}
	cellAt := func(i uint64) look {
		l := lookAt(i)
		l.marked = i == m.col
		return l
	}
	flush := func(l look, count int) {
		s := strings.Repeat(string(l.r), count)
		style := m.styles.plain
		switch {
		case l.term != 0:
			style = m.styles.TermCell(l.term, l.committed, isDown)
		case l.r == cellNotHere:
			notHere = true
			style = m.styles.NotHere
		case !l.marked:
			b.WriteString(s)
			return
		}
		if l.marked {
			style = m.styles.Mark(style)
		}
		b.WriteString(style.Render(s))
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
	return notHere
}
