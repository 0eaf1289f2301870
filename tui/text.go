package tui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"raftplay/cluster"
	"raftplay/commands"
)

// Text from outside the dashboard (event texts, keys and values in entries
// and command output, error messages, typed lines, script lines) goes
// through clean before it is styled: no control byte it carries reaches
// the terminal. Numbers and words the dashboard writes itself need not.

// clean returns s with tabs expanded to spaces (command output is laid out
// with them) and every other control or format rune escaped Go-style.
func clean(s string) string {
	if strings.IndexByte(s, '\t') >= 0 {
		var b strings.Builder
		col := 0
		for _, r := range s {
			if r == '\t' {
				n := 8 - col%8
				b.WriteString(strings.Repeat(" ", n))
				col += n
				continue
			}
			b.WriteRune(r)
			col++
		}
		s = b.String()
	}
	return cluster.EscapeControls(s)
}

// cleanLines splits s into lines and cleans each.
func cleanLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	more := len(lines) - maxKeptLines
	if more > 0 {
		lines = lines[:maxKeptLines]
	}
	for i, l := range lines {
		lines[i] = clean(capLine(strings.TrimSuffix(l, "\r")))
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf("… %d more lines not shown here (raftplay script prints them all)", more))
	}
	return lines
}

// maxKeptLines and maxKeptLine bound what the dashboard keeps of a
// command's output: a value of 1 MiB got at the prompt is one line of a
// megabyte, which is of no use on a screen and made every frame slow.
const (
	maxKeptLines = 5000
	maxKeptLine  = 16 << 10 // bytes
)

// capLine cuts a line longer than maxKeptLine bytes (at a character's
// start), saying how long it was.
func capLine(l string) string {
	if len(l) <= maxKeptLine {
		return l
	}
	cut := maxKeptLine
	for cut > 0 && !utf8.RuneStart(l[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (cut: the line is %d bytes; raftplay script prints it whole)", l[:cut], len(l))
}

// segment is a piece of a line that is never split when lines wrap, and
// what goes before it when it does not start a line.
type segment struct {
	text string // may be styled
	sep  string
}

// wrapSegments lays segments out on as few lines of width cells as it can,
// moving a whole segment to the next line rather than cutting it. A segment
// wider than a line is wrapped by words.
func wrapSegments(segs []segment, width int) []string {
	var lines []string
	cur, curW := "", 0
	for _, s := range segs {
		w := lipgloss.Width(s.text)
		switch {
		case cur == "" && w <= width:
			cur, curW = s.text, w
		case cur != "" && curW+lipgloss.Width(s.sep)+w <= width:
			cur += s.sep + s.text
			curW += lipgloss.Width(s.sep) + w
		default:
			if cur != "" {
				lines = append(lines, cur)
			}
			cur, curW = s.text, w
			if w > width {
				parts := wrapWords(s.text, width)
				lines = append(lines, parts[:len(parts)-1]...)
				cur = parts[len(parts)-1]
				curW = lipgloss.Width(cur)
			}
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// wrapWords wraps plain text s on spaces into lines of at most width cells;
// a word longer than a line is split. A number and its unit ("2.1 s",
// "120 ms") are one word: never split across lines.
func wrapWords(s string, width int) []string { return wrapWidths(s, width, width) }

// wrapHanging wraps s as wrapWords does, its lines after the first
// indented by indent spaces (when width leaves room for them).
func wrapHanging(s string, width, indent int) []string {
	if width-indent < 20 {
		indent = 2
	}
	lines := wrapWidths(s, width, width-indent)
	for i := 1; i < len(lines); i++ {
		lines[i] = strings.Repeat(" ", indent) + lines[i]
	}
	return lines
}

// fitOrWrap returns s as it is when it fits width (its spacing kept: a
// table row, an aligned entry), else wrapped as wrapHanging does.
func fitOrWrap(s string, width, indent int) []string {
	if lipgloss.Width(s) <= width {
		return []string{s}
	}
	return wrapHanging(s, width, indent)
}

// wrapWidths wraps s into a first line of first cells and further lines
// of rest cells. Each word is measured once.
func wrapWidths(s string, first, rest int) []string {
	first, rest = max(1, first), max(1, rest)
	var lines []string
	width := func() int {
		if len(lines) == 0 {
			return first
		}
		return rest
	}
	cur, curW := "", 0
	for _, w := range glueUnits(strings.Fields(s)) {
		ww := lipgloss.Width(w)
		for ww > width() {
			if cur != "" {
				lines = append(lines, cur)
				cur, curW = "", 0
			}
			head, tail := splitAt(w, width())
			if head == "" { // a character wider than the line: it goes alone
				_, n := utf8.DecodeRuneInString(w)
				head, tail = w[:n], w[n:]
			}
			lines = append(lines, head)
			// The rest's width by difference: measured again each time, a
			// word of 1 MB (a value got at the prompt) took minutes to wrap.
			w, ww = tail, max(0, ww-lipgloss.Width(head))
		}
		switch {
		case cur == "":
			cur, curW = w, ww
		case curW+1+ww <= width():
			cur += " " + w
			curW += 1 + ww
		default:
			lines = append(lines, cur)
			cur, curW = w, ww
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// glueUnits joins a unit of time to the number before it: "2.1", "s"
// become "2.1 s". The unit may carry the punctuation that closes its
// phrase ("(1.2 s)", "in 1.2 s."), or the number and the unit would part
// there.
func glueUnits(words []string) []string {
	out := words[:0:0]
	for _, w := range words {
		u := strings.TrimRight(w, ").,;:]")
		if n := len(out); n > 0 && (u == "s" || u == "ms" || u == "µs") && out[n-1] != "" && isDigit(out[n-1][len(out[n-1])-1]) {
			out[n-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// splitAt splits plain text s after width cells.
func splitAt(s string, width int) (string, string) {
	w := 0
	for i, r := range s {
		rw := 1 // printable ASCII, most of it, without measuring
		if r < 0x20 || r >= 0x7f {
			rw = lipgloss.Width(string(r))
		}
		if w+rw > width {
			return s[:i], s[i:]
		}
		w += rw
	}
	return s, ""
}

// errSentence says why line failed as one sentence that starts with the
// line: "set election 1s: column 14: bad range ...". A parse error gives
// its column (not the line number of a one-line input, nor the verb again);
// a failure already names its command.
func errSentence(line string, err error) string {
	var pe *commands.ParseError
	if errors.As(err, &pe) {
		msg := pe.Msg
		if verb, _, _ := strings.Cut(strings.TrimSpace(line), " "); verb != "" {
			msg = strings.TrimPrefix(msg, verb+": ")
		}
		return fmt.Sprintf("%s: column %d: %s", line, pe.Col, msg)
	}
	var f *commands.Failure
	if errors.As(err, &f) {
		return f.Cmd + ": " + f.Msg
	}
	msg := lineNo.ReplaceAllString(err.Error(), "")
	if !strings.HasPrefix(msg, line+":") {
		return line + ": " + msg
	}
	return msg
}

// lineNo is the "line 7: " a script's errors start with.
var lineNo = regexp.MustCompile(`^line \d+(: column \d+)?: `)

// cut escapes s (clean) and cuts it to at most cells cells, ending a text
// cut short with "…".
func cut(s string, cells int) string {
	return ansi.Truncate(clean(s), cells, "…")
}
