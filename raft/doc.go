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
//  1. persist Ready.Snapshot if non-nil (storage drops every entry and
//     starts its log after Snapshot.Meta.Index), then Ready.HardState
//     (unless IsEmpty) and Ready.Entries (storage truncates from
//     Entries[0].Index, which may be at or below its end);
//  2. send Ready.Messages;
//  3. restore the state machine from Ready.Snapshot if non-nil, then
//     apply Ready.Committed in order (and serve Ready.ReadStates once
//     applied up to their index);
//  4. call Advance(rd).
//
// Messages may be released only after step 1 is durable: vote grants and
// append acknowledgements promise state that a crash must not lose. The
// leader's own entries count toward commit only once persisted, i.e. at
// Advance; its AppendEntries may have left before (Raft thesis §10.2.1).
//
// Write-behind: a Ready with WriteBehind set (its messages promise nothing,
// it keeps the term and vote) may be carried out without waiting for the
// disk: send its Messages, apply its Committed, start writing its HardState
// and Entries, and call AdvanceWriting instead of Advance. When the write
// is durable, Persisted(index, term) of its last entry lets the leader
// count its own copy. Writes must reach storage in the order of their
// Readys; a later Ready carried out in full must wait for the earlier
// writes too. cluster/node.go does this on leaders; the simulation does it
// on half its seeds, with crashes that lose writes not yet durable.
//
// Restart: build a new core with New and the recovered HardState, Snapshot
// metadata and data, Entries after the snapshot and Applied index; nothing
// else survives a crash.
//
// Node ids: the core tells peers apart by id alone. An id removed from the
// configuration and added again for a new node with an empty log names a
// different node, and no message of the old one may be stepped after the
// new one is added: the leader would take the old node's append answer for
// the new node's match (and send it commit indexes up to it). The driver
// drops them (cluster.Add: transport.ReplacePeer, and what a frozen node
// holds), as etcd avoids the case by never reusing an id. Nor may the new
// node take a stale leader's appends: a leader of a term before the
// removal committed, cut off and deposed without knowing it, still counts
// the old node, and with two ids added again it would commit over the
// cluster's entries through the new nodes' answers. The driver starts a
// node joining a running cluster (no Peers) at its current leader's term
// (HardState.Term), which is past the term of any leader that lacks the
// removal: it refuses such a leader, and its answer deposes it.
//
// # What it implements
//
// Leader election with randomized timeouts drawn from a seeded source
// (Config.Seed) and the up-to-date log check (§5.4.1); a no-op entry from
// every new leader (§5.4.2); commit only by counting replicas of an entry of
// the current term; AppendEntries with the consistency check and a fast
// back-off using a conflict (index, term) hint; per-follower progress in a
// probe or a pipelined replicate state with at most MaxInflight messages
// and MaxInflightBytes of entry data in flight (a heartbeat answer to a
// full window sends an empty MsgApp, which finds lost messages, and opens
// nothing) and batches capped by MaxEntriesPerMsg and MaxBytesPerMsg (the
// proposals and commit advances between two Readys go to each follower as
// one MsgApp, built when Ready is called);
// heartbeats every HeartbeatTick carrying min(commit, follower match); the
// PreVote and CheckQuorum extensions (thesis §9.6), both switchable at run
// time (SetPreVote, SetCheckQuorum) along with timing (SetTiming).
//
// A node refuses an append, heartbeat or snapshot of a lower term with a
// rejection carrying its own term (Figure 2, AppendEntries rule 1), always,
// so a stale leader steps down as soon as any newer node answers it.
//
// With CheckQuorum, a leader that has not heard from a majority for
// ElectionTickMin ticks steps down, and a follower that heard from its
// leader within ElectionTickMin ticks ignores vote requests (leader lease).
//
// # Log layout
//
// The log may start after a snapshot: Config.Snapshot.Index/Term stand for
// the compacted prefix and entries follow from Snapshot.Index+1. Term and
// Entries answer for what is held.
//
// # Log compaction and InstallSnapshot
//
// The application decides when to snapshot. Between an Advance and the next
// Ready it takes an image of its state machine at some applied index i,
// saves it durably (wal.SaveSnapshot), then calls Compact(Snapshot{Meta:
// {i, Term(i)}, Data: image}): the core drops its entries up to i and keeps
// the snapshot (it does not copy Data). Storage may then drop its own
// entries up to i (wal.Compact). Compact fails (ErrCompact) for an index
// beyond applied, below the current snapshot or with the wrong term.
//
// A leader whose follower needs an entry at or below its snapshot index
// sends MsgSnap with its newest snapshot and holds that follower in the
// "snapshot" progress state (Progress.PendingSnapshot) until it answers; a
// snapshot not answered within SnapshotRetryTicks leader ticks (default
// 4*ElectionTickMax) is sent again, so a lost or interrupted transfer costs
// only time. A follower receiving MsgSnap (term rules as for MsgApp):
//   - at or below its commit index: answers with its commit, nothing else;
//   - whose log holds the snapshot's last index and term: commits up to it
//     and keeps its log (entries are applied as usual);
//   - otherwise: discards its whole log, and the next Ready carries
//     Ready.Snapshot; commit and applied jump to its index.
//
// The answer is a MsgAppResp with the index now matched (MsgSnapResp is
// never sent), released with the Ready that holds the snapshot, i.e. after
// it is persisted. On that answer the leader moves the follower to
// replicate and continues with MsgApp.
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
// change, commit, compaction and snapshot sent or installed, with a uniform
// sentence such as "2 sent snapshot at 500 (term 3) to 4",
// "3 granted vote to 1 at term 5" or
// "1 rejected append from 2: term 3 < 4". DescribeMessage and DescribeEntry
// format messages and entries the same way for traces.
//
// # Errors
//
// New and SetTiming return errors wrapping ErrConfig. Step returns errors
// wrapping ErrBadMessage, ErrUnknownPeer or ErrUnsupported for input no
// correct peer sends (MsgSnapResp is unsupported: MsgSnap is answered with
// MsgAppResp), and
// returns nil for what Raft refuses or drops (stale terms, stale answers):
// an append, heartbeat, snapshot or pre-vote of a lower term is refused with
// an answer carrying the current term; a stale vote request or answer is
// dropped silently. Propose off the leader returns a *NotLeaderError, which
// matches ErrNotLeader. Nothing panics on bad input.
//
// # Tests
//
// sim_test.go runs whole clusters (3, 5 and 7 nodes) over a simulated
// network with seeded loss, duplication, delay, reordering, messages held
// back for long (a snapshot overtaken by appends), partitions (a new leader
// now and then cut off at once with a minority), one-way cuts, crashes that
// keep only persisted state and log compaction at random points on random
// nodes (so lagging and restarted nodes catch up by InstallSnapshot; the
// simulated state machine is a hash chain, so a snapshot carries its
// state), checking Raft's safety properties after every step (with commit
// safety: no node lacking a committed entry can gather a majority of votes;
// and a vote grant leaves only once storage holds it) and liveness once a
// majority is healthy. simbugs_test.go switches rules of the core off, one
// at a time, and shows that the checks catch each. RAFT_SEEDS=N runs N
// seeds; RAFT_SEED=S replays one with a trace.
package raft
