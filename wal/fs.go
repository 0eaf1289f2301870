package wal

import (
	"io/fs"
	"os"
)

// File is what the WAL needs from a file it writes: segment files, snapshot
// files, their temporary forms and the copies of torn tails. *os.File
// implements it.
type File interface {
	Write(p []byte) (int, error)
	// WriteAt writes at offset off, as pwrite(2): the active segment is
	// written in place, over the zeros it was preallocated with.
	WriteAt(p []byte, off int64) (int, error)
	Sync() error
	// Truncate changes the file's size (used to cut a torn tail off).
	Truncate(size int64) error
	Close() error
}

// FS is every file-system operation the WAL performs on its directory (see
// Options.FS). Paths are the WAL directory joined with a file name. The
// LOCK file is the one exception: it is not data, it only holds an advisory
// lock, so it is opened with package os directly (lock.go).
//
// Durability is the implementation's business: Write puts bytes in the
// file, File.Sync makes the file's content durable, and SyncDir makes the
// names created, renamed or removed in a directory durable. The WAL relies
// on nothing else (see "Durability contract" in the package documentation).
type FS interface {
	// OpenFile opens a file for writing, as os.OpenFile. The WAL uses
	// O_WRONLY with O_CREATE|O_TRUNC (new files) or nothing more (the
	// active segment, written with WriteAt; a segment whose torn tail is
	// cut off; a preallocated file becoming a segment).
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// ReadFile returns the content of a file, as os.ReadFile.
	ReadFile(name string) ([]byte, error)
	// Stat describes a file, as os.Stat (a snapshot's size is checked
	// against its limit before the file is read).
	Stat(name string) (fs.FileInfo, error)
	// ReadDir lists a directory, as os.ReadDir.
	ReadDir(name string) ([]fs.DirEntry, error)
	// Rename renames a file inside one directory, replacing newpath, as
	// os.Rename.
	Rename(oldpath, newpath string) error
	// Remove removes a file, as os.Remove.
	Remove(name string) error
	// Mkdir creates one directory, as os.Mkdir; the WAL makes the new name
	// durable with SyncDir of the parent.
	Mkdir(name string, perm fs.FileMode) error
	// SyncDir makes the directory's entries durable: fsync(2) of the
	// directory itself.
	SyncDir(dir string) error
}

// OSFS is the real file system, through package os; the default FS. Its
// OpenFile returns the *os.File itself, so the only cost over calling os
// directly is the interface call.
type OSFS struct{}

// OpenFile implements FS with os.OpenFile.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return f, nil
}

// ReadFile implements FS with os.ReadFile.
func (OSFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// Stat implements FS with os.Stat.
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// ReadDir implements FS with os.ReadDir.
func (OSFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// Rename implements FS with os.Rename.
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove implements FS with os.Remove.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// Mkdir implements FS with os.Mkdir.
func (OSFS) Mkdir(name string, perm fs.FileMode) error { return os.Mkdir(name, perm) }

// SyncDir implements FS: it opens dir and fsyncs it.
func (OSFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// openFileFS is an FS whose OpenFile is replaced by Options.OpenFile.
type openFileFS struct {
	FS
	open OpenFileFunc
}

func (o openFileFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	return o.open(name, flag, perm)
}
