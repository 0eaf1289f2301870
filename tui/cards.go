package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// Card geometry: every card has the same outer width and the same number of
// text lines inside its border, the most any card needs at that width.
const (
	minCardWidth = 16
	maxCardWidth = 30
	timerCells   = 8
)

// cardGeom is how the cards are laid out: how many are in each row (the
// rows differ by at most one card), each card's outer width, and the text
// lines inside each.
type cardGeom struct {
	rows  []int
	width int
	lines int
}

// height is the number of screen lines the card rows take.
func (g cardGeom) height() int { return len(g.rows) * (g.lines + 2) }

// cardLayout chooses the card rows for width columns: among the row counts
// that fit (from the fewest), the one that takes the fewest lines, since a
// narrower card may need more lines to show every number whole. Its cards
// keep the lines they have held (cardLines); bareLayout's do not.
func (m *Model) cardLayout(width int) cardGeom {
	c := m.cardMemo()
	g, ok := c.geoms[width]
	if !ok {
		g = cardLayoutBy(len(m.nodes), width, m.cardLines)
		c.geoms[width] = g
	}
	return g
}

// bareLayout is cardLayout with the lines the cards need now (bareLines),
// none held from an earlier frame: the card rows the size rule asks room
// for (floorHeight).
func (m *Model) bareLayout(width int) cardGeom {
	c := m.cardMemo()
	g, ok := c.bareGeoms[width]
	if !ok {
		g = cardLayoutBy(len(m.nodes), width, m.bareLines)
		c.bareGeoms[width] = g
	}
	return g
}

// cardMemo is what the cards of one status are made of, worked out once:
// the layout tries several card widths every frame and draws one; and
// the height the dashboard needs at a width, which they decide.
type cardMemo struct {
	blocks [][]block            // each node's pieces below its title
	picked map[int][][][]string // each node's pieces' lines, by inner width
	lines  map[int]int          // the tallest card's text lines, or the lines held, by inner width
	bare   map[int]int          // the tallest card's text lines, by inner width
	bodies map[int][]cardBody   // every card's lines, drawn, by inner width
	geoms  map[int]cardGeom     // the card rows, by terminal width
	// bareGeoms are the card rows of bareLayout, by terminal width.
	bareGeoms map[int]cardGeom
}

// cardMemo returns the cards of this status, working out their pieces the
// first time.
func (m *Model) cardMemo() *cardMemo {
	if m.cards == nil {
		c := &cardMemo{picked: map[int][][][]string{}, lines: map[int]int{}, bare: map[int]int{}, bodies: map[int][]cardBody{}, geoms: map[int]cardGeom{}, bareGeoms: map[int]cardGeom{}}
		for _, n := range m.nodes {
			c.blocks = append(c.blocks, m.cardBlocks(m.status, n))
		}
		m.cards = c
		if shape := cardShape(m.status, m.nodes); shape != m.cardHold.shape {
			m.cardHold = cardHold{shape: shape, lines: map[int]int{}}
		}
	}
	return m.cards
}

// cardHold keeps the card text lines the cards have needed at each inner
// width while the cluster keeps its shape. Under load a number's digits
// change from frame to frame ("c/a/l 6244/=/=" fits a line, "c/a/l
// 6260/=/+1" takes two, and so does a leader's lag list), and a card block
// that followed them would move the lanes and the events below it up and
// down at every frame; held, it grows to the tallest and stays there.
// Held lines are drawn only where they fit (cardsAt): the size the
// dashboard asks for is that of the cards as they are now (floorHeight).
// (Asked for too, a line that a lag list had wrapped onto for one frame
// kept 6 nodes under load at 80x24, where they drew, at "needs at least
// 80x26" for good, and a fresh 9 nodes at 80x28 at "80x30": the leader's
// first card, held.)
type cardHold struct {
	shape string      // cardShape of the statuses held
	lines map[int]int // the most text lines a card has needed, by inner width
}

// cardShape is what the cards' height may follow: the nodes drawn, each
// one's state, role, partition group, whether it is frozen and whether it
// shows an error. A crash, an election or a
// partition changes what the cards show, so their height is worked out
// afresh; numbers changing under load do not.
func cardShape(st cluster.Status, nodes []cluster.NodeStatus) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "%d %s %s %s %s %t %t;", n.ID, n.State, n.Role, memberRole(st, n), groupName(st, n.ID), n.Frozen, n.Err != "")
	}
	return b.String()
}

// cardLayoutBy is cardLayout for n cards whose text needs lines(inner)
// lines at inner width.
func cardLayoutBy(n, width int, lines func(inner int) int) cardGeom {
	if n == 0 {
		return cardGeom{}
	}
	maxPerRow := max(1, min(n, width/minCardWidth))
	var best cardGeom
	for rows := (n + maxPerRow - 1) / maxPerRow; rows <= n; rows++ {
		perRow := (n + rows - 1) / rows
		if (n+perRow-1)/perRow != rows {
			continue // the same rows as a count already tried
		}
		if best.rows != nil && rows*(3+2) >= best.height() {
			break // no card is shorter than three lines
		}
		w := max(minCardWidth, min(maxCardWidth, width/perRow))
		g := cardGeom{rows: balancedRows(n, rows), width: w, lines: lines(w - 2)}
		if best.rows == nil || g.height() < best.height() {
			best = g
		}
	}
	return best
}

// balancedRows splits n cards into rows that differ by at most one card,
// the fuller rows first.
func balancedRows(n, rows int) []int {
	out := make([]int, rows)
	for i := range out {
		out[i] = n / rows
		if i < n%rows {
			out[i]++
		}
	}
	return out
}

// cardLines is the number of text lines the tallest card of this status
// needs at inner width (bareLines), or, when more, the most the cards have
// needed there since the cluster took its shape (cardHold).
func (m *Model) cardLines(inner int) int {
	c := m.cardMemo()
	if l, ok := c.lines[inner]; ok {
		return l
	}
	lines := max(m.bareLines(inner), m.cardHold.lines[inner])
	m.cardHold.lines[inner] = lines
	c.lines[inner] = lines
	return lines
}

// bareLines is the number of text lines the tallest card of this status
// needs at inner width.
func (m *Model) bareLines(inner int) int {
	c := m.cardMemo()
	if l, ok := c.bare[inner]; ok {
		return l
	}
	lines := 1
	for _, node := range m.picks(inner) {
		l := 1 // the title
		for _, b := range node {
			l += len(b)
		}
		lines = max(lines, l)
	}
	c.bare[inner] = lines
	return lines
}

// picks returns the lines each piece of each card takes at inner width.
func (m *Model) picks(inner int) [][][]string {
	c := m.cardMemo()
	if p, ok := c.picked[inner]; ok {
		return p
	}
	p := make([][][]string, len(c.blocks))
	for i, blocks := range c.blocks {
		for _, b := range blocks {
			p[i] = append(p[i], b.pick(inner))
		}
	}
	c.picked[inner] = p
	return p
}

// cardBody is a card's lines below its title, styled, and their widths;
// the last bottom of them (its why-line and its state) are kept at the
// bottom of the card.
type cardBody struct {
	lines  []string
	widths []int
	bottom int
}

// cardBodies returns every card's lines below its title at inner width,
// drawn; they are kept until the status changes.
func (m *Model) cardBodies(inner int) []cardBody {
	c := m.cardMemo()
	if b, ok := c.bodies[inner]; ok {
		return b
	}
	bodies := make([]cardBody, len(c.blocks))
	picks := m.picks(inner)
	for i, blocks := range c.blocks {
		for j, b := range blocks {
			ls := picks[i][j]
			for _, l := range ls {
				bodies[i].lines = append(bodies[i].lines, b.style.Render(l))
				bodies[i].widths = append(bodies[i].widths, lipgloss.Width(l))
			}
			if j >= len(blocks)-bottomBlocks {
				bodies[i].bottom += len(ls)
			}
		}
	}
	c.bodies[inner] = bodies
	return bodies
}

// viewCards renders the card rows of g.
func (m *Model) viewCards(g cardGeom) []string {
	if len(g.rows) == 0 { // no node drawn
		return nil
	}
	inner := g.width - 2
	bodies := m.cardBodies(inner)
	var edges [2][2]string // of a card and of the selected card
	edges[0][0], edges[0][1] = m.styles.Card.Edges(inner)
	edges[1][0], edges[1][1] = m.styles.CardSelected.Edges(inner)
	var out []string
	i := 0
	for _, k := range g.rows {
		row := make([]string, g.lines+2)
		for j := i; j < i+k; j++ {
			for l, s := range m.viewCard(m.nodes[j], bodies[j], g, edges) {
				row[l] += s
			}
		}
		i += k
		out = append(out, row...)
	}
	return out
}

// viewCard renders node n's card as lines: its title, its body, and the
// why-line and state (the body's last) at the bottom, in its border.
func (m *Model) viewCard(n cluster.NodeStatus, body cardBody, g cardGeom, edges [2][2]string) []string {
	inner := g.width - 2
	title := m.cardTitle(n, inner)
	// Blank lines go above the why-line and the state, which stay at the
	// bottom, so that those of a row line up.
	blank := max(0, g.lines-1-len(body.lines))
	at := 1 + len(body.lines) - body.bottom
	lines := make([]string, 0, g.lines)
	widths := make([]int, 0, g.lines)
	lines = append(append(append(append(lines, title), body.lines[:at-1]...), make([]string, blank)...), body.lines[at-1:]...)
	widths = append(append(append(append(widths, inner), body.widths[:at-1]...), make([]int, blank)...), body.widths[at-1:]...)
	switch {
	case n.ID == m.sel && m.selGone == 0:
		return m.styles.CardSelected.Draw(lines, widths, inner, edges[1][0], edges[1][1])
	case n.State == cluster.StateRemoved: // greyed, border too
		top, bottom := m.styles.CardGone.Edges(inner)
		return m.styles.CardGone.Draw(lines, widths, inner, top, bottom)
	}
	return m.styles.Card.Draw(lines, widths, inner, edges[0][0], edges[0][1])
}

// block is one piece of a card: its renderings, most complete first, each
// one or more lines of plain text; the first whose lines all fit is drawn,
// or else the last one wrapped by words (wrapWords: a number and its unit,
// "2.1 s", stay together). Renderings that take more lines come after
// those that take fewer, so a wider card never needs more lines.
type block struct {
	alts     [][]string
	style    lipgloss.Style
	maxLines int                      // when not 0, lines past it are dropped and … ends the last
	orWrap   string                   // wrapped instead of the last rendering when that takes no more lines
	wrap     func(width int) []string // when set, what is drawn when no rendering fits
}

// one is a block of one rendering.
func one(style lipgloss.Style, lines ...string) block {
	return block{alts: [][]string{lines}, style: style}
}

// pick returns the lines of b for width cells: the first rendering that
// fits, or the last one wrapped by words.
func (b block) pick(width int) []string {
	for _, alt := range b.alts {
		fits := true
		for _, l := range alt {
			fits = fits && lipgloss.Width(l) <= width
		}
		if fits {
			return alt
		}
	}
	if b.wrap != nil {
		return b.wrap(width)
	}
	var out []string
	for _, l := range b.alts[len(b.alts)-1] {
		out = append(out, wrapWords(l, width)...)
	}
	if b.orWrap != "" {
		if alt := wrapWords(b.orWrap, width); len(alt) <= len(out) {
			out = alt
		}
	}
	if b.maxLines > 0 && len(out) > b.maxLines {
		out = out[:b.maxLines]
		last, _ := splitAt(out[len(out)-1], width-1)
		out[len(out)-1] = last + "…"
	}
	return out
}

// cardTitle is "▸3 FOLLOWER" with the heartbeat pulse at the right, inner
// cells wide; PRE-CANDIDATE is shortened to PRE-CAND on a narrow card. A
// follower that is not a voter is a LEARNER, JOINING or LEAVING
// (memberRole). A paused node's title keeps the role it was paused in
// where the card has room: "PAUSED LEADER".
func (m *Model) cardTitle(n cluster.NodeStatus, inner int) string {
	st := m.styles
	role := memberRole(m.status, n)
	name := strings.ToUpper(clean(role))
	id := fmt.Sprint(n.ID)
	room := inner - len(id) - 4 // the mark, a space, a space and the pulse
	if lipgloss.Width(name) > room && role == "pre-candidate" {
		name = "PRE-CAND"
	}
	if role == "paused" && n.Role != "" {
		// The role it had when paused, which it still believes it has
		// (a paused leader thinks it leads), where it fits.
		for _, was := range []string{n.Role, strings.Replace(n.Role, "pre-candidate", "pre-cand", 1)} {
			if full := name + " " + strings.ToUpper(clean(was)); lipgloss.Width(full) <= room {
				name = full
				break
			}
		}
	}
	name, _ = splitAt(name, room)
	mark := " "
	if n.ID == m.sel && m.selGone == 0 { // no node is selected while selGone is set
		mark = "▸"
	}
	pulse := " "
	if m.pulse(n) {
		pulse = st.Role("leader").Render("♥")
	}
	gap := max(1, room+1-lipgloss.Width(name))
	return mark + id + " " + st.Role(role).Render(name) + strings.Repeat(" ", gap) + pulse
}

// bottomBlocks is how many of a card's last blocks are kept at its
// bottom: its why-line and its state.
const bottomBlocks = 2

// cardBlocks returns the pieces of node n's card below its title, in
// status st: what it is (term, indexes, timer or lag, leader; a learner's
// catch-up instead of the timer it never acts on; a leader's transfer;
// its disk when that is not plain (diskBlock); whether it is out of the
// configuration), then at the bottom its situation in a few words
// (cluster.Why) and its state. A removed node's card is greyed
// (removedBlocks).
func (m *Model) cardBlocks(st cluster.Status, n cluster.NodeStatus) []block {
	s := m.styles
	if n.State == cluster.StateRemoved {
		return m.removedBlocks(n)
	}
	var bs []block
	down := n.State == cluster.StateCrashed || n.State == cluster.StateFailed
	if n.Err != "" {
		bs = append(bs, errBlock(clean(n.Err), s.Error))
	}
	switch role := memberRole(st, n); {
	case down && n.AsOf.IsZero():
		if n.Err == "" {
			bs = append(bs, one(s.Dim, "no status yet"))
		}
	case down:
		asOf := "as of crash"
		switch {
		case n.State == cluster.StateFailed:
			asOf = "as of failure"
		case n.PowerLost:
			asOf = "as of power cut"
		}
		bs = append(bs, block{alts: [][]string{{asOf + " " + n.AsOf.Format("15:04:05")}, {asOf}}, style: s.Dim},
			termBlock(n, s.Dim), indexBlock(n, s.Dim))
	case n.Role == "leader":
		bs = append(bs, termBlock(n, s.plain), indexBlock(n, s.plain), lagBlock(n, s.plain))
		if n.Transferee != 0 {
			bs = append(bs, transferBlock(n, s.Bold))
		}
	case role == "learner":
		bs = append(bs, termBlock(n, s.plain), indexBlock(n, s.plain), catchUpBlock(st, n, s.plain), leaderBlock(n, s.plain))
	case role == "joining":
		bs = append(bs, termBlock(n, s.plain), indexBlock(n, s.plain), one(s.plain, "no config yet"), leaderBlock(n, s.plain))
	default:
		bs = append(bs, termBlock(n, s.plain), indexBlock(n, s.plain), timerBlock(n, s.plain), leaderBlock(n, s.plain))
	}
	if b, ok := diskBlock(n, s); ok {
		bs = append(bs, b)
	}
	if note := memberNote(st, n); note != "" {
		bs = append(bs, one(s.Bold, note))
	}
	return append(bs, whyBlock(st, n, s.Why), stateBlock(st, n, s.Dim))
}

// whyBlock is the card's why-line: the node's situation in a few words,
// as cluster.Why says it ("waiting: 2 of 3 votes", "behind by 30:
// replicate"), wrapped by words on a narrow card, never cut (wrapWhy).
func whyBlock(st cluster.Status, n cluster.NodeStatus, style lipgloss.Style) block {
	why := clean(cluster.Why(st, n.ID))
	if why == "" {
		why = "-"
	}
	return block{alts: [][]string{{why}}, style: style, wrap: func(width int) []string { return wrapWhy(why, width) }}
}

// wrapWhy wraps a why-line that does not fit a card's line onto as few
// lines as wrapWords would, but reading better: after its colon when that
// takes no more lines ("behind by 30:" / "replicate" rather than
// "behind by 30: replicate" cut before its last word), and with lines of
// even length rather than a last word alone ("commit waits:" / "1 entry").
func wrapWhy(s string, width int) []string {
	greedy := wrapWords(s, width)
	if head, tail, ok := strings.Cut(s, ": "); ok && lipgloss.Width(head)+1 <= width {
		if lines := append([]string{head + ":"}, balanced(tail, width)...); len(lines) <= len(greedy) {
			return lines
		}
	}
	return balanced(s, width)
}

// balanced wraps s onto the lines wrapWords takes at width, each as short
// as that allows: the narrowest width, no narrower than its longest word,
// that takes no more lines (found by bisection: narrower takes as many
// lines or more).
func balanced(s string, width int) []string {
	lines := wrapWords(s, width)
	if len(lines) < 2 {
		return lines
	}
	lo := 1 // the longest word: no narrower, or words would be split
	for _, w := range glueUnits(strings.Fields(s)) {
		lo = max(lo, lipgloss.Width(w))
	}
	hi := width // takes len(lines) lines
	for lo < hi {
		mid := (lo + hi) / 2
		if len(wrapWords(s, mid)) <= len(lines) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return wrapWords(s, hi)
}

// stateBlock is a card's last piece: the node's state ("frozen" for a node
// of a frozen cluster), its partition group and, while the cluster is
// frozen, how many messages it holds, on one line or, when they do not
// fit, on more. A node that is down holds nothing (what it held died with
// it), and its status keeps the Frozen it last published: its card said
// "crashed · held 0" after the thaw.
func stateBlock(st cluster.Status, n cluster.NodeStatus, style lipgloss.Style) block {
	parts := []string{n.StateText()}
	if n.Frozen && n.State == cluster.StateUp {
		parts[0] = "frozen"
	}
	if g := groupName(st, n.ID); g != "" {
		parts = append(parts, "group "+g)
	}
	if (st.Frozen && n.Frozen && !down(n)) || len(n.Held) > 0 {
		parts = append(parts, fmt.Sprintf("held %d", len(n.Held)))
	}
	b := block{alts: [][]string{{strings.Join(parts, " · ")}}, style: style}
	if len(parts) == 3 {
		b.alts = append(b.alts, []string{parts[0] + " · " + parts[1], parts[2]}, []string{parts[0], parts[1] + " · " + parts[2]})
	}
	if len(parts) > 1 {
		b.alts = append(b.alts, parts)
	}
	return b
}

// errBlock shows an error in at most two lines; the detail view has it all.
func errBlock(err string, style lipgloss.Style) block {
	return block{alts: [][]string{{err}}, style: style, maxLines: 2}
}

// termBlock shows term and vote, and the newest snapshot's index and term,
// on as few lines as fit.
func termBlock(n cluster.NodeStatus, style lipgloss.Style) block {
	term, vote := fmt.Sprintf("term %d", n.Term), "vote "+idOrDash(n.Vote)
	tv := [][]string{{term + " " + vote}, {term, vote}}
	if n.SnapshotIndex == 0 {
		return block{alts: tv, style: style}
	}
	at := fmt.Sprintf("%d·t%d", n.SnapshotIndex, n.SnapshotTerm)
	snap := [][]string{{"snap " + at}, {"snap", at}}
	b := block{alts: [][]string{{tv[0][0] + " " + snap[0][0]}}, style: style}
	for lines := 2; lines <= 4; lines++ { // fewer lines first
		for _, t := range tv {
			for _, s := range snap {
				if len(t)+len(s) == lines {
					b.alts = append(b.alts, append(append([]string{}, t...), s...))
				}
			}
		}
	}
	return b
}

// indexBlock shows commit / applied / last index: in full, or applied and
// last relative to the commit ("c/a/l 1200/=/+3": applied 1200, last
// 1203), or over more lines.
func indexBlock(n cluster.NodeStatus, style lipgloss.Style) block {
	c, a, l := n.Commit, n.Applied, n.LastIndex
	full := fmt.Sprintf("c/a/l %d/%d/%d", c, a, l)
	b := block{alts: [][]string{{full}}, style: style}
	if rel := fmt.Sprintf("c/a/l %d/%s/%s", c, relTo(a, c), relTo(l, c)); len(rel) < len(full) {
		b.alts = append(b.alts, []string{rel})
	}
	b.alts = append(b.alts,
		[]string{fmt.Sprintf("commit %d", c), fmt.Sprintf("a/l %d/%d", a, l)},
		[]string{fmt.Sprintf("commit %d", c), fmt.Sprintf("applied %d", a), fmt.Sprintf("last %d", l)})
	return b
}

// relTo writes v relative to base: "=", "+3" or "-2".
func relTo(v, base uint64) string {
	switch {
	case v == base:
		return "="
	case v > base:
		return fmt.Sprintf("+%d", v-base)
	}
	return fmt.Sprintf("-%d", base-v)
}

// timerBlock draws the election timer draining, with the time left and the
// randomized timeout it drains from ("1.2/1.7s"): full when just reset,
// empty when the node is about to start an election. A heartbeat refills
// it (the ♥ lights); a new timeout, drawn for a new term or role, shows as
// a new total.
func timerBlock(n cluster.NodeStatus, style lipgloss.Style) block {
	switch {
	case n.State == cluster.StatePaused:
		return one(style, "timer paused")
	case n.ElectionTimeout <= 0:
		return one(style, "timer -")
	}
	left := max(0, n.ElectionTimeout-n.ElectionElapsed)
	text := leftOf(left, n.ElectionTimeout)
	bar := func(cells int) string {
		full := min(cells, int((left*time.Duration(cells)+n.ElectionTimeout/2)/n.ElectionTimeout))
		return "⏱" + strings.Repeat("█", full) + strings.Repeat("░", cells-full)
	}
	return block{alts: [][]string{{bar(timerCells) + " " + text}, {bar(timerCells/2) + " " + text}, {bar(timerCells), text}}, style: style}
}

// leftOf formats the time left of a timeout: "1.2/1.7s", or in
// milliseconds below a second: "12/25ms".
func leftOf(left, timeout time.Duration) string {
	if timeout < time.Second {
		return fmt.Sprintf("%d/%dms", left.Round(time.Millisecond).Milliseconds(), timeout.Round(time.Millisecond).Milliseconds())
	}
	// Rounded as durations are (half away from zero): 850 ms is 0.9 s, as
	// "times out in 850 ms" beside it would lead one to expect (%.1f of
	// 0.85 gives 0.8: the float is just below it).
	return fmt.Sprintf("%.1f/%.1fs", left.Round(100*time.Millisecond).Seconds(), timeout.Round(100*time.Millisecond).Seconds())
}

// leaderBlock names the leader a follower knows, and a snapshot arriving
// from it with its progress.
func leaderBlock(n cluster.NodeStatus, style lipgloss.Style) block {
	l := "leader " + idOrDash(n.Leader)
	in := n.Links[n.Leader]
	if in.SnapshotRecvTotal == 0 {
		return one(style, l)
	}
	snap := "⇠snap " + percent(in.SnapshotBytesRecv, in.SnapshotRecvTotal)
	return block{alts: [][]string{{l + " " + snap}, {l, snap}}, style: style}
}

// percent formats part of total as "45%" ("?" when the total is unknown).
func percent(part, total uint64) string {
	if total == 0 {
		return "?"
	}
	return fmt.Sprintf("%d%%", part*100/total)
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
