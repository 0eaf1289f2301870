package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// feedEntry is one line of the feed: an event, or a run of identical ones
// (same node, kind and text) folded into one with their count.
type feedEntry struct {
	cluster.Event        // the newest of the run
	count         int    // events in the run
	id            uint64 // position in the feed, from 1
}

// eventFeed keeps the newest events for the feed and the detail view, and
// where the feed is scrolled to.
type eventFeed struct {
	buf     []feedEntry // ring
	start   int         // index of the oldest entry in buf
	n       int
	ids     uint64 // entries ever added
	next    uint64 // sequence number to ask the log for next
	dropped uint64 // events the log overwrote before the feed read them
	filter  uint64 // show only this node's events (0: all)
	focused bool   // the feed has the scroll keys
	pin     uint64 // when scrolled back, the id of the newest entry shown; 0: follow the newest
}

func newEventFeed(size int) eventFeed { return eventFeed{buf: make([]feedEntry, size), next: 1} }

// add appends the events of msg, overwriting the oldest when full. Their
// text is cleaned once, here. An event identical to the newest entry
// (apart from its time) is counted into it.
func (f *eventFeed) add(msg eventsMsg) {
	f.dropped += msg.dropped
	f.next = msg.next
	for _, e := range msg.events {
		e.Text = clean(e.Text)
		if f.n > 0 {
			last := &f.buf[(f.start+f.n-1)%len(f.buf)]
			if last.Node == e.Node && last.Kind == e.Kind && last.Text == e.Text {
				last.Event = e
				last.count++
				continue
			}
		}
		f.ids++
		i := (f.start + f.n) % len(f.buf)
		f.buf[i] = feedEntry{Event: e, count: 1, id: f.ids}
		if f.n < len(f.buf) {
			f.n++
		} else {
			f.start = (f.start + 1) % len(f.buf)
		}
	}
}

// toggleFilter shows only node id's events, or all again.
func (f *eventFeed) toggleFilter(id uint64) {
	if f.filter == id {
		f.filter = 0
	} else {
		f.filter = id
	}
	f.pin = 0
}

// matching returns the entries node (0: any) concerns, oldest first.
// Cluster-wide events (Node 0) pass every filter, except those that name
// the nodes they concern (a link's fault) and not node.
func (f *eventFeed) matching(node uint64) []feedEntry {
	out := make([]feedEntry, 0, f.n)
	for k := range f.n {
		e := f.buf[(f.start+k)%len(f.buf)]
		wide := e.Node == 0 && (len(e.Nodes) == 0 || slices.Contains(e.Nodes, node))
		if node == 0 || wide || e.Node == node || mentions(e.Text, node) {
			out = append(out, e)
		}
	}
	return out
}

// last returns up to max newest entries that node (0: any) concerns,
// oldest first.
func (f *eventFeed) last(node uint64, max int) []feedEntry {
	all := f.matching(node)
	return all[len(all)-min(len(all), max):]
}

// window returns the rows entries the feed shows, oldest first, and how
// many newer ones are below them when it is scrolled back.
func (f *eventFeed) window(rows int) (shown []feedEntry, newer int) {
	all := f.matching(f.filter)
	end := f.end(all)
	return all[max(0, end-rows):end], len(all) - end
}

// end is the index just past the newest entry shown.
func (f *eventFeed) end(all []feedEntry) int {
	if f.pin == 0 {
		return len(all)
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].id <= f.pin {
			return i + 1
		}
	}
	return min(1, len(all))
}

// scroll moves the feed by entries (< 0: back to older ones), keeping a
// full screen of rows; reaching the newest follows it again.
func (f *eventFeed) scroll(by, rows int) {
	all := f.matching(f.filter)
	end := min(len(all), max(min(rows, len(all)), f.end(all)+by))
	f.pin = 0
	if end < len(all) {
		f.pin = all[end-1].id
	}
}

// home scrolls the feed back to its oldest entry.
func (f *eventFeed) home(rows int) { f.scroll(-f.n, rows) }

// follow shows the newest entries again.
func (f *eventFeed) follow() { f.pin = 0 }

// mentions reports whether text names node id as a peer: a number after
// "for", "from" or "to" (not "up to", which is an index) or before "->"
// ("2 rejected vote for 4" mentions 4). Terms and indexes do not count.
func mentions(text string, id uint64) bool {
	want := strconv.FormatUint(id, 10)
	words := strings.Fields(text)
	for i, w := range words {
		w = strings.Trim(w, ",:;()")
		if w != want || i == 0 {
			continue
		}
		prev := words[i-1]
		switch {
		case prev == "for" || prev == "from":
			return true
		case prev == "to" && (i < 2 || words[i-2] != "up"):
			return true
		}
	}
	return false
}

// viewEvents renders the event feed in height lines: its title, then the
// newest entries that fit. An entry is shown whole, wrapped onto more
// lines when it is longer than a line (an error's file and offset are at
// its end); only one taller than the whole feed is cut, at its end.
func (m *Model) viewEvents(width, height int) []string {
	if height <= 0 {
		return nil
	}
	if f := &m.feed; height == 1 && !f.focused && f.pin == 0 && f.filter == 0 {
		// No room for a line under the title: the title alone read as an
		// empty feed (80x24, five nodes, the header on two lines, a new
		// user's "events" over nothing after a pause). The newest event
		// is shown instead, its first line, "…" when it goes on.
		if shown, _ := f.window(1); len(shown) == 1 {
			ls := m.eventLines(shown[0], width)
			if len(ls) == 1 {
				return ls
			}
			return []string{m.styles.Clip(ls[0], width-2) + " …"}
		}
	}
	shown, newer := m.feed.window(height - 1)
	rows := height - 1
	var body []string // the entries' lines, newest entry first
	for i := len(shown) - 1; i >= 0; i-- {
		ls := m.eventLines(shown[i], width)
		if len(body)+len(ls) > rows {
			if len(body) == 0 && rows > 0 {
				// The newest entry alone is taller than the feed: its
				// last line shown says it goes on (lesson 10's removal
				// event, cut after "its files" at 80x24: a learner).
				body = slices.Clone(ls[:rows])
				last := body[rows-1]
				if lipgloss.Width(last)+2 > width {
					last = m.styles.Clip(last, width-2)
				}
				body[rows-1] = last + " …"
			}
			break
		}
		body = append(ls, body...)
	}
	return append([]string{m.eventsTitle(newer, width)}, body...)
}

// eventsTitle says what the feed shows and, when it has the keys or is
// scrolled back, how to move and how to return, in the longest wording
// that fits.
func (m *Model) eventsTitle(newer, width int) string {
	st := m.styles
	f := &m.feed
	title := "events"
	if f.filter != 0 {
		title = fmt.Sprintf("events of node %d (f: all)", f.filter)
	}
	if f.dropped > 0 {
		title += fmt.Sprintf("  (%d dropped)", f.dropped)
	}
	style := st.Section
	var notes []string
	switch {
	case f.pin != 0:
		notes = []string{fmt.Sprintf("  scrolled back, %d newer: ↑/↓ pgup/pgdn home/end, esc newest", newer),
			fmt.Sprintf("  scrolled back, %d newer: esc newest", newer), "  scrolled back: esc"}
	case f.focused:
		notes = []string{"  ↑/↓ pgup/pgdn home/end scroll, esc back", "  ↑/↓ scroll, esc back", "  esc back"}
	}
	if f.focused {
		style = st.Focused
	}
	for _, n := range notes {
		if lipgloss.Width(title+n) <= width {
			return style.Render(title) + n
		}
	}
	if len(notes) > 0 {
		return st.Clip(style.Render(title)+notes[len(notes)-1], width)
	}
	return st.Clip(style.Render(title), width)
}

// eventLines renders one entry, "×40" after a run of identical events,
// wrapped under its time when it is wider than width; violations, errors,
// faults and UNSAFE settings stand out.
func (m *Model) eventLines(e feedEntry, width int) []string {
	text := e.String()
	if e.count > 1 {
		text += fmt.Sprintf(" ×%d", e.count)
	}
	lines := []string{text}
	if lipgloss.Width(text) > width {
		lines = wrapHanging(text, width, len("15:04:05.000 "))
	}
	var style lipgloss.Style
	switch e.Kind {
	case cluster.EventViolation:
		style = m.styles.Violation
	case cluster.EventError:
		style = m.styles.Error
	case cluster.EventFault:
		style = m.styles.Fault
	case cluster.EventSetting:
		if !strings.HasPrefix(e.Text, "UNSAFE") { // a setting that breaks a guarantee (set unsafe-skip-fsync)
			return lines
		}
		style = m.styles.Unsafe
	default:
		return lines // plain: drawn as it is
	}
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}
