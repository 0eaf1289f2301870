package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestElectionFromStopsOnSignal: --from reads a FIFO no one writes to (as
// a file that takes for ever to read, or a plot that once looped for
// good); a signal ends the run all the same.
func TestElectionFromStopsOnSignal(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "trials.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here: ", err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(signalError{syscall.SIGINT})
	var out, errb bytes.Buffer
	err := run(ctx, []string{"experiment", "election", "--from", fifo}, nil, &out, &errb)
	if !errors.Is(err, context.Cause(ctx)) {
		t.Errorf("err %v, want the signal", err)
	}
	// Let the reader that is still waiting go.
	if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		w.Close()
	}
}
