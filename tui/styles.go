package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles holds every style the dashboard draws with. NewStyles is the only
// place that builds one; no other file calls lipgloss.NewStyle.
type Styles struct {
	Mono bool // no colour: shapes and words carry the meaning

	plain lipgloss.Style

	Title     lipgloss.Style
	Header    lipgloss.Style
	Dim       lipgloss.Style
	Bold      lipgloss.Style
	Violation lipgloss.Style
	Fault     lipgloss.Style
	Error     lipgloss.Style
	OK        lipgloss.Style

	Card         lipgloss.Style
	CardSelected lipgloss.Style
	Section      lipgloss.Style

	roles     map[string]lipgloss.Style // by role name, plus "paused" and "failed"
	termCells []lipgloss.Style          // committed cells, by term modulo len
	termTail  []lipgloss.Style          // uncommitted cells, by term modulo len
}

// roleColours is the one place a role's colour is defined.
var roleColours = map[string]lipgloss.Color{
	"leader":        "10", // bright green
	"candidate":     "11", // bright yellow
	"pre-candidate": "214",
	"follower":      "12", // bright blue
	"down":          "9",  // bright red
	"paused":        "13", // bright magenta
	"failed":        "9",
}

// termColours cycle over terms in the log lanes.
var termColours = []lipgloss.Color{"33", "208", "40", "170", "220", "45", "203", "118"}

// NewStyles returns the dashboard's styles; mono drops every colour.
func NewStyles(mono bool) Styles {
	s := Styles{Mono: mono, roles: map[string]lipgloss.Style{}}
	base := lipgloss.NewStyle()
	s.plain = base
	s.Title = base.Bold(true)
	s.Header = base
	s.Dim = base.Faint(true)
	s.Bold = base.Bold(true)
	s.Violation = base.Bold(true).Blink(true)
	s.Fault = base.Bold(true)
	s.Error = base.Bold(true)
	s.OK = base
	s.Card = base.Border(lipgloss.RoundedBorder())
	s.CardSelected = base.Border(lipgloss.ThickBorder())
	s.Section = base.Bold(true).Underline(true)
	for role := range roleColours {
		s.roles[role] = base.Bold(true)
	}
	for range termColours {
		s.termCells = append(s.termCells, base)
		s.termTail = append(s.termTail, base)
	}
	if mono {
		return s
	}
	s.Title = s.Title.Foreground(lipgloss.Color("15"))
	s.Violation = s.Violation.Foreground(lipgloss.Color("15")).Background(lipgloss.Color("9"))
	s.Fault = s.Fault.Foreground(lipgloss.Color("214"))
	s.Error = s.Error.Foreground(lipgloss.Color("9"))
	s.OK = s.OK.Foreground(lipgloss.Color("10"))
	s.CardSelected = s.CardSelected.BorderForeground(lipgloss.Color("15"))
	s.Card = s.Card.BorderForeground(lipgloss.Color("240"))
	for role, c := range roleColours {
		s.roles[role] = s.roles[role].Foreground(c)
	}
	for i, c := range termColours {
		s.termCells[i] = s.termCells[i].Foreground(c)
		s.termTail[i] = s.termTail[i].Foreground(c).Faint(true)
	}
	return s
}

// Role returns the style of a role name ("leader", "paused", ...).
func (s Styles) Role(role string) lipgloss.Style {
	if st, ok := s.roles[role]; ok {
		return st
	}
	return s.Bold
}

// TermCell returns the style of a log cell of term t, committed or not.
func (s Styles) TermCell(t uint64, committed bool) lipgloss.Style {
	i := int(t % uint64(len(termColours)))
	if committed {
		return s.termCells[i]
	}
	return s.termTail[i]
}

// Clip cuts every line of s to width cells, keeping its escape sequences.
func (s Styles) Clip(str string, width int) string {
	if lipgloss.Width(str) <= width {
		return str // the common case, without a render
	}
	return s.plain.MaxWidth(max(0, width)).Render(str)
}

// newHelp returns the help bar model styled with s.
func newHelp(s Styles) help.Model {
	h := help.New()
	if s.Mono {
		h.Styles.ShortKey = s.Bold
		h.Styles.FullKey = s.Bold
		h.Styles.ShortDesc = s.plain
		h.Styles.FullDesc = s.plain
		h.Styles.ShortSeparator = s.plain
		h.Styles.FullSeparator = s.plain
		h.Styles.Ellipsis = s.plain
	}
	return h
}
