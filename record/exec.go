package record

import (
	"context"
	"fmt"
	"strings"
	"time"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/msgview"
)

// Executor answers the commands typed at the dashboard's prompt during a
// replay (a tui.Executor): seek, find and fork move or explain the replay;
// status, explain, messages, links, help and echo are answered from the
// recorded status and messages at the cursor; commands that act on a live
// cluster are refused.
type Executor struct {
	Player *Player
}

// Exec runs one command against the replay.
func (x *Executor) Exec(ctx context.Context, cmd *commands.Command) (string, error) {
	p := x.Player
	switch cmd.Verb {
	case commands.VerbSeek:
		p.Seek(cmd.Duration)
		return "at " + p.where(), nil
	case commands.VerbFind:
		if !p.Find(cmd.Message) {
			return "", x.fail(cmd, fmt.Sprintf("nothing in the recording says %q", cmd.Message))
		}
		out := fmt.Sprintf("at %v of %v: %s", p.Found().Round(time.Millisecond), p.Length().Round(time.Millisecond), p.said(cmd.Message))
		if p.Wrapped() {
			// Nothing after the cursor: found from the start.
			out = "wrapped to the start, " + out
		}
		if pos := p.Position(); pos != p.Found() {
			// The cursor stands at the first status that shows it.
			out += fmt.Sprintf(" (shown from %v)", pos.Round(time.Millisecond))
		}
		return out, nil
	case commands.VerbFork:
		return "", x.fail(cmd, commands.ForkReason)
	case commands.VerbStatus:
		return commands.FormatStatus(p.Status()), nil
	case commands.VerbExplain:
		return x.explain(cmd)
	case commands.VerbMessages:
		return x.messages(cmd), nil
	case commands.VerbLinks:
		st := p.Status()
		recs, _, _ := p.Messages().Since(1)
		n := len(st.Nodes)
		rates := msgview.LinkRates(recs, n, p.Now(), 2*time.Second)
		return strings.Join(msgview.Matrix(rates, st.Faults, n, commands.MessagesWidth), "\n"), nil
	case commands.VerbHelp:
		return commands.Help(cmd.Topic)
	case commands.VerbEcho:
		return cluster.EscapeControls(cmd.Message), nil
	}
	return "", x.fail(cmd, fmt.Sprintf("this is a recording: %s acts on a live cluster. Here: seek TIME, find WORDS, "+
		"status, explain, messages, links, help. To run the recorded commands live: raftplay replay FILE --to-script OUT, "+
		"then raftplay script OUT", cmd.Verb))
}

// fail is a command's failure as a live runner reports it.
func (x *Executor) fail(cmd *commands.Command, msg string) error {
	text := cmd.Text
	if text == "" {
		text = cmd.String()
	}
	return &commands.Failure{Line: cmd.Line, Cmd: text, Msg: msg}
}

// where says where the cursor is: "12.5s of 1m3s".
func (p *Player) where() string {
	return fmt.Sprintf("%v of %v", p.Position().Round(time.Millisecond), p.Length().Round(time.Millisecond))
}

// said returns the text of the first thing at the time of what the last
// Find found that says text.
func (p *Player) said(text string) string {
	cur := p.Found()
	low := strings.ToLower(text)
	for _, e := range p.rec.Events {
		if p.offset(e.Time) == cur && strings.Contains(strings.ToLower(e.Text), low) {
			return cluster.EscapeControls(e.Text)
		}
	}
	for _, c := range p.rec.Commands {
		if p.offset(c.At) == cur && strings.Contains(strings.ToLower(c.Text+"\n"+c.Out+"\n"+c.Err), low) {
			said := "> " + cluster.EscapeControls(c.Text)
			if !strings.Contains(strings.ToLower(c.Text), low) {
				// Found in what the command printed, or in its error: that
				// line too.
				for _, l := range strings.Split(c.Out, "\n") {
					if strings.Contains(strings.ToLower(l), low) {
						return said + ": " + cluster.EscapeControls(strings.TrimSpace(l))
					}
				}
				for _, l := range strings.Split(c.Err, "\n") {
					if strings.Contains(strings.ToLower(l), low) {
						return said + ": error: " + cluster.EscapeControls(errWhy(strings.TrimSpace(l), c.Text))
					}
				}
			}
			return said
		}
	}
	for _, m := range p.rec.Messages {
		if p.offset(m.Time) == cur && strings.Contains(strings.ToLower(m.String()), low) {
			return m.String()
		}
	}
	return ""
}

// errWhy is l, a line of the recorded error of the command text, without
// what the answer says already: the error starts with the line number and
// the command ("line 1: restart 2: node 2 is running"), and the answer
// said the command twice ("> restart 2: line 1: restart 2: node 2 ...").
func errWhy(l, text string) string {
	if rest, ok := strings.CutPrefix(l, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			l = after
		}
	}
	return strings.TrimPrefix(l, text+": ")
}

func (x *Executor) explain(cmd *commands.Command) (string, error) {
	st := x.Player.Status()
	if cmd.What == commands.ExplainCommit {
		return cluster.ExplainCommit(st, cmd.Index), nil
	}
	var id uint64
	switch cmd.Node.Kind {
	case commands.NodeNumber:
		id = uint64(cmd.Node.N)
		if _, ok := st.Node(id); !ok {
			return "", x.fail(cmd, fmt.Sprintf("no node %d (nodes are 1 to %d)", id, len(st.Nodes)))
		}
	case commands.NodeLeader:
		if id = st.Leader; id == 0 {
			return "", x.fail(cmd, "no leader at this moment of the recording; name a node")
		}
	case commands.NodeFollower:
		for _, n := range st.Nodes {
			if n.Live() && n.Role == "follower" && n.Leader == st.Leader && st.Leader != 0 {
				id = n.ID
				break
			}
		}
		if id == 0 {
			return "", x.fail(cmd, "no live follower of a leader at this moment of the recording; name a node")
		}
	default:
		return "", x.fail(cmd, "a replay knows no @names; name a node")
	}
	switch cmd.What {
	case commands.ExplainVote:
		return cluster.ExplainVote(st, id), nil
	case commands.ExplainLog:
		return cluster.ExplainLog(st, id), nil
	}
	return cluster.ExplainNode(st, id), nil
}

func (x *Executor) messages(cmd *commands.Command) string {
	n := cmd.Count
	if n == 0 {
		n = 20
	}
	recs, _, _ := x.Player.Messages().Since(1)
	recs = msgview.Filter{Heartbeats: cmd.All}.Select(recs, n)
	if len(recs) == 0 {
		return "(no message events up to here)"
	}
	return strings.Join(msgview.SpaceTime(recs, len(x.Player.Status().Nodes), commands.MessagesWidth), "\n")
}
