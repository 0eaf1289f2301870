package tui

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// The dashboard's side of a replay (Options.Source is a Player): the
// frames read the recording's state with its status, the replay's keys
// move its cursor, and a cursor moved backwards (a new Epoch) makes the
// feed and the message store start again from the recording's logs. The
// panels draw the recorded status as they draw a live one: the only
// drawing of its own a replay has is the header's replay line and
// timeline (timeline.go).

// replayView is a Player's state as one frame read it, with the status.
type replayView struct {
	read    uint64 // the read's number (replayReads): later reads have higher ones
	epoch   uint64
	events  *cluster.EventLog // the epoch's events
	msgs    MsgLog            // the epoch's message records
	playing bool
	speed   float64
	pos     time.Duration
	length  time.Duration
	// prev and next are where a step back and forward go (Neighbours;
	// negative: nowhere), read while paused.
	prev, next time.Duration
	marks      []Mark
	stopped    error
	// behind is how far the status shown is older than the cursor: a
	// recording holds a status every so often (record.Writer), events and
	// messages at their own times, so a step onto a message shows the
	// cards and header of the frame before it.
	behind time.Duration
}

// replayMsg is a replay's frame (frame: the next one is to be scheduled)
// or the state a player operation left (op).
type replayMsg struct {
	st    cluster.Status
	view  replayView
	frame bool
	op    bool
	key   string // the key of the operation
	note  string // what the operation says, if anything
	jump  bool   // the operation may have moved the cursor other than by playing
}

// replayReads numbers the reads of players: frames and operations read
// concurrently, and a read that began before the one drawn is not drawn.
var replayReads atomic.Uint64

// readReplay reads p's state and status, in a tea.Cmd's goroutine. The
// epoch is read first: a cursor moved between the reads shows as a newer
// epoch at the next frame, never as an old one.
func readReplay(p Player) (cluster.Status, replayView) {
	v := replayView{read: replayReads.Add(1)}
	v.epoch = p.Epoch()
	v.events, v.msgs = p.Events(), p.Messages()
	st := p.Status()
	if now := p.Now(); !st.Time.IsZero() && now.After(st.Time) {
		v.behind = now.Sub(st.Time)
	}
	v.playing, v.speed = p.Playing(), p.Speed()
	v.pos, v.length = p.Position(), p.Length()
	v.prev, v.next = -1, -1
	if !v.playing {
		v.prev, v.next = p.Neighbours()
	}
	v.marks, v.stopped = p.Marks(), p.Stopped()
	return st, v
}

// replayFrameCmd schedules the next frame of a replay.
func replayFrameCmd(p Player, every time.Duration) tea.Cmd {
	return tea.Tick(every, func(time.Time) tea.Msg {
		st, v := readReplay(p)
		return replayMsg{st: st, view: v, frame: true}
	})
}

// playerOp is one operation on the player a replay key asks for; what it
// returns, when not "", is shown as a note about key.
type playerOp struct {
	key  string
	do   func(Player) string
	jump bool // it may move the cursor other than by playing (seek, step, find)
}

// replayState is the replay as the model knows it: the player's state as
// last read, and the operations the keys asked for, run one at a time in
// order, each in a tea.Cmd.
type replayState struct {
	view   replayView
	ops    []playerOp
	busy   bool // an operation runs
	jumped bool // an operation jumped: the next view drawn restarts the write rate
}

// do queues op and starts it when none runs.
func (m *Model) do(op playerOp) tea.Cmd {
	m.replay.ops = append(m.replay.ops, op)
	return m.nextOp()
}

// nextOp starts the next queued operation, if none runs.
func (m *Model) nextOp() tea.Cmd {
	r := &m.replay
	if r.busy || len(r.ops) == 0 {
		return nil
	}
	op, p := r.ops[0], m.player
	r.ops, r.busy = r.ops[1:], true
	return func() tea.Msg {
		note := op.do(p)
		st, v := readReplay(p)
		return replayMsg{st: st, view: v, op: true, key: op.key, note: note, jump: op.jump}
	}
}

// onReplay takes a replay's frame or an operation's result: the status,
// the player's state and, when the epoch changed, a fresh feed and message
// store. A read that began before the one drawn (a frame read while an
// operation moved the cursor) is not drawn.
func (m *Model) onReplay(msg replayMsg) tea.Cmd {
	var cmds []tea.Cmd
	if msg.op {
		m.replay.busy = false
		cmds = append(cmds, m.nextOp())
		switch {
		case msg.note != "":
			m.output.setNote(msg.key, msg.note)
		case msg.key != "" && m.output.staleAfter(msg.jump || msg.key == "space" && msg.view.playing):
			// Playing moves the cursor as a jump does: a find's answer
			// ("at 4.309s of 13.5s: 1 crashed") stayed on while the
			// cards played on to the end.
			// A key's note says nothing of the new place, and another
			// key's is stale: `,` at the start, then `→`, left "nothing
			// recorded before this" under a cursor that had moved on.
			m.output.clear()
		}
		m.replay.jumped = m.replay.jumped || msg.jump
	}
	if msg.frame {
		cmds = append(cmds, replayFrameCmd(m.player, m.frameEvery()))
	}
	if msg.view.read < m.replay.view.read {
		return tea.Batch(cmds...)
	}
	if m.replay.jumped || jumped(m.replay.view, msg.view) {
		m.rate.restart() // the rate is measured from the statuses after the jump only
		m.replay.jumped = false
		m.jumped = true // for setStatus: removals first seen now may be older
	}
	m.replay.view = msg.view
	if msg.view.epoch != m.epoch {
		cmds = append(cmds, m.rewind(msg.view))
		for id, at := range m.removedAt { // removals seen later than the cursor are seen again
			if at.After(msg.st.Time) {
				delete(m.removedAt, id)
			}
		}
	}
	m.setStatus(msg.st)
	m.narrateReplay(msg.view)
	if msg.frame {
		cmds = append(cmds, m.readTrace())
	}
	return tea.Batch(cmds...)
}

// refreshReplay reads the player's state now (after a command at the
// prompt, seek or find, moved it), not at the next frame; jump: the
// command may have moved the cursor.
func (m *Model) refreshReplay(jump bool) tea.Cmd {
	if m.player == nil {
		return nil
	}
	return m.do(playerOp{do: func(Player) string { return "" }, jump: jump})
}

// jumped reports whether the cursor moved from prev to v other than
// forward by playing: a new epoch (it went back), or a move while paused
// (a step, seek or find: each pauses), or, from playing to paused, a move
// further than playing goes between two frames (a seek or find typed at
// the prompt; a pause moves it by a frame's play at most). The operations
// of the keys and the prompt that jump say so too (playerOp.jump): this
// catches a frame that sees the jump before their result.
func jumped(prev, v replayView) bool {
	switch {
	case v.epoch != prev.epoch || v.pos < prev.pos:
		return true
	case v.pos == prev.pos || v.playing:
		return false
	case !prev.playing:
		return true
	}
	return v.pos-prev.pos > time.Duration(float64(2*time.Second)*max(prev.speed, 1))
}

// rewind drops the feed's and the message store's copies, which belong to
// another epoch, and reads v's logs from their start. The event reader of
// the old epoch is stopped (it may wait on a log nothing adds to any
// more), and what a read of the old epoch still returns is dropped
// (eventsMsg.epoch, traceMsg.epoch).
func (m *Model) rewind(v replayView) tea.Cmd {
	m.epoch = v.epoch
	m.stopFeed()
	m.feedCtx, m.feedStop = context.WithCancel(m.ctx)
	f := newEventFeed(len(m.feed.buf))
	f.filter, f.focused = m.feed.filter, m.feed.focused
	m.feed, m.evlog = f, v.events
	m.trace = v.msgs
	m.msgs.store = msgStore{size: m.msgs.store.size}
	m.msgs.rows, m.msgs.pin = nil, -1
	return tea.Batch(m.readEvents(), m.readTrace())
}

// stopFeed stops the event reader of the epoch, if it has its own.
func (m *Model) stopFeed() {
	if m.feedStop != nil {
		m.feedStop()
		m.feedStop = nil
	}
}

// readEvents returns the event reader of the feed's log, its message
// tagged with the epoch it reads.
func (m *Model) readEvents() tea.Cmd {
	cmd := eventsCmd(m.feedCtx, m.evlog, m.feed.next)
	if cmd == nil {
		return nil
	}
	epoch := m.epoch
	return func() tea.Msg {
		msg := cmd()
		if e, ok := msg.(eventsMsg); ok {
			e.epoch = epoch
			return e
		}
		return msg
	}
}

// onEvents adds the events a read gave to the feed, unless they are of an
// older epoch, and reads on. The first read of a replay's epoch starts
// where the recording's log starts: the events before it are not lost, just
// earlier.
func (m *Model) onEvents(msg eventsMsg) tea.Cmd {
	if msg.epoch != m.epoch {
		return nil // the epoch's own reader runs already
	}
	if m.player != nil && m.feed.next <= 1 {
		msg.dropped = 0
	}
	m.feed.add(msg)
	return m.readEvents()
}

// stepTo steps p (in an operation's tea.Cmd) and says where to: the
// cursor to the millisecond, how far it moved, and what is recorded there
// (a command, else an event, with how many more there are at the same
// place, else a message, which the messages view shows); or that nothing
// is recorded that way. A step over a message the
// views hide (a heartbeat) changes nothing else on the screen. room is
// the cells the note has on its line: what is recorded is cut to fit
// there (the whole of it is in the events and messages views), so that
// the note stays one line.
func stepTo(p Player, forward bool, room int) string {
	from := p.Position()
	if !p.Step(forward) {
		if forward {
			return "nothing recorded after this"
		}
		return "nothing recorded before this"
	}
	to := p.Position()
	sign := "+"
	if to < from {
		sign = "-"
	}
	d := (to - from).Abs()
	switch {
	case d >= 10*time.Millisecond:
		d = d.Round(time.Millisecond) // "-11.634s", not "-11.634478s"
	case d >= time.Microsecond:
		d = d.Round(time.Microsecond)
	} // under a microsecond: as it is ("+400ns", not "+0s")
	prev, next := p.Neighbours()
	where := fmt.Sprintf("to %s (%s%v): ", cursorText(to, prev, next), sign, d)
	room = max(room-lipgloss.Width(where), stepWhatMin)
	what := "a message (m shows it)"
	if here := p.Here(); len(here) == 1 {
		what = cut(clean(here[0]), room)
	} else if len(here) > 1 {
		more := fmt.Sprintf(" (+%d more)", len(here)-1)
		what = cut(clean(here[0]), room-len(more)) + more
	}
	return where + what
}

// stepWhatMin is the fewest cells a step's note gives what is recorded at
// the cursor, however narrow the screen (the note then wraps).
const stepWhatMin = 30

// stepRoom is the cells a step's note has after "NAME: " on the output
// line: the screen's width, or 80 columns before the first size is known.
func (m *Model) stepRoom(name string) int {
	w := m.width
	if w == 0 {
		w = 80
	}
	return w - lipgloss.Width(name+": ")
}

// keyName names a key as the help does.
func keyName(msg tea.KeyMsg) string {
	if msg.String() == " " {
		return "space"
	}
	return msg.String()
}

// playPause plays or pauses p (the space key); at the end of the
// recording, it plays again from the start, and says so.
func playPause(p Player) string {
	if p.Playing() {
		p.SetPlaying(false)
		return ""
	}
	if p.Position() >= p.Length() {
		p.Seek(0)
		p.SetPlaying(true)
		return "at the end: playing again from the start"
	}
	p.SetPlaying(true)
	return ""
}

// Replay speeds the + and - keys step through.
var replaySpeeds = []float64{MinSpeed, 0.25, 0.5, 1, 2, 5, MaxSpeed}

// nextSpeed returns the speed after x in the steps, upwards (by > 0) or
// downwards; at an end, that end.
func nextSpeed(x float64, by int) float64 {
	if by > 0 {
		for _, s := range replaySpeeds {
			if s > x*1.0001 {
				return s
			}
		}
		return MaxSpeed
	}
	for i := len(replaySpeeds) - 1; i >= 0; i-- {
		if replaySpeeds[i] < x*0.9999 {
			return replaySpeeds[i]
		}
	}
	return MinSpeed
}

// replayKey handles the replay's keys and reports whether msg was one; in
// a replay, a key that would change the cluster is answered with a note.
func (m *Model) replayKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	if m.player == nil {
		return nil, false
	}
	k := &m.keys
	var do func(Player) string
	name := keyName(msg)
	switch {
	case key.Matches(msg, k.Play):
		do = playPause
	case key.Matches(msg, k.RFaster):
		do = func(p Player) string { p.SetSpeed(nextSpeed(p.Speed(), 1)); return "" }
	case key.Matches(msg, k.RSlower):
		do = func(p Player) string { p.SetSpeed(nextSpeed(p.Speed(), -1)); return "" }
	case key.Matches(msg, k.StepFwd):
		name += " step"
		room := m.stepRoom(name)
		do = func(p Player) string { return stepTo(p, true, room) }
	case key.Matches(msg, k.StepBack):
		name += " step back"
		room := m.stepRoom(name)
		do = func(p Player) string { return stepTo(p, false, room) }
	case key.Matches(msg, k.SeekBack):
		do = func(p Player) string { p.Seek(max(0, p.Position()-time.Second)); return "" }
	case key.Matches(msg, k.SeekFwd):
		do = func(p Player) string { p.Seek(p.Position() + time.Second); return "" }
	}
	if do != nil {
		jump := !key.Matches(msg, k.Play, k.RFaster, k.RSlower)
		return m.do(playerOp{key: name, do: do, jump: jump}), true
	}
	if what, ok := k.isLiveOnly(msg, m.region); ok {
		m.output.setNote(keyName(msg)+" "+what, "not in a replay: it shows what was recorded, and keys that change the cluster are off")
		return nil, true
	}
	return nil, false
}
