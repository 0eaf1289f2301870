package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunTimeBounds: bench's --duration and --warmup and chaos's --duration
// are at most 24h, refused with exit 2 beyond (their sum overflowed: "about
// -1h34m34s").
func TestRunTimeBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--duration", "2562047h", "--warmup", "2562047h"}, "raftplay: --duration 2562047h0m0s: at most 24h0m0s\n"},
		{[]string{"bench", "--duration", "24h0m1s"}, "raftplay: --duration 24h0m1s: at most 24h0m0s\n"},
		{[]string{"bench", "--warmup", "2562047h"}, "raftplay: --warmup 2562047h0m0s: at most 24h0m0s\n"},
		{[]string{"chaos", "--duration", "2562047h47m16s"}, "raftplay: --duration 2562047h47m16s: at most 24h0m0s\n"},
	} {
		code, out, errs := runCLI(t, "", tc.args...)
		if code != 2 || errs != tc.want || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", strings.Join(tc.args, " "), code, out, errs, tc.want)
		}
	}
	_, f := benchFlagSet(nil)
	f.duration, f.warmup = 24*time.Hour, 24*time.Hour
	if err := f.check(); err != nil {
		t.Errorf("24h: %v", err)
	}
}

// TestInterruptSaysStopped: bench, chaos and experiment interrupted by a
// signal end their standard error with "stopped: interrupted by SIGINT"
// and a newline, as a script says it (they said nothing).
func TestInterruptSaysStopped(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"bench", "--nodes", "1", "--data", t.TempDir()},
		{"chaos", "--nodes", "3", "--out", filepath.Join(t.TempDir(), "out"), "--data", t.TempDir()},
		{"experiment", "election", "--quick", "--nodes", "3", "--data", t.TempDir()},
		{"experiment", "election", "--from", filepath.Join(t.TempDir(), "none.jsonl")},
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(signalError{syscall.SIGINT})
		var out, errb bytes.Buffer
		run(ctx, args, nil, &out, &errb)
		if !strings.HasSuffix(errb.String(), "stopped: interrupted by SIGINT\n") || strings.Count(errb.String(), "stopped:") != 1 {
			t.Errorf("%s: stderr %q, want it to end with the one line \"stopped: interrupted by SIGINT\"", strings.Join(args, " "), errb.String())
		}
	}
}
