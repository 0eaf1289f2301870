package cluster

import (
	"testing"
	"time"

	"raftplay/raft"
)

func TestFollowersAreMajority(t *testing.T) {
	voters := func(ids ...uint64) raft.Membership { return raft.Membership{Voters: ids} }
	heard := func(ago ...int) map[uint64]raft.Progress {
		m := map[uint64]raft.Progress{}
		for i, a := range ago {
			m[uint64(i+2)] = raft.Progress{HeardAgo: a}
		}
		return m
	}
	for _, c := range []struct {
		name string
		st   raft.Status
		want bool
	}{
		{"3 nodes, both followers fresh", raft.Status{Role: raft.RoleLeader, Membership: voters(1, 2, 3), Progress: heard(0, 3)}, true},
		{"3 nodes, one follower silent", raft.Status{Role: raft.RoleLeader, Membership: voters(1, 2, 3), Progress: heard(0, 50)}, false},
		{"2 nodes: the leader's copy is always needed", raft.Status{Role: raft.RoleLeader, Membership: voters(1, 2), Progress: heard(0)}, false},
		{"1 node", raft.Status{Role: raft.RoleLeader, Membership: voters(1)}, false},
		{"5 nodes, 3 fresh", raft.Status{Role: raft.RoleLeader, Membership: voters(1, 2, 3, 4, 5), Progress: heard(0, 1, 2, 99)}, true},
		{"5 nodes, 2 fresh", raft.Status{Role: raft.RoleLeader, Membership: voters(1, 2, 3, 4, 5), Progress: heard(0, 1, 99, 99)}, false},
		{"a learner does not count", raft.Status{Role: raft.RoleLeader, Membership: raft.Membership{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}, Progress: heard(0, 99, 0)}, false},
		{"a follower", raft.Status{Role: raft.RoleFollower, Membership: voters(1, 2, 3), Progress: heard(0, 0)}, false},
	} {
		if got := followersAreMajority(c.st, 1, 4); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// A leader paces its fsyncs only while its followers alone are a majority:
// with one of two followers down, its own copy commits writes, and it
// fsyncs at once again.
func TestLeaderPacesOnlyWhenItsCopyIsNotNeeded(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	// The leader of the moment: under load an election may move it (the
	// leader of the start then never paced again, and the test failed).
	pace := func(s Status) bool {
		n := c.node(s.Leader)
		return s.Leader != 0 && n != nil && n.wb.pace.Load()
	}
	st = waitFor(t, c, "the leader pacing with both followers answering", pace)
	f := aFollower(st)
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	// Every node up is then needed for a commit: none paces.
	waitFor(t, c, "no node pacing", func(s Status) bool {
		for _, n := range s.Nodes {
			if nd := c.node(n.ID); n.Live() && nd != nil && nd.wb.pace.Load() {
				return false
			}
		}
		return true
	})
	if err := c.Restart(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the leader pacing again", pace)
}

// The syncer paces only concurrent writes: an fsync that covered one entry
// with nothing requested meanwhile (one client) is followed at once by the
// next.
func TestPaceAfterOnlyConcurrentWrites(t *testing.T) {
	const took = 300 * time.Microsecond
	sp := func(seq, index uint64) syncPoint { return syncPoint{seq: seq, index: index, term: 1} }
	for _, c := range []struct {
		name          string
		pace          bool
		done, p, want syncPoint
		wait          time.Duration
	}{
		{"one entry, nothing more requested", true, sp(9, 40), sp(10, 41), sp(10, 41), 0},
		{"one entry, more requested meanwhile", true, sp(9, 40), sp(10, 41), sp(11, 42), took},
		{"a batch of entries", true, sp(9, 40), sp(10, 57), sp(10, 57), took},
		{"a write with no entries (hard state only)", true, sp(9, 40), sp(10, 40), sp(10, 40), 0},
		{"a batch, pacing off", false, sp(9, 40), sp(10, 57), sp(12, 70), 0},
		{"a slow disk: at most maxPace", true, sp(9, 40), sp(10, 57), sp(10, 57), maxPace},
	} {
		d := took
		if c.wait == maxPace {
			d = 5 * time.Millisecond
		}
		if got := paceAfter(c.pace, c.done, c.p, c.want, d); got != c.wait {
			t.Errorf("%s: waits %v, want %v", c.name, got, c.wait)
		}
	}
}
