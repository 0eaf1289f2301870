package commands

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError is a command line that does not parse. Line and Col (1-based,
// counted in runes) point at the offending word, or just past the end of the
// line when a word is missing.
type ParseError struct {
	Line, Col int
	Msg       string
}

// Error returns "line L: column C: MSG", a long quoted word in MSG cut short.
func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d: column %d: %s", e.Line, e.Col, cutQuoted(e.Msg))
}

// quotedWord is a word an error message quotes (as %q writes it),
// or any other run of characters without a space.
var quotedWord = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|[^\s"]+`)

// quotedMax is the longest quoted word an error message shows whole; a
// longer one keeps its first quotedKeep bytes and says how long it was (a
// 20 MB word once came back whole in its error).
const (
	quotedMax  = 100
	quotedKeep = 60
)

// cutQuoted cuts the quoted words of msg longer than quotedMax.
func cutQuoted(msg string) string {
	if len(msg) <= quotedMax {
		return msg
	}
	return quotedWord.ReplaceAllStringFunc(msg, func(q string) string {
		if len(q) <= quotedMax {
			return q
		}
		keep := q[:quotedKeep]
		for len(keep) > 0 && !utf8.ValidString(keep) { // not inside a rune
			keep = keep[:len(keep)-1]
		}
		if i := strings.LastIndexByte(keep, '\\'); i >= 0 && i > len(keep)-10 { // nor an escape
			keep = keep[:i]
		}
		if q[0] != '"' {
			return fmt.Sprintf("%s… (%d bytes)", keep, len(q))
		}
		return fmt.Sprintf("%s…\" (%d bytes)", keep, len(q)-2)
	})
}

// token is one word of a command line.
type token struct {
	text   string // the word, with quotes removed and escapes applied
	col    int    // 1-based rune column of its first character
	quoted bool   // written in double quotes
	// afterTab: a tab or a carriage return came before it (not a
	// space), which a parse error then points out: one typed or pasted
	// inside a key splits it in two words.
	afterTab bool
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' }

// lexed is a command line split into words.
type lexed struct {
	toks   []token
	end    int // byte offset where the comment starts, or len(line)
	endCol int // rune column just past the last non-space character before end
	// glued is the rune column of a '#' that began the comment right
	// after a word, with no space between (get a#b reads key a), or 0.
	glued int
}

// lex splits line into words. Words are separated by spaces and tabs; a word
// starting with a double quote runs to the matching unescaped quote and is
// unquoted with Go rules (strconv.Unquote); '#' outside quotes starts a comment.
func lex(line string, lineNo int) (lexed, error) {
	var lx lexed
	errAt := func(col int, format string, args ...any) error {
		return &ParseError{Line: lineNo, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	i, col := 0, 1
	lx.endCol = 1
	tab := false // since the last word
	for i < len(line) {
		r, w := utf8.DecodeRuneInString(line[i:])
		switch {
		case isSpace(r):
			tab = tab || r != ' '
			i += w
			col++
		case r == '#':
			lx.end = i
			if i > 0 && !isSpace(rune(line[i-1])) {
				lx.glued = col
			}
			return lx, nil
		case r == '"':
			start, startCol := i, col
			i++
			col++
			closed := false
			for i < len(line) && !closed {
				r, w := utf8.DecodeRuneInString(line[i:])
				i += w
				col++
				if r == '\\' && i < len(line) {
					_, w = utf8.DecodeRuneInString(line[i:])
					i += w
					col++
				}
				closed = r == '"'
			}
			if !closed {
				return lx, errAt(startCol, "unterminated quoted string")
			}
			s, err := strconv.Unquote(line[start:i])
			if err != nil {
				return lx, errAt(startCol, "bad quoted string %s (want Go escapes like \\\" or \\n)", line[start:i])
			}
			if i < len(line) {
				if r, _ := utf8.DecodeRuneInString(line[i:]); !isSpace(r) && r != '#' {
					return lx, errAt(col, "want a space after a closing quote")
				}
			}
			lx.toks = append(lx.toks, token{text: s, col: startCol, quoted: true, afterTab: tab})
			lx.endCol, tab = col, false
		default:
			start, startCol := i, col
			for i < len(line) {
				r, w := utf8.DecodeRuneInString(line[i:])
				if isSpace(r) || r == '#' {
					break
				}
				if r == '"' {
					return lx, errAt(col, "unexpected '\"' inside a word (quote the whole word)")
				}
				i += w
				col++
			}
			lx.toks = append(lx.toks, token{text: line[start:i], col: startCol, afterTab: tab})
			lx.endCol, tab = col, false
		}
	}
	lx.end = len(line)
	return lx, nil
}
