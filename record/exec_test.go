package record

import (
	"context"
	"strings"
	"testing"
	"time"

	"raftplay/commands"
)

func TestExecutor(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{Paused: true})
	x := &Executor{Player: p}
	exec := func(line string) (string, error) {
		t.Helper()
		cmd, err := commands.ParseLine(line, 1, 5)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Line = 0
		return x.Exec(context.Background(), cmd)
	}
	for _, c := range []struct {
		line, out, err string
		at             time.Duration
	}{
		{"seek 3.5s", "at 3.5s of 10s", "", 3500 * time.Millisecond},
		{"seek 1h", "at 10s of 10s", "", 10 * time.Second},
		{"seek 1s", "at 1s of 10s", "", time.Second},
		{"seek 1h30m", "at 10s of 10s", "", 10 * time.Second}, // no cap for a seek: the end
		{"seek 1s", "at 1s of 10s", "", time.Second},
		{"seek 9999999h", "at 10s of 10s", "", 10 * time.Second},                                 // too long for a Duration: the end too
		{"find became leader", "at 2.5s of 10s: 2 became leader at term 2", "", 3 * time.Second}, // the frame that shows it
		{"find crash 3", "at 6s of 10s: > crash 3", "", 6 * time.Second},
		{"find no such thing", "", `find no such thing: nothing in the recording says "no such thing"`, 6 * time.Second},
		{"fork", "", "fork: fork cannot start a live cluster from this moment: a recording holds", 6 * time.Second},
		{"status", "NODE  STATE", "", 6 * time.Second},
		{"explain 1", "1", "", 6 * time.Second},
		{"explain leader", "", "explain leader: no leader at this moment of the recording; name a node", 6 * time.Second},
		{"messages all", "1", "", 6 * time.Second},
		{"help seek", "seek TIME", "", 6 * time.Second},
		{"crash 1", "", "crash 1: this is a recording: crash acts on a live cluster.", 6 * time.Second},
		{"record start x.rec", "", "record start x.rec: this is a recording: record acts on a live cluster.", 6 * time.Second},
		{"put a 1", "", "put a 1: this is a recording", 6 * time.Second},
	} {
		out, err := exec(c.line)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.line, err, c.err)
			}
		} else if err != nil || !strings.Contains(out, c.out) {
			t.Errorf("%s: %q, %v; want %q", c.line, out, err, c.out)
		}
		if p.Position() != c.at {
			t.Errorf("%s: at %v, want %v", c.line, p.Position(), c.at)
		}
	}
}

// TestFindSaysWrapped: a find that finds nothing after the cursor goes on
// from the start, and its answer says so; one that finds it ahead does not.
func TestFindSaysWrapped(t *testing.T) {
	p := NewPlayer(sample(t), PlayerOptions{Paused: true})
	x := &Executor{Player: p}
	find := func(words string) string {
		t.Helper()
		out, err := x.Exec(context.Background(), &commands.Command{Verb: commands.VerbFind, Message: words})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	p.Seek(7 * time.Second)
	if out := find("became leader"); !strings.HasPrefix(out, "wrapped to the start, at 2.5s of 10s: 2 became leader") || p.Position() != 3*time.Second {
		t.Errorf("find behind the cursor: %q at %v", out, p.Position())
	}
	if out := find("crash 3"); !strings.HasPrefix(out, "at 6s of 10s: > crash 3") {
		t.Errorf("find ahead of the cursor: %q", out)
	}
}

// TestFindInAFailedCommandsError: a find that matches the error of a
// recorded command that failed says the command once, then its error
// without the line number and the command the error starts with. It said
// "> restart 2: line 1: restart 2: node 2 is running".
func TestFindInAFailedCommandsError(t *testing.T) {
	b := newBuilder(t, Version)
	for s := range 4 {
		b.status(time.Duration(s)*time.Second, uint64(s), 1, 2, 3)
	}
	b.line(line{T: int64(time.Second), K: kindCommand, C: &cmdRec{At: t0.Add(time.Second).UnixNano(), Took: time.Millisecond,
		Text: "restart 2", Err: "line 1: restart 2: node 2 is running"}})
	b.command(2*time.Second, "put k v", "ok index=4 term=1")
	p := NewPlayer(b.end(3*time.Second).read(), PlayerOptions{Paused: true})
	x := &Executor{Player: p}
	for _, c := range []struct{ words, want string }{
		{"is running", "at 1s of 3s: > restart 2: error: node 2 is running"},
		{"restart", "at 1s of 3s: > restart 2"},
		{"index=4", "at 2s of 3s: > put k v: ok index=4 term=1"},
	} {
		p.Seek(0)
		out, err := x.Exec(context.Background(), &commands.Command{Verb: commands.VerbFind, Message: c.words})
		if err != nil || out != c.want {
			t.Errorf("find %s: %q, %v; want %q", c.words, out, err, c.want)
		}
	}
}
