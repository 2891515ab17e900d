package discord_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// env is a real Platform connected to a fake Discord, delivering to a real
// Engine whose router the test fills.
type env struct {
	srv    *discordtest.Server
	p      *discord.Platform
	engine *bot.Engine
	seen   *recorder // every event the router's handlers ran for
	calls  *recorder // every event the adapter handed to the engine (after it returned)

	// stop ends Run's context; wait returns what Run returned.
	stop   context.CancelFunc
	done   chan error
	once   sync.Once
	runErr error
}

// wait waits for Run to return and returns its error.
func (e *env) wait() error {
	e.once.Do(func() { e.runErr = <-e.done })
	return e.runErr
}

// recorder remembers events and lets tests wait for them.
type recorder struct{ bottest.Events }

func newRecorder() *recorder { return &recorder{} }

// wait waits until at least n recorded events match and returns them.
func (r *recorder) wait(t *testing.T, n int, match func(bot.Event) bool) []bot.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := r.Wait(ctx, n, match)
	if err != nil {
		all := r.All()
		t.Fatalf("waited for %d matching events, have %d of %d: %+v", n, len(got), len(all), all)
	}
	return got
}

func byID(id string) func(bot.Event) bool { return func(e bot.Event) bool { return e.ID == id } }

// counting wraps the engine to record each event once it was handled.
type counting struct {
	next bot.Handler
	rec  *recorder
}

func (c counting) HandleEvent(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	r, err := c.next.HandleEvent(ctx, e)
	c.rec.Add(e)
	return r, err
}

func (c counting) Commands() []bot.Command { return c.next.(bot.CommandSource).Commands() }

// start wires register's routes into an Engine, connects a Platform to a
// new fake Discord and waits for the command registration. The platform
// stops at cleanup (or e.stop), and Run must then return nil.
func start(t *testing.T, cfg discord.Config, register func(r *bot.Router, seen *recorder)) *env {
	t.Helper()
	srv := discordtest.New(t)
	if cfg.Token == "" {
		cfg.Token = discordtest.Token
	}
	cfg.APIURL = srv.URL()
	cfg.Logger = slog.New(slog.DiscardHandler)
	p, err := discord.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen := newRecorder()
	r := &bot.Router{}
	r.Message("record", bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		seen.Add(e)
		return nil, nil
	}))
	if register != nil {
		register(r, seen)
	}
	eng, err := bot.NewEngine(bot.EngineConfig{
		Router: r, Platforms: []bot.Platform{p},
		Settings: bottest.NewMemSettings(bot.Settings{Staff: []string{"discord-role:" + discordtest.RoleStaff}}),
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{srv: srv, p: p, engine: eng, seen: seen, calls: newRecorder(), stop: cancel, done: make(chan error, 1)}
	go func() { e.done <- p.Run(ctx, counting{next: eng, rec: e.calls}) }()
	t.Cleanup(func() {
		cancel()
		if err := e.wait(); err != nil {
			t.Errorf("Run returned %v after the context ended, want nil", err)
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := srv.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitCommands(wctx); err != nil {
		t.Fatal(err)
	}
	return e
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func reply(text string) bot.HandlerFunc {
	return func(context.Context, bot.Event) (*bot.Reply, error) { return bot.Text(text), nil }
}

func channel(id string) bot.ChannelRef { return bot.ChannelRef{Platform: bot.Discord, ID: id} }

func isUnknown(err error) bool { return errors.Is(err, bot.ErrUnknownOutcome) }
