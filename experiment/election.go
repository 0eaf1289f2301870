package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"raftplay/cluster"
)

// Range is an election timeout range [Min, Max].
type Range struct {
	Min, Max time.Duration
}

// String formats r the way the paper does, e.g. "150-155ms".
func (r Range) String() string {
	if r.Min%time.Millisecond == 0 && r.Max%time.Millisecond == 0 {
		return fmt.Sprintf("%d-%dms", r.Min/time.Millisecond, r.Max/time.Millisecond)
	}
	return r.Min.String() + "-" + r.Max.String()
}

// PaperRanges are the election timeout ranges of the paper's Figure 16.
var PaperRanges = []Range{
	{150 * time.Millisecond, 150 * time.Millisecond},
	{150 * time.Millisecond, 151 * time.Millisecond},
	{150 * time.Millisecond, 155 * time.Millisecond},
	{150 * time.Millisecond, 175 * time.Millisecond},
	{150 * time.Millisecond, 200 * time.Millisecond},
	{150 * time.Millisecond, 300 * time.Millisecond},
	{12 * time.Millisecond, 24 * time.Millisecond},
	{25 * time.Millisecond, 50 * time.Millisecond},
	{50 * time.Millisecond, 100 * time.Millisecond},
	{100 * time.Millisecond, 200 * time.Millisecond},
}

// ParseRange parses "150-155ms" (the unit of the maximum applies to a bare
// minimum) or "150ms-155ms".
func ParseRange(s string) (Range, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Range{}, fmt.Errorf("experiment: range %q: want MIN-MAX, e.g. 150-300ms", s)
	}
	max, err := time.ParseDuration(hi)
	if err != nil {
		return Range{}, fmt.Errorf("experiment: range %q: bad maximum %q (want a duration like 300ms)", s, hi)
	}
	if lo != "" && lo[len(lo)-1] >= '0' && lo[len(lo)-1] <= '9' {
		unit := strings.TrimLeft(hi, "0123456789.")
		lo += unit
	}
	min, err := time.ParseDuration(lo)
	if err != nil {
		return Range{}, fmt.Errorf("experiment: range %q: bad minimum %q (want a duration like 150ms, or a number in the maximum's unit: 150-300ms)", s, lo)
	}
	if min <= 0 || max < min {
		return Range{}, fmt.Errorf("experiment: range %q: want 0 < MIN <= MAX", s)
	}
	return Range{min, max}, nil
}

// DefaultTrialTimeout is ElectionOptions.TrialTimeout when not set.
const DefaultTrialTimeout = 15 * time.Second

// ParseRanges parses a comma-separated list of ranges. An empty item
// ("150-300ms,,") is refused: a typo, as likely as not, for a range left out.
func ParseRanges(s string) ([]Range, error) {
	var out []Range
	parts := strings.Split(s, ",")
	for i, part := range parts {
		if strings.TrimSpace(part) == "" {
			if len(parts) == 1 {
				break
			}
			return nil, fmt.Errorf("experiment: item %d of %d is empty (want MIN-MAX ranges separated by single commas)", i+1, len(parts))
		}
		r, err := ParseRange(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New("experiment: no timeout ranges")
	}
	return out, nil
}

// PaperFigure returns what the paper reports for r, or "" if it gives no
// number for that range.
func PaperFigure(r Range) string {
	switch r.String() {
	case "150-150ms":
		return "over 10s (no randomness)"
	case "150-155ms":
		return "median 287ms"
	case "150-200ms":
		return "max 513ms of 1000"
	case "12-24ms":
		return "mean 35ms, max 152ms"
	}
	return ""
}

// ElectionOptions configures RunElection.
type ElectionOptions struct {
	Nodes   int     // default 5
	Trials  int     // per range; default 1000
	Ranges  []Range // default PaperRanges
	Delay   time.Duration
	Seed    uint64 // 0 picks one; the report says which
	DataDir string // each range runs a fresh cluster in DataDir/range-N
	// HeartbeatDiv sets the heartbeat to Min/HeartbeatDiv. The paper used
	// half the minimum election timeout (2, the default).
	HeartbeatDiv int
	// Tick is the nodes' tick length (default 1ms, capped at the heartbeat):
	// election timeouts are whole ticks, so a coarse tick would collapse a
	// narrow range such as 150-151ms into a single value.
	Tick time.Duration
	// TrialTimeout bounds one trial's election; a trial that elects no
	// leader in time counts as TimedOut (default 15s).
	TrialTimeout time.Duration
	// Progress, if set, receives a line per range and a dot per ten trials.
	Progress io.Writer
	// Trace, if set, receives each range's cluster's message trace in turn
	// as JSON lines (cluster.StreamTrace; seq starts at 1 for each range).
	Trace io.Writer
	// Record, if set, is called with each range's cluster once it has
	// started (idx counts ranges from 0); the function it returns is
	// called when the range is done, before its cluster closes.
	Record func(c *cluster.Cluster, idx int) (stop func() error)
	// OnTrial, if set, is called with each trial as it ends (Range and N
	// set), and OnRange with each range's result once its trials are done:
	// to write them out as the run goes, so that an interrupted run keeps
	// what it measured.
	OnTrial func(Trial)
	OnRange func(RangeResult)
}

// Trial is one crash of the leader and what followed.
type Trial struct {
	Range    string        `json:"range"`
	N        int           `json:"trial"`
	OldTerm  uint64        `json:"old_term"`
	NewTerm  uint64        `json:"new_term"` // the term in which the next leader won
	Election time.Duration `json:"election_ns"`
	Write    time.Duration `json:"write_ns"`  // 0 if the write did not commit in time
	TimedOut bool          `json:"timed_out"` // always written, as in the CSV
}

// Split reports whether the election needed more than one term.
func (t Trial) Split() bool { return t.NewTerm > t.OldTerm+1 }

// RangeResult sums up the trials of one range.
type RangeResult struct {
	Range       Range         `json:"-"`
	Name        string        `json:"range"`
	Heartbeat   time.Duration `json:"heartbeat_ns"`
	Tick        time.Duration `json:"tick_ns"`
	Trials      []Trial       `json:"-"`
	Median      time.Duration `json:"median_ns"`
	Expected    time.Duration `json:"expected_median_ns"` // what the timing alone predicts (ExpectedMedian)
	P90         time.Duration `json:"p90_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
	Mean        time.Duration `json:"mean_ns"`
	WriteMedian time.Duration `json:"write_median_ns"`
	SplitVotes  int           `json:"split_votes"`
	TimedOut    int           `json:"timed_out"`
	Paper       string        `json:"paper,omitempty"`
}

// ElectionReport is the result of RunElection.
type ElectionReport struct {
	Nodes  int           `json:"nodes"`
	Trials int           `json:"trials"`
	Delay  time.Duration `json:"delay_ns"`
	Seed   uint64        `json:"seed"`
	Ranges []RangeResult `json:"ranges"`
}

// RunElection runs opts.Trials leader crashes for every range, each range on
// a fresh cluster, and returns the measurements. Election time is measured
// from the crash to the first "became leader" event in a higher term (the
// event is stamped inside the new leader's loop, so it is the moment the
// node won, before any follower has heard of it). Write time is measured
// from the crash to the commit of a put proposed to that new leader.
func RunElection(ctx context.Context, opts ElectionOptions) (*ElectionReport, error) {
	if opts.Nodes == 0 {
		opts.Nodes = 5
	}
	if opts.Trials == 0 {
		opts.Trials = 1000
	}
	if opts.Ranges == nil {
		opts.Ranges = PaperRanges
	}
	if opts.HeartbeatDiv == 0 {
		opts.HeartbeatDiv = 2
	}
	if opts.Tick == 0 {
		opts.Tick = time.Millisecond
	}
	if opts.TrialTimeout == 0 {
		opts.TrialTimeout = DefaultTrialTimeout
	}
	if opts.Seed == 0 {
		opts.Seed = rand.Uint64()
	}
	switch {
	case opts.Nodes < 3 || opts.Nodes > cluster.MaxNodes:
		return nil, fmt.Errorf("experiment: %d nodes: want 3 to %d (a crashed leader must leave a majority)", opts.Nodes, cluster.MaxNodes)
	case opts.Trials < 0 || opts.Delay < 0 || opts.Tick < 100*time.Microsecond:
		return nil, errors.New("experiment: want trials >= 1, delay >= 0, tick >= 100µs")
	case opts.DataDir == "":
		return nil, errors.New("experiment: no data directory")
	}
	if err := CheckHeartbeatDiv(opts.HeartbeatDiv, opts.Ranges); err != nil {
		return nil, fmt.Errorf("experiment: heartbeat divisor %d: %w", opts.HeartbeatDiv, err)
	}
	rep := &ElectionReport{Nodes: opts.Nodes, Trials: opts.Trials, Delay: opts.Delay, Seed: opts.Seed}
	for i, r := range opts.Ranges {
		res, err := runRange(ctx, opts, i, r)
		if err != nil {
			return rep, err
		}
		rep.Ranges = append(rep.Ranges, res)
	}
	return rep, nil
}

// Heartbeat is the heartbeat a trial of range r runs with: the minimum
// timeout divided by div, at least 1 ms, and below the minimum.
func Heartbeat(r Range, div int) time.Duration {
	hb := max(r.Min/time.Duration(div), time.Millisecond)
	if hb >= r.Min {
		hb = r.Min / 2
	}
	return hb
}

// RangeTooShortError is CheckHeartbeatDiv's error for a range that no
// divisor gives a heartbeat: the range, not the divisor, is to change.
type RangeTooShortError struct{ error }

// CheckHeartbeatDiv reports why div cannot give the ranges a heartbeat,
// if it cannot: the minimum timeout over div must be shorter than the
// minimum timeout (div 2 or more) and no shorter than the cluster's
// MinHeartbeat. (Heartbeat took such a heartbeat up to 1ms, or down to
// half the minimum, and the run used another heartbeat than the one asked
// for, without a word: a CI user's report.)
func CheckHeartbeatDiv(div int, ranges []Range) error {
	if div < 2 {
		return fmt.Errorf("want 2 or more: the heartbeat (the minimum election timeout / %d) must be shorter than the election timeout", div)
	}
	for _, r := range ranges {
		hb := r.Min / time.Duration(div)
		switch {
		case hb >= cluster.MinHeartbeat:
		case r.Min < 2*cluster.MinHeartbeat:
			// No divisor works ("want at most 1" beside "want 2 or
			// more": a new user's report): the range is what to change.
			return RangeTooShortError{fmt.Errorf("range %s's heartbeat would be %v (%v / %d), under the %v a heartbeat can be, and no divisor of 2 or more gives one: the range's minimum must be %v or more", r, hb, r.Min, div, cluster.MinHeartbeat, 2*cluster.MinHeartbeat)}
		default:
			return fmt.Errorf("range %s's heartbeat would be %v (%v / %d), under the %v a heartbeat can be: want at most %d", r, hb, r.Min, div, cluster.MinHeartbeat, r.Min/cluster.MinHeartbeat)
		}
	}
	return nil
}

// CheckTick reports why tick cannot time the ranges, if it cannot: it is
// longer than a range's heartbeat, or a range's bounds are not whole ticks
// (timeouts are drawn in whole ticks, so the range run would not be the
// range asked for).
func CheckTick(tick time.Duration, ranges []Range, div int) error {
	for _, r := range ranges {
		if hb := Heartbeat(r, div); tick > hb {
			return fmt.Errorf("longer than the heartbeat %v of range %s: want at most that", hb, r)
		}
		if r.Min%tick != 0 || r.Max%tick != 0 {
			return fmt.Errorf("range %s is not whole ticks of %v (timeouts are drawn in whole ticks): pick a tick that divides both bounds", r, tick)
		}
	}
	return nil
}

// CheckDelay reports why a one-way delay cannot elect a leader in one of
// the ranges, if it cannot: a round trip (2 × delay) as long as the
// range's longest timeout. A candidate's vote requests and their answers
// take that round trip, and its timer, drawn at most that long, fires
// first: every candidate starts over in a new term before its votes
// arrive, and the cluster never settles (the first trial waited for it
// 45 s, then failed).
func CheckDelay(delay time.Duration, ranges []Range) error {
	for _, r := range ranges {
		if 2*delay >= r.Max {
			return fmt.Errorf("a vote's round trip (2 × %v = %v) is no shorter than the longest timeout of range %s: a candidate's timer fires again before its votes come back, so no leader is ever elected; want a delay under %v, or longer timeouts", delay, 2*delay, r, r.Max/2)
		}
	}
	return nil
}

// RangeDataDir is where the cluster of range idx (from 0) keeps its
// files in the data directory dataDir: dataDir/range-N.
func RangeDataDir(dataDir string, idx int) string {
	return filepath.Join(dataDir, fmt.Sprintf("range-%d", idx+1))
}

func runRange(ctx context.Context, opts ElectionOptions, idx int, r Range) (_ RangeResult, err error) {
	hb := Heartbeat(r, opts.HeartbeatDiv)
	res := RangeResult{Range: r, Name: r.String(), Heartbeat: hb, Tick: min(opts.Tick, hb), Paper: PaperFigure(r)}
	res.Expected = ExpectedMedian(opts.Nodes, r, hb, res.Tick)
	timing := cluster.Timing{Heartbeat: hb, ElectionMin: r.Min, ElectionMax: r.Max, TickLen: res.Tick}
	seed := RangeSeed(opts.Seed, idx)
	c, err := cluster.Start(cluster.Options{
		Nodes:   opts.Nodes,
		DataDir: RangeDataDir(opts.DataDir, idx),
		Timing:  timing,
		Seed:    seed,
	})
	if err != nil {
		return res, fmt.Errorf("experiment: range %v: %w", r, err)
	}
	defer c.Close()
	if opts.Trace != nil {
		stop := cluster.StreamTrace(c.Trace(), opts.Trace)
		defer stop()
	}
	if opts.Record != nil {
		stop := opts.Record(c, idx)
		defer func() {
			if rerr := stop(); rerr != nil && err == nil {
				err = fmt.Errorf("experiment: range %v: recording: %w", r, rerr)
			}
		}()
	}
	if opts.Delay > 0 {
		if err := c.Delay(opts.Delay, 0, 0, 0); err != nil {
			return res, fmt.Errorf("experiment: %w", err)
		}
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "range %s (heartbeat %v, tick %v): %s ", r, hb, res.Tick, plural(opts.Trials, "trial"))
		defer fmt.Fprintln(opts.Progress)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	for n := 1; n <= opts.Trials; n++ {
		t, err := runTrial(ctx, c, opts, rng, timing)
		if err != nil {
			return res, fmt.Errorf("experiment: range %v trial %d: %w", r, n, err)
		}
		t.Range, t.N = res.Name, n
		res.Trials = append(res.Trials, t)
		if opts.OnTrial != nil {
			opts.OnTrial(t)
		}
		if opts.Progress != nil && n%10 == 0 {
			fmt.Fprint(opts.Progress, ".")
		}
	}
	res.summarize()
	if opts.OnRange != nil {
		opts.OnRange(res)
	}
	return res, nil
}

// settled reports whether every node is up, follows one leader in its term,
// and holds the same applied state: the cluster is ready for the next crash.
func settled(s cluster.Status) bool {
	if s.Leader == 0 || !cluster.Converged(s) {
		return false
	}
	for _, n := range s.Nodes {
		if !n.Live() || n.Term != s.Term || n.Leader != s.Leader {
			return false
		}
	}
	return true
}

// runTrial waits for a settled cluster, crashes its leader at a random moment
// within a heartbeat interval, times the election and the first write, and
// restarts the crashed node.
func runTrial(ctx context.Context, c *cluster.Cluster, opts ElectionOptions, rng *rand.Rand, timing cluster.Timing) (tr Trial, err error) {
	var st cluster.Status
	for {
		wait := opts.TrialTimeout + 30*time.Second
		wctx, cancel := context.WithTimeout(ctx, wait)
		_, err := c.WaitFor(wctx, settled)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return tr, ctx.Err()
			}
			hint := ""
			if opts.Delay > 0 {
				hint = fmt.Sprintf(": a delay of %v on every link against election timeouts from %v leaves elections that seldom end; try a smaller --delay",
					opts.Delay, timing.ElectionMin)
			}
			return tr, fmt.Errorf("the cluster did not settle within %v (no leader that every node follows, with the same state, to crash)%s", wait, hint)
		}
		// The heartbeat's phase is independent of the moment the cluster
		// settled, so a uniform wait within one interval crashes the leader
		// at a uniform phase of its heartbeat.
		time.Sleep(time.Duration(rng.Int64N(int64(timing.Heartbeat))))
		if st = c.Status(); settled(st) {
			break
		}
	}
	leader := st.Leader
	tr.OldTerm = st.Term
	_, seq, _ := c.Events().Since(^uint64(0))
	start := time.Now()
	if err := c.Crash(leader); err != nil {
		return tr, err
	}
	defer func() {
		if rerr := c.Restart(leader); rerr != nil && err == nil {
			err = rerr
		}
	}()

	ectx, cancel := context.WithTimeout(ctx, opts.TrialTimeout)
	defer cancel()
	won, term, at, werr := waitNewLeader(ectx, c.Events(), seq, tr.OldTerm)
	if werr != nil {
		if ctx.Err() != nil {
			return tr, ctx.Err()
		}
		tr.TimedOut, tr.Election = true, opts.TrialTimeout
		return tr, nil
	}
	tr.NewTerm, tr.Election = term, at.Sub(start)

	p, perr := c.ProposeTo(ectx, won, "trial", []byte(fmt.Sprint(tr.NewTerm)))
	if perr == nil && p.Committed {
		tr.Write = time.Since(start)
	} else if _, perr := c.NewClient().Put(ectx, "trial", []byte("retry")); perr == nil {
		tr.Write = time.Since(start)
	}
	return tr, nil
}

// waitNewLeader watches the events from seq on until a node becomes leader
// in a term above oldTerm, and returns it, its term and the event's time.
func waitNewLeader(ctx context.Context, log *cluster.EventLog, seq, oldTerm uint64) (id, term uint64, at time.Time, err error) {
	for {
		wake := log.Wait()
		evs, next, _ := log.Since(seq)
		for _, e := range evs {
			if e.Kind == "raft.role" && e.Term > oldTerm && strings.Contains(e.Text, "became leader") {
				return e.Node, e.Term, e.Time, nil
			}
		}
		seq = next
		select {
		case <-ctx.Done():
			return 0, 0, time.Time{}, ctx.Err()
		case <-wake:
		}
	}
}

// summarize fills in the statistics from r.Trials. Timed-out trials count
// at the timeout, so percentiles above them are lower bounds.
func (r *RangeResult) summarize() {
	var el, wr []time.Duration
	var sum float64 // (a time.Duration sum of long trials could overflow)
	r.SplitVotes, r.TimedOut = 0, 0
	for _, t := range r.Trials {
		el = append(el, t.Election)
		sum += float64(t.Election)
		if t.Write > 0 {
			wr = append(wr, t.Write)
		}
		if t.TimedOut {
			r.TimedOut++
		} else if t.Split() {
			r.SplitVotes++
		}
	}
	if len(el) == 0 {
		return
	}
	slices.Sort(el)
	slices.Sort(wr)
	r.Median, r.P90, r.P99 = percentile(el, 50), percentile(el, 90), percentile(el, 99)
	r.Max = el[len(el)-1]
	r.Mean = time.Duration(sum / float64(len(el)))
	r.WriteMedian = percentile(wr, 50)
}

// percentile returns the nearest-rank p-th percentile of sorted d.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	k := (p*len(d) + 99) / 100
	return d[min(max(k, 1), len(d))-1]
}

// RangeSeed is the seed of the cluster of range idx (from 0) of an
// election experiment seeded with seed: what a recording of that range
// gives to --seed.
func RangeSeed(seed uint64, idx int) uint64 { return seed + uint64(idx)*0x9e3779b97f4a7c15 }
