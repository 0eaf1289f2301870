package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runCLI runs the program in-process and returns its exit code and outputs.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	if err != nil && err != errSilent {
		errb.WriteString("raftplay: " + err.Error() + "\n")
	}
	return exitCode(err), out.String(), errb.String()
}

func TestScriptFromStdin(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "wait leader\nput x 1\nget x\nexpect get x == 1\nexpect safe\n",
		"script", "--nodes", "3", "--data", t.TempDir(), "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"node 1: raft 127.0.0.1:", "> put x 1\nok index=", "> get x\n1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestScriptFailedCheckExits1(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "wait leader\nexpect leader none\n", "script", "--nodes", "1", "--data", t.TempDir(), "-")
	if code != 1 || !strings.Contains(out, "error: line 2: expect leader none: leader is 1 (term ") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

// Bad input: every case exits 2 with a message that says what and where,
// and no cluster starts.
func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"wait leader\nexpect leaderr\n", []string{"script", "-"}, "-: line 2:8: expect: unknown check \"leaderr\" (did you mean \"leader\"?)"},
		{"crash 7\n", []string{"script", "--nodes", "3", "-"}, "line 1:7: crash: node 7 out of range (want a node number 1..3)"},
		{"sleep 5x\n", []string{"script", "-"}, "line 1:7:"},
		{"", []string{"script"}, "no script file given"},
		{"", []string{"script", "/nonexistent/script.txt"}, "no such file"},
		{"", []string{"script", "--nodes", "0", "-"}, "--nodes 0: want 1 to 9"},
		{"", []string{"script", "--nodes", "x", "-"}, "invalid value \"x\" for flag -nodes"},
		{"", []string{"script", "--election", "300ms-100ms", "-"}, "want 0 < MIN <= MAX"},
		{"", []string{"script", "--election", "soon", "-"}, "want MIN-MAX"},
		{"", []string{"script", "--heartbeat", "1s", "-"}, "heartbeat 1s must be shorter than the election timeout"},
		{"", []string{"script", "--data", filepath.Join(file, "sub"), "-"}, "not a directory"},
		{"", []string{"script", "--port", "80", "-"}, "--port 80"},
		{"", []string{"bench", "--clients", "0"}, "--clients >= 1"},
		{"", []string{"frobnicate"}, "unknown subcommand \"frobnicate\""},
		{"", []string{"help", "frob"}, "unknown command"},
		{"", nil, "the dashboard needs a terminal"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, tc.stdin, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("raftplay %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestBusyPortIsAClearError(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	code, _, errs := runCLI(t, "status\n", "script", "--nodes", "1", "--port", port, "-")
	if code != 1 || !strings.Contains(errs, "address already in use") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestJSONOutput(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "wait leader\nput k v\n", "script", "--json", "--nodes", "3", "--data", t.TempDir(), "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	var types []string
	results := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		typ, _ := line["type"].(string)
		types = append(types, typ)
		if typ == "result" {
			results++
			if line["ok"] != true {
				t.Errorf("result not ok: %v", line)
			}
		}
	}
	if len(types) < 5 || types[0] != "node" || types[1] != "node" || types[2] != "node" || results != 2 {
		t.Fatalf("line types %v, %d results", types, results)
	}
	if !strings.Contains(out, `"kind":"raft.`) {
		t.Errorf("no raft events in the JSON stream:\n%s", out)
	}
}

func TestTraceFile(t *testing.T) {
	t.Parallel()
	trace := filepath.Join(t.TempDir(), "trace.txt")
	code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--trace", trace, "--nodes", "3", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "became leader") || !strings.Contains(string(b), "> line 2: put k v") {
		t.Fatalf("trace lacks the election or the command:\n%s", b)
	}
}

func TestTempDataRemovedUnlessKeep(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--nodes", "1", "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary data left behind: %v", left)
	}
	code, _, errs := runCLI(t, "wait leader\n", "script", "--keep", "--nodes", "1", "-")
	if code != 0 || !strings.Contains(errs, "data kept in "+tmp) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 1 {
		t.Fatalf("--keep: want the data directory kept, found %v", left)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "", "help")
	if code != 0 || !strings.Contains(out, "raftplay script [flags] FILE") || !strings.Contains(out, "partition") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "help", "propose")
	if code != 0 || !strings.Contains(out, "propose N KEY VALUE") {
		t.Fatalf("help propose: exit %d:\n%s", code, out)
	}
}

func TestBenchPrintsOneJSONLine(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "", "bench", "--nodes", "3", "--clients", "4", "--duration", "300ms", "--warmup", "0s", "--data", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Impl      string
		Nodes     int
		Clients   int
		Ops       int
		OpsPerSec float64 `json:"ops_per_sec"`
		P50       float64 `json:"p50_ms"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("not one JSON line: %q (%v)", out, err)
	}
	if res.Impl != "raftplay" || res.Nodes != 3 || res.Clients != 4 || res.Ops == 0 || res.OpsPerSec <= 0 || res.P50 <= 0 {
		t.Fatalf("result %+v", res)
	}
}

func TestWALInspector(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--nodes", "1", "--data", data, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := runCLI(t, "", "wal", filepath.Join(data, "node-1"))
	if code != 0 || !strings.Contains(out, "entry") || !strings.Contains(out, "crc=ok") {
		t.Fatalf("exit %d: %s\n%s", code, out, errs)
	}
	if code, _, _ := runCLI(t, "", "wal"); code != 2 {
		t.Fatalf("wal without a directory: exit %d, want 2", code)
	}
	if code, _, errs := runCLI(t, "", "wal", filepath.Join(data, "nope")); code != 1 || errs == "" {
		t.Fatalf("wal of a missing directory: exit %d (%s)", code, errs)
	}
}

func TestExperimentElectionQuick(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath, jsonlPath := filepath.Join(dir, "e.csv"), filepath.Join(dir, "e.jsonl")
	code, out, errs := runCLI(t, "", "experiment", "election", "--quick", "--trials", "3", "--seed", "5",
		"--csv", csvPath, "--jsonl", jsonlPath, "--data", filepath.Join(dir, "data"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"leader election: 5 nodes, 3 trials per range, one-way delay 0s, seed 5",
		"25-50ms", "50-100ms", "median", "paper", "cumulative fraction", "1 25-50ms   2 50-100ms", "6 trials in "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(csvPath)
	if err != nil || strings.Count(string(b), "\n") != 7 {
		t.Errorf("csv: %v\n%s", err, b)
	}
	b, err = os.ReadFile(jsonlPath)
	if err != nil || strings.Count(string(b), "\n") != 9 {
		t.Errorf("jsonl: %v\n%s", err, b)
	}
	code, again, errs := runCLI(t, "", "experiment", "election", "--from", jsonlPath)
	if code != 0 || !strings.Contains(again, "leader election: 5 nodes, 3 trials per range, one-way delay 0s, seed 5") || !strings.Contains(again, "1 25-50ms   2 50-100ms") {
		t.Errorf("--from: exit %d: %s\n%s", code, again, errs)
	}
}

func TestChaosCommand(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errs := runCLI(t, "", "chaos", "--quick", "--seed", "3", "--out", out, "--data", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stdout, errs)
	}
	for _, want := range []string{"chaos: seed 3, 5 nodes, 2s", "operations:", "faults injected:", "linearizability: ok", "acked writes lost: 0", "verdict:         PASS"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, errs = runCLI(t, "", "chaos", "--recheck", out)
	if code != 0 || !strings.Contains(stdout, "linearizability: ok") || !strings.Contains(stdout, "verdict:         PASS") {
		t.Fatalf("--recheck: exit %d: %s\n%s", code, stdout, errs)
	}
}

func TestExperimentUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"experiment"}, "want an experiment name: election"},
		{[]string{"experiment", "paxos"}, "want an experiment name: election"},
		{[]string{"experiment", "election", "--timeouts", "300-150ms"}, "--timeouts: range \"300-150ms\": want 0 < MIN <= MAX"},
		{[]string{"experiment", "election", "--trials", "0"}, "--trials >= 1"},
		{[]string{"chaos", "--nodes", "2"}, "--nodes >= 3"},
		{[]string{"chaos", "--duration", "0s"}, "--duration > 0"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("raftplay %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}
