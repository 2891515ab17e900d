// Package history is the skill that keeps the community's message history:
// it stores every message of a watched channel, and every message of a
// Discord server (moderation backtests replay server history), in the
// storage.MessageLog, and deletes what is older than the retention setting.
package history

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// purgeEvery is how often messages past the retention are deleted.
const purgeEvery = 24 * time.Hour

// Skill stores messages and purges old ones. It is a bot.Skill and a
// bot.Runner.
type Skill struct {
	log        *storage.MessageLog
	settings   bot.SettingsStore
	logger     *slog.Logger
	startPurge func(ctx context.Context) error
}

var (
	_ bot.Skill  = (*Skill)(nil)
	_ bot.Runner = (*Skill)(nil)
)

// New returns the history skill over log; settings give the watched channels
// and the retention. It registers the daily purge ("history.purge") on
// timers. A nil logger logs to slog.Default().
func New(log *storage.MessageLog, settings bot.SettingsStore, timers bot.Timers, logger *slog.Logger) *Skill {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Skill{log: log, settings: settings, logger: logger.With("component", "history")}
	s.startPurge = bot.Every(timers, nil, "history.purge", purgeEvery, func(ctx context.Context, now time.Time) error {
		_, err := s.Purge(ctx, now)
		return err
	})
	return s
}

// Name is "history".
func (s *Skill) Name() string { return "history" }

// Register adds the "history" message handler.
func (s *Skill) Register(r *bot.Router) {
	r.Message("history", bot.HandlerFunc(s.handleMessage))
}

// handleMessage stores e when it is in a watched channel or in a Discord
// server (not a DM); an edit is stored as a new record marked Edited. The
// message is durable when it returns.
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
	err = s.log.Append(ctx, storage.Message{
		Platform: ch.Platform, Channel: ch.ID, ID: e.Message.ID, ThreadID: e.Message.ThreadID,
		AuthorID: e.User.ID, AuthorName: e.User.Name, AuthorRoles: e.User.Roles, AuthorBot: e.User.Bot,
		Text: e.Text, Time: t, Edited: e.Edited,
	})
	if err != nil {
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
