package tui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
	"raftplay/raft"
	"raftplay/transport"
)

// plausibleStatus is a status a live cluster of n nodes could publish, in
// any state, within the numbers the minimum size plans for (indexes below
// a million, terms below a thousand, fewer than a thousand held messages,
// waits below 10,000 s): any role and state on any node, snapshots,
// stale leaders, tallies, partitions and link rules of every kind, step
// mode, violations, errors of any length, disks with every fault.
func plausibleStatus(r *rand.Rand, n int) cluster.Status {
	u := func(k uint64) uint64 { return r.Uint64N(k + 1) }
	timing := cluster.WatchTiming
	for range r.IntN(4) {
		timing = scaled(timing, []int{-1, 1}[r.IntN(2)])
	}
	st := cluster.Status{Time: t0, Leader: u(uint64(n)), Term: u(999), Commit: u(999_999), Load: []int{0, 50, 1000}[r.IntN(3)],
		Written: u(999_999_999), Violations: r.IntN(2) * r.IntN(100), Timing: timing, PreVote: r.IntN(2) == 0, CheckQuorum: r.IntN(2) == 0}
	states := []cluster.NodeState{cluster.StateUp, cluster.StateUp, cluster.StatePaused, cluster.StateCrashed, cluster.StateFailed}
	roles := []string{"leader", "follower", "candidate", "pre-candidate"}
	st.Frozen = r.IntN(3) == 0
	for id := uint64(1); id <= uint64(n); id++ {
		last := u(999_999)
		ns := cluster.NodeStatus{ID: id, State: states[r.IntN(len(states))], Role: roles[r.IntN(len(roles))],
			Term: u(999), Vote: u(uint64(n)), Leader: u(uint64(n)), Commit: u(last), Applied: u(last), LastIndex: last,
			FirstIndex: u(last), SnapshotIndex: u(last), SnapshotTerm: u(999), LastTerm: u(999),
			ElectionTimeout: time.Duration(u(uint64(16 * time.Second))), ElectionElapsed: time.Duration(u(uint64(16 * time.Second))),
			ElectionMin: timing.ElectionMin, Tick: timing.Tick(), SinceLeader: time.Duration(u(uint64(time.Minute))),
			LastHeartbeat: t0.Add(-time.Duration(u(1e9))), Frozen: st.Frozen, QuorumIndex: u(last), QuorumTerm: u(999),
			Links: map[uint64]transport.LinkStats{}}
		if ns.State == cluster.StateFailed || (ns.State == cluster.StateCrashed && r.IntN(4) == 0) { // only a node that is down has one
			ns.Err = strings.Repeat("wal: node-3/0000000000000000-0000000000000000.wal offset 123456: damaged ", 5)[:1+r.IntN(300)]
		}
		if ns.State == cluster.StateCrashed || ns.State == cluster.StateFailed {
			ns.Role, ns.WasRole = "down", roles[r.IntN(len(roles))]
			if r.IntN(4) != 0 {
				ns.AsOf = t0.Add(-time.Minute)
			}
		}
		if st.Frozen {
			ns.Held = make([]cluster.HeldInfo, r.IntN(1000))
		}
		if ns.Role == "leader" {
			ns.Progress = map[uint64]raft.Progress{}
			for p := uint64(1); p <= uint64(n); p++ {
				if p != id {
					ns.Progress[p] = raft.Progress{Match: u(last), Next: u(last + 1), State: []string{"probe", "replicate", "snapshot"}[r.IntN(3)],
						Inflight: r.IntN(256), Paused: r.IntN(2) == 0, HeardAgo: int(u(uint64(10000 * time.Second / max(1, ns.Tick)))),
						LastReject: u(last), LastRejectHint: u(last), LastRejectHintTerm: u(999)}
					ns.Links[p] = transport.LinkStats{SnapshotBytesSent: u(100), SnapshotBytesTotal: 100}
				}
			}
		}
		if strings.HasSuffix(ns.Role, "candidate") && r.IntN(2) == 0 {
			t := &raft.Tally{Pre: ns.Role == "pre-candidate", Needed: n/2 + 1, Refused: map[uint64]raft.Why{}}
			for p := uint64(1); p <= uint64(n); p++ {
				switch r.IntN(3) {
				case 0:
					t.Granted = append(t.Granted, p)
				case 1:
					t.Refused[p] = raft.Why(1 + r.IntN(4))
				default:
					t.Pending = append(t.Pending, p)
				}
			}
			ns.Tally = t
		}
		if ns.Leader != 0 && r.IntN(3) == 0 {
			ns.Links[ns.Leader] = transport.LinkStats{SnapshotBytesRecv: u(100), SnapshotRecvTotal: 100}
		}
		ns.LogStart = last - min(last, uint64(cluster.LogWindow)) + 1
		for range min(last, uint64(cluster.LogWindow)) {
			ns.LogTerms = append(ns.LogTerms, 1+u(998))
		}
		if r.IntN(3) == 0 { // a disk that is not plain: any fault, any byte count
			delays := []time.Duration{0, 10 * time.Millisecond, 1500 * time.Millisecond, cluster.MaxDiskDelay, time.Duration(u(uint64(cluster.MaxDiskDelay)))}
			ns.Disk = cluster.DiskStatus{Written: int64(u(1 << 40)), Unsynced: int64(u(1 << 40)), Delay: delays[r.IntN(len(delays))],
				Full: r.IntN(2) == 0, SkipFsync: r.IntN(2) == 0, LostBytes: int64(u(1<<40)) * int64(r.IntN(2))}
		}
		st.Nodes = append(st.Nodes, ns)
	}
	if n > 1 && r.IntN(2) == 0 { // a partition of the nodes into groups
		groups := make([][]uint64, 1+r.IntN(n))
		for id := uint64(1); id <= uint64(n); id++ {
			g := r.IntN(len(groups))
			groups[g] = append(groups[g], id)
		}
		st.Faults.Groups = groups
	}
	for range r.IntN(3) * r.IntN(40) { // link rules, up to every link
		rule := transport.Rule{Cut: r.IntN(2) == 0, DropPct: float64(u(100)), Delay: time.Duration(u(500)) * time.Millisecond}
		if r.IntN(3) == 0 {
			rule.Jitter = time.Duration(u(100)) * time.Millisecond
		}
		st.Faults.Links = append(st.Faults.Links, transport.LinkRule{From: u(uint64(n)), To: u(uint64(n)), Rule: rule})
	}
	if r.IntN(2) == 0 {
		plausibleConfig(r, &st)
	}
	return st
}

// plausibleConfig gives st a configuration: learners, nodes joining (in
// none, with none of their own) or removed, a change pending, a leader
// handing over.
func plausibleConfig(r *rand.Rand, st *cluster.Status) {
	var c raft.Membership
	joining := map[uint64]bool{}
	for i := range st.Nodes {
		ns := &st.Nodes[i]
		switch r.IntN(6) {
		case 0:
			c.Learners = append(c.Learners, ns.ID)
		case 1:
			ns.State, ns.Role, ns.Err = cluster.StateRemoved, "down", ""
		case 2:
			joining[ns.ID] = true
		default:
			c.Voters = append(c.Voters, ns.ID)
		}
	}
	for i := range st.Nodes {
		if !joining[st.Nodes[i].ID] {
			st.Nodes[i].Membership = c
		}
	}
	st.Membership, st.ConfPending = c, r.IntN(2) == 0
	if l, ok := st.Node(st.Leader); ok && l.Role == "leader" && r.IntN(2) == 0 {
		st.Nodes[l.ID-1].Transferee = 1 + r.Uint64N(uint64(len(st.Nodes)))
	}
}

// TestDashboardHoldsItsSize: at the size the dashboard asks for, it is
// drawn; afterwards, whatever the cluster does, it stays drawn and fits
// as long as its header and cards fit (the lanes and events give up their
// lines), and asks for more only when they do not. For each cluster size
// and width, plausible statuses (every role, state, fault, tally, error,
// step mode and violation; RAFTPLAY_TUI_SEEDS=1000 draws thousands) are
// drawn with every view. A failure names the seed.
func TestDashboardHoldsItsSize(t *testing.T) {
	seeds := 4
	if n, err := strconv.Atoi(os.Getenv("RAFTPLAY_TUI_SEEDS")); err == nil {
		seeds = n // long runs: RAFTPLAY_TUI_SEEDS=5000
	}
	for n := 1; n <= 9; n++ {
		for _, w := range []int{80, 140, 200} {
			r := rand.New(rand.NewPCG(uint64(n), uint64(w)))
			src := newFakeSource(steady(10))
			src.st = plausibleStatus(r, n)
			m := newModel(src, &fakeExec{}, w, 300)
			h := m.needHeight(w)
			m.Update(sizeMsg(w, h))
			if v := m.View(); strings.Contains(v, "needs at least") {
				t.Fatalf("%d nodes at %dx%d, the size it asks for: asks for more:\n%s", n, w, h, v)
			}
			grew := 0
			for seed := range seeds {
				st := plausibleStatus(r, n)
				m.Update(frameMsg(st))
				for _, keys := range [][]string{nil, {"enter"}, {"enter", "m"}, {"m", "x"}, {"x"}} {
					press(m, keys...)
					v := m.View()
					what := fmt.Sprintf("%d nodes at %dx%d, seed %d, after %q", n, w, h, seed, keys)
					floor := m.floorHeight(w)
					if strings.Contains(v, "needs at least") {
						if floor <= h {
							t.Fatalf("%s: the header and cards take %d lines, yet it asks for more:\n%s", what, floor, v)
						}
						// The cards grew past the terminal: at the size it
						// now asks for, it is drawn again.
						h = m.needHeight(w)
						grew++
						m.Update(sizeMsg(w, h))
						v = m.View()
						if strings.Contains(v, "needs at least") {
							t.Fatalf("%s: at the size it asked for, %dx%d, it asks for more:\n%s", what, w, h, v)
						}
					}
					checkFits(t, what, v, w, h)
				}
				press(m, "esc", "esc", "esc")
			}
			t.Logf("%d nodes at %d columns: asked for more %d times in %d statuses", n, w, grew, seeds)
		}
	}
}

// TestHeaderSaysOneNode: "1 node", not "1 nodes".
func TestHeaderSaysOneNode(t *testing.T) {
	st := steady(10)
	st.Nodes = st.Nodes[:1]
	v := newModel(newFakeSource(st), &fakeExec{}, 120, 40).View()
	if !strings.Contains(v, "raftplay  1 node  ") || strings.Contains(v, "1 nodes") {
		t.Errorf("header of one node:\n%s", v)
	}
	if v := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40).View(); !strings.Contains(v, "5 nodes") {
		t.Errorf("header of five nodes:\n%s", v)
	}
}

// TestTooSmallIsLaidOutForTheWidth: the size message fills the terminal's
// width instead of a narrow column, and on a wide terminal says what that
// width needs.
func TestTooSmallIsLaidOutForTheWidth(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 12)
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) > 3 || len([]rune(lines[0])) < 60 {
		t.Errorf("at 80x12 the message is laid out in %d lines:\n%s", len(lines), v)
	}
	checkFits(t, "size message", v, 80, 12)
	m = newModel(newFakeSource(widestStatus(5)), &fakeExec{}, 140, 10)
	if m.needHeight(140) >= m.needHeight(80) {
		t.Fatalf("the widest 5 nodes need %d lines at 140 columns, %d at 80: the test needs a status that wraps less when wider", m.needHeight(140), m.needHeight(80))
	}
	v = m.View()
	if want := fmt.Sprintf("or %d lines at this terminal's width (140 columns)", m.needHeight(140)); !strings.Contains(squash(v), want) {
		t.Errorf("at 140x10 the message does not say %q:\n%s", want, v)
	}
	checkFits(t, "size message", v, 140, 10)
}

// TestEventsShownWhole: an error event longer than the screen is wrapped
// under its time, its end (a file's offset) shown, never cut.
func TestEventsShownWhole(t *testing.T) {
	text := "3 failed to restart: its WAL is damaged: /tmp/nu/d7/node-3/0000000000000000-0000000000000000.wal offset 123456: crc mismatch"
	for _, kind := range []cluster.EventKind{cluster.EventError, cluster.EventViolation, "raft.role"} {
		m := feedModel(t, 80, 42, func(src *fakeSource) {
			src.event(0, 3, kind, text)
			src.event(1, 3, "raft.role", "3 became leader at term 2")
		})
		v := m.View()
		if !strings.Contains(squash(v), squash(text)) {
			t.Errorf("%s event not shown whole at 80 columns:\n%s", kind, v)
		}
		if !strings.Contains(v, "\n             ") {
			t.Errorf("%s event's second line is not under its text:\n%s", kind, v)
		}
		checkFits(t, string(kind), v, 80, 42)
		press(m, "3", "enter")
		if v := pagerLines(m); !strings.Contains(squash(v), squash(text)) {
			t.Errorf("%s event not whole in the detail view:\n%s", kind, v)
		}
	}
}

// pagerLines scrolls the detail view to its end and returns every line
// seen.
func pagerLines(m *Model) string {
	var all []string
	for range 80 {
		all = append(all, strings.Split(m.View(), "\n")...)
		press(m, "down")
	}
	return strings.Join(all, "\n")
}

// TestSpeedLimitsAsDocumented: from the default 1s-2s the keys go down to
// 15.625ms-31.25ms and up to 8s-16s: election timeouts stay within 12ms
// and 20s, and at a limit the key says which.
func TestSpeedLimitsAsDocumented(t *testing.T) {
	for _, tc := range []struct {
		key, limit, note string
		presses          int
	}{
		{"+", "15.625ms-31.25ms", "fastest speed already: election 15.625ms-31.25ms (faster would go below 12ms)", 6},
		{"-", "8s-16s", "slowest speed already: election 8s-16s (slower would go past 20s)", 3},
	} {
		m, ex := speedModel(t)
		for range tc.presses + 5 {
			press(m, tc.key)
			frame(m)
			if tm := m.status.Timing; tm.ElectionMin < 12*time.Millisecond || tm.ElectionMax > 20*time.Second {
				t.Fatalf("%s went to %v, outside 12ms-20s", tc.key, tm)
			}
		}
		if got := fmt.Sprintf("%v-%v", m.status.Timing.ElectionMin, m.status.Timing.ElectionMax); got != tc.limit {
			t.Errorf("%s stops at %s, want %s (lines %q)", tc.key, got, tc.limit, ex.got())
		}
		if v := squash(m.View()); !strings.Contains(v, tc.note) {
			t.Errorf("%s at the limit does not say %q:\n%s", tc.key, tc.note, m.View())
		}
	}
}

// TestQuitDrawsABlankFrame: q, ctrl+c and the end of the dashboard's
// context (a signal) quit with an empty last frame, so no terminal keeps
// the last frame's lines after the alternate screen.
func TestQuitDrawsABlankFrame(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
		_, cmd := m.Update(keyMsg(k))
		if _, ok := cmd().(tea.QuitMsg); !ok || m.View() != "" {
			t.Errorf("%s: quit %v, last frame %q", k, ok, m.View())
		}
	}
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	press(m, ":")
	if _, cmd := m.Update(keyMsg("ctrl+c")); cmd == nil || m.View() != "" {
		t.Errorf("ctrl+c at the prompt: last frame %q", m.View())
	}
	ctx, cancel := context.WithCancel(context.Background())
	m = New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, Context: ctx, Clock: frozen, Seed: 1, Mono: true})
	m.Update(sizeMsg(120, 40))
	cancel()
	msg := doneCmd(ctx)()
	if _, cmd := m.Update(msg); cmd == nil || m.View() != "" {
		t.Fatalf("the context's end does not quit with a blank frame")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatalf("the context's end does not quit")
	}
}

// TestDefaultTerminalShowsTheDashboard: a terminal of 80x24, the size most
// terminals open at, shows a steady cluster of 3 or 5 nodes, and one whose
// card grows (a node crashes with an error) keeps being drawn there.
func TestDefaultTerminalShowsTheDashboard(t *testing.T) {
	for _, n := range []int{3, 5} {
		st := steady(10)
		st.Nodes = st.Nodes[:n]
		m := newModel(newFakeSource(st), &fakeExec{}, 80, 24)
		v := m.View()
		if strings.Contains(v, "needs at least") || !strings.Contains(v, "log ") {
			t.Fatalf("%d nodes at 80x24:\n%s", n, v)
		}
		checkFits(t, "80x24", v, 80, 24)
		st.Nodes[1].State, st.Nodes[1].Role = cluster.StateFailed, "down"
		st.Nodes[1].Err = "wal: node-2/0000000000000001.wal offset 123456: crc mismatch in a record of 512 bytes"
		m.Update(frameMsg(st))
		v = m.View()
		if strings.Contains(v, "needs at least") {
			t.Fatalf("%d nodes at 80x24 after a failure with an error:\n%s", n, v)
		}
		checkFits(t, "80x24 after a failure", v, 80, 24)
	}
}

// A recent entry's state column lines up whatever its text holds: wide
// characters take two columns each (a user's value of 日本語 🎉 pushed
// "committed" out of line).
func TestEntryLineColumnsWithWideCharacters(t *testing.T) {
	n := cluster.NodeStatus{Commit: 20}
	plain := entryLine(cluster.EntryInfo{Index: 17, Term: 2, Text: "put a=1"}, n)
	wide := entryLine(cluster.EntryInfo{Index: 18, Term: 2, Text: "put ✓uni=日本語 🎉"}, n)
	col := func(s string) int { return lipgloss.Width(s[:strings.Index(s, "committed")]) }
	if col(plain) != col(wide) {
		t.Errorf("state at column %d and %d:\n%s\n%s", col(plain), col(wide), plain, wide)
	}
}

// A link's messages dropped as an earlier node's of its id are counted on
// the link line, when there are any.
func TestLinkLineCountsReplaced(t *testing.T) {
	l := transport.LinkStats{MsgsSent: 5, MsgsRecv: 4, DroppedReplaced: 3, Connected: true}
	if got := linkLine(2, l); !strings.HasSuffix(got, "; 3 of or for an earlier node 2 (removed, added again)") {
		t.Errorf("link line %q", got)
	}
	l.DroppedReplaced = 0
	if got := linkLine(2, l); strings.Contains(got, "earlier node") {
		t.Errorf("link line %q", got)
	}
}

// A terminal too small for even the message that says so still shows how
// to quit: at 20x5 the message was cut before "press q to quit" (a tester).
func TestTooSmallSaysHowToQuit(t *testing.T) {
	for _, sz := range [][2]int{{20, 5}, {40, 3}, {30, 1}, {79, 16}} {
		src := newFakeSource(steady(10))
		src.st = plausibleStatus(rand.New(rand.NewPCG(3, 3)), 3)
		m := newModel(src, &fakeExec{}, sz[0], sz[1])
		m.Update(sizeMsg(sz[0], sz[1]))
		v := m.View()
		if !strings.Contains(v, "press q to quit") && !strings.HasSuffix(v, "\nq quits") && v != "q quits" {
			t.Errorf("at %dx%d it does not say how to quit:\n%s", sz[0], sz[1], v)
		}
		if n := strings.Count(v, "\n") + 1; n > sz[1] {
			t.Errorf("at %dx%d it takes %d lines:\n%s", sz[0], sz[1], n, v)
		}
	}
}
