package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"raftplay/wal"
)

// Disk faults. Every node's WAL writes through a wal.FaultFS of its own
// (the real files underneath), which knows what is durable: what was
// fsynced, and which creates, renames and removes a directory fsync made
// durable. A crash keeps everything the process wrote (the operating
// system's page cache survives it); a power failure keeps only what is
// durable. The settings make the disk slow, full, or (unsafe, for
// teaching) make it acknowledge without fsyncing.

// MaxDiskDelay is the longest fsync delay SetDiskDelay accepts.
const MaxDiskDelay = time.Minute

// DiskStatus is a node's disk as the playground sees it.
type DiskStatus struct {
	Written   int64         `json:"written"`  // bytes written through the WAL since start
	Zeroed    int64         `json:"zeroed"`   // zeros written to preallocate WAL segments (not in Written)
	Unsynced  int64         `json:"unsynced"` // bytes written but not yet durable
	Delay     time.Duration `json:"-"`        // every fsync takes at least this much longer
	Full      bool          `json:"full"`     // writes fail with ENOSPC
	SkipFsync bool          `json:"unsafe_skip_fsync"`
	LostBytes int64         `json:"lost_bytes"` // lost to power failures so far
	// SyncWait is how long the oldest fsync still in progress has taken
	// so far, in whole tenths of a second (0: none has taken 100ms): a
	// node whose loop waits for its disk publishes nothing meanwhile, and
	// this says why its card stands still. (Said finer, a recording's every
	// frame would differ by the fsync of the moment.)
	SyncWait time.Duration `json:"-"`
}

// walOptions is the cluster's WAL options with the slot's disk.
func (s *slot) walOptions(o wal.Options) wal.Options {
	o.FS = s.fs
	return o
}

func (s *slot) disk() DiskStatus {
	st := s.fs.Stats()
	d := DiskStatus{Written: st.Written, Zeroed: st.Zeroed, Unsynced: st.Unsynced, Delay: s.diskDelay, Full: s.diskFull,
		SkipFsync: s.skipFsync, LostBytes: st.LostBytes}
	if !st.SyncingSince.IsZero() {
		d.SyncWait = time.Since(st.SyncingSince).Truncate(100 * time.Millisecond)
	}
	return d
}

// PowerFail cuts node id's power: it stops as with Crash, and everything
// it wrote but did not make durable is gone (files cut back to their last
// fsynced length, creates and renames not made durable by a directory
// fsync undone). It returns the bytes lost.
func (c *Cluster) PowerFail(id uint64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.powerFailLocked(id, nil)
}

// powerFailLocked cuts node id's power. With keep, each file also keeps
// keep(n) of its n unsynced bytes, in the order they were written (a
// write torn in its middle: wal.FaultFS.PowerFailTorn).
func (c *Cluster) powerFailLocked(id uint64, keep func(n int64) int64) (int64, error) {
	s, err := c.running(id)
	if err != nil {
		return 0, err
	}
	return c.cutPowerLocked(s, keep)
}

// cutPowerLocked cuts the power of the node of slot s, whose process
// runs or whose loop stopped on an error; keep as for powerFailLocked.
func (c *Cluster) cutPowerLocked(s *slot, keep func(n int64) int64) (int64, error) {
	id := s.id
	// The power goes at once: from here on nothing the node does reaches
	// its disk, not even the fsync a closing WAL gives what it wrote last.
	// Then the node is stopped, its files closed, and the disk rewound.
	s.fs.Crash()
	c.stopLocked(s, StateCrashed)
	s.powerLost = true
	before := s.fs.Stats()
	if err := s.fs.PowerFailTorn(s.dir, keep); err != nil {
		return 0, fmt.Errorf("cluster: power failure of node %d: %w", id, err)
	}
	after := s.fs.Stats()
	lost := after.LostBytes - before.LostBytes
	text := fmt.Sprintf("%d lost power: everything it had fsynced survives", id)
	if lost > 0 || after.LostNames > before.LostNames {
		text = fmt.Sprintf("%d lost power: %d bytes it had written but not fsynced are gone", id, lost)
		if n := after.LostNames - before.LostNames; n > 0 {
			text += fmt.Sprintf(", and %s not made durable", plural(n, "file name change", "file name changes"))
		}
	}
	if s.skipFsync {
		text += " (it was skipping fsync: UNSAFE)"
	}
	c.events.Add(Event{Node: id, Kind: EventCrash, Text: text})
	return lost, nil
}

// PowerFailAll cuts the power of every running node at once and returns
// the bytes lost in all.
func (c *Cluster) PowerFailAll() (int64, error) { return c.powerFailAll(nil) }

// powerFailAll is PowerFailAll, keep as for powerFailLocked.
func (c *Cluster) powerFailAll(keep func(n int64) int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	n, lost := 0, int64(0)
	for _, s := range c.slots {
		if s.node == nil {
			continue
		}
		n++
		// Not powerFailLocked: a node whose loop stopped on an error (a
		// full disk) is down to it, and its disk would keep what it had
		// not fsynced while every other lost it.
		l, err := c.cutPowerLocked(s, keep)
		lost += l
		if err != nil {
			errs = append(errs, err)
		}
	}
	if n == 0 {
		return 0, errors.New("cluster: no node is running")
	}
	return lost, errors.Join(errs...)
}

// Wipe replaces node id's disk with an empty one and starts it again:
// amnesia. The node forgets its term, its vote and its log, and rejoins
// under the same id as if it had never run, which can break Raft's safety
// (it may vote twice in a term, or help elect a leader that lacks
// committed entries). And the leader, whose view of what the node holds
// (its match index) never goes back, keeps probing after entries the node
// no longer has: the node is not repaired until another leader is elected.
// Real systems make such a node rejoin as a new member; this is the
// playground's way to show why.
func (c *Cluster) Wipe(id uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.member(id)
	if err != nil {
		return err
	}
	c.stopLocked(s, StateCrashed)
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("cluster: wipe %d: %w", id, err)
	}
	for _, e := range ents {
		if e.Name() == joinedFile || e.Name() == createdFile {
			continue // how the node came to be is not on its disk
		}
		// CLUSTER-ID goes with the disk: the restart writes this node's
		// again. Kept, one that named another node or cluster (the reason
		// the node was refused) refused the wiped node again, as holding
		// files it no longer had.
		if err := os.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
			return fmt.Errorf("cluster: wipe %d: %w", id, err)
		}
	}
	s.fs = wal.NewFaultFS() // a new disk
	s.fs.SetSyncDelay(s.diskDelay)
	s.diskFull, s.skipFsync = false, false
	c.events.Add(Event{Node: id, Kind: EventViolation, Text: fmt.Sprintf("%d's disk was replaced by an empty one: it restarts with no term, vote or log (amnesia), which can break Raft's safety", id)})
	return c.restartLocked(id, true)
}

// Corrupt damages node id's WAL on purpose: part "segment" flips a byte in
// a record of its newest sealed segment (the only one, if there is one
// segment), "snapshot" in its newest snapshot
// file, "tail" tears its last record. A running node is crashed first; it
// stays down, and restart shows what it does with the damage (a torn tail
// is repaired; anything else keeps it from starting, file and offset
// named, and its status says so meanwhile: NodeStatus.Damaged). It
// returns what was damaged, and where.
func (c *Cluster) Corrupt(id uint64, part string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.member(id)
	if err != nil {
		return "", err
	}
	// Nothing to damage (or an unknown part): refused before the node is
	// crashed for it.
	switch err := wal.CanCorrupt(s.dir, part); {
	case errors.Is(err, wal.ErrNothingToDamage) && part == "snapshot":
		return "", fmt.Errorf("cluster: node %d has no snapshot file to damage yet (snapshot %d takes one); nothing was done", id, id)
	case errors.Is(err, wal.ErrNothingToDamage):
		return "", fmt.Errorf("cluster: node %d has no WAL segment to damage; nothing was done", id)
	case err != nil:
		return "", fmt.Errorf("cluster: node %d: %w; nothing was done", id, err)
	}
	crashed := s.node != nil
	if crashed {
		c.stopLocked(s, StateCrashed)
		c.events.Add(Event{Node: id, Kind: EventCrash, Text: fmt.Sprintf("%d crashed (to damage its files)", id)})
	}
	what, err := wal.Corrupt(s.dir, part)
	if err != nil {
		if crashed {
			return "", fmt.Errorf("cluster: node %d, crashed to damage its files, stays down, undamaged (restart %d brings it back): %w", id, id, err)
		}
		return "", fmt.Errorf("cluster: node %d: %w", id, err)
	}
	what = strings.TrimPrefix(what, s.dir+string(filepath.Separator))
	s.damaged = fatalDamage(s.dir, part)
	c.events.Add(Event{Node: id, Kind: EventFault, Text: fmt.Sprintf("%d's WAL damaged: %s (restart %d shows what it does)", id, what, id)})
	return what, nil
}

// fatalDamage is the damage in the WAL in dir that keeps its node from
// starting, where and what, as NodeStatus.Damaged says it; "" when there
// is none (a torn tail: Open cuts it off; a damaged snapshot file the log
// does not need: Open ignores it). part is what corrupt damaged, for when
// the WAL cannot be read to tell.
func fatalDamage(dir, part string) string {
	r, err := wal.Inspect(dir)
	if err != nil {
		if part == "tail" {
			return ""
		}
		return "its " + part + " (" + err.Error() + ")"
	}
	for _, p := range r.Problems {
		if p.Fatal() {
			where := p.File
			if p.Offset >= 0 {
				where += fmt.Sprintf(" at offset %d", p.Offset)
			}
			return where + ": " + p.What
		}
	}
	return ""
}

// SetDiskDelay makes every fsync of node id take at least d longer, those
// under way included (each waits d from when it began). The disk is the
// node's whether it runs or not: a down node's delay applies from its
// restart on (whose first fsync makes what it read durable).
func (c *Cluster) SetDiskDelay(id uint64, d time.Duration) error {
	if d < 0 || d > MaxDiskDelay {
		return fmt.Errorf("cluster: disk delay %v: want 0 to %v", d, MaxDiskDelay)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.member(id)
	if err != nil {
		return err
	}
	s.diskDelay = d
	s.fs.SetSyncDelay(d)
	text := fmt.Sprintf("%d's disk is slow: every fsync takes %v longer", id, d)
	if d == 0 {
		text = fmt.Sprintf("%d's disk is fast again", id)
	}
	c.events.Add(Event{Node: id, Kind: EventFault, Text: text})
	return nil
}

// SetDiskFull makes node id's writes fail with ENOSPC (on), or gives it
// space again (off). A node whose WAL refused a write stops and says why;
// when space returns, it is restarted from its files, which hold every
// write it acknowledged.
func (c *Cluster) SetDiskFull(id uint64, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.member(id)
	if err != nil {
		return err
	}
	if on {
		if _, err := c.running(id); err != nil {
			return err
		}
		s.diskFull = true
		s.fs.SetFull(true)
		c.events.Add(Event{Node: id, Kind: EventFault, Text: fmt.Sprintf("%d's disk is full: its next write fails (no space left on device)", id)})
		return nil
	}
	if !s.diskFull {
		return fmt.Errorf("cluster: node %d's disk is not full", id)
	}
	s.diskFull = false
	s.fs.SetFull(false)
	c.events.Add(Event{Node: id, Kind: EventFault, Text: fmt.Sprintf("%d's disk has space again", id)})
	if s.node != nil {
		select {
		case <-s.node.done: // its loop stopped on the failed write
			return c.restartLocked(id, false)
		default:
		}
	}
	return nil
}

// SetUnsafeSkipFsync makes node id acknowledge entries and votes without
// fsyncing them (on): UNSAFE, for teaching. A power failure then loses
// what it promised, which can lose acknowledged writes or elect two
// leaders in one term. Off, it fsyncs again, and what it wrote meanwhile
// is made durable at once (as sync(1) would): the fsyncs it skipped are
// not made up by later ones (nothing fsyncs a segment it closed, a
// snapshot file or its directory again), and a power failure then lost
// writes acknowledged after fsync was back on, or left the node unable to
// start (a snapshot its log records, with its content never fsynced).
func (c *Cluster) SetUnsafeSkipFsync(id uint64, on bool) error {
	c.mu.Lock()
	s, err := c.running(id)
	if !on {
		// Turning fsync back on is the disk's, running or not: a node
		// that stopped (its disk full) kept skipping through the restart
		// that space given back makes.
		s, err = c.member(id)
	}
	if err != nil {
		c.mu.Unlock()
		return err
	}
	s.skipFsync = on
	s.fs.SetSkipSync(on)
	fsys, dir := s.fs, s.dir
	if on {
		c.events.Add(Event{Node: id, Kind: EventSetting, Text: fmt.Sprintf("UNSAFE: %d acknowledges entries and votes WITHOUT fsync: a power failure can lose what it promised", id)})
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	// Without the cluster's lock: on a slow disk (set disk-delay) the
	// wait is the caller's, not the cluster's.
	text := fmt.Sprintf("%d fsyncs again (what it wrote meanwhile is durable now)", id)
	if err := fsys.SyncAll(dir); errors.Is(err, wal.ErrCrashed) {
		text = fmt.Sprintf("%d fsyncs again (it crashed before what it wrote meanwhile was durable)", id)
	} else if err != nil {
		return fmt.Errorf("cluster: node %d fsyncs again, but making what it wrote meanwhile durable failed: %w", id, err)
	}
	c.events.Add(Event{Node: id, Kind: EventSetting, Text: text})
	return nil
}
