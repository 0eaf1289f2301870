// Package raft is raftplay's consensus core: a deterministic Raft state
// machine with no goroutines, clock, sockets or files.
//
// # Driving it
//
// One goroutine owns a *Raft (see cluster/node.go) and changes it only
// through Tick (one logical clock tick), Step (a message from a peer, or a
// local MsgHup/MsgBeat/MsgProp) and Propose. After any of them it asks
// HasReady and, if so, takes a Ready and carries it out in this order:
//
//  1. persist Ready.HardState (unless IsEmpty) and Ready.Entries (storage
//     truncates from Entries[0].Index, which may be at or below its end);
//  2. send Ready.Messages;
//  3. apply Ready.Committed in order (and serve Ready.ReadStates once
//     applied up to their index);
//  4. call Advance(rd).
//
// Messages may be released only after step 1 is durable: vote grants and
// append acknowledgements promise state that a crash must not lose. The
// leader's own entries count toward commit only once persisted, i.e. at
// Advance; its AppendEntries may have left before (Raft thesis §10.2.1).
//
// Restart: build a new core with New and the recovered HardState, Snapshot
// metadata, Entries and Applied index; nothing else survives a crash.
//
// # What it implements
//
// Leader election with randomized timeouts drawn from a seeded source
// (Config.Seed) and the up-to-date log check (§5.4.1); a no-op entry from
// every new leader (§5.4.2); commit only by counting replicas of an entry of
// the current term; AppendEntries with the consistency check and a fast
// back-off using a conflict (index, term) hint; per-follower progress in a
// probe or a pipelined replicate state with at most MaxInflight messages in
// flight and batches capped by MaxEntriesPerMsg and MaxBytesPerMsg;
// heartbeats every HeartbeatTick carrying min(commit, follower match); the
// PreVote and CheckQuorum extensions (thesis §9.6), both switchable at run
// time (SetPreVote, SetCheckQuorum) along with timing (SetTiming).
//
// With CheckQuorum, a leader that has not heard from a majority for
// ElectionTickMin ticks steps down, and a follower that heard from its
// leader within ElectionTickMin ticks ignores vote requests (leader lease).
//
// # Log layout
//
// The log may start after a snapshot: Config.Snapshot.Index/Term stand for
// the compacted prefix and entries follow from Snapshot.Index+1. Term and
// Entries answer for what is held. Snapshots themselves (MsgSnap, log
// compaction) belong to a later issue: a follower that needs an entry the
// leader no longer holds stays in probe state until then. MsgSnap,
// MsgSnapResp and MsgTimeoutNow are rejected with ErrUnsupported.
//
// # Linearizable reads
//
// ReadIndex(ctx) asks for a read point without writing to the log (thesis
// §6.4): the leader takes its commit index (once an entry of its term has
// committed), confirms its leadership with a heartbeat round acknowledged by
// a majority, and reports Ready.ReadStates{Index, Context}; a follower
// forwards the request to its leader and reports the answer. Serve the read
// after applying up to Index. Reads in flight are dropped when the leader
// changes: retry after a timeout.
//
// # Observing it
//
// Status returns a copy of everything the dashboard draws. Config.OnEvent
// receives an Event for each election, vote, rejection, role and term
// change and commit, with a uniform sentence such as
// "3 granted vote to 1 at term 5" or
// "1 rejected append from 2: term 3 < 4". DescribeMessage and DescribeEntry
// format messages and entries the same way for traces.
//
// # Errors
//
// New and SetTiming return errors wrapping ErrConfig. Step returns errors
// wrapping ErrBadMessage, ErrUnknownPeer or ErrUnsupported for input no
// correct peer sends, and drops what Raft says to drop (stale terms, stale
// answers) silently. Propose off the leader returns a *NotLeaderError, which
// matches ErrNotLeader. Nothing panics on bad input.
//
// # Tests
//
// sim_test.go runs whole clusters (3, 5 and 7 nodes) over a simulated
// network with seeded loss, duplication, delay, reordering, partitions,
// one-way cuts and crashes that keep only persisted state, checking Raft's
// safety properties after every step and liveness once a majority is
// healthy. RAFT_SEEDS=N runs N seeds; RAFT_SEED=S replays one with a trace.
package raft
