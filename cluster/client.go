package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultOpTimeout bounds a client operation that is given no deadline.
const DefaultOpTimeout = 5 * time.Second

// ErrSessionExpired ends a write whose client session had expired (see
// Command): the write was refused, but an earlier attempt of it may have
// been applied, so its outcome is unknown. The client registers a new
// session for its next write (and, when the refusal answered the write's
// only attempt, sends that write again under it: Client.do).
var ErrSessionExpired = fmt.Errorf("cluster: the cluster does not know the client's session (it expired, after more than %d newer sessions, or its registration was lost); the write's outcome is unknown", MaxSessions)

// Client issues key-value operations to whichever node leads, retrying
// across leader changes. Before its first write it registers a session
// through the log (see Command) and numbers its writes in it, so a retried
// write is applied at most once. A Client is safe for use by one goroutine
// at a time.
type Client struct {
	c       *Cluster
	session uint64 // 0 until registered
	seq     uint64

	// Reused from one operation to the next, so that a write allocates
	// little: the deadline of operations given none (nil once expired),
	// and the answer channel of the last write (nil unless its answer
	// arrived: then nothing can be sent on it any more).
	timeout *opTimeout
	done    chan proposeResult
}

// NewClient returns a client; it registers its session at its first write.
func (c *Cluster) NewClient() *Client {
	return &Client{c: c}
}

// Put sets key to value once the write is committed and applied.
func (cl *Client) Put(ctx context.Context, key string, value []byte) (Result, error) {
	return cl.do(ctx, Command{Op: OpPut, Key: key, Value: value})
}

// Delete removes key once the delete is committed and applied.
func (cl *Client) Delete(ctx context.Context, key string) (Result, error) {
	return cl.do(ctx, Command{Op: OpDel, Key: key})
}

// Get reads key linearizably, without writing to the log: the leader
// confirms it still leads (ReadIndex) and answers once it has applied every
// write committed before the read began.
func (cl *Client) Get(ctx context.Context, key string) (Result, error) {
	return cl.do(ctx, Command{Op: OpGet, Key: key})
}

func (cl *Client) do(ctx context.Context, cmd Command) (Result, error) {
	if _, ok := ctx.Deadline(); !ok {
		if ctx == context.Background() || ctx == context.TODO() {
			// Nothing can cancel ctx and it holds no values: a reused
			// deadline does the job of context.WithTimeout without its
			// allocations.
			t := cl.startTimeout()
			defer cl.endTimeout(t)
			ctx = t
		} else {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, DefaultOpTimeout)
			defer cancel()
		}
	}
	if cmd.Op == OpGet {
		res, err := cl.c.retry(ctx, false, func(n *node, ok leaderCheck) (Result, error) { return n.read(ctx, cmd.Key, ok) })
		// The loop answers with the store's own bytes: the caller gets
		// a copy, so that changing it cannot change the replica's state.
		res.Value = bytes.Clone(res.Value)
		return res, err
	}
	for again := false; ; again = true {
		if cl.session == 0 {
			res, err := cl.c.submitReusing(ctx, Command{Op: OpRegister}.Encode(nil), &cl.done)
			if err != nil {
				return Result{}, err
			}
			cl.session, cl.seq = res.Index, 0
		}
		cl.seq++
		cmd.Client, cmd.Seq = cl.session, cl.seq
		// The core keeps the proposed bytes, so each write gets its own buffer.
		attempts := 0
		res, err := cl.c.submitCounting(ctx, cmd.Encode(nil), &cl.done, &attempts)
		switch {
		case err == nil:
			cl.c.written.Add(1)
		case errors.Is(err, ErrSessionExpired):
			cl.session = 0
			if attempts == 1 && !again && ctx.Err() == nil {
				// Its only attempt was applied as a refusal, with no
				// effect: the session was unknown (expired, or its
				// registration lost, as every node losing power loses
				// it). Nothing of this write took effect, so it goes
				// again, once, under a new session; a script's every
				// write after a power failure had failed, "outcome
				// unknown". With an earlier attempt that may have been
				// applied the outcome is unknown indeed.
				continue
			}
		}
		return res, err
	}
}

// submit proposes data on the current leader until it is applied there or
// ctx ends, retrying every failure (retries are safe: a write carries its
// client session and applies at most once).
func (c *Cluster) submit(ctx context.Context, data []byte) (Result, error) {
	return c.submitReusing(ctx, data, nil)
}

// submitReusing is submit that takes its answer channel from *spare when
// there is one, and leaves it there again when its answer arrived on it
// (spare may be nil).
func (c *Cluster) submitReusing(ctx context.Context, data []byte, spare *chan proposeResult) (Result, error) {
	return c.submitCounting(ctx, data, spare, nil)
}

// submitCounting is submitReusing that counts in *attempts (when not nil)
// how many times data was handed to a leader.
func (c *Cluster) submitCounting(ctx context.Context, data []byte, spare *chan proposeResult, attempts *int) (Result, error) {
	return c.retry(ctx, true, func(n *node, ok leaderCheck) (Result, error) {
		if attempts != nil {
			*attempts++
		}
		var done chan proposeResult
		if spare != nil && *spare != nil {
			done, *spare = *spare, nil
		} else {
			done = make(chan proposeResult, 1)
		}
		res, err, answered := n.submitAnswer(ctx, proposal{data: data, done: done}, ok)
		if answered && spare != nil {
			*spare = done
		}
		return res, err
	})
}

// retry runs attempt on the current leader until it succeeds, fails for
// good (ErrSessionExpired), or ctx ends (write: attempt proposes a write,
// whose effect is then unknown). An attempt is given up when another
// node becomes the leader (leads turns false), so a client never stays
// stuck on a leader cut off from the majority.
func (c *Cluster) retry(ctx context.Context, write bool, attempt func(n *node, ok leaderCheck) (Result, error)) (Result, error) {
	var lastErr error
	start := time.Now()
	backoff := time.Millisecond
	for {
		if n := c.leaderNode(); n != nil {
			began := time.Now()
			res, err := attempt(n, leaderCheck{c, n})
			if err == nil || errors.Is(err, ErrSessionExpired) {
				return res, err
			}
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				lastErr = fmt.Errorf("node %d, the leader then, did not complete it%s", n.cfg.id, c.failedNote())
			} else {
				lastErr = fmt.Errorf("node %d: %s", n.cfg.id, strings.TrimPrefix(err.Error(), "cluster: "))
			}
			if time.Since(began) > backoff {
				// It waited on a leader that then lost office: the next
				// one may be there already. One refused at once (a
				// transfer under way) keeps backing off.
				backoff = time.Millisecond
			}
		}
		select {
		case <-ctx.Done():
			after := time.Since(start)
			if d, ok := ctx.Deadline(); ok && errors.Is(ctx.Err(), context.DeadlineExceeded) && d.After(start) {
				// The time it was given, not when a loaded machine got
				// round to saying so ("within 5.1s" of a 5 s timeout).
				after = d.Sub(start)
			}
			return Result{}, &TimeoutError{After: after, Last: lastErr, Err: ctx.Err(), Write: write}
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 20*time.Millisecond)
	}
}

// failedNote tells the nodes that stopped on an error (a full disk), as
// a leader that could not complete an operation may be waiting on them:
// " (node 2 failed: wal: write ...: no space left on device)". A disk that
// filled under every follower said only that the leader "did not complete
// it". So are the nodes on a slow disk (set disk-delay), which a timed-out
// write said nothing of: " (nodes 2,3 have waited 4.9s for an fsync: set
// disk-delay, +10s an fsync)". "" when there are none.
func (c *Cluster) failedNote() string {
	var notes []string
	// Grouped by their delay and whether they wait: "nodes 2,3 have
	// waited 1.3s to 1.4s for an fsync" rather than a note for each
	// tenth of a second.
	type slow struct {
		delay   time.Duration
		waiting bool
	}
	type group struct {
		ids      []uint64
		min, max time.Duration
	}
	var order []slow
	groups := map[slow]*group{}
	for _, n := range c.Status().Nodes {
		if n.State == StateFailed && n.Err != "" {
			notes = append(notes, fmt.Sprintf("node %d failed: %s", n.ID, n.Err))
		}
		if n.Live() && n.Disk.Delay > 0 {
			k := slow{n.Disk.Delay, diskWait(n) != ""}
			g := groups[k]
			if g == nil {
				g = &group{min: n.Disk.SyncWait, max: n.Disk.SyncWait}
				groups[k] = g
				order = append(order, k)
			}
			g.ids = append(g.ids, n.ID)
			g.min, g.max = min(g.min, n.Disk.SyncWait), max(g.max, n.Disk.SyncWait)
		}
	}
	for _, k := range order {
		g := groups[k]
		who, has := "node "+ids(g.ids), "has"
		if len(g.ids) > 1 {
			who, has = "nodes "+ids(g.ids), "have"
		}
		switch {
		case k.waiting && g.min != g.max:
			notes = append(notes, fmt.Sprintf("%s %s waited %s to %s for an fsync: set disk-delay, +%s an fsync", who, has, g.min, g.max, k.delay))
		case k.waiting:
			notes = append(notes, fmt.Sprintf("%s %s waited %s for an fsync: set disk-delay, +%s an fsync", who, has, g.max, k.delay))
		default:
			notes = append(notes, fmt.Sprintf("%s %s a slow disk: set disk-delay, +%s an fsync", who, has, k.delay))
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

// TimeoutError is a client operation that did not complete before its
// context ended. It reads as a sentence: "no leader within 5s", or "not done
// within 5s; last attempt: node 2, the leader then, did not complete it".
// Unwrap gives the context's error.
type TimeoutError struct {
	After time.Duration // how long the operation tried
	Last  error         // the last attempt's failure; nil when no leader was ever found
	Err   error         // context.DeadlineExceeded or context.Canceled
	// Write: the operation was a write a leader took: it may still commit.
	Write bool
}

func (e *TimeoutError) Error() string {
	after := e.After.Round(100 * time.Millisecond)
	if after == 0 {
		// An operation left a few milliseconds of its budget (a script's
		// put after a long wait) said "not done within 0s".
		after = max(e.After.Round(time.Millisecond), time.Millisecond)
	}
	switch {
	case errors.Is(e.Err, context.Canceled):
		return "cluster: canceled"
	case e.Last == nil:
		return fmt.Sprintf("cluster: no leader within %v", after)
	}
	s := fmt.Sprintf("cluster: not done within %v; last attempt: %s", after, e.Last)
	if e.Write {
		// A leader took it: it may commit yet (a teacher's timed-out put
		// read as failed, and its value was there after the heal).
		s += "; its effect is unknown: it may still commit (a get tells)"
	}
	return s
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// leaderNode returns the running, unpaused node that believes it leads in
// the highest term, or nil.
func (c *Cluster) leaderNode() *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	var best *node
	var bestTerm uint64
	for _, s := range c.slots {
		n := s.node
		if n == nil || n.paused.Load() {
			continue
		}
		if role, term := n.roleTerm(); role == "leader" && term >= bestTerm {
			best, bestTerm = n, term
		}
	}
	return best
}

// Proposal is the outcome of ProposeTo.
type Proposal struct {
	Index, Term uint64 // where the entry went in the node's log (0 if it was refused)
	Committed   bool   // it committed and was applied before the timeout
}

// ProposeTo hands a put to node id alone: no retry, no redirect. It waits
// until the entry is applied or ctx ends. An entry that entered the node's
// log but did not commit in time is reported with Committed false and no
// error (a leader cut off from the majority); a node that is not leader
// returns an error.
func (c *Cluster) ProposeTo(ctx context.Context, id uint64, key string, value []byte) (Proposal, error) {
	n := c.node(id)
	if n == nil {
		return Proposal{}, fmt.Errorf("cluster: node %d is down", id)
	}
	p := proposal{
		data:   Command{Op: OpPut, Key: key, Value: value}.Encode(nil),
		done:   make(chan proposeResult, 1),
		placed: make(chan [2]uint64, 1),
	}
	if err := n.enqueue(ctx, p); err != nil {
		return Proposal{}, err // never in the loop's hands: no place to wait for
	}
	res, err, _ := n.awaitAnswer(ctx, p.done, leaderCheck{})
	if err == nil {
		c.written.Add(1)
		return Proposal{Index: res.Index, Term: res.Term, Committed: true}, nil
	}
	select {
	case pos := <-p.placed:
		if ctx.Err() != nil {
			return Proposal{Index: pos[0], Term: pos[1]}, nil
		}
		return Proposal{Index: pos[0], Term: pos[1]}, err
	default:
	}
	if ctx.Err() == nil {
		return Proposal{}, err
	}
	// The time ran out with the put queued and not yet placed: the loop
	// takes it in a moment (a frozen leader's, under load, after a 100 ms
	// TIMEOUT: "no answer within 100ms" of a put it then appended). Wait
	// for its place, or its refusal, a little longer.
	t := time.NewTimer(placeGrace)
	defer t.Stop()
	select {
	case pos := <-p.placed:
		return Proposal{Index: pos[0], Term: pos[1]}, nil
	case r := <-p.done:
		if r.err == nil {
			c.written.Add(1)
			return Proposal{Index: r.res.Index, Term: r.res.Term, Committed: true}, nil
		}
		return Proposal{}, r.err
	case <-t.C:
		return Proposal{}, err
	}
}

// placeGrace is how long ProposeTo waits past its deadline for the place
// of a put its node's loop has queued but not yet taken.
const placeGrace = time.Second

// opTimeout is the context of a client operation called with
// context.Background(): it ends DefaultOpTimeout after the operation
// starts, as context.WithTimeout would. A Client reuses one from operation
// to operation (its timer re-armed each time) until one expires, so that
// an operation allocates no context and no timer.
type opTimeout struct {
	deadline atomic.Int64 // UnixNano
	done     chan struct{}
	expired  atomic.Bool
	timer    *time.Timer
}

// startTimeout returns the client's opTimeout, armed for DefaultOpTimeout
// from now.
func (cl *Client) startTimeout() *opTimeout {
	t := cl.timeout
	cl.timeout = nil
	if t == nil {
		t = &opTimeout{done: make(chan struct{})}
		t.timer = time.AfterFunc(time.Hour, t.expire)
		t.timer.Stop()
	}
	t.deadline.Store(time.Now().Add(DefaultOpTimeout).UnixNano())
	t.timer.Reset(DefaultOpTimeout)
	return t
}

// endTimeout disarms t and keeps it for the next operation, unless it
// expired (or is expiring).
func (cl *Client) endTimeout(t *opTimeout) {
	if t.timer.Stop() {
		cl.timeout = t
	}
}

func (t *opTimeout) expire() {
	t.expired.Store(true)
	close(t.done)
}

func (t *opTimeout) Deadline() (time.Time, bool) {
	return time.Unix(0, t.deadline.Load()), true
}

func (t *opTimeout) Done() <-chan struct{} { return t.done }

func (t *opTimeout) Err() error {
	if t.expired.Load() {
		return context.DeadlineExceeded
	}
	return nil
}

func (t *opTimeout) Value(key any) any { return nil }
