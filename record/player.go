package record

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"raftplay/cluster"
	"raftplay/msgview"
	"raftplay/tui"
)

var _ tui.Player = (*Player)(nil)

// EventLogSize is how many events the replay's event log holds, as many
// as a live cluster's.
const EventLogSize = 16384

// PlayerOptions changes how a Player plays.
type PlayerOptions struct {
	// Clock is the wall clock the cursor moves with while playing; nil
	// means time.Now. Tests inject one.
	Clock func() time.Time
	// Paused starts the player paused (it starts playing otherwise).
	Paused bool
}

// Player replays a Recording: it is a tui.Player, so the dashboard draws
// it as it draws a live cluster. Its cursor moves with the wall clock
// times Speed while Playing. It is safe for concurrent use.
type Player struct {
	rec   *Recording
	clock func() time.Time
	marks []tui.Mark
	// Where steps stop for each event and command (stepPlaces): in the
	// order of rec.Events and rec.Commands, never decreasing.
	evPlace, cmdPlace []time.Duration

	mu      sync.Mutex
	pos     time.Duration // the cursor, as of anchor
	anchor  time.Time     // the wall time pos was taken at (while playing)
	playing bool
	speed   float64
	epoch   uint64
	events  *cluster.EventLog
	evNext  int // index in rec.Events of the next event to add to events
	msgHi   int // rec.Messages[:msgHi] are at or before the cursor
	msgs    *msgLog
	found   time.Duration // the time of what the last Find found
	foundAt time.Duration // where that Find put the cursor (-1: none)
	wrapped bool          // that Find found nothing after the cursor and went on from the start
}

// settleWithin is how far after an event or a command a status frame may
// come and still be the one that shows it: the recorder writes one every
// 33 to 100ms.
const settleWithin = 500 * time.Millisecond

// settleAfter is how long after an event a status frame must be taken to
// show it: a node records an event while it steps and publishes its status
// at the end of that step (after an fsync, for a vote), so a frame taken in
// the same instant can still show the state before.
const settleAfter = time.Millisecond

// settle returns the place that shows what happened at at: the first
// status frame taken settleAfter or more after it (the status before it
// is the state before the event), else the first at or after it (the last
// frame, written at close, may follow the last event closely), or at
// itself when no frame follows soon.
func (p *Player) settle(at time.Duration) time.Duration {
	frames := p.rec.frames
	for _, from := range []time.Duration{at + settleAfter, at} {
		i := sort.Search(len(frames), func(i int) bool { return frames[i].at >= from })
		if i < len(frames) && frames[i].at-at <= settleWithin {
			return frames[i].at
		}
	}
	return at
}

// stepPlace is where a step stops for an event or a command recorded at
// at: the status frame that shows it (settle), unless a message the
// messages view shows was recorded between the two: then at itself, so
// that steps keep the order things happened in (a candidate's "became
// candidate" came after the vote requests it sent, and a command after
// the messages it caused); the replay line then says the status is older
// than the cursor.
func (p *Player) stepPlace(at time.Duration) time.Duration {
	s := p.settle(at)
	if s <= at {
		return s
	}
	msgs := p.rec.Messages
	i := sort.Search(len(msgs), func(i int) bool { return p.offset(msgs[i].Time) > at })
	for ; i < len(msgs) && p.offset(msgs[i].Time) < s; i++ {
		if (msgview.Filter{}).Shows(msgs[i]) {
			return at
		}
	}
	return s
}

// stepPlaces returns the step places (stepPlace) of n things recorded at
// at(0) <= at(1) <= ..., made never to decrease: a later thing whose place
// is its own time, before an earlier one's frame, brings the earlier one
// there too (a frame taken within settleAfter of the later thing is not
// its frame), so that steps, which search the places, reach both.
func (p *Player) stepPlaces(n int, at func(int) time.Duration) []time.Duration {
	places := make([]time.Duration, n)
	for i := n - 1; i >= 0; i-- {
		places[i] = p.stepPlace(at(i))
		if i+1 < n {
			places[i] = min(places[i], places[i+1])
		}
	}
	return places
}

// NewPlayer returns a player over rec, at its start.
func NewPlayer(rec *Recording, o PlayerOptions) *Player {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	p := &Player{rec: rec, clock: o.Clock, speed: 1, playing: !o.Paused, foundAt: -1}
	p.marks = marksOf(rec, p.settle)
	p.evPlace = p.stepPlaces(len(rec.Events), func(i int) time.Duration { return p.offset(rec.Events[i].Time) })
	p.cmdPlace = p.stepPlaces(len(rec.Commands), func(i int) time.Duration { return p.offset(rec.Commands[i].At) })
	p.anchor = p.clock()
	p.msgs = &msgLog{p: p}
	p.rebuild()
	return p
}

// Recording returns the recording the player plays.
func (p *Player) Recording() *Recording { return p.rec }

// cursorLocked moves the cursor with the clock while playing, and stops
// at the end.
func (p *Player) cursorLocked() time.Duration {
	if p.playing {
		now := p.clock()
		p.pos += time.Duration(float64(now.Sub(p.anchor)) * p.speed)
		p.anchor = now
		if p.pos >= p.rec.Length {
			p.pos, p.playing = p.rec.Length, false
		}
	}
	p.pos = min(max(p.pos, 0), p.rec.Length)
	return p.pos
}

// offset returns t's place on the timeline (times before the start, of
// events the cluster held when the recording began, are at 0).
func (p *Player) offset(t time.Time) time.Duration { return max(t.Sub(p.rec.Start), 0) }

// syncLocked brings the event log and the message view up to the cursor.
func (p *Player) syncLocked() time.Duration {
	cur := p.cursorLocked()
	end := p.rec.Start.Add(cur)
	evs := p.rec.Events
	hi := p.evNext + sort.Search(len(evs)-p.evNext, func(i int) bool { return evs[p.evNext+i].Time.After(end) })
	if hi > p.evNext {
		from := max(p.evNext, hi-EventLogSize)
		for _, e := range evs[from:hi] {
			p.events.Add(e)
		}
		p.evNext = hi
	}
	p.msgHi = countUpTo(p.rec.Messages, end)
	return cur
}

// countUpTo returns how many of msgs are at or before end.
func countUpTo(msgs []cluster.MsgRecord, end time.Time) int {
	return sort.Search(len(msgs), func(i int) bool { return msgs[i].Time.After(end) })
}

// rebuild starts a new epoch: a new event log holding the newest events
// up to the cursor.
func (p *Player) rebuild() {
	p.epoch++
	p.events = cluster.NewEventLog(EventLogSize, time.Now)
	p.evNext = 0
	cur := p.cursorLocked()
	end := p.rec.Start.Add(cur)
	evs := p.rec.Events
	p.evNext = max(0, sort.Search(len(evs), func(i int) bool { return evs[i].Time.After(end) })-EventLogSize)
	p.syncLocked()
}

// Status returns the recorded status at the cursor: the last frame at or
// before it.
func (p *Player) Status() cluster.Status {
	p.mu.Lock()
	cur := p.syncLocked()
	p.mu.Unlock()
	return p.rec.Status(max(p.rec.FrameAt(cur), 0))
}

// Events returns the log of the recorded events up to the cursor. It is a
// new log after the cursor moved back (Epoch).
func (p *Player) Events() *cluster.EventLog {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.syncLocked()
	return p.events
}

// Messages returns the recorded message records up to the cursor, as the
// cluster's ring would hold them.
func (p *Player) Messages() tui.MsgLog { return p.msgs }

// Now is the recorded time at the cursor.
func (p *Player) Now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rec.Start.Add(p.syncLocked())
}

// Epoch changes each time the cursor moves back.
func (p *Player) Epoch() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.epoch
}

// Playing reports whether the cursor moves.
func (p *Player) Playing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cursorLocked()
	return p.playing
}

// SetPlaying plays or pauses. Playing at the end starts again from the
// start.
func (p *Player) SetPlaying(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.syncLocked()
	if on && cur >= p.rec.Length {
		p.pos = 0
		p.rebuild()
	}
	p.playing, p.anchor = on, p.clock()
}

// Speed is how many recorded seconds pass per second of wall time.
func (p *Player) Speed() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.speed
}

// SetSpeed sets the speed, clamped to [tui.MinSpeed, tui.MaxSpeed].
func (p *Player) SetSpeed(x float64) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cursorLocked()
	if !(x >= tui.MinSpeed) { // NaN too
		x = tui.MinSpeed
	}
	p.speed = min(x, tui.MaxSpeed)
	return p.speed
}

// Position is the cursor, from the start of the recording.
func (p *Player) Position() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.syncLocked()
}

// Length is the recording's length.
func (p *Player) Length() time.Duration { return p.rec.Length }

// Seek moves the cursor to at, clamped to [0, Length], and pauses.
func (p *Player) Seek(at time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seekLocked(at)
}

func (p *Player) seekLocked(at time.Duration) {
	cur := p.cursorLocked()
	at = min(max(at, 0), p.rec.Length)
	p.playing, p.pos = false, at
	if at < cur {
		p.rebuild()
		return
	}
	p.syncLocked()
}

// Step moves the cursor to the next (forward) or previous recorded event,
// message or command and pauses; false when there is none. An event's or
// a command's place is the status frame that shows it (settle); a
// message's is its own time, so that steps go one message at a time.
func (p *Player) Step(forward bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.cursorLocked()
	at, ok := p.neighbour(cur, forward)
	if !ok {
		p.playing = false
		return false
	}
	p.seekLocked(at)
	return true
}

// Neighbours returns where Step would move the cursor back (prev) and
// forward (next), each negative when there is nothing that way.
func (p *Player) Neighbours() (prev, next time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.cursorLocked()
	prev, next = -1, -1
	if at, ok := p.neighbour(cur, false); ok {
		prev = at
	}
	if at, ok := p.neighbour(cur, true); ok {
		next = at
	}
	return prev, next
}

// neighbour returns the place of the first thing recorded after cur
// (forward) or the last before it. Of the messages, only what the messages
// view shows by default counts (msgview.Filter: where each ended, no
// heartbeats): a learner stepping onto heartbeats landed on them again and
// again, with nothing to see.
func (p *Player) neighbour(cur time.Duration, forward bool) (time.Duration, bool) {
	rec := p.rec
	var best time.Duration
	found := false
	consider := func(n int, at func(int) time.Duration, skip func(int) bool) {
		if forward {
			i := sort.Search(n, func(i int) bool { return at(i) > cur })
			for i < n && skip(i) {
				i++
			}
			if i < n && (!found || at(i) < best) {
				best, found = at(i), true
			}
			return
		}
		// the last before cur: below the first at or after cur
		j := sort.Search(n, func(i int) bool { return at(i) >= cur }) - 1
		for j >= 0 && skip(j) {
			j--
		}
		if j >= 0 && at(j) < cur && (!found || at(j) > best) {
			best, found = at(j), true
		}
	}
	never := func(int) bool { return false }
	consider(len(rec.Events), func(i int) time.Duration { return p.evPlace[i] }, never)
	consider(len(rec.Messages), func(i int) time.Duration { return p.offset(rec.Messages[i].Time) }, func(i int) bool {
		return !(msgview.Filter{}).Shows(rec.Messages[i])
	})
	consider(len(rec.Commands), func(i int) time.Duration { return p.cmdPlace[i] }, never)
	return best, found
}

// Find moves the cursor to the next recorded event, command or message
// after it whose text contains text (case-insensitive), wrapping to the
// start, and pauses; false when none matches. An event's or a command's
// place is the status frame that shows it (settle); Found says its own
// time. Things at one place are found in the order of their own times.
func (p *Player) Find(text string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.cursorLocked()
	// Continuing from the last find: what comes after it at this place.
	ownCur := time.Duration(math.MaxInt64)
	if cur == p.foundAt {
		ownCur = p.found
	}
	at, own, wrapped, ok := p.find(strings.ToLower(text), cur, ownCur)
	if !ok {
		p.playing = false
		return false
	}
	p.found, p.foundAt, p.wrapped = own, at, wrapped
	p.seekLocked(at)
	return true
}

// Found is the time of what the last successful Find found (the cursor
// may be a little after it, at the status that shows it).
func (p *Player) Found() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.found
}

// Wrapped reports whether the last successful Find found nothing after
// the cursor and went on from the start of the recording.
func (p *Player) Wrapped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wrapped
}

// find returns the place of the first thing after cur whose text holds
// text (already lower case), or else (wrapped) of the first anywhere: an
// event's text, a command line with its result, a message record's line;
// and that thing's own time. At cur, only what is after ownCur counts.
func (p *Player) find(text string, cur, ownCur time.Duration) (at, own time.Duration, wrapped, ok bool) {
	rec := p.rec
	type hit struct{ at, own time.Duration }
	var after, first hit
	foundAfter, foundFirst := false, false
	note := func(h hit) {
		if (h.at > cur || h.at == cur && h.own > ownCur) && (!foundAfter || h.at < after.at || h.at == after.at && h.own < after.own) {
			after, foundAfter = h, true
		}
		if !foundFirst || h.at < first.at || h.at == first.at && h.own < first.own {
			first, foundFirst = h, true
		}
	}
	for _, e := range rec.Events {
		if strings.Contains(strings.ToLower(e.Text), text) {
			off := p.offset(e.Time)
			note(hit{p.settle(off), off})
		}
	}
	for _, c := range rec.Commands {
		if strings.Contains(strings.ToLower(c.Text+"\n"+c.Out+"\n"+c.Err), text) {
			off := p.offset(c.At)
			note(hit{p.settle(off), off})
		}
	}
	for _, m := range rec.Messages {
		if strings.Contains(strings.ToLower(m.String()), text) {
			// Its place too is the status that shows what it did (a
			// discarded message gone from its node's held count).
			off := p.offset(m.Time)
			note(hit{p.settle(off), off})
		}
	}
	if foundAfter {
		return after.at, after.own, false, true
	}
	return first.at, first.own, true, foundFirst
}

// Marks are the timeline's marks: faults, leader changes, violations,
// commands.
func (p *Player) Marks() []tui.Mark { return p.marks }

// Here is what is recorded at the cursor's place: the commands and the
// events whose place (settle) it is, commands first, each in time order;
// with none, the messages recorded at the cursor (or else those whose
// status it is) that the messages view shows by default.
func (p *Player) Here() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.cursorLocked()
	// A thing's place is its time or up to settleWithin after it: only
	// those recorded in that window before the cursor can stand here.
	from := func(n int, at func(int) time.Duration) int {
		return sort.Search(n, func(i int) bool { return at(i) >= cur-settleWithin })
	}
	var cmds, evs []string
	cs, es := p.rec.Commands, p.rec.Events
	for i := from(len(cs), func(i int) time.Duration { return p.offset(cs[i].At) }); i < len(cs) && p.offset(cs[i].At) <= cur; i++ {
		if p.settle(p.offset(cs[i].At)) == cur || p.cmdPlace[i] == cur {
			cmds = append(cmds, "> "+cs[i].Text)
		}
	}
	for i := from(len(es), func(i int) time.Duration { return p.offset(es[i].Time) }); i < len(es) && p.offset(es[i].Time) <= cur; i++ {
		if p.settle(p.offset(es[i].Time)) == cur || p.evPlace[i] == cur {
			evs = append(evs, es[i].Text)
		}
	}
	if len(cmds)+len(evs) > 0 {
		return append(cmds, evs...)
	}
	var msgs []string
	ms := p.rec.Messages
	// Those recorded at the cursor (a step's place), else those whose
	// place is the status here (a find's).
	for _, settled := range []bool{false, true} {
		for i := from(len(ms), func(i int) time.Duration { return p.offset(ms[i].Time) }); i < len(ms) && p.offset(ms[i].Time) <= cur; i++ {
			m, at := ms[i], p.offset(ms[i].Time)
			if settled {
				at = p.settle(at)
			}
			if at == cur && (msgview.Filter{}).Shows(m) {
				msgs = append(msgs, fmt.Sprintf("%d->%d %s %s (m shows it)", m.From, m.To, m.Summary(), m.Event))
			}
		}
		if len(msgs) > 0 {
			break
		}
	}
	return msgs
}

// Stopped says where and why the recording ends early, nil when it does
// not.
func (p *Player) Stopped() error { return p.rec.Stopped }

// marksOf picks the timeline's marks out of a recording, in time order; a
// command's Place is where settle puts the cursor for it (Step stops there).
func marksOf(rec *Recording, settle func(time.Duration) time.Duration) []tui.Mark {
	var marks []tui.Mark
	off := func(t time.Time) time.Duration { return max(t.Sub(rec.Start), 0) }
	for _, e := range rec.Events {
		switch {
		case e.Kind == cluster.EventViolation:
			marks = append(marks, tui.Mark{At: off(e.Time), Kind: tui.MarkViolation, Text: e.Text})
		case strings.Contains(e.Text, "became leader"):
			marks = append(marks, tui.Mark{At: off(e.Time), Kind: tui.MarkLeader, Text: e.Text})
		case isFault(e):
			marks = append(marks, tui.Mark{At: off(e.Time), Kind: tui.MarkFault, Text: e.Text})
		}
	}
	for _, c := range rec.Commands {
		marks = append(marks, tui.Mark{At: off(c.At), Kind: tui.MarkCommand, Text: c.Text, Place: settle(off(c.At))})
	}
	sort.SliceStable(marks, func(i, j int) bool { return marks[i].At < marks[j].At })
	return marks
}

// isFault reports whether e sets or heals a fault.
func isFault(e cluster.Event) bool {
	switch e.Kind {
	case cluster.EventCrash, cluster.EventRestart, cluster.EventPause, cluster.EventResume, cluster.EventFault:
		return true
	}
	return false
}

// msgLog is the player's message records up to the cursor, as a ring of
// cluster.MsgTraceSize records: record i of the recording has sequence
// number i+1.
type msgLog struct{ p *Player }

// Since returns the records numbered seq or later that the ring would
// still hold, the number to ask for next, and how many after seq it no
// longer holds.
func (l *msgLog) Since(seq uint64) (recs []cluster.MsgRecord, next uint64, dropped uint64) {
	p := l.p
	p.mu.Lock()
	p.syncLocked()
	hi := uint64(p.msgHi)
	p.mu.Unlock()
	lo := uint64(0)
	if hi > cluster.MsgTraceSize {
		lo = hi - cluster.MsgTraceSize
	}
	seq = min(max(seq, 1), hi+1)
	if seq-1 < lo {
		dropped, seq = lo-(seq-1), lo+1
	}
	recs = append([]cluster.MsgRecord(nil), p.rec.Messages[seq-1:hi]...)
	return recs, hi + 1, dropped
}

// On reports that the log records (a recording has what it has).
func (l *msgLog) On() bool { return true }
