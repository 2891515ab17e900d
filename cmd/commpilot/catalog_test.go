package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/slack"
	"github.com/commpilot/commpilot/bot/web"
	"github.com/commpilot/commpilot/skills/digest"
	"github.com/commpilot/commpilot/skills/history"
	"github.com/commpilot/commpilot/skills/inbox"
	"github.com/commpilot/commpilot/skills/moderation"
	"github.com/commpilot/commpilot/skills/schedule"
	"github.com/commpilot/commpilot/skills/setup"
)

// fullCatalog holds every package's words, as the binary and the playground
// load them.
func fullCatalog() *bot.Catalog {
	return bot.NewCatalog(slack.Messages(), discord.Messages(), web.Messages, inbox.Messages(), setup.Messages(),
		moderation.Messages(), schedule.Messages(), digest.Messages(), history.Messages())
}

// keyFamilies enumerates the catalogue keys the code builds by
// concatenation ("kind."+string(k)): the prefix as written in the code, and
// every value the suffix can take. A new family in the code fails
// TestEveryCatalogKeyExists until it is listed here.
func keyFamilies() map[string][]string {
	var kinds, states, urgencies []string
	for _, k := range bot.Kinds() {
		kinds = append(kinds, string(k))
	}
	for _, s := range []bot.ItemState{bot.ItemNew, bot.ItemDrafted, bot.ItemPending, bot.ItemSending, bot.ItemSent,
		bot.ItemRejected, bot.ItemClosed, bot.ItemUnknown} {
		states = append(states, string(s))
	}
	for _, u := range []bot.Urgency{bot.UrgencyLow, bot.UrgencyNormal, bot.UrgencyHigh, bot.UrgencyCritical} {
		urgencies = append(urgencies, string(u))
	}
	var occurrences, approvals []string
	for _, o := range []bot.OccurrenceState{bot.OccScheduled, bot.OccSending, bot.OccSent, bot.OccFailed, bot.OccUnknown,
		bot.OccMissed, bot.OccSkipped, bot.OccUnapproved} {
		occurrences = append(occurrences, string(o))
	}
	for _, a := range []bot.ApprovalState{bot.ApprovalNone, bot.ApprovalPending, bot.ApprovalApproved, bot.ApprovalRejected} {
		approvals = append(approvals, string(a))
	}
	var langs, weekdays, months []string
	for _, l := range bot.Langs() {
		langs = append(langs, string(l))
	}
	for d := range 7 {
		weekdays = append(weekdays, strconv.Itoa(d))
	}
	for m := 1; m <= 12; m++ {
		months = append(months, strconv.Itoa(m))
	}
	return map[string][]string{
		"kind.":              kinds,
		"state.":             states,
		"urgency.":           urgencies,
		"inbox.flag.":        inbox.FlagNames(),
		"inbox.lang.":        langs,
		"digest.kind.":       kinds,
		"digest.urgency.":    urgencies,
		"digest.sens.":       {"low", "normal", "high"},
		"digest.weekday.":    weekdays,
		"digest.month.":      months,
		"schedule.occ.":      occurrences,
		"schedule.approval.": approvals,
		"mod.verb.":          {"warn", "timeout", "kick", "ban", "unban"},
	}
}

// keyUse is one place the code names a catalogue key.
type keyUse struct {
	key string
	at  string // file:line
}

// TestEveryCatalogKeyExists parses every non-test Go file under bot/ and
// skills/ and checks that each catalogue key the code can use exists in
// English, French and Dutch: string literals passed where a function takes
// a key (a parameter named key, k, or ending in Key: Catalog.T, bot.Errorf,
// bot.Invalid, NotFoundAs, SettingsEditor.Change, the skills' helpers),
// bot.Key("…") and bot.Error{Key: "…"}, the local t("…") closures, the
// families built by concatenation (keyFamilies) and the help line of every
// command route. It also fails for a key defined in one language and not
// another.
func TestEveryCatalogKeyExists(t *testing.T) {
	cat := fullCatalog()
	if m := cat.Missing(); len(m) > 0 {
		t.Errorf("keys missing in some language: %v", m)
	}
	uses, families, routes := scanKeys(t, filepath.Join("..", "..", "bot"), filepath.Join("..", "..", "skills"))
	if len(uses) < 300 || len(routes) < 20 {
		t.Fatalf("found only %d key uses and %d routes: the scan is broken", len(uses), len(routes))
	}
	known := keyFamilies()
	for prefix, at := range families {
		values, ok := known[prefix]
		if !ok {
			t.Errorf("%s: keys built as %q+…: list the values in keyFamilies", at, prefix)
			continue
		}
		for _, v := range values {
			uses = append(uses, keyUse{prefix + v, at})
		}
	}
	for route, at := range routes {
		uses = append(uses, keyUse{setup.HelpKey(route), at})
	}
	for _, u := range uses {
		for _, l := range bot.Langs() {
			if !cat.Has(l, u.key) {
				t.Errorf("%s: key %q is missing in %s", u.at, u.key, l)
			}
		}
	}
}

// scanKeys walks the Go files under roots (tests, test helpers and testdata
// left out) and returns the literal keys they use, the concatenation
// prefixes used where a key is expected, and the command routes.
func scanKeys(t *testing.T, roots ...string) (uses []keyUse, families map[string]string, routes map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); n == "testdata" || (strings.HasSuffix(n, "test") && p != root) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			files = append(files, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Which argument positions of which function names take a key.
	keyArgs := map[string][]int{"t": {0}, "Key": {0}}
	isKeyParam := func(name string) bool { return name == "key" || name == "k" || strings.HasSuffix(name, "Key") }
	addParams := func(name string, ft *ast.FuncType) {
		i := 0
		for _, f := range ft.Params.List {
			n := max(len(f.Names), 1)
			if id, ok := f.Type.(*ast.Ident); ok && id.Name == "string" {
				for j, nm := range f.Names {
					if isKeyParam(nm.Name) && !slices.Contains(keyArgs[name], i+j) {
						keyArgs[name] = append(keyArgs[name], i+j)
					}
				}
			}
			i += n
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				addParams(n.Name.Name, n.Type)
			case *ast.AssignStmt:
				for i, r := range n.Rhs {
					if fl, ok := r.(*ast.FuncLit); ok && i < len(n.Lhs) {
						if id, ok := n.Lhs[i].(*ast.Ident); ok {
							addParams(id.Name, fl.Type)
						}
					}
				}
			}
			return true
		})
	}
	families, routes = map[string]string{}, map[string]string{}
	for _, f := range files {
		pos := func(n ast.Node) string {
			p := fset.Position(n.Pos())
			return filepath.ToSlash(p.Filename) + ":" + strconv.Itoa(p.Line)
		}
		keyExpr := func(e ast.Expr) {
			switch e := e.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(e.Value); err == nil && e.Kind == token.STRING {
					uses = append(uses, keyUse{s, pos(e)})
				}
			case *ast.BinaryExpr:
				if lit, ok := e.X.(*ast.BasicLit); ok && e.Op == token.ADD && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						families[s] = pos(e)
					}
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var name string
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				for _, i := range keyArgs[name] {
					if i < len(n.Args) {
						keyExpr(n.Args[i])
					}
				}
			case *ast.KeyValueExpr:
				id, ok := n.Key.(*ast.Ident)
				if !ok {
					return true
				}
				if isKeyParam(id.Name) || id.Name == "Key" && isErrorLit(n) {
					keyExpr(n.Value)
				}
				if id.Name == "Route" {
					if lit, ok := n.Value.(*ast.BasicLit); ok {
						if s, err := strconv.Unquote(lit.Value); err == nil {
							routes[s] = pos(lit)
						}
					}
				}
			}
			return true
		})
	}
	return uses, families, routes
}

// isErrorLit reports whether kv's value is a string literal: a Key field set
// to a literal names a catalogue key (bot.Error{Key: "…"}); timer records
// build theirs with functions.
func isErrorLit(kv *ast.KeyValueExpr) bool {
	lit, ok := kv.Value.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING
}
