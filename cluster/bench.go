package cluster

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// BenchOptions configures Bench.
type BenchOptions struct {
	Cluster  Options       // the cluster to start (DataDir is required)
	Clients  int           // concurrent closed-loop writers
	Payload  int           // value size in bytes
	Duration time.Duration // measured time
	Warmup   time.Duration // writes before measuring, not counted
	// Progress, if not nil, tells how far the run has got while it runs
	// (for progress reports).
	Progress *BenchProgress
	// NoTrace turns the message trace off (it records by default), to
	// measure what it costs.
	NoTrace bool
	// LeaderWait is how long to wait for a leader before giving up;
	// 0 means BenchLeaderWait.
	LeaderWait time.Duration
	// Record, if set, is called once the cluster has started (a recorder
	// starts there); the function it returns is called when the writers
	// are done, before the cluster closes.
	Record func(c *Cluster) (stop func() error)
	// Recorded is set to the record stop's error.
	Recorded *error
}

// BenchProgress is what a running Bench tells as it goes. The writers
// start at Started (0 before: the cluster starts and elects a leader); the
// measured window runs from Started + Warmup for Duration.
type BenchProgress struct {
	Started  atomic.Int64 // Unix nanoseconds when the writers started, 0 until then
	Acked    atomic.Int64 // writes acknowledged so far, warm-up included
	Measured atomic.Int64 // writes acknowledged inside the measured window so far: BenchResult.Ops at the end
}

// BenchLeaderWait is how long a bench waits for its cluster to elect a
// leader before it gives up.
const BenchLeaderWait = 10 * time.Second

// BenchResult is what `raftplay bench` prints, as one JSON line.
type BenchResult struct {
	Impl      string  `json:"impl"`
	Nodes     int     `json:"nodes"`
	Clients   int     `json:"clients"`
	Payload   int     `json:"payload"`
	Ops       int     `json:"ops"`
	OpsPerSec float64 `json:"ops_per_sec"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	Errors    int     `json:"errors"`
	Trace     bool    `json:"trace"` // the message trace recorded
	// Cut is the writes in flight when the window closed (cancelled, or
	// answered just after), in the latencies only (not printed: for the
	// error of a run with no write in its window).
	Cut int `json:"-"`
}

// Bench starts a cluster with real fsyncing WALs over real TCP, waits for a
// leader, and runs closed-loop writers against it: each client puts a value
// to its own key, waits for it to be committed and applied, and goes again.
//
// The measured window starts Warmup after the writers and lasts Duration.
// A write counts (in Ops, the latencies and OpsPerSec = Ops / Duration) when
// its acknowledgement came inside the window, whenever it started; a failed
// write counts in Errors when it failed inside the window. Writes still in
// flight when the window closes are cancelled: the run ends with its
// window, however slow the writes (a 1 MiB write to 64 clients took
// seconds, and a run of 3 s went on for 7 counting their late answers).
// They are not in Ops, but the latencies (p50, p99, max) count each with
// the time it had taken when the window closed, a lower bound: left out,
// the slowest writes of a slow run would be missing from them.
func Bench(ctx context.Context, o BenchOptions) (BenchResult, error) {
	if o.Clients < 1 || o.Payload < 0 || o.Duration <= 0 || o.Warmup < 0 {
		return BenchResult{}, fmt.Errorf("cluster: bench: clients %d, payload %d, duration %v, warmup %v: want clients >= 1, payload >= 0, duration > 0, warmup >= 0",
			o.Clients, o.Payload, o.Duration, o.Warmup)
	}
	c, err := Start(o.Cluster)
	if err != nil {
		return BenchResult{}, err
	}
	defer c.Close()
	c.trace.on.Store(!o.NoTrace)
	if o.Record != nil {
		stop := o.Record(c)
		defer func() {
			if err := stop(); o.Recorded != nil {
				*o.Recorded = err
			}
		}()
	}
	wait := o.LeaderWait
	if wait <= 0 {
		wait = BenchLeaderWait
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	_, err = c.WaitLeader(wctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return BenchResult{}, fmt.Errorf("cluster: bench: %w", ctx.Err())
		}
		t := c.Status().Timing
		return BenchResult{}, fmt.Errorf("cluster: bench: no leader elected within %v (election timeout %v-%v)", wait, t.ElectionMin, t.ElectionMax)
	}

	value := make([]byte, o.Payload)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	start := time.Now()
	measureFrom := start.Add(o.Warmup)
	end := measureFrom.Add(o.Duration)
	if o.Progress != nil {
		o.Progress.Started.Store(start.UnixNano())
	}
	// The writes in flight when the window closes are cancelled with it.
	wctx, cancelWrites := context.WithDeadline(ctx, end)
	defer cancelWrites()
	lat := make([][]time.Duration, o.Clients)
	errs := make([]int, o.Clients)
	inFlight := make([][]time.Duration, o.Clients)
	var wg sync.WaitGroup
	for i := 0; i < o.Clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c.NewClient()
			key := fmt.Sprintf("bench-%d", i)
			for wctx.Err() == nil {
				t0 := time.Now()
				// Each write is bounded as a write with no deadline is
				// (DefaultOpTimeout): one that a leader dropped is tried
				// again, not waited for until the window closes.
				pctx, cancel := context.WithTimeout(wctx, DefaultOpTimeout)
				_, err := cl.Put(pctx, key, value)
				cancel()
				t1 := time.Now()
				if err == nil && o.Progress != nil {
					o.Progress.Acked.Add(1)
				}
				if !t1.Before(end) && ctx.Err() == nil {
					// In flight when the window closed (cut short, or
					// answered just after): it took at least this long.
					// Left out, the slowest writes of a slow run would be
					// missing from p99 and max.
					inFlight[i] = append(inFlight[i], end.Sub(t0))
				}
				if t1.Before(measureFrom) || !t1.Before(end) {
					continue // outside the window (or cut short by its end)
				}
				if err != nil {
					errs[i]++
					continue
				}
				lat[i] = append(lat[i], t1.Sub(t0))
				if o.Progress != nil {
					o.Progress.Measured.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	res := BenchResult{Impl: "raftplay", Nodes: o.Cluster.Nodes, Clients: o.Clients, Payload: o.Payload, Trace: !o.NoTrace}
	if v := c.Status().Voters(); len(v) > 0 {
		res.Nodes = len(v) // a --data of an earlier run: its configuration, not the slots (a removed node has one)
	}
	for i := range lat {
		all = append(all, lat[i]...)
		res.Errors += errs[i]
	}
	res.Ops = len(all)
	for i := range inFlight {
		all = append(all, inFlight[i]...)
	}
	res.Cut = len(all) - res.Ops
	slices.Sort(all)
	res.OpsPerSec = round2(float64(res.Ops) / o.Duration.Seconds())
	if len(all) > 0 {
		res.P50ms = ms(all[len(all)/2])
		res.P99ms = ms(all[min(len(all)-1, len(all)*99/100)])
		res.MaxMs = ms(all[len(all)-1])
	}
	if v := c.Violations(); len(v) > 0 {
		return res, fmt.Errorf("cluster: bench: safety violation: %s", v[0].Text)
	}
	return res, ctx.Err()
}

func ms(d time.Duration) float64 { return round2(float64(d) / float64(time.Millisecond)) }

func round2(f float64) float64 { return math.Round(f*100) / 100 }
