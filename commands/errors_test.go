package commands

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// errorCases are lines that must not parse with nodes=5, and their exact error.
var errorCases = []struct{ line, want string }{
	// lexing
	{`put k "unterminated`, `line 1: column 7: unterminated quoted string`},
	{`put k "bad \q escape"`, `line 1: column 7: bad quoted string "bad \q escape" (want Go escapes like \" or \n)`},
	{`put k "ab"cd`, `line 1: column 11: want a space after a closing quote`},
	{`put k ab"cd"`, `line 1: column 9: unexpected '"' inside a word (quote the whole word)`},
	{"put k v\nput x y", `line 1: column 8: line break inside a command`},
	{"put a\tb v", `line 1: column 9: put: unexpected "v" (want put KEY VALUE); a tab or carriage return separates words as a space does: quote a key or value that holds one, "a\tb"`},
	{"put a b v", `line 1: column 9: put: unexpected "v" (want put KEY VALUE)`},
	// wait term, wait role
	{`wait term 2 => 3`, `line 1: column 13: wait: unknown comparison "=>" (want ==, !=, >=, <=, >, <)`},
	{`wait role 2 boss`, `line 1: column 13: wait: unknown role "boss" (want leader, follower, candidate, pre-candidate, down or learner)`},
	// propose
	{`propose 9 k v`, `line 1: column 9: propose: node 9 out of range (want a node number 1..5)`},
	{`propose 1 k`, `line 1: column 12: propose: missing VALUE (want propose N KEY VALUE [TIMEOUT])`},
	{`propose 1 k v soon`, `line 1: column 15: propose: bad timeout "soon" (want a duration like 150ms or 2s)`},
	// membership
	{`add 10`, `line 1: column 5: add: node 10 out of range (want 1..9)`},
	{`add leader`, `line 1: column 5: add: leader is a member already; add starts a new node: N, a free id, or @NAME, a removed node's id`},
	{`add 4 soon`, `line 1: column 7: add: bad timeout "soon" (want a duration like 150ms or 2s)`},
	{`remove`, `line 1: column 7: remove: missing node (want remove N)`},
	{`promote 7`, `line 1: column 9: promote: node 7 out of range (want a node number 1..5)`},
	{`transfer 1 2`, `line 1: column 12: transfer: unexpected "2" (want transfer [N])`},
	{`expect config == 1,,2`, `line 1: column 18: expect: bad voter list "1,,2" (want node numbers 1..9 joined by commas, e.g. 1,2,3)`},
	{`expect config == 1,2,1`, `line 1: column 18: expect: node 1 listed twice in "1,2,1"`},
	{`expect config >= 1,2`, `line 1: column 15: expect: unknown comparison ">=" (want ==, !=)`},
	// disk faults
	{`corrupt 2 middle`, `line 1: column 11: corrupt: unknown part "middle" (want segment, snapshot or tail)`},
	{`powerfail`, `line 1: column 10: powerfail: missing node (want powerfail N)`},
	{`set disk-delay 1 90s`, `line 1: column 18: set: disk delay 1m30s is too long (want 0 to 1m0s)`},
	{`set disk-delay 1 -5ms`, `line 1: column 18: set: disk delay -5ms is negative`},
	{`set disk-full 1 maybe`, `line 1: column 17: set: unknown value "maybe" (want on or off)`},
	{`set unsafe-skip-fsync 9 on`, `line 1: column 23: set: node 9 out of range (want a node number 1..5)`},
	// step mode
	{`deliver 1 1`, `line 1: column 11: deliver: link from 1 to itself (want two different nodes)`},
	{`deliver 1 2 votes`, `line 1: column 13: deliver: unknown message kind "votes" (did you mean "vote"?) (want vote, prevote, vote-resp, prevote-resp, app, app-resp, heartbeat, heartbeat-resp, snap, read, read-resp or timeout-now)`},
	{`discard 1`, `line 1: column 10: discard: missing TO node (want discard FROM TO [KIND])`},
	{`tick 1 0`, `line 1: column 8: tick: bad tick count "0" (want 1..100000)`},
	{`timeout`, `line 1: column 8: timeout: missing node (want timeout N)`},
	{`trace maybe`, `line 1: column 7: trace: unknown value "maybe" (want on or off)`},
	{`messages lots`, `line 1: column 10: messages: unexpected "lots" (want a COUNT and/or all)`},
	{`freeze now`, `line 1: column 8: freeze: unexpected "now" (want freeze)`},
	// sizes
	{"put " + strings.Repeat("k", 65537) + " v", `line 1: column 5: put: key of 65537 bytes (want at most 65536)`},
	{"put k " + strings.Repeat("v", 1<<20+1), `line 1: column 7: put: value of 1048577 bytes (want at most 1048576, 1 MiB, as the HTTP API)`},
	// explain
	{`explain commit 0`, `line 1: column 16: explain: index 0 is no entry (indexes start at 1; leave it out for the lowest uncommitted one)`},
	// Not ">= 0": 0 is then refused (a new user's finding).
	{`explain commit -1`, `line 1: column 16: explain: bad index "-1" (want a whole number >= 1)`},
	{`explain everything`, `line 1: column 9: explain: explain what? "everything" is not commit, vote, log or a node (want explain commit [I], explain N, explain vote N or explain log N)`},
	{`explain 9`, `line 1: column 9: explain: node 9 out of range (want a node number 1..5)`},
	{`explain vote`, `line 1: column 13: explain: missing node (want explain vote N)`},
	// unknown verbs
	{`crsh 1`, `line 1: column 1: unknown command "crsh" (did you mean "crash"?)`},
	{`  stauts`, `line 1: column 3: unknown command "stauts" (did you mean "status"?)`},
	{`PUT k v`, `line 1: column 1: unknown command "PUT" (did you mean "put"?)`},
	{`part 1 2`, `line 1: column 1: unknown command "part" (did you mean "partition"?)`},
	{`xyzzy`, `line 1: column 1: unknown command "xyzzy"`},
	{`"put" k v`, `line 1: column 1: command word "put" must not be quoted`},
	// client operations
	{`put`, `line 1: column 4: put: missing KEY (want put KEY VALUE)`},
	{`put k`, `line 1: column 6: put: missing VALUE (want put KEY VALUE)`},
	{`put k v w`, `line 1: column 9: put: unexpected "w" (want put KEY VALUE)`},
	{`put "" v`, `line 1: column 5: put: empty key (want a non-empty KEY)`},
	{`get`, `line 1: column 4: get: missing KEY (want get KEY)`},
	{`get a b`, `line 1: column 7: get: unexpected "b" (want get KEY)`},
	{`del`, `line 1: column 4: del: missing KEY (want del KEY)`},
	{`load`, `line 1: column 5: load: missing RATE (want load RATE)`},
	{`load 0`, `line 1: column 6: load: bad rate "0" (want writes per second 1..1000000, or off)`},
	{`load -5`, `line 1: column 6: load: bad rate "-5" (want writes per second 1..1000000, or off)`},
	{`load fast`, `line 1: column 6: load: bad rate "fast" (want writes per second 1..1000000, or off)`},
	{`load 2000000`, `line 1: column 6: load: bad rate "2000000" (want writes per second 1..1000000, or off)`},
	{`load off now`, `line 1: column 10: load: unexpected "now" (want load RATE)`},
	// faults
	{`crash`, `line 1: column 6: crash: missing node (want crash N)`},
	{`crash 6`, `line 1: column 7: crash: node 6 out of range (want a node number 1..5)`},
	{`crash 0`, `line 1: column 7: crash: node 0 out of range (want a node number 1..5)`},
	{`crash 99999999999999999999`, `line 1: column 7: crash: node 99999999999999999999 out of range (want a node number 1..5)`},
	{`crash -1`, `line 1: column 7: crash: bad node "-1" (want a node number 1..5, leader, follower or @NAME)`},
	{`crash lead`, `line 1: column 7: crash: bad node "lead" (want a node number 1..5, leader, follower or @NAME)`},
	{`crash 1 2`, `line 1: column 9: crash: unexpected "2" (want crash N)`},
	{`crash @`, `line 1: column 7: crash: bad name "@" (want @ then a letter or _, then letters, digits, _ or -)`},
	{`crash @1x`, `line 1: column 7: crash: bad name "@1x" (want @ then a letter or _, then letters, digits, _ or -)`},
	{`restart`, `line 1: column 8: restart: missing node (want restart N)`},
	{`pause x`, `line 1: column 7: pause: bad node "x" (want a node number 1..5, leader, follower or @NAME)`},
	{`resume 7`, `line 1: column 8: resume: node 7 out of range (want a node number 1..5)`},
	{`isolate`, `line 1: column 8: isolate: missing node (want isolate N)`},
	{`snapshot 1 now`, `line 1: column 12: snapshot: unexpected "now" (want snapshot N)`},
	{`heal 1`, `line 1: column 7: heal: missing TO node (want heal FROM TO)`},
	{`partition`, `line 1: column 10: partition: missing group (want partition A B [C...])`},
	{`partition 1,2 3,,4`, `line 1: column 17: partition: empty node in group "3,,4" (want nodes separated by commas, like 1,2)`},
	{`partition 1,2,`, `line 1: column 15: partition: empty node in group "1,2," (want nodes separated by commas, like 1,2)`},
	{`partition 1,2 3,2`, `line 1: column 17: partition: node 2 is named twice (want each node in at most one group)`},
	{`partition leader,1 leader`, `line 1: column 20: partition: node leader is named twice (want each node in at most one group)`},
	{`partition 1,2 3,9`, `line 1: column 17: partition: node 9 out of range (want a node number 1..5)`},
	{`drop`, `line 1: column 5: drop: missing PCT (want drop PCT [FROM TO])`},
	{`drop 101`, `line 1: column 6: drop: percentage 101 is over 100 (want 0..100)`},
	{`drop -1`, `line 1: column 6: drop: bad percentage "-1" (want a number 0..100, like 10 or 2.5)`},
	{`drop NaN`, `line 1: column 6: drop: bad percentage "NaN" (want a number 0..100, like 10 or 2.5)`},
	{`drop 1e2`, `line 1: column 6: drop: bad percentage "1e2" (want a number 0..100, like 10 or 2.5)`},
	{`drop 10 1`, `line 1: column 10: drop: missing TO node (want drop PCT [FROM TO])`},
	{`drop 10 1 1`, `line 1: column 11: drop: link from 1 to itself (want two different nodes)`},
	{`drop 10 1 6`, `line 1: column 11: drop: node 6 out of range (want a node number 1..5)`},
	{`drop 10 1 2 3`, `line 1: column 13: drop: unexpected "3" (want drop PCT [FROM TO])`},
	{`delay`, `line 1: column 6: delay: missing delay (want delay D [JITTER] [FROM TO])`},
	{`delay 10`, `line 1: column 7: delay: bad delay "10" (want a duration like 150ms or 2s)`},
	{`delay -5ms`, `line 1: column 7: delay: delay -5ms is negative`},
	{`delay 2h`, `line 1: column 7: delay: delay 2h is too long (max 1h0m0s)`},
	{`delay 10ms 1`, `line 1: column 12: delay: bad jitter "1" (want a duration like 5ms, or FROM TO for one link)`},
	{`delay 10ms 5ms 1`, `line 1: column 17: delay: missing TO node (want delay D [JITTER] [FROM TO])`},
	{`delay 10ms -1ms 1 2`, `line 1: column 12: delay: jitter -1ms is negative`},
	{`delay 10ms 1 2 3`, `line 1: column 16: delay: unexpected "3" (want delay D [JITTER] [FROM TO])`},
	{`delay 10ms x y`, `line 1: column 12: delay: bad node "x" (want a node number 1..5, leader, follower or @NAME)`},
	{`cut 1`, `line 1: column 6: cut: missing TO node (want cut FROM TO)`},
	{`cut leader leader`, `line 1: column 12: cut: link from leader to itself (want two different nodes)`},
	{`cut 1 2 3`, `line 1: column 9: cut: unexpected "3" (want cut FROM TO)`},
	// waiting and checking
	{`wait`, `line 1: column 5: wait: missing condition (want wait leader [TIMEOUT])`},
	{`wait leadr`, `line 1: column 6: wait: unknown condition "leadr" (did you mean "leader"?) (want leader, commit, converged, settled, term, role, config, violation or key)`},
	{`wait leader 0s`, `line 1: column 13: wait: timeout 0s must be positive`},
	{`wait leader soon`, `line 1: column 13: wait: bad timeout "soon" (want a duration like 150ms or 2s)`},
	{`wait leader 1s 2s`, `line 1: column 16: wait: unexpected "2s" (want wait leader [TIMEOUT])`},
	{`wait commit`, `line 1: column 12: wait: missing index (want wait commit I [TIMEOUT])`},
	{`wait commit -1`, `line 1: column 13: wait: bad index "-1" (want a whole number >= 0)`},
	{`wait commit +1`, `line 1: column 13: wait: bad index "+1" (want a whole number >= 0)`},
	{`wait converged 5`, `line 1: column 16: wait: bad timeout "5" (want a duration like 150ms or 2s)`},
	{`sleep`, `line 1: column 6: sleep: missing duration (want sleep D)`},
	{`sleep 1x`, `line 1: column 7: sleep: bad duration "1x" (want a duration like 150ms or 2s)`},
	{`expect`, `line 1: column 7: expect: missing check (want expect leader == N)`},
	{`expect leeder == 1`, `line 1: column 8: expect: unknown check "leeder" (did you mean "leader"?) (want leader, role, term, commit, last, applied, snapshot, get, safe, config or violation)`},
	{`expect leader`, `line 1: column 14: expect: missing comparison (want expect leader ==|!= N, or expect leader none)`},
	{`expect leader >= 1`, `line 1: column 15: expect: comparison ">=" does not apply to the leader (want == or !=, or none)`},
	{`expect leader = 1`, `line 1: column 15: expect: unknown comparison "=" (want ==, !=)`},
	{`expect leader == 8`, `line 1: column 18: expect: node 8 out of range (want a node number 1..5)`},
	{`expect leader none 1`, `line 1: column 20: expect: unexpected "1" (want expect leader ==|!= N, or expect leader none)`},
	{`expect role 1`, `line 1: column 14: expect: missing role (want expect role N ROLE)`},
	{`expect role 1 boss`, `line 1: column 15: expect: unknown role "boss" (want leader, follower, candidate, pre-candidate, down or learner)`},
	{`expect role 1 folower`, `line 1: column 15: expect: unknown role "folower" (did you mean "follower"?) (want leader, follower, candidate, pre-candidate, down or learner)`},
	{`expect term 3 => 4`, `line 1: column 15: expect: unknown comparison "=>" (want ==, !=, >=, <=, >, <)`},
	{`expect term 3 >=4`, `line 1: column 15: expect: unknown comparison ">=4" (want ==, !=, >=, <=, >, <)`},
	{`expect term 3 >=`, `line 1: column 17: expect: missing term (want expect term N CMP T)`},
	{`expect term 3 >= x`, `line 1: column 18: expect: bad term "x" (want a whole number >= 0)`},
	{`expect term 3 >= 18446744073709551616`, `line 1: column 18: expect: term 18446744073709551616 is too large (want a whole number up to 18446744073709551615)`},
	{`wait commit 99999999999999999999999`, `line 1: column 13: wait: index 99999999999999999999999 is too large (want a whole number up to 18446744073709551615)`},
	{`expect commit 9 >= 1`, `line 1: column 15: expect: node 9 out of range (want a node number 1..5)`},
	{`expect commit 1 >= 1 2`, `line 1: column 22: expect: unexpected "2" (want expect commit N CMP I)`},
	{`expect get`, `line 1: column 11: expect: missing KEY (want expect get KEY ==|!= VALUE, or expect get KEY (nil))`},
	{`expect get k`, `line 1: column 13: expect: missing comparison (want expect get KEY ==|!= VALUE, or expect get KEY (nil))`},
	{`expect get k v`, `line 1: column 14: expect: unknown comparison "v" (want ==, !=)`},
	{`expect get k ==`, `line 1: column 16: expect: missing VALUE (want expect get KEY ==|!= VALUE, or expect get KEY (nil))`},
	{`expect get k (nil) x`, `line 1: column 20: expect: unexpected "x" (want expect get KEY ==|!= VALUE, or expect get KEY (nil))`},
	{`expect safe now`, `line 1: column 13: expect: unexpected "now" (want expect safe)`},
	// cluster and display
	{`status 1`, `line 1: column 8: status: unexpected "1" (want status)`},
	{`set`, `line 1: column 4: set: missing setting (want set heartbeat D)`},
	{`set speed 2`, `line 1: column 5: set: unknown setting "speed" (want heartbeat, election, prevote, checkquorum, snapshot-every, disk-delay, disk-full or unsafe-skip-fsync)`},
	{`set heartbeat`, `line 1: column 14: set: missing heartbeat (want set heartbeat D)`},
	{`set heartbeat 0s`, `line 1: column 15: set: heartbeat 0s must be positive`},
	{`set heartbeat 50`, `line 1: column 15: set: bad heartbeat "50" (want a duration like 150ms or 2s)`},
	{`set election 300ms-150ms`, `line 1: column 14: set: bad range "300ms-150ms": MIN must not be more than MAX (like 150ms-300ms, or 150ms-150ms for no randomness)`},
	{`set election 150ms-0s`, `line 1: column 20: set: maximum 0s must be positive`},
	{`set election 150ms-2h`, `line 1: column 20: set: maximum 2h is too long (max 1h0m0s)`},
	{`set election 150ms`, `line 1: column 14: set: bad range "150ms" (want MIN-MAX, like 150ms-300ms)`},
	{`set election 150ms-`, `line 1: column 14: set: bad range "150ms-" (want MIN-MAX, like 150ms-300ms)`},
	{`set election -150ms-300ms`, `line 1: column 14: set: bad range "-150ms-300ms" (want MIN-MAX, like 150ms-300ms)`},
	{`set election 150ms-3x`, `line 1: column 20: set: bad maximum "3x" (want a duration like 150ms or 2s)`},
	{`set election 0s-3s`, `line 1: column 14: set: minimum 0s must be positive`},
	{`set election 150ms 300ms`, `line 1: column 14: set: bad range "150ms" (want MIN-MAX, like 150ms-300ms)`},
	{`set prevote yes`, `line 1: column 13: set: unknown value "yes" (want on or off)`},
	{`set checkquorum`, `line 1: column 16: set: missing value (want set checkquorum on|off)`},
	{`set snapshot-every -1`, `line 1: column 20: set: bad entry count "-1" (want a whole number >= 0)`},
	{`set snapshot-every 10 20`, `line 1: column 23: set: unexpected "20" (want set snapshot-every N)`},
	{`let`, `line 1: column 4: let: missing NAME (want let NAME = NODE)`},
	{`let old leader`, `line 1: column 9: let: want "=" after the name, not "leader" (want let NAME = NODE)`},
	{`let old =`, `line 1: column 10: let: missing node (want let NAME = NODE)`},
	{`let 1x = 2`, `line 1: column 5: let: bad name "1x" (want a letter or _, then letters, digits, _ or -)`},
	{`let old = candidate`, `line 1: column 11: let: bad node "candidate" (want a node number 1..5, leader, follower or @NAME)`},
	{`let old = 1 2`, `line 1: column 13: let: unexpected "2" (want let NAME = NODE)`},
	{`help crsh`, `line 1: column 6: help: unknown command "crsh" (did you mean "crash"?) (help lists them all)`},
	{`help put get`, `line 1: column 10: help: unexpected "get" (want help [COMMAND])`},
	// Shorter than the tick the nodes keep time with (a new user saw 1ns
	// accepted and shown while 1 ms ran).
	{`set heartbeat 10us`, `line 1: column 15: set: heartbeat 10µs is too short (min 1ms: the nodes keep time in ticks of 1 ms or more)`},
	{`set election 1ms-2ms`, `line 1: column 14: set: minimum 1ms is too short (min 2ms: the nodes keep time in ticks of 1 ms or more)`},
	// A duration too long for Go's is too long, not malformed.
	{`sleep 99999999999h`, `line 1: column 7: sleep: duration 99999999999h is too long (max 1h0m0s)`},
	{`set election 5ms-9999999999h`, `line 1: column 18: set: maximum 9999999999h is too long (max 1h0m0s)`},
	// A long word is cut short in the error (a 20 MB one came back whole).
	{strings.Repeat("x", 20000), `line 1: column 1: unknown command "` + strings.Repeat("x", 59) + `…" (20000 bytes)`},
	{"crash " + strings.Repeat("9", 5000), `line 1: column 7: crash: node ` + strings.Repeat("9", 60) + `… (5000 bytes) out of range (want a node number 1..5)`},
	{strings.Repeat("\x1b", 100), `line 1: column 1: unknown command "` + strings.Repeat(`\x1b`, 14) + `…" (400 bytes)`},
	{"é" + strings.Repeat("x", 200), `line 1: column 1: unknown command "é` + strings.Repeat("x", 57) + `…" (202 bytes)`},
}

func TestParseLineErrors(t *testing.T) {
	for _, tc := range errorCases {
		c, err := ParseLine(tc.line, 1, 5)
		if err == nil {
			t.Errorf("ParseLine(%q) = %+v, want error %s", tc.line, *c, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("ParseLine(%q)\n got %s\nwant %s", tc.line, err, tc.want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseLine(%q) error %T is not a *ParseError", tc.line, err)
		}
	}
}

func TestParseErrorsCarryLineNumber(t *testing.T) {
	for _, tc := range errorCases {
		if strings.Contains(tc.line, "\n") {
			continue
		}
		_, err := Parse("heal\n\n"+tc.line, 5)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 3 {
			t.Errorf("Parse(...%q): %v, want a ParseError on line 3", tc.line, err)
		}
	}
}

func TestSingleNodeRange(t *testing.T) {
	_, err := ParseLine("crash 2", 1, 1)
	want := `line 1: column 7: crash: node 2 out of range (want node 1 (the cluster has 1 node))`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestColumnsCountRunes(t *testing.T) {
	_, err := ParseLine(`put "clé" v 9`, 1, 5)
	want := `line 1: column 13: put: unexpected "9" (want put KEY VALUE)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

// TestParseElectionRange: the one rule for `set election` and --election is
// 0 < MIN <= MAX; errors point at the part at fault.
func TestParseElectionRange(t *testing.T) {
	ok := map[string][2]time.Duration{
		"150ms-300ms": {150 * time.Millisecond, 300 * time.Millisecond},
		"150ms-150ms": {150 * time.Millisecond, 150 * time.Millisecond},
		"1s-1s":       {time.Second, time.Second},
		"1s-1.5s":     {time.Second, 1500 * time.Millisecond},
	}
	for s, want := range ok {
		min, max, err := ParseElectionRange(s)
		if err != nil || min != want[0] || max != want[1] {
			t.Errorf("ParseElectionRange(%q) = %v, %v, %v; want %v", s, min, max, err, want)
		}
	}
	bad := []struct {
		s      string
		offset int
		msg    string
	}{
		{"soon", 0, `bad range "soon" (want MIN-MAX, like 150ms-300ms)`},
		{"-1s-2s", 0, `bad range "-1s-2s" (want MIN-MAX, like 150ms-300ms)`},
		{"1s-", 0, `bad range "1s-" (want MIN-MAX, like 150ms-300ms)`},
		{"x-2s", 0, `bad minimum "x" (want a duration like 150ms or 2s)`},
		{"1s-2x", 3, `bad maximum "2x" (want a duration like 150ms or 2s)`},
		{"0s-1s", 0, `minimum 0s must be positive`},
		{"300ms-150ms", 0, `bad range "300ms-150ms": MIN must not be more than MAX (like 150ms-300ms, or 150ms-150ms for no randomness)`},
		{"1s-2h", 3, `maximum 2h is too long (max 1h0m0s)`},
	}
	for _, tc := range bad {
		_, _, err := ParseElectionRange(tc.s)
		re, ok := err.(*RangeError)
		if !ok || re.Offset != tc.offset || re.Msg != tc.msg {
			t.Errorf("ParseElectionRange(%q) = %#v; want offset %d, %q", tc.s, err, tc.offset, tc.msg)
		}
	}
}

// A failure seen while a command runs cuts a long word in what it saw, as
// a parse error does (a 5000-byte key came back whole, twice).
func TestFailureCutsLongWords(t *testing.T) {
	f := &Failure{Line: 2, Cmd: "expect get kk… (4816 more bytes)", Msg: "get " + strings.Repeat("k", 5000) + " returned (nil)"}
	got := f.Error()
	if want := "line 2: expect get kk… (4816 more bytes): get " + strings.Repeat("k", 60) + "… (5000 bytes) returned (nil)"; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
