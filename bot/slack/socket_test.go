package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

func TestSocketHandshakeAndAckOfEveryEnvelopeType(t *testing.T) {
	h := start(t)
	h.waitState(bot.StateConnected)
	if link := h.p.Link(bot.MessageRef{Channel: slackCh("C0GEN"), ID: "1700000000.000100"}); link != "https://fake.slack.com/archives/C0GEN/p1700000000000100" {
		t.Errorf("link = %q", link)
	}

	// events_api: acked with an empty payload, then delivered.
	ts := h.srv.PostUserMessage("C0GEN", bob, "hello team", "")
	h.waitEvent("message", func(e bot.Event) bool { return e.Message.ID == ts })

	// slash_commands: acked empty (the answer goes to the response_url).
	cmd := h.srv.Command("C0TEAM", alice, "help")
	if cmd.Ack != nil {
		t.Errorf("command ack payload = %s, want empty", cmd.Ack)
	}
	if _, ok := cmd.Response(); !ok {
		t.Fatal("no answer to /cm help")
	}

	// interactive block_actions: acked empty.
	card := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Card: &bot.Card{
		Title: "Item 7", Buttons: []bot.Button{{Label: "Edit", ID: "card/edit/7"}}}})
	click := h.srv.ClickButton("C0TEAM", card.ID, alice, "card/edit/7")
	if click.Ack != nil {
		t.Errorf("block_actions ack payload = %s, want empty", click.Ack)
	}
	if r, ok := click.Response(); !ok || r.View == nil {
		t.Fatalf("Edit did not open a modal: %+v", r)
	}

	// interactive view_submission: acked with the handler's verdict.
	if ack := h.srv.SubmitView(alice, "form/draft/7", map[string]string{"draft": "Merci !"}); ack != nil {
		t.Errorf("view_submission ack payload = %s, want empty (close)", ack)
	}
	if n := h.srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestSlashHelpIsEphemeral(t *testing.T) {
	h := start(t)
	r := h.srv.SlashCommand("C0TEAM", bob, "help")
	if r.ResponseType != "ephemeral" {
		t.Errorf("response_type = %q, want ephemeral", r.ResponseType)
	}
	if !strings.Contains(r.Text, "/cm rule add") {
		t.Errorf("help text = %q", r.Text)
	}
	if msgs := h.srv.Messages("C0TEAM"); len(msgs) != 0 {
		t.Errorf("help posted in the channel: %+v", msgs)
	}
	// The second command's author comes from the cache.
	h.srv.SlashCommand("C0TEAM", bob, "help")
	n := 0
	for _, c := range h.srv.CallsTo("users.info") {
		if c.Params.Get("user") == bob {
			n++
		}
	}
	if n != 1 {
		t.Errorf("users.info called %d times for the same user, want 1 (cached)", n)
	}
}

func TestMalformedCommandGetsSpecificEphemeralError(t *testing.T) {
	h := start(t)
	tests := []struct {
		text string
		want []string
	}{
		{"rule add flood 10zz", []string{`"10zz" is not a duration`, "Usage: /cm rule add <name> <duration>"}},
		{"rule add", []string{"Missing name.", "Usage: /cm rule add"}},
		{"rule add flood 5m extra", []string{"Unexpected extra words: extra."}},
		{"frobnicate now", []string{`Unknown command "frobnicate now"`}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r := h.srv.SlashCommand("C0TEAM", alice, tt.text)
			if r.ResponseType != "ephemeral" {
				t.Errorf("response_type = %q, want ephemeral", r.ResponseType)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Shown(), w) {
					t.Errorf("error %q does not say %q", r.Shown(), w)
				}
			}
		})
	}
	// Staff-only verbs refuse members, ephemerally.
	r := h.srv.SlashCommand("C0TEAM", bob, "rule add flood 5m")
	if r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "Only staff") {
		t.Errorf("member got %q (%s)", r.Text, r.ResponseType)
	}
	// A workspace admin is staff without being listed.
	if r := h.srv.SlashCommand("C0TEAM", carol, "rule add flood 5m"); r.Text != "rule flood for 5m" {
		t.Errorf("admin got %q", r.Text)
	}
}

func TestCommandTextKeepsReferencesAndDecodesLinks(t *testing.T) {
	h := start(t)
	r := h.srv.SlashCommand("C0TEAM", alice, `echo "quoted words" <#C0COMM|community> <@U0BOB> <!subteam^S0MODS|@mods> <https://acme.test/a?b=1&amp;c=2|acme.test> &lt;3`)
	want := `echo: "quoted words" <#C0COMM|community> <@U0BOB> <!subteam^S0MODS|@mods> https://acme.test/a?b=1&c=2 <3`
	if r.Shown() != want {
		t.Errorf("text reached the handler as\n%q, want\n%q", r.Shown(), want)
	}
	e := h.waitEvent("echo", func(e bot.Event) bool { return e.Kind == bot.EventCommand })
	if e.User.ID != alice || e.User.Name != "alice" || e.Message.Channel != slackCh("C0TEAM") {
		t.Errorf("command event user %+v channel %+v", e.User, e.Message.Channel)
	}
	if r := h.srv.SlashCommand("C0TEAM", alice, "setup watch <#C0COMM|community>"); r.Text != "watching slack:C0COMM" {
		t.Errorf("channel option = %q", r.Text)
	}
	if r := h.srv.SlashCommand("C0TEAM", alice, "echo public hello"); r.ResponseType != "in_channel" {
		t.Errorf("public reply response_type = %q, want in_channel", r.ResponseType)
	}
}

func TestMessagesBecomeEvents(t *testing.T) {
	h := start(t)
	byTS := func(ts string) func(bot.Event) bool {
		return func(e bot.Event) bool { return e.Message.ID == ts && !e.Edited }
	}

	root := h.srv.PostUserMessage("C0GEN", bob, "My order &amp; invoice are <https://acme.test/o/1|late>", "")
	e := h.waitEvent("root", byTS(root))
	if e.Kind != bot.EventMessage || e.User.ID != bob || e.User.Name != "bob" || e.Mentioned || e.DM ||
		e.Message.ThreadID != "" || !e.ReplyTo.IsZero() {
		t.Errorf("root message event = %+v", e)
	}
	if e.Text != "My order & invoice are https://acme.test/o/1" {
		t.Errorf("text = %q", e.Text)
	}

	reply := h.srv.PostUserMessage("C0GEN", alice, "following up", root)
	e = h.waitEvent("thread reply", byTS(reply))
	if e.Message.ThreadID != root || e.ReplyTo != (bot.MessageRef{Channel: slackCh("C0GEN"), ID: root}) {
		t.Errorf("thread reply event: thread %q reply-to %+v", e.Message.ThreadID, e.ReplyTo)
	}

	// Slack sends both message and app_mention: one event, mentioned.
	mention := h.srv.PostUserMessage("C0GEN", bob, "<@UBOT> where is my order?", "")
	e = h.waitEvent("mention", byTS(mention))
	if !e.Mentioned {
		t.Errorf("mention not flagged: %+v", e)
	}
	h.waitDuplicates(1)
	if n := h.count(byTS(mention)); n != 1 {
		t.Errorf("mention delivered %d times, want 1", n)
	}

	dm := h.srv.PostUserMessage("D0BOB", bob, "hi bot", "")
	if e := h.waitEvent("dm", byTS(dm)); !e.DM {
		t.Errorf("DM not flagged: %+v", e)
	}

	h.srv.EditUserMessage("C0GEN", root, "My order is very late")
	e = h.waitEvent("edit", func(e bot.Event) bool { return e.Message.ID == root && e.Edited })
	if e.Text != "My order is very late" {
		t.Errorf("edit text = %q", e.Text)
	}

	// Bots and the bot itself deliver nothing; a deletion is an event of
	// its own.
	other := h.srv.PostBotMessage("C0GEN", "B0OTHER", "beep")
	own := h.srv.PostUserMessage("C0GEN", slacktest.BotUserID, "my own words", "")
	h.srv.DeleteUserMessage("C0GEN", reply)
	sentinel := h.srv.PostUserMessage("C0GEN", bob, "last", "")
	h.waitEvent("sentinel", byTS(sentinel))
	// Events are handled concurrently: the deletion may be seen after the
	// sentinel that was posted after it.
	h.waitEvent("the deletion", func(e bot.Event) bool { return e.Message.ID == reply && e.Deleted })
	for _, ts := range []string{other, own} {
		if n := h.count(byTS(ts)); n != 0 {
			t.Errorf("bot message %s delivered %d times", ts, n)
		}
	}
	if n := h.count(func(e bot.Event) bool { return e.Message.ID == reply && !e.Deleted }); n != 1 {
		t.Errorf("deleted reply delivered %d times, want only its original post", n)
	}
	if n := h.count(func(e bot.Event) bool { return e.Message.ID == reply && e.Deleted }); n != 1 {
		t.Errorf("the deletion of the reply delivered %d events, want 1", n)
	}
}

// Edits (each with an id of its own, so a second edit is not a redelivery)
// and deletions arrive as events; files are attachments and mentions are
// counted from the text.
func TestEditsDeletionsAndFilesBecomeEvents(t *testing.T) {
	h := start(t)
	ts := h.srv.PostUserFiles("C0GEN", bob, "<@U0ALICE> <!subteam^S0STAFF> <!here> see my receipt", "",
		slacktest.File{Name: "receipt.png", Mimetype: "image/png", Size: 48213})
	e := h.waitEvent("file share", func(e bot.Event) bool { return e.Message.ID == ts && !e.Edited })
	if len(e.Attachments) != 1 || e.Attachments[0] != (bot.Attachment{Name: "receipt.png", Type: "image/png", Size: 48213}) {
		t.Errorf("Attachments = %+v", e.Attachments)
	}
	if e.Mentions != (bot.MentionCount{Users: 1, Roles: 1, Everyone: true}) {
		t.Errorf("Mentions = %+v", e.Mentions)
	}

	h.srv.EditUserMessage("C0GEN", ts, "first edit")
	h.waitEvent("first edit", func(e bot.Event) bool { return e.Edited && e.Text == "first edit" })
	h.srv.EditUserMessage("C0GEN", ts, "second edit")
	edits := h.waitEvents("edits", 2, func(e bot.Event) bool { return e.Edited && e.Message.ID == ts })
	if last := edits[1]; last.Text != "second edit" || last.ID == edits[0].ID || last.Mentions != (bot.MentionCount{}) ||
		len(last.Attachments) != 1 || !last.Time.After(e.Time) {
		t.Errorf("second edit = %+v, want its own id, the new text, no mentions, the file kept, the edit's time", last)
	}

	reply := h.srv.PostUserMessage("C0GEN", alice, "in the thread", ts)
	h.waitEvent("reply", func(e bot.Event) bool { return e.Message.ID == reply })
	h.srv.DeleteUserMessage("C0GEN", reply)
	d := h.waitEvent("deletion", func(e bot.Event) bool { return e.Deleted })
	if d.Message != (bot.MessageRef{Channel: slackCh("C0GEN"), ID: reply, ThreadID: ts}) || d.Text != "" || d.ID != "d:C0GEN:"+reply {
		t.Errorf("deletion event = %+v, want the reply in its thread", d)
	}
}

func TestButtonClickBecomesActionEvent(t *testing.T) {
	h := start(t)
	card := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Card: &bot.Card{
		Title: "Complaint from @bob", Quote: "My order is late",
		Buttons: []bot.Button{
			{Label: "Approve", ID: "card/approve/42", Style: bot.StylePrimary},
			{Label: "Reject", ID: "card/reject/42", Style: bot.StyleDanger, Confirm: "Reject this item?"},
		}}})
	click := h.srv.ClickButton("C0TEAM", card.ID, alice, "card/approve/42")
	e := h.waitEvent("approve", func(e bot.Event) bool { return e.Kind == bot.EventAction })
	if e.Action != "card/approve/42" || e.Var("id") != "42" || e.User.ID != alice || e.User.Name != "alice" ||
		e.Message != (bot.MessageRef{Channel: slackCh("C0TEAM"), ID: card.ID}) {
		t.Errorf("action event = %+v", e)
	}
	r, ok := click.Response()
	if !ok || r.ResponseType != "ephemeral" || r.Text != "Approved 42" || r.ReplaceOriginal {
		t.Errorf("answer to the click = %+v", r)
	}

	// A member's click is refused, ephemerally, and reaches no handler.
	r, ok = h.srv.ClickButton("C0TEAM", card.ID, bob, "card/approve/42").Response()
	if !ok || !strings.Contains(r.Text, "Only staff") || r.ResponseType != "ephemeral" {
		t.Errorf("member's click answered %+v", r)
	}
	// A workspace admin may.
	h.srv.ClickButton("C0TEAM", card.ID, carol, "card/approve/42")
	e = h.waitEvent("admin approve", func(e bot.Event) bool { return e.Kind == bot.EventAction && e.User.ID == carol })
	if !e.User.Admin {
		t.Errorf("admin flag not set: %+v", e.User)
	}
	// So may a member of a user group listed as staff.
	h.srv.ClickButton("C0TEAM", card.ID, dave, "card/approve/42")
	e = h.waitEvent("group approve", func(e bot.Event) bool { return e.Kind == bot.EventAction && e.User.ID == dave })
	if len(e.User.Roles) != 1 || e.User.Roles[0] != "S0MODS" || e.User.Admin {
		t.Errorf("group member = %+v", e.User)
	}
	if n := h.count(func(e bot.Event) bool { return e.Kind == bot.EventAction && e.User.ID == bob }); n != 0 {
		t.Errorf("member's click reached the handler")
	}
}

func TestModalSubmitAndValidation(t *testing.T) {
	h := start(t)
	r := h.srv.SlashCommand("C0TEAM", alice, "edit 9")
	if r.View == nil || r.View.CallbackID != "form/draft/9" || !strings.Contains(string(r.View.Blocks), "Bonjour, merci pour votre message.") {
		t.Fatalf("edit opened %+v", r.View)
	}

	// An empty draft: the modal stays open with the error on the field.
	ack := h.srv.SubmitView(alice, "form/draft/9", map[string]string{"draft": "  "})
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(ack, &resp); err != nil || resp.ResponseAction != "errors" || resp.Errors["draft"] != "The reply cannot be empty." {
		t.Fatalf("ack = %s", ack)
	}
	if v := h.srv.OpenedViews()[0]; !v.Open {
		t.Fatal("modal closed despite the validation error")
	}

	// Fixed: the modal closes, the submit event carries the value.
	if ack := h.srv.SubmitView(alice, "form/draft/9", map[string]string{"draft": "Nous regardons."}); ack != nil {
		t.Fatalf("ack = %s, want empty", ack)
	}
	e := h.waitEvent("submit", func(e bot.Event) bool { return e.Kind == bot.EventSubmit && e.Option("draft") == "Nous regardons." })
	if e.Action != "form/draft/9" || e.Var("id") != "9" || e.User.ID != alice || e.Message.Channel != slackCh("C0TEAM") {
		t.Errorf("submit event = %+v", e)
	}
	if v := h.srv.OpenedViews()[0]; v.Open {
		t.Error("modal still open after a good submission")
	}
	eph := h.srv.WaitEphemerals(1)
	if last := eph[len(eph)-1]; last.Text != "Sent: Nous regardons." || last.User != alice || last.Channel != "C0TEAM" {
		t.Errorf("answer to the submission = %+v", last)
	}
}

func TestSlowModalSubmitClosesThenAnswers(t *testing.T) {
	h := start(t)
	card := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Card: &bot.Card{
		Title: "Item 5", Buttons: []bot.Button{{Label: "Edit", ID: "card/edit/5"}}}})
	if r, ok := h.srv.ClickButton("C0TEAM", card.ID, alice, "card/edit/5").Response(); !ok || r.View == nil {
		t.Fatal("no modal")
	}
	if ack := h.srv.SubmitView(alice, "form/draft/5", map[string]string{"draft": "slow"}); ack != nil {
		t.Fatalf("ack = %s, want empty (close)", ack)
	}
	close(h.release)
	eph := h.srv.WaitEphemerals(1)
	if eph[0].Text != "Sent the slow reply" || eph[0].User != alice || eph[0].Channel != "C0TEAM" {
		t.Errorf("late answer = %+v", eph[0])
	}
}

func TestReconnectsAfterDisconnectAndDrop(t *testing.T) {
	h := start(t)
	h.srv.Disconnect()
	h.srv.WaitConnections(2)
	ts := h.srv.PostUserMessage("C0GEN", bob, "after refresh", "")
	h.waitEvent("after disconnect", func(e bot.Event) bool { return e.Message.ID == ts })

	h.srv.DropSocket()
	h.srv.WaitConnections(3)
	ts = h.srv.PostUserMessage("C0GEN", bob, "after drop", "")
	h.waitEvent("after drop", func(e bot.Event) bool { return e.Message.ID == ts })
	h.waitState(bot.StateConnected)
}

func TestReconnectsWhenSlackStopsPinging(t *testing.T) {
	h := start(t, tune(func(p *Platform) { p.pingInterval = 200 * time.Millisecond }))
	// The fake pings every 2 s, too rarely for this platform: the first socket
	// is reopened. The next ones get one ping and then silence: reopened too.
	h.srv.SetPingInterval(time.Hour)
	h.srv.WaitConnections(3)
}

func TestUnknownEventsAreAcknowledged(t *testing.T) {
	h := start(t)
	// The helper fails the test unless the envelope is acknowledged.
	h.srv.SendEvent(map[string]any{"type": "future_event_nobody_knows", "event_ts": "1700000000.000001"})
	h.srv.SendEvent(map[string]any{"type": "reaction_added", "user": bob, "reaction": "thumbsup",
		"item": map[string]any{"type": "message", "channel": "C0GEN", "ts": "1700000000.000001"}, "event_ts": "1700000000.000002"})
	ts := h.srv.PostUserMessage("C0GEN", bob, "still here", "")
	h.waitEvent("message after unknown events", func(e bot.Event) bool { return e.Message.ID == ts })
}

func TestRejectedTokensAreFatalAndNamed(t *testing.T) {
	srv := slacktest.New(t)
	tests := []struct {
		name, bot, app, want string
	}{
		{"bot token", "xoxb-wrong-secret-1", slacktest.AppToken, "SLACK_BOT_TOKEN was rejected by Slack (invalid_auth)"},
		{"app token", slacktest.BotToken, "xapp-wrong-secret-2", "SLACK_APP_TOKEN was rejected by Slack (invalid_auth)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(Config{BotToken: tt.bot, AppToken: tt.app, APIURL: srv.APIURL(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = p.Run(ctx, bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil }))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the token: %v", err)
			}
			if p.Status() != bot.StateDisconnected {
				t.Errorf("status = %s", p.Status())
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "SLACK_BOT_TOKEN is required"},
		{Config{BotToken: "xapp-1"}, "SLACK_BOT_TOKEN must be a bot token"},
		{Config{BotToken: "xoxb-1"}, "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET"},
		{Config{BotToken: "xoxb-1", AppToken: "xoxb-2"}, "SLACK_APP_TOKEN must be an app-level token"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
	p, err := New(Config{BotToken: "xoxb-1", AppToken: "xapp-1"})
	if err != nil || p.HTTPHandler() != nil {
		t.Errorf("socket mode platform: err %v, HTTPHandler %v", err, p.HTTPHandler())
	}
}

func TestFormThatCannotOpenIsReported(t *testing.T) {
	h := start(t)
	h.srv.SetUserLocale(bob, "fr-FR")
	h.srv.InjectError("views.open", "expired_trigger_id")
	r := h.srv.SlashCommand("C0TEAM", alice, "edit 9")
	if r.View != nil || r.ResponseType != "ephemeral" || r.Text != "The form could not be opened. Please try again." {
		t.Errorf("answer when the modal cannot open = %+v", r)
	}
	// In the language of the member's Slack.
	h.srv.InjectError("views.open", "expired_trigger_id")
	if r := h.srv.SlashCommand("C0TEAM", bob, "edit 9"); r.Text != "Le formulaire n'a pas pu être ouvert. Veuillez réessayer." {
		t.Errorf("answer to a French-speaking member = %q", r.Text)
	}
}

func TestUserGroupRefreshDoesNotHoldUpEvents(t *testing.T) {
	// Every lookup finds the list of user groups stale.
	h := start(t, tune(func(p *Platform) { p.groups.ttl = 0 }))
	card := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Card: &bot.Card{
		Title: "Item 1", Buttons: []bot.Button{{Label: "Approve", ID: "card/approve/1"}}}})
	byDave := func(e bot.Event) bool { return e.Kind == bot.EventAction && e.User.ID == dave }
	h.srv.ClickButton("C0TEAM", card.ID, dave, "card/approve/1")
	h.waitEvent("first click", byDave)

	// Slack is slow to list the groups again: clicks are handled meanwhile,
	// with the list read before, and the list is asked for once.
	h.srv.InjectStall("usergroups.list")
	h.srv.ClickButton("C0TEAM", card.ID, dave, "card/approve/1")
	h.srv.ClickButton("C0TEAM", card.ID, dave, "card/approve/1")
	for _, e := range h.waitEvents("by the staff group member", 3, byDave) {
		if len(e.User.Roles) != 1 || e.User.Roles[0] != "S0MODS" {
			t.Errorf("user = %+v, want the S0MODS role", e.User)
		}
	}
	if n := len(h.srv.WaitCalls("usergroups.list", 2)); n != 2 {
		t.Errorf("usergroups.list called %d times, want one refresh at a time", n)
	}
}

func TestFirstUserGroupLookupWaitsBriefly(t *testing.T) {
	h := start(t)
	release := h.srv.InjectStall("usergroups.list")
	// The list never came: the command is answered without it.
	if r := h.srv.SlashCommand("C0TEAM", bob, "help"); !strings.Contains(r.Text, "/cm help") {
		t.Errorf("help = %q", r.Text)
	}
	// Once it comes, group members are known.
	release()
	card := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Card: &bot.Card{
		Title: "Item 2", Buttons: []bot.Button{{Label: "Approve", ID: "card/approve/2"}}}})
	h.srv.ClickButton("C0TEAM", card.ID, dave, "card/approve/2")
	e := h.waitEvent("staff group member", func(e bot.Event) bool { return e.Kind == bot.EventAction && e.User.ID == dave })
	if len(e.User.Roles) != 1 || e.User.Roles[0] != "S0MODS" {
		t.Errorf("user = %+v, want the S0MODS role", e.User)
	}
}

func TestStopFinishesAcknowledgedEvents(t *testing.T) {
	h := start(t, tune(func(p *Platform) { p.concurrency = 1 }))
	slow := h.srv.Command("C0TEAM", bob, "slow")
	h.waitEvent("slow command", func(e bot.Event) bool { return e.Kind == bot.EventCommand && e.Command == "slow" })
	// The one slot is taken: this command is acknowledged and waits for it.
	help := h.srv.Command("C0TEAM", bob, "help")

	// Run is told to stop while both are pending; then the slow one ends.
	h.cancel()
	close(h.release)
	h.stop()
	for _, c := range []struct {
		name string
		in   *slacktest.Interaction
		want string
	}{{"slow", slow, "slow answer"}, {"help", help, "/cm help"}} {
		if rs := c.in.Responses(); len(rs) != 1 || !strings.Contains(rs[0].Text, c.want) {
			t.Errorf("answers to /cm %s when Run returned: %+v", c.name, rs)
		}
	}
}

func TestStopAnswersSlowModalSubmit(t *testing.T) {
	h := start(t)
	if r := h.srv.SlashCommand("C0TEAM", alice, "edit 5"); r.View == nil {
		t.Fatal("no modal")
	}
	if ack := h.srv.SubmitView(alice, "form/draft/5", map[string]string{"draft": "slow"}); ack != nil {
		t.Fatalf("ack = %s, want empty (close)", ack)
	}
	h.cancel()
	close(h.release)
	h.stop()
	if eph := h.srv.Ephemerals(); len(eph) != 1 || eph[0].Text != "Sent the slow reply" || eph[0].User != alice {
		t.Errorf("answers when Run returned: %+v", eph)
	}
}
