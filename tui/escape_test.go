package tui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"raftplay/cluster"
)

// ownSGR matches the colour and attribute sequences the dashboard itself
// writes when colour is on.
var ownSGR = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// terminalSafe reports the first thing in out that a terminal would obey
// rather than print: a C0 control other than '\n', DEL, a C1 control, a
// format rune (bidi overrides, zero-width joiners) or invalid UTF-8. With
// colour on, the dashboard's own SGR sequences are removed first.
func terminalSafe(out string, colour bool) error {
	if colour {
		out = ownSGR.ReplaceAllString(out, "")
	}
	if !utf8.ValidString(out) {
		return errors.New("invalid UTF-8")
	}
	for i, r := range out {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("control byte %#x at %d: %q", r, i, around(out, i))
		case r >= 0x80 && r <= 0x9f:
			return fmt.Errorf("C1 control %U at %d: %q", r, i, around(out, i))
		case unicode.Is(unicode.Cf, r):
			return fmt.Errorf("format rune %U at %d: %q", r, i, around(out, i))
		}
	}
	return nil
}

func around(s string, i int) string { return s[max(0, i-30):min(len(s), i+30)] }

// hostileStatus is a cluster whose entries, errors and addresses carry text.
func hostileStatus(text string) cluster.Status {
	st := steady(40)
	for i := range st.Nodes {
		n := &st.Nodes[i]
		n.Recent = append([]cluster.EntryInfo(nil), n.Recent...)
		n.Recent = append(n.Recent, cluster.EntryInfo{Index: 41, Term: 3, Text: "put " + text + "=" + text})
		n.LastIndex = 41
	}
	st.Nodes[1].Err = text
	st.Nodes[2].State, st.Nodes[2].Err, st.Nodes[2].AsOf = cluster.StateFailed, text, t0
	st.Nodes[3].RaftAddr = text
	st.Frozen = true
	st.Nodes[1].Frozen = true
	st.Nodes[1].Held = []cluster.HeldInfo{{Seq: 1, From: 3, Kind: text, Term: 3, Summary: text}, {Seq: 2, From: 4, Kind: "vote", Term: 3, Summary: "vote " + text}}
	return st
}

// renderHostile renders a dashboard whose every outside text is text, in
// every mode, and returns the screens.
func renderHostile(text string, mono bool) map[string]string {
	src := newFakeSource(hostileStatus(text))
	src.event(1, 2, "raft.vote", text)
	src.event(2, 0, cluster.EventError, "snapshot of "+text+" failed")
	src.event(3, 3, cluster.EventViolation, text)
	m := New(Options{Source: src, Messages: electionTrace(), Exec: &fakeExec{out: text + "\n" + text}, Clock: frozen, Seed: 1, Mono: mono})
	m.Update(sizeMsg(100, 60))
	m.Update(eventsCmd(m.ctx, src.log, m.feed.next)())
	m.script.total, m.script.line, m.script.err = 1, 1, errors.New(text)
	screens := map[string]string{}
	screens["main"] = m.View()
	m.Update(resultMsg{lines: []string{"get " + text}, out: text + "\n" + strings.Repeat(text+" ", 3)})
	screens["output"] = m.View()
	m.Update(resultMsg{lines: []string{"get " + text}, out: text})
	screens["short output"] = m.View()
	m.Update(resultMsg{lines: []string{"put " + text}, err: errors.New(text)})
	screens["error"] = m.View()
	press(m, "2", "enter")
	screens["detail"] = m.View()
	press(m, "m")
	screens["messages"] = m.View()
	press(m, "d")
	screens["deliver"] = m.View()
	press(m, "down", "delete")
	screens["discard"] = m.View()
	press(m, "x")
	screens["links"] = m.View()
	press(m, "x")
	press(m, "esc", "esc", "?")
	screens["full help"] = m.View()
	press(m, "?", ":")
	m.Update(keyMsg(text))
	screens["prompt"] = m.View()
	m.Update(keyMsg("enter"))
	screens["after prompt"] = m.View()
	return screens
}

func checkHostile(t *testing.T, text string) {
	t.Helper()
	for _, mono := range []bool{true, false} {
		if !mono {
			lipgloss.SetColorProfile(termenv.ANSI256)
		}
		screens := renderHostile(text, mono)
		lipgloss.SetColorProfile(termenv.Ascii)
		for mode, v := range screens {
			if err := terminalSafe(v, !mono); err != nil {
				t.Fatalf("text %q, mono %v, %s view: %v", text, mono, mode, err)
			}
		}
	}
}

// hostileTexts are keys, values and messages a client or a file name can
// carry: SGR and cursor sequences, line breaks, C1 controls, DEL, bidi
// overrides, invalid UTF-8.
var hostileTexts = []string{
	"evil\x1b[5mblink\nnewline",
	"v\x1b[41mRED",
	"a\rb",
	"\u009b31m",
	"del\x7f",
	"\u202egnp.exe",
	"bad\xff\xfeutf8",
	"\x1b]0;title\x07",
	"tab\there",
	"zero\u200dwidth",
	"/tmp/raft\x1b[2J/node-1",
	"",
}

// TestViewEscapesOutsideText: nothing that comes from outside the dashboard
// reaches the terminal with a control byte, in any mode.
func TestViewEscapesOutsideText(t *testing.T) {
	for _, s := range hostileTexts {
		checkHostile(t, s)
	}
}

// FuzzView renders fuzzed keys, values, event texts, errors and command
// output in every mode: `go test ./tui -run XXX -fuzz FuzzView`.
func FuzzView(f *testing.F) {
	for _, s := range hostileTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkHostile(t, text)
	})
}
