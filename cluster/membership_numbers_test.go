package cluster

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// The numbers of the membership note, measured on real TCP and fsyncs.
// They take a while, so they run only with RAFTPLAY_MEMBER_NUMBERS=1:
//
//	RAFTPLAY_MEMBER_NUMBERS=1 go test -run TestMembershipNumbers -v ./cluster/

// A new node catches up on a 100,000-entry log (by snapshot: the leader
// compacted long ago) and is promoted.
func TestMembershipNumbersCatchUp(t *testing.T) {
	if os.Getenv("RAFTPLAY_MEMBER_NUMBERS") == "" {
		t.Skip("set RAFTPLAY_MEMBER_NUMBERS=1 to measure")
	}
	c := startCluster(t, Options{Nodes: 3, SnapshotEvery: 10000})
	waitLeader(t, c)
	const entries, clients = 100_000, 64
	var wg sync.WaitGroup
	for k := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c.NewClient()
			for i := range entries / clients {
				if _, err := cl.Put(context.Background(), fmt.Sprintf("k%d", (k*7919+i)%5000), []byte("0123456789abcdef")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := c.Status()
	l, _ := st.Node(st.Leader)
	res, err := c.Add(ctxFor(t, time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("log of %d entries (leader snapshot at %d): node %d joined at %d, promoted at %d holding %d, %v after the add began",
		l.LastIndex, l.SnapshotIndex, res.ID, res.LearnerAt, res.PromotedAt, res.Match, res.Took)
	if !hasEvent(c, fmt.Sprintf("%d installed snapshot", res.ID)) {
		t.Errorf("node %d did not catch up by snapshot", res.ID)
	}
}

// The longest pause between acknowledged writes around each of 20
// leadership transfers, with clients writing 500 times a second.
func TestMembershipNumbersTransferGap(t *testing.T) {
	if os.Getenv("RAFTPLAY_MEMBER_NUMBERS") == "" {
		t.Skip("set RAFTPLAY_MEMBER_NUMBERS=1 to measure")
	}
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	var mu sync.Mutex
	var acks []time.Time
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const rate, clients = 500, 8
	for k := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c.NewClient()
			tick := time.NewTicker(time.Second * clients / rate)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := cl.Put(context.Background(), fmt.Sprintf("c%d", k), []byte(fmt.Sprint(i))); err == nil {
					mu.Lock()
					acks = append(acks, time.Now())
					mu.Unlock()
				}
			}
		}()
	}
	var gaps, tooks []time.Duration
	for range 20 {
		time.Sleep(300 * time.Millisecond) // steady load between transfers
		start := time.Now()
		res, err := c.Transfer(ctxFor(t, 10*time.Second), 0)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		end := time.Now()
		mu.Lock()
		var gap time.Duration
		last := start.Add(-200 * time.Millisecond)
		for _, a := range acks {
			if a.After(last) && a.Before(end) {
				gap = max(gap, a.Sub(last))
				last = a
			}
		}
		mu.Unlock()
		gaps, tooks = append(gaps, gap), append(tooks, res.Took)
	}
	close(stop)
	wg.Wait()
	slices.Sort(gaps)
	slices.Sort(tooks)
	t.Logf("20 transfers at %d writes/s: longest pause between acknowledged writes p50 %v max %v (expected spacing %v); transfer took p50 %v max %v; election timeout %v",
		rate, gaps[len(gaps)/2], gaps[len(gaps)-1], time.Second/rate, tooks[len(tooks)/2], tooks[len(tooks)-1], c.Timing().ElectionMin)
}
