package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
)

// The held list: in the messages view, while the cluster is frozen (or the
// selected node still holds messages), the messages the selected node
// holds, oldest first, one of them picked with ↑/↓. d delivers it and del
// discards it, as `deliver FROM TO KIND` and `discard FROM TO KIND`. Those
// take the oldest held message from FROM of KIND, so held messages of one
// kind from one sender go in the order they arrived: when the picked one
// is not the oldest of its kind from its sender, the list says that d
// takes the oldest first.

// heldShown reports whether the messages view shows the held list.
func (m *Model) heldShown() bool {
	return m.region == regionMessages && (m.status.Frozen || len(m.selected().Held) > 0)
}

// heldItem is a message in the held list and its place in the node's
// whole queue (from 0).
type heldItem struct {
	cluster.HeldInfo
	at int
}

// heldList is what the held list shows: the selected node's held
// messages, oldest first, only those of the kind the view shows when k
// picked one.
func (m *Model) heldList() []heldItem {
	var out []heldItem
	for i, h := range m.selected().Held {
		if m.msgs.kind == "" || h.Kind == m.msgs.kind {
			out = append(out, heldItem{h, i})
		}
	}
	return out
}

// syncHeld keeps the pick on the message it was on while the list
// changes; when that message left (delivered, discarded), on the one now
// at its place. Another node's list starts at its oldest.
func (m *Model) syncHeld() {
	v := &m.msgs
	if v.heldNode != m.sel {
		v.heldNode, v.held, v.heldAt = m.sel, 0, 0
	}
	if !m.heldShown() {
		return
	}
	held := m.heldList()
	if len(held) == 0 {
		v.held, v.heldAt = 0, 0
		return
	}
	for i, h := range held {
		if h.Seq == v.held {
			v.heldAt = i
			return
		}
	}
	v.heldAt = max(0, min(v.heldAt, len(held)-1))
	v.held = held[v.heldAt].Seq
}

// pickedHeld returns the picked held message, if the held list shows one.
func (m *Model) pickedHeld() (heldItem, bool) {
	held := m.heldList()
	if !m.heldShown() || len(held) == 0 {
		return heldItem{}, false
	}
	return held[max(0, min(m.msgs.heldAt, len(held)-1))], true
}

// pickHeld moves the pick by one message (< 0: to an older one).
func (m *Model) pickHeld(by int) {
	held := m.heldList()
	if len(held) == 0 {
		return
	}
	v := &m.msgs
	v.heldAt = max(0, min(len(held)-1, v.heldAt+by))
	v.held = held[v.heldAt].Seq
}

// heldLine runs `deliver` or `discard` (verb) for the picked message.
func (m *Model) heldLine(verb string) tea.Cmd {
	h, ok := m.pickedHeld()
	if !ok {
		return nil
	}
	return m.run(fmt.Sprintf("%s %d %d %s", verb, h.From, m.sel, h.Kind))
}

// firstOfKind returns the place of the oldest message in held from the
// sender and of the kind of held[i]: the one `deliver` takes.
func firstOfKind(held []cluster.HeldInfo, i int) int {
	for j, h := range held[:i] {
		if h.From == held[i].From && h.Kind == held[i].Kind {
			return j
		}
	}
	return i
}

// heldLines is how many lines the held list takes in a messages view of
// height lines: a title and up to a third of the rest.
func (m *Model) heldLines(height int) int {
	if !m.heldShown() {
		return 0
	}
	n := len(m.heldList())
	if n == 0 {
		return 1
	}
	return 1 + min(n, max(1, (height-4)/3))
}

// viewHeld renders the held list in lines lines: its title, then the
// messages around the picked one, numbered by their place in the node's
// queue.
func (m *Model) viewHeld(width, lines int) []string {
	if lines == 0 {
		return nil
	}
	st := m.styles
	n := m.selected()
	held := m.heldList()
	of := ""
	if m.msgs.kind != "" {
		of = " " + m.msgs.kind
	}
	if len(held) == 0 {
		return []string{fitTitle(st, st.Held, fmt.Sprintf("node %d holds no%s message", n.ID, of), m.heldElsewhere(), width)}
	}
	at := max(0, min(m.msgs.heldAt, len(held)-1))
	title := fmt.Sprintf("held by node %d: %s, oldest first", n.ID, plural(len(held), strings.TrimPrefix(of+" message", " ")))
	if len(held) < len(n.Held) {
		title += fmt.Sprintf(" (of %d)", len(n.Held))
	}
	var notes []string
	if first := firstOfKind(n.Held, held[at].at); first != held[at].at {
		h := held[at]
		notes = []string{
			fmt.Sprintf("  d and del take #%d first: the oldest %s from %d goes first", first+1, clean(h.Kind), h.From),
			fmt.Sprintf("  d, del take #%d first (oldest %s from %d)", first+1, clean(h.Kind), h.From),
			fmt.Sprintf("  d takes #%d first", first+1)}
	} else {
		notes = []string{"  (↑/↓ pick, d deliver, del discard, s step, k kind)", "  (↑/↓ d del)"}
	}
	out := []string{fitTitle(st, st.Held, title, notes, width)}
	rows := lines - 1
	start := max(0, min(at-rows+1, len(held)-rows))
	start = max(0, min(start, at))
	for i := start; i < min(len(held), start+rows); i++ {
		h := held[i]
		mark := "  "
		if i == at {
			mark = "▸ "
		}
		line := st.Clip(fmt.Sprintf("%s%d. %d->%d %s", mark, h.at+1, h.From, n.ID, clean(h.Summary)), width)
		if i == at {
			line = st.Focused.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// heldElsewhere says what `s` would deliver when the selected node holds
// nothing: the oldest message held anywhere.
func (m *Model) heldElsewhere() []string {
	total, best := 0, cluster.HeldInfo{}
	var at uint64
	for _, n := range m.status.Nodes {
		total += len(n.Held)
		if len(n.Held) > 0 && (at == 0 || n.Held[0].Seq < best.Seq) {
			best, at = n.Held[0], n.ID
		}
	}
	if total == 0 {
		return []string{"; no node holds any (a message sent now is held where it arrives)", "; none held anywhere"}
	}
	if m.player != nil { // a replay shows what was held; s steps nothing there
		return []string{
			fmt.Sprintf("; %s held elsewhere, the oldest %d->%d %s", plural(total, "message"), best.From, at, clean(best.Summary)),
			fmt.Sprintf("; %s held elsewhere", plural(total, "message")),
		}
	}
	return []string{
		fmt.Sprintf("; %s held elsewhere: s delivers the oldest, %d->%d %s", plural(total, "message"), best.From, at, clean(best.Summary)),
		fmt.Sprintf("; %s held elsewhere (s steps)", plural(total, "message")),
	}
}

// plural writes n things: "1 message", "3 messages".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
