package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// The screen, top to bottom: the header, the card rows, a region that shows
// the lanes and the events (or the detail view, or a pager), the last
// command's output, the prompt and the help bar. One function lays it out,
// for drawing and for the size it needs alike.
//
// What must fit is the header, the cards and the bottom lines, as they are
// now; the region takes what is left. The dashboard asks for that plus
// roomMin lines of region (the lanes' title and ruler and a lane, or two
// events), and says what shows the lanes and events whole. Once drawn at a
// size it keeps drawing there while the cards and header fit: when a card
// grows (a node crashes with an error, a leader's lag list lengthens), the
// region gives up its lines rather than the screen flipping to the size
// message. Only when the cards themselves no longer fit does it ask for
// more.

const (
	minWidth = 80
	// shortOutput is the most lines a result takes from the lanes and
	// events rather than go to the pager.
	shortOutput = 3
	eventsMin   = 3 // the events' title and two events
	// roomMin is the region the dashboard asks for beyond what must fit.
	roomMin = 3
	// bottomLines is what is kept below the region: a line of output, the
	// prompt and the help bar.
	bottomLines = 3
)

// screen is how one view divides the terminal.
type screen struct {
	header []string
	cards  cardGeom
	narr   []string  // the narration panel, above the region
	region int       // lines for lanes and events, detail or pager
	pager  pagerKind // what the region shows instead of lanes and events
	out    []string  // the output panel, below the region
	bottom []string  // the prompt and the help bar
}

// lanesHeight is the most lines the lanes take: their title, ruler, one
// lane per node and the explanation under them.
func (m *Model) lanesHeight() int { return len(m.nodes) + 2 + whyLines }

// floorHeight is the lines that must fit at width columns: the header and
// the card rows as they are now, and the bottom lines. The lines the cards
// hold from an earlier frame (cardHold) are not counted: they are drawn
// only where they fit (cardsAt).
func (m *Model) floorHeight(width int) int {
	return len(m.viewHeader(width)) + m.bareLayout(width).height() + bottomLines
}

// cardsAt is the card rows drawn at width x height under a header of
// header lines: those that keep the lines the cards have held (cardLayout)
// where the screen draws with them (drawsAt), else those of the cards as
// they are now (bareLayout).
func (m *Model) cardsAt(width, height, header int) cardGeom {
	held := m.cardLayout(width)
	if m.drawsAt(width, height, header+held.height()+bottomLines) {
		return held
	}
	return m.bareLayout(width)
}

// needHeight is the lines the dashboard asks for at width columns:
// needFor of what must fit. A wider terminal never needs more: its header
// wraps onto no more lines, and the card rows of a narrower one still fit
// it.
func (m *Model) needHeight(width int) int { return m.needFor(m.floorHeight(width)) }

// needFor is the lines the dashboard asks for when floor lines must fit:
// before it has been drawn, roomMin lines of region more (needOver); once
// drawn, floor itself, as drawsAt takes.
func (m *Model) needFor(floor int) int {
	if m.drawn {
		return floor
	}
	return needOver(floor)
}

// needOver is the lines the dashboard asks for over floor, the lines that
// must fit, before it has been drawn: roomMin lines of region more.
func needOver(floor int) int { return floor + roomMin }

// wholeHeight is the lines at width that show the lanes, their
// explanation and two events whole.
func (m *Model) wholeHeight(width int) int {
	return m.floorHeight(width) + m.lanesHeight() + eventsMin
}

// minSize is the size the dashboard asks for when the terminal is smaller:
// the minimum width and the height needed there, whatever the terminal is.
func (m *Model) minSize() (int, int) { return minWidth, m.needHeight(minWidth) }

// fits reports whether the terminal can show the dashboard (drawsAt).
func (m *Model) fits() bool { return m.drawsAt(m.width, m.height, m.floorHeight(m.width)) }

// drawsAt is the one rule of the size the dashboard draws at, given floor,
// the lines that must fit at width: for the screen (fits) and for the add
// key, which asks it of the cluster with one node more (addedFloor), so
// that A is refused exactly when the screen would give way to the size
// message (tooSmall, which names needFor(floor)). It takes at least the
// minimum width and needOver(floor) lines, or, once drawn in this run,
// floor: the lanes and events give up their lines to a card that grew, to
// a card more, or to a smaller window, and after a moment when even the
// floor did not fit, the screen comes back as soon as it does. (Once
// drawn only at the size last drawn at, a window made larger and back lost
// a screen it had been drawing for the size message; and a card that grew
// for a moment during an add at 80x24 turned it into the size message for
// good, asking for 26 lines where 24 had drawn 6 nodes: both found by new
// users.)
func (m *Model) drawsAt(width, height, floor int) bool {
	if width < minWidth {
		return false
	}
	return height >= m.needFor(floor)
}

// layout divides a terminal of the model's size for the current state.
func (m *Model) layout() screen {
	w := m.width
	s := screen{header: m.viewHeader(w)}
	s.cards = m.cardsAt(w, m.height, len(s.header))
	if m.prompt.active {
		s.bottom = append(s.bottom, m.viewPrompt(w))
	}
	s.bottom = append(s.bottom, m.helpBar(w))
	s.region = m.height - len(s.header) - s.cards.height() - len(s.bottom)
	if whole, floor := m.narrationHeight(w); whole > 0 { // the narration's lines come from the region (narrate.go)
		// A narration is what a lesson teaches: cut, it could not be read
		// at all once the lesson went on (at 80x24 lesson 6 showed 2 of
		// its 5 lines). It takes the lines it needs but one, which says
		// what the lanes need (or shows what of them fits).
		n := max(min(floor, s.region), s.region-1)
		if whole <= s.region {
			// Whole, even at the cost of the line under it: cut by one
			// line when step mode's FROZEN line took one, lesson 6's
			// narration lost its last words at 80x24 (a learner).
			n = whole
		}
		s.narr = m.viewNarration(w, min(whole, n))
		s.region -= len(s.narr)
	}
	switch {
	case m.fullHelp:
		s.pager = helpPager
	case m.legend:
		s.pager = legendPager
	case m.output.shown():
		room := s.region - m.lanesHeight() - eventsMin
		if m.region != regionLanes {
			room = s.region - eventsMin
		}
		out := m.outputInline(w)
		if out != nil && len(out) <= min(room, maxOutputLines) {
			s.out = out
			s.region -= len(out)
		} else if out != nil && len(out) <= maxOutputLines && m.region == regionLanes && len(out) <= s.region-m.lanesHeight() {
			// A result that fits beside the lanes (a sentence wrapped on
			// a few lines) takes the events' lines rather than hide the
			// lanes and the events both in the pager.
			s.out = out
			s.region -= len(out)
		} else if out != nil && (len(out) == 1 || (len(out) <= shortOutput && s.region-len(out) >= roomMin)) {
			// A one-line result always fits: the minimum keeps a line for
			// it. A short one (a sentence wrapped under its command) takes
			// lines from the lanes and events, which show what they can:
			// at 80x24 a one-sentence notice took the whole region as a
			// pager, hiding the lanes it was about.
			s.out = out
			s.region -= len(out)
		} else {
			s.pager = outputPager
		}
	}
	return s
}

// View draws the screen, or, below the minimum size, what size it needs.
// Once quitting, it draws nothing: see quit.
func (m *Model) View() string {
	switch {
	case m.quitting:
		return ""
	case m.sized && (m.width == 0 || m.height == 0):
		// A terminal that reports no size (a pty nobody sized: a serial
		// console, some container and CI ptys) showed "starting…" for
		// good, the cluster up and nothing drawn.
		return fmt.Sprintf("This terminal reports its size as %dx%d, so the dashboard cannot lay itself out. Press q to quit, then give the terminal a size (stty rows 40 cols 120) and start again.", m.width, m.height)
	case m.width == 0 || m.height == 0:
		return "starting…"
	case !m.fits():
		return m.tooSmall()
	}
	m.drawn = true
	s := m.layout()
	lines := append(append([]string{}, s.header...), m.viewCards(s.cards)...)
	lines = append(lines, s.narr...)
	var region []string
	switch {
	case s.pager == helpPager:
		region = m.viewPager(&m.helpView, "keys", "? or esc", m.helpLines(m.width), m.width, s.region)
	case s.pager == legendPager:
		region = m.viewPager(&m.legendAt, "legend: every symbol and colour", "L or esc", m.legendLines(m.width), m.width, s.region)
	case s.pager == outputPager:
		region = m.viewOutputPager(m.width, s.region)
	case m.region == regionDetail:
		region = m.viewDetail(m.width, s.region)
	case m.region == regionMessages:
		region = m.viewMessages(m.width, s.region)
	case m.region == regionLinks:
		region = m.viewLinks(m.width, s.region)
	case s.region < 3 && s.region > 0:
		// Not even one lane below the lanes' title and ruler: say so, rather
		// than draw the title alone.
		need := m.laneNeed(s.region)
		region = []string{m.styles.Dim.Render(m.styles.Clip(firstFitting(m.width,
			fmt.Sprintf("no room for the log lanes: %d lines at %d columns show them (enter and m still show a node and the messages)", need, m.width),
			fmt.Sprintf("no room for the log lanes: %d lines at %d columns show them", need, m.width),
			fmt.Sprintf("no room for the log lanes (%d lines show them)", need),
			fmt.Sprintf("lanes need %d lines", need)), m.width))}
	default:
		region = m.viewLanes(m.width, s.region-2-len(m.nodes))
		if s.region >= 3 && s.region < 2+len(m.nodes) { // below 3 nothing is drawn: the region is cut to its height
			region = m.hideLanes(region, s.region)
		}
		region = append(region, m.viewEvents(m.width, s.region-len(region))...)
	}
	region = region[:max(0, min(len(region), s.region))]
	for len(region) < s.region {
		region = append(region, "")
	}
	lines = append(lines, region...)
	lines = append(lines, s.out...)
	lines = append(lines, s.bottom...)
	return strings.Join(lines, "\n")
}

// hideLanes cuts lanes, the lanes' lines as viewLanes draws them, to
// height lines when not every node's lane fits (height is at least 3):
// their title and ruler, the lanes that fit, and a line naming the nodes
// whose lanes are not drawn. Cut like the rest, the lanes of 9 nodes at
// 80x26 ended after node 3 and nothing said 4-9 were there. The selected
// node's lane and the leader's are kept first, the rest in order (lesson
// 5 at 80x24 hid the leader's lane, the one it is about).
func (m *Model) hideLanes(lanes []string, height int) []string {
	shown := height - 3
	keep := make([]bool, len(m.nodes))
	left := shown
	for _, want := range []uint64{m.sel, m.status.Leader} {
		for i, n := range m.nodes {
			if n.ID == want && !keep[i] && left > 0 {
				keep[i], left = true, left-1
			}
		}
	}
	for i := range keep {
		if !keep[i] && left > 0 {
			keep[i], left = true, left-1
		}
	}
	var hidden []uint64
	out := append([]string(nil), lanes[:2]...)
	for i, n := range m.nodes {
		if keep[i] {
			out = append(out, lanes[2+i])
		} else {
			hidden = append(hidden, n.ID)
		}
	}
	what := "lanes " + idRanges(hidden)
	if len(hidden) == 1 {
		what = "lane " + idRanges(hidden)
	}
	note := fmt.Sprintf("%s hidden: make the window taller (%d lines show every lane)", what, m.laneNeed(height))
	return append(out, m.styles.Dim.Render(m.styles.Clip(note, m.width)))
}

// laneNeed is the terminal's height that shows every node's lane, when
// region lines are left for the lanes and events now (the rest taken by
// the header, cards, narration and bottom lines): their title, ruler and
// one line a node. It once counted the lines under the lanes and two
// events too, and the whole screen's floor without a lesson's narration:
// 6 nodes at 80 columns were told 36 lines show their lanes when 30 did,
// and a lesson's number fell as its narration took lines (a new user).
func (m *Model) laneNeed(region int) int { return m.height - region + len(m.nodes) + 2 }

// tooSmall says what size the dashboard needs, laid out for the
// terminal's width: the minimum (at the narrowest width it draws at) and,
// on a terminal wide enough, the lines needed at its width; and the size
// that shows the lanes and events whole.
func (m *Model) tooSmall() string {
	w, h := m.minSize()
	text := fmt.Sprintf("raftplay needs at least %dx%d for %s", w, h, plural(len(m.nodes), "node"))
	at := max(w, m.width)
	if m.width > w {
		if need := m.needHeight(m.width); need < h {
			text += fmt.Sprintf(", or %d lines at this terminal's width (%d columns)", need, m.width)
		}
	} else {
		text += " (a wider terminal may need fewer lines)"
	}
	text += fmt.Sprintf("; %d lines at %d columns show the lanes and events whole", m.wholeHeight(at), at)
	text += fmt.Sprintf(". This terminal is %dx%d. Enlarge it, or press q to quit.", m.width, m.height)
	lines := wrapWords(text, max(20, m.width))
	if len(lines) > max(1, m.height) {
		// Cut, it lost its end, the way out with it (20x5 showed no "q"):
		// the short form, and at the very least how to quit.
		short := fmt.Sprintf("raftplay needs at least %dx%d; this terminal is %dx%d.", w, h, m.width, m.height)
		lines = wrapWords(short, max(20, m.width))
		lines = append(lines[:min(len(lines), max(1, m.height)-1)], "q quits")
	}
	return strings.Join(lines, "\n")
}

// helpBar is the short help in one line of width cells: as many of the keys
// that apply as fit, then "…".
func (m *Model) helpBar(width int) string {
	bs := m.keys.ShortHelp()
	var sig strings.Builder // what the bar shows depends on only this
	fmt.Fprint(&sig, width)
	for _, b := range bs {
		if b.Enabled() {
			sig.WriteString("\x00" + b.Help().Key + "\x00" + b.Help().Desc)
		}
	}
	if m.bar.sig == sig.String() {
		return m.bar.view
	}
	// Drop the keys that do not fit from the end, but keep `? keys` and
	// `q quit` last: ? lists the ones dropped.
	keep := 0
	for keep < len(bs) && keep < 2 && (bs[len(bs)-1-keep].Help().Key == "?" || bs[len(bs)-1-keep].Help().Key == "q") {
		keep++
	}
	h := m.help
	h.Width = 0 // no "…" of its own: what is dropped is chosen here
	v := ""
	for {
		v = h.ShortHelpView(bs)
		if lipgloss.Width(v) <= width || len(bs) == 0 {
			break
		}
		if cut := len(bs) - keep - 1; cut >= 0 {
			bs = slices.Delete(slices.Clone(bs), cut, cut+1)
		} else {
			bs = bs[:len(bs)-1]
		}
	}
	m.bar.sig, m.bar.view = sig.String(), v
	return v
}

// firstFitting returns the first of alts, longest first, that fits in
// width columns, else the last: a line said in full where there is room
// and shorter, not cut, where there is not.
func firstFitting(width int, alts ...string) string {
	for _, a := range alts {
		if lipgloss.Width(a) <= width {
			return a
		}
	}
	return alts[len(alts)-1]
}
