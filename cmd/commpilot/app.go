package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/llm"
	"github.com/commpilot/commpilot/bot/slack"
	"github.com/commpilot/commpilot/skills/digest"
	"github.com/commpilot/commpilot/skills/history"
	"github.com/commpilot/commpilot/skills/inbox"
	"github.com/commpilot/commpilot/skills/moderation"
	"github.com/commpilot/commpilot/skills/privacy"
	"github.com/commpilot/commpilot/skills/schedule"
	"github.com/commpilot/commpilot/skills/setup"
	"github.com/commpilot/commpilot/skills/triage"
	"github.com/commpilot/commpilot/storage"
)

// Main is the running program: Run wires and starts everything and returns;
// Close shuts it down in order. Tests reuse it against fake services.
type Main struct {
	Config Config
	Logger *slog.Logger
	// HTTPClient, when set, is used by the adapters and the LLM client.
	HTTPClient *http.Client
	// Platforms are run besides the configured ones (the playground's).
	Platforms []bot.Platform
	// Handler, when set, serves every path the HTTP server does not
	// otherwise serve (the playground's page).
	Handler http.Handler

	DB       *storage.DB
	Engine   *bot.Engine
	Settings *storage.Settings
	// HTTPAddr is the address /healthz and /metrics listen on once Run returns.
	HTTPAddr string

	registry *prometheus.Registry
	http     *http.Server
	backup   *http.Server // on the database's socket (backup.go)
	listener net.Listener
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	done     chan struct{}
	runErr   error
}

// eventTimeout bounds the handling of one event: classifying and drafting
// with an LLM may take two attempts of 8 s each.
const eventTimeout = 45 * time.Second

// NewMain returns a Main for cfg.
func NewMain(cfg Config, logger *slog.Logger) *Main {
	if logger == nil {
		logger = slog.Default()
	}
	return &Main{Config: cfg, Logger: logger, done: make(chan struct{})}
}

// Run opens the database, wires the skills and platforms, starts the HTTP
// server and the engine, and returns. Errors that stop the bot later (a
// rejected token) close Done and are returned by Err.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	db, err := storage.Open(ctx, cfg.DBPath, storage.Options{Logger: m.Logger})
	if err != nil {
		return err
	}
	m.DB = db
	m.registry = prometheus.NewRegistry()
	m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	m.Settings = storage.NewSettings(db, cfg.Initial)
	audit := storage.NewAuditLog(db)

	platforms, err := m.platforms()
	if err != nil {
		return err
	}
	platforms = append(platforms, m.Platforms...)

	// The inbox and the digest share the offline results: the digest counts
	// each message the inbox has just classified without classifying it again.
	offline := digest.NewMemo(triage.New(), 4096)
	var (
		classifier bot.Classifier = offline
		drafter    bot.Drafter    = inbox.OfflineDrafter{}
		// judge decides borderline toxicity; nil offline, where those
		// messages are left alone.
		judge moderation.ToxicJudge
	)
	if cfg.HasLLM() {
		client, err := newLLM(cfg, m.Logger, promMetrics{m.registry}, m.HTTPClient)
		if err != nil {
			return err
		}
		classifier, drafter = client.Classifier(classifier), client.Drafter(drafter)
		judge = client
	}

	// Skills bring their own words (bot.Localized); bot.Install adds them.
	catalog := bot.NewCatalog(slack.Messages(), discord.Messages())
	router := &bot.Router{}
	// Event ids are remembered in the database, so a redelivery straddling
	// a restart is dropped too.
	seen := storage.NewSeenEvents(db, cfg.Clock)
	m.Engine, err = bot.NewEngine(bot.EngineConfig{Router: router, Platforms: platforms, Settings: m.Settings,
		Catalog: catalog, Logger: m.Logger, Metrics: promMetrics{m.registry}, Timeout: eventTimeout, Redeliveries: seen})
	if err != nil {
		return err
	}
	// Skills register after the engine exists: the inbox sends through it.
	// Message handlers run in this order. Adding a skill is one line here.
	// Their timer handlers are registered on timers when they are made,
	// before it runs. Moderation runs before the inbox: a message a rule
	// deletes never becomes an item; the digest counts last, what history
	// stored and the inbox classified.
	timers := storage.NewTimers(db, cfg.Clock)
	messages, items, skillSettings := storage.NewMessageLog(db), storage.NewInbox(db), storage.NewSkillSettings(db)
	modStore := storage.NewModeration(db)
	mod := moderation.New(moderation.Config{Store: modStore, Settings: m.Settings, Skills: skillSettings,
		Audit: audit, Sender: m.Engine, Catalog: catalog, Link: m.Engine.Link, History: messages, Timers: timers,
		LangOf: memberLang(offline), Judge: judge, Clock: cfg.Clock, Logger: m.Logger})
	posts := schedule.New(schedule.Config{Store: storage.NewSchedule(db), Settings: m.Settings, Options: skillSettings,
		Timers: timers, Audit: audit, Sender: m.Engine, Catalog: catalog, Link: m.Engine.Link, Clock: cfg.Clock, Logger: m.Logger})
	digests := digest.New(digest.Config{Aggregates: storage.NewAggregates(db), History: messages, Inbox: items,
		Settings: m.Settings, Skills: skillSettings, Timers: timers, Sender: m.Engine,
		Classifier: offline, Catalog: catalog, Link: m.Engine.Link, Clock: cfg.Clock, Logger: m.Logger,
		Posts: posts, Moderation: mod})
	m.registry.MustRegister(digestCollector{digests})
	runners := append([]bot.Runner{timers, seen}, bot.Install(router, catalog,
		setup.New(m.Settings, audit, catalog, m.Engine, m.Logger),
		history.New(history.Config{Log: messages, Link: m.Engine.Link, Settings: m.Settings, Timers: timers,
			Audit: audit, Catalog: catalog, Logger: m.Logger}),
		mod,
		// The inbox decides with the offline triage in the handler and
		// refines new items with the (LLM) classifier on its workers.
		inbox.New(inbox.Config{Store: items, Settings: m.Settings, Audit: audit, Sender: m.Engine,
			Triage: offline, Classifier: classifier, Drafter: drafter, LangOf: memberLang(offline), Catalog: catalog,
			Link: m.Engine.Link, Timers: timers, Now: cfg.Clock, Metrics: promMetrics{m.registry}, Logger: m.Logger}),
		posts,
		digests,
		privacy.New(privacy.Config{Messages: messages, Items: items, Cases: modStore, Settings: m.Settings,
			Audit: audit, Catalog: catalog, Logger: m.Logger}),
	)...)

	if err := m.serveHTTP(platforms); err != nil {
		return err
	}
	m.serveBackupSocket()

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.wg.Go(func() {
		defer close(m.done)
		if err := m.Engine.Run(runCtx, runners...); err != nil {
			m.runErr = err
			m.Logger.Error("stopped", "err", err)
		}
	})
	m.Logger.Info("commpilot started", "version", Version(), "platforms", m.Engine.PlatformNames(),
		"llm", cfg.HasLLM(), "db", cfg.DBPath, "http", m.HTTPAddr)
	return nil
}

// platforms builds the configured platform adapters.
func (m *Main) platforms() ([]bot.Platform, error) {
	cfg := m.Config
	var out []bot.Platform
	if cfg.HasDiscord() {
		d, err := discord.New(discord.Config{Token: cfg.DiscordToken, GuildID: cfg.DiscordGuildID,
			APIURL: cfg.DiscordAPIURL, Logger: m.Logger, HTTPClient: m.HTTPClient, Watched: m.watched})
		if err != nil {
			return nil, fmt.Errorf("discord: %w", err)
		}
		out = append(out, d)
	}
	if cfg.HasSlack() {
		s, err := slack.New(slack.Config{BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken,
			SigningSecret: cfg.SlackSigningSecret, APIURL: cfg.SlackAPIURL, Logger: m.Logger, HTTPClient: m.HTTPClient,
			Watched: m.watched})
		if err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// watched returns the settings' watch list, which the Discord adapter
// fetches from after a new gateway session and the Slack adapter after a
// Socket Mode reconnect.
func (m *Main) watched(ctx context.Context) ([]bot.ChannelRef, error) {
	st, err := m.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return st.Watch, nil
}

// serveHTTP starts /healthz, /readyz, /metrics and, in Slack HTTP mode, the
// Slack endpoints. Backups are never served here (see serveBackupSocket).
func (m *Main) serveHTTP(platforms []bot.Platform) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", m.healthz)
	mux.HandleFunc("GET /readyz", m.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	if m.Handler != nil {
		mux.Handle("/", m.Handler)
	}
	for _, p := range platforms {
		if s, ok := p.(*slack.Platform); ok {
			if h := s.HTTPHandler(); h != nil {
				mux.Handle("/slack/", h)
			}
		}
	}
	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on COMMPILOT_HTTP_ADDR %s: %w", m.Config.HTTPAddr, err)
	}
	m.listener = ln
	m.HTTPAddr = ln.Addr().String()
	// ReadTimeout bounds a request body (Slack HTTP mode) from a slow client.
	m.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second}
	m.wg.Go(func() {
		if err := m.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server", "err", err)
		}
	})
	return nil
}

// Done is closed when the bot stops on its own (a fatal platform error).
func (m *Main) Done() <-chan struct{} { return m.done }

// Err is the error that stopped the bot on its own, once Done is closed.
func (m *Main) Err() error {
	select {
	case <-m.done:
		return m.runErr
	default:
		return nil
	}
}

// Close shuts down in order: stop taking events (HTTP, then the platforms,
// whose Run returns once the events they delivered are handled), let those
// finish within shutdownGrace (then cancel them), and close the database
// only when nothing uses it any more.
func (m *Main) Close() error {
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if m.http != nil {
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http: %w", err))
		}
	}
	if m.backup != nil {
		if err := m.backup.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("backup socket: %w", err))
		}
	}
	if m.cancel != nil {
		m.cancel()
		select {
		case <-m.done:
		case <-ctx.Done():
		}
	}
	if m.Engine != nil {
		if err := m.Engine.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	m.wg.Wait()
	if m.DB != nil {
		if err := m.DB.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close db: %w", err))
		}
	}
	m.Logger.Info("commpilot stopped")
	return errors.Join(errs...)
}

// newLLM returns the client of the LLM cfg configures (cfg.HasLLM holds);
// nil metrics records nothing, a nil client is a default one.
func newLLM(cfg Config, logger *slog.Logger, metrics bot.Metrics, hc *http.Client) (*llm.Client, error) {
	if metrics == nil {
		metrics = bot.NoMetrics{}
	}
	client, err := llm.New(llm.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIKey, Model: cfg.OpenAIModel,
		Logger: logger, Metrics: metrics, HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	return client, nil
}

// memberLang guesses a member's language from their message with the
// offline classifier, for moderation warnings.
func memberLang(c bot.Classifier) func(text string) (bot.Lang, bool) {
	return func(text string) (bot.Lang, bool) {
		t, err := c.Classify(context.Background(), bot.TriageInput{Text: text})
		if err != nil {
			return "", false
		}
		return bot.ParseLang(t.Lang)
	}
}

// digestCollector exports the inbox's response figures on /metrics, read
// from the digest skill at each scrape.
type digestCollector struct{ s *digest.Skill }

var (
	openItemsDesc  = prometheus.NewDesc("commpilot_inbox_open_items", "Inbox items waiting for a person, by age.", []string{"age"}, nil)
	firstReplyDesc = prometheus.NewDesc("commpilot_inbox_first_reply_seconds",
		"Time from an item's arrival to its first reply, over the items answered in the last 24 hours.", nil, nil)
)

func (c digestCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openItemsDesc
	ch <- firstReplyDesc
}

func (c digestCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.s.ResponseStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(openItemsDesc, err)
		return
	}
	for i, n := range st.OpenByAge {
		ch <- prometheus.MustNewConstMetric(openItemsDesc, prometheus.GaugeValue, float64(n), digest.AgeBuckets[i])
	}
	ch <- prometheus.MustNewConstSummary(firstReplyDesc, uint64(len(st.FirstReplies)), st.FirstReplySum.Seconds(),
		map[float64]float64{0.5: st.Median.Seconds(), 0.9: st.P90.Seconds()})
}
