package cluster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLongRunBounded writes RAFTPLAY_LONGRUN writes (e.g. 1000000) through a
// 5-node cluster with compaction on and checks that disk use stays bounded
// and reports the process's peak resident memory. It is skipped unless the
// variable is set: it takes minutes.
func TestLongRunBounded(t *testing.T) {
	total, _ := strconv.Atoi(os.Getenv("RAFTPLAY_LONGRUN"))
	if total <= 0 {
		t.Skip("set RAFTPLAY_LONGRUN=1000000 to run")
	}
	dir := t.TempDir()
	c, err := Start(Options{Nodes: 5, DataDir: dir, Seed: 7, SnapshotEvery: 10000})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitLeader(t, c)
	var left atomic.Int64
	left.Store(int64(total))
	var maxDisk atomic.Int64
	stop := make(chan struct{})
	go func() { // sample disk use while writing
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			if d := dirSize(dir); d > maxDisk.Load() {
				maxDisk.Store(d)
			}
		}
	}()
	start := time.Now()
	value := make([]byte, 128)
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c.NewClient()
			for left.Add(-1) >= 0 {
				if _, err := cl.Put(context.Background(), fmt.Sprint("k", i), value); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	elapsed := time.Since(start)
	waitFor(t, c, "convergence", Converged)
	if path := os.Getenv("RAFTPLAY_HEAPPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			runtime.GC()
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	disk := max(maxDisk.Load(), dirSize(dir))
	rss := peakRSS()
	t.Logf("%d writes in %v (%.0f/s); peak disk %.1f MiB; peak RSS %.1f MiB", total, elapsed.Round(time.Second),
		float64(total)/elapsed.Seconds(), float64(disk)/(1<<20), float64(rss)/(1<<20))
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
	// Without compaction 1M writes of 128 B on 5 nodes need over 1 GiB.
	if disk > 5*256<<20 {
		t.Errorf("disk use %d MiB: not bounded by compaction", disk>>20)
	}
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// peakRSS reads the process's peak resident set size (VmHWM) in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
