package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// lateAfter marks an occurrence sent this long after its time as late.
const lateAfter = time.Minute

// maxMissedRecorded bounds the missed occurrences one overdue record writes
// (a minutely cron after a week down); the report says how many more.
const maxMissedRecorded = 50

// reportQuiet is how long Run waits after the last missed occurrence before
// listing them all in one message.
const reportQuiet = 3 * time.Second

// Run checks, once at start, the occurrences a stop left behind (sends in
// doubt, occurrences the timer may not hold, missed ones not reported),
// then lists missed occurrences to the team as they are found, each batch
// in one message. It returns when ctx is done.
func (s *Skill) Run(ctx context.Context) error {
	if err := s.recover(ctx); err != nil {
		s.log.Error("start-up check", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.report:
		}
		// Let the other overdue records of this start arrive first.
		for quiet := false; !quiet; {
			select {
			case <-ctx.Done():
				return nil
			case <-s.report:
			case <-time.After(reportQuiet):
				quiet = true
			}
		}
		if err := s.reportMissed(ctx); err != nil {
			s.log.Error("report missed posts", "err", err)
		}
	}
}

func (s *Skill) wakeReport() {
	select {
	case s.report <- struct{}{}:
	default:
	}
}

// recover handles what NeedsAttention.
func (s *Skill) recover(ctx context.Context) error {
	occs, err := s.Store.Attention(ctx)
	if err != nil {
		return err
	}
	missed := false
	for _, o := range occs {
		switch {
		case o.State == bot.OccScheduled:
			if err := s.armTimer(ctx, o.Post, o.At); err != nil {
				s.log.Error("arm occurrence", "post", o.Post, "at", o.At, "err", err)
			}
		case o.State == bot.OccSending && o.Since.Before(s.started):
			s.inDoubt(ctx, o.Post, o.At)
		case o.State == bot.OccMissed:
			missed = true
		}
	}
	if missed {
		s.wakeReport()
	}
	return nil
}

// arm makes at the post's next occurrence, in one transaction with change
// (which may be nil), then hands it to the timer.
func (s *Skill) arm(ctx context.Context, id uint64, at time.Time, change func(p *bot.ScheduledPost) error) (bot.ScheduledPost, error) {
	now := s.Clock.Now()
	p, _, err := s.Store.UpdateOccurrence(ctx, id, at, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
		if change != nil {
			if err := change(p); err != nil {
				return err
			}
		}
		if o.State == "" {
			o.State, o.Since = bot.OccScheduled, now
		}
		p.Next = at.UTC()
		return nil
	})
	if err != nil {
		return p, err
	}
	if err := s.armTimer(ctx, id, at); err != nil {
		// The occurrence stays unarmed: the next start arms it.
		return p, fmt.Errorf("arm post %d at %s: %w", id, at, err)
	}
	return p, nil
}

// armTimer hands an occurrence to the timer and records that it did.
func (s *Skill) armTimer(ctx context.Context, id uint64, at time.Time) error {
	if err := s.Timers.Schedule(ctx, bot.TimerRecord{Kind: timerKind, Key: timerKey(id, at), At: at}); err != nil {
		return err
	}
	_, _, err := s.Store.UpdateOccurrence(ctx, id, at, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
		if o.State == bot.OccScheduled {
			o.Armed = true
		}
		return nil
	})
	return err
}

// disarm marks a post's pending occurrence skipped and removes its timer.
func (s *Skill) disarm(ctx context.Context, id uint64, at time.Time, why string) {
	if at.IsZero() {
		return
	}
	_, _, err := s.Store.UpdateOccurrence(ctx, id, at, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
		if o.State == bot.OccScheduled {
			o.State, o.Reason, o.Since = bot.OccSkipped, why, s.Clock.Now()
		}
		return nil
	})
	if err == nil {
		_, err = s.Timers.Cancel(ctx, timerKind, timerKey(id, at))
	}
	if err != nil {
		// The timer finds the occurrence no longer due and does nothing.
		s.log.Warn("disarm occurrence", "post", id, "at", at, "err", err)
	}
}

// outcome is what fire decided for one occurrence.
type outcome int

const (
	outNothing outcome = iota
	outSend
	outInDoubt
	outUnapproved
	outMissed
)

// fire handles one due occurrence (timer kind "schedule.post").
func (s *Skill) fire(ctx context.Context, r bot.TimerRecord) error {
	id, at, err := parseTimerKey(r.Key)
	if err != nil {
		s.log.Error("drop timer record", "key", r.Key, "err", err)
		return nil
	}
	opts, err := s.options(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	var out outcome
	p, o, err := s.Store.UpdateOccurrence(ctx, id, at, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
		out = outNothing
		switch o.State {
		case bot.OccSending:
			// Handed out again: this process did not send it.
			if r.Redelivered || o.Since.Before(s.started) {
				out = outInDoubt
			}
			return nil
		case "", bot.OccScheduled:
		default:
			return nil // already decided
		}
		o.Since = now
		switch {
		case p.Cancelled || p.Paused || !p.Next.Equal(at):
			o.State = bot.OccSkipped
		case now.Sub(at) > time.Duration(opts.CatchUp):
			o.State, out = bot.OccMissed, outMissed
		case !p.Sendable():
			o.State, out = bot.OccUnapproved, outUnapproved
			p.Log(now, bot.UserRef{}, "not approved", at.Format(time.RFC3339))
		default:
			o.State, o.Version, out = bot.OccSending, p.Version, outSend
			o.Late = now.Sub(at) > lateAfter
		}
		if !p.Rule.Recurring() && p.Next.Equal(at) {
			p.Next = time.Time{}
		}
		return nil
	})
	if errors.Is(err, bot.ErrNotFound) {
		return nil // the post is gone
	}
	if err != nil {
		return err
	}
	// The next occurrence first: nothing that happens to this one blocks it.
	if p.Rule.Recurring() && p.Next.Equal(at) && !p.Cancelled && !p.Paused {
		if err := s.armNext(ctx, p, at, now, time.Duration(opts.CatchUp)); err != nil {
			s.log.Error("arm next occurrence", "post", id, "err", err)
		}
	}
	switch out {
	case outSend:
		s.deliver(ctx, p, o)
	case outInDoubt:
		s.inDoubt(ctx, id, at)
	case outUnapproved:
		s.notifyUnapproved(ctx, p, at)
	case outMissed:
		s.audit(ctx, bot.UserRef{}, "schedule.missed", id, at.Format(time.RFC3339))
		s.wakeReport()
	}
	return nil
}

// armNext arms the post's occurrence after at. Occurrences already older
// than the catch-up window are recorded as missed (up to
// maxMissedRecorded) and skipped over.
func (s *Skill) armNext(ctx context.Context, p bot.ScheduledPost, at, now time.Time, catchUp time.Duration) error {
	loc := p.Location()
	next := Next(p.Rule, at, loc)
	missed := 0
	for !next.IsZero() && now.Sub(next) > catchUp {
		if missed < maxMissedRecorded {
			if _, _, err := s.Store.UpdateOccurrence(ctx, p.ID, next, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
				if o.State == "" {
					o.State, o.Since = bot.OccMissed, now
				}
				return nil
			}); err != nil {
				return err
			}
		}
		missed++
		if missed >= maxMissedRecorded {
			next = Next(p.Rule, now.Add(-catchUp), loc)
			break
		}
		next = Next(p.Rule, next, loc)
	}
	if missed > 0 {
		s.audit(ctx, bot.UserRef{}, "schedule.missed", p.ID, fmt.Sprintf("%d occurrences", missed))
		s.wakeReport()
	}
	if next.IsZero() {
		return nil
	}
	_, err := s.arm(ctx, p.ID, next, func(cur *bot.ScheduledPost) error {
		if !cur.Next.Equal(at) {
			return errStale // edited or armed meanwhile
		}
		return nil
	})
	if errors.Is(err, errStale) {
		return nil
	}
	return err
}

var errStale = errors.New("post changed meanwhile")

// deliver sends an occurrence in state sending and records the outcome. It
// never retries.
func (s *Skill) deliver(ctx context.Context, p bot.ScheduledPost, o bot.Occurrence) bot.Occurrence {
	ref, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: p.Channel, Text: p.Text})
	// What happened is recorded even if ctx ended during the send.
	bctx := context.WithoutCancel(ctx)
	now := s.Clock.Now()
	link := ""
	if err == nil {
		link = s.Link(ref)
	}
	unknown := errors.Is(err, bot.ErrUnknownOutcome) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	record := func(cur *bot.Occurrence) {
		cur.Since = now
		switch {
		case err == nil:
			cur.State, cur.Message, cur.Link = bot.OccSent, ref, link
		case unknown:
			cur.State = bot.OccUnknown
		default:
			cur.State, cur.Reason = bot.OccFailed, reason(err)
		}
	}
	_, next, uerr := s.Store.UpdateOccurrence(bctx, p.ID, o.At, func(cur *bot.ScheduledPost, co *bot.Occurrence) error {
		if co.State != bot.OccSending {
			return bot.Errorf(bot.CodeConflict, "schedule.err.stale")
		}
		record(co)
		cur.Log(now, co.By, string(co.State), co.Reason)
		return nil
	})
	if uerr != nil {
		// The occurrence stays "sending" in the store (the next start asks
		// a person); the team still learns what the platform did.
		s.log.Error("record send outcome", "post", p.ID, "sent", err == nil, "err", uerr)
		next = o
		record(&next)
	}
	switch next.State {
	case bot.OccSent:
		detail := ref.ID
		if o.Late {
			detail += " late " + now.Sub(o.At).Truncate(time.Second).String()
		}
		s.audit(bctx, o.By, "schedule.sent", p.ID, detail)
	case bot.OccUnknown:
		s.audit(bctx, o.By, "schedule.unknown", p.ID, o.At.Format(time.RFC3339))
		s.cardFor(bctx, p, next, s.unknownCard)
	default:
		s.log.Warn("post not sent", "post", p.ID, "err", err)
		s.audit(bctx, o.By, "schedule.failed", p.ID, next.Reason)
		s.cardFor(bctx, p, next, s.failedCard)
	}
	return next
}

// reason is the platform's words for a failure, without our wrapping.
func reason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	return msg
}

// inDoubt moves an interrupted send to unknown and asks a person.
func (s *Skill) inDoubt(ctx context.Context, id uint64, at time.Time) {
	now := s.Clock.Now()
	p, o, err := s.Store.UpdateOccurrence(ctx, id, at, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
		if o.State != bot.OccSending {
			return errStale
		}
		o.State, o.Since = bot.OccUnknown, now
		p.Log(now, bot.UserRef{}, "unknown", "interrupted")
		return nil
	})
	if err != nil {
		if !errors.Is(err, errStale) {
			s.log.Error("mark send in doubt", "post", id, "at", at, "err", err)
		}
		return
	}
	s.audit(ctx, bot.UserRef{}, "schedule.unknown", id, at.Format(time.RFC3339))
	s.cardFor(ctx, p, o, s.unknownCard)
}

// cardFor posts a card about one occurrence to the team channel and
// remembers it on the occurrence.
func (s *Skill) cardFor(ctx context.Context, p bot.ScheduledPost, o bot.Occurrence, render func(bot.Settings, bot.ScheduledPost, bot.Occurrence) *bot.Card) {
	st, err := s.team(ctx)
	if err != nil || st.TeamChannel.IsZero() {
		s.log.Warn("no team channel to ask about a post; see /cm schedule show", "post", p.ID, "state", o.State, "err", err)
		return
	}
	ref, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Card: render(st, p, o)})
	if err != nil {
		s.log.Error("post card", "post", p.ID, "err", err)
		return
	}
	if _, _, err := s.Store.UpdateOccurrence(ctx, p.ID, o.At, func(_ *bot.ScheduledPost, co *bot.Occurrence) error {
		co.Card = ref
		return nil
	}); err != nil {
		s.log.Warn("remember card", "post", p.ID, "err", err)
	}
}

// notifyUnapproved tells the team an occurrence did not go out.
func (s *Skill) notifyUnapproved(ctx context.Context, p bot.ScheduledPost, at time.Time) {
	s.audit(ctx, bot.UserRef{}, "schedule.unapproved", p.ID, at.Format(time.RFC3339))
	s.cardFor(ctx, p, bot.Occurrence{Post: p.ID, At: at, State: bot.OccUnapproved}, s.unapprovedCard)
}

// maxReportLines bounds the missed report.
const maxReportLines = 30

// reportMissed lists every missed occurrence not yet reported in one message.
func (s *Skill) reportMissed(ctx context.Context) error {
	occs, err := s.Store.Attention(ctx)
	if err != nil {
		return err
	}
	var missed []bot.Occurrence
	for _, o := range occs {
		if o.State == bot.OccMissed {
			missed = append(missed, o)
		}
	}
	if len(missed) == 0 {
		return nil
	}
	st, err := s.team(ctx)
	if err != nil {
		return err
	}
	if st.TeamChannel.IsZero() {
		s.log.Warn("missed posts not reported: no team channel", "count", len(missed))
		return nil
	}
	l, loc := st.Lang(), st.Location()
	lines := []string{s.Catalog.T(l, "schedule.missed.title", len(missed), shortDuration(time.Duration(s.catchUp(ctx))))}
	for i, o := range missed {
		if i == maxReportLines {
			lines = append(lines, s.Catalog.T(l, "schedule.missed.more", len(missed)-maxReportLines))
			break
		}
		lines = append(lines, fmt.Sprintf("• #%d · %s", o.Post, formatTime(l, o.At, loc)))
	}
	if _, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Text: strings.Join(lines, "\n")}); err != nil {
		return fmt.Errorf("post missed report: %w", err)
	}
	for _, o := range missed {
		if _, _, err := s.Store.UpdateOccurrence(ctx, o.Post, o.At, func(_ *bot.ScheduledPost, co *bot.Occurrence) error {
			co.Reported = true
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Skill) catchUp(ctx context.Context) bot.Duration {
	o, err := s.options(ctx)
	if err != nil {
		return bot.Duration(DefaultCatchUp)
	}
	return o.CatchUp
}
