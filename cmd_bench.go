package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"raftplay/cluster"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	cf := addClusterFlags(fs, 3, cluster.PaperTiming)
	clients := fs.Int("clients", 16, "concurrent closed-loop writers")
	payload := fs.Int("payload", 128, "value size in bytes")
	duration := fs.Duration("duration", 10*time.Second, "measured time")
	warmup := fs.Duration("warmup", 2*time.Second, "time before measuring")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raftplay bench [flags]")
		fmt.Fprintln(stderr, "Writes through a real cluster (fsyncing WALs, TCP) and prints one JSON line.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("bench: unexpected argument %q", fs.Arg(0))
	}
	if *clients < 1 || *payload < 0 || *duration <= 0 || *warmup < 0 {
		return usagef("bench: want --clients >= 1, --payload >= 0, --duration > 0, --warmup >= 0")
	}
	opts, cleanup, err := cf.options(stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := cluster.Bench(ctx, cluster.BenchOptions{Cluster: opts, Clients: *clients, Payload: *payload, Duration: *duration, Warmup: *warmup})
	if err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}
