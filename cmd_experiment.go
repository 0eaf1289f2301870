package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"raftplay/experiment"
)

func runExperiment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "election" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(stderr, "usage: raftplay experiment election [flags]   (run with -h for the flags)")
			return usageError{errSilent}
		}
		return usagef("experiment: want an experiment name: election")
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

func runElection(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("experiment election", stderr)
	nodes := fs.Int("nodes", 5, "cluster size (the paper used 5)")
	trials := fs.Int("trials", 1000, "leader crashes per timeout range")
	timeouts := fs.String("timeouts", paperRangeList(), "comma-separated election timeout ranges MIN-MAX")
	delay := fs.Duration("delay", 0, "simulated one-way network latency on every link (the paper's broadcast time was ~15ms)")
	seed := fs.Uint64("seed", 0, "random seed (0: pick one; the report prints it)")
	hbDiv := fs.Int("heartbeat-div", 2, "heartbeat = minimum election timeout / this (the paper used half)")
	tick := fs.Duration("tick", time.Millisecond, "node tick length: election timeouts are whole ticks")
	csvFile := fs.String("csv", "", "write one CSV row per trial to this file")
	jsonlFile := fs.String("jsonl", "", "write one JSON line per trial and per range to this file")
	quick := fs.Bool("quick", false, "a short run for tests: 5 trials on 25-50ms and 50-100ms unless --trials/--timeouts are given")
	data := fs.String("data", "", "data directory (default: a fresh temporary directory, removed at exit)")
	keep := fs.Bool("keep", false, "keep the temporary data directory at exit")
	from := fs.String("from", "", "print the table and plot again from a --jsonl file of an earlier run, without running")
	width := fs.Int("plot-width", 64, "width of the text plot in columns")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raftplay experiment election [flags]")
		fmt.Fprintln(stderr, "Crashes the leader of a real cluster at a random moment within its heartbeat interval and")
		fmt.Fprintln(stderr, "times the next election, per election timeout range (the Raft paper's Figure 16).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("experiment election: unexpected argument %q", fs.Arg(0))
	}
	if *from != "" {
		f, err := os.Open(*from)
		if err != nil {
			return usagef("--from: %v", err)
		}
		defer f.Close()
		rep, err := experiment.ReadElectionJSONL(f)
		if err != nil {
			return err
		}
		return printElection(stdout, rep, *width)
	}
	if *quick {
		if !flagSet(fs, "trials") {
			*trials = 5
		}
		if !flagSet(fs, "timeouts") {
			*timeouts = "25-50ms,50-100ms"
		}
	}
	ranges, err := experiment.ParseRanges(*timeouts)
	if err != nil {
		return usagef("--timeouts: %v", strings.TrimPrefix(err.Error(), "experiment: "))
	}
	if *trials < 1 || *nodes < 3 || *nodes > 9 || *delay < 0 || *hbDiv < 1 || *width < 20 || *tick < 100*time.Microsecond {
		return usagef("experiment election: want --trials >= 1, --nodes 3 to 9, --delay >= 0, --heartbeat-div >= 1, --plot-width >= 20, --tick >= 100µs")
	}
	var csvOut, jsonlOut *os.File
	for _, f := range []struct {
		name string
		out  **os.File
	}{{*csvFile, &csvOut}, {*jsonlFile, &jsonlOut}} {
		if f.name == "" {
			continue
		}
		if *f.out, err = os.Create(f.name); err != nil {
			return usagef("experiment election: %v", err)
		}
		defer (*f.out).Close()
	}
	dir := *data
	if dir == "" {
		if dir, err = os.MkdirTemp("", "raftplay-election-"); err != nil {
			return fmt.Errorf("temporary data directory: %w", err)
		}
		defer func() {
			if *keep {
				fmt.Fprintf(stderr, "raftplay: data kept in %s\n", dir)
				return
			}
			os.RemoveAll(dir)
		}()
	}
	started := time.Now()
	rep, err := experiment.RunElection(ctx, experiment.ElectionOptions{
		Nodes: *nodes, Trials: *trials, Ranges: ranges, Delay: *delay, Seed: *seed,
		DataDir: dir, HeartbeatDiv: *hbDiv, Tick: *tick, Progress: stderr,
	})
	if err != nil {
		return err
	}
	if err := printElection(stdout, rep, *width); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d trials in %v\n", *trials*len(ranges), time.Since(started).Round(time.Second))
	if csvOut != nil {
		if err := rep.WriteCSV(csvOut); err != nil {
			return err
		}
	}
	if jsonlOut != nil {
		if err := rep.WriteJSONL(jsonlOut); err != nil {
			return err
		}
	}
	return nil
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
