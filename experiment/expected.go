package experiment

import (
	"time"

	"raftplay/cluster"
)

// ExpectedMedian is the median election time that the configured timing
// alone predicts, for comparison with the measured one: the time from the
// leader's crash until the first follower's election timer fires, assuming
// that follower then wins at once (no split vote, no network time).
//
// With the leader crashed at C after its last heartbeat (C uniform over the
// heartbeat interval h, as the experiment does), and each of the n-1
// followers' timers firing T_i after that heartbeat reached it, the election
// starts at E = min_i T_i - C. T_i is U_i ticks of length τ less the phase
// of the heartbeat within its tick: T_i = U_i·τ - φ_i, with U_i uniform over
// the whole ticks of the range and φ_i uniform over [0, τ). So
//
//	P(E <= t) = (1/h) ∫_0^h (1 - (1 - F_T(t + c))^(n-1)) dc
//	F_T(x)    = (1/m) Σ_u clamp((x - u·τ + τ)/τ, 0, 1)   over the m tick counts u
//
// and the median solves P(E <= t) = 1/2 (bisection, the integral by the
// midpoint rule). Roughly, for a range [a, b] that is the median of the
// first of n-1 uniform timers, b - (b-a)·2^(-1/(n-1)), less about h/2:
// 200-400ms with h = 100 ms gives 211 ms for 3 nodes and 187 ms for 5
// (248 and 221 ms with h = 20 ms). Split votes, which narrow ranges make
// common, and the vote round itself only add to the measured time.
func ExpectedMedian(nodes int, r Range, heartbeat, tick time.Duration) time.Duration {
	if nodes < 2 || tick <= 0 || heartbeat <= 0 {
		return 0
	}
	emin, emax, hb := cluster.Timing{Heartbeat: heartbeat, ElectionMin: r.Min, ElectionMax: r.Max, TickLen: tick}.Ticks(tick)
	tau := float64(tick)
	h := float64(hb) * tau
	m := float64(emax - emin + 1)
	fT := func(x float64) float64 {
		var p float64
		for u := emin; u <= emax; u++ {
			p += min(max((x-float64(u)*tau+tau)/tau, 0), 1)
		}
		return p / m
	}
	followers := nodes - 1
	cdf := func(t float64) float64 {
		const steps = 400
		var sum float64
		for i := 0; i < steps; i++ {
			c := (float64(i) + 0.5) / steps * h
			q := 1 - fT(t+c)
			surv := 1.0
			for k := 0; k < followers; k++ {
				surv *= q
			}
			sum += 1 - surv
		}
		return sum / steps
	}
	lo, hi := -h, float64(emax)*tau+tau
	for i := 0; i < 60; i++ {
		mid := (lo + hi) / 2
		if cdf(mid) < 0.5 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Duration(hi)
}
