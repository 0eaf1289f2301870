package commands

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"raftplay/cluster"
)

// Recording starts and stops a recording of a runner's cluster, for
// `record start FILE` and `record stop` (RunnerOptions.Record; main sets
// it to a record.Switch, which this package cannot import).
type Recording interface {
	// Start records from now on into file; an error when a recording is
	// already in progress or the file cannot be created. kept names where
	// a file that was there went ("" when none was).
	Start(file string) (kept string, err error)
	// Stop ends the recording in progress and returns its file; an error
	// when none is in progress.
	Stop() (file string, err error)
}

// Words of `record`.
const (
	RecordStart = "start"
	RecordStop  = "stop"
)

// ErrReplayOnly is what a live runner answers to seek, find and fork.
var ErrReplayOnly = errors.New("works only in a replay (raftplay replay FILE)")

// ForkReason says why `fork` cannot start a live cluster from a moment of
// a recording; replay answers fork with it.
const ForkReason = "fork cannot start a live cluster from this moment: a recording holds what the dashboard " +
	"shows of each node (its role, term, indexes, the terms of at most the newest 512 log entries and short " +
	"descriptions of the newest 24), not the nodes' files. The entries' data, the older log, the snapshots and " +
	"the key-value state are not in it, so nodes built from it would not be the recorded nodes: their logs and " +
	"state machines would be guesses. To explore from a moment, run `raftplay replay FILE --to-script OUT` and " +
	"play the script up to there (raftplay --script OUT); to go on from where a run ended, keep the nodes' files (--data DIR --keep) and start a cluster on them."

const groupRecord = "Recording and replay (raftplay replay FILE)"

// recordVerbs are the verbs of recording and replay, for the verb table.
func recordVerbs() []verbInfo {
	return []verbInfo{
		{VerbRecord, groupRecord, []string{"record start FILE", "record stop"}, []string{"record the cluster from now on into FILE", "end the recording"},
			"The recording holds, over time, every node's status as the dashboard shows it, every event,\n" +
				"every message record and every command with its result. raftplay replay FILE plays it in\n" +
				"the dashboard; --record FILE on the dashboard, script, learn, chaos, experiment and bench\n" +
				"records a whole run. It is gzipped JSON lines (a FILE ending in .jsonl is written plain).\n" +
				"A file already at FILE is kept as FILE~ (or FILE.~N~), and the answer says so.", parseRecord},
		{VerbSeek, groupRecord, []string{"seek TIME"}, []string{"replay only: move to TIME from the start, e.g. seek 12.5s"},
			"TIME is a duration from the start of the recording; beyond the end goes to the end.", parseSeek},
		{VerbFind, groupRecord, []string{"find WORDS"}, []string{"replay only: move to the next event, command or message that says WORDS"},
			"Case does not matter; the search wraps to the start (the answer then begins \"wrapped to the start\").\n" +
				"e.g. find became leader", parseFind},
		{VerbFork, groupRecord, []string{"fork"}, []string{"replay only: says why a recording cannot become a live cluster"}, wrap(ForkReason, 88), parseNoArgs},
	}
}

func parseRecord(lp *lineParser) error {
	t, err := lp.word("action", RecordStart, RecordStop)
	if err != nil {
		return err
	}
	if t.text == RecordStart {
		lp.usage = "record start FILE"
		f, err := lp.next("FILE")
		if err != nil {
			return err
		}
		if f.text == "" {
			return lp.errAt(f.col, "empty file name")
		}
		lp.cmd.On, lp.cmd.Name = true, f.text
	} else {
		lp.usage = "record stop"
	}
	return lp.done()
}

// parseSeek reads seek TIME. TIME has no upper bound (MaxDuration is for
// timeouts): a seek beyond the recording's end goes to the end, and one
// too long for a Duration is beyond every end.
func parseSeek(lp *lineParser) error {
	t, err := lp.next("time")
	if err != nil {
		return err
	}
	d, perr := time.ParseDuration(t.text)
	switch {
	case perr == nil && d > MaxDuration:
	case perr != nil && overflows(t.text) && strings.HasPrefix(t.text, "-"):
		return lp.errAt(t.col, "time %s is negative", t.text)
	case perr != nil && overflows(t.text):
		d = math.MaxInt64
	default:
		if d, err = lp.parseDuration("time", t.text, t.col, 0); err != nil {
			return err
		}
	}
	lp.cmd.Duration = d
	return lp.done()
}

func parseFind(lp *lineParser) error {
	if !lp.more() {
		_, err := lp.next("words")
		return err
	}
	if err := parseEcho(lp); err != nil {
		return err
	}
	if strings.TrimSpace(lp.cmd.Message) == "" {
		return lp.errAt(lp.toks[1].col, "nothing to find")
	}
	return nil
}

// recordWords are the words after the verb of a recording or replay
// command, in canonical form (Command.String).
func (c *Command) recordWords() []string {
	switch c.Verb {
	case VerbRecord:
		if c.On {
			return []string{RecordStart, quote(c.Name)}
		}
		return []string{RecordStop}
	case VerbSeek:
		return []string{c.Duration.String()}
	case VerbFind:
		return []string{quote(c.Message)}
	}
	return nil
}

// execRecord runs record start|stop; a live runner refuses seek, find and
// fork.
func (r *Runner) execRecord(cmd *Command) (string, error) {
	if cmd.Verb != VerbRecord {
		return "", failf("%v", ErrReplayOnly)
	}
	if r.opts.Record == nil {
		return "", failf("recording is not available here")
	}
	if cmd.On {
		kept, err := r.opts.Record.Start(cmd.Name)
		if err != nil {
			return "", failf("%v", err)
		}
		r.restateNames()
		if kept != "" {
			return fmt.Sprintf("recording to %s; the file that was there is kept as %s", cmd.Name, cluster.EscapeControls(kept)), nil
		}
		return fmt.Sprintf("recording to %s", cmd.Name), nil
	}
	file, err := r.opts.Record.Stop()
	if err != nil {
		return "", failf("%v", err)
	}
	return fmt.Sprintf("recorded to %s (raftplay replay %s)", file, file), nil
}

// restateNames tells the recording just started of the names let gave
// before it, as `let NAME = N` lines: its script (replay --to-script) did
// not parse a later @NAME ("# does not parse (... unknown name @f)"), and a
// teacher's recording begun mid-session lost those steps.
func (r *Runner) restateNames() {
	if r.opts.Observe == nil {
		return
	}
	now := time.Now()
	for _, name := range slices.Sorted(maps.Keys(r.names)) {
		id := r.names[name]
		r.opts.Observe(Ran{At: now, Text: fmt.Sprintf("let %s = %d", name, id), Out: fmt.Sprintf("@%s = %d (named before record start)", name, id)})
	}
}

// wrap breaks text into lines of at most width columns, between words.
func wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, w := range strings.Fields(text) {
		switch {
		case col == 0:
		case col+1+len(w) > width:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}
