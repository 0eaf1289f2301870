package experiment

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// TestHugeTimesNeitherOverflowNorHang: an edited --jsonl file's election_ns
// of 9223372036854775807 is refused naming its line; and a report holding
// such times anyway (built by hand) has a positive mean and a plot that
// ends (the mean overflowed to a negative number, and niceCeil looped for
// good once its steps wrapped around).
func TestHugeTimesNeitherOverflowNorHang(t *testing.T) {
	huge := time.Duration(math.MaxInt64)
	in := `{"type":"trial","range":"25-50ms","trial":1,"old_term":1,"new_term":2,"election_ns":30000000}` + "\n" +
		`{"type":"trial","range":"25-50ms","trial":2,"old_term":2,"new_term":3,"election_ns":9223372036854775807}` + "\n"
	if _, err := ReadElectionJSONL(strings.NewReader(in)); err == nil || err.Error() != "experiment: line 2: election_ns 9223372036854775807 is more than 24h0m0s: no trial runs that long" {
		t.Errorf("ReadElectionJSONL: %v", err)
	}
	in = strings.Replace(in, `"election_ns":9223372036854775807`, `"election_ns":5,"write_ns":86400000000001`, 1)
	if _, err := ReadElectionJSONL(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "line 2: write_ns 86400000000001 is more than 24h0m0s") {
		t.Errorf("ReadElectionJSONL: %v", err)
	}

	for _, d := range []time.Duration{huge, huge - 1, 9e18, 8e18 + 1, MaxTrialTime} {
		if got := niceCeil(d); got < d {
			t.Errorf("niceCeil(%d) = %d, below it", d, got)
		}
	}
	r, _ := ParseRange("25-50ms")
	rr := RangeResult{Range: r, Name: r.String(), Heartbeat: r.Min / 2, Trials: []Trial{
		{Election: huge}, {Election: huge}, {Election: 30 * time.Millisecond},
	}}
	rr.summarize()
	if rr.Mean <= 0 || rr.Max != huge {
		t.Errorf("mean %d, max %d: want positive, and the largest", rr.Mean, rr.Max)
	}
	rep := &ElectionReport{Nodes: 5, Trials: 3, Ranges: []RangeResult{rr}}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Errorf("table: %v\n%s", err, b.String())
	}
	b.Reset()
	if err := rep.WritePlot(&b, 64, 16); err != nil || !strings.Contains(b.String(), "1 25-50ms") {
		t.Errorf("plot: %v\n%s", err, b.String())
	}
}

// TestWriteMedianWithoutWrites: a range in which no trial committed a
// write shows "-" for its write p50, not 0.0, which reads as instant.
func TestWriteMedianWithoutWrites(t *testing.T) {
	r, _ := ParseRange("150-151ms")
	rr := RangeResult{Range: r, Name: r.String(), Heartbeat: r.Min / 2, Trials: []Trial{
		{Election: 15 * time.Second, TimedOut: true}, {Election: 550 * time.Millisecond, OldTerm: 1, NewTerm: 3},
	}}
	rr.summarize()
	rep := &ElectionReport{Nodes: 5, Trials: 2, Ranges: []RangeResult{rr}}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	row := strings.Split(b.String(), "\n")[2]
	if f := strings.Fields(row); len(f) < 12 || f[10] != "-" {
		t.Errorf("write p50 of a range with no write: want -, row %q", row)
	}
}

// The table of a run cut short (--from of its --jsonl) says how many
// trials each range has, not only how many were asked for (it said "50
// trials per range" of 18: a CI user's report).
func TestTableOfARunCutShort(t *testing.T) {
	in := `{"type":"run","nodes":5,"trials":50,"seed":7}` + "\n"
	for i := 1; i <= 3; i++ {
		in += `{"type":"trial","range":"25-50ms","old_term":1,"new_term":2,"election_ns":30000000,"trial":` + string(rune('0'+i)) + "}\n"
	}
	rep, err := ReadElectionJSONL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rep.WriteTable(&b)
	if want := "leader election: 5 nodes, 50 trials per range asked, 3 run (cut short), one-way delay 0s, seed 7\n"; !strings.HasPrefix(b.String(), want) {
		t.Errorf("got %q, want %q", strings.SplitN(b.String(), "\n", 2)[0], want)
	}
	rep.Trials = 3 // a whole run
	b.Reset()
	rep.WriteTable(&b)
	if !strings.HasPrefix(b.String(), "leader election: 5 nodes, 3 trials per range, one-way") {
		t.Errorf("a whole run: %q", strings.SplitN(b.String(), "\n", 2)[0])
	}
}
