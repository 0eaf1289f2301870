package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func httpDo(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func decodeError(t *testing.T, b []byte) httpError {
	t.Helper()
	var e httpError
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body is not JSON: %q", b)
	}
	return e
}

// Bad keys get a JSON 400 that says why; an escaped slash is part of a key.
func TestHTTPBadKeys(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 1})
	st := waitLeader(t, c)
	base := "http://" + st.Nodes[0].HTTPAddr
	for _, tc := range []struct{ method, path, want string }{
		{"PUT", "/kv/a/b", "contains '/'"},
		{"GET", "/kv/a/b", "contains '/'"},
		{"DELETE", "/kv/", "empty key"},
		{"PUT", "/kv/", "empty key"},
		{"POST", "/kv/k", "not allowed"},
		{"GET", "/nothing", "no such path"},
		{"GET", "/kv", "empty key"},
		{"POST", "/status", "not allowed"},
		{"PUT", "/kv/" + strings.Repeat("k", MaxKeyBytes+1), "keys are 1 to"},
		// Not clean: the mux would redirect to another key (a new user's
		// PUT /kv//x was sent to /kv/x).
		{"PUT", "/kv//x", "is not clean"},
		{"GET", "/kv/./x", "is not clean"},
		{"PUT", "/kv/../status", "is not clean"},
	} {
		code, b := httpDo(t, tc.method, base+tc.path, "v")
		e := decodeError(t, b)
		if code/100 != 4 || !strings.Contains(e.Error, tc.want) || e.Effect != effectNone {
			t.Errorf("%s %s: %d %+v, want a 4xx saying %q", tc.method, tc.path[:min(len(tc.path), 20)], code, e, tc.want)
		}
	}
	if code, b := httpDo(t, "PUT", base+"/kv/%2E%2E", "dots"); code != 200 {
		t.Fatalf("PUT of the key \"..\", escaped: %d %s", code, b)
	}
	if code, b := httpDo(t, "PUT", base+"/kv/a%2Fb", "slash"); code != 200 {
		t.Fatalf("PUT of an escaped slash key: %d %s", code, b)
	}
	if code, b := httpDo(t, "GET", base+"/kv/a%2Fb", ""); code != 200 || string(b) != "slash" {
		t.Fatalf("GET a%%2Fb: %d %q", code, b)
	}
	code, b := httpDo(t, "PUT", base+"/kv/big", strings.Repeat("x", MaxValueBytes+1))
	if e := decodeError(t, b); code != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, "1 MiB") {
		t.Fatalf("oversized value: %d %+v", code, e)
	}
	// A body declared too large is refused before it is read (it waited
	// for a body that never came).
	conn, err := net.Dial("tcp", st.Nodes[0].HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /kv/big HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\nabc")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a declared 5 MB body: %v %v", resp, err)
	}
	resp.Body.Close()
}

// A paused node answers at once that it is paused, naming the leader's
// address; its status still answers.
func TestHTTPPausedNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	f := aFollower(st)
	waitFor(t, c, "follower knows the leader", func(s Status) bool { n, _ := s.Node(f); return n.Leader == st.Leader })
	if err := c.Pause(f); err != nil {
		t.Fatal(err)
	}
	fn, _ := c.Status().Node(f)
	ln, _ := c.Status().Node(st.Leader)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		code, b := httpDo(t, m, "http://"+fn.HTTPAddr+"/kv/k", "v")
		e := decodeError(t, b)
		if code != http.StatusServiceUnavailable || !strings.Contains(e.Error, "is paused") || e.Leader != ln.HTTPAddr || e.Effect != effectNone {
			t.Errorf("%s on a paused node: %d %+v; want 503 paused, leader %s", m, code, e, ln.HTTPAddr)
		}
	}
	code, b := httpDo(t, "GET", "http://"+fn.HTTPAddr+"/status", "")
	var s map[string]any
	if code != 200 || json.Unmarshal(b, &s) != nil || s["state"] != "paused" {
		t.Fatalf("status of a paused node: %d %s", code, b)
	}
	// A paused leader does not send clients back to itself.
	if err := c.Pause(st.Leader); err != nil {
		t.Fatal(err)
	}
	code, b = httpDo(t, "PUT", "http://"+ln.HTTPAddr+"/kv/k", "v")
	if e := decodeError(t, b); code != http.StatusServiceUnavailable || !strings.Contains(e.Error, "is paused") || e.Leader != "" {
		t.Errorf("PUT on a paused leader: %d %+v; want 503 paused, no leader named", code, e)
	}
}

// A node's /status says paused as soon as Pause returns, as the cluster's
// status does, though the node is still in a slow fsync and stops only
// after it: /status read the node's last publication, "up", until the
// loop stopped (TestHTTPPausedNode saw it on a loaded machine, in the
// moment before the loop ran the pause).
func TestHTTPStatusOfANodePausedInAnFsync(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	f := aFollower(c.Status())
	if err := c.SetDiskDelay(f, MaxDiskDelay); err != nil {
		t.Fatal(err)
	}
	put(t, c.NewClient(), "k", "v") // committed by the other two
	waitFor(t, c, fmt.Sprintf("node %d in a slow fsync", f), func(s Status) bool {
		n, _ := s.Node(f)
		return n.Disk.Unsynced > 0
	})
	if err := c.Pause(f); err != nil {
		t.Fatal(err)
	}
	fn, _ := c.Status().Node(f)
	code, b := httpDo(t, "GET", "http://"+fn.HTTPAddr+"/status", "")
	var s map[string]any
	if code != 200 || json.Unmarshal(b, &s) != nil || s["state"] != "paused" {
		t.Fatalf("status of a node paused in its fsync: %d %s", code, b)
	}
	if err := c.SetDiskDelay(f, 0); err != nil { // the fsync ends; the node stops
		t.Fatal(err)
	}
	waitFor(t, c, "the pause told", func(Status) bool { return hasEvent(c, fmt.Sprintf("%d paused", f)) })
	if err := c.Resume(f); err != nil {
		t.Fatal(err)
	}
	code, b = httpDo(t, "GET", "http://"+fn.HTTPAddr+"/status", "")
	if s = nil; code != 200 || json.Unmarshal(b, &s) != nil || s["state"] != "up" {
		t.Fatalf("status of a resumed node: %d %s", code, b)
	}
}

// A write waiting on a leader that is cut off and deposed is answered once
// the next leader's log reaches its node, as the README says: another entry
// committed at its index (503, effect none), or, had the node only seen it
// replaced, effect unknown; not left to the 5 s timeout.
func TestHTTPWriteOnADeposedLeader(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	l, _ := st.Node(st.Leader)
	if err := c.Isolate(l.ID); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		code int
		b    []byte
	}
	got := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("PUT", "http://"+l.HTTPAddr+"/kv/k", strings.NewReader("v"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- answer{0, []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- answer{resp.StatusCode, b}
	}()
	waitFor(t, c, "the write in the cut-off leader's log", func(s Status) bool {
		n, _ := s.Node(l.ID)
		return n.LastIndex > l.LastIndex
	})
	waitFor(t, c, "another leader", func(s Status) bool { return s.Leader != 0 && s.Leader != l.ID })
	// The new leader's own entry, at the index the old one used.
	if _, err := c.NewClient().Put(context.Background(), "other", []byte("x")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.Heal()
	a := <-got
	e := decodeError(t, a.b)
	lost := e.Effect == effectNone && strings.Contains(e.Error, "committed another entry at its index")
	replaced := e.Effect == effectUnknown && strings.Contains(e.Error, "replaced")
	if a.code != http.StatusServiceUnavailable || !lost && !replaced {
		t.Fatalf("the deposed leader's write: %d %s; want 503, another entry committed (effect none) or replaced (unknown)", a.code, a.b)
	}
	if took := time.Since(start); took >= DefaultOpTimeout {
		t.Fatalf("answered %v after the heal: it waited out the timeout", took)
	}
}

// GET /status uses one naming style, snake_case, and milliseconds with the
// unit in the name.
func TestHTTPStatusJSON(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.NewClient().Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "leader publishes progress", func(s Status) bool { n, _ := s.Node(st.Leader); return len(n.Progress) >= 2 })
	ln, _ := c.Status().Node(st.Leader)
	code, b := httpDo(t, "GET", "http://"+ln.HTTPAddr+"/status", "")
	if code != 200 {
		t.Fatalf("status: %d", code)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				if !snake.MatchString(k) {
					t.Errorf("key %q at %s is not snake_case", k, path)
				}
				walk(path+"."+k, x)
			}
		}
	}
	walk("status", doc)
	for _, k := range []string{"election_timeout_ms", "election_elapsed_ms", "commit", "last_index", "progress", "http_addr", "voters", "learners", "conf_index"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("status has no %q: %s", k, b)
		}
	}
	if ms, _ := doc["election_timeout_ms"].(float64); ms < 1 || ms > 10000 {
		t.Errorf("election_timeout_ms = %v: not milliseconds", doc["election_timeout_ms"])
	}
}

// GET /explain gives the explain command's sentences as JSON.
func TestHTTPExplain(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	put(t, c.NewClient(), "k", "v")
	base := "http://" + st.Nodes[0].HTTPAddr + "/explain"
	for q, want := range map[string]string{
		"?commit":                            "committed",
		"?node=" + fmt.Sprint(st.Leader):     "leads at term",
		"?vote=" + fmt.Sprint(aFollower(st)): "vote to",
		"?log=" + fmt.Sprint(aFollower(st)):  "log",
	} {
		code, b := httpDo(t, "GET", base+q, "")
		var r struct{ What, Text string }
		if code != 200 || json.Unmarshal(b, &r) != nil || !strings.Contains(r.Text, want) {
			t.Errorf("GET /explain%s: %d %s; want %q", q, code, b, want)
		}
	}
	for q, want := range map[string]string{
		"":                             "",
		"?node=9":                      "want a node number",
		"?commit=0":                    "want an index of 1 or more",
		"?commit=99999999999999999999": "too large: want an index of 1 to 18446744073709551615",
		"?vote=x":                      "want a node number",
		// A second question, or a second value, was ignored.
		"?commit&node=1":     "explain one thing at a time: got commit, node",
		"?commit=1&commit=2": "commit given 2 times: want it once",
		// Two questions, one of them twice: the same answer every time
		// (it depended on the order a map gave the keys in).
		"?commit=1&commit=2&node=1": "explain one thing at a time: got commit, node",
		// A query Go's parser refuses a part of: that part was dropped
		// without a word, and the rest answered "explain what?" (the
		// question was there) or answered alone (garbage beside it).
		"?commit=1;node=2": `query \"commit=1;node=2\": invalid semicolon separator`,
		"?%zz&commit":      `query \"%zz\u0026commit\": invalid URL escape`,
		// An unknown question is named.
		"?Commit": "explain what? got Commit; want",
	} {
		if code, b := httpDo(t, "GET", base+q, ""); code != 400 || !strings.Contains(string(b), `"error"`) || !strings.Contains(string(b), want) {
			t.Errorf("GET /explain%s: %d %s; want a JSON 400 saying %q", q, code, b, want)
		}
	}
	// The path is there; other methods are not allowed, as on /status
	// (a DELETE was told "no such path").
	for _, m := range []string{"DELETE", "POST", "PUT"} {
		if code, b := httpDo(t, m, base+"?commit", ""); code != 405 || !strings.Contains(string(b), "not allowed on /explain (use GET)") {
			t.Errorf("%s /explain: %d %s; want 405", m, code, b)
		}
	}
	// A 405 says which methods are allowed (RFC 9110 15.5.6), as /status's does.
	for _, path := range []string{"/status", "/explain"} {
		req, err := http.NewRequest("DELETE", strings.TrimSuffix(base, "/explain")+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET" {
			t.Errorf("DELETE %s: %d, Allow %q; want 405 with Allow GET", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// A leader that failed (its disk full) answers a write 503 saying it
// failed and why, and names no leader: it said "no leader known" beside
// its own address, sending clients back to the node that is down.
func TestHTTPFailedLeader(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	ln, _ := st.Node(st.Leader)
	defer failOnFullDisk(t, c, st.Leader, 2).halt()
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		code, b := httpDo(t, m, "http://"+ln.HTTPAddr+"/kv/k", "v")
		e := decodeError(t, b)
		if code != http.StatusServiceUnavailable || !strings.Contains(e.Error, fmt.Sprintf("node %d failed: ", st.Leader)) || !strings.Contains(e.Error, "no space left on device") || e.Leader == ln.HTTPAddr || e.Effect != effectNone {
			t.Errorf("%s on a failed leader: %d %+v; want 503 saying it failed, not naming itself", m, code, e)
		}
	}
	// Its status follows no one either (it named itself leader beside
	// "role":"down").
	code, b := httpDo(t, "GET", "http://"+ln.HTTPAddr+"/status", "")
	var sj struct {
		State  string `json:"state"`
		Role   string `json:"role"`
		Leader uint64 `json:"leader"`
	}
	if err := json.Unmarshal(b, &sj); code != http.StatusOK || err != nil || sj.State != "failed" || sj.Role != "down" || sj.Leader != 0 {
		t.Errorf("/status of the failed leader: %d %s", code, b)
	}
}

// A client that sends its requests and never reads the answers is cut off
// once an answer has waited answerWriteTimeout to be taken: it held its
// connection, the handler's goroutine and the value being sent for as long
// as it liked (300 such clients held 300 connections past every timeout).
// Not parallel: it shortens the timeout for the package.
func TestHTTPAnswerNotReadClosesTheConnection(t *testing.T) {
	const timeout = 300 * time.Millisecond
	answerTimeoutForTest.Store(int64(timeout))
	t.Cleanup(func() { answerTimeoutForTest.Store(0) })
	c := startCluster(t, Options{Nodes: 1})
	st := waitLeader(t, c)
	addr := st.Nodes[0].HTTPAddr
	if code, b := httpDo(t, "PUT", "http://"+addr+"/kv/big", strings.Repeat("v", MaxValueBytes)); code != 200 {
		t.Fatalf("PUT: %d %s", code, b)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Far more answers than the sockets' buffers hold: the server's write
	// blocks until the client reads.
	const reads = 32
	for range reads {
		fmt.Fprintf(conn, "GET /kv/big HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	// The client reads nothing for a while: that is the behaviour tested,
	// not a wait for something to happen.
	time.Sleep(5 * timeout)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection and sent %d bytes (%d answers of 1 MiB) to a client that had not read for %v", got, got/MaxValueBytes, 5*timeout)
	}
	if got >= reads*MaxValueBytes {
		t.Fatalf("read %d bytes: every answer, as if no deadline applied", got)
	}
	// The node still answers.
	if code, _ := httpDo(t, "GET", "http://"+addr+"/status", ""); code != 200 {
		t.Fatalf("status after: %d", code)
	}
}

// A PUT's value is read whole, whatever its size, with one allocation when
// its length is known (BenchmarkReadBody: a 1 MiB value allocated about 2
// MiB through io.ReadAll).
func TestReadBody(t *testing.T) {
	for _, n := range []int{0, 1, 4096, MaxValueBytes, MaxValueBytes + 1} {
		for _, known := range []bool{true, false} {
			body := strings.Repeat("v", n)
			r, _ := http.NewRequest("PUT", "http://x/kv/k", io.NopCloser(strings.NewReader(body)))
			r.ContentLength = -1
			if known {
				r.ContentLength = int64(n)
			}
			got, err := readBody(r)
			if err != nil || string(got) != body {
				t.Errorf("%d bytes (length known %v): read %d, %v", n, known, len(got), err)
			}
		}
	}
	// Past the limit it stops at one byte more (the caller says 413).
	r, _ := http.NewRequest("PUT", "http://x/kv/k", strings.NewReader(strings.Repeat("v", MaxValueBytes+100)))
	if got, err := readBody(r); err != nil || len(got) != MaxValueBytes+1 {
		t.Errorf("past the limit: read %d, %v", len(got), err)
	}
}

func BenchmarkReadBody(b *testing.B) {
	body := strings.Repeat("v", MaxValueBytes)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r, _ := http.NewRequest("PUT", "http://x/kv/k", strings.NewReader(body))
		if _, err := readBody(r); err != nil {
			b.Fatal(err)
		}
	}
}

// rawPutHead sends the head of a PUT of size bytes to addr and none of its
// body, and returns the status line of the answer, which must come without
// the body being read (a size over 256 KiB: Go's server reads a smaller
// body the handler left unread before it answers, to keep the connection).
func rawPutHead(t *testing.T, addr string, size int) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /kv/k HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Errorf("no answer before the value was sent: %v", err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return "HTTP/1.1 " + resp.Status + "\n" + strings.TrimSpace(string(b))
}

// A follower redirects a PUT to the leader before it reads the value: it
// read a 1 MiB value, then sent the client to send it again.
func TestHTTPFollowerRedirectsBeforeReadingTheValue(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	// A follower that knows the leader (waitLeader wants only a majority
	// to: the third may still answer "no leader known").
	var follower string
	waitFor(t, c, "a follower knows the leader", func(st Status) bool {
		for _, n := range st.Nodes {
			if st.Leader != 0 && n.ID != st.Leader && n.Leader == st.Leader {
				follower = n.HTTPAddr
				return true
			}
		}
		return false
	})
	if got := rawPutHead(t, follower, MaxValueBytes); !strings.HasPrefix(got, "HTTP/1.1 307") {
		t.Fatalf("a follower answered %q to a PUT whose value it had not read, want a 307 to the leader", got)
	}
}

// The leader reads the values of at most putBytesInFlight of PUTs at once;
// a PUT past it waits its turn unread, and is answered 503 (effect none)
// when its turn does not come in time. Once there is room, it is served.
func TestHTTPPutPastTheBoundWaitsItsTurn(t *testing.T) {
	putAdmitWaitForTest.Store(int64(200 * time.Millisecond))
	t.Cleanup(func() { putAdmitWaitForTest.Store(0) })
	c := startCluster(t, Options{Nodes: 1})
	st := waitLeader(t, c)
	addr := st.Nodes[0].HTTPAddr
	n := c.slots[0].node
	// Other writes' values fill the bound.
	if err := n.putAdmit.Acquire(context.Background(), putBytesInFlight); err != nil {
		t.Fatal(err)
	}
	// (A value over 256 KiB: Go's server would wait for a smaller one,
	// unread, to keep the connection.)
	if got := rawPutHead(t, addr, MaxValueBytes); !strings.HasPrefix(got, "HTTP/1.1 503") {
		t.Fatalf("a PUT past the bound whose value was not sent got %q, want a 503 without its value read", got)
	}
	code, b := httpDo(t, "PUT", "http://"+addr+"/kv/k", "v")
	if e := decodeError(t, b); code != 503 || e.Effect != effectNone || !strings.Contains(e.Error, "overloaded: node 1 is taking in 32 MiB of values already, and this write's turn did not come within 200ms; its value was not read") {
		t.Fatalf("PUT past the bound: %d %s", code, b)
	}
	n.putAdmit.Release(putBytesInFlight)
	if code, b := httpDo(t, "PUT", "http://"+addr+"/kv/k", "v"); code != 200 {
		t.Fatalf("PUT once there is room: %d %s", code, b)
	}
	// Its room is given back: a value of the bound's whole size fits.
	if !n.putAdmit.TryAcquire(putBytesInFlight) {
		t.Fatal("the served PUT kept its room")
	}
	n.putAdmit.Release(putBytesInFlight)
}

// An admitted PUT whose value does not arrive in time is answered and its
// room given back: a client trickling its value held its room for the
// request's whole 30 s, and 32 such held every write up (a review).
func TestHTTPPutValueMustComeInTime(t *testing.T) {
	putBodyWaitForTest.Store(int64(300 * time.Millisecond))
	t.Cleanup(func() { putBodyWaitForTest.Store(0) })
	c := startCluster(t, Options{Nodes: 1})
	st := waitLeader(t, c)
	addr := st.Nodes[0].HTTPAddr
	if got := rawPutHead(t, addr, MaxValueBytes); !strings.HasPrefix(got, "HTTP/1.1 400") || !strings.Contains(got, "the value did not arrive within 300ms of this write's turn") {
		t.Fatalf("a PUT whose value never came got %q, want a 400 once its time was up that says so", got)
	}
	n := c.slots[0].node
	if !n.putAdmit.TryAcquire(putBytesInFlight) {
		t.Fatal("the PUT whose value never came kept its room")
	}
	n.putAdmit.Release(putBytesInFlight)
	if code, b := httpDo(t, "PUT", "http://"+addr+"/kv/k", "v"); code != 200 {
		t.Fatalf("PUT after: %d %s", code, b)
	}
}

// A PUT whose turn comes after its node stopped leading is sent to the
// new leader before its value is read, as it would have been on arrival:
// it was answered 503 "not the leader", or waited for its value.
func TestHTTPPutAdmittedAfterSteppingDownIsRedirected(t *testing.T) {
	putBodyWaitForTest.Store(int64(300 * time.Millisecond))
	t.Cleanup(func() { putBodyWaitForTest.Store(0) })
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	old := c.slots[st.Leader-1]
	n := old.node
	if err := n.putAdmit.Acquire(context.Background(), putBytesInFlight); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() { got <- rawPutHead(t, old.httpAddr, MaxValueBytes) }()
	waitUntil(t, 5*time.Second, "the PUT waits its turn", func() bool { return n.putsWaiting.Load() == 1 })
	to := st.Leader%3 + 1
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Transfer(ctx, to); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the old leader knows the new one", func() bool { return n.leaderAddr() != "" })
	n.putAdmit.Release(putBytesInFlight)
	if r := <-got; !strings.HasPrefix(r, "HTTP/1.1 307") {
		t.Fatalf("a PUT admitted after its node stepped down got %q, want a 307 to the new leader", r)
	}
}

// waitUntil polls cond every millisecond until it holds, failing t after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

// A write or read to a frozen cluster times out (no step carries it) and
// its 504 says the cluster is frozen and what moves it, as a script's put
// says: it said only "did not complete within 5s".
func TestHTTPTimeoutOnAFrozenClusterSaysSo(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	put(t, c.NewClient(), "k", "v")
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	st := c.Status()
	l, ok := st.Node(st.Leader)
	if !ok {
		t.Fatalf("no leader in %+v", st)
	}
	for _, m := range []string{"PUT", "GET"} {
		t.Run(m, func(t *testing.T) {
			t.Parallel() // each waits out the 5 s
			code, b := httpDo(t, m, "http://"+l.HTTPAddr+"/kv/k", "w")
			e := decodeError(t, b)
			if code != http.StatusGatewayTimeout || !strings.Contains(e.Error, "did not complete within") ||
				!strings.Contains(e.Error, "the cluster is frozen: step mode holds every message") || !strings.Contains(e.Error, "thaw ends step mode") {
				t.Errorf("%s on a frozen cluster: %d %+v; want 504 saying the cluster is frozen", m, code, e)
			}
		})
	}
}
