package cluster

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// A new --data directory (and its missing parents) is made durable in its
// parent: each directory created is followed by an fsync of its parent.
// Made with os.MkdirAll, its name was never fsynced into the directory
// above it, and a power failure could take the whole data directory away
// with every node's log in it (the WAL makes durable the directories it
// creates, node-N here, but found the data directory made). FaultFS does
// not model directories, so the test watches the fsyncs. Not parallel: it
// sets a hook.
func TestNewDataDirectoryIsMadeDurable(t *testing.T) {
	base := t.TempDir()
	data := filepath.Join(base, "a", "b", "data")
	var mu sync.Mutex
	var synced []string
	testHookSyncDir = func(dir string) {
		mu.Lock()
		synced = append(synced, filepath.Clean(dir))
		mu.Unlock()
	}
	defer func() { testHookSyncDir = nil }()
	c, err := Start(Options{Nodes: 1, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, parent := range []string{base, filepath.Join(base, "a"), filepath.Join(base, "a", "b")} {
		if !slices.Contains(synced, parent) {
			t.Errorf("a directory was created in %s, which was never fsynced (fsynced: %v)", parent, synced)
		}
	}
	// An existing directory is used as it is.
	synced = synced[:0]
	mu.Unlock()
	c, err = Start(Options{Nodes: 1, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	mu.Lock()
	if slices.Contains(synced, base) || slices.Contains(synced, filepath.Join(base, "a", "b")) {
		t.Errorf("a second start on the same directory fsynced its parents again: %v", synced)
	}
}
