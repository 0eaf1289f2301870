package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
)

// lockedWriter serializes writes from the event streamer and the script.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// scriptFlagSet returns the flag set of `raftplay script`, its usage
// written to w.
func scriptFlagSet(w io.Writer) (fs *flag.FlagSet, cf *clusterFlags, jsonOut *bool, logFile, trace, rec *string) {
	fs = newFlagSet("script", w)
	cf = addClusterFlags(fs, 5, cluster.PaperTiming)
	jsonOut = fs.Bool("json", false, "write JSON lines to stdout: one per node with its addresses, then events and results, and a last type end line that says how the run ended (with the count of safety violations the monitor saw, if any)")
	logFile = fs.String("log", "", "write every event and every command line run, as text, to this `FILE` (replaced if it exists)")
	trace = addTraceFlag(fs)
	rec = addRecordFlag(fs, "the run")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay script [flags] FILE   (FILE - reads standard input)")
		fmt.Fprintln(fs.Output(), "Runs a script of commands (`raftplay help` lists them) against a fresh cluster.")
		fmt.Fprintln(fs.Output(), "Exit 1 at the first failed check, 2 if the script does not parse (nothing runs then).")
		fmt.Fprintln(fs.Output(), "A \"# flags: --nodes 3\" line in the comments FILE begins with sets cluster flags the command line does not.")
		fs.PrintDefaults()
	}
	return fs, cf, jsonOut, logFile, trace, rec
}

func runScript(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	helpOut := stdout // -h as help prints it, for a pipe (raftplay script -h | grep log)
	if asksJSON(args) {
		helpOut = stderr // standard output carries JSON lines alone
	}
	fs, cf, jsonOut, logPath, tracePath, recPath := scriptFlagSet(helpOut)
	perr := parseFlags(fs, args)
	file, noFile := "", true
	if perr == nil && fs.NArg() > 0 {
		// Flags may follow FILE too: parsed before the end record is
		// decided on, as a bad one there left none (script f --json --bogus).
		file, noFile = fs.Arg(0), false
		perr = parseFlags(fs, fs.Args()[1:])
	}
	if errors.Is(perr, errHelp) {
		return perr // no run, and no failed one: no end record ("ok":false beside exit 0)
	}
	ended := false // playHeadless wrote --json's last line
	if *jsonOut || perr != nil && asksJSON(args) {
		// Every --json stream ends with an "end" line, a run that never
		// started too (a bad header, a node that cannot start, lines that
		// do not parse): a CI user's parser found nothing on standard
		// output, or 10 parse errors of 29 and no word of the rest. It
		// says "commands":0, as the README does: none of the script was
		// run (a node that could not start, or a bad --nodes found once
		// the script parsed, said how many it holds, and a bad header 0).
		defer func() {
			if !ended {
				writeEndJSON(ctx, stdout, firstLine(err), 0, 0, 0, 0)
			}
		}()
	}
	if perr != nil {
		return perr
	}
	if noFile {
		return usagef("script: no script file given (want raftplay script [flags] FILE, or - for standard input)")
	}
	if fs.NArg() > 0 {
		return usagef("script: one script file at a time, got also %q", fs.Arg(0))
	}
	outputs := []namedFile{{"--log", *logPath}, {"--trace", *tracePath}, {"--record", *recPath}}
	if err := checkOutputs([]namedFile{{"the script", file}}, outputs); err != nil {
		return err
	}
	if *jsonOut {
		// Its lines went into the JSON stream, breaking records in two
		// (a CI user's --trace /dev/stdout).
		for _, o := range outputs {
			// Not /dev/null (> /dev/null too): nothing reads the records.
			if o.path != "" && sameFile(o.path, "/dev/stdout") && !sameFile(o.path, os.DevNull) {
				return usagef("%s %s: that is standard output, which carries --json's records: choose a file", o.what, cluster.EscapeControls(o.path))
			}
		}
	}
	src, err := readScript(ctx, file, stdin)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if *jsonOut {
			writeJSONLine(stdout, struct {
				Type  string `json:"type"`
				Error string `json:"error"`
			}{"read-error", fmt.Sprintf("script %s: %s", file, commands.PathReason(err))})
		}
		return usagef("script %s: %s", file, commands.PathReason(err))
	}
	name := file
	if file == "-" {
		name = "standard input"
	}
	header, err := applyScriptFlags(fs, cf, name, string(src))
	if err != nil {
		return err
	}
	warnLateFlags(stderr, name, string(src))
	warnOverriddenFlags(stderr, cf, name)
	cmds, err := commands.Parse(string(src), cf.scriptNodes())
	if err == nil {
		for _, c := range cmds {
			if note := c.GluedNote(); note != "" {
				fmt.Fprintf(stderr, "raftplay: warning: %s: line %d: %s\n", cluster.EscapeControls(name), c.Line, cluster.EscapeControls(note))
			}
		}
	}
	if err != nil {
		if *jsonOut {
			writeParseErrorsJSON(stdout, err)
		}
		return parseError(name, err)
	}
	return playHeadless(ctx, headlessRun{name: name, file: file, cmds: cmds, cf: cf, json: *jsonOut, logPath: *logPath, tracePath: *tracePath, recPath: *recPath,
		hint: runHint(string(src), fs), header: header, ended: &ended}, stdout, stderr)
}

// asksJSON reports whether args ask for --json, for a flag error that
// stopped the parse before it got there or before it set it (--bogus, or
// --nodes x, left no end record: a CI user's parser found nothing).
func asksJSON(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "json" {
			if b, err := strconv.ParseBool(val); !hasVal || err == nil && b {
				return true
			}
		}
	}
	return false
}

// firstLine is err with only the first line of its message (errorLines
// say more on the lines after it), or nil.
func firstLine(err error) error {
	if err == nil {
		return nil
	}
	if first, _, ok := strings.Cut(err.Error(), "\n"); ok {
		return errors.New(strings.TrimSuffix(first, ":"))
	}
	return err
}

// parseError is the usage error for script name's lines that do not
// parse (commands.Parse, one line each): "NAME: line 3: column 7: ...", or, for
// several, how many and each on a line of its own.
func parseError(name string, err error) error {
	var pe *commands.ParseErrors
	if !errors.As(err, &pe) {
		return usagef("%s: %v", name, err)
	}
	more := ""
	if pe.Total > len(pe.Errs) {
		more = fmt.Sprintf(" (the first %d shown)", len(pe.Errs))
	}
	out := errorLines{fmt.Sprintf("%s: %d lines do not parse%s:", name, pe.Total, more)}
	for _, e := range pe.Errs {
		out = append(out, "  "+e.Error())
	}
	return usageError{out}
}

// writeParseErrorsJSON writes, for --json, one line on w per line of the
// script that does not parse: {"type":"parse-error","line":2,"column":8,
// "error":"..."} (nothing ran: the text on standard error says so too).
func writeParseErrorsJSON(w io.Writer, err error) {
	var pe *commands.ParseErrors
	errs := []error{err}
	if errors.As(err, &pe) {
		errs = pe.Errs
	}
	for _, e := range errs {
		line := struct {
			Type   string `json:"type"`
			Line   int    `json:"line,omitempty"`
			Column int    `json:"column,omitempty"`
			Error  string `json:"error"`
		}{Type: "parse-error", Error: e.Error()}
		var one *commands.ParseError
		if errors.As(e, &one) {
			line.Line, line.Column, line.Error = one.Line, one.Col, one.Msg
		}
		writeJSONLine(w, line)
	}
}

// runHint returns the script's own "# Run:" line when it names flags this
// run was not given: a script written for 3 nodes failed on the default 5
// with nothing pointing at the comment that said so. "" otherwise.
func runHint(src string, fs *flag.FlagSet) string {
	for line := range strings.Lines(src) {
		run, ok := strings.CutPrefix(strings.TrimSpace(line), "# Run:")
		if !ok {
			continue
		}
		run = strings.TrimSpace(run)
		for _, tok := range strings.Fields(run) {
			name, ok := strings.CutPrefix(tok, "--")
			if name, _, _ = strings.Cut(name, "="); ok && !flagSet(fs, name) {
				return run
			}
		}
		return ""
	}
	return ""
}

// headlessRun is a parsed script to run headless, and how.
type headlessRun struct {
	name               string // the script, as messages name it
	file               string // the script's file ("" for none, - for standard input)
	cmds               []commands.Command
	cf                 *clusterFlags
	json               bool   // --json
	logPath, tracePath string // --log, --trace ("" for none)
	recPath            string // --record ("" for none)
	hint               string // the script's "# Run:" line, when this run lacks flags it names
	header             string // the flags the script's "# flags:" line set ("--nodes=3"), "" for none
	ended              *bool  // set once --json's last line is written (nil: not asked)
}

// playHeadless starts a cluster by h.cf and runs h's commands against it,
// as `raftplay script` does: results on stdout, exit 1 at the first failed
// check.
func playHeadless(ctx context.Context, h headlessRun, stdout, stderr io.Writer) error {
	cf := h.cf
	if err := outsideData(cf.data, namedFile{"--log", h.logPath}, namedFile{"--trace", h.tracePath}, namedFile{"--record", h.recPath}); err != nil {
		return err
	}
	opts, cleanup, err := cf.options(stderr)
	if err != nil {
		return err
	}
	defer cleanup()

	logFile, err := createOut(ctx, "--log", h.logPath)
	if err != nil {
		return err
	}
	defer logFile.close()
	traceFile, err := createTrace(ctx, h.tracePath)
	if err != nil {
		return err
	}
	defer traceFile.close()
	unmakeRec, doneRec, err := checkRecordFile(h.recPath)
	if err != nil {
		return err
	}
	defer doneRec()

	out := &lockedWriter{w: stdout}
	c, err := cluster.Start(opts)
	if err != nil {
		unmakeRec()
		return startError(err, cf)
	}
	if len(h.cmds) == 0 {
		// Run as asked (the cluster starts and stops: a --data directory
		// is opened and checked), but not in silence: an empty file is
		// more often a mistake than a test. Said once the flags and the
		// start are known good, so that their error stays the one line.
		fmt.Fprintf(stderr, "raftplay: warning: script %s holds no commands (only blank lines and comments): the cluster started and stops\n", cluster.EscapeControls(h.name))
	}
	stopTrace := streamTrace(c, traceFile)
	defer stopTrace()
	rec, err := newRecording(ctx, c, opts, "script "+h.name, h.recPath,
		namedFile{"the script", h.file}, namedFile{"the --log file", h.logPath}, namedFile{"the --trace file", h.tracePath})
	if err != nil {
		c.Close()
		return err
	}
	doneRec() // the recording holds its own end of a pipe: record stop's close ends the reader's read
	// The flags the script's header set, said first: on standard error
	// with --json, whose standard output holds JSON lines only (the
	// notice went nowhere).
	if hdr := h.header; hdr != "" {
		// A --data cluster kept its size (resolveNodes said so).
		if want := fmt.Sprintf("--nodes=%d", cf.nodes); cf.header["nodes"] && !strings.Contains(" "+hdr+" ", " "+want+" ") {
			hdr = strings.TrimSpace(regexp.MustCompile(`--nodes=\d+ ?`).ReplaceAllString(hdr, ""))
		}
		if hdr != "" && h.json {
			fmt.Fprintf(stderr, "raftplay: flags from the script's header: %s\n", hdr)
		} else if hdr != "" {
			fmt.Fprintf(out, "flags from the script's header: %s\n", hdr)
		}
	}
	stopStream := func() {}
	if h.json {
		printNodesJSON(out, c.Status(), c.Found)
		seed := struct {
			Type string `json:"type"`
			Seed uint64 `json:"seed"`
			// A --keep run's temporary directory, told only on standard
			// error at exit otherwise, out of a CI job's reach.
			Kept string `json:"kept,omitempty"`
		}{Type: "seed", Seed: opts.Seed}
		if cf.keep && cf.data == "" {
			seed.Kept = opts.DataDir
		}
		writeJSONLine(out, seed)
		stopStream = streamEvents(c.Events(), func(e cluster.Event) {
			writeJSONLine(out, struct {
				Type string `json:"type"`
				cluster.Event
			}{"event", e})
		})
	} else {
		printNodes(out, c.Status(), c.Found)
		printStartErrors(out, c.Events())
		fmt.Fprintf(out, "seed %d (--seed %d draws the same election timeouts again)\n", opts.Seed, opts.Seed)
	}
	onCommand := func(*commands.Command) {}
	stopLog := func() {}
	if logFile != nil {
		// Command lines go through the event log, so the file has them in
		// order with the events they cause.
		stopLog = streamEvents(c.Events(), func(e cluster.Event) { fmt.Fprintln(logFile, e.String()) })
		defer stopLog()
		onCommand = func(cmd *commands.Command) {
			c.Events().Add(cluster.Event{Kind: cluster.EventCommand, Text: fmt.Sprintf("> line %d: %s", cmd.Line, cluster.EscapeControls(cmd.Text))})
		}
	}
	// For --json's last line: how many commands passed, and the line of
	// the one that failed or was cut short.
	begun, passed, stopLine := 0, 0, 0
	// What the script's lines checked of the invariant monitor: a run whose
	// monitor saw a violation no line checked says so at its end. A line
	// expecting violations checks them all (the scenario is about them);
	// an expect safe only those seen when it ran: none when it passed (one
	// early in a script silenced the warning of a power failure after it).
	expectsViolation, checkedUpTo, safeLine := false, 0, 0
	onDone := func(cmd *commands.Command, err error) {
		if err == nil {
			passed++
		}
		switch {
		case !checksMonitor(cmd):
		case cmd.Verb == commands.VerbExpect && cmd.What == commands.ExpectSafe:
			checkedUpTo, safeLine = 0, cmd.Line
			if err != nil {
				checkedUpTo = c.ViolationCount() // its failure told of them
			}
		default:
			expectsViolation = true
		}
	}
	track := func(cmd *commands.Command) { begun, stopLine = begun+1, cmd.Line; onCommand(cmd) }
	// `save` in a script writes the lines run before it.
	runner := commands.NewRunner(c, rec.runnerOptions(commands.RunnerOptions{History: commands.NewHistory(c.Size(), cf.sessionFlags(opts.Seed))}))
	err = commands.RunScript(ctx, runner, h.cmds, commands.ScriptOptions{Out: out, JSON: h.json, OnCommand: track, OnDone: onDone})
	// What the user asked to be written and was not is a failure too: a
	// full disk lost the log or the trace silently. After a failed check
	// it is told as well (lost): the failure alone hid it.
	var lost []error
	outErr := func(oerr error) {
		switch {
		case oerr == nil:
		case err == nil:
			err = oerr
		default:
			lost = append(lost, oerr)
		}
	}
	outErr(rec.close(stderr))
	violations, seen := c.ViolationCount(), c.Violations()
	c.Close()
	stopStream()
	stopLog()
	for _, closeOut := range []func() error{stopTrace, logFile.close} {
		outErr(closeOut())
	}
	// --json's last line, once nothing can fail any more: written before
	// the --log and --trace files were closed, it said "ok":true of a run
	// that then failed on their lost writes (exit 1).
	if h.json {
		switch {
		case begun > passed: // the last begun failed or was cut short
		case err != nil && passed < len(h.cmds):
			stopLine = h.cmds[passed].Line // stopped before it began
		default:
			stopLine = 0 // every command passed (what failed came after)
		}
		endErr := err
		var failed *commands.Failure
		if errors.As(err, &failed) {
			// As a parse error's does, the end record names the script:
			// a CI log gathering the ends of several runs could not tell
			// which one "line 3" was of.
			endErr = fmt.Errorf("%s: %w", h.name, err)
		}
		for _, l := range lost {
			endErr = fmt.Errorf("%w; also %v", endErr, l)
		}
		writeEndJSON(ctx, out, endErr, len(h.cmds), passed, stopLine, violations)
		if h.ended != nil {
			*h.ended = true
		}
	}
	for _, l := range lost {
		printError(stderr, l) // the failure, returned, is told after
	}
	if violations > checkedUpTo && !expectsViolation {
		// The script's checks passed (or one failed for another cause)
		// while the monitor saw Raft's safety broken: said, not silent
		// beside exit 0 and "ok":true.
		first := ""
		if len(seen) > 0 {
			first = fmt.Sprintf("; the first: %s: %s", seen[0].Rule, seen[0].Text)
		}
		after := ""
		if safeLine > 0 {
			after = fmt.Sprintf(" after its expect safe at line %d", safeLine)
		}
		fmt.Fprintf(stderr, "raftplay: warning: the invariant monitor saw %s of Raft's safety, and no line of script %s checked for one%s (expect safe fails on them; expect violation, for a scenario whose point they are, expects them)%s\n",
			plural(violations, "violation"), cluster.EscapeControls(h.name), after, cluster.EscapeControls(first))
	}
	var f *commands.Failure
	if errors.As(err, &f) {
		// Printed with the results already; standard error says it too,
		// as every failure of raftplay does.
		if h.hint != "" {
			return fmt.Errorf("script %s stopped at %v (its header says to run it as: %s)", h.name, f, h.hint)
		}
		return fmt.Errorf("script %s stopped at %v", h.name, f)
	}
	return err
}

// writeEndJSON writes --json's last line, which says how the run ended,
// so that a reader of the stream can tell a whole run from one cut short
// (a signal, a CI job's time limit): {"type":"end","ok":true,"commands":
// 5,"passed":5}, with the line it stopped at (0 for none) and why when not
// ok.
func writeEndJSON(ctx context.Context, w io.Writer, err error, commands, passed, line, violations int) {
	end := struct {
		Type        string `json:"type"`
		OK          bool   `json:"ok"`
		Commands    int    `json:"commands"` // in the script (0: the run never started)
		Passed      int    `json:"passed"`   // run to their end without failing
		Line        int    `json:"line,omitempty"`
		Error       string `json:"error,omitempty"`
		Interrupted string `json:"interrupted,omitempty"`
		// Violations is how many safety violations the invariant monitor
		// saw in the run: "ok" is about the script's checks, and a run
		// whose script never said expect safe could end ok beside them.
		Violations int `json:"violations,omitempty"`
	}{Type: "end", OK: err == nil, Commands: commands, Passed: passed, Violations: violations}
	if err != nil {
		end.Line = line
		if ctx.Err() != nil {
			end.Interrupted = context.Cause(ctx).Error()
		} else {
			end.Error = cluster.EscapeControls(err.Error())
		}
	}
	writeJSONLine(w, end)
}

// maxScriptBytes bounds a script: the whole of it is read and checked
// before anything runs, so an endless input (yes | raftplay script -) is
// refused at this size rather than read until memory runs out.
const maxScriptBytes = 64 << 20

// readScript reads the script FILE, or standard input for "-". Reading a
// terminal or a pipe can block for ever, and so can opening a named pipe
// (raftplay script <(generate), or a FIFO no one writes to: a signal did
// not stop it): it gives up when ctx ends.
func readScript(ctx context.Context, file string, stdin io.Reader) ([]byte, error) {
	read := func(r io.Reader, what string) ([]byte, error) {
		src, err := io.ReadAll(io.LimitReader(r, maxScriptBytes+1))
		if err == nil && len(src) > maxScriptBytes {
			return nil, fmt.Errorf("%s holds more than %d MiB: too large for a script (a script is read whole before it runs; is something else piped in?)", what, maxScriptBytes>>20)
		}
		return src, err
	}
	var src []byte // written by the reader; read only once it is done
	if err := untilDone(ctx, 0, func() (err error) {
		if file == "-" {
			src, err = read(stdin, "standard input")
			return err
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		src, err = read(f, file)
		return err
	}); err != nil {
		return nil, err
	}
	return src, nil
}

// printNodes prints each node's addresses, and what its files held when
// they held something (found): a second run on a --data directory said
// nothing of what it found there.
func printNodes(w io.Writer, s cluster.Status, found func(id uint64) string) {
	for _, n := range s.Nodes {
		if n.State == cluster.StateRemoved {
			fmt.Fprintf(w, "node %d: not a member (removed, or added by an add cut short before it joined): not started\n", n.ID)
			continue
		}
		if n.State == cluster.StateFailed { // --allow-failed: its cause is told next
			fmt.Fprintf(w, "node %d: FAILED, not started\n", n.ID)
			continue
		}
		fmt.Fprintf(w, "node %d: raft %s http %s", n.ID, n.RaftAddr, n.HTTPAddr)
		if f := found(n.ID); f != "" {
			fmt.Fprintf(w, " (from its files: %s)", f)
		}
		fmt.Fprintln(w)
	}
}

// printStartErrors prints what went wrong as the nodes started and did not
// stop them (a torn tail cut off a WAL): without --log or --json a
// headless run said nothing of it.
func printStartErrors(w io.Writer, log *cluster.EventLog) {
	evs, _, _ := log.Since(1)
	for _, e := range evs {
		switch {
		case e.Kind == cluster.EventError && e.Node != 0:
			fmt.Fprintf(w, "node %d: %s\n", e.Node, strings.TrimPrefix(e.Text, fmt.Sprintf("%d ", e.Node)))
		case e.Kind == cluster.EventError:
			fmt.Fprintf(w, "warning: %s\n", e.Text)
		}
	}
}

// printNodesJSON is printNodes for --json: each node's state, and its
// addresses and what its files held when it runs (a removed node's line
// had empty addresses and no state, and none said what its files held).
func printNodesJSON(w io.Writer, s cluster.Status, found func(id uint64) string) {
	// A struct, so "type" comes first as in every other record (a map
	// put it last, which broke a CI's prefix check).
	type nodeLine struct {
		Type  string            `json:"type"`
		ID    uint64            `json:"id"`
		State cluster.NodeState `json:"state"`
		Raft  string            `json:"raft,omitempty"`
		HTTP  string            `json:"http,omitempty"`
		Found string            `json:"found,omitempty"`
		Error string            `json:"error,omitempty"`
	}
	for _, n := range s.Nodes {
		line := nodeLine{Type: "node", ID: n.ID, State: n.State}
		switch n.State {
		case cluster.StateFailed:
			line.Error = n.Err
		case cluster.StateRemoved:
		default:
			line.Raft, line.HTTP, line.Found = n.RaftAddr, n.HTTPAddr, found(n.ID)
		}
		writeJSONLine(w, line)
	}
}

func writeJSONLine(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	w.Write(append(b, '\n'))
}

// streamEvents calls fn, from its own goroutine and in order, for every
// event the log holds and every event after, and reports how many it missed.
// The returned function stops it after the events recorded so far are
// delivered.
func streamEvents(log *cluster.EventLog, fn func(cluster.Event)) (stop func()) {
	next := uint64(1)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			wake := log.Wait()
			evs, n, dropped := log.Since(next)
			next = n
			if dropped > 0 {
				fn(cluster.Event{Time: time.Now(), Kind: cluster.EventError, Text: fmt.Sprintf("(%d events dropped)", dropped)})
			}
			for _, e := range evs {
				fn(e)
			}
			select {
			case <-wake:
			case <-done:
				evs, _, _ := log.Since(next)
				for _, e := range evs {
					fn(e)
				}
				return
			}
		}
	}()
	return func() {
		select {
		case <-done:
		default:
			close(done)
		}
		<-finished
	}
}

// checksMonitor: cmd looks at the invariant monitor (expect safe, expect
// violation, wait violation).
func checksMonitor(cmd *commands.Command) bool {
	switch cmd.Verb {
	case commands.VerbExpect:
		return cmd.What == commands.ExpectSafe || cmd.What == commands.ExpectViolation
	case commands.VerbWait:
		return cmd.What == commands.WaitViolation
	}
	return false
}
