package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/transport"
)

// writeRate turns the cluster's count of acknowledged writes into writes
// per second, measured over at least a second.
type writeRate struct {
	at      time.Time
	written uint64
	perSec  float64
}

func (r *writeRate) observe(now time.Time, written uint64) {
	if r.at.IsZero() || written < r.written {
		r.at, r.written = now, written
		return
	}
	if d := now.Sub(r.at); d >= time.Second {
		r.perSec = float64(written-r.written) / d.Seconds()
		r.at, r.written = now, written
	}
}

// viewHeader renders the header: the cluster line and the timing line,
// each wrapped by whole segments, then a violation and the script's
// progress when there are any.
func (m *Model) viewHeader(width int) []string {
	s := m.status
	st := m.styles
	leader := st.Role("leader").Render(fmt.Sprint(s.Leader))
	term := fmt.Sprintf("term %d", s.Term)
	commit := fmt.Sprintf("commit %d", s.Commit)
	if s.Leader == 0 { // between leaders: the highest any node has
		leader = st.Role("down").Render("none")
		term += " (highest)"
		commit += " (highest)"
	}
	load := "off"
	if s.Load > 0 {
		load = fmt.Sprintf("%d/s", s.Load)
	}
	sep := "  "
	l1 := []segment{
		{st.Title.Render("raftplay"), ""}, {fmt.Sprintf("%d nodes", len(s.Nodes)), sep},
		{"leader " + leader + sep + term, sep}, {commit, sep}, {"load " + load, sep},
		{fmt.Sprintf("writes %.0f/s (%d acked)", m.rate.perSec, s.Written), sep},
	}
	l2 := []segment{
		{"heartbeat " + s.Timing.Heartbeat.String(), ""}, {fmt.Sprintf("election %v-%v", s.Timing.ElectionMin, s.Timing.ElectionMax), sep},
		{"prevote " + onOff(s.PreVote), sep}, {"checkquorum " + onOff(s.CheckQuorum), sep},
	}
	faults := m.faultTexts()
	l2 = append(l2, segment{"faults: " + faults[0], sep})
	for _, f := range faults[1:] {
		l2 = append(l2, segment{f, "; "})
	}
	lines := append(wrapSegments(l1, width), wrapSegments(l2, width)...)
	if s.Violations > 0 {
		v := fmt.Sprintf(" !! SAFETY VIOLATION: the invariant monitor saw %d violation(s); see events !! ", s.Violations)
		for _, l := range wrapWords(v, width) {
			lines = append(lines, st.Violation.Render(l))
		}
	}
	if s.Frozen {
		for _, l := range wrapWords(frozenText(s), width) {
			lines = append(lines, st.Frozen.Render(l))
		}
	}
	if m.script.total > 0 {
		text, style := m.scriptText()
		for _, l := range wrapWords(text, width) {
			lines = append(lines, style.Render(l))
		}
	}
	return lines
}

// frozenText is the header's line in step mode: clocks stopped, how many
// messages are held, and the keys that move them.
func frozenText(s cluster.Status) string {
	held := 0
	for _, n := range s.Nodes {
		held += len(n.Held)
	}
	return fmt.Sprintf("FROZEN: clocks stopped; %s held (s step, z thaw, m shows them)", plural(held, "message"))
}

// faultTexts describes the active faults, one piece each, or "none".
func (m *Model) faultTexts() []string {
	s := m.status
	var parts []string
	if g := groupsOf(s); len(g) > 1 {
		gs := make([]string, len(g))
		for i, grp := range g {
			gs[i] = fmt.Sprintf("%c:%s", 'A'+i, joinIDs(grp, ","))
		}
		parts = append(parts, "partition "+strings.Join(gs, " | "))
	}
	for _, l := range s.Faults.Links {
		parts = append(parts, linkText(l))
	}
	if len(parts) == 0 {
		return []string{"none"}
	}
	for i, p := range parts {
		parts[i] = m.styles.Fault.Render(p)
	}
	return parts
}

// linkText describes one link rule: "cut 1->2", "drop 10% all", ...
func linkText(l transport.LinkRule) string {
	where := "all"
	if l.From != 0 || l.To != 0 {
		where = fmt.Sprintf("%d->%d", l.From, l.To)
	}
	var w []string
	if l.Cut {
		w = append(w, "cut")
	}
	if l.DropPct > 0 {
		w = append(w, fmt.Sprintf("drop %g%%", l.DropPct))
	}
	if l.Delay > 0 || l.Jitter > 0 {
		d := fmt.Sprintf("delay %v", l.Delay)
		if l.Jitter > 0 {
			d += fmt.Sprintf("±%v", l.Jitter)
		}
		w = append(w, d)
	}
	return strings.Join(w, " ") + " " + where
}

// scriptText is the script's progress line and its style.
func (m *Model) scriptText() (string, lipgloss.Style) {
	sc := m.script
	switch {
	case sc.err != nil:
		return fmt.Sprintf("script stopped at line %d: %s", sc.line, clean(errSentence(sc.text, sc.err))), m.styles.Error
	case sc.done:
		return fmt.Sprintf("script done: %d commands", sc.total), m.styles.OK
	}
	return fmt.Sprintf("script: command %d of %d (line %d)", sc.pos, sc.total, sc.line), m.styles.plain
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// roleOf is the role a card shows: the node's role, or its state when it
// is not running.
func roleOf(n cluster.NodeStatus) string {
	switch n.State {
	case cluster.StatePaused:
		return "paused"
	case cluster.StateCrashed:
		return "down"
	case cluster.StateFailed:
		return "failed"
	}
	if n.Role == "" {
		return "down"
	}
	return n.Role
}
