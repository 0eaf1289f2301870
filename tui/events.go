package tui

import (
	"fmt"
	"strconv"
	"strings"

	"raftplay/cluster"
)

// eventFeed keeps the newest events for the feed and the detail view.
type eventFeed struct {
	buf     []cluster.Event // ring
	start   int             // index of the oldest event in buf
	n       int
	next    uint64 // sequence number to ask the log for next
	dropped uint64 // events the log overwrote before the feed read them
	filter  uint64 // show only this node's events (0: all)
}

func newEventFeed(size int) eventFeed { return eventFeed{buf: make([]cluster.Event, size), next: 1} }

// add appends the events of msg, overwriting the oldest when full.
func (f *eventFeed) add(msg eventsMsg) {
	f.dropped += msg.dropped
	f.next = msg.next
	for _, e := range msg.events {
		i := (f.start + f.n) % len(f.buf)
		f.buf[i] = e
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
}

// last returns up to max newest events that node (0: any) concerns, oldest
// first. Cluster-wide events (Node 0) pass every filter.
func (f *eventFeed) last(node uint64, max int) []cluster.Event {
	var out []cluster.Event
	for k := f.n - 1; k >= 0 && len(out) < max; k-- {
		e := f.buf[(f.start+k)%len(f.buf)]
		if node == 0 || e.Node == 0 || e.Node == node || mentions(e.Text, node) {
			out = append(out, e)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

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

// viewEvents renders the event feed in height lines.
func (m *Model) viewEvents(width, height int) []string {
	if height <= 0 {
		return nil
	}
	st := m.styles
	title := "events"
	if m.feed.filter != 0 {
		title = fmt.Sprintf("events of node %d (f: all)", m.feed.filter)
	}
	if m.feed.dropped > 0 {
		title += fmt.Sprintf("  (%d dropped)", m.feed.dropped)
	}
	lines := []string{st.Section.Render(title)}
	for _, e := range m.feed.last(m.feed.filter, height-1) {
		lines = append(lines, m.eventLine(e, width))
	}
	return lines
}

// eventLine renders one event; violations and errors stand out.
func (m *Model) eventLine(e cluster.Event, width int) string {
	s := m.styles.Clip(e.String(), width)
	switch e.Kind {
	case cluster.EventViolation:
		return m.styles.Violation.Render(s)
	case cluster.EventError:
		return m.styles.Error.Render(s)
	case cluster.EventFault:
		return m.styles.Fault.Render(s)
	}
	return s
}
