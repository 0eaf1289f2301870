package raft

// coreBugs switches off rules of the core, one field each (the Raft
// fields unsafeCommitOldTerm...), to show that the simulation catches
// what each allows.
type coreBugs struct {
	commitOldTerm  bool // Figure 8: a leader commits an earlier term's entry by counting replicas
	uncappedCommit bool // a follower commits beyond the last new entry of an append
	forgetVote     bool // the vote is not persisted before the grant leaves
	staleSnapshot  bool // a follower installs a snapshot at or below its commit index
}

func (b coreBugs) inject(r *Raft) {
	r.unsafeCommitOldTerm = b.commitOldTerm
	r.unsafeUncappedCommit = b.uncappedCommit
	r.unsafeForgetVote = b.forgetVote
	r.unsafeStaleSnapshot = b.staleSnapshot
}
