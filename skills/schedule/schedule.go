// Package schedule is the scheduled-posts skill: one-off and recurring posts
// to any channel of either platform, read from natural EN/FR/NL times in the
// team's zone, optionally approved by staff, and published exactly once.
//
// # Exactly once
//
// Each occurrence of a post is its own record (bot.Occurrence), keyed by
// post and time, and every state move is one transaction of the store. At
// its time the durable timer (bot.Timers, kind "schedule.post") hands the
// occurrence to fire, which moves it scheduled → sending, then the post is
// sent, then sending → sent with the platform's message id and link. A
// crash between sending and sent leaves "sending"; the next run moves it to
// unknown and asks a person on a card (It was posted / Post again). Nothing
// is ever re-sent on its own.
//
// # Recurring posts and downtime
//
// A recurring post arms its next occurrence from fire, before it sends, so
// a failure, a skipped or an unapproved occurrence never blocks the next.
// Occurrences found overdue by more than the catch-up window (default 1 h)
// are marked missed, not posted, and listed to the team in one message.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// timerKind is the kind of this skill's timer records. Stored: frozen.
const timerKind = "schedule.post"

// Config wires the skill.
type Config struct {
	Store    bot.ScheduleStore
	Settings bot.SettingsStore
	Options  bot.SkillSettings
	Timers   bot.Timers
	Audit    bot.Auditor
	Sender   bot.Sender
	Catalog  *bot.Catalog
	// Link builds a web link to a message ("" when the platform cannot).
	Link   func(bot.MessageRef) string
	Logger *slog.Logger
	Clock  bot.Clock
}

// Options are the skill's settings, stored under "schedule".
type Options struct {
	// Approval makes each new or edited post wait for a staff approval.
	Approval bool `json:"approval"`
	// OtherApprover requires the approver to be someone else than the author.
	OtherApprover bool `json:"other_approver"`
	// CatchUp is how late a missed occurrence may still go out.
	CatchUp bot.Duration `json:"catch_up"`
}

// DefaultCatchUp is the catch-up window unless set.
const DefaultCatchUp = time.Hour

// Skill is the scheduled-posts skill.
type Skill struct {
	Config
	log *slog.Logger
	// started is when this process's skill began: a "sending" occurrence
	// older than that was interrupted by a crash.
	started time.Time
	// report wakes Run to list missed occurrences (bounded: one pending wake).
	report chan struct{}
}

var (
	_ bot.Skill     = (*Skill)(nil)
	_ bot.Runner    = (*Skill)(nil)
	_ bot.Localized = (*Skill)(nil)
)

// New returns the skill and registers its timer handler on cfg.Timers.
func New(cfg Config) *Skill {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Link == nil {
		cfg.Link = func(bot.MessageRef) string { return "" }
	}
	s := &Skill{Config: cfg, log: cfg.Logger.With("component", "schedule"), started: cfg.Clock.Now(),
		report: make(chan struct{}, 1)}
	cfg.Timers.Handle(timerKind, s.fire)
	return s
}

// Messages returns the skill's words (bot.Localized).
func (s *Skill) Messages() bot.Messages { return Messages() }

// Name is "schedule".
func (s *Skill) Name() string { return "schedule" }

// Register adds /cm schedule …, /cm setup schedule-approval and
// /cm setup catch-up, and the buttons and forms of the cards.
func (s *Skill) Register(r *bot.Router) {
	staff := r.Group(bot.StaffOnly)
	s.registerCommands(r, staff)
	s.registerActions(staff)
	r.SettingLine(bot.SettingLine{Order: 300, Render: s.settingLine})
}

// settingLine is the skill's line of /cm setup show.
func (s *Skill) settingLine(ctx context.Context, _ bot.Settings, l bot.Lang) (string, error) {
	o, err := s.options(ctx)
	if err != nil {
		return "", err
	}
	approval := s.Catalog.T(l, "schedule.setup.approval_off")
	switch {
	case o.Approval && o.OtherApprover:
		approval = s.Catalog.T(l, "schedule.setup.approval_other")
	case o.Approval:
		approval = s.Catalog.T(l, "schedule.setup.approval_on")
	}
	catchUp := s.Catalog.T(l, "schedule.setup.catch_up_off")
	if o.CatchUp > 0 {
		catchUp = shortDuration(time.Duration(o.CatchUp))
	}
	return s.Catalog.T(l, "schedule.setup.show", approval, catchUp), nil
}

// defaultOptions are the options before any is set: they are what
// LoadSkill and UpdateSkill start from.
func defaultOptions() Options { return Options{CatchUp: bot.Duration(DefaultCatchUp)} }

func (s *Skill) options(ctx context.Context) (Options, error) {
	o := defaultOptions()
	if err := s.Options.LoadSkill(ctx, "schedule", &o); err != nil {
		return o, fmt.Errorf("schedule options: %w", err)
	}
	return o, nil
}

// team returns the team settings, for language, zone and team channel.
func (s *Skill) team(ctx context.Context) (bot.Settings, error) {
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return st, fmt.Errorf("settings: %w", err)
	}
	return st, nil
}

func (s *Skill) lang(ctx context.Context) bot.Lang {
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return bot.English
	}
	return st.Lang()
}

func (s *Skill) text(ctx context.Context, key string, args ...any) *bot.Reply {
	return bot.Text(s.Catalog.T(s.lang(ctx), key, args...))
}

func (s *Skill) audit(ctx context.Context, by bot.UserRef, action string, id uint64, detail string) {
	e := bot.AuditEntry{Time: s.Clock.Now(), Actor: by, Action: action, Target: "post " + strconv.FormatUint(id, 10), Detail: detail}
	if err := s.Audit.Audit(ctx, e); err != nil {
		// The change is saved; losing its audit line must not undo it.
		s.log.Error("audit entry lost", "action", action, "target", e.Target, "err", err)
	}
}

// parseID reads a post id ("7" or "#7").
func parseID(v string) (uint64, error) { return bot.ParseNumber(v, "schedule.err.bad_id") }

// notFound maps a store's not-found into a user error.
func notFound(err error, id uint64) error { return bot.NotFoundAs(err, "schedule.err.no_post", id) }

// timerKey names the timer record of one occurrence: "7@2026-12-01T08:00:00Z".
func timerKey(id uint64, at time.Time) string {
	return strconv.FormatUint(id, 10) + "@" + at.UTC().Format(time.RFC3339)
}

func parseTimerKey(k string) (uint64, time.Time, error) {
	ids, ats, ok := strings.Cut(k, "@")
	id, err := strconv.ParseUint(ids, 10, 64)
	if !ok || err != nil {
		return 0, time.Time{}, fmt.Errorf("timer key %q: want id@time", k)
	}
	at, err := time.Parse(time.RFC3339, ats)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("timer key %q: %w", k, err)
	}
	return id, at, nil
}

// Platform message limits, in characters.
var maxText = map[bot.PlatformID]int{bot.Discord: 2000, bot.Slack: 40000}

// pingOf names the first mass ping the text holds (@everyone, @here, a
// role or user group, in any spelling bot/text recognises), or "".
func pingOf(s string) string {
	for _, m := range text.Mentions(s) {
		switch m.Kind {
		case text.MentionEveryone:
			return "@everyone"
		case text.MentionHere:
			return "@here"
		case text.MentionRole:
			return "@role"
		}
	}
	return ""
}

// checkText refuses a post text the platform would refuse or that pings
// without --ping.
func checkText(text string, p bot.PlatformID, ping bool) error {
	if strings.TrimSpace(text) == "" {
		return bot.Invalid("schedule.err.empty")
	}
	if n, limit := len([]rune(text)), maxText[p]; limit > 0 && n > limit {
		return bot.Invalid("schedule.err.too_long", n, limit, string(p))
	}
	if who := pingOf(text); who != "" && !ping {
		return bot.Invalid("schedule.err.ping", who)
	}
	return nil
}

// cutPing removes a "--ping" word from s and reports whether there was one.
func cutPing(s string) (string, bool) {
	found := false
	var kept []string
	for _, f := range strings.Split(s, " ") {
		if f == "--ping" || f == "—ping" {
			found = true
			continue
		}
		kept = append(kept, f)
	}
	return strings.Join(kept, " "), found
}

// shortDuration renders d as people write it: 1h, 30m, 1h30m, 45s.
func shortDuration(d time.Duration) string {
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}
