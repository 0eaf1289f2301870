package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"raftplay/wal"
)

// startWithAWrite starts a 3-node cluster on a data directory of its own,
// waits for a leader and commits a=1: the set-up of the tests that stop a
// cluster and look at what the next start makes of its files.
func startWithAWrite(t *testing.T) (*Cluster, string) {
	t.Helper()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c)
	put(t, c.NewClient(), "a", "1")
	return c, dir
}

func startCluster(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	c, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitLeader(t *testing.T, c *Cluster) Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.WaitLeader(ctx)
	if err != nil {
		t.Fatalf("no leader: %v", err)
	}
	return st
}

// freezeAtRest waits until every node of c holds the same log, then
// crashes all n of them, freezes the cluster and restarts them: a frozen
// cluster with no leader, no message on its way and every log alike (any
// node can be elected), for a test to step through an exact history.
func freezeAtRest(t *testing.T, c *Cluster, n int) {
	t.Helper()
	// Converged alone holds at commit 0 before the leader's no-op reached
	// every node: one restarted with an empty log (seen under load).
	waitFor(t, c, "every log alike", func(s Status) bool {
		if !Converged(s) {
			return false
		}
		for _, m := range s.Nodes {
			if !m.Live() || m.Commit == 0 || m.LastIndex != m.Commit || m.LastIndex != s.Nodes[0].LastIndex {
				return false
			}
		}
		return true
	})
	for id := uint64(1); id <= uint64(n); id++ {
		if err := c.Crash(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	for id := uint64(1); id <= uint64(n); id++ {
		if err := c.Restart(id); err != nil {
			t.Fatal(err)
		}
	}
}

// electBySteps has frozen c elect cand with the votes of voters, by steps:
// cand times out, each voter gets its request and cand each answer.
func electBySteps(t *testing.T, c *Cluster, ctx context.Context, cand uint64, voters ...uint64) {
	t.Helper()
	must := mustOut(t)
	must(c.Timeout(cand))
	for _, v := range voters {
		must(c.Deliver(ctx, cand, v, "vote", false))
	}
	for _, v := range voters {
		must(c.Deliver(ctx, v, cand, "vote-resp", false))
	}
	waitFor(t, c, fmt.Sprintf("%d leads", cand), func(s Status) bool { n, _ := s.Node(cand); return n.Role == "leader" })
}

// mustOut fails t when err is set, and returns out.
func mustOut(t *testing.T) func(out string, err error) string {
	return func(out string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// aFollower returns a node of st that is not its leader.
func aFollower(st Status) uint64 {
	if st.Leader == 1 {
		return 2
	}
	return 1
}

func put(t *testing.T, cl *Client, key, value string) Result {
	t.Helper()
	res, err := cl.Put(context.Background(), key, []byte(value))
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return res
}

// A node whose WAL is corrupt in the middle reports it and stays down; the
// others go on.
func TestCorruptWALOnRestart(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	cl := c.NewClient()
	for i := 0; i < 5; i++ {
		put(t, cl, "k", strings.Repeat("v", i+1))
	}
	victim := uint64(1)
	if err := c.Crash(victim); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(c.opts.DataDir, "node-1", "*.wal"))
	if len(segs) == 0 {
		t.Fatal("no WAL segment found")
	}
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	b[32+12+1] ^= 0xff // inside the first record's payload, far from the tail
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	err = c.Restart(victim)
	if err == nil {
		t.Fatal("restart with a corrupt WAL succeeded")
	}
	if !strings.Contains(err.Error(), filepath.Base(segs[0])) || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("error does not name the file and offset: %v", err)
	}
	if n, _ := c.Status().Node(victim); n.State != StateFailed || n.Err == "" {
		t.Fatalf("node state %q (%q), want failed with the reason", n.State, n.Err)
	}
	waitLeader(t, c)
	put(t, cl, "after", "yes")
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}

// A port that is taken makes Start fail with a clear error, not a hang.
func TestBusyPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = Start(Options{Nodes: 1, DataDir: t.TempDir(), BasePort: port})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Start on a busy port: %v", err)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		opts Options
		want string
	}{
		{Options{Nodes: 0, DataDir: dir}, "0 nodes"},
		{Options{Nodes: 10, DataDir: dir}, "10 nodes"},
		{Options{Nodes: 3}, "no data directory"},
		{Options{Nodes: 3, DataDir: filepath.Join(file, "sub")}, "not a directory"},
		{Options{Nodes: 3, DataDir: dir, Timing: Timing{Heartbeat: time.Second, ElectionMin: 10 * time.Millisecond, ElectionMax: time.Second}}, "heartbeat"},
		{Options{Nodes: 3, DataDir: dir, BasePort: 80}, "base port"},
	}
	for _, tc := range cases {
		_, err := Start(tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start(%+v) = %v, want an error about %q", tc.opts, err, tc.want)
		}
	}
}

// Pause freezes a node: its commit index stops while the others go on.
func TestPauseFreezesNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	f := aFollower(waitLeader(t, c))
	if err := c.Pause(f); err != nil {
		t.Fatal(err)
	}
	before, _ := c.Status().Node(f)
	cl := c.NewClient()
	res := put(t, cl, "x", "1")
	if n, _ := c.Status().Node(f); n.Commit >= res.Index || n.State != StatePaused {
		t.Fatalf("paused node moved: commit %d (write at %d), state %s", n.Commit, res.Index, n.State)
	}
	if err := c.Pause(f); err == nil {
		t.Fatal("pausing a paused node succeeded")
	}
	// A paused node does nothing, a snapshot included (it took one).
	if err := c.Snapshot(f); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("node %d is paused: it takes no snapshot (resume %d first)", f, f)) {
		t.Errorf("snapshot of the paused node: %v", err)
	}
	if err := c.Resume(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, fmt.Sprintf("resumed node catching up from commit %d", before.Commit),
		func(s Status) bool { n, _ := s.Node(f); return n.Commit >= res.Index })
}

// The HTTP API: a follower redirects to the leader; values round-trip;
// missing keys are 404; status is JSON.
func TestHTTPAPI(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	follower, _ := st.Node(aFollower(st))
	// Wait until the follower knows the leader, so it redirects.
	waitFor(t, c, "follower knows the leader", func(s Status) bool { n, _ := s.Node(follower.ID); return n.Leader == st.Leader })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hc := httpClient()
	in := OpInput{Op: OpPut, Key: "greeting", Value: "hello world"}
	if _, known := HTTPOp(ctx, hc, follower.HTTPAddr, in); !known {
		t.Fatal("PUT through a follower failed")
	}
	out, known := HTTPOp(ctx, hc, follower.HTTPAddr, OpInput{Op: OpGet, Key: "greeting"})
	if !known || !out.Found || out.Value != "hello world" {
		t.Fatalf("GET = %+v (known %v)", out, known)
	}
	out, known = HTTPOp(ctx, hc, st.Nodes[st.Leader-1].HTTPAddr, OpInput{Op: OpGet, Key: "nope"})
	if !known || out.Found {
		t.Fatalf("GET of a missing key = %+v", out)
	}
	if _, known := HTTPOp(ctx, hc, follower.HTTPAddr, OpInput{Op: OpDel, Key: "greeting"}); !known {
		t.Fatal("DELETE failed")
	}
	resp, err := hc.Get("http://" + follower.HTTPAddr + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// Garbage on a node's Raft port is refused and told as an event (a user's
// garbage left no trace), at most one a second, with the others counted in
// the next one; the cluster goes on working.
func TestGarbageOnTheRaftPortIsTold(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	addr := c.Status().Nodes[0].RaftAddr
	count := func() (n int, last string) {
		evs, _, _ := c.Events().Since(1)
		for _, e := range evs {
			if strings.Contains(e.Text, "1 refused a connection to its Raft port from 127.0.0.1:") {
				n, last = n+1, e.Text
			}
		}
		return n, last
	}
	send := func(b []byte) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write(b)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, conn) // until the node closes it
	}
	send([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	waitFor(t, c, "the refusal told", func(Status) bool { n, _ := count(); return n == 1 })
	for range 20 {
		send([]byte("\x1b[2Jgarbage\x00"))
	}
	if n, _ := count(); n > 2 {
		t.Fatalf("%d refusals told within a second or two: the feed floods", n)
	}
	// Those left out are counted a second on: in an event of their own,
	// or in the next refusal told.
	waitFor(t, c, "the refusals left out counted", func(Status) bool {
		evs, _, _ := c.Events().Since(1)
		for _, e := range evs {
			if strings.Contains(e.Text, "more connections to its Raft port (") || strings.Contains(e.Text, "another connection to its Raft port (") || strings.Contains(e.Text, "more before it: ") {
				return true
			}
		}
		return false
	})
	if _, last := count(); strings.ContainsRune(last, 0x1b) {
		t.Fatalf("event %q holds a control byte", last)
	}
	put(t, c.NewClient(), "k", "v")
}

// A data directory one of whose nodes has a damaged WAL does not start as
// it is (a run with fewer nodes than asked for would mislead), and says
// so; with AllowFailed the others start, the damaged node is down, FAILED
// with its cause, every acknowledged write is there, and remove then add
// replace the node (a new user was told only to start from an empty
// directory, losing the majority's data).
func TestStartWithAFailedNode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: dir})
	st := waitLeader(t, c)
	cl := c.NewClient()
	put(t, cl, "a", "1")
	victim := aFollower(st)
	if _, err := c.Corrupt(victim, "segment"); err != nil {
		t.Fatal(err)
	}
	put(t, cl, "b", "2") // acknowledged by the two others
	c.Close()

	_, err := Start(Options{Nodes: 3, DataDir: dir})
	var se *StartError
	if !errors.As(err, &se) || se.Node != victim || !se.Existing || !strings.Contains(err.Error(), "its WAL is damaged") {
		t.Fatalf("start with a damaged node: %v", err)
	}
	c2, err := Start(Options{Nodes: 3, DataDir: dir, AllowFailed: true})
	if err != nil {
		t.Fatalf("start allowing a failed node: %v", err)
	}
	t.Cleanup(func() { c2.Close() })
	n, _ := c2.Status().Node(victim)
	if n.State != StateFailed || !strings.Contains(n.Err, "its WAL is damaged") {
		t.Fatalf("the damaged node: %s %q", n.State, n.Err)
	}
	waitLeader(t, c2)
	cl2 := c2.NewClient()
	for k, want := range map[string]string{"a": "1", "b": "2"} {
		r, err := cl2.Get(ctxFor(t, 10*time.Second), k)
		if err != nil || string(r.Value) != want {
			t.Fatalf("get %s: %q %v, want %q", k, r.Value, err, want)
		}
	}
	if _, err := c2.Remove(ctxFor(t, 10*time.Second), victim); err != nil {
		t.Fatalf("remove the failed node: %v", err)
	}
	evs, _, _ := c2.Events().Since(0)
	if !slices.ContainsFunc(evs, func(e Event) bool {
		return e.Node == victim && strings.Contains(e.Text, "removed (entry") && strings.Contains(e.Text, "it was down, its files deleted")
	}) {
		t.Errorf("the removal of a node that never ran does not say it was down: %v", evs)
	}
	if _, err := c2.Add(ctxFor(t, 30*time.Second), victim); err != nil {
		t.Fatalf("add it again: %v", err)
	}
	waitFor(t, c2, "the replaced node a voter holding every entry", func(s Status) bool {
		n, _ := s.Node(victim)
		l, ok := s.Node(s.Leader)
		return ok && n.Live() && s.Membership.IsVoter(victim) && n.Applied == l.Applied
	})
	if v := c2.Violations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
}

// A node that failed at start (AllowFailed) never had ports in this run:
// restarted once its cause is gone, it takes ports of its own, the others
// learn them, and it catches up.
func TestRestartOfANodeThatFailedAtStart(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	// Another holder of node 2's directory keeps it from starting.
	lock, err := wal.LockDir(filepath.Join(dir, "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Start(Options{Nodes: 3, DataDir: dir, AllowFailed: true})
	if err != nil {
		lock.Close()
		t.Fatalf("start allowing a failed node: %v", err)
	}
	t.Cleanup(func() { c2.Close() })
	if n, _ := c2.Status().Node(2); n.State != StateFailed || !strings.Contains(n.Err, "in use by") {
		t.Fatalf("node 2: %s %q", n.State, n.Err)
	}
	waitLeader(t, c2)
	put(t, c2.NewClient(), "b", "2")
	lock.Close()
	if err := c2.Restart(2); err != nil {
		t.Fatalf("restart 2: %v", err)
	}
	waitFor(t, c2, "node 2 caught up", func(s Status) bool {
		n, _ := s.Node(2)
		l, ok := s.Node(s.Leader)
		return ok && n.Live() && n.Applied == l.Applied && l.Applied >= 3
	})
}

// With every node unable to start, AllowFailed starts no cluster: Start
// fails with the first node's cause ("cluster of 0 nodes started", it said).
func TestAllowFailedWithNoNodeStartingFails(t *testing.T) {
	t.Parallel()
	dir := stoppedWithLockedNodes(t, 2, "node-1", "node-2")
	c2, err := Start(Options{Nodes: 2, DataDir: dir, AllowFailed: true})
	if err == nil {
		c2.Close()
		t.Fatal("a cluster of no node started")
	}
	var se *StartError
	if !errors.As(err, &se) || se.Node != 1 {
		t.Fatalf("start with no node able to: %v", err)
	}
}

// With fewer than a majority able to start, AllowFailed starts them and
// says at once that nothing can commit; a membership change then fails
// saying no leader was elected in time, in words ("context deadline
// exceeded" reached the user).
func TestAllowFailedWithoutAMajorityWarns(t *testing.T) {
	t.Parallel()
	dir := stoppedWithLockedNodes(t, 3, "node-1", "node-2")
	c2, err := Start(Options{Nodes: 3, DataDir: dir, AllowFailed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	evs, _, _ := c2.Events().Since(0)
	if !slices.ContainsFunc(evs, func(e Event) bool {
		return e.Kind == EventError && strings.HasPrefix(e.Text, "only 1 of 3 nodes started: fewer than a majority")
	}) {
		t.Errorf("no warning among %v", evs)
	}
	_, err = c2.Remove(ctxFor(t, 300*time.Millisecond), 1)
	if err == nil || strings.Contains(err.Error(), "context deadline exceeded") || !strings.Contains(err.Error(), "none was elected in the time allowed") {
		t.Fatalf("remove with no leader possible: %v", err)
	}
}

// A node whose directory lost its log keeps the data directory from
// starting (amnesia); with AllowFailed the others start, that node FAILED,
// and remove then add replace it.
func TestAllowFailedStartsWithoutANodeWhoseLogIsGone(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	if err := os.RemoveAll(filepath.Join(dir, "node-3")); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(Options{Nodes: 3, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "or start with --allow-failed, which leaves it down") {
		t.Fatalf("start with node 3's log gone: %v", err)
	}
	c2, err := Start(Options{Nodes: 3, DataDir: dir, AllowFailed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.Close() })
	if n, _ := c2.Status().Node(3); n.State != StateFailed || !strings.Contains(n.Err, "its log is gone") {
		t.Fatalf("node 3: %s %q", n.State, n.Err)
	}
	waitLeader(t, c2)
	if err := c2.Restart(3); err == nil {
		t.Fatal("a node whose log is gone restarted empty")
	}
	if _, err := c2.Remove(ctxFor(t, 10*time.Second), 3); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Add(ctxFor(t, 30*time.Second), 3); err != nil {
		t.Fatal(err)
	}
	r, err := c2.NewClient().Get(ctxFor(t, 10*time.Second), "a")
	if err != nil || string(r.Value) != "1" {
		t.Fatalf("get a: %q %v", r.Value, err)
	}
}

// stoppedWithLockedNodes runs a cluster of n nodes until it has a leader,
// stops it, and locks the directories of the nodes named, as another
// program holding them would, until the test ends; it returns the data
// directory.
func stoppedWithLockedNodes(t *testing.T, n int, locked ...string) string {
	t.Helper()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: n, DataDir: dir})
	waitLeader(t, c)
	c.Close()
	for _, name := range locked {
		lock, err := wal.LockDir(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lock.Close() })
	}
	return dir
}
