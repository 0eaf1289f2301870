package cluster

import (
	"sync"
	"time"
)

// Every node of a cluster runs in this one process, so a stall of the
// process stops them all at once: a SIGSTOP (ctrl-Z, then fg), a long
// garbage collection, or a machine so loaded that the process is not
// scheduled for a while. Separate machines would not stall together. Here,
// on waking, each node's clock (tickClock) counted the time that passed
// while it stood still: every follower ran out its election timer at
// once, before its leader, stalled too, could send a heartbeat, and the
// cluster elected a new leader for no reason it could show (a 2 s SIGSTOP
// of `raftplay script` always did; so did 300 clients writing 1 MiB
// values on a loaded machine, every second or so).
//
// The stall watch tells the nodes how long the process stood still: a
// goroutine that never blocks wakes every stallPeriod, and a wake-up (its
// own, or a node's tick) that finds neither it nor any node's loop has run
// for more than stallMin counts the gap, less stallMin, as a stall. The nodes' clocks
// leave that time out: to the cluster, the world stopped and went on. A
// node that alone stands still (its loop waits for a slow fsync: set
// disk-delay) is not helped: the watch runs meanwhile, and the node's
// timers run as a separate machine's would.
//
// The watch cannot tell a stopped process from one whose goroutines, the
// nodes' among them, wait for a processor other goroutines hold: under a
// heavy load of the process's own, it counts part of the time as stalls
// (a review measured 20-60% with 4 busy goroutines a core), the nodes'
// clocks run slow, and a failover takes longer (1.0 s against 0.8 s with
// 2 busy goroutines a core); without it, under 8 a core, no leader kept
// its place at all. A clock runs at stallMin/gap of real time at least.
type stallWatch struct {
	mu    sync.Mutex
	last  time.Time     // the last time anyone saw the process run
	total time.Duration // the stalls seen so far
	users int
	stop  chan struct{}
	done  chan struct{}
}

const (
	// stallPeriod is how often the watch's goroutine wakes.
	stallPeriod = 5 * time.Millisecond
	// stallMin is the longest gap that is not a stall, and the part of
	// a longer one counted as time that passed: a loaded machine delays
	// a goroutine's wake-up by some milliseconds all the time. It stays
	// below the scripts' shortest election timeout (150 ms) less their
	// heartbeat (15 ms), so that a stall alone times no follower out.
	stallMin = 50 * time.Millisecond
)

// stalls is the process's stall watch, shared by its clusters (tests run
// many at once): its goroutine runs while a cluster holds it.
var stalls = &stallWatch{}

// acquire starts the watch for one more user (a cluster).
func (s *stallWatch) acquire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users++
	if s.users > 1 {
		return
	}
	s.last = time.Now()
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.run(s.stop, s.done)
}

// release ends one user's hold; the last stops the goroutine.
func (s *stallWatch) release() {
	s.mu.Lock()
	s.users--
	if s.users > 0 {
		s.mu.Unlock()
		return
	}
	stop, done := s.stop, s.done
	s.stop, s.done = nil, nil
	s.mu.Unlock()
	close(stop)
	<-done
}

func (s *stallWatch) run(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(stallPeriod)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.observe(time.Now())
		}
	}
}

// observe notes that the process runs at now and returns the total of
// its stalls so far.
func (s *stallWatch) observe(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gap := now.Sub(s.last); gap > stallMin {
		// Of a gap, stallMin is counted as time that passed and the
		// rest as a stall. Counted from the watch's period instead, a
		// process whose own goroutines kept the processors busy (a
		// test binary running many clusters under -race on a loaded
		// machine) had gaps of 100-200 ms all the time, its nodes'
		// clocks ran at a few percent, and no election happened in 10 s
		// (every node at term 0). Now a clock runs at stallMin/gap at
		// least. A gap that really is a stall lets stallMin pass, under
		// the script's shortest election timeout less its heartbeat.
		s.total += gap - stallMin
	}
	if now.After(s.last) {
		s.last = now
	}
	return s.total
}
