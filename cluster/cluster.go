package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"raftplay/raft"
	"raftplay/transport"
	"raftplay/wal"
)

// MaxNodes is the largest cluster the playground runs.
const MaxNodes = 9

// Options configures a cluster.
type Options struct {
	Nodes       int    // 1..MaxNodes
	DataDir     string // root directory; node N keeps its files in DataDir/node-N
	Timing      Timing // zero means PaperTiming
	Seed        uint64 // seeds every node's election timer source; 0 picks one
	PreVote     bool
	CheckQuorum bool
	// SnapshotEvery makes every node snapshot its key-value store and
	// compact its log each time it has applied this many entries since its
	// last snapshot (0: only on demand, with Snapshot).
	SnapshotEvery uint64
	ClusterID     uint64 // 0 picks one at random
	// BasePort, when not 0, fixes the ports: node N listens for Raft on
	// 127.0.0.1:BasePort+2(N-1) and for HTTP on the port after it. When 0,
	// the OS picks free ports.
	BasePort int
	WAL      wal.Options
	Clock    func() time.Time // for events; default time.Now

	// UnsafeSkipVoteLogCheck breaks every node's vote check on purpose (see
	// raft.Config): only for proving that the safety checks catch a broken
	// Raft. Never use it otherwise.
	UnsafeSkipVoteLogCheck bool

	// AllowFailed starts a cluster that ran before even when some of its
	// nodes cannot start (a damaged WAL, a busy port): those stay down,
	// StateFailed with the cause, as a failed restart leaves one, and
	// `restart N` retries. Without it Start fails (a run with fewer nodes
	// than asked for would mislead). A new cluster always starts whole.
	AllowFailed bool
}

// slot is one node position in the cluster, kept across crashes.
type slot struct {
	id          uint64
	dir         string
	raftAddr    string
	httpAddr    string
	node        *node       // nil when crashed or failed
	last        *NodeStatus // what the node last published before it went down
	state       NodeState
	err         error
	incarnation int
	joined      bool // added to a running cluster: no bootstrap membership (membership.go)
	adding      bool // an add of it is running (NodeStatus.Outside)
	// joinAfter is, for a node added in this run, the newest configuration
	// entry applied when it started: a removal at or before it removed an
	// earlier node of its id, not this one (retire).
	joinAfter uint64
	// joinTerm is, for a node added in this run, the term the cluster had
	// reached when it started (its leader's, else the highest a node had:
	// joinTerm): it starts at that term (node.open), not 0 (see Cluster.Add).
	joinTerm uint64
	// joinedAfter is, for a node added to a running cluster, an index
	// committed before the change adding it was proposed, kept in its
	// JOINED marker (raft.Config.JoinedAfter).
	joinedAfter uint64
	removedAt   uint64 // the entry whose commit retired it (0: not retired so, in this run)
	powerLost   bool   // down because its power was cut (disk.go), not crashed
	damaged     string // down with the WAL damage corrupt left, which keeps it from starting (NodeStatus.Damaged)

	// The node's disk (disk.go): every WAL file operation goes through fs,
	// which knows what is durable; the settings of the disk faults.
	fs        *wal.FaultFS
	diskDelay time.Duration
	diskFull  bool
	skipFsync bool
}

// Cluster runs N nodes in this process, each with its own WAL directory and
// its own TCP ports on 127.0.0.1, and lets the caller break them.
type Cluster struct {
	opts     Options
	dataLock *os.File // the data directory's LOCK, held while the cluster runs
	faults   *transport.Faults
	events   *EventLog
	monitor  *Monitor
	trace    *MsgTrace
	stall    *stallWatch   // held from the nodes' start to Close
	up       []atomic.Bool // by id-1: the node runs (for the trace's "node down")
	heldSeq  atomic.Uint64

	pub sync.RWMutex // nodes store statuses under its read side; Status loads them under the write side

	// The committed configurations, as the nodes apply them (confApplied):
	// a node that one held and a newer one does not is retired then,
	// whoever removed it and however long that took.
	confMu    sync.Mutex
	confIndex uint64          // the newest configuration entry applied
	members   map[uint64]bool // the nodes a configuration has held
	// everMember: the nodes any committed configuration of this run (or
	// one found at start) has held; a node of an id added again is new,
	// and leaves it (NodeStatus.Outside).
	everMember map[uint64]bool
	// newestAtStart is the newest configuration any log held at start.
	newestAtStart appliedConf
	// retiring counts the retirings confApplied started that have not
	// returned: one that finds the node added since does nothing visible,
	// and a test waits for it to be over before it says so.
	retiring atomic.Int32

	// created is the size the cluster was created with: its nodes 1 to
	// created are the bootstrap configuration (nodeConfig), whichever of
	// them were removed and added again since (they say JOINED).
	created int

	mu          sync.Mutex // guards everything below
	slots       []*slot
	timing      Timing
	preVote     bool
	checkQuorum bool
	snapEvery   uint64
	closed      bool
	frozen      bool
	load        *loadGen
	// loadMu makes StartLoad and StopLoad one at a time, so that the load's
	// clients, kept across them (loadClients), serve one generator at once.
	loadMu      sync.Mutex
	loadClients []*Client
	written     atomic.Uint64
	rng         *rand.Rand
}

// CheckDataDir reports a data directory that is one node's directory, not
// a cluster's: it holds a node's log, or it is named like a node's
// directory and the one above it holds a cluster. Start checks the same;
// a command checks its --data flag with it before it starts anything.
func CheckDataDir(dir string) error {
	if wal.HasLog(dir) {
		return errors.New("holds the log of one node: name the directory above it, which holds node-1, node-2, ...")
	}
	if parent := filepath.Dir(filepath.Clean(dir)); nodeDirName.MatchString(filepath.Base(filepath.Clean(dir))) &&
		(fileExists(filepath.Join(parent, clusterFile)) || fileExists(filepath.Join(parent, wal.LockName))) {
		return fmt.Errorf("is a node's directory of the cluster in %s: name that one", parent)
	}
	return nil
}

// Start creates the data directories and starts every node.
func Start(opts Options) (*Cluster, error) {
	if opts.Nodes < 1 || opts.Nodes > MaxNodes {
		return nil, fmt.Errorf("cluster: %d nodes: want 1 to %d", opts.Nodes, MaxNodes)
	}
	if opts.Timing == (Timing{}) {
		opts.Timing = PaperTiming
	}
	if err := opts.Timing.Validate(); err != nil {
		return nil, err
	}
	if opts.DataDir == "" {
		return nil, errors.New("cluster: no data directory")
	}
	if opts.BasePort != 0 && (opts.BasePort < 1024 || opts.BasePort+2*opts.Nodes > 65536) {
		return nil, fmt.Errorf("cluster: base port %d: want 1024 to %d for %d nodes", opts.BasePort, 65536-2*opts.Nodes, opts.Nodes)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	seedRNG := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	if opts.Seed == 0 {
		seedRNG = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if opts.ClusterID == 0 {
		opts.ClusterID = seedRNG.Uint64() | 1
	}
	if err := MkdirAllDurable(opts.DataDir); err != nil {
		return nil, fmt.Errorf("cluster: data directory: %w", err)
	}
	if err := CheckDataDir(opts.DataDir); err != nil {
		return nil, fmt.Errorf("cluster: data directory %s %w", opts.DataDir, err)
	}
	// One run per data directory, decided before anything in it is looked
	// at: two runs starting together on a new directory both took its
	// nodes for new, and the one that then lost a node's lock removed that
	// node's directory, which the other was writing.
	lockPath := filepath.Join(opts.DataDir, wal.LockName)
	hadLock := fileExists(lockPath)
	lock, err := wal.LockDir(opts.DataDir)
	if err != nil {
		var le *wal.LockedError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("cluster: data directory %s is in use by %s (another raftplay on it?); two runs on one directory would destroy its logs", opts.DataDir, le.Holder())
		}
		return nil, fmt.Errorf("cluster: data directory: %w", err)
	}
	started := false
	defer func() {
		if !started {
			if !hadLock {
				os.Remove(lockPath) // a failed start leaves nothing it made
			}
			lock.Close()
		}
	}()
	c := &Cluster{
		opts:        opts,
		faults:      transport.NewFaults(seedRNG.Uint64()),
		events:      NewEventLog(16384, opts.Clock),
		timing:      opts.Timing,
		preVote:     opts.PreVote,
		checkQuorum: opts.CheckQuorum,
		snapEvery:   opts.SnapshotEvery,
		rng:         seedRNG,
		trace:       NewMsgTrace(MsgTraceSize, opts.Clock),
		up:          make([]atomic.Bool, MaxNodes),
	}
	c.monitor = NewMonitor(c.events)
	if err := CheckClusterFile(opts.DataDir); err != nil {
		return nil, err
	}
	if err := CheckIDFile(opts.DataDir); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	// Nodes added in an earlier run on this data directory come back with
	// it, and removed ones stay removed (membership.go).
	nodes := max(opts.Nodes, NodesOnDisk(opts.DataDir))
	for i := 1; i <= nodes; i++ {
		c.slots = append(c.slots, c.newSlot(uint64(i)))
	}
	if err := checkNodeDirs(c.slots); err != nil {
		return nil, err
	}
	if err := checkNoAmnesia(c.slots, opts.DataDir, opts.AllowFailed); err != nil {
		return nil, err
	}
	// Open every node first so all addresses are known, then start them.
	// Start-up is all or nothing: if any node cannot open, the ones opened
	// so far (whose loops never ran) are closed, what this Start wrote in
	// the directories of nodes that had no log is removed (empty logs only;
	// left, they would fix the cluster's size for the next start on this
	// data directory), and Start says which node failed and why.
	var fresh []freshDir
	for _, s := range c.slots {
		if s.state != StateRemoved && !wal.HasLog(s.dir) {
			fresh = append(fresh, newFreshDir(s.dir))
		}
	}
	// A new cluster records its size before any node writes: a kill in
	// the middle of the first start (no undo then) left node-1's empty log
	// alone, and the next run took it for a one-node cluster. A start
	// that fails removes it with the rest.
	newCluster := len(fresh) == len(c.slots) && createdSize(opts.DataDir) == 0
	if newCluster {
		recordSize(opts.DataDir, len(c.slots))
	}
	var sizeHow string
	c.created, sizeHow = createdSizeOf(opts.DataDir, c.slots)
	if sizeHow != "" {
		c.events.Add(Event{Kind: EventSetting, Text: fmt.Sprintf("%s records no creation size (made by an older raftplay): the cluster's is taken as %d nodes, %s", opts.DataDir, c.created, sizeHow)})
	}
	c.stall = stalls
	c.stall.acquire() // Close releases it
	for _, s := range c.slots {
		if s.state == StateRemoved {
			continue
		}
		if s.state == StateFailed { // its log is gone (checkNoAmnesia, AllowFailed)
			c.failedAtStart(s, fmt.Sprintf("remove %d, then add %d, replaces it", s.id, s.id))
			continue
		}
		n, err := openNode(c.nodeConfig(s))
		var se *StartError
		if err != nil && !newCluster && errors.As(err, &se) {
			se.Existing = true
			if opts.AllowFailed {
				s.state, s.err = StateFailed, err
				c.failedAtStart(s, fmt.Sprintf("restart %d retries; remove %d, then add %d, replaces it", s.id, s.id, s.id))
				continue
			}
		}
		if err != nil {
			c.Close()
			for _, f := range fresh {
				f.undo()
			}
			if newCluster {
				os.Remove(filepath.Join(opts.DataDir, clusterFile))
			}
			return nil, err
		}
		s.node, s.state = n, StateUp
		c.up[s.id-1].Store(true)
		s.raftAddr, s.httpAddr = n.tr.Addr(), n.hl.Addr().String()
	}
	if err := c.settleMembership(); err != nil {
		c.Close()
		return nil, err
	}
	for _, s := range c.slots {
		for _, o := range c.slots {
			if o != s && s.node != nil && o.node != nil {
				s.node.tr.SetPeer(o.id, o.raftAddr)
			}
		}
	}
	running, failedN := 0, 0
	var failed []error
	for _, s := range c.slots {
		if s.node != nil {
			running++
		} else if s.state == StateFailed {
			failedN++
			if s.err != nil {
				failed = append(failed, s.err)
			}
		}
	}
	if running == 0 && len(failed) > 0 {
		c.Close() // AllowFailed, and not one node could start: no cluster
		return nil, &NoneStartedError{Failed: failed}
	}
	if failedN > 0 && 2*running <= running+failedN {
		c.events.Add(Event{Kind: EventError, Text: fmt.Sprintf("only %d of %d nodes started: fewer than a majority, so no leader can be elected and nothing commits until enough of the others are fixed and restarted (remove and add need a leader)", running, running+failedN)})
	}
	for _, s := range c.slots {
		if s.node != nil {
			s.node.start()
		}
	}
	noun := "nodes"
	if running == 1 {
		noun = "node"
	}
	c.events.Add(Event{Kind: EventSetting, Text: fmt.Sprintf("cluster of %d %s started: %v", running, noun, opts.Timing)})
	// What a --data directory held, node by node: the dashboard on a
	// reused directory said nothing of it (the cards jumped to term 14).
	// Under c.mu: the nodes run already, and one they retire (confApplied)
	// has its slot's node set to nil under it.
	c.mu.Lock()
	for _, s := range c.slots {
		if n := s.node; n != nil && n.found != "" {
			c.events.Add(Event{Node: s.id, Kind: EventSetting, Text: fmt.Sprintf("%d started from its files: %s", s.id, n.found)})
		}
	}
	c.mu.Unlock()
	recordSize(opts.DataDir, c.created)
	c.recordCreated(c.created)
	c.recordID()
	started, c.dataLock = true, lock // a failed start undoes its writes before it lets go
	return c, nil
}

// failedAtStart tells that the node of slot s, failed with s.err, stays
// down (Options.AllowFailed), and what brings it back (hint).
func (c *Cluster) failedAtStart(s *slot, hint string) {
	c.events.Add(Event{Node: s.id, Kind: EventError, Text: fmt.Sprintf("%d could not start: %s; it stays down (%s)",
		s.id, strings.TrimPrefix(s.err.Error(), fmt.Sprintf("node %d could not start: ", s.id)), hint)})
}

// nodeDirName matches the name of a node's directory in a data directory.
var nodeDirName = regexp.MustCompile(`^node-[0-9]+$`)

// freshDir is the directory of a node that has no log yet, as it was
// before a start: absent, or holding the names in had.
type freshDir struct {
	dir    string
	absent bool
	had    map[string]bool
}

func newFreshDir(dir string) freshDir {
	f := freshDir{dir: dir, had: map[string]bool{}}
	// Lstat, not ReadDir: a symbolic link to a missing path reads as
	// absent, and undo would delete the user's link.
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		f.absent = true
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		f.had[e.Name()] = true
	}
	return f
}

// undo removes what a failed start wrote in f's directory: the whole
// directory when it did not exist, else the files it did not hold.
func (f freshDir) undo() {
	if f.absent {
		os.RemoveAll(f.dir)
		return
	}
	ents, _ := os.ReadDir(f.dir)
	for _, e := range ents {
		if !f.had[e.Name()] {
			os.RemoveAll(filepath.Join(f.dir, e.Name()))
		}
	}
}

// checkNodeDirs reports the first node whose directory is there but cannot
// hold its files (dirProblem), before anything is written: without a
// readable log it would otherwise pass for a node that lost its files.
func checkNodeDirs(slots []*slot) error {
	for _, s := range slots {
		if s.state == StateRemoved {
			continue
		}
		if p := NodeDirProblem(s.dir); p != "" {
			return &StartError{Node: s.id, Dir: s.dir, Err: fmt.Errorf("its directory %s %s", s.dir, p)}
		}
	}
	return nil
}

// NodeDirProblem says what is wrong with a node's directory that is there
// but is not a directory it can read ("is a file, not a directory: ..."),
// or "" when it is one, or is not there (a new node's: it is created).
func NodeDirProblem(dir string) string {
	lst, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		return readProblem(err)
	}
	st, err := os.Stat(dir)
	switch {
	case err != nil && lst.Mode()&fs.ModeSymlink != 0 && errors.Is(err, fs.ErrNotExist):
		target, _ := os.Readlink(dir)
		return fmt.Sprintf("is a symbolic link to a missing path (%s): restore its target, or remove the link", target)
	case err != nil:
		return readProblem(err)
	case !st.IsDir():
		return "is a file, not a directory: move the file away"
	}
	if _, err := os.ReadDir(dir); err != nil {
		return readProblem(err)
	}
	if fileExists(filepath.Join(dir, clusterFile)) {
		return "holds a cluster of its own (its " + clusterFile + " file): it is another run's --data, not a node's directory"
	}
	return ""
}

// readProblem tells an error reading a node's directory: "cannot be read
// (permission denied)".
func readProblem(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("cannot be read (%v)", err)
}

// checkNoAmnesia refuses to start a cluster in which some nodes have a log
// and others have none: a node that ran before and lost its files would
// start empty, forgetting its votes and acknowledged entries.
func checkNoAmnesia(slots []*slot, dataDir string, allowFailed bool) error {
	with, without := lostLogs(slots)
	if len(without) == 0 {
		return nil
	}
	if allowFailed {
		// Those nodes stay down, FAILED, as a node that cannot start does
		// (Options.AllowFailed): remove and add replace one.
		for _, s := range slots {
			if slices.Contains(without, fmt.Sprint(s.id)) {
				s.state = StateFailed
				s.err = &StartError{Node: s.id, Dir: s.dir, Existing: true, Err: fmt.Errorf("its log is gone from %s: starting it empty would make it forget the votes and entries it had (amnesia), which can break Raft's safety", s.dir)}
			}
		}
		return nil
	}
	those, them, they, their := "those", "them", "they", "their"
	if len(without) == 1 {
		those, them, they, their = "it", "it", "it", "its"
	}
	// A node whose directory is not there at all is counted in by the
	// size a file records: name that file (a node-2/CREATED that said
	// "nodes 7" sent the user looking for nodes 4 to 7, the file unnamed).
	says := ""
	for _, id := range without {
		if _, err := os.Lstat(filepath.Join(dataDir, "node-"+id)); errors.Is(err, fs.ErrNotExist) {
			if size, from := CreatedSize(dataDir); from != "" {
				says = fmt.Sprintf(" (%s says the cluster was created with %d nodes)", from, size)
			}
			break
		}
	}
	return fmt.Errorf("cluster: %s holds the logs of node %s but not of node %s%s: starting %s empty would make %s forget the votes and entries %s had (amnesia), which can break Raft's safety; put %s files back; or start with --allow-failed, which leaves %s down, and replace %s (remove N, then add N); or start from an empty data directory",
		dataDir, strings.Join(with, ", "), strings.Join(without, ", "), says, those, them, they, their, them, them)
}

// lostLogs returns the nodes of slots whose log is gone (without) while
// the logs of others (with) hold something; none when no log is gone or
// none holds anything.
func lostLogs(slots []*slot) (with, without []string) {
	for _, s := range slots {
		if s.state == StateRemoved || s.joined {
			continue // removed: no files by design; joined: may not have received anything yet
		}
		if wal.HasLog(s.dir) {
			with = append(with, fmt.Sprint(s.id))
		} else {
			without = append(without, fmt.Sprint(s.id))
		}
	}
	if len(with) == 0 || len(without) == 0 || !anyHolds(slots, with) {
		return nil, nil
	}
	return with, without
}

// LostLogs returns, of the nodes 1..n of the cluster in dataDir, those
// whose log is gone (without) while the logs of others (with) hold
// something: a start refuses to run the first empty (amnesia). raftplay
// wal reports them as a start would.
func LostLogs(dataDir string, n int) (with, without []string) {
	c := &Cluster{opts: Options{DataDir: dataDir}}
	slots := make([]*slot, 0, n)
	for id := 1; id <= n; id++ {
		slots = append(slots, c.newSlot(uint64(id)))
	}
	return lostLogs(slots)
}

// anyHolds reports whether any of the nodes ids (of slots) holds anything in
// its log: a hard state, an entry or a snapshot. A log with none (a start
// killed before the node wrote anything) has nothing to forget.
func anyHolds(slots []*slot, ids []string) bool {
	for _, s := range slots {
		if !slices.Contains(ids, fmt.Sprint(s.id)) {
			continue
		}
		r, err := wal.Inspect(s.dir)
		if err != nil || len(r.Snapshots) > 0 {
			return true
		}
		for _, seg := range r.Segments {
			if len(seg.Records) > 0 {
				return true
			}
		}
	}
	return false
}

// nodeConfig builds the configuration for slot s; c.mu is held or the cluster is starting.
func (c *Cluster) nodeConfig(s *slot) nodeConfig {
	// The bootstrap membership: the nodes the cluster was created with
	// (removed ones included, and ones removed and added again since: they
	// say JOINED, but a log without configuration entries was written in
	// the configuration that counts them). The logs' configuration entries
	// override it; a node that joined later has none. Left out, with every
	// other id added again, a follower crashed before the first change
	// restarted in a configuration of itself alone and elected itself.
	var peers []uint64
	addrs := map[uint64]string{}
	for _, o := range c.slots {
		if o.id <= uint64(c.created) && !s.joined {
			peers = append(peers, o.id)
		}
		if o != s && o.raftAddr != "" && o.state != StateRemoved {
			addrs[o.id] = o.raftAddr
		}
	}
	return nodeConfig{
		id:          s.id,
		peers:       peers,
		dir:         s.dir,
		raftAddr:    s.raftAddr,
		httpAddr:    s.httpAddr,
		peerAddrs:   addrs,
		clusterID:   c.opts.ClusterID,
		faults:      c.faults,
		timing:      c.timing,
		preVote:     c.preVote,
		checkQuorum: c.checkQuorum,
		seed:        c.rng.Uint64(),
		incarnation: s.incarnation,
		snapEvery:   c.snapEvery,
		events:      c.events,
		monitor:     c.monitor,
		leaderHTTP:  c.httpAddrOf,
		written:     &c.written,
		walOpts:     s.walOptions(c.opts.WAL),
		unsafeVote:  c.opts.UnsafeSkipVoteLogCheck,
		pub:         &c.pub,
		trace:       c.trace,
		stall:       c.stall,
		down:        c.isDown,
		heldSeq:     &c.heldSeq,
		frozen:      c.frozen,
		joinTerm:    s.joinTerm,
		joinedAfter: s.joinedAfter,

		clusterStatus: c.FreshStatus,
		confApplied:   c.confApplied,
	}
}

// confApplied is told of each configuration entry a node applies (it is
// committed): the nodes an earlier configuration held and m does not are
// retired, as Remove does once its entry commits. That covers a removal
// whose Remove gave up before the entry committed (a partition held it
// back): the node would have gone on running outside the cluster. Called
// on a node's loop, so the retiring runs apart.
func (c *Cluster) confApplied(index, term uint64, m raft.Membership) {
	c.confMu.Lock()
	if index <= c.confIndex {
		c.confMu.Unlock()
		return
	}
	c.confIndex = index
	var gone []uint64
	later := c.newestAtStart
	for id := range c.members {
		if !m.IsMember(id) {
			delete(c.members, id)
			// Added back by a later entry, in a log since the start?
			// Not by one of an earlier term than this committed entry:
			// no such entry after it can ever commit (a deposed
			// leader's stale one shielded a removed node for good).
			if later.index > index && later.term >= term && later.m.IsMember(id) {
				continue
			}
			gone = append(gone, id)
		}
	}
	for _, id := range m.Members() {
		c.members[id], c.everMember[id] = true, true
	}
	c.confMu.Unlock()
	for _, id := range gone {
		c.retiring.Add(1)
		go func() {
			defer c.retiring.Add(-1)
			c.retire(id, index)
		}()
	}
}

// settleMembership, at start (the nodes opened, none started), finds the
// nodes the configurations hold, as the logs and snapshots left them, and
// retires at once every node that the newest configuration drops when it
// is committed: a removal an earlier run did not carry out (killed between
// the commit and the retiring, or committed after its Remove gave up),
// whose entry may be compacted into the others' snapshots, so that no
// entry applied again would carry it out. From then on every
// configuration entry applied, replayed from a log or new, retires the
// running nodes it drops (confApplied), unless the newest configuration at
// start, later than it, keeps them: a node removed and added back keeps
// running and keeps its files.
func (c *Cluster) settleMembership() error {
	confs := map[uint64]appliedConf{} // each node's configuration, as its log left it
	var newestTerm uint64             // the term of the newest configuration's entry
	for _, s := range c.slots {
		if s.node == nil {
			continue
		}
		st := s.node.core.Status()
		// A configuration entry at or before the snapshot is compacted:
		// the snapshot's configuration is the one in force at its index
		// (as NodeStatus.ConfAsOf).
		at := max(st.ConfIndex, st.SnapshotIndex)
		term, _ := s.node.core.Term(at)
		confs[s.id] = appliedConf{index: at, term: term, m: st.Membership}
		if at > c.newestAtStart.index || c.newestAtStart.m.IsEmpty() {
			newestTerm = term
			c.newestAtStart = confs[s.id]
		}
	}
	newest := c.newestAtStart
	committed := c.committedAtStart(newest.index, newestTerm)
	// A voter of the configuration the logs hold whose directory is gone
	// altogether (an added node's: nothing else records it) would run as
	// if it had never been; the start refuses, as for any lost log.
	for _, id := range newest.m.Voters {
		if id > uint64(len(c.slots)) {
			dir := filepath.Join(c.opts.DataDir, fmt.Sprintf("node-%d", id))
			return fmt.Errorf("cluster: the configuration in the nodes' logs (%s, as of entry %d) counts node %d as a voter, and its directory %s is gone: starting without it would take a voter that holds the cluster's entries for one that never ran; put its files back, or start from an empty data directory", newest.m, newest.index, id, dir)
		}
	}
	c.members, c.everMember = map[uint64]bool{}, map[uint64]bool{}
	// The highest ids, started by adds that never joined, were never
	// members: their directories go, and their ids are free again (a
	// REMOVED marker, "removed by entry 0", kept such an id removed for
	// good: a plain add skipped it, and raftplay wal said the node had
	// been removed). Only the highest: an id below one that stays must
	// keep a marker, or the next start takes it for an original node
	// whose log is lost.
	free := map[uint64]bool{}
	if !newest.m.IsEmpty() && committed {
		for i := len(c.slots) - 1; i >= 0 && !newest.m.IsMember(c.slots[i].id) && c.neverJoined(c.slots[i]); i-- {
			free[c.slots[i].id] = true
		}
	}
	for _, s := range c.slots {
		if s.node == nil {
			continue
		}
		if free[s.id] {
			if err := c.forgetLocked(s); err != nil {
				return fmt.Errorf("cluster: node %d: %w", s.id, err)
			}
			continue
		}
		if !newest.m.IsEmpty() && committed && !newest.m.IsMember(s.id) {
			why := "an earlier run stopped before it was retired"
			if s.joined && s.node.w.LastIndex() == 0 {
				why = fmt.Sprintf("it never joined (an add of it was cut short before its entry reached a log; add %d starts it afresh)", s.id)
			}
			asOf := fmt.Sprintf("as of entry %d", newest.index)
			if newest.index == 0 {
				asOf = "the cluster's first"
			}
			if err := c.retireLocked(s, fmt.Sprintf("%d is not in the committed configuration (%s, %s): %s; its process stopped, its files deleted", s.id, newest.m, asOf, why), newest.index); err != nil {
				return fmt.Errorf("cluster: node %d: %w", s.id, err)
			}
			continue
		}
		// Every configuration a log holds names running members (a later
		// committed entry that drops one retires it); only a committed one
		// makes a node a member once (NodeStatus.Outside): a node whose
		// add was cut short, named by a deposed leader's entry alone, was
		// shown JOINING for good.
		own := confs[s.id]
		known := c.committedAtStart(own.index, own.term)
		for _, id := range own.m.Members() {
			c.members[id] = true
			if known {
				c.everMember[id] = true
			}
		}
		// Any other node that runs counts as a member too, except one
		// added whose add never reached a log (it holds nothing: it runs
		// outside the cluster until remove stops it).
		if !s.joined || s.node.w.LastIndex() > 0 {
			c.members[s.id], c.everMember[s.id] = true, true
		}
	}
	c.slots = c.slots[:len(c.slots)-len(free)]
	return nil
}

// neverJoined reports whether the node of slot s, at start, was started
// by an add whose entry never reached a log, so that it was never a
// member: it was added to a running cluster (JOINED) under an id above
// those the cluster was created with, its own log holds nothing, and no
// configuration any node holds, in its log or its snapshot, names its id.
// A node that was a member, even a learner that never received an entry,
// is named by the entry that added it until a snapshot compacts it; then
// every node's commit index is past its removal, and an add of the id
// tells the new node no less (JoinedAfter). A node that could not start
// (its log unread) leaves the question open: no.
func (c *Cluster) neverJoined(s *slot) bool {
	if !s.joined || s.node == nil || s.id <= uint64(c.created) {
		return false
	}
	if st := s.node.core.Status(); st.LastIndex != 0 || st.SnapshotIndex != 0 {
		return false
	}
	for _, o := range c.slots {
		if o.node == nil {
			if o.state != StateRemoved {
				return false
			}
			continue
		}
		core := o.node.core
		st := core.Status()
		if core.ConfAt(st.SnapshotIndex).IsMember(s.id) {
			return false
		}
		for _, e := range core.Entries(st.SnapshotIndex+1, st.LastIndex+1) {
			if e.Type != raft.EntryConfig {
				continue
			}
			if m, err := raft.DecodeMembership(e.Data); err != nil || m.IsMember(s.id) {
				return false
			}
		}
	}
	return true
}

// forgetLocked stops the node of slot s, which never joined
// (neverJoined), and deletes its directory, so that its id is free: not
// removed, since it was never a member. Its files go first and its JOINED
// marker last: a process killed on the way leaves a directory the next
// start finds as this one did, never a log without a marker, which it
// would take for an original member's. Called at start, before any node
// runs.
func (c *Cluster) forgetLocked(s *slot) error {
	c.stopLocked(s, StateRemoved)
	s.err = nil
	c.leavePartition(s.id)
	if err := clearDirExcept(s.dir, joinedFile); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.dir, joinedFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(s.dir); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(s.dir)); err != nil {
		return err
	}
	c.events.Add(Event{Node: s.id, Kind: EventMember, Text: fmt.Sprintf("%d never joined (an add of it was cut short before its entry reached a log): it was never a member; its process stopped, its directory deleted, and id %d is free again (add starts it afresh)", s.id, s.id)})
	return nil
}

// committedAtStart reports whether the entry at index of term, in one
// node's log at start, is known committed: some node's log holds that
// entry (the same index and term) and commits it, in its commit index or
// its snapshot. An index alone is not enough: a leader deposed before its
// entry reached the others keeps it in its log, while the next leader
// commits another entry at that index (a stale removal found there, taken
// as committed, retired a voter of the committed configuration and
// deleted its files). Index 0 is the cluster's first configuration.
func (c *Cluster) committedAtStart(index, term uint64) bool {
	if index == 0 {
		return true
	}
	for _, s := range c.slots {
		if s.node == nil {
			continue
		}
		st := s.node.core.Status()
		if t, ok := s.node.core.Term(index); ok && t == term && index <= max(st.Commit, st.SnapshotIndex) {
			return true
		}
	}
	return false
}

// appliedConf is a configuration and the index and term of its entry.
type appliedConf struct {
	index uint64
	term  uint64
	m     raft.Membership
}

func (c *Cluster) httpAddrOf(id uint64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id < 1 || id > uint64(len(c.slots)) {
		return ""
	}
	return c.slots[id-1].httpAddr
}

// isDown reports whether node id is not running now (crashed, failed, or
// its loop stopped on an error).
func (c *Cluster) isDown(id uint64) bool {
	if id < 1 || id > uint64(len(c.up)) {
		return false
	}
	return !c.up[id-1].Load()
}

// Trace returns the cluster's message trace.
func (c *Cluster) Trace() *MsgTrace { return c.trace }

// SetTrace turns the message trace on or off.
func (c *Cluster) SetTrace(on bool) {
	c.trace.on.Store(on)
	state := "off"
	if on {
		state = "on"
	}
	c.events.Add(Event{Kind: EventSetting, Text: "message trace " + state})
}

// Size returns the number of nodes.
func (c *Cluster) Size() int { return len(c.slots) }

// Events returns the cluster's event log.
func (c *Cluster) Events() *EventLog { return c.events }

// Violations returns the first safety violations the monitor has seen
// (up to 100, the first 10 with the events before them).
func (c *Cluster) Violations() []Violation { return c.monitor.Violations() }

// ViolationCount returns how many safety violations the monitor has seen
// (Violations keeps the first of them).
func (c *Cluster) ViolationCount() int { return c.monitor.ViolationCount() }

// Found says what node id's files held when it last started ("term 2
// (voted for 1), log to 8, snapshot at 5"); "" when they held nothing, or the
// node is not running.
func (c *Cluster) Found(id uint64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, err := c.slot(id); err == nil && s.node != nil {
		return s.node.found
	}
	return ""
}

// slot returns the slot of node id; c.mu is held.
func (c *Cluster) slot(id uint64) (*slot, error) {
	if c.closed {
		return nil, errors.New("cluster: closed")
	}
	if id < 1 || id > uint64(len(c.slots)) {
		return nil, fmt.Errorf("cluster: no node %d (nodes are 1 to %d)", id, len(c.slots))
	}
	return c.slots[id-1], nil
}

// running returns the slot of node id if the node is running; c.mu is held.
func (c *Cluster) running(id uint64) (*slot, error) {
	s, err := c.slot(id)
	if err != nil {
		return nil, err
	}
	if s.state == StateRemoved {
		return nil, errRemoved(id)
	}
	if s.node == nil {
		if s.state == StateFailed && s.err != nil {
			return nil, fmt.Errorf("cluster: node %d is down: it FAILED: %v", id, s.err)
		}
		return nil, fmt.Errorf("cluster: node %d is down", id)
	}
	select {
	case <-s.node.done:
		// Its loop stopped on an error (a full disk): down, FAILED, as
		// status says. Taken for running, a pause turned it "paused" and
		// hid why it failed, and other commands said "node is down" alone.
		why := "its loop stopped"
		if st := s.node.loadStatus(); st.Err != "" {
			why = st.Err
		}
		return nil, fmt.Errorf("cluster: node %d is down: it FAILED: %s (explain %d says more)", id, why, id)
	default:
	}
	return s, nil
}

// Crash kills node id abruptly: its loop stops, its sockets close with no
// goodbye and its memory is dropped. Only its files remain.
func (c *Cluster) Crash(id uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.running(id)
	if err != nil {
		return err
	}
	c.stopLocked(s, StateCrashed)
	c.events.Add(Event{Node: id, Kind: EventCrash, Text: fmt.Sprintf("%d crashed", id)})
	return nil
}

// Restart starts node id again from its files alone, on the same ports. A
// node that cannot start (a corrupt WAL) reports why and stays down.
func (c *Cluster) Restart(id uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.restartLocked(id, false)
}

// restartLocked is Restart with c.mu held; empty allows a node without a
// log (wipe: amnesia on purpose).
func (c *Cluster) restartLocked(id uint64, empty bool) error {
	s, err := c.slot(id)
	if err != nil {
		return err
	}
	if s.state == StateRemoved {
		return errRemoved(id)
	}
	if s.node != nil {
		select {
		case <-s.node.done: // its loop stopped on an error: it is down
			c.stopLocked(s, s.state)
		default:
			return fmt.Errorf("cluster: node %d is running", id)
		}
	}
	s.damaged = "" // it starts, or Err says why not
	if !empty && !wal.HasLog(s.dir) {
		err := fmt.Errorf("cluster: node %d's log is gone from %s: restarting it empty would make it forget the votes it cast and the entries it acknowledged (amnesia), which can break Raft's safety; put its files back", id, s.dir)
		s.state, s.err = StateFailed, err
		c.events.Add(Event{Node: id, Kind: EventError, Text: fmt.Sprintf("%d refused to restart: its log is gone from %s", id, s.dir)})
		return err
	}
	s.incarnation++
	n, err := openNode(c.nodeConfig(s))
	var le *listenError
	if err != nil && c.opts.BasePort == 0 && errors.As(err, &le) && errors.Is(err, syscall.EADDRINUSE) {
		// The OS picked this node's ports; while it was down another
		// program (another cluster, a test) was given one of them. Take
		// new ones and tell the peers: with ports of its own choosing the
		// user asked for no particular address.
		cfg := c.nodeConfig(s)
		cfg.raftAddr, cfg.httpAddr = "", ""
		if n, err = openNode(cfg); err == nil { // the peers learn its new ports below
			c.events.Add(Event{Node: id, Kind: EventRestart, Text: fmt.Sprintf("%d moved to raft %s http %s: its %s address %s was taken while it was down", id, n.tr.Addr(), n.hl.Addr(), le.what, le.addr)})
		}
	}
	if err != nil {
		s.state, s.err = StateFailed, err
		c.events.Add(Event{Node: id, Kind: EventError, Text: fmt.Sprintf("%d failed to restart: %v", id, strings.TrimPrefix(err.Error(), fmt.Sprintf("node %d could not start: ", id)))})
		return err
	}
	s.node, s.state, s.err = n, StateUp, nil
	if a, h := n.tr.Addr(), n.hl.Addr().String(); a != s.raftAddr || h != s.httpAddr {
		// The OS picked new ports (the old ones were taken while it was
		// down, or it never ran in this cluster: it failed at start,
		// Options.AllowFailed): the peers learn them now.
		s.raftAddr, s.httpAddr = a, h
		for _, o := range c.slots {
			if o.node != nil && o != s {
				o.node.tr.SetPeer(id, s.raftAddr)
			}
		}
	}
	c.up[id-1].Store(true)
	n.start()
	for _, o := range c.slots { // peers backing off from its absence: dial it now
		if o.node != nil && o != s {
			o.node.tr.Redial(id)
		}
	}
	if !empty {
		text := fmt.Sprintf("%d restarted from its files", id)
		if n.found != "" {
			text += ": " + n.found
		}
		c.events.Add(Event{Node: id, Kind: EventRestart, Text: text})
	}
	return nil
}

// Pause freezes node id: no ticks, no processing; its peers see silence.
func (c *Cluster) Pause(id uint64) error { return c.setPaused(id, true) }

// Resume thaws a paused node.
func (c *Cluster) Resume(id uint64) error { return c.setPaused(id, false) }

func (c *Cluster) setPaused(id uint64, p bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.running(id)
	if err != nil {
		return err
	}
	if s.node.paused.Load() == p {
		if p {
			return fmt.Errorf("cluster: node %d is already paused", id)
		}
		return fmt.Errorf("cluster: node %d is not paused", id)
	}
	// The event is told from inside the loop, before it takes its next
	// step: a resumed node's first vote or append comes after "resumed" in
	// the feed, not before it.
	ev := Event{Node: id, Kind: EventPause, Text: fmt.Sprintf("%d paused", id)}
	if !p {
		ev = Event{Node: id, Kind: EventResume, Text: fmt.Sprintf("%d resumed", id)}
	}
	if err := s.node.setPaused(p, func() { c.events.Add(ev) }); err != nil {
		return err
	}
	s.state = StateUp
	if p {
		s.state = StatePaused
	}
	return nil
}

// Close stops every node and the background load. Files stay on disk.
func (c *Cluster) Close() error {
	c.StopLoad()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	for _, s := range c.slots {
		if s.node != nil {
			s.kill()
			s.node = nil
		}
	}
	c.dataLock.Close() // the nodes' files are closed: another run may start
	if c.stall != nil {
		c.stall.release()
	}
	return nil
}

// kill stops the node of slot s as a process dies: at once, even when its
// disk is slow (set disk-delay), with what it wrote but did not fsync left
// to the page cache, which outlives the process (the next start's WAL
// makes it durable before using it).
func (s *slot) kill() {
	s.fs.Crash()
	s.node.crash()
	s.fs.Revive()
}

// Status returns an immutable snapshot of every node and the cluster.
func (c *Cluster) Status() Status {
	c.mu.Lock()
	st := Status{
		Time:        c.opts.Clock(),
		Timing:      c.timing,
		PreVote:     c.preVote,
		CheckQuorum: c.checkQuorum,
		Nodes:       make([]NodeStatus, len(c.slots)),
	}
	if c.load != nil {
		st.Load = c.load.rate
	}
	running := make([]*NodeStatus, len(c.slots))
	c.pub.Lock() // one instant for every node (publish.go)
	for i, s := range c.slots {
		if s.node != nil {
			running[i] = mergeStatus(s.node.status.Load(), s.node.light.Load())
		}
	}
	c.pub.Unlock()
	for i, s := range c.slots {
		if running[i] == nil {
			st.Nodes[i] = downStatus(s)
		} else {
			st.Nodes[i] = *running[i]
			if s.state == StatePaused {
				st.Nodes[i].State = StatePaused
			}
		}
		st.Nodes[i].Disk = s.disk()
	}
	st.Frozen = c.frozen
	var adding uint32 // bit i: slot i's add is running (at most MaxNodes slots)
	for i, s := range c.slots {
		if s.adding {
			adding |= 1 << i
		}
	}
	c.mu.Unlock()
	st.Faults = c.faults.Table()
	st.Violations = c.monitor.ViolationCount()
	st.EverApplied = c.monitor.MaxApplied()
	st.Written = c.written.Load()
	st.Leader, st.Term = leaderOf(st.Nodes, st.Faults)
	if n, ok := st.Node(st.Leader); ok {
		st.Commit = n.Commit
		st.Membership, st.ConfPending = n.Membership, n.ConfIndex > n.Commit
	} else {
		var at uint64
		for _, n := range st.Nodes {
			if n.State != StateRemoved && !n.Membership.IsEmpty() && (st.Membership.IsEmpty() || n.ConfAsOf() > at) {
				st.Membership, at = n.Membership, n.ConfAsOf()
				st.ConfPending = n.ConfIndex > n.Commit
			}
		}
		for _, n := range st.Nodes {
			st.Term, st.Commit = max(st.Term, n.Term), max(st.Commit, n.Commit)
		}
	}
	if !st.Membership.IsEmpty() {
		c.confMu.Lock()
		for i := range st.Nodes {
			n := &st.Nodes[i]
			n.Outside = n.State != "" && n.State != StateRemoved && adding&(1<<i) == 0 && !c.everMember[n.ID] && !st.Membership.IsMember(n.ID)
		}
		c.confMu.Unlock()
	}
	return st
}

// downStatus is the status of a node that is not running: what it last
// published (marked with AsOf), with the state, role and error of now.
func downStatus(s *slot) NodeStatus {
	ns := NodeStatus{ID: s.id}
	if s.last != nil {
		ns = s.last.asOfNow()
	}
	ns.State, ns.Role, ns.Err = s.state, "down", ""
	ns.PowerLost = s.powerLost && s.state == StateCrashed
	ns.Damaged = s.damaged
	ns.RaftAddr, ns.HTTPAddr = s.raftAddr, s.httpAddr
	if s.err != nil {
		ns.Err = s.err.Error()
	}
	return ns
}

// node returns the running node id, or nil.
func (c *Cluster) node(id uint64) *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id < 1 || id > uint64(len(c.slots)) {
		return nil
	}
	return c.slots[id-1].node
}

func errRemoved(id uint64) error {
	return fmt.Errorf("cluster: node %d was removed from the cluster (add %d starts a new, empty node %d)", id, id, id)
}

// stopLocked stops slot s's node abruptly, if it runs, keeping what it
// last published, and gives the slot state; c.mu is held.
func (c *Cluster) stopLocked(s *slot, state NodeState) {
	if s.node != nil {
		s.kill()
		s.last = s.node.loadStatus()
		s.node = nil
	}
	s.state, s.powerLost, s.damaged = state, false, ""
	c.up[s.id-1].Store(false)
}

// member returns the slot of node id unless it was removed; c.mu is held.
func (c *Cluster) member(id uint64) (*slot, error) {
	s, err := c.slot(id)
	if err == nil && s.state == StateRemoved {
		err = errRemoved(id)
	}
	return s, err
}

// asOfNow is what stays of a node's last status once it is down: its Raft
// fields as of then (AsOf, WasRole), without what only a running node has
// (a leader's progress, links, a running election timer, held messages).
func (ns NodeStatus) asOfNow() NodeStatus {
	if ns.AsOf.IsZero() {
		// Not down already: a failed node's status is as of its failure,
		// and cutting its power then (powerfail all) said it "was down".
		ns.AsOf, ns.WasRole = ns.Updated, ns.Role
	}
	ns.Progress, ns.Links = nil, nil
	ns.ElectionTimeout, ns.ElectionElapsed = 0, 0
	// What a frozen node held died with it: messages to a process that
	// is gone are lost (a new user saw "1 message held" that no step
	// could deliver).
	ns.Held, ns.Discarded = nil, nil
	return ns
}
