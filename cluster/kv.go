package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"raftplay/raft"
	"raftplay/transport"
	"raftplay/wal"
)

// Op is a key-value operation carried in a log entry.
type Op uint8

const (
	OpPut      Op = 1 // set Key to Value
	OpDel      Op = 2 // remove Key
	OpGet      Op = 3 // read Key through the log (clients read by ReadIndex instead; kept so such entries still decode)
	OpRegister Op = 4 // open a client session: its id is the index of this entry
)

// String returns "put", "del", "get" or "register".
func (o Op) String() string {
	switch o {
	case OpPut:
		return "put"
	case OpDel:
		return "del"
	case OpGet:
		return "get"
	case OpRegister:
		return "register"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Command is the payload of a normal log entry.
//
// Client sessions (Raft thesis §6.3) make a retried write apply at most
// once. A client first commits an OpRegister entry; the index of that entry
// is its session id, unique for the life of the log: no other process, run
// or restart can be given the same one (a random id would only make that
// unlikely). Each write then carries Client (the session id) and Seq (the
// client's count of writes), and a retry of a write that was applied already
// (its answer lost in a leader change) is answered from the session table
// instead of being applied a second time. Client 0 means "no session"
// (HTTP writes, `propose`).
//
// The table holds at most MaxSessions sessions: registering one more expires
// the session used least recently (by log index, so every replica expires
// the same one). A write on a session the table does not hold is refused
// (Result.Expired) and not applied: the client cannot know whether an earlier
// attempt of it was, so it reports the outcome as unknown and registers anew.
type Command struct {
	Op     Op
	Client uint64
	Seq    uint64
	Key    string
	Value  []byte
}

// MaxSessions bounds the client session table of each replica (about 64
// bytes of table per session, so 64 KiB).
const MaxSessions = 1024

// MaxKeyBytes bounds keys, so that a corrupt entry cannot ask for a huge
// allocation; the HTTP API refuses longer keys.
const MaxKeyBytes = 1 << 16

// opSession marks, in the op byte, a command whose Client is a registered
// session. Entries written before sessions were registered lack it: their
// Client numbers came from a per-process counter and mean nothing across
// runs, so they decode as commands without a session.
const opSession = 0x80

var errBadCommand = errors.New("cluster: malformed command")

// Encode appends the wire form of c to b:
//
//	op(1) | client(uvarint) | seq(uvarint) | keylen(uvarint) | key | value(rest)
//
// with the opSession bit set in op when Client is not 0.
func (c Command) Encode(b []byte) []byte {
	b = slices.Grow(b, 1+uvarintLen(c.Client)+uvarintLen(c.Seq)+uvarintLen(uint64(len(c.Key)))+len(c.Key)+len(c.Value)) // one allocation
	op := byte(c.Op)
	if c.Client != 0 {
		op |= opSession
	}
	b = append(b, op)
	b = binary.AppendUvarint(b, c.Client)
	b = binary.AppendUvarint(b, c.Seq)
	b = binary.AppendUvarint(b, uint64(len(c.Key)))
	b = append(b, c.Key...)
	return append(b, c.Value...)
}

// uvarintLen is the length of v in binary.AppendUvarint's encoding.
func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// DecodeCommand parses the output of Encode. Value aliases data.
func DecodeCommand(data []byte) (Command, error) {
	var c Command
	if len(data) < 1 {
		return c, errBadCommand
	}
	c.Op = Op(data[0] &^ opSession)
	if c.Op < OpPut || c.Op > OpRegister {
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
	if data[0]&opSession != 0 {
		c.Client, c.Seq = vals[0], vals[1]
	}
	if vals[2] > MaxKeyBytes || vals[2] > uint64(len(rest)) {
		return c, fmt.Errorf("%w: key length %d", errBadCommand, vals[2])
	}
	c.Key = string(rest[:vals[2]])
	c.Value = rest[vals[2]:]
	return c, nil
}

// Result is what applying a command produced.
type Result struct {
	Index uint64 // log index of the entry (for a register: the session id)
	Term  uint64 // its term
	Value []byte // for get: the value read
	Found bool   // for get: whether the key existed
	// Expired: the write named a session the table does not hold (it
	// expired), and was not applied.
	Expired bool
}

// kvValue is a stored value with its pair's hash (pairHash), kept so that
// overwriting or deleting the pair need not hash the old one again.
type kvValue struct {
	v []byte
	h uint64
}

type session struct {
	seq      uint64 // the client's newest write applied
	result   Result // and its result, for retries of it
	lastUsed uint64 // index of the newest entry of this session (expiry order)
}

// KV is the replicated key-value state machine. It is owned by one node's run
// loop and is not safe for concurrent use.
type KV struct {
	data     map[string]kvValue
	sessions map[uint64]session
	applied  uint64
	digest   uint64 // XOR of pairHash over every pair held: order-free, O(1) to update
}

// NewKV returns an empty store.
func NewKV() *KV {
	return &KV{data: map[string]kvValue{}, sessions: map[uint64]session{}}
}

// Apply applies cmd, found at index/term of the log, and returns its result.
// A write whose (Client, Seq) was applied before is not applied again; its
// first result is returned. Invariant: indexes are applied in increasing order.
func (kv *KV) Apply(index, term uint64, cmd Command) Result {
	kv.applied = index
	res := Result{Index: index, Term: term}
	switch cmd.Op {
	case OpGet:
		v, ok := kv.data[cmd.Key]
		res.Value, res.Found = v.v, ok
		return res
	case OpRegister:
		kv.register(index)
		return res
	}
	if cmd.Client != 0 {
		s, ok := kv.sessions[cmd.Client]
		if !ok {
			res.Expired = true
			return res
		}
		if cmd.Seq <= s.seq {
			s.lastUsed = index
			kv.sessions[cmd.Client] = s
			return s.result
		}
	}
	if old, ok := kv.data[cmd.Key]; ok {
		kv.digest ^= old.h
	}
	switch cmd.Op {
	case OpPut:
		v := kvValue{v: keptValue(cmd.Value), h: pairHash(cmd.Key, cmd.Value)}
		kv.data[cmd.Key] = v
		kv.digest ^= v.h
	case OpDel:
		delete(kv.data, cmd.Key)
	}
	if cmd.Client != 0 {
		kv.sessions[cmd.Client] = session{seq: cmd.Seq, result: res, lastUsed: index}
	}
	return res
}

// keepInPlaceBytes is the size from which a value is kept where it lies in
// its entry's data (keptValue).
const keepInPlaceBytes = max(wal.OwnDataBytes, transport.OwnDataBytes)

// keptValue returns what the store keeps of value, a piece of an entry's
// data. A small value is copied: the data may share memory with other
// entries (a WAL segment read at Open, or a frame's entries decoded into
// one block). A value of keepInPlaceBytes or more is kept where it lies,
// capped so that an append to it cannot reach past it: its entry's data is
// an allocation of its own whichever way it came (a client's
// Command.Encode, the transport's decode, or the WAL's Open), and nothing
// writes to entry data once made. A large write is not copied once more on
// every replica.
func keptValue(value []byte) []byte {
	if len(value) < keepInPlaceBytes {
		return append([]byte(nil), value...)
	}
	return value[:len(value):len(value)]
}

// register opens session id (the index of its register entry), first
// expiring the least recently used session when the table is full.
func (kv *KV) register(id uint64) {
	for len(kv.sessions) >= MaxSessions {
		var oldest uint64
		first := true
		for c, s := range kv.sessions {
			if first || s.lastUsed < kv.sessions[oldest].lastUsed || (s.lastUsed == kv.sessions[oldest].lastUsed && c < oldest) {
				oldest, first = c, false
			}
		}
		delete(kv.sessions, oldest)
	}
	kv.sessions[id] = session{lastUsed: id}
}

// Sessions returns the number of client sessions held.
func (kv *KV) Sessions() int { return len(kv.sessions) }

// SetApplied records that index was applied without a command (a no-op entry).
func (kv *KV) SetApplied(index uint64) { kv.applied = index }

// Applied returns the index of the last applied entry.
func (kv *KV) Applied() uint64 { return kv.applied }

// Get reads key from this replica's local state (not linearizable by itself).
func (kv *KV) Get(key string) ([]byte, bool) {
	v, ok := kv.data[key]
	return v.v, ok
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
// "get x", "no-op", "register client session 7". Keys and values are shown
// with Printable: a value with control characters comes out quoted.
func DescribeData(e raft.Entry) string {
	return DescribeDataWith(e, "=", func(s string, n, _ int) string {
		if strings.ContainsAny(s, " =\"#\t") {
			// Quoted, so that where the key ends and the value starts
			// can be told: `put odd key "q"="x"` could not (a learner's
			// report); cut, the dots follow the closing quote.
			// Cut is told by its length, not by the dots: a key that
			// ends with "..." itself keeps them inside the quotes.
			short := shortData(s, n)
			switch {
			case strings.HasPrefix(short, `"`): // quoted by Printable
				return short
			case utf8.RuneCountInString(s) > n:
				return strconv.Quote(strings.TrimSuffix(short, "...")) + "..."
			}
			return strconv.Quote(short)
		}
		return shortData(s, n)
	})
}

// DescribeDataWith is DescribeData with the key and value of a command
// written by word (s: the key, or the start of the value, which may be
// big; n: the characters to show of it, 40 for a key, 24 for a value;
// size: its whole length in bytes), and a put's key and value apart by
// sep. `raftplay wal` writes them as words of the command language.
func DescribeDataWith(e raft.Entry, sep string, word func(s string, n, size int) string) string {
	if e.Type == raft.EntryNoop || len(e.Data) == 0 {
		return "no-op"
	}
	if e.Type == raft.EntryConfig {
		return describeConfigEntry(e)
	}
	c, err := DecodeCommand(e.Data)
	if err != nil {
		return fmt.Sprintf("(%d bytes, undecodable)", len(e.Data))
	}
	key := word(c.Key, 40, len(c.Key))
	switch c.Op {
	case OpPut:
		return "put " + key + sep + word(prefixOf(c.Value, 24), 24, len(c.Value))
	case OpDel:
		return "del " + key
	case OpRegister:
		return fmt.Sprintf("register client session %d", e.Index)
	}
	return "get " + key
}

// shortData shows a key or value with Printable, cut to its first n
// characters and "..." when it is longer.
func shortData(s string, n int) string {
	for i := range s { // i: the byte offset of each rune (an invalid byte is one)
		if n == 0 {
			return Printable(s[:i]) + "..."
		}
		n--
	}
	return Printable(s)
}

// shortBytes is shortData for bytes, of the prefix that can show.
func shortBytes(b []byte, n int) string { return shortData(prefixOf(b, n), n) }

// prefixOf converts only the prefix of b that can hold n+1 runes: a value
// is described at every publish, and may be big.
func prefixOf(b []byte, n int) string { return string(b[:min(len(b), utf8.UTFMax*n+1)]) }

// describeConfigEntry renders a configuration entry: "config voters
// 1,2,3 learners 4".
func describeConfigEntry(e raft.Entry) string {
	m, err := raft.DecodeMembership(e.Data)
	if err != nil {
		return fmt.Sprintf("config (%d bytes, undecodable)", len(e.Data))
	}
	return "config " + m.String()
}
