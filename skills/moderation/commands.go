package moderation

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Register adds the /cm rule, /cm case, /cm mod and /cm setup strikes
// commands (staff only), the alert buttons, the timer handlers' skill and
// the message handler, which must run before the inbox.
func (s *Skill) Register(r *bot.Router) {
	name := bot.Option{Name: "name", Type: bot.OptWord, Required: true, Description: "Rule name, e.g. no-invites"}
	spec := bot.Option{Name: "rule", Type: bot.OptText, Required: true, Description: "Trigger, conditions, actions, e.g. invites delete,warn"}
	member := bot.Option{Name: "member", Type: bot.OptUser, Required: true, Description: "The member"}
	reason := bot.Option{Name: "reason", Type: bot.OptText, Description: "Why (goes to the case and the audit log)"}
	caseNo := bot.Option{Name: "case", Type: bot.OptInt, Required: true, Description: "Case number"}
	staff := r.Group(bot.StaffOnly)
	staff.Command(bot.Command{Route: "rule add", Description: "Add a moderation rule: name, trigger, conditions, actions",
		Options: []bot.Option{name, spec}, Handler: bot.HandlerFunc(s.ruleAdd)})
	staff.Command(bot.Command{Route: "rule edit", Description: "Replace a rule's trigger, conditions and actions",
		Options: []bot.Option{name, spec}, Handler: bot.HandlerFunc(s.ruleEdit)})
	staff.Command(bot.Command{Route: "rule list", Default: true, Description: "List the moderation rules",
		Handler: bot.HandlerFunc(s.ruleList)})
	staff.Command(bot.Command{Route: "rule show", Description: "Show one rule", Options: []bot.Option{name},
		Handler: bot.HandlerFunc(s.ruleShow)})
	staff.Command(bot.Command{Route: "rule enable", Description: "Enable a rule", Options: []bot.Option{name},
		Handler: bot.HandlerFunc(s.ruleToggle(false))})
	staff.Command(bot.Command{Route: "rule disable", Description: "Disable a rule (it stays stored)", Options: []bot.Option{name},
		Handler: bot.HandlerFunc(s.ruleToggle(true))})
	staff.Command(bot.Command{Route: "rule remove", Description: "Remove a rule", Options: []bot.Option{name},
		Handler: bot.HandlerFunc(s.ruleRemove)})
	staff.Command(bot.Command{Route: "rule test", Description: "Show what every rule would do with a message",
		Options: []bot.Option{{Name: "text", Type: bot.OptText, Required: true, Description: "A message to test"}},
		Handler: bot.HandlerFunc(s.ruleTest)})
	staff.Command(bot.Command{Route: "rule backtest", Description: "Run a rule (saved, or given inline) over stored history",
		Options: []bot.Option{name,
			{Name: "period", Type: bot.OptDuration, Required: true, Description: "How far back, e.g. 30d"},
			{Name: "rule", Type: bot.OptText, Description: "An unsaved rule to try instead, e.g. words:scam delete"}},
		Handler: bot.HandlerFunc(s.ruleBacktest)})
	staff.Command(bot.Command{Route: "setup strikes", Description: "Strikes: decay 30d, or a ladder like 3:timeout:1h 5:kick 7:ban",
		Options: []bot.Option{{Name: "spec", Type: bot.OptText, Required: true, Description: "decay 30d | 3:timeout:1h 5:kick 7:ban | show"}},
		Handler: bot.HandlerFunc(s.setupStrikes)})
	staff.Command(bot.Command{Route: "case list", Default: true, Description: "Latest moderation cases, of everyone or one member",
		Options: []bot.Option{{Name: "member", Type: bot.OptUser, Description: "Only this member's cases"}},
		Handler: bot.HandlerFunc(s.caseList)})
	staff.Command(bot.Command{Route: "case show", Description: "Show a case", Options: []bot.Option{caseNo},
		Handler: bot.HandlerFunc(s.caseShow)})
	staff.Command(bot.Command{Route: "case note", Description: "Add a note to a case",
		Options: []bot.Option{caseNo, {Name: "note", Type: bot.OptText, Required: true, Description: "The note"}},
		Handler: bot.HandlerFunc(s.caseNote)})
	staff.Command(bot.Command{Route: "mod warn", Description: "Warn a member by DM", Options: []bot.Option{member, reason},
		Handler: bot.HandlerFunc(s.modVerb("warn"))})
	staff.Command(bot.Command{Route: "mod timeout", Description: "Time a member out",
		Options: []bot.Option{member, {Name: "duration", Type: bot.OptDuration, Required: true, Description: "e.g. 10m, 1d"}, reason},
		Handler: bot.HandlerFunc(s.modVerb("timeout"))})
	staff.Command(bot.Command{Route: "mod kick", Description: "Kick a member", Options: []bot.Option{member, reason},
		Handler: bot.HandlerFunc(s.modVerb("kick"))})
	staff.Command(bot.Command{Route: "mod ban", Description: "Ban a member, for good or for a time (ban @bob 7d spam)",
		Options: []bot.Option{member, reason}, Handler: bot.HandlerFunc(s.modVerb("ban"))})
	staff.Command(bot.Command{Route: "mod unban", Description: "Lift a member's ban", Options: []bot.Option{member, reason},
		Handler: bot.HandlerFunc(s.modVerb("unban"))})
	staff.Action(actUndo, bot.HandlerFunc(s.onUndo))
	staff.Action(actBan, bot.HandlerFunc(s.onBan))
	staff.Action(actDismiss, bot.HandlerFunc(s.onDismiss))
	r.Message("moderation", bot.HandlerFunc(s.onMessage))
}

// The alert card's buttons. Ids are on posted cards: frozen once released.
var (
	actUndo    = bot.NewPattern("mod/undo/{case}")
	actBan     = bot.NewPattern("mod/ban/{case}")
	actDismiss = bot.NewPattern("mod/dismiss/{case}")
)

// Limits per platform.
const maxRules = 1000

func (s *Skill) ruleAdd(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	return s.saveRule(ctx, e, false)
}

func (s *Skill) ruleEdit(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	return s.saveRule(ctx, e, true)
}

// saveRule parses, checks and stores a rule in one transaction; a refused
// rule changes nothing.
func (s *Skill) saveRule(ctx context.Context, e bot.Event, edit bool) (*bot.Reply, error) {
	p := e.User.Platform
	parsed, err := ParseRule(p, e.Option("name"), e.Option("rule"))
	if err != nil {
		return nil, err
	}
	if err := s.checkRule(ctx, parsed, edit); err != nil {
		return nil, err
	}
	parsed.By, parsed.Updated = e.User.Key(), s.cfg.Clock.Now()
	saved, err := s.cfg.Store.UpdateRule(ctx, p, parsed.Name, func(r *bot.ModRule, exists bool) (bool, error) {
		switch {
		case exists && !edit:
			return false, bot.Errorf(bot.CodeConflict, "mod.err.rule_exists", parsed.Name)
		case !exists && edit:
			return false, bot.Errorf(bot.CodeNotFound, "mod.err.no_rule", parsed.Name)
		}
		disabled := r.Disabled
		*r = parsed
		r.Disabled = disabled
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	verb := "mod.rule.add"
	if edit {
		verb = "mod.rule.edit"
	}
	s.audit(ctx, e.User, verb, saved.Name, saved.Source)
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	t := s.tr(st)
	c, _, _ := compileRule(saved)
	msg := t("mod.ok.rule_saved", saved.Name, strings.Join(c.Effects(), ", "))
	if saved.DryRun {
		msg += "\n" + t("mod.ok.dry_run")
	}
	if st.TeamChannel.IsZero() && c.has(effAlert) {
		msg += "\n" + t("mod.warn_no_team")
	}
	for _, missing := range s.missingPermissions(ctx, p, c) {
		msg += "\n" + t("mod.warn_permission", missing[0], missing[1])
	}
	return bot.Text(msg), nil
}

// checkRule refuses what the stored rule set cannot take: too many rules
// or regex rules, or a temporary sanction with no timer to end it.
func (s *Skill) checkRule(ctx context.Context, r bot.ModRule, edit bool) error {
	c, _, err := compileRule(r)
	if err != nil {
		return err
	}
	if s.cfg.Timers == nil {
		for _, e := range c.effects {
			if (e.kind == effBan && e.dur > 0) || (e.kind == effTimeout && e.dur > maxTimeout) {
				return bot.Invalid("mod.err.needs_timer", e.String())
			}
		}
	}
	set, err := s.ruleSet(ctx)
	if err != nil {
		return err
	}
	n, regexes := 0, 0
	for _, o := range set.rules {
		if o.Stored.Platform != r.Platform || o.Stored.Name == r.Name {
			continue
		}
		n++
		for _, t := range o.triggers {
			if _, ok := t.(regexTrigger); ok {
				regexes++
			}
		}
	}
	if n >= maxRules {
		return bot.Invalid("mod.err.too_many_rules", maxRules)
	}
	for _, t := range c.triggers {
		if _, ok := t.(regexTrigger); ok && regexes >= maxRegexRules {
			return bot.Invalid("mod.err.too_many_regex", maxRegexRules)
		}
	}
	return nil
}

func (s *Skill) ruleList(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	set, err := s.ruleSet(ctx)
	if err != nil {
		return nil, err
	}
	t := s.tr(st)
	var lines []string
	for _, r := range set.rules {
		if r.Stored.Platform != e.User.Platform {
			continue
		}
		lines = append(lines, ruleLine(t, r))
	}
	if len(lines) == 0 {
		return bot.Text(t("mod.rules.none")), nil
	}
	return bot.Text(t("mod.rules.head", len(lines)) + "\n" + strings.Join(lines, "\n")), nil
}

func ruleLine(t func(string, ...any) string, r *Rule) string {
	state := ""
	switch {
	case r.Stored.Disabled:
		state = " — " + t("mod.rules.disabled")
	case r.Stored.DryRun:
		state = " — " + t("mod.rules.dry_run")
	}
	return fmt.Sprintf("• %s: %s%s", r.Stored.Name, r.Stored.Source, state)
}

func (s *Skill) rule(ctx context.Context, e bot.Event) (*Rule, error) {
	set, err := s.ruleSet(ctx)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(e.Option("name"))
	r, ok := set.Rule(e.User.Platform, name)
	if !ok {
		return nil, bot.Errorf(bot.CodeNotFound, "mod.err.no_rule", name)
	}
	return r, nil
}

func (s *Skill) ruleShow(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	r, err := s.rule(ctx, e)
	if err != nil {
		return nil, err
	}
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	t := s.tr(st)
	text := ruleLine(t, r) + "\n" + t("mod.rules.detail", strings.Join(r.Effects(), ", "), r.strikes(), r.Stored.By,
		r.Stored.Updated.In(st.Location()).Format("2006-01-02 15:04"))
	if r.Stored.WarnText != "" {
		text += "\n" + t("mod.rules.warn_text", r.Stored.WarnText)
	}
	return bot.Text(text), nil
}

func (s *Skill) ruleToggle(disable bool) bot.HandlerFunc {
	return func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
		name := strings.ToLower(e.Option("name"))
		_, err := s.cfg.Store.UpdateRule(ctx, e.User.Platform, name, func(r *bot.ModRule, exists bool) (bool, error) {
			if !exists {
				return false, bot.Errorf(bot.CodeNotFound, "mod.err.no_rule", name)
			}
			r.Disabled = disable
			return false, nil
		})
		if err != nil {
			return nil, err
		}
		if err := s.reload(ctx); err != nil {
			return nil, err
		}
		key, verb := "mod.ok.enabled", "mod.rule.enable"
		if disable {
			key, verb = "mod.ok.disabled", "mod.rule.disable"
		}
		s.audit(ctx, e.User, verb, name, "")
		st, err := s.settings(ctx)
		if err != nil {
			return nil, err
		}
		return bot.Text(s.tr(st)(key, name)), nil
	}
}

func (s *Skill) ruleRemove(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	name := strings.ToLower(e.Option("name"))
	old, err := s.cfg.Store.UpdateRule(ctx, e.User.Platform, name, func(r *bot.ModRule, exists bool) (bool, error) {
		if !exists {
			return false, bot.Errorf(bot.CodeNotFound, "mod.err.no_rule", name)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	s.audit(ctx, e.User, "mod.rule.remove", name, old.Source)
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	return bot.Text(s.tr(st)("mod.ok.removed", name)), nil
}

// ruleTest shows the normalised text, every rule that matches and why, and
// what it would do; nothing is done or counted.
func (s *Skill) ruleTest(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	set, err := s.ruleSet(ctx)
	if err != nil {
		return nil, err
	}
	in := Input{Message: e.Message, Channel: e.Message.Channel, Author: bot.UserRef{Platform: e.User.Platform, ID: e.User.ID, Name: e.User.Name},
		Time: s.cfg.Clock.Now(), Norm: Normalize(e.Option("text"))}
	return bot.Text(TestReport(s.tr(st), set, &in)), nil
}

// TestReport renders what rule test shows, for the command and the
// command line alike.
func TestReport(t func(string, ...any) string, set *RuleSet, in *Input) string {
	var b strings.Builder
	b.WriteString(t("mod.test.normalized", in.Norm.Text))
	matches := set.Evaluate(in, true)
	if len(matches) == 0 {
		b.WriteString("\n" + t("mod.test.none"))
		return b.String()
	}
	for _, m := range matches {
		b.WriteString("\n")
		state := ""
		switch {
		case m.Rule.Stored.Disabled:
			state = " (" + t("mod.rules.disabled") + ")"
		case alertOnly(m.Rule):
			state = " (" + t("mod.rules.dry_run") + ")"
		}
		b.WriteString(t("mod.test.match", m.Rule.Stored.Name+state, strings.Join(m.Why, "; "), strings.Join(m.Rule.Effects(), ", ")))
	}
	return b.String()
}

// setupStrikes sets the decay ("decay 30d"), the ladder ("3:timeout:1h
// 5:kick 7:ban", "off" to clear) or shows them ("show").
func (s *Skill) setupStrikes(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	words := strings.Fields(strings.ToLower(e.Option("spec")))
	var ss strikeSettings
	var detail string
	if len(words) > 0 && words[0] != "show" {
		err := s.cfg.Skills.UpdateSkill(ctx, "moderation", &ss, func() error {
			if words[0] == "decay" {
				if len(words) != 2 {
					return bot.Invalid("mod.err.strikes_usage")
				}
				d, err := bot.ParseDuration(words[1])
				if err != nil || d < time.Hour || d > 365*24*time.Hour {
					return bot.Invalid("mod.err.duration_range", words[1], "1h", "365d")
				}
				ss.Decay, detail = bot.Duration(d), "decay "+words[1]
				return nil
			}
			ladder, err := parseLadder(words)
			if err != nil {
				return err
			}
			ss.Ladder, detail = ladder, strings.Join(words, " ")
			return nil
		})
		if err != nil {
			return nil, err
		}
		s.audit(ctx, e.User, "mod.setup.strikes", "", detail)
	} else {
		ss = s.strikes(ctx)
	}
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	return bot.Text(s.tr(st)("mod.ok.strikes", formatDuration(ss.decay()), ladderString(ss.Ladder))), nil
}

func parseLadder(words []string) ([]step, error) {
	if len(words) == 1 && words[0] == "off" {
		return nil, nil
	}
	var out []step
	for _, w := range words {
		n, action, ok := strings.Cut(w, ":")
		at, err := strconv.Atoi(n)
		if !ok || err != nil || at < 1 || at > 1000 {
			return nil, bot.Invalid("mod.err.bad_step", w)
		}
		name, arg, _ := strings.Cut(action, ":")
		switch name {
		case "timeout":
			d, err := bot.ParseDuration(arg)
			if err != nil || d < time.Minute || d > maxTimeout {
				return nil, bot.Invalid("mod.err.bad_step", w)
			}
		case "kick":
			if arg != "" {
				return nil, bot.Invalid("mod.err.bad_step", w)
			}
		case "ban":
			if arg != "" {
				if _, err := bot.ParseDuration(arg); err != nil {
					return nil, bot.Invalid("mod.err.bad_step", w)
				}
			}
		default:
			return nil, bot.Invalid("mod.err.bad_step", w)
		}
		out = append(out, step{At: at, Action: action})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At < out[j].At })
	for i := 1; i < len(out); i++ {
		if out[i].At == out[i-1].At {
			return nil, bot.Invalid("mod.err.bad_step", strconv.Itoa(out[i].At))
		}
	}
	return out, nil
}

func ladderString(l []step) string {
	if len(l) == 0 {
		return "—"
	}
	var parts []string
	for _, s := range l {
		parts = append(parts, fmt.Sprintf("%d:%s", s.At, s.Action))
	}
	return strings.Join(parts, " ")
}

// permissionChecker is the engine's view of bot.PermissionChecker.
type permissionChecker interface {
	MissingPermission(ctx context.Context, p bot.PlatformID, kind bot.ActionKind) string
	AboveBot(ctx context.Context, member bot.UserRef) bool
}

// outranksBot reports whether a is a timeout, kick or ban of a member the
// platform says ranks at or above the bot, which the platform would refuse:
// such an action is not attempted.
func (s *Skill) outranksBot(ctx context.Context, a bot.Action) bool {
	switch a.Kind {
	case bot.ActTimeout, bot.ActKick, bot.ActBan:
	default:
		return false
	}
	pc, ok := s.cfg.Sender.(permissionChecker)
	return ok && pc.AboveBot(ctx, a.User)
}

// missingPermissions lists, for each action of rule the platform says the
// bot may not do, the permission and the action ("Moderate Members",
// "timeout:10m"), so the person adding the rule hears it now and not when it
// first fails.
func (s *Skill) missingPermissions(ctx context.Context, p bot.PlatformID, rule *Rule) [][2]string {
	pc, ok := s.cfg.Sender.(permissionChecker)
	if !ok {
		return nil
	}
	var out [][2]string
	for _, e := range rule.effects {
		if kind, ok := platformAction(e.kind); ok {
			if name := pc.MissingPermission(ctx, p, kind); name != "" {
				out = append(out, [2]string{name, e.String()})
			}
		}
	}
	return out
}

// platformAction is the platform action an effect asks for, when it asks
// the platform for anything that needs a permission.
func platformAction(k effectKind) (bot.ActionKind, bool) {
	switch k {
	case effDelete:
		return bot.ActDelete, true
	case effTimeout:
		return bot.ActTimeout, true
	case effKick:
		return bot.ActKick, true
	case effBan:
		return bot.ActBan, true
	case effSlowmode:
		return bot.ActSlowmode, true
	}
	return 0, false
}
