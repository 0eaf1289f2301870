package experiment

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// ms formats d in milliseconds with one decimal, e.g. "287.4".
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

// WriteTable writes one row per range: the election time's median, p90,
// p99, max and mean in milliseconds, the split votes, the timeouts, the
// median time to the first committed write, and the paper's figure.
func (r *ElectionReport) WriteTable(w io.Writer) error {
	trials := plural(r.Trials, "trial") + " per range"
	var run []string // the trials each range has, when fewer than asked
	short := false
	for _, rr := range r.Ranges {
		run = append(run, strconv.Itoa(len(rr.Trials)))
		short = short || len(rr.Trials) < r.Trials
	}
	if short {
		// A run cut short (--from of its --jsonl): the table is of the
		// trials it has, not of those asked for (a CI user's report).
		trials = fmt.Sprintf("%s per range asked, %s run (cut short)", plural(r.Trials, "trial"), strings.Join(run, ", "))
	}
	fmt.Fprintf(w, "leader election: %s, %s, one-way delay %v, seed %d\n",
		plural(r.Nodes, "node"), trials, r.Delay, r.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "range\theartbeat\tmedian\texpected\tp90\tp99\tmax\tmean\tsplit\ttimeout\twrite p50\t  paper\t")
	for _, rr := range r.Ranges {
		expected := rr.Expected
		if expected == 0 { // a --jsonl file from before the column existed
			tick := rr.Tick
			if tick == 0 {
				tick = min(time.Millisecond, rr.Heartbeat) // the experiment's default
			}
			expected = ExpectedMedian(r.Nodes, rr.Range, rr.Heartbeat, tick)
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t  %s\t\n", rr.Name, rr.Heartbeat,
			ms(rr.Median), ms(expected), ms(rr.P90), ms(rr.P99), ms(rr.Max), ms(rr.Mean),
			rr.SplitVotes, rr.TimedOut, writeMs(rr.WriteMedian), orDash(rr.Paper))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "times in ms from the crash to the first \"became leader\" in a higher term; expected = the median the timing alone predicts\n"+
		"(the first of the followers' uniform timeouts, less a uniform phase of the heartbeat: see `go doc raftplay/experiment ExpectedMedian`);\n"+
		"split = elections that took more than one term; write p50 = crash to first committed write (-: no trial committed one)")
	return err
}

// writeMs is ms of the median write, or "-" when no trial committed one
// (its median is then 0, which would read as instant).
func writeMs(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return ms(d)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// plotMarks are the curve symbols, one per range, in order.
const plotMarks = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// WritePlot draws the cumulative distribution of election times as text,
// width by height cells, one curve per range marked by a digit or letter.
// As in the paper, ranges that share their minimum with others (150-151ms,
// 150-155ms, ...) get a panel of their own and the rest another, each with
// a linear x axis from 0 to its slowest trial.
func (r *ElectionReport) WritePlot(w io.Writer, width, height int) error {
	width, height = max(width, 20), max(height, 5)
	mins := map[time.Duration]int{}
	for _, rr := range r.Ranges {
		mins[rr.Range.Min]++
	}
	var shared, rest []int
	for i, rr := range r.Ranges {
		if mins[rr.Range.Min] > 1 {
			shared = append(shared, i)
		} else {
			rest = append(rest, i)
		}
	}
	for k, panel := range [][]int{shared, rest} {
		if len(panel) == 0 {
			continue
		}
		if k == 1 && len(shared) > 0 {
			fmt.Fprintln(w)
		}
		if err := r.writePanel(w, panel, width, height); err != nil {
			return err
		}
	}
	return nil
}

// writePanel draws the curves of the ranges at indexes idx.
func (r *ElectionReport) writePanel(w io.Writer, idx []int, width, height int) error {
	var xmax time.Duration
	sorted := make([][]time.Duration, len(idx))
	for i, ri := range idx {
		for _, t := range r.Ranges[ri].Trials {
			sorted[i] = append(sorted[i], t.Election)
		}
		slices.Sort(sorted[i])
		if n := len(sorted[i]); n > 0 {
			xmax = max(xmax, sorted[i][n-1])
		}
	}
	if xmax <= 0 {
		_, err := fmt.Fprintln(w, "(no trials to plot)")
		return err
	}
	// The axis ends at the largest 99th percentile, so that one long tail
	// does not squeeze every other curve against the left edge.
	var p99 time.Duration
	for _, d := range sorted {
		p99 = max(p99, percentile(d, 99))
	}
	xmax = niceCeil(min(xmax, p99))
	grid := make([][]byte, height)
	for y := range grid {
		grid[y] = []byte(strings.Repeat(" ", width))
	}
	for i, d := range sorted {
		if len(d) == 0 {
			continue
		}
		mark := plotMarks[idx[i]%len(plotMarks)]
		prev := height - 1
		for x := range width {
			at := xmax // (the float product rounds up past the largest duration)
			if x+1 < width {
				at = time.Duration(float64(xmax) * float64(x+1) / float64(width))
			}
			n := len(d)
			if at < math.MaxInt64 {
				n, _ = slices.BinarySearch(d, at+1) // trials <= at
			}
			frac := float64(n) / float64(len(d))
			if frac == 0 {
				continue
			}
			y := height - 1 - int(math.Round(frac*float64(height-1)))
			for yy := y; yy <= prev && yy < height-1; yy++ {
				grid[yy][x] = mark // a rise within one column draws as a step
			}
			prev = y
		}
	}
	fmt.Fprintln(w, "cumulative fraction of elections by time since the crash (axis cut at the largest p99)")
	for y, row := range grid {
		label := "     "
		switch y {
		case 0:
			label = "100% "
		case (height - 1) / 2:
			label = " 50% "
		case height - 1:
			label = "  0% "
		}
		fmt.Fprintf(w, "%s|%s\n", label, strings.TrimRight(string(row), " "))
	}
	fmt.Fprintf(w, "     +%s\n", strings.Repeat("-", width))
	axis := []byte(strings.Repeat(" ", width+12))
	for k := 0; k <= 4; k++ {
		at := xmax / 4 * time.Duration(k)
		lbl := strconv.FormatFloat(float64(at)/float64(time.Millisecond), 'f', -1, 64) + "ms"
		pos := 6 + width*k/4 - len(lbl)/2
		pos = min(max(pos, 0), len(axis)-len(lbl))
		copy(axis[pos:], lbl)
	}
	fmt.Fprintln(w, strings.TrimRight(string(axis), " "))
	var legend []string
	for _, ri := range idx {
		legend = append(legend, fmt.Sprintf("%c %s", plotMarks[ri%len(plotMarks)], r.Ranges[ri].Name))
	}
	_, err := fmt.Fprintln(w, "     "+strings.Join(legend, "   "))
	return err
}

// niceCeil rounds d up to a round number of milliseconds: 1, 1.2, 1.5, 2,
// 2.5, 3, 4, 5, 6 or 8 times a power of ten.
// A d so large that the next round number would overflow is returned as it
// is (the loop ran forever there: the steps wrapped around).
func niceCeil(d time.Duration) time.Duration {
	step := time.Millisecond / 10
	for step <= math.MaxInt64/800 { // 80 steps of the next power of ten fit
		for _, m := range []time.Duration{10, 12, 15, 20, 25, 30, 40, 50, 60, 80} {
			if d <= m*step {
				return m * step
			}
		}
		step *= 10
	}
	return d
}

// MaxTrialTime bounds the times ReadElectionJSONL takes: far above any
// trial's timeout (DefaultTrialTimeout), and far below the time.Duration
// limit (an edited file's 9223372036854775807 overflowed the mean).
const MaxTrialTime = 24 * time.Hour

// ReadElectionJSONL rebuilds a report from the output of WriteJSONL (its
// trial lines), to print the table and the plot again without rerunning.
func ReadElectionJSONL(r io.Reader) (*ElectionReport, error) {
	rep := &ElectionReport{}
	index := map[string]int{}
	heartbeats := map[string]RangeResult{}
	br := bufio.NewReader(r)
	// Read line by line, so that an error can name its line.
	for n := 1; ; n++ {
		raw, rerr := br.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, fmt.Errorf("experiment: jsonl: %w", rerr)
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			if rerr == io.EOF {
				break
			}
			continue
		}
		bad := func(err error) error { return fmt.Errorf("experiment: line %d: %w", n, err) }
		var line struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &line); err != nil {
			return nil, bad(err)
		}
		var t Trial
		switch line.Type {
		case "run":
			if err := json.Unmarshal(raw, rep); err != nil {
				return nil, bad(err)
			}
			rep.Ranges = nil
			continue
		case "range":
			var rr RangeResult
			if err := json.Unmarshal(raw, &rr); err != nil {
				return nil, bad(err)
			}
			heartbeats[rr.Name] = rr
			continue
		case "trial":
			if err := json.Unmarshal(raw, &t); err != nil {
				return nil, bad(err)
			}
		default:
			continue
		}
		// Times run from the crash: a negative one is no measurement, and
		// would make the statistics and the plot meaningless.
		switch {
		case t.Election < 0:
			return nil, bad(fmt.Errorf("election_ns %d is negative", t.Election))
		case t.Write < 0:
			return nil, bad(fmt.Errorf("write_ns %d is negative", t.Write))
		case t.Election > MaxTrialTime:
			return nil, bad(fmt.Errorf("election_ns %d is more than %v: no trial runs that long", t.Election, MaxTrialTime))
		case t.Write > MaxTrialTime:
			return nil, bad(fmt.Errorf("write_ns %d is more than %v: no trial runs that long", t.Write, MaxTrialTime))
		}
		i, ok := index[t.Range]
		if !ok {
			rg, err := ParseRange(t.Range)
			if err != nil {
				return nil, bad(errors.New(strings.TrimPrefix(err.Error(), "experiment: ")))
			}
			i = len(rep.Ranges)
			index[t.Range] = i
			rep.Ranges = append(rep.Ranges, RangeResult{Range: rg, Name: rg.String(), Paper: PaperFigure(rg), Heartbeat: rg.Min / 2})
		}
		rep.Ranges[i].Trials = append(rep.Ranges[i].Trials, t)
	}
	for i := range rep.Ranges {
		if rr, ok := heartbeats[rep.Ranges[i].Name]; ok {
			rep.Ranges[i].Heartbeat, rep.Ranges[i].Tick, rep.Ranges[i].Expected = rr.Heartbeat, rr.Tick, rr.Expected
		}
	}
	for i := range rep.Ranges {
		rep.Ranges[i].summarize()
		rep.Trials = max(rep.Trials, len(rep.Ranges[i].Trials))
	}
	return rep, nil
}

// WriteCSV writes one row per trial: range, trial, election_ms, write_ms,
// old_term, new_term, split, timed_out.
func (r *ElectionReport) WriteCSV(w io.Writer) error {
	if err := WriteCSVHeader(w); err != nil {
		return err
	}
	for _, rr := range r.Ranges {
		for _, t := range rr.Trials {
			if err := WriteCSVTrial(w, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteCSVHeader writes the header row of WriteCSV: for a run that writes
// its rows as its trials end (WriteCSVTrial), so that an interrupted run
// keeps them.
func WriteCSVHeader(w io.Writer) error {
	return writeCSV(w, []string{"range", "trial", "election_ms", "write_ms", "old_term", "new_term", "split", "timed_out"})
}

// WriteCSVTrial writes the row of WriteCSV of trial t.
func WriteCSVTrial(w io.Writer, t Trial) error {
	return writeCSV(w, []string{t.Range, strconv.Itoa(t.N), ms(t.Election), ms(t.Write),
		strconv.FormatUint(t.OldTerm, 10), strconv.FormatUint(t.NewTerm, 10),
		strconv.FormatBool(t.Split()), strconv.FormatBool(t.TimedOut)})
}

func writeCSV(w io.Writer, row []string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(row)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("experiment: csv: %w", err)
	}
	return nil
}

// WriteJSONL writes one JSON object a line: a "run" line with the setup,
// a "trial" line per trial, then a "range" line per range with its summary.
// (A run that writes its lines as it goes, with WriteJSONLRun,
// WriteJSONLTrial and WriteJSONLRange, puts each range's line after its
// trials; ReadElectionJSONL reads either.)
func (r *ElectionReport) WriteJSONL(w io.Writer) error {
	if err := r.WriteJSONLRun(w); err != nil {
		return err
	}
	for _, rr := range r.Ranges {
		for _, t := range rr.Trials {
			if err := WriteJSONLTrial(w, t); err != nil {
				return err
			}
		}
	}
	for _, rr := range r.Ranges {
		if err := WriteJSONLRange(w, rr); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSONLRun writes the "run" line of WriteJSONL: the setup, without
// the ranges.
func (r *ElectionReport) WriteJSONLRun(w io.Writer) error {
	return writeJSONL(w, struct {
		Type string `json:"type"`
		ElectionReport
		Ranges []RangeResult `json:"ranges,omitempty"`
	}{Type: "run", ElectionReport: *r})
}

// WriteJSONLTrial writes the "trial" line of WriteJSONL of trial t.
func WriteJSONLTrial(w io.Writer, t Trial) error {
	return writeJSONL(w, struct {
		Type string `json:"type"`
		Trial
		Split bool `json:"split"`
	}{"trial", t, t.Split()})
}

// WriteJSONLRange writes the "range" line of WriteJSONL of rr.
func WriteJSONLRange(w io.Writer, rr RangeResult) error {
	return writeJSONL(w, struct {
		Type string `json:"type"`
		RangeResult
	}{"range", rr})
}

func writeJSONL(w io.Writer, v any) error {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("experiment: jsonl: %w", err)
	}
	return nil
}

// plural returns "1 trial", "5 trials": n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
