package tui

import (
	"strings"
	"testing"
)

// TestWrapKeepsANumberWithItsUnit: a number and its unit stay on one line
// when the unit closes a phrase ("(1.2 s)", "1.2 s."): the detail view
// showed "its election timer (1.2" / "  s) would fire in 1.2 s".
func TestWrapKeepsANumberWithItsUnit(t *testing.T) {
	const s = "3 follows 1 at term 3: it heard from it 300 ms ago, and its election timer (1.2 s) would fire in 1.2 s; then 45 ms, and 2 s."
	for width := 20; width <= len(s); width++ {
		for _, lines := range [][]string{wrapWords(s, width), wrapHanging(s, width, 2)} {
			for i, l := range lines {
				l = strings.TrimSpace(l)
				for _, u := range []string{"s", "ms", "s)", "s;", "s."} {
					if strings.HasPrefix(l, u+" ") || l == u {
						t.Errorf("width %d: line %d starts with the unit %q, apart from its number: %q", width, i, u, lines)
					}
				}
				if f := strings.Fields(l); len(f) > 0 && isDigit(f[len(f)-1][len(f[len(f)-1])-1]) && i+1 < len(lines) {
					if next := strings.Fields(lines[i+1]); len(next) > 0 && strings.HasPrefix(next[0], "s") {
						t.Errorf("width %d: line %d ends with a number whose unit starts the next: %q", width, i, lines)
					}
				}
			}
			if got := strings.Join(strings.Fields(strings.Join(lines, " ")), " "); got != s {
				t.Errorf("width %d: the wrapped text reads %q", width, got)
			}
		}
	}
}
