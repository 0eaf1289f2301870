// Package raft is raftplay's consensus core: a deterministic Raft state
// machine with no goroutines, clock, sockets or files.
package raft
