package tui

import (
	"strconv"
	"strings"
	"testing"

	"raftplay/cluster"
)

// TestLaneScrollIsClamped: `[` stops at index 1, `]` at the newest entry,
// a short log does not scroll, and `end` follows the newest in one press.
func TestLaneScrollIsClamped(t *testing.T) {
	m := newModel(newFakeSource(steady(500)), &fakeExec{}, 120, 40)
	for range 100 {
		press(m, "[")
	}
	lo, hi := m.laneWindow()
	if lo != 1 || hi != uint64(m.laneWidth()) {
		t.Fatalf("after many [ the lanes show %d..%d, want 1..%d", lo, hi, m.laneWidth())
	}
	press(m, "]", "]")
	if lo2, _ := m.laneWindow(); lo2 <= lo {
		t.Fatalf("] did not move forward: %d", lo2)
	}
	press(m, "end")
	if _, hi := m.laneWindow(); hi != 500 {
		t.Fatalf("end: lanes end at %d, want 500", hi)
	}
	if v := m.View(); strings.Contains(v, "scrolled") {
		t.Fatalf("title still says scrolled after end:\n%s", v)
	}
	for range 30 {
		press(m, "]")
	}
	if _, hi := m.laneWindow(); hi != 500 {
		t.Fatalf("] past the newest: lanes end at %d", hi)
	}

	short := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	press(short, "[", "[")
	if lo, _ := short.laneWindow(); lo != 1 {
		t.Fatalf("a 10-entry log scrolled to %d", lo)
	}
	if v := short.View(); strings.Contains(v, "scrolled") {
		t.Fatalf("a log that fits claims to be scrolled:\n%s", v)
	}
}

// TestLaneCellsOutsideTheWindow: entries a status does not describe (older
// than its window, not compacted) are drawn as not known here, and the
// title says what that glyph means.
func TestLaneCellsOutsideTheWindow(t *testing.T) {
	st := steady(1000)
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.LogStart = 1000 - cluster.LogWindow + 1
		n.LogTerms = n.LogTerms[n.LogStart-1:]
	}
	m := newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	for range 10 {
		press(m, "[")
	}
	lo, hi := m.laneWindow()
	if lo >= st.Nodes[0].LogStart || hi < st.Nodes[0].LogStart {
		t.Fatalf("window %d..%d does not straddle the status window start %d", lo, hi, st.Nodes[0].LogStart)
	}
	v := m.View()
	lane := laneOf(t, v, 1)
	if !strings.ContainsRune(lane, cellNotHere) {
		t.Errorf("lane has no not-known cells: %q", lane)
	}
	if strings.Contains(strings.TrimSpace(lane[3:strings.Index(lane, " c=")]), "  ") {
		t.Errorf("lane has blanks inside the log: %q", lane)
	}
	if !strings.Contains(v, string(cellNotHere)+" not known here") {
		t.Errorf("lane title does not explain %c:\n%s", cellNotHere, v)
	}
	press(m, "end")
	if v := m.View(); strings.Contains(v, "not known here") {
		t.Errorf("title explains %c when none is shown:\n%s", cellNotHere, v)
	}
}

// TestLaneSuffixShowsWholeNumbers: c=… l=… after each lane is as wide as
// its numbers.
func TestLaneSuffixShowsWholeNumbers(t *testing.T) {
	st := widestStatus(9)
	for _, w := range testWidths {
		m := newModel(newFakeSource(st), &fakeExec{}, w, 100)
		v := m.View()
		for _, n := range st.Nodes {
			lane := laneOf(t, v, n.ID)
			want := " c=" + itoa(n.Commit) + " l=" + itoa(n.LastIndex)
			if !strings.Contains(lane, want) {
				t.Errorf("at %d columns node %d's lane %q lacks %q", w, n.ID, lane, want)
			}
		}
		checkFits(t, "lanes", v, w, 100)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
