// Package digest is the skill that sums up the community: a daily or weekly
// digest in the team channel (volume, inbox items, complaints, sentiment,
// response times, open items, top topics, scheduled posts and moderation
// when those skills exist, and a chart), and an alert the moment volume or
// negativity jumps above the usual level.
//
// # Aggregates
//
// Every new message of a watched channel is classified (the offline
// classifier) and counted in memory; the runner stores the counts as
// bot.HourStats, one record per hour and channel, every minute in one
// transaction. A crash loses nothing: at start the hours since the last
// stored flush are rebuilt from the history. Digests and alerts read only
// these records and the inbox items, never the raw history.
//
// # Schedule
//
// A scheduled digest is one durable timer record per occurrence ("digest.post"
// keyed by the occurrence's instant), claimed in the skill's settings before
// it is posted, so it goes out once per period across restarts. One missed
// while the bot was down goes out late, marked so, within CatchUp; later
// than that it is skipped and the next digest covers the time since the last
// one sent.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Name is the skill's name and the key of its settings.
const Name = "digest"

// timerKind is the durable timer kind of scheduled digests. Stored: frozen.
const timerKind = "digest.post"

// CatchUp is how late a scheduled digest missed while the bot was down may
// still go out.
const CatchUp = time.Hour

// lateAfter is how late a digest must be to be marked late.
const lateAfter = 2 * time.Minute

// Config is what the skill needs. Posts and Moderation are optional.
type Config struct {
	Aggregates bot.Aggregates
	History    bot.History
	Inbox      bot.InboxStore
	Settings   bot.SettingsStore
	Skills     bot.SkillSettings
	Timers     bot.Timers
	Sender     bot.Sender
	// Classifier classifies every counted message; use the offline one,
	// which is cheap and gives the same answer when the history is replayed.
	// A *Memo that the inbox also classifies through saves classifying each
	// message twice.
	Classifier bot.Classifier
	Catalog    *bot.Catalog
	// Link renders a message's permalink.
	Link       func(bot.MessageRef) string
	Posts      bot.ScheduledPostSource
	Moderation bot.ModerationSource
	Clock      bot.Clock
	Logger     *slog.Logger
}

// Skill is the digest skill: a bot.Skill and a bot.Runner.
type Skill struct {
	cfg  Config
	log  *slog.Logger
	live *live
	// storeMu orders flushes and rebuilds, so a rebuild never races a flush
	// of counts it replaces.
	storeMu sync.Mutex
	alerts  alerter
	brand   brandCache
	// rebuilds holds the one rebuild asked for and not yet started.
	rebuilds chan rebuildRequest
}

var (
	_ bot.Skill  = (*Skill)(nil)
	_ bot.Runner = (*Skill)(nil)
)

// New returns the skill and registers its timer handler with cfg.Timers.
func New(cfg Config) *Skill {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Link == nil {
		cfg.Link = func(bot.MessageRef) string { return "" }
	}
	s := &Skill{cfg: cfg, log: cfg.Logger.With("component", Name), live: newLive(), rebuilds: make(chan rebuildRequest, 1)}
	cfg.Timers.Handle(timerKind, s.fire)
	return s
}

// Name is "digest".
func (s *Skill) Name() string { return Name }

// Messages are the skill's words, for the catalogue (bot.Localized).
func (s *Skill) Messages() bot.Messages { return Messages() }

func (s *Skill) now() time.Time { return s.cfg.Clock.Now() }

// settings are the skill's stored settings.
type settings struct {
	// Schedule is "daily", "weekly" or "" (no scheduled digest).
	Schedule string `json:"schedule,omitempty"`
	// At is the local time "09:00"; Weekday the day of a weekly digest.
	At      string       `json:"at,omitempty"`
	Weekday time.Weekday `json:"weekday,omitempty"`
	// Channel overrides the team channel.
	Channel bot.ChannelRef `json:"channel,omitzero"`
	// Next is the occurrence the timer waits for; Claimed the last one
	// claimed for posting; PeriodEnd the end of the last period posted.
	Next      time.Time `json:"next,omitzero"`
	Claimed   time.Time `json:"claimed,omitzero"`
	PeriodEnd time.Time `json:"period_end,omitzero"`

	AlertsOff   bool     `json:"alerts_off,omitempty"`
	Sensitivity string   `json:"sensitivity,omitempty"`
	Incident    incident `json:"incident,omitzero"`
}

func (s *Skill) load(ctx context.Context) (settings, error) {
	var c settings
	if err := s.cfg.Skills.LoadSkill(ctx, Name, &c); err != nil {
		return c, fmt.Errorf("digest settings: %w", err)
	}
	return c, nil
}

// Register adds the digest commands, "setup alerts" and the "digest"
// message handler (register it after the history and the inbox).
func (s *Skill) Register(r *bot.Router) {
	staff := r.Group(bot.StaffOnly)
	staff.Command(bot.Command{Route: "digest now", Description: "Post the digest of the last day in this channel now",
		Handler: bot.HandlerFunc(s.cmdNow)})
	staff.Command(bot.Command{Route: "digest preview", Default: true, Description: "Show the digest of the last day to you only",
		Handler: bot.HandlerFunc(s.cmdPreview)})
	staff.Command(bot.Command{Route: "digest at", Description: "Post the digest every day at this local time",
		Options: []bot.Option{{Name: "time", Type: bot.OptWord, Required: true, Description: "e.g. 09:00"}},
		Handler: bot.HandlerFunc(s.cmdAt)})
	staff.Command(bot.Command{Route: "digest weekly", Description: "Post the digest of the week on this day at this local time",
		Options: []bot.Option{
			{Name: "day", Type: bot.OptChoice, Required: true, Choices: weekdayNames[:], Description: "e.g. monday"},
			{Name: "time", Type: bot.OptWord, Required: true, Description: "e.g. 09:00"},
		},
		Handler: bot.HandlerFunc(s.cmdWeekly)})
	staff.Command(bot.Command{Route: "digest off", Description: "Stop the scheduled digest",
		Handler: bot.HandlerFunc(s.cmdOff)})
	staff.Command(bot.Command{Route: "digest channel", Description: "Post the scheduled digest in this channel",
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Required: true, Description: "The channel"}},
		Handler: bot.HandlerFunc(s.cmdChannel)})
	staff.Command(bot.Command{Route: "digest rebuild", Description: "Recount the digest figures from the stored history",
		Handler: bot.HandlerFunc(s.cmdRebuild)})
	staff.Command(bot.Command{Route: "setup alerts", Description: "Turn spike alerts on or off, or set their sensitivity",
		Options: []bot.Option{
			{Name: "mode", Type: bot.OptChoice, Required: true, Choices: []string{"on", "off", "sensitivity"}, Description: "on, off or sensitivity"},
			{Name: "level", Type: bot.OptChoice, Choices: sensitivities, Description: "low, normal or high"},
		},
		Handler: bot.HandlerFunc(s.cmdAlerts)})
	r.Message(Name, bot.HandlerFunc(s.handleMessage))
}

// Run recovers the counts lost by a crash, makes sure the next scheduled
// digest has its timer record, then stores the live counts every minute,
// checks for spikes as messages arrive (at most every spikeEvery), runs the rebuilds asked for, and
// purges the aggregates past the retention once a day, until ctx is done (it
// stores what is pending first).
func (s *Skill) Run(ctx context.Context) error {
	start := s.now()
	s.storeMu.Lock()
	err := s.recover(ctx, start)
	s.storeMu.Unlock()
	if err != nil {
		s.log.Error("recover the counts since the last flush", "err", err)
	}
	if err := s.ensureScheduled(ctx); err != nil {
		s.log.Error("schedule the next digest", "err", err)
	}
	s.purge(ctx)
	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	purge := time.NewTicker(24 * time.Hour)
	defer purge.Stop()
	var (
		lastSpike  time.Time
		spikeTimer *time.Timer
		spikeDue   <-chan time.Time // set while a check waits for spikeEvery
	)
	defer func() {
		if spikeTimer != nil {
			spikeTimer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			s.flushLogged(fctx)
			cancel()
			return nil
		case <-flush.C:
			s.flushLogged(ctx)
		case <-purge.C:
			s.purge(ctx)
		case req := <-s.rebuilds:
			if err := s.runRebuild(ctx, req); err != nil && ctx.Err() == nil {
				s.log.Error("digest rebuild", "err", err)
			}
		case <-s.live.wake:
			s.live.mu.Lock()
			full := len(s.live.pending) >= maxPending
			s.live.mu.Unlock()
			if full {
				s.flushLogged(ctx)
			}
			// A spike check reads the whole last hour: during a burst it runs
			// at most every spikeEvery, then once more for what came since.
			if wait := spikeEvery - time.Since(lastSpike); wait > 0 {
				if spikeDue == nil {
					spikeTimer = time.NewTimer(wait)
					spikeDue = spikeTimer.C
				}
				continue
			}
			s.spikeLogged(ctx)
			lastSpike = time.Now()
		case <-spikeDue:
			spikeDue = nil
			s.spikeLogged(ctx)
			lastSpike = time.Now()
		}
	}
}

// spikeEvery is the least time between two spike checks.
const spikeEvery = time.Second

func (s *Skill) spikeLogged(ctx context.Context) {
	if err := s.checkSpike(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("spike check", "err", err)
	}
}

func (s *Skill) flushLogged(ctx context.Context) {
	s.storeMu.Lock()
	defer s.storeMu.Unlock()
	if err := s.flush(ctx); err != nil {
		s.log.Error("store the live counts", "err", err)
	}
}

func (s *Skill) purge(ctx context.Context) {
	st, err := s.cfg.Settings.Settings(ctx)
	if err == nil {
		_, err = s.cfg.Aggregates.Purge(ctx, s.now().Add(-st.RetentionOrDefault()))
	}
	if err != nil && ctx.Err() == nil {
		s.log.Error("purge old aggregates", "err", err)
	}
}

// errSkip ends a settings update without saving.
var errSkip = errors.New("nothing to change")
