package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"raftplay/raft"
	"raftplay/wal"
)

// Membership changes, live: add a node (it starts empty, joins as a
// learner, catches up, and is promoted), remove one (its process stops and
// its files go once the change commits), promote a learner, and transfer
// leadership. The Raft side is raft/membership.go; this file starts and
// stops the node parts and waits for the outcome.
//
// Each node directory records how the node came to be, so that a later run
// on the same data directory starts the same cluster:
//
//	node-N/JOINED   the node was added to a running cluster: it has no
//	                bootstrap membership and learns its configuration from
//	                the leader's log
//	node-N/REMOVED  the node was removed: its files were deleted; it is not
//	                started again (add N makes it a new, empty node)
//	CLUSTER         "nodes N": the size the cluster was created with, so
//	                that a later start finds nodes 1..N even when the
//	                directories of the last ones are gone (it then refuses
//	                to start them empty; without it, a data directory whose
//	                node-2 and node-3 were deleted ran as a one-node cluster
//	                and lost what only they held)
//	node-N/CREATED  "nodes N" again, in the directory of every node the
//	                cluster was created with, written once it has run: a
//	                CLUSTER deleted outright is then told from a directory
//	                made before the file existed, and the guard holds while
//	                one such node's directory is left
//	CLUSTER-ID      "cluster HEX", and node-N/CLUSTER-ID the same: the
//	                cluster's identity (identity.go), so that a node
//	                directory from another data directory is refused

const (
	joinedFile  = "JOINED"
	removedFile = "REMOVED"
	clusterFile = "CLUSTER"
	createdFile = "CREATED"
)

// createdSize returns the size dataDir records for the cluster it was
// created with: the most its CLUSTER file and its nodes' CREATED files say
// (0 when none does, or none can be read as one).
func createdSize(dataDir string) int {
	n, _ := CreatedSize(dataDir)
	return n
}

// createdSizeOf is the size the cluster of slots, in dataDir, was created
// with (the bootstrap configuration is its nodes 1 to that size): what
// CLUSTER and CREATED say. In a directory made before they existed, the
// first configuration entry of a log that still holds it says (how tells
// which), else the most it can be (how says so). It was the highest id not
// marked JOINED: an id of the cluster's own removed and added again, the
// last, says JOINED, and was missed, one too few (a bootstrap
// configuration too small lets a node whose log holds no configuration
// entry be elected by too few). One too large is the safer error: it asks
// for more votes. It is not safe by counting alone (a majority of a larger
// configuration need not meet every majority of the real one: a review);
// it rests on the ids above the real size being nodes added later, marked
// JOINED, whose logs hold the committed entries that added them, so that
// Raft's up-to-date check refuses their votes to a log without them.
func createdSizeOf(dataDir string, slots []*slot) (n int, how string) {
	if n := createdSize(dataDir); n > 0 {
		return n, ""
	}
	for _, s := range slots {
		if s.state == StateRemoved {
			continue
		}
		if n, at := firstConfSize(s.dir); n > 0 {
			return n, fmt.Sprintf("taken from the first configuration entry, %d in node %d's log", at, s.id)
		}
	}
	// The ids the cluster was created with are 1 to the size: each one
	// above the highest id not marked JOINED is one added again, or one
	// added later; the size is at most the last of the JOINED ids that
	// follow it without a gap (ids are given out in order).
	for _, s := range slots {
		if !s.joined {
			n = max(n, int(s.id))
		}
	}
	least := n
	for n < len(slots) && slots[n].joined {
		n++
	}
	if n == least {
		return n, ""
	}
	return n, fmt.Sprintf("the most it can be: no log holds the first configuration entry any longer, and nodes %d to %d say JOINED, ids added later or ids of the cluster's own removed and added again (their bootstrap configuration counts them: a node whose log holds no configuration entry then needs more votes, never fewer)", least+1, n)
}

// firstConfSize reads the size of the cluster's bootstrap configuration
// from the log in dir: its first configuration entry changed that
// configuration by one, either adding a learner (the voters are the
// bootstrap's) or removing a voter (one fewer; a bootstrap configuration
// has no learners, and no learner to remove or promote). Only a log that
// holds every entry from index 1, with no snapshot before that entry,
// knows its first configuration entry; 0 otherwise, or when it holds
// none. at is that entry's index.
func firstConfSize(dir string) (n int, at uint64) {
	if !wal.HasLog(dir) {
		return 0, 0
	}
	rep, err := wal.Inspect(dir)
	if err != nil || len(rep.Segments) == 0 || rep.Segments[0].FirstIndex != 1 {
		return 0, 0
	}
	for _, seg := range rep.Segments {
		if seg.HeaderErr != "" {
			return 0, 0
		}
		for _, rec := range seg.Records {
			switch {
			case !rec.CRCOK || rec.Type == wal.RecordSnapshot:
				return 0, 0
			case rec.Type == wal.RecordEntry && rec.EntryType == raft.EntryConfig:
				m, err := raft.DecodeMembership(rec.Data)
				if err != nil || len(m.Voters) == 0 || len(m.Learners) > 1 {
					return 0, 0
				}
				n = len(m.Voters)
				if len(m.Learners) == 0 {
					n++ // a removal
				}
				if n > MaxNodes {
					return 0, 0
				}
				return n, rec.Index
			}
		}
	}
	return 0, 0
}

// readSize reads a "nodes N" file (CLUSTER, CREATED): 0 when it is not
// there or cannot be read as one.
func readSize(path string) int {
	b, err := readMarker(path)
	if err != nil {
		return 0
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "nodes %d", &n); err != nil || n < 1 || n > MaxNodes {
		return 0
	}
	return n
}

// readMarker reads a small file the cluster keeps in its data directory
// (CLUSTER, CREATED, CLUSTER-ID), as os.ReadFile does, but one that is not
// a regular file is an error, not read: a named pipe in CLUSTER's place
// blocked the start forever in open(2), and a first ctrl+c could not
// stop it.
func readMarker(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("it is %s, not a regular file: remove it", wal.FileKind(st.Mode()))
	}
	return io.ReadAll(io.LimitReader(f, 1<<20))
}

// CheckClusterFile says what is wrong with dataDir's CLUSTER file, if it
// is there and is not "nodes N" for a size N a cluster can have (nil when
// it is, or is not there). Damaged, it was ignored: the guard against
// starting nodes whose files are gone (amnesia) went with it, and a data
// directory missing node-4 and node-5 ran as a three-node cluster that had
// lost an acknowledged write (found by a CI user).
func CheckClusterFile(dataDir string) error {
	path := filepath.Join(dataDir, clusterFile)
	b, err := readMarker(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cluster: %s cannot be read: %w", path, err)
	}
	var n int
	text := strings.TrimSpace(string(b)) // a hand-written one may end without a newline, or with \r\n
	if _, err := fmt.Sscanf(text, "nodes %d", &n); err == nil && n >= 1 && n <= MaxNodes && text == fmt.Sprintf("nodes %d", n) {
		return nil
	}
	found := fmt.Sprintf("%q", b)
	if len(b) > 40 {
		found = fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
	}
	return fmt.Errorf("cluster: %s is damaged: it holds %s, not \"nodes N\" (N from 1 to %d), the size the cluster was created with, which keeps a start from running nodes whose files are gone (amnesia); write the size back (nodes N on one line), or start from an empty data directory", path, found, MaxNodes)
}

// CreatedSize returns the size dataDir records for the cluster it was
// created with, and the file that says it (CLUSTER, else the first node's
// CREATED that says the most): 0 and "" when no file does. A deleted
// CLUSTER was taken for a directory older than the file, and a directory
// missing its last nodes ran as a smaller cluster; a node's CREATED keeps
// the size while its directory is there.
func CreatedSize(dataDir string) (int, string) {
	path := filepath.Join(dataDir, clusterFile)
	n, from := readSize(path), path
	for id := 1; id <= MaxNodes; id++ {
		p := filepath.Join(dataDir, fmt.Sprintf("node-%d", id), createdFile)
		if m := readSize(p); m > n {
			n, from = m, p
		}
	}
	if n == 0 {
		return 0, ""
	}
	return n, from
}

// recordCreated writes the CREATED file of every node of c that was not
// added later and is running, when it has none: the size the cluster was
// created with (created). Best effort, as recordSize. It takes c.mu: the
// nodes run already, and one they retire (confApplied) changes its slot
// and clears its directory under it.
func (c *Cluster) recordCreated(created int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.slots {
		if s.joined || s.node == nil || s.state == StateRemoved || fileExists(filepath.Join(s.dir, createdFile)) {
			continue
		}
		writeMarker(s.dir, createdFile, fmt.Sprintf("nodes %d\n", created))
	}
}

// recordSize writes dataDir's CLUSTER file with the cluster's creation
// size when it has none (a data directory made before the file existed
// gets the size it runs at). Best effort: without it, the start is as
// before the file existed.
func recordSize(dataDir string, n int) {
	if fileExists(filepath.Join(dataDir, clusterFile)) {
		return
	}
	writeMarker(dataDir, clusterFile, fmt.Sprintf("nodes %d\n", n))
}

// mkdirDurable makes dir (and its parents) and makes its name durable in
// its parent: a node's directory made by an add, whose entry a power
// failure could otherwise take from the data directory with the node's log
// in it (the WAL makes the directories it creates itself durable, but
// finds this one made).
func mkdirDurable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

// CaughtUpLag is how many entries a learner may trail the leader's last
// index and count as caught up, so that add promotes it (and so does the
// dashboard, after an add while frozen).
const CaughtUpLag = 64

// newSlot makes the slot of node id, reading its directory's markers.
func (c *Cluster) newSlot(id uint64) *slot {
	s := &slot{id: id, dir: filepath.Join(c.opts.DataDir, fmt.Sprintf("node-%d", id)), fs: wal.NewFaultFS()}
	if c.opts.BasePort != 0 {
		port := c.opts.BasePort + 2*int(id-1)
		s.raftAddr = fmt.Sprintf("127.0.0.1:%d", port)
		s.httpAddr = fmt.Sprintf("127.0.0.1:%d", port+1)
	}
	if fileExists(filepath.Join(s.dir, removedFile)) {
		s.state = StateRemoved
	}
	s.joined = fileExists(filepath.Join(s.dir, joinedFile))
	if s.joined {
		s.joinedAfter = readJoinedAfter(filepath.Join(s.dir, joinedFile))
	}
	return s
}

// joinedText is the JOINED marker of a node added after index after: its
// first line for the reader, its second the index (raft.Config.JoinedAfter).
func joinedText(after uint64) string {
	return fmt.Sprintf("added to a running cluster: the membership comes from the leader's log\njoined after %d\n", after)
}

// readJoinedAfter reads the index a JOINED marker keeps (0: none, as in a
// marker written before it did; the node then takes every configuration
// naming its id for its own).
func readJoinedAfter(path string) uint64 {
	b, err := readMarker(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var after uint64
		if _, err := fmt.Sscanf(line, "joined after %d", &after); err == nil {
			return after
		}
	}
	return 0
}

// JoinedMarker reads the JOINED marker of the node directory dir: marked
// reports whether it is there, and after the index it keeps with ok (ok
// false: a marker written before markers kept one, or one that cannot be
// read as such). raftplay wal shows it.
func JoinedMarker(dir string) (after uint64, ok, marked bool) {
	b, err := readMarker(filepath.Join(dir, joinedFile))
	if err != nil {
		return 0, false, fileExists(filepath.Join(dir, joinedFile))
	}
	for _, line := range strings.Split(string(b), "\n") {
		if _, err := fmt.Sscanf(line, "joined after %d", &after); err == nil {
			return after, true, true
		}
	}
	return 0, false, true
}

// readRemovedAt reads the entry whose commit removed the node a REMOVED
// marker was left by (0: none, or a node that was not a member).
func readRemovedAt(path string) uint64 {
	b, err := readMarker(path)
	if err != nil {
		return 0
	}
	var at uint64
	if _, err := fmt.Sscanf(string(b), "removed from the cluster by entry %d", &at); err != nil {
		return 0
	}
	return at
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// NodesOnDisk returns the highest node id whose directory under dataDir
// records a log or a membership marker, or the size the cluster was
// created with (CLUSTER, CREATED) when that is higher (0 if none).
func NodesOnDisk(dataDir string) int {
	most := createdSize(dataDir)
	for id := 1; id <= MaxNodes; id++ {
		dir := filepath.Join(dataDir, fmt.Sprintf("node-%d", id))
		if fileExists(filepath.Join(dir, joinedFile)) || fileExists(filepath.Join(dir, removedFile)) || fileExists(filepath.Join(dir, createdFile)) || wal.HasLog(dir) {
			most = max(most, id)
		}
	}
	return most
}

// WasRemoved reports whether the node directory dir belongs to a node
// removed from its cluster (its REMOVED marker; its log was deleted then).
func WasRemoved(dir string) bool { return fileExists(filepath.Join(dir, removedFile)) }

// RemovedOnDisk returns how many of the nodes 1..n of the cluster in
// dataDir were removed from it (their directories say so).
func RemovedOnDisk(dataDir string, n int) int {
	removed := 0
	for id := 1; id <= n; id++ {
		if WasRemoved(filepath.Join(dataDir, fmt.Sprintf("node-%d", id))) {
			removed++
		}
	}
	return removed
}

// AddResult is what Add did.
type AddResult struct {
	ID         uint64
	LearnerAt  uint64        // the entry that added it as a learner
	PromotedAt uint64        // the entry that made it a voter
	Match      uint64        // what it held when promoted
	Took       time.Duration // from start to promotion
}

// Add starts a new node with an empty data directory on new ports, joins
// it to the cluster as a learner, waits for it to catch up (by entries, or
// by snapshot when the leader has compacted), and promotes it to voter.
// id 0 picks the next free id. When ctx ends before the promotion, the node
// stays a learner and Add says so: `promote` can finish it.
func (c *Cluster) Add(ctx context.Context, id uint64) (AddResult, error) {
	start := time.Now()
	st := c.Status()
	n, running := st.Node(id)
	running = running && id != 0 && n.State != StateRemoved
	j := id // the id the add starts
	switch {
	case running && st.Membership.IsLearner(id):
		// An add that ended (or was cut short) before the promotion.
		return AddResult{}, fmt.Errorf("cluster: node %d is already a learner (%s): promote %d makes it a voter", id, n.State, id)
	case running && st.Membership.IsVoter(id):
		return AddResult{}, fmt.Errorf("cluster: node %d is already in the cluster (%s)", id, n.State)
	case !running:
		var err error
		if j, err = c.joinerID(id); err != nil {
			return AddResult{}, err
		}
	}
	// The leader is asked first, and what it would refuse is refused
	// before a node starts: one would run outside the cluster, on an id
	// used up, until removed.
	after, err := c.confCheck(ctx, raft.ConfChange{Op: raft.ConfAddLearner, Node: j})
	if err != nil {
		if running {
			return AddResult{}, err // its removal pending, say: it runs, and nothing else does
		}
		return AddResult{}, fmt.Errorf("node %d not started: %w", j, err)
	}
	if running && !st.Membership.IsEmpty() && !st.Membership.IsMember(id) {
		// An add of it cut short (a kill between its JOINED marker and
		// the entry, or no leader took the entry in time): it runs
		// outside the cluster, holding nothing the cluster needs. It
		// starts afresh, as remove then add would have it; the user had
		// to type both (add said "remove 4 stops it, then add 4 starts it
		// afresh"), and after a kill the next run left it so.
		was, err := c.retireOutside(ctx, id)
		if err != nil {
			return AddResult{}, err
		}
		after = max(after, was)
		if j, err = c.joinerID(id); err != nil {
			return AddResult{}, err
		}
	}
	fresh := c.FreshStatus()
	id, err = c.startJoiner(id, joinTerm(fresh), max(after, fresh.Commit))
	if err != nil {
		return AddResult{}, err
	}
	defer c.addEnded(id)
	c.dropHeldFrom(ctx, id)
	res := AddResult{ID: id}
	r, err := c.proposeConf(ctx, raft.ConfChange{Op: raft.ConfAddLearner, Node: id})
	if pe := (*PendingError)(nil); errors.As(err, &pe) {
		// Frozen: the steps carry the learner in, and `promote` makes it a
		// voter once it has caught up.
		res.LearnerAt = r.Index
		return res, err
	}
	if err != nil {
		if wasNotProposed(err) && ctx.Err() != nil {
			return res, outOfTime{fmt.Sprintf("node %d started, but no leader took the change that adds it in time (%v): it runs outside the cluster, and remove %d stops it", id, err, id), ctx.Err()}
		}
		if ctx.Err() != nil {
			// The entry may be in the leader's log already, and commit later.
			return res, outOfTime{fmt.Sprintf("node %d started, but the entry that adds it as a learner did not commit in time; it may still (wait config shows when; promote %d then makes it a voter), and if it never does, remove %d stops it", id, id, id), ctx.Err()}
		}
		return res, fmt.Errorf("node %d started but has not joined: %w (remove %d stops it)", id, err, id)
	}
	res.LearnerAt = r.Index
	c.events.Add(Event{Node: id, Kind: EventMember, Text: fmt.Sprintf("%d joined as learner (entry %d)", id, r.Index)})
	for {
		match, last, ok := c.learnerLag(id)
		if ok && last-match <= CaughtUpLag {
			r, err := c.proposeConf(ctx, raft.ConfChange{Op: raft.ConfPromote, Node: id})
			if err == nil {
				res.PromotedAt, res.Match, res.Took = r.Index, match, time.Since(start)
				c.events.Add(Event{Node: id, Kind: EventMember, Text: fmt.Sprintf("%d caught up (match %d of %d), promoted (entry %d) %s after the add began",
					id, match, last, r.Index, res.Took.Round(time.Millisecond))})
				return res, nil
			}
			if !errors.Is(err, raft.ErrLearnerBehind) {
				return res, fmt.Errorf("node %d joined as a learner but was not promoted: %w", id, err)
			}
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("node %d joined as a learner but has not caught up (%d of %d): %w; promote it later with promote %d", id, match, last, ctx.Err(), id)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// retireOutside stops node id, which runs outside the cluster (an add of
// it cut short: NodeStatus.Outside), and deletes its files, so that an add
// starts it afresh; it returns the index its JOINED marker kept (the new
// node is told no less). Only when a leader, no change pending, confirms
// that the configuration leaves it out: with no leader, the configuration
// a node holds may be one a leader has since replaced, and it says so.
func (c *Cluster) retireOutside(ctx context.Context, id uint64) (uint64, error) {
	// Right after an election the status may not know the leader yet:
	// wait for one, as the add would (frozen, only steps elect one).
	st := c.FreshStatus()
	for st.Leader == 0 && !st.Frozen {
		if _, err := c.WaitFor(ctx, func(s Status) bool { return s.Leader != 0 }); err != nil {
			break
		}
		st = c.FreshStatus()
	}
	n, _ := st.Node(id)
	switch {
	case st.Leader == 0:
		return 0, fmt.Errorf("cluster: node %d runs, but is not a member (an add of it never committed), and no leader is there to confirm it: once one is elected, add %d starts it afresh (remove %d stops it)", id, id, id)
	case st.Membership.IsMember(id):
		return 0, fmt.Errorf("cluster: node %d is already in the cluster (%s)", id, n.State)
	case st.ConfPending:
		return 0, fmt.Errorf("cluster: node %d runs, but is not a member, and a membership change is pending: wait config shows when it has committed, then add %d starts it afresh", id, id)
	case !n.Outside:
		// An add of it running (it joins), or a member whose committed
		// removal is being carried out (confApplied retires it).
		return 0, fmt.Errorf("cluster: node %d is not a member, and not outside the cluster: an add of it is running, or its removal is being carried out; wait config, then try again", id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.slot(id)
	if err != nil {
		return 0, err
	}
	if s.state == StateRemoved || s.adding {
		return 0, fmt.Errorf("cluster: node %d: another add or remove of it ran meanwhile", id)
	}
	was := max(s.joinAfter, s.joinedAfter)
	stopped := "its process stopped"
	if s.node == nil {
		stopped = "it was down"
	}
	text := fmt.Sprintf("%d ran outside the cluster (an add of it was cut short): %s, its files deleted; the add starts it afresh", id, stopped)
	if err := c.retireLocked(s, text, 0); err != nil {
		return 0, fmt.Errorf("cluster: node %d: %w", id, err)
	}
	return was, nil
}

// dropHeldFrom has every other running node of a frozen cluster drop the
// messages it holds from id, which now names a new node: an old node's
// answer, delivered by a later step, would pass for the new one's. Before
// the change that adds it, so no leader has progress for the new node
// yet. A running cluster holds nothing: it stepped the old node's late
// messages when they came, while the id was no member (the transport
// drops the rest, ReplacePeer), and a node's loop in a slow fsync is not
// waited for.
func (c *Cluster) dropHeldFrom(ctx context.Context, id uint64) {
	c.mu.Lock()
	frozen := c.frozen
	var nodes []*node
	for _, s := range c.slots {
		if s.id != id && s.node != nil {
			nodes = append(nodes, s.node)
		}
	}
	c.mu.Unlock()
	if !frozen {
		return
	}
	for _, n := range nodes {
		n.doCtx(ctx, func() { n.dropFrom(id) }) // down: it holds nothing; ctx ended: the add fails anyway
	}
}

// learnerLag returns what the leader knows learner id holds, and the
// leader's last index.
func (c *Cluster) learnerLag(id uint64) (match, last uint64, ok bool) {
	st := c.FreshStatus()
	l, found := st.Node(st.Leader)
	if !found {
		return 0, 0, false
	}
	p, found := l.Progress[id]
	if !found {
		return 0, l.LastIndex, false
	}
	return p.Match, l.LastIndex, p.State == "replicate"
}

// addEnded marks the end of the add of node id (slot.adding).
func (c *Cluster) addEnded(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id >= 1 && id <= uint64(len(c.slots)) {
		c.slots[id-1].adding = false
	}
}

// startJoiner creates and starts node id (0: the next free id) with an
// empty directory marked JOINED, and tells every node its address. after
// is an index committed before the change adding it is proposed
// (raft.Config.JoinedAfter): the JOINED marker keeps it for later starts.
func (c *Cluster) startJoiner(id, term, after uint64) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, err := c.joinerIDLocked(id)
	if err != nil {
		return 0, err
	}
	s := c.newSlot(id)
	s.joinTerm = term
	// A new node starts empty: whatever an earlier node of this id left
	// goes, its REMOVED marker last, once JOINED is durable. A process
	// killed on the way leaves a directory that still says REMOVED (the add
	// is not proposed yet), never one without a marker, which the next
	// start would take for an original member whose log is lost.
	if err := mkdirDurable(s.dir); err != nil {
		return 0, fmt.Errorf("cluster: node %d: %w", id, err)
	}
	if err := clearDirExcept(s.dir, removedFile); err != nil {
		return 0, fmt.Errorf("cluster: node %d: clear %s: %w", id, s.dir, err)
	}
	c.confMu.Lock()
	after = max(after, c.confIndex)
	c.confMu.Unlock()
	// The removal of the earlier node of this id is committed, and at or
	// below the index the new node is told: its REMOVED marker names it.
	// The leader's answer and this run's applied entries may not know it
	// yet (no leader to ask right after a restart, the removal applied by
	// no node since): told less, the new node took the earlier node's
	// configurations above that index for its own.
	after = max(after, readRemovedAt(filepath.Join(s.dir, removedFile)))
	s.joinedAfter = after
	if err := writeMarker(s.dir, joinedFile, joinedText(after)); err != nil {
		return 0, fmt.Errorf("cluster: node %d: %w", id, err)
	}
	if testHookMarked != nil {
		testHookMarked(s.dir)
	}
	if err := clearDirExcept(s.dir, joinedFile); err != nil {
		return 0, fmt.Errorf("cluster: node %d: clear %s: %w", id, s.dir, err)
	}
	s.joined, s.state = true, ""
	c.confMu.Lock()
	s.joinAfter = c.confIndex
	delete(c.everMember, id) // a new node: what an earlier one of its id was is not its
	c.confMu.Unlock()
	// An id used before (removed, now added again) names a new node:
	// nothing meant for or sent by the old one may reach the new one or
	// pass for its answer. Before the new node opens: it may connect to
	// the others at once.
	for _, o := range c.slots {
		if o.node != nil && o.id != id {
			o.node.tr.ReplacePeer(id)
			o.node.purgeInbox(id)
		}
	}
	if id == uint64(len(c.slots))+1 {
		c.slots = append(c.slots, s)
	} else {
		// The monitor knows a node by its id and incarnation: the new
		// node's commit index, which starts again from 0, must not be
		// taken for the old one's going back (a false commit regression
		// when a removed id was added again, found by a CI user).
		s.incarnation = c.slots[id-1].incarnation + 1
		c.slots[id-1] = s
	}
	n, err := openNode(c.nodeConfig(s))
	if err != nil {
		s.state, s.err = StateFailed, err
		return 0, err
	}
	s.node, s.state, s.adding = n, StateUp, true
	s.raftAddr, s.httpAddr = n.tr.Addr(), n.hl.Addr().String()
	for _, o := range c.slots {
		if o != s && o.node != nil {
			o.node.tr.SetPeer(s.id, s.raftAddr)
			n.tr.SetPeer(o.id, o.raftAddr)
		}
	}
	c.up[id-1].Store(true)
	n.start()
	c.events.Add(Event{Node: id, Kind: EventMember, Text: fmt.Sprintf("%d started empty on %s, joining", id, s.raftAddr)})
	return id, nil
}

// joinTerm is the term a node added now starts at: its leader's, the
// leader that takes the add (st.Leader), or with none the highest term a
// node of st has reached (down nodes: as they last published). A removal
// that committed is in the log of every leader of a later term, so a
// leader of a term below the current leader's is the only kind that can
// still count a removed node as a member. Not the highest term alone: a
// node cut off that campaigned its term up (no PreVote) would have every
// joiner answer the leader with that term, and depose it at each add.
func joinTerm(st Status) uint64 {
	var t uint64
	for _, n := range st.Nodes {
		if n.ID == st.Leader && n.Role == "leader" {
			return n.Term
		}
		t = max(t, n.Term)
	}
	return t
}

// joinerID returns the id an add of id would start (id, or for 0 the next
// free one), or why it cannot start one.
func (c *Cluster) joinerID(id uint64) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.joinerIDLocked(id)
}

// joinerIDLocked is joinerID with c.mu held.
func (c *Cluster) joinerIDLocked(id uint64) (uint64, error) {
	if c.closed {
		return 0, errors.New("cluster: closed")
	}
	if id == 0 {
		id = c.nextFreeID()
		if id == 0 {
			return 0, fmt.Errorf("cluster: already %d nodes, the most the playground runs", MaxNodes)
		}
	}
	if id > MaxNodes {
		return 0, fmt.Errorf("cluster: node %d: ids go up to %d", id, MaxNodes)
	}
	if id <= uint64(len(c.slots)) && c.slots[id-1].state != StateRemoved {
		return 0, fmt.Errorf("cluster: node %d is already in the cluster (%s)", id, c.slots[id-1].state)
	}
	if id > uint64(len(c.slots))+1 {
		return 0, fmt.Errorf("cluster: node %d: the next new id is %d", id, len(c.slots)+1)
	}
	if p := c.opts.BasePort + 2*int(id-1); c.opts.BasePort != 0 && p+1 > 65535 {
		// The raw "address 65536: invalid port" said nothing of --port.
		return 0, fmt.Errorf("cluster: node %d would listen on ports %d and %d, past 65535: base port %d leaves room for %d nodes (start with a lower one to add up to %d)",
			id, p, p+1, c.opts.BasePort, (65536-c.opts.BasePort)/2, MaxNodes)
	}
	return id, nil
}

// nextFreeID is the next id never used, else the lowest removed one (0:
// none left); c.mu is held.
func (c *Cluster) nextFreeID() uint64 {
	if len(c.slots) < MaxNodes {
		return uint64(len(c.slots)) + 1
	}
	for _, s := range c.slots {
		if s.state == StateRemoved {
			return s.id
		}
	}
	return 0
}

func writeMarker(dir, name, text string) error {
	// Written whole under a temporary name, then renamed: written in place,
	// a crash between its creation and its write (kill -9, a power cut)
	// left an empty CLUSTER-ID, which refused the node at every later start
	// as damaged.
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// MkdirAllDurable creates dir and its missing parents, as os.MkdirAll
// does, and makes each directory it creates durable: an fsync of its
// parent follows it. Made by os.MkdirAll, a new --data directory's name
// was never made durable in its parent, and a power failure could take it
// away with every node's log in it (the WAL makes the directories it
// creates durable, but found this one made).
func MkdirAllDurable(dir string) error {
	dir = filepath.Clean(dir)
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrNotExist) {
		parent := filepath.Dir(dir)
		if parent == dir {
			return err
		}
		if err := MkdirAllDurable(parent); err != nil {
			return err
		}
		err = os.Mkdir(dir, 0o755)
	}
	switch {
	case err == nil:
		return syncDir(filepath.Dir(dir))
	case errors.Is(err, fs.ErrExist):
		return os.MkdirAll(dir, 0o755) // nil for a directory; a file in its place fails as it did
	}
	return err
}

// testHookSyncDir (tests) is called with each directory syncDir fsyncs.
var testHookSyncDir func(dir string)

// syncDir makes the names in dir durable.
func syncDir(dir string) error {
	if testHookSyncDir != nil {
		testHookSyncDir(dir)
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// testHookMarked (tests) is called when retiring or adding a node has
// written its marker and is about to delete what else its directory holds.
var testHookMarked func(dir string)

// clearDirExcept deletes everything in dir but the file keep, and makes
// the deletions durable.
func clearDirExcept(dir, keep string) error {
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range des {
		if de.Name() != keep {
			if err := os.RemoveAll(filepath.Join(dir, de.Name())); err != nil {
				return err
			}
		}
	}
	return syncDir(dir)
}

// stuckWithout says why a removal of id may never commit, if it can tell:
// the entry commits with a majority of the configuration without id, and
// too few of its voters run (a follower crashed, then the other removed,
// in three nodes: a user found the cluster wedged, and the answer did not
// say why). "" when enough run.
func (c *Cluster) stuckWithout(id uint64) string { return stuckText(c.Status(), id) }

// stuckText is stuckWithout's sentence, from st: which voters to bring
// back, and how many of them (one of several was said when more were
// needed), a paused one resumed, not restarted.
func stuckText(st Status, id uint64) string {
	var voters, restart, resume []string
	up := 0
	for _, v := range st.Membership.Voters {
		if v == id {
			continue
		}
		voters = append(voters, fmt.Sprint(v))
		n, ok := st.Node(v)
		switch {
		case ok && n.State == StateUp:
			up++
		case ok && n.State == StatePaused:
			resume = append(resume, fmt.Sprint(v))
		default:
			restart = append(restart, fmt.Sprint(v))
		}
	}
	need := len(voters)/2 + 1
	if len(voters) == 0 || up >= need {
		return ""
	}
	runs := fmt.Sprintf("only %d of them run", up)
	switch up {
	case 0:
		runs = "none of them runs"
	case 1:
		runs = "only 1 of them runs"
	}
	if short := need - up; short > 1 {
		// "restart 3, 4 or 5"; "resume 3; restart 4 or 5"
		list := func(ids []string) string {
			if len(ids) < 2 {
				return strings.Join(ids, "")
			}
			return strings.Join(ids[:len(ids)-1], ", ") + " or " + ids[len(ids)-1]
		}
		var how []string
		if len(resume) > 0 {
			how = append(how, "resume "+list(resume))
		}
		if len(restart) > 0 {
			how = append(how, "restart "+list(restart))
		}
		return fmt.Sprintf("; it commits with %d of the voters left (%s), and %s: bring back %d of them (%s), and it can", need, strings.Join(voters, ", "), runs, short, strings.Join(how, "; "))
	}
	var how []string
	if len(resume) > 0 {
		how = append(how, "resume "+strings.Join(resume, " or "))
	}
	if len(restart) > 0 {
		how = append(how, "restart "+strings.Join(restart, " or "))
	}
	return fmt.Sprintf("; it commits with %d of the voters left (%s), and %s: %s, and it can", need, strings.Join(voters, ", "), runs, strings.Join(how, " or "))
}

// Remove removes node id from the membership. Once the change commits the
// node's process part stops and its files are deleted (it is marked
// REMOVED). Removing the leader works: it steps down once the change
// commits (thesis §4.2.2), and the others elect a new one.
func (c *Cluster) Remove(ctx context.Context, id uint64) (Result, error) {
	c.mu.Lock()
	_, err := c.member(id)
	c.mu.Unlock()
	if err != nil {
		return Result{}, err
	}
	if st := c.FreshStatus(); st.Leader != 0 && !st.ConfPending && !st.Membership.IsMember(id) {
		// Started by an add that never joined: nothing to change in the
		// membership, only the node part to stop.
		return Result{}, c.retire(id, 0)
	}
	r, err := c.proposeConf(ctx, raft.ConfChange{Op: raft.ConfRemove, Node: id})
	if pe := (*PendingError)(nil); errors.As(err, &pe) {
		return r, err // frozen: the node is retired once the entry commits (confApplied)
	}
	if err != nil && !wasNotProposed(err) {
		if at := c.removedAt(id); at != 0 {
			// It committed, and a node that applied it first retired
			// the leader before it answered (removing the leader, whose
			// disk is slow, say).
			return Result{Index: at}, nil
		}
	}
	if err != nil && ctx.Err() != nil && wasNotProposed(err) {
		return Result{}, outOfTime{fmt.Sprintf("no leader took the removal of %d in time (%v): nothing changed", id, err), ctx.Err()}
	}
	if err != nil && ctx.Err() != nil {
		// The entry may be in the leader's log already, and commit later:
		// the node is retired then (confApplied).
		return Result{}, outOfTime{fmt.Sprintf("the removal of %d did not commit in time; it may still (wait config shows when), and %d stops then; a new leader that lacks the entry drops it%s", id, id, c.stuckWithout(id)), ctx.Err()}
	}
	if err != nil {
		return Result{}, err
	}
	if err := c.retire(id, r.Index); err != nil {
		return r, err
	}
	return r, nil
}

// removedAt returns the entry whose commit retired node id (0: it was
// not retired in this run by a removal).
func (c *Cluster) removedAt(id uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, err := c.slot(id); err == nil && s.state == StateRemoved {
		return s.removedAt
	}
	return 0
}

// retire stops removed node id and deletes its files, leaving the marker.
// A node retired already (Remove and confApplied both retire it), a node
// of this id added after the removal at at, and a closed cluster are left
// as they are.
func (c *Cluster) retire(id, at uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.slot(id)
	if err != nil || s.state == StateRemoved || c.closed {
		return err
	}
	if at != 0 && at <= max(s.joinAfter, s.joinedAfter) {
		// An earlier node of this id was removed at at; this one joined
		// since (a retiring that ran late, after the re-add started; or,
		// at a later start, the removal applied again from the log: its
		// JOINED marker keeps the index it joined after). Without the
		// marker's, a removal of it that a leader cut off appended and
		// never committed, the newest configuration at start, let the
		// earlier removal retire it: a voter's files deleted.
		return nil
	}
	stopped := "its process stopped"
	if s.node == nil { // down, or failed at start: no process ran
		stopped = "it was down"
	}
	text := fmt.Sprintf("%d removed (entry %d committed): %s, its files deleted", id, at, stopped)
	if at == 0 {
		text = fmt.Sprintf("%d was not a member: %s, its files deleted", id, stopped)
	}
	return c.retireLocked(s, text, at)
}

// retireLocked stops the node of slot s, deletes its files and leaves the
// REMOVED marker (the removal at entry at), and tells the events text.
// Called with c.mu held, or at start before any node runs.
func (c *Cluster) retireLocked(s *slot, text string, at uint64) error {
	s.removedAt = at
	c.stopLocked(s, StateRemoved)
	s.err = nil
	c.leavePartition(s.id)
	// The marker first, durable, then the files: a process killed on the
	// way leaves a directory the next start knows was removed, not a log
	// half deleted that it would refuse to start as a lost one.
	if err := mkdirDurable(s.dir); err != nil {
		return err
	}
	if err := writeMarker(s.dir, removedFile, fmt.Sprintf("removed from the cluster by entry %d\n", at)); err != nil {
		return err
	}
	if testHookMarked != nil {
		testHookMarked(s.dir)
	}
	if err := clearDirExcept(s.dir, removedFile); err != nil {
		return fmt.Errorf("cluster: node %d removed, but its files could not be deleted: %w", s.id, err)
	}
	c.events.Add(Event{Node: s.id, Kind: EventMember, Text: text})
	return nil
}

// Promote makes learner id a voter. The leader refuses while the learner
// is far behind, and says so.
func (c *Cluster) Promote(ctx context.Context, id uint64) (Result, error) {
	r, err := c.proposeConf(ctx, raft.ConfChange{Op: raft.ConfPromote, Node: id})
	if err == nil {
		c.events.Add(Event{Node: id, Kind: EventMember, Text: fmt.Sprintf("%d promoted to voter (entry %d)", id, r.Index)})
	}
	return r, err
}

// proposeConf proposes cc on the leader and waits until the entry is
// committed and applied there. It waits for a leader if there is none,
// and, right after an election, for the new leader's first commit (Raft
// refuses changes before it). Any other refusal returns at once. A
// leader that another replaces in a later term while it waits (one just
// cut off from the majority, whose entry can never commit there) is given
// up, and the change proposed again to the new one, as a client's write
// is; the node of an add joins the side of each leader asked.
func (c *Cluster) proposeConf(ctx context.Context, cc raft.ConfChange) (Result, error) {
	taken := false // some leader took the change into its log: it may commit there yet
	notTaken := func(err error) error {
		if taken {
			return err
		}
		return notProposed{err}
	}
	for {
		// Any node that leads will do, even one without a majority now:
		// its answer (a refusal, or a change that waits for the majority
		// to come back) is the truth about the cluster.
		var lead uint64
		if st := c.Status(); st.Frozen && someLeader(st) == 0 {
			return Result{}, errFrozenNoLeader
		}
		_, err := c.WaitFor(ctx, func(st Status) bool { lead = someLeader(st); return lead != 0 })
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				// Said in words: "no leader: context deadline exceeded"
				// reached the user.
				err = timedOut{err}
			}
			return Result{}, fmt.Errorf("no leader: %w", notTaken(err))
		}
		n := c.node(lead)
		if n == nil {
			continue
		}
		if cc.Op == raft.ConfAddLearner {
			c.joinLeadersSide(cc.Node, lead)
		}
		done := make(chan proposeResult, 1)
		var perr error
		var idx, term uint64
		var holds bool
		if err := n.do(func() {
			if m, at := n.core.Membership(); taken && confHolds(m, cc) {
				// The leader given up on had sent the entry on, and this
				// one holds it: it is this change, to wait for, not to
				// make again (refused: already a member).
				holds, idx = true, at
				return
			}
			idx, term, perr = n.core.ProposeConfChange(cc)
			if perr == nil {
				n.wait(idx, term, done)
				n.publish(time.Now()) // a status read after this call shows the change pending
			}
		}); err != nil {
			continue // the leader went down: ask the next one
		}
		if holds {
			// Until it commits, or a leader whose configuration lacks it
			// (the entry replaced: a leader elected without it) is asked
			// to make it again.
			var gone bool
			_, err := c.WaitFor(ctx, func(st Status) bool {
				gone = st.Leader != 0 && !confHolds(st.Membership, cc)
				return gone || !st.ConfPending && confHolds(st.Membership, cc)
			})
			if gone && err == nil {
				continue
			}
			return Result{Index: idx}, err
		}
		if perr != nil {
			if err := refused(perr, c.Frozen()); err != nil {
				return Result{}, err
			}
			if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
				return Result{}, notTaken(errors.Join(perr, err))
			}
			continue
		}
		taken = true
		if c.Frozen() {
			// Frozen, nothing commits but by the learner's steps: the
			// change is under way, and the steps carry it (waiting, the
			// wall clock ran out while the cluster's stood still).
			return Result{Index: idx, Term: term}, &PendingError{Op: cc.Op, Node: cc.Node, Index: idx}
		}
		r, err := n.await(ctx, done, leaderCheck{c, n})
		if err != nil && ctx.Err() == nil {
			// Deposed, down (crashed, its disk full), or its entry
			// replaced: the entry may be held by the next leader, which
			// then commits it (waited for above), or is not, and the
			// change goes to that leader (it failed "node is down" when
			// the leader crashed, its entry committed by the next).
			continue
		}
		return r, err
	}
}

// confHolds reports whether membership m already is what cc makes.
func confHolds(m raft.Membership, cc raft.ConfChange) bool {
	switch cc.Op {
	case raft.ConfAddLearner:
		return m.IsMember(cc.Node)
	case raft.ConfPromote:
		return m.IsVoter(cc.Node)
	case raft.ConfRemove:
		return !m.IsMember(cc.Node)
	}
	return false
}

// confCheck asks the leader whether it would take cc now, and returns the
// error that ends the change if it would not. nil when it would, and when
// there is no leader to ask or its refusal passes by itself (proposeConf
// waits those out). When the leader would take it, commit is the leader's
// commit index then (0: not asked): it holds every change before cc,
// which are committed (one change at a time).
func (c *Cluster) confCheck(ctx context.Context, cc raft.ConfChange) (uint64, error) {
	st := c.Status()
	lead := someLeader(st)
	if lead == 0 && st.Frozen {
		return 0, errFrozenNoLeader
	}
	n := c.node(lead)
	if n == nil {
		return 0, nil
	}
	// Read only once doCtx has returned nil: out of time, the loop may
	// still run the function later.
	var perr error
	var commit uint64
	if err := n.doCtx(ctx, func() {
		perr = n.core.CheckConfChange(cc)
		commit = n.core.Status().Commit
	}); err != nil {
		return 0, nil // down, or out of time: proposeConf finds out
	}
	if perr == nil {
		return commit, nil
	}
	return 0, refused(perr, c.Frozen())
}

// refused returns the error a membership change ends with when the
// leader refuses it with perr, or nil when the refusal passes by itself
// and is waited out: a node that no longer leads, a new leader that has
// not committed an entry of its term yet, a transfer under way. Frozen,
// only the steps lift those last two, and waiting would only run out the
// wall clock: they end the change too, and say which steps lift them.
func refused(perr error, frozen bool) error {
	var how string
	switch {
	case errors.Is(perr, raft.ErrNotLeader):
		return nil
	case errors.Is(perr, raft.ErrTransferring):
		if !frozen {
			return nil
		}
		how = " (the cluster is frozen: step until the transfer completes, then try again)"
	case notReady(perr):
		if !frozen {
			return nil
		}
		how = " (the cluster is frozen: step until it commits one, its no-op entry, then try again)"
	case errors.Is(perr, raft.ErrConfPending) && frozen:
		how = " (the cluster is frozen: step until it commits, or thaw, then try again)"
	case errors.Is(perr, raft.ErrConfPending):
		how = " (wait config shows when it has, then try again)"
	}
	return fmt.Errorf("%w%s", notProposed{perr}, how)
}

// timedOut is a context deadline said in words.
type timedOut struct{ err error }

func (e timedOut) Error() string { return "none was elected in the time allowed" }
func (e timedOut) Unwrap() error { return e.err }

// errFrozenNoLeader is the error of a membership change asked for when
// the cluster is frozen with no leader: only steps elect one.
var errFrozenNoLeader = notProposed{errors.New("no leader, and the cluster is frozen: only steps elect one (timeout N, then deliver the votes)")}

// PendingError says that a membership change is in the leader's log but
// not committed, because the cluster is frozen: the steps carry it (the
// node of a removal stops, a promoted learner votes, once it commits).
type PendingError struct {
	Op    raft.ConfChangeOp
	Node  uint64
	Index uint64
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("%s %d: entry %d appended; the cluster is frozen, and the steps carry it", e.Op, e.Node, e.Index)
}

// notProposed wraps the error of a proposeConf that ended before any
// leader took the change: no entry of it is in any log.
type notProposed struct{ err error }

func (e notProposed) Error() string { return e.err.Error() }
func (e notProposed) Unwrap() error { return e.err }

// wasNotProposed reports whether err says the change was never proposed.
func wasNotProposed(err error) bool {
	var np notProposed
	return errors.As(err, &np)
}

// notReady reports a refusal that passes by itself: a new leader that has
// not committed an entry of its term yet.
func notReady(err error) bool {
	return errors.Is(err, raft.ErrLeaderNotReady)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// TransferResult is what Transfer did.
type TransferResult struct {
	From, To uint64
	Term     uint64        // the new leader's term
	Took     time.Duration // from the request to the new leader known
	// Frozen: the cluster was frozen when the leader took the request
	// (StartTransfer: the steps carry it out).
	Frozen bool
	// Already: To led already (From is To): nothing was transferred. A
	// script that makes a node the leader runs the same whichever node
	// the first election chose (it failed when that was the one named).
	Already bool
}

// Transfer hands leadership to voter to (0: the follower whose log is most
// up to date) and waits until it leads. The leader refuses new writes
// while it hands over; the transfer is abandoned after an election
// timeout if it cannot complete (the target cut off, say).
func (c *Cluster) Transfer(ctx context.Context, to uint64) (TransferResult, error) {
	return c.transfer(ctx, to, true)
}

// StartTransfer is Transfer without the wait: it returns once the leader
// has taken the request. Frozen, the steps then carry it out (catch-up,
// TimeoutNow, the election); waiting would only run out of time, and the
// transfer then happen after the thaw.
func (c *Cluster) StartTransfer(to uint64) (TransferResult, error) {
	return c.transfer(context.Background(), to, false)
}

func (c *Cluster) transfer(ctx context.Context, to uint64, wait bool) (TransferResult, error) {
	st := c.FreshStatus()
	l, ok := st.Node(st.Leader)
	if !ok {
		return TransferResult{}, errors.New("cluster: no leader to transfer from")
	}
	if to == 0 {
		to = bestSuccessor(st, l)
		if to == 0 {
			return TransferResult{}, errors.New("cluster: no live voter to transfer leadership to")
		}
	}
	if to == l.ID {
		return TransferResult{From: l.ID, To: l.ID, Term: l.Term, Frozen: c.Frozen(), Already: true}, nil
	}
	if t, ok := st.Node(to); ok && !t.Live() {
		return TransferResult{}, fmt.Errorf("cluster: node %d is %s: it cannot take over", to, t.State)
	}
	if to > uint64(len(st.Nodes)) {
		return TransferResult{}, fmt.Errorf("cluster: no node %d", to)
	}
	n := c.node(l.ID)
	if n == nil {
		return TransferResult{}, fmt.Errorf("cluster: leader %d is down", l.ID)
	}
	start := time.Now()
	var terr error
	if err := n.do(func() {
		terr = n.core.TransferLeadership(to)
		n.publish(time.Now()) // its status names the transferee from now on
	}); err != nil {
		return TransferResult{}, err
	}
	if terr != nil {
		return TransferResult{}, terr
	}
	res := TransferResult{From: l.ID, To: to, Frozen: c.Frozen()}
	if !wait {
		return res, nil
	}
	aborted := false
	var other Status // another node won instead
	done, err := c.WaitFor(ctx, func(st Status) bool {
		if st.Leader == to {
			return true
		}
		if st.Leader != 0 && st.Term > l.Term {
			other = st
			return true
		}
		// The core abandons a transfer after an election timeout: the
		// old leader then leads on in its term with no transferee. (While
		// the target campaigns, the old leader still leads, its
		// transferee named, until the vote request reaches it: with slow
		// disks that takes the target's fsync, tens of milliseconds.)
		if f, ok := st.Node(l.ID); ok && f.Role == "leader" && f.Term == l.Term && f.Transferee == 0 && f.Updated.After(start) {
			aborted = true
			return true
		}
		return false
	})
	switch {
	case err != nil:
		now := "no node leads now"
		if st := c.Status(); st.Leader != 0 {
			now = fmt.Sprintf("%d leads now, at term %d", st.Leader, st.Term)
		}
		return res, fmt.Errorf("transfer to %d did not complete in time: %s", to, now)
	case other.Leader != 0:
		return res, fmt.Errorf("transfer to %d did not happen: %d won an election at term %d instead", to, other.Leader, other.Term)
	case aborted:
		why := ""
		if st := c.Status(); !Delivers(st.Faults, l.ID, to) {
			why = fmt.Sprintf(" (nothing %d sends reaches it: %s)", l.ID, blocked(st.Faults, l.ID, to))
		} else if !Delivers(st.Faults, to, l.ID) {
			why = fmt.Sprintf(" (its answers do not reach %d: %s)", l.ID, blocked(st.Faults, to, l.ID))
		}
		return res, fmt.Errorf("transfer to %d aborted: it did not win within an election timeout%s; %d still leads", to, why, l.ID)
	}
	res.Term, res.Took = done.Term, time.Since(start)
	c.events.Add(Event{Node: to, Term: done.Term, Kind: EventMember, Text: fmt.Sprintf("leadership transferred from %d to %d in %s", l.ID, to, res.Took.Round(time.Millisecond))})
	return res, nil
}

// bestSuccessor is the live voter whose log the leader knows to be most
// up to date (0: none).
func bestSuccessor(st Status, l NodeStatus) uint64 {
	var best, match uint64
	for _, id := range votersOf(l.Membership, st.Nodes) {
		p, ok := l.Progress[id]
		n, up := st.Node(id)
		if id == l.ID || !ok || !up || !n.Live() {
			continue
		}
		if best == 0 || p.Match > match {
			best, match = id, p.Match
		}
	}
	return best
}

// someLeader is the cluster's leader, or else the live node that believes
// it leads at the highest term (0: none).
func someLeader(st Status) uint64 {
	if st.Leader != 0 {
		return st.Leader
	}
	var id, term uint64
	for _, n := range st.Nodes {
		if n.Live() && n.Role == "leader" && n.Term >= term {
			id, term = n.ID, n.Term
		}
	}
	return id
}

// joinLeadersSide puts a new node on the leader's side of a partition in
// force (it joins through the leader; a node no group names would be cut
// off from every group).
func (c *Cluster) joinLeadersSide(id, lead uint64) {
	groups := c.faults.Table().Groups
	if len(groups) == 0 {
		return
	}
	side := 0
	for i, g := range groups {
		if slices.Contains(g, lead) {
			side = i
		}
	}
	if slices.Contains(groups[side], id) {
		return // there already (an add asking the same leader again)
	}
	for i := range groups {
		groups[i] = slices.DeleteFunc(groups[i], func(n uint64) bool { return n == id })
	}
	groups[side] = append(groups[side], id)
	slices.Sort(groups[side]) // shown as 1,2,3,5, not 1,2,5,3
	c.faults.Partition(groups)
	c.events.Add(Event{Node: id, Kind: EventFault, Text: fmt.Sprintf("%d placed on the leader's side of the partition: %s", id, formatGroups(groups))})
}

// outOfTime is a membership change whose context ended before its entry
// committed: a sentence for people that still unwraps to the context's
// error.
type outOfTime struct {
	msg string
	err error
}

func (e outOfTime) Error() string { return e.msg }
func (e outOfTime) Unwrap() error { return e.err }
