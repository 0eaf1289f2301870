package tui

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/raft"
	"raftplay/transport"
)

// randomStatus builds a status with arbitrary, even inconsistent, fields.
func randomStatus(r *rand.Rand) cluster.Status {
	n := 1 + r.IntN(9)
	st := cluster.Status{Time: t0, Leader: uint64(r.IntN(n + 1)), Term: r.Uint64N(50), Load: r.IntN(3) * 50,
		Written: r.Uint64N(1000), Violations: r.IntN(2), Timing: cluster.WatchTiming.Scale(r.Float64() * 4)}
	u := func(k uint64) uint64 { return r.Uint64N(k + 1) }
	states := []cluster.NodeState{cluster.StateUp, cluster.StatePaused, cluster.StateCrashed, cluster.StateFailed, cluster.StateRemoved, ""}
	roles := []string{"leader", "follower", "candidate", "pre-candidate", "down", "", "weird"}
	for id := 1; id <= n; id++ {
		ns := cluster.NodeStatus{ID: uint64(id), State: states[r.IntN(len(states))], Role: roles[r.IntN(len(roles))],
			Term: u(50), Vote: u(9), Leader: u(9), Commit: u(3000), Applied: u(3000), FirstIndex: u(3000),
			LastIndex: u(3000), SnapshotIndex: u(3000), LogStart: u(3000),
			ElectionTimeout: time.Duration(r.Int64N(3e9)) - 1e8, ElectionElapsed: time.Duration(r.Int64N(4e9)),
			LastHeartbeat: t0.Add(-time.Duration(r.Int64N(1e9))), Err: []string{"", "wal: corrupt"}[r.IntN(2)]}
		for range r.IntN(600) {
			ns.LogTerms = append(ns.LogTerms, u(60))
		}
		for range r.IntN(30) {
			ns.Recent = append(ns.Recent, cluster.EntryInfo{Index: u(3000), Term: u(50), Text: "put x=1"})
		}
		if r.IntN(2) == 0 {
			ns.Progress = map[uint64]raft.Progress{}
			for p := range uint64(n + 2) {
				ns.Progress[p] = raft.Progress{Match: u(4000), Next: u(4000), State: []string{"probe", "replicate", ""}[r.IntN(3)]}
			}
		}
		ns.Links = map[uint64]transport.LinkStats{u(9): {MsgsSent: u(9)}}
		if r.IntN(2) == 0 { // any disk, even one no cluster reports
			ns.Disk = cluster.DiskStatus{Written: r.Int64N(1 << 62), Unsynced: r.Int64N(1<<62) - 1000, Delay: time.Duration(r.Int64N(2e11)) - 1e9,
				Full: r.IntN(2) == 0, SkipFsync: r.IntN(2) == 0, LostBytes: r.Int64N(1 << 62)}
		}
		st.Nodes = append(st.Nodes, ns)
	}
	if r.IntN(2) == 0 {
		st.Faults.Groups = [][]uint64{{u(uint64(n))}, {u(12), u(12)}, {}}
	}
	if r.IntN(2) == 0 {
		st.Faults.Links = []transport.LinkRule{{From: u(9), To: u(9), Rule: transport.Rule{Cut: r.IntN(2) == 0, DropPct: float64(u(100)), Delay: time.Duration(u(1e9)), Jitter: time.Duration(u(1e8))}}}
	}
	if r.IntN(2) == 0 { // step mode, with held messages from anyone, of any kind
		st.Frozen = r.IntN(4) != 0
		for i := range st.Nodes {
			st.Nodes[i].Frozen = st.Frozen || r.IntN(3) == 0
			for range r.IntN(12) {
				k := append(cluster.MessageKinds, "", "weird")[r.IntN(len(cluster.MessageKinds)+2)]
				st.Nodes[i].Held = append(st.Nodes[i].Held, cluster.HeldInfo{Seq: u(100), From: u(12), Kind: k, Term: u(50), Summary: k + " t3"})
			}
		}
	}
	if r.IntN(2) == 0 { // a configuration, even one naming nodes that are not there; removals that time out
		ids := func() []uint64 {
			var out []uint64
			for range r.IntN(5) {
				out = append(out, u(12))
			}
			return out
		}
		st.Membership, st.ConfPending, st.Time = raft.Membership{Voters: ids(), Learners: ids()}, r.IntN(2) == 0, t0.Add(time.Duration(r.Int64N(12e9)))
		for i := range st.Nodes {
			st.Nodes[i].Membership, st.Nodes[i].Transferee = raft.Membership{Voters: ids(), Learners: ids()}, u(12)*u(1)
		}
	}
	return st
}

// randomRecords builds message records with arbitrary fields: nodes
// beyond the cluster, every event and cause, any type, times around t0.
func randomRecords(r *rand.Rand) []cluster.MsgRecord {
	var out []cluster.MsgRecord
	for range r.IntN(40) {
		out = append(out, cluster.MsgRecord{
			Time: t0.Add(time.Duration(r.Int64N(6e9) - 4e9)), Event: cluster.MsgEvent(r.IntN(8)), Lost: cluster.LostCause(r.IntN(10)),
			From: r.Uint64N(12), To: r.Uint64N(12), Type: raft.MessageType(r.IntN(25)), Term: r.Uint64N(50),
			Index: r.Uint64N(1e6), Entries: r.IntN(100), Commit: r.Uint64N(1e6), Reject: r.IntN(2) == 0, Why: raft.Why(r.IntN(8)),
		})
	}
	return out
}

// TestRandomStatusNeverPanics renders and presses every key over arbitrary
// statuses and screen sizes, and checks that every screen drawn fits the
// terminal; a failure names the seed.
func TestRandomStatusNeverPanics(t *testing.T) {
	keys := []string{"1", "5", "9", "tab", "left", "c", "r", "p", "i", "g", "h", "w", "l", "+", "-", "enter", "f", "[", "]", "?", "esc",
		"e", "up", "down", "pgup", "pgdown", "home", "end", "right",
		"m", "x", "z", "s", "t", "b", "a", "k", "d", "y", "delete", "m", "x", "shift+tab", "<", ">", "E", "L", "L", "<", "A", "D", "T", "P"}
	seeds := uint64(30)
	if n, err := strconv.ParseUint(os.Getenv("RAFTPLAY_TUI_SEEDS"), 10, 64); err == nil {
		seeds = n // long runs: RAFTPLAY_TUI_SEEDS=5000
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("seed %d: panic: %v\n%s", seed, p, debug.Stack())
				}
			}()
			src := newFakeSource(randomStatus(r))
			w, h := 40+r.IntN(200), 10+r.IntN(60)
			outs := []string{"ok", "a\nlong\noutput " + strings.Repeat("x", r.IntN(200)), strings.Repeat("line\n", r.IntN(60))}
			tr := &fakeTrace{size: 1 + r.IntN(300)}
			m := newTraceModel(src, tr, &fakeExec{out: outs[r.IntN(len(outs))]}, w, h)
			for range 30 {
				press(m, keys[r.IntN(len(keys))])
				if r.IntN(4) == 0 {
					m.Update(frameMsg(randomStatus(r)))
				}
				if r.IntN(3) == 0 {
					tr.add(randomRecords(r)...)
					if cmd := m.readTrace(); cmd != nil {
						m.Update(cmd())
					}
				}
				if v := m.View(); !strings.Contains(v, "needs at least") {
					checkFits(t, fmt.Sprintf("seed %d", seed), v, w, h)
				}
			}
		}()
	}
}
