package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// The scroll keys move a window of msgRows rows: as many as the view
// draws. In a region of three lines (no room for the columns' header) it
// drew one row more than msgRows said, and the first down after home
// moved nothing (found by a review).
func TestMsgRowsMatchTheView(t *testing.T) {
	tr := appTrace(20)
	found := false
	for h := 8; h <= 40 && !found; h++ {
		m := newTraceModel(newFakeSource(steady(10)), tr, &fakeExec{}, 80, 24)
		press(m, "m")
		m.Update(tea.WindowSizeMsg{Width: 80, Height: h})
		if !strings.Contains(strings.Join(m.viewMessages(80, 5), "\n"), "i21") {
			t.Fatalf("no messages drawn")
		}
		region := m.layout().region
		if region != 3 || m.heldLines(region) != 0 {
			continue
		}
		found = true
		drawn := len(m.viewMessages(80, region)) - 1 // the title
		if got := m.msgRows(); got != drawn {
			t.Errorf("80x%d, a region of %d lines: the view draws %d message rows, msgRows (the scroll keys) says %d", h, region, drawn, got)
		}
	}
	if !found {
		t.Fatal("no height gives a messages region of 3 lines: the test checks nothing")
	}
}
