package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A node's directory copied in from another cluster's data directory is
// refused, at restart and at start, naming both clusters' ids: it started,
// won an election with its higher term and overwrote the entries this
// cluster had acknowledged (a user who put back a lost node-2 from another
// run's --data; only the safety monitor said anything).
func TestNodeFromAnotherClusterIsRefused(t *testing.T) {
	t.Parallel()
	other := t.TempDir()
	b := startCluster(t, Options{Nodes: 3, DataDir: other})
	waitLeader(t, b)
	put(t, b.NewClient(), "a", "from the other cluster")
	waitFor(t, b, "the other cluster converged", Converged)
	b.Close()

	c, dir := startWithAWrite(t)
	f := aFollower(c.Status())
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	nodeDir := filepath.Join(dir, fmt.Sprintf("node-%d", f))
	if err := os.Rename(nodeDir, nodeDir+".own"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(other, fmt.Sprintf("node-%d", f)), nodeDir); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		var se *StartError
		if err == nil || !errors.As(err, &se) || se.Node != f || !strings.Contains(err.Error(), nodeDir+" belongs to another cluster") ||
			!strings.Contains(err.Error(), filepath.Join(dir, idFile)) {
			t.Fatalf("%s: %v; want node %d refused: its directory belongs to another cluster", what, err, f)
		}
	}
	check("restart", c.Restart(f))
	c.Close()
	_, err := startOrHang(t, Options{Nodes: 3, DataDir: dir})
	check("start", err)
	// Its own directory back, the node starts, and the write is there.
	if err := os.RemoveAll(nodeDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(nodeDir+".own", nodeDir); err != nil {
		t.Fatal(err)
	}
	c2 := startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c2)
	if res, err := c2.NewClient().Get(t.Context(), "a"); err != nil || string(res.Value) != "1" {
		t.Fatalf("get a = %q, %v", res.Value, err)
	}
}

// The data directory's CLUSTER-ID deleted is taken back from its nodes'
// (a new id there would have every node refused at the next start), and
// still tells a node from another cluster; damaged, it is refused before
// anything starts, saying to delete it.
func TestDataDirectoryClusterIDDeletedOrDamaged(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	path := filepath.Join(dir, idFile)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ { // the second start finds the file the first wrote back
		if round == 0 {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}
		c = startCluster(t, Options{Nodes: 3, DataDir: dir})
		waitLeader(t, c)
		c.Close()
		if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
			t.Fatalf("round %d: %s holds %q, %v; want %q back", round, path, after, err, before)
		}
	}
	// Deleted again, with node 3 from another cluster: node 3 is refused,
	// by the id nodes 1 and 2 hold.
	other := t.TempDir()
	b := startCluster(t, Options{Nodes: 3, DataDir: other})
	waitLeader(t, b)
	b.Close()
	node3 := filepath.Join(dir, "node-3")
	if err := os.RemoveAll(node3); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(other, "node-3"), node3); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	_, err = startOrHang(t, Options{Nodes: 3, DataDir: dir})
	var se *StartError
	if !errors.As(err, &se) || se.Node != 3 || !strings.Contains(err.Error(), "belongs to another cluster") {
		t.Fatalf("start: %v; want node 3 refused", err)
	}
	if err := os.WriteFile(path, []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = startOrHang(t, Options{Nodes: 3, DataDir: dir, AllowFailed: true})
	if want := path + ` is damaged: it holds "garbage\n"`; err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("start: %v; want %q", err, want)
	}
}

// A node's directory replaced by a copy of another node's (to put back one
// that was lost) is refused: it started, with the other's votes and
// entries for its own (amnesia by another name).
func TestNodeDirectoryCopiedFromAnotherNodeIsRefused(t *testing.T) {
	t.Parallel()
	c, dir, f, donor, nodeDir := copyOverAFollower(t)
	want := fmt.Sprintf("%s holds node %d's files (its CLUSTER-ID says node %d)", nodeDir, donor, donor)
	check := func(what string, err error) {
		t.Helper()
		var se *StartError
		if err == nil || !errors.As(err, &se) || se.Node != f || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v; want node %d refused: %q", what, err, f, want)
		}
	}
	check("restart", c.Restart(f))
	c.Close()
	_, err := startOrHang(t, Options{Nodes: 3, DataDir: dir})
	check("start", err)
}

// An empty CLUSTER-ID (written in place, the process died between its
// creation and its write) holds nothing: the start takes it for one not
// there and writes it whole; it refused the node as damaged at every
// start. Written now under a temporary name and renamed, none is left
// empty, and no temporary file stays.
func TestEmptyClusterIDIsWrittenAgain(t *testing.T) {
	t.Parallel()
	c, dir := startWithAWrite(t)
	c.Close()
	files := []string{filepath.Join(dir, idFile), filepath.Join(dir, "node-2", idFile)}
	want := map[string]string{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want[p] = string(b)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c = startCluster(t, Options{Nodes: 3, DataDir: dir})
	waitLeader(t, c)
	c.Close()
	for _, p := range files {
		if b, err := os.ReadFile(p); err != nil || string(b) != want[p] {
			t.Errorf("%s holds %q, %v; want %q written again", p, b, err, want[p])
		}
		if _, err := os.Stat(p + ".tmp"); err == nil {
			t.Errorf("%s.tmp left behind", p)
		}
	}
}

// wipe replaces a node's disk with an empty one: a directory refused for
// holding another node's files (or another cluster's) is wiped like any
// other, and the node starts empty. Wipe kept the CLUSTER-ID, so the
// wiped node was refused again, "holds node 1's files", with none left.
func TestWipeOfARefusedDirectoryStartsTheNode(t *testing.T) {
	t.Parallel()
	c, _, f, donor, nodeDir := copyOverAFollower(t)
	if err := c.Restart(f); err == nil {
		t.Fatalf("restart of node %d holding node %d's files: started", f, donor)
	}
	if err := c.Wipe(f); err != nil {
		t.Fatalf("wipe %d: %v; want it started empty", f, err)
	}
	_, node, err := readNodeID(nodeDir)
	if err != nil || node != f {
		t.Fatalf("%s/CLUSTER-ID says node %d, %v; want node %d", nodeDir, node, err, f)
	}
}

// A node's damaged CLUSTER-ID is refused saying to delete it only if the
// directory is the node's own: deleted, the file no longer tells a
// directory copied in from elsewhere, and "delete it" alone let one in.
func TestDamagedNodeClusterIDSaysWhenToDeleteIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nodeDir := filepath.Join(dir, "node-2")
	if err := os.MkdirAll(nodeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nodeDir, idFile), []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := CheckIdentity(2, nodeDir)
	want := fmt.Sprintf("if %s is this node's own directory (not one copied in from another node or data directory), delete it", nodeDir)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("CheckIdentity: %v; want %q", err, want)
	}
}

// copyOverAFollower starts a cluster with a write, crashes a follower f and
// replaces its directory nodeDir by a copy of node donor's.
func copyOverAFollower(t *testing.T) (c *Cluster, dir string, f, donor uint64, nodeDir string) {
	t.Helper()
	c, dir = startWithAWrite(t)
	f = aFollower(c.Status())
	donor = 1
	if f == 1 {
		donor = 2
	}
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	nodeDir = filepath.Join(dir, fmt.Sprintf("node-%d", f))
	if err := os.RemoveAll(nodeDir); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(nodeDir, os.DirFS(filepath.Join(dir, fmt.Sprintf("node-%d", donor)))); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(nodeDir, "LOCK")) // (a copy taken while the donor runs holds its lock file too; harmless)
	return c, dir, f, donor, nodeDir
}

// With the data directory's CLUSTER-ID gone, its nodes' disagreeing as
// many against as many cannot tell which cluster this is: the start is
// refused, naming the ids. The lowest node's was taken, and with node-1
// copied in from another run, nodes 2 and 3 of this one (one of them with
// no CLUSTER-ID, an older directory) were refused as foreign.
func TestClusterIDDeletedAndNodesTiedIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(node int, text string) {
		t.Helper()
		d := filepath.Join(dir, fmt.Sprintf("node-%d", node))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, idFile), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(1, "cluster aaaa\nnode 1\n")
	write(2, "cluster bbbb\nnode 2\n")
	err := CheckIDFile(dir)
	for _, want := range []string{filepath.Join(dir, idFile) + " is missing", "cluster aaaa (1 node), cluster bbbb (1 node)", "move away"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckIDFile: %v; want %q", err, want)
		}
	}
	// Two against one: the two are the cluster (node 1 is refused at its
	// start as foreign).
	write(3, "cluster bbbb\nnode 3\n")
	if err := CheckIDFile(dir); err != nil {
		t.Errorf("two nodes against one: %v", err)
	}
	if id, from, _ := dataID(dir); id != "bbbb" || from != filepath.Join(dir, "node-2", idFile) {
		t.Errorf("dataID = %q from %q; want bbbb from node-2's", id, from)
	}
	if err := CheckIdentity(1, filepath.Join(dir, "node-1")); err == nil || !strings.Contains(err.Error(), "belongs to another cluster") {
		t.Errorf("node 1: %v; want it refused as foreign", err)
	}
}
