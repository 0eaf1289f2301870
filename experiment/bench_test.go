package experiment

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// benchHistory builds n operations on 8 keys, as a chaos run records them.
func benchHistory(n int) ([]Op, map[string]Op) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops := make([]Op, n)
	final := map[string]Op{}
	for i := range ops {
		op := Op{Client: i % 4, Key: keyName(rng.IntN(8)), Call: int64(i) * 1000, Return: int64(i)*1000 + 500}
		switch r := rng.IntN(10); {
		case r < 5:
			op.Op, op.Value = "put", fmt.Sprintf("c%d-%d", op.Client, i)
			final[op.Key] = Op{Op: "get", Key: op.Key, Value: op.Value, Found: true}
		case r < 9:
			op.Op = "get"
		default:
			op.Op = "del"
			final[op.Key] = Op{Op: "get", Key: op.Key}
		}
		ops[i] = op
	}
	return ops, final
}

func BenchmarkLostWrites(b *testing.B) {
	ops, final := benchHistory(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if lost := lostWrites(ops, final); len(lost) != 0 {
			b.Fatalf("%d lost", len(lost))
		}
	}
}

func BenchmarkPorcupineOps(b *testing.B) {
	ops, _ := benchHistory(100_000)
	b.ReportAllocs()
	for b.Loop() {
		porcupineOps(ops)
	}
}

func benchReport() *ElectionReport {
	rng := rand.New(rand.NewPCG(3, 4))
	rep := &ElectionReport{Nodes: 5, Trials: 1000}
	for _, r := range PaperRanges {
		rr := RangeResult{Range: r, Name: r.String()}
		for n := range 1000 {
			d := r.Min/2 + time.Duration(rng.Int64N(int64(r.Max)))
			rr.Trials = append(rr.Trials, Trial{N: n + 1, OldTerm: 1, NewTerm: 2, Election: d, Write: d + time.Millisecond})
		}
		rr.summarize()
		rep.Ranges = append(rep.Ranges, rr)
	}
	return rep
}

func BenchmarkSummarize(b *testing.B) {
	rep := benchReport()
	b.ReportAllocs()
	for b.Loop() {
		for i := range rep.Ranges {
			rep.Ranges[i].summarize()
		}
	}
}

func BenchmarkWritePlot(b *testing.B) {
	rep := benchReport()
	b.ReportAllocs()
	for b.Loop() {
		if err := rep.WritePlot(io.Discard, 64, 16); err != nil {
			b.Fatal(err)
		}
	}
}
