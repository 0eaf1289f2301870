package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/msgview"
)

// Failure is a command that ran and did not hold (a failed expect or wait)
// or could not complete (a client operation that timed out). In a script it
// stops the run with exit status 1. Its message names the line, the command
// and what was seen instead: `line 7: expect leader != 1: leader is 1 (term 4)`.
type Failure struct {
	Line int    // 0 when the command was typed at a prompt
	Cmd  string // the command as written
	Msg  string // what was seen instead
}

// Error returns "line L: COMMAND: MSG", long words in MSG cut short
// (cutQuoted), as in a parse error (COMMAND is cut as echoed).
func (f *Failure) Error() string {
	if f.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", f.Line, f.Cmd, cutQuoted(f.Msg))
	}
	return fmt.Sprintf("%s: %s", f.Cmd, cutQuoted(f.Msg))
}

// Runner executes commands against one cluster. It remembers the names
// saved by `let`. A Runner is used by one goroutine at a time.
type Runner struct {
	c      *cluster.Cluster
	client *cluster.Client
	names  map[string]uint64
	opts   RunnerOptions
}

// RunnerOptions changes how a Runner behaves where a script and a person
// at a prompt want different things.
type RunnerOptions struct {
	// NoRoleWait makes `leader` and `follower` name the node that has the
	// role now, and fail at once when none has it ("no leader now; `wait
	// leader` first, or name a node"). Without it they wait for one, up to
	// DefaultClientTimeout, as scripts expect (the command language's
	// "Naming nodes"). The dashboard's prompt and keys set it: a person who
	// types `crash leader` while there is none wants to know now.
	NoRoleWait bool
	// Observe, when set, is told of every command the runner ran, once it
	// finished (with what it printed, or its error): the recorder and
	// `save` are built on it. It is called on the runner's goroutine and
	// must not block for long.
	Observe func(Ran)
	// History, when set, keeps every command the runner ran, for `save`.
	// The runners of one session share one History (Detach carries it
	// over to the runner it returns).
	History *History
	// Record, when set, starts and stops recordings for `record start
	// FILE` and `record stop` (record.go).
	Record Recording
	// Owned, when set, says why `save FILE` must not write file: one the
	// run reads or writes already (its script, its --log or --trace, the
	// recording in progress), which the save would destroy. nil: it may.
	Owned func(file string) error
}

// Ran is one command a Runner ran: when it started, how long it took, the
// line as written, what it printed and, when it failed, the error's text.
type Ran struct {
	At   time.Time
	Took time.Duration
	Text string
	Out  string
	Err  string
}

// NewRunner returns a runner for c with its own client session. Options,
// if given, change its behaviour (at most one is used).
func NewRunner(c *cluster.Cluster, opts ...RunnerOptions) *Runner {
	r := &Runner{c: c, client: c.NewClient(), names: map[string]uint64{}}
	if len(opts) > 0 {
		r.opts = opts[0]
	}
	return r
}

// Exec runs one command and returns what it prints. A check that does not
// hold, or an operation that cannot complete, is returned as a *Failure.
func (r *Runner) Exec(ctx context.Context, cmd *Command) (string, error) {
	if r.opts.Observe == nil && r.opts.History == nil {
		return r.execFailure(ctx, cmd)
	}
	start := time.Now()
	out, err := r.execFailure(ctx, cmd)
	ran := Ran{At: start, Took: time.Since(start), Text: cmd.Text, Out: out}
	if ran.Text == "" {
		ran.Text = cmd.String()
	}
	if err != nil {
		ran.Err = err.Error()
	}
	if r.opts.History != nil {
		r.opts.History.add(cmd, ran, err)
	}
	if r.opts.Observe != nil {
		r.opts.Observe(ran)
	}
	return out, err
}

// execFailure runs cmd and wraps its error as a *Failure naming the line.
func (r *Runner) execFailure(ctx context.Context, cmd *Command) (string, error) {
	out, err := r.exec(ctx, cmd)
	var te *cluster.TimeoutError
	if errors.As(err, &te) && te.Last == nil && ctx.Err() == nil {
		// A client operation's "no leader within 5s" alone: with every
		// node down a CI log said neither that nor which were down.
		err = fmt.Errorf("%w (%s)", err, describeRoles(r.c.Status()))
	}
	if err != nil {
		var f *Failure
		if !errors.As(err, &f) {
			f = &Failure{Msg: strings.TrimPrefix(err.Error(), "cluster: ")}
		}
		f.Line, f.Cmd = cmd.Line, echoLine(cmd.Text)
		if cmd.Text == "" {
			f.Cmd = echoLine(cmd.String())
		}
		return "", f
	}
	return out, nil
}

// printValue shows a value read from the store: as it is when it is plain
// printable text, quoted Go-style when it holds control characters (so that
// nothing a client wrote can drive the terminal), and quoted when it would
// read as the (nil) of a missing key.
func printValue(v []byte) string {
	if string(v) == nilWord {
		return strconv.Quote(nilWord)
	}
	return cluster.Printable(string(v))
}

func failf(format string, args ...any) error { return &Failure{Msg: fmt.Sprintf(format, args...)} }

func (r *Runner) exec(ctx context.Context, cmd *Command) (string, error) {
	switch cmd.Verb {
	case VerbPut, VerbGet, VerbDel, VerbLoad:
		return r.execClient(ctx, cmd)
	case VerbPropose:
		return r.execPropose(ctx, cmd)
	case VerbCrash, VerbRestart, VerbPause, VerbResume, VerbIsolate, VerbSnapshot,
		VerbPartition, VerbHeal, VerbDrop, VerbDelay, VerbCut:
		return r.execFault(ctx, cmd)
	case VerbWait:
		return r.execWait(ctx, cmd)
	case VerbExpect:
		return r.execExpect(ctx, cmd)
	case VerbSleep:
		select {
		case <-time.After(cmd.Duration):
			return "", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	case VerbStatus:
		return FormatStatus(r.c.Status()), nil
	case VerbSet:
		return r.execSet(cmd)
	case VerbLet:
		id, err := r.resolve(ctx, cmd.Node)
		if err != nil {
			return "", err
		}
		r.names[cmd.Name] = id
		return fmt.Sprintf("@%s = %d", cmd.Name, id), nil
	case VerbHelp:
		return Help(cmd.Topic)
	case VerbEcho:
		return cluster.EscapeControls(cmd.Message), nil
	case VerbSay:
		return execSay(cmd), nil
	case VerbSave:
		return r.execSave(cmd)
	case VerbFreeze, VerbThaw, VerbStep, VerbDeliver, VerbDiscard, VerbTimeout, VerbTick, VerbHeartbeat, VerbTrace, VerbMessages, VerbLinks:
		return r.execStep(ctx, cmd)
	case VerbExplain:
		return r.explain(ctx, cmd)
	case VerbAdd, VerbRemove, VerbPromote, VerbTransfer:
		return r.execMembership(ctx, cmd)
	case VerbPowerfail, VerbWipe, VerbCorrupt:
		return r.execDisk(ctx, cmd)
	case VerbRecord, VerbSeek, VerbFind, VerbFork:
		return r.execRecord(cmd)
	}
	return "", fmt.Errorf("unknown verb %q", cmd.Verb)
}

func (r *Runner) execClient(ctx context.Context, cmd *Command) (string, error) {
	out, err := r.execClientOp(ctx, cmd)
	if err != nil && cmd.Verb != VerbLoad && ctx.Err() == nil && r.c.Frozen() {
		// After freeze a put waits for steps no one can take while it
		// waits (a script runs one line at a time): it timed out saying
		// only "node 1, the leader then, did not complete it".
		err = fmt.Errorf("%w (the cluster is frozen: step mode holds every message, so a %s completes only if steps carry it, and none run while it waits; propose N KEY VALUE puts into the leader's log and says uncommitted after its TIMEOUT (1s) instead of failing, thaw ends step mode)", err, cmd.Verb)
	}
	return out, err
}

func (r *Runner) execClientOp(ctx context.Context, cmd *Command) (string, error) {
	opCtx, cancel := context.WithTimeout(ctx, DefaultClientTimeout)
	defer cancel()
	switch cmd.Verb {
	case VerbPut:
		res, err := r.client.Put(opCtx, cmd.Key, []byte(cmd.Value))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("ok index=%d term=%d", res.Index, res.Term), nil
	case VerbDel:
		res, err := r.client.Delete(opCtx, cmd.Key)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("ok index=%d term=%d", res.Index, res.Term), nil
	case VerbGet:
		res, err := r.client.Get(opCtx, cmd.Key)
		if err != nil {
			return "", err
		}
		if !res.Found {
			return nilWord, nil
		}
		return printValue(res.Value), nil
	}
	// load
	if cmd.Rate == 0 {
		r.c.StopLoad()
		return "ok", nil
	}
	return "ok", r.c.StartLoad(cmd.Rate)
}

func (r *Runner) execPropose(ctx context.Context, cmd *Command) (string, error) {
	id, err := r.resolve(ctx, cmd.Node)
	if err != nil {
		return "", err
	}
	timeout := cmd.Timeout
	if timeout == 0 {
		timeout = DefaultProposeTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p, err := r.c.ProposeTo(pctx, id, cmd.Key, []byte(cmd.Value))
	switch {
	case p.Index != 0 && (errors.Is(err, cluster.ErrEntryReplaced) || errors.Is(err, cluster.ErrSuperseded)):
		// N took the put and lost it from its log before it committed:
		// an outcome to report, as uncommitted is, not a failure of the
		// script (the split-brain scenario goes on to heal and check).
		return fmt.Sprintf("replaced index=%d term=%d: %s", p.Index, p.Term, replacedWhy(id, err)), nil
	case err != nil:
		return "", proposeError(ctx, id, timeout, err)
	case p.Committed:
		return fmt.Sprintf("ok index=%d term=%d", p.Index, p.Term), nil
	}
	return fmt.Sprintf("uncommitted index=%d term=%d", p.Index, p.Term), nil
}

// replacedWhy says what became of a proposed entry that left node id's
// log before it committed.
func replacedWhy(id uint64, err error) string {
	if errors.Is(err, cluster.ErrSuperseded) {
		return fmt.Sprintf("a snapshot from the leader replaced node %d's log before the entry committed; its outcome is unknown", id)
	}
	return fmt.Sprintf("a new leader's entry took its place in node %d's log before it committed; its outcome is unknown (a node that still holds it may yet be elected and commit it)", id)
}

// proposeError says a propose's failure in words: "context deadline
// exceeded" and "node is paused" were what a CI user read.
func proposeError(ctx context.Context, id uint64, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return failf("no answer from node %d within %v: the put may or may not be in its log (a longer TIMEOUT waits longer)", id, timeout)
	case errors.Is(err, cluster.ErrPaused):
		return failf("node %d is paused", id)
	}
	return err
}

func (r *Runner) execFault(ctx context.Context, cmd *Command) (string, error) {
	switch cmd.Verb {
	case VerbHeal:
		if cmd.From == nil {
			r.c.Heal()
			return "ok", nil
		}
		from, err := r.resolve(ctx, *cmd.From)
		if err != nil {
			return "", err
		}
		to, err := r.resolve(ctx, *cmd.To)
		if err != nil {
			return "", err
		}
		before := msgview.FaultOn(r.c.Status().Faults, from, to)
		if err := r.c.HealLink(from, to); err != nil {
			return "", err
		}
		return healLinkAnswer(from, to, before, msgview.FaultOn(r.c.Status().Faults, from, to)), nil
	case VerbPartition:
		groups := make([][]uint64, len(cmd.Groups))
		for i, g := range cmd.Groups {
			for _, ref := range g {
				id, err := r.resolve(ctx, ref)
				if err != nil {
					return "", err
				}
				groups[i] = append(groups[i], id)
			}
		}
		return "ok", r.c.Partition(groups)
	case VerbDrop, VerbDelay, VerbCut:
		var from, to uint64
		var err error
		if cmd.From != nil {
			if from, err = r.resolve(ctx, *cmd.From); err != nil {
				return "", err
			}
			if to, err = r.resolve(ctx, *cmd.To); err != nil {
				return "", err
			}
		}
		switch cmd.Verb {
		case VerbDrop:
			return "ok", r.c.Drop(cmd.Pct, from, to)
		case VerbDelay:
			return "ok", r.c.Delay(cmd.Duration, cmd.Jitter, from, to)
		}
		return "ok", r.c.Cut(from, to)
	}
	if cmd.Verb == VerbRestart && cmd.All {
		return r.restartAll()
	}
	id, err := r.resolve(ctx, cmd.Node)
	if err != nil {
		return "", err
	}
	switch cmd.Verb {
	case VerbCrash:
		err = r.c.Crash(id)
	case VerbRestart:
		// What the restart repaired (a torn tail cut off its WAL) is told
		// with its answer, not only as an event a script does not print;
		// so are new ports, taken when its old ones were given to another
		// program while it was down (a user's requests went to the old).
		_, next, _ := r.c.Events().Since(^uint64(0))
		was, _ := r.c.Status().Node(id)
		if err = r.c.Restart(id); err == nil {
			evs, _, _ := r.c.Events().Since(next)
			var told []string
			for _, e := range evs {
				if e.Node == id && e.Kind == cluster.EventError {
					told = append(told, e.Text)
				}
			}
			out := "ok"
			if len(told) > 0 {
				out = "ok: " + strings.Join(told, "; ")
			}
			out += r.movedPorts(was)
			if out != "ok" {
				return out, nil
			}
		}
	case VerbPause:
		err = r.c.Pause(id)
	case VerbResume:
		err = r.c.Resume(id)
	case VerbIsolate:
		err = r.c.Isolate(id)
	case VerbSnapshot:
		// Said with its index and term: a bare ok left the user to guess
		// which entries it covers (the applied index, which may trail the
		// commit index).
		t, err := r.c.SnapshotNow(id)
		if err != nil {
			return "", err
		}
		if t.Index == 0 {
			return fmt.Sprintf("ok no snapshot of node %d taken: %s", id, t.Why), nil
		}
		out := fmt.Sprintf("ok snapshot of node %d at index %d (term %d)", id, t.Index, t.Term)
		if t.Commit > t.Index {
			out += fmt.Sprintf(", the last entry it applied (its commit index is %d)", t.Commit)
		}
		return out, nil
	}
	if err != nil {
		return "", err
	}
	if cmd.Node.Kind != NodeNumber {
		return fmt.Sprintf("ok node=%d", id), nil
	}
	return "ok", nil
}

// healLinkAnswer is heal FROM TO's answer: the link's own rules it
// removed (what heal FROM TO means), and what still hinders the link, which
// it cannot heal (a partition, the rules on every link). A bare "ok" hid
// both: the link stayed cut by the partition and its delay was gone.
func healLinkAnswer(from, to uint64, before, after msgview.LinkFault) string {
	removed := before.Own
	link := fmt.Sprintf("%d->%d", from, to)
	var told []string
	if !removed.IsZero() {
		told = append(told, fmt.Sprintf("removed %s's own %s", link, msgview.LinkFault{Cut: removed.Cut, DropPct: removed.DropPct, Delay: removed.Delay, Jitter: removed.Jitter}.Words()))
	} else {
		told = append(told, link+" had no rule of its own")
	}
	if after.Partitioned {
		told = append(told, link+" stays cut by the partition (heal, with no nodes, heals everything)")
	}
	if every := (msgview.LinkFault{Cut: after.Cut, DropPct: after.DropPct, Delay: after.Delay, Jitter: after.Jitter}).Words(); every != "" {
		told = append(told, fmt.Sprintf("%s keeps the rule on every link: %s (heal, with no nodes, removes it)", link, every))
	}
	return "ok; " + strings.Join(told, "; ")
}

func (r *Runner) execSet(cmd *Command) (string, error) {
	switch cmd.Setting {
	case SetHeartbeat:
		t := r.c.Timing()
		t.Heartbeat = cmd.Duration
		return "ok", r.c.SetTiming(t)
	case SetElection:
		t := r.c.Timing()
		t.ElectionMin, t.ElectionMax = cmd.Min, cmd.Max
		if err := r.c.SetTiming(t); err != nil {
			return "", err
		}
		if note := t.TieNote(); note != "" {
			return "ok; " + note, nil
		}
		return "ok", nil
	case SetPreVote:
		return "ok", r.c.SetPreVote(cmd.On)
	case SetCheckQuorum:
		return "ok", r.c.SetCheckQuorum(cmd.On)
	case SetSnapshotEvery:
		return "ok", r.c.SetSnapshotEvery(cmd.Every)
	case SetDiskDelay, SetDiskFull, SetSkipFsync:
		return r.execDiskSetting(cmd)
	}
	return "", fmt.Errorf("unknown setting %q", cmd.Setting)
}

// resolve turns a node reference into a node number at the moment the
// command runs. `leader` and `follower` wait for a leader, up to the client
// timeout, unless RunnerOptions.NoRoleWait.
func (r *Runner) resolve(ctx context.Context, ref NodeRef) (uint64, error) {
	switch ref.Kind {
	case NodeNumber:
		if ref.N < 1 || ref.N > r.c.Size() {
			return 0, failf("no node %d (nodes are 1 to %d)", ref.N, r.c.Size())
		}
		return uint64(ref.N), nil
	case NodeNamed:
		id, ok := r.names[ref.Name]
		if !ok {
			return 0, failf("@%s is not defined (use `let %s = NODE` first)", ref.Name, ref.Name)
		}
		return id, nil
	case NodeLeader, NodeFollower:
		if r.opts.NoRoleWait {
			return r.resolveNow(ref)
		}
		known := func(s cluster.Status) bool {
			return s.Leader != 0 && (ref.Kind == NodeLeader || liveFollower(s) != 0)
		}
		if st := r.c.Status(); st.Frozen && !known(st) {
			// Nothing moves while frozen: waiting 5 s for it said only "no
			// leader within 5s (1 follower t1, 2 follower t1, 3 leader
			// t1)", with node 3's first append held at 1 and 2.
			return 0, failf("%s", frozenNoLeader(st, ref.Kind))
		}
		wctx, cancel := context.WithTimeout(ctx, DefaultClientTimeout)
		defer cancel()
		st, err := r.c.WaitFor(wctx, known)
		if err != nil {
			if ref.Kind == NodeLeader {
				return 0, failf("no leader within %v (%s)", DefaultClientTimeout, describeRoles(st))
			}
			return 0, failf("no live follower of a leader within %v (%s)", DefaultClientTimeout, describeRoles(st))
		}
		if ref.Kind == NodeLeader {
			return st.Leader, nil
		}
		return liveFollower(st), nil
	}
	return 0, failf("no node named")
}

// frozenNoLeader says why a frozen cluster has no leader (or no live
// follower of one) for leader or follower to name, and what would give it
// one.
func frozenNoLeader(st cluster.Status, kind NodeKind) string {
	what := "no leader"
	if kind == NodeFollower && st.Leader != 0 {
		what = fmt.Sprintf("no live follower of leader %d", st.Leader)
	}
	s := what + " now, and the cluster is frozen: nothing changes until you move it (timeout N, step, deliver) or thaw it"
	var claims []string
	for _, n := range st.Nodes {
		if n.Live() && n.Role == "leader" && n.ID != st.Leader {
			claims = append(claims, fmt.Sprintf("%d leads at term %d, but a majority does not know it yet", n.ID, n.Term))
		}
	}
	if len(claims) > 0 {
		s += "; " + strings.Join(claims, "; ") + " (its appends reach them when delivered)"
	}
	return s + fmt.Sprintf(" (%s); or name a node", describeRoles(st))
}

// resolveNow names the node that is leader (or its live follower) at this
// moment, without waiting.
func (r *Runner) resolveNow(ref NodeRef) (uint64, error) {
	st := r.c.Status()
	switch {
	case st.Leader == 0:
		return 0, failf("no leader now; `wait leader` first, or name a node")
	case ref.Kind == NodeLeader:
		return st.Leader, nil
	}
	if id := liveFollower(st); id != 0 {
		return id, nil
	}
	return 0, failf("no live follower of leader %d now; name a node", st.Leader)
}

// liveFollower returns the lowest-numbered live node that follows s's leader.
func liveFollower(s cluster.Status) uint64 {
	for _, n := range s.Nodes {
		if n.Live() && n.Role == "follower" && n.Leader == s.Leader && n.Term == s.Term {
			return n.ID
		}
	}
	return 0
}

// movedPorts says, of a node just restarted whose status before was was,
// where it listens now when the OS gave it new ports (its old ones were
// taken while it was down): " (node 1's ports were taken while it was
// down: it now listens on raft ..., http ...)"; "" when it kept them.
func (r *Runner) movedPorts(was cluster.NodeStatus) string {
	now, _ := r.c.Status().Node(was.ID)
	if was.RaftAddr == "" || (now.RaftAddr == was.RaftAddr && now.HTTPAddr == was.HTTPAddr) {
		return ""
	}
	return fmt.Sprintf(" (node %d's ports were taken while it was down: it now listens on raft %s, http %s)", was.ID, now.RaftAddr, now.HTTPAddr)
}

// restartAll restarts every node that is down (crashed, powered off, or
// failed to start), not the removed ones: "restarted 1, 3".
func (r *Runner) restartAll() (string, error) {
	var ids []string
	var errs []error
	for _, n := range r.c.Status().Nodes {
		if n.State != cluster.StateCrashed && n.State != cluster.StateFailed {
			continue
		}
		if err := r.c.Restart(n.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, strconv.FormatUint(n.ID, 10)+r.movedPorts(n))
	}
	if len(ids) == 0 && len(errs) == 0 {
		return "", errors.New("no node is down")
	}
	if len(ids) == 0 {
		return "", errors.Join(errs...)
	}
	return "restarted " + strings.Join(ids, ", "), errors.Join(errs...)
}
