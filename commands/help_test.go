package commands

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"raftplay/cluster"
	"raftplay/raft"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestHelpGolden(t *testing.T) {
	got, err := Help("")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "help.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Help(\"\") differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func TestHelpEveryVerb(t *testing.T) {
	list, _ := Help("")
	for _, v := range Verbs() {
		h, err := Help(v)
		if err != nil {
			t.Errorf("Help(%q): %v", v, err)
			continue
		}
		if !strings.HasPrefix(h, v) {
			t.Errorf("Help(%q) does not start with its usage: %q", v, h)
		}
		if !strings.Contains(list, "\n  "+v) {
			t.Errorf("command list does not show %q", v)
		}
		if _, err := ParseLine("help "+v, 1, 5); err != nil {
			t.Errorf("help %s: %v", v, err)
		}
	}
}

func TestHelpUnknown(t *testing.T) {
	_, err := Help("crsh")
	if !errors.Is(err, ErrUnknownVerb) {
		t.Fatalf("Help(crsh) error %v does not wrap ErrUnknownVerb", err)
	}
	if want := `commands: unknown command "crsh" (did you mean "crash"?)`; err.Error() != want {
		t.Errorf("Help(crsh) = %q, want %q", err, want)
	}
}

func TestVerbsComplete(t *testing.T) {
	// The verbs of COMMANDS.md plus the additions of this package.
	want := []string{"put", "get", "del", "load", "propose", "crash", "restart", "pause", "resume",
		"partition", "isolate", "heal", "drop", "delay", "cut", "snapshot", "wait", "sleep",
		"expect", "status", "set", "let", "help", "echo",
		"freeze", "thaw", "step", "deliver", "discard", "timeout", "tick", "heartbeat", "trace", "messages", "links", "explain",
		"add", "remove", "promote", "transfer", "powerfail", "wipe", "corrupt",
		"say", "save",
		"record", "seek", "find", "fork"}
	got := Verbs()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Verbs() = %v, want %v", got, want)
	}
}

func TestSuggestion(t *testing.T) {
	for word, want := range map[string]string{
		"crsh": "crash", "stat": "status", "heel": "heal", "exepct": "expect",
		"x": "", "zzzzzz": "", "": "",
	} {
		got := Suggestion(word, Verbs())
		if (want == "" && got != "") || (want != "" && !strings.Contains(got, `"`+want+`"`)) {
			t.Errorf("Suggestion(%q) = %q, want %q", word, got, want)
		}
	}
}

// A removed node has no role in the status table: "-", not "down" (its
// STATE says removed).
func TestFormatStatusRemovedNodeHasNoRole(t *testing.T) {
	st := cluster.Status{Nodes: []cluster.NodeStatus{
		{ID: 1, State: cluster.StateUp, Role: "leader", Term: 2},
		{ID: 2, State: cluster.StateRemoved, Role: "down", Term: 2, RaftAddr: "127.0.0.1:4001", HTTPAddr: "127.0.0.1:4002"},
		{ID: 3, State: cluster.StateCrashed, Role: "down", Term: 2, RaftAddr: "127.0.0.1:4003", HTTPAddr: "127.0.0.1:4004"},
	}}
	lines := strings.Split(FormatStatus(st), "\n")
	for i, want := range map[int][]string{2: {"2", "removed", "-", "2"}, 3: {"3", "crashed", "down", "2"}} {
		if got := strings.Fields(lines[i]); len(got) < 4 || !slices.Equal(got[:4], want) {
			t.Errorf("line %d %q; want it to begin %q", i, lines[i], want)
		}
	}
	// A removed node listens nowhere: no addresses (a retired node's row
	// listed its old ones); a crashed one comes back on its own.
	if got := strings.Fields(lines[2]); got[len(got)-2] != "-" || got[len(got)-1] != "-" {
		t.Errorf("removed node's addresses: %q", lines[2])
	}
	if !strings.HasSuffix(lines[3], "127.0.0.1:4003  127.0.0.1:4004") {
		t.Errorf("crashed node's addresses: %q", lines[3])
	}
	// Down or removed, a node follows no one: "-" under LEADER, not the
	// leader it last had (a failed leader's row named itself).
	st = cluster.Status{Nodes: []cluster.NodeStatus{
		{ID: 1, State: cluster.StateFailed, Role: "down", Term: 1, Leader: 1, RaftAddr: "a", HTTPAddr: "b"},
		{ID: 2, State: cluster.StateCrashed, Role: "down", Term: 1, Leader: 1, RaftAddr: "a", HTTPAddr: "b"},
		{ID: 3, State: cluster.StateRemoved, Role: "down", Term: 1, Leader: 1},
		{ID: 4, State: cluster.StatePaused, Role: "follower", Term: 2, Leader: 5, RaftAddr: "a", HTTPAddr: "b"},
		{ID: 5, State: cluster.StateUp, Role: "leader", Term: 2, Leader: 5, RaftAddr: "a", HTTPAddr: "b"},
	}}
	lines = strings.Split(FormatStatus(st), "\n")
	for i, want := range []string{"-", "-", "-", "5", "5"} {
		if got := strings.Fields(lines[i+1]); len(got) < 9 || got[8] != want {
			t.Errorf("line %q: LEADER %q, want %q", lines[i+1], got, want)
		}
	}
}

// A learner's ROLE is "learner": it follows, but does not vote, and the
// table should not pass it off as a voting follower.
func TestFormatStatusSaysLearner(t *testing.T) {
	st := cluster.Status{Leader: 1, Term: 2, Membership: raft.Membership{Voters: []uint64{1, 2}, Learners: []uint64{3}}, Nodes: []cluster.NodeStatus{
		{ID: 1, State: cluster.StateUp, Role: "leader", Term: 2},
		{ID: 2, State: cluster.StateUp, Role: "follower", Term: 2},
		{ID: 3, State: cluster.StateUp, Role: "follower", Term: 2},
	}}
	lines := strings.Split(FormatStatus(st), "\n")
	for i, want := range map[int]string{2: "follower", 3: "learner"} {
		if got := strings.Fields(lines[i]); len(got) < 3 || got[2] != want {
			t.Errorf("line %d %q: ROLE want %q", i, lines[i], want)
		}
	}
}

// `expect role N learner` (and `wait role`) match a follower that the
// configuration lists as a learner; `follower` matches it too, and a failed
// check names it a learner.
func TestRoleLearner(t *testing.T) {
	st := cluster.Status{Membership: raft.Membership{Voters: []uint64{1, 2}, Learners: []uint64{3}}, Nodes: []cluster.NodeStatus{
		{ID: 1, State: cluster.StateUp, Role: "leader", Term: 2},
		{ID: 2, State: cluster.StateUp, Role: "follower", Term: 2},
		{ID: 3, State: cluster.StateUp, Role: "follower", Term: 2},
		{ID: 4, State: cluster.StateCrashed, Role: "down", Term: 2},
	}}
	for _, tc := range []struct {
		id   int
		want Role
		ok   bool
	}{
		{3, RoleLearner, true}, {3, RoleFollower, true}, {2, RoleLearner, false}, {1, RoleLearner, false}, {4, RoleLearner, false},
	} {
		if got := roleMatches(st, st.Nodes[tc.id-1], tc.want); got != tc.ok {
			t.Errorf("node %d role %s: %v, want %v", tc.id, tc.want, got, tc.ok)
		}
	}
	if got := roleWord(st, st.Nodes[2]); got != "learner (term 2)" {
		t.Errorf("roleWord of the learner: %q", got)
	}
	if _, err := NewParser(3).ParseLine("wait role 3 learner", 1); err != nil {
		t.Errorf("wait role 3 learner: %v", err)
	}
}

// A node that runs outside the cluster is named on the last line:
// in the table it passes for a follower lagging behind (an add cut short
// by a kill left one so).
func TestFormatStatusNamesNodesOutsideTheConfig(t *testing.T) {
	st := cluster.Status{Leader: 1, Term: 2, Membership: raft.Membership{Voters: []uint64{1, 3}}, Nodes: []cluster.NodeStatus{
		{ID: 1, State: cluster.StateUp, Role: "leader", Term: 2},
		{ID: 2, State: cluster.StateUp, Role: "follower", Outside: true},
		{ID: 3, State: cluster.StateUp, Role: "follower", Term: 2},
		{ID: 4, State: cluster.StateRemoved, Term: 2},
	}}
	if out := FormatStatus(st); !strings.HasSuffix(out, "; config voters 1,3; not in it: 2 (add N starts it afresh; remove N stops it)") {
		t.Errorf("status: %q; want its last line to name 2 as outside the configuration", out)
	}
	st.Nodes[1].Outside = false // joining (its add runs) or leaving
	if out := FormatStatus(st); strings.Contains(out, "not in it") {
		t.Errorf("status with every running node a member: %q", out)
	}
}

// A failed node's cause is in status (its table said "failed" alone) and
// in a wait that times out, its control bytes escaped.
func TestStatusAndWaitSayWhyANodeFailed(t *testing.T) {
	st := cluster.Status{Leader: 1, Term: 2, Nodes: []cluster.NodeStatus{
		{ID: 1, State: cluster.StateUp, Role: "leader", Term: 2},
		{ID: 2, State: cluster.StateFailed, Role: "down", Err: "wal: write x.wal: no space left on device"},
		{ID: 3, State: cluster.StateFailed, Role: "down", Err: "bad \x1b[31m file"},
		{ID: 4, State: cluster.StateCrashed, Role: "down"},
	}}
	out := FormatStatus(st)
	for _, want := range []string{"\n2 failed: wal: write x.wal: no space left on device (explain 2 says more)", "\n3 failed: bad \\x1b[31m file (explain 3 says more)"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "power failure") {
		t.Errorf("status speaks of a power failure:\n%s", out)
	}
	st.Nodes[3].PowerLost = true
	if out := FormatStatus(st); !strings.Contains(out, "\ncrashed by a power failure (powerfail): 4; restart N brings one back with what its disk kept") {
		t.Errorf("status of a node whose power was cut:\n%s", out)
	}
	if strings.Contains(out, "4 failed") || strings.Contains(out, "\x1b") {
		t.Errorf("status:\n%s", out)
	}
	if got := failedCauses(st, "; "); !strings.HasPrefix(got, "; 2 failed: wal: write x.wal: no space left on device (explain 2 says more); 3 failed: ") {
		t.Errorf("wait's causes: %q", got)
	}
}

// Quoted words take Go escapes (put p "C:\new" stores a newline, "C:\q"
// is refused), and neither help put nor the command list said so. Help
// says it now, and what it says holds: each example parses as told.
func TestHelpSaysWhatQuotesDo(t *testing.T) {
	put, err := Help("put")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := Help("")
	for _, want := range []string{`Inside double quotes a backslash starts a Go`, `\n a newline`, `\\ a backslash`, `\xff a byte`, `any other (\q) is an error`,
		`Outside quotes a backslash is itself:`, `put path C:\new stores C:\new, as put path "C:\\new" does`, `put path "C:\new" stores C:, a newline and ew`} {
		if !strings.Contains(strings.Join(strings.Fields(put), " "), want) {
			t.Errorf("help put lacks %q:\n%s", want, put)
		}
	}
	if !strings.Contains(list, `Inside double quotes a backslash starts a Go escape (\n, \", \\): help put says more.`) {
		t.Errorf("the command list does not say what quotes do:\n%s", list)
	}
	for line, value := range map[string]string{
		`put path C:\new`:           `C:\new`,
		`put path "C:\\new"`:        `C:\new`,
		`put path "C:\new"`:         "C:\new",
		`put v "a\tb\"c\xff\u00e9"`: "a\tb\"c\xffé",
	} {
		c, err := ParseLine(line, 1, 3)
		if err != nil {
			t.Errorf("%s: %v; help says it stores %q", line, err, value)
		} else if c.Value != value {
			t.Errorf("%s: value %q; help says %q", line, c.Value, value)
		}
	}
	if _, err := ParseLine(`put p "C:\q"`, 1, 3); err == nil || !strings.Contains(err.Error(), `want Go escapes like \" or \n`) {
		t.Errorf(`put p "C:\q": %v; help says it is an error`, err)
	}
	if c, err := ParseLine(`save "a b"`, 1, 3); err != nil || c.Name != "a b" {
		t.Errorf(`save "a b": %+v, %v; help says file names may be quoted`, c, err)
	}
}

// The command list's usage column is 28 wide, and propose's usage, 29,
// ran into its description: "propose N KEY VALUE [TIMEOUT] put sent to
// node N alone" (a new user read "put" as part of it). Every usage is
// now followed by two spaces or more, or its description is on the next
// line, in the list and in each command's help.
func TestHelpUsageDoesNotRunIntoItsDescription(t *testing.T) {
	all, err := Help("")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range verbTable {
		own, err := Help(v.verb)
		if err != nil {
			t.Fatal(err)
		}
		for i, u := range v.usage {
			for _, text := range []string{all, own} {
				lines := strings.Split(text, "\n")
				found := false
				for k, line := range lines {
					l := strings.TrimSpace(line)
					switch {
					case l == u && k+1 < len(lines) && strings.TrimSpace(lines[k+1]) == v.short[i]:
						found = true
					case strings.HasPrefix(l, u) && strings.HasSuffix(l, v.short[i]):
						if mid := l[len(u) : len(l)-len(v.short[i])]; len(mid) >= 2 && strings.TrimSpace(mid) == "" {
							found = true
						}
					}
				}
				if !found {
					t.Errorf("usage %q and its description %q are not apart:\n%s", u, v.short[i], text)
				}
			}
		}
	}
}
