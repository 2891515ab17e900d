package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

func TestPatternBuildsTheIdsItMatches(t *testing.T) {
	p := bot.NewPattern("inbox/approve/{id}/{v}")
	id := p.ID(uint64(42), 3)
	if id != "inbox/approve/42/3" {
		t.Fatalf("ID = %q", id)
	}
	vars, ok := p.Match(id)
	if !ok || len(vars) != 2 || vars[0] != (bot.Param{Name: "id", Value: "42"}) || vars[1] != (bot.Param{Name: "v", Value: "3"}) {
		t.Errorf("Match(%q) = %v, %v", id, vars, ok)
	}
	for _, other := range []string{"inbox/approve/42", "inbox/approve//3", "inbox/reject/42/3", "inbox/approve/42/3/x", ""} {
		if _, ok := p.Match(other); ok {
			t.Errorf("%q matched %s", other, p)
		}
	}
}

func TestPatternRefusesIdsThatCouldNotRouteBack(t *testing.T) {
	p := bot.NewPattern("x/{id}")
	for name, args := range map[string][]any{
		"too few":   {},
		"too many":  {1, 2},
		"empty":     {""},
		"slash":     {"a/b"},
		"too long":  {strings.Repeat("9", bot.MaxButtonID)},
		"too long2": {strings.Repeat("9", bot.MaxButtonID-1)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: ID(%v) did not panic", name, args)
				}
			}()
			p.ID(args...)
		}()
	}
	if got := p.ID(strings.Repeat("9", bot.MaxButtonID-2)); len(got) != bot.MaxButtonID {
		t.Errorf("an id of exactly %d bytes: %d", bot.MaxButtonID, len(got))
	}
	for _, bad := range []string{"", "a//b", "a/{}", "a/{x}/{x}", "a/b{c}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewPattern(%q) did not panic", bad)
				}
			}()
			bot.NewPattern(bad)
		}()
	}
}

// TestStaffGroupRefusesMembersBeforeTheHandler checks that a scope declared
// once on a group reaches every route of it, commands, actions and
// autocomplete alike, and leaves the Router's own routes open.
func TestStaffGroupRefusesMembersBeforeTheHandler(t *testing.T) {
	ran := map[string]int{}
	h := func(name string) bot.Handler {
		return bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { ran[name]++; return bot.Text(name), nil })
	}
	approve := bot.NewPattern("t/approve/{id}")
	skill := skillFunc(func(r *bot.Router) {
		staff := r.Group(bot.StaffOnly)
		staff.Command(bot.Command{Route: "t close", Handler: h("close"),
			Options: []bot.Option{{Name: "id", Type: bot.OptInt, Autocomplete: "ids"}}})
		staff.Action(approve, h("approve"))
		r.Command(bot.Command{Route: "t list", Handler: h("list")})
		r.Completer("ids", func(context.Context, bot.Event, string) ([]bot.Choice, error) {
			ran["complete"]++
			return []bot.Choice{{Name: "1", Value: "1"}}, nil
		})
	})
	env := bottest.MustEngine(t, nil, nil, skill)
	for _, u := range []bot.UserRef{bottest.Member, bottest.Staff} {
		env.Command(t, u, "t close 1")
		env.Command(t, u, "t list")
		env.Send(t, bot.Event{Kind: bot.EventAction, Action: approve.ID(7), User: u})
		env.Send(t, bot.Event{Kind: bot.EventAutocomplete, Command: "t close", Focus: "id", User: u})
	}
	if want := map[string]int{"close": 1, "approve": 1, "complete": 1, "list": 2}; len(ran) != len(want) ||
		ran["close"] != 1 || ran["approve"] != 1 || ran["complete"] != 1 || ran["list"] != 2 {
		t.Errorf("handlers ran %v, want %v (members refused on staff routes only)", ran, want)
	}
	for _, c := range env.Router.Commands() {
		if want := map[string]bot.Scope{"t close": bot.StaffOnly, "t list": bot.Everyone}[c.Route]; c.Scope() != want {
			t.Errorf("%s: scope %v, want %v", c.Route, c.Scope(), want)
		}
	}
}
