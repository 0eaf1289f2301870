// Package lessons holds raftplay's guided lessons, embedded in the binary:
// scripts of the command language that teach one idea of Raft each on a
// live cluster (`raftplay learn`).
//
// A lesson is a file NN-NAME.txt: NN its number, NAME its short name. It
// starts with a header of comment lines that raftplay reads:
//
//	# title: Replication and commit
//	# about: How a write reaches a majority, and when it counts as committed.
//	# flags: --nodes 3
//
// title and about are shown in the list of lessons; flags (optional) are
// the cluster flags the lesson needs, as `raftplay script` takes them; the
// command line's flags come after them, so they win. The rest is a script:
// `say` narrates, `wait key` lets the learner look before going on (the
// dashboard waits for a key; headless it goes on), and `expect` lines
// check that the cluster did what the narration says, so that a lesson is
// also a test.
package lessons

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.txt
var files embed.FS

// Lesson is one guided lesson.
type Lesson struct {
	Number int      // from the file name: 1, 2, ...
	Name   string   // from the file name, without number and extension: "roles-and-terms"
	Title  string   // "Roles and terms"
	About  string   // one line: what the lesson shows
	Flags  []string // the cluster flags it needs, e.g. --nodes 3
	Source string   // the whole script
}

// ID is how the lesson is named in messages and the dashboard: "lesson 3
// (replication-and-commit)".
func (l Lesson) ID() string { return fmt.Sprintf("lesson %d (%s)", l.Number, l.Name) }

// All returns every lesson, by number.
func All() ([]Lesson, error) {
	names, err := fs.Glob(files, "*.txt")
	if err != nil {
		return nil, err
	}
	var all []Lesson
	for _, name := range names {
		src, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		l, err := parse(name, string(src))
		if err != nil {
			return nil, err
		}
		all = append(all, l)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Number < all[j].Number })
	return all, nil
}

// Find returns the lesson that arg names: its number ("3" or "03"), its
// name ("replication-and-commit"), or its file name with or without
// ".txt".
func Find(arg string) (Lesson, bool) {
	all, err := All()
	if err != nil {
		return Lesson{}, false
	}
	arg = strings.TrimSuffix(arg, ".txt")
	for _, l := range all {
		if n, err := strconv.Atoi(arg); err == nil && n == l.Number {
			return l, true
		}
		if arg == l.Name || arg == fmt.Sprintf("%02d-%s", l.Number, l.Name) {
			return l, true
		}
	}
	return Lesson{}, false
}

// parse reads a lesson's number and name from its file name and its
// title, about and flags from its header.
func parse(file, src string) (Lesson, error) {
	base := strings.TrimSuffix(file, ".txt")
	num, name, ok := strings.Cut(base, "-")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 || name == "" {
		return Lesson{}, fmt.Errorf("lessons: %s: want a name NN-NAME.txt", file)
	}
	l := Lesson{Number: n, Name: name, Source: src}
	for _, line := range strings.Split(src, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "#")
		if !ok {
			break // the header ends at the first command or blank line
		}
		key, value, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.TrimSpace(key) {
		case "title":
			l.Title = value
		case "about":
			l.About = value
		case "flags":
			l.Flags = strings.Fields(value)
		}
	}
	if l.Title == "" || l.About == "" {
		return Lesson{}, fmt.Errorf("lessons: %s: its header needs # title: and # about: lines", file)
	}
	return l, nil
}
