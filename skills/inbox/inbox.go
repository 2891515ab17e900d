// Package inbox turns watched community messages that mention the brand or
// the bot, ask a question or complain into inbox items: each is classified,
// gets a drafted reply, and a card in the team channel where staff approve,
// edit, regenerate or reject the draft. Nothing is ever sent without a
// person's approval.
//
// # Intake
//
// The message handler only decides (with the fast offline triage) whether a
// message is a candidate and stores it: a new item, a follow-up, an edit or
// a deletion, in one grouped commit that also records the work the item
// now needs (bot.Item.Work, kept in the store's outbox). Refining the
// classification with the LLM, drafting and posting or editing the card
// run on the skill's own bounded queue of workers (Run owns them), so a
// slow LLM or Slack's pacing delays cards, never message storage. When the
// queue is full the work stays in the outbox and is read back once there is
// room; follow-ups of one item within a quiet period make one redraft and
// one card edit. A stop leaves unfinished work in the outbox, and the next
// start finishes it.
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
	"cmp"
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
	Store    bot.InboxStore
	Settings bot.SettingsStore
	Audit    bot.Auditor
	Sender   bot.Sender
	// Triage classifies each watched message in the handler, to decide
	// whether it becomes an item: it must be fast (the offline one). When
	// nil, Classifier is used and no refinement happens.
	Triage bot.Classifier
	// Classifier, when Triage is set too, refines a new item's
	// classification on the workers before its first draft (the LLM one).
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
	// Metrics records the work queue's depth (default none).
	Metrics bot.Metrics
	// Workers is how many items are drafted and carded at once (default 8);
	// QueueSize bounds the queue (default 1024); Quiet is how long the
	// follow-ups of an item are gathered before one redraft and card edit
	// (default 2 s).
	Workers   int
	QueueSize int
	Quiet     time.Duration
}

// Skill is the inbox.
type Skill struct {
	Config
	log *slog.Logger
	// startPurge schedules a purge now; each purge schedules the next.
	startPurge func(ctx context.Context) error
	q          *queue
	faq        faqCache
	// refine: Config.Triage was given, so Classifier refines new items.
	refine bool
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
	refine := cfg.Triage != nil
	if !refine {
		cfg.Triage = cfg.Classifier
	}
	if cfg.Metrics == nil {
		cfg.Metrics = bot.NoMetrics{}
	}
	cfg.Workers = cmp.Or(max(cfg.Workers, 0), 8)
	cfg.QueueSize = cmp.Or(max(cfg.QueueSize, 0), 1024)
	cfg.Quiet = cmp.Or(max(cfg.Quiet, 0), 2*time.Second)
	gauges, err := cfg.Metrics.Gauge("commpilot_inbox_queue_depth",
		"Inbox items queued or being drafted and carded; more wait in the outbox when the queue is full.")
	if err != nil {
		cfg.Logger.Warn("inbox queue depth not exported", "err", err)
		gauges, _ = bot.NoMetrics{}.Gauge("", "")
	}
	s := &Skill{Config: cfg, log: cfg.Logger.With("component", "inbox"), q: newQueue(cfg.Now, cfg.QueueSize, gauges.With()),
		refine: refine}
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

// handleMessage makes or updates an item for a watched message. It only
// stores: drafting and the card are queued work (see the package doc).
func (s *Skill) handleMessage(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	// A message without words has nothing to answer.
	if e.User.Bot || (!e.Deleted && strings.TrimSpace(e.Text) == "") {
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
	if e.Edited || e.Deleted {
		if found {
			return nil, s.changedByAuthor(ctx, prev, e)
		}
		return nil, nil
	}
	in := bot.TriageInput{Text: e.Text, BotMentioned: e.Mentioned, Brand: st.Brand, Competitors: st.Competitors}
	if found {
		in.FollowUps = len(prev.Messages)
	}
	tr, err := s.Triage.Classify(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	if e.Mentioned {
		tr.Mentions.Bot = true
	}
	if !found && !isCandidate(tr) {
		return nil, nil
	}
	return nil, s.intake(ctx, e, tr, found)
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

// intake stores the message as a new item or a follow-up, with the work
// it now needs, and queues that work: at once for a new item, after the
// quiet period for a follow-up.
func (s *Skill) intake(ctx context.Context, e bot.Event, tr bot.Triage, followUp bool) error {
	now := s.Now()
	msg := bot.ItemMessage{Ref: e.Message, Text: e.Text, Time: e.Time}
	if msg.Time.IsZero() {
		msg.Time = now
	}
	keys := append(lookupKeys(e), convKey(e.Message))
	var delay time.Duration
	it, err := s.Store.Conversation(ctx, keys, func(it *bot.Item, isNew bool) error {
		delay = 0
		if isNew {
			*it = bot.Item{State: bot.ItemNew, Author: e.User, Triage: tr, Link: s.Link(e.Message), Created: now,
				Work: bot.WorkDraft | bot.WorkCard}
			it.Messages = []bot.ItemMessage{msg}
			it.Log(now, e.User, "received", string(tr.Kind))
			return nil
		}
		it.Messages = appendCapped(it.Messages, msg)
		it.Triage = mergeTriage(it.Triage, tr)
		it.Log(now, e.User, "follow-up", "")
		delay = s.Quiet
		switch it.State {
		case bot.ItemDrafted, bot.ItemNew:
			// A new item's first draft, if still to come, reads this message
			// too; a drafted one is drafted again.
			it.Work |= bot.WorkDraft | bot.WorkCard
		case bot.ItemSent, bot.ItemRejected, bot.ItemClosed:
			// The member came back: the conversation needs a person again,
			// on a fresh card under the old one.
			it.State = bot.ItemNew
			it.Card = bot.MessageRef{}
			it.Work = bot.WorkDraft | bot.WorkCard
			delay = 0
		default:
			// Pending, sending or unknown: the draft stands, the card shows
			// the follow-up.
			if !it.Card.IsZero() {
				it.Work |= bot.WorkCard
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store item: %w", err)
	}
	s.log.Debug("inbox item", "id", it.ID, "follow_up", followUp, "kind", it.Triage.Kind, "urgency", it.Triage.Urgency, "state", it.State)
	s.queueWork(it, delay)
	return nil
}

// changedByAuthor applies an edit or a deletion of one of an item's
// messages: an edit replaces its quoted text, a deletion removes the text
// at once (the card shows a placeholder). The card is refreshed by the
// workers.
func (s *Skill) changedByAuthor(ctx context.Context, prev bot.Item, e bot.Event) error {
	what := "edited by author"
	if e.Deleted {
		what = "deleted by author"
	}
	it, err := s.Store.UpdateItem(ctx, prev.ID, func(it *bot.Item) error {
		for i := range it.Messages {
			if m := &it.Messages[i]; m.Ref.ID == e.Message.ID && m.Ref.Channel == e.Message.Channel {
				if e.Deleted {
					m.Text, m.Deleted = "", true
				} else {
					m.Text = e.Text
				}
			}
		}
		it.Log(s.Now(), e.User, what, "")
		if !it.Card.IsZero() || it.State.Open() {
			it.Work |= bot.WorkCard
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.queueWork(it, 0)
	return nil
}

// queueWork queues an item's stored work; a full queue leaves it in the
// outbox for a sweep (see queue).
func (s *Skill) queueWork(it bot.Item, delay time.Duration) {
	if it.Work != 0 && !s.q.add(it.ID, delay) {
		s.log.Debug("inbox queue full: work deferred", "id", it.ID)
	}
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
// regeneration (a person's click: answered when stored).
func (s *Skill) redraft(ctx context.Context, st bot.Settings, it bot.Item, instruction, previous string) (bot.Item, error) {
	d, flags, err := s.draft(ctx, st, it, instruction, previous)
	if err != nil {
		return it, err
	}
	version := it.DraftVersion
	return s.Store.UpdateItem(ctx, it.ID, func(cur *bot.Item) error {
		if cur.DraftVersion != version || (cur.State != bot.ItemNew && cur.State != bot.ItemDrafted) {
			return bot.Errorf(bot.CodeConflict, "inbox.err.stale")
		}
		s.storeDraft(cur, d, flags, "regenerated")
		return nil
	})
}

// draft asks the drafter for a reply to it, grounded in the FAQ, and
// flags what a person must check in it.
func (s *Skill) draft(ctx context.Context, st bot.Settings, it bot.Item, instruction, previous string) (bot.Draft, []string, error) {
	faq, err := s.faq.get(ctx, s.Store)
	if err != nil {
		return bot.Draft{}, nil, fmt.Errorf("read faq: %w", err)
	}
	text := conversationText(it)
	dctx, cancel := context.WithTimeout(ctx, s.DraftTimeout)
	d, err := s.Drafter.Draft(dctx, bot.DraftRequest{Text: text, Author: it.Author.Name, Triage: it.Triage,
		Voice: st.Voice, Address: st.Address, FAQ: faq.relevant(text, 3), Instruction: instruction, Previous: previous})
	cancel()
	if err != nil {
		return bot.Draft{}, nil, fmt.Errorf("draft item %d: %w", it.ID, err)
	}
	return d, s.flags(d.Text, faq.entries, it), nil
}

// storeDraft makes d the item's current draft; what names it in the
// history ("drafted", "regenerated").
func (s *Skill) storeDraft(it *bot.Item, d bot.Draft, flags []string, what string) {
	it.Draft, it.DraftSource, it.DraftNote, it.Flags = d.Text, d.Source, d.Note, flags
	it.DraftVersion++
	it.State = bot.ItemDrafted
	it.Reason = ""
	it.Log(s.Now(), bot.UserRef{}, what, d.Source)
}

// conversationText is what the drafter answers: the member's messages
// that were not deleted.
func conversationText(it bot.Item) string {
	parts := make([]string, 0, len(it.Messages))
	for _, m := range it.Messages {
		if !m.Deleted {
			parts = append(parts, m.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// refreshCard re-renders an item's posted card after a change, logging a
// failure: the change itself is stored and acknowledged either way. An item
// without a card yet gets one from the workers (its WorkCard), never here,
// so no item gets two.
func (s *Skill) refreshCard(ctx context.Context, it bot.Item) {
	if it.Card.IsZero() {
		return
	}
	st, err := s.Settings.Settings(ctx)
	if err == nil {
		_, err = s.Sender.Do(ctx, bot.Action{Kind: bot.ActUpdate, Target: it.Card, Card: s.render(st, it)})
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
