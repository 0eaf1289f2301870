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
