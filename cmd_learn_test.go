package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"raftplay/commands"
	"raftplay/lessons"
)

// TestLessons runs every embedded lesson headless against a real cluster,
// as `raftplay learn --headless N` does: each must pass its own checks,
// and print its narration set apart.
func TestLessons(t *testing.T) {
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		t.Run(fmt.Sprintf("%02d-%s", l.Number, l.Name), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out, errs bytes.Buffer
			err := run(ctx, []string{"learn", "--headless", strconv.Itoa(l.Number)}, nil, &out, &errs)
			if err != nil {
				t.Fatalf("%v\nstderr:\n%s\nstdout:\n%s", err, errs.String(), out.String())
			}
			says := strings.Count(l.Source, "\nsay ")
			if got := strings.Count(out.String(), "\n"+commands.NarrationMark); got != says {
				t.Errorf("printed %d narrations, the lesson has %d say lines:\n%s", got, says, out.String())
			}
			if strings.Contains(out.String(), "> say") || strings.Contains(out.String(), "> wait key") {
				t.Errorf("headless output echoes say or wait key:\n%s", out.String())
			}
			if want := fmt.Sprintf("Lesson %d: %s\n%s\n(Headless: the lesson does not wait for keys", l.Number, l.Title, l.About); !strings.HasPrefix(out.String(), want) {
				t.Errorf("output does not start with the lesson's title and what stands for the dashboard:\n%s", out.String())
			}
		})
	}
}

// TestLessonsAreLessons: the lessons are numbered 1..N without gaps, each
// has a title and a line about it, flags that parse, narration, a pause
// for the learner, and checks, and ends checking safety (or, when a
// violation is its point, that there was one).
func TestLessonsAreLessons(t *testing.T) {
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 11 {
		t.Fatalf("%d lessons, want 11", len(all))
	}
	for i, l := range all {
		if l.Number != i+1 {
			t.Errorf("lesson %d (%s): want number %d", l.Number, l.Name, i+1)
		}
		fs, _, _, _ := learnFlagSet(&bytes.Buffer{})
		if err := parseFlags(fs, l.Flags); err != nil || fs.NArg() > 0 {
			t.Errorf("%s: flags %q: %v", l.ID(), l.Flags, err)
		}
		for _, want := range []string{"\nsay ", "\nwait key", "\nexpect "} {
			if !strings.Contains(l.Source, want) {
				t.Errorf("%s has no %q line", l.ID(), strings.TrimSpace(want))
			}
		}
		if !strings.Contains(l.Source, "\nexpect safe\n") && !strings.Contains(l.Source, "\nexpect violation\n") {
			t.Errorf("%s checks neither safety nor a violation", l.ID())
		}
		if len([]rune(l.Title)) > 75 || len([]rune(l.About)) > 75 {
			t.Errorf("%s: title or about longer than 75 characters: the list indents them by 5", l.ID())
		}
	}
	for _, name := range []string{"3", "03", all[2].Name, fmt.Sprintf("03-%s", all[2].Name), fmt.Sprintf("03-%s.txt", all[2].Name)} {
		if l, ok := lessons.Find(name); !ok || l.Number != 3 {
			t.Errorf("Find(%q) = %d, %v; want lesson 3", name, l.Number, ok)
		}
	}
	for _, name := range []string{"0", "99", "", "roles", "-1"} {
		if l, ok := lessons.Find(name); ok {
			t.Errorf("Find(%q) found lesson %d", name, l.Number)
		}
	}
}

// TestLearnList: `raftplay learn` lists every lesson with its number,
// title and line, and says how to start one.
func TestLearnList(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"learn"}, nil, &out, &errs); err != nil {
		t.Fatal(err)
	}
	all, _ := lessons.All()
	for _, l := range all {
		if want := fmt.Sprintf("%3d  %s: %s\n     %s\n", l.Number, l.Name, l.Title, l.About); !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"raftplay learn N", "raftplay learn --headless N"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list does not say %q:\n%s", want, out.String())
		}
	}
	if errs.Len() != 0 {
		t.Errorf("stderr: %s", errs.String())
	}
}

// TestLearnBadInput: an unknown lesson, extra arguments, a bad flag and
// the dashboard without a terminal are usage errors (exit 2) that say what
// to do; nothing starts.
func TestLearnBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"learn", "42"}, `learn: no lesson "42" (want a number 1 to 11 or a name: roles-and-terms, `},
		{[]string{"learn", "42"}, ", partition-minority, "},
		{[]string{"learn", "-1"}, `learn: no lesson "-1" (want a number 1 to 11 or a name: `},
		{[]string{"learn", "--headless", "-3"}, `learn: no lesson "-3"`},
		{[]string{"learn", "1", "-1"}, `learn: one lesson at a time, got also "-1"`},
		{[]string{"learn", "--headless", "elections"}, `learn: no lesson "elections"`},
		{[]string{"learn", "figure8"}, `learn: no lesson "figure8" (did you mean "figure-8"?) (want`},
		{[]string{"learn", "1", "2"}, `learn: one lesson at a time, got also "2"`},
		{[]string{"learn", "--bogus", "1"}, "learn: unknown flag --bogus"},
		{[]string{"learn", "--nodes", "0", "--headless", "1"}, "--nodes 0: want 1 to 9"},
		{[]string{"learn", "1"}, "the dashboard needs a terminal; `raftplay learn --headless 1` runs the lesson without it"},
		{[]string{"learn", "--headless", "1", "--nodes", "1"}, "--nodes 1: lesson 1 (roles-and-terms) runs on 3 nodes (it brings --nodes 3)"},
		{[]string{"learn", "--nodes", "4", "partition-minority"}, "--nodes 4: lesson 5 (partition-minority) runs on 5 nodes (it brings --nodes 5)"},
		// More nodes, or an extension the lesson runs without: it narrated
		// "two of three, a majority" on five nodes, then failed a check.
		{[]string{"learn", "--headless", "--nodes", "5", "3"}, "--nodes 5: lesson 3 (replication-and-commit) runs on 3 nodes (it brings --nodes 3): its lines name nodes and count majorities of that size"},
		{[]string{"learn", "--headless", "--checkquorum", "5"}, "--checkquorum: lesson 5 (partition-minority) runs with CheckQuorum off"},
		{[]string{"learn", "--headless", "6", "--checkquorum"}, "--checkquorum: lesson 6 (stale-leader) runs with CheckQuorum off"},
		{[]string{"learn", "--headless", "--prevote", "2"}, "--prevote: lesson 2 (an-election) runs with PreVote off"},
		{[]string{"learn", "--headless", "--prevote=false", "3"}, "--prevote: lesson 3 (replication-and-commit) runs with PreVote on"},
		{[]string{"learn", "--headless", "--snapshot-every", "5", "8"}, "--snapshot-every 5: lesson 8 (snapshots) takes its snapshots itself"},
	} {
		var out, errs bytes.Buffer
		err := run(context.Background(), tc.args, nil, &out, &errs)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: exit %d, %v; want exit 2 and %q", tc.args, exitCode(err), err, tc.want)
		}
	}
}

// TestLearnFlags: flags on the command line come after the lesson's, so
// they win; headless, the timing is the script's unless given, and in the
// dashboard the dashboard's.
func TestLearnFlags(t *testing.T) {
	for _, tc := range []struct {
		args                []string
		nodes               int
		heartbeat, election string
		prevote, headless   bool
	}{
		{[]string{"1"}, 3, "100ms", "1s-2s", false, false},
		{[]string{"--headless", "1"}, 3, "15ms", "150ms-300ms", false, true},
		{[]string{"1", "--headless", "--nodes", "3"}, 3, "15ms", "150ms-300ms", false, true},
		{[]string{"--headless", "--prevote", "3"}, 3, "15ms", "150ms-300ms", true, true},
		{[]string{"--headless", "--election", "1s-2s", "roles-and-terms"}, 3, "100ms", "1s-2s", false, true},
		{[]string{"3"}, 3, "100ms", "1s-2s", true, false},
	} {
		lc, err := parseLearn(tc.args, &bytes.Buffer{})
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		cf := lc.cf
		if cf.nodes != tc.nodes || cf.heartbeat.String() != tc.heartbeat || cf.election.String() != tc.election || cf.prevote != tc.prevote || lc.headless != tc.headless {
			t.Errorf("%v: nodes %d heartbeat %v election %s prevote %v headless %v; want %d %s %s %v %v", tc.args,
				cf.nodes, cf.heartbeat, cf.election.String(), cf.prevote, lc.headless, tc.nodes, tc.heartbeat, tc.election, tc.prevote, tc.headless)
		}
	}
}

// TestLearnDashboard: `raftplay learn 2` opens the dashboard over a
// 3-node cluster and plays the lesson (it freezes the cluster before its
// first pause for a key); q quits with status 0 and leaves nothing in
// TMPDIR.
func TestLearnDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	tmp := t.TempDir()
	bin := raftplayBinary(t)
	var stderr lockedBuffer
	cmd, ptmx, scr := startDashboardStderr(t, bin, tmp, &stderr, "learn", "2", "--pace", "10ms", "--heartbeat", "30ms", "--election", "300ms-600ms")
	scr.waitScreen(t, "the lesson to freeze the cluster", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "3 nodes") && strings.Contains(s, "FROZEN")
	})
	io.WriteString(ptmx, "q")
	if code := waitExit(t, cmd, scr, 20*time.Second); code != 0 {
		t.Fatalf("exit status %d, want 0; stderr %q", code, stderr.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// A lesson starts a new cluster: a --data directory that holds one is
// refused (exit 2), and left as it was. On a 5-node directory lesson 3 ran
// on five nodes, narrated three, and failed; lesson 10 added a node to the
// user's cluster.
func TestLearnRefusesADataDirectoryThatHoldsACluster(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, errs := runCLI(t, "wait leader\n", "script", "--nodes", "3", "--data", data, "-"); code != 0 {
		t.Fatal(errs)
	}
	before, _ := os.ReadDir(filepath.Join(data, "node-1"))
	code, _, errs := runCLI(t, "", "learn", "--headless", "--data", data, "10")
	if want := "holds a cluster of 3 nodes: lesson 10 (membership) starts a new cluster"; code != 2 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, want 2 and %q:\n%s", code, want, errs)
	}
	if after, _ := os.ReadDir(filepath.Join(data, "node-1")); len(after) != len(before) {
		t.Errorf("node-1 held %d files, now %d", len(before), len(after))
	}
	if _, err := os.Stat(filepath.Join(data, "node-4")); err == nil {
		t.Errorf("the refused lesson added node 4")
	}
	// A new directory is fine (the lesson's first run makes it).
	fresh := filepath.Join(t.TempDir(), "new")
	if code, _, errs := runCLI(t, "", "learn", "--headless", "--pace", "0", "--data", fresh, "1"); code != 0 {
		t.Errorf("lesson 1 on a new --data: exit %d\n%s", code, errs)
	}
}
