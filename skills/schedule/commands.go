package schedule

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

// listLimit bounds /cm schedule list.
const listLimit = 25

// registerCommands declares the commands, every one staff-only.
func (s *Skill) registerCommands(r *bot.Router, staff *bot.Group) {
	idOpt := bot.Option{Name: "id", Type: bot.OptInt, Required: true, Description: "Scheduled post number", Autocomplete: "schedule.posts"}
	staff.Command(bot.Command{Route: "schedule add", Description: "Schedule a post: #channel WHEN text (add --ping to allow @everyone)",
		Options: []bot.Option{
			{Name: "channel", Type: bot.OptChannel, Required: true, Description: "Where to post"},
			{Name: "post", Type: bot.OptText, Required: true, Description: "WHEN then the text, e.g. tomorrow 9am Hello everyone"},
		},
		Handler: bot.HandlerFunc(s.add)})
	staff.Command(bot.Command{Route: "schedule list", Default: true, Description: "Upcoming scheduled posts",
		Handler: bot.HandlerFunc(s.list)})
	staff.Command(bot.Command{Route: "schedule show", Description: "A scheduled post, its next times and what was sent",
		Options: []bot.Option{idOpt}, Handler: bot.HandlerFunc(s.show)})
	staff.Command(bot.Command{Route: "schedule edit", Description: "Change a post's time or text",
		Options: []bot.Option{idOpt,
			{Name: "field", Type: bot.OptChoice, Required: true, Choices: []string{"when", "text"}, Description: "when or text"},
			{Name: "value", Type: bot.OptText, Required: true, Description: "The new WHEN or the new text"},
		},
		Handler: bot.HandlerFunc(s.edit)})
	staff.Command(bot.Command{Route: "schedule pause", Description: "Pause a recurring post",
		Options: []bot.Option{idOpt}, Handler: bot.HandlerFunc(s.pause)})
	staff.Command(bot.Command{Route: "schedule resume", Description: "Resume a paused post",
		Options: []bot.Option{idOpt}, Handler: bot.HandlerFunc(s.resume)})
	staff.Command(bot.Command{Route: "schedule cancel", Description: "Cancel a scheduled post",
		Options: []bot.Option{idOpt}, Handler: bot.HandlerFunc(s.cancel)})
	staff.Command(bot.Command{Route: "schedule now", Description: "Post a scheduled post at once",
		Options: []bot.Option{idOpt}, Handler: bot.HandlerFunc(s.now)})
	r.Completer("schedule.posts", s.completePosts)

	staff.Command(bot.Command{Route: "setup schedule-approval", Description: "Scheduled posts need a staff approval (on/off)",
		Options: []bot.Option{
			{Name: "state", Type: bot.OptChoice, Required: true, Choices: []string{"on", "off"}, Description: "on or off"},
			{Name: "approver", Type: bot.OptChoice, Choices: []string{"anyone", "another"}, Description: "another: not the author"},
		},
		Handler: bot.HandlerFunc(s.setApproval)})
	staff.Command(bot.Command{Route: "setup catch-up", Description: "How late a post missed while down may still go out",
		Options: []bot.Option{{Name: "window", Type: bot.OptWord, Required: true, Description: "e.g. 1h, 30m, or off"}},
		Handler: bot.HandlerFunc(s.setCatchUp)})
}

// platformChecker is what the engine tells about configured platforms.
type platformChecker interface{ Has(bot.PlatformID) bool }

// checkChannel refuses a channel the bot cannot post in, as far as the
// engine and the platform can tell before the post.
func (s *Skill) checkChannel(ctx context.Context, ch bot.ChannelRef) error {
	if pc, ok := s.Sender.(platformChecker); ok && !pc.Has(ch.Platform) {
		return bot.Invalid("schedule.err.platform", string(ch.Platform))
	}
	cc, ok := s.Sender.(bot.ChannelChecker)
	if !ok {
		return nil
	}
	switch err := cc.CanPost(ctx, ch); {
	case errors.Is(err, bot.ErrUnknownChannel):
		return bot.Invalid("schedule.err.unknown_channel", ch.String())
	case errors.Is(err, bot.ErrCannotPost) && ch.Platform == bot.Slack:
		return bot.Invalid("schedule.err.not_invited", ch.String())
	case errors.Is(err, bot.ErrCannotPost):
		return bot.Invalid("schedule.err.cannot_post", ch.String())
	case err != nil:
		return err
	}
	return nil
}

func (s *Skill) add(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	ch, err := bot.ParseChannelRef(e.Option("channel"))
	if err != nil {
		return nil, bot.Invalid("err.bad_channel", e.Option("channel"))
	}
	if err := s.checkChannel(ctx, ch); err != nil {
		return nil, err
	}
	st, err := s.team(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	input, ping := cutPing(e.Option("post"))
	now := s.Clock.Now()
	loc := st.Location()
	parsed, err := ParseWhen(input, WhenOptions{Lang: st.Lang(), Loc: loc, Now: now})
	if err != nil {
		return nil, err
	}
	when := strings.TrimSpace(input[:parsed.End])
	text := strings.TrimSpace(input[parsed.End:])
	if err := checkText(text, ch.Platform, ping); err != nil {
		return nil, err
	}
	p, err := s.Store.AddPost(ctx, func(p *bot.ScheduledPost) error {
		*p = bot.ScheduledPost{ID: p.ID, Channel: ch, Text: text, When: when, Rule: parsed.Rule, Zone: loc.String(),
			Author: e.User, Ping: ping, Created: now, Version: 1, Approval: bot.ApprovalNone, Next: parsed.First}
		if opts.Approval {
			p.Approval = bot.ApprovalPending
		}
		p.Log(now, e.User, "scheduled", when)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.audit(ctx, e.User, "schedule.add", p.ID, ch.String()+" "+when)
	if err := s.armTimer(ctx, p.ID, p.Next); err != nil {
		// Stored and unarmed: the runner arms it at the next start.
		s.log.Error("arm new post", "post", p.ID, "err", err)
	}
	if p.Approval == bot.ApprovalPending {
		s.showApproval(ctx, st, p)
	}
	return &bot.Reply{Card: s.confirmation(st, p, now, "schedule.ok.added")}, nil
}

// confirmation tells the author how WHEN was understood, with a preview.
func (s *Skill) confirmation(st bot.Settings, p bot.ScheduledPost, now time.Time, key string) *bot.Card {
	l, loc := st.Lang(), st.Location()
	t := tr(s.Catalog, l)
	c := &bot.Card{
		Title:   t(key, p.ID, p.Channel.Mention()),
		Context: t("schedule.ok.when", formatTime(l, p.Next, loc), s.fromNow(l, p.Next, now, loc)),
		Quote:   p.Text,
	}
	if p.Rule.Recurring() {
		c.Fields = append(c.Fields, bot.Field{Name: t("schedule.card.next"), Value: joinTimes(l, upcoming(p, 3), loc)})
	}
	if p.Approval == bot.ApprovalPending {
		c.Footer = t("schedule.ok.needs_approval")
	}
	return c
}

// showApproval posts or updates the post's approval card.
func (s *Skill) showApproval(ctx context.Context, st bot.Settings, p bot.ScheduledPost) {
	card := s.approvalCard(st, p)
	if !p.Card.IsZero() {
		if _, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: p.Card, Card: card}); err != nil {
			s.log.Warn("update approval card", "post", p.ID, "err", err)
		}
		if p.Approval != bot.ApprovalPending {
			return
		}
	}
	if p.Approval != bot.ApprovalPending {
		return
	}
	if st.TeamChannel.IsZero() {
		s.log.Warn("no team channel: the post waits for approval; set one with /cm setup team-channel", "post", p.ID)
		return
	}
	if !p.Card.IsZero() {
		return
	}
	ref, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Card: card})
	if err != nil {
		s.log.Error("post approval card", "post", p.ID, "err", err)
		return
	}
	if _, err := s.Store.UpdatePost(ctx, p.ID, func(cur *bot.ScheduledPost) error {
		cur.Card = ref
		return nil
	}); err != nil {
		s.log.Warn("remember approval card", "post", p.ID, "err", err)
	}
}

func (s *Skill) refreshApproval(ctx context.Context, p bot.ScheduledPost) {
	if st, err := s.team(ctx); err == nil {
		s.showApproval(ctx, st, p)
	}
}

// live reports whether a post still has something to do.
func live(p *bot.ScheduledPost) bool { return !p.Cancelled && (!p.Next.IsZero() || p.Paused) }

func (s *Skill) list(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
	posts, err := s.Store.Posts(ctx, live)
	if err != nil {
		return nil, err
	}
	st, err := s.team(ctx)
	if err != nil {
		return nil, err
	}
	l, loc := st.Lang(), st.Location()
	if len(posts) == 0 {
		return s.text(ctx, "schedule.list.empty"), nil
	}
	slices.SortStableFunc(posts, func(a, b bot.ScheduledPost) int {
		if a.Paused != b.Paused {
			if a.Paused {
				return 1
			}
			return -1
		}
		return a.Next.Compare(b.Next)
	})
	lines := []string{s.Catalog.T(l, "schedule.list.title", len(posts))}
	for i, p := range posts {
		if i == listLimit {
			lines = append(lines, s.Catalog.T(l, "schedule.list.more", len(posts)-listLimit))
			break
		}
		next := s.Catalog.T(l, "schedule.list.paused")
		if !p.Paused {
			next = formatTime(l, p.Next, loc)
		}
		rec := s.Catalog.T(l, "schedule.list.once")
		if p.Rule.Recurring() {
			rec = p.When
		}
		lines = append(lines, fmt.Sprintf("#%d · %s · %s · %s · %s · %s", p.ID, p.Channel.Mention(), next, rec,
			p.Author.Display(), s.Catalog.T(l, "schedule.approval."+string(p.Approval))))
	}
	return bot.Text(strings.Join(lines, "\n")), nil
}

// historyLimit bounds the occurrences schedule show lists.
const historyLimit = 10

func (s *Skill) show(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Post(ctx, id)
	if err != nil {
		return nil, notFound(err, id)
	}
	occs, err := s.Store.Occurrences(ctx, id)
	if err != nil {
		return nil, err
	}
	st, err := s.team(ctx)
	if err != nil {
		return nil, err
	}
	l, loc := st.Lang(), st.Location()
	t := tr(s.Catalog, l)
	c := &bot.Card{
		Title:   t("schedule.show.title", p.ID, p.Channel.Mention()),
		Context: t("schedule.card.context", p.Channel.Mention(), p.Author.Display(), p.When),
		Quote:   p.Text,
		Fields: []bot.Field{
			{Name: t("schedule.show.approval"), Value: t("schedule.approval." + string(p.Approval)), Inline: true},
			{Name: t("schedule.show.version"), Value: strconv.Itoa(p.Version), Inline: true},
		},
	}
	switch {
	case p.Cancelled:
		c.Footer = t("schedule.card.cancelled")
	case p.Paused:
		c.Footer = t("schedule.list.paused")
	default:
		if next := upcoming(p, 3); len(next) > 0 {
			c.Fields = append(c.Fields, bot.Field{Name: t("schedule.card.next"), Value: joinTimes(l, next, loc)})
		}
	}
	var hist []string
	for i := len(occs) - 1; i >= 0 && len(hist) < historyLimit; i-- {
		o := occs[i]
		if o.State == bot.OccScheduled {
			continue
		}
		line := formatTime(l, o.At, loc) + " · " + t("schedule.occ."+string(o.State))
		if o.Late {
			line += " (" + t("schedule.occ.late") + ")"
		}
		if o.Link != "" {
			line += " · " + o.Link
		} else if o.Message.ID != "" {
			line += " · " + o.Message.ID
		}
		if o.Reason != "" {
			line += " · " + o.Reason
		}
		hist = append(hist, line)
	}
	if len(hist) > 0 {
		c.Fields = append(c.Fields, bot.Field{Name: t("schedule.show.history"), Value: strings.Join(hist, "\n")})
	}
	return &bot.Reply{Card: c}, nil
}

func (s *Skill) edit(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	if e.Option("field") == "text" {
		return s.editText(ctx, e.User, id, -1, e.Option("value"))
	}
	return s.editWhen(ctx, e.User, id, e.Option("value"))
}

// reapprove sets the approval state of a post's new version.
func reapprove(p *bot.ScheduledPost, opts Options) {
	p.Version++
	p.ApprovedBy = bot.UserRef{}
	if opts.Approval {
		p.Approval = bot.ApprovalPending
	} else {
		p.Approval = bot.ApprovalNone
	}
}

// editText replaces the text of post id; version v, when not negative, is
// the one the editor saw.
func (s *Skill) editText(ctx context.Context, by bot.UserRef, id uint64, v int, raw string) (*bot.Reply, error) {
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	text, ping := cutPing(strings.TrimSpace(raw))
	now := s.Clock.Now()
	p, err := s.Store.UpdatePost(ctx, id, func(p *bot.ScheduledPost) error {
		if !live(p) {
			return bot.Errorf(bot.CodeConflict, "schedule.err.done", p.ID)
		}
		if v >= 0 && p.Version != v {
			return bot.Errorf(bot.CodeConflict, "schedule.err.stale")
		}
		if err := checkText(text, p.Channel.Platform, ping || p.Ping); err != nil {
			return err
		}
		p.Text, p.Ping = text, ping || p.Ping
		reapprove(p, opts)
		p.Log(now, by, "edited text", "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, by, "schedule.edit", id, "text")
	s.refreshApproval(ctx, p)
	return s.text(ctx, "schedule.ok.edited", id), nil
}

// editWhen reads a new WHEN for post id and moves its next occurrence.
func (s *Skill) editWhen(ctx context.Context, by bot.UserRef, id uint64, raw string) (*bot.Reply, error) {
	st, err := s.team(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	loc := st.Location()
	parsed, err := ParseWhen(raw, WhenOptions{Lang: st.Lang(), Loc: loc, Now: now})
	if err != nil {
		return nil, err
	}
	if extra := strings.TrimSpace(raw[parsed.End:]); extra != "" {
		return nil, bot.Invalid("schedule.err.when_extra", extra)
	}
	var old time.Time
	p, err := s.arm(ctx, id, parsed.First, func(p *bot.ScheduledPost) error {
		if p.Cancelled {
			return bot.Errorf(bot.CodeConflict, "schedule.err.done", p.ID)
		}
		old = p.Next
		p.When, p.Rule, p.Zone, p.Paused = strings.TrimSpace(raw), parsed.Rule, loc.String(), false
		reapprove(p, opts)
		p.Log(now, by, "rescheduled", p.When)
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	if !old.Equal(p.Next) {
		s.disarm(ctx, id, old, "rescheduled")
	}
	s.audit(ctx, by, "schedule.edit", id, "when "+p.When)
	s.refreshApproval(ctx, p)
	return &bot.Reply{Card: s.confirmation(st, p, now, "schedule.ok.rescheduled")}, nil
}

func (s *Skill) pause(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	var old time.Time
	_, err = s.Store.UpdatePost(ctx, id, func(p *bot.ScheduledPost) error {
		switch {
		case !p.Rule.Recurring():
			return bot.Invalid("schedule.err.pause_once", p.ID)
		case p.Paused:
			return bot.Errorf(bot.CodeConflict, "schedule.err.paused", p.ID)
		case !live(p):
			return bot.Errorf(bot.CodeConflict, "schedule.err.done", p.ID)
		}
		old, p.Paused, p.Next = p.Next, true, time.Time{}
		p.Log(s.Clock.Now(), e.User, "paused", "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.disarm(ctx, id, old, "paused")
	s.audit(ctx, e.User, "schedule.pause", id, "")
	return s.text(ctx, "schedule.ok.paused", id), nil
}

func (s *Skill) resume(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Post(ctx, id)
	if err != nil {
		return nil, notFound(err, id)
	}
	now := s.Clock.Now()
	next := Next(p.Rule, now, p.Location())
	if next.IsZero() {
		return nil, bot.Errorf(bot.CodeConflict, "schedule.err.done", id)
	}
	p, err = s.arm(ctx, id, next, func(p *bot.ScheduledPost) error {
		if !p.Paused || p.Cancelled {
			return bot.Errorf(bot.CodeConflict, "schedule.err.not_paused", p.ID)
		}
		p.Paused = false
		p.Log(now, e.User, "resumed", "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, e.User, "schedule.resume", id, "")
	l, loc := s.lang(ctx), p.Location()
	return bot.Text(s.Catalog.T(l, "schedule.ok.resumed", id, formatTime(l, p.Next, loc))), nil
}

func (s *Skill) cancel(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	return s.cancelPost(ctx, e.User, id, false, "schedule.ok.cancelled")
}

// cancelPost cancels post id (rejecting its version when reject is set).
func (s *Skill) cancelPost(ctx context.Context, by bot.UserRef, id uint64, reject bool, okKey string) (*bot.Reply, error) {
	var old time.Time
	p, err := s.Store.UpdatePost(ctx, id, func(p *bot.ScheduledPost) error {
		if p.Cancelled {
			return bot.Errorf(bot.CodeConflict, "schedule.err.done", p.ID)
		}
		old, p.Cancelled, p.Next = p.Next, true, time.Time{}
		what := "cancelled"
		if reject {
			p.Approval, p.ApprovedBy, what = bot.ApprovalRejected, by, "rejected"
		}
		p.Log(s.Clock.Now(), by, what, "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.disarm(ctx, id, old, "cancelled")
	action := "schedule.cancel"
	if reject {
		action = "schedule.reject"
	}
	s.audit(ctx, by, action, id, "")
	s.refreshApproval(ctx, p)
	return s.text(ctx, okKey, id), nil
}

func (s *Skill) now(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, err := parseID(e.Option("id"))
	if err != nil {
		return nil, err
	}
	return s.postNow(ctx, e.User, id, -1)
}

// postNow sends post id at once as its own occurrence. With v ≥ 0 the
// press also approves version v (the "Post it now" button); otherwise the
// post must already be approved.
func (s *Skill) postNow(ctx context.Context, by bot.UserRef, id uint64, v int) (*bot.Reply, error) {
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now().Truncate(time.Second)
	p, o, err := s.Store.UpdateOccurrence(ctx, id, now, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
		if p.Cancelled {
			return bot.Errorf(bot.CodeConflict, "schedule.err.done", p.ID)
		}
		if o.State != "" {
			return bot.Errorf(bot.CodeConflict, "schedule.err.stale")
		}
		if v >= 0 {
			if err := checkApprover(p, v, by, opts); err != nil {
				return err
			}
			if p.Approval == bot.ApprovalPending {
				p.Approval, p.ApprovedBy = bot.ApprovalApproved, by
			}
		}
		if !p.Sendable() {
			return bot.Errorf(bot.CodeConflict, "schedule.err.not_approved", p.ID)
		}
		o.State, o.Since, o.Version, o.By = bot.OccSending, now, p.Version, by
		p.Log(now, by, "post now", "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, by, "schedule.now", id, "")
	o = s.deliver(ctx, p, o)
	return s.sendReply(ctx, p, o), nil
}

// sendReply tells the person who asked for a send how it went.
func (s *Skill) sendReply(ctx context.Context, p bot.ScheduledPost, o bot.Occurrence) *bot.Reply {
	switch o.State {
	case bot.OccSent:
		return s.text(ctx, "schedule.ok.sent", p.ID, o.Link)
	case bot.OccUnknown:
		return s.text(ctx, "schedule.card.unknown")
	}
	return s.text(ctx, "schedule.card.failed", o.Reason)
}

func (s *Skill) completePosts(ctx context.Context, _ bot.Event, prefix string) ([]bot.Choice, error) {
	posts, err := s.Store.Posts(ctx, live)
	if err != nil {
		return nil, err
	}
	var out []bot.Choice
	for i := len(posts) - 1; i >= 0; i-- {
		id := strconv.FormatUint(posts[i].ID, 10)
		if strings.HasPrefix(id, strings.TrimPrefix(prefix, "#")) {
			out = append(out, bot.Choice{Name: "#" + id + " " + snippet(posts[i].Text, 80), Value: id})
		}
	}
	return out, nil
}

// snippet is s on one line, cut to n characters.
func snippet(s string, n int) string { return text.Shorten(strings.Join(strings.Fields(s), " "), n) }

func (s *Skill) setApproval(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	on := e.Option("state") == "on"
	other := e.Option("approver") == "another"
	o := defaultOptions()
	err := s.Options.UpdateSkill(ctx, "schedule", &o, func() error {
		o.Approval, o.OtherApprover = on, on && other
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.auditSetup(ctx, e.User, "setup.schedule-approval", e.Option("state")+" "+e.Option("approver"))
	switch {
	case !on:
		return s.text(ctx, "schedule.ok.approval_off"), nil
	case other:
		return s.text(ctx, "schedule.ok.approval_other"), nil
	}
	return s.text(ctx, "schedule.ok.approval_on"), nil
}

// maxCatchUp bounds the catch-up window.
const maxCatchUp = 7 * 24 * time.Hour

func (s *Skill) setCatchUp(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	raw := strings.ToLower(strings.TrimSpace(e.Option("window")))
	var d time.Duration
	if raw != "off" && raw != "0" {
		var err error
		if d, err = bot.ParseDuration(raw); err != nil || d <= 0 || d > maxCatchUp {
			return nil, bot.Invalid("schedule.err.catch_up", e.Option("window"))
		}
	}
	o := defaultOptions()
	if err := s.Options.UpdateSkill(ctx, "schedule", &o, func() error {
		o.CatchUp = bot.Duration(d)
		return nil
	}); err != nil {
		return nil, err
	}
	s.auditSetup(ctx, e.User, "setup.catch-up", shortDuration(d))
	if d == 0 {
		return s.text(ctx, "schedule.ok.catch_up_off"), nil
	}
	return s.text(ctx, "schedule.ok.catch_up", shortDuration(d)), nil
}

func (s *Skill) auditSetup(ctx context.Context, by bot.UserRef, action, detail string) {
	if err := s.Audit.Audit(ctx, bot.AuditEntry{Time: s.Clock.Now(), Actor: by, Action: action, Detail: detail}); err != nil {
		s.log.Error("audit entry lost", "action", action, "err", err)
	}
}
