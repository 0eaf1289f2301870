package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/tui"
)

// narrowAmbiguousWidth runs the program again, in place, with
// RUNEWIDTH_EASTASIAN=0 when the environment sets it true. The terminal
// library reads it once, when the program starts, and then counts every
// box-drawing and block character (East Asian "ambiguous" width) two columns
// wide: the dashboard's borders came out half as long, lines were cut at
// half the terminal's width and cards' rows lost their padding (a garbled
// screen, in tmux, for a user whose shell sets it for another program). The
// dashboard is drawn for a terminal that shows those characters one column
// wide, as terminals do by default; the lipgloss FAQ's remedy is this one.
func narrowAmbiguousWidth() error {
	v := os.Getenv("RUNEWIDTH_EASTASIAN")
	if ea, err := strconv.ParseBool(v); err != nil || !ea {
		return nil
	}
	exe, err := os.Executable()
	if err == nil {
		env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "RUNEWIDTH_EASTASIAN=") })
		err = syscall.Exec(exe, os.Args, append(env, "RUNEWIDTH_EASTASIAN=0"))
	}
	return usagef("RUNEWIDTH_EASTASIAN=%s makes the dashboard's box-drawing characters count two columns, which garbles it, and it could not start again without it (%v): run it with RUNEWIDTH_EASTASIAN=0", cluster.EscapeControls(v), err)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd()) // a terminal, not just any character device (/dev/null)
}

// lockedRunner lets the dashboard's commands share one commands.Runner: a
// Runner is used by one goroutine at a time.
type lockedRunner struct {
	mu sync.Mutex
	r  *commands.Runner
}

func (l *lockedRunner) Exec(ctx context.Context, cmd *commands.Command) (string, error) {
	l.mu.Lock()
	// Membership commands wait long (add: until the new node catches up);
	// they run on a runner of their own, so other keys go on meanwhile.
	dcmd, dr, detached, err := l.r.Detach(ctx, cmd)
	if !detached || err != nil {
		defer l.mu.Unlock()
		return l.r.Exec(ctx, cmd) // (a resolution error is reported as Exec reports it)
	}
	l.mu.Unlock()
	return dr.Exec(ctx, dcmd)
}

// dashboardLogEnv names a file for the dashboard's debug log; logs never go
// to the terminal the dashboard owns.
const dashboardLogEnv = "RAFTPLAY_TUI_LOG"

// defaultPace is the default pause between the lines of a script the
// dashboard plays.
const defaultPace = 500 * time.Millisecond

// dashboardFlags are the dashboard's own flags, besides the cluster flags.
type dashboardFlags struct {
	script string
	pace   time.Duration
	trace  *string
	record *string
}

func addDashboardFlags(fs *flag.FlagSet) *dashboardFlags {
	f := &dashboardFlags{}
	fs.StringVar(&f.script, "script", "", "play this script `FILE` live in the dashboard, line by line")
	fs.DurationVar(&f.pace, "pace", defaultPace, "pause between the lines of --script (after a say, half of it a word, to read it; space goes on)")
	f.trace = addTraceFlag(fs)
	f.record = addRecordFlag(fs, "the session")
	return f
}

// dashboardFlagSet returns the dashboard's flag set, its usage written to w.
func dashboardFlagSet(w io.Writer) (*flag.FlagSet, *clusterFlags, *dashboardFlags) {
	fs := newFlagSet("raftplay", w)
	cf := addClusterFlags(fs, 5, cluster.WatchTiming)
	df := addDashboardFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay [flags]   (opens the dashboard over a live cluster; needs a terminal)")
		fmt.Fprintln(fs.Output(), "       raftplay --script FILE [--pace D] [flags]   (plays a script live in it)")
		fs.PrintDefaults()
	}
	return fs, cf, df
}

func runDashboard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cf, df := dashboardFlagSet(stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		if isSubcommand(fs.Arg(0)) {
			return usagef("unexpected argument %q: a subcommand comes first, its flags after it (raftplay %s [flags] ...)", fs.Arg(0), fs.Arg(0))
		}
		return usagef("unexpected argument %q (scripts run with --script FILE or `raftplay script FILE`)", fs.Arg(0))
	}
	if df.pace < 0 {
		return usagef("--pace %v: must not be negative", df.pace)
	}
	if err := checkOutputs([]namedFile{{"--script", df.script}},
		[]namedFile{{"--trace", *df.trace}, {"--record", *df.record}}); err != nil {
		return err
	}
	if isTerminal(terminalOf(stdout)) {
		// Before the script is read: the program starts again, and reads
		// it then (one from a pipe, <(...), could not be read twice).
		if err := narrowAmbiguousWidth(); err != nil {
			return err
		}
	}
	var cmds []commands.Command
	if df.script != "" {
		src, err := os.ReadFile(df.script)
		if err != nil {
			return usagef("--script %s: %s", df.script, commands.PathReason(err))
		}
		if _, err := applyScriptFlags(fs, cf, df.script, string(src)); err != nil {
			return err
		}
		warnLateFlags(stderr, df.script, string(src))
		warnOverriddenFlags(stderr, cf, df.script)
		if cmds, err = commands.Parse(string(src), cf.scriptNodes()); err != nil {
			return parseError(df.script, err)
		}
	}
	return openDashboard(ctx, dashboardRun{cf: cf, df: df, name: df.script, cmds: cmds}, stdout, stderr)
}

// withEmptyScript adds to the dashboard's notice that script name, which
// holds n commands, holds none, when it does (an empty --script showed
// nothing at all: no line, no warning).
func withEmptyScript(notice, name string, n int) string {
	if name == "" || n > 0 {
		return notice
	}
	return strings.TrimSpace(notice + "\n" + fmt.Sprintf("script %s holds no commands (only blank lines and comments): nothing to play", cluster.EscapeControls(name)))
}

// dashboardRun is what the dashboard opens with: its flags, and the
// script it plays (none when cmds is empty), named name in messages.
type dashboardRun struct {
	cf   *clusterFlags
	df   *dashboardFlags
	name string
	cmds []commands.Command
	// again says how to play the script from its start, when it stops on
	// a failure ("raftplay learn 3").
	again string
	// done is what the header says when the script has run to its end
	// ("": the script's count of commands).
	done string
	// lesson says the script is a guided lesson (tui.Options.Lesson).
	lesson bool
}

// openDashboard starts a cluster by d.cf and runs the dashboard over it
// until the user quits, playing d's script if it has one.
func openDashboard(ctx context.Context, d dashboardRun, stdout, stderr io.Writer) error {
	if o, ok := stdout.(*outputWriter); ok {
		stdout = o.w // the terminal itself: Bubble Tea asks it for its size and modes
	}
	cf, df, cmds := d.cf, d.df, d.cmds
	if err := cf.check(); err != nil {
		return err
	}
	if err := outsideData(cf.data, namedFile{"--trace", *df.trace}, namedFile{"--record", *df.record}); err != nil {
		return err
	}
	if !isTerminal(stdout) {
		return usagef("the dashboard needs a terminal; for headless runs use `raftplay script FILE` (see `raftplay help`)")
	}
	if err := narrowAmbiguousWidth(); err != nil {
		return err
	}
	// What the flags' resolution says (a --nodes the data directory
	// overrides) goes to stderr, which the dashboard's screen hides: the
	// dashboard shows it too.
	var said bytes.Buffer
	opts, cleanup, err := cf.options(io.MultiWriter(stderr, &said))
	if err != nil {
		return err
	}
	defer cleanup()
	notice := strings.TrimSpace(strings.TrimPrefix(said.String(), "raftplay: "))
	notice = withEmptyScript(notice, d.name, len(cmds))

	log.SetOutput(io.Discard)
	if path := os.Getenv(dashboardLogEnv); path != "" {
		f, err := tea.LogToFile(path, "raftplay")
		if err != nil {
			return fmt.Errorf("%s=%s: %s", dashboardLogEnv, path, commands.PathReason(err))
		}
		defer f.Close()
	}
	// NO_COLOR, or a terminal without colour: shapes and digits instead.
	mono := os.Getenv("NO_COLOR") != "" || lipgloss.ColorProfile() == termenv.Ascii
	if mono {
		lipgloss.SetColorProfile(termenv.Ascii)
	}

	traceFile, err := createTrace(ctx, *df.trace)
	if err != nil {
		return err
	}
	unmakeRec, doneRec, err := checkRecordFile(*df.record)
	if err != nil {
		traceFile.close()
		return err
	}
	defer doneRec()
	c, err := cluster.Start(opts)
	if err != nil {
		traceFile.close()
		unmakeRec()
		return startError(err, cf)
	}
	defer c.Close()
	defer streamTrace(c, traceFile)()
	rec, err := newRecording(ctx, c, opts, "dashboard", *df.record, namedFile{"the --script file", df.script}, namedFile{"the --trace file", *df.trace})
	if err != nil {
		return err
	}
	doneRec() // the recording holds its own end of a pipe: record stop's close ends the reader's read
	defer rec.close(stderr)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One history of the session, keys, prompt and script alike, for `save`.
	history := commands.NewHistory(c.Size(), cf.sessionFlags(opts.Seed))
	m := tui.New(tui.Options{
		Source: c,
		// At the prompt and the keys, `leader` names the leader there is
		// now; the script's lines wait for one, as in `raftplay script`.
		Exec:        &lockedRunner{r: commands.NewRunner(c, rec.runnerOptions(commands.RunnerOptions{NoRoleWait: true, History: history}))},
		ScriptExec:  &lockedRunner{r: commands.NewRunner(c, rec.runnerOptions(commands.RunnerOptions{History: history}))},
		Script:      cmds,
		ScriptPace:  df.pace,
		ScriptAgain: d.again,
		ScriptDone:  d.done,
		Lesson:      d.lesson,
		Notice:      notice,
		Recording:   rec.sw.Recording, // the header's ● REC
		Context:     ctx,
		Seed:        cf.seed,
		Mono:        mono,
	})
	// Signals are main's: they cancel ctx, and the model (Options.Context)
	// then quits as q does, drawing a blank last frame before the alternate
	// screen is left (a program killed through tea.WithContext would leave
	// its last frame there, which tmux pushes into the scrollback when the
	// terminal was resized).
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithOutput(stdout), tea.WithoutSignalHandler())
	final, err := p.Run()
	cancel() // stop commands still running before the cluster closes
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return scriptOutcome(d.name, final)
}

// scriptOutcome is the dashboard's result once it closed: a script played
// with --script that stopped on a failed check makes the run fail (exit 1),
// saying where, as `raftplay script` would.
func scriptOutcome(file string, final tea.Model) error {
	m, ok := final.(*tui.Model)
	if !ok || m == nil {
		return nil
	}
	if err := m.ScriptErr(); err != nil {
		return fmt.Errorf("script %s stopped at %v", file, err)
	}
	return nil
}
