package commands

import (
	"errors"
	"fmt"
	"strings"

	"raftplay/cluster"
)

// ErrUnknownVerb is wrapped by Help's error for a verb it does not know.
var ErrUnknownVerb = errors.New("commands: unknown command")

// verbInfo describes one verb: how to parse it and how to explain it.
type verbInfo struct {
	verb   string
	group  string
	usage  []string // one line per form; usage[0] is shown in argument errors
	short  []string // one line per usage line, for the command list
	detail string   // extra prose for help VERB
	parse  func(*lineParser) error
}

// Groups of the command list, in order, as in COMMANDS.md.
const (
	groupClient  = "Client operations (through the current leader, retried across leader changes)"
	groupFaults  = "Faults"
	groupWaiting = "Waiting and checking (a script stops with exit 1 at the first failed check)"
	groupCluster = "Cluster and display"
	groupStep    = "Step mode and messages (freeze time, move one message at a time)"
	groupWhy     = "Why (explanations from the nodes' own state)"
	groupMember  = "Membership (nodes join and leave a running cluster; leadership is handed over)"
	groupDisk    = "Disk faults (what fsync buys: a crash keeps what was written, a power failure only what was fsynced)"
	groupSession = "Narration and sessions (lessons; a session saved as a script)"
)

var groups = []string{groupClient, groupFaults, groupWaiting, groupCluster, groupStep, groupWhy, groupMember, groupDisk, groupSession, groupRecord}

var verbTable []verbInfo

// init fills verbTable (in a function because parseHelp refers back to it).
func init() {
	verbTable = []verbInfo{
		{VerbPut, groupClient, []string{"put KEY VALUE"}, []string{"replicated write; prints ok index=I term=T"},
			"Writes VALUE under KEY through the leader and prints the log index and term it\ncommitted at. Quote a value with spaces: put greeting \"hello world\".\n" + quotingHelp, parsePut},
		{VerbGet, groupClient, []string{"get KEY"}, []string{"linearizable read; prints the value or (nil)"},
			"", parseKeyOnly},
		{VerbDel, groupClient, []string{"del KEY"}, []string{"replicated delete; prints ok index=I term=T"},
			"", parseKeyOnly},
		{VerbLoad, groupClient, []string{"load RATE", "load off"}, []string{"background writes at RATE per second", "stop the background writes"},
			fmt.Sprintf("RATE is writes per second, 1..%d.", MaxRate), parseLoad},

		{VerbPropose, groupClient, []string{"propose N KEY VALUE [TIMEOUT]"}, []string{"put sent to node N alone, not retried; prints ok or uncommitted"},
			"Hands a put to node N only (no retry, no redirect) and waits up to TIMEOUT\n(default 1s) for it to commit. Prints `ok index=I term=T` when it committed,\n`uncommitted index=I term=T` when N took it into its log but it did not\ncommit in time (say N leads a minority), `replaced index=I term=T: ...`\nwhen a new leader's entry took its place in N's log before it committed\n(its outcome is unknown: a node that still holds it may yet commit it), and\nfails when N is not a leader. Shows why a leader cut off from the majority\ncan never commit.", parsePropose},
		{VerbCrash, groupFaults, []string{"crash N"}, []string{"kill node N abruptly; its memory is gone"},
			"N may be a number, leader, follower or @NAME. In a script, leader and follower\nwait for a leader (up to " + DefaultClientTimeout.String() + "); at the dashboard's prompt they name the\nnode that has the role now and fail at once when there is none (`wait leader`\nfirst, or name a node). restart N brings a crashed node back from its files.", parseNodeOnly},
		{VerbRestart, groupFaults, []string{"restart N", "restart all"}, []string{"start node N again from its files alone", "restart every node that is down (crashed, powered off, or failed to start)"}, "", parseNodeOrAll},
		{VerbPause, groupFaults, []string{"pause N"}, []string{"freeze node N: no ticks, no processing"}, "", parseNodeOnly},
		{VerbResume, groupFaults, []string{"resume N"}, []string{"thaw a paused node N"}, "", parseNodeOnly},
		{VerbPartition, groupFaults, []string{"partition A B [C...]"}, []string{"split the cluster into groups, e.g. partition 1,2 3,4,5"},
			"Each group is a comma list of nodes; no node may be named twice. Messages cross\nno group boundary. Nodes left unnamed form a group of their own, so\npartition 1,2 splits nodes 1 and 2 from the rest.", parsePartition},
		{VerbIsolate, groupFaults, []string{"isolate N"}, []string{"cut node N off from all others"}, "", parseNodeOnly},
		{VerbHeal, groupFaults, []string{"heal", "heal FROM TO"}, []string{"remove every partition and link fault", "remove the cut, drop and delay rules of link FROM -> TO"},
			"heal FROM TO leaves partitions and the rules on every link (drop 10 without\nFROM TO) as they are. Its answer names the rules it removed and what still\nhinders the link (ok; removed 1->2's own delay 20ms; 1->2 stays cut by the\npartition ...).", parseHeal},
		{VerbDrop, groupFaults, []string{"drop PCT [FROM TO]"}, []string{"drop PCT percent of messages, on every link or FROM -> TO"},
			"PCT is a number 0..100 (a trailing % is allowed); drop 0 stops dropping.", parseDrop},
		{VerbDelay, groupFaults, []string{"delay D [JITTER] [FROM TO]"}, []string{"add latency D (plus up to JITTER), on every link or FROM -> TO"},
			"D and JITTER are durations; the second word is JITTER if it is a duration, else\nFROM. delay 0s removes the delay.", parseDelay},
		{VerbCut, groupFaults, []string{"cut FROM TO"}, []string{"cut the one-way link FROM -> TO"}, "heal restores it.", parseCut},
		{VerbSnapshot, groupFaults, []string{"snapshot N"}, []string{"node N compacts its log into a snapshot now"},
			"It covers what N applied; the answer says its index and term (ok snapshot of\nnode 1 at index 2 (term 1)), or why none was taken. A paused node takes none.", parseNodeOnly},

		{VerbWait, groupWaiting, []string{"wait leader [TIMEOUT]", "wait commit I [TIMEOUT]", "wait converged [TIMEOUT]", "wait settled [TIMEOUT]", "wait term N CMP T [TIMEOUT]", "wait role N ROLE [TIMEOUT]", "wait config [TIMEOUT]", "wait violation [TIMEOUT]", "wait key"},
			[]string{"a majority knows one leader in its term", "every reachable live node has commit index >= I", "live members agree on commit, applied and key-value state", "converged; a leader committed in its term; all it reaches follow it", "until node N's term compares so (as expect term)", "until node N has ROLE (as expect role)", "no change pending; each reachable member has the newest, and the leader knows", "until the invariant monitor reports a safety violation", "dashboard: until space is pressed; headless: nothing"},
			fmt.Sprintf("TIMEOUT is a duration; the default is %s, or %d times the longest election\ntimeout if that is longer. wait key takes none: it holds a script the\ndashboard plays (a lesson) until you press space, so you can look first;\n`raftplay script` has no one to wait for and goes on at once, printing nothing.", DefaultWaitTimeout, WaitScale), parseWait},
		{VerbSleep, groupWaiting, []string{"sleep D"}, []string{"wait for duration D"}, "", parseSleep},
		{VerbExpect, groupWaiting, []string{
			"expect leader == N", "expect leader != N", "expect leader none",
			"expect role N ROLE", "expect term N CMP T", "expect commit N CMP I", "expect commit N CMP last M", "expect last N CMP I",
			"expect get KEY == VALUE", "expect get KEY (nil)", "expect safe", "expect config == LIST", "expect violation"},
			[]string{
				"N is the leader", "N is not the leader", "there is no leader",
				"ROLE is leader, follower, candidate, pre-candidate, down or learner", "node N's term; CMP is ==, !=, >=, <=, > or <", "node N's commit index",
				"against node M's last index (also commit M, applied M)",
				"node N's last log index (also applied, snapshot), as commit",
				"a linearizable read returns VALUE (also !=)", "KEY is absent", "no safety violation seen since start", "the voters are LIST, e.g. 1,2,3,4 (also !=)", "a safety violation was seen: the point of an unsafe scenario"},
			"A failed check stops a script: line 7: expect leader != 1: leader is 1 (term 4).\nAn unquoted (nil) means absent; \"(nil)\" in quotes is the literal value.\nRole candidate matches a pre-candidate too; pre-candidate matches only a node\nin its PreVote phase, asking for pre-votes without raising its term (so a\nscript can tell PreVote at work from a real election).\nexpect last, expect applied and expect snapshot compare node N's last log\nindex, applied index, or the index its newest snapshot covers (0: none), as\nexpect commit does: expect last @old > last @new (its log is longer),\nexpect snapshot 3 >= 5 (3 took or installed a snapshot up to 5).", parseExpect},

		{VerbStatus, groupCluster, []string{"status"}, []string{"table of nodes: state, role, term, vote, indexes, leader"}, "", parseNoArgs},
		{VerbSet, groupCluster, []string{"set heartbeat D", "set election MIN-MAX", "set prevote on|off", "set checkquorum on|off", "set snapshot-every N", "set disk-delay N D", "set disk-full N on|off", "set unsafe-skip-fsync N on|off"},
			[]string{"heartbeat interval on every node, live", "election timeout range, e.g. 150ms-300ms", "toggle PreVote on every node", "toggle CheckQuorum on every node", "snapshot every N applied entries (0 = never)", "every fsync of node N takes D longer (a slow disk; 0 to 1m)", "node N's writes fail with ENOSPC; off: space returns and a node stopped by it restarts", "UNSAFE: node N acknowledges entries and votes without fsync"},
			"set election takes 2ms <= MIN <= MAX; equal bounds (150ms-150ms) remove the\nrandomness, as in the Raft paper's Figure 16: it answers \"ok; every node waits\nexactly 150ms: ...\" (why votes will split), as it does for a range under 5ms\nwide; explain says so too of a candidate refused by a node that voted for\nanother, and of a follower with no leader that stood for its term and lost.\nThe heartbeat must stay shorter than MIN, and at least 1ms (the nodes keep time\nin ticks of 1 ms or more).\nset unsafe-skip-fsync N off works on a node that is down too.", parseSet},
		{VerbLet, groupCluster, []string{"let NAME = NODE"}, []string{"save a node as @NAME (NODE: N, leader, follower or @NAME)"},
			"The name keeps that node after roles change:\n  let old = leader\n  crash @old\n  wait leader\n  expect leader != @old", parseLet},
		{VerbHelp, groupCluster, []string{"help [COMMAND]"}, []string{"list commands or explain one"}, "", parseHelp},
		{VerbEcho, groupCluster, []string{"echo TEXT..."}, []string{"print TEXT"}, "Words are joined by one space; quote text to keep its spacing.", parseEcho},

		{VerbFreeze, groupStep, []string{"freeze"}, []string{"stop every clock; hold every message that arrives"},
			"While frozen no election or heartbeat timeout fires, and each message that\narrives at a node waits in that node's inbound queue (shown on the dashboard)\ninstead of being stepped. Client requests still enter the leader's log. Messages\nstill cross real TCP: freezing holds them after they arrive.", parseNoArgs},
		{VerbThaw, groupStep, []string{"thaw"}, []string{"restart the clocks; deliver what is held, in order"}, "", parseNoArgs},
		{VerbStep, groupStep, []string{"step"}, []string{"deliver the oldest held message anywhere"},
			"Prints the message and its effect: delivered 1->2 vote t3 last 5@2; 2 granted\nvote to 1 at term 3. Waits up to a second for a message to arrive.", parseNoArgs},
		{VerbDeliver, groupStep, []string{"deliver FROM TO [KIND]"}, []string{"deliver TO's oldest held message from FROM (of KIND)"},
			"KIND is one of " + strings.Join(cluster.MessageKinds, ", ") + ".\nWaits up to a second for a matching message to arrive; fails if none does.", parseDeliver},
		{VerbDiscard, groupStep, []string{"discard FROM TO [KIND]"}, []string{"drop TO's oldest held message from FROM (of KIND)"},
			"As deliver, but the message is dropped (shown as discarded in the trace). A\ndistinct verb from drop PCT, the random loss fault.", parseDeliver},
		{VerbTimeout, groupStep, []string{"timeout N"}, []string{"fire node N's election timer now"},
			"Works frozen or not: node N starts an election (or a pre-election) at once, like\nRaftScope's time out. A leader has no election timer to fire.", parseNodeOnly},
		{VerbTick, groupStep, []string{"tick N [COUNT]"}, []string{"advance node N's clock by COUNT ticks (default 1)"},
			"Prints the node's election timer after the ticks, and whatever they made it do.", parseTick},
		{VerbHeartbeat, groupStep, []string{"heartbeat N"}, []string{"leader N sends heartbeats now"}, "", parseNodeOnly},
		{VerbTrace, groupStep, []string{"trace on|off"}, []string{"record messages in the trace (on by default)"},
			"The trace keeps the newest 32768 message records (sent, delivered, held,\ndiscarded, lost with the cause) for the dashboard's message views, `messages`\nand --trace FILE.", parseOnOff},
		{VerbMessages, groupStep, []string{"messages [COUNT] [all]"}, []string{"the newest COUNT message events as a space-time diagram"},
			"One column per node, time flowing down, one row per message delivered, held,\ndiscarded or lost (x marks where a lost message died). Heartbeats and their\nanswers are left out unless all. COUNT defaults to 20.", parseMessages},
		{VerbLinks, groupStep, []string{"links"}, []string{"the link matrix: messages per second and the fault on each directed link"},
			"One row per sender, one column per receiver: messages sent per second over the\nlast 2 seconds (from the trace), and the fault in force (cut, drop %, +delay).", parseNoArgs},
		{VerbExplain, groupWhy, []string{"explain commit [I]", "explain N", "explain vote N", "explain log N"},
			[]string{"why index I (default: the lowest uncommitted) is or is not committed", "node N's situation: its role and why", "the last vote decision N made, and why", "where N's log differs from the leader's, and what repairs it"},
			"The answers come from the nodes' own state in one snapshot of the cluster, e.g.\nindex 247 (term 3) is on 1,2, needs 3 of 5; 4 is cut off from 1, 5 has up to 217,\n30 entries short of it.", parseExplain},

		{VerbAdd, groupMember, []string{"add [N] [TIMEOUT]"}, []string{"start node N (default: the next free id, up to 9) empty; join it as a learner, promote it once caught up"},
			fmt.Sprintf("The new node gets an empty data directory and new ports. It joins as a learner\n(it receives the log but does not vote), catches up by entries or by snapshot,\nand is promoted to voter once it is within %d entries of the leader. TIMEOUT\n(default %s) bounds the whole; a node not caught up by then stays a learner:\npromote N finishes it. Prints ok node=N learner-index=I voter-index=J took=D.\nN is the next new id or a removed one; it may be @NAME, a name bound to a removed\nnode: that id comes back as a new node.", 64, DefaultAddTimeout), parseAdd},
		{VerbRemove, groupMember, []string{"remove N"}, []string{"remove node N from the membership; once committed its process stops and its files go"},
			"Removing the leader works: it leads until the change commits, then steps down\nand the others elect a new leader. The last voter cannot be removed.", parseNodeOnly},
		{VerbPromote, groupMember, []string{"promote N"}, []string{"make learner N a voter (refused while it is far behind)"}, "", parseNodeOnly},
		{VerbTransfer, groupMember, []string{"transfer [N]"}, []string{"hand leadership to N (default: the most up-to-date follower); prints the new leader, its term and how long it took"},
			"The leader stops taking writes, brings N's log up to date and tells it to start\nan election at once (TimeoutNow). If N has not won within an election timeout\nthe transfer is abandoned and the leader takes writes again. Frozen, it returns\nonce the leader has taken it, and the steps carry it out. To the node that leads\nalready, it does nothing and says so (ok, not an error).", parseOptionalNode},
		{VerbPowerfail, groupDisk, []string{"powerfail N", "powerfail all"}, []string{"node N loses power: stops as with crash, and what it wrote but did not fsync is gone", "every running node loses power at once"},
			"Files are cut back to their last fsynced length, and files created or renamed\nwithout a directory fsync disappear. restart N brings it back from what survived.\nWith fsync on (the default) nothing acknowledged is lost; a node that was\nskipping fsync (set unsafe-skip-fsync) may lose entries it acknowledged, and the\nanswer says so.", parseNodeOrAll},
		{VerbWipe, groupDisk, []string{"wipe N"}, []string{"UNSAFE: node N restarts with an empty disk, same id (amnesia)"},
			"It forgets its term, its vote and its log, so it may vote twice in a term or help\nelect a leader without committed entries: the monitor reports it. Real systems\nmake a node with a new disk rejoin as a new member (remove N, then add).\nA node that was down (crash, powerfail, a failed start) or paused comes back up\ntoo, running: the new disk is put in and the node started in one go.", parseNodeOnly},
		{VerbCorrupt, groupDisk, []string{"corrupt N [segment|snapshot|tail]"}, []string{"crash node N and damage its WAL: flip a byte (default segment), or tear the last record"},
			"restart N then shows the rule: a torn tail is cut off and the node starts; any\nother damage keeps it from starting, with the file and offset named (its card\nand explain N say so before): until the file is repaired, remove N, then add N\nreplaces it with an empty node the others catch up.", parseCorrupt},

		{VerbSay, groupSession, []string{"say TEXT..."}, []string{"narration: shown large in the dashboard; a script prints " + strings.TrimSpace(NarrationMark) + " TEXT"},
			"The words are joined by one space, as echo does; \\n inside quotes breaks the\nline. # starts a comment, here as on every line: quote a text that holds one\n(say \"Step #2: crash the leader\"). A script prints the text wrapped at 78\ncolumns. Lessons (raftplay learn) are scripts that say what to look at, then\nwait key.", parseSay},
		{VerbSave, groupSession, []string{"save FILE"}, []string{"write every command run so far in this session, keys included, as a script"},
			fmt.Sprintf("The script replays the session: each command in the order it started, with a\nsleep line for each pause (rounded to %s; under %s left out, over %s\ncut short), under a header that says how to run it (raftplay script --nodes N\n... FILE). Commands that failed are comments saying so; help, save and record\nare left out, and so is a line that did not parse (it never ran). A file\nalready at FILE is kept as FILE~ (or FILE.~N~), one this session saved is\nreplaced (~/ is the home directory); a file the run reads or writes already\n(its script, --log, --trace, a recording of it, its data directory) is\nrefused.\nAt the dashboard's prompt the session is every key and command since it\nopened; in a script, the lines run before save.", shortDuration(SavePauseRound), shortDuration(SaveMinPause), shortDuration(SaveMaxPause)), parseSave},
	}
	verbTable = append(verbTable, recordVerbs()...) // record.go
}

func lookupVerb(verb string) *verbInfo {
	for i := range verbTable {
		if verbTable[i].verb == verb {
			return &verbTable[i]
		}
	}
	return nil
}

// Verbs returns every verb of the language, in the order of the command list.
func Verbs() []string {
	vs := make([]string, len(verbTable))
	for i, v := range verbTable {
		vs[i] = v.verb
	}
	return vs
}

var helpFooter = `Nodes: a number 1..N, leader, follower, or @NAME saved by let. In a script,
leader and follower wait for a leader (up to ` + DefaultClientTimeout.String() + `); at the dashboard's prompt
they fail at once when there is none.
Durations use Go syntax (150ms, 2s). # starts a comment; quote values with spaces.
Inside double quotes a backslash starts a Go escape (\n, \", \\): help put says more.
Type help COMMAND for more about one command.
`

// quotingHelp says what double quotes do to a word, in put's help: the
// lexer unquotes a quoted word with strconv.Unquote.
const quotingHelp = `Any word but the command's name may be quoted so (keys, values, file
names, the text of echo and say). Inside double quotes a backslash starts a Go
escape: \n a newline, \t a tab, \" a quote, \\ a backslash, \xff a byte, \u00e9
a character; any other (\q) is an error. Outside quotes a backslash is itself:
put path C:\new stores C:\new, as put path "C:\\new" does, while
put path "C:\new" stores C:, a newline and ew. get shows a value holding such
characters quoted the same way.`

// Help returns the help text for verb, or the whole command list grouped as in
// COMMANDS.md when verb is "". An unknown verb is an error wrapping
// ErrUnknownVerb that suggests the closest verb.
func Help(verb string) (string, error) {
	var b strings.Builder
	if verb == "" {
		for _, g := range groups {
			fmt.Fprintf(&b, "%s\n", g)
			for _, v := range verbTable {
				if v.group != g {
					continue
				}
				for i, u := range v.usage {
					b.WriteString(usageLine("  ", u, v.short[i]))
				}
			}
			b.WriteString("\n")
		}
		b.WriteString(helpFooter)
		return b.String(), nil
	}
	v := lookupVerb(verb)
	if v == nil {
		return "", fmt.Errorf("%w %q%s", ErrUnknownVerb, verb, Suggestion(verb, Verbs()))
	}
	for i, u := range v.usage {
		b.WriteString(usageLine("", u, v.short[i]))
	}
	if v.detail != "" {
		fmt.Fprintf(&b, "\n%s\n", v.detail)
	}
	return b.String(), nil
}

// usageLine is a usage and what it does, the latter in a column of its own
// after two spaces or more; a usage too long for its column has it on the
// next line ("propose N KEY VALUE [TIMEOUT] put sent ..." read as a usage
// with a word "put" in it).
func usageLine(indent, usage, short string) string {
	const col = 28
	if len(usage) <= col-1 {
		return fmt.Sprintf("%s%-*s %s\n", indent, col, usage, short)
	}
	return fmt.Sprintf("%s%s\n%s%*s %s\n", indent, usage, indent, col, "", short)
}

// Suggestion returns ` (did you mean "X"?)` for the choice closest to
// word, or "" when none is close (the CLI uses it for lesson names too).
func Suggestion(word string, choices []string) string {
	w := strings.ToLower(word)
	best, bestDist := "", 3
	for _, c := range choices {
		if len(w) >= 2 && strings.HasPrefix(c, w) && w != c {
			return fmt.Sprintf(" (did you mean %q?)", c)
		}
		if d := editDistance(w, c); d < bestDist && d < len([]rune(w)) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in runes. Inputs
// longer than 64 runes are not compared (the distance is reported as large).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
