package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Range
	}{
		{"150-155ms", Range{150 * time.Millisecond, 155 * time.Millisecond}},
		{"150ms-300ms", Range{150 * time.Millisecond, 300 * time.Millisecond}},
		{" 12-24ms", Range{12 * time.Millisecond, 24 * time.Millisecond}},
		{"1-2s", Range{time.Second, 2 * time.Second}},
	} {
		got, err := ParseRange(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "150", "150-", "-150ms", "300-150ms", "0-0ms", "a-bms", "150-15x"} {
		if _, err := ParseRange(bad); err == nil || !strings.HasPrefix(err.Error(), "experiment: ") {
			t.Errorf("ParseRange(%q): err %v, want an experiment: error", bad, err)
		}
	}
	rs, err := ParseRanges("150-150ms,12-24ms")
	if err != nil || len(rs) != 2 || rs[0].String() != "150-150ms" || rs[1].String() != "12-24ms" {
		t.Fatalf("ParseRanges: %v %v", rs, err)
	}
	if PaperFigure(rs[0]) == "" || PaperFigure(rs[1]) != "mean 35ms, max 152ms" {
		t.Fatalf("paper figures: %q %q", PaperFigure(rs[0]), PaperFigure(rs[1]))
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	if percentile(d, 50) != 50 || percentile(d, 90) != 90 || percentile(d, 99) != 99 || percentile(d[:1], 99) != 1 || percentile(nil, 50) != 0 {
		t.Fatal("percentile")
	}
}

// TestElectionQuick runs the experiment for real in its quick form and
// checks every output: the table, the plot, the CSV and the JSON lines.
func TestElectionQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster: not in -short")
	}
	ranges, _ := ParseRanges("25-50ms,50-100ms")
	rep, err := RunElection(context.Background(), ElectionOptions{Trials: 5, Ranges: ranges, DataDir: t.TempDir(), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Nodes != 5 || rep.Seed != 7 || len(rep.Ranges) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, rr := range rep.Ranges {
		if len(rr.Trials) != 5 {
			t.Fatalf("%s: %d trials", rr.Name, len(rr.Trials))
		}
		for _, tr := range rr.Trials {
			if tr.TimedOut || tr.NewTerm <= tr.OldTerm || tr.Election <= 0 || tr.Write < tr.Election {
				t.Errorf("%s: implausible trial %+v", rr.Name, tr)
			}
			// A new leader cannot win before a follower's timer runs out:
			// at least the minimum timeout minus one heartbeat interval.
			if tr.Election < rr.Range.Min-rr.Heartbeat {
				t.Errorf("%s: election in %v, faster than the timeout allows", rr.Name, tr.Election)
			}
		}
		if !(rr.Median <= rr.P90 && rr.P90 <= rr.P99 && rr.P99 <= rr.Max && rr.Median > 0) {
			t.Errorf("%s: percentiles out of order: %+v", rr.Name, rr)
		}
	}
	var table, plot, csvb, jsonl bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"5 nodes, 5 trials per range", "median", "p99", "split", "25-50ms", "50-100ms", "paper"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if err := rep.WritePlot(&plot, 60, 12); err != nil {
		t.Fatal(err)
	}
	p := plot.String()
	if !strings.Contains(p, "100% |") || !strings.Contains(p, "1 25-50ms") || !strings.Contains(p, "2 50-100ms") || strings.Count(p, "\n") != 12+4 {
		t.Errorf("plot:\n%s", p)
	}
	if err := rep.WriteCSV(&csvb); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&csvb).ReadAll()
	if err != nil || len(rows) != 1+10 || rows[0][2] != "election_ms" {
		t.Fatalf("csv: %v %v", rows, err)
	}
	if err := rep.WriteJSONL(&jsonl); err != nil {
		t.Fatal(err)
	}
	back, err := ReadElectionJSONL(bytes.NewReader(jsonl.Bytes()))
	if err != nil || back.Nodes != 5 || back.Seed != 7 || len(back.Ranges) != 2 {
		t.Fatalf("read back: %+v %v", back, err)
	}
	for i, rr := range back.Ranges {
		orig := rep.Ranges[i]
		if rr.Name != orig.Name || rr.Median != orig.Median || rr.Max != orig.Max || rr.SplitVotes != orig.SplitVotes || rr.Heartbeat != orig.Heartbeat || len(rr.Trials) != 5 {
			t.Errorf("read back %s: %+v, want %+v", rr.Name, rr, orig)
		}
	}
	lines := strings.Split(strings.TrimSpace(jsonl.String()), "\n")
	if len(lines) != 13 {
		t.Fatalf("%d JSON lines", len(lines))
	}
	var last struct {
		Type  string
		Range string
		P99   int64 `json:"p99_ns"`
	}
	if err := json.Unmarshal([]byte(lines[12]), &last); err != nil || last.Type != "range" || last.Range != "50-100ms" || last.P99 <= 0 {
		t.Fatalf("last line %q: %+v %v", lines[12], last, err)
	}
	t.Logf("\n%s\n%s", table.String(), p)
}
