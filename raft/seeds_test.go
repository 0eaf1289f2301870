//go:build !race

package raft

// defaultSeeds is how many simulation seeds `go test` runs.
const defaultSeeds = 1000
