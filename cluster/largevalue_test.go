package cluster

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestLargeValuesKeptOnEveryReplica writes values around the size from
// which the store keeps a value in place (keepInPlaceBytes), the transport
// sends it without copying and decodes it on its own, and the WAL reads it
// back on its own (transport and wal's OwnDataBytes), and checks every replica's
// store byte for byte: first as replicated over TCP, then after every node
// restarted and read them back from its WAL. A value kept in place whose
// memory was reused (a read buffer, a frame, a WAL segment) would show as
// another value here, though the digests (taken when each was applied)
// agree.
func TestLargeValuesKeptOnEveryReplica(t *testing.T) {
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	rng := rand.New(rand.NewPCG(7, 8))
	sizes := []int{100, keepInPlaceBytes - 1, keepInPlaceBytes, keepInPlaceBytes + 1, 300 << 10, 1 << 20}
	want := map[string][]byte{}
	cl := c.NewClient()
	var last uint64 // the index of the last put
	for i, size := range sizes {
		for k := range 2 { // a second value for each key: its first is dropped
			v := make([]byte, size)
			for j := range v {
				v[j] = byte(rng.Uint32())
			}
			key := fmt.Sprint("v", i)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			res, err := cl.Put(ctx, key, v)
			if err != nil {
				t.Fatalf("put %s (%d bytes, #%d): %v", key, size, k, err)
			}
			last = res.Index
			cancel()
			want[key] = v
		}
	}
	check := func(when string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Restarted nodes apply what they knew committed; the rest comes
		// once a leader commits an entry of its term.
		if _, err := c.WaitFor(ctx, func(s Status) bool { return Converged(s) && s.Nodes[0].Applied >= last }); err != nil {
			t.Fatalf("%s: no convergence: %v", when, err)
		}
		for id := uint64(1); id <= 3; id++ {
			n := c.node(id)
			for key, v := range want {
				var got []byte
				var found bool
				if err := n.do(func() { got, found = n.kv.Get(key) }); err != nil {
					t.Fatalf("%s: node %d: %v", when, id, err)
				}
				if !found || !bytes.Equal(got, v) {
					t.Errorf("%s: node %d holds %s of %d bytes (found %v), want the %d bytes written", when, id, key, len(got), found, len(v))
				}
			}
		}
	}
	check("replicated")
	for id := uint64(1); id <= 3; id++ {
		if err := c.Crash(id); err != nil {
			t.Fatal(err)
		}
	}
	for id := uint64(1); id <= 3; id++ {
		if err := c.Restart(id); err != nil {
			t.Fatal(err)
		}
	}
	waitLeader(t, c)
	check("restarted from the WAL")
}
