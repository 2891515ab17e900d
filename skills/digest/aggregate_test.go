package digest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/storage"
)

func totals(t *testing.T, f *fixture) (msgs, neg, complaints int, terms map[string]int) {
	t.Helper()
	terms = map[string]int{}
	err := f.agg.Hours(context.Background(), time.Time{}, now.Add(48*time.Hour), func(h bot.HourStats) bool {
		msgs += h.Messages
		neg += h.Negative
		complaints += h.Kinds[bot.KindComplaint]
		for k, n := range h.Terms {
			terms[k] += n
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

// logAndCount records a message in the history (as the history skill does)
// and hands it to the engine.
func (f *fixture) logAndCount(t *testing.T, i int, ch bot.ChannelRef, text string, at time.Time) {
	t.Helper()
	ref := bot.MessageRef{Channel: ch, ID: fmt.Sprintf("6000000000000%05d", i)}
	u := bot.UserRef{Platform: ch.Platform, ID: "U1", Name: "member"}
	if err := f.log.Record(context.Background(), bot.LoggedMessage{Ref: ref, Author: u, Text: text, Time: at}); err != nil {
		t.Fatal(err)
	}
	f.Send(t, bot.Event{Kind: bot.EventMessage, Time: at, Text: text, User: u, Message: ref})
}

func TestCountsAreStoredRecoveredAndRebuilt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, bot.English)
	complaint := "Ma commande Acme est encore en retard, c'est inadmissible"
	for i := range 6 {
		f.logAndCount(t, i, community, complaint, now.Add(time.Duration(i)*time.Minute))
	}
	// Not counted: another channel, a bot, an edit.
	other := bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: "999999999999999999"}, ID: "1"}
	f.Send(t, bot.Event{Kind: bot.EventMessage, Text: complaint, User: bot.UserRef{Platform: bot.Discord, ID: "1"}, Message: other})
	f.Send(t, bot.Event{Kind: bot.EventMessage, Text: complaint, User: bot.UserRef{Platform: bot.Discord, ID: "2", Bot: true}, Message: bot.MessageRef{Channel: community, ID: "b"}})
	f.Send(t, bot.Event{Kind: bot.EventMessage, Text: complaint, Edited: true, User: bot.UserRef{Platform: bot.Discord, ID: "1"}, Message: bot.MessageRef{Channel: community, ID: "6000000000000000000"}})
	if err := f.skill.flush(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, neg, comp, terms := totals(t, f)
	if msgs != 6 || neg != 6 || comp != 6 {
		t.Fatalf("stored %d messages, %d negative, %d complaints; want 6 each", msgs, neg, comp)
	}
	if terms["commande"] != 6 || terms["retard"] != 6 || terms["acme"] != 0 || terms["est"] != 0 || terms["commande est"] != 0 {
		t.Errorf("terms = %v: want commande and retard, no brand, no stop words", terms)
	}

	// Three more are counted, then the process dies before the flush.
	for i := 6; i < 9; i++ {
		f.logAndCount(t, i, community, "Bonjour, merci pour la livraison rapide !", now.Add(time.Duration(i)*time.Minute))
	}
	cfg := f.skill.cfg
	cfg.Timers = storage.NewTimers(f.db, nil)
	restarted := New(cfg)
	*f.clock = now.Add(20 * time.Minute)
	if err := restarted.recover(ctx, *f.clock); err != nil {
		t.Fatal(err)
	}
	if msgs, _, comp, _ := totals(t, f); msgs != 9 || comp != 6 {
		t.Errorf("after the restart: %d messages, %d complaints; want 9 and 6 (rebuilt from the history)", msgs, comp)
	}

	// A rebuild from the history gives the same figures.
	if r := f.Command(t, bottest.Staff, "digest rebuild"); !strings.HasPrefix(bottest.ReplyText(r), "Recounting the digest figures") {
		t.Errorf("rebuild: %q", bottest.ReplyText(r))
	}
	if r := f.Command(t, bottest.Staff, "digest rebuild"); !strings.Contains(bottest.ReplyText(r), "already under way") {
		t.Errorf("second rebuild while one waits: %q", bottest.ReplyText(r))
	}
	if err := f.skill.runRebuild(ctx, <-f.skill.rebuilds); err != nil { // what the runner does
		t.Fatal(err)
	}
	posts := f.Slack.Of(bot.ActPost)
	if len(posts) != 1 || posts[0].Text != "<@slack:UADMIN> Digest figures recounted from 9 stored messages." || posts[0].Channel.ID != "C0TEAM" {
		t.Errorf("rebuild result = %+v", posts)
	}
	if msgs, neg, comp, _ := totals(t, f); msgs != 9 || comp != 6 || neg != 6 {
		t.Errorf("after rebuild: %d messages, %d negative, %d complaints; want 9, 6, 6", msgs, neg, comp)
	}
}

func TestAggregatesFollowTheRetention(t *testing.T) {
	f := newFixture(t, bot.English)
	f.seedWeeks(t, 6)
	if _, err := f.Settings.UpdateSettings(context.Background(), func(s *bot.Settings) error {
		s.Retention = bot.Duration(14 * 24 * time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.skill.purge(context.Background())
	var oldest time.Time
	if err := f.agg.Hours(context.Background(), time.Time{}, now, func(h bot.HourStats) bool { oldest = h.Hour; return false }); err != nil {
		t.Fatal(err)
	}
	if want := now.Add(-14 * 24 * time.Hour); !oldest.Equal(want) {
		t.Errorf("oldest hour kept = %v, want %v (14 days of retention)", oldest, want)
	}
}
