package inbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// listLimit bounds /cm inbox.
const listLimit = 20

func (s *Skill) registerCommands(r *bot.Router, staff *bot.Group) {
	idOpt := bot.Option{Name: "id", Type: bot.OptInt, Required: true, Description: "Inbox item number", Autocomplete: "inbox.items"}
	staff.Command(bot.Command{Route: "inbox list", Default: true, Description: "Open items, oldest unanswered first",
		Handler: bot.HandlerFunc(s.list)})
	staff.Command(bot.Command{Route: "inbox show", Description: "Show one item with its draft and buttons",
		Options: []bot.Option{idOpt}, Handler: bot.HandlerFunc(s.show)})
	staff.Command(bot.Command{Route: "inbox assign", Description: "Assign an item to someone",
		Options: []bot.Option{idOpt, {Name: "user", Type: bot.OptUser, Required: true, Description: "Who takes it"}},
		Handler: bot.HandlerFunc(s.assignCmd)})
	staff.Command(bot.Command{Route: "inbox close", Description: "Close an item without replying",
		Options: []bot.Option{idOpt}, Handler: bot.HandlerFunc(s.closeCmd)})
	r.Completer("inbox.items", s.completeItems)

	staff.Command(bot.Command{Route: "faq add", Description: "Add a FAQ entry: question | answer",
		Options: []bot.Option{{Name: "entry", Type: bot.OptText, Required: true, Description: "Question | answer"}},
		Handler: bot.HandlerFunc(s.faqAdd)})
	r.Command(bot.Command{Route: "faq list", Description: "List the FAQ that grounds drafted replies",
		Handler: bot.HandlerFunc(s.faqList)})
	staff.Command(bot.Command{Route: "faq remove", Description: "Remove a FAQ entry",
		Options: []bot.Option{{Name: "id", Type: bot.OptInt, Required: true, Description: "FAQ entry number"}},
		Handler: bot.HandlerFunc(s.faqRemove)})
}

func (s *Skill) list(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
	ids, err := s.Store.OpenIDs(ctx)
	if err != nil {
		return nil, err
	}
	l := s.lang(ctx)
	if len(ids) == 0 {
		return bot.Text(s.Catalog.T(l, "inbox.list.empty")), nil
	}
	items, err := s.items(ctx, ids[:min(len(ids), listLimit)])
	if err != nil {
		return nil, err
	}
	lines := []string{s.Catalog.T(l, "inbox.list.title", len(ids))}
	now := s.Now()
	for _, it := range items {
		line := fmt.Sprintf("#%d · %s · %s · %s · %s: %s", it.ID, s.Catalog.T(l, "kind."+string(it.Triage.Kind)),
			s.Catalog.T(l, "urgency."+string(it.Triage.Urgency)), s.age(l, now.Sub(it.Created)), it.Author.Display(), snippet(it.First().Text, 80))
		if it.State != bot.ItemDrafted {
			line += " [" + s.Catalog.T(l, "state."+string(it.State)) + "]"
		}
		if it.Assignee.ID != "" {
			line += " → " + it.Assignee.Mention()
		}
		lines = append(lines, line)
	}
	if len(ids) > listLimit {
		lines = append(lines, s.Catalog.T(l, "inbox.list.more", len(ids)-listLimit))
	}
	return bot.Text(strings.Join(lines, "\n")), nil
}

// items reads the items ids name, skipping one deleted meanwhile.
func (s *Skill) items(ctx context.Context, ids []uint64) ([]bot.Item, error) {
	out := make([]bot.Item, 0, len(ids))
	for _, id := range ids {
		it, err := s.Store.Item(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func (s *Skill) show(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	it, err := s.Store.Item(ctx, id)
	if err != nil {
		return nil, notFound(err, id)
	}
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Card: s.render(st, it)}, nil
}

func (s *Skill) assignCmd(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	p, uid, _ := strings.Cut(e.Option("user"), ":")
	return s.assign(ctx, e.User, id, bot.UserRef{Platform: bot.PlatformID(p), ID: uid})
}

func (s *Skill) closeCmd(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	return s.finish(ctx, e.User, id, bot.ItemClosed, "", "inbox.close", "inbox.ok.closed")
}

// maxChoices is how many suggestions the platforms show.
const maxChoices = 25

// completeItems suggests the open items whose number starts with what is
// typed, newest first; only the suggested items are read.
func (s *Skill) completeItems(ctx context.Context, _ bot.Event, prefix string) ([]bot.Choice, error) {
	ids, err := s.Store.OpenIDs(ctx)
	if err != nil {
		return nil, err
	}
	prefix = strings.TrimPrefix(prefix, "#")
	var match []uint64
	for i := len(ids) - 1; i >= 0 && len(match) < maxChoices; i-- {
		if strings.HasPrefix(strconv.FormatUint(ids[i], 10), prefix) {
			match = append(match, ids[i])
		}
	}
	items, err := s.items(ctx, match)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Choice, 0, len(items))
	for _, it := range items {
		id := strconv.FormatUint(it.ID, 10)
		out = append(out, bot.Choice{Name: "#" + id + " " + snippet(it.First().Text, 80), Value: id})
	}
	return out, nil
}

// FAQ entry limits.
const (
	maxQuestion = 300
	maxAnswer   = 1500
)

func (s *Skill) faqAdd(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	q, a, ok := strings.Cut(e.Option("entry"), "|")
	q, a = strings.TrimSpace(q), strings.TrimSpace(a)
	switch {
	case !ok || q == "" || a == "":
		return nil, &bot.Error{Code: bot.CodeInvalid, Key: "faq.err.format", Usage: "/cm faq add <question | answer>"}
	case len([]rune(q)) > maxQuestion:
		return nil, bot.Invalid("faq.err.question_len", maxQuestion)
	case len([]rune(a)) > maxAnswer:
		return nil, bot.Invalid("faq.err.answer_len", maxAnswer)
	}
	entry, err := s.Store.AddFAQ(ctx, q, a)
	s.faq.drop()
	if err != nil {
		return nil, err
	}
	s.auditEntry(ctx, bot.AuditEntry{Time: s.Now(), Actor: e.User, Action: "faq.add",
		Target: "faq " + strconv.FormatUint(entry.ID, 10), Detail: q})
	return s.t(ctx, "faq.ok.added", entry.ID), nil
}

func (s *Skill) faqList(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
	faq, err := s.Store.FAQ(ctx)
	if err != nil {
		return nil, err
	}
	l := s.lang(ctx)
	if len(faq) == 0 {
		return bot.Text(s.Catalog.T(l, "faq.list.empty")), nil
	}
	lines := []string{s.Catalog.T(l, "faq.list.title", len(faq))}
	for _, f := range faq {
		lines = append(lines, fmt.Sprintf("#%d %s → %s", f.ID, f.Question, snippet(f.Answer, 200)))
	}
	return bot.Text(strings.Join(lines, "\n")), nil
}

func (s *Skill) faqRemove(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := strconv.ParseUint(e.Option("id"), 10, 64)
	if err != nil {
		return nil, bot.Invalid("inbox.err.bad_id", e.Option("id"))
	}
	err = s.Store.RemoveFAQ(ctx, id)
	s.faq.drop()
	if err != nil {
		if errorsIsNotFound(err) {
			return nil, bot.Errorf(bot.CodeNotFound, "faq.err.no_entry", id)
		}
		return nil, err
	}
	s.auditEntry(ctx, bot.AuditEntry{Time: s.Now(), Actor: e.User, Action: "faq.remove",
		Target: "faq " + strconv.FormatUint(id, 10)})
	return s.t(ctx, "faq.ok.removed", id), nil
}

func errorsIsNotFound(err error) bool { return notFound(err, 0) != err }

// snippet is s on one line, cut to n characters, with its mentions defused.
func snippet(s string, n int) string {
	return text.Defuse(text.Shorten(strings.Join(strings.Fields(s), " "), n)) // community text inside the bot's reply pings no one
}

// age renders how long an item has waited, in the team's language: "5
// minutes", "1 hour", "3 jours".
func (s *Skill) age(l bot.Lang, d time.Duration) string {
	switch {
	case d < time.Hour:
		return s.Catalog.T(l, "unit.minute", int(d.Minutes()))
	case d < 48*time.Hour:
		return s.Catalog.T(l, "unit.hour", int(d.Hours()))
	}
	return s.Catalog.T(l, "unit.day", int(d.Hours()/24))
}
