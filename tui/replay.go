package tui

import "time"

// Player is a recording being replayed (raftplay replay FILE): a Source
// whose status and events are the recorded ones up to a cursor, which
// moves forward with wall time times Speed while Playing. The dashboard
// draws it with the same code as a live cluster: the frame's Status() is
// the recorded status at the cursor, Events() holds the recorded events up
// to the cursor, Messages() the recorded message records up to the cursor,
// and Now() is the frame's clock (the recorded time at the cursor).
//
// When the cursor moves backwards (Seek, Step back), Epoch changes: the
// dashboard then drops its copies of events and messages and reads them
// again from the new Events() and Messages().
type Player interface {
	Source
	Messages() MsgLog
	Now() time.Time
	Epoch() uint64

	Playing() bool
	SetPlaying(on bool)
	Speed() float64
	// SetSpeed sets the speed, clamped to [MinSpeed, MaxSpeed], and
	// returns the speed set.
	SetSpeed(x float64) float64

	// Position is the cursor, from the start of the recording; Length is
	// the recording's length.
	Position() time.Duration
	Length() time.Duration
	// Seek moves the cursor to at, clamped to [0, Length]; it pauses.
	Seek(at time.Duration)
	// Step moves the cursor to the next (forward) or previous recorded
	// event, message or command and pauses; false when there is none.
	Step(forward bool) bool
	// Neighbours returns where Step would move the cursor back (prev) and
	// forward (next), each negative when there is nothing that way. The
	// replay line shows a paused cursor precisely enough to tell it from
	// them: steps within one millisecond read apart.
	Neighbours() (prev, next time.Duration)
	// Find moves the cursor to the next recorded event, command or message
	// after it whose text contains text (case-insensitive), wrapping to
	// the start, and pauses; false when none matches.
	Find(text string) bool
	// Here is what is recorded at the cursor's place, in the order it
	// happened: commands ("> crash 1"), then events' texts; with neither,
	// the messages recorded at the cursor ("1->2 vote t2 ... (m shows
	// it)"). Empty when there is nothing there.
	Here() []string
	// Marks are the timeline's marks: faults, leader changes, violations.
	Marks() []Mark
	// Stopped, when not nil, says where and why the recording ends early
	// (it was truncated or damaged there); the replay shows what came
	// before.
	Stopped() error
}

// Replay speeds: the slowest and the fastest a Player plays.
const (
	MinSpeed = 0.1
	MaxSpeed = 10
)

// MarkKind is what a timeline mark marks.
type MarkKind int

// Mark kinds.
const (
	MarkFault     MarkKind = iota // a fault was set or healed (crash, partition, powerfail, ...)
	MarkLeader                    // a new leader
	MarkViolation                 // the invariant monitor saw a safety violation
	MarkCommand                   // a command was run
)

// Mark is one mark on the replay's timeline.
type Mark struct {
	At   time.Duration
	Kind MarkKind
	Text string
	// Place is where Step and Find put the cursor for what the mark
	// records (the status frame that shows it), when not At; 0: At.
	Place time.Duration
}

// place is where the cursor stands for m (Place, or At).
func (m Mark) place() time.Duration {
	if m.Place != 0 {
		return m.Place
	}
	return m.At
}
