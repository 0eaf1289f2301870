package transport

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Rule is the fault rule on one directed link (or, for link 0->0, on every link).
type Rule struct {
	Cut     bool          // nothing crosses the link
	DropPct float64       // percentage (0..100) of messages dropped at random
	Delay   time.Duration // added to every message
	Jitter  time.Duration // extra random delay in [0, Jitter); only jitter may reorder
}

// IsZero reports whether r has no effect.
func (r Rule) IsZero() bool { return r == Rule{} }

// LinkRule is a Rule on the directed link From -> To. From = To = 0 means
// the rule applies to every link.
type LinkRule struct {
	From, To uint64
	Rule
}

// FaultTable is a copy of the fault state for display: the link rules sorted
// by (From, To), and the partition groups (empty when not partitioned). While
// partitioned, nodes listed in no group form one more group of their own.
type FaultTable struct {
	Links  []LinkRule
	Groups [][]uint64
}

// On returns what the table does to messages on from -> to, combined as
// Send applies it: the link's own rule and the rule on every link (cut if
// either cuts, the higher drop, the link's own delay and jitter or else
// those on every link), and whether a partition separates the two nodes
// (nodes no group names form one more group).
func (t FaultTable) On(from, to uint64) (r Rule, partitioned bool) {
	var own, all Rule
	for _, l := range t.Links {
		switch {
		case l.From == from && l.To == to:
			own = l.Rule
		case l.From == 0 && l.To == 0:
			all = l.Rule
		}
	}
	r.Cut = own.Cut || all.Cut
	r.DropPct = max(own.DropPct, all.DropPct)
	r.Delay, r.Jitter = own.Delay, own.Jitter
	if r.Delay == 0 && r.Jitter == 0 {
		r.Delay, r.Jitter = all.Delay, all.Jitter
	}
	return r, len(t.Groups) > 0 && groupIn(t.Groups, from) != groupIn(t.Groups, to)
}

func groupIn(groups [][]uint64, id uint64) int {
	for i, g := range groups {
		if slices.Contains(g, id) {
			return i + 1
		}
	}
	return 0
}

type link struct{ from, to uint64 }

// Faults is the fault table shared by every transport of one cluster. It is
// safe for concurrent use and every change takes effect at once. Send
// consults it for cut, drop and delay; receive consults it again for cut, so
// messages in flight when a partition starts do not cross it. A nil *Faults
// has no faults.
type Faults struct {
	active atomic.Bool // any rule or partition exists; lets the hot path skip the lock

	mu      sync.Mutex
	rng     *rand.Rand
	rules   map[link]Rule
	groups  [][]uint64
	groupOf map[uint64]int // node -> 1 + index in groups; 0 = the unlisted rest
	changed chan struct{}  // closed (and forgotten) at the next change; nil if nobody waits
}

// NewFaults returns an empty fault table whose random drops and jitter come
// from a source seeded with seed.
func NewFaults(seed uint64) *Faults {
	return &Faults{
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		rules: make(map[link]Rule),
	}
}

// Partition splits the cluster into groups: every link between nodes of
// different groups is cut both ways. Nodes in no group form one more group.
// It replaces any earlier partition; an empty groups removes it.
func (f *Faults) Partition(groups [][]uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = nil
	for _, g := range groups {
		if len(g) > 0 {
			f.groups = append(f.groups, slices.Clone(g))
		}
	}
	f.reindexLocked()
}

// Isolate cuts id off from every other node of all, both ways, keeping any
// partition among the others.
func (f *Faults) Isolate(id uint64, all []uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = isolated(f.groups, id, all)
	f.reindexLocked()
}

// isolated returns the partition groups with id cut off from every other
// node of all, keeping any partition among the others.
func isolated(groups [][]uint64, id uint64, all []uint64) [][]uint64 {
	if len(groups) == 0 {
		var rest []uint64
		for _, n := range all {
			if n != id {
				rest = append(rest, n)
			}
		}
		return [][]uint64{{id}, rest}
	}
	var out [][]uint64
	for _, g := range groups {
		g = slices.DeleteFunc(slices.Clone(g), func(n uint64) bool { return n == id })
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return append(out, []uint64{id})
}

// WithIsolated returns t as Faults.Isolate(id, all) would leave it.
func (t FaultTable) WithIsolated(id uint64, all []uint64) FaultTable {
	return FaultTable{Links: t.Links, Groups: isolated(t.Groups, id, all)}
}

// Cut cuts the one-way link from -> to.
func (f *Faults) Cut(from, to uint64) {
	f.update(from, to, func(r *Rule) { r.Cut = true })
}

// Uncut removes a one-way cut made by Cut.
func (f *Faults) Uncut(from, to uint64) {
	f.update(from, to, func(r *Rule) { r.Cut = false })
}

// SetDrop drops pct percent (0..100) of the messages on from -> to; from =
// to = 0 means every link. pct <= 0 removes the rule.
func (f *Faults) SetDrop(from, to uint64, pct float64) {
	pct = max(0, min(100, pct))
	f.update(from, to, func(r *Rule) { r.DropPct = pct })
}

// SetDelay delays every message on from -> to by d plus a random part in
// [0, jitter); from = to = 0 means every link. Without jitter, messages on a
// link keep their order. d = jitter = 0 removes the rule.
func (f *Faults) SetDelay(from, to uint64, d, jitter time.Duration) {
	d, jitter = max(0, d), max(0, jitter)
	f.update(from, to, func(r *Rule) { r.Delay, r.Jitter = d, jitter })
}

// ClearLink removes every rule of the one-way link from -> to.
func (f *Faults) ClearLink(from, to uint64) {
	f.update(from, to, func(r *Rule) { *r = Rule{} })
}

// Heal removes every partition, cut, drop and delay.
func (f *Faults) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.rules)
	f.groups = nil
	f.reindexLocked()
}

// Table returns a copy of the current fault state.
func (f *Faults) Table() FaultTable {
	var t FaultTable
	if f == nil {
		return t
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for l, r := range f.rules {
		t.Links = append(t.Links, LinkRule{From: l.from, To: l.to, Rule: r})
	}
	slices.SortFunc(t.Links, func(a, b LinkRule) int {
		if a.From != b.From {
			return cmpU64(a.From, b.From)
		}
		return cmpU64(a.To, b.To)
	})
	for _, g := range f.groups {
		t.Groups = append(t.Groups, slices.Clone(g))
	}
	return t
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (f *Faults) update(from, to uint64, fn func(*Rule)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := link{from, to}
	r := f.rules[l]
	fn(&r)
	if r.IsZero() {
		delete(f.rules, l)
	} else {
		f.rules[l] = r
	}
	f.changedLocked()
}

// changedLocked records a change: it updates the fast-path flag and wakes
// whoever waits for a change (writers holding delayed messages).
func (f *Faults) changedLocked() {
	f.active.Store(len(f.rules) > 0 || len(f.groups) > 0)
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// nextChange returns a channel closed at the next change of the table (nil,
// which blocks forever, for a nil table).
func (f *Faults) nextChange() <-chan struct{} {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// maxDelay returns the longest delay the current rules give from -> to. A
// message delayed under an older rule need not wait longer than this.
func (f *Faults) maxDelay(from, to uint64) time.Duration {
	if f == nil || !f.active.Load() {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rules[link{from, to}]
	if r.Delay == 0 && r.Jitter == 0 {
		r = f.rules[link{}]
	}
	return r.Delay + r.Jitter
}

func (f *Faults) reindexLocked() {
	f.groupOf = make(map[uint64]int)
	for i, g := range f.groups {
		for _, n := range g {
			f.groupOf[n] = i + 1
		}
	}
	f.changedLocked()
}

// cutLocked reports whether from -> to is cut by a partition or a cut rule.
func (f *Faults) cutLocked(from, to uint64) bool {
	if len(f.groups) > 0 && f.groupOf[from] != f.groupOf[to] {
		return true
	}
	return f.rules[link{from, to}].Cut || f.rules[link{}].Cut
}

// onSend decides the fate of one message sent on from -> to: dropped, or
// delivered after delay (0 = at once).
func (f *Faults) onSend(from, to uint64) (drop bool, delay time.Duration) {
	fate, delay := f.sendFate(from, to)
	return fate != 0, delay
}

// sendFate is onSend saying why a message is dropped: FateCut or
// FateDropped (0: not dropped).
func (f *Faults) sendFate(from, to uint64) (drop Fate, delay time.Duration) {
	if f == nil || !f.active.Load() {
		return 0, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cutLocked(from, to) {
		return FateCut, 0
	}
	r, all := f.rules[link{from, to}], f.rules[link{}]
	if pct := max(r.DropPct, all.DropPct); pct >= 100 || (pct > 0 && f.rng.Float64()*100 < pct) {
		return FateDropped, 0
	}
	if r.Delay == 0 && r.Jitter == 0 {
		r = all
	}
	delay = r.Delay
	if r.Jitter > 0 {
		delay += time.Duration(f.rng.Int64N(int64(r.Jitter)))
	}
	return 0, delay
}

// onRecv reports whether a message arriving on from -> to must be dropped
// because the link is cut now.
func (f *Faults) onRecv(from, to uint64) bool {
	if f == nil || !f.active.Load() {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cutLocked(from, to)
}
