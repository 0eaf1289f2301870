package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// A follower whose loop stalls longer than its election timeout (here an
// fsync slowed by a disk delay; on a loaded machine a slow disk does the
// same) finds the leader's heartbeats queued when it comes back. It has
// heard from its leader: the stalled time must not then count toward its
// election timer as if it came after them. It once did (the clock hands
// the core the ticks a stall missed, after the messages), and the follower
// campaigned right after hearing its leader: a leader change with no fault.
func TestStalledFollowerDoesNotCampaign(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Seed: 7})
	waitLeader(t, c)
	// Every node follows the leader first, and only what f does from then
	// on counts below: at the start, on a loaded machine, f (its timer 30
	// ms behind the winner's with this seed) may time out beside it, and
	// that first election is not what this test checks.
	st := waitAllFollow(t, c)
	f := aFollower(st)
	mark := c.Events().Last(1)[0].Seq
	tm := c.Status().Timing
	if err := c.SetDiskDelay(f, 2*tm.ElectionMax); err != nil {
		t.Fatal(err)
	}
	cl := c.NewClient()
	for i := range 3 {
		// Acknowledged by the leader and the other follower; f stalls on
		// its fsync of it, and the next append waits behind that.
		res, err := cl.Put(context.Background(), fmt.Sprint("k", i), []byte("v"))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, c, fmt.Sprintf("follower %d back from its stall with entry %d", f, res.Index), func(s Status) bool {
			n, _ := s.Node(f)
			return n.LastIndex >= res.Index
		})
	}
	if err := c.SetDiskDelay(f, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "convergence", func(s Status) bool { return Converged(s) })
	// The stalled follower itself must not have campaigned. (Another
	// election, on a machine so loaded that the leader's heartbeats came
	// late everywhere, is not what this checks: the suite runs beside
	// others under -race.)
	// Once another node has campaigned, f may time out in an election
	// that failed (a split at term 2, then f at term 3: a CI run under
	// load): only a campaign of f's first counts.
	evs, _, _ := c.Events().Since(mark + 1)
	for _, e := range evs {
		if !strings.Contains(e.Text, "became candidate") && !strings.Contains(e.Text, "became pre-candidate") {
			continue
		}
		if e.Node != f {
			break
		}
		now := c.Status()
		t.Fatalf("leader %d at term %d before the stalls, leader %d at term %d after: the stalled follower %d campaigned first (%s)", st.Leader, st.Term, now.Leader, now.Term, f, e.Text)
	}
}

// A resumed node's first acts come after "N resumed" in the event feed:
// the event is told from inside its loop, before it steps again.
func TestResumedEventComesFirst(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	old := st.Leader
	if err := c.Pause(old); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "a new leader", func(s Status) bool { return s.Leader != 0 && s.Leader != old && s.Term > st.Term })
	if err := c.Resume(old); err != nil {
		t.Fatal(err)
	}
	moved := fmt.Sprintf("%d moved to term", old)
	waitFor(t, c, "the old leader moving to the new term", func(Status) bool {
		evs, _, _ := c.Events().Since(0)
		return slices.ContainsFunc(evs, func(e Event) bool { return strings.HasPrefix(e.Text, moved) })
	})
	evs, _, _ := c.Events().Since(0)
	resumed := slices.IndexFunc(evs, func(e Event) bool { return e.Text == fmt.Sprintf("%d resumed", old) })
	first := slices.IndexFunc(evs[max(resumed, 0):], func(e Event) bool { return e.Node == old && e.Kind != EventResume })
	paused := slices.IndexFunc(evs, func(e Event) bool { return e.Text == fmt.Sprintf("%d paused", old) })
	for i := paused + 1; resumed >= 0 && i < resumed; i++ {
		if evs[i].Node == old {
			t.Fatalf("node %d acted while the feed says it was paused: %q (before %q)", old, evs[i].Text, evs[resumed].Text)
		}
	}
	if resumed < 0 || first < 0 {
		t.Fatalf("no resumed event, or nothing after it: %v", evs)
	}
}

// A node that waits for its disk shows the term and vote it is making
// durable, and its new role: the status was published only after the
// write, and with a slow disk (set disk-delay 3 2s) the card said
// "candidate, term 2" for seconds after the node had become a follower at
// term 3, beside cards naming the term-3 leader.
func TestNodeWaitingForItsDiskShowsTheTermItWrites(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Seed: 7})
	waitLeader(t, c)
	st := waitAllFollow(t, c)
	f := aFollower(st)
	g := 6 - st.Leader - f // the other follower
	// f's next fsync takes a minute: longer than this test waits.
	if err := c.SetDiskDelay(f, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Timeout(g); err != nil {
		t.Fatal(err)
	}
	// f grants g's vote request of term+1, and waits a minute to make
	// that term and vote durable.
	waitFor(t, c, fmt.Sprintf("%d showing term %d and its vote for %d while its disk writes them", f, st.Term+1, g), func(s Status) bool {
		n, _ := s.Node(f)
		return n.Term == st.Term+1 && n.Vote == g && n.Role == "follower"
	})
}

// waitAllFollow waits until every node follows one leader in its term.
func waitAllFollow(t *testing.T, c *Cluster) Status {
	t.Helper()
	return waitFor(t, c, "every node following the leader", func(s Status) bool {
		for _, n := range s.Nodes {
			if s.Leader == 0 || n.Leader != s.Leader || n.Term != s.Term {
				return false
			}
		}
		return true
	})
}
