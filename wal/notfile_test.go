package wal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raftplay/raft"
)

// A segment or snapshot name that is not a regular file (a directory, a
// symbolic link, to /dev/null or to a file elsewhere) is damage named with
// what it is: it was ignored, so the directory read as one without a log,
// and a start said the node's log was gone and to put its files back.
func TestSegmentThatIsNotAFileIsNamed(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		make       func(path string) error
	}{
		{"directory", "is a directory, not a file", func(p string) error { return os.Mkdir(p, 0o755) }},
		{"symlink to /dev/null", "is a symbolic link (to /dev/null), not a file", func(p string) error { return os.Symlink("/dev/null", p) }},
		{"symlink to a file", "is a symbolic link (to ", func(p string) error {
			away := filepath.Join(filepath.Dir(filepath.Dir(p)), "away.wal")
			if err := os.Rename(p+".orig", away); err != nil {
				return err
			}
			return os.Symlink(away, p)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "node-1")
			w, _ := mustOpen(t, dir, Options{})
			mustSave(t, w, raft.HardState{Term: 2, Vote: 1, Commit: 1}, mkEnts(1, 3, 2, 10))
			mustClose(t, w)
			segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
			if len(segs) != 1 {
				t.Fatalf("segments %v", segs)
			}
			if err := os.Rename(segs[0], segs[0]+".orig"); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(segs[0]); err != nil {
				t.Fatal(err)
			}
			if !HasLog(dir) {
				t.Fatal("HasLog = false: the node would be taken for one whose log is gone")
			}
			_, _, err := Open(dir, Options{})
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.File != filepath.Base(segs[0]) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v; want a *CorruptError on %s saying %q", err, filepath.Base(segs[0]), tc.want)
			}
			rep, err := Inspect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) != 1 || rep.Problems[0].File != filepath.Base(segs[0]) || !strings.Contains(rep.Problems[0].What, tc.want) {
				t.Fatalf("Inspect problems %+v; want one on %s saying %q", rep.Problems, filepath.Base(segs[0]), tc.want)
			}
		})
	}
}
