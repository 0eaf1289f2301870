package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// feedModel returns a model whose feed holds the events add puts in the log.
func feedModel(t *testing.T, w, h int, add func(src *fakeSource)) *Model {
	t.Helper()
	src := newFakeSource(steady(20))
	src.log = cluster.NewEventLog(1000, frozen)
	m := newModel(src, &fakeExec{}, w, h)
	add(src)
	m.Update(eventsCmd(m.ctx, src.log, m.feed.next)())
	return m
}

// TestRepeatedEventsFold: identical consecutive events (apart from their
// time) are one line with a count.
func TestRepeatedEventsFold(t *testing.T) {
	m := feedModel(t, 120, 40, func(src *fakeSource) {
		src.event(0, 3, "raft.role", "3 became leader at term 2")
		for i := range 40 {
			src.event(10+i, 4, "raft.election", "4 started pre-vote at term 2")
		}
		src.event(100, 4, "raft.election", "4 started pre-vote at term 3")
		src.event(101, 4, "raft.election", "4 started pre-vote at term 3")
	})
	v := m.View()
	if n := strings.Count(v, "4 started pre-vote at term 2"); n != 1 {
		t.Fatalf("the repeated event shows %d times:\n%s", n, v)
	}
	for _, want := range []string{"4 started pre-vote at term 2 ×40", "15:04:05.049", "4 started pre-vote at term 3 ×2", "3 became leader at term 2"} {
		if !strings.Contains(v, want) {
			t.Errorf("feed lacks %q:\n%s", want, v)
		}
	}
}

// TestEventsScroll: PgUp focuses the feed and scrolls it back, ↑/↓, home
// and end move it while focused, the title says how to return, and esc
// returns to the newest.
func TestEventsScroll(t *testing.T) {
	m := feedModel(t, 120, 40, func(src *fakeSource) {
		for i := range 200 {
			src.event(i, uint64(1+i%5), "x", fmt.Sprintf("event number %d", i))
		}
	})
	if v := m.View(); !strings.Contains(v, "event number 199") || strings.Contains(v, "event number 150") {
		t.Fatalf("feed does not show the newest:\n%s", v)
	}
	press(m, "pgup")
	v := m.View()
	if strings.Contains(v, "event number 199") || !strings.Contains(v, "esc") || !strings.Contains(v, "scrolled back") {
		t.Fatalf("pgup did not scroll back with a title saying so:\n%s", v)
	}
	press(m, "home")
	if v := m.View(); !strings.Contains(v, "event number 0\n") {
		t.Fatalf("home did not go to the oldest:\n%s", v)
	}
	press(m, "down")
	if v := m.View(); strings.Contains(v, "event number 0\n") || !strings.Contains(v, "event number 1\n") {
		t.Fatalf("down did not scroll by one:\n%s", v)
	}
	if m.Selected() != 1 {
		t.Fatalf("down in the focused feed selected node %d", m.Selected())
	}
	press(m, "end")
	if v := m.View(); !strings.Contains(v, "event number 199") {
		t.Fatalf("end did not return to the newest:\n%s", v)
	}
	press(m, "pgup", "pgup", "esc")
	if v := m.View(); !strings.Contains(v, "event number 199") || strings.Contains(v, "scrolled back") {
		t.Fatalf("esc did not return to the newest:\n%s", v)
	}
	press(m, "down")
	if m.Selected() != 2 {
		t.Fatalf("after esc, down selects node %d, want 2", m.Selected())
	}
	press(m, "e", "up")
	if v := m.View(); strings.Contains(v, "event number 199") {
		t.Fatalf("e then up did not scroll the feed:\n%s", v)
	}
	if m.Selected() != 2 {
		t.Fatalf("up in the focused feed selected node %d", m.Selected())
	}
}

// TestEventKeysInHelp: the feed's keys are declared and shown.
func TestEventKeysInHelp(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 200, 60)
	press(m, "?")
	v := pagerText(m)
	for _, want := range []string{"e events", "pgup", "end"} {
		if !strings.Contains(v, want) {
			t.Errorf("full help lacks %q", want)
		}
	}
}

// TestEventFilterKeepsOtherLinksFaultsOut: with the feed filtered to a
// node, a fault on a link between two other nodes is left out; one on its
// own links, one on every link and a partition stay (a screen-accuracy
// test saw "link 6 -> 7 cut" among node 2's events).
func TestEventFilterKeepsOtherLinksFaultsOut(t *testing.T) {
	m := feedModel(t, 120, 40, func(src *fakeSource) {
		add := func(ms int, nodes []uint64, text string) {
			src.log.Add(cluster.Event{Time: t0.Add(time.Duration(ms) * time.Millisecond), Kind: cluster.EventFault, Nodes: nodes, Text: text})
		}
		add(1, []uint64{3, 4}, "link 3 -> 4 cut")
		add(2, []uint64{2, 4}, "link 2 -> 4 cut")
		add(3, nil, "dropping 5% of messages on * -> *")
		add(4, nil, "partitioned into 1,2 | 3,4,5")
		src.event(5, 3, "raft.role", "3 became leader at term 2")
	})
	m.feed.toggleFilter(2)
	var texts []string
	for _, e := range m.feed.matching(m.feed.filter) {
		texts = append(texts, e.Text)
	}
	want := []string{"link 2 -> 4 cut", "dropping 5% of messages on * -> *", "partitioned into 1,2 | 3,4,5"}
	if !slices.Equal(texts, want) {
		t.Errorf("node 2's events: %q, want %q", texts, want)
	}
}

// At 80x24 with five nodes and the header on two lines (a pause's
// "writes 0/s (272 acked)" wrapped), the feed had one line: its title,
// "events", over nothing, which read as no event at all (a new user's,
// after pausing the leader). With one line the newest event is shown
// instead, cut with "…" when it goes on; with the feed's keys, scrolled
// back or filtered, the title stays, since it says so.
func TestOneLineFeedShowsTheNewestEvent(t *testing.T) {
	m := feedModel(t, 80, 24, func(src *fakeSource) {
		src.event(0, 3, "raft.role", "3 became leader at term 2")
		src.event(10, 4, "raft.role", "4 paused")
	})
	if got := m.viewEvents(80, 1); len(got) != 1 || !strings.Contains(got[0], "4 paused") {
		t.Fatalf("one line of feed: %q", got)
	}
	if got := m.viewEvents(80, 2); len(got) != 2 || !strings.HasPrefix(got[0], "events") || !strings.Contains(got[1], "4 paused") {
		t.Fatalf("two lines of feed: %q", got)
	}
	m = feedModel(t, 80, 24, func(src *fakeSource) {
		src.event(0, 1, "raft.role", "1 removed (entry 7 committed): its process stopped, its files deleted, and its card is greyed for a while before it goes")
	})
	got := m.viewEvents(80, 1)
	if len(got) != 1 || !strings.HasSuffix(got[0], " …") || !strings.Contains(got[0], "1 removed (entry 7 committed)") || len([]rune(got[0])) > 80 {
		t.Fatalf("one line of feed, a long event: %q", got)
	}
	m.feed.toggleFilter(1)
	if got := m.viewEvents(80, 1); len(got) != 1 || !strings.HasPrefix(got[0], "events of node 1") {
		t.Fatalf("one line of a filtered feed: %q", got)
	}
}
