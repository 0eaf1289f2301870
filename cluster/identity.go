package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
)

// A cluster's identity on disk: a random id written once the cluster has
// started, in its data directory and in the directory of every node that
// ran in it.
//
//	CLUSTER-ID          "cluster HEX": the id, made at the first start
//	node-N/CLUSTER-ID   the same, and "node N", written once the node has
//	                    run in it
//
// A node's directory copied in from another data directory (to put back
// one that was lost, say) held another cluster's log: it started, won an
// election with its higher term and overwrote the entries this cluster had
// acknowledged (the safety monitor saw it, nothing refused it). A node
// whose CLUSTER-ID is not its data directory's is refused at start and at
// restart; so is one that holds another node's (node-1 copied over a lost
// node-2: amnesia with extra steps). A directory made before the file existed has none and is not
// checked; it gets one at its next start.
const idFile = "CLUSTER-ID"

// readID reads a CLUSTER-ID file: "" when it is not there. A file that is
// there but is not "cluster HEX" (a node's: then "node N" on a line of its
// own, or not) is an error; fix says what to do. node is the N, 0 if none.
func readID(path, fix string) (id string, node uint64, err error) {
	b, err := readMarker(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(b) == 0 {
		// Empty: an older raftplay wrote it in place and died before the
		// write; nothing was recorded, and the next start records it.
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("%s cannot be read: %w", path, err)
	}
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n")), "\n")
	id, ok := strings.CutPrefix(lines[0], "cluster ")
	ok = ok && id != "" && !strings.ContainsAny(id, " \t") && len(lines) <= 2
	if ok && len(lines) == 2 {
		var n int
		_, serr := fmt.Sscanf(lines[1], "node %d", &n)
		ok = serr == nil && n >= 1 && n <= MaxNodes && lines[1] == fmt.Sprintf("node %d", n)
		node = uint64(n)
	}
	if !ok {
		found := fmt.Sprintf("%q", b)
		if len(b) > 40 {
			found = fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
		}
		return "", 0, fmt.Errorf("%s is damaged: it holds %s, not \"cluster ID\", the identity that tells this cluster's nodes from another's; %s", path, found, fix)
	}
	return id, node, nil
}

// readNodeID reads the CLUSTER-ID of the node directory dir: the cluster's
// id, and the node's.
func readNodeID(dir string) (string, uint64, error) {
	// Deleted, the file no longer tells a copied-in directory: say so.
	return readID(filepath.Join(dir, idFile), fmt.Sprintf("if %s is this node's own directory (not one copied in from another node or data directory), delete it: it is written again", dir))
}

// CheckIDFile says what is wrong with dataDir's CLUSTER-ID, if it is there
// and cannot be read as one (nil when it can, or is not there): a start
// refuses the data directory.
func CheckIDFile(dataDir string) error {
	_, _, err := dataID(dataDir)
	return err
}

// dataID returns the id of the cluster in dataDir and the file that says
// it: its CLUSTER-ID, else (deleted) the one more of its nodes' hold than
// any other, so that a deleted CLUSTER-ID is not replaced by a new id that
// every node's then contradicts. "" when none says one. When as many nodes
// say one id as another, which cluster this is cannot be told: an error
// (the lowest node's id was taken, and with node-1 copied in from another
// run, every node of this one was refused as foreign).
func dataID(dataDir string) (id, from string, err error) {
	from = filepath.Join(dataDir, idFile)
	id, _, err = readID(from, "delete it: the next start takes the id back from the nodes' "+idFile+" files")
	if err != nil || id != "" {
		return id, from, err
	}
	count := map[string]int{}
	first := map[string]string{}
	var order []string // the ids, as first found
	for n := 1; n <= MaxNodes; n++ {
		path := filepath.Join(dataDir, fmt.Sprintf("node-%d", n), idFile)
		nid, _, err := readID(path, "")
		if err != nil || nid == "" {
			continue
		}
		if count[nid] == 0 {
			first[nid] = path
			order = append(order, nid)
		}
		count[nid]++
	}
	if len(order) == 0 {
		return "", "", nil
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	if len(order) > 1 && count[order[0]] == count[order[1]] {
		var says []string
		for _, nid := range order {
			says = append(says, fmt.Sprintf("cluster %s (%s)", nid, plural(count[nid], "node", "nodes")))
		}
		return "", from, fmt.Errorf("%s is missing, and its nodes' %s files disagree on which cluster this is: %s; move away the node directories copied in from another data directory, or write the id back in %s as \"cluster ID\"",
			from, idFile, strings.Join(says, ", "), from)
	}
	return order[0], first[order[0]], nil
}

// CheckIdentity says what is wrong when the directory dir of node id holds
// the CLUSTER-ID of another cluster than its data directory's (nil when
// they agree, or either has none): a start refuses the node.
func CheckIdentity(id uint64, dir string) error {
	got, node, err := readNodeID(dir)
	if err != nil || got == "" {
		return err
	}
	want, from, err := dataID(filepath.Dir(dir))
	if err != nil {
		return err
	}
	if want == "" || got == want {
		if node == 0 || node == id {
			return nil
		}
		// Another node's directory copied over this one's (to put back
		// one that was lost): the node would claim the votes and entries
		// of the other, as if it had lost its own files (amnesia).
		return fmt.Errorf("its directory %s holds node %d's files (its %s says node %d): started as node %d, it would take node %d's votes and entries for its own and forget its own (amnesia), which can break Raft's safety; put node %d's own directory back",
			dir, node, idFile, node, id, node, id)
	}
	return fmt.Errorf("its directory %s belongs to another cluster: its %s says cluster %s, and %s says cluster %s; copied in from another data directory, its log would overwrite entries this cluster acknowledged, or be overwritten; put node %d's own directory back",
		dir, idFile, got, from, want, id)
}

// recordID writes dataDir's CLUSTER-ID when it has none (a new cluster,
// a data directory made before the file existed, or the file deleted: the
// id its nodes hold, then), and the node directories' that lack one, of
// the nodes of c that run. Best effort, as recordSize: without it,
// nothing is checked.
func (c *Cluster) recordID() {
	if own, _, err := readID(filepath.Join(c.opts.DataDir, idFile), ""); err == nil && own == "" { // none, or empty
		id, _, err := dataID(c.opts.DataDir)
		if err != nil {
			return
		}
		if id == "" {
			id = fmt.Sprintf("%016x", rand.Uint64())
		}
		if writeMarker(c.opts.DataDir, idFile, fmt.Sprintf("cluster %s\n", id)) != nil {
			return
		}
	}
	// Written outside c.mu: each file is fsynced, and its directory.
	var dirs []string
	c.mu.Lock()
	for _, s := range c.slots {
		if s.node != nil && s.state != StateRemoved {
			dirs = append(dirs, s.dir)
		}
	}
	c.mu.Unlock()
	for _, dir := range dirs {
		stampID(dir)
	}
}

// stampID writes the CLUSTER-ID of the data directory above dir into dir,
// a node's directory that runs in it, when dir has none.
func stampID(dir string) {
	id, _, err := readID(filepath.Join(filepath.Dir(dir), idFile), "")
	if err != nil || id == "" {
		return
	}
	if own, _, err := readID(filepath.Join(dir, idFile), ""); err != nil || own != "" {
		return // it has one (a wrong or damaged one is the start's to refuse)
	}
	text := fmt.Sprintf("cluster %s\n", id)
	var n int
	if _, err := fmt.Sscanf(filepath.Base(dir), "node-%d", &n); err == nil && filepath.Base(dir) == fmt.Sprintf("node-%d", n) {
		text += fmt.Sprintf("node %d\n", n)
	}
	writeMarker(dir, idFile, text)
}
