package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"raftplay/raft"
)

// Step mode. A frozen cluster's clocks stop (no election or heartbeat
// timeout fires) and every message that arrives at a node is held in that
// node's inbound queue instead of being stepped; client requests still
// enter the leader's log, and everything still crosses real TCP and real
// fsyncs: freezing holds messages after they arrive. The user (or a script)
// then delivers or discards held messages one at a time, fires timeouts and
// heartbeats, and thaws.

// maxHeld bounds a node's inbound queue while frozen; more arrivals are
// lost (LostHoldFull).
const maxHeld = 4096

// holdWait is how long delivering a held message waits for a matching one
// to arrive (a message sent just before is still on its way).
const holdWait = time.Second

// heldMsg is a message a frozen node holds.
type heldMsg struct {
	seq uint64 // cluster-wide arrival order
	at  time.Time
	m   raft.Message
}

// HeldInfo describes a held message in a node's status.
type HeldInfo struct {
	Seq     uint64    `json:"seq"` // cluster-wide arrival order: `step` delivers the lowest
	At      time.Time `json:"at"`
	From    uint64    `json:"from"`
	Kind    string    `json:"kind"`
	Term    uint64    `json:"term"`
	Summary string    `json:"summary"`
}

// hold keeps m in the node's inbound queue.
func (n *node) hold(m raft.Message) {
	if len(n.held) >= maxHeld {
		r := recordOf(MsgLost, &m)
		r.Lost = LostHoldFull
		n.cfg.trace.add(r)
		return
	}
	n.held = append(n.held, heldMsg{seq: n.cfg.heldSeq.Add(1), at: time.Now(), m: m})
	n.cfg.trace.add(recordOf(MsgHeld, &m))
	n.heldDirty = true
}

// heldInfos describes the held queue for the status.
func (n *node) heldInfos() []HeldInfo {
	if len(n.held) == 0 {
		return nil
	}
	out := make([]HeldInfo, len(n.held))
	for i, h := range n.held {
		out[i] = h.info()
	}
	return out
}

// info describes h for a status (held, or discarded).
func (h *heldMsg) info() HeldInfo {
	r := recordOf(MsgHeld, &h.m)
	return HeldInfo{Seq: h.seq, At: h.at, From: h.m.From, Kind: r.Kind(), Term: h.m.Term, Summary: r.Summary()}
}

// maxDiscarded is how many of the messages discard dropped a node keeps
// telling of (NodeStatus.Discarded).
const maxDiscarded = 16

// noteDiscarded keeps h, just discarded, among the newest discarded, for
// explain: a candidate's explanation said of a vote request discard had
// dropped "one is on its way, or was discarded or lost" (a teacher's
// report), when the node knew.
func (n *node) noteDiscarded(h heldMsg) {
	if len(n.discarded) == maxDiscarded {
		n.discarded = append(n.discarded[:0], n.discarded[1:]...)
	}
	n.discarded = append(n.discarded, h.info())
	n.heldDirty = true
}

// setFrozen freezes or thaws the node's loop. Thawing delivers what it
// held, in order, and restarts its clock from now.
func (n *node) setFrozen(f bool) {
	if n.frozen == f {
		return
	}
	n.frozen = f
	if !f {
		n.discarded = nil // told of while frozen only
		held := n.held
		n.held = nil
		for _, h := range held {
			n.deliver(h.m)
		}
		n.resetClock()
	}
	n.heldDirty = true
	n.publish(time.Now())
}

// capture runs f on the loop and returns the Raft events f caused, the
// commits included: the effect of one step. The Ready f left is carried out
// before the capture ends: what the core tells only once its Ready is
// durable (a leader's snapshot installed) is part of the step.
func (n *node) capture(f func() error) ([]string, error) {
	var effects []string
	var err error
	ended := make(chan struct{})
	if e := n.do(func() {
		n.capturing, n.captured, n.commitAt = true, nil, -1
		err = f()
		n.endCapture = func(running bool) {
			effects, n.capturing, n.captured = n.captured, false, nil
			if running {
				// What it did shows in the next Status at once. (A loop
				// that stopped has stored its status as down: kept.)
				n.publish(time.Now())
			}
			close(ended)
		}
	}); e != nil {
		return nil, e
	}
	select {
	case <-ended:
	case <-n.done:
		select {
		case <-ended: // its Ready failed: the step still says what it did
		default:
			return nil, ErrNodeDown
		}
	}
	return effects, err
}

// captureEnded ends the capture of a step (see capture), if one is on: the
// loop calls it once it has carried out the step's Ready (running), or as
// it stops.
func (n *node) captureEnded(running bool) {
	if end := n.endCapture; end != nil {
		n.endCapture = nil
		end(running)
	}
}

// dropFrom drops the messages the node holds from id (after what waits in
// its inbox is taken in: a frozen node holds it), because id now names a
// new node (Add of a removed id): a late answer of the old node, delivered
// by a step, would pass for the new one's (see transport.ReplacePeer,
// which stops the rest). Run on the loop.
func (n *node) dropFrom(id uint64) {
	for taking := n.frozen; taking; { // a node not frozen holds nothing
		select {
		case m := <-n.inbox:
			n.step(m)
		default:
			taking = false
		}
	}
	kept := n.held[:0]
	for _, h := range n.held {
		if h.m.From != id {
			kept = append(kept, h)
			continue
		}
		r := recordOf(MsgLost, &h.m)
		r.Lost = LostReplaced
		n.cfg.trace.add(r)
		n.heldDirty = true
	}
	clear(n.held[len(kept):])
	n.held = kept
}

// loseHeld records the messages the node holds as lost (its node down):
// the loop ends, and they go with it. Otherwise the message trace kept
// them held for good. Run by the loop, as it ends.
func (n *node) loseHeld() {
	for _, h := range n.held {
		r := recordOf(MsgLost, &h.m)
		r.Lost = LostNodeDown
		n.cfg.trace.add(r)
	}
	n.held = nil
}

// takeHeld removes and returns the oldest held message that matches (from
// 0: any sender; typ 0: any type).
func (n *node) takeHeld(from uint64, typ raft.MessageType) (heldMsg, bool) {
	for i, h := range n.held {
		if (from == 0 || h.m.From == from) && (typ == 0 || h.m.Type == typ) {
			n.held = append(n.held[:i], n.held[i+1:]...)
			n.heldDirty = true
			return h, true
		}
	}
	return heldMsg{}, false
}

// Frozen reports whether the cluster is frozen.
func (c *Cluster) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}

// Freeze stops every node's clock and holds every message that arrives.
func (c *Cluster) Freeze() error { return c.setFrozen(true) }

// Thaw restarts the clocks and delivers every held message, in order.
func (c *Cluster) Thaw() error { return c.setFrozen(false) }

func (c *Cluster) setFrozen(f bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("cluster: closed")
	}
	if c.frozen == f {
		if f {
			return errors.New("cluster: already frozen")
		}
		return errors.New("cluster: not frozen (freeze first)")
	}
	c.frozen = f
	if !f {
		// Before the nodes thaw: the feed tells what the held messages
		// did after it.
		c.events.Add(Event{Kind: EventSetting, Text: "thawed: clocks run, held messages delivered"})
	}
	for _, s := range c.slots {
		if n := s.node; n != nil {
			if err := n.do(func() { n.setFrozen(f) }); err != nil && !errors.Is(err, ErrNodeDown) {
				return err
			}
		}
	}
	if f {
		c.events.Add(Event{Kind: EventSetting, Text: "frozen: clocks stopped, arriving messages held"})
	}
	return nil
}

// mustBeFrozen is the error of a step command on a cluster that is not frozen.
func (c *Cluster) mustBeFrozen(verb string) error {
	if !c.Frozen() {
		return fmt.Errorf("cluster: %s works on a frozen cluster: `freeze` first", verb)
	}
	return nil
}

// StepOne delivers the oldest message held anywhere (waiting up to a
// second for one to arrive) and says what it was and what it did.
func (c *Cluster) StepOne(ctx context.Context) (string, error) {
	if err := c.mustBeFrozen("step"); err != nil {
		return "", err
	}
	deadline := time.Now().Add(holdWait)
	for {
		var best *node
		var bestSeq uint64
		for _, n := range c.runningNodes() {
			if h := n.loadStatus().Held; len(h) > 0 && (best == nil || h[0].Seq < bestSeq) {
				best, bestSeq = n, h[0].Seq
			}
		}
		if best != nil {
			out, err := c.deliverOn(best, 0, 0, false)
			if err == nil || time.Now().After(deadline) {
				return out, err
			}
		} else if time.Now().After(deadline) {
			return "", errors.New("cluster: no message is held anywhere: a frozen cluster sends nothing by itself (`timeout N` starts an election at node N, `heartbeat N` sends leader N's heartbeats, `propose N KEY VALUE` a write)")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Deliver steps into node to the oldest message it holds from node from
// (of kind, if not ""), or with discard drops it; it waits up to a second
// for such a message to arrive.
func (c *Cluster) Deliver(ctx context.Context, from, to uint64, kind string, discard bool) (string, error) {
	verb := "deliver"
	if discard {
		verb = "discard"
	}
	if err := c.mustBeFrozen(verb); err != nil {
		return "", err
	}
	if err := c.checkLink(from, to); err != nil {
		return "", err
	}
	var typ raft.MessageType
	if kind != "" {
		var ok bool
		if typ, ok = ParseKind(kind); !ok {
			return "", fmt.Errorf("cluster: unknown message kind %q (want one of %s)", kind, strings.Join(MessageKinds, ", "))
		}
	}
	deadline := time.Now().Add(holdWait)
	for {
		n := c.node(to)
		if n == nil {
			return "", fmt.Errorf("cluster: node %d is down", to)
		}
		out, err := c.deliverOn(n, from, typ, discard)
		if !errors.Is(err, errNothingHeld) || time.Now().After(deadline) {
			if errors.Is(err, errNothingHeld) {
				what := "message"
				if kind != "" {
					what = kind + " message"
				}
				return "", fmt.Errorf("cluster: node %d holds no %s from %d", to, what, from)
			}
			return out, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

var errNothingHeld = errors.New("cluster: nothing held matches")

// deliverOn delivers (or discards) node n's oldest held message matching
// from and typ.
func (c *Cluster) deliverOn(n *node, from uint64, typ raft.MessageType, discard bool) (string, error) {
	var rec MsgRecord
	mark := c.trace.next()
	effects, err := n.capture(func() error {
		h, ok := n.takeHeld(from, typ)
		if !ok {
			return errNothingHeld
		}
		rec = recordOf(MsgDelivered, &h.m)
		if discard {
			rec.Event = MsgDiscarded
			n.cfg.trace.add(rec)
			n.noteDiscarded(h)
			return nil
		}
		was, queued, start := n.core.Status(), len(n.core.Outbox()), len(n.captured)
		n.deliver(h.m)
		now := n.core.Status()
		// A follower learning who leads (a heartbeat or append from a
		// leader it did not know) says so first, before what it did
		// with the message: the step said "no visible effect" of it.
		if e := leaderEffect(n.cfg.id, was, now); e != "" {
			n.insertEffect(start, e)
		}
		if last, before := now.LastIndex, was.LastIndex; last > before && h.m.Type == raft.MsgApp {
			// Storing entries is what an append is for, and the core tells
			// no event for it (a feed would drown): a step says it, after
			// what the append replaced and before the commit it allowed.
			n.beforeCommit(appendedEffect(n.cfg.id, h.m.Entries, before, last))
		}
		// Nor for what an answer teaches a leader (its lag marks show
		// it), before the commit it allowed. A leader just elected by
		// this answer starts its followers' progress afresh: nothing to
		// tell there.
		p0, known := was.Progress[h.m.From]
		if e := progressEffect(n.cfg.id, h.m.From, p0, now.Progress[h.m.From]); h.m.Type.IsResponse() && known && was.Term == now.Term && e != "" {
			n.beforeCommit(e)
		}
		// Nor for a vote counted that does not yet decide the election.
		if e := tallyEffect(n.cfg.id, was.Tally, now.Tally); e != "" {
			n.captured = append(n.captured, e)
		}
		// An answer that makes the node send something (an append to a
		// follower found behind, or after a refusal) says what it sends;
		// the answers to a request are the request's plain effect.
		if out := n.core.Outbox(); h.m.Type.IsResponse() && len(out) > queued {
			for i := queued; i < len(out); i++ {
				if !out[i].Type.IsResponse() {
					r := recordOf(MsgSent, &out[i])
					n.captured = append(n.captured, fmt.Sprintf("%d sends %d->%d %s", n.cfg.id, r.From, r.To, r.Summary()))
				}
			}
		}
		// A leader's new commit index leaves with the appends its next
		// Ready builds (not in the outbox yet): that is how the
		// followers learn it (§5.3).
		if now.Role == raft.RoleLeader && now.Commit > was.Commit {
			n.captured = append(n.captured, fmt.Sprintf("%d tells its followers commit %d with its next appends", n.cfg.id, now.Commit))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	c.settleStep(n, mark) // what the receiver sent in answer lands
	verb := "delivered"
	if discard {
		verb = "discarded"
	}
	return joinEffects(fmt.Sprintf("%s %d->%d %s", verb, rec.From, rec.To, rec.Summary()), effects), nil
}

// beforeCommit adds effect e to a step's captured effects before the
// first commit among them (what the step did came first, the commit it
// allowed after), or at their end.
func (n *node) beforeCommit(e string) {
	at := len(n.captured)
	if n.commitAt >= 0 {
		at = n.commitAt
	}
	n.insertEffect(at, e)
}

// insertEffect puts effect e at place at among a step's captured effects,
// keeping commitAt on the first commit.
func (n *node) insertEffect(at int, e string) {
	n.captured = slices.Insert(n.captured, at, e)
	if n.commitAt >= at {
		n.commitAt++
	}
}

// progressEffect says what an answer from peer changed in leader id's
// progress for it, was to now ("" when nothing it shows): "2 now knows 1
// holds up to 4 (match 3 -> 4)", "2 now probes 1 from 4 (next 5 -> 4)".
func progressEffect(id, peer uint64, was, now raft.Progress) string {
	switch {
	case now.Match > was.Match:
		return fmt.Sprintf("%d now knows %d holds up to %d (match %d -> %d)", id, peer, now.Match, was.Match, now.Match)
	case now.State == "probe" && (was.State != "probe" || now.Next < was.Next):
		return fmt.Sprintf("%d now probes %d from %d (next %d -> %d)", id, peer, now.Next, was.Next, now.Next)
	}
	return ""
}

// leaderEffect says that follower id learned its leader from was to now
// ("" when it did not): "2 now follows leader 1 in term 3", "2 moves to
// term 4 and follows leader 3" when the message carried a newer term. A
// node that became follower says so already (its role event).
func leaderEffect(id uint64, was, now raft.Status) string {
	if now.Role != raft.RoleFollower || was.Role != raft.RoleFollower || now.Leader == raft.None || now.Leader == was.Leader && now.Term == was.Term {
		return ""
	}
	if now.Term != was.Term {
		return fmt.Sprintf("%d moves to term %d and follows leader %d", id, now.Term, now.Leader)
	}
	return fmt.Sprintf("%d now follows leader %d in term %d", id, now.Leader, now.Term)
}

// tallyEffect says how candidate id's count of votes changed from was to
// now ("" when it did not): "3 has 2 of the 3 votes it needs (from 1,3)".
func tallyEffect(id uint64, was, now *raft.Tally) string {
	if now == nil || was != nil && len(was.Granted) == len(now.Granted) && len(was.Refused) == len(now.Refused) {
		return ""
	}
	votes := "votes"
	if now.Pre {
		votes = "pre-votes"
	}
	s := fmt.Sprintf("%d has %d of the %d %s it needs (from %s)", id, len(now.Granted), now.Needed, votes, ids(now.Granted))
	if len(now.Refused) > 0 {
		refused := make([]uint64, 0, len(now.Refused))
		for id := range now.Refused {
			refused = append(refused, id)
		}
		slices.Sort(refused)
		s += ", refused by " + ids(refused)
	}
	return s
}

// appendedEffect says that node id's log grew from before to last with
// (some of) ents: "2 appended entry 5 (term 3)", "2 appended entries 5-7
// (terms 2-3)".
func appendedEffect(id uint64, ents []raft.Entry, before, last uint64) string {
	lo, hi := uint64(0), uint64(0)
	for _, e := range ents {
		if e.Index > before && e.Index <= last {
			if lo == 0 || e.Term < lo {
				lo = e.Term
			}
			hi = max(hi, e.Term)
		}
	}
	terms := fmt.Sprintf("term %d", hi)
	if lo != hi {
		terms = fmt.Sprintf("terms %d-%d", lo, hi)
	}
	if last == before+1 {
		return fmt.Sprintf("%d appended entry %d (%s)", id, last, terms)
	}
	return fmt.Sprintf("%d appended entries %d-%d (%s)", id, before+1, last, terms)
}

func joinEffects(head string, effects []string) string {
	if len(effects) == 0 {
		return head + "; no visible effect"
	}
	return head + "; " + strings.Join(effects, "; ")
}

// Timeout fires node id's election timer now, frozen or not.
func (c *Cluster) Timeout(id uint64) (string, error) {
	n, err := c.runningNode(id)
	if err != nil {
		return "", err
	}
	mark := c.trace.next()
	effects, err := n.capture(func() error {
		if n.core.Status().Role == raft.RoleLeader {
			return fmt.Errorf("cluster: node %d is the leader: it has no election timer to fire", id)
		}
		return n.core.Step(raft.Message{Type: raft.MsgHup})
	})
	if err != nil {
		return "", err
	}
	c.settleStep(n, mark)
	return joinEffects(fmt.Sprintf("%d timed out", id), effects), nil
}

// settleStep waits, up to holdWait, until every message node n sent in a
// step of a frozen cluster (the message trace's sends since mark) has
// landed: held at its receiver, or lost. So what is said right after the
// step (explain, the cards) shows them held there, not "on its way" (a
// lesson said "the requests wait in their queues" beside an explanation
// that could not find them yet). With the trace off there is nothing to
// go by, and nothing is waited for.
func (c *Cluster) settleStep(n *node, mark uint64) {
	if !c.trace.On() || !c.Frozen() {
		return
	}
	_ = n.do(func() {}) // the loop has carried out the step's Ready: its messages are sent
	deadline := time.Now().Add(holdWait)
	st := c.Status()
	for {
		recs, _, _ := c.trace.Since(mark)
		landed := true
		for i, r := range recs {
			if r.Event != MsgSent || r.From != n.cfg.id {
				continue
			}
			if to, ok := st.Node(r.To); !ok || to.State != StateUp {
				continue // a paused node's inbox waits for it to resume
			}
			if !slices.ContainsFunc(recs[i+1:], func(q MsgRecord) bool {
				return q.From == r.From && q.To == r.To && q.Type == r.Type && q.Term == r.Term &&
					(q.Event == MsgHeld || q.Event == MsgLost || q.Event == MsgDelivered)
			}) {
				landed = false
				break
			}
		}
		if landed || time.Now().After(deadline) {
			c.FreshStatus() // the receivers publish what they hold now
			return
		}
		time.Sleep(2 * time.Millisecond) // polling a condition, bounded by holdWait
	}
}

// TickNode advances node id's clock by count ticks, frozen or not; frozen,
// it returns once what the ticks made the node send is held (settleStep).
func (c *Cluster) TickNode(id uint64, count int) (string, error) {
	if count < 1 {
		return "", fmt.Errorf("cluster: tick %d %d: want a count of 1 or more", id, count)
	}
	n, err := c.runningNode(id)
	if err != nil {
		return "", err
	}
	var elapsed, timeout int
	mark := c.trace.next()
	effects, err := n.capture(func() error {
		for range count {
			n.core.Tick()
		}
		st := n.core.Status()
		elapsed, timeout = st.ElectionElapsed, st.ElectionTimeout
		return nil
	})
	if err != nil {
		return "", err
	}
	// A tick may fire the election timer, or a leader's heartbeat: what it
	// sent is held at its receivers when the tick returns, as a timeout's.
	c.settleStep(n, mark)
	return joinEffects(fmt.Sprintf("%d ticked %d (election timer %d/%d ticks)", id, count, elapsed, timeout), effects), nil
}

// Heartbeat makes leader id send heartbeats now, frozen or not.
func (c *Cluster) Heartbeat(id uint64) (string, error) {
	n, err := c.runningNode(id)
	if err != nil {
		return "", err
	}
	var to []uint64
	mark := c.trace.next()
	defer c.settleStep(n, mark)
	effects, err := n.capture(func() error {
		if n.core.Status().Role != raft.RoleLeader {
			return fmt.Errorf("cluster: node %d is not the leader: only a leader sends heartbeats", id)
		}
		queued := len(n.core.Outbox())
		err := n.core.Step(raft.Message{Type: raft.MsgBeat})
		for _, m := range n.core.Outbox()[queued:] {
			if m.Type == raft.MsgHeartbeat {
				to = append(to, m.To)
			}
		}
		return err
	})
	if err != nil {
		return "", err
	}
	head := fmt.Sprintf("%d sent heartbeats to %s", id, ids(to))
	if len(to) == 0 {
		head = fmt.Sprintf("%d has no follower to send heartbeats to", id)
	}
	if len(effects) == 0 {
		return head, nil // the heartbeats are the effect
	}
	return joinEffects(head, effects), nil
}

// runningNode returns node id if it runs, or an error saying why not.
func (c *Cluster) runningNode(id uint64) (*node, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.running(id)
	if err != nil {
		return nil, err
	}
	if s.node.paused.Load() {
		return nil, fmt.Errorf("cluster: node %d is paused", id)
	}
	return s.node, nil
}

// runningNodes returns the nodes that run now.
func (c *Cluster) runningNodes() []*node {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*node
	for _, s := range c.slots {
		if s.node != nil {
			out = append(out, s.node)
		}
	}
	return out
}
