package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

func TestFSMSnapshotRoundTrip(t *testing.T) {
	f := newFSM()
	for i, kv := range [][2]string{{"a", "1"}, {"b", ""}, {"long-key", strings.Repeat("v", 300)}, {"a", "2"}} {
		if err := f.Apply(&raft.Log{Index: uint64(i + 1), Data: encodePut(kv[0], []byte(kv[1]))}); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	g := newFSM()
	if err := g.Restore(io.NopCloser(bytes.NewReader(snap.(snapshot)))); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(f.data), normalize(g.data)) {
		t.Fatalf("restored %v, want %v", g.data, f.data)
	}
}

func normalize(m map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// TestRunShort runs the whole bench briefly and checks its JSON line.
func TestRunShort(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"--clients", "4", "--duration", "300ms", "--warmup", "100ms", "--data", t.TempDir()}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %q", err, out.String())
	}
	if res.Impl != "hashicorp/raft" || res.Nodes != 3 || res.Clients != 4 || res.Payload != 128 || res.Ops == 0 || res.Errors != 0 {
		t.Fatalf("result %+v", res)
	}
}

// TestFailoverShort times two failovers and checks the line it prints.
func TestFailoverShort(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"--failover", "2", "--timeout", "100ms", "--data", t.TempDir()}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res struct {
		Impl     string  `json:"impl"`
		Trials   int     `json:"trials"`
		MedianMs float64 `json:"median_ms"`
		MaxMs    float64 `json:"max_ms"`
		MinMs    float64 `json:"min_ms"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %q", err, out.String())
	}
	if res.Impl != "hashicorp/raft" || res.Trials != 2 || res.MinMs <= 0 || res.MedianMs < res.MinMs || res.MaxMs < res.MedianMs {
		t.Fatalf("result %+v", res)
	}
}
