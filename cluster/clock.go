package cluster

import "time"

// tickClock turns elapsed monotonic time into the core's ticks. A node
// wakes on a time.Ticker, but a Ticker drops ticks whenever its reader is
// late (a busy loop, a GC pause, a loaded machine: 1 ms tickers lose about a
// tenth of their ticks on a small machine even when idle), and every timeout
// would then run long. So each wake-up hands the core as many ticks as have
// elapsed since the clock was reset, not one. (The loop hands one only
// when the node has just heard from its leader: node.run.) Time the whole
// process stood still (stall.go) is left out: base moves past it.
//
// Invariant: done == the ticks handed out since base (base moved forward,
// more than have elapsed: due hands out none until time catches up).
type tickClock struct {
	tick time.Duration
	base time.Time
	done int64
	// stalled is the process's stalls (stallWatch) as of the last reset
	// or due: time the whole process stood still is left out.
	stalled time.Duration
}

// reset starts counting ticks of length tick from now; stalled is the
// process's stalls so far.
func (c *tickClock) reset(now time.Time, tick, stalled time.Duration) {
	c.tick, c.base, c.done, c.stalled = tick, now, 0, stalled
}

// due returns how many ticks have elapsed since the last call (or reset),
// at most limit: after a stall longer than limit ticks (the process was
// stopped, a laptop slept), the core gets limit ticks at once, not a flood
// of heartbeats. Time the whole process stood still since the last call
// (stalled, the process's stalls so far, grew by it) does not count.
func (c *tickClock) due(now time.Time, limit int, stalled time.Duration) int {
	if d := stalled - c.stalled; d > 0 {
		c.base = c.base.Add(d)
		c.stalled = stalled
	}
	n := int64(now.Sub(c.base) / c.tick)
	d := n - c.done
	c.done = max(n, c.done)
	return int(min(max(d, 0), int64(limit)))
}
