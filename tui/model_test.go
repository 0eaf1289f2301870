package tui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
	"raftplay/raft"
	"raftplay/transport"
)

// keyMsg builds the message of one key as Bubble Tea reports it.
func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "delete":
		return tea.KeyMsg{Type: tea.KeyDelete}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys and runs what they ask to execute (commands, reading
// the trace), feeding the results back, the way the program would.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		if k == ":" || cmd == nil || m.prompt.active {
			continue // opening or typing into the prompt: only a cursor blink
		}
		switch r := cmd().(type) {
		case resultMsg, traceMsg:
			m.Update(r)
		}
	}
}

func withNode(st cluster.Status, id uint64, f func(n *cluster.NodeStatus)) cluster.Status {
	st.Nodes = slices.Clone(st.Nodes)
	f(&st.Nodes[id-1])
	return st
}

func TestKeysIssueCommandLines(t *testing.T) {
	crashed2 := withNode(steady(10), 2, func(n *cluster.NodeStatus) {
		*n = cluster.NodeStatus{ID: 2, State: cluster.StateCrashed, Role: "down"}
	})
	paused4 := withNode(steady(10), 4, func(n *cluster.NodeStatus) { n.State = cluster.StatePaused })
	split := steady(10)
	split.Faults.Groups = [][]uint64{{1, 2, 4, 5}, {3}}
	loaded := steady(10)
	loaded.Load = 50
	dropping := steady(10)
	dropping.Faults.Links = []transport.LinkRule{{Rule: transport.Rule{DropPct: 10}}}
	tests := []struct {
		name string
		st   cluster.Status
		keys []string
		want []string
	}{
		{"crash selected", steady(10), []string{"3", "c"}, []string{"crash 3"}},
		{"crash first by default", steady(10), []string{"c"}, []string{"crash 1"}},
		{"tab then crash", steady(10), []string{"tab", "tab", "c"}, []string{"crash 3"}},
		{"left wraps", steady(10), []string{"left", "c"}, []string{"crash 5"}},
		{"restart crashed", crashed2, []string{"2", "r"}, []string{"restart 2"}},
		{"no restart of an up node", steady(10), []string{"2", "r"}, nil},
		{"no crash of a crashed node", crashed2, []string{"2", "c"}, nil},
		{"pause up node", steady(10), []string{"4", "p"}, []string{"pause 4"}},
		{"resume paused node", paused4, []string{"4", "p"}, []string{"resume 4"}},
		{"isolate", steady(10), []string{"5", "i"}, []string{"isolate 5"}},
		{"group from whole", steady(10), []string{"3", "g"}, []string{"partition 1,2,4,5 3"}},
		{"group back to whole", split, []string{"3", "g"}, []string{"partition 1,2,3,4,5"}},
		{"group moves to next", split, []string{"1", "g"}, []string{"partition 2,4,5 1,3"}},
		{"heal with faults", dropping, []string{"h"}, []string{"heal"}},
		{"no heal without faults", steady(10), []string{"h"}, nil},
		{"load on", steady(10), []string{"l"}, []string{"load 50"}},
		{"load off", loaded, []string{"l"}, []string{"load off"}},
		{"faster", steady(10), []string{"+"}, []string{"set heartbeat 50ms", "set election 500ms-1s"}},
		{"slower", steady(10), []string{"-"}, []string{"set election 2s-4s", "set heartbeat 200ms"}},
		{"prompt", steady(10), []string{":", "p", "u", "t", " ", "x", " ", "1", "enter"}, []string{"put x 1"}},
		{"prompt esc runs nothing", steady(10), []string{":", "h", "esc", "enter"}, nil},
		{"prompt let then name", steady(10), []string{":", "l", "e", "t", " ", "a", " ", "=", " ", "2", "enter", ":", "c", "r", "a", "s", "h", " ", "@", "a", "enter"}, []string{"let a = 2", "crash @a"}},
		// A digit for a node not drawn selects none: c then refused to act
		// on the node still marked (a learner's 6 D removed another node).
		{"select beyond cluster acts on none", steady(10), []string{"9", "c", "D", "T", "P"}, nil},
		{"select beyond cluster, then a node", steady(10), []string{"9", "1", "c"}, []string{"crash 1"}},
		{"select beyond cluster, then tab", steady(10), []string{"9", "tab", "c"}, []string{"crash 2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{}
			m := newModel(newFakeSource(tc.st), ex, 120, 40)
			press(m, tc.keys...)
			if got := ex.got(); !slices.Equal(got, tc.want) {
				t.Fatalf("keys %q ran %q, want %q", tc.keys, got, tc.want)
			}
		})
	}
}

func TestWriteKeyPutsARandomKey(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	press(m, "w", "w")
	got := ex.got()
	re := regexp.MustCompile(`^put k\d+ \d+$`)
	if len(got) != 2 || !re.MatchString(got[0]) || !re.MatchString(got[1]) {
		t.Fatalf("w w ran %q, want two `put kN V` lines", got)
	}
}

func TestPromptParseErrorRunsNothing(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	press(m, ":", "c", "r", "a", "s", "h", " ", "7", "enter")
	if got := ex.got(); len(got) != 0 {
		t.Fatalf("ran %q, want nothing", got)
	}
	if v := m.View(); !strings.Contains(v, "crash 7: column 7: node 7 out of range") {
		t.Fatalf("view does not show the parse error:\n%s", v)
	}
}

func TestResultShownAndFailureShown(t *testing.T) {
	ex := &fakeExec{out: "value-of-x"}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	press(m, ":", "g", "e", "t", " ", "x", "enter")
	if v := m.View(); !strings.Contains(v, "> get x  value-of-x") {
		t.Fatalf("view does not show the result:\n%s", v)
	}
	ex.err, ex.out = errors.New("no leader within 5s"), ""
	press(m, "w")
	if v := m.View(); !strings.Contains(v, "error: put k99 1024: no leader within 5s") {
		t.Fatalf("view does not show the failure:\n%s", v)
	}
	press(m, "esc")
	if v := m.View(); strings.Contains(v, "no leader") {
		t.Fatalf("esc did not clear the output:\n%s", v)
	}
}

// helpBar returns the last line of the view: the short help.
func helpBar(m *Model) string {
	v := m.View()
	return v[strings.LastIndexByte(v, '\n')+1:]
}

func TestHelpShowsOnlyApplicableKeys(t *testing.T) {
	crashed := withNode(steady(10), 1, func(n *cluster.NodeStatus) {
		*n = cluster.NodeStatus{ID: 1, State: cluster.StateCrashed, Role: "down"}
	})
	paused := withNode(steady(10), 1, func(n *cluster.NodeStatus) { n.State = cluster.StatePaused })
	faulty := steady(10)
	faulty.Faults.Groups = [][]uint64{{1}, {2, 3, 4, 5}}
	tests := []struct {
		name     string
		st       cluster.Status
		has, not []string
	}{
		{"up", steady(10), []string{"c crash", "p pause", "i isolate", "w write", "? keys", "q quit"}, []string{"r restart", "h heal", "esc"}},
		{"crashed", crashed, []string{"r restart"}, []string{"c crash", "p pause", "p resume"}},
		{"paused", paused, []string{"p resume", "c crash"}, []string{"r restart", "p pause"}},
		{"faults", faulty, []string{"h heal"}, []string{"r restart"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel(newFakeSource(tc.st), &fakeExec{}, 200, 40)
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
}

// TestPromptHelpShowsThePromptsKeys: while the prompt is open the help
// bar shows its keys, not the main view's, which are typed as text there;
// ↑/↓ once it has a history to walk.
func TestPromptHelpShowsThePromptsKeys(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 80, 24)
	main := []string{"c crash", "P powerfail", "w write", "? keys", "q quit"}
	press(m, ":")
	bar := helpBar(m)
	for _, s := range []string{"enter run", "esc cancel", "ctrl+c quit"} {
		if !strings.Contains(bar, s) {
			t.Errorf("at the prompt the help bar %q lacks %q", bar, s)
		}
	}
	for _, s := range append(main, "history") {
		if strings.Contains(bar, s) {
			t.Errorf("at the prompt with no history the help bar %q shows %q", bar, s)
		}
	}
	press(m, "g", "e", "t", " ", "x", "enter", ":")
	if bar := helpBar(m); !strings.Contains(bar, "↑/↓ history") {
		t.Errorf("at the prompt with a history the help bar %q lacks ↑/↓", bar)
	}
	press(m, "esc")
	bar = helpBar(m)
	for _, s := range main {
		if !strings.Contains(bar, s) {
			t.Errorf("after the prompt the help bar %q lacks %q", bar, s)
		}
	}
}

func TestFullHelpListsEveryKey(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 200, 50)
	press(m, "?")
	v := m.View()
	for _, s := range []string{"1-9", "crash", "restart", "pause", "isolate", "group", "heal", "write", "load", "faster", "slower", ":", "detail", "filter", "log back", "log fwd", "quit"} {
		if !strings.Contains(v, s) {
			t.Errorf("full help lacks %q", s)
		}
	}
}

func TestTooSmallSaysWhatItNeeds(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 60, 15)
	if v := m.View(); !strings.Contains(v, "needs at least 80x") || !strings.Contains(v, "60x15") {
		t.Fatalf("small view: %q", v)
	}
	m.Update(sizeMsg(120, 40))
	if v := m.View(); !strings.Contains(v, "leader 1") {
		t.Fatalf("after resize the dashboard is not drawn:\n%s", v)
	}
}

func TestViewFitsTheScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		m := newModel(newFakeSource(steady(300)), &fakeExec{}, size[0], size[1])
		for _, keys := range [][]string{nil, {"enter"}, {"?"}} {
			press(m, keys...)
			lines := strings.Split(m.View(), "\n")
			if len(lines) > size[1] {
				t.Errorf("%v after %q: %d lines", size, keys, len(lines))
			}
			for i, l := range lines {
				if w := len([]rune(l)); w > size[0] {
					t.Errorf("%v after %q: line %d is %d wide: %q", size, keys, i, w, l)
				}
			}
			press(m, keys...)
		}
	}
}

func TestEventFilterByNode(t *testing.T) {
	src := newFakeSource(steady(10))
	m := newModel(src, &fakeExec{}, 120, 40)
	src.event(1, 2, "raft.vote", "2 rejected vote for 4: log not up to date")
	src.event(2, 3, "raft.role", "3 became candidate at term 4")
	src.event(3, 0, cluster.EventFault, "healed")
	msg := eventsCmd(m.ctx, src.log, m.feed.next)()
	m.Update(msg)
	press(m, "4", "f")
	v := m.View()
	if !strings.Contains(v, "2 rejected vote for 4") || strings.Contains(v, "3 became candidate") || !strings.Contains(v, "healed") {
		t.Fatalf("filter on node 4:\n%s", v)
	}
	press(m, "f")
	if v := m.View(); !strings.Contains(v, "3 became candidate") {
		t.Fatalf("filter off:\n%s", v)
	}
}

func TestEventsDroppedAreCounted(t *testing.T) {
	src := newFakeSource(steady(10))
	src.log = cluster.NewEventLog(2, frozen)
	m := newModel(src, &fakeExec{}, 120, 40)
	for i := range 5 {
		src.event(i, 1, "x", "event")
	}
	m.Update(eventsCmd(m.ctx, src.log, m.feed.next)())
	if v := m.View(); !strings.Contains(v, "(3 dropped)") {
		t.Fatalf("no dropped count:\n%s", v)
	}
}

func TestLanesScroll(t *testing.T) {
	m := newModel(newFakeSource(steady(500)), &fakeExec{}, 120, 40)
	_, hi := m.laneWindow()
	press(m, "[")
	_, hi2 := m.laneWindow()
	if hi != 500 || hi2 >= hi {
		t.Fatalf("window top %d then %d after [", hi, hi2)
	}
	press(m, "]")
	if _, hi3 := m.laneWindow(); hi3 != 500 {
		t.Fatalf("window top %d after ], want 500", hi3)
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
		_, cmd := m.Update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s does not quit", k)
		}
	}
}

func TestPastedKeysCountOneByOne(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	m.Update(keyMsg("3"))
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2c")})
	if m.Selected() != 2 || cmd == nil {
		t.Fatalf("selected %d after 2c", m.Selected())
	}
}

func TestBlockingCommandDoesNotBlockKeys(t *testing.T) {
	ex := &fakeExec{block: make(chan struct{})}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	_, cmd := m.Update(keyMsg("w"))
	res := make(chan tea.Msg, 1)
	go func() { res <- cmd() }()
	_, cmd2 := m.Update(keyMsg("c")) // asked while the put waits, and waits its turn
	if len(m.inflight) != 2 || !strings.Contains(m.View(), "(waits for put k") {
		t.Fatalf("in flight %d; view:\n%s", len(m.inflight), m.View())
	}
	press(m, "3")
	if m.Selected() != 3 {
		t.Fatal("keys stopped while a command blocks")
	}
	close(ex.block)
	m.Update(cmd2())
	if v := m.View(); !strings.Contains(v, "> crash 1  ok  (1 more running)") {
		t.Fatalf("view:\n%s", v)
	}
	m.Update(<-res)
	if len(m.inflight) != 0 {
		t.Fatalf("in flight %d after both ended", len(m.inflight))
	}
}

// Snapshots on screen: the snapshot index and term on every card, the
// compacted prefix in the lanes, and an InstallSnapshot in flight with its
// progress on the leader's card and on the receiving follower's.
func TestSnapshotShown(t *testing.T) {
	st := steady(60)
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.SnapshotIndex, n.SnapshotTerm, n.FirstIndex = 40, 3, 41
	}
	lead, lag := &st.Nodes[0], &st.Nodes[4]
	lag.SnapshotIndex, lag.SnapshotTerm, lag.FirstIndex, lag.LastIndex, lag.Commit, lag.Applied = 0, 0, 1, 5, 5, 5
	lead.Progress[5] = raft.Progress{Match: 5, Next: 41, State: "snapshot"}
	lead.Links[5] = transport.LinkStats{SnapshotBytesSent: 3000, SnapshotBytesTotal: 4000}
	lag.Links[1] = transport.LinkStats{SnapshotBytesRecv: 1000, SnapshotRecvTotal: 4000}
	m := newModel(newFakeSource(st), &fakeExec{}, 200, 50)
	m.Update(frameMsg(st))
	v := m.View()
	for _, want := range []string{"snap 40·t3", "5:⇢75%", "⇠snap 25%", "·"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

// Group keys typed faster than a frame build on each other.
func TestGroupKeysBuildOnEachOther(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 120, 40)
	press(m, "2", "g", "4", "g")
	got := ex.got()
	if got[0] != "partition 1,3,4,5 2" || got[1] != "partition 1,3,5 2,4" {
		t.Fatalf("lines %q", got)
	}
}

// TestKeysBuildOnWhatTheyAskedFor: the frame on its way when a key's
// command ran may have been read before it. Keys pressed before a frame
// read after the answer build on what was asked for: z then w proposes the
// write (a put would wait 5 s for a commit only steps bring, and hold the
// step keys behind it: seen on CI), and g after g builds on the partition
// asked for. A failed command's change is not kept.
func TestKeysBuildOnWhatTheyAskedFor(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(10)), ex, 140, 50)
	press(m, "z")
	m.Update(frameMsg(steady(10))) // read before the freeze ran
	if !m.status.Frozen {
		t.Fatal("a frame read before the freeze ran thawed the dashboard")
	}
	press(m, "w", "s")
	got := ex.got()
	if len(got) != 3 || got[0] != "freeze" || !strings.HasPrefix(got[1], "propose leader ") || got[2] != "step" {
		t.Fatalf("z, a frame older than the freeze, w, s ran %q; want freeze, a propose, step", got)
	}
	m.Update(frameMsg(steady(10))) // read after the answer: the cluster's word
	if m.status.Frozen {
		t.Fatal("the edit outlived the frame after the answer")
	}

	// Not yet answered: the edit lasts over every frame.
	ex = &fakeExec{block: make(chan struct{})}
	m = newModel(newFakeSource(steady(10)), ex, 140, 50)
	m.Update(keyMsg("z")) // its command not run yet
	for range 3 {
		m.Update(frameMsg(steady(10)))
	}
	if !m.status.Frozen {
		t.Fatal("frames before the freeze's answer thawed the dashboard")
	}
	close(ex.block)

	// A failed freeze is not kept.
	ex = &fakeExec{err: errors.New("no")}
	m = newModel(newFakeSource(steady(10)), ex, 140, 50)
	press(m, "z")
	m.Update(frameMsg(steady(10)))
	if m.status.Frozen {
		t.Fatal("a failed freeze was laid over the next frame")
	}

	ex = &fakeExec{}
	m = newModel(newFakeSource(steady(10)), ex, 120, 40)
	press(m, "2", "g")
	m.Update(frameMsg(steady(10))) // read before the partition
	press(m, "4", "g")
	if got := ex.got(); len(got) != 2 || got[1] != "partition 1,3,5 2,4" {
		t.Fatalf("g, an older frame, g ran %q", got)
	}
}

// TestKeyBehindARunningCommandSaysItWaits: one command runs at a time. A
// freeze pressed while a put waits for its commit says it waits for the
// put, and the header says the freeze is asked, not done (a teacher saw
// FROZEN for 5 s over a cluster that ran on); once the put is answered,
// the freeze runs, and the header says FROZEN.
func TestKeyBehindARunningCommandSaysItWaits(t *testing.T) {
	ex := &fakeExec{block: make(chan struct{})}
	m := newModel(newFakeSource(steady(10)), ex, 140, 50)
	_, put := m.Update(keyMsg("w"))
	_, freeze := m.Update(keyMsg("z"))
	v := m.View()
	if !regexp.MustCompile(`> freeze +\(waits for put k\d+ \d+ to finish\)`).MatchString(v) || !strings.Contains(v, "FREEZE asked: the clocks stop once put k") || strings.Contains(v, "FROZEN") {
		t.Fatalf("a freeze behind a put:\n%s", v)
	}
	close(ex.block)
	m.Update(put())
	if v := m.View(); !strings.Contains(v, "> freeze  (running)") || !strings.Contains(v, "FROZEN: clocks stopped") {
		t.Fatalf("the put answered, the freeze runs:\n%s", v)
	}
	m.Update(freeze())
	if v := m.View(); !strings.Contains(v, "> freeze\nok\nput k") {
		t.Fatalf("the freeze answered:\n%s", v)
	}
	// A membership command waits on a runner of its own: nothing behind it waits.
	ex = &fakeExec{block: make(chan struct{})}
	defer close(ex.block)
	m = newModel(newFakeSource(withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)), ex, 140, 50)
	m.Update(keyMsg("A"))
	m.Update(keyMsg("c"))
	if v := m.View(); !strings.Contains(v, "> crash 1  (running)") {
		t.Fatalf("a crash pressed during an add:\n%s", v)
	}
}

// TestWriteWhileFrozenProposes: frozen, w proposes to the leader with a
// short timeout (a put would hold every later key, the steps too, until it
// gave up); the help bar says so. Not frozen, w puts.
func TestWriteWhileFrozenProposes(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(frozenStatus()), ex, 140, 50)
	press(m, "w")
	ex.mu.Lock()
	got := slices.Clone(ex.lines)
	ex.mu.Unlock()
	if len(got) != 1 || !regexp.MustCompile(`^propose leader k\d+ \d+ 100ms$`).MatchString(got[0]) {
		t.Fatalf("w while frozen ran %q, want a propose to the leader", got)
	}
	if b := helpBar(m); !strings.Contains(b, "w propose") {
		t.Errorf("help bar while frozen: %q", b)
	}
	// Just elected by steps: no majority has heard the leader yet, so the
	// command language knows no leader; w proposes to the one of the
	// highest term that claims it (a teacher met "no leader now" beside a
	// LEADER card).
	st := frozenStatus()
	st.Leader = 0
	ex1 := &fakeExec{}
	m1 := newModel(newFakeSource(st), ex1, 140, 50)
	press(m1, "w")
	ex1.mu.Lock()
	got = slices.Clone(ex1.lines)
	ex1.mu.Unlock()
	if len(got) != 1 || !regexp.MustCompile(`^propose 1 k\d+ \d+ 100ms$`).MatchString(got[0]) {
		t.Fatalf("w while frozen with a leader no majority has heard: ran %q, want a propose to 1", got)
	}
	// Frozen with no node claiming to lead: nothing to propose to, and
	// `wait leader` would wait in vain; w says what elects one.
	st = withNode(st, 1, func(n *cluster.NodeStatus) { n.Role = "follower" })
	ex3 := &fakeExec{}
	m3 := newModel(newFakeSource(st), ex3, 140, 50)
	press(m3, "w")
	if got := ex3.got(); len(got) != 0 || !strings.Contains(m3.output.note, "only steps elect one") {
		t.Errorf("w frozen with no leader nor claimant: ran %q, note %q", got, m3.output.note)
	}
	ex2 := &fakeExec{}
	m2 := newModel(newFakeSource(steady(10)), ex2, 140, 50)
	press(m2, "w")
	if len(ex2.lines) != 1 || !strings.HasPrefix(ex2.lines[0], "put k") {
		t.Fatalf("w not frozen ran %q, want a put", ex2.lines)
	}
	if b := helpBar(m2); !strings.Contains(b, "w write") {
		t.Errorf("help bar: %q", b)
	}
}

// TestExplainInMessagesAndLinks: E explains commit from the messages view
// and the link matrix too, where a learner stepping messages wants it.
func TestExplainInMessagesAndLinks(t *testing.T) {
	for _, view := range []string{"m", "x"} {
		ex := &fakeExec{}
		m := newModel(newFakeSource(frozenStatus()), ex, 140, 50)
		press(m, view, "E")
		ex.mu.Lock()
		got := slices.Clone(ex.lines)
		ex.mu.Unlock()
		if !slices.Contains(got, "explain commit") {
			t.Errorf("E in view %s ran %q, want explain commit", view, got)
		}
	}
}

// A command that finishes after one run later does not push the later
// one's result out of view: both are told, the later first (a teacher's
// fourth step, which committed a waiting remove, lost its own line to the
// remove's "ok").
func TestAnEarlierCommandsResultDoesNotHideALaterOnes(t *testing.T) {
	m := newModel(newFakeSource(steady(3)), &fakeExec{}, 120, 40)
	remove := m.run("remove 1") // waits for its entry to commit
	step := m.run("step")
	if remove == nil || step == nil {
		t.Fatal("commands did not run")
	}
	m.Update(resultMsg{lines: []string{"step"}, out: "delivered 2->1 app-resp t1 ok 2; 1 commits 2", verb: "step", seq: 2})
	m.Update(resultMsg{lines: []string{"remove 1"}, out: "ok index=2", verb: "remove", seq: 1})
	v := m.View()
	for _, want := range []string{"delivered 2->1 app-resp t1 ok 2", "remove 1 (run earlier): ok index=2"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// The earlier one finishing while the later one still runs: told
	// once the later one has its result (a teacher's remove result never
	// appeared).
	m.run("remove 2")
	m.run("step")
	m.Update(resultMsg{lines: []string{"remove 2"}, out: "ok index=5", verb: "remove", seq: 3})
	m.Update(resultMsg{lines: []string{"step"}, out: "delivered 3->1 app-resp t1 ok 5", verb: "step", seq: 4})
	v = m.View()
	for _, want := range []string{"delivered 3->1 app-resp t1 ok 5", "remove 2 (run earlier): ok index=5"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// In order, they replace each other as before.
	m.run("step")
	m.Update(resultMsg{lines: []string{"step"}, out: "delivered 3->1 app-resp t1 ok 2", verb: "step", seq: 5})
	v = m.View()
	if !strings.Contains(v, "delivered 3->1 app-resp t1 ok 2") || strings.Contains(v, "run earlier") || strings.Contains(v, "delivered 2->1") {
		t.Errorf("the next step's result does not replace both:\n%s", v)
	}
}

// TestPromptRefusesAHashGluedToAWord: typed at the prompt, get a#b read key
// a (the '#' starts a comment): a learner got another key's value. The
// prompt refuses such a line, saying what it would read and how to keep
// the '#'; nothing runs.
func TestPromptRefusesAHashGluedToAWord(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(3)), ex, 120, 40)
	if cmd := m.run("get a#b"); cmd != nil {
		t.Fatal("get a#b ran")
	}
	if !strings.Contains(m.output.err, `column 6: '#' starts a comment, so the line reads "get a"; quote a word that holds '#'`) {
		t.Errorf("output error %q", m.output.err)
	}
	if cmd := m.run(`get "a#b"`); cmd == nil {
		t.Error(`get "a#b" did not run`)
	}
	if cmd := m.run("get a # the key a"); cmd == nil {
		t.Error("a comment after a space did not run")
	}
}

// A terminal that reports its size as 0x0 (a pty nobody sized) showed
// "starting…" for good over a running cluster: it says what is wrong, and
// q still quits. Before any size is reported, "starting…" it is.
func TestZeroSizeTerminalSaysSo(t *testing.T) {
	m := New(Options{Source: newFakeSource(steady(20)), Exec: &fakeExec{}, Clock: frozen, Seed: 1, Mono: true, Frame: 20 * time.Millisecond})
	if v := m.View(); v != "starting…" {
		t.Fatalf("before a size: %q, want starting…", v)
	}
	for _, size := range []tea.WindowSizeMsg{sizeMsg(0, 0), sizeMsg(120, 0), sizeMsg(0, 40)} {
		m.Update(size)
		if v := m.View(); !strings.Contains(v, fmt.Sprintf("reports its size as %dx%d", size.Width, size.Height)) || !strings.Contains(v, "q to quit") {
			t.Errorf("at %dx%d: %q, want it to say the terminal reports that size", size.Width, size.Height, v)
		}
	}
	m.Update(keyMsg("q"))
	if !m.quitting {
		t.Error("q does not quit at 0x40")
	}
}

// ctrl+z suspends the dashboard, as in a shell, at the prompt too (raw
// mode sends no SIGTSTP of itself; it did nothing).
func TestCtrlZSuspends(t *testing.T) {
	for _, prompt := range []bool{false, true} {
		ex := &fakeExec{}
		m := newModel(newFakeSource(steady(10)), ex, 120, 40)
		if prompt {
			m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{':'}})
		}
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlZ})
		if cmd == nil {
			t.Fatalf("prompt open %v: ctrl+z did nothing", prompt)
		}
		if _, ok := cmd().(tea.SuspendMsg); !ok {
			t.Fatalf("prompt open %v: ctrl+z did not suspend", prompt)
		}
	}
}
