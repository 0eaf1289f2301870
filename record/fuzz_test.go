package record

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"

	"raftplay/cluster"
)

func gzipWriter(w io.Writer) *gzip.Writer { return gzip.NewWriter(w) }

// FuzzReader: whatever the bytes, Read returns (never panics, never hangs)
// with an error, or a recording that a player can play, its Stopped nil
// only when it ended with its end mark.
func FuzzReader(f *testing.F) {
	b := newBuilder(&testing.T{}, Version)
	b.status(0, 1, 1, 2, 3).event(time.Second, cluster.EventCrash, "crashed 1").msgs(time.Second, 3, time.Millisecond).
		command(2*time.Second, "crash 1", "ok").line(line{T: 3, K: kindGap, Events: 2}).status(2*time.Second, 2, 1).end(3 * time.Second)
	f.Add(b.buf.Bytes())
	var gz bytes.Buffer
	w := gzipWriter(&gz)
	w.Write(b.buf.Bytes())
	w.Close()
	f.Add(gz.Bytes())
	f.Add([]byte(`{"format":"raftplay-recording","version":1,"start":1}` + "\n" + `{"t":1,"k":"s","s":{},"nn":9,"ids":[9],"n":[{"log_terms":[1,99999999999]}]}` + "\n"))
	f.Add([]byte(`{"format":"raftplay-recording","version":1,"start":1}` + "\n" + `{"t":1,"k":"m","m":[[1,99],[],[-5,1]]}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if rec.Stopped == nil && !rec.Complete {
			t.Fatal("no end mark and no Stopped")
		}
		p := NewPlayer(rec, PlayerOptions{Paused: true})
		for _, at := range []time.Duration{0, rec.Length / 2, rec.Length} {
			p.Seek(at)
			p.Status()
			p.Events()
			p.Messages().Since(1)
		}
		p.Step(false)
		p.Find("a")
	})
}
