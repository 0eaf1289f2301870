package tui

import (
	"strings"
	"sync"
	"time"

	"raftplay/cluster"
	"raftplay/raft"
	"raftplay/transport"
)

// The worst case the minimum size is made of (see view.go). Cards and the
// header are measured on statuses built to be as tall as they can be:
// every card in each of its tallest states (a stale leader whose
// followers all lag by different six-digit counts; a pre-candidate; followers behind or without a leader;
// crashed and failed nodes with a long error (only a node that is down has
// one); a paused node), all frozen
// with held messages and each in a partition group of its own, and the
// widest numbers the dashboard plans for: indexes of six digits, terms of
// three, waits of thousands of seconds. A status wider still (a
// seven-digit log) counts as it is: the minimum then grows with it.

// The widest numbers the minimum plans for.
const (
	worstIndex = 999_999
	worstTerm  = 999
	worstHeld  = 999
)

// worstHeader is the most lines the header can take at width: the cluster
// line at its widest (or as it is, when wider), the timing line with its
// faults (capped at timingMax), a violation, step mode, and the script's
// line when a script plays.
func (m *Model) worstHeader(width int) int {
	wide := cluster.Status{Term: worstTerm, Commit: worstIndex, Load: 9999, Written: 999_999_999, Nodes: make([]cluster.NodeStatus, max(2, len(m.status.Nodes)))}
	lines := max(len(wrapSegments(m.clusterLine(wide, 99999), width)), len(wrapSegments(m.clusterLine(m.status, m.rate.perSec), width)))
	lines += max(timingMax, len(m.timingLine(m.status, width)))
	lines += len(wrapWords(violationText(99), width))
	lines += len(wrapWords(frozenText(worstHeld*9), width))
	if m.script.total > 0 {
		lines += scriptMax
	}
	return lines
}

// worstCardLayout is the card rows the minimum counts at width: laid out
// as cardLayout lays them, for cards as tall as any can be (or as this
// status's, when they are taller: numbers wider than planned for).
func (m *Model) worstCardLayout(width int) cardGeom {
	c := m.cardMemo()
	if g, ok := c.worst[width]; ok {
		return g
	}
	n := len(m.status.Nodes)
	worst := cardLayoutBy(n, width, func(inner int) int { return m.worstCardLines(n, inner) })
	if now := m.cardLayout(width); now.height() > worst.height() {
		worst = now
	}
	c.worst[width] = worst
	return worst
}

// worstCache holds worstCardLines by cluster size and inner width: they
// depend on nothing else.
var worstCache sync.Map // [2]int -> int

// worstCardLines is the most text lines a card can need at inner width in
// a cluster of n nodes.
func (m *Model) worstCardLines(n, inner int) int {
	k := [2]int{n, inner}
	if v, ok := worstCache.Load(k); ok {
		return v.(int)
	}
	lines := 1
	for _, st := range worstStatuses(n) {
		for _, node := range st.Nodes {
			l := 1 // the title
			for _, b := range m.cardBlocks(st, node) {
				l += len(b.pick(inner))
			}
			lines = max(lines, l)
		}
	}
	worstCache.Store(k, lines)
	return lines
}

// worstStatuses returns statuses of n nodes whose cards are as tall as
// cards get: in each, node 1 leads (so that followers are behind it) and
// the others are in one of the tallest states; in one, every node is a
// stale leader.
func worstStatuses(n int) []cluster.Status {
	variants := []func(*cluster.NodeStatus){
		worstLeader, worstPreCandidate, worstCandidate, worstFollowerBehind, worstFollowerAlone,
		worstCrashed, worstFailed, worstPaused,
	}
	var out []cluster.Status
	for vi, v := range variants {
		st := cluster.Status{Term: worstTerm, Commit: worstIndex - 12345, Frozen: true, Timing: cluster.WatchTiming}
		for id := uint64(1); id <= uint64(n); id++ {
			node := worstNode(id, n)
			if id == 1 && n > 1 && vi != 0 {
				worstLeader(&node)
				st.Leader = 0 // stale: the longest thing a leader's why-line says
			} else {
				v(&node)
			}
			st.Nodes = append(st.Nodes, node)
			if n > 1 {
				st.Faults.Groups = append(st.Faults.Groups, []uint64{id})
			}
		}
		out = append(out, st)
	}
	return out
}

// worstNode is node id of n at its widest: big indexes and terms, a
// snapshot, frozen and holding messages.
func worstNode(id uint64, n int) cluster.NodeStatus {
	node := cluster.NodeStatus{
		ID: id, State: cluster.StateUp, Role: "follower", Term: worstTerm, Vote: 9, Leader: 1,
		Commit: worstIndex - 12345, Applied: worstIndex - 23456, FirstIndex: worstIndex - 100000, LastIndex: worstIndex,
		SnapshotIndex: worstIndex - 100001, SnapshotTerm: worstTerm,
		ElectionTimeout: 999 * time.Second, ElectionMin: time.Second, Tick: time.Millisecond,
		Frozen: true, Held: make([]cluster.HeldInfo, worstHeld),
		Links: map[uint64]transport.LinkStats{1: {SnapshotBytesRecv: 99, SnapshotRecvTotal: 100}},
	}
	// Every follower lags by a different six-digit count: the longest lag
	// list there is (none grouped; a snapshot's ⇢99% or a probe's - would
	// be shorter).
	node.Progress = map[uint64]raft.Progress{}
	for p := uint64(1); p <= uint64(n); p++ {
		if p != id {
			node.Progress[p] = raft.Progress{Match: worstIndex - 100000 - 99999*p, Next: worstIndex, State: "replicate", HeardAgo: 9_999_999}
		}
	}
	return node
}

func worstLeader(n *cluster.NodeStatus) {
	n.Role, n.Leader, n.ElectionTimeout = "leader", n.ID, time.Second
	n.QuorumIndex, n.QuorumTerm = worstIndex, worstTerm-1
}

func worstPreCandidate(n *cluster.NodeStatus) {
	n.Role, n.Leader, n.Progress = "pre-candidate", 0, nil
	n.Tally = &raft.Tally{Pre: true, Needed: 9, Granted: []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9}}
}

func worstCandidate(n *cluster.NodeStatus) {
	worstPreCandidate(n)
	n.Role = "candidate"
}

func worstFollowerBehind(n *cluster.NodeStatus) { n.Progress = nil }

func worstFollowerAlone(n *cluster.NodeStatus) { n.Leader, n.Progress = 0, nil }

// worstCrashed is a node down with an error (two lines at most: the
// detail view has it whole) and what it last published.
func worstCrashed(n *cluster.NodeStatus) {
	n.State, n.Role, n.WasRole, n.AsOf, n.Progress = cluster.StateCrashed, "down", "leader", time.Unix(1, 0), nil
	n.Err = strings.Repeat("wal: node-9/0000000000000001.wal offset 123456: crc mismatch ", 4)
}

func worstFailed(n *cluster.NodeStatus) {
	worstCrashed(n)
	n.State = cluster.StateFailed
}

func worstPaused(n *cluster.NodeStatus) {
	n.State, n.Progress = cluster.StatePaused, nil
}
