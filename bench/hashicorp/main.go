// Command hashicorp runs the workload of `raftplay bench` on
// github.com/hashicorp/raft v1.8.0 with raft-boltdb/v2 (fsync on): a cluster
// of nodes in this process, each with its own NetworkTransport on
// 127.0.0.1 and its own bolt file, N closed-loop clients calling Apply on
// the leader, each putting a value to its own key and waiting for it to be
// committed and applied. It prints one JSON line with the fields of
// raftplay's (impl "hashicorp/raft").
//
// It is a module of its own (bench/hashicorp/go.mod) so that raftplay does
// not depend on hashicorp/raft; bench/compare.sh runs both.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// result is raftplay's BenchResult line (cluster/bench.go), field for field.
type result struct {
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
	Trace     bool    `json:"trace"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hashicorp bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hashicorp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.Int("nodes", 3, "cluster size")
	clients := fs.Int("clients", 16, "concurrent closed-loop writers")
	payload := fs.Int("payload", 128, "value size in bytes")
	duration := fs.Duration("duration", 10*time.Second, "measured time")
	warmup := fs.Duration("warmup", 2*time.Second, "time before measuring")
	data := fs.String("data", "", "directory for the nodes' files (default: a temporary one, removed at exit)")
	verbose := fs.Bool("v", false, "hashicorp/raft's own log (warnings and errors) on standard error")
	failover := fs.Int("failover", 0, "instead of writes: time N leader failovers (crash the leader, time until another node leads), each on a fresh cluster")
	timeout := fs.Duration("timeout", 0, "with --failover: HeartbeatTimeout = ElectionTimeout = this, LeaderLeaseTimeout = half (0: hashicorp's defaults)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *nodes < 1 || *clients < 1 || *payload < 0 || *duration <= 0 || *warmup < 0:
		return fmt.Errorf("want nodes >= 1, clients >= 1, payload >= 0, duration > 0, warmup >= 0")
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	dir := *data
	if dir == "" {
		d, err := os.MkdirTemp("", "hashicorp-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	if *failover > 0 {
		return runFailover(ctx, dir, *nodes, *failover, *timeout, logOut, stdout)
	}
	c, err := startCluster(dir, *nodes, logOut, 0)
	if err != nil {
		return err
	}
	defer c.shutdown()
	leader, err := c.waitLeader(ctx, 10*time.Second)
	if err != nil {
		return err
	}
	res, err := measure(ctx, leader, *clients, *payload, *warmup, *duration)
	if err != nil {
		return err
	}
	res.Nodes = *nodes
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	if res.Ops == 0 {
		return fmt.Errorf("no write succeeded in the measured time (%d failed)", res.Errors)
	}
	return err
}

// cluster is the nodes of one in-process hashicorp/raft cluster.
type cluster struct {
	rafts  []*raft.Raft
	stores []*raftboltdb.BoltStore
	trans  []*raft.NetworkTransport
}

func startCluster(dir string, n int, logOut io.Writer, timeout time.Duration) (*cluster, error) {
	c := &cluster{}
	var servers []raft.Server
	for i := 1; i <= n; i++ {
		t, err := raft.NewTCPTransport("127.0.0.1:0", nil, 3, 10*time.Second, logOut)
		if err != nil {
			c.shutdown()
			return nil, err
		}
		c.trans = append(c.trans, t)
		servers = append(servers, raft.Server{ID: raft.ServerID(strconv.Itoa(i)), Address: t.LocalAddr()})
	}
	for i := 1; i <= n; i++ {
		nodeDir := filepath.Join(dir, fmt.Sprintf("node-%d", i))
		if err := os.MkdirAll(nodeDir, 0o755); err != nil {
			c.shutdown()
			return nil, err
		}
		// One bolt file per node serves as log and stable store, fsynced
		// on every commit (NoSync false), as raft-boltdb is used in Consul.
		store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(nodeDir, "raft.db")})
		if err != nil {
			c.shutdown()
			return nil, err
		}
		c.stores = append(c.stores, store)
		snaps, err := raft.NewFileSnapshotStore(nodeDir, 1, logOut)
		if err != nil {
			c.shutdown()
			return nil, err
		}
		conf := raft.DefaultConfig()
		conf.LocalID = servers[i-1].ID
		if timeout > 0 {
			conf.HeartbeatTimeout, conf.ElectionTimeout, conf.LeaderLeaseTimeout = timeout, timeout, timeout/2
		}
		conf.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft-" + strconv.Itoa(i), Level: hclog.Warn, Output: logOut})
		r, err := raft.NewRaft(conf, newFSM(), store, store, snaps, c.trans[i-1])
		if err != nil {
			c.shutdown()
			return nil, err
		}
		c.rafts = append(c.rafts, r)
	}
	if err := c.rafts[0].BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil {
		c.shutdown()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return c, nil
}

func (c *cluster) waitLeader(ctx context.Context, within time.Duration) (*raft.Raft, error) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, r := range c.rafts {
			if r.State() == raft.Leader {
				return r, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("no leader elected within %v", within)
}

func (c *cluster) shutdown() {
	for _, r := range c.rafts {
		r.Shutdown().Error()
	}
	for _, t := range c.trans {
		t.Close()
	}
	for _, s := range c.stores {
		s.Close()
	}
}

// measure runs the closed-loop writers as cluster.Bench does: a write
// counts if its answer came inside the measured window, whenever it
// started; one answered after the window closed is not counted (raftplay
// cancels those; Apply cannot be, so they finish uncounted), but its time
// until the window closed goes into the latencies, as raftplay's does.
func measure(ctx context.Context, leader *raft.Raft, clients, payload int, warmup, duration time.Duration) (result, error) {
	value := make([]byte, payload)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(duration)
	lat := make([][]time.Duration, clients)
	inFlight := make([][]time.Duration, clients)
	errs := make([]int, clients)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("bench-%d", i)
			for {
				t0 := time.Now()
				if t0.After(end) || ctx.Err() != nil {
					return
				}
				// Like raftplay's client, each write gets its own buffer
				// (the log keeps the bytes).
				cmd := encodePut(key, value)
				err := leader.Apply(cmd, 5*time.Second).Error()
				t1 := time.Now()
				if !t1.Before(end) {
					inFlight[i] = append(inFlight[i], end.Sub(t0)) // a lower bound
					continue
				}
				if t1.Before(measureFrom) {
					continue
				}
				if err != nil {
					errs[i]++
					continue
				}
				lat[i] = append(lat[i], t1.Sub(t0))
			}
		}()
	}
	wg.Wait()
	res := result{Impl: "hashicorp/raft", Clients: clients, Payload: payload}
	var all []time.Duration
	for i := range lat {
		all = append(all, lat[i]...)
		res.Errors += errs[i]
	}
	res.Ops = len(all)
	for i := range inFlight {
		all = append(all, inFlight[i]...)
	}
	slices.Sort(all)
	res.OpsPerSec = round2(float64(res.Ops) / duration.Seconds())
	if len(all) > 0 {
		res.P50ms = ms(all[len(all)/2])
		res.P99ms = ms(all[min(len(all)-1, len(all)*99/100)])
		res.MaxMs = ms(all[len(all)-1])
	}
	return res, ctx.Err()
}

func ms(d time.Duration) float64 { return round2(float64(d) / float64(time.Millisecond)) }

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// encodePut encodes a put as keylen(uvarint) | key | value.
func encodePut(key string, value []byte) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(key)+len(value))
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	return append(b, value...)
}

var errBadCommand = errors.New("bad command")

func decodePut(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, errBadCommand
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

// fsm is a key-value map, the state machine of every node.
type fsm struct {
	mu   sync.Mutex
	data map[string][]byte
}

func newFSM() *fsm { return &fsm{data: map[string][]byte{}} }

func (f *fsm) Apply(l *raft.Log) any {
	key, value, err := decodePut(l.Data)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.data[key] = append([]byte(nil), value...) // a copy, as raftplay's store keeps
	f.mu.Unlock()
	return nil
}

func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b []byte
	for k, v := range f.data {
		rec := encodePut(k, v)
		b = binary.AppendUvarint(b, uint64(len(rec)))
		b = append(b, rec...)
	}
	return snapshot(b), nil
}

func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	data := map[string][]byte{}
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return errBadCommand
		}
		key, value, err := decodePut(b[k : k+int(n)])
		if err != nil {
			return err
		}
		data[key] = value
		b = b[k+int(n):]
	}
	f.mu.Lock()
	f.data = data
	f.mu.Unlock()
	return nil
}

type snapshot []byte

func (s snapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s snapshot) Release() {}

// runFailover times leader failovers as `raftplay experiment election`
// does: a fresh cluster per trial, its leader crashed (its transport closed
// first, so it sends nothing more, then shut down) at a random moment, and
// the time until another node is leader. It prints one JSON line.
func runFailover(ctx context.Context, dir string, nodes, trials int, timeout time.Duration, logOut, stdout io.Writer) error {
	var times []time.Duration
	for t := 0; t < trials; t++ {
		c, err := startCluster(filepath.Join(dir, fmt.Sprintf("trial-%d", t)), nodes, logOut, timeout)
		if err != nil {
			return err
		}
		leader, err := c.waitLeader(ctx, 10*time.Second)
		if err != nil {
			c.shutdown()
			return err
		}
		// Settle, then crash within a heartbeat interval (a tenth of the
		// heartbeat timeout), as raftplay's experiment does.
		hb := max(timeout, raft.DefaultConfig().HeartbeatTimeout) / 10
		time.Sleep(time.Second + time.Duration(rand.Int64N(int64(hb))))
		var idx int
		for i, r := range c.rafts {
			if r == leader {
				idx = i
			}
		}
		start := time.Now()
		c.trans[idx].Close()
		go leader.Shutdown()
		var took time.Duration
		for took == 0 {
			for i, r := range c.rafts {
				if i != idx && r.State() == raft.Leader {
					took = time.Since(start)
				}
			}
			if time.Since(start) > 30*time.Second {
				c.shutdown()
				return fmt.Errorf("trial %d: no new leader within 30s", t)
			}
			time.Sleep(200 * time.Microsecond)
		}
		times = append(times, took)
		c.shutdown()
	}
	slices.Sort(times)
	out := struct {
		Impl     string  `json:"impl"`
		Nodes    int     `json:"nodes"`
		Trials   int     `json:"trials"`
		Timeout  string  `json:"timeout"`
		MedianMs float64 `json:"median_ms"`
		MaxMs    float64 `json:"max_ms"`
		MinMs    float64 `json:"min_ms"`
	}{"hashicorp/raft", nodes, trials, timeout.String(), ms(times[len(times)/2]), ms(times[len(times)-1]), ms(times[0])}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}
