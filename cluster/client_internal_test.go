package cluster

import (
	"context"
	"testing"
	"time"
)

// TestOpTimeoutReuse checks the reusable deadline of operations called
// with context.Background(): armed per operation, kept while it has not
// expired, dropped once it has, and reporting DeadlineExceeded like
// context.WithTimeout.
func TestOpTimeoutReuse(t *testing.T) {
	cl := &Client{}
	a := cl.startTimeout()
	if dl, ok := a.Deadline(); !ok || time.Until(dl) < DefaultOpTimeout-time.Second || time.Until(dl) > DefaultOpTimeout {
		t.Fatalf("deadline %v (%v), want about %v from now", dl, ok, DefaultOpTimeout)
	}
	if a.Err() != nil {
		t.Fatalf("fresh: Err %v", a.Err())
	}
	cl.endTimeout(a)
	if cl.timeout != a {
		t.Fatal("an unexpired timeout was not kept for reuse")
	}
	b := cl.startTimeout()
	if b != a {
		t.Fatal("the kept timeout was not reused")
	}
	// Expire it as its timer would.
	b.timer.Stop()
	b.expire()
	select {
	case <-b.Done():
	default:
		t.Fatal("expired: Done not closed")
	}
	if b.Err() != context.DeadlineExceeded {
		t.Fatalf("expired: Err %v, want DeadlineExceeded", b.Err())
	}
	cl.endTimeout(b)
	if cl.timeout != nil {
		t.Fatal("an expired timeout was kept")
	}
	if c := cl.startTimeout(); c == b || c.Err() != nil {
		t.Fatal("after expiry: want a fresh timeout")
	}
}

// TestOpTimeoutFires checks that the timer really ends the context.
func TestOpTimeoutFires(t *testing.T) {
	cl := &Client{}
	a := cl.startTimeout()
	a.timer.Reset(time.Millisecond)
	select {
	case <-a.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("timer did not fire")
	}
	if a.Err() != context.DeadlineExceeded {
		t.Fatalf("Err %v", a.Err())
	}
	cl.endTimeout(a)
	if cl.timeout != nil {
		t.Fatal("an expired timeout was kept")
	}
}

// TestCommandEncodeAllocatesExactly checks that Encode(nil) makes one
// buffer of exactly the encoded size.
func TestCommandEncodeAllocatesExactly(t *testing.T) {
	for _, c := range []Command{
		{Op: OpPut, Key: "k", Value: []byte("v")},
		{Op: OpPut, Client: 1 << 40, Seq: 300, Key: "bench-12", Value: make([]byte, 128)},
		{Op: OpRegister},
		{Op: OpDel, Client: 127, Seq: 128, Key: string(make([]byte, 200))},
	} {
		b := c.Encode(nil)
		if cap(b) < len(b) || len(b) != 1+uvarintLen(c.Client)+uvarintLen(c.Seq)+uvarintLen(uint64(len(c.Key)))+len(c.Key)+len(c.Value) {
			t.Fatalf("%+v: len %d cap %d", c, len(b), cap(b))
		}
		if n := testing.AllocsPerRun(10, func() { c.Encode(nil) }); n != 1 && !raceEnabled {
			t.Fatalf("%+v: %v allocations, want 1", c, n)
		}
		got, err := DecodeCommand(b)
		if err != nil || got.Op != c.Op || got.Key != c.Key || got.Client != c.Client || got.Seq != c.Seq || string(got.Value) != string(c.Value) {
			t.Fatalf("round trip of %+v: %+v, %v", c, got, err)
		}
	}
}

// A confirmed read waits until its read index is applied: served before,
// it reads the value of an older write (no end-to-end test noticed when
// the wait was taken out).
func TestReadWaitsUntilItsIndexIsApplied(t *testing.T) {
	n := &node{kv: NewKV(), reads: map[uint64]*readReq{}}
	n.kv.Apply(1, 1, Command{Op: OpPut, Key: "k", Value: []byte("old")})
	n.reads[1] = &readReq{ctx: context.Background(), key: "k", done: make(chan proposeResult, 1), index: 2}
	n.serveReads()
	if len(n.answers) != 0 {
		t.Fatalf("a read at index 2 served with index 1 applied: %q", n.answers[0].r.res.Value)
	}
	n.kv.Apply(2, 1, Command{Op: OpPut, Key: "k", Value: []byte("new")})
	n.serveReads()
	if len(n.answers) != 1 || string(n.answers[0].r.res.Value) != "new" {
		t.Fatalf("after index 2 applied: answers %+v, want one reading \"new\"", n.answers)
	}
}

// TestNotLeaderAnswerNamesItsOwnLeader: an HTTP error for a write a node
// refused as not the leader names, in its leader field, the leader its
// sentence names: read from the status a moment later, it said "not the
// leader (3 is)" beside no leader, and "knows of no leader" beside the
// node's own address (a CI user's report).
func TestNotLeaderAnswerNamesItsOwnLeader(t *testing.T) {
	c, err := Start(Options{Nodes: 3, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := c.node(1)
	if got, want := n.leaderFor(notLeaderError{id: 1, leader: 3}), c.slots[2].httpAddr; got != want || want == "" {
		t.Errorf("(3 is): leader %q, want node 3's %q", got, want)
	}
	for _, leader := range []uint64{0, 1} {
		if got := n.leaderFor(notLeaderError{id: 1, leader: leader}); got != "" {
			t.Errorf("leader %d named by the error: field %q, want none", leader, got)
		}
	}
}

// Load turned off and on again writes through the clients it had: each
// new client registers a session (an entry), and 32 new ones a toggle
// drove the commit index ever further ahead of the writes acknowledged (a
// learner's report).
func TestLoadKeepsItsClientsAcrossToggles(t *testing.T) {
	c, err := Start(Options{Nodes: 3, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	sessions := func() map[*Client]uint64 {
		m := map[*Client]uint64{}
		for _, cl := range c.loadClients {
			m[cl] = cl.session
		}
		return m
	}
	var first map[*Client]uint64
	for round := range 2 {
		if err := c.StartLoad(500); err != nil {
			t.Fatal(err)
		}
		// Every worker has written (its session registered) once the
		// load has run a while: wait for the written count, not a time.
		_, err := c.WaitFor(ctx, func(s Status) bool { return s.Written >= uint64(100*(round+1)) })
		c.StopLoad()
		if err != nil {
			t.Fatal(err)
		}
		now := sessions()
		if len(now) != loadWorkers {
			t.Fatalf("round %d: %d load clients, want %d", round, len(now), loadWorkers)
		}
		if round == 0 {
			first = now
			continue
		}
		for cl, s := range first {
			got, kept := now[cl]
			switch {
			case !kept:
				t.Fatal("the load's clients were not kept across a toggle")
			case s != 0 && got != s:
				t.Errorf("a load client's session changed from %d to %d across a toggle", s, got)
			}
		}
	}
}
