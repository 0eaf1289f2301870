package cluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// History records concurrent client operations for a linearizability check
// (experiment/ keeps its own, richer history for chaos runs).
// It is safe for concurrent use.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

// NewHistory starts an empty history; times are measured from now.
func NewHistory() *History { return &History{start: time.Now()} }

// Add records one operation by client that was called at call and returned
// at ret with out. A read with an unknown outcome tells nothing and is
// dropped; a write with an unknown outcome is kept as one that may take
// effect at any time after its call (it never returns).
func (h *History) Add(client int, in OpInput, call, ret time.Time, out OpOutput) {
	if out.Unknown && in.Op == OpGet {
		return
	}
	op := porcupine.Operation{
		ClientId: client,
		Input:    in,
		Call:     int64(call.Sub(h.start)),
		Output:   out,
		Return:   int64(ret.Sub(h.start)),
	}
	if out.Unknown {
		op.Return = math.MaxInt64
	}
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

// Len returns the number of operations recorded.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ops)
}

// Unknown returns the number of writes whose outcome is unknown.
func (h *History) Unknown() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, op := range h.ops {
		if op.Output.(OpOutput).Unknown {
			n++
		}
	}
	return n
}

// Check runs the linearizability checker over the history, for at most
// timeout (0: no limit). The verdict is porcupine.Ok, Illegal or Unknown
// (the time ran out).
func (h *History) Check(timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo) {
	h.mu.Lock()
	ops := append([]porcupine.Operation(nil), h.ops...)
	h.mu.Unlock()
	return porcupine.CheckOperationsVerbose(KVModel, ops, timeout)
}

// envDuration reads a duration from the environment, or returns def.
func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	if s := os.Getenv(name); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, s, err)
		}
		return d
	}
	return def
}

func envUint(t *testing.T, name string, def uint64) uint64 {
	if s := os.Getenv(name); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, s, err)
		}
		return v
	}
	return def
}

func httpClient() *http.Client { return &http.Client{Timeout: 5 * time.Second} }

// nemesis breaks the cluster at random, seeded, until ctx ends, keeping at
// most a minority down or paused so the cluster can make progress between
// faults. It returns a description of what it did.
func nemesis(ctx context.Context, t *testing.T, c *Cluster, rng *rand.Rand, every time.Duration) []string {
	var log []string
	n := uint64(c.Size())
	down := map[uint64]string{} // node -> "crashed" or "paused"
	for {
		select {
		case <-ctx.Done():
			return log
		case <-time.After(every):
		}
		id := 1 + rng.Uint64N(n)
		var what string
		var err error
		switch a := rng.IntN(6); {
		case a == 0 && down[id] == "" && uint64(len(down)) < (n-1)/2:
			err, what = c.Crash(id), fmt.Sprintf("crash %d", id)
			down[id] = "crashed"
		case a == 1 && down[id] == "" && uint64(len(down)) < (n-1)/2:
			err, what = c.Pause(id), fmt.Sprintf("pause %d", id)
			down[id] = "paused"
		case a == 2:
			groups := [][]uint64{{}, {}}
			for i := uint64(1); i <= n; i++ {
				g := rng.IntN(2)
				groups[g] = append(groups[g], i)
			}
			err, what = c.Partition(groups), fmt.Sprintf("partition %v", groups)
		case a == 3:
			c.Heal()
			what = "heal"
		default:
			for d, st := range down {
				if st == "crashed" {
					err, what = c.Restart(d), fmt.Sprintf("restart %d", d)
				} else {
					err, what = c.Resume(d), fmt.Sprintf("resume %d", d)
				}
				delete(down, d)
				break
			}
		}
		if err != nil {
			t.Errorf("nemesis %s: %v", what, err)
		}
		if what != "" {
			log = append(log, what)
		}
	}
}

// TestLinearizableUnderFaults runs concurrent clients over the HTTP API while
// a seeded nemesis crashes, restarts, pauses and partitions nodes, then
// checks the whole history with porcupine. LINZ_DURATION and LINZ_SEED run
// longer or other experiments.
func TestLinearizableUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster with faults: not in -short")
	}
	seed := envUint(t, "LINZ_SEED", uint64(time.Now().UnixNano()))
	duration := envDuration(t, "LINZ_DURATION", 4*time.Second)
	t.Logf("seed %d (rerun with LINZ_SEED=%d), duration %v", seed, seed, duration)
	rng := rand.New(rand.NewPCG(seed, 1))
	c, err := Start(Options{Nodes: 5, DataDir: t.TempDir(), Seed: seed, SnapshotEvery: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if _, err := c.WaitLeader(ctx); err != nil {
		t.Fatalf("no leader: %v", err)
	}
	cancel()

	h := NewHistory()
	runCtx, stop := context.WithTimeout(context.Background(), duration)
	defer stop()
	var wg sync.WaitGroup
	const clients, keys = 4, 6
	for cl := 0; cl < clients; cl++ {
		crng := rand.New(rand.NewPCG(seed, uint64(cl)+100))
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Timeout: 3 * time.Second}
			for i := 0; runCtx.Err() == nil; i++ {
				in := OpInput{Key: fmt.Sprintf("k%d", crng.IntN(keys))}
				switch r := crng.IntN(10); {
				case r < 5:
					in.Op, in.Value = OpPut, fmt.Sprintf("c%d-%d", cl, i)
				case r < 9:
					in.Op = OpGet
				default:
					in.Op = OpDel
				}
				st := c.Status()
				addr := st.Nodes[crng.IntN(len(st.Nodes))].HTTPAddr
				call := time.Now()
				out, known := HTTPOp(context.Background(), hc, addr, in)
				ret := time.Now()
				if known || out.Unknown {
					h.Add(cl, in, call, ret, out)
				}
				if !known {
					time.Sleep(10 * time.Millisecond) // let a leader appear; not a correctness wait
				}
			}
		}()
	}
	faults := nemesis(runCtx, t, c, rng, 250*time.Millisecond)
	wg.Wait()
	t.Logf("nemesis: %v", faults)

	// Heal everything, bring every node back, and wait for convergence.
	c.Heal()
	for _, n := range c.Status().Nodes {
		switch n.State {
		case StateCrashed:
			if err := c.Restart(n.ID); err != nil {
				t.Fatal(err)
			}
		case StatePaused:
			if err := c.Resume(n.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A final read of every key after the faults joins the history too.
	hc := &http.Client{Timeout: 5 * time.Second}
	for k := 0; k < keys; k++ {
		in := OpInput{Op: OpGet, Key: fmt.Sprintf("k%d", k)}
		for attempt := 0; attempt < 50; attempt++ {
			st, err := c.WaitLeader(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			call := time.Now()
			out, known := HTTPOp(context.Background(), hc, st.Nodes[st.Leader-1].HTTPAddr, in)
			if known {
				h.Add(99, in, call, time.Now(), out)
				break
			}
		}
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if st, err := c.WaitFor(wctx, Converged); err != nil {
		t.Fatalf("no convergence after healing: %+v", st.Nodes)
	}
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("safety violations: %+v", v)
	}
	res, info := h.Check(time.Minute)
	t.Logf("%d operations (%d with unknown outcome), verdict %s", h.Len(), h.Unknown(), res)
	if res != porcupine.Ok {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("raftplay-linz-%d.html", seed))
		if err := porcupine.VisualizePath(KVModel, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
		t.Fatalf("history is %s (seed %d)", res, seed)
	}
	if h.Len() < 20 {
		t.Fatalf("only %d operations completed: the cluster made almost no progress", h.Len())
	}
}
