package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/experiment"
)

func runChaos(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("chaos", stderr)
	cf := addClusterFlags(fs, 5, cluster.PaperTiming)
	duration := fs.Duration("duration", 10*time.Second, "how long the nemesis and the clients run")
	every := fs.Duration("fault-every", 300*time.Millisecond, "mean time between faults")
	clients := fs.Int("clients", 4, "concurrent clients (odd-numbered ones use the HTTP API)")
	keys := fs.Int("keys", 8, "distinct keys the clients use")
	checkTimeout := fs.Duration("check-timeout", time.Minute, "time bound of the linearizability check (then the verdict is unknown)")
	out := fs.String("out", "", "directory for history.json, events.jsonl, faults.jsonl, report.json (and history.html on a failure); default raftplay-chaos-SEED")
	faults := fs.String("faults", strings.Join(experiment.FaultKinds, ","), "fault kinds the nemesis uses (heal, restart and resume always happen)")
	recheck := fs.String("recheck", "", "check the history.json saved in this directory again (linearizability and lost writes) instead of running")
	quick := fs.Bool("quick", false, "a short run for tests: 2s unless --duration is given")
	settle := fs.Duration("settle-timeout", 30*time.Second, "after the final heal, how long to wait for a leader and for convergence")
	unsafeVote := fs.Bool("unsafe-skip-vote-log-check", false, "break Raft on purpose (votes skip the up-to-date log check) to see the checks fail")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raftplay chaos [flags]")
		fmt.Fprintln(stderr, "Breaks a real cluster at random (seeded) under concurrent clients, heals it, and checks")
		fmt.Fprintln(stderr, "safety, linearizability and that no acknowledged write was lost. Exit 1 on any violation.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("chaos: unexpected argument %q", fs.Arg(0))
	}
	if *recheck != "" {
		return recheckChaos(stdout, *recheck, *checkTimeout)
	}
	if *quick && !flagSet(fs, "duration") {
		*duration = 2 * time.Second
	}
	if *duration <= 0 || *every <= 0 || *clients < 1 || *keys < 1 || *checkTimeout <= 0 || *settle <= 0 || cf.nodes < 3 {
		return usagef("chaos: want --duration > 0, --fault-every > 0, --clients >= 1, --keys >= 1, --check-timeout > 0, --settle-timeout > 0, --nodes >= 3")
	}
	var kinds []string
	for _, k := range strings.Split(*faults, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
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
	opts.UnsafeSkipVoteLogCheck = *unsafeVote
	seed := cf.seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	if *out == "" {
		*out = fmt.Sprintf("raftplay-chaos-%d", seed)
	}
	fmt.Fprintf(stdout, "chaos: seed %d, running for %v...\n", seed, *duration)
	rep, err := experiment.RunChaos(ctx, experiment.ChaosOptions{
		Cluster: opts, Seed: seed, Duration: *duration, FaultEvery: *every,
		Clients: *clients, Keys: *keys, Faults: kinds, CheckTimeout: *checkTimeout, SettleTimeout: *settle, OutDir: *out,
	})
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if rep.Failed() {
		return errSilent
	}
	return nil
}

// recheckChaos checks a saved history again; on a failure it writes
// porcupine's visualization beside it.
func recheckChaos(stdout io.Writer, dir string, timeout time.Duration) error {
	f, err := os.Open(filepath.Join(dir, "history.json"))
	if err != nil {
		return usagef("--recheck: %v", err)
	}
	defer f.Close()
	html := filepath.Join(dir, "recheck.html")
	res, err := experiment.RecheckHistory(f, timeout, html)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "history:         %d operations\n", res.Ops)
	fmt.Fprintf(stdout, "linearizability: %s (porcupine, %v)\n", res.Linearizable, res.CheckTime.Round(time.Millisecond))
	fmt.Fprintf(stdout, "acked writes lost: %d\n", len(res.Lost))
	fmt.Fprintf(stdout, "visualization:   %s\n", html)
	if res.Linearizable == experiment.VerdictIllegal || len(res.Lost) > 0 {
		fmt.Fprintln(stdout, "verdict:         FAIL")
		return errSilent
	}
	fmt.Fprintln(stdout, "verdict:         PASS")
	return nil
}
