package commands

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

// startIdle starts a cluster of n nodes whose first election is seconds
// away, so that right after it starts there is no leader.
func startIdle(t *testing.T, n int, timing cluster.Timing) *cluster.Cluster {
	t.Helper()
	c, err := cluster.Start(cluster.Options{Nodes: n, DataDir: t.TempDir(), Timing: timing})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustParse(t *testing.T, line string) *Command {
	t.Helper()
	cmd, err := ParseLine(line, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Line = 0 // typed at a prompt
	return cmd
}

var slowTiming = cluster.Timing{Heartbeat: time.Second, ElectionMin: 20 * time.Second, ElectionMax: 30 * time.Second}

// TestNoRoleWaitFailsAtOnce: at a prompt (RunnerOptions.NoRoleWait),
// `crash leader` with no leader fails at once and says what to do.
func TestNoRoleWaitFailsAtOnce(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 3, slowTiming)
	r := NewRunner(c, RunnerOptions{NoRoleWait: true})
	for line, want := range map[string]string{
		"crash leader":     "crash leader: no leader now; `wait leader` first, or name a node",
		"let x = follower": "let x = follower: no leader now; `wait leader` first, or name a node",
		"isolate leader":   "isolate leader: no leader now; `wait leader` first, or name a node",
	} {
		start := time.Now()
		_, err := r.Exec(context.Background(), mustParse(t, line))
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s took %v, want an answer at once", line, took)
		}
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", line, err, want)
		}
	}
	for _, n := range c.Status().Nodes {
		if n.State != cluster.StateUp {
			t.Errorf("node %d is %s: a failed command changed the cluster", n.ID, n.State)
		}
	}
}

// TestNoRoleWaitWithLeader: with a leader, `leader` and `follower` name
// nodes at once as usual.
func TestNoRoleWaitWithLeader(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 3, cluster.PaperTiming)
	ctx := context.Background()
	if _, err := NewRunner(c).Exec(ctx, mustParse(t, "wait leader")); err != nil {
		t.Fatal(err)
	}
	r := NewRunner(c, RunnerOptions{NoRoleWait: true})
	l, err := r.Exec(ctx, mustParse(t, "let l = leader"))
	if err != nil || !strings.HasPrefix(l, "@l = ") {
		t.Fatalf("let l = leader: %q, %v", l, err)
	}
	f, err := r.Exec(ctx, mustParse(t, "let f = follower"))
	if err != nil || !strings.HasPrefix(f, "@f = ") || f[5:] == l[5:] {
		t.Fatalf("let f = follower: %q, %v (leader %s)", f, err, l)
	}
}

// TestScriptRunnerWaitsForLeader: by default (scripts, the language's
// "Naming nodes"), `leader` waits for one: `crash leader` issued before the
// first election crashes the leader once there is one.
func TestScriptRunnerWaitsForLeader(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 3, cluster.WatchTiming) // first election after 1-2 s
	if st := c.Status(); st.Leader != 0 {
		t.Skipf("a leader already (%d): the machine was too slow to see the cluster without one", st.Leader)
	}
	out, err := NewRunner(c).Exec(context.Background(), mustParse(t, "crash leader"))
	if err != nil || !strings.HasPrefix(out, "ok node=") {
		t.Fatalf("crash leader in a script: %q, %v; want it to wait for the leader and crash it", out, err)
	}
}

// TestRunScriptInterrupted: when the run is cancelled (a signal), RunScript
// returns the cause and does not report the command it cut short as a
// failed check.
func TestRunScriptInterrupted(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 1, cluster.PaperTiming)
	cmds, err := Parse("echo first\nsleep 1m\necho never\n", 1)
	if err != nil {
		t.Fatal(err)
	}
	interrupted := errors.New("interrupted by SIGTERM")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(100*time.Millisecond, func() { cancel(interrupted) })
	for _, jsonOut := range []bool{false, true} {
		var out strings.Builder
		err = RunScript(ctx, NewRunner(c), cmds, ScriptOptions{Out: &out, JSON: jsonOut})
		if err != interrupted {
			t.Errorf("json %v: RunScript = %v, want the cause of the cancellation", jsonOut, err)
		}
		if strings.Contains(out.String(), "error") || strings.Contains(out.String(), "canceled") || strings.Contains(out.String(), "never") {
			t.Errorf("json %v: output reports the interruption as a failure:\n%s", jsonOut, out.String())
		}
		if !jsonOut && !strings.HasSuffix(out.String(), "> sleep 1m\nstopped: interrupted by SIGTERM\n") {
			t.Errorf("text output does not say where the script stopped:\n%s", out.String())
		}
	}
}

// A script echoes long lines cut short, saying how much was left out.
func TestEchoLineIsShort(t *testing.T) {
	line := "put k " + strings.Repeat("v", 5000)
	got := echoLine(line)
	if len([]rune(got)) > maxEcho+40 || !strings.HasPrefix(got, "put k vvv") || !strings.HasSuffix(got, "(4806 more bytes)") {
		t.Fatalf("echoLine = %q", got)
	}
	if got := echoLine("put k \x1b[31m"); got != `put k \x1b[31m` {
		t.Fatalf("echoLine does not escape: %q", got)
	}
}

// restart N tells what the restart repaired: a torn tail cut off the WAL
// (a script printed only "ok", and the event went unseen without --log).
func TestRestartTellsTheRepair(t *testing.T) {
	t.Parallel()
	c, err := cluster.Start(cluster.Options{Nodes: 3, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := NewRunner(c)
	ctx := context.Background()
	for _, line := range []string{"wait leader", "put a 1", "wait converged", "corrupt 2 tail"} {
		if out, err := r.Exec(ctx, mustParse(t, line)); err != nil {
			t.Fatalf("%s: %v (%s)", line, err, out)
		}
	}
	out, err := r.Exec(ctx, mustParse(t, "restart 2"))
	if err != nil || !strings.HasPrefix(out, "ok: 2 cut a torn tail off ") || !strings.Contains(out, "bytes kept aside in") {
		t.Fatalf("restart 2 = %q, %v; want ok and the repair", out, err)
	}
	if out, err := r.Exec(ctx, mustParse(t, "crash 2")); err != nil {
		t.Fatal(err, out)
	}
	if out, err := r.Exec(ctx, mustParse(t, "restart 2")); err != nil || out != "ok" {
		t.Fatalf("a restart with nothing to repair = %q, %v; want ok", out, err)
	}
}

// heal FROM TO says what it removed (the link's own rules: what it means)
// and what still hinders the link: after `partition 1` it answered a bare
// ok while 1->2 stayed cut by the partition, and its delay was gone unsaid.
func TestHealLinkSaysWhatItRemovedAndWhatStays(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 3, slowTiming)
	r := NewRunner(c, RunnerOptions{NoRoleWait: true})
	for _, step := range []struct{ line, want string }{
		{"delay 20ms 1 2", "ok"},
		{"partition 1", "ok"},
		{"heal 1 2", "ok; removed 1->2's own delay 20ms; 1->2 stays cut by the partition (heal, with no nodes, heals everything)"},
		{"heal 2 3", "ok; 2->3 had no rule of its own"},
		{"drop 10", "ok"},
		{"cut 3 2", "ok"},
		{"heal 3 2", "ok; removed 3->2's own cut; 3->2 keeps the rule on every link: drop 10% (heal, with no nodes, removes it)"},
	} {
		out, err := r.Exec(context.Background(), mustParse(t, step.line))
		if err != nil || out != step.want {
			t.Errorf("%s: %q, %v; want %q", step.line, out, err, step.want)
		}
	}
}

// snapshot N says the index and term it took (the last entry the node
// applied), or why it took none: a bare ok left a user guessing which
// entries it covered.
func TestSnapshotSaysItsIndexAndTerm(t *testing.T) {
	t.Parallel()
	out, err := runScenario(t, "wait leader\nput a 1\nput b 2\nsnapshot 1\nsnapshot 1\n", cluster.Options{Nodes: 1})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := regexp.MustCompile(`> put b 2\nok index=(\d+) term=(\d+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no put's answer:\n%s", out)
	}
	for _, want := range []string{
		fmt.Sprintf("> snapshot 1\nok snapshot of node 1 at index %s (term %s)\n", m[1], m[2]),
		fmt.Sprintf("> snapshot 1\nok no snapshot of node 1 taken: its snapshot at index %s covers all it has applied\n", m[1]),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// restart N of a node whose OS-picked ports were taken while it was down
// says where it listens now (an event said it, which a script does not
// print: its answer was a bare ok).
func TestRestartSaysItsNewPorts(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 3, slowTiming)
	r := NewRunner(c, RunnerOptions{NoRoleWait: true})
	for _, line := range []string{"restart 2", "restart all"} {
		was, _ := c.Status().Node(2)
		if err := c.Crash(2); err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", was.HTTPAddr) // the other program
		if err != nil {
			t.Skipf("%s was taken by another program before this test: %v", was.HTTPAddr, err)
		}
		out, err := r.Exec(context.Background(), mustParse(t, line))
		l.Close()
		now, _ := c.Status().Node(2)
		moved := fmt.Sprintf("(node 2's ports were taken while it was down: it now listens on raft %s, http %s)", now.RaftAddr, now.HTTPAddr)
		want := "ok " + moved
		if line == "restart all" {
			want = "restarted 2 " + moved
		}
		if err != nil || out != want || now.HTTPAddr == was.HTTPAddr {
			t.Errorf("%s: %q, %v; want %q", line, out, err, want)
		}
	}
	if out, err := r.Exec(context.Background(), mustParse(t, "crash 2")); err != nil || out != "ok" {
		t.Fatalf("crash 2: %q, %v", out, err)
	}
	if out, err := r.Exec(context.Background(), mustParse(t, "restart 2")); err != nil || out != "ok" {
		t.Errorf("restart 2 on its own ports: %q, %v; want ok", out, err)
	}
}
