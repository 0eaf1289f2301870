package tui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
	"raftplay/commands"
)

// frameMsg is one frame: the Status read for it.
type frameMsg cluster.Status

// eventsMsg carries the events added since the last one.
type eventsMsg struct {
	events  []cluster.Event
	next    uint64 // sequence number to ask for next
	dropped uint64 // events overwritten before they could be read
	epoch   uint64 // the replay's epoch the log belongs to (0 live)
}

// resultMsg is what running one or more command lines gave.
type resultMsg struct {
	lines  []string // the lines run, in order
	out    string   // what the last line that ran printed
	err    error    // the first failure; later lines did not run
	script bool     // the lines came from the script being played
	speed  bool     // the lines came from a speed key
	add    bool     // the line came from the add key (A)
	verb   string   // the verb of the last line that ran
	wait   bool     // the last line that ran was wait key
	seq    uint64   // the run's number among the keys' and prompt's (0: the script's)
	total  int      // the lines asked for; more than ran when one failed
	asked  string   // when an explain was asked: "04:24:35.120, highest term 5" (askedAt)
}

// scriptStepMsg asks the model to run the next line of the script;
// reading is the token of a say's reading pause that it ends (0: none).
type scriptStepMsg struct{ reading uint64 }

// doneMsg says the dashboard's context ended (a signal): it quits.
type doneMsg struct{}

// doneCmd waits for ctx to end.
func doneCmd(ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		<-ctx.Done()
		return doneMsg{}
	}
}

// frameCmd schedules the next frame. The Status is read in the command's
// goroutine, so a cluster busy under its lock (a restart replaying a long
// WAL) delays a frame but never blocks Update.
func frameCmd(src Source, every time.Duration) tea.Cmd {
	return tea.Tick(every, func(time.Time) tea.Msg { return frameMsg(src.Status()) })
}

// eventsCmd blocks until the log holds events at or after next, then
// returns them. The model re-arms it after each eventsMsg, so at most one
// runs at a time. It gives up when ctx ends.
func eventsCmd(ctx context.Context, log *cluster.EventLog, next uint64) tea.Cmd {
	if log == nil {
		return nil
	}
	return func() tea.Msg {
		for {
			wake := log.Wait()
			evs, n, dropped := log.Since(next)
			if len(evs) > 0 || dropped > 0 {
				return eventsMsg{events: evs, next: n, dropped: dropped}
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// execCmd runs cmds in order through ex and reports the result; it stops at
// the first failure.
func execCmd(ctx context.Context, ex Executor, src Source, cmds []*commands.Command, script bool, seq uint64) tea.Cmd {
	return func() tea.Msg {
		res := resultMsg{script: script, seq: seq, total: len(cmds)}
		for _, c := range cmds {
			res.lines = append(res.lines, c.Text)
			res.verb, res.wait = c.Verb, isWaitKey(c)
			res.asked = "" // of the last line that ran (a paste's last may be a get)
			if c.Verb == commands.VerbExplain {
				res.asked = askedAt(src)
			}
			out, err := ex.Exec(ctx, c)
			res.out = out
			if err != nil {
				res.err = err
				break
			}
		}
		return res
	}
}

// askedAt is the moment of src an explain is asked at, as its result
// says it: the status's time and the highest term any node has. An
// explanation is of that moment: a lesson's stayed in view, saying "a
// candidate at term 5 ... 100 ms ago" beside a card at term 17.
func askedAt(src Source) string {
	if src == nil {
		return ""
	}
	st := src.Status()
	if st.Time.IsZero() {
		return ""
	}
	var term uint64
	for _, n := range st.Nodes {
		if n.State != cluster.StateRemoved {
			term = max(term, n.Term)
		}
	}
	if p, ok := src.(Player); ok {
		// A replay tells its moments as times into the recording (the
		// cursor, "status as of 3.739s"), not the clock's of that day.
		at := max(0, p.Position()-p.Now().Sub(st.Time))
		return fmt.Sprintf("%s into the recording, highest term %d", msText(at), term)
	}
	return fmt.Sprintf("%s, highest term %d", st.Time.Format("15:04:05.000"), term)
}

// stepCmd asks for the next script line after pace; reading is the token
// of the say's reading pause it ends (0: none).
func stepCmd(pace time.Duration, reading uint64) tea.Cmd {
	msg := scriptStepMsg{reading: reading}
	if pace <= 0 {
		return func() tea.Msg { return msg }
	}
	return tea.Tick(pace, func(time.Time) tea.Msg { return msg })
}
