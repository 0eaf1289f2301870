package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/wal"
)

// clusterFlags are the flags every subcommand that starts a cluster shares.
type clusterFlags struct {
	fs          *flag.FlagSet
	nodes       int
	data        string
	keep        bool
	heartbeat   time.Duration
	election    electionRange
	seed        uint64
	prevote     bool
	checkquorum bool
	port        int
	snapEvery   uint64
	allowFailed bool
	header      map[string]bool // the flags a script's "# flags:" line set (applyScriptFlags)
	// overridden says the flags of a script's "# flags:" line that the
	// command line gave other values ("line 4: # flags: --nodes=5, the
	// command line's --nodes=3 wins"), for a warning; "" for none.
	overridden string
}

// electionRange is a flag value of the form MIN-MAX ("150ms-300ms"), parsed
// by the command language's rule (commands.ParseElectionRange) so that
// --election and `set election` accept the same ranges.
type electionRange struct{ min, max time.Duration }

func (r *electionRange) String() string {
	if r == nil || r.min == 0 {
		return ""
	}
	return r.min.String() + "-" + r.max.String()
}

func (r *electionRange) Set(s string) error {
	min, max, err := commands.ParseElectionRange(s)
	if err != nil {
		return err
	}
	r.min, r.max = min, max
	return nil
}

// newFlagSet returns an empty flag set for a subcommand; name is how the
// user calls it ("bench", "experiment election", or "raftplay" for the
// dashboard).
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func addClusterFlags(fs *flag.FlagSet, nodes int, t cluster.Timing) *clusterFlags {
	f := &clusterFlags{fs: fs, election: electionRange{t.ElectionMin, t.ElectionMax}}
	fs.IntVar(&f.nodes, "nodes", nodes, "cluster size `N`, 1 to 9 (a --data directory that holds a cluster keeps its size: a larger N is refused)")
	fs.StringVar(&f.data, "data", "", "data directory `DIR`: node N keeps its files in DIR/node-N (default: a fresh temporary directory, removed at exit)")
	fs.BoolVar(&f.keep, "keep", false, "keep the temporary data directory at exit")
	fs.DurationVar(&f.heartbeat, "heartbeat", t.Heartbeat, "leader heartbeat interval")
	fs.Var(&f.election, "election", "election timeout range `MIN-MAX`, 2ms <= MIN <= MAX")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed `N` for election timers and faults (0: pick one)")
	fs.BoolVar(&f.prevote, "prevote", false, "start with the PreVote extension on")
	fs.BoolVar(&f.checkquorum, "checkquorum", false, "start with the CheckQuorum extension on")
	fs.Uint64Var(&f.snapEvery, "snapshot-every", 0, "snapshot and compact the log every `N` applied entries (0: only on the snapshot command)")
	fs.IntVar(&f.port, "port", 0, "fixed ports from `BASE`: node N uses BASE+2(N-1) for Raft and the next for HTTP; best below 32768, outside the range Linux gives outgoing connections (default: the OS picks)")
	fs.BoolVar(&f.allowFailed, "allow-failed", false, "with --data of an existing cluster: start even if some nodes cannot (a damaged WAL, a busy port, a log gone); they stay down, FAILED with the cause (restart N retries; remove N, then add N, replaces one)")
	return f
}

// parseFlags parses args into fs. The flag package's own messages are
// replaced by one line that names the flag and says what it wants (a usage
// error); -h prints fs's usage and returns errHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == nil:
		return emptyFlag(fs)
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return errHelp
	}
	return usageError{errors.New(flagMessage(fs, err))}
}

// emptyFlag reports the first string flag given an empty value on the
// command line (--data "", say, from an unset shell variable): "" is each
// one's default, and taken silently it ran on a temporary directory, or
// wrote no log, instead of what was asked.
func emptyFlag(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if err != nil || !ok {
			return
		}
		if s, isString := g.Get().(string); !isString || s != "" {
			return
		}
		what, _ := flag.UnquoteUsage(f)
		if what == "string" {
			what = "value"
		}
		err = usagef("--%s: empty value (give a %s, or leave --%s out)", f.Name, what, f.Name)
	})
	return err
}

var (
	reUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	reNoArg     = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	reBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-([A-Za-z0-9_-]+): (.*)$`)
)

// flagMessage rewrites an error of fs.Parse as a sentence for people.
func flagMessage(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	helpCmd := "raftplay help"
	if fs.Name() != "raftplay" {
		helpCmd += " " + strings.Fields(fs.Name())[0]
	}
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		if fs.Name() == "raftplay" { // main prefixes every error with "raftplay:"
			return fmt.Sprintf("unknown flag --%s (`%s` lists the flags)", m[1], helpCmd)
		}
		return fmt.Sprintf("%s: unknown flag --%s (`%s` lists the flags)", fs.Name(), m[1], helpCmd)
	}
	if m := reNoArg.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value (`%s` lists the flags)", m[1], helpCmd)
	}
	m := reBadValue.FindStringSubmatch(msg)
	if m == nil {
		if fs.Name() == "raftplay" {
			return msg
		}
		return fs.Name() + ": " + msg
	}
	quoted, name, reason := m[1], m[2], m[3]
	value := strings.Trim(quoted, `"`)
	switch {
	case reason == "value out of range" && flagBound(fs.Lookup(name), value) != "":
		reason = flagBound(fs.Lookup(name), value)
	case reason == "parse error" || reason == "value out of range":
		reason = "want " + flagKind(fs.Lookup(name))
	}
	if strings.Contains(reason, quoted) {
		return fmt.Sprintf("--%s: %s", name, reason)
	}
	return fmt.Sprintf("--%s %s: %s", name, value, reason)
}

// flagKind says what kind of value a flag takes, for messages.
func flagKind(f *flag.Flag) string {
	if f == nil {
		return "a valid value"
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "a valid value"
	}
	switch g.Get().(type) {
	case bool:
		return "true or false (or the flag alone)"
	case int, int64:
		return "a whole number"
	case uint, uint64:
		return "a whole number, 0 or more"
	case float64:
		return "a number"
	case time.Duration:
		return "a duration like 150ms or 2s"
	}
	return "a valid value"
}

// flagBound says how a whole number out of the range of f's type misses
// it ("" for a flag of another type): the number is whole, only too large
// (or too small) for the flag.
func flagBound(f *flag.Flag, value string) string {
	if f == nil {
		return ""
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case int, int64:
		if strings.HasPrefix(value, "-") {
			return fmt.Sprintf("too small (want a whole number from %d)", math.MinInt64)
		}
		return fmt.Sprintf("too large (want a whole number up to %d)", math.MaxInt64)
	case uint, uint64:
		return fmt.Sprintf("too large (want a whole number up to %d)", uint64(math.MaxUint64))
	}
	return ""
}

// plural returns "1 node", "3 nodes": n and the noun, pluralized with an s.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// pathMessage tells a file system error as "PATH: what went wrong",
// without the name of the system call.
func pathMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

// check reports the first flag whose value no run can use, touching
// nothing on disk: the dashboard checks them before it looks for a terminal.
func (f *clusterFlags) check() error {
	t := cluster.Timing{Heartbeat: f.heartbeat, ElectionMin: f.election.min, ElectionMax: f.election.max}
	switch {
	case f.nodes < 1 || f.nodes > cluster.MaxNodes:
		return usagef("--nodes %d: want 1 to %d", f.nodes, cluster.MaxNodes)
	case f.port != 0 && (f.port < 1024 || f.port+2*f.nodes > 65536):
		return usagef("--port %d: want 1024 to %d for %s (or 0, the default: the system picks free ports)", f.port, 65536-2*f.nodes, plural(f.nodes, "node"))
	case f.heartbeat <= 0:
		return usagef("--heartbeat %v: must be positive", f.heartbeat)
	case f.heartbeat < cluster.MinHeartbeat:
		return usagef("%s", cluster.TooShort("--heartbeat", f.heartbeat, cluster.MinHeartbeat))
	case f.heartbeat >= f.election.min:
		if !flagSet(f.fs, "heartbeat") {
			// --election 12ms-24ms alone was refused naming --heartbeat,
			// a flag the user never gave: its default.
			return usagef("--election %s: the minimum must be longer than the heartbeat (%v, the default): give a shorter --heartbeat too", f.election.String(), f.heartbeat)
		}
		return usagef("--heartbeat %v: must be shorter than the minimum election timeout (--election %s)", f.heartbeat, f.election.String())
	}
	if err := t.Validate(); err != nil {
		return usagef("--heartbeat/--election: %v", strings.TrimPrefix(err.Error(), "cluster: "))
	}
	return nil
}

// options checks the flags and returns cluster options plus a cleanup
// function that removes a temporary data directory unless --keep.
func (f *clusterFlags) options(stderr io.Writer) (cluster.Options, func(), error) {
	t := cluster.Timing{Heartbeat: f.heartbeat, ElectionMin: f.election.min, ElectionMax: f.election.max}
	if err := f.check(); err != nil {
		return cluster.Options{}, nil, err
	}
	if err := f.resolveNodes(stderr); err != nil {
		return cluster.Options{}, nil, err
	}
	opts := cluster.Options{Nodes: f.nodes, Timing: t, Seed: f.seed, PreVote: f.prevote, CheckQuorum: f.checkquorum, DataDir: f.data, BasePort: f.port, SnapshotEvery: f.snapEvery, AllowFailed: f.allowFailed}
	for opts.Seed == 0 {
		// Picked here, not by the cluster, so that a run can say which
		// (a script's output, a recording): a CI failure can then be run
		// again with the same election timers.
		opts.Seed = rand.Uint64() >> 11 // 53 bits: a JSON reader's number holds it exactly
	}
	cleanup := func() {}
	if f.data == "" {
		dir, rm, err := tempDataDir("raftplay-", f.keep, stderr)
		if err != nil {
			return opts, nil, err
		}
		opts.DataDir, cleanup = dir, rm
	} else if err := checkDataDir(f.data); err != nil {
		return opts, nil, usagef("--data %s: %v", f.data, err)
	}
	return opts, cleanup, nil
}

// tempDataDir creates a fresh temporary data directory and returns it with
// the function that removes it (or, with keep, says where it was kept).
// First it removes the temporary directories of runs that died without
// cleaning up (sweepTempDirs).
func tempDataDir(prefix string, keep bool, stderr io.Writer) (string, func(), error) {
	sweepTempDirs(os.TempDir())
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, fmt.Errorf("cannot create a temporary data directory in %s (%s); set TMPDIR, or give --data DIR", os.TempDir(), pathMessage(err))
	}
	var mark *os.File
	if !keep {
		mark = markTemp(dir)
	}
	return dir, func() {
		if keep {
			fmt.Fprintf(stderr, "raftplay: data kept in %s\n", cluster.EscapeControls(dir))
			return
		}
		os.RemoveAll(dir)
		if mark != nil {
			mark.Close()
		}
	}, nil
}

// checkDataDir reports a data directory that cannot be used, before any
// node starts: a file in its place, or no permission to write in it.
func checkDataDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		if st.Mode().IsRegular() {
			return fmt.Errorf("it is a file, not a directory")
		}
		return fmt.Errorf("it is not a directory (%s)", wal.FileKind(st.Mode()))
	}
	if err := cluster.CheckDataDir(dir); err != nil {
		return fmt.Errorf("it %w", err)
	}
	if lst, err := os.Lstat(dir); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			// It said "cannot create it (DIR: file exists)".
			target, _ := os.Readlink(dir)
			return fmt.Errorf("it is a symbolic link to a missing path (%s): create its target, or remove the link", target)
		}
	}
	if err := cluster.MkdirAllDurable(dir); err != nil {
		return fmt.Errorf("cannot create it (%s)", pathMessage(err))
	}
	probe, err := os.CreateTemp(dir, ".raftplay-probe-")
	if err != nil {
		return fmt.Errorf("not writable (%s)", commands.PathReason(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// startError tells why a cluster could not start (or a run on it failed)
// as a sentence: a busy port says which and what to do; other errors lose
// the package prefixes meant for programmers.
// portAdvice is what to do about a port --port named that is in use.
const portAdvice = "pick another --port BASE, or leave --port out to let the system pick free ports"

func startError(err error, cf *clusterFlags) error {
	var none *cluster.NoneStartedError
	if errors.As(err, &none) {
		// --allow-failed, and every node failed: each says why, and
		// nothing says that the flag given would start the others.
		lines := errorLines{"no node could start (so there is no cluster to run, even with --allow-failed):"}
		for _, e := range none.Failed {
			lines = append(lines, e.Error())
		}
		var damaged *wal.CorruptError
		switch {
		case errors.As(err, &damaged) && cf.data != "":
			lines = append(lines, fmt.Sprintf("raftplay wal %s lists each node's damage", cf.data))
		case errors.Is(err, syscall.EADDRINUSE) && cf.port != 0:
			lines = append(lines, portAdvice)
		}
		return lines
	}
	var se *cluster.StartError
	if errors.As(err, &se) { // names the node and the file and offset or the address
		msg := se.Error()
		if errors.Is(err, syscall.EADDRINUSE) && cf.port != 0 {
			msg += "; " + portAdvice
		}
		if cf.data != "" && se.Existing {
			// Not a dead end: the others hold the cluster's data.
			msg += fmt.Sprintf(" (--allow-failed starts the others with node %d down: restart %d retries once it is fixed; remove %d, then add %d, replaces it)", se.Node, se.Node, se.Node, se.Node)
		}
		return errors.New(msg)
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		addr := "a port"
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Addr != nil {
			addr = oe.Addr.String()
		}
		if cf.port != 0 {
			return fmt.Errorf("cannot start the cluster: %s is in use (address already in use); %s", addr, portAdvice)
		}
		return fmt.Errorf("cannot start the cluster: %s is in use (address already in use)", addr)
	}
	msg := err.Error()
	for _, p := range []string{"experiment: ", "cluster: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return errors.New(strings.ReplaceAll(msg, "context deadline exceeded", "timed out"))
}

// addTraceFlag adds --trace FILE to fs.
func addTraceFlag(fs *flag.FlagSet) *string {
	return fs.String("trace", "", "stream the message trace (every message sent, delivered, held, discarded or lost) to this `FILE` as JSON lines (replaced if it exists)")
}

// outFile is an output file the user asked for (--log, --trace, --csv,
// --jsonl). Its writers (a stream of events, the trace's) have no one to
// tell of a failed write, and a full disk lost the output silently: the
// first error is kept, and close reports it, or the close's own, naming
// the flag and the file.
type outFile struct {
	flag string
	f    *os.File

	// interrupted: ctx ended (a signal); each write may then wait for a
	// pipe's reader only outputGrace.
	interrupted atomic.Bool
	stopAfter   func() bool // ends the wait for ctx

	mu     sync.Mutex
	err    error
	closed bool
}

// outputGrace is how long, once the run is interrupted, a write to an
// output pipe may wait for its reader to make room.
const outputGrace = 2 * time.Second

// errOutputNotRead replaces the "i/o timeout" of a write that waited
// outputGrace for a pipe's reader after the run was interrupted.
var errOutputNotRead = fmt.Errorf("its reader took nothing for %v after the run was interrupted; the rest of the output is lost", outputGrace)

// createOut creates the file of flag at path (nil when path is "").
// Once ctx ends (a signal), a write to a pipe waits at most outputGrace
// for its reader: the run stopped writing the output only at its end, and
// waited there, the signal ignored, until the reader read. A reader that
// goes on reading gets the rest (a deadline in the past failed every write
// from the signal on, "i/o timeout", with the pipe's reader reading).
func createOut(ctx context.Context, flag, path string) (*outFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := commands.CreateOutput(path)
	if err != nil {
		return nil, usagef("%s %s: %s", flag, path, commands.PathReason(err))
	}
	o := &outFile{flag: flag, f: f}
	o.stopAfter = context.AfterFunc(ctx, func() {
		// A pipe's writes wait in the poller, which the deadline ends (a
		// write waiting now included); a file's never wait, and it has none.
		// The flag last: once it is seen, the deadline is set.
		f.SetWriteDeadline(time.Now().Add(outputGrace))
		o.interrupted.Store(true)
	})
	return o, nil
}

func (o *outFile) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	if o.interrupted.Load() {
		o.f.SetWriteDeadline(time.Now().Add(outputGrace)) // each write its grace
	}
	n, err := o.f.Write(p)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = &fs.PathError{Op: "write", Path: o.f.Name(), Err: errOutputNotRead}
		}
		o.err = err
	}
	return n, err
}

// close closes the file and returns the first error of its writes or of
// the close, as "--log FILE: no space left on device"; nil for a nil o.
// Closing again returns the same.
func (o *outFile) close() error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.closed = true
		o.stopAfter()
		if err := o.f.Close(); o.err == nil {
			o.err = err
		}
	}
	if o.err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %s", o.flag, o.f.Name(), commands.PathReason(o.err))
}

// writer returns o as an io.Writer: nil (no writer at all) for a nil o.
func (o *outFile) writer() io.Writer {
	if o == nil {
		return nil
	}
	return o
}

// createTrace creates the --trace file (nil when path is "").
func createTrace(ctx context.Context, path string) (*outFile, error) {
	return createOut(ctx, "--trace", path)
}

// streamTrace streams c's message trace to f (nothing when f is nil); the
// returned function stops it, closes f and returns what went wrong in
// writing it.
func streamTrace(c *cluster.Cluster, f *outFile) (stop func() error) {
	if f == nil {
		return func() error { return nil }
	}
	stopStream := cluster.StreamTrace(c.Trace(), f)
	return func() error {
		stopStream()
		return f.close()
	}
}

// scriptNodes is the cluster size a script's node numbers are checked
// against: the size the cluster will run with (size).
func (f *clusterFlags) scriptNodes() int {
	n, _ := f.size()
	return n
}

// onDisk is the size of the cluster --data holds (0: none).
func (f *clusterFlags) onDisk() int {
	if f.data == "" {
		return 0
	}
	return cluster.NodesOnDisk(f.data)
}

// nodesGiven reports whether --nodes was on the command line (a script's
// header is not: a data directory's cluster keeps its size).
func (f *clusterFlags) nodesGiven() bool {
	given := false
	if f.fs != nil {
		f.fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "nodes" })
	}
	return given && !f.header["nodes"]
}

// size is the cluster size to run. A data directory that holds a cluster
// gives its size: without --nodes it runs that cluster, whatever its size;
// a --nodes below it runs it too, nodes added in an earlier run included;
// a --nodes above it is an error (with --nodes as the size), since
// starting more nodes than the directory knows would be a different
// cluster (add them with add).
func (f *clusterFlags) size() (int, error) {
	n := f.onDisk()
	switch {
	case n == 0 || n == f.nodes:
		return f.nodes, nil
	case !f.nodesGiven() || f.nodes < n:
		return n, nil
	}
	return f.nodes, usagef("--nodes %d: %s holds a cluster of %s; a data directory keeps its cluster: leave --nodes out to run it, add nodes to it with add, or give an empty --data directory", f.nodes, cluster.EscapeControls(f.data), f.describeOnDisk(n))
}

// describeOnDisk says what the cluster of n node ids in the data directory
// is: "3 nodes", or "3 nodes (ids 1-4, 1 removed)".
func (f *clusterFlags) describeOnDisk(n int) string {
	removed := cluster.RemovedOnDisk(f.data, n)
	if removed == 0 {
		return plural(n, "node")
	}
	return fmt.Sprintf("%s (ids 1-%d, %d removed)", plural(n-removed, "node"), n, removed)
}

// resolveNodes sets --nodes to size, and says so when it overrides one given.
func (f *clusterFlags) resolveNodes(stderr io.Writer) error {
	n, err := f.size()
	if err != nil {
		return err
	}
	switch {
	case f.nodesGiven() && n-cluster.RemovedOnDisk(f.data, n) != f.nodes:
		fmt.Fprintf(stderr, "raftplay: %s holds a cluster of %s: running it, not --nodes %d\n", cluster.EscapeControls(f.data), f.describeOnDisk(n), f.nodes)
	case f.header["nodes"] && n != f.nodes:
		fmt.Fprintf(stderr, "raftplay: %s holds a cluster of %s: running it, not the script header's --nodes %d\n", cluster.EscapeControls(f.data), f.describeOnDisk(n), f.nodes)
	}
	f.nodes = n
	return nil
}

// sessionFlags returns the cluster flags, --nodes aside, that start a
// cluster like this one, as a saved session's header gives them
// (commands.NewHistory): the timing and the seed the cluster drew its
// election timeouts from (seed: the one it started with, picked when no
// --seed was given) always, the rest when not at their defaults.
func (f *clusterFlags) sessionFlags(seed uint64) string {
	s := fmt.Sprintf("--heartbeat %v --election %s", f.heartbeat, f.election.String())
	if f.prevote {
		s += " --prevote"
	}
	if f.checkquorum {
		s += " --checkquorum"
	}
	if f.snapEvery != 0 {
		s += fmt.Sprintf(" --snapshot-every %d", f.snapEvery)
	}
	if seed == 0 {
		seed = f.seed
	}
	if seed != 0 {
		// A saved session's header left out a seed the run picked
		// (a recording's script kept it): its elections drew other
		// timeouts when run again.
		s += fmt.Sprintf(" --seed %d", seed)
	}
	return s
}

// scriptHeaderFlags are the flags a script's header may set with a
// "# flags:" line: what the cluster is (not where its files go, nor what is
// written out).
var scriptHeaderFlags = []string{"nodes", "heartbeat", "election", "seed", "prevote", "checkquorum", "snapshot-every"}

// warnLateFlags warns on w of every "# flags:" line after the script's
// first command: only the header's is read (one placed after the first
// command was ignored without a word, and 5 nodes started for its 3).
func warnLateFlags(w io.Writer, name, src string) {
	first := 0 // the line of the first command
	for i, line := range slices.Collect(strings.Lines(strings.TrimPrefix(src, "\ufeff"))) {
		line = strings.TrimSpace(line)
		rest, comment := strings.CutPrefix(line, "#")
		switch {
		case line == "":
		case !comment:
			if first == 0 {
				first = i + 1
			}
		case first != 0:
			if key, _, ok := strings.Cut(rest, ":"); ok && strings.TrimSpace(key) == "flags" {
				fmt.Fprintf(w, "raftplay: warning: %s: line %d: this # flags: line is ignored: flags must come before the first command (line %d), in the comments the script begins with\n",
					cluster.EscapeControls(name), i+1, first)
			}
		}
	}
}

// warnOverriddenFlags warns of the flags of the script's header that the
// command line gave other values: the script may not run as written.
func warnOverriddenFlags(w io.Writer, cf *clusterFlags, name string) {
	if cf.overridden != "" {
		fmt.Fprintf(w, "raftplay: warning: %s: %s: the script was written for the header's value\n", cluster.EscapeControls(name), cf.overridden)
	}
}

// applyScriptFlags sets on fs the flags that script src's header names in a
// "# flags: --nodes 3" line (in the comment lines it begins with, as a
// lesson's), except those the user gave: the user's win. A script written
// for 3 nodes ran on the default 5 and failed, with only a comment saying
// how to run it. It returns the flags it set, as "--nodes 3", for the
// user to see; a header flag that is not a cluster's, or a bad value, is
// an error that names the line.
func applyScriptFlags(fs *flag.FlagSet, cf *clusterFlags, name, src string) (string, error) {
	var value string
	at := 0
	for i, line := range slices.Collect(strings.Lines(strings.TrimPrefix(src, "\ufeff"))) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		rest, ok := strings.CutPrefix(line, "#")
		if !ok {
			break // the header is the comment lines the script begins with
		}
		if key, v, ok := strings.Cut(rest, ":"); ok && strings.TrimSpace(key) == "flags" {
			if at != 0 {
				// A second line was ignored without a word (a CI user's
				// --prevote never took effect).
				return "", usagef("%s: line %d: a second # flags: line (the first is line %d): put the flags on one line", name, i+1, at)
			}
			value, at = strings.TrimSpace(v), i+1
		}
	}
	if at == 0 {
		return "", nil
	}
	may := "--" + strings.Join(scriptHeaderFlags, ", --")
	hdr := flag.NewFlagSet("raftplay", flag.ContinueOnError)
	hdr.SetOutput(io.Discard)
	addClusterFlags(hdr, 5, cluster.PaperTiming)
	if err := hdr.Parse(strings.Fields(value)); err != nil {
		msg := flagMessage(hdr, err)
		if m := reUndefined.FindStringSubmatch(err.Error()); m != nil {
			msg = fmt.Sprintf("unknown flag --%s (a script may set %s)", m[1], may)
		}
		return "", usagef("%s: line %d: # flags: %s", name, at, msg)
	}
	if hdr.NArg() > 0 {
		return "", usagef("%s: line %d: # flags: %q is not a flag", name, at, hdr.Arg(0))
	}
	var bad []string
	hdr.Visit(func(f *flag.Flag) {
		if !slices.Contains(scriptHeaderFlags, f.Name) {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return "", usagef("%s: line %d: # flags: %s cannot be set by a script (it may set %s)", name, at, strings.Join(bad, ", "), may)
	}
	// The command line's own flags are checked first: an error of theirs
	// is not the header's.
	if err := cf.check(); err != nil {
		return "", err
	}
	var set, over []string
	hdr.Visit(func(f *flag.Flag) {
		if flagSet(fs, f.Name) {
			// Given by the user, who wins; said when the values differ:
			// examples/split-brain.txt, run with --nodes 3, failed at
			// line 13 without a word of its header's --nodes 5.
			if mine := fs.Lookup(f.Name).Value.String(); mine != f.Value.String() {
				over = append(over, fmt.Sprintf("--%s=%s (the command line's --%s=%s wins)", f.Name, f.Value, f.Name, mine))
			}
			return
		}
		if err := fs.Set(f.Name, f.Value.String()); err == nil {
			set = append(set, "--"+f.Name+"="+f.Value.String())
			if cf.header == nil {
				cf.header = map[string]bool{}
			}
			cf.header[f.Name] = true
		}
	})
	if len(over) > 0 {
		cf.overridden = fmt.Sprintf("line %d: # flags: %s", at, strings.Join(over, ", "))
	}
	if len(set) > 0 {
		// The command line's flags passed alone: the header's, or the two
		// together, do not.
		if err := cf.check(); err != nil {
			return "", usagef("%v (with the flags of %s line %d: # flags: %s)", err, name, at, value)
		}
	}
	return strings.Join(set, " "), nil
}

// onlyWith refuses the flags given beside --mode (chaos --recheck,
// experiment --from) other than --with: they would shape a new run, and
// were ignored without a word (a CI user's --jsonl wrote nothing).
func onlyWith(fs *flag.FlagSet, mode, doing, with string) error {
	var other []string
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name != mode && fl.Name != with {
			other = append(other, "--"+fl.Name)
		}
	})
	if len(other) > 0 {
		return usagef("--%s %s; %s would shape a new run (only --%s goes with --%s)", mode, doing, strings.Join(other, ", "), with, mode)
	}
	return nil
}
