package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"raftplay/cluster"
)

// Narration and sessions: say TEXT, wait key, save FILE.
//
// A lesson (or any script written for people) alternates narration and
// commands. In the dashboard `say` puts its text in front of the learner and
// `wait key` holds the script until space is pressed; headless there is no
// one to wait for, so `wait key` does nothing and `say` prints its text
// set off from the commands (FormatNarration).

// parseSay parses say TEXT...: the words joined by one space, as echo does
// (quote text to keep its spacing). Narration needs some text.
func parseSay(lp *lineParser) error {
	if !lp.more() {
		_, err := lp.next("TEXT")
		return err
	}
	return parseEcho(lp)
}

// parseSave parses save FILE.
func parseSave(lp *lineParser) error {
	t, err := lp.next("FILE")
	if err != nil {
		return err
	}
	if t.text == "" {
		return lp.errAt(t.col, "empty file name (want save FILE)")
	}
	lp.cmd.Name = t.text
	return lp.done()
}

// execSay returns the narration as a command's output: control characters
// escaped, line breaks (written "\n" in a quoted text) kept.
func execSay(cmd *Command) string {
	lines := strings.Split(cmd.Message, "\n")
	for i, l := range lines {
		lines[i] = cluster.EscapeControls(l)
	}
	return strings.Join(lines, "\n")
}

// narrationWidth is the width FormatNarration wraps to, its mark included.
const narrationWidth = 78

// NarrationMark starts the first line of narration in a script's output.
const NarrationMark = "» "

// FormatNarration sets narration (the output of `say`) apart from the
// commands around it, as `raftplay script` prints it: a blank line, then the
// text after NarrationMark, wrapped at 78 columns, later lines indented
// under the first. Line breaks in the text are kept.
func FormatNarration(text string) string {
	var b strings.Builder
	b.WriteString("\n")
	first := true
	for _, para := range strings.Split(text, "\n") {
		for _, line := range WrapWords(para, narrationWidth-len([]rune(NarrationMark))) {
			if first {
				b.WriteString(NarrationMark)
				first = false
			} else {
				b.WriteString("  ")
			}
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// WrapWords splits s into lines of at most width runes, breaking between
// words; a word longer than width has a line of its own. An empty s is one
// empty line.
func WrapWords(s string, width int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	line := words[0]
	for _, w := range words[1:] {
		if len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		line += " " + w
	}
	return append(lines, line)
}

// execSave writes the session's history to cmd.Name (a leading ~/ is the
// home directory) and says where, as an absolute path.
func (r *Runner) execSave(cmd *Command) (string, error) {
	h := r.opts.History
	if h == nil {
		return "", failf("this session keeps no history to save (save works at the dashboard's prompt and in scripts)")
	}
	path := cmd.Name
	if home, err := os.UserHomeDir(); err == nil {
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			path = filepath.Join(home, rest)
		} else if path == "~" {
			path = home // a directory: Save says so
		}
	}
	if own := r.opts.Owned; own != nil {
		if err := own(path); err != nil {
			return "", failf("%v", err)
		}
	}
	// A file of the user's (a scenario script, say) is not lost to a save
	// over it: it is kept beside, as FILE~. One this session saved is
	// saved over.
	kept, undo := "", func() {}
	if !h.Wrote(path) {
		var err error
		if kept, undo, err = KeepAside(path); err != nil {
			return "", failf("%v (nothing was saved; save to another file)", err)
		}
	}
	n, failed, err := h.Save(path)
	if err != nil {
		undo()
		return "", failf("%s (nothing was written, a file already there is as it was; save to another file)", strings.TrimPrefix(err.Error(), "commands: "))
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // say where it went, whatever the working directory
	}
	msg := fmt.Sprintf("saved %d commands to %s", n, cluster.EscapeControls(path))
	if n == 1 {
		msg = "saved 1 command to " + cluster.EscapeControls(path)
	}
	if failed > 0 {
		msg += fmt.Sprintf(" (and %d that failed, as comments)", failed)
	}
	if kept != "" {
		msg += "; the file that was there is kept as " + cluster.EscapeControls(kept)
	}
	return msg, nil
}
