package transport

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"raftplay/raft"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitFor polls cond until it holds, failing the test after a generous
// bound (a hang guard, not a timing assertion).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// inbox collects what a transport's Handler receives.
type inbox struct {
	mu   sync.Mutex
	msgs []raft.Message
	at   []time.Time
}

func (b *inbox) handle(m raft.Message) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	b.at = append(b.at, time.Now())
	b.mu.Unlock()
}

func (b *inbox) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

func (b *inbox) all() []raft.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]raft.Message(nil), b.msgs...)
}

// logBuf collects Logf lines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logBuf) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// node is one transport under test with its inbox and log.
type node struct {
	*Transport
	in  *inbox
	log *logBuf
}

type nodeOpt func(*Config)

func startNode(t testing.TB, id uint64, faults *Faults, opts ...nodeOpt) *node {
	t.Helper()
	n := &node{in: new(inbox), log: new(logBuf)}
	cfg := Config{ID: id, ClusterID: 7, Faults: faults, Handler: n.in.handle, Logf: n.log.logf}
	for _, o := range opts {
		o(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%d): %v", id, err)
	}
	n.Transport = tr
	t.Cleanup(func() { tr.Close() })
	return n
}

// startCluster starts n fully meshed transports with ids 1..n sharing faults.
func startCluster(t testing.TB, n int, faults *Faults, opts ...nodeOpt) []*node {
	t.Helper()
	nodes := make([]*node, n+1) // index = id; nodes[0] unused
	for id := 1; id <= n; id++ {
		nodes[id] = startNode(t, uint64(id), faults, opts...)
	}
	for _, a := range nodes[1:] {
		for _, b := range nodes[1:] {
			if a != b {
				a.SetPeer(b.ID(), b.Addr())
			}
		}
	}
	for _, a := range nodes[1:] {
		for _, b := range nodes[1:] {
			if a != b {
				waitConnected(t, a, b.ID())
			}
		}
	}
	return nodes
}

func waitConnected(t testing.TB, n *node, peer uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d connected to %d", n.ID(), peer), func() bool {
		return n.Stats()[peer].Connected
	})
}

func hb(from, to, term uint64) raft.Message {
	return raft.Message{Type: raft.MsgHeartbeat, From: from, To: to, Term: term}
}

// fromPeer returns the messages of b sent by from, in arrival order.
func fromPeer(b *inbox, from uint64) []raft.Message {
	var out []raft.Message
	for _, m := range b.all() {
		if m.From == from {
			out = append(out, m)
		}
	}
	return out
}

// queued returns how many messages wait in n's queue for peer (not yet taken
// by the writer).
func (n *node) queued(peer uint64) int {
	p := (*n.peers.Load())[peer]
	p.q.mu.Lock()
	defer p.q.mu.Unlock()
	return len(p.q.items)
}

// encode is encodeFrame with the body in one slice (the splices joined in),
// valid until the next call: what the peer's writer sends.
func (e *frameEncoder) encode(m *raft.Message) (hdr [frameHeaderLen]byte, body []byte, err error) {
	f, err := e.encodeFrame(m)
	if err != nil || len(f.splices) == 0 {
		return f.hdr, f.body, err
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := f.writeTo(w); err != nil {
		return hdr, nil, err
	}
	w.Flush()
	return f.hdr, buf.Bytes()[frameHeaderLen:], nil
}
