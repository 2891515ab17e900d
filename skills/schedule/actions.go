package schedule

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

func (s *Skill) registerActions(staff *bot.Group) {
	staff.Action(actApprove, bot.HandlerFunc(s.approve))
	staff.Action(actEdit, bot.HandlerFunc(s.openEdit))
	staff.Action(formEdit, bot.HandlerFunc(s.submitEdit))
	staff.Action(actReject, bot.HandlerFunc(s.reject))
	staff.Action(actPostNow, bot.HandlerFunc(s.pressPostNow))
	staff.Action(actResched, bot.HandlerFunc(s.openResched))
	staff.Action(formResched, bot.HandlerFunc(s.submitResched))
	staff.Action(actMarkPosted, bot.HandlerFunc(s.markPosted))
	staff.Action(actRepost, bot.HandlerFunc(s.repost))
}

// vars reads the post id and the version (or occurrence time) of an action.
func vars(e bot.Event) (uint64, int, error) {
	id, err := parseID(e.Var("id"))
	if err != nil {
		return 0, 0, err
	}
	v := -1
	if raw := e.Var("v"); raw != "" {
		if v, err = strconv.Atoi(raw); err != nil {
			return 0, 0, bot.Invalid("schedule.err.bad_id", raw)
		}
	}
	return id, v, nil
}

// checkApprover refuses an approval of anything but version v by someone
// allowed to give it.
func checkApprover(p *bot.ScheduledPost, v int, by bot.UserRef, opts Options) error {
	if p.Version != v {
		return bot.Errorf(bot.CodeConflict, "schedule.err.stale")
	}
	if opts.OtherApprover && p.Approval == bot.ApprovalPending && by.Key() == p.Author.Key() {
		return bot.Errorf(bot.CodeForbidden, "schedule.err.own_post")
	}
	return nil
}

func (s *Skill) approve(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := vars(e)
	if err != nil {
		return nil, err
	}
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.UpdatePost(ctx, id, func(p *bot.ScheduledPost) error {
		if p.Cancelled {
			return bot.Errorf(bot.CodeConflict, "schedule.err.done", p.ID)
		}
		if err := checkApprover(p, v, e.User, opts); err != nil {
			return err
		}
		if p.Approval != bot.ApprovalPending {
			return bot.Errorf(bot.CodeConflict, "schedule.err.not_pending", p.ID)
		}
		p.Approval, p.ApprovedBy = bot.ApprovalApproved, e.User
		p.Log(s.Clock.Now(), e.User, "approved", "v"+strconv.Itoa(v))
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, e.User, "schedule.approve", id, "v"+strconv.Itoa(v))
	s.refreshApproval(ctx, p)
	return s.text(ctx, "schedule.ok.approved", id), nil
}

func (s *Skill) openEdit(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := vars(e)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Post(ctx, id)
	if err != nil {
		return nil, notFound(err, id)
	}
	if p.Version != v {
		return nil, bot.Errorf(bot.CodeConflict, "schedule.err.stale")
	}
	l := s.lang(ctx)
	return &bot.Reply{Form: &bot.Form{
		ID:     formEdit.ID(id, v),
		Title:  s.Catalog.T(l, "schedule.form.edit_title", id),
		Submit: s.Catalog.T(l, "schedule.form.edit_submit"),
		Fields: []bot.FormField{{ID: fieldText, Label: s.Catalog.T(l, "schedule.form.text"), Value: p.Text,
			Multiline: true, Required: true, MaxLen: maxText[p.Channel.Platform]}},
	}}, nil
}

func (s *Skill) submitEdit(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := vars(e)
	if err != nil {
		return nil, err
	}
	r, err := s.editText(ctx, e.User, id, v, e.Option(fieldText))
	if de, ok := err.(*bot.Error); ok && de.Code == bot.CodeInvalid {
		return &bot.Reply{FieldErrors: map[string]string{fieldText: s.Catalog.T(s.lang(ctx), de.Key, de.Args...)}}, nil
	}
	return r, err
}

func (s *Skill) reject(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := vars(e)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Post(ctx, id)
	if err != nil {
		return nil, notFound(err, id)
	}
	if p.Version != v {
		return nil, bot.Errorf(bot.CodeConflict, "schedule.err.stale")
	}
	return s.cancelPost(ctx, e.User, id, true, "schedule.ok.rejected")
}

func (s *Skill) pressPostNow(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := vars(e)
	if err != nil {
		return nil, err
	}
	r, err := s.postNow(ctx, e.User, id, v)
	if err == nil && !e.Message.IsZero() {
		s.closeCard(ctx, e.Message, "schedule.card.done_posted", e.User.Display())
	}
	return r, err
}

// closeCard replaces a question card by what a person decided.
func (s *Skill) closeCard(ctx context.Context, card bot.MessageRef, key string, args ...any) {
	st, err := s.team(ctx)
	if err != nil {
		return
	}
	c := &bot.Card{Title: s.Catalog.T(st.Lang(), key, args...), Tone: bot.ToneGood}
	if _, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: card, Card: c}); err != nil {
		s.log.Warn("update card", "err", err)
	}
}

func (s *Skill) openResched(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, _, err := vars(e)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.Post(ctx, id); err != nil {
		return nil, notFound(err, id)
	}
	l := s.lang(ctx)
	return &bot.Reply{Form: &bot.Form{
		ID:     formResched.ID(id),
		Title:  s.Catalog.T(l, "schedule.form.resched_title", id),
		Submit: s.Catalog.T(l, "schedule.form.resched_submit"),
		Fields: []bot.FormField{{ID: fieldWhen, Label: s.Catalog.T(l, "schedule.form.when"),
			Placeholder: s.Catalog.T(l, "schedule.form.when_placeholder"), Required: true, MaxLen: 200}},
	}}, nil
}

func (s *Skill) submitResched(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, _, err := vars(e)
	if err != nil {
		return nil, err
	}
	r, err := s.editWhen(ctx, e.User, id, strings.TrimSpace(e.Option(fieldWhen)))
	if de, ok := err.(*bot.Error); ok && de.Code == bot.CodeInvalid {
		return &bot.Reply{FieldErrors: map[string]string{fieldWhen: s.Catalog.T(s.lang(ctx), de.Key, de.Args...)}}, nil
	}
	return r, err
}

// occurrenceOf reads the post id and occurrence time of a card button.
func occurrenceOf(e bot.Event) (uint64, time.Time, error) {
	id, err := parseID(e.Var("id"))
	if err != nil {
		return 0, time.Time{}, err
	}
	sec, err := strconv.ParseInt(e.Var("at"), 10, 64)
	if err != nil {
		return 0, time.Time{}, bot.Invalid("schedule.err.bad_id", e.Var("at"))
	}
	return id, time.Unix(sec, 0).UTC(), nil
}

// markPosted records, on a person's word, that a send in doubt went out.
func (s *Skill) markPosted(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, at, err := occurrenceOf(e)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	_, _, err = s.Store.UpdateOccurrence(ctx, id, at, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
		if o.State != bot.OccUnknown {
			return bot.Errorf(bot.CodeConflict, "schedule.err.not_unknown")
		}
		o.State, o.Since, o.By = bot.OccSent, now, e.User
		p.Log(now, e.User, "confirmed sent", "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, e.User, "schedule.mark-posted", id, at.Format(time.RFC3339))
	if !e.Message.IsZero() {
		s.closeCard(ctx, e.Message, "schedule.card.done_confirmed", id, e.User.Display())
	}
	return s.text(ctx, "schedule.ok.marked", id), nil
}

// repost sends an occurrence in doubt or failed again, on a person's
// explicit decision.
func (s *Skill) repost(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, at, err := occurrenceOf(e)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	p, o, err := s.Store.UpdateOccurrence(ctx, id, at, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
		if o.State != bot.OccUnknown && o.State != bot.OccFailed {
			return bot.Errorf(bot.CodeConflict, "schedule.err.not_unknown")
		}
		o.State, o.Since, o.By, o.Reason = bot.OccSending, now, e.User, ""
		p.Log(now, e.User, "post again", "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, e.User, "schedule.repost", id, at.Format(time.RFC3339))
	o = s.deliver(ctx, p, o)
	if o.State == bot.OccSent && !e.Message.IsZero() {
		s.closeCard(ctx, e.Message, "schedule.card.done_posted", e.User.Display())
	}
	return s.sendReply(ctx, p, o), nil
}
