package wal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"raftplay/raft"
)

// A process crash (kill -9, the playground's `crash N`) keeps the page
// cache: the next Open finds everything the dead process wrote, its
// unsynced bytes and its renames not yet made durable by a directory fsync
// alike. The restarted node takes what Open returned as its own, Flushes,
// and acknowledges on top of it. A power failure after that must keep it
// all: what Open read and Flush made durable, and every Save since.
//
// TestCrashRestartPowerFailEveryPoint (WAL_SEEDS=N scripts, default 3)
// kills the process before every file-system operation of a script in
// turn, restarts it (no power failure: FaultFS.Revive), Flushes and Saves
// one more entry, then cuts the power and checks that recovery returns
// exactly what the restarted WAL had acknowledged.
func TestCrashRestartPowerFailEveryPoint(t *testing.T) {
	t.Parallel()
	seeds := 3 // each of 0, 1 and 2 failed before the fix
	if s, err := strconv.Atoi(os.Getenv("WAL_SEEDS")); err == nil {
		seeds = s
	}
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			segBytes := int64(200 + rng.IntN(600))
			// Only the operations of a running WAL.
			var ops []pfOp
			var m refLog
			term := uint64(1)
			for step := 0; len(ops) < 40; step++ {
				op := genOp(rng, &m, &term, step)
				switch op.kind {
				case "save", "snapshot", "compact":
					ops = append(ops, op)
					m = m.after(op)
				}
			}
			total := dryOps(t, segBytes, ops)
			for k := 0; k <= total; k++ {
				if v := crashRestartPowerFail(t, segBytes, ops, k); v != "" {
					t.Fatalf("kill before file-system operation %d of %d: %s", k, total, v)
				}
			}
		})
	}
}

// crashRestartPowerFail runs ops with the process killed before
// file-system operation k, restarts, saves, fails the power and checks.
func crashRestartPowerFail(t *testing.T, segBytes int64, ops []pfOp, k int) string {
	r := newPFRun(t, segBytes)
	r.opts.prepareInline = true
	defer r.close()
	if _, err := r.open(); err != nil {
		t.Fatal(err)
	}
	r.ffs.crashAfter(k)
	var inFlight *pfOp
	for i := range ops {
		op := ops[i]
		_, err := r.apply(op)
		if err != nil && !errors.Is(err, ErrCrashed) {
			return fmt.Sprintf("%s: unexpected error %v", op, err)
		}
		if err == nil {
			r.m = r.m.after(op)
		} else {
			inFlight = &op
		}
		r.ffs.mu.Lock()
		crashed := r.ffs.crashed
		r.ffs.mu.Unlock()
		if crashed {
			break
		}
	}
	r.ffs.mu.Lock()
	crashed := r.ffs.crashed
	r.ffs.mu.Unlock()
	if !crashed {
		return "" // k is past the script's last operation
	}
	// The process died: its files are closed, the page cache survives.
	r.w.Close()
	r.w = nil
	r.ffs.Revive()
	w, rec, err := Open(r.dir, r.opts)
	if err != nil {
		return fmt.Sprintf("Open after the kill: %v", err)
	}
	r.w = w
	cands := []refLog{r.m}
	if inFlight != nil {
		cands = append(cands, r.m.after(*inFlight))
	}
	var diffs []string
	found := false
	for _, c := range cands {
		d := diffRecovered(rec, &c)
		if d == "" {
			r.m, found = c, true
			break
		}
		diffs = append(diffs, d)
	}
	if !found {
		return "after the kill: " + strings.Join(diffs, "; ")
	}
	// The node starts: Flush, then it acknowledges one more entry.
	if err := w.Flush(); err != nil {
		return fmt.Sprintf("Flush: %v", err)
	}
	next := r.m.last() + 1
	hs := raft.HardState{Term: r.m.hs.Term + 1, Vote: 1, Commit: r.m.hs.Commit}
	ents := mkEnts(next, next, hs.Term, 20)
	if err := w.Save(hs, ents); err != nil {
		return fmt.Sprintf("Save after restart: %v", err)
	}
	r.m.save(hs, ents)
	// The power fails.
	r.ffs.Crash()
	w.Close()
	r.w = nil
	if err := r.ffs.PowerFail(r.dir); err != nil {
		t.Fatal(err)
	}
	w, rec, err = Open(r.dir, r.opts)
	if err != nil {
		return fmt.Sprintf("Open after the power failure (after a kill during %v and a restart): %v", inFlight, err)
	}
	r.w = w
	if d := diffRecovered(rec, &r.m); d != "" {
		return fmt.Sprintf("after the power failure (after a kill during %v and a restart): acknowledged state lost: %s\n%s", inFlight, d, dumpDir(r.dir))
	}
	return ""
}
