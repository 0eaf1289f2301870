package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"raftplay/experiment"
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

// cancelOnDot is a progress writer that cancels the run, as SIGINT does,
// at the first dot (ten trials done).
type cancelOnDot struct {
	lockedBuffer
	cancel context.CancelCauseFunc
}

func (c *cancelOnDot) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(".")) {
		c.cancel(signalError{syscall.SIGINT})
	}
	return c.lockedBuffer.Write(p)
}

// TestInterruptedElectionKeepsItsTrials: an experiment interrupted after
// ten trials has written them to its --csv and --jsonl files (they were
// left empty), says so, and the JSON lines read back.
func TestInterruptedElectionKeepsItsTrials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath, jsonlPath := filepath.Join(dir, "e.csv"), filepath.Join(dir, "e.jsonl")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stderr := &cancelOnDot{cancel: cancel}
	var out bytes.Buffer
	err := run(ctx, []string{"experiment", "election", "--nodes", "3", "--timeouts", "12-24ms", "--trials", "1000", "--seed", "3",
		"--data", t.TempDir(), "--csv", csvPath, "--jsonl", jsonlPath}, nil, &out, stderr)
	if err == nil {
		t.Fatal("the interrupted run succeeded")
	}
	want := "experiment: the run did not finish: 10 trials written to " + csvPath + " and " + jsonlPath + "\nstopped: interrupted by SIGINT\n"
	if got := stderr.String(); !strings.HasSuffix(got, want) {
		t.Errorf("stderr %q, want it to end with %q", got, want)
	}
	b, _ := os.ReadFile(csvPath)
	if rows := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(rows) != 11 || rows[0] != "range,trial,election_ms,write_ms,old_term,new_term,split,timed_out" ||
		!strings.HasPrefix(rows[10], "12-24ms,10,") {
		t.Errorf("--csv holds %d lines, want a header and 10 rows:\n%s", len(rows), b)
	}
	f, err := os.Open(jsonlPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := experiment.ReadElectionJSONL(f)
	if err != nil || rep.Seed != 3 || len(rep.Ranges) != 1 || len(rep.Ranges[0].Trials) != 10 {
		t.Errorf("--jsonl reads back as %+v, %v; want seed 3 and 10 trials of one range", rep, err)
	}
}

// TestElectionRefusesADelayThatCannotElect: a one-way delay whose round
// trip is no shorter than a range's longest timeout is refused at once,
// exit 2 (the run waited 45 s for a leader, then failed with no table);
// one just under it is taken.
func TestElectionRefusesADelayThatCannotElect(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "", "experiment", "election", "--timeouts", "25-50ms", "--delay", "1s")
	want := "raftplay: --delay 1s: a vote's round trip (2 × 1s = 2s) is no shorter than the longest timeout of range 25-50ms: a candidate's timer fires again before its votes come back, so no leader is ever elected; want a delay under 25ms, or longer timeouts\n"
	if code != 2 || errs != want || out != "" {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, want)
	}
	ranges, _ := experiment.ParseRanges("150-300ms,12-24ms")
	if err := experiment.CheckDelay(12*time.Millisecond, ranges); err == nil || !strings.Contains(err.Error(), "range 12-24ms") {
		t.Errorf("12ms: %v", err)
	}
	if err := experiment.CheckDelay(12*time.Millisecond-1, ranges); err != nil {
		t.Errorf("just under 12ms: %v", err)
	}
}

// experiment election on a --data directory an earlier run used is
// refused before anything runs, as chaos refuses one: its ranges' trials
// went on from the old clusters' terms and logs, and with another --nodes
// the run failed, exit 1, suggesting an --allow-failed it does not take.
func TestElectionRefusesAUsedData(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	args := []string{"experiment", "election", "--nodes", "3", "--trials", "1", "--timeouts", "25-50ms", "--data", data}
	if code, out, errs := runCLI(t, "", args...); code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	csv := filepath.Join(t.TempDir(), "e.csv")
	if err := os.WriteFile(csv, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, nodes := range []string{"3", "5"} {
		code, _, errs := runCLI(t, "", append(args, "--nodes", nodes, "--csv", csv)...)
		if want := "holds an earlier run's cluster of 3 nodes in range-1"; code != 2 || !strings.Contains(errs, want) || strings.Contains(errs, "allow-failed") {
			t.Errorf("--nodes %s on a used --data: exit %d, %q; want 2 and %q", nodes, code, errs, want)
		}
	}
	if b, _ := os.ReadFile(csv); string(b) != "kept\n" {
		t.Errorf("a refused run replaced --csv: %q", b)
	}
}

// TestScriptAndReplayFromAFIFOStopOnSignal: script FILE and replay FILE
// opening a named pipe no one writes to (raftplay script <(generate), the
// generator stuck) stop on a signal, as --from does; they waited for ever,
// and SIGINT and SIGTERM did nothing.
func TestScriptAndReplayFromAFIFOStopOnSignal(t *testing.T) {
	for _, args := range [][]string{{"script", "--json"}, {"replay", "--to-script", "-"}} {
		fifo := filepath.Join(t.TempDir(), "in")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no FIFO here: ", err)
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(signalError{syscall.SIGTERM})
		var out, errb bytes.Buffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, append(args, fifo), nil, &out, &errb) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.Cause(ctx)) {
				t.Errorf("%q: err %v, want the signal", args, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%q: still waiting for the FIFO 10 s after the signal", args)
		}
		// Let the reader that is still waiting go.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}
}

// TestChaosRecheckFromAFIFOStopsOnSignal: chaos --recheck whose
// history.json is a named pipe no one writes to stops on a signal; it
// waited for ever.
func TestChaosRecheckFromAFIFOStopsOnSignal(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "history.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here: ", err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(signalError{syscall.SIGINT})
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"chaos", "--recheck", dir}, nil, &out, &errb) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Cause(ctx)) {
			t.Errorf("err %v, want the signal", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("still waiting for the FIFO 10 s after the signal")
	}
	// Let the reader that is still waiting go.
	if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
}

// TestOutputToAFIFOWithNoReaderIsRefused: an output (--trace, --log,
// --record, --to-script) that is a named pipe no one reads is refused at
// once, saying so; opening it waited for a reader, and a signal did not end
// the wait. A pipe with a reader gets the whole output (--record is opened
// once: a check that opened and closed it first ended the reader's read).
func TestOutputToAFIFOWithNoReaderIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here: ", err)
	}
	script := filepath.Join(dir, "s.txt")
	if err := os.WriteFile(script, []byte("put a 1\nexpect get a == 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "r.rec")
	if code, _, errs := runCLI(t, "", "script", "--nodes", "1", "--record", rec, script); code != 0 {
		t.Fatalf("recording: exit %d: %s", code, errs)
	}
	const want = "it is a named pipe no one is reading from (start its reader first)"
	for _, args := range [][]string{
		{"script", "--nodes", "1", "--trace", fifo, script},
		{"script", "--nodes", "1", "--log", fifo, script},
		{"script", "--nodes", "1", "--record", fifo, script},
		{"replay", rec, "--to-script", fifo},
		// These start recording once their cluster runs, and learned only
		// then (chaos at the end of its run, as a nemesis error).
		{"bench", "--duration", "1s", "--record", fifo},
		{"chaos", "--duration", "1s", "--record", fifo},
		{"experiment", "election", "--trials", "2", "--timeouts", "25-50ms", "--record", fifo},
		{"learn", "1", "--headless", "--record", fifo},
	} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			// Exit 2: refused before anything ran.
			if code, _, errs := runCLI(t, "", args...); code != 2 || !strings.Contains(errs, fifo+": ") || !strings.Contains(errs, want) {
				t.Errorf("%q: exit %d, %q; want exit 2 and an error naming the pipe and %q", args, code, errs, want)
			}
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%q: still waiting for a reader after 30 s", args)
		}
	}

	// With a reader, the recording arrives whole. The reader opens first
	// (not waiting for a writer); the recording of one put fits in the
	// pipe's buffer, read once the run is over.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if code, _, errs := runCLI(t, "", "script", "--nodes", "1", "--record", fifo, script); code != 0 {
		t.Fatalf("--record to a pipe with a reader: exit %d: %s", code, errs)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	got := filepath.Join(dir, "got.rec")
	if err := os.WriteFile(got, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "", "replay", got, "--to-script", "-"); code != 0 || !strings.Contains(out, "put a 1\n") {
		t.Errorf("the recording read from the pipe (%d bytes): replay exit %d, %q, %q", len(b), code, out, errs)
	}
}

// TestTraceToAPipeNotReadStopsOnSignal: a --trace pipe whose reader has
// stopped reading (its buffer full) holds the run's writes; a signal ends
// the run anyway. It waited, the signal ignored, until the reader read.
func TestTraceToAPipeNotReadStopsOnSignal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo, r := idleFIFO(t, dir, "trace")
	var script strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&script, "put k%d v\n", i)
	}
	file := filepath.Join(dir, "s.txt")
	if err := os.WriteFile(file, []byte(script.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run's own trace writes fill the pipe (a byte of the test's every
	// 10 ms besides), and wait.
	signalEndsRun(t, r, fifo, 10*time.Millisecond, "script", "--nodes", "3", "--trace", fifo, file)
}

// TestOutputPipeReadAfterSignalGetsTheRest: after a signal, a --trace,
// --log, --csv or --jsonl pipe whose reader goes on reading still gets what
// the run writes while it ends (the --log's last lines, the trace's tail),
// and no error is made up. Writes failed at once with "i/o timeout" from the
// signal on, even with the reader reading: the rest of the output was lost
// and the run's end said a timeout that no one had.
func TestOutputPipeReadAfterSignalGetsTheRest(t *testing.T) {
	t.Parallel()
	fifo, r := idleFIFO(t, t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	o, err := createOut(ctx, "--log", fifo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(o, "before\n"); err != nil {
		t.Fatal(err)
	}
	cancel() // the signal
	// Wait for its AfterFunc, so that the write below meets the deadline it
	// set (the bug showed only then).
	for !o.interrupted.Load() {
		runtime.Gosched()
	}
	if _, err := io.WriteString(o, "after\n"); err != nil {
		t.Errorf("write after the signal to a pipe with room and a reader: %v", err)
	}
	if err := o.close(); err != nil {
		t.Errorf("close: %v", err)
	}
	b, _ := io.ReadAll(r)
	if string(b) != "before\nafter\n" {
		t.Errorf("the reader got %q, want before and after", b)
	}
}

// TestOutputPipeNotReadAfterSignalSaysSo: a pipe whose reader stopped
// reading holds a write after a signal only for outputGrace, and the
// failure says what happened, not "i/o timeout".
func TestOutputPipeNotReadAfterSignalSaysSo(t *testing.T) {
	t.Parallel()
	fifo, r := idleFIFO(t, t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	o, err := createOut(ctx, "--trace", fifo)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan error, 1)
	go func() {
		big := bytes.Repeat([]byte("x"), 1<<20) // more than a pipe holds
		_, err := o.Write(big)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a megabyte went into a pipe no one reads")
		}
	case <-time.After(30 * time.Second):
		go io.Copy(io.Discard, r)
		t.Fatal("the write still waits 30 s after the signal")
	}
	err = o.close()
	if err == nil || strings.Contains(err.Error(), "i/o timeout") || !strings.Contains(err.Error(), "--trace "+fifo+": ") || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("close: %v; want it to name the output and say the reader took nothing after the run was interrupted", err)
	}
}

// TestRecordToAPipeNotReadStopsOnSignal: a --record pipe whose reader has
// stopped reading holds the recorder's writes; a signal ends the run anyway
// (it waited until the reader read, as the other outputs did).
func TestRecordToAPipeNotReadStopsOnSignal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo, r := idleFIFO(t, dir, "rec")
	file := filepath.Join(dir, "s.txt")
	if err := os.WriteFile(file, []byte("wait leader\nload 200\nsleep 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	signalEndsRun(t, r, fifo, 0, "script", "--nodes", "3", "--record", fifo, file)
}

// TestRecordOfABenchToAPipeNotReadStopsOnSignal: the runs that start
// recording themselves (bench, chaos, experiment) end on a signal too with
// a --record pipe whose reader stopped reading; bench waited for the reader
// for ever, the signal ignored.
func TestRecordOfABenchToAPipeNotReadStopsOnSignal(t *testing.T) {
	t.Parallel()
	fifo, r := idleFIFO(t, t.TempDir(), "rec")
	signalEndsRun(t, r, fifo, 0, "bench", "--quiet", "--clients", "4", "--duration", "1m", "--record", fifo)
}

// idleFIFO makes the named pipe dir/name and opens it for reading without
// reading: a reader that has stopped reading (the test is skipped where
// there are no FIFOs).
func idleFIFO(t *testing.T, dir, name string) (string, *os.File) {
	t.Helper()
	fifo := filepath.Join(dir, name)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here: ", err)
	}
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return fifo, r
}

// signalEndsRun runs raftplay with args, waits until the pipe fifo (read
// by the idle r) is full (fillPipe, at pace), signals the run, and fails
// unless it ends within 20 s.
func signalEndsRun(t *testing.T, r *os.File, fifo string, pace time.Duration, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	done := make(chan error, 1)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, args, nil, &out, &errb)
	}()
	fillPipe(t, fifo, pace, done)
	cancel(signalError{syscall.SIGTERM})
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		go io.Copy(io.Discard, r) // let it go before failing
		t.Fatal("the run still waits for the pipe 20 s after the signal")
	}
}

// fillPipe waits until the named pipe fifo's buffer is full, so that the
// next write of the run (done when it ends) waits: it writes 64 bytes of
// its own every pace until they no longer go in. It needs a reader opened
// already.
func fillPipe(t *testing.T, fifo string, pace time.Duration, done <-chan error) {
	t.Helper()
	probe, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(probe)
	chunk := make([]byte, 64) // a pipe takes a write this short whole or not at all
	for {
		if _, err := syscall.Write(probe, chunk); errors.Is(err, syscall.EAGAIN) {
			return
		} else if err != nil {
			t.Fatalf("probe write: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before the pipe filled", err)
		case <-time.After(pace):
		}
	}
}

// TestRecordStopIntoAPipeEndsTheReadersRead: `record stop` in a script run
// with --record into a named pipe ends the recording, and its reader's
// read with it, as it did before the check held an end of the pipe open:
// held until the run ended, the reader waited out the rest of the script,
// and a later `record start` into the same pipe ran a second recording on
// into the first's stream.
func TestRecordStopIntoAPipeEndsTheReadersRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo, r := idleFIFO(t, dir, "rec")
	script := filepath.Join(dir, "s.txt")
	if err := os.WriteFile(script, []byte("wait leader\nrecord stop\nsleep 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	done := make(chan error, 1)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, []string{"script", "--nodes", "1", "--record", fifo, script}, nil, &out, &errb)
	}()
	// The read ends at the last writer's close. Before the run opens the
	// pipe, a read finds no writer and ends at once: read again until some
	// of the recording came.
	eof := make(chan int, 1)
	go func() {
		n := 0
		buf := make([]byte, 4096)
		for {
			k, err := r.Read(buf)
			n += k
			if errors.Is(err, io.EOF) && n > 0 {
				eof <- n
				return
			}
			if err != nil && !errors.Is(err, io.EOF) {
				eof <- -1
				return
			}
			if k == 0 {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	select {
	case n := <-eof:
		if n <= 0 {
			t.Fatalf("reading the pipe failed")
		}
	case err := <-done:
		t.Fatalf("the run ended (%v) before the reader saw the recording end", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the reader still reads 20 s after the script ran record stop (the run holds the pipe open until it ends)")
	}
	cancel(signalError{syscall.SIGTERM})
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end on a signal")
	}
}
