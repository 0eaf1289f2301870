package tui

import (
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// A crash asked for by c or P and not yet answered shows the node as a
// crashed one is shown, with what it had (as of now), not as one of which
// nothing is known ("no status yet", its lane's numbers gone); and a
// restart asked for by r shows a follower, not the leader it was before its
// crash, with a leader's progress it no longer has.
func TestCrashAndRestartAskedForShowWhatIsKnown(t *testing.T) {
	for _, k := range []string{"c", "P"} {
		m := newModel(newFakeSource(steady(40)), &fakeExec{}, 120, 40)
		m.Update(keyMsg("2"))
		m.Update(keyMsg(k)) // its command not yet answered
		m.Update(frameMsg(m.o.Source.Status()))
		n, _ := m.status.Node(2)
		if n.State != cluster.StateCrashed || n.AsOf.IsZero() || n.WasRole != "follower" {
			t.Errorf("2 %s: node 2 shown %s, as of %v, was %q", k, n.State, n.AsOf, n.WasRole)
		}
		if v := m.View(); strings.Contains(v, "no status yet") {
			t.Errorf("2 %s: a card says no status yet:\n%s", k, v)
		}
	}
	st := steady(40)
	l := &st.Nodes[0] // the leader, crashed: as a status of a crashed node has it
	l.Role, l.State, l.AsOf, l.WasRole = "leader", cluster.StateCrashed, t0.Add(-time.Second), "leader"
	l.ElectionTimeout, l.ElectionElapsed = 0, 0
	m := newModel(newFakeSource(st), &fakeExec{}, 120, 40)
	m.Update(keyMsg("1"))
	m.Update(keyMsg("r"))
	m.Update(frameMsg(m.o.Source.Status()))
	if n, _ := m.status.Node(1); n.State != cluster.StateUp || n.Role == "leader" || !n.AsOf.IsZero() {
		t.Errorf("1 r: node 1 shown %s, %s, as of %v; want up, a follower, now", n.State, n.Role, n.AsOf)
	}
}
