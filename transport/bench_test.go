package transport

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"raftplay/raft"
)

// benchSink counts what node 2 receives and wakes the sender once the count
// reaches want, so the sender blocks instead of spinning on a shared machine.
type benchSink struct {
	got, want atomic.Int64
	wake      chan struct{}
}

func (s *benchSink) handle(raft.Message) {
	if s.got.Add(1) >= s.want.Load() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// waitUntil blocks until at least n messages arrived.
func (s *benchSink) waitUntil(n int64) {
	s.want.Store(n)
	for s.got.Load() < n {
		<-s.wake
	}
}

// benchPair starts transports 1 and 2, 1 connected to 2; 2 counts arrivals.
func benchPair(b *testing.B) (*Transport, *benchSink) {
	sink := &benchSink{wake: make(chan struct{}, 1)}
	sink.want.Store(1 << 62)
	t1, err := New(Config{ID: 1, ClusterID: 1})
	if err != nil {
		b.Fatal(err)
	}
	t2, err := New(Config{ID: 2, ClusterID: 1, Handler: sink.handle})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { t1.Close(); t2.Close() })
	t1.SetPeer(2, t2.Addr())
	for !t1.Stats()[2].Connected {
		time.Sleep(time.Millisecond)
	}
	return t1, sink
}

// sendWindowed sends batch until n messages went, with at most window in
// flight so the bounded queue never overflows, and waits for the last one.
func sendWindowed(b *testing.B, t1 *Transport, sink *benchSink, batch []raft.Message, n, window int) {
	sent := 0
	for sent < n {
		if int64(sent)-sink.got.Load() > int64(window) {
			sink.waitUntil(int64(sent - window/2))
		}
		t1.Send(batch)
		sent += len(batch)
	}
	sink.waitUntil(int64(sent))
	if s := t1.Stats()[2]; s.DroppedQueue+s.DroppedConn != 0 {
		b.Fatalf("drops: %+v", s)
	}
}

// BenchmarkSmallMessages measures heartbeat-sized messages per second between
// two transports on loopback, sent one per Send call.
func BenchmarkSmallMessages(b *testing.B) {
	t1, sink := benchPair(b)
	m := []raft.Message{{Type: raft.MsgHeartbeat, From: 1, To: 2, Term: 12, Commit: 3456}}
	b.ResetTimer()
	sendWindowed(b, t1, sink, m, b.N, DefaultQueueLen/2)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkAppend64K measures MsgApp batches of 64 KiB of entry data.
func BenchmarkAppend64K(b *testing.B) {
	t1, sink := benchPair(b)
	ents := make([]raft.Entry, 16)
	for i := range ents {
		ents[i] = raft.Entry{Index: uint64(i + 1), Term: 3, Data: make([]byte, 4096)}
	}
	m := []raft.Message{{Type: raft.MsgApp, From: 1, To: 2, Term: 3, Index: 10, LogTerm: 3, Commit: 9, Entries: ents}}
	b.SetBytes(16 * 4096)
	b.ResetTimer()
	sendWindowed(b, t1, sink, m, b.N, 64)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRawLoopback is a baseline without the transport: 17-byte records
// (a heartbeat frame's size) over one loopback TCP connection, either one
// write system call per record or through a 64 KiB buffered writer.
func BenchmarkRawLoopback(b *testing.B) {
	b.Run("write-per-msg", func(b *testing.B) { rawLoopback(b, false) })
	b.Run("buffered", func(b *testing.B) { rawLoopback(b, true) })
}

func rawLoopback(b *testing.B, buffered bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan int64)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- 0
			return
		}
		defer c.Close()
		br := bufio.NewReaderSize(c, readBufferSize)
		var rec [17]byte
		var n int64
		for {
			if _, err := io.ReadFull(br, rec[:]); err != nil {
				done <- n
				return
			}
			n++
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	var w io.Writer = c
	bw := bufio.NewWriterSize(c, writeBufferSize)
	if buffered {
		w = bw
	}
	var rec [17]byte
	b.ResetTimer()
	for i := range b.N {
		binary.BigEndian.PutUint64(rec[1:], uint64(i))
		if _, err := w.Write(rec[:]); err != nil {
			b.Fatal(err)
		}
	}
	bw.Flush()
	c.Close()
	if n := <-done; n != int64(b.N) {
		b.Fatalf("received %d of %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSnapshot10MiB measures one 10 MiB snapshot sent in chunks and
// reassembled, one at a time (a second MsgSnap to the same peer would
// replace the one in flight).
func BenchmarkSnapshot10MiB(b *testing.B) {
	t1, sink := benchPair(b)
	data := make([]byte, 10<<20)
	m := []raft.Message{{Type: raft.MsgSnap, From: 1, To: 2, Term: 3,
		Snapshot: &raft.Snapshot{Meta: raft.SnapshotMeta{Index: 100, Term: 3}, Data: data}}}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	sendWindowed(b, t1, sink, m, b.N, 0)
}
