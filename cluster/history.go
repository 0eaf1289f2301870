package cluster

import (
	"fmt"

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
