package tui

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// quietOf is clusterOf(n) with nothing under way: no load, every entry
// committed and applied on every node, no follower behind.
func quietOf(n int) cluster.Status {
	st := clusterOf(n)
	st.Load, st.Written = 0, 0
	st.Nodes = slices.Clone(st.Nodes)
	for i := range st.Nodes {
		x := &st.Nodes[i]
		x.Commit, x.Applied = x.LastIndex, x.LastIndex
	}
	st.Commit = st.Nodes[0].LastIndex
	return withLags(st, 0)
}

// withLags is st with its leader (node 1) behind by base+id entries on
// each follower id: from base 10 on, every lag has two digits and differs
// from the others, and the lag list wraps onto a line more.
func withLags(st cluster.Status, base uint64) cluster.Status {
	return withNode(st, 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		for id, p := range n.Progress {
			p.Match = n.LastIndex
			if base > 0 {
				p.Match -= base + id
			}
			n.Progress[id] = p
		}
	})
}

// unheard is st whose leader (node 1) has not heard its followers for 2 s,
// longer than the shortest election timeout.
func unheard(st cluster.Status) cluster.Status {
	return withNode(st, 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		n.ElectionMin, n.Tick = time.Second, 10*time.Millisecond
		for id, p := range n.Progress {
			p.HeardAgo = 200
			n.Progress[id] = p
		}
	})
}

// TestHeldCardLinesDoNotStopTheScreen: the lines a card held from an
// earlier frame (cardHold: under load a leader's lag list wraps for a
// frame) are drawn only where they fit, and the size the dashboard asks
// for is that of the cards as they are now, the one A's refusal asks of
// the cluster with one node more. 5 nodes under load at 80x24, their
// cards a line taller for a moment, took A; once the sixth node's lag
// list had wrapped for a frame, the screen said "needs at least 80x26 for
// 6 nodes" for good, where it drew 6 nodes the frame before (a new
// user's report).
func TestHeldCardLinesDoNotStopTheScreen(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(clusterOf(5)), ex, 80, 24)
	if v := m.View(); strings.Contains(v, "needs at least") {
		t.Fatalf("5 nodes at 80x24:\n%s", v)
	}
	m.Update(frameMsg(withLags(clusterOf(5), 10))) // the lag list wraps: the cards grow, and hold it
	m.Update(frameMsg(clusterOf(5)))
	if v := m.View(); strings.Contains(v, "needs at least") {
		t.Fatalf("5 nodes at 80x24, their cards held a line taller:\n%s", v)
	}
	if press(m, "A"); !slices.Equal(ex.got(), []string{"add"}) {
		t.Fatalf("A at 80x24 with 5 nodes: ran %q, note %q", ex.got(), m.output.note)
	}
	m.Update(frameMsg(clusterOf(6)))
	if v := m.View(); strings.Contains(v, "needs at least") || !strings.Contains(v, "6 FOLLOWER") {
		t.Fatalf("6 nodes at 80x24 after A:\n%s", v)
	}
	m.Update(frameMsg(unheard(withLags(clusterOf(6), 10)))) // the lag list and the why-line wrap
	if v := m.View(); !strings.Contains(v, "needs at least 80x26 for 6 nodes") {
		t.Fatalf("6 nodes at 80x24 whose lag list wraps (their cards do not fit):\n%s", v)
	}
	m.Update(frameMsg(clusterOf(6)))
	if v := m.View(); strings.Contains(v, "needs at least") || !strings.Contains(v, "6 FOLLOWER") {
		t.Fatalf("6 nodes at 80x24 whose lag list fits again (it asked for the line their cards held):\n%s", v)
	}
	// Where the held line fits, it is kept: the lanes give it up.
	m.Update(frameMsg(withLags(clusterOf(5), 10)))
	m.Update(frameMsg(clusterOf(5)))
	held := m.layout().cards.height()
	if m.Update(frameMsg(withLags(clusterOf(5), 0))); m.layout().cards.height() != held {
		t.Errorf("5 nodes at 80x24: the cards' held line was not kept where it fits (%d lines, then %d)", held, m.layout().cards.height())
	}
}

// TestFreshNineNodesDrawAt80x28: a fresh 9 nodes in an 80x28 terminal
// draw once a leader leads, as the README says: the leader's first card,
// a line or two taller for a moment, was held, and its lines were asked
// for: "needs at least 80x30 for 9 nodes" until the window was resized.
// What the size message asks for is what draws.
func TestFreshNineNodesDrawAt80x28(t *testing.T) {
	src := newFakeSource(withLags(quietOf(9), 10))
	m := newModel(src, &fakeExec{}, 80, 28)
	m.View()
	m.Update(frameMsg(quietOf(9)))
	if v := m.View(); strings.Contains(v, "needs at least") || !strings.Contains(v, "9 FOLLOWER") {
		t.Fatalf("a fresh 9 nodes at 80x28, a leader leading:\n%s", v)
	}
	// The size it asks for is the least at which it draws.
	fresh := func(h int) string {
		f := newModel(newFakeSource(withLags(quietOf(9), 10)), &fakeExec{}, 80, h)
		f.View()
		f.Update(frameMsg(quietOf(9)))
		return f.View()
	}
	sm := regexp.MustCompile(`needs at least 80x(\d+) for 9 nodes`).FindStringSubmatch(fresh(20))
	if sm == nil {
		t.Fatalf("at 80x20:\n%s", fresh(20))
	}
	need, _ := strconv.Atoi(sm[1])
	for h := 20; h <= 28; h++ {
		if draws := !strings.Contains(fresh(h), "needs at least"); draws != (h >= need) {
			t.Errorf("a fresh 9 nodes at 80x%d draw: %v; at 80x20 it asks for 80x%d", h, draws, need)
		}
	}
}
