package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/lessons"
)

// learnFlagSet returns the flag set of `raftplay learn`, its usage
// written to w: the cluster flags, the dashboard's --pace, and --headless.
func learnFlagSet(w io.Writer) (fs *flag.FlagSet, cf *clusterFlags, df *dashboardFlags, headless *bool) {
	fs = newFlagSet("learn", w)
	cf = addClusterFlags(fs, 5, cluster.WatchTiming)
	df = &dashboardFlags{}
	fs.DurationVar(&df.pace, "pace", defaultPace, "pause between the lines of the lesson in the dashboard (after a say, half of it a word, to read it; space goes on)")
	df.record = addRecordFlag(fs, "the lesson")
	headless = fs.Bool("headless", false, "run the lesson without the dashboard, as raftplay script would, printing its narration (with the script timing unless given)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay learn                      (lists the lessons)")
		fmt.Fprintln(fs.Output(), "       raftplay learn [flags] N|NAME       (plays lesson N live in the dashboard; needs a terminal)")
		fmt.Fprintln(fs.Output(), "       raftplay learn --headless [flags] N (runs it headless, its checks and all)")
		fmt.Fprintln(fs.Output(), "A lesson is a narrated script on a live cluster: it says what happens, waits for a key")
		fmt.Fprintln(fs.Output(), "where there is something to look at, and checks with expect that it did. A lesson")
		fmt.Fprintln(fs.Output(), "brings the cluster flags it needs (--nodes 3, ...); flags given here come after them,")
		fmt.Fprintln(fs.Output(), "but --nodes, --prevote, --checkquorum and --snapshot-every must be what it brings,")
		fmt.Fprintln(fs.Output(), "and a --data directory must be new or empty (a lesson starts a new cluster).")
		fmt.Fprintln(fs.Output(), "The defaults below are the dashboard's: a lesson's own flags replace them (most use")
		fmt.Fprintln(fs.Output(), "3 nodes), and --headless starts with the script timing (heartbeat 15ms, election 150ms-300ms).")
		fs.PrintDefaults()
	}
	return fs, cf, df, headless
}

func runLearn(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	lc, err := parseLearn(args, stdout)
	if err != nil || lc.list != nil {
		if err == nil {
			err = listLessons(stdout, lc.list)
		}
		return err
	}
	l, cf := lc.lesson, lc.cf
	cmds, err := commands.Parse(l.Source, cf.scriptNodes())
	if err != nil {
		return parseError(fmt.Sprintf("%s with --nodes %d", l.ID(), cf.nodes), err)
	}
	if lc.headless {
		fmt.Fprintf(stdout, "Lesson %d: %s\n%s\n", l.Number, l.Title, l.About)
		// The narration is written for the dashboard: say what stands for it here.
		fmt.Fprintf(stdout, "(Headless: the lesson does not wait for keys, and what it asks you to look at on the dashboard is in the command output below.)\n\n")
		return playHeadless(ctx, headlessRun{name: l.ID(), cmds: cmds, cf: cf, recPath: *lc.df.record}, stdout, stderr)
	}
	if !isTerminal(terminalOf(stdout)) {
		return usagef("the dashboard needs a terminal; `raftplay learn --headless %d` runs the lesson without it", l.Number)
	}
	return openDashboard(ctx, dashboardRun{cf: cf, df: lc.df, name: l.ID(), cmds: cmds, again: fmt.Sprintf("raftplay learn %d", l.Number),
		done: fmt.Sprintf("lesson %d done: the cluster stays up for you to explore (? keys); q quits", l.Number), lesson: true}, stdout, stderr)
}

// learnRun is what `raftplay learn ARGS` asks for: the list of lessons
// (list set), or one lesson to play with its flags.
type learnRun struct {
	list     []lessons.Lesson
	lesson   lessons.Lesson
	cf       *clusterFlags
	df       *dashboardFlags
	headless bool
}

// parseLearn reads the arguments of `raftplay learn`. The lesson's flags
// are applied first and the command line's after them, so the user's win;
// headless, the timing is the script's (the paper's) unless given.
// Its -h usage goes to helpOut.
func parseLearn(args []string, helpOut io.Writer) (learnRun, error) {
	fs, cf, df, headless := learnFlagSet(helpOut)
	all, err := lessons.All()
	if err != nil {
		return learnRun{}, err
	}
	if err := parseLearnFlags(fs, args, func(a string) error { return noLesson(a, all) }); err != nil {
		return learnRun{}, err
	}
	if fs.NArg() == 0 {
		return learnRun{list: all}, nil
	}
	arg := fs.Arg(0)
	userFlags := append(append([]string(nil), args[:len(args)-fs.NArg()]...), fs.Args()[1:]...)
	oneLesson := func(a string) error { return usagef("learn: one lesson at a time, got also %q", a) }
	if err := parseLearnFlags(fs, fs.Args()[1:], oneLesson); err != nil { // flags may follow the lesson too
		return learnRun{}, err
	}
	if fs.NArg() > 0 {
		return learnRun{}, oneLesson(fs.Arg(0))
	}
	l, ok := lessons.Find(arg)
	if !ok {
		return learnRun{}, noLesson(arg, all)
	}
	if err := parseFlags(fs, l.Flags); err != nil {
		return learnRun{}, fmt.Errorf("%s has bad flags: %w", l.ID(), err)
	}
	// What the lesson brings, over the defaults alone (fs holds the
	// user's flags parsed above too).
	bfs, bcf, _, _ := learnFlagSet(io.Discard)
	if err := parseFlags(bfs, l.Flags); err != nil {
		return learnRun{}, fmt.Errorf("%s has bad flags: %w", l.ID(), err)
	}
	brought := *bcf
	if err := parseFlags(fs, userFlags); err != nil {
		return learnRun{}, err
	}
	if err := keepsLessonFlags(l, brought, *cf); err != nil {
		return learnRun{}, err
	}
	if n := cf.onDisk(); n > 0 {
		// A lesson narrates a new cluster ("every node starts as a
		// follower", "two of three"): on a directory's cluster of 5 nodes
		// it ran on them, narrated three and failed, and lesson 10 left a
		// node added to the user's cluster.
		return learnRun{}, usagef("--data %s holds a cluster of %s: %s starts a new cluster, and what it narrates and checks begins there; give a new or empty --data directory", cluster.EscapeControls(cf.data), cf.describeOnDisk(n), l.ID())
	}
	if df.pace < 0 {
		return learnRun{}, usagef("--pace %v: must not be negative", df.pace)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *headless && !set["heartbeat"] && !set["election"] {
		// Headless nobody watches: the paper's timing, as `raftplay script`.
		t := cluster.PaperTiming
		cf.heartbeat, cf.election = t.Heartbeat, electionRange{t.ElectionMin, t.ElectionMax}
	}
	df.trace = new(string)
	return learnRun{lesson: l, cf: cf, df: df, headless: *headless}, nil
}

// keepsLessonFlags refuses user flags (got) that change how the cluster a
// lesson brings (brought) behaves: its size, PreVote, CheckQuorum and
// automatic snapshots. Its lines name nodes and count majorities of its
// own size, and its narration and checks say what the extensions it runs
// with make happen: with fewer nodes it failed part way ("no live
// follower", after 5 s); with more, or with CheckQuorum on, it narrated
// what did not happen ("It committed: two of three" on five nodes) and
// then failed a check (a new user's report). Timing, pace, ports, seed
// and recording change how it looks, not what it shows, and may differ.
func keepsLessonFlags(l lessons.Lesson, brought, got clusterFlags) error {
	onOff := map[bool]string{true: "on", false: "off"}
	switch {
	case got.nodes >= 1 && got.nodes != brought.nodes: // (0 and below are refused as bad sizes)
		return usagef("--nodes %d: %s runs on %d nodes (it brings --nodes %d): its lines name nodes and count majorities of that size", got.nodes, l.ID(), brought.nodes, brought.nodes)
	case got.prevote != brought.prevote:
		return usagef("--prevote: %s runs with PreVote %s: what it narrates and checks depends on it (lesson 9 shows PreVote and CheckQuorum)", l.ID(), onOff[brought.prevote])
	case got.checkquorum != brought.checkquorum:
		return usagef("--checkquorum: %s runs with CheckQuorum %s: what it narrates and checks depends on it (lesson 9 shows PreVote and CheckQuorum)", l.ID(), onOff[brought.checkquorum])
	case got.snapEvery != brought.snapEvery:
		return usagef("--snapshot-every %d: %s takes its snapshots itself (snapshot N): its lines count log entries", got.snapEvery, l.ID())
	}
	return nil
}

// noLesson is the error for a lesson arg that names none of all: it lists
// the numbers and the names.
func noLesson(arg string, all []lessons.Lesson) error {
	names := make([]string, len(all))
	for i, l := range all {
		names[i] = l.Name
	}
	return usagef("learn: no lesson %q%s (want a number 1 to %d or a name: %s; `raftplay learn` lists them)", arg, commands.Suggestion(arg, names), len(all), strings.Join(names, ", "))
}

// reNegative matches a negative number, which the flag package takes for
// a flag (-1).
var reNegative = regexp.MustCompile(`^-+[0-9]+$`)

// parseLearnFlags is parseFlags for `raftplay learn`: a negative number
// is an argument, not an unknown flag; notFlag says what is wrong with it.
func parseLearnFlags(fs *flag.FlagSet, args []string, notFlag func(arg string) error) error {
	err := parseFlags(fs, args)
	if err == nil {
		return nil
	}
	for _, a := range args {
		if reNegative.MatchString(a) && strings.Contains(err.Error(), "unknown flag --"+strings.TrimLeft(a, "-")+" ") {
			return notFlag(a)
		}
	}
	return err
}

// terminalOf returns the writer under standard output's wrapper.
func terminalOf(w io.Writer) io.Writer {
	if o, ok := w.(*outputWriter); ok {
		return o.w
	}
	return w
}

// listLessons writes the lessons, one number, name, title and line each.
func listLessons(w io.Writer, all []lessons.Lesson) error {
	var b strings.Builder
	b.WriteString("Guided lessons: each plays on a live cluster in the dashboard. It tells you what is\n")
	b.WriteString("happening, waits for a key where there is something to see, and checks that the\n")
	b.WriteString("cluster did what it says.\n\n")
	for _, l := range all {
		fmt.Fprintf(&b, "%3d  %s: %s\n     %s\n", l.Number, l.Name, l.Title, l.About)
	}
	b.WriteString("\nStart one with `raftplay learn N` (or its name, as `raftplay learn " + all[0].Name + "`);\n")
	b.WriteString("`raftplay learn --headless N` runs it without the dashboard, printing the narration.\n")
	_, err := io.WriteString(w, b.String())
	return err
}
