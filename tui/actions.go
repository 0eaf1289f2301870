package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftplay/cluster"
)

// The functions here only build command lines from what the screen shows;
// the commands package does the work.

// Speed limits: the fastest and slowest minimum election timeout the speed
// keys go to.
const (
	fastestElection = 12 * time.Millisecond
	slowestElection = 20 * time.Second
)

// fasterTiming halves every timeout, if that stays within the limits.
func fasterTiming(t cluster.Timing) (cluster.Timing, bool) {
	n := scaleTiming(t, 0.5)
	return n, t.ElectionMin > 0 && n.ElectionMin >= fastestElection && n.Heartbeat >= time.Millisecond && n.Validate() == nil
}

// slowerTiming doubles every timeout, if that stays within the limits.
func slowerTiming(t cluster.Timing) (cluster.Timing, bool) {
	n := scaleTiming(t, 2)
	return n, t.ElectionMin > 0 && n.ElectionMax <= 2*slowestElection && n.ElectionMin <= slowestElection && n.Validate() == nil
}

// scaleTiming scales t by f, rounded to whole milliseconds.
func scaleTiming(t cluster.Timing, f float64) cluster.Timing {
	s := t.Scale(f)
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return cluster.Timing{Heartbeat: r(s.Heartbeat), ElectionMin: r(s.ElectionMin), ElectionMax: r(s.ElectionMax)}
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

// groupsOf returns the partition groups of st, the unlisted nodes included,
// or one group of every node when the cluster is not partitioned.
func groupsOf(st cluster.Status) [][]uint64 {
	seen := map[uint64]bool{}
	var groups [][]uint64
	for _, g := range st.Faults.Groups {
		if len(g) == 0 {
			continue
		}
		g = slices.Clone(g)
		for _, id := range g {
			seen[id] = true
		}
		groups = append(groups, g)
	}
	var rest []uint64
	for _, n := range st.Nodes {
		if !seen[n.ID] {
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
