package wal

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"raftplay/raft"
)

// mkEnts returns entries lo..hi of term t with size bytes of data each.
func mkEnts(lo, hi, t uint64, size int) []raft.Entry {
	var out []raft.Entry
	for i := lo; i <= hi; i++ {
		d := make([]byte, size)
		for j := range d {
			d[j] = byte(i*7 + uint64(j))
		}
		out = append(out, raft.Entry{Index: i, Term: t, Type: raft.EntryNormal, Data: d})
	}
	return out
}

func mustOpen(t testing.TB, dir string, opts Options) (*WAL, *Recovered) {
	t.Helper()
	w, rec, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return w, rec
}

func mustSave(t testing.TB, w *WAL, hs raft.HardState, ents []raft.Entry) {
	t.Helper()
	if err := w.Save(hs, ents); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func mustClose(t testing.TB, w *WAL) {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// sameEntries reports how got differs from want, or "".
func sameEntries(got, want []raft.Entry) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d entries, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Index != w.Index || g.Term != w.Term || g.Type != w.Type || !bytes.Equal(g.Data, w.Data) {
			return fmt.Sprintf("entry %d: got %d/%d/%v/%x want %d/%d/%v/%x", i, g.Index, g.Term, g.Type, g.Data, w.Index, w.Term, w.Type, w.Data)
		}
	}
	return ""
}

// readDirFiles returns every file of dir by name with its content, but the
// lock file: Open creates it (and keeps it), and it is not the log's data.
func readDirFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, de := range des {
		if de.Name() == LockName {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[de.Name()] = b
	}
	return m
}

// writeDirFiles creates dir holding exactly files.
func writeDirFiles(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// onlySegment returns the name of the single segment in files.
func onlySegment(t testing.TB, files map[string][]byte) string {
	t.Helper()
	var seg string
	for name := range files {
		if filepath.Ext(name) == segmentExt {
			if seg != "" {
				t.Fatalf("more than one segment: %s, %s", seg, name)
			}
			seg = name
		}
	}
	if seg == "" {
		t.Fatal("no segment")
	}
	return seg
}

// openInjector injects failures into the files the WAL writes, through
// Options.OpenFile (which replaces FS.OpenFile).
type openInjector struct {
	mu       sync.Mutex
	openErr  error // returned by every OpenFile when set
	budget   int   // bytes Write may still write before failing; <0: unlimited
	writes   int
	syncs    int
	syncGate chan struct{} // when set, the first Sync waits for it to close
	syncErr  error         // returned by every Sync when set
}

func newOpenInjector() *openInjector { return &openInjector{budget: -1} }

func (oi *openInjector) open(name string, flag int, perm fs.FileMode) (File, error) {
	oi.mu.Lock()
	err := oi.openErr
	oi.mu.Unlock()
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &injectedFile{File: f, fs: oi}, nil
}

type injectedFile struct {
	*os.File
	fs *openInjector
}

func (f *injectedFile) Write(p []byte) (int, error) {
	return f.write(p, f.File.Write)
}

func (f *injectedFile) WriteAt(p []byte, off int64) (int, error) {
	return f.write(p, func(b []byte) (int, error) { return f.File.WriteAt(b, off) })
}

// write spends the injector's byte budget on p and writes what it allows.
func (f *injectedFile) write(p []byte, write func([]byte) (int, error)) (int, error) {
	f.fs.mu.Lock()
	f.fs.writes++
	b := f.fs.budget
	if b >= 0 && b < len(p) {
		f.fs.budget = 0
		f.fs.mu.Unlock()
		n, _ := write(p[:b])
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	if b >= 0 {
		f.fs.budget -= len(p)
	}
	f.fs.mu.Unlock()
	return write(p)
}

func (f *injectedFile) Sync() error {
	f.fs.mu.Lock()
	f.fs.syncs++
	gate, err := f.fs.syncGate, f.fs.syncErr
	f.fs.syncGate = nil
	f.fs.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if err != nil {
		return &os.PathError{Op: "sync", Path: f.Name(), Err: err}
	}
	return f.File.Sync()
}

func (oi *openInjector) counts() (writes, syncs int) {
	oi.mu.Lock()
	defer oi.mu.Unlock()
	return oi.writes, oi.syncs
}
