package record

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"raftplay/cluster"
)

// TestRecorderOverhead runs `raftplay bench --clients 16 --duration 4s`
// with a recorder, for a CPU profile of what recording costs:
//
//	RAFTPLAY_RECORD_BENCH=1 go test -run RecorderOverhead -cpuprofile cpu.out ./record/
//	go tool pprof -top cpu.out
func TestRecorderOverhead(t *testing.T) {
	if os.Getenv("RAFTPLAY_RECORD_BENCH") == "" {
		t.Skip("set RAFTPLAY_RECORD_BENCH=1 to run")
	}
	file := filepath.Join(t.TempDir(), "bench.rec")
	var recErr error
	res, err := cluster.Bench(context.Background(), cluster.BenchOptions{
		Cluster: cluster.Options{Nodes: 3, DataDir: t.TempDir(), Timing: cluster.PaperTiming},
		Clients: 16, Payload: 128, Duration: 4 * time.Second, Warmup: 2 * time.Second, Recorded: &recErr,
		Record: func(c *cluster.Cluster) func() error {
			rec, err := Create(file, c, OptionsOf(cluster.Options{Nodes: 3}, "bench"), WriterOptions{Plain: os.Getenv("RAFTPLAY_RECORD_PLAIN") != ""})
			if err != nil {
				t.Fatal(err)
			}
			return rec.Close
		},
	})
	if err != nil || recErr != nil {
		t.Fatal(err, recErr)
	}
	fi, _ := os.Stat(file)
	t.Logf("%.0f writes/s; recording %d bytes", res.OpsPerSec, fi.Size())
}
