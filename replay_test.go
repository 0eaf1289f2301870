package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"raftplay/cluster"
	"raftplay/experiment"
	"raftplay/record"
	"raftplay/tui"
)

// TestRecordedScriptReplays records a script run with faults and leader
// changes, and checks that the recording has the same leader changes as
// the live run (its --json events), every command with its result, and
// that its --to-script output parses and runs.
func TestRecordedScriptReplays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := filepath.Join(dir, "run.rec")
	script := "wait leader\nput a 1\nlet old = leader\ncrash @old\nwait leader\nexpect leader != @old\nput b 2\nsleep 200ms\n" +
		"restart @old\nwait converged\nlet two = leader\ncrash @two\nwait leader\nrestart @two\nwait converged\nexpect get a == 1\n" +
		"save " + filepath.Join(dir, "saved.txt") + "\n"
	code, out, errs := runCLI(t, script, "script", "--json", "--nodes", "3", "--seed", "11", "--data", filepath.Join(dir, "data"), "--record", rec, "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "recorded to "+rec) {
		t.Errorf("stderr does not say where the recording is: %q", errs)
	}
	var live []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e struct{ Type, Text string }
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Type == "event" && strings.Contains(e.Text, "became leader") {
			live = append(live, e.Text)
		}
	}
	r, err := record.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stopped != nil || !r.Complete {
		t.Fatalf("stopped %v", r.Stopped)
	}
	var replayed []string
	for _, m := range record.NewPlayer(r, record.PlayerOptions{Paused: true}).Marks() {
		if m.Kind == tui.MarkLeader {
			replayed = append(replayed, m.Text)
		}
	}
	if len(live) < 3 || !slices.Equal(live, replayed) {
		t.Errorf("leader changes: live %q, replayed %q", live, replayed)
	}
	if len(r.Commands) != 17 || r.Commands[3].Text != "crash @old" || !strings.HasPrefix(r.Commands[3].Out, "ok") {
		t.Errorf("commands: %+v", r.Commands)
	}

	out2 := filepath.Join(dir, "again.txt")
	code, stdout, errs := runCLI(t, "", "replay", rec, "--to-script", out2)
	if code != 0 || !strings.Contains(stdout, "wrote "+out2+": 16 commands (and 1 kept as comments); run it with raftplay script --nodes 3 ") {
		t.Fatalf("--to-script: exit %d: %s\n%s", code, stdout, errs)
	}
	src, err := os.ReadFile(out2)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#   raftplay script --nodes 3 --heartbeat ", "--seed 11 " + out2 + "\n", "\ncrash @old\n", "\nsleep 2", "\nexpect get a == 1\n", "\n# save " + filepath.Join(dir, "saved.txt") + "\n"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("script lacks %q:\n%s", want, src)
		}
	}
	code, out, errs = runCLI(t, "", "script", "--nodes", "3", "--seed", "11", "--data", filepath.Join(dir, "data2"), out2)
	if code != 0 || !strings.Contains(out, "> expect get a == 1\nok") {
		t.Fatalf("the script from the recording: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestReplayErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notRec := filepath.Join(dir, "x.txt")
	os.WriteFile(notRec, []byte("hello\n"), 0o644)
	empty := filepath.Join(dir, "empty.rec")
	os.WriteFile(empty, nil, 0o644)
	// Garbage with no newline is no cut recording (it said "the last
	// line is cut short"), and the first line of one cut in its header
	// still is.
	garbage := filepath.Join(dir, "g.rec")
	os.WriteFile(garbage, []byte("\x00\xff garbage"), 0o644)
	cutHeader := filepath.Join(dir, "h.rec")
	os.WriteFile(cutHeader, []byte(`{"format":"raftplay-recording","vers`), 0o644)
	newer := filepath.Join(dir, "newer.rec")
	os.WriteFile(newer, []byte(`{"format":"raftplay-recording","version":9,"start":1,"options":{}}`+"\n"), 0o644)
	cut := filepath.Join(dir, "cut.rec")
	os.WriteFile(cut, []byte(`{"format":"raftplay-recording","version":1,"start":1,"options":{"nodes":3}}`+"\n"+`{"t":5,"k":"c","c":{"at":6,"text":"crash 1","out":"ok"}}`+"\n"+`{"t":7,"k":`), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"replay"}, 2, "raftplay: replay: no recording given (want raftplay replay FILE)\n"},
		{[]string{"replay", filepath.Join(dir, "none.rec")}, 2, "no such file or directory"},
		{[]string{"replay", notRec}, 2, "not a recording"},
		{[]string{"replay", empty}, 2, "not a recording (the file is empty)"},
		{[]string{"replay", garbage, "--to-script", "-"}, 2, "not a recording (the file does not begin with a raftplay-recording header)\n"},
		{[]string{"replay", cutHeader}, 2, "not a recording: the last line is cut short (no newline)\n"},
		{[]string{"replay", newer}, 1, "this file is version 9, this raftplay reads version 1 and older"},
		{[]string{"replay", cut}, 2, "line 3 (byte offset "},
		{[]string{"replay", cut, "--to-script", filepath.Join(dir, "nodir", "x")}, 2, "--to-script"},
		{[]string{"replay", "a", "b"}, 2, `one recording at a time, got also "b"`},
	} {
		code, _, errs := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", c.args, code, errs, c.code, c.want)
		}
	}
	// A cut recording still gives its commands, and exits 1 saying it
	// is cut (a pipeline into raftplay script ran the shorter scenario,
	// exit 0).
	out := filepath.Join(dir, "cut.txt")
	code, _, errs := runCLI(t, "", "replay", cut, "--to-script", out)
	src, _ := os.ReadFile(out)
	if code != 1 || !strings.Contains(string(src), "\ncrash 1\n") || !strings.Contains(errs, "the last line is cut short (no newline); the replay stops there; the script holds the commands before it\n") {
		t.Errorf("cut --to-script: exit %d, %q\n%s", code, errs, src)
	}
}

// TestChaosRecording: a passed run keeps no recording unless --record.
func TestChaosRecording(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	rec := filepath.Join(t.TempDir(), "chaos.rec")
	code, stdout, errs := runCLI(t, "", "chaos", "--quick", "--duration", "1s", "--seed", "4", "--out", out, "--data", t.TempDir(), "--record", rec)
	if code != 0 || !strings.Contains(stdout, "saved:           "+rec) {
		t.Fatalf("exit %d: %s\n%s", code, stdout, errs)
	}
	r, err := record.ReadFile(rec)
	if err != nil || r.Stopped != nil || r.Frames() == 0 || len(r.Events) == 0 || r.Options.Run != "chaos" || r.Options.Seed != 4 {
		t.Fatalf("recording: %v, %+v", err, r)
	}
	out2 := filepath.Join(t.TempDir(), "out")
	code, stdout, errs = runCLI(t, "", "chaos", "--quick", "--duration", "1s", "--seed", "4", "--out", out2, "--data", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stdout, errs)
	}
	if _, err := os.Stat(filepath.Join(out2, "recording.rec")); !os.IsNotExist(err) {
		t.Errorf("a passed run kept its recording: %v", err)
	}
}

// TestRecordStartStopInAScript: record start FILE ... record stop records
// the commands between them, with their results.
func TestRecordStartStopInAScript(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := filepath.Join(dir, "part.rec")
	script := "wait leader\nrecord start " + rec + "\nput a 1\nrecord start other.rec\nrecord stop\nput b 2\n"
	code, out, errs := runCLI(t, script, "script", "--nodes", "1", "--data", filepath.Join(dir, "data"), "-")
	if code != 1 || !strings.Contains(out, "> record start "+rec+"\nrecording to "+rec) || !strings.Contains(errs, "record start other.rec: already recording to "+rec) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	script = "wait leader\nrecord start " + rec + "\nput a 1\nrecord stop\nput b 2\nrecord stop\n"
	code, out, errs = runCLI(t, script, "script", "--nodes", "1", "--data", filepath.Join(dir, "data2"), "-")
	if code != 1 || !strings.Contains(out, "recorded to "+rec) || !strings.Contains(errs, "record stop: not recording (record start FILE first)") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	r, err := record.ReadFile(rec)
	if err != nil || r.Stopped != nil {
		t.Fatal(err, r.Stopped)
	}
	var texts []string
	for _, c := range r.Commands {
		texts = append(texts, c.Text+" => "+c.Out)
	}
	// (The first run's recording is kept as part.rec~.)
	if len(texts) != 2 || texts[0] != "record start "+rec+" => recording to "+rec+"; the file that was there is kept as "+rec+"~" || !strings.HasPrefix(texts[1], "put a 1 => ok index=") {
		t.Errorf("commands: %q", texts)
	}
	// Begun in the middle of the run, it holds only what happened after:
	// the election before it is in its first status, not in its events.
	for _, e := range r.Events {
		if strings.Contains(e.Text, "became leader") || e.Time.Before(r.Start) {
			t.Errorf("an event from before record start: %v %q", e.Time.Sub(r.Start), e.Text)
		}
	}
	if st := r.Status(0); st.Nodes[0].Role != "leader" {
		t.Errorf("first status: node 1 is %q, want the leader it was when the recording began", st.Nodes[0].Role)
	}
}

// TestOutputOverInputIsRefused checks that no run writes over a file it
// reads, or two of its outputs into one file: exit 2, the file intact.
func TestOutputOverInputIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "t.txt")
	rec := filepath.Join(dir, "d1.rec")
	for _, f := range []string{script, rec} {
		if err := os.WriteFile(f, []byte("wait leader\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The same file by another name: os.SameFile sees through it.
	alias := filepath.Join(dir, "alias.txt")
	if err := os.Link(script, alias); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "new.out")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"replay", rec, "--to-script", rec}, "raftplay: --to-script " + rec + ": that is the recording this run reads"},
		{[]string{"replay", rec, "--to-script", filepath.Join(dir, ".", "d1.rec")}, "that is the recording this run reads"},
		{[]string{"script", "--nodes", "3", "--record", script, script}, "raftplay: --record " + script + ": that is the script this run reads"},
		{[]string{"script", "--nodes", "3", "--record", alias, script}, "that is the script this run reads"},
		{[]string{"script", "--nodes", "3", "--log", script, script}, "raftplay: --log " + script + ": that is the script"},
		{[]string{"script", "--nodes", "3", "--trace", script, script}, "raftplay: --trace " + script + ": that is the script"},
		{[]string{"script", "--nodes", "3", "--trace", fresh, "--record", fresh, script}, "raftplay: --record " + fresh + ": --trace writes that file too"},
		{[]string{"script", "--nodes", "3", "--log", fresh, "--trace", fresh, script}, "raftplay: --trace " + fresh + ": --log writes that file too"},
		{[]string{"--script", script, "--record", script}, "raftplay: --record " + script + ": that is --script this run reads"},
		{[]string{"--trace", fresh, "--record", fresh}, "--trace writes that file too"},
		{[]string{"chaos", "--trace", fresh, "--record", fresh}, "--trace writes that file too"},
		{[]string{"experiment", "election", "--quick", "--timeouts", "25-50ms", "--trace", fresh, "--record", fresh}, "--trace writes that file too"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("raftplay %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	for _, f := range []string{script, rec} {
		if b, err := os.ReadFile(f); err != nil || string(b) != "wait leader\n" {
			t.Errorf("%s was changed: %q %v", f, b, err)
		}
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("%s was created by a refused run", fresh)
	}
}

// TestRunThatCannotStartLeavesNoRecording checks that a run whose
// cluster cannot start (its data directory busy, its port busy) removes
// the --record file it created, and leaves one it did not create as it was.
func TestRunThatCannotStartLeavesNoRecording(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(data, "node-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(data, "node-1", "LOCK"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)

	old := filepath.Join(dir, "old.rec")
	if err := os.WriteFile(old, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		why  string
		args []string
	}{
		{"busy data directory", []string{"script", "--nodes", "1", "--data", data}},
		{"busy port", []string{"script", "--nodes", "1", "--port", port}},
		{"bench, busy data directory", []string{"bench", "--nodes", "1", "--duration", "1s", "--warmup", "0s", "--quiet", "--data", data}},
	} {
		rec := filepath.Join(dir, "new.rec")
		args := append(append([]string(nil), tc.args...), "--record", rec)
		if tc.args[0] == "script" {
			args = append(args, "-")
		}
		code, _, errs := runCLI(t, "wait leader\n", args...)
		if code != 1 || !strings.Contains(errs, "could not start") {
			t.Fatalf("%s: exit %d, stderr %q; want 1, could not start", tc.why, code, errs)
		}
		if _, err := os.Stat(rec); err == nil {
			t.Errorf("%s: the run left its --record file %s", tc.why, rec)
		}
		args[slices.Index(args, rec)] = old
		if code, _, errs := runCLI(t, "wait leader\n", args...); code != 1 {
			t.Errorf("%s, over an existing file: exit %d, stderr %q", tc.why, code, errs)
		}
		if b, err := os.ReadFile(old); err != nil || string(b) != "kept" {
			t.Errorf("%s: a --record file from before was changed: %q, %v", tc.why, b, err)
		}
	}
}

// TestExperimentRecordingSaysItsSeed checks that an election experiment
// whose seed was picked at random records the seed it used: the script
// made from the recording names it rather than calling it random.
func TestExperimentRecordingSaysItsSeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := filepath.Join(dir, "e.rec")
	code, out, errs := runCLI(t, "", "experiment", "election", "--quick", "--trials", "1", "--record", rec, "--data", filepath.Join(dir, "data"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	i := strings.Index(out, ", seed ")
	if i < 0 {
		t.Fatalf("the report does not print its seed:\n%s", out)
	}
	seed, err := strconv.ParseUint(strings.Fields(out[i+len(", seed "):])[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	for idx, file := range []string{filepath.Join(dir, "e-range-1.rec"), filepath.Join(dir, "e-range-2.rec")} {
		r, err := record.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if want := experiment.RangeSeed(seed, idx); r.Options.Seed != want || !strings.Contains(r.Options.Run, fmt.Sprintf("--seed %d", seed)) {
			t.Errorf("%s: header seed %d, run %q; want seed %d and the experiment's %d", file, r.Options.Seed, r.Options.Run, want, seed)
		}
	}
	script := filepath.Join(dir, "e.txt")
	if code, _, errs := runCLI(t, "", "replay", filepath.Join(dir, "e-range-1.rec"), "--to-script", script); code != 0 {
		t.Fatalf("--to-script: exit %d: %s", code, errs)
	}
	src, _ := os.ReadFile(script)
	// The flags line names it (a recording without commands has no "run it
	// with" line).
	if strings.Contains(string(src), "picked at random") || !regexp.MustCompile(fmt.Sprintf(`\n# flags: .*--seed %d\n`, seed)).MatchString(string(src)) {
		t.Errorf("script header:\n%s", src)
	}
}

// TestRecordStartRefusesTheRunsFiles: `record start FILE` in a script
// refuses the script itself and the run's --trace file.
func TestRecordStartRefusesTheRunsFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txt")
	trace := filepath.Join(dir, "trace.jsonl")
	src := "record start " + script + "\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "script", "--nodes", "1", "--data", filepath.Join(dir, "data"), script)
	if code != 1 || !strings.Contains(errs, "record start "+script+": "+script+" is the script of this run: recording into it would destroy it") {
		t.Errorf("record start over the script: exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(script); string(b) != src {
		t.Errorf("the script was changed: %q", b)
	}
	code, _, errs = runCLI(t, "record start "+filepath.Join(dir, ".", "trace.jsonl")+"\n", "script", "--nodes", "1", "--data", filepath.Join(dir, "data2"), "--trace", trace, "-")
	if code != 1 || !strings.Contains(errs, "is the --trace file of this run") {
		t.Errorf("record start over the trace: exit %d, stderr %q", code, errs)
	}
}

// TestSaveRefusesTheRunsFiles: `save FILE` refuses what the run reads or
// writes already, as record start does: the script itself, its --log and
// --trace, and the recording in progress (it replaced each with a script).
func TestSaveRefusesTheRunsFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txt")
	src := "wait leader\nsave " + script + "\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "script", "--nodes", "1", "--data", filepath.Join(dir, "data"), script)
	if code != 1 || !strings.Contains(errs, script+" is the script of this run: saving into it would destroy it") {
		t.Errorf("save over the script: exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(script); string(b) != src {
		t.Errorf("the script was changed: %q", b)
	}
	for i, tc := range []struct {
		flag, what string
		stdin      func(file string) string
	}{
		{"--trace", "the --trace file", func(f string) string { return "save " + f + "\n" }},
		{"--log", "the --log file", func(f string) string { return "save " + f + "\n" }},
		{"", "the recording in progress", func(f string) string { return "record start " + f + "\nsave " + f + "\n" }},
		{"", "a recording", func(f string) string { return "record start " + f + "\nrecord stop\nsave " + f + "\n" }},
	} {
		file := filepath.Join(dir, fmt.Sprintf("f%d", i))
		args := []string{"script", "--nodes", "1", "--data", filepath.Join(dir, fmt.Sprintf("data%d", i))}
		if tc.flag != "" {
			args = append(args, tc.flag, file)
		}
		code, _, errs := runCLI(t, tc.stdin(file), append(args, "-")...)
		if code != 1 || !strings.Contains(errs, "is "+tc.what+" of this run: saving into it would destroy it") {
			t.Errorf("save over %s: exit %d, stderr %q", tc.what, code, errs)
		}
	}
}

// handRecording writes a small recording by hand (no cluster): 3 nodes,
// heartbeat 50ms, election 500ms-1s, seed 7, with the commands given (one
// a second) and an end mark.
func handRecording(t *testing.T, cmds ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "hand.rec")
	var b strings.Builder
	b.WriteString(`{"format":"raftplay-recording","version":1,"start":1000000000,"options":{"nodes":3,"timing":{"Heartbeat":50000000,"ElectionMin":500000000,"ElectionMax":1000000000},"seed":7,"run":"test"}}` + "\n")
	for i, c := range cmds {
		at := int64(i+1) * 1e9
		fmt.Fprintf(&b, `{"t":%d,"k":"c","c":{"at":%d,"took":1000000,"text":%q,"out":"ok"}}`+"\n", at, 1e9+at, c)
	}
	fmt.Fprintf(&b, `{"t":%d,"k":"end"}`+"\n", int64(len(cmds)+1)*1e9)
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestToScriptDashIsStandardOutput: --to-script - writes the script to
// standard output (as script - reads standard input), no file named "-",
// and says how to run it on standard error.
func TestToScriptDashIsStandardOutput(t *testing.T) {
	rec := handRecording(t, "wait leader", "put a 1")
	dir := t.TempDir()
	t.Chdir(dir)
	code, stdout, errs := runCLI(t, "", "replay", rec, "--to-script", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stdout, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); !os.IsNotExist(err) {
		t.Errorf("a file named - was written: %v", err)
	}
	if !strings.HasPrefix(stdout, "# Commands recorded by raftplay") || !strings.Contains(stdout, "\nwait leader\nsleep 999ms\nput a 1\n") || strings.Contains(stdout, "wrote") {
		t.Errorf("stdout is not the script alone:\n%s", stdout)
	}
	want := "raftplay: wrote 2 commands to standard output; run them with raftplay replay " + rec + " --to-script - | raftplay script --nodes 3 --heartbeat 50ms --election 500ms-1s --seed 7 -\n"
	if errs != want {
		t.Errorf("stderr %q, want %q", errs, want)
	}
}

// TestToScriptWritesTheFlagsLine: the script --to-script writes starts
// with the "# flags:" line that save writes, so that raftplay script OUT
// alone runs it on a cluster like the recorded one.
func TestToScriptWritesTheFlagsLine(t *testing.T) {
	rec := handRecording(t, "put a 1")
	out := filepath.Join(t.TempDir(), "again.txt")
	if code, stdout, errs := runCLI(t, "", "replay", rec, "--to-script", out); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stdout, errs)
	}
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\n# flags: --nodes 3 --heartbeat 50ms --election 500ms-1s --seed 7\n") {
		t.Errorf("no flags line:\n%s", src)
	}
	fs := newFlagSet("script", io.Discard)
	cf := addClusterFlags(fs, 5, cluster.PaperTiming)
	set, err := applyScriptFlags(fs, cf, out, string(src))
	if err != nil || set != "--election=500ms-1s --heartbeat=50ms --nodes=3 --seed=7" {
		t.Errorf("the script's header sets %q (%v)", set, err)
	}
}

// A recording whose only command is one a script keeps as a comment (a
// recording cut short after its record start) said "wrote 1 command".
func TestToScriptSaysWhatItKeptAsComments(t *testing.T) {
	rec := &record.Recording{Commands: []record.Command{{Text: "record start x.rec"}}}
	if got, want := noneToRun(rec), "the recording's 1 command would not run again (record, save, or failed in the recording), so the script holds it as comments only"; got != want {
		t.Errorf("noneToRun: %q, want %q", got, want)
	}
	rec.Commands = append(rec.Commands, record.Command{Text: "put a 1"}, record.Command{Text: "put b 2"})
	if got, want := scriptCount(rec, 2), "2 commands (and 1 kept as comments)"; got != want {
		t.Errorf("scriptCount: %q, want %q", got, want)
	}
	if got := scriptCount(rec, 3); got != "3 commands" {
		t.Errorf("scriptCount with none kept as comments: %q", got)
	}
}

// TestToScriptWithoutCommands: a recording with no commands (a chaos
// run's) says there are none to replay, not how to run them.
func TestToScriptWithoutCommands(t *testing.T) {
	rec := handRecording(t)
	out := filepath.Join(t.TempDir(), "none.txt")
	code, stdout, errs := runCLI(t, "", "replay", rec, "--to-script", out)
	if code != 0 || stdout != "wrote "+out+": the recording holds no commands, so there are none to replay (the faults of a chaos run or an experiment are not commands)\n" {
		t.Fatalf("exit %d: %q\n%s", code, stdout, errs)
	}
	src, _ := os.ReadFile(out)
	if strings.Contains(string(src), "Run them") || !strings.Contains(string(src), "holds no commands, so there are none to replay") {
		t.Errorf("script:\n%s", src)
	}
	code, stdout, errs = runCLI(t, "", "replay", rec, "--to-script", "-")
	if code != 0 || !strings.Contains(errs, "holds no commands") || strings.Contains(errs, "run them") {
		t.Errorf("to -: exit %d: %q\n%s", code, stdout, errs)
	}
}

// TestToScriptStopsAtAWronglyTypedStatus: a status frame whose node fields
// are not a status's is damage: --to-script writes the commands before it
// and says where and why it stops, as for a cut recording.
func TestToScriptStopsAtAWronglyTypedStatus(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.rec")
	os.WriteFile(file, []byte(`{"format":"raftplay-recording","version":1,"start":1000000000,"options":{"nodes":3}}`+"\n"+
		`{"t":1000000000,"k":"c","c":{"at":2000000000,"text":"crash 1","out":"ok"}}`+"\n"+
		`{"t":2000000000,"k":"s","nn":3,"ids":[1],"n":[{"id":1,"role":"follower","commit":-100}],"s":{"leader":2,"term":5,"commit":6}}`+"\n"+
		`{"t":3000000000,"k":"c","c":{"at":4000000000,"text":"crash 2","out":"ok"}}`+"\n"+
		`{"t":4000000000,"k":"end"}`+"\n"), 0o644)
	out := filepath.Join(t.TempDir(), "bad.txt")
	code, stdout, errs := runCLI(t, "", "replay", file, "--to-script", out)
	want := `line 3 (byte offset 160): status frame: node 1: "commit" is number -100, not a uint64; the replay stops there`
	if code != 1 || !strings.Contains(errs, want) || !strings.Contains(stdout, "1 command;") {
		t.Fatalf("exit %d: %q\nstderr %q; want %q", code, stdout, errs, want)
	}
	src, _ := os.ReadFile(out)
	if !strings.Contains(string(src), "\ncrash 1\n") || strings.Contains(string(src), "crash 2") || !strings.Contains(string(src), "# The recording stops early: record: "+want) {
		t.Errorf("script:\n%s", src)
	}
}

// TestSaveRefusesTheDataDirectory: save and record start refuse a file
// inside the run's data directory (a save over a node's WAL corrupted it,
// and one over its LOCK let a second run in).
func TestSaveRefusesTheDataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for _, line := range []string{"save " + filepath.Join(data, "node-1", "LOCK"), "save " + filepath.Join(data, "x.txt"), "record start " + filepath.Join(data, "r.rec")} {
		code, _, errs := runCLI(t, "wait leader\n"+line+"\n", "script", "--nodes", "1", "--data", data, "-")
		if code != 1 || !strings.Contains(errs, "is inside the data directory of this run") {
			t.Errorf("%s: exit %d, stderr %q", line, code, errs)
		}
	}
	if code, _, errs := runCLI(t, "wait leader\nexpect safe\n", "script", "--nodes", "1", "--data", data, "-"); code != 0 {
		t.Fatalf("the data directory after the refused saves: exit %d: %s", code, errs)
	}
}

// TestRecordStartKeepsTheFileThere: record start over a file already there
// keeps it (FILE~, then FILE.~1~), says so, and records into FILE: a new
// user's 494 KB recording was replaced by a record start over it.
func TestRecordStartKeepsTheFileThere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "r.rec")
	if err := os.WriteFile(file, []byte("an earlier recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := "wait leader\nrecord start " + file + "\nrecord stop\nrecord start " + file + "\nrecord stop\n"
	code, out, errs := runCLI(t, stdin, "script", "--nodes", "1", "--data", filepath.Join(dir, "data"), "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"recording to " + file + "; the file that was there is kept as " + file + "~", "kept as " + file + ".~1~"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if b, _ := os.ReadFile(file + "~"); string(b) != "an earlier recording" {
		t.Errorf("%s~ holds %q", file, b)
	}
	for _, f := range []string{file, file + ".~1~"} {
		if code, _, errs := runCLI(t, "", "replay", "--to-script", filepath.Join(dir, "s.txt"), f); code != 0 {
			t.Errorf("%s is no recording: %s", f, errs)
		}
	}
}

// TestReplayOfADirectory: a directory named as the recording is said to be
// one (it was "not a recording (the file does not begin with a
// raftplay-recording header)"), and a chaos run's OUT directory names the
// recording it holds.
func TestReplayOfADirectory(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "replay", out)
	if want := "raftplay: replay " + out + ": a directory, not a recording\n"; code != 2 || errs != want {
		t.Errorf("replay of an empty directory: exit %d, %q; want 2, %q", code, errs, want)
	}
	if err := os.WriteFile(filepath.Join(out, "recording.rec"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI(t, "", "replay", out, "--to-script", "-")
	if want := "(it holds one: raftplay replay " + filepath.Join(out, "recording.rec") + ")"; code != 2 || !strings.Contains(errs, want) {
		t.Errorf("replay of a chaos run's directory: exit %d, %q; want 2 and %q", code, errs, want)
	}
}

// A recording with no status of the cluster before its damage (or its
// end) is refused, saying so: the replay showed "0 nodes ... heartbeat 0s
// election 0s-0s" under the damage line, though the header said 3 nodes
// at 15 ms (a teacher's recording damaged at its second line).
func TestReplayWithNoStatusIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txt")
	if err := os.WriteFile(script, []byte("wait leader\nput a 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "r.jsonl") // written plain
	if code, _, errs := runCLI(t, "", "script", "--nodes", "3", "--record", rec, script); code != 0 {
		t.Fatalf("recording: exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(b), "\n")
	for name, text := range map[string]string{
		"damaged.jsonl": header + "\ngarbage{\n" + string(b[len(header)+1:]),
		"header.jsonl":  header + "\n",
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCLI(t, "", "replay", file)
		if code != 2 || !strings.Contains(errs, "there is nothing to show (--to-script writes the commands it holds)") {
			t.Errorf("%s: exit %d, %q; want 2 and that there is nothing to show", name, code, errs)
		}
		if name == "damaged.jsonl" && !strings.Contains(errs, "line 2 (byte offset") {
			t.Errorf("%s: %q; want the damage named", name, errs)
		}
	}
}

// A recording begun (record start) after let named a node restates the
// name, so that its script parses the lines that use it: they were kept as
// "# does not parse (... unknown name @f)", and the steps were lost (a
// teacher's report).
func TestRecordStartRestatesEarlierNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := filepath.Join(dir, "mid.rec")
	script := "wait leader\nlet f = follower\nrecord start " + rec + "\ncrash @f\nrestart @f\nrecord stop\n"
	if code, out, errs := runCLI(t, script, "script", "--nodes", "3", "-"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := runCLI(t, "", "replay", rec, "--to-script", "-")
	// The recorded pauses come as sleeps between the commands when they
	// are long enough (a loaded machine's are: "crash @f\nsleep 15ms\n").
	cmds := regexp.MustCompile(`(?m)^sleep \S+\n`).ReplaceAllString(out, "")
	if code != 0 || !strings.Contains(cmds, "\nlet f = ") || !strings.Contains(cmds, "\ncrash @f\nrestart @f\n") || strings.Contains(out, "does not parse") {
		t.Fatalf("exit %d, the script:\n%s\n%s", code, out, errs)
	}
	// It runs.
	if code, out2, errs := runCLI(t, out, "script", "--nodes", "3", "-"); code != 0 {
		t.Fatalf("the script of the recording: exit %d\n%s\n%s", code, out2, errs)
	}
}
