package main

import (
	"fmt"
	"io"

	"raftplay/commands"
)

const usageText = `raftplay runs a real Raft cluster on this machine and lets you watch it and break it.

usage:
  raftplay [flags]                 open the dashboard over a live cluster (needs a terminal)
  raftplay --script FILE [flags]   play a script live in the dashboard, line by line
  raftplay script [flags] FILE     run a script of commands headless (FILE - reads stdin)
  raftplay bench [flags]           measure write throughput and latency; prints one JSON line
  raftplay wal DIR                 list what a node's WAL directory holds (read-only)
  raftplay experiment election [flags]
                                   time leader elections after leader crashes (the Raft paper's Figure 16)
  raftplay chaos [flags]           break a cluster at random under clients; check safety and linearizability
  raftplay help [COMMAND]          this text, or the help of one command of the language

Run 'raftplay SUBCOMMAND -h' for its flags. Exit status: 0 ok, 1 a failed check
or error, 2 a usage or parse error.

The command language (scripts, the dashboard's ':' prompt):
`

func runHelp(args []string, stdout io.Writer) error {
	if len(args) > 1 {
		return usagef("help: one command at a time")
	}
	if len(args) == 1 {
		text, err := commands.Help(args[0])
		if err != nil {
			return usageError{err}
		}
		_, err = fmt.Fprintln(stdout, text)
		return err
	}
	text, err := commands.Help("")
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(stdout, usageText+"\n"+text+"\n")
	return err
}
