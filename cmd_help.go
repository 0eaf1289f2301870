package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"raftplay/cluster"
	"raftplay/commands"
)

const usageText = `raftplay runs a real Raft cluster on this machine and lets you watch it and break it.

usage:
  raftplay [flags]                 open the dashboard over a live cluster (needs a terminal)
  raftplay --script FILE [flags]   play a script live in the dashboard, line by line
  raftplay script [flags] FILE     run a script of commands headless (FILE - reads stdin)
  raftplay learn [flags] [N]       guided lessons: list them, or play lesson N live in the
                                   dashboard (--headless: without it)
  raftplay bench [flags]           measure write throughput and latency; prints one JSON line
  raftplay wal DIR                 list what a node's WAL (or every node's, given a data
                                   directory) holds, read-only; exit 1 if it is damaged
  raftplay experiment election [flags]
                                   time leader elections after leader crashes (the Raft paper's Figure 16)
  raftplay chaos [flags]           break a cluster at random under clients; check safety and linearizability
  raftplay replay FILE             open the dashboard on a recording (--record FILE, record start FILE);
                                   --to-script OUT writes its commands as a script instead
  raftplay help [TOPIC]            this text; the usage and flags of a subcommand (help bench);
                                   or the help of one command of the language (help crash)

Run 'raftplay help SUBCOMMAND' (or 'raftplay SUBCOMMAND -h') for its flags.

Exit status: 0 ok; 1 a failed check or error; 2 a usage or parse error;
130 interrupted by SIGINT (ctrl+c outside the dashboard); 143 terminated by SIGTERM;
129 its terminal was closed (SIGHUP); 141 its standard output was closed (SIGPIPE:
raftplay script FILE | head).
A first signal stops the run and removes its temporary data; a second exits at once.
`

// subcommandHelp builds, for `raftplay help NAME`, each subcommand's flag
// set with its usage written to w: the same flag sets the subcommands
// parse with, so their help cannot drift from what they accept.
var subcommandHelp = map[string]func(w io.Writer) *flag.FlagSet{
	"dashboard": func(w io.Writer) *flag.FlagSet { fs, _, _ := dashboardFlagSet(w); return fs },
	"script":    func(w io.Writer) *flag.FlagSet { fs, _, _, _, _, _ := scriptFlagSet(w); return fs },
	"bench":     func(w io.Writer) *flag.FlagSet { fs, _ := benchFlagSet(w); return fs },
	"chaos":     func(w io.Writer) *flag.FlagSet { fs, _ := chaosFlagSet(w); return fs },
	"experiment": func(w io.Writer) *flag.FlagSet {
		fs, _ := electionFlagSet(w)
		return fs
	},
	"wal": walFlagSet,
	"learn": func(w io.Writer) *flag.FlagSet {
		fs, _, _, _ := learnFlagSet(w)
		return fs
	},
	"replay": func(w io.Writer) *flag.FlagSet { fs, _ := replayFlagSet(w); return fs },
}

const subcommandNames = "script, learn, bench, experiment, chaos, replay, wal, dashboard"

func runHelp(args []string, stdout io.Writer) error {
	if len(args) == 2 && args[0] == "experiment" && args[1] == "election" {
		args = args[:1]
	}
	if len(args) > 1 {
		return usagef("help: one topic at a time (a subcommand, like bench, or a command, like crash)")
	}
	if len(args) == 1 {
		if build, ok := subcommandHelp[args[0]]; ok {
			build(stdout).Usage()
			return nil
		}
		text, err := commands.Help(args[0])
		if errors.Is(err, commands.ErrUnknownVerb) {
			return usagef("help: %s; subcommands: %s", strings.TrimPrefix(err.Error(), "commands: "), subcommandNames)
		} else if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, text)
		return err
	}
	text, err := commands.Help("")
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(usageText)
	b.WriteString("\nThe dashboard's flags:\n")
	own := newFlagSet("raftplay", &b)
	addDashboardFlags(own)
	own.PrintDefaults()
	p := cluster.PaperTiming
	fmt.Fprintf(&b, "\nCluster flags, shared by the dashboard, script, learn, bench and chaos (defaults shown\nare "+
		"the dashboard's; the others start with heartbeat %v, election %v-%v, bench with\n3 nodes, and a lesson with its own):\n",
		p.Heartbeat, p.ElectionMin, p.ElectionMax)
	shared := newFlagSet("raftplay", &b)
	addClusterFlags(shared, 5, cluster.WatchTiming)
	shared.PrintDefaults()
	b.WriteString("\nThe command language (scripts, the dashboard's ':' prompt):\n\n")
	b.WriteString(text)
	_, err = fmt.Fprint(stdout, b.String())
	return err
}
