package cluster

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPrintable(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"with space", "with space"},
		{"héllo ✓", "héllo ✓"},
		{"", `""`},
		{`"quoted"`, `"\"quoted\""`},
		{"v\x1b[41mRED", `"v\x1b[41mRED"`},
		{"a\nb", `"a\nb"`},
		{"del\x7f", `"del\x7f"`},
		{"c1\u009b2J", `"c1\u009b2J"`},
		{"bidi\u202eevil", `"bidi\u202eevil"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
	}
	for _, c := range cases {
		if got := Printable(c.in); got != c.want {
			t.Errorf("Printable(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestEscapeControls(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"evil\x1b[5mblink\nnewline", `evil\x1b[5mblink\nnewline`},
		{"tab\there", `tab\there`},
		{"cr\rhere", `cr\rhere`},
		{"c1\u009b", `c1\u009b`},
		{"bidi\u202e", `bidi\u202e`},
		{"bad\xfe", `bad\xfe`},
		{"ok ✓", "ok ✓"},
	}
	for _, c := range cases {
		got := EscapeControls(c.in)
		if got != c.want {
			t.Errorf("EscapeControls(%q) = %s, want %s", c.in, got, c.want)
		}
		if again := EscapeControls(got); again != got {
			t.Errorf("EscapeControls is not idempotent on %q: %q", got, again)
		}
	}
}

// terminalSafe reports whether s holds no byte or rune a terminal would
// treat as a control.
func terminalSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != ' ' && !strconv.IsPrint(r) || r >= 0x80 && r < 0xa0 || r == 0x7f {
			return false
		}
	}
	return true
}

func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"", "a", "\x1b[31m", "\xff\xfe", "\u009b", "\u202e", "\"x", "a\nb\r\tc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Printable(s)
		if !terminalSafe(p) {
			t.Fatalf("Printable(%q) = %q: not safe for a terminal", s, p)
		}
		if p != s {
			// Quoted: it must read back as the original bytes.
			back, err := strconv.Unquote(p)
			if err != nil || back != s {
				t.Fatalf("Printable(%q) = %q does not unquote to the input (%q, %v)", s, p, back, err)
			}
		}
		if e := EscapeControls(s); !terminalSafe(e) {
			t.Fatalf("EscapeControls(%q) = %q: not safe for a terminal", s, e)
		}
	})
}

// shortData cuts by runes, not bytes; shortBytes converts only a prefix
// and cuts the same way.
func TestShortData(t *testing.T) {
	long := strings.Repeat("é", 30)
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"abc", "abc"},
		{strings.Repeat("a", 24), strings.Repeat("a", 24)},
		{strings.Repeat("a", 25), strings.Repeat("a", 24) + "..."},
		{long, strings.Repeat("é", 24) + "..."},
		{strings.Repeat("世", 24), strings.Repeat("世", 24)},
		{strings.Repeat("世", 24) + "x", strings.Repeat("世", 24) + "..."},
		{"a\x00b", `"a\x00b"`},
		{strings.Repeat("\x00", 128), `"` + strings.Repeat(`\x00`, 24) + `"...`},
		{strings.Repeat("🙂", 25), strings.Repeat("🙂", 24) + "..."},
	} {
		if got := shortData(c.in, 24); got != c.want {
			t.Errorf("shortData(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := shortBytes([]byte(c.in), 24); got != c.want {
			t.Errorf("shortBytes(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
