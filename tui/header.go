package tui

import (
	"fmt"
	"strings"
	"time"

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

// viewHeader renders the two header lines and, on a violation, a third.
func (m *Model) viewHeader(width int) []string {
	s := m.status
	st := m.styles
	leader := "none"
	if s.Leader != 0 {
		leader = fmt.Sprint(s.Leader)
	}
	var commit uint64
	if n, ok := s.Node(s.Leader); ok {
		commit = n.Commit
	}
	load := "off"
	if s.Load > 0 {
		load = fmt.Sprintf("%d/s", s.Load)
	}
	l1 := fmt.Sprintf("%s  %d nodes  leader %s  term %d  commit %d  load %s  writes %.0f/s (%d acked)",
		st.Title.Render("raftplay"), len(s.Nodes), st.Role(roleIf(s.Leader != 0, "leader", "down")).Render(leader),
		s.Term, commit, load, m.rate.perSec, s.Written)
	l2 := fmt.Sprintf("heartbeat %v  election %v-%v  prevote %s  checkquorum %s  faults: %s",
		s.Timing.Heartbeat, s.Timing.ElectionMin, s.Timing.ElectionMax, onOff(s.PreVote), onOff(s.CheckQuorum), m.faultText())
	lines := []string{st.Clip(l1, width), st.Clip(l2, width)}
	if s.Violations > 0 {
		v := fmt.Sprintf(" !! SAFETY VIOLATION: the invariant monitor saw %d violation(s); see events !! ", s.Violations)
		lines = append(lines, st.Violation.Render(st.Clip(v, width)))
	}
	if m.script.total > 0 {
		lines = append(lines, st.Clip(m.scriptText(), width))
	}
	return lines
}

// faultText describes the active faults, or "none".
func (m *Model) faultText() string {
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
		return "none"
	}
	return m.styles.Fault.Render(strings.Join(parts, "; "))
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

// scriptText is the script's progress line.
func (m *Model) scriptText() string {
	sc := m.script
	switch {
	case sc.err != nil:
		return m.styles.Error.Render(fmt.Sprintf("script stopped at line %d: %v", sc.line, sc.err))
	case sc.done:
		return m.styles.OK.Render(fmt.Sprintf("script done: %d commands", sc.total))
	}
	return fmt.Sprintf("script: command %d of %d (line %d)", sc.pos, sc.total, sc.line)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func roleIf(c bool, a, b string) string {
	if c {
		return a
	}
	return b
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
