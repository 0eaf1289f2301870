package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/experiment"
)

func runExperiment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	defer sayStopped(ctx, stderr)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fs, _ := electionFlagSet(stdout)
		fs.Usage()
		return errHelp
	}
	if len(args) == 0 || args[0] != "election" {
		if len(args) == 0 {
			return usagef("experiment: want an experiment name: election (`raftplay help experiment` tells more)")
		}
		return usagef("experiment: unknown experiment %q (the one there is: election; `raftplay help experiment` tells more)", args[0])
	}
	return runElection(ctx, args[1:], stdout, stderr)
}

func paperRangeList() string {
	names := make([]string, len(experiment.PaperRanges))
	for i, r := range experiment.PaperRanges {
		names[i] = r.String()
	}
	return strings.Join(names, ",")
}

// electionFlags are the flags of `raftplay experiment election`.
type electionFlags struct {
	trace     *string // --trace FILE
	record    *string // --record FILE
	nodes     int
	trials    int
	timeouts  string
	delay     time.Duration
	seed      uint64
	hbDiv     int
	tick      time.Duration
	csvFile   string
	jsonlFile string
	quick     bool
	data      string
	keep      bool
	from      string
	width     int
}

// electionFlagSet returns the flag set of `raftplay experiment election`,
// its usage written to w.
func electionFlagSet(w io.Writer) (*flag.FlagSet, *electionFlags) {
	fs := newFlagSet("experiment election", w)
	f := &electionFlags{}
	fs.IntVar(&f.nodes, "nodes", 5, "cluster size, 3 to 9 (the paper used 5)")
	fs.IntVar(&f.trials, "trials", 1000, "leader crashes per timeout range, 1 to 100000")
	fs.StringVar(&f.timeouts, "timeouts", paperRangeList(), "comma-separated election timeout ranges MIN-MAX")
	fs.DurationVar(&f.delay, "delay", 0, "simulated one-way network latency on every link, at most 1s and under half of every range's maximum (the paper's broadcast time was ~15ms)")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed (0: pick one; the report prints it)")
	fs.IntVar(&f.hbDiv, "heartbeat-div", 2, "heartbeat = minimum election timeout / this (the paper used half)")
	fs.DurationVar(&f.tick, "tick", time.Millisecond, "node tick length: election timeouts are whole ticks")
	fs.StringVar(&f.csvFile, "csv", "", "write one CSV row per trial to this `FILE` (replaced if it exists)")
	fs.StringVar(&f.jsonlFile, "jsonl", "", "write one JSON line per trial and per range to this `FILE` (replaced if it exists)")
	fs.BoolVar(&f.quick, "quick", false, "a short run for tests: 5 trials on 25-50ms and 50-100ms unless --trials/--timeouts are given")
	fs.StringVar(&f.data, "data", "", "data `DIR` (default: a fresh temporary directory, removed at exit)")
	fs.BoolVar(&f.keep, "keep", false, "keep the temporary data directory at exit")
	f.trace = addTraceFlag(fs)
	f.record = addRecordFlag(fs, "each range's cluster (several ranges: FILE-range-N)")
	fs.StringVar(&f.from, "from", "", "print the table and plot again from a --jsonl `FILE` of an earlier run, without running")
	fs.IntVar(&f.width, "plot-width", 64, "width of the text plot in columns, 20 to 1000")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay experiment election [flags]")
		fmt.Fprintln(fs.Output(), "Crashes the leader of a real cluster at a random moment within its heartbeat interval and")
		fmt.Fprintln(fs.Output(), "times the next election, per election timeout range (the Raft paper's Figure 16).")
		fs.PrintDefaults()
	}
	return fs, f
}

// The bounds of experiment election's flags: the plot is drawn in memory,
// a line per row of width columns (a width of millions ran out of memory or
// seemed to hang), and trials are bounded in time only one by one.
const (
	maxPlotWidth = 1000
	maxTrials    = 100000
	maxDelay     = time.Second
)

// check reports the first flag with a value the experiment cannot use.
func (f *electionFlags) check() error {
	switch {
	case f.trials < 1:
		return usagef("--trials %d: want 1 or more", f.trials)
	case f.trials > maxTrials:
		return usagef("--trials %d: at most %d per range (a trial takes up to %v; more would run for weeks)", f.trials, maxTrials, experiment.DefaultTrialTimeout)
	case f.nodes < 3 || f.nodes > cluster.MaxNodes:
		return usagef("--nodes %d: want 3 to %d: every trial crashes the leader, and a majority must remain to elect the next", f.nodes, cluster.MaxNodes)
	case f.delay < 0:
		return usagef("--delay %v: must not be negative", f.delay)
	case f.delay > maxDelay:
		return usagef("--delay %v: at most %v (a trial waits %v for an election, which takes a round trip or more)", f.delay, maxDelay, experiment.DefaultTrialTimeout)
	case f.width < 20 || f.width > maxPlotWidth:
		return usagef("--plot-width %d: want 20 to %d columns", f.width, maxPlotWidth)
	case f.tick < 100*time.Microsecond:
		return usagef("--tick %v: want 100µs or more", f.tick)
	}
	return nil
}

func runElection(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := electionFlagSet(stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("experiment election: unexpected argument %q", fs.Arg(0))
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.from != "" {
		// It prints a saved run: the flags that shape a run have nothing
		// to do (--jsonl wrote nothing, --trials changed nothing, without
		// a word; found by a CI user), as chaos --recheck refuses them.
		if err := onlyWith(fs, "from", "prints a saved run again", "plot-width"); err != nil {
			return err
		}
		// Reading and plotting do not watch ctx: a signal stops the
		// waiting (a huge file, or a FIFO no one writes to).
		return untilDone(ctx, time.Second, func() error { return printFrom(stdout, f.from, f.width) })
	}
	if f.quick {
		if !flagSet(fs, "trials") {
			f.trials = 5
		}
		if !flagSet(fs, "timeouts") {
			f.timeouts = "25-50ms,50-100ms"
		}
	}
	ranges, err := experiment.ParseRanges(f.timeouts)
	if err != nil {
		return usagef("--timeouts: %v", strings.TrimPrefix(err.Error(), "experiment: "))
	}
	if err := experiment.CheckHeartbeatDiv(f.hbDiv, ranges); err != nil {
		if errors.As(err, new(experiment.RangeTooShortError)) {
			// No --heartbeat-div helps: the flag to change is --timeouts
			// (it blamed a --heartbeat-div 2 the user never gave).
			return usagef("--timeouts %s: %v", f.timeouts, err)
		}
		return usagef("--heartbeat-div %d: %v", f.hbDiv, err)
	}
	if err := experiment.CheckTick(f.tick, ranges, f.hbDiv); err != nil {
		return usagef("--tick %v: %v", f.tick, err)
	}
	if err := experiment.CheckDelay(f.delay, ranges); err != nil {
		return usagef("--delay %v: %v", f.delay, err)
	}
	if f.data != "" {
		// Each range's trials start on a new cluster: on an earlier run's
		// they went on from its terms and logs (a seed no longer ran the
		// same), and another --nodes failed on it, exit 1, pointing to an
		// --allow-failed this subcommand does not have (a CI user).
		for i := range ranges {
			if n := cluster.NodesOnDisk(experiment.RangeDataDir(f.data, i)); n > 0 {
				return usagef("--data %s holds an earlier run's cluster of %s in range-%d: each range's trials start on a new cluster; give a new or empty directory, or leave --data out", cluster.EscapeControls(f.data), plural(n, "node"), i+1)
			}
		}
	}
	outs := []namedFile{{"--csv", f.csvFile}, {"--jsonl", f.jsonlFile}, {"--trace", *f.trace}}
	if *f.record == "-" {
		outs = append(outs, namedFile{"--record", "-"}) // refused as given: one per range made --range-1, --range-2...
	} else if *f.record != "" {
		for i := range ranges {
			outs = append(outs, namedFile{"--record", rangeFile(*f.record, i, len(ranges))})
		}
	}
	if err := checkOutputs(nil, outs); err != nil {
		return err
	}
	if err := outsideData(f.data, outs...); err != nil {
		return err
	}
	csvOut, err := createOut(ctx, "--csv", f.csvFile)
	if err != nil {
		return err
	}
	defer csvOut.close()
	jsonlOut, err := createOut(ctx, "--jsonl", f.jsonlFile)
	if err != nil {
		return err
	}
	defer jsonlOut.close()
	dir := f.data
	if dir == "" {
		var cleanup func()
		if dir, cleanup, err = tempDataDir("raftplay-election-", f.keep, stderr); err != nil {
			return err
		}
		defer cleanup()
	} else if err := checkDataDir(dir); err != nil {
		return usagef("--data %s: %v", dir, err)
	}
	traceOut, err := createTrace(ctx, *f.trace)
	if err != nil {
		return err
	}
	defer traceOut.close()
	if f.seed == 0 {
		// Picked here, not by the experiment, so that the recordings'
		// headers say the seed the report prints.
		f.seed = rand.Uint64() | 1
	}
	var recordRange func(c *cluster.Cluster, idx int) func() error
	if *f.record != "" {
		for i := range ranges {
			unmake, _, err := checkRecordFile(rangeFile(*f.record, i, len(ranges)))
			if err != nil {
				return err
			}
			// A range that never started leaves no empty recording (and a
			// pipe's end held by the check is closed).
			defer unmake()
		}
		recordRange = func(c *cluster.Cluster, idx int) func() error {
			file := rangeFile(*f.record, idx, len(ranges))
			run := fmt.Sprintf("experiment election --seed %d, range %s", f.seed, ranges[idx])
			stop := recordHook(ctx, file, cluster.Options{Nodes: f.nodes, Seed: experiment.RangeSeed(f.seed, idx)}, run)(c)
			return func() error {
				err := stop()
				if err == nil {
					fmt.Fprintf(stderr, "raftplay: recorded to %s\n", cluster.EscapeControls(file))
				}
				return err
			}
		}
	}
	// The rows and lines are written as the trials end (the files are
	// unbuffered), so that an interrupted run keeps what it measured (its
	// files were left empty); errors are kept by the files, and told by
	// their close.
	if csvOut != nil {
		experiment.WriteCSVHeader(csvOut)
	}
	if jsonlOut != nil {
		(&experiment.ElectionReport{Nodes: f.nodes, Trials: f.trials, Delay: f.delay, Seed: f.seed}).WriteJSONLRun(jsonlOut)
	}
	written := 0
	started := time.Now()
	rep, err := experiment.RunElection(ctx, experiment.ElectionOptions{
		Nodes: f.nodes, Trials: f.trials, Ranges: ranges, Delay: f.delay, Seed: f.seed,
		DataDir: dir, HeartbeatDiv: f.hbDiv, Tick: f.tick, Progress: stderr, Trace: traceOut.writer(),
		Record: recordRange,
		OnTrial: func(t experiment.Trial) {
			if csvOut != nil {
				experiment.WriteCSVTrial(csvOut, t)
			}
			if jsonlOut != nil {
				experiment.WriteJSONLTrial(jsonlOut, t)
			}
			written++
		},
		OnRange: func(rr experiment.RangeResult) {
			if jsonlOut != nil {
				experiment.WriteJSONLRange(jsonlOut, rr)
			}
		},
	})
	if err != nil {
		if outs := writtenTo(csvOut, jsonlOut); outs != "" {
			fmt.Fprintf(stderr, "experiment: the run did not finish: %s written to %s\n", plural(written, "trial"), outs)
		}
		return startError(err, &clusterFlags{})
	}
	if err := printElection(stdout, rep, f.width); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s in %v\n", plural(f.trials*len(ranges), "trial"), time.Since(started).Round(time.Second))
	for _, o := range []*outFile{traceOut, csvOut, jsonlOut} {
		if err := o.close(); err != nil {
			return err
		}
	}
	return nil
}

// writtenTo names the files of outs that are open: "out.csv and
// out.jsonl", or "" when none is.
func writtenTo(outs ...*outFile) string {
	var names []string
	for _, o := range outs {
		if o != nil {
			names = append(names, cluster.EscapeControls(o.f.Name()))
		}
	}
	return strings.Join(names, " and ")
}

// printFrom prints the table and plot of the --jsonl file path.
func printFrom(stdout io.Writer, path string, width int) error {
	file, err := os.Open(path)
	if err != nil {
		return usagef("--from %s: %s", path, commands.PathReason(err))
	}
	defer file.Close()
	// The file is this run's input, as a script is: a bad one is a
	// usage error (exit 2), and nothing is printed from it.
	rep, err := experiment.ReadElectionJSONL(file)
	if err != nil {
		return usagef("--from %s: %s", path, strings.TrimPrefix(err.Error(), "experiment: "))
	}
	if len(rep.Ranges) == 0 {
		return usagef("--from %s: holds no trials (want the --jsonl FILE of an earlier experiment election)", path)
	}
	return printElection(stdout, rep, width)
}

func printElection(w io.Writer, rep *experiment.ElectionReport, width int) error {
	if err := rep.WriteTable(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return rep.WritePlot(w, width, 16)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
