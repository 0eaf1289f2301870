package cluster

import (
	"fmt"
	"strings"
	"time"
)

// Timing is the cluster's clock settings in wall-clock time. The runtime
// converts it to the core's ticks with a tick length fine enough for it.
type Timing struct {
	Heartbeat   time.Duration // leader heartbeat interval
	ElectionMin time.Duration // election timeouts are drawn from [ElectionMin, ElectionMax]
	ElectionMax time.Duration
	// TickLen, when not 0, fixes the tick length instead of deriving it
	// (experiments use a fine tick so that narrow election ranges keep
	// their randomness). 100 µs to the heartbeat interval.
	TickLen time.Duration
}

// PaperTiming is the timing of the Raft paper's experiments: election timeouts
// of 150-300 ms and a heartbeat of a tenth of the minimum.
var PaperTiming = Timing{Heartbeat: 15 * time.Millisecond, ElectionMin: 150 * time.Millisecond, ElectionMax: 300 * time.Millisecond}

// WatchTiming is slow enough to watch an election happen on the dashboard.
var WatchTiming = Timing{Heartbeat: 100 * time.Millisecond, ElectionMin: 1000 * time.Millisecond, ElectionMax: 2000 * time.Millisecond}

// The shortest heartbeat and election timeout the runtime's tick (1 ms
// at the finest, see Tick) can keep: a shorter one would run a tick long
// while status and help went on showing what was asked for.
const (
	MinHeartbeat = time.Millisecond
	MinElection  = 2 * time.Millisecond
)

// TooShort is why the heartbeat or election timeout d (what) is too short.
func TooShort(what string, d, min time.Duration) string {
	return fmt.Sprintf("%s %v is too short (min %v: the nodes keep time in ticks of 1 ms or more)", what, d, min)
}

// Validate reports what is wrong with t, if anything.
func (t Timing) Validate() error {
	switch {
	case t.Heartbeat <= 0:
		return fmt.Errorf("cluster: heartbeat %v must be positive", t.Heartbeat)
	case t.ElectionMin <= 0:
		return fmt.Errorf("cluster: election timeout %v must be positive", t.ElectionMin)
	case t.TickLen == 0 && t.Heartbeat < MinHeartbeat:
		return fmt.Errorf("cluster: %s", TooShort("heartbeat", t.Heartbeat, MinHeartbeat))
	case t.TickLen == 0 && t.ElectionMin < MinElection:
		return fmt.Errorf("cluster: %s", TooShort("election timeout", t.ElectionMin, MinElection))
	case t.ElectionMax < t.ElectionMin:
		return fmt.Errorf("cluster: election range %v-%v: maximum below minimum", t.ElectionMin, t.ElectionMax)
	case t.Heartbeat >= t.ElectionMin:
		return fmt.Errorf("cluster: heartbeat %v must be shorter than the election timeout %v", t.Heartbeat, t.ElectionMin)
	case t.TickLen != 0 && (t.TickLen < 100*time.Microsecond || t.TickLen > t.Heartbeat):
		return fmt.Errorf("cluster: tick %v: want 100µs to the heartbeat %v", t.TickLen, t.Heartbeat)
	}
	return nil
}

// Tick returns the tick length used for t: the longest that divides the
// heartbeat and both ends of the election range, so that the nodes keep
// them exactly, and is at most about a thirtieth of the minimum election
// timeout, no longer than the heartbeat, and between 1 ms and 10 ms. 15 ms
// and 150-300 ms give 5 ms ticks (30-60 ticks per election timeout);
// 100 ms and 1-2 s give 10 ms. When no tick of 1 ms or more divides them
// all (a heartbeat of 30.2 ms), it is 1 ms, the finest, and the nodes keep
// them to the nearest millisecond (InForce; String says so): a coarser tick
// rounded them (302-304 ms ran as 300 ms while status said 302ms-304ms,
// and 7 ms heartbeats every 5 ms: a new user's report).
// A non-zero TickLen is used as it is.
func (t Timing) Tick() time.Duration {
	if t.TickLen != 0 {
		return t.TickLen
	}
	coarsest := min(max(min(t.ElectionMin/30, t.Heartbeat), time.Millisecond), 10*time.Millisecond)
	g := gcd(gcd(t.Heartbeat, t.ElectionMin), t.ElectionMax)
	// The divisors of g from the largest at most coarsest down to 1 ms.
	for k := max(1, (g+coarsest-1)/coarsest); g/k >= time.Millisecond; k++ {
		if g%k == 0 {
			return g / k
		}
	}
	return time.Millisecond
}

func gcd(a, b time.Duration) time.Duration {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// InForce returns t as the nodes keep it: each duration a whole number of
// ticks (see Ticks). It is t itself unless no tick divides t's durations.
func (t Timing) InForce() Timing {
	tick := t.Tick()
	emin, emax, hb := t.Ticks(tick)
	return Timing{Heartbeat: time.Duration(hb) * tick, ElectionMin: time.Duration(emin) * tick, ElectionMax: time.Duration(emax) * tick, TickLen: t.TickLen}
}

// Ticks converts t into tick counts for the core, for a tick of length tick.
// Every count is at least 1 and the election range stays above the heartbeat.
func (t Timing) Ticks(tick time.Duration) (electionMin, electionMax, heartbeat int) {
	round := func(d time.Duration) int { return max(1, int((d+tick/2)/tick)) }
	heartbeat = round(t.Heartbeat)
	electionMin = max(round(t.ElectionMin), heartbeat+1)
	electionMax = max(round(t.ElectionMax), electionMin)
	return electionMin, electionMax, heartbeat
}

// Scale returns t with every duration multiplied by f (used by the speed keys).
func (t Timing) Scale(f float64) Timing {
	s := func(d time.Duration) time.Duration { return time.Duration(float64(d) * f) }
	return Timing{Heartbeat: s(t.Heartbeat), ElectionMin: s(t.ElectionMin), ElectionMax: s(t.ElectionMax)}
}

// String formats t as "heartbeat 15ms, election 150ms-300ms", and says
// what the nodes keep when that differs (InForce): "heartbeat 30.2ms,
// election 302ms-304ms (kept as heartbeat 30ms: the nodes count time in
// ticks of 1ms)".
func (t Timing) String() string {
	s := fmt.Sprintf("heartbeat %v, election %v-%v", t.Heartbeat, t.ElectionMin, t.ElectionMax)
	if t.Validate() != nil {
		return s
	}
	f := t.InForce()
	var kept []string
	if f.Heartbeat != t.Heartbeat {
		kept = append(kept, fmt.Sprintf("heartbeat %v", f.Heartbeat))
	}
	if f.ElectionMin != t.ElectionMin || f.ElectionMax != t.ElectionMax {
		kept = append(kept, fmt.Sprintf("election %v-%v", f.ElectionMin, f.ElectionMax))
	}
	if len(kept) == 0 {
		return s
	}
	return fmt.Sprintf("%s (kept as %s: the nodes count time in ticks of %v)", s, strings.Join(kept, ", "), t.Tick())
}

// tieSpread is the narrowest election range that breaks ties well on
// loopback (measured: README, `raftplay experiment election`: 150-151ms
// split 29 elections of 100, 150-155ms 26, 150-175ms 5).
const tieSpread = 5 * time.Millisecond

// TieNote says why split votes follow from t's election range when it
// is too narrow to break ties (as the nodes keep it), or "" when it is
// not. Raft draws each node's timeout at random from the range so that
// one follower usually times out, asks and wins before another starts.
func (t Timing) TieNote() string {
	if t.Validate() != nil {
		return ""
	}
	f := t.InForce()
	switch spread := f.ElectionMax - f.ElectionMin; {
	case spread == 0:
		return fmt.Sprintf("every node waits exactly %v: followers reset by the same heartbeat time out together, each votes for itself, and the vote splits, often for several terms running (Raft draws each timeout at random from a range, like 150ms-300ms, so that one starts first)", f.ElectionMin)
	case spread < tieSpread:
		return fmt.Sprintf("the election range is only %v wide: followers often time out within a vote's round trip of each other and split the vote (a wider range, like 150ms-300ms, lets one start well first)", spread)
	}
	return ""
}
