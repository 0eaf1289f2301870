package cluster

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftplay/raft"
	"raftplay/transport"
)

// Explanations: sentences that answer "why is this entry not committed?",
// "why is this node a candidate / still a leader?", "why did it refuse that
// vote?", "where does its log differ?". They are pure functions of one
// Status (one consistent snapshot of the cluster), so the dashboard, the
// explain command, the HTTP API and a replay all say the same thing, and
// tests can feed them statuses built by hand.

// termAt returns the term of entry i in n's status: from its log window,
// its snapshot, or 0 when the status does not say.
func termAt(n NodeStatus, i uint64) (uint64, bool) {
	switch {
	case i == 0:
		return 0, true
	case i > n.LastIndex:
		return 0, false
	case i == n.LastIndex:
		return n.LastTerm, true
	case i == n.SnapshotIndex:
		return n.SnapshotTerm, true
	case i >= n.LogStart && i-n.LogStart < uint64(len(n.LogTerms)):
		return n.LogTerms[i-n.LogStart], true
	case len(n.LogTerms) > 0 && i > n.LogStart && n.LogTerms[len(n.LogTerms)-1] == n.LastTerm:
		// Past the window (published less often than the last index),
		// between two entries of one term: the terms of a log never
		// go down, so it is of that term too.
		return n.LastTerm, true
	}
	return 0, false
}

// explainLeader returns the node the explanations take as the leader: the
// cluster's leader, or else the node that believes it leads in the highest
// term.
func explainLeader(st Status) (NodeStatus, bool) {
	if l, ok := st.Node(st.Leader); ok {
		return l, true
	}
	var best NodeStatus
	found := false
	for _, n := range st.Nodes {
		if n.Live() && n.Role == "leader" && (!found || n.Term > best.Term) {
			best, found = n, true
		}
	}
	return best, found
}

// ids formats node ids: "1,2,5" ("none" when empty).
func ids(list []uint64) string {
	if len(list) == 0 {
		return "none"
	}
	parts := make([]string, len(list))
	for i, id := range list {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// dur formats a duration for people: "120 ms", "2.1 s".
func dur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	// Rounded as the cards round their timers (1950 ms is 2.0 s on both: %.1f
	// alone printed 1.9 beside the card's 2.0).
	return fmt.Sprintf("%.1f s", d.Round(100*time.Millisecond).Seconds())
}

// unreachableWhy says why node id cannot take part now ("" when it can):
// down, paused, frozen with the message held, or cut off from the leader
// (one way or both: taking part needs the leader's messages and the
// answers).
func unreachableWhy(st Status, id, leader uint64) string {
	n, _ := st.Node(id)
	switch {
	case n.State == StateCrashed:
		return "is down (" + n.StateText() + ")"
	case n.State == StateFailed:
		return "is down (failed)"
	case n.State == StatePaused:
		return "is paused"
	case n.State == StateRemoved:
		return "was removed from the cluster (its process stopped)"
	case leader != 0 && !Reachable(st.Faults, id, leader):
		return cutWhy(st.Faults, id, leader)
	}
	return ""
}

// blocked says what stops messages from node from reaching node to, as
// the fault table has it: "2->1 is cut", "2->1 drops every message",
// "2 and 1 are on two sides of the partition".
func blocked(t transport.FaultTable, from, to uint64) string {
	r, partitioned := t.On(from, to)
	switch {
	case partitioned:
		return fmt.Sprintf("%d and %d are on two sides of the partition", from, to)
	case r.Cut:
		return fmt.Sprintf("%d->%d is cut", from, to)
	case r.DropPct >= 100:
		return fmt.Sprintf("%d->%d drops every message", from, to)
	}
	return fmt.Sprintf("%d->%d is blocked", from, to)
}

// cutWhy says which way the link between id and leader is cut, as id's
// predicate: "is cut off from 2", "hears nothing from 2 (2->1 is cut)",
// "cannot answer 2 (1->2 is cut)".
func cutWhy(t transport.FaultTable, id, leader uint64) string {
	switch to, from := Delivers(t, id, leader), Delivers(t, leader, id); {
	case !to && !from:
		return fmt.Sprintf("is cut off from %d", leader)
	case !from:
		return fmt.Sprintf("hears nothing from %d (%s)", leader, blocked(t, leader, id))
	default:
		return fmt.Sprintf("cannot answer %d (%s)", leader, blocked(t, id, leader))
	}
}

// explainCommitNoLeader is ExplainCommit of index i > 0 with no leader: an
// entry committed before stays committed (any node that can win an election
// holds it, §5.4.1); any other waits for a leader.
func explainCommitNoLeader(st Status, i uint64) string {
	var knows *NodeStatus
	for k, n := range st.Nodes {
		if n.Commit >= i && (knows == nil || n.Commit > knows.Commit) {
			knows = &st.Nodes[k]
		}
	}
	const stays = "there is no leader now, but a committed entry stays committed: any node that can be elected holds it (§5.4.1)"
	switch {
	case knows != nil:
		return fmt.Sprintf("index %d is committed (node %d's commit is %d); %s", i, knows.ID, knows.Commit, stays)
	case i <= st.EverApplied:
		return fmt.Sprintf("index %d is committed: it was applied before (up to %d has been applied since the cluster started); %s", i, st.EverApplied, stays)
	}
	return fmt.Sprintf("no leader: index %d commits only once one is elected (the highest commit any node knows is %d)", i, st.Commit)
}

// otherEntries names the nodes that hold an entry other than leader l's
// (of term) at committed index i, which l overwrites: "; 3 holds another
// entry there (term 3): its log differs from the leader's, which
// overwrites it", or "" when none does. Removed nodes, nodes at a later
// term than l's (which never take its entries), and holders, the nodes l
// knows hold its entry (a lane published before the node took it lags:
// "is on 1,2,3" and "3 holds another entry" were said together), are not
// named. Said
// only of a committed index: at one not committed yet the nodes missing
// it are each said (a log that differs among them); at a committed one
// they were not, and the column cursor read "is on 1,2,4,5: committed"
// beside node 3's lane showing another term there (a teacher's report).
func otherEntries(st Status, l NodeStatus, i, term uint64, holders []uint64) string {
	var other []string // "3 (term 3)"
	var one string     // "3 holds another entry there (term 3)"
	for _, n := range st.Nodes {
		if n.ID == l.ID || n.State == StateRemoved || n.Term > l.Term || slices.Contains(holders, n.ID) {
			continue
		}
		if t, ok := termAt(n, i); ok && t != term {
			other = append(other, fmt.Sprintf("%d (term %d)", n.ID, t))
			one = fmt.Sprintf("%d holds another entry there (term %d)", n.ID, t)
		}
	}
	switch len(other) {
	case 0:
		return ""
	case 1:
		return "; " + one + ": its log differs from the leader's, which overwrites it"
	}
	return fmt.Sprintf("; %s and %s hold other entries there: their logs differ from the leader's, which overwrites them",
		strings.Join(other[:len(other)-1], ", "), other[len(other)-1])
}

// ExplainCommit says why log index i is or is not committed, from the
// leader's view (what decides commit): which nodes hold it, how many are
// needed, and the one reason it waits. i = 0 means the lowest uncommitted
// index.
func ExplainCommit(st Status, i uint64) string {
	l, ok := explainLeader(st)
	if !ok {
		if i == 0 {
			s := "no leader: nothing commits until one is elected"
			// After a restart the nodes' commit indexes start from
			// what they saved, and the lanes show entries committed
			// before as not: said, or "nothing commits" read as
			// nothing being committed (a learner's report).
			switch {
			case st.Commit >= st.EverApplied && st.Commit > 0:
				s += fmt.Sprintf("; up to %d is committed already (explain commit I for one entry)", st.Commit)
			case st.EverApplied > 0:
				// No node's commit index shows it (every node restarted):
				// "up to 1 is committed already" under a header and cards
				// saying commit 0 read as a contradiction (a teacher's
				// report). Where it comes from is said.
				if st.Commit > 0 {
					s += fmt.Sprintf("; up to %d is committed already", st.Commit)
				}
				was, it := fmt.Sprintf("entries up to %d were", st.EverApplied), "them"
				if st.EverApplied == 1 {
					was, it = "entry 1 was", "it"
				}
				s += fmt.Sprintf("; %s committed before (the nodes learn %s again from the next leader)", was, it)
			}
			return s
		}
		return explainCommitNoLeader(st, i)
	}
	if i == 0 {
		i = max(l.Commit, min(st.EverApplied, l.LastIndex)) + 1
		if i > l.LastIndex {
			s := fmt.Sprintf("every entry of leader %d is committed (commit %d, last index %d)", l.ID, l.Commit, l.LastIndex)
			// A stale leader's log is all committed too, but the header
			// says there is no leader (a new user saw both at once).
			if sl := staleness(st, l); sl.superseded() {
				s += fmt.Sprintf(", but %d is a stale leader (%s): nothing it appends now can commit", l.ID, staleWhy(sl))
			} else if sl.stale() {
				s += fmt.Sprintf(", but %d cannot commit what it appends now (%s)", l.ID, staleWhy(sl))
			}
			return s
		}
	}
	switch {
	case i > l.LastIndex:
		s := fmt.Sprintf("index %d is beyond leader %d's log (its last index is %d)", i, l.ID, l.LastIndex)
		if sl := staleness(st, l); sl.superseded() {
			// Others may hold it, committed by a later leader.
			s += fmt.Sprintf(", and %d is a stale leader (%s): a leader of a later term decides it", l.ID, staleWhy(sl))
		}
		return s
	case i <= l.SnapshotIndex && i < l.FirstIndex:
		return fmt.Sprintf("index %d is committed and compacted into leader %d's snapshot (up to %d)", i, l.ID, l.SnapshotIndex)
	}
	term, known := termAt(l, i)
	if !known && i == l.QuorumIndex && l.QuorumTerm != 0 {
		term, known = l.QuorumTerm, true
	}
	idx := fmt.Sprintf("index %d (term %d)", i, term)
	if !known {
		idx = fmt.Sprintf("index %d", i) // older than the log window the status carries
	}
	voters := votersOf(l.Membership, st.Nodes)
	quorum := len(voters)/2 + 1
	// holders: the leader and the voters it knows hold i; unacked: voters
	// that hold it (the same term at i: Log Matching) without the leader
	// knowing yet.
	var holders, missing, unacked []uint64
	if slices.Contains(voters, l.ID) {
		holders = append(holders, l.ID) // a leader being removed does not count itself
	}
	for _, n := range st.Nodes {
		if n.ID == l.ID || !slices.Contains(voters, n.ID) {
			continue
		}
		p, tracked := l.Progress[n.ID]
		if tracked && p.Match >= i {
			holders = append(holders, n.ID)
			continue
		}
		missing = append(missing, n.ID)
		// A node that is down holds on disk what its last status shows.
		if n.State == StateRemoved || n.Term > l.Term {
			continue
		}
		if t, ok := termAt(n, i); ok && known && t == term || tracked && heldUpTo(n, l, p) >= i {
			unacked = append(unacked, n.ID)
		}
	}
	slices.Sort(holders)
	on := fmt.Sprintf("%s is on %s", idx, ids(holders))
	if len(holders) == 0 {
		// (a leader leaving the configuration does not count itself, and
		// followers may hold it before they acknowledge it)
		on = fmt.Sprintf("%s is acknowledged by no voter yet", idx)
	}
	if len(unacked) > 0 {
		if len(holders) == 0 {
			on += fmt.Sprintf(" (it is on %s, not acknowledged yet)", ids(unacked))
		} else {
			on += fmt.Sprintf(" (acknowledged) and on %s (not acknowledged yet)", ids(unacked))
		}
	}
	other := ""
	if known {
		other = otherEntries(st, l, i, term, holders)
	}
	if i <= l.Commit {
		return fmt.Sprintf("%s: committed (leader %d's commit is %d)%s", on, l.ID, l.Commit, other)
	}
	if i <= st.EverApplied {
		return fmt.Sprintf("%s is committed: it was applied before (up to %d has been applied since the cluster started); leader %d's commit index (%d) restarted lower, as a commit index is not saved at every change, and catches up when an entry of its term %d reaches a majority%s",
			idx, st.EverApplied, l.ID, l.Commit, l.Term, other)
	}
	for _, n := range st.Nodes {
		if n.Live() && n.Commit >= i && n.Term <= l.Term {
			// Committed once means committed for good; this leader (elected
			// since, or restarted) has not learned it yet.
			return fmt.Sprintf("%s is committed: node %d knows it (its commit is %d); leader %d (commit %d) learns it when an entry of its term %d reaches a majority%s",
				idx, n.ID, n.Commit, l.ID, l.Commit, l.Term, other)
		}
	}
	// The core's own rule decides (raft's maybeCommit): the highest index a
	// majority holds, its copy counted once durable, commits when it is of
	// the leader's term, and every entry before it with it.
	if l.QuorumIndex >= i && l.QuorumTerm == l.Term {
		return fmt.Sprintf("%s; entry %d of term %d is on a majority: it commits at the leader's next step", on, l.QuorumIndex, l.Term)
	}
	if l.QuorumIndex >= i {
		return fmt.Sprintf("%s, a majority of %d, but the leader's term is %d: Raft commits it only with an entry of term %d, once that entry is on a majority (§5.4.2)",
			on, len(voters), l.Term, l.Term)
	}
	if len(holders) >= quorum {
		return fmt.Sprintf("%s, a majority, but the leader's own copy is not yet durable: it commits once the leader's fsync ends%s", on, diskWaitNote(l, "the leader"))
	}
	var why []string
	var away []uint64   // unacked, and down, paused or cut off: said apart
	var higher []uint64 // cut off and at a higher term: said once, below
	for _, id := range missing {
		w := unreachableWhy(st, id, l.ID)
		if n, _ := st.Node(id); w != "" && n.Live() && n.Term > l.Term {
			// Cut off, and at a later term too: healed, it still never
			// takes this leader's entries.
			w += fmt.Sprintf(" and at term %d", n.Term)
			higher = append(higher, id)
		}
		if slices.Contains(unacked, id) && w != "" {
			why = append(why, fmt.Sprintf("%d holds it but %s", id, w))
			away = append(away, id)
			continue
		}
		if w != "" {
			why = append(why, fmt.Sprintf("%d %s", id, w))
			continue
		}
		p := l.Progress[id]
		n, _ := st.Node(id)
		if n.Term > l.Term {
			// Not behind: it will never take this leader's entries.
			why = append(why, fmt.Sprintf("%d %s", id, aboveLeader(n, l)))
			continue
		}
		if slices.Contains(unacked, id) {
			continue // said once for all, below
		}
		held, differs := logMatch(n, l, p) // acks may be on their way
		switch {
		case p.State == "snapshot" && !strings.HasSuffix(snapshotUnderWay(n, l, p), "is on its way"):
			why = append(why, fmt.Sprintf("%d is to receive a snapshot: %s", id, snapshotUnderWay(n, l, p)))
		case p.State == "snapshot":
			why = append(why, fmt.Sprintf("%d is receiving a snapshot (of index %d)", id, p.PendingSnapshot))
		case p.State == "probe" && p.LastReject != 0:
			why = append(why, fmt.Sprintf("%d refused an append after %d (its hint: %d@%d): the leader is probing back to where their logs agree", id, p.LastReject, p.LastRejectHint, p.LastRejectHintTerm))
		case differs:
			why = append(why, fmt.Sprintf("%d holds other entries there (its log differs from the leader's, which overwrites them)", id))
		case p.Match == 0 && p.State == "probe" && holds(n, l.ID, "app", "heartbeat", "snap"):
			// Frozen: say where the conversation stands (a teacher
			// found the append waiting in the follower's held list).
			why = append(why, fmt.Sprintf("%d has not answered since the leader was elected: the leader's append is held at %d", id, id))
		case p.Match == 0 && p.State == "probe" && holds(l, id, "app-resp", "heartbeat-resp"):
			why = append(why, fmt.Sprintf("%d has answered, but its answer is held at the leader", id))
		case p.Match == 0 && p.State == "probe":
			why = append(why, fmt.Sprintf("%d has not answered since the leader was elected", id))
		default:
			held = min(held, i-1) // it would be among the unacked
			w := fmt.Sprintf("%d has up to %d, %s short of it", id, held, plural(int(i-held), "entry", "entries"))
			if holdsOf(n, l.ID, "app", l.Term) {
				// Frozen: where the entries are (a learner stepping read
				// "1 entry short" with the append waiting in 1's list).
				// Only an append whose span holds i carries it: an empty
				// one (commit only) or a probe does not, and "the
				// leader's append" read as the one that brings it.
				if holdsAppendOf(n, l.ID, l.Term, i) {
					w += fmt.Sprintf(": the leader's append that carries it is held at %d", id)
				} else {
					w += fmt.Sprintf(": an append from the leader is held at %d", id)
				}
			} else if l.Frozen && n.Live() && p.Next > i && (l.ProgressLast == 0 || i <= l.ProgressLast) &&
				!holds(n, l.ID, "app", "heartbeat", "snap") && !holds(l, id, "app-resp", "heartbeat-resp") {
				// Frozen, sent, and nothing of it or its answer held:
				// lost (a crash of the follower takes what it held) or
				// discarded. It said "1 entry short of it", no reason.
				w += fmt.Sprintf(": the leader counts it as sent, and nothing from the leader is held at %d (a crash of %d loses what it held; discard drops it): the leader sends it again once %d's answer to a heartbeat or a later append shows it lacks it (heartbeat %d, then steps)",
					id, id, id, l.ID)
			}
			why = append(why, w+diskWaitNote(n, "it"))
		}
	}
	if near := slices.DeleteFunc(slices.Clone(unacked), func(id uint64) bool { return slices.Contains(away, id) }); len(near) > 0 {
		w := fmt.Sprintf("the leader has not yet heard %s acknowledge it in term %d", ids(near), l.Term)
		for _, id := range near {
			// A follower acknowledges once its copy is durable.
			if n, _ := st.Node(id); diskWait(n) != "" {
				w += fmt.Sprintf("; %d %s", id, diskWait(n))
			}
		}
		why = append(why, w)
	}
	if l.Frozen {
		why = append(why, "the cluster is frozen: nothing moves until messages are delivered")
	}
	s := fmt.Sprintf("%s, needs %d of %d; %s", on, quorum, len(voters), strings.Join(why, ", "))
	if len(higher) > 0 {
		are, they := "are", "they refuse"
		if len(higher) == 1 {
			are, they = "is", "it refuses"
		}
		s += fmt.Sprintf(". Healing the cut would not commit it through leader %d: %s %s at a term above its %d, so %s its appends, and the first answer it hears makes it step down (§5.1); a leader of the later term keeps the entry only if that leader's log holds it",
			l.ID, ids(higher), are, l.Term, they)
	}
	if known && term < l.Term {
		// More acknowledgements alone would not do (Figure 8).
		onMajority := "And on a majority it would still not commit"
		if len(holders)+len(unacked) >= quorum {
			onMajority = "It is on a majority, and yet it does not commit"
		}
		s += fmt.Sprintf(". %s by counting: it is of term %d, and the leader commits only entries of its own term %d that way; this one commits with the first entry of term %d on a majority (Figure 8, §5.4.2)",
			onMajority, term, l.Term, l.Term)
	}
	return s
}

// damagedWay says what brings back node id, whose WAL is damaged: not a
// restart (again, when one failed), until the file is repaired; or a new
// node in its place.
func damagedWay(id uint64, failed bool) string {
	again := ""
	if failed {
		again = " the same way"
	}
	return fmt.Sprintf("A restart fails%s until the damaged file is repaired or moved away; or replace the node: remove %d, then add %d starts it empty and the others catch it up (examples/replace-node.txt).", again, id, id)
}

// ExplainNode says node id's situation: its role and why, in two or three
// sentences.
func ExplainNode(st Status, id uint64) string {
	n, ok := st.Node(id)
	if !ok {
		return fmt.Sprintf("there is no node %d (nodes are 1 to %d)", id, len(st.Nodes))
	}
	switch n.State {
	case StateCrashed, StateFailed:
		s := fmt.Sprintf("%d is down (%s)", id, n.StateText())
		if n.Err != "" {
			s += ": " + n.Err
		}
		if !n.AsOf.IsZero() {
			s += fmt.Sprintf(". Before it went down it was %s at term %d with its log up to %d@%d (commit %d)", n.WasRole, n.Term, n.LastIndex, n.LastTerm, n.Commit)
		}
		if n.Damaged != "" {
			// corrupt left it down: a restart would fail (the card and
			// explain said it brings it back).
			return s + fmt.Sprintf(". Its WAL is damaged (%s). %s", n.Damaged, damagedWay(id, false))
		}
		if n.Disk.Full && n.State == StateFailed {
			return s + fmt.Sprintf(". Its disk is full: set disk-full %d off gives space back and restarts it from its files.", id)
		}
		if n.Disk.Full {
			return s + fmt.Sprintf(". Its disk is full: set disk-full %d off gives space back; then restart %d brings it back from its files (before that, a restart fails at its first write).", id, id)
		}
		if n.PowerLost {
			return s + ". What it had fsynced is all it keeps (what it wrote and did not fsync is gone): restart brings it back from its files."
		}
		if n.State == StateFailed && strings.Contains(n.Err, "WAL is damaged") {
			return s + ". " + damagedWay(id, true)
		}
		return s + ". Its files are all it keeps: restart brings it back from them."
	case StatePaused:
		return fmt.Sprintf("%d is paused: no ticks, no messages; its peers see silence. It was %s at term %d.", id, n.Role, n.Term)
	case StateRemoved:
		return removedText(id) + "."
	}
	frozen := ""
	if n.Frozen {
		frozen = " The cluster is frozen: its clock stands still"
		if len(n.Held) > 0 {
			frozen += fmt.Sprintf(" and it holds %s", plural(len(n.Held), "arrived message", "arrived messages"))
		}
		frozen += "."
	}
	var base string
	switch n.Role {
	case "leader":
		base = explainLeaderNode(st, n)
	case "candidate", "pre-candidate":
		base = explainCandidate(st, n)
	default:
		base = explainMember(st, n) + explainFollower(st, n)
	}
	if w := diskWait(n); w != "" && n.Role != "leader" {
		// What the rest says is how it stood when the wait began: its
		// loop publishes nothing while it waits. (A leader's loop goes on
		// while it fsyncs behind it; its commit explanation says the wait
		// when its own copy is what a commit waits for.)
		base += fmt.Sprintf(" Its loop %s: until that fsync ends it steps nothing, answers no one and shows no change, so the above is how it stood when the wait began.", w)
	}
	if n.Frozen && strings.Contains(base, "the cluster is frozen") {
		// Said already (a leader's commit explanation says it): once is
		// enough ("...frozen: nothing moves... The cluster is frozen: its
		// clock stands still", a learner's report).
		frozen = ""
		if len(n.Held) > 0 {
			frozen = fmt.Sprintf(" It holds %s.", plural(len(n.Held), "arrived message", "arrived messages"))
		}
	}
	return base + frozen
}

// diskWait says how long node n has waited for its disk, as "has waited
// 1.4s for an fsync (its disk is slow: set disk-delay, +3s an fsync)";
// "" unless it is up and an fsync of its has taken 100 ms or more so far.
func diskWait(n NodeStatus) string {
	if !n.Live() || n.Disk.SyncWait < 100*time.Millisecond {
		return ""
	}
	s := fmt.Sprintf("has waited %s for an fsync", n.Disk.SyncWait)
	if n.Disk.Delay > 0 {
		s += fmt.Sprintf(" (its disk is slow: set disk-delay, +%s an fsync)", n.Disk.Delay)
	}
	return s
}

// diskWaitNote is diskWait as a clause of a longer reason, its subject
// who ("it", "the leader"): "" when n is not waiting for its disk.
func diskWaitNote(n NodeStatus, who string) string {
	if w := diskWait(n); w != "" {
		return "; " + who + " " + w
	}
	return ""
}

// explainMember says what a node that does not vote is ("" for a voter):
// a learner and how far it has caught up, a node still joining, or one
// removed that has not stopped yet.
func explainMember(st Status, n NodeStatus) string {
	switch memberKind(st, n) {
	case memberLearner:
		s := fmt.Sprintf("%d is a learner: it receives the log but does not vote, count toward commits or stand for election", n.ID)
		l, led := st.LeaderFor(n)
		if led && l.Membership.IsVoter(n.ID) {
			// A promotion on its way: the leader uses the newest
			// configuration in its log, committed or not (thesis 4.1).
			entry := fmt.Sprintf("entry %d, %s", l.ConfIndex, committedOrNot(l.ConfIndex <= l.Commit))
			if l.ConfIndex == 0 {
				entry = "from its snapshot, committed" // its entry compacted away
			}
			return fmt.Sprintf("%d is a learner by its own log, but leader %d's configuration (%s) makes it a voter: %d counts it toward commits already, and %d becomes a voter when that entry reaches it. ",
				n.ID, l.ID, entry, l.ID, n.ID)
		}
		if !led {
			s += "; no leader sends it the log now"
		} else {
			if p, ok := l.Progress[n.ID]; ok && p.Match < l.LastIndex && heldUpTo(n, l, p) >= l.LastIndex {
				s += fmt.Sprintf("; it holds all %d of the leader's entries, and the leader has heard it hold %d (its acknowledgement is on its way, or held)", l.LastIndex, p.Match)
			} else if ok {
				s += fmt.Sprintf("; the leader has heard it hold %d of its %d entries", p.Match, l.LastIndex)
			}
			if p, ok := l.Progress[n.ID]; ok && p.Match+CaughtUpLag >= l.LastIndex {
				// A frozen add, or one cut short, leaves the promotion to
				// the user.
				s += fmt.Sprintf("; caught up, it becomes a voter when promoted: an add running promotes it, else promote %d does", n.ID)
			}
		}
		return s + ". "
	case memberJoining:
		return fmt.Sprintf("%d is joining: it has not yet received the configuration that adds it, and does not vote or stand for election. ", n.ID)
	case memberRemoved:
		return fmt.Sprintf("%d is not in its own configuration (%s): it was removed, and will not stand for election. ", n.ID, n.Membership)
	case memberOutside:
		own := "it has no configuration of its own"
		if !n.Membership.IsEmpty() {
			own = fmt.Sprintf("its own log's configuration (%s, entry %d) was never committed", n.Membership, n.ConfIndex)
		}
		return fmt.Sprintf("%d runs outside the cluster: the configuration in force (%s) leaves it out, no add of it is running, and %s; an add of it was cut short. "+
			"No leader sends it anything, and it neither votes nor counts toward commits; add %d starts it afresh (remove %d stops it). ",
			n.ID, st.Membership, own, n.ID, n.ID)
	}
	return ""
}

func committedOrNot(c bool) string {
	if c {
		return "committed"
	}
	return "not yet committed"
}

// Kinds of membership a node has, as far as the status tells.
const (
	memberVoter = iota
	memberLearner
	memberJoining // no configuration yet, and not in the cluster's
	memberRemoved // its own configuration leaves it out
	memberOutside // it runs outside the cluster (NodeStatus.Outside)
)

// memberKind says what n is: from its own configuration when it has one;
// a node with none is joining if the cluster's configuration leaves it
// out, and otherwise (no information, as in a status built by hand) a voter.
func memberKind(st Status, n NodeStatus) int {
	switch m := n.Membership; {
	case n.Outside:
		return memberOutside
	case m.IsVoter(n.ID):
		return memberVoter
	case m.IsLearner(n.ID):
		return memberLearner
	case !m.IsEmpty():
		return memberRemoved
	case st.Membership.IsLearner(n.ID):
		return memberLearner
	case !st.Membership.IsEmpty() && !st.Membership.IsVoter(n.ID):
		return memberJoining
	}
	return memberVoter
}

func explainFollower(st Status, n NodeStatus) string {
	left := max(0, n.ElectionTimeout-n.ElectionElapsed)
	if memberKind(st, n) != memberVoter {
		if n.Leader == 0 {
			return fmt.Sprintf("It knows no leader at term %d.", n.Term)
		}
		return fmt.Sprintf("It follows %d at term %d and heard from it %s ago.", n.Leader, n.Term, dur(n.SinceLeader))
	}
	if n.Leader == 0 {
		s := fmt.Sprintf("%d is a follower at term %d with no leader: unless it hears one, its election timer fires in %s (timeout %s).",
			n.ID, n.Term, dur(left), dur(n.ElectionTimeout))
		if note := st.Timing.TieNote(); note != "" && n.Vote == n.ID {
			// It stood in this term and lost (a majority refused it): a
			// range with no spread makes split votes likely (a learner
			// watched 47 terms go by with no word of why).
			s += fmt.Sprintf(" It stood for term %d and lost. %s", n.Term, sentence(note))
		}
		return s
	}
	s := fmt.Sprintf("%d follows %d at term %d: it heard from it %s ago, and its election timer (%s) would fire in %s.",
		n.ID, n.Leader, n.Term, dur(n.SinceLeader), dur(n.ElectionTimeout), dur(left))
	l, known := st.Node(n.Leader)
	// Its timer starts over with every message of the leader's that
	// arrives: only the way from the leader decides whether it fires.
	const fires = ": unless another leader is elected first, its timer fires and it stands for election."
	w := unreachableWhy(st, n.Leader, n.ID)
	switch {
	case !known:
	case w != "" && !l.Live():
		s += fmt.Sprintf(" But %d %s%s", n.Leader, w, fires)
	case l.Live() && l.Role != "leader":
		// Restarted, or stepped down (CheckQuorum, its answers cut): it
		// no longer leads this term, and sends no heartbeats.
		s += fmt.Sprintf(" But %d no longer leads (it is a %s at term %d)%s", n.Leader, l.Role, l.Term, fires)
	case !Delivers(st.Faults, n.Leader, n.ID):
		s += fmt.Sprintf(" But nothing from %d reaches %d (%s)%s", n.Leader, n.ID, blocked(st.Faults, n.Leader, n.ID), fires)
	case !Delivers(st.Faults, n.ID, n.Leader):
		s += fmt.Sprintf(" But its answers do not reach %d (%s): %d hears it acknowledge nothing, but %d's heartbeats still reach %d and reset its timer, so %d stays a follower.",
			n.Leader, blocked(st.Faults, n.ID, n.Leader), n.Leader, n.Leader, n.ID, n.ID)
	}
	if n.CheckQuorum && n.SinceLeader < n.ElectionMin {
		s += fmt.Sprintf(" With CheckQuorum it disregards vote requests while it believes a leader exists (thesis §4.2.3): for %s more.", dur(n.ElectionMin-n.SinceLeader))
	}
	if known && l.Live() && l.Role == "leader" && l.Term == n.Term {
		p, ok := l.Progress[n.ID]
		held, differs := logMatch(n, l, p)
		switch {
		case !ok || p.Match >= l.LastIndex:
		case p.Match > n.LastIndex:
			s += fmt.Sprintf(" It lost entries it had acknowledged: the leader counts it as holding up to %d, its log ends at %d (explain log %d says what follows).",
				p.Match, n.LastIndex, n.ID)
		case held >= l.LastIndex:
			// It holds them: only its answer has not reached the leader.
			s += fmt.Sprintf(" It holds the leader's whole log (up to %d), but the leader has not heard so yet (its match for it is %d).",
				l.LastIndex, p.Match)
		case differs:
			s += fmt.Sprintf(" Its log differs from the leader's: the two logs match up to %d, and it holds entries the leader does not have, which the leader will overwrite (%s; explain log %d says more).",
				held, p.State, n.ID)
		default:
			s += fmt.Sprintf(" It is %s behind the leader (%s", plural(int(l.LastIndex-held), "entry", "entries"), p.State)
			switch {
			case held+1 < l.FirstIndex:
				s += fmt.Sprintf("; the leader has compacted %d..%d into a snapshot, so it must send one", held+1, l.FirstIndex-1)
			case held > p.Match:
				s += fmt.Sprintf("; it holds up to %d, the leader has heard of %d so far", held, p.Match)
			case behind(l, p):
			case p.Next > l.LastIndex:
				s += ", all of them sent"
			case l.ProgressLast != 0 && p.Next > l.ProgressLast:
				// The progress shown is older than the newest entries.
				s += ", the newest just appended"
			default:
				s += ", the newest not sent yet"
			}
			s += ")."
		}
	}
	return s
}

func explainCandidate(st Status, n NodeStatus) string {
	t := n.Tally
	what, term := "election", n.Term
	if n.Role == "pre-candidate" {
		what, term = "pre-election", n.Term+1
	}
	ago := dur(n.ElectionElapsed) + " ago"
	if n.Frozen {
		// Its clock counted until the freeze, and counts the ticks it is
		// given (it said "stood still since" of an election the clock had
		// run 2 ticks into).
		ago = dur(n.ElectionElapsed) + " ago by its clock, which the freeze stopped"
	}
	cause := "its election timer fired"
	if t != nil && t.Transfer {
		cause = "the leader handed leadership to it (TimeoutNow, a leadership transfer)"
	}
	s := fmt.Sprintf("%d is a %s at term %d: %s and it started %s for term %d %s.",
		n.ID, n.Role, n.Term, cause, article(what), term, ago)
	if t == nil {
		return s
	}
	var parts []string
	voters := len(t.Granted) + len(t.Refused) + len(t.Pending) // the candidate's configuration, not every node id
	parts = append(parts, fmt.Sprintf("Votes from %s (needs %d of %d)", ids(t.Granted), t.Needed, voters))
	refused := make([]uint64, 0, len(t.Refused))
	for id := range t.Refused {
		refused = append(refused, id)
	}
	slices.Sort(refused)
	for _, id := range refused {
		parts = append(parts, fmt.Sprintf("%d refused: %s", id, refusalWhy(st, n, term, id, t.Refused[id])))
	}
	for _, id := range t.Pending {
		w := unreachableWhy(st, id, n.ID)
		if v, ok := st.Node(id); ok && w == "" && v.LastVote.Candidate == n.ID && v.LastVote.Term == term && !v.LastVote.Granted && v.LastVote.Why == raft.WhyLease {
			// It ignored the request: no answer will come (it was said
			// to be perhaps on its way).
			parts = append(parts, fmt.Sprintf("%d ignored its request: %s; no answer will come", id, refusalWhy(st, n, term, id, raft.WhyLease)))
			continue
		}
		if w == "" {
			if v, ok := st.Node(id); ok && v.Frozen {
				// This election's messages only: of its phase, and of its
				// term (a held answer of an earlier pre-election read as
				// this one's).
				req, resp := "vote", "vote-resp"
				if n.Role == "pre-candidate" {
					req, resp = "prevote", "prevote-resp"
				}
				switch {
				case holdsOf(n, id, resp, term):
					w = fmt.Sprintf("has answered, but the answer is held at %d (the cluster is frozen)", n.ID)
				case holdsOf(v, n.ID, req, term):
					w = fmt.Sprintf("has not answered: the request is held at %d (the cluster is frozen)", id)
				case discardedOf(n, id, resp, term):
					w = fmt.Sprintf("answered, but the answer was discarded at %d: no other will come for this request", n.ID)
				case discardedOf(v, n.ID, req, term):
					w = fmt.Sprintf("never got the request: it was discarded at %d, so no answer will come (a new election sends it again)", id)
				default:
					// Nothing of theirs is held: it was discarded, or lost
					// (a teacher saw "may be held there" beside held 0).
					w = "has not answered, and neither the request nor an answer is held: one is on its way, or was discarded or lost"
				}
			} else {
				w = "has not answered yet"
			}
		} else {
			w = "has not answered: it " + w
		}
		parts = append(parts, fmt.Sprintf("%d %s", id, w))
	}
	s += " " + strings.Join(parts, "; ") + "."
	// A vote refused because the voter voted for another candidate of
	// this term is a split in the making: say when the election range
	// makes that likely (a learner saw 47 terms of split votes after
	// `set election 150ms-150ms` with no word of why).
	for _, why := range t.Refused {
		if why == raft.WhyVoted && n.Role == "candidate" {
			if note := st.Timing.TieNote(); note != "" {
				s += " " + sentence(note)
			}
			break
		}
	}
	return s
}

// refusalWhy explains a refusal of candidate c's vote request for term
// by voter id.
func refusalWhy(st Status, c NodeStatus, term, id uint64, why raft.Why) string {
	v, _ := st.Node(id)
	switch why {
	case raft.WhyLogBehind:
		return fmt.Sprintf("its log (%d@%d) is more up to date than %d's (%d@%d)", v.LastIndex, v.LastTerm, c.ID, c.LastIndex, c.LastTerm)
	case raft.WhyVoted:
		if v.Term != term {
			// It has moved on since: its vote now is of a later term.
			return fmt.Sprintf("it had voted already in term %d", term)
		}
		if v.Vote == v.ID && (v.Role == "candidate" || v.Role == "pre-candidate") {
			return fmt.Sprintf("it is a candidate itself (it voted for itself at term %d)", v.Term)
		}
		if v.Vote != 0 && v.Vote != c.ID {
			return fmt.Sprintf("it voted for %d at term %d", v.Vote, v.Term)
		}
		return "it had voted for, or followed, another node in that term"
	case raft.WhyHasLeader:
		if v.Term == term && v.Leader != 0 && v.Leader != c.ID {
			return fmt.Sprintf("it follows leader %d at term %d, and a follower with a leader grants no vote in its term", v.Leader, term)
		}
		return fmt.Sprintf("it followed a leader in term %d, and a follower with a leader grants no vote in its term", term)
	case raft.WhyStaleTerm:
		return fmt.Sprintf("it is at a higher term (%d)", v.Term)
	case raft.WhyLease:
		if v.Leader == v.ID {
			return "it leads, and " + leaderLease
		}
		return fmt.Sprintf("with CheckQuorum it heard leader %d within the minimum election timeout, so it ignores vote requests (thesis §4.2.3; etcd calls this its lease)", v.Leader)
	case raft.WhyLeaderAlive:
		if v.Role == "leader" {
			return "it leads: " + noLeaderPreVote
		}
		return fmt.Sprintf("it heard from leader %d within the minimum election timeout, and a pre-vote needs a node that has not (thesis §9.6)", v.Leader)
	case raft.WhyNotMember:
		return "it joined the cluster and does not hold yet the configuration that adds it, so it votes for no one"
	}
	return "it refused"
}

func explainLeaderNode(st Status, l NodeStatus) string {
	quiet := quietPeers(l)
	sl := staleness(st, l)
	if !sl.stale() {
		s := fmt.Sprintf("%d leads at term %d. %s", l.ID, l.Term, commitOf(l))
		if st.Leader != l.ID {
			s = fmt.Sprintf("%d leads at term %d, but not a majority knows it yet (its appends have not reached them). %s", l.ID, l.Term, commitOf(l))
			if why := followedButCut(st, l); why != "" {
				s = fmt.Sprintf("%d leads at term %d, and a majority still believes it leads, but %s: none of them can reach it, so it commits nothing, and `wait leader` does not count it. %s", l.ID, l.Term, why, commitOf(l))
			}
		}
		if len(quiet) > 0 {
			s += " " + quietSentence(l, quiet)
			for _, id := range quiet {
				if n, _ := st.Node(id); diskWait(n) != "" {
					s += fmt.Sprintf(" %d %s, and answers once it ends.", id, diskWait(n))
				}
			}
		}
		if to := l.Transferee; to != 0 {
			// Thesis §3.10: no writes while it hands over; TimeoutNow once
			// the target's log is up to date.
			if p, ok := l.Progress[to]; ok && p.Match >= l.LastIndex {
				s += fmt.Sprintf(" It is handing leadership to %d: it takes no writes meanwhile, and %d's log being up to date, it has sent %d TimeoutNow, on which %d campaigns at once (the transfer is abandoned after an election timeout).", to, to, to, to)
			} else {
				s += fmt.Sprintf(" It is handing leadership to %d: it takes no writes meanwhile, and sends %d TimeoutNow once %d's log is up to date (the transfer is abandoned after an election timeout).", to, to, to)
			}
		}
		if l.Commit < l.LastIndex {
			s += " " + sentence(ExplainCommit(st, 0))
		} else if lag := followersBehind(st, l); len(lag) > 0 {
			s += " Not every follower has it all: " + strings.Join(lag, ", ") + "."
		}
		return s
	}
	s := fmt.Sprintf("%d believes it leads at term %d, but it is a stale leader:", l.ID, l.Term)
	if !sl.superseded() {
		s = fmt.Sprintf("%d leads at term %d, but it cannot commit:", l.ID, l.Term)
	}
	if sl.noQuorum > 0 {
		// The voters of its configuration count, as in staleness: a
		// removed node's slot, or a learner, is no peer a majority needs.
		voters := votersOf(l.Membership, st.Nodes)
		quietVoters := slices.DeleteFunc(slices.Clone(quiet), func(id uint64) bool { return !slices.Contains(voters, id) })
		peers := len(voters)
		if slices.Contains(voters, l.ID) {
			peers--
		}
		s += fmt.Sprintf(" it has not heard from a majority for %s (quiet for an election timeout or more: %d of %d peers, %s);", dur(sl.noQuorum), len(quietVoters), peers, ids(quietVoters))
	}
	switch {
	case sl.newer != 0:
		s += fmt.Sprintf(" %d leads a later term (%d);", sl.newer, sl.newerTerm)
	case sl.majorityPast:
		s += fmt.Sprintf(" a majority has moved past term %d, so nothing it appends can commit;", l.Term)
	}
	switch {
	case l.CheckQuorum:
		s += fmt.Sprintf(" CheckQuorum is on, so it steps down once an election timeout (%s) passes without hearing from a majority.", dur(l.ElectionMin))
	case !sl.superseded():
		s += " CheckQuorum is off, so it keeps leading, and commits again once a majority answers (or steps down when it hears a higher term)."
	default:
		s += " CheckQuorum is off, so it will not step down until it hears a higher term."
	}
	return s
}

// followedButCut says, when a majority of leader l's voters (itself
// included) follow it at its term but the links between some of them and
// it are cut, which ("2 cannot answer 1 (2->1 is cut), 3 is cut off from
// 1"); "" otherwise. Such a leader is known, not unknown: a Raft expert
// read "not a majority knows it yet" while every follower named it.
func followedButCut(st Status, l NodeStatus) string {
	voters := votersOf(l.Membership, st.Nodes)
	follow := 1 // itself
	var cut []string
	for _, n := range st.Nodes {
		if n.ID == l.ID || !n.Live() || !slices.Contains(voters, n.ID) || n.Leader != l.ID || n.Term != l.Term {
			continue
		}
		follow++
		if !Reachable(st.Faults, n.ID, l.ID) {
			cut = append(cut, fmt.Sprintf("%d %s", n.ID, cutWhy(st.Faults, n.ID, l.ID)))
		}
	}
	if follow < len(voters)/2+1 || len(cut) == 0 {
		return ""
	}
	return strings.Join(cut, ", ")
}

// followersBehind says, of leader l's followers that lack some of its log,
// why: down or cut off, holding other entries, or how far behind.
func followersBehind(st Status, l NodeStatus) []string {
	var out []string
	for _, n := range st.Nodes {
		p, ok := l.Progress[n.ID]
		if n.ID == l.ID || !ok || n.State == StateRemoved {
			continue
		}
		held, differs := logMatch(n, l, p)
		switch w := unreachableWhy(st, n.ID, l.ID); {
		case held >= l.LastIndex:
		case w != "":
			out = append(out, fmt.Sprintf("%d %s", n.ID, w))
		case differs:
			out = append(out, fmt.Sprintf("%d's log differs (%s)", n.ID, p.State))
		default:
			out = append(out, fmt.Sprintf("%d is %s behind (%s)", n.ID, plural(int(l.LastIndex-held), "entry", "entries"), p.State))
		}
	}
	return out
}

// stale says why a leader can no longer lead (see staleness).
type stale struct {
	newer        uint64        // a live leader of a later term (0: none)
	newerTerm    uint64        // its term
	majorityPast bool          // a majority of the live nodes is at a later term
	noQuorum     time.Duration // how long it has not heard from a majority, when an election timeout or more
}

func (s stale) stale() bool { return s.newer != 0 || s.majorityPast || s.noQuorum > 0 }

// superseded reports whether the cluster has moved past the leader's term:
// then it is stale in Raft's sense. A leader that only has not heard from
// a majority is still the leader of the newest term: it cannot commit, but
// it may well commit again once a majority answers (a teacher saw a paused
// and a crashed follower turn the only leader "stale").
func (s stale) superseded() bool { return s.newer != 0 || s.majorityPast }

// staleness says whether leader l is stale: a leader of a later term is up,
// or a majority has moved to a later term (nothing it appends can commit),
// or it has gone an election timeout without hearing from a majority. A
// single node at a later term (one cut off that kept starting elections)
// does not make it stale: the cluster still commits through it.
func staleness(st Status, l NodeStatus) stale {
	var s stale
	later := 0
	voters := votersOf(l.Membership, st.Nodes)
	for _, n := range st.Nodes {
		if !n.Live() || n.Term <= l.Term || !slices.Contains(voters, n.ID) {
			continue
		}
		later++
		if n.Role == "leader" && n.Term > s.newerTerm {
			s.newer, s.newerTerm = n.ID, n.Term
		}
	}
	quorum := len(voters)/2 + 1
	s.majorityPast = later >= quorum
	if quorum > 1 {
		// The leader counts itself: it needs quorum-1 peers heard within
		// an election timeout; the (quorum-1)th most recently heard says
		// how long it has gone without a majority.
		var ago []time.Duration
		for _, n := range st.Nodes {
			if n.ID == l.ID || !slices.Contains(voters, n.ID) {
				continue
			}
			d := time.Duration(1<<62 - 1) // never heard: no progress kept
			if p, ok := l.Progress[n.ID]; ok {
				d = l.HeardAgo(p)
			}
			ago = append(ago, d)
		}
		slices.Sort(ago)
		if len(ago) >= quorum-1 {
			if d := ago[quorum-2]; d >= l.ElectionMin && d < 1<<62-1 {
				s.noQuorum = d
			}
		}
	}
	return s
}

// ExplainVote says what node id decided about the last vote or pre-vote
// request it answered, and why.
func ExplainVote(st Status, id uint64) string {
	s := explainVote(st, id)
	if n, ok := st.Node(id); ok && n.LastVote.Candidate != 0 && !n.LastVote.Pre && n.LastVote.Term < n.Term {
		// An old decision: say so, and where it stands now (a Raft expert
		// read a term-1 grant to 4 on a node that now leads term 2).
		now := fmt.Sprintf("it has voted for %d", n.Vote)
		switch {
		case n.Vote == 0:
			now = "it has cast no vote in it"
		case n.Vote == id:
			now = "it voted for itself"
		}
		s += fmt.Sprintf(". That was at term %d; %d is at term %d now, where %s", n.LastVote.Term, id, n.Term, now)
	}
	return s
}

// commitOf is a leader's commit and last index as a sentence.
func commitOf(l NodeStatus) string {
	return fmt.Sprintf("Its commit index is %d, its last index %d.", l.Commit, l.LastIndex)
}

// removedText says that node id was removed, and what that left of it.
func removedText(id uint64) string {
	return fmt.Sprintf("%d was removed from the membership: its process stopped and its files were deleted (add %d makes it a new, empty node)", id, id)
}

func explainVote(st Status, id uint64) string {
	n, ok := st.Node(id)
	if !ok {
		return fmt.Sprintf("there is no node %d (nodes are 1 to %d)", id, len(st.Nodes))
	}
	if n.State == StateRemoved {
		return removedText(id) + "; it answers no vote request"
	}
	v := n.LastVote
	if v.Candidate == 0 {
		return fmt.Sprintf("%d has answered no vote request since it started", id)
	}
	what, at := "vote", "at"
	if v.Pre {
		what, at = "pre-vote", "for" // a pre-vote moves no one to its term
	}
	cand := fmt.Sprintf("%d's log (%d@%d)", v.Candidate, v.CandIndex, v.CandTerm)
	mine := fmt.Sprintf("its own (%d@%d)", v.MyIndex, v.MyTerm)
	if v.Granted && v.Pre && v.VotedFor == id {
		return fmt.Sprintf("%d granted its pre-vote to %d for term %d: it led, but had not heard from a quorum of its voters within the minimum election timeout, so it grants pre-votes as a node without a leader does (thesis §9.6), and %s is at least as up to date as %s (§5.4.1)",
			id, v.Candidate, v.Term, cand, mine)
	}
	if v.Granted && v.Pre {
		return fmt.Sprintf("%d granted its pre-vote to %d for term %d: it had not heard from a leader within the minimum election timeout (thesis §9.6), and %s is at least as up to date as %s (§5.4.1)",
			id, v.Candidate, v.Term, cand, mine)
	}
	if v.Granted {
		return fmt.Sprintf("%d granted its %s to %d at term %d: it had not voted for another node in that term, and %s is at least as up to date as %s (§5.4.1)",
			id, what, v.Candidate, v.Term, cand, mine)
	}
	switch v.Why {
	case raft.WhyLogBehind:
		return fmt.Sprintf("%d refused its %s to %d %s term %d: %s is less up to date than %s; a leader must hold every committed entry (§5.4.1)",
			id, what, v.Candidate, at, v.Term, cand, mine)
	case raft.WhyHasLeader, raft.WhyVoted:
		switch {
		case v.Following || v.Why == raft.WhyHasLeader:
			// Figure 2 grants a vote to an up-to-date candidate whatever
			// the voter follows; said of a candidate whose log was behind,
			// "Figure 2 would grant it" was wrong (a new user).
			fig2 := "Figure 2 would grant it, to no effect: that leader already holds a majority of the term"
			if !raft.UpToDate(v.CandIndex, v.CandTerm, v.MyIndex, v.MyTerm) {
				fig2 = fmt.Sprintf("Figure 2 would refuse it too: %s is less up to date than %s (§5.4.1)", cand, mine)
			}
			return fmt.Sprintf("%d refused its %s to %d %s term %d: it was following leader %d in that term, which it had not voted in; a follower with a leader grants no vote in its term (raftplay's rule, as etcd's; %s)",
				id, what, v.Candidate, at, v.Term, v.VotedFor, fig2)
		case v.VotedFor == id:
			return fmt.Sprintf("%d refused its %s to %d %s term %d: it had voted for itself in that term (a candidate too); one vote per term (Figure 2)",
				id, what, v.Candidate, at, v.Term)
		}
		return fmt.Sprintf("%d refused its %s to %d %s term %d: it had already voted for %d in that term; one vote per term (Figure 2)",
			id, what, v.Candidate, at, v.Term, v.VotedFor)
	case raft.WhyStaleTerm:
		return fmt.Sprintf("%d refused its %s to %d: the request's term %d was below its own", id, what, v.Candidate, v.Term)
	case raft.WhyLease:
		if v.VotedFor == id {
			return fmt.Sprintf("%d ignored %d's %s request at term %d: it led, and %s", id, v.Candidate, what, v.Term, leaderLease)
		}
		return fmt.Sprintf("%d ignored %d's %s request at term %d: with CheckQuorum it had heard leader %d within the minimum election timeout (thesis §4.2.3; etcd calls this its lease)",
			id, v.Candidate, what, v.Term, v.VotedFor)
	case raft.WhyLeaderAlive:
		if v.VotedFor == id {
			return fmt.Sprintf("%d refused its pre-vote to %d for term %d: it leads, and %s", id, v.Candidate, v.Term, noLeaderPreVote)
		}
		return fmt.Sprintf("%d refused its pre-vote to %d for term %d: it had heard from leader %d within the minimum election timeout, and only a node that has not grants a pre-vote (thesis §9.6)",
			id, v.Candidate, v.Term, v.VotedFor)
	case raft.WhyNotMember:
		return fmt.Sprintf("%d refused its %s to %d %s term %d: it joined the cluster and does not hold yet the configuration that adds it; until then it votes for no one (its empty log would pass any candidate's, and its id may be a removed voter's that a stale log still counts)",
			id, what, v.Candidate, at, v.Term)
	}
	return fmt.Sprintf("%d refused its %s to %d %s term %d", id, what, v.Candidate, at, v.Term)
}

// snapshotUnderWay says where the snapshot that leader l counts in flight
// to n (p is n's progress at l) stands: "one (of index 5) is on its way",
// or, in step mode, held at n, or discarded there. A discarded snapshot
// was said to be on its way: no answer comes for it, and the leader sends
// it again only when its snapshot retry times out, by its clock.
func snapshotUnderWay(n, l NodeStatus, p raft.Progress) string {
	switch {
	case holds(n, l.ID, "snap"):
		return fmt.Sprintf("one (of index %d) has arrived and is held at %d (the cluster is frozen): deliver %d %d snap installs it", p.PendingSnapshot, n.ID, l.ID, n.ID)
	case discardedOf(n, l.ID, "snap", l.Term):
		return fmt.Sprintf("the one it sent (of index %d) was discarded at %d, so no answer will come: the leader sends it again when its snapshot retry times out, by its clock (frozen, it stands still: tick %d moves it)", p.PendingSnapshot, n.ID, l.ID)
	}
	return fmt.Sprintf("one (of index %d) is on its way", p.PendingSnapshot)
}

// unreached says why what leader l sends does not repair n's log (n is
// paused, down or cut off from l, or at a later term): "; it is down, so
// ...", or "" when nothing stands in the way.
func unreached(st Status, n, l NodeStatus) string {
	switch {
	case n.State == StatePaused:
		// A paused node runs but takes nothing in: calling it down would
		// contradict its card and /status, which say paused.
		return "; it is paused, so it takes in nothing the leader sends: the leader catches it up once it is resumed"
	case !n.Live():
		return "; it is down, so nothing the leader sends reaches it: the leader catches it up once it runs again"
	case !Delivers(st.Faults, l.ID, n.ID):
		return fmt.Sprintf("; nothing leader %d sends reaches it (%s)", l.ID, blocked(st.Faults, l.ID, n.ID))
	case !Delivers(st.Faults, n.ID, l.ID):
		return fmt.Sprintf("; its answers do not reach leader %d (%s), so the leader learns nothing of what it holds", l.ID, blocked(st.Faults, n.ID, l.ID))
	case n.Term > l.Term:
		return "; it " + aboveLeader(n, l)
	}
	return ""
}

// ExplainLog says where node id's log differs from the leader's, and what
// repairs it.
func ExplainLog(st Status, id uint64) string {
	n, ok := st.Node(id)
	if !ok {
		return fmt.Sprintf("there is no node %d (nodes are 1 to %d)", id, len(st.Nodes))
	}
	if n.State == StateRemoved {
		return removedText(id) + "; it has no log any more"
	}
	l, ok := explainLeader(st)
	if !ok {
		return fmt.Sprintf("%d's log ends at %d@%d; there is no leader to compare it with", id, n.LastIndex, n.LastTerm)
	}
	if l.ID == id {
		return fmt.Sprintf("%d is the leader: its log (up to %d@%d) is the one the others follow", id, n.LastIndex, n.LastTerm)
	}
	p, tracked := l.Progress[id]
	if tracked && n.Live() && n.Term == l.Term && p.Match > n.LastIndex {
		// Raft assumes an acknowledged entry stays on its node's disk.
		return fmt.Sprintf("leader %d counts %d as holding up to %d (it acknowledged that), but %d's log ends at %d: it lost entries it had acknowledged (its disk lost them: wipe, or corrupt tail of an entry). Raft assumes this cannot happen: the leader never sends an acknowledged entry again, so %d stays behind until another leader is elected",
			l.ID, id, p.Match, id, n.LastIndex, id)
	}
	if n.LastIndex+1 < l.FirstIndex {
		// The snapshot ends beyond its whole log, so installing it replaces
		// that log: entries it holds past its commit index may well differ
		// from the leader's, which the compaction hides.
		s := fmt.Sprintf("%d's log ends at %d@%d, before leader %d's log starts: the leader has compacted up to %d into a snapshot, so it must send one (it misses %d..%d), and the snapshot replaces %d's whole log",
			id, n.LastIndex, n.LastTerm, l.ID, l.FirstIndex-1, n.LastIndex+1, l.LastIndex, id)
		if n.LastIndex > n.Commit {
			what := "entries"
			if n.LastIndex == n.Commit+1 {
				what = "entry"
			}
			s += fmt.Sprintf(" (its %s %s, past its commit index, may differ from the leader's: the snapshot settles that)", what, spanText(n.Commit+1, n.LastIndex))
		}
		switch reach := unreached(st, n, l); {
		case reach != "":
			// A snapshot the leader counts as in flight does not reach a
			// node that is down, paused or cut off: it said "one is on its
			// way" of a crashed node.
			s += reach
		case tracked && p.State == "snapshot":
			s += "; " + snapshotUnderWay(n, l, p)
		}
		return s
	}
	// The last index where both logs hold the same term, as far as both
	// status windows show.
	match, known := uint64(0), true
	for i := min(n.LastIndex, l.LastIndex); i > 0; i-- {
		a, okA := termAt(n, i)
		b, okB := termAt(l, i)
		if !okA || !okB {
			known = false
			match = i
			break
		}
		if a == b {
			match = i
			break
		}
	}
	repair := unreached(st, n, l)
	switch {
	case repair != "":
	case tracked:
		switch p.State {
		case "snapshot":
			repair = fmt.Sprintf("; the leader is sending it a snapshot (of index %d)", p.PendingSnapshot)
			if w := snapshotUnderWay(n, l, p); !strings.HasSuffix(w, "is on its way") {
				repair = fmt.Sprintf("; the leader is sending it a snapshot: %s", w)
			}
			if n.SnapshotIndex >= p.PendingSnapshot && p.PendingSnapshot > 0 {
				// Installed, and the answer not yet in (frozen, or on its
				// way): it said the snapshot was still being sent.
				repair = fmt.Sprintf("; it has installed the leader's snapshot (of index %d), and the leader goes on with appends once its answer says so", p.PendingSnapshot)
			}
		case "probe":
			repair = fmt.Sprintf("; the leader is probing (next %d) to find where they agree", p.Next)
		default:
			repair = fmt.Sprintf("; the leader streams entries from %d (it counts %s in flight, unanswered)", p.Next, plural(p.Inflight, "append", "appends"))
		}
	}
	if !known {
		return fmt.Sprintf("%d's log (up to %d@%d) and the leader's (up to %d@%d) go back further than the statuses show%s",
			id, n.LastIndex, n.LastTerm, l.LastIndex, l.LastTerm, repair)
	}
	switch {
	case match == n.LastIndex && match == l.LastIndex:
		return fmt.Sprintf("%d's log matches leader %d's: both end at %d@%d", id, l.ID, n.LastIndex, n.LastTerm)
	case match == n.LastIndex:
		if l.FirstIndex > n.LastIndex+1 {
			return fmt.Sprintf("%d's log matches leader %d's up to %d and misses %d..%d; the leader has compacted %d..%d into a snapshot, so it must send one%s",
				id, l.ID, match, match+1, l.LastIndex, match+1, l.FirstIndex-1, repair)
		}
		return fmt.Sprintf("%d's log matches leader %d's up to %d and misses %s (%s)%s",
			id, l.ID, match, plural(int(l.LastIndex-match), "entry", "entries"), spanText(match+1, l.LastIndex), repair)
	}
	extra := n.LastIndex - match
	a, _ := termAt(n, match+1)
	terms := fmt.Sprintf("term %d", a)
	if a != n.LastTerm { // a log's terms never go down: a to its last
		terms = fmt.Sprintf("terms %d to %d", a, n.LastTerm)
	}
	they, them := "they were", "them"
	if extra == 1 {
		they, them = "it was", "it"
	}
	lacks := "" // the leader's entries past the follower's last (Figure 7's node 4 lacks 7..8 too)
	if l.LastIndex > n.LastIndex {
		lacks = fmt.Sprintf("; it lacks %s too", spanText(n.LastIndex+1, l.LastIndex))
	}
	if sl := staleness(st, l); sl.superseded() || n.Commit > match {
		// The leader taken for reference is one a majority has moved
		// past (none leads now): what the node holds beyond it may be
		// committed, and that leader cannot overwrite it. It said "never
		// committed, and the leader will overwrite" of entries the node
		// had committed (a Raft teacher's report).
		held := fmt.Sprintf("%d's log matches leader %d's up to %d; from %d it holds %s the leader does not have (%s, of %s)",
			id, l.ID, match, match+1, plural(int(extra), "entry", "entries"), spanText(match+1, n.LastIndex), terms)
		if n.Commit > match {
			held += fmt.Sprintf(", committed up to %d (its commit index)", min(n.Commit, n.LastIndex))
		}
		why := "it leads an older term"
		if sl.superseded() {
			why = staleWhy(sl)
		}
		return fmt.Sprintf("%s; %d is a stale leader (%s): a node of a later term refuses its appends, so it cannot overwrite %s%s",
			held, l.ID, why, them, lacks)
	}
	return fmt.Sprintf("%d's log matches leader %d's up to %d; from %d it holds %s the leader does not have (%s, of %s): %s never committed, and the leader will overwrite %s%s%s",
		id, l.ID, match, match+1, plural(int(extra), "entry", "entries"), spanText(match+1, n.LastIndex), terms, they, them, lacks, repair)
}

// replaceable reports whether node id can be removed and added again: it
// is a member, not the last voter, and the voters left without it that
// are up make a majority of them, which the removal needs to commit (two
// of three voters failed, "or remove, then add" offered what could not be).
func replaceable(st Status, id uint64) bool {
	if !st.Membership.IsMember(id) && !st.Membership.IsEmpty() {
		return false
	}
	rest := slices.DeleteFunc(slices.Clone(st.Voters()), func(v uint64) bool { return v == id })
	up := 0
	for _, v := range rest {
		if n, ok := st.Node(v); ok && n.Live() {
			up++
		}
	}
	return len(rest) > 0 && up > len(rest)/2
}

// Why is a node's situation in a few words, for its card: "waiting: 2 of 3
// votes", "behind by 30: replicating", "stale leader: no quorum heard for
// 2.1 s", "commit waits for 4".
func Why(st Status, id uint64) string {
	n, ok := st.Node(id)
	if !ok {
		return ""
	}
	switch {
	case n.Damaged != "" && replaceable(st, id):
		// corrupt left it down: a restart fails until the file is fixed.
		return "down, WAL damaged: fix, then restart; or remove, then add"
	case n.Damaged != "":
		return "down, WAL damaged: fix, then restart"
	case n.State == StateFailed && n.Disk.Full:
		return fmt.Sprintf("down: disk full (set disk-full %d off)", id)
	case n.State == StateCrashed && n.Disk.Full:
		// Its power cut (powerfail all) or crashed after its disk filled:
		// off gives space back but restarts only a node that failed.
		return fmt.Sprintf("down: disk full (set disk-full %d off, then restart)", id)
	case n.State == StateFailed && replaceable(st, id):
		// A fix may not be at hand (a damaged WAL): a new, empty node in
		// its place is the other way back (ExplainNode says it at length).
		return "down: fix, then restart; or remove, then add"
	case n.State == StateFailed:
		return "down: fix, then restart"
	case n.State == StateCrashed:
		return "down: restart brings it back"
	case n.State == StatePaused:
		return "paused: silent"
	case n.State == StateRemoved:
		return "removed: stopped, files deleted"
	}
	if n.Role != "leader" {
		// A node that does not vote never times out into an election.
		switch memberKind(st, n) {
		case memberLearner:
			if l, ok := st.LeaderFor(n); ok && l.Membership.IsVoter(n.ID) {
				// The leader has appended its promotion (it counts it).
				if p, ok := l.Progress[n.ID]; ok && p.Match < l.LastIndex {
					// What it holds (its own log tells), not only what the
					// leader has heard: the card said 0 of 3 holding 2.
					return fmt.Sprintf("being promoted: %d of %d", min(heldUpTo(n, l, p), l.LastIndex), l.LastIndex)
				}
				return "being promoted"
			}
			l, ok := st.LeaderFor(n)
			if !ok {
				return "learner: no leader"
			}
			p, ok := l.Progress[n.ID]
			switch {
			case !ok:
				return fmt.Sprintf("learner: not in %d's config", l.ID)
			case p.Match >= l.LastIndex:
				return "learner: caught up"
			case heldUpTo(n, l, p) >= l.LastIndex:
				return "learner: has all, not acked"
			}
			return fmt.Sprintf("learner: %d of %d", p.Match, l.LastIndex)
		case memberJoining:
			return "no config yet"
		case memberRemoved:
			return "not a voter: removed"
		case memberOutside:
			return "outside: remove it"
		}
	}
	switch n.Role {
	case "candidate", "pre-candidate":
		if t := n.Tally; t != nil {
			return fmt.Sprintf("waiting: %d of %d votes", len(t.Granted), t.Needed)
		}
	case "leader":
		if sl := staleness(st, n); sl.superseded() {
			return "stale leader: " + staleWhy(sl)
		} else if sl.stale() {
			return staleWhy(sl) + ": cannot commit"
		}
		if n.Commit < n.QuorumIndex && n.QuorumTerm != n.Term {
			return fmt.Sprintf("commit waits for a term-%d entry", n.Term)
		}
		if n.Commit < n.LastIndex {
			return "commit waits: " + plural(int(n.LastIndex-n.Commit), "entry", "entries")
		}
		return "leads: all committed"
	}
	rest := dur(max(0, n.ElectionTimeout-n.ElectionElapsed))
	left := "times out in " + rest
	if n.Frozen {
		// Frozen, no clock runs: it times out only when told to (timeout N).
		left = "timer stopped at " + rest
	}
	if n.Leader == 0 && n.ElectionTimeout <= 0 {
		// No timer known yet: a node the dashboard shows restarting
		// before it publishes (it said "times out in 0 ms").
		return "no leader yet"
	}
	if n.Leader == 0 {
		return "no leader: " + left
	}
	l, ok := st.Node(n.Leader)
	switch {
	case !ok:
	case l.State == StateCrashed || l.State == StateFailed:
		return fmt.Sprintf("leader %d is down: %s", l.ID, left)
	case l.State == StatePaused:
		return fmt.Sprintf("leader %d is paused: %s", l.ID, left)
	case l.State == StateRemoved:
		return fmt.Sprintf("leader %d was removed: %s", l.ID, left)
	case l.ID != n.ID && l.Role != "leader":
		// It follows a leader that has since stepped down (CheckQuorum,
		// its answers cut, say): it sends nothing, and nothing the
		// follower holds is "up to date" with a leader.
		return fmt.Sprintf("leader %d stepped down: %s", l.ID, left)
	case l.ID != n.ID && l.Term > n.Term:
		return fmt.Sprintf("leader %d is at term %d now: %s", l.ID, l.Term, left)
	case !Delivers(st.Faults, l.ID, n.ID):
		// Its timer runs out only when the leader's messages stop coming.
		return fmt.Sprintf("cut off from leader %d: %s", l.ID, left)
	case !Delivers(st.Faults, n.ID, l.ID):
		return fmt.Sprintf("answers to %d cut", l.ID)
	case l.Role == "leader" && l.Term == n.Term:
		p, ok := l.Progress[n.ID]
		if ok && p.Match > n.LastIndex {
			return "lost acked entries" // explain log says what follows
		}
		if !ok || p.Match >= l.LastIndex {
			break
		}
		held, differs := logMatch(n, l, p)
		if p.State == "probe" && held >= l.LastIndex {
			// It holds the leader's whole log, but the leader, probing
			// it, has not heard it say so yet: just after a restart,
			// say. (Replicating, acks on their way are usual, and it
			// reads "up to date".)
			return "up to date, not acked"
		}
		// Frozen, entries on their way stay there (held): they count.
		if differs {
			return "log differs: " + p.State // explain log says where
		}
		// Sent an election timeout ago or more, and not answered (a slow
		// disk holds the follower in its fsync): not on their way, stuck.
		if held < l.LastIndex && (behind(l, p) || l.Quiet(p) || slowToAnswer(st, l, p, held) || n.Frozen && n.LastIndex < l.LastIndex) {
			return fmt.Sprintf("behind by %d: %s", l.LastIndex-held, p.State)
		}
	}
	return "up to date"
}

// heldUpTo is how far follower n's log is known to equal leader l's, p
// being the leader's progress for it: the leader's match, or more when n's
// own status shows it. Its last entry is the leader's when the leader's
// log holds the same term at that index, or when it is of the leader's
// term (only this leader made entries of its term): then so is everything
// before it (Log Matching, §5.3). Its committed entries are the leader's
// too (Leader Completeness, §5.4). The leader's match lags while acks are
// on their way, and is 0 until a leader new to its term hears from it.
func heldUpTo(n, l NodeStatus, p raft.Progress) uint64 {
	held, _ := logMatch(n, l, p)
	return held
}

// logMatch is heldUpTo, and whether n is known to hold entries that are
// not the leader's: past the leader's last index, or at an index where the
// two logs' windows show different terms. Such a follower is not simply
// behind: the leader will overwrite those entries (§5.3).
func logMatch(n, l NodeStatus, p raft.Progress) (held uint64, differs bool) {
	held = p.Match
	if n.LastIndex <= l.LastIndex {
		if t, ok := termAt(l, n.LastIndex); ok && t == n.LastTerm || n.LastTerm == l.Term {
			return max(held, n.LastIndex), false
		}
	}
	differs = n.LastIndex > l.LastIndex
	for i := min(n.LastIndex, l.LastIndex); i > held; i-- {
		a, okA := termAt(n, i)
		b, okB := termAt(l, i)
		if !okA || !okB {
			break
		}
		if a == b {
			return i, differs
		}
		differs = true
	}
	return max(held, min(n.Commit, n.LastIndex, l.LastIndex)), differs
}

// slowToAnswer reports whether leader l's follower with progress p, known
// to hold its log up to held, lacks committed entries and has not
// answered for two heartbeats or more: entries "on their way" that a
// follower's slow disk keeps it from taking. (Sent to it, they read as
// in flight, and a follower 130 entries behind under a 2 s fsync read "up
// to date" half the time: behind only once quiet for a whole election
// timeout.) A follower that keeps up answers within milliseconds, and
// one that holds every committed entry is not behind the cluster.
func slowToAnswer(st Status, l NodeStatus, p raft.Progress, held uint64) bool {
	hb := st.Timing.Heartbeat
	return held < l.Commit && hb > 0 && p.HeardAgo > 0 && l.HeardAgo(p) >= 2*hb
}

// behind reports whether leader l's follower with progress p is behind:
// it lacks entries the leader has not yet sent it while appends to it are
// still unanswered (its inflight window holds back the rest), or it is
// being probed or sent a snapshot. Entries already on their way to a
// follower that keeps up do not count, nor entries so new that the leader
// has not sent them yet with nothing else in flight: under load every
// follower trails by those for a moment. Nor do entries newer than the
// progress (l.ProgressLast): a status refreshes the leader's last index
// with every Ready and its progress less often, so those were most likely
// sent already (the why-line said "behind by 1" on and off at 300
// writes/s when it went by the last index).
func behind(l NodeStatus, p raft.Progress) bool {
	if p.Match >= l.LastIndex {
		return false
	}
	last := l.LastIndex
	if l.ProgressLast != 0 {
		last = min(last, l.ProgressLast)
	}
	return p.State != "replicate" || p.Next <= last && p.Inflight > 0
}

// quietSentence says which peers leader l has not heard from, and for how
// long: since it took office when none of them has ever answered it (a
// leader elected when its predecessor crashed has never heard from that
// one: "for 10.3 s" read as if the old leader had been silent that long).
//
// Each peer's silence is its own: peers silent alike are named together
// ("from 7 for 6.0 s; from 8,9 for 4.6 s"; one silence said for all of
// them once gave the longest to each).
func quietSentence(l NodeStatus, quiet []uint64) string {
	type group struct {
		ids      []uint64
		answered bool
		ago      string
	}
	var groups []group
	quiet = slices.Clone(quiet)
	slices.SortStableFunc(quiet, func(a, b uint64) int { // longest silent first
		return cmp.Compare(l.HeardAgo(l.Progress[b]), l.HeardAgo(l.Progress[a]))
	})
	for _, id := range quiet {
		p := l.Progress[id]
		g := group{answered: p.Answered, ago: dur(l.HeardAgo(p))}
		k := slices.IndexFunc(groups, func(h group) bool { return h.answered == g.answered && h.ago == g.ago })
		if k < 0 {
			groups, k = append(groups, g), len(groups)
		}
		groups[k].ids = append(groups[k].ids, id)
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		slices.Sort(g.ids) // in order, whichever was silent a little longer
		parts[i] = fmt.Sprintf("from %s for %s", ids(g.ids), g.ago)
		if !g.answered {
			parts[i] = fmt.Sprintf("from %s since it became leader, %s ago", ids(g.ids), g.ago)
		}
	}
	return "It has not heard " + strings.Join(parts, "; ") + "."
}

// quietPeers lists the peers leader l has not heard from for an election
// timeout or more.
func quietPeers(l NodeStatus) []uint64 {
	var quiet []uint64
	for id, p := range l.Progress {
		if l.Quiet(p) {
			quiet = append(quiet, id)
		}
	}
	slices.Sort(quiet)
	return quiet
}

// staleWhy is a stale leader's reason in a few words.
func staleWhy(s stale) string {
	switch {
	case s.noQuorum > 0:
		return "no quorum heard for " + dur(s.noQuorum)
	case s.newer != 0:
		return fmt.Sprintf("%d leads term %d", s.newer, s.newerTerm)
	}
	return "a majority is at a later term"
}

// FreshStatus is Status after every running node has published its full
// status, for explanations: they read each node's log window and a
// leader's progress, which a node otherwise refreshes every publishEvery
// (its commit and last index it publishes at every step). The nodes are
// asked together, and a node whose loop is busy for longer than
// freshWait (in fsyncs on a slow disk, say) is left with the status it
// published last: a remove waited 17 s behind a follower whose disk took
// a second per fsync.
func (c *Cluster) FreshStatus() Status {
	nodes := c.runningNodes()
	done := make(chan struct{}, len(nodes))
	for _, n := range nodes {
		go func() {
			_ = n.do(func() { n.publish(time.Now()) })
			done <- struct{}{}
		}()
	}
	wait := time.NewTimer(freshWait)
	defer wait.Stop()
	for range nodes {
		select {
		case <-done:
		case <-wait.C:
			return c.Status()
		}
	}
	return c.Status()
}

// freshWait bounds how long FreshStatus waits for a node to publish.
const freshWait = 100 * time.Millisecond

// article puts "a" or "an" before a word.
func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an " + w
	}
	return "a " + w
}

// spanText formats the index range a..b ("41..44", or "41").
func spanText(a, b uint64) string {
	if a == b {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%d..%d", a, b)
}

// sentence capitalizes s and ends it with a period, to embed it in another
// explanation.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// holds reports whether node c, frozen, holds a message of one of kinds
// from node id.
// holdsOf reports whether c holds a message of kind from id of term or
// later.
func holdsOf(c NodeStatus, id uint64, kind string, term uint64) bool {
	return slices.ContainsFunc(c.Held, func(h HeldInfo) bool { return h.From == id && h.Kind == kind && h.Term >= term })
}

// discardedOf reports whether discard dropped, at c, a message from id of
// kind and of term or later (NodeStatus.Discarded).
func discardedOf(c NodeStatus, id uint64, kind string, term uint64) bool {
	return slices.ContainsFunc(c.Discarded, func(h HeldInfo) bool { return h.From == id && h.Kind == kind && h.Term >= term })
}

// holdsAppendOf reports whether c holds an append from id of term or later
// whose entries (its summary's span, "i4..6" or "i6") include index i.
func holdsAppendOf(c NodeStatus, id, term, i uint64) bool {
	return slices.ContainsFunc(c.Held, func(h HeldInfo) bool {
		if h.From != id || h.Kind != "app" || h.Term < term {
			return false
		}
		for _, f := range strings.Fields(h.Summary) {
			if !strings.HasPrefix(f, "i") {
				continue
			}
			lo, hi, ok := strings.Cut(f[1:], "..")
			a, err := strconv.ParseUint(lo, 10, 64)
			if err != nil {
				continue
			}
			b := a
			if ok {
				if b, err = strconv.ParseUint(hi, 10, 64); err != nil {
					continue
				}
			}
			return a <= i && i <= b
		}
		return false
	})
}

func holds(c NodeStatus, id uint64, kinds ...string) bool {
	for _, h := range c.Held {
		if h.From == id && slices.Contains(kinds, h.Kind) {
			return true
		}
	}
	return false
}

// Sentences more than one explanation says.
const (
	leaderLease     = "with CheckQuorum a leader ignores vote requests while it leads (it steps down by itself once it stops hearing from a majority: thesis §4.2.3, §6.2)"
	noLeaderPreVote = "a leader that has heard from a quorum within the minimum election timeout grants no pre-vote (thesis §9.6)"
)

// aboveLeader says why follower n, at a higher term than leader l, will
// never take l's entries: "is at term 7, above the leader's 5: ...".
func aboveLeader(n, l NodeStatus) string {
	return fmt.Sprintf("is at term %d, above the leader's %d: it refuses the leader's appends, and its answer makes the leader step down (§5.1)", n.Term, l.Term)
}
