package commands

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"raftplay/cluster"
)

func num(n int) NodeRef      { return NodeRef{Kind: NodeNumber, N: n} }
func named(s string) NodeRef { return NodeRef{Kind: NodeNamed, Name: s} }
func ref(r NodeRef) *NodeRef { return &r }

var (
	leader   = NodeRef{Kind: NodeLeader}
	follower = NodeRef{Kind: NodeFollower}
)

// validCases are lines that parse with nodes=5, and the Command they give
// (Line, Col and Text are checked separately).
var validCases = []struct {
	line string
	want Command
}{
	{`put k v`, Command{Verb: VerbPut, Key: "k", Value: "v"}},
	{`put greeting "hello world"`, Command{Verb: VerbPut, Key: "greeting", Value: "hello world"}},
	{`put "a key" ""`, Command{Verb: VerbPut, Key: "a key", Value: ""}},
	{`put k "say \"hi\"\n"`, Command{Verb: VerbPut, Key: "k", Value: "say \"hi\"\n"}},
	{`put k v # a comment`, Command{Verb: VerbPut, Key: "k", Value: "v"}},
	{`put k "a # b"`, Command{Verb: VerbPut, Key: "k", Value: "a # b"}},
	{`put k v#comment`, Command{Verb: VerbPut, Key: "k", Value: "v"}},
	{`put clé valeur`, Command{Verb: VerbPut, Key: "clé", Value: "valeur"}},
	{"\tput  k\tv  ", Command{Verb: VerbPut, Key: "k", Value: "v"}},
	{`get k`, Command{Verb: VerbGet, Key: "k"}},
	{`del k`, Command{Verb: VerbDel, Key: "k"}},
	{`load 200`, Command{Verb: VerbLoad, Rate: 200}},
	{`load off`, Command{Verb: VerbLoad, Rate: 0}},
	{`wait term @old > 2`, Command{Verb: VerbWait, What: WaitTerm, Node: named("old"), Cmp: Gt, Term: 2}},
	{`wait role 3 follower 2s`, Command{Verb: VerbWait, What: WaitRole, Node: num(3), Role: RoleFollower, Timeout: 2 * time.Second}},
	{`propose leader x "lost write"`, Command{Verb: VerbPropose, Node: NodeRef{Kind: NodeLeader}, Key: "x", Value: "lost write"}},
	{`propose @old x 1 500ms`, Command{Verb: VerbPropose, Node: named("old"), Key: "x", Value: "1", Timeout: 500 * time.Millisecond}},
	{`expect commit 1 < last 3`, Command{Verb: VerbExpect, What: ExpectCommit, Node: num(1), Cmp: Lt, IndexOf: IndexLast, IndexNode: num(3)}},
	{`expect commit leader == commit @old`, Command{Verb: VerbExpect, What: ExpectCommit, Node: leader, Cmp: Eq, IndexOf: IndexCommit, IndexNode: named("old")}},
	{`heal 2 3`, Command{Verb: VerbHeal, From: ref(num(2)), To: ref(num(3))}},
	{`explain commit`, Command{Verb: VerbExplain, What: ExplainCommit}},
	{`explain commit 247`, Command{Verb: VerbExplain, What: ExplainCommit, Index: 247}},
	{`explain 3`, Command{Verb: VerbExplain, What: ExplainNode, Node: num(3)}},
	{`explain leader`, Command{Verb: VerbExplain, What: ExplainNode, Node: leader}},
	{`explain vote 2`, Command{Verb: VerbExplain, What: ExplainVote, Node: num(2)}},
	{`explain log @old`, Command{Verb: VerbExplain, What: ExplainLog, Node: named("old")}},
	{`links`, Command{Verb: VerbLinks}},
	{`add`, Command{Verb: VerbAdd}},
	{`add 6`, Command{Verb: VerbAdd, Node: num(6)}},
	{`add 9 1m`, Command{Verb: VerbAdd, Node: num(9), Timeout: time.Minute}},
	{`add 20s`, Command{Verb: VerbAdd, Timeout: 20 * time.Second}},
	{`add @old`, Command{Verb: VerbAdd, Node: named("old")}},
	{`add @old 5s`, Command{Verb: VerbAdd, Node: named("old"), Timeout: 5 * time.Second}},
	{`remove 3`, Command{Verb: VerbRemove, Node: num(3)}},
	{`remove leader`, Command{Verb: VerbRemove, Node: leader}},
	{`promote 4`, Command{Verb: VerbPromote, Node: num(4)}},
	{`transfer`, Command{Verb: VerbTransfer}},
	{`transfer 2`, Command{Verb: VerbTransfer, Node: num(2)}},
	{`wait config`, Command{Verb: VerbWait, What: WaitConfig}},
	{`wait violation 5s`, Command{Verb: VerbWait, What: WaitViolation, Timeout: 5 * time.Second}},
	{`expect violation`, Command{Verb: VerbExpect, What: ExpectViolation}},
	{`powerfail 2`, Command{Verb: VerbPowerfail, Node: num(2)}},
	{`powerfail all`, Command{Verb: VerbPowerfail, All: true}},
	{`restart all`, Command{Verb: VerbRestart, All: true}},
	{`powerfail leader`, Command{Verb: VerbPowerfail, Node: leader}},
	{`wipe 3`, Command{Verb: VerbWipe, Node: num(3)}},
	{`corrupt 1`, Command{Verb: VerbCorrupt, Node: num(1), What: CorruptSegment}},
	{`corrupt 1 tail`, Command{Verb: VerbCorrupt, Node: num(1), What: CorruptTail}},
	{`corrupt @old snapshot`, Command{Verb: VerbCorrupt, Node: named("old"), What: CorruptSnapshot}},
	{`set disk-delay 2 10ms`, Command{Verb: VerbSet, Setting: SetDiskDelay, Node: num(2), Duration: 10 * time.Millisecond}},
	{`set disk-delay 2 0s`, Command{Verb: VerbSet, Setting: SetDiskDelay, Node: num(2)}},
	{`set disk-full leader on`, Command{Verb: VerbSet, Setting: SetDiskFull, Node: leader, On: true}},
	{`set unsafe-skip-fsync 1 off`, Command{Verb: VerbSet, Setting: SetSkipFsync, Node: num(1)}},
	{`wait config 3s`, Command{Verb: VerbWait, What: WaitConfig, Timeout: 3 * time.Second}},
	{`expect config == 1,2,3,4`, Command{Verb: VerbExpect, What: ExpectConfig, Cmp: Eq, Config: []uint64{1, 2, 3, 4}}},
	{`expect config != 3,1`, Command{Verb: VerbExpect, What: ExpectConfig, Cmp: Ne, Config: []uint64{1, 3}}},
	{`freeze`, Command{Verb: VerbFreeze}},
	{`thaw`, Command{Verb: VerbThaw}},
	{`step`, Command{Verb: VerbStep}},
	{`deliver 1 2`, Command{Verb: VerbDeliver, From: ref(num(1)), To: ref(num(2))}},
	{`deliver leader 3 app`, Command{Verb: VerbDeliver, From: ref(leader), To: ref(num(3)), Kind: "app"}},
	{`discard 2 1 vote-resp`, Command{Verb: VerbDiscard, From: ref(num(2)), To: ref(num(1)), Kind: "vote-resp"}},
	{`timeout 2`, Command{Verb: VerbTimeout, Node: num(2)}},
	{`tick 3`, Command{Verb: VerbTick, Node: num(3), Count: 1}},
	{`tick @old 40`, Command{Verb: VerbTick, Node: named("old"), Count: 40}},
	{`heartbeat leader`, Command{Verb: VerbHeartbeat, Node: leader}},
	{`trace off`, Command{Verb: VerbTrace, On: false}},
	{`trace on`, Command{Verb: VerbTrace, On: true}},
	{`messages`, Command{Verb: VerbMessages}},
	{`messages 50 all`, Command{Verb: VerbMessages, Count: 50, All: true}},
	{`messages all`, Command{Verb: VerbMessages, All: true}},
	{`crash 1`, Command{Verb: VerbCrash, Node: num(1)}},
	{`crash leader`, Command{Verb: VerbCrash, Node: leader}},
	{`restart 5`, Command{Verb: VerbRestart, Node: num(5)}},
	{`pause follower`, Command{Verb: VerbPause, Node: follower}},
	{`resume @old`, Command{Verb: VerbResume, Node: named("old")}},
	{`isolate 3`, Command{Verb: VerbIsolate, Node: num(3)}},
	{`snapshot leader`, Command{Verb: VerbSnapshot, Node: leader}},
	{`heal`, Command{Verb: VerbHeal}},
	{`status`, Command{Verb: VerbStatus}},
	{`partition 1,2 3,4,5`, Command{Verb: VerbPartition, Groups: [][]NodeRef{{num(1), num(2)}, {num(3), num(4), num(5)}}}},
	{`partition leader 1,2`, Command{Verb: VerbPartition, Groups: [][]NodeRef{{leader}, {num(1), num(2)}}}},
	{`partition 1,@a 2 3`, Command{Verb: VerbPartition, Groups: [][]NodeRef{{num(1), named("a")}, {num(2)}, {num(3)}}}},
	{`partition 1,2`, Command{Verb: VerbPartition, Groups: [][]NodeRef{{num(1), num(2)}}}},
	{`drop 10`, Command{Verb: VerbDrop, Pct: 10}},
	{`drop 2.5%`, Command{Verb: VerbDrop, Pct: 2.5}},
	{`drop 100 1 2`, Command{Verb: VerbDrop, Pct: 100, From: ref(num(1)), To: ref(num(2))}},
	{`drop 0 leader follower`, Command{Verb: VerbDrop, Pct: 0, From: ref(leader), To: ref(follower)}},
	{`delay 50ms`, Command{Verb: VerbDelay, Duration: 50 * time.Millisecond}},
	{`delay 50ms 10ms`, Command{Verb: VerbDelay, Duration: 50 * time.Millisecond, Jitter: 10 * time.Millisecond}},
	{`delay 50ms 1 2`, Command{Verb: VerbDelay, Duration: 50 * time.Millisecond, From: ref(num(1)), To: ref(num(2))}},
	{`delay 1s 5ms leader 3`, Command{Verb: VerbDelay, Duration: time.Second, Jitter: 5 * time.Millisecond, From: ref(leader), To: ref(num(3))}},
	{`delay 0s`, Command{Verb: VerbDelay}},
	{`cut 1 2`, Command{Verb: VerbCut, From: ref(num(1)), To: ref(num(2))}},
	{`cut leader @x`, Command{Verb: VerbCut, From: ref(leader), To: ref(named("x"))}},
	{`wait leader`, Command{Verb: VerbWait, What: WaitLeader}},
	{`wait leader 3s`, Command{Verb: VerbWait, What: WaitLeader, Timeout: 3 * time.Second}},
	{`wait commit 7`, Command{Verb: VerbWait, What: WaitCommit, Index: 7}},
	{`wait commit 0 500ms`, Command{Verb: VerbWait, What: WaitCommit, Index: 0, Timeout: 500 * time.Millisecond}},
	{`wait converged 1m`, Command{Verb: VerbWait, What: WaitConverged, Timeout: time.Minute}},
	{`sleep 150ms`, Command{Verb: VerbSleep, Duration: 150 * time.Millisecond}},
	{`sleep 0s`, Command{Verb: VerbSleep}},
	{`expect leader == 1`, Command{Verb: VerbExpect, What: ExpectLeader, Cmp: Eq, Node: num(1)}},
	{`expect leader != @old`, Command{Verb: VerbExpect, What: ExpectLeader, Cmp: Ne, Node: named("old")}},
	{`expect leader none`, Command{Verb: VerbExpect, What: ExpectLeader, None: true}},
	{`expect role 2 candidate`, Command{Verb: VerbExpect, What: ExpectRole, Node: num(2), Role: RoleCandidate}},
	{`expect role leader down`, Command{Verb: VerbExpect, What: ExpectRole, Node: leader, Role: RoleDown}},
	{`expect role 2 pre-candidate`, Command{Verb: VerbExpect, What: ExpectRole, Node: num(2), Role: RolePreCandidate}},
	{`wait role 2 pre-candidate 1s`, Command{Verb: VerbWait, What: WaitRole, Node: num(2), Role: RolePreCandidate, Timeout: time.Second}},
	{`expect term 3 >= 2`, Command{Verb: VerbExpect, What: ExpectTerm, Node: num(3), Cmp: Ge, Term: 2}},
	{`expect term 3 < 18446744073709551615`, Command{Verb: VerbExpect, What: ExpectTerm, Node: num(3), Cmp: Lt, Term: 1<<64 - 1}},
	{`expect commit follower > 10`, Command{Verb: VerbExpect, What: ExpectCommit, Node: follower, Cmp: Gt, Index: 10}},
	{`expect commit 1 <= 0`, Command{Verb: VerbExpect, What: ExpectCommit, Node: num(1), Cmp: Le, Index: 0}},
	{`expect commit 1 == 4`, Command{Verb: VerbExpect, What: ExpectCommit, Node: num(1), Cmp: Eq, Index: 4}},
	{`expect commit 1 != 4`, Command{Verb: VerbExpect, What: ExpectCommit, Node: num(1), Cmp: Ne, Index: 4}},
	{`expect last 1 > last @new`, Command{Verb: VerbExpect, What: ExpectLast, Node: num(1), Cmp: Gt, IndexOf: IndexLast, IndexNode: named("new")}},
	{`expect applied 2 == 7`, Command{Verb: VerbExpect, What: ExpectApplied, Node: num(2), Cmp: Eq, Index: 7}},
	{`expect snapshot follower >= 5`, Command{Verb: VerbExpect, What: ExpectSnapshot, Node: follower, Cmp: Ge, Index: 5}},
	{`expect get k == v`, Command{Verb: VerbExpect, What: ExpectGet, Key: "k", Cmp: Eq, Value: "v"}},
	{`expect get k != "two words"`, Command{Verb: VerbExpect, What: ExpectGet, Key: "k", Cmp: Ne, Value: "two words"}},
	{`expect get k (nil)`, Command{Verb: VerbExpect, What: ExpectGet, Key: "k", Cmp: Eq, None: true}},
	{`expect get k == (nil)`, Command{Verb: VerbExpect, What: ExpectGet, Key: "k", Cmp: Eq, None: true}},
	{`expect get k != (nil)`, Command{Verb: VerbExpect, What: ExpectGet, Key: "k", Cmp: Ne, None: true}},
	{`expect get k == "(nil)"`, Command{Verb: VerbExpect, What: ExpectGet, Key: "k", Cmp: Eq, Value: "(nil)"}},
	{`expect safe`, Command{Verb: VerbExpect, What: ExpectSafe}},
	{`set heartbeat 15ms`, Command{Verb: VerbSet, Setting: SetHeartbeat, Duration: 15 * time.Millisecond}},
	{`set election 150ms-300ms`, Command{Verb: VerbSet, Setting: SetElection, Min: 150 * time.Millisecond, Max: 300 * time.Millisecond}},
	{`set election 1s-1.5s`, Command{Verb: VerbSet, Setting: SetElection, Min: time.Second, Max: 1500 * time.Millisecond}},
	{`set election 1s-1s`, Command{Verb: VerbSet, Setting: SetElection, Min: time.Second, Max: time.Second}},
	{`set election 150ms-150ms`, Command{Verb: VerbSet, Setting: SetElection, Min: 150 * time.Millisecond, Max: 150 * time.Millisecond}},
	{`set prevote on`, Command{Verb: VerbSet, Setting: SetPreVote, On: true}},
	{`set prevote off`, Command{Verb: VerbSet, Setting: SetPreVote, On: false}},
	{`set checkquorum on`, Command{Verb: VerbSet, Setting: SetCheckQuorum, On: true}},
	{`set snapshot-every 100`, Command{Verb: VerbSet, Setting: SetSnapshotEvery, Every: 100}},
	{`set snapshot-every 0`, Command{Verb: VerbSet, Setting: SetSnapshotEvery}},
	{`let old = leader`, Command{Verb: VerbLet, Name: "old", Node: leader}},
	{`let f = follower`, Command{Verb: VerbLet, Name: "f", Node: follower}},
	{`let n_3-b = 3`, Command{Verb: VerbLet, Name: "n_3-b", Node: num(3)}},
	{`let copy = @old`, Command{Verb: VerbLet, Name: "copy", Node: named("old")}},
	{`help`, Command{Verb: VerbHelp}},
	{`help partition`, Command{Verb: VerbHelp, Topic: VerbPartition}},
	{`echo`, Command{Verb: VerbEcho}},
	{`echo phase  two: "crash  it" # now`, Command{Verb: VerbEcho, Message: "phase two: crash  it"}},
}

// normal returns c without its position and text, for comparisons.
func normal(c Command) Command {
	c.Line, c.Col, c.Text, c.GluedHash = 0, 0, "", 0 // where it was, not what it says
	return c
}

func TestParseLineValid(t *testing.T) {
	for _, tc := range validCases {
		c, err := ParseLine(tc.line, 4, 5)
		if err != nil {
			t.Errorf("ParseLine(%q): %v", tc.line, err)
			continue
		}
		if c.Line != 4 {
			t.Errorf("ParseLine(%q).Line = %d, want 4", tc.line, c.Line)
		}
		if want := strings.IndexFunc(tc.line, func(r rune) bool { return r != ' ' && r != '\t' }) + 1; c.Col != want {
			t.Errorf("ParseLine(%q).Col = %d, want %d", tc.line, c.Col, want)
		}
		if got := normal(*c); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseLine(%q)\n got %+v\nwant %+v", tc.line, got, tc.want)
		}
	}
}

func TestEveryVerbHasValidCases(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range validCases {
		seen[tc.want.Verb] = true
	}
	for _, v := range Verbs() {
		if !seen[v] {
			t.Errorf("no valid test case for verb %q", v)
		}
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, tc := range validCases {
		s := tc.want.String()
		c, err := ParseLine(s, 1, 5)
		if err != nil {
			t.Errorf("String() of %q = %q, which does not parse: %v", tc.line, s, err)
			continue
		}
		if got := normal(*c); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("String() of %q = %q, parses to\n %+v\nwant %+v", tc.line, s, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	c, err := ParseLine("  put k \"a # b\"   # set it  ", 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := `put k "a # b"`; c.Text != want {
		t.Errorf("Text = %q, want %q", c.Text, want)
	}
	if c.Col != 3 {
		t.Errorf("Col = %d, want 3", c.Col)
	}
}

func TestBlankAndCommentLines(t *testing.T) {
	for _, line := range []string{"", "   ", "\t", "# only a comment", "   # indented comment", "\r"} {
		c, err := ParseLine(line, 1, 5)
		if c != nil || err != nil {
			t.Errorf("ParseLine(%q) = %v, %v; want nil, nil", line, c, err)
		}
	}
}

func TestNodesUnbounded(t *testing.T) {
	c, err := ParseLine("crash 12", 1, 0)
	if err != nil || c.Node != num(12) {
		t.Fatalf("ParseLine with nodes=0: %v, %v", c, err)
	}
	if _, err := ParseLine("crash 0", 1, 0); err == nil {
		t.Fatal("crash 0 parsed with nodes=0")
	}
}

func TestRefs(t *testing.T) {
	c, err := ParseLine("partition 1,leader 2", 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Refs(), []NodeRef{num(1), leader, num(2)}; !reflect.DeepEqual(got, want) {
		t.Errorf("Refs = %v, want %v", got, want)
	}
	c, _ = ParseLine("drop 5 @a 3", 1, 5)
	if got, want := c.Refs(), []NodeRef{named("a"), num(3)}; !reflect.DeepEqual(got, want) {
		t.Errorf("Refs = %v, want %v", got, want)
	}
	c, _ = ParseLine("heal", 1, 5)
	if got := c.Refs(); len(got) != 0 {
		t.Errorf("Refs of heal = %v", got)
	}
}

func TestNodeRefString(t *testing.T) {
	for r, want := range map[NodeRef]string{num(3): "3", leader: "leader", follower: "follower", named("old"): "@old", {}: "none"} {
		if got := r.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", r, got, want)
		}
	}
}

func TestCmpHolds(t *testing.T) {
	for _, tc := range []struct {
		c    Cmp
		a, b uint64
		want bool
	}{
		{Eq, 1, 1, true}, {Eq, 1, 2, false}, {Ne, 1, 2, true}, {Ne, 2, 2, false},
		{Ge, 2, 2, true}, {Ge, 1, 2, false}, {Le, 2, 2, true}, {Le, 3, 2, false},
		{Gt, 3, 2, true}, {Gt, 2, 2, false}, {Lt, 1, 2, true}, {Lt, 2, 2, false},
		{Cmp("=>"), 1, 1, false},
	} {
		if got := tc.c.Holds(tc.a, tc.b); got != tc.want {
			t.Errorf("%d %s %d = %v, want %v", tc.a, tc.c, tc.b, got, tc.want)
		}
	}
}

func TestParseScript(t *testing.T) {
	src := "# leader crash\r\n" +
		"wait leader\r\n" +
		"\n" +
		"let old = leader   # remember it\n" +
		"  crash @old\n" +
		"wait leader 5s\n" +
		"expect leader != @old\n" +
		"put k \"v 1\"\n"
	cmds, err := Parse(src, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line, col int
		text      string
	}{
		{2, 1, "wait leader"}, {4, 1, "let old = leader"}, {5, 3, "crash @old"},
		{6, 1, "wait leader 5s"}, {7, 1, "expect leader != @old"}, {8, 1, `put k "v 1"`},
	}
	if len(cmds) != len(want) {
		t.Fatalf("got %d commands, want %d", len(cmds), len(want))
	}
	for i, w := range want {
		c := cmds[i]
		if c.Line != w.line || c.Col != w.col || c.Text != w.text {
			t.Errorf("command %d at %d:%d %q, want %d:%d %q", i, c.Line, c.Col, c.Text, w.line, w.col, w.text)
		}
	}
	if cmds[2].Node != named("old") {
		t.Errorf("crash @old: Node = %v", cmds[2].Node)
	}
}

func TestParseEmpty(t *testing.T) {
	cmds, err := Parse("", 3)
	if err != nil || len(cmds) != 0 {
		t.Fatalf("Parse(\"\") = %v, %v", cmds, err)
	}
}

func TestParseNameBeforeLet(t *testing.T) {
	src := "wait leader\ncrash @old\nlet old = leader\n"
	_, err := Parse(src, 5)
	want := `line 2: column 7: crash: unknown name "@old" (no "let old = ..." before this line)`
	if err == nil || err.Error() != want {
		t.Fatalf("Parse: %v\nwant %s", err, want)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Col != 7 {
		t.Fatalf("error %#v is not a ParseError at 2:7", err)
	}
	// A let's own node may not name itself before it exists.
	if _, err := Parse("let a = @a", 5); err == nil {
		t.Fatal("let a = @a parsed")
	}
	// The interactive ParseLine accepts any name.
	if _, err := ParseLine("crash @old", 1, 5); err != nil {
		t.Fatalf("ParseLine(crash @old): %v", err)
	}
}

func TestParserRemembersNames(t *testing.T) {
	p := NewParser(3)
	if _, err := p.ParseLine("pause @x", 1); err == nil {
		t.Fatal("pause @x parsed before let")
	}
	if _, err := p.ParseLine("let x = 2", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ParseLine("pause @x", 3); err != nil {
		t.Fatal(err)
	}
	// A let that fails to parse defines nothing.
	if _, err := p.ParseLine("let y = 9", 4); err == nil {
		t.Fatal("let y = 9 parsed with 3 nodes")
	}
	if _, err := p.ParseLine("crash @y", 5); err == nil {
		t.Fatal("@y defined by a failed let")
	}
	p.Define("y")
	if _, err := p.ParseLine("crash @y", 6); err != nil {
		t.Fatalf("after Define: %v", err)
	}
}

func TestParseStopsAtFirstError(t *testing.T) {
	_, err := Parse("heal\ncrash 9\nfoo\n", 5)
	if err == nil || !strings.HasPrefix(err.Error(), "line 2: column 7: ") {
		t.Fatalf("Parse: %v, want the error of line 2", err)
	}
}

func TestWaitTimeout(t *testing.T) {
	c, _ := ParseLine("wait leader", 1, 5)
	if got := c.WaitTimeout(); got != DefaultWaitTimeout {
		t.Errorf("WaitTimeout() = %v, want %v", got, DefaultWaitTimeout)
	}
	c, _ = ParseLine("wait converged 3s", 1, 5)
	if got := c.WaitTimeout(); got != 3*time.Second {
		t.Errorf("WaitTimeout() = %v, want 3s", got)
	}
}

// A script saved with a byte order mark (some Windows editors) parses as
// without one; a mark anywhere else is still an error.
func TestParseSkipsByteOrderMark(t *testing.T) {
	cmds, err := Parse("\ufeffwait leader\r\nput x 1\r\n", 5)
	if err != nil || len(cmds) != 2 || cmds[0].Verb != VerbWait {
		t.Fatalf("Parse with a BOM: %v, %+v", err, cmds)
	}
	if _, err := Parse("wait leader\n\ufeffput x 1\n", 5); err == nil {
		t.Errorf("a BOM on line 2 parsed")
	}
}

// TestParseRefusesReplayCommands: seek, find and fork work only in a
// replay; a script, which runs on a live cluster, is refused at parse time,
// each line named.
func TestParseRefusesReplayCommands(t *testing.T) {
	_, err := Parse("put a 1\nseek 2s\n\tfind \"x\"\nfork\n", 3)
	var errs *ParseErrors
	if !errors.As(err, &errs) || errs.Total != 3 {
		t.Fatalf("got %v, want three parse errors", err)
	}
	for i, want := range []string{"line 2: column 1: seek works only", "line 3: column 2: find works only", "line 4: column 1: fork works only"} {
		if !strings.HasPrefix(errs.Errs[i].Error(), want) {
			t.Errorf("error %d: %q, want %q...", i, errs.Errs[i], want)
		}
	}
	// The prompt's parser takes them: replay answers them.
	if _, err := NewParser(3).ParseLine("seek 2s", 1); err != nil {
		t.Errorf("ParseLine: %v", err)
	}
}

// TestGluedHash: a '#' right after a word starts the comment, as the
// contract says, and the command remembers where (GluedNote), so that the
// prompt and scripts can say what was read; a parse error the '#' caused
// says so.
func TestGluedHash(t *testing.T) {
	p := NewParser(3)
	for _, tc := range []struct {
		line  string
		glued int
		text  string
	}{
		{"get a#b", 6, "get a"},
		{"put k v# note", 8, "put k v"},
		{"get a # note", 0, "get a"},
		{`get "a#b"`, 0, `get "a#b"`},
		{"get ☃#b", 6, "get ☃"},
	} {
		c, err := p.ParseLine(tc.line, 1)
		if err != nil || c.GluedHash != tc.glued || c.Text != tc.text {
			t.Errorf("%q: %+v, %v; want glued %d, text %q", tc.line, c, err, tc.glued, tc.text)
		}
		if (c.GluedNote() != "") != (tc.glued > 0) {
			t.Errorf("%q: note %q", tc.line, c.GluedNote())
		}
	}
	_, err := p.ParseLine("put a#b", 1)
	if err == nil || !strings.Contains(err.Error(), "missing VALUE") || !strings.Contains(err.Error(), "the '#' at column 6 starts a comment") {
		t.Errorf("put a#b: %v", err)
	}
}

// A wait with no TIMEOUT waits the default, or WaitScale election
// timeouts of a slower cluster; a TIMEOUT given is kept.
func TestWaitTimeoutScalesWithElections(t *testing.T) {
	p := NewParser(3)
	bare, _ := p.ParseLine("wait leader", 1)
	given, _ := p.ParseLine("wait leader 2s", 1)
	for _, tc := range []struct {
		cmd  *Command
		max  time.Duration
		want time.Duration
	}{
		{bare, 300 * time.Millisecond, DefaultWaitTimeout},
		{bare, 13 * time.Second, 65 * time.Second},
		{given, 13 * time.Second, 2 * time.Second},
	} {
		if got := waitTimeout(tc.cmd, cluster.Timing{ElectionMax: tc.max}); got != tc.want {
			t.Errorf("%q with elections up to %v: %v, want %v", tc.cmd.Text, tc.max, got, tc.want)
		}
	}
}

func TestWhereTheyDiffer(t *testing.T) {
	a := []byte(strings.Repeat("a", 100))
	b := append([]byte(strings.Repeat("a", 70)), []byte(strings.Repeat("b", 30))...)
	for _, tc := range []struct {
		want, got []byte
		say       string
	}{
		{a, b, "they differ first at byte 70 (want 0x61, got 0x62); want 100 bytes, got 100"},
		{a, a[:60], "the value read ends at byte 60, where the one expected goes on; want 100 bytes, got 60"},
		{a[:60], a, "the value read goes on past byte 60, where the one expected ends; want 60 bytes, got 100"},
	} {
		if got := whereTheyDiffer(tc.want, tc.got); got != tc.say {
			t.Errorf("%q", got)
		}
	}
}

// An unknown word in a script is not offered a replay's command: foo was
// "did you mean fork?" (a CI user); at the prompt, which a replay shares,
// it still is.
func TestScriptSuggestsNoReplayCommand(t *testing.T) {
	_, err := Parse("foo\n", 3)
	if err == nil || strings.Contains(err.Error(), "fork") {
		t.Errorf("script: %v", err)
	}
	_, err = NewParser(3).ParseLine("foo", 1)
	if err == nil || !strings.Contains(err.Error(), `did you mean "fork"?`) {
		t.Errorf("prompt: %v", err)
	}
}
