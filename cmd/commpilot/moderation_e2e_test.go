package main

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
	"github.com/commpilot/commpilot/storage"
)

// modWorld is the real Main against the fakes with the team channel on
// Discord (#team), so moderation alerts and their buttons are on Discord.
func modWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	w.command(discordtest.Alice, discordtest.TeamChannelID, "setup team-channel", "Team channel set")
	return w
}

// command runs a /cm command on Discord and checks its answer contains want.
func (w *world) command(u discordtest.User, channel, route, want string, opts ...discordtest.Option) string {
	w.t.Helper()
	_, res, err := w.discord.Command(w.ctx(), u, channel, route, opts...)
	if err != nil {
		w.t.Fatalf("/cm %s: %v", route, err)
	}
	ans := res.Answer().Content
	if !strings.Contains(ans, want) {
		w.t.Fatalf("/cm %s answered %q, want %q in it", route, ans, want)
	}
	return ans
}

func (w *world) addRule(name, rule string) {
	w.t.Helper()
	w.command(discordtest.Alice, discordtest.TeamChannelID, "rule add", "Rule "+name+" saved",
		discordtest.Str("name", name), discordtest.Str("rule", rule))
}

// gone reports whether message id is no longer in channel.
func (w *world) gone(channel, id string) bool {
	_, ok := w.discord.Message(channel, id)
	return !ok
}

// dms returns the bot's messages in its DM channel with u.
func (w *world) dms(u discordtest.User) []discordtest.Message {
	return w.discord.Messages(w.discord.DMChannel(u.ID))
}

// modCard waits for the n-th card in Discord's #team whose title says "Case"
// or "would", and returns it.
func (w *world) modCard(n int, what string) discordtest.Message {
	w.t.Helper()
	var card discordtest.Message
	waitUntil(w.t, what, func() bool {
		seen := 0
		for _, m := range w.discord.Messages(discordtest.TeamChannelID) {
			if len(m.Embeds) > 0 && (strings.Contains(m.Embeds[0].Title, "Case #") || strings.Contains(m.Embeds[0].Title, "would have")) {
				seen++
				if seen == n {
					card = m
					return true
				}
			}
		}
		return false
	})
	return card
}

func cardText(m discordtest.Message) string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

func TestModerationSpamInviteDeletedAndMemberWarned(t *testing.T) {
	w := newWorld(t)
	w.addRule("no-invites", "invites delete,warn")
	id := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "Rejoins mon serveur Acme, c'est génial : discord.gg/abc123")
	waitUntil(t, "the invite deleted", func() bool { return w.gone(discordtest.ChannelID, id) })
	waitUntil(t, "bob warned by DM", func() bool { return len(w.dms(discordtest.Bob)) == 1 })
	dm := w.dms(discordtest.Bob)[0].Content
	// Bob wrote in French: the warning is in French and names the rule.
	if !strings.Contains(dm, "« no-invites »") || !strings.Contains(dm, "règles du serveur") {
		t.Errorf("warning DM %q: want French naming the rule", dm)
	}
	// A deleted message never becomes an inbox item: the next Acme
	// message is card #1.
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme order never arrived, still waiting after 3 weeks")
	card := w.slackCard(1)
	if !strings.Contains(string(card.Blocks), "#1 from @Bob") || strings.Contains(string(card.Blocks), "discord.gg") {
		t.Errorf("inbox card: %s", card.Blocks)
	}
	// The case is in the log.
	cases, err := storage.NewModeration(w.main.DB).Cases(context.Background(), "discord:"+discordtest.Bob.ID, 10)
	if err != nil || len(cases) != 1 || cases[0].Rule != "no-invites" || strings.Join(cases[0].Actions, ",") != "delete,warn" {
		t.Fatalf("cases = %+v, %v", cases, err)
	}
	// Staff are never acted on.
	sid := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Alice, "our partner server: discord.gg/partner")
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "discord.gg/again")
	waitUntil(t, "bob's second case", func() bool {
		cs, _ := storage.NewModeration(w.main.DB).Cases(context.Background(), "", 10)
		return len(cs) == 2
	})
	if w.gone(discordtest.ChannelID, sid) {
		t.Error("a staff member's invite was deleted")
	}
}

func TestModerationFloodTimedOutAndBulkDeleted(t *testing.T) {
	w := modWorld(t)
	w.addRule("flood", "rate:5/10s timeout:5m,delete,alert")
	var ids []string
	for i := range 5 {
		ids = append(ids, w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "spam "+string(rune('a'+i))))
	}
	waitUntil(t, "bob timed out", func() bool {
		m := w.discord.Member(discordtest.Bob.ID)
		return m != nil && m["communication_disabled_until"] != nil
	})
	until, err := time.Parse(time.RFC3339, w.discord.Member(discordtest.Bob.ID)["communication_disabled_until"].(string))
	if err != nil || until.Before(time.Now().Add(4*time.Minute)) || until.After(time.Now().Add(6*time.Minute)) {
		t.Errorf("timeout until %v (%v), want about 5 minutes from now", until, err)
	}
	waitUntil(t, "the flood deleted", func() bool {
		for _, id := range ids {
			if !w.gone(discordtest.ChannelID, id) {
				return false
			}
		}
		return true
	})
	if n := len(w.discord.RequestsTo("POST", "/channels/"+discordtest.ChannelID+"/messages/bulk-delete")); n != 1 {
		t.Errorf("%d bulk deletes, want the five messages in one", n)
	}
	card := w.modCard(1, "the flood alert")
	if txt := cardText(card); !strings.Contains(txt, "timeout:5m") || !strings.Contains(txt, "mod/undo/") {
		t.Errorf("alert card: %s", txt)
	}
}

func TestModerationDryRunOnlyAlerts(t *testing.T) {
	w := modWorld(t)
	ans := w.command(discordtest.Alice, discordtest.TeamChannelID, "rule add", "dry-run",
		discordtest.Str("name", "shouting"), discordtest.Str("rule", "caps:70% warn,delete dry-run"))
	if !strings.Contains(ans, "acts on nothing") {
		t.Errorf("answer %q", ans)
	}
	id := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "WHY IS NOBODY ANSWERING MY QUESTION")
	card := w.modCard(1, "the dry-run alert")
	if txt := cardText(card); !strings.Contains(txt, "would have") || !strings.Contains(txt, "warn, delete") || strings.Contains(txt, "mod/undo") {
		t.Errorf("dry-run card: %s", txt)
	}
	if w.gone(discordtest.ChannelID, id) || len(w.dms(discordtest.Bob)) != 0 {
		t.Error("a dry-run rule acted")
	}
}

func TestModerationUndoLiftsTimeout(t *testing.T) {
	w := modWorld(t)
	w.addRule("no-slurs", "words:idiot,crétin delete,timeout:10m,alert")
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "t'es qu'un CRÉT1N")
	card := w.modCard(1, "the alert card")
	waitUntil(t, "bob timed out", func() bool {
		m := w.discord.Member(discordtest.Bob.ID)
		return m != nil && m["communication_disabled_until"] != nil
	})
	var undo string
	for _, b := range discordtest.Buttons(card.Components) {
		if strings.HasPrefix(b.CustomID, "mod/undo/") {
			undo = b.CustomID
		}
	}
	if undo == "" {
		t.Fatalf("no Undo button on %s", cardText(card))
	}
	// Bob cannot press it.
	if _, res, err := w.discord.Click(w.ctx(), discordtest.Bob, discordtest.TeamChannelID, card.ID, undo); err != nil || !strings.Contains(res.Answer().Content, "Only staff") {
		t.Errorf("bob's click: %+v %v", res.Answer(), err)
	}
	if _, _, err := w.discord.Click(w.ctx(), discordtest.Alice, discordtest.TeamChannelID, card.ID, undo); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the timeout lifted", func() bool {
		m := w.discord.Member(discordtest.Bob.ID)
		return m != nil && m["communication_disabled_until"] == nil
	})
	c, err := storage.NewModeration(w.main.DB).Case(context.Background(), 1)
	if err != nil || !c.Undone || c.UndoneBy != "discord:"+discordtest.Alice.ID {
		t.Errorf("case 1 = %+v, %v", c, err)
	}
	waitUntil(t, "the card updated", func() bool {
		m, _ := w.discord.Message(discordtest.TeamChannelID, card.ID)
		return len(m.Embeds) > 0 && m.Embeds[0].Footer != nil && strings.Contains(m.Embeds[0].Footer.Text, "Undone by")
	})
}

func TestModerationStrikesEscalateToKick(t *testing.T) {
	w := modWorld(t)
	w.command(discordtest.Alice, discordtest.TeamChannelID, "setup strikes", "Escalation: 2:kick", discordtest.Str("spec", "2:kick"))
	w.addRule("scam", "words:scam* warn")
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "this is not a scam")
	waitUntil(t, "first warning", func() bool { return len(w.dms(discordtest.Bob)) == 1 })
	if m := w.discord.Member(discordtest.Bob.ID); m != nil && m["kicked"] == true {
		t.Fatal("kicked after one strike")
	}
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "scammers everywhere")
	waitUntil(t, "bob kicked at two strikes", func() bool {
		m := w.discord.Member(discordtest.Bob.ID)
		return m != nil && m["kicked"] == true
	})
	waitUntil(t, "the escalation case", func() bool {
		cs, _ := storage.NewModeration(w.main.DB).Cases(context.Background(), "", 10)
		return len(cs) == 3
	})
	if r := w.discord.Member(discordtest.Bob.ID)["audit_reason"]; r != "commpilot: 2 strikes" {
		t.Errorf("kick audit reason %q", r)
	}
	ans := w.command(discordtest.Alice, discordtest.TeamChannelID, "case list", "Latest 3 cases", discordtest.UserOpt("member", discordtest.Bob.ID))
	if !strings.Contains(ans, "kick (strikes)") {
		t.Errorf("case list: %q", ans)
	}
}

func TestModerationBacktestOverSeededHistory(t *testing.T) {
	w := modWorld(t)
	now := time.Now()
	texts := []string{"you idiot", "hello all", "what an 1d10t", "idiotic idea", "i.d.i.o.t"}
	for i, txt := range texts {
		w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, txt, discordtest.At(now.Add(-time.Duration(5-i)*time.Hour)))
	}
	waitUntil(t, "the history stored", func() bool {
		n := 0
		_ = storage.NewMessageLog(w.main.DB).Range(context.Background(), bot.HistoryFilter{}, func(bot.LoggedMessage) bool { n++; return true })
		return n == len(texts)
	})
	ans := w.command(discordtest.Alice, discordtest.TeamChannelID, "rule backtest", "messages scanned: 5 · matches: 3",
		discordtest.Str("name", "insults"), discordtest.Str("period", "1d"), discordtest.Str("rule", "words:idiot delete,warn"))
	for _, want := range []string{"@Bob 3", "delete 3", "warn 3", "you idiot", "i.d.i.o.t"} {
		if !strings.Contains(ans, want) {
			t.Errorf("backtest report lacks %q:\n%s", want, ans)
		}
	}
	if strings.Contains(ans, "idiotic") {
		t.Errorf("backtest matched a longer word:\n%s", ans)
	}
	// The progress message ends with the result; nothing was acted on.
	waitUntil(t, "the progress message finished", func() bool {
		for _, m := range w.discord.Messages(discordtest.TeamChannelID) {
			if strings.Contains(m.Content, "Backtest of insults finished — messages scanned: 5 · matches: 3.") {
				return true
			}
		}
		return false
	})
	if len(w.dms(discordtest.Bob)) != 0 {
		t.Error("a backtest acted")
	}
}

func TestModerationNonStaffRefusedOnEveryVerb(t *testing.T) {
	w := newWorld(t)
	for _, route := range []string{"rule add", "rule edit", "rule list", "rule show", "rule enable", "rule disable", "rule remove",
		"rule test", "rule backtest", "setup strikes", "case list", "case show", "case note",
		"mod warn", "mod timeout", "mod kick", "mod ban", "mod unban"} {
		_, res, err := w.discord.Command(w.ctx(), discordtest.Bob, discordtest.ChannelID, route)
		if err != nil {
			t.Fatalf("%s: %v", route, err)
		}
		if ans := res.Answer().Content; !strings.Contains(ans, "Only staff") {
			t.Errorf("bob's /cm %s answered %q", route, ans)
		}
	}
	if rules, _ := storage.NewModeration(w.main.DB).Rules(context.Background()); len(rules) != 0 {
		t.Errorf("rules stored: %+v", rules)
	}
}

func TestModerationBadRuleRefusedNothingStored(t *testing.T) {
	w := newWorld(t)
	ans := w.command(discordtest.Alice, discordtest.TeamChannelID, "rule add", "does not compile",
		discordtest.Str("name", "bad"), discordtest.Str("rule", "regex:(unclosed delete"))
	if !strings.Contains(ans, "missing closing )") {
		t.Errorf("answer %q lacks the parser's reason", ans)
	}
	w.command(discordtest.Alice, discordtest.TeamChannelID, "rule add", "not a trigger",
		discordtest.Str("name", "bad"), discordtest.Str("rule", "swearing delete"))
	if rules, _ := storage.NewModeration(w.main.DB).Rules(context.Background()); len(rules) != 0 {
		t.Errorf("rules stored: %+v", rules)
	}
	// On Slack, what Slack cannot do is refused at rule add.
	resp := w.slack.SlashCommand(slackTeam, slackAlice, "rule add no-invites invites delete,warn")
	if !strings.Contains(resp.Text, "not supported on Slack") {
		t.Errorf("Slack answer %+v", resp)
	}
	// rule test shows the normalised text and what each rule would do.
	w.addRule("no-invites", "invites delete,warn")
	ans = w.command(discordtest.Alice, discordtest.TeamChannelID, "rule test", "no-invites matches",
		discordtest.Str("text", "Rejoins mon serveur discord.gg/abc"))
	if !strings.Contains(ans, `Normalised: "rejoins mon serveur discord.gg/abc"`) || !strings.Contains(ans, "would: delete, warn") {
		t.Errorf("rule test: %q", ans)
	}
}

func TestModerationSlowmodeBanUnbanAndMissingPermission(t *testing.T) {
	w := modWorld(t)
	// The bot's role may not time members out: the alert card says so.
	w.discord.DenyPermission("PATCH", "/guilds/")
	w.addRule("raid", "mentions:3 slowmode:30s,timeout:1h,alert")
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "<@700000000000000001> <@700000000000000003> <@700000000000000009> look")
	card := w.modCard(1, "the raid alert")
	txt := cardText(card)
	if !strings.Contains(txt, "timeout:1h: missing permission") || !strings.Contains(txt, "role is above") {
		t.Errorf("alert card does not report the refused timeout: %s", txt)
	}
	waitUntil(t, "slow mode on #general", func() bool { return w.discord.Slowmode(discordtest.ChannelID) == 30 })
	if strings.Contains(txt, "mod/undo/") {
		t.Errorf("Undo offered for a timeout that failed: %s", txt)
	}
	// Manual ban and unban, each a case.
	w.command(discordtest.Alice, discordtest.ChannelID, "mod ban", "Done: banned <@", discordtest.UserOpt("member", discordtest.Bob.ID), discordtest.Str("reason", "raid"))
	if reason, ok := w.discord.Ban(discordtest.Bob.ID); !ok || !strings.Contains(reason, "raid") {
		t.Fatalf("ban: %q %v", reason, ok)
	}
	w.command(discordtest.Alice, discordtest.ChannelID, "mod unban", "Done: unbanned <@", discordtest.UserOpt("member", discordtest.Bob.ID))
	if _, ok := w.discord.Ban(discordtest.Bob.ID); ok {
		t.Error("still banned after /cm mod unban")
	}
	cases, _ := storage.NewModeration(w.main.DB).Cases(context.Background(), "discord:"+discordtest.Bob.ID, 10)
	if len(cases) != 3 || cases[0].Actions[0] != "unban" || cases[1].Actions[0] != "ban" || cases[0].Staff.ID != discordtest.Alice.ID {
		t.Errorf("cases = %+v", cases)
	}
}

func TestModerationOnSlackWarnsAndKicksFromTheChannel(t *testing.T) {
	w := newWorld(t)
	if resp := w.slack.SlashCommand(slackTeam, slackAlice, "rule add no-invites invites warn,kick,alert"); !strings.Contains(resp.Text, "Rule no-invites saved") {
		t.Fatalf("rule add on Slack: %+v", resp)
	}
	w.slack.PostUserMessage(slackCommunity, slackBob, "join us at discord.gg/abc123", "")
	kicks := w.slack.WaitCalls("conversations.kick", 1)
	if len(kicks) != 1 || !strings.Contains(kicks[0].Params.Encode(), slackBob) || !strings.Contains(kicks[0].Params.Encode(), slackCommunity) {
		t.Fatalf("kicks = %+v", kicks)
	}
	w.slack.WaitCalls("conversations.open", 1) // the warning DM
	waitUntil(t, "the alert in the Slack team channel", func() bool {
		for _, m := range w.slack.BotMessages(slackTeam) {
			if strings.Contains(string(m.Blocks), "no-invites") {
				return true
			}
		}
		return false
	})
}

// A rule whose action the bot may not do on the server says so when it is
// added (here an admin removed the bot's role, so it lacks Moderate
// Members); a rule it can carry out adds no warning.
func TestModerationRuleAddWarnsOfMissingPermissions(t *testing.T) {
	w := modWorld(t)
	ans := w.command(discordtest.Alice, discordtest.TeamChannelID, "rule add", "Rule flood saved",
		discordtest.Str("name", "flood"), discordtest.Str("rule", "rate:5/10s timeout:5m"))
	if strings.Contains(ans, "lacks") {
		t.Errorf("with its role the bot may time members out, yet: %q", ans)
	}
	w.discord.SetBotRoles()
	waitUntil(t, "the bot's roles taken away", func() bool {
		return w.main.Engine.MissingPermission(w.ctx(), bot.Discord, bot.ActTimeout) != ""
	})
	ans = w.command(discordtest.Alice, discordtest.TeamChannelID, "rule add", "Rule shouting saved",
		discordtest.Str("name", "shouting"), discordtest.Str("rule", "caps:70% delete,timeout:10m"))
	for _, want := range []string{"The bot lacks Moderate Members", "timeout:10m will fail", "The bot lacks Manage Messages"} {
		if !strings.Contains(ans, want) {
			t.Errorf("answer %q lacks %q", ans, want)
		}
	}
}

// A temporary ban is lifted by the bot itself when its time comes, from the
// durable timer: still in force a day later, lifted once seven days have
// passed, across restarts (the clock is the core's, moved between them).
func TestModerationTemporaryBanLiftedAfterItsTime(t *testing.T) {
	w := modWorld(t)
	w.restartWith((&offsetClock{}).now, nil)
	w.command(discordtest.Alice, discordtest.ChannelID, "mod ban", "Done: banned <@",
		discordtest.UserOpt("member", discordtest.Bob.ID), discordtest.Str("reason", "7d raid"))
	if _, ok := w.discord.Ban(discordtest.Bob.ID); !ok {
		t.Fatal("not banned")
	}
	dayLater := &offsetClock{}
	dayLater.set(time.Now().Add(24 * time.Hour))
	w.restartWith(dayLater.now, nil)
	if _, ok := w.discord.Ban(discordtest.Bob.ID); !ok {
		t.Fatal("the seven-day ban was lifted after one day")
	}
	weekLater := &offsetClock{}
	weekLater.set(time.Now().Add(8 * 24 * time.Hour))
	w.restartWith(weekLater.now, nil)
	waitUntil(t, "the ban lifted after its seven days", func() bool {
		_, banned := w.discord.Ban(discordtest.Bob.ID)
		return !banned
	})
}

// The bot does not try to moderate someone whose highest role is at or
// above its own: Discord would refuse. A manual timeout says why and sends
// nothing; a rule's timeout is reported on the alert card as not done.
func TestModerationRefusesMembersAboveTheBot(t *testing.T) {
	w := modWorld(t)
	w.addRule("flood", "rate:3/10s timeout:5m,alert")
	// An admin moves the bot below the Member role Bob holds.
	w.discord.SetBotRoles()
	waitUntil(t, "the bot's roles taken away", func() bool {
		return w.main.Engine.AboveBot(w.ctx(), bot.UserRef{Platform: bot.Discord, ID: discordtest.Bob.ID, Roles: discordtest.Bob.Roles})
	})
	before := len(w.discord.RequestsTo("PATCH", "/guilds/"))
	w.command(discordtest.Alice, discordtest.ChannelID, "mod timeout", "can't act on",
		discordtest.UserOpt("member", discordtest.Bob.ID), discordtest.Str("duration", "10m"), discordtest.Str("reason", "spam"))
	for range 3 {
		w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "join my server now")
	}
	card := w.modCard(1, "the flood alert")
	if txt := cardText(card); !strings.Contains(txt, "above the bot") {
		t.Errorf("alert card does not say the timeout was not done: %s", txt)
	}
	if n := len(w.discord.RequestsTo("PATCH", "/guilds/")); n != before {
		t.Errorf("%d member edits were sent to Discord for a member above the bot", n-before)
	}
}

// The attachments trigger reads the files Discord says a message carries:
// an .exe is deleted, a photo is not.
func TestModerationAttachmentsFromDiscord(t *testing.T) {
	w := modWorld(t)
	w.addRule("no-exe", "attachments:exe,scr delete")
	photo := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "look at this",
		discordtest.WithAttachment("cat.png", "image/png", 2048))
	exe := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "free game",
		discordtest.WithAttachment("Setup.EXE", "application/x-msdownload", 4096))
	waitUntil(t, "the .exe deleted", func() bool { return w.gone(discordtest.ChannelID, exe) })
	if w.gone(discordtest.ChannelID, photo) {
		t.Error("the photo was deleted too")
	}
}

// A borderline message (abuse in quotes) goes to the configured LLM as data,
// with the moderation schema; its verdict decides: targeted abuse is
// deleted, a report of abuse is left alone.
func TestModerationLLMJudgesBorderlineToxicity(t *testing.T) {
	w := modWorld(t)
	w.addRule("abuse", "toxic:act delete")
	var verdict atomic.Bool
	var judged atomic.Int32
	w.llm.Respond(func(req openai.ChatCompletionRequest) (int, string) {
		if rf := req.ResponseFormat; rf == nil || rf.JSONSchema == nil || rf.JSONSchema.Name != "moderation" {
			return llmtest.Default(req)
		}
		judged.Add(1)
		var data struct{ Message string }
		if err := json.Unmarshal([]byte(req.Messages[len(req.Messages)-1].Content), &data); err != nil || !strings.Contains(data.Message, "worthless idiot") {
			t.Errorf("the judge did not get the message as data: %q (%v)", req.Messages[len(req.Messages)-1].Content, err)
		}
		body, _ := json.Marshal(map[string]any{"toxic": verdict.Load(), "why": "judged"})
		return 200, llmtest.Completion(req.Model, string(body))
	})

	verdict.Store(false)
	kept := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, `he told me "you are a worthless idiot" and that is not ok`)
	waitUntil(t, "the first verdict", func() bool { return judged.Load() == 1 })
	verdict.Store(true)
	deleted := w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, `"you are a worthless idiot", that's what you are`)
	waitUntil(t, "the abuse deleted on the LLM's verdict", func() bool { return w.gone(discordtest.ChannelID, deleted) })
	if w.gone(discordtest.ChannelID, kept) {
		t.Error("the report of abuse was deleted although the LLM said it is not targeted abuse")
	}
	if n := judged.Load(); n != 2 {
		t.Errorf("the LLM judged %d messages, want both borderline ones", n)
	}
}
