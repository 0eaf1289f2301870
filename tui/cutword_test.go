package tui

import (
	"strings"
	"testing"

	"raftplay/cluster"
)

// The commit explanation cut to fit under the lanes ends at a word, at any
// width: cut inside one, "1 has up to 1 …" of 160 read as a number (a new
// user's report at 80x24).
func TestCommitExplanationCutsAtAWord(t *testing.T) {
	for name, st := range map[string]cluster.Status{"why": whyStatus(), "widest": widestStatus(9), "election": electionScenario().st} {
		want := cluster.ExplainCommit(st, 0)
		for w := 80; w <= 200; w++ {
			m := newModel(newFakeSource(st), &fakeExec{}, w, 80)
			got := explanationOf(t, m.View())
			head, ok := strings.CutSuffix(got, " … (E: all of it)")
			if !ok {
				continue
			}
			head = strings.TrimPrefix(head, "commit: ")
			if !strings.HasPrefix(want, head) {
				t.Fatalf("%s at %d: %q is not the start of %q", name, w, head, want)
			}
			if next := want[len(head)]; next >= '0' && next <= '9' || next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' {
				t.Errorf("%s at %d columns: cut inside a word: %q", name, w, got)
			}
		}
	}
}
