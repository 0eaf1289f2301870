package commands

import (
	"context"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/msgview"
)

// MessagesWidth is how wide `messages` draws its diagram.
const MessagesWidth = 100

// defaultMessages is how many events `messages` shows when not told.
const defaultMessages = 20

// execStep runs the step-mode and message commands.
func (r *Runner) execStep(ctx context.Context, cmd *Command) (string, error) {
	switch cmd.Verb {
	case VerbFreeze:
		return "ok", r.c.Freeze()
	case VerbThaw:
		return "ok", r.c.Thaw()
	case VerbStep:
		return r.c.StepOne(ctx)
	case VerbTrace:
		r.c.SetTrace(cmd.On)
		return "ok", nil
	case VerbMessages:
		return r.messages(cmd), nil
	case VerbLinks:
		st := r.c.Status()
		rates := msgview.LinkRates(r.c.Trace().Last(cluster.MsgTraceSize), r.c.Size(), st.Time, 2*time.Second)
		return strings.Join(msgview.Matrix(rates, st.Faults, r.c.Size(), MessagesWidth), "\n"), nil
	case VerbDeliver, VerbDiscard:
		from, err := r.resolve(ctx, *cmd.From)
		if err != nil {
			return "", err
		}
		to, err := r.resolve(ctx, *cmd.To)
		if err != nil {
			return "", err
		}
		return r.c.Deliver(ctx, from, to, cmd.Kind, cmd.Verb == VerbDiscard)
	}
	id, err := r.resolve(ctx, cmd.Node)
	if err != nil {
		return "", err
	}
	switch cmd.Verb {
	case VerbTimeout:
		return r.c.Timeout(id)
	case VerbTick:
		return r.c.TickNode(id, cmd.Count)
	}
	return r.c.Heartbeat(id)
}

// messages draws the newest message events as a space-time diagram.
func (r *Runner) messages(cmd *Command) string {
	n := cmd.Count
	if n == 0 {
		n = defaultMessages
	}
	f := msgview.Filter{Heartbeats: cmd.All}
	recs := f.Select(r.c.Trace().Last(cluster.MsgTraceSize), n)
	if len(recs) == 0 {
		if !r.c.Trace().On() {
			return "(the message trace is off: trace on)"
		}
		return "(no message events yet)"
	}
	return strings.Join(msgview.SpaceTime(recs, r.c.Size(), MessagesWidth), "\n")
}

// explain answers explain commit [I] | N | vote N | log N from one Status.
func (r *Runner) explain(ctx context.Context, cmd *Command) (string, error) {
	if cmd.What == ExplainCommit {
		return cluster.ExplainCommit(r.c.FreshStatus(), cmd.Index), nil
	}
	id, err := r.resolve(ctx, cmd.Node)
	if err != nil {
		return "", err
	}
	st := r.c.FreshStatus()
	switch cmd.What {
	case ExplainVote:
		return cluster.ExplainVote(st, id), nil
	case ExplainLog:
		return cluster.ExplainLog(st, id), nil
	}
	return cluster.ExplainNode(st, id), nil
}
