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
	Back    key.Binding
	Forward key.Binding
	Help    key.Binding
	Quit    key.Binding
	Close   key.Binding

	detail bool // the detail view is open: esc closes it, enter is not shown
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
		Back:    b("[", "log back", "["),
		Forward: b("]", "log fwd", "]"),
		Help:    b("?", "keys", "?"),
		Quit:    b("q", "quit", "q", "ctrl+c"),
		Close:   b("esc", "close", "esc"),
	}
}

// dashState is what decides which keys apply.
type dashState struct {
	node     cluster.NodeStatus // the selected node
	nodes    int
	faults   bool // any partition or link rule is active
	load     bool
	timing   cluster.Timing
	detail   bool
	filtered bool
	scrolled bool
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
	_, okF := fasterTiming(s.timing)
	k.Faster.SetEnabled(okF)
	_, okS := slowerTiming(s.timing)
	k.Slower.SetEnabled(okS)
	k.Speed.SetEnabled(okF || okS)
	k.Next.SetEnabled(s.nodes > 1)
	k.Prev.SetEnabled(s.nodes > 1)
	k.Forward.SetEnabled(s.scrolled)
	k.Close.SetEnabled(s.detail || s.filtered || s.output)
	k.detail = s.detail
	if s.filtered {
		k.Filter.SetHelp("f", "all events")
	} else {
		k.Filter.SetHelp("f", "filter events")
	}
}

// ShortHelp is the help bar: the keys that apply now, most useful first.
func (k keyMap) ShortHelp() []key.Binding {
	detail := k.Detail
	if k.detail {
		detail.SetEnabled(false)
	}
	return []key.Binding{k.Crash, k.Restart, k.Pause, k.Isolate, k.Group, k.Heal, k.Write, k.Load,
		k.Speed, k.Prompt, detail, k.Close, k.Help, k.Quit}
}

// FullHelp lists every key, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	all := func(bs ...key.Binding) []key.Binding {
		for i := range bs {
			bs[i].SetEnabled(true)
		}
		return bs
	}
	return [][]key.Binding{
		all(k.Select, k.Next, k.Prev, k.Detail, k.Filter),
		all(k.Crash, k.Restart, k.Pause, k.Isolate, k.Group),
		all(k.Heal, k.Write, k.Load, k.Faster, k.Slower),
		all(k.Back, k.Forward, k.Prompt, k.Close, k.Help, k.Quit),
	}
}
