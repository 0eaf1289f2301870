package tui

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
	"raftplay/transport"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // golden views are plain text
	os.Exit(m.Run())
}

// t0 is the frozen clock of every test.
var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func frozen() time.Time { return t0 }

// fakeSource is a Source whose status the test sets.
type fakeSource struct {
	mu  sync.Mutex
	st  cluster.Status
	log *cluster.EventLog
}

func newFakeSource(st cluster.Status) *fakeSource {
	return &fakeSource{st: st, log: cluster.NewEventLog(64, frozen)}
}

func (f *fakeSource) Status() cluster.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeSource) Events() *cluster.EventLog { return f.log }

// event adds an event at t0+ms milliseconds.
func (f *fakeSource) event(ms int, node uint64, kind cluster.EventKind, text string) {
	f.log.Add(cluster.Event{Time: t0.Add(time.Duration(ms) * time.Millisecond), Node: node, Kind: kind, Text: text})
}

// fakeTrace is a message trace the test fills: a ring of size records
// (0: unbounded).
type fakeTrace struct {
	mu   sync.Mutex
	recs []cluster.MsgRecord
	base uint64 // records overwritten
	size int
	off  bool
}

// add appends records, numbering them.
func (f *fakeTrace) add(rs ...cluster.MsgRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range rs {
		r.Seq = f.base + uint64(len(f.recs)) + 1
		f.recs = append(f.recs, r)
	}
	if f.size > 0 && len(f.recs) > 2*f.size { // forget the oldest now and then, not at every record
		n := len(f.recs) - f.size
		f.recs, f.base = append([]cluster.MsgRecord(nil), f.recs[n:]...), f.base+uint64(n)
	}
}

func (f *fakeTrace) Since(seq uint64) ([]cluster.MsgRecord, uint64, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq = max(seq, 1)
	next := f.base + uint64(len(f.recs)) + 1
	oldest := f.base + 1 // the ring holds the newest size records
	if f.size > 0 && len(f.recs) > f.size {
		oldest = next - uint64(f.size)
	}
	var dropped uint64
	if seq < oldest {
		dropped, seq = oldest-seq, oldest
	}
	if seq >= next {
		return nil, next, dropped
	}
	return append([]cluster.MsgRecord(nil), f.recs[seq-1-f.base:]...), next, dropped
}

func (f *fakeTrace) On() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.off
}

// msg builds a record at t0+ms milliseconds.
func msg(ms int, ev cluster.MsgEvent, from, to uint64, typ raft.MessageType, term uint64) cluster.MsgRecord {
	return cluster.MsgRecord{Time: t0.Add(time.Duration(ms) * time.Millisecond), Event: ev, From: from, To: to, Type: typ, Term: term}
}

// fakeExec records the command lines it is asked to run.
type fakeExec struct {
	mu    sync.Mutex
	lines []string
	out   string
	err   error
	block chan struct{} // when set, Exec waits for it (or ctx)
}

func (f *fakeExec) Exec(ctx context.Context, cmd *commands.Command) (string, error) {
	f.mu.Lock()
	f.lines = append(f.lines, cmd.Text)
	out, err, block := f.out, f.err, f.block
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if out == "" && err == nil {
		out = "ok"
	}
	return out, err
}

func (f *fakeExec) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

// steady returns a 5-node cluster with leader 1 in term 3, every node up and
// caught up, and a log of n entries.
func steady(n uint64) cluster.Status {
	st := cluster.Status{
		Time: t0, Leader: 1, Term: 3, Commit: n, Timing: cluster.WatchTiming, Written: n - 2,
	}
	for id := uint64(1); id <= 5; id++ {
		ns := cluster.NodeStatus{
			ID: id, State: cluster.StateUp, Role: "follower", Term: 3, Vote: 1, Leader: 1,
			Commit: n, Applied: n, FirstIndex: 1, LastIndex: n,
			ElectionTimeout: 1500 * time.Millisecond, ElectionElapsed: time.Duration(id) * 100 * time.Millisecond,
			ElectionMin: time.Second, Tick: 10 * time.Millisecond, SinceLeader: time.Duration(id) * 100 * time.Millisecond, LastTerm: 3,
			LastHeartbeat: t0.Add(-time.Duration(id) * 100 * time.Millisecond),
			RaftAddr:      "127.0.0.1:700" + string(rune('0'+id)), HTTPAddr: "127.0.0.1:800" + string(rune('0'+id)),
			Links: map[uint64]transport.LinkStats{},
		}
		ns.LogStart = 1
		for i := uint64(1); i <= n; i++ {
			term := uint64(1)
			if i > n/3 {
				term = 2
			}
			if i > 2*n/3 {
				term = 3
			}
			ns.LogTerms = append(ns.LogTerms, term)
			if i+cluster.RecentEntries > n {
				ns.Recent = append(ns.Recent, cluster.EntryInfo{Index: i, Term: term, Text: "put k" + string(rune('a'+i%26)) + "=1"})
			}
		}
		for p := uint64(1); p <= 5; p++ {
			if p != id {
				ns.Links[p] = transport.LinkStats{MsgsSent: 100 * id, MsgsRecv: 90 * id, Connected: true}
			}
		}
		st.Nodes = append(st.Nodes, ns)
	}
	lead := &st.Nodes[0]
	lead.Role, lead.Vote = "leader", 1
	lead.ElectionElapsed, lead.LastHeartbeat = 0, time.Time{}
	lead.Progress = map[uint64]raft.Progress{}
	for p := uint64(2); p <= 5; p++ {
		lead.Progress[p] = raft.Progress{Match: n, Next: n + 1, State: "replicate"}
	}
	return st
}

// newModel returns a model over src and ex with a frozen clock and seed 1,
// sized w x h.
func newModel(src Source, ex Executor, w, h int) *Model {
	return newTraceModel(src, nil, ex, w, h)
}

// newTraceModel is newModel with a message trace.
func newTraceModel(src Source, tr MsgLog, ex Executor, w, h int) *Model {
	m := New(Options{Source: src, Messages: tr, Exec: ex, Clock: frozen, Seed: 1, Mono: true, Frame: 20 * time.Millisecond})
	m.Update(sizeMsg(w, h))
	return m
}

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
