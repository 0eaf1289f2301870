package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// readdAllBut crashes follower s of a three-node cluster before any
// configuration entry reaches its log, then adds node 4 and removes and
// adds again every other node the cluster was created with: their
// directories say JOINED from then on, and s's log still holds no
// configuration entry (its configuration is the bootstrap one).
func readdAllBut(t *testing.T, c *Cluster) (s uint64) {
	t.Helper()
	l := waitLeader(t, c).Leader
	s = othersThan(l, 3)[0]
	waitFor(t, c, "the follower holding the leader's first entries", func(st Status) bool {
		n, _ := st.Node(s)
		return n.Applied > 0 && n.Applied == st.Nodes[l-1].Commit
	})
	if err := c.Crash(s); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Add(ctxFor(t, 10*time.Second), 4); err != nil {
		t.Fatalf("add 4: %v", err)
	}
	for _, id := range othersThan(s, 3) {
		if _, err := c.Remove(ctxFor(t, 10*time.Second), id); err != nil {
			t.Fatalf("remove %d: %v", id, err)
		}
		if _, err := c.Add(ctxFor(t, 10*time.Second), id); err != nil {
			t.Fatalf("add %d again: %v", id, err)
		}
	}
	return s
}

// A node whose log holds no configuration entry runs in the bootstrap
// configuration: the nodes the cluster was created with. It was built
// from the nodes whose directories do not say JOINED, and an id the
// cluster was created with, removed and added again, says JOINED: with
// every other id added again, a follower crashed before the first change
// restarted in a configuration of itself alone, elected itself at its
// first timeout, and led a second leader in the term of the cluster's
// (the monitor: "election safety: two leaders in term 3: 3 and 1"),
// committing writes alone on a log that lacked the cluster's. The
// bootstrap configuration is the cluster's creation size (CLUSTER).
func TestBootstrapPeersKeepIDsAddedAgain(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Timing: PaperTiming})
	s := readdAllBut(t, c)
	if err := c.Isolate(s); err != nil {
		t.Fatal(err)
	}
	before, _ := c.Status().Node(s)
	if err := c.Restart(s); err != nil {
		t.Fatal(err)
	}
	// Cut off, it times out and campaigns: alone in its configuration it
	// won that election at once; with the cluster's, it cannot win.
	st := waitFor(t, c, fmt.Sprintf("node %d campaigning after its restart", s), func(st Status) bool {
		n, _ := st.Node(s)
		return n.State == StateUp && n.Term > before.Term
	})
	if n, _ := st.Node(s); n.Role == "leader" {
		t.Fatalf("node %d, cut off, restarted from a log without configuration entries, is %s at term %d (config %s)", s, n.Role, n.Term, n.Membership)
	}
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("safety violations: %v", v)
	}
	c.mu.Lock()
	peers := c.nodeConfig(c.slots[s-1]).peers
	c.mu.Unlock()
	if !slices.Equal(peers, []uint64{1, 2, 3}) {
		t.Fatalf("node %d restarts with the bootstrap configuration %v, want the cluster it was created as: 1, 2, 3", s, peers)
	}
}

// The same across runs: a later start on the data directory gives every
// node the cluster was created with the bootstrap configuration 1, 2, 3,
// whichever of them were added again since.
func TestBootstrapPeersKeepIDsAddedAgainAcrossRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: dir, Timing: PaperTiming})
	s := readdAllBut(t, c)
	c.Close()
	c2, err := Start(Options{Nodes: 3, DataDir: dir, Timing: PaperTiming})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.mu.Lock()
	defer c2.mu.Unlock()
	for _, sl := range c2.slots {
		peers := c2.nodeConfig(sl).peers
		want := []uint64{1, 2, 3}
		if sl.joined {
			want = nil // it has no bootstrap configuration: it learns one from the leader
		}
		if sl.id == s && sl.joined {
			t.Fatalf("node %d, never added again, says JOINED", s)
		}
		if !slices.Equal(peers, want) {
			t.Fatalf("node %d (joined %v) starts with the bootstrap configuration %v, want %v", sl.id, sl.joined, peers, want)
		}
	}
}

// A data directory made before CLUSTER and CREATED existed: the creation
// size was guessed as the highest id not marked JOINED, and with 3, an id
// the cluster was created with, removed and added again (JOINED), the
// guess was 1 or 2: the follower whose log holds no configuration entry
// would restart in a bootstrap configuration too small, and the size was
// written to CLUSTER for good. The first configuration entry of a log
// (here the learner 4's: voters 1,2,3) says the size; an event says where
// it came from.
func TestCreatedSizeOfAnOldDataDirectoryComesFromTheLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, Options{Nodes: 3, DataDir: dir, Timing: PaperTiming})
	s := readdAllBut(t, c)
	c.Close()
	old, _ := filepath.Glob(filepath.Join(dir, "node-*", createdFile))
	for _, p := range append(old, filepath.Join(dir, clusterFile)) {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if !fileExists(filepath.Join(dir, "node-3", joinedFile)) {
		t.Fatalf("setup: node 3 does not say JOINED (node %d was left alone)", s)
	}
	c2, err := Start(Options{Nodes: 3, DataDir: dir, Timing: PaperTiming})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.created != 3 {
		t.Fatalf("the creation size of a directory without CLUSTER or CREATED is %d, want 3", c2.created)
	}
	c2.mu.Lock()
	peers := c2.nodeConfig(c2.slots[s-1]).peers
	c2.mu.Unlock()
	if !slices.Equal(peers, []uint64{1, 2, 3}) {
		t.Fatalf("node %d restarts with the bootstrap configuration %v, want 1, 2, 3", s, peers)
	}
	evs, _, _ := c2.Events().Since(0)
	said := false
	for _, e := range evs {
		said = said || strings.Contains(e.Text, "records no creation size (made by an older raftplay): the cluster's is taken as 3 nodes, taken from the first configuration entry")
	}
	if !said {
		t.Errorf("no event says where the size came from: %v", evs)
	}
	if got := readSize(filepath.Join(dir, clusterFile)); got != 3 {
		t.Errorf("CLUSTER written back says %d, want 3", got)
	}
}

// With no log that holds the first configuration entry (compacted, or
// none written), the guess is the most the size can be: the JOINED ids
// right above the highest id not marked JOINED may be ids of the
// cluster's own added again. Too large, a node whose log holds no
// configuration entry needs more votes; too small, fewer than a majority
// of the real configuration elected it.
func TestCreatedSizeGuessWithoutALogIsTheMostItCanBe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mk := func(id uint64, joined bool) *slot {
		return &slot{id: id, dir: filepath.Join(dir, fmt.Sprintf("node-%d", id)), joined: joined}
	}
	for _, tc := range []struct {
		slots []*slot
		want  int
		says  string
	}{
		{[]*slot{mk(1, false), mk(2, false), mk(3, true)}, 3, "nodes 3 to 3 say JOINED"},
		{[]*slot{mk(1, true), mk(2, false), mk(3, true), mk(4, true)}, 4, "nodes 3 to 4 say JOINED"},
		{[]*slot{mk(1, false), mk(2, false), mk(3, false)}, 3, ""},
	} {
		n, how := createdSizeOf(dir, tc.slots)
		if n != tc.want || !strings.Contains(how, tc.says) || (tc.says == "") != (how == "") {
			t.Errorf("%d slots: size %d (%q), want %d saying %q", len(tc.slots), n, how, tc.want, tc.says)
		}
	}
}
