package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"raftplay/cluster"
)

// A node's record in a status frame is either whole, or, after the
// node's first record, its differences from the node's record before
// (marked "~":1): the fields that changed, and null for a field that is
// no longer there. Its recent entries ("recent") come with every record
// that has any: whole, or ("recent_keep": K) the last K entries of the
// record before followed by the new ones. At least every fullEvery-th
// record of a node is whole, so a reader that seeks decodes few.

// fullEvery bounds the records of a node in a row written as differences.
const fullEvery = 32

// diffKey marks a record of differences.
const diffKey = "~"

// nodeEnc is what writing a node's next record needs of its last one.
type nodeEnc struct {
	seen   bool
	core   []byte            // the last record's fields, as JSON, without the recent entries
	fields map[string][]byte // the same, by field (raw keys, with their quotes)
	recent []cluster.EntryInfo
	diffs  int // records in a row written as differences
}

// encode returns n's record, nil when n is as last written.
func (e *nodeEnc) encode(n cluster.NodeStatus) ([]byte, error) {
	core, err := json.Marshal(newNodeRec(n))
	if err != nil {
		return nil, err
	}
	if e.seen && bytes.Equal(core, e.core) && slices.Equal(n.Recent, e.recent) && (n.Recent == nil) == (e.recent == nil) {
		return nil, nil
	}
	fields, err := topFields(core)
	if err != nil {
		return nil, err
	}
	diff := e.seen && e.diffs < fullEvery
	body := core
	if diff {
		body = append(make([]byte, 0, 256), `{"`+diffKey+`":1`...)
		for k, v := range fields {
			if old, ok := e.fields[k]; !ok || !bytes.Equal(old, v) {
				body = append(append(append(append(body, ','), k...), ':'), v...)
			}
		}
		for k := range e.fields {
			if _, ok := fields[k]; !ok {
				body = append(append(append(body, ','), k...), ":null"...)
			}
		}
		body = append(body, '}')
		e.diffs++
	} else {
		e.diffs = 0
	}
	out, err := appendRecent(body, n.Recent, e.recent, diff)
	if err != nil {
		return nil, err
	}
	e.seen, e.core, e.fields, e.recent = true, core, fields, n.Recent
	return out, nil
}

// topFields splits a JSON object, as encoding/json writes it (compact,
// valid), into its fields: each key as written (quoted) and its value.
func topFields(obj []byte) (map[string][]byte, error) {
	bad := errors.New("record: not a compact JSON object")
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return nil, bad
	}
	fields := map[string][]byte{}
	i := 1
	for i < len(obj)-1 {
		k, err := skipValue(obj, i) // the key is a string
		if err != nil || obj[i] != '"' || k >= len(obj) || obj[k] != ':' {
			return nil, bad
		}
		v, err := skipValue(obj, k+1)
		if err != nil {
			return nil, bad
		}
		fields[string(obj[i:k])] = obj[k+1 : v]
		i = v
		if obj[i] == ',' {
			i++
		}
	}
	return fields, nil
}

// skipValue returns the index just past the JSON value that starts at i.
func skipValue(b []byte, i int) (int, error) {
	depth, inString := 0, false
	for j := i; j < len(b); j++ {
		c := b[j]
		switch {
		case inString:
			if c == '\\' {
				j++
			} else if c == '"' {
				inString = false
				if depth == 0 {
					return j + 1, nil
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return j, nil // the end of the enclosing object
			}
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		case c == ',' && depth == 0:
			return j, nil
		case c == ':' && depth == 0:
			return j, nil
		}
	}
	return 0, errors.New("record: JSON value without an end")
}

// appendRecent adds the recent entries to the JSON object body: all of
// them, or, with diff, those after the last entries of prev it keeps.
func appendRecent(body []byte, recent, prev []cluster.EntryInfo, diff bool) ([]byte, error) {
	if recent == nil {
		return body, nil
	}
	keep := 0
	if diff && len(recent) > 0 {
		for p, e := range prev {
			if e.Index == recent[0].Index {
				if k := len(prev) - p; k <= len(recent) && slices.Equal(prev[p:], recent[:k]) {
					keep = k
				}
				break
			}
		}
	}
	entries := make([]entryRec, len(recent)-keep)
	for i, e := range recent[keep:] {
		entries[i] = entryRec(e)
	}
	tail, err := json.Marshal(struct {
		Recent []entryRec `json:"recent"`
		Keep   int        `json:"recent_keep,omitempty"`
	}{entries, keep})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(tail))
	if len(body) > 2 {
		out = append(append(out, body[:len(body)-1]...), ',')
	} else {
		out = append(out, '{')
	}
	return append(out, tail[1:]...), nil
}

// decodedNode is a node's record decoded: its status, and its fields
// (merged with the records before it), for the record after.
type decodedNode struct {
	ns     cluster.NodeStatus
	fields map[string]json.RawMessage
	err    error
}

// node decodes record j of node id, and the records before it that it
// needs (at most fullEvery of them in a file this package wrote). The
// caller holds rec.mu.
func (rec *Recording) node(id uint64, j, depth int) decodedNode {
	key := nodeKey{id, j}
	if d, ok := rec.decoded[key]; ok {
		return d
	}
	d := rec.decodeNode(id, j, depth)
	rec.decoded[key] = d
	return d
}

func (rec *Recording) decodeNode(id uint64, j, depth int) (d decodedNode) {
	var fields map[string]json.RawMessage
	if d.err = json.Unmarshal(rec.nodes[id][j].raw, &fields); d.err != nil {
		return d
	}
	if fields == nil {
		d.err = errors.New("a node's record is null")
		return d
	}
	_, diff := fields[diffKey]
	var keep int
	if k, ok := fields["recent_keep"]; ok {
		if d.err = json.Unmarshal(k, &keep); d.err != nil {
			return d
		}
	}
	var before decodedNode
	if diff || keep != 0 {
		if j == 0 || depth > 2*fullEvery {
			d.err = fmt.Errorf("a record of differences without the record before")
			return d
		}
		if before = rec.node(id, j-1, depth+1); before.err != nil {
			d.err = before.err
			return d
		}
	}
	if diff {
		merged := make(map[string]json.RawMessage, len(before.fields)+len(fields))
		for k, v := range before.fields {
			merged[k] = v
		}
		for k, v := range fields {
			if string(v) == "null" {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		fields = merged
	}
	delete(fields, diffKey)
	all, err := json.Marshal(fields)
	if err != nil {
		d.err = err
		return d
	}
	delete(fields, "recent")
	delete(fields, "recent_keep")
	d.fields = fields
	var nr nodeRec
	if d.err = json.Unmarshal(all, &nr); d.err == nil {
		d.ns, d.err = nr.status(before.ns.Recent)
	}
	return d
}

// nodeRoles are the roles a node's status may hold ("" before it has
// one).
var nodeRoles = []string{"", "follower", "pre-candidate", "candidate", "leader", "down"}

// nodeStates are the states a node's status may hold.
var nodeStates = []cluster.NodeState{"", cluster.StateUp, cluster.StatePaused, cluster.StateCrashed, cluster.StateFailed, cluster.StateRemoved}

// checkNodeRec checks a node's record (whole, or its differences from the
// record before) as it is read: every field it holds of its type (no
// negative term or index, no text for a number), its role and state ones
// that exist, its log lane's runs decodable. What it does not hold is
// checked in the record that does.
func checkNodeRec(raw []byte) error {
	var r nodeRec
	if err := json.Unmarshal(raw, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("%q is %s, not a %v", jsonPath(te.Field), te.Value, te.Type)
		}
		return err
	}
	if r.NodeStatus.ID == 0 && r.Role == "" && r.State == "" && bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return errors.New("a node's record is null")
	}
	for _, role := range []string{r.Role, r.WasRole} {
		if !slices.Contains(nodeRoles, role) {
			return fmt.Errorf("role %q is not a role (follower, pre-candidate, candidate, leader or down)", role)
		}
	}
	if !slices.Contains(nodeStates, r.State) {
		return fmt.Errorf("state %q is not a state (up, paused, crashed, failed or removed)", r.State)
	}
	if _, err := decodeRuns(r.LogTerms); err != nil {
		return err
	}
	return nil
}

// jsonPath returns the path of a field as json.UnmarshalTypeError gives it
// without the Go names of embedded structs: "commit", not
// "NodeStatus.commit" (this package's JSON names are lower case).
func jsonPath(field string) string {
	var keep []string
	for _, part := range strings.Split(field, ".") {
		if part != "" && !unicode.IsUpper([]rune(part)[0]) {
			keep = append(keep, part)
		}
	}
	if len(keep) == 0 {
		return field
	}
	return strings.Join(keep, ".")
}
