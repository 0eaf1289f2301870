package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"raftplay/raft"
)

// MaxValueBytes bounds a value written over HTTP (and by `bench --payload`).
const MaxValueBytes = 1 << 20

// httpHandler serves the node's HTTP API (README, "HTTP API"):
//
//	PUT    /kv/KEY   body = value -> 200 {"index":I,"term":T}
//	GET    /kv/KEY                -> 200 value, or 404
//	DELETE /kv/KEY                -> 200 {"index":I,"term":T}
//	GET    /status                -> 200 node status as JSON (statusJSON)
//
// A node that is not the leader redirects (307) to the same path on the
// leader, or answers 503 when it knows none. Errors are JSON:
// {"error": sentence, "leader": HTTP address or "", "effect": "none" or
// "unknown"}: "none" means nothing was proposed (safe to retry), "unknown"
// that the write may or may not have been applied.
func (n *node) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET")
			n.writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on /status (use GET)", effectNone)
			return
		}
		writeJSON(w, http.StatusOK, newStatusJSON(n.ownStatus()))
	})
	mux.HandleFunc("/explain", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// As /status: the path is there, the method is not (it said
			// "no such path" to a DELETE).
			w.Header().Set("Allow", "GET")
			n.writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on /explain (use GET)", effectNone)
			return
		}
		n.serveExplain(w, r)
	})
	mux.HandleFunc("/kv", func(w http.ResponseWriter, r *http.Request) {
		n.writeError(w, http.StatusBadRequest, "empty key: the URL must be /kv/KEY with KEY of 1 to 65536 bytes", effectNone)
	})
	mux.HandleFunc("/kv/{key...}", func(w http.ResponseWriter, r *http.Request) {
		key := r.PathValue("key")
		switch {
		case key == "":
			n.writeError(w, http.StatusBadRequest, "empty key: the URL must be /kv/KEY with KEY of 1 to 65536 bytes", effectNone)
			return
		case strings.Contains(strings.TrimPrefix(r.URL.EscapedPath(), "/kv/"), "/"):
			n.writeError(w, http.StatusBadRequest, fmt.Sprintf("key %s contains '/': a key is one URL path segment (escape a slash in it as %%2F)", Printable(key)), effectNone)
			return
		case len(key) > MaxKeyBytes:
			n.writeError(w, http.StatusBadRequest, fmt.Sprintf("key of %d bytes: keys are 1 to %d bytes", len(key), MaxKeyBytes), effectNone)
			return
		}
		switch r.Method {
		case http.MethodGet:
			n.serveOp(w, r, Command{Op: OpGet, Key: key})
		case http.MethodDelete:
			n.serveOp(w, r, Command{Op: OpDel, Key: key})
		case http.MethodPut:
			if r.ContentLength > MaxValueBytes {
				// Said at once, before any of the body is read (with
				// Expect: 100-continue, before the client sends it).
				n.writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("value larger than %d bytes (1 MiB)", MaxValueBytes), effectNone)
				return
			}
			// A node that would send the write elsewhere says so before
			// it reads the value (it read a 1 MiB value, then redirected
			// the client to send it again), and a leader reads it only once
			// admitted (admitPut).
			if n.sendElsewhere(w, r) {
				return
			}
			release, ok := n.admitPut(w, r)
			if !ok {
				return
			}
			defer release()
			// The turn may have come after this node stopped leading
			// (a 503 "not the leader" answered what a redirect should).
			if n.sendElsewhere(w, r) {
				return
			}
			// Admitted, the value must come soon: a client trickling it
			// held its room for the request's whole 30 s, and 32 of
			// them held every write up (a review).
			wait := putBodyWait
			if d := putBodyWaitForTest.Load(); d != 0 {
				wait = time.Duration(d)
			}
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(wait))
			body, err := readBody(r)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				n.writeError(w, http.StatusBadRequest, fmt.Sprintf("the value did not arrive within %v of this write's turn (an admitted PUT's value must follow its head at once); nothing was written", wait), effectNone)
				return
			}
			if err != nil {
				n.writeError(w, http.StatusBadRequest, "reading the body: "+err.Error(), effectNone)
				return
			}
			if len(body) > MaxValueBytes {
				n.writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("value larger than %d bytes (1 MiB)", MaxValueBytes), effectNone)
				return
			}
			// The request is read: its read deadline (ReadTimeout) no
			// longer applies, and left set, it would cancel the request's
			// context while the write waits to commit.
			_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
			n.serveOp(w, r, Command{Op: OpPut, Key: key, Value: body})
		default:
			w.Header().Set("Allow", "GET, PUT, DELETE")
			n.writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on /kv/KEY (use GET, PUT or DELETE)", effectNone)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n.writeError(w, http.StatusNotFound, "no such path: the API is /kv/KEY (GET, PUT, DELETE), GET /status and GET /explain?commit[=I]|node=N|vote=N|log=N", effectNone)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = &answerDeadline{ResponseWriter: w}
		// The mux redirects a path that is not clean (/kv//x, /kv/./x) to
		// its clean form: a client that follows would write another key
		// than the one it named. Refused instead, as a bad key is.
		if p := r.URL.EscapedPath(); p != "" && p != "/" && path.Clean(p) != p && path.Clean(p)+"/" != p {
			n.writeError(w, http.StatusBadRequest, fmt.Sprintf("path %s is not clean (an empty, . or .. segment): keys are one path segment after /kv/, and %%2F escapes a slash in one", Printable(r.URL.EscapedPath())), effectNone)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// answerWriteTimeout bounds the writing of an answer: a client that stops
// reading (its request sent, pipelined requests behind it, none of the
// answers read) held its connection, its handler's goroutine and the value
// being sent for as long as it liked, past every other timeout (a request
// is read within 30 s, but nothing bounded the answer).
const answerWriteTimeout = 10 * time.Second

// answerTimeoutForTest, when not 0, replaces answerWriteTimeout (tests).
var answerTimeoutForTest atomic.Int64

// answerDeadline sets the connection's write deadline to answerWriteTimeout
// from the moment the answer starts: not before, since a write may wait up
// to DefaultOpTimeout to commit after a body that took up to ReadTimeout
// to arrive.
type answerDeadline struct {
	http.ResponseWriter
	started bool
}

func (a *answerDeadline) start() {
	if !a.started {
		a.started = true
		d := answerWriteTimeout
		if t := answerTimeoutForTest.Load(); t != 0 {
			d = time.Duration(t)
		}
		_ = http.NewResponseController(a.ResponseWriter).SetWriteDeadline(time.Now().Add(d))
	}
}

func (a *answerDeadline) WriteHeader(code int) {
	a.start()
	a.ResponseWriter.WriteHeader(code)
}

func (a *answerDeadline) Write(b []byte) (int, error) {
	a.start()
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (SetReadDeadline).
func (a *answerDeadline) Unwrap() http.ResponseWriter { return a.ResponseWriter }

const (
	effectNone    = "none"    // nothing was proposed: retrying is safe
	effectUnknown = "unknown" // the write may or may not have been applied
)

// ownStatus is the node's status as its /status tells it: paused from the
// moment Pause returns. The loop publishes the pause only once it stops,
// after the step it is in (a slow fsync, or just its turn on a busy
// machine), and until then /status said "up" of a node the cluster and
// its own /kv already called paused.
func (n *node) ownStatus() *NodeStatus {
	st := n.loadStatus()
	if n.paused.Load() && st.State == StateUp {
		c := *st
		c.State = StatePaused
		return &c
	}
	return st
}

// sendElsewhere answers a request this node cannot serve, a redirect to
// the leader it knows or a 503, and reports whether it did: it is paused,
// or it does not lead.
func (n *node) sendElsewhere(w http.ResponseWriter, r *http.Request) bool {
	st := n.loadStatus()
	if n.paused.Load() {
		n.writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("node %d is paused", n.cfg.id), effectNone)
		return true
	}
	if st.Role == "leader" {
		return false
	}
	if addr := n.leaderAddr(); addr != "" && st.Leader != n.cfg.id {
		http.Redirect(w, r, "http://"+addr+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		return true
	}
	msg := "no leader known"
	if st.State == StateFailed {
		// A failed leader (its disk full) said "no leader known"
		// beside its own address: it is down, and says why.
		msg = fmt.Sprintf("node %d failed: %s", n.cfg.id, st.Err)
	}
	n.writeError(w, http.StatusServiceUnavailable, msg, effectNone)
	return true
}

// frozenHint is what an operation (a "read" or a "write") that timed out
// adds when the cluster is frozen: why nothing moved, and what moves it
// (the 504 said only "did not complete within 5s"; a script's put says
// this much). "" when the cluster is not frozen.
func (n *node) frozenHint(op string) string {
	if !n.loadStatus().Frozen {
		return ""
	}
	return fmt.Sprintf(" (the cluster is frozen: step mode holds every message, so a %s completes only if steps carry it: step or deliver, at the dashboard's prompt or in a script; thaw ends step mode)", op)
}

func (n *node) serveOp(w http.ResponseWriter, r *http.Request, cmd Command) {
	if n.sendElsewhere(w, r) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), DefaultOpTimeout)
	defer cancel()
	var res Result
	var err error
	if cmd.Op == OpGet {
		res, err = n.read(ctx, cmd.Key, leaderCheck{})
	} else {
		res, err = n.submit(ctx, cmd.Encode(nil))
	}
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded) && cmd.Op == OpGet:
		n.writeError(w, http.StatusGatewayTimeout, fmt.Sprintf("the read did not complete within %v; a read has no effect, so it is safe to retry%s", DefaultOpTimeout, n.frozenHint("read")), effectNone)
		return
	case errors.Is(err, context.DeadlineExceeded):
		n.writeError(w, http.StatusGatewayTimeout, fmt.Sprintf("the write did not complete within %v; it may or may not have been applied%s", DefaultOpTimeout, n.frozenHint("write")), effectUnknown)
		return
	case errors.Is(err, ErrPaused):
		n.writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("node %d is paused", n.cfg.id), effectNone)
		return
	default:
		effect := effectUnknown
		if cmd.Op == OpGet || wasRefused(err) || errors.Is(err, ErrEntryLost) {
			// A read, a write the leader refused before its log took it
			// (no longer leader, a leadership transfer under way), or
			// one whose index committed another entry: no effect. (One
			// only replaced in this node's log, ErrEntryReplaced, may
			// still commit elsewhere: unknown.)
			effect = effectNone
		}
		writeJSON(w, http.StatusServiceUnavailable, httpError{Error: strings.TrimPrefix(err.Error(), "cluster: "), Leader: n.leaderFor(err), Effect: effect})
		return
	}
	if cmd.Op == OpGet {
		if !res.Found {
			n.writeError(w, http.StatusNotFound, "no such key", effectNone)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(res.Value)
		return
	}
	n.cfg.written.Add(1)
	writeJSON(w, http.StatusOK, map[string]uint64{"index": res.Index, "term": res.Term})
}

// putBytesInFlight bounds the bytes of PUT values a node reads and holds
// at once: the values being read, and those read and waiting to commit.
// 300 clients each sending a 1 MiB value had the leader read and hold them
// all, 300 MiB and more in copies, and the garbage collector and the reads
// took the processor from the nodes' loops: leaders changed many times a
// second and 1 write in 1,538 succeeded (a helper's overload runs). Past
// the bound, a write waits its turn unread, first come first served.
const putBytesInFlight = 32 << 20

// putAdmitWait is how long a PUT waits for its turn before the node
// answers 503 (effect none: its value was never read).
const putAdmitWait = DefaultOpTimeout

// putBodyWait is how long an admitted PUT's value may take to arrive
// (from 127.0.0.1: a 1 MiB value takes milliseconds).
const putBodyWait = 5 * time.Second

// putAdmitWaitForTest and putBodyWaitForTest, when not 0, replace
// putAdmitWait and putBodyWait (tests).
var putAdmitWaitForTest, putBodyWaitForTest atomic.Int64

// putWeight is what a PUT of a value of length size counts against
// putBytesInFlight: its length and the cost of a write beside it, or the
// largest value when the length is not known (chunked).
func putWeight(size int64) int64 {
	if size < 0 || size > MaxValueBytes {
		size = MaxValueBytes
	}
	return size + 1024
}

// admitPut waits until the node may read r's value (putBytesInFlight), up
// to putAdmitWait, and returns the function that gives its room back; or
// answers 503 and returns false.
func (n *node) admitPut(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	weight := putWeight(r.ContentLength)
	if n.putAdmit.TryAcquire(weight) {
		return func() { n.putAdmit.Release(weight) }, true
	}
	wait := putAdmitWait
	if d := putAdmitWaitForTest.Load(); d != 0 {
		wait = time.Duration(d)
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	n.putsWaiting.Add(1)
	err := n.putAdmit.Acquire(ctx, weight)
	n.putsWaiting.Add(-1)
	if err != nil {
		n.writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("overloaded: node %d is taking in %d MiB of values already, and this write's turn did not come within %v; its value was not read (retry later)", n.cfg.id, putBytesInFlight>>20, wait), effectNone)
		return nil, false
	}
	return func() { n.putAdmit.Release(weight) }, true
}

// leaderAddr returns the HTTP address of the leader this node knows of
// (its own when it leads), or "" when it knows none.
func (n *node) leaderAddr() string {
	st := n.loadStatus()
	if st.Leader == 0 || st.Leader == n.cfg.id && (n.paused.Load() || st.Role != "leader") {
		// A paused leader naming itself sent clients back to it (a new
		// user's): it leads nobody while it is paused; nor does a failed
		// one, down (its role "down", its last leader itself).
		return ""
	}
	return n.cfg.leaderHTTP(st.Leader)
}

// leaderFor returns the leader's HTTP address for an answer to err: the
// one a "not the leader" error names when it is one, so that the body's
// sentence and its leader field say the same (read from the status a
// moment later, a CI user saw "not the leader (3 is)" beside no leader,
// and "knows of no leader" beside the node's own address); else
// leaderAddr's.
func (n *node) leaderFor(err error) string {
	var nl notLeaderError
	if !errors.As(err, &nl) {
		return n.leaderAddr()
	}
	if nl.leader == raft.None || nl.leader == n.cfg.id {
		return ""
	}
	return n.cfg.leaderHTTP(nl.leader)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the JSON error body, naming the leader's HTTP
// address when this node knows one.
func (n *node) writeError(w http.ResponseWriter, code int, msg, effect string) {
	writeJSON(w, code, httpError{Error: msg, Leader: n.leaderAddr(), Effect: effect})
}

// httpError is the body of every error answer.
type httpError struct {
	Error  string `json:"error"`
	Leader string `json:"leader"` // the leader's HTTP address, "" when unknown
	Effect string `json:"effect"` // "none" or "unknown"
}

// statusJSON is a node's status as GET /status serves it: snake_case names,
// durations in milliseconds (the unit in the name), times in RFC 3339.
type statusJSON struct {
	ID                uint64                  `json:"id"`
	State             NodeState               `json:"state"`
	Error             string                  `json:"error,omitempty"`
	Role              string                  `json:"role"`
	Term              uint64                  `json:"term"`
	Vote              uint64                  `json:"vote"`
	Leader            uint64                  `json:"leader"`
	Commit            uint64                  `json:"commit"`
	Applied           uint64                  `json:"applied"`
	FirstIndex        uint64                  `json:"first_index"`
	LastIndex         uint64                  `json:"last_index"`
	SnapshotIndex     uint64                  `json:"snapshot_index"`
	SnapshotTerm      uint64                  `json:"snapshot_term"`
	ElectionTimeoutMs float64                 `json:"election_timeout_ms"`
	ElectionElapsedMs float64                 `json:"election_elapsed_ms"`
	LastHeartbeat     *time.Time              `json:"last_heartbeat,omitempty"`
	Progress          map[string]progressJSON `json:"progress,omitempty"`
	Voters            []uint64                `json:"voters"`
	Learners          []uint64                `json:"learners"`
	ConfIndex         uint64                  `json:"conf_index"`
	Transferee        uint64                  `json:"transferee,omitempty"`
	KVKeys            int                     `json:"kv_keys"`
	KVDigest          string                  `json:"kv_digest"`
	RaftAddr          string                  `json:"raft_addr"`
	HTTPAddr          string                  `json:"http_addr"`
	Updated           time.Time               `json:"updated"`
}

// progressJSON is the leader's view of one follower.
type progressJSON struct {
	Match           uint64 `json:"match"`
	Next            uint64 `json:"next"`
	State           string `json:"state"` // "probe", "replicate" or "snapshot"
	Inflight        int    `json:"inflight"`
	RecentActive    bool   `json:"recent_active"`
	Learner         bool   `json:"learner,omitempty"`
	PendingSnapshot uint64 `json:"pending_snapshot,omitempty"`
}

func newStatusJSON(s *NodeStatus) statusJSON {
	msOf := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	j := statusJSON{
		ID: s.ID, State: s.State, Error: s.Err, Role: s.Role, Term: s.Term, Vote: s.Vote, Leader: s.Leader,
		Commit: s.Commit, Applied: s.Applied, FirstIndex: s.FirstIndex, LastIndex: s.LastIndex,
		SnapshotIndex: s.SnapshotIndex, SnapshotTerm: s.SnapshotTerm,
		ElectionTimeoutMs: msOf(s.ElectionTimeout), ElectionElapsedMs: msOf(s.ElectionElapsed),
		KVKeys: s.KVKeys, KVDigest: fmt.Sprintf("%016x", s.KVDigest),
		RaftAddr: s.RaftAddr, HTTPAddr: s.HTTPAddr, Updated: s.Updated,
		Voters: s.Membership.Voters, Learners: s.Membership.Learners, ConfIndex: s.ConfIndex, Transferee: s.Transferee,
	}
	if j.Voters == nil {
		j.Voters = []uint64{}
	}
	if j.Learners == nil {
		j.Learners = []uint64{}
	}
	if !s.LastHeartbeat.IsZero() {
		t := s.LastHeartbeat
		j.LastHeartbeat = &t
	}
	if len(s.Progress) > 0 {
		j.Progress = make(map[string]progressJSON, len(s.Progress))
		for id, p := range s.Progress {
			j.Progress[fmt.Sprint(id)] = progressJSON{Match: p.Match, Next: p.Next, State: p.State,
				Inflight: p.Inflight, RecentActive: p.RecentActive, PendingSnapshot: p.PendingSnapshot, Learner: p.Learner}
		}
	}
	return j
}

// serveExplain answers GET /explain?commit[=I], ?node=N, ?vote=N or ?log=N
// with {"what": ..., "text": sentence}, the same text as the explain
// command, from one snapshot of the cluster.
func (n *node) serveExplain(w http.ResponseWriter, r *http.Request) {
	// Parsed here, not with r.URL.Query(), which drops a part it cannot
	// parse without a word: "?commit=1;node=2" (a semicolon) was told
	// "explain what?", and "?%zz&commit" answered as "?commit".
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		n.writeError(w, http.StatusBadRequest, fmt.Sprintf("query %q: %v; want one of ?commit[=I], ?node=N, ?vote=N or ?log=N", r.URL.RawQuery, err), effectNone)
		return
	}
	// One question, asked once: a second one (commit&node=1) or a second
	// value (commit=1&commit=2) was ignored without a word.
	// Two questions are said first, whatever order the map gives.
	asked := slices.Sorted(maps.Keys(q))
	if len(asked) > 1 {
		n.writeError(w, http.StatusBadRequest, fmt.Sprintf("explain one thing at a time: got %s; want one of ?commit[=I], ?node=N, ?vote=N or ?log=N", strings.Join(asked, ", ")), effectNone)
		return
	}
	for k, vs := range q {
		if len(vs) > 1 {
			n.writeError(w, http.StatusBadRequest, fmt.Sprintf("%s given %d times: want it once", k, len(vs)), effectNone)
			return
		}
	}
	st := n.cfg.clusterStatus()
	nodeArg := func(name string) (uint64, bool) {
		id, err := strconv.ParseUint(q.Get(name), 10, 64)
		if err != nil || id < 1 || id > uint64(len(st.Nodes)) {
			n.writeError(w, http.StatusBadRequest, fmt.Sprintf("%s=%q: want a node number 1 to %d", name, q.Get(name), len(st.Nodes)), effectNone)
			return 0, false
		}
		return id, true
	}
	var what, text string
	switch {
	case q.Has("commit"):
		var i uint64
		if v := q.Get("commit"); v != "" {
			var err error
			if i, err = strconv.ParseUint(v, 10, 64); err != nil || i == 0 {
				why := "want an index of 1 or more"
				if errors.Is(err, strconv.ErrRange) {
					why = fmt.Sprintf("too large: want an index of 1 to %d", uint64(math.MaxUint64))
				}
				n.writeError(w, http.StatusBadRequest, fmt.Sprintf("commit=%q: %s (or commit alone: the lowest uncommitted)", v, why), effectNone)
				return
			}
		}
		what, text = "commit", ExplainCommit(st, i)
	case q.Has("node"):
		id, ok := nodeArg("node")
		if !ok {
			return
		}
		what, text = "node", ExplainNode(st, id)
	case q.Has("vote"):
		id, ok := nodeArg("vote")
		if !ok {
			return
		}
		what, text = "vote", ExplainVote(st, id)
	case q.Has("log"):
		id, ok := nodeArg("log")
		if !ok {
			return
		}
		what, text = "log", ExplainLog(st, id)
	default:
		got := ""
		if len(asked) == 1 {
			got = fmt.Sprintf(" got %s;", Printable(asked[0]))
		}
		n.writeError(w, http.StatusBadRequest, "explain what?"+got+" want ?commit[=I], ?node=N, ?vote=N or ?log=N", effectNone)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"what": what, "text": text})
}

// readBody reads a PUT's value, at most MaxValueBytes+1 bytes. With the
// length known it allocates once: io.ReadAll grows its buffer by doubling,
// about 2 MiB allocated and copied for a 1 MiB value, garbage whose
// collection, with hundreds of clients sending large values, took the
// processor from the nodes' loops (a helper's overload runs).
func readBody(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	if n := r.ContentLength; n >= 0 && n <= MaxValueBytes {
		b.Grow(int(n) + bytes.MinRead) // room left at the end: ReadFrom meets EOF without growing
	}
	_, err := b.ReadFrom(io.LimitReader(r.Body, MaxValueBytes+1))
	return b.Bytes(), err
}
