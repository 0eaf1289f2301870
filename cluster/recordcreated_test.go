package cluster

import (
	"os"
	"testing"
)

// recordCreated runs at the end of Start, after the nodes have started:
// a configuration entry they apply then retires a node (go c.retire),
// which sets its slot's node and state under c.mu and clears its
// directory. recordCreated read the slots without c.mu (a data race) and
// could write CREATED into the directory just cleared, of a node no
// longer a member. It takes c.mu, and skips a removed node.
func TestRecordCreatedRacesNoRetire(t *testing.T) {
	dir := t.TempDir()
	c := &Cluster{opts: Options{DataDir: dir}}
	s := c.newSlot(1)
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s.node, s.state = &node{}, StateUp
	c.slots = []*slot{s}
	done := make(chan struct{})
	go func() { // as retireLocked does, under c.mu
		c.mu.Lock()
		s.node, s.state = nil, StateRemoved
		c.mu.Unlock()
		close(done)
	}()
	c.recordCreated(1)
	<-done
}
