package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/experiment"
)

// chaosFlags are the flags of `raftplay chaos`.
type chaosFlags struct {
	trace        *string // --trace FILE
	record       *string // --record FILE
	cluster      *clusterFlags
	duration     time.Duration
	every        time.Duration
	clients      int
	keys         int
	checkTimeout time.Duration
	out          string
	faults       string
	recheck      string
	quick        bool
	settle       time.Duration
	unsafeVote   bool
	unsafe       bool
	overwrite    bool
}

// chaosFlagSet returns the flag set of `raftplay chaos`, its usage written to w.
func chaosFlagSet(w io.Writer) (*flag.FlagSet, *chaosFlags) {
	fs := newFlagSet("chaos", w)
	f := &chaosFlags{cluster: addClusterFlags(fs, 5, cluster.PaperTiming)}
	fs.Lookup("nodes").Usage = "cluster size `N`, 3 to 9 (chaos crashes and partitions a minority while a majority works)"
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long the nemesis and the clients run, at most 24h")
	fs.DurationVar(&f.every, "fault-every", 300*time.Millisecond, "mean time between faults")
	fs.IntVar(&f.clients, "clients", 4, fmt.Sprintf("concurrent clients, 1 to %d (odd-numbered ones use the HTTP API)", cluster.MaxSessions))
	fs.IntVar(&f.keys, "keys", 8, "distinct keys the clients use, 1 to 1000")
	fs.DurationVar(&f.checkTimeout, "check-timeout", time.Minute, "time bound of the linearizability check (when it runs out the verdict is UNDECIDED, exit 1)")
	fs.StringVar(&f.out, "out", "", "`DIR` for history.json, events.jsonl, faults.jsonl, report.json (and history.html on a failure; a run interrupted by a signal saves what it had); default raftplay-chaos-SEED; a DIR holding an earlier run's files is refused unless --overwrite")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace an earlier chaos run's files in --out (all of them are removed first, so runs never mix)")
	fs.StringVar(&f.faults, "faults", strings.Join(experiment.FaultKinds, ","), "fault kinds the nemesis uses (heal, restart and resume always happen)")
	fs.StringVar(&f.recheck, "recheck", "", "check the history.json saved in this `DIR` again (linearizability and lost writes) instead of running; takes no other flag but --check-timeout")
	fs.BoolVar(&f.quick, "quick", false, "a short run for tests: 2s unless --duration is given")
	f.trace = addTraceFlag(fs)
	f.record = addRecordFlag(fs, "the run, passed or failed (a failed run is always recorded, into OUT/recording.rec)")
	fs.DurationVar(&f.settle, "settle-timeout", 30*time.Second, "after the final heal, how long to wait for a leader and for convergence")
	fs.BoolVar(&f.unsafeVote, "unsafe-skip-vote-log-check", false, "break Raft on purpose (votes skip the up-to-date log check) to see the checks fail")
	fs.BoolVar(&f.unsafe, "unsafe", false, "UNSAFE disk faults, to see the checks fail: every node acknowledges without fsync, and the nemesis may wipe a disk")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay chaos [flags]")
		fmt.Fprintln(fs.Output(), "Breaks a real cluster at random (seeded) under concurrent clients, heals it, and checks")
		fmt.Fprintln(fs.Output(), "safety, linearizability and that no acknowledged write was lost. Exit 1 on any violation.")
		fs.PrintDefaults()
	}
	return fs, f
}

// maxChaosKeys bounds --keys.
const maxChaosKeys = 1000

// check reports the first flag with a value chaos cannot use.
func (f *chaosFlags) check() error {
	switch {
	case f.cluster.nodes < 3:
		return usagef("--nodes %d: chaos needs at least 3 nodes: it crashes and partitions a minority while a majority keeps working", f.cluster.nodes)
	case f.duration <= 0:
		return usagef("--duration %v: must be positive", f.duration)
	case f.duration > maxRunTime:
		return usagef("--duration %v: at most %v", f.duration, maxRunTime)
	case f.every <= 0:
		return usagef("--fault-every %v: must be positive", f.every)
	case f.clients < 1:
		return usagef("--clients %d: want 1 or more", f.clients)
	case f.clients > cluster.MaxSessions:
		return usagef("--clients %d: at most %d: each client holds a client session, and a replica keeps %d, so more clients would expire each other's sessions", f.clients, cluster.MaxSessions, cluster.MaxSessions)
	case f.keys < 1:
		return usagef("--keys %d: want 1 or more", f.keys)
	case f.keys > maxChaosKeys:
		return usagef("--keys %d: at most %d (every key is read once more at the end, and a key the clients seldom use checks little)", f.keys, maxChaosKeys)
	case f.checkTimeout <= 0:
		return usagef("--check-timeout %v: must be positive", f.checkTimeout)
	case f.settle <= 0:
		return usagef("--settle-timeout %v: must be positive", f.settle)
	}
	return nil
}

func runChaos(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	defer sayStopped(ctx, stderr)
	fs, f := chaosFlagSet(stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("chaos: unexpected argument %q", fs.Arg(0))
	}
	if f.recheck != "" {
		// It checks a saved run: the flags that shape a run have nothing
		// to do (they were ignored without a word).
		if err := onlyWith(fs, "recheck", "checks a saved run again", "check-timeout"); err != nil {
			return err
		}
		return recheckChaos(ctx, stdout, f.recheck, f.checkTimeout)
	}
	if f.quick && !flagSet(fs, "duration") {
		f.duration = 2 * time.Second
	}
	if err := f.check(); err != nil {
		return err
	}
	if n := f.cluster.onDisk(); n > 0 {
		// The checks model every key as empty at the start: a cluster's
		// old values would read as writes no one made (a false FAIL).
		return usagef("--data %s holds a cluster of %s: chaos needs an empty data directory (its checks start from an empty store); give a new one, or leave --data out", cluster.EscapeControls(f.cluster.data), f.cluster.describeOnDisk(n))
	}
	cf := f.cluster
	var kinds []string
	for i, k := range strings.Split(f.faults, ",") {
		if k = strings.TrimSpace(k); k == "" {
			return usagef("--faults %s: item %d is empty (want kinds separated by single commas: %s)", f.faults, i+1, strings.Join(experiment.FaultKinds, ", "))
		}
		if !slices.Contains(experiment.FaultKinds, k) {
			return usagef("--faults: unknown kind %q (want %s)", k, strings.Join(experiment.FaultKinds, ", "))
		}
		kinds = append(kinds, k)
	}
	opts, cleanup, err := cf.options(stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	opts.UnsafeSkipVoteLogCheck = f.unsafeVote
	seed := cf.seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	if f.out == "" {
		f.out = fmt.Sprintf("raftplay-chaos-%d", seed)
	}
	earlier := chaosFilesIn(f.out)
	if len(earlier) > 0 && !f.overwrite {
		// A new run would replace some of them and leave the others
		// beside its own (a failed run's recording was deleted unsaid).
		return usagef("--out %s holds an earlier chaos run's files (%s): give another --out, move them away, or add --overwrite to replace them", cluster.EscapeControls(f.out), strings.Join(earlier, ", "))
	}
	if err := checkOutputs(nil, []namedFile{{"--trace", *f.trace}, {"--record", *f.record}}); err != nil {
		return err
	}
	if err := outsideData(cf.data, namedFile{"--trace", *f.trace}, namedFile{"--record", *f.record}, namedFile{"--out", f.out}); err != nil {
		return err
	}
	traceOut, err := createTrace(ctx, *f.trace)
	if err != nil {
		return err
	}
	defer traceOut.close()
	// --overwrite removes every file of the earlier run, not only those
	// this run writes: runs never mix in one directory.
	for _, name := range earlier {
		if err := os.Remove(filepath.Join(f.out, name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--out %s: --overwrite: %s: %s", cluster.EscapeControls(f.out), name, commands.PathReason(err))
		}
	}
	// Every run is recorded; a passed run's recording is kept only with
	// --record FILE.
	recFile := *f.record
	madeOut := false // the run made OUT: an interrupted run removes it again
	if recFile == "" {
		_, err := os.Stat(f.out)
		madeOut = os.IsNotExist(err)
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return usagef("--out %s: %s", f.out, commands.PathReason(err))
		}
		recFile = filepath.Join(f.out, "recording.rec")
	}
	unmakeRec, doneRec, err := checkRecordFile(recFile)
	if err != nil {
		return err
	}
	defer doneRec()
	rerun := rerunFlags(fs, seed)
	fmt.Fprintf(stdout, "chaos: seed %d, running for %v...\n", seed, f.duration)
	// The final checks (porcupine) do not watch ctx: stop waiting for them
	// when the run is interrupted. An interrupted run saves what it had
	// (a CI job's time limit would otherwise lose the evidence), given a
	// few seconds to. The report comes back as the error (chaosDone),
	// which untilDone hands over as it came: a nil would be taken for the
	// signal when one came while a judged run saved its files, and a failed
	// run's report went unprinted and its recording deleted.
	chaosOpts := experiment.ChaosOptions{
		Cluster: opts, Seed: seed, Duration: f.duration, FaultEvery: f.every,
		Clients: f.clients, Keys: f.keys, Faults: kinds, CheckTimeout: f.checkTimeout, SettleTimeout: f.settle, OutDir: f.out,
		Trace: traceOut.writer(), Unsafe: f.unsafe, Record: recordHook(ctx, recFile, withSeed(opts, seed), "chaos"), Rerun: rerun,
		Recording: recFile, KeepRecording: *f.record != "",
		Started: func() { fmt.Fprintln(stderr, "chaos: a leader is elected; clients and faults are running") },
	}
	err = untilDone(ctx, 5*time.Second, func() error {
		r, err := runChaosExperiment(ctx, chaosOpts)
		if err != nil {
			if r != nil { // judged, but its files could not all be saved
				return chaosSaveError{r, err}
			}
			return err
		}
		return chaosDone{r}
	})
	var rep *experiment.ChaosReport
	var done chaosDone
	if errors.As(err, &done) {
		rep, err = done.rep, nil
	}
	if se := (chaosSaveError{}); errors.As(err, &se) {
		if kept := chaosOpts.KeptRecording(se.rep); kept != "" {
			// A failed, undecided or interrupted run keeps its recording,
			// its files saved or not, and says its verdict (both were lost
			// to a full disk's history.html).
			if se.rep.RecordingErr == nil {
				se.rep.Files = append(se.rep.Files, kept)
			}
			se.rep.WriteText(stdout)
			return se.err
		}
	}
	if err != nil {
		if *f.record == "" {
			os.Remove(recFile)
			if madeOut {
				os.Remove(f.out) // only when empty
			}
		} else {
			unmakeRec() // only when still empty: the cluster did not start
		}
		return startError(err, cf)
	}
	switch kept := chaosOpts.KeptRecording(rep); {
	case kept == "":
		os.Remove(recFile)
	case rep.RecordingErr != nil: // not saved: "saved: FILE" said it was
	case !slices.Contains(rep.Files, kept): // report.json lists it when the run saved one
		rep.Files = append(rep.Files, kept)
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if err := traceOut.close(); err != nil {
		return err
	}
	if rep.RecordingErr != nil && *f.record != "" {
		// Asked for and not written (--record on a full disk): exit 1
		// naming it, as script and bench do; the report says the checks.
		return fmt.Errorf("--record %s: %s", cluster.EscapeControls(*f.record), commands.PathReason(rep.RecordingErr))
	}
	if rep.Failed() || rep.Undecided() {
		return errSilent // exit 1: a check that did not finish is no pass
	}
	return nil
}

// chaosFiles are the files a chaos run (or its recheck) leaves in --out.
var chaosFiles = []string{"report.json", "history.json", "events.jsonl", "faults.jsonl", "recording.rec", "history.html", "recheck.html"}

// chaosFilesIn returns the chaos files that dir holds.
func chaosFilesIn(dir string) []string {
	var found []string
	for _, name := range chaosFiles {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			found = append(found, name)
		}
	}
	return found
}

// runChaosExperiment is experiment.RunChaos (a test replaces it).
var runChaosExperiment = experiment.RunChaos

// chaosDone carries a chaos run's report out of untilDone, which passes
// on an error as it came, and only one that came in time.
type chaosDone struct{ rep *experiment.ChaosReport }

func (chaosDone) Error() string { return "chaos run done" }

// chaosSaveError is a judged run's error saving its files, with its report.
type chaosSaveError struct {
	rep *experiment.ChaosReport
	err error
}

func (e chaosSaveError) Error() string { return e.err.Error() }
func (e chaosSaveError) Unwrap() error { return e.err }

// recheckChaos checks a saved history again; on a failure it writes
// porcupine's visualization beside it.
func recheckChaos(ctx context.Context, stdout io.Writer, dir string, timeout time.Duration) error {
	path := filepath.Join(dir, "history.json")
	// Both files are read and checked before anything is judged: a bad
	// one is bad input (exit 2), not a failed check. Reading does not
	// watch ctx: a signal stops the waiting (a named pipe no one writes
	// to held it for good).
	var ops []experiment.Op
	err := untilDone(ctx, 0, func() error {
		file, err := os.Open(path)
		if err != nil {
			return usagef("--recheck %s: %s: %s", dir, path, commands.PathReason(err))
		}
		defer file.Close()
		if ops, err = experiment.ReadHistory(file); err != nil {
			return usagef("--recheck %s: history.json: %v", dir, err)
		}
		return nil
	})
	if ctx.Err() != nil {
		return context.Cause(ctx) // ops may still be being read
	}
	if err != nil {
		return err
	}
	live, haveLive, err := readChaosReport(filepath.Join(dir, "report.json"))
	if err != nil {
		return usagef("--recheck %s: report.json: %v; move it away to recheck history.json alone", dir, err)
	}
	html := filepath.Join(dir, "recheck.html")
	var res experiment.RecheckResult
	err = untilDone(ctx, time.Second, func() (err error) {
		res, err = experiment.RecheckOps(ops, timeout, html)
		return err
	})
	if err != nil {
		return fmt.Errorf("--recheck %s: %s", dir, strings.TrimPrefix(err.Error(), "experiment: "))
	}
	// The recheck redoes the checks of the history; the monitor's and the
	// convergence's findings are the live run's, from its report.json.
	rep := experiment.ChaosReport{Converged: true, Linearizable: res.Linearizable, Lost: res.Lost, FinalKeys: res.FinalKeys, CheckTimeout: timeout}
	if haveLive {
		rep.Violations, rep.ViolationCount, rep.Converged = live.Violations, live.ViolationCount, live.Converged
		rep.Interrupted = live.Interrupted // its convergence was never judged
	}
	// The run's report counts its clients' operations; the history holds
	// its final reads too: both said, so the two numbers add up.
	histText := plural(res.Ops, "operation")
	if res.FinalReads > 0 {
		histText += fmt.Sprintf(" (%d by the clients, as the run's report counts them; %s after the heal)", res.Ops-res.FinalReads, plural(res.FinalReads, "final read"))
	}
	fmt.Fprintf(stdout, "history:         %s\n", histText)
	fmt.Fprintf(stdout, "linearizability: %s (porcupine, %v)\n", experiment.LinearizabilityText(res.Linearizable, timeout), res.CheckTime.Round(time.Millisecond))
	if res.FinalKeys == 0 {
		why := "the run's cluster did not recover"
		if live.Interrupted != "" {
			why = "the run was interrupted before its final reads"
		}
		fmt.Fprintf(stdout, "acked writes lost: not checked (the history holds no final read: %s)\n", why)
	} else {
		fmt.Fprintf(stdout, "acked writes lost: %d (final values of %s checked)\n", len(res.Lost), plural(res.FinalKeys, "key"))
	}
	if haveLive {
		converged := map[bool]string{true: "converged yes", false: "converged NO"}[live.Converged]
		if live.Interrupted != "" {
			converged = "interrupted (" + live.Interrupted + ") before convergence was checked"
		}
		fmt.Fprintf(stdout, "from report.json: %s, %s (the live run's findings: a recheck cannot redo them)\n",
			plural(live.ViolationTotal(), "safety violation"), converged)
	}
	if !haveLive {
		// A PASS of the history alone is not the run's (a CI user read
		// it so): say what it leaves out.
		fmt.Fprintf(stdout, "not checked:     the monitor's safety checks and convergence (no report.json here: only the live run saw them)\n")
	}
	fmt.Fprintf(stdout, "visualization:   %s\n", cluster.EscapeControls(html))
	verdict := rep.Verdict()
	switch {
	case rep.Failed():
	case rep.Undecided():
		verdict = "UNDECIDED: the linearizability check did not finish within --check-timeout"
	case res.FinalKeys == 0:
		verdict = "UNDECIDED: with no final read in the history, lost writes could not be checked"
	case rep.Interrupted != "":
		// The live run's verdict says that nothing but the monitor was
		// checked, and that a recheck checks the history: this one did.
		verdict = "INTERRUPTED: the saved history is linearizable and lost no acknowledged write, but the run was interrupted before its convergence was checked"
	}
	fmt.Fprintln(stdout, "verdict:         "+verdict)
	if verdict != "PASS" {
		return errSilent
	}
	return nil
}

// readChaosReport reads the report.json a chaos run saved; false when
// there is none (a history.json checked alone). One that is there but
// cannot be read, or is no chaos report, is an error: ignored, it would
// drop the live run's safety violations, and a failed run would pass.
func readChaosReport(path string) (experiment.ChaosReport, bool, error) {
	var r experiment.ChaosReport
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, false, nil
	}
	if err != nil {
		return r, false, errors.New(commands.PathReason(err))
	}
	// The fields the recheck takes must be there: a missing "converged"
	// would read as NO, and a file that is not an object as nothing.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return r, false, errors.New("not a chaos report (want the JSON object a chaos run saves)")
	}
	if _, ok := fields["converged"]; !ok {
		return r, false, errors.New(`not a chaos report (no "converged" field)`)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return r, false, fmt.Errorf("%s: want %s, found %s", te.Field, te.Type, te.Value)
		}
		return r, false, fmt.Errorf("not a chaos report (%v)", err)
	}
	return r, true, nil
}

// rerunFlags returns the flags that run a chaos run again: its seed and
// every flag given that shapes the run, not those that only say where its
// output goes ("--seed 41 --nodes 3 --unsafe"; the hint said only --seed,
// which reran a different run).
func rerunFlags(fs *flag.FlagSet, seed uint64) string {
	out := []string{fmt.Sprintf("--seed %d", seed)}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "seed", "out", "overwrite", "trace", "record", "recheck", "data", "keep", "port":
			return
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if f.Value.String() == "true" {
				out = append(out, "--"+f.Name)
			}
			return
		}
		v := f.Value.String()
		if v == "" || strings.ContainsAny(v, " \t'\"\\$") {
			v = strconv.Quote(v)
		}
		out = append(out, "--"+f.Name+" "+v)
	})
	return strings.Join(out, " ")
}

// withSeed returns o with its seed set (for a recording's header).
func withSeed(o cluster.Options, seed uint64) cluster.Options {
	o.Seed = seed
	return o
}
