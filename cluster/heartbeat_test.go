package cluster

import (
	"fmt"
	"testing"
	"time"
)

// A follower's last heartbeat (its card's pulse, /status last_heartbeat) is
// its leader's: the heartbeats of a deposed leader that still thinks it
// leads, which the follower refuses for their lower term, do not count (a
// review saw the pulse beat beside "cut off from leader 1").
func TestRefusedHeartbeatsAreNotTheLeaders(t *testing.T) {
	t.Parallel()
	// Elections slow enough that the follower cut off from its new leader
	// stays its follower while the old leader's heartbeats come in.
	c := startCluster(t, Options{Nodes: 3, Timing: Timing{Heartbeat: 20 * time.Millisecond, ElectionMin: 2 * time.Second, ElectionMax: 3 * time.Second}})
	waitLeader(t, c)
	// Every node holds the leader's first entry, so that either follower
	// can win the next election (one without it lost the vote of the one
	// with it, who then won instead: a CI run).
	st := waitFor(t, c, "every node following the leader with its first entry", func(s Status) bool {
		for _, n := range s.Nodes {
			if s.Leader == 0 || n.Leader != s.Leader || n.Commit < 1 {
				return false
			}
		}
		return true
	})
	old := st.Leader
	var a, b uint64 // a takes over; b hears only the old leader
	for id := uint64(1); id <= 3; id++ {
		if id != old && a == 0 {
			a = id
		} else if id != old {
			b = id
		}
	}
	// The old leader hears nothing, so it never learns of the new term.
	for _, from := range []uint64{a, b} {
		if err := c.Cut(from, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Timeout(a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, fmt.Sprintf("%d leads, %d follows it", a, b), func(s Status) bool {
		na, _ := s.Node(a)
		nb, _ := s.Node(b)
		return na.Role == "leader" && nb.Leader == a && nb.Term == na.Term
	})
	if err := c.Cut(a, b); err != nil { // b hears its leader no more
		t.Fatal(err)
	}
	cut := time.Now()
	recv := func(s Status) uint64 { n, _ := s.Node(b); return n.Links[old].MsgsRecv }
	before := recv(c.Status())
	waitFor(t, c, fmt.Sprintf("%d hearing more of the old leader %d after the cut", b, old), func(s Status) bool { return recv(s) >= before+5 })
	nb, _ := c.FreshStatus().Node(b)
	if nb.Role != "follower" || nb.Leader != a {
		t.Fatalf("%d is a %s with leader %d, not %d's follower: this test checks nothing", b, nb.Role, nb.Leader, a)
	}
	if nb.LastHeartbeat.After(cut.Add(50 * time.Millisecond)) {
		t.Errorf("%d's last heartbeat is %v after its leader was cut off, when %d's refused heartbeats arrived", b, nb.LastHeartbeat.Sub(cut), old)
	}
}
