package tui

import (
	"github.com/charmbracelet/bubbles/key"

	"raftplay/cluster"
)

// keyMap declares every key of the dashboard once. Bindings that do not apply
// now are disabled: they neither match nor show in the short help.
type keyMap struct {
	Select  key.Binding
	Next    key.Binding
	Prev    key.Binding
	Crash   key.Binding
	Restart key.Binding
	Pause   key.Binding
	Isolate key.Binding
	Group   key.Binding
	Heal    key.Binding
	Write   key.Binding
	Load    key.Binding
	Faster  key.Binding
	Slower  key.Binding
	Speed   key.Binding // shows + and - as one entry in the short help
	Prompt  key.Binding
	Detail  key.Binding
	Filter  key.Binding
	Events  key.Binding // gives the event feed the scroll keys
	Back    key.Binding
	Forward key.Binding
	Newest  key.Binding // the lanes follow the newest entries again
	Help    key.Binding
	Quit    key.Binding
	Close   key.Binding

	// The scroll keys of the focused event feed or of a pager (long command
	// output, the full help). PageUp and PageDown also focus the feed.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Left     key.Binding
	Right    key.Binding
	// How the scroll keys show in the help, in pairs.
	Scroll   key.Binding
	Page     key.Binding
	Ends     key.Binding
	Sideways key.Binding

	detail  bool // the detail view is open: esc closes it, enter is not shown
	focused bool // the scroll keys apply (the feed is focused or a pager open)
	pager   bool
}

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Select:  b("1-9", "select", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Next:    b("tab/→", "next", "tab", "right", "down"),
		Prev:    b("⇧tab/←", "prev", "shift+tab", "left", "up"),
		Crash:   b("c", "crash", "c"),
		Restart: b("r", "restart", "r"),
		Pause:   b("p", "pause", "p"),
		Isolate: b("i", "isolate", "i"),
		Group:   b("g", "group", "g"),
		Heal:    b("h", "heal", "h"),
		Write:   b("w", "write", "w"),
		Load:    b("l", "load on", "l"),
		Faster:  b("+", "faster", "+", "="),
		Slower:  b("-", "slower", "-", "_"),
		Speed:   b("+/-", "speed", "+", "-"),
		Prompt:  b(":", "cmd", ":"),
		Detail:  b("enter", "detail", "enter"),
		Filter:  b("f", "filter events", "f"),
		Events:  b("e", "events", "e"),
		Back:    b("[", "log back", "["),
		Forward: b("]", "log fwd", "]"),
		Newest:  b("end", "log newest", "end"),
		Help:    b("?", "keys", "?"),
		Quit:    b("q", "quit", "q", "ctrl+c"),
		Close:   b("esc", "close", "esc"),

		Up:       b("↑", "scroll up", "up"),
		Down:     b("↓", "scroll down", "down"),
		PageUp:   b("pgup", "page up", "pgup"),
		PageDown: b("pgdn", "page down", "pgdown"),
		Home:     b("home", "oldest", "home"),
		End:      b("end", "newest", "end"),
		Left:     b("←", "scroll left", "left"),
		Right:    b("→", "scroll right", "right"),
		Scroll:   b("↑/↓", "scroll", "up", "down"),
		Page:     b("pgup/pgdn", "scroll events", "pgup", "pgdown"),
		Ends:     b("home/end", "oldest/newest", "home", "end"),
		Sideways: b("←/→", "sideways", "left", "right"),
	}
}

// dashState is what decides which keys apply.
type dashState struct {
	node     cluster.NodeStatus // the selected node
	nodes    int
	faults   bool // any partition or link rule is active
	load     bool
	detail   bool
	filtered bool
	lanes    bool // the lanes are scrolled back
	focused  bool // the event feed has the scroll keys
	pager    bool // a pager (long output or the full help) has them
	wide     bool // the pager's text is wider than the screen
	output   bool // a command result is shown
}

// update enables the bindings that apply to s and names the toggles.
func (k *keyMap) update(s dashState) {
	n := s.node
	k.Crash.SetEnabled(n.State == cluster.StateUp || n.State == cluster.StatePaused)
	k.Restart.SetEnabled(n.State == cluster.StateCrashed || n.State == cluster.StateFailed)
	k.Pause.SetEnabled(n.State == cluster.StateUp || n.State == cluster.StatePaused)
	if n.State == cluster.StatePaused {
		k.Pause.SetHelp("p", "resume")
	} else {
		k.Pause.SetHelp("p", "pause")
	}
	k.Isolate.SetEnabled(s.nodes > 1)
	k.Group.SetEnabled(s.nodes > 1)
	k.Heal.SetEnabled(s.faults)
	if s.load {
		k.Load.SetHelp("l", "load off")
	} else {
		k.Load.SetHelp("l", "load on")
	}
	k.Next.SetEnabled(s.nodes > 1)
	k.Prev.SetEnabled(s.nodes > 1)
	k.Forward.SetEnabled(s.lanes)
	k.Newest.SetEnabled(s.lanes && !s.focused && !s.pager)
	k.Close.SetEnabled(s.detail || s.filtered || s.output || s.focused || s.pager)
	switch {
	case s.pager:
		k.Close.SetHelp("esc", "close")
	case s.focused:
		k.Close.SetHelp("esc", "newest")
	default:
		k.Close.SetHelp("esc", "close")
	}
	scroll := s.focused || s.pager
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Home, &k.End, &k.Scroll, &k.Ends} {
		b.SetEnabled(scroll)
	}
	k.Left.SetEnabled(s.pager)
	k.Right.SetEnabled(s.pager)
	k.Sideways.SetEnabled(s.wide)
	pages := s.pager || !s.detail // pgup/pgdn focus the feed, when it is shown
	k.PageUp.SetEnabled(pages)
	k.PageDown.SetEnabled(pages)
	k.Page.SetEnabled(pages)
	if s.pager {
		k.Page.SetHelp("pgup/pgdn", "page")
	} else {
		k.Page.SetHelp("pgup/pgdn", "scroll events")
	}
	k.Events.SetEnabled(!s.detail && !s.pager)
	if s.focused {
		k.Events.SetHelp("e", "leave events")
	} else {
		k.Events.SetHelp("e", "events")
	}
	k.detail, k.focused, k.pager = s.detail, s.focused, s.pager
	if s.filtered {
		k.Filter.SetHelp("f", "all events")
	} else {
		k.Filter.SetHelp("f", "filter events")
	}
}

// ShortHelp is the help bar: the keys that apply now, most useful first;
// while the feed or a pager has the scroll keys, those.
func (k keyMap) ShortHelp() []key.Binding {
	if k.focused || k.pager {
		return []key.Binding{k.Scroll, k.Page, k.Sideways, k.Ends, k.Close, k.Events, k.Help, k.Quit}
	}
	detail := k.Detail
	if k.detail {
		detail.SetEnabled(false)
	}
	return []key.Binding{k.Crash, k.Restart, k.Pause, k.Isolate, k.Group, k.Heal, k.Write, k.Load,
		k.Speed, k.Prompt, detail, k.Close, k.Help, k.Quit}
}

// all lists every key as the full help shows it, in reading order.
func (k keyMap) all() []key.Binding {
	bs := []key.Binding{
		k.Select, k.Next, k.Prev, k.Detail, k.Filter, k.Events,
		k.Crash, k.Restart, k.Pause, k.Isolate, k.Group, k.Heal,
		k.Write, k.Load, k.Faster, k.Slower, k.Prompt,
		k.Back, k.Forward, k.Newest,
		k.Scroll, k.Page, k.Ends, k.Sideways,
		k.Close, k.Help, k.Quit,
	}
	for i := range bs {
		bs[i].SetEnabled(true)
	}
	bs[5].SetHelp("e", "events: scroll keys")
	bs[20].SetHelp("↑/↓", "scroll events or pager")
	bs[21].SetHelp("pgup/pgdn", "page events or pager")
	bs[23].SetHelp("←/→", "pager sideways")
	bs[24].SetHelp("esc", "close / back")
	return bs
}

// FullHelp lists every key in cols columns.
func (k keyMap) FullHelp(cols int) [][]key.Binding {
	bs := k.all()
	cols = max(1, cols)
	per := (len(bs) + cols - 1) / cols
	var out [][]key.Binding
	for i := 0; i < len(bs); i += per {
		out = append(out, bs[i:min(len(bs), i+per)])
	}
	return out
}
