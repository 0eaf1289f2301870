package cluster

import (
	"fmt"
	"time"
)

// EventKind classifies an Event.
type EventKind string

// Event kinds. Raft core events keep the core's own kind name prefixed with
// "raft." (for example "raft.vote"); the runtime adds its own.
const (
	EventRole      EventKind = "role"      // a node changed role or leader
	EventCrash     EventKind = "crash"     // a node was crashed
	EventRestart   EventKind = "restart"   // a node was restarted from its files
	EventPause     EventKind = "pause"     // a node was paused
	EventResume    EventKind = "resume"    // a node was resumed
	EventFault     EventKind = "fault"     // a partition, cut, drop, delay or heal
	EventSetting   EventKind = "setting"   // timing or an extension changed
	EventViolation EventKind = "violation" // the invariant monitor saw a safety violation
	EventError     EventKind = "error"     // a node failed (for example a corrupt WAL)
	EventCommand   EventKind = "command"   // a command line was run (traces)
	EventMember    EventKind = "member"    // a node joined, caught up, was promoted or removed; leadership was transferred
)

// Event is one thing that happened in the cluster, in uniform text.
type Event struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Node uint64    `json:"node,omitempty"` // 0 when the event concerns the whole cluster
	// Nodes, for an event of the whole cluster (Node 0), are the nodes it
	// concerns when not all: the two ends of a link's fault.
	Nodes []uint64  `json:"nodes,omitempty"`
	Term  uint64    `json:"term,omitempty"`
	Kind  EventKind `json:"kind"`
	Text  string    `json:"text"`
}

// String formats e as "15:04:05.000 text".
func (e Event) String() string {
	return fmt.Sprintf("%s %s", e.Time.Format("15:04:05.000"), e.Text)
}

// EventLog is a bounded, in-memory record of events. Writers never block:
// when it is full the oldest events are overwritten. Readers poll with Since
// and learn how many events they missed.
type EventLog struct {
	r     *ring[Event]
	clock func() time.Time
}

// NewEventLog returns a log that keeps the last size events.
func NewEventLog(size int, clock func() time.Time) *EventLog {
	return &EventLog{r: newRing[Event](size), clock: clock}
}

// Add records an event and returns it with its sequence number and time set.
func (l *EventLog) Add(e Event) Event {
	return l.r.put(func(seq uint64) Event {
		e.Seq = seq
		if e.Time.IsZero() {
			e.Time = l.clock()
		}
		return e
	})
}

// Since returns the events with sequence numbers >= seq that are still held,
// the sequence number to ask for next, and how many events after seq were
// overwritten before they could be read.
func (l *EventLog) Since(seq uint64) (events []Event, next uint64, dropped uint64) {
	return l.r.since(seq)
}

// Last returns up to n of the most recent events, oldest first.
func (l *EventLog) Last(n int) []Event { return l.r.last(n) }

// Wait returns a channel that is closed when the next event is added.
func (l *EventLog) Wait() <-chan struct{} { return l.r.wait() }
