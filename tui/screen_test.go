package tui

import (
	"fmt"
	"strings"
	"testing"

	"raftplay/cluster"
)

// TestKeyEditShowsOnWholeCard: c, P and r lay the state they ask for over
// the status until a frame shows it (a restart holds the cluster's lock
// while it reads the node's WAL, so no frame comes for as long as that
// takes). Every line of the node's card says that state: a tester saw
// "▸2 DOWN / as of crash / ... / no leader: times out in 0 ms / crashed"
// for a restart pressed on a crashed node, the title and state from the
// frame before the key, the why-line from the edit.
func TestKeyEditShowsOnWholeCard(t *testing.T) {
	crashed2 := steady(10)
	crashed2.Nodes[1] = downAsOf(crashed2.Nodes[1], cluster.StateCrashed, "")
	tests := []struct {
		name      string
		st        cluster.Status
		keys      []string
		want, not []string
	}{
		{"crash", steady(10), []string{"2", "c"},
			[]string{"DOWN", "as of crash", "down: restart brings it back", "crashed"}, []string{"FOLLOWER", "⏱", " up"}},
		{"powerfail", steady(10), []string{"2", "P"},
			[]string{"DOWN", "as of power cut", "down: restart brings it back", "lost power"}, []string{"FOLLOWER", "⏱", " up"}},
		{"restart", crashed2, []string{"2", "r"},
			[]string{"FOLLOWER", "no leader", " up"}, []string{"DOWN", "as of crash", "crashed", "0 ms"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{block: make(chan struct{})} // the command runs and no frame comes
			defer close(ex.block)
			m := newModel(newFakeSource(tc.st), ex, 140, 50)
			for _, k := range tc.keys {
				m.Update(keyMsg(k))
			}
			card := strings.ReplaceAll(cardOf(t, m.View(), 2), "\n", " ") // the why-line wraps
			for _, w := range tc.want {
				if !strings.Contains(card, w) {
					t.Errorf("card 2 lacks %q:\n%s", w, card)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(card, n) {
					t.Errorf("card 2 still says %q:\n%s", n, card)
				}
			}
		})
	}
}

// TestKeysBeforeTheFirstSize: keys read before the terminal's size is
// known (typed while a replay loads or a cluster starts: the terminal
// buffers them, and they can come before the first WindowSizeMsg) act
// without a panic, and the screen draws once the size comes. A tester
// typed ":seek 60s" while a 16 MB recording loaded: "slice bounds out of
// range [7:1]" in the commit line, wrapped at width 0.
func TestKeysBeforeTheFirstSize(t *testing.T) {
	for _, keys := range [][]string{
		{":", "s", "e", "e", "k", " ", "1", "s", "enter"},
		{"e", "up", "pgup", "home", "end", "esc"},
		{"m", "pgup", "down", "esc", "x", "up", "esc"},
		{"enter", "pgdown", "esc", "?", "down", "esc", "L", "esc"},
		{"<", "<", "E", ">", "[", "]", "tab", "f", "f"},
	} {
		for _, replay := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s replay=%v", strings.Join(keys, ""), replay), func(t *testing.T) {
				var src Source = newFakeSource(steady(10))
				if replay {
					src = newFakePlayer(steady(10))
				}
				m := New(Options{Source: src, Exec: &fakeExec{}, Clock: frozen, Seed: 1, Mono: true})
				keys := keys
				if replay {
					keys = append([]string{".", ",", " ", "+"}, keys...)
				}
				for _, k := range keys {
					func() {
						defer func() {
							if r := recover(); r != nil {
								t.Fatalf("key %q before the first size: panic: %v", k, r)
							}
						}()
						m.Update(keyMsg(k))
						_ = m.View()
					}()
				}
				m.Update(sizeMsg(140, 40))
				if v := m.View(); !strings.Contains(v, "1 LEADER") {
					t.Fatalf("after the size came:\n%s", v)
				}
			})
		}
	}
}
