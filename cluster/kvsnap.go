package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// kvSnapVersion is the first byte of a key-value snapshot. Version 1 held
// sessions numbered by a per-process counter (see Command); Restore reads
// it and drops those sessions.
const kvSnapVersion = 2

// Snapshot encodes the store's whole state: the applied index, every pair
// (in key order, so equal states give equal bytes) and the client sessions
// that make retried writes apply once:
//
//	version(2) | applied | npairs | (klen key vlen value)* | nsessions | (client seq index term lastused)*
//
// with every number a uvarint. (Version 1 had no lastused.)
func (kv *KV) Snapshot() []byte {
	keys := make([]string, 0, len(kv.data))
	size := 32
	for k, v := range kv.data {
		keys = append(keys, k)
		size += len(k) + len(v.v) + 8
	}
	sort.Strings(keys)
	b := make([]byte, 0, size+len(kv.sessions)*32)
	b = append(b, kvSnapVersion)
	b = binary.AppendUvarint(b, kv.applied)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		v := kv.data[k].v
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	clients := make([]uint64, 0, len(kv.sessions))
	for c := range kv.sessions {
		clients = append(clients, c)
	}
	sort.Slice(clients, func(i, j int) bool { return clients[i] < clients[j] })
	b = binary.AppendUvarint(b, uint64(len(clients)))
	for _, c := range clients {
		s := kv.sessions[c]
		for _, x := range []uint64{c, s.seq, s.result.Index, s.result.Term, s.lastUsed} {
			b = binary.AppendUvarint(b, x)
		}
	}
	return b
}

var errBadSnapshot = errors.New("cluster: malformed key-value snapshot")

// Restore replaces the store's state with a snapshot made by Snapshot. On
// error the store is left unchanged.
func (kv *KV) Restore(b []byte) error {
	if len(b) == 0 || (b[0] != kvSnapVersion && b[0] != 1) {
		return fmt.Errorf("%w: unknown version", errBadSnapshot)
	}
	version := b[0]
	r := snapReader{b: b[1:]}
	applied := r.uvarint()
	npairs := r.uvarint()
	if npairs > uint64(len(r.b)) {
		return fmt.Errorf("%w: %d pairs in %d bytes", errBadSnapshot, npairs, len(r.b))
	}
	data := make(map[string]kvValue, npairs)
	var digest uint64
	for i := uint64(0); i < npairs && r.err == nil; i++ {
		k := string(r.bytes())
		v := append([]byte(nil), r.bytes()...)
		if _, dup := data[k]; dup && r.err == nil {
			return fmt.Errorf("%w: key %q twice", errBadSnapshot, k)
		}
		h := pairHash(k, v)
		data[k] = kvValue{v: v, h: h}
		digest ^= h
	}
	nsess := r.uvarint()
	if nsess > uint64(len(r.b)) {
		return fmt.Errorf("%w: %d sessions in %d bytes", errBadSnapshot, nsess, len(r.b))
	}
	if version == kvSnapVersion && nsess > MaxSessions {
		return fmt.Errorf("%w: %d sessions, more than %d", errBadSnapshot, nsess, MaxSessions)
	}
	sessions := make(map[uint64]session, min(nsess, MaxSessions))
	for i := uint64(0); i < nsess && r.err == nil; i++ {
		c, seq, idx, term := r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
		if version == 1 {
			continue // counter-numbered sessions of an older raftplay: meaningless now
		}
		used := r.uvarint()
		if _, dup := sessions[c]; (dup || c == 0) && r.err == nil {
			return fmt.Errorf("%w: session %d twice or zero", errBadSnapshot, c)
		}
		sessions[c] = session{seq: seq, result: Result{Index: idx, Term: term}, lastUsed: used}
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errBadSnapshot, len(r.b))
	}
	kv.data, kv.sessions, kv.applied, kv.digest = data, sessions, applied, digest
	return nil
}

// snapReader reads uvarints and length-prefixed byte strings, remembering
// the first error.
type snapReader struct {
	b   []byte
	err error
}

func (r *snapReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("%w: truncated number", errBadSnapshot)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("%w: length %d past the end", errBadSnapshot, n)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}
