package cluster

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"

	"raftplay/wal"
)

// StartError is a node that could not start (at cluster start or at a
// restart): its WAL is damaged, a port is taken, its directory cannot be
// written. Its message names the node and the cause, with the file and
// offset or the address.
type StartError struct {
	Node uint64
	Dir  string // the node's data directory
	Err  error
	// Existing: the node is one of a cluster that ran before (at Start:
	// Options.AllowFailed would start the others).
	Existing bool
}

func (e *StartError) Error() string {
	var ce *wal.CorruptError
	var le *listenError
	var lk *wal.LockedError
	var ue *wal.UnreadableError
	switch {
	case errors.As(e.Err, &ue):
		return fmt.Sprintf("node %d could not start: %s", e.Node, strings.TrimPrefix(ue.Error(), "wal: "))
	case errors.As(e.Err, &lk):
		return fmt.Sprintf("node %d could not start: its directory %s is in use by %s (another raftplay on the same data directory?); two runs on one directory would destroy its log", e.Node, e.Dir, lk.Holder())
	case errors.As(e.Err, &ce):
		return fmt.Sprintf("node %d could not start: its WAL is damaged: %s: %v",
			e.Node, ce.Where(filepath.Join(e.Dir, ce.File)), ce.Err)
	case errors.As(e.Err, &le):
		return fmt.Sprintf("node %d could not start: %v", e.Node, le)
	}
	return fmt.Sprintf("node %d could not start: %s", e.Node, strings.TrimPrefix(e.Err.Error(), "cluster: "))
}

func (e *StartError) Unwrap() error { return e.Err }

// listenError is a port a node could not listen on.
type listenError struct {
	what string // "Raft" or "HTTP"
	addr string // as asked for; "" when the OS was to pick
	err  error
}

func (e *listenError) Error() string {
	if errors.Is(e.err, syscall.EADDRINUSE) && e.addr != "" {
		return fmt.Sprintf("its %s address %s is in use by another program (address already in use)", e.what, e.addr)
	}
	return fmt.Sprintf("its %s listener: %v", e.what, e.err)
}

func (e *listenError) Unwrap() error { return e.err }

// NoneStartedError is what New returns when AllowFailed leaves not one
// node to run: each failed node's error (a StartError), in node order.
type NoneStartedError struct{ Failed []error }

func (e *NoneStartedError) Error() string {
	msgs := make([]string, len(e.Failed))
	for i, err := range e.Failed {
		msgs[i] = err.Error()
	}
	return "no node could start: " + strings.Join(msgs, "; ")
}

func (e *NoneStartedError) Unwrap() []error { return e.Failed }
