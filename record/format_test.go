package record

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
	"raftplay/transport"
)

// fill sets every field reachable from v (a pointer) to a non-zero value
// drawn from rng: a field added to the statuses that the recording does not
// carry then fails the round trip.
func fill(v reflect.Value, rng *rand.Rand, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 6 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), rng, depth+1)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Unix(0, rng.Int64N(1<<62)+1)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), rng, depth+1)
			}
		}
	case reflect.Slice:
		n := 1 + rng.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(s.Index(i), rng, depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + rng.IntN(3) {
			k := reflect.New(v.Type().Key()).Elem()
			fill(k, rng, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, rng, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		v.SetString("s" + string(rune('a'+rng.IntN(26))))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1 + rng.Int64N(100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1 + rng.Uint64N(100))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.5 + float64(rng.IntN(100)))
	}
}

// roundTrip writes s as a status frame would and reads it back.
func roundTrip(t *testing.T, s cluster.Status) cluster.Status {
	t.Helper()
	sb, err := json.Marshal(newStatusRec(s))
	if err != nil {
		t.Fatal(err)
	}
	var sr statusRec
	if err := json.Unmarshal(sb, &sr); err != nil {
		t.Fatal(err)
	}
	got := sr.status()
	for _, n := range s.Nodes {
		b, err := (&nodeEnc{}).encode(n)
		if err != nil {
			t.Fatal(err)
		}
		rec := &Recording{nodes: map[uint64][]nodeFrame{1: {{raw: b}}}, decoded: map[nodeKey]decodedNode{}}
		d := rec.node(1, 0, 0)
		if d.err != nil {
			t.Fatal(d.err)
		}
		got.Nodes = append(got.Nodes, d.ns)
	}
	return got
}

// TestStatusRoundTripEveryField: a status with every field set, nested
// ones too, reads back equal.
func TestStatusRoundTripEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		var s cluster.Status
		fill(reflect.ValueOf(&s).Elem(), rng, 0)
		for j := range s.Nodes {
			s.Nodes[j].LogTerms = []uint64{3, 3, 3, 4, 5, 5}[:rng.IntN(7)]
		}
		if got := roundTrip(t, s); !reflect.DeepEqual(got, s) {
			t.Fatalf("case %d: round trip differs:\n got %+v\nwant %+v", i, got, s)
		}
	}
}

// stripMono removes the monotonic clock readings of a live status's times,
// which no file keeps.
func stripMono(s cluster.Status) cluster.Status {
	s.Time = s.Time.Round(0)
	nodes := make([]cluster.NodeStatus, len(s.Nodes))
	for i, n := range s.Nodes {
		n.LastHeartbeat, n.Updated, n.AsOf = n.LastHeartbeat.Round(0), n.Updated.Round(0), n.AsOf.Round(0)
		if n.Links != nil {
			links := make(map[uint64]transport.LinkStats, len(n.Links))
			for id, l := range n.Links {
				l.LastHeartbeat = l.LastHeartbeat.Round(0)
				links[id] = l
			}
			n.Links = links
		}
		n.Held, n.Discarded = stripMonoHeld(n.Held), stripMonoHeld(n.Discarded)
		nodes[i] = n
	}
	s.Nodes = nodes
	return s
}

// stripMonoHeld is stripMono for held (or discarded) messages.
func stripMonoHeld(hs []cluster.HeldInfo) []cluster.HeldInfo {
	if hs == nil {
		return nil
	}
	out := make([]cluster.HeldInfo, len(hs))
	for j, h := range hs {
		h.At = h.At.Round(0)
		out[j] = h
	}
	return out
}

// The messages discard dropped at a node are recorded, so that a replay's
// explain says what the live one says of them.
func TestDiscardedRoundTrip(t *testing.T) {
	want := []cluster.HeldInfo{{Seq: 3, At: time.Unix(5, 6), From: 2, Kind: "vote", Term: 1, Summary: "vote t1 last 0@0"}}
	r := newNodeRec(cluster.NodeStatus{ID: 1, Discarded: want})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back nodeRec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got, err := back.status(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Discarded, want) {
		t.Errorf("discarded read back as %+v, want %+v", got.Discarded, want)
	}
}

// spySource is a cluster whose statuses, as the recorder read them, are
// kept for the test to compare with.
type spySource struct {
	*cluster.Cluster
	mu   sync.Mutex
	seen []cluster.Status
}

func (s *spySource) Status() cluster.Status {
	st := s.Cluster.Status()
	s.mu.Lock()
	s.seen = append(s.seen, st)
	s.mu.Unlock()
	return st
}

// sawHeld reports whether the recorder has read n or more statuses of a
// frozen cluster in which some node holds messages.
func (s *spySource) sawHeld(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := 0
	for _, st := range s.seen {
		for _, ns := range st.Nodes {
			if st.Frozen && len(ns.Held) > 0 {
				k++
				break
			}
		}
	}
	return k >= n
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func run(t *testing.T, r *commands.Runner, lines ...string) {
	t.Helper()
	for _, l := range lines {
		cmd, err := commands.ParseLine(l, 1, 5)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Exec(context.Background(), cmd); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
}

// TestRealClusterRoundTrip records a real cluster through faults, frozen
// messages and a partition, and reads every frame back exactly as the
// recorder saw it.
func TestRealClusterRoundTrip(t *testing.T) {
	c, err := cluster.Start(cluster.Options{Nodes: 3, DataDir: t.TempDir(), Timing: cluster.Timing{Heartbeat: 20 * time.Millisecond, ElectionMin: 100 * time.Millisecond, ElectionMax: 200 * time.Millisecond}, CheckQuorum: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	src := &spySource{Cluster: c}
	var buf bytes.Buffer
	rec, err := Start(nopCloser{&buf}, src, OptionsOf(cluster.Options{Nodes: 3}, "test"), WriterOptions{Frame: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := commands.NewRunner(c, commands.RunnerOptions{Observe: rec.Command})
	run(t, r, "wait leader", "put a 1", "let f = follower", "crash @f", "put b 2", "restart @f", "wait converged",
		"partition 1 2,3", "drop 10 2 3", "delay 5ms 3 2", "heal", "freeze", "propose leader c 3 100ms")
	// Wait until the recorder has read frames of the frozen cluster with
	// held messages, so the round trip covers them.
	deadline := time.Now().Add(10 * time.Second)
	for !src.sawHeld(3) {
		if time.Now().After(deadline) {
			t.Fatal("the recorder read no frozen status with held messages")
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	run(t, r, "thaw", "wait converged", "snapshot 1", "set disk-delay 2 1ms")
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stopped != nil || !got.Complete {
		t.Fatalf("stopped %v, complete %v", got.Stopped, got.Complete)
	}
	src.mu.Lock()
	seen := src.seen
	src.mu.Unlock()
	if got.Frames() == 0 || got.Frames() > len(seen) {
		t.Fatalf("%d frames of %d statuses", got.Frames(), len(seen))
	}
	// A frame is written only when something changed, so compare each
	// frame with the status of its time.
	j := 0
	held := false
	for i := range got.Frames() {
		g := got.Status(i)
		for j < len(seen) && !seen[j].Time.Round(0).Equal(g.Time) {
			j++
		}
		if j == len(seen) {
			t.Fatalf("frame %d (time %v): no status of that time", i, g.Time)
		}
		want := stripMono(seen[j])
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("frame %d differs:\n got %+v\nwant %+v", i, g, want)
		}
		for _, n := range g.Nodes {
			held = held || len(n.Held) > 0
		}
	}
	if !held {
		t.Log("no frame caught a held message (timing)")
	}
	if len(got.Commands) != 17 || got.Commands[0].Text != "wait leader" {
		t.Errorf("commands: %d, first %+v", len(got.Commands), got.Commands)
	}
	if len(got.Events) == 0 || len(got.Messages) == 0 {
		t.Errorf("%d events, %d messages", len(got.Events), len(got.Messages))
	}
}

// TestMessageRoundTrip: message records, every field set, read back equal
// (their Seq is the reader's own numbering).
func TestMessageRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var recs []cluster.MsgRecord
	for i := range 200 {
		var r cluster.MsgRecord
		fill(reflect.ValueOf(&r).Elem(), rng, 0)
		r.Seq = uint64(i) + 1
		r.Event = cluster.MsgEvent(1 + rng.IntN(6))
		r.Reject = rng.IntN(2) == 0
		r.Time = time.Unix(0, int64(1e18)+rng.Int64N(1e9)) // out of order too
		if i%7 == 0 {
			r.Term, r.Index = 1<<63+5, 0 // differences that wrap
		}
		recs = append(recs, r)
	}
	line := appendMsgs(nil, 5, recs)
	var l struct {
		B int64
		M [][]int64
	}
	if err := json.Unmarshal(line, &l); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	c := msgCodec{at: l.B}
	for i, v := range l.M {
		got, err := c.decode(v)
		if err != nil {
			t.Fatal(err)
		}
		got.Seq = recs[i].Seq
		if !reflect.DeepEqual(got, recs[i]) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, got, recs[i])
		}
	}
}

// BenchmarkRecordMessages measures what recording one message record
// costs: encoding and gzip, on a stream like a busy cluster's.
func BenchmarkRecordMessages(b *testing.B) {
	recs := make([]cluster.MsgRecord, 4096)
	at := time.Unix(1_700_000_000, 0)
	for i := range recs {
		at = at.Add(12 * time.Microsecond)
		idx := uint64(1000 + i/4)
		recs[i] = cluster.MsgRecord{Time: at, Event: cluster.MsgEvent(1 + i%2*2), From: 1, To: uint64(2 + i/2%2), Type: raft.MsgApp, Term: 3, Index: idx, LogTerm: 3, Entries: 1 + i%3, Commit: idx - 2}
		if i%4 >= 2 {
			recs[i].From, recs[i].To, recs[i].Type = recs[i].To, 1, raft.MsgAppResp
		}
	}
	gz, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	var buf []byte
	b.ResetTimer()
	for range b.N / len(recs) {
		buf = appendMsgs(buf[:0], 1, recs)
		gz.Write(buf)
	}
	b.ReportMetric(float64(len(buf))/float64(len(recs)), "bytes/record")
}

// TestNodeDifferences: a node's records, each changing some fields
// (nested ones, maps, slices; set, changed and emptied) and its recent
// entries sliding as entries come, written as differences from the record
// before (whole every fullEvery) and read back in any order.
func TestNodeDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var base cluster.NodeStatus
	fill(reflect.ValueOf(&base).Elem(), rng, 0)
	var e nodeEnc
	var recs [][]byte
	var want []cluster.NodeStatus
	var all []cluster.EntryInfo
	n := base
	for i := range 120 {
		for range i % 4 {
			all = append(all, cluster.EntryInfo{Index: uint64(len(all) + 1), Term: 2, Text: fmt.Sprintf("put k%d=v", len(all))})
		}
		n.Recent = all[max(0, len(all)-cluster.RecentEntries):]
		switch i % 7 {
		case 0:
			n.Commit, n.ElectionElapsed = uint64(i), time.Duration(i)
		case 1:
			n.Links = nil
		case 2:
			fill(reflect.ValueOf(&n.Links).Elem(), rng, 0)
			n.Err = ""
		case 3:
			n.Err, n.Progress = "stopped", map[uint64]raft.Progress{}
		case 4:
			var other cluster.NodeStatus
			fill(reflect.ValueOf(&other).Elem(), rng, 0)
			other.Recent = n.Recent
			n = other
		case 5:
			n.Recent = nil
		case 6:
			n.Recent = append(slices.Clone(n.Recent[:len(n.Recent)-1]), cluster.EntryInfo{Index: n.Recent[len(n.Recent)-1].Index, Term: 3, Text: "no-op"})
		}
		b, err := e.encode(n)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := e.encode(n); err != nil || again != nil {
			t.Fatalf("record %d unchanged: %s, %v", i, again, err)
		}
		if b == nil {
			continue
		}
		recs, want = append(recs, b), append(want, n)
	}
	rec := &Recording{nodes: map[uint64][]nodeFrame{}, decoded: map[nodeKey]decodedNode{}}
	for i, b := range recs {
		rec.nodes[1] = append(rec.nodes[1], nodeFrame{frame: i, raw: b})
	}
	for _, j := range append([]int{len(recs) - 1, 37, 0, 51, 50}, rng.Perm(len(recs))...) {
		if j%3 == 0 {
			clear(rec.decoded)
		}
		d := rec.node(1, j, 0)
		if d.err != nil || !reflect.DeepEqual(d.ns, want[j]) {
			t.Fatalf("record %d: %v\n got %+v\nwant %+v", j, d.err, d.ns, want[j])
		}
	}
	diffs, keeps := 0, 0
	for _, b := range recs {
		if bytes.Contains(b, []byte(`"~":1`)) {
			diffs++
		}
		if bytes.Contains(b, []byte(`"recent_keep":`)) {
			keeps++
		}
	}
	if diffs < len(recs)/2 || keeps < len(recs)/4 {
		t.Errorf("%d of %d records are differences, %d keep recent entries", diffs, len(recs), keeps)
	}
}

// TestTopFields: the splitter agrees with encoding/json on the records
// it splits.
func TestTopFields(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 50 {
		var n cluster.NodeStatus
		fill(reflect.ValueOf(&n).Elem(), rng, 0)
		n.Err = `quote " and \ backslash, {brace} [bracket]: colon`
		core, err := json.Marshal(newNodeRec(n))
		if err != nil {
			t.Fatal(err)
		}
		got, err := topFields(core)
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(core, &want); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d fields, want %d", len(got), len(want))
		}
		for k, v := range want {
			q, _ := json.Marshal(k)
			if !bytes.Equal(got[string(q)], v) {
				t.Fatalf("field %s: %s, want %s", q, got[string(q)], v)
			}
		}
	}
	for _, bad := range []string{"", "{", `{"a"}`, `{"a":`, `[1]`, `{"a":"x}`} {
		if _, err := topFields([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
