package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"raftplay/cluster"
	"raftplay/transport"
)

// Fault kinds the nemesis injects, as counted in ChaosReport.Faults.
const (
	FaultCrash         = "crash"
	FaultRestart       = "restart"
	FaultPause         = "pause"
	FaultResume        = "resume"
	FaultPartition     = "partition"      // a random majority | minority split
	FaultBridge        = "bridge"         // two sides that talk only through one bridge node
	FaultIsolateLeader = "isolate-leader" // cut the current leader off from everyone
	FaultDrop          = "drop"           // lose a percentage of messages on every link
	FaultDelay         = "delay"          // add latency and jitter on every link
	FaultHeal          = "heal"           // lift every network fault
	FaultFreeze        = "freeze"         // stop every clock and hold every message for a moment, then thaw
	FaultMember        = "member"         // add a node, promote a learner, or remove a voter (one change)
	FaultTransfer      = "transfer"       // hand leadership to a random live voter other than the leader
	FaultPowerfail     = "powerfail"      // a node loses power: what it did not fsync is gone
	FaultWipe          = "wipe"           // UNSAFE (ChaosOptions.Unsafe): a node restarts with an empty disk
	FaultPowerCycle    = "powercycle"     // every running node loses power at once, and all come back
)

// FaultKinds are the kinds a nemesis may be limited to (ChaosOptions.Faults);
// heal, restart and resume always stay on, so that the cluster can recover.
var FaultKinds = []string{FaultCrash, FaultPause, FaultPartition, FaultBridge, FaultIsolateLeader, FaultDrop, FaultDelay, FaultFreeze, FaultMember, FaultTransfer, FaultPowerfail, FaultPowerCycle}

// UnsafeFaultKinds are added by ChaosOptions.Unsafe: with them a correct
// Raft must fail the checks.
var UnsafeFaultKinds = []string{FaultWipe}

// FaultRecord is one fault the nemesis injected.
type FaultRecord struct {
	At   time.Duration `json:"at_ns"` // since the run began
	Kind string        `json:"kind"`
	Text string        `json:"text"`
	// Skipped: drawn but not carried out (Text says why); not counted
	// among the faults injected.
	Skipped bool `json:"skipped,omitempty"`
	// Failed: tried, but not completed in its time (a transfer or a
	// membership change the faults of the moment held up; Text says why;
	// a membership change may still take effect later); counted apart from
	// the faults injected.
	Failed bool `json:"failed,omitempty"`
}

// nemesis breaks a cluster at random, all decisions drawn from one seeded
// source. It keeps at most a minority of nodes crashed or paused at once,
// and injects no crash, pause, partition, bridge or isolation after which
// no majority of voters would be up and connected (quorumAfter), so that
// the cluster can always make progress, faults of every kind combined.
type nemesis struct {
	c     *cluster.Cluster
	rng   *rand.Rand
	start time.Time
	kinds []string          // enabled fault kinds, from FaultKinds
	down  map[uint64]string // node -> FaultCrash or FaultPause
	log   []FaultRecord
	errs  []error
}

func newNemesis(c *cluster.Cluster, seed uint64, start time.Time, kinds []string) *nemesis {
	if len(kinds) == 0 {
		kinds = FaultKinds
	}
	return &nemesis{c: c, rng: rand.New(rand.NewPCG(seed, 0xfa17)), start: start, kinds: kinds, down: map[uint64]string{}}
}

// run injects a fault about every `every` (uniformly 0.5x to 1.5x) until ctx ends.
func (n *nemesis) run(ctx context.Context, every time.Duration) {
	for {
		wait := every/2 + time.Duration(n.rng.Int64N(int64(every)+1))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		n.step()
	}
}

func (n *nemesis) record(kind, text string, err error) {
	if err != nil {
		n.errs = append(n.errs, fmt.Errorf("experiment: nemesis %s: %w", text, err))
		return
	}
	n.log = append(n.log, FaultRecord{At: time.Since(n.start), Kind: kind, Text: text})
}

// step injects one fault: one of the enabled kinds, a heal, or bringing a
// node back, each as likely. A crash or pause beyond the budget brings a
// node back instead.
func (n *nemesis) step() {
	st := n.c.Status()
	size := uint64(len(st.Voters()))
	budget := int((size - 1) / 2) // nodes that may be down or paused at once
	live := n.members(st)
	id := live[n.rng.IntN(len(live))]
	kind := FaultHeal
	if a := n.rng.IntN(len(n.kinds) + 2); a < len(n.kinds) {
		kind = n.kinds[a]
	} else if a == len(n.kinds)+1 {
		kind = FaultRestart
	}
	if (kind == FaultCrash || kind == FaultPause || kind == FaultPowerfail || kind == FaultWipe) &&
		(n.down[id] != "" || len(n.down) >= budget || !n.quorumAfter(st, id, st.Faults)) {
		kind = FaultRestart
	}
	switch kind {
	case FaultCrash:
		n.record(FaultCrash, fmt.Sprintf("crash %d", id), n.c.Crash(id))
		n.down[id] = FaultCrash
	case FaultPause:
		n.record(FaultPause, fmt.Sprintf("pause %d", id), n.c.Pause(id))
		n.down[id] = FaultPause
	case FaultPowerfail:
		lost, err := n.c.PowerFail(id)
		n.record(FaultPowerfail, fmt.Sprintf("powerfail %d (%d bytes not fsynced lost)", id, lost), err)
		n.down[id] = FaultCrash
	case FaultPowerCycle:
		n.powerCycle(st)
	case FaultWipe:
		n.record(FaultWipe, fmt.Sprintf("wipe %d (UNSAFE: it restarts with an empty disk)", id), n.c.Wipe(id))
	case FaultPartition:
		perm := n.perm()
		k := int(size/2) + 1 + n.rng.IntN(int(size-size/2-1)) // the majority side: size/2+1 to size-1 nodes
		groups := [][]uint64{perm[:k], perm[k:]}
		text := fmt.Sprintf("partition %v | %v", groups[0], groups[1])
		if !n.quorumAfter(st, 0, transport.FaultTable{Links: st.Faults.Links, Groups: groups}) {
			n.skip(FaultPartition, text, noQuorum)
			return
		}
		n.record(FaultPartition, text, n.c.Partition(groups))
	case FaultBridge:
		perm := n.perm()
		bridge, rest := perm[0], perm[1:]
		left, right := rest[:len(rest)/2], rest[len(rest)/2:]
		text := fmt.Sprintf("bridge %v <-> %d <-> %v", left, bridge, right)
		after := transport.FaultTable{Links: slices.Clone(st.Faults.Links), Groups: st.Faults.Groups}
		for _, l := range left {
			for _, r := range right {
				after.Links = append(after.Links, transport.LinkRule{From: l, To: r, Rule: transport.Rule{Cut: true}}, transport.LinkRule{From: r, To: l, Rule: transport.Rule{Cut: true}})
			}
		}
		if !n.quorumAfter(st, 0, after) {
			n.skip(FaultBridge, text, noQuorum)
			return
		}
		var err error
		for _, l := range left {
			for _, r := range right {
				if err == nil {
					err = n.c.Cut(l, r)
				}
				if err == nil {
					err = n.c.Cut(r, l)
				}
			}
		}
		n.record(FaultBridge, text, err)
	case FaultIsolateLeader:
		if st := n.c.Status(); st.Leader != 0 {
			text := fmt.Sprintf("isolate leader %d", st.Leader)
			if !n.quorumAfter(st, 0, st.Faults.WithIsolated(st.Leader, n.members(st))) {
				n.skip(FaultIsolateLeader, text, noQuorum)
				return
			}
			n.record(FaultIsolateLeader, text, n.c.Isolate(st.Leader))
		}
	case FaultDrop:
		pct := float64(5 + n.rng.IntN(26))
		n.record(FaultDrop, fmt.Sprintf("drop %g%%", pct), n.c.Drop(pct, 0, 0))
	case FaultDelay:
		d := time.Duration(1+n.rng.IntN(20)) * time.Millisecond
		j := time.Duration(n.rng.IntN(10)) * time.Millisecond
		n.record(FaultDelay, fmt.Sprintf("delay %v jitter %v", d, j), n.c.Delay(d, j, 0, 0))
	case FaultFreeze:
		// Step mode for a moment: clients' writes enter the leader's log but
		// nothing moves until the thaw delivers what was held.
		d := time.Duration(20+n.rng.IntN(181)) * time.Millisecond
		err := n.c.Freeze()
		if err == nil {
			time.Sleep(d)
			err = n.c.Thaw()
		}
		n.record(FaultFreeze, fmt.Sprintf("freeze for %v", d), err)
	case FaultMember:
		n.member(st)
	case FaultTransfer:
		n.transfer(st)
	case FaultHeal:
		n.c.Heal()
		n.record(FaultHeal, "heal", nil)
	default:
		n.bringBack()
	}
}

// powerCycle cuts the power of every node at once and restarts those that
// were running; the nodes the nemesis keeps down stay down.
func (n *nemesis) powerCycle(st cluster.Status) {
	var up []uint64
	for _, s := range st.Nodes {
		if s.State == cluster.StateUp || s.State == cluster.StatePaused {
			if n.down[s.ID] == "" {
				up = append(up, s.ID)
			}
		}
	}
	_, err := n.c.PowerFailAll()
	// A paused node loses power too: it is down now, and only a
	// restart brings it back (resuming it would find it down).
	for id, how := range n.down {
		if how == FaultPause {
			n.down[id] = FaultCrash
		}
	}
	for _, id := range up {
		if err == nil {
			err = n.c.Restart(id)
		}
	}
	n.record(FaultPowerCycle, fmt.Sprintf("power cycle of %v", up), err)
}

// bringBack restarts or resumes one node that is down, the lowest first.
func (n *nemesis) bringBack() {
	ids := make([]uint64, 0, len(n.down))
	for id := range n.down {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids)
	id := ids[0]
	if n.down[id] == FaultCrash {
		n.record(FaultRestart, fmt.Sprintf("restart %d", id), n.c.Restart(id))
	} else {
		n.record(FaultResume, fmt.Sprintf("resume %d", id), n.c.Resume(id))
	}
	delete(n.down, id)
}

// members returns the ids of the nodes that are not removed.
func (n *nemesis) members(st cluster.Status) []uint64 {
	var ids []uint64
	for _, s := range st.Nodes {
		if s.State != cluster.StateRemoved {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// member makes one membership change: promote a learner left behind by
// an add that timed out, else add a node while there are fewer than 5
// voters, else remove a random voter (never below 3). It changes the
// membership only while no node is crashed or paused, so a removal never
// leaves the down nodes a majority. A change that cannot complete under
// the faults of the moment (no leader, a pending change, a learner that
// cannot catch up) is an outcome, not a nemesis error.
func (n *nemesis) member(st cluster.Status) {
	if len(n.down) > 0 {
		n.log = append(n.log, FaultRecord{At: time.Since(n.start), Kind: FaultMember, Text: "no membership change while a node is down", Skipped: true})
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	voters := st.Voters()
	var text string
	var err error
	switch {
	case len(st.Membership.Learners) > 0:
		id := st.Membership.Learners[0]
		text = fmt.Sprintf("promote %d", id)
		if !n.quorumOf(append(slices.Clone(voters), id), st, 0, st.Faults) {
			n.skip(FaultMember, text, noQuorum)
			return
		}
		_, err = n.c.Promote(ctx, id)
	case len(voters) < 5:
		var res cluster.AddResult
		res, err = n.c.Add(ctx, 0)
		text = fmt.Sprintf("add %d", res.ID)
	default:
		id := voters[n.rng.IntN(len(voters))]
		text = fmt.Sprintf("remove %d", id)
		if !n.quorumOf(slices.DeleteFunc(slices.Clone(voters), func(v uint64) bool { return v == id }), st, 0, st.Faults) {
			n.skip(FaultMember, text, noQuorum)
			return
		}
		_, err = n.c.Remove(ctx, id)
	}
	if err != nil {
		n.fail(FaultMember, text+": "+err.Error())
		return
	}
	n.record(FaultMember, text, nil)
}

// transfer hands leadership to a live voter other than the leader.
func (n *nemesis) transfer(st cluster.Status) {
	// The live ones other than the leader: a down node cannot take
	// over, and a transfer to the leader does nothing (it was counted
	// as a fault injected, "done in 0s").
	var voters []uint64
	for _, id := range st.Voters() {
		if s, ok := st.Node(id); ok && s.Live() && id != st.Leader {
			voters = append(voters, id)
		}
	}
	if len(voters) == 0 {
		n.skip(FaultTransfer, "transfer", "no live voter but the leader")
		return
	}
	to := voters[n.rng.IntN(len(voters))]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	res, err := n.c.Transfer(ctx, to)
	cancel()
	// Under faults a transfer may fail (the target down or cut off, no
	// leader): that is an outcome to record, not a nemesis error.
	if err != nil {
		n.fail(FaultTransfer, fmt.Sprintf("transfer to %d: %v", to, err))
		return
	}
	if res.Already { // it became leader since st was read
		n.skip(FaultTransfer, fmt.Sprintf("transfer to %d", to), fmt.Sprintf("not injected, %d leads already", to))
		return
	}
	n.record(FaultTransfer, fmt.Sprintf("transfer to %d: done in %v", to, res.Took.Round(time.Millisecond)), nil)
}

// noQuorum is why a fault is skipped that would leave no majority of
// voters up and connected.
const noQuorum = "not injected, no majority would be left up and connected"

// skip records a fault drawn but not carried out, and why.
func (n *nemesis) skip(kind, text, why string) {
	n.log = append(n.log, FaultRecord{At: time.Since(n.start), Kind: kind, Text: text + ": " + why, Skipped: true})
}

// fail records a fault tried that did not take effect.
func (n *nemesis) fail(kind, text string) {
	n.log = append(n.log, FaultRecord{At: time.Since(n.start), Kind: kind, Text: text, Failed: true})
}

// quorumAfter reports whether, with node down (0: none) crashed too and
// the fault table t, a majority of the voters would be up, unpaused and
// able to talk with one node among them both ways: a leader and the
// followers it needs.
func (n *nemesis) quorumAfter(st cluster.Status, down uint64, t transport.FaultTable) bool {
	return n.quorumOf(st.Voters(), st, down, t)
}

// quorumOf is quorumAfter for the configuration of voters: a membership
// change takes effect as soon as the leader appends it (thesis §4.1), so
// it is judged by the majority of the voters it leaves.
func (n *nemesis) quorumOf(voters []uint64, st cluster.Status, down uint64, t transport.FaultTable) bool {
	up := func(id uint64) bool {
		s, ok := st.Node(id)
		return id != down && n.down[id] == "" && ok && s.State == cluster.StateUp
	}
	for _, l := range voters {
		if !up(l) {
			continue
		}
		k := 0
		for _, v := range voters {
			if up(v) && cluster.Reachable(t, l, v) {
				k++
			}
		}
		if k >= len(voters)/2+1 {
			return true
		}
	}
	return false
}

func (n *nemesis) perm() []uint64 {
	p := make([]uint64, n.c.Size())
	for i, v := range n.rng.Perm(len(p)) {
		p[i] = uint64(v + 1)
	}
	return p
}
