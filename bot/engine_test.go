package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

type skillFunc func(r *bot.Router)

func (f skillFunc) Name() string           { return "test" }
func (f skillFunc) Register(r *bot.Router) { f(r) }

func TestEngineDedupeStaffPanicAndErrors(t *testing.T) {
	var hits atomic.Int32
	reg := skillFunc(func(r *bot.Router) {
		r.Command(bot.Command{Route: "count", Handler: bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) {
			hits.Add(1)
			return bot.Text("ok"), nil
		})})
		r.Group(bot.StaffOnly).Command(bot.Command{Route: "secret", Handler: bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) {
			hits.Add(1)
			return bot.Text("staff ok"), nil
		})})
		r.Command(bot.Command{Route: "boom", Handler: bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) {
			panic("kaboom")
		})})
		r.Command(bot.Command{Route: "fail", Handler: bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) {
			return nil, errors.New("disk on fire: /secret/path")
		})})
		r.Command(bot.Command{Route: "slow", Handler: bot.HandlerFunc(func(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})})
	})
	env := bottest.MustEngine(t, nil, nil, reg)

	ev := bot.Event{ID: "same", Kind: bot.EventCommand, Text: "count", User: bottest.Member}
	env.Send(t, ev)
	if r := env.Send(t, ev); r != nil {
		t.Errorf("redelivery answered %+v", r)
	}
	if hits.Load() != 1 {
		t.Errorf("handler ran %d times for one event delivered twice", hits.Load())
	}

	if got := bottest.ReplyText(env.Command(t, bottest.Member, "secret")); !strings.Contains(got, "Only staff") {
		t.Errorf("non-staff got %q", got)
	}
	if hits.Load() != 1 {
		t.Error("staff-only handler ran for a member")
	}
	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "secret")); got != "staff ok" {
		t.Errorf("staff got %q", got)
	}
	admin := bot.UserRef{Platform: bot.Discord, ID: "999999999999999999", Admin: true}
	if got := bottest.ReplyText(env.Command(t, admin, "secret")); got != "staff ok" {
		t.Errorf("platform admin got %q", got)
	}

	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "boom")); !strings.Contains(got, "Something went wrong") {
		t.Errorf("panic reply %q", got)
	}
	got := bottest.ReplyText(env.Command(t, bottest.Staff, "fail"))
	if !strings.Contains(got, "reference") || strings.Contains(got, "/secret/path") {
		t.Errorf("internal error reply leaks or lacks a reference: %q", got)
	}
	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "nope")); !strings.Contains(got, `Unknown command "nope"`) {
		t.Errorf("unknown command reply %q", got)
	}
}

func TestEngineTimeoutAndLanguage(t *testing.T) {
	store := bottest.NewMemSettings(bot.Settings{Language: bot.French})
	r := &bot.Router{}
	r.Command(bot.Command{Route: "slow", Handler: bot.HandlerFunc(func(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})})
	e, err := bot.NewEngine(bot.EngineConfig{Router: r, Settings: store, Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := e.HandleEvent(context.Background(), bot.Event{ID: "1", Kind: bot.EventCommand, Text: "slow", User: bottest.Staff})
	if rep == nil || !strings.Contains(rep.Text, "trop de temps") {
		t.Errorf("timeout reply %+v", rep)
	}
	rep, _ = e.HandleEvent(context.Background(), bot.Event{ID: "2", Kind: bot.EventCommand, Text: "x y", User: bottest.Staff})
	if rep == nil || !strings.Contains(rep.Text, "Commande inconnue") {
		t.Errorf("french unknown command %+v", rep)
	}
}

func TestEngineSenderRoutesToPlatform(t *testing.T) {
	reg := &bottest.Metrics{}
	d, s := bottest.NewPlatform(bot.Discord), bottest.NewPlatform(bot.Slack)
	e, err := bot.NewEngine(bot.EngineConfig{Router: &bot.Router{}, Settings: bottest.NewMemSettings(bot.Settings{}),
		Platforms: []bot.Platform{d, s}, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C1"}, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Do(ctx, bot.Action{Kind: bot.ActReply, Target: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: "1"}, ID: "5"}, Text: "re"}); err != nil {
		t.Fatal(err)
	}
	if len(s.Actions()) != 1 || len(d.Actions()) != 1 || d.Actions()[0].Text != "re" {
		t.Errorf("slack %v discord %v", s.Actions(), d.Actions())
	}
	s.SetFail(func(bot.Action) error { return bot.ErrUnknownOutcome })
	_, err = e.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C1"}})
	if !errors.Is(err, bot.ErrUnknownOutcome) {
		t.Errorf("unknown outcome not preserved: %v", err)
	}
	bad := &bot.Card{Buttons: []bot.Button{{Label: "x", ID: strings.Repeat("a", 101)}}}
	if _, err := e.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C1"}, Card: bad}); err == nil {
		t.Error("card with a 101-byte button id accepted")
	}
	if got := reg.Sum("commpilot_actions_total", nil); got != 3 {
		t.Errorf("actions counted %v, want 3 (post, reply, unknown post)", got)
	}
}

func TestCatalogComplete(t *testing.T) {
	if m := bot.NewCatalog().Missing(); len(m) > 0 {
		t.Errorf("missing translations: %v", m)
	}
}

func TestStaff(t *testing.T) {
	s := bot.Settings{Staff: []string{"slack:U1", "discord-role:777777777777777777"}}
	cases := []struct {
		u    bot.UserRef
		want bool
	}{
		{bot.UserRef{Platform: bot.Slack, ID: "U1"}, true},
		{bot.UserRef{Platform: bot.Discord, ID: "U1"}, false},
		{bot.UserRef{Platform: bot.Discord, ID: "5", Roles: []string{"777777777777777777"}}, true},
		{bot.UserRef{Platform: bot.Slack, ID: "U2", Roles: []string{"777777777777777777"}}, false},
		{bot.UserRef{Platform: bot.Slack, ID: "U3", Admin: true}, true},
	}
	for _, c := range cases {
		if got := s.IsStaff(c.u); got != c.want {
			t.Errorf("IsStaff(%+v) = %v", c.u, got)
		}
	}
}

func TestAutocompleteOfStaffCommandsIsForStaffOnly(t *testing.T) {
	reg := skillFunc(func(r *bot.Router) {
		r.Group(bot.StaffOnly).Command(bot.Command{Route: "inbox show", Handler: bot.HandlerFunc(echo),
			Options: []bot.Option{{Name: "id", Type: bot.OptInt, Autocomplete: "items"}}})
		r.Completer("items", func(context.Context, bot.Event, string) ([]bot.Choice, error) {
			return []bot.Choice{{Name: "#1 private: my email is marie@example.com", Value: "1"}}, nil
		})
	})
	env := bottest.MustEngine(t, nil, nil, reg)
	ask := func(u bot.UserRef) []bot.Choice {
		r := env.Send(t, bot.Event{Kind: bot.EventAutocomplete, Command: "inbox show", Focus: "id", User: u})
		if r == nil {
			return nil
		}
		return r.Choices
	}
	if got := ask(bottest.Member); len(got) != 0 {
		t.Errorf("a member sees %v", got)
	}
	if got := ask(bottest.Staff); len(got) != 1 {
		t.Errorf("staff sees %v", got)
	}
}

func TestShutdownFinishesInFlightThenCancels(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{}, 2)
	var finished, cancelled atomic.Int32
	r := &bot.Router{}
	r.Command(bot.Command{Route: "slow", Handler: bot.HandlerFunc(func(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
		entered <- struct{}{}
		select {
		case <-release:
			finished.Add(1)
		case <-ctx.Done():
			cancelled.Add(1)
		}
		return nil, nil
	})})
	e, err := bot.NewEngine(bot.EngineConfig{Router: r, Settings: bottest.NewMemSettings(bot.Settings{})})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	go func() {
		_, _ = e.HandleEvent(context.Background(), bot.Event{ID: "a", Kind: bot.EventCommand, Text: "slow"})
	}()
	<-entered
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a finishing event: %v", err)
	}
	if finished.Load() != 1 {
		t.Error("shutdown returned before the in-flight event finished")
	}
	// After Shutdown, events are dropped.
	if rep, _ := e.HandleEvent(ctx, bot.Event{ID: "b", Kind: bot.EventCommand, Text: "slow"}); rep != nil || finished.Load()+cancelled.Load() != 1 {
		t.Errorf("event handled after shutdown: %+v", rep)
	}
}
