package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"raftplay/raft"
	"raftplay/transport"
)

func TestCommandRoundTrip(t *testing.T) {
	cases := []Command{
		{Op: OpPut, Client: 7, Seq: 300, Key: "k", Value: []byte("hello world")},
		{Op: OpDel, Key: "a/b"},
		{Op: OpGet, Client: 1 << 60, Key: strings.Repeat("x", 1000)},
		{Op: OpPut, Key: "empty"},
	}
	for _, c := range cases {
		got, err := DecodeCommand(c.Encode(nil))
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if got.Op != c.Op || got.Client != c.Client || got.Seq != c.Seq || got.Key != c.Key || !bytes.Equal(got.Value, c.Value) {
			t.Fatalf("round trip: got %+v want %+v", got, c)
		}
	}
}

func TestDecodeCommandRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0}, {9, 1, 1, 1}, {1}, {1, 0x80}, {1, 0, 0, 5, 'a'}, {1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}} {
		if _, err := DecodeCommand(b); err == nil {
			t.Errorf("DecodeCommand(%v) accepted garbage", b)
		}
	}
}

func FuzzDecodeCommand(f *testing.F) {
	f.Add(Command{Op: OpPut, Client: 1, Seq: 2, Key: "k", Value: []byte("v")}.Encode(nil))
	f.Add([]byte{3, 0, 0, 1, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCommand(b)
		if err != nil {
			return
		}
		again, err := DecodeCommand(c.Encode(nil))
		if err != nil || again.Key != c.Key || !bytes.Equal(again.Value, c.Value) {
			t.Fatalf("re-encode of %+v failed: %v", c, err)
		}
	})
}

func TestKVDigestIgnoresOrder(t *testing.T) {
	a, b := NewKV(), NewKV()
	a.Apply(1, 1, Command{Op: OpPut, Key: "x", Value: []byte("1")})
	a.Apply(2, 1, Command{Op: OpPut, Key: "y", Value: []byte("2")})
	b.Apply(1, 1, Command{Op: OpPut, Key: "y", Value: []byte("2")})
	b.Apply(2, 1, Command{Op: OpPut, Key: "x", Value: []byte("0")})
	if a.Digest() == b.Digest() {
		t.Fatal("different contents, same digest")
	}
	b.Apply(3, 1, Command{Op: OpPut, Key: "x", Value: []byte("1")})
	if a.Digest() != b.Digest() {
		t.Fatal("same contents written in another order: digests differ")
	}
	b.Apply(4, 1, Command{Op: OpDel, Key: "y"})
	b.Apply(5, 1, Command{Op: OpPut, Key: "y", Value: []byte("2")})
	if a.Digest() != b.Digest() {
		t.Fatal("delete and rewrite changed the digest")
	}
}

// TestKVKeepsValues checks what the store keeps of a put's value: a copy
// of a small one (its entry's data may share a WAL segment's buffer), and
// a large one in place, capped so that an append to what Get returns cannot
// write over the entry's data after it.
func TestKVKeepsValues(t *testing.T) {
	for _, size := range []int{10, keepInPlaceBytes - 1, keepInPlaceBytes} {
		kv := NewKV()
		data := Command{Op: OpPut, Key: "k", Value: bytes.Repeat([]byte{'v'}, size)}.Encode(nil)
		data = append(data, "after"...)[:len(data)] // the entry's buffer goes on past the value
		cmd, err := DecodeCommand(data)
		if err != nil {
			t.Fatal(err)
		}
		kv.Apply(1, 1, cmd)
		got, _ := kv.Get("k")
		_ = append(got, 'x')
		if string(data[len(data):len(data)+5]) != "after" {
			t.Errorf("%d bytes: an append to the kept value wrote over what follows it", size)
		}
		copied := unsafe.SliceData(got) != unsafe.SliceData(cmd.Value)
		if want := size < keepInPlaceBytes; copied != want {
			t.Errorf("%d bytes: copied %v, want %v", size, copied, want)
		}
		if !bytes.Equal(got, cmd.Value) {
			t.Errorf("%d bytes: kept a different value", size)
		}
	}
}

func TestEventLogDropsOldestAndCounts(t *testing.T) {
	l := NewEventLog(4, time.Now)
	for i := 0; i < 10; i++ {
		l.Add(Event{Text: string(rune('a' + i))})
	}
	ev, next, dropped := l.Since(1)
	if dropped != 6 || next != 11 || len(ev) != 4 || ev[0].Text != "g" || ev[3].Text != "j" {
		t.Fatalf("Since(1) = %d events from %q, next %d, dropped %d", len(ev), ev[0].Text, next, dropped)
	}
	ev, _, dropped = l.Since(next)
	if len(ev) != 0 || dropped != 0 {
		t.Fatalf("nothing new: got %d events, %d dropped", len(ev), dropped)
	}
	if last := l.Last(2); len(last) != 2 || last[1].Text != "j" {
		t.Fatalf("Last(2) = %v", last)
	}
}

// A run with fsync off breaks the rules at every index: the monitor keeps
// the first 100 violations (the first 10 with the events before them) and
// counts them all (a chaos report of 38,000, each with its events, was
// 540 MB).
func TestMonitorKeepsTheFirstViolations(t *testing.T) {
	events := NewEventLog(64, time.Now)
	m := NewMonitor(events)
	events.Add(Event{Text: "what led to it"})
	for i := uint64(1); i <= 250; i++ {
		m.Apply(1, i, 1, i)
		m.Apply(2, i, 2, i)
	}
	v := m.Violations()
	if len(v) != keptViolations || m.ViolationCount() != 250 {
		t.Fatalf("kept %d, counted %d; want %d and 250", len(v), m.ViolationCount(), keptViolations)
	}
	for i, x := range v {
		if want := i < recentViolations; (len(x.Recent) > 0) != want || !strings.Contains(x.Text, fmt.Sprintf("index %d ", i+1)) {
			t.Fatalf("violation %d: %d recent events (want some: %v), %q", i, len(x.Recent), want, x.Text)
		}
	}
	if last := events.Last(1); len(last) != 1 || last[0].Kind != EventViolation {
		t.Fatalf("the last event is not the last violation's: %+v", last)
	}
}

func TestMonitorCatchesViolations(t *testing.T) {
	m := NewMonitor(NewEventLog(16, time.Now))
	m.Leader(1, 3)
	m.Leader(1, 3)
	m.Apply(1, 10, 3, 111)
	m.Apply(2, 10, 3, 111)
	m.Commit(1, 0, 5)
	m.Commit(1, 0, 7)
	m.Commit(1, 1, 2) // a restart is a new incarnation
	if v := m.Violations(); len(v) != 0 {
		t.Fatalf("clean history flagged: %+v", v)
	}
	m.Leader(2, 3)
	m.Apply(3, 10, 4, 222)
	m.Commit(1, 1, 1)
	v := m.Violations()
	if len(v) != 3 {
		t.Fatalf("want 3 violations, got %+v", v)
	}
	for i, rule := range []string{"election safety", "state machine safety", "commit regression"} {
		if v[i].Rule != rule {
			t.Errorf("violation %d: rule %q, want %q", i, v[i].Rule, rule)
		}
	}
	if want := "but node 1 applied term 3"; !strings.Contains(v[1].Text, want) {
		t.Errorf("violation text %q does not say %q", v[1].Text, want)
	}
	// The same node applying an index anew can only be after a restart.
	m.Apply(2, 11, 3, 333)
	m.Apply(2, 11, 4, 444)
	if v := m.Violations(); len(v) != 4 || !strings.Contains(v[3].Text, "but before a restart node 2 had applied term 3") {
		t.Errorf("a node's own earlier apply: %+v", v[len(v)-1])
	}
}

func TestTimingTicks(t *testing.T) {
	cases := []struct {
		t               Timing
		tick            time.Duration
		emin, emax, hbt int
	}{
		{PaperTiming, 5 * time.Millisecond, 30, 60, 3},
		{Timing{Heartbeat: 2 * time.Millisecond, ElectionMin: 12 * time.Millisecond, ElectionMax: 24 * time.Millisecond}, time.Millisecond, 12, 24, 2},
		{WatchTiming, 10 * time.Millisecond, 100, 200, 10},
		{Timing{Heartbeat: time.Millisecond, ElectionMin: 2 * time.Millisecond, ElectionMax: 2 * time.Millisecond}, time.Millisecond, 2, 2, 1},
	}
	for _, c := range cases {
		tick := c.t.Tick()
		emin, emax, hb := c.t.Ticks(tick)
		if tick != c.tick || emin != c.emin || emax != c.emax || hb != c.hbt {
			t.Errorf("%v: tick %v ticks %d-%d hb %d, want %v %d-%d %d", c.t, tick, emin, emax, hb, c.tick, c.emin, c.emax, c.hbt)
		}
	}
	bad := []Timing{{}, {Heartbeat: time.Second, ElectionMin: time.Second, ElectionMax: 2 * time.Second}, {Heartbeat: 1, ElectionMin: 5, ElectionMax: 4}}
	for _, b := range bad {
		if b.Validate() == nil {
			t.Errorf("%v accepted", b)
		}
	}
}

func TestLeaderOf(t *testing.T) {
	up := func(id, term, leader uint64, role string) NodeStatus {
		return NodeStatus{ID: id, State: StateUp, Term: term, Leader: leader, Role: role}
	}
	nodes := []NodeStatus{up(1, 2, 1, "leader"), up(2, 2, 1, "follower"), {ID: 3, State: StateCrashed, Role: "down"}}
	if id, term := leaderOf(nodes, transport.FaultTable{}); id != 1 || term != 2 {
		t.Fatalf("leaderOf = %d, %d; want 1, 2", id, term)
	}
	nodes[1].Leader = 0
	if id, _ := leaderOf(nodes, transport.FaultTable{}); id != 0 {
		t.Fatalf("leader without a majority accepted: %d", id)
	}
	// A leader partitioned away from its followers leads nobody.
	nodes = []NodeStatus{up(1, 2, 1, "leader"), up(2, 2, 1, "follower"), up(3, 2, 1, "follower")}
	if id, _ := leaderOf(nodes, transport.FaultTable{Groups: [][]uint64{{1}, {2, 3}}}); id != 0 {
		t.Fatalf("partitioned leader accepted: %d", id)
	}
	if id, _ := leaderOf(nodes, transport.FaultTable{Groups: [][]uint64{{1, 2}, {3}}}); id != 1 {
		t.Fatalf("leader with a reachable majority rejected: %d", id)
	}
	// A stale leader in an old term and a new one with a majority.
	nodes = []NodeStatus{up(1, 2, 1, "leader"), up(2, 3, 2, "leader"), up(3, 3, 2, "follower")}
	if id, term := leaderOf(nodes, transport.FaultTable{}); id != 2 || term != 3 {
		t.Fatalf("leaderOf = %d, %d; want 2, 3", id, term)
	}
}

// load RATE writes in the background until load off.
func TestLoadWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster")
	}
	t.Parallel()
	c := startCluster(t, Options{Nodes: 1})
	waitLeader(t, c)
	if err := c.StartLoad(1900); err != nil {
		t.Fatal(err)
	}
	if c.Status().Load != 1900 {
		t.Fatalf("status load %d, want 1900", c.Status().Load)
	}
	waitFor(t, c, "1900 writes", func(s Status) bool { return s.Written >= 1900 })
	c.StopLoad()
	if st := c.Status(); st.Load != 0 {
		t.Fatalf("load still %d after StopLoad", st.Load)
	}
	if err := c.StartLoad(0); err == nil {
		t.Fatal("load 0 accepted")
	}
}

// A timed-out write says its effect is unknown (a teacher read "not done
// within 5s" as a failed write, and the value was there after the heal); a
// timed-out read, or a write no leader took, does not.
func TestTimeoutErrorSaysAWritesEffectIsUnknown(t *testing.T) {
	last := errors.New("node 1, the leader then, did not complete it")
	w := &TimeoutError{After: 5 * time.Second, Last: last, Err: context.DeadlineExceeded, Write: true}
	if got := w.Error(); !strings.Contains(got, "not done within 5s; last attempt: node 1, the leader then, did not complete it; its effect is unknown: it may still commit") {
		t.Errorf("write: %q", got)
	}
	r := &TimeoutError{After: 5 * time.Second, Last: last, Err: context.DeadlineExceeded}
	if got := r.Error(); strings.Contains(got, "unknown") {
		t.Errorf("read: %q", got)
	}
	n := &TimeoutError{After: 5 * time.Second, Err: context.DeadlineExceeded, Write: true}
	if got := n.Error(); got != "cluster: no leader within 5s" {
		t.Errorf("write no leader took: %q", got)
	}
}

// An operation left only milliseconds of its budget says how many: it
// said "not done within 0s" (the flake hunter).
func TestTimeoutErrorSaysAShortTime(t *testing.T) {
	last := errors.New("node 1, the leader then, did not complete it")
	for after, want := range map[time.Duration]string{
		12*time.Millisecond + 300*time.Microsecond: "not done within 12ms;",
		200 * time.Microsecond:                     "not done within 1ms;",
		1234 * time.Millisecond:                    "not done within 1.2s;",
	} {
		e := &TimeoutError{After: after, Last: last, Err: context.DeadlineExceeded}
		if got := e.Error(); !strings.Contains(got, want) {
			t.Errorf("after %v: %q, want %q", after, got, want)
		}
	}
}

// A heartbeat's answer carries no commit index: its summary shows none
// ("heartbeat-resp t2 c0" read as the follower's commit being 0).
func TestHeartbeatAnswerSummaryNamesNoCommit(t *testing.T) {
	hb := MsgRecord{Type: raft.MsgHeartbeat, Term: 2, Commit: 5}
	resp := MsgRecord{Type: raft.MsgHeartbeatResp, Term: 2}
	if got := hb.Summary(); got != "heartbeat t2 c5" {
		t.Errorf("heartbeat: %q", got)
	}
	if got := resp.Summary(); got != "heartbeat-resp t2" {
		t.Errorf("heartbeat answer: %q", got)
	}
}

// An entry's description quotes a key or value that holds a space, '=', a
// quote, '#' or a tab, so that where the key ends can be told (the detail
// view's recent entries showed `put odd key ☃ "q"="x\ty"`: a learner's
// report).
func TestDescribeDataQuotesWhatWouldRunTogether(t *testing.T) {
	entry := func(key, value string) raft.Entry {
		return raft.Entry{Index: 3, Term: 1, Type: raft.EntryNormal, Data: Command{Op: OpPut, Key: key, Value: []byte(value)}.Encode(nil)}
	}
	for _, tc := range []struct{ key, value, want string }{
		{"k", "v", "put k=v"},
		{`odd key ☃ "q"`, "x\ty", `put "odd key ☃ \"q\""="x\ty"`},
		{"a=b", "c", `put "a=b"=c`},
		{"k", "a b", `put k="a b"`},
		{"k", strings.Repeat("a b ", 20), `put k="a b a b a b a b a b a b "...`},
		// A key or value that ends with "..." itself is not cut: its dots
		// stay inside the quotes (`"a b"...` read as a longer key cut).
		{"a b...", "v", `put "a b..."=v`},
		{"k", "wait = ...", `put k="wait = ..."`},
	} {
		if got := DescribeData(entry(tc.key, tc.value)); got != tc.want {
			t.Errorf("put %q %q: %s, want %s", tc.key, tc.value, got, tc.want)
		}
	}
}
