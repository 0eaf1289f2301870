package raft

import (
	"errors"
	"fmt"
)

var (
	// ErrNotLeader is matched (errors.Is) by every *NotLeaderError.
	ErrNotLeader = errors.New("raft: not leader")
	// ErrBadMessage wraps every rejection of a malformed message by Step.
	ErrBadMessage = errors.New("raft: bad message")
	// ErrUnknownPeer wraps the rejection of a message from a node that is not
	// a voter of this cluster.
	ErrUnknownPeer = errors.New("raft: unknown peer")
	// ErrUnsupported wraps the rejection of a message type this core does not
	// handle (MsgSnapResp, which this core never sends: MsgSnap is answered
	// with MsgAppResp). MsgTimeoutNow is handled (leadership transfer).
	ErrUnsupported = errors.New("raft: unsupported message")
	// ErrConfig wraps every error New and SetTiming return for a bad config.
	ErrConfig = errors.New("raft: bad config")
	// ErrCompact wraps every error Compact returns.
	ErrCompact = errors.New("raft: cannot compact")
)

// NotLeaderError is returned by Propose on a node that is not the leader.
// Leader is the leader this node knows of, or None.
type NotLeaderError struct {
	Leader uint64
}

// Error says that the node is not the leader, and who is if known.
func (e *NotLeaderError) Error() string {
	if e.Leader == None {
		return "raft: not leader (no leader known)"
	}
	return fmt.Sprintf("raft: not leader (leader is %d)", e.Leader)
}

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

func badMessage(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadMessage, fmt.Sprintf(format, args...))
}

func badConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

func fmtErr(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
