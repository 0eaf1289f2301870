package record

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
)

// minSleep is the shortest pause between commands that a script keeps.
const minSleep = 10 * time.Millisecond

// Flags returns the cluster flags that start a cluster like the recorded
// one: "--nodes 5 --heartbeat 50ms --election 150ms-300ms --seed 7".
func (o Options) Flags() string {
	f := []string{fmt.Sprintf("--nodes %d", max(o.Nodes, 1))}
	if t := o.Timing; t.Heartbeat > 0 {
		f = append(f, "--heartbeat "+t.Heartbeat.String(), fmt.Sprintf("--election %v-%v", t.ElectionMin, t.ElectionMax))
	}
	if o.Seed != 0 {
		f = append(f, fmt.Sprintf("--seed %d", o.Seed))
	}
	if o.PreVote {
		f = append(f, "--prevote")
	}
	if o.CheckQuorum {
		f = append(f, "--checkquorum")
	}
	if o.SnapshotEvery != 0 {
		f = append(f, fmt.Sprintf("--snapshot-every %d", o.SnapshotEvery))
	}
	return strings.Join(f, " ")
}

// Script writes the recorded commands as a script that `raftplay script`
// runs: a comment header saying how, then the commands in order with a
// sleep wherever time passed between them. Commands a script cannot or
// should not run again are kept as comments: those that failed in the
// recording (the script would stop there), record start|stop and save
// (they would write files: running the script would overwrite the saved
// session), and lines that no longer parse.
//
// A recording begun while the cluster ran (record start in the dashboard)
// starts from a state the script cannot rebuild: the header says what it
// was, and the load, if one ran, is turned on first. Script returns how
// many of the recorded commands it wrote to run (the others are comments).
func (rec *Recording) Script(w io.Writer, name string) (int, error) {
	bw := bufio.NewWriter(w)
	o := rec.Options
	fmt.Fprintf(bw, "# Commands recorded by raftplay on %s", rec.Start.UTC().Format("2006-01-02 15:04:05 UTC"))
	if o.Run != "" {
		fmt.Fprintf(bw, " (%s)", oneLine(o.Run))
	}
	fmt.Fprintf(bw, ", %d of them over %v.\n", len(rec.Commands), rec.Length.Round(time.Millisecond))
	// The flags line makes `raftplay script FILE` alone start a cluster
	// like the recorded one.
	bw.WriteString(commands.FlagsLine(o.Flags()))
	if len(rec.Commands) == 0 {
		no := rec.NoCommands()
		fmt.Fprintf(bw, "# %s%s.\n", strings.ToUpper(no[:1]), no[1:])
	} else {
		if len(rec.StartedFromFiles()) > 0 {
			fmt.Fprintf(bw, "# Run them against a cluster like the recorded one (add --data, see below):\n")
		} else {
			fmt.Fprintf(bw, "# Run them against a fresh cluster like the recorded one:\n")
		}
		fmt.Fprintf(bw, "#   raftplay script %s %s\n", o.Flags(), name)
		fmt.Fprintf(bw, "# or watch them in the dashboard:\n")
		fmt.Fprintf(bw, "#   raftplay --script %s --pace 0s %s\n", name, o.Flags())
	}
	if o.Seed == 0 {
		fmt.Fprintf(bw, "# The recorded cluster's seed was picked at random: elections may go differently.\n")
	}
	if rec.Stopped != nil {
		fmt.Fprintf(bw, "# The recording stops early: %s\n", oneLine(rec.Stopped.Error()))
	}
	runnable := 0
	if was, setup, missing := rec.startState(); was != "" {
		say := "The recording began with the cluster already running: " + was + "."
		if len(setup) > 0 {
			say += " Set up first, as far as a script can: " + strings.Join(setup, ", ") + "."
		}
		if len(missing) > 0 {
			say += " Not rebuilt: " + strings.Join(missing, ", ") + "; the commands below may not do what they did."
		}
		for _, l := range commands.WrapWords(say, 78) {
			fmt.Fprintf(bw, "# %s\n", l)
		}
		if len(setup) > 0 {
			fmt.Fprintf(bw, "wait leader\n%s\n", strings.Join(setup, "\n"))
		}
	}
	if from := rec.StartedFromFiles(); len(from) > 0 {
		say := "The recorded cluster started from the files of an earlier run (--data): " + strings.Join(from, "; ") +
			". A fresh cluster starts with empty logs: run the script with --data on a copy of those files, or the commands below may not do what they did."
		for _, l := range commands.WrapWords(say, 78) {
			fmt.Fprintf(bw, "# %s\n", l)
		}
	}
	p := commands.NewParser(max(o.Nodes, 1))
	var end time.Time
	var carried time.Duration // the pause at a wait key, written after it
	sleep := func(d time.Duration) {
		if d >= minSleep {
			fmt.Fprintf(bw, "sleep %v\n", d.Round(time.Millisecond))
		}
	}
	for i, c := range rec.Commands {
		// The time before the first command counts too: the recorded
		// cluster had been running that long (electing its first leader,
		// say), and a script that started at once failed where the
		// recording had not.
		gap := max(c.At.Sub(rec.Start), 0)
		if i > 0 {
			gap = max(c.At.Sub(end), 0)
		}
		end = c.At.Add(c.Took)
		text := oneLine(c.Text)
		cmd, err := p.ParseLine(text, i+1)
		// The dashboard runs a script's `wait key` once the key is
		// pressed: the pause before it is the wait, and goes after it.
		if err == nil && c.Err == "" && cmd != nil && cmd.Verb == commands.VerbWait && cmd.What == commands.WaitKey {
			sleep(carried)
			fmt.Fprintln(bw, text)
			runnable++
			carried = gap
			continue
		}
		sleep(carried + gap)
		carried = 0
		switch {
		case err != nil:
			fmt.Fprintf(bw, "# does not parse (%s): %s\n", oneLine(noLineNo(err.Error())), text)
		case cmd == nil:
		case cmd.Verb == commands.VerbRecord, cmd.Verb == commands.VerbSave:
			fmt.Fprintf(bw, "# %s\n", text)
		case c.Err != "":
			fmt.Fprintf(bw, "# failed in the recording (%s): %s\n", oneLine(noLineNo(c.Err)), text)
		default:
			fmt.Fprintln(bw, text)
			runnable++
		}
	}
	sleep(carried)
	return runnable, bw.Flush()
}

// StartSetup returns the commands a script of a recording begun while
// the cluster ran sets up first: its load, crashed and paused nodes, its
// partition, the freeze (nil for a recording of a cluster just started).
func (rec *Recording) StartSetup() []string {
	_, setup, _ := rec.startState()
	return setup
}

// startState describes what the cluster was doing when the recording
// began, if it was not a cluster just started ("" then): writes already
// acknowledged, a load running, nodes down or paused, step mode, faults;
// the commands that set up what a script can of that, in order (the freeze
// last, or its steps would wait for it), and what they do not.
func (rec *Recording) startState() (was string, setup, missing []string) {
	if rec.Frames() == 0 {
		return "", nil, nil
	}
	st := rec.Status(0)
	var parts []string
	if st.Written > 0 {
		parts = append(parts, fmt.Sprintf("%d writes acknowledged", st.Written))
	}
	if st.Load > 0 {
		parts = append(parts, fmt.Sprintf("load %d/s", st.Load))
		setup = append(setup, fmt.Sprintf("load %d", st.Load))
	}
	for _, n := range st.Nodes {
		if n.State == cluster.StateUp || n.State == "" {
			continue
		}
		parts = append(parts, fmt.Sprintf("node %d %s", n.ID, n.State))
		switch n.State {
		case cluster.StateCrashed:
			setup = append(setup, fmt.Sprintf("crash %d", n.ID))
		case cluster.StatePaused:
			setup = append(setup, fmt.Sprintf("pause %d", n.ID))
		default:
			missing = append(missing, fmt.Sprintf("node %d %s", n.ID, n.State))
		}
	}
	if g := st.Faults.Groups; len(g) > 0 {
		parts = append(parts, "a partition")
		words := make([]string, len(g))
		for i, grp := range g {
			ids := make([]string, len(grp))
			for k, id := range grp {
				ids[k] = fmt.Sprint(id)
			}
			words[i] = strings.Join(ids, ",")
		}
		setup = append(setup, "partition "+strings.Join(words, " ")) // one group: the unnamed nodes are the other
	}
	if len(st.Faults.Links) > 0 {
		parts = append(parts, "link faults")
		missing = append(missing, "the link faults")
	}
	if st.Frozen {
		parts = append(parts, "frozen")
		setup = append(setup, "freeze")
		// The messages held then are not rebuilt: a script's freeze holds
		// none, and its first step failed with "no message is held
		// anywhere" under a header that said only "frozen".
		held := 0
		for _, n := range st.Nodes {
			held += len(n.Held)
		}
		if held > 0 {
			msgs := fmt.Sprintf("%d messages held", held)
			if held == 1 {
				msgs = "1 message held"
			}
			parts = append(parts, msgs)
			missing = append(missing, "the "+msgs+" (a freeze holds none: a step below may find nothing to deliver)")
		}
	}
	return strings.Join(parts, ", "), setup, missing
}

// startedFrom matches the event a node that opened files holding a state
// adds as the cluster starts (cluster.New): "2 started from its files:
// term 1 (voted for 2), log to 4".
var startedFrom = regexp.MustCompile(`^\d+ started from its files: `)

// StartedFromFiles returns what each node's files held when the recorded
// cluster started, for a cluster started on a --data directory of an
// earlier run ("2 started from its files: term 1 (voted for 2), log to
// 4"); nil for one that started empty. A script of such a recording run
// on a fresh cluster finds none of it: its `expect get a == 1` failed, and
// the header said to run it against a fresh cluster.
func (rec *Recording) StartedFromFiles() []string {
	var from []string
	for _, e := range rec.Events {
		if e.Kind == cluster.EventSetting && startedFrom.MatchString(e.Text) {
			from = append(from, oneLine(e.Text))
		}
	}
	return from
}

// NoCommands says that a recording without commands gives none to
// replay, and why.
func (rec *Recording) NoCommands() string {
	if rec.Stopped != nil {
		return "the recording holds no commands before it stops, so there are none to replay"
	}
	return "the recording holds no commands, so there are none to replay (the faults of a chaos run or an experiment are not commands)"
}

// lineNo is the "line 1: " an error of a command typed at the prompt
// starts with (each is line 1 of its own input): in a script written from
// the recording, it would name a line it is not.
var lineNo = regexp.MustCompile(`^line \d+: `)

// noLineNo is err without its line number.
func noLineNo(err string) string { return lineNo.ReplaceAllString(err, "") }

// oneLine keeps text on one line of a script, control characters escaped.
func oneLine(s string) string {
	return cluster.EscapeControls(strings.ReplaceAll(s, "\n", " "))
}
