package commands

import (
	"strconv"
	"strings"

	"raftplay/cluster"
)

// One parse function per verb. Each reads the words after the verb through lp
// and fills lp.cmd.

func parsePut(lp *lineParser) error {
	if err := lp.keyValue(); err != nil {
		return err
	}
	return lp.done()
}

func parsePropose(lp *lineParser) error {
	var err error
	if lp.cmd.Node, err = lp.node("N"); err != nil {
		return err
	}
	if err := lp.keyValue(); err != nil {
		return err
	}
	if err := lp.optionalTimeout(); err != nil {
		return err
	}
	return lp.done()
}

// keyValue parses the next two words as KEY and VALUE.
func (lp *lineParser) keyValue() error {
	var err error
	if lp.cmd.Key, err = lp.key(); err != nil {
		return err
	}
	t, err := lp.next("VALUE")
	if err != nil {
		return err
	}
	if len(t.text) > cluster.MaxValueBytes {
		return lp.errAt(t.col, "value of %d bytes (want at most %d, 1 MiB, as the HTTP API)", len(t.text), cluster.MaxValueBytes)
	}
	lp.cmd.Value = t.text
	return nil
}

// optionalTimeout parses a last TIMEOUT word if there is one.
func (lp *lineParser) optionalTimeout() error {
	if !lp.more() {
		return nil
	}
	var err error
	lp.cmd.Timeout, err = lp.duration("timeout", 1)
	return err
}

func parseKeyOnly(lp *lineParser) error {
	var err error
	if lp.cmd.Key, err = lp.key(); err != nil {
		return err
	}
	return lp.done()
}

// key parses the next word as a key, which must not be empty.
func (lp *lineParser) key() (string, error) {
	t, err := lp.next("KEY")
	if err != nil {
		return "", err
	}
	if t.text == "" {
		return "", lp.errAt(t.col, "empty key (want a non-empty KEY)")
	}
	if len(t.text) > cluster.MaxKeyBytes {
		return "", lp.errAt(t.col, "key of %d bytes (want at most %d)", len(t.text), cluster.MaxKeyBytes)
	}
	return t.text, nil
}

func parseLoad(lp *lineParser) error {
	t, err := lp.next("RATE")
	if err != nil {
		return err
	}
	if t.text != "off" || t.quoted {
		n, err := strconv.Atoi(t.text)
		if err != nil || !isDigits(t.text) || n < 1 || n > MaxRate {
			return lp.errAt(t.col, "bad rate %q (want writes per second 1..%d, or off)", t.text, MaxRate)
		}
		lp.cmd.Rate = n
	}
	return lp.done()
}

func parseNodeOnly(lp *lineParser) error {
	var err error
	if lp.cmd.Node, err = lp.node("node"); err != nil {
		return err
	}
	return lp.done()
}

func parseNoArgs(lp *lineParser) error { return lp.done() }

func parsePartition(lp *lineParser) error {
	if !lp.more() {
		_, err := lp.next("group")
		return err
	}
	seen := map[NodeRef]bool{}
	for lp.more() {
		t, _ := lp.next("group")
		var group []NodeRef
		col := t.col
		for _, part := range strings.Split(t.text, ",") {
			if part == "" {
				return lp.errAt(col, "empty node in group %q (want nodes separated by commas, like 1,2)", t.text)
			}
			r, err := lp.nodeRef(part, col)
			if err != nil {
				return err
			}
			if seen[r] {
				return lp.errAt(col, "node %s is named twice (want each node in at most one group)", r)
			}
			seen[r] = true
			group = append(group, r)
			col += len([]rune(part)) + 1
		}
		lp.cmd.Groups = append(lp.cmd.Groups, group)
	}
	return nil
}

func parseDrop(lp *lineParser) error {
	t, err := lp.next("PCT")
	if err != nil {
		return err
	}
	s := strings.TrimSuffix(t.text, "%")
	pct, perr := strconv.ParseFloat(s, 64)
	if perr != nil || !isDecimal(s) {
		return lp.errAt(t.col, "bad percentage %q (want a number 0..100, like 10 or 2.5)", t.text)
	}
	if pct > 100 {
		return lp.errAt(t.col, "percentage %s is over 100 (want 0..100)", t.text)
	}
	lp.cmd.Pct = pct
	if lp.more() {
		if err := lp.link(); err != nil {
			return err
		}
	}
	return lp.done()
}

// isDecimal reports whether s is digits with at most one '.', and at least one digit.
func isDecimal(s string) bool {
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			digits++
		case s[i] == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

func parseDelay(lp *lineParser) error {
	var err error
	if lp.cmd.Duration, err = lp.duration("delay", 0); err != nil {
		return err
	}
	// The second word is JITTER if it is a duration, else the link's FROM.
	if lp.left() == 1 && !isDuration(lp.toks[lp.pos]) {
		t := lp.toks[lp.pos]
		return lp.errAt(t.col, "bad jitter %q (want a duration like 5ms, or FROM TO for one link)", t.text)
	}
	if lp.left() == 1 || (lp.left() >= 2 && isDuration(lp.toks[lp.pos])) {
		if lp.cmd.Jitter, err = lp.duration("jitter", 0); err != nil {
			return err
		}
	}
	if lp.more() {
		if err := lp.link(); err != nil {
			return err
		}
	}
	return lp.done()
}

func parseCut(lp *lineParser) error {
	if err := lp.link(); err != nil {
		return err
	}
	return lp.done()
}

func parseWait(lp *lineParser) error {
	t, err := lp.word("condition", WaitLeader, WaitCommit, WaitConverged, WaitSettled, WaitTerm, WaitRole, WaitConfig, WaitViolation, WaitKey)
	if err != nil {
		return err
	}
	lp.cmd.What = t.text
	switch t.text {
	case WaitKey:
		lp.usage = "wait key" // a person decides how long: no timeout
		return lp.done()
	case WaitCommit:
		lp.usage = "wait commit I [TIMEOUT]"
		if lp.cmd.Index, err = lp.uint("index"); err != nil {
			return err
		}
	case WaitTerm:
		lp.usage = "wait term N CMP T [TIMEOUT]"
		err = lp.nodeTerm()
	case WaitRole:
		lp.usage = "wait role N ROLE [TIMEOUT]"
		err = lp.nodeRole()
	default:
		lp.usage = "wait " + t.text + " [TIMEOUT]"
	}
	if err != nil {
		return err
	}
	if err := lp.optionalTimeout(); err != nil {
		return err
	}
	return lp.done()
}

func parseSleep(lp *lineParser) error {
	var err error
	if lp.cmd.Duration, err = lp.duration("duration", 0); err != nil {
		return err
	}
	return lp.done()
}

func parseSet(lp *lineParser) error {
	t, err := lp.word("setting", SetHeartbeat, SetElection, SetPreVote, SetCheckQuorum, SetSnapshotEvery, SetDiskDelay, SetDiskFull, SetSkipFsync)
	if err != nil {
		return err
	}
	c := lp.cmd
	c.Setting = t.text
	switch c.Setting {
	case SetHeartbeat:
		lp.usage = "set heartbeat D"
		c.Duration, err = lp.duration("heartbeat", 1)
		if err == nil && c.Duration < cluster.MinHeartbeat {
			err = lp.errAt(lp.toks[lp.pos-1].col, "%s", cluster.TooShort("heartbeat", c.Duration, cluster.MinHeartbeat))
		}
	case SetElection:
		lp.usage = "set election MIN-MAX"
		err = lp.electionRange()
	case SetPreVote, SetCheckQuorum:
		lp.usage = "set " + c.Setting + " on|off"
		var v token
		v, err = lp.word("value", "on", "off")
		c.On = v.text == "on"
	case SetSnapshotEvery:
		lp.usage = "set snapshot-every N"
		c.Every, err = lp.uint("entry count")
	case SetDiskDelay:
		lp.usage = "set disk-delay N D"
		if c.Node, err = lp.node("node"); err != nil {
			return err
		}
		var t token
		if t, err = lp.next("delay"); err != nil {
			return err
		}
		if c.Duration, err = lp.parseDuration("disk delay", t.text, t.col, 0); err == nil && c.Duration > MaxDiskDelay {
			err = lp.errAt(t.col, "disk delay %v is too long (want 0 to %v)", c.Duration, MaxDiskDelay)
		}
	case SetDiskFull, SetSkipFsync:
		lp.usage = "set " + c.Setting + " N on|off"
		if c.Node, err = lp.node("node"); err != nil {
			return err
		}
		var v token
		v, err = lp.word("value", "on", "off")
		c.On = v.text == "on"
	}
	if err != nil {
		return err
	}
	return lp.done()
}

// electionRange parses MIN-MAX by ParseElectionRange's rule (0 < MIN <=
// MAX), pointing errors at the part at fault.
func (lp *lineParser) electionRange() error {
	t, err := lp.next("MIN-MAX")
	if err != nil {
		return err
	}
	min, max, err := ParseElectionRange(t.text)
	if err != nil {
		re := err.(*RangeError)
		return lp.errAt(t.col+len([]rune(t.text[:re.Offset])), "%s", re.Msg)
	}
	lp.cmd.Min, lp.cmd.Max = min, max
	return nil
}

func parseLet(lp *lineParser) error {
	t, err := lp.next("NAME")
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(t.text, "@")
	if !validName(name) {
		return lp.errAt(t.col, "bad name %q (want a letter or _, then letters, digits, _ or -)", t.text)
	}
	eq, err := lp.next("'='")
	if err != nil {
		return err
	}
	if eq.text != "=" || eq.quoted {
		return lp.errAt(eq.col, "want \"=\" after the name, not %q (want %s)", eq.text, lp.usage)
	}
	if lp.cmd.Node, err = lp.node("node"); err != nil {
		return err
	}
	lp.cmd.Name = name
	return lp.done()
}

func parseHelp(lp *lineParser) error {
	if lp.more() {
		t, _ := lp.next("command")
		if lookupVerb(t.text) == nil || t.quoted {
			return lp.errAt(t.col, "unknown command %q%s (help lists them all)", t.text, Suggestion(t.text, Verbs()))
		}
		lp.cmd.Topic = t.text
	}
	return lp.done()
}

func parseEcho(lp *lineParser) error {
	words := make([]string, 0, lp.left())
	for lp.more() {
		t, _ := lp.next("text")
		words = append(words, t.text)
	}
	lp.cmd.Message = strings.Join(words, " ")
	return nil
}

// parseDeliver parses deliver|discard FROM TO [KIND].
func parseDeliver(lp *lineParser) error {
	if err := lp.link(); err != nil {
		return err
	}
	if lp.more() {
		t, err := lp.word("message kind", cluster.MessageKinds...)
		if err != nil {
			return err
		}
		lp.cmd.Kind = t.text
	}
	return lp.done()
}

// parseTick parses tick N [COUNT].
func parseTick(lp *lineParser) error {
	var err error
	if lp.cmd.Node, err = lp.node("node"); err != nil {
		return err
	}
	lp.cmd.Count = 1
	if lp.more() {
		t, _ := lp.next("COUNT")
		n, err := strconv.Atoi(t.text)
		if err != nil || !isDigits(t.text) || n < 1 || n > maxTicks {
			return lp.errAt(t.col, "bad tick count %q (want 1..%d)", t.text, maxTicks)
		}
		lp.cmd.Count = n
	}
	return lp.done()
}

// maxTicks bounds `tick N COUNT`.
const maxTicks = 100000

// parseOnOff parses trace on|off.
func parseOnOff(lp *lineParser) error {
	t, err := lp.word("value", "on", "off")
	if err != nil {
		return err
	}
	lp.cmd.On = t.text == "on"
	return lp.done()
}

// parseMessages parses messages [COUNT] [all].
func parseMessages(lp *lineParser) error {
	for lp.more() {
		t, _ := lp.next("COUNT or all")
		switch {
		case t.text == "all" && !t.quoted && !lp.cmd.All:
			lp.cmd.All = true
		case isDigits(t.text) && lp.cmd.Count == 0:
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 1 || n > cluster.MsgTraceSize {
				return lp.errAt(t.col, "bad count %q (want 1..%d)", t.text, cluster.MsgTraceSize)
			}
			lp.cmd.Count = n
		default:
			return lp.errAt(t.col, "unexpected %q (want a COUNT and/or all)", t.text)
		}
	}
	return nil
}

// parseHeal parses heal [FROM TO].
func parseHeal(lp *lineParser) error {
	if lp.more() {
		lp.usage = "heal FROM TO"
		if err := lp.link(); err != nil {
			return err
		}
	}
	return lp.done()
}

// parseExplain parses explain commit [I] | explain N | explain vote N |
// explain log N.
func parseExplain(lp *lineParser) error {
	t, err := lp.next("what")
	if err != nil {
		return err
	}
	c := lp.cmd
	switch {
	case t.text == ExplainCommit && !t.quoted:
		c.What, lp.usage = ExplainCommit, "explain commit [I]"
		if lp.more() {
			if c.Index, err = lp.uintFrom("index", 1); err != nil {
				return err
			}
			if c.Index == 0 {
				return lp.errAt(lp.toks[lp.pos-1].col, "index 0 is no entry (indexes start at 1; leave it out for the lowest uncommitted one)")
			}
		}
	case (t.text == ExplainVote || t.text == ExplainLog) && !t.quoted:
		c.What, lp.usage = t.text, "explain "+t.text+" N"
		if c.Node, err = lp.node("node"); err != nil {
			return err
		}
	default:
		c.What = ExplainNode
		r, err := lp.nodeRef(t.text, t.col)
		if err != nil && isDigits(t.text) {
			return err
		}
		if err != nil {
			return lp.errAt(t.col, "explain what? %q is not commit, vote, log or a node (want explain commit [I], explain N, explain vote N or explain log N)", t.text)
		}
		c.Node = r
	}
	return lp.done()
}
