package digest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// occurrence returns the timer record of the stored next digest.
func (f *fixture) occurrence(t *testing.T) bot.TimerRecord {
	t.Helper()
	c, err := f.skill.load(context.Background())
	if err != nil || c.Next.IsZero() {
		t.Fatalf("no next digest: %+v, %v", c, err)
	}
	return bot.TimerRecord{Kind: timerKind, Key: timerKey(c.Next), At: c.Next}
}

func TestScheduledDigestGoesOutOncePerPeriod(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, bot.Dutch)
	f.seed(t)
	*f.clock = now.Add(-time.Hour) // 08:00 in Paris
	if r := f.Command(t, bottest.Staff, "digest channel <#slack:C0DIGEST>"); !strings.Contains(bottest.ReplyText(r), "<#slack:C0DIGEST>") {
		t.Fatalf("digest channel: %q", bottest.ReplyText(r))
	}
	f.Command(t, bottest.Staff, "digest at 09:00")
	rec := f.occurrence(t)
	if !rec.At.Equal(now) {
		t.Fatalf("next digest at %v, want %v", rec.At, now)
	}
	*f.clock = now
	if err := f.skill.fire(ctx, rec); err != nil {
		t.Fatal(err)
	}
	// Handed again after a crash: already claimed, not posted twice.
	rec.Redelivered = true
	if err := f.skill.fire(ctx, rec); err != nil {
		t.Fatal(err)
	}
	posts := f.Slack.Of(bot.ActPost)
	if len(posts) != 1 || posts[0].Channel.ID != "C0DIGEST" || !strings.HasPrefix(posts[0].Card.Title, "Dagoverzicht — woensdag 2 december") {
		t.Fatalf("posts = %+v, want one Dutch digest in C0DIGEST", posts)
	}
	if posts[0].Card.Footer != "" {
		t.Errorf("on-time digest marked late: %q", posts[0].Card.Footer)
	}
	next := f.occurrence(t)
	if want := now.Add(24 * time.Hour); !next.At.Equal(want) {
		t.Errorf("next = %v, want %v", next.At, want)
	}

	// The bot was down 30 minutes past the next one: it goes out late.
	*f.clock = next.At.Add(30 * time.Minute)
	if err := f.skill.fire(ctx, next); err != nil {
		t.Fatal(err)
	}
	posts = f.Slack.Of(bot.ActPost)
	if len(posts) != 2 || posts[1].Card.Footer != "Te laat verstuurd: de bot was offline om 09:00." {
		t.Fatalf("late digest: %d posts, footer %q", len(posts), posts[len(posts)-1].Card.Footer)
	}
	// Down for three hours past the one after: skipped, and the schedule goes on.
	third := f.occurrence(t)
	*f.clock = third.At.Add(3 * time.Hour)
	if err := f.skill.fire(ctx, third); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Slack.Of(bot.ActPost)); n != 2 {
		t.Errorf("a digest missed by 3 h was posted (%d posts)", n)
	}
	fourth := f.occurrence(t)
	if !fourth.At.Equal(third.At.Add(24 * time.Hour)) {
		t.Errorf("after a miss the next is %v, want %v", fourth.At, third.At.Add(24*time.Hour))
	}

	// A stale record (the schedule changed) posts nothing.
	f.Command(t, bottest.Staff, "digest off")
	*f.clock = fourth.At
	if err := f.skill.fire(ctx, fourth); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Slack.Of(bot.ActPost)); n != 2 {
		t.Errorf("a digest went out after digest off (%d posts)", n)
	}
}

func TestDigestAtKeepsLocalTimeAcrossDST(t *testing.T) {
	c := settings{Schedule: "daily", At: "09:00"}
	// The night clocks go back in Paris (25 October 2026).
	got := c.next(time.Date(2026, 10, 24, 8, 0, 0, 0, time.UTC), paris)
	if want := time.Date(2026, 10, 25, 9, 0, 0, 0, paris); !got.Equal(want) || got.In(paris).Hour() != 9 {
		t.Errorf("next after the change = %v, want %v", got.In(paris), want)
	}
	w := settings{Schedule: "weekly", At: "08:30", Weekday: time.Monday}
	if got := w.next(now, paris); got.In(paris).Weekday() != time.Monday || got.In(paris).Format("15:04") != "08:30" {
		t.Errorf("weekly next = %v", got.In(paris))
	}
}
