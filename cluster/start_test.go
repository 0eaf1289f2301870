package cluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"raftplay/wal"
)

// startOrHang runs Start and fails the test if it does not return: a node
// that fails to open after others opened used to block Start forever.
func startOrHang(t *testing.T, opts Options) (*Cluster, error) {
	t.Helper()
	type result struct {
		c   *Cluster
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := Start(opts)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("Start did not return: it hangs")
		return nil, nil
	}
}

// freeBase finds a base port with 2n free ports after it.
func freeBase(t *testing.T, n int) int {
	t.Helper()
	// Below Linux's ephemeral range (32768 and up): a port the OS hands a
	// parallel test's listener or dialer cannot take one of these between
	// this check and the start.
	for try := 0; try < 50; try++ {
		base := 20000 + rand.IntN(12000-2*n)
		ok := true
		for p := base; p < base+2*n && ok; p++ {
			if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err != nil {
				ok = false
			} else {
				l.Close()
			}
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

// Node 3's Raft port is taken: Start returns at once, names node 3 and the
// address, and frees what nodes 1 and 2 had opened.
func TestStartFailsOnALaterNodesBusyPort(t *testing.T) {
	t.Parallel()
	base := freeBase(t, 3)
	addr := fmt.Sprintf("127.0.0.1:%d", base+4)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	defer l.Close()
	data := t.TempDir()
	c, err := startOrHang(t, Options{Nodes: 3, DataDir: data, BasePort: base})
	if err == nil {
		c.Close()
		t.Fatal("Start succeeded with node 3's port taken")
	}
	// The failed start left no node directory: the next start on this
	// data directory is a fresh one, of any size.
	if left, _ := os.ReadDir(data); len(left) != 0 {
		t.Fatalf("the failed start left %v in the data directory", left)
	}
	var se *StartError
	if !errors.As(err, &se) || se.Node != 3 || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("error = %v; want node 3 and %s named", err, addr)
	}
	for p := base; p < base+4; p++ { // nodes 1 and 2 released their ports
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Fatalf("port %d still held after the failed start: %v", p, err)
		}
		l.Close()
	}
}

// A file stands where node 2's directory should be, and node 1's
// directory exists already but holds no log, only a file of the user's:
// Start says what is wrong with node 2, and leaves node 1's directory as
// it found it (a log left there would make the next start take the data
// directory for a 1-node cluster). With the file moved away, three nodes
// start.
func TestFailedStartUndoesItsWritesInExistingDirs(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustWrite := func(name string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(filepath.Join(data, "node-1", "notes.txt"))
	mustWrite(filepath.Join(data, "node-2"))
	c, err := startOrHang(t, Options{Nodes: 3, DataDir: data})
	if err == nil {
		c.Close()
		t.Fatal("Start succeeded with a file in place of node 2's directory")
	}
	var se *StartError
	if !errors.As(err, &se) || se.Node != 2 || !strings.Contains(err.Error(), "is a file, not a directory") {
		t.Fatalf("error = %v; want node 2's directory named as a file", err)
	}
	left, _ := os.ReadDir(filepath.Join(data, "node-1"))
	if len(left) != 1 || left[0].Name() != "notes.txt" {
		t.Fatalf("node 1's directory holds %v after the failed start; want only notes.txt", left)
	}
	if n := NodesOnDisk(data); n != 0 {
		t.Fatalf("NodesOnDisk = %d after the failed start; want 0", n)
	}
	if err := os.Remove(filepath.Join(data, "node-2")); err != nil {
		t.Fatal(err)
	}
	c = startCluster(t, Options{Nodes: 3, DataDir: data})
	if n := len(c.Status().Nodes); n != 3 {
		t.Fatalf("the next start has %d nodes; want 3", n)
	}
}

// Node 3's WAL is damaged in the middle: Start returns at once with node 3,
// the file and the offset named; the files of nodes 1 and 2 are intact.
func TestStartFailsOnALaterNodesCorruptWAL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c)
	cl := c.NewClient()
	for i := 0; i < 5; i++ {
		put(t, cl, "k", strings.Repeat("v", i+1))
	}
	waitFor(t, c, "every node applied every write", Converged)
	c.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "node-3", "*.wal"))
	if len(segs) == 0 {
		t.Fatal("no WAL segment")
	}
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	good := append([]byte(nil), b...)
	b[32+12+1] ^= 0xff // inside the first record, far from the tail
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	c2, err := startOrHang(t, Options{Nodes: 3, DataDir: dir})
	if err == nil {
		c2.Close()
		t.Fatal("Start succeeded with node 3's WAL damaged")
	}
	var se *StartError
	if !errors.As(err, &se) || se.Node != 3 || !errors.Is(err, wal.ErrCorrupt) ||
		!strings.Contains(err.Error(), segs[0]) || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("error = %v; want node 3, %s and an offset", err, segs[0])
	}
	// Nodes 1 and 2 were opened and closed again, not damaged: with node 3's
	// file repaired, the cluster starts and holds the writes.
	if err := os.WriteFile(segs[0], good, 0o644); err != nil {
		t.Fatal(err)
	}
	c3 := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, err := c3.NewClient().Get(ctx, "k"); err != nil || string(res.Value) != "vvvvv" {
		t.Fatalf("get k = %q, %v", res.Value, err)
	}
}

// A torn tail is repaired on restart, and the event says so in words.
func TestTornTailEventReadsAsAFact(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	put(t, c.NewClient(), "k", "v")
	f := aFollower(st)
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(c.opts.DataDir, fmt.Sprintf("node-%d", f), "*.wal"))
	last := segs[len(segs)-1]
	fh, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.Write([]byte{0x20, 0, 0}) // the start of a record that never finished
	fh.Close()
	if err := c.Restart(f); err != nil {
		t.Fatal(err)
	}
	evs, _, _ := c.Events().Since(1)
	for _, e := range evs {
		if e.Node == f && strings.Contains(e.Text, "torn") {
			want := fmt.Sprintf("%d cut a torn tail off %s at offset ", f, filepath.Base(last))
			if !strings.HasPrefix(e.Text, want) || !strings.Contains(e.Text, "(3 bytes kept aside in ") || strings.Contains(e.Text, "&{") {
				t.Fatalf("event %q, want it to start %q and say what was kept", e.Text, want)
			}
			return
		}
	}
	t.Fatal("no event about the torn tail")
}

// A node whose log is gone does not come back empty: at start (some nodes
// have logs, others none) and at restart, it is refused with the reason.
func TestAmnesiaIsRefused(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	f := aFollower(c.Status())
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	away := filepath.Join(t.TempDir(), "away")
	nodeDir := filepath.Join(dir, fmt.Sprintf("node-%d", f))
	if err := os.Rename(nodeDir, away); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(f); err == nil || !strings.Contains(err.Error(), "amnesia") {
		t.Fatalf("restart of a node whose log is gone: %v", err)
	}
	if n, _ := c.Status().Node(f); n.State != StateFailed {
		t.Fatalf("node %d is %s, want failed", f, n.State)
	}
	c.Close()
	if _, err := startOrHang(t, Options{Nodes: 3, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "amnesia") ||
		!strings.Contains(err.Error(), fmt.Sprintf("not of node %d", f)) {
		t.Fatalf("start with a node's log gone: %v", err)
	}
	if err := os.Rename(away, nodeDir); err != nil {
		t.Fatal(err)
	}
	c2 := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c2)
}

// A data directory whose last nodes' directories are gone is not taken for
// a smaller cluster: the CLUSTER file says how many nodes it was created
// with, and the start refuses to run those empty (a new user deleted node-2
// and node-3: the next run was a one-node cluster, and a write only they
// held was gone).
func TestDeletedLastNodesAreNotASmallerCluster(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	if n := NodesOnDisk(dir); n != 3 {
		t.Fatalf("NodesOnDisk = %d, want 3", n)
	}
	for _, id := range []int{2, 3} {
		if err := os.RemoveAll(filepath.Join(dir, fmt.Sprintf("node-%d", id))); err != nil {
			t.Fatal(err)
		}
	}
	if n := NodesOnDisk(dir); n != 3 {
		t.Fatalf("after node-2 and node-3 were deleted, NodesOnDisk = %d, want 3 (CLUSTER)", n)
	}
	for _, nodes := range []int{1, 3} {
		if _, err := startOrHang(t, Options{Nodes: nodes, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "amnesia") ||
			!strings.Contains(err.Error(), "not of node 2, 3") {
			t.Fatalf("start (--nodes %d) with node-2 and node-3 gone: %v", nodes, err)
		}
	}
}

// A CLUSTER file deleted outright does not take the guard above with it:
// every node the cluster was created with records the size too (its
// CREATED file), so a directory missing CLUSTER and its last nodes'
// directories is refused, not run as a smaller cluster; with the nodes
// there, the start runs them and writes CLUSTER back.
func TestDeletedClusterFileKeepsTheGuard(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	for id := 1; id <= 3; id++ {
		path := filepath.Join(dir, fmt.Sprintf("node-%d", id), createdFile)
		if b, err := os.ReadFile(path); err != nil || string(b) != "nodes 3\n" {
			t.Fatalf("%s: %q, %v; want \"nodes 3\\n\"", path, b, err)
		}
	}
	cluster := filepath.Join(dir, clusterFile)
	if err := os.Remove(cluster); err != nil {
		t.Fatal(err)
	}
	c2 := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c2)
	c2.Close()
	if b, err := os.ReadFile(cluster); err != nil || string(b) != "nodes 3\n" {
		t.Fatalf("CLUSTER after a start without it: %q, %v; want it written back", b, err)
	}
	if err := os.Remove(cluster); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{2, 3} {
		if err := os.RemoveAll(filepath.Join(dir, fmt.Sprintf("node-%d", id))); err != nil {
			t.Fatal(err)
		}
	}
	if n, from := CreatedSize(dir); n != 3 || from != filepath.Join(dir, "node-1", createdFile) {
		t.Fatalf("CreatedSize = %d, %q; want 3 from node-1's CREATED", n, from)
	}
	for _, nodes := range []int{1, 3} {
		if _, err := startOrHang(t, Options{Nodes: nodes, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "amnesia") ||
			!strings.Contains(err.Error(), "not of node 2, 3") {
			t.Fatalf("start (--nodes %d) with CLUSTER, node-2 and node-3 gone: %v", nodes, err)
		}
	}
	if fileExists(cluster) {
		t.Errorf("a refused start wrote CLUSTER")
	}
}

// A damaged CLUSTER file is refused, not ignored: ignored, the guard above
// went with it, and a data directory missing its last nodes ran as a
// smaller cluster that had lost acknowledged writes (a CI user's report).
func TestDamagedClusterFileIsRefused(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	if err := os.RemoveAll(filepath.Join(dir, "node-3")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, clusterFile)
	for _, bad := range []string{"", "garbage\n", "nodes 0\n", "nodes 2x", "nodes 12\n", "nodes 3\nnodes 1\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := CheckClusterFile(dir); err == nil {
			t.Errorf("CLUSTER %q: CheckClusterFile found nothing wrong", bad)
		}
		if _, err := startOrHang(t, Options{Nodes: 2, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "CLUSTER is damaged") {
			t.Errorf("CLUSTER %q: start: %v", bad, err)
		}
	}
	for _, good := range []string{"nodes 3", "nodes 3\r\n", "nodes 3\n"} { // written by hand, the last as a start writes it
		if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := CheckClusterFile(dir); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	if _, err := startOrHang(t, Options{Nodes: 2, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "amnesia") {
		t.Fatalf("CLUSTER put back: start: %v", err)
	}
}

// A first start killed before its nodes wrote anything (a consensus
// engineer's kill -9 30 ms in left node-1's empty log and no other node
// directory) is not taken for a one-node cluster: the size was recorded
// before any node wrote, and an empty log has nothing to forget.
func TestFirstStartKilledEarlyKeepsItsSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recordSize(dir, 5) // what Start does first for a new cluster
	w, _, err := wal.Open(filepath.Join(dir, "node-1"), wal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close() // a segment with no record, as the kill left it
	if n := NodesOnDisk(dir); n != 5 {
		t.Fatalf("NodesOnDisk = %d, want 5", n)
	}
	c := startCluster(t, Options{Nodes: 1, DataDir: dir}) // --nodes 1: a data directory keeps its size
	if n := c.Size(); n != 5 {
		t.Fatalf("started %d nodes, want the 5 the cluster was created with", n)
	}
	waitLeader(t, c)
}

// A first start that fails (a busy port) leaves no size behind: the next
// start is free to pick another.
func TestFailedFirstStartRecordsNoSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if _, err := startOrHang(t, Options{Nodes: 3, DataDir: dir, BasePort: port}); err == nil {
		t.Fatal("start on a busy port succeeded")
	}
	if n := NodesOnDisk(dir); n != 0 {
		t.Fatalf("after a failed first start NodesOnDisk = %d, want 0", n)
	}
}

// A node whose OS-picked port was given to another program while it was
// down restarts on new ports, and its peers reach it there.
func TestRestartMovesOffATakenPort(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Seed: 1})
	waitLeader(t, c)
	put(t, c.NewClient(), "before", "1")
	for _, which := range []string{"HTTP", "Raft"} {
		n, _ := c.Status().Node(2)
		addr := n.HTTPAddr
		if which == "Raft" {
			addr = n.RaftAddr
		}
		if err := c.Crash(2); err != nil {
			t.Fatal(err)
		}
		// The other program. If the port went to another one already,
		// that is the same case.
		l, lerr := net.Listen("tcp", addr)
		err := c.Restart(2)
		if lerr == nil {
			l.Close()
		}
		if err != nil {
			t.Fatalf("restart with its %s address taken: %v", which, err)
		}
		moved := fmt.Sprintf("its %s address %s was taken while it was down", which, addr)
		if !hasEvent(c, moved) {
			t.Errorf("no event saying %q", moved)
		}
		now, _ := c.Status().Node(2)
		if now.HTTPAddr == n.HTTPAddr || now.RaftAddr == n.RaftAddr {
			t.Errorf("after moving: raft %s http %s, before: raft %s http %s", now.RaftAddr, now.HTTPAddr, n.RaftAddr, n.HTTPAddr)
		}
		put(t, c.NewClient(), "after-"+which, "1")
		waitFor(t, c, "node 2 caught up at its new address", func(s Status) bool { return Converged(s) && s.Nodes[1].Live() })
	}
}

// With fixed ports (BasePort) the address is the user's: a taken one is an
// error that names it, not a move.
func TestRestartWithFixedPortsDoesNotMove(t *testing.T) {
	t.Parallel()
	base := freeBase(t, 3)
	c := startCluster(t, Options{Nodes: 3, Seed: 1, BasePort: base})
	waitLeader(t, c)
	if err := c.Crash(2); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", base+3)        // node 2's HTTP port
	if l, err := net.Listen("tcp", addr); err == nil { // (or another program has it already)
		defer l.Close()
	}
	err := c.Restart(2)
	if err == nil || !strings.Contains(err.Error(), addr+" is in use by another program") {
		t.Fatalf("restart with its fixed HTTP port taken: %v", err)
	}
}

// A voter added in an earlier run whose directory is gone is not left out
// silently: the configuration in the logs names it, and the start refuses
// (an outside reviewer's node 4 vanished from the table, the config still
// naming it).
func TestMissingAddedVoterIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c)
	if _, err := c.Add(t.Context(), 4); err != nil {
		t.Fatal(err)
	}
	put(t, c.NewClient(), "k", "v")
	c.Close()
	if err := os.RemoveAll(filepath.Join(dir, "node-4")); err != nil {
		t.Fatal(err)
	}
	_, err := startOrHang(t, Options{Nodes: 3, DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "counts node 4 as a voter, and its directory") {
		t.Fatalf("start with an added voter's directory gone: %v", err)
	}
}

// Two starts at once on one new data directory: one runs, the other is
// refused before it touches anything (the loser of a node's lock removed
// that node's directory, which the winner was writing: its next start
// found node 1 missing).
func TestTwoStartsOnOneNewDataDirectory(t *testing.T) {
	t.Parallel()
	for range 10 {
		dir := t.TempDir()
		var wg sync.WaitGroup
		cs, errs := make([]*Cluster, 2), make([]error, 2)
		for i := range 2 {
			wg.Go(func() { cs[i], errs[i] = Start(Options{Nodes: 3, DataDir: dir}) })
		}
		wg.Wait()
		var won *Cluster
		for i := range 2 {
			switch {
			case errs[i] == nil:
				won = cs[i]
			case !strings.Contains(errs[i].Error(), "data directory "+dir+" is in use by"): // the pid may not be written yet
				t.Fatalf("the refused start: %v", errs[i])
			}
		}
		if won == nil || errs[0] == nil && errs[1] == nil {
			t.Fatalf("starts: %v, %v; want one to run", errs[0], errs[1])
		}
		waitLeader(t, won)
		put(t, won.NewClient(), "k", "v")
		won.Close()
		c, err := Start(Options{Nodes: 3, DataDir: dir})
		if err != nil {
			t.Fatalf("the next start: %v", err)
		}
		waitLeader(t, c)
		c.Close()
	}
}

// A data directory that is a node's directory (it holds a log) is refused:
// a cluster nested in it would share the node's LOCK file.
func TestDataDirectoryThatIsANodesIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 1, DataDir: dir})
	waitLeader(t, c)
	c.Close()
	_, err := Start(Options{Nodes: 3, DataDir: filepath.Join(dir, "node-1")})
	if err == nil || !strings.Contains(err.Error(), "holds the log of one node") {
		t.Fatalf("start in a node's directory: %v", err)
	}
}

// A data directory inside another's, as its node directory, is refused
// either way round: named after a node's directory of a cluster (its
// parent holds CLUSTER or LOCK), or holding a cluster of its own where a
// node's directory should be (two runs started at once on DATA and
// DATA/node-1 nested a cluster in node 1's directory).
func TestNestedDataDirectoriesAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c)
	c.Close()
	os.RemoveAll(filepath.Join(dir, "node-3")) // a node directory not made yet, say
	if _, err := Start(Options{Nodes: 3, DataDir: filepath.Join(dir, "node-3")}); err == nil || !strings.Contains(err.Error(), "is a node's directory of the cluster in "+dir) {
		t.Fatalf("start in a node's directory: %v", err)
	}
	other := t.TempDir()
	inner := filepath.Join(other, "node-1")
	c2 := startCluster(t, Options{Nodes: 1, DataDir: inner}) // a cluster where other's node 1 would be
	waitLeader(t, c2)
	c2.Close()
	if _, err := Start(Options{Nodes: 3, DataDir: other}); err == nil || !strings.Contains(err.Error(), "holds a cluster of its own") {
		t.Fatalf("start with a cluster in node 1's directory: %v", err)
	}
}

// A start refused because a file records more nodes than there are
// directories names that file: a node-2/CREATED that said "nodes 7" (a
// directory copied from a larger cluster's) had the start ask for the
// files of nodes 4 to 7, and say nothing of where the 7 came from.
func TestAmnesiaNamesTheFileThatCountsTheMissingNodes(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	created := filepath.Join(dir, "node-2", "CREATED")
	if err := os.WriteFile(created, []byte("nodes 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := startOrHang(t, Options{Nodes: 3, DataDir: dir})
	if want := "not of node 4, 5, 6, 7 (" + created + " says the cluster was created with 7 nodes)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("start: %v; want %q", err, want)
	}
}

// A named pipe in the place of CLUSTER (or CLUSTER-ID) is refused, not
// read: the start blocked forever opening it, and a first ctrl+c could not
// stop it.
func TestNamedPipeInPlaceOfAMarkerDoesNotHang(t *testing.T) {
	t.Parallel()
	for _, name := range []string{clusterFile, idFile} {
		c, dir := startWithAWrite(t)
		c.Close()
		path := filepath.Join(dir, name)
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(path, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := startOrHang(t, Options{Nodes: 3, DataDir: dir})
		if want := path + " cannot be read: it is a named pipe, not a regular file"; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("start with %s a named pipe: %v; want %q", name, err, want)
		}
	}
}
