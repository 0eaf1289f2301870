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
