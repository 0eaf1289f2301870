// Package tui is raftplay's Bubble Tea dashboard: it watches a live cluster
// and breaks it with keys, or replays a recording of one.
//
// The contract:
//
//   - The dashboard reads the cluster only through a Source: an immutable
//     cluster.Status snapshot, polled once per frame (tea.Tick; a third of
//     the heartbeat interval, 33-100ms, so the heartbeat pulse can beat),
//     and the bounded cluster.EventLog, read by a tea.Cmd that blocks on
//     EventLog.Wait and is re-armed after each message. Everything a frame
//     draws comes from that one snapshot and the frame's time. It never
//     touches a node and never blocks the cluster.
//   - Text from outside (keys, values, event texts, errors, command output,
//     typed lines) is escaped (cluster.EscapeControls) before it is drawn:
//     no control byte reaches the terminal.
//   - One layout function divides the screen, for drawing and for the
//     size the dashboard asks for; cards show every number whole,
//     choosing for each line the first rendering that fits. The header and
//     cards as they are must fit; the lanes and events take what is left.
//     Once drawn at a size it keeps drawing there while they fit (view.go).
//   - Every decision on screen comes with its reason, in the cluster's
//     words (cluster.Why, ExplainCommit, ExplainNode, ExplainVote,
//     ExplainLog): a why-line on each card, the commit explanation under
//     the lanes (of the index a column cursor marks), a why panel in the
//     detail view. The dashboard words none of them itself.
//   - Every action is a command line of the command language (COMMANDS.md),
//     parsed by commands.Parser and run by an Executor in a tea.Cmd, never in
//     Update: a key such as `c` only builds the line "crash 3". The dashboard
//     has no fault, client or timing logic of its own.
//   - The message trace (a MsgLog; *cluster.MsgTrace is one) is read only
//     while the messages view or the link matrix is open, at most once per
//     frame, in a tea.Cmd: the records since the last read are copied into
//     the dashboard's own bounded copy (msgStore), which the views draw
//     with msgview, the code that draws `messages` for scripts.
//   - Step mode is the command language's: z, s, t, b, d and del run
//     freeze/thaw, step, timeout N, heartbeat N, deliver and discard; the
//     link matrix's c, d and y run cut/heal, drop and delay on one link.
//   - Membership is drawn from the status alone: the header names the
//     configuration (Status.Membership) when it is not every node a voter
//     ("config 1,2,3 +4 learner pending"); a follower that is not a voter
//     is titled LEARNER (with its catch-up from the leader's Progress),
//     JOINING or LEAVING; a leader handing over says "→ transferring to
//     N" (Transferee). A removed node's card and lane stay, greyed, for
//     removedFor by the status's clock, then go: the cards and lanes draw
//     Model.nodes, the nodes not gone, and the selection moves off a node
//     that goes; the messages view's columns are the drawn nodes (a
//     removed node's goes with its card), the link matrix keeps a row and
//     a column per id. A, D and T run `add`, `remove N` and `transfer N`
//     (member.go says when they apply); `add` waits for the new node to catch up, in
//     its tea.Cmd like every command, and A is off until it answers (an
//     Executor that runs one command at a time, as the program's does,
//     holds later keys' commands until then; the dashboard draws on).
//   - Disk faults are drawn from each node's Disk (cluster.DiskStatus)
//     alone: a card says what is not plain about its node's disk, on a
//     line it has only then (NO FSYNC, loud; disk FULL; disk slow +50ms;
//     the bytes written and not yet durable, of a node that skips fsync
//     or is down; the bytes lost to power failures); the header marks
//     loudly every node that skips fsync ("UNSAFE: 2 skips fsync") and
//     lists disk-full and disk-delay among the faults; the detail view
//     has the numbers whole; the feed shows the cluster's events of each
//     fault and its consequence, an UNSAFE setting loudly. The unsynced
//     bytes of a running node that fsyncs (slow disk or not) are the
//     moment between a write and its fsync: not drawn, they would
//     flicker. P runs `powerfail N` on a running node; the other disk
//     faults (powerfail all, wipe, corrupt, the disk settings) are typed
//     at the prompt: wipe and corrupt break a node too badly for a key.
//   - A replay is a Source that is a Player (replay.go): the Model decides
//     it once, in New, by Options.Source.(Player), and draws the recording
//     with the very panels a live cluster has (one drawing path): each
//     frame reads, in its tea.Cmd, the player's status and state (epoch,
//     playing, speed, position, length, marks, early end), the clock is
//     the player's Now, the event feed reads Player.Events() and the
//     message views Player.Messages() (not the Source's Trace). Its own
//     drawing is only the header's first lines (timeline.go): "REPLAY ▶
//     1.0x  12.5s / 1m00.0s" (⏸ paused, the cursor then to the
//     millisecond: 12.503s), the timeline with the marks and
//     the cursor, and where the recording ends early (Stopped). The keys
//     space, '+' and '-', ',' and '.', ← and → ask the player (play/pause,
//     speed, step, a second back/on) through a queue run one operation at a time,
//     each in a tea.Cmd; a step says where it went and what is recorded
//     there (a command, an event, else a message); tab and ↑/↓ select
//     nodes instead of the arrows.
//     The keys that change a cluster (faults, clients, timing, step mode,
//     membership) are off: not in the help bar, listed apart in the full
//     help ("Off in a replay"), and answered with a note.
//     The prompt works as live (its lines go to the Executor, which answers
//     seek and find). When Epoch changes (a frame sees it) the feed and the
//     message store are dropped and read again from the epoch's logs; the
//     old event reader is stopped by its own context, and reads of an old
//     epoch that arrive late are dropped (they carry their epoch).
//     The header's write rate is measured from the statuses the cursor
//     reached by playing: any jump (a new epoch, a step, seek or find)
//     starts it again, and it says "writes -/s" until a second of
//     recorded time has played since.
//   - Narration: a `say TEXT` line of the script or the prompt (run through
//     the Executor like any line; its output is not shown again) shows its
//     text, escaped, wrapped, its line breaks kept, in a panel above the
//     region until the next say or esc; in a replay, the say recorded at or
//     before the cursor. The panel's lines come from the region (up to
//     narrMax, leaving one line; narrFloor even from a small region), so a
//     narration never turns the screen into the size message. A script's
//     `wait key` stops the script, saying "press space to go on" there
//     (and the help bar starts with space), until space: space goes on
//     (the line then runs through the Executor, which does nothing with
//     it, so a saved session has it) and does nothing else. Meanwhile
//     every other key works as usual, none goes on: the views, the prompt
//     (its lines run as live), and the keys that change the cluster (the
//     learner may play); q and ctrl+c quit. A lesson (Options.Lesson) on
//     a terminal shorter than what shows its lanes and events under its
//     longest narration says so, and the size that does, on a line of
//     its first narration, and once more if the terminal is made smaller
//     while it plays (lessonFit).
//   - The help bar shows only the keys that apply to the selected node, the
//     view and the cluster now; `?` shows them all.
//   - A recording running is marked on the header's first line ("● REC
//     run.rec", loud; "● REC" alone in place of the title where the line
//     has no room), never taking a line more: the dashboard learns of it
//     only through Options.Recording (record.Switch.Recording), read in a
//     tea.Cmd once per frame and after each command line, one read at a
//     time (recording.go).
//   - Styles come from one Styles value (styles.go); NO_COLOR or a colourless
//     profile gives a readable monochrome screen.
//   - The clock is injected (Options.Clock) so tests render frozen frames.
//
// Layout: model.go is the root (routing only), keys.go the bindings,
// msgs.go the messages, actions.go the command lines keys build (and the
// speed keys' arithmetic, the matrix's cycles), member.go what the
// dashboard draws of the membership and when A, D and T apply, disk.go
// what it draws of the disks, scroll.go the keys of pagers and the event
// feed, view.go the layout and the size it needs, text.go wrapping and
// escaping, pulse.go the frame rate and the heartbeat pulse, trace.go the
// copy of the message trace, and one file per panel: header.go, cards.go
// (lag.go), lanes.go (column.go: the commit explanation and the column
// cursor), events.go, detail.go (with the why panel), messages.go (the
// space-time diagram), held.go (the held list), matrix.go (the link
// matrix), legend.go (every symbol and colour), pager.go and prompt.go;
// recording.go the header's mark of a recording running, replay.go is
// the Player contract, playback.go the replay's frames, keys
// and epochs, timeline.go its header lines, narrate.go the narration and
// wait key.
package tui
