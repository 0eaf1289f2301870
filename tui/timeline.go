package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
)

// The replay's lines at the top of the header: the replay line (REPLAY,
// playing or paused, the speed, the cursor and the recording's length,
// and the replay's keys when they fit), the timeline (the recording from
// its start to its end across the screen, its marks and the cursor), and,
// when the recording ends early, where and why.

// Timeline cells: the part played, the part to come, the cursor.
const (
	tlPlayed = '━'
	tlAhead  = '─'
	tlCursor = '●'
)

// markRunes are the marks' symbols, and markRank which one a cell shows
// when several marks fall in it: the highest.
var (
	markRunes = map[MarkKind]rune{MarkViolation: '!', MarkFault: 'x', MarkLeader: 'L', MarkCommand: 'c'}
	markRank  = map[MarkKind]int{MarkCommand: 1, MarkLeader: 2, MarkFault: 3, MarkViolation: 4}
)

// stoppedMax is the most lines the recording's early end takes.
const stoppedMax = 2

// replayLines renders the replay's lines of the header at width.
func (m *Model) replayLines(width int) []string {
	if m.player == nil {
		return nil
	}
	v := m.replay.view
	st := m.styles
	mark := "REPLAY ⏸ " + speedText(v.speed)
	if v.playing {
		mark = "REPLAY ▶ " + speedText(v.speed)
	}
	cursor := durText(v.pos, v.length)
	if !v.playing {
		// Paused: to the millisecond, so a step shows; finer when a step
		// goes to a place in the same millisecond.
		cursor = cursorText(v.pos, v.prev, v.next)
	}
	line := st.Replay.Render(mark) + "  " + cursor + " / " + durText(v.length, v.length)
	if !v.playing {
		line += "  paused"
		if v.behind >= time.Millisecond && v.behind <= v.pos {
			// A step onto a message, between two recorded statuses: the
			// events and messages are at the cursor, the cards are not.
			line += st.Bold.Render("  status as of " + msText(v.pos-v.behind))
		}
	}
	if hint := "  space play/pause · ,/. step · ←/→ 1s · +/- speed"; lipgloss.Width(line+hint) <= width {
		line += st.Dim.Render(hint)
	}
	lines := []string{st.Clip(line, width), m.timeline(width)}
	if v.stopped != nil {
		text := clean(v.stopped.Error())
		if strings.HasPrefix(text, "line ") {
			text = "recording ends early at " + text
		} else {
			text = "recording ends early: " + text
		}
		for _, l := range capLines(wrapWords(text, width), stoppedMax, width) {
			lines = append(lines, st.Error.Render(l))
		}
	}
	return lines
}

// timeline draws the recording across width cells: each cell a stretch of
// time, the marks in theirs, the cursor in its own (in the colour of the
// mark there, if there is one).
func (m *Model) timeline(width int) string {
	v := m.replay.view
	st := m.styles
	n := max(1, width)
	cell := func(at time.Duration) int {
		if v.length <= 0 {
			return 0
		}
		return min(n-1, max(0, int(int64(at)*int64(n)/int64(v.length))))
	}
	marks := make([]Mark, n)
	has := make([]bool, n)
	for _, mk := range v.marks {
		i := cell(mk.At)
		if !has[i] || markRank[mk.Kind] > markRank[marks[i].Kind] {
			marks[i], has[i] = mk, true
		}
	}
	cur := cell(v.pos)
	var b strings.Builder
	for i := range n {
		switch {
		case i == cur && has[i]:
			// The cursor always shows (a mark drawn reversed in its
			// place was lost without colour): in the colour of the mark
			// it stands on.
			b.WriteString(m.markStyle(marks[i].Kind).Bold(true).Render(string(tlCursor)))
		case i == cur:
			b.WriteString(st.Bold.Render(string(tlCursor)))
		case has[i]:
			b.WriteString(m.markStyle(marks[i].Kind).Render(string(markRunes[marks[i].Kind])))
		case i < cur:
			b.WriteRune(tlPlayed)
		default:
			b.WriteString(st.Dim.Render(string(tlAhead)))
		}
	}
	return b.String()
}

// markStyle is the style a mark of kind k is drawn in.
func (m *Model) markStyle(k MarkKind) lipgloss.Style {
	st := m.styles
	switch k {
	case MarkViolation:
		return st.Violation
	case MarkFault:
		return st.Fault
	case MarkLeader:
		return st.Role("leader")
	}
	return st.Dim
}

// speedText formats a replay speed: 1.0x, 2.0x, 0.25x, 0.1x.
func speedText(x float64) string {
	if x == float64(int(x)) {
		return fmt.Sprintf("%.1fx", x)
	}
	return fmt.Sprintf("%gx", x)
}

// msText formats a position to the millisecond: 12.503s, 1m02.503s,
// 1h02m03.503s.
func msText(d time.Duration) string { return posText(d, time.Millisecond) }

// cursorText formats a paused cursor at pos to the millisecond, or, when
// the place a step back (prev) or forward (next; negative: none) goes to
// would read the same, to the microsecond (6.001234s), or else to the
// nanosecond: several steps within one millisecond read apart ("6.001s"
// three times told nothing).
func cursorText(pos, prev, next time.Duration) string {
	for _, unit := range []time.Duration{time.Millisecond, time.Microsecond} {
		same := func(other time.Duration) bool {
			return other >= 0 && max(0, other).Round(unit) == max(0, pos).Round(unit)
		}
		if !same(prev) && !same(next) {
			return posText(pos, unit)
		}
	}
	return posText(pos, time.Nanosecond)
}

// posText formats a position to unit (a millisecond, a microsecond or a
// nanosecond): 12.503s, 1m02.503s, 1h02m03.503s; 12.503021s.
func posText(d, unit time.Duration) string {
	d = max(0, d).Round(unit)
	digits := 9
	switch unit {
	case time.Millisecond:
		digits = 3
	case time.Microsecond:
		digits = 6
	}
	frac := fmt.Sprintf("%0*d", digits, int64(d%time.Second)/int64(unit))
	s := int64(d / time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d.%ss", s, frac)
	case d < time.Hour:
		return fmt.Sprintf("%dm%02d.%ss", s/60, s%60, frac)
	}
	return fmt.Sprintf("%dh%02dm%02d.%ss", s/3600, s/60%60, s%60, frac)
}

// durText formats a position in a recording of length: 12.5s, 1m02.5s,
// 1h02m03s; in a recording shorter than 10s, to the millisecond (0.389s),
// so a step shows.
func durText(d, length time.Duration) string {
	if length < 10*time.Second {
		return fmt.Sprintf("%.3fs", max(0, d).Seconds())
	}
	d = max(0, d).Round(100 * time.Millisecond)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%04.1fs", int(d.Minutes()), (d % time.Minute).Seconds())
	}
	return fmt.Sprintf("%dh%02dm%02ds", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}
