package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"raftplay/cluster"
	"raftplay/raft"
	"raftplay/transport"
)

// Format names the file format in the header line; Version is the format
// version this package writes and the newest it reads.
const (
	Format  = "raftplay-recording"
	Version = 1
)

// Record kinds (the "k" field of every line after the header).
const (
	kindStatus   = "s"   // a status frame: the cluster's fields, and the nodes that changed
	kindEvents   = "e"   // events, in order
	kindMessages = "m"   // message trace records, in order
	kindGap      = "gap" // the recorder missed records the cluster's rings overwrote
	kindCommand  = "c"   // a command that ran, with its result
	kindEnd      = "end" // the recording was closed cleanly
)

// Options is what the header says about the recorded cluster and run.
type Options struct {
	Nodes         int            `json:"nodes"`
	Timing        cluster.Timing `json:"timing"`
	Seed          uint64         `json:"seed,omitempty"`
	PreVote       bool           `json:"prevote,omitempty"`
	CheckQuorum   bool           `json:"checkquorum,omitempty"`
	SnapshotEvery uint64         `json:"snapshot_every,omitempty"`
	BasePort      int            `json:"port,omitempty"`
	// Run says what was recorded: "dashboard", "script FILE", "chaos",
	// "bench", "experiment election"...
	Run string `json:"run,omitempty"`
}

// OptionsOf returns the header options of a cluster started with o.
func OptionsOf(o cluster.Options, run string) Options {
	return Options{Nodes: o.Nodes, Timing: o.Timing, Seed: o.Seed, PreVote: o.PreVote, CheckQuorum: o.CheckQuorum,
		SnapshotEvery: o.SnapshotEvery, BasePort: o.BasePort, Run: run}
}

// header is the first line of a recording.
type header struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Start   int64   `json:"start"` // Unix nanoseconds; every record's "t" counts from it
	Options Options `json:"options"`
}

// line is any record line after the header, as read: t is the time since
// the start, k the kind; the other fields belong to one kind each.
type line struct {
	T int64  `json:"t"`
	K string `json:"k"`

	S   *statusRec        `json:"s,omitempty"`   // status: the cluster's own fields
	NN  int               `json:"nn,omitempty"`  // status: the number of nodes
	IDs []uint64          `json:"ids,omitempty"` // status: the nodes that changed
	N   []json.RawMessage `json:"n,omitempty"`   // status: their statuses (nodeRec), in the order of IDs

	E []eventRec `json:"e,omitempty"` // events
	B int64      `json:"b,omitempty"` // messages: the first record's time, Unix ns
	M [][]int64  `json:"m,omitempty"` // messages (see appendMsgs)
	C *cmdRec    `json:"c,omitempty"` // command

	Events   uint64 `json:"events,omitempty"`   // gap: events missed
	Messages uint64 `json:"messages,omitempty"` // gap: message records missed
}

// unixNano returns t as Unix nanoseconds, 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano is unixNano's inverse.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// statusRec is the cluster-wide part of a cluster.Status: the fields the
// JSON form leaves out are carried too, the nodes go apart (nodeRec).
type statusRec struct {
	cluster.Status
	Time   int64                `json:"time"`
	Nodes  struct{}             `json:"nodes,omitzero"` // shadows Status.Nodes: not here
	Faults transport.FaultTable `json:"faults"`
}

func newStatusRec(s cluster.Status) *statusRec {
	r := &statusRec{Status: s, Time: unixNano(s.Time), Faults: s.Faults}
	r.Status.Nodes = nil
	return r
}

func (r *statusRec) status() cluster.Status {
	s := r.Status
	s.Time, s.Faults = fromUnixNano(r.Time), r.Faults
	return s
}

// nodeRec is a cluster.NodeStatus with every field the dashboard draws,
// including those its JSON form leaves out; times are Unix nanoseconds and
// the log lane's terms are run-length encoded.
type nodeRec struct {
	cluster.NodeStatus
	ElectionMin   time.Duration            `json:"election_min"`
	SinceLeader   time.Duration            `json:"since_leader"`
	Tally         *raft.Tally              `json:"tally"`
	LastVote      raft.VoteDecision        `json:"last_vote"`
	Tick          time.Duration            `json:"tick"`
	PreVote       bool                     `json:"prevote"`
	CheckQuorum   bool                     `json:"checkquorum"`
	Disk          diskRec                  `json:"disk"`
	LogTerms      []uint64                 `json:"log_terms"`        // pairs: term, count
	Recent        []entryRec               `json:"recent,omitempty"` // see encodeNode
	Keep          int                      `json:"recent_keep,omitempty"`
	Links         map[uint64]linkRec       `json:"links"`
	LastHeartbeat int64                    `json:"last_heartbeat"`
	Updated       int64                    `json:"updated"`
	AsOf          int64                    `json:"as_of"`
	Held          []heldRec                `json:"held"`
	Discarded     []heldRec                `json:"discarded,omitempty"`
	Progress      map[uint64]raft.Progress `json:"progress"`
}

type diskRec struct {
	cluster.DiskStatus
	Delay    time.Duration `json:"delay"`
	SyncWait time.Duration `json:"sync_wait,omitempty"` // a replay's card says a node waits for its disk
}

// linkRec is a transport.LinkStats with short names, zeros left out: a
// frame carries one per link of every node.
type linkRec struct {
	MsgsSent           uint64 `json:"ms,omitempty"`
	BytesSent          uint64 `json:"bs,omitempty"`
	MsgsRecv           uint64 `json:"mr,omitempty"`
	BytesRecv          uint64 `json:"br,omitempty"`
	DroppedFault       uint64 `json:"df,omitempty"`
	DroppedFaultIn     uint64 `json:"dfi,omitempty"`
	DroppedQueue       uint64 `json:"dq,omitempty"`
	DroppedConn        uint64 `json:"dc,omitempty"`
	DroppedInvalid     uint64 `json:"di,omitempty"`
	SnapshotsSent      uint64 `json:"ss,omitempty"`
	SnapshotsRecv      uint64 `json:"sr,omitempty"`
	SnapshotsAborted   uint64 `json:"sa,omitempty"`
	SnapshotBytesSent  uint64 `json:"sbs,omitempty"`
	SnapshotBytesTotal uint64 `json:"sbt,omitempty"`
	SnapshotBytesRecv  uint64 `json:"sbr,omitempty"`
	SnapshotRecvTotal  uint64 `json:"srt,omitempty"`
	LastHeartbeat      int64  `json:"hb,omitempty"`
	Connected          bool   `json:"c,omitempty"`
	DroppedReplaced    uint64 `json:"drp,omitempty"`
}

func newLinkRec(l transport.LinkStats) linkRec {
	return linkRec{l.MsgsSent, l.BytesSent, l.MsgsRecv, l.BytesRecv, l.DroppedFault, l.DroppedFaultIn, l.DroppedQueue, l.DroppedConn, l.DroppedInvalid,
		l.SnapshotsSent, l.SnapshotsRecv, l.SnapshotsAborted, l.SnapshotBytesSent, l.SnapshotBytesTotal, l.SnapshotBytesRecv, l.SnapshotRecvTotal,
		unixNano(l.LastHeartbeat), l.Connected, l.DroppedReplaced}
}

func (r linkRec) stats() transport.LinkStats {
	return transport.LinkStats{MsgsSent: r.MsgsSent, BytesSent: r.BytesSent, MsgsRecv: r.MsgsRecv, BytesRecv: r.BytesRecv,
		DroppedFault: r.DroppedFault, DroppedFaultIn: r.DroppedFaultIn, DroppedQueue: r.DroppedQueue, DroppedConn: r.DroppedConn, DroppedInvalid: r.DroppedInvalid,
		SnapshotsSent: r.SnapshotsSent, SnapshotsRecv: r.SnapshotsRecv, SnapshotsAborted: r.SnapshotsAborted,
		SnapshotBytesSent: r.SnapshotBytesSent, SnapshotBytesTotal: r.SnapshotBytesTotal, SnapshotBytesRecv: r.SnapshotBytesRecv,
		SnapshotRecvTotal: r.SnapshotRecvTotal, LastHeartbeat: fromUnixNano(r.LastHeartbeat), Connected: r.Connected, DroppedReplaced: r.DroppedReplaced}
}

// entryRec is a cluster.EntryInfo with short names.
type entryRec struct {
	Index uint64 `json:"i"`
	Term  uint64 `json:"t"`
	Text  string `json:"x"`
}

type heldRec struct {
	cluster.HeldInfo
	At int64 `json:"at"`
}

func newNodeRec(n cluster.NodeStatus) nodeRec {
	r := nodeRec{NodeStatus: n, ElectionMin: n.ElectionMin, SinceLeader: n.SinceLeader, Tally: n.Tally, LastVote: n.LastVote,
		Tick: n.Tick, PreVote: n.PreVote, CheckQuorum: n.CheckQuorum, Disk: diskRec{n.Disk, n.Disk.Delay, n.Disk.SyncWait},
		LogTerms: encodeRuns(n.LogTerms), LastHeartbeat: unixNano(n.LastHeartbeat),
		Updated: unixNano(n.Updated), AsOf: unixNano(n.AsOf), Progress: n.Progress}
	if n.Links != nil {
		r.Links = make(map[uint64]linkRec, len(n.Links))
		for id, l := range n.Links {
			r.Links[id] = newLinkRec(l)
		}
	}
	r.Held, r.Discarded = heldRecs(n.Held), heldRecs(n.Discarded)
	return r
}

// heldRecs encodes held (or discarded) messages; nil stays nil.
func heldRecs(hs []cluster.HeldInfo) []heldRec {
	if hs == nil {
		return nil
	}
	out := make([]heldRec, len(hs))
	for i, h := range hs {
		out[i] = heldRec{h, unixNano(h.At)}
	}
	return out
}

// heldInfos decodes what heldRecs encoded; nil stays nil.
func heldInfos(rs []heldRec) []cluster.HeldInfo {
	if rs == nil {
		return nil
	}
	out := make([]cluster.HeldInfo, len(rs))
	for i, h := range rs {
		out[i] = h.HeldInfo
		out[i].At = fromUnixNano(h.At)
	}
	return out
}

// status returns the node status r holds; prev is the node's recent
// entries in the record before, for a record that keeps some of them.
func (r *nodeRec) status(prev []cluster.EntryInfo) (cluster.NodeStatus, error) {
	n := r.NodeStatus
	n.ElectionMin, n.SinceLeader, n.Tally, n.LastVote = r.ElectionMin, r.SinceLeader, r.Tally, r.LastVote
	n.Tick, n.PreVote, n.CheckQuorum = r.Tick, r.PreVote, r.CheckQuorum
	n.Disk = r.Disk.DiskStatus
	n.Disk.Delay = r.Disk.Delay
	n.Disk.SyncWait = r.Disk.SyncWait
	terms, err := decodeRuns(r.LogTerms)
	if err != nil {
		return n, err
	}
	n.LogTerms, n.Progress = terms, r.Progress
	n.Recent = nil
	if r.Keep < 0 || r.Keep > len(prev) || (r.Keep > 0 && r.Recent == nil) {
		return n, fmt.Errorf("recent_keep %d: the record before has %d recent entries", r.Keep, len(prev))
	}
	if r.Recent != nil {
		n.Recent = make([]cluster.EntryInfo, 0, r.Keep+len(r.Recent))
		n.Recent = append(n.Recent, prev[len(prev)-r.Keep:]...)
		for _, e := range r.Recent {
			n.Recent = append(n.Recent, cluster.EntryInfo(e))
		}
	}
	n.Links = nil
	if r.Links != nil {
		n.Links = make(map[uint64]transport.LinkStats, len(r.Links))
		for id, l := range r.Links {
			n.Links[id] = l.stats()
		}
	}
	n.LastHeartbeat, n.Updated, n.AsOf = fromUnixNano(r.LastHeartbeat), fromUnixNano(r.Updated), fromUnixNano(r.AsOf)
	n.Held, n.Discarded = heldInfos(r.Held), heldInfos(r.Discarded)
	return n, nil
}

// encodeRuns run-length encodes terms as pairs (term, count): a log lane
// holds long runs of one term. nil stays nil; empty stays empty.
func encodeRuns(terms []uint64) []uint64 {
	if terms == nil {
		return nil
	}
	runs := []uint64{}
	for i := 0; i < len(terms); {
		j := i + 1
		for j < len(terms) && terms[j] == terms[i] {
			j++
		}
		runs = append(runs, terms[i], uint64(j-i))
		i = j
	}
	return runs
}

// maxLogTerms bounds what a decoded log lane may hold: a damaged count
// must not make the reader allocate without end.
const maxLogTerms = 4 * cluster.LogWindow

func decodeRuns(runs []uint64) ([]uint64, error) {
	if runs == nil {
		return nil, nil
	}
	if len(runs)%2 != 0 {
		return nil, errors.New("log_terms: odd number of values (want pairs of term, count)")
	}
	terms := []uint64{}
	for i := 0; i < len(runs); i += 2 {
		if runs[i+1] > maxLogTerms || uint64(len(terms))+runs[i+1] > maxLogTerms {
			return nil, fmt.Errorf("log_terms: more than %d terms", maxLogTerms)
		}
		for range runs[i+1] {
			terms = append(terms, runs[i])
		}
	}
	return terms, nil
}

// eventRec is a cluster.Event with its time in Unix nanoseconds.
type eventRec struct {
	Seq   uint64            `json:"seq"`
	Time  int64             `json:"time"`
	Node  uint64            `json:"node,omitempty"`
	Nodes []uint64          `json:"nodes,omitempty"`
	Term  uint64            `json:"term,omitempty"`
	Kind  cluster.EventKind `json:"kind"`
	Text  string            `json:"text"`
}

func newEventRec(e cluster.Event) eventRec {
	return eventRec{Seq: e.Seq, Time: unixNano(e.Time), Node: e.Node, Nodes: e.Nodes, Term: e.Term, Kind: e.Kind, Text: e.Text}
}

func (r eventRec) event() cluster.Event {
	return cluster.Event{Seq: r.Seq, Time: fromUnixNano(r.Time), Node: r.Node, Nodes: r.Nodes, Term: r.Term, Kind: r.Kind, Text: r.Text}
}

// cmdRec is a command that ran: when it started (Unix nanoseconds), how
// long it took, the line, what it printed, its error.
type cmdRec struct {
	At   int64         `json:"at"`
	Took time.Duration `json:"took"`
	Text string        `json:"text"`
	Out  string        `json:"out,omitempty"`
	Err  string        `json:"err,omitempty"`
}

// Command is a recorded command: when it started, how long it took, the
// line as written, what it printed and, when it failed, the error's text.
type Command struct {
	At   time.Time
	Took time.Duration
	Text string
	Out  string
	Err  string
}

// A message record is one JSON array of whole numbers, in this order,
// trailing zeros left out: time, event, from, to, type, term, index, log
// term, entries, commit, reject (0 or 1), lost cause, delay (ns), hint,
// why, snapshot index. The time, term, index, log term and commit are
// written as differences from the record before in the line (the first
// record's from the line's "b" for the time, from 0 for the others): in a
// stream of messages they change little, and small numbers compress well.
const msgFields = 16

// msgCodec holds what the record before in a line had, for the
// differences.
type msgCodec struct {
	at                           int64
	term, index, logTerm, commit uint64
}

// appendMsgs appends a line of message records, taken at t, to b.
func appendMsgs(b []byte, t int64, msgs []cluster.MsgRecord) []byte {
	if len(msgs) == 0 {
		return b
	}
	c := msgCodec{at: unixNano(msgs[0].Time)}
	b = fmt.Appendf(b, `{"t":%d,"k":"m","b":%d,"m":[`, t, c.at)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.append(b, m)
	}
	return append(b, "]}\n"...)
}

// signed marks the fields written as signed numbers.
var signed = [msgFields]bool{0: true, 5: true, 6: true, 7: true, 9: true, 12: true}

// append appends r as a JSON array to b.
func (c *msgCodec) append(b []byte, r cluster.MsgRecord) []byte {
	rej := uint64(0)
	if r.Reject {
		rej = 1
	}
	at := unixNano(r.Time)
	v := [msgFields]uint64{uint64(at - c.at), uint64(r.Event), r.From, r.To, uint64(r.Type), r.Term - c.term, r.Index - c.index, r.LogTerm - c.logTerm,
		uint64(r.Entries), r.Commit - c.commit, rej, uint64(r.Lost), uint64(r.Delay), r.Hint, uint64(r.Why), r.Snap}
	c.at, c.term, c.index, c.logTerm, c.commit = at, r.Term, r.Index, r.LogTerm, r.Commit
	n := msgFields
	for n > 1 && v[n-1] == 0 {
		n--
	}
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if signed[i] {
			b = strconv.AppendInt(b, int64(v[i]), 10)
		} else {
			b = strconv.AppendUint(b, v[i], 10)
		}
	}
	return append(b, ']')
}

// decode reads a message record written by append.
func (c *msgCodec) decode(v []int64) (cluster.MsgRecord, error) {
	if len(v) < 1 || len(v) > msgFields {
		return cluster.MsgRecord{}, fmt.Errorf("message record of %d values (want 1 to %d)", len(v), msgFields)
	}
	var f [msgFields]int64
	copy(f[:], v)
	for i, x := range f {
		if x < 0 && !signed[i] {
			return cluster.MsgRecord{}, fmt.Errorf("message record: value %d is negative", i+1)
		}
	}
	if f[1] < int64(cluster.MsgSent) || f[1] > int64(cluster.MsgLost) || f[4] > 255 || f[10] > 1 || f[11] > 255 || f[14] > 255 || f[8] > 1<<31 {
		return cluster.MsgRecord{}, errors.New("message record: a value out of range")
	}
	c.at += f[0]
	c.term += uint64(f[5])
	c.index += uint64(f[6])
	c.logTerm += uint64(f[7])
	c.commit += uint64(f[9])
	return cluster.MsgRecord{Time: fromUnixNano(c.at), Event: cluster.MsgEvent(f[1]), From: uint64(f[2]), To: uint64(f[3]),
		Type: raft.MessageType(f[4]), Term: c.term, Index: c.index, LogTerm: c.logTerm, Entries: int(f[8]),
		Commit: c.commit, Reject: f[10] == 1, Lost: cluster.LostCause(f[11]), Delay: time.Duration(f[12]), Hint: uint64(f[13]),
		Why: raft.Why(f[14]), Snap: uint64(f[15])}, nil
}
