package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/experiment"
	"raftplay/wal"
)

// runCLI runs the program in-process and returns its exit code and outputs.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	printError(&errb, err)
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
	code, out, errs := runCLI(t, "wait leader\nexpect leader none\n", "script", "--nodes", "1", "--data", t.TempDir(), "-")
	if !strings.HasPrefix(errs, "raftplay: script standard input stopped at line 2: expect leader none: leader is 1 (term ") {
		t.Errorf("stderr %q does not say where the script stopped", errs)
	}
	if code != 1 || !strings.Contains(out, "error: line 2: expect leader none: leader is 1 (term ") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

// A command's failure names the command once (a new user saw
// "powerfail all: powerfail all: no node is running").
func TestScriptFailureNamesTheCommandOnce(t *testing.T) {
	t.Parallel()
	code, _, errs := runCLI(t, "powerfail all\npowerfail all\n", "script", "--nodes", "3", "--data", t.TempDir(), "-")
	if want := "raftplay: script standard input stopped at line 2: powerfail all: no node is running\n"; code != 1 || errs != want {
		t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errs, want)
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
	// A cluster's data directory (its CLUSTER file) with a node's in it.
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(data, "node-2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "CLUSTER"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"wait leader\nexpect leaderr\n", []string{"script", "-"}, "raftplay: standard input: line 2: column 8: expect: unknown check \"leaderr\" (did you mean \"leader\"?) (want leader, role, term, commit, last, applied, snapshot, get, safe, config or violation)\n"},
		{"crash 7\n", []string{"script", "--nodes", "3", "-"}, "line 1: column 7: crash: node 7 out of range (want a node number 1..3)"},
		{"sleep 5x\n", []string{"script", "-"}, "line 1: column 7:"},
		// Replay's commands in a script: told before anything runs.
		{"wait leader\n  seek 2s\n", []string{"script", "-"}, "raftplay: standard input: line 2: column 3: seek works only in a replay (raftplay replay FILE); a script runs on a live cluster\n"},
		{"fork\n", []string{"script", "-"}, "line 1: column 1: fork works only in a replay"},
		{"", []string{"script"}, "no script file given"},
		{"", []string{"script", "/nonexistent/script.txt"}, "no such file"},
		{"", []string{"script", "--nodes", "0", "-"}, "--nodes 0: want 1 to 9"},
		{"", []string{"script", "--nodes", "x", "-"}, "raftplay: --nodes x: want a whole number\n"},
		{"", []string{"script", "--election", "300ms-100ms", "-"}, "raftplay: --election: bad range \"300ms-100ms\": MIN must not be more than MAX"},
		{"", []string{"script", "--election", "soon", "-"}, "raftplay: --election: bad range \"soon\" (want MIN-MAX, like 150ms-300ms)\n"},
		{"", []string{"script", "--election", "0s-1s", "-"}, "raftplay: --election 0s-1s: minimum 0s must be positive\n"},
		{"", []string{"script", "--heartbeat", "1s", "-"}, "raftplay: --heartbeat 1s: must be shorter than the minimum election timeout (--election 150ms-300ms)\n"},
		{"", []string{"script", "--election", "12ms-24ms", "-"}, "raftplay: --election 12ms-24ms: the minimum must be longer than the heartbeat (15ms, the default): give a shorter --heartbeat too\n"},
		{"", []string{"script", "--heartbeat", "soon", "-"}, "raftplay: --heartbeat soon: want a duration like 150ms or 2s\n"},
		{"", []string{"script", "--heartbeat", "1ns", "-"}, "raftplay: --heartbeat 1ns is too short (min 1ms: the nodes keep time in ticks of 1 ms or more)\n"},
		{"", []string{"script", "--election", "2ns-3ns", "-"}, "raftplay: --election 2ns-3ns: minimum 2ns is too short (min 2ms: the nodes keep time in ticks of 1 ms or more)\n"},
		{"", []string{"script", "--frob", "-"}, "raftplay: script: unknown flag --frob (`raftplay help script` lists the flags)\n"},
		{"# flags: --data /tmp/x\nwait leader\n", []string{"script", "-"}, "raftplay: standard input: line 1: # flags: --data cannot be set by a script (it may set --nodes, --heartbeat, --election, --seed, --prevote, --checkquorum, --snapshot-every)\n"},
		{"# a test\n\n# flags: --nodes 30\nwait leader\n", []string{"script", "-"}, "raftplay: --nodes 30: want 1 to 9 (with the flags of standard input line 3: # flags: --nodes 30)\n"},
		{"# flags: --nodes x\n", []string{"script", "-"}, "raftplay: standard input: line 1: # flags: --nodes x: want a whole number\n"},
		{"# flags: --frob\n", []string{"script", "-"}, "raftplay: standard input: line 1: # flags: unknown flag --frob (a script may set --nodes,"},
		{"# flags: nodes 3\n", []string{"script", "-"}, "raftplay: standard input: line 1: # flags: \"nodes\" is not a flag\n"},
		{"# flags: --nodes 3\n# flags: --prevote\nwait leader\n", []string{"script", "-"}, "raftplay: standard input: line 2: a second # flags: line (the first is line 1): put the flags on one line\n"},
		{"# flags: --nodes 3\ncrash 4\n", []string{"script", "-"}, "line 2: column 7: crash: node 4 out of range (want a node number 1..3)"},
		{"# flags: --nodes 3\nwait leader\n", []string{"script", "--heartbeat", "1ns", "-"}, "raftplay: --heartbeat 1ns is too short (min 1ms: the nodes keep time in ticks of 1 ms or more)\n"},                                                                                            // the user's flag, not the header's
		{"# flags: --election 20ms-40ms\nwait leader\n", []string{"script", "--heartbeat", "30ms", "-"}, "raftplay: --heartbeat 30ms: must be shorter than the minimum election timeout (--election 20ms-40ms) (with the flags of standard input line 1: # flags: --election 20ms-40ms)\n"}, // the two together
		{"", []string{"--nodes", "3", "learn", "1"}, "raftplay: unexpected argument \"learn\": a subcommand comes first, its flags after it (raftplay learn [flags] ...)\n"},
		{"", []string{"script", "--data", filepath.Join(file, "sub"), "-"}, "not a directory"},
		{"", []string{"script", "--data", file, "-"}, "raftplay: --data " + file + ": it is a file, not a directory\n"},
		{"", []string{"script", "--data", os.DevNull, "-"}, "raftplay: --data " + os.DevNull + ": it is not a directory (a character device)\n"},
		{"", []string{"script", "--data", filepath.Join(data, "node-2"), "-"}, "raftplay: --data " + filepath.Join(data, "node-2") + ": it is a node's directory of the cluster in " + data + ": name that one\n"},
		{"", []string{"script", "--port", "80", "-"}, "--port 80"},
		// A whole number too large for the flag is not "not a whole number".
		{"", []string{"script", "--snapshot-every", "99999999999999999999", "-"}, "raftplay: --snapshot-every 99999999999999999999: too large (want a whole number up to 18446744073709551615)\n"},
		{"", []string{"script", "--nodes", "99999999999999999999", "-"}, "raftplay: --nodes 99999999999999999999: too large (want a whole number up to 9223372036854775807)\n"},
		{"", []string{"script", "--nodes", "-99999999999999999999", "-"}, "raftplay: --nodes -99999999999999999999: too small (want a whole number from -9223372036854775808)\n"},
		{"", []string{"bench", "--clients", "0"}, "raftplay: --clients 0: want 1 or more writers\n"},
		{"", []string{"bench", "--payload", "-1"}, "raftplay: --payload -1: want 0 or more bytes\n"},
		{"", []string{"bench", "--payload", "1048577"}, "raftplay: --payload 1048577: more than 1048576 bytes (1 MiB), the largest value the HTTP API accepts\n"},
		{"", []string{"bench", "--duration", "0s"}, "raftplay: --duration 0s: must be positive\n"},
		{"", []string{"bench", "--warmup", "-1s"}, "raftplay: --warmup -1s: must not be negative\n"},
		{"", []string{"bench", "extra"}, "raftplay: bench: unexpected argument \"extra\"\n"},
		{"", []string{"frobnicate"}, "unknown subcommand \"frobnicate\""},
		{"", []string{"help", "frob"}, "unknown command"},
		{"", nil, "the dashboard needs a terminal"},
		{"", []string{"--nodes", "0"}, "raftplay: --nodes 0: want 1 to 9\n"}, // the flag before the terminal
		{"", []string{"experiment", "election", "--quick", "--tick", "1h"}, "raftplay: --tick 1h0m0s: longer than the heartbeat 12.5ms of range 25-50ms: want at most that\n"},
		{"", []string{"experiment", "election", "--quick", "--tick", "7ms"}, "raftplay: --tick 7ms: range 25-50ms is not whole ticks of 7ms (timeouts are drawn in whole ticks): pick a tick that divides both bounds\n"},
		{"", []string{"--nodes", "3", "scenario.txt"}, "raftplay: unexpected argument \"scenario.txt\" (scripts run with --script FILE or `raftplay script FILE`)\n"},
		{"", []string{"--script", "/nonexistent/s.txt"}, "raftplay: --script /nonexistent/s.txt: no such file or directory\n"},
		{"", []string{"wal", "/nonexistent"}, "raftplay: wal /nonexistent: no such file or directory\n"},
		{"", []string{"wal", file}, "raftplay: wal " + file + ": not a directory"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, tc.stdin, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("raftplay %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
		// One sentence, said once: no usage dump, no doubled prefix.
		if strings.Count(errs, "\n") != 1 || strings.Contains(errs, "raftplay: raftplay:") || !strings.HasPrefix(errs, "raftplay: ") {
			t.Errorf("raftplay %v: stderr is not one \"raftplay: ...\" line: %q", tc.args, errs)
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

// --allow-failed on a cluster whose every node's port is taken: no node
// could start, and the advice is about the port, not a WAL's damage.
func TestAllowFailedWithEveryPortBusy(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--nodes", "1", "--data", data, "-"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	code, _, errs := runCLI(t, "status\n", "script", "--allow-failed", "--data", data, "--port", port, "-")
	if code != 1 || !strings.Contains(errs, "no node could start") || !strings.Contains(errs, "address already in use") ||
		!strings.Contains(errs, "pick another --port") || strings.Contains(errs, "raftplay wal") {
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
	// The last line says the run ended whole (a stream cut short has none,
	// or one that says where it stopped).
	if want := `{"type":"end","ok":true,"commands":2,"passed":2}` + "\n"; !strings.HasSuffix(out, want) {
		t.Errorf("output does not end with %s", want)
	}
	code, out, _ = runCLI(t, "wait leader\nput k v\nexpect get k == w\nput k x\n", "script", "--json", "--nodes", "1", "--data", t.TempDir(), "-")
	if want := `{"type":"end","ok":false,"commands":4,"passed":2,"line":3,"error":"standard input: line 3: expect get k == w: get k returned v"}` + "\n"; code != 1 || !strings.HasSuffix(out, want) {
		t.Errorf("a failed check: exit %d, output does not end with %s:\n%s", code, want, out)
	}
	if !strings.Contains(out, `"kind":"raft.`) {
		t.Errorf("no raft events in the JSON stream:\n%s", out)
	}
	if strings.Contains(out, `"kept"`) {
		t.Errorf("a run on --data names a kept directory:\n%s", out)
	}
	// --keep's temporary directory is in the seed record (it was told
	// only on standard error, at exit: a CI job reading the stream could
	// not find it).
	code, out, errs = runCLI(t, "wait leader\n", "script", "--json", "--keep", "--nodes", "1", "-")
	var kept string
	for _, l := range strings.Split(out, "\n") {
		var r struct{ Type, Kept string }
		if json.Unmarshal([]byte(l), &r) == nil && r.Type == "seed" {
			kept = r.Kept
		}
	}
	if kept != "" {
		defer os.RemoveAll(kept)
	}
	if fi, err := os.Stat(kept); code != 0 || kept == "" || err != nil || !fi.IsDir() || !strings.Contains(errs, "data kept in "+kept+"\n") {
		t.Errorf("--json --keep: exit %d, kept %q (%v), stderr %q:\n%s", code, kept, err, errs, out)
	}
}

func TestLogFile(t *testing.T) {
	t.Parallel()
	logf := filepath.Join(t.TempDir(), "log.txt")
	code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--log", logf, "--nodes", "3", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(logf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "became leader") || !strings.Contains(string(b), "> line 2: put k v") {
		t.Fatalf("log lacks the election or the command:\n%s", b)
	}
}

// --trace FILE streams the message trace as JSON lines: the election's
// vote requests and grants, and the write's appends, each sent and
// delivered.
func TestMessageTraceFile(t *testing.T) {
	t.Parallel()
	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--trace", trace, "--nodes", "3", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var last uint64
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct {
			Seq         uint64
			Event, Kind string
			From, To    uint64
			Term        uint64
			Reject      bool
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d is not JSON: %q", i+1, line)
		}
		if r.Seq != last+1 {
			t.Fatalf("line %d: seq %d after %d", i+1, r.Seq, last)
		}
		last = r.Seq
		seen[r.Kind+" "+r.Event] = true
	}
	for _, want := range []string{"vote sent", "vote delivered", "vote-resp delivered", "app sent", "app delivered", "app-resp delivered"} {
		if !seen[want] {
			t.Errorf("no %q record in the trace (saw %v)", want, seen)
		}
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

// TestHelpListsDashboardFlags: `raftplay help` and `raftplay -h` show the
// dashboard's own flags, the shared cluster flags and the exit statuses.
func TestHelpListsDashboardFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || errs != "" {
			t.Errorf("raftplay %v: exit %d, stderr %q", args, code, errs)
		}
		for _, want := range []string{
			"The dashboard's flags:\n  -pace duration\n", "  -script FILE\n",
			"Cluster flags", "  -nodes N\n", "  -election MIN-MAX\n", "(default 1s-2s)", "  -heartbeat duration\n",
			"130 interrupted by SIGINT", "143 terminated by SIGTERM",
			"raftplay help SUBCOMMAND", "The command language",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("raftplay %v lacks %q:\n%s", args, want, out)
			}
		}
	}
}

// TestHelpSubcommands: `raftplay help NAME` prints the subcommand's usage
// and flags on stdout, exactly what `raftplay NAME -h` prints on stderr.
func TestHelpSubcommands(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		h    []string // the same usage through -h
		want []string
	}{
		{"bench", []string{"bench", "-h"}, []string{"usage: raftplay bench [flags]", "  -payload int\n", "0 to 1048576", "  -clients int\n", "  -nodes N\n", "(default 3)", "  -quiet\n"}},
		{"script", []string{"script", "-h"}, []string{"usage: raftplay script [flags] FILE", "  -json\n", "  -trace FILE\n", "  -nodes N\n"}},
		{"chaos", []string{"chaos", "-h"}, []string{"usage: raftplay chaos [flags]", "  -fault-every duration\n", "  -recheck DIR\n", "  -nodes N\n"}},
		{"experiment", []string{"experiment", "election", "-h"}, []string{"usage: raftplay experiment election [flags]", "  -timeouts string\n", "  -trials int\n"}},
		{"wal", []string{"wal", "-h"}, []string{"usage: raftplay wal DIR", "data directory", "Exit 1 when"}},
		{"dashboard", []string{"--nodes", "3", "-h"}, []string{"usage: raftplay [flags]", "  -script FILE\n", "  -pace duration\n", "  -nodes N\n"}},
		{"learn", []string{"learn", "-h"}, []string{"usage: raftplay learn", "  -headless\n", "  -pace duration\n", "  -nodes N\n"}},
	}
	for _, tc := range cases {
		code, out, errs := runCLI(t, "", "help", tc.name)
		if code != 0 || errs != "" {
			t.Errorf("help %s: exit %d, stderr %q", tc.name, code, errs)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("help %s lacks %q:\n%s", tc.name, want, out)
			}
		}
		code, hout, herrs := runCLI(t, "", tc.h...)
		// On standard output, as help's: raftplay bench --help | grep
		// payload found nothing (a CI user).
		if code != 0 || herrs != "" || hout != out {
			t.Errorf("raftplay %v: exit %d, stderr %q; stdout differs from help %s:\n%s", tc.h, code, herrs, tc.name, hout)
		}
	}
	if code, out, _ := runCLI(t, "", "help", "experiment", "election"); code != 0 || !strings.Contains(out, "usage: raftplay experiment election") {
		t.Errorf("help experiment election: exit %d:\n%s", code, out)
	}
	if code, out, errs := runCLI(t, "", "experiment", "-h"); code != 0 || errs != "" || !strings.Contains(out, "usage: raftplay experiment election") {
		t.Errorf("experiment -h: exit %d, stderr %q:\n%s", code, errs, out)
	}
	code, out, _ := runCLI(t, "", "help", "crash")
	if code != 0 || !strings.Contains(out, "at the dashboard's prompt they name the") {
		t.Errorf("help crash does not explain leader at the prompt: exit %d:\n%s", code, out)
	}
	code, _, errs := runCLI(t, "", "help", "bnech")
	if want := "raftplay: help: unknown command \"bnech\"; subcommands: script, learn, bench, experiment, chaos, replay, wal, dashboard\n"; code != 2 || errs != want {
		t.Errorf("help bnech: exit %d, stderr %q, want %q", code, errs, want)
	}
}

// TestElectionFlagAllowsEqualBounds: --election and `set election` follow
// one rule, 0 < MIN <= MAX, so 150ms-150ms (the paper's Figure 16) works in
// both.
func TestElectionFlagAllowsEqualBounds(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "wait leader\nset election 300ms-300ms\nset election 1s-1s\n",
		"script", "--nodes", "1", "--heartbeat", "20ms", "--election", "150ms-150ms", "--data", t.TempDir(), "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "set election 300ms-150ms\n", "script", "--election", "300ms-150ms", "-")
	if code != 2 || !strings.Contains(errs, "--election: bad range \"300ms-150ms\": MIN must not be more than MAX") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, _, errs = runCLI(t, "set election 300ms-150ms\n", "script", "-")
	if want := "raftplay: standard input: line 1: column 14: set: bad range \"300ms-150ms\": MIN must not be more than MAX (like 150ms-300ms, or 150ms-150ms for no randomness)\n"; code != 2 || errs != want {
		t.Fatalf("exit %d: %q, want %q", code, errs, want)
	}
}

// TestErrorsAreEscaped: text that users control (paths, arguments) reaches
// the terminal with its control characters escaped.
func TestErrorsAreEscaped(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "evil\x1b[31mred\rname")
	for _, args := range [][]string{{"wal", bad}, {"script", bad}, {"--script", bad}, {"bench", "--data", bad + "/\x00"}} {
		_, _, errs := runCLI(t, "", args...)
		if strings.ContainsAny(errs, "\x1b\r\x00") || !strings.Contains(errs, `evil\x1b[31mred\rname`) {
			t.Errorf("raftplay %q: stderr not escaped: %q", args, errs)
		}
	}
	var b bytes.Buffer
	printError(&b, errorLines{"first \x1b]0;title\a", "second\nline"})
	if want := "raftplay: first \\x1b]0;title\\a\nraftplay: second\\nline\n"; b.String() != want {
		t.Errorf("printError = %q, want %q", b.String(), want)
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

// TestBenchProgressOnStderr: progress lines go to stderr, once a second,
// counting what the result counts; stdout holds the JSON line alone.
func TestBenchProgressOnStderr(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "", "bench", "--nodes", "1", "--clients", "2", "--duration", "2500ms", "--warmup", "0s", "--data", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct{ Ops int64 }
	if strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &res) != nil {
		t.Errorf("stdout is not one JSON line: %q", out)
	}
	re := regexp.MustCompile(`^bench: (starting the cluster, waiting for a leader|[0-9.]+m?s elapsed of 2.5s measured, ([0-9]+) writes?, [0-9]+ writes/s now|2.5s measured, ([0-9]+) writes?, stopping)$`)
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	if len(lines) < 2 || !strings.Contains(errs, " writes/s now") {
		t.Errorf("stderr lacks the progress lines: %q", errs)
	}
	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("progress line %q", l)
			continue
		}
		if n, _ := strconv.ParseInt(m[2]+m[3], 10, 64); n > res.Ops {
			t.Errorf("progress line %q counts more than the result's %d", l, res.Ops)
		}
	}
	code, _, errs = runCLI(t, "", "bench", "--quiet", "--nodes", "1", "--clients", "1", "--duration", "1200ms", "--warmup", "0s", "--data", t.TempDir())
	if code != 0 || errs != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, errs)
	}
}

// TestBenchProgressLine: a line tells the phase (starting, warm-up,
// measured), the time into it (never past its end: the lines went "7s
// elapsed of about 3s"), its writes and the rate since the previous line;
// on a terminal the line is rewritten in place and erased at the end.
func TestBenchProgressLine(t *testing.T) {
	p := &benchProgress{warmup: 2 * time.Second, duration: 10 * time.Second}
	for _, tc := range []struct {
		elapsed         time.Duration
		acked, measured int64
		want            string
	}{
		{-1, 0, 0, "bench: starting the cluster, waiting for a leader"},
		{time.Second, 100, 0, "bench: 1s elapsed of 2s warm-up, 100 writes, 100 writes/s now"},
		{3 * time.Second, 300, 90, "bench: 1s elapsed of 10s measured, 90 writes, 90 writes/s now"},
		{4040 * time.Millisecond, 400, 190, "bench: 2s elapsed of 10s measured, 190 writes, 96 writes/s now"},
		{4550 * time.Millisecond, 401, 191, "bench: 2.6s elapsed of 10s measured, 191 writes, 2 writes/s now"},
		{15 * time.Second, 900, 500, "bench: 10s measured, 500 writes, stopping"},
		{16 * time.Second, 900, 500, ""}, // said once: the cluster may take seconds to stop
	} {
		if got := p.line(tc.elapsed, tc.acked, tc.measured); got != tc.want {
			t.Errorf("line(%v, %d, %d) = %q, want %q", tc.elapsed, tc.acked, tc.measured, got, tc.want)
		}
	}
	var b lockedBuffer
	tty := &benchProgress{w: &b, tty: true, duration: time.Hour}
	var prog cluster.BenchProgress
	prog.Started.Store(time.Now().UnixNano())
	prog.Measured.Store(10)
	stop := tty.run(10*time.Millisecond, &prog)
	for !strings.Contains(b.String(), "10 writes") { // a tick or more
		time.Sleep(time.Millisecond) // polling interval
	}
	stop()
	got := b.String()
	if !strings.HasPrefix(got, "\r\x1b[Kbench: ") || !strings.HasSuffix(got, "\r\x1b[K") || strings.Contains(got, "\n") {
		t.Errorf("terminal progress %q", got)
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestWALInspector(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--nodes", "2", "--data", data, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	node1 := filepath.Join(data, "node-1")
	code, out, errs := runCLI(t, "", "wal", node1)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s\n%s", code, out, errs)
	}
	hardState := regexp.MustCompile(`hardstate len=24 +term=1 vote=\d commit=\d+ crc=ok\n`)
	for _, want := range []string{"wal " + node1 + ": 1 segment, 0 snapshots\n", "crc=ok no-op\n", "crc=ok put k v\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
	if !hardState.MatchString(out) {
		t.Errorf("listing lacks a decoded hard state:\n%s", out)
	}

	// A data directory: every node's WAL in turn.
	code, out, errs = runCLI(t, "", "wal", data)
	if code != 0 || !strings.HasPrefix(out, "data "+data+": 2 nodes\n\nwal "+node1+": ") || !strings.Contains(out, "\nwal "+filepath.Join(data, "node-2")+": ") {
		t.Fatalf("wal DATA: exit %d: %s\n%s", code, out, errs)
	}

	// A removed node's directory holds only its marker: said so, exit 0.
	node3 := filepath.Join(data, "node-3")
	if err := os.MkdirAll(node3, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(node3, "REMOVED"), []byte("removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "", "wal", node3); code != 0 || !strings.Contains(out, "the node was removed from its cluster") {
		t.Fatalf("wal of a removed node's directory: exit %d: %s\n%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "", "wal", data); code != 0 || !strings.HasPrefix(out, "data "+data+": 2 nodes and 1 removed\n") {
		t.Fatalf("wal DATA with a removed node: exit %d: %s\n%s", code, out, errs)
	}

	if code, _, _ := runCLI(t, "", "wal"); code != 2 {
		t.Fatalf("wal without a directory: exit %d, want 2", code)
	}
	missing := filepath.Join(data, "nope")
	if code, _, errs := runCLI(t, "", "wal", missing); code != 2 || errs != "raftplay: wal "+missing+": no such file or directory\n" {
		t.Fatalf("wal of a missing directory: exit %d (%q)", code, errs)
	}
	empty := t.TempDir()
	code, _, errs = runCLI(t, "", "wal", empty)
	if code != 2 || !strings.Contains(errs, "raftplay: wal "+empty+": holds neither a WAL") || !strings.Contains(errs, "DATA/node-1") {
		t.Fatalf("wal of an empty directory: exit %d (%q)", code, errs)
	}
}

// TestWALDamage: a bad record makes `raftplay wal` exit 1 after the whole
// listing, naming the file and offset on stderr.
func TestWALDamage(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\nput k v\nput k2 v2\n", "script", "--nodes", "1", "--data", data, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dir := filepath.Join(data, "node-1")
	rep, err := wal.Inspect(dir)
	if err != nil || len(rep.Segments) != 1 {
		t.Fatalf("Inspect: %v, %+v", err, rep)
	}
	seg := rep.Segments[0]
	var target wal.RecordReport
	for _, r := range seg.Records {
		if r.Type == wal.RecordEntry && len(r.Data) > 0 && target.Offset == 0 {
			target = r
		}
	}
	path := filepath.Join(dir, seg.Name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[target.Offset+int64(12+17)] ^= 0x20 // a byte of the entry's command
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "wal", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "crc=BAD") || !strings.Contains(out, "crc=ok put k2 v2") {
		t.Errorf("the listing is incomplete:\n%s", out)
	}
	want := fmt.Sprintf("raftplay: wal %s: 1 problem:\nraftplay:   %s at offset %d: record checksum mismatch: corrupt; the node will not start until this is repaired\n",
		dir, path, target.Offset)
	if errs != want {
		t.Errorf("stderr:\n%q\nwant\n%q", errs, want)
	}
	// From the data directory: the same problem, and, the cluster's only
	// node damaged, that no start can run it (it told of --allow-failed,
	// which runs the others: there are none).
	if code, _, errs := runCLI(t, "", "wal", data); code != 1 || !strings.Contains(errs, fmt.Sprintf("%s at offset %d", path, target.Offset)) ||
		!strings.Contains(errs, "its only node cannot start, so no start runs a cluster from "+data+", not even with --allow-failed") {
		t.Errorf("wal DATA: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "script", "--allow-failed", "--data", data, "/dev/null"); code != 1 ||
		!strings.Contains(errs, "raftplay: no node could start (so there is no cluster to run, even with --allow-failed):\nraftplay: node 1 could not start: its WAL is damaged") ||
		strings.Contains(errs, "starts the others") {
		t.Errorf("--allow-failed with every node damaged: exit %d, stderr %q", code, errs)
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
	data := t.TempDir()
	code, stdout, errs := runCLI(t, "", "chaos", "--quick", "--seed", "3", "--out", out, "--data", data)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stdout, errs)
	}
	// A second run on that data directory would start from its values,
	// which the checks would take for writes no one made: refused.
	code, _, errs = runCLI(t, "", "chaos", "--quick", "--seed", "4", "--out", filepath.Join(t.TempDir(), "out2"), "--data", data)
	if code != 2 || !strings.Contains(errs, "holds a cluster of 5 nodes: chaos needs an empty data directory") {
		t.Errorf("chaos on a used --data: exit %d: %s", code, errs)
	}
	for _, want := range []string{"chaos: seed 3, 5 nodes, 2s", "operations:", "faults injected:", "linearizability: ok", "acked writes lost: 0", "verdict:         PASS"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// report.json keeps the flags that run it again, as the README says
	// (it was set after the file was written), and a picture of an earlier
	// run's failure in the reused directory does not sit beside this pass.
	if rj, err := os.ReadFile(filepath.Join(out, "report.json")); err != nil || !strings.Contains(string(rj), `"rerun": "--seed 3 --quick"`) {
		t.Errorf("report.json lacks the rerun flags: %v\n%.400s", err, rj)
	}
	stale := filepath.Join(out, "history.html")
	if err := os.WriteFile(stale, []byte("an earlier failure"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errs = runCLI(t, "", "chaos", "--recheck", out)
	if code != 0 || !strings.Contains(stdout, "linearizability: ok") || !strings.Contains(stdout, "verdict:         PASS") {
		t.Fatalf("--recheck: exit %d: %s\n%s", code, stdout, errs)
	}
	// A second run into the same --out is refused; with --overwrite it
	// removes every file of the earlier run first (its recheck.html sat
	// beside the new report.json).
	if code, _, errs = runCLI(t, "", "chaos", "--quick", "--seed", "3", "--out", out); code != 2 || !strings.Contains(errs, "holds an earlier chaos run's files (report.json, history.json, events.jsonl, faults.jsonl, history.html, recheck.html)") {
		t.Fatalf("a second run into the same --out: exit %d: %s", code, errs)
	}
	if code, stdout, errs = runCLI(t, "", "chaos", "--quick", "--seed", "3", "--out", out, "--overwrite"); code != 0 {
		t.Fatalf("a second run into the same --out with --overwrite: exit %d: %s\n%s", code, stdout, errs)
	}
	for _, name := range []string{"history.html", "recheck.html"} {
		if _, err := os.Stat(filepath.Join(out, name)); !os.IsNotExist(err) {
			t.Errorf("a passing run with --overwrite left the earlier %s: %v", name, err)
		}
	}
	if !strings.Contains(stdout, "(rerun with --seed 3 --quick)\n") {
		t.Errorf("--overwrite is in the rerun flags:\n%s", stdout)
	}
}

// A chaos run refuses an --out that holds an earlier run's files, and
// leaves them as they were (a run into a failed run's directory deleted
// its recording.rec and history.html without a word).
func TestChaosRefusesAUsedOut(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	for _, name := range []string{"recording.rec", "history.html", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte("the earlier run"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, errs := runCLI(t, "", "chaos", "--quick", "--nodes", "3", "--seed", "8", "--out", out)
	want := "raftplay: --out " + out + " holds an earlier chaos run's files (recording.rec, history.html): give another --out, move them away, or add --overwrite to replace them\n"
	if code != 2 || errs != want || stdout != "" {
		t.Errorf("exit %d: %q\n%s\nwant %q", code, errs, stdout, want)
	}
	for _, name := range []string{"recording.rec", "history.html", "notes.txt"} {
		if b, err := os.ReadFile(filepath.Join(out, name)); err != nil || string(b) != "the earlier run" {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
}

// A chaos run whose linearizability check ran out of time is UNDECIDED and
// exits 1, and so does its recheck under the same bound: a check that did
// not finish is no pass (a Raft engineer's run said PASS).
func TestChaosUndecidedIsNoPass(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, _ := runCLI(t, "", "chaos", "--quick", "--seed", "3", "--check-timeout", "1ns", "--out", out, "--data", t.TempDir())
	if code != 1 || !strings.Contains(stdout, "linearizability: unknown") || !strings.Contains(stdout, "verdict:         UNDECIDED: ") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "", "chaos", "--recheck", out, "--check-timeout", "1ns")
	// Worded as the run words it (it said "illegal" where the run said
	// "ILLEGAL (not linearizable)").
	if code != 1 || !strings.Contains(stdout, "verdict:         UNDECIDED") || !strings.Contains(stdout, "linearizability: unknown (the 1ns bound ran out") {
		t.Fatalf("--recheck: exit %d:\n%s", code, stdout)
	}
	if code, stdout, _ = runCLI(t, "", "chaos", "--recheck", out); code != 0 || !strings.Contains(stdout, "verdict:         PASS") {
		t.Fatalf("--recheck with the default bound: exit %d:\n%s", code, stdout)
	}
}

func TestExperimentUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"experiment"}, "raftplay: experiment: want an experiment name: election (`raftplay help experiment` tells more)\n"},
		{[]string{"experiment", "paxos"}, `unknown experiment "paxos"`},
		{[]string{"experiment", "election", "--timeouts", "300-150ms"}, "raftplay: --timeouts: range \"300-150ms\": want 0 < MIN <= MAX"},
		{[]string{"experiment", "election", "--trials", "0"}, "raftplay: --trials 0: want 1 or more\n"},
		// A heartbeat it cannot run was taken up to 1ms or down to half, unsaid.
		{[]string{"experiment", "election", "--heartbeat-div", "200", "--timeouts", "150-300ms"}, "raftplay: --heartbeat-div 200: range 150-300ms's heartbeat would be 750µs (150ms / 200), under the 1ms a heartbeat can be: want at most 150\n"},
		// Under 2 ms no divisor works: the range is what to change ("want
		// at most 1" beside "want 2 or more" left a new user no way out).
		{[]string{"experiment", "election", "--timeouts", "1-2ms"}, "raftplay: --timeouts 1-2ms: range 1-2ms's heartbeat would be 500µs (1ms / 2), under the 1ms a heartbeat can be, and no divisor of 2 or more gives one: the range's minimum must be 2ms or more\n"},
		{[]string{"experiment", "election", "--heartbeat-div", "1"}, "raftplay: --heartbeat-div 1: want 2 or more"},
		// "-" is refused for --record with several ranges too: their
		// files were named --range-1, --range-2 in the current directory.
		{[]string{"experiment", "election", "--quick", "--record", "-"}, "raftplay: --record -: give a file"},
		{[]string{"experiment", "election", "--timeouts", "1-2"}, "raftplay: --timeouts: range \"1-2\": bad maximum \"2\" (want a duration like 300ms)\n"},
		{[]string{"experiment", "election", "--nodes", "2"}, "raftplay: --nodes 2: want 3 to 9: every trial crashes the leader, and a majority must remain to elect the next\n"},
		{[]string{"experiment", "election", "--csv", "/nonexistent/e.csv"}, "raftplay: --csv /nonexistent/e.csv: no such file or directory\n"},
		{[]string{"chaos", "--nodes", "1"}, "raftplay: --nodes 1: chaos needs at least 3 nodes: it crashes and partitions a minority while a majority keeps working\n"},
		{[]string{"chaos", "--nodes", "2"}, "raftplay: --nodes 2: chaos needs at least 3 nodes: it crashes and partitions a minority while a majority keeps working\n"},
		{[]string{"chaos", "--duration", "0s"}, "raftplay: --duration 0s: must be positive\n"},
		{[]string{"chaos", "--faults", "crash,meteor"}, "raftplay: --faults: unknown kind \"meteor\""},
		{[]string{"chaos", "--recheck", "/nonexistent"}, "raftplay: --recheck /nonexistent: /nonexistent/history.json: no such file or directory\n"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("raftplay %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
		if strings.Count(errs, "\n") != 1 || strings.Contains(errs, "raftplay: raftplay:") {
			t.Errorf("raftplay %v: stderr is not one \"raftplay: ...\" line: %q", tc.args, errs)
		}
	}
}

// TestCancelOnSignal: the first signal cancels the run with a cause that
// remembers it; a second one calls again (main exits at once there).
func TestCancelOnSignal(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	again := make(chan signalError, 1)
	stop := cancelOnSignal(cancel, func(s signalError) { again <- s })
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not cancel the run")
	}
	var s signalError
	if !errors.As(context.Cause(ctx), &s) || s.exitCode() != 130 || s.Error() != "interrupted by SIGINT" {
		t.Fatalf("cause %v", context.Cause(ctx))
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case s := <-again:
		if s.exitCode() != 143 {
			t.Fatalf("second signal %v, exit code %d", s, s.exitCode())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second signal was not noticed")
	}
}

// checkInterruptedChaos checks the output directory an interrupted chaos
// run left in work (required if midRun) and returns the rest of left.
func checkInterruptedChaos(t *testing.T, work string, left []os.DirEntry, midRun bool, sig syscall.Signal) []os.DirEntry {
	t.Helper()
	var rest []os.DirEntry
	found := false
	for _, e := range left {
		if !strings.HasPrefix(e.Name(), "raftplay-chaos-") {
			rest = append(rest, e)
			continue
		}
		found = true
		dir := filepath.Join(work, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "report.json"))
		if err != nil {
			t.Errorf("an interrupted run left %s without its report: %v", dir, err)
			continue
		}
		var r struct {
			Interrupted, Verdict string
			Ops                  struct{ Puts, Gets int }
			Files                []string
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Errorf("report.json: %v", err)
		}
		if strings.HasPrefix(r.Verdict, "INTERRUPTED: no safety violation") && !strings.Contains(r.Verdict, "--recheck "+filepath.Base(dir)) {
			t.Errorf("the verdict does not name the directory to recheck: %q", r.Verdict)
		}
		if want := "interrupted by " + (signalError{sig}).name() + " after "; !strings.HasPrefix(r.Interrupted, want) || !strings.HasPrefix(r.Verdict, "INTERRUPTED: ") {
			t.Errorf("report.json says interrupted %q, verdict %q; want %q..., INTERRUPTED: ...", r.Interrupted, r.Verdict, want)
		}
		for _, name := range []string{"history.json", "events.jsonl", "faults.jsonl", "recording.rec"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("an interrupted run did not keep %s: %v", name, err)
			}
			// report.json lists what it kept (recording.rec was left out
			// of it: a CI user's artifact collection missed it).
			if !slices.ContainsFunc(r.Files, func(f string) bool { return filepath.Base(f) == name }) {
				t.Errorf("report.json's files %q leave out %s", r.Files, name)
			}
		}
		if midRun && r.Ops.Puts+r.Ops.Gets == 0 {
			t.Errorf("interrupted mid-run, its report counts no operation: %s", b)
		}
	}
	if midRun && !found {
		t.Errorf("a chaos run interrupted mid-run kept nothing in %s", work)
	}
	return rest
}

// TestFinishAfterSignal: after a signal, the exit status is 128+signal and
// nothing is printed, whatever error the interrupted run returned.
func TestFinishAfterSignal(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		err  error
		code int
	}{{syscall.SIGINT, context.Canceled, 130}, {syscall.SIGTERM, errors.New("chaos interrupted: context canceled"), 143}, {syscall.SIGTERM, nil, 143}} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(signalError{tc.sig})
		var b bytes.Buffer
		if code := finish(ctx, tc.err, &b); code != tc.code || b.Len() != 0 {
			t.Errorf("%v, %v: exit %d, stderr %q; want %d and nothing", tc.sig, tc.err, code, b.String(), tc.code)
		}
	}
	var b bytes.Buffer
	if code := finish(context.Background(), usagef("bad"), &b); code != 2 || b.String() != "raftplay: bad\n" {
		t.Errorf("no signal: exit %d, stderr %q", code, b.String())
	}
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// raftplayBinary builds the binary once for the tests that run it.
func raftplayBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool to build the binary with (environment): ", err)
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "raftplay-test-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "raftplay")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// readSyscall is read(2)'s number on Linux, by GOARCH.
var readSyscall = map[string]string{"amd64": "0", "arm64": "63", "riscv64": "63", "386": "3", "arm": "3"}

// readingStdin reports whether a thread of process pid is in read(2) on
// file descriptor 0 (Linux: /proc/PID/task/TID/syscall starts with the
// system call's number and its first argument).
func readingStdin(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && strings.HasPrefix(string(b), readSyscall[runtime.GOARCH]+" 0x0 ") {
			return true
		}
	}
	return false
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// TestSignalsStopEverySubcommand runs the built binary, sends SIGTERM or
// SIGINT once it is busy, and checks that it exits promptly with 143 or 130,
// says nothing about cancelled contexts (bench, chaos and experiment end
// with "stopped: interrupted by SIGTERM"), and leaves TMPDIR empty.
func TestSignalsStopEverySubcommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := raftplayBinary(t)
	script := filepath.Join(t.TempDir(), "long.txt")
	if err := os.WriteFile(script, []byte("wait leader\necho ready\nsleep 1h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		sig   syscall.Signal
		args  []string
		ready string // on stdout or stderr once it is busy; "" waits a moment
		after time.Duration
	}{
		{"script/SIGTERM", syscall.SIGTERM, []string{"script", "--nodes", "3", script}, "ready\n", 0},
		{"script/SIGINT", syscall.SIGINT, []string{"script", "--nodes", "3", script}, "ready\n", 0},
		{"script/SIGHUP", syscall.SIGHUP, []string{"script", "--nodes", "3", script}, "ready\n", 0},
		{"script-json/SIGTERM", syscall.SIGTERM, []string{"script", "--json", "--nodes", "3", script}, `"output":"ready"`, 0},
		{"script-stdin/SIGTERM", syscall.SIGTERM, []string{"script", "-"}, "", 0},
		{"bench/SIGTERM", syscall.SIGTERM, []string{"bench", "--duration", "1h", "--warmup", "0s"}, "elapsed", 0},
		{"bench/SIGINT", syscall.SIGINT, []string{"bench", "--duration", "1h"}, "elapsed", 0},
		{"chaos/SIGTERM", syscall.SIGTERM, []string{"chaos", "--duration", "1h"}, "running for", 0},
		{"chaos/SIGINT", syscall.SIGINT, []string{"chaos", "--duration", "1h"}, "clients and faults are running", time.Second}, // mid-run: clients and faults
		{"experiment/SIGTERM", syscall.SIGTERM, []string{"experiment", "election", "--quick", "--trials", "100000"}, "trials", time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp, work := t.TempDir(), t.TempDir()
			cmd := exec.Command(bin, tc.args...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			cmd.Dir = work // chaos writes its report directory here
			var out lockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			stdin, err := cmd.StdinPipe() // never closed: a script on stdin never ends
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			deadline := time.Now().Add(60 * time.Second)
			busy := func() bool { return strings.Contains(out.String(), tc.ready) }
			if tc.ready == "" {
				// Blocked reading its script from stdin, it prints nothing:
				// its signal handler is in place once it reads (a fixed
				// 300 ms, on a loaded machine, sent SIGTERM before it was,
				// and the runtime's default killed it: exit status -1).
				busy = func() bool { return readingStdin(cmd.Process.Pid) }
				if _, ok := readSyscall[runtime.GOARCH]; !ok || runtime.GOOS != "linux" {
					busy, tc.after = func() bool { return true }, 300*time.Millisecond // no /proc to tell
				}
			}
			for !busy() {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("not busy in time; output:\n%s", out.String())
				}
				time.Sleep(20 * time.Millisecond) // polling interval
			}
			time.Sleep(tc.after)
			sent := time.Now()
			cmd.Process.Signal(tc.sig)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 10 s after %v; output:\n%s", tc.sig, out.String())
			}
			took := time.Since(sent)
			if want := 128 + int(tc.sig); cmd.ProcessState.ExitCode() != want {
				t.Errorf("exit status %d, want %d; output:\n%s", cmd.ProcessState.ExitCode(), want, out.String())
			}
			if want := "stopped: " + (signalError{tc.sig}).Error() + "\n"; !strings.HasPrefix(tc.name, "script") && !strings.HasSuffix(out.String(), want) {
				t.Errorf("output does not end with %q:\n%s", want, out.String())
			}
			if took > 3*time.Second {
				t.Errorf("took %v to stop after %v, want a couple of seconds at most", took, tc.sig)
			}
			if o := out.String(); strings.Contains(o, "cancel") || strings.Contains(o, "raftplay:") || strings.Contains(o, "error") {
				t.Errorf("output reports the interruption as an error:\n%s", o)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left behind in TMPDIR: %v", left)
			}
			// --json's last line says the run was cut short, and where.
			if want := `{"type":"end","ok":false,"commands":3,"passed":2,"line":3,"interrupted":"interrupted by SIGTERM"}` + "\n"; strings.HasPrefix(tc.name, "script-json") && !strings.HasSuffix(out.String(), want) {
				t.Errorf("--json output does not end with %s:\n%s", want, out.String())
			}
			left, _ := os.ReadDir(work)
			if strings.HasPrefix(tc.name, "chaos") {
				// A run interrupted once its clients ran keeps its evidence
				// (a CI job's time limit): the history and a report that
				// says it was interrupted. Stopped before, it keeps nothing.
				left = checkInterruptedChaos(t, work, left, tc.after > 0, tc.sig)
			}
			if len(left) != 0 {
				t.Errorf("left behind in the working directory: %v", left)
			}
		})
	}
}

// A SIGPIPE that is not about standard output (the kernel raises one for a
// write to any broken socket, and the nodes' connections break whenever a
// peer crashes or is removed) must not stop the run; a closed standard
// output does, with 141 and nothing left behind.
func TestSIGPIPEMeansOnlyAClosedOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := raftplayBinary(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txt")
	if err := os.WriteFile(script, []byte("wait leader\necho ready\nsleep 500ms\nput k v\necho done\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	cmd := exec.Command(bin, "script", "--nodes", "3", script)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	out := startUntilReady(t, cmd)
	cmd.Process.Signal(syscall.SIGPIPE)
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "done\n") {
		t.Fatalf("a stray SIGPIPE stopped the run: %v\n%s", err, out.String())
	}

	// The reader of standard output goes away after the first line.
	cmd = exec.Command(bin, "script", "--nodes", "3", script)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut lockedBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 1)
	if _, err := pipe.Read(first); err != nil {
		t.Fatal(err)
	}
	pipe.Close()
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 141 {
		t.Errorf("exit status %d with its output closed, want 141; stderr:\n%s", code, errOut.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// A data directory keeps its cluster: a second run without --nodes runs
// the cluster it holds, whatever the default; a smaller --nodes runs it
// too, and says so; a larger one is refused, not taken for lost nodes.
func TestDataDirKeepsItsClusterSize(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "d")
	script := filepath.Join(t.TempDir(), "s.txt")
	if err := os.WriteFile(script, []byte("wait leader\nput a 1\nexpect get a == 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "script", "--nodes", "3", "--data", data, script); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "script", "--data", data, script)
	if code != 0 || strings.Count(out, "node ") < 3 || strings.Contains(out, "node 4:") {
		t.Fatalf("second run without --nodes: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "script", "--nodes", "1", "--data", data, script)
	if code != 0 || !strings.Contains(errOut, "holds a cluster of 3 nodes: running it, not --nodes 1") {
		t.Fatalf("--nodes 1 on a 3-node directory: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "script", "--nodes", "5", "--data", data, script)
	if code != 2 || !strings.Contains(errOut, "--nodes 5: ") || !strings.Contains(errOut, "holds a cluster of 3 nodes") || strings.Contains(errOut, "amnesia") {
		t.Fatalf("--nodes 5 on a 3-node directory: exit %d: %s", code, errOut)
	}
	// With node 1 removed, it holds 2 nodes among ids 1-3: said so, and a
	// --nodes equal to what runs is not corrected.
	rm := filepath.Join(t.TempDir(), "rm.txt")
	if err := os.WriteFile(rm, []byte("wait leader\nremove 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "script", "--data", data, rm); code != 0 {
		t.Fatalf("remove 1: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "script", "--nodes", "5", "--data", data, script)
	if code != 2 || !strings.Contains(errOut, "holds a cluster of 2 nodes (ids 1-3, 1 removed)") {
		t.Fatalf("--nodes 5 after a removal: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "script", "--nodes", "2", "--data", data, script)
	if code != 0 || strings.Contains(errOut, "holds a cluster") {
		t.Fatalf("--nodes 2 with 2 members: exit %d, said %q", code, errOut)
	}
	// --nodes 3, the ids' count, runs the 2 nodes too, and says so as a
	// smaller one does (an outside test found it silent).
	code, _, errOut = runCLI(t, "", "script", "--nodes", "3", "--data", data, script)
	if code != 0 || !strings.Contains(errOut, "holds a cluster of 2 nodes (ids 1-3, 1 removed): running it, not --nodes 3") {
		t.Fatalf("--nodes 3 with 2 members among ids 1-3: exit %d, said %q", code, errOut)
	}
}

// /dev/null is a character device but not a terminal: the dashboard says
// it needs one, instead of failing inside Bubble Tea.
func TestDashboardOnDevNullNeedsATerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	var errb bytes.Buffer
	err = run(context.Background(), nil, strings.NewReader(""), f, &errb)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "the dashboard needs a terminal") {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
}

// A recheck with no final read in the history cannot say no write was
// lost, and it keeps the live run's monitor and convergence findings
// (report.json): an outside test's failed run passed its recheck.
// chaos --recheck names its visualization with the directory's control
// characters escaped, as the run's "saved:" lines do: a newline or an
// escape sequence in --out went to the terminal raw.
func TestChaosRecheckEscapesItsDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "c\nh\x1b[2J")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	hist := `[{"client":0,"op":"put","key":"k","value":"1","call_ns":1,"return_ns":2,"via":"client"},` +
		`{"client":-1,"op":"get","key":"k","value":"1","found":true,"call_ns":3,"return_ns":4,"via":"client"}]`
	if err := os.WriteFile(filepath.Join(dir, "history.json"), []byte(hist), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "chaos", "--recheck", dir)
	if code != 0 || !strings.Contains(stdout, "visualization:   ") {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "\x1b[") || !strings.Contains(stdout, `c\nh\x1b[2J`+string(filepath.Separator)+"recheck.html") {
		t.Errorf("the directory is not escaped:\n%q", stdout)
	}
}

func TestChaosRecheckWithoutFinalReads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hist := `[{"client":0,"op":"put","key":"k","value":"1","call_ns":1,"return_ns":2,"via":"client"},` +
		`{"client":0,"op":"get","key":"k","value":"1","found":true,"call_ns":3,"return_ns":4,"via":"client"}]`
	os.WriteFile(filepath.Join(dir, "history.json"), []byte(hist), 0o644)
	code, stdout, _ := runCLI(t, "", "chaos", "--recheck", dir)
	for _, want := range []string{"acked writes lost: not checked", "verdict:         UNDECIDED: with no final read in the history"} {
		if code != 1 || !strings.Contains(stdout, want) {
			t.Errorf("no report.json: exit %d, want 1 and %q:\n%s", code, want, stdout)
		}
	}
	os.WriteFile(filepath.Join(dir, "report.json"), []byte(`{"converged":false,"linearizable":"ok"}`), 0o644)
	code, stdout, _ = runCLI(t, "", "chaos", "--recheck", dir)
	for _, want := range []string{"from report.json: 0 safety violations, converged NO", "verdict:         FAIL: no convergence after healing"} {
		if code != 1 || !strings.Contains(stdout, want) {
			t.Errorf("not converged: exit %d, want 1 and %q:\n%s", code, want, stdout)
		}
	}
	// With its final read, the same history passes.
	final := strings.TrimSuffix(hist, "]") + `,{"client":-1,"op":"get","key":"k","value":"1","found":true,"call_ns":5,"return_ns":6,"via":"client"}]`
	os.WriteFile(filepath.Join(dir, "history.json"), []byte(final), 0o644)
	os.WriteFile(filepath.Join(dir, "report.json"), []byte(`{"converged":true,"linearizable":"ok"}`), 0o644)
	code, stdout, _ = runCLI(t, "", "chaos", "--recheck", dir)
	if code != 0 || !strings.Contains(stdout, "acked writes lost: 0 (final values of 1 key checked)") || !strings.Contains(stdout, "verdict:         PASS") {
		t.Errorf("with a final read: exit %d:\n%s", code, stdout)
	}
	// Its count of operations adds up with the run's report, which counts
	// the clients' alone (a CI user found the two differ by the final reads).
	if want := "history:         3 operations (2 by the clients, as the run's report counts them; 1 final read after the heal)\n"; !strings.Contains(stdout, want) {
		t.Errorf("with a final read: want %q:\n%s", want, stdout)
	}
	// A run interrupted after its final reads: the recheck checked the
	// history, and its verdict says so (it said "nothing else was
	// checked", and to run the recheck it was).
	os.WriteFile(filepath.Join(dir, "report.json"), []byte(`{"converged":false,"linearizable":"not checked","interrupted":"interrupted by SIGTERM after 3s of the run's 20s"}`), 0o644)
	code, stdout, _ = runCLI(t, "", "chaos", "--recheck", dir)
	if want := "verdict:         INTERRUPTED: the saved history is linearizable and lost no acknowledged write, but the run was interrupted before its convergence was checked\n"; code != 1 || !strings.HasSuffix(stdout, want) {
		t.Errorf("interrupted after its final reads: exit %d, want 1 and %q:\n%s", code, want, stdout)
	}
	if strings.Contains(stdout, "not checked:") {
		t.Errorf("with report.json, it says something was not checked:\n%s", stdout)
	}
	// Without report.json, a pass of the history alone says what it
	// leaves out (a CI user took it for the run's).
	os.Remove(filepath.Join(dir, "report.json"))
	code, stdout, _ = runCLI(t, "", "chaos", "--recheck", dir)
	if code != 0 || !strings.Contains(stdout, "not checked:     the monitor's safety checks and convergence (no report.json here") {
		t.Errorf("history alone: exit %d:\n%s", code, stdout)
	}
}

// A torn tail cut off a node's WAL at start is told in a headless run's
// output, under the node lines (it was an event only: without --log or
// --json nothing said so).
func TestScriptTellsATornTailCutAtStart(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, out, errs := runCLI(t, "wait leader\nput a 1\nwait converged\n", "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := wal.TearTail(filepath.Join(data, "node-2")); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "wait leader\n", "script", "--data", data, "-")
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}
	if !regexp.MustCompile(`(?m)^node 3: raft .*\nnode 2: cut a torn tail off \S+\.wal at offset \d+ \(\d+ bytes kept aside in \S+\.broken\)\nseed \d+ .*\n> wait leader`).MatchString(out) {
		t.Fatalf("output does not tell the repair after the node lines:\n%s", out)
	}
}

// raftplay wal of a data directory reports what keeps a start on it from
// running: a node's directory that is a file, and one the cluster was
// created with that is gone (it listed the others and exited 0).
func TestWALDataDirWithBrokenOrMissingNodes(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, out, errs := runCLI(t, "wait leader\nput a 1\n", "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if err := os.RemoveAll(filepath.Join(data, "node-2")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "node-2"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(data, "node-3")); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "wal", data)
	if code != 1 || !strings.Contains(errs, "node-2: is a file, not a directory") || !strings.Contains(errs, "node-3: is missing, and the cluster was created with 3 nodes") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--data", data, "-"); code == 0 || !strings.Contains(errs, "node-2 is a file, not a directory") {
		t.Fatalf("start: exit %d, stderr:\n%s", code, errs)
	}
}

// A script that fails when run without the flags its "# Run:" header names
// says so (examples/amnesia.txt needs --nodes 3; run plain it failed with
// nothing pointing at its header).
func TestScriptFailureQuotesItsRunHeader(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "s.txt")
	src := "# Run: raftplay script --nodes 1 s.txt\nwait leader\nexpect leader none\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, errs := runCLI(t, "", "script", "--data", t.TempDir(), file) // 5 nodes, the default
	if !strings.Contains(errs, "(its header says to run it as: raftplay script --nodes 1 s.txt)") {
		t.Errorf("without its flags: stderr %q lacks the header's run line", errs)
	}
	if _, _, errs := runCLI(t, "", "script", "--nodes", "1", "--data", t.TempDir(), file); strings.Contains(errs, "its header says") {
		t.Errorf("with its flags: stderr %q quotes the header", errs)
	}
}

// A script's "# flags:" header line sets the cluster it runs on, as a
// lesson's does; flags given on the command line win. The flags line is
// read only in the comments the script begins with.
func TestScriptHeaderFlags(t *testing.T) {
	t.Parallel()
	src := "# Grows to 4.\n# flags: --nodes 3 --prevote\nwait leader\nexpect config == 1,2,3\n"
	code, out, errs := runCLI(t, src, "script", "-")
	if code != 0 || !strings.HasPrefix(out, "flags from the script's header: --nodes=3 --prevote=true\n") || strings.Count(out, "node ") < 3 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	code, out, errs = runCLI(t, src, "script", "--nodes", "4", "-")
	if code != 1 || !strings.Contains(out, "config is voters 1,2,3,4, want voters 1,2,3") || !strings.HasPrefix(out, "flags from the script's header: --prevote=true\n") {
		t.Fatalf("--nodes 4 on the command line: exit %d\n%s", code, out)
	}
	// Said: the script may not run as written (examples/split-brain.txt,
	// written for 5 nodes, failed at line 13 with --nodes 3, and nothing
	// said the header asked for 5).
	over := "raftplay: warning: standard input: line 2: # flags: --nodes=3 (the command line's --nodes=4 wins): the script was written for the header's value\n"
	if !strings.Contains(errs, over) {
		t.Fatalf("--nodes 4 over the header's 3: stderr %q, want %q", errs, over)
	}
	if _, _, errs := runCLI(t, src, "script", "--nodes", "3", "--prevote", "-"); strings.Contains(errs, "warning") {
		t.Fatalf("the header's own values on the command line: stderr %q", errs)
	}
	// One after the first command is ignored, and says so (it was ignored
	// without a word: 5 nodes started for its 3).
	code, out, errs = runCLI(t, "\nwait leader\n# flags: --nodes 3\nexpect config == 1,2,3,4,5\n", "script", "-")
	late := "raftplay: warning: standard input: line 3: this # flags: line is ignored: flags must come before the first command (line 2), in the comments the script begins with\n"
	if code != 0 || strings.Contains(out, "header") || !strings.HasPrefix(errs, late) {
		t.Fatalf("a flags comment after the first command: exit %d\n%s\nstderr %q, want %q", code, out, errs, late)
	}
	// With --json the notice goes to standard error (it went nowhere):
	// standard output holds JSON lines only.
	code, out, errs = runCLI(t, src, "script", "--json", "-")
	if code != 0 || strings.Contains(out, "header") || !strings.Contains(errs, "raftplay: flags from the script's header: --nodes=3 --prevote=true\n") {
		t.Fatalf("--json: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	// A byte order mark before it does not hide it.
	if code, out, _ := runCLI(t, "\ufeff"+src, "script", "-"); code != 0 || !strings.HasPrefix(out, "flags from the script's header: --nodes=3") {
		t.Fatalf("after a byte order mark: exit %d\n%s", code, out)
	}
	// A data directory's cluster keeps its size, and says so.
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--nodes", "5", "--data", data, "-"); code != 0 {
		t.Fatalf("creating a 5-node cluster: exit %d\n%s", code, errs)
	}
	code, out, errs = runCLI(t, "# flags: --nodes 3\nwait leader\nexpect config == 1,2,3,4,5\n", "script", "--data", data, "-")
	if code != 0 || !strings.Contains(errs, "holds a cluster of 5 nodes: running it, not the script header's --nodes 3") || strings.Contains(out, "--nodes=3") {
		t.Fatalf("a 5-node --data under a 3-node header: exit %d\n%s\n%s", code, out, errs)
	}
	// The examples written for 3 nodes run as they are.
	if code, out, errs := runCLI(t, "", "script", "examples/transfer.txt"); code != 0 {
		t.Fatalf("raftplay script examples/transfer.txt: exit %d\n%s\n%s", code, out, errs)
	}
}

// Every line of a script that does not parse is told in one run, each on
// a line of its own (a new user fixed a script one run per mistake).
func TestScriptTellsEveryLineThatDoesNotParse(t *testing.T) {
	t.Parallel()
	code, _, errs := runCLI(t, "wait leader\nexpect leaderr\ncrash 9\nput a\n", "script", "-")
	want := "raftplay: standard input: 3 lines do not parse:\n" +
		"raftplay:   line 2: column 8: expect: unknown check \"leaderr\" (did you mean \"leader\"?) (want leader, role, term, commit, last, applied, snapshot, get, safe, config or violation)\n" +
		"raftplay:   line 3: column 7: crash: node 9 out of range (want a node number 1..5)\n" +
		"raftplay:   line 4: column 6: put: missing VALUE (want put KEY VALUE)\n"
	if code != 2 || errs != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, errs, want)
	}
	src := strings.Repeat("crash 9\n", 25)
	if _, _, errs := runCLI(t, src, "script", "-"); !strings.HasPrefix(errs, "raftplay: standard input: 25 lines do not parse (the first 10 shown):\n") || strings.Count(errs, "\n") != 11 {
		t.Errorf("25 bad lines: %s", errs)
	}
	src = strings.Repeat("crash 9\n", 10)
	if _, _, errs := runCLI(t, src, "script", "-"); !strings.HasPrefix(errs, "raftplay: standard input: 10 lines do not parse:\n") || strings.Count(errs, "\n") != 11 {
		t.Errorf("10 bad lines: %s", errs)
	}
	// A let that does not parse still names its name: its uses are not
	// told as unknown names too.
	if _, _, errs := runCLI(t, "let old = leaderr\ncrash @old\nrestart @old\nput a\n", "script", "-"); !strings.HasPrefix(errs, "raftplay: standard input: 2 lines do not parse:\n") || strings.Contains(errs, "unknown name") {
		t.Errorf("a bad let: %s", errs)
	}
}

// An empty script (or one of comments alone) runs, but says it held no
// commands: it exited 0 without a word.
func TestEmptyScriptWarns(t *testing.T) {
	file := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(file, []byte("# nothing yet\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "script", "--nodes", "1", file)
	if code != 0 || !strings.Contains(errs, "warning: script "+file+" holds no commands (only blank lines and comments): the cluster started and stops") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// The dashboard says an empty --script holds no commands (it showed
// nothing); a script with commands, or none given, adds nothing.
func TestDashboardSaysAnEmptyScriptIsEmpty(t *testing.T) {
	if got := withEmptyScript("", "e.txt", 0); got != "script e.txt holds no commands (only blank lines and comments): nothing to play" {
		t.Errorf("empty script: %q", got)
	}
	if got := withEmptyScript("flags said", "e\x1b.txt", 0); got != "flags said\nscript e\\x1b.txt holds no commands (only blank lines and comments): nothing to play" {
		t.Errorf("with a notice already: %q", got)
	}
	if withEmptyScript("n", "s.txt", 3) != "n" || withEmptyScript("n", "", 0) != "n" {
		t.Error("a script with commands, or no script, changed the notice")
	}
}

// TestOutputsInsideDataRefused: an output file inside --data could
// overwrite a node's WAL segment or the CLUSTER file (a CI user's --log
// over node 1's segment destroyed its log; --record over node 2's exited
// 0): refused before anything is written, exit 2, the files untouched.
func TestOutputsInsideDataRefused(t *testing.T) {
	t.Parallel()
	data, seg := clusterOnDisk(t, 1, 1)
	before, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	cluster := filepath.Join(data, "CLUSTER")
	clusterBefore, _ := os.ReadFile(cluster)
	empty := t.TempDir()
	cases := [][]string{
		{"script", "--data", data, "--log", seg, "-"},
		{"script", "--data", data, "--trace", cluster, "-"},
		{"script", "--data", data, "--record", seg, "-"},
		// A lesson refuses a --data that holds a cluster: an empty one here.
		{"learn", "--headless", "--data", empty, "--record", filepath.Join(empty, "CLUSTER"), "1"},
		{"bench", "--data", data, "--record", seg, "--duration", "1s"},
		{"chaos", "--data", empty, "--out", filepath.Join(empty, "node-1")},
		{"experiment", "election", "--data", data, "--csv", cluster},
		{"--data", data, "--record", seg}, // the dashboard: told before it asks for a terminal
	}
	for _, args := range cases {
		code, _, errs := runCLI(t, "wait leader\n", args...)
		if code != 2 || !strings.Contains(errs, "that is inside the data directory") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the file named as inside the data directory", args, code, errs)
		}
	}
	if after, _ := os.ReadFile(seg); !bytes.Equal(after, before) {
		t.Errorf("node 1's WAL segment changed")
	}
	if after, _ := os.ReadFile(cluster); !bytes.Equal(after, clusterBefore) {
		t.Errorf("CLUSTER changed")
	}
}

// TestDuplicateSignalIsOne: GNU timeout, the usual CI wrapper, sends
// SIGTERM to raftplay and then to its process group: two copies at once.
// Taken for a second signal, they made raftplay exit at once, its
// temporary data left behind (4 runs in 5 for a CI user). A copy within
// dupSignalWindow is one signal; the same signal later is a second.
func TestDuplicateSignalIsOne(t *testing.T) {
	// A wider window than the real one, so that a loaded machine's slow
	// wake-up below does not count as the time between two presses.
	defer func(w time.Duration) { dupSignalWindow = w }(dupSignalWindow)
	dupSignalWindow = time.Second
	ctx, cancel := context.WithCancelCause(context.Background())
	again := make(chan signalError, 2)
	stop := cancelOnSignal(cancel, func(s signalError) { again <- s })
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the run")
	}
	// The copy, once the first was taken (sent together, the kernel may
	// merge the two into one).
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	time.Sleep(dupSignalWindow + 50*time.Millisecond) // the window is what is tested
	select {
	case s := <-again:
		t.Fatalf("a copy of the first SIGTERM was taken for a second signal (%v)", s)
	default:
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-again:
	case <-time.After(10 * time.Second):
		t.Fatal("a SIGTERM after the window was not taken for a second signal")
	}
}

// A '#' right after a word starts a comment (the contract), which a
// script's author seldom means: put d a#b wrote "a", and expect get d ==
// a#b passed, cut the same way (a CI user's report). The script runs as
// the contract says, with a warning per such line.
func TestScriptWarnsOfAHashGluedToAWord(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "wait leader\nput d a#b\nget d\n", "script", "--nodes", "1", "--data", t.TempDir(), "-")
	if code != 0 || !strings.Contains(out, "> get d\na\n") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	want := "raftplay: warning: standard input: line 2: column 8: '#' starts a comment, so the line reads \"put d a\"; quote a word that holds '#' (\"a#b\"), or put a space before a comment\n"
	if errs != want {
		t.Errorf("stderr %q, want %q", errs, want)
	}
}

// A script says the seed its cluster ran with (one picked at random when
// --seed is not given), so that a failure can be run again with the same
// election timers (a CI user's report: no output said it); --json says it
// in a "seed" record.
func TestScriptSaysItsSeed(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "wait leader\n", "script", "--nodes", "1", "--data", t.TempDir(), "-")
	m := regexp.MustCompile(`(?m)^seed (\d+) \(--seed (\d+) draws the same election timeouts again\)$`).FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("exit %d, no seed line:\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "wait leader\n", "script", "--json", "--seed", "42", "--nodes", "1", "--data", t.TempDir(), "-")
	if code != 0 || !strings.Contains(out, "{\"type\":\"seed\",\"seed\":42}\n") {
		t.Errorf("--json --seed 42: exit %d:\n%s", code, out)
	}
}

// Every --json stream ends with an "end" line, a run that never started
// too: a bad header, lines that do not parse (the end says how many: the
// records stop at 10), a node that cannot start (a CI user's parser found
// nothing on standard output for these).
func TestJSONEndsEvenWhenNothingRan(t *testing.T) {
	t.Parallel()
	var bad strings.Builder
	for range 12 {
		bad.WriteString("nosuch\n")
	}
	data, seg := clusterOnDisk(t, 3, 2)
	if err := os.WriteFile(seg, []byte("garbage, not a segment"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"# flags: --nodes 3\n# flags: --prevote\nwait leader\n", nil, `{"type":"end","ok":false,"commands":0,"passed":0,"error":"standard input: line 2: a second # flags: line`},
		{bad.String(), nil, `{"type":"end","ok":false,"commands":0,"passed":0,"error":"standard input: 12 lines do not parse (the first 10 shown)"}`},
		// The README says "commands":0 for these too (none of the script
		// ran): a node that could not start said 2, a bad --nodes 3.
		{"wait leader\nput a 1\n", []string{"--data", data}, `{"type":"end","ok":false,"commands":0,"passed":0,"error":"node 2 could not start: its WAL is damaged: `},
		{"wait leader\nput a 1\nget a\n", []string{"--nodes", "0"}, `{"type":"end","ok":false,"commands":0,"passed":0,"error":"--nodes 0: `},
		// A flag the parse stopped at left no end record at all.
		{"wait leader\n", []string{"--bogus"}, `{"type":"end","ok":false,"commands":0,"passed":0,"error":"script: unknown flag --bogus`},
		{"wait leader\n", []string{"--nodes", "x"}, `{"type":"end","ok":false,"commands":0,"passed":0,"error":"--nodes x: want a whole number"}`},
	} {
		args := append([]string{"script", "--json"}, tc.args...)
		if tc.args == nil || tc.args[0] != "--data" {
			args = append(args, "--data", t.TempDir())
		}
		code, out, _ := runCLI(t, tc.stdin, append(args, "-")...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if last := lines[len(lines)-1]; code == 0 || !strings.HasPrefix(last, tc.want) {
			t.Errorf("%q: exit %d, last line %q, want %s...", tc.stdin, code, last, tc.want)
		}
	}
	// --json after the flag the parse stopped at counts too.
	code, out, _ := runCLI(t, "wait leader\n", "script", "--election", "300ms-150ms", "--json", "-")
	if want := `{"type":"end","ok":false,"commands":0,"passed":0,"error":"--election: bad range`; code != 2 || !strings.HasPrefix(out, want) {
		t.Errorf("--election 300ms-150ms --json: exit %d, stdout %q; want 2 and %s...", code, out, want)
	}
}

// The --json end record is written once nothing can fail any more: a
// --log or --trace that could not be written fails the run (exit 1), and
// the end record said "ok":true before that was known.
func TestJSONEndSaysALostLogFailed(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full (not Linux):", err)
	}
	code, out, errs := runCLI(t, "wait leader\nput k v\n", "script", "--json", "--nodes", "1", "--data", t.TempDir(), "--log", "/dev/full", "-")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := `{"type":"end","ok":false,"commands":2,"passed":2,"error":"--log /dev/full: no space left on device"}`
	if last := lines[len(lines)-1]; code != 1 || last != want {
		t.Errorf("exit %d, last line %s, want %s\nstderr %s", code, last, want, errs)
	}
}

// A signal that comes once the chaos run has judged it, while it saves its
// files and stops its cluster, keeps the report: untilDone turned the
// run's nil error into the signal, and the report was not printed and
// the recording of a failed run was deleted.
func TestChaosSignalDuringItsSaveKeepsTheReport(t *testing.T) {
	defer func(f func(context.Context, experiment.ChaosOptions) (*experiment.ChaosReport, error)) {
		runChaosExperiment = f
	}(runChaosExperiment)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	runChaosExperiment = func(_ context.Context, o experiment.ChaosOptions) (*experiment.ChaosReport, error) {
		cancel(signalError{syscall.SIGTERM}) // the run is done: it is saving
		return &experiment.ChaosReport{Seed: o.Seed, Nodes: 3, Linearizable: experiment.VerdictOk, Converged: true, Lost: []experiment.LostWrite{},
			Violations: []cluster.Violation{{Rule: "election safety", Text: "two leaders in term 3"}}, ViolationCount: 1}, nil
	}
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"chaos", "--seed", "7", "--out", out}, strings.NewReader(""), &stdout, &stderr)
	if code := finish(ctx, err, &stderr); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	if !strings.Contains(stdout.String(), "verdict:         FAIL: safety violation") {
		t.Errorf("the report of the run is not printed:\n%s\n%s", &stdout, &stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "recording.rec")); err != nil {
		t.Errorf("the failed run's recording is gone: %v", err)
	}
}

// A second run on a --data directory says what each node's files held (a
// new user found its header the same as a new cluster's), and a restart's
// event says it too; a new cluster's header says nothing of files.
func TestSecondRunSaysWhatItFound(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	code, out, errs := runCLI(t, "wait leader\nput k v\n", "script", "--nodes", "3", "--data", data, "-")
	if code != 0 || strings.Contains(out, "from its files") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "wait leader\nlet f = follower\ncrash @f\nrestart @f\n", "script", "--json", "--data", data, "-")
	if code != 0 || strings.Count(out, "(from its files: term ") != 0 {
		t.Fatalf("second run (--json prints no header): exit %d\n%s\n%s", code, out, errs)
	}
	// A start's events say it node by node (the dashboard shows them).
	if n := len(regexp.MustCompile(`"kind":"setting","text":"\d started from its files: term \d+( \(voted for \d\))?, log to \d+"`).FindAllString(out, -1)); n != 3 {
		t.Errorf("second run: %d start events saying what the files held, want 3:\n%s", n, out)
	}
	// --json's node lines say it as "found", with each node's state.
	if n := len(regexp.MustCompile(`\{"type":"node","id":\d,"state":"up","raft":"127\.0\.0\.1:\d+","http":"127\.0\.0\.1:\d+","found":"term \d+( \(voted for \d\))?, log to \d+"\}`).FindAllString(out, -1)); n != 3 {
		t.Errorf("second run: %d node lines with found and state, want 3:\n%s", n, out)
	}
	if !regexp.MustCompile(`"text":"\d restarted from its files: term \d+( \(voted for \d\))?, log to \d+"`).MatchString(out) {
		t.Errorf("the restart's event does not say what it found:\n%s", out)
	}
	code, out, errs = runCLI(t, "wait leader\n", "script", "--data", data, "-")
	if code != 0 || len(regexp.MustCompile(`(?m)^node \d: raft \S+ http \S+ \(from its files: term \d+( \(voted for \d\))?, log to \d+\)$`).FindAllString(out, -1)) != 3 {
		t.Errorf("third run: exit %d; want each node's line to say what its files held\n%s\n%s", code, out, errs)
	}
}

// A flag that stops the parse after FILE (flags may follow it) ends
// --json's stream with an end record too, wherever --json stands; and
// --help, which is no failed run, writes none ("ok":false beside exit 0).
func TestJSONEndsWhenAFlagAfterTheFileIsBad(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"script", "-", "--json", "--bogus"},
		{"script", "-", "--bogus", "--json"},
		{"script", "--json", "-", "--nodes", "x"},
		{"script", "-", "--json", "--nodes", "x"},
	} {
		code, out, errs := runCLI(t, "wait leader\n", args...)
		if want := `{"type":"end","ok":false,"commands":0,"passed":0,"error":"`; code != 2 || !strings.HasPrefix(out, want) {
			t.Errorf("%q: exit %d, stdout %q (%s); want 2 and %s...", args, code, out, errs, want)
		}
	}
	for _, args := range [][]string{{"script", "--json", "--help"}, {"script", "-", "--json", "-h"}} {
		if code, out, _ := runCLI(t, "", args...); code != 0 || out != "" {
			t.Errorf("%q: exit %d, stdout %q; want 0 and nothing", args, code, out)
		}
	}
}

// A judged run whose files could not all be saved keeps the recording its
// verdict keeps, and prints its report: a failed run's recording was
// deleted, and its verdict never said, when history.html could not be
// written.
func TestChaosSaveErrorKeepsAFailedRunsRecording(t *testing.T) {
	defer func(f func(context.Context, experiment.ChaosOptions) (*experiment.ChaosReport, error)) {
		runChaosExperiment = f
	}(runChaosExperiment)
	runChaosExperiment = func(_ context.Context, o experiment.ChaosOptions) (*experiment.ChaosReport, error) {
		return &experiment.ChaosReport{Seed: o.Seed, Nodes: 3, Linearizable: experiment.VerdictOk, Converged: true, Lost: []experiment.LostWrite{},
			Violations: []cluster.Violation{{Rule: "election safety", Text: "two leaders in term 3"}}, ViolationCount: 1}, errors.New("experiment: out/history.html: no space left on device")
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "", "chaos", "--seed", "7", "--out", out)
	if code != 1 || !strings.Contains(stderr, "no space left on device") {
		t.Errorf("exit %d, %q; want 1 and the save's error", code, stderr)
	}
	if !strings.Contains(stdout, "verdict:         FAIL: safety violation") {
		t.Errorf("the report of the run is not printed:\n%s\n%s", stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "recording.rec")); err != nil {
		t.Errorf("the failed run's recording is gone: %v", err)
	}
}

// A chaos run whose --record could not be written exits 1 naming it, as
// script and bench do, and does not list it as saved: it exited 0 with
// "saved: /dev/full" and PASS (a CI user's recording on a full disk).
func TestChaosRecordWriteErrorFails(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full (not Linux):", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "", "chaos", "--nodes", "3", "--duration", "300ms", "--out", out, "--record", "/dev/full")
	if code != 1 || !strings.Contains(stderr, "raftplay: --record /dev/full: no space left on device") {
		t.Errorf("exit %d, %q; want 1 and --record's error", code, stderr)
	}
	if !strings.Contains(stdout, "verdict:") || strings.Contains(stdout, "saved:           /dev/full") {
		t.Errorf("want the report, without the recording among the files saved:\n%s", stdout)
	}
	if rj, err := os.ReadFile(filepath.Join(out, "report.json")); err != nil || strings.Contains(string(rj), "/dev/full\"") {
		t.Errorf("report.json lists the recording that was not written: %v\n%s", err, rj)
	}
}

// bench and learn refuse --record - as script, chaos and experiment do:
// they made a file named - in the current directory.
func TestRecordDashRefusedEverywhere(t *testing.T) {
	t.Chdir(t.TempDir()) // a file named - would be made here
	for _, args := range [][]string{
		{"bench", "--record", "-", "--duration", "1s"},
		{"learn", "--headless", "--record", "-", "1"},
	} {
		code, _, errs := runCLI(t, "", args...)
		if want := "--record -: give a file"; code != 2 || !strings.Contains(errs, want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", args, code, errs, want)
		}
		if _, err := os.Stat("-"); err == nil {
			t.Errorf("%q made a file named -", args)
			os.Remove("-")
		}
	}
}

// With standard output thrown away (> /dev/null), --json refuses no
// output for being standard output that is /dev/null too: nothing reads
// the records its lines would break.
func TestJSONTakesDevNullWhenStdoutIsDevNull(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(raftplayBinary(t), "script", "--json", "--nodes", "1", "--log", os.DevNull, "-")
	cmd.Stdin = strings.NewReader("wait leader\n")
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = devNull, &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("script --json --log %s > %s: %v\n%s", os.DevNull, os.DevNull, err, &stderr)
	}
}

// A script whose nodes skip fsync loses an acknowledged write to a power
// failure, and the invariant monitor reports it; the script's own checks
// pass. Its run said "ok":true and exit 0 and nothing of the violations
// (only a status line would have shown them): now the end record counts
// them and standard error warns, unless a line checked the monitor.
func TestScriptWarnsOfUncheckedViolations(t *testing.T) {
	t.Parallel()
	const lose = "wait leader\nset unsafe-skip-fsync 1 on\nset unsafe-skip-fsync 2 on\nset unsafe-skip-fsync 3 on\n" +
		"put k acknowledged\npowerfail all\nrestart all\nwait leader\n" +
		"wait commit 2\nwait converged\n" // every node applied the new leader's no-op at index 2, where the lost session entry was
	code, out, errs := runCLI(t, lose, "script", "--json", "--nodes", "3", "--data", t.TempDir(), "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !regexp.MustCompile(`\{"type":"end","ok":true,"commands":10,"passed":10,"violations":[1-9]\d*\}\n$`).MatchString(out) {
		t.Errorf("the end record does not count the violations:\n%s", out)
	}
	if !regexp.MustCompile(`raftplay: warning: the invariant monitor saw \d+ violations? of Raft's safety, and no line of script standard input checked for one .*; the first: state machine safety: node \d applied index`).MatchString(errs) {
		t.Errorf("standard error does not warn of the violations:\n%s", errs)
	}
	// A script whose point is the violation says so, and is not warned.
	code, out, errs = runCLI(t, lose+"expect violation\n", "script", "--nodes", "3", "--data", t.TempDir(), "-")
	if code != 0 || strings.Contains(errs, "warning") {
		t.Errorf("with expect violation: exit %d, standard error:\n%s\n%s", code, errs, out)
	}
	// An expect safe that passed before the power failure checked nothing
	// of what came after it: the run is warned all the same (that line
	// silenced the warning, exit 0 beside a lost acknowledged write).
	code, out, errs = runCLI(t, "wait leader\nexpect safe\n"+lose, "script", "--nodes", "3", "--data", t.TempDir(), "-")
	if code != 0 || !strings.Contains(errs, "raftplay: warning: the invariant monitor saw") || !strings.Contains(errs, "after its expect safe at line 2") {
		t.Errorf("with an expect safe before the violations: exit %d, standard error:\n%s\n%s", code, errs, out)
	}
}

// A script's save writes a header that runs the session again on a
// cluster like this one, the seed it drew its election timeouts from
// included when the run picked it (no --seed): the header left it out,
// while a recording's --to-script kept it.
func TestSaveKeepsThePickedSeed(t *testing.T) {
	t.Parallel()
	saved := filepath.Join(t.TempDir(), "saved.txt")
	code, out, errs := runCLI(t, "wait leader\nput a 1\nsave "+saved+"\n", "script", "--nodes", "3", "--data", t.TempDir(), "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	m := regexp.MustCompile(`(?m)^seed (\d+) `).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no seed printed:\n%s", out)
	}
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\n# flags: --nodes 3 --heartbeat 15ms --election 150ms-300ms --seed " + m[1] + "\n"; !strings.Contains(string(b), want) {
		t.Fatalf("saved header lacks %q:\n%s", want, b)
	}
}

// A process stopped for longer than the election timeout (SIGSTOP: ctrl-Z,
// then fg) goes on with the leader it had: every node of the cluster stood
// still, so none may count that time against its leader. Each follower's
// clock counted it, ran its election timer out on waking, and the cluster
// elected a new leader for a pause no node could have seen (cluster/stall.go).
func TestStoppedProcessKeepsItsLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := raftplayBinary(t)
	script := filepath.Join(t.TempDir(), "s.txt")
	// Slow timing, so that a loaded machine does not bring an election of
	// its own; the stop is longer than the longest timeout.
	if err := os.WriteFile(script, []byte("wait leader\necho ready\nsleep 5s\nstatus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "script", "--nodes", "3", "--heartbeat", "100ms", "--election", "1s-2s", script)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	out := startUntilReady(t, cmd)
	var leader, term int
	if _, err := fmt.Sscanf(out.String()[strings.Index(out.String(), "leader "):], "leader %d term %d", &leader, &term); err != nil {
		cmd.Process.Kill()
		t.Fatalf("no leader line: %v\n%s", err, out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // the stop under test: longer than the 2 s timeout
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if want := fmt.Sprintf("leader: %d (term %d)", leader, term); !strings.Contains(out.String(), want) {
		t.Fatalf("after a 2.5 s stop the status does not say %q: a new leader was elected for a pause no node could see\n%s", want, out.String())
	}
}

// startUntilReady starts cmd, its standard output and error into one
// buffer, and returns once it has printed "ready" (60 s at most).
func startUntilReady(t *testing.T, cmd *exec.Cmd) *lockedBuffer {
	t.Helper()
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "ready\n") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("not ready in time:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	return out
}
