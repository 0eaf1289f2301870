package transport

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftplay/raft"
)

// traceLog collects what Config.Trace reports.
type traceLog struct {
	mu  sync.Mutex
	got []traceSeen
}

type traceSeen struct {
	from, to, term uint64
	fate           Fate
	delay          time.Duration
}

func (l *traceLog) add(tr Trace) {
	l.mu.Lock()
	l.got = append(l.got, traceSeen{tr.Msg.From, tr.Msg.To, tr.Msg.Term, tr.Fate, tr.Delay})
	l.mu.Unlock()
}

// fateOf returns the fates reported for the message of term.
func (l *traceLog) fateOf(term uint64) []traceSeen {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []traceSeen
	for _, s := range l.got {
		if s.term == term {
			out = append(out, s)
		}
	}
	return out
}

func withTrace(l *traceLog) nodeOpt { return func(c *Config) { c.Trace = l.add } }

// Every fault the table can give a message is reported with the message.
func TestTraceReportsEachFate(t *testing.T) {
	faults := NewFaults(1)
	var l traceLog
	nodes := startCluster(t, 3, faults, withTrace(&l))
	one := func(term uint64, to uint64) {
		nodes[1].Send([]raft.Message{hb(1, to, term)})
	}
	one(1, 2) // plain
	faults.Cut(1, 2)
	one(2, 2)
	faults.Heal()
	faults.SetDrop(1, 2, 100)
	one(3, 2)
	faults.Heal()
	faults.SetDelay(1, 3, 30*time.Millisecond, 0)
	one(4, 3)
	waitFor(t, "the delayed heartbeat", func() bool { return len(fromPeer(nodes[3].in, 1)) == 1 })
	faults.Heal()
	for _, c := range []struct {
		term uint64
		want Fate
	}{{1, FateSent}, {2, FateCut}, {3, FateDropped}, {4, FateDelayed}} {
		got := l.fateOf(c.term)
		if len(got) != 1 || got[0].fate != c.want || got[0].from != 1 {
			t.Errorf("term %d: %+v, want one %v", c.term, got, c.want)
		}
	}
	if got := l.fateOf(4); len(got) == 1 && got[0].delay != 30*time.Millisecond {
		t.Errorf("delayed by %v, want 30ms", got[0].delay)
	}
}

// A send is traced before the message can leave: the trace's "sent" comes
// before anything the receiver records of its arrival. (Traced after the
// queue took it, a message could be sent, received and stepped while the
// sender had not yet traced it: a cluster's message trace told it
// delivered, then sent, and a test waiting for the last send to be
// followed by its delivery waited forever, on two busy cores.) The hook
// here waits, a while, for the message to arrive while it traces the send:
// it must not.
func TestTraceSentBeforeTheMessageLeaves(t *testing.T) {
	var dst atomic.Pointer[inbox]
	var arrived atomic.Bool
	hook := func(tr Trace) {
		if tr.Msg.Term != 9 || tr.Fate != FateSent {
			return
		}
		for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			for _, m := range fromPeer(dst.Load(), 1) {
				if m.Term == 9 {
					arrived.Store(true)
					return
				}
			}
		}
	}
	nodes := startCluster(t, 2, NewFaults(1), func(c *Config) { c.Trace = hook })
	dst.Store(nodes[2].in)
	nodes[1].Send([]raft.Message{hb(1, 2, 1)}) // the stream is up
	waitFor(t, "the first heartbeat", func() bool { return len(fromPeer(nodes[2].in, 1)) == 1 })
	nodes[1].Send([]raft.Message{hb(1, 2, 9)})
	waitFor(t, "the second heartbeat", func() bool { return len(fromPeer(nodes[2].in, 1)) == 2 })
	if arrived.Load() {
		t.Fatal("the heartbeat arrived at 2 before 1 had traced its send")
	}
}

// A message to a peer that is down is reported lost; one that arrives on a
// link cut while it was on its way is reported dropped on arrival.
func TestTraceReportsLossesAfterSend(t *testing.T) {
	faults := NewFaults(1)
	var l traceLog
	nodes := startCluster(t, 2, faults, withTrace(&l))
	// Held by a delay at the sender while a partition comes; released, it
	// crosses the wire and the receiver, which checks again, drops it.
	faults.SetDelay(1, 2, time.Hour, 0)
	nodes[1].Send([]raft.Message{hb(1, 2, 7)})
	waitFor(t, "delayed", func() bool { return len(l.fateOf(7)) == 1 })
	faults.Partition([][]uint64{{1}, {2}}) // the delay rule stays; the receiver now sees a cut
	faults.SetDelay(1, 2, 0, 0)            // releases the held message
	waitFor(t, "cut on arrival", func() bool {
		for _, s := range l.fateOf(7) {
			if s.fate == FateCutOnArrival && s.to == 2 {
				return true
			}
		}
		return false
	})
	faults.Heal()
	nodes[2].Close()
	waitFor(t, "1 sees 2 go", func() bool { return !nodes[1].Stats()[2].Connected })
	nodes[1].Send([]raft.Message{hb(1, 2, 8)})
	waitFor(t, "lost to a down peer", func() bool {
		for _, s := range l.fateOf(8) {
			if s.fate == FateUnreachable {
				return true
			}
		}
		return false
	})
}

// A failed dial drops only what was queued before it began; what came
// while it failed waits for the next dial.
func TestQueueDropsOnlyWhatPrecededTheDial(t *testing.T) {
	q := newSendQueue(10, 1<<20)
	for term := uint64(1); term <= 3; term++ {
		q.push(outItem{msg: hb(1, 2, term)})
	}
	mark := q.mark()
	q.push(outItem{msg: hb(1, 2, 4)}) // queued while the dial fails
	dropped := q.takeBefore(mark, nil)
	if len(dropped) != 3 || dropped[2].msg.Term != 3 {
		t.Fatalf("dropped %d items", len(dropped))
	}
	if left := q.take(nil); len(left) != 1 || left[0].msg.Term != 4 {
		t.Fatalf("kept %+v, want the message of term 4", left)
	}
	q.push(outItem{msg: hb(1, 2, 5)})
	if got := q.takeBefore(mark, nil); len(got) != 0 {
		t.Fatalf("an old mark dropped %d newer items", len(got))
	}
}

// A queue holds at most its byte limit of entry data: an append that would
// take it past the limit is refused, a message without entries is not, and
// what leaves the queue (taken, dropped after a failed dial, replaced)
// frees its share. Unbounded, QueueLen appends of 1 MiB (4 GiB) could wait
// for a peer that stopped reading.
func TestQueueBoundsEntryBytes(t *testing.T) {
	app := func(index uint64) outItem {
		return outItem{msg: raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 1, Index: index,
			Entries: []raft.Entry{{Index: index + 1, Term: 1, Data: make([]byte, 1<<20)}}}}
	}
	q := newSendQueue(100, 3<<20)
	for i := range uint64(3) {
		if !q.push(app(i)) {
			t.Fatalf("append %d refused below the limit", i)
		}
	}
	if q.push(app(3)) {
		t.Fatal("an append past the byte limit was queued")
	}
	if !q.push(outItem{msg: hb(1, 2, 1)}) {
		t.Fatal("a heartbeat was refused: it carries no entries")
	}
	if got := q.take(nil); len(got) != 4 || !q.push(app(3)) {
		t.Fatalf("took %d items, and the queue did not take an append after", len(got))
	}
	mark := q.mark()
	if q.push(app(4)); !q.push(app(5)) || q.push(app(6)) {
		t.Fatal("after a take, the queue did not hold 3 MiB again")
	}
	if got := q.takeBefore(mark, nil); len(got) != 1 || !q.push(app(6)) {
		t.Fatalf("dropped %d items before the dial, and the queue did not take an append after", len(got))
	}
	for i := range q.items {
		q.items[i].gen = 0
	}
	if got := q.takeOlder(1); len(got) != 3 || q.bytes != 0 {
		t.Fatalf("replaced %d items, %d bytes left counted", len(got), q.bytes)
	}
}

// An append larger than QueueBytes still enters an empty queue, as Raft's
// window lets one MsgApp out however large: refused for good, it was lost
// at every resend, and the follower never caught up (QueueBytes below
// raft.Config.MaxBytesPerMsg, or one entry larger than QueueBytes).
func TestQueueTakesOneLargeAppendWhenEmpty(t *testing.T) {
	big := outItem{msg: raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 1,
		Entries: []raft.Entry{{Index: 1, Term: 1, Data: make([]byte, 2<<20)}}}}
	q := newSendQueue(100, 1<<20)
	if !q.push(big) {
		t.Fatal("an append larger than the byte limit was refused by an empty queue")
	}
	if q.push(big) {
		t.Fatal("a second one was queued past the limit")
	}
	if got := q.take(nil); len(got) != 1 || q.bytes != 0 {
		t.Fatalf("took %d items, %d bytes left counted", len(got), q.bytes)
	}
}
