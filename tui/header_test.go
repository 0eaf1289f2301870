package tui

import (
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/transport"
)

// leaderless is a cluster between leaders: the highest term is 7 and the
// highest commit 227, though no node leads.
func leaderless() cluster.Status {
	st := steady(227)
	st.Leader, st.Term, st.Commit = 0, 7, 227
	for i := range st.Nodes {
		st.Nodes[i].Role, st.Nodes[i].Leader, st.Nodes[i].Progress = "follower", 0, nil
		st.Nodes[i].Term = 5 + uint64(i%3)
	}
	return st
}

func TestHeaderWithoutLeaderShowsHighest(t *testing.T) {
	m := newModel(newFakeSource(leaderless()), &fakeExec{}, 120, 40)
	v := m.View()
	for _, want := range []string{"leader none  term 7 (highest)", "commit 227 (highest)"} {
		if !strings.Contains(v, want) {
			t.Errorf("header lacks %q:\n%s", want, v)
		}
	}
	for _, bad := range []string{"term 0", "commit 0"} {
		if strings.Contains(v, bad) {
			t.Errorf("header shows %q:\n%s", bad, v)
		}
	}
	st := steady(40)
	st.Commit = 40
	m = newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	if v := m.View(); !strings.Contains(v, "leader 1  term 3") || !strings.Contains(v, "commit 40") || strings.Contains(v, "highest") {
		t.Errorf("header with a leader:\n%s", v)
	}
}

// A node that thinks it leads, which no majority follows yet, is named
// beside "leader none": a new user saw a card say LEADER under a header
// that said none, with nothing to tie the two.
func TestHeaderNamesLeaderClaimants(t *testing.T) {
	st := leaderless()
	st.Nodes[0].Role = "leader"
	m := newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	// Node 1 leads term 5, older than the highest: the term is said, or
	// "(1 claims it)  term 7" reads as 1 claiming term 7 (an audit).
	if v := m.View(); !strings.Contains(v, "leader none (1 in term 5 claims it)  term 7 (highest)") {
		t.Errorf("header with one claimant:\n%s", v)
	}
	st.Nodes[2].Role, st.Nodes[2].State = "leader", cluster.StatePaused
	st.Nodes[1].Role, st.Nodes[1].State = "leader", cluster.StateCrashed // a crashed node claims nothing
	m = newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	// Each one's term is said: "(1 in term 5, 3 claim it)" read well,
	// but "(3, 1 in term 5 claim it)" read as both leading term 5.
	if v := m.View(); !strings.Contains(v, "leader none (1 in term 5, 3 in term 7 claim it)") {
		t.Errorf("header with two claimants, one paused:\n%s", v)
	}
	st.Nodes[0].Term, st.Nodes[2].Term = 7, 5
	m = newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	if v := m.View(); !strings.Contains(v, "leader none (1 in term 7, 3 in term 5 claim it)") {
		t.Errorf("header with two claimants, the second of an older term:\n%s", v)
	}
	if v := newModel(newFakeSource(leaderless()), &fakeExec{}, 120, 40).View(); strings.Contains(v, "claim") {
		t.Errorf("header names a claimant when no node thinks it leads:\n%s", v)
	}
}

// TestHeaderWrapsBySegments: at the minimum width every part of a long
// header is shown whole, moved to another line rather than cut.
func TestHeaderWrapsBySegments(t *testing.T) {
	st := leaderless()
	st.Load, st.Written = 1000, 987654321
	st.PreVote, st.CheckQuorum = true, true
	st.Timing = cluster.Timing{Heartbeat: 1562500 * time.Nanosecond, ElectionMin: 15625 * time.Microsecond, ElectionMax: 31250 * time.Microsecond}
	st.Faults.Groups = [][]uint64{{1, 2}, {3, 4}, {5}}
	st.Faults.Links = []transport.LinkRule{
		{From: 1, To: 2, Rule: transport.Rule{Cut: true}},
		{Rule: transport.Rule{DropPct: 12.5, Delay: 150 * time.Millisecond, Jitter: 50 * time.Millisecond}},
	}
	m := newModel(newFakeSource(st), &fakeExec{}, 80, 100)
	_, h := minSize(t, m)
	m.Update(sizeMsg(80, h))
	v := m.View()
	checkFits(t, "header", v, 80, h)
	for _, want := range []string{"raftplay", "5 nodes", "leader none  term 7 (highest)", "commit 227 (highest)",
		"load 1000/s", "(987654321 acked)", "heartbeat 1.5625ms", "election 15.625ms-31.25ms", "prevote on",
		"checkquorum on", "partition A:1,2 | B:3,4 | C:5", "cut 1->2", "drop 12.5%+delay 150ms±50ms all"} {
		if !strings.Contains(v, want) {
			t.Errorf("header at 80 columns lacks %q:\n%s", want, v)
		}
	}
}

// TestWriteRateSlides: the header's writes/s is the last second's, moved
// at every status: it falls to 0 within a second of the writes stopping
// (it used to show the second before, for up to two).
func TestWriteRateSlides(t *testing.T) {
	var r writeRate
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	written := uint64(0)
	for ms := 0; ms <= 2000; ms += 100 { // 100 writes a second
		r.observe(at(ms), written)
		written += 10
	}
	if got := r.text(false); got != "100" {
		t.Fatalf("steady 100/s: %s", got)
	}
	written -= 10
	r.observe(at(2500), written) // stopped at 2.0s
	if r.perSec >= 100 || r.perSec <= 0 {
		t.Errorf("half a second after the writes stopped: %v/s, want between 0 and 100", r.perSec)
	}
	r.observe(at(3050), written)
	if got := r.text(false); got != "0" {
		t.Errorf("a second after the writes stopped: %s/s, want 0", got)
	}
	r.restart()
	if r.observe(at(3100), 5); r.text(true) != "-" {
		t.Errorf("a replay just after a jump: %s, want -", r.text(true))
	}
}
