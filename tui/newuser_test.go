package tui

import (
	"strings"
	"testing"

	"raftplay/cluster"
)

// Tests of what a new user reported: each names what was wrong.

// T on a paused node said "2 is not running": it is running, paused, and
// p resumes it; the note says so, as c, t and b on a paused node do.
func TestTransferToAPausedNodeSaysItIsPaused(t *testing.T) {
	st := withConfig(steady(10), []uint64{1, 2, 3, 4, 5}, nil)
	paused2 := withNode(st, 2, func(n *cluster.NodeStatus) { n.State = cluster.StatePaused })
	ex := &fakeExec{}
	m := newModel(newFakeSource(paused2), ex, 120, 40)
	m.Update(frameMsg(paused2))
	press(m, "2", "T")
	if got := ex.got(); len(got) != 0 {
		t.Fatalf("T on a paused node ran %q", got)
	}
	v := strings.Join(strings.Fields(m.View()), " ")
	if want := "T transfer 2: 2 is paused (p resumes it)"; !strings.Contains(v, want) {
		t.Errorf("no note %q:\n%s", want, v)
	}
}
