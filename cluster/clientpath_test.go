package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"raftplay/raft"
)

// A write that a leader refuses while it hands leadership over (the core
// returns ErrTransferring before anything enters its log) has no effect,
// and the HTTP API must say so: effect "none", so a client may retry it.
// It said "unknown", which a client can only treat as maybe-applied.
func TestHTTPWriteRefusedDuringTransferHasNoEffect(t *testing.T) {
	t.Parallel()
	c, st, f := frozenThree(t)
	if _, err := c.StartTransfer(f); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	l, _ := st.Node(st.Leader)
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		code, body := httpDo(t, method, "http://"+l.HTTPAddr+"/kv/refused", "v")
		if code != http.StatusServiceUnavailable {
			t.Fatalf("%s during a transfer: %d %s, want 503", method, code, body)
		}
		if e := decodeError(t, body); e.Effect != effectNone {
			t.Fatalf("%s refused during a transfer says effect %q (%s), want %q: nothing was proposed", method, e.Effect, e.Error, effectNone)
		}
	}
	// Nothing entered the leader's log: the refusal really had no effect.
	if got := c.Status(); got.Nodes[st.Leader-1].LastIndex != l.LastIndex {
		t.Fatalf("leader's last index %d -> %d: a refused write entered the log", l.LastIndex, got.Nodes[st.Leader-1].LastIndex)
	}
}

// The value a Get returns is the caller's: changing it must not change the
// replica's store (it aliased the leader's map entry, so a caller that
// reused the slice rewrote the replicated state on one node alone, and
// every later read, and snapshot, of that node).
func TestGetValueDoesNotAliasTheStore(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 1})
	waitLeader(t, c)
	cl := c.NewClient()
	put(t, cl, "k", "abc")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cl.Get(ctx, "k")
	if err != nil || string(res.Value) != "abc" {
		t.Fatalf("get k = %q, %v", res.Value, err)
	}
	res.Value[0] = 'X'
	again, err := cl.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Value) != "abc" {
		t.Fatalf("get k = %q after the caller changed the bytes of an earlier get: the store was changed without a write", again.Value)
	}
}

// An attempt that fails at once (a leader refusing writes while it hands
// leadership over, for up to an election timeout, or for good while
// frozen) is retried with a growing backoff, up to 20ms: the backoff went
// back to 1ms after every attempt, so a client hammered the leader's loop
// with a proposal a millisecond until its deadline.
func TestRetryBacksOffFromAnAttemptThatFailsAtOnce(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 1})
	waitLeader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	attempts := 0
	_, err := c.retry(ctx, true, func(*node, leaderCheck) (Result, error) {
		attempts++
		return Result{}, errors.New("cluster: refused")
	})
	if err == nil {
		t.Fatal("retry of an attempt that always fails succeeded")
	}
	// 1+2+4+8+16 ms, then 20 ms apart: about 19 in 300 ms.
	if attempts > 40 {
		t.Fatalf("%d attempts in 300ms: the backoff does not grow while every attempt fails at once", attempts)
	}
}

// A proposal to a follower is refused naming the follower and the leader
// it knows (a lesson's stop said "node is not the leader: raft: not leader
// (leader is 2)" of a node the learner could not tell).
func TestProposeToAFollowerNamesBoth(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	f := st.Leader%3 + 1
	waitFor(t, c, "the follower knows the leader", func(s Status) bool {
		n, _ := s.Node(f)
		return n.Leader == st.Leader
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.ProposeTo(ctx, f, "k", []byte("v"))
	want := fmt.Sprintf("cluster: node %d is not the leader (%d is)", f, st.Leader)
	if err == nil || err.Error() != want || !errors.Is(err, ErrNotLeader) || !errors.Is(err, raft.ErrNotLeader) || !wasRefused(err) {
		t.Fatalf("propose to follower %d: %v, want %q, ErrNotLeader and refused", f, err, want)
	}
}
