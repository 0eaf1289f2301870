package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
)

// raftplay wal writes a key-value entry as the command that made it, its
// key and value quoted as the command language quotes them: it printed
// them bare ("put sp ace=v w"), so a key or value with a space, '=', a
// quote or '#' could be read more than one way.
func TestWALEntryWords(t *testing.T) {
	t.Parallel()
	entry := func(op cluster.Op, key, value string) raft.Entry {
		data := cluster.Command{Op: op, Client: 7, Seq: 1, Key: key, Value: []byte(value)}.Encode(nil)
		return raft.Entry{Index: 3, Term: 1, Type: raft.EntryNormal, Data: data}
	}
	for _, tc := range []struct {
		e    raft.Entry
		want string
	}{
		{entry(cluster.OpPut, "k", "v"), "put k v"},
		{entry(cluster.OpPut, "sp ace", "v w"), `put "sp ace" "v w"`},
		{entry(cluster.OpPut, "k4", "a # b"), `put k4 "a # b"`},
		{entry(cluster.OpPut, "k=1", `x"y`), `put k=1 "x\"y"`},
		{entry(cluster.OpPut, "p", `C:\new`), `put p "C:\\new"`},
		{entry(cluster.OpPut, "\xff\xfe", "\xff"), `put "\xff\xfe" "\xff"`},
		{entry(cluster.OpPut, "e", ""), `put e ""`},
		{entry(cluster.OpPut, "n", "(nil)"), `put n "(nil)"`},
		{entry(cluster.OpPut, "esc", "v\x1b[41m"), `put esc "v\x1b[41m"`},
		{entry(cluster.OpPut, "long", strings.Repeat("ab", 20)), `put long "abababababababababababab"... (40 bytes)`},
		{entry(cluster.OpPut, "dots", "v..."), `put dots v...`},
		{entry(cluster.OpDel, "sp ace", ""), `del "sp ace"`},
		{raft.Entry{Index: 1, Term: 1, Type: raft.EntryNoop}, "no-op"},
		{entry(cluster.OpRegister, "", ""), "register client session 3"},
	} {
		got := describeWALEntry(tc.e)
		if got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
		if got != cluster.EscapeControls(got) {
			t.Errorf("%s holds what a terminal would obey", got)
		}
	}
	// A whole put reads back, through the command language, as the
	// command that wrote it.
	for _, kv := range [][2]string{{"sp ace", "v w"}, {"k4", "a # b"}, {"k=1", `x"y`}, {"\xff\xfe", "\xff"}, {"p", `C:\new`}} {
		line := describeWALEntry(entry(cluster.OpPut, kv[0], kv[1]))
		c, err := commands.ParseLine(line, 1, 5)
		if err != nil || c == nil || c.Key != kv[0] || c.Value != kv[1] {
			t.Errorf("%s parses as %+v, %v; want key %q value %q", line, c, err, kv[0], kv[1])
		}
	}
}

// clusterOnDisk runs a cluster of nodes nodes on a new data directory
// (a write, then it stops) and returns the directory and node's first WAL
// segment.
func clusterOnDisk(t *testing.T, nodes, node int) (data, seg string) {
	t.Helper()
	data = t.TempDir()
	if code, out, errs := runCLI(t, "wait leader\nput k v\n", "script", "--nodes", fmt.Sprint(nodes), "--data", data, "-"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	segs, _ := filepath.Glob(filepath.Join(data, fmt.Sprintf("node-%d", node), "*.wal"))
	if len(segs) == 0 {
		t.Fatalf("node %d has no WAL segment", node)
	}
	return data, segs[0]
}

// raftplay wal DATA reports a damaged CLUSTER file (exit 1), as a start
// refuses it: it listed the nodes and said nothing was wrong.
func TestWALReportsADamagedClusterFile(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatal(errs)
	}
	if err := os.WriteFile(filepath.Join(data, "CLUSTER"), []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "wal", data)
	if code != 1 || !strings.Contains(out, `CLUSTER is damaged: it holds "garbage\n"`) || !strings.Contains(errs, "CLUSTER is damaged") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
}

// With a damaged CLUSTER file and a node that cannot start, raftplay wal
// does not send the user to --allow-failed alone: a start refuses the
// CLUSTER file with or without it.
func TestWALDoesNotOfferAllowFailedPastADamagedClusterFile(t *testing.T) {
	t.Parallel()
	data, seg := clusterOnDisk(t, 3, 2)
	for path, text := range map[string]string{seg: "garbage", filepath.Join(data, "CLUSTER"): "garbage\n"} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errs := runCLI(t, "", "wal", data)
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	last := lines[len(lines)-1]
	if code != 1 || !strings.Contains(last, "--allow-failed") || !strings.Contains(last, "once "+filepath.Join(data, "CLUSTER")+" holds the cluster's size again") {
		t.Errorf("exit %d, last line %q; want --allow-failed offered once CLUSTER is written back\n%s", code, last, errs)
	}
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--data", data, "--allow-failed", "-"); code == 0 || !strings.Contains(errs, "CLUSTER is damaged") {
		t.Errorf("a start with --allow-failed past a damaged CLUSTER: exit %d\n%s", code, errs)
	}
}

// A node's directory beyond the size CLUSTER records makes the nodes
// between missing; raftplay wal says why a start takes them for members,
// not that the cluster was created with that many ("created with 7 nodes"
// of a CLUSTER that says 3: a CI user's report).
func TestWALNamesWhyNodesBeyondClusterAreMissing(t *testing.T) {
	t.Parallel()
	data := clusterWithNode7(t)
	code, out, _ := runCLI(t, "", "wal", data)
	want := "node-4: is missing, while node 7 has files (a start runs nodes 1 to 7; " + filepath.Join(data, "CLUSTER") + " says 3): a start refuses to run node 4 empty (amnesia)"
	if code != 1 || !strings.Contains(out, want) || strings.Contains(out, "created with 7") {
		t.Errorf("exit %d, want 1 and %q:\n%s", code, want, out)
	}
}

// With CLUSTER deleted, raftplay wal takes the cluster's size from its
// nodes' CREATED files, as a start does, and names the file: a missing
// last node is reported, where it found nothing wrong.
func TestWALTakesTheSizeFromCreatedWithoutCluster(t *testing.T) {
	t.Parallel()
	data, _ := clusterOnDisk(t, 3, 1)
	for _, path := range []string{filepath.Join(data, "CLUSTER"), filepath.Join(data, "node-3")} {
		if err := os.RemoveAll(path); err != nil {
			t.Fatal(err)
		}
	}
	code, out, _ := runCLI(t, "", "wal", data)
	if head := "data " + data + ": 2 nodes (of 3: the other's directory is missing, see below)\n"; !strings.HasPrefix(out, head) {
		t.Errorf("want the listing to begin %q:\n%s", head, out)
	}
	want := "node-3: is missing, and the cluster was created with 3 nodes (" + filepath.Join(data, "node-1", "CREATED") + "): a start refuses to run node 3 empty (amnesia)"
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, want 1 and %q:\n%s", code, want, out)
	}
}

// A node's directory that is no directory keeps every start from running,
// --allow-failed too: raftplay wal lists it, even as the only entry (a
// dangling link node-1 was "neither a WAL nor node directories"), and
// does not send the user to --allow-failed (the start refused the file).
func TestWALNodeDirectoryThatIsNone(t *testing.T) {
	t.Parallel()
	lone := t.TempDir()
	if err := os.Symlink(filepath.Join(lone, "gone"), filepath.Join(lone, "node-1")); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "wal", lone)
	if code != 1 || !strings.Contains(out, "node-1: is a symbolic link to a missing path") || !strings.Contains(errs, "a start refuses node-1 (--allow-failed too) until it is mended") {
		t.Errorf("dangling node-1: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	data, _ := clusterOnDisk(t, 3, 1)
	node2 := filepath.Join(data, "node-2")
	if err := os.RemoveAll(node2); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(node2, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI(t, "", "wal", data)
	if code != 1 || !strings.Contains(errs, "node-2: is a file, not a directory") || strings.Contains(errs, "a start with --allow-failed") {
		t.Errorf("node-2 a file: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--data", data, "--allow-failed", "-"); code == 0 || !strings.Contains(errs, "is a file, not a directory") {
		t.Errorf("a start with --allow-failed: exit %d\n%s", code, errs)
	}
}

// A node's directory whose files are gone, while the other nodes' logs
// hold the cluster's data: a start refuses to run it empty (amnesia), and
// raftplay wal says so (exit 1). It listed the node as "0 segments, 0
// snapshots" and exited 0.
func TestWALReportsANodeWhoseLogIsGone(t *testing.T) {
	t.Parallel()
	data, seg := clusterOnDisk(t, 3, 2)
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "wal", data)
	want := filepath.Join(data, "node-2") + ": holds no log (no *.wal segment), while node 1, 3 have theirs: a start refuses to run node 2 empty (amnesia)"
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(errs, want) || !strings.Contains(errs, "--allow-failed") {
		t.Errorf("exit %d, want 1 and %q:\nstdout %s\nstderr %s", code, want, out, errs)
	}
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--data", data, "-"); code == 0 || !strings.Contains(errs, "amnesia") {
		t.Errorf("a start refuses the same directory: exit %d\n%s", code, errs)
	}
}

// A missing node within the size CLUSTER records is said to be missing
// from a cluster created with that size, not with as many nodes as the
// highest directory with files: with node-7 there, node-2 missing read
// "the cluster was created with 7 nodes (.../CLUSTER)" of a CLUSTER that
// says 3.
func TestWALSaysTheCreatedSizeOfAMissingMember(t *testing.T) {
	t.Parallel()
	data := clusterWithNode7(t)
	if err := os.RemoveAll(filepath.Join(data, "node-2")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", "wal", data)
	want := "node-2: is missing, and the cluster was created with 3 nodes (" + filepath.Join(data, "CLUSTER") + "): a start refuses to run node 2 empty (amnesia)"
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, want 1 and %q:\n%s", code, want, out)
	}
}

// clusterWithNode7 is a 3-node data directory (clusterOnDisk) with a copy
// of node 1's segment in node-7: files of a node beyond the size CLUSTER
// records.
func clusterWithNode7(t *testing.T) string {
	t.Helper()
	data, seg := clusterOnDisk(t, 3, 1)
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(data, "node-7"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "node-7", filepath.Base(seg)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// raftplay wal DATA reports a node directory copied in from another
// cluster's data directory (exit 1), as a start refuses it, and the start
// with --allow-failed runs the others.
func TestWALReportsANodeFromAnotherCluster(t *testing.T) {
	t.Parallel()
	data, _ := clusterOnDisk(t, 3, 1)
	other, _ := clusterOnDisk(t, 3, 1)
	node2 := filepath.Join(data, "node-2")
	if err := os.RemoveAll(node2); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(other, "node-2"), node2); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "wal", data)
	want := "wal " + node2 + ": belongs to another cluster: its CLUSTER-ID says cluster "
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(errs, "--allow-failed") {
		t.Errorf("exit %d, want 1 and %q\nstdout %s\nstderr %s", code, want, out, errs)
	}
	code, _, errs = runCLI(t, "wait leader\nexpect get k == v\n", "script", "--data", data, "-")
	if code != 1 || !strings.Contains(errs, "node 2 could not start: its directory "+node2+" belongs to another cluster") {
		t.Errorf("start: exit %d, want 1 and node 2 refused\n%s", code, errs)
	}
	if code, out, errs := runCLI(t, "wait leader\nexpect get k == v\n", "script", "--allow-failed", "--data", data, "-"); code != 0 {
		t.Errorf("start --allow-failed: exit %d\n%s\n%s", code, out, errs)
	}
}

// --data naming a symbolic link to a missing path says so: it said
// "cannot create it (DIR: file exists)".
func TestDataDirDanglingLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	link := filepath.Join(dir, "data")
	if err := os.Symlink(filepath.Join(dir, "gone", "x"), link); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "wait leader\n", "script", "--data", link, "-")
	want := "--data " + link + ": it is a symbolic link to a missing path (" + filepath.Join(dir, "gone", "x") + "): create its target, or remove the link"
	if code != 2 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", code, want, errs)
	}
}

// raftplay wal shows what a JOINED marker keeps: the index the node
// joined after (raft.Config.JoinedAfter), which decides whether a re-added
// id takes its id's earlier configuration for its own. It listed "other
// JOINED" alone. A marker written before markers kept the index says so.
func TestWALShowsTheJoinedAfterIndex(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	script := "wait leader\nput k v\nadd 4\nremove 3\nadd 3\n"
	if code, out, errs := runCLI(t, script, "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for id := 3; id <= 4; id++ {
		dir := filepath.Join(data, fmt.Sprintf("node-%d", id))
		after, ok, marked := cluster.JoinedMarker(dir)
		if !ok || !marked || after == 0 {
			t.Fatalf("node %d: JOINED after %d ok %v marked %v", id, after, ok, marked)
		}
		code, out, errs := runCLI(t, "", "wal", dir)
		want := fmt.Sprintf("other JOINED (added to a running cluster: joined after %d; a configuration at or below entry %d that names its id was an earlier node's, and does not let this one vote)\n", after, after)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("wal node-%d: exit %d, want %q:\n%s\n%s", id, code, want, out, errs)
		}
	}
	// Node 3 was removed at an entry above 4's join: its JOINED says so.
	a3, _, _ := cluster.JoinedMarker(filepath.Join(data, "node-3"))
	a4, _, _ := cluster.JoinedMarker(filepath.Join(data, "node-4"))
	if a3 <= a4 {
		t.Errorf("node 3 re-added joined after %d, node 4 after %d: want 3's later", a3, a4)
	}
	old := filepath.Join(data, "node-4")
	if err := os.WriteFile(filepath.Join(old, "JOINED"), []byte("added to a running cluster: the membership comes from the leader's log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", "wal", data)
	want := "other JOINED (added to a running cluster; it keeps no joined-after index, as a marker written before markers kept one: every configuration naming its id counts as its own)\n"
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("wal DATA: exit %d, want %q:\n%s", code, want, out)
	}
	if strings.Contains(out, "other JOINED\n") {
		t.Errorf("a JOINED marker listed without what it keeps:\n%s", out)
	}
}

// An add killed between making the new node's directory and writing its
// JOINED marker leaves an empty node-4 above the nodes': a start passes
// it over (and an add of 4 uses it), but raftplay wal listed it as a node
// whose log was gone, "a start refuses to run node 4 empty (amnesia)",
// and exited 1.
func TestWALPassesOverTheEmptyDirectoryOfAKilledAdd(t *testing.T) {
	t.Parallel()
	data, _ := clusterOnDisk(t, 3, 2)
	if err := os.Mkdir(filepath.Join(data, "node-4"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "wal", data)
	want := filepath.Join(data, "node-4") + ": an empty directory, above the nodes' (an add killed before it wrote the node's JOINED marker): no node, never a member"
	if code != 0 || !strings.Contains(out, want) || strings.Contains(out+errs, "amnesia") || !strings.Contains(out, ": 3 nodes\n") {
		t.Errorf("exit %d, want 0 and %q, 3 nodes, no amnesia:\nstdout %s\nstderr %s", code, want, out, errs)
	}
}
