package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDashboardSave: at the dashboard's prompt, `save FILE` writes the
// session, keys included (w writes, z freezes and thaws), as a script
// that `raftplay script` runs.
func TestDashboardSave(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	tmp := t.TempDir()
	bin := raftplayBinary(t)
	saved := filepath.Join(t.TempDir(), "session.txt")
	var stderr lockedBuffer
	cmd, ptmx, scr := startDashboardStderr(t, bin, tmp, &stderr, "--nodes", "3", "--heartbeat", "30ms", "--election", "300ms-600ms")
	scr.waitScreen(t, "a leader", 30*time.Second, func(s string) bool { return leaderOn(s) != 0 })
	io.WriteString(ptmx, "w")
	scr.waitScreen(t, "the write", 10*time.Second, func(s string) bool { return strings.Contains(s, "> put ") && strings.Contains(s, "ok index=") })
	io.WriteString(ptmx, "z")
	scr.waitScreen(t, "the FROZEN header", 10*time.Second, func(s string) bool { return strings.Contains(s, "FROZEN: clocks stopped") })
	io.WriteString(ptmx, "z")
	scr.waitScreen(t, "the cluster thawed", 10*time.Second, func(s string) bool { return !strings.Contains(s, "FROZEN") && strings.Contains(s, "> thaw") })
	for _, line := range []string{"expect leader none", "save " + saved} {
		io.WriteString(ptmx, ":")
		scr.waitScreen(t, "the prompt", 10*time.Second, func(s string) bool { return strings.Contains(s, "help lists them") })
		io.WriteString(ptmx, line+"\r")
	}
	scr.waitScreen(t, "save's answer", 10*time.Second, func(s string) bool { return strings.Contains(s, "saved 3 commands to") })
	io.WriteString(ptmx, "q")
	if code := waitExit(t, cmd, scr, 20*time.Second); code != 0 {
		t.Fatalf("exit status %d, want 0; stderr %q", code, stderr.String())
	}

	src, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	script := string(src)
	for _, want := range []string{
		"\nput ", "\nfreeze\n", "\nthaw\n", "\n# failed: expect leader none: leader is ",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("saved session lacks %q:\n%s", want, script)
		}
	}
	// The seed the session drew its election timeouts from, picked at
	// start (no --seed), is in the header too.
	if !regexp.MustCompile(`\n# Run: raftplay script --nodes 3 --heartbeat 30ms --election 300ms-600ms --seed [1-9]\d* ` + regexp.QuoteMeta(saved) + "\n").MatchString(script) {
		t.Errorf("saved session lacks its Run line with the seed:\n%s", script)
	}
	if strings.Contains(script, "\nsave ") {
		t.Errorf("saved session holds the save itself:\n%s", script)
	}
	var out, errs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, []string{"script", "--nodes", "3", saved}, nil, &out, &errs); err != nil {
		t.Fatalf("the saved session does not run: %v\n%s\n%s", err, out.String(), script)
	}
}
