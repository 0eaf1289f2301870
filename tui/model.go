package tui

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
	"raftplay/commands"
)

// Source is what the dashboard reads: immutable status snapshots and the
// cluster's event log. *cluster.Cluster is one.
type Source interface {
	Status() cluster.Status
	Events() *cluster.EventLog
}

// traceSource is a Source with a message trace, as *cluster.Cluster has.
type traceSource interface {
	Trace() *cluster.MsgTrace
}

// Executor runs one parsed command and returns what it prints, as
// (*commands.Runner).Exec does. It may block (a `wait`, a `put`); the
// dashboard calls it from a tea.Cmd, one command at a time per Executor.
type Executor interface {
	Exec(ctx context.Context, cmd *commands.Command) (string, error)
}

// Options configures a dashboard Model.
type Options struct {
	// Source is what the dashboard draws; required. A Source that is a
	// Player makes the dashboard a replay (playback.go).
	Source Source
	Exec   Executor // runs keys and prompt lines; required
	// Messages is the message trace the messages view and the link matrix
	// draw; nil means the Source's Trace(), when it has one
	// (*cluster.Cluster does). A replay reads Player.Messages() instead.
	Messages MsgLog
	// ScriptExec runs the script's lines; nil means Exec.
	ScriptExec Executor
	// Script is played line by line once the dashboard starts.
	Script []commands.Command
	// ScriptPace is the pause between script lines (0: none).
	ScriptPace time.Duration
	// ScriptAgain, when not "", is the command that plays the script from
	// its start: the header names it when the script stops on a failure
	// (a lesson the learner's keys disturbed).
	ScriptAgain string
	// ScriptDone, when not "", is what the header says once the script
	// ran to its end (a lesson's: it is over, the cluster is there to
	// explore); "" says "script done: N commands".
	ScriptDone string
	// Lesson says the script is a guided lesson (raftplay learn): on a
	// terminal too short to show its lanes and events under its
	// narration, the narration panel says so at its start, and once more
	// if the terminal is made smaller while it plays (lessonFit).
	Lesson bool
	// Notice, when not "", is shown on the output line at the start: what
	// the command line said before the screen opened.
	Notice string
	// Context bounds every command the dashboard runs; nil means Background.
	Context context.Context
	// Frame is the time between status reads; 0 means a third of the
	// heartbeat interval, between 33ms and 100ms (so the pulse can beat).
	Frame time.Duration
	// Clock is the time for heartbeat pulses, read once per frame; nil
	// means time.Now (in a replay, the Player's Now).
	Clock func() time.Time
	// Seed seeds the keys and values of `w`; 0 picks one.
	Seed uint64
	// Mono draws without colour (NO_COLOR).
	Mono bool
	// Recording, when set, returns the file a recording of the cluster is
	// being written to, "" when none (record.Switch's Recording method
	// is one): the header marks a running recording ("● REC run.rec").
	// It is called once per frame, in a tea.Cmd, and after each command
	// line that ran, never in Update or View.
	Recording func() string
}

// Model is the root Bubble Tea model of the dashboard. It routes messages to
// the panels and turns keys into command lines.
type Model struct {
	o      Options
	ctx    context.Context
	styles Styles
	keys   keyMap
	help   help.Model
	prompt promptModel
	parser *commands.Parser
	rng    *rand.Rand

	width, height int
	sized         bool // a size was reported (it may be 0x0)
	// status is the frame's one snapshot and now the frame's time: every
	// panel of a frame draws from these two.
	status    cluster.Status
	now       time.Time
	nodes     []cluster.NodeStatus // the nodes drawn as cards and lanes (drawnNodes)
	removedAt map[uint64]time.Time // when each removed node was first seen removed (nil: no status yet)
	jumped    bool                 // a replay jumped to this status: a removal first seen here may be older
	adding    int                  // add commands of the A key not yet answered
	cards     *cardMemo            // what the cards of this status are made of; nil: not worked out yet
	cardHold  cardHold             // the card lines needed since the cluster took its shape
	drawn     bool                 // the dashboard has been drawn (drawsAt): from then on it draws whenever the floor fits
	sel       uint64               // selected node, 1-based
	// selGone is a node the user meant to select that is not drawn: one a
	// digit named (removed, never added), or the selected one, gone (the
	// selection moved on to another). Until a node is selected again (by
	// a key, or selectBack once that node is drawn), the keys that act on
	// the selected node refuse (selGoneWhy): acting on
	// the node the selection fell back to, D removed three nodes a
	// learner never chose.
	selGone  uint64
	region   regionKind // what shows between the cards and the output
	fullHelp bool       // the full key help replaces lanes and events
	helpView scroller
	laneTop  uint64 // when scrolled back, the newest index the lanes show; 0: follow the newest
	feed     eventFeed
	rate     writeRate
	output   outputPanel
	runs     uint64 // commands run from keys and the prompt, to order their results
	pasteSeq uint64 // the run of the last paste of several lines (its failure names the line)
	// pasteNote is said under the result of run pasteSeq: the control
	// bytes its lines dropped (the result replaced the note said at once).
	pasteNote string
	pending   []pendingEdit // changes keys asked for that frames may not show yet
	inflight  []inflightRun // the runs of keys and the prompt not yet answered, in order
	// promoteAfter is the learner an add made while frozen left to be
	// promoted (the steps carry only the learner in): once thawed and
	// caught up, the dashboard promotes it, as an add does unfrozen.
	promoteAfter uint64
	script       scriptState
	fit          lessonFit // a lesson's word on a terminal too short for it
	speed        speedState
	bar          struct{ sig, view string } // the help bar last drawn, and what it showed
	lanes        map[uint64]laneMemo        // each node's lane as last drawn
	trace        MsgLog                     // the message trace, or nil
	msgs         msgView                    // the messages view: the trace read so far, filters, scrolling, held pick
	links        linkView                   // the link matrix: its selected cell
	detail       detailState                // the detail view: where it is scrolled to
	col          uint64                     // the log column the cursor marks (< >); 0: none
	why          whyMemo                    // the commit explanation under the lanes, for this status
	legend       bool                       // the legend (L) replaces lanes and events
	legendAt     scroller
	quitting     bool // the last frame is drawn blank (see View)

	// The replay (Options.Source is a Player), and the logs the feed and
	// the message store read: a replay's epoch's, or the live cluster's.
	player   Player // nil: a live cluster
	replay   replayState
	epoch    uint64             // the epoch the feed and the store were read in (0 live)
	evlog    *cluster.EventLog  // the log the feed reads
	feedCtx  context.Context    // bounds the event reader: ctx, or the epoch's
	feedStop context.CancelFunc // ends the epoch's event reader; nil live
	narr     narration          // the narration (say) and the script's wait for a key

	recording recordingState // the recording running, as Options.Recording last said
}

// regionKind is what the region between the cards and the output shows
// (unless a pager covers it).
type regionKind int

const (
	regionLanes    regionKind = iota // the log lanes and the events
	regionDetail                     // the selected node in detail (enter)
	regionMessages                   // the space-time diagram and held messages (m)
	regionLinks                      // the link matrix (x)
)

// toggleRegion shows r, or the lanes when r is shown.
func (m *Model) toggleRegion(r regionKind) {
	switch m.pagerShown() {
	case noPager:
		if m.region == r {
			r = regionLanes
		}
	// A pager covers the region: the view asked for is shown, the pager
	// closed as esc closes it. The key switched the view behind it,
	// unseen, and the same key after esc switched it back: m over a
	// step's result, then esc, then m, showed no messages (a new user's).
	case helpPager:
		m.fullHelp = false
	case legendPager:
		m.legend = false
	case outputPager:
		m.output.clear()
	}
	m.region = r
	m.feed.focused = false
	m.feed.follow()
}

// New returns a dashboard model for o.
func New(o Options) *Model {
	player, _ := o.Source.(Player)
	if o.Clock == nil {
		o.Clock = time.Now
		if player != nil {
			o.Clock = player.Now
		}
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.ScriptExec == nil {
		o.ScriptExec = o.Exec
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	st := NewStyles(o.Mono)
	m := &Model{
		o: o, ctx: o.Context, styles: st, keys: newKeyMap(), help: newHelp(st),
		prompt: newPrompt(), rng: rand.New(rand.NewPCG(seed, 1)), sel: 1,
		feed: newEventFeed(500), trace: o.Messages, msgs: newMsgView(),
		player: player, feedCtx: o.Context, evlog: o.Source.Events(),
		fit: lessonFit{at: 1},
	}
	if ts, ok := o.Source.(traceSource); ok && m.trace == nil {
		if t := ts.Trace(); t != nil {
			m.trace = t
		}
	}
	status := o.Source.Status()
	if player != nil {
		m.keys.forReplay()
		var v replayView
		status, v = readReplay(player)
		m.replay.view, m.epoch, m.evlog, m.trace = v, v.epoch, v.events, v.msgs
		m.feedCtx, m.feedStop = context.WithCancel(m.ctx)
	}
	m.setStatus(status)
	m.parser = commands.NewParser(len(m.status.Nodes))
	if player != nil {
		m.narrateReplay(m.replay.view)
	}
	m.script.total = len(o.Script)
	if o.Notice != "" {
		m.output.setNote("note", clean(o.Notice))
	}
	m.refreshKeys()
	return m
}

// Init starts the frame clock, the event reader, the watch on the
// context (its end quits, drawing a blank last frame) and the script, if
// any.
func (m *Model) Init() tea.Cmd {
	frame := frameCmd(m.o.Source, m.frameEvery())
	if m.player != nil {
		frame = replayFrameCmd(m.player, m.frameEvery())
	}
	cmds := []tea.Cmd{frame, m.readEvents(), doneCmd(m.ctx), m.readRecording()}
	if len(m.o.Script) > 0 {
		cmds = append(cmds, stepCmd(0, 0))
	}
	return tea.Batch(cmds...)
}

// Update routes one message, then enables the keys that apply to the
// state it left.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	m.refreshKeys()
	return m, cmd
}

// route hands one message to what handles it; every case is a call into a
// panel or helper.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		smaller := msg.Width < m.width || msg.Height < m.height
		m.width, m.height = msg.Width, msg.Height
		m.sized = true
		m.help.Width = msg.Width
		if smaller {
			m.lessonShrunk()
		}
		return nil
	case frameMsg:
		st := cluster.Status(msg)
		m.layPending(&st)
		m.setStatus(st)
		return tea.Batch(frameCmd(m.o.Source, m.frameEvery()), m.readTrace(), m.readRecording(), m.promoteLater())
	case recordingMsg:
		m.recording.file, m.recording.reading = string(msg), false
		return nil
	case replayMsg:
		return m.onReplay(msg)
	case traceMsg:
		m.onTrace(msg)
		return nil
	case eventsMsg:
		return m.onEvents(msg)
	case resultMsg:
		return tea.Batch(m.onResult(msg), m.readRecording()) // record start or stop may have run
	case scriptStepMsg:
		if msg.reading != 0 {
			if msg.reading != m.script.reading {
				return nil // space ended this pause already
			}
			m.script.reading = 0
		}
		return m.scriptStep()
	case doneMsg:
		return m.quit()
	case tea.KeyMsg:
		if msg.Type == tea.KeyCtrlZ {
			// Suspends, as in a shell (the terminal is in raw mode, so
			// the key sends no SIGTSTP of itself): fg comes back to the
			// same cluster. Its nodes stood still together, so none
			// counts the time against its leader (cluster/stall.go).
			return tea.Suspend
		}
		if msg.Alt && !m.prompt.active {
			return m.altKey(msg)
		}
		if msg.Alt && !m.prompt.altEdit(msg) && msg.Type != tea.KeyEsc {
			// At the prompt keys are text: an alt+key (an Option key
			// that sends escapes, say) is typed, not taken for esc, which
			// would close the line being typed and run what follows as
			// hotkeys.
			msg.Alt = false
		}
		if m.prompt.active {
			return m.promptKey(msg)
		}
		if msg.Paste && (m.width == 0 || m.fits()) {
			// Pasted text is commands, not keys: pressed one by one, a
			// pasted "put a 1" paused a node (p) and did who knows what
			// else. It goes to the prompt, as if : came first. (On a
			// screen too small, onKeys ignores it as it ignores :, so
			// that nothing runs out of sight.)
			focus := m.prompt.open()
			return tea.Batch(focus, m.promptKey(msg))
		}
		return m.onKeys(msg)
	}
	if m.prompt.active { // the cursor's blink
		var cmd tea.Cmd
		m.prompt.input, cmd = m.prompt.input.Update(msg)
		return cmd
	}
	return nil
}

// altKey handles a key with Alt set as esc followed by the same key
// without Alt, everywhere but at the prompt (route: there it is typed, or
// one of the prompt's own alt keys: a word back, forward or deleted). A
// terminal sends Alt as an escape before the key, so esc then : typed fast (or tmux send-keys Escape ':') arrives as
// alt+:, which matched no key: the prompt did not open, and the command
// typed next ran as hotkeys (a teacher's "explain log 3" ran load,
// partition, pause, isolate). Dropped, the esc would be lost and the key
// acted on anyway; ignored, the text after it would still run as keys.
// Read as the two keys it is made of, it does what esc and then the key
// do pressed one after the other, the least surprise: alt+: closes what
// esc closes and opens the prompt, alt+c closes and crashes as esc c does.
func (m *Model) altKey(msg tea.KeyMsg) tea.Cmd {
	esc := m.route(tea.KeyMsg{Type: tea.KeyEsc})
	m.refreshKeys() // the key applies to the state esc left
	msg.Alt = false
	return tea.Sequence(esc, m.route(msg))
}

// quit ends the program. Its last frame is blank: a terminal (tmux) that
// reflows the alternate screen when leaving it after a resize would
// otherwise push the last frame's wide lines into the shell's scrollback.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.stopFeed()
	return tea.Quit
}

// setStatus takes a frame's snapshot and time and updates what depends on
// them.
func (m *Model) setStatus(st cluster.Status) {
	m.status, m.now, m.cards, m.why = st, m.o.Clock(), nil, whyMemo{}
	m.rate.observe(st.Time, st.Written)
	m.nodes = m.drawnNodes(st, m.removedAt == nil) // nodes removed before the start are not drawn
	m.jumped = false
	m.reselect()
	m.selectBack()
	m.links.clamp(m.drawnIDs())
	if m.parser != nil {
		m.parser.SetNodes(len(st.Nodes)) // nodes come with add
	}
}

// selected returns the status of the selected node.
func (m *Model) selected() cluster.NodeStatus {
	n, _ := m.status.Node(m.sel)
	return n
}

func (m *Model) refreshKeys() {
	pager := m.pagerShown()
	m.syncHeld()
	m.syncDetail()
	m.links.follow(m.sel, m.drawnIDs())
	_, heldOK := m.pickedHeld()
	node := m.selected()
	if m.selGone != 0 {
		node = cluster.NodeStatus{} // no node selected: the bar offers no key that acts on one
	}
	m.keys.update(dashState{
		node: node, nodes: len(m.nodes), member: m.memberKeys(), faults: faultsActive(m.status),
		load: m.status.Load > 0, region: m.region, filtered: m.feed.filter != 0,
		lanes: m.laneTop != 0, focused: m.feed.focused, pager: pager != noPager, legend: m.legend,
		wide: pager == outputPager && m.outputPagerWidth() > m.width, output: m.output.shown(),
		frozen: m.status.Frozen, idle: m.status.Frozen && heldCount(m.status) == 0, held: heldOK, heldList: m.heldShown(), heldN: len(m.heldList()), byNode: m.msgs.byNode,
		beats: m.msgs.beats, kind: m.msgs.kind, scrolled: m.msgs.pin >= 0,
		link: m.linkKeys(), col: m.col, cols: m.newestIndex() > 0, playing: m.replay.view.playing, narr: m.narr.text != "", narrOver: m.narr.text != "" && m.scriptOver(), waiting: m.narr.waiting || m.script.reading != 0,
		prompt: m.prompt.active, history: len(m.prompt.history) > 0,
	})
}

// pagerShown is what the pager area shows now, if anything.
func (m *Model) pagerShown() pagerKind {
	switch {
	case m.width == 0 || (!m.fullHelp && !m.legend && !m.output.shown()) || !m.fits():
		return noPager
	case m.fullHelp:
		return helpPager
	case m.legend:
		return legendPager
	}
	return m.layout().pager
}

// onKeys handles keys outside the prompt. Keys typed faster than the
// terminal is read (or pasted) arrive as one message of several runes: each
// counts as its own key.
func (m *Model) onKeys(msg tea.KeyMsg) tea.Cmd {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 {
		return m.onKey(msg)
	}
	var cmds []tea.Cmd
	for i, r := range msg.Runes {
		cmd := m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		cmds = append(cmds, cmd)
		m.refreshKeys()      // the next key applies to the state this one left
		if m.prompt.active { // the rest is typed into the prompt
			m.prompt.input.SetValue(string(msg.Runes[i+1:]))
			m.prompt.input.CursorEnd()
			break
		}
	}
	return tea.Sequence(cmds...)
}

// onKey handles a key outside the prompt: first space while the script
// waits for a key, then the scroll keys of a pager or of the focused
// feed, then the dashboard's keys.
func (m *Model) onKey(msg tea.KeyMsg) tea.Cmd {
	if m.width != 0 && !m.fits() {
		// The screen says only that it is too small: a key that acted
		// unseen (l started a load, c would crash a node) would surprise.
		if key.Matches(msg, m.keys.Quit) {
			return m.quit()
		}
		return nil
	}
	if m.narr.waiting && key.Matches(msg, m.keys.GoOn) {
		return m.goOn()
	}
	if m.script.reading != 0 && key.Matches(msg, m.keys.GoOn) {
		m.script.reading = 0 // its tick, when it comes, does nothing
		return m.scriptStep()
	}
	if m.scrollKey(msg) {
		return nil
	}
	if cmd, ok := m.panelKey(msg); ok {
		return cmd
	}
	k := &m.keys
	id := m.sel
	if key.Matches(msg, k.Quit) {
		return m.quit()
	}
	if cmd, ok := m.replayKey(msg); ok {
		return cmd
	}
	if what, why := m.keyOff(msg); why != "" {
		m.output.setNote(what, why)
		return nil
	}
	switch {
	case key.Matches(msg, k.Help):
		m.fullHelp, m.helpView, m.legend = !m.fullHelp, scroller{}, false
	case key.Matches(msg, k.Legend):
		m.legend, m.legendAt, m.fullHelp = !m.legend, scroller{}, false
	case key.Matches(msg, k.ColLeft):
		m.moveColumn(-1)
	case key.Matches(msg, k.ColRight):
		m.moveColumn(1)
	case key.Matches(msg, k.Explain):
		return m.run(m.explainLine())
	case key.Matches(msg, k.Select):
		if n := uint64(msg.Runes[0] - '0'); m.isDrawn(n) {
			m.sel, m.selGone = n, 0
		} else {
			m.selGone = n
			m.output.setNote(msg.String(), m.selGoneWhy())
		}
	case key.Matches(msg, k.Next):
		m.stepSelection(1)
		m.selGone = 0
	case key.Matches(msg, k.Prev):
		m.stepSelection(-1)
		m.selGone = 0
	// Crash, power and restart lay the state they ask for over the frames
	// until answered, as the toggles do: c then r typed faster than a
	// frame found the node still up, and r was refused without a word.
	case key.Matches(msg, k.Crash):
		return m.runExpect(nodeDown(id, false), fmt.Sprintf("crash %d", id))
	case key.Matches(msg, k.Power):
		return m.runExpect(nodeDown(id, true), fmt.Sprintf("powerfail %d", id))
	case key.Matches(msg, k.Restart):
		return m.runExpect(nodeRestarted(id), fmt.Sprintf("restart %d", id))
	case key.Matches(msg, k.Pause):
		if m.selected().State == cluster.StatePaused {
			return m.runExpect(nodeState(id, cluster.StateUp), fmt.Sprintf("resume %d", id))
		}
		return m.runExpect(nodeState(id, cluster.StatePaused), fmt.Sprintf("pause %d", id))
	case key.Matches(msg, k.Isolate):
		return m.run(fmt.Sprintf("isolate %d", id))
	case key.Matches(msg, k.Group):
		line, groups := nextGroups(m.status, id)
		return m.runExpect(func(st *cluster.Status) { st.Faults.Groups = groups }, line)
	case key.Matches(msg, k.Heal):
		return m.run("heal")
	case key.Matches(msg, k.Add):
		return m.addKey()
	case key.Matches(msg, k.Remove):
		return m.run(fmt.Sprintf("remove %d", id))
	case key.Matches(msg, k.Transfer):
		return m.run(fmt.Sprintf("transfer %d", id))
	case key.Matches(msg, k.Write):
		kv := fmt.Sprintf("k%d %d", m.rng.IntN(100), m.rng.IntN(10000))
		if m.status.Frozen {
			// Frozen, a put would wait for a commit only steps bring, and
			// the step keys would wait behind it (one command runs at a
			// time) until it gave up. The write is handed to the leader
			// instead; its result names the index it waits at, and the
			// steps carry it. Just elected by steps, a leader no majority
			// has heard from yet is no "leader" to the command language:
			// the one of the highest term that claims it takes it.
			if m.status.Leader == 0 {
				if id := topClaimant(m.status); id != 0 {
					return m.run(fmt.Sprintf("propose %d %s 100ms", id, kv))
				}
				m.output.setNote("w propose", "not now: "+noLeaderWhy(m.status)) // wait leader would wait in vain
				return nil
			}
			return m.run("propose leader " + kv + " 100ms")
		}
		return m.run("put " + kv)
	case key.Matches(msg, k.Load):
		if m.status.Load > 0 {
			return m.runExpect(func(st *cluster.Status) { st.Load = 0 }, "load off")
		}
		return m.runExpect(func(st *cluster.Status) { st.Load = 50 }, "load 50")
	case key.Matches(msg, k.Faster):
		return m.changeSpeed(-1)
	case key.Matches(msg, k.Slower):
		return m.changeSpeed(+1)
	case key.Matches(msg, k.Prompt):
		return m.prompt.open()
	case key.Matches(msg, k.Detail):
		m.toggleRegion(regionDetail)
	case key.Matches(msg, k.Messages):
		m.toggleRegion(regionMessages)
		return m.readTrace()
	case key.Matches(msg, k.Links):
		m.toggleRegion(regionLinks)
		return m.readTrace()
	case key.Matches(msg, k.Freeze):
		return m.freezeKey()
	case key.Matches(msg, k.Step):
		return m.run("step")
	case key.Matches(msg, k.Timeout):
		return m.run(fmt.Sprintf("timeout %d", id))
	case key.Matches(msg, k.Beat):
		return m.run(fmt.Sprintf("heartbeat %d", id))
	case key.Matches(msg, k.Filter):
		if m.selGone != 0 {
			id = 0 // no node selected: f only turns the filter off
		}
		m.feed.toggleFilter(id)
	case key.Matches(msg, k.Events):
		m.feed.focused = true
	case key.Matches(msg, k.Back):
		m.scrollLanes(-max(1, m.laneWidth()/2))
	case key.Matches(msg, k.Forward):
		m.scrollLanes(max(1, m.laneWidth()/2))
	case key.Matches(msg, k.Newest):
		m.laneTop = 0
	case key.Matches(msg, k.Close):
		switch {
		case m.region == regionDetail:
			// The detail's title says "enter/esc back": one esc leaves
			// it, and the result line with it (the first only cleared
			// the line). A pager over it took the esc before this.
			m.region = regionLanes
			m.output.clear()
		case m.narr.text != "" && m.scriptOver():
			// The lesson is over: its last narration goes first (the bar
			// says esc closes it), then the result line.
			m.narr.text = ""
			m.fit.at = -1
		case m.output.shown():
			m.output.clear()
		case m.region != regionLanes:
			m.region = regionLanes
		case m.col != 0:
			m.col = 0
		case m.narr.text != "":
			m.narr.text = ""
			m.fit.at = -1 // the size note goes with it
		default:
			m.feed.filter = 0
		}
	}
	return nil
}

// panelKey hands a key to the view the region shows (the messages view or
// the link matrix) and reports whether it was one of that view's keys.
func (m *Model) panelKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	if m.pagerShown() != noPager {
		return nil, false
	}
	switch m.region {
	case regionMessages:
		return m.messagesKey(msg)
	case regionLinks:
		return m.linksKey(msg)
	case regionDetail:
		return m.detailKey(msg)
	}
	return nil, false
}

// run parses lines and returns a Cmd that executes them in order. A line
// that does not parse is shown as an error and nothing runs.
func (m *Model) run(lines ...string) tea.Cmd {
	cmds := make([]*commands.Command, 0, len(lines))
	for i, l := range lines {
		what := l // a paste's line says which of its lines it is
		if len(lines) > 1 {
			what = fmt.Sprintf("pasted line %d of %d: %s", i+1, len(lines), l)
		}
		c, err := m.parser.ParseLine(l, 1)
		if err != nil {
			m.output.set(what, l, "", err)
			if len(lines) > 1 {
				m.output.err += fmt.Sprintf(" (so none of the %d pasted lines ran)", len(lines))
			}
			return nil
		}
		if c != nil && c.GluedHash > 0 {
			// Typed at the prompt, get a#b is get a: what a person
			// typing it did not mean (a learner read the wrong key).
			// Scripts keep the contract's reading, with a warning.
			m.output.set(what, l, "", errors.New(c.GluedNote()+"; nothing ran"))
			return nil
		}
		if c != nil {
			cmds = append(cmds, c)
		}
	}
	for _, c := range cmds {
		m.narrate(c)
	}
	if len(cmds) == 0 {
		return nil
	}
	m.runs++
	r := inflightRun{seq: m.runs, line: lines[len(lines)-1], detached: len(cmds) == 1 && commands.Detaches(cmds[0].Verb)}
	m.inflight = append(m.inflight, r)
	m.output.running(r.line, r.seq, m.behind(r.seq))
	return execCmd(m.ctx, m.o.Exec, m.o.Source, cmds, false, m.runs)
}

// onResult shows a command's result and, for the script, moves on.
func (m *Model) onResult(r resultMsg) tea.Cmd {
	last := ""
	if len(r.lines) > 0 {
		last = r.lines[len(r.lines)-1]
	}
	if r.speed {
		m.speed.done(r.err == nil)
		if r.err == nil { // keys pressed before the next frame build on it
			m.status.Timing = m.speed.want()
		}
	}
	if r.add {
		m.adding = max(0, m.adding-1)
	}
	// An add while frozen, by A or typed at the prompt (a script's lines
	// do what they say, no more): its learner is promoted once thawed.
	if sm := frozenAddRe.FindStringSubmatch(r.out); !r.script && r.verb == commands.VerbAdd && r.err == nil && sm != nil {
		m.promoteAfter, _ = strconv.ParseUint(sm[1], 10, 64)
		// Its answer says what to do; here the dashboard does it.
		r.out = strings.Replace(r.out, "promote "+sm[1]+" once it has caught up", "the dashboard promotes it once thawed and caught up", 1)
	}
	if !r.script {
		if r.seq == m.pasteSeq && m.pasteNote != "" {
			r.out = strings.TrimSuffix(r.out, "\n")
			if r.out != "" {
				r.out += "\n"
			}
			r.out += m.pasteNote
			m.pasteNote = ""
		}
		m.answered(r.seq, r.err)
		m.inflight = slices.DeleteFunc(m.inflight, func(f inflightRun) bool { return f.seq == r.seq })
		if o := &m.output; o.busy && o.behind != "" {
			o.behind = clean(m.behind(o.seq)) // its turn, or still another's
		}
		if o := &m.output; o.shown() && o.seq > r.seq {
			// A command run later (a step) is in view, finished or
			// running: keep it, and tell this one's result under it (a
			// step that committed a waiting remove lost its own line to
			// the remove's "ok", or the remove's was lost to the step's).
			o.addEarlier(earlierResult(last, r))
		} else if r.err != nil && r.seq == m.pasteSeq && r.total > 1 {
			// A pasted line failed: which one, and what did not run.
			m.output.set(fmt.Sprintf("pasted line %d of %d: %s", len(r.lines), r.total, last), last, r.out, r.err)
			if rest := r.total - len(r.lines); rest > 0 {
				after := "line"
				if rest > 1 {
					after = plural(rest, "line")
				}
				m.output.err += fmt.Sprintf(" (so the %s after it did not run)", after)
			}
			m.output.seq = r.seq
		} else {
			m.output.set(last, last, r.out, r.err)
			m.output.stamp(r.asked)
			m.output.seq = r.seq
		}
		if forPeople(r) {
			m.output.clear()
		}
		return m.refreshReplay(r.verb == commands.VerbSeek || r.verb == commands.VerbFind)
	}
	if !forPeople(r) { // a say or wait key leaves the last command's result in view
		m.output.set(fmt.Sprintf("script line %d: %s", m.script.line, last), last, r.out, r.err)
		m.output.stamp(r.asked)
	}
	if r.err != nil {
		m.script.err = r.err
		return nil
	}
	// (A wait key next gives all the time there is.)
	if next := m.script.pos; r.verb == commands.VerbSay && (next >= len(m.o.Script) || !isWaitKey(&m.o.Script[next])) {
		if d := readingTime(m.narr.text, m.o.ScriptPace); d > m.o.ScriptPace {
			m.script.reads++
			m.script.reading = m.script.reads
			return stepCmd(d, m.script.reading)
		}
	}
	return stepCmd(m.o.ScriptPace, 0)
}

// readingTime is how long a script pauses after a say of text, at pace
// between lines: half the pace a word (a quarter of a second at the
// default 500 ms, some 240 words a minute), at least the pace, at most
// readingMax. Space ends the pause sooner. A narration followed by more
// commands before the next say used to give way to it after a second or
// two, before a class could read it.
func readingTime(text string, pace time.Duration) time.Duration {
	return min(max(pace, time.Duration(len(strings.Fields(text)))*pace/2), readingMax)
}

// readingMax bounds a say's reading pause.
const readingMax = 15 * time.Second

// scriptStep runs the next line of the script, if any.
func (m *Model) scriptStep() tea.Cmd {
	if m.script.pos >= len(m.o.Script) || m.script.err != nil {
		m.script.done = m.script.err == nil
		return nil
	}
	c := &m.o.Script[m.script.pos]
	m.script.pos++
	m.script.line, m.script.text = c.Line, c.Text
	if isWaitKey(c) {
		m.waitKey(c)
		return nil
	}
	m.narrate(c)
	if c.Verb != commands.VerbSay {
		m.output.running(fmt.Sprintf("script line %d: %s", c.Line, c.Text), 0, "")
	}
	return execCmd(m.ctx, m.o.ScriptExec, m.o.Source, []*commands.Command{c}, true, 0)
}

// scriptOver reports whether the script played (a lesson) has ended, run
// to its end or stopped.
func (m *Model) scriptOver() bool {
	return len(m.o.Script) > 0 && (m.script.done || m.script.err != nil)
}

// scriptState is the progress of the script being played.
type scriptState struct {
	pos, total int
	line       int    // source line of the command running or last run
	text       string // that command
	done       bool
	err        error
	// reading is the token of the reading pause after a say (0: none):
	// space ends it; reads numbers them.
	reading, reads uint64
}

// Selected returns the selected node's id (for tests).
func (m *Model) Selected() uint64 { return m.sel }

// ScriptErr returns why the script being played stopped, or nil when it
// ran to its end, is still running, or there is none.
func (m *Model) ScriptErr() error { return m.script.err }
