package tui

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// applyPartition turns a `partition` line into the fault table the cluster
// would publish: the named groups plus the unnamed rest.
func applyPartition(t *testing.T, st cluster.Status, line string) cluster.Status {
	t.Helper()
	words := strings.Fields(line)
	if len(words) < 2 || words[0] != "partition" {
		t.Fatalf("not a partition line: %q", line)
	}
	seen := map[uint64]bool{}
	var groups [][]uint64
	for _, w := range words[1:] {
		var g []uint64
		for _, s := range strings.Split(w, ",") {
			id, err := strconv.ParseUint(s, 10, 64)
			if err != nil || seen[id] {
				t.Fatalf("bad group %q in %q", w, line)
			}
			seen[id] = true
			g = append(g, id)
		}
		groups = append(groups, g)
	}
	if len(seen) != len(st.Nodes) {
		t.Fatalf("%q does not name every node", line)
	}
	if len(groups) == 1 {
		groups = nil
	}
	st.Faults.Groups = groups
	return st
}

func TestGroupKeyCyclesBackToWhole(t *testing.T) {
	st := steady(10)
	want := []string{"partition 1,2,4,5 3", "partition 1,2,3,4,5"}
	for i := range 4 {
		line, _ := nextGroups(st, 3)
		if line != want[i%2] {
			t.Fatalf("press %d: %q, want %q", i+1, line, want[i%2])
		}
		st = applyPartition(t, st, line)
	}
}

func TestGroupKeyBuildsAnyPartition(t *testing.T) {
	// 1,2 | 3,4 | 5 from the whole cluster: move 3 and 4 to group B, then 5
	// past it to a group of its own.
	st := steady(10)
	for _, id := range []uint64{3, 4, 5, 5} {
		line, _ := nextGroups(st, id)
		st = applyPartition(t, st, line)
	}
	want := [][]uint64{{1, 2}, {3, 4}, {5}}
	if !slices.EqualFunc(st.Faults.Groups, want, slices.Equal) {
		t.Fatalf("groups %v, want %v", st.Faults.Groups, want)
	}
	if groupName(st, 4) != "B" || groupName(st, 5) != "C" {
		t.Fatalf("group names %q %q", groupName(st, 4), groupName(st, 5))
	}
}

func TestSpeedKeysKeepTimingValidAtEveryStep(t *testing.T) {
	for _, faster := range []bool{true, false} {
		cur := cluster.WatchTiming
		var sp speedState
		for step := 0; ; step++ {
			by := 1
			if faster {
				by = -1
			}
			_, next, note := sp.step(cur, by)
			if note != "" {
				if step < 3 {
					t.Fatalf("faster=%v: stopped after %d steps at %v", faster, step, cur)
				}
				break
			}
			t1 := cur
			for _, l := range timingLines(cur, next) {
				d := strings.Fields(l)[2]
				if strings.HasPrefix(l, "set heartbeat") {
					t1.Heartbeat, _ = time.ParseDuration(d)
				} else {
					lo, hi, _ := strings.Cut(d, "-")
					t1.ElectionMin, _ = time.ParseDuration(lo)
					t1.ElectionMax, _ = time.ParseDuration(hi)
				}
				if err := t1.Validate(); err != nil {
					t.Fatalf("faster=%v: after %q from %v: %v", faster, l, cur, err)
				}
			}
			if t1 != next {
				t.Fatalf("lines reach %v, want %v", t1, next)
			}
			cur = next
		}
	}
}

func TestLaneCells(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	n := cluster.NodeStatus{State: cluster.StateUp, FirstIndex: 6, SnapshotIndex: 5, LastIndex: 12, Commit: 10,
		LogStart: 6, LogTerms: []uint64{2, 2, 3, 3, 4, 4, 4}}
	var b strings.Builder
	m.laneCells(&b, n, 3, 15)
	if got, want := b.String(), "···22334░░   "; got != want {
		t.Fatalf("cells %q, want %q", got, want)
	}
}
