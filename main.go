// Command raftplay runs a real Raft cluster on this machine and lets you
// watch it and break it: a live dashboard, headless scripts, and benchmarks.
// Run `raftplay help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := cancelOnSignal(cancel, func(s signalError) {
		fmt.Fprintf(os.Stderr, "raftplay: %s again: exiting at once, without cleaning up\n", s.name())
		os.Exit(s.exitCode())
	})
	stdout := &outputWriter{w: os.Stdout, cancel: cancel}
	err := stdout.check(run(ctx, os.Args[1:], os.Stdin, stdout, os.Stderr))
	stop()
	os.Exit(finish(ctx, err, os.Stderr))
}

// finish reports err on stderr (unless a signal stopped the run: then the
// signal is the whole story) and returns the exit status.
func finish(ctx context.Context, err error, stderr io.Writer) int {
	var sig signalError
	if errors.As(context.Cause(ctx), &sig) {
		return sig.exitCode()
	}
	printError(stderr, err)
	return exitCode(err)
}

// signalError is the cause of the run's cancellation when SIGINT, SIGTERM
// or SIGHUP arrives; the process then exits with 128 + the signal number.
type signalError struct{ sig syscall.Signal }

func (s signalError) Error() string { return "interrupted by " + s.name() }
func (s signalError) exitCode() int { return 128 + int(s.sig) }
func (s signalError) name() string {
	switch s.sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP (its terminal was closed)"
	case syscall.SIGPIPE:
		return "SIGPIPE (its output was closed)"
	}
	return s.sig.String()
}

// dupSignalWindow is how soon after the first a repeat of the same signal
// is taken for a copy of it (cancelOnSignal): well under the time between
// two presses of ctrl+c by a hurried person.
var dupSignalWindow = 250 * time.Millisecond

// cancelOnSignal cancels the run with a signalError at the first SIGINT,
// SIGTERM or SIGHUP (its terminal closed: a new user's closed tmux pane left
// the temporary data directory behind), so that every subcommand stops and
// cleans up; a second one while it does calls again (which exits at once).
// The same signal again within dupSignalWindow of the first is taken for
// the same request: GNU timeout, the usual CI wrapper, sends its signal to
// the child and then to the child's process group, and the second copy
// made raftplay exit at once without cleaning up (a CI user's report).
// stop ends the watch.
//
// SIGPIPE is caught too, and ignored: the kernel raises it for a write to
// any broken pipe or socket, and the nodes' TCP connections break whenever a
// peer crashes or is removed; caught, it turns into an EPIPE error of that
// write. A closed standard output (as by `| head`) is noticed by
// outputWriter, at the write that fails.
func cancelOnSignal(cancel context.CancelCauseFunc, again func(signalError)) (stop func()) {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	done := make(chan struct{})
	finished := make(chan struct{})
	next := func() (syscall.Signal, bool) {
		for {
			select {
			case s := <-ch:
				if s != syscall.SIGPIPE {
					return s.(syscall.Signal), true
				}
			case <-done:
				return 0, false
			}
		}
	}
	go func() {
		defer close(finished)
		s, ok := next()
		if !ok {
			return
		}
		cancel(signalError{s})
		first, at := s, time.Now()
		for {
			if s, ok = next(); !ok {
				return
			}
			if s != first || time.Since(at) >= dupSignalWindow {
				again(signalError{s})
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
		<-finished
	}
}

// outputWriter is standard output: when a write fails because the reader
// went away (`raftplay script x.txt | head`), it cancels the run as SIGPIPE
// would, so that the subcommand stops and cleans up (exit 141). Any other
// failed write (a full disk: `> /dev/full`) is kept for check: most
// results are printed by writers that do not say.
type outputWriter struct {
	w      io.Writer
	cancel context.CancelCauseFunc

	mu  sync.Mutex
	err error // the first write error but EPIPE
}

func (o *outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	switch {
	case errors.Is(err, syscall.EPIPE):
		o.cancel(signalError{syscall.SIGPIPE})
	case err != nil:
		o.mu.Lock()
		if o.err == nil {
			o.err = err
		}
		o.mu.Unlock()
	}
	return n, err
}

// check returns err, the run's, or the first failed write of standard
// output as "standard output: no space left on device" when the run
// succeeded, or failed only by what it printed (a lost verdict is no
// verdict), or by that write itself.
func (o *outputWriter) check(err error) error {
	o.mu.Lock()
	werr := o.err
	o.mu.Unlock()
	if werr == nil || (err != nil && !errors.Is(err, errSilent) && !errors.Is(err, werr) && !sameWrite(err, werr)) {
		return err
	}
	return fmt.Errorf("standard output: %s", commands.PathReason(werr))
}

// sameWrite reports whether err is a failed write to the file werr failed
// to write (another write of standard output, whose error a subcommand
// returned: chaos and experiment said "write /dev/stdout: no space left on
// device" where the others say "standard output: ...").
func sameWrite(err, werr error) bool {
	var a, b *fs.PathError
	return errors.As(err, &a) && errors.As(werr, &b) && a.Op == b.Op && a.Path == b.Path
}

// untilDone runs fn and returns its error. When ctx ends first, it gives
// fn a grace period to notice (and close what it opened) and then returns
// the cause of ctx's end: for work that does not watch ctx all the way
// through. fn then runs on unattended until the process exits.
func untilDone(ctx context.Context, grace time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-done:
		if err == nil {
			err = context.Cause(ctx)
		}
		return err
	case <-t.C:
		return context.Cause(ctx)
	}
}

// usageError is a bad flag, argument or script line: exit status 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errorLines is an error told in several lines (say, every bad record of a
// WAL); each is printed as a line of its own.
type errorLines []string

func (e errorLines) Error() string { return strings.Join(e, "\n") }

// errSilent marks a failure already reported to the user: exit 1 (or 2
// when wrapped in a usageError), print nothing more.
var errSilent = errors.New("failure reported above")

// errHelp is a request for a subcommand's usage (-h), already printed: exit 0.
var errHelp = errors.New("help requested")

// exitCode maps an error to the process status: 0 ok, 1 a failed check or
// runtime error, 2 a usage or parse error. (A signal gives 128 + its
// number: see finish.)
func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// printError writes err for people: "raftplay: " and the message, with any
// control characters (from paths, keys, script text) escaped so that they
// cannot move the cursor or recolour the terminal.
func printError(w io.Writer, err error) {
	if err == nil || errors.Is(err, errSilent) || errors.Is(err, errHelp) {
		return
	}
	var lines errorLines
	if !errors.As(err, &lines) {
		lines = errorLines{err.Error()}
	}
	for _, l := range lines {
		fmt.Fprintf(w, "raftplay: %s\n", cluster.EscapeControls(l))
	}
}

// isSubcommand reports whether word names a subcommand.
func isSubcommand(word string) bool {
	switch word {
	case "script", "bench", "wal", "experiment", "chaos", "learn", "replay", "help":
		return true
	}
	return false
}

// run is the whole program with its inputs made explicit, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runDashboard(ctx, args, stdout, stderr)
	}
	switch args[0] {
	case "script":
		return runScript(ctx, args[1:], stdin, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "wal":
		return runWAL(ctx, args[1:], stdout, stderr)
	case "experiment":
		return runExperiment(ctx, args[1:], stdout, stderr)
	case "chaos":
		return runChaos(ctx, args[1:], stdout, stderr)
	case "learn":
		return runLearn(ctx, args[1:], stdout, stderr)
	case "replay":
		return runReplay(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		return runHelp(args[1:], stdout)
	}
	if len(args[0]) > 0 && args[0][0] == '-' {
		return runDashboard(ctx, args, stdout, stderr)
	}
	return usagef("unknown subcommand %q (want script, learn, bench, experiment, chaos, replay, wal or help; no subcommand opens the dashboard)", args[0])
}
