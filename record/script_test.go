package record

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
	"raftplay/transport"
)

// TestScriptPauseAtWaitKey: the dashboard runs `wait key` when the key is
// pressed, so the time before it was spent waiting there; the script puts
// that sleep after the wait key line, where the pause happened.
func TestScriptPauseAtWaitKey(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.command(time.Second, "say look", "look")
	b.command(6*time.Second, "wait key", "")
	b.command(6500*time.Millisecond, "put a 1", "ok")
	rec := b.end(7 * time.Second).read()
	var out bytes.Buffer
	if _, err := rec.Script(&out, "s.txt"); err != nil {
		t.Fatal(err)
	}
	body := out.String()
	body = body[strings.Index(body, "say look\n"):]
	if want := "say look\nwait key\nsleep 5.498s\nput a 1\n"; body != want {
		t.Errorf("script body:\n%s\nwant:\n%s", body, want)
	}
}

// The script waits as long before its first command as the recording did:
// a fresh cluster needs that time too (a new user's script proposed to the
// leader at once, before one was elected, and failed where the recording
// had not).
func TestScriptWaitsBeforeTheFirstCommand(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.command(6600*time.Millisecond, "freeze", "ok")
	b.command(7*time.Second, "put a 1", "ok")
	rec := b.end(8 * time.Second).read()
	var out bytes.Buffer
	if _, err := rec.Script(&out, "s.txt"); err != nil {
		t.Fatal(err)
	}
	body := out.String()
	body = body[strings.Index(body, "sleep"):]
	if !strings.HasPrefix(body, "sleep 6.6s\nfreeze\n") {
		t.Errorf("script body:\n%s\nwant it to start with sleep 6.6s, then freeze", body)
	}
}

// A recording begun while the cluster ran (a load on, a node down, a
// partition, frozen, writes acknowledged) says so, and sets up what a
// script can first: its script ran the recorded restart against an idle
// cluster, saying nothing, and one begun frozen failed at its thaw.
// Script counts the commands it writes to run, not those kept as comments.
func TestScriptOfARecordingBegunMidSession(t *testing.T) {
	b := newBuilder(t, Version)
	l := line{T: 0, K: kindStatus, S: newStatusRec(cluster.Status{Time: t0, Term: 2, Load: 50, Written: 1234, Frozen: true,
		Faults: transport.FaultTable{Groups: [][]uint64{{1}, {2, 3}}, Links: []transport.LinkRule{{From: 1, To: 2}}}}), NN: 3}
	for _, n := range []cluster.NodeStatus{{ID: 1, State: cluster.StateUp}, {ID: 2, State: cluster.StateCrashed}, {ID: 3, State: cluster.StateUp}} {
		n.Term, n.Role = 2, "follower"
		j, _ := json.Marshal(newNodeRec(n))
		l.IDs, l.N = append(l.IDs, n.ID), append(l.N, j)
	}
	b.line(l)
	b.command(100*time.Millisecond, "record start x.rec", "ok")
	b.command(time.Second, "restart 2", "ok")
	rec := b.end(2 * time.Second).read()
	var out bytes.Buffer
	n, err := rec.Script(&out, "s.txt")
	if setup := rec.StartSetup(); err != nil || n != 1 || !slices.Equal(setup, []string{"load 50", "crash 2", "partition 1 2,3", "freeze"}) {
		t.Fatalf("Script: %d runnable, %v, set up first %q; want 1, the load, the crash, the partition, the freeze", n, err, setup)
	}
	// The header's sentences, wrapped as comment lines of at most 80.
	var said []string
	for _, l := range strings.Split(out.String(), "\n") {
		if len(l) > 80 && strings.HasPrefix(l, "# The") {
			t.Errorf("a header line of %d characters: %q", len(l), l)
		}
		if strings.HasPrefix(l, "# ") && !strings.HasPrefix(l, "# flags") {
			said = append(said, strings.TrimPrefix(l, "# "))
		}
	}
	for _, want := range []string{
		"The recording began with the cluster already running: 1234 writes acknowledged, load 50/s, node 2 crashed, a partition, link faults, frozen.",
		"Set up first, as far as a script can: load 50, crash 2, partition 1 2,3, freeze.",
		"Not rebuilt: the link faults; the commands below may not do what they did.",
	} {
		if !strings.Contains(strings.Join(said, " "), want) {
			t.Errorf("the header does not say %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{
		"\nwait leader\nload 50\ncrash 2\npartition 1 2,3\nfreeze\n",
		"\n# record start x.rec\n",
		"\nrestart 2\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("script lacks %q:\n%s", want, out.String())
		}
	}
	// A cluster just started says nothing of the kind.
	fresh := newBuilder(t, Version).status(0, 1, 1, 2, 3)
	fresh.command(time.Second, "put a 1", "ok")
	out.Reset()
	freshRec := fresh.end(2 * time.Second).read()
	if _, err := freshRec.Script(&out, "s.txt"); err != nil || strings.Contains(out.String(), "already running") || strings.Contains(out.String(), "load") || freshRec.StartSetup() != nil {
		t.Errorf("script of a fresh cluster's recording (%v):\n%s", err, out.String())
	}
}

// A command that failed at the prompt recorded its error as "line 1: ...",
// each typed line being line 1 of its own input: the script's comment
// leaves that out, since it would name a line of the script it is not (a
// new user's report). A line that does not parse keeps its column.
func TestScriptCommentsNameNoLine(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.line(line{T: int64(time.Second), K: kindCommand, C: &cmdRec{At: t0.Add(time.Second).UnixNano(), Took: time.Millisecond,
		Text: "propose 2 pk pv 300ms", Err: "line 1: propose 2 pk pv 300ms: node is paused"}})
	b.command(2*time.Second, "crash 77", "")
	rec := b.end(3 * time.Second).read()
	var out bytes.Buffer
	if _, err := rec.Script(&out, "s.txt"); err != nil {
		t.Fatal(err)
	}
	body := out.String()
	for _, want := range []string{
		"# failed in the recording (propose 2 pk pv 300ms: node is paused): propose 2 pk pv 300ms\n",
		"# does not parse (column 7: crash: node 77 out of range",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("script:\n%s\nwant it to hold %q", body, want)
		}
	}
	if strings.Contains(body, "line 1:") || strings.Contains(body, "line 2:") {
		t.Errorf("script names a line:\n%s", body)
	}
}

// TestScriptOfAClusterStartedFromFiles: a recording of a cluster started
// on the --data directory of an earlier run says so in its script's
// header, with what each node's files held: the header said "run them
// against a fresh cluster like the recorded one", and the script's
// `expect get a == 1` then failed (the key was written by the earlier run).
func TestScriptOfAClusterStartedFromFiles(t *testing.T) {
	b := newBuilder(t, Version)
	b.event(0, cluster.EventSetting, "cluster of 3 nodes started: heartbeat 15ms, election 150ms-300ms")
	b.event(0, cluster.EventSetting, "1 started from its files: term 1 (voted for 2), log to 4")
	b.event(0, cluster.EventSetting, "2 started from its files: term 1 (voted for 2), log to 4")
	b.status(time.Millisecond, 1, 1, 2, 3)
	b.command(time.Second, "expect get a == 1", "ok")
	rec := b.end(2 * time.Second).read()
	var out bytes.Buffer
	if n, err := rec.Script(&out, "s.txt"); err != nil || n != 1 {
		t.Fatalf("Script: %d runnable, %v", n, err)
	}
	var said []string
	for _, l := range strings.Split(out.String(), "\n") {
		if len(l) > 80 && !strings.HasPrefix(l, "#   raftplay") && !strings.HasPrefix(l, "# Commands") {
			t.Errorf("a line of %d characters: %q", len(l), l)
		}
		if strings.HasPrefix(l, "# ") {
			said = append(said, strings.TrimPrefix(l, "# "))
		}
	}
	all := strings.Join(said, " ")
	for _, want := range []string{
		"The recorded cluster started from the files of an earlier run (--data): 1 started from its files: term 1 (voted for 2), log to 4; 2 started from its files: term 1 (voted for 2), log to 4.",
		"run the script with --data on a copy of those files",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the header does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(all, "fresh cluster like the recorded one") {
		t.Errorf("the header calls for a fresh cluster:\n%s", out.String())
	}
	// A cluster that started empty says nothing of files.
	fresh := newBuilder(t, Version)
	fresh.event(0, cluster.EventSetting, "cluster of 3 nodes started: heartbeat 15ms, election 150ms-300ms")
	fresh.status(0, 1, 1, 2, 3).command(time.Second, "put a 1", "ok")
	freshRec := fresh.end(2 * time.Second).read()
	out.Reset()
	if _, err := freshRec.Script(&out, "s.txt"); err != nil || strings.Contains(out.String(), "files") || freshRec.StartedFromFiles() != nil {
		t.Errorf("script of a fresh cluster's recording (%v):\n%s", err, out.String())
	}
}

// TestScriptOfARecordingBegunWithMessagesHeld: a recording begun while the
// cluster was frozen with messages held says the held messages are not
// rebuilt: its script set up only the freeze, and its first step failed
// with "no message is held anywhere" under a header that said "frozen".
func TestScriptOfARecordingBegunWithMessagesHeld(t *testing.T) {
	held := func(n int) []cluster.HeldInfo {
		h := make([]cluster.HeldInfo, n)
		for i := range h {
			h[i] = cluster.HeldInfo{Seq: uint64(i + 1), At: t0, From: 1, Kind: "vote", Term: 2, Summary: "1->2 vote t2"}
		}
		return h
	}
	for _, c := range []struct {
		held [3]int
		want string // "" for nothing said of held messages
	}{
		{[3]int{0, 2, 1}, "3 messages held"},
		{[3]int{0, 1, 0}, "1 message held"},
		{[3]int{0, 0, 0}, ""},
	} {
		b := newBuilder(t, Version)
		l := line{T: 0, K: kindStatus, S: newStatusRec(cluster.Status{Time: t0, Term: 2, Frozen: true}), NN: 3}
		for i, id := range []uint64{1, 2, 3} {
			n := cluster.NodeStatus{ID: id, State: cluster.StateUp, Term: 2, Role: "follower", Frozen: true, Held: held(c.held[i])}
			j, err := json.Marshal(newNodeRec(n))
			if err != nil {
				t.Fatal(err)
			}
			l.IDs, l.N = append(l.IDs, id), append(l.N, j)
		}
		b.line(l)
		b.command(100*time.Millisecond, "step", "delivered 1->2 vote t2")
		rec := b.end(time.Second).read()
		if got := len(rec.Status(0).Nodes[1].Held); got != c.held[1] {
			t.Fatalf("the recording's node 2 holds %d messages, want %d", got, c.held[1])
		}
		var out bytes.Buffer
		if _, err := rec.Script(&out, "s.txt"); err != nil {
			t.Fatal(err)
		}
		var said []string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "# ") {
				said = append(said, strings.TrimPrefix(l, "# "))
			}
		}
		all := strings.Join(said, " ")
		if c.want == "" {
			if strings.Contains(all, "held") {
				t.Errorf("nothing held, yet the header speaks of held messages:\n%s", out.String())
			}
			continue
		}
		for _, want := range []string{
			"already running: frozen, " + c.want + ".",
			"Not rebuilt: the " + c.want + " (a freeze holds none: a step below may find nothing to deliver)",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("the header does not say %q:\n%s", want, out.String())
			}
		}
	}
}
