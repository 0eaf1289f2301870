package commands

import (
	"fmt"
	"strings"
	"time"

	"raftplay/cluster"
)

// RangeError is an election timeout range that does not parse. Offset is
// the byte offset, in the text given to ParseElectionRange, of the part at
// fault (0 for the whole range or its minimum), so that a command line can
// point at the right column.
type RangeError struct {
	Offset int
	Msg    string
}

func (e *RangeError) Error() string { return e.Msg }

// ParseElectionRange parses an election timeout range written MIN-MAX, two
// Go durations such as 150ms-300ms. The one rule, for `set election` and
// for the --election flag alike: cluster.MinElection <= MIN <= MAX <= MaxDuration. Equal bounds
// are allowed: the Raft paper's Figure 16 measures 150-150ms, elections with
// no randomness. Its errors are *RangeError.
func ParseElectionRange(s string) (min, max time.Duration, err error) {
	i := strings.Index(s, "-")
	if i <= 0 || i == len(s)-1 {
		return 0, 0, &RangeError{0, fmt.Sprintf("bad range %q (want MIN-MAX, like 150ms-300ms)", s)}
	}
	if min, err = rangeBound("minimum", s[:i], 0); err != nil {
		return 0, 0, err
	}
	if max, err = rangeBound("maximum", s[i+1:], i+1); err != nil {
		return 0, 0, err
	}
	if min > max {
		return 0, 0, &RangeError{0, fmt.Sprintf("bad range %q: MIN must not be more than MAX (like 150ms-300ms, or 150ms-150ms for no randomness)", s)}
	}
	return min, max, nil
}

// rangeBound parses one bound of an election range, found at offset off.
func rangeBound(what, s string, off int) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil && overflows(s):
		return 0, &RangeError{off, fmt.Sprintf("%s %s is too long (max %s)", what, s, MaxDuration)}
	case err != nil:
		return 0, &RangeError{off, fmt.Sprintf("bad %s %q (want a duration like 150ms or 2s)", what, s)}
	case d <= 0:
		return 0, &RangeError{off, fmt.Sprintf("%s %s must be positive", what, s)}
	case d > MaxDuration:
		return 0, &RangeError{off, fmt.Sprintf("%s %s is too long (max %s)", what, s, MaxDuration)}
	case d < cluster.MinElection:
		return 0, &RangeError{off, cluster.TooShort(what, d, cluster.MinElection)}
	}
	return d, nil
}
