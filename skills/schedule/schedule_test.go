package schedule_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/schedule"
	"github.com/commpilot/commpilot/storage"
)

var (
	team      = bot.ChannelRef{Platform: bot.Slack, ID: "C0TEAM"}
	community = "discord:300000000000000001"
	alice     = bottest.Staff
	carol     = bot.UserRef{Platform: bot.Slack, ID: "UCAROL", Name: "carol"}
)

type fixture struct {
	*bottest.Env
	db    *storage.DB
	store *storage.Schedule
	audit *storage.AuditLog
	stop  func()
}

func openDB(t testing.TB, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), path, storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// start wires the skill over the database at path into an engine over
// recording platforms, and runs it (and the real timer) until stop or the
// end of the test.
func start(t testing.TB, path string, seed func(*storage.DB)) *fixture {
	t.Helper()
	db := openDB(t, path)
	if seed != nil {
		seed(db)
	}
	settings := storage.NewSettings(db, bot.Settings{TeamChannel: team, Staff: []string{"slack:UADMIN", "slack:UCAROL"},
		Timezone: "Europe/Paris"})
	cat := bot.NewCatalog(schedule.Messages())
	env := bottest.MustEngine(t, settings, cat)
	f := &fixture{Env: env, db: db, store: storage.NewSchedule(db), audit: storage.NewAuditLog(db)}
	timers := storage.NewTimers(db, nil)
	skill := schedule.New(schedule.Config{Store: f.store, Settings: settings, Options: storage.NewSkillSettings(db),
		Timers: timers, Audit: f.audit, Sender: env.Engine, Catalog: cat,
		Link:   func(m bot.MessageRef) string { return "https://chat.example/" + m.ID },
		Logger: slog.New(slog.DiscardHandler)})
	env.Add(skill)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range []bot.Runner{timers, skill} {
		wg.Go(func() { _ = r.Run(ctx) })
	}
	var once sync.Once
	f.stop = func() { once.Do(func() { cancel(); wg.Wait(); db.Close() }) }
	t.Cleanup(f.stop)
	return f
}

func newFixture(t testing.TB) *fixture {
	return start(t, filepath.Join(t.TempDir(), "commpilot.db"), nil)
}

func (f *fixture) cmd(t testing.TB, u bot.UserRef, text string) *bot.Reply {
	t.Helper()
	return f.Command(t, u, text)
}

// posts returns the texts posted to the community channel on Discord.
func (f *fixture) posts() []string {
	var out []string
	for _, a := range f.Discord.Of(bot.ActPost) {
		out = append(out, a.Text)
	}
	return out
}

// cards returns the cards posted to the team channel.
func (f *fixture) cards() []*bot.Card {
	var out []*bot.Card
	for _, a := range f.Slack.Of(bot.ActPost) {
		if a.Card != nil {
			out = append(out, a.Card)
		}
	}
	return out
}

func (f *fixture) teamTexts() []string {
	var out []string
	for _, a := range f.Slack.Of(bot.ActPost) {
		if a.Text != "" {
			out = append(out, a.Text)
		}
	}
	return out
}

func button(t testing.TB, c *bot.Card, prefix string) string {
	t.Helper()
	for _, b := range c.Buttons {
		if strings.HasPrefix(b.ID, prefix) {
			return b.ID
		}
	}
	t.Fatalf("card %q has no %s button: %+v", c.Title, prefix, c.Buttons)
	return ""
}

func (f *fixture) press(t testing.TB, u bot.UserRef, id string) *bot.Reply {
	t.Helper()
	return f.Send(t, bot.Event{Kind: bot.EventAction, User: u, Action: id,
		Message: bot.MessageRef{Channel: team, ID: "card"}})
}

// auditLog returns the audit entries, oldest first.
func (f *fixture) auditLog(t testing.TB) []bot.AuditEntry {
	t.Helper()
	entries, err := f.audit.List(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(entries)
	return entries
}

// settle lets the bubble's goroutines finish what is due now, including
// commits the store shares with others (DB.Batch waits a few milliseconds).
func settle() {
	time.Sleep(time.Second)
	synctest.Wait()
}

func errText(r *bot.Reply) string { return bottest.ReplyText(r) }

func TestAddConfirmsThenPostsOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		r := f.cmd(t, alice, "schedule add "+community+" in 3 days Notre nouvelle offre arrive !")
		if r == nil || r.Card == nil {
			t.Fatalf("reply %+v", r)
		}
		c := r.Card
		for _, want := range []string{"#1", "<#discord:300000000000000001>"} {
			if !strings.Contains(c.Title, want) {
				t.Errorf("title %q lacks %q", c.Title, want)
			}
		}
		for _, want := range []string{"Europe/Paris (UTC+01:00)", "in 3 days"} {
			if !strings.Contains(c.Context, want) {
				t.Errorf("confirmation %q lacks %q", c.Context, want)
			}
		}
		if c.Quote != "Notre nouvelle offre arrive !" {
			t.Errorf("preview %q", c.Quote)
		}
		time.Sleep(3*24*time.Hour - time.Minute)
		if p := f.posts(); len(p) != 0 {
			t.Fatalf("posted early: %q", p)
		}
		time.Sleep(2 * time.Minute)
		settle()
		if p := f.posts(); len(p) != 1 || p[0] != "Notre nouvelle offre arrive !" {
			t.Fatalf("posts %q", p)
		}
		show := f.cmd(t, alice, "schedule show 1")
		hist := show.Card.Fields[len(show.Card.Fields)-1]
		if !strings.Contains(hist.Value, "sent") || !strings.Contains(hist.Value, "https://chat.example/m") {
			t.Errorf("history %+v", hist)
		}
		if l := errText(f.cmd(t, alice, "schedule list")); !strings.Contains(l, "No scheduled posts") {
			t.Errorf("list after the one-off went out: %q", l)
		}
	})
}

func TestAddRefusesAndStoresNothing(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("a", 2001)
	tests := []struct {
		user      bot.UserRef
		text      string
		wantInMsg string
	}{
		{alice, "schedule add " + community + " 2020-01-01 09:00 Too late", "in the past"},
		{alice, "schedule add " + community + " tomorrow 9am", "has no text"},
		{alice, "schedule add " + community + " tomorrow 9am " + long, "2001 characters long; discord accepts at most 2000"},
		{alice, "schedule add " + community + " tomorrow 9am Hello @everyone", "would ping @everyone"},
		{alice, "schedule add " + community + " tomorrow 9am Hello <@&123456789012345678>", "would ping @role"},
		{alice, "schedule add " + community + " 01/02 9am x", "could be January 2 or February 1"},
		{alice, "schedule add " + community + " tomorrow Bonjour", "needs a time of day"},
		{bottest.Member, "schedule add " + community + " tomorrow 9am Hi", "Only staff"},
	}
	for _, tc := range tests {
		if got := errText(f.cmd(t, tc.user, tc.text)); !strings.Contains(got, tc.wantInMsg) {
			t.Errorf("%s: reply %q, want %q", tc.text, got, tc.wantInMsg)
		}
	}
	if posts, err := f.store.Posts(context.Background(), nil); err != nil || len(posts) != 0 {
		t.Fatalf("stored %d posts, %v", len(posts), err)
	}
	// The same text with --ping is accepted.
	if r := f.cmd(t, alice, "schedule add "+community+" tomorrow 9am --ping Hello @everyone"); r.Card == nil {
		t.Fatalf("with --ping: %q", errText(r))
	}
	// Slack takes longer posts than Discord.
	if r := f.cmd(t, alice, "schedule add slack:C0GENERAL tomorrow 9am "+long); r.Card == nil {
		t.Fatalf("long Slack post: %q", errText(r))
	}
}

func TestRecurringKeepsGoingAfterAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		r := f.cmd(t, alice, "schedule add "+community+" every day 18:00 Daily thread")
		if r.Card == nil || len(r.Card.Fields) == 0 || strings.Count(r.Card.Fields[0].Value, "18:00 Europe/Paris") != 3 {
			t.Fatalf("confirmation must list the next three times: %+v", r.Card)
		}
		f.Discord.SetFail(func(bot.Action) error { return errors.New("HTTP 403 Forbidden, Missing Permissions") })
		time.Sleep(24 * time.Hour)
		settle()
		cards := f.cards()
		if len(cards) != 1 || !strings.Contains(cards[0].Title, "could not be sent") || !strings.Contains(cards[0].Footer, "Missing Permissions") {
			t.Fatalf("failure card: %+v", cards)
		}
		f.Discord.SetFail(nil)
		time.Sleep(24 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 1 || p[0] != "Daily thread" {
			t.Fatalf("the next occurrence after the failure: %q", p)
		}
		if l := errText(f.cmd(t, alice, "schedule list")); !strings.Contains(l, "#1") || !strings.Contains(l, "every day 18:00") {
			t.Errorf("list %q", l)
		}
	})
}

func TestPauseResumeCancelNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.cmd(t, alice, "schedule add "+community+" every day 18:00 Daily")
		if got := errText(f.cmd(t, alice, "schedule pause 1")); !strings.Contains(got, "paused") {
			t.Fatalf("pause: %q", got)
		}
		time.Sleep(48 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 0 {
			t.Fatalf("a paused post went out: %q", p)
		}
		if got := errText(f.cmd(t, alice, "schedule resume 1")); !strings.Contains(got, "resumed") {
			t.Fatalf("resume: %q", got)
		}
		time.Sleep(24 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 1 {
			t.Fatalf("after resume: %q", p)
		}
		if got := errText(f.cmd(t, alice, "schedule now 1")); !strings.Contains(got, "is out: https://chat.example/") {
			t.Fatalf("now: %q", got)
		}
		if got := errText(f.cmd(t, alice, "schedule cancel 1")); !strings.Contains(got, "cancelled") {
			t.Fatalf("cancel: %q", got)
		}
		time.Sleep(72 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 2 {
			t.Fatalf("posts %q: one on time, one now, none after cancel", p)
		}
		if got := errText(f.cmd(t, alice, "schedule pause 9")); !strings.Contains(got, "no scheduled post #9") {
			t.Errorf("pause 9: %q", got)
		}
		var actions []string
		for _, e := range f.auditLog(t) {
			actions = append(actions, e.Action)
		}
		want := "schedule.add schedule.pause schedule.resume schedule.sent schedule.now schedule.sent schedule.cancel"
		if strings.Join(actions, " ") != want {
			t.Errorf("audit %q, want %q", strings.Join(actions, " "), want)
		}
	})
}

func TestApproval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		if got := errText(f.cmd(t, alice, "setup schedule-approval on another")); !strings.Contains(got, "other than their author") {
			t.Fatalf("setup: %q", got)
		}
		// Setting approval keeps the default catch-up window.
		var opts schedule.Options
		if err := storage.NewSkillSettings(f.db).LoadSkill(context.Background(), "schedule", &opts); err != nil ||
			!opts.Approval || !opts.OtherApprover || time.Duration(opts.CatchUp) != time.Hour {
			t.Fatalf("stored options %+v, %v", opts, err)
		}
		// #1 is never approved.
		f.cmd(t, alice, "schedule add "+community+" tomorrow 9am Unapproved")
		// #2 is approved by carol, then edited, so needs approval again.
		r := f.cmd(t, alice, "schedule add "+community+" tomorrow 10am Approved")
		if !strings.Contains(r.Card.Footer, "waits for a staff approval") {
			t.Errorf("confirmation footer %q", r.Card.Footer)
		}
		cards := f.cards()
		if len(cards) != 2 {
			t.Fatalf("approval cards %+v", cards)
		}
		approve2 := button(t, cards[1], "schedule/approve/2/1")
		if got := errText(f.press(t, alice, approve2)); !strings.Contains(got, "Another staff member") {
			t.Errorf("the author approved their own post: %q", got)
		}
		if got := errText(f.press(t, carol, approve2)); !strings.Contains(got, "approved") {
			t.Fatalf("approve: %q", got)
		}
		f.cmd(t, alice, "schedule edit 2 text Approved, edited")
		if got := errText(f.press(t, carol, approve2)); !strings.Contains(got, "changed since") {
			t.Errorf("stale approval accepted: %q", got)
		}
		time.Sleep(36 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 0 {
			t.Fatalf("unapproved posts went out: %q", p)
		}
		var told []*bot.Card
		for _, c := range f.cards() {
			if strings.Contains(c.Title, "was not approved and did not go out") {
				told = append(told, c)
			}
		}
		if len(told) != 2 || !strings.Contains(told[0].Title, "Post #1 ") {
			t.Fatalf("team told: %+v", told)
		}
		// Post it now, from the notice, by another staff member.
		if got := errText(f.press(t, carol, button(t, told[1], "schedule/post-now/2/2"))); !strings.Contains(got, "is out") {
			t.Fatalf("post now: %q", got)
		}
		if p := f.posts(); len(p) != 1 || p[0] != "Approved, edited" {
			t.Fatalf("posts %q", p)
		}
	})
}

// seedPost stores a post as a stopped process left it.
func seedPost(t testing.TB, db *storage.DB, at time.Time, state bot.OccurrenceState, since time.Time) {
	t.Helper()
	s := storage.NewSchedule(db)
	ch, _ := bot.ParseChannelRef(community)
	p, err := s.AddPost(context.Background(), func(p *bot.ScheduledPost) error {
		*p = bot.ScheduledPost{ID: p.ID, Channel: ch, Text: "Seeded", When: "once", Rule: bot.PostRule{Kind: bot.RuleOnce, At: at},
			Zone: "Europe/Paris", Author: alice, Created: since, Version: 1, Approval: bot.ApprovalNone, Next: at}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if state == bot.OccScheduled {
		return
	}
	if _, _, err := s.UpdateOccurrence(context.Background(), p.ID, at, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
		o.State, o.Since, o.Version = state, since, 1
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSendInDoubtAfterACrashAsksAPerson(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "commpilot.db")
		at := time.Now().Add(-time.Minute)
		f := start(t, path, func(db *storage.DB) { seedPost(t, db, at, bot.OccSending, at) })
		settle()
		cards := f.cards()
		if len(cards) != 1 || !strings.Contains(cards[0].Title, "We could not confirm whether post #1 went out") {
			t.Fatalf("cards %+v", cards)
		}
		if p := f.posts(); len(p) != 0 {
			t.Fatalf("re-sent on its own: %q", p)
		}
		if got := errText(f.press(t, alice, button(t, cards[0], "schedule/mark-posted/1/"))); !strings.Contains(got, "marked as posted") {
			t.Fatalf("mark posted: %q", got)
		}
		// A second restart asks nothing more and sends nothing.
		f.stop()
		f = start(t, path, nil)
		time.Sleep(time.Hour)
		settle()
		if len(f.cards()) != 0 || len(f.posts()) != 0 {
			t.Fatalf("after the second restart: cards %+v posts %q", f.cards(), f.posts())
		}
	})
}

func TestDowntimeCatchUpAndMissed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		f := start(t, filepath.Join(t.TempDir(), "commpilot.db"), func(db *storage.DB) {
			seedPost(t, db, now.Add(-3*time.Hour), bot.OccScheduled, now.Add(-4*time.Hour))    // #1: missed
			seedPost(t, db, now.Add(-2*time.Hour), bot.OccScheduled, now.Add(-4*time.Hour))    // #2: missed
			seedPost(t, db, now.Add(-30*time.Minute), bot.OccScheduled, now.Add(-4*time.Hour)) // #3: late, within 1 h
		})
		time.Sleep(10 * time.Second)
		settle()
		if p := f.posts(); len(p) != 1 {
			t.Fatalf("posts %q: only the one within the window", p)
		}
		texts := f.teamTexts()
		if len(texts) != 1 || !strings.Contains(texts[0], "missed while the bot was down* (2, more than 1h late)") ||
			!strings.Contains(texts[0], "#1 ") || !strings.Contains(texts[0], "#2 ") || strings.Contains(texts[0], "#3 ") {
			t.Fatalf("one report listing #1 and #2: %q", texts)
		}
		entries := f.auditLog(t)
		var late bool
		for _, e := range entries {
			late = late || (e.Action == "schedule.sent" && e.Target == "post 3" && strings.Contains(e.Detail, "late 30m"))
		}
		if !late {
			t.Errorf("the late post is not marked late in the audit: %+v", entries)
		}
	})
}

// TestConfirmationInFrench: the confirmation speaks the team language, with
// the zone, the offset and how far away the post is.
func TestConfirmationInFrench(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.cmd(t, alice, "setup schedule-approval off")
		if _, err := f.Settings.UpdateSettings(context.Background(), func(s *bot.Settings) error {
			s.Language = bot.French
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// The bubble starts on Saturday 1 January 2000, 00:00 UTC (01:00 in Paris).
		r := f.cmd(t, alice, "schedule add "+community+" tous les lundis à 9h Fil de la semaine")
		if r.Card == nil {
			t.Fatalf("reply %q", errText(r))
		}
		want := "lundi 3 janvier 2000, 09:00 Europe/Paris (UTC+01:00) — dans 2 jours"
		if r.Card.Context != want {
			t.Errorf("confirmation %q, want %q", r.Card.Context, want)
		}
		if !strings.HasPrefix(r.Card.Title, "Publication n°1 programmée pour <#discord:") {
			t.Errorf("title %q", r.Card.Title)
		}
		next := r.Card.Fields[0].Value
		if !strings.Contains(next, "lundi 10 janvier 2000") || !strings.Contains(next, "lundi 17 janvier 2000") {
			t.Errorf("next times %q", next)
		}
		// A French team's 01/02 is 1 February, not ambiguous.
		if r := f.cmd(t, alice, "schedule add "+community+" 01/02 9h x"); r.Card == nil || !strings.HasPrefix(r.Card.Context, "mardi 1er février 2000, 09:00") {
			t.Errorf("01/02 in French: %q %+v", errText(r), r.Card)
		}
	})
}

func TestApprovalCardEditAndReject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.cmd(t, alice, "setup schedule-approval on")
		f.cmd(t, alice, "schedule add "+community+" tomorrow 9am First draft")
		card := f.cards()[0]
		r := f.press(t, carol, button(t, card, "schedule/edit/1/1"))
		if r.Form == nil || r.Form.Fields[0].Value != "First draft" || r.Form.Fields[0].MaxLen != 2000 {
			t.Fatalf("edit form %+v", r.Form)
		}
		empty := f.Send(t, bot.Event{Kind: bot.EventSubmit, User: carol, Action: r.Form.ID, Options: map[string]string{"text": " "}})
		if empty.FieldErrors["text"] == "" {
			t.Fatalf("an empty edit was accepted: %+v", empty)
		}
		f.Send(t, bot.Event{Kind: bot.EventSubmit, User: carol, Action: r.Form.ID, Options: map[string]string{"text": "Second draft"}})
		// The card now shows version 2; the old buttons are stale.
		var updated *bot.Card
		for _, a := range f.Slack.Of(bot.ActUpdate) {
			updated = a.Card
		}
		if updated == nil || updated.Body != "Second draft" || !strings.Contains(updated.Title, "version 2") {
			t.Fatalf("card after the edit: %+v", updated)
		}
		if got := errText(f.press(t, alice, button(t, card, "schedule/approve/1/1"))); !strings.Contains(got, "changed since") {
			t.Errorf("approve of version 1: %q", got)
		}
		if got := errText(f.press(t, alice, button(t, updated, "schedule/reject/1/2"))); !strings.Contains(got, "rejected") {
			t.Fatalf("reject: %q", got)
		}
		time.Sleep(48 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 0 {
			t.Fatalf("a rejected post went out: %q", p)
		}
		for _, c := range f.cards() {
			if strings.Contains(c.Title, "not approved") {
				t.Errorf("a rejected post still reports at its time: %q", c.Title)
			}
		}
	})
}

func TestRescheduleMovesTheOccurrence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.cmd(t, alice, "schedule add "+community+" in 2 hours Moved")
		r := f.cmd(t, alice, "schedule edit 1 when in 5 hours")
		if r.Card == nil || !strings.Contains(r.Card.Title, "rescheduled") {
			t.Fatalf("edit when: %q %+v", errText(r), r.Card)
		}
		if got := errText(f.cmd(t, alice, "schedule edit 1 when in 5 hours and more")); !strings.Contains(got, "is extra") {
			t.Errorf("extra words after the new time: %q", got)
		}
		time.Sleep(3 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 0 {
			t.Fatalf("went out at the old time: %q", p)
		}
		time.Sleep(3 * time.Hour)
		settle()
		if p := f.posts(); len(p) != 1 {
			t.Fatalf("posts %q, want one at the new time", p)
		}
	})
}

func TestFailedPostCanBePostedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.cmd(t, alice, "schedule add "+community+" in 1 hour Retry me")
		f.Discord.SetFail(func(bot.Action) error { return errors.New("HTTP 404 Not Found, Unknown Channel") })
		time.Sleep(time.Hour)
		settle()
		card := f.cards()[0]
		if !strings.Contains(card.Footer, "Unknown Channel") {
			t.Fatalf("failure card %+v", card)
		}
		f.Discord.SetFail(nil)
		if got := errText(f.press(t, alice, button(t, card, "schedule/repost/1/"))); !strings.Contains(got, "is out") {
			t.Fatalf("post again: %q", got)
		}
		if got := errText(f.press(t, alice, button(t, card, "schedule/repost/1/"))); !strings.Contains(got, "not in doubt") {
			t.Errorf("a second press: %q", got)
		}
		if p := f.posts(); len(p) != 1 {
			t.Fatalf("posts %q", p)
		}
	})
}

func TestIDsAutocomplete(t *testing.T) {
	f := newFixture(t)
	for _, text := range []string{"One", "Two", "Three"} {
		f.cmd(t, alice, "schedule add "+community+" tomorrow 9am "+text)
	}
	f.cmd(t, alice, "schedule cancel 2")
	r := f.Send(t, bot.Event{Kind: bot.EventAutocomplete, User: alice, Command: "schedule show", Focus: "id", Options: map[string]string{"id": ""}})
	var got []string
	for _, c := range r.Choices {
		got = append(got, c.Value+"="+c.Name)
	}
	if strings.Join(got, " ") != "3=#3 Three 1=#1 One" {
		t.Errorf("choices %q: live posts, newest first", got)
	}
	if r := f.Send(t, bot.Event{Kind: bot.EventAutocomplete, User: bottest.Member, Command: "schedule show", Focus: "id"}); r != nil && len(r.Choices) > 0 {
		t.Errorf("ids shown to a non-staff member: %+v", r.Choices)
	}
}
