package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests here run the built binary, several times on one data
// directory, as a user does: what one process acknowledged, the next one
// must see.

// binary is the binary these tests run: the one built for the package's
// tests, or RAFTPLAY_BIN (an older build, to show that a test catches what
// it was written for).
func binary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("RAFTPLAY_BIN"); bin != "" {
		return bin
	}
	return raftplayBinary(t)
}

// runBin runs the binary with args and a script on stdin, with TMPDIR set
// to tmp, and fails the test if it does not end within limit (a hang).
func runBin(t *testing.T, tmp, stdin string, limit time.Duration, args ...string) (code int, stdout, stderr string, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("raftplay %v did not end within %v (it hangs)\nstdout:\n%s\nstderr:\n%s", args, limit, out.String(), errb.String())
	}
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String(), took
}

// Three runs of `raftplay script` on one --data directory, each writing and
// reading: every acknowledged write is visible at the end. Before client
// sessions were registered through the log, the second run's first put was
// answered from the first run's session table and never applied.
func TestAcknowledgedWritesSurviveRuns(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	for run := 1; run <= 3; run++ {
		script := fmt.Sprintf("wait leader\nput k run-%d\nput k%d v%d\nexpect get k == run-%d\n", run, run, run, run)
		for prev := 1; prev < run; prev++ {
			script += fmt.Sprintf("expect get k%d == v%d\n", prev, prev)
		}
		code, out, errs, _ := runBin(t, t.TempDir(), script, 2*time.Minute, "script", "--nodes", "3", "--data", data, "-")
		if code != 0 {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", run, code, out, errs)
		}
	}
}

// freePorts finds a base port with n free ports after it.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	// Below Linux's ephemeral range (32768 and up): a port the OS hands a
	// parallel test cannot take one of these between the check and the use.
	for try := 0; try < 50; try++ {
		base := 20000 + rand.IntN(12000-n)
		ok := true
		for p := base; p < base+n && ok; p++ {
			if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err != nil {
				ok = false
			} else {
				l.Close()
			}
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

// A node other than node 1 that cannot start (its port taken) used to
// block the process forever. Now it is reported at once, naming the node
// and the address, the process exits 1 and its temporary data is gone.
func TestStartFailureOfALaterNodeExits(t *testing.T) {
	t.Parallel()
	base := freePorts(t, 6)
	addr := fmt.Sprintf("127.0.0.1:%d", base+4) // node 3's Raft port
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	tmp := t.TempDir()
	code, _, errs, took := runBin(t, tmp, "wait leader\n", time.Minute, "script", "--nodes", "3", "--port", fmt.Sprint(base), "-")
	if code != 1 || !strings.Contains(errs, "node 3") || !strings.Contains(errs, addr) {
		t.Fatalf("exit %d after %v, stderr %q; want 1 naming node 3 and %s", code, took, errs, addr)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary data left behind: %v", left)
	}
}

// A damaged WAL in node 3's directory: the start fails at once, naming node
// 3, the file and the offset; the data directory is left as it was.
func TestCorruptWALOfALaterNodeExits(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	if code, out, errs, _ := runBin(t, t.TempDir(), "wait leader\nput a 1\nput b 2\nwait converged\n", 2*time.Minute, "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	segs, _ := filepath.Glob(filepath.Join(data, "node-3", "*.wal"))
	if len(segs) == 0 {
		t.Fatal("no segment in node-3")
	}
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	b[32+12+1] ^= 0xff // inside the first record, far from the tail
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs, took := runBin(t, t.TempDir(), "wait leader\n", time.Minute, "script", "--nodes", "3", "--data", data, "-")
	if code != 1 || !strings.Contains(errs, "node 3") || !strings.Contains(errs, segs[0]) || !strings.Contains(errs, "offset") {
		t.Fatalf("exit %d after %v, stderr %q; want 1 naming node 3, %s and the offset", code, took, errs, segs[0])
	}
	// Not a dead end: the error says how the others start, and they do,
	// with every acknowledged write.
	if !strings.Contains(errs, "--allow-failed starts the others with node 3 down") {
		t.Errorf("the refusal does not say how to start the others: %q", errs)
	}
	code, out, errs, _ := runBin(t, t.TempDir(), "wait leader\nexpect get a == 1\nexpect get b == 2\n", time.Minute, "script", "--allow-failed", "--data", data, "-")
	if code != 0 || !strings.Contains(out, "node 3: FAILED, not started") || !strings.Contains(out, "node 3: could not start: its WAL is damaged") {
		t.Fatalf("--allow-failed: exit %d\n%s\n%s", code, out, errs)
	}
}

// Two runs on one --data directory would interleave their writes in every
// node's WAL and destroy them all. The second is refused at once, naming
// the process that holds the directory; the first goes on unharmed.
func TestSecondRunOnOneDataDirIsRefused(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	first := exec.Command(binary(t), "script", "--nodes", "3", "--data", data, "-")
	first.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	first.Stdin = strings.NewReader("wait leader\nput a 1\necho started\nsleep 20s\n")
	out, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	started := make(chan bool, 1)
	go func() {
		buf := make([]byte, 4096)
		var seen string
		for {
			n, err := out.Read(buf)
			seen += string(buf[:n])
			if strings.Contains(seen, "\nstarted\n") {
				started <- true
				io.Copy(io.Discard, out)
				return
			}
			if err != nil {
				started <- false
				return
			}
		}
	}()
	select {
	case ok := <-started:
		if !ok {
			t.Fatal("the first run ended before it started")
		}
	case <-time.After(time.Minute):
		t.Fatal("the first run did not start")
	}
	code, _, errs, _ := runBin(t, t.TempDir(), "wait leader\nput a 2\n", time.Minute, "script", "--nodes", "3", "--data", data, "-")
	want := fmt.Sprintf("data directory %s is in use by process %d", data, first.Process.Pid)
	if code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("second run on the same data: exit %d, stderr %q; want 1 and %q", code, errs, want)
	}
	first.Process.Signal(syscall.SIGTERM)
	first.Wait()
	// The first run's data is intact: a third run reads its write.
	if code, out, errs, _ := runBin(t, t.TempDir(), "wait leader\nexpect get a == 1\n", time.Minute, "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatalf("third run: exit %d\n%s\n%s", code, out, errs)
	}
}
