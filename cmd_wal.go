package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/raft"
	"raftplay/wal"
)

// walFlagSet returns the flag set of `raftplay wal`, its usage written to w.
func walFlagSet(w io.Writer) *flag.FlagSet {
	fs := newFlagSet("wal", w)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftplay wal DIR")
		fmt.Fprintln(fs.Output(), "Lists what a node's directory (DATA/node-1) holds: segments, every record with its CRC")
		fmt.Fprintln(fs.Output(), "status (hard states with term, vote and commit; entries with their commands), and")
		fmt.Fprintln(fs.Output(), "snapshots. Given a data directory (--data DIR, holding node-1, node-2, ...), lists")
		fmt.Fprintln(fs.Output(), "each node's in turn. Changes nothing. Exit 1 when a record or file is damaged")
		fmt.Fprintln(fs.Output(), "(checksum mismatch, torn tail, bad header), each named with its file and offset")
		fmt.Fprintln(fs.Output(), "on standard error after the listing.")
	}
	return fs
}

// runWAL prints what a node's WAL directory (or every node's, given a
// data directory) holds, read-only, and fails when it finds damage.
func runWAL(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := walFlagSet(stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("wal: want one directory (a node's, like DATA/node-1, or a data directory)")
	}
	dir := fs.Arg(0)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return usagef("wal %s: %s", dir, commands.PathReason(err))
	case !st.IsDir():
		return usagef("wal %s: not a directory (want a node's directory, like DATA/node-1, or a data directory)", dir)
	}
	nodes, err := nodeDirs(dir)
	if err != nil {
		return fmt.Errorf("wal %s: %s", dir, commands.PathReason(err))
	}
	nodes, unmade := leftByAnAdd(dir, nodes)
	if len(nodes) == 0 && len(unmade) == 0 {
		return inspectNode(dir, stdout, true)
	}
	defer func() {
		for _, name := range unmade {
			fmt.Fprintf(stdout, "\n%s: an empty directory, above the nodes' (an add killed before it wrote the node's JOINED marker): no node, never a member; a start passes it over, and an add of its id uses it\n", cluster.EscapeControls(filepath.Join(dir, name)))
		}
	}()
	if len(nodes) == 0 {
		return inspectNode(dir, stdout, true)
	}
	highest, _ := strconv.Atoi(strings.TrimPrefix(nodes[len(nodes)-1], "node-")) // nodes are in id order
	removed := cluster.RemovedOnDisk(dir, highest)
	what := plural(len(nodes), "node")
	if removed > 0 {
		what = fmt.Sprintf("%s and %d removed", plural(len(nodes)-removed, "node"), removed)
	}
	if size, _ := cluster.CreatedSize(dir); len(nodes) < max(size, highest) {
		// Some nodes' directories are gone: the count of those here read
		// as the cluster's size (a CI user's "2 nodes" of 3).
		others := "the others' directories are"
		if max(size, highest)-len(nodes) == 1 {
			others = "the other's directory is"
		}
		what += fmt.Sprintf(" (of %d: %s missing, see below)", max(size, highest), others)
	}
	fmt.Fprintf(stdout, "data %s: %s\n", cluster.EscapeControls(dir), what)
	var problems errorLines
	clusterErr := cluster.CheckClusterFile(dir)
	if clusterErr != nil {
		line := strings.TrimPrefix(clusterErr.Error(), "cluster: ")
		fmt.Fprintf(stdout, "\n%s\n", cluster.EscapeControls(line))
		problems = append(problems, line)
	}
	bad := map[int]bool{} // the nodes a start cannot run
	var dirBad []string   // of those, the ones whose directory is none (a file, a dangling link): --allow-failed refuses them too
	// What keeps a start on this directory from running is reported too:
	// a node's directory that is no directory, or one the cluster was
	// created with that is gone (the start refuses both; this listing
	// skipped them and said all was well).
	created := cluster.NodesOnDisk(dir) // at least the size CLUSTER (or a CREATED) records
	size, sizeFrom := cluster.CreatedSize(dir)
	for id := 1; id <= max(highest, created); id++ {
		path := filepath.Join(dir, fmt.Sprintf("node-%d", id))
		p := cluster.NodeDirProblem(path)
		if p != "" {
			dirBad = append(dirBad, fmt.Sprintf("node-%d", id))
		}
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			// (Of the size a file records: created counts a later node's
			// directory too, and said "created with 7" of a CLUSTER of 3.)
			p = fmt.Sprintf("is missing, and the cluster was created with %d nodes (%s): a start refuses to run node %d empty (amnesia)", size, sizeFrom, id)
			if id > size {
				// Beyond the size CLUSTER records: a later node's files
				// make the start take it for a member (it said "created
				// with 7 nodes" of a CLUSTER that says 3: a CI user).
				says := fmt.Sprintf("%s says %d", sizeFrom, size)
				if size == 0 {
					says = "no CLUSTER or CREATED file records a size"
				}
				p = fmt.Sprintf("is missing, while node %d has files (a start runs nodes 1 to %d; %s): a start refuses to run node %d empty (amnesia)", highest, max(highest, created), says, id)
			}
		}
		if p != "" {
			line := fmt.Sprintf("wal %s: %s", path, p)
			fmt.Fprintf(stdout, "\n%s\n", cluster.EscapeControls(line))
			problems = append(problems, line)
			bad[id] = true
		}
	}
	// A node whose directory is there but whose log is gone (its files
	// deleted), while the others' logs hold something: the start refuses
	// to run it empty, and this listing showed it as an empty node and
	// said all was well.
	if with, without := cluster.LostLogs(dir, max(highest, created)); len(without) > 0 {
		for _, n := range without {
			id, _ := strconv.Atoi(n)
			if bad[id] {
				continue // missing, or no directory: said above
			}
			others := fmt.Sprintf("node %s have theirs", strings.Join(with, ", "))
			if len(with) == 1 {
				others = fmt.Sprintf("node %s has one", with[0])
			}
			line := fmt.Sprintf("wal %s: holds no log (no *.wal segment), while %s: a start refuses to run node %s empty (amnesia); put its files back, or replace it (remove %s, then add %s)",
				filepath.Join(dir, "node-"+n), others, n, n, n)
			fmt.Fprintf(stdout, "\n%s\n", cluster.EscapeControls(line))
			problems = append(problems, line)
			bad[id] = true
		}
	}
	// A node directory copied in from another cluster's data directory:
	// the start refuses it (cluster/identity.go); a damaged CLUSTER-ID
	// of the data directory, the whole start.
	idErr := cluster.CheckIDFile(dir)
	if idErr != nil {
		line := idErr.Error()
		fmt.Fprintf(stdout, "\n%s\n", cluster.EscapeControls(line))
		problems = append(problems, line)
	}
	for _, n := range nodes {
		if idErr != nil {
			break
		}
		id, _ := strconv.Atoi(strings.TrimPrefix(n, "node-"))
		path := filepath.Join(dir, n)
		if bad[id] || cluster.WasRemoved(path) {
			continue
		}
		if err := cluster.CheckIdentity(uint64(id), path); err != nil {
			line := fmt.Sprintf("wal %s: %s", path, strings.TrimPrefix(err.Error(), "its directory "+path+" "))
			fmt.Fprintf(stdout, "\n%s\n", cluster.EscapeControls(line))
			problems = append(problems, line)
			bad[id] = true
		}
	}
	for _, n := range nodes {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if id, _ := strconv.Atoi(strings.TrimPrefix(n, "node-")); bad[id] {
			continue // no directory to list (a file, a dangling link): said above
		}
		fmt.Fprintln(stdout)
		err := inspectNode(filepath.Join(dir, n), stdout, false)
		if errors.As(err, new(reportWriteError)) {
			// Standard output failed (> /dev/full), not the node: said
			// as such, not as a node no start can run.
			return err
		}
		var wp walProblems
		damage := errors.As(err, &wp)
		switch {
		case damage:
			problems = append(problems, wp.lines...)
		case err != nil:
			problems = append(problems, err.Error())
		}
		// A torn tail alone does not keep a node from starting.
		if id, _ := strconv.Atoi(strings.TrimPrefix(n, "node-")); err != nil && (!damage || wp.fatal) {
			bad[id] = true
		}
	}
	switch members := max(highest, created) - removed; {
	case len(problems) == 0:
		return nil
	case len(bad) == 0:
		return problems // torn tails alone: each line says the start cuts it off
	case len(dirBad) > 0:
		// A start checks every node's directory before anything else,
		// --allow-failed or not (this said --allow-failed would run the
		// others, and the start refused the file in node-2's place).
		them := "it is"
		if len(dirBad) > 1 {
			them = "they are"
		}
		return append(problems, fmt.Sprintf("a start refuses %s (--allow-failed too) until %s mended as said above", strings.Join(dirBad, ", "), them))
	case len(bad) >= members:
		// --allow-failed needs one node that starts (a user was sent to
		// it with every node damaged).
		who := fmt.Sprintf("not one of its %d nodes can start", members)
		if members == 1 {
			who = "its only node cannot start"
		}
		return append(problems, fmt.Sprintf("%s, so no start runs a cluster from %s, not even with --allow-failed; another --data directory starts a new cluster", who, dir))
	}
	// Not a dead end: the other nodes hold the cluster's data. A damaged
	// CLUSTER is refused with --allow-failed too: said first.
	hint := fmt.Sprintf("a start with --allow-failed (raftplay --data %s --allow-failed) runs the other nodes and leaves these FAILED; remove N, then add N, replaces one", dir)
	if clusterErr != nil {
		hint = fmt.Sprintf("once %s holds the cluster's size again, %s", filepath.Join(dir, "CLUSTER"), hint)
	}
	if idErr != nil {
		hint = fmt.Sprintf("once %s is mended, %s", filepath.Join(dir, "CLUSTER-ID"), hint)
	}
	return append(problems, hint)
}

// reportWriteError is a failed write of the listing to standard output:
// no fault of the WAL it lists.
type reportWriteError struct{ err error }

func (e reportWriteError) Error() string { return "standard output: " + commands.PathReason(e.err) }
func (e reportWriteError) Unwrap() error { return e.err }

// nodeDirs returns the node-N directories of a data directory, in node
// order; none when dir holds WAL files itself (it is a node's directory).
func nodeDirs(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var nodes []string
	for _, de := range des {
		name := de.Name()
		if strings.HasSuffix(name, ".wal") || strings.HasSuffix(name, ".snap") {
			return nil, nil
		}
		// Any entry named so: a symbolic link (to a directory, or to a
		// missing path) or a file is a node's directory to a start, which
		// runs or refuses it; skipped here, a data directory whose only
		// node-1 was a dangling link was said to hold no node directories.
		if n, ok := strings.CutPrefix(name, "node-"); ok {
			if _, err := strconv.Atoi(n); err == nil {
				nodes = append(nodes, name)
			}
		}
	}
	slices.SortFunc(nodes, func(a, b string) int {
		x, _ := strconv.Atoi(a[len("node-"):])
		y, _ := strconv.Atoi(b[len("node-"):])
		return x - y
	})
	return nodes, nil
}

// leftByAnAdd splits from nodes (the node directories of the data
// directory dir, in id order) the empty directories above every node a
// start runs or accounts for (cluster.NodesOnDisk): an add killed between
// making the new node's directory and writing its JOINED marker leaves
// one. A start passes it over; listed as a node, it was said to have lost
// its log, and the start to refuse it (amnesia).
func leftByAnAdd(dir string, nodes []string) (kept, unmade []string) {
	most := cluster.NodesOnDisk(dir)
	for _, name := range nodes {
		id, _ := strconv.Atoi(strings.TrimPrefix(name, "node-"))
		path := filepath.Join(dir, name)
		st, err := os.Lstat(path)
		if most > 0 && id > most && err == nil && st.IsDir() {
			if des, err := os.ReadDir(path); err == nil && len(des) == 0 {
				unmade = append(unmade, name)
				continue
			}
		}
		kept = append(kept, name)
	}
	return kept, unmade
}

// inspectNode lists one node's WAL directory on stdout and returns its
// damage as errorLines, each naming the file (under dir) and the offset.
// alone says dir was given by itself, not found in a data directory: then
// a directory without a WAL is an error that says what to pass.
func inspectNode(dir string, stdout io.Writer, alone bool) error {
	rep, err := wal.Inspect(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("wal %s: %s", pe.Path, pe.Err)
		}
		return fmt.Errorf("wal %s: %s", dir, strings.TrimPrefix(err.Error(), "wal: "))
	}
	if len(rep.Segments) == 0 && len(rep.Snapshots) == 0 && cluster.WasRemoved(dir) {
		fmt.Fprintf(stdout, "wal %s: the node was removed from its cluster (its REMOVED marker); its log was deleted then\n", cluster.EscapeControls(dir))
		return nil
	}
	if alone && len(rep.Segments) == 0 && len(rep.Snapshots) == 0 {
		return usagef("wal %s: holds neither a WAL (*.wal segments, *.snap snapshots) nor node directories (node-1, node-2, ...); give a data directory (what --data names) or one node's directory in it, like DATA/node-1", dir)
	}
	rep.Dir = cluster.EscapeControls(rep.Dir)
	for i, name := range rep.Other {
		rep.Other[i] = cluster.EscapeControls(name)
		if name == "JOINED" {
			rep.Other[i] += joinedNote(dir)
		}
	}
	describe := func(e raft.Entry) string { return cluster.EscapeControls(describeWALEntry(e)) }
	if err := rep.WriteTextWith(stdout, describe); err != nil {
		return reportWriteError{err}
	}
	if len(rep.Problems) == 0 {
		return nil
	}
	wp := walProblems{lines: errorLines{fmt.Sprintf("wal %s: %s:", dir, plural(len(rep.Problems), "problem"))}}
	for _, p := range rep.Problems {
		p.File = filepath.Join(dir, p.File)
		wp.lines = append(wp.lines, "  "+p.String())
		wp.fatal = wp.fatal || p.Fatal()
	}
	return wp
}

// joinedNote says what the JOINED marker of the node directory dir keeps,
// to follow its name in the listing: the index the node joined after
// (raft.Config.JoinedAfter), which decides which configurations naming
// its id are its own. It showed "other JOINED" alone, and whether a
// re-added id would take its id's earlier configuration for its own could
// only be told by reading the file.
func joinedNote(dir string) string {
	after, ok, marked := cluster.JoinedMarker(dir)
	switch {
	case !marked:
		return ""
	case !ok:
		return " (added to a running cluster; it keeps no joined-after index, as a marker written before markers kept one: every configuration naming its id counts as its own)"
	}
	return fmt.Sprintf(" (added to a running cluster: joined after %d; a configuration at or below entry %d that names its id was an earlier node's, and does not let this one vote)", after, after)
}

// walProblems is the damage inspectNode found, as lines, and whether any
// of it keeps the node from starting (a torn tail does not: the start cuts
// it off).
type walProblems struct {
	lines errorLines
	fatal bool
}

func (w walProblems) Error() string { return w.lines.Error() }
func (w walProblems) Unwrap() error { return w.lines }

// describeWALEntry tells what an entry holds. A key-value command is
// written as the command that made it (put KEY VALUE, del KEY), its key
// and value as words of the command language (commands.Quote): bare when
// plain, otherwise quoted with Go escapes, so that `put "sp ace" "v w"`
// cannot be read as another split of the same words, and invalid UTF-8
// shows as \xff, as the dashboard and `raftplay script` show it. Other
// entries (no-op, configuration, session) are described as the dashboard
// describes them.
func describeWALEntry(e raft.Entry) string { return cluster.DescribeDataWith(e, " ", walWord) }

// walWord writes s as a word of the command language, or, when it is
// longer than n characters (an invalid byte counts as one), its first n
// quoted, then "..." and its length in bytes (size): `"abcd"... (300
// bytes)`. A quoted word ends at its closing quote, so a cut value never
// reads as a whole one (a whole value that ends in "..." is written bare
// or quoted with the dots inside).
func walWord(s string, n, size int) string {
	for i := range s {
		if n == 0 {
			return strconv.Quote(s[:i]) + fmt.Sprintf("... (%d bytes)", size)
		}
		n--
	}
	return commands.Quote(s)
}
