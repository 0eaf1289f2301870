// Command raftplay runs a real Raft cluster on this machine and lets you
// watch it and break it: a live dashboard, headless scripts, and benchmarks.
// Run `raftplay help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, errSilent) && !errors.Is(err, errHelp) {
		fmt.Fprintln(os.Stderr, "raftplay:", err)
	}
	os.Exit(exitCode(err))
}

// usageError is a bad flag, argument or script line: exit status 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errSilent marks a failure already reported to the user: exit 1 (or 2
// when wrapped in a usageError), print nothing more.
var errSilent = errors.New("failure reported above")

// errHelp is a request for a subcommand's usage (-h), already printed: exit 0.
var errHelp = errors.New("help requested")

// exitCode maps an error to the process status: 0 ok, 1 a failed check or
// runtime error, 2 a usage or parse error.
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
		return runWAL(args[1:], stdout, stderr)
	case "experiment":
		return runExperiment(ctx, args[1:], stdout, stderr)
	case "chaos":
		return runChaos(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		return runHelp(args[1:], stdout)
	}
	if len(args[0]) > 0 && args[0][0] == '-' {
		return runDashboard(ctx, args, stdout, stderr)
	}
	return usagef("unknown subcommand %q (want script, bench, experiment, chaos, wal or help; no subcommand opens the dashboard)", args[0])
}
