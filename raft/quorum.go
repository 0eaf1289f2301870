package raft

import "slices"

// quorumIndex returns the highest index that a majority of voters hold,
// given each voter's match index. It sorts matches in place.
//
// With n voters a majority is n/2+1; after an ascending sort the voters at
// positions (n-1)/2 .. n-1 all hold at least matches[(n-1)/2], and they are
// exactly a majority.
func quorumIndex(matches []uint64) uint64 {
	if len(matches) == 0 {
		return 0
	}
	slices.Sort(matches)
	return matches[(len(matches)-1)/2]
}

// voteResult is the outcome of an election so far.
type voteResult uint8

const (
	votePending voteResult = iota
	voteWon
	voteLost
)

// tallyVotes counts granted and rejected votes among n voters.
func tallyVotes(votes map[uint64]bool, n int) voteResult {
	granted, rejected := 0, 0
	for _, g := range votes {
		if g {
			granted++
		} else {
			rejected++
		}
	}
	q := n/2 + 1
	switch {
	case granted >= q:
		return voteWon
	case rejected >= q, n-rejected < q:
		return voteLost
	}
	return votePending
}
