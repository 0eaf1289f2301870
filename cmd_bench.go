package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"raftplay/cluster"
)

// benchFlags are the flags of `raftplay bench`.
type benchFlags struct {
	cluster  *clusterFlags
	clients  int
	payload  int
	duration time.Duration
	warmup   time.Duration
	quiet    bool
	noTrace  bool
	record   *string
}

// benchFlagSet returns the flag set of `raftplay bench`, its usage written to w.
func benchFlagSet(w io.Writer) (*flag.FlagSet, *benchFlags) {
	fs := newFlagSet("bench", w)
	f := &benchFlags{cluster: addClusterFlags(fs, 3, cluster.PaperTiming)}
	fs.IntVar(&f.clients, "clients", 16, fmt.Sprintf("concurrent closed-loop writers, 1 to %d", cluster.MaxSessions))
	fs.IntVar(&f.payload, "payload", 128, fmt.Sprintf("value size in bytes, 0 to %d (the HTTP API's limit)", cluster.MaxValueBytes))
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "time before measuring")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on standard error")
	fs.BoolVar(&f.noTrace, "no-trace", false, "turn the message trace off (it records by default), to measure what it costs")
	f.record = addRecordFlag(fs, "the run (to measure what recording costs)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay bench [flags]")
		fmt.Fprintln(fs.Output(), "Writes through a real cluster (fsyncing WALs, TCP) and prints one JSON line on standard")
		fmt.Fprintln(fs.Output(), "output; progress goes to standard error.")
		fs.PrintDefaults()
	}
	return fs, f
}

// check reports the first flag with a value bench cannot use.
func (f *benchFlags) check() error {
	switch {
	case f.clients < 1:
		return usagef("--clients %d: want 1 or more writers", f.clients)
	case f.clients > cluster.MaxSessions:
		return usagef("--clients %d: at most %d: each writer holds a client session, and a replica keeps %d, so more writers would expire each other's sessions and fail",
			f.clients, cluster.MaxSessions, cluster.MaxSessions)
	case f.payload < 0:
		return usagef("--payload %d: want 0 or more bytes", f.payload)
	case f.payload > cluster.MaxValueBytes:
		return usagef("--payload %d: more than %d bytes (1 MiB), the largest value the HTTP API accepts", f.payload, cluster.MaxValueBytes)
	case f.duration <= 0:
		return usagef("--duration %v: must be positive", f.duration)
	case f.warmup < 0:
		return usagef("--warmup %v: must not be negative", f.warmup)
	}
	return nil
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := benchFlagSet(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("bench: unexpected argument %q", fs.Arg(0))
	}
	if err := f.check(); err != nil {
		return err
	}
	opts, cleanup, err := f.cluster.options(stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	unmakeRec, err := checkRecordFile(*f.record)
	if err != nil {
		return err
	}
	var recErr error
	var stop func()
	var acked atomic.Int64
	if !f.quiet {
		p := &benchProgress{w: stderr, tty: isTerminal(stderr), total: f.warmup + f.duration}
		stop = p.run(time.Second, acked.Load)
	}
	res, err := cluster.Bench(ctx, cluster.BenchOptions{Cluster: opts, Clients: f.clients, Payload: f.payload, Duration: f.duration, Warmup: f.warmup, Acked: &acked, NoTrace: f.noTrace,
		Record: recordHook(*f.record, opts, "bench"), Recorded: &recErr})
	if stop != nil {
		stop()
	}
	if err != nil {
		if recErr == nil {
			unmakeRec() // (an empty file: the cluster did not start)
		}
		return startError(err, f.cluster)
	}
	if recErr != nil {
		return fmt.Errorf("--record %s: %v", *f.record, recErr)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if _, err = fmt.Fprintf(stdout, "%s\n", b); err != nil {
		return err
	}
	switch {
	case res.Ops == 0:
		return fmt.Errorf("bench: no write succeeded in the measured time (%s failed)", plural(res.Errors, "write"))
	case res.Errors > 0:
		fmt.Fprintf(stderr, "bench: %s of %d failed (the cluster lost its leader, or it was overloaded)\n", plural(res.Errors, "write"), res.Ops+res.Errors)
	}
	return nil
}

// benchProgress reports how far a benchmark has got, on standard error:
// one line per interval, or, on a terminal, one line rewritten in place
// and erased at the end, so that standard output keeps only the result.
type benchProgress struct {
	w     io.Writer
	tty   bool
	total time.Duration // warm-up and measured time (the election comes first)

	lastOps     int64
	lastElapsed time.Duration
}

// line describes the moment elapsed into the run; ops, when known (>= 0),
// is the number of writes acknowledged so far.
func (p *benchProgress) line(elapsed time.Duration, ops int64) string {
	s := fmt.Sprintf("bench: %v elapsed of about %v", elapsed.Round(time.Second), p.total.Round(time.Second))
	if ops >= 0 {
		rate := 0.0
		if d := elapsed - p.lastElapsed; d > 0 {
			rate = float64(ops-p.lastOps) / d.Seconds()
		}
		s += fmt.Sprintf(", %s, %.0f writes/s now", plural(int(ops), "write"), rate)
		p.lastOps, p.lastElapsed = ops, elapsed
	}
	return s
}

// run prints a line every interval until stop is called; ops, if not nil,
// returns the writes acknowledged so far.
func (p *benchProgress) run(interval time.Duration, ops func() int64) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				if p.tty {
					fmt.Fprint(p.w, "\r\x1b[K")
				}
				return
			case <-t.C:
				n := int64(-1)
				if ops != nil {
					n = ops()
				}
				l := p.line(time.Since(start), n)
				if p.tty {
					fmt.Fprint(p.w, "\r\x1b[K"+l)
				} else {
					fmt.Fprintln(p.w, l)
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
