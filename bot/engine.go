package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot/text"
)

// EngineConfig wires an Engine.
type EngineConfig struct {
	Router    *Router
	Platforms []Platform
	Settings  SettingsStore
	Catalog   *Catalog
	Logger    *slog.Logger
	// Metrics makes the engine's counters and histograms; nil records nothing.
	Metrics Metrics
	// Timeout bounds the handling of one event (default 15 s).
	Timeout time.Duration
	// Redeliveries remembers the ids of accepted events, so a redelivered
	// event is dropped (storage.SeenEvents, across restarts). Nil keeps the
	// last DedupeSize ids in memory, forgotten by a restart.
	Redeliveries Redeliveries
	// DedupeSize is how many recent event ids the in-memory Redeliveries
	// remembers (default 20,000); unused when Redeliveries is set.
	DedupeSize int
}

// Engine receives every Event from every Platform, drops redeliveries,
// recovers panics, bounds each event with a deadline, routes it, and turns
// errors into safe, translated replies. It implements Sender by handing each
// Action to the Platform that owns its target.
type Engine struct {
	router    *Router
	platforms map[PlatformID]Platform
	order     []Platform
	settings  SettingsStore
	catalog   *Catalog
	log       *slog.Logger
	timeout   time.Duration
	seen      Redeliveries

	// life is the parent of every event's context: handlers keep running
	// when a platform stops taking events, until Shutdown ends them.
	life     context.Context
	end      context.CancelFunc
	inflight sync.WaitGroup
	// gate orders inflight.Add before Shutdown's Wait: once closing is set,
	// events are dropped instead of counted.
	gate    sync.RWMutex
	closing bool

	events   CounterVec
	duration HistogramVec
	actions  CounterVec
	// counters caches the event counters of the known label values, so the
	// hot path does not hash label values on every event.
	counters  map[eventLabels]Counter
	observers [len(eventKindNames)]Observer
}

type eventLabels struct {
	platform PlatformID
	kind     EventKind
	outcome  string
}

var eventOutcomes = []string{"ok", "duplicate", "shutdown", "timeout", string(CodeInvalid), string(CodeForbidden),
	string(CodeNotFound), string(CodeConflict), string(CodeUnavailable), string(CodeInternal)}

// counter returns the events counter for the labels, from the cache when known.
func (e *Engine) counter(p PlatformID, k EventKind, outcome string) Counter {
	if c, ok := e.counters[eventLabels{p, k, outcome}]; ok {
		return c
	}
	return e.events.With(string(p), k.String(), outcome)
}

func (e *Engine) observer(k EventKind) Observer {
	if k > 0 && int(k) < len(e.observers) {
		return e.observers[k]
	}
	return e.duration.With(k.String())
}

var _ Sender = (*Engine)(nil)
var _ Handler = (*Engine)(nil)
var _ CommandSource = (*Engine)(nil)

// NewEngine builds an Engine. The router gets the staff middleware.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.Router == nil || cfg.Settings == nil {
		return nil, errors.New("new engine: Router and Settings are required")
	}
	if cfg.Catalog == nil {
		cfg.Catalog = NewCatalog()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.DedupeSize <= 0 {
		cfg.DedupeSize = 20000
	}
	if cfg.Redeliveries == nil {
		cfg.Redeliveries = newDedupe(cfg.DedupeSize)
	}
	life, end := context.WithCancel(context.Background())
	e := &Engine{
		life:      life,
		end:       end,
		router:    cfg.Router,
		platforms: map[PlatformID]Platform{},
		settings:  cfg.Settings,
		catalog:   cfg.Catalog,
		log:       cfg.Logger.With("component", "engine"),
		timeout:   cfg.Timeout,
		seen:      cfg.Redeliveries,
	}
	if err := e.makeMetrics(cfg.Metrics); err != nil {
		return nil, fmt.Errorf("new engine: %w", err)
	}
	for _, p := range cfg.Platforms {
		if _, dup := e.platforms[p.ID()]; dup {
			return nil, fmt.Errorf("new engine: platform %s given twice", p.ID())
		}
		e.platforms[p.ID()] = p
		e.order = append(e.order, p)
	}
	e.router.Use(RequireStaff(cfg.Settings))
	return e, nil
}

// makeMetrics makes the engine's counters and histograms in m (nothing is
// recorded when m is nil) and caches those of the known label values.
func (e *Engine) makeMetrics(m Metrics) error {
	if m == nil {
		m = NoMetrics{}
	}
	var err error
	if e.events, err = m.Counter("commpilot_events_total", "Events received, by platform, kind and outcome.",
		"platform", "kind", "outcome"); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if e.duration, err = m.Histogram("commpilot_event_duration_seconds", "Time to handle one event.",
		ExponentialBuckets(0.0005, 4, 9), "kind"); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if e.actions, err = m.Counter("commpilot_actions_total", "Actions carried out, by platform, kind and outcome.",
		"platform", "kind", "outcome"); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	e.counters = map[eventLabels]Counter{}
	for k := EventMessage; int(k) < len(eventKindNames); k++ {
		e.observers[k] = e.duration.With(k.String())
		for _, p := range []PlatformID{Discord, Slack} {
			for _, o := range eventOutcomes {
				e.counters[eventLabels{p, k, o}] = e.events.With(string(p), k.String(), o)
			}
		}
	}
	return nil
}

// Commands lists the registered commands (for Discord registration and help).
func (e *Engine) Commands() []Command { return e.router.Commands() }

// Catalog returns the engine's message catalogue.
func (e *Engine) Catalog() *Catalog { return e.catalog }

// HandleEvent handles one event from a platform. Domain errors become a
// translated reply with a nil error; an internal error is logged and the
// user gets a generic message with a reference to find it in the log. A
// redelivered event, or one arriving after Shutdown, returns (nil, nil).
//
// The handler runs under the engine's own deadline, not ctx's cancellation:
// an event accepted before a platform stops is finished (see Shutdown).
func (e *Engine) HandleEvent(ctx context.Context, ev Event) (reply *Reply, err error) {
	platform := platformOf(ev)
	e.gate.RLock()
	if e.closing {
		// Not recorded as seen: the platform's redelivery after the
		// restart is handled.
		e.gate.RUnlock()
		e.counter(platform, ev.Kind, "shutdown").Inc()
		return nil, nil
	}
	if !e.first(ctx, platform, ev) {
		e.gate.RUnlock()
		e.counter(platform, ev.Kind, "duplicate").Inc()
		return nil, nil
	}
	e.inflight.Add(1)
	e.gate.RUnlock()
	defer e.inflight.Done()
	start := time.Now()
	ctx, cancel := context.WithTimeout(e.life, e.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			reply = nil
		}
		outcome := "ok"
		if err != nil {
			outcome = string(ErrorCodeOf(err))
			if errors.Is(err, context.DeadlineExceeded) {
				outcome = "timeout"
			}
			reply = e.errorReply(ctx, ev, err)
			err = nil
		}
		e.counter(platform, ev.Kind, outcome).Inc()
		e.observer(ev.Kind).Observe(time.Since(start).Seconds())
	}()
	return e.router.HandleEvent(ctx, ev)
}

// first reports whether ev is not a redelivery. An event without an id is
// always first. When the store of seen ids fails, the event is handled: a
// lost event is worse than a rare second handling, which the state machines
// of the skills refuse where it matters (a draft sends once).
func (e *Engine) first(ctx context.Context, platform PlatformID, ev Event) bool {
	if ev.ID == "" {
		return true
	}
	ok, err := e.seen.First(context.WithoutCancel(ctx), platform, ev.ID)
	if err != nil {
		e.log.Warn("redelivery check failed; handling the event", "event", ev.ID, "err", err)
		return true
	}
	return ok
}

// errorReply logs err as it deserves and returns what the user reads.
func (e *Engine) errorReply(ctx context.Context, ev Event, err error) *Reply {
	lang := English
	if st, serr := e.settings.Settings(context.WithoutCancel(ctx)); serr == nil {
		lang = st.Lang()
	}
	var de *Error
	switch {
	case errors.As(err, &de) && de.Code != CodeInternal:
		e.log.Debug("refused", "kind", ev.Kind.String(), "user", ev.User.Key(), "code", de.Code, "key", de.Key, "err", err)
		msg := e.catalog.T(lang, de.Key, shortArgs(de.Args)...)
		if de.Usage != "" {
			msg += "\n" + e.catalog.T(lang, "err.usage", de.Usage)
		}
		return e.userReply(ev, msg)
	case errors.Is(err, context.DeadlineExceeded):
		e.log.Warn("event timed out", "kind", ev.Kind.String(), "event", ev.ID, "err", err)
		return e.userReply(ev, e.catalog.T(lang, "err.timeout"))
	default:
		ref := newRef()
		e.log.Error("event failed", "ref", ref, "kind", ev.Kind.String(), "event", ev.ID,
			"route", ev.Command+ev.Action, "err", err)
		return e.userReply(ev, e.catalog.T(lang, "err.internal", ref))
	}
}

// maxEchoed bounds, in runes, each string argument an error reply echoes
// (a 4,000-character keyword, a pasted paragraph): the reason around it
// stays whole, well under every platform's message limit.
const maxEchoed = 100

// shortArgs returns args with each string made fit to echo: bytes that are
// not UTF-8 replaced by "�", then shortened to maxEchoed runes
// (text.Shorten); args itself is left as it was.
func shortArgs(args []any) []any {
	var out []any
	for i, a := range args {
		if s, ok := a.(string); ok && (len(s) > maxEchoed || !utf8.ValidString(s)) {
			if out == nil {
				out = slices.Clone(args)
			}
			out[i] = text.Shorten(strings.ToValidUTF8(s, "\uFFFD"), maxEchoed)
		}
	}
	if out == nil {
		return args
	}
	return out
}

// userReply returns nil for messages: nobody asked, so nobody is answered.
func (e *Engine) userReply(ev Event, msg string) *Reply {
	if ev.Kind == EventMessage || ev.Kind == EventAutocomplete {
		return nil
	}
	return &Reply{Text: msg}
}

func newRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Do hands a to the platform that owns its target.
func (e *Engine) Do(ctx context.Context, a Action) (MessageRef, error) {
	pid := a.Platform()
	p, ok := e.platforms[pid]
	if !ok {
		return MessageRef{}, Errorf(CodeUnavailable, "err.platform_off", string(pid))
	}
	if a.Card != nil {
		if err := a.Card.Validate(); err != nil {
			return MessageRef{}, fmt.Errorf("%s on %s: %w", a.Kind, pid, err)
		}
	}
	ref, err := p.Do(ctx, a)
	outcome := "ok"
	if err != nil {
		outcome = "error"
		if errors.Is(err, ErrUnknownOutcome) {
			outcome = "unknown"
		}
		err = fmt.Errorf("%s on %s: %w", a.Kind, pid, err)
	}
	e.actions.With(string(pid), a.Kind.String(), outcome).Inc()
	return ref, err
}

// Link returns a web link to m when its platform can build one, else "".
func (e *Engine) Link(m MessageRef) string {
	if l, ok := e.platforms[m.Channel.Platform].(Linker); ok {
		return l.Link(m)
	}
	return ""
}

// Health reports each platform's connection state.
func (e *Engine) Health() map[PlatformID]ConnState {
	out := make(map[PlatformID]ConnState, len(e.order))
	for _, p := range e.order {
		st := StateConnected
		if r, ok := p.(StatusReporter); ok {
			st = r.Status()
		}
		out[p.ID()] = st
	}
	return out
}

// Has reports whether platform p is configured.
func (e *Engine) Has(p PlatformID) bool { _, ok := e.platforms[p]; return ok }

// Run runs every platform and every runner until ctx is done. If one of them
// fails, the others are stopped and the first error is returned.
func (e *Engine) Run(ctx context.Context, runners ...Runner) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	fail := func(name string, err error) {
		if err == nil || ctx.Err() != nil {
			return
		}
		once.Do(func() {
			firstErr = fmt.Errorf("%s: %w", name, err)
			cancel()
		})
	}
	for _, p := range e.order {
		wg.Go(func() { fail(string(p.ID()), p.Run(ctx, e)) })
	}
	for _, r := range runners {
		wg.Go(func() { fail(fmt.Sprintf("%T", r), r.Run(ctx)) })
	}
	wg.Wait()
	return firstErr
}

// Shutdown waits for the events being handled to finish, at most until ctx
// is done; then it cancels whatever still runs and waits a little more
// (afterCancel) for it to stop. Call it once the platforms have stopped
// taking events; the engine handles nothing after it.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.gate.Lock()
	e.closing = true
	e.gate.Unlock()
	done := make(chan struct{})
	go func() { // ends when the last event does; afterCancel bounds the wait for it
		e.inflight.Wait()
		close(done)
	}()
	defer e.end()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	e.end()
	select {
	case <-done:
	case <-time.After(afterCancel):
	}
	return fmt.Errorf("shutdown: events still running after the grace period were cancelled: %w", ctx.Err())
}

// afterCancel is how long Shutdown waits for cancelled events to return.
const afterCancel = 2 * time.Second

// PlatformNames lists configured platform ids, for logs.
func (e *Engine) PlatformNames() string {
	names := make([]string, len(e.order))
	for i, p := range e.order {
		names[i] = string(p.ID())
	}
	return strings.Join(names, ",")
}
