// Package wal is durable storage for one raftplay node: a segmented,
// checksummed, append-only write-ahead log of Raft entries, hard state and
// snapshot metadata, plus snapshot files, all in one directory.
//
// # Contract
//
// Open returns what was durably written: the last hard state, the newest
// valid snapshot and the contiguous entries after it. Save returns only
// after its records are fsynced. Concurrent Saves share fsyncs (group
// commit): whoever finds no fsync running starts one that covers every
// write issued so far; the others wait for it.
//
// Failures. A failed write or fsync of a segment, and a failed directory
// fsync after a new segment or snapshot file was renamed into place, make
// the WAL refuse all further writes with that error, even once the cause is
// gone (a full disk freed): after a failed fsync the kernel may have
// dropped the dirty pages, so what the file holds is unknown and retrying
// the fsync could succeed without the data ("fsyncgate"). Close still
// works; Open reads what is really on disk, repairs a torn tail, and the
// reopened WAL takes writes again. Every Save that returned nil before the
// failure is durable. A failure before anything visible changed (creating,
// writing or fsyncing the temporary file of a new segment or snapshot, for
// instance on a full disk) is only returned: the temporary file is removed
// and the next Save or SaveSnapshot tries again. Compact's failures are only
// returned too: deleting is idempotent, and Compact takes segments out of
// the log oldest first and stops at the first it cannot, so those left stay
// contiguous.
//
// Recovery: only a torn tail of the last segment, as left by a crash in the
// middle of a write, is repaired: the bytes from the first bad record on are
// copied to NAME.OFFSET.broken (OFFSET in decimal), the segment is truncated
// there and fsynced. Damage anywhere else makes Open fail with a
// *CorruptError naming the file and offset, and Open then changes nothing.
// So do missing segments: a gap in their numbers, a newest one missing
// (last-segment names a newer one), a segment that ends before the entry
// the next one begins at (its end cut off: a segment begins at the log's
// last index + 1 when it is created), or snapshot files with no segment at
// all (no crash leaves that: the first segment is durable before Open
// returns). So does a segment or snapshot name that is not a regular file
// (a directory, a symbolic link): Open and Inspect say what it is; and a
// segment file more than 4 GiB past SegmentBytes (its end extended by
// damage), refused without reading it into memory.
//
// # Directory
//
//	SSSSSSSSSSSSSSSS-FFFFFFFFFFFFFFFF.wal   segment number S, first index F (hex)
//	IIIIIIIIIIIIIIII-TTTTTTTTTTTTTTTT.snap  snapshot at index I, term T (hex)
//	*.tmp                                   interrupted creations; deleted by Open
//	*.broken                                torn tails set aside by a repair
//	LOCK                                    held (flock) by the open WAL; holds its process id
//	last-segment                            the newest segment's number ("segment N"), written at each roll
//	.faultfs-*                              files a FaultFS keeps aside (removed, not yet durably); ignored
//
// Open creates the directory if needed (and its missing parents), fsyncing
// the parent of each directory it creates.
//
// Open takes an exclusive advisory lock on LOCK and keeps it until Close
// (a crash of the process releases it): a second writer on the same
// directory, in this process or another, is refused with a *LockedError
// naming the holder, since two writers would interleave their records and
// destroy the log. Inspect takes no lock.
//
// Segments are numbered from 0 with no gaps (Compact deletes a prefix). New
// segment and snapshot files are written under NAME.tmp, fsynced, renamed
// to NAME, and the directory is fsynced; deletions are followed by a
// directory fsync too. Before a new segment is created, the previous one
// is fsynced, so only the last segment can ever hold unsynced bytes.
//
// # Segment file
//
// All integers are little-endian.
//
//	offset  size  field
//	0       8     magic "RPWALSEG"
//	8       4     version, 1
//	12      8     segment number (equals the number in the name)
//	20      8     first index: the log's last index + 1 at creation
//	28      4     CRC-32C (Castagnoli) of bytes 0..27
//	32      ...   records, back to back, no padding
//
// A new segment starts with a hard state record (if any was saved) and a
// snapshot record (if any snapshot was saved), so deleting older segments
// never loses either.
//
// # Record
//
//	+---------+------+----------+---------+----------------------+
//	| length  | type | reserved | crc     | payload              |
//	| u32     | u8   | 3 x 0x00 | u32     | length bytes         |
//	+---------+------+----------+---------+----------------------+
//	  0         4      5          8         12
//
// length is the payload size; a decoder checks it against its limit
// (Options.MaxRecordBytes) before it reads or allocates anything.
//
// crc is CRC-32C over header bytes 0..7 followed by the payload, computed
// with the previous record's stored crc as the initial value (Go's
// crc32.Update(prev, castagnoliTable, ...)). The chain restarts in each
// segment: the first record's initial value is the segment header's CRC. So
// a lost, duplicated or reordered record breaks the chain.
//
// Payloads by type:
//
//	1 entry:     index u64, term u64, entry type u8, data (length-17 bytes)
//	2 hardstate: term u64, vote u64, commit u64           (length 24)
//	3 snapshot:  index u64, term u64, flags u8            (length 17)
//
// Snapshot flags: bit 0 (reset) is set when the snapshot emptied the log
// because the log did not hold the snapshot's last entry with its term
// (a follower installing a leader's snapshot). Other bits must be zero.
//
// # Replaying the log
//
// Records apply in order, segment after segment. An entry with index
// last+1 is appended; one with an index inside the log replaces the
// suffix from that index (a follower overwriting a conflict); a gap is
// corruption. After compaction the replay starts mid-log, so until it has
// seen an entry it assumes nothing about where entries start, and an entry
// below every entry held replaces them all (an overwrite whose older
// neighbours were in deleted segments). A hard state record replaces the
// hard state. A snapshot record with the reset flag empties the log, which
// continues at its index + 1; without it the record changes no entry.
// Finally the newest valid snapshot file (I, T) is applied: if the log
// holds I with a term other than T, or ends before I, it is emptied. (This
// covers a crash between writing a snapshot file and its record; Open then
// appends the missing record, with the reset flag if the log was emptied.)
// Entries at or below I are dropped, and the remaining entries must begin
// at I+1 (or at 1 without a snapshot). A snapshot record newer than every
// valid snapshot file is corruption.
//
// # Snapshot file
//
//	offset  size  field
//	0       8     magic "RPSNAPSH"
//	8       4     version, 2 (1: no configuration)
//	12      8     index
//	20      8     term
//	28      8     data length N
//	36      4     configuration length C (version 2 only; C = 0 in version 1)
//	40      C     configuration: raft.EncodeMembership of the membership
//	              in force at index (voters, learners)
//	40+C    N     data
//	40+C+N  4     CRC-32C of every byte before it
//
// Version 1 files (written before membership changes) are still read: their
// configuration is empty, which means the bootstrap membership.
//
// A snapshot file that fails any check is ignored; the newest valid one
// wins.
//
// # Compaction
//
// Compact(i), with i at most the newest snapshot's index, deletes the
// oldest segments (never the active one) whose entries all lie at or below
// i, and every snapshot file but the newest two, with a directory fsync. Because each segment begins with the current hard state and
// snapshot record, what remains replays to the same state.
//
// A segment is deleted in three moves: renamed to a temporary name (out of
// the log: Open deletes temporary files) with the directory fsynced, then,
// only if that fsync succeeded, truncated 4 MiB at a time, each cut
// fsynced, then removed (the last two without the lock snapshots take). Freeing a
// whole segment at once made one journal commit of the file system slow
// enough (90 ms for 64 MiB on an ext4 mounted with discard) to stall every
// fsync on the disk; and a power failure can never bring a segment's name
// back over a shortened file. Compact takes no lock that writes wait for
// while it deletes: Save and Sync go on meanwhile.
//
// # Torn or corrupt
//
// In the last segment, a record header of zeros with only zeros after it
// to the end of the file is the end of the records (the unwritten part of
// a preallocated segment; see Durability). Otherwise a failure to decode
// the record at offset X is a torn tail when:
//
//   - its header is all zeros, and so is a piece of a 512-byte sector
//     inside it, from the header or the sector's start to the sector's end
//     (twelve zeroed bytes with their record's payload after them in the
//     same sector are damage);
//   - it runs past the end of the file, unless flipping one bit of its
//     length makes it a whole record with a valid CRC, or a whole record
//     chained to it starts inside it (a damaged length, not a torn write);
//   - its header is bad (type, reserved bytes) or its length over the
//     limit, and a piece of a 512-byte sector inside the header, from the
//     header or the sector's start to the sector's end, is all zeros;
//   - its CRC does not match and a 512-byte sector-aligned stretch inside
//     it is all zeros, unless flipping one bit of its length makes it
//     whole, or it reaches past the last non-zero byte of the file and a
//     whole record chained to it starts inside it (damaged lengths);
//   - its CRC does not match, it starts in the last 1 to 4 bytes of a
//     sector, and those bytes (the low ones of its length) are zeros while
//     its length is one its type cannot have; or one of the lengths those
//     bytes could have held makes it whole (all checked in one pass), or
//     runs past the end of the file with no whole record chained to it
//     inside the file; or a 512-byte sector-aligned stretch is all zeros
//     as far as one of them could reach (a second unwritten sector).
//
// A crash leaves unwritten sectors zeroed, never random bytes (in a
// preallocated segment, the zeros it was filled with): each rule asks for
// zeros where a tear would leave them. A repair keeps the cut-off bytes up
// to the last sector holding data in the .broken file. A segment shorter
// than its header, or with a header that does not decode, is corruption
// even when it is the last: a segment is given its name only once its
// header is durable, so no crash leaves one so. Everything else, including
// a CRC mismatch with no zeroed sector, is corruption.
//
// Damage that leaves exactly what a tear leaves is cut as one, and the
// fsynced records after it with it (a review built each): the low bytes of
// a length zeroed where a record starts at a sector's last bytes; a bit
// flipped in a record whose own payload holds a sector of zeros; a damaged
// length whose record's payload is binary data that looks like record
// headers for longer than the scan for a chained record may checksum
// (256 MiB). Nothing in the file tells them apart without a record of how
// far it was fsynced; records aligned to 8 bytes (a format change) would
// remove the first.
//
// # Durability
//
// Save issues one write(2) for its whole batch (pwrite, at the end of the
// records), then fsync(2). Segments are preallocated (prealloc.go): the
// next segment's file is filled with zeros and made durable in the
// background, so that most batches overwrite zeros already on disk and the
// fsync has no new file length to commit. A log's first segment, and one
// created while no prepared file is ready, grows as it is written instead;
// the WAL moves to the prepared file as soon as it is ready.
//
// Zeros after the records are therefore normal in the last segment: a
// zeroed record header with only zeros from there to the end of the file
// is where the records end, not a torn tail (nothing to repair). The
// torn-tail rule is unchanged otherwise: a write the crash cut short left
// its unwritten sectors as they were, zeros, and some non-zero byte (the
// part that landed) follows or precedes them. The zeros of a segment that
// are not used (it was preallocated under a larger SegmentBytes) are cut
// off when it is rolled: only the last segment may end in zeros.
//
// # File system
//
// Every file operation of the WAL goes through Options.FS (interface FS):
// opening files for writing (File: Write, WriteAt, Sync, Truncate, Close), ReadFile,
// Stat, ReadDir, Rename, Remove, Mkdir and SyncDir (fsync of a directory).
// That covers segments and the hard state and snapshot records in them,
// snapshot files, temporary files and their renames, directory fsyncs,
// compaction's deletes, torn-tail repairs with their .broken copies, and
// the zero-filling of the next segment's file.
// The LOCK file is the exception: it carries no data, only an advisory lock
// (flock needs a real descriptor), so it is opened with package os. Inspect
// and HasLog only read, and read the real files. The default FS is OSFS,
// package os itself: its OpenFile returns the *os.File, so the only cost is
// an interface call. Options.OpenFile, older, still replaces FS.OpenFile.
//
// # Durability contract
//
// The WAL assumes of its FS exactly this, and FaultFS enforces it (it
// takes truncations and new directories as durable at once; see FaultFS):
//
//   - bytes written to a file are durable once a File.Sync that began after
//     the write returns nil; until then a power loss may lose them;
//   - a name created, renamed or removed in a directory is durable once a
//     SyncDir of that directory that began after the change returns nil;
//     until then a power loss may undo it (a File.Sync does not make a new
//     file's name durable);
//   - a rename within a directory is atomic: after a power loss the name
//     holds the old file or the new one, whole.
//
// So the WAL writes every new file under NAME.tmp, fsyncs it, renames it and
// fsyncs the directory before depending on it; fsyncs the old segment before
// creating a new one; fsyncs the directory after deletions; and returns from
// Save, SaveSnapshot and Open only once what they wrote is durable.
//
// FaultFS is an FS over the real files that tracks, per file, the length
// made durable by the last Sync and, per directory, the name changes not yet
// made durable, keeping removed and replaced files aside under hidden names.
// FaultFS.PowerFail(dir), with the WAL closed, rewinds the files under dir
// to that durable state: each file cut back to its synced length, each
// undurable create, rename or remove undone. An in-process crash keeps the
// page cache; PowerFail shows what fsync buys. SetSyncDelay makes the disk
// slow, SetFull makes writes fail with ENOSPC, and SetSkipSync (unsafe, for
// teaching) turns fsyncs into no-ops that make nothing durable, so a later
// PowerFail loses acknowledged Saves; once it is off, later fsyncs do not
// make up for those skipped (nothing fsyncs a closed segment, a snapshot
// file or the directory again): SyncAll, as sync(1), makes everything
// durable. Stats tells written from synced bytes.
// The tests drive random sequences of Saves, snapshots, compactions and
// segment rolls on a FaultFS, stop the process at every file-system
// operation in turn, fail the power and reopen: recovery returns every
// acknowledged record and nothing that was not written; with SetSkipSync
// the same test reports acknowledged data lost.
//
// # Damage on purpose
//
// Corrupt, CorruptSegment, CorruptSnapshot and TearTail damage the files of
// a closed WAL (they take its lock) for demonstrations, through package os
// under any FS, and say which file and offset they damaged:
//
//   - CorruptSegment flips a byte in a record of the newest sealed segment
//     (the only segment if none is sealed, choosing a record whose damage
//     is not read as a torn tail): Open fails with a *CorruptError naming
//     that segment and the record's offset;
//   - CorruptSnapshot flips a byte of the newest snapshot file: Open ignores
//     the file, and since the log records that snapshot, fails with a
//     *CorruptError naming the file (offset 0: its checksum covers it all);
//   - TearTail cuts the last record of the last segment in the middle: Open
//     repairs the torn tail (Recovered.Repaired), losing that record.
package wal
