package tui

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
	"raftplay/transport"
)

// withConfig gives every node of st (and so the cluster) the configuration
// of voters and learners.
func withConfig(st cluster.Status, voters, learners []uint64) cluster.Status {
	c := raft.Membership{Voters: voters, Learners: learners}
	st.Membership = c
	st.Nodes = slices.Clone(st.Nodes)
	for i := range st.Nodes {
		st.Nodes[i].Membership, st.Nodes[i].ConfIndex = c, 2
	}
	return st
}

// learnerStatus is steady(900) whose node 5 is a learner catching up: it
// holds 812 of the leader's 900 entries; the change that added it is
// pending when pending.
func learnerStatus(pending bool) cluster.Status {
	st := withConfig(steady(900), []uint64{1, 2, 3, 4}, []uint64{5})
	st.ConfPending = pending
	st = withNode(st, 5, func(n *cluster.NodeStatus) {
		n.Commit, n.Applied, n.LastIndex, n.Vote = 812, 812, 812, 0
		n.LogTerms = n.LogTerms[:812]
	})
	return withNode(st, 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		n.Progress[5] = raft.Progress{Match: 812, Next: 813, Learner: true, State: "replicate"}
	})
}

func cloneProgress(p map[uint64]raft.Progress) map[uint64]raft.Progress {
	out := make(map[uint64]raft.Progress, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// joiningStatus is steady(40) with a sixth node started but not yet in the
// configuration: it has none of its own.
func joiningStatus() cluster.Status {
	st := withConfig(steady(40), []uint64{1, 2, 3, 4, 5}, nil)
	j := st.Nodes[4]
	j.ID, j.Membership, j.ConfIndex, j.Commit, j.Applied, j.LastIndex, j.LogTerms, j.Vote = 6, raft.Membership{}, 0, 0, 0, 0, nil, 0
	st.Nodes = append(st.Nodes, j)
	return st
}

// outsideStatus is joiningStatus once the add of 6 gave up before a leader
// took its entry: 6 runs outside the cluster.
func outsideStatus() cluster.Status {
	return withNode(joiningStatus(), 6, func(n *cluster.NodeStatus) { n.Outside = true })
}

// removedStatus is steady(40) once node 4 has been removed, at t0+at: the
// configuration is 1,2,3,5 and node 4 stopped.
func removedStatus(at time.Duration) cluster.Status {
	st := withConfig(steady(40), []uint64{1, 2, 3, 5}, nil)
	st.Time = t0.Add(at)
	st = withNode(st, 4, func(n *cluster.NodeStatus) {
		*n = downAsOf(*n, cluster.StateRemoved, "")
		n.Commit, n.Applied, n.LastIndex, n.LogTerms = 38, 38, 38, n.LogTerms[:38]
	})
	return withNode(st, 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		delete(n.Progress, 4)
	})
}

// transferStatus is steady(40) with leader 1 handing leadership to 3.
func transferStatus() cluster.Status {
	return withNode(withConfig(steady(40), []uint64{1, 2, 3, 4, 5}, nil), 1, func(n *cluster.NodeStatus) { n.Transferee = 3 })
}

// nineMembers is a 9-node cluster under load: node 8 a learner far
// behind, node 9 joining, node 6 removed a second ago, leader 1 handing
// over to 2, a change pending.
func nineMembers() cluster.Status {
	st := withConfig(bigStatus(12345), []uint64{1, 2, 3, 4, 5, 7}, []uint64{8})
	st.Commit, st.ConfPending = 12342, true
	st = withNode(st, 6, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateRemoved, "") })
	st = withNode(st, 8, func(n *cluster.NodeStatus) { n.LastIndex, n.Commit, n.Applied = 4000, 4000, 4000 })
	st = withNode(st, 9, func(n *cluster.NodeStatus) {
		n.Membership, n.ConfIndex, n.LastIndex, n.Commit, n.Applied, n.LogTerms, n.LogStart = raft.Membership{}, 0, 0, 0, 0, nil, 0
	})
	return withNode(st, 1, func(n *cluster.NodeStatus) {
		n.Transferee = 2
		n.Progress = cloneProgress(n.Progress)
		n.Progress[8] = raft.Progress{Match: 4000, Next: 4001, Learner: true, State: "replicate"}
		n.Progress[9] = raft.Progress{Match: 0, Next: 1, State: "probe"}
		delete(n.Progress, 6)
	})
}

// setStatus makes src answer st from now on.
func (f *fakeSource) setStatus(st cluster.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st = st
}

// memberScenario is a golden view of the membership: the program starts
// over first, takes then (when set) once it has drawn first's wait, is
// sent keys and is drawn once it shows wait.
type memberScenario struct {
	first, then cluster.Status
	keys        []string
	w, h        int
	wait        string
}

// TestGoldenMemberViews: a learner catching up (its card, the leader's
// lag, the pending configuration in the header, the keys that apply to
// it), a node joining, a removed node greyed with the time its card has
// left, a leader handing over, all of them at once at 80x24, and a
// 9-node cluster with every kind of member.
func TestGoldenMemberViews(t *testing.T) {
	plain := withConfig(steady(40), []uint64{1, 2, 3, 4, 5}, nil)
	nine := nineMembers()
	nineFirst := withNode(nine, 6, func(n *cluster.NodeStatus) { n.State, n.AsOf, n.Role = cluster.StateUp, time.Time{}, "follower" })
	nine.Time = t0.Add(2 * time.Second)
	all := learnerStatus(true)
	all = withNode(all, 1, func(n *cluster.NodeStatus) { n.Transferee = 3 })
	allRemoved := withNode(all, 4, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateRemoved, "") })
	allRemoved.Membership = raft.Membership{Voters: []uint64{1, 2, 3}, Learners: []uint64{5}}
	allRemoved.Time = t0.Add(1500 * time.Millisecond)
	tests := map[string]memberScenario{
		"learner-120x40":  {first: learnerStatus(true), keys: []string{"5"}, w: 120, h: 40, wait: "LEARNER"},
		"joining-120x40":  {first: joiningStatus(), keys: []string{"6"}, w: 120, h: 40, wait: "JOINING"},
		"removed-120x40":  {first: plain, then: removedStatus(time.Second), keys: []string{"4"}, w: 120, h: 40, wait: "REMOVED"},
		"transfer-120x40": {first: transferStatus(), keys: []string{"3"}, w: 120, h: 40, wait: "transferring to 3"},
		"all-80x24":       {first: all, then: allRemoved, w: 80, h: 24, wait: "REMOVED"},
		"nine-140x50":     {first: nineFirst, then: nine, keys: []string{"8"}, w: 140, h: 50, wait: "REMOVED"},
	}
	for name, sc := range tests {
		t.Run(name, func(t *testing.T) {
			src := newFakeSource(sc.first)
			src.event(-500, 1, cluster.EventMember, "membership changes below")
			m := New(Options{Source: src, Exec: &fakeExec{}, Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(sc.w, sc.h))
			waitOut := func(want ...string) { // every one of want drawn since the last wait
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
					return !slices.ContainsFunc(want, func(w string) bool { return !bytes.Contains(b, []byte(w)) })
				}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
			}
			var then []string
			if sc.then.Nodes == nil {
				waitOut("membership changes below", sc.wait)
			} else {
				waitOut("membership changes below")
				src.setStatus(sc.then)
				then = append(then, sc.wait)
			}
			for _, k := range sc.keys {
				tm.Send(keyMsg(k))
			}
			if len(sc.keys) > 0 { // the last key's selection is drawn
				then = append(then, "▸"+sc.keys[len(sc.keys)-1])
			}
			if len(then) > 0 {
				waitOut(then...)
			}
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
			v := fm.View()
			checkFits(t, name, v, sc.w, sc.h)
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// TestRemovedNodeGoesAfterAWhile: a removed node's card and lane stay,
// greyed, for removedFor by the status's clock, saying when they go; then
// they are gone from the cards, the lanes and the selection, and every
// view still draws; a node removed before the dashboard started is never
// drawn; a removed node added again is drawn again.
func TestRemovedNodeGoesAfterAWhile(t *testing.T) {
	plain := withConfig(steady(40), []uint64{1, 2, 3, 4, 5}, nil)
	m := newModel(newFakeSource(plain), &fakeExec{}, 120, 40)
	press(m, "4")
	m.Update(frameMsg(removedStatus(time.Second)))
	v := m.View()
	c4 := cardOf(t, v, 4)
	for _, want := range []string{"REMOVED", "term 3", "38/38/38", "stopped, files deleted", "goes in 5s"} {
		if !strings.Contains(c4, want) {
			t.Errorf("removed card lacks %q:\n%s", want, c4)
		}
	}
	if lane := laneOf(t, v, 4); !strings.HasSuffix(lane, "c=38 l=38 removed") {
		t.Errorf("removed lane: %q", lane)
	}
	if !strings.Contains(v, "raftplay  4 nodes  leader 1") {
		t.Errorf("the header counts the removed node or shows a config:\n%s", v)
	}
	m.Update(frameMsg(removedStatus(4500 * time.Millisecond)))
	if c4 := cardOf(t, m.View(), 4); !strings.Contains(c4, "goes in 2s") {
		t.Errorf("3.5s later the card says:\n%s", c4)
	}
	if m.Selected() != 4 {
		t.Fatalf("selection moved off the greyed card: %d", m.Selected())
	}
	m.Update(frameMsg(removedStatus(6 * time.Second)))
	v = m.View()
	if strings.Contains(v, "REMOVED") || strings.Contains(v, "c=38") || strings.Contains(v, " 4 FOLLOWER") {
		t.Fatalf("the removed node is still drawn 5s later:\n%s", v)
	}
	if m.Selected() != 3 {
		t.Errorf("the selection is %d, want 3 (the drawn node below 4)", m.Selected())
	}
	press(m, "tab")
	if m.Selected() != 5 {
		t.Errorf("tab from 3 selects %d, want 5", m.Selected())
	}
	press(m, "shift+tab", "4")
	if m.Selected() != 3 {
		t.Errorf("shift+tab then 4 selects %d, want 3 (4 is gone)", m.Selected())
	}
	for _, keys := range [][]string{{"enter"}, {"esc", "m"}, {"m", "x"}, {"x", "L"}, {"L", "?"}, {"?"}} {
		press(m, keys...)
		checkFits(t, fmt.Sprintf("after %q", keys), m.View(), 120, 40)
	}

	// Added again: drawn again.
	back := plain
	back.Time = t0.Add(7 * time.Second)
	m.Update(frameMsg(back))
	if c := cardOf(t, m.View(), 4); !strings.Contains(c, "FOLLOWER") {
		t.Errorf("node 4 added again:\n%s", c)
	}

	// Removed before the dashboard started: never drawn.
	m = newModel(newFakeSource(removedStatus(time.Second)), &fakeExec{}, 120, 40)
	if v := m.View(); strings.Contains(v, "REMOVED") || strings.Contains(v, "c=38") {
		t.Errorf("a node removed before the start is drawn:\n%s", v)
	}
}

// TestLearnerJoiningLeavingCards: a learner's card says LEARNER with its
// catch-up from the leader's progress (a bar and match/last, a snapshot,
// probing), never a timer it does not act on; a node not yet in the
// configuration says JOINING; a leader the configuration no longer has
// says it is leaving, a learner that is down that it is a learner; a
// leader handing over says to whom.
func TestLearnerJoiningLeavingCards(t *testing.T) {
	card := func(st cluster.Status, id uint64) string {
		t.Helper()
		return cardOf(t, newModel(newFakeSource(st), &fakeExec{}, 140, 50).View(), id)
	}
	has := func(what, c string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(c, w) {
				t.Errorf("%s lacks %q:\n%s", what, w, c)
			}
		}
	}
	c := card(learnerStatus(false), 5)
	has("learner", c, "5 LEARNER", "⇡███████░ 812/900", "learner: 812 of 900")
	if strings.Contains(c, "⏱") || strings.Contains(c, "FOLLOWER") {
		t.Errorf("a learner's card shows a timer or FOLLOWER:\n%s", c)
	}
	snap := withNode(learnerStatus(false), 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		n.Progress[5] = raft.Progress{Next: 700, Learner: true, State: "snapshot", PendingSnapshot: 700}
		n.Links = maps.Clone(n.Links)
		n.Links[5] = transport.LinkStats{SnapshotBytesSent: 45, SnapshotBytesTotal: 100}
	})
	has("learner receiving a snapshot", card(snap, 5), "⇢snap 45%")
	probe := withNode(learnerStatus(false), 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		n.Progress[5] = raft.Progress{Next: 900, Learner: true, State: "probe"}
	})
	has("learner probed", card(probe, 5), "catch-up: probing")
	// No leader with a majority, but the learner still follows 1, which
	// still leads and drives its catch-up: the card says so, as its
	// "leader 1" line does.
	noQuorum := learnerStatus(false)
	noQuorum.Leader = 0
	has("learner whose leader has no majority", card(noQuorum, 5), "⇡███████░ 812/900", "leader 1")
	noLeader := withNode(noQuorum, 5, func(n *cluster.NodeStatus) { n.Leader = 0 })
	has("learner without a leader", card(noLeader, 5), "catch-up: no leader")
	deposed := withNode(noQuorum, 1, func(n *cluster.NodeStatus) { n.Role = "follower" })
	has("learner whose leader stepped down", card(deposed, 5), "catch-up: no leader")
	untracked := withNode(learnerStatus(false), 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		delete(n.Progress, 5)
	})
	has("learner its leader does not track", card(untracked, 5), "catch-up: none", "learner: not in 1's config")
	down := withNode(learnerStatus(false), 5, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateCrashed, "") })
	has("learner down", card(down, 5), "5 DOWN", "learner", "as of crash")

	has("joining", card(joiningStatus(), 6), "6 JOINING", "no config yet")
	// An add cut short: not a learner, joining or leaving, whatever its
	// own stale configuration says.
	out := withNode(outsideStatus(), 6, func(n *cluster.NodeStatus) {
		n.Membership, n.ConfIndex = raft.Membership{Voters: []uint64{1, 2, 3, 4, 5}, Learners: []uint64{6}}, 41
	})
	has("outside", card(out, 6), "6 OUTSIDE", "outside: remove it")
	outDown := withNode(out, 6, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateCrashed, ""); n.Outside = true })
	has("outside and down", card(outDown, 6), "6 DOWN", "outside the cluster")
	leaving := withConfig(steady(40), []uint64{2, 3, 4, 5}, nil)
	leaving.ConfPending = true
	has("leader leaving", card(leaving, 1), "1 LEADER", "leaving the config")
	follower := withConfig(steady(40), []uint64{1, 2, 3, 5}, nil)
	follower.ConfPending = true
	has("follower leaving", card(follower, 4), "4 LEAVING")
	has("leader handing over", card(transferStatus(), 1), "→ transferring to 3")
	if c := card(withConfig(steady(40), []uint64{1, 2, 3, 4, 5}, nil), 1); strings.Contains(c, "→") || strings.Contains(c, "leaving") {
		t.Errorf("a plain leader's card:\n%s", c)
	}
}

// TestHeaderShowsTheConfiguration: the header says the configuration
// only when it is not every node a voter: the voters, the learners and a
// change pending; the node count leaves removed nodes out.
func TestHeaderShowsTheConfiguration(t *testing.T) {
	twoLearners := withConfig(steady(40), []uint64{1, 2, 3}, []uint64{4, 5})
	tests := []struct {
		name      string
		st        cluster.Status
		want, not string
	}{
		{"no configuration known", steady(40), "raftplay  5 nodes  leader 1", "config"},
		{"every node a voter", withConfig(steady(40), []uint64{1, 2, 3, 4, 5}, nil), "raftplay  5 nodes  leader 1", "config"},
		{"a learner, pending", learnerStatus(true), "5 nodes  config 1,2,3,4 +5 learner pending  leader 1", ""},
		{"a learner", learnerStatus(false), "config 1,2,3,4 +5 learner  leader", "pending"},
		{"two learners", twoLearners, "config 1,2,3 +4,5 learners  leader", ""},
		{"a node joining", joiningStatus(), "6 nodes  config 1,2,3,4,5  leader", ""},
		{"a node removed", removedStatus(time.Second), "raftplay  4 nodes  leader 1", "config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newModel(newFakeSource(tc.st), &fakeExec{}, 200, 50).View()
			head := v[:strings.IndexByte(v, '\n')]
			if !strings.Contains(head, tc.want) || (tc.not != "" && strings.Contains(head, tc.not)) {
				t.Errorf("header %q: want %q, not %q", head, tc.want, tc.not)
			}
		})
	}
}

// TestMemberKeysRunCommandLines: A adds a node, D removes the selected
// node, T hands leadership to it, each as a command line; where they do
// not apply they run nothing.
func TestMemberKeysRunCommandLines(t *testing.T) {
	plain := withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)
	frozenSt := plain
	frozenSt.Frozen = true
	noLeader := plain
	noLeader.Leader = 0
	pending := plain
	pending.ConfPending = true
	full := bigStatus(100)
	lastVoter := withConfig(steady(10), []uint64{1}, []uint64{2})
	crashed3 := withNode(plain, 3, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateCrashed, "") })
	tests := []struct {
		name string
		st   cluster.Status
		keys []string
		want []string
		note string // what a key that is off says instead
	}{
		{"add", plain, []string{"A"}, []string{"add"}, ""},
		{"add with nine nodes, one removed", withNode(full, 4, func(n *cluster.NodeStatus) { n.State = cluster.StateRemoved }), []string{"A"}, []string{"add"}, ""},
		{"no add with nine nodes", full, []string{"A"}, nil, "A add: no free node id: a cluster has at most 9 nodes"},
		{"add when frozen (the steps carry it)", frozenSt, []string{"A"}, []string{"add"}, ""},
		{"no add without a leader", noLeader, []string{"A"}, nil, "A add: not now: no leader to take the change"},
		{"no add without a leader, frozen", func() cluster.Status {
			s := withNode(noLeader, 1, func(n *cluster.NodeStatus) { n.Role = "follower" })
			s.Frozen = true
			return s
		}(), []string{"A"}, nil, "A add: not now: no leader, and the cluster is frozen: only steps elect one"},
		// Won by steps, not yet heard by a majority: steps deliver its
		// appends (a teacher was told to time a node out again).
		{"no add frozen, the winner unheard", func() cluster.Status { s := noLeader; s.Frozen = true; return s }(), []string{"A"}, nil,
			"A add: not now: 1 has won the election, but no majority has heard from it yet, and the cluster is frozen: s delivers its appends"},
		{"no add with too few voters up", func() cluster.Status {
			s := noLeader
			for _, id := range []uint64{1, 2, 3} {
				s = withNode(s, id, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateCrashed, "") })
			}
			return s
		}(), []string{"5", "A"}, nil, "A add: not now: no leader, and none can be elected: 2 of 5 voters are up and running, and an election needs 3 (restart or resume one)"},
		{"no add while a change is pending", pending, []string{"A"}, nil, "A add: not now: a membership change is not yet committed"},
		{"remove selected", plain, []string{"3", "D"}, []string{"remove 3"}, ""},
		{"remove the leader", plain, []string{"D"}, []string{"remove 1"}, ""},
		{"remove a learner", learnerStatus(false), []string{"5", "D"}, []string{"remove 5"}, ""},
		{"remove a crashed node", crashed3, []string{"3", "D"}, []string{"remove 3"}, ""},
		{"no remove while a change is pending", pending, []string{"3", "D"}, nil, "D remove 3: not now: a membership change is not yet committed"},
		{"remove of a node that runs outside the cluster", outsideStatus(), []string{"6", "D"}, []string{"remove 6"}, ""},
		{"no remove of a removed node", removedStatus(0), []string{"4", "D"}, nil, "D remove 4: 4 was removed already"},
		{"no remove of the last voter", lastVoter, []string{"1", "D"}, nil, "D remove 1: 1 is the last voter"},
		{"remove when frozen (the steps carry it)", frozenSt, []string{"3", "D"}, []string{"remove 3"}, ""},
		{"transfer to selected", plain, []string{"3", "T"}, []string{"transfer 3"}, ""},
		{"transfer when frozen (the steps carry it)", frozenSt, []string{"3", "T"}, []string{"transfer 3"}, ""},
		{"no transfer to the leader", plain, []string{"1", "T"}, nil, "T transfer 1: 1 leads already"},
		{"no transfer to a learner", learnerStatus(false), []string{"5", "T"}, nil, "T transfer 5: 5 is not a voter"},
		{"no transfer to a crashed node", crashed3, []string{"3", "T"}, nil, "T transfer 3: 3 is down (r restarts it)"},
		{"no transfer while one is under way", transferStatus(), []string{"2", "T"}, nil, "T transfer 2: a transfer is under way"},
		{"no transfer without a leader", noLeader, []string{"2", "T"}, nil, "T transfer 2: not now: no leader"},
		{"no timeout of a learner", learnerStatus(false), []string{"5", "t"}, nil, "t timeout 5: 5 is not a voter: it never stands for election"},
		{"no crash of a crashed node", crashed3, []string{"3", "c"}, nil, "c crash 3: 3 is down (r restarts it)"},
		// Failed on a full disk, r restarted it into the same full disk.
		{"no pause of a node failed on a full disk", withNode(plain, 3, func(n *cluster.NodeStatus) {
			*n = downAsOf(*n, cluster.StateFailed, "wal: write: no space left on device")
			n.Disk.Full = true
		}), []string{"3", "p"}, nil, "p pause 3: 3 is down: its disk is full (set disk-full 3 off gives it space and restarts it)"},
		// Its WAL damaged (corrupt, then a failed restart): r fails again
		// until the file is fixed (it said "r restarts it").
		{"no pause of a node whose WAL is damaged", withNode(plain, 3, func(n *cluster.NodeStatus) {
			*n = downAsOf(*n, cluster.StateFailed, "node 3 could not start: its WAL is damaged: DATA/node-3/0000.wal at offset 97: record checksum mismatch")
		}), []string{"3", "p"}, nil, "p pause 3: 3 is down: its WAL is damaged (a restart fails until it is repaired; remove 3, then add 3 replaces it)"},
		{"no restart of a running node", plain, []string{"3", "r"}, nil, "r restart 3: 3 is running"},
		{"no timeout of the leader", plain, []string{"1", "t"}, nil, "t timeout 1: 1 leads: a leader has no election timer"},
		{"no heartbeat from a follower", plain, []string{"3", "b"}, nil, "b heartbeat 3: 3 is not the leader"},
		{"no step when not frozen", plain, []string{"s"}, nil, "s step: step delivers a held message"},
		{"timeout of a voter", learnerStatus(false), []string{"4", "t"}, []string{"timeout 4"}, ""},
	}
	// While this dashboard's own add of it runs, a node outside the
	// membership is joining: D leaves it alone.
	t.Run("no remove of a node this dashboard is adding", func(t *testing.T) {
		ex := &fakeExec{}
		m := newModel(newFakeSource(plainBefore(joiningStatus())), ex, 120, 40)
		m.Update(frameMsg(joiningStatus()))
		m.adding = 1
		press(m, "6", "D")
		if got := ex.got(); len(got) != 0 {
			t.Fatalf("D ran %q", got)
		}
		if v := strings.Join(strings.Fields(m.View()), " "); !strings.Contains(v, "D remove 6: 6 is not a member yet (it is joining: an add of it is running)") {
			t.Errorf("no note:\n%s", v)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{}
			m := newModel(newFakeSource(plainBefore(tc.st)), ex, 120, 40)
			m.Update(frameMsg(tc.st))
			press(m, tc.keys...)
			if got := ex.got(); !slices.Equal(got, tc.want) {
				t.Fatalf("keys %q ran %q, want %q", tc.keys, got, tc.want)
			}
			if v := m.View(); tc.note != "" && !strings.Contains(strings.Join(strings.Fields(v), " "), tc.note) {
				t.Errorf("keys %q: no note %q:\n%s", tc.keys, tc.note, v)
			}
		})
	}
}

// plainBefore is what the cluster was before st: its nodes not removed
// (a node removed while the dashboard runs is drawn, greyed).
func plainBefore(st cluster.Status) cluster.Status {
	st.Nodes = slices.Clone(st.Nodes)
	for i := range st.Nodes {
		if st.Nodes[i].State == cluster.StateRemoved {
			st.Nodes[i].State = cluster.StateUp
		}
	}
	return st
}

// TestMemberKeysInTheHelpBar: the help bar shows A, D and T when they
// apply, naming the node, and not otherwise; ? lists them all.
func TestMemberKeysInTheHelpBar(t *testing.T) {
	plain := withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)
	tests := []struct {
		name     string
		st       cluster.Status
		keys     []string
		has, not []string
	}{
		{"a follower", plain, []string{"3"}, []string{"T transfer 3", "D remove 3", "A add 6"}, nil},
		{"the leader", plain, []string{"1"}, []string{"D remove 1", "A add 6"}, []string{"T transfer"}},
		{"a learner", learnerStatus(false), []string{"5"}, []string{"D remove 5"}, []string{"T transfer", "t timeout"}},
		{"a change pending", learnerStatus(true), []string{"4"}, []string{"T transfer 4", "t timeout"}, []string{"D remove", "A add"}},
		{"a removed node", removedStatus(0), []string{"4"}, nil, []string{"D remove", "T transfer"}},
		{"a transfer under way", transferStatus(), []string{"2"}, []string{"D remove 2"}, []string{"T transfer"}},
		{"nine nodes", bigStatus(100), nil, []string{"D remove 1"}, []string{"A add"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel(newFakeSource(plainBefore(tc.st)), &fakeExec{}, 300, 40)
			m.Update(frameMsg(tc.st))
			press(m, tc.keys...)
			bar := helpBar(m)
			for _, s := range tc.has {
				if !strings.Contains(bar, s) {
					t.Errorf("help bar %q lacks %q", bar, s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(bar, s) {
					t.Errorf("help bar %q shows %q", bar, s)
				}
			}
		})
	}
	m := newModel(newFakeSource(plain), &fakeExec{}, 200, 60)
	press(m, "?")
	help := pagerText(m)
	for _, want := range []string{"add a node", "remove node", "transfer leadership"} {
		if !strings.Contains(help, want) {
			t.Errorf("the full help lacks %q", want)
		}
	}
}

// TestAddKeyRunsWhileTheDashboardGoesOn: add can wait for the new node to
// catch up; meanwhile the dashboard draws and takes keys, A is off (one
// add at a time) and the output says it is running; its answer turns A
// on again.
func TestAddKeyRunsWhileTheDashboardGoesOn(t *testing.T) {
	ex := &fakeExec{block: make(chan struct{}), out: "ok node=6 learner-index=41 voter-index=42 took=20ms"}
	src := newFakeSource(withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil))
	m := newModel(src, ex, 200, 40)
	_, cmd := m.Update(keyMsg("A"))
	if cmd == nil {
		t.Fatal("A ran nothing")
	}
	res := make(chan tea.Msg, 1)
	go func() { res <- cmd() }()
	if v := m.View(); !strings.Contains(v, "> add  (running)") || strings.Contains(helpBar(m), "A add") {
		t.Fatalf("while add runs:\n%s", v)
	}
	press(m, "3")
	if _, again := m.Update(keyMsg("A")); again != nil || m.Selected() != 3 {
		t.Fatalf("keys while add runs: A again %v, selected %d", again != nil, m.Selected())
	}
	// The new node shows up while add waits for it.
	m.Update(frameMsg(joiningStatus()))
	if !strings.Contains(m.View(), "6 JOINING") {
		t.Fatalf("the new node is not drawn:\n%s", m.View())
	}
	close(ex.block)
	m.Update(<-res)
	if v := m.View(); !strings.Contains(v, "> add  ok node=6") || !strings.Contains(helpBar(m), "A add 7") {
		t.Fatalf("after add answered:\n%s", v)
	}
	if got := ex.got(); !slices.Equal(got, []string{"add"}) {
		t.Fatalf("ran %q", got)
	}
}

// TestMembershipFits: 5 nodes with every kind of member fit the default
// 80x24 terminal; 9 of them fit the size they ask for at 80 columns and
// 140x50; the group key leaves removed nodes out of the partition.
func TestMembershipFits(t *testing.T) {
	all := learnerStatus(true)
	all = withNode(all, 1, func(n *cluster.NodeStatus) { n.Transferee = 3 })
	removed := withNode(all, 4, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateRemoved, "") })
	removed.Membership = raft.Membership{Voters: []uint64{1, 2, 3}, Learners: []uint64{5}}
	leaving := withConfig(steady(10), []uint64{2, 3, 4, 5}, nil)
	leaving.ConfPending = true
	for name, st := range map[string]cluster.Status{"learner": learnerStatus(true), "all": all, "removed": removed, "leaving": leaving, "transfer": transferStatus()} {
		src := newFakeSource(all)
		m := newModel(src, &fakeExec{}, 80, 24)
		m.Update(frameMsg(st))
		for _, keys := range [][]string{nil, {"4"}, {"5"}, {"enter"}, {"enter", "m"}, {"m", "x"}, {"x"}} {
			press(m, keys...)
			v := m.View()
			if strings.Contains(v, "needs at least") || (keys == nil && !strings.Contains(v, "log ")) {
				t.Fatalf("%s at 80x24 after %q:\n%s", name, keys, v)
			}
			checkFits(t, fmt.Sprintf("%s at 80x24 after %q", name, keys), v, 80, 24)
		}
	}
	nine := nineMembers()
	for _, w := range []int{80, 140} {
		src := newFakeSource(withNode(nine, 6, func(n *cluster.NodeStatus) { n.State, n.AsOf, n.Role = cluster.StateUp, time.Time{}, "follower" }))
		m := newModel(src, &fakeExec{}, w, 200)
		m.Update(frameMsg(nine))
		_, h := minSize(t, m)
		if w == 140 {
			h = max(h, 50)
		}
		m.Update(sizeMsg(w, h))
		for _, keys := range [][]string{nil, {"6"}, {"8"}, {"enter"}, {"enter", "m"}, {"m", "x"}, {"x"}} {
			press(m, keys...)
			v := m.View()
			if strings.Contains(v, "needs at least") {
				t.Fatalf("9 members at %dx%d after %q:\n%s", w, h, keys, v)
			}
			checkFits(t, fmt.Sprintf("9 members at %dx%d after %q", w, h, keys), v, w, h)
		}
		for _, want := range []string{"6 REMOVED", "8 LEARNER", "9 JOINING", "→ t"} {
			if press(m, "esc"); !strings.Contains(m.View(), want) {
				t.Errorf("9 members at %dx%d lack %q:\n%s", w, h, want, m.View())
			}
		}
	}

	ex := &fakeExec{}
	m := newModel(newFakeSource(removedStatus(0)), ex, 120, 40)
	press(m, "3", "g")
	if got := ex.got(); !slices.Equal(got, []string{"partition 1,2,5 3"}) {
		t.Errorf("g with node 4 removed ran %q", got)
	}
}

// TestLegendShowsMembership: the legend explains the member roles, the
// catch-up bar, the transfer mark, the removed card and the header's
// configuration.
func TestLegendShowsMembership(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 200, 60)
	press(m, "L")
	text := pagerText(m)
	for _, want := range []string{"LEARNER JOINING LEAVING OUTSIDE REMOVED", "⇡██████░░ 812/900", "→ transferring to 4", "removed · goes in 4s", "config 1,2,3 +4 learner pending"} {
		if !strings.Contains(text, want) {
			t.Errorf("the legend lacks %q", want)
		}
	}
}

// clusterOf is a steady cluster of n nodes (n at most 9), all voters,
// node 1 leading.
func clusterOf(n int) cluster.Status {
	st := bigStatus(100)
	st.Nodes = slices.Clone(st.Nodes[:n])
	lead := &st.Nodes[0]
	lead.Progress = cloneProgress(lead.Progress)
	var voters []uint64
	for id := uint64(1); id <= 9; id++ {
		if id <= uint64(n) {
			voters = append(voters, id)
		} else {
			delete(lead.Progress, id)
		}
	}
	return withConfig(st, voters, nil)
}

// joinOf is clusterOf(n) while its node n joins: a learner catching up,
// the change that added it pending (the header names the configuration).
func joinOf(n int) cluster.Status {
	var voters []uint64
	for id := uint64(1); id < uint64(n); id++ {
		voters = append(voters, id)
	}
	st := withConfig(clusterOf(n), voters, []uint64{uint64(n)})
	st.ConfPending = true
	st = withNode(st, uint64(n), func(x *cluster.NodeStatus) { x.Commit, x.Applied, x.LastIndex = 50, 50, 50 })
	return withNode(st, 1, func(x *cluster.NodeStatus) {
		x.Progress = cloneProgress(x.Progress)
		x.Progress[uint64(n)] = raft.Progress{Match: 50, Next: 51, Learner: true, State: "replicate"}
	})
}

// sizeSaid is the lines a size message (sizeRe's match) asks for at the
// terminal's width: the minimum's, unless it names fewer there.
func sizeSaid(sm []string) int {
	said := sm[1]
	if sm[3] != "" {
		said = sm[3]
	}
	n, _ := strconv.Atoi(said)
	return n
}

// TestAddKeyRefusedExactlyWhenTheScreenWouldGiveWay: A is refused exactly
// when the dashboard, drawn at that size, would give way to the size
// message during the add (its node joining, the change pending) or after
// it, and its note names the lines that message then asks for at that
// width: the renderer's minimum for the cluster with one node more. At 80x24, 5
// nodes were refused for wanting 26 lines, while `add` typed at the prompt
// drew the 6 cards there (the lanes gave up their lines); A's own rule, the
// cards of one node more laid out as the others, missed the header's
// configuration line and the leader's longer lag list, so that a screen
// could give way during an A it had allowed.
func TestAddKeyRefusedExactlyWhenTheScreenWouldGiveWay(t *testing.T) {
	sizeRe := regexp.MustCompile(`needs at least 80x(\d+) for (\d+) nodes(?:, or (\d+) lines at this terminal's width)?`)
	noteRe := regexp.MustCompile(`^not at this size: (\d+) nodes need (\d+) lines at (\d+) columns, and this terminal has (\d+);`)
	refusals := map[string]int{}
	for _, n := range []int{2, 4, 5, 6, 8} {
		for _, w := range []int{80, 100, 140} {
			add := []cluster.Status{joinOf(n + 1), clusterOf(n + 1)} // what the screen draws during the add and after it
			// The renderer's minimum for the add at w, once drawn: the fewest
			// lines a terminal of that width draws every state of it in.
			least := 5
			for ; least < 100; least++ {
				big := newModel(newFakeSource(clusterOf(n)), &fakeExec{}, w, 200)
				big.View()
				big.Update(sizeMsg(w, least))
				fitsAll := true
				for _, st := range add {
					big.Update(frameMsg(st))
					fitsAll = fitsAll && !strings.Contains(big.View(), "needs at least")
				}
				if fitsAll {
					break
				}
			}
			for h := least - 12; h <= least+1; h++ { // from below where n nodes fit
				ex := &fakeExec{}
				m := newModel(newFakeSource(clusterOf(n)), ex, w, h)
				if strings.Contains(m.View(), "needs at least") {
					continue // n nodes do not fit: no key acts
				}
				press(m, "A")
				added := slices.Equal(ex.got(), []string{"add"})
				gave := false
				var small []string // the size message that asks for the most
				for _, st := range add {
					m.Update(frameMsg(st))
					if sm := sizeRe.FindStringSubmatch(squash(m.View())); sm != nil {
						gave = true
						if small == nil || sizeSaid(sm) > sizeSaid(small) {
							small = sm
						}
					}
				}
				// Given way for a moment, the screen comes back once its
				// cards fit again (it stayed at the size message, asking
				// for 26 lines at 80x24 where 6 nodes had drawn).
				m.Update(frameMsg(clusterOf(n)))
				if sizeRe.MatchString(squash(m.View())) {
					t.Errorf("%d nodes at %dx%d: the screen did not come back to the cluster it drew:\n%s", n, w, h, m.View())
				}
				if added == gave {
					t.Errorf("%d nodes at %dx%d: A added %v; the screen gave way during the add or after it %v\n%s", n, w, h, added, gave, m.View())
					continue
				}
				if added {
					continue
				}
				refusals[fmt.Sprint(n, "@", w)]++
				note := noteRe.FindStringSubmatch(m.output.note)
				if note == nil {
					t.Fatalf("%d nodes at %dx%d: A refused: %q", n, w, h, m.output.note)
				}
				said := fmt.Sprint(sizeSaid(small))
				if want := fmt.Sprint(n + 1); note[1] != want || small[2] != want || note[2] != said || note[2] != fmt.Sprint(least) || note[3] != fmt.Sprint(w) || note[4] != fmt.Sprint(h) {
					t.Errorf("%d nodes at %dx%d: A's note %q; the size message: %q; the renderer draws %d nodes from %dx%d", n, w, h, m.output.note, small[0], n+1, w, least)
				}
			}
		}
	}
	// A sixth node starts a second row of cards at 80 columns, a seventh
	// at 100 and a ninth at 140: A is refused below what they need.
	for _, at := range []string{"5@80", "6@100", "8@140"} {
		if refusals[at] == 0 {
			t.Errorf("A was never refused with %s columns: %v", at, refusals)
		}
	}
	// The user's case: 5 nodes at 80x24 add the sixth, as add at the prompt did.
	ex := &fakeExec{}
	m := newModel(newFakeSource(withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)), ex, 80, 24)
	m.View()
	if press(m, "A"); !slices.Equal(ex.got(), []string{"add"}) {
		t.Fatalf("A at 80x24: ran %q, note %q", ex.got(), m.output.note)
	}
}

// TestFrozenAddIsPromotedOnceThawed: an add while frozen leaves its node a
// learner (the steps carry only the learner in); once the cluster runs
// again and the learner has caught up, the dashboard promotes it, as an
// add does when not frozen (a teacher's stayed a learner for good).
func TestFrozenAddIsPromotedOnceThawed(t *testing.T) {
	plain := withConfig(steady(900), []uint64{1, 2, 3, 4}, nil)
	frozen := plain
	frozen.Frozen = true
	ex := &fakeExec{out: "ok node=5 learner-index=901 under way: frozen, the steps carry it (the leader sends it its log; promote 5 once it has caught up)"}
	src := newFakeSource(frozen)
	m := newModel(src, ex, 140, 50)
	press(m, "A")
	behind := learnerStatus(false) // 812 of 900: too far behind
	behindFrozen := behind
	behindFrozen.Frozen = true
	caughtUp := withNode(behind, 1, func(n *cluster.NodeStatus) {
		n.Progress = cloneProgress(n.Progress)
		n.Progress[5] = raft.Progress{Match: 900, Next: 901, Learner: true, State: "replicate"}
	})
	caughtFrozen := caughtUp
	caughtFrozen.Frozen = true
	if m.promoteAfter != 5 {
		t.Fatalf("the frozen add's node is not kept for promotion: %d", m.promoteAfter)
	}
	if v := strings.Join(strings.Fields(m.View()), " "); !strings.Contains(v, "the dashboard promotes it once thawed and caught up") {
		t.Errorf("the answer does not say the dashboard promotes it:\n%s", m.View())
	}
	for _, st := range []cluster.Status{behindFrozen, caughtFrozen, behind} {
		m.Update(frameMsg(st))
		if m.output.busy {
			t.Fatalf("ran %q before the learner caught up in a running cluster", m.output.line)
		}
	}
	m.Update(frameMsg(caughtUp))
	if !m.output.busy || m.output.line != "promote 5" {
		t.Fatalf("output %+v; want the promotion running", m.output)
	}
	if m.Update(frameMsg(caughtUp)); len(m.inflight) != 1 {
		t.Fatalf("in flight %+v; want one promotion", m.inflight)
	}
	// An add typed at the prompt while frozen is promoted so too.
	m = newModel(newFakeSource(frozen), ex, 140, 50)
	press(m, ":", "a", "d", "d", "enter")
	if m.promoteAfter != 5 {
		t.Fatalf("a frozen add at the prompt: promoteAfter %d", m.promoteAfter)
	}
}

// A screen that draws goes on drawing when the window is made larger and
// back (a laptop's maximize and restore), while its header and cards fit:
// 6 nodes drawn at 80x24 gave way to "needs at least 80x26" once the
// window had been 80x32 (a new user's report).
func TestResizedBackKeepsDrawing(t *testing.T) {
	src := newFakeSource(clusterOf(5))
	m := newModel(src, &fakeExec{}, 80, 24)
	if strings.Contains(m.View(), "needs at least") {
		t.Fatalf("5 nodes at 80x24:\n%s", m.View())
	}
	m.Update(frameMsg(clusterOf(6)))
	if v := m.View(); strings.Contains(v, "needs at least") {
		t.Fatalf("a sixth node at 80x24 (drawn there):\n%s", v)
	}
	for _, h := range []int{32, 24, 40, 24} {
		m.Update(sizeMsg(80, h))
		if v := m.View(); strings.Contains(v, "needs at least") || !strings.Contains(v, "6 FOLLOWER") && !strings.Contains(v, "6 LEADER") {
			t.Fatalf("6 nodes resized to 80x%d:\n%s", h, v)
		}
	}
	// Too small even for the cards, it asks; made large enough for them
	// again, it draws.
	m.Update(sizeMsg(80, 12))
	if !strings.Contains(m.View(), "needs at least") {
		t.Fatalf("6 nodes at 80x12:\n%s", m.View())
	}
	m.Update(sizeMsg(80, 24))
	if v := m.View(); strings.Contains(v, "needs at least") || !strings.Contains(v, "6 FOLLOWER") && !strings.Contains(v, "6 LEADER") {
		t.Errorf("6 nodes back at 80x24 after the size message (they drew there; it asked for the lines of a fresh start, for good):\n%s", v)
	}
}

// The lines that the dashboard says show every lane do: the hidden-lanes
// line and the no-room line name the height at which every node's lane is
// drawn (6 nodes at 80 columns were told 36 and 32 lines when 30 showed
// them all; a new user's report).
func TestLaneHintsNameTheHeightThatShowsEveryLane(t *testing.T) {
	allLanes := func(v string) bool {
		for i := 1; i <= 6; i++ {
			if !strings.Contains(v, fmt.Sprintf("\n %d ┄", i)) {
				return false
			}
		}
		return true
	}
	least := 0
	for h := 20; h < 60 && least == 0; h++ {
		if m := newModel(newFakeSource(clusterOf(6)), &fakeExec{}, 80, h); allLanes(m.View()) {
			least = h
		}
	}
	hint := regexp.MustCompile(`(?:\((\d+) lines show every lane\)|no room for the log lanes: (\d+) lines)`)
	seen := 0
	// Drawn first with 5 nodes, then 6: at 80x24 and 80x25 the lanes get
	// no room; from 80x27 some are hidden.
	for h := 24; h < least; h++ {
		m := newModel(newFakeSource(clusterOf(5)), &fakeExec{}, 80, h)
		m.View()
		m.Update(frameMsg(clusterOf(6)))
		v := m.View()
		got := hint.FindStringSubmatch(v)
		if got == nil {
			continue
		}
		seen++
		if n := got[1] + got[2]; n != fmt.Sprint(least) {
			t.Errorf("6 nodes at 80x%d say %s lines show every lane; they show from 80x%d:\n%s", h, n, least, v)
		}
	}
	if seen == 0 {
		t.Fatalf("no hint below 80x%d: this checks nothing", least)
	}
}

// TestSelectionGoneRefusesNodeKeys: when the selected node leaves the
// screen, the mark falls back to another node, but no node is selected:
// the keys that act on one refuse, saying so, until a digit or tab
// selects one (a learner's burst of D removed the nodes the selection fell
// back to, one after another).
func TestSelectionGoneRefusesNodeKeys(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(40)), ex, 120, 40)
	press(m, "5")
	st := steady(40)
	st.Nodes = st.Nodes[:4] // node 5 gone from the screen
	m.setStatus(st)
	if m.sel != 4 {
		t.Fatalf("mark on %d, want 4", m.sel)
	}
	press(m, "D", "c")
	if got := ex.got(); len(got) != 0 {
		t.Fatalf("ran %q with no node selected", got)
	}
	if !strings.Contains(m.output.note, "no node 5 on the screen (removed, or never added), so no node is selected: press a node's digit") {
		t.Errorf("note %q", m.output.note)
	}
	if m.output.line != "c crash" {
		t.Errorf("the refusal names %q: a node, though none is selected", m.output.line)
	}
	// The bar offers no key that acts on a node, nor names one (it said
	// "T transfer 4 • D remove 4" with none selected: an audit).
	if bar := helpBar(m); strings.Contains(bar, "crash") || strings.Contains(bar, "transfer") || strings.Contains(bar, "remove") || strings.Contains(bar, "pause") {
		t.Errorf("help bar with no node selected: %q", bar)
	}
	press(m, "4", "c")
	if got := ex.got(); !slices.Equal(got, []string{"crash 4"}) {
		t.Errorf("after 4: ran %q, want crash 4", got)
	}
}

// While no node is selected (selGone), no card is drawn selected.
func TestNoCardDrawnSelectedWhenNoneIs(t *testing.T) {
	m := newModel(newFakeSource(steady(40)), &fakeExec{}, 120, 40)
	if !strings.Contains(m.View(), "▸1") {
		t.Fatalf("node 1 not drawn selected at the start:\n%s", m.View())
	}
	press(m, "9")
	if v := m.View(); strings.Contains(v, "▸") {
		t.Errorf("a card is drawn selected after 9 named no node:\n%s", v)
	}
	press(m, "2")
	if v := m.View(); !strings.Contains(v, "▸2") {
		t.Errorf("node 2 not drawn selected after 2:\n%s", v)
	}
}

// The commit explanation under the lanes, given fewer lines than it takes,
// ends its last line shown with "… (E: all of it)": at 80x24 (frozen) its
// second line was cut off with the region, mid-sentence (a learner's
// report).
func TestCommitWhyCutSaysSo(t *testing.T) {
	m := newModel(newFakeSource(joinOf(6)), &fakeExec{}, 80, 60)
	full := m.viewCommitWhy(80)
	if len(full) != whyLines {
		t.Fatalf("the fixture's explanation takes %d lines at 80 columns, want %d: %q", len(full), whyLines, full)
	}
	first, second := strings.TrimSpace(full[0]), strings.TrimSpace(full[1])
	cut := 0
	for h := 20; h <= 40; h++ {
		m.Update(sizeMsg(80, h))
		v := m.View()
		if !strings.Contains(v, first[:30]) || strings.Contains(v, second) {
			continue // not drawn, or drawn whole
		}
		cut++
		if !strings.Contains(v, "… (E: all of it)") {
			t.Errorf("80x%d: the explanation is cut with nothing saying so:\n%s", h, v)
		}
	}
	if cut == 0 {
		t.Fatal("no height cut the explanation: the test checks nothing")
	}
}

// An event taller than the feed's room shows what fits and ends with "…"
// (lesson 10's removal event was cut after "its files" with no mark: a
// learner's report).
func TestEventCutByTheFeedSaysSo(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 40)
	m.feed.add(eventsMsg{events: []cluster.Event{{Time: t0, Node: 1, Kind: cluster.EventCrash,
		Text: "1 removed (entry 7 committed): its process stopped, its files deleted, and its card is greyed for a while before it goes"}}, next: 2})
	got := m.viewEvents(80, 2)
	if len(got) != 2 || !strings.HasSuffix(got[1], " …") || !strings.Contains(got[1], "1 removed (entry 7 committed)") {
		t.Fatalf("the feed's one row: %q", got)
	}
	if w := len([]rune(got[1])); w > 80 {
		t.Errorf("the row is %d wide", w)
	}
}

// Live, the full help lists no replay key (space play / pause, . and ,
// steps, ←/→ seconds: they do nothing there; a learner's report).
func TestLiveHelpListsNoReplayKeys(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 140, 60)
	press(m, "?")
	v := m.View()
	for _, not := range []string{"play / pause", "step to the next event", "a second back / on"} {
		if strings.Contains(v, not) {
			t.Errorf("live help lists %q:\n%s", not, v)
		}
	}
	if !strings.Contains(v, "crash") {
		t.Fatalf("no help shown:\n%s", v)
	}
}

// A narration that fits the region exactly is shown whole, not cut by the
// line the region keeps under it (lesson 6's lost its last words at 80x24
// once step mode's FROZEN line took a line: a learner's report).
func TestNarrationThatFitsIsWhole(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 40)
	m.narrate(&commands.Command{Verb: commands.VerbSay, Message: strings.Repeat("We freeze time, then heal the partition, and watch. ", 6)})
	hit := 0
	for h := 16; h <= 40; h++ {
		m.Update(sizeMsg(80, h))
		s := m.layout()
		whole, _ := m.narrationHeight(80)
		if s.region+len(s.narr) != whole {
			continue
		}
		hit++
		if len(s.narr) != whole {
			t.Errorf("80x%d: the narration takes %d of the %d lines it needs, all of which are free", h, len(s.narr), whole)
		}
	}
	if hit == 0 {
		t.Fatal("no height left the region exactly the narration's: the test checks nothing")
	}
}

// The link matrix has a row and a column for each node drawn: a removed
// node's went on, its cells 0/s, long after its card had gone (an audit);
// the cell moves over its place.
func TestLinkMatrixLeavesOutNodesNotDrawn(t *testing.T) {
	// Node 4 removed before the dashboard started: no card, no lane.
	st := withConfig(withNode(steady(10), 4, func(n *cluster.NodeStatus) { *n = downAsOf(*n, cluster.StateRemoved, "") }), []uint64{1, 2, 3, 5}, nil)
	ex := &fakeExec{}
	m := newModel(newFakeSource(st), ex, 120, 40)
	if m.isDrawn(4) {
		t.Fatal("setup: node 4 is drawn")
	}
	press(m, "x")
	v := m.View()
	if !regexp.MustCompile(`from\\to 1 +2 +3 +5\n`).MatchString(v) || regexp.MustCompile(`(?m)^ 4 `).MatchString(v) {
		t.Fatalf("matrix of nodes 1, 2, 3, 5:\n%s", v)
	}
	press(m, "right", "right", "c") // 1→2, 1→3, 1→5
	if got := ex.got(); !slices.Equal(got, []string{"cut 1 5"}) {
		t.Errorf("ran %q, want cut 1 5", got)
	}
}

// The recording's mark takes the header's fewest lines: at 80 columns a
// line of 82 with the title fits in one with "● REC" in its place (it
// kept the title and the file's name on two lines: an audit).
func TestRecMarkTakesTheFewestLines(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 40)
	m.recording.file = "/tmp/audit3.rec"
	segs := []segment{{"raftplay", "  "}, {"5 nodes  leader 3  term 1  commit 1085  load off", "  "}, {"writes 0/s (1052 acked)", ""}}
	if plain := wrapSegments(segs, 80); len(plain) != 2 {
		t.Fatalf("setup: the plain header takes %d lines", len(plain))
	}
	got := m.withRecMark(segs, 80)
	if len(got) != 1 || !strings.HasPrefix(got[0], "● REC  5 nodes") {
		t.Errorf("%q", got)
	}
	// With room, the title and the file's name stay.
	if got := m.withRecMark(segs, 140); len(got) != 1 || !strings.HasPrefix(got[0], "raftplay  ● REC audit3.rec  5 nodes") {
		t.Errorf("at 140: %q", got)
	}
}

// In the link matrix too, no node selected (a digit named none drawn)
// means the keys that act on one refuse: D, p and i removed, paused and
// isolated the node the selection had been on.
func TestSelectionGoneRefusesNodeKeysInTheLinkMatrix(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(40)), ex, 120, 40)
	press(m, "x", "9", "D", "p", "r", "i", "T", "g")
	if m.region != regionLinks {
		t.Fatalf("region %v, want the link matrix", m.region)
	}
	if got := ex.got(); len(got) != 0 {
		t.Fatalf("ran %q with no node selected", got)
	}
	if !strings.Contains(m.output.note, "no node 9 on the screen") {
		t.Errorf("note %q", m.output.note)
	}
	press(m, "c") // the matrix's own key: cuts the selected link
	if got := ex.got(); len(got) == 0 || strings.HasPrefix(got[0], "crash") {
		t.Errorf("c in the link matrix: ran %q, want a cut", got)
	}
}

// A node named by a digit before it was on the screen, or the selected
// node, gone and then back (added again), is selected once it is drawn:
// the keys refused, saying "no node 5 on the screen" of a node drawn.
func TestSelectionGoneComesBack(t *testing.T) {
	ex := &fakeExec{}
	four := steady(40)
	four.Nodes = four.Nodes[:4]
	m := newModel(newFakeSource(four), ex, 120, 40)
	press(m, "5")
	m.Update(frameMsg(steady(40))) // node 5 added
	press(m, "c")
	if got := ex.got(); !slices.Equal(got, []string{"crash 5"}) {
		t.Fatalf("ran %q, want crash 5 (note %q)", got, m.output.note)
	}
	if v := m.View(); !strings.Contains(v, "▸5") {
		t.Errorf("node 5 not drawn selected:\n%s", v)
	}
}

// TestRemoveKeyTwiceRunsOnce: D pressed twice before the remove answers
// (a quick double press) asks for one remove; the second D says why it
// does nothing. It asked twice, and the second's error ("node 3 was
// removed from the cluster") took the first's result's place.
func TestRemoveKeyTwiceRunsOnce(t *testing.T) {
	plain := withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)
	ex := &fakeExec{}
	m := newModel(newFakeSource(plain), ex, 120, 40)
	m.Update(frameMsg(plain))
	press(m, "3")
	_, first := m.Update(keyMsg("D"))
	_, second := m.Update(keyMsg("D"))
	if first == nil {
		t.Fatal("D ran nothing")
	}
	if v := strings.Join(strings.Fields(m.View()), " "); !strings.Contains(v, "D remove 3: remove 3 is running: its result says when it is done") {
		t.Errorf("the second D says nothing of the first:\n%s", v)
	}
	for _, c := range []tea.Cmd{first, second} {
		if c != nil {
			if r, ok := c().(resultMsg); ok {
				m.Update(r)
			}
		}
	}
	if got := ex.got(); !slices.Equal(got, []string{"remove 3"}) {
		t.Fatalf("D D ran %q, want one remove 3", got)
	}
	// Once it has answered, D asks again (here the status still shows 3 a
	// member: the fake cluster did not remove it).
	press(m, "D")
	if got := ex.got(); !slices.Equal(got, []string{"remove 3", "remove 3"}) {
		t.Fatalf("D after the answer ran %q", got)
	}
}
