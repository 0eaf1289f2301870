package commands

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftplay/cluster"
)

// Parse parses a whole script: one command a line, blank and comment-only lines
// skipped. nodes is the cluster size, used to check node numbers (nodes < 1
// means no upper bound). It returns the commands in order, or, when lines do
// not parse, the error of each: a *ParseError naming its line and column when
// one line does not parse, a *ParseErrors holding the first MaxParseErrors
// when more do. A @NAME used before any `let NAME = ...` line is an error.
func Parse(src string, nodes int) ([]Command, error) {
	p := NewParser(nodes)
	// A script runs on a live cluster: a replay's commands are no
	// suggestion for a word it does not know (foo was "did you mean
	// fork?": a CI user).
	p.verbs = slices.DeleteFunc(Verbs(), func(v string) bool { return v == VerbSeek || v == VerbFind || v == VerbFork })
	// A byte order mark, which some Windows editors put first, is not
	// part of the first command.
	lines := strings.Split(strings.TrimPrefix(src, "\ufeff"), "\n")
	cmds := make([]Command, 0, len(lines))
	var errs ParseErrors
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		c, err := p.ParseLine(line, i+1)
		if err == nil && c != nil && (c.Verb == VerbSeek || c.Verb == VerbFind || c.Verb == VerbFork) {
			// A script runs on a live cluster: told now, not when the run
			// reaches the line (exit 1, after the lines before it ran).
			col := strings.Index(line, string(c.Verb)) + 1
			c, err = nil, &ParseError{Line: i + 1, Col: col, Msg: fmt.Sprintf("%s %v; a script runs on a live cluster", c.Verb, ErrReplayOnly)}
		}
		if err != nil {
			// Go on: every line that does not parse is told at once, not
			// one a run. A `let` that does not parse still names its
			// name, or every later use of it would be told as unknown.
			if f := strings.Fields(line); len(f) >= 2 && f[0] == string(VerbLet) {
				p.Define(f[1])
			}
			if errs.Total++; len(errs.Errs) < MaxParseErrors {
				errs.Errs = append(errs.Errs, err)
			}
			continue
		}
		if c != nil {
			cmds = append(cmds, *c)
		}
	}
	switch {
	case errs.Total == 1:
		return nil, errs.Errs[0]
	case errs.Total > 1:
		return nil, &errs
	}
	return cmds, nil
}

// MaxParseErrors is the most errors a ParseErrors holds.
const MaxParseErrors = 10

// ParseErrors are the errors of a script's lines that do not parse: the
// first MaxParseErrors of Total. Error() puts each on a line of its own.
type ParseErrors struct {
	Errs  []error
	Total int
}

func (e *ParseErrors) Error() string {
	lines := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		lines[i] = err.Error()
	}
	if e.Total > len(e.Errs) {
		lines = append(lines, fmt.Sprintf("(and %d more)", e.Total-len(e.Errs)))
	}
	return strings.Join(lines, "\n")
}

func (e *ParseErrors) Unwrap() []error { return e.Errs }

// ParseLine parses one line, numbered lineNo in messages. It returns nil, nil
// for a blank or comment-only line. It accepts any @NAME: it cannot know which
// names were defined, so the executor checks them when the command runs (or
// use a Parser, which remembers the names its lines defined).
func ParseLine(line string, lineNo, nodes int) (*Command, error) {
	return parseLine(line, lineNo, nodes, nil, nil)
}

// Parser parses the lines of one script or one interactive session in order and
// remembers the names defined by `let`, so that a @NAME used before its `let`
// is a parse error. The zero Parser is not usable; call NewParser.
type Parser struct {
	nodes int
	names map[string]bool
	verbs []string // what an unknown command word is compared with; nil: Verbs()
}

// NewParser returns a Parser for a cluster of nodes nodes (nodes < 1: no upper
// bound on node numbers) that knows no names yet.
func NewParser(nodes int) *Parser {
	return &Parser{nodes: nodes, names: map[string]bool{}}
}

// Define records name (without '@') as defined, for names the executor knows
// from elsewhere (e.g. a `let` typed at the prompt before this Parser existed).
func (p *Parser) Define(name string) { p.names[name] = true }

// ParseLine parses one line like the function ParseLine, except that a @NAME
// not defined by an earlier line (or Define) is an error. A `let` line that
// parses defines its name for the lines after it.
func (p *Parser) ParseLine(line string, lineNo int) (*Command, error) {
	c, err := parseLine(line, lineNo, p.nodes, p.names, p.verbs)
	if err == nil && c != nil && c.Verb == VerbLet {
		p.names[c.Name] = true
	}
	if err == nil && c != nil && c.Verb == VerbAdd && p.nodes >= 1 {
		// Lines after an add may name the new node.
		p.nodes = min(max(p.nodes+1, c.Node.N), cluster.MaxNodes)
	}
	return c, err
}

// SetNodes changes the cluster size node numbers are checked against (the
// dashboard's prompt follows the cluster as nodes are added).
func (p *Parser) SetNodes(nodes int) { p.nodes = nodes }

func parseLine(line string, lineNo, nodes int, names map[string]bool, verbs []string) (*Command, error) {
	if verbs == nil {
		verbs = Verbs()
	}
	if lineNo < 1 {
		lineNo = 1
	}
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		return nil, &ParseError{Line: lineNo, Col: runeCol(line, i), Msg: "line break inside a command"}
	}
	lx, err := lex(line, lineNo)
	if err != nil {
		return nil, err
	}
	if len(lx.toks) == 0 {
		return nil, nil
	}
	verb := lx.toks[0]
	info := lookupVerb(verb.text)
	if verb.quoted {
		return nil, &ParseError{Line: lineNo, Col: verb.col,
			Msg: fmt.Sprintf("command word %q must not be quoted", verb.text)}
	}
	if info == nil {
		return nil, &ParseError{Line: lineNo, Col: verb.col,
			Msg: fmt.Sprintf("unknown command %q%s", verb.text, Suggestion(verb.text, verbs))}
	}
	lp := &lineParser{
		lineNo: lineNo, nodes: nodes, names: names,
		toks: lx.toks, pos: 1, endCol: lx.endCol,
		usage: info.usage[0],
		cmd: &Command{
			Line: lineNo, Col: verb.col, Verb: info.verb,
			Text: strings.Trim(line[:lx.end], " \t\r"),
		},
	}
	if err := info.parse(lp); err != nil {
		var pe *ParseError
		if lx.glued > 0 && errors.As(err, &pe) {
			pe.Msg += "; " + gluedHint(lx.glued)
		}
		return nil, err
	}
	lp.cmd.GluedHash = lx.glued
	return lp.cmd, nil
}

// gluedHint says what a '#' at column col right after a word did.
func gluedHint(col int) string {
	return fmt.Sprintf("the '#' at column %d starts a comment, though no space comes before it: quote a word that holds '#' (\"a#b\")", col)
}

// GluedNote says, of a command that parsed with a '#' right after a word,
// what was read and how to keep the '#' ("" when it has none).
func (c *Command) GluedNote() string {
	if c.GluedHash == 0 {
		return ""
	}
	return fmt.Sprintf("column %d: '#' starts a comment, so the line reads %q; quote a word that holds '#' (\"a#b\"), or put a space before a comment", c.GluedHash, c.Text)
}

// runeCol returns the 1-based rune column of byte offset i in s.
func runeCol(s string, i int) int {
	return len([]rune(s[:i])) + 1
}

// lineParser holds the state of parsing one command's arguments.
type lineParser struct {
	lineNo int
	nodes  int
	names  map[string]bool // nil: any @NAME is accepted
	toks   []token
	pos    int
	endCol int
	usage  string // shown after "want" in argument errors
	cmd    *Command
}

// errAt returns a ParseError at col, its message prefixed with the verb.
func (lp *lineParser) errAt(col int, format string, args ...any) error {
	return &ParseError{Line: lp.lineNo, Col: col, Msg: lp.cmd.Verb + ": " + fmt.Sprintf(format, args...)}
}

// more reports whether words are left.
func (lp *lineParser) more() bool { return lp.pos < len(lp.toks) }

// left returns how many words are left.
func (lp *lineParser) left() int { return len(lp.toks) - lp.pos }

// next returns the next word, or an error naming what is missing.
func (lp *lineParser) next(what string) (token, error) {
	if !lp.more() {
		return token{}, lp.errAt(lp.endCol, "missing %s (want %s)", what, lp.usage)
	}
	t := lp.toks[lp.pos]
	lp.pos++
	return t, nil
}

// done returns an error if words are left.
func (lp *lineParser) done() error {
	if lp.more() {
		t := lp.toks[lp.pos]
		hint := ""
		if slices.ContainsFunc(lp.toks[:lp.pos+1], func(u token) bool { return u.afterTab }) {
			hint = `; a tab or carriage return separates words as a space does: quote a key or value that holds one, "a\tb"`
		}
		return lp.errAt(t.col, "unexpected %q (want %s)%s", t.text, lp.usage, hint)
	}
	return nil
}

// word returns the next word if it is one of choices, or an error with a suggestion.
func (lp *lineParser) word(what string, choices ...string) (token, error) {
	t, err := lp.next(what)
	if err != nil {
		return t, err
	}
	for _, c := range choices {
		if t.text == c && !t.quoted {
			return t, nil
		}
	}
	return t, lp.errAt(t.col, "unknown %s %q%s (want %s)", what, t.text,
		Suggestion(t.text, choices), orList(choices))
}

// node parses the next word as a node reference.
func (lp *lineParser) node(what string) (NodeRef, error) {
	t, err := lp.next(what)
	if err != nil {
		return NodeRef{}, err
	}
	return lp.nodeRef(t.text, t.col)
}

// nodeRef parses s, found at col, as a node reference.
func (lp *lineParser) nodeRef(s string, col int) (NodeRef, error) {
	switch {
	case s == "leader":
		return NodeRef{Kind: NodeLeader}, nil
	case s == "follower":
		return NodeRef{Kind: NodeFollower}, nil
	case strings.HasPrefix(s, "@"):
		name := s[1:]
		if !validName(name) {
			return NodeRef{}, lp.errAt(col, "bad name %q (want @ then a letter or _, then letters, digits, _ or -)", s)
		}
		if lp.names != nil && !lp.names[name] {
			return NodeRef{}, lp.errAt(col, "unknown name %q (no \"let %s = ...\" before this line)", s, name)
		}
		return NodeRef{Kind: NodeNamed, Name: name}, nil
	case isDigits(s):
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || (lp.nodes >= 1 && n > lp.nodes) {
			return NodeRef{}, lp.errAt(col, "node %s out of range (want %s)", s, lp.nodeRange())
		}
		return NodeRef{Kind: NodeNumber, N: n}, nil
	}
	return NodeRef{}, lp.errAt(col, "bad node %q (want %s, leader, follower or @NAME)", s, lp.nodeRange())
}

func (lp *lineParser) nodeRange() string {
	if lp.nodes < 1 {
		return "a node number from 1"
	}
	if lp.nodes == 1 {
		return "node 1 (the cluster has 1 node)"
	}
	return fmt.Sprintf("a node number 1..%d", lp.nodes)
}

// link parses FROM TO, which must not be the same node.
func (lp *lineParser) link() error {
	from, err := lp.node("FROM node")
	if err != nil {
		return err
	}
	toCol := lp.endCol
	if lp.more() {
		toCol = lp.toks[lp.pos].col
	}
	to, err := lp.node("TO node")
	if err != nil {
		return err
	}
	if from == to {
		return lp.errAt(toCol, "link from %s to itself (want two different nodes)", from)
	}
	lp.cmd.From, lp.cmd.To = &from, &to
	return nil
}

// duration parses the next word as a Go duration in [min, MaxDuration].
func (lp *lineParser) duration(what string, min time.Duration) (time.Duration, error) {
	t, err := lp.next(what)
	if err != nil {
		return 0, err
	}
	return lp.parseDuration(what, t.text, t.col, min)
}

func (lp *lineParser) parseDuration(what, s string, col int, min time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil && overflows(s) {
		return 0, lp.errAt(col, "%s %s is too long (max %s)", what, s, MaxDuration)
	}
	if err != nil {
		return 0, lp.errAt(col, "bad %s %q (want a duration like 150ms or 2s)", what, s)
	}
	if d < min {
		if min == 0 {
			return 0, lp.errAt(col, "%s %s is negative", what, s)
		}
		return 0, lp.errAt(col, "%s %s must be positive", what, s)
	}
	if d > MaxDuration {
		return 0, lp.errAt(col, "%s %s is too long (max %s)", what, s, MaxDuration)
	}
	return d, nil
}

// isDuration reports whether t is a valid duration word.
func isDuration(t token) bool {
	_, err := time.ParseDuration(t.text)
	return err == nil
}

// uint parses the next word as a decimal unsigned integer.
func (lp *lineParser) uint(what string) (uint64, error) { return lp.uintFrom(what, 0) }

// uintFrom is uint for a number that starts at lo: a word that is no
// number is told so ("want a whole number >= 1" for an index, which 0 is
// not). The caller refuses a value below lo, saying why.
func (lp *lineParser) uintFrom(what string, lo uint64) (uint64, error) {
	t, err := lp.next(what)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(t.text, 10, 64)
	if errors.Is(err, strconv.ErrRange) && isDigits(t.text) {
		return 0, lp.errAt(t.col, "%s %s is too large (want a whole number up to %d)", what, t.text, uint64(math.MaxUint64))
	}
	if err != nil || !isDigits(t.text) {
		return 0, lp.errAt(t.col, "bad %s %q (want a whole number >= %d)", what, t.text, lo)
	}
	return v, nil
}

// cmp parses the next word as a comparison among allowed.
func (lp *lineParser) cmp(allowed ...Cmp) (Cmp, error) {
	t, err := lp.next("comparison")
	if err != nil {
		return "", err
	}
	names := make([]string, len(allowed))
	for i, c := range allowed {
		if t.text == string(c) && !t.quoted {
			return c, nil
		}
		names[i] = string(c)
	}
	return "", lp.errAt(t.col, "unknown comparison %q (want %s)", t.text, strings.Join(names, ", "))
}

var allCmps = []Cmp{Eq, Ne, Ge, Le, Gt, Lt}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validName reports whether s is a name for `let`: a letter or '_', then
// letters, digits, '_' or '-', at most 64 bytes.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || !(c == '-' || (c >= '0' && c <= '9'))) {
			return false
		}
	}
	return true
}

// orList returns "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// durationWords is what time.ParseDuration reads: numbers with units.
var durationWords = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

// overflows reports whether s, which time.ParseDuration refused, is a
// duration written right that is too long for it (over 2562047h).
func overflows(s string) bool {
	return durationWords.MatchString(s) && strings.ContainsAny(s, "0123456789")
}
