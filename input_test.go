package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A history.json or report.json that no chaos run could have saved is bad
// input: exit 2, naming the file and the first bad operation. (An outside
// test's history whose return came before its call panicked in porcupine;
// unknown ops, nulls and missing fields were judged "linearizability: ok",
// and a garbage report.json was ignored, its violations with it.)
func TestChaosRecheckRefusesBadInput(t *testing.T) {
	t.Parallel()
	const good = `{"client":0,"op":"put","key":"k","value":"v","call_ns":1,"return_ns":2,"via":"client"}`
	cases := []struct {
		history, report string // "" report: no report.json
		want            string
	}{
		{`[{"client":0,"op":"put","key":"k","value":"v","call_ns":5,"return_ns":1,"via":"client"}]`, "",
			"history.json: op 1: return_ns 1 is before call_ns 5\n"},
		{`[` + good + `,` + good + `,{"client":0,"op":"put","key":"k","call_ns":5,"return_ns":1}]`, "",
			"history.json: op 3: return_ns 1 is before call_ns 5\n"},
		{`[{"client":0,`, "", "history.json: cut short (unexpected end of the JSON)\n"},
		{``, "", "history.json: empty (want a JSON array of operations)\n"},
		{`{}`, "", "history.json: want a JSON array of operations, found object at byte 1\n"},
		{`null`, "", "history.json: null (want a JSON array of operations)\n"},
		{`[null]`, "", "history.json: op 1: null, not an operation\n"},
		{`[` + good + `,7]`, "", "history.json: op 2: not a JSON object (7)\n"},
		{`[{"client":0,"op":"bogus","key":"k","call_ns":1,"return_ns":2}]`, "", `history.json: op 1: unknown op "bogus" (want put, get or del)`},
		{`[{"client":0,"op":"put","key":"k","call_ns":1}]`, "", `history.json: op 1: no "return_ns" field`},
		{`[{"op":"put","key":"k","call_ns":1,"return_ns":2}]`, "", `history.json: op 1: no "client" field`},
		{`[{"client":0,"op":"put","key":"k","call_ns":1,"return_ns":2,"via":"client"}]`, "", `history.json: op 1: no "value" field (a put has one)`},
		{`[{"client":0,"op":"get","key":"k","found":true,"call_ns":1,"return_ns":2,"via":"client"}]`, "", `history.json: op 1: no "value" field (a get that found its key has one)`},
		{`[{"client":"a","op":"put","key":"k","call_ns":1,"return_ns":2}]`, "", "history.json: op 1: client: want int, found string"},
		{`[{"client":-2,"op":"put","key":"k","call_ns":1,"return_ns":2}]`, "", "history.json: op 1: client -2: want 0 or more"},
		{`[{"client":-1,"op":"put","key":"k","call_ns":1,"return_ns":2}]`, "", `history.json: op 1: client -1 (the final reads) with op "put": want get`},
		{`[{"client":0,"op":"put","key":"k","call_ns":-1,"return_ns":2}]`, "", "history.json: op 1: call_ns -1 is negative"},
		{`[{"client":0,"op":"get","key":"k","unknown":true,"call_ns":1,"return_ns":-1}]`, "", "history.json: op 1: a get of unknown outcome"},
		{`[` + good + `] [`, "", "history.json: more JSON after the array"},
		{`[` + good + `]`, `garbage`, "report.json: not a chaos report (want the JSON object a chaos run saves); move it away to recheck history.json alone\n"},
		{`[` + good + `]`, `{}`, `report.json: not a chaos report (no "converged" field)`},
		{`[` + good + `]`, `{"converged":"yes"}`, "report.json: converged: want bool, found string"},
		{`[` + good + `]`, `null`, "report.json: not a chaos report"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "history.json"), []byte(tc.history), 0o644); err != nil {
			t.Fatal(err)
		}
		if tc.report != "" {
			if err := os.WriteFile(filepath.Join(dir, "report.json"), []byte(tc.report), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, stdout, errs := runCLI(t, "", "chaos", "--recheck", dir)
		want := "raftplay: --recheck " + dir + ": " + tc.want
		if code != 2 || !strings.HasPrefix(errs, want) || strings.Count(errs, "\n") != 1 || stdout != "" {
			t.Errorf("history %s, report %q: exit %d, stderr %q, stdout %q; want exit 2 and %q", tc.history, tc.report, code, errs, stdout, want)
		}
	}
	// A valid history whose unknown write has no return time passes.
	dir := t.TempDir()
	hist := `[` + good + `,{"client":1,"op":"del","key":"k","unknown":true,"call_ns":3,"return_ns":-1,"via":"http"},` +
		`{"client":-1,"op":"get","key":"k","value":"v","found":true,"call_ns":5,"return_ns":6,"via":"client"}]`
	os.WriteFile(filepath.Join(dir, "history.json"), []byte(hist), 0o644)
	if code, stdout, errs := runCLI(t, "", "chaos", "--recheck", dir); code != 0 || !strings.Contains(stdout, "verdict:         PASS") {
		t.Errorf("a valid history: exit %d:\n%s%s", code, stdout, errs)
	}
	// Flags that shape a new run do not go with --recheck (they were
	// ignored without a word).
	if code, _, errs := runCLI(t, "", "chaos", "--recheck", dir, "--seed", "3", "--unsafe"); code != 2 || !strings.Contains(errs, "--seed, --unsafe would shape a new run") {
		t.Errorf("--recheck with --seed and --unsafe: exit %d, %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "chaos", "--recheck", dir, "--check-timeout", "10s"); code != 0 {
		t.Errorf("--recheck with --check-timeout: exit %d, %s", code, errs)
	}
}

// Flags without an upper bound let memory or time explode (--plot-width
// 9999999999999 ran out of memory, 100000000 seemed to hang); an empty
// item in a list, or an empty value given explicitly, was taken silently
// for the default (--data "" ran on a temporary directory). Each is a
// usage error naming the flag, and nothing runs.
func TestFlagBoundsAndEmptyValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"experiment", "election", "--plot-width", "9999999999999"}, "raftplay: --plot-width 9999999999999: want 20 to 1000 columns\n"},
		{[]string{"experiment", "election", "--plot-width", "100000000"}, "raftplay: --plot-width 100000000: want 20 to 1000 columns\n"},
		{[]string{"experiment", "election", "--plot-width", "5"}, "raftplay: --plot-width 5: want 20 to 1000 columns\n"},
		{[]string{"experiment", "election", "--from", "/nonexistent", "--plot-width", "100000000"}, "raftplay: --plot-width 100000000: want 20 to 1000 columns\n"},
		{[]string{"experiment", "election", "--trials", "9999999999999"}, "raftplay: --trials 9999999999999: at most 100000 per range"},
		{[]string{"experiment", "election", "--delay", "1000h"}, "raftplay: --delay 1000h0m0s: at most 1s"},
		{[]string{"experiment", "election", "--timeouts", "150ms-150ms,,"}, "raftplay: --timeouts: item 2 of 3 is empty (want MIN-MAX ranges separated by single commas)\n"},
		{[]string{"experiment", "election", "--timeouts", ",150ms-150ms"}, "raftplay: --timeouts: item 1 of 2 is empty"},
		{[]string{"chaos", "--clients", "100000000"}, "raftplay: --clients 100000000: at most 1024: each client holds a client session"},
		{[]string{"chaos", "--keys", "100000000"}, "raftplay: --keys 100000000: at most 1000"},
		{[]string{"chaos", "--faults", "crash,,partition"}, "raftplay: --faults crash,,partition: item 2 is empty"},
		{[]string{"chaos", "--faults", "crash,"}, "raftplay: --faults crash,: item 2 is empty"},
		{[]string{"chaos", "--faults", ""}, "raftplay: --faults: empty value (give a value, or leave --faults out)\n"},
		{[]string{"chaos", "--out", ""}, "raftplay: --out: empty value (give a DIR, or leave --out out)\n"},
		{[]string{"chaos", "--recheck", ""}, "raftplay: --recheck: empty value (give a DIR, or leave --recheck out)\n"},
		{[]string{"script", "--data", "", "-"}, "raftplay: --data: empty value (give a DIR, or leave --data out)\n"},
		{[]string{"script", "-", "--log", ""}, "raftplay: --log: empty value (give a FILE, or leave --log out)\n"},
		{[]string{"script", "--trace=", "-"}, "raftplay: --trace: empty value (give a FILE, or leave --trace out)\n"},
		{[]string{"bench", "--record", ""}, "raftplay: --record: empty value"},
		{[]string{"experiment", "election", "--csv", ""}, "raftplay: --csv: empty value (give a FILE, or leave --csv out)\n"},
		{[]string{"experiment", "election", "--from", ""}, "raftplay: --from: empty value"},
		{[]string{"experiment", "election", "--from", "/nonexistent", "--jsonl", "x.jsonl", "--trials", "5"}, "raftplay: --from prints a saved run again; --jsonl, --trials would shape a new run (only --plot-width goes with --from)\n"},
	}
	for _, tc := range cases {
		code, stdout, errs := runCLI(t, "", tc.args...)
		if code != 2 || !strings.HasPrefix(errs, tc.want) || strings.Count(errs, "\n") != 1 || stdout != "" {
			t.Errorf("raftplay %q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// experiment election --from FILE: a file with no trial in it, or a trial
// no run could have measured, is refused naming the line (an empty file
// printed an empty table; a negative time was plotted).
func TestElectionFromRefusesBadInput(t *testing.T) {
	t.Parallel()
	trial := `{"type":"trial","range":"150-300ms","trial":1,"old_term":2,"new_term":3,"election_ns":160000000,"write_ns":170000000}` + "\n"
	cases := []struct{ file, want string }{
		{"", "holds no trials (want the --jsonl FILE of an earlier experiment election)\n"},
		{"\n\n", "holds no trials"},
		{`{"type":"run","nodes":5}` + "\n", "holds no trials"},
		{trial + `{"type":"trial","range":"150-300ms","trial":2,"election_ns":-5}` + "\n", "line 2: election_ns -5 is negative\n"},
		{trial + "\n" + `{"type":"trial","range":"150-300ms","trial":2,"election_ns":5,"write_ns":-1}`, "line 3: write_ns -1 is negative\n"},
		{trial + `{"type":"trial","range":"300-150ms","trial":2,"election_ns":5}` + "\n", "line 2: range \"300-150ms\""},
		{trial + "{\n", "line 2: unexpected end of JSON input\n"},
	}
	for _, tc := range cases {
		path := filepath.Join(t.TempDir(), "e.jsonl")
		if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, errs := runCLI(t, "", "experiment", "election", "--from", path)
		want := "raftplay: --from " + path + ": " + tc.want
		if code != 2 || !strings.HasPrefix(errs, want) || stdout != "" {
			t.Errorf("--from %q: exit %d, stderr %q; want exit 2 and %q", tc.file, code, errs, want)
		}
	}
	path := filepath.Join(t.TempDir(), "e.jsonl")
	os.WriteFile(path, []byte(trial), 0o644)
	if code, stdout, errs := runCLI(t, "", "experiment", "election", "--from", path); code != 0 || !strings.Contains(stdout, "150-300ms") {
		t.Errorf("a good file: exit %d:\n%s%s", code, stdout, errs)
	}
}

// A data directory whose node-2 is a file or a dangling symbolic link is
// told as such (it was said to hold no log of node 2: amnesia), and a
// failed start leaves the user's link alone (it deleted it).
func TestBrokenNodeDirIsToldAsSuch(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	node2 := filepath.Join(data, "node-2")
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	fresh := t.TempDir()
	freshLink := filepath.Join(fresh, "node-2")
	if err := os.Symlink(nowhere, freshLink); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, data string
		make       func()
		want       string
	}{
		{"a file", data, func() { os.RemoveAll(node2); os.WriteFile(node2, nil, 0o644) },
			"raftplay: node 2 could not start: its directory " + node2 + " is a file, not a directory: move the file away\n"},
		{"a dangling link", data, func() { os.Remove(node2); os.Symlink(nowhere, node2) },
			"raftplay: node 2 could not start: its directory " + node2 + " is a symbolic link to a missing path (" + nowhere + "): restore its target, or remove the link\n"},
		{"a dangling link in a fresh directory", fresh, func() {},
			"raftplay: node 2 could not start: its directory " + freshLink + " is a symbolic link to a missing path (" + nowhere + "): restore its target, or remove the link\n"},
	}
	for _, tc := range cases {
		tc.make()
		code, _, errs := runCLI(t, "wait leader\n", "script", "--nodes", "3", "--data", tc.data, "-")
		if code != 1 || errs != tc.want {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", tc.name, code, errs, tc.want)
		}
	}
	if target, err := os.Readlink(freshLink); err != nil || target != nowhere {
		t.Errorf("the failed start touched the user's link: %q, %v", target, err)
	}
	if ents, _ := os.ReadDir(fresh); len(ents) != 1 {
		t.Errorf("the failed start left %d entries in the fresh directory, want only the link", len(ents))
	}
}

// failingWriter fails every write with err.
type failingWriter struct{ err error }

func (f failingWriter) Write(p []byte) (int, error) { return 0, f.err }

// Output the user asked for and did not get is told beside a failed
// check, which keeps its exit status: the failure alone was printed, and
// the lost --log or --trace went unsaid. The --json end record says both.
func TestLostOutputIsToldBesideAFailedCheck(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full (not Linux):", err)
	}
	const script = "wait leader\nexpect leader none\n"
	// Three nodes: a single one sends no message, and its trace is empty.
	for _, flag := range []string{"--log", "--trace"} {
		code, _, errs := runCLI(t, script, "script", "--nodes", "3", "--data", t.TempDir(), flag, "/dev/full", "-")
		lost := "raftplay: " + flag + " /dev/full: no space left on device\n"
		if code != 1 || !strings.Contains(errs, lost) || !strings.Contains(errs, "raftplay: script standard input stopped at line 2: expect leader none: leader is ") {
			t.Errorf("%s: exit %d, stderr %q; want 1, the failure and %q", flag, code, errs, lost)
		}
		code, out, errs := runCLI(t, script, "script", "--json", "--nodes", "3", "--data", t.TempDir(), flag, "/dev/full", "-")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		last := lines[len(lines)-1]
		if code != 1 || !strings.HasPrefix(last, `{"type":"end","ok":false,"commands":2,"passed":1,"line":2,"error":"standard input: line 2: expect leader none: leader is `) ||
			!strings.HasSuffix(last, `; also `+flag+` /dev/full: no space left on device"}`) || !strings.Contains(errs, lost) {
			t.Errorf("%s --json: exit %d, last line %s\nstderr %s", flag, code, last, errs)
		}
	}
}

// Output the user asked for and did not get is a failure, named: a full
// disk under --log, --trace or standard output lost it silently (exit 0).
// A closed pipe on standard output stays SIGPIPE's (exit 141, no message).
func TestLostOutputIsAnError(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full (not Linux):", err)
	}
	const script = "wait leader\nput k v\n"
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"script", "--nodes", "1", "--log", "/dev/full", "-"}, "raftplay: --log /dev/full: no space left on device\n"},
		{[]string{"script", "--nodes", "3", "--trace", "/dev/full", "-"}, "raftplay: --trace /dev/full: no space left on device\n"},
		{[]string{"experiment", "election", "--quick", "--trials", "1", "--timeouts", "25-50ms", "--jsonl", "/dev/full"}, "raftplay: --jsonl /dev/full: no space left on device\n"},
		{[]string{"experiment", "election", "--quick", "--trials", "1", "--timeouts", "25-50ms", "--csv", "/dev/full"}, "raftplay: --csv /dev/full: no space left on device\n"},
	}
	for _, tc := range cases {
		args := append(tc.args, "--data", t.TempDir())
		code, _, errs := runCLI(t, script, args...)
		if code != 1 || !strings.HasSuffix(errs, tc.want) {
			t.Errorf("raftplay %q: exit %d, stderr %q; want 1 and %q", tc.args, code, errs, tc.want)
		}
	}
	// Standard output, as main runs it.
	for _, args := range [][]string{
		{"script", "--nodes", "1", "-"},
		{"bench", "--nodes", "1", "--duration", "100ms", "--warmup", "0s", "--quiet"},
		{"chaos", "--recheck", "testdata-none"}, // an error of its own: told as it is
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		out := &outputWriter{w: failingWriter{syscall.ENOSPC}, cancel: cancel}
		var errb bytes.Buffer
		if args[0] != "chaos" { // --recheck takes no --data
			args = append(args, "--data", t.TempDir())
		}
		// The script writes at once (echo), not only once a leader is
		// elected: on a disk the other packages' tests load, that took
		// over the wait's 10 s in one run.
		err := out.check(run(ctx, args, strings.NewReader("echo first\n"+script), out, &errb))
		want, wantCode := "standard output: no space left on device", 1
		if args[0] == "chaos" {
			want, wantCode = "--recheck testdata-none: testdata-none/history.json: no such file or directory", 2
		}
		if code := finish(ctx, err, &errb); code != wantCode || err == nil || err.Error() != want {
			t.Errorf("raftplay %q > a full disk: exit %d, %v; want %d and %q", args, code, err, wantCode, want)
		}
		cancel(nil)
	}
	// raftplay wal DATA > a full disk: standard output's fault, not the
	// nodes' (it said no start could run the cluster).
	// The data directory only needs a cluster's files: a leader elected,
	// with time for it while the other packages' tests load the disk (a
	// put of this setup, not done within 5 s, failed a CI run).
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader 60s\n", "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatal(errs)
	}
	for _, dir := range []string{data, filepath.Join(data, "node-1")} {
		ctx, cancel := context.WithCancelCause(context.Background())
		out := &outputWriter{w: failingWriter{syscall.ENOSPC}, cancel: cancel}
		var errb bytes.Buffer
		err := out.check(run(ctx, []string{"wal", dir}, strings.NewReader(""), out, &errb))
		if code := finish(ctx, err, &errb); code != 1 || err == nil || err.Error() != "standard output: no space left on device" {
			t.Errorf("raftplay wal %s > a full disk: exit %d, %v", dir, code, err)
		}
		cancel(nil)
	}
	// replay --to-script - > a full disk: told as standard output, as the
	// others (it said "--to-script -: write /dev/stdout: ...").
	rec := filepath.Join(t.TempDir(), "r.rec")
	os.WriteFile(rec, []byte(`{"format":"raftplay-recording","version":1,"start":1,"options":{"nodes":3}}`+"\n"+
		`{"t":5,"k":"c","c":{"at":6,"text":"crash 1","out":"ok"}}`+"\n"+`{"t":7,"k":"end"}`+"\n"), 0o644)
	{
		ctx, cancel := context.WithCancelCause(context.Background())
		out := &outputWriter{w: failingWriter{syscall.ENOSPC}, cancel: cancel}
		var errb bytes.Buffer
		err := out.check(run(ctx, []string{"replay", rec, "--to-script", "-"}, strings.NewReader(""), out, &errb))
		if code := finish(ctx, err, &errb); code != 1 || err == nil || err.Error() != "standard output: no space left on device" {
			t.Errorf("raftplay replay --to-script - > a full disk: exit %d, %v", code, err)
		}
		cancel(nil)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	out := &outputWriter{w: failingWriter{syscall.EPIPE}, cancel: cancel}
	var errb bytes.Buffer
	err := out.check(run(ctx, []string{"script", "--nodes", "1", "--data", t.TempDir(), "-"}, strings.NewReader(script), out, &errb))
	if code := finish(ctx, err, &errb); code != 141 || errb.String() != "" {
		t.Errorf("a closed pipe: exit %d, stderr %q; want 141 and nothing", code, errb.String())
	}
}

// endless is a reader that never ends: `yes | raftplay script -`.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// A script that never ends is refused at maxScriptBytes (it was read
// until memory ran out: 1 GB after 10 s, and nothing ran).
func TestEndlessScriptIsRefused(t *testing.T) {
	t.Parallel()
	_, err := readScript(t.Context(), "-", endless{})
	if err == nil || !strings.Contains(err.Error(), "standard input holds more than 64 MiB") {
		t.Fatalf("endless standard input: %v", err)
	}
}

// With --json, a script that does not parse says so on standard output
// too, one JSON line per bad line (a CI reading the JSON saw nothing).
func TestParseErrorsAsJSON(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "wait leader\nexpect foo\nput\n", "script", "--json", "--nodes", "1", "-")
	want := `{"type":"parse-error","line":2,"column":8,"error":"expect: unknown check \"foo\" (want leader, role, term, commit, last, applied, snapshot, get, safe, config or violation)"}
{"type":"parse-error","line":3,"column":4,"error":"put: missing KEY (want put KEY VALUE)"}
{"type":"end","ok":false,"commands":0,"passed":0,"error":"standard input: 2 lines do not parse"}
`
	if code != 2 || out != want || !strings.Contains(errs, "2 lines do not parse") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	// A script that cannot be read says so there too.
	missing := filepath.Join(t.TempDir(), "none.txt")
	code, out, _ = runCLI(t, "", "script", "--json", "--nodes", "1", missing)
	if code != 2 || !strings.HasPrefix(out, `{"type":"read-error","error":"script `+missing) || !strings.Contains(out, "}\n"+`{"type":"end","ok":false,`) {
		t.Fatalf("a missing script: exit %d, stdout %q", code, out)
	}
}

// pathErrWriter fails every write with a new *fs.PathError, as os.Stdout
// does: each failed write's error is a value of its own.
type pathErrWriter struct{}

func (pathErrWriter) Write(p []byte) (int, error) {
	return 0, &fs.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}
}

// A subcommand that returns the error of a later write of standard output
// (chaos, experiment) is told as standard output's, as the others are (it
// said "write /dev/stdout: no space left on device": a CI user).
func TestLaterStdoutWriteErrorIsStandardOutputs(t *testing.T) {
	_, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	out := &outputWriter{w: pathErrWriter{}, cancel: cancel}
	fmt.Fprintln(out, "first")
	_, later := out.Write([]byte("later"))
	if err := out.check(later); err == nil || err.Error() != "standard output: no space left on device" {
		t.Errorf("check(a later write's error) = %v", err)
	}
	other := &fs.PathError{Op: "write", Path: "/tmp/x.log", Err: syscall.ENOSPC}
	if err := out.check(other); err != other {
		t.Errorf("check(another file's error) = %v, want it as it is", err)
	}
}

// Outputs are told apart by what they name, not how: a symbolic link to a
// file another output writes (not there yet) is refused, as is "-" for a
// --log, --trace or --record (a file named "-" was made), and with --json
// an output that is standard output (its lines broke the JSON records).
func TestOutputsThatAreOneFileOrAStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	link := filepath.Join(dir, "link.log")
	if err := os.Symlink("same.log", link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--log", filepath.Join(dir, "same.log"), "--trace", link}, "--trace " + link + ": --log writes that file too"},
		{[]string{"--trace", "-"}, "--trace -: give a file"},
		{[]string{"--record", "-"}, "--record -: give a file"},
		{[]string{"--json", "--trace", "/dev/stdout"}, "--trace /dev/stdout: that is standard output, which carries --json's records"},
	} {
		code, _, errs := runCLI(t, "wait leader\n", append(append([]string{"script", "--nodes", "1"}, tc.args...), "-")...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := os.Stat("-"); err == nil {
		t.Errorf("a file named - was made")
	}
}

// A --json result's command quotes bytes JSON cannot carry as the output
// and errors do (k\xff): they went in as U+FFFD, and the key was lost.
func TestJSONResultQuotesTheCommandsBytes(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "wait leader\nput k\xff\xfe v\x01x\n", "script", "--json", "--nodes", "1", "-")
	if want := `"command":"put k\\xff\\xfe v\\x01x"`; code != 0 || !strings.Contains(out, want) || strings.Contains(out, `\ufffd`) {
		t.Errorf("exit %d, want %s:\n%s\n%s", code, want, out, errs)
	}
}
