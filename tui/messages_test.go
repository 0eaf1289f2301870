package tui

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"raftplay/cluster"
)

// TestParseErrorIsASentence: a line that does not parse is shown as the
// line, the column and what is wrong, with no package prefix or line number.
func TestParseErrorIsASentence(t *testing.T) {
	m := newModel(newFakeSource(steady(10)), &fakeExec{}, 120, 40)
	press(m, ":")
	for _, r := range "set election 1s" {
		press(m, string(r))
	}
	press(m, "enter")
	v := m.View()
	if !strings.Contains(v, `set election 1s: column 14: bad range "1s"`) {
		t.Errorf("parse error not shown as a sentence:\n%s", v)
	}
	for _, bad := range []string{"tui:", "line 1", "set: bad"} {
		if strings.Contains(v, bad) {
			t.Errorf("view shows %q:\n%s", bad, v)
		}
	}
}

// TestScriptFailureSaysLineOnce: a script's failure names its line once.
func TestScriptFailureSaysLineOnce(t *testing.T) {
	ex := &fakeExec{err: errors.New("line 1: expect leader != 1: leader is 1 (term 3)")}
	m := playScript(t, "expect leader != 1\nput x 1\n", ex, "script stopped at line 1")
	v := m.View()
	if strings.Contains(v, "line 1: line 1") || strings.Count(v, "line 1") > 2 {
		t.Errorf("the line is named more than once:\n%s", v)
	}
	if !strings.Contains(v, "expect leader != 1: leader is 1 (term 3)") {
		t.Errorf("failure not shown:\n%s", v)
	}
}

// countingSource counts the Status reads.
type countingSource struct {
	*fakeSource
	mu    sync.Mutex
	reads int
}

func (c *countingSource) Status() cluster.Status {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.fakeSource.Status()
}

// TestOneStatusPerFrame: a frame reads the status once and everything on
// screen comes from it: views, keys and panels never read it again.
func TestOneStatusPerFrame(t *testing.T) {
	src := &countingSource{fakeSource: newFakeSource(steady(40))}
	m := New(Options{Source: src, Exec: &fakeExec{}, Clock: frozen, Seed: 1, Mono: true})
	m.Update(sizeMsg(120, 40))
	base := src.reads
	for _, keys := range [][]string{nil, {"enter"}, {"?"}, {"e"}, {"["}, {"2", "c"}, {"+"}} {
		press(m, keys...)
		_ = m.View()
		press(m, "esc", "esc")
	}
	if src.reads != base {
		t.Fatalf("views and keys read the status %d times", src.reads-base)
	}
	cmd := frameCmd(src, m.frameEvery())
	msg := cmd()
	if src.reads != base+1 {
		t.Fatalf("a frame read the status %d times", src.reads-base)
	}
	m.Update(msg)
	_ = m.View()
	if src.reads != base+1 {
		t.Fatalf("a frame and its view read the status %d times", src.reads-base)
	}
}
