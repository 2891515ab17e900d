package digest

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/triage"
	"github.com/commpilot/commpilot/storage"
)

var (
	paris, _  = time.LoadLocation("Europe/Paris")
	community = bot.ChannelRef{Platform: bot.Discord, ID: "300000000000000001"}
	slackComm = bot.ChannelRef{Platform: bot.Slack, ID: "C0COMM"}
	team      = bot.ChannelRef{Platform: bot.Slack, ID: "C0TEAM"}
	// now is Thursday 3 December 2026, 09:00 in Paris.
	now = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
)

// fixture is the skill over a real database, wired to recording platforms.
type fixture struct {
	*bottest.Env
	db    *storage.DB
	skill *Skill
	agg   *storage.Aggregates
	inbox *storage.Inbox
	log   *storage.MessageLog
	clock *time.Time
}

func newFixture(t testing.TB, lang bot.Lang) *fixture {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "commpilot.db"), storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	settings := bottest.NewMemSettings(bot.Settings{Staff: []string{"slack:UADMIN"}, TeamChannel: team,
		Watch: []bot.ChannelRef{community, slackComm}, Brand: []string{"Acme"}, Timezone: "Europe/Paris", Language: lang})
	catalog := bot.NewCatalog(Messages())
	env := bottest.MustEngine(t, settings, catalog)
	clock := now
	f := &fixture{Env: env, db: db, agg: storage.NewAggregates(db), inbox: storage.NewInbox(db), log: storage.NewMessageLog(db), clock: &clock}
	f.skill = New(Config{Aggregates: f.agg, History: f.log, Inbox: f.inbox, Settings: settings,
		Skills: storage.NewSkillSettings(db), Timers: storage.NewTimers(db, nil), Sender: env.Engine,
		Classifier: triage.New(), Catalog: catalog, Clock: func() time.Time { return *f.clock },
		Link:   func(m bot.MessageRef) string { return "https://chat.example/" + m.Channel.ID + "/" + m.ID },
		Logger: slog.New(slog.DiscardHandler)})
	env.Add(f.skill)
	return f
}

// usualDay is the messages per hour of day of an ordinary day.
var usualDay = [24]int{1, 0, 0, 0, 0, 1, 2, 4, 8, 12, 14, 13, 12, 11, 12, 13, 12, 10, 9, 8, 6, 4, 3, 2}

// seed stores five weeks of ordinary days, then a day (the digest's) with a
// burst of complaints about late deliveries in the afternoon, and inbox items.
func (f *fixture) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var stats []bot.HourStats
	start := now.Add(-35 * 24 * time.Hour)
	for h := start; h.Before(now); h = h.Add(time.Hour) {
		n := usualDay[h.In(paris).Hour()]
		s := bot.HourStats{Hour: h, Channel: community, Messages: n, Positive: n / 4, Negative: n / 8,
			Kinds: map[bot.Kind]int{bot.KindOther: n - n/8, bot.KindQuestion: n / 8}}
		if n > 8 {
			s.Terms = map[string]int{"login": 1}
		}
		if !h.Before(now.Add(-24 * time.Hour)) {
			if lh := h.In(paris).Hour(); lh >= 14 && lh < 17 {
				s.Messages += 20
				s.Negative += 15
				s.Kinds[bot.KindComplaint] = 18
				s.Terms = map[string]int{"late": 9, "delivery": 8, "late delivery": 8, "refund": 4}
			}
		}
		stats = append(stats, s)
		if h.In(paris).Hour() == 10 {
			stats = append(stats, bot.HourStats{Hour: h, Channel: slackComm, Messages: 3, Positive: 2, Kinds: map[bot.Kind]int{bot.KindPraise: 2, bot.KindOther: 1}})
		}
	}
	if err := f.agg.Add(ctx, stats, now); err != nil {
		t.Fatal(err)
	}
	item := func(kind bot.Kind, urg bot.Urgency, created time.Time, state bot.ItemState, sentAfter time.Duration, assignee string) {
		t.Helper()
		_, err := f.inbox.Conversation(ctx, []string{fmt.Sprintf("k%d", created.UnixNano())}, func(it *bot.Item, isNew bool) error {
			it.State, it.Created = state, created
			it.Triage = bot.Triage{Kind: kind, Urgency: urg}
			it.Link = fmt.Sprintf("https://chat.example/item/%d", it.ID)
			it.Messages = []bot.ItemMessage{{Ref: bot.MessageRef{Channel: community, ID: "m1"}, Time: created}}
			if sentAfter > 0 {
				it.SentAt = created.Add(sentAfter)
			}
			if assignee != "" {
				it.Assignee = bot.UserRef{Platform: bot.Slack, ID: "U" + strings.ToUpper(assignee), Name: assignee}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	day := now.Add(-24 * time.Hour)
	item(bot.KindComplaint, bot.UrgencyHigh, day.Add(6*time.Hour), bot.ItemDrafted, 0, "alice")
	item(bot.KindComplaint, bot.UrgencyCritical, day.Add(7*time.Hour), bot.ItemDrafted, 0, "")
	item(bot.KindComplaint, bot.UrgencyNormal, day.Add(7*time.Hour+30*time.Minute), bot.ItemSent, 25*time.Minute, "")
	item(bot.KindQuestion, bot.UrgencyNormal, day.Add(2*time.Hour), bot.ItemSent, 3*time.Hour, "")
	item(bot.KindQuestion, bot.UrgencyLow, day.Add(22*time.Hour), bot.ItemSent, 12*time.Minute, "")
	item(bot.KindMention, bot.UrgencyLow, day.Add(-50*time.Hour), bot.ItemDrafted, 0, "bob")
	item(bot.KindPraise, bot.UrgencyLow, day.Add(-7*24*time.Hour+3*time.Hour), bot.ItemClosed, 0, "")
}

// cardText renders a card as plain text, the way a golden file shows it.
func cardText(c bot.Card) string {
	var b strings.Builder
	b.WriteString("# " + c.Title + "\n")
	if c.Context != "" {
		b.WriteString(c.Context + "\n")
	}
	for _, f := range c.Fields {
		b.WriteString("\n## " + f.Name + "\n" + f.Value + "\n")
	}
	if c.Footer != "" {
		b.WriteString("\n" + c.Footer + "\n")
	}
	return b.String()
}

func TestDigestGolden(t *testing.T) {
	for _, lang := range bot.Langs() {
		t.Run(string(lang), func(t *testing.T) {
			f := newFixture(t, lang)
			f.seed(t)
			r := f.Command(t, bottest.Staff, "digest now")
			posts := f.Slack.Of(bot.ActPost)
			if len(posts) != 1 || posts[0].Card == nil || posts[0].Channel.ID != "C0TEAM" {
				t.Fatalf("posts = %+v (reply %q), want one card in C0TEAM", posts, bottest.ReplyText(r))
			}
			bottest.Golden(t, filepath.Join("testdata", "digest_"+string(lang)+".golden.txt"), []byte(cardText(*posts[0].Card)))
			ups := f.Slack.Of(bot.ActUpload)
			if len(ups) != 1 || ups[0].FileName != "digest.png" {
				t.Fatalf("uploads = %d, want the chart", len(ups))
			}
			img, err := png.Decode(bytes.NewReader(ups[0].File))
			if err != nil {
				t.Fatalf("chart is not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != chartWidth || b.Dy() != chartHeight {
				t.Errorf("chart is %dx%d, want %dx%d", b.Dx(), b.Dy(), chartWidth, chartHeight)
			}
			if lang == bot.English {
				if err := os.WriteFile(filepath.Join(os.TempDir(), "digest_chart.png"), ups[0].File, 0o644); err != nil {
					t.Log(err)
				}
			}
		})
	}
}

func TestDigestSaysWhatMatters(t *testing.T) {
	f := newFixture(t, bot.English)
	f.seed(t)
	r, err := f.skill.compute(context.Background(), now.Add(-24*time.Hour), now, paris)
	if err != nil {
		t.Fatal(err)
	}
	ordinary := 0
	for _, n := range usualDay {
		ordinary += n
	}
	if want := ordinary + 3 + 60; r.Messages != want {
		t.Errorf("messages = %d, want %d", r.Messages, want)
	}
	if r.MessagesPrev != float64(ordinary+3) {
		t.Errorf("usual = %v, want %d (the same day of the four weeks before)", r.MessagesPrev, ordinary+3)
	}
	if len(r.Urgent) != 2 || r.Urgent[0].Triage.Urgency != bot.UrgencyCritical {
		t.Errorf("urgent complaints = %+v, want the critical one first, then the high one", r.Urgent)
	}
	if len(r.Replies) != 3 || quantile(r.Replies, 0.5) != 25*time.Minute || quantile(r.Replies, 0.9) != 3*time.Hour {
		t.Errorf("replies = %v, want median 25m, p90 3h", r.Replies)
	}
	if len(r.Open) != 3 || r.Open[0].Triage.Kind != bot.KindMention {
		t.Errorf("open = %d items, oldest %v; want 3, the mention first", len(r.Open), r.Open[0].Triage.Kind)
	}
	if len(r.Topics) == 0 || r.Topics[0].Term != "late delivery" {
		t.Errorf("topics = %+v, want late delivery first", r.Topics)
	}
	for _, tp := range r.Topics {
		if tp.Term == "login" {
			t.Errorf("login is as usual, yet listed as rising: %+v", r.Topics)
		}
	}
}

func TestDigestWithNoActivityIsOneLine(t *testing.T) {
	f := newFixture(t, bot.French)
	f.Command(t, bottest.Staff, "digest now")
	posts := f.Slack.Of(bot.ActPost)
	if len(posts) != 1 || posts[0].Card == nil {
		t.Fatalf("posts = %+v", posts)
	}
	got := cardText(*posts[0].Card)
	if want := "# Bilan du jour — mercredi 2 décembre : aucune activité — ni message, ni élément dans la boîte, ni réponse.\n"; got != want {
		t.Errorf("empty digest =\n%q\nwant\n%q", got, want)
	}
	if n := len(f.Slack.Of(bot.ActUpload)); n != 0 {
		t.Errorf("%d charts for an empty day", n)
	}
}

func TestDigestCommandsRefuseNonStaffAndBadTimes(t *testing.T) {
	f := newFixture(t, bot.English)
	if r := f.Command(t, bottest.Member, "digest at 09:00"); !strings.Contains(bottest.ReplyText(r), "Only staff") {
		t.Errorf("member got %q", bottest.ReplyText(r))
	}
	if r := f.Command(t, bottest.Staff, "digest at 25:00"); !strings.Contains(bottest.ReplyText(r), `"25:00" is not a time of day`) {
		t.Errorf("bad time got %q", bottest.ReplyText(r))
	}
	c, err := f.skill.load(context.Background())
	if err != nil || c.Schedule != "" {
		t.Errorf("settings changed by refused commands: %+v, %v", c, err)
	}
	r := f.Command(t, bottest.Staff, "digest at 9:30")
	if want := "Digest scheduled every day at 09:30. The next one goes out Thursday 3 December, 09:30 in <#slack:C0TEAM>."; bottest.ReplyText(r) != want {
		t.Errorf("got %q\nwant %q", bottest.ReplyText(r), want)
	}
	r = f.Command(t, bottest.Staff, "digest weekly monday 08:00")
	if want := "Digest scheduled every Monday at 08:00. The next one goes out Monday 7 December, 08:00 in <#slack:C0TEAM>."; bottest.ReplyText(r) != want {
		t.Errorf("got %q\nwant %q", bottest.ReplyText(r), want)
	}
	if r := f.Command(t, bottest.Staff, "digest off"); bottest.ReplyText(r) != "The scheduled digest is off." {
		t.Errorf("off: %q", bottest.ReplyText(r))
	}
	if r := f.Command(t, bottest.Staff, "setup alerts sensitivity"); !strings.Contains(bottest.ReplyText(r), "Say which sensitivity") {
		t.Errorf("alerts without level: %q", bottest.ReplyText(r))
	}
	if r := f.Command(t, bottest.Staff, "setup alerts sensitivity high"); bottest.ReplyText(r) != "Spike alerts are on (sensitivity: high)." {
		t.Errorf("alerts high: %q", bottest.ReplyText(r))
	}
}

func TestCatalogComplete(t *testing.T) {
	if m := bot.NewCatalog(Messages()).Missing(); len(m) > 0 {
		t.Errorf("missing translations: %v", m)
	}
}

// sources stand in for the scheduled-posts and moderation skills.
type sources struct{}

func (sources) ScheduledPosts(context.Context, time.Time, time.Time) (bot.ScheduledPostStats, error) {
	return bot.ScheduledPostStats{Sent: 3, Failed: 1, AwaitingApproval: 2}, nil
}

func (sources) ModerationActions(context.Context, time.Time, time.Time) (bot.ModerationStats, error) {
	return bot.ModerationStats{ByRule: map[string]int{"no-invites": 4, "flood": 1}}, nil
}

func TestDigestIncludesPostsAndModerationWhenThoseSkillsExist(t *testing.T) {
	f := newFixture(t, bot.French)
	f.seed(t)
	without := f.skill.render(bot.French, mustCompute(t, f))
	f.skill.cfg.Posts, f.skill.cfg.Moderation = sources{}, sources{}
	with := f.skill.render(bot.French, mustCompute(t, f))
	if strings.Contains(cardText(without), "Publications programmées") || strings.Contains(cardText(without), "modération") {
		t.Errorf("lines for skills that are not there:\n%s", cardText(without))
	}
	for _, want := range []string{"## Publications programmées\npubliées : 3 · en échec : 1 · en attente de validation : 2", "## Actions de modération\nflood 1 · no-invites 4"} {
		if !strings.Contains(cardText(with), want) {
			t.Errorf("digest lacks %q:\n%s", want, cardText(with))
		}
	}
}

func mustCompute(t *testing.T, f *fixture) *report {
	t.Helper()
	r, err := f.skill.compute(context.Background(), now.Add(-24*time.Hour), now, paris)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWeeklyDigestIsNamedByItsLastDay(t *testing.T) {
	f := newFixture(t, bot.French)
	f.seed(t)
	r, err := f.skill.compute(context.Background(), now.Add(-7*24*time.Hour), now, paris)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.skill.render(bot.French, r).Title; got != "Bilan de la semaine — jusqu'au jeudi 3 décembre" {
		t.Errorf("weekly title = %q", got)
	}
	if len(r.Hourly) != 7*24 {
		t.Errorf("weekly chart has %d hours, want 168", len(r.Hourly))
	}
}

func TestPreviewIsForTheCallerOnly(t *testing.T) {
	f := newFixture(t, bot.English)
	f.seed(t)
	for _, cmd := range []string{"digest preview", "digest"} {
		r := f.Command(t, bottest.Staff, cmd)
		if r == nil || r.Card == nil || r.Public || !strings.HasPrefix(r.Card.Title, "Daily digest — Wednesday 2 December") {
			t.Errorf("%s: reply %+v, want the digest card for the caller only", cmd, r)
		}
	}
	if n := len(f.Slack.Actions()) + len(f.Discord.Actions()); n != 0 {
		t.Errorf("preview posted %d actions", n)
	}
	if r := f.Command(t, bottest.Member, "digest preview"); !strings.Contains(bottest.ReplyText(r), "Only staff") {
		t.Errorf("member preview: %q", bottest.ReplyText(r))
	}
}
