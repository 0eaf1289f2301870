package commands

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"raftplay/cluster"
)

// Pauses of a saved session: the time between two commands becomes a
// `sleep` line, rounded to SavePauseRound; a pause shorter than
// SaveMinPause is left out (it is the time the commands took to issue),
// and one longer than SaveMaxPause is cut to it, its real length noted.
const (
	SavePauseRound = 10 * time.Millisecond
	SaveMinPause   = 20 * time.Millisecond
	SaveMaxPause   = time.Minute
)

// History is every command the runners of one session ran, for `save`:
// the dashboard's keys and prompt, the script it plays, and the runners
// membership commands detach to share one (RunnerOptions.History; Detach
// carries it over). It is safe for concurrent use.
type History struct {
	mu      sync.Mutex
	start   time.Time
	nodes   int
	flags   string
	entries []historyEntry
	saved   map[string]bool // the files Save wrote (absolute paths)
}

// historyEntry is one command a runner ran.
type historyEntry struct {
	Ran
	verb   string
	failed string // why it failed, "" when it did not
}

// NewHistory returns an empty history of a session that starts now, on a
// cluster of nodes nodes. flags are the other raftplay flags that start
// such a cluster (say "--heartbeat 100ms --election 1s-2s"), written with
// --nodes into the header of a saved script so that it runs on the same
// kind of cluster; "" for none.
func NewHistory(nodes int, flags string) *History {
	return &History{start: time.Now(), nodes: nodes, flags: strings.TrimSpace(flags)}
}

// add records a command a runner ran: cmd, when and how long (ran), and
// its error, nil when it succeeded.
func (h *History) add(cmd *Command, ran Ran, err error) {
	ran.Out = "" // a saved script needs the line, not what it printed
	e := historyEntry{Ran: ran, verb: cmd.Verb}
	if err != nil {
		e.failed = err.Error()
		var f *Failure
		if errors.As(err, &f) {
			e.failed = f.Msg
		}
	}
	h.mu.Lock()
	h.entries = append(h.entries, e)
	h.mu.Unlock()
}

// Len returns how many commands the history holds.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.entries)
}

// replayed reports whether a saved script replays a command of this verb.
// Help only explains; save would overwrite files when the script runs, as
// would record; seek, find and fork act on a recording, not a cluster.
func replayed(verb string) bool {
	switch verb {
	case VerbHelp, VerbSave, VerbRecord, VerbSeek, VerbFind, VerbFork:
		return false
	}
	return true
}

// Script returns the session as a script that `raftplay script` runs: a
// comment header (when it was saved, how to run it as file), then every
// command in the order they started, with `sleep` lines for the pauses
// between them. Commands that failed are comments that say so (their time
// goes into the next pause); help, save and record are left out. n is
// the number of commands written, failed the number of failures.
func (h *History) Script(file string, now time.Time) (script string, n, failed int) {
	h.mu.Lock()
	entries := append([]historyEntry(nil), h.entries...)
	h.mu.Unlock()
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].At.Before(entries[j].At) })

	var body strings.Builder
	p := NewParser(h.nodes)
	end := h.start // when the last command replayed finished
	lineNo := 0
	for _, e := range entries {
		if !replayed(e.verb) {
			continue
		}
		text := e.Text
		if e.failed != "" {
			fmt.Fprintf(&body, "# failed: %s: %s\n", text, oneLine(e.failed))
			failed++
			continue
		}
		lineNo++
		cmd, err := p.ParseLine(text, lineNo)
		if err != nil {
			// A line that does not parse on its own (a name whose let
			// failed): kept for the reader, as a comment.
			msg := err.Error()
			var pe *ParseError
			if errors.As(err, &pe) {
				msg = pe.Msg
			}
			fmt.Fprintf(&body, "# left out, it does not parse here (%s): %s\n", oneLine(msg), text)
			continue
		}
		// The dashboard runs a `wait key` once the key comes: the pause
		// before it was spent waiting there, so it follows the line.
		waitKey := cmd != nil && cmd.Verb == VerbWait && cmd.What == WaitKey
		if waitKey {
			body.WriteString(text + "\n")
		}
		if gap := e.At.Sub(end); gap >= SaveMinPause {
			d := gap.Round(SavePauseRound)
			if d > SaveMaxPause {
				fmt.Fprintf(&body, "sleep %s # the pause was %s\n", shortDuration(SaveMaxPause), shortDuration(gap.Round(time.Second)))
			} else {
				fmt.Fprintf(&body, "sleep %s\n", shortDuration(d))
			}
		}
		if !waitKey {
			body.WriteString(text + "\n")
		}
		n++
		if t := e.At.Add(e.Took); t.After(end) {
			end = t
		}
	}

	flags := fmt.Sprintf("--nodes %d", h.nodes)
	if h.flags != "" {
		flags += " " + h.flags
	}
	name := cluster.ShellWord(file)
	var b strings.Builder
	noun := "commands"
	if n == 1 {
		noun = "command"
	}
	fmt.Fprintf(&b, "# A raftplay session saved %s: %d %s over %v.\n",
		now.UTC().Format("2006-01-02 15:04:05 UTC"), n, noun, shortDuration(end.Sub(h.start).Round(time.Second)))
	// The flags line makes `raftplay script FILE` run it as it was
	// (flags given on the command line win).
	b.WriteString(FlagsLine(flags))
	fmt.Fprintf(&b, "# Run: raftplay script %s %s\n", flags, name)
	fmt.Fprintf(&b, "#  or watch it: raftplay %s --script %s\n", flags, name)
	fmt.Fprintf(&b, "# Pauses between commands are sleep lines (to %s; under %s left out, over %s\n",
		shortDuration(SavePauseRound), shortDuration(SaveMinPause), shortDuration(SaveMaxPause))
	b.WriteString("# cut short). Commands that failed are comments; help, save and record are left out.\n")
	b.WriteString(body.String())
	return b.String(), n, failed
}

// FlagsLine returns the "# flags: FLAGS" line, newline included, that a
// script's header holds so that `raftplay script FILE` alone runs it on
// a cluster like the one it was made on (flags given on the command line
// win): what save and `raftplay replay --to-script` write.
func FlagsLine(flags string) string { return "# flags: " + flags + "\n" }

// Save writes the session's script (Script) to path, replacing what was
// there through a temporary file renamed into place, so that a failed
// save leaves no half-written file. The history is kept either way.
func (h *History) Save(path string) (n, failed int, err error) {
	path = ThroughLinks(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return 0, 0, fmt.Errorf("commands: cannot write %s: it is a directory", path)
	}
	script, n, failed := h.Script(path, time.Now())
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, 0, fmt.Errorf("commands: cannot write %s: %s", path, PathReason(err))
	}
	_, err = tmp.WriteString(script)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, 0, fmt.Errorf("commands: cannot write %s: %s", path, PathReason(err))
	}
	h.mu.Lock()
	if h.saved == nil {
		h.saved = map[string]bool{}
	}
	h.saved[absPath(path)] = true
	h.mu.Unlock()
	return n, failed, nil
}

// ThroughLinks returns the file path names once its symbolic links are
// followed (the file need not exist): a save is written through a link,
// as record start writes through it, and the link stays.
func ThroughLinks(path string) string {
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			break
		}
		to, err := os.Readlink(path)
		if err != nil {
			break
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	return path
}

// KeepAside renames the regular file at path (not empty; its symbolic
// links followed, as a save or a recording writes through them) out of the
// way of a save or a recording about to be written there, to path~, or
// path.~N~ when that is taken, never over another file. It returns the new
// name ("" when there was nothing to keep) and undo, which puts the file
// back when the writing fails.
func KeepAside(path string) (kept string, undo func(), err error) {
	path = ThroughLinks(path)
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return "", func() {}, nil
	}
	for i := 0; i < 1000; i++ {
		to := path + "~"
		if i > 0 {
			to = fmt.Sprintf("%s.~%d~", path, i)
		}
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		if err := os.Rename(path, to); err != nil {
			return "", nil, fmt.Errorf("cannot keep the file that is at %s as %s: %s", cluster.EscapeControls(path), cluster.EscapeControls(to), PathReason(err))
		}
		return to, func() { os.Rename(to, path) }, nil
	}
	return "", nil, fmt.Errorf("cannot keep the file that is at %s: %s~ and a thousand numbered copies are there already", cluster.EscapeControls(path), cluster.EscapeControls(path))
}

// Wrote reports whether Save wrote path (its links followed) in this
// session.
func (h *History) Wrote(path string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.saved[absPath(ThroughLinks(path))]
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// PathReason returns what went wrong in a file system error, without the
// system call and the path ("no such file or directory"), for messages
// that name the path already.
func PathReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}

// shortDuration writes d as Go does, without the zero units that end
// round durations: 1m rather than 1m0s, 2h5m rather than 2h5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// oneLine puts a message on one line, for a comment.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
