package wal

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ffsCreate creates dir/name through ffs holding content, fsynced, and
// makes its name durable unless dirSync is false.
func ffsCreate(t *testing.T, ffs *FaultFS, dir, name, content string, dirSync bool) {
	t.Helper()
	f, err := ffs.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if dirSync {
		if err := ffs.SyncDir(dir); err != nil {
			t.Fatal(err)
		}
	}
}

// diskFiles returns the names and contents of dir as they are on disk
// (through os, so FaultFS's hidden files show too).
func diskFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[de.Name()] = string(b)
	}
	return m
}

func wantDisk(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	got := diskFiles(t, dir)
	if len(got) != len(want) {
		t.Fatalf("directory holds %q, want %q", got, want)
	}
	for name, c := range want {
		if g, ok := got[name]; !ok || g != c {
			t.Fatalf("directory holds %q, want %q", got, want)
		}
	}
}

func mustPowerFail(t *testing.T, ffs *FaultFS, dir string) {
	t.Helper()
	if err := ffs.PowerFail(dir); err != nil {
		t.Fatalf("PowerFail: %v", err)
	}
}

// Bytes written after the last Sync are lost; PowerFail refuses while the
// file is open and then changes nothing.
func TestFaultFSWriteSyncPowerFail(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffsCreate(t, ffs, dir, "a", "", true)
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("abc"))
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("defg"))
	s := ffs.Stats()
	if s.Written != 7 || s.Synced != 3 || s.Unsynced != 4 || s.UnsyncedNames != 0 {
		t.Fatalf("stats %+v", s)
	}
	err = ffs.PowerFail(dir)
	if err == nil || !strings.Contains(err.Error(), "still open") || !strings.Contains(err.Error(), "/a") {
		t.Fatalf("PowerFail with an open file = %v", err)
	}
	wantDisk(t, dir, map[string]string{"a": "abcdefg"})
	f.Close()
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"a": "abc"})
	s = ffs.Stats()
	if s.LostBytes != 4 || s.Unsynced != 0 || s.PowerFails != 1 {
		t.Fatalf("stats after power failure %+v", s)
	}
	if !strings.Contains(s.String(), "lost 4 B") {
		t.Errorf("stats text %q", s)
	}
	// After the power failure everything is durable: a second one changes nothing.
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"a": "abc"})
}

// A file fsynced but whose directory was not is gone after a power failure;
// a directory sync makes its name durable.
func TestFaultFSCreateNeedsDirSync(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffsCreate(t, ffs, dir, "kept", "1", true)
	ffsCreate(t, ffs, dir, "lost", "2", false)
	if s := ffs.Stats(); s.UnsyncedNames != 1 {
		t.Fatalf("stats %+v", s)
	}
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"kept": "1"})
	if s := ffs.Stats(); s.LostNames != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// A rename is undone unless its directory is synced: the file is back under
// its old name and what it replaced is back too; the temporary name of a
// file created since the last sync disappears.
func TestFaultFSRename(t *testing.T) {
	ffs := NewFaultFS()
	setup := func() string {
		dir := t.TempDir()
		ffsCreate(t, ffs, dir, "a", "old a", true)
		ffsCreate(t, ffs, dir, "b", "old b", true)
		ffsCreate(t, ffs, dir, "a.tmp", "new a", false)
		if err := ffs.Rename(filepath.Join(dir, "a.tmp"), filepath.Join(dir, "a")); err != nil {
			t.Fatal(err)
		}
		if err := ffs.Rename(filepath.Join(dir, "b"), filepath.Join(dir, "c")); err != nil {
			t.Fatal(err)
		}
		des, err := ffs.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, de := range des {
			names = append(names, de.Name())
		}
		if !slices.Equal(names, []string{"a", "c"}) {
			t.Fatalf("ReadDir = %q (kept-aside files must not show)", names)
		}
		return dir
	}
	t.Run("undone", func(t *testing.T) {
		dir := setup()
		mustPowerFail(t, ffs, dir)
		wantDisk(t, dir, map[string]string{"a": "old a", "b": "old b"})
	})
	t.Run("durable", func(t *testing.T) {
		dir := setup()
		if err := ffs.SyncDir(dir); err != nil {
			t.Fatal(err)
		}
		// The replaced file is gone for good: nothing is kept aside any more.
		wantDisk(t, dir, map[string]string{"a": "new a", "c": "old b"})
		mustPowerFail(t, ffs, dir)
		wantDisk(t, dir, map[string]string{"a": "new a", "c": "old b"})
	})
	t.Run("swap", func(t *testing.T) {
		dir := t.TempDir()
		ffsCreate(t, ffs, dir, "a", "A", true)
		ffsCreate(t, ffs, dir, "b", "B", true)
		for _, mv := range [][2]string{{"a", "t"}, {"b", "a"}, {"t", "b"}} {
			if err := ffs.Rename(filepath.Join(dir, mv[0]), filepath.Join(dir, mv[1])); err != nil {
				t.Fatal(err)
			}
		}
		wantDisk(t, dir, map[string]string{"a": "B", "b": "A"})
		mustPowerFail(t, ffs, dir)
		wantDisk(t, dir, map[string]string{"a": "A", "b": "B"})
	})
	t.Run("between directories", func(t *testing.T) {
		dir := t.TempDir()
		ffsCreate(t, ffs, dir, "a", "A", true)
		os.Mkdir(filepath.Join(dir, "sub"), 0o755)
		err := ffs.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "sub", "a"))
		if !errors.Is(err, syscall.EXDEV) {
			t.Fatalf("Rename between directories = %v, want EXDEV", err)
		}
	})
}

// A removed file is hidden at once and gone for good after a directory
// sync; without one, a power failure brings it back.
func TestFaultFSRemove(t *testing.T) {
	ffs := NewFaultFS()
	for _, synced := range []bool{false, true} {
		dir := t.TempDir()
		ffsCreate(t, ffs, dir, "a", "A", true)
		ffsCreate(t, ffs, dir, "b", "B", true)
		ffsCreate(t, ffs, dir, "new", "N", false) // created and removed, never durable
		for _, name := range []string{"a", "new"} {
			if err := ffs.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "a")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("removed file still there: %v", err)
		}
		if des, _ := ffs.ReadDir(dir); len(des) != 1 || des[0].Name() != "b" {
			t.Fatalf("ReadDir after Remove: %v", des)
		}
		if err := ffs.Remove(filepath.Join(dir, "a")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("second Remove = %v", err)
		}
		want := map[string]string{"a": "A", "b": "B"}
		if synced {
			if err := ffs.SyncDir(dir); err != nil {
				t.Fatal(err)
			}
			want = map[string]string{"b": "B"}
			wantDisk(t, dir, want) // nothing kept aside
		}
		mustPowerFail(t, ffs, dir)
		wantDisk(t, dir, want)
	}
}

// PowerFail covers subdirectories, and only the directory asked for.
func TestFaultFSPowerFailScope(t *testing.T) {
	root := t.TempDir()
	ffs := NewFaultFS()
	sub, other := filepath.Join(root, "node1", "wal"), filepath.Join(root, "node2")
	for _, d := range []string{sub, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		ffsCreate(t, ffs, d, "x", "", false)
	}
	// An open file elsewhere does not stop it.
	f, err := ffs.OpenFile(filepath.Join(other, "x"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mustPowerFail(t, ffs, filepath.Join(root, "node1"))
	wantDisk(t, sub, map[string]string{})
	wantDisk(t, other, map[string]string{"x": ""})
}

// With SkipSync on, Sync and SyncDir succeed and make nothing durable.
func TestFaultFSSkipSync(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffsCreate(t, ffs, dir, "old", "durable", true)
	ffs.SetSkipSync(true)
	ffsCreate(t, ffs, dir, "new", "acknowledged", true)
	f, err := ffs.OpenFile(filepath.Join(dir, "old"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(" and more"))
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s := ffs.Stats()
	if s.SkippedSyncs != 3 || s.Unsynced != int64(len("acknowledged and more")) {
		t.Fatalf("stats %+v", s)
	}
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"old": "durable"})
	ffs.SetSkipSync(false)
	ffsCreate(t, ffs, dir, "new", "kept", true)
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"old": "durable", "new": "kept"})
}

// A full disk refuses writes, creations and new names with ENOSPC, still
// syncs what was written, and works again once space returns.
func TestFaultFSFull(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffsCreate(t, ffs, dir, "a", "", true)
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write([]byte("written"))
	ffs.SetFull(true)
	if n, err := f.Write([]byte("more")); n != 0 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write on a full disk = %d, %v", n, err)
	}
	if _, err := ffs.OpenFile(filepath.Join(dir, "b"), os.O_WRONLY|os.O_CREATE, 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("create on a full disk = %v", err)
	}
	if err := ffs.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "c")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("rename to a new name on a full disk = %v", err)
	}
	if err := f.Truncate(100); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("growing Truncate on a full disk = %v", err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync on a full disk = %v", err)
	}
	wantDisk(t, dir, map[string]string{"a": "written"})
	ffs.SetFull(false)
	if _, err := f.Write([]byte("!")); err != nil {
		t.Fatal(err)
	}
	f.Sync()
	f.Close()
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"a": "written!"})
}

// SetSyncDelay makes every Sync and SyncDir take at least the delay.
func TestFaultFSSyncDelay(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	const d = 20 * time.Millisecond
	ffs.SetSyncDelay(d)
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, sync := range map[string]func() error{"Sync": f.Sync, "SyncDir": func() error { return ffs.SyncDir(dir) }} {
		start := time.Now()
		if err := sync(); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el < d {
			t.Errorf("%s took %v, want at least %v", name, el, d)
		}
	}
}

// The simulated crash (tests only) lets n operations through, then refuses
// every change; Close still works and PowerFail ends it.
func TestFaultFSCrashAfter(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	ffs.SyncDir(dir)
	ffs.crashAfter(1)
	if _, err := f.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); !errors.Is(err, ErrCrashed) {
		t.Fatalf("Sync after the crash = %v", err)
	}
	if err := ffs.Remove(filepath.Join(dir, "a")); !errors.Is(err, ErrCrashed) {
		t.Fatalf("Remove after the crash = %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"a": ""})
	g, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("after PowerFail: %v", err)
	}
	g.Close()
}

// overwrittenFile makes dir/a through a new FaultFS: "abc" and three zeros
// synced, then "XY" written over "bc" and "1234567" over the zeros and
// past the end, unsynced (9 bytes). It returns the file, open.
func overwrittenFile(t *testing.T) (string, *FaultFS, File) {
	t.Helper()
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffsCreate(t, ffs, dir, "a", "", true)
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("abc\x00\x00\x00"))
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("XY"), 1)      // over "bc"
	f.WriteAt([]byte("1234567"), 3) // over the zeros and past the end
	return dir, ffs, f
}

// A write below the synced length (File.WriteAt) is not durable until a
// Sync: a power failure gives the overwritten bytes their old content,
// zeros or not, and cuts off what the write added past the end.
func TestFaultFSOverwriteUndone(t *testing.T) {
	dir, ffs, f := overwrittenFile(t)
	if s := ffs.Stats(); s.Unsynced != 2+3+4 {
		t.Fatalf("stats %+v, want 9 bytes unsynced", s)
	}
	f.Close()
	wantDisk(t, dir, map[string]string{"a": "aXY1234567"})
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"a": "abc\x00\x00\x00"})
	if s := ffs.Stats(); s.LostBytes != 9 {
		t.Fatalf("stats %+v, want 9 bytes lost", s)
	}
	// Synced, an overwrite stays.
	f, _ = ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY, 0)
	f.WriteAt([]byte("Z"), 0)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"a": "Zbc\x00\x00\x00"})
}

// A file kept aside by a FaultFS whose process died (the removal was never
// made durable) is removed by the next FaultFS that lists the directory;
// its own are kept until their removal is durable.
func TestFaultFSRemovesOrphanedStash(t *testing.T) {
	dir := t.TempDir()
	old := NewFaultFS()
	ffsCreate(t, old, dir, "a", "abc", true)
	if err := old.Remove(filepath.Join(dir, "a")); err != nil {
		t.Fatal(err)
	}
	ffs := NewFaultFS()
	ffsCreate(t, ffs, dir, "b", "xyz", true)
	if err := ffs.Remove(filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	if des, err := ffs.ReadDir(dir); err != nil || len(des) != 0 {
		t.Fatalf("ReadDir = %v, %v; want nothing listed", des, err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || !strings.HasSuffix(left[0].Name(), "-b") {
		t.Fatalf("on disk %v: want only the new FaultFS's own stash of b", left)
	}
	mustPowerFail(t, ffs, dir) // b's removal was not durable: it comes back
	wantDisk(t, dir, map[string]string{"b": "xyz"})
}

// A crash ends a slow fsync at once, as killing a process ends its wait in
// fsync: the fsync fails (nothing is made durable) and the caller need not
// wait out the delay. Revive starts the process again with everything it
// wrote still there.
func TestFaultFSCrashEndsSlowSync(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := ffs.SyncDir(dir); err != nil { // the file's name is durable
		t.Fatal(err)
	}
	ffs.SetSyncDelay(time.Hour)
	if _, err := f.Write([]byte("written")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Sync() }()
	// Wait for the Sync to be inside its delay: it has passed the gate.
	for ffs.Stats().Syncs == 0 {
		runtime.Gosched()
	}
	ffs.Crash()
	if err := <-done; !errors.Is(err, ErrCrashed) {
		t.Fatalf("slow Sync ended by a crash = %v, want ErrCrashed", err)
	}
	if st := ffs.Stats(); st.Unsynced != int64(len("written")) {
		t.Fatalf("after the crash %d bytes not durable, want %d (the fsync did not happen)", st.Unsynced, len("written"))
	}
	f.Close()
	ffs.Revive()
	ffs.SetSyncDelay(0)
	g, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("after Revive: %v", err)
	}
	if err := g.Sync(); err != nil {
		t.Fatalf("Sync after Revive: %v", err)
	}
	g.Close()
	mustPowerFail(t, ffs, dir)
	wantDisk(t, dir, map[string]string{"a": "written"})
}

// A new delay applies to the fsyncs already waiting: lifting it ends them
// (a slow disk made fast again does not keep a node waiting for an hour).
func TestFaultFSNewDelayAppliesToWaitingSyncs(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ffs.SetSyncDelay(time.Hour)
	done := make(chan error, 1)
	go func() { done <- f.Sync() }()
	for ffs.Stats().Syncs == 0 {
		runtime.Gosched()
	}
	ffs.SetSyncDelay(0)
	if err := <-done; err != nil {
		t.Fatalf("Sync after the delay was lifted: %v", err)
	}
}

// A torn power failure keeps the unsynced bytes up to a sector boundary,
// in the order of their offsets: here all of them are in the file's first
// sector, so it keeps all or none of them, never part of a write.
func TestFaultFSPowerFailTorn(t *testing.T) {
	for keep, want := range map[int64]string{
		0: "abc\x00\x00\x00", 1: "abc\x00\x00\x00", 3: "abc\x00\x00\x00", 8: "abc\x00\x00\x00",
		9: "aXY1234567", 20: "aXY1234567", -1: "abc\x00\x00\x00",
	} {
		dir, ffs, f := overwrittenFile(t)
		f.Close()
		var asked int64
		if err := ffs.PowerFailTorn(dir, func(n int64) int64 { asked = n; return keep }); err != nil {
			t.Fatal(err)
		}
		if asked != 9 {
			t.Errorf("keep %d: asked about %d unsynced bytes, want 9", keep, asked)
		}
		wantDisk(t, dir, map[string]string{"a": want})
		lost := map[int64]int64{0: 9, 1: 9, 3: 9, 8: 9, 9: 0, 20: 0, -1: 9}[keep]
		if s := ffs.Stats(); s.LostBytes != lost {
			t.Errorf("keep %d: %d bytes lost, want %d", keep, s.LostBytes, lost)
		}
	}
	// A write across sectors is cut at the boundary before the point.
	dir := t.TempDir()
	ffs := NewFaultFS()
	ffsCreate(t, ffs, dir, "a", strings.Repeat("\x00", 2048), true)
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte(strings.Repeat("x", 1500)), 100)
	f.Close()
	if err := ffs.PowerFailTorn(dir, func(int64) int64 { return 1000 }); err != nil { // up to 1100: sector 2 starts at 1024
		t.Fatal(err)
	}
	want := strings.Repeat("\x00", 100) + strings.Repeat("x", 924) + strings.Repeat("\x00", 1024)
	wantDisk(t, dir, map[string]string{"a": want})
	// A write across the synced length (600) is cut at a sector boundary
	// too, not where the synced length ends inside sector 1.
	for keep, want := range map[int64]string{
		50:  strings.Repeat("s", 600),                                 // up to 600: back to 512, before the write
		480: strings.Repeat("s", 550) + strings.Repeat("x", 1024-550), // up to 1030: back to 1024
	} {
		dir := t.TempDir()
		ffs := NewFaultFS()
		ffsCreate(t, ffs, dir, "a", strings.Repeat("s", 600), true)
		f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte(strings.Repeat("x", 500)), 550)
		f.Close()
		if err := ffs.PowerFailTorn(dir, func(int64) int64 { return keep }); err != nil {
			t.Fatal(err)
		}
		wantDisk(t, dir, map[string]string{"a": want})
	}
}

// A full disk's error names the file as it is called now: a segment opened
// as NAME.tmp and renamed named the .tmp, which was not there (a new
// user's disk-full error).
func TestFaultFSFullNamesTheFileNow(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	tmp, final := filepath.Join(dir, "seg.tmp"), filepath.Join(dir, "seg")
	f, err := ffs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := ffs.Rename(tmp, final); err != nil {
		t.Fatal(err)
	}
	ffs.SetFull(true)
	var pe *os.PathError
	if _, err := f.Write([]byte("x")); !errors.As(err, &pe) || pe.Path != final {
		t.Errorf("write on a full disk: %v; want it to name %s", err, final)
	}
	if err := f.Truncate(100); !errors.As(err, &pe) || pe.Path != final {
		t.Errorf("truncate on a full disk: %v; want it to name %s", err, final)
	}
}

// A full disk's error on a file removed while open names it as it was
// opened, not by the hidden name it is kept aside under until its
// directory is synced (a name no one made).
func TestFaultFSFullNamesARemovedFileAsOpened(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	path := filepath.Join(dir, "seg")
	f, err := ffs.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := ffs.Remove(path); err != nil {
		t.Fatal(err)
	}
	ffs.SetFull(true)
	var pe *os.PathError
	if _, err := f.Write([]byte("x")); !errors.As(err, &pe) || pe.Path != path {
		t.Errorf("write on a full disk: %v; want it to name %s", err, path)
	}
}

// Stats tells when the oldest fsync in progress began, slow or not, and
// nothing once every fsync is over (the dashboard says from it why a node
// waiting for its disk stands still).
func TestFaultFSStatsTellTheSyncInProgress(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS()
	f, err := ffs.OpenFile(filepath.Join(dir, "a"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if st := ffs.Stats(); !st.SyncingSince.IsZero() {
		t.Fatalf("syncing since %v before any fsync", st.SyncingSince)
	}
	ffs.SetSyncDelay(time.Hour)
	before := time.Now()
	done := make(chan error, 2)
	go func() { done <- f.Sync() }()
	go func() { done <- ffs.SyncDir(dir) }()
	for ffs.Stats().Syncs+ffs.Stats().DirSyncs < 2 {
		runtime.Gosched()
	}
	if st := ffs.Stats(); st.SyncingSince.Before(before) || st.SyncingSince.After(time.Now()) {
		t.Fatalf("two fsyncs waiting: syncing since %v, want after %v", st.SyncingSince, before)
	}
	ffs.SetSyncDelay(0) // ends their wait
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if st := ffs.Stats(); !st.SyncingSince.IsZero() {
		t.Fatalf("syncing since %v after every fsync ended", st.SyncingSince)
	}
	// A crash during a slow fsync ends it: no wait is left for the node's
	// next start to show.
	ffs.SetSyncDelay(time.Hour)
	go func() { done <- f.Sync() }()
	for ffs.Stats().SyncingSince.IsZero() {
		runtime.Gosched()
	}
	ffs.Crash()
	if err := <-done; !errors.Is(err, ErrCrashed) {
		t.Fatalf("a slow fsync at the crash: %v, want ErrCrashed", err)
	}
	ffs.Revive()
	ffs.SetSyncDelay(0)
	if st := ffs.Stats(); !st.SyncingSince.IsZero() {
		t.Fatalf("syncing since %v after a crash ended the fsync", st.SyncingSince)
	}
	// Skipped fsyncs wait for nothing.
	ffs.SetSkipSync(true)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if st := ffs.Stats(); !st.SyncingSince.IsZero() {
		t.Fatalf("syncing since %v after a skipped fsync", st.SyncingSince)
	}
}
