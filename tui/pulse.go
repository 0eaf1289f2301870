package tui

import (
	"time"

	"raftplay/cluster"
)

// Frames: the dashboard reads a status every frame. To show the heartbeat
// pulse a frame must come several times per heartbeat interval; to stay
// cheap it need not come more often than that, nor faster than ~30 a second.
const (
	minFrame = 33 * time.Millisecond
	maxFrame = 100 * time.Millisecond
)

// frameInterval is the time between frames: a third of the heartbeat
// interval, between minFrame and maxFrame, unless override (Options.Frame)
// is set.
func frameInterval(t cluster.Timing, override time.Duration) time.Duration {
	if override > 0 {
		return override
	}
	return min(maxFrame, max(minFrame, t.Heartbeat/3))
}

// frameEvery is the frame interval for the timing on screen.
func (m *Model) frameEvery() time.Duration { return frameInterval(m.status.Timing, m.o.Frame) }

// pulseFor is how long the ♥ stays lit after a heartbeat arrives. When
// frames come at least three times per heartbeat interval it is lit for
// the first half of the interval and dark for the rest, so it visibly
// beats (at 100 ms heartbeats, about 30 frames a second). Heartbeats too
// fast for that keep it lit steadily while they arrive: it goes dark when
// two heartbeats are missed.
func pulseFor(hb, frame time.Duration) time.Duration {
	if hb >= 3*frame-time.Millisecond {
		return hb / 2
	}
	return 2*hb + 2*frame
}

// pulse reports whether node n's ♥ is lit in this frame (never on a
// leader: heartbeats are what it sends).
func (m *Model) pulse(n cluster.NodeStatus) bool {
	if n.State != cluster.StateUp || n.Role == "leader" || n.LastHeartbeat.IsZero() {
		return false
	}
	since := m.now.Sub(n.LastHeartbeat)
	return since < pulseFor(m.status.Timing.Heartbeat, m.frameEvery())
}
