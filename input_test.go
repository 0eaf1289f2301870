package main

import (
	"os"
	"path/filepath"
	"strings"
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
}
