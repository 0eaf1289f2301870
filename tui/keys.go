package tui

import (
	"fmt"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
)

// keyMap declares every key of the dashboard once. Bindings that do not apply
// now are disabled: they neither match nor show in the short help.
type keyMap struct {
	Select  key.Binding
	Next    key.Binding
	Prev    key.Binding
	Crash   key.Binding
	Power   key.Binding // P: the selected node loses power (what it did not fsync is gone)
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
	Legend  key.Binding // every symbol and colour, in the pager
	Quit    key.Binding
	Close   key.Binding

	// The column cursor over the log lanes and the explanations.
	ColLeft  key.Binding // < moves the column cursor to the previous index
	ColRight key.Binding // > to the next one
	Column   key.Binding // shows < and > as one entry in the short help
	Explain  key.Binding // E: explain commit [I] in the output

	// Views and step mode.
	Messages key.Binding // the messages view (space-time diagram, held messages)
	Links    key.Binding // the link matrix
	Freeze   key.Binding // freeze or thaw
	Step     key.Binding // deliver the oldest held message anywhere
	Timeout  key.Binding // fire the selected node's election timer
	Beat     key.Binding // the selected leader sends heartbeats

	// Membership.
	Add      key.Binding // A: add a node (it joins as a learner, is promoted once caught up)
	Remove   key.Binding // D: remove the selected node
	Transfer key.Binding // T: hand leadership to the selected node

	// The messages view's keys (f filters it by node there).
	Beats   key.Binding // show heartbeats or not
	Kind    key.Binding // cycle the kind shown
	Deliver key.Binding // deliver the picked held message
	Discard key.Binding // discard it
	Pick    key.Binding // ↑/↓ pick a held message (help only)
	Older   key.Binding // ↑: pick the older held message
	Newer   key.Binding // ↓: pick the newer one

	// The link matrix's keys, on its selected cell.
	Cut                                   key.Binding // cut the link, or heal it
	Drop                                  key.Binding // cycle its drop percentage
	Delay                                 key.Binding // cycle its delay
	Cell                                  key.Binding // arrows move the cell (help only)
	CellUp, CellDown, CellLeft, CellRight key.Binding

	// Replay (raftplay replay FILE): the keys that move the recording.
	Play      key.Binding // space: play or pause
	RFaster   key.Binding // +: play faster
	RSlower   key.Binding // -: play slower
	RSpeed    key.Binding // shows + and - as one entry in the short help
	StepFwd   key.Binding // .: to the next recorded event, message or command
	StepBack  key.Binding // ,: to the previous one
	Steps     key.Binding // shows , and . as one entry in the short help
	SeekBack  key.Binding // ←: a second back
	SeekFwd   key.Binding // →: a second forward
	SeekKeys  key.Binding // shows ← and → as one entry in the short help
	replaying bool        // the dashboard replays a recording: the keys that change the cluster are off

	GoOn    key.Binding // space: the script waiting for a key goes on
	waiting bool        // the script waits for a key
	// narrOver: the script has ended and its last narration is up; esc,
	// first on the bar, closes it (at 80x24 it kept the lanes and events
	// from the cluster left to explore, and esc sat last on the bar,
	// cut off, and cleared the result line first).
	narrOver bool

	// The prompt's keys (promptKey handles them): every other key is typed
	// into its line, so while it is open the bar shows only these.
	PromptRun     key.Binding // enter runs the line
	PromptCancel  key.Binding // esc closes the prompt, running nothing
	PromptHistory key.Binding // ↑/↓ walk the lines run before
	PromptQuit    key.Binding // ctrl+c quits (q is typed)
	prompt        bool        // the prompt is open

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

	region  regionKind // what the region shows
	focused bool       // the scroll keys apply (the feed is focused or a pager open)
	pager   bool
	frozen  bool
	idle    bool // frozen, nothing held (shortHelp)
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
		Power:   b("P", "powerfail", "P"),
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
		Legend:  b("L", "legend", "L"),
		Quit:    b("q", "quit", "q", "ctrl+c"),

		ColLeft:  b("<", "column left", "<"),
		ColRight: b(">", "column right", ">"),
		Column:   b("</>", "column", "<", ">"),
		Explain:  b("E", "explain commit", "E"),
		Close:    b("esc", "close", "esc"),

		Messages:  b("m", "messages", "m"),
		Links:     b("x", "links", "x"),
		Freeze:    b("z", "freeze", "z"),
		Step:      b("s", "step", "s"),
		Timeout:   b("t", "timeout", "t"),
		Beat:      b("b", "heartbeat", "b"),
		Add:       b("A", "add", "A"),
		Remove:    b("D", "remove", "D"),
		Transfer:  b("T", "transfer", "T"),
		Beats:     b("a", "heartbeats on", "a"),
		Kind:      b("k", "kind", "k"),
		Deliver:   b("d", "deliver", "d"),
		Discard:   b("del", "discard", "delete", "backspace"),
		Pick:      b("↑/↓", "pick held", "up", "down"),
		Cut:       b("c", "cut link", "c"),
		Drop:      b("d", "drop", "d"),
		Delay:     b("y", "delay", "y"),
		Older:     b("↑", "older held", "up"),
		Newer:     b("↓", "newer held", "down"),
		Cell:      b("↑↓←→", "link", "up", "down", "left", "right"),
		CellUp:    b("↑", "sender up", "up"),
		CellDown:  b("↓", "sender down", "down"),
		CellLeft:  b("←", "receiver left", "left"),
		CellRight: b("→", "receiver right", "right"),

		Play:     b("space", "pause", " "),
		RFaster:  b("+", "play faster", "+", "="),
		RSlower:  b("-", "play slower", "-", "_"),
		RSpeed:   b("+/-", "play speed", "+", "-"),
		StepFwd:  b(".", "step on", "."),
		StepBack: b(",", "step back", ","),
		Steps:    b(",/.", "step", ",", "."),
		SeekBack: b("←", "1s back", "left"),
		SeekFwd:  b("→", "1s on", "right"),
		SeekKeys: b("←/→", "±1s", "left", "right"),
		GoOn:     b("space", "go on with the script", " "),

		PromptRun:     b("enter", "run", "enter"),
		PromptCancel:  b("esc", "cancel", "esc"),
		PromptHistory: b("↑/↓", "history", "up", "down"),
		PromptQuit:    b("ctrl+c", "quit", "ctrl+c"),

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
	nodes    int                // the nodes drawn
	member   memberKeys         // what A, D and T would do
	faults   bool               // any partition or link rule is active
	load     bool
	region   regionKind
	filtered bool
	lanes    bool // the lanes are scrolled back
	focused  bool // the event feed has the scroll keys
	pager    bool // a pager (long output, the full help, the legend) has them
	legend   bool // the legend is shown
	wide     bool // the pager's text is wider than the screen
	output   bool // a command result is shown

	frozen   bool     // the cluster is frozen (step mode)
	idle     bool     // frozen, and no node holds a message
	held     bool     // a held message is picked in the messages view
	heldList bool     // the messages view shows the held list
	heldN    int      // how many messages the held list shows
	byNode   bool     // the messages view shows only the selected node's
	beats    bool     // the messages view shows heartbeats
	kind     string   // the kind the messages view shows ("": all)
	scrolled bool     // the messages view is scrolled back
	link     linkKeys // the link matrix's selected cell and what its keys would ask for

	col  uint64 // the log column the cursor marks (0: none)
	cols bool   // the lanes have a column to mark

	playing bool // the replay plays (not paused)
	narr    bool // the narration panel shows a say's text
	// narrOver: the script has ended with its narration still up (esc
	// closes it first)
	narrOver bool
	waiting  bool // the script waits for a key
	prompt   bool // the prompt is open: space types a space
	history  bool // the prompt has lines run before for ↑/↓
}

// linkKeys is what the link matrix's keys would do to its selected cell.
type linkKeys struct {
	ok          bool   // the cell is a link (not a node to itself)
	cut         bool   // c heals it (it has a cut rule of its own)
	drop, delay string // what d and y set it to
	from, to    uint64
}

// update enables the bindings that apply to s and names the toggles.
func (k *keyMap) update(s dashState) {
	n := s.node
	lanes := s.region == regionLanes && !s.pager
	msgs := s.region == regionMessages && !s.pager
	links := s.region == regionLinks && !s.pager
	up := n.State == cluster.StateUp || n.State == cluster.StatePaused
	k.Crash.SetEnabled(up && !links) // c cuts a link in the matrix
	k.Power.SetEnabled(up)
	k.Restart.SetEnabled(n.State == cluster.StateCrashed || n.State == cluster.StateFailed)
	k.Pause.SetEnabled(up)
	if n.State == cluster.StatePaused {
		k.Pause.SetHelp("p", "resume")
	} else {
		k.Pause.SetHelp("p", "pause")
	}
	gone := n.State == cluster.StateRemoved || n.ID == 0 // no longer in the cluster (or none selected): no fault to put on it
	k.Isolate.SetEnabled(s.nodes > 1 && !gone)
	k.Group.SetEnabled(s.nodes > 1 && !gone)
	k.Heal.SetEnabled(s.faults)
	if s.frozen {
		k.Write.SetHelp("w", "propose")
	} else {
		k.Write.SetHelp("w", "write")
	}
	if s.load {
		k.Load.SetHelp("l", "load off")
	} else {
		k.Load.SetHelp("l", "load on")
	}
	k.Next.SetEnabled(s.nodes > 1)
	k.Prev.SetEnabled(s.nodes > 1)
	k.Back.SetEnabled(lanes)
	k.Forward.SetEnabled(lanes && s.lanes)
	k.Newest.SetEnabled(lanes && s.lanes && !s.focused)
	k.Close.SetEnabled(s.region != regionLanes || s.filtered || s.output || s.focused || s.pager || (lanes && s.col != 0) || s.narr)
	switch {
	case s.pager:
		k.Close.SetHelp("esc", "close")
	case s.focused:
		k.Close.SetHelp("esc", "newest")
	case s.narrOver && s.region != regionDetail:
		k.Close.SetHelp("esc", "close narration")
	default:
		k.Close.SetHelp("esc", "close")
	}
	k.narrOver = s.narrOver && !s.pager && !s.focused && s.region != regionDetail
	scroll := s.focused || s.pager
	detail := s.region == regionDetail && !s.pager
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Home, &k.End, &k.Scroll, &k.Ends} {
		b.SetEnabled(scroll || msgs || detail)
	}
	k.Left.SetEnabled(s.pager)
	k.Right.SetEnabled(s.pager)
	k.Sideways.SetEnabled(s.wide)
	pages := s.pager || lanes || msgs || detail // pgup/pgdn focus the feed when it is shown, scroll the diagram and the detail
	k.PageUp.SetEnabled(pages)
	k.PageDown.SetEnabled(pages)
	k.Page.SetEnabled(pages)
	switch {
	case s.pager:
		k.Page.SetHelp("pgup/pgdn", "page")
	case msgs, detail:
		k.Page.SetHelp("pgup/pgdn", "page")
	default:
		k.Page.SetHelp("pgup/pgdn", "scroll events")
	}
	for _, b := range []*key.Binding{&k.ColLeft, &k.ColRight, &k.Column} {
		b.SetEnabled(lanes && s.cols && !s.focused)
	}
	k.Explain.SetEnabled((lanes || msgs || links) && s.nodes > 0 && !s.focused)
	if s.col != 0 {
		k.Explain.SetHelp("E", fmt.Sprintf("explain %d", s.col))
	} else {
		k.Explain.SetHelp("E", "explain commit")
	}
	k.Legend.SetEnabled(!s.pager || s.legend)
	k.Events.SetEnabled(lanes)
	if s.focused {
		k.Events.SetHelp("e", "leave events")
	} else {
		k.Events.SetHelp("e", "events")
	}
	k.region, k.focused, k.pager, k.frozen, k.idle = s.region, s.focused, s.pager, s.frozen, s.idle
	// With no node selected, f only turns a filter off (it filtered to
	// the node the selection fell back to, and the bar offered "node 0").
	k.Filter.SetEnabled(!links && !s.pager && (n.ID != 0 || (msgs && s.byNode) || (!msgs && s.filtered)))
	switch {
	case msgs && s.byNode:
		k.Filter.SetHelp("f", "all nodes")
	case msgs:
		k.Filter.SetHelp("f", fmt.Sprintf("node %d only", n.ID))
	case s.filtered:
		k.Filter.SetHelp("f", "all events")
	default:
		k.Filter.SetHelp("f", "filter events")
	}
	k.updateStep(s, msgs, links)
	k.updateReplay(s, links)
	k.waiting = s.waiting
	k.GoOn.SetEnabled(s.waiting && !s.prompt)
	k.prompt = s.prompt
	k.PromptHistory.SetEnabled(s.history)
}

// forReplay makes k a replay's: ← and → move the recording a second, so
// tab and ↓ / ⇧tab and ↑ move the selection.
func (k *keyMap) forReplay() {
	k.replaying = true
	k.Next.SetKeys("tab", "down")
	k.Next.SetHelp("tab/↓", "next")
	k.Prev.SetKeys("shift+tab", "up")
	k.Prev.SetHelp("⇧tab/↑", "prev")
}

// updateReplay enables the replay's keys in a replay, and turns off there
// every key that would change the cluster: a recording shows what was.
// Live, the replay's keys are off.
func (k *keyMap) updateReplay(s dashState, links bool) {
	r := k.replaying
	for _, b := range []*key.Binding{&k.Play, &k.RFaster, &k.RSlower, &k.RSpeed, &k.StepFwd, &k.StepBack, &k.Steps} {
		b.SetEnabled(r)
	}
	for _, b := range []*key.Binding{&k.SeekBack, &k.SeekFwd, &k.SeekKeys} {
		b.SetEnabled(r && !s.pager && !links) // a pager scrolls sideways, the matrix moves its cell
	}
	k.Play.SetHelp("space", map[bool]string{true: "pause", false: "play"}[s.playing])
	if !r {
		return
	}
	for _, b := range k.liveOnly() {
		b.SetEnabled(false)
	}
}

// liveOnly lists the keys that change the cluster (faults, clients,
// timing, step mode, membership): a replay has none of them.
func (k *keyMap) liveOnly() []*key.Binding {
	return append(k.clusterKeys(), &k.Speed, &k.Deliver, &k.Discard, &k.Cut, &k.Drop, &k.Delay)
}

// clusterKeys are the keys of liveOnly that apply outside the messages
// view's and the link matrix's own.
func (k *keyMap) clusterKeys() []*key.Binding {
	return []*key.Binding{&k.Crash, &k.Power, &k.Restart, &k.Pause, &k.Isolate, &k.Group, &k.Heal, &k.Write, &k.Load,
		&k.Faster, &k.Slower, &k.Add, &k.Remove, &k.Transfer, &k.Freeze, &k.Step, &k.Timeout, &k.Beat}
}

// isLiveOnly reports whether msg is one of the keys liveOnly lists that
// would apply in region r live, enabled or not, and names what it does.
func (k *keyMap) isLiveOnly(msg tea.KeyMsg, r regionKind) (string, bool) {
	bs := k.clusterKeys()
	switch r {
	case regionMessages:
		bs = append([]*key.Binding{&k.Deliver, &k.Discard}, bs...)
	case regionLinks:
		bs = append([]*key.Binding{&k.Cut, &k.Drop, &k.Delay}, bs...)
	}
	for _, b := range bs {
		if slices.Contains(b.Keys(), msg.String()) {
			return b.Help().Desc, true
		}
	}
	return "", false
}

// updateStep enables the keys of step mode, the messages view and the link
// matrix.
func (k *keyMap) updateStep(s dashState, msgs, links bool) {
	n := s.node
	k.Messages.SetEnabled(s.nodes > 0)
	k.Messages.SetHelp("m", map[bool]string{true: "close messages", false: "messages"}[s.region == regionMessages])
	k.Links.SetEnabled(s.nodes > 1)
	k.Links.SetHelp("x", map[bool]string{true: "close links", false: "links"}[s.region == regionLinks])
	k.Freeze.SetEnabled(s.nodes > 0)
	k.Freeze.SetHelp("z", map[bool]string{true: "thaw", false: "freeze"}[s.frozen])
	k.Step.SetEnabled(s.frozen)
	k.Timeout.SetEnabled(n.State == cluster.StateUp && n.Role != "leader" && s.member.voter) // a learner never campaigns
	k.Beat.SetEnabled(n.State == cluster.StateUp && n.Role == "leader")

	k.Add.SetEnabled(s.member.add != 0)
	k.Add.SetHelp("A", fmt.Sprintf("add %d", s.member.add))
	k.Remove.SetEnabled(s.member.remove && n.ID != 0)
	k.Remove.SetHelp("D", fmt.Sprintf("remove %d", n.ID))
	k.Transfer.SetEnabled(s.member.transfer && n.ID != 0)
	k.Transfer.SetHelp("T", fmt.Sprintf("transfer %d", n.ID))

	k.Beats.SetEnabled(msgs)
	k.Beats.SetHelp("a", map[bool]string{true: "heartbeats off", false: "heartbeats on"}[s.beats])
	k.Kind.SetEnabled(msgs)
	k.Kind.SetHelp("k", "kind: "+kindName(nextKind(s.kind)))
	k.Deliver.SetEnabled(msgs && s.held)
	k.Discard.SetEnabled(msgs && s.held)
	for _, b := range []*key.Binding{&k.Pick, &k.Older, &k.Newer} {
		// Nothing to pick among with fewer than two held (the bar
		// offered "pick held" at a node that held nothing).
		b.SetEnabled(msgs && s.heldList && s.heldN > 1)
	}
	if msgs {
		k.Scroll.SetEnabled(!s.heldList)
		k.End.SetHelp("end", "newest")
		k.Ends.SetHelp("home/end", "oldest/newest")
	}

	l := s.link
	for _, b := range []*key.Binding{&k.Cell, &k.CellUp, &k.CellDown, &k.CellLeft, &k.CellRight} {
		b.SetEnabled(links)
	}
	k.Cut.SetEnabled(links && l.ok)
	k.Cut.SetHelp("c", map[bool]string{true: fmt.Sprintf("heal %d→%d", l.from, l.to), false: fmt.Sprintf("cut %d→%d", l.from, l.to)}[l.cut])
	k.Drop.SetEnabled(links && l.ok)
	k.Drop.SetHelp("d", "drop "+l.drop)
	k.Delay.SetEnabled(links && l.ok)
	k.Delay.SetHelp("y", "delay "+l.delay)
}

// ShortHelp is the help bar: the keys that apply now, most useful first;
// while the feed or a pager has the scroll keys, those; while the prompt
// is open, its own (the others are typed into its line). While a script
// waits for a key, space (it goes on) comes first: the other keys work
// as usual meanwhile.
func (k keyMap) ShortHelp() []key.Binding {
	bs := k.shortHelp()
	if k.waiting {
		return append([]key.Binding{k.GoOn}, bs...)
	}
	if k.narrOver && !k.prompt {
		bs = slices.DeleteFunc(bs, func(b key.Binding) bool { return slices.Equal(b.Keys(), k.Close.Keys()) })
		return append([]key.Binding{k.Close}, bs...)
	}
	return bs
}

// shortHelp is ShortHelp without the wait for a key.
func (k keyMap) shortHelp() []key.Binding {
	if k.prompt {
		return []key.Binding{k.PromptRun, k.PromptCancel, k.PromptHistory, k.PromptQuit}
	}
	if k.focused || k.pager {
		return []key.Binding{k.Scroll, k.Page, k.Close, k.Sideways, k.Ends, k.Events, k.Help, k.Quit}
	}
	switch k.region {
	case regionMessages:
		return []key.Binding{k.Play, k.Steps, k.SeekKeys, k.Step, k.Pick, k.Deliver, k.Discard, k.Freeze, k.Timeout, k.Beat,
			k.Beats, k.Kind, k.Filter, k.Scroll, k.Page, k.Ends, k.Explain, k.Links, k.Messages, k.Help, k.Quit}
	case regionLinks:
		return []key.Binding{k.Play, k.Steps, k.Cell, k.Cut, k.Drop, k.Delay, k.Heal, k.Step, k.Freeze,
			k.Explain, k.Messages, k.Links, k.Help, k.Quit}
	}
	detail := k.Detail
	if k.region == regionDetail {
		detail.SetEnabled(false)
		return []key.Binding{k.Play, k.Steps, k.SeekKeys, k.Scroll, k.Page, k.Close, k.Crash, k.Power, k.Restart, k.Pause, k.Isolate, k.Group, k.Heal, k.Write,
			k.Transfer, k.Remove, k.Add, k.Prompt, k.Freeze, k.Timeout, k.Beat, k.Legend, k.Help, k.Quit}
	}
	// Frozen with nothing held, s has nothing to deliver: the keys that
	// make a message come first (t or b, whichever the selected node
	// takes; w), then z, which thaws (the bar offered s, crash and pause).
	if k.idle {
		return []key.Binding{k.Timeout, k.Beat, k.Write, k.Freeze, k.Step, k.Heal, k.Crash, k.Power, k.Restart, k.Load, k.Pause, k.Isolate, k.Group, k.Transfer, k.Remove, k.Add,
			k.Prompt, k.Messages, k.Links, k.Column, k.Explain, k.Speed, detail, k.Legend, k.Close, k.Help, k.Quit}
	}
	// Write and load come before the partition keys: at 80 columns the
	// bar has room for five or six keys, and without writes nothing moves.
	// Heal, when there is a fault to heal, comes first of the cluster's
	// keys: it is the one wanted then, and it fell off the bar's end.
	return []key.Binding{k.Play, k.Steps, k.SeekKeys, k.RSpeed, k.Step, k.Heal, k.Crash, k.Power, k.Restart, k.Write, k.Load, k.Pause, k.Isolate, k.Group, k.Transfer, k.Remove, k.Add,
		k.Prompt, k.Messages, k.Links, k.Freeze, k.Timeout, k.Beat, k.Column, k.Explain, k.Speed, detail, k.Legend, k.Close, k.Help, k.Quit}
}

// all lists every key as the full help shows it, in reading order, each
// described for every view it works in. In a replay the keys that change
// the cluster are not among them (offInReplay lists them), and + and -
// play faster and slower.
func (k keyMap) all() []key.Binding {
	bs, _ := k.allKeys()
	return bs
}

// offInReplay lists, in a replay, the keys of a live cluster that are off
// there, described as all would live; live, none.
func (k keyMap) offInReplay() []key.Binding {
	_, off := k.allKeys()
	return off
}

// allKeys is every key as all lists it live, divided in a replay into the
// keys that work there and those that are off (liveOnly).
func (k keyMap) allKeys() (keys, off []key.Binding) {
	with := func(b key.Binding, keys, desc string) key.Binding {
		b.SetHelp(keys, desc)
		return b
	}
	bs := []key.Binding{
		k.Select, k.Next, k.Prev, k.Detail, with(k.Filter, "f", "filter events / messages by node"),
		with(k.Events, "e", "events: scroll keys"),
		with(k.Crash, "c", "crash"), with(k.Power, "P", "powerfail: a crash that loses what was not fsynced"), k.Restart, with(k.Pause, "p", "pause / resume"), k.Isolate, k.Group, k.Heal,
		with(k.Write, "w", "write a key (frozen: propose it)"), with(k.Load, "l", "load on / off"), with(k.Faster, "+", "faster (replay: plays faster)"),
		with(k.Slower, "-", "slower (replay: plays slower)"), k.Prompt,
	}
	if k.replaying { // the replay's own keys, in a replay only (live they do nothing: a learner's report)
		bs = append(bs, with(k.Play, "space", "play / pause"), with(k.StepFwd, ".", "step to the next event"),
			with(k.StepBack, ",", "step back to the previous event"), with(k.SeekKeys, "←/→", "a second back / on"))
	}
	bs = append(bs,
		k.Back, k.Forward, k.Newest,
		with(k.ColLeft, "<", "column cursor left (lanes)"), with(k.ColRight, ">", "column cursor right (lanes)"),
		with(k.Explain, "E", "explain commit [column] (lanes, messages, links)"),
		with(k.Messages, "m", "messages view"), with(k.Links, "x", "link matrix"),
		with(k.Freeze, "z", "freeze / thaw"), with(k.Step, "s", "step (frozen)"),
		with(k.Timeout, "t", "timeout node"), with(k.Beat, "b", "heartbeat (leader)"),
		with(k.Add, "A", "add a node: joins as learner, promoted once caught up"),
		with(k.Remove, "D", "remove node from the cluster (its files go)"),
		with(k.Transfer, "T", "transfer leadership to node"),
		with(k.Beats, "a", "heartbeats (messages)"), with(k.Kind, "k", "kind (messages)"),
		with(k.Pick, "↑/↓", "pick held (messages)"), with(k.Deliver, "d", "deliver held (messages)"),
		with(k.Discard, "del", "discard held (messages)"),
		with(k.Cell, "↑↓←→", "link (matrix)"), with(k.Cut, "c", "cut / heal link (matrix)"),
		with(k.Drop, "d", "drop % (matrix)"), with(k.Delay, "y", "delay (matrix)"),
		with(k.Scroll, "↑/↓", "scroll events, pager, messages, detail"),
		with(k.Page, "pgup/pgdn", "page events, pager, messages, detail"), with(k.Ends, "home/end", "oldest/newest"),
		with(k.Sideways, "←/→", "pager sideways"),
		with(k.Close, "esc", "close / back; dismiss the narration"),
	)
	if !k.replaying { // a replay plays no script
		bs = append(bs, with(k.GoOn, "space", "go on with a script that waits (wait key)"))
	}
	bs = append(bs, k.Help, with(k.Legend, "L", "legend: symbols and colours"), k.Quit)
	for i := range bs {
		bs[i].SetEnabled(true)
	}
	if !k.replaying {
		return bs, nil
	}
	live := k.liveOnly()
	isLive := func(b key.Binding) bool {
		return slices.ContainsFunc(live, func(l *key.Binding) bool { return slices.Equal(l.Keys(), b.Keys()) })
	}
	speedKey := func(b key.Binding) bool {
		return slices.Equal(b.Keys(), k.Faster.Keys()) || slices.Equal(b.Keys(), k.Slower.Keys())
	}
	for _, b := range bs {
		switch {
		case speedKey(b): // + and - play faster and slower (below)
		case isLive(b):
			off = append(off, b)
		default:
			keys = append(keys, b)
		}
	}
	i := slices.IndexFunc(keys, func(b key.Binding) bool { return b.Help().Key == ":" }) // + and - were just before the prompt
	if i < 0 {
		i = len(keys)
	}
	speed := []key.Binding{with(k.RFaster, "+", "play faster"), with(k.RSlower, "-", "play slower")}
	for j := range speed {
		speed[j].SetEnabled(true)
	}
	keys = slices.Insert(keys, i, speed...)
	return keys, off
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
