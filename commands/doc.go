// Package commands is raftplay's command language (see COMMANDS.md): scripts,
// the dashboard's prompt and its keybindings all speak it.
//
// This part of the package parses. Parse reads a whole script before anything
// runs; ParseLine reads one line (the interactive prompt); a Parser reads lines
// one by one and remembers the names that `let` defined. Each line becomes a
// Command whose fields are typed and validated: node numbers are in 1..nodes,
// durations are Go durations in [0, MaxDuration] (timeouts, heartbeats and
// election bounds are positive), percentages in 0..100, election ranges have
// MIN < MAX, partition groups name no node twice, links join two different
// nodes. The executor never needs to look at the text again.
//
// Lexical rules: words are separated by spaces or tabs. A word that starts
// with a double quote runs to the closing quote and may use Go escapes
// ("hello world", "say \"hi\""); it must be followed by a space, a comment or
// the end of the line. Outside quotes, '#' starts a comment anywhere on the
// line. Verbs and keywords (leader, follower, on, off, none, comparisons,
// roles) are lower case and must not be quoted; an unquoted (nil) in
// `expect get` means an absent value, a quoted "(nil)" is that literal text.
//
// Nodes are written as a number, leader, follower or @NAME (a NodeRef). Only
// numbers are resolved here; leader, follower and names are resolved by the
// executor when the command runs. Parse and Parser reject a @NAME used before
// a `let NAME = ...` line; ParseLine cannot know the names, so it accepts any
// well-formed one and the executor must check it.
//
// Errors: Parse reads every line and returns the error of each bad one (a
// *ParseError for one line, a *ParseErrors for more); a *ParseError's
// Error() is "line L:C: VERB: what is wrong (want USAGE)", where C is the rune
// column of the offending word (or just past the end of the line when a word
// is missing), for example
//
//	line 3: column 17: expect: unknown comparison "=>" (want ==, !=, >=, <=, >, <)
//	line 1: column 1: unknown command "crsh" (did you mean "crash"?)
//
// The message deliberately has no "commands:" prefix: it is shown to users as
// COMMANDS.md specifies. Help's error wraps ErrUnknownVerb.
//
// Command.String gives a canonical line that parses back to the same Command,
// which keybindings and traces can use to show what they ran.
package commands
