// Package record records a live cluster into a file and replays it.
//
// A Recorder (Create, Start) writes, while a cluster runs, what the
// dashboard draws: every node's status at the dashboard's frame rate,
// every event, every message trace record, every command run with its
// result (Recorder.Command, fed by commands.RunnerOptions.Observe), and the
// cluster's options. A Switch starts and stops recordings for `record start
// FILE` and `record stop` (such a recording holds only what happened from
// its start). Read loads a recording; a Player replays it for the
// dashboard (it is a tui.Player: find and step land on the status frame
// that shows an event or a command); Script turns its commands back into
// a runnable script.
//
// # Format
//
// A recording is JSON lines, gzip-compressed unless written Plain (Read
// takes either: it looks for gzip's magic number). The first line is the
// header:
//
//	{"format":"raftplay-recording","version":1,"start":UNIX_NS,"options":{"nodes":5,"timing":{...},"seed":7,...}}
//
// Every other line is a record {"t":NS,"k":KIND,...}, where t is the time
// since start in nanoseconds and KIND is one of:
//
//	s    a status frame: "s" the cluster's fields (cluster.Status's JSON,
//	     with "faults" and "time" in Unix ns), "nn" the number of nodes,
//	     "ids" the nodes whose status changed since the last frame and "n"
//	     their records. A node not listed is as in the last frame that
//	     listed it. A node's record is cluster.NodeStatus's JSON plus every
//	     field it leaves out (log_terms run-length encoded as term,count
//	     pairs; links and recent entries with short names; tally,
//	     last_vote, held...; times in Unix ns, 0 for none), or, marked
//	     "~":1, only what changed since the node's record before (a field
//	     gone is null). Its recent entries ("recent") come whole, or after
//	     "recent_keep": K, the last K of the record before's. At least every
//	     32nd record of a node is whole.
//	e    "e": events, as cluster.Event's JSON with "time" in Unix ns.
//	m    "b": the first record's time (Unix ns), "m": message trace records,
//	     each an array of whole numbers: time, event, from, to, type, term,
//	     index, log term, entries, commit, reject, lost cause, delay (ns),
//	     hint, why, snapshot index; trailing zeros left out. Time (ns), term,
//	     index, log term and commit are differences from the record before
//	     in the line (the first's time from "b", the others from 0).
//	c    "c": a command: "at" (Unix ns), "took" (ns), "text", "out", "err".
//	gap  the recorder fell behind and the cluster's rings overwrote
//	     "events" events and "messages" message records it had not written.
//	end  the recording was closed; nothing follows.
//
// A reader refuses a version newer than Version. Damage after the header
// (a cut or corrupt line, a missing end mark) stops the replay there: the
// Recording holds what came before, and Stopped says where (line and byte
// offset of the decompressed text) and why.
package record
