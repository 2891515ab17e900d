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

// Config is what the skill needs. Log and Settings are required.
type Config struct {
	// Log stores the messages.
	Log bot.MessageLog
	// Link returns a web link to a message, or "" (the engine's Link); nil
	// stores no links.
	Link func(bot.MessageRef) string
	// Settings give the watched channels and the retention.
	Settings bot.SettingsStore
	// Logger receives the skill's logs (default slog.Default()).
	Logger *slog.Logger
}

// Skill records messages and purges old ones. It is a bot.Skill and a
// bot.Runner.
type Skill struct {
	log      bot.MessageLog
	link     func(bot.MessageRef) string
	settings bot.SettingsStore
	logger   *slog.Logger
}

var (
	_ bot.Skill  = (*Skill)(nil)
	_ bot.Runner = (*Skill)(nil)
)

// New returns the history skill of cfg.
func New(cfg Config) *Skill {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	link := cfg.Link
	if link == nil {
		link = func(bot.MessageRef) string { return "" }
	}
	return &Skill{log: cfg.Log, link: link, settings: cfg.Settings, logger: logger.With("component", "history")}
}

// Name is "history".
func (s *Skill) Name() string { return "history" }

// Register adds the "history" message handler.
func (s *Skill) Register(r *bot.Router) {
	r.Message("history", bot.HandlerFunc(s.handleMessage))
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

// Run deletes messages older than the retention once at start, then every
// 24 hours, reading the retention setting each time, until ctx is done. A
// failed purge is logged and tried again at the next tick.
func (s *Skill) Run(ctx context.Context) error {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		if _, err := s.Purge(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.logger.Error("purge failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
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
