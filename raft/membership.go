package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file holds membership changes (Raft thesis chapter 4) and leadership
// transfer (thesis §3.10).
//
// Changes are single-server changes (thesis §4.1): each configuration entry
// adds a learner, promotes a learner to voter, or removes one member, so any
// majority of the old voters overlaps any majority of the new ones and no
// joint phase is needed. A node uses the newest configuration in its log
// as soon as the entry is appended, committed or not (§4.1), and goes back
// to the previous one if that entry is truncated away. The leader proposes
// a change only when the previous one is committed and an entry of its own
// term is committed (the fix to the single-server algorithm published on
// raft-dev in 2015: without it, two leaders of successive terms could each
// add a different server and elect disjoint majorities).

// Membership is a cluster configuration: the voters, whose majorities
// elect leaders and commit entries, and the learners, who receive the log
// but neither vote nor count toward a majority. Both lists are sorted.
type Membership struct {
	Voters   []uint64 `codec:"v"`
	Learners []uint64 `codec:"l"`
}

// IsEmpty reports whether m names no member (a node that has not yet
// learned its cluster's configuration).
func (m Membership) IsEmpty() bool { return len(m.Voters) == 0 && len(m.Learners) == 0 }

// IsVoter reports whether id votes in m.
func (m Membership) IsVoter(id uint64) bool {
	_, ok := slices.BinarySearch(m.Voters, id)
	return ok
}

// IsLearner reports whether id is a learner in m.
func (m Membership) IsLearner(id uint64) bool {
	_, ok := slices.BinarySearch(m.Learners, id)
	return ok
}

// IsMember reports whether id is a voter or a learner in m.
func (m Membership) IsMember(id uint64) bool { return m.IsVoter(id) || m.IsLearner(id) }

// Members returns the voters and learners, sorted.
func (m Membership) Members() []uint64 {
	all := append(slices.Clone(m.Voters), m.Learners...)
	slices.Sort(all)
	return all
}

// Equal reports whether m and o have the same voters and learners.
func (m Membership) Equal(o Membership) bool {
	return slices.Equal(m.Voters, o.Voters) && slices.Equal(m.Learners, o.Learners)
}

// Clone returns a copy sharing no memory with m.
func (m Membership) Clone() Membership {
	return Membership{Voters: slices.Clone(m.Voters), Learners: slices.Clone(m.Learners)}
}

// String returns e.g. "voters 1,2,3 learners 4", or "none".
func (m Membership) String() string {
	if m.IsEmpty() {
		return "none"
	}
	s := "voters " + JoinIDs(m.Voters)
	if len(m.Learners) > 0 {
		s += " learners " + JoinIDs(m.Learners)
	}
	return s
}

// JoinIDs formats ids as "1,2,3" ("-" when there are none).
func JoinIDs(ids []uint64) string {
	if len(ids) == 0 {
		return "-"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(parts, ",")
}

// quorum is the number of voters that make a majority.
func (m Membership) quorum() int { return len(m.Voters)/2 + 1 }

// EncodeMembership returns the bytes of a configuration entry's Data and of
// the configuration stored with a snapshot: the number of voters, the
// voters, the number of learners, the learners, every number an unsigned
// varint.
func EncodeMembership(m Membership) []byte {
	b := make([]byte, 0, 2+len(m.Voters)+len(m.Learners))
	b = binary.AppendUvarint(b, uint64(len(m.Voters)))
	for _, id := range m.Voters {
		b = binary.AppendUvarint(b, id)
	}
	b = binary.AppendUvarint(b, uint64(len(m.Learners)))
	for _, id := range m.Learners {
		b = binary.AppendUvarint(b, id)
	}
	return b
}

// maxMembers bounds a decoded configuration: far above what any cluster
// runs, low enough that a corrupt count cannot make a decoder allocate much.
const maxMembers = 1 << 10

// DecodeMembership decodes EncodeMembership's bytes. It checks that both
// lists are sorted, free of 0 and duplicates, and disjoint.
func DecodeMembership(b []byte) (Membership, error) {
	var m Membership
	list := func(what string) ([]uint64, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > maxMembers {
			return nil, fmt.Errorf("membership: bad %s count", what)
		}
		b = b[k:]
		var ids []uint64
		for range n {
			id, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, fmt.Errorf("membership: truncated %s", what)
			}
			b = b[k:]
			ids = append(ids, id)
		}
		return ids, nil
	}
	var err error
	if m.Voters, err = list("voters"); err != nil {
		return Membership{}, err
	}
	if m.Learners, err = list("learners"); err != nil {
		return Membership{}, err
	}
	if len(b) != 0 {
		return Membership{}, errors.New("membership: trailing bytes")
	}
	if err := m.check(); err != nil {
		return Membership{}, err
	}
	return m, nil
}

// check reports a configuration that is not well formed: a list not
// sorted, holding 0 or an id twice, longer than any cluster, or an id both
// voter and learner.
func (m Membership) check() error {
	for _, l := range []struct {
		what string
		ids  []uint64
	}{{"voters", m.Voters}, {"learners", m.Learners}} {
		if len(l.ids) > maxMembers {
			return fmt.Errorf("membership: %d %s", len(l.ids), l.what)
		}
		for i, id := range l.ids {
			if id == None || i > 0 && id <= l.ids[i-1] {
				return fmt.Errorf("membership: %s not sorted and unique (%d)", l.what, id)
			}
		}
	}
	for _, id := range m.Learners {
		if m.IsVoter(id) {
			return fmt.Errorf("membership: %d is both voter and learner", id)
		}
	}
	return nil
}

// ConfChangeOp is the kind of a single-server membership change.
type ConfChangeOp uint8

const (
	// ConfAddLearner adds a node that receives the log but does not vote.
	ConfAddLearner ConfChangeOp = iota + 1
	// ConfPromote makes a learner a voter (refused while it is far behind).
	ConfPromote
	// ConfRemove removes a voter or a learner.
	ConfRemove
)

// String returns "add learner", "promote" or "remove".
func (op ConfChangeOp) String() string {
	switch op {
	case ConfAddLearner:
		return "add learner"
	case ConfPromote:
		return "promote"
	case ConfRemove:
		return "remove"
	}
	return "unknown change"
}

// ConfChange asks the leader to change the membership by one node.
type ConfChange struct {
	Op   ConfChangeOp
	Node uint64
}

// Errors of ProposeConfChange and TransferLeadership wrap these.
var (
	// ErrConfChange wraps every refusal of a membership change.
	ErrConfChange = errors.New("raft: membership change refused")
	// ErrTransfer wraps every refusal of a leadership transfer.
	ErrTransfer = errors.New("raft: leadership transfer refused")
	// ErrTransferring is returned by Propose and ProposeConfChange while
	// the leader hands over leadership: retry on the new leader.
	ErrTransferring = errors.New("raft: leadership transfer in progress")
	// ErrLeaderNotReady is matched (with ErrConfChange) by the refusal of a
	// change before the leader committed an entry of its term: it passes
	// by itself, once the new leader's no-op commits.
	ErrLeaderNotReady = errors.New("raft: leader has not committed an entry of its term")
	// ErrLearnerBehind is matched (with ErrConfChange) by the refusal to
	// promote a learner that has not caught up yet.
	ErrLearnerBehind = errors.New("raft: learner has not caught up")
	// ErrConfPending is matched (with ErrConfChange) by the refusal of a
	// change while the previous one is uncommitted: one at a time.
	ErrConfPending = errors.New("raft: a membership change is not committed yet")
)

// reasonError is a refusal that errors.Is matches both as its sentinel
// (ErrConfChange) and as the reason it gives, with the sentinel's text.
type reasonError struct{ err, reason error }

func (e *reasonError) Error() string   { return e.err.Error() }
func (e *reasonError) Unwrap() []error { return []error{e.err, e.reason} }

func confRefusal(reason error, format string, args ...any) error {
	return &reasonError{err: fmtErr(ErrConfChange, format, args...), reason: reason}
}

// DefaultPromoteMaxLag is the default of Config.PromoteMaxLag.
const DefaultPromoteMaxLag = 1024

// apply returns m changed by cc, or an error saying why cc cannot apply.
func (m Membership) apply(cc ConfChange) (Membership, error) {
	n := cc.Node
	out := m.Clone()
	switch cc.Op {
	case ConfAddLearner:
		if n == None {
			return m, fmtErr(ErrConfChange, "node id 0 is reserved")
		}
		if m.IsMember(n) {
			return m, fmtErr(ErrConfChange, "%d is already a member (%s)", n, m)
		}
		out.Learners = insertSorted(out.Learners, n)
	case ConfPromote:
		if m.IsVoter(n) {
			return m, fmtErr(ErrConfChange, "%d is already a voter", n)
		}
		if !m.IsLearner(n) {
			return m, fmtErr(ErrConfChange, "%d is not a member: add it as a learner first", n)
		}
		out.Learners = deleteSorted(out.Learners, n)
		out.Voters = insertSorted(out.Voters, n)
	case ConfRemove:
		switch {
		case !m.IsMember(n):
			return m, fmtErr(ErrConfChange, "%d is not a member (%s)", n, m)
		case m.IsVoter(n) && len(m.Voters) == 1:
			return m, fmtErr(ErrConfChange, "%d is the last voter: a cluster needs one", n)
		}
		out.Voters = deleteSorted(out.Voters, n)
		out.Learners = deleteSorted(out.Learners, n)
	default:
		return m, fmtErr(ErrConfChange, "unknown change %d", cc.Op)
	}
	return out, nil
}

func insertSorted(ids []uint64, id uint64) []uint64 {
	i, _ := slices.BinarySearch(ids, id)
	return slices.Insert(ids, i, id)
}

func deleteSorted(ids []uint64, id uint64) []uint64 {
	if i, ok := slices.BinarySearch(ids, id); ok {
		return slices.Delete(ids, i, i+1)
	}
	return ids
}

// ProposeConfChange appends a configuration entry that changes the
// membership by cc, and returns its index and term. The new configuration
// is in force on the leader at once, and on each follower as soon as it
// appends the entry (§4.1). It is refused, with an error wrapping
// ErrConfChange that says why, when:
//
//   - a change is still uncommitted (one at a time: ErrConfPending);
//   - no entry of the leader's term is committed yet (ErrLeaderNotReady;
//     see the file comment);
//   - cc does not apply (adding a member, promoting a non-learner, removing
//     a non-member or the last voter);
//   - it promotes a learner more than PromoteMaxLag entries behind, one
//     that has not acknowledged the configuration in force (which names
//     it), or one still installing a snapshot (thesis §4.2.1: a new voter
//     must catch up first, or the cluster waits for it to commit).
//
// On a follower it returns a *NotLeaderError; during a leadership transfer,
// ErrTransferring.
func (r *Raft) ProposeConfChange(cc ConfChange) (index, term uint64, err error) {
	next, err := r.confChangeTo(cc)
	if err != nil {
		return 0, 0, err
	}
	r.appendEntries([]Entry{{Type: EntryConfig, Data: EncodeMembership(next)}})
	r.bcastAppend()
	return r.log.lastIndex(), r.term, nil
}

// CheckConfChange returns what ProposeConfChange would answer to cc now,
// without proposing it: nil when it would take it. For a caller that
// prepares something before it proposes (a joining node's process) and
// wants a refusal said first.
func (r *Raft) CheckConfChange(cc ConfChange) error {
	_, err := r.confChangeTo(cc)
	return err
}

// confChangeTo returns the configuration cc would make, or the refusal.
func (r *Raft) confChangeTo(cc ConfChange) (Membership, error) {
	if r.role != RoleLeader {
		return Membership{}, &NotLeaderError{Leader: r.lead}
	}
	if r.transferee != None {
		return Membership{}, fmt.Errorf("%w (to %d)", ErrTransferring, r.transferee)
	}
	if !r.unsafeManyPending {
		// Not ready first: a new leader's first commit also commits any
		// change before it, so that refusal passes by itself (a change
		// made by the leader before it, still uncommitted here, is not
		// the one-at-a-time case the next check is for).
		if !r.committedInTerm() {
			return Membership{}, confRefusal(ErrLeaderNotReady, "leader %d has not committed an entry of its term %d yet", r.id, r.term)
		}
		if r.confIndex > r.log.committed {
			return Membership{}, confRefusal(ErrConfPending, "the change at index %d (%s) is not committed yet: one change at a time", r.confIndex, r.conf)
		}
	}
	next, err := r.conf.apply(cc)
	if err != nil {
		return Membership{}, err
	}
	if cc.Op == ConfPromote {
		pr := r.prs[cc.Node]
		last := r.log.lastIndex()
		switch {
		case pr == nil:
			return Membership{}, fmtErr(ErrConfChange, "no progress known for learner %d", cc.Node)
		case pr.state == stateSnapshot:
			return Membership{}, confRefusal(ErrLearnerBehind, "learner %d is still installing a snapshot (at %d): promote it once it has caught up", cc.Node, pr.pendingSnapshot)
		case last-pr.match > uint64(r.promoteLag):
			return Membership{}, confRefusal(ErrLearnerBehind, "learner %d is far behind: it holds %d of %d entries (%d behind, at most %d allowed): promote it once it has caught up",
				cc.Node, pr.match, last, last-pr.match, r.promoteLag)
		case pr.match < r.memberSince():
			// A voter must hold a configuration that names it: a node
			// that joined votes only then (mayVote), and one promoted
			// before, its log empty, could leave the voters without a
			// majority that can elect anyone.
			return Membership{}, confRefusal(ErrLearnerBehind, "learner %d has not acknowledged the configuration that made it a member (entry %d; it holds %d): promote it once it has caught up",
				cc.Node, r.memberSince(), pr.match)
		}
	}
	return next, nil
}

// memberSince is the index of the configuration in force: its entry's, or,
// when it came with the snapshot the log starts after, the snapshot's. A
// follower holding the log up to it holds that configuration.
func (r *Raft) memberSince() uint64 {
	if r.confIndex != 0 {
		return r.confIndex
	}
	return r.log.snapIndex
}

// ConfAt returns the configuration in force at index i: the newest
// configuration entry at or below i, or else the snapshot's (or the
// bootstrap) configuration. i must be at least the snapshot index.
func (r *Raft) ConfAt(i uint64) Membership {
	for k := min(i, r.log.lastIndex()); k > r.log.snapIndex; k-- {
		e := r.log.at(int(k - r.log.snapIndex - 1))
		if e.Type == EntryConfig {
			if m, err := DecodeMembership(e.Data); err == nil {
				return m
			}
		}
	}
	return r.baseConf().Clone()
}

// baseConf is the configuration before the first entry held: the
// snapshot's, or, without one, the bootstrap configuration from Config.Peers.
func (r *Raft) baseConf() Membership {
	if !r.snapConf.IsEmpty() {
		return r.snapConf
	}
	return r.bootConf
}

// reloadConf sets the configuration from the log: the newest
// configuration entry held, or the base. It runs after the log is
// truncated or replaced, and at start.
func (r *Raft) reloadConf() {
	r.reloading = true
	defer func() { r.reloading = false }()
	for k := r.log.n - 1; k >= 0; k-- {
		if e := r.log.at(k); e.Type == EntryConfig {
			if m, err := DecodeMembership(e.Data); err == nil {
				r.setConf(m, e.Index)
				return
			}
		}
	}
	r.setConf(r.baseConf().Clone(), 0)
}

// confFromEntries puts in force each configuration among ents, which were
// just appended to the log, in order: the newest is in force after, and
// each change is told with its own entry (a follower catching up takes
// several in one append, and one event summing them up named only the last
// entry).
func (r *Raft) confFromEntries(ents []Entry) {
	for k := range ents {
		if ents[k].Type == EntryConfig {
			if m, err := DecodeMembership(ents[k].Data); err == nil {
				r.setConf(m, ents[k].Index)
			}
		}
	}
}

// setConf puts m in force, set by the entry at index at (0: the snapshot's
// or bootstrap configuration). A leader starts tracking new members and
// forgets removed ones.
func (r *Raft) setConf(m Membership, at uint64) {
	changed := !m.Equal(r.conf)
	old := r.conf
	r.conf, r.confIndex = m, at
	r.peers = m.Voters
	r.members = m.Members()
	if cap(r.matchBuf) < len(r.peers) {
		r.matchBuf = make([]uint64, 0, len(r.peers))
	}
	if !changed {
		return
	}
	switch {
	case r.onEvent == nil || old.IsEmpty():
	case r.installing != nil && (at == 0 || at <= r.installing.Index):
		// Its configuration entries are compacted into the snapshot: it
		// brings the configuration it names.
		r.emit(EventConfig, None, "membership now %s (%s; from the snapshot at %d, term %d)", m, describeChange(old, m), r.installing.Index, r.installing.Term)
	case r.reloading:
		// The entry that set old was cut away (a new leader's log
		// overwrote it) or replaced by a snapshot: an older one rules.
		from := fmt.Sprintf("entry %d", at)
		if at == 0 {
			from = "the snapshot's or the bootstrap configuration"
		}
		r.emit(EventConfig, None, "membership back to %s (the entry that made it %s is gone from the log; %s rules)", m, old, from)
	default:
		r.emit(EventConfig, None, "membership now %s (%s, entry %d)", m, describeChange(old, m), at)
	}
	if r.role != RoleLeader {
		return
	}
	last := r.log.lastIndex()
	for _, id := range r.members {
		if r.prs[id] == nil {
			r.prs[id] = r.newProgress(last)
		}
	}
	for id := range r.prs {
		if id != r.id && !m.IsMember(id) {
			delete(r.prs, id)
		}
	}
	if r.transferee != None && !m.IsVoter(r.transferee) {
		r.emit(EventTransfer, r.transferee, "aborted transfer to %d: no longer a voter", r.transferee)
		r.transferee = None
	}
	r.releaseConfirmedReads()
}

// describeChange says what differs from old to m: "added 4 as learner",
// "promoted 4", "removed 2" (a rollback is told apart: see setConf).
func describeChange(old, m Membership) string {
	var parts []string
	for _, id := range m.Learners {
		if !old.IsMember(id) {
			parts = append(parts, fmt.Sprintf("added %d as learner", id))
		}
	}
	for _, id := range m.Voters {
		switch {
		case old.IsLearner(id):
			parts = append(parts, fmt.Sprintf("promoted %d", id))
		case !old.IsVoter(id):
			parts = append(parts, fmt.Sprintf("added %d as voter", id))
		}
	}
	for _, id := range old.Members() {
		if !m.IsMember(id) {
			parts = append(parts, fmt.Sprintf("removed %d", id))
		}
	}
	if len(parts) == 0 {
		return "unchanged"
	}
	return strings.Join(parts, ", ")
}

// isVoter reports whether id votes in the configuration in force.
func (r *Raft) isVoter(id uint64) bool { return r.conf.IsVoter(id) }

// canCampaign reports whether this node may start an election: it is a
// voter in its latest configuration, or it was one before the latest
// configuration entry removed it and that entry is not known to be
// committed. Learners and nodes still joining never campaign.
//
// The second case is thesis §4.2.2: "a server that is not part of its own
// latest configuration should still start new elections, as it might
// still be needed until the C_new entry is committed. It does not count
// its own vote." A leader removing itself may lose leadership (CheckQuorum,
// a higher term) before its removal commits, holding entries the remaining
// voters lack; they cannot elect one of themselves without its vote, which
// their shorter logs do not get. If it never campaigned, the cluster
// would wait for ever (simulation seed 729 with membership changes).
// Elected by a majority of the new configuration, it commits the removal
// and steps down (stepDownIfRemoved).
//
// A node that joined under the id of an earlier node campaigns only in a
// configuration of its own (ownConf): its log may name the earlier node a
// voter (mayVote). A removal after JoinedAfter removes this node, and the
// configuration before it, which names it, is its own too.
func (r *Raft) canCampaign() bool {
	if r.isVoter(r.id) {
		return r.ownConf(r.memberSince())
	}
	return r.confIndex > r.log.committed && r.ownConf(r.confIndex) && r.ConfAt(r.confIndex-1).IsVoter(r.id)
}

// stepDownIfRemoved makes a leader that is no longer a voter step down
// once the entry that removed it is committed (thesis §4.2.2). Until then
// it leads a cluster it is not part of: it replicates, but does not count
// itself in majorities.
func (r *Raft) stepDownIfRemoved() {
	if r.role == RoleLeader && !r.isVoter(r.id) && r.confIndex <= r.log.committed {
		r.emit(EventRole, None, "stepped down at term %d: removed from the membership (entry %d committed)", r.term, r.confIndex)
		r.becomeFollower(r.term, None)
	}
}

// TransferLeadership hands leadership to the voter to (thesis §3.10): the
// leader stops taking proposals, brings to's log up to date, and sends it
// MsgTimeoutNow, on which to starts an election at once (skipping PreVote,
// and voters ignore their leader lease for it). The transfer is abandoned
// if it has not completed after an election timeout (ElectionTickMax
// ticks). Errors wrap ErrTransfer; on a follower, a *NotLeaderError.
func (r *Raft) TransferLeadership(to uint64) error {
	if r.role != RoleLeader {
		return &NotLeaderError{Leader: r.lead}
	}
	switch {
	case to == r.id:
		return fmtErr(ErrTransfer, "%d is already the leader", to)
	case r.conf.IsLearner(to):
		return fmtErr(ErrTransfer, "%d is a learner: only a voter can lead", to)
	case !r.isVoter(to):
		return fmtErr(ErrTransfer, "%d is not a member (%s)", to, r.conf)
	case r.transferee != None:
		return fmtErr(ErrTransfer, "a transfer to %d is already in progress", r.transferee)
	}
	r.transferee, r.transferElapsed, r.transferSent = to, 0, false
	pr := r.prs[to]
	r.emit(EventTransfer, to, "transferring leadership to %d (it holds %d of %d)", to, pr.match, r.log.lastIndex())
	if !r.maybeSendTimeoutNow() {
		r.sendAppend(to, true)
	}
	return nil
}

// maybeSendTimeoutNow sends MsgTimeoutNow to the transfer target once its
// log matches the leader's, and reports whether it did.
func (r *Raft) maybeSendTimeoutNow() bool {
	to := r.transferee
	if to == None || r.transferSent || r.prs[to] == nil || r.prs[to].match != r.log.lastIndex() {
		return false
	}
	r.transferSent = true
	r.send(Message{To: to, Type: MsgTimeoutNow})
	r.emit(EventTransfer, to, "sent TimeoutNow to %d: its log is up to date (%d)", to, r.log.lastIndex())
	return true
}

// tickTransfer abandons a transfer that has not completed within an
// election timeout.
func (r *Raft) tickTransfer() {
	if r.transferee == None {
		return
	}
	r.transferElapsed++
	if r.transferElapsed >= r.electionMax {
		r.emit(EventTransfer, r.transferee, "aborted transfer to %d: not done within an election timeout (%d ticks)", r.transferee, r.electionMax)
		r.transferee = None
	}
}

// transferContext marks the vote requests of an election started by
// MsgTimeoutNow: voters grant them inside their leader lease, since the
// leader itself asked for the election.
var transferContext = []byte("transfer")

func isTransferVote(m Message) bool {
	return m.Type == MsgVote && string(m.Context) == string(transferContext)
}

// handleTimeoutNow starts an election at once, at the leader's request.
func (r *Raft) handleTimeoutNow(m Message) {
	if !r.isVoter(r.id) || !r.mayVote() {
		r.emit(EventIgnored, m.From, "ignored TimeoutNow from %d: not a voter", m.From)
		return
	}
	r.emit(EventElection, m.From, "got TimeoutNow from %d: campaigning at once", m.From)
	r.transferCampaign = true
	r.campaign(false)
	r.transferCampaign = false
}

// Membership returns the configuration in force and the index of the entry
// that set it (0: the snapshot's or bootstrap configuration). The lists are
// never modified afterwards: the caller may keep them but not change them.
func (r *Raft) Membership() (Membership, uint64) { return r.conf, r.confIndex }
