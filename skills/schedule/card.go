package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

var (
	dayNames = map[bot.Lang][7]string{
		bot.English: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		bot.French:  {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		bot.Dutch:   {"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
	}
	monthNames = map[bot.Lang][12]string{
		bot.English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		bot.French:  {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		bot.Dutch:   {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	}
)

// formatTime renders t in loc as people of l write it, with the zone and
// its UTC offset: "Tuesday 1 December 2026, 09:00 Europe/Paris (UTC+01:00)".
func formatTime(l bot.Lang, t time.Time, loc *time.Location) string {
	if _, ok := dayNames[l]; !ok {
		l = bot.English
	}
	t = t.In(loc)
	day := strconv.Itoa(t.Day())
	if l == bot.French && t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %s %d, %s %s (UTC%s)", dayNames[l][t.Weekday()], day, monthNames[l][t.Month()-1],
		t.Year(), t.Format("15:04"), loc.String(), t.Format("-07:00"))
}

// fromNow renders how far t is from now: "in 3 days", "in 2 hours".
func (s *Skill) fromNow(l bot.Lang, t, now time.Time, loc *time.Location) string {
	d := t.Sub(now)
	switch {
	case d < time.Minute:
		return s.Catalog.T(l, "schedule.in.seconds", max(1, int((d+time.Second-1)/time.Second)))
	case d < time.Hour:
		return s.Catalog.T(l, "schedule.in.minutes", max(1, int((d+time.Minute-1)/time.Minute)))
	case d < 36*time.Hour:
		return s.Catalog.T(l, "schedule.in.hours", int((d+30*time.Minute)/time.Hour))
	}
	ty, tm, td := t.In(loc).Date()
	ny, nm, nd := now.In(loc).Date()
	days := int(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).Sub(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	if days == 1 {
		return s.Catalog.T(l, "schedule.in.day")
	}
	return s.Catalog.T(l, "schedule.in.days", days)
}

// upcoming returns the post's next n occurrences from its Next.
func upcoming(p bot.ScheduledPost, n int) []time.Time {
	if p.Next.IsZero() {
		return nil
	}
	out := []time.Time{p.Next}
	loc := p.Location()
	for len(out) < n && p.Rule.Recurring() {
		t := Next(p.Rule, out[len(out)-1], loc)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// Button and form ids. Frozen once released: cards already posted carry them.
var (
	actApprove    = bot.NewPattern("schedule/approve/{id}/{v}")
	actEdit       = bot.NewPattern("schedule/edit/{id}/{v}")
	actReject     = bot.NewPattern("schedule/reject/{id}/{v}")
	actPostNow    = bot.NewPattern("schedule/post-now/{id}/{v}")
	actResched    = bot.NewPattern("schedule/resched/{id}")
	actMarkPosted = bot.NewPattern("schedule/mark-posted/{id}/{at}")
	actRepost     = bot.NewPattern("schedule/repost/{id}/{at}")
	formEdit      = bot.NewPattern("schedule/edit-form/{id}/{v}")
	formResched   = bot.NewPattern("schedule/resched-form/{id}")
)

// Form field ids.
const (
	fieldText = "text"
	fieldWhen = "when"
)

func tr(c *bot.Catalog, l bot.Lang) func(string, ...any) string {
	return func(k string, a ...any) string { return c.T(l, k, a...) }
}

// approvalCard shows a post's current version to approve, edit or reject.
func (s *Skill) approvalCard(st bot.Settings, p bot.ScheduledPost) *bot.Card {
	l, loc := st.Lang(), st.Location()
	t := tr(s.Catalog, l)
	c := &bot.Card{
		Title:   t("schedule.card.approval_title", p.ID, p.Version),
		Context: t("schedule.card.context", p.Channel.Mention(), p.Author.Display(), p.When),
		Body:    p.Text,
		Tone:    bot.ToneNeutral,
	}
	if next := upcoming(p, 3); len(next) > 0 {
		c.Fields = append(c.Fields, bot.Field{Name: t("schedule.card.next"), Value: joinTimes(l, next, loc)})
	}
	switch p.Approval {
	case bot.ApprovalPending:
		c.Footer = t("schedule.card.pending")
		c.Buttons = []bot.Button{
			{Label: t("schedule.btn.approve"), ID: actApprove.ID(p.ID, p.Version), Style: bot.StylePrimary},
			{Label: t("schedule.btn.edit"), ID: actEdit.ID(p.ID, p.Version)},
			{Label: t("schedule.btn.reject"), ID: actReject.ID(p.ID, p.Version), Style: bot.StyleDanger, Confirm: t("schedule.btn.reject_confirm")},
		}
	case bot.ApprovalApproved:
		c.Tone, c.Footer = bot.ToneGood, t("schedule.card.approved", p.ApprovedBy.Display())
	case bot.ApprovalRejected:
		c.Tone, c.Footer = bot.ToneDanger, t("schedule.card.rejected", p.ApprovedBy.Display())
	}
	if p.Cancelled && p.Approval != bot.ApprovalRejected {
		c.Footer, c.Buttons = t("schedule.card.cancelled"), nil
	}
	return c
}

func joinTimes(l bot.Lang, ts []time.Time, loc *time.Location) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = formatTime(l, t, loc)
	}
	return strings.Join(parts, "\n")
}

// unknownCard asks a person whether an interrupted send went out.
func (s *Skill) unknownCard(st bot.Settings, p bot.ScheduledPost, o bot.Occurrence) *bot.Card {
	t := tr(s.Catalog, st.Lang())
	at := o.At.Unix()
	return &bot.Card{
		Title:   t("schedule.card.unknown_title", p.ID),
		Context: t("schedule.card.context", p.Channel.Mention(), p.Author.Display(), formatTime(st.Lang(), o.At, st.Location())),
		Body:    p.Text,
		Footer:  t("schedule.card.unknown"),
		Tone:    bot.ToneDanger,
		Buttons: []bot.Button{
			{Label: t("schedule.btn.mark_posted"), ID: actMarkPosted.ID(p.ID, at), Style: bot.StylePrimary},
			{Label: t("schedule.btn.repost"), ID: actRepost.ID(p.ID, at), Confirm: t("schedule.btn.repost_confirm")},
		},
	}
}

// failedCard reports a definite failure with the platform's reason.
func (s *Skill) failedCard(st bot.Settings, p bot.ScheduledPost, o bot.Occurrence) *bot.Card {
	t := tr(s.Catalog, st.Lang())
	return &bot.Card{
		Title:   t("schedule.card.failed_title", p.ID),
		Context: t("schedule.card.context", p.Channel.Mention(), p.Author.Display(), formatTime(st.Lang(), o.At, st.Location())),
		Body:    p.Text,
		Footer:  t("schedule.card.failed", o.Reason),
		Tone:    bot.ToneDanger,
		Buttons: []bot.Button{{Label: t("schedule.btn.repost"), ID: actRepost.ID(p.ID, o.At.Unix())}},
	}
}

// unapprovedCard says an occurrence did not go out for want of approval.
func (s *Skill) unapprovedCard(st bot.Settings, p bot.ScheduledPost, o bot.Occurrence) *bot.Card {
	t := tr(s.Catalog, st.Lang())
	return &bot.Card{
		Title:   t("schedule.card.unapproved_title", p.ID),
		Context: t("schedule.card.context", p.Channel.Mention(), p.Author.Display(), formatTime(st.Lang(), o.At, st.Location())),
		Body:    p.Text,
		Tone:    bot.ToneWarning,
		Buttons: []bot.Button{
			{Label: t("schedule.btn.post_now"), ID: actPostNow.ID(p.ID, p.Version), Style: bot.StylePrimary},
			{Label: t("schedule.btn.resched"), ID: actResched.ID(p.ID)},
		},
	}
}
