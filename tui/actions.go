package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
	"raftplay/transport"
)

// The functions here only build command lines from what the screen shows;
// the commands package does the work.

// Speed limits: the speed keys keep every election timeout between
// fastestElection and slowestElection (the minimum at or above the one,
// the maximum at or below the other) and the heartbeat at or above a
// millisecond. From the default 1s-2s that is 15.625ms-31.25ms (six + )
// to 8s-16s (three -).
const (
	fastestElection = 12 * time.Millisecond
	slowestElection = 20 * time.Second
	fastestBeat     = time.Millisecond
)

// speedState makes the speed keys reversible: every timing they ask for is
// the base timing (what the cluster had when they were first pressed)
// times 2^level, computed exactly from the base, so + then - returns to
// the very timing it left. When the timing on screen is not the one they
// last asked for (a `set` typed at the prompt), they start again from it.
type speedState struct {
	base    cluster.Timing
	level   int // the timing is base × 2^level
	pending int // speed commands sent and not yet answered
}

// scaled returns t with every timeout times 2^level.
func scaled(t cluster.Timing, level int) cluster.Timing {
	f := func(d time.Duration) time.Duration {
		if level >= 0 {
			return d << level
		}
		return d >> -level
	}
	return cluster.Timing{Heartbeat: f(t.Heartbeat), ElectionMin: f(t.ElectionMin), ElectionMax: f(t.ElectionMax), TickLen: t.TickLen}
}

// want is the timing the speed keys last asked for.
func (s *speedState) want() cluster.Timing { return scaled(s.base, s.level) }

// step returns the timing the keys are at and the one a step faster (by
// -1) or slower (by +1), or, at a limit, a note saying so. cur is the
// timing on screen.
func (s *speedState) step(cur cluster.Timing, by int) (now, next cluster.Timing, note string) {
	if s.pending == 0 && (s.base.ElectionMin == 0 || s.want() != cur) {
		s.base, s.level = cur, 0
	}
	now = s.want()
	next = scaled(s.base, s.level+by)
	switch {
	case by < 0 && (next.ElectionMin < fastestElection || next.Heartbeat < fastestBeat || next.Validate() != nil):
		return now, now, fmt.Sprintf("fastest speed already: election %v-%v (faster would go below %v)", now.ElectionMin, now.ElectionMax, fastestElection)
	case by > 0 && (next.ElectionMax > slowestElection || next.Validate() != nil):
		return now, now, fmt.Sprintf("slowest speed already: election %v-%v (slower would go past %v)", now.ElectionMin, now.ElectionMax, slowestElection)
	}
	s.level += by
	return now, next, ""
}

// done records the answer to a speed command; a failed one leaves the
// cluster's timing for the next key to start from.
func (s *speedState) done(ok bool) {
	s.pending = max(0, s.pending-1)
	if !ok {
		s.base = cluster.Timing{}
	}
}

// timingLines returns the `set` lines that move the cluster from old to
// next, ordered so heartbeat < election minimum holds after each one: when
// speeding up the heartbeat goes first, when slowing down the election.
func timingLines(old, next cluster.Timing) []string {
	hb := "set heartbeat " + next.Heartbeat.String()
	el := fmt.Sprintf("set election %v-%v", next.ElectionMin, next.ElectionMax)
	if next.ElectionMin < old.ElectionMin {
		return []string{hb, el}
	}
	return []string{el, hb}
}

// groupsOf returns the partition groups of st, each in id order, the
// unlisted nodes included, or one group of every node when the cluster is
// not partitioned. Removed nodes are in none: they are no longer part of
// the cluster.
func groupsOf(st cluster.Status) [][]uint64 {
	seen := map[uint64]bool{}
	gone := func(id uint64) bool { n, ok := st.Node(id); return ok && n.State == cluster.StateRemoved }
	var groups [][]uint64
	for _, g := range st.Faults.Groups {
		g = slices.DeleteFunc(slices.Clone(g), gone)
		slices.Sort(g) // as a script writes them (partition 2,1 3): the header said A:2,1
		if len(g) == 0 {
			continue
		}
		for _, id := range g {
			seen[id] = true
		}
		groups = append(groups, g)
	}
	var rest []uint64
	for _, n := range st.Nodes {
		if !seen[n.ID] && n.State != cluster.StateRemoved {
			rest = append(rest, n.ID)
		}
	}
	if len(rest) > 0 {
		groups = append(groups, rest)
	}
	return groups
}

// nextGroups moves node id to the next partition group and returns the
// `partition` line for the result and the new groups. A node alone in the
// last group wraps around to the first, so repeated presses reach every
// partition.
func nextGroups(st cluster.Status, id uint64) (string, [][]uint64) {
	groups := groupsOf(st)
	at := -1
	for i, g := range groups {
		if slices.Contains(g, id) {
			at = i
		}
	}
	if at < 0 {
		return "", nil
	}
	groups[at] = slices.DeleteFunc(groups[at], func(n uint64) bool { return n == id })
	target := at + 1
	if len(groups[at]) == 0 {
		groups = slices.Delete(groups, at, at+1)
		target = at
		if target >= len(groups) {
			target = 0
		}
	}
	if target >= len(groups) {
		groups = append(groups, nil)
	}
	groups[target] = append(groups[target], id)
	parts := make([]string, 0, len(groups))
	for _, g := range groups {
		slices.Sort(g)
		parts = append(parts, joinIDs(g, ","))
	}
	return "partition " + strings.Join(parts, " "), groups
}

// joinIDs formats ids joined by sep.
func joinIDs(ids []uint64, sep string) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(s, sep)
}

// groupName returns the letter of node id's partition group ("A", "B"...),
// or "" when the cluster is not partitioned.
func groupName(st cluster.Status, id uint64) string {
	groups := groupsOf(st)
	if len(groups) < 2 {
		return ""
	}
	for i, g := range groups {
		if slices.Contains(g, id) {
			return string(rune('A' + i))
		}
	}
	return ""
}

// faultsActive reports whether any partition or link rule is in force.
func faultsActive(st cluster.Status) bool {
	return len(groupsOf(st)) > 1 || len(st.Faults.Links) > 0
}

// changeSpeed halves (by -1) or doubles (by +1) every timeout, exactly,
// from the timing the speed keys started at; at a limit it says so.
func (m *Model) changeSpeed(by int) tea.Cmd {
	now, next, note := m.speed.step(m.status.Timing, by)
	if note != "" {
		m.output.setNote(map[int]string{-1: "+ faster", 1: "- slower"}[by], note)
		return nil
	}
	cmd := m.run(timingLines(now, next)...)
	if cmd == nil {
		return nil
	}
	m.speed.pending++
	return func() tea.Msg {
		r := cmd().(resultMsg)
		r.speed = true
		return r
	}
}

// freezeKey freezes the cluster, or thaws it when it is frozen.
func (m *Model) freezeKey() tea.Cmd {
	line := "freeze"
	if m.status.Frozen {
		line = "thaw"
	}
	frozen := line == "freeze"
	return m.runExpect(func(st *cluster.Status) { st.Frozen = frozen }, line)
}

// runExpect runs lines, as run does, and when they run, expects edit: a
// toggle key pressed again before the frames show what the first press
// asked for toggles back (l l ran load 50 twice, and 1 p p said "node 1
// is already paused": each press decided from the last frame).
func (m *Model) runExpect(edit func(*cluster.Status), lines ...string) tea.Cmd {
	cmd := m.run(lines...)
	if cmd != nil {
		m.expect(edit)
	}
	return cmd
}

// inflightRun is a run of keys or the prompt not yet answered. The
// commands share one runner and run one at a time, in turn, except the
// membership commands, which wait on runners of their own (detached).
type inflightRun struct {
	seq      uint64
	line     string
	detached bool
}

// behind returns the command that run seq waits for ("" when it is its
// turn): the oldest one in flight before it that holds the runner.
func (m *Model) behind(seq uint64) string {
	for _, r := range m.inflight {
		if r.seq < seq && !r.detached {
			return r.line
		}
	}
	return ""
}

// freezeWaits returns the command a freeze asked for by a key waits for,
// or "": until it runs, the cluster runs, whatever the frames laid over
// with the key's edit say.
func (m *Model) freezeWaits() string {
	for _, e := range m.pending {
		if e.answered {
			continue
		}
		for _, r := range m.inflight {
			if r.seq == e.seq && r.line == "freeze" {
				return m.behind(r.seq)
			}
		}
	}
	return ""
}

// pendingEdit is a change a key asked for that the frames may not show
// yet. One frame is always on its way, and the one on its way when the
// command's answer came may have been read before the command ran: until
// that frame is in, the edit is laid over every frame, so a key pressed
// meanwhile builds on what was asked for, not on an older frame (z then w
// at once proposed the write, not a put that waited 5 s for a commit that
// only steps bring).
type pendingEdit struct {
	seq      uint64                // the run of the command that makes the change
	apply    func(*cluster.Status) // lays the change over a frame
	answered bool                  // the command answered without error; one frame more
}

// expect applies edit to the status on screen and to every frame until
// the answer to the command just run (m.runs) and one frame after it
// (runExpect). The toggle keys (z, l, p, g, and the link matrix's c, d
// and y) decide from the status so edited. Everything drawn from the
// status is drawn from the edited one: the cards' nodes too (a restart
// pressed on a crashed node showed its card "DOWN ... as of crash" with
// the edit's "no leader" why-line for as long as the restart held the
// frames back), and the commit line.
func (m *Model) expect(edit func(*cluster.Status)) {
	edit(&m.status)
	m.nodes = m.drawnNodes(m.status, false)
	m.cards, m.why = nil, whyMemo{}
	m.pending = append(m.pending, pendingEdit{seq: m.runs, apply: edit})
}

// answered records the answer to run seq: a failed command's edit is
// dropped, a done one's lasts one frame more.
func (m *Model) answered(seq uint64, err error) {
	keep := m.pending[:0]
	for _, e := range m.pending {
		if e.seq == seq {
			if err != nil {
				continue
			}
			e.answered = true
		}
		keep = append(keep, e)
	}
	m.pending = keep
}

// layPending lays the edits still pending over a frame, and drops those
// answered before it: the frames after this one are read after the answer.
func (m *Model) layPending(st *cluster.Status) {
	keep := m.pending[:0]
	for _, e := range m.pending {
		e.apply(st)
		if !e.answered {
			keep = append(keep, e)
		}
	}
	m.pending = keep
}

// The link matrix's cycles: d moves a link's drop percentage to the next
// of dropSteps, y its delay to the next of delaySteps, and both wrap
// around to none.
var (
	dropSteps  = []float64{10, 50, 100}
	delaySteps = []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond}
)

// nextDrop is the drop percentage after pct in the cycle.
func nextDrop(pct float64) float64 {
	for _, p := range dropSteps {
		if p > pct {
			return p
		}
	}
	return 0
}

// nextDelay is the delay after d in the cycle.
func nextDelay(d time.Duration) time.Duration {
	for _, s := range delaySteps {
		if s > d {
			return s
		}
	}
	return 0
}

// cutLines are the lines c runs on link from -> to whose own rule is own:
// `cut F T`, or for a cut link `heal F T`, which clears its drop and delay
// too, followed by the lines that set those again.
func cutLines(own transport.Rule, from, to uint64) []string {
	if !own.Cut {
		return []string{fmt.Sprintf("cut %d %d", from, to)}
	}
	lines := []string{fmt.Sprintf("heal %d %d", from, to)}
	if own.DropPct > 0 {
		lines = append(lines, fmt.Sprintf("drop %g %d %d", own.DropPct, from, to))
	}
	switch {
	case own.Jitter > 0:
		lines = append(lines, fmt.Sprintf("delay %v %v %d %d", own.Delay, own.Jitter, from, to))
	case own.Delay > 0:
		lines = append(lines, fmt.Sprintf("delay %v %d %d", own.Delay, from, to))
	}
	return lines
}

// ownRule returns the edit that makes a status show rule as link from ->
// to's own, for expect: a key pressed before the frames show it builds on
// what was asked.
func ownRule(from, to uint64, rule transport.Rule) func(*cluster.Status) {
	return func(st *cluster.Status) {
		links := slices.DeleteFunc(slices.Clone(st.Faults.Links), func(l transport.LinkRule) bool { return l.From == from && l.To == to })
		if !rule.IsZero() {
			links = append(links, transport.LinkRule{From: from, To: to, Rule: rule})
		}
		st.Faults.Links = links
	}
}

// editNode returns the edit that applies f to node id's entry of a
// status (and to the status, for what f changes there), on a copy of the
// node list: the frame's slice is shared with whoever read it.
func editNode(id uint64, f func(st *cluster.Status, n *cluster.NodeStatus)) func(*cluster.Status) {
	return func(st *cluster.Status) {
		st.Nodes = slices.Clone(st.Nodes)
		for i := range st.Nodes {
			if st.Nodes[i].ID == id {
				f(st, &st.Nodes[i])
			}
		}
	}
}

// nodeDown returns the edit that makes a status show node id crashed (by
// a power cut with power), as a crashed node's status does: what it had as
// of then, without what only a running node has. A frame that shows it up
// still gave it "no status yet" and a lane with no numbers.
func nodeDown(id uint64, power bool) func(*cluster.Status) {
	return editNode(id, func(st *cluster.Status, n *cluster.NodeStatus) {
		if !n.Live() && n.State != cluster.StatePaused {
			return
		}
		n.State, n.PowerLost = cluster.StateCrashed, power
		n.AsOf, n.WasRole = n.Updated, n.Role
		if n.AsOf.IsZero() {
			n.AsOf = st.Time
		}
		n.Progress, n.Links, n.Held = nil, nil, nil
		n.ElectionTimeout, n.ElectionElapsed = 0, 0
		if st.Leader == id {
			st.Leader = 0
		}
	})
}

// nodeRestarted returns the edit that makes a status show node id
// restarted: up, a follower that knows no leader yet (a frame that shows
// it down still has the role it had, a leader's too).
func nodeRestarted(id uint64) func(*cluster.Status) {
	return editNode(id, func(_ *cluster.Status, n *cluster.NodeStatus) {
		if n.State != cluster.StateCrashed && n.State != cluster.StateFailed {
			return
		}
		n.State, n.Role, n.Leader = cluster.StateUp, "follower", 0
		n.AsOf, n.WasRole, n.PowerLost, n.Err, n.Damaged = time.Time{}, "", false, "", ""
	})
}

// nodeState returns the edit that makes a status show node id in state.
func nodeState(id uint64, state cluster.NodeState) func(*cluster.Status) {
	return editNode(id, func(_ *cluster.Status, n *cluster.NodeStatus) { n.State = state })
}
