package commands

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"raftplay/cluster"
	"raftplay/raft"
)

// execWait blocks until the condition holds or its timeout passes.
func (r *Runner) execWait(ctx context.Context, cmd *Command) (string, error) {
	if cmd.What == WaitKey {
		return "", nil // a key press is the dashboard's to wait for; headless there is no one to press one
	}
	timeout := waitTimeout(cmd, r.c.Timing())
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var cond func(cluster.Status) bool
	switch cmd.What {
	case WaitLeader:
		cond = func(s cluster.Status) bool { return s.Leader != 0 }
	case WaitCommit:
		cond = func(s cluster.Status) bool { return commitReached(s, cmd.Index) }
	case WaitConverged:
		cond = cluster.Converged // as COMMANDS.md defines it
	case WaitSettled:
		cond = func(s cluster.Status) bool { return cluster.Converged(s) && cluster.LeaderSettled(s) }
	case WaitConfig:
		cond = configSettled
	case WaitViolation:
		cond = func(s cluster.Status) bool { return s.Violations > 0 }
	case WaitTerm, WaitRole:
		// The node is named once, when the wait starts.
		id, err := r.resolve(ctx, cmd.Node)
		if err != nil {
			return "", err
		}
		cond = func(s cluster.Status) bool {
			n, _ := s.Node(id)
			if cmd.What == WaitRole {
				return roleMatches(s, n, cmd.Role)
			}
			return n.Live() && cmd.Cmp.Holds(n.Term, cmd.Term)
		}
	default:
		return "", fmt.Errorf("unknown wait %q", cmd.What)
	}
	st, err := r.c.WaitFor(wctx, cond)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", failf("not reached within %v: %s%s", timeout, describeWait(cmd, st), failedCauses(st, "; "))
	}
	switch cmd.What {
	case WaitLeader:
		return fmt.Sprintf("leader %d term %d", st.Leader, st.Term), nil
	case WaitCommit:
		return fmt.Sprintf("ok commit>=%d", cmd.Index), nil
	case WaitTerm, WaitRole:
		return "ok", nil
	case WaitConfig:
		return "ok config " + describeConfig(st), nil
	case WaitViolation:
		v := r.c.Violations()
		return fmt.Sprintf("violation seen: %s: %s", v[0].Rule, v[0].Text), nil
	}
	for _, n := range st.Nodes {
		if n.Live() {
			return fmt.Sprintf("ok commit=%d", n.Commit), nil
		}
	}
	return "ok", nil
}

// waitTimeout is how long a wait waits: its TIMEOUT, or the default, or
// WaitScale of the cluster's longest election timeout if longer (a slow
// cluster's elections take longer than the default: with --election
// 12s-13s, wait leader failed every time; a CI user's report).
func waitTimeout(cmd *Command, t cluster.Timing) time.Duration {
	if cmd.Timeout > 0 {
		return cmd.Timeout
	}
	return max(cmd.WaitTimeout(), WaitScale*t.ElectionMax)
}

// commitReached: every node that is up, unpaused and can reach the leader
// has commit index >= index. With no leader it does not hold.
func commitReached(s cluster.Status, index uint64) bool {
	if s.Leader == 0 {
		return false
	}
	for _, n := range s.Nodes {
		if n.Live() && cluster.Reachable(s.Faults, n.ID, s.Leader) && n.Commit < index {
			return false
		}
	}
	return true
}

func describeWait(cmd *Command, s cluster.Status) string {
	switch cmd.What {
	case WaitCommit:
		var parts []string
		for _, n := range s.Nodes {
			if n.Live() {
				parts = append(parts, fmt.Sprintf("%d:%d", n.ID, n.Commit))
			}
		}
		lead := "no leader"
		if s.Leader != 0 {
			lead = fmt.Sprintf("leader %d", s.Leader)
		}
		return fmt.Sprintf("%s; commit indexes %s", lead, strings.Join(parts, " "))
	case WaitConverged, WaitSettled:
		var parts []string
		for _, n := range s.Nodes {
			if n.Live() {
				parts = append(parts, fmt.Sprintf("%d: commit %d applied %d kv %04x", n.ID, n.Commit, n.Applied, n.KVDigest&0xffff))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "no node is up: "+describeRoles(s))
		}
		text := strings.Join(parts, "; ")
		if cmd.What == WaitSettled && cluster.Converged(s) && !cluster.LeaderSettled(s) {
			switch nf := cluster.NotFollowing(s); {
			case s.Leader == 0:
				text += "; no leader (" + describeRoles(s) + ")"
			case len(nf) > 0:
				text += fmt.Sprintf("; not following leader %d in its term %d: %s", s.Leader, s.Term, strings.Join(nf, ", "))
			default:
				text += fmt.Sprintf("; leader %d has committed no entry of its term %d yet", s.Leader, s.Term)
			}
		}
		return text
	case WaitConfig:
		text := "config " + describeConfig(s)
		lacking, unheard := configLag(s)
		if len(lacking) > 0 {
			text += fmt.Sprintf("; %s not holding it", raft.JoinIDs(lacking))
		}
		if len(unheard) > 0 {
			text += fmt.Sprintf("; leader %d has not heard %s acknowledge it", s.Leader, raft.JoinIDs(unheard))
		}
		return text + "; " + describeRoles(s)
	}
	return describeRoles(s)
}

// describeRoles summarizes who is what, e.g. "1 leader t3, 2 follower t3, 3 down".
func describeRoles(s cluster.Status) string {
	var parts []string
	for _, n := range s.Nodes {
		switch {
		case n.State == cluster.StateCrashed || n.State == cluster.StateFailed:
			parts = append(parts, fmt.Sprintf("%d %s", n.ID, n.State))
		case n.State == cluster.StatePaused:
			parts = append(parts, fmt.Sprintf("%d paused %s t%d", n.ID, n.Role, n.Term))
		default:
			parts = append(parts, fmt.Sprintf("%d %s t%d", n.ID, n.Role, n.Term))
		}
	}
	return strings.Join(parts, ", ")
}

// execExpect checks a condition once, now.
func (r *Runner) execExpect(ctx context.Context, cmd *Command) (string, error) {
	st := r.c.Status()
	switch cmd.What {
	case ExpectSafe:
		if v := r.c.Violations(); len(v) > 0 {
			return "", failf("%d safety violation(s); first: %s: %s", r.c.ViolationCount(), v[0].Rule, v[0].Text)
		}
		return "ok", nil
	case ExpectLeader:
		return r.expectLeader(ctx, cmd, st)
	case ExpectGet:
		return r.expectGet(ctx, cmd)
	case ExpectConfig:
		if err := expectConfig(st, cmd); err != nil {
			return "", err
		}
		return "ok", nil
	case ExpectViolation:
		v := r.c.Violations()
		if len(v) == 0 {
			return "", failf("no safety violation seen (the monitor checks election safety, state machine safety and commit regression)")
		}
		return fmt.Sprintf("ok %d violation(s); first: %s: %s", r.c.ViolationCount(), v[0].Rule, v[0].Text), nil
	}
	id, err := r.resolve(ctx, cmd.Node)
	if err != nil {
		return "", err
	}
	switch {
	case cmd.What == ExpectSnapshot:
		// A node publishes its snapshot index with its full status, not
		// at every step: a snapshot just taken was not seen.
		st = r.c.FreshStatus()
	case cmd.Node.Kind == NodeLeader || cmd.Node.Kind == NodeFollower:
		st = r.c.Status()
	}
	n, _ := st.Node(id)
	if cmd.What != ExpectRole && (n.State == cluster.StateCrashed || n.State == cluster.StateFailed) {
		return "", failf("node %d is down (%s)", id, n.State)
	}
	switch cmd.What {
	case ExpectRole:
		if roleMatches(st, n, cmd.Role) {
			return "ok", nil
		}
		return "", failf("node %d is %s", id, roleWord(st, n))
	case ExpectTerm:
		if cmd.Cmp.Holds(n.Term, cmd.Term) {
			return "ok", nil
		}
		return "", failf("node %d term is %d", id, n.Term)
	case ExpectCommit, ExpectLast, ExpectApplied, ExpectSnapshot:
		want, what, err := r.indexOf(ctx, cmd, st)
		if err != nil {
			return "", err
		}
		got := n.Commit
		switch cmd.What {
		case ExpectLast:
			got = n.LastIndex
		case ExpectApplied:
			got = n.Applied
		case ExpectSnapshot:
			got = n.SnapshotIndex
		}
		if cmd.Cmp.Holds(got, want) {
			return "ok", nil
		}
		if cmd.What == ExpectSnapshot && got == 0 {
			return "", failf("node %d has no snapshot%s", id, what)
		}
		return "", failf("node %d %s index is %d%s", id, cmd.What, got, what)
	}
	return "", fmt.Errorf("unknown expect %q", cmd.What)
}

// indexOf returns the index `expect commit` (last, applied, snapshot) compares with: the command's
// number, or another node's last, commit or applied index in st (and words
// naming it for the failure message).
func (r *Runner) indexOf(ctx context.Context, cmd *Command, st cluster.Status) (uint64, string, error) {
	if cmd.IndexOf == "" {
		return cmd.Index, "", nil
	}
	id, err := r.resolve(ctx, cmd.IndexNode)
	if err != nil {
		return 0, "", err
	}
	m, _ := st.Node(id)
	if m.State == cluster.StateCrashed || m.State == cluster.StateFailed {
		return 0, "", failf("node %d is down (%s)", id, m.State)
	}
	v := m.LastIndex
	switch cmd.IndexOf {
	case IndexCommit:
		v = m.Commit
	case IndexApplied:
		v = m.Applied
	}
	return v, fmt.Sprintf("; node %d's %s index is %d", id, cmd.IndexOf, v), nil
}

func (r *Runner) expectLeader(ctx context.Context, cmd *Command, st cluster.Status) (string, error) {
	seen := "there is no leader"
	if st.Leader != 0 {
		seen = fmt.Sprintf("leader is %d (term %d)", st.Leader, st.Term)
	}
	if cmd.None {
		if st.Leader == 0 {
			return "ok", nil
		}
		return "", failf("%s", seen)
	}
	// `expect leader == leader` and the like compare with the node the
	// reference names now (waiting for a leader if needed).
	want, err := r.resolve(ctx, cmd.Node)
	if err != nil {
		return "", err
	}
	ok := st.Leader == want
	if cmd.Cmp == Ne {
		ok = st.Leader != want
	}
	if ok {
		return "ok", nil
	}
	if cmd.Node.Kind != NodeNumber {
		seen += fmt.Sprintf("; %s is %d", cmd.Node, want)
	}
	return "", failf("%s", seen)
}

func (r *Runner) expectGet(ctx context.Context, cmd *Command) (string, error) {
	opCtx, cancel := context.WithTimeout(ctx, DefaultClientTimeout)
	defer cancel()
	res, err := r.client.Get(opCtx, cmd.Key)
	if err != nil {
		return "", err
	}
	got := nilWord
	if res.Found {
		got = quote(string(res.Value))
	}
	var match bool
	if cmd.None {
		match = !res.Found
	} else {
		match = res.Found && bytes.Equal(res.Value, []byte(cmd.Value))
	}
	if cmd.Cmp == Ne {
		match = !match
	}
	if match {
		return "ok", nil
	}
	if want := []byte(cmd.Value); res.Found && !cmd.None && cmd.Cmp == Eq && max(len(want), len(res.Value)) > 40 {
		// Long values are cut in the message, both alike: say where they
		// part (a CI user saw two equal-looking 1 MiB prefixes).
		return "", failf("get %s returned %s; %s", quote(cmd.Key), got, whereTheyDiffer(want, res.Value))
	}
	return "", failf("get %s returned %s", quote(cmd.Key), got)
}

// whereTheyDiffer says where got first differs from want, and how long
// each is: "they differ first at byte 70000 (want 0x61, got 0x62); want
// 1048576 bytes, got 1048576".
func whereTheyDiffer(want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	var at string
	switch {
	case i < len(want) && i < len(got):
		at = fmt.Sprintf("they differ first at byte %d (want 0x%02x, got 0x%02x)", i, want[i], got[i])
	case i < len(want):
		at = fmt.Sprintf("the value read ends at byte %d, where the one expected goes on", i)
	default:
		at = fmt.Sprintf("the value read goes on past byte %d, where the one expected ends", i)
	}
	return fmt.Sprintf("%s; want %d bytes, got %d", at, len(want), len(got))
}

// roleMatches: "down" matches a crashed or failed node; "candidate" matches
// a candidate or a pre-candidate (a candidate in its PreVote phase), and
// "pre-candidate" a pre-candidate only;
// "learner" a follower that st's configuration lists as a learner (which
// "follower" matches too: it follows).
func roleMatches(st cluster.Status, n cluster.NodeStatus, want Role) bool {
	if n.State == cluster.StateCrashed || n.State == cluster.StateFailed {
		return want == RoleDown
	}
	switch want {
	case RoleCandidate:
		return n.Role == "candidate" || n.Role == "pre-candidate"
	case RoleLearner:
		return n.Role == "follower" && st.Membership.IsLearner(n.ID)
	}
	return n.Role == string(want)
}

func roleWord(st cluster.Status, n cluster.NodeStatus) string {
	role := n.Role
	if role == "follower" && st.Membership.IsLearner(n.ID) {
		role = "learner"
	}
	switch n.State {
	case cluster.StateCrashed, cluster.StateFailed:
		return "down (" + string(n.State) + ")"
	case cluster.StatePaused:
		return role + " (paused)"
	}
	return fmt.Sprintf("%s (term %d)", role, n.Term)
}

// FormatStatus renders the `status` table: node, state, role, term, vote,
// commit, applied, last index, leader, and the node's addresses.
func FormatStatus(s cluster.Status) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATE\tROLE\tTERM\tVOTE\tCOMMIT\tAPPLIED\tLAST\tLEADER\tRAFT\tHTTP")
	for _, n := range s.Nodes {
		role := n.Role
		switch {
		case n.State == cluster.StateRemoved:
			role = "-" // no longer a member: no role ("down" says less than STATE does)
		case n.Role == "follower" && s.Membership.IsLearner(n.ID):
			role = "learner" // a follower that does not vote: the config says so
		}
		leader := idOrDash(n.Leader)
		if n.State == cluster.StateCrashed || n.State == cluster.StateFailed || n.State == cluster.StateRemoved {
			// Down, it follows no one: the term, vote and indexes are
			// what it last had, but a leader there read as one it has
			// now (a failed node's row named itself, its last role).
			leader = "-"
		}
		raftAddr, httpAddr := n.RaftAddr, n.HTTPAddr
		if n.State == cluster.StateRemoved || raftAddr == "" {
			// A removed node listens nowhere: the addresses its process
			// had, or none it ever had, are no place to reach it (a
			// retired node's row listed them: a CI user).
			raftAddr, httpAddr = "-", "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n",
			n.ID, n.State, role, n.Term, idOrDash(n.Vote), n.Commit, n.Applied, n.LastIndex, leader, raftAddr, httpAddr)
	}
	tw.Flush()
	lead := "none"
	if s.Leader != 0 {
		lead = fmt.Sprintf("%d (term %d)", s.Leader, s.Term)
	}
	fmt.Fprintf(&b, "leader: %s; %v; prevote %s, checkquorum %s", lead, s.Timing, onOff(s.PreVote), onOff(s.CheckQuorum))
	if !s.Membership.IsEmpty() {
		fmt.Fprintf(&b, "; config %s", s.Membership)
		// A node that runs outside it (an add cut short by a kill, say)
		// would pass for a follower lagging behind.
		var outside []string
		for _, n := range s.Nodes {
			if n.Outside {
				outside = append(outside, fmt.Sprint(n.ID))
			}
		}
		if len(outside) > 0 {
			fmt.Fprintf(&b, "; not in it: %s (add N starts it afresh; remove N stops it)", strings.Join(outside, ","))
		}
	}
	if s.Violations > 0 {
		fmt.Fprintf(&b, "; SAFETY VIOLATIONS: %d", s.Violations)
	}
	var powerless []string
	for _, n := range s.Nodes {
		if n.StateText() == "lost power" {
			powerless = append(powerless, fmt.Sprint(n.ID))
		}
	}
	if len(powerless) > 0 {
		// The table says crashed, as the state is; the cards say lost power.
		fmt.Fprintf(&b, "\ncrashed by a power failure (powerfail): %s; restart N brings one back with what its disk kept", strings.Join(powerless, ","))
	}
	b.WriteString(failedCauses(s, "\n"))
	return b.String()
}

// failedCauses tells why each failed node of s is down, each after sep:
// "2 failed: wal: write ...: no space left on device". A table or a wait
// that said "failed" alone sent a new user looking for the cause (explain
// N has it, and what to do).
func failedCauses(s cluster.Status, sep string) string {
	var b strings.Builder
	for _, n := range s.Nodes {
		if n.State == cluster.StateFailed && n.Err != "" {
			fmt.Fprintf(&b, "%s%d failed: %s (explain %d says more)", sep, n.ID, cluster.EscapeControls(n.Err), n.ID)
		}
	}
	return b.String()
}

func idOrDash(id uint64) string {
	if id == 0 {
		return "-"
	}
	return fmt.Sprint(id)
}
