package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	"raftplay/raft"
)

// Op is a key-value operation carried in a log entry.
type Op uint8

const (
	OpPut Op = 1 // set Key to Value
	OpDel Op = 2 // remove Key
	OpGet Op = 3 // read Key through the log (clients read by ReadIndex instead; kept so such entries still decode)
)

// String returns "put", "del" or "get".
func (o Op) String() string {
	switch o {
	case OpPut:
		return "put"
	case OpDel:
		return "del"
	case OpGet:
		return "get"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Command is the payload of a normal log entry. Client and Seq identify the
// request so that a retry of a write that was applied already (its reply lost
// in a leader change) is answered from the session table instead of being
// applied a second time (Raft thesis §6.3). Client 0 means "no session".
type Command struct {
	Op     Op
	Client uint64
	Seq    uint64
	Key    string
	Value  []byte
}

// MaxKeyBytes bounds keys, so that a corrupt entry cannot ask for a huge
// allocation; the HTTP API refuses longer keys.
const MaxKeyBytes = 1 << 16

var errBadCommand = errors.New("cluster: malformed command")

// Encode appends the wire form of c to b:
//
//	op(1) | client(uvarint) | seq(uvarint) | keylen(uvarint) | key | value(rest)
func (c Command) Encode(b []byte) []byte {
	b = append(b, byte(c.Op))
	b = binary.AppendUvarint(b, c.Client)
	b = binary.AppendUvarint(b, c.Seq)
	b = binary.AppendUvarint(b, uint64(len(c.Key)))
	b = append(b, c.Key...)
	return append(b, c.Value...)
}

// DecodeCommand parses the output of Encode. Value aliases data.
func DecodeCommand(data []byte) (Command, error) {
	var c Command
	if len(data) < 1 {
		return c, errBadCommand
	}
	c.Op = Op(data[0])
	if c.Op < OpPut || c.Op > OpGet {
		return c, fmt.Errorf("%w: unknown op %d", errBadCommand, data[0])
	}
	rest := data[1:]
	var vals [3]uint64
	for i := range vals {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return c, fmt.Errorf("%w: truncated header", errBadCommand)
		}
		vals[i], rest = v, rest[n:]
	}
	c.Client, c.Seq = vals[0], vals[1]
	if vals[2] > MaxKeyBytes || vals[2] > uint64(len(rest)) {
		return c, fmt.Errorf("%w: key length %d", errBadCommand, vals[2])
	}
	c.Key = string(rest[:vals[2]])
	c.Value = rest[vals[2]:]
	return c, nil
}

// Result is what applying a command produced.
type Result struct {
	Index uint64 // log index of the entry
	Term  uint64 // its term
	Value []byte // for get: the value read
	Found bool   // for get: whether the key existed
}

type session struct {
	seq    uint64
	result Result
}

// KV is the replicated key-value state machine. It is owned by one node's run
// loop and is not safe for concurrent use.
type KV struct {
	data     map[string][]byte
	sessions map[uint64]session
	applied  uint64
	digest   uint64 // XOR of pairHash over every pair held: order-free, O(1) to update
}

// NewKV returns an empty store.
func NewKV() *KV {
	return &KV{data: map[string][]byte{}, sessions: map[uint64]session{}}
}

// Apply applies cmd, found at index/term of the log, and returns its result.
// A write whose (Client, Seq) was applied before is not applied again; its
// first result is returned. Invariant: indexes are applied in increasing order.
func (kv *KV) Apply(index, term uint64, cmd Command) Result {
	kv.applied = index
	res := Result{Index: index, Term: term}
	if cmd.Op == OpGet {
		v, ok := kv.data[cmd.Key]
		res.Value, res.Found = v, ok
		return res
	}
	if cmd.Client != 0 {
		if s, ok := kv.sessions[cmd.Client]; ok && cmd.Seq <= s.seq {
			return s.result
		}
	}
	if old, ok := kv.data[cmd.Key]; ok {
		kv.digest ^= pairHash(cmd.Key, old)
	}
	switch cmd.Op {
	case OpPut:
		v := append([]byte(nil), cmd.Value...)
		kv.data[cmd.Key] = v
		kv.digest ^= pairHash(cmd.Key, v)
	case OpDel:
		delete(kv.data, cmd.Key)
	}
	if cmd.Client != 0 {
		kv.sessions[cmd.Client] = session{seq: cmd.Seq, result: res}
	}
	return res
}

// SetApplied records that index was applied without a command (a no-op entry).
func (kv *KV) SetApplied(index uint64) { kv.applied = index }

// Applied returns the index of the last applied entry.
func (kv *KV) Applied() uint64 { return kv.applied }

// Get reads key from this replica's local state (not linearizable by itself).
func (kv *KV) Get(key string) ([]byte, bool) {
	v, ok := kv.data[key]
	return v, ok
}

// Len returns the number of keys.
func (kv *KV) Len() int { return len(kv.data) }

// Digest returns a hash of the key-value contents, independent of the order
// in which they were written, used to check that replicas converged.
func (kv *KV) Digest() uint64 { return kv.digest }

func pairHash(key string, value []byte) uint64 {
	h := fnv.New64a()
	var lb [binary.MaxVarintLen64]byte
	h.Write(lb[:binary.PutUvarint(lb[:], uint64(len(key)))])
	h.Write([]byte(key))
	h.Write(value)
	return h.Sum64()
}

// DescribeData renders an entry's command for people: "put x=1", "del x",
// "get x", "no-op".
func DescribeData(e raft.Entry) string {
	if e.Type == raft.EntryNoop || len(e.Data) == 0 {
		return "no-op"
	}
	c, err := DecodeCommand(e.Data)
	if err != nil {
		return fmt.Sprintf("(%d bytes, undecodable)", len(e.Data))
	}
	switch c.Op {
	case OpPut:
		v := string(c.Value)
		if len(v) > 24 {
			v = v[:24] + "..."
		}
		return "put " + c.Key + "=" + strconv.Quote(v)[1:len(strconv.Quote(v))-1]
	case OpDel:
		return "del " + c.Key
	}
	return "get " + c.Key
}
