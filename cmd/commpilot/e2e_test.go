package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
	"github.com/commpilot/commpilot/storage"

	openai "github.com/sashabaranov/go-openai"
)

// world is the real Main against a fake Discord, a fake Slack and a fake
// OpenAI-compatible server, all on 127.0.0.1.
type world struct {
	t       *testing.T
	discord *discordtest.Server
	slack   *slacktest.Server
	llm     *llmtest.Server
	cfg     Config
	main    *Main
}

const (
	slackTeam      = "C0TEAM"
	slackCommunity = "C0COMMUNITY"
	slackAlice     = "U0ALICE"
	slackBob       = "U0BOB"
)

// newWorld starts the world; each option may change the configuration first.
func newWorld(t *testing.T, options ...func(*Config)) *world {
	t.Helper()
	w := &world{t: t, discord: discordtest.New(t), slack: slacktest.New(t), llm: llmtest.New(t)}
	w.slack.AddUser(slackAlice, "alice", false)
	w.slack.AddUser(slackBob, "bob", false)
	w.cfg = Config{
		DiscordToken: discordtest.Token, DiscordAPIURL: w.discord.URL(), DiscordGuildID: discordtest.GuildID,
		SlackBotToken: slacktest.BotToken, SlackAppToken: slacktest.AppToken, SlackAPIURL: w.slack.APIURL(),
		OpenAIBaseURL: w.llm.URL(), OpenAIModel: "fake-model",
		DBPath: filepath.Join(t.TempDir(), "commpilot.db"), HTTPAddr: "127.0.0.1:0",
		Initial: bot.Settings{
			TeamChannel: bot.ChannelRef{Platform: bot.Slack, ID: slackTeam},
			Watch: []bot.ChannelRef{{Platform: bot.Discord, ID: discordtest.ChannelID},
				{Platform: bot.Slack, ID: slackCommunity}},
			Brand: []string{"Acme"},
			Staff: []string{"slack:" + slackAlice, "discord-role:" + discordtest.RoleStaff},
		},
	}
	for _, o := range options {
		o(&w.cfg)
	}
	w.start()
	return w
}

func (w *world) start() {
	w.t.Helper()
	w.main = NewMain(w.cfg, testLogger(w.t))
	if err := w.main.Run(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	m := w.main
	w.t.Cleanup(func() { m.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.discord.WaitConnected(ctx); err != nil {
		w.t.Fatalf("discord: %v", err)
	}
	if _, err := w.discord.WaitCommands(ctx); err != nil {
		w.t.Fatalf("discord commands: %v", err)
	}
	if w.cfg.SlackSigningSecret != "" { // HTTP mode: Slack posts to the bot's address
		w.slack.DeliverHTTP("http://"+w.main.HTTPAddr, w.cfg.SlackSigningSecret)
	} else {
		w.slack.WaitConnections(1)
	}
	waitUntil(w.t, "/healthz to report both platforms connected", w.healthy)
}

// healthy reports whether /healthz says ok with both platforms connected.
func (w *world) healthy() bool {
	resp, err := http.Get("http://" + w.main.HTTPAddr + "/healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h Health
	if json.NewDecoder(resp.Body).Decode(&h) != nil {
		return false
	}
	return resp.StatusCode == http.StatusOK && h.Status == "ok" && h.Database == "ok" &&
		h.Platforms[bot.Discord] == bot.StateConnected && h.Platforms[bot.Slack] == bot.StateConnected
}

func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

// slackCard waits for the n-th bot message in the Slack team channel.
func (w *world) slackCard(n int) slacktest.Message {
	w.t.Helper()
	msgs := w.slack.WaitBotMessages(slackTeam, n)
	if len(msgs) < n {
		w.t.Fatalf("want %d cards in the Slack team channel, got %d", n, len(msgs))
	}
	return msgs[n-1]
}

// stringsUnder lists, depth first, every string value of key in a JSON document.
func stringsUnder(t *testing.T, doc json.RawMessage, key string) []string {
	t.Helper()
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x[key].(string); ok {
				out = append(out, s)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	walk(v)
	return out
}

// actionIDs lists the action_ids of a Block Kit message's buttons.
func actionIDs(t *testing.T, blocks json.RawMessage) []string {
	t.Helper()
	return stringsUnder(t, blocks, "action_id")
}

// blockText joins every text of a Block Kit message, as a reader sees it.
func blockText(t *testing.T, blocks json.RawMessage) string {
	t.Helper()
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(strings.Join(stringsUnder(t, blocks, "text"), "\n"))
}

func actionID(t *testing.T, blocks json.RawMessage, prefix string) string {
	t.Helper()
	for _, id := range actionIDs(t, blocks) {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no %s button in %s", prefix, blocks)
	return ""
}

// discordReplies lists the bot's messages in a Discord channel that reply to msgID.
func (w *world) discordReplies(channel, msgID string) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range w.discord.Messages(channel) {
		if m.FromBot() && m.Reference != nil && m.Reference.MessageID == msgID {
			out = append(out, m)
		}
	}
	return out
}

func (w *world) waitDiscordReplies(channel, msgID string, n int) []discordtest.Message {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r := w.discordReplies(channel, msgID); len(r) >= n {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.t.Fatalf("want %d replies to %s on Discord, got %d", n, msgID, len(w.discordReplies(channel, msgID)))
	return nil
}

// ephemeral waits for the n-th ephemeral answer on Slack and returns its text.
func (w *world) ephemeral(n int) string {
	w.t.Helper()
	e := w.slack.WaitEphemerals(n)
	if len(e) < n {
		w.t.Fatalf("want %d ephemeral answers, got %d", n, len(e))
	}
	return e[n-1].Shown()
}

func (w *world) slackMessage(channel, ts string) slacktest.Message {
	for _, m := range w.slack.Messages(channel) {
		if m.TS == ts {
			return m
		}
	}
	w.t.Fatalf("no message %s in %s", ts, channel)
	return slacktest.Message{}
}

// waitUntil polls the fakes until cond holds: they are real servers on
// loopback, so this waits for I/O, not for a timer; the bound only limits how
// long a failing test takes on a loaded machine.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEndToEndDiscordComplaintApprovedFromSlack(t *testing.T) {
	w := newWorld(t)
	msgID := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme order never arrived, still waiting after 3 weeks")
	card := w.slackCard(1)
	if !strings.Contains(string(card.Blocks), "#1 from @Bob") {
		t.Errorf("card does not say what it is: %s", card.Blocks)
	}
	if !strings.Contains(string(card.Blocks), "My Acme order never arrived") {
		t.Errorf("card does not quote the message: %s", card.Blocks)
	}
	if len(w.discordReplies(discordtest.ChannelID, msgID)) != 0 {
		t.Fatal("a reply went out before approval")
	}

	// Bob is not staff: refused, nothing sent.
	w.slack.ClickButton(slackTeam, card.TS, slackBob, actionID(t, card.Blocks, "inbox/approve/"))
	if got := w.ephemeral(1); !strings.Contains(got, "Only staff") {
		t.Errorf("non-staff click: %q", got)
	}

	// Alice approves twice at once: one reply.
	approve := actionID(t, card.Blocks, "inbox/approve/")
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { w.slack.ClickButton(slackTeam, card.TS, slackAlice, approve) })
	}
	wg.Wait()
	replies := w.waitDiscordReplies(discordtest.ChannelID, msgID, 1)
	w.ephemeral(3)
	time.Sleep(100 * time.Millisecond)
	if n := len(w.discordReplies(discordtest.ChannelID, msgID)); n != 1 {
		t.Fatalf("%d replies for a double approve", n)
	}
	if replies[0].Content == "" || !strings.Contains(blockText(t, card.Blocks), replies[0].Content) {
		t.Errorf("reply %q is not the draft on the card", replies[0].Content)
	}
	answers := w.slack.Ephemerals()
	sent, refused := 0, 0
	for _, a := range answers[1:] {
		switch {
		case strings.Contains(a.Shown(), "Reply to #1 sent"):
			sent++
		case strings.Contains(a.Shown(), "already"):
			refused++
		}
	}
	if sent != 1 || refused != 1 {
		t.Errorf("answers to the two clicks: %+v", answers)
	}
	waitUntil(t, "card updated to sent", func() bool {
		return strings.Contains(w.slackMessage(slackTeam, card.TS).Shown()+string(w.slackMessage(slackTeam, card.TS).Blocks), "Sent by @alice")
	})
	if ids := actionIDs(t, w.slackMessage(slackTeam, card.TS).Blocks); len(ids) != 0 {
		t.Errorf("sent card still has buttons %v", ids)
	}

	// The bot's own reply, echoed by the gateway or not, never becomes an item.
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.User{ID: discordtest.BotID, Username: "commpilot", Bot: true},
		"Acme order never arrived? We are sorry")
	time.Sleep(200 * time.Millisecond)
	if n := len(w.slack.BotMessages(slackTeam)); n != 1 {
		t.Errorf("%d cards: the bot's own message became an item", n)
	}
}

func TestEndToEndSlackCommunityTeamOnDiscord(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx()
	// Alice (Staff role) makes #team on Discord the team channel.
	_, res, err := w.discord.Command(ctx, discordtest.Alice, discordtest.TeamChannelID, "setup team-channel")
	if err != nil {
		t.Fatal(err)
	}
	if ans := res.Answer(); !ans.Ephemeral() || !strings.Contains(ans.Content, "Team channel set") {
		t.Fatalf("setup team-channel answer %+v", ans)
	}
	ts := w.slack.PostUserMessage(slackCommunity, slackBob, "Mijn Acme pakket is nog steeds niet geleverd, al twee weken!", "")
	cards, err := w.discord.WaitMessages(ctx, discordtest.TeamChannelID, 1)
	if err != nil {
		t.Fatal(err)
	}
	card := cards[0]
	var approve string
	for _, b := range discordtest.Buttons(card.Components) {
		if strings.HasPrefix(b.CustomID, "inbox/approve/") {
			approve = b.CustomID
		}
	}
	if approve == "" || len(card.Embeds) == 0 {
		t.Fatalf("card on Discord has no approve button: %+v", card)
	}
	// Bob is no staff on Discord either.
	if _, res, err := w.discord.Click(ctx, discordtest.Bob, discordtest.TeamChannelID, card.ID, approve); err != nil ||
		!strings.Contains(res.Answer().Content, "Only staff") {
		t.Errorf("bob's click: %+v %v", res.Answer(), err)
	}
	if _, _, err := w.discord.Click(ctx, discordtest.Alice, discordtest.TeamChannelID, card.ID, approve); err != nil {
		t.Fatal(err)
	}
	var reply slacktest.Message
	waitUntil(t, "reply in the Slack thread", func() bool {
		for _, m := range w.slack.BotMessages(slackCommunity) {
			if m.ThreadTS == ts {
				reply = m
				return true
			}
		}
		return false
	})
	if !strings.Contains(reply.Shown(), "Hallo") {
		t.Errorf("reply not in Dutch: %q", reply.Shown())
	}
	waitUntil(t, "card updated on Discord", func() bool {
		m, _ := w.discord.Message(discordtest.TeamChannelID, card.ID)
		return len(m.Embeds) > 0 && m.Embeds[0].Footer != nil && strings.Contains(m.Embeds[0].Footer.Text, "Sent by")
	})
}

func TestEndToEndEditRegenerateRejectAndStale(t *testing.T) {
	w := newWorld(t)
	first := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "Acme charged me twice for my subscription")
	card := w.slackCard(1)

	// Regenerate with an instruction: a new version; the old Approve is stale.
	oldApprove := actionID(t, card.Blocks, "inbox/approve/")
	w.slack.ClickButton(slackTeam, card.TS, slackAlice, actionID(t, card.Blocks, "inbox/regen/"))
	waitUntil(t, "regenerate form", func() bool { return len(w.slack.OpenedViews()) == 1 })
	view := w.slack.OpenedViews()[0]
	w.slack.SubmitView(slackAlice, view.CallbackID, map[string]string{"instruction": "shorter"})
	waitUntil(t, "card with draft v2", func() bool {
		return strings.Contains(string(w.slackMessage(slackTeam, card.TS).Blocks), "v2")
	})
	w.slack.ClickStaleButton(slackTeam, card.TS, slackAlice, oldApprove)
	waitUntil(t, "stale refusal", func() bool {
		for _, e := range w.slack.Ephemerals() {
			if strings.Contains(e.Shown(), "The draft changed — review the new version.") {
				return true
			}
		}
		return false
	})
	if n := len(w.discordReplies(discordtest.ChannelID, first)); n != 0 {
		t.Fatalf("stale approve sent %d replies", n)
	}

	// Edit: the form is prefilled; the edited text is what goes out.
	card = w.slackMessage(slackTeam, card.TS)
	w.slack.ClickButton(slackTeam, card.TS, slackAlice, actionID(t, card.Blocks, "inbox/edit/"))
	waitUntil(t, "edit form", func() bool { return len(w.slack.OpenedViews()) == 2 })
	edit := w.slack.OpenedViews()[1]
	ack := w.slack.SubmitView(slackAlice, edit.CallbackID, map[string]string{"draft": ""})
	if !strings.Contains(string(ack), "errors") {
		t.Errorf("empty edit accepted: %s", ack)
	}
	w.slack.SubmitView(slackAlice, edit.CallbackID, map[string]string{"draft": "Sorry Bob, the double charge is refunded today."})
	replies := w.waitDiscordReplies(discordtest.ChannelID, first, 1)
	if replies[0].Content != "Sorry Bob, the double charge is refunded today." {
		t.Errorf("edited reply %q", replies[0].Content)
	}

	// Reject another item with a reason.
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "Does Acme ship to Belgium?")
	second := w.slackCard(2)
	w.slack.ClickButton(slackTeam, second.TS, slackAlice, actionID(t, second.Blocks, "inbox/reject/"))
	waitUntil(t, "reject form", func() bool { return len(w.slack.OpenedViews()) == 3 })
	w.slack.SubmitView(slackAlice, w.slack.OpenedViews()[2].CallbackID, map[string]string{"reason": "answered in voice chat"})
	waitUntil(t, "card rejected", func() bool {
		m := w.slackMessage(slackTeam, second.TS)
		return strings.Contains(m.Shown()+string(m.Blocks), "answered in voice chat")
	})
}

func TestEndToEndLLMDownGivesOfflineDraft(t *testing.T) {
	w := newWorld(t)
	w.llm.Respond(func(openai.ChatCompletionRequest) (int, string) { return 500, llmtest.ErrorBody(500, "overloaded") })
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "Toujours pas reçu ma commande Acme, c'est inadmissible")
	card := w.slackCard(1)
	blocks := string(card.Blocks)
	if !strings.Contains(blocks, "offline draft") || !strings.Contains(blocks, "Bonjour") {
		t.Errorf("card should carry an offline French draft and say why: %s", blocks)
	}
}

func TestEndToEndCrashBetweenSendingAndSent(t *testing.T) {
	w := newWorld(t)
	msgID := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme parcel never arrived")
	card := w.slackCard(1)
	if err := w.main.Close(); err != nil {
		t.Fatal(err)
	}
	// The process died after moving the item to "sending", before the
	// platform answered: that is what this write leaves behind.
	db, err := storage.Open(context.Background(), w.cfg.DBPath, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storage.NewInbox(db).UpdateItem(context.Background(), 1, func(it *bot.Item) error {
		it.State, it.Approver = bot.ItemSending, bot.UserRef{Platform: bot.Slack, ID: slackAlice, Name: "alice"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	w.start()
	waitUntil(t, "card asking a person", func() bool {
		m := w.slackMessage(slackTeam, card.TS)
		return strings.Contains(m.Shown()+string(m.Blocks), "could not confirm")
	})
	time.Sleep(200 * time.Millisecond)
	if n := len(w.discordReplies(discordtest.ChannelID, msgID)); n != 0 {
		t.Fatalf("the interrupted reply was resent %d times", n)
	}
}

func TestEndToEndDelayedSendSurvivesARestart(t *testing.T) {
	w := newWorld(t)
	if err := w.main.Close(); err != nil {
		t.Fatal(err)
	}
	const delay = 2 * time.Second
	w.cfg.Initial.SendDelay = bot.Duration(delay)
	w.start()
	msgID := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme parcel never arrived")
	card := w.slackCard(1)
	approved := time.Now()
	w.slack.ClickButton(slackTeam, card.TS, slackAlice, actionID(t, card.Blocks, "inbox/approve/"))
	if got := w.ephemeral(1); !strings.Contains(got, "Sending in 2 s") {
		t.Errorf("approve with a delay: %q", got)
	}
	if err := w.main.Close(); err != nil { // stopped during the delay
		t.Fatal(err)
	}
	if n := len(w.discordReplies(discordtest.ChannelID, msgID)); n != 0 {
		t.Fatalf("%d replies before the delay was over", n)
	}
	w.start()
	w.waitDiscordReplies(discordtest.ChannelID, msgID, 1)
	if waited := time.Since(approved); waited < delay {
		t.Errorf("sent %v after the approval, before the %v delay", waited, delay)
	}
	waitUntil(t, "card updated to sent", func() bool {
		m := w.slackMessage(slackTeam, card.TS)
		return strings.Contains(m.Shown()+string(m.Blocks), "Sent by @alice")
	})
	if n := len(w.discordReplies(discordtest.ChannelID, msgID)); n != 1 {
		t.Errorf("%d replies after the restart, want 1", n)
	}
}

// testLogger logs through t.Log at warn level and above (all with -v).
func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: level}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func TestEndToEndSetupFromDiscord(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx()
	_, res, err := w.discord.Command(ctx, discordtest.Alice, discordtest.TeamChannelID, "setup staff",
		discordtest.Str("op", "add"), discordtest.MentionableOpt("who", discordtest.RoleMember, true))
	if err != nil {
		t.Fatal(err)
	}
	if ans := res.Answer(); !ans.Ephemeral() || !strings.Contains(ans.Content, "<@&"+discordtest.RoleMember+"> (discord) is now staff") {
		t.Fatalf("staff add answer %+v", ans)
	}
	// Bob holds the Member role, so he is staff now.
	_, res, err = w.discord.Command(ctx, discordtest.Bob, discordtest.TeamChannelID, "setup timezone", discordtest.Str("zone", "Europe/Brussels"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Answer().Content; !strings.Contains(got, "Time zone set to Europe/Brussels") {
		t.Errorf("member-role staff: %q", got)
	}
	_, res, err = w.discord.Command(ctx, discordtest.Bob, discordtest.TeamChannelID, "setup timezone", discordtest.Str("zone", "Mars/Base"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Answer(); !got.Ephemeral() || !strings.Contains(got.Content, `Unknown time zone "Mars/Base"`) {
		t.Errorf("bad zone: %+v", got)
	}
	got := w.slack.SlashCommand(slackTeam, slackAlice, "setup show")
	if !strings.Contains(got.Shown(), "Europe/Brussels") || got.ResponseType == "in_channel" {
		t.Errorf("slack setup show: %+v", got)
	}
	if got := w.slack.SlashCommand(slackTeam, slackBob, "setup language fr"); !strings.Contains(got.Shown(), "Only staff") {
		t.Errorf("slack non-staff: %q", got.Shown())
	}
}

func TestEndToEndOtherDiscordServerIsRefused(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx()
	// The owner administers the guild; in another server the bot was added
	// to, /cm is refused and changes nothing.
	_, res, err := w.discord.Command(ctx, discordtest.Owner, discordtest.OtherChannelID, "setup team-channel")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Answer(); !got.Ephemeral() || got.Content != "commpilot is not set up for this server." {
		t.Errorf("answer %+v", got)
	}
	if got := w.slack.SlashCommand(slackTeam, slackAlice, "setup show"); !strings.Contains(got.Shown(), "Team channel: <#"+slackTeam+"> (slack)") {
		t.Errorf("team channel changed: %s", got.Shown())
	}
}

func TestRejectedTokenStopsTheBotWithoutPrintingIt(t *testing.T) {
	dsrv := discordtest.New(t)
	m := NewMain(Config{DiscordToken: "wrong-secret-token", DiscordAPIURL: dsrv.URL(),
		DBPath: filepath.Join(t.TempDir(), "commpilot.db"), HTTPAddr: "127.0.0.1:0"}, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	select {
	case <-m.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the bot kept running with a rejected token")
	}
	err := m.Err()
	if err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN was rejected") || strings.Contains(err.Error(), "wrong-secret-token") {
		t.Errorf("err = %v", err)
	}
}
