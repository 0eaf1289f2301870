package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
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
	Unsafe    lipgloss.Style // a node acknowledging without fsync: its card line and the header's mark
	Fault     lipgloss.Style
	Error     lipgloss.Style
	OK        lipgloss.Style

	Card         Box // a card's border
	CardSelected Box // the selected card's border
	CardGone     Box // a removed node's card, greyed
	Section      lipgloss.Style
	Focused      lipgloss.Style // the title of the panel that has the keys
	NotHere      lipgloss.Style // log cells the status does not describe
	Frozen       lipgloss.Style // the header's step-mode line
	Held         lipgloss.Style // held messages: their rows and list
	Why          lipgloss.Style // a card's why-line and the explanations
	Narration    lipgloss.Style // the narration panel (say)
	Replay       lipgloss.Style // the header's replay mark (REPLAY ▶ 1.0x)
	Recording    lipgloss.Style // the header's mark while a recording runs (● REC)

	msgKinds map[string]lipgloss.Style // message rows by kind

	roles     map[string]lipgloss.Style // by role name, plus "paused" and "failed"
	termCells []lipgloss.Style          // committed cells, by term modulo len
	termTail  []lipgloss.Style          // uncommitted cells, by term modulo len
	termDown  []lipgloss.Style          // committed cells of a node that is down
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
	"learner":       "14", // bright cyan: receives the log, does not vote
	"joining":       "14",
	"leaving":       "245",
	"outside":       "245",
	"removed":       "240",
}

// msgColours colour the messages view's rows by kind: requests for votes
// in the candidate's colours, grants in the leader's, appends blue,
// heartbeats grey.
var msgColours = map[string]lipgloss.Color{
	"vote": "11", "prevote": "214", "vote-resp": "10", "prevote-resp": "10",
	"app": "12", "app-resp": "14", "heartbeat": "245", "heartbeat-resp": "245",
	"snap": "13", "snap-resp": "13", "read": "15", "read-resp": "15", "timeout-now": "208",
}

// whyColour is the colour of the why-lines and explanations: apart from
// the facts above them, and not a role's.
const whyColour = "223"

// termColours cycle over terms in the log lanes.
var termColours = []lipgloss.Color{"33", "208", "40", "170", "220", "45", "203", "118"}

// NewStyles returns the dashboard's styles; mono drops every colour.
func NewStyles(mono bool) Styles {
	s := Styles{Mono: mono, roles: map[string]lipgloss.Style{}, msgKinds: map[string]lipgloss.Style{}}
	base := lipgloss.NewStyle()
	s.plain = base
	s.Title = base.Bold(true)
	s.Header = base
	s.Dim = base.Faint(true)
	s.Bold = base.Bold(true)
	s.Violation = base.Bold(true).Blink(true)
	s.Unsafe = base.Bold(true).Reverse(true)
	s.Fault = base.Bold(true)
	s.Error = base.Bold(true)
	s.OK = base
	s.Card = newBox(lipgloss.RoundedBorder(), base)
	s.CardSelected = newBox(lipgloss.ThickBorder(), base)
	s.CardGone = newBox(lipgloss.RoundedBorder(), base.Faint(true))
	s.Section = base.Bold(true).Underline(true)
	s.Focused = base.Bold(true).Reverse(true)
	s.NotHere = base.Faint(true)
	s.Frozen = base.Bold(true).Reverse(true)
	s.Held = base.Bold(true)
	s.Why = base
	s.Narration = base.Bold(true)
	s.Replay = base.Bold(true).Reverse(true)
	s.Recording = base.Bold(true).Reverse(true)
	for kind := range msgColours {
		s.msgKinds[kind] = base
	}
	for role := range roleColours {
		s.roles[role] = base.Bold(true)
	}
	s.roles["removed"] = base.Faint(true)
	for range termColours {
		s.termCells = append(s.termCells, base)
		s.termTail = append(s.termTail, base)
		s.termDown = append(s.termDown, base)
	}
	if mono {
		return s
	}
	s.Title = s.Title.Foreground(lipgloss.Color("15"))
	s.Violation = s.Violation.Foreground(lipgloss.Color("15")).Background(lipgloss.Color("9"))
	s.Unsafe = base.Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("9")) // the violation's red, steady
	s.Fault = s.Fault.Foreground(lipgloss.Color("214"))
	s.Error = s.Error.Foreground(lipgloss.Color("9"))
	s.OK = s.OK.Foreground(lipgloss.Color("10"))
	s.CardSelected = newBox(lipgloss.ThickBorder(), base.Foreground(lipgloss.Color("15")))
	s.Card = newBox(lipgloss.RoundedBorder(), base.Foreground(lipgloss.Color("240")))
	s.CardGone = newBox(lipgloss.RoundedBorder(), base.Foreground(lipgloss.Color("237")))
	for role, c := range roleColours {
		s.roles[role] = s.roles[role].Foreground(c)
	}
	for i, c := range termColours {
		s.termCells[i] = s.termCells[i].Foreground(c)
		s.termTail[i] = s.termTail[i].Foreground(c).Faint(true)
		s.termDown[i] = s.termDown[i].Foreground(c).Faint(true)
	}
	s.NotHere = s.NotHere.Foreground(lipgloss.Color("240"))
	s.Frozen = base.Bold(true).Foreground(lipgloss.Color("0")).Background(lipgloss.Color("14"))
	s.Held = s.Held.Foreground(lipgloss.Color("13"))
	s.Why = s.Why.Foreground(lipgloss.Color(whyColour))
	s.Narration = s.Narration.Foreground(lipgloss.Color("229"))
	s.Replay = base.Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("5"))
	s.Recording = base.Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("1")) // a camera's red light
	for kind, c := range msgColours {
		s.msgKinds[kind] = s.msgKinds[kind].Foreground(c)
	}
	return s
}

// Msg returns the style of a message row: an error for a message lost or
// discarded, the held style for one held, a fault for a rejection, else
// its kind's colour.
func (s Styles) Msg(r cluster.MsgRecord) lipgloss.Style {
	switch {
	case r.Event == cluster.MsgLost || r.Event == cluster.MsgDiscarded:
		return s.Error
	case r.Event == cluster.MsgHeld:
		return s.Held
	case r.Reject:
		return s.Fault
	}
	if st, ok := s.msgKinds[r.Kind()]; ok {
		return st
	}
	return s.plain
}

// Box draws a border around lines of text. It draws it by hand, which costs
// a fraction of a lipgloss border: the dashboard draws many boxes every
// frame and knows the width of every line.
type Box struct {
	border      lipgloss.Border
	style       lipgloss.Style // of the border
	left, right string         // the sides, styled
}

func newBox(border lipgloss.Border, style lipgloss.Style) Box {
	return Box{border: border, style: style, left: style.Render(border.Left), right: style.Render(border.Right)}
}

// Edges returns the box's top and bottom lines for inner cells.
func (b Box) Edges(inner int) (top, bottom string) {
	br := b.border
	return b.style.Render(br.TopLeft + strings.Repeat(br.Top, inner) + br.TopRight),
		b.style.Render(br.BottomLeft + strings.Repeat(br.Bottom, inner) + br.BottomRight)
}

// Draw returns lines between edges (from Edges) and the box's sides, each
// padded to inner cells; widths are the lines' widths.
func (b Box) Draw(lines []string, widths []int, inner int, top, bottom string) []string {
	out := make([]string, 0, len(lines)+2)
	out = append(out, top)
	for i, l := range lines {
		out = append(out, b.left+l+strings.Repeat(" ", max(0, inner-widths[i]))+b.right)
	}
	return append(out, bottom)
}

// Role returns the style of a role name ("leader", "paused", ...).
func (s Styles) Role(role string) lipgloss.Style {
	if st, ok := s.roles[role]; ok {
		return st
	}
	return s.Bold
}

// TermCell returns the style of a log cell of term t, committed or not,
// of a node that is up or down (whose cells are what it had).
func (s Styles) TermCell(t uint64, committed, down bool) lipgloss.Style {
	i := int(t % uint64(len(termColours)))
	switch {
	case !committed:
		return s.termTail[i]
	case down:
		return s.termDown[i]
	}
	return s.termCells[i]
}

// Mark returns st marking the selected column of the log lanes: reversed,
// which shows without colour too.
func (s Styles) Mark(st lipgloss.Style) lipgloss.Style { return st.Reverse(true) }

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
