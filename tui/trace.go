package tui

import (
	"sort"

	tea "github.com/charmbracelet/bubbletea"

	"raftplay/cluster"
	"raftplay/msgview"
)

// MsgLog is the message trace the messages view and the link matrix read;
// *cluster.MsgTrace is one. Since returns the records from sequence number
// seq on that the log still holds, the number to ask for next and how many
// after seq it no longer holds; On reports whether it records.
type MsgLog interface {
	Since(seq uint64) (recs []cluster.MsgRecord, next uint64, dropped uint64)
	On() bool
}

// traceMsg carries the records added to the trace since the last read.
type traceMsg struct {
	recs          []cluster.MsgRecord
	next, dropped uint64
	on            bool
	epoch         uint64 // the replay's epoch the trace belongs to (0 live)
}

// traceCmd reads the records from next on, in the command's goroutine.
func traceCmd(log MsgLog, next uint64) tea.Cmd {
	return func() tea.Msg {
		recs, n, dropped := log.Since(next)
		return traceMsg{recs: recs, next: n, dropped: dropped, on: log.On()}
	}
}

// readTrace returns a command that reads the trace's new records when a
// view that draws them is open and no read is in flight; nil otherwise.
// The trace is read only while those views are open: opening one reads
// what the cluster's ring holds.
func (m *Model) readTrace() tea.Cmd {
	s := &m.msgs.store
	if m.trace == nil || s.reading || (m.region != regionMessages && m.region != regionLinks) {
		return nil
	}
	s.reading = true
	cmd, epoch := traceCmd(m.trace, s.next), m.epoch
	return func() tea.Msg {
		msg := cmd().(traceMsg)
		msg.epoch = epoch
		return msg
	}
}

// onTrace stores what a read of the trace gave, unless it is of an older
// epoch (a replay's cursor moved back since).
func (m *Model) onTrace(msg traceMsg) {
	if msg.epoch == m.epoch {
		m.msgs.store.add(msg)
	}
}

// storeSize is how many records the dashboard keeps: as many as the
// cluster's ring holds.
const storeSize = cluster.MsgTraceSize

// msgStore is the dashboard's copy of the message trace, oldest first, and
// the positions of the records a filter shows. A position counts records
// from the first ever stored, so it survives the oldest being dropped.
type msgStore struct {
	recs    []cluster.MsgRecord
	base    int    // positions of the records dropped from the front: recs[i] is at base+i
	next    uint64 // the sequence number to read next
	reading bool   // a read is in flight
	off     bool   // the trace does not record
	size    int    // how many records to keep (0: storeSize)

	filter  msgview.Filter // what index was built for
	index   []int          // positions of the records filter shows, ascending
	indexed int            // positions below this have been looked at
}

// add stores what a read gave. Records the trace overwrote before they
// were read leave a gap: the copy then starts again from what it holds, so
// no two rows drawn next to each other had events between them.
func (s *msgStore) add(msg traceMsg) {
	s.reading, s.off = false, !msg.on
	if msg.dropped > 0 && len(s.recs) > 0 {
		s.drop(len(s.recs))
	}
	s.next = msg.next
	s.recs = append(s.recs, msg.recs...)
	size := s.size
	if size == 0 {
		size = storeSize
	}
	if len(s.recs) >= size+size/4 { // drop the oldest a quarter at a time
		s.drop(len(s.recs) - size)
	}
}

// drop forgets the n oldest records.
func (s *msgStore) drop(n int) {
	s.recs = s.recs[:copy(s.recs, s.recs[n:])]
	s.base += n
	i := sort.SearchInts(s.index, s.base)
	s.index = s.index[:copy(s.index, s.index[i:])]
	s.indexed = max(s.indexed, s.base)
}

// end is the position just past the newest record.
func (s *msgStore) end() int { return s.base + len(s.recs) }

// at returns the record at position pos.
func (s *msgStore) at(pos int) cluster.MsgRecord { return s.recs[pos-s.base] }

// shown returns the positions of the records f shows, oldest first.
func (s *msgStore) shown(f msgview.Filter) []int {
	if f != s.filter {
		s.filter, s.index, s.indexed = f, s.index[:0], s.base
	}
	for pos := max(s.indexed, s.base); pos < s.end(); pos++ {
		if f.Shows(s.at(pos)) {
			s.index = append(s.index, pos)
		}
	}
	s.indexed = s.end()
	return s.index
}

// scrollWindow says which of the positions shown a view of rows rows
// draws: those from start to end (exclusive), given pin, the position of
// the newest row drawn when scrolled back (-1: follow the newest).
func scrollWindow(shown []int, pin, rows int) (start, end int) {
	end = len(shown)
	if pin >= 0 {
		end = max(min(rows, len(shown)), sort.SearchInts(shown, pin+1))
	}
	return max(0, end-rows), end
}

// scrollPin moves a view of rows rows over shown by `by` rows (< 0: back
// to older ones) from pin, and returns the new pin: -1 when it reaches the
// newest, which it then follows.
func scrollPin(shown []int, pin, rows, by int) int {
	_, end := scrollWindow(shown, pin, rows)
	end = min(len(shown), max(min(rows, len(shown)), end+by))
	if end >= len(shown) {
		return -1
	}
	return shown[end-1]
}
