package main

import (
	"fmt"
	"io"

	"raftplay/wal"
)

// runWAL prints what a node's WAL directory holds, read-only: segments,
// records with their CRC status, and snapshots.
func runWAL(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("wal", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: raftplay wal DIR   (DIR is a node's directory, e.g. DATA/node-1)")
		fmt.Fprintln(stderr, "Lists segments, records with their CRC status, and snapshots. Changes nothing.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usagef("wal: want one directory")
	}
	rep, err := wal.Inspect(fs.Arg(0))
	if err != nil {
		return err
	}
	return rep.WriteText(stdout)
}
