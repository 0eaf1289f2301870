package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/raft"
)

// Membership verbs: add, remove, promote, transfer; and the config
// condition of wait and expect.

// DefaultAddTimeout is how long `add` waits for the new node to join,
// catch up and be promoted when the command gives no TIMEOUT.
const DefaultAddTimeout = 30 * time.Second

// parseAdd parses "add [N] [TIMEOUT]".
func parseAdd(lp *lineParser) error {
	if lp.more() {
		t := lp.toks[lp.pos]
		if isDigits(t.text) {
			lp.pos++
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 1 || n > cluster.MaxNodes {
				return lp.errAt(t.col, "node %s out of range (want 1..%d)", t.text, cluster.MaxNodes)
			}
			lp.cmd.Node = NodeRef{Kind: NodeNumber, N: n}
		} else if t.text == "leader" || t.text == "follower" {
			return lp.errAt(t.col, "%s is a member already; add starts a new node: N, a free id, or @NAME, a removed node's id", t.text)
		} else if strings.HasPrefix(t.text, "@") {
			// A name bound earlier: a removed node's id, added back.
			lp.pos++
			ref, err := lp.nodeRef(t.text, t.col)
			if err != nil {
				return err
			}
			lp.cmd.Node = ref
		}
	}
	if err := lp.optionalTimeout(); err != nil {
		return err
	}
	return lp.done()
}

// parseOptionalNode parses "[N]" (transfer).
func parseOptionalNode(lp *lineParser) error {
	if lp.more() {
		var err error
		if lp.cmd.Node, err = lp.node("N"); err != nil {
			return err
		}
	}
	return lp.done()
}

// configList parses "CMP LIST" for expect config: == or != and voters
// like 1,2,3.
func (lp *lineParser) configList() error {
	var err error
	if lp.cmd.Cmp, err = lp.cmp(Eq, Ne); err != nil {
		return err
	}
	t, err := lp.next("voter list")
	if err != nil {
		return err
	}
	seen := map[uint64]bool{}
	for _, f := range strings.Split(t.text, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > cluster.MaxNodes {
			return lp.errAt(t.col, "bad voter list %q (want node numbers 1..%d joined by commas, e.g. 1,2,3)", t.text, cluster.MaxNodes)
		}
		if seen[uint64(n)] {
			return lp.errAt(t.col, "node %d listed twice in %q", n, t.text)
		}
		seen[uint64(n)] = true
		lp.cmd.Config = append(lp.cmd.Config, uint64(n))
	}
	slices.Sort(lp.cmd.Config)
	return nil
}

// execMembership runs add, remove, promote and transfer.
func (r *Runner) execMembership(ctx context.Context, cmd *Command) (string, error) {
	switch cmd.Verb {
	case VerbAdd:
		timeout := cmd.Timeout
		if timeout == 0 {
			timeout = DefaultAddTimeout
		}
		opCtx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		id := uint64(cmd.Node.N)
		if cmd.Node.Kind == NodeNamed {
			var err error
			if id, err = r.resolve(ctx, cmd.Node); err != nil {
				return "", err
			}
		}
		res, err := r.c.Add(opCtx, id)
		if pe := (*cluster.PendingError)(nil); errors.As(err, &pe) {
			return fmt.Sprintf("ok node=%d learner-index=%d under way: frozen, the steps carry it (the leader sends it its log; promote %d once it has caught up)", res.ID, res.LearnerAt, res.ID), nil
		}
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("ok node=%d learner-index=%d voter-index=%d took=%s", res.ID, res.LearnerAt, res.PromotedAt, res.Took.Round(time.Millisecond)), nil
	case VerbTransfer:
		var to uint64
		if cmd.Node.Kind != NodeNone {
			var err error
			if to, err = r.resolve(ctx, cmd.Node); err != nil {
				return "", err
			}
		}
		opCtx, cancel := context.WithTimeout(ctx, DefaultWaitTimeout)
		defer cancel()
		var res cluster.TransferResult
		var err error
		if r.c.Frozen() {
			res, err = r.c.StartTransfer(to) // the steps carry it out
		} else {
			res, err = r.c.Transfer(opCtx, to)
		}
		if err != nil {
			return "", err
		}
		if res.Already {
			return fmt.Sprintf("ok leader=%d term=%d (it leads already: nothing to transfer)", res.To, res.Term), nil
		}
		if res.Frozen {
			return fmt.Sprintf("ok transfer to %d under way: frozen, the steps carry it (%d sends %d what its log lacks, if anything, then TimeoutNow, and %d stands for election)", res.To, res.From, res.To, res.To), nil
		}
		return fmt.Sprintf("ok leader=%d term=%d took=%s", res.To, res.Term, res.Took.Round(time.Millisecond)), nil
	}
	id, err := r.resolve(ctx, cmd.Node)
	if err != nil {
		return "", err
	}
	opCtx, cancel := context.WithTimeout(ctx, DefaultWaitTimeout)
	defer cancel()
	var res cluster.Result
	if cmd.Verb == VerbRemove {
		res, err = r.c.Remove(opCtx, id)
	} else {
		res, err = r.c.Promote(opCtx, id)
	}
	if pe := (*cluster.PendingError)(nil); errors.As(err, &pe) {
		then := fmt.Sprintf("the leader counts %d as a voter from now on, %d itself once the entry reaches it", id, id)
		if cmd.Verb == VerbRemove {
			then = fmt.Sprintf("%d stops once it commits", id)
		}
		return fmt.Sprintf("ok index=%d under way: frozen, the steps carry it (%s)", res.Index, then), nil
	}
	if err != nil {
		return "", err
	}
	out := fmt.Sprintf("ok index=%d", res.Index)
	if cmd.Node.Kind != NodeNumber {
		out += fmt.Sprintf(" node=%d", id)
	}
	if cmd.Verb == VerbRemove && res.Index == 0 {
		// No entry: it ran outside the cluster (an add that never joined).
		// Whether a process ran is the event's to say ("it was down").
		out += fmt.Sprintf(" (%d was not a member: no entry was needed; its files are deleted, its process stopped if it ran)", id)
	}
	return out, nil
}

// sameConf reports whether n holds leader l's configuration: set by the
// same entry, or the same voters and learners when one of them took it
// from a snapshot (its entry's index is then not known: ConfIndex 0).
func sameConf(n, l cluster.NodeStatus) bool {
	if n.ConfIndex == l.ConfIndex && n.ConfIndex != 0 {
		return true
	}
	return n.Membership.Equal(l.Membership) && (l.ConfIndex == 0 || n.ConfAsOf() >= l.ConfIndex)
}

// configSettled is `wait config`'s condition: a leader whose newest
// configuration is committed, every live member holding it, and the
// leader having heard each of them acknowledge it. Without the last, a
// learner that held its configuration entry before the leader heard it
// was refused the promote a script runs next ("learner 4 has not
// acknowledged the configuration that made it a member").
func configSettled(st cluster.Status) bool {
	_, ok := st.Node(st.Leader)
	if !ok || st.ConfPending {
		return false
	}
	lacking, unheard := configLag(st)
	return len(lacking) == 0 && len(unheard) == 0
}

// configLag lists the live members of the leader's configuration that do
// not hold it, and those that do but whose acknowledgement of it the
// leader has not heard. A member the fault table keeps from the leader is
// left out of both, as `wait commit` leaves it out and as a paused member
// is: a follower cut off after it took the configuration, with a leader
// elected since, failed every wait config until the cut healed, and one
// cut off before it took it timed out the wait though a paused one did not.
func configLag(st cluster.Status) (lacking, unheard []uint64) {
	l, ok := st.Node(st.Leader)
	if !ok {
		return nil, nil
	}
	for _, id := range l.Membership.Members() {
		n, ok := st.Node(id)
		switch {
		case !ok || !n.Live() || id == l.ID || !cluster.Reachable(st.Faults, id, l.ID):
		case !sameConf(n, l):
			lacking = append(lacking, id)
		case l.ConfIndex != 0 && l.Progress[id].Match < l.ConfIndex:
			unheard = append(unheard, id)
		}
	}
	return lacking, unheard
}

// expectConfig checks `expect config CMP LIST` against the cluster's
// configuration (the leader's).
func expectConfig(st cluster.Status, cmd *Command) error {
	got := st.Membership.Voters
	eq := slices.Equal(got, cmd.Config)
	if eq == (cmd.Cmp == Eq) {
		return nil
	}
	want := "voters " + raft.JoinIDs(cmd.Config)
	if cmd.Cmp == Ne {
		want = "anything but " + want
	}
	return failf("config is %s, want %s", describeConfig(st), want)
}

// describeConfig says the cluster's configuration: "voters 1,2,3 learners
// 4 (pending)".
func describeConfig(st cluster.Status) string {
	s := st.Membership.String()
	if st.ConfPending {
		s += " (pending)"
	}
	return s
}

// Detaches reports whether Detach runs commands of verb on a runner of
// their own: the membership commands.
func Detaches(verb string) bool {
	switch verb {
	case VerbAdd, VerbRemove, VerbPromote, VerbTransfer:
		return true
	}
	return false
}

// Detach prepares a membership command (add, remove, promote, transfer) to
// run on a runner of its own, so that a caller sharing this runner is not
// held up while it waits (add can wait many seconds for a node to catch
// up): it resolves the command's node (leader, follower, @NAME) with this
// runner, and returns the command with that node as a number, and a fresh
// runner for the same cluster. ok is false for any other command.
func (r *Runner) Detach(ctx context.Context, cmd *Command) (out *Command, runner *Runner, ok bool, err error) {
	if !Detaches(cmd.Verb) {
		return nil, nil, false, nil
	}
	c := *cmd
	if c.Node.Kind != NodeNone && c.Node.Kind != NodeNumber {
		id, err := r.resolve(ctx, c.Node)
		if err != nil {
			return nil, nil, true, err
		}
		c.Node = NodeRef{Kind: NodeNumber, N: int(id)}
	}
	return &c, &Runner{c: r.c, client: r.c.NewClient(), names: map[string]uint64{}, opts: r.opts}, true, nil
}
