package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Button and form ids, built with their ID method and routed by the same
// pattern. Frozen once released: cards already posted carry them.
var (
	actApprove  = bot.NewPattern("inbox/approve/{id}/{v}")
	actEdit     = bot.NewPattern("inbox/edit/{id}/{v}")
	actRegen    = bot.NewPattern("inbox/regen/{id}/{v}")
	actReject   = bot.NewPattern("inbox/reject/{id}")
	actAssign   = bot.NewPattern("inbox/assign/{id}")
	actUndo     = bot.NewPattern("inbox/undo/{id}")
	actMarkSent = bot.NewPattern("inbox/mark-sent/{id}")
	actResend   = bot.NewPattern("inbox/resend/{id}/{v}")
	formEdit    = bot.NewPattern("inbox/edit-form/{id}/{v}")
	formRegen   = bot.NewPattern("inbox/regen-form/{id}/{v}")
	formReject  = bot.NewPattern("inbox/reject-form/{id}")
)

// Form field ids.
const (
	fieldDraft    = "draft"
	fieldInstruct = "instruction"
	fieldReason   = "reason"
)

// MaxReply is the longest reply the platforms accept in one message.
const MaxReply = 2000

func (s *Skill) registerActions(staff *bot.Group) {
	staff.Action(actApprove, bot.HandlerFunc(s.approve))
	staff.Action(actEdit, bot.HandlerFunc(s.openEdit))
	staff.Action(formEdit, bot.HandlerFunc(s.submitEdit))
	staff.Action(actRegen, bot.HandlerFunc(s.openRegen))
	staff.Action(formRegen, bot.HandlerFunc(s.submitRegen))
	staff.Action(actReject, bot.HandlerFunc(s.openReject))
	staff.Action(formReject, bot.HandlerFunc(s.submitReject))
	staff.Action(actAssign, bot.HandlerFunc(s.assignToMe))
	staff.Action(actUndo, bot.HandlerFunc(s.undo))
	staff.Action(actMarkSent, bot.HandlerFunc(s.markSent))
	staff.Action(actResend, bot.HandlerFunc(s.resend))
}

func ids(e bot.Event) (uint64, int, error) {
	id, err := parseID(e.Var("id"))
	if err != nil {
		return 0, 0, err
	}
	v := 0
	if raw := e.Var("v"); raw != "" {
		if v, err = strconv.Atoi(raw); err != nil {
			return 0, 0, bot.Invalid("inbox.err.bad_id", raw)
		}
	}
	return id, v, nil
}

func (s *Skill) lang(ctx context.Context) bot.Lang {
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return bot.English
	}
	return st.Lang()
}

func (s *Skill) t(ctx context.Context, key string, args ...any) *bot.Reply {
	return bot.Text(s.Catalog.T(s.lang(ctx), key, args...))
}

// checkApprovable refuses to send anything but the current draft of a
// drafted item, saying why.
func checkApprovable(it *bot.Item, version int) error {
	switch it.State {
	case bot.ItemDrafted:
	case bot.ItemPending, bot.ItemSending:
		return bot.Errorf(bot.CodeConflict, "inbox.err.already_sending", it.Approver.Display())
	case bot.ItemSent:
		return bot.Errorf(bot.CodeConflict, "inbox.err.already_sent", it.SentBy.Display())
	case bot.ItemUnknown:
		return bot.Errorf(bot.CodeConflict, "inbox.err.unknown")
	case bot.ItemNew:
		return bot.Errorf(bot.CodeConflict, "inbox.err.not_ready")
	default:
		return bot.Errorf(bot.CodeConflict, "inbox.err.closed", bot.Key("state."+string(it.State)))
	}
	if it.DraftVersion != version {
		return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
	}
	return nil
}

func (s *Skill) approve(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := ids(e)
	if err != nil {
		return nil, err
	}
	return s.startSend(ctx, e.User, id, v, nil)
}

// startSend approves draft version v of item id (replacing its text with
// edited when given), then sends it now or after the send delay.
func (s *Skill) startSend(ctx context.Context, by bot.UserRef, id uint64, v int, edited *string) (*bot.Reply, error) {
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	delay := time.Duration(st.SendDelay)
	now := s.Now()
	var editedFlags []string
	if edited != nil {
		faq, err := s.faq.get(ctx, s.Store)
		if err != nil {
			return nil, fmt.Errorf("read faq: %w", err)
		}
		// A person wrote this text: what it says they did is theirs to say.
		editedFlags = slices.DeleteFunc(Flags(*edited, faq.entries), func(f string) bool { return f == "staff_claim" })
	}
	// The timer is armed before the item becomes pending, so a pending item
	// always has one. A timer whose approval was refused is left alone: it
	// finds the item not pending for its time and does nothing (cancelling
	// it could cancel the winning approval's, which has the same key when
	// two clicks read the same clock time).
	sendAt := now.Add(delay)
	if delay > 0 {
		if err := s.scheduleSend(ctx, id, sendAt); err != nil {
			return nil, err
		}
	}
	it, err := s.Store.UpdateItem(ctx, id, func(it *bot.Item) error {
		if err := checkApprovable(it, v); err != nil {
			return err
		}
		if edited != nil {
			it.Draft, it.DraftSource, it.DraftNote, it.Flags = *edited, "edited", "", editedFlags
			it.DraftVersion++
			it.Log(now, by, "edited", "")
		}
		it.Approver = by
		it.Reason = ""
		if delay > 0 {
			it.State, it.SendAt = bot.ItemPending, sendAt
		} else {
			it.State = bot.ItemSending
		}
		it.Log(now, by, "approved", "v"+strconv.Itoa(it.DraftVersion))
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	if edited != nil {
		s.audit(ctx, by, "inbox.edit", id, "")
	}
	s.audit(ctx, by, "inbox.approve", id, "v"+strconv.Itoa(it.DraftVersion))
	if it.State == bot.ItemPending {
		s.refreshCard(ctx, it)
		return s.t(ctx, "inbox.ok.pending", int(delay.Seconds())), nil
	}
	it = s.send(ctx, it)
	return s.sendReply(ctx, it), nil
}

// send sends the approved draft of an item in state sending, records the
// outcome and refreshes the card. It never retries.
func (s *Skill) send(ctx context.Context, it bot.Item) bot.Item {
	ref, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActReply, Target: it.Last().Ref, Text: it.Draft})
	now := s.Now()
	outcome := func(cur *bot.Item) {
		switch {
		case err == nil:
			cur.State, cur.Sent, cur.SentBy, cur.SentAt = bot.ItemSent, ref, cur.Approver, now
			cur.Log(now, cur.Approver, "sent", ref.ID)
		case errors.Is(err, bot.ErrUnknownOutcome) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			cur.State, cur.Reason = bot.ItemUnknown, "unknown"
			cur.Log(now, cur.Approver, "send outcome unknown", "")
		default:
			cur.State, cur.Reason = bot.ItemDrafted, "failed"
			cur.Log(now, cur.Approver, "send failed", "")
		}
	}
	// What happened is recorded even if ctx ended during the send.
	bctx := context.WithoutCancel(ctx)
	next, uerr := s.Store.UpdateItem(bctx, it.ID, func(cur *bot.Item) error {
		if cur.State != bot.ItemSending {
			return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
		}
		outcome(cur)
		return nil
	})
	if uerr != nil {
		// The item stays "sending" in the store (a restart turns it into
		// "unknown"); the approver and the card still learn what the
		// platform did.
		s.log.Error("record send outcome", "id", it.ID, "sent", err == nil, "err", uerr)
		next = it
		outcome(&next)
	}
	if err != nil {
		s.log.Warn("reply not sent", "id", it.ID, "state", next.State, "err", err)
		s.audit(bctx, next.Approver, "inbox.send-"+string(next.State), next.ID, "")
	} else {
		s.audit(bctx, next.SentBy, "inbox.sent", next.ID, ref.ID)
		if lerr := s.Store.LinkConversation(bctx, next.ID, convKey(ref)); lerr != nil {
			s.log.Warn("link sent reply", "id", next.ID, "err", lerr)
		}
	}
	s.refreshCard(bctx, next)
	return next
}

// sendReply tells the approver how the send went.
func (s *Skill) sendReply(ctx context.Context, it bot.Item) *bot.Reply {
	switch it.State {
	case bot.ItemSent:
		return s.t(ctx, "inbox.ok.sent", it.ID)
	case bot.ItemUnknown:
		return s.t(ctx, "inbox.status.unknown")
	default:
		return s.t(ctx, "inbox.err.send_failed")
	}
}

// approvable reads the item and draft version a button or form names, and
// refuses unless that draft is still the one to approve.
func (s *Skill) approvable(ctx context.Context, e bot.Event) (bot.Item, int, error) {
	id, v, err := ids(e)
	if err != nil {
		return bot.Item{}, 0, err
	}
	it, err := s.Store.Item(ctx, id)
	if err != nil {
		return bot.Item{}, 0, notFound(err, id)
	}
	if err := checkApprovable(&it, v); err != nil {
		return bot.Item{}, 0, err
	}
	return it, v, nil
}

func (s *Skill) openEdit(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	it, v, err := s.approvable(ctx, e)
	if err != nil {
		return nil, err
	}
	id := it.ID
	l := s.lang(ctx)
	return &bot.Reply{Form: &bot.Form{
		ID:     formEdit.ID(id, v),
		Title:  s.Catalog.T(l, "inbox.form.edit_title", id),
		Submit: s.Catalog.T(l, "inbox.form.edit_submit"),
		Fields: []bot.FormField{{ID: fieldDraft, Label: s.Catalog.T(l, "inbox.form.edit_label"), Value: it.Draft,
			Multiline: true, Required: true, MaxLen: MaxReply}},
	}}, nil
}

func (s *Skill) submitEdit(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := ids(e)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(e.Option(fieldDraft))
	l := s.lang(ctx)
	switch {
	case text == "":
		return &bot.Reply{FieldErrors: map[string]string{fieldDraft: s.Catalog.T(l, "inbox.err.empty_draft")}}, nil
	case len([]rune(text)) > MaxReply:
		return &bot.Reply{FieldErrors: map[string]string{fieldDraft: s.Catalog.T(l, "inbox.err.long_draft", MaxReply)}}, nil
	}
	return s.startSend(ctx, e.User, id, v, &text)
}

func (s *Skill) openRegen(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := ids(e)
	if err != nil {
		return nil, err
	}
	l := s.lang(ctx)
	return &bot.Reply{Form: &bot.Form{
		ID:     formRegen.ID(id, v),
		Title:  s.Catalog.T(l, "inbox.form.regen_title", id),
		Submit: s.Catalog.T(l, "inbox.form.regen_submit"),
		Fields: []bot.FormField{{ID: fieldInstruct, Label: s.Catalog.T(l, "inbox.form.regen_label"),
			Placeholder: s.Catalog.T(l, "inbox.form.regen_placeholder"), MaxLen: 300}},
	}}, nil
}

func (s *Skill) submitRegen(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	it, _, err := s.approvable(ctx, e)
	if err != nil {
		return nil, err
	}
	id := it.ID
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	instruction := strings.TrimSpace(e.Option(fieldInstruct))
	it, err = s.redraft(ctx, st, it, instruction, it.Draft)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, e.User, "inbox.regenerate", id, instruction)
	s.refreshCard(ctx, it)
	return s.t(ctx, "inbox.ok.regenerated", id), nil
}

func (s *Skill) openReject(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, _, err := ids(e)
	if err != nil {
		return nil, err
	}
	l := s.lang(ctx)
	return &bot.Reply{Form: &bot.Form{
		ID:     formReject.ID(id),
		Title:  s.Catalog.T(l, "inbox.form.reject_title", id),
		Submit: s.Catalog.T(l, "inbox.form.reject_submit"),
		Fields: []bot.FormField{{ID: fieldReason, Label: s.Catalog.T(l, "inbox.form.reject_label"), MaxLen: 300}},
	}}, nil
}

func (s *Skill) submitReject(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, _, err := ids(e)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(e.Option(fieldReason))
	return s.finish(ctx, e.User, id, bot.ItemRejected, reason, "inbox.reject", "inbox.ok.rejected")
}

// finish closes or rejects an item that is not being sent.
func (s *Skill) finish(ctx context.Context, by bot.UserRef, id uint64, to bot.ItemState, reason, action, okKey string) (*bot.Reply, error) {
	return s.change(ctx, by, id, action, reason, func(it *bot.Item) error {
		switch it.State {
		case bot.ItemSending, bot.ItemPending:
			return bot.Errorf(bot.CodeConflict, "inbox.err.already_sending", it.Approver.Display())
		case bot.ItemSent, bot.ItemRejected, bot.ItemClosed:
			return bot.Errorf(bot.CodeConflict, "inbox.err.closed", bot.Key("state."+string(it.State)))
		}
		it.State, it.Reason = to, reason
		it.Log(s.Now(), by, string(to), reason)
		return nil
	}, okKey, id)
}

// change runs one checked transition of item id, audits it, refreshes the
// card and answers with okKey.
func (s *Skill) change(ctx context.Context, by bot.UserRef, id uint64, action, detail string, fn func(*bot.Item) error, okKey string, args ...any) (*bot.Reply, error) {
	it, err := s.Store.UpdateItem(ctx, id, fn)
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, by, action, id, detail)
	s.refreshCard(ctx, it)
	return s.t(ctx, okKey, args...), nil
}

func (s *Skill) assignToMe(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, _, err := ids(e)
	if err != nil {
		return nil, err
	}
	return s.assign(ctx, e.User, id, e.User)
}

func (s *Skill) assign(ctx context.Context, by bot.UserRef, id uint64, to bot.UserRef) (*bot.Reply, error) {
	return s.change(ctx, by, id, "inbox.assign", to.Key(), func(it *bot.Item) error {
		if !it.State.Open() {
			return bot.Errorf(bot.CodeConflict, "inbox.err.closed", bot.Key("state."+string(it.State)))
		}
		it.Assignee = to
		it.Log(s.Now(), by, "assigned", to.Key())
		return nil
	}, "inbox.ok.assigned", id, to.Display())
}

func (s *Skill) undo(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, _, err := ids(e)
	if err != nil {
		return nil, err
	}
	// The timer of this approval only is disarmed (its key names the send
	// time), so an Approve that follows this Undo keeps its own (unless the
	// two approvals read the same clock time to the nanosecond).
	var sendAt time.Time
	reply, err := s.change(ctx, e.User, id, "inbox.undo", "", func(it *bot.Item) error {
		if it.State != bot.ItemPending {
			return bot.Errorf(bot.CodeConflict, "inbox.err.too_late")
		}
		sendAt = it.SendAt
		it.State, it.SendAt = bot.ItemDrafted, time.Time{}
		it.Log(s.Now(), e.User, "undone", "")
		return nil
	}, "inbox.ok.undone", id)
	if err == nil {
		s.cancelSend(ctx, id, sendAt)
	}
	return reply, err
}

// markSent records, on a person's word, that an unknown send did go out.
func (s *Skill) markSent(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, _, err := ids(e)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, e.User, id, "inbox.mark-sent", "", func(it *bot.Item) error {
		if it.State != bot.ItemUnknown {
			return bot.Errorf(bot.CodeConflict, "inbox.err.not_unknown")
		}
		now := s.Now()
		it.State, it.SentBy, it.SentAt, it.Reason = bot.ItemSent, e.User, now, ""
		it.Log(now, e.User, "confirmed sent", "")
		return nil
	}, "inbox.ok.marked_sent", id)
}

// resend sends an unknown item again, on a person's explicit decision.
func (s *Skill) resend(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	id, v, err := ids(e)
	if err != nil {
		return nil, err
	}
	it, err := s.Store.UpdateItem(ctx, id, func(it *bot.Item) error {
		if it.State != bot.ItemUnknown {
			return bot.Errorf(bot.CodeConflict, "inbox.err.not_unknown")
		}
		if it.DraftVersion != v {
			return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
		}
		it.State, it.Approver = bot.ItemSending, e.User
		it.Log(s.Now(), e.User, "resend", "")
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	s.audit(ctx, e.User, "inbox.resend", id, "")
	it = s.send(ctx, it)
	return s.sendReply(ctx, it), nil
}
