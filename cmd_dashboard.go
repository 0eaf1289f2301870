package main

import (
	"context"
	"io"
	"os"
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

func runDashboard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if !isTerminal(stdout) {
		return usagef("the dashboard needs a terminal; for headless runs use `raftplay script FILE` (see `raftplay help`)")
	}
	return usagef("the dashboard is not built yet; use `raftplay script FILE` (see `raftplay help`)")
}
