package digest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

var weekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// parseClock reads "09:00", "9:00" or "9h30" as hour and minute.
func parseClock(v string) (int, int, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	h, m, ok := strings.Cut(v, ":")
	if !ok {
		h, m, ok = strings.Cut(v, "h")
	}
	if !ok {
		return 0, 0, false
	}
	if m == "" {
		m = "0"
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || len(h) > 2 || len(m) > 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, 0, false
	}
	return hh, mm, true
}

// next returns the first occurrence of c's schedule after t, zero when off.
func (c *settings) next(t time.Time, loc *time.Location) time.Time {
	h, m, ok := parseClock(c.At)
	if !ok {
		return time.Time{}
	}
	switch c.Schedule {
	case "daily":
		return bot.NextLocal(t, loc, h, m, bot.EveryDay)
	case "weekly":
		return bot.NextLocal(t, loc, h, m, bot.OnWeekdays(c.Weekday))
	}
	return time.Time{}
}

// period is the span a scheduled digest covers.
func (c *settings) period() time.Duration {
	if c.Schedule == "weekly" {
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

func timerKey(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// reschedule sets the schedule with fn, stores the next occurrence and its
// timer record, and cancels the previous one.
func (s *Skill) reschedule(ctx context.Context, e bot.Event, fn func(c *settings) error) (*bot.Reply, error) {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var c settings
	var old time.Time
	err = s.cfg.Skills.UpdateSkill(ctx, Name, &c, func() error {
		old = c.Next
		if err := fn(&c); err != nil {
			return err
		}
		c.Next = c.next(s.now(), st.Location())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !old.IsZero() && !old.Equal(c.Next) {
		if _, err := s.cfg.Timers.Cancel(ctx, timerKind, timerKey(old)); err != nil {
			return nil, fmt.Errorf("cancel the previous digest: %w", err)
		}
	}
	if err := s.ensureScheduled(ctx); err != nil {
		return nil, err
	}
	lang := st.Lang()
	if c.Next.IsZero() {
		return bot.Text(s.cfg.Catalog.T(lang, "digest.ok.off")), nil
	}
	where := c.Channel
	if where.IsZero() {
		where = st.TeamChannel
	}
	return bot.Text(s.cfg.Catalog.T(lang, "digest.ok.scheduled", s.describe(lang, c), s.fmtWhen(lang, c.Next.In(st.Location())), channelName(where))), nil
}

// describe says the schedule in words: "every day at 09:00".
func (s *Skill) describe(lang bot.Lang, c settings) string {
	if c.Schedule == "weekly" {
		return s.cfg.Catalog.T(lang, "digest.every_week", s.cfg.Catalog.T(lang, "digest.weekday."+strconv.Itoa(int(c.Weekday))), c.At)
	}
	return s.cfg.Catalog.T(lang, "digest.every_day", c.At)
}

// ensureScheduled stores the timer record of the stored next occurrence
// (again: scheduling the same key replaces it, so this is safe to repeat).
func (s *Skill) ensureScheduled(ctx context.Context) error {
	c, err := s.load(ctx)
	if err != nil || c.Next.IsZero() || c.Schedule == "" {
		return err
	}
	return s.cfg.Timers.Schedule(ctx, bot.TimerRecord{Kind: timerKind, Key: timerKey(c.Next), At: c.Next})
}

func (s *Skill) cmdAt(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	at := e.Option("time")
	h, m, ok := parseClock(at)
	if !ok {
		return nil, bot.Invalid("digest.err.bad_time", at)
	}
	return s.reschedule(ctx, e, func(c *settings) error {
		c.Schedule, c.At = "daily", fmt.Sprintf("%02d:%02d", h, m)
		return nil
	})
}

func (s *Skill) cmdWeekly(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	at := e.Option("time")
	h, m, ok := parseClock(at)
	if !ok {
		return nil, bot.Invalid("digest.err.bad_time", at)
	}
	day := 0
	for i, n := range weekdayNames {
		if n == e.Option("day") {
			day = i
		}
	}
	return s.reschedule(ctx, e, func(c *settings) error {
		c.Schedule, c.At, c.Weekday = "weekly", fmt.Sprintf("%02d:%02d", h, m), time.Weekday(day)
		return nil
	})
}

func (s *Skill) cmdOff(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	return s.reschedule(ctx, e, func(c *settings) error {
		c.Schedule = ""
		return nil
	})
}

func (s *Skill) cmdChannel(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	ch, err := bot.ParseChannelRef(e.Option("channel"))
	if err != nil {
		return nil, bot.Invalid("err.bad_channel", e.Option("channel"))
	}
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var c settings
	if err := s.cfg.Skills.UpdateSkill(ctx, Name, &c, func() error { c.Channel = ch; return nil }); err != nil {
		return nil, err
	}
	return bot.Text(s.cfg.Catalog.T(st.Lang(), "digest.ok.channel", channelName(ch))), nil
}

// rebuildRequest asks the runner for a rebuild; it answers who asked, where.
type rebuildRequest struct {
	channel bot.ChannelRef
	user    bot.UserRef
}

// cmdRebuild hands the rebuild to the runner, which may take longer than a
// command may (a month of a busy server is a million messages), and says so.
func (s *Skill) cmdRebuild(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	select {
	case s.rebuilds <- rebuildRequest{channel: e.Message.Channel, user: e.User}:
		return bot.Text(s.cfg.Catalog.T(st.Lang(), "digest.ok.rebuilding")), nil
	default:
		return nil, bot.Errorf(bot.CodeConflict, "digest.err.rebuilding")
	}
}

// runRebuild recounts the retention window and tells whoever asked.
func (s *Skill) runRebuild(ctx context.Context, req rebuildRequest) error {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	s.storeMu.Lock()
	n, err := s.Rebuild(ctx, now.Add(-st.RetentionOrDefault()), now)
	s.storeMu.Unlock()
	text := s.cfg.Catalog.T(st.Lang(), "digest.ok.rebuilt", n)
	if err != nil {
		text = s.cfg.Catalog.T(st.Lang(), "digest.err.rebuild_failed")
	}
	// Posted in the channel it was asked in: Discord shows a message to one
	// person only in answer to an interaction.
	_, serr := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: req.channel,
		Text: req.user.Mention() + " " + text})
	return errors.Join(err, serr)
}

// lastDay is the period of an on-demand digest: the last 24 hours.
func (s *Skill) lastDay() (time.Time, time.Time) {
	now := s.now()
	return now.Add(-24 * time.Hour), now
}

func (s *Skill) cmdNow(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	ch := e.Message.Channel
	if ch.IsZero() || e.DM {
		ch = st.TeamChannel
	}
	if ch.IsZero() {
		return nil, bot.Invalid("digest.err.no_channel")
	}
	from, to := s.lastDay()
	if err := s.post(ctx, st, ch, from, to, false); err != nil {
		return nil, err
	}
	return bot.Text(s.cfg.Catalog.T(st.Lang(), "digest.ok.posted", channelName(ch))), nil
}

func (s *Skill) cmdPreview(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	from, to := s.lastDay()
	r, err := s.compute(ctx, from, to, st.Location())
	if err != nil {
		return nil, err
	}
	card := s.render(st.Lang(), r)
	return &bot.Reply{Card: &card}, nil
}

// post computes the digest of [from, to) and posts its card and chart in ch.
func (s *Skill) post(ctx context.Context, st bot.Settings, ch bot.ChannelRef, from, to time.Time, late bool) error {
	r, err := s.compute(ctx, from, to, st.Location())
	if err != nil {
		return err
	}
	r.Late = late
	lang := st.Lang()
	card := s.render(lang, r)
	if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: ch, Card: &card}); err != nil {
		return fmt.Errorf("post the digest: %w", err)
	}
	if r.empty() {
		return nil
	}
	png, err := s.chart(lang, r)
	if err != nil {
		return fmt.Errorf("draw the digest chart: %w", err)
	}
	_, err = s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUpload, Channel: ch, File: png, FileName: "digest.png",
		Text: s.cfg.Catalog.T(lang, "digest.chart.caption")})
	if err != nil {
		return fmt.Errorf("upload the digest chart: %w", err)
	}
	return nil
}

// fire handles one scheduled occurrence: it claims it in the settings (so a
// redelivery after a crash does not post it twice), posts it (late within
// CatchUp, not at all after), and schedules the next one.
func (s *Skill) fire(ctx context.Context, rec bot.TimerRecord) error {
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	var (
		c    settings
		from time.Time
	)
	err = s.cfg.Skills.UpdateSkill(ctx, Name, &c, func() error {
		if c.Schedule == "" || !c.Next.Equal(rec.At) || !c.Claimed.Before(rec.At) {
			return errSkip // replaced, turned off, or already claimed
		}
		from = rec.At.Add(-c.period())
		if !c.PeriodEnd.IsZero() && c.PeriodEnd.Before(from) && c.PeriodEnd.After(rec.At.Add(-7*24*time.Hour)) {
			from = c.PeriodEnd // since the last digest sent
		}
		c.Claimed = rec.At
		if now.Sub(rec.At) <= CatchUp {
			c.PeriodEnd = rec.At
		}
		return nil
	})
	claimed := err == nil
	if err != nil && !errors.Is(err, errSkip) {
		return err
	}
	if claimed {
		if late := now.Sub(rec.At); late > CatchUp {
			s.log.Warn("scheduled digest missed while the bot was down", "at", rec.At, "late", late.String())
		} else {
			ch := c.Channel
			if ch.IsZero() {
				ch = st.TeamChannel
			}
			if ch.IsZero() {
				s.log.Warn("scheduled digest has no channel: set the team channel or /cm digest channel")
			} else if err := s.post(ctx, st, ch, from, rec.At, late > lateAfter); err != nil {
				// Claimed: not retried, so a digest never goes out twice.
				s.log.Error("scheduled digest", "at", rec.At, "err", err)
			}
		}
	}
	return s.advance(ctx, st, rec.At)
}

// advance moves the stored next occurrence past at and schedules it.
func (s *Skill) advance(ctx context.Context, st bot.Settings, at time.Time) error {
	var c settings
	err := s.cfg.Skills.UpdateSkill(ctx, Name, &c, func() error {
		if c.Schedule == "" || !c.Next.Equal(at) {
			return errSkip
		}
		c.Next = c.next(maxTime(at, s.now().Add(-CatchUp)), st.Location())
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		return err
	}
	return s.ensureScheduled(ctx)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// channelName renders a channel reference as the core's neutral mention,
// which each adapter shows as its own.
func channelName(c bot.ChannelRef) string {
	if c.IsZero() {
		return "-"
	}
	return c.Mention()
}
