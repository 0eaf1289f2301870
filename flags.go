package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"raftplay/cluster"
)

// clusterFlags are the flags every subcommand that starts a cluster shares.
type clusterFlags struct {
	nodes       int
	data        string
	keep        bool
	heartbeat   time.Duration
	election    electionRange
	seed        uint64
	prevote     bool
	checkquorum bool
	port        int
	snapEvery   uint64
}

// electionRange is a flag value of the form MIN-MAX ("150ms-300ms").
type electionRange struct{ min, max time.Duration }

func (r *electionRange) String() string {
	if r == nil || r.min == 0 {
		return ""
	}
	return r.min.String() + "-" + r.max.String()
}

func (r *electionRange) Set(s string) error {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return fmt.Errorf("want MIN-MAX, e.g. 150ms-300ms")
	}
	min, err := time.ParseDuration(lo)
	if err != nil {
		return fmt.Errorf("minimum: %v", err)
	}
	max, err := time.ParseDuration(hi)
	if err != nil {
		return fmt.Errorf("maximum: %v", err)
	}
	if min <= 0 || max < min {
		return fmt.Errorf("want 0 < MIN <= MAX, got %v-%v", min, max)
	}
	r.min, r.max = min, max
	return nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func addClusterFlags(fs *flag.FlagSet, nodes int, t cluster.Timing) *clusterFlags {
	f := &clusterFlags{election: electionRange{t.ElectionMin, t.ElectionMax}}
	fs.IntVar(&f.nodes, "nodes", nodes, "number of nodes, 1 to 9")
	fs.StringVar(&f.data, "data", "", "data directory (default: a fresh temporary directory, removed at exit)")
	fs.BoolVar(&f.keep, "keep", false, "keep the temporary data directory at exit")
	fs.DurationVar(&f.heartbeat, "heartbeat", t.Heartbeat, "leader heartbeat interval")
	fs.Var(&f.election, "election", "election timeout range MIN-MAX")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed for election timers and faults (0: pick one)")
	fs.BoolVar(&f.prevote, "prevote", false, "start with the PreVote extension on")
	fs.BoolVar(&f.checkquorum, "checkquorum", false, "start with the CheckQuorum extension on")
	fs.Uint64Var(&f.snapEvery, "snapshot-every", 0, "snapshot and compact the log every N applied entries (0: only on the snapshot command)")
	fs.IntVar(&f.port, "port", 0, "fixed ports: node N uses BASE+2(N-1) for Raft and the next for HTTP (default: the OS picks)")
	return f
}

// parseFlags parses args into fs, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelp
		}
		return usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
	}
	return nil
}

// options checks the flags and returns cluster options plus a cleanup
// function that removes a temporary data directory unless --keep.
func (f *clusterFlags) options(stderr io.Writer) (cluster.Options, func(), error) {
	t := cluster.Timing{Heartbeat: f.heartbeat, ElectionMin: f.election.min, ElectionMax: f.election.max}
	if f.nodes < 1 || f.nodes > cluster.MaxNodes {
		return cluster.Options{}, nil, usagef("--nodes %d: want 1 to %d", f.nodes, cluster.MaxNodes)
	}
	if f.port != 0 && (f.port < 1024 || f.port+2*f.nodes > 65536) {
		return cluster.Options{}, nil, usagef("--port %d: want 1024 to %d for %d nodes", f.port, 65536-2*f.nodes, f.nodes)
	}
	if err := t.Validate(); err != nil {
		return cluster.Options{}, nil, usagef("--heartbeat/--election: %v", strings.TrimPrefix(err.Error(), "cluster: "))
	}
	opts := cluster.Options{Nodes: f.nodes, Timing: t, Seed: f.seed, PreVote: f.prevote, CheckQuorum: f.checkquorum, DataDir: f.data, BasePort: f.port, SnapshotEvery: f.snapEvery}
	cleanup := func() {}
	if f.data == "" {
		dir, err := os.MkdirTemp("", "raftplay-")
		if err != nil {
			return opts, nil, fmt.Errorf("temporary data directory: %w", err)
		}
		opts.DataDir = dir
		cleanup = func() {
			if f.keep {
				fmt.Fprintf(stderr, "raftplay: data kept in %s\n", dir)
				return
			}
			os.RemoveAll(dir)
		}
	} else if err := checkDataDir(f.data); err != nil {
		return opts, nil, usagef("--data %s: %v", f.data, err)
	}
	return opts, cleanup, nil
}

// checkDataDir reports a data directory that cannot be used, before any
// node starts: a file in its place, or no permission to write in it.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	probe, err := os.CreateTemp(dir, ".raftplay-probe-")
	if err != nil {
		return fmt.Errorf("not writable: %w", err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
