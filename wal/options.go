package wal

import (
	"errors"
	"fmt"
	"io/fs"
)

// OpenFileFunc opens a file for writing, like os.OpenFile. Tests inject one
// that fails (permission denied, disk full) to exercise error paths.
// Options.FS covers every file operation; OpenFile only replaces its
// OpenFile.
type OpenFileFunc func(name string, flag int, perm fs.FileMode) (File, error)

// Options tunes a WAL. The zero value is valid.
type Options struct {
	// SegmentBytes: a Save that finds the active segment at or past this size
	// first rolls to a new segment. Default 64 MiB.
	SegmentBytes int64
	// MaxRecordBytes is the largest record payload accepted by Save and
	// decoded by Open; lengths are checked before any allocation. Default 64 MiB.
	MaxRecordBytes int
	// MaxSnapshotBytes is the largest snapshot data accepted and read.
	// Default 1 GiB.
	MaxSnapshotBytes int64
	// FS carries every file operation of the WAL but those on the LOCK
	// file: segments, hard state and snapshot records, snapshot files,
	// temporary files and their renames, directory fsyncs, compaction's
	// deletes and torn-tail repairs. Default: OSFS, the real file system.
	// A *FaultFS here simulates power loss, a full or slow disk.
	FS FS
	// OpenFile, when set, replaces FS.OpenFile (the files the WAL opens for
	// writing); everything else still goes through FS.
	OpenFile OpenFileFunc

	// shrinkStep is how much of a dead segment Compact frees at a time
	// (shrink); tests set it small so that a power failure can fall between
	// the steps of a small segment.
	shrinkStep int64
	// prepareInline (tests): the next segment's file is prepared inside
	// the write that starts it, not by a goroutine, so that the sequence of
	// file-system operations is the same on every run.
	prepareInline bool
	// noPrepare (benchmarks): no segment is preallocated; every segment
	// grows as it is written.
	noPrepare bool
	// freeBytes (tests), when set, replaces the file system's count of
	// free bytes that decides whether a segment is prepared ahead.
	freeBytes func(dir string) (int64, bool)
}

const (
	defaultSegmentBytes     = 64 << 20
	defaultMaxRecordBytes   = 64 << 20
	defaultMaxSnapshotBytes = 1 << 30
	defaultShrinkStep       = 4 << 20
)

// withDefaults returns o with every unset field given its default.
func (o Options) withDefaults() Options {
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = defaultSegmentBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = defaultMaxRecordBytes
	}
	if o.MaxSnapshotBytes <= 0 {
		o.MaxSnapshotBytes = defaultMaxSnapshotBytes
	}
	if o.FS == nil {
		o.FS = OSFS{}
	}
	if o.shrinkStep <= 0 {
		o.shrinkStep = defaultShrinkStep
	}
	if o.OpenFile != nil {
		o.FS = openFileFS{FS: o.FS, open: o.OpenFile}
		o.OpenFile = nil
	}
	return o
}

// ErrCorrupt is matched (errors.Is) by every error that reports damage Open
// will not repair.
var ErrCorrupt = errors.New("wal: corrupt")

// ErrClosed is returned by calls on a closed WAL.
var ErrClosed = errors.New("wal: closed")

// CorruptError names the file and byte offset where Open found damage it
// will not repair. errors.Is(err, ErrCorrupt) holds for it.
type CorruptError struct {
	File   string // file name inside the WAL directory
	Offset int64  // byte offset of the damaged record or header; -1: no one place (a file missing, a snapshot whose whole-file checksum fails)
	Err    error  // what is wrong
}

// Error implements error.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("wal: corrupt: %s: %v", e.Where(e.File), e.Err)
}

// Where names the damage: path (the file's name, or its path) and the
// offset when there is one ("x.wal at offset 70").
func (e *CorruptError) Where(path string) string {
	if e.Offset < 0 {
		return path
	}
	return fmt.Sprintf("%s at offset %d", path, e.Offset)
}

// Unwrap returns the cause.
func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Repair describes a torn tail that Open cut off the last segment.
type Repair struct {
	File   string // segment name
	Offset int64  // the segment now ends here (0: the whole file was set aside)
	Bytes  int64  // how many bytes were cut off and kept (not counting the zeros of a preallocated segment after them)
	Kept   string // name of the file holding the cut-off bytes
}

// String describes the repair as a fact: "cut a torn tail off
// 0000000000000001-0000000000000001.wal at offset 669115 (38 bytes kept
// aside in ....broken)".
func (r *Repair) String() string {
	if r.Offset == 0 {
		return fmt.Sprintf("set aside %s, torn from its first byte (%d %s, now %s)", r.File, r.Bytes, plural(r.Bytes, "byte"), r.Kept)
	}
	return fmt.Sprintf("cut a torn tail off %s at offset %d (%d %s kept aside in %s)", r.File, r.Offset, r.Bytes, plural(r.Bytes, "byte"), r.Kept)
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
