package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/record"
	"raftplay/tui"
)

// replayFlags are the flags of `raftplay replay`.
type replayFlags struct {
	toScript string
	mono     bool
}

// replayFlagSet returns the flag set of `raftplay replay`, its usage
// written to w.
func replayFlagSet(w io.Writer) (*flag.FlagSet, *replayFlags) {
	fs := newFlagSet("replay", w)
	f := &replayFlags{}
	fs.StringVar(&f.toScript, "to-script", "", "write the recorded commands as a runnable script to `OUT` (replaced if it exists; - for standard output; with sleeps where time passed), instead of opening the dashboard")
	fs.BoolVar(&f.mono, "mono", false, "draw without colour (as NO_COLOR does)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay replay FILE [--to-script OUT] [--mono]")
		fmt.Fprintln(fs.Output(), "Opens the dashboard on a recording (made with --record FILE or `record start FILE`): the")
		fmt.Fprintln(fs.Output(), "statuses, events, messages and commands as they were, with a cursor that plays, pauses,")
		fmt.Fprintln(fs.Output(), "steps and seeks (see the dashboard's keys; at its prompt: seek TIME, find WORDS, status,")
		fmt.Fprintln(fs.Output(), "explain, messages, links). A damaged or cut recording replays up to the damage;")
		fmt.Fprintln(fs.Output(), "--to-script writes the commands before it and exits 1.")
		fs.PrintDefaults()
	}
	return fs, f
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if o, ok := stdout.(*outputWriter); ok && isTerminal(o.w) {
		stdout = o.w // the terminal itself: Bubble Tea asks it for its size and modes
	}
	fs, f := replayFlagSet(stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("replay: no recording given (want raftplay replay FILE)")
	}
	file := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil { // flags may follow FILE too
		return err
	}
	if fs.NArg() > 0 {
		return usagef("replay: one recording at a time, got also %q", fs.Arg(0))
	}
	if err := checkOutputs([]namedFile{{"the recording", file}}, []namedFile{{"--to-script", f.toScript}}); err != nil {
		return err
	}
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		// A directory read as a file said "the file does not begin with a
		// raftplay-recording header"; a chaos run's OUT holds its
		// recording as OUT/recording.rec.
		say := "a directory, not a recording"
		if in := filepath.Join(file, "recording.rec"); isFile(in) {
			say += fmt.Sprintf(" (it holds one: raftplay replay %s)", cluster.EscapeControls(in))
		}
		return usagef("replay %s: %s", cluster.EscapeControls(file), say)
	}
	if f.toScript == "" && isTerminal(stdout) {
		// Before the recording is read: the program starts again, and
		// reads it then (one from a pipe could not be read twice).
		if err := narrowAmbiguousWidth(); err != nil {
			return err
		}
	}
	if fi, err := os.Stat(file); err == nil && fi.Size() > 1<<20 {
		// About 0.6 s per minute of a busy 5-node cluster (2.6 MB) on a
		// quiet machine; a new user's 7.4 MB of 9 nodes took 3-4 s on a
		// busy one, a blank screen that looked like a hang.
		fmt.Fprintf(stderr, "raftplay: reading %s (%.1f MB)...\n", cluster.EscapeControls(file), float64(fi.Size())/(1<<20))
	}
	// Reading does not watch ctx: a signal stops the waiting (a named
	// pipe no one writes to, or a long recording, held it).
	var rec *record.Recording
	err := untilDone(ctx, 0, func() (err error) {
		rec, err = record.ReadFile(file)
		return err
	})
	if ctx.Err() != nil {
		return context.Cause(ctx) // rec may still be being read
	}
	if err != nil {
		var pe *os.PathError
		if errors.Is(err, record.ErrNotRecording) {
			// Like a missing file: the argument is not what replay takes.
			return usagef("replay %s: %s", file, strings.TrimPrefix(err.Error(), "record: "))
		}
		if errors.As(err, &pe) {
			return usagef("replay %s: %s", file, commands.PathReason(err))
		}
		return fmt.Errorf("replay %s: %s", file, strings.TrimPrefix(err.Error(), "record: "))
	}
	if f.toScript != "" {
		if err := writeScript(rec, file, f.toScript, stdout, stderr); err != nil {
			return err
		}
		if rec.Stopped != nil {
			// The script is written, up to the damage, and says so in a
			// comment; the exit status says so too, as gzip's does for a
			// cut file: a pipeline (--to-script - | raftplay script -)
			// ran the shorter scenario and passed.
			return fmt.Errorf("%s: %s; the script holds the commands before it", file, strings.TrimPrefix(rec.Stopped.Error(), "record: "))
		}
		return nil
	}
	if rec.Frames() == 0 {
		// Nothing to show: the screen read "0 nodes ... heartbeat 0s
		// election 0s-0s" under the damage line, though the header says
		// the cluster (a teacher's recording cut after its first lines).
		what := "the recording holds no status of the cluster"
		if rec.Stopped != nil {
			what = strings.TrimPrefix(rec.Stopped.Error(), "record: ") + ", before the recording's first status of the cluster"
		}
		// Exit 2, as for a file that is not a recording: nothing of it
		// can be replayed.
		return usagef("replay %s: %s: there is nothing to show (--to-script writes the commands it holds)", cluster.EscapeControls(file), what)
	}
	if rec.Stopped != nil {
		fmt.Fprintf(stderr, "raftplay: %s: %s\n", cluster.EscapeControls(file), strings.TrimPrefix(rec.Stopped.Error(), "record: "))
	}
	if !isTerminal(stdout) {
		return usagef("the replay needs a terminal (raftplay replay FILE --to-script OUT writes its commands as a script)")
	}
	log.SetOutput(io.Discard)
	mono := f.mono || os.Getenv("NO_COLOR") != "" || lipgloss.ColorProfile() == termenv.Ascii
	if mono {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	player := record.NewPlayer(rec, record.PlayerOptions{Paused: opensPaused(rec.Length)})
	replayExec := &record.Executor{Player: player}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := tui.New(tui.Options{
		Source:   player,
		Exec:     replayExec,
		Messages: player.Messages(),
		Clock:    player.Now,
		Context:  ctx,
		Seed:     rec.Options.Seed,
		Mono:     mono,
	})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithOutput(stdout), tea.WithoutSignalHandler())
	_, err = p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// opensPaused says whether a replay of a recording this long opens paused
// at its start rather than playing: a short one (a script's run is often
// under a second) had played to its end before the screen was first
// looked at.
func opensPaused(length time.Duration) bool { return length < 5*time.Second }

// scriptCount says how many commands a script written from rec runs, and
// how many it keeps as comments: "3 commands (and 2 kept as comments)".
func scriptCount(rec *record.Recording, runnable int) string {
	s := plural(runnable, "command")
	if k := len(rec.Commands) - runnable; k > 0 {
		s += fmt.Sprintf(" (and %d kept as comments)", k)
	}
	return s
}

// noneToRun says why a script written from rec runs nothing: no commands
// recorded, or only ones kept as comments (record start, save, failed).
func noneToRun(rec *record.Recording) string {
	said := rec.NoCommands()
	if len(rec.Commands) > 0 {
		said = fmt.Sprintf("the recording's %s would not run again (record, save, or failed in the recording), so the script holds %s as comments only",
			plural(len(rec.Commands), "command"), map[bool]string{true: "it", false: "them"}[len(rec.Commands) == 1])
	}
	if setup := rec.StartSetup(); len(setup) > 0 {
		said += fmt.Sprintf("; it only sets up the state the recording began with (%s)", strings.Join(setup, ", "))
	}
	return said
}

// writeScript writes the recording's commands as a script into out, or
// to stdout when out is "-" (as `raftplay script -` reads standard input:
// the two make a pipe); what it wrote, and how to run it, goes to stdout
// for a file and to stderr with the script on stdout.
func writeScript(rec *record.Recording, file, out string, stdout, stderr io.Writer) error {
	if out == "-" {
		n, err := rec.Script(stdout, "FILE")
		if err != nil {
			return fmt.Errorf("--to-script -: %w", err) // wrapped: main tells a failed write of standard output as it does for every subcommand
		}
		if n == 0 {
			_, err := fmt.Fprintf(stderr, "raftplay: %s\n", noneToRun(rec))
			return err
		}
		_, err = fmt.Fprintf(stderr, "raftplay: wrote %s to standard output; run them with raftplay replay %s --to-script - | raftplay script %s -%s\n",
			scriptCount(rec, n), cluster.EscapeControls(file), rec.Options.Flags(), fromFiles(rec))
		return err
	}
	f, err := commands.CreateOutput(out)
	if err != nil {
		return usagef("--to-script %s: %s", out, commands.PathReason(err))
	}
	n, err := rec.Script(f, out)
	if err != nil {
		f.Close()
		return fmt.Errorf("--to-script %s: %v", out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--to-script %s: %v", out, err)
	}
	if n == 0 {
		_, err = fmt.Fprintf(stdout, "wrote %s: %s\n", cluster.EscapeControls(out), noneToRun(rec))
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %s; run it with raftplay script %s %s%s\n",
		cluster.EscapeControls(out), scriptCount(rec, n), rec.Options.Flags(), cluster.EscapeControls(out), fromFiles(rec))
	return err
}

// fromFiles is what the line saying how to run a script of rec adds when
// the recorded cluster started from an earlier run's files: a fresh
// cluster has none of them.
func fromFiles(rec *record.Recording) string {
	if len(rec.StartedFromFiles()) == 0 {
		return ""
	}
	return " (and --data on a copy of the files the recorded cluster started from: a fresh cluster starts empty)"
}

// isFile reports whether path names a regular file (through a link).
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
