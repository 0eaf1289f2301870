package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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
func readSnapshot(path string, maxBytes int64) (raft.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return raft.Snapshot{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return raft.Snapshot{}, err
	}
	size := st.Size()
	if size < snapshotHeaderSize+snapshotTrailer {
		return raft.Snapshot{}, errors.New("snapshot file too short")
	}
	if size-snapshotHeaderSize-snapshotTrailer > maxBytes {
		return raft.Snapshot{}, fmt.Errorf("snapshot of %d bytes exceeds limit %d", size, maxBytes)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return raft.Snapshot{}, err
	}
	return decodeSnapshot(buf)
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
		return raft.Snapshot{}, errors.New("snapshot checksum mismatch")
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
// rename, directory fsync.
func writeSnapshotFile(dir string, snap raft.Snapshot, open OpenFileFunc) error {
	name := snapshotName(snap.Meta)
	if err := writeFileAtomic(dir, name, encodeSnapshot(snap), open); err != nil {
		return fmt.Errorf("wal: save snapshot %s: %w", name, err)
	}
	return nil
}

// writeFileAtomic creates dir/name with content via a temporary file that is
// fsynced and renamed into place; then fsyncs dir.
func writeFileAtomic(dir, name string, content []byte, open OpenFileFunc) error {
	tmp := filepath.Join(dir, name+tmpExt)
	f, err := open(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so that creates, renames and deletes in it are
// durable.
func syncDir(dir string) error {
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
