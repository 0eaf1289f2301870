package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"raftplay/cluster"
)

// Op is one client operation as recorded by RunChaos and saved in
// history.json. Times are nanoseconds since the history began; an operation
// whose outcome the client never learned (Unknown, only writes) has Return
// -1: it may take effect at any time after Call.
type Op struct {
	Client  int    `json:"client"`
	Op      string `json:"op"` // "put", "get" or "del"
	Key     string `json:"key"`
	Value   string `json:"value,omitempty"` // put: the value written; get: the value read
	Found   bool   `json:"found,omitempty"` // get: whether the key existed
	Unknown bool   `json:"unknown,omitempty"`
	Call    int64  `json:"call_ns"`
	Return  int64  `json:"return_ns"`
	Via     string `json:"via"` // "client" (cluster.Client) or "http"
}

// opHistory collects Ops from concurrent clients.
type opHistory struct {
	mu    sync.Mutex
	start time.Time
	ops   []Op
}

func newOpHistory() *opHistory { return &opHistory{start: time.Now()} }

// add records op called at call and answered at ret. A read with no known
// outcome tells nothing and is not recorded.
func (h *opHistory) add(op Op, call, ret time.Time) {
	if op.Unknown && op.Op == "get" {
		return
	}
	op.Call = int64(call.Sub(h.start))
	op.Return = int64(ret.Sub(h.start))
	if op.Unknown {
		op.Return = -1
	}
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

func (h *opHistory) snapshot() []Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Op(nil), h.ops...)
}

// porcupineOps converts ops for cluster.KVModel.
func porcupineOps(ops []Op) []porcupine.Operation {
	out := make([]porcupine.Operation, len(ops))
	for i, op := range ops {
		in := cluster.OpInput{Key: op.Key, Value: op.Value}
		switch op.Op {
		case "put":
			in.Op = cluster.OpPut
		case "del":
			in.Op, in.Value = cluster.OpDel, ""
		default:
			in.Op, in.Value = cluster.OpGet, ""
		}
		o := cluster.OpOutput{Unknown: op.Unknown}
		if op.Op == "get" {
			o.Value, o.Found = op.Value, op.Found
		}
		ret := op.Return
		if op.Unknown {
			ret = math.MaxInt64
		}
		out[i] = porcupine.Operation{ClientId: op.Client, Input: in, Call: op.Call, Output: o, Return: ret}
	}
	return out
}

// LostWrite is an acknowledged write that the final state contradicts.
type LostWrite struct {
	Key   string `json:"key"`
	Write Op     `json:"write"` // the acknowledged write that was lost
	Final string `json:"final"` // the final value read, or "(nil)"
}

// lostWrites checks the final state directly, independently of porcupine:
// for each key with a final read, the final value must come from a write
// that no acknowledged write on that key followed entirely in real time.
// A final value that no put wrote counts as a lost write too (of nothing).
func lostWrites(ops []Op, final map[string]Op) []LostWrite {
	end := func(op Op) int64 {
		if op.Unknown {
			return math.MaxInt64
		}
		return op.Return
	}
	byKey := map[string][]Op{}
	for _, op := range ops {
		if op.Op != "get" {
			byKey[op.Key] = append(byKey[op.Key], op)
		}
	}
	keys := make([]string, 0, len(final))
	for k := range final {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lost []LostWrite
	for _, k := range keys {
		f := final[k]
		shown := "(nil)"
		if f.Found {
			shown = f.Value
		}
		// Writes that could have produced the final state.
		var sources []Op
		for _, w := range byKey[k] {
			if (f.Found && w.Op == "put" && w.Value == f.Value) || (!f.Found && w.Op == "del") {
				sources = append(sources, w)
			}
		}
		if f.Found && len(sources) == 0 {
			lost = append(lost, LostWrite{Key: k, Write: Op{Op: "put", Key: k, Value: f.Value}, Final: shown})
			continue
		}
		// The latest moment any source could have taken effect; the initial
		// empty state counts as a source of nil at time minus infinity.
		latest := int64(math.MinInt64)
		for _, s := range sources {
			latest = max(latest, end(s))
		}
		for _, w := range byKey[k] {
			if w.Unknown || (f.Found && w.Op == "put" && w.Value == f.Value) {
				continue
			}
			if w.Call > latest { // w began after every possible source ended
				lost = append(lost, LostWrite{Key: k, Write: w, Final: shown})
			}
		}
	}
	return lost
}

// checkHistory runs porcupine (bounded by timeout) and the lost-write check
// over ops, whose final reads are final.
func checkHistory(ctx context.Context, ops []Op, final map[string]Op, timeout time.Duration) (verdict string, took time.Duration, lost []LostWrite, info porcupine.LinearizationInfo) {
	began := time.Now()
	type result struct {
		res  porcupine.CheckResult
		info porcupine.LinearizationInfo
	}
	done := make(chan result, 1)
	go func() { // porcupine cannot be cancelled: on an interrupt it is left to end at its timeout
		res, info := porcupine.CheckOperationsVerbose(cluster.KVModel, porcupineOps(ops), timeout)
		done <- result{res, info}
	}()
	var res porcupine.CheckResult
	select {
	case r := <-done:
		res, info = r.res, r.info
	case <-ctx.Done():
		res = porcupine.Unknown
	}
	took = time.Since(began)
	switch res {
	case porcupine.Ok:
		verdict = VerdictOk
	case porcupine.Illegal:
		verdict = VerdictIllegal
	default:
		verdict = VerdictUnknown
	}
	return verdict, took, lostWrites(ops, final), info
}

// RecheckResult is the verdict of RecheckHistory.
type RecheckResult struct {
	Ops          int
	Linearizable string // VerdictOk, VerdictIllegal or VerdictUnknown
	CheckTime    time.Duration
	Lost         []LostWrite
	FinalKeys    int // keys whose final read the history holds: 0, lost writes were not checked
	FinalReads   int // operations that are final reads (client -1), not the clients'
}

// RecheckHistory reads a history.json saved by a chaos run and checks it
// again: linearizability (bounded by timeout) and lost writes against the
// final reads it holds (client -1). If html is not "", porcupine's
// visualization is written there.
func RecheckHistory(r io.Reader, timeout time.Duration, html string) (RecheckResult, error) {
	ops, err := ReadHistory(r)
	if err != nil {
		return RecheckResult{}, fmt.Errorf("experiment: history: %w", err)
	}
	return RecheckOps(ops, timeout, html)
}

// RecheckOps is RecheckHistory for the operations ReadHistory read.
func RecheckOps(ops []Op, timeout time.Duration, html string) (RecheckResult, error) {
	final := map[string]Op{}
	reads := 0
	for _, op := range ops {
		if op.Client == -1 && op.Op == "get" {
			final[op.Key] = op
			reads++
		}
	}
	res := RecheckResult{Ops: len(ops), FinalKeys: len(final), FinalReads: reads}
	var info porcupine.LinearizationInfo
	res.Linearizable, res.CheckTime, res.Lost, info = checkHistory(context.Background(), ops, final, timeout)
	if html != "" {
		if err := porcupine.VisualizePath(cluster.KVModel, info, html); err != nil {
			return res, fmt.Errorf("experiment: visualization: %w", err)
		}
	}
	return res, nil
}

// HistoryError is a history.json that is not one a chaos run could have
// saved: not JSON, or an operation that breaks its rules. Op is the
// position of the first bad operation, from 1 (0: the file as a whole).
type HistoryError struct {
	Op  int
	Err error
}

func (e *HistoryError) Error() string {
	if e.Op == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("op %d: %v", e.Op, e.Err)
}

func (e *HistoryError) Unwrap() error { return e.Err }

// ReadHistory reads a history.json saved by a chaos run and checks each
// operation against the rules RunChaos writes them by, so that a damaged
// or hand-made file is refused with the first bad operation named rather
// than judged: porcupine panics on an operation that returns before its
// call, and an unknown kind would be checked as a read.
func ReadHistory(r io.Reader) ([]Op, error) {
	dec := json.NewDecoder(r)
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			err = fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, se)
		case errors.As(err, &te):
			err = fmt.Errorf("want a JSON array of operations, found %s at byte %d", te.Value, te.Offset)
		case errors.Is(err, io.EOF):
			err = errors.New("empty (want a JSON array of operations)")
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = errors.New("cut short (unexpected end of the JSON)")
		}
		return nil, &HistoryError{Err: err}
	}
	if dec.More() {
		return nil, &HistoryError{Err: fmt.Errorf("more JSON after the array, at byte %d", dec.InputOffset())}
	}
	if raw == nil {
		return nil, &HistoryError{Err: errors.New("null (want a JSON array of operations)")}
	}
	ops := make([]Op, len(raw))
	for i, m := range raw {
		op, err := parseOp(m)
		if err != nil {
			return nil, &HistoryError{Op: i + 1, Err: err}
		}
		ops[i] = op
	}
	return ops, nil
}

// parseOp decodes and checks one operation of a history.json.
func parseOp(m json.RawMessage) (Op, error) {
	var op Op
	if string(m) == "null" {
		return op, errors.New("null, not an operation")
	}
	// Which fields are there: a missing one would read as zero (client 0,
	// time 0) and be judged as if recorded.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(m, &fields); err != nil {
		return op, fmt.Errorf("not a JSON object (%s)", shortJSON(m))
	}
	for _, f := range []string{"client", "op", "key", "call_ns", "return_ns"} {
		if _, ok := fields[f]; !ok {
			return op, fmt.Errorf("no %q field", f)
		}
	}
	if err := json.Unmarshal(m, &op); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return op, fmt.Errorf("%s: want %s, found %s", te.Field, te.Type, te.Value)
		}
		return op, err
	}
	switch {
	case op.Op != "put" && op.Op != "get" && op.Op != "del":
		return op, fmt.Errorf("unknown op %q (want put, get or del)", op.Op)
	case op.Client < -1:
		return op, fmt.Errorf("client %d: want 0 or more (or -1, the final reads)", op.Client)
	case op.Client == -1 && op.Op != "get":
		return op, fmt.Errorf("client -1 (the final reads) with op %q: want get", op.Op)
	case op.Call < 0:
		return op, fmt.Errorf("call_ns %d is negative (times count from the start of the history)", op.Call)
	case op.Unknown && op.Op == "get":
		return op, errors.New("a get of unknown outcome (a chaos run records none: it tells nothing)")
	case !op.Unknown && op.Return < op.Call:
		return op, fmt.Errorf("return_ns %d is before call_ns %d", op.Return, op.Call)
	}
	// A chaos run writes unique values, never empty ones ("c3-17"), so a
	// put, and a get that found its key, always has one: without it, it
	// would be judged as the write or read of "".
	if _, ok := fields["value"]; !ok && (op.Op == "put" || op.Op == "get" && op.Found) {
		what := "a put"
		if op.Op == "get" {
			what = "a get that found its key"
		}
		return op, fmt.Errorf("no \"value\" field (%s has one)", what)
	}
	return op, nil
}

// shortJSON returns m for a message, cut to a few dozen bytes.
func shortJSON(m json.RawMessage) string {
	const max = 40
	if len(m) > max {
		return string(m[:max]) + "..."
	}
	return string(m)
}
