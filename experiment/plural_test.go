package experiment

import (
	"context"
	"strings"
	"testing"

	"raftplay/cluster"
)

// TestReportsPluralize: counts of one read as English in both reports.
func TestReportsPluralize(t *testing.T) {
	var b strings.Builder
	r := &ChaosReport{Seed: 1, Nodes: 3, Ops: OpCounts{Puts: 1, Unknown: 1}, FinalKeys: 1, Converged: true,
		Linearizable: VerdictOk, Violations: []cluster.Violation{{Rule: "election safety", Text: "x"}}}
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 nodes", "1 write of unknown outcome", "1 SAFETY VIOLATION\n", "final values of 1 key checked"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("chaos report lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	e := &ElectionReport{Nodes: 3, Trials: 1}
	if err := e.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "leader election: 3 nodes, 1 trial per range") {
		t.Errorf("election report: %s", b.String())
	}
}

// TestChaosOptionsExplainNodes: the library's own check says why chaos
// needs 3 nodes.
func TestChaosOptionsExplainNodes(t *testing.T) {
	_, err := RunChaos(context.Background(), ChaosOptions{Cluster: cluster.Options{Nodes: 2}})
	if err == nil || !strings.Contains(err.Error(), "chaos needs at least 3 nodes (it crashes and partitions a minority while a majority keeps working), got 2") {
		t.Fatalf("RunChaos with 2 nodes: %v", err)
	}
}

// With no final read, the lost-write check did not run: the report says
// so instead of a reassuring 0.
func TestReportSaysLostWritesUnchecked(t *testing.T) {
	r := &ChaosReport{Seed: 1, Nodes: 5, FinalKeys: 0, Converged: false}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "acked writes lost: not checked") || strings.Contains(b.String(), "acked writes lost: 0") {
		t.Fatalf("report:\n%s", b.String())
	}
}
