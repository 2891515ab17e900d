// Package history is the skill that keeps the community's message history:
// it records every message of a watched channel, and every message of a
// Discord server (moderation backtests replay server history), with their
// later edits and deletions, in a bot.MessageLog, and deletes what is older
// than the retention setting. Other skills read the history through
// bot.History.
package history

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// purgeEvery is how often Run deletes messages past the retention.
const purgeEvery = 24 * time.Hour

// Config is what the skill needs. Log, Settings, Timers, Audit and Catalog
// are required.
type Config struct {
	// Log stores the messages.
	Log bot.MessageLog
	// Link returns a web link to a message, or "" (the engine's Link); nil
	// stores no links.
	Link func(bot.MessageRef) string
	// Settings give the watched channels and the retention, which
	// /cm setup retention changes.
	Settings bot.SettingsStore
	// Timers run the daily purge ("history.purge").
	Timers bot.Timers
	// Audit records retention changes; Catalog words their confirmation.
	Audit   bot.Auditor
	Catalog *bot.Catalog
	// Logger receives the skill's logs (default slog.Default()).
	Logger *slog.Logger
}

// Skill records messages and purges old ones. It is a bot.Skill and a
// bot.Runner.
type Skill struct {
	log        bot.MessageLog
	link       func(bot.MessageRef) string
	settings   bot.SettingsStore
	logger     *slog.Logger
	startPurge func(ctx context.Context) error
	// edit changes the retention (/cm setup retention).
	edit bot.SettingsEditor
}

var (
	_ bot.Skill     = (*Skill)(nil)
	_ bot.Runner    = (*Skill)(nil)
	_ bot.Localized = (*Skill)(nil)
)

// New returns the history skill of cfg. It registers the daily purge on
// cfg.Timers.
func New(cfg Config) *Skill {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "history")
	link := cfg.Link
	if link == nil {
		link = func(bot.MessageRef) string { return "" }
	}
	s := &Skill{log: cfg.Log, link: link, settings: cfg.Settings, logger: logger,
		edit: bot.SettingsEditor{Store: cfg.Settings, Audit: cfg.Audit, Catalog: cfg.Catalog, Logger: logger}}
	s.startPurge = bot.Every(cfg.Timers, nil, "history.purge", purgeEvery, func(ctx context.Context, now time.Time) error {
		_, err := s.Purge(ctx, now)
		return err
	})
	return s
}

// Name is "history".
func (s *Skill) Name() string { return "history" }

// Register adds the "history" message handler and /cm setup retention.
func (s *Skill) Register(r *bot.Router) {
	r.Message("history", bot.HandlerFunc(s.handleMessage))
	s.registerSetup(r)
}

// handleMessage records e when it is in a watched channel or in a Discord
// server (not a DM): a new message is stored, an edit replaces the stored
// text, a deletion empties the stored message. The change is durable when
// it returns; an edit or deletion of a message that was never stored (sent
// before the channel was watched, or purged) changes nothing.
func (s *Skill) handleMessage(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	st, err := s.settings.Settings(ctx)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	ch := e.Message.Channel
	if !st.IsWatched(ch) && (ch.Platform != bot.Discord || e.DM) {
		return nil, nil
	}
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	if e.Deleted {
		if err := s.log.Delete(ctx, e.Message, t); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		return nil, nil
	}
	m := bot.LoggedMessage{
		Ref: e.Message, Author: e.User, AuthorCreated: e.AuthorCreated, AuthorJoined: e.AuthorJoined,
		Text: e.Text, Attachments: e.Attachments, Mentions: e.Mentions, Time: t,
	}
	if e.Edited {
		m.Edited, m.EditedAt = true, t // an edit's event time is the edit's
	} else {
		m.Link = s.link(e.Message)
	}
	if err := s.log.Record(ctx, m); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return nil, nil
}

// Run has the timer delete messages older than the retention once now,
// then every 24 hours, reading the retention setting each time (a failed
// purge is logged and retried by the timer), and waits until ctx is done.
func (s *Skill) Run(ctx context.Context) error {
	if err := s.startPurge(ctx); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	<-ctx.Done()
	return nil
}

// Purge deletes the messages older than now minus the retention setting and
// returns how many it deleted.
func (s *Skill) Purge(ctx context.Context, now time.Time) (int, error) {
	st, err := s.settings.Settings(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge: %w", err)
	}
	keep := st.RetentionOrDefault()
	n, err := s.log.Purge(ctx, now.Add(-keep))
	if err != nil {
		return n, err
	}
	if n > 0 {
		s.logger.Info("purged old messages", "deleted", n, "retention", keep.String())
	}
	return n, nil
}
