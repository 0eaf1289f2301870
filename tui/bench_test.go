package tui

import (
	"strconv"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"raftplay/cluster"
	"raftplay/raft"
)

// colour renders in 256 colours for the rest of the benchmark: styles cost
// nothing in the tests' colourless profile.
func colour(b *testing.B) {
	lipgloss.SetColorProfile(termenv.ANSI256)
	b.Cleanup(func() { lipgloss.SetColorProfile(termenv.Ascii) })
}

// bigStatus is a 9-node cluster whose logs hold entries entries each.
func bigStatus(entries uint64) cluster.Status {
	st := cluster.Status{Time: t0, Leader: 1, Term: 7, Timing: cluster.WatchTiming, Load: 200, Written: entries}
	for id := uint64(1); id <= 9; id++ {
		n := cluster.NodeStatus{ID: id, State: cluster.StateUp, Role: "follower", Term: 7, Vote: 1, Leader: 1,
			Commit: entries - 3, Applied: entries - 3, FirstIndex: 1, LastIndex: entries,
			ElectionTimeout: time.Second, ElectionElapsed: 300 * time.Millisecond, LastHeartbeat: t0}
		n.LogStart = entries - cluster.LogWindow + 1
		for i := n.LogStart; i <= entries; i++ {
			n.LogTerms = append(n.LogTerms, 1+i/1500)
		}
		for i := entries - cluster.RecentEntries + 1; i <= entries; i++ {
			n.Recent = append(n.Recent, cluster.EntryInfo{Index: i, Term: 7, Text: "put k=v"})
		}
		st.Nodes = append(st.Nodes, n)
	}
	st.Nodes[0].Role = "leader"
	st.Nodes[0].Progress = map[uint64]raft.Progress{}
	for p := uint64(2); p <= 9; p++ {
		st.Nodes[0].Progress[p] = raft.Progress{Match: entries - p, Next: entries + 1, State: "replicate"}
	}
	return st
}

// BenchmarkView renders a frame of a 9-node cluster with 10,000 entries per
// node, in colour, at 200x60.
func BenchmarkView(b *testing.B) {
	colour(b)
	src := newFakeSource(bigStatus(10000))
	for i := range 200 {
		src.event(i, uint64(i%9+1), "raft.vote", "3 granted vote to 1 at term 7")
	}
	m := New(Options{Source: src, Exec: &fakeExec{}, Clock: frozen, Seed: 1})
	m.Update(sizeMsg(200, 60))
	m.Update(eventsCmd(m.ctx, src.log, m.feed.next)())
	m.Update(frameMsg(src.Status()))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkFrame is one frame's update (a fresh status) plus its view.
func BenchmarkFrame(b *testing.B) {
	colour(b)
	src := newFakeSource(bigStatus(10000))
	m := New(Options{Source: src, Exec: &fakeExec{}, Clock: frozen, Seed: 1})
	m.Update(sizeMsg(200, 60))
	b.ReportAllocs()
	for b.Loop() {
		m.Update(frameMsg(src.Status()))
		_ = m.View()
	}
}

// BenchmarkViewByLogLength shows that a frame's cost does not grow with the
// log: only the visible cells are drawn.
func BenchmarkViewByLogLength(b *testing.B) {
	for _, n := range []uint64{1000, 10000, 1000000} {
		b.Run(strconv.FormatUint(n, 10), func(b *testing.B) {
			colour(b)
			m := New(Options{Source: newFakeSource(bigStatus(n)), Exec: &fakeExec{}, Clock: frozen, Seed: 1})
			m.Update(sizeMsg(200, 60))
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkStepViews is a frame of the messages view and of the link
// matrix over a full trace (32768 records, 9 nodes, heartbeats among
// them), 200 new records a frame, in colour, at 200x60.
func BenchmarkStepViews(b *testing.B) {
	for _, view := range []string{"m", "x"} {
		b.Run(view, func(b *testing.B) {
			colour(b)
			tr := &fakeTrace{size: cluster.MsgTraceSize}
			rec := func(i int) cluster.MsgRecord {
				typ := []raft.MessageType{raft.MsgApp, raft.MsgAppResp, raft.MsgHeartbeat, raft.MsgHeartbeatResp}[i%4]
				r := cluster.MsgRecord{Time: t0.Add(time.Duration(i-cluster.MsgTraceSize) * time.Millisecond / 10), Event: cluster.MsgEvent(1 + i%3),
					From: uint64(1 + i%9), To: uint64(1 + (i+1)%9), Type: typ, Term: 7, Index: uint64(i), Entries: 1}
				return r
			}
			for i := range cluster.MsgTraceSize {
				tr.add(rec(i))
			}
			src := newFakeSource(bigStatus(10000))
			m := New(Options{Source: src, Messages: tr, Exec: &fakeExec{}, Clock: frozen, Seed: 1})
			m.Update(sizeMsg(200, 60))
			press(m, view)
			i := cluster.MsgTraceSize
			b.ReportAllocs()
			for b.Loop() {
				for range 200 {
					tr.add(rec(i))
					i++
				}
				m.Update(m.readTrace()())
				_ = m.View()
			}
		})
	}
}
