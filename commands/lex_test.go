package commands

import (
	"reflect"
	"testing"
)

func TestLex(t *testing.T) {
	for _, tc := range []struct {
		line   string
		toks   []token
		endCol int
	}{
		{"", nil, 1},
		{"a", []token{{"a", 1, false, false}}, 2},
		{"  a\tbb  ", []token{{"a", 3, false, false}, {"bb", 5, false, true}}, 7},
		{`a "b c" d`, []token{{"a", 1, false, false}, {"b c", 3, true, false}, {"d", 9, false, false}}, 10},
		{`"" x`, []token{{"", 1, true, false}, {"x", 4, false, false}}, 5},
		{`a "x\"y"`, []token{{"a", 1, false, false}, {`x"y`, 3, true, false}}, 9},
		{`a # b "c`, []token{{"a", 1, false, false}}, 2},
		{`a#b`, []token{{"a", 1, false, false}}, 2},
		{`"q"# c`, []token{{"q", 1, true, false}}, 4},
		{`é "ü" z`, []token{{"é", 1, false, false}, {"ü", 3, true, false}, {"z", 7, false, false}}, 8},
		{"a\r", []token{{"a", 1, false, false}}, 2},
	} {
		lx, err := lex(tc.line, 1)
		if err != nil {
			t.Errorf("lex(%q): %v", tc.line, err)
			continue
		}
		if !reflect.DeepEqual(lx.toks, tc.toks) || lx.endCol != tc.endCol {
			t.Errorf("lex(%q) = %v endCol %d, want %v endCol %d", tc.line, lx.toks, lx.endCol, tc.toks, tc.endCol)
		}
	}
}

func TestQuote(t *testing.T) {
	for s, want := range map[string]string{
		"abc": "abc", "": `""`, "a b": `"a b"`, "(nil)": `"(nil)"`, `a"b`: `"a\"b"`,
		"a#b": `"a#b"`, `a\b`: `"a\\b"`, "tab\t": `"tab\t"`, "\xff": `"\xff"`, "é": "é",
	} {
		if got := quote(s); got != want {
			t.Errorf("quote(%q) = %s, want %s", s, got, want)
		}
		lx, err := lex(quote(s), 1)
		if err != nil || len(lx.toks) != 1 || lx.toks[0].text != s {
			t.Errorf("lex(quote(%q)) = %v, %v", s, lx.toks, err)
		}
	}
}
