package experiment

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The closed form for a continuous range, and a Monte Carlo run of the same
// model, agree with ExpectedMedian.
func TestExpectedMedian(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		nodes     int
		r         Range
		hb, tick  time.Duration
		tolerance time.Duration // from the rough closed form b - (b-a)·2^(-1/(n-1)) - h/2
	}{
		{3, Range{200 * ms, 400 * ms}, 100 * ms, ms, 10 * ms},
		{5, Range{200 * ms, 400 * ms}, 100 * ms, ms, 10 * ms},
		{5, Range{150 * ms, 300 * ms}, 75 * ms, ms, 10 * ms},
	} {
		a, b := float64(c.r.Min), float64(c.r.Max)
		closed := time.Duration(b - (b-a)*math.Pow(2, -1/float64(c.nodes-1)) - float64(c.hb)/2)
		got := ExpectedMedian(c.nodes, c.r, c.hb, c.tick)
		if d := got - closed; d < -c.tolerance || d > c.tolerance {
			t.Errorf("%d nodes %v hb %v: %v, closed form %v", c.nodes, c.r, c.hb, got, closed)
		}
		if mc := monteCarloMedian(c.nodes, c.r, c.hb, c.tick); (got - mc).Abs() > 2*ms {
			t.Errorf("%d nodes %v: %v, Monte Carlo %v", c.nodes, c.r, got, mc)
		}
	}
	// No randomness: every follower fires U ticks after the heartbeat, less
	// the phase; the median is close to 150 - h/2.
	if got := ExpectedMedian(5, Range{150 * ms, 150 * ms}, 75*ms, ms); (got - monteCarloMedian(5, Range{150 * ms, 150 * ms}, 75*ms, ms)).Abs() > ms {
		t.Errorf("150-150ms: %v", got)
	}
}

func monteCarloMedian(nodes int, r Range, hb, tick time.Duration) time.Duration {
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := int64(r.Min/tick), int64(r.Max/tick)
	var es []float64
	for i := 0; i < 200000; i++ {
		first := math.Inf(1)
		for k := 0; k < nodes-1; k++ {
			u := lo + rng.Int64N(hi-lo+1)
			first = min(first, float64(u)*float64(tick)-rng.Float64()*float64(tick))
		}
		es = append(es, first-rng.Float64()*float64(hb))
	}
	slices.Sort(es)
	return time.Duration(es[len(es)/2])
}
