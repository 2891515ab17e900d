// Package inbox turns watched community messages that mention the brand or
// the bot, ask a question or complain into inbox items: each is classified,
// gets a drafted reply, and a card in the team channel where staff approve,
// edit, regenerate or reject the draft. Nothing is ever sent without a
// person's approval.
//
// # Exactly once
//
// Every state change is one read-check-write transaction of the store
// (bot.InboxStore). Approve carries the draft version shown on the card and
// moves drafted → sending only if that version is still current, so two
// clicks send one reply and a stale click is refused. A send whose outcome
// is unknown (timeout, crash) leaves the item in "unknown" for a person to
// check: it is never resent automatically.
package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Config wires the skill.
type Config struct {
	Store      bot.InboxStore
	Settings   bot.SettingsStore
	Audit      bot.Auditor
	Sender     bot.Sender
	Classifier bot.Classifier
	Drafter    bot.Drafter
	// LangOf tells the language of a draft, to flag a reply not in the
	// member's language (the offline classifier's, as moderation's LangOf);
	// nil leaves drafts' language unchecked.
	LangOf  func(text string) (bot.Lang, bool)
	Catalog *bot.Catalog
	// Link builds a web link to a message ("" when the platform cannot).
	Link   func(bot.MessageRef) string
	Logger *slog.Logger
	// DraftTimeout bounds one draft (default 20 s).
	DraftTimeout time.Duration
	// Timers keeps the delayed sends and the daily purge (required); New
	// registers the "inbox.send" and "inbox.purge" handlers on it.
	Timers bot.Timers
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Skill is the inbox.
type Skill struct {
	Config
	log *slog.Logger
	// startPurge schedules a purge now; each purge schedules the next.
	startPurge func(ctx context.Context) error
}

var (
	_ bot.Skill     = (*Skill)(nil)
	_ bot.Runner    = (*Skill)(nil)
	_ bot.Localized = (*Skill)(nil)
)

// New returns the inbox skill.
func New(cfg Config) *Skill {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DraftTimeout <= 0 {
		cfg.DraftTimeout = 20 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Link == nil {
		cfg.Link = func(bot.MessageRef) string { return "" }
	}
	s := &Skill{Config: cfg, log: cfg.Logger.With("component", "inbox")}
	cfg.Timers.Handle(kindSend, s.sendDue)
	s.startPurge = bot.Every(cfg.Timers, cfg.Now, kindPurge, purgeEvery, s.purge)
	return s
}

// Name is "inbox".
func (s *Skill) Name() string { return "inbox" }

// Messages are the skill's words in every language.
func (s *Skill) Messages() bot.Messages { return Messages() }

// Register adds the message handler, the card buttons and forms, the
// /cm inbox and /cm faq commands, and the inbox's /cm setup verbs.
func (s *Skill) Register(r *bot.Router) {
	r.Message("inbox", bot.HandlerFunc(s.handleMessage))
	staff := r.Group(bot.StaffOnly)
	s.registerActions(staff)
	s.registerCommands(r, staff)
	s.registerSetup(r, staff)
}

// convKey names a message as a conversation index key.
func convKey(m bot.MessageRef) string {
	return string(m.Channel.Platform) + ":" + m.Channel.ID + ":" + m.ID
}

// lookupKeys are the keys under which an earlier message of e's
// conversation would be indexed: the Slack thread root, the replied-to message.
func lookupKeys(e bot.Event) []string {
	var keys []string
	if e.Message.ThreadID != "" && e.Message.ThreadID != e.Message.ID {
		keys = append(keys, convKey(bot.MessageRef{Channel: e.Message.Channel, ID: e.Message.ThreadID}))
	}
	if !e.ReplyTo.IsZero() {
		keys = append(keys, convKey(e.ReplyTo))
	}
	if !e.Within.IsZero() {
		// A Discord thread started from a message has that message's id.
		keys = append(keys, convKey(bot.MessageRef{Channel: e.Within, ID: e.Message.Channel.ID}))
	}
	return keys
}

// handleMessage makes or updates an item for a watched message.
func (s *Skill) handleMessage(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	// A deletion leaves its item as it is (the item keeps the words it was
	// drafted from); a message without words has nothing to answer.
	if e.User.Bot || e.Deleted || strings.TrimSpace(e.Text) == "" {
		return nil, nil
	}
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if !e.DM && !st.IsWatched(e.Message.Channel) && (e.Within.IsZero() || !st.IsWatched(e.Within)) {
		return nil, nil
	}
	prev, found, err := s.Store.Find(ctx, append(lookupKeys(e), convKey(e.Message)))
	if err != nil {
		return nil, fmt.Errorf("find conversation: %w", err)
	}
	if e.Edited {
		if found {
			return nil, s.edited(ctx, st, prev, e)
		}
		return nil, nil
	}
	in := bot.TriageInput{Text: e.Text, BotMentioned: e.Mentioned, Brand: st.Brand, Competitors: st.Competitors}
	if found {
		in.FollowUps = len(prev.Messages)
	}
	tr, err := s.Classifier.Classify(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	if e.Mentioned {
		tr.Mentions.Bot = true
	}
	if !found && !isCandidate(tr) {
		return nil, nil
	}
	return nil, s.intake(ctx, st, e, tr, found)
}

// isCandidate says whether a new message deserves an item: one that names
// the bot or the brand, a complaint or a question, and any urgent message
// (a legal threat, the press, safety, a hacked account, a payment problem)
// even when it names neither. Spam never does.
func isCandidate(t bot.Triage) bool {
	if t.Kind == bot.KindSpam {
		return false
	}
	return t.Mentions.Bot || len(t.Mentions.Brand) > 0 || t.Kind == bot.KindComplaint || t.Kind == bot.KindQuestion ||
		t.Urgency.Rank() >= bot.UrgencyHigh.Rank()
}

// intake stores the message as a new item or a follow-up, drafts a reply
// when the item waits for one, and shows the card.
func (s *Skill) intake(ctx context.Context, st bot.Settings, e bot.Event, tr bot.Triage, followUp bool) error {
	now := s.Now()
	msg := bot.ItemMessage{Ref: e.Message, Text: e.Text, Time: e.Time}
	if msg.Time.IsZero() {
		msg.Time = now
	}
	keys := append(lookupKeys(e), convKey(e.Message))
	var redraft, newCard bool
	it, err := s.Store.Conversation(ctx, keys, func(it *bot.Item, isNew bool) error {
		redraft, newCard = false, false
		if isNew {
			*it = bot.Item{State: bot.ItemNew, Author: e.User, Triage: tr, Link: s.Link(e.Message), Created: now}
			it.Messages = []bot.ItemMessage{msg}
			it.Log(now, e.User, "received", string(tr.Kind))
			redraft, newCard = true, true
			return nil
		}
		it.Messages = appendCapped(it.Messages, msg)
		it.Triage = mergeTriage(it.Triage, tr)
		it.Log(now, e.User, "follow-up", "")
		switch it.State {
		case bot.ItemDrafted:
			redraft = true
		case bot.ItemNew:
			// Another message of this conversation is being drafted and will
			// post the card; only an item stuck in "new" (its drafting
			// failed or timed out) is drafted again here.
			if now.Sub(it.Created) > 2*s.DraftTimeout {
				redraft, newCard = true, it.Card.IsZero()
			}
		case bot.ItemSent, bot.ItemRejected, bot.ItemClosed:
			// The member came back: the conversation needs a person again,
			// on a fresh card under the old one.
			it.State = bot.ItemNew
			it.Card = bot.MessageRef{}
			redraft, newCard = true, true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store item: %w", err)
	}
	s.log.Debug("inbox item", "id", it.ID, "follow_up", followUp, "kind", it.Triage.Kind, "urgency", it.Triage.Urgency, "state", it.State)
	if redraft {
		if it, err = s.redraft(ctx, st, it, "", ""); err != nil {
			return err
		}
	}
	if newCard || redraft || (followUp && !it.Card.IsZero()) {
		return s.showCard(ctx, st, it)
	}
	return nil
}

// edited updates the quoted text of a message of an item.
func (s *Skill) edited(ctx context.Context, st bot.Settings, prev bot.Item, e bot.Event) error {
	it, err := s.Store.UpdateItem(ctx, prev.ID, func(it *bot.Item) error {
		for i := range it.Messages {
			if it.Messages[i].Ref.ID == e.Message.ID {
				it.Messages[i].Text = e.Text
			}
		}
		it.Log(s.Now(), e.User, "edited by author", "")
		return nil
	})
	if err != nil {
		return err
	}
	return s.showCard(ctx, st, it)
}

// maxMessages bounds the conversation kept on an item.
const maxMessages = 20

func appendCapped(ms []bot.ItemMessage, m bot.ItemMessage) []bot.ItemMessage {
	ms = append(ms, m)
	if len(ms) > maxMessages {
		// Keep the first message (the card's subject) and the latest ones.
		ms = append(ms[:1], ms[len(ms)-maxMessages+1:]...)
	}
	return ms
}

// mergeTriage folds a follow-up's classification into the item's: urgency
// only rises, a complaint or question outranks a mention, mentions add up.
func mergeTriage(old, nw bot.Triage) bot.Triage {
	out := old
	if nw.Urgency.Rank() > old.Urgency.Rank() {
		out.Urgency = nw.Urgency
	}
	if kindRank(nw.Kind) > kindRank(old.Kind) {
		out.Kind = nw.Kind
	}
	out.Sentiment = nw.Sentiment
	out.Mentions.Bot = old.Mentions.Bot || nw.Mentions.Bot
	out.Mentions.Brand = union(old.Mentions.Brand, nw.Mentions.Brand)
	out.Mentions.Competitors = union(old.Mentions.Competitors, nw.Mentions.Competitors)
	out.Cues = union(old.Cues, nw.Cues)
	return out
}

func kindRank(k bot.Kind) int {
	switch k {
	case bot.KindComplaint:
		return 4
	case bot.KindQuestion:
		return 3
	case bot.KindPraise:
		return 2
	case bot.KindMention:
		return 1
	}
	return 0
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, v := range b {
		found := false
		for _, o := range out {
			if o == v {
				found = true
				break
			}
		}
		if !found {
			out = append(out, v)
		}
	}
	return out
}

// redraft drafts a reply for it and stores it as a new draft version,
// moving a new item to drafted. instruction and previous refine a
// regeneration.
func (s *Skill) redraft(ctx context.Context, st bot.Settings, it bot.Item, instruction, previous string) (bot.Item, error) {
	faq, err := s.Store.FAQ(ctx)
	if err != nil {
		return it, fmt.Errorf("read faq: %w", err)
	}
	text := conversationText(it)
	relevant := RelevantFAQ(faq, text, 3)
	dctx, cancel := context.WithTimeout(ctx, s.DraftTimeout)
	d, err := s.Drafter.Draft(dctx, bot.DraftRequest{Text: text, Author: it.Author.Name, Triage: it.Triage,
		Voice: st.Voice, Address: st.Address, FAQ: relevant, Instruction: instruction, Previous: previous})
	cancel()
	if err != nil {
		return it, fmt.Errorf("draft item %d: %w", it.ID, err)
	}
	flags := s.flags(d.Text, faq, it)
	version := it.DraftVersion
	return s.Store.UpdateItem(ctx, it.ID, func(cur *bot.Item) error {
		if cur.DraftVersion != version || (cur.State != bot.ItemNew && cur.State != bot.ItemDrafted) {
			return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
		}
		cur.Draft, cur.DraftSource, cur.DraftNote, cur.Flags = d.Text, d.Source, d.Note, flags
		cur.DraftVersion++
		cur.State = bot.ItemDrafted
		cur.Reason = ""
		what := "drafted"
		if instruction != "" || previous != "" {
			what = "regenerated"
		}
		cur.Log(s.Now(), bot.UserRef{}, what, d.Source)
		return nil
	})
}

// conversationText is what the drafter answers: the member's messages.
func conversationText(it bot.Item) string {
	if len(it.Messages) == 1 {
		return it.Messages[0].Text
	}
	parts := make([]string, len(it.Messages))
	for i, m := range it.Messages {
		parts[i] = m.Text
	}
	return strings.Join(parts, "\n")
}

// showCard posts the item's card to the team channel, or updates it.
func (s *Skill) showCard(ctx context.Context, st bot.Settings, it bot.Item) error {
	card := s.render(st, it)
	if !it.Card.IsZero() {
		if _, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: it.Card, Card: card}); err != nil {
			return fmt.Errorf("update card of item %d: %w", it.ID, err)
		}
		return nil
	}
	if st.TeamChannel.IsZero() {
		s.log.Warn("no team channel: the item waits in /cm inbox; set one with /cm setup team-channel", "id", it.ID)
		return nil
	}
	ref, err := s.Sender.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: st.TeamChannel, Card: card})
	if err != nil {
		return fmt.Errorf("post card of item %d: %w", it.ID, err)
	}
	_, err = s.Store.UpdateItem(ctx, it.ID, func(cur *bot.Item) error {
		cur.Card = ref
		return nil
	})
	return err
}

// refreshCard re-renders the card after a change, logging a failure: the
// change itself is stored and acknowledged either way.
func (s *Skill) refreshCard(ctx context.Context, it bot.Item) {
	st, err := s.Settings.Settings(ctx)
	if err == nil {
		err = s.showCard(ctx, st, it)
	}
	if err != nil {
		s.log.Warn("card not refreshed", "id", it.ID, "err", err)
	}
}

func (s *Skill) audit(ctx context.Context, actor bot.UserRef, action string, id uint64, detail string) {
	s.auditEntry(ctx, bot.AuditEntry{Time: s.Now(), Actor: actor, Action: action,
		Target: "item " + strconv.FormatUint(id, 10), Detail: detail})
}

// auditEntry records e. The change it describes is already saved, so a
// failed write is logged, not reported to the user as a failed change.
func (s *Skill) auditEntry(ctx context.Context, e bot.AuditEntry) {
	if err := s.Audit.Audit(ctx, e); err != nil {
		s.log.Error("audit entry lost", "action", e.Action, "target", e.Target, "err", err)
	}
}

// parseID reads an item id from an action variable or option.
func parseID(v string) (uint64, error) { return bot.ParseNumber(v, "inbox.err.bad_id") }

// notFound maps a store's not-found into a user error.
func notFound(err error, id uint64) error { return bot.NotFoundAs(err, "inbox.err.no_item", id) }
