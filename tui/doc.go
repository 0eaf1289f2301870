// Package tui is raftplay's Bubble Tea dashboard: it watches a live cluster
// and breaks it with keys.
//
// The contract:
//
//   - The dashboard reads the cluster only through a Source: an immutable
//     cluster.Status snapshot, polled at a fixed frame rate (tea.Tick), and the
//     bounded cluster.EventLog, read by a tea.Cmd that blocks on
//     EventLog.Wait and is re-armed after each message. It never touches a
//     node and never blocks the cluster.
//   - Every action is a command line of the command language (COMMANDS.md),
//     parsed by commands.Parser and run by an Executor in a tea.Cmd, never in
//     Update: a key such as `c` only builds the line "crash 3". The dashboard
//     has no fault, client or timing logic of its own.
//   - The help bar shows only the keys that apply to the selected node and the
//     cluster now; `?` shows them all.
//   - Styles come from one Styles value (styles.go); NO_COLOR or a colourless
//     profile gives a readable monochrome screen.
//   - The clock is injected (Options.Clock) so tests render frozen frames.
//
// Layout: model.go is the root (routing only), keys.go the bindings,
// msgs.go the messages, actions.go the command lines keys build, view.go
// the layout, and one file per panel: header.go, cards.go, lanes.go,
// events.go, detail.go and prompt.go.
package tui
