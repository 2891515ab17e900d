package bot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
)

func echo(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	keys := make([]string, 0, len(e.Options))
	for k, v := range e.Options {
		keys = append(keys, k+"="+v)
	}
	slices.Sort(keys)
	return bot.Text(e.Command + "|" + strings.Join(keys, ",")), nil
}

func testRouter() *bot.Router {
	r := &bot.Router{}
	r.Command(bot.Command{Route: "help", Handler: bot.HandlerFunc(echo)})
	r.Command(bot.Command{Route: "setup watch", Handler: bot.HandlerFunc(echo),
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Required: true}}})
	r.Command(bot.Command{Route: "setup staff", Handler: bot.HandlerFunc(echo),
		Options: []bot.Option{
			{Name: "op", Type: bot.OptChoice, Required: true, Choices: []string{"add", "remove"}},
			{Name: "user", Type: bot.OptUser, Required: true}}})
	r.Command(bot.Command{Route: "setup who", Handler: bot.HandlerFunc(echo),
		Options: []bot.Option{{Name: "who", Type: bot.OptMentionable, Required: true}}})
	r.Command(bot.Command{Route: "inbox list", Default: true, Handler: bot.HandlerFunc(echo)})
	r.Command(bot.Command{Route: "inbox assign", Handler: bot.HandlerFunc(echo),
		Options: []bot.Option{{Name: "id", Type: bot.OptInt, Required: true}, {Name: "user", Type: bot.OptUser, Required: true}}})
	r.Command(bot.Command{Route: "faq add", Handler: bot.HandlerFunc(echo),
		Options: []bot.Option{{Name: "entry", Type: bot.OptText, Required: true}}})
	r.Command(bot.Command{Route: "rule add", Handler: bot.HandlerFunc(echo),
		Options: []bot.Option{{Name: "name", Type: bot.OptWord, Required: true}, {Name: "timeout", Type: bot.OptDuration}}})
	return r
}

// TestRouterBindsSlackText binds command lines as the Slack adapter hands
// them over: user, channel and user-group markup already translated to
// neutral mentions (see bot/text).
func TestRouterBindsSlackText(t *testing.T) {
	r := testRouter()
	tests := []struct {
		text, want string
		code       bot.ErrorCode
	}{
		{"", "help|", ""},
		{"help", "help|", ""},
		{"setup watch <#slack:C0123|community>", "setup watch|channel=slack:C0123", ""},
		{"setup watch discord:123456789012345678", "setup watch|channel=discord:123456789012345678", ""},
		{"setup watch community", "", bot.CodeInvalid},
		{"setup watch", "", bot.CodeInvalid},
		{"setup staff add <@slack:U0ALICE|alice>", "setup staff|op=add,user=slack:U0ALICE", ""},
		{"SETUP Staff ADD <@slack:U0ALICE>", "setup staff|op=add,user=slack:U0ALICE", ""},
		{"setup staff promote <@U0ALICE>", "", bot.CodeInvalid},
		{"setup who <@slack-role:S0MODS|@mods>", "setup who|who=slack-role:S0MODS", ""},
		{"setup who <@slack:U0ALICE>", "setup who|who=slack:U0ALICE", ""},
		{"setup who discord-role:777777777777777777", "setup who|who=discord-role:777777777777777777", ""},
		{"setup who alice", "", bot.CodeInvalid},
		{"setup who <@U0ALICE>", "", bot.CodeInvalid},           // platform markup: the adapter translates it
		{"setup watch <#C0123|community>", "", bot.CodeInvalid}, // likewise
		{"setup who <@teams:U0ALICE>", "", bot.CodeInvalid},     // no such platform
		{"inbox", "inbox list|", ""},
		{"inbox assign 42 <@slack:U0ALICE>", "inbox assign|id=42,user=slack:U0ALICE", ""},
		{"inbox assign x42 <@U0ALICE>", "", bot.CodeInvalid},
		{"inbox assign 42 <@slack:U0ALICE> extra", "", bot.CodeInvalid},
		{"faq add Quels sont vos horaires ? | Du lundi au vendredi, 9h-18h.", "faq add|entry=Quels sont vos horaires ? | Du lundi au vendredi, 9h-18h.", ""},
		{"faq add L'offre d'aujourd'hui\nligne 2", "faq add|entry=L'offre d'aujourd'hui\nligne 2", ""},
		{`rule add "no invites" 10m`, "rule add|name=no invites,timeout=10m", ""},
		{"rule add flood 1d", "rule add|name=flood,timeout=1d", ""},
		{"rule add flood 30j", "rule add|name=flood,timeout=30j", ""},
		{"rule add flood soon", "", bot.CodeInvalid},
		{"frobnicate", "", bot.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			e := bot.Event{Kind: bot.EventCommand, Text: tt.text, Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C1"}}}
			rep, err := r.HandleEvent(context.Background(), e)
			if tt.code != "" {
				if got := bot.ErrorCodeOf(err); got != tt.code {
					t.Fatalf("code = %s (err %v), want %s", got, err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.Text != tt.want {
				t.Errorf("got %q, want %q", rep.Text, tt.want)
			}
		})
	}
}

func TestRouterUsageOnBadInput(t *testing.T) {
	r := testRouter()
	_, err := r.HandleEvent(context.Background(), bot.Event{Kind: bot.EventCommand, Text: "inbox assign abc <@U1>",
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C1"}}})
	var de *bot.Error
	if !errors.As(err, &de) {
		t.Fatalf("want *bot.Error, got %v", err)
	}
	if de.Key != "err.bad_number" || de.Usage != "/cm inbox assign <id> <user>" {
		t.Errorf("key %q usage %q", de.Key, de.Usage)
	}
}

func TestRouterBindsDiscordOptions(t *testing.T) {
	r := testRouter()
	e := bot.Event{Kind: bot.EventCommand, Command: "setup staff",
		Options: map[string]string{"op": "add", "user": "100000000000000001"},
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: "2"}}}
	rep, err := r.HandleEvent(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Text != "setup staff|op=add,user=discord:100000000000000001" {
		t.Errorf("got %q", rep.Text)
	}
}

func TestRouterActions(t *testing.T) {
	r := &bot.Router{}
	var got map[string]string
	r.Group(bot.StaffOnly).Action(bot.NewPattern("inbox/approve/{id}/{v}"), bot.HandlerFunc(func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
		got = map[string]string{"id": e.Var("id"), "v": e.Var("v")}
		ri, _ := bot.RouteFrom(ctx)
		if ri.Scope != bot.StaffOnly || ri.Pattern != "inbox/approve/{id}/{v}" {
			t.Errorf("route info %+v", ri)
		}
		return nil, nil
	}))
	r.Group(bot.StaffOnly).Action(bot.NewPattern("inbox/reject/{id}"), bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil }))
	if _, err := r.HandleEvent(context.Background(), bot.Event{Kind: bot.EventAction, Action: "inbox/approve/42/3"}); err != nil {
		t.Fatal(err)
	}
	if got["id"] != "42" || got["v"] != "3" {
		t.Errorf("vars %v", got)
	}
	for _, id := range []string{"inbox/approve/42", "inbox/approve//3", "inbox/other/1", ""} {
		if _, err := r.HandleEvent(context.Background(), bot.Event{Kind: bot.EventAction, Action: id}); bot.ErrorCodeOf(err) != bot.CodeNotFound {
			t.Errorf("%q: err %v, want not found", id, err)
		}
	}
}

func TestRouterPanicsOnDuplicates(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	h := bot.HandlerFunc(echo)
	mustPanic("command", func() {
		r := &bot.Router{}
		r.Command(bot.Command{Route: "a b", Handler: h})
		r.Command(bot.Command{Route: "a  b", Handler: h})
	})
	mustPanic("action", func() {
		r := &bot.Router{}
		r.Action(bot.NewPattern("x/{id}"), h)
		r.Action(bot.NewPattern("x/{other}"), h)
	})
	mustPanic("default", func() {
		r := &bot.Router{}
		r.Command(bot.Command{Route: "a b", Default: true, Handler: h})
		r.Command(bot.Command{Route: "a c", Default: true, Handler: h})
	})
	mustPanic("text not last", func() {
		r := &bot.Router{}
		r.Command(bot.Command{Route: "a", Handler: h, Options: []bot.Option{{Name: "t", Type: bot.OptText}, {Name: "w"}}})
	})
}

func TestMessageHandlersStop(t *testing.T) {
	r := &bot.Router{}
	var calls []string
	r.Message("moderation", bot.HandlerFunc(func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
		calls = append(calls, "moderation")
		if strings.Contains(e.Text, "spam") {
			return nil, bot.ErrStop
		}
		return nil, nil
	}))
	r.Message("inbox", bot.HandlerFunc(func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
		calls = append(calls, "inbox")
		return nil, nil
	}))
	_, _ = r.HandleEvent(context.Background(), bot.Event{Kind: bot.EventMessage, Text: "hello"})
	_, _ = r.HandleEvent(context.Background(), bot.Event{Kind: bot.EventMessage, Text: "spam"})
	if strings.Join(calls, ",") != "moderation,inbox,moderation" {
		t.Errorf("calls %v", calls)
	}
}

func TestSplitArgs(t *testing.T) {
	tests := map[string][]string{
		`a b  c`:                      {"a", "b", "c"},
		`"two words" x`:               {"two words", "x"},
		`l'offre d'aujourd'hui`:       {"l'offre", "d'aujourd'hui"},
		`'unclosed quote`:             {"'unclosed", "quote"},
		`“typo quotes” «fr quotes» z`: {"typo quotes", "fr quotes", "z"},
		`don't "stop"`:                {"don't", "stop"},
	}
	for in, want := range tests {
		var got []string
		for _, tok := range bot.SplitArgs(in) {
			got = append(got, tok.Text)
		}
		if !slices.Equal(got, want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"10m": "10m0s", "1d": "24h0m0s", "2w": "336h0m0s", "1h30m": "1h30m0s", "30d": "720h0m0s"} {
		d, err := bot.ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "m", "10x", "abc", "99999999999d", "1000000w1000000w1000000w", "5000w"} {
		if _, err := bot.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q): no error", in)
		}
	}
}
