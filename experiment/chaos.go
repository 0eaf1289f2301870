package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"raftplay/cluster"
)

// ChaosOptions configures RunChaos.
type ChaosOptions struct {
	// Rerun, if set, is the flags that run it again, for the report
	// (ChaosReport.Rerun, in report.json too).
	Rerun string
	// Cluster is the cluster to start (Nodes >= 3 and DataDir are required;
	// a zero Timing means cluster.PaperTiming). Its Seed is set to Seed.
	Cluster cluster.Options
	Seed    uint64 // 0 picks one; the report says which

	Duration   time.Duration // how long the nemesis and the clients run (default 10s)
	FaultEvery time.Duration // mean time between faults (default 300ms)
	Clients    int           // concurrent clients (default 4); odd-numbered ones use HTTP
	Keys       int           // distinct keys (default 8)
	// Faults limits the nemesis to these kinds (from FaultKinds); nil
	// means all. Heals, restarts and resumes always happen.
	Faults []string

	// CheckTimeout bounds the linearizability check (default 1m); when it
	// runs out the verdict is "unknown", not a failure.
	CheckTimeout time.Duration
	// SettleTimeout bounds the wait for a leader and for convergence after
	// the final heal (default 30s).
	SettleTimeout time.Duration
	// OutDir, if set, receives history.json, events.jsonl, faults.jsonl,
	// report.json, and history.html when a check fails.
	OutDir string
	// Trace, if set, receives the cluster's message trace as JSON lines
	// (cluster.StreamTrace).
	Trace io.Writer
	// Record, if set, is called once the cluster has started (a recorder
	// starts there); the function it returns is called once the cluster
	// has been healed and has converged, before the checks. Its error is
	// the report's RecordingErr, and the recording is then not listed
	// among the files saved.
	Record func(c *cluster.Cluster) (stop func() error)
	// Recording is the file Record writes, if any: report.json lists it
	// when it is kept, that is when the run fails, is undecided or is
	// interrupted, or KeepRecording says so (the caller removes it
	// otherwise). report.json's files left it out (a CI user's artifact
	// collection missed it).
	Recording     string
	KeepRecording bool
	// Started, if set, is called once the first leader is elected, as the
	// clients and the nemesis start.
	Started func()
	// Unsafe turns on the faults a correct Raft cannot survive, to see the
	// checks fail: every node acknowledges without fsync (so a power
	// failure loses what it promised), and the nemesis may wipe a node's
	// disk (UnsafeFaultKinds).
	Unsafe bool
}

// OpCounts counts client operations by kind and outcome.
type OpCounts struct {
	Puts    int `json:"puts"` // acknowledged, as Gets and Dels
	Gets    int `json:"gets"`
	Dels    int `json:"dels"`
	Unknown int `json:"unknown"` // writes whose outcome the client never learned
	Failed  int `json:"failed"`  // reads and refused writes that had no effect
}

// Total returns every acknowledged operation and every write of unknown outcome.
func (o OpCounts) Total() int { return o.Puts + o.Gets + o.Dels + o.Unknown }

// Linearizability verdicts.
const (
	VerdictOk      = "ok"
	VerdictIllegal = "illegal"
	VerdictUnknown = "unknown" // the time bound ran out
	// VerdictNotChecked: the run was interrupted before the check.
	VerdictNotChecked = "not checked"
)

// ChaosReport is the result of RunChaos.
type ChaosReport struct {
	Seed          uint64         `json:"seed"`
	Nodes         int            `json:"nodes"`
	Duration      time.Duration  `json:"duration_ns"`
	Ops           OpCounts       `json:"ops"`
	Faults        map[string]int `json:"faults"`
	FailedFaults  map[string]int `json:"failed_faults,omitempty"`  // tried, without effect (FaultRecord.Failed)
	SkippedFaults map[string]int `json:"skipped_faults,omitempty"` // drawn, not injected (FaultRecord.Skipped)
	FaultLog      []FaultRecord  `json:"-"`
	NemesisErrors []string       `json:"nemesis_errors,omitempty"`
	LeaderChanges int            `json:"leader_changes"`
	FinalLeader   uint64         `json:"final_leader"`
	FinalTerm     uint64         `json:"final_term"`
	Converged     bool           `json:"converged"`
	// NotConverged says why the cluster did not converge once healed, a
	// reason per node (cluster.NotConverged); empty when it did.
	NotConverged []string            `json:"not_converged,omitempty"`
	Violations   []cluster.Violation `json:"violations,omitempty"` // the first kept (Cluster.Violations)
	// ViolationCount is how many there were (older reports: none, and
	// every violation is in Violations).
	ViolationCount int           `json:"violation_count,omitempty"`
	Linearizable   string        `json:"linearizable"` // VerdictOk, VerdictIllegal or VerdictUnknown
	CheckTime      time.Duration `json:"check_ns"`
	CheckTimeout   time.Duration `json:"check_timeout_ns"`
	FinalKeys      int           `json:"final_keys_read"` // keys whose final value was read
	Lost           []LostWrite   `json:"lost_writes"`
	// LostChecked: lost writes were looked for (some final read
	// succeeded, and the run was not interrupted); when false, an empty
	// Lost means nothing. Set from them when the report is saved.
	LostChecked   bool     `json:"lost_writes_checked"`
	EventsDropped uint64   `json:"events_dropped,omitempty"`
	Files         []string `json:"files,omitempty"`
	// RecordingErr is why the recording (ChaosOptions.Record) could not
	// be written whole, if it could not; the run's checks stand.
	RecordingErr error `json:"-"`
	// Rerun is the flags that run it again ("--seed 41 --nodes 3
	// --unsafe"): the seed and every flag given that shapes the run.
	Rerun string `json:"rerun,omitempty"`
	// Interrupted, when the run was stopped before its end (a signal, a
	// CI job's timeout), says by what and when; such a run saves what it
	// had, judges only what the monitor saw, and is neither a pass nor,
	// unless the monitor saw a violation, a failure.
	Interrupted string `json:"interrupted,omitempty"`
	// VerdictLine is Verdict() when the report was saved, the last line
	// of the text report: "PASS", "FAIL: ...", "UNDECIDED: ..." or
	// "INTERRUPTED: ...".
	VerdictLine string `json:"verdict"`
}

// Failed reports whether the run found a violation: a safety violation
// seen by the monitor, a history that is not linearizable, an acknowledged
// write lost, or a cluster that did not converge once healed.
func (r *ChaosReport) Failed() bool {
	return r.ViolationTotal() > 0 || r.Linearizable == VerdictIllegal || len(r.Lost) > 0 || (!r.Converged && r.Interrupted == "")
}

// ViolationTotal is how many safety violations the monitor saw.
func (r *ChaosReport) ViolationTotal() int { return max(r.ViolationCount, len(r.Violations)) }

func (o *ChaosOptions) defaults() error {
	if o.Seed == 0 {
		o.Seed = rand.Uint64()
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.FaultEvery == 0 {
		o.FaultEvery = 300 * time.Millisecond
	}
	if o.Clients == 0 {
		o.Clients = 4
	}
	if o.Keys == 0 {
		o.Keys = 8
	}
	if o.CheckTimeout == 0 {
		o.CheckTimeout = time.Minute
	}
	if o.SettleTimeout == 0 {
		o.SettleTimeout = 30 * time.Second
	}
	switch {
	case o.Cluster.Nodes < 3:
		return fmt.Errorf("experiment: chaos needs at least 3 nodes (it crashes and partitions a minority while a majority keeps working), got %d", o.Cluster.Nodes)
	case o.Duration < 0 || o.FaultEvery < 0 || o.Clients < 0 || o.Keys < 0 || o.CheckTimeout < 0:
		return errors.New("experiment: chaos: durations and counts must not be negative")
	}
	for _, f := range o.Faults {
		if !slices.Contains(FaultKinds, f) {
			return fmt.Errorf("experiment: unknown fault kind %q (want %s)", f, strings.Join(FaultKinds, ", "))
		}
	}
	o.Cluster.Seed = o.Seed
	return nil
}

// RunChaos starts a cluster, runs the nemesis and the clients for
// opts.Duration, heals and restarts everything, and judges the run. An error
// means the experiment could not run (the cluster did not start); a run that
// found a violation returns a report whose Failed is true and no error.
func RunChaos(ctx context.Context, opts ChaosOptions) (*ChaosReport, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	rep := &ChaosReport{Seed: opts.Seed, Nodes: opts.Cluster.Nodes, Duration: opts.Duration, CheckTimeout: opts.CheckTimeout, Faults: map[string]int{}}
	c, err := cluster.Start(opts.Cluster)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	defer c.Close()
	if opts.Trace != nil {
		stop := cluster.StreamTrace(c.Trace(), opts.Trace)
		defer stop()
	}
	rec := recordEvents(c.Events())
	defer rec.stop()
	stopRecord := func() error { return nil }
	if opts.Record != nil {
		stop := opts.Record(c)
		var once sync.Once
		var err error
		stopRecord = func() error { once.Do(func() { err = stop() }); return err }
		defer stopRecord()
	}

	sctx, cancel := context.WithTimeout(ctx, opts.SettleTimeout)
	_, err = c.WaitLeader(sctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("experiment: no first leader: %w", err)
	}

	if opts.Started != nil {
		opts.Started()
	}
	hist := newOpHistory()
	began := time.Now()
	runCtx, stop := context.WithTimeout(ctx, opts.Duration)
	defer stop()
	counts := make([]OpCounts, opts.Clients)
	var wg sync.WaitGroup
	for i := range opts.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i] = runClient(runCtx, ctx, c, hist, i, opts)
		}()
	}
	kinds := opts.Faults
	if opts.Unsafe {
		if len(kinds) == 0 {
			kinds = FaultKinds
		}
		kinds = append(slices.Clone(kinds), UnsafeFaultKinds...)
		for id := uint64(1); id <= uint64(c.Size()); id++ {
			if err := c.SetUnsafeSkipFsync(id, true); err != nil {
				return nil, fmt.Errorf("experiment: unsafe: %w", err)
			}
		}
	}
	nem := newNemesis(c, opts.Seed, hist.start, kinds)
	nem.run(runCtx, opts.FaultEvery)
	wg.Wait()
	for _, n := range counts {
		rep.Ops.Puts += n.Puts
		rep.Ops.Gets += n.Gets
		rep.Ops.Dels += n.Dels
		rep.Ops.Unknown += n.Unknown
		rep.Ops.Failed += n.Failed
	}
	// finish fills in what every run's report holds, and saves it.
	finish := func(ops []Op, info porcupine.LinearizationInfo) (*ChaosReport, error) {
		rep.FaultLog = nem.log
		for _, f := range nem.log {
			switch {
			case f.Skipped:
				rep.SkippedFaults = count(rep.SkippedFaults, f.Kind)
			case f.Failed:
				rep.FailedFaults = count(rep.FailedFaults, f.Kind)
			default:
				rep.Faults[f.Kind]++
			}
		}
		for _, e := range nem.errs {
			rep.NemesisErrors = append(rep.NemesisErrors, e.Error())
		}
		rep.Violations, rep.ViolationCount = c.Violations(), c.ViolationCount()
		if rep.Lost == nil {
			rep.Lost = []LostWrite{} // "lost_writes": [], not null
		}
		if err := stopRecord(); err != nil {
			rep.RecordingErr = err
			rep.NemesisErrors = append(rep.NemesisErrors, "recording: "+err.Error())
		}
		events := rec.stop()
		rep.EventsDropped = rec.dropped
		rep.LeaderChanges = max(0, countLeaderWins(events)-1)
		rep.Rerun = opts.Rerun
		if opts.OutDir != "" {
			kept := opts.KeptRecording(rep)
			if rep.RecordingErr != nil {
				kept = "" // not saved: it could not be written
			}
			if err := rep.save(opts.OutDir, ops, events, info, kept); err != nil {
				return rep, err
			}
		}
		return rep, nil
	}
	// An interrupted run (a signal; a CI job's time limit) keeps its
	// evidence: the history so far, the events and faults, and what the
	// monitor saw. Nothing else is judged (healing, final reads and the
	// linearizability check take time a signal does not give); chaos
	// --recheck checks the saved history later.
	interrupted := func() (*ChaosReport, error) {
		rep.Interrupted = fmt.Sprintf("%v after %v of the run's %v", context.Cause(ctx), time.Since(began).Round(100*time.Millisecond), opts.Duration)
		rep.Linearizable, rep.Lost = VerdictNotChecked, nil
		rep.Converged, rep.NotConverged = false, nil
		return finish(hist.snapshot(), porcupine.LinearizationInfo{})
	}
	if ctx.Err() != nil {
		return interrupted()
	}

	// Heal everything and bring every node back.
	c.Heal()
	nem.record(FaultHeal, "final heal", nil)
	for len(nem.down) > 0 && ctx.Err() == nil {
		nem.bringBack()
	}

	final := finalReads(ctx, c, hist, opts)
	rep.FinalKeys = len(final)
	sctx, cancel = context.WithTimeout(ctx, opts.SettleTimeout)
	st, err := c.WaitFor(sctx, func(s cluster.Status) bool { return s.Leader != 0 && cluster.Converged(s) && allLive(s) })
	cancel()
	rep.Converged = err == nil
	if !rep.Converged {
		rep.NotConverged = cluster.NotConverged(st)
	}
	rep.FinalLeader, rep.FinalTerm = st.Leader, st.Term
	if ctx.Err() != nil {
		return interrupted()
	}
	stopRecord() // before the check's wait; finish reports its error
	ops := hist.snapshot()
	var info porcupine.LinearizationInfo
	rep.Linearizable, rep.CheckTime, rep.Lost, info = checkHistory(ctx, ops, final, opts.CheckTimeout)
	if ctx.Err() != nil {
		return interrupted()
	}
	return finish(ops, info)
}

// allLive reports whether every member of the cluster runs (removed
// nodes and nodes that never joined do not count).
func allLive(s cluster.Status) bool {
	for _, n := range s.Nodes {
		if n.State == cluster.StateRemoved || (!s.Membership.IsEmpty() && !s.Membership.IsMember(n.ID)) {
			continue
		}
		if !n.Live() {
			return false
		}
	}
	return true
}

// countLeaderWins counts the "became leader" events.
func countLeaderWins(events []cluster.Event) int {
	n := 0
	for _, e := range events {
		if e.Kind == "raft.role" && strings.Contains(e.Text, "became leader") {
			n++
		}
	}
	return n
}

// finalReads reads every key once more after the heal, through the leader,
// retrying until it answers; the reads join the history (as client -1).
func finalReads(ctx context.Context, c *cluster.Cluster, hist *opHistory, opts ChaosOptions) map[string]Op {
	final := map[string]Op{}
	cl := c.NewClient()
	deadline := time.Now().Add(opts.SettleTimeout)
	for k := range opts.Keys {
		key := keyName(k)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			octx, cancel := context.WithTimeout(ctx, 2*time.Second)
			call := time.Now()
			res, err := cl.Get(octx, key)
			cancel()
			if err == nil {
				op := Op{Client: -1, Op: "get", Key: key, Value: string(res.Value), Found: res.Found, Via: "client"}
				hist.add(op, call, time.Now())
				final[key] = op
				break
			}
		}
	}
	return final
}

func keyName(k int) string { return fmt.Sprintf("k%d", k) }

// maxRecorded bounds the events a chaos run keeps (a broken cluster can
// log millions of rejected appends); the rest are only counted.
const maxRecorded = 200_000

// eventRecorder copies every event of the log as it is added, so that a
// long run keeps more than the log's ring holds.
type eventRecorder struct {
	mu      sync.Mutex
	events  []cluster.Event
	dropped uint64
	done    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func recordEvents(log *cluster.EventLog) *eventRecorder {
	r := &eventRecorder{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(r.stopped)
		seq := uint64(1)
		for {
			wake := log.Wait()
			seq = r.take(log, seq)
			select {
			case <-r.done:
				r.take(log, seq)
				return
			case <-wake:
			}
		}
	}()
	return r
}

// take copies the events from seq on and returns the next seq to read.
func (r *eventRecorder) take(log *cluster.EventLog, seq uint64) uint64 {
	evs, next, dropped := log.Since(seq)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropped += dropped
	keep := min(len(evs), maxRecorded-len(r.events))
	r.events = append(r.events, evs[:keep]...)
	r.dropped += uint64(len(evs) - keep)
	return next
}

// stop ends the recording (once) and returns every event seen.
func (r *eventRecorder) stop() []cluster.Event {
	r.once.Do(func() { close(r.done) })
	<-r.stopped
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events
}

// count adds one to m[k], making m when it is nil.
func count(m map[string]int, k string) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	m[k]++
	return m
}

// KeptRecording is opts.Recording when the run's report keeps it (a
// failed, undecided or interrupted run, or KeepRecording), else "".
func (opts ChaosOptions) KeptRecording(r *ChaosReport) string {
	if opts.Recording != "" && (opts.KeepRecording || r.Failed() || r.Undecided() || r.Interrupted != "") {
		return opts.Recording
	}
	return ""
}
