package main

import (
	bin "encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/wal"
)

// Every node with nothing worse than a torn tail (a power failure of the
// whole machine mid-write): each starts, cutting its tail off. raftplay wal
// DATA said that no start could run the cluster, and sent the user to a new
// --data directory (found by a review).
func TestWALTornTailsOnEveryNodeStart(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\nput k v\n", "script", "--nodes", "1", "--data", data, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dir := filepath.Join(data, "node-1")
	rep, err := wal.Inspect(dir)
	if err != nil || len(rep.Segments) == 0 {
		t.Fatalf("Inspect: %v", err)
	}
	seg := rep.Segments[len(rep.Segments)-1]
	path := filepath.Join(dir, seg.Name)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A header after the last record whose payload never made it: past
	// the end of the file, or zeros in a preallocated segment.
	hdr := make([]byte, 15)
	bin.LittleEndian.PutUint32(hdr, 2000)
	hdr[4], hdr[8], hdr[12] = 1, 9, 7
	if _, err := f.WriteAt(hdr, seg.Size-seg.Zeroed); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, _, errs := runCLI(t, "", "wal", data)
	if code != 1 || !strings.Contains(errs, "a torn tail") || strings.Contains(errs, "no start runs a cluster") || strings.Contains(errs, "--allow-failed") {
		t.Fatalf("wal DATA: exit %d, stderr:\n%s\nwant the torn tail, and no word of a start that cannot run or of --allow-failed", code, errs)
	}
	if code, _, errs := runCLI(t, "wait leader\nexpect get k == v\n", "script", "--data", data, "-"); code != 0 {
		t.Fatalf("the start on the torn tail: exit %d: %s", code, errs)
	}
}
