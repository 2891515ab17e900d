package inbox_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/inbox"
	"github.com/commpilot/commpilot/skills/triage"
	"github.com/commpilot/commpilot/storage"
)

var (
	community = bot.ChannelRef{Platform: bot.Discord, ID: "300000000000000001"}
	team      = bot.ChannelRef{Platform: bot.Slack, ID: "C0TEAM"}
	member    = bot.UserRef{Platform: bot.Discord, ID: "400000000000000001", Name: "marie"}
	alice     = bottest.Staff
)

type fixture struct {
	*bottest.Env
	skill *inbox.Skill
	store *storage.Inbox
	audit *storage.AuditLog
	seq   int
}

func newFixture(t testing.TB, mutate ...func(*bot.Settings)) *fixture {
	t.Helper()
	st := bot.Settings{TeamChannel: team, Watch: []bot.ChannelRef{community, {Platform: bot.Slack, ID: "C0COMMUNITY"}},
		Brand: []string{"Acme"}, Staff: []string{"slack:UADMIN"}, Timezone: "Europe/Paris"}
	for _, m := range mutate {
		m(&st)
	}
	return startInbox(t, openDB(t), st)
}

// openDB opens a fresh database that closes at the end of the test.
func openDB(t testing.TB) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "commpilot.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// startInbox wires the inbox over db with settings st into an engine over
// recording platforms, and runs it until the end of the test.
func startInbox(t testing.TB, db *storage.DB, st bot.Settings, configure ...func(*inbox.Config)) *fixture {
	t.Helper()
	return startInboxWith(t, db, st, inbox.OfflineDrafter{}, configure...)
}

// startInboxWith is startInbox drafting with d; the drafts' language is
// told by the offline classifier.
func startInboxWith(t testing.TB, db *storage.DB, st bot.Settings, d bot.Drafter, configure ...func(*inbox.Config)) *fixture {
	t.Helper()
	settings := storage.NewSettings(db, st)
	cat := bot.NewCatalog(inbox.Messages())
	env := bottest.MustEngine(t, settings, cat)
	f := &fixture{Env: env, store: storage.NewInbox(db), audit: storage.NewAuditLog(db)}
	timers := storage.NewTimers(db, nil)
	cfg := inbox.Config{Store: f.store, Settings: settings, Audit: f.audit, Sender: env.Engine,
		Classifier: triage.New(), Drafter: d, LangOf: langOf, Catalog: cat, Timers: timers,
		Link:   func(m bot.MessageRef) string { return "https://chat.example/" + m.ID },
		Logger: slog.New(slog.DiscardHandler), Quiet: 50 * time.Millisecond}
	for _, c := range configure {
		c(&cfg)
	}
	f.skill = inbox.New(cfg)
	env.Add(f.skill)
	runUntilCleanup(t, timers, f.skill)
	return f
}

// runUntilCleanup runs each runner until the end of the test.
func runUntilCleanup(t testing.TB, runners ...bot.Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() { _ = r.Run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// post delivers a community message and returns its ref.
func (f *fixture) post(t *testing.T, ch bot.ChannelRef, u bot.UserRef, text string, opts ...func(*bot.Event)) bot.MessageRef {
	t.Helper()
	f.seq++
	ref := bot.MessageRef{Channel: ch, ID: "5000000000000000" + string(rune('0'+f.seq/10)) + string(rune('0'+f.seq%10))}
	e := bot.Event{Kind: bot.EventMessage, Message: ref, User: u, Text: text, Time: time.Now()}
	for _, o := range opts {
		o(&e)
	}
	f.Send(t, e)
	f.settle(t)
	return e.Message
}

// settle waits until the inbox's workers have done all the stored work
// (drafts, cards): the outbox is empty.
func (f *fixture) settle(t testing.TB) {
	t.Helper()
	waitWithin(t, 2*time.Minute, func() bool {
		items, err := f.store.Outbox(context.Background(), 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		return len(items) == 0
	})
}

func (f *fixture) click(t *testing.T, u bot.UserRef, id string) string {
	t.Helper()
	return bottest.ReplyText(f.Send(t, bot.Event{Kind: bot.EventAction, Action: id, User: u,
		Message: bot.MessageRef{Channel: team, ID: "card"}}))
}

func (f *fixture) item(t *testing.T, id uint64) bot.Item {
	t.Helper()
	it, err := f.store.Item(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func button(t *testing.T, c *bot.Card, prefix string) string {
	t.Helper()
	for _, b := range c.Buttons {
		if strings.HasPrefix(b.ID, prefix) {
			return b.ID
		}
	}
	t.Fatalf("card %q has no %s button: %+v", c.Title, prefix, c.Buttons)
	return ""
}

// lastCard is the card most recently posted or updated on Slack.
func (f *fixture) lastCard(t *testing.T) *bot.Card {
	t.Helper()
	acts := f.Slack.Actions()
	for i := len(acts) - 1; i >= 0; i-- {
		if acts[i].Card != nil {
			return acts[i].Card
		}
	}
	t.Fatal("no card on Slack")
	return nil
}

func TestComplaintBecomesCardAndApproveReplies(t *testing.T) {
	f := newFixture(t)
	msg := f.post(t, community, member, "Toujours pas reçu ma commande Acme après 3 semaines, c'est inadmissible")

	posts := f.Slack.Of(bot.ActPost)
	if len(posts) != 1 || posts[0].Channel != team {
		t.Fatalf("want one card in the team channel, got %+v", f.Slack.Actions())
	}
	card := posts[0].Card
	for _, want := range []string{"Complaint #1 from @marie"} {
		if card.Title != want {
			t.Errorf("title %q, want %q", card.Title, want)
		}
	}
	if !strings.Contains(card.Quote, "Toujours pas reçu") || card.URL != "https://chat.example/"+msg.ID {
		t.Errorf("card quote/link: %q %q", card.Quote, card.URL)
	}
	if !strings.Contains(card.Body, "Bonjour marie") {
		t.Errorf("draft not in the member's language: %q", card.Body)
	}
	if !strings.Contains(card.Context, "discord") || !strings.Contains(card.Context, "Europe/Paris") {
		t.Errorf("context %q", card.Context)
	}
	labels := []string{}
	for _, b := range card.Buttons {
		labels = append(labels, b.Label)
	}
	if strings.Join(labels, ",") != "Approve,Edit,Regenerate,Reject,Assign to me" {
		t.Errorf("buttons %v", labels)
	}
	if len(f.Discord.Actions()) != 0 {
		t.Fatalf("something was sent to the community before approval: %+v", f.Discord.Actions())
	}

	if got := f.click(t, alice, button(t, card, "inbox/approve/")); got != "Reply to #1 sent." {
		t.Errorf("approve reply %q", got)
	}
	replies := f.Discord.Of(bot.ActReply)
	if len(replies) != 1 || replies[0].Target != msg || !strings.HasPrefix(replies[0].Text, "Bonjour marie") {
		t.Fatalf("reply %+v, want one under %v", replies, msg)
	}
	updated := f.lastCard(t)
	if !strings.Contains(updated.Footer, "Sent by @alice at") || !strings.Contains(updated.Footer, "https://chat.example/") {
		t.Errorf("card footer after send: %q", updated.Footer)
	}
	if len(updated.Buttons) != 0 {
		t.Errorf("sent card still has buttons: %+v", updated.Buttons)
	}
	it := f.item(t, 1)
	if it.State != bot.ItemSent || it.SentBy.ID != alice.ID || it.Sent.IsZero() {
		t.Errorf("item %+v", it)
	}
	entries, _ := f.audit.List(context.Background(), 10)
	if len(entries) < 2 || entries[0].Action != "inbox.sent" || entries[1].Action != "inbox.approve" {
		t.Errorf("audit %+v", entries)
	}
	// A second click on the old card changes nothing.
	if got := f.click(t, alice, button(t, card, "inbox/approve/")); !strings.Contains(got, "already sent by @alice") {
		t.Errorf("second approve: %q", got)
	}
	if n := len(f.Discord.Of(bot.ActReply)); n != 1 {
		t.Errorf("%d replies after a second click", n)
	}
}

func TestTeamOnDiscordCommunityOnSlack(t *testing.T) {
	f := newFixture(t, func(s *bot.Settings) {
		s.TeamChannel = bot.ChannelRef{Platform: bot.Discord, ID: "200000000000000009"}
		s.Staff = append(s.Staff, "discord:100000000000000001")
	})
	slackMember := bot.UserRef{Platform: bot.Slack, ID: "U0JAN", Name: "jan"}
	msg := f.post(t, bot.ChannelRef{Platform: bot.Slack, ID: "C0COMMUNITY"}, slackMember, "Mijn pakket van Acme is nog steeds niet geleverd",
		func(e *bot.Event) { e.Message.ID = "1700000000.000100" })
	posts := f.Discord.Of(bot.ActPost)
	if len(posts) != 1 {
		t.Fatalf("card on discord: %+v", f.Discord.Actions())
	}
	mod := bot.UserRef{Platform: bot.Discord, ID: "100000000000000001", Name: "mod"}
	f.click(t, mod, button(t, posts[0].Card, "inbox/approve/"))
	replies := f.Slack.Of(bot.ActReply)
	if len(replies) != 1 || replies[0].Target != msg || !strings.HasPrefix(replies[0].Text, "Hallo jan") {
		t.Fatalf("slack reply %+v", replies)
	}
}

func TestDoubleApproveSendsOnce(t *testing.T) {
	f := newFixture(t)
	f.post(t, community, member, "My Acme order never arrived, still waiting")
	id := button(t, f.lastCard(t), "inbox/approve/")
	var wg sync.WaitGroup
	replies := make([]string, 8)
	for i := range replies {
		wg.Go(func() {
			replies[i] = bottest.ReplyText(f.Send(t, bot.Event{Kind: bot.EventAction, Action: id, User: alice,
				Message: bot.MessageRef{Channel: team, ID: "card"}}))
		})
	}
	wg.Wait()
	if n := len(f.Discord.Of(bot.ActReply)); n != 1 {
		t.Fatalf("%d replies for 8 simultaneous approvals", n)
	}
	wantOneWinner(t, replies, "Reply to #1 sent.", "sent")
}

// wantOneWinner checks that exactly one of the answers to simultaneous
// clicks is winner, told as what, and that every other says the item was
// already handled.
func wantOneWinner(t *testing.T, replies []string, winner, what string) {
	t.Helper()
	n := 0
	for _, r := range replies {
		if r == winner {
			n++
		} else if !strings.Contains(r, "already") {
			t.Errorf("unexpected answer %q", r)
		}
	}
	if n != 1 {
		t.Errorf("%d clicks told '%s'", n, what)
	}
}

func TestDoubleApproveWithSendDelaySendsOnceAfterTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, func(s *bot.Settings) { s.SendDelay = bot.Duration(30 * time.Second) })
		f.post(t, community, member, "My Acme order never arrived, still waiting")
		id := button(t, f.lastCard(t), "inbox/approve/")
		var wg sync.WaitGroup
		replies := make([]string, 8)
		for i := range replies {
			wg.Go(func() { replies[i] = f.click(t, alice, id) })
		}
		wg.Wait()
		wantOneWinner(t, replies, "Sending in 30 s — press Undo on the card to stop it.", "sending")
		time.Sleep(29 * time.Second)
		if n := len(f.Discord.Of(bot.ActReply)); n != 0 {
			t.Fatalf("%d replies before the delay", n)
		}
		time.Sleep(time.Hour)
		if n := len(f.Discord.Of(bot.ActReply)); n != 1 {
			t.Fatalf("%d replies for 8 simultaneous approvals", n)
		}
	})
}

func TestStaleApproveAndRegenerate(t *testing.T) {
	f := newFixture(t)
	f.post(t, community, member, "Is Acme open on Sunday?")
	first := f.lastCard(t)
	oldApprove := button(t, first, "inbox/approve/")

	// Regenerate opens a form, whose submit drafts version 2.
	rep := f.Send(t, bot.Event{Kind: bot.EventAction, Action: button(t, first, "inbox/regen/"), User: alice})
	if rep.Form == nil || rep.Form.ID != "inbox/regen-form/1/1" {
		t.Fatalf("regenerate form %+v", rep)
	}
	got := bottest.ReplyText(f.Send(t, bot.Event{Kind: bot.EventSubmit, Action: rep.Form.ID, User: alice,
		Options: map[string]string{"instruction": "shorter"}}))
	if got != "New draft for #1." {
		t.Errorf("regenerate: %q", got)
	}
	second := f.lastCard(t)
	if !strings.Contains(second.Body, "Draft v2") {
		t.Errorf("card after regenerate: %q", second.Body)
	}
	if got := f.click(t, alice, oldApprove); got != "The draft changed — review the new version." {
		t.Errorf("stale approve: %q", got)
	}
	if len(f.Discord.Of(bot.ActReply)) != 0 {
		t.Fatal("stale approve sent a reply")
	}
	f.click(t, alice, button(t, second, "inbox/approve/"))
	if len(f.Discord.Of(bot.ActReply)) != 1 {
		t.Fatal("current approve did not send")
	}
}

func TestNonStaffCannotAct(t *testing.T) {
	f := newFixture(t)
	f.post(t, community, member, "Acme charged me twice this month")
	card := f.lastCard(t)
	for _, b := range card.Buttons {
		if got := f.click(t, bottest.Member, b.ID); !strings.Contains(got, "Only staff") {
			t.Errorf("%s by a member: %q", b.ID, got)
		}
	}
	if it := f.item(t, 1); it.State != bot.ItemDrafted || it.Assignee.ID != "" {
		t.Errorf("member changed the item: %+v", it)
	}
	if len(f.Discord.Actions()) != 0 {
		t.Error("member's click sent something")
	}
}

func TestEditSendsTheEditedText(t *testing.T) {
	f := newFixture(t)
	msg := f.post(t, community, member, "Acme app crashes since the update")
	rep := f.Send(t, bot.Event{Kind: bot.EventAction, Action: button(t, f.lastCard(t), "inbox/edit/"), User: alice})
	if rep.Form == nil || rep.Form.Fields[0].Value != f.item(t, 1).Draft {
		t.Fatalf("edit form not prefilled: %+v", rep)
	}
	empty := f.Send(t, bot.Event{Kind: bot.EventSubmit, Action: rep.Form.ID, User: alice, Options: map[string]string{"draft": "  "}})
	if empty.FieldErrors["draft"] != "The reply cannot be empty." {
		t.Errorf("empty edit: %+v", empty)
	}
	long := f.Send(t, bot.Event{Kind: bot.EventSubmit, Action: rep.Form.ID, User: alice, Options: map[string]string{"draft": strings.Repeat("x", 2001)}})
	if long.FieldErrors["draft"] == "" {
		t.Errorf("2001-char edit accepted: %+v", long)
	}
	got := bottest.ReplyText(f.Send(t, bot.Event{Kind: bot.EventSubmit, Action: rep.Form.ID, User: alice,
		Options: map[string]string{"draft": "Sorry Marie, a fix ships tonight."}}))
	if got != "Reply to #1 sent." {
		t.Errorf("edit submit: %q", got)
	}
	replies := f.Discord.Of(bot.ActReply)
	if len(replies) != 1 || replies[0].Text != "Sorry Marie, a fix ships tonight." || replies[0].Target != msg {
		t.Fatalf("replies %+v", replies)
	}
	if it := f.item(t, 1); it.DraftSource != "edited" || it.DraftVersion != 2 {
		t.Errorf("item after edit %+v", it)
	}
}

func TestRejectWithReason(t *testing.T) {
	f := newFixture(t)
	f.post(t, community, member, "Where is my Acme refund?")
	rep := f.Send(t, bot.Event{Kind: bot.EventAction, Action: button(t, f.lastCard(t), "inbox/reject/"), User: alice})
	if rep.Form == nil {
		t.Fatal("reject opened no form")
	}
	got := bottest.ReplyText(f.Send(t, bot.Event{Kind: bot.EventSubmit, Action: rep.Form.ID, User: alice,
		Options: map[string]string{"reason": "handled by phone"}}))
	if got != "#1 rejected." {
		t.Errorf("reject: %q", got)
	}
	if c := f.lastCard(t); c.Footer != "Rejected by @alice: handled by phone" || len(c.Buttons) != 0 {
		t.Errorf("card after reject: %q %+v", c.Footer, c.Buttons)
	}
	if len(f.Discord.Actions()) != 0 {
		t.Error("reject sent something")
	}
}

func TestUnknownOutcomeIsNeverResentAutomatically(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.post(t, community, member, "Acme support never answered my ticket")
		f.Discord.SetFail(func(a bot.Action) error { return errors.Join(errors.New("timeout"), bot.ErrUnknownOutcome) })
		got := f.click(t, alice, button(t, f.lastCard(t), "inbox/approve/"))
		if !strings.Contains(got, "could not confirm") {
			t.Errorf("unknown outcome reply: %q", got)
		}
		if it := f.item(t, 1); it.State != bot.ItemUnknown {
			t.Fatalf("state %s", it.State)
		}
		card := f.lastCard(t)
		if !strings.Contains(card.Footer, "could not confirm") {
			t.Errorf("card footer %q", card.Footer)
		}
		f.Discord.SetFail(nil)
		time.Sleep(time.Hour) // virtual: the timer must not pick it up
		if n := len(f.Discord.Of(bot.ActReply)); n != 0 {
			t.Fatalf("resent automatically: %d", n)
		}
		if got := f.click(t, alice, button(t, card, "inbox/mark-sent/")); got != "#1 marked as sent." {
			t.Errorf("mark sent: %q", got)
		}
		if it := f.item(t, 1); it.State != bot.ItemSent || len(f.Discord.Of(bot.ActReply)) != 0 {
			t.Errorf("after mark sent: %s, %d replies", it.State, len(f.Discord.Of(bot.ActReply)))
		}
	})
}

func TestDefiniteFailureGoesBackToDraft(t *testing.T) {
	f := newFixture(t)
	f.post(t, community, member, "Acme deleted my account without warning")
	f.Discord.SetFail(func(a bot.Action) error { return errors.New("403 Missing Permissions") })
	if got := f.click(t, alice, button(t, f.lastCard(t), "inbox/approve/")); !strings.Contains(got, "could not be sent") {
		t.Errorf("failure reply %q", got)
	}
	card := f.lastCard(t)
	if it := f.item(t, 1); it.State != bot.ItemDrafted || !strings.Contains(card.Footer, "failed") {
		t.Fatalf("after failure: %s %q", it.State, card.Footer)
	}
	f.Discord.SetFail(nil)
	f.click(t, alice, button(t, card, "inbox/approve/"))
	if n := len(f.Discord.Of(bot.ActReply)); n != 1 {
		t.Errorf("retry by a person sent %d", n)
	}
}

func TestSendDelayAndUndo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, func(s *bot.Settings) { s.SendDelay = bot.Duration(300 * time.Millisecond) })
		f.post(t, community, member, "Acme, my invoice is wrong")
		got := f.click(t, alice, button(t, f.lastCard(t), "inbox/approve/"))
		if !strings.Contains(got, "Sending in 0 s") && !strings.Contains(got, "Sending in") {
			t.Errorf("approve with delay: %q", got)
		}
		card := f.lastCard(t)
		if !strings.Contains(card.Footer, "Undo") {
			t.Errorf("pending card %q", card.Footer)
		}
		if got := f.click(t, alice, button(t, card, "inbox/undo/")); got != "Send of #1 cancelled: the draft waits for review again." {
			t.Errorf("undo: %q", got)
		}
		time.Sleep(500 * time.Millisecond) // virtual: past the undone send's time
		if n := len(f.Discord.Of(bot.ActReply)); n != 0 {
			t.Fatalf("undone reply was sent")
		}
		// Approve again and let it go.
		approved := time.Now()
		f.click(t, alice, button(t, f.lastCard(t), "inbox/approve/"))
		time.Sleep(299 * time.Millisecond)
		if it := f.item(t, 1); it.State != bot.ItemPending {
			t.Fatalf("state %s before the delay is over", it.State)
		}
		time.Sleep(time.Second)
		if it := f.item(t, 1); it.State != bot.ItemSent {
			t.Fatalf("state %s after the delay", it.State)
		}
		if n := len(f.Discord.Of(bot.ActReply)); n != 1 {
			t.Fatalf("%d replies after the delay", n)
		}
		if it := f.item(t, 1); it.SentAt.Sub(approved) < 300*time.Millisecond {
			t.Errorf("sent %v after the approval, before the 300 ms delay", it.SentAt.Sub(approved))
		}
	})
}

func TestFollowUpUpdatesTheSameItem(t *testing.T) {
	f := newFixture(t)
	slackCommunity := bot.ChannelRef{Platform: bot.Slack, ID: "C0COMMUNITY"}
	root := f.post(t, slackCommunity, bot.UserRef{Platform: bot.Slack, ID: "U0X", Name: "x"}, "Acme order 123 not delivered",
		func(e *bot.Event) { e.Message.ID = "1700000000.000100" })
	f.post(t, slackCommunity, bot.UserRef{Platform: bot.Slack, ID: "U0X", Name: "x"}, "still nothing?? I WANT A REFUND OR I GO TO MY LAWYER",
		func(e *bot.Event) {
			e.Message.ID = "1700000000.000200"
			e.Message.ThreadID = root.ID
		})
	if n := len(f.Slack.Of(bot.ActPost)); n != 1 {
		t.Fatalf("%d cards for one conversation", n)
	}
	it := f.item(t, 1)
	if len(it.Messages) != 2 || it.Triage.Urgency.Rank() < bot.UrgencyHigh.Rank() {
		t.Errorf("follow-up not merged or urgency not raised: %d messages, urgency %s", len(it.Messages), it.Triage.Urgency)
	}
	if c := f.lastCard(t); !strings.Contains(c.Quote, "LAWYER") {
		t.Errorf("card not updated: %q", c.Quote)
	}
	// The approved reply goes under the latest message, in the thread.
	f.click(t, alice, button(t, f.lastCard(t), "inbox/approve/"))
	replies := f.Slack.Of(bot.ActReply)
	if len(replies) != 1 || replies[0].Target.ThreadID != root.ID {
		t.Fatalf("reply %+v", replies)
	}
}

func TestDiscordThreadUnderWatchedChannelFollowsUp(t *testing.T) {
	f := newFixture(t)
	starter := f.post(t, community, member, "My Acme order never arrived")
	thread := bot.ChannelRef{Platform: bot.Discord, ID: starter.ID} // a thread started from the message
	f.post(t, thread, member, "Still nothing, and nobody answers!", func(e *bot.Event) {
		e.Within = community
		e.Message.ThreadID = thread.ID
	})
	if n := len(f.Slack.Of(bot.ActPost)); n != 1 {
		t.Fatalf("%d cards", n)
	}
	if it := f.item(t, 1); len(it.Messages) != 2 {
		t.Errorf("thread message not joined to the item: %d messages", len(it.Messages))
	}
	// A new question in a thread of a watched channel is an item of its own.
	f.post(t, bot.ChannelRef{Platform: bot.Discord, ID: "600000000000000077"}, member, "Does Acme ship to Belgium?",
		func(e *bot.Event) { e.Within = community })
	if n := len(f.Slack.Of(bot.ActPost)); n != 2 {
		t.Errorf("thread of a watched channel not watched: %d cards", n)
	}
}

func TestWhatDoesNotBecomeAnItem(t *testing.T) {
	f := newFixture(t)
	f.post(t, community, bot.UserRef{Platform: bot.Discord, ID: "9", Name: "otherbot", Bot: true}, "Acme order never arrived")
	f.post(t, bot.ChannelRef{Platform: bot.Discord, ID: "300000000000000099"}, member, "Acme order never arrived")
	f.post(t, community, member, "lol nice weather today")
	f.post(t, community, member, "")
	// A deletion is no message, even from an adapter that sends its last text.
	f.post(t, community, member, "Acme order never arrived", func(e *bot.Event) { e.Deleted = true })
	items, _ := f.store.Items(context.Background(), nil)
	if len(items) != 0 || len(f.Slack.Actions()) != 0 {
		t.Errorf("items %+v, actions %+v", items, f.Slack.Actions())
	}
}

// An urgent message becomes an item even when it names neither the bot nor
// the brand and is not a complaint or a question.
func TestUrgentMessageIsNeverDropped(t *testing.T) {
	f := newFixture(t)
	tr, err := triage.New().Classify(context.Background(), bot.TriageInput{Text: "I will sue you"})
	if err != nil || tr.Kind == bot.KindComplaint || tr.Kind == bot.KindQuestion || tr.Urgency != bot.UrgencyCritical ||
		len(tr.Mentions.Brand) > 0 {
		t.Fatalf("the case needs a critical message that is neither complaint nor question: %+v, %v", tr, err)
	}
	f.post(t, community, member, "I will sue you")
	items, err := f.store.Items(context.Background(), nil)
	if err != nil || len(items) != 1 || items[0].Triage.Urgency != bot.UrgencyCritical {
		t.Fatalf("items %+v, %v: want one critical item", items, err)
	}
	if c := f.lastCard(t); c == nil {
		t.Fatal("no card in the team channel for the urgent message")
	}
}

func TestOfflineDraftUsesFAQ(t *testing.T) {
	f := newFixture(t)
	if got := bottest.ReplyText(f.Command(t, alice, "faq add Quels sont vos horaires ? | Du lundi au vendredi, 9h-18h.")); got != "FAQ entry #1 added: drafts will use it." {
		t.Fatalf("faq add: %q", got)
	}
	f.post(t, community, member, "Bonjour, quels sont vos horaires d'ouverture ?")
	if c := f.lastCard(t); !strings.Contains(c.Body, "Du lundi au vendredi, 9h-18h.") {
		t.Errorf("draft ignores the FAQ: %q", c.Body)
	}
}

func TestFlags(t *testing.T) {
	faq := []bot.FAQEntry{{Answer: "See https://acme.example/help for hours."}}
	got := inbox.Flags("Hi @everyone and @here, see https://acme.example/help and https://evil.example/x. "+strings.Repeat("a", 2000), faq)
	want := []string{"everyone", "here", "link:https://evil.example/x", "too_long"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("flags %v, want %v", got, want)
	}
	for _, ping := range []string{"<!channel> hi", "hey <!subteam^S0MODS|@mods>", "ping <@&777777777777777777>"} {
		if got := inbox.Flags(ping, faq); len(got) != 1 || got[0] != "mass_mention" {
			t.Errorf("Flags(%q) = %v", ping, got)
		}
	}
	if got := inbox.Flags("Thanks <@U123>, see https://acme.example/help.", faq); len(got) != 0 {
		t.Errorf("FAQ link flagged: %v", got)
	}
}

func TestFlagsNeutralMentionsAndDisguisedLinks(t *testing.T) {
	faq := []bot.FAQEntry{{Answer: "Our shop: acme.example/shop"}}
	for _, c := range []struct {
		draft string
		want  []string
	}{
		{"Ask <@slack-role:S0MODS|@mods>", []string{"mass_mention"}},
		{"Thanks <@discord:1>, see <#discord:2>", nil},
		{"Hi @Everyone and @channel", []string{"everyone", "mass_mention"}},
		{"Mail help@acme.example or visit acme.example/shop", nil},
		{"Visit evil.xyz/win or join discord . gg / free", []string{"link:evil.xyz/win", "link:discord . gg / free"}},
	} {
		if got := inbox.Flags(c.draft, faq); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("Flags(%q) = %v, want %v", c.draft, got, c.want)
		}
	}
}

func TestInboxCommands(t *testing.T) {
	f := newFixture(t)
	f.post(t, community, member, "My Acme parcel never arrived")
	f.post(t, community, bot.UserRef{Platform: bot.Discord, ID: "400000000000000002", Name: "paul"}, "Does Acme ship to Belgium?")

	list := bottest.ReplyText(f.Command(t, alice, "inbox"))
	i1, i2 := strings.Index(list, "#1 "), strings.Index(list, "#2 ")
	if !strings.Contains(list, "2 open items") || i1 < 0 || i2 < 0 || i1 > i2 || !strings.Contains(list, "· 0 minutes ·") {
		t.Errorf("inbox list:\n%s", list)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "inbox assign 2 <@slack:U0BOB>")); got != "#2 assigned to <@slack:U0BOB>." {
		t.Errorf("assign: %q", got)
	}
	if it := f.item(t, 2); it.Assignee.Key() != "slack:U0BOB" {
		t.Errorf("assignee %+v", it.Assignee)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "inbox close 1")); got != "#1 closed." {
		t.Errorf("close: %q", got)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "inbox close 1")); got != "This item is closed: nothing to do." {
		t.Errorf("close twice: %q", got)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "inbox close 99")); got != "There is no item #99." {
		t.Errorf("close missing: %q", got)
	}
	show := f.Command(t, alice, "inbox show 2")
	if show.Card == nil || !strings.Contains(show.Card.Quote, "Belgium") {
		t.Errorf("show: %+v", show)
	}
	if got := bottest.ReplyText(f.Command(t, bottest.Member, "inbox")); !strings.Contains(got, "Only staff") {
		t.Errorf("member inbox: %q", got)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "faq add no separator")); !strings.Contains(got, "question | answer") {
		t.Errorf("faq bad: %q", got)
	}
	f.Command(t, alice, "faq add Q1 here | A1")
	if got := bottest.ReplyText(f.Command(t, alice, "faq list")); !strings.Contains(got, "#1 Q1 here → A1") {
		t.Errorf("faq list: %q", got)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "faq remove 1")); got != "FAQ entry #1 removed." {
		t.Errorf("faq remove: %q", got)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "faq remove 1")); got != "There is no FAQ entry #1." {
		t.Errorf("faq remove twice: %q", got)
	}
}

func TestRestartMarksInterruptedSendUnknown(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "commpilot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := storage.NewInbox(db)
	// A crash left item 1 between "sending" and "sent".
	_, err = store.Conversation(ctx, []string{"discord:1:2"}, func(it *bot.Item, _ bool) error {
		it.State, it.Draft, it.DraftVersion = bot.ItemSending, "Hello", 1
		it.Messages = []bot.ItemMessage{{Ref: bot.MessageRef{Channel: community, ID: "2"}, Text: "hi"}}
		it.Card = bot.MessageRef{Channel: team, ID: "card1"}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	settings := storage.NewSettings(db, bot.Settings{TeamChannel: team, Staff: []string{"slack:UADMIN"}})
	cat := bot.NewCatalog(inbox.Messages())
	env := bottest.MustEngine(t, settings, cat)
	timers := storage.NewTimers(db, nil)
	skill := inbox.New(inbox.Config{Store: store, Settings: settings, Audit: storage.NewAuditLog(db), Sender: env.Engine,
		Classifier: triage.New(), Drafter: inbox.OfflineDrafter{}, Catalog: cat, Timers: timers, Logger: slog.New(slog.DiscardHandler)})
	env.Add(skill)
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = skill.Run(rctx) })
	wg.Go(func() { _ = timers.Run(rctx) })
	waitState(t, store, 1, bot.ItemUnknown)
	waitUntil(t, func() bool { return len(env.Slack.Of(bot.ActUpdate)) > 0 })
	cancel()
	wg.Wait()
	db.Close()
	if it, _ := (func() (bot.Item, error) {
		db, err := storage.Open(ctx, path, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return storage.NewInbox(db).Item(ctx, 1)
	})(); it.State != bot.ItemUnknown {
		t.Fatalf("after restart: %s", it.State)
	}
	if n := len(env.Discord.Of(bot.ActReply)); n != 0 {
		t.Fatalf("interrupted send was resent: %d", n)
	}
	ups := env.Slack.Of(bot.ActUpdate)
	if len(ups) != 1 || !strings.Contains(ups[0].Card.Footer, "could not confirm") {
		t.Errorf("card not updated to ask a person: %+v", ups)
	}
}
