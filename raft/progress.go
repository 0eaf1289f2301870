package raft

// progressState is how the leader currently replicates to one follower.
type progressState uint8

const (
	// stateProbe: the leader does not know where the follower's log matches
	// its own; it sends one MsgApp at a time and waits for the answer.
	stateProbe progressState = iota
	// stateReplicate: the follower's log matches up to match; the leader
	// streams entries optimistically, up to MaxInflight messages (and
	// MaxInflightBytes of entry data) in flight.
	stateReplicate
	// stateSnapshot: the follower needs entries the leader has compacted;
	// a snapshot at pendingSnapshot is in flight. Nothing else is sent
	// (heartbeats aside) until it is acknowledged or snapElapsed reaches
	// the retry limit.
	stateSnapshot
)

func (s progressState) String() string {
	switch s {
	case stateProbe:
		return "probe"
	case stateReplicate:
		return "replicate"
	case stateSnapshot:
		return "snapshot"
	}
	return "unknown"
}

// progress is the leader's view of one follower.
//
// Invariant: match < next.
// Invariant: in stateReplicate, the inflight window holds the last index of
// every MsgApp sent and not yet acknowledged, in increasing order.
type progress struct {
	match, next  uint64
	state        progressState
	probeSent    bool // stateProbe: a MsgApp is out, wait for an answer
	recentActive bool // heard from the follower since the last quorum check
	inflight     inflights

	pendingSnapshot uint64 // stateSnapshot: index of the snapshot in flight
	snapElapsed     int    // stateSnapshot: leader ticks since it was sent

	// heardAgo is the leader ticks since the follower last answered (or
	// since this leader took office): for explanations, and for whether a
	// leader has heard from a quorum lately (quorumHeard).
	heardAgo int
	// For explanations only; the protocol never reads them.
	answered  bool   // the follower has answered this leader at least once
	lastRej   uint64 // the index of its last append rejection (0: none this term)
	lastHint  uint64 // and that rejection's hint
	lastHintT uint64 // and the hint's term
	lostTold  bool   // the "lost entries it acknowledged" event was emitted
}

func (p *progress) becomeProbe() {
	p.pendingSnapshot, p.snapElapsed = 0, 0
	p.state = stateProbe
	p.next = p.match + 1
	p.probeSent = false
	p.inflight.reset()
}

func (p *progress) becomeSnapshot(index uint64) {
	p.state = stateSnapshot
	p.pendingSnapshot, p.snapElapsed = index, 0
	p.probeSent = false
	p.inflight.reset()
}

func (p *progress) becomeReplicate() {
	p.pendingSnapshot, p.snapElapsed = 0, 0
	p.state = stateReplicate
	p.next = p.match + 1
	p.probeSent = false
	p.inflight.reset()
}

// maybeUpdate records that the follower matches up to n. It reports whether
// match moved forward.
func (p *progress) maybeUpdate(n uint64) bool {
	updated := false
	if p.match < n {
		p.match = n
		p.probeSent = false
		updated = true
	}
	if p.next < n+1 {
		p.next = n + 1
	}
	return updated
}

// maybeDecrTo handles a rejection of the MsgApp whose prevLogIndex was
// rejected; hint is the highest index that may still match. It reports
// whether next moved back (false for a stale rejection).
func (p *progress) maybeDecrTo(rejected, hint uint64) bool {
	if p.state == stateSnapshot {
		return false // waiting for the snapshot's answer, or its retry
	}
	if p.state == stateReplicate {
		if rejected <= p.match {
			return false // stale: already known to match there
		}
		p.next = p.match + 1
		return true
	}
	if p.next-1 != rejected {
		return false // stale: not the probe we are waiting for
	}
	p.probeSent = false
	next := max(min(rejected, hint+1), p.match+1)
	if next == p.next {
		// Refused at the index it acknowledged: the follower lost entries
		// it had made durable (amnesia, a disk that lied). Match never goes
		// back, so there is nothing lower to try: probe again at the pace
		// of heartbeats, not at once (that would loop at network speed).
		return false
	}
	p.next = next
	return true
}

// paused reports whether the leader must not send more MsgApp for now.
func (p *progress) paused() bool {
	switch p.state {
	case stateProbe:
		return p.probeSent
	case stateReplicate:
		return p.inflight.full()
	}
	return true
}

// newProgress is the progress of a follower the leader starts tracking,
// its log last index last: optimistic (next after it), active, its
// window empty.
func (r *Raft) newProgress(last uint64) *progress {
	return &progress{next: last + 1, recentActive: true, inflight: newInflights(r.maxInflight, r.maxInflightBytes)}
}

// inflights is a ring buffer of the MsgApp in flight to one follower: the
// last entry index of each and the entry data bytes it carries. It is full
// at limit messages, or at maxBytes bytes (0: no byte limit).
type inflights struct {
	buf      []inflight
	limit    int
	maxBytes uint64
	start    int
	count    int
	bytes    uint64 // entry data bytes of the messages in flight
}

type inflight struct {
	last  uint64
	bytes uint64
}

func newInflights(limit int, maxBytes uint64) inflights {
	return inflights{limit: limit, maxBytes: maxBytes}
}

// full reports whether no more MsgApp may be sent. A byte limit never
// stops the first message: one entry always fits, however large.
func (in *inflights) full() bool {
	return in.count >= in.limit || (in.maxBytes > 0 && in.bytes >= in.maxBytes)
}

// add records a MsgApp whose last entry is last and which carries bytes of
// entry data.
func (in *inflights) add(last, bytes uint64) {
	if in.count >= in.limit {
		return // callers check full first; never overwrite
	}
	if in.buf == nil {
		in.buf = make([]inflight, in.limit)
	}
	in.buf[(in.start+in.count)%in.limit] = inflight{last, bytes}
	in.count++
	in.bytes += bytes
}

// freeLE frees every message whose last index is <= i.
func (in *inflights) freeLE(i uint64) {
	for in.count > 0 && in.buf[in.start].last <= i {
		in.freeFirst()
	}
}

// freeFirst frees the oldest message (freeLE's step; a heartbeat answer
// frees nothing: handleHeartbeatResp).
func (in *inflights) freeFirst() {
	if in.count > 0 {
		in.bytes -= in.buf[in.start].bytes
		in.start = (in.start + 1) % in.limit
		in.count--
	}
}

func (in *inflights) reset() { in.start, in.count, in.bytes = 0, 0, 0 }
