package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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

func runScript(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("script", stderr)
	cf := addClusterFlags(fs, 5, cluster.PaperTiming)
	jsonOut := fs.Bool("json", false, "write JSON lines to stdout: one per node with its addresses, then events and results")
	trace := fs.String("trace", "", "write every event and every command line run, as text, to this file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raftplay script [flags] FILE   (FILE - reads standard input)")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return usagef("script: no script file given")
	}
	file := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil { // flags may follow FILE too
		return err
	}
	if fs.NArg() > 0 {
		return usagef("script: one script file at a time, got also %q", fs.Arg(0))
	}
	src, err := readScript(file, stdin)
	if err != nil {
		return usagef("script: %v", err)
	}
	cmds, err := commands.Parse(string(src), cf.nodes)
	if err != nil {
		return usagef("%s: %v", file, err)
	}
	opts, cleanup, err := cf.options(stderr)
	if err != nil {
		return err
	}
	defer cleanup()

	out := &lockedWriter{w: stdout}
	c, err := cluster.Start(opts)
	if err != nil {
		return err
	}
	stopStream := func() {}
	if *jsonOut {
		printNodesJSON(out, c.Status())
		stopStream = streamEvents(c.Events(), func(e cluster.Event) {
			writeJSONLine(out, struct {
				Type string `json:"type"`
				cluster.Event
			}{"event", e})
		})
	} else {
		printNodes(out, c.Status())
	}
	var traceFile *os.File
	onCommand := func(*commands.Command) {}
	if *trace != "" {
		if traceFile, err = os.Create(*trace); err != nil {
			c.Close()
			stopStream()
			return usagef("--trace: %v", err)
		}
		tw := &lockedWriter{w: traceFile}
		stopTrace := streamEvents(c.Events(), func(e cluster.Event) { fmt.Fprintln(tw, e.String()) })
		defer func() { stopTrace(); traceFile.Close() }()
		onCommand = func(cmd *commands.Command) {
			fmt.Fprintf(tw, "%s > line %d: %s\n", time.Now().Format("15:04:05.000"), cmd.Line, cmd.Text)
		}
	}
	runner := commands.NewRunner(c)
	err = commands.RunScript(ctx, runner, cmds, commands.ScriptOptions{Out: out, JSON: *jsonOut, OnCommand: onCommand})
	c.Close()
	stopStream()
	var f *commands.Failure
	if errors.As(err, &f) {
		return errSilent // already printed where the results go
	}
	return err
}

func readScript(file string, stdin io.Reader) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(file)
}

func printNodes(w io.Writer, s cluster.Status) {
	for _, n := range s.Nodes {
		fmt.Fprintf(w, "node %d: raft %s http %s\n", n.ID, n.RaftAddr, n.HTTPAddr)
	}
}

func printNodesJSON(w io.Writer, s cluster.Status) {
	for _, n := range s.Nodes {
		writeJSONLine(w, map[string]any{"type": "node", "id": n.ID, "raft": n.RaftAddr, "http": n.HTTPAddr})
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
