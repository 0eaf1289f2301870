package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
	"raftplay/transport"
)

// whyStatus is a cluster whose cards each say something different: node 1,
// cut off in a partition of its own, still believes it leads term 3 (a
// stale leader: it has heard no one for 2.1 s; CheckQuorum is off); node 3
// leads term 4, and its commit waits for an entry of its own term to reach
// a majority (41, of term 3, is on a majority, its no-op 42 only on 3 and
// 4); node 2 is 30 entries behind; node 5 is a pre-candidate with one vote
// of the three it needs (4 refused it: it hears the leader); node 4 is up
// to date.
func whyStatus() cluster.Status {
	st := steady(40)
	st.Leader, st.Term, st.Commit, st.PreVote = 3, 4, 40, true
	st.Faults.Groups = [][]uint64{{1}, {2, 3, 4, 5}}
	logOf := func(n *cluster.NodeStatus, last uint64, extra ...uint64) {
		n.LogTerms = append(slices.Clone(n.LogTerms[:min(last, 40)]), extra...)
		n.LastIndex = last + uint64(len(extra))
		n.LastTerm = n.LogTerms[len(n.LogTerms)-1]
	}
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.Term, n.Vote, n.Leader, n.PreVote = 4, 3, 3, true
	}
	old := &st.Nodes[0]
	old.Role, old.Term, old.Vote, old.Leader, old.ElectionElapsed, old.LastHeartbeat = "leader", 3, 1, 1, 0, time.Time{}
	logOf(old, 40, 3, 3)
	old.Progress = map[uint64]raft.Progress{}
	for p := uint64(2); p <= 5; p++ {
		old.Progress[p] = raft.Progress{Match: 40, Next: 43, State: "replicate", Inflight: 2, Paused: true, HeardAgo: 210}
	}

	behind := &st.Nodes[1]
	logOf(behind, 12)
	behind.Commit, behind.Applied = 12, 12
	behind.LastVote = raft.VoteDecision{Candidate: 3, Term: 4, Granted: true, CandIndex: 41, CandTerm: 3, MyIndex: 12, MyTerm: 1}

	l := &st.Nodes[2]
	l.Role, l.ElectionElapsed, l.LastHeartbeat = "leader", 0, time.Time{}
	logOf(l, 40, 3, 4)
	l.QuorumIndex, l.QuorumTerm = 41, 3
	l.Progress = map[uint64]raft.Progress{
		1: {Match: 0, Next: 41, State: "probe", Paused: true, HeardAgo: 230},
		2: {Match: 12, Next: 16, State: "replicate", Inflight: 3, HeardAgo: 4, LastReject: 40, LastRejectHint: 12, LastRejectHintTerm: 1},
		4: {Match: 42, Next: 43, State: "replicate", HeardAgo: 2},
		5: {Match: 41, Next: 42, State: "probe", Paused: true, HeardAgo: 7},
	}

	up := &st.Nodes[3]
	logOf(up, 40, 3, 4)
	up.LastVote = raft.VoteDecision{Candidate: 5, Term: 5, Pre: true, Why: raft.WhyLease, VotedFor: 3}

	pre := &st.Nodes[4]
	pre.Role, pre.Leader, pre.ElectionElapsed = "pre-candidate", 0, 300*time.Millisecond
	logOf(pre, 40, 3)
	pre.Tally = &raft.Tally{Pre: true, Granted: []uint64{5}, Refused: map[uint64]raft.Why{4: raft.WhyLease}, Pending: []uint64{1, 2, 3}, Needed: 3}
	return st
}

// whyEvents are events the why scenario's detail and feed show.
func whyEvents(src *fakeSource) {
	src.event(-900, 0, cluster.EventFault, "partitioned into 1 | 2,3,4,5")
	src.event(-500, 3, "raft.role", "3 became leader at term 4")
	src.event(-200, 5, "raft.election", "5 started pre-vote at term 5")
	src.event(-190, 4, "raft.vote", "4 ignored pre-vote for 5: within the leader lease")
}

// whyModel is a dashboard over whyStatus at w x h with its events read.
func whyModel(t *testing.T, st cluster.Status, w, h int) *Model {
	t.Helper()
	src := newFakeSource(st)
	whyEvents(src)
	m := newModel(src, &fakeExec{}, w, h)
	m.Update(eventsCmd(m.ctx, src.log, m.feed.next)())
	return m
}

// TestGoldenWhyViews: the cards' why-lines (a stale leader, a leader whose
// commit waits for an entry of its term, a follower behind, a
// pre-candidate with a partial tally), the commit explanation under the
// lanes, the column cursor on an uncommitted entry, the detail view's why
// panel at the leader and at the pre-candidate, and the legend.
func TestGoldenWhyViews(t *testing.T) {
	tests := map[string]struct {
		w, h int
		keys []string
	}{
		"cards-120x40":     {120, 40, nil},
		"cards-80x42":      {80, 42, nil},
		"cards-140x40":     {140, 40, nil},
		"column-120x40":    {120, 40, []string{">"}},
		"detail-3-120x50":  {120, 50, []string{"3", "enter"}},
		"detail-5-80x42":   {80, 42, []string{"5", "enter"}},
		"detail-1-120x40":  {120, 40, []string{"1", "enter", "pgdown"}},
		"legend-100x40":    {100, 40, []string{"L"}},
		"legend-end-80x42": {80, 42, []string{"L", "end"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := whyModel(t, whyStatus(), tc.w, tc.h)
			press(m, tc.keys...)
			v := m.View()
			checkFits(t, name, v, tc.w, tc.h)
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// squash joins lines with single spaces, as wrapped text reads.
func squash(lines ...string) string {
	return strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
}

// whyOf returns the why-line of a card: its lines between the body and the
// state block, read back by finding the state at the bottom and taking
// what before it spells cluster.Why (so the test reads the card the way a
// user does: the lines just above the state).
func whyOf(c string, want string) string {
	lines := strings.Split(c, "\n")
	for from := len(lines) - 1; from >= 1; from-- {
		for to := from; to < len(lines); to++ {
			if got := squash(lines[from : to+1]...); got == squash(want) {
				rest := squash(lines[to+1:]...)
				if !strings.ContainsAny(rest, "0123456789") || strings.HasPrefix(rest, "up") || strings.HasPrefix(rest, "frozen") ||
					strings.HasPrefix(rest, "paused") || strings.HasPrefix(rest, "crashed") || strings.HasPrefix(rest, "failed") {
					return got
				}
			}
		}
	}
	return ""
}

// TestWhyLinesAreTheClusters: every card's why-line is cluster.Why's text
// for the status, word for word, at every width and cluster size, whether
// it fits on a line or wraps, and it sits just above the card's state.
func TestWhyLinesAreTheClusters(t *testing.T) {
	statuses := map[string]cluster.Status{"why": whyStatus(), "steady": steady(40), "elected": elected(),
		"partition": partitionScenario().st, "frozen": frozenStatus(), "crashed": crashedScenario().st}
	for n := 1; n <= 9; n += 2 {
		statuses[fmt.Sprintf("widest-%d", n)] = widestStatus(n)
	}
	for name, st := range statuses {
		for _, w := range testWidths {
			m := newModel(newFakeSource(st), &fakeExec{}, w, 200)
			v := m.View()
			for _, row := range parseCards(t, v) {
				for _, c := range row {
					want := cluster.Why(st, c.id)
					text := strings.Join(c.lines, "\n")
					if got := whyOf(text, want); got == "" {
						t.Errorf("%s at %d: node %d's card does not say %q above its state:\n%s", name, w, c.id, want, text)
					}
				}
			}
		}
	}
}

// TestWhyLinesSayWhatHappens: the why scenario's cards say what the
// cluster says of each node.
func TestWhyLinesSayWhatHappens(t *testing.T) {
	st := whyStatus()
	want := map[uint64]string{1: "stale leader: no quorum heard for 2.1 s", 2: "behind by 30: replicate",
		3: "commit waits for a term-4 entry", 4: "up to date", 5: "waiting: 1 of 3 votes"}
	for id, w := range want {
		if got := cluster.Why(st, id); got != w {
			t.Fatalf("cluster.Why(%d) = %q, want %q: the scenario is not what it says", id, got, w)
		}
	}
	for _, width := range []int{80, 120, 140} {
		v := whyModel(t, st, width, 60).View()
		for id, w := range want {
			if c := cardOf(t, v, id); whyOf(c, w) == "" {
				t.Errorf("at %d node %d's card lacks %q:\n%s", width, id, w, c)
			}
		}
	}
}

// explanationOf returns the text under the lanes: the lines between the
// last lane and the events' title.
func explanationOf(t *testing.T, v string) string {
	t.Helper()
	lines := strings.Split(v, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "commit:") || strings.HasPrefix(l, "column ") {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("no explanation under the lanes:\n%s", v)
	}
	end := start + 1
	for end < len(lines) && !strings.HasPrefix(lines[end], "events") {
		end++
	}
	return squash(lines[start:end]...)
}

// TestCommitExplanationIsTheClusters: under the lanes, the lowest
// uncommitted index's explanation as cluster.ExplainCommit says it (whole
// when it fits two lines, else its start and the key that shows it all);
// < and > move a column cursor whose index's explanation replaces it, the
// ruler marks the column, E runs `explain commit I`, esc puts the cursor
// away.
func TestCommitExplanationIsTheClusters(t *testing.T) {
	check := func(t *testing.T, m *Model, label string, i uint64) {
		t.Helper()
		want := squash(label, cluster.ExplainCommit(m.status, i))
		got := explanationOf(t, m.View())
		if got != want {
			if head, ok := strings.CutSuffix(got, " … (E: all of it)"); !ok || !strings.HasPrefix(want, head) || len(head) < 100 {
				t.Errorf("explanation %q, want %q", got, want)
			} else if next := want[len(head)]; next >= '0' && next <= '9' || next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' {
				// Cut at a word: "1 has up to 1 …" of 160 read as a number.
				t.Errorf("explanation cut inside a word: %q of %q", got, want)
			}
		}
	}
	for name, st := range map[string]cluster.Status{"why": whyStatus(), "steady": steady(40), "elected": elected(), "widest": widestStatus(9), "election": electionScenario().st} {
		t.Run(name, func(t *testing.T) {
			for _, w := range []int{80, 120, 200} {
				ex := &fakeExec{}
				m := newModel(newFakeSource(st), ex, w, 80)
				check(t, m, "commit:", 0)
				if st.Commit < m.newestIndex() || name == "why" {
					continue
				}
				if v := m.View(); !strings.Contains(v, "every entry") && !strings.Contains(v, "no leader") {
					t.Errorf("all committed, and the explanation does not say so:\n%s", v)
				}
			}
		})
	}

	st := whyStatus()
	ex := &fakeExec{}
	m := newModel(newFakeSource(st), ex, 120, 40)
	press(m, ">")
	if m.col != 41 {
		t.Fatalf("the cursor starts at %d, want the lowest uncommitted index 41", m.col)
	}
	check(t, m, "column 41:", 41)
	press(m, ">")
	check(t, m, "column 42:", 42)
	v := m.View()
	if !regexp.MustCompile(`(?m)^ +.*▼42`).MatchString(v) || !strings.Contains(v, "column 42 (< > move") {
		t.Errorf("the ruler or the title does not mark column 42:\n%s", v)
	}
	ruler := regexp.MustCompile(`(?m)^ +[| ].*▼42.*$`).FindString(v)
	if at := strings.Index(ruler, "▼42"); len([]rune(ruler[:at])) != lanePrefix+int(42-m.lanesLo()) {
		t.Errorf("▼ is not above column 42: %q", ruler)
	}
	press(m, ">", ">") // the newest is 42: it stays
	if m.col != 42 {
		t.Errorf("> past the newest moved the cursor to %d", m.col)
	}
	press(m, "<", "<", "<")
	check(t, m, "column 39:", 39)
	press(m, "E")
	if got := ex.got(); len(got) != 1 || got[0] != "explain commit 39" {
		t.Errorf("E ran %q, want explain commit 39", got)
	}
	press(m, "esc", "esc")
	if m.col != 0 {
		t.Fatalf("esc left the cursor at %d", m.col)
	}
	check(t, m, "commit:", 0)
	press(m, "E")
	if got := ex.got(); got[len(got)-1] != "explain commit" {
		t.Errorf("E without a cursor ran %q", got[len(got)-1])
	}
	// The cursor keeps its column in view while the lanes scroll.
	big := steady(3000)
	m = newModel(newFakeSource(big), &fakeExec{}, 120, 40)
	press(m, "<")
	for range 40 {
		press(m, "<")
	}
	lo, hi := m.laneWindow()
	if m.col < lo || m.col > hi {
		t.Errorf("column %d outside the lanes %d..%d", m.col, lo, hi)
	}
	press(m, "[", "[")
	lo, hi = m.laneWindow()
	if m.col < lo || m.col > hi {
		t.Errorf("after [ column %d outside the lanes %d..%d", m.col, lo, hi)
	}
}

// lanesLo is the first index the lanes show.
func (m *Model) lanesLo() uint64 {
	lo, _ := m.laneWindow()
	return lo
}

// TestDetailWhyPanel: enter shows the selected node's explanations as the
// cluster words them (ExplainNode, ExplainVote, ExplainLog), and at a
// leader a row per follower with its match, next, state, appends in
// flight, pause, when it last answered (in ms) and its last rejection.
func TestDetailWhyPanel(t *testing.T) {
	st := whyStatus()
	for _, id := range []uint64{1, 2, 3, 4, 5} {
		for _, w := range []int{80, 120, 200} {
			m := whyModel(t, st, w, 200)
			press(m, fmt.Sprint(id), "enter")
			v := m.View()
			text := squash(strings.Split(v, "\n")...)
			for _, want := range []string{cluster.ExplainNode(st, id), "vote: " + cluster.ExplainVote(st, id), "log: " + cluster.ExplainLog(st, id)} {
				if !strings.Contains(text, squash(want)) {
					t.Errorf("node %d at %d: the detail lacks %q:\n%s", id, w, want, v)
				}
			}
			checkFits(t, "detail", v, w, 200)
		}
	}
	m := whyModel(t, st, 120, 200)
	press(m, "3", "enter")
	v := m.View()
	rows := map[string]string{
		"1": `^1 +0 +41 +probe +0 +yes +2300 ms +-$`,
		"2": `^2 +12 +16 +replicate +3 +no +40 ms +after 40 \(hint 12@1\)$`,
		"4": `^4 +42 +43 +replicate +0 +no +20 ms +-$`,
		"5": `^5 +41 +42 +probe +0 +yes +70 ms +-$`,
	}
	if !regexp.MustCompile(`(?m)^follower +match +next +state +in flight +paused +heard ago +last reject$`).MatchString(v) {
		t.Errorf("no follower table header:\n%s", v)
	}
	for id, re := range rows {
		if !regexp.MustCompile(`(?m)` + re).MatchString(v) {
			t.Errorf("follower %s's row does not match %s:\n%s", id, re, v)
		}
	}
	if !strings.Contains(v, "link 1: sent 300 to it, received 270 from it; dropped: 0 of its own by faults, 0 queue full, 0 connection lost\n") {
		t.Errorf("link line not in words:\n%s", v)
	}
	// The drops are the node's own messages; the peer's cut on arrival
	// are said apart (a partition showed 1020 on one end, 33 on the other,
	// both said to count "either way").
	if got, want := linkLine(2, transport.LinkStats{MsgsSent: 78, MsgsRecv: 78, DroppedFault: 33, DroppedFaultIn: 2, Connected: true}),
		"link 2: sent 78 to it, received 78 from it; dropped: 33 of its own by faults, 0 queue full, 0 connection lost; 2 of 2's cut on arrival"; got != want {
		t.Errorf("linkLine = %q, want %q", got, want)
	}
	// A small terminal scrolls the detail instead of cutting it.
	m = whyModel(t, st, 80, 42)
	press(m, "3", "enter")
	var seen []string
	for range 60 {
		seen = append(seen, strings.Split(m.View(), "\n")...)
		press(m, "down")
	}
	if m.Selected() != 3 {
		t.Errorf("↓ in the detail view selected node %d", m.Selected())
	}
	all := squash(seen...)
	for _, want := range []string{cluster.ExplainNode(st, 3), "recent entries", "events", "3 became leader at term 4"} {
		if !strings.Contains(all, squash(want)) {
			t.Errorf("scrolling the detail at 80x42 never shows %q", want)
		}
	}
}

// TestDetailOfACrashedNode: the remembered values are said to be the last
// status before the crash, with its time.
func TestDetailOfACrashedNode(t *testing.T) {
	st := crashedScenario().st
	m := newModel(newFakeSource(st), &fakeExec{}, 120, 60)
	press(m, "2", "enter")
	v := m.View()
	want := "node 2: crashed, as of its last status, " + st.Nodes[1].AsOf.Format("15:04:05.000") + ", just before the crash"
	if !strings.Contains(v, want) {
		t.Errorf("detail of a crashed node lacks %q:\n%s", want, v)
	}
}

// TestLegend: L shows every symbol and colour in the pager, ? lists L, and
// L or esc closes it.
func TestLegend(t *testing.T) {
	m := newModel(newFakeSource(steady(40)), &fakeExec{}, 120, 40)
	press(m, "L")
	if m.pagerShown() != legendPager {
		t.Fatalf("L did not open the legend:\n%s", m.View())
	}
	seen := pagerText(m)
	for _, want := range []string{"█", "░", "·", string(cellNotHere), "♥", "⏱", "c/a/l", "lag 2:0", "snap 120·t3", "PRE-CAND",
		"●", "▶ ◀", "◆", "✗", "… 3.5s", "part", "d50%", "+100ms", "▼247", "LEADER", "CANDIDATE", "FOLLOWER", "PAUSED", "DOWN",
		"terms 1 to 8", "why-line", "FROZEN", "SAFETY VIOLATION"} {
		if !strings.Contains(seen, want) {
			t.Errorf("the legend lacks %q", want)
		}
	}
	press(m, "esc")
	if m.pagerShown() != noPager {
		t.Fatalf("esc did not close the legend")
	}
	press(m, "L", "L")
	if m.pagerShown() != noPager {
		t.Fatalf("L did not close the legend")
	}
	press(m, "?")
	if help := pagerText(m); !regexp.MustCompile(`L +legend`).MatchString(help) {
		t.Errorf("? does not list L")
	}
	// In colour the legend draws the roles in their colours.
	c := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, Clock: frozen, Seed: 1})
	if got, want := c.legendSections()[0].items[0].look, c.styles.Role("leader").Render("LEADER"); !strings.Contains(got, want) {
		t.Errorf("roles not drawn in their styles: %q", got)
	}
}

// TestExplainSaysWhenItWasAsked: an explanation's result starts with the
// moment it was asked, the status's time and the highest term any node
// has, by a key, at the prompt or in a script: it tells of that moment
// while the cards go on. A lesson's explain stayed in view saying "1 is a
// candidate at term 5 ... 100 ms ago" beside a card at term 17.
func TestExplainSaysWhenItWasAsked(t *testing.T) {
	st := withNode(steady(10), 4, func(n *cluster.NodeStatus) { n.Term = 7 })
	const expl = "index 11 (term 3) is on 1, needs 3 of 5"
	ex := &fakeExec{out: expl}
	m := newModel(newFakeSource(st), ex, 120, 40)
	m.Update(frameMsg(st))
	const want = "asked at 15:04:05.000, highest term 7: " + expl
	press(m, "E")
	if v := m.View(); !strings.Contains(v, "> explain commit  "+want) {
		t.Errorf("E's result does not say when it was asked:\n%s", v)
	}
	press(m, ":", "e", "x", "p", "l", "a", "i", "n", " ", "2", "enter")
	if v := m.View(); !strings.Contains(v, "> explain 2  "+want) {
		t.Errorf("the prompt's explain does not say when it was asked:\n%s", v)
	}
	// Other commands' results are left as they are, a paste's last line's
	// too when an explain came before it.
	ex.out = "ok index=12 term=3"
	press(m, ":", "g", "e", "t", " ", "x", "enter")
	if v := m.View(); strings.Contains(v, "asked at") {
		t.Errorf("a get says when it was asked:\n%s", v)
	}
	press(m, ":")
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("explain 2\nget x\n"), Paste: true}); cmd != nil {
		if r, ok := cmd().(resultMsg); ok {
			m.Update(r)
		}
	}
	if v := m.View(); !strings.Contains(v, "> get x  ok index=12") || strings.Contains(v, "asked at") {
		t.Errorf("a paste's get after an explain:\n%s", v)
	}

	// A replay says the moment as a time into the recording, of the
	// status the cards show (200 ms before the cursor here), as its
	// timeline does ("status as of 12.300s"), not the clock's of that day.
	rst := st
	rst.Time = t0.Add(-200 * time.Millisecond)
	p := newFakePlayer(rst)
	rex := &fakeExec{out: expl}
	rm := replayModel(t, p, rex, 120, 40)
	replayFrame(rm, p)
	press(rm, ":", "e", "x", "p", "l", "a", "i", "n", " ", "2", "enter")
	if v := rm.View(); !strings.Contains(v, "> explain 2  asked at 12.300s into the recording, highest term 7: "+expl) {
		t.Errorf("a replay's explain does not say where in the recording it was asked:\n%s", v)
	}

	cmds, err := commands.Parse("explain leader\n", 5)
	if err != nil {
		t.Fatal(err)
	}
	m = New(Options{Source: newFakeSource(st), Exec: &fakeExec{}, ScriptExec: &fakeExec{out: expl}, Script: cmds,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	m.Update(sizeMsg(120, 40))
	m.Update(frameMsg(st))
	stepScript(t, m)
	if v := m.View(); !strings.Contains(v, "> script line 1: explain leader  "+want) {
		t.Errorf("the script's explain does not say when it was asked:\n%s", v)
	}
}
