package digest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

func TestDetectorOnSyntheticSeries(t *testing.T) {
	normal := sensitivityOf("normal")
	// The same Monday 09:00 hour of four earlier weeks.
	monday := baseline{Volumes: []float64{40, 44, 38, 42}, NegShares: []float64{0.1, 0.12, 0.08, 0.1}}
	tests := []struct {
		name string
		o    observation
		b    baseline
		want string
	}{
		{"a normal Monday morning", observation{Hour: 45, Burst: 8, Negative: 5}, monday, ""},
		{"a busier Monday morning", observation{Hour: 60, Burst: 11, Negative: 6}, monday, ""},
		{"a 5x burst", observation{Hour: 205, Burst: 40, Negative: 20}, monday, alertVolume},
		{"a fast burst in ten minutes", observation{Hour: 70, Burst: 40, Negative: 7}, monday, alertBurst},
		{"negativity jumps", observation{Hour: 42, Burst: 7, Negative: 21}, monday, alertNegative},
		{"a slow drift: +5 % a week", observation{Hour: 46, Burst: 8, Negative: 5},
			baseline{Volumes: []float64{36.3, 38.1, 40, 42}, NegShares: []float64{0.1, 0.1, 0.1, 0.1}}, ""},
		{"one outlier week does not raise the bar", observation{Hour: 205, Burst: 40, Negative: 20},
			baseline{Volumes: []float64{40, 400, 38, 42}, NegShares: []float64{0.1, 0.1, 0.1, 0.1}}, alertVolume},
		{"learning: a quiet start", observation{Hour: 9, Burst: 2}, baseline{Learning: true, Mean: 5}, ""},
		{"learning: a clear spike", observation{Hour: 40, Burst: 8}, baseline{Learning: true, Mean: 5}, alertVolume},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detect(tt.o, tt.b, normal); got != tt.want {
				t.Errorf("detect = %q, want %q (threshold %.1f)", got, tt.want, tt.b.threshold(normal))
			}
		})
	}
	// Sensitivity moves the bar in the right direction.
	if lo, hi := monday.threshold(sensitivityOf("low")), monday.threshold(sensitivityOf("high")); lo <= hi {
		t.Errorf("low sensitivity threshold %.1f is not above high's %.1f", lo, hi)
	}
}

// seedWeeks stores four weeks of ordinary hours in the community channel.
func (f *fixture) seedWeeks(t *testing.T, weeks int) {
	t.Helper()
	var stats []bot.HourStats
	for h := now.Add(-time.Duration(weeks) * 7 * 24 * time.Hour); h.Before(now); h = h.Add(time.Hour) {
		n := usualDay[h.In(paris).Hour()]
		stats = append(stats, bot.HourStats{Hour: h, Channel: community, Messages: n, Negative: n / 8})
	}
	if err := f.agg.Add(context.Background(), stats, now); err != nil {
		t.Fatal(err)
	}
}

// message sends a community message at the fixture's clock and runs the
// spike check the runner would run.
func (f *fixture) message(t *testing.T, i int, text string) {
	t.Helper()
	f.Send(t, bot.Event{Kind: bot.EventMessage, Time: *f.clock, Text: text,
		User:    bot.UserRef{Platform: bot.Discord, ID: fmt.Sprintf("4000000000000%05d", i%7), Name: "member"},
		Message: bot.MessageRef{Channel: community, ID: fmt.Sprintf("5000000000000%05d", i)}})
	if err := f.skill.checkSpike(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func alertPosts(p []bot.Action) (posts, updates int) {
	for _, a := range p {
		if a.Card == nil || !strings.Contains(a.Card.Title, "activity") && !strings.Contains(a.Card.Title, "negativity") {
			continue
		}
		switch a.Kind {
		case bot.ActPost:
			posts++
		case bot.ActUpdate:
			updates++
		}
	}
	return posts, updates
}

func TestBurstAlertsOnceAndNormalHourDoesNot(t *testing.T) {
	f := newFixture(t, bot.English)
	f.seedWeeks(t, 4)
	// An ordinary 09:00 hour: 12 messages.
	for i := range usualDay[9] {
		*f.clock = now.Add(time.Duration(i) * 5 * time.Minute)
		f.message(t, i, "Hello, has anyone tried the new dashboard?")
	}
	if p, u := alertPosts(f.Slack.Actions()); p+u != 0 {
		t.Fatalf("an ordinary hour gave %d alerts and %d updates", p, u)
	}
	// Then five times the usual level within the next hour, all complaints.
	base := now.Add(time.Hour)
	for i := range 5 * usualDay[10] {
		*f.clock = base.Add(time.Duration(i) * 40 * time.Second)
		f.message(t, 100+i, "My delivery is late again and nobody answers, this is unacceptable")
	}
	p, u := alertPosts(f.Slack.Actions())
	if p != 1 {
		t.Fatalf("the burst gave %d alert cards (and %d updates), want exactly 1", p, u)
	}
	var card *bot.Card
	for _, a := range f.Slack.Of(bot.ActPost) {
		card = a.Card
	}
	text := cardText(*card)
	for _, want := range []string{"delivery", "https://chat.example/300000000000000001/"} {
		if !strings.Contains(text, want) {
			t.Errorf("alert card lacks %q:\n%s", want, text)
		}
	}
	// Still going an hour later: the same incident, updated, not repeated.
	*f.clock = base.Add(95 * time.Minute)
	for i := range 80 {
		f.message(t, 400+i, "Still no delivery, I want a refund")
	}
	if p, _ := alertPosts(f.Slack.Actions()); p != 1 {
		t.Errorf("the same incident posted %d alert cards, want 1", p)
	}
}

func TestAlertsSayTheBaselineIsLearning(t *testing.T) {
	f := newFixture(t, bot.English)
	f.seedWeeks(t, 0)
	for i := range 40 {
		*f.clock = now.Add(time.Duration(i) * 30 * time.Second)
		f.message(t, i, "The app crashes at login again, this is unacceptable")
	}
	var text string
	for _, a := range f.Slack.Of(bot.ActPost) {
		text = cardText(*a.Card)
	}
	if !strings.Contains(text, "still learning") {
		t.Errorf("alert with no history does not say the baseline is learning:\n%s", text)
	}
	if r := f.Command(t, bottest.Staff, "setup alerts off"); bottest.ReplyText(r) != "Spike alerts are off." {
		t.Fatalf("setup alerts off: %q", bottest.ReplyText(r))
	}
	f.Slack.Reset()
	*f.clock = now.Add(3 * time.Hour)
	for i := range 60 {
		f.message(t, 100+i, "The app crashes at login again, this is unacceptable")
	}
	if n := len(f.Slack.Of(bot.ActPost)); n != 0 {
		t.Errorf("alerts off, yet %d cards posted", n)
	}
}
