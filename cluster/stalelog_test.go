package cluster

import (
	"strings"
	"testing"
)

// explain log with no leader takes the node that believes it leads in the
// highest term; when a majority has moved past it, what a follower holds
// beyond it was not "never committed", and that leader cannot overwrite
// it (a Raft teacher: 3's committed 21..23 read as "never committed, and
// the leader will overwrite them").
func TestExplainLogOfAStaleLeadersFollower(t *testing.T) {
	st := cardStatus(5)
	st.Leader, st.Term = 0, 6
	for i := 1; i < 5; i++ {
		n := &st.Nodes[i]
		n.Term, n.Leader, n.Vote = 6, 2, 2
		n.LastIndex, n.LastTerm, n.Commit, n.Applied = 23, 6, 23, 23
		n.LogStart, n.LogTerms = 1, make([]uint64, 23) // LogTerms[j]: index j+1
		for j := range n.LogTerms {
			n.LogTerms[j] = 5
			if j >= 20 {
				n.LogTerms[j] = 6
			}
		}
	}
	st.Nodes[0].LogStart, st.Nodes[0].LogTerms = 1, make([]uint64, 20)
	for j := range st.Nodes[0].LogTerms {
		st.Nodes[0].LogTerms[j] = 5
	}
	st.Nodes[1].State = StateCrashed // their leader, 2
	got := ExplainLog(st, 3)
	if strings.Contains(got, "never committed") || strings.Contains(got, "will overwrite") ||
		!strings.Contains(got, "committed up to 23 (its commit index)") || !strings.Contains(got, "1 is a stale leader") {
		t.Errorf("ExplainLog(3) = %q", got)
	}
	if got := ExplainCommit(st, 23); !strings.Contains(got, "beyond leader 1's log") || !strings.Contains(got, "1 is a stale leader") {
		t.Errorf("ExplainCommit(23) = %q", got)
	}
}
