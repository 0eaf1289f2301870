package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"raftplay/cluster"
)

// opTimeout bounds one client operation during a chaos run. A write that
// runs out of it has an unknown outcome.
const opTimeout = 3 * time.Second

// runClient issues random operations until ctx ends and records them. Even
// clients use cluster.Client (the in-process client that finds the leader),
// odd ones the HTTP API of a random node (redirects lead to the leader).
// An operation already started is let finish after ctx ends, so that the
// end of the run does not turn writes into unknowns; it is cut short only
// when parent (the caller's context: an interrupt) ends.
func runClient(ctx, parent context.Context, c *cluster.Cluster, h *opHistory, id int, opts ChaosOptions) OpCounts {
	rng := rand.New(rand.NewPCG(opts.Seed, uint64(id)+100))
	var counts OpCounts
	cl := c.NewClient()
	hc := &http.Client{Timeout: opTimeout}
	via := "client"
	if id%2 == 1 {
		via = "http"
	}
	for i := 0; ctx.Err() == nil; i++ {
		op := Op{Client: id, Key: keyName(rng.IntN(max(opts.Keys, 1))), Via: via}
		switch r := rng.IntN(10); {
		case r < 5:
			op.Op, op.Value = "put", fmt.Sprintf("c%d-%d", id, i) // unique, so a lost write can be told apart
		case r < 9:
			op.Op = "get"
		default:
			op.Op = "del"
		}
		call := time.Now()
		var known bool
		if via == "http" {
			st := c.Status()
			addr := st.Nodes[rng.IntN(len(st.Nodes))].HTTPAddr
			op, known = httpOp(parent, hc, addr, op)
		} else {
			op, known = clientOp(parent, cl, op)
		}
		ret := time.Now()
		switch {
		case known:
			h.add(op, call, ret)
			switch op.Op {
			case "put":
				counts.Puts++
			case "get":
				counts.Gets++
			default:
				counts.Dels++
			}
		case op.Unknown && op.Op != "get":
			h.add(op, call, ret)
			counts.Unknown++
		default:
			counts.Failed++
			// Nothing answered: let the cluster find a leader before trying again.
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return counts
}

// clientOp runs op through a cluster.Client. Any error ends the retry loop
// only at the timeout, so a write's outcome is then unknown.
func clientOp(parent context.Context, cl *cluster.Client, op Op) (Op, bool) {
	ctx, cancel := context.WithTimeout(parent, opTimeout)
	defer cancel()
	var res cluster.Result
	var err error
	switch op.Op {
	case "put":
		res, err = cl.Put(ctx, op.Key, []byte(op.Value))
	case "del":
		res, err = cl.Delete(ctx, op.Key)
	default:
		res, err = cl.Get(ctx, op.Key)
	}
	if err != nil {
		op.Unknown = true
		return op, false
	}
	if op.Op == "get" {
		op.Value, op.Found = string(res.Value), res.Found
	}
	return op, true
}

// httpOp runs op over a node's HTTP API and says what the client can know
// of it: known, unknown (op.Unknown), or refused with no effect (neither).
func httpOp(parent context.Context, hc *http.Client, addr string, op Op) (Op, bool) {
	ctx, cancel := context.WithTimeout(parent, opTimeout)
	defer cancel()
	in := cluster.OpInput{Op: cluster.OpGet, Key: op.Key}
	switch op.Op {
	case "put":
		in.Op, in.Value = cluster.OpPut, op.Value
	case "del":
		in.Op = cluster.OpDel
	}
	out, known := cluster.HTTPOp(ctx, hc, addr, in)
	op.Unknown = out.Unknown
	if known && op.Op == "get" {
		op.Value, op.Found = out.Value, out.Found
	}
	return op, known
}
