package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"raftplay/raft"
)

const (
	snapshotMagic      = "RPSNAPSH"
	snapshotVersion    = 2
	snapshotHeaderSize = 36 // magic, version u32, index u64, term u64, data length u64 (version 2 adds conf length u32 and conf)
	snapshotTrailer    = 4  // crc32c of everything before it
)

// snapshotName returns the file name of the snapshot with meta m.
func snapshotName(m raft.SnapshotMeta) string {
	return fmt.Sprintf("%016x-%016x%s", m.Index, m.Term, snapshotExt)
}

// parseSnapshotName parses a name made by snapshotName.
func parseSnapshotName(name string) (index, term uint64, ok bool) {
	if len(name) != 33+len(snapshotExt) {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(name, "%016x-%016x.snap", &index, &term); err != nil {
		return 0, 0, false
	}
	return index, term, snapshotName(raft.SnapshotMeta{Index: index, Term: term}) == name
}

// encodeSnapshot returns the whole file image of snap.
func encodeSnapshot(snap raft.Snapshot) []byte {
	conf := raft.EncodeMembership(snap.Meta.Conf)
	buf := make([]byte, 0, snapshotHeaderSize+4+len(conf)+len(snap.Data)+snapshotTrailer)
	buf = append(buf, snapshotMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, snapshotVersion)
	buf = binary.LittleEndian.AppendUint64(buf, snap.Meta.Index)
	buf = binary.LittleEndian.AppendUint64(buf, snap.Meta.Term)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(snap.Data)))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(conf)))
	buf = append(buf, conf...)
	buf = append(buf, snap.Data...)
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli))
}

// readSnapshot reads and verifies the snapshot file at path. Its size is
// checked against maxBytes before the file is read.
func readSnapshot(fsys FS, path string, maxBytes int64) (raft.Snapshot, error) {
	st, err := fsys.Stat(path)
	if err != nil {
		return raft.Snapshot{}, err
	}
	if err := checkSnapshotSize(st.Size(), maxBytes); err != nil {
		return raft.Snapshot{}, err
	}
	buf, err := fsys.ReadFile(path)
	if err != nil {
		return raft.Snapshot{}, err
	}
	// The file may have changed since Stat.
	if err := checkSnapshotSize(int64(len(buf)), maxBytes); err != nil {
		return raft.Snapshot{}, err
	}
	s, err := decodeSnapshot(buf)
	if err == nil && int64(len(s.Data)) > maxBytes {
		// The limit SaveSnapshot applies: to the data alone.
		return raft.Snapshot{}, fmt.Errorf("snapshot of %d data bytes exceeds limit %d", len(s.Data), maxBytes)
	}
	return s, err
}

// maxConfBytes bounds a snapshot file's configuration part: its length
// and the encoded configuration, each of at most 1,024 ids a list
// (raft.DecodeMembership's bound) of at most 10 bytes.
const maxConfBytes = 4 + 2*(10+1024*10)

// checkSnapshotSize refuses a snapshot file of size bytes that cannot be
// valid, or that is too large to hold at most maxBytes of data with its
// header and configuration (the data's own length is checked once read).
func checkSnapshotSize(size, maxBytes int64) error {
	if size < snapshotHeaderSize+snapshotTrailer {
		return errors.New("snapshot file too short")
	}
	if size-snapshotHeaderSize-snapshotTrailer-maxConfBytes > maxBytes {
		return fmt.Errorf("snapshot of %d bytes exceeds limit %d", size, maxBytes)
	}
	return nil
}

// decodeSnapshot checks and decodes a snapshot file image; Data aliases buf.
func decodeSnapshot(buf []byte) (raft.Snapshot, error) {
	if len(buf) < snapshotHeaderSize+snapshotTrailer {
		return raft.Snapshot{}, errors.New("snapshot file too short")
	}
	if string(buf[:8]) != snapshotMagic {
		return raft.Snapshot{}, errors.New("bad snapshot magic")
	}
	body := buf[:len(buf)-snapshotTrailer]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(buf[len(body):]) {
		return raft.Snapshot{}, errors.New("snapshot checksum mismatch (the checksum covers the whole file, so the damage can be at any byte)")
	}
	v := binary.LittleEndian.Uint32(buf[8:])
	if v != 1 && v != snapshotVersion {
		return raft.Snapshot{}, fmt.Errorf("unsupported snapshot version %d", v)
	}
	s := raft.Snapshot{Meta: raft.SnapshotMeta{
		Index: binary.LittleEndian.Uint64(buf[12:]),
		Term:  binary.LittleEndian.Uint64(buf[20:]),
	}}
	rest := body[snapshotHeaderSize:]
	if v == snapshotVersion {
		if len(rest) < 4 {
			return raft.Snapshot{}, errors.New("snapshot header too short")
		}
		c := binary.LittleEndian.Uint32(rest)
		if uint64(c) > uint64(len(rest)-4) {
			return raft.Snapshot{}, errors.New("snapshot configuration length mismatch")
		}
		conf, err := raft.DecodeMembership(rest[4 : 4+c])
		if err != nil {
			return raft.Snapshot{}, fmt.Errorf("snapshot configuration: %w", err)
		}
		s.Meta.Conf = conf
		rest = rest[4+c:]
	}
	n := binary.LittleEndian.Uint64(buf[28:])
	if n != uint64(len(rest)) {
		return raft.Snapshot{}, errors.New("snapshot data length mismatch")
	}
	if s.Meta.Index == 0 {
		return raft.Snapshot{}, errors.New("snapshot at index 0")
	}
	if n > 0 {
		s.Data = rest
	}
	return s, nil
}

// writeSnapshotFile durably writes snap into dir: temporary name, fsync,
// rename, directory fsync. visible reports that the file was renamed into
// place even though an error is returned (the directory fsync failed).
func writeSnapshotFile(fsys FS, dir string, snap raft.Snapshot) (visible bool, err error) {
	name := snapshotName(snap.Meta)
	if visible, err = writeFileAtomic(fsys, dir, name, encodeSnapshot(snap)); err != nil {
		return visible, fmt.Errorf("wal: save snapshot %s: %w", name, err)
	}
	return false, nil
}

// writeFileAtomic creates dir/name with content via a temporary file that is
// fsynced and renamed into place; then fsyncs dir. On an error before the
// rename the temporary file is removed and nothing visible has changed; if
// the rename happened but the directory fsync failed, visible is true: the
// file is in place, durably or not.
func writeFileAtomic(fsys FS, dir, name string, content []byte) (visible bool, err error) {
	tmp := filepath.Join(dir, name+tmpExt)
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return false, err
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		fsys.Remove(tmp)
		return false, err
	}
	if err := fsys.SyncDir(dir); err != nil {
		return true, fmt.Errorf("sync directory: %w", err)
	}
	return false, nil
}
