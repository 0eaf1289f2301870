package experiment

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"raftplay/cluster"
	"raftplay/commands"
)

// WriteText writes the report for a person: one line per finding, the
// seed first, the verdict last ("PASS" or "FAIL: ...").
func (r *ChaosReport) WriteText(w io.Writer) error {
	rerun := r.Rerun
	if rerun == "" {
		rerun = fmt.Sprintf("--seed %d", r.Seed)
	}
	fmt.Fprintf(w, "chaos: seed %d, %s, %v (rerun with %s)\n", r.Seed, plural(r.Nodes, "node"), r.Duration, rerun)
	o := r.Ops
	fmt.Fprintf(w, "operations:      %d (put %d, get %d, del %d acknowledged; %s of unknown outcome; %d refused with no effect)\n",
		o.Total(), o.Puts, o.Gets, o.Dels, plural(o.Unknown, "write"), o.Failed)
	total, kinds := tally(r.Faults)
	fmt.Fprintf(w, "faults injected: %d (%s)\n", total, kinds)
	if n, kinds := tally(r.FailedFaults); n > 0 {
		fmt.Fprintf(w, "  tried, not completed in time: %d (%s) (faults.jsonl says why)\n", n, kinds)
	}
	if n, kinds := tally(r.SkippedFaults); n > 0 {
		fmt.Fprintf(w, "  drawn, not injected: %d (%s) (faults.jsonl says why)\n", n, kinds)
	}
	for _, e := range r.NemesisErrors {
		fmt.Fprintf(w, "  nemesis error: %s\n", e)
	}
	if r.Interrupted != "" {
		fmt.Fprintf(w, "leader changes:  %d (before the interruption)\n", r.LeaderChanges)
	} else {
		fmt.Fprintf(w, "leader changes:  %d (final leader %d at term %d)\n", r.LeaderChanges, r.FinalLeader, r.FinalTerm)
	}
	switch {
	case r.Interrupted != "":
		fmt.Fprintf(w, "converged:       not checked (interrupted)\n")
	case r.Converged:
		fmt.Fprintf(w, "converged:       yes\n")
	case len(r.NotConverged) > 0:
		fmt.Fprintf(w, "converged:       NO (%s)\n", strings.Join(r.NotConverged, "; "))
	default:
		fmt.Fprintf(w, "converged:       NO\n")
	}
	if n := r.ViolationTotal(); n == 0 {
		fmt.Fprintln(w, "monitor:         ok (no safety violation)")
	} else {
		fmt.Fprintf(w, "monitor:         %s\n", strings.ToUpper(plural(n, "safety violation")))
		for i, v := range r.Violations {
			if i == 5 {
				fmt.Fprintf(w, "  ... and %d more\n", n-5)
				break
			}
			fmt.Fprintf(w, "  %s: %s\n", v.Rule, v.Text)
		}
	}
	if r.Linearizable == VerdictNotChecked {
		fmt.Fprintf(w, "linearizability: not checked (interrupted)\n")
	} else {
		fmt.Fprintf(w, "linearizability: %s (porcupine, %v)\n", LinearizabilityText(r.Linearizable, r.CheckTimeout), r.CheckTime.Round(time.Millisecond))
	}
	switch {
	case r.Interrupted != "":
		fmt.Fprintf(w, "acked writes lost: not checked (interrupted)\n")
	case r.FinalKeys == 0:
		fmt.Fprintf(w, "acked writes lost: not checked (no final read succeeded: the cluster did not recover)\n")
	default:
		fmt.Fprintf(w, "acked writes lost: %d (final values of %s checked)\n", len(r.Lost), plural(r.FinalKeys, "key"))
	}
	for i, l := range r.Lost {
		if i == 5 {
			fmt.Fprintf(w, "  ... and %d more\n", len(r.Lost)-5)
			break
		}
		fmt.Fprintf(w, "  %s: %s %q acknowledged, final value %s\n", l.Key, l.Write.Op, l.Write.Value, l.Final)
	}
	if r.EventsDropped > 0 {
		fmt.Fprintf(w, "events not saved:  %d (overwritten in the ring before they were read, or past the cap of %d)\n", r.EventsDropped, maxRecorded)
	}
	for _, f := range r.Files {
		fmt.Fprintf(w, "saved:           %s\n", cluster.EscapeControls(f))
	}
	if r.Interrupted != "" {
		fmt.Fprintf(w, "interrupted:     %s\n", r.Interrupted)
	}
	_, err := fmt.Fprintln(w, "verdict:         "+r.Verdict())
	return err
}

// Undecided reports a run without a violation whose linearizability check
// ran out of its time bound: not a pass.
func (r *ChaosReport) Undecided() bool {
	return !r.Failed() && r.Linearizable == VerdictUnknown
}

// undecidedVerdict is the verdict of a run whose linearizability check ran
// out of time, with no violation seen.
const undecidedVerdict = "UNDECIDED: no violation found, but the linearizability check did not finish within --check-timeout (raftplay chaos --recheck DIR --check-timeout LONGER checks the saved history again)"

// interruptedVerdict is the verdict of an interrupted run whose monitor
// saw no violation.
const interruptedVerdict = "INTERRUPTED: no safety violation seen before the stop; nothing else was checked (raftplay chaos --recheck DIR checks the saved history's linearizability)"

// Verdict returns "PASS", "UNDECIDED: ...", "INTERRUPTED: ..." or "FAIL: "
// and what failed.
func (r *ChaosReport) Verdict() string {
	// The directory to recheck, named when the report knows it (it said
	// "--recheck DIR", a placeholder, of a run saved in /tmp/run42).
	dir := func(v string) string {
		if len(r.Files) > 0 {
			return strings.Replace(v, "--recheck DIR", "--recheck "+cluster.EscapeControls(cluster.ShellWord(filepath.Dir(r.Files[0]))), 1)
		}
		return v
	}
	if r.Undecided() {
		return dir(undecidedVerdict)
	}
	if r.Interrupted != "" && !r.Failed() {
		return dir(interruptedVerdict)
	}
	if !r.Failed() {
		return "PASS"
	}
	var why []string
	if r.ViolationTotal() > 0 {
		why = append(why, "safety violation")
	}
	if r.Linearizable == VerdictIllegal {
		why = append(why, "not linearizable")
	}
	if len(r.Lost) > 0 {
		why = append(why, "acknowledged writes lost")
	}
	if !r.Converged && r.Interrupted == "" {
		why = append(why, "no convergence after healing")
	}
	if r.Interrupted != "" {
		why = append(why, "seen before the run was interrupted")
	}
	return "FAIL: " + strings.Join(why, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

// save writes the run's files into dir and lists them in r.Files.
func (r *ChaosReport) save(dir string, ops []Op, events []cluster.Event, info porcupine.LinearizationInfo, recording string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("experiment: output directory: %w", err)
	}
	write := func(name string, fill func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		f, err := commands.CreateOutput(path)
		if err != nil {
			return fmt.Errorf("experiment: %w", err)
		}
		if err := fill(f); err != nil {
			f.Close()
			return fmt.Errorf("experiment: %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("experiment: %w", err)
		}
		r.Files = append(r.Files, path)
		return nil
	}
	lines := func(items func(enc *json.Encoder) error) func(io.Writer) error {
		return func(w io.Writer) error { return items(json.NewEncoder(w)) }
	}
	err := write("history.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(ops)
	})
	if err == nil {
		err = write("events.jsonl", lines(func(enc *json.Encoder) error {
			for _, e := range events {
				if err := enc.Encode(e); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	if err == nil {
		err = write("faults.jsonl", lines(func(enc *json.Encoder) error {
			for _, f := range r.FaultLog {
				if err := enc.Encode(f); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	if err == nil && r.Failed() && r.Linearizable != VerdictNotChecked {
		err = write("history.html", func(w io.Writer) error { return porcupine.Visualize(cluster.KVModel, info, w) })
	} else if err == nil {
		// An earlier failed run's picture in a reused directory would sit
		// beside this run's pass (a CI user's report).
		if rerr := os.Remove(filepath.Join(dir, "history.html")); rerr != nil && !os.IsNotExist(rerr) {
			err = fmt.Errorf("experiment: %w", rerr)
		}
	}
	if err == nil {
		if recording != "" {
			r.Files = append(r.Files, recording)
		}
		r.Files = append(r.Files, filepath.Join(dir, "report.json")) // the report lists itself
		n := len(r.Files)
		r.VerdictLine, r.LostChecked = r.Verdict(), r.FinalKeys > 0 && r.Interrupted == ""
		err = write("report.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", " ")
			return enc.Encode(r)
		})
		r.Files = r.Files[:n]
	}
	return err
}

// tally returns the sum of m and its entries as "kind n, ...", sorted.
func tally(m map[string]int) (int, string) {
	kinds := make([]string, 0, len(m))
	total := 0
	for k, n := range m {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		total += n
	}
	slices.Sort(kinds)
	return total, strings.Join(kinds, ", ")
}

// LinearizabilityText says a porcupine verdict as the chaos summary and
// its recheck print it.
func LinearizabilityText(verdict string, bound time.Duration) string {
	switch verdict {
	case VerdictOk:
		return "ok"
	case VerdictIllegal:
		return "ILLEGAL (not linearizable)"
	case VerdictUnknown:
		return fmt.Sprintf("unknown (the %v bound ran out; not a failure, not a pass)", bound)
	}
	return verdict
}
