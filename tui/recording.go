package tui

import (
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"
)

// The header's mark of a running recording ("● REC run.rec", loud): the
// dashboard learns of one only through Options.Recording, read in a
// tea.Cmd once per frame and after each command line that ran (so the
// mark follows `record start` and `record stop` at once), one read at a
// time (a recording that is stopping may hold the answer back).

// recordingState is the recording as the last read of Options.Recording
// said.
type recordingState struct {
	file    string // the file recorded to; "": none
	reading bool   // a read runs
}

// recordingMsg is what Options.Recording returned.
type recordingMsg string

// readRecording reads Options.Recording in a tea.Cmd, unless there is
// none or a read runs.
func (m *Model) readRecording() tea.Cmd {
	f := m.o.Recording
	if f == nil || m.recording.reading {
		return nil
	}
	m.recording.reading = true
	return func() tea.Msg { return recordingMsg(f()) }
}

// recFileMax is the most cells of the file name the mark shows.
const recFileMax = 24

// recMarks are the header's recording marks, the most telling first: the
// mark and the file's name (cleaned, cut to recFileMax cells), then the
// mark alone; none when nothing is recorded.
func (m *Model) recMarks() []string {
	if m.recording.file == "" {
		return nil
	}
	mark := m.styles.Recording.Render("● REC")
	name := cut(filepath.Base(m.recording.file), recFileMax)
	return []string{mark + " " + name, mark}
}

// withRecMark puts the recording's mark into the header's cluster line
// segs (its first segment the title) in the fewest lines at width, never
// more than without: after the title, with the file's name or without,
// or in the title's place.
func (m *Model) withRecMark(segs []segment, width int) []string {
	plain := wrapSegments(segs, width)
	marks := m.recMarks()
	if len(marks) == 0 {
		return plain
	}
	var tries [][]segment
	for _, mk := range marks {
		tries = append(tries, append([]segment{segs[0], {mk, "  "}}, segs[1:]...))
	}
	for _, mk := range marks {
		tries = append(tries, append([]segment{{mk, ""}}, segs[1:]...))
	}
	// The fewest lines, the most telling of those: the mark alone in the
	// title's place may take fewer lines than the header without a mark
	// (83 columns without it, 80 with it at 80: it wrapped anyway, the
	// title and the file's name kept; an audit).
	var best []string
	for _, t := range tries {
		if l := wrapSegments(t, width); best == nil || len(l) < len(best) {
			best = l
		}
	}
	return best
}
