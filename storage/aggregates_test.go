package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func hoursOf(t *testing.T, a *storage.Aggregates, from, to time.Time) []bot.HourStats {
	t.Helper()
	var out []bot.HourStats
	if err := a.Hours(context.Background(), from, to, func(s bot.HourStats) bool { out = append(out, s); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAggregatesAddMergesAndSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	db := openAt(t, path)
	a := storage.NewAggregates(db)
	ch := bot.ChannelRef{Platform: bot.Discord, ID: "300"}
	h := base.Truncate(time.Hour)
	first := []bot.HourStats{{Hour: h, Channel: ch, Messages: 2, Negative: 1, Kinds: map[bot.Kind]int{bot.KindComplaint: 1}, Terms: map[string]int{"refund": 1}}}
	if err := a.Add(ctx, first, h.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	second := []bot.HourStats{
		{Hour: h.Add(30 * time.Minute), Channel: ch, Messages: 3, Kinds: map[bot.Kind]int{bot.KindComplaint: 2}, Terms: map[string]int{"refund": 2, "late": 1}},
		{Hour: h.Add(time.Hour), Channel: ch, Messages: 1},
	}
	if err := a.Add(ctx, second, h.Add(70*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	a = storage.NewAggregates(openAt(t, path))
	got := hoursOf(t, a, h, h.Add(2*time.Hour))
	if len(got) != 2 {
		t.Fatalf("got %d records, want 2: %+v", len(got), got)
	}
	if g := got[0]; g.Messages != 5 || g.Negative != 1 || g.Kinds[bot.KindComplaint] != 3 || g.Terms["refund"] != 3 || g.Terms["late"] != 1 || !g.Hour.Equal(h) {
		t.Errorf("first hour = %+v, want 5 messages, 1 negative, 3 complaints, refund 3, late 1", g)
	}
	if through, err := a.Through(ctx); err != nil || !through.Equal(h.Add(70*time.Minute)) {
		t.Errorf("Through = %v, %v; want %v", through, err, h.Add(70*time.Minute))
	}
	if got := hoursOf(t, a, h.Add(time.Hour), h.Add(2*time.Hour)); len(got) != 1 || got[0].Messages != 1 {
		t.Errorf("second hour alone = %+v", got)
	}
}

func TestAggregatesReplaceAndPurge(t *testing.T) {
	ctx := context.Background()
	a := storage.NewAggregates(openAt(t, tempPath(t)))
	ch := bot.ChannelRef{Platform: bot.Slack, ID: "C1"}
	h := base.Truncate(time.Hour)
	var stats []bot.HourStats
	for i := range 5 {
		stats = append(stats, bot.HourStats{Hour: h.Add(time.Duration(i) * time.Hour), Channel: ch, Messages: 10})
	}
	if err := a.Add(ctx, stats, h.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.Replace(ctx, h.Add(time.Hour), h.Add(3*time.Hour), []bot.HourStats{{Hour: h.Add(2 * time.Hour), Channel: ch, Messages: 4}}); err != nil {
		t.Fatal(err)
	}
	var counts []int
	for _, s := range hoursOf(t, a, time.Time{}, h.Add(24*time.Hour)) {
		counts = append(counts, s.Messages)
	}
	if want := []int{10, 4, 10, 10}; !slices.Equal(counts, want) {
		t.Errorf("after Replace: %v, want %v", counts, want)
	}
	if err := a.Replace(ctx, h, h.Add(time.Hour), []bot.HourStats{{Hour: h.Add(time.Hour), Channel: ch}}); err == nil {
		t.Error("Replace accepted a record outside its range")
	}
	n, err := a.Purge(ctx, h.Add(3*time.Hour))
	if err != nil || n != 2 {
		t.Errorf("Purge = %d, %v; want 2", n, err)
	}
	if got := hoursOf(t, a, time.Time{}, h.Add(24*time.Hour)); len(got) != 2 || !got[0].Hour.Equal(h.Add(3*time.Hour)) {
		t.Errorf("after Purge: %+v", got)
	}
}

func TestHourStatsMergeKeepsTermsSmall(t *testing.T) {
	s := bot.HourStats{}
	terms := map[string]int{}
	for i := range 3 * bot.MaxHourTerms {
		terms[string(rune('a'+i%26))+string(rune('a'+i/26))] = 1
	}
	terms["refund"] = 9
	s.Merge(bot.HourStats{Terms: terms})
	if len(s.Terms) != bot.MaxHourTerms || s.Terms["refund"] != 9 {
		t.Errorf("kept %d terms (refund %d), want %d with refund 9", len(s.Terms), s.Terms["refund"], bot.MaxHourTerms)
	}
}
