package commands

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is a *ParseError
// with a line and column inside the script, and that every parsed command's
// String form parses back to the same command.
func FuzzParse(f *testing.F) {
	for _, tc := range validCases {
		f.Add(tc.line, 5)
	}
	for _, tc := range errorCases {
		f.Add(tc.line, 5)
	}
	f.Add("let a = leader\ncrash @a\r\nwait leader 2s # x\n", 3)
	f.Add("partition 1,2 3\nheal\n", 0)
	f.Fuzz(func(t *testing.T, src string, nodes int) {
		nodes %= 10
		cmds, err := Parse(src, nodes)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T %v is not a *ParseError", src, err, err)
			}
			lines := strings.Count(src, "\n") + 1
			if pe.Line < 1 || pe.Line > lines || pe.Col < 1 {
				t.Fatalf("Parse(%q) error at %d:%d, outside %d lines", src, pe.Line, pe.Col, lines)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: column %d: ", pe.Line, pe.Col)) {
				t.Fatalf("Parse(%q) error %q does not start with its position", src, err)
			}
			return
		}
		for _, c := range cmds {
			if c.Line < 1 || c.Col < 1 || c.Text == "" {
				t.Fatalf("Parse(%q): command %+v has no position or text", src, c)
			}
			s := c.String()
			again, err := ParseLine(s, 1, nodes)
			if err != nil {
				t.Fatalf("Parse(%q): String() = %q does not parse: %v", src, s, err)
			}
			if !reflect.DeepEqual(normal(*again), normal(c)) {
				t.Fatalf("Parse(%q): String() = %q parses to\n%+v\nwant\n%+v", src, s, normal(*again), normal(c))
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	script := strings.Repeat(`# a scenario
wait leader
let old = leader
put k "hello world"
crash @old
wait leader 5s
expect leader != @old
partition 1,2 3,4,5
delay 10ms 2ms 1 2
expect term 3 >= 2
set election 150ms-300ms
heal
`, 10)
	b.SetBytes(int64(len(script)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(script, 5); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLine(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLine(`expect get greeting == "hello world"`, 1, 5); err != nil {
			b.Fatal(err)
		}
	}
}
