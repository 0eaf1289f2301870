package lessons

import (
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	l, err := parse("04-leader-crash.txt", "# title: A leader crash\n#about:  Silence, then an election.  \n# flags: --nodes 3  --prevote\n# other: ignored\n\n# title: not the header any more\nwait leader\n")
	if err != nil {
		t.Fatal(err)
	}
	if l.Number != 4 || l.Name != "leader-crash" || l.Title != "A leader crash" || l.About != "Silence, then an election." ||
		strings.Join(l.Flags, " ") != "--nodes 3 --prevote" || l.ID() != "lesson 4 (leader-crash)" {
		t.Errorf("parsed %+v", l)
	}
	for file, src := range map[string]string{
		"leader-crash.txt":  "# title: t\n# about: a\n",
		"x-leader.txt":      "# title: t\n# about: a\n",
		"0-zero.txt":        "# title: t\n# about: a\n",
		"05-.txt":           "# title: t\n# about: a\n",
		"05-no-title.txt":   "# about: a\n",
		"05-late-title.txt": "wait leader\n# title: t\n# about: a\n",
	} {
		if _, err := parse(file, src); err == nil {
			t.Errorf("parse(%s) accepted %q", file, src)
		}
	}
}

func TestAllAndFind(t *testing.T) {
	all, err := All()
	if err != nil || len(all) == 0 {
		t.Fatalf("All: %d lessons, %v", len(all), err)
	}
	for i, l := range all {
		if i > 0 && l.Number <= all[i-1].Number {
			t.Errorf("lessons out of order: %d after %d", l.Number, all[i-1].Number)
		}
		if f, ok := Find(l.Name); !ok || f.Number != l.Number {
			t.Errorf("Find(%q) = %d, %v", l.Name, f.Number, ok)
		}
	}
}
