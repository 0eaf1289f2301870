package tui

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"raftplay/commands"
)

func playScript(t *testing.T, src string, ex *fakeExec, want string) *Model {
	t.Helper()
	cmds, err := commands.Parse(src, 5)
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: ex, Script: cmds,
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
}

func TestScriptPlaysLineByLine(t *testing.T) {
	ex := &fakeExec{}
	playScript(t, "# a scenario\nlet old = leader\ncrash @old\n\nwait leader\nput x 1\n", ex, "script done: 4 commands")
	want := []string{"let old = leader", "crash @old", "wait leader", "put x 1"}
	if got := ex.got(); !slices.Equal(got, want) {
		t.Fatalf("script ran %q, want %q", got, want)
	}
}

func TestScriptStopsAtFailure(t *testing.T) {
	ex := &fakeExec{err: errors.New("line 1: expect leader != 1: leader is 1 (term 3)")}
	m := playScript(t, "expect leader != 1\nput x 1\n", ex, "script stopped at line 1")
	if got := ex.got(); len(got) != 1 {
		t.Fatalf("script ran %q after a failure", got)
	}
	if m.script.err == nil {
		t.Fatal("no script error recorded")
	}
}

// A lesson that stops on a failure (the learner's keys disturbed it) says
// how to play it again.
func TestScriptStopSaysHowToPlayItAgain(t *testing.T) {
	ex := &fakeExec{err: errors.New("line 1: put color green: no leader within 5s")}
	cmds, err := commands.Parse("put color green\n", 5)
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: ex, Script: cmds, ScriptAgain: "raftplay learn 3",
		Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("(q, then raftplay learn 3, plays it again)")) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
}

// What the command line said before the screen opened (a --nodes that the
// data directory overrides) is on the output line at the start.
func TestNoticeShownAtTheStart(t *testing.T) {
	m := newModel(newFakeSource(steady(5)), &fakeExec{}, 120, 40)
	if strings.Contains(m.View(), "note:") {
		t.Fatal("a note with no notice")
	}
	m = New(Options{Source: newFakeSource(steady(5)), Exec: &fakeExec{}, Notice: "/tmp/d holds a cluster of 5 nodes: running it, not --nodes 3",
		Clock: frozen, Seed: 1, Mono: true})
	m.Update(sizeMsg(120, 40))
	if v := m.View(); !strings.Contains(v, "note: /tmp/d holds a cluster of 5 nodes: running it, not --nodes 3") {
		t.Errorf("no notice:\n%s", v)
	}
}

// A lesson that ran to its end says it is over and what now, in place of
// "script done: N commands".
func TestScriptDoneSaysWhatNow(t *testing.T) {
	cmds, err := commands.Parse("put color green\n", 5)
	if err != nil {
		t.Fatal(err)
	}
	const done = "lesson 3 done: the cluster stays up for you to explore (? keys); q quits"
	for _, tc := range []struct{ done, want string }{{done, done}, {"", "script done: 1 command"}} {
		m := New(Options{Source: newFakeSource(steady(10)), Exec: &fakeExec{}, ScriptExec: &fakeExec{}, Script: cmds, ScriptDone: tc.done,
			Clock: frozen, Seed: 1, Mono: true, Frame: 10 * time.Millisecond})
		m.Update(sizeMsg(160, 40))
		stepScript(t, m)
		if v := m.View(); !strings.Contains(v, tc.want) {
			t.Errorf("after the script, want %q in the header:\n%s", tc.want, v)
		}
	}
}
