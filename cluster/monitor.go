package cluster

import (
	"fmt"
	"sync"
	"time"
)

// Violation is a broken safety invariant, with the events that led to it.
type Violation struct {
	Time   time.Time `json:"time"`
	Rule   string    `json:"rule"` // "election safety", "state machine safety", "commit regression"
	Text   string    `json:"text"`
	Recent []Event   `json:"recent,omitempty"`
}

// applyWindow is how many of the most recent log indexes the monitor
// remembers, so that its memory stays bounded on long runs.
const applyWindow = 1 << 16

type appliedRec struct {
	index, term, hash uint64
	node              uint64
}

// Monitor checks Raft's safety properties across every node while the
// cluster runs. Nodes report to it from their loops; it is safe for
// concurrent use. The properties:
//
//   - Election Safety: at most one leader per term.
//   - State Machine Safety (and with it Log Matching on committed prefixes and
//     durability of acknowledged writes): no two nodes, nor one node before and
//     after a restart, apply different entries (term, data) at one index.
//   - A node's commit index never goes backwards while it runs.
type Monitor struct {
	mu         sync.Mutex
	leaders    map[uint64]uint64 // term -> leader
	applied    []appliedRec      // ring indexed by index % applyWindow
	commits    map[[2]uint64]uint64
	violations []Violation // the first keptViolations
	violated   int         // how many in all
	events     *EventLog
	maxApplied uint64 // the highest index any node has applied since the cluster started
}

// NewMonitor returns a monitor that records violations as events in events.
func NewMonitor(events *EventLog) *Monitor {
	return &Monitor{
		leaders: map[uint64]uint64{},
		applied: make([]appliedRec, applyWindow),
		commits: map[[2]uint64]uint64{},
		events:  events,
	}
}

// Leader records that node became leader in term.
func (m *Monitor) Leader(node, term uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.leaders[term]; ok && prev != node {
		m.violate("election safety", fmt.Sprintf("two leaders in term %d: %d and %d", term, prev, node))
		return
	}
	m.leaders[term] = node
}

// Apply records that node applied the entry (index, term) whose data hashes to hash.
func (m *Monitor) Apply(node, index, term, hash uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maxApplied = max(m.maxApplied, index)
	r := &m.applied[index%applyWindow]
	if r.index == index {
		if r.term != term || r.hash != hash {
			other := fmt.Sprintf("node %d applied", r.node)
			if r.node == node { // a node applies an index once a run: this was before a restart
				other = fmt.Sprintf("before a restart node %d had applied", node)
			}
			m.violate("state machine safety", fmt.Sprintf(
				"node %d applied index %d term %d (data %016x) but %s term %d (data %016x) there",
				node, index, term, hash, other, r.term, r.hash))
		}
		return
	}
	if r.index < index {
		*r = appliedRec{index: index, term: term, hash: hash, node: node}
	}
}

// Commit records node's commit index in one incarnation (a restart starts a new one).
func (m *Monitor) Commit(node uint64, incarnation int, commit uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]uint64{node, uint64(incarnation)}
	if prev := m.commits[k]; commit < prev {
		m.violate("commit regression", fmt.Sprintf("node %d commit index went back from %d to %d", node, prev, commit))
		return
	}
	m.commits[k] = commit
}

// MaxApplied returns the highest index any node has applied since the
// cluster started: committed for good, whatever the nodes' commit indexes
// say now (they are not persisted, and restart lower).
func (m *Monitor) MaxApplied() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxApplied
}

// The monitor keeps the first keptViolations violations, the first
// recentViolations of them with the events before them; it counts the
// rest. A run with fsync off breaks the rules on every index: a chaos run
// counted 38,000 violations, each with 50 events, and wrote a report of
// 540 MB.
const (
	keptViolations   = 100
	recentViolations = 10
)

// Violations returns the violations kept (the first keptViolations);
// ViolationCount says how many there were.
func (m *Monitor) Violations() []Violation {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Violation(nil), m.violations...)
}

// ViolationCount returns how many violations the monitor has seen.
func (m *Monitor) ViolationCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.violated
}

// violate records a violation; m.mu is held.
func (m *Monitor) violate(rule, text string) {
	m.violated++
	if len(m.violations) < keptViolations {
		v := Violation{Time: time.Now(), Rule: rule, Text: text}
		if m.events != nil && len(m.violations) < recentViolations {
			v.Recent = m.events.Last(50)
		}
		m.violations = append(m.violations, v)
	}
	if m.events != nil {
		m.events.Add(Event{Kind: EventViolation, Text: "SAFETY VIOLATION (" + rule + "): " + text})
	}
}
