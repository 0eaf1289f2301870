package raft

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbiddenImports would break the core's determinism or purity. time is
// not used at all: the core counts ticks, so no type from it is needed.
var forbiddenImports = map[string]string{
	"net":       "the core does no networking",
	"os":        "the core touches no files or process state",
	"time":      "the core has no clock: time enters only as Tick",
	"log":       "the core logs nothing itself: events go to Config.OnEvent",
	"math/rand": "the global source is shared state: use math/rand/v2 seeded from Config.Seed",
	"sync":      "the core is driven by one goroutine",
	"unsafe":    "not needed",
}

// allowedImports are pure standard-library packages the core may use.
var allowedImports = map[string]bool{
	"errors": true, "fmt": true, "math": true, "math/rand/v2": true,
	"slices": true, "encoding/binary": true, "sort": true, "strconv": true, "strings": true,
}

func TestImportsArePure(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if why, bad := forbiddenImports[path]; bad || strings.HasPrefix(path, "net/") || strings.HasPrefix(path, "os/") {
				t.Errorf("%s imports %q: %s", fset.Position(imp.Pos()), path, why)
			} else if !allowedImports[path] {
				t.Errorf("%s imports %q: not on the list of pure packages (add it there only if it is)", fset.Position(imp.Pos()), path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				t.Errorf("%s: go statement: the core starts no goroutines", fset.Position(n.Pos()))
			case *ast.SelectorExpr:
				// rand.X where rand is math/rand/v2 must not be the global
				// source: only rand.New and source constructors are allowed.
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "rand" {
					switch n.Sel.Name {
					case "New", "NewPCG", "Rand":
					default:
						t.Errorf("%s: rand.%s uses the global random source", fset.Position(n.Pos()), n.Sel.Name)
					}
				}
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}
