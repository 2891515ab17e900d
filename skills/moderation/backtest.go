package moderation

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Backtest bounds: how long one may run, and how often its progress
// message is updated.
const (
	backtestBudget   = 20 * time.Second
	backtestProgress = 2 * time.Second
	backtestExamples = 10
)

// BacktestResult is what a backtest found.
type BacktestResult struct {
	Scanned, Matched int
	ByChannel        map[string]int
	ByMember         map[string]int
	// Examples are the first matches: link (or channel) and excerpt.
	Examples []string
	// Actions counts what the rule would have done, by action.
	Actions map[string]int
	// Stopped is set when the time bound ended the scan early.
	Stopped bool
}

// Backtest runs rule over h from from to to in posting order, as live
// handling would (rate and duplicate counters included), calling progress
// after each message. It stops at ctx's deadline with Stopped set.
func Backtest(ctx context.Context, h bot.History, rule bot.ModRule, from, to time.Time, progress func(BacktestResult)) (BacktestResult, error) {
	rule.Disabled, rule.DryRun = false, false
	set, err := Compile([]bot.ModRule{rule})
	if err != nil {
		return BacktestResult{}, err
	}
	res := BacktestResult{ByChannel: map[string]int{}, ByMember: map[string]int{}, Actions: map[string]int{}}
	cnt := newCounters(maxMembers, maxRecent, maxRateWindow)
	err = h.Range(ctx, bot.HistoryFilter{From: from, To: to}, func(m bot.LoggedMessage) bool {
		if ctx.Err() != nil {
			res.Stopped = true
			return false
		}
		if m.Deleted || m.Ref.Channel.Platform != rule.Platform || m.Author.Bot {
			return true
		}
		res.Scanned++
		in := Input{Message: m.Ref, Channel: m.Ref.Channel, Link: m.Link, Author: m.Author, AuthorCreated: m.AuthorCreated,
			AuthorJoined: m.AuthorJoined, Time: m.Time, Attachments: m.Attachments, Mentions: m.Mentions, Norm: Normalize(m.Text)}
		in.Recent = cnt.observe(m.Author.Key(), Recent{At: m.Time, Hash: textHash(in.Norm.Collapsed), Ref: m.Ref})
		for _, match := range set.Evaluate(&in, true) {
			res.Matched++
			res.ByChannel["<#"+m.Ref.Channel.ID+">"]++
			res.ByMember[m.Author.Display()]++
			for _, e := range match.Rule.effects {
				res.Actions[e.String()]++
			}
			if len(res.Examples) < backtestExamples {
				where := m.Link
				if where == "" {
					where = "<#" + m.Ref.Channel.ID + ">"
				}
				res.Examples = append(res.Examples, fmt.Sprintf("%s %s: %q", where, m.Author.Display(), excerptN(m.Text, 80)))
			}
		}
		if progress != nil {
			progress(res)
		}
		return true
	})
	if err != nil && ctx.Err() != nil {
		res.Stopped, err = true, nil
	}
	return res, err
}

// excerptN is s on one line, its first n characters kept, then "…".
func excerptN(s string, n int) string { return text.Shorten(strings.Join(strings.Fields(s), " "), n+1) }

// ruleBacktest is /cm rule backtest NAME PERIOD [inline rule].
func (s *Skill) ruleBacktest(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	if s.cfg.History == nil {
		return nil, bot.Errorf(bot.CodeUnavailable, "mod.err.no_history")
	}
	st, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	period, err := bot.ParseDuration(e.Option("period"))
	if err != nil || period <= 0 || period > 365*24*time.Hour {
		return nil, bot.Invalid("mod.err.duration_range", e.Option("period"), "1h", "365d")
	}
	var rule bot.ModRule
	if src := e.Option("rule"); src != "" {
		if rule, err = ParseRule(e.User.Platform, e.Option("name"), src); err != nil {
			return nil, err
		}
	} else {
		r, err := s.rule(ctx, e)
		if err != nil {
			return nil, err
		}
		rule = r.Stored
	}
	t := s.tr(st)
	now := s.cfg.Clock.Now()
	// The progress message goes where the command was typed; a failure to
	// post it does not stop the backtest.
	progress, _ := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: e.Message.Channel, Text: t("mod.backtest.progress", rule.Name, 0, 0)})
	last := now
	runCtx, cancel := context.WithTimeout(ctx, backtestBudget)
	defer cancel()
	res, err := Backtest(runCtx, s.cfg.History, rule, now.Add(-period), now, func(r BacktestResult) {
		if progress.IsZero() || s.cfg.Clock.Now().Sub(last) < backtestProgress {
			return
		}
		last = s.cfg.Clock.Now()
		if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: progress, Text: t("mod.backtest.progress", rule.Name, r.Scanned, r.Matched)}); err != nil {
			s.log.Warn("backtest progress not updated", "err", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("backtest %s: %w", rule.Name, err)
	}
	report := backtestReport(t, rule.Name, formatDuration(period), res)
	if !progress.IsZero() {
		if _, err := s.cfg.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: progress, Text: t("mod.backtest.done", rule.Name, res.Scanned, res.Matched)}); err != nil {
			s.log.Warn("backtest progress not updated", "err", err)
		}
	}
	return bot.Text(report), nil
}

func backtestReport(t func(string, ...any) string, name, period string, r BacktestResult) string {
	var b strings.Builder
	b.WriteString(t("mod.backtest.head", name, period, r.Scanned, r.Matched))
	if r.Stopped {
		b.WriteString("\n" + t("mod.backtest.stopped", formatDuration(backtestBudget)))
	}
	if r.Matched == 0 {
		return b.String()
	}
	b.WriteString("\n" + t("mod.backtest.by_channel", top(r.ByChannel, 5)))
	b.WriteString("\n" + t("mod.backtest.by_member", top(r.ByMember, 5)))
	b.WriteString("\n" + t("mod.backtest.actions", top(r.Actions, 10)))
	b.WriteString("\n" + t("mod.backtest.examples"))
	for _, ex := range r.Examples {
		b.WriteString("\n• " + ex)
	}
	return b.String()
}

// top renders the n largest counts: "a 3, b 1".
func top(m map[string]int, n int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
