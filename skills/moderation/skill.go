package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Config is what the skill needs. Store, Settings, Skills, Audit, Sender
// and Catalog are required.
type Config struct {
	Store    bot.ModStore
	Settings bot.SettingsStore
	// Skills keeps the strike settings under "moderation".
	Skills  bot.SkillSettings
	Audit   bot.Auditor
	Sender  bot.Sender
	Catalog *bot.Catalog
	// Link returns a web link to a message, or "".
	Link func(bot.MessageRef) string
	// History is read by rule backtest; nil refuses backtests.
	History bot.History
	// Timers lifts temporary bans and renews timeouts past Discord's
	// 28-day cap; nil refuses ban:D and timeouts over 28 days.
	Timers bot.Timers
	// LangOf guesses a member's language from their message, for warnings;
	// nil uses the team's language.
	LangOf func(text string) (bot.Lang, bool)
	// Judge decides borderline toxicity when an LLM is configured; nil
	// leaves borderline messages alone.
	Judge  ToxicJudge
	Clock  bot.Clock
	Logger *slog.Logger
}

// ToxicJudge decides whether a borderline message is targeted abuse.
// Message text is data for the judge, never instructions.
type ToxicJudge interface {
	JudgeToxic(ctx context.Context, text string) (toxic bool, why string, err error)
}

// Skill is the moderation skill.
type Skill struct {
	cfg      Config
	log      *slog.Logger
	counters *counters
	// startPurge schedules the daily purge of case excerpts; nil without
	// a timer.
	startPurge func(ctx context.Context) error

	mu  sync.Mutex
	set *RuleSet // nil until loaded; replaced on every rule change
}

var (
	_ bot.Skill  = (*Skill)(nil)
	_ bot.Runner = (*Skill)(nil)
)

// Timer kinds, frozen once released.
const (
	timerUnban   = "moderation.unban"
	timerTimeout = "moderation.timeout"
	timerPurge   = "moderation.purge"
)

// purgeEvery is how often case excerpts past the retention are removed.
const purgeEvery = 24 * time.Hour

// New returns the moderation skill; it registers its timer handlers on
// cfg.Timers when there is one.
func New(cfg Config) *Skill {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Link == nil {
		cfg.Link = func(bot.MessageRef) string { return "" }
	}
	s := &Skill{cfg: cfg, log: cfg.Logger.With("component", "moderation"), counters: newCounters(maxMembers, maxRecent, maxRateWindow)}
	if cfg.Timers != nil {
		cfg.Timers.Handle(timerUnban, s.onUnbanDue)
		cfg.Timers.Handle(timerTimeout, s.onTimeoutDue)
		s.startPurge = bot.Every(cfg.Timers, cfg.Clock, timerPurge, purgeEvery, s.purge)
	}
	return s
}

// Run starts the daily purge of case excerpts and waits for ctx.
func (s *Skill) Run(ctx context.Context) error {
	if s.startPurge != nil {
		if err := s.startPurge(ctx); err != nil {
			return fmt.Errorf("moderation: %w", err)
		}
	}
	<-ctx.Done()
	return nil
}

// purge removes the message excerpts of cases older than the retention
// period; the cases themselves stay.
func (s *Skill) purge(ctx context.Context, now time.Time) error {
	st, err := s.settings(ctx)
	if err != nil {
		return err
	}
	n, err := s.cfg.Store.PurgeExcerpts(ctx, now.Add(-st.RetentionOrDefault()))
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("case excerpts purged", "count", n)
	}
	return nil
}

// Name is "moderation".
func (s *Skill) Name() string { return "moderation" }

// Messages are the skill's words, for the catalogue (bot.Localized).
func (s *Skill) Messages() bot.Messages { return Messages() }

// ruleSet returns the compiled rules, loading them on first use.
func (s *Skill) ruleSet(ctx context.Context) (*RuleSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set != nil {
		return s.set, nil
	}
	return s.reloadLocked(ctx)
}

// reload compiles the stored rules again after a change.
func (s *Skill) reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.reloadLocked(ctx)
	return err
}

func (s *Skill) reloadLocked(ctx context.Context) (*RuleSet, error) {
	stored, err := s.cfg.Store.Rules(ctx)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	set, err := Compile(stored)
	if set == nil {
		return nil, err
	}
	if err != nil {
		// A rule an older version stored that no longer compiles: the
		// others keep working.
		s.log.Error("rules skipped", "err", err)
	}
	s.set = set
	return set, nil
}

// strikeSettings are the skill's settings in bot.SkillSettings.
type strikeSettings struct {
	// Decay is how long a strike counts (default 30 days).
	Decay bot.Duration `json:"decay,omitempty"`
	// Ladder is the escalation: at At strikes, do Action.
	Ladder []step `json:"ladder,omitempty"`
}

type step struct {
	At     int    `json:"at"`
	Action string `json:"action"` // "timeout:1h", "kick", "ban", "ban:7d"
}

const defaultDecay = 30 * 24 * time.Hour

func (st strikeSettings) decay() time.Duration {
	if st.Decay > 0 {
		return time.Duration(st.Decay)
	}
	return defaultDecay
}

func (s *Skill) strikes(ctx context.Context) strikeSettings {
	var st strikeSettings
	if err := s.cfg.Skills.LoadSkill(ctx, "moderation", &st); err != nil {
		s.log.Error("load strike settings", "err", err)
	}
	return st
}

// audit records a staff change; a failed write is logged, the change stays.
func (s *Skill) audit(ctx context.Context, actor bot.UserRef, action, target, detail string) {
	err := s.cfg.Audit.Audit(ctx, bot.AuditEntry{Time: s.cfg.Clock.Now(), Actor: actor, Action: action, Target: target, Detail: detail})
	if err != nil {
		s.log.Error("audit entry lost", "action", action, "actor", actor.Key(), "err", err)
	}
}

func (s *Skill) settings(ctx context.Context) (bot.Settings, error) {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return bot.Settings{}, fmt.Errorf("moderation: settings: %w", err)
	}
	return st, nil
}

// missingPermission reports a platform refusal for permissions or role
// hierarchy (Discord 403 / 50013, Slack not_authorized or cant_kick_*).
func missingPermission(err error) bool {
	var be *bot.Error
	if errors.As(err, &be) && (be.Key == "discord.no_permission" || be.Code == bot.CodeForbidden) {
		return true
	}
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "not_authorized") || strings.Contains(msg, "cant_kick") || strings.Contains(msg, "restricted_action")
}
