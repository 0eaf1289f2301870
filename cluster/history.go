package cluster

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// OpInput is a client operation as the linearizability checker sees it.
type OpInput struct {
	Op    Op
	Key   string
	Value string
}

// OpOutput is what the operation returned. Unknown marks a write whose
// outcome the client never learned (a timeout): it may or may not have
// taken effect.
type OpOutput struct {
	Value   string
	Found   bool
	Unknown bool
}

// History records concurrent client operations for a linearizability check.
// It is safe for concurrent use.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

// NewHistory starts an empty history; times are measured from now.
func NewHistory() *History { return &History{start: time.Now()} }

// Add records one operation by client that was called at call and returned
// at ret with out. A read with an unknown outcome tells nothing and is
// dropped; a write with an unknown outcome is kept as one that may take
// effect at any time after its call (it never returns).
func (h *History) Add(client int, in OpInput, call, ret time.Time, out OpOutput) {
	if out.Unknown && in.Op == OpGet {
		return
	}
	op := porcupine.Operation{
		ClientId: client,
		Input:    in,
		Call:     int64(call.Sub(h.start)),
		Output:   out,
		Return:   int64(ret.Sub(h.start)),
	}
	if out.Unknown {
		op.Return = math.MaxInt64
	}
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

// Len returns the number of operations recorded.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ops)
}

// Unknown returns the number of writes whose outcome is unknown.
func (h *History) Unknown() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, op := range h.ops {
		if op.Output.(OpOutput).Unknown {
			n++
		}
	}
	return n
}

// Check runs the linearizability checker over the history, for at most
// timeout (0: no limit). The verdict is porcupine.Ok, Illegal or Unknown
// (the time ran out).
func (h *History) Check(timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo) {
	h.mu.Lock()
	ops := append([]porcupine.Operation(nil), h.ops...)
	h.mu.Unlock()
	return porcupine.CheckOperationsVerbose(KVModel, ops, timeout)
}

// kvState is the model's state for one key.
type kvState struct {
	value string
	found bool
}

// KVModel is the sequential specification of the key-value store, split
// per key (operations on different keys commute).
var KVModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(OpInput).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(kvState), input.(OpInput), output.(OpOutput)
		switch in.Op {
		case OpPut:
			return true, kvState{value: in.Value, found: true}
		case OpDel:
			return true, kvState{}
		}
		return out.Found == s.found && (!s.found || out.Value == s.value), s
	},
	Equal: func(a, b any) bool { return a.(kvState) == b.(kvState) },
	DescribeOperation: func(input, output any) string {
		in, out := input.(OpInput), output.(OpOutput)
		switch {
		case in.Op == OpGet && out.Found:
			return fmt.Sprintf("get(%s) -> %q", in.Key, out.Value)
		case in.Op == OpGet:
			return fmt.Sprintf("get(%s) -> nil", in.Key)
		case in.Op == OpPut && out.Unknown:
			return fmt.Sprintf("put(%s, %q) -> ?", in.Key, in.Value)
		case in.Op == OpPut:
			return fmt.Sprintf("put(%s, %q)", in.Key, in.Value)
		case out.Unknown:
			return fmt.Sprintf("del(%s) -> ?", in.Key)
		}
		return fmt.Sprintf("del(%s)", in.Key)
	},
	DescribeState: func(state any) string {
		s := state.(kvState)
		if !s.found {
			return "nil"
		}
		return fmt.Sprintf("%q", s.value)
	},
}
