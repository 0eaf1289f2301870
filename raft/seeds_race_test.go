//go:build race

package raft

// defaultSeeds is smaller under the race detector, which slows the
// simulation about tenfold; RAFT_SEEDS runs more.
const defaultSeeds = 1000
