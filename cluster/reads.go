package cluster

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"raftplay/raft"
)

// Linearizable reads without the log (Raft thesis §6.4, ReadIndex): the
// leader's core confirms it still leads with a round of heartbeats and
// names a read index; the read is served from the local store once the
// node has applied that index. A read costs no disk write.

// readReq is a client read waiting in a node's loop.
type readReq struct {
	ctx   context.Context // the client's: a read it gave up on is dropped
	key   string
	done  chan proposeResult // buffered 1
	index uint64             // read index, once the core confirmed it (0 before)
}

// startRead hands a read to the core; the loop calls it.
func (n *node) startRead(r *readReq) {
	if n.role != raft.RoleLeader {
		r.done <- proposeResult{err: ErrNotLeader}
		return
	}
	n.nextRead++
	id := n.nextRead
	if err := n.core.ReadIndex(binary.BigEndian.AppendUint64(nil, id)); err != nil {
		r.done <- proposeResult{err: err}
		return
	}
	n.reads[id] = r
}

// confirmReads records the read indexes the core confirmed in a Ready.
func (n *node) confirmReads(states []raft.ReadState) {
	for _, rs := range states {
		if len(rs.Context) != 8 {
			continue
		}
		if r, ok := n.reads[binary.BigEndian.Uint64(rs.Context)]; ok {
			r.index = max(rs.Index, 1)
		}
	}
}

// serveReads answers every confirmed read whose index has been applied and
// drops reads whose client gave up. Answers go out with the Ready's others.
func (n *node) serveReads() {
	for id, r := range n.reads {
		switch {
		case r.ctx.Err() != nil:
			delete(n.reads, id)
		case r.index != 0 && r.index <= n.kv.Applied():
			v, found := n.kv.Get(r.key)
			res := Result{Index: r.index, Term: n.hs.Term, Value: v, Found: found}
			n.answers = append(n.answers, answer{r.done, proposeResult{res: res}})
			delete(n.reads, id)
		}
	}
}

// failReads answers every read in flight with err (the node stopped leading).
func (n *node) failReads(err error) {
	for id, r := range n.reads {
		n.answers = append(n.answers, answer{r.done, proposeResult{err: err}})
		delete(n.reads, id)
	}
}

// checkTickers holds stopped tickers for await, so that a wait costs no
// allocation.
var checkTickers = sync.Pool{New: func() any {
	t := time.NewTicker(time.Hour)
	t.Stop()
	return t
}}

// leaderCheck is what a wait checks every checkEvery: that n is still the
// node c would ask (its leader). The zero leaderCheck checks nothing.
type leaderCheck struct {
	c *Cluster
	n *node
}

func (l leaderCheck) holds() bool { return l.c == nil || l.c.leaderNode() == l.n }

// read asks the node for a linearizable read of key, and waits while ok
// holds.
func (n *node) read(ctx context.Context, key string, ok leaderCheck) (Result, error) {
	r := &readReq{ctx: ctx, key: key, done: make(chan proposeResult, 1)}
	if n.paused.Load() {
		return Result{}, ErrPaused
	}
	select {
	case n.readc <- r:
	case <-n.done:
		return Result{}, ErrNodeDown
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	return n.await(ctx, r.done, ok)
}

// await waits for a loop's answer on done, checking ok every checkEvery.
func (n *node) await(ctx context.Context, done chan proposeResult, ok leaderCheck) (Result, error) {
	res, err, _ := n.awaitAnswer(ctx, done, ok)
	return res, err
}

// awaitAnswer is await that also says whether the answer came on done:
// if so, nothing will be sent on done any more and it may be reused.
func (n *node) awaitAnswer(ctx context.Context, done chan proposeResult, ok leaderCheck) (res Result, err error, answered bool) {
	var check <-chan time.Time
	if ok.c != nil {
		t := checkTickers.Get().(*time.Ticker)
		t.Reset(checkEvery)
		defer func() {
			t.Stop() // no tick of this wait can reach the next one (Go 1.23 timers)
			checkTickers.Put(t)
		}()
		check = t.C
	}
	for {
		select {
		case r := <-done:
			return r.res, r.err, true
		case <-n.done:
			return Result{}, ErrNodeDown, false
		case <-ctx.Done():
			return Result{}, ctx.Err(), false
		case <-check:
			if !ok.holds() {
				return Result{}, errDeposed, false
			}
		}
	}
}
