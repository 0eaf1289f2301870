package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// lagBlock lists, for a leader, how far each follower's match index is
// behind the leader's last index: "lag 2:0 3:0 4:12 5:-" ("-": a follower
// being probed whose match is not known yet; "⇢75%": an InstallSnapshot to it in flight; "⇢?": one
// queued, or sent whole and being installed (the transport measures a transfer while it lasts); a trailing "?":
// one the leader has not heard from in an election timeout, so the number
// is only what it last knew: the follower may be down or cut off). When that does
// not fit on one line, followers with the same lag are grouped
// ("lag 2-4,6:0 5:12 7:-": 2, 3, 4 and 6 are 0 behind), or only those that
// differ from the most common lag are named ("lag 7:- rest:0"), and the
// list wraps onto more lines when even that does not fit. Every follower is
// accounted for.
func lagBlock(n cluster.NodeStatus, style lipgloss.Style) block {
	ids := make([]uint64, 0, len(n.Progress))
	for id := range n.Progress {
		if id != n.ID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return one(style, "no followers")
	}
	cells := make([]string, len(ids))
	for i, id := range ids {
		p := n.Progress[id]
		switch {
		case p.State == "snapshot":
			cells[i] = "⇢" + percent(n.Links[id].SnapshotBytesSent, n.Links[id].SnapshotBytesTotal)
		case p.State == "probe" && p.Match == 0:
			cells[i] = "-"
		default:
			cells[i] = fmt.Sprint(n.LastIndex - min(n.LastIndex, p.Match))
		}
		if n.Quiet(p) {
			cells[i] += "?"
		}
	}
	plain := make([]string, len(ids))
	for i, id := range ids {
		plain[i] = fmt.Sprintf("%d:%s", id, cells[i])
	}
	grouped := groupLags(ids, cells)
	line := func(items []string) string { return strings.Join(append([]string{"lag"}, items...), " ") }
	b := block{alts: [][]string{{line(plain)}}, style: style}
	if len(grouped) < len(plain) {
		b.alts = append(b.alts, []string{line(grouped)})
	}
	if rest := restLags(ids, cells); rest != nil {
		b.alts = append(b.alts, []string{line(rest)})
	}
	// Wrapped: the grouped list, or the plain one when it takes no more lines.
	b.alts = append(b.alts, []string{line(grouped)})
	b.orWrap = line(plain)
	return b
}

// restLags names only the followers whose lag differs from the most
// common one, then gives that one to the rest: "3:- 7:12 rest:0". Nil when
// no lag is shared by three followers or more.
func restLags(ids []uint64, cells []string) []string {
	count := map[string]int{}
	common := ""
	for _, c := range cells {
		count[c]++
		if count[c] > count[common] {
			common = c
		}
	}
	if count[common] < 3 {
		return nil
	}
	var out []string
	for i, c := range cells {
		if c != common {
			out = append(out, fmt.Sprintf("%d:%s", ids[i], c))
		}
	}
	return append(out, "rest:"+common)
}

// groupLags groups followers by the lag shown for them, in the order of
// their lowest id: ids 2,3,4,6 with lag 0 become "2-4,6:0".
func groupLags(ids []uint64, cells []string) []string {
	var order []string
	byCell := map[string][]uint64{}
	for i, c := range cells {
		if _, ok := byCell[c]; !ok {
			order = append(order, c)
		}
		byCell[c] = append(byCell[c], ids[i])
	}
	out := make([]string, len(order))
	for i, c := range order {
		out[i] = idRanges(byCell[c]) + ":" + c
	}
	return out
}

// idRanges writes sorted ids with runs as ranges: "2-4,6".
func idRanges(ids []uint64) string {
	var parts []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, fmt.Sprint(ids[i]))
		case j == i+1:
			parts = append(parts, fmt.Sprint(ids[i]), fmt.Sprint(ids[j]))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", ids[i], ids[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
