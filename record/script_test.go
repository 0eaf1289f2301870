package record

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestScriptPauseAtWaitKey: the dashboard runs `wait key` when the key is
// pressed, so the time before it was spent waiting there; the script puts
// that sleep after the wait key line, where the pause happened.
func TestScriptPauseAtWaitKey(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.command(time.Second, "say look", "look")
	b.command(6*time.Second, "wait key", "")
	b.command(6500*time.Millisecond, "put a 1", "ok")
	rec := b.end(7 * time.Second).read()
	var out bytes.Buffer
	if err := rec.Script(&out, "s.txt"); err != nil {
		t.Fatal(err)
	}
	body := out.String()
	body = body[strings.Index(body, "say look\n"):]
	if want := "say look\nwait key\nsleep 5.498s\nput a 1\n"; body != want {
		t.Errorf("script body:\n%s\nwant:\n%s", body, want)
	}
}

// The script waits as long before its first command as the recording did:
// a fresh cluster needs that time too (a new user's script proposed to the
// leader at once, before one was elected, and failed where the recording
// had not).
func TestScriptWaitsBeforeTheFirstCommand(t *testing.T) {
	b := newBuilder(t, Version)
	b.status(0, 1, 1, 2, 3)
	b.command(6600*time.Millisecond, "freeze", "ok")
	b.command(7*time.Second, "put a 1", "ok")
	rec := b.end(8 * time.Second).read()
	var out bytes.Buffer
	if err := rec.Script(&out, "s.txt"); err != nil {
		t.Fatal(err)
	}
	body := out.String()
	body = body[strings.Index(body, "sleep"):]
	if !strings.HasPrefix(body, "sleep 6.6s\nfreeze\n") {
		t.Errorf("script body:\n%s\nwant it to start with sleep 6.6s, then freeze", body)
	}
}
