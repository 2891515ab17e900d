package slack

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

// Users of the fake workspace.
const (
	alice = "U0ALICE" // staff
	bob   = "U0BOB"   // member
	carol = "U0CAROL" // workspace admin, not listed as staff
	dave  = "U0DAVE"  // in the user group S0MODS, which is staff
)

// harness is a real Platform against the fake Slack, with a real Engine
// and Router whose test routes record what they receive.
type harness struct {
	t       testing.TB
	srv     *slacktest.Server
	p       *Platform
	engine  *bot.Engine
	metrics *bottest.Metrics
	logs    *logRecorder

	// cancel ends Run's context; stop also waits for Run to return.
	cancel  context.CancelFunc
	runDone chan error
	stopped sync.Once

	mu     sync.Mutex
	events []bot.Event
	seen   chan struct{}

	release chan struct{} // closed to let the slow form handler finish
	tunes   []func(*Platform)
}

type option func(*harness, *Config)

// tune changes the platform before it runs.
func tune(f func(*Platform)) option {
	return func(h *harness, _ *Config) { h.tunes = append(h.tunes, f) }
}

// httpMode runs the platform in HTTP mode behind an httptest server, and
// makes the fake deliver to it.
func httpMode(secret string) option {
	return func(h *harness, c *Config) { c.SigningSecret = secret }
}

func start(t testing.TB, opts ...option) *harness {
	t.Helper()
	h := &harness{t: t, srv: slacktest.New(t), seen: make(chan struct{}, 1), release: make(chan struct{}), logs: newLogRecorder()}
	h.srv.AddUser(alice, "alice", false)
	h.srv.AddUser(bob, "bob", false)
	h.srv.AddUser(carol, "carol", true)
	h.srv.AddUser(dave, "dave", false)
	h.srv.AddUserGroup("S0MODS", "mods", dave)
	cfg := Config{
		BotToken: slacktest.BotToken, AppToken: slacktest.AppToken, APIURL: h.srv.APIURL(),
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(h, &cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.backoffMin = 20 * time.Millisecond
	p.submitWait = 500 * time.Millisecond
	for _, f := range h.tunes {
		f(p)
	}
	h.p = p
	h.metrics = &bottest.Metrics{}
	engine, err := bot.NewEngine(bot.EngineConfig{
		Router: h.router(), Platforms: []bot.Platform{p},
		Settings: bottest.NewMemSettings(bot.Settings{Staff: []string{"slack:" + alice, "slack-role:S0MODS"}}),
		Catalog:  bot.NewCatalog(Messages()),
		Logger:   slog.New(slog.DiscardHandler), Metrics: h.metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = engine
	if cfg.SigningSecret != "" {
		web := httptest.NewServer(p.HTTPHandler())
		t.Cleanup(web.Close)
		h.srv.DeliverHTTP(web.URL, cfg.SigningSecret)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.runDone = cancel, make(chan error, 1)
	go func() { h.runDone <- p.Run(ctx, engine) }()
	t.Cleanup(func() {
		h.stop()
		h.checkMethodsKnown()
	})
	if cfg.SigningSecret == "" {
		h.srv.WaitConnections(1)
	} else {
		h.waitState(bot.StateConnected)
	}
	return h
}

// stop ends Run's context and waits for Run to return; Run must return nil.
func (h *harness) stop() {
	h.stopped.Do(func() {
		h.cancel()
		if err := <-h.runDone; err != nil {
			h.t.Errorf("Run: %v", err)
		}
	})
}

// logRecorder keeps what the platform logs, for tests of what operators
// read.
type logRecorder struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newLogRecorder() *logRecorder { return &logRecorder{changed: make(chan struct{})} }

// Write records one log line.
func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.buf.Write(p)
}

// wait waits for a logged line containing substr and returns it.
func (l *logRecorder) wait(t testing.TB, substr string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		l.mu.Lock()
		lines, ch := strings.Split(l.buf.String(), "\n"), l.changed
		l.mu.Unlock()
		if i := slices.IndexFunc(lines, func(s string) bool { return strings.Contains(s, substr) }); i >= 0 {
			return lines[i]
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("nothing logged with %q", substr)
		}
	}
}

// checkMethodsKnown fails if the adapter called a Web API method missing
// from methodScopes, which the manifest test relies on.
func (h *harness) checkMethodsKnown() {
	known := methodScopes()
	for _, c := range h.srv.Calls() {
		if _, ok := known[c.Method]; !ok {
			h.t.Errorf("the adapter called %s, which methodScopes (and the manifest) do not list", c.Method)
		}
	}
}

func (h *harness) waitState(want bot.ConnState) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.p.Status() != want {
		if time.Now().After(deadline) {
			h.t.Fatalf("status %s, want %s", h.p.Status(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) record(e bot.Event) {
	h.mu.Lock()
	h.events = append(h.events, e)
	h.mu.Unlock()
	select {
	case h.seen <- struct{}{}:
	default:
	}
}

// waitEvent waits for a recorded event matching match and returns it.
func (h *harness) waitEvent(what string, match func(bot.Event) bool) bot.Event {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		i := slices.IndexFunc(h.events, match)
		var e bot.Event
		if i >= 0 {
			e = h.events[i]
		}
		h.mu.Unlock()
		if i >= 0 {
			return e
		}
		select {
		case <-h.seen:
		case <-deadline:
			h.t.Fatalf("no event %s", what)
		}
	}
}

// waitEvents waits for n recorded events matching match and returns them.
func (h *harness) waitEvents(what string, n int, match func(bot.Event) bool) []bot.Event {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		var got []bot.Event
		for _, e := range h.events {
			if match(e) {
				got = append(got, e)
			}
		}
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-h.seen:
		case <-deadline:
			h.t.Fatalf("%d events %s, want %d", len(got), what, n)
		}
	}
}

// count returns how many recorded events match.
func (h *harness) count(match func(bot.Event) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if match(e) {
			n++
		}
	}
	return n
}

// duplicates is the engine's count of dropped redeliveries.
func (h *harness) duplicates() float64 {
	return h.metrics.Sum("commpilot_events_total", map[string]string{"outcome": "duplicate"})
}

// waitDuplicates waits until the engine dropped n redeliveries.
func (h *harness) waitDuplicates(n float64) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.duplicates() < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("engine dropped %v duplicates, want %v", h.duplicates(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// router registers the small commands, buttons and forms the tests use.
func (h *harness) router() *bot.Router {
	r := &bot.Router{}
	r.Command(bot.Command{Route: "help", Description: "help", Handler: bot.HandlerFunc(
		func(_ context.Context, e bot.Event) (*bot.Reply, error) {
			return bot.Text("Commands: /cm help, /cm rule add <name> <duration>"), nil
		})})
	r.Group(bot.StaffOnly).Command(bot.Command{Route: "rule add", Options: []bot.Option{
		{Name: "name", Type: bot.OptWord, Required: true},
		{Name: "duration", Type: bot.OptDuration, Required: true},
	}, Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		return bot.Text("rule " + e.Option("name") + " for " + e.Option("duration")), nil
	})})
	r.Command(bot.Command{Route: "echo", Options: []bot.Option{{Name: "text", Type: bot.OptText, Required: true}},
		Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
			h.record(e)
			return &bot.Reply{Text: "echo: " + e.Option("text"), Public: strings.HasPrefix(e.Option("text"), "public")}, nil
		})})
	r.Command(bot.Command{Route: "setup watch", Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Required: true}},
		Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
			return bot.Text("watching " + e.Option("channel")), nil
		})})
	r.Command(bot.Command{Route: "slow", Description: "answers once released",
		Handler: bot.HandlerFunc(func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
			h.record(e)
			select {
			case <-h.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return bot.Text("slow answer"), nil
		})})
	r.Command(bot.Command{Route: "edit", Options: []bot.Option{{Name: "id", Type: bot.OptInt, Required: true}},
		Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
			return &bot.Reply{Form: draftForm(e.Option("id"), "Bonjour, merci pour votre message.")}, nil
		})})
	r.Group(bot.StaffOnly).Action(bot.NewPattern("card/approve/{id}"), bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		h.record(e)
		return bot.Text("Approved " + e.Var("id")), nil
	}))
	r.Group(bot.StaffOnly).Action(bot.NewPattern("card/edit/{id}"), bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		return &bot.Reply{Form: draftForm(e.Var("id"), "draft "+e.Var("id"))}, nil
	}))
	r.Group(bot.StaffOnly).Action(bot.NewPattern("form/draft/{id}"), bot.HandlerFunc(func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
		h.record(e)
		switch text := strings.TrimSpace(e.Option("draft")); {
		case text == "":
			return &bot.Reply{FieldErrors: map[string]string{"draft": "The reply cannot be empty."}}, nil
		case text == "slow":
			select {
			case <-h.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return bot.Text("Sent the slow reply"), nil
		default:
			return bot.Text("Sent: " + text), nil
		}
	}))
	r.Message("record", bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		h.record(e)
		return nil, nil
	}))
	return r
}

func draftForm(id, value string) *bot.Form {
	return &bot.Form{ID: "form/draft/" + id, Title: "Edit the reply", Submit: "Send", Fields: []bot.FormField{
		{ID: "draft", Label: "Reply", Value: value, Multiline: true, Required: false, MaxLen: 2000},
	}}
}

// do performs an action through the engine, as a skill would.
func (h *harness) do(a bot.Action) (bot.MessageRef, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return h.engine.Do(ctx, a)
}

func (h *harness) mustDo(a bot.Action) bot.MessageRef {
	h.t.Helper()
	ref, err := h.do(a)
	if err != nil {
		h.t.Fatalf("%s: %v", a.Kind, err)
	}
	return ref
}

func slackCh(id string) bot.ChannelRef { return bot.ChannelRef{Platform: bot.Slack, ID: id} }

func isUnknown(err error) bool { return errors.Is(err, bot.ErrUnknownOutcome) }
