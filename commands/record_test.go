package commands

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func init() {
	validCases = append(validCases, []struct {
		line string
		want Command
	}{
		{`record start run.rec`, Command{Verb: VerbRecord, On: true, Name: "run.rec"}},
		{`record start "my run.rec"`, Command{Verb: VerbRecord, On: true, Name: "my run.rec"}},
		{`record stop`, Command{Verb: VerbRecord}},
		{`seek 12.5s`, Command{Verb: VerbSeek, Duration: 12500 * time.Millisecond}},
		{`seek 0s`, Command{Verb: VerbSeek}},
		{`seek 1h30m`, Command{Verb: VerbSeek, Duration: 90 * time.Minute}}, // no cap: beyond the end goes to the end
		{`seek 9999999h`, Command{Verb: VerbSeek, Duration: math.MaxInt64}},
		{`find became leader`, Command{Verb: VerbFind, Message: "became leader"}},
		{`find "two  spaces"`, Command{Verb: VerbFind, Message: "two  spaces"}},
		{`fork`, Command{Verb: VerbFork}},
	}...)
}

func TestRecordParseErrors(t *testing.T) {
	for line, want := range map[string]string{
		"record":               "record: missing action (want record start FILE)",
		"record go":            `record: unknown action "go"`,
		"record start":         "record: missing FILE (want record start FILE)",
		`record start ""`:      "record: empty file name",
		"record stop now":      `record: unexpected "now" (want record stop)`,
		"seek":                 "seek: missing time",
		"seek soon":            `seek: bad time "soon"`,
		"seek -1s":             "seek: time -1s is negative",
		"seek -9999999h":       "seek: time -9999999h is negative",
		"find":                 "find: missing words",
		`find ""`:              "find: nothing to find",
		"fork 1":               `fork: unexpected "1"`,
		"record start a.rec b": `record: unexpected "b" (want record start FILE)`,
	} {
		_, err := ParseLine(line, 1, 5)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", line, err, want)
		}
	}
}

type fakeRecording struct {
	file string
	err  error
}

func (f *fakeRecording) Start(file string) (string, error) {
	if f.file != "" {
		return "", errors.New("already recording to " + f.file)
	}
	f.file = file
	return "", f.err
}

func (f *fakeRecording) Stop() (string, error) {
	if f.file == "" {
		return "", errors.New("not recording")
	}
	file := f.file
	f.file = ""
	return file, nil
}

func TestRecordLive(t *testing.T) {
	t.Parallel()
	c := startIdle(t, 1, slowTiming)
	rec := &fakeRecording{}
	r := NewRunner(c, RunnerOptions{Record: rec})
	ctx := context.Background()
	for _, line := range []string{"seek 1s", "find leader", "fork"} {
		_, err := r.Exec(ctx, mustParse(t, line))
		if err == nil || !strings.Contains(err.Error(), "works only in a replay (raftplay replay FILE)") {
			t.Errorf("%s: %v", line, err)
		}
	}
	if out, err := r.Exec(ctx, mustParse(t, "record start x.rec")); err != nil || out != "recording to x.rec" || rec.file != "x.rec" {
		t.Fatalf("record start: %q, %v", out, err)
	}
	if _, err := r.Exec(ctx, mustParse(t, "record start y.rec")); err == nil || !strings.Contains(err.Error(), "already recording to x.rec") {
		t.Errorf("second record start: %v", err)
	}
	if out, err := r.Exec(ctx, mustParse(t, "record stop")); err != nil || !strings.Contains(out, "recorded to x.rec") {
		t.Fatalf("record stop: %q, %v", out, err)
	}
	if _, err := r.Exec(ctx, mustParse(t, "record stop")); err == nil || !strings.Contains(err.Error(), "not recording") {
		t.Errorf("second record stop: %v", err)
	}
	plain := NewRunner(c)
	if _, err := plain.Exec(ctx, mustParse(t, "record start x.rec")); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("record without a Recording: %v", err)
	}
}
