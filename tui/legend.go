package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"raftplay/cluster"
)

// The legend (L): every symbol and colour the dashboard draws, each shown
// as it is drawn, in the style it is drawn in, with what it means. It opens
// in the pager, like the full key help.

// legendItem is one symbol of the legend: how it looks (styled) and what
// it means.
type legendItem struct {
	look string // styled
	mean string
}

// legendSection is a part of the screen and its symbols.
type legendSection struct {
	title string
	items []legendItem
}

// legendSections lists the sections of the legend, drawn with the dashboard's
// styles.
func (m *Model) legendSections() []legendSection {
	st := m.styles
	role := func(r string) string { return st.Role(r).Render(strings.ToUpper(r)) }
	var roles []string
	for _, r := range []string{"leader", "candidate", "pre-candidate", "follower", "paused", "down", "failed"} {
		roles = append(roles, role(r))
	}
	var memberRoles []string
	for _, r := range []string{"learner", "joining", "leaving", "outside", "removed"} {
		memberRoles = append(memberRoles, role(r))
	}
	var terms, tails, downs []string
	for t := uint64(1); t <= uint64(len(termColours)); t++ {
		cell := string(cellCommitted)
		if st.Mono {
			cell = fmt.Sprint(t % 10)
		}
		terms = append(terms, st.TermCell(t, true, false).Render(cell))
		tails = append(tails, st.TermCell(t, false, false).Render(string(cellUncommitted)))
		downs = append(downs, st.TermCell(t, true, true).Render(cell))
	}
	kind := func(k string) string {
		if s, ok := st.msgKinds[k]; ok {
			return s.Render(k)
		}
		return k
	}
	colourOr := func(coloured, mono string) string {
		if st.Mono {
			return mono
		}
		return coloured
	}
	return []legendSection{
		{"Roles, in their colours (card titles, the header's leader)", []legendItem{
			{strings.Join(roles, " "), colourOr("leader green, candidate yellow, pre-candidate orange, follower blue, paused magenta, down and failed red; PRE-CAND is PRE-CANDIDATE on a narrow card",
				"without colour the role is named; PRE-CAND is PRE-CANDIDATE on a narrow card")},
			{strings.Join(memberRoles, " "), "a follower that is not a voter: a learner (gets the log, never votes or campaigns), a node joining (no configuration yet), one leaving (the configuration no longer has it), one outside (an add of it was cut short: no configuration in force has it; D removes it); a removed node's card, greyed, goes after " + removedFor.String()},
		}},
		{"Cards", []legendItem{
			{"▸3", "the selected node; its card has a thick border"},
			{"term 4 vote 3", "its current term and whom it voted for in it (- none)"},
			{"snap 120·t3", "its newest snapshot: up to index 120, of term 3"},
			{"c/a/l 12/12/14", "commit / applied / last index; c/a/l 1200/=/+3 = applied 1200 (= the commit), last 1203"},
			{"⏱█████░░░ 0.8/1.4s", "the election timer draining: 0.8 s left of a 1.4 s timeout (12/25ms below a second); a heartbeat refills it, a new term or role draws a new timeout"},
			{st.Role("leader").Render("♥"), "a heartbeat from the leader just arrived: it beats with them (steady when they come faster than about 100 ms)"},
			{"leader 3", "the leader it follows (- none); ⇠snap 25% = a snapshot arriving from it"},
			{"lag 2:0 5:12", "a leader's followers, by how many entries each is behind its last index; 2-4,6:0 = 2, 3, 4 and 6 are 0 behind; rest:0 = every one not named; - = being probed; ⇢75% = a snapshot on its way, ⇢? = one queued, or sent whole and being installed; 3:0? = not heard from in an election timeout (down or cut off?): 0 is only what the leader last knew"},
			{"⇡██████░░ 812/900", "a learner catching up: it holds 812 of the leader's 900 entries (from the leader's progress); it is promoted to voter once close; ⇢snap 45% = a snapshot on its way, probing = the leader looks for where their logs agree"},
			{st.Bold.Render("→ transferring to 4"), "a leader handing leadership to 4 (transfer): it takes no writes until 4 has won or the transfer is abandoned"},
			{st.Bold.Render("leaving the config"), "a leader (or a node that is down) the configuration no longer has; learner = a learner that is down or paused"},
			{st.Dim.Render("removed · goes in 4s"), "removed from the cluster: its process stopped, its files deleted; its card and lane go in 4 s"},
			{st.Dim.Render("as of crash"), "a node that is down shows, faded, what it last published before it went down (as of power cut: it lost power; as of failure: it failed)"},
			{st.Unsafe.Render("NO FSYNC · 41KB unsynced"), "UNSAFE: it acknowledges entries and votes without fsync (set unsafe-skip-fsync N on); the 41 KB it wrote since are not durable, and a power failure (P) loses them"},
			{st.Error.Render("disk FULL"), "its writes fail with no space left on device: it stops (failed) at its next write; set disk-full N off gives it space and restarts it"},
			{st.Fault.Render("disk slow +50ms"), "every fsync takes 50 ms longer (set disk-delay N D); fsync +50ms on a narrow card"},
			{st.Dim.Render("564B unsynced · lost 79B"), "on a node that is down (or beside the marks above): bytes it wrote but never fsynced (a crash keeps them, a power failure does not), and bytes lost to power failures so far"},
			{st.Why.Render("behind by 30: replicate"), "the why-line: its situation in a few words (why it is where it is), from the cluster's explanations; enter shows them in full"},
			{st.Dim.Render("up · group B · held 2"), "its state (up, frozen, paused, crashed, lost power, failed, removed), its partition group, the messages it holds (step mode)"},
		}},
		{"Log lanes (one per node, one cell per index)", []legendItem{
			{terms[0], colourOr("a committed entry, in its term's colour", "a committed entry: its term's last digit")},
			{st.TermCell(1, false, false).Render(string(cellUncommitted)), "an entry not yet known committed, faded"},
			{string(cellCompacted), "compacted into a snapshot"},
			{st.NotHere.Render(string(cellNotHere)), fmt.Sprintf("in the node's log, but older than the %d entries a status carries", cluster.LogWindow)},
			{"(blank)", "past the node's last entry"},
			{strings.Join(terms, ""), colourOr("term colours, terms 1 to 8, then again from 9", "the term's last digit, terms 1 to 8")},
			{strings.Join(tails, ""), "the same, not yet committed"},
			{strings.Join(downs, ""), "the log a down node had, faded"},
			{"|350", "the ruler: every tenth index"},
			{"▼247", "the column cursor (< and >), its cells reversed; E explains it"},
			{"c=442 l=442", "the node's commit and last index (and its state when down, removed or paused)"},
			{st.Bold.Render("commit:"), "why the lowest uncommitted index is not committed yet, or that every entry is (column N: that index)"},
		}},
		{"Messages view (m): one row per message, where it ended", []legendItem{
			{"●", "its sender"},
			{"▶ ◀", "delivered: stepped into the receiver"},
			{"◆", "held by a frozen node (step mode)"},
			{"✗", "lost (by the sender: cut, dropped, queue full, unreachable, node down; at the receiver: cut on arrival, inbox full) or discarded"},
			{st.Dim.Render("… 3.5s"), "a pause: no message for that long"},
			{kind("vote") + " " + kind("prevote") + " " + kind("vote-resp") + " " + kind("app") + " " + kind("app-resp") + " " + kind("heartbeat") + " " + kind("snap"),
				colourOr("rows by kind: vote requests yellow, pre-votes orange, grants green, appends blue, their answers cyan, heartbeats grey, snapshots magenta",
					"the kind names the row")},
			{st.Error.Render("✗ lost") + " " + st.Held.Render("held") + " " + st.Fault.Render("rejected"), "lost or discarded rows as errors, held rows apart, rejections as faults"},
			{"app t3 i41..45 c40", "append at term 3 of entries 41 to 45, leader's commit 40; after 40@3 = the entry before them"},
			{"vote t4 last 30@3", "vote request at term 4; the candidate's last entry is 30, of term 3"},
			{"app-resp t9 rejected: no 442, hint 142@1", "a refused append: no entry 442 here; the hint says where to look"},
		}},
		{"Link matrix (x): rows send, columns receive", []legendItem{
			{"10/s", "messages sent per second on that link over the last 2 s"},
			{st.Error.Render("cut") + " " + st.Error.Render("part"), "blocked: a cut rule, or cut by the partition"},
			{st.Fault.Render("d50% +100ms"), "a drop rule (50% of messages) and a delay rule"},
			{st.Dim.Render("·"), "a node to itself"},
			{st.Focused.Render("[0/s]"), "the selected link (the arrows move it)"},
		}},
		{"Header", []legendItem{
			{st.Recording.Render("● REC") + " run.rec", "a recording of this session is being written to run.rec (--record FILE or record start FILE; record stop ends it); where the line is short of room, ● REC alone, in place of raftplay"},
			{"leader " + st.Role("down").Render("none"), "between leaders; term and commit are then the highest any node has (highest); (1 claims it): node 1 thinks it leads, but no majority follows it (yet)"},
			{"config 1,2,3 +4 learner " + st.Fault.Render("pending"), "the leader's configuration, shown when not every node is a voter: the voters, + the learners; pending = its entry is not committed yet (one change at a time)"},
			{st.Fault.Render("partition A:1,2 | B:3"), "the faults in force: partition groups, cut links, drop and delay rules (+2 more (x): x shows every link)"},
			{st.Fault.Render("disk-full 3; disk-delay 50ms 2"), "disk faults in force, in the words of set: 3's disk is full, every fsync of 2 takes 50 ms longer"},
			{st.Unsafe.Render("UNSAFE: 2 skips fsync"), "a node acknowledges without fsync (set unsafe-skip-fsync N on): a power failure can lose what it acknowledged, and so break Raft's safety"},
			{st.Frozen.Render("FROZEN"), "step mode: clocks stopped, messages held where they arrive"},
			{st.Violation.Render("!! SAFETY VIOLATION !!"), "the invariant monitor saw Raft's safety broken (never, in a correct run)"},
			{st.Narration.Render("┃ text"), "narration: the last say of the script, the prompt or the recording (esc dismisses it); press space to go on = the script waits for a key (wait key; the other keys work meanwhile)"},
		}},
		{"Replay (raftplay replay FILE): the header's first lines", []legendItem{
			{st.Replay.Render("REPLAY ▶ 1.0x") + " 12.5s / 1m00.0s", "playing at normal speed (⏸: paused), 12.5 s into a recording of a minute; everything below is the recorded cluster at that moment"},
			{"━━━" + st.Bold.Render(string(tlCursor)) + st.Dim.Render("───"), "the timeline: the recording across the screen, the part played heavy, the cursor " + string(tlCursor)},
			{m.markStyle(MarkLeader).Render("L") + " " + m.markStyle(MarkFault).Render("x") + " " + m.markStyle(MarkViolation).Render("!") + " " + m.markStyle(MarkCommand).Render("c"),
				"marks: a new leader, a fault set or healed, a safety violation, a command run; where several fall in one cell the rarest shows (! before x before L before c); under the cursor, the cursor shows, in the mark's colour"},
			{st.Error.Render("recording ends early"), "the file is cut short or damaged there: the replay shows what came before"},
		}},
	}
}

// legendLines lays the legend out at width: each symbol, then what it
// means, wrapped beside it (or under it when the symbol is wide).
func (m *Model) legendLines(width int) []string {
	const col = 20 // where meanings start
	st := m.styles
	var out []string
	for i, sec := range m.legendSections() {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, st.Section.Render(st.Clip(sec.title, width)))
		for _, it := range sec.items {
			lw := lipgloss.Width(it.look)
			if lw > col-3 || width < 2*col {
				out = append(out, "  "+st.Clip(it.look, width-2))
				for _, l := range wrapWords(it.mean, width-col) {
					out = append(out, strings.Repeat(" ", col)+l)
				}
				continue
			}
			for j, l := range wrapWords(it.mean, width-col) {
				if j == 0 {
					out = append(out, "  "+it.look+strings.Repeat(" ", col-2-lw)+l)
					continue
				}
				out = append(out, strings.Repeat(" ", col)+l)
			}
		}
	}
	return out
}
