package moderation_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/moderation"
	"github.com/commpilot/commpilot/storage"
)

// fixture is the skill on real storage and the shared timer, behind the
// real engine with recording platforms.
type fixture struct {
	env   *bottest.Env
	store *storage.Moderation
	stop  func()
}

var (
	staffD  = bot.UserRef{Platform: bot.Discord, ID: "100000000000000001", Name: "alice"}
	memberD = bot.UserRef{Platform: bot.Discord, ID: "300000000000000007", Name: "bob"}
	general = bot.ChannelRef{Platform: bot.Discord, ID: "200000000000000002"}
)

func newFixture(t *testing.T) *fixture { return newFixtureJudged(t, nil) }

// judgeFunc is a ToxicJudge answering with a function (the LLM client's
// own behaviour is tested in bot/llm).
type judgeFunc func(text string) (bool, string, error)

func (f judgeFunc) JudgeToxic(_ context.Context, text string) (bool, string, error) { return f(text) }

func newFixtureJudged(t *testing.T, judge moderation.ToxicJudge) *fixture {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "commpilot.db"), storage.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	settings := storage.NewSettings(db, bot.Settings{Staff: []string{staffD.Key(), bottest.Staff.Key()},
		TeamChannel: bot.ChannelRef{Platform: bot.Discord, ID: "200000000000000009"}})
	catalog := bot.NewCatalog(moderation.Messages())
	env := bottest.MustEngine(t, settings, catalog)
	timers := storage.NewTimers(db, nil)
	store := storage.NewModeration(db)
	skill := moderation.New(moderation.Config{Store: store, Settings: settings, Skills: storage.NewSkillSettings(db),
		Audit: storage.NewAuditLog(db), Sender: env.Engine, Catalog: catalog, Timers: timers, Judge: judge, Logger: quiet})
	env.Add(skill)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- timers.Run(ctx) }()
	go func() { done <- skill.Run(ctx) }()
	f := &fixture{env: env, store: store, stop: func() { cancel(); <-done; <-done }}
	t.Cleanup(f.stop)
	return f
}

func (f *fixture) post(t *testing.T, text string) {
	t.Helper()
	f.env.Send(t, bot.Event{Kind: bot.EventMessage, User: memberD, Text: text,
		Message: bot.MessageRef{Channel: general, ID: time.Now().Format("150405.000000000")}})
}

func TestTemporaryBanLiftedWhenDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		if r := f.env.Command(t, staffD, "rule add no-spam links:block:spam.example delete,ban:7d"); !strings.Contains(r.Text, "ban:7d") {
			t.Fatalf("rule add: %q", r.Text)
		}
		f.post(t, "cheap stuff at https://spam.example/buy")
		if n := len(f.env.Discord.Of(bot.ActBan)); n != 1 {
			t.Fatalf("%d bans, want 1", n)
		}
		time.Sleep(7*24*time.Hour - time.Minute)
		synctest.Wait()
		if n := len(f.env.Discord.Of(bot.ActUnban)); n != 0 {
			t.Fatal("ban lifted early")
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		unbans := f.env.Discord.Of(bot.ActUnban)
		if len(unbans) != 1 || unbans[0].User.ID != memberD.ID || unbans[0].Channel != general {
			t.Fatalf("unbans = %+v", unbans)
		}
		c, err := f.store.Case(context.Background(), 1)
		if err != nil || !c.Undone || c.UndoneBy != "expired" {
			t.Fatalf("case 1 = %+v, %v", c, err)
		}
	})
}

func TestLongTimeoutRenewedPastTheCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.env.Command(t, staffD, "rule add scam words:scam timeout:60d")
		f.post(t, "total scam")
		first := f.env.Discord.Of(bot.ActTimeout)
		if len(first) != 1 || first[0].Duration != 60*24*time.Hour {
			t.Fatalf("timeouts = %+v, want one of 60 days (the adapter clamps to 28)", first)
		}
		time.Sleep(28 * 24 * time.Hour)
		synctest.Wait()
		renewed := f.env.Discord.Of(bot.ActTimeout)
		if len(renewed) != 2 || renewed[1].Duration != 28*24*time.Hour {
			t.Fatalf("after 28 days: %+v", renewed)
		}
		time.Sleep(28 * 24 * time.Hour)
		synctest.Wait()
		last := f.env.Discord.Of(bot.ActTimeout)
		// 60 days = 28 + 28 + the 4 days left (less the hour of margin each time).
		if len(last) != 3 || last[2].Duration <= 4*24*time.Hour || last[2].Duration > 5*24*time.Hour {
			t.Fatalf("after 56 days: %+v", last)
		}
	})
}

func TestManualActionsAndCases(t *testing.T) {
	f := newFixture(t)
	r := f.env.Command(t, staffD, "mod timeout "+memberD.Mention()+" 10m spamming links")
	if !strings.Contains(r.Text, "timed out") {
		t.Fatalf("mod timeout: %q", r.Text)
	}
	if to := f.env.Discord.Of(bot.ActTimeout); len(to) != 1 || to[0].Duration != 10*time.Minute || !strings.Contains(to[0].Reason, "spamming links") {
		t.Fatalf("timeouts = %+v", to)
	}
	// The platform refuses: the member's role is above the bot's.
	f.env.Discord.SetFail(func(a bot.Action) error {
		if a.Kind == bot.ActKick {
			return &bot.Error{Code: bot.CodeUnavailable, Key: "discord.no_permission"}
		}
		return nil
	})
	r = f.env.Send(t, bot.Event{Kind: bot.EventCommand, User: staffD, Text: "mod kick " + memberD.Mention() + " rude",
		Message: bot.MessageRef{Channel: general}})
	if !strings.Contains(r.Text, "above mine") {
		t.Errorf("refused kick: %q", r.Text)
	}
	if r := f.env.Command(t, staffD, "mod ban "+staffD.Mention()+" oops"); !strings.Contains(r.Text, "is staff") {
		t.Errorf("ban of staff: %q", r.Text)
	}
	if r := f.env.Command(t, staffD, "case note 1 talked to him in DM"); !strings.Contains(r.Text, "Note added to case #1") {
		t.Errorf("case note: %q", r.Text)
	}
	if r := f.env.Command(t, staffD, "case show 1"); r.Card == nil || !strings.Contains(r.Card.Title, "Case #1") ||
		!strings.Contains(r.Card.Fields[len(r.Card.Fields)-1].Value, "talked to him") {
		t.Errorf("case show: %+v", r.Card)
	}
	if r := f.env.Command(t, staffD, "case list"); !strings.Contains(r.Text, "#1") || strings.Contains(r.Text, "#2") {
		t.Errorf("case list (the refused kick made no case): %q", r.Text)
	}
	if r := f.env.Command(t, bottest.Staff, "mod timeout <@slack:UMEMBER> 10m x"); !strings.Contains(r.Text, "not supported on Slack") {
		t.Errorf("Slack timeout: %q", r.Text)
	}
}

func TestBorderlineToxicityGoesToTheJudge(t *testing.T) {
	var asked []string
	f := newFixtureJudged(t, judgeFunc(func(text string) (bool, string, error) {
		asked = append(asked, text)
		return true, "insult aimed at the reader", nil
	}))
	f.env.Command(t, staffD, "rule add abuse toxic delete,alert")
	f.post(t, "this is fucking great")       // harmless: not asked
	f.post(t, "you are a worthless idiot")   // toxic offline: not asked, alerted
	f.post(t, `you are an "idiot", he said`) // borderline: asked
	if len(asked) != 1 || !strings.Contains(asked[0], `"idiot"`) {
		t.Fatalf("judge asked %q, want only the borderline message", asked)
	}
	posts := f.env.Discord.Of(bot.ActPost)
	if len(posts) != 2 || !strings.Contains(posts[1].Card.Fields[0].Value, "toxic (LLM): insult aimed at the reader") {
		t.Fatalf("alerts = %+v", posts)
	}
	// Offline, toxic only alerts: nothing was deleted.
	if n := len(f.env.Discord.Of(bot.ActDelete)); n != 0 {
		t.Errorf("%d deletes by a plain toxic rule", n)
	}
}

func TestCaseExcerptsPurgedAfterRetention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.env.Command(t, staffD, "rule add scam words:scam warn")
		f.post(t, "total scam, send me money")
		if c, err := f.store.Case(context.Background(), 1); err != nil || c.Excerpt != "total scam, send me money" {
			t.Fatalf("case 1 = %+v, %v", c, err)
		}
		time.Sleep(29 * 24 * time.Hour)
		synctest.Wait()
		if c, _ := f.store.Case(context.Background(), 1); c.Excerpt == "" {
			t.Fatal("excerpt purged before the 30-day retention")
		}
		time.Sleep(2 * 24 * time.Hour)
		synctest.Wait()
		c, _ := f.store.Case(context.Background(), 1)
		if c.Excerpt != "" || c.Rule != "scam" {
			t.Fatalf("after the retention: %+v, want the case without its excerpt", c)
		}
	})
}

func TestRuleVerbs(t *testing.T) {
	f := newFixture(t)
	say := func(text, want string) {
		t.Helper()
		if r := f.env.Command(t, staffD, text); !strings.Contains(r.Text, want) {
			t.Errorf("/cm %s answered %q, want %q", text, r.Text, want)
		}
	}
	say("rule list", "No rules yet")
	say("rule add flood rate:5/10s timeout:5m", "Rule flood saved. It will: timeout:5m.")
	say("rule add flood invites delete", "already exists")
	say("rule edit flood rate:3/10s delete,timeout:10m strikes:2", "It will: delete, timeout:10m.")
	say("rule show flood", "strikes per match: 2")
	say("rule disable flood", "Rule flood is disabled.")
	say("rule list", "• flood: rate:3/10s delete,timeout:10m strikes:2 — disabled")
	for range 3 {
		f.post(t, "hi")
	}
	if n := len(f.env.Discord.Of(bot.ActTimeout)); n != 0 {
		t.Fatalf("a disabled rule acted %d times", n)
	}
	say("rule enable flood", "Rule flood is enabled.")
	say("rule remove flood", "Rule flood is removed.")
	say("rule show flood", `There is no rule called "flood"`)
	say(`rule add polite words:idiot warn:"Be kind, please." strikes:0`, "It will: warn.")
	f.post(t, "you idiot")
	if dms := f.env.Discord.Of(bot.ActDM); len(dms) != 1 || dms[0].Text != "Be kind, please." {
		t.Errorf("warning DMs = %+v", dms)
	}
	if c, err := f.store.Case(context.Background(), 1); err != nil || c.Strikes != 0 {
		t.Errorf("strikes:0 rule's case = %+v, %v", c, err)
	}
	say("setup strikes decay 2h", "Strikes count for 2h. Escalation: —.")
	say("setup strikes 3:timeout:1h 5:kick 7:ban", "Escalation: 3:timeout:1h 5:kick 7:ban.")
	if r := f.env.Command(t, staffD, "setup strikes 3:explode"); !strings.Contains(r.Text, "not a strike step") {
		t.Errorf("bad step: %q", r.Text)
	}
}

func TestBacktestCountsLikeLiveAndStopsAtItsBound(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "commpilot.db"), storage.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	log := storage.NewMessageLog(db)
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	// A flood of 6 messages in 6 s, then one more a minute later.
	for i := range 7 {
		at := start.Add(time.Duration(i) * time.Second)
		if i == 6 {
			at = start.Add(time.Minute)
		}
		m := bot.LoggedMessage{Ref: bot.MessageRef{Channel: general, ID: "m" + string(rune('0'+i))}, Author: memberD, Text: "buy now", Time: at}
		if err := log.Record(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	rule, err := moderation.ParseRule(bot.Discord, "flood", "rate:5/10s delete")
	if err != nil {
		t.Fatal(err)
	}
	var progress int
	res, err := moderation.Backtest(context.Background(), log, rule, start.Add(-time.Hour), start.Add(time.Hour), func(moderation.BacktestResult) { progress++ })
	if err != nil {
		t.Fatal(err)
	}
	// The 5th and 6th messages cross rate:5/10s; the last is alone in its window.
	if res.Scanned != 7 || res.Matched != 2 || res.Actions["delete"] != 2 || res.Stopped || progress != 7 {
		t.Fatalf("backtest = %+v (progress %d)", res, progress)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err = moderation.Backtest(ctx, log, rule, start.Add(-time.Hour), start.Add(time.Hour), nil)
	if err != nil || !res.Stopped || res.Scanned != 0 {
		t.Fatalf("backtest past its deadline = %+v, %v; want stopped", res, err)
	}
}
