package transport

import (
	"slices"
	"testing"
	"time"

	"raftplay/raft"
)

// hasFate reports whether l saw a message of term with fate.
func (l *traceLog) hasFate(term uint64, fate Fate) bool {
	return slices.ContainsFunc(l.fateOf(term), func(s traceSeen) bool { return s.fate == fate })
}

// termsFrom returns the terms of the messages b received from from.
func termsFrom(b *inbox, from uint64) []uint64 {
	var out []uint64
	for _, m := range fromPeer(b, from) {
		out = append(out, m.Term)
	}
	return out
}

// Messages still queued for a node that ReplacePeer replaced (its id
// removed, then added again as a new, empty node) never reach the new
// one: a delayed append meant for the old node would be taken by the new
// one as the leader's. The writer holds the first one in its delay; the
// next two wait in the queue behind it.
func TestReplacePeerDropsWhatWasQueuedForTheOldNode(t *testing.T) {
	t.Parallel()
	faults := NewFaults(1)
	var l traceLog
	nodes := startCluster(t, 2, faults, withTrace(&l))
	one, old := nodes[1], nodes[2]
	faults.SetDelay(1, 2, time.Hour, 0)
	one.Send([]raft.Message{hb(1, 2, 5)})
	waitFor(t, "the writer to take the first message", func() bool { return one.queued(2) == 0 })
	one.Send([]raft.Message{hb(1, 2, 6), hb(1, 2, 7)})
	if q := one.queued(2); q != 2 {
		t.Fatalf("%d queued behind the delayed one, want 2", q)
	}

	old.Close() // the old node is gone (removed), a new one takes its id
	one.ReplacePeer(2)
	fresh := startNode(t, 2, faults, withTrace(&l))
	fresh.SetPeer(1, one.Addr())
	one.SetPeer(2, fresh.Addr())
	faults.Heal() // releases the delay: nothing of it is left to send
	// Sent until heard, as Raft would: one may be lost while the writer
	// moves from the old address to the new (the transport may lose
	// messages; it may not deliver the old node's to the new one).
	waitFor(t, "the new node to hear term 8", func() bool {
		if slices.Contains(termsFrom(fresh.in, 1), 8) {
			return true
		}
		one.Send([]raft.Message{hb(1, 2, 8)})
		time.Sleep(5 * time.Millisecond) // between resends
		return false
	})
	if got := slices.Compact(termsFrom(fresh.in, 1)); !slices.Equal(got, []uint64{8}) {
		t.Fatalf("the new node 2 received terms %v from 1, want only 8", got)
	}
	for _, term := range []uint64{6, 7} {
		if !l.hasFate(term, FateReplaced) {
			t.Errorf("term %d: fates %v, want %v reported", term, l.fateOf(term), FateReplaced)
		}
	}
	if n := one.Stats()[2].DroppedReplaced; n < 2 {
		t.Errorf("link 2 counts %d dropped as replaced, want 2 or more", n)
	}
}

// connectedPair starts transports 1 and 2 (the old node 2), traced into l,
// and has 1 hear 2 once (term 4).
func connectedPair(t *testing.T, l *traceLog) (one, old *node) {
	t.Helper()
	nodes := startCluster(t, 2, nil, withTrace(l))
	one, old = nodes[1], nodes[2]
	old.Send([]raft.Message{hb(2, 1, 4)})
	waitFor(t, "1 to hear term 4", func() bool { return slices.Contains(termsFrom(one.in, 2), 4) })
	return one, old
}

// A snapshot (sent in chunks) on the old node's connection is not
// delivered either.
func TestReplacePeerDropsTheOldNodesSnapshot(t *testing.T) {
	t.Parallel()
	var l traceLog
	one, old := connectedPair(t, &l)
	one.ReplacePeer(2)
	old.Send([]raft.Message{{Type: raft.MsgSnap, From: 2, To: 1, Term: 5, Snapshot: &raft.Snapshot{Meta: raft.SnapshotMeta{Index: 9, Term: 5}, Data: []byte("old")}}})
	waitFor(t, "1 to drop the old node's snapshot", func() bool { return l.hasFate(5, FateReplaced) })
	if n := one.Stats()[2].DroppedReplaced; n != 1 {
		t.Errorf("link 2 counts %d dropped as replaced, want 1", n)
	}
	for _, m := range fromPeer(one.in, 2) {
		if m.Type == raft.MsgSnap {
			t.Errorf("1 delivered the replaced node's snapshot (term %d)", m.Term)
		}
	}
}

// Frames that arrive on a connection the old node made before
// ReplacePeer are not delivered: a late answer of the old node would pass
// for the new node's.
func TestReplacePeerDropsFramesOfTheOldNodesConnection(t *testing.T) {
	t.Parallel()
	var l traceLog
	one, old := connectedPair(t, &l)

	one.ReplacePeer(2)
	fresh := startNode(t, 2, nil)
	one.SetPeer(2, fresh.Addr())
	old.Send([]raft.Message{hb(2, 1, 5)}) // on the connection it made before
	waitFor(t, "1 to drop the old node's frame", func() bool { return l.hasFate(5, FateReplaced) })
	old.Close()

	fresh.SetPeer(1, one.Addr())
	fresh.Send([]raft.Message{hb(2, 1, 6)})
	waitFor(t, "1 to hear the new node", func() bool { return slices.Contains(termsFrom(one.in, 2), 6) })
	if got := termsFrom(one.in, 2); !slices.Equal(got, []uint64{4, 6}) {
		t.Fatalf("1 received terms %v from 2, want 4 (old node, before) and 6 (new node)", got)
	}
	if one.log.contains("bad frame") {
		t.Errorf("the dropped connection was logged as bad input: %v", one.log.lines)
	}
}
