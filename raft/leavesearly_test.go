package raft

import "testing"

// TestWhatLeavesBeforeTheWrite checks which messages leave before their
// Ready's write: vote requests only when the log they describe is durable,
// appends and heartbeats only when their term is, acknowledgements never.
func TestWhatLeavesBeforeTheWrite(t *testing.T) {
	for _, c := range []struct {
		t                       MessageType
		logDurable, termDurable bool
		early                   bool
	}{
		{MsgApp, false, true, true},
		{MsgApp, true, false, false},
		{MsgHeartbeat, false, true, true},
		{MsgHeartbeat, true, false, false},
		{MsgVote, true, false, true},
		{MsgVote, false, true, false},
		{MsgPreVote, true, true, true},
		{MsgPreVote, false, true, false},
		{MsgAppResp, true, true, false},
		{MsgVoteResp, true, true, false},
	} {
		if got := c.t.LeavesEarly(c.logDurable, c.termDurable); got != c.early {
			t.Errorf("%v with the log durable %v, the term %v: leaves early %v, want %v", c.t, c.logDurable, c.termDurable, got, c.early)
		}
	}
}
