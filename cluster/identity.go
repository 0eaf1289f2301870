package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// A cluster's identity on disk: a random id written once the cluster has
// started, in its data directory and in the directory of every node that
// ran in it.
//
//	CLUSTER-ID          "cluster HEX": the id, made at the first start
//	node-N/CLUSTER-ID   the same, written once the node has run in it
//
// A node's directory copied in from another data directory (to put back
// one that was lost, say) held another cluster's log: it started, won an
// election with its higher term and overwrote the entries this cluster had
// acknowledged (the safety monitor saw it, nothing refused it). A node
// whose CLUSTER-ID is not its data directory's is refused at start and at
// restart. A directory made before the file existed has none and is not
// checked; it gets one at its next start.
const idFile = "CLUSTER-ID"

// readID reads a CLUSTER-ID file: "" when it is not there. A file that is
// there but is not "cluster HEX" is an error.
func readID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%s cannot be read: %w", path, err)
	}
	text := strings.TrimSpace(string(b))
	id, ok := strings.CutPrefix(text, "cluster ")
	if !ok || id == "" || strings.ContainsAny(id, " \t\r\n") {
		found := fmt.Sprintf("%q", b)
		if len(b) > 40 {
			found = fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
		}
		return "", fmt.Errorf("%s is damaged: it holds %s, not \"cluster ID\"; it tells this cluster's nodes from another's: copy the data directory's %s over it (or delete it, and it is written again)", path, found, idFile)
	}
	return id, nil
}

// CheckIdentity says what is wrong when the directory dir of node id holds
// the CLUSTER-ID of another cluster than its data directory's (nil when
// they agree, or either has none): a start refuses the node.
func CheckIdentity(id uint64, dir string) error {
	dataDir := filepath.Dir(dir)
	want, err := readID(filepath.Join(dataDir, idFile))
	if err != nil || want == "" {
		return err
	}
	got, err := readID(filepath.Join(dir, idFile))
	if err != nil || got == "" {
		return err
	}
	if got == want {
		return nil
	}
	return fmt.Errorf("its directory %s belongs to another cluster: its %s says cluster %s, and this data directory's (%s) says cluster %s; copied in from another data directory, its log would overwrite entries this cluster acknowledged, or be overwritten; put node %d's own directory back",
		dir, idFile, got, filepath.Join(dataDir, idFile), want, id)
}

// recordID writes dataDir's CLUSTER-ID when it has none (a new cluster,
// or a data directory made before the file existed), and the node
// directories' that lack one, of the nodes of c that run. Best effort, as
// recordSize: without it, nothing is checked.
func (c *Cluster) recordID() {
	path := filepath.Join(c.opts.DataDir, idFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if writeMarker(c.opts.DataDir, idFile, fmt.Sprintf("cluster %016x\n", rand.Uint64())) != nil {
			return
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.slots {
		if s.node != nil && s.state != StateRemoved {
			stampID(s.dir)
		}
	}
}

// stampID writes the CLUSTER-ID of the data directory above dir into dir,
// a node's directory that runs in it, when dir has none.
func stampID(dir string) {
	id, err := readID(filepath.Join(filepath.Dir(dir), idFile))
	if err != nil || id == "" || fileExists(filepath.Join(dir, idFile)) {
		return
	}
	writeMarker(dir, idFile, fmt.Sprintf("cluster %s\n", id))
}
