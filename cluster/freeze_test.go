package cluster

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"raftplay/raft"
)

// traceHas reports whether the trace holds a record that matches.
func traceHas(c *Cluster, match func(MsgRecord) bool) bool {
	recs, _, _ := c.Trace().Since(1)
	for _, r := range recs {
		if match(r) {
			return true
		}
	}
	return false
}

// An election shows in the trace as vote requests fanning out and grants
// coming back, each sent and delivered.
func TestTraceRecordsAnElection(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	for _, id := range []uint64{1, 2, 3} {
		if id == st.Leader {
			continue
		}
		if !traceHas(c, func(r MsgRecord) bool {
			return r.Kind() == "vote" && r.From == st.Leader && r.To == id && r.Event == MsgSent && r.Term == st.Term
		}) {
			t.Errorf("no vote %d->%d sent at term %d", st.Leader, id, st.Term)
		}
		// The leader needs one grant of two, so the other request may
		// still be on its way when the leader is known: wait for it.
		waitFor(t, c, fmt.Sprintf("vote %d->%d delivered at term %d", st.Leader, id, st.Term), func(Status) bool {
			return traceHas(c, func(r MsgRecord) bool {
				return r.Kind() == "vote" && r.From == st.Leader && r.To == id && r.Event == MsgDelivered && r.Term == st.Term
			})
		})
	}
	if !traceHas(c, func(r MsgRecord) bool {
		return r.Kind() == "vote-resp" && r.To == st.Leader && r.Event == MsgDelivered && !r.Reject && strings.Contains(r.Summary(), "granted")
	}) {
		t.Error("no granted vote delivered to the leader")
	}
}

// Messages lost to a partition and to a crashed node say so.
func TestTraceRecordsLosses(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	st := waitLeader(t, c)
	f := aFollower(st)
	if err := c.Isolate(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "a heartbeat lost to the cut", func(Status) bool {
		return traceHas(c, func(r MsgRecord) bool {
			return r.From == st.Leader && r.To == f && r.Event == MsgLost && r.Lost == LostCut
		})
	})
	c.Heal()
	if err := c.Crash(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "a message lost to the down node", func(Status) bool {
		return traceHas(c, func(r MsgRecord) bool { return r.To == f && r.Event == MsgLost && r.Lost == LostNodeDown })
	})
	c.SetTrace(false)
	_, next, _ := c.Trace().Since(1)
	put(t, c.NewClient(), "k", "v")
	if _, after, _ := c.Trace().Since(1); after != next {
		t.Fatalf("trace off, yet %d records were added", after-next)
	}
}

// TestStepWithNothingHeldSaysWhatMakesAMessage: once a frozen cluster is
// quiet, step fails and names the commands that make a message.
func TestStepWithNothingHeldSaysWhatMakesAMessage(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	waitLeader(t, c)
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	// What was on its way when the clocks stopped is stepped through; the
	// answers it brings end, and nothing more comes (no clock runs).
	for i := 0; ; i++ {
		_, err := c.StepOne(ctxFor(t, 10*time.Second))
		if err == nil {
			if i > 100 {
				t.Fatal("a frozen cluster kept making messages")
			}
			continue
		}
		if !strings.Contains(err.Error(), "no message is held anywhere") || !strings.Contains(err.Error(), "`timeout N` starts an election") {
			t.Fatalf("step on a quiet frozen cluster: %v", err)
		}
		return
	}
}

// Frozen, a cluster takes a write into the leader's log but moves it only
// as messages are delivered by hand; thawed, it finishes.
func TestFreezeHoldsMessagesUntilDelivered(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	st := waitLeader(t, c)
	// Quiet before freezing: every follower replicating, caught up and
	// told the commit, so the leader sends the next entry at once (no
	// probe in flight) and the first append held is the one that carries
	// it (not the append that tells the followers the no-op's commit, held
	// when the freeze came before it arrived).
	waitCaughtUp(t, c, st.Leader)
	l, f := st.Leader, aFollower(st)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.StepOne(ctx); err == nil || !strings.Contains(err.Error(), "freeze") {
		t.Fatalf("step before freeze: %v", err)
	}
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := c.Freeze(); err == nil {
		t.Fatal("freezing twice succeeded")
	}
	pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	p, err := c.ProposeTo(pctx, l, "k", []byte("v"))
	pcancel()
	if err != nil || p.Committed || p.Index == 0 {
		t.Fatalf("propose while frozen: %+v, %v; want an uncommitted entry", p, err)
	}
	out, err := c.Deliver(ctx, l, f, "app", false)
	if want := fmt.Sprintf("%d appended entry %d (term %d)", f, p.Index, p.Term); err != nil || !strings.HasPrefix(out, "delivered") || !strings.Contains(out, "app") ||
		!strings.Contains(out, want) {
		t.Fatalf("deliver app: %q, %v; want its effect %q", out, err, want)
	}
	if n, _ := c.Status().Node(f); n.LastIndex < p.Index {
		// the follower's status is published with its Ready
		waitFor(t, c, "the follower appended", func(s Status) bool { n, _ := s.Node(f); return n.LastIndex >= p.Index })
	}
	if n, _ := c.Status().Node(l); n.Commit >= p.Index {
		t.Fatalf("leader committed %d before any answer was delivered", n.Commit)
	}
	out, err = c.Deliver(ctx, f, l, "app-resp", false)
	if err != nil || !strings.Contains(out, "committed up to") || !strings.Contains(out, fmt.Sprintf("%d now knows %d holds up to %d", l, f, p.Index)) {
		t.Fatalf("deliver the answer: %q, %v; want the commit and the leader's new knowledge as its effects", out, err)
	}
	if _, err := c.Deliver(ctx, l, f, "vote", false); err == nil || !strings.Contains(err.Error(), "holds no vote message") {
		t.Fatalf("deliver with nothing matching: %v", err)
	}
	if _, err := c.Timeout(l); err == nil || !strings.Contains(err.Error(), "is the leader") {
		t.Fatalf("timeout of the leader: %v", err)
	}
	// It names whom it sent them to, and does not call them "no visible
	// effect".
	others := make([]string, 0, 2)
	for _, n := range st.Nodes {
		if n.ID != l {
			others = append(others, fmt.Sprint(n.ID))
		}
	}
	if out, err := c.Heartbeat(l); err != nil || out != fmt.Sprintf("%d sent heartbeats to %s", l, strings.Join(others, ",")) {
		t.Fatalf("heartbeat: %q, %v", out, err)
	}
	if _, err := c.Heartbeat(f); err == nil {
		t.Fatal("a follower sent heartbeats")
	}
	waitFor(t, c, "the heartbeats are held", func(s Status) bool {
		n, _ := s.Node(f)
		for _, h := range n.Held {
			if h.Kind == "heartbeat" {
				return true
			}
		}
		return false
	})
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	if err := c.Thaw(); err == nil {
		t.Fatal("thawing a thawed cluster succeeded")
	}
	waitFor(t, c, "convergence after thaw", Converged)
	if res, err := c.NewClient().Get(ctx, "k"); err != nil || string(res.Value) != "v" {
		t.Fatalf("get k = %q, %v", res.Value, err)
	}
}

// Two nodes timing out at once while frozen split the vote: each votes for
// itself and the third grants only the first request it is given.
func TestFrozenSplitVote(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	st := waitLeader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	var a, b uint64
	for id := uint64(1); id <= 3; id++ {
		if id != st.Leader {
			if a == 0 {
				a = id
			} else {
				b = id
			}
		}
	}
	if err := c.Crash(st.Leader); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{a, b} {
		out, err := c.Timeout(id)
		if err != nil || !strings.Contains(out, "started election") {
			t.Fatalf("timeout %d: %q, %v", id, out, err)
		}
	}
	out, err := c.Deliver(ctx, a, b, "vote", false)
	if err != nil || !strings.Contains(out, "rejected vote") || !strings.Contains(out, "already voted") {
		t.Fatalf("vote %d->%d: %q, %v; want a refusal (it voted for itself)", a, b, out, err)
	}
	// The refusal, delivered to the candidate, changes its count (not yet
	// the election): the step says so, not "no visible effect".
	out, err = c.Deliver(ctx, b, a, "vote-resp", false)
	if want := fmt.Sprintf("%d has 1 of the 2 votes it needs (from %d), refused by %d", a, a, b); err != nil || !strings.Contains(out, want) {
		t.Fatalf("vote-resp %d->%d: %q, %v; want %q", b, a, out, err, want)
	}
	if _, err := c.Timeout(st.Leader); err == nil || !strings.Contains(err.Error(), "down") {
		t.Fatalf("timeout of a down node: %v", err)
	}
	if _, err := c.Deliver(ctx, a, b, "nonsense", false); err == nil || !strings.Contains(err.Error(), "unknown message kind") {
		t.Fatalf("unknown kind: %v", err)
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(st.Leader); err != nil {
		t.Fatal(err)
	}
	waitLeader(t, c)
}

// waitCaughtUp waits until leader's followers have its whole log and know
// it committed: caught up as the leader sees it too, each follower
// replicating, its match the leader's last index (a leader still probing
// sends no append for a new entry until its probe is answered), and every
// node's commit the leader's (no append that tells a commit is on its way),
// and every append and answer between the leader and a follower arrived:
// a follower's answer to the append that told it the commit, still on its
// way, was held by a freeze and taken for the answer to the next append
// ("delivered 1->2 app-resp t1 ok 1; no visible effect", one run of go
// test -race ./... on two busy cores).
func waitCaughtUp(t *testing.T, c *Cluster, leader uint64) {
	t.Helper()
	waitFor(t, c, "every follower caught up", func(s Status) bool {
		l, ok := s.Node(leader)
		if !ok || l.Role != "leader" || l.Commit != l.LastIndex || !Converged(s) {
			return false
		}
		for _, n := range s.Nodes {
			if p, ok := l.Progress[n.ID]; n.ID != leader && (n.Leader != leader || !ok || p.State != "replicate" || p.Match != l.LastIndex) {
				return false
			}
		}
		return appendsLanded(c, leader)
	})
}

// appendsLanded reports whether the last append the leader sent each
// follower, and the last answer each sent back, are recorded in the
// message trace as delivered, held or lost after their send (one link
// carries them in order: when the last has landed, so have the ones
// before it). With the trace off it knows nothing and says yes.
func appendsLanded(c *Cluster, leader uint64) bool {
	type link struct {
		from, to uint64
		typ      raft.MessageType
	}
	pending := map[link]bool{}
	recs, _, _ := c.Trace().Since(1)
	for _, r := range recs {
		if (r.Type != raft.MsgApp || r.From != leader) && (r.Type != raft.MsgAppResp || r.To != leader) {
			continue
		}
		k := link{r.From, r.To, r.Type}
		switch r.Event {
		case MsgSent, MsgDelayed:
			pending[k] = true
		case MsgDelivered, MsgHeld, MsgLost:
			pending[k] = false
		}
	}
	for _, p := range pending {
		if p {
			return false
		}
	}
	return true
}

// frozenCaughtUp starts three nodes, waits until every follower has the
// leader's log, and freezes them: the leader, a follower, and a context
// for the steps.
func frozenCaughtUp(t *testing.T) (*Cluster, uint64, uint64, context.Context) {
	t.Helper()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	st := waitLeader(t, c)
	waitCaughtUp(t, c, st.Leader)
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c, st.Leader, aFollower(st), ctx
}

// proposeHeld proposes key at frozen leader l and waits until follower f
// holds the append that carries it: one append each (proposals made
// before the leader's next Ready would go out as one).
func proposeHeld(t *testing.T, c *Cluster, ctx context.Context, l, f uint64, key string) Proposal {
	t.Helper()
	apps := func(s Status) int {
		node, _ := s.Node(f)
		k := 0
		for _, h := range node.Held {
			if h.From == l && h.Kind == "app" {
				k++
			}
		}
		return k
	}
	before := apps(c.Status())
	pctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	p, err := c.ProposeTo(pctx, l, key, []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the append held at "+fmt.Sprint(f), func(s Status) bool { return apps(s) > before })
	return p
}

// A step shows what the delivered message made its receiver do, even when
// the event feed tells it once: a second refusal of a run (the same gap)
// is in the step's result.
func TestStepShowsRepeatedRefusal(t *testing.T) {
	t.Parallel()
	c, l, f, ctx := frozenCaughtUp(t)
	for i := range 4 {
		proposeHeld(t, c, ctx, l, f, fmt.Sprint("k", i))
	}
	step := func(discard bool) string {
		t.Helper()
		out, err := c.Deliver(ctx, l, f, "app", discard)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	step(false)
	step(true) // a gap
	if out := step(false); !strings.Contains(out, "rejected append") {
		t.Fatalf("first refusal: %q", out)
	}
	if out := step(false); !strings.Contains(out, "rejected append") {
		t.Fatalf("second refusal of the same gap: %q; want the refusal in the step's result", out)
	}
	evs, _, _ := c.Events().Since(0)
	told := 0
	for _, e := range evs {
		if strings.Contains(e.Text, "rejected append") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("the feed told the refusals %d times, want once", told)
	}
}

// A step shows what an answer makes the leader do: a refusal sends it
// probing back, with a new append (§5.3); a heartbeat's answer from a
// follower short of the log brings an append. And a follower's effects
// come in the order they happened: the entries appended, then the commit
// they allow (a teacher saw "no visible effect" for the first, and the
// commit before the append).
func TestStepSaysWhatAnAnswerMakesTheLeaderDo(t *testing.T) {
	t.Parallel()
	c, l, f, ctx := frozenCaughtUp(t)
	propose := func(key string) Proposal {
		t.Helper()
		pctx, pcancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer pcancel()
		p, err := c.ProposeTo(pctx, l, key, []byte("v"))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	deliver := func(from, to uint64, kind string, discard bool) string {
		t.Helper()
		out, err := c.Deliver(ctx, from, to, kind, discard)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	p0 := proposeHeld(t, c, ctx, l, f, "k0")
	proposeHeld(t, c, ctx, l, f, "k1")
	deliver(l, f, "app", true) // a gap: k0 never arrives
	if out := deliver(l, f, "app", false); !strings.Contains(out, "rejected append") {
		t.Fatalf("the refusal: %q", out)
	}
	out := deliver(f, l, "app-resp", false)
	for _, want := range []string{fmt.Sprintf("%d now probes %d from %d", l, f, p0.Index), fmt.Sprintf("%d sends %d->%d app t%d i%d..", l, l, f, p0.Term, p0.Index)} {
		if !strings.Contains(out, want) || strings.Contains(out, "no visible effect") {
			t.Errorf("the refusal's answer delivered: %q; want %q", out, want)
		}
	}
	// The probe carries k0 and k1; its answer commits them at the leader.
	if out := deliver(l, f, "app", false); !strings.Contains(out, "appended entries") {
		t.Fatalf("the probe: %q", out)
	}
	out = deliver(f, l, "app-resp", false)
	if k, cm := strings.Index(out, fmt.Sprintf("%d now knows %d holds up to", l, f)), strings.Index(out, "committed up to"); k < 0 || cm < 0 || cm < k {
		t.Fatalf("the probe's answer: %q; want what the leader now knows, then the commit it allows", out)
	}
	if !strings.Contains(out, fmt.Sprintf("%d tells its followers commit", l)) {
		t.Errorf("the answer that commits: %q; want how the followers learn the commit", out)
	}
	// The append that brings k2 also brings the new commit index (the
	// empty appends before it, which would bring it alone, are dropped):
	// appended first.
	p2 := propose("k2")
	carries := regexp.MustCompile(fmt.Sprintf(`^app t%d i%d( |\.\.)`, p2.Term, p2.Index))
	for {
		var next *HeldInfo
		waitFor(t, c, "an append held at the follower", func(s Status) bool {
			n, _ := s.Node(f)
			for i := range n.Held {
				if h := n.Held[i]; h.From == l && h.Kind == "app" {
					next = &h
					return true
				}
			}
			return false
		})
		if carries.MatchString(next.Summary) {
			break
		}
		deliver(l, f, "app", true)
	}
	out = deliver(l, f, "app", false)
	a, cm := strings.Index(out, fmt.Sprintf("appended entry %d", p2.Index)), strings.Index(out, "committed up to")
	if a < 0 || cm < 0 || cm < a {
		t.Errorf("an append with a commit: %q; want the entry appended, then the commit", out)
	}
	// A heartbeat's answer from a follower short of the log: an append.
	deliver(f, l, "app-resp", false)
	propose("k3")
	deliver(l, f, "app", true)
	if _, err := c.Heartbeat(l); err != nil {
		t.Fatal(err)
	}
	deliver(l, f, "heartbeat", false)
	out = deliver(f, l, "heartbeat-resp", false)
	if want := fmt.Sprintf("%d sends %d->%d app", l, l, f); !strings.Contains(out, want) {
		t.Errorf("a heartbeat's answer from a follower short of the log: %q; want %q", out, want)
	}
	// The thaw comes first in the feed, then what the held messages did:
	// a gap, then an append the follower refuses when it arrives.
	propose("k4")
	deliver(l, f, "app", true)
	propose("k5")
	_, next, _ := c.Events().Since(0)
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the held messages delivered", func(s Status) bool { return Converged(s) })
	evs, _, _ := c.Events().Since(next)
	if len(evs) < 2 || !strings.HasPrefix(evs[0].Text, "thawed") {
		t.Errorf("the feed after the thaw: %v; want the thaw first, then its effects", evs)
	}
}

// Messages held at a node that crashes die with it: its status holds none
// (a new user's header counted one that no step could deliver).
func TestHeldMessagesDieWithTheirNode(t *testing.T) {
	t.Parallel()
	c, st, f := frozenThree(t)
	if _, err := c.Timeout(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the vote request held at the leader", func(s Status) bool {
		n, _ := s.Node(st.Leader)
		return len(n.Held) > 0
	})
	if err := c.Crash(st.Leader); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Status().Node(st.Leader); len(n.Held) != 0 {
		t.Errorf("crashed node %d still holds %v", st.Leader, n.Held)
	}
	// The message trace says so too: the held vote request is lost with
	// its node (it stayed "held" for good).
	if !traceHas(c, func(r MsgRecord) bool {
		return r.From == f && r.To == st.Leader && r.Event == MsgLost && r.Lost == LostNodeDown
	}) {
		t.Error("the trace does not record the held message lost with its node")
	}
}

// A transfer asked for while frozen returns once the leader takes it, and
// the steps carry it out (it used to wait, run out of time, say it failed,
// and then happen after the thaw).
func TestTransferWhileFrozenIsCarriedByTheSteps(t *testing.T) {
	t.Parallel()
	c, st, f := frozenThree(t)
	res, err := c.StartTransfer(f)
	if err != nil || !res.Frozen || res.From != st.Leader || res.To != f {
		t.Fatalf("transfer while frozen: %+v, %v", res, err)
	}
	for i := 0; c.Status().Leader != f; i++ {
		if i == 20 {
			t.Fatalf("20 steps and %d does not lead: %+v", f, c.Status().Leader)
		}
		if _, err := c.StepOne(ctxFor(t, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
}

// frozenThree starts 3 nodes with the dashboard's timing, waits for a
// leader and freezes: the cluster, its status then, and a follower.
func frozenThree(t *testing.T) (*Cluster, Status, uint64) {
	t.Helper()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	st := waitLeader(t, c)
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	return c, st, aFollower(st)
}

// An answer that elects a leader says so, and nothing about the progress
// the new leader starts afresh for each follower ("now probes 3 from 2
// (next 0 -> 2)" was said of one of them).
func TestStepThatElectsSaysNoProgress(t *testing.T) {
	t.Parallel()
	c, l, f, ctx := frozenCaughtUp(t)
	g := 6 - l - f // the third node: ids 1, 2, 3
	if _, err := c.Timeout(f); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(ctx, f, g, "vote", false); err != nil {
		t.Fatal(err)
	}
	out, err := c.Deliver(ctx, g, f, "vote-resp", false)
	if err != nil || !strings.Contains(out, fmt.Sprintf("%d became leader", f)) || strings.Contains(out, "probes") || strings.Contains(out, "next 0") {
		t.Fatalf("the answer that elects %d: %q, %v", f, out, err)
	}
}

// Frozen, an add right after an election, before the new leader has
// committed an entry of its term (only the steps commit it), is refused
// at once and says why; no node starts (it used to wait out its deadline,
// leaving a node running outside the cluster).
func TestAddWhileFrozenBeforeTheLeadersFirstCommit(t *testing.T) {
	t.Parallel()
	c, l, f, ctx := frozenCaughtUp(t)
	g := 6 - l - f
	if _, err := c.Timeout(f); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(ctx, f, g, "vote", false); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Deliver(ctx, g, f, "vote-resp", false); err != nil || !strings.Contains(out, fmt.Sprintf("%d became leader", f)) {
		t.Fatalf("electing %d: %q, %v", f, out, err)
	}
	_, err := c.Add(ctx, 0)
	if want := fmt.Sprintf("leader %d has not committed an entry of its term", f); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("add: %v; want %q", err, want)
	}
	if n := len(c.Status().Nodes); n != 3 {
		t.Errorf("%d nodes after the refused add, want 3", n)
	}
}

// Frozen, an add that the leader would refuse is refused before any node
// starts (one would run outside the cluster on an id used up): while a
// removal is pending, for its id and for any other; with no leader.
func TestAddRefusedBeforeANodeStarts(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	f := aFollower(waitLeader(t, c))
	put(t, c.NewClient(), "a", "1") // the leader has committed in its term
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 10*time.Second)
	if _, err := c.Remove(ctx, f); err == nil || !strings.Contains(err.Error(), "the steps carry it") {
		t.Fatalf("remove %d while frozen: %v", f, err)
	}
	for _, tc := range []struct {
		id   uint64
		want string
	}{
		{f, "is not committed yet: one change at a time (the cluster is frozen: step until it commits, or thaw, then try again)"},
		{0, "is not committed yet: one change at a time (the cluster is frozen: step until it commits, or thaw, then try again)"},
	} {
		_, err := c.Add(ctx, tc.id)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("add %d: %v; want %q", tc.id, err, tc.want)
		}
		// Node f still runs, its removal pending: no "not started".
		if started := strings.Contains(fmt.Sprint(err), "not started"); started != (tc.id == 0) {
			t.Errorf("add %d: %v: says 'not started' %v, want %v", tc.id, err, started, tc.id == 0)
		}
	}
	if n := len(c.Status().Nodes); n != 3 {
		t.Errorf("%d nodes after the refused adds, want 3", n)
	}
}

// Frozen with no leader, membership changes fail at once: only steps
// elect one (they waited out their deadline, and the add left a node).
func TestMembershipWhileFrozenWithNoLeader(t *testing.T) {
	t.Parallel()
	c, st, f := frozenThree(t)
	if err := c.Crash(st.Leader); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 30*time.Second)
	const want = "no leader, and the cluster is frozen: only steps elect one"
	if _, err := c.Add(ctx, 0); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("add: %v", err)
	}
	if _, err := c.Remove(ctx, f); err == nil || !strings.Contains(err.Error(), want) || ctx.Err() != nil {
		t.Errorf("remove: %v (ctx %v)", err, ctx.Err())
	}
	if n := len(c.Status().Nodes); n != 3 {
		t.Errorf("%d nodes after the refused add, want 3", n)
	}
}

// Frozen, a step returns once the messages it made its node send are held
// at their receivers: the status right after `timeout N` shows the vote
// requests there (a lesson said "the requests wait in their queues" beside
// an explanation that could not find them yet).
func TestStepReturnsOnceItsMessagesAreHeld(t *testing.T) {
	t.Parallel()
	c, _, f := frozenThree(t)
	for range 5 {
		if _, err := c.Timeout(f); err != nil {
			t.Fatal(err)
		}
		now := c.Status()
		term := mustNode(t, now, f).Term
		for _, n := range now.Nodes {
			if n.ID != f && !slices.ContainsFunc(n.Held, func(h HeldInfo) bool { return h.From == f && h.Kind == "vote" && h.Term == term }) {
				t.Fatalf("right after timeout %d (term %d), %d holds %v", f, term, n.ID, n.Held)
			}
		}
	}
}

// Frozen, with a leadership transfer under way, a membership change is
// refused at once (only steps finish the transfer): it used to wait out
// its deadline, and the add left a node outside the cluster.
func TestMembershipWhileFrozenDuringATransfer(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3, Timing: WatchTiming})
	f := aFollower(waitLeader(t, c))
	put(t, c.NewClient(), "a", "1")
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartTransfer(f); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the transfer under way", func(s Status) bool { l, _ := s.Node(s.Leader); return l.Transferee == f })
	ctx := ctxFor(t, 30*time.Second)
	if _, err := c.Add(ctx, 0); err == nil || !strings.Contains(err.Error(), "step until the transfer completes") {
		t.Errorf("add: %v", err)
	}
	if _, err := c.Remove(ctx, f); err == nil || !strings.Contains(err.Error(), "step until the transfer completes") || ctx.Err() != nil {
		t.Errorf("remove: %v (ctx %v)", err, ctx.Err())
	}
	if n := len(c.Status().Nodes); n != 3 {
		t.Errorf("%d nodes after the refused add, want 3", n)
	}
}

// Frozen, a tick that fires a node's election timer returns once the vote
// requests it made the node send are held at their receivers, as `timeout`
// does: `tick 1 100` then `explain 1` said "2 has not answered, and
// neither the request nor an answer is held: one is on its way", while 2
// held it a moment later. So with a leader's ticks and its heartbeats.
func TestTickReturnsOnceItsMessagesAreHeld(t *testing.T) {
	t.Parallel()
	c, st, f := frozenThree(t)
	tick := mustNode(t, c.Status(), f).Tick
	if tick <= 0 {
		t.Fatalf("node %d's tick is %v", f, tick)
	}
	fire := int(WatchTiming.ElectionMax/tick) + 1 // past any election timeout drawn
	for range 5 {
		out, err := c.TickNode(f, fire)
		if err != nil || !strings.Contains(out, "started election") {
			t.Fatalf("tick %d %d: %q, %v", f, fire, out, err)
		}
		now := c.Status()
		term := mustNode(t, now, f).Term
		for _, n := range now.Nodes {
			if n.ID != f && !slices.ContainsFunc(n.Held, func(h HeldInfo) bool { return h.From == f && h.Kind == "vote" && h.Term == term }) {
				t.Fatalf("right after tick %d %d (term %d), %d holds %v", f, fire, term, n.ID, n.Held)
			}
		}
	}
	l, g := st.Leader, 6-st.Leader-f // the third node: ids 1, 2, 3
	beat := int(WatchTiming.Heartbeat/tick) + 1
	if _, err := c.TickNode(l, beat); err != nil {
		t.Fatal(err)
	}
	if n := mustNode(t, c.Status(), g); !slices.ContainsFunc(n.Held, func(h HeldInfo) bool { return h.From == l && h.Kind == "heartbeat" }) {
		t.Fatalf("right after tick %d %d (the leader), %d holds %v", l, beat, g, n.Held)
	}
}

// A put whose TIMEOUT ends while it waits in its node's queue, the loop
// busy, is told by the place the loop gives it a moment later, not as "no
// answer": a frozen leader's put with a 100 ms TIMEOUT failed so under
// load, though it was appended.
func TestProposeToWaitsForThePlaceOfAQueuedPut(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	l := waitLeader(t, c).Leader
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	n := c.node(l)
	busy := make(chan struct{})
	// The loop is busy past the put's deadline (a loaded machine).
	n.ctrl <- func() { <-busy }
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	go func() {
		<-ctx.Done()
		close(busy)
	}()
	p, err := c.ProposeTo(ctx, l, "k", []byte("v"))
	if err != nil || p.Index == 0 || p.Committed {
		t.Fatalf("ProposeTo: %+v, %v; want the put's place in the log, uncommitted (the cluster is frozen)", p, err)
	}
}

// A follower that learns who leads from a step says so: it voted in the
// term, knew no leader, and the leader's first append (or heartbeat)
// taught it; the step said only what it appended, or "no visible effect"
// of a heartbeat.
func TestStepSaysAFollowerLearnedItsLeader(t *testing.T) {
	t.Parallel()
	c := startCluster(t, Options{Nodes: 3})
	waitLeader(t, c)
	freezeAtRest(t, c, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must := mustOut(t)
	electBySteps(t, c, ctx, 1, 2, 3)
	st := c.Status()
	l, _ := st.Node(1)
	out := must(c.Deliver(ctx, 1, 2, "app", false))
	if want := fmt.Sprintf("2 now follows leader 1 in term %d; 2 appended entry", l.Term); !strings.Contains(out, want) {
		t.Fatalf("the new leader's first append: %q; want %q", out, want)
	}
	must(c.Heartbeat(1))
	if out := must(c.Deliver(ctx, 1, 3, "heartbeat", false)); !strings.Contains(out, fmt.Sprintf("3 now follows leader 1 in term %d", l.Term)) {
		t.Fatalf("the new leader's heartbeat to a follower that knew no leader: %q", out)
	}
	// Known already: nothing to say of it.
	must(c.Heartbeat(1))
	if out := must(c.Deliver(ctx, 1, 2, "heartbeat", false)); strings.Contains(out, "follows leader") {
		t.Fatalf("a heartbeat to a follower that knew its leader: %q", out)
	}
}

func TestLeaderEffect(t *testing.T) {
	f := func(term, leader uint64) raft.Status {
		return raft.Status{Role: raft.RoleFollower, Term: term, Leader: leader}
	}
	for _, c := range []struct {
		was, now raft.Status
		want     string
	}{
		{f(3, 0), f(3, 1), "2 now follows leader 1 in term 3"},
		{f(3, 1), f(4, 3), "2 moves to term 4 and follows leader 3"},
		{f(3, 1), f(3, 1), ""},
		{f(3, 1), f(4, 0), ""},
		{raft.Status{Role: raft.RoleCandidate, Term: 3}, f(3, 1), ""},
	} {
		if got := leaderEffect(2, c.was, c.now); got != c.want {
			t.Errorf("leaderEffect(%+v, %+v) = %q, want %q", c.was, c.now, got, c.want)
		}
	}
}
