package main

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the import path of this module.
const module = "github.com/commpilot/commpilot"

// pureLibraries are the modules outside the standard library that the core
// and the skills may import: libraries that do no I/O (text, encodings,
// cron expressions).
// Add one here deliberately; anything else is an SDK (chat, LLM, database,
// metrics) and belongs behind a bot interface, in an adapter, storage or
// cmd/commpilot.
var pureLibraries = []string{
	"golang.org/x/text",
	"github.com/coregx/ahocorasick", // moderation's word automaton
	"github.com/wcharczuk/go-chart", // the digest's chart, drawn in memory
	"github.com/golang/freetype",    // go-chart's font rendering
	"github.com/adhocore/gronx",     // schedule's cron expressions
}

// external reports whether path is neither the standard library, nor this
// module, nor a pure library.
func external(path string) bool {
	return !isStd(path) && !within(path, module) &&
		!slices.ContainsFunc(pureLibraries, func(l string) bool { return within(path, l) })
}

// adapters are the packages that speak to a platform's SDK.
var adapters = []string{module + "/bot/discord", module + "/bot/slack", module + "/bot/web", module + "/bot/llm"}

// packageImports reads the non-test imports of every package of the module
// (go/build applies the build constraints), keyed by import path.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		p, err := build.Default.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		pkgs[strings.TrimSuffix(module+"/"+filepath.ToSlash(rel), "/.")] = p.Imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs[module+"/bot"]) == 0 || len(pkgs[module+"/skills/inbox"]) == 0 {
		t.Fatalf("found no imports for bot or skills/inbox among %d packages", len(pkgs))
	}
	return pkgs
}

// isStd reports whether path is in the standard library (no dot in its
// first element).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func within(path, pkg string) bool { return path == pkg || strings.HasPrefix(path, pkg+"/") }

// TestCoreDependsOnNoSDK keeps the core small: bot, and everything it
// imports, uses only the standard library, pure libraries and the module's
// own core packages, never a chat, LLM, database or metrics SDK, an adapter,
// storage or a skill.
func TestCoreDependsOnNoSDK(t *testing.T) {
	pkgs := packageImports(t)
	seen := map[string]string{} // package → the package that imported it
	queue := []string{module + "/bot"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range pkgs[p] {
			if _, ok := seen[imp]; ok || isStd(imp) {
				continue
			}
			seen[imp] = p
			switch {
			case external(imp):
				t.Errorf("bot depends on %s (imported by %s): the core imports no SDK", imp, p)
			case !within(imp, module):
				// A pure library: allowed, and not this module's to check.
			case within(imp, module+"/storage") || within(imp, module+"/skills") || within(imp, module+"/cmd") ||
				slices.ContainsFunc(adapters, func(a string) bool { return within(imp, a) }):
				t.Errorf("bot depends on %s (imported by %s): dependencies point inward", imp, p)
			default:
				queue = append(queue, imp)
			}
		}
	}
}

// TestSkillsImportOnlyTheCore keeps skills apart: a skill imports bot and
// the standard library, never storage, an adapter, an SDK or another skill;
// what it needs from them comes through a bot interface.
func TestSkillsImportOnlyTheCore(t *testing.T) {
	pkgs := packageImports(t)
	for p, imps := range pkgs {
		if !within(p, module+"/skills") {
			continue
		}
		skill := strings.Join(strings.SplitN(strings.TrimPrefix(p, module+"/"), "/", 3)[:2], "/")
		for _, imp := range imps {
			var why string
			switch {
			case within(imp, module+"/storage"):
				why = "storage"
			case slices.ContainsFunc(adapters, func(a string) bool { return within(imp, a) }):
				why = "an adapter"
			case external(imp):
				why = "an SDK"
			case within(imp, module+"/skills") && !within(imp, module+"/"+skill):
				why = "another skill"
			case within(imp, module+"/cmd"):
				why = "the wiring"
			default:
				continue
			}
			t.Errorf("%s imports %s, %s: skills import bot and go through its interfaces", p, imp, why)
		}
	}
}
