package commands

import (
	"raftplay/raft"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Verbs of the command language. Command.Verb is always one of these.
const (
	VerbPut       = "put"
	VerbGet       = "get"
	VerbDel       = "del"
	VerbLoad      = "load"
	VerbPropose   = "propose"
	VerbCrash     = "crash"
	VerbRestart   = "restart"
	VerbPause     = "pause"
	VerbResume    = "resume"
	VerbPartition = "partition"
	VerbIsolate   = "isolate"
	VerbHeal      = "heal"
	VerbDrop      = "drop"
	VerbDelay     = "delay"
	VerbCut       = "cut"
	VerbSnapshot  = "snapshot"
	VerbWait      = "wait"
	VerbSleep     = "sleep"
	VerbExpect    = "expect"
	VerbStatus    = "status"
	VerbSet       = "set"
	VerbLet       = "let"
	VerbHelp      = "help"
	VerbEcho      = "echo"

	// Step mode and messages.
	VerbFreeze    = "freeze"
	VerbThaw      = "thaw"
	VerbStep      = "step"
	VerbDeliver   = "deliver"
	VerbDiscard   = "discard"
	VerbTimeout   = "timeout"
	VerbTick      = "tick"
	VerbHeartbeat = "heartbeat"
	VerbTrace     = "trace"
	VerbMessages  = "messages"
	VerbExplain   = "explain"
	VerbLinks     = "links"

	// Membership.
	VerbAdd      = "add"
	VerbRemove   = "remove"
	VerbPromote  = "promote"
	VerbTransfer = "transfer"

	// Disk faults.
	VerbPowerfail = "powerfail"
	VerbWipe      = "wipe"
	VerbCorrupt   = "corrupt"

	// Narration, sessions, recording and replay (record.go, narrate.go).
	VerbSay    = "say"    // say TEXT: narration (Command.Message); the dashboard shows it prominently
	VerbSave   = "save"   // save FILE: the session's commands so far as a script (Command.Name: the file)
	VerbRecord = "record" // record start FILE | record stop (Command.On; Command.Name: the file)
	VerbSeek   = "seek"   // seek TIME: replay only (Command.Duration)
	VerbFind   = "find"   // find WORDS: replay only (Command.Message)
	VerbFork   = "fork"   // fork: replay only
)

// What values of explain commands (Command.What when Verb is VerbExplain).
const (
	ExplainCommit = "commit" // explain commit [I]
	ExplainNode   = "node"   // explain N
	ExplainVote   = "vote"   // explain vote N
	ExplainLog    = "log"    // explain log N
)

// What values of wait commands (Command.What when Verb is VerbWait).
const (
	WaitKey       = "key" // wait key: the dashboard waits for a key press; headless, nothing
	WaitLeader    = "leader"
	WaitCommit    = "commit"
	WaitConverged = "converged"
	WaitSettled   = "settled"   // wait settled: converged, a leader has committed an entry of its term, and every live member it reaches follows it
	WaitTerm      = "term"      // wait term N CMP T: like expect term, but waits for it
	WaitRole      = "role"      // wait role N ROLE: like expect role, but waits for it
	WaitConfig    = "config"    // wait config: no membership change pending, every live member holds it, and the leader has heard each acknowledge it
	WaitViolation = "violation" // wait violation: the invariant monitor has seen a safety violation
)

// What values of expect commands (Command.What when Verb is VerbExpect).
const (
	ExpectLeader    = "leader"
	ExpectRole      = "role"
	ExpectTerm      = "term"
	ExpectCommit    = "commit"
	ExpectLast      = "last"     // expect last N CMP I: node N's last log index
	ExpectApplied   = "applied"  // expect applied N CMP I: node N's applied index
	ExpectSnapshot  = "snapshot" // expect snapshot N CMP I: the index node N's newest snapshot covers (0: none)
	ExpectGet       = "get"
	ExpectSafe      = "safe"
	ExpectConfig    = "config"    // expect config ==|!= 1,2,3: the voters
	ExpectViolation = "violation" // expect violation: the monitor has seen one (the point of an unsafe scenario)
)

// Indexes of another node that `expect commit N CMP` may compare with.
const (
	IndexLast    = "last"
	IndexCommit  = "commit"
	IndexApplied = "applied"
)

// Settings of set commands (Command.Setting when Verb is VerbSet).
const (
	SetHeartbeat     = "heartbeat"
	SetElection      = "election"
	SetPreVote       = "prevote"
	SetCheckQuorum   = "checkquorum"
	SetSnapshotEvery = "snapshot-every"
	SetDiskDelay     = "disk-delay"        // set disk-delay N D
	SetDiskFull      = "disk-full"         // set disk-full N on|off
	SetSkipFsync     = "unsafe-skip-fsync" // set unsafe-skip-fsync N on|off
)

// Default timeouts the executor applies when a command leaves them at zero.
const (
	DefaultWaitTimeout = 10 * time.Second // wait leader|commit|converged; or WaitScale election timeouts, if longer
	// WaitScale is how many of the longest election timeout a wait with
	// no TIMEOUT allows at least: a few elections, split votes included.
	WaitScale             = 5
	DefaultClientTimeout  = 5 * time.Second // put, get, del, and resolving "leader"
	DefaultProposeTimeout = time.Second     // propose: how long to wait for the entry to commit
)

// MaxDuration is the longest duration any command accepts.
const MaxDuration = time.Hour

// MaxRate is the highest rate `load` accepts, in writes per second.
const MaxRate = 1_000_000

// NodeKind says how a NodeRef names a node.
type NodeKind int

// Kinds of NodeRef. The zero NodeRef has kind NodeNone and names no node.
const (
	NodeNone     NodeKind = iota // no node (field not used by this command)
	NodeNumber                   // a fixed node, NodeRef.N in 1..nodes
	NodeLeader                   // the leader at the time the command runs
	NodeFollower                 // the lowest-numbered live follower of the current leader
	NodeNamed                    // a node saved by `let`, NodeRef.Name without the '@'
)

// NodeRef names a node as a command wrote it. Leader, follower and named
// references are resolved by the executor when the command runs.
type NodeRef struct {
	Kind NodeKind
	N    int    // node number when Kind is NodeNumber
	Name string // saved name (without '@') when Kind is NodeNamed
}

// String returns the reference as it is written in a command:
// "3", "leader", "follower" or "@old" ("none" for the zero NodeRef).
func (r NodeRef) String() string {
	switch r.Kind {
	case NodeNumber:
		return strconv.Itoa(r.N)
	case NodeLeader:
		return "leader"
	case NodeFollower:
		return "follower"
	case NodeNamed:
		return "@" + r.Name
	}
	return "none"
}

// Cmp is a comparison operator of expect commands.
type Cmp string

// Comparisons accepted by expect.
const (
	Eq Cmp = "=="
	Ne Cmp = "!="
	Ge Cmp = ">="
	Le Cmp = "<="
	Gt Cmp = ">"
	Lt Cmp = "<"
)

// Holds reports whether "got c want" is true. An unknown Cmp never holds.
func (c Cmp) Holds(got, want uint64) bool {
	switch c {
	case Eq:
		return got == want
	case Ne:
		return got != want
	case Ge:
		return got >= want
	case Le:
		return got <= want
	case Gt:
		return got > want
	case Lt:
		return got < want
	}
	return false
}

// Role is a node role named by `expect role N ROLE`.
type Role string

// Roles accepted by `expect role`.
const (
	RoleLeader    Role = "leader"
	RoleFollower  Role = "follower"
	RoleCandidate Role = "candidate" // a candidate or a pre-candidate
	// RolePreCandidate is a node in its PreVote phase only: it asks for
	// pre-votes and has not raised its term.
	RolePreCandidate Role = "pre-candidate"
	RoleDown         Role = "down"
	RoleLearner      Role = "learner" // a follower the configuration lists as a learner
)

// Command is one parsed command line. Verb says which fields are used; every
// argument has been parsed and validated, so the executor never re-parses text.
// Fields a verb does not use are left at their zero value.
//
//	put KEY VALUE                  Key, Value
//	get KEY / del KEY              Key
//	load RATE|off                  Rate (0 = off)
//	propose N KEY VALUE [TIMEOUT]  Node, Key, Value, Timeout (0 = DefaultProposeTimeout)
//	crash|restart|pause|resume|isolate|snapshot N
//	                               Node
//	partition G1 G2 ...            Groups (each group a list of nodes; at least one group)
//	heal / status                  -
//	heal FROM TO                   From, To (one directed link's rules)
//	drop PCT [FROM TO]             Pct (0..100), From, To (nil = every link)
//	delay D [JITTER] [FROM TO]     Duration, Jitter, From, To (nil = every link)
//	cut FROM TO                    From, To (one-way: FROM -> TO)
//	wait leader|converged [T]      What, Timeout (0 = DefaultWaitTimeout)
//	wait commit I [T]              What, Index, Timeout
//	wait term N CMP T [T]          What, Node, Cmp, Term, Timeout
//	wait role N ROLE [T]           What, Node, Role, Timeout
//	sleep D                        Duration
//	expect leader ==|!= N          What, Cmp, Node
//	expect leader none             What, None
//	expect role N ROLE             What, Node, Role
//	expect term N CMP T            What, Node, Cmp, Term
//	expect commit N CMP I          What, Node, Cmp, Index
//	expect commit N CMP last M     What, Node, Cmp, IndexOf, IndexNode (also commit M, applied M)
//	expect get KEY ==|!= VALUE     What, Key, Cmp, Value
//	expect get KEY (nil)           What, Key, Cmp (Eq), None (also "== (nil)", "!= (nil)")
//	expect safe                    What
//	set heartbeat D                Setting, Duration
//	set election MIN-MAX           Setting, Min, Max (0 < Min < Max)
//	set prevote|checkquorum on|off Setting, On
//	set snapshot-every N           Setting, Every (0 = never)
//	let NAME = NODE                Name, Node (NODE is not NodeNone)
//	help [COMMAND]                 Topic ("" = the command list)
//	echo TEXT...                   Message (the words joined by one space)
//	say TEXT...                    Message (as echo; not empty)
//	wait key                       What
//	save FILE                      Name (the file)
//	freeze / thaw / step           -
//	deliver|discard FROM TO [KIND] From, To, Kind ("" = any)
//	timeout|heartbeat N            Node
//	tick N [COUNT]                 Node, Count (1 when left out)
//	trace on|off                   On
//	messages [COUNT] [all]         Count (0 = the default), All (heartbeats too)
//	explain commit [I]             What, Index (0 = the lowest uncommitted)
//	explain N / vote N / log N     What, Node
//	add [N] [TIMEOUT]              Node (zero: the next free id), Timeout (0 = DefaultAddTimeout)
//	remove|promote N               Node
//	transfer [N]                   Node (zero: the most up-to-date follower)
//	wait config [T]                What, Timeout
//	expect config ==|!= LIST       What, Cmp, Config (sorted voter ids)
//	wait violation [T] / expect violation   What, Timeout
//	powerfail N / powerfail all    Node, or All
//	wipe N                         Node
//	corrupt N [PART]               Node, What (Corrupt* constants; default segment)
//	set disk-delay N D             Setting, Node, Duration (0..MaxDiskDelay)
//	set disk-full|unsafe-skip-fsync N on|off   Setting, Node, On
type Command struct {
	Line, Col int // position of the command word, 1-based (Col counts runes)
	// GluedHash is the column of a '#' right after a word that started
	// the line's comment (get a#b reads key a), or 0: the contract says
	// '#' starts a comment, but such a line is seldom meant so (GluedNote).
	GluedHash int
	Text      string // the source line, trimmed, without its comment
	Verb      string // one of the Verb constants

	What    string // wait and expect: which condition (Wait* and Expect* constants)
	Setting string // set: which setting (Set* constants)

	Key, Value string
	None       bool // expect leader none; expect get KEY (nil): the key is absent (Cmp Eq) or present (Cmp Ne)

	Node     NodeRef
	Groups   [][]NodeRef
	From, To *NodeRef

	Duration time.Duration
	Jitter   time.Duration
	Min, Max time.Duration
	Timeout  time.Duration

	Rate  int
	Pct   float64
	Index uint64
	Term  uint64
	Every uint64
	Cmp   Cmp
	Role  Role
	On    bool

	Name    string // let: the name being defined, without '@'
	Message string // echo
	Topic   string // help

	Kind string // deliver, discard: a message kind (cluster.MessageKinds), "" = any

	// expect commit N CMP (last|commit|applied) M: the index compared with
	// is node IndexNode's (IndexOf one of the Index* constants); "" = Index.
	IndexOf   string
	IndexNode NodeRef
	Count     int  // tick: ticks; messages: how many
	All       bool // messages: heartbeats and their answers too

	Config []uint64 // expect config: the voters, sorted
}

// WaitTimeout returns the timeout of a wait command: Timeout, or
// DefaultWaitTimeout when the script left it out.
func (c *Command) WaitTimeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultWaitTimeout
}

// Refs returns every node reference the command uses, in source order, so the
// executor can resolve or check them in one place.
func (c *Command) Refs() []NodeRef {
	var refs []NodeRef
	if c.Node.Kind != NodeNone {
		refs = append(refs, c.Node)
	}
	for _, g := range c.Groups {
		refs = append(refs, g...)
	}
	if c.From != nil {
		refs = append(refs, *c.From)
	}
	if c.To != nil {
		refs = append(refs, *c.To)
	}
	if c.IndexNode.Kind != NodeNone {
		refs = append(refs, c.IndexNode)
	}
	return refs
}

// String returns the command in canonical form: parsing it again gives the same
// command (except Line, Col and Text).
func (c *Command) String() string {
	w := []string{c.Verb}
	switch c.Verb {
	case VerbPut:
		w = append(w, quote(c.Key), quote(c.Value))
	case VerbGet, VerbDel:
		w = append(w, quote(c.Key))
	case VerbPropose:
		w = append(w, c.Node.String(), quote(c.Key), quote(c.Value))
		if c.Timeout != 0 {
			w = append(w, c.Timeout.String())
		}
	case VerbLoad:
		if c.Rate == 0 {
			w = append(w, "off")
		} else {
			w = append(w, strconv.Itoa(c.Rate))
		}
	case VerbRestart:
		if c.All {
			w = append(w, "all")
		} else {
			w = append(w, c.Node.String())
		}
	case VerbCrash, VerbPause, VerbResume, VerbIsolate, VerbSnapshot:
		w = append(w, c.Node.String())
	case VerbPartition:
		for _, g := range c.Groups {
			names := make([]string, len(g))
			for i, r := range g {
				names[i] = r.String()
			}
			w = append(w, strings.Join(names, ","))
		}
	case VerbDrop:
		w = append(w, strconv.FormatFloat(c.Pct, 'f', -1, 64))
		w = appendLink(w, c)
	case VerbDelay:
		w = append(w, c.Duration.String())
		if c.Jitter != 0 {
			w = append(w, c.Jitter.String())
		}
		w = appendLink(w, c)
	case VerbCut, VerbHeal:
		w = appendLink(w, c)
	case VerbWait:
		w = append(w, c.What)
		switch c.What {
		case WaitCommit:
			w = append(w, strconv.FormatUint(c.Index, 10))
		case WaitTerm:
			w = append(w, c.Node.String(), string(c.Cmp), strconv.FormatUint(c.Term, 10))
		case WaitRole:
			w = append(w, c.Node.String(), string(c.Role))
		}
		if c.Timeout != 0 {
			w = append(w, c.Timeout.String())
		}
	case VerbSleep:
		w = append(w, c.Duration.String())
	case VerbExpect:
		w = c.appendExpect(append(w, c.What))
	case VerbSet:
		w = append(w, c.Setting)
		switch c.Setting {
		case SetHeartbeat:
			w = append(w, c.Duration.String())
		case SetElection:
			w = append(w, c.Min.String()+"-"+c.Max.String())
		case SetPreVote, SetCheckQuorum:
			w = append(w, onOff(c.On))
		case SetSnapshotEvery:
			w = append(w, strconv.FormatUint(c.Every, 10))
		case SetDiskDelay:
			w = append(w, c.Node.String(), c.Duration.String())
		case SetDiskFull, SetSkipFsync:
			w = append(w, c.Node.String(), onOff(c.On))
		}
	case VerbLet:
		w = append(w, c.Name, "=", c.Node.String())
	case VerbHelp:
		if c.Topic != "" {
			w = append(w, c.Topic)
		}
	case VerbEcho:
		if c.Message != "" {
			w = append(w, quote(c.Message))
		}
	case VerbSay:
		w = append(w, quote(c.Message))
	case VerbSave:
		w = append(w, quote(c.Name))
	case VerbDeliver, VerbDiscard:
		w = appendLink(w, c)
		if c.Kind != "" {
			w = append(w, c.Kind)
		}
	case VerbTimeout, VerbHeartbeat:
		w = append(w, c.Node.String())
	case VerbTick:
		w = append(w, c.Node.String(), strconv.Itoa(c.Count))
	case VerbTrace:
		w = append(w, onOff(c.On))
	case VerbExplain:
		switch c.What {
		case ExplainCommit:
			w = append(w, c.What)
			if c.Index != 0 {
				w = append(w, strconv.FormatUint(c.Index, 10))
			}
		case ExplainNode:
			w = append(w, c.Node.String())
		default:
			w = append(w, c.What, c.Node.String())
		}
	case VerbAdd:
		if c.Node.Kind != NodeNone {
			w = append(w, c.Node.String())
		}
		if c.Timeout != 0 {
			w = append(w, c.Timeout.String())
		}
	case VerbRemove, VerbPromote, VerbWipe:
		w = append(w, c.Node.String())
	case VerbPowerfail:
		if c.All {
			w = append(w, "all")
		} else {
			w = append(w, c.Node.String())
		}
	case VerbCorrupt:
		w = append(w, c.Node.String(), c.What)
	case VerbTransfer:
		if c.Node.Kind != NodeNone {
			w = append(w, c.Node.String())
		}
	case VerbRecord, VerbSeek, VerbFind:
		w = append(w, c.recordWords()...)
	case VerbMessages:
		if c.Count != 0 {
			w = append(w, strconv.Itoa(c.Count))
		}
		if c.All {
			w = append(w, "all")
		}
	}
	return strings.Join(w, " ")
}

func (c *Command) appendExpect(w []string) []string {
	switch c.What {
	case ExpectLeader:
		if c.None {
			return append(w, "none")
		}
		return append(w, string(c.Cmp), c.Node.String())
	case ExpectRole:
		return append(w, c.Node.String(), string(c.Role))
	case ExpectTerm:
		return append(w, c.Node.String(), string(c.Cmp), strconv.FormatUint(c.Term, 10))
	case ExpectCommit, ExpectLast, ExpectApplied, ExpectSnapshot:
		if c.IndexOf != "" {
			return append(w, c.Node.String(), string(c.Cmp), c.IndexOf, c.IndexNode.String())
		}
		return append(w, c.Node.String(), string(c.Cmp), strconv.FormatUint(c.Index, 10))
	case ExpectConfig:
		return append(w, string(c.Cmp), raft.JoinIDs(c.Config))
	case ExpectGet:
		w = append(w, quote(c.Key), string(c.Cmp))
		if c.None {
			return append(w, nilWord)
		}
		return append(w, quote(c.Value))
	}
	return w
}

func appendLink(w []string, c *Command) []string {
	if c.From != nil && c.To != nil {
		w = append(w, c.From.String(), c.To.String())
	}
	return w
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// nilWord, unquoted, stands for an absent value in `expect get`.
const nilWord = "(nil)"

// Quote returns s as one word of the language, as Command.String writes it:
// bare when that reads back the same, otherwise in double quotes with Go
// escapes (invalid UTF-8 as \xff). Other writers of keys and values
// (raftplay wal) use it to write them as a script would.
func Quote(s string) string { return quote(s) }

// quote returns s as one word of the language: bare when that reads back the
// same, otherwise in double quotes with Go escapes.
func quote(s string) string {
	if s == "" || s == nilWord || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if r == '"' || r == '#' || r == '\\' || r == ' ' || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
