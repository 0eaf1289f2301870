package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
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
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "the measured window, at most 24h: the writes acknowledged inside it count, those still in flight when it ends are cut")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "time the writers run before the window, at most 24h")
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

// maxRunTime bounds bench's --duration and --warmup and chaos's --duration:
// a day is more than any run needs, and sums of such times cannot overflow
// (2562047h, about the largest duration, printed "about -1h34m34s").
const maxRunTime = 24 * time.Hour

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
	case f.duration > maxRunTime:
		return usagef("--duration %v: at most %v", f.duration, maxRunTime)
	case f.warmup < 0:
		return usagef("--warmup %v: must not be negative", f.warmup)
	case f.warmup > maxRunTime:
		return usagef("--warmup %v: at most %v", f.warmup, maxRunTime)
	}
	return nil
}

// sayStopped writes "stopped: interrupted by SIGINT" (or the signal that
// came) on standard error when a signal, or a closed standard output, cut
// the run short, in the words `raftplay script` uses: the exit status
// alone told it (and on a terminal the shell's prompt followed the "^C").
// Deferred by bench, chaos and experiment.
func sayStopped(ctx context.Context, stderr io.Writer) {
	var sig signalError
	if errors.As(context.Cause(ctx), &sig) {
		fmt.Fprintf(stderr, "stopped: %v\n", sig)
	}
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	defer sayStopped(ctx, stderr)
	fs, f := benchFlagSet(stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("bench: unexpected argument %q", fs.Arg(0))
	}
	if err := f.check(); err != nil {
		return err
	}
	if err := outsideData(f.cluster.data, namedFile{"--record", *f.record}); err != nil {
		return err
	}
	opts, cleanup, err := f.cluster.options(stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	unmakeRec, doneRec, err := checkRecordFile(*f.record)
	if err != nil {
		return err
	}
	defer doneRec()
	var recErr error
	var stop func()
	var prog cluster.BenchProgress
	if !f.quiet {
		p := &benchProgress{w: stderr, tty: isTerminal(stderr), warmup: f.warmup, duration: f.duration}
		stop = p.run(time.Second, &prog)
	}
	res, err := cluster.Bench(ctx, cluster.BenchOptions{Cluster: opts, Clients: f.clients, Payload: f.payload, Duration: f.duration, Warmup: f.warmup, Progress: &prog, NoTrace: f.noTrace,
		Record: recordHook(ctx, *f.record, opts, "bench"), Recorded: &recErr})
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
	case res.Ops == 0 && res.Cut > 0:
		return fmt.Errorf("bench: no write succeeded in the measured time (%s failed, %d still in flight when it ended: a longer --duration, or a --warmup, would see them done)",
			plural(res.Errors, "write"), res.Cut)
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
// Its count of writes is the result's (cluster.Bench): those acknowledged
// inside the measured window so far; its time, that window's.
type benchProgress struct {
	w        io.Writer
	tty      bool
	warmup   time.Duration
	duration time.Duration

	lastOps     int64
	lastElapsed time.Duration
	lastWarm    bool
	saidStop    bool // the stopping line is said once; the cluster may take seconds to stop
}

// line describes the moment elapsed since the writers started (negative:
// they have not started; the cluster starts and elects a leader); acked
// is the number of writes acknowledged since they started, measured the
// number counted in the measured window.
func (p *benchProgress) line(elapsed time.Duration, acked, measured int64) string {
	if elapsed < 0 {
		return "bench: starting the cluster, waiting for a leader"
	}
	warm := elapsed < p.warmup
	ops, at, total, what := measured, elapsed-p.warmup, p.duration, "measured"
	if warm {
		ops, at, total, what = acked, elapsed, p.warmup, "warm-up"
	}
	at = min(at, total)
	rate := 0.0
	if d := at - p.lastElapsed; d > 0 && warm == p.lastWarm {
		rate = float64(ops-p.lastOps) / d.Seconds()
	} else if at > 0 && warm != p.lastWarm {
		rate = float64(ops) / at.Seconds()
	}
	p.lastOps, p.lastElapsed, p.lastWarm = ops, at, warm
	if at == total && !warm {
		if p.saidStop {
			return ""
		}
		p.saidStop = true
		return fmt.Sprintf("bench: %v measured, %s, stopping", total, plural(int(ops), "write"))
	}
	return fmt.Sprintf("bench: %v elapsed of %v %s, %s, %.0f writes/s now", at.Round(100*time.Millisecond), total, what, plural(int(ops), "write"), rate)
}

// run prints a line every interval until stop is called, from what prog
// tells.
func (p *benchProgress) run(interval time.Duration, prog *cluster.BenchProgress) (stop func()) {
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
				elapsed := time.Duration(-1)
				if started := prog.Started.Load(); started != 0 {
					elapsed = time.Since(time.Unix(0, started))
				}
				l := p.line(elapsed, prog.Acked.Load(), prog.Measured.Load())
				if l == "" {
					continue
				}
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
