package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"raftplay/cluster"
)

// ScriptOptions says how RunScript reports.
type ScriptOptions struct {
	Out  io.Writer // results, one block per command
	JSON bool      // write JSON lines ({"type":"result",...}) instead of text
	// OnCommand, if set, is called before each command runs (traces, the
	// dashboard's live script player).
	OnCommand func(cmd *Command)
	// OnDone, if set, is called after each command that ran to its end,
	// with its error (nil, or its failure); not for one an interruption
	// cut short.
	OnDone func(cmd *Command, err error)
}

// Result is one command's outcome as written in JSON mode.
type Result struct {
	Type    string    `json:"type"` // "result"
	Time    time.Time `json:"time"`
	Line    int       `json:"line"`
	Command string    `json:"command"`
	OK      bool      `json:"ok"`
	Output  string    `json:"output,omitempty"`
	Error   string    `json:"error,omitempty"`
}

// MarshalJSON writes "output" for every command that succeeded, empty or
// not ("sleep 1s" had none, and a reader of .output found null), and
// "error" in its place for one that failed.
func (r Result) MarshalJSON() ([]byte, error) {
	var out *string
	if r.OK || r.Output != "" {
		out = &r.Output
	}
	return json.Marshal(struct {
		Type    string    `json:"type"`
		Time    time.Time `json:"time"`
		Line    int       `json:"line"`
		Command string    `json:"command"`
		OK      bool      `json:"ok"`
		Output  *string   `json:"output,omitempty"`
		Error   string    `json:"error,omitempty"`
	}{r.Type, r.Time, r.Line, r.Command, r.OK, out, r.Error})
}

// maxEcho is how much of a command line a script's output echoes.
const maxEcho = 200

// echoLine is a command line as a script echoes it: escaped, and cut to
// maxEcho characters with the length of what was left out (a put of a
// megabyte value is not echoed whole).
func echoLine(line string) string {
	line = cluster.EscapeControls(line)
	if r := []rune(line); len(r) > maxEcho {
		return fmt.Sprintf("%s… (%d more bytes)", string(r[:maxEcho]), len(string(r[maxEcho:])))
	}
	return line
}

// escapeLines escapes control characters, keeping the line breaks and tabs
// of multi-line output such as `status` and `help`.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = cluster.EscapeControls(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}

// RunScript runs cmds in order and stops at the first command that fails,
// returning its error (a *Failure for a failed check or operation). In text
// mode each command is echoed as "> command" followed by what it printed, or
// by "error: ..." when it failed; narration (say) is printed as
// FormatNarration sets it, and wait key, which has nothing to wait for
// headless, prints nothing. When ctx ends (the user interrupted the
// run), it stops and returns context.Cause(ctx) without reporting the
// command it cut short as a failure (text mode shows "stopped: CAUSE").
func RunScript(ctx context.Context, r *Runner, cmds []Command, o ScriptOptions) error {
	enc := json.NewEncoder(o.Out)
	for i := range cmds {
		cmd := &cmds[i]
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if o.OnCommand != nil {
			o.OnCommand(cmd)
		}
		// The echo comes first, so that a long sleep or wait shows which
		// line the script is on while it runs. The script's own text may
		// hold control characters: the terminal gets them escaped.
		// Narration and wait key are for people: not echoed as commands
		// (only when they fail).
		quiet := cmd.Verb == VerbSay || (cmd.Verb == VerbWait && cmd.What == WaitKey)
		if !o.JSON && !quiet {
			fmt.Fprintf(o.Out, "> %s\n", echoLine(cmd.Text))
		}
		out, err := r.Exec(ctx, cmd)
		if err != nil && ctx.Err() != nil {
			if !o.JSON {
				fmt.Fprintf(o.Out, "stopped: %v\n", context.Cause(ctx))
			}
			return context.Cause(ctx)
		}
		if o.OnDone != nil {
			o.OnDone(cmd, err)
		}
		if o.JSON { // Output is what text mode prints: already escaped where it must be
			// The command as the output and error quote it: invalid UTF-8
			// went into JSON as U+FFFD, and the key could not be told.
			res := Result{Type: "result", Time: time.Now(), Line: cmd.Line, Command: cluster.EscapeControls(cmd.Text), OK: err == nil, Output: out}
			if err != nil {
				res.Error = escapeLines(err.Error())
			}
			if e := enc.Encode(res); e != nil {
				return e
			}
		} else if err == nil && quiet {
			// Narration is set apart; a pause for a person at the
			// dashboard has nothing to show here.
			if cmd.Verb == VerbSay {
				fmt.Fprint(o.Out, FormatNarration(out))
			}
		} else {
			if quiet { // it failed: say which line
				fmt.Fprintf(o.Out, "> %s\n", echoLine(cmd.Text))
			}
			// Error messages quote the script: escaped too.
			if err != nil {
				fmt.Fprintf(o.Out, "error: %s\n", escapeLines(err.Error()))
			} else if out != "" {
				fmt.Fprintln(o.Out, escapeLines(out))
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
