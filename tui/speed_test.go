package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
)

// timingExec applies `set heartbeat` and `set election` to its source's
// status, as the cluster would, and records every line.
type timingExec struct {
	fakeExec
	src *fakeSource
}

func (e *timingExec) Exec(ctx context.Context, cmd *commands.Command) (string, error) {
	if cmd.Verb == commands.VerbSet {
		e.src.mu.Lock()
		t := e.src.st.Timing
		switch cmd.Setting {
		case commands.SetHeartbeat:
			t.Heartbeat = cmd.Duration
		case commands.SetElection:
			t.ElectionMin, t.ElectionMax = cmd.Min, cmd.Max
		}
		err := t.Validate()
		if err == nil {
			e.src.st.Timing = t
		}
		e.src.mu.Unlock()
		if err != nil {
			return "", err
		}
	}
	return e.fakeExec.Exec(ctx, cmd)
}

// speedModel is a dashboard whose speed keys change its source's timing;
// frames are read by hand with frame.
func speedModel(t *testing.T) (*Model, *timingExec) {
	src := newFakeSource(steady(10))
	ex := &timingExec{src: src}
	return newModel(src, ex, 120, 40), ex
}

func frame(m *Model) { m.Update(frameMsg(m.o.Source.Status())) }

// TestSpeedKeysAreReversible: + then - returns to the very timing it
// started from, also after several presses each way, with or without a
// frame between presses.
func TestSpeedKeysAreReversible(t *testing.T) {
	for _, frames := range []bool{true, false} {
		m, ex := speedModel(t)
		start := m.status.Timing
		for _, keys := range [][]string{{"+", "-"}, {"+", "+", "+", "+", "-", "-", "-", "-"}, {"-", "-", "+", "+"}, {"+", "+", "+", "+", "+", "+", "-", "-", "-", "-", "-", "-"}} {
			for _, k := range keys {
				press(m, k)
				if frames {
					frame(m)
				}
			}
			frame(m)
			if got := m.status.Timing; got != start {
				t.Fatalf("frames %v: after %q the timing is %v, want %v (lines %q)", frames, keys, got, start, ex.got())
			}
		}
		lines := ex.got()
		if last := lines[len(lines)-2:]; last[0] != "set election 1s-2s" || last[1] != "set heartbeat 100ms" {
			t.Fatalf("last lines %q", last)
		}
	}
}

// TestSpeedKeysRebaseOnSet: after the timing is set by other means, the
// keys start from it.
func TestSpeedKeysRebaseOnSet(t *testing.T) {
	m, ex := speedModel(t)
	press(m, "+")
	frame(m)
	ex.src.mu.Lock()
	ex.src.st.Timing = cluster.Timing{Heartbeat: 30 * time.Millisecond, ElectionMin: 300 * time.Millisecond, ElectionMax: 900 * time.Millisecond}
	ex.src.mu.Unlock()
	frame(m)
	press(m, "-")
	frame(m)
	want := cluster.Timing{Heartbeat: 60 * time.Millisecond, ElectionMin: 600 * time.Millisecond, ElectionMax: 1800 * time.Millisecond}
	if got := m.status.Timing; got != want {
		t.Fatalf("after set and -: %v, want %v", got, want)
	}
	press(m, "+")
	frame(m)
	if got := m.status.Timing; got.Heartbeat != 30*time.Millisecond || got.ElectionMax != 900*time.Millisecond {
		t.Fatalf("after set, - and +: %v", got)
	}
}

// TestSpeedKeysSayWhenAtTheLimit: at the fastest or slowest speed the key
// says so in the output panel and runs nothing.
func TestSpeedKeysSayWhenAtTheLimit(t *testing.T) {
	for _, tc := range []struct{ key, want string }{{"+", "fastest speed already"}, {"-", "slowest speed already"}} {
		m, ex := speedModel(t)
		for range 20 {
			press(m, tc.key)
			frame(m)
		}
		n := len(ex.got())
		press(m, tc.key)
		v := m.View()
		if len(ex.got()) != n || !strings.Contains(v, tc.want) {
			t.Fatalf("%s at the limit ran %q; view:\n%s", tc.key, ex.got()[n:], v)
		}
		if err := m.status.Timing.Validate(); err != nil {
			t.Fatalf("%s went to an invalid timing %v: %v", tc.key, m.status.Timing, err)
		}
	}
}
