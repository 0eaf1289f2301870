package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/transport"
)

func TestLostWrites(t *testing.T) {
	put := func(v string, call, ret int64) Op { return Op{Op: "put", Key: "k", Value: v, Call: call, Return: ret} }
	del := func(call, ret int64) Op { return Op{Op: "del", Key: "k", Call: call, Return: ret} }
	unknown := func(op Op) Op { op.Unknown, op.Return = true, -1; return op }
	val := func(v string) map[string]Op { return map[string]Op{"k": {Op: "get", Key: "k", Value: v, Found: true}} }
	nilv := map[string]Op{"k": {Op: "get", Key: "k"}}
	cases := []struct {
		name  string
		ops   []Op
		final map[string]Op
		lost  int
	}{
		{"last write wins", []Op{put("a", 0, 10), put("b", 20, 30)}, val("b"), 0},
		{"older value after a later ack", []Op{put("a", 0, 10), put("b", 20, 30)}, val("a"), 1},
		{"concurrent writes may land either way", []Op{put("a", 0, 25), put("b", 20, 30)}, val("a"), 0},
		{"an unknown write may land late", []Op{unknown(put("a", 0, 0)), put("b", 20, 30)}, val("a"), 0},
		{"a value nobody wrote", []Op{put("a", 0, 10)}, val("z"), 1},
		{"nil after an acked put and no delete", []Op{put("a", 0, 10)}, nilv, 1},
		{"nil after a delete", []Op{put("a", 0, 10), del(20, 30)}, nilv, 0},
		{"nil, but a put followed the delete", []Op{del(0, 10), put("a", 20, 30)}, nilv, 1},
		{"nothing written, nothing read", nil, nilv, 0},
	}
	for _, tc := range cases {
		if got := lostWrites(tc.ops, tc.final); len(got) != tc.lost {
			t.Errorf("%s: %d lost (%+v), want %d", tc.name, len(got), got, tc.lost)
		}
	}
}

func quickChaos(t *testing.T, seed uint64, broken bool, out string) *ChaosReport {
	t.Helper()
	opts := ChaosOptions{
		Cluster:       cluster.Options{Nodes: 5, DataDir: t.TempDir(), UnsafeSkipVoteLogCheck: broken},
		Seed:          seed,
		Duration:      2 * time.Second,
		FaultEvery:    100 * time.Millisecond,
		CheckTimeout:  20 * time.Second,
		SettleTimeout: 10 * time.Second,
		OutDir:        out,
	}
	if broken {
		// Partitions are what leave a node behind with a high term, the case
		// the broken check mishandles; faults 300-900ms apart let the
		// minority campaign before the network changes again. A broken
		// cluster often never settles: do not wait long for it.
		opts.Faults = []string{FaultPartition}
		opts.Duration, opts.FaultEvery, opts.SettleTimeout = 4*time.Second, 600*time.Millisecond, 3*time.Second
	}
	rep, err := RunChaos(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestChaosQuick runs a short chaos experiment on a correct cluster: it
// must pass, and its report and files must say what happened.
func TestChaosQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster with faults: not in -short")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RAFTPLAY_CHAOS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RAFTPLAY_CHAOS_SEED=%q: %v", s, err)
		}
		seed = n
	}
	out := t.TempDir()
	rep := quickChaos(t, seed, false, out)
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", text.String())
	if rep.Failed() {
		t.Fatalf("seed %d: a correct cluster failed the checks", seed)
	}
	// The clients ran and the report counts what they did: how many of
	// their operations were acknowledged, and not refused while the faults
	// left no leader, depends on the seed and on the machine's load (19
	// of 45 under load, with 4 of 5 nodes power-cycled), so the count of
	// 20 is of the operations made, of which some were acknowledged.
	if rep.Seed != seed || rep.Ops.Total()+rep.Ops.Failed < 20 || rep.Ops.Total() == 0 || len(rep.Faults) == 0 || rep.FinalKeys != 8 || rep.Linearizable == VerdictIllegal {
		t.Fatalf("seed %d: implausible report %+v", seed, rep)
	}
	for _, want := range []string{"chaos: seed ", "operations:", "faults injected:", "leader changes:", "monitor:         ok",
		"linearizability:", "acked writes lost: 0", "verdict:         PASS"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, name := range []string{"history.json", "events.jsonl", "faults.jsonl", "report.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s not saved: %v", name, err)
		}
	}
	counted, done := 0, 0
	for _, n := range rep.Faults {
		counted += n
	}
	for _, f := range rep.FaultLog {
		if !f.Skipped && !f.Failed {
			done++
		}
	}
	if counted != done {
		t.Errorf("faults injected %d, but %d carried out in the log (skipped and failed ones must not count)", counted, done)
	}
	rj, _ := os.ReadFile(filepath.Join(out, "report.json"))
	for _, want := range []string{`"lost_writes":\s*\[\]`, `"lost_writes_checked":\s*true`, `"verdict":\s*"PASS"`, `"ops":\s*\{\s*"puts":\s*\d+,\s*"gets"`} {
		if !regexp.MustCompile(want).Match(rj) {
			t.Errorf("report.json lacks %s: %.400s", want, rj)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "history.html")); err == nil {
		t.Errorf("history.html written for a passing run")
	}
	var hist []Op
	b, _ := os.ReadFile(filepath.Join(out, "history.json"))
	if err := json.Unmarshal(b, &hist); err != nil || len(hist) < rep.Ops.Total() {
		t.Fatalf("history.json: %d ops, %v", len(hist), err)
	}
	again, err := RecheckHistory(bytes.NewReader(b), 20*time.Second, "")
	if err != nil || again.Linearizable != rep.Linearizable || len(again.Lost) != 0 || again.Ops != len(hist) {
		t.Fatalf("recheck: %+v %v", again, err)
	}
	// Tamper with the saved history: a final read that returns an
	// acknowledged value that another acknowledged write of its key,
	// begun after it returned, replaced must be caught by both checks.
	// (The first value written to the first key was used: that key was
	// written once on a loaded machine, 3 puts over 8 keys, so it was its
	// final value and the "tampered" history the real one; or the next
	// write to it overlapped it, and the old value could be the last.)
	// When no write was replaced so, the final read returns a value never
	// written.
	final := map[string]bool{}
	for _, op := range hist {
		if op.Client == -1 {
			final[op.Key] = true
		}
	}
	replaced := func(w Op) bool {
		for _, o := range hist {
			if o.Client != -1 && o.Op != "get" && !o.Unknown && o.Key == w.Key && o.Call > w.Return {
				return true
			}
		}
		return false
	}
	var first Op
	tampered := ""
	for _, op := range hist {
		if final[op.Key] && op.Op == "put" && !op.Unknown {
			if first.Key == "" {
				first, tampered = op, "never written by any client"
			}
			if replaced(op) {
				first, tampered = op, op.Value
				break
			}
		}
	}
	if first.Key == "" {
		t.Fatalf("no acknowledged put of a key read at the end: %+v", hist)
	}
	for i, op := range hist {
		if op.Client == -1 && op.Key == first.Key {
			hist[i].Value, hist[i].Found = tampered, true
		}
	}
	b, _ = json.Marshal(hist)
	html := filepath.Join(t.TempDir(), "bad.html")
	bad, err := RecheckHistory(bytes.NewReader(b), 20*time.Second, html)
	if err != nil || bad.Linearizable == VerdictOk || len(bad.Lost) == 0 {
		t.Fatalf("a tampered history passed: %+v %v", bad, err)
	}
	if _, err := os.Stat(html); err != nil {
		t.Fatal(err)
	}
}

// TestChaosCatchesBrokenVoteCheck: chaos itself, over a small seed budget,
// must fail a cluster whose votes skip the up-to-date log check. (From the
// command line, built with -race, seeds 1 to 6 failed 5 times out of 6.) Which check
// fires depends on the interleaving: a safety violation or lost write when a
// stale leader wins right after a commit (broken_test.go forces that), or a
// cluster that cannot converge after healing, because a stale leader's log
// conflicts with its followers' committed prefix and it can never repair them.
func TestChaosCatchesBrokenVoteCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster with faults: not in -short")
	}
	const budget = 6
	for seed := uint64(1); seed <= budget; seed++ {
		out := t.TempDir()
		rep := quickChaos(t, seed, true, out)
		if !rep.Failed() {
			t.Logf("seed %d: not caught (%d ops, %d leader changes)", seed, rep.Ops.Total(), rep.LeaderChanges)
			continue
		}
		var text bytes.Buffer
		_ = rep.WriteText(&text)
		t.Logf("seed %d caught it:\n%s", seed, text.String())
		if !strings.Contains(text.String(), "verdict:         FAIL: ") {
			t.Errorf("verdict line missing")
		}
		if _, err := os.Stat(filepath.Join(out, "history.html")); err != nil {
			t.Errorf("no visualization saved for a failed run: %v", err)
		}
		return
	}
	t.Fatalf("the broken vote check went unnoticed in %d seeds", budget)
}

// Freezing and thawing the whole cluster in the middle of concurrent
// clients, among crashes and partitions, keeps every check green, and the
// trace records the held messages. The nemesis's choices follow its seed:
// with seed 5 its first fault is a freeze, with seed 3 its second.
func TestChaosWithFreeze(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster with faults: not in -short")
	}
	for _, seed := range []uint64{5, 3} {
		var trace bytes.Buffer
		rep, err := RunChaos(context.Background(), ChaosOptions{
			Cluster:      cluster.Options{Nodes: 5, DataDir: t.TempDir()},
			Seed:         seed,
			Duration:     2 * time.Second,
			FaultEvery:   150 * time.Millisecond,
			Faults:       []string{FaultFreeze, FaultCrash, FaultPartition},
			CheckTimeout: 20 * time.Second, SettleTimeout: 10 * time.Second,
			Trace: &trace,
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed() {
			var text bytes.Buffer
			rep.WriteText(&text)
			t.Fatalf("seed %d: a freezing nemesis failed a correct cluster:\n%s", seed, text.String())
		}
		if rep.Faults[FaultFreeze] == 0 || !strings.Contains(trace.String(), `"event":"held"`) {
			t.Fatalf("seed %d: %d freezes, and the trace holds no held message", seed, rep.Faults[FaultFreeze])
		}
	}
}

// With every node skipping fsync, a power cycle loses what the cluster
// acknowledged: chaos --unsafe must fail (this proves the checks see what
// a disk that lies about fsync does). The same faults with fsync on pass.
func TestChaosUnsafeDiskFaultsFail(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster with faults: not in -short")
	}
	for _, unsafe := range []bool{false, true} {
		rep, err := RunChaos(context.Background(), ChaosOptions{
			Cluster:  cluster.Options{Nodes: 3, DataDir: t.TempDir()},
			Seed:     5,
			Duration: 1500 * time.Millisecond, FaultEvery: 400 * time.Millisecond,
			Faults:       []string{FaultPowerCycle},
			CheckTimeout: 20 * time.Second, SettleTimeout: 10 * time.Second,
			Unsafe: unsafe,
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Faults[FaultPowerCycle] == 0 {
			t.Fatalf("unsafe=%v: no power cycle in %v", unsafe, rep.Faults)
		}
		if rep.Failed() != unsafe {
			var text bytes.Buffer
			rep.WriteText(&text)
			t.Fatalf("unsafe=%v: failed=%v\n%s", unsafe, rep.Failed(), text.String())
		}
	}
}

// quorumAfter: the nemesis injects no fault after which no majority of
// voters is up and connected, whatever mix of faults stands (a Raft
// engineer's run had one node paused, one isolated and one powered off,
// three of five out, and no leader for most of the run).
func TestQuorumAfter(t *testing.T) {
	st := cluster.Status{}
	for id := uint64(1); id <= 5; id++ {
		st.Nodes = append(st.Nodes, cluster.NodeStatus{ID: id, State: cluster.StateUp})
	}
	n := &nemesis{down: map[uint64]string{}}
	all := []uint64{1, 2, 3, 4, 5}
	none := transport.FaultTable{}
	if !n.quorumAfter(st, 0, none) || !n.quorumAfter(st, 3, none) {
		t.Fatal("a healthy cluster, or one node down, has no quorum")
	}
	n.down[5] = FaultPause
	isolated4 := none.WithIsolated(4, all)
	if !n.quorumAfter(st, 0, isolated4) {
		t.Error("5 paused and 4 isolated: 1, 2, 3 are still a majority")
	}
	if n.quorumAfter(st, 3, isolated4) {
		t.Error("5 paused, 4 isolated and 3 crashed: only 1 and 2 are left, yet quorumAfter says yes")
	}
	st.Nodes[0].State = cluster.StateCrashed // down by another hand (a failed restart)
	if n.quorumAfter(st, 0, isolated4) {
		t.Error("1 down, 5 paused, 4 isolated: no majority, yet quorumAfter says yes")
	}
	st.Nodes[0].State = cluster.StateUp
	delete(n.down, 5)
	// A bridge leaves the bridge node linked to both sides: a majority.
	bridge := transport.FaultTable{}
	for _, l := range []uint64{2, 3} {
		for _, r := range []uint64{4, 5} {
			bridge.Links = append(bridge.Links, transport.LinkRule{From: l, To: r, Rule: transport.Rule{Cut: true}}, transport.LinkRule{From: r, To: l, Rule: transport.Rule{Cut: true}})
		}
	}
	if !n.quorumAfter(st, 0, bridge) || n.quorumAfter(st, 1, bridge) {
		t.Error("a bridge through 1: a majority while 1 is up, none once it is down")
	}
	split := transport.FaultTable{Groups: [][]uint64{{1, 2, 3}, {4, 5}}}
	if !n.quorumAfter(st, 4, split) || n.quorumAfter(st, 2, split) {
		t.Error("partition 1,2,3 | 4,5: a majority with 4 down, none with 2 down")
	}
}

// A membership change is judged by the voters it leaves: with 1,2,3 | 4,5
// the leader's side is a majority of five, but removing 3 leaves 1,2 of
// 1,2,4,5: no majority (a Raft engineer's chaos run froze on that).
func TestQuorumOfTheNewConfiguration(t *testing.T) {
	st := cluster.Status{}
	for id := uint64(1); id <= 5; id++ {
		st.Nodes = append(st.Nodes, cluster.NodeStatus{ID: id, State: cluster.StateUp})
	}
	n := &nemesis{down: map[uint64]string{}}
	split := transport.FaultTable{Groups: [][]uint64{{1, 2, 3}, {4, 5}}}
	if !n.quorumOf([]uint64{1, 2, 3, 4, 5}, st, 0, split) {
		t.Fatal("1,2,3 of five: a majority")
	}
	if n.quorumOf([]uint64{1, 2, 4, 5}, st, 0, split) {
		t.Error("1,2 of 1,2,4,5 called a majority")
	}
	if !n.quorumOf([]uint64{1, 2, 3, 4}, st, 0, split) {
		t.Error("1,2,3 of 1,2,3,4 not called a majority")
	}
}

// TestInterruptedChaosKeepsItsEvidence: a run stopped part way (a signal,
// a CI job's time limit) saves its history, events and faults, and a
// report that says it was interrupted and judged nothing but what the
// monitor saw: neither a pass nor a failure.
func TestInterruptedChaosKeepsItsEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("real cluster with faults: not in -short")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	out := t.TempDir()
	stopped := errors.New("stopped by the test")
	rep, err := RunChaos(ctx, ChaosOptions{
		Cluster: cluster.Options{Nodes: 3, DataDir: t.TempDir()}, Seed: 5,
		Duration: time.Hour, FaultEvery: 200 * time.Millisecond, OutDir: out,
		Record: func(c *cluster.Cluster) func() error {
			go func() { // interrupt once the clients have written
				c.WaitFor(ctx, func(s cluster.Status) bool { n, _ := s.Node(s.Leader); return s.Leader != 0 && n.Commit >= 20 })
				cancel(stopped)
			}()
			return func() error { return nil }
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.HasPrefix(rep.Interrupted, "stopped by the test after ") || rep.Failed() || rep.Undecided() || rep.Ops.Puts == 0 {
		t.Fatalf("interrupted %q, failed %v, undecided %v, puts %d:\n%s", rep.Interrupted, rep.Failed(), rep.Undecided(), rep.Ops.Puts, &text)
	}
	for _, want := range []string{"converged:       not checked (interrupted)", "linearizability: not checked (interrupted)",
		"acked writes lost: not checked (interrupted)", "interrupted:     stopped by the test after ", "verdict:         INTERRUPTED: "} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, &text)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var saved ChaosReport
	rj, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(rj, &saved); err != nil || saved.Interrupted != rep.Interrupted || saved.VerdictLine != rep.Verdict() || saved.LostChecked {
		t.Errorf("report.json: %v\n%s", err, rj)
	}
	// The saved history is whole enough to check later.
	again, err := RecheckHistory(bytes.NewReader(b), 20*time.Second, "")
	if err != nil || again.Ops < rep.Ops.Puts || again.Linearizable != VerdictOk {
		t.Fatalf("recheck of the interrupted run's history: %+v %v", again, err)
	}
}

// TestChaosVerdicts: what a report says of an interrupted run, with and
// without a violation, and of a cluster that did not converge.
func TestChaosVerdicts(t *testing.T) {
	base := func() ChaosReport {
		return ChaosReport{Nodes: 3, Linearizable: VerdictNotChecked, Lost: []LostWrite{}, Interrupted: "interrupted by SIGTERM after 2s of the run's 10s"}
	}
	r := base()
	if r.Failed() || r.Undecided() || !strings.HasPrefix(r.Verdict(), "INTERRUPTED: ") {
		t.Errorf("interrupted, nothing seen: failed %v undecided %v verdict %q", r.Failed(), r.Undecided(), r.Verdict())
	}
	// The directory to recheck is one word for a shell, and shows no
	// control byte raw (it said --recheck /tmp/my runs, two words).
	r.Files = []string{"/tmp/my runs/a\x1bb/history.json"}
	if v := r.Verdict(); !strings.Contains(v, `(raftplay chaos --recheck '/tmp/my runs/a\x1bb' checks`) {
		t.Errorf("the directory to recheck: %q", v)
	}
	var saved bytes.Buffer
	r.WriteText(&saved)
	if !strings.Contains(saved.String(), "saved:           /tmp/my runs/a\\x1bb/history.json\n") {
		t.Errorf("saved files:\n%s", saved.String())
	}
	r.Files = nil
	r.Violations, r.ViolationCount = []cluster.Violation{{Rule: "election safety", Text: "two leaders in term 3"}}, 1
	if !r.Failed() || r.Verdict() != "FAIL: safety violation, seen before the run was interrupted" {
		t.Errorf("interrupted after a violation: failed %v verdict %q", r.Failed(), r.Verdict())
	}
	r = ChaosReport{Nodes: 3, Linearizable: VerdictOk, LostChecked: true, FinalKeys: 8, NotConverged: []string{"node 3 crashed", "commit differs: node 1 (the leader) at 9, node 2 at 4"}}
	var text bytes.Buffer
	r.WriteText(&text)
	if !r.Failed() || !strings.Contains(text.String(), "converged:       NO (node 3 crashed; commit differs: node 1 (the leader) at 9, node 2 at 4)\n") ||
		!strings.HasSuffix(text.String(), "verdict:         FAIL: no convergence after healing\n") {
		t.Errorf("not converged:\n%s", &text)
	}
}
