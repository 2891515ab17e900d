package moderation

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// maxListed bounds case list.
const maxListed = 20

func (s *Skill) caseList(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	member := ""
	if v := e.Option("member"); v != "" {
		u, err := parseUser(v)
		if err != nil {
			return nil, err
		}
		member = u.Key()
	}
	cases, err := s.cfg.Store.Cases(ctx, member, maxListed)
	if err != nil {
		return nil, err
	}
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	t := s.tr(st)
	if len(cases) == 0 {
		return bot.Text(t("mod.cases.none")), nil
	}
	lines := []string{t("mod.cases.head", len(cases))}
	for _, c := range cases {
		lines = append(lines, caseLine(t, st, c))
	}
	return bot.Text(strings.Join(lines, "\n")), nil
}

func caseLine(t func(string, ...any) string, st bot.Settings, c bot.ModCase) string {
	by := c.Rule
	if by == "" {
		by = c.Staff.Display()
	}
	line := fmt.Sprintf("#%d %s %s — %s (%s)", c.ID, c.Time.In(st.Location()).Format("2006-01-02 15:04"), c.Member.Display(),
		strings.Join(c.Actions, ", "), by)
	if c.Undone {
		line += " — " + t("mod.cases.undone")
	}
	return line
}

func (s *Skill) caseShow(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := strconv.ParseUint(e.Option("case"), 10, 64)
	if err != nil {
		return nil, bot.Errorf(bot.CodeNotFound, "mod.err.no_case", e.Option("case"))
	}
	c, err := s.cfg.Store.Case(ctx, id)
	if err != nil {
		return nil, caseErr(err, id)
	}
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	t := s.tr(st)
	card := s.caseCard(st, c, caseFooter(t, st, c))
	for _, n := range c.Notes {
		card.Fields = append(card.Fields, bot.Field{Name: t("mod.card.note", n.By, n.Time.In(st.Location()).Format("2006-01-02 15:04")), Value: n.Text})
	}
	return &bot.Reply{Card: card}, nil
}

func caseFooter(t func(string, ...any) string, st bot.Settings, c bot.ModCase) string {
	f := c.Time.In(st.Location()).Format("2006-01-02 15:04 MST")
	if c.Undone {
		f += " — " + t("mod.cases.undone")
	}
	if !c.Until.IsZero() {
		f += " — " + t("mod.cases.until", c.Until.In(st.Location()).Format("2006-01-02 15:04"))
	}
	return f
}

// maxNote bounds a case note.
const maxNote = 1000

func (s *Skill) caseNote(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := strconv.ParseUint(e.Option("case"), 10, 64)
	if err != nil {
		return nil, bot.Errorf(bot.CodeNotFound, "mod.err.no_case", e.Option("case"))
	}
	note := strings.TrimSpace(e.Option("note"))
	if note == "" || len([]rune(note)) > maxNote {
		return nil, bot.Invalid("mod.err.note_len", maxNote)
	}
	if _, err := s.cfg.Store.UpdateCase(ctx, id, func(c *bot.ModCase) error {
		c.Notes = append(c.Notes, bot.CaseNote{Time: s.cfg.Clock.Now(), By: e.User.Key(), Text: note})
		return nil
	}); err != nil {
		return nil, caseErr(err, id)
	}
	s.audit(ctx, e.User, "mod.case.note", strconv.FormatUint(id, 10), "")
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	return bot.Text(s.tr(st)("mod.ok.noted", id)), nil
}

func parseUser(v string) (bot.UserRef, error) {
	u, ok := bot.ParseUserKey(v)
	if !ok {
		return bot.UserRef{}, bot.Invalid("err.bad_user", v)
	}
	return u, nil
}

// modVerb is /cm mod warn|timeout|kick|ban|unban: a person's action, with
// a case like a rule's.
func (s *Skill) modVerb(verb string) bot.HandlerFunc {
	return func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
		u, err := parseUser(e.Option("member"))
		if err != nil {
			return nil, err
		}
		st, err := s.settings(ctx)
		if err != nil {
			return nil, err
		}
		reason := strings.TrimSpace(e.Option("reason"))
		var d time.Duration
		switch verb {
		case "timeout":
			if d, err = bot.ParseDuration(e.Option("duration")); err != nil || d < time.Minute || d > 365*24*time.Hour {
				return nil, bot.Invalid("mod.err.duration_range", e.Option("duration"), "1m", "365d")
			}
		case "ban": // "/cm mod ban @bob 7d spam": a leading duration makes it temporary
			if first, rest, _ := strings.Cut(reason, " "); first != "" {
				if dd, err := bot.ParseDuration(first); err == nil {
					if dd < time.Hour || dd > 365*24*time.Hour {
						return nil, bot.Invalid("mod.err.duration_range", first, "1h", "365d")
					}
					d, reason = dd, strings.TrimSpace(rest)
				}
			}
		}
		c, err := s.manual(ctx, e, st, u, e.Message.Channel, verb, d, reason)
		if err != nil {
			return nil, err
		}
		t := s.tr(st)
		return bot.Text(t("mod.ok.manual", t("mod.verb."+verb), u.Display(), c.ID)), nil
	}
}

// manual carries out a person's action on member and records its case. It
// refuses staff and admins, what the platform cannot do, and reports a
// refusal for the bot's role being below the member's.
func (s *Skill) manual(ctx context.Context, e bot.Event, st bot.Settings, member bot.UserRef, ch bot.ChannelRef, verb string, d time.Duration, reason string) (bot.ModCase, error) {
	if member.Platform != e.User.Platform {
		return bot.ModCase{}, bot.Invalid("err.bad_user", member.Key())
	}
	if st.IsStaff(member) || member.ID == e.User.ID {
		return bot.ModCase{}, bot.Invalid("mod.err.staff_target", member.Display())
	}
	if member.Platform == bot.Slack && verb != "warn" && verb != "kick" {
		return bot.ModCase{}, bot.Invalid("mod.err.slack_unsupported", verb)
	}
	if verb == "ban" && d > 0 && s.cfg.Timers == nil {
		return bot.ModCase{}, bot.Invalid("mod.err.needs_timer", "ban:"+formatDuration(d))
	}
	now := s.cfg.Clock.Now()
	full := "commpilot: " + e.User.Display()
	if reason != "" {
		full += ": " + reason
	}
	var a bot.Action
	switch verb {
	case "warn":
		text := reason
		if text == "" {
			text = s.cfg.Catalog.T(st.Lang(), "mod.warn_manual")
		}
		a = bot.Action{Kind: bot.ActDM, User: member, Text: text}
	case "timeout":
		a = bot.Action{Kind: bot.ActTimeout, Channel: ch, User: member, Duration: d, Reason: full}
	case "kick":
		a = bot.Action{Kind: bot.ActKick, Channel: ch, User: member, Reason: full}
	case "ban":
		a = bot.Action{Kind: bot.ActBan, Channel: ch, User: member, Reason: full}
	case "unban":
		a = bot.Action{Kind: bot.ActUnban, Channel: ch, User: member, Reason: full}
	}
	if s.outranksBot(ctx, a) {
		return bot.ModCase{}, bot.Errorf(bot.CodeForbidden, "mod.err.above_me", member.Display())
	}
	if _, err := s.cfg.Sender.Do(ctx, a); err != nil {
		if missingPermission(err) {
			return bot.ModCase{}, &bot.Error{Code: bot.CodeForbidden, Key: "mod.err.above_me", Args: []any{member.Display()}, Err: err}
		}
		return bot.ModCase{}, fmt.Errorf("moderation: %s: %w", verb, err)
	}
	name := verb
	if d > 0 {
		name += ":" + formatDuration(d)
	}
	c := bot.ModCase{Time: now, Platform: member.Platform, Member: member, Staff: e.User, Actions: []string{name},
		Reason: reason, Channel: ch}
	if d > 0 {
		c.Until = now.Add(d)
	}
	saved, _, err := s.cfg.Store.AddCase(ctx, c, now)
	if err != nil {
		return bot.ModCase{}, err
	}
	s.scheduleEnd(ctx, saved, ch)
	s.audit(ctx, e.User, "mod."+verb, member.Key(), reason)
	return saved, nil
}
