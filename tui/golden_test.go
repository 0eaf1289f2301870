package tui

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
)

// scenario is a cluster state to render, with the events that led to it.
type scenario struct {
	st     cluster.Status
	events []cluster.Event
	keys   []string
	w, h   int    // the terminal; 0: 120x40
	out    string // what every command prints
	wait   string // what the final screen shows; "": the last event
}

func electionScenario() scenario {
	st := steady(30)
	st.Leader, st.Term = 0, 4
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.Leader, n.Progress = 0, nil
		n.Role = "follower"
		n.ElectionElapsed = time.Duration(i+3) * 200 * time.Millisecond
		n.LastHeartbeat = t0.Add(-2 * time.Second)
	}
	st.Nodes[0] = downAsOf(st.Nodes[0], cluster.StateCrashed, "")
	st.Nodes[0].Term, st.Nodes[0].Vote = 3, 1
	st.Commit = 30
	c := &st.Nodes[2]
	c.Role, c.Term, c.Vote, c.ElectionElapsed = "candidate", 4, 3, 100*time.Millisecond
	st.Nodes[1].Term, st.Nodes[1].Vote = 4, 3
	return scenario{st: st, events: []cluster.Event{
		{Node: 1, Kind: cluster.EventCrash, Text: "1 crashed"},
		{Node: 3, Kind: "raft.role", Text: "3 became candidate at term 4"},
		{Node: 3, Kind: "raft.election", Text: "3 started election at term 4"},
		{Node: 2, Kind: "raft.vote", Text: "2 granted vote to 3 at term 4"},
		{Node: 4, Kind: "raft.vote", Text: "4 rejected vote for 3: log not up to date"},
	}, keys: []string{"3"}}
}

func partitionScenario() scenario {
	st := steady(30)
	st.Faults.Groups = [][]uint64{{1, 2}, {3, 4, 5}}
	st.Leader, st.Term, st.Commit = 3, 4, 32
	for i := range st.Nodes {
		n := &st.Nodes[i]
		if n.ID >= 3 {
			n.Term, n.Leader, n.Vote = 4, 3, 3
			n.LastIndex, n.Commit, n.Applied = 32, 32, 32
			n.LogTerms = append(append([]uint64(nil), n.LogTerms...), 4, 4)
		} else {
			n.LastIndex = 34
			n.LogTerms = append(append([]uint64(nil), n.LogTerms...), 3, 3, 3, 3)
		}
	}
	l := &st.Nodes[2]
	l.Role, l.Progress, l.ElectionElapsed = "leader", map[uint64]raft.Progress{
		1: {Match: 30, Next: 31, State: "probe"}, 2: {Match: 0, Next: 31, State: "probe"},
		4: {Match: 32, Next: 33, State: "replicate"}, 5: {Match: 31, Next: 33, State: "replicate"},
	}, 0
	return scenario{st: st, events: []cluster.Event{
		{Kind: cluster.EventFault, Text: "partitioned into 1,2 | 3,4,5"},
		{Node: 3, Kind: "raft.role", Text: "3 became leader at term 4"},
	}, keys: []string{"3"}}
}

func crashedScenario() scenario {
	st := steady(20)
	n := st.Nodes[1]
	n.Commit, n.Applied, n.LastIndex, n.LogTerms = 12, 12, 13, n.LogTerms[:13]
	st.Nodes[1] = downAsOf(n, cluster.StateCrashed, "")
	st.Nodes[3] = cluster.NodeStatus{ID: 4, State: cluster.StateFailed, Role: "down", Err: "wal: node-4: open: permission denied"}
	st.Nodes[0].Progress[2] = raft.Progress{Match: 12, Next: 13, State: "probe"}
	st.Nodes[0].Progress[4] = raft.Progress{Match: 0, Next: 1, State: "probe"}
	return scenario{st: st, events: []cluster.Event{{Node: 2, Kind: cluster.EventCrash, Text: "2 crashed"}}, keys: []string{"2"}}
}

func violationScenario() scenario {
	st := steady(20)
	st.Violations = 1
	return scenario{st: st, events: []cluster.Event{
		{Kind: cluster.EventViolation, Text: "VIOLATION election safety: 1 and 2 both leader at term 3"},
	}}
}

func detailScenario() scenario {
	sc := scenario{st: steady(40), keys: []string{"2", "enter"}}
	sc.events = []cluster.Event{{Node: 2, Kind: "raft.vote", Text: "2 granted vote to 1 at term 3"}}
	return sc
}

// nineScenario is a 9-node cluster under load at 140x50: a leader with
// followers lagging by different amounts, a crashed node, a snapshot.
func nineScenario() scenario {
	st := bigStatus(12345)
	st.Commit = 12342
	for i := range st.Nodes {
		st.Nodes[i].SnapshotIndex, st.Nodes[i].SnapshotTerm, st.Nodes[i].FirstIndex = 10000, 7, 10001
		st.Nodes[i].LastHeartbeat = t0.Add(-time.Duration(i) * 20 * time.Millisecond)
	}
	st.Nodes[6] = downAsOf(st.Nodes[6], cluster.StateCrashed, "")
	st.Nodes[0].Progress[7] = raft.Progress{Match: 12300, Next: 12301, State: "probe"}
	return scenario{st: st, w: 140, h: 50, events: []cluster.Event{
		{Kind: cluster.EventSetting, Text: "background load 200 writes/s"},
		{Node: 7, Kind: cluster.EventCrash, Text: "7 crashed"},
	}}
}

// pagerScenario is `:status` at 80x42 (the minimum for 5 nodes): too wide for the output panel,
// it opens in the pager.
func pagerScenario() scenario {
	return scenario{st: steady(40), w: 80, h: 42, keys: []string{":", "s", "t", "a", "t", "u", "s", "enter"}, out: commands.FormatStatus(steady(40)), wait: "columns 1-80",
		events: []cluster.Event{{Node: 1, Kind: "raft.role", Text: "1 became leader at term 3"}}}
}

func TestGoldenViews(t *testing.T) {
	tests := map[string]scenario{
		"steady":    {st: steady(40), events: []cluster.Event{{Node: 1, Kind: "raft.role", Text: "1 became leader at term 3"}}},
		"election":  electionScenario(),
		"partition": partitionScenario(),
		"crashed":   crashedScenario(),
		"violation": violationScenario(),
		"detail":    detailScenario(),
		"nine":      nineScenario(),
		"pager":     pagerScenario(),
	}
	for name, sc := range tests {
		t.Run(name, func(t *testing.T) {
			src := newFakeSource(sc.st)
			for i, e := range sc.events {
				e.Time = t0.Add(time.Duration(i-len(sc.events)) * 250 * time.Millisecond)
				src.log.Add(e)
			}
			m := New(Options{Source: src, Exec: &fakeExec{out: sc.out}, Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
			w, h := 120, 40
			if sc.w != 0 {
				w, h = sc.w, sc.h
			}
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
			for _, k := range sc.keys {
				tm.Send(keyMsg(k))
			}
			last := "leader"
			if len(sc.events) > 0 {
				last = sc.events[len(sc.events)-1].Text
			}
			if sc.wait != "" {
				last = sc.wait
			}
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(last)) },
				teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
			golden.RequireEqual(t, []byte(fm.View()))
		})
	}
}
