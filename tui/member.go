package tui

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/raft"
)

// Membership on the dashboard: which nodes are drawn (a removed node
// stays, greyed, for removedFor and then goes), the configuration in the
// header, what a card says of a node that is not a plain voter (a
// learner and its catch-up, a node joining or leaving, a leader handing
// over), and which of the keys A (add), D (remove) and T (transfer)
// apply. The words come from the status: the leader's configuration
// (Status.Membership, ConfPending), its Progress for each follower, a
// leader's Transferee.

// removedFor is how long a removed node's card and lane stay, greyed,
// after the dashboard first saw it removed, by the status's clock; then
// they go.
const removedFor = 5 * time.Second

// drawnNodes records when each node was first seen removed and returns the
// nodes the cards and lanes draw: every node but those removed more than
// removedFor ago. At start (first) a node already removed is not drawn:
// it left before the dashboard came.
func (m *Model) drawnNodes(st cluster.Status, first bool) []cluster.NodeStatus {
	at := st.Time
	if at.IsZero() {
		at = m.now
	}
	if m.removedAt == nil {
		m.removedAt = map[uint64]time.Time{}
	}
	out := make([]cluster.NodeStatus, 0, len(st.Nodes))
	for _, n := range st.Nodes {
		if n.State != cluster.StateRemoved {
			delete(m.removedAt, n.ID) // added again
			out = append(out, n)
			continue
		}
		since, ok := m.removedAt[n.ID]
		if !ok {
			since = at
			switch {
			case first:
				since = at.Add(-removedFor)
			case m.jumped && !n.AsOf.IsZero() && n.AsOf.Before(at):
				// A replay jumped past the removal: it happened about when
				// the node's last status was taken (or earlier).
				since = n.AsOf
			}
			m.removedAt[n.ID] = since
		}
		if at.Sub(since) < removedFor {
			out = append(out, n)
		}
	}
	return out
}

// goneIn is how long a removed node's card stays.
func (m *Model) goneIn(id uint64) time.Duration {
	at := m.status.Time
	if at.IsZero() {
		at = m.now
	}
	return max(0, removedFor-at.Sub(m.removedAt[id]))
}

// isDrawn reports whether node id has a card.
func (m *Model) isDrawn(id uint64) bool {
	return slices.ContainsFunc(m.nodes, func(n cluster.NodeStatus) bool { return n.ID == id })
}

// reselect moves the selection off a node no longer drawn: to the nearest
// drawn node below it, or else the first.
func (m *Model) reselect() {
	if len(m.nodes) == 0 || m.isDrawn(m.sel) {
		return
	}
	pick := m.nodes[0].ID
	for _, n := range m.nodes {
		if n.ID < m.sel {
			pick = n.ID
		}
	}
	if m.sel != 0 {
		m.selGone = m.sel
	}
	m.sel = pick
}

// selectBack selects the node selGone names once it is drawn (added, or
// added again): the one the user meant. Left unselected, the keys refused
// with "no node 5 on the screen" while node 5's card was drawn.
func (m *Model) selectBack() {
	if m.selGone != 0 && m.isDrawn(m.selGone) {
		m.sel, m.selGone = m.selGone, 0
	}
}

// selGoneWhy says why the keys that act on the selected node refuse
// while selGone is set. Every node not removed is drawn (drawnNodes), and
// one that comes is selected (selectBack): selGone names a node removed,
// or never added.
func (m *Model) selGoneWhy() string {
	return fmt.Sprintf("no node %d on the screen (removed, or never added), so no node is selected: press a node's digit, or tab, to select one", m.selGone)
}

// stepSelection selects the next (by 1) or previous (by -1) drawn node,
// wrapping around.
func (m *Model) stepSelection(by int) {
	if len(m.nodes) == 0 {
		return
	}
	at := slices.IndexFunc(m.nodes, func(n cluster.NodeStatus) bool { return n.ID == m.sel })
	at = ((at+by)%len(m.nodes) + len(m.nodes)) % len(m.nodes)
	m.sel = m.nodes[at].ID
}

// members are the nodes that are not removed.
func members(st cluster.Status) []uint64 {
	var ids []uint64
	for _, n := range st.Nodes {
		if n.State != cluster.StateRemoved {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// configText is the header's piece on the configuration: "config 1,2,3
// +4 learner", with "pending" while its entry is not committed; "" in the
// plain case, every node a voter and no change pending.
func configText(st cluster.Status, styles Styles) string {
	c := st.Membership
	if c.IsEmpty() || (len(c.Learners) == 0 && !st.ConfPending && slices.Equal(c.Voters, members(st))) {
		return ""
	}
	s := "config " + joinIDs(c.Voters, ",")
	switch len(c.Learners) {
	case 0:
	case 1:
		s += fmt.Sprintf(" +%d learner", c.Learners[0])
	default:
		s += " +" + joinIDs(c.Learners, ",") + " learners"
	}
	if st.ConfPending {
		s += " " + styles.Fault.Render("pending")
	}
	return s
}

// memberRole is the role a card's title shows: the node's role (or its
// state), except for a follower that is not a voter of the configuration:
// a learner, a node joining (it has no configuration yet), one leaving
// (the configuration no longer has it; it is removed once that commits),
// or one outside the cluster (an add of it was cut short: NodeStatus.Outside).
func memberRole(st cluster.Status, n cluster.NodeStatus) string {
	role := roleOf(n)
	c := st.Membership
	if role != "follower" || c.IsEmpty() || c.IsVoter(n.ID) {
		return role
	}
	switch {
	case n.Outside:
		return "outside"
	case c.IsLearner(n.ID):
		return "learner"
	case n.Membership.IsEmpty():
		return "joining"
	}
	return "leaving"
}

// memberNote is a line for a node whose title does not say it is not a
// voter (a leader or a node that is down or paused): "learner", "leaving
// the config"; "" for a voter.
func memberNote(st cluster.Status, n cluster.NodeStatus) string {
	c := st.Membership
	if c.IsEmpty() || c.IsVoter(n.ID) || memberRole(st, n) != roleOf(n) || n.State == cluster.StateRemoved {
		return ""
	}
	switch {
	case n.Outside:
		return "outside the cluster"
	case c.IsLearner(n.ID):
		return "learner"
	case n.Membership.IsEmpty():
		return "not joined yet"
	}
	return "leaving the config"
}

// catchUpBlock shows a learner catching up, from the leader's progress:
// how much of the leader's log it holds, as a bar and as "812/900"; a
// snapshot on its way ("⇢snap 45%"); "probing" while the leader looks for
// where their logs agree. The leader is the cluster's, or, when no leader
// has a majority (Status.Leader is 0), the one the learner itself follows
// while that node still leads: the card says "leader 1" on its next line
// and the catch-up is 1's to drive either way.
func catchUpBlock(st cluster.Status, n cluster.NodeStatus, style lipgloss.Style) block {
	l, ok := st.LeaderFor(n)
	p, has := l.Progress[n.ID]
	switch {
	case !ok:
		return block{alts: [][]string{{"catch-up: no leader"}, {"catch-up:", "no leader"}}, style: style}
	case !has:
		// The leader's configuration has no place for it (yet, or any
		// more); the why line below says so.
		return block{alts: [][]string{{"catch-up: none"}}, style: style}
	case p.State == "snapshot":
		snap := "⇢snap " + percent(l.Links[n.ID].SnapshotBytesSent, l.Links[n.ID].SnapshotBytesTotal)
		return block{alts: [][]string{{"catch-up " + snap}, {snap}}, style: style}
	case p.State == "probe" && p.Match == 0:
		return block{alts: [][]string{{"catch-up: probing"}, {"catch-up:", "probing"}}, style: style}
	}
	match, last := min(p.Match, l.LastIndex), l.LastIndex
	text := fmt.Sprintf("%d/%d", match, last)
	bar := func(cells int) string {
		full := cells
		if last > 0 {
			full = int(match * uint64(cells) / last)
		}
		return "⇡" + strings.Repeat("█", full) + strings.Repeat("░", cells-full)
	}
	return block{alts: [][]string{{"catch-up " + bar(timerCells) + " " + text}, {bar(timerCells) + " " + text},
		{bar(timerCells/2) + " " + text}, {bar(timerCells), text}}, style: style}
}

// transferBlock is a leader's line while it hands leadership over.
func transferBlock(n cluster.NodeStatus, style lipgloss.Style) block {
	to := fmt.Sprint(n.Transferee)
	return block{alts: [][]string{{"→ transferring to " + to}, {"→ transfer to " + to}, {"→ to " + to}}, style: style}
}

// removedBlocks are the pieces of a removed node's card: what it had when
// it was removed, faded, then that it is out of the cluster and when its
// card goes.
func (m *Model) removedBlocks(n cluster.NodeStatus) []block {
	s := m.styles
	var bs []block
	if !n.AsOf.IsZero() {
		bs = append(bs, termBlock(n, s.Dim), indexBlock(n, s.Dim))
	}
	secs := int((m.goneIn(n.ID) + time.Second - 1) / time.Second)
	gone := fmt.Sprintf("goes in %ds", secs)
	return append(bs,
		block{alts: [][]string{{"out of the cluster: stopped, files deleted"}, {"stopped, files deleted"}}, style: s.Dim},
		block{alts: [][]string{{"removed · " + gone}, {gone}}, style: s.Dim})
}

// nextFreeID is the id `add` gives a new node: the next slot, or the
// first removed one when there are already cluster.MaxNodes; 0 when none
// is free.
func nextFreeID(st cluster.Status) uint64 {
	if len(st.Nodes) < cluster.MaxNodes {
		return uint64(len(st.Nodes)) + 1
	}
	for _, n := range st.Nodes {
		if n.State == cluster.StateRemoved {
			return n.ID
		}
	}
	return 0
}

// memberKeys is what the membership keys would do now.
type memberKeys struct {
	add      uint64 // the node A adds; 0: A does not apply
	remove   bool   // D removes the selected node
	transfer bool   // T hands leadership to the selected node
	voter    bool   // the selected node votes (t fires its election timer)
}

// memberKeys says which membership keys apply: each needs a leader (frozen,
// a change returns once the leader has it, and the steps carry it); A and D no change pending (the leader takes one at a time: an
// add refused would leave its new node started outside the cluster); A
// one add at a time and a free id; D a member that is not the last voter;
// T a live voter that is not a leader, and no transfer under way.
func (m *Model) memberKeys() memberKeys {
	st, n := m.status, m.selected()
	k := memberKeys{voter: st.IsVoter(n.ID)}
	if st.Leader == 0 {
		return k
	}
	// Frozen, a change returns once the leader has it, and the steps
	// carry it out.
	l, _ := st.Node(st.Leader)
	k.transfer = n.ID != st.Leader && n.Role != "leader" && n.Live() && k.voter && l.Transferee == 0
	if st.Frozen && l.Transferee != 0 {
		return k // the leader takes no change while it hands over, and only steps finish that
	}
	if m.adding == 0 && !st.ConfPending {
		k.add = nextFreeID(st)
	}
	voters := st.Voters()
	member := st.Membership.IsMember(n.ID) || (st.Membership.IsEmpty() && n.State != cluster.StateRemoved)
	// A node that runs outside the cluster (an add whose entry never
	// committed) is removed too: its process stops, its files go. Not
	// while this dashboard's own add of it may still be proposing it.
	outside := n.Outside && m.adding == 0
	k.remove = (member || outside) && !st.ConfPending && n.State != cluster.StateRemoved && !slices.Equal(voters, []uint64{n.ID}) && !m.removing(n.ID)
	return k
}

// removing reports whether a remove of node id, asked by D or at the
// prompt, has not answered yet: until the leader has its entry nothing in
// the status says so, and D pressed twice fast asked twice (the second's
// "node 5 was removed" took the first's result's place).
func (m *Model) removing(id uint64) bool {
	line := fmt.Sprintf("remove %d", id)
	return slices.ContainsFunc(m.inflight, func(r inflightRun) bool { return r.line == line })
}

// transferring reports whether st's leader is handing leadership over.
func transferring(st cluster.Status) bool {
	l, _ := st.Node(st.Leader)
	return l.Transferee != 0
}

// keyOff says why A, D or T, or a key that acts on the selected node,
// pressed while off, does nothing now ("" for any other key, or one that
// is on): a key that did nothing left a new user guessing.
func (m *Model) keyOff(msg tea.KeyMsg) (what, why string) {
	// In the link matrix too: its own c (cut a link) is taken before
	// this (panelKey), and D, p, i and the rest acted there on the node
	// the selection had fallen back to.
	if k := &m.keys; m.selGone != 0 {
		for _, b := range []*key.Binding{&k.Crash, &k.Power, &k.Restart, &k.Pause, &k.Isolate, &k.Group, &k.Remove, &k.Transfer, &k.Timeout, &k.Beat} {
			if slices.Contains(b.Keys(), msg.String()) {
				verb, _, _ := strings.Cut(b.Help().Desc, " ") // "transfer 3": no node is selected
				return fmt.Sprintf("%s %s", msg.String(), verb), m.selGoneWhy()
			}
		}
		// f turns a filter off with no node selected, and refuses to turn
		// one on (Filter is then off); the link matrix has no f.
		if b := offBinding(msg, &k.Filter); b != nil && m.region != regionLinks && m.pagerShown() == noPager {
			return msg.String() + " filter", m.selGoneWhy()
		}
	}
	if b := offBinding(msg, &m.keys.Heal); b != nil && m.pagerShown() == noPager {
		// Off with no fault on: it said nothing (a learner's report).
		return msg.String() + " heal", "no partition or link fault is on: nothing to heal"
	}
	if why = m.memberKeyWhy(msg); why != "" {
		what = map[string]string{"A": "A add", "D": fmt.Sprintf("D remove %d", m.sel), "T": fmt.Sprintf("T transfer %d", m.sel)}[msg.String()]
		return what, why
	}
	return m.nodeKeyOff(msg)
}

// offBinding returns the one of bs that msg presses when it is off; nil
// when msg presses none of them, or one that is on.
func offBinding(msg tea.KeyMsg, bs ...*key.Binding) *key.Binding {
	for _, b := range bs {
		if slices.Contains(b.Keys(), msg.String()) && !b.Enabled() {
			return b
		}
	}
	return nil
}

// nodeKeyOff is keyOff for the keys that act on the selected node (c, P,
// r, p, t, b) and s.
func (m *Model) nodeKeyOff(msg tea.KeyMsg) (what, why string) {
	k := &m.keys
	n := m.selected()
	b := offBinding(msg, &k.Crash, &k.Power, &k.Restart, &k.Pause, &k.Timeout, &k.Beat, &k.Step)
	if b == nil || m.region == regionLinks {
		return "", "" // in the link matrix c cuts a link
	}
	what = fmt.Sprintf("%s %s %d", msg.String(), b.Help().Desc, n.ID)
	if b == &k.Step {
		return "s step", "step delivers a held message, and messages are held only while frozen (z freezes)"
	}
	down := downWhy(n)
	switch b {
	case &k.Restart:
		if n.State == cluster.StateRemoved || n.State == cluster.StatePaused {
			return what, down
		}
		return what, fmt.Sprintf("%d is running: only a node that is down restarts", n.ID)
	case &k.Timeout:
		switch {
		case down != "":
			return what, down
		case n.Role == "leader":
			return what, fmt.Sprintf("%d leads: a leader has no election timer", n.ID)
		}
		return what, fmt.Sprintf("%d is not a voter: it never stands for election", n.ID)
	case &k.Beat:
		if down != "" {
			return what, down
		}
		return what, fmt.Sprintf("%d is not the leader: only a leader sends heartbeats", n.ID)
	}
	return what, down
}

// noLeaderWhy says why st has no leader to take a command, and what
// brings one: frozen, only steps (and a node that has won already needs
// only its appends delivered); running, time, unless too few voters are
// up for any election to be won.
func noLeaderWhy(st cluster.Status) string {
	if st.Frozen {
		if id := topClaimant(st); id != 0 {
			return fmt.Sprintf("%d has won the election, but no majority has heard from it yet, and the cluster is frozen: s delivers its appends (a leader a majority follows takes commands)", id)
		}
		return "no leader, and the cluster is frozen: only steps elect one (t times a node out, s delivers its votes)"
	}
	voters, up := st.Voters(), 0
	for _, id := range voters {
		if n, ok := st.Node(id); ok && n.Live() {
			up++
		}
	}
	if need := len(voters)/2 + 1; up < need {
		return fmt.Sprintf("no leader, and none can be elected: %d of %d voters are up and running, and an election needs %d (restart or resume one)", up, len(voters), need)
	}
	return "no leader to take the change (wait for one to be elected)"
}

// memberKeyWhy is keyOff's reason for A, D and T.
func (m *Model) memberKeyWhy(msg tea.KeyMsg) string {
	k := &m.keys
	b := offBinding(msg, &k.Add, &k.Remove, &k.Transfer)
	if b == nil {
		return ""
	}
	st, n := m.status, m.selected()
	switch {
	case st.Leader == 0:
		return "not now: " + noLeaderWhy(st)
	case st.Frozen && b != &k.Transfer && transferring(st):
		return "not now: the leader is handing leadership over, and only steps finish that (s steps)"
	}
	switch b {
	case &k.Add:
		switch {
		case m.adding > 0:
			return "an add is running: one at a time"
		case st.ConfPending:
			return "not now: a membership change is not yet committed, and the leader takes one at a time"
		}
		return fmt.Sprintf("no free node id: a cluster has at most %d nodes", cluster.MaxNodes)
	case &k.Remove:
		switch {
		case m.removing(n.ID):
			return fmt.Sprintf("remove %d is running: its result says when it is done", n.ID)
		case n.State == cluster.StateRemoved:
			return fmt.Sprintf("%d was removed already", n.ID)
		case st.ConfPending:
			return "not now: a membership change is not yet committed, and the leader takes one at a time"
		case !st.Membership.IsMember(n.ID) && !st.Membership.IsEmpty():
			return fmt.Sprintf("%d is not a member yet (it is joining: an add of it is running)", n.ID)
		}
		return fmt.Sprintf("%d is the last voter: removing it would leave no one to commit", n.ID)
	}
	switch {
	case n.ID == st.Leader || n.Role == "leader":
		return fmt.Sprintf("%d leads already (select another node)", n.ID)
	case !n.Live():
		if why := downWhy(n); why != "" {
			return why // paused: say so, and how to resume it
		}
		return fmt.Sprintf("%d is not running", n.ID)
	case !st.IsVoter(n.ID):
		return fmt.Sprintf("%d is not a voter: only a voter can lead", n.ID)
	}
	return "a transfer is under way"
}

// frozenAddRe matches the answer of an add while frozen: the learner is on
// its way, its promotion left for later.
var frozenAddRe = regexp.MustCompile(`^ok node=(\d+) learner-index=\d+ under way`)

// promoteLater promotes the learner a frozen add left (promoteAfter) once
// the cluster runs again and it has caught up, as an add does when not
// frozen (a teacher's frozen add stayed a learner for good); nil until
// then. It gives up on a node that is no longer a learner.
func (m *Model) promoteLater() tea.Cmd {
	id, st := m.promoteAfter, m.status
	if id == 0 || m.player != nil || st.Frozen || st.Leader == 0 || st.ConfPending || m.adding > 0 {
		return nil
	}
	if !st.Membership.IsLearner(id) {
		m.promoteAfter = 0 // promoted, or removed, by a command of the user's
		return nil
	}
	l, _ := st.Node(st.Leader)
	if p, ok := l.Progress[id]; !ok || p.Match+cluster.CaughtUpLag < l.LastIndex {
		return nil
	}
	m.promoteAfter = 0
	return m.run(fmt.Sprintf("promote %d", id))
}

// addKey runs `add`; A stays off until it answers (it can wait for the
// new node to catch up).
func (m *Model) addKey() tea.Cmd {
	// One more card may need more lines than the terminal has: the
	// dashboard would give way to "needs at least" and no key would undo
	// the add (a teacher projecting at 80x24 lost the screen to one A).
	// The screen's own rule decides, and the note names what its size
	// message would (at 80x24, 5 nodes were refused for wanting 26
	// lines, while the screen, drawn there, drew 6 in 23).
	if id := m.memberKeys().add; m.player == nil && id != 0 {
		if floor, need, nodes := m.addedFloor(m.width, id); !m.drawsAt(m.width, m.height, floor) {
			m.output.setNote("A add", fmt.Sprintf("not at this size: %s need %d lines at %d columns, and this terminal has %d; make it taller first (or type add at the prompt, :)",
				plural(nodes, "node"), need, m.width, m.height))
			return nil
		}
	}
	cmd := m.run("add")
	if cmd == nil {
		return nil
	}
	m.adding++
	return func() tea.Msg {
		r := cmd().(resultMsg)
		r.add = true
		return r
	}
}

// addedFloor is floorHeight at width through an add of node id, as A
// runs it: the cluster with the new node a learner, the change pending
// (the header names the configuration, the card the catch-up), and then
// a voter; the more of the two. (The cards of one node more, laid out as
// the others, missed the header's configuration line and the leader's
// longer lag list: a screen that fitted them gave way during the add.)
// need is the lines the size message asks for once the node is in
// (needFor), or the floor if more, and drawn the number of nodes drawn
// then.
func (m *Model) addedFloor(width int, id uint64) (floor, need, drawn int) {
	st := m.status
	l, ok := st.Node(st.Leader)
	if !ok { // (A needs a leader)
		return m.floorHeight(width), m.needHeight(width), len(m.nodes)
	}
	n := l // the new node, as a follower of the leader that has its log
	n.Role, n.Progress, n.Transferee = "follower", nil, 0
	for _, f := range st.Nodes {
		if f.ID != l.ID && f.State == cluster.StateUp && f.Role == "follower" {
			n = f
			break
		}
	}
	n.ID, n.Leader, n.Err = id, l.ID, ""
	c := st.Membership
	if c.IsEmpty() {
		c.Voters = members(st)
	}
	for _, learner := range []bool{true, false} {
		s := st
		s.Membership = raft.Membership{Voters: slices.Clone(c.Voters), Learners: slices.Clone(c.Learners)}
		if learner {
			s.Membership.Learners = append(s.Membership.Learners, id)
		} else {
			s.Membership.Voters = append(s.Membership.Voters, id)
		}
		s.ConfPending = learner
		nn := n
		nn.Membership = s.Membership
		s.Nodes = slices.Clone(st.Nodes)
		if i := slices.IndexFunc(s.Nodes, func(x cluster.NodeStatus) bool { return x.ID == id }); i >= 0 {
			s.Nodes[i] = nn // an id a removed node had
		} else {
			s.Nodes = append(s.Nodes, nn)
		}
		for i := range s.Nodes {
			if s.Nodes[i].ID == l.ID {
				p := maps.Clone(s.Nodes[i].Progress)
				if p == nil {
					p = map[uint64]raft.Progress{}
				}
				p[id] = raft.Progress{Match: l.LastIndex, Next: l.LastIndex + 1, Learner: learner, State: "replicate"}
				s.Nodes[i].Progress = p
			}
		}
		var nodes []cluster.NodeStatus // those drawn now, and the new one
		for _, x := range s.Nodes {
			if x.ID == id || slices.ContainsFunc(m.nodes, func(d cluster.NodeStatus) bool { return d.ID == x.ID }) {
				nodes = append(nodes, x)
			}
		}
		f := m.floorWith(s, nodes, width)
		floor, need, drawn = max(floor, f), m.needFor(f), len(nodes) // the voter's last
	}
	return floor, max(need, floor), drawn
}

// floorWith is floorHeight at width for the status st whose drawn nodes
// are nodes; the model's own are put back.
func (m *Model) floorWith(st cluster.Status, nodes []cluster.NodeStatus, width int) int {
	status, drawn, cards, hold := m.status, m.nodes, m.cards, m.cardHold
	defer func() { m.status, m.nodes, m.cards, m.cardHold = status, drawn, cards, hold }()
	m.status, m.nodes, m.cards, m.cardHold = st, nodes, nil, cardHold{}
	return m.floorHeight(width)
}

// downWhy says that node n is not running and what brings it back ("" when
// it runs): the reason a key that acts on it does nothing.
func downWhy(n cluster.NodeStatus) string {
	switch n.State {
	case cluster.StateFailed, cluster.StateCrashed:
		if n.Disk.Full {
			// r restarted it into the same full disk, and it failed
			// again at its first write.
			return fmt.Sprintf("%d is down: its disk is full (set disk-full %d off gives it space and restarts it)", n.ID, n.ID)
		}
		if n.Damaged != "" || strings.Contains(n.Err, "WAL is damaged") {
			// corrupt damaged its WAL: r fails until the file is fixed.
			return fmt.Sprintf("%d is down: its WAL is damaged (a restart fails until it is repaired; remove %d, then add %d replaces it)", n.ID, n.ID, n.ID)
		}
		return fmt.Sprintf("%d is down (r restarts it)", n.ID)
	case cluster.StateRemoved:
		return fmt.Sprintf("%d was removed (add %d starts a new node)", n.ID, n.ID)
	case cluster.StatePaused:
		return fmt.Sprintf("%d is paused (p resumes it)", n.ID)
	}
	return ""
}
