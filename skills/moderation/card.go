package moderation

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// alertInfo is what a dry-run alert shows: no case, no buttons.
type alertInfo struct {
	rule  string
	why   []string
	in    *Input
	would []string
}

// postAlert posts a dry-run card ("would have …") to the team channel.
func (s *Skill) postAlert(ctx context.Context, st bot.Settings, a alertInfo) error {
	if st.TeamChannel.IsZero() {
		return nil
	}
	t := s.tr(st)
	c := &bot.Card{
		Title:   t("mod.card.dry_title", a.rule, a.in.Author.Display()),
		URL:     a.in.Link,
		Context: t("mod.card.context", string(a.in.Author.Platform), "<#"+a.in.Channel.ID+">", a.in.Author.Display()),
		Quote:   excerpt(a.in.Norm.Original),
		Fields: []bot.Field{
			{Name: t("mod.card.why"), Value: strings.Join(a.why, "; ")},
			{Name: t("mod.card.would"), Value: strings.Join(a.would, ", ")},
		},
		Footer: t("mod.card.dry_footer"),
		Tone:   bot.ToneWarning,
	}
	if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Card: c}); err != nil {
		return fmt.Errorf("moderation: dry-run alert: %w", err)
	}
	return nil
}

func (s *Skill) tr(st bot.Settings) func(string, ...any) string {
	l := st.Lang()
	return func(k string, a ...any) string { return s.cfg.Catalog.T(l, k, a...) }
}

// caseCard renders a case for the team channel: the message, the rule, what
// was done and failed, and the buttons that still apply.
func (s *Skill) caseCard(st bot.Settings, c bot.ModCase, footer string) *bot.Card {
	t := s.tr(st)
	who := c.Rule
	if who == "" {
		who = c.Staff.Display()
	}
	card := &bot.Card{
		Title:   t("mod.card.title", c.ID, who, c.Member.Display()),
		Context: t("mod.card.context", string(c.Platform), "<#"+c.Channel.ID+">", c.Member.Display()),
		Quote:   c.Excerpt,
		Tone:    bot.ToneDanger,
		Footer:  footer,
	}
	if !c.Message.IsZero() {
		card.URL = s.cfg.Link(c.Message)
	}
	if c.Reason != "" {
		card.Fields = append(card.Fields, bot.Field{Name: t("mod.card.why"), Value: c.Reason})
	}
	done := strings.Join(c.Actions, ", ")
	if done == "" {
		done = "—"
	}
	card.Fields = append(card.Fields, bot.Field{Name: t("mod.card.done"), Value: done, Inline: true})
	if len(c.Failed) > 0 {
		card.Fields = append(card.Fields, bot.Field{Name: t("mod.card.failed"), Value: strings.Join(c.Failed, "\n") + "\n" + t("mod.card.failed_hint")})
	}
	if c.Undone || footer != "" {
		return card
	}
	id := strconv.FormatUint(c.ID, 10)
	if undoable(c) {
		card.Buttons = append(card.Buttons, bot.Button{Label: t("mod.btn.undo"), ID: actUndo.ID(id)})
	}
	if !hasAction(c.Actions, "ban") && c.Platform == bot.Discord {
		card.Buttons = append(card.Buttons, bot.Button{Label: t("mod.btn.ban"), ID: actBan.ID(id), Style: bot.StyleDanger, Confirm: t("mod.btn.ban_confirm", c.Member.Display())})
	}
	card.Buttons = append(card.Buttons, bot.Button{Label: t("mod.btn.dismiss"), ID: actDismiss.ID(id)})
	return card
}

// undoable reports a case whose timeout or ban can be lifted.
func undoable(c bot.ModCase) bool {
	return !c.Undone && (hasAction(c.Actions, "timeout") || hasAction(c.Actions, "ban"))
}

// alertCase posts a case's card to the team channel and remembers it.
func (s *Skill) alertCase(ctx context.Context, st bot.Settings, c bot.ModCase, why []string) {
	if st.TeamChannel.IsZero() {
		return
	}
	ref, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Card: s.caseCard(st, c, "")})
	if err != nil {
		s.log.Error("moderation alert not posted", "case", c.ID, "err", err)
		return
	}
	if _, err := s.cfg.Store.UpdateCase(ctx, c.ID, func(c *bot.ModCase) error { c.Alert = ref; return nil }); err != nil {
		s.log.Error("moderation alert not remembered", "case", c.ID, "err", err)
	}
}

func caseID(e bot.Event) (uint64, error) {
	id, err := strconv.ParseUint(e.Var("case"), 10, 64)
	if err != nil {
		return 0, bot.Errorf(bot.CodeNotFound, "mod.err.no_case", e.Var("case"))
	}
	return id, nil
}

// onUndo lifts the case's timeout or ban, once: a second press finds it undone.
func (s *Skill) onUndo(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	c, st, err := s.pressedCase(ctx, e)
	if err != nil {
		return nil, err
	}
	id := c.ID
	if !undoable(c) {
		return nil, bot.Errorf(bot.CodeConflict, "mod.err.not_undoable", id)
	}
	if err := s.lift(ctx, c, e.User); err != nil {
		return nil, err
	}
	c, err = s.cfg.Store.UpdateCase(ctx, id, func(c *bot.ModCase) error {
		if c.Undone {
			return bot.Errorf(bot.CodeConflict, "mod.err.not_undoable", id)
		}
		c.Undone, c.UndoneBy = true, e.User.Key()
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.audit(ctx, e.User, "mod.undo", strconv.FormatUint(id, 10), strings.Join(c.Actions, ","))
	t := s.tr(st)
	s.updateCard(ctx, e, st, c, t("mod.card.undone_by", e.User.Display()))
	return bot.Text(t("mod.ok.undone", id, c.Member.Display())), nil
}

// lift undoes the timeout and ban of a case on the platform and cancels
// their timers.
func (s *Skill) lift(ctx context.Context, c bot.ModCase, by bot.UserRef) error {
	reason := fmt.Sprintf("commpilot: case %d undone by %s", c.ID, by.Display())
	key := strconv.FormatUint(c.ID, 10)
	if hasAction(c.Actions, "timeout") {
		if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUntimeout, Channel: c.Channel, User: c.Member, Reason: reason}); err != nil {
			return platformErr(err, "untimeout")
		}
		if s.cfg.Timers != nil {
			if _, err := s.cfg.Timers.Cancel(ctx, timerTimeout, key); err != nil {
				s.log.Error("cancel timeout renewal", "case", c.ID, "err", err)
			}
		}
	}
	if hasAction(c.Actions, "ban") {
		if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUnban, Channel: c.Channel, User: c.Member, Reason: reason}); err != nil {
			return platformErr(err, "unban")
		}
		if s.cfg.Timers != nil {
			if _, err := s.cfg.Timers.Cancel(ctx, timerUnban, key); err != nil {
				s.log.Error("cancel unban", "case", c.ID, "err", err)
			}
		}
	}
	return nil
}

// platformErr turns a refused moderation action into a message saying why.
func platformErr(err error, what string) error {
	if missingPermission(err) {
		return &bot.Error{Code: bot.CodeForbidden, Key: "mod.err.no_permission", Args: []any{what}, Err: err}
	}
	return fmt.Errorf("moderation: %s: %w", what, err)
}

// pressedCase reads the case an alert card's button names, and the settings
// its answer is worded in.
func (s *Skill) pressedCase(ctx context.Context, e bot.Event) (bot.ModCase, bot.Settings, error) {
	id, err := caseID(e)
	if err != nil {
		return bot.ModCase{}, bot.Settings{}, err
	}
	c, err := s.cfg.Store.Case(ctx, id)
	if err != nil {
		return bot.ModCase{}, bot.Settings{}, caseErr(err, id)
	}
	st, err := s.settings(ctx)
	return c, st, err
}

// caseErr maps a store's not-found into a user error.
func caseErr(err error, id uint64) error {
	return bot.NotFoundAs(err, "mod.err.no_case", strconv.FormatUint(id, 10))
}

// onBan bans the case's member (a staff decision: a case of its own).
func (s *Skill) onBan(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	c, st, err := s.pressedCase(ctx, e)
	if err != nil {
		return nil, err
	}
	id := c.ID
	banned, err := s.manual(ctx, e, st, c.Member, c.Channel, "ban", 0, fmt.Sprintf("case %d", id))
	if err != nil {
		return nil, err
	}
	t := s.tr(st)
	s.updateCard(ctx, e, st, c, t("mod.card.banned_by", e.User.Display(), banned.ID))
	return bot.Text(t("mod.ok.manual", t("mod.verb.ban"), c.Member.Display(), banned.ID)), nil
}

// onDismiss closes the alert without acting.
func (s *Skill) onDismiss(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	c, st, err := s.pressedCase(ctx, e)
	if err != nil {
		return nil, err
	}
	id := c.ID
	s.audit(ctx, e.User, "mod.dismiss", strconv.FormatUint(id, 10), "")
	t := s.tr(st)
	s.updateCard(ctx, e, st, c, t("mod.card.dismissed_by", e.User.Display()))
	return nil, nil
}

// updateCard replaces the pressed card with the case's state and footer.
func (s *Skill) updateCard(ctx context.Context, e bot.Event, st bot.Settings, c bot.ModCase, footer string) {
	target := e.Message
	if target.IsZero() {
		target = c.Alert
	}
	if target.IsZero() {
		return
	}
	if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: target, Card: s.caseCard(st, c, footer)}); err != nil {
		s.log.Error("moderation card not updated", "case", c.ID, "err", err)
	}
}
