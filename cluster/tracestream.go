package cluster

import (
	"bufio"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// StreamTrace writes every record of t, from the oldest it still holds
// and on as they come, to w as JSON lines (MsgJSON), until the returned
// stop is called; stop writes what was recorded until then, flushes, and
// returns the first write error. When the writer falls so far behind that
// the ring overwrote records it had not written, a line
// {"event":"gap","missed":N} says how many.
func StreamTrace(t *MsgTrace, w io.Writer) (stop func() error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	done := make(chan struct{})
	finished := make(chan struct{})
	var err error
	next := uint64(1)
	drain := func() {
		recs, n, missed := t.Since(next)
		next = n
		if missed > 0 && err == nil {
			err = enc.Encode(MsgJSON{Time: time.Now().Format(time.RFC3339Nano), Event: "gap", Missed: missed})
		}
		for _, r := range recs {
			if err == nil {
				err = enc.Encode(r.JSON())
			}
		}
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(100 * time.Millisecond) // flush at least this often
		defer tick.Stop()
		for {
			wake := t.Wait()
			drain()
			select {
			case <-wake:
			case <-tick.C:
				if err == nil {
					err = bw.Flush()
				}
			case <-done:
				drain()
				if err == nil {
					err = bw.Flush()
				}
				return
			}
		}
	}()
	var once sync.Once
	return func() error {
		once.Do(func() { close(done) })
		<-finished
		return err
	}
}
