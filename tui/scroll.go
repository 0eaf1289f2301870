package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// scrollKey handles the keys of an open pager or of the focused event feed
// (pgup/pgdn also focus it) and reports whether msg was one.
func (m *Model) scrollKey(msg tea.KeyMsg) bool {
	k := &m.keys
	switch m.pagerShown() {
	case helpPager:
		if key.Matches(msg, k.Close) {
			m.fullHelp = false
			return true
		}
		lines := m.helpLines(m.width)
		return m.helpView.scrollKey(k, msg, m.layout().region-1, len(lines), m.width, m.width)
	case legendPager:
		if key.Matches(msg, k.Close) {
			m.legend = false
			return true
		}
		lines := m.legendLines(m.width)
		return m.legendAt.scrollKey(k, msg, m.layout().region-1, len(lines), m.width, m.width)
	case outputPager:
		if key.Matches(msg, k.Close) {
			m.output.clear()
			return true
		}
		s := m.layout()
		return m.output.pager.scrollKey(k, msg, s.region-1, m.outputPagerLines(), m.width, m.outputPagerWidth())
	}
	if m.region != regionLanes {
		return false // the other views handle their own keys (panelKey)
	}
	f := &m.feed
	rows := m.eventRows()
	switch {
	case !f.focused && (key.Matches(msg, k.PageUp) || key.Matches(msg, k.PageDown)):
		f.focused = true
		return m.scrollKey(msg)
	case !f.focused:
		return false
	case key.Matches(msg, k.Close), key.Matches(msg, k.Events):
		f.focused = false
		f.follow()
	case key.Matches(msg, k.Up):
		f.scroll(-1, rows)
	case key.Matches(msg, k.Down):
		f.scroll(1, rows)
	case key.Matches(msg, k.PageUp):
		f.scroll(-max(1, rows-1), rows)
	case key.Matches(msg, k.PageDown):
		f.scroll(max(1, rows-1), rows)
	case key.Matches(msg, k.Home):
		f.home(rows)
	case key.Matches(msg, k.End):
		f.follow()
	default:
		return false
	}
	return true
}

// eventRows is how many event lines the feed shows now: the region less
// the lanes as drawn and the feed's title.
func (m *Model) eventRows() int {
	return max(1, m.layout().region-len(m.nodes)-2-len(m.viewCommitWhy(m.width))-1)
}
