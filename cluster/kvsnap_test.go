package cluster

import (
	"bytes"
	"testing"
)

func TestKVSnapshotRoundTrip(t *testing.T) {
	kv := NewKV()
	kv.Apply(1, 1, Command{Op: OpRegister})
	kv.Apply(2, 1, Command{Op: OpRegister})
	kv.Apply(3, 1, Command{Op: OpPut, Client: 1, Seq: 1, Key: "a", Value: []byte("1")})
	kv.Apply(4, 1, Command{Op: OpPut, Client: 2, Seq: 7, Key: "b", Value: []byte("two")})
	kv.Apply(5, 2, Command{Op: OpPut, Key: "c", Value: nil})
	kv.Apply(6, 2, Command{Op: OpDel, Client: 1, Seq: 2, Key: "a"})
	snap := kv.Snapshot()
	got := NewKV()
	if err := got.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got.Digest() != kv.Digest() || got.Applied() != 6 || got.Len() != 2 || got.Sessions() != 2 {
		t.Fatalf("restored: digest %x/%x applied %d len %d", got.Digest(), kv.Digest(), got.Applied(), got.Len())
	}
	if !bytes.Equal(got.Snapshot(), snap) {
		t.Fatal("snapshot of the restored store differs")
	}
	// Sessions survive: a retried write is still answered, not re-applied.
	r := got.Apply(7, 3, Command{Op: OpPut, Client: 2, Seq: 7, Key: "b", Value: []byte("again")})
	if v, _ := got.Get("b"); string(v) != "two" || r.Index != 4 {
		t.Fatalf("duplicate applied after restore: b=%q result %+v", v, r)
	}
}

func TestKVRestoreRejectsGarbage(t *testing.T) {
	good := NewKV()
	good.Apply(1, 1, Command{Op: OpPut, Key: "k", Value: []byte("v")})
	snap := good.Snapshot()
	kv := NewKV()
	kv.Apply(1, 1, Command{Op: OpPut, Key: "keep", Value: []byte("me")})
	before := kv.Digest()
	for _, b := range [][]byte{nil, {9}, snap[:len(snap)-1], append(append([]byte(nil), snap...), 0), {1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}} {
		if err := kv.Restore(b); err == nil {
			t.Errorf("Restore(%v) accepted garbage", b)
		}
	}
	if kv.Digest() != before {
		t.Fatal("a failed Restore changed the store")
	}
}

func FuzzKVRestore(f *testing.F) {
	kv := NewKV()
	kv.Apply(1, 1, Command{Op: OpRegister})
	kv.Apply(2, 1, Command{Op: OpPut, Client: 1, Seq: 1, Key: "k", Value: []byte("v")})
	f.Add(kv.Snapshot())
	f.Fuzz(func(t *testing.T, b []byte) {
		kv := NewKV()
		if kv.Restore(b) == nil {
			again := NewKV()
			if err := again.Restore(kv.Snapshot()); err != nil || again.Digest() != kv.Digest() {
				t.Fatalf("re-snapshot of a restored store failed: %v", err)
			}
		}
	})
}
