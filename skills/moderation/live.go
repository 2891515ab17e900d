package moderation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// maxTimeout is Discord's longest timeout; longer ones are renewed.
const maxTimeout = 28 * 24 * time.Hour

// onMessage runs every rule on a message before the inbox sees it. Staff,
// admins and bots are never acted on. It returns bot.ErrStop when a rule
// deleted the message, so no later handler makes an item of it.
func (s *Skill) onMessage(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	if e.Deleted || e.DM || e.User.Bot || e.User.Admin || e.User.ID == "" {
		return nil, nil
	}
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	if st.IsStaff(e.User) {
		return nil, nil
	}
	set, err := s.ruleSet(ctx)
	if err != nil {
		return nil, err
	}
	in := s.input(e)
	if set.hasToxic(e.User.Platform) {
		in.Judged = s.judge(ctx, &in)
	}
	matches := set.Evaluate(&in, false)
	if len(matches) == 0 {
		return nil, nil
	}
	deleted, err := s.act(ctx, st, &in, matches)
	if deleted {
		if err != nil { // ErrStop ends the chain; say what else went wrong
			s.log.Error("moderation", "err", err)
		}
		return nil, bot.ErrStop
	}
	return nil, err
}

// input builds the rules' view of a message and counts it for the rate
// and duplicate triggers (an edit is not a new message).
func (s *Skill) input(e bot.Event) Input {
	at := e.Time
	if at.IsZero() {
		at = s.cfg.Clock.Now()
	}
	in := Input{Message: e.Message, Channel: e.Message.Channel, Parent: e.Within, Link: s.cfg.Link(e.Message),
		Author: e.User, AuthorCreated: e.AuthorCreated, AuthorJoined: e.AuthorJoined, Time: at,
		Attachments: e.Attachments, Mentions: e.Mentions, Norm: Normalize(e.Text)}
	if !e.Edited {
		in.Recent = s.counters.observe(e.User.Key(), Recent{At: at, Hash: textHash(in.Norm.Collapsed), Ref: e.Message})
	}
	return in
}

// judgeTimeout bounds one LLM toxicity judgement.
const judgeTimeout = 10 * time.Second

// judge asks the LLM about a message the offline check finds borderline
// (abuse, but quoted or denounced); nil when there is no LLM, the message
// is not borderline, or the LLM fails (the offline verdict stands).
func (s *Skill) judge(ctx context.Context, in *Input) *Judgement {
	if s.cfg.Judge == nil || !scoreToxic(&in.Norm).Borderline {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, judgeTimeout)
	defer cancel()
	toxic, why, err := s.cfg.Judge.JudgeToxic(ctx, in.Norm.Original)
	if err != nil {
		s.log.Warn("toxicity judgement failed; offline verdict kept", "err", err)
		return nil
	}
	return &Judgement{Toxic: toxic, Why: why}
}

// alertOnly reports a rule that alerts instead of acting: dry-run, or a
// toxic trigger without toxic:act (offline toxicity only alerts).
func alertOnly(r *Rule) bool {
	if r.Stored.DryRun {
		return true
	}
	for _, t := range r.triggers {
		if tt, ok := t.(toxicTrigger); ok && !tt.act {
			return true
		}
	}
	return false
}

func (r *Rule) has(k effectKind) bool {
	for _, e := range r.effects {
		if e.kind == k {
			return true
		}
	}
	return false
}

// related returns the earlier messages a rate or duplicate trigger counted
// (deleted with the one that crossed the line).
func (r *Rule) related(in *Input) []bot.MessageRef {
	var out []bot.MessageRef
	for _, t := range r.triggers {
		var window time.Duration
		var hash uint64
		switch x := t.(type) {
		case rateTrigger:
			window = x.window
		case duplicatesTrigger:
			window, hash = x.window, textHash(in.Norm.Collapsed)
		default:
			continue
		}
		for _, rc := range in.Recent {
			if in.Time.Sub(rc.At) < window && (hash == 0 || rc.Hash == hash) && !rc.Ref.IsZero() {
				out = append(out, rc.Ref)
			}
		}
	}
	return out
}

// Actions returns what the matched rule does on the platform, in order:
// deletes (several messages of one channel in one bulk delete), the
// warning DM with warn as its text, then timeout, kick, ban and slow mode.
// Alerts and logs are not platform actions. It is pure.
func (m Match) Actions(in *Input, warn string) []bot.Action {
	r := m.Rule
	reason := "commpilot rule " + r.Stored.Name + ": " + strings.Join(m.Why, "; ")
	var out []bot.Action
	for _, e := range r.effects {
		switch e.kind {
		case effDelete:
			out = append(out, deleteActions(in.Message, r.related(in))...)
		case effWarn:
			out = append(out, bot.Action{Kind: bot.ActDM, User: in.Author, Text: warn})
		case effTimeout:
			// The adapter clamps to the platform's cap; the timer renews.
			out = append(out, bot.Action{Kind: bot.ActTimeout, Channel: in.Channel, User: in.Author, Duration: e.dur, Reason: reason})
		case effKick:
			out = append(out, bot.Action{Kind: bot.ActKick, Channel: in.Channel, User: in.Author, Reason: reason})
		case effBan:
			out = append(out, bot.Action{Kind: bot.ActBan, Channel: in.Channel, User: in.Author, Duration: e.dur, Reason: reason})
		case effSlowmode:
			ch := in.Channel
			if !in.Parent.IsZero() {
				ch = in.Parent
			}
			out = append(out, bot.Action{Kind: bot.ActSlowmode, Channel: ch, Duration: e.dur, Reason: reason})
		}
	}
	return out
}

// deleteActions deletes msg and the related messages: one bulk delete per
// channel holding several, a plain delete for a lone one.
func deleteActions(msg bot.MessageRef, related []bot.MessageRef) []bot.Action {
	byChannel := map[bot.ChannelRef][]string{msg.Channel: {msg.ID}}
	order := []bot.ChannelRef{msg.Channel}
	for _, r := range related {
		if _, ok := byChannel[r.Channel]; !ok {
			order = append(order, r.Channel)
		}
		if !slices.Contains(byChannel[r.Channel], r.ID) {
			byChannel[r.Channel] = append(byChannel[r.Channel], r.ID)
		}
	}
	var out []bot.Action
	for _, ch := range order {
		ids := byChannel[ch]
		if len(ids) == 1 {
			out = append(out, bot.Action{Kind: bot.ActDelete, Target: bot.MessageRef{Channel: ch, ID: ids[0]}})
			continue
		}
		out = append(out, bot.Action{Kind: bot.ActBulkDelete, Channel: ch, IDs: ids})
	}
	return out
}

// actionName renders a platform action for a case: "delete", "timeout:10m".
func actionName(a bot.Action) string {
	switch a.Kind {
	case bot.ActDM:
		return "warn"
	case bot.ActBulkDelete:
		return "delete:" + strconv.Itoa(len(a.IDs))
	case bot.ActTimeout, bot.ActSlowmode:
		return a.Kind.String() + ":" + formatDuration(a.Duration)
	case bot.ActBan:
		if a.Duration > 0 {
			return "ban:" + formatDuration(a.Duration)
		}
	}
	return a.Kind.String()
}

// excerptLen bounds a case's excerpt of the message.
const excerptLen = 300

func excerpt(s string) string { return text.Shorten(s, excerptLen+1) }

// act carries out the matched rules on one message and reports whether it
// was deleted. Each rule that acts makes one case; its strikes may cross a
// step of the ladder, which acts too (a second case).
func (s *Skill) act(ctx context.Context, st bot.Settings, in *Input, matches []Match) (bool, error) {
	deleted := false
	done := map[string]bool{} // one delete, one warning per message
	ss := s.strikes(ctx)
	var errs []error
	for _, m := range matches {
		r := m.Rule
		if alertOnly(r) {
			s.log.Info("rule would act", "rule", r.Stored.Name, "member", in.Author.Key(), "would", r.Effects(), "why", m.Why)
			if err := s.postAlert(ctx, st, alertInfo{rule: r.Stored.Name, why: m.Why, in: in, would: r.Effects()}); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		c := bot.ModCase{Time: in.Time, Platform: in.Author.Platform, Member: in.Author, Rule: r.Stored.Name,
			Reason: strings.Join(m.Why, "; "), Excerpt: excerpt(in.Norm.Original), Message: in.Message, Channel: in.Channel,
			Strikes: r.strikes()}
		warn := s.warnText(st, r, in)
		for _, a := range m.Actions(in, warn) {
			key := actionName(a)
			if a.Kind == bot.ActDelete || a.Kind == bot.ActBulkDelete || a.Kind == bot.ActDM {
				if done[key] {
					continue
				}
				done[key] = true
			}
			c.Actions, c.Failed, c.Until = s.do(ctx, a, c.Actions, c.Failed, c.Until, in.Time)
			if (a.Kind == bot.ActDelete || a.Kind == bot.ActBulkDelete) && !containsFailed(c.Failed, key) {
				deleted = true
			}
		}
		if r.has(effLog) {
			c.Actions = append(c.Actions, "log")
			s.log.Info("rule matched", "rule", r.Stored.Name, "member", in.Author.Key(), "why", m.Why)
		}
		saved, total, err := s.cfg.Store.AddCase(ctx, c, in.Time.Add(-ss.decay()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.scheduleEnd(ctx, saved, in.Channel)
		if r.has(effAlert) || len(saved.Failed) > 0 {
			s.alertCase(ctx, st, saved, m.Why)
		}
		if esc, ok := crossed(ss, total-saved.Strikes, total); ok {
			s.escalate(ctx, st, in, esc, total)
		}
	}
	return deleted, errors.Join(errs...)
}

// strikes is what a match adds: 1 by default, none for strikes:0.
func (r *Rule) strikes() int {
	switch {
	case r.Stored.Strikes < 0:
		return 0
	case r.Stored.Strikes == 0:
		return 1
	}
	return r.Stored.Strikes
}

func containsFailed(failed []string, key string) bool {
	for _, f := range failed {
		if strings.HasPrefix(f, key+":") || f == key {
			return true
		}
	}
	return false
}

// do performs a and records it as done or failed (with the reason a
// person can act on), and when a timeout or ban ends.
func (s *Skill) do(ctx context.Context, a bot.Action, done, failed []string, until time.Time, now time.Time) ([]string, []string, time.Time) {
	name := actionName(a)
	if a.Kind == bot.ActBan {
		a.Duration = 0 // the platform bans; the timer lifts it
	}
	if s.outranksBot(ctx, a) {
		return done, append(failed, name+": their role is above the bot's"), until
	}
	if _, err := s.cfg.Sender.Do(ctx, a); err != nil {
		s.log.Warn("moderation action failed", "action", name, "member", a.User.Key(), "err", err)
		why := "error"
		if missingPermission(err) {
			why = "missing permission"
		}
		return done, append(failed, name+": "+why), until
	}
	switch {
	case a.Kind == bot.ActTimeout:
		until = now.Add(durationOf(name))
	case a.Kind == bot.ActBan && strings.HasPrefix(name, "ban:"):
		until = now.Add(durationOf(name))
	}
	return append(done, name), failed, until
}

func durationOf(name string) time.Duration {
	_, arg, _ := strings.Cut(name, ":")
	d, _ := bot.ParseDuration(arg)
	return d
}

// scheduleEnd asks the timer to lift a temporary ban when due, and to renew
// a timeout longer than the platform's cap.
func (s *Skill) scheduleEnd(ctx context.Context, c bot.ModCase, ch bot.ChannelRef) {
	if s.cfg.Timers == nil || c.Until.IsZero() {
		return
	}
	data := []byte(ch.String())
	key := strconv.FormatUint(c.ID, 10)
	var err error
	switch {
	case hasAction(c.Actions, "ban:"):
		err = s.cfg.Timers.Schedule(ctx, bot.TimerRecord{Kind: timerUnban, Key: key, At: c.Until, Data: data})
	case hasAction(c.Actions, "timeout:") && c.Until.Sub(c.Time) > maxTimeout:
		err = s.cfg.Timers.Schedule(ctx, bot.TimerRecord{Kind: timerTimeout, Key: key, At: c.Time.Add(maxTimeout - time.Hour), Data: data})
	}
	if err != nil {
		s.log.Error("schedule end of sanction", "case", c.ID, "err", err)
	}
}

func hasAction(actions []string, prefix string) bool {
	for _, a := range actions {
		if strings.HasPrefix(a, prefix) {
			return true
		}
	}
	return false
}

// onUnbanDue lifts a temporary ban unless it was already undone.
func (s *Skill) onUnbanDue(ctx context.Context, r bot.TimerRecord) error {
	id, err := strconv.ParseUint(r.Key, 10, 64)
	if err != nil {
		return nil // not ours to retry
	}
	c, err := s.cfg.Store.Case(ctx, id)
	if err != nil {
		if errors.Is(err, bot.ErrNotFound) {
			return nil
		}
		return err
	}
	if c.Undone {
		return nil
	}
	ch, err := bot.ParseChannelRef(string(r.Data))
	if err != nil {
		return nil
	}
	if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUnban, Channel: ch, User: c.Member, Reason: fmt.Sprintf("commpilot: temporary ban of case %d ended", c.ID)}); err != nil {
		return fmt.Errorf("lift ban of case %d: %w", c.ID, err)
	}
	_, err = s.cfg.Store.UpdateCase(ctx, id, func(c *bot.ModCase) error {
		c.Undone, c.UndoneBy = true, "expired"
		return nil
	})
	return err
}

// onTimeoutDue renews a timeout longer than Discord's cap until its end.
func (s *Skill) onTimeoutDue(ctx context.Context, r bot.TimerRecord) error {
	id, err := strconv.ParseUint(r.Key, 10, 64)
	if err != nil {
		return nil
	}
	c, err := s.cfg.Store.Case(ctx, id)
	if err != nil {
		if errors.Is(err, bot.ErrNotFound) {
			return nil
		}
		return err
	}
	now := s.cfg.Clock.Now()
	if c.Undone || !c.Until.After(now) {
		return nil
	}
	ch, err := bot.ParseChannelRef(string(r.Data))
	if err != nil {
		return nil
	}
	left := c.Until.Sub(now)
	if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActTimeout, Channel: ch, User: c.Member, Duration: min(left, maxTimeout),
		Reason: fmt.Sprintf("commpilot: timeout of case %d renewed", c.ID)}); err != nil {
		return fmt.Errorf("renew timeout of case %d: %w", c.ID, err)
	}
	if left > maxTimeout {
		return s.cfg.Timers.Schedule(ctx, bot.TimerRecord{Kind: timerTimeout, Key: r.Key, At: now.Add(maxTimeout - time.Hour), Data: r.Data})
	}
	return nil
}

// crossed returns the highest ladder step passed when strikes went from
// before to after.
func crossed(ss strikeSettings, before, after int) (step, bool) {
	var best step
	ok := false
	for _, st := range ss.Ladder {
		if before < st.At && st.At <= after && st.At >= best.At {
			best, ok = st, true
		}
	}
	return best, ok
}

// escalate carries out a ladder step as its own case.
func (s *Skill) escalate(ctx context.Context, st bot.Settings, in *Input, esc step, total int) {
	name, arg, _ := strings.Cut(esc.Action, ":")
	d, _ := bot.ParseDuration(arg)
	reason := fmt.Sprintf("commpilot: %d strikes", total)
	var a bot.Action
	switch name {
	case "timeout":
		a = bot.Action{Kind: bot.ActTimeout, Channel: in.Channel, User: in.Author, Duration: d, Reason: reason}
	case "kick":
		a = bot.Action{Kind: bot.ActKick, Channel: in.Channel, User: in.Author, Reason: reason}
	case "ban":
		a = bot.Action{Kind: bot.ActBan, Channel: in.Channel, User: in.Author, Duration: d, Reason: reason}
	default:
		return
	}
	c := bot.ModCase{Time: in.Time, Platform: in.Author.Platform, Member: in.Author, Rule: "strikes",
		Reason: fmt.Sprintf("%d strikes", total), Excerpt: excerpt(in.Norm.Original), Message: in.Message, Channel: in.Channel}
	c.Actions, c.Failed, c.Until = s.do(ctx, a, nil, nil, time.Time{}, in.Time)
	saved, _, err := s.cfg.Store.AddCase(ctx, c, in.Time)
	if err != nil {
		s.log.Error("escalation case lost", "member", in.Author.Key(), "err", err)
		return
	}
	s.scheduleEnd(ctx, saved, in.Channel)
	s.alertCase(ctx, st, saved, []string{saved.Reason})
}

// warnText is the rule's warning, or the default naming the rule, in the
// member's language.
func (s *Skill) warnText(st bot.Settings, r *Rule, in *Input) string {
	if r.Stored.WarnText != "" {
		return r.Stored.WarnText
	}
	lang := st.Lang()
	if s.cfg.LangOf != nil {
		if l, ok := s.cfg.LangOf(in.Norm.Original); ok {
			lang = l
		}
	}
	return s.cfg.Catalog.T(lang, "mod.warn", r.Stored.Name, "<#"+in.Channel.ID+">")
}
