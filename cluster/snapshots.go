package cluster

import (
	"fmt"

	"raftplay/raft"
)

// Snapshots in the run loop: installing one the leader sent, and taking one
// of the local store to compact the log.

// installSnapshot restores the key-value store from a snapshot the leader
// sent. Clients waiting on entries it covers cannot learn their fate here.
func (n *node) installSnapshot(snap raft.Snapshot) error {
	if err := n.kv.Restore(snap.Data); err != nil {
		return fmt.Errorf("installing snapshot at %d: %w", snap.Meta.Index, err)
	}
	n.snapIndex, n.sinceSnapBytes = snap.Meta.Index, 0
	for i, w := range n.waiters {
		if i <= snap.Meta.Index {
			n.answers = append(n.answers, answer{w.done, proposeResult{err: ErrSuperseded}})
			delete(n.waiters, i)
		}
	}
	return nil
}

// takeSnapshot saves the key-value store as a snapshot at the applied index,
// then lets the core and the WAL drop the log it covers. It runs between
// Advance and the next Ready, as the core requires.
// It returns the snapshot's index and term, zero when it took none.
func (n *node) takeSnapshot() (raft.SnapshotMeta, error) {
	idx := n.kv.Applied()
	if idx <= n.snapIndex {
		return raft.SnapshotMeta{}, nil
	}
	term, ok := n.core.Term(idx)
	if !ok {
		return raft.SnapshotMeta{}, fmt.Errorf("snapshot at %d: term unknown", idx)
	}
	conf := n.core.ConfAt(idx)
	if len(conf.Voters) == 0 {
		// A node that joined a running cluster, not yet at its first
		// configuration entry: the configuration in force at idx is not
		// known here, and a snapshot must carry it. A later one will.
		return raft.SnapshotMeta{}, nil
	}
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: idx, Term: term, Conf: conf}, Data: n.kv.Snapshot()}
	// A leader may have applied entries its own disk does not hold yet (a
	// majority of the others does): its written-behind log is made durable
	// first, so that the log the snapshot covers is.
	if seq, ok := n.wb.pending(); ok {
		if err := n.w.Sync(seq); err != nil {
			return raft.SnapshotMeta{}, err
		}
	}
	if err := n.w.SaveSnapshot(snap); err != nil {
		return raft.SnapshotMeta{}, err
	}
	if err := n.core.Compact(snap); err != nil {
		return raft.SnapshotMeta{}, err
	}
	n.snapIndex, n.sinceSnapBytes = idx, 0
	n.wc.request(idx) // the old segments go beside the loop (compactor.go)
	return snap.Meta, nil
}

// catchUpEntries and catchUpBytes bound how far past its due snapshot a
// leader lets its log grow while a follower installs the snapshot it sent
// it: 1,024 entries of 1 MiB values held a gigabyte (a review).
const (
	catchUpEntries = 1024
	catchUpBytes   = 64 << 20
)

// holdCompaction reports whether the snapshot due every snapEvery entries
// waits: this node leads and a follower is installing its snapshot
// (raft.SendingSnapshot), and the log has not grown catchUpEntries past
// the due point. Compacting meanwhile, the leader no longer held the
// entries right after the snapshot when the follower answered, and sent
// it a newer one, again and again: under load, with a snapshot every few
// entries, a learner chased snapshots for seconds before its promotion
// (198 of them in 9.5 s). A follower down with a snapshot on its way
// holds compaction back by catchUpEntries, or catchUpBytes of entry data
// applied since the last snapshot, at most.
func (n *node) holdCompaction() bool {
	return compactionHeld(n.kv.Applied(), n.snapIndex, n.snapEvery, n.sinceSnapBytes, n.core.SendingSnapshot())
}

// compactionHeld is holdCompaction's rule: applied entries, the last
// snapshot's index, the snapshot interval, the entry data applied since
// that snapshot, and whether a follower is installing the leader's.
func compactionHeld(applied, snapIndex, snapEvery uint64, sinceBytes int, sending bool) bool {
	return sending && applied < snapIndex+snapEvery+catchUpEntries && sinceBytes < catchUpBytes
}

// SnapshotTaken is what `snapshot N` did: the index and term of the
// snapshot it took, or, when it took none, why.
type SnapshotTaken struct {
	Index, Term uint64 // the snapshot taken (0: none)
	Commit      uint64 // the node's commit index then (a snapshot covers only what it applied)
	Why         string // why none was taken: "its snapshot at index 4 covers all it has applied"
}

// snapshotNow takes a snapshot now (`snapshot N`) and says what it did.
func (n *node) snapshotNow() (SnapshotTaken, error) {
	held, applied := n.snapIndex, n.kv.Applied()
	meta, err := n.takeSnapshot()
	t := SnapshotTaken{Index: meta.Index, Term: meta.Term, Commit: n.hs.Commit}
	switch {
	case err != nil || meta.Index != 0:
	case applied == 0:
		t.Why = "it has applied no entry yet"
	case applied <= held:
		t.Why = fmt.Sprintf("its snapshot at index %d covers all it has applied", held)
	default:
		t.Why = "it joined a running cluster and does not know its configuration yet (a later snapshot will)"
	}
	return t, err
}
