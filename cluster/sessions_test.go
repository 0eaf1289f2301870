package cluster

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"raftplay/raft"
)

func TestKVSessionsApplyWritesOnce(t *testing.T) {
	kv := NewKV()
	kv.Apply(1, 1, Command{Op: OpRegister})
	kv.Apply(2, 1, Command{Op: OpRegister})
	r1 := kv.Apply(3, 1, Command{Op: OpPut, Client: 1, Seq: 1, Key: "x", Value: []byte("1")})
	kv.Apply(4, 1, Command{Op: OpPut, Client: 2, Seq: 1, Key: "x", Value: []byte("2")})
	// A retry of session 1's first write (its reply was lost) must not apply again.
	r5 := kv.Apply(5, 2, Command{Op: OpPut, Client: 1, Seq: 1, Key: "x", Value: []byte("1")})
	if r5.Index != r1.Index || r5.Term != r1.Term || r5.Expired {
		t.Fatalf("retry answered %+v, want the first result %+v", r5, r1)
	}
	if v, _ := kv.Get("x"); string(v) != "2" {
		t.Fatalf("x = %q after a duplicate write, want 2", v)
	}
	if kv.Applied() != 5 {
		t.Fatalf("applied = %d, want 5", kv.Applied())
	}
}

// A write on a session the table does not hold (never registered, or
// expired) is refused, not applied and not answered from anyone's cache:
// this is what a new process's client looked like before sessions were
// registered through the log.
func TestKVRefusesUnknownSession(t *testing.T) {
	kv := NewKV()
	kv.Apply(1, 1, Command{Op: OpPut, Key: "k", Value: []byte("old")})
	r := kv.Apply(2, 1, Command{Op: OpPut, Client: 1, Seq: 1, Key: "k", Value: []byte("new")})
	if !r.Expired {
		t.Fatalf("write on an unknown session answered %+v, want Expired", r)
	}
	if v, _ := kv.Get("k"); string(v) != "old" {
		t.Fatalf("k = %q: a refused write was applied", v)
	}
}

// The session table is bounded: registering past MaxSessions expires the
// session used least recently, the same one on every replica.
func TestKVSessionsExpireLeastRecentlyUsed(t *testing.T) {
	a, b := NewKV(), NewKV()
	idx := uint64(0)
	both := func(c Command) (Result, Result) {
		idx++
		return a.Apply(idx, 1, c), b.Apply(idx, 1, c)
	}
	for i := 0; i < MaxSessions; i++ {
		both(Command{Op: OpRegister})
	}
	// Session 1 writes, so session 2 becomes the least recently used.
	both(Command{Op: OpPut, Client: 1, Seq: 1, Key: "k", Value: []byte("v")})
	both(Command{Op: OpRegister})
	if a.Sessions() != MaxSessions {
		t.Fatalf("%d sessions, want the bound %d", a.Sessions(), MaxSessions)
	}
	r2a, r2b := both(Command{Op: OpPut, Client: 2, Seq: 1, Key: "k", Value: []byte("late")})
	if !r2a.Expired || !r2b.Expired {
		t.Fatalf("session 2 should have expired on both replicas: %+v %+v", r2a, r2b)
	}
	r1, _ := both(Command{Op: OpPut, Client: 1, Seq: 2, Key: "k", Value: []byte("w")})
	if r1.Expired {
		t.Fatal("session 1, used recently, expired")
	}
	if string(a.Snapshot()) != string(b.Snapshot()) {
		t.Fatal("replicas diverged")
	}
}

func TestRegisterIDsAreLogIndexes(t *testing.T) {
	kv := NewKV()
	r := kv.Apply(41, 3, Command{Op: OpRegister})
	if r.Index != 41 || kv.Sessions() != 1 {
		t.Fatalf("register at 41 gave %+v, %d sessions", r, kv.Sessions())
	}
	if got := DescribeData(raft.Entry{Index: 41, Term: 3, Type: raft.EntryNormal, Data: Command{Op: OpRegister}.Encode(nil)}); got != "register client session 41" {
		t.Fatalf("DescribeData = %q", got)
	}
}

// Entries written by older versions carried counter-numbered client ids
// without the session flag: they decode, and apply, as sessionless writes.
func TestLegacyCommandsDecodeWithoutSession(t *testing.T) {
	legacy := []byte{byte(OpPut)}
	legacy = binary.AppendUvarint(legacy, 1) // client 1 of some old process
	legacy = binary.AppendUvarint(legacy, 1) // seq 1
	legacy = binary.AppendUvarint(legacy, 1)
	legacy = append(legacy, "k"...)
	legacy = append(legacy, "v"...)
	c, err := DecodeCommand(legacy)
	if err != nil || c.Client != 0 || c.Seq != 0 || c.Key != "k" || string(c.Value) != "v" {
		t.Fatalf("legacy entry decoded as %+v, %v", c, err)
	}
	kv := NewKV()
	if r := kv.Apply(1, 1, c); r.Expired {
		t.Fatal("a legacy write was refused")
	}
}

func TestKVRestoreVersion1DropsSessions(t *testing.T) {
	b := []byte{1}
	b = binary.AppendUvarint(b, 9) // applied
	b = binary.AppendUvarint(b, 1) // one pair
	b = binary.AppendUvarint(b, 1)
	b = append(b, 'k')
	b = binary.AppendUvarint(b, 1)
	b = append(b, 'v')
	b = binary.AppendUvarint(b, 1) // one old session: client 1, seq 1, index 2, term 1
	for _, x := range []uint64{1, 1, 2, 1} {
		b = binary.AppendUvarint(b, x)
	}
	kv := NewKV()
	if err := kv.Restore(b); err != nil {
		t.Fatal(err)
	}
	if kv.Sessions() != 0 || kv.Applied() != 9 {
		t.Fatalf("v1 restore: %d sessions, applied %d", kv.Sessions(), kv.Applied())
	}
	if v, _ := kv.Get("k"); string(v) != "v" {
		t.Fatalf("k = %q", v)
	}
}

// A second cluster process on the same files must never answer a new
// command from the session table: before sessions were registered through
// the log, its first client got id 1 again and its first write was taken
// for a retry of the first run's.
func TestSecondProcessGetsNoCachedAnswer(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Nodes: 3, DataDir: dir, Seed: 7}
	put := func(c *Cluster, value string) Result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.WaitLeader(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := c.NewClient().Put(ctx, "k", []byte(value))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var last Result
	for run, value := range []string{"first", "second", "third"} {
		c, err := Start(opts)
		if err != nil {
			t.Fatal(err)
		}
		res := put(c, value)
		if run > 0 && res.Index <= last.Index {
			c.Close()
			t.Fatalf("run %d: put answered index %d, not after the previous run's %d: a cached answer", run+1, res.Index, last.Index)
		}
		last = res
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		got, err := c.NewClient().Get(ctx, "k")
		cancel()
		c.Close()
		if err != nil || string(got.Value) != value {
			t.Fatalf("run %d: get k = %q, %v; want %q", run+1, got.Value, err, value)
		}
	}
}

// A client whose session expired registers a new session. A write whose
// only attempt the cluster refused for the unknown session took no effect,
// so it goes again under the new one and succeeds, once (it used to fail,
// "outcome unknown"); ErrSessionExpired is left for a write an earlier
// attempt of which may have been applied.
func TestClientSessionExpiry(t *testing.T) {
	c := startCluster(t, Options{Nodes: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := c.NewClient()
	if _, err := cl.Put(ctx, "a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	first := cl.session
	for i := 0; i < MaxSessions; i++ { // push the client's session out of the table
		if _, err := c.submit(ctx, Command{Op: OpRegister}.Encode(nil)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.Put(ctx, "a", []byte("2")); err != nil {
		t.Fatalf("put on an expired session, refused at its only attempt: %v, want it to register again and succeed", err)
	}
	if cl.session == first || cl.session == 0 {
		t.Fatalf("session %d after expiry (was %d)", cl.session, first)
	}
	if res, err := cl.Get(ctx, "a"); err != nil || string(res.Value) != "2" {
		t.Fatalf("get a = %q, %v; want 2", res.Value, err)
	}
	if _, err := cl.Put(ctx, "a", []byte("3")); err != nil {
		t.Fatalf("put after re-registering: %v", err)
	}
	if cl.session == first || cl.session == 0 {
		t.Fatalf("session %d after expiry (was %d)", cl.session, first)
	}
	res, err := cl.Get(ctx, "a")
	if err != nil || string(res.Value) != "3" {
		t.Fatalf("get a = %q, %v", res.Value, err)
	}
}

// A write retried after another client's write to the same key (its
// answer lost, say in a leader change) applies once: the retry, a copy
// of the same session and number, must not bring the old value back.
func TestRetriedWriteAppliesOnceEndToEnd(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	ctx := ctxFor(t, 10*time.Second)
	reg, err := c.submit(ctx, Command{Op: OpRegister}.Encode(nil))
	if err != nil {
		t.Fatal(err)
	}
	first := Command{Op: OpPut, Key: "k", Value: []byte("first"), Client: reg.Index, Seq: 1}.Encode(nil)
	if _, err := c.submit(ctx, first); err != nil {
		t.Fatal(err)
	}
	put(t, c.NewClient(), "k", "second")
	again := Command{Op: OpPut, Key: "k", Value: []byte("first"), Client: reg.Index, Seq: 1}.Encode(nil)
	if _, err := c.submit(ctx, again); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	waitFor(t, c, "the retry applied everywhere", Converged)
	got, err := c.NewClient().Get(ctx, "k")
	if err != nil || string(got.Value) != "second" {
		t.Fatalf("after the retry k=%q (%v), want second: the retried write applied twice", got.Value, err)
	}
}
