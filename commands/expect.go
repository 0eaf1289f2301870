package commands

func parseExpect(lp *lineParser) error {
	t, err := lp.word("check", ExpectLeader, ExpectRole, ExpectTerm, ExpectCommit, ExpectLast, ExpectApplied, ExpectSnapshot, ExpectGet, ExpectSafe, ExpectConfig, ExpectViolation)
	if err != nil {
		return err
	}
	c := lp.cmd
	c.What = t.text
	switch c.What {
	case ExpectLeader:
		err = lp.expectLeader()
	case ExpectRole:
		lp.usage = "expect role N ROLE"
		err = lp.nodeRole()
	case ExpectTerm:
		lp.usage = "expect term N CMP T"
		err = lp.nodeTerm()
	case ExpectCommit, ExpectLast, ExpectApplied, ExpectSnapshot:
		lp.usage = "expect " + c.What + " N CMP I"
		if c.Node, err = lp.node("node"); err != nil {
			return err
		}
		if c.Cmp, err = lp.cmp(allCmps...); err != nil {
			return err
		}
		err = lp.indexOrRef()
	case ExpectGet:
		err = lp.expectGet()
	case ExpectSafe:
		lp.usage = "expect safe"
	case ExpectViolation:
		lp.usage = "expect violation"
	case ExpectConfig:
		lp.usage = "expect config ==|!= LIST"
		err = lp.configList()
	}
	if err != nil {
		return err
	}
	return lp.done()
}

// nodeRole parses "N ROLE" (expect role, wait role).
func (lp *lineParser) nodeRole() error {
	var err error
	if lp.cmd.Node, err = lp.node("node"); err != nil {
		return err
	}
	r, err := lp.word("role", string(RoleLeader), string(RoleFollower), string(RoleCandidate), string(RolePreCandidate), string(RoleDown), string(RoleLearner))
	lp.cmd.Role = Role(r.text)
	return err
}

// nodeTerm parses "N CMP T" (expect term, wait term).
func (lp *lineParser) nodeTerm() error {
	var err error
	if lp.cmd.Node, err = lp.node("node"); err != nil {
		return err
	}
	if lp.cmd.Cmp, err = lp.cmp(allCmps...); err != nil {
		return err
	}
	lp.cmd.Term, err = lp.uint("term")
	return err
}

// expectLeader parses "== N", "!= N" or "none".
func (lp *lineParser) expectLeader() error {
	lp.usage = "expect leader ==|!= N, or expect leader none"
	if lp.more() && lp.toks[lp.pos].text == "none" && !lp.toks[lp.pos].quoted {
		lp.pos++
		lp.cmd.None = true
		return nil
	}
	if lp.more() {
		if t := lp.toks[lp.pos]; !t.quoted && isCmp(t.text) && t.text != string(Eq) && t.text != string(Ne) {
			return lp.errAt(t.col, "comparison %q does not apply to the leader (want == or !=, or none)", t.text)
		}
	}
	var err error
	if lp.cmd.Cmp, err = lp.cmp(Eq, Ne); err != nil {
		return err
	}
	lp.cmd.Node, err = lp.node("node")
	return err
}

// expectGet parses "KEY ==|!= VALUE" or "KEY (nil)"; an unquoted (nil) as
// VALUE means the key is absent.
func (lp *lineParser) expectGet() error {
	lp.usage = "expect get KEY ==|!= VALUE, or expect get KEY (nil)"
	c := lp.cmd
	var err error
	if c.Key, err = lp.key(); err != nil {
		return err
	}
	if lp.more() && lp.toks[lp.pos].text == nilWord && !lp.toks[lp.pos].quoted {
		lp.pos++
		c.Cmp, c.None = Eq, true
		return nil
	}
	if c.Cmp, err = lp.cmp(Eq, Ne); err != nil {
		return err
	}
	v, err := lp.next("VALUE")
	if err != nil {
		return err
	}
	c.Value = v.text
	c.None = v.text == nilWord && !v.quoted
	if c.None {
		c.Value = ""
	}
	return nil
}

func isCmp(s string) bool {
	for _, c := range allCmps {
		if s == string(c) {
			return true
		}
	}
	return false
}

// indexOrRef parses I of expect commit: a number, or another node's index
// as `last M`, `commit M` or `applied M` (so that a script needs no
// absolute index: expect commit 1 < last 3).
func (lp *lineParser) indexOrRef() error {
	if lp.more() {
		if t := lp.toks[lp.pos]; !t.quoted && (t.text == IndexLast || t.text == IndexCommit || t.text == IndexApplied) {
			lp.pos++
			ref, err := lp.node("node")
			if err != nil {
				return err
			}
			lp.cmd.IndexOf, lp.cmd.IndexNode = t.text, ref
			return nil
		}
	}
	var err error
	lp.cmd.Index, err = lp.uint("index")
	if err != nil {
		return err
	}
	return nil
}
