package cluster

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"raftplay/raft"
)

// statusOfCores builds the cluster Status the explanations read from real
// Raft cores, as the nodes' publishing does.
func statusOfCores(cores []*raft.Raft) Status {
	st := Status{}
	for _, c := range cores {
		s := c.Status()
		n := NodeStatus{ID: s.ID, State: StateUp, Role: s.Role.String(), Term: s.Term, Vote: s.Vote, Leader: s.Leader,
			Commit: s.Commit, Applied: s.Applied, FirstIndex: s.FirstIndex, LastIndex: s.LastIndex, LastTerm: s.LastTerm,
			SnapshotIndex: s.SnapshotIndex, SnapshotTerm: s.SnapshotTerm, Progress: s.Progress,
			QuorumIndex: s.QuorumIndex, QuorumTerm: s.QuorumTerm, Tally: s.Tally, LastVote: s.LastVote, LogStart: s.FirstIndex}
		for i := s.FirstIndex; i <= s.LastIndex; i++ {
			t, _ := c.Term(i)
			n.LogTerms = append(n.LogTerms, t)
		}
		st.Nodes = append(st.Nodes, n)
		if n.Role == "leader" && n.Term >= st.Term {
			st.Leader, st.Term = n.ID, n.Term
		}
	}
	return st
}

// explain commit never claims an index is committable when the core would
// not commit it, and never says an index is committed unless the core has
// committed it, nor the other way round: checked over random runs of real
// cores (random ticks, proposals, message loss and reordering) at every
// quiet point, where a core has committed all it could.
func TestExplainCommitAgreesWithTheCore(t *testing.T) {
	seeds := 60 // RAFTPLAY_EXPLAIN_SEEDS=N for more
	if n, err := strconv.Atoi(os.Getenv("RAFTPLAY_EXPLAIN_SEEDS")); err == nil && n > 0 {
		seeds = n
	}
	if testing.Short() {
		seeds = 10
	}
	for seed := 1; seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		size := 3 + 2*rng.IntN(2)
		peers := make([]uint64, size)
		for i := range peers {
			peers[i] = uint64(i + 1)
		}
		cores := make([]*raft.Raft, size)
		for i := range cores {
			c, err := raft.New(raft.Config{ID: uint64(i + 1), Peers: peers, ElectionTickMin: 10, ElectionTickMax: 20, HeartbeatTick: 3, Seed: uint64(seed*10 + i)})
			if err != nil {
				t.Fatal(err)
			}
			cores[i] = c
		}
		var net []raft.Message
		settle := func() {
			for again := true; again; {
				again = false
				for _, c := range cores {
					for c.HasReady() {
						rd := c.Ready()
						net = append(net, rd.Messages...)
						c.Advance(rd)
						again = true
					}
				}
			}
		}
		for step := 0; step < 400; step++ {
			switch a := rng.IntN(10); {
			case a < 4:
				cores[rng.IntN(size)].Tick()
			case a < 8 && len(net) > 0:
				k := rng.IntN(len(net))
				m := net[k]
				net = append(net[:k], net[k+1:]...)
				if rng.IntN(10) > 0 { // 1 in 10 lost
					_ = cores[m.To-1].Step(m)
				}
			default:
				for _, c := range cores {
					if c.Status().Role == raft.RoleLeader {
						_, _, _ = c.Propose([]byte(fmt.Sprint(step)))
					}
				}
			}
			settle()
			st := statusOfCores(cores)
			l, ok := explainLeader(st)
			if !ok {
				continue
			}
			for i := uint64(1); i <= l.LastIndex; i++ {
				text := ExplainCommit(st, i)
				committed := strings.Contains(text, ": committed")
				claims := strings.Contains(text, "commits at the leader's next step")
				if committed != (i <= l.Commit) || claims {
					t.Fatalf("seed %d step %d: leader %d commit %d quorum %d@%d: index %d: %q",
						seed, step, l.ID, l.Commit, l.QuorumIndex, l.QuorumTerm, i, text)
				}
			}
		}
	}
}
