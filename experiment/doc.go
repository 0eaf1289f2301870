// Package experiment runs measurements and torture tests on a real raftplay
// cluster (package cluster): nodes over localhost TCP with real WALs.
//
// RunElection reproduces the leader-election measurement of the Raft paper
// (Ongaro and Ousterhout, "In Search of an Understandable Consensus
// Algorithm", extended version, Figure 16): five nodes, the leader crashed at
// a random moment within its heartbeat interval, and the time until a new
// leader is elected and until its first write commits, for several election
// timeout ranges. The report prints percentiles beside the paper's numbers,
// draws the cumulative distributions as text, and writes CSV and JSON lines.
//
// RunChaos drives a seeded nemesis (crashes, restarts, pauses, partitions,
// link loss and delay) against a cluster while concurrent clients put, get
// and delete keys, then heals everything and judges the run: the cluster's
// invariant monitor, a linearizability check of the whole client history
// (porcupine, bounded in time: "unknown" when the bound runs out) and a
// direct check that no acknowledged write was lost. It saves the history and
// the events for replay, and porcupine's HTML view when a check fails.
//
// Everything here is deterministic given the seed except what the real
// clock and the OS scheduler add: the same seed injects the same sequence of
// fault decisions, not the same interleaving.
package experiment
