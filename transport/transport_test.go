package transport

import (
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"raftplay/raft"
)

func TestSocketRoundTripEveryType(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	want := sampleMessages(0, 0)
	for i := range want {
		want[i].From, want[i].To = 1, 2
	}
	nodes[1].Send(want)
	waitFor(t, "all messages", func() bool { return nodes[2].in.len() == len(want) })
	got := nodes[2].in.all()
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("message %d (%v):\n got %+v\nwant %+v", i, want[i].Type, got[i], want[i])
		}
	}
	s1, s2 := nodes[1].Stats()[2], nodes[2].Stats()[1]
	waitFor(t, "sent counters", func() bool { return nodes[1].Stats()[2].MsgsSent == uint64(len(want)) })
	s1 = nodes[1].Stats()[2]
	if s2.MsgsRecv != uint64(len(want)) || s1.BytesSent != s2.BytesRecv || s1.BytesSent == 0 {
		t.Errorf("stats: sender %+v receiver %+v", s1, s2)
	}
	if s2.LastHeartbeat.IsZero() {
		t.Error("LastHeartbeat not set by MsgApp/MsgHeartbeat")
	}
	if !nodes[2].Stats()[1].Connected {
		t.Error("node 2's stream to 1 is not reported connected")
	}
}

func TestSocketOrderAndCoalescing(t *testing.T) {
	const n = 5000
	nodes := startCluster(t, 2, nil, func(c *Config) { c.QueueLen = n }) // room for all: no drops
	for i := range n {
		nodes[1].Send([]raft.Message{hb(1, 2, uint64(i+1))})
	}
	waitFor(t, "all heartbeats", func() bool { return nodes[2].in.len() == n })
	for i, m := range nodes[2].in.all() {
		if m.Term != uint64(i+1) {
			t.Fatalf("message %d has term %d: reordered", i, m.Term)
		}
	}
	if s := nodes[1].Stats()[2]; s.DroppedQueue != 0 || s.DroppedConn != 0 {
		t.Fatalf("drops without faults: %+v", s)
	}
}

func TestSocketRestartedPeerIsReachedAgain(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 2, f)
	addr := nodes[2].Addr()
	nodes[1].Send([]raft.Message{hb(1, 2, 1)})
	waitFor(t, "first heartbeat", func() bool { return nodes[2].in.len() == 1 })

	nodes[2].Close()
	waitFor(t, "1 sees 2 down", func() bool { return !nodes[1].Stats()[2].Connected })

	var restarted *node
	waitFor(t, "restart on the same port", func() bool {
		tr, err := New(Config{ID: 2, ClusterID: 7, ListenAddr: addr, Faults: f})
		if err != nil {
			return false
		}
		tr.Close()
		restarted = startNode(t, 2, f, func(c *Config) { c.ListenAddr = addr })
		return true
	})
	waitConnected(t, nodes[1], 2)
	nodes[1].Send([]raft.Message{hb(1, 2, 2)})
	waitFor(t, "heartbeat after restart", func() bool { return restarted.in.len() == 1 })
	if m := restarted.in.all()[0]; m.Term != 2 || m.From != 1 {
		t.Fatalf("got %+v", m)
	}
}

func TestSocketPartitionAndHeal(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 3, f)
	f.Partition([][]uint64{{1, 2}, {3}})
	nodes[1].Send([]raft.Message{hb(1, 3, 1), hb(1, 2, 1)})
	nodes[3].Send([]raft.Message{hb(3, 1, 1)})
	waitFor(t, "1->2 within group", func() bool { return nodes[2].in.len() == 1 })
	if s := nodes[1].Stats()[3]; s.DroppedFault != 1 {
		t.Fatalf("1->3 not dropped by the partition: %+v", s)
	}
	if s := nodes[3].Stats()[1]; s.DroppedFault != 1 {
		t.Fatalf("3->1 not dropped by the partition: %+v", s)
	}

	f.Heal()
	nodes[1].Send([]raft.Message{hb(1, 3, 2)})
	nodes[3].Send([]raft.Message{hb(3, 1, 2)})
	waitFor(t, "1->3 after heal", func() bool { return nodes[3].in.len() == 1 })
	waitFor(t, "3->1 after heal", func() bool { return nodes[1].in.len() == 1 })
	if nodes[3].in.all()[0].Term != 2 || nodes[1].in.all()[0].Term != 2 {
		t.Fatal("a message sent during the partition crossed it")
	}
}

func TestSocketOneWayCut(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 2, f)
	f.Cut(1, 2)
	nodes[1].Send([]raft.Message{hb(1, 2, 1)})
	nodes[2].Send([]raft.Message{hb(2, 1, 1)})
	waitFor(t, "2->1 still open", func() bool { return nodes[1].in.len() == 1 })
	if nodes[2].in.len() != 0 || nodes[1].Stats()[2].DroppedFault != 1 {
		t.Fatalf("1->2 not cut: %+v", nodes[1].Stats()[2])
	}
}

func TestSocketDrop100(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 3, f)
	f.SetDrop(1, 2, 100)
	for i := range 50 {
		nodes[1].Send([]raft.Message{hb(1, 2, uint64(i)), hb(1, 3, uint64(i))})
	}
	waitFor(t, "1->3 delivered", func() bool { return nodes[3].in.len() == 50 })
	if s := nodes[1].Stats()[2]; s.DroppedFault != 50 || s.MsgsSent != 0 {
		t.Fatalf("drop 100%%: %+v", s)
	}
	if nodes[2].in.len() != 0 {
		t.Fatal("a message crossed a 100% drop")
	}
}

func TestSocketDelayKeepsOrderAndOtherLinks(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 3, f)
	const delay = 30 * time.Millisecond
	f.SetDelay(1, 2, delay, 0)
	f.SetDelay(1, 3, time.Hour, 0) // a stuck link must not hold up 1->2
	nodes[1].Send([]raft.Message{hb(1, 3, 1)})
	var sent []time.Time
	for i := range 20 {
		sent = append(sent, time.Now())
		nodes[1].Send([]raft.Message{hb(1, 2, uint64(i+1))})
	}
	waitFor(t, "delayed messages", func() bool { return nodes[2].in.len() == 20 })
	nodes[2].in.mu.Lock()
	defer nodes[2].in.mu.Unlock()
	for i, m := range nodes[2].in.msgs {
		if m.Term != uint64(i+1) {
			t.Fatalf("delay reordered the link: message %d has term %d", i, m.Term)
		}
		// Lower bound only: a delayed message can never arrive early.
		if early := nodes[2].in.at[i].Sub(sent[i]); early < delay {
			t.Fatalf("message %d arrived after %v, before its %v delay", i, early, delay)
		}
	}
	if nodes[3].in.len() != 0 {
		t.Fatal("message on the one-hour link arrived")
	}
}

func TestSocketInFlightMessageDoesNotCrossNewPartition(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 2, f)
	f.SetDelay(1, 2, 20*time.Millisecond, 0)
	nodes[1].Send([]raft.Message{hb(1, 2, 1)})
	f.Partition([][]uint64{{1}, {2}})
	waitFor(t, "receiver drops the in-flight message", func() bool {
		return nodes[2].Stats()[1].DroppedFaultIn == 1
	})
	if nodes[2].in.len() != 0 {
		t.Fatal("in-flight message crossed the partition")
	}
}

func TestSocketFullQueueDropsAndCounts(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 2, f, func(c *Config) { c.QueueLen = 4 })
	f.SetDelay(1, 2, time.Hour, 0) // the writer holds at most one batch while it waits
	msgs := make([]raft.Message, 20)
	for i := range msgs {
		msgs[i] = hb(1, 2, uint64(i))
	}
	nodes[1].Send(msgs)
	if s := nodes[1].Stats()[2]; s.DroppedQueue < 20-2*4 {
		t.Fatalf("DroppedQueue = %d, want >= %d", s.DroppedQueue, 20-2*4)
	}
}

func TestSocketUnroutableAndInvalid(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	nodes[1].Send([]raft.Message{
		hb(1, 9, 1),                // unknown peer
		{Type: raft.MsgHup, To: 2}, // local type
		{Type: raft.MessageType(99), To: 2},
		{Type: raft.MsgVoteResp, To: 2, Term: 1, Commit: 5}, // field the wire cannot carry
	})
	if got := nodes[1].Unroutable(); got != 3 {
		t.Fatalf("Unroutable = %d, want 3", got)
	}
	if s := nodes[1].Stats()[2]; s.DroppedInvalid != 1 {
		t.Fatalf("DroppedInvalid = %d, want 1", s.DroppedInvalid)
	}
	if !nodes[1].log.contains("cannot carry") {
		t.Fatal("invalid message not logged")
	}
}

func TestSocketOversizeMessageIsNotSent(t *testing.T) {
	nodes := startCluster(t, 2, nil, func(c *Config) { c.MaxFrameBytes = 1024 })
	big := raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 1,
		Entries: []raft.Entry{{Index: 1, Term: 1, Data: make([]byte, 2048)}}}
	nodes[1].Send([]raft.Message{big, hb(1, 2, 1)})
	waitFor(t, "heartbeat after the oversize message", func() bool { return nodes[2].in.len() == 1 })
	if s := nodes[1].Stats()[2]; s.DroppedInvalid != 1 {
		t.Fatalf("DroppedInvalid = %d, want 1", s.DroppedInvalid)
	}
}

func TestSocketWrongClusterIsRefused(t *testing.T) {
	good := startNode(t, 1, nil)
	stray := startNode(t, 2, nil, func(c *Config) { c.ClusterID = 8 })
	stray.SetPeer(1, good.Addr())
	waitFor(t, "refusal logged by the acceptor", func() bool { return good.log.contains("cluster id mismatch") })
	waitFor(t, "refusal seen by the dialer", func() bool { return stray.log.contains("refused: cluster id mismatch") })
	stray.Send([]raft.Message{hb(2, 1, 1)})
	if s := stray.Stats()[1]; s.Connected || s.MsgsSent != 0 {
		t.Fatalf("stray connected: %+v", s)
	}
	if good.in.len() != 0 {
		t.Fatal("stray message delivered")
	}
}

func TestSocketHandshakeChecks(t *testing.T) {
	n := startNode(t, 1, nil)
	cases := []struct {
		h    hello
		want verdict
	}{
		{hello{version: ProtocolVersion + 1, cluster: 7, from: 2, to: 1}, refusedVersion},
		{hello{version: ProtocolVersion, cluster: 8, from: 2, to: 1}, refusedCluster},
		{hello{version: ProtocolVersion, cluster: 7, from: 2, to: 3}, refusedTo},
		{hello{version: ProtocolVersion, cluster: 7, from: 1, to: 1}, refusedFrom},
		{hello{version: ProtocolVersion, cluster: 7, from: 0, to: 1}, refusedFrom},
		{hello{version: ProtocolVersion, cluster: 7, from: 2, to: 1}, handshakeOK},
	}
	for _, c := range cases {
		conn, err := net.Dial("tcp", n.Addr())
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(c.h.marshal())
		v, err := readReply(conn)
		if err != nil || v != c.want {
			t.Errorf("%+v: verdict %v, %v; want %v", c.h, v, err, c.want)
		}
		conn.Close()
	}
	conn, err := net.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if v, err := readReply(conn); err != nil || v != refusedMagic {
		t.Errorf("http request: verdict %v, %v", v, err)
	}
}

// rawPeer opens a connection to n that completes the handshake as node from.
func rawPeer(t *testing.T, n *node, from uint64) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.Write(hello{version: ProtocolVersion, cluster: 7, from: from, to: n.ID()}.marshal())
	if v, err := readReply(conn); err != nil || v != handshakeOK {
		t.Fatalf("handshake: %v, %v", v, err)
	}
	return conn
}

// waitClosed reads conn until the other side closes it.
func waitClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var b [64]byte
	for {
		if _, err := conn.Read(b[:]); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("connection was not closed")
			}
			return
		}
	}
}

func TestSocketBadFramesCloseOnlyTheirConnection(t *testing.T) {
	var mu sync.Mutex
	var refused []string // what node 2 told Config.Refused
	nodes := startCluster(t, 2, nil, func(c *Config) {
		c.MaxFrameBytes = 1 << 16
		if c.ID == 2 {
			c.Refused = func(remote string, err error) {
				mu.Lock()
				refused = append(refused, err.Error())
				mu.Unlock()
			}
		}
	})
	refusals := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(refused)
	}
	target := nodes[2]
	good := frameBytes(t, hb(0, 0, 1))
	bad := map[string][]byte{
		"garbage":       []byte("\x00\x01garbage that is no frame at all"),
		"unknown type":  append([]byte{200, 0, 0, 0, 1}, 0),
		"oversize":      {byte(frameApp), 0x7f, 0xff, 0xff, 0xff},
		"bad body":      append([]byte{byte(frameHeartbeat), 0, 0, 0, 3}, 0xc1, 0xc1, 0xc1),
		"half frame":    good[:len(good)-1], // then the sender goes away
		"half header":   good[:3],
		"trailing data": append(append([]byte{byte(frameHeartbeat)}, 0, 0, 0, byte(len(good)-4)), append(good[5:], 0xc0)...),
	}
	term := uint64(0)
	for name, frame := range bad {
		conn := rawPeer(t, target, 3)
		if _, err := conn.Write(frame); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.HasPrefix(name, "half") {
			conn.(*net.TCPConn).CloseWrite()
		}
		waitClosed(t, conn)
		// Bad input is told, before the connection closes (a user saw
		// garbage refused without a trace); a peer that goes away
		// mid-frame is not bad input.
		if n, half := refusals(), strings.HasPrefix(name, "half"); half != (n == 0) {
			t.Fatalf("%s: %d refusals told (%q)", name, n, refused)
		}
		mu.Lock()
		refused = refused[:0]
		mu.Unlock()
		// The node's other connections carry on.
		term++
		nodes[1].Send([]raft.Message{hb(1, 2, term)})
		waitFor(t, name+": 1->2 still works", func() bool { return len(fromPeer(target.in, 1)) == int(term) })
	}
	if len(fromPeer(target.in, 3)) != 0 {
		t.Fatal("a bad frame was delivered")
	}
	// A well-formed frame on a raw connection is delivered, From set by the handshake.
	conn := rawPeer(t, target, 3)
	conn.Write(good)
	waitFor(t, "good raw frame", func() bool { return len(fromPeer(target.in, 3)) == 1 })
	if m := fromPeer(target.in, 3)[0]; m.To != 2 || m.Term != 1 {
		t.Fatalf("got %+v", m)
	}
}

func TestSocketSetPeerLaterAndAddressChange(t *testing.T) {
	a := startNode(t, 1, nil)
	b := startNode(t, 2, nil)
	c := startNode(t, 2, nil) // same id, another address: a "moved" node 2
	a.SetPeer(2, b.Addr())
	a.Send([]raft.Message{hb(1, 2, 1)})
	waitFor(t, "to b", func() bool { return b.in.len() == 1 })
	a.SetPeer(2, c.Addr())
	waitFor(t, "to c", func() bool {
		a.Send([]raft.Message{hb(1, 2, 2)})
		return c.in.len() > 0
	})
}

func TestNewConfigErrors(t *testing.T) {
	busy := startNode(t, 1, nil)
	for name, cfg := range map[string]Config{
		"zero id":       {ID: 0},
		"not loopback":  {ID: 1, ListenAddr: "0.0.0.0:0"},
		"localhost":     {ID: 1, ListenAddr: "localhost:0"},
		"no port":       {ID: 1, ListenAddr: "127.0.0.1"},
		"bad frame max": {ID: 1, MaxFrameBytes: -1},
		"bad queue":     {ID: 1, QueueLen: -1},
		"self as peer":  {ID: 1, Peers: map[uint64]string{1: "127.0.0.1:1"}},
		"busy port":     {ID: 2, ListenAddr: busy.Addr()},
	} {
		tr, err := New(cfg)
		if err == nil {
			tr.Close()
			t.Errorf("%s: New succeeded", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "transport: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
		if name == "busy port" && !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("busy port: unclear error %q", err)
		}
	}
}

func TestCloseIsAbruptAndIdempotent(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 3, f)
	nodes[1].Send([]raft.Message{hb(1, 2, 1), hb(1, 3, 1)})
	// Leave work everywhere: a delayed message held by a writer, a writer in
	// backoff towards a dead address, an inbound connection with half a frame.
	f.SetDelay(2, 3, time.Hour, 0)
	nodes[2].Send([]raft.Message{hb(2, 3, 1)})
	nodes[1].SetPeer(9, "127.0.0.1:1")
	raw := rawPeer(t, nodes[3], 5)
	raw.Write([]byte{byte(frameHeartbeat), 0, 0, 0, 9, 0x83})
	waitFor(t, "writer holds the delayed message", func() bool { return nodes[2].queued(3) == 0 })
	for _, n := range nodes[1:] {
		if err := n.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := n.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
	nodes[1].Send([]raft.Message{hb(1, 2, 2)}) // after Close: counted, never blocks
	if nodes[1].Unroutable() == 0 {
		t.Fatal("send after Close not counted")
	}
	nodes[1].SetPeer(4, "127.0.0.1:1") // after Close: no goroutine starts (TestMain's goleak check)
	if _, ok := nodes[1].Stats()[4]; ok {
		t.Fatal("SetPeer after Close added a peer")
	}
	goleak.VerifyNone(t) // every goroutine of the three transports is gone
}

func TestSocketHealReleasesDelayedMessages(t *testing.T) {
	f := NewFaults(1)
	nodes := startCluster(t, 2, f)
	f.SetDelay(1, 2, time.Hour, 0)
	nodes[1].Send([]raft.Message{hb(1, 2, 1), hb(1, 2, 2)})
	// The writer takes the first message (maybe both) and waits for its due time.
	waitFor(t, "writer holds a delayed message", func() bool { return nodes[1].queued(2) < 2 })
	f.Heal()
	waitFor(t, "delayed messages released by Heal", func() bool { return nodes[2].in.len() == 2 })
	if got := nodes[2].in.all(); got[0].Term != 1 || got[1].Term != 2 {
		t.Fatalf("order after Heal: %+v", got)
	}
}

func TestSocketWriteDeadlineDropsAStuckConnection(t *testing.T) {
	release := make(chan struct{})
	stuck := startNode(t, 2, nil, func(c *Config) {
		c.Handler = func(raft.Message) { <-release } // a receiver that stops reading
	})
	t.Cleanup(func() { close(release) }) // runs before the nodes' Close
	sender := startNode(t, 1, nil, func(c *Config) { c.WriteTimeout = 50 * time.Millisecond })
	sender.SetPeer(2, stuck.Addr())
	waitConnected(t, sender, 2)
	big := raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 1,
		Entries: []raft.Entry{{Index: 1, Term: 1, Data: make([]byte, 256<<10)}}}
	waitFor(t, "the writer gives up on the stuck connection", func() bool {
		sender.Send([]raft.Message{big})
		return sender.log.contains("connection lost")
	})
	if s := sender.Stats()[2]; s.DroppedConn == 0 {
		t.Fatalf("no messages counted as lost with the connection: %+v", s)
	}
}

func TestSocketLastHeartbeatOnlyFromHeartbeatAndApp(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	nodes[1].Send([]raft.Message{{Type: raft.MsgVote, From: 1, To: 2, Term: 2}})
	waitFor(t, "vote", func() bool { return nodes[2].in.len() == 1 })
	if s := nodes[2].Stats()[1]; !s.LastHeartbeat.IsZero() {
		t.Fatalf("a vote set LastHeartbeat: %+v", s)
	}
	before := time.Now()
	nodes[1].Send([]raft.Message{hb(1, 2, 2)})
	waitFor(t, "heartbeat", func() bool { return nodes[2].in.len() == 2 })
	if s := nodes[2].Stats()[1]; s.LastHeartbeat.Before(before) {
		t.Fatalf("LastHeartbeat %v not updated (before %v)", s.LastHeartbeat, before)
	}
}

// TestSocketConcurrentSendsFaultsAndRestarts gives the race detector
// concurrent Send, fault changes, Stats and a peer restart at once, then
// checks that a healed cluster delivers again.
func TestSocketConcurrentSendsFaultsAndRestarts(t *testing.T) {
	f := NewFaults(3)
	nodes := startCluster(t, 3, f)
	done := make(chan struct{})
	finished := make(chan struct{}, 4)
	for _, n := range nodes[1:] {
		go func() {
			defer func() { finished <- struct{}{} }()
			for i := uint64(0); ; i++ {
				select {
				case <-done:
					return
				default:
				}
				for _, to := range []uint64{1, 2, 3} {
					if to != n.ID() {
						n.Send([]raft.Message{hb(n.ID(), to, i)})
					}
				}
				n.Stats()
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}
	go func() {
		defer func() { finished <- struct{}{} }()
		for i := range 200 {
			switch i % 4 {
			case 0:
				f.Partition([][]uint64{{1}, {2, 3}})
			case 1:
				f.SetDelay(0, 0, time.Millisecond, time.Millisecond)
			case 2:
				f.SetDrop(2, 3, 50)
			case 3:
				f.Heal()
			}
			f.Table()
			time.Sleep(200 * time.Microsecond)
		}
	}()
	// Restart node 3 on its address while all that runs.
	addr := nodes[3].Addr()
	nodes[3].Close()
	var restarted *node
	waitFor(t, "restart on the same port", func() bool {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		ln.Close()
		restarted = startNode(t, 3, f, func(c *Config) { c.ListenAddr = addr })
		return true
	})
	restarted.SetPeer(1, nodes[1].Addr())
	<-finished // the fault changer is the only one that ends by itself
	close(done)
	for range 3 {
		<-finished
	}
	f.Heal()
	before := restarted.in.len()
	waitFor(t, "delivery to the restarted node after Heal", func() bool {
		nodes[1].Send([]raft.Message{hb(1, 3, 1)})
		return restarted.in.len() > before
	})
}
