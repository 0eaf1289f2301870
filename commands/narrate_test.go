package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// The narration verbs' cases join the shared tables here, so that the
// tables' other edits and these do not touch the same lines.
func init() {
	validCases = append(validCases, []struct {
		line string
		want Command
	}{
		{`say hello`, Command{Verb: VerbSay, Message: "hello"}},
		{`say A leader   was elected. # why`, Command{Verb: VerbSay, Message: "A leader was elected."}},
		{`say "two  spaces" and "a\nbreak"`, Command{Verb: VerbSay, Message: "two  spaces and a\nbreak"}},
		{`wait key`, Command{Verb: VerbWait, What: WaitKey}},
		{`save session.txt`, Command{Verb: VerbSave, Name: "session.txt"}},
		{`save "my session.txt"`, Command{Verb: VerbSave, Name: "my session.txt"}},
		{`save /tmp/a#b # comment`, Command{Verb: VerbSave, Name: "/tmp/a"}},
	}...)
	errorCases = append(errorCases, []struct{ line, want string }{
		{`say`, `line 1: column 4: say: missing TEXT (want say TEXT...)`},
		{`say   # only a comment`, `line 1: column 4: say: missing TEXT (want say TEXT...)`},
		{`wait key 5s`, `line 1: column 10: wait: unexpected "5s" (want wait key)`},
		{`wait keys`, `line 1: column 6: wait: unknown condition "keys" (did you mean "key"?) (want leader, commit, converged, settled, term, role, config, violation or key)`},
		{`save`, `line 1: column 5: save: missing FILE (want save FILE)`},
		{`save ""`, `line 1: column 6: save: empty file name (want save FILE)`},
		{`save a b`, `line 1: column 8: save: unexpected "b" (want save FILE)`},
	}...)
}

func TestFormatNarration(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"short", "\n» short\n"},
		{"a\nb", "\n» a\n  b\n"},
		{"", "\n» \n"},
		{strings.Repeat("word ", 20), "\n» " + strings.TrimSpace(strings.Repeat("word ", 15)) + "\n  " + strings.TrimSpace(strings.Repeat("word ", 5)) + "\n"},
		{strings.Repeat("x", 100) + " y", "\n» " + strings.Repeat("x", 100) + "\n  y\n"},
	} {
		if got := FormatNarration(tc.in); got != tc.want {
			t.Errorf("FormatNarration(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
		}
	}
	for _, l := range strings.Split(FormatNarration(strings.Repeat("abc de ", 60)), "\n") {
		if n := len([]rune(l)); n > narrationWidth {
			t.Errorf("line of %d runes, over %d: %q", n, narrationWidth, l)
		}
	}
}

// TestSayAndWaitKeyHeadless: a script prints narration set apart and
// wrapped, escapes what could drive the terminal, and wait key goes on at
// once and prints nothing.
func TestSayAndWaitKeyHeadless(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 1, slowTiming)
	cmds, err := Parse("say \"Look at \\x1b[31mthe leader.\"\nwait key\necho after\n", 1)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	start := time.Now()
	if err := RunScript(context.Background(), NewRunner(c), cmds, ScriptOptions{Out: &out}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v: wait key must not wait headless", took)
	}
	want := "\n» Look at \\x1b[31mthe leader.\n> echo after\nafter\n"
	if out.String() != want {
		t.Errorf("script printed\n%q\nwant\n%q", out.String(), want)
	}
	// JSON mode reports them as results like any command.
	out.Reset()
	if err := RunScript(context.Background(), NewRunner(c), cmds, ScriptOptions{Out: &out, JSON: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"command":"wait key","ok":true`) || !strings.Contains(out.String(), `"output":"Look at \\x1b[31mthe leader."`) {
		t.Errorf("JSON results:\n%s", out.String())
	}
}

// TestSaveWithoutHistory: a runner without a history says save cannot
// work there, instead of writing an empty script.
func TestSaveWithoutHistory(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 1, slowTiming)
	path := t.TempDir() + "/s.txt"
	_, err := NewRunner(c).Exec(context.Background(), mustParse(t, "save "+path))
	if err == nil || !strings.Contains(err.Error(), "keeps no history") {
		t.Fatalf("save without a history: %v", err)
	}
}

// A command is echoed when it starts, not when it ends: during a long sleep
// the output says which line the script is on.
func TestScriptEchoesALineWhenItStarts(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 1, slowTiming)
	cmds, err := Parse("echo first\nsleep 1m\necho never\n", 1)
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuf
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunScript(ctx, NewRunner(c), cmds, ScriptOptions{Out: &out}) }()
	for !strings.Contains(out.String(), "> sleep 1m\n") {
		select {
		case err := <-done:
			t.Fatalf("the script ended (%v) before the sleep was echoed:\n%s", err, out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel(errors.New("interrupted"))
	if err := <-done; err == nil || err.Error() != "interrupted" {
		t.Fatalf("RunScript = %v, want the cause of the interruption", err)
	}
	if got, want := out.String(), "> echo first\nfirst\n> sleep 1m\nstopped: interrupted\n"; got != want {
		t.Fatalf("output %q, want %q", got, want)
	}
}

// lockedBuf is a bytes.Buffer safe for one writer and one reader.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestJSONResultAlwaysHasOutputOrError: every --json result carries
// "output" when it succeeded, even empty (sleep and wait key had none, and
// a reader of .output found null), and "error" in its place when it failed,
// as the README's records show.
func TestJSONResultAlwaysHasOutputOrError(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 1, slowTiming)
	cmds, err := Parse("sleep 1ms\nwait key\necho \"\"\nexpect commit 1 >= 100\n", 1)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RunScript(context.Background(), NewRunner(c), cmds, ScriptOptions{Out: &out, JSON: true}); err == nil {
		t.Fatal("expect commit 1 >= 100 passed")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d results, want 4:\n%s", len(lines), &out)
	}
	for i, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		_, hasOut := r["output"]
		_, hasErr := r["error"]
		if ok := r["ok"] == true; hasOut != ok || hasErr == ok {
			t.Errorf("result %s: want output when ok, else error in its place", l)
		}
	}
}
