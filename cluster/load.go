package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// loadGen writes in the background at a fixed rate, through a small pool of
// clients so that a slow write does not hold back the next ones.
type loadGen struct {
	rate   int
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

const loadWorkers = 32

// StartLoad writes random keys in the background at rate writes per second,
// replacing any load already running. Writes that cannot start because every
// worker is busy are skipped, so an unhealthy cluster is not flooded.
func (c *Cluster) StartLoad(rate int) error {
	if rate <= 0 {
		return fmt.Errorf("cluster: load rate %d: must be positive", rate)
	}
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	c.stopLoadLocked()
	if c.loadClients == nil {
		// Made once and kept: each client registers a session, and a new
		// set a load toggled on, 32 registrations each time, drove the
		// commit index ever further ahead of the writes acknowledged (a
		// learner's report).
		for range loadWorkers {
			c.loadClients = append(c.loadClients, c.NewClient())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &loadGen{rate: rate, cancel: cancel}
	jobs := make(chan int)
	for w := 0; w < loadWorkers; w++ {
		g.wg.Add(1)
		cl := c.loadClients[w]
		go func() {
			defer g.wg.Done()
			for i := range jobs {
				key := fmt.Sprintf("load-%d", i%64)
				_, _ = cl.Put(ctx, key, []byte(fmt.Sprint(i)))
			}
		}()
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer close(jobs)
		// Every tick, hand out the writes that are due by now at rate; a
		// write due while every worker is busy is skipped, not queued.
		t := time.NewTicker(max(time.Second/time.Duration(rate), time.Millisecond))
		defer t.Stop()
		start, due := time.Now(), 0
		for i := 0; ; {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				for target := int(now.Sub(start).Seconds() * float64(rate)); due < target; due++ {
					select {
					case jobs <- i:
						i++
					default:
					}
				}
			}
		}
	}()
	c.mu.Lock()
	c.load = g
	c.mu.Unlock()
	c.events.Add(Event{Kind: EventSetting, Text: fmt.Sprintf("background load %d writes/s", rate)})
	return nil
}

// StopLoad stops the background writes, if any, and waits for them to end.
func (c *Cluster) StopLoad() {
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	c.stopLoadLocked()
}

// stopLoadLocked is StopLoad with loadMu held.
func (c *Cluster) stopLoadLocked() {
	c.mu.Lock()
	g := c.load
	c.load = nil
	c.mu.Unlock()
	if g == nil {
		return
	}
	g.cancel()
	g.wg.Wait()
	c.events.Add(Event{Kind: EventSetting, Text: "background load off"})
}
