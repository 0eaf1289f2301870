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
	n.snapIndex = snap.Meta.Index
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
func (n *node) takeSnapshot() error {
	idx := n.kv.Applied()
	if idx <= n.snapIndex {
		return nil
	}
	term, ok := n.core.Term(idx)
	if !ok {
		return fmt.Errorf("snapshot at %d: term unknown", idx)
	}
	conf := n.core.ConfAt(idx)
	if len(conf.Voters) == 0 {
		// A node that joined a running cluster, not yet at its first
		// configuration entry: the configuration in force at idx is not
		// known here, and a snapshot must carry it. A later one will.
		return nil
	}
	snap := raft.Snapshot{Meta: raft.SnapshotMeta{Index: idx, Term: term, Conf: conf}, Data: n.kv.Snapshot()}
	// A leader may have applied entries its own disk does not hold yet (a
	// majority of the others does): its written-behind log is made durable
	// first, so that the log the snapshot covers is.
	if seq, ok := n.wb.pending(); ok {
		if err := n.w.Sync(seq); err != nil {
			return err
		}
	}
	if err := n.w.SaveSnapshot(snap); err != nil {
		return err
	}
	if err := n.core.Compact(snap); err != nil {
		return err
	}
	n.snapIndex = idx
	n.wc.request(idx) // the old segments go beside the loop (compactor.go)
	return nil
}
