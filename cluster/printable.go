package cluster

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keys, values and other text that users control (HTTP clients, scripts,
// directory names) reach terminals: the dashboard, `raftplay script`, error
// lines. None of it may carry a control byte that a terminal would obey
// (ESC sequences, CR, C1 controls, DEL, bidi overrides). These two helpers
// are the one place that decides how such text is shown.

// Printable returns data (a key or a value) ready to show: unchanged when it
// is valid UTF-8 made only of printable characters and spaces, otherwise
// quoted Go-style ("v\x1b[41m" becomes `"v\x1b[41m"`), so that two different
// values never look the same. The empty string and text that starts with a
// double quote are quoted too.
func Printable(s string) string {
	if s != "" && s[0] != '"' && isPrintable(s) {
		return s
	}
	return strconv.Quote(s)
}

// EscapeControls returns text (a message, a command line) with every rune a
// terminal would not print as itself written as a Go escape (\n, \x1b,
// \u202e) and invalid UTF-8 bytes as \xNN. Printable text is unchanged, and
// so is text that was escaped already.
func EscapeControls(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case printableRune(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r) // 'x' with the escape inside
			b.WriteString(q[1 : len(q)-1])
		}
		i += w
	}
	return b.String()
}

func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		} else if c >= 0x80 {
			return isPrintableSlow(s[i:])
		}
	}
	return true
}

func isPrintableSlow(s string) bool {
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && w == 1) || !printableRune(r) {
			return false
		}
		i += w
	}
	return true
}

// printableRune: graphic characters and the ASCII space; not the format
// characters (bidi overrides, zero-width joiners) that reorder or hide text.
func printableRune(r rune) bool {
	return r == ' ' || (unicode.IsPrint(r) && !unicode.Is(unicode.Cf, r))
}

// ShellWord quotes s for a shell when it holds anything but plain path
// characters, for a command line a message suggests.
func ShellWord(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+,:@", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
