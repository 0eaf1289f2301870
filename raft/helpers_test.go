package raft

import (
	"errors"
	"slices"
	"testing"
)

// newTestRaft returns a core with small timing (election 10..20 ticks,
// heartbeat 1) and the given options applied to its config.
func newTestRaft(t testing.TB, id uint64, peers []uint64, opts ...func(*Config)) *Raft {
	t.Helper()
	cfg := Config{ID: id, Peers: peers, ElectionTickMin: 10, ElectionTickMax: 20, HeartbeatTick: 1, Seed: id}
	for _, o := range opts {
		o(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// withLog gives the node a recovered log with these terms (index 1..n) at
// the given current term.
func withLog(term uint64, terms ...uint64) func(*Config) {
	return func(c *Config) {
		c.HardState.Term = term
		c.Entries = entriesWithTerms(1, terms...)
	}
}

func entriesWithTerms(first uint64, terms ...uint64) []Entry {
	ents := make([]Entry, len(terms))
	for k, t := range terms {
		ents[k] = Entry{Index: first + uint64(k), Term: t, Data: []byte{byte(k)}}
	}
	return ents
}

// drain takes one Ready as a perfect storage would (everything persisted and
// applied) and returns its messages.
func drain(r *Raft) []Message {
	var msgs []Message
	for r.HasReady() {
		rd := r.Ready()
		msgs = append(msgs, rd.Messages...)
		r.Advance(rd)
	}
	return msgs
}

func logTerms(r *Raft) []uint64 {
	var ts []uint64
	for _, e := range r.Entries(r.log.firstIndex(), r.log.lastIndex()+1) {
		ts = append(ts, e.Term)
	}
	return ts
}

// testNet delivers messages between cores until quiet, dropping any whose
// link is cut. It records every delivered message.
type testNet struct {
	t     testing.TB
	nodes map[uint64]*Raft
	cut   map[[2]uint64]bool
	seen  []Message
	reads map[uint64][]ReadState // read states handed out, per node
	// tolerate, if set, is an error Step may return without failing the
	// test (e.g. ErrUnknownPeer for a late answer from a removed node);
	// refused records the messages refused so.
	tolerate error
	refused  []Message
	// drop, if set, loses every message it returns true for.
	drop func(Message) bool
}

func newTestNet(t testing.TB, rs ...*Raft) *testNet {
	n := &testNet{t: t, nodes: map[uint64]*Raft{}, cut: map[[2]uint64]bool{}, reads: map[uint64][]ReadState{}}
	for _, r := range rs {
		n.nodes[r.id] = r
	}
	return n
}

func (n *testNet) isolate(id uint64) {
	for other := range n.nodes {
		n.cut[[2]uint64{id, other}] = true
		n.cut[[2]uint64{other, id}] = true
	}
}

// run drains every node and delivers until no message is left.
func (n *testNet) run(msgs ...Message) {
	n.t.Helper()
	ids := make([]uint64, 0, len(n.nodes))
	for id := range n.nodes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		msgs = append(msgs, n.drain(n.nodes[id])...)
	}
	for steps := 0; len(msgs) > 0; steps++ {
		if steps > 100000 {
			n.t.Fatalf("testNet: no quiescence")
		}
		m := msgs[0]
		msgs = msgs[1:]
		r, ok := n.nodes[m.To]
		if !ok || n.cut[[2]uint64{m.From, m.To}] || n.drop != nil && n.drop(m) {
			continue
		}
		n.seen = append(n.seen, m)
		if err := r.Step(m); err != nil {
			if n.tolerate != nil && errors.Is(err, n.tolerate) {
				n.refused = append(n.refused, m)
				continue
			}
			n.t.Fatalf("Step(%s): %v", DescribeMessage(m), err)
		}
		msgs = append(msgs, n.drain(r)...)
	}
}

// drain is like drain but keeps the node's read states.
func (n *testNet) drain(r *Raft) []Message {
	var msgs []Message
	for r.HasReady() {
		rd := r.Ready()
		msgs = append(msgs, rd.Messages...)
		n.reads[r.id] = append(n.reads[r.id], rd.ReadStates...)
		r.Advance(rd)
	}
	return msgs
}

// elect makes r leader by an election through the network.
func (n *testNet) elect(r *Raft) {
	n.t.Helper()
	if err := r.Step(Message{Type: MsgHup}); err != nil {
		n.t.Fatal(err)
	}
	n.run()
	if r.role != RoleLeader {
		n.t.Fatalf("node %d is %s after election, want leader", r.id, r.role)
	}
}

func filterType(msgs []Message, t MessageType) []Message {
	var out []Message
	for _, m := range msgs {
		if m.Type == t {
			out = append(out, m)
		}
	}
	return out
}
