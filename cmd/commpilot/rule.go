package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/skills/moderation"
	"github.com/commpilot/commpilot/storage"
)

// ruleFlags collects repeated -rule values.
type ruleFlags []string

func (r *ruleFlags) String() string     { return strings.Join(*r, "; ") }
func (r *ruleFlags) Set(v string) error { *r = append(*r, v); return nil }

// runRule is "commpilot rule test": what the moderation rules would do with
// messages, offline, exactly as /cm rule test shows it.
func runRule(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprintln(stderr, "usage: commpilot rule test [-rule \"NAME TRIGGER [CONDITIONS] ACTIONS\"]... [-platform discord|slack] TEXT... | -")
		return 2
	}
	fs := flag.NewFlagSet("rule test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rules ruleFlags
	fs.Var(&rules, "rule", `a rule as typed after /cm rule add, e.g. "no-invites invites delete,warn" (repeatable); without it the rules stored in COMMPILOT_DB`)
	platform := fs.String("platform", "discord", "the platform the rules are for")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	p := bot.PlatformID(*platform)
	if !p.Valid() {
		fmt.Fprintf(stderr, "commpilot rule test: -platform %q: want discord or slack\n", *platform)
		return 2
	}
	stored, err := ruleSources(ctx, p, rules)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot rule test: %v\n", err)
		return 1
	}
	set, err := moderation.Compile(stored)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot rule test: %v\n", err)
		return 1
	}
	texts := fs.Args()
	if len(texts) == 1 && texts[0] == "-" {
		texts = nil
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				texts = append(texts, line)
			}
		}
		if err := sc.Err(); err != nil {
			fmt.Fprintf(stderr, "commpilot rule test: read stdin: %v\n", err)
			return 1
		}
	} else if len(texts) > 0 {
		texts = []string{strings.Join(texts, " ")}
	}
	if len(texts) == 0 {
		fmt.Fprintln(stderr, "commpilot rule test: no message to test: give it as arguments, or - to read one per line")
		return 2
	}
	catalog := bot.NewCatalog(moderation.Messages())
	t := func(k string, a ...any) string { return catalog.T(bot.English, k, a...) }
	for i, text := range texts {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		in := moderation.Input{Author: bot.UserRef{Platform: p, ID: "cli"}, Time: time.Now(), Norm: moderation.Normalize(text)}
		fmt.Fprintln(stdout, moderation.TestReport(t, set, &in))
	}
	return 0
}

// ruleSources parses the -rule flags, or reads the rules stored in the
// database when there are none.
func ruleSources(ctx context.Context, p bot.PlatformID, rules []string) ([]bot.ModRule, error) {
	if len(rules) > 0 {
		var out []bot.ModRule
		catalog := bot.NewCatalog(moderation.Messages())
		for _, r := range rules {
			name, src, _ := strings.Cut(strings.TrimSpace(r), " ")
			parsed, err := moderation.ParseRule(p, name, src)
			if err != nil {
				var be *bot.Error
				if errors.As(err, &be) {
					return nil, fmt.Errorf("-rule %q: %s", r, catalog.T(bot.English, be.Key, be.Args...))
				}
				return nil, err
			}
			out = append(out, parsed)
		}
		return out, nil
	}
	path := envOr("COMMPILOT_DB", DefaultDBPath)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no -rule given and no database at %s (COMMPILOT_DB): %w", path, err)
	}
	db, err := storage.Open(ctx, path, storage.Options{Timeout: 500 * time.Millisecond})
	if errors.Is(err, storage.ErrInUse) {
		return nil, fmt.Errorf("%s is in use by the running bot: use /cm rule test there, or give the rules with -rule", path)
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return storage.NewModeration(db).Rules(ctx)
}
