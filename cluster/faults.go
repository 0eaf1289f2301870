package cluster

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"raftplay/transport"
)

// Network faults are rules in the transport's shared fault table: they take
// effect at once on every link and are lifted by Heal. Crashes and pauses
// are different and live in cluster.go.

// Partition splits the cluster into groups; no message crosses a group
// boundary. Nodes named in no group form one more group of their own.
func (c *Cluster) Partition(groups [][]uint64) error {
	seen := map[uint64]bool{}
	var out [][]uint64
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		for _, id := range g {
			if id < 1 || id > uint64(len(c.slots)) {
				return fmt.Errorf("cluster: partition: no node %d", id)
			}
			if seen[id] {
				return fmt.Errorf("cluster: partition: node %d is in two groups", id)
			}
			seen[id] = true
		}
		out = append(out, append([]uint64(nil), g...))
	}
	var rest []uint64
	for _, id := range c.ids() { // a removed node is in no group
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		out = append(out, rest)
	}
	if len(out) < 2 { // one group splits nothing: the partition is lifted (the dashboard's g key gets here)
		c.faults.Partition(nil)
		c.events.Add(Event{Kind: EventFault, Text: "partition lifted: every node is in one group"})
		return nil
	}
	c.faults.Partition(out)
	c.events.Add(Event{Kind: EventFault, Text: "partitioned into " + formatGroups(out)})
	return nil
}

// Isolate cuts node id off from every other node.
func (c *Cluster) Isolate(id uint64) error {
	c.mu.Lock()
	_, err := c.member(id)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.faults.Isolate(id, c.ids())
	c.events.Add(Event{Node: id, Kind: EventFault, Text: fmt.Sprintf("%d isolated", id)})
	return nil
}

// Cut drops every message on the one-way link from -> to.
func (c *Cluster) Cut(from, to uint64) error {
	if err := c.checkLink(from, to); err != nil {
		return err
	}
	c.faults.Cut(from, to)
	c.events.Add(Event{Kind: EventFault, Nodes: linkNodes(from, to), Text: fmt.Sprintf("link %d -> %d cut", from, to)})
	return nil
}

// HealLink removes the cut, drop and delay rules of the one-way link from
// -> to (not partitions, nor the rules on every link).
func (c *Cluster) HealLink(from, to uint64) error {
	if from == 0 || to == 0 {
		return fmt.Errorf("cluster: heal %d %d: name both nodes of the link", from, to)
	}
	if err := c.checkLink(from, to); err != nil {
		return err
	}
	c.faults.ClearLink(from, to)
	c.events.Add(Event{Kind: EventFault, Nodes: linkNodes(from, to), Text: fmt.Sprintf("link %d -> %d healed", from, to)})
	return nil
}

// Heal removes every partition, cut, drop and delay.
func (c *Cluster) Heal() {
	c.faults.Heal()
	c.events.Add(Event{Kind: EventFault, Text: "healed: every link restored"})
}

// Drop drops pct percent of messages on every link (from = to = 0) or on from -> to.
func (c *Cluster) Drop(pct float64, from, to uint64) error {
	if pct < 0 || pct > 100 {
		return fmt.Errorf("cluster: drop %v%%: want 0 to 100", pct)
	}
	if err := c.checkLink(from, to); err != nil {
		return err
	}
	c.faults.SetDrop(from, to, pct)
	c.events.Add(Event{Kind: EventFault, Nodes: linkNodes(from, to), Text: fmt.Sprintf("dropping %g%% of messages on %s", pct, linkName(from, to))})
	return nil
}

// Delay adds latency d (plus up to jitter) on every link (from = to = 0) or on from -> to.
func (c *Cluster) Delay(d, jitter time.Duration, from, to uint64) error {
	if d < 0 || jitter < 0 {
		return fmt.Errorf("cluster: delay %v jitter %v: must not be negative", d, jitter)
	}
	if err := c.checkLink(from, to); err != nil {
		return err
	}
	c.faults.SetDelay(from, to, d, jitter)
	text := fmt.Sprintf("delaying messages on %s by %v", linkName(from, to), d)
	if jitter > 0 {
		text += fmt.Sprintf(" (jitter %v)", jitter)
	}
	c.events.Add(Event{Kind: EventFault, Nodes: linkNodes(from, to), Text: text})
	return nil
}

// linkNodes are the nodes a fault on the link from -> to concerns: its two
// ends, or every node (nil) when the rule is on every link.
func linkNodes(from, to uint64) []uint64 {
	if from == 0 || to == 0 {
		return nil
	}
	return []uint64{from, to}
}

func (c *Cluster) checkLink(from, to uint64) error {
	if from == 0 && to == 0 {
		return nil
	}
	n := uint64(len(c.slots))
	if from < 1 || from > n || to < 1 || to > n {
		return fmt.Errorf("cluster: link %d -> %d: nodes are 1 to %d", from, to, n)
	}
	if from == to {
		return fmt.Errorf("cluster: link %d -> %d: a node has no link to itself", from, to)
	}
	return nil
}

// ids returns the ids of the nodes not removed: a removed node is in no
// partition group.
func (c *Cluster) ids() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []uint64
	for _, s := range c.slots {
		if s.state != StateRemoved {
			ids = append(ids, s.id)
		}
	}
	return ids
}

// leavePartition takes removed node id out of the partition in force; a
// partition left with one group is lifted.
func (c *Cluster) leavePartition(id uint64) {
	groups := c.faults.Table().Groups
	var out [][]uint64
	in := false
	for _, g := range groups {
		in = in || slices.Contains(g, id)
		if g = slices.DeleteFunc(g, func(n uint64) bool { return n == id }); len(g) > 0 {
			out = append(out, g)
		}
	}
	switch {
	case !in:
	case len(out) < 2:
		c.faults.Partition(nil)
		c.events.Add(Event{Kind: EventFault, Text: fmt.Sprintf("partition lifted: the removed node %d was alone on its side", id)})
	default:
		c.faults.Partition(out)
	}
}

func linkName(from, to uint64) string {
	if from == 0 && to == 0 {
		return "every link"
	}
	return fmt.Sprintf("%d -> %d", from, to)
}

func formatGroups(groups [][]uint64) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		ids := make([]string, len(g))
		for j, id := range g {
			ids[j] = fmt.Sprint(id)
		}
		parts[i] = strings.Join(ids, ",")
	}
	return strings.Join(parts, " | ")
}

// SetTiming changes heartbeat and election timeouts on every running node.
// Nodes started later use it too.
func (c *Cluster) SetTiming(t Timing) error {
	if err := t.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timing = t
	for _, s := range c.slots {
		if s.node != nil {
			if err := s.node.setTiming(t); err != nil && err != ErrNodeDown {
				return err
			}
		}
	}
	c.events.Add(Event{Kind: EventSetting, Text: "timing set: " + t.String()})
	return nil
}

// Timing returns the current timing.
func (c *Cluster) Timing() Timing {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timing
}

// SetPreVote turns the PreVote extension on or off on every node.
func (c *Cluster) SetPreVote(on bool) error {
	return c.setExtension("prevote", on, func(n *node) { n.core.SetPreVote(on) }, &c.preVote)
}

// SetCheckQuorum turns the CheckQuorum extension on or off on every node.
func (c *Cluster) SetCheckQuorum(on bool) error {
	return c.setExtension("checkquorum", on, func(n *node) { n.core.SetCheckQuorum(on) }, &c.checkQuorum)
}

func (c *Cluster) setExtension(name string, on bool, apply func(*node), field *bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	*field = on
	for _, s := range c.slots {
		if n := s.node; n != nil {
			if err := n.do(func() { apply(n) }); err != nil && err != ErrNodeDown {
				return err
			}
		}
	}
	state := "off"
	if on {
		state = "on"
	}
	c.events.Add(Event{Kind: EventSetting, Text: name + " " + state})
	return nil
}

// Delivers reports whether messages from node from reach node to under the
// fault table t (no partition between them, no cut of that link, no 100%
// drop on it).
func Delivers(t transport.FaultTable, from, to uint64) bool {
	if from == to {
		return true
	}
	r, partitioned := t.On(from, to)
	return !partitioned && !r.Cut && r.DropPct < 100
}

// Reachable reports whether messages can flow both ways between nodes a and b
// under the fault table t (no partition between them, no cut, no 100% drop).
func Reachable(t transport.FaultTable, a, b uint64) bool {
	if a == b {
		return true
	}
	return Delivers(t, a, b) && Delivers(t, b, a)
}

// Snapshot makes node id snapshot its key-value store now and compact the
// log the snapshot covers, in memory and on disk.
func (c *Cluster) Snapshot(id uint64) error {
	_, err := c.SnapshotNow(id)
	return err
}

// SnapshotNow is Snapshot, and says what it took: the snapshot's index
// and term (those of the last entry the node applied, which may trail its
// commit index), or why it took none.
func (c *Cluster) SnapshotNow(id uint64) (SnapshotTaken, error) {
	c.mu.Lock()
	s, err := c.running(id)
	if err != nil {
		c.mu.Unlock()
		return SnapshotTaken{}, err
	}
	n := s.node
	if n.paused.Load() {
		// A paused node does nothing (no ticks, no processing), as a
		// stopped process would not: it took a snapshot, and one of a
		// node thawed from step mode could find its log ahead of its
		// store (a snapshot from the leader stepped, not yet applied).
		c.mu.Unlock()
		return SnapshotTaken{}, fmt.Errorf("cluster: node %d is paused: it takes no snapshot (resume %d first)", id, id)
	}
	// Not under the cluster's lock: on a slow disk the snapshot's fsyncs
	// take as long as they take, and every other command waited (a node
	// crashed meanwhile makes do return ErrNodeDown).
	c.mu.Unlock()
	var t SnapshotTaken
	if e := n.do(func() { t, err = n.snapshotNow() }); e != nil {
		return SnapshotTaken{}, e
	}
	if err != nil {
		return SnapshotTaken{}, fmt.Errorf("cluster: node %d: %w", id, err)
	}
	return t, nil
}

// SetSnapshotEvery sets how many applied entries each node lets pass
// between automatic snapshots (0: never), on every node, live.
func (c *Cluster) SetSnapshotEvery(every uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snapEvery = every
	for _, s := range c.slots {
		if n := s.node; n != nil {
			if err := n.do(func() { n.snapEvery = every }); err != nil && err != ErrNodeDown {
				return err
			}
		}
	}
	c.events.Add(Event{Kind: EventSetting, Text: fmt.Sprintf("snapshot every %d entries", every)})
	return nil
}
