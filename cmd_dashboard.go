package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/tui"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// lockedRunner lets the dashboard's commands share one commands.Runner: a
// Runner is used by one goroutine at a time.
type lockedRunner struct {
	mu sync.Mutex
	r  *commands.Runner
}

func (l *lockedRunner) Exec(ctx context.Context, cmd *commands.Command) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Exec(ctx, cmd)
}

// dashboardLogEnv names a file for the dashboard's debug log; logs never go
// to the terminal the dashboard owns.
const dashboardLogEnv = "RAFTPLAY_TUI_LOG"

func runDashboard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("raftplay", stderr)
	cf := addClusterFlags(fs, 5, cluster.WatchTiming)
	script := fs.String("script", "", "play this script live in the dashboard, line by line")
	pace := fs.Duration("pace", 500*time.Millisecond, "pause between the lines of --script")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raftplay [flags]   (opens the dashboard; see `raftplay help`)")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("raftplay: unexpected argument %q (scripts run with --script FILE or `raftplay script FILE`)", fs.Arg(0))
	}
	if !isTerminal(stdout) {
		return usagef("the dashboard needs a terminal; for headless runs use `raftplay script FILE` (see `raftplay help`)")
	}
	var cmds []commands.Command
	if *script != "" {
		src, err := os.ReadFile(*script)
		if err != nil {
			return usagef("--script: %v", err)
		}
		if cmds, err = commands.Parse(string(src), cf.nodes); err != nil {
			return usagef("%s: %v", *script, err)
		}
	}
	opts, cleanup, err := cf.options(stderr)
	if err != nil {
		return err
	}
	defer cleanup()

	log.SetOutput(io.Discard)
	if path := os.Getenv(dashboardLogEnv); path != "" {
		f, err := tea.LogToFile(path, "raftplay")
		if err != nil {
			return fmt.Errorf("%s: %w", dashboardLogEnv, err)
		}
		defer f.Close()
	}
	// NO_COLOR, or a terminal without colour: shapes and digits instead.
	mono := os.Getenv("NO_COLOR") != "" || lipgloss.ColorProfile() == termenv.Ascii
	if mono {
		lipgloss.SetColorProfile(termenv.Ascii)
	}

	c, err := cluster.Start(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := tui.New(tui.Options{
		Source:     c,
		Exec:       &lockedRunner{r: commands.NewRunner(c)},
		ScriptExec: &lockedRunner{r: commands.NewRunner(c)},
		Script:     cmds,
		ScriptPace: *pace,
		Context:    ctx,
		Seed:       cf.seed,
		Mono:       mono,
	})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithOutput(stdout))
	_, err = p.Run()
	cancel() // stop commands still running before the cluster closes
	if err != nil && err != tea.ErrProgramKilled {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
