package msgview

import (
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/raft"
	"raftplay/transport"
)

var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// rec builds a record at t0+ms.
func rec(ms int, ev cluster.MsgEvent, from, to uint64, typ raft.MessageType, term uint64) cluster.MsgRecord {
	return cluster.MsgRecord{Time: t0.Add(time.Duration(ms) * time.Millisecond), Event: ev, From: from, To: to, Type: typ, Term: term}
}

// election is node 3's election at term 4 in a 5-node cluster: votes to
// 1, 2, 4, 5 (the one to 5 lost to a cut), grants from 1, 2 and 4, a
// heartbeat, and what was sent (which the diagram does not draw).
func election() []cluster.MsgRecord {
	var rs []cluster.MsgRecord
	for i, to := range []uint64{1, 2, 4} {
		r := rec(i, cluster.MsgDelivered, 3, to, raft.MsgVote, 4)
		r.Index, r.LogTerm = 30, 3
		rs = append(rs, rec(0, cluster.MsgSent, 3, to, raft.MsgVote, 4), r)
	}
	lost := rec(3, cluster.MsgLost, 3, 5, raft.MsgVote, 4)
	lost.Index, lost.LogTerm, lost.Lost = 30, 3, cluster.LostCut
	rs = append(rs, lost)
	for i, from := range []uint64{1, 2, 4} {
		rs = append(rs, rec(10+i, cluster.MsgDelivered, from, 3, raft.MsgVoteResp, 4))
	}
	rs = append(rs, rec(20, cluster.MsgDelivered, 3, 1, raft.MsgHeartbeat, 4))
	return rs
}

func TestSpaceTimeElection(t *testing.T) {
	recs := Filter{}.Select(election(), 100)
	got := strings.Join(SpaceTime(recs, 5, 80), "\n")
	want := strings.Join([]string{
		"time            1      2      3      4      5    message",
		"15:04:05.000    ◀─────────────●      │      │    3->1 vote t4 last 30@3",
		"15:04:05.001    │      ◀──────●      │      │    3->2 vote t4 last 30@3",
		"15:04:05.002    │      │      ●──────▶      │    3->4 vote t4 last 30@3",
		"15:04:05.003    │      │      ●──✗   │      │    3->5 vote t4 last 30@3 ✗ cut",
		"15:04:05.010    ●─────────────▶      │      │    1->3 vote-resp t4 granted",
		"15:04:05.011    │      ●──────▶      │      │    2->3 vote-resp t4 granted",
		"15:04:05.012    │      │      ◀──────●      │    4->3 vote-resp t4 granted",
	}, "\n")
	if got != want {
		t.Fatalf("diagram:\n%s\nwant:\n%s", got, want)
	}
	for _, l := range strings.Split(got, "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line %d wide: %q", w, l)
		}
	}
}

// TestRowIsItsParts: Row and Parts draw the same row, and the line is the
// part between the columns.
func TestRowIsItsParts(t *testing.T) {
	for _, width := range []int{60, 80, 120, 200} {
		for nodes := 1; nodes <= 9; nodes++ {
			l := NewLayout(nodes, width)
			for _, r := range election() {
				p := l.Parts(r)
				if row := l.Row(r); row != p.Time+p.Before+p.Line+p.After+p.Label {
					t.Fatalf("row %q is not its parts %+v", row, p)
				}
				if int(r.To) <= nodes && int(r.From) <= nodes && !strings.ContainsAny(p.Line, "●") {
					t.Errorf("%d nodes at %d: no line in %+v", nodes, width, p)
				}
				if strings.ContainsAny(p.Before+p.After, "●─▶◀◆✗") {
					t.Errorf("line drawn outside its part: %+v", p)
				}
			}
		}
	}
}

func TestHeldAndDiscardedMarks(t *testing.T) {
	l := NewLayout(3, 80)
	held := l.Row(rec(0, cluster.MsgHeld, 1, 3, raft.MsgApp, 2))
	if !strings.Contains(held, "●") || !strings.Contains(held, "◆") || !strings.HasSuffix(held, " held") {
		t.Errorf("held row %q", held)
	}
	gone := l.Row(rec(0, cluster.MsgDiscarded, 3, 1, raft.MsgAppResp, 2))
	if !strings.Contains(gone, "✗") || !strings.Contains(gone, "discarded") {
		t.Errorf("discarded row %q", gone)
	}
	late := rec(0, cluster.MsgLost, 1, 3, raft.MsgApp, 2)
	late.Lost = cluster.LostCutOnArrival
	if row := l.Row(late); !strings.Contains(row, "─✗") || !strings.Contains(row, "cut on arrival") {
		t.Errorf("a message cut on arrival dies at the receiver: %q", row)
	}
}

func TestFilter(t *testing.T) {
	rs := election()
	count := func(f Filter) int { return len(f.Select(rs, 100)) }
	if n := count(Filter{}); n != 7 {
		t.Errorf("default filter shows %d, want 7 (no sends, no heartbeats)", n)
	}
	if n := count(Filter{Heartbeats: true}); n != 8 {
		t.Errorf("with heartbeats %d, want 8", n)
	}
	if n := count(Filter{Kind: "heartbeat"}); n != 1 {
		t.Errorf("kind heartbeat shows %d, want 1 whatever Heartbeats says", n)
	}
	if n := count(Filter{Kind: "vote-resp"}); n != 3 {
		t.Errorf("kind vote-resp shows %d, want 3", n)
	}
	if n := count(Filter{Node: 5}); n != 1 {
		t.Errorf("node 5 shows %d, want 1", n)
	}
	if got := (Filter{}).Select(rs, 2); len(got) != 2 || got[1].From != 4 {
		t.Errorf("Select keeps the newest, oldest first: %v", got)
	}
}

func TestLinkRates(t *testing.T) {
	var rs []cluster.MsgRecord
	for i := range 10 {
		rs = append(rs, rec(i*100, cluster.MsgSent, 1, 2, raft.MsgApp, 1))
	}
	rs = append(rs, rec(950, cluster.MsgDelayed, 2, 1, raft.MsgAppResp, 1), rec(960, cluster.MsgDelivered, 2, 1, raft.MsgAppResp, 1))
	r := LinkRates(rs, 2, t0.Add(time.Second), time.Second)
	if r[1][2] != 10 || r[2][1] != 1 {
		t.Fatalf("rates %v, want 1->2 10/s and 2->1 1/s", r)
	}
}

func TestFaultOn(t *testing.T) {
	ft := transport.FaultTable{
		Links: []transport.LinkRule{
			{From: 0, To: 0, Rule: transport.Rule{DropPct: 10, Delay: 5 * time.Millisecond}},
			{From: 1, To: 2, Rule: transport.Rule{Cut: true}},
			{From: 2, To: 3, Rule: transport.Rule{DropPct: 50, Delay: 100 * time.Millisecond, Jitter: 20 * time.Millisecond}},
		},
		Groups: [][]uint64{{1, 2, 3}},
	}
	tests := []struct {
		from, to     uint64
		words, short string
	}{
		{1, 2, "cut drop 10% delay 5ms", "cut"},
		{2, 1, "drop 10% delay 5ms", "d10% +5ms"},
		{2, 3, "drop 50% delay 100ms±20ms", "d50% +100ms±20ms"},
		{3, 4, "cut by the partition drop 10% delay 5ms", "part"},
	}
	for _, tc := range tests {
		f := FaultOn(ft, tc.from, tc.to)
		if f.Words() != tc.words || f.Short() != tc.short {
			t.Errorf("%d->%d: %q / %q, want %q / %q", tc.from, tc.to, f.Words(), f.Short(), tc.words, tc.short)
		}
	}
	if f := FaultOn(transport.FaultTable{}, 1, 2); !f.None() || f.Words() != "" {
		t.Errorf("no faults: %+v", f)
	}
}

func TestCellTextFits(t *testing.T) {
	f := LinkFault{DropPct: 50, Delay: 100 * time.Millisecond}
	for w, want := range map[int]string{30: "12/s drop 50% delay 100ms", 16: "12/s d50% +100ms", 14: "12 d50% +100ms", 11: "d50% +100ms", 7: "d50% +…"} {
		if got := CellText(12, f, w); got != want {
			t.Errorf("width %d: %q, want %q", w, got, want)
		}
	}
	if got := CellText(0.5, LinkFault{}, 7); got != "0.5/s" {
		t.Errorf("rate %q", got)
	}
	for w, want := range map[int]string{30: "cut by the partition", 10: "part"} {
		if got := CellText(0, LinkFault{Partitioned: true, DropPct: 10}, w); got != want {
			t.Errorf("partitioned at width %d: %q, want %q", w, got, want)
		}
	}
	if got := CellText(0, LinkFault{DropPct: 100}, 20); got != "drop 100%" {
		t.Errorf("a link dropping everything: %q", got)
	}
}

func TestMatrix(t *testing.T) {
	rates := LinkRates(election(), 5, t0.Add(time.Second), 2*time.Second)
	ft := transport.FaultTable{Links: []transport.LinkRule{{From: 3, To: 5, Rule: transport.Rule{Cut: true}}, {From: 1, To: 3, Rule: transport.Rule{DropPct: 50}}}}
	got := strings.Join(Matrix(rates, ft, 5, 80), "\n")
	want := strings.Join([]string{
		`from\to 1             2             3             4             5`,
		` 1      ·             0/s           0/s drop 50%  0/s           0/s`,
		` 2      0/s           ·             0/s           0/s           0/s`,
		` 3      0.5/s         0.5/s         ·             0.5/s         cut`,
		` 4      0/s           0/s           0/s           ·             0/s`,
		` 5      0/s           0/s           0/s           0/s           ·`,
	}, "\n")
	if got != want {
		t.Fatalf("matrix:\n%s\nwant:\n%s", got, want)
	}
	for _, nodes := range []int{5, 9} {
		for _, l := range Matrix(rates, ft, nodes, 80) {
			if w := len([]rune(l)); w > 80 {
				t.Errorf("%d nodes: line %d wide: %q", nodes, w, l)
			}
		}
	}
}

func TestPause(t *testing.T) {
	l := NewLayout(3, 80)
	if got, want := l.Pause(7812*time.Millisecond), "  … 7.8s         │       │       │"; got != want {
		t.Errorf("pause %q, want %q", got, want)
	}
	if got := l.Pause(600 * time.Millisecond); !strings.HasPrefix(got, "  … 600ms ") {
		t.Errorf("pause %q", got)
	}
}

// A layout of some nodes (4 removed from 1..5) has a column for each of
// them and none for the others: the header names them, a message between
// two of them runs from column to column, one to or from a node without a
// column is its label alone, and a layout of 1..N is NewLayout's.
func TestLayoutOfSomeNodes(t *testing.T) {
	l := NewLayoutOf([]uint64{1, 2, 3, 5}, 80)
	if l.Nodes != 4 {
		t.Fatalf("layout %+v", l)
	}
	cols := func(s string) string { return s[l.TimeW : l.TimeW+l.Nodes*l.ColW] }
	if got, want := strings.Fields(cols(l.Header())), []string{"1", "2", "3", "5"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("header %q names %q, want %q", l.Header(), got, want)
	}
	row := l.Row(rec(0, cluster.MsgDelivered, 5, 1, raft.MsgAppResp, 2))
	if c := []rune(row)[l.TimeW:]; c[l.center(3)] != '●' || c[l.center(0)] != '◀' {
		t.Errorf("5->1 does not run from the last column to the first: %q", row)
	}
	for _, r := range []cluster.MsgRecord{rec(0, cluster.MsgLost, 1, 4, raft.MsgApp, 2), rec(0, cluster.MsgDelivered, 4, 2, raft.MsgAppResp, 2), rec(0, cluster.MsgDelivered, 1, 6, raft.MsgApp, 2)} {
		p := l.Parts(r)
		if p.Line != "" || strings.Count(p.Before+p.After, "│") != 4 || !strings.HasPrefix(p.Label, Label(r)[:4]) {
			t.Errorf("%s: a node without a column: %+v", Label(r), p)
		}
	}
	if strings.Count(l.Columns(), "│") != 4 || strings.Count(l.Pause(time.Second), "│") != 4 {
		t.Errorf("columns %q, pause %q: want 4 lines", l.Columns(), l.Pause(time.Second))
	}
	for _, ids := range [][]uint64{{1, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		if got, want := NewLayoutOf(ids, 100), NewLayout(len(ids), 100); got != want {
			t.Errorf("layout of %v: %+v, want %+v", ids, got, want)
		}
	}
	if l := NewLayoutOf([]uint64{2, 9}, 100); l.Nodes != 2 || strings.Join(strings.Fields(l.Header()), " ") != "time 2 9 message" {
		t.Errorf("layout of 2 and 9: %d columns, header %q", l.Nodes, l.Header())
	}
}
