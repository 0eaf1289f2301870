package commands

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// TestHistoryScript: the saved script of a hand-made history: pauses as
// sleep lines (rounded, tiny ones left out, long ones cut), failures as
// comments, help and save left out, and a header that says how to run it.
func TestHistoryScript(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := &History{start: t0, nodes: 3, flags: "--heartbeat 15ms --election 150ms-300ms"}
	ms := time.Millisecond
	add := func(at, took time.Duration, line string, err error) {
		cmd, perr := ParseLine(line, 1, 0)
		if perr != nil {
			t.Fatal(perr)
		}
		h.add(cmd, Ran{At: t0.Add(at), Took: took, Text: cmd.Text}, err)
	}
	add(1000*ms, 200*ms, "wait leader", nil)
	add(1205*ms, 10*ms, "put a 1", nil)                    // 5ms after: no sleep
	add(1500*ms, 1*ms, "help crash", nil)                  // left out
	add(2000*ms, 3*ms, "crash leader", failf("no leader")) // a comment; its time is a pause
	add(2503*ms, 1*ms, "crash 1", nil)                     // 1.288s after the put ended
	add(2520*ms, 1*ms, "crash 4", nil)                     // no node 4: left out, said why
	add(5*time.Minute, 1*ms, "restart 1", nil)             // a long pause, cut
	add(5*time.Minute+500*ms, 1*ms, "save x.txt", nil)     // left out
	add(5*time.Minute+700*ms, 1*ms, `say "done, for now"`, nil)
	add(5*time.Minute+3700*ms, 0, "wait key", nil) // the key came 3s after the say: the pause follows the line
	add(5*time.Minute+3800*ms, 1*ms, "heal", nil)

	got, n, failed := h.Script("my session.txt", t0.Add(6*time.Minute))
	want := `# A raftplay session saved 2026-01-02 03:10:05 UTC: 7 commands over 5m4s.
# flags: --nodes 3 --heartbeat 15ms --election 150ms-300ms
# Run: raftplay script --nodes 3 --heartbeat 15ms --election 150ms-300ms 'my session.txt'
#  or watch it: raftplay --nodes 3 --heartbeat 15ms --election 150ms-300ms --script 'my session.txt'
# Pauses between commands are sleep lines (to 10ms; under 20ms left out, over 1m
# cut short). Commands that failed are comments; help, save and record are left out.
sleep 1s
wait leader
put a 1
# failed: crash leader: no leader
sleep 1.29s
crash 1
# left out, it does not parse here (crash: node 4 out of range (want a node number 1..3)): crash 4
sleep 1m # the pause was 4m57s
restart 1
sleep 700ms
say "done, for now"
wait key
sleep 3s
sleep 100ms
heal
`
	if got != want {
		t.Errorf("script:\n%s\nwant:\n%s", got, want)
	}
	if n != 7 || failed != 1 {
		t.Errorf("n, failed = %d, %d; want 7, 1", n, failed)
	}
	if _, err := Parse(got, 3); err != nil {
		t.Errorf("the saved script does not parse: %v", err)
	}
	if nodesFlag.FindStringSubmatch(got) == nil {
		t.Errorf("no # Run: line that TestScenarios reads")
	}
}

// TestHistorySaveErrors: a path that cannot be written fails with an error
// naming it, leaves nothing behind, and keeps the history for a save
// elsewhere.
func TestHistorySaveErrors(t *testing.T) {
	h := NewHistory(3, "")
	cmd, _ := ParseLine("put k v", 1, 3)
	h.add(cmd, Ran{At: time.Now(), Text: cmd.Text}, nil)
	dir := t.TempDir()
	for path, want := range map[string]string{
		filepath.Join(dir, "no-such-dir", "s.txt"): "cannot write " + filepath.Join(dir, "no-such-dir", "s.txt") + ": no such file or directory",
		dir: "cannot write " + dir + ": it is a directory",
	} {
		if _, _, err := h.Save(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Save(%s): %v, want an error with %q", path, err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed save left %v behind", entries)
	}
	good := filepath.Join(dir, "s.txt")
	if n, _, err := h.Save(good); err != nil || n != 1 {
		t.Fatalf("Save after failures: %d, %v", n, err)
	}
	if b, _ := os.ReadFile(good); !strings.HasSuffix(string(b), "\nput k v\n") {
		t.Errorf("saved:\n%s", b)
	}
	if st, err := os.Stat(good); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("saved file mode: %v, %v", st, err)
	}
}

// TestSaveAtPromptReportsFailure: through a runner, an unwritable path is
// a failure naming the file; a second save works.
func TestSaveAtPromptReportsFailure(t *testing.T) {
	c := startIdle(t, 1, slowTiming)
	r := NewRunner(c, RunnerOptions{NoRoleWait: true, History: NewHistory(1, "")})
	ctx := context.Background()
	if _, err := r.Exec(ctx, mustParse(t, "echo hi")); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "missing", "s.txt")
	_, err := r.Exec(ctx, mustParse(t, "save "+bad))
	if err == nil || !strings.Contains(err.Error(), "cannot write "+bad+": no such file or directory") || !strings.Contains(err.Error(), "nothing was written, a file already there is as it was") {
		t.Fatalf("save to %s: %v", bad, err)
	}
	good := filepath.Join(t.TempDir(), "s.txt")
	out, err := r.Exec(ctx, mustParse(t, "save "+good))
	if err != nil || out != "saved 1 command to "+good {
		t.Fatalf("save: %q, %v", out, err)
	}
	// ~/ is the home directory; a relative path is said in full.
	home := t.TempDir()
	t.Setenv("HOME", home)
	if out, err := r.Exec(ctx, mustParse(t, "save ~/h.txt")); err != nil || out != "saved 1 command to "+filepath.Join(home, "h.txt") {
		t.Errorf("save ~/h.txt: %q, %v", out, err)
	}
	t.Chdir(home)
	if out, err := r.Exec(ctx, mustParse(t, "save rel.txt")); err != nil || out != "saved 1 command to "+filepath.Join(home, "rel.txt") {
		t.Errorf("save rel.txt: %q, %v", out, err)
	}
	// ~ alone is the home directory, not a file named ~.
	if _, err := r.Exec(ctx, mustParse(t, "save ~")); err == nil || !strings.Contains(err.Error(), home+": it is a directory") {
		t.Errorf("save ~: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "~")); err == nil {
		t.Error("save ~ wrote a file named ~")
	}
	// A symbolic link is written through, as record start does, and
	// stays a link; one to a file not there yet makes that file.
	for _, target := range []string{good, filepath.Join(home, "new.txt")} {
		link := filepath.Join(home, "link.txt")
		os.Remove(link)
		if target == good {
			os.WriteFile(good, []byte("old"), 0o644)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Exec(ctx, mustParse(t, "save link.txt")); err != nil {
			t.Fatalf("save through a link: %v", err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link was replaced: %v %v", fi, err)
		}
		if b, _ := os.ReadFile(target); !strings.HasSuffix(string(b), "\necho hi\n") {
			t.Errorf("the link's target %s was not written:\n%s", target, b)
		}
	}
	b, _ := os.ReadFile(good)
	if !strings.HasSuffix(string(b), "\necho hi\n") {
		t.Errorf("saved:\n%s", b)
	}
}

// TestSavedSessionReplays: a session of two runners sharing a history,
// as the dashboard's keys and script do (membership commands on a
// detached runner, as the dashboard runs them), with writes, faults and
// a failed check, saved and run as a script against a fresh cluster:
// it parses, runs, and leaves that cluster as the session left its own.
func TestSavedSessionReplays(t *testing.T) {
	t.Parallel()
	h := NewHistory(3, "")
	c := startIdle(t, 3, cluster.PaperTiming)
	keys := NewRunner(c, RunnerOptions{NoRoleWait: true, History: h})
	script := NewRunner(c, RunnerOptions{History: h})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := func(r *Runner, line string, wantErr bool) {
		t.Helper()
		cmd := mustParse(t, line)
		dcmd, dr, detached, err := r.Detach(ctx, cmd)
		if err == nil && detached {
			_, err = dr.Exec(ctx, dcmd)
		} else if err == nil {
			_, err = r.Exec(ctx, cmd)
		}
		if (err != nil) != wantErr {
			t.Fatalf("%s: %v", line, err)
		}
	}
	run(script, "wait leader", false)
	run(keys, "put a 1", false)
	run(keys, "crash 1", false)
	run(keys, "expect role 1 leader", true)
	run(script, "wait leader", false)
	run(keys, "put b 2", false)
	run(keys, "restart 1", false)
	run(script, "wait converged", false)
	run(keys, "add", false)
	run(keys, "pause 2", false)
	run(keys, "put c 3", false)
	run(keys, "help crash", false)
	path := filepath.Join(t.TempDir(), "session.txt")
	run(keys, "save "+path, false)

	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	saved := string(src)
	for _, want := range []string{"# Run: raftplay script --nodes 3 ", "\nput a 1\ncrash 1\n", "\n# failed: expect role 1 leader: ", "\nadd\n", "\npause 2\n"} {
		if !strings.Contains(saved, want) {
			t.Errorf("saved script lacks %q:\n%s", want, saved)
		}
	}
	if strings.Contains(saved, "\nhelp") || strings.Contains(saved, "\nsave") {
		t.Errorf("saved script keeps help or save:\n%s", saved)
	}
	cmds, err := Parse(saved, 3)
	if err != nil {
		t.Fatalf("the saved script does not parse: %v\n%s", err, saved)
	}
	c2, err := cluster.Start(cluster.Options{Nodes: 3, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var out bytes.Buffer
	r := NewRunner(c2)
	if err := RunScript(ctx, r, cmds, ScriptOptions{Out: &out}); err != nil {
		t.Fatalf("the saved script failed: %v\n%s\nscript:\n%s", err, out.String(), saved)
	}
	st := c2.Status()
	if len(st.Nodes) != 4 {
		t.Fatalf("%d nodes after the replay, want 4", len(st.Nodes))
	}
	if n, _ := st.Node(2); n.State != cluster.StatePaused {
		t.Errorf("node 2 is %s after the replay, want paused", n.State)
	}
	for _, line := range []string{"expect get a == 1", "expect get b == 2", "expect get c == 3", "expect safe"} {
		if _, err := r.Exec(ctx, mustParse(t, line)); err != nil {
			t.Error(err)
		}
	}
}

// TestSaveKeepsTheUsersFile: a save over a file this session did not save
// keeps that file as FILE~ and says so (a new user's 3000-line scenario
// was replaced by an empty session); a second save of the session over
// its own file replaces it, FILE~ untouched.
func TestSaveKeepsTheUsersFile(t *testing.T) {
	c := startIdle(t, 1, slowTiming)
	r := NewRunner(c, RunnerOptions{NoRoleWait: true, History: NewHistory(1, "")})
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "scenario.txt")
	if err := os.WriteFile(file, []byte("wait leader\nput a 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Exec(ctx, mustParse(t, "echo one")); err != nil {
		t.Fatal(err)
	}
	out, err := r.Exec(ctx, mustParse(t, "save "+file))
	if err != nil || out != "saved 1 command to "+file+"; the file that was there is kept as "+file+"~" {
		t.Fatalf("save over the user's file: %q, %v", out, err)
	}
	if b, _ := os.ReadFile(file + "~"); string(b) != "wait leader\nput a 1\n" {
		t.Errorf("kept: %q", b)
	}
	if _, err := r.Exec(ctx, mustParse(t, "echo two")); err != nil {
		t.Fatal(err)
	}
	if out, err := r.Exec(ctx, mustParse(t, "save "+file)); err != nil || out != "saved 2 commands to "+file {
		t.Fatalf("second save: %q, %v", out, err)
	}
	if b, _ := os.ReadFile(file + "~"); string(b) != "wait leader\nput a 1\n" {
		t.Errorf("the kept file changed: %q", b)
	}
	// The pauses between the commands are real here (the save between
	// them fsyncs: 50 ms on a loaded machine), and saved as sleep lines
	// from 20 ms on; what they become is TestHistoryScript's to check.
	b, _ := os.ReadFile(file)
	var cmds []string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(line, "sleep ") {
			cmds = append(cmds, line)
		}
	}
	if !strings.HasSuffix(strings.Join(cmds, ""), "\necho one\necho two\n") {
		t.Errorf("saved:\n%s", b)
	}
}
