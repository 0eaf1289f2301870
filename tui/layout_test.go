package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
	"raftplay/transport"
)

// widestStatus is a cluster of n nodes with every card field at its widest:
// 6-digit indexes, 3-digit terms, a 6-digit snapshot index, applied and last
// index apart from commit, a pre-candidate, a crashed and a failed node, a
// snapshot being received, and a leader whose followers all lag differently
// (by up to 6 digits).
func widestStatus(n int) cluster.Status {
	st := cluster.Status{Time: t0, Leader: 1, Term: 987, Commit: 987654, Timing: cluster.WatchTiming, Load: 1000, Written: 987654321}
	for id := uint64(1); id <= uint64(n); id++ {
		ns := cluster.NodeStatus{ID: id, State: cluster.StateUp, Role: "follower", Term: 900 + id, Vote: 9, Leader: 1,
			Commit: 987654 - id, Applied: 987000 + id, FirstIndex: 876544, LastIndex: 999990 + id,
			SnapshotIndex: 876543, SnapshotTerm: 123,
			ElectionTimeout: 19 * time.Second, ElectionElapsed: time.Second, LastHeartbeat: t0,
			Links: map[uint64]transport.LinkStats{}}
		ns.LogStart = ns.LastIndex - cluster.LogWindow + 1
		for range cluster.LogWindow {
			ns.LogTerms = append(ns.LogTerms, 900+id)
		}
		st.Nodes = append(st.Nodes, ns)
	}
	lead := &st.Nodes[0]
	lead.Role, lead.Leader, lead.Commit, lead.LastIndex = "leader", 1, 987654, 999999
	lead.Progress = map[uint64]raft.Progress{}
	for p := uint64(2); p <= uint64(n); p++ {
		lead.Progress[p] = raft.Progress{Match: 999999 - 111111*(p-1) - p, Next: 999999, State: "replicate"}
	}
	if n >= 2 {
		st.Nodes[1].Role = "pre-candidate"
		st.Nodes[1].Leader = 0
	}
	if n >= 3 {
		c := &st.Nodes[2]
		c.State, c.Role, c.AsOf, c.ElectionTimeout, c.ElectionElapsed = cluster.StateCrashed, "down", t0.Add(-time.Minute), 0, 0
	}
	if n >= 4 {
		c := &st.Nodes[3]
		c.State, c.Role, c.AsOf, c.Err = cluster.StateFailed, "down", t0.Add(-time.Minute), "wal: node-4/0000000000000001.wal offset 123456: crc mismatch"
	}
	if n >= 5 {
		f := &st.Nodes[4]
		f.Links[1] = transport.LinkStats{SnapshotBytesRecv: 999, SnapshotRecvTotal: 1000}
		lead.Progress[5] = raft.Progress{Match: 0, Next: 876544, State: "snapshot"}
		lead.Links[5] = transport.LinkStats{SnapshotBytesSent: 999, SnapshotBytesTotal: 1000}
	}
	if n >= 6 {
		st.Nodes[5].Role = "candidate"
		st.Nodes[5].Leader = 0
		lead.Progress[6] = raft.Progress{Match: 0, Next: 999999, State: "probe"}
	}
	if n >= 7 {
		st.Nodes[6].State = cluster.StatePaused
	}
	if n >= 8 {
		st.Faults.Groups = [][]uint64{{1, 2, 3, 4, 5}, {6, 7, 8}}
	}
	return st
}

// card is one card as drawn: its text lines (inside the border) and the
// border's inner width.
type card struct {
	id    uint64
	lines []string
	inner int
}

// parseCards cuts the card rows out of a view: a row starts with a line of
// top borders (╭ or ┏) and ends with bottom borders.
func parseCards(t *testing.T, view string) [][]card {
	t.Helper()
	lines := strings.Split(view, "\n")
	var rows [][]card
	for i := 0; i < len(lines); i++ {
		top := []rune(lines[i])
		if len(top) == 0 || (top[0] != '╭' && top[0] != '┏') {
			continue
		}
		var row []card
		var spans [][2]int // rune ranges inside each box
		for j := 0; j < len(top); j++ {
			if top[j] == '╭' || top[j] == '┏' {
				k := j + 1
				for k < len(top) && top[k] != '╮' && top[k] != '┓' {
					k++
				}
				spans = append(spans, [2]int{j + 1, k})
				row = append(row, card{inner: k - j - 1})
				j = k
			}
		}
		i++
		for ; i < len(lines); i++ {
			l := []rune(lines[i])
			if len(l) > 0 && (l[0] == '╰' || l[0] == '┗') {
				break
			}
			for c, sp := range spans {
				if sp[1] >= len(l) {
					t.Fatalf("card row line %d is cut: %q", i, lines[i])
				}
				if !strings.ContainsRune("│┃", l[sp[0]-1]) || !strings.ContainsRune("│┃", l[sp[1]]) {
					t.Fatalf("card %d's border is broken on line %d: %q", c, i, lines[i])
				}
				row[c].lines = append(row[c].lines, strings.TrimRight(string(l[sp[0]:sp[1]]), " "))
			}
		}
		for c := range row {
			m := regexp.MustCompile(`^[ ▸](\d) `).FindStringSubmatch(row[c].lines[0])
			if m == nil {
				t.Fatalf("card title %q has no node id", row[c].lines[0])
			}
			row[c].id, _ = strconv.ParseUint(m[1], 10, 64)
		}
		rows = append(rows, row)
	}
	return rows
}

var (
	numberRe = regexp.MustCompile(`\d+`)
	calRe    = regexp.MustCompile(`(\d+)/([=+\-\d]+)/([=+\-\d]+)`)
	lagRe    = regexp.MustCompile(`^([\d,\-]+):(\d+|-|⇢\d+%|⇢\?)$`)
)

// cardNumbers returns the numbers a card's text shows, with c/a/l written
// relative to the commit ("987654/=/+2") turned back into absolute ones, and
// the lag each follower is shown with.
func cardNumbers(text string) (nums map[uint64]bool, lags map[uint64]string) {
	nums, lags = map[uint64]bool{}, map[uint64]string{}
	for _, s := range numberRe.FindAllString(text, -1) {
		v, _ := strconv.ParseUint(s, 10, 64)
		nums[v] = true
	}
	for _, m := range calRe.FindAllStringSubmatch(text, -1) {
		c, _ := strconv.ParseInt(m[1], 10, 64)
		for _, rel := range m[2:] {
			switch {
			case rel == "=":
				nums[uint64(c)] = true
			case rel[0] == '+' || rel[0] == '-':
				d, _ := strconv.ParseInt(rel, 10, 64)
				nums[uint64(c+d)] = true
			}
		}
	}
	rest := ""
	for _, w := range strings.Fields(text) {
		if r, ok := strings.CutPrefix(w, "rest:"); ok {
			rest = r
			continue
		}
		m := lagRe.FindStringSubmatch(w)
		if m == nil {
			continue
		}
		for _, part := range strings.Split(m[1], ",") {
			lo, hi, _ := strings.Cut(part, "-")
			a, _ := strconv.ParseUint(lo, 10, 64)
			b := a
			if hi != "" {
				b, _ = strconv.ParseUint(hi, 10, 64)
			}
			for id := a; id <= b; id++ {
				lags[id] = m[2]
			}
		}
	}
	if rest != "" {
		lags[0] = rest // every follower not named
	}
	return nums, lags
}

// wantNumbers lists the numbers of n a card must show whole.
func wantNumbers(n cluster.NodeStatus) []uint64 {
	w := []uint64{n.ID, n.Term, n.Commit, n.Applied, n.LastIndex}
	if n.Vote != 0 {
		w = append(w, n.Vote)
	}
	if n.SnapshotIndex != 0 {
		w = append(w, n.SnapshotIndex, n.SnapshotTerm)
	}
	if n.Leader != 0 && n.Role != "leader" && n.AsOf.IsZero() {
		w = append(w, n.Leader)
	}
	return w
}

// wantLag is the lag a leader's card shows for follower p.
func wantLag(n cluster.NodeStatus, id uint64, p raft.Progress) string {
	switch {
	case p.State == "snapshot":
		return "⇢" + percent(n.Links[id].SnapshotBytesSent, n.Links[id].SnapshotBytesTotal)
	case p.State == "probe" && p.Match == 0:
		return "-"
	}
	return strconv.FormatUint(n.LastIndex-min(n.LastIndex, p.Match), 10)
}

// minSize renders the dashboard too small and reads the size it asks for.
func minSize(t *testing.T, m *Model) (int, int) {
	t.Helper()
	w, h := m.width, m.height
	m.Update(sizeMsg(40, 8))
	v := m.View()
	m.Update(sizeMsg(w, h))
	mm := regexp.MustCompile(`needs at least (\d+)x(\d+)`).FindStringSubmatch(v)
	if mm == nil {
		t.Fatalf("no minimum size in %q", v)
	}
	a, _ := strconv.Atoi(mm[1])
	b, _ := strconv.Atoi(mm[2])
	return a, b
}

// checkFits fails when view has more lines than h or a line wider than w.
func checkFits(t *testing.T, what, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("%s: %d lines on a %dx%d screen:\n%s", what, len(lines), w, h, view)
	}
	for i, l := range lines {
		if lw := len([]rune(l)); lw > w {
			t.Errorf("%s: line %d is %d wide on a %dx%d screen: %q", what, i, lw, w, h, l)
		}
	}
}

var testWidths = []int{80, 100, 140, 200}

// TestCardsShowEveryNumberWhole: at every width and cluster size, with every
// field at its widest, each card shows each of its numbers whole, a leader's
// card every follower's lag, no card line is cut, and the dashboard fits a
// terminal of the minimum size it reports.
func TestCardsShowEveryNumberWhole(t *testing.T) {
	for nodes := 1; nodes <= 9; nodes++ {
		st := widestStatus(nodes)
		for _, w := range testWidths {
			t.Run(fmt.Sprintf("%d nodes at %d", nodes, w), func(t *testing.T) {
				m := newModel(newFakeSource(st), &fakeExec{}, w, 200)
				minW, minH := minSize(t, m)
				if minW > w {
					t.Fatalf("minimum %dx%d is wider than %d", minW, minH, w)
				}
				m.Update(sizeMsg(w, minH))
				v := m.View()
				if strings.Contains(v, "needs at least") {
					t.Fatalf("at the minimum %dx%d it still asks for more:\n%s", w, minH, v)
				}
				checkFits(t, "view", v, w, minH)
				rows := parseCards(t, v)
				seen := 0
				for _, row := range rows {
					for _, c := range row {
						seen++
						n := st.Nodes[c.id-1]
						for i, l := range c.lines {
							if lw := len([]rune(l)); lw > c.inner {
								t.Errorf("node %d line %d %q is wider than the card (%d)", c.id, i, l, c.inner)
							}
						}
						text := strings.Join(c.lines, "\n")
						nums, lags := cardNumbers(text)
						for _, want := range wantNumbers(n) {
							if !nums[want] {
								t.Errorf("node %d's card does not show %d whole:\n%s", c.id, want, text)
							}
						}
						for p, pr := range n.Progress {
							got, ok := lags[p]
							if !ok {
								got = lags[0]
							}
							if want := wantLag(n, p, pr); got != want {
								t.Errorf("leader %d's card shows follower %d's lag as %q, want %q:\n%s", c.id, p, got, want, text)
							}
						}
					}
				}
				if seen != nodes {
					t.Fatalf("%d cards drawn, want %d:\n%s", seen, nodes, v)
				}
			})
		}
	}
}

// TestCardRowsAreBalanced: rows hold as many cards as they can, and no row
// holds more than one card more than another (9 at 140 columns: 5+4).
func TestCardRowsAreBalanced(t *testing.T) {
	for nodes := 1; nodes <= 9; nodes++ {
		for _, w := range testWidths {
			st := steady(40)
			st.Nodes = nil
			for id := uint64(1); id <= uint64(nodes); id++ {
				n := steady(40).Nodes[1]
				n.ID = id
				st.Nodes = append(st.Nodes, n)
			}
			m := newModel(newFakeSource(st), &fakeExec{}, w, 100)
			var counts []int
			for _, row := range parseCards(t, m.View()) {
				counts = append(counts, len(row))
			}
			if slices.Max(counts)-slices.Min(counts) > 1 {
				t.Errorf("%d nodes at %d columns: rows of %v cards", nodes, w, counts)
			}
		}
	}
	m := newModel(newFakeSource(widestStatus(9)), &fakeExec{}, 140, 100)
	var counts []int
	for _, row := range parseCards(t, m.View()) {
		counts = append(counts, len(row))
	}
	if !slices.Equal(counts, []int{5, 4}) {
		t.Errorf("9 nodes at 140 columns: rows of %v cards, want [5 4]", counts)
	}
}

// TestMinimumSizeIsOneAnswer: the size message asks for the same size
// whatever the terminal's size, and at that size (or any wider one) the
// dashboard is drawn and fits.
func TestMinimumSizeIsOneAnswer(t *testing.T) {
	for _, nodes := range []int{1, 3, 5, 9} {
		st := widestStatus(nodes)
		var want string
		for _, size := range [][2]int{{40, 8}, {79, 200}, {100, 10}, {200, 5}, {60, 30}} {
			m := newModel(newFakeSource(st), &fakeExec{}, size[0], size[1])
			got := regexp.MustCompile(`needs at least \d+x\d+`).FindString(m.View())
			if got == "" {
				t.Fatalf("%d nodes at %v: no size message:\n%s", nodes, size, m.View())
			}
			if want == "" {
				want = got
			} else if got != want {
				t.Errorf("%d nodes at %v: %q, at other sizes %q", nodes, size, got, want)
			}
		}
		m := newModel(newFakeSource(st), &fakeExec{}, 80, 50)
		_, h := minSize(t, m)
		for w := 80; w <= 240; w += 7 {
			m.Update(sizeMsg(w, h))
			v := m.View()
			if strings.Contains(v, "needs at least") {
				t.Errorf("%d nodes: %dx%d (the minimum height) asks for more:\n%s", nodes, w, h, v)
				continue
			}
			checkFits(t, fmt.Sprintf("%d nodes at %dx%d", nodes, w, h), v, w, h)
		}
	}
}

// pagerText scrolls through whatever the pager shows (down, then right) and
// returns every screen seen.
func pagerText(m *Model) string {
	var all strings.Builder
	for range 3 {
		last := ""
		for range 1000 { // until the view stops changing: the end
			v := m.View()
			if v == last {
				break
			}
			last = v
			all.WriteString(v)
			all.WriteString("\n")
			press(m, "pgdown") // a page at a time: a line skipped would go unseen
		}
		press(m, "home", "right", "right", "right", "right")
	}
	return all.String()
}

// TestLongOutputReadableAtMinimumSize: at the minimum size, `:status`,
// `:help` and the full key help can be read whole: they open in a pager
// that scrolls instead of being cut.
func TestLongOutputReadableAtMinimumSize(t *testing.T) {
	for _, nodes := range []int{1, 5, 9} {
		st := widestStatus(nodes)
		status := commands.FormatStatus(st)
		help, err := commands.Help("")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ line, out string }{{"status", status}, {"help", help}} {
			m := newModel(newFakeSource(st), &fakeExec{out: tc.out}, 80, 50)
			_, h := minSize(t, m)
			m.Update(sizeMsg(80, h))
			press(m, ":")
			for _, r := range tc.line {
				press(m, string(r))
			}
			press(m, "enter")
			checkFits(t, tc.line, m.View(), 80, h)
			seen := pagerText(m)
			for _, l := range strings.Split(tc.out, "\n") {
				for _, word := range strings.Fields(l) {
					if !strings.Contains(seen, word) {
						t.Errorf("%d nodes, %s at 80x%d: %q never shown", nodes, tc.line, h, word)
					}
				}
			}
			press(m, "esc")
			if v := m.View(); m.pagerShown() != noPager || !strings.Contains(v, "log ") {
				t.Errorf("esc did not close the %s pager:\n%s", tc.line, v)
			}
		}
		m := newModel(newFakeSource(st), &fakeExec{}, 80, 50)
		_, h := minSize(t, m)
		m.Update(sizeMsg(80, h))
		press(m, "?")
		checkFits(t, "?", m.View(), 80, h)
		seen := pagerText(m)
		for _, b := range m.keys.all() {
			re := regexp.MustCompile(regexp.QuoteMeta(b.Help().Key) + ` +` + regexp.QuoteMeta(b.Help().Desc))
			if !re.MatchString(seen) {
				t.Errorf("%d nodes: full help at 80x%d never shows %q", nodes, h, b.Help().Key+" "+b.Help().Desc)
			}
		}
	}
}

// TestLeaderLagShowsEveryFollower: at 9 nodes and every width, the
// leader's card accounts for every follower's lag, whether they all lag
// alike, all differently (up to 6 digits), or some are probed or being
// sent a snapshot.
func TestLeaderLagShowsEveryFollower(t *testing.T) {
	lags := map[string]func(p uint64) raft.Progress{
		"caught up":  func(p uint64) raft.Progress { return raft.Progress{Match: 999999, State: "replicate"} },
		"all differ": func(p uint64) raft.Progress { return raft.Progress{Match: 999999 - 123457*(p-1), State: "replicate"} },
		"one probed": func(p uint64) raft.Progress { return raft.Progress{Match: 999999 - 999999*(p/9), State: "probe"} },
		"two by two": func(p uint64) raft.Progress { return raft.Progress{Match: 999999 - 10000*(p/2), State: "replicate"} },
		"mixed states": func(p uint64) raft.Progress {
			return raft.Progress{Match: 999999 - p*p*1000, State: []string{"replicate", "probe", "snapshot"}[p%3]}
		},
	}
	for name, lag := range lags {
		st := widestStatus(9)
		lead := &st.Nodes[0]
		for p := uint64(2); p <= 9; p++ {
			lead.Progress[p] = lag(p)
		}
		for _, w := range testWidths {
			m := newModel(newFakeSource(st), &fakeExec{}, w, 200)
			text := cardOf(t, m.View(), 1)
			_, got := cardNumbers(text)
			for p := uint64(2); p <= 9; p++ {
				g, ok := got[p]
				if !ok {
					g = got[0]
				}
				if want := wantLag(*lead, p, lead.Progress[p]); g != want {
					t.Errorf("%s at %d columns: follower %d shown as %q, want %q:\n%s", name, w, p, g, want, text)
				}
			}
		}
	}
}

// TestLagMarksSilentFollowers: a follower the leader has not heard from in
// an election timeout gets a "?" after its lag (the number is only what
// the leader last knew); one heard from lately does not.
func TestLagMarksSilentFollowers(t *testing.T) {
	n := cluster.NodeStatus{ID: 1, Role: "leader", LastIndex: 40, Tick: 10 * time.Millisecond, ElectionMin: time.Second,
		Progress: map[uint64]raft.Progress{
			2: {Match: 40, State: "replicate", HeardAgo: 3},
			3: {Match: 40, State: "replicate", HeardAgo: 100}, // 1 s: silent
			4: {Match: 0, State: "probe", HeardAgo: 250},
		}}
	got := strings.Join(lagBlock(n, NewStyles(true).plain).pick(60), " ")
	if got != "lag 2:0 3:0? 4:-?" {
		t.Fatalf("lag = %q, want %q", got, "lag 2:0 3:0? 4:-?")
	}
}

// When the header grows at a size the dashboard keeps drawing (step mode
// adds its FROZEN line) and no lane fits below the lanes' title any more,
// it says so instead of drawing the title alone (a new user saw a title
// and a ruler with nothing under them).
func TestNoRoomForLanesIsSaid(t *testing.T) {
	st := steady(40)
	m := newModel(newFakeSource(st), &fakeExec{}, 80, 40)
	w, h := minSize(t, m)
	m.Update(sizeMsg(w, h))
	if v := viewFits(t, m, w, h); !strings.Contains(v, "log 1..") {
		t.Fatalf("at the minimum size the lanes do not show:\n%s", v)
	}
	// Step mode, a node skipping fsync, and PreVote and CheckQuorum on (the
	// timing line then takes two) each add a line to the header: the three
	// leave two lines of region, the header and cards still fitting.
	grown := st
	grown.Nodes = append([]cluster.NodeStatus(nil), st.Nodes...)
	grown.Frozen = true
	grown.Nodes[2].Disk.SkipFsync = true
	grown.PreVote, grown.CheckQuorum = true, true
	m.Update(frameMsg(grown))
	v := m.View()
	if s := m.layout(); s.region <= 0 || s.region >= 3 || strings.Contains(v, "needs at least") {
		t.Fatalf("the grown header left %d lines of region (want 1 or 2, still drawn):\n%s", s.region, v)
	}
	if !strings.Contains(v, "no room for the log lanes") || strings.Contains(v, "log 1..") {
		t.Errorf("no lane fits, but the screen does not say so:\n%s", v)
	}
	// Said whole at 80 columns: it was cut at "(enter and m still s".
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "no room") && !strings.HasSuffix(l, "show them") && !strings.HasSuffix(l, "messages)") {
			t.Errorf("the line is cut at %d columns: %q", w, l)
		}
	}
}

// On a screen too small to draw on, keys do nothing unseen (a new user's
// l started a load behind the size message); q still quits.
func TestKeysAreOffWhileTheScreenIsTooSmall(t *testing.T) {
	ex := &fakeExec{}
	m := newModel(newFakeSource(steady(5)), ex, 60, 15)
	if !strings.Contains(m.View(), "needs at least") {
		t.Fatalf("60x15 is not too small:\n%s", m.View())
	}
	press(m, "l", "c", "i", "m")
	if got := ex.got(); len(got) != 0 {
		t.Errorf("keys on the too-small screen ran %q", got)
	}
	if m.region != regionLanes {
		t.Errorf("m opened a view unseen: region %v", m.region)
	}
	m.Update(sizeMsg(120, 40))
	press(m, "l")
	if got := ex.got(); len(got) != 1 || got[0] != "load 50" {
		t.Errorf("l on a screen that fits ran %q, want load 50", got)
	}
}

// TestHiddenLanesAreNamed: at 80x26 with 9 nodes only some nodes' lanes
// fit; a line names the others and says how to see them, rather than the
// lanes ending after node 3 with nothing to say 4-9 are there. With room
// for them all there is no such line.
func TestHiddenLanesAreNamed(t *testing.T) {
	st := nineNodes()
	m := newModel(newFakeSource(st), &fakeExec{}, 80, 26)
	v := m.View()
	lines := strings.Split(v, "\n")
	var lanes []string
	note := -1
	for i, l := range lines {
		if laneRe.MatchString(l) {
			lanes = append(lanes, l)
		}
		if strings.Contains(l, "hidden") {
			note = i
		}
	}
	if len(lanes) == 0 || len(lanes) == 9 {
		t.Fatalf("want some of the 9 lanes drawn at 80x26, got %d:\n%s", len(lanes), v)
	}
	want := fmt.Sprintf("lanes %d-9 hidden: make the window taller", len(lanes)+1)
	if note < 0 || !strings.HasPrefix(lines[note], want) {
		t.Errorf("no line says %q:\n%s", want, v)
	} else if lines[note-1] != lanes[len(lanes)-1] {
		t.Errorf("the note is not under the last lane drawn:\n%s", v)
	}
	checkFits(t, "9 nodes at 80x26", v, 80, 26)
	m.Update(sizeMsg(80, 60))
	if v := m.View(); strings.Contains(v, "hidden") {
		t.Errorf("at 80x60 a lane is said hidden:\n%s", v)
	}
}

// The lanes kept when not all fit are the selected node's and the
// leader's first, then the rest in order (lesson 5 at 80x24 hid the
// leader's lane, the one it is about).
func TestHiddenLanesKeepTheLeadersAndTheSelected(t *testing.T) {
	st := nineNodes()
	// Node 8 leads.
	st.Leader = 8
	for i := range st.Nodes {
		st.Nodes[i].Role, st.Nodes[i].Leader = "follower", 8
	}
	st.Nodes[7].Role, st.Nodes[7].Progress, st.Nodes[0].Progress = "leader", st.Nodes[0].Progress, nil
	m := newModel(newFakeSource(st), &fakeExec{}, 80, 26)
	m.Update(keyMsg("9")) // select node 9
	var ids []string
	for _, l := range strings.Split(m.View(), "\n") {
		if laneRe.MatchString(l) {
			ids = append(ids, strings.Fields(l)[0])
		}
	}
	if len(ids) < 2 || len(ids) == 9 || !slices.Contains(ids, "8") || !slices.Contains(ids, "9") || !slices.IsSortedFunc(ids, strings.Compare) {
		t.Errorf("lanes drawn: %v; want the leader's (8) and the selected node's (9) among some, in order", ids)
	}
}

// nineNodes is steady(40) grown to nine nodes, 6-9 as follower 2.
func nineNodes() cluster.Status {
	st := steady(40)
	for id := uint64(6); id <= 9; id++ {
		n := steady(40).Nodes[1]
		n.ID = id
		st.Nodes = append(st.Nodes, n)
		st.Nodes[0].Progress[id] = st.Nodes[0].Progress[2]
	}
	return st
}

// laneRe matches a node's lane: its id, then its cells.
var laneRe = regexp.MustCompile(`^ ?\d [│·█▒░┄ \d]`)
