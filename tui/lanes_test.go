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

// TestLaneCellsOutsideTheWindow: entries a node's status does not describe
// (older than its window, not compacted) are drawn as not known here, and
// the title says what that glyph means; the lanes scroll back as far as
// some node knows anything, and no further.
func TestLaneCellsOutsideTheWindow(t *testing.T) {
	st := steady(1000)
	for i := range st.Nodes {
		n := &st.Nodes[i]
		if n.ID >= 4 { // behind: a window that starts earlier
			n.LastIndex, n.Commit, n.Applied = 600, 600, 600
		}
		n.LogStart = n.LastIndex - cluster.LogWindow + 1
		n.LogTerms = n.LogTerms[n.LogStart-1 : n.LastIndex]
	}
	m := newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	for range 100 {
		press(m, "[")
	}
	lo, _ := m.laneWindow()
	if want := st.Nodes[4].LogStart; lo != want {
		t.Fatalf("after many [ the lanes start at %d, want %d (where something is known)", lo, want)
	}
	v := m.View()
	lane := laneOf(t, v, 1)
	if !strings.ContainsRune(lane, cellNotHere) || strings.Contains(strings.TrimSpace(lane[3:strings.Index(lane, " c=")]), " ") {
		t.Errorf("node 1's lane does not show its old entries as not known here: %q", lane)
	}
	if lane := laneOf(t, v, 5); strings.ContainsRune(lane, cellNotHere) {
		t.Errorf("node 5's lane shows entries it describes as not known: %q", lane)
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
