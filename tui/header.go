package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/transport"
)

// writeRate turns the cluster's count of acknowledged writes into writes
// per second over the last second of the status's clock, a sliding window
// moved at every status (a window that moved once a second showed the
// second before it: writes going on a second into a freeze, none a
// second after the thaw). Until it has a second of statuses since it
// started (or since a replay jumped, see restart), it does not know
// (known is false).
type writeRate struct {
	samples []rateSample // oldest first; the first is the window's start
	perSec  float64
	known   bool
}

type rateSample struct {
	at      time.Time
	written uint64
}

func (r *writeRate) observe(now time.Time, written uint64) {
	if n := len(r.samples); n > 0 && (written < r.samples[n-1].written || now.Before(r.samples[n-1].at)) {
		r.samples = r.samples[:0] // another cluster's count, or a clock that went back
	}
	r.samples = append(r.samples, rateSample{now, written})
	// The window starts at the newest status at least a second old.
	start := -1
	for i, s := range r.samples {
		if now.Sub(s.at) < time.Second {
			break
		}
		start = i
	}
	if start < 0 {
		return
	}
	r.samples = r.samples[start:]
	base := r.samples[0]
	r.perSec, r.known = float64(written-base.written)/now.Sub(base.at).Seconds(), true
}

// restart forgets what the rate was measured from: the next status
// observed is the first (a replay's cursor jumped, and the statuses before
// the jump are of another time).
func (r *writeRate) restart() { *r = writeRate{samples: r.samples[:0]} }

// text is the rate as the header shows it: in a replay "-" until it is
// measured (at the start and after each jump); live 0 until then.
func (r *writeRate) text(replay bool) string {
	if replay && !r.known {
		return "-"
	}
	return fmt.Sprintf("%.0f", r.perSec)
}

// Header limits: the timing line and the faults after it wrap onto at
// most timingMax lines (the faults that do not fit are counted, and x
// shows them all), the script's line onto at most scriptMax. So the
// header has a most lines at each width, which the minimum size counts.
const (
	timingMax = 2
	scriptMax = 2
)

// viewHeader renders the header: in a replay, the replay's lines
// (timeline.go); the cluster line and the timing line,
// each wrapped by whole segments, then a violation, the nodes that skip
// fsync (UNSAFE), step mode and the script's progress when there are any.
func (m *Model) viewHeader(width int) []string {
	s := m.status
	st := m.styles
	lines := m.replayLines(width)
	lines = append(lines, m.withRecMark(m.clusterLine(s, m.rate.text(m.player != nil)), width)...)
	lines = append(lines, m.timingLine(s, width)...)
	if s.Violations > 0 {
		for _, l := range wrapWords(violationText(s.Violations), width) {
			lines = append(lines, st.Violation.Render(l))
		}
	}
	if ids := skippingFsync(s); len(ids) > 0 {
		for _, l := range wrapWords(unsafeText(ids), width) {
			lines = append(lines, st.Unsafe.Render(l))
		}
	}
	if s.Frozen {
		text := frozenText(heldCount(s))
		if m.player != nil { // the keys that thaw and step are a live cluster's
			text = fmt.Sprintf("FROZEN: clocks stopped; %s held (m shows them)", plural(heldCount(s), "message"))
		}
		if w := m.freezeWaits(); w != "" {
			// Asked for, not done: the clocks still run (a teacher saw
			// FROZEN for 5 s over a cluster that was not).
			text = "FREEZE asked: the clocks stop once " + clean(w) + " is done; until then the cluster runs"
		}
		for _, l := range wrapWords(text, width) {
			lines = append(lines, st.Frozen.Render(l))
		}
	}
	if m.script.total > 0 {
		text, style := m.scriptText()
		for _, l := range capLines(wrapWords(text, width), scriptMax, width) {
			lines = append(lines, style.Render(l))
		}
	}
	return lines
}

// claimants names the nodes that think they lead when no leader is known
// to a majority (a leader just elected, before its first heartbeat; a
// paused or cut-off one): " (1 claims it)", " (1, 3 claim it)", with
// the terms they lead when one leads an older term than the header's:
// " (5 in term 5 claims it)", " (1 in term 2, 3 in term 1 claim it)"; "".
func claimants(s cluster.Status) string {
	var claim []cluster.NodeStatus
	older := false
	for _, n := range s.Nodes {
		if n.Role == "leader" && (n.State == cluster.StateUp || n.State == cluster.StatePaused) {
			claim = append(claim, n)
			older = older || n.Term < s.Term
		}
	}
	// Beside "term 6 (highest)", "(5 claims it)" read as 5 claiming term
	// 6 (an audit): the term it leads is said. Said of one only, "(1, 3
	// in term 1 claim it)" read as both leading term 1 when 1 led term
	// 2: with an older term among them, each one's is said.
	ids := make([]string, len(claim))
	for i, n := range claim {
		ids[i] = fmt.Sprint(n.ID)
		if older {
			ids[i] += fmt.Sprintf(" in term %d", n.Term)
		}
	}
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return " (" + ids[0] + " claims it)"
	}
	return " (" + strings.Join(ids, ", ") + " claim it)"
}

// topClaimant is the running node that thinks it leads at the highest
// term (0: none): Election Safety makes it the only leader of that term.
func topClaimant(s cluster.Status) uint64 {
	var id, term uint64
	for _, n := range s.Nodes {
		if n.Role == "leader" && n.State == cluster.StateUp && n.Term > term {
			id, term = n.ID, n.Term
		}
	}
	return id
}

// clusterLine is the header's first line, in segments: size (the nodes
// not removed), the configuration when it is not every node a voter
// (configText), leader and term, commit, load and writes.
func (m *Model) clusterLine(s cluster.Status, perSec string) []segment {
	st := m.styles
	leader := st.Role("leader").Render(fmt.Sprint(s.Leader))
	term := fmt.Sprintf("term %d", s.Term)
	commit := fmt.Sprintf("commit %d", s.Commit)
	if s.Leader == 0 { // between leaders: the highest any node has
		leader = st.Role("down").Render("none") + claimants(s)
		term += " (highest)"
		commit += " (highest)"
	}
	load := "off"
	if s.Load > 0 {
		load = fmt.Sprintf("%d/s", s.Load)
	}
	const sep = "  "
	segs := []segment{{st.Title.Render("raftplay"), ""}, {plural(len(members(s)), "node"), sep}}
	if c := configText(s, st); c != "" {
		segs = append(segs, segment{c, sep})
	}
	return append(segs,
		segment{"leader " + leader + sep + term, sep}, segment{commit, sep}, segment{"load " + load, sep},
		segment{fmt.Sprintf("writes %s/s (%d acked)", perSec, s.Written), sep},
	)
}

// timingLine is the header's second line: timing, extensions and the
// faults in force, on at most timingMax lines at width. Faults that do
// not fit are counted at the end ("+3 more faults (x)").
func (m *Model) timingLine(s cluster.Status, width int) []string {
	const sep = "  "
	segs := []segment{
		{"heartbeat " + s.Timing.Heartbeat.String(), ""}, {fmt.Sprintf("election %v-%v", s.Timing.ElectionMin, s.Timing.ElectionMax), sep},
		{"prevote " + onOff(s.PreVote), sep}, {"checkquorum " + onOff(s.CheckQuorum), sep},
	}
	faults := m.faultTexts()
	for shown := len(faults); shown >= 0; shown-- {
		all := append(slices.Clone(segs), faultSegments(faults[:max(1, shown)])...)
		if shown == 0 {
			all = append(slices.Clone(segs), segment{fmt.Sprintf("faults: %d (x shows them)", len(faults)), sep})
		} else if shown < len(faults) {
			all = append(all, segment{fmt.Sprintf("+%d more (x)", len(faults)-shown), "; "})
		}
		if lines := wrapSegments(all, width); len(lines) <= timingMax || shown == 0 {
			return lines
		}
	}
	return nil // not reached
}

// faultSegments lays the fault texts out after "faults: ".
func faultSegments(faults []string) []segment {
	segs := []segment{{"faults: " + faults[0], "  "}}
	for _, f := range faults[1:] {
		segs = append(segs, segment{f, "; "})
	}
	return segs
}

// capLines keeps the first most of lines, ending the last one kept with
// "…" when some are left out.
func capLines(lines []string, most, width int) []string {
	if len(lines) <= most {
		return lines
	}
	lines = slices.Clone(lines[:most])
	last, _ := splitAt(lines[most-1], width-1)
	lines[most-1] = last + "…"
	return lines
}

// violationText is the header's line when the invariant monitor saw
// violations.
func violationText(n int) string {
	return fmt.Sprintf(" !! SAFETY VIOLATION: the invariant monitor saw %d violation(s); see events !! ", n)
}

// heldCount is how many messages the nodes of s hold.
func heldCount(s cluster.Status) int {
	held := 0
	for _, n := range s.Nodes {
		held += len(n.Held)
	}
	return held
}

// frozenText is the header's line in step mode: clocks stopped, how many
// messages are held, and the keys that move them (or, with none held, the
// keys that make one).
func frozenText(held int) string {
	if held == 0 {
		// s would wait for a message and fail: say what makes one.
		return "FROZEN: clocks stopped, nothing held: t timeout, b heartbeat, w propose, z thaw"
	}
	return fmt.Sprintf("FROZEN: clocks stopped; %s held (s step, z thaw, m shows them)", plural(held, "message"))
}

// faultTexts describes the active faults, one piece each, or "none": the
// partition, the disk faults (diskFaults), the link rules.
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
	parts = append(parts, diskFaults(s)...) // before the link rules: x shows those left out
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
	// "cut+delay 100ms 3->2": one link with two rules ("cut delay
	// 100ms" read as one odd word).
	return strings.Join(w, "+") + " " + where
}

// scriptText is the script's progress line and its style.
func (m *Model) scriptText() (string, lipgloss.Style) {
	sc := m.script
	switch {
	case sc.err != nil:
		again := ""
		if m.o.ScriptAgain != "" {
			again = fmt.Sprintf(" (q, then %s, plays it again)", m.o.ScriptAgain)
		}
		return fmt.Sprintf("script stopped at line %d: %s%s", sc.line, clean(errSentence(sc.text, sc.err)), again), m.styles.Error
	case sc.done && m.o.ScriptDone != "":
		return m.o.ScriptDone, m.styles.OK
	case sc.done:
		what := "commands"
		if sc.total == 1 {
			what = "command"
		}
		return fmt.Sprintf("script done: %d %s", sc.total, what), m.styles.OK
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
	case cluster.StateRemoved:
		return "removed"
	}
	if n.Role == "" {
		return "down"
	}
	return n.Role
}
