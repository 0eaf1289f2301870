package main

import (
	"strings"
	"testing"
	"time"
)

// TestRunTimeBounds: bench's --duration and --warmup and chaos's --duration
// are at most 24h, refused with exit 2 beyond (their sum overflowed: "about
// -1h34m34s").
func TestRunTimeBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--duration", "2562047h", "--warmup", "2562047h"}, "raftplay: --duration 2562047h0m0s: at most 24h0m0s\n"},
		{[]string{"bench", "--duration", "24h0m1s"}, "raftplay: --duration 24h0m1s: at most 24h0m0s\n"},
		{[]string{"bench", "--warmup", "2562047h"}, "raftplay: --warmup 2562047h0m0s: at most 24h0m0s\n"},
		{[]string{"chaos", "--duration", "2562047h47m16s"}, "raftplay: --duration 2562047h47m16s: at most 24h0m0s\n"},
	} {
		code, out, errs := runCLI(t, "", tc.args...)
		if code != 2 || errs != tc.want || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", strings.Join(tc.args, " "), code, out, errs, tc.want)
		}
	}
	_, f := benchFlagSet(nil)
	f.duration, f.warmup = 24*time.Hour, 24*time.Hour
	if err := f.check(); err != nil {
		t.Errorf("24h: %v", err)
	}
}
