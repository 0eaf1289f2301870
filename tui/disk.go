package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// Disk faults on the dashboard, drawn from each node's cluster.DiskStatus
// alone: a line on the card of a node whose disk is not plain, the
// header's UNSAFE mark while a node acknowledges without fsync, and its
// disk-full and disk-delay among the faults in force. P cuts the selected
// node's power (`powerfail N`); every other disk fault is typed at the
// prompt (wipe, corrupt and powerfail all break things too badly for a
// key).

// diskPart is one thing a card says of a disk, and a shorter way to say
// it on a narrow card ("" when there is none).
type diskPart struct{ text, short string }

// diskParts is what node n's card says of its disk, most urgent first:
// NO FSYNC, disk FULL, disk slow +50ms (fsync +50ms) and, while an fsync
// on it has lasted 100ms or more, waiting 1.4s for fsync, then the bytes
// written and not yet durable ("564B unsynced") and those lost to power
// failures so far ("lost 79B", while down from one or skipping fsync);
// nil for a plain disk. Those bytes are said of a node
// that skips fsync (they grow until a power failure takes them) or is
// down (they stay as the crash left them), or beside a fault; on a
// running node with a plain or only slow disk they are the moment
// between a write and its fsync, and would flicker.
func diskParts(n cluster.NodeStatus) []diskPart {
	d := n.Disk
	var parts []diskPart
	if d.SkipFsync {
		parts = append(parts, diskPart{text: "NO FSYNC"})
	}
	if d.Full {
		parts = append(parts, diskPart{text: "disk FULL"})
	}
	if d.Delay > 0 {
		parts = append(parts, diskPart{"disk slow +" + d.Delay.String(), "fsync +" + d.Delay.String()})
		if w := d.SyncWait; w >= syncWaitShown && n.State != cluster.StateCrashed && n.State != cluster.StateFailed {
			// Its loop waits for the fsync and publishes nothing: the rest
			// of the card stands as it was when the wait began.
			wait := w.String()
			parts = append(parts, diskPart{"waiting " + wait + " for fsync", "fsync " + wait})
		}
	}
	down := n.State == cluster.StateCrashed || n.State == cluster.StateFailed
	if len(parts) == 0 && !down {
		return nil
	}
	if d.Unsynced > 0 && (d.SkipFsync || down) {
		parts = append(parts, diskPart{text: bytesText(d.Unsynced) + " unsynced"})
	}
	// What power failures took is said while the node is down from one,
	// and while it skips fsync (the next takes more); beside a later, other
	// fault (a disk gone full) it read as that fault's loss.
	if d.LostBytes > 0 && (d.SkipFsync || n.PowerLost) {
		parts = append(parts, diskPart{text: "lost " + bytesText(d.LostBytes)})
	}
	return parts
}

// syncWaitShown is how long an fsync on a slow disk (set disk-delay) must
// have lasted before the card says the node is waiting for it.
const syncWaitShown = 100 * time.Millisecond

// diskBlock is the card's disk line, or false when the disk is plain:
// its parts on one line, or packed onto as few as fit. It is loud while
// the node skips fsync, an error while the disk is full, a fault while
// it is slow, and faded when it only says what a node that is down left
// unsynced or lost.
func diskBlock(n cluster.NodeStatus, s Styles) (block, bool) {
	parts := diskParts(n)
	if len(parts) == 0 {
		return block{}, false
	}
	style := s.Dim
	switch d := n.Disk; {
	case d.SkipFsync:
		style = s.Unsafe
	case d.Full:
		style = s.Error
	case d.Delay > 0:
		style = s.Fault
	}
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.text
	}
	return block{alts: [][]string{{strings.Join(texts, " · ")}}, style: style,
		wrap: func(width int) []string { return packParts(parts, " · ", width) }}, true
}

// packParts lays parts out on lines of width cells, as many on a line as
// fit (joined by sep), each whole: said short when it does not fit a line
// of its own, wrapped by words only when that does not fit either.
func packParts(parts []diskPart, sep string, width int) []string {
	var lines []string
	for _, p := range parts {
		text := p.text
		if lipgloss.Width(text) > width && p.short != "" {
			text = p.short
		}
		if n := len(lines); n > 0 && lipgloss.Width(lines[n-1]+sep+text) <= width {
			lines[n-1] += sep + text
			continue
		}
		lines = append(lines, wrapWords(text, width)...)
	}
	return lines
}

// bytesText writes a byte count short: "564B", "4.1KB", "41KB", "1.2MB".
func bytesText(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%dB", n)
	}
	v := float64(n)
	for _, unit := range []string{"KB", "MB", "GB", "TB"} {
		v /= 1024
		switch {
		case v < 9.95:
			return fmt.Sprintf("%.1f%s", v, unit)
		case v < 999.5:
			return fmt.Sprintf("%.0f%s", v, unit)
		}
	}
	return fmt.Sprintf("%.0fPB", v/1024)
}

// skippingFsync lists the nodes of st (not removed) that acknowledge
// without fsync.
func skippingFsync(st cluster.Status) []uint64 {
	var ids []uint64
	for _, n := range st.Nodes {
		if n.Disk.SkipFsync && n.State != cluster.StateRemoved {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// unsafeText is the header's mark while nodes skip fsync.
func unsafeText(ids []uint64) string {
	if len(ids) == 1 {
		return fmt.Sprintf("UNSAFE: %d skips fsync: a power failure can lose what it acknowledged", ids[0])
	}
	return fmt.Sprintf("UNSAFE: %s skip fsync: a power failure can lose what they acknowledged", joinIDs(ids, ","))
}

// diskFaults describes the disk faults in force, as the header's faults
// name them, in the words of the set command: "disk-full 3", "disk-delay
// 50ms 2,4". Skipping fsync has the header's UNSAFE line instead.
func diskFaults(st cluster.Status) []string {
	var full []uint64
	delays := map[time.Duration][]uint64{}
	for _, n := range st.Nodes {
		if n.State == cluster.StateRemoved {
			continue
		}
		if n.Disk.Full {
			full = append(full, n.ID)
		}
		if n.Disk.Delay > 0 {
			delays[n.Disk.Delay] = append(delays[n.Disk.Delay], n.ID)
		}
	}
	var out []string
	if len(full) > 0 {
		out = append(out, "disk-full "+joinIDs(full, ","))
	}
	ds := make([]time.Duration, 0, len(delays))
	for d := range delays {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	for _, d := range ds {
		out = append(out, fmt.Sprintf("disk-delay %v %s", d, joinIDs(delays[d], ",")))
	}
	return out
}

// diskDetail is the detail view's line on the node's disk, with the
// numbers whole.
func diskDetail(n cluster.NodeStatus) string {
	d := n.Disk
	s := fmt.Sprintf("disk: %s written, all of it durable", plural(int(d.Written), "byte"))
	if d.Unsynced > 0 {
		s = fmt.Sprintf("disk: %s written, %d not yet durable (a power failure now would lose them)", plural(int(d.Written), "byte"), d.Unsynced)
	}
	switch {
	case d.LostBytes > 0 && d.Unsynced == 0:
		// What a power cut took was written too: not "all of it durable"
		// (the detail said so, then "6826 lost", of a node that had lost them).
		s = fmt.Sprintf("disk: %s written, %d of them lost to power failures so far, the rest durable", plural(int(d.Written), "byte"), d.LostBytes)
	case d.LostBytes > 0:
		s += fmt.Sprintf(", %d lost to power failures so far", d.LostBytes)
	}
	if d.Zeroed > 0 {
		s += fmt.Sprintf("; %d MiB of zeros written ahead, to preallocate log segments", (d.Zeroed+1<<19)>>20)
	}
	if d.Delay > 0 {
		s += fmt.Sprintf("; slow: every fsync takes %v longer", d.Delay)
	}
	if d.Full {
		s += fmt.Sprintf("; FULL: writes fail with no space left on device (set disk-full %d off gives it space)", n.ID)
	}
	if d.SkipFsync {
		s += "; UNSAFE: it acknowledges without fsync"
	}
	return s
}
