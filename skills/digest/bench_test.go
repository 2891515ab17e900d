package digest

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/history"
	"github.com/commpilot/commpilot/skills/inbox"
	"github.com/commpilot/commpilot/skills/triage"
	"github.com/commpilot/commpilot/storage"
)

var benchTexts = []string{
	"My Acme order %d never arrived, still waiting",
	"Does Acme ship parcel %d to Belgium?",
	"Toujours pas reçu ma commande %d, c'est inadmissible",
	"Mijn bestelling %d is nog steeds niet geleverd",
	"gg everyone, see you tomorrow for round %d",
	"lol that was fun, game %d",
}

// BenchmarkIngest measures the ingest path (the history skill storing each
// watched message, fsync on, 16 messages at a time through the engine)
// without and with the digest's counting, side by side in one run. Compare
// the msgs/s of the two sub-benchmarks.
//
// The "+inbox" variants add the inbox (offline triage and drafter, a card
// for each complaint or question): the whole ingest path of a deployment.
func BenchmarkIngest(b *testing.B) {
	for _, name := range []string{"history", "history+digest", "history+inbox", "history+inbox+digest"} {
		b.Run(name, func(b *testing.B) {
			f := newFixture(b, bot.English)
			memo := NewMemo(triage.New(), 4096) // shared as in cmd/commpilot
			f.skill.cfg.Classifier = memo
			env := bottest.MustEngine(b, f.Settings, bot.NewCatalog(Messages(), inbox.Messages()))
			env.Add(history.New(history.Config{Log: f.log, Settings: f.Settings}))
			if strings.Contains(name, "inbox") {
				env.Add(inbox.New(inbox.Config{Store: f.inbox, Settings: f.Settings, Audit: &bottest.MemAudit{}, Sender: env.Engine,
					Classifier: memo, Drafter: inbox.OfflineDrafter{}, Catalog: bot.NewCatalog(inbox.Messages()),
					Timers: storage.NewTimers(f.db, nil), Logger: slog.New(slog.DiscardHandler)}))
			}
			if strings.HasSuffix(name, "digest") {
				env.Add(f.skill)
			}
			sem := make(chan struct{}, 16)
			var wg sync.WaitGroup
			start := time.Now()
			i := 0
			for b.Loop() {
				sem <- struct{}{}
				n := i
				i++
				wg.Go(func() {
					defer func() { <-sem }()
					ref := bot.MessageRef{Channel: community, ID: "7" + strconv.Itoa(1_000_000+n)}
					_, err := env.Engine.HandleEvent(context.Background(), bot.Event{ID: ref.ID, Kind: bot.EventMessage, Message: ref,
						User: bot.UserRef{Platform: bot.Discord, ID: "42", Name: "m"}, Text: fmt.Sprintf(benchTexts[n%len(benchTexts)], n), Time: time.Now()})
					if err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(i)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkCount measures the digest's own work per message on the ingest
// path: settings, offline classification, topic terms, one append.
func BenchmarkCount(b *testing.B) {
	f := newFixture(b, bot.English)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		ref := bot.MessageRef{Channel: community, ID: strconv.Itoa(i)}
		if _, err := f.skill.handleMessage(ctx, bot.Event{Kind: bot.EventMessage, Message: ref, Text: fmt.Sprintf(benchTexts[i%len(benchTexts)], i), Time: now}); err != nil {
			b.Fatal(err)
		}
		i++
		if i%maxPending == 0 {
			_, _ = f.skill.live.take()
		}
	}
}

// BenchmarkDigestMillionMessages stores 1,000,000 messages over 30 days in
// 20 channels and 5,000 inbox items, rebuilds the aggregates from that
// history once (reported as rebuild-s), then measures computing and
// rendering a daily digest with its chart.
func BenchmarkDigestMillionMessages(b *testing.B) {
	const total, days, channels = 1_000_000, 30, 20
	f := newFixture(b, bot.English)
	ctx := context.Background()
	st, _ := f.Settings.Settings(ctx)
	var watch []bot.ChannelRef
	for c := range channels {
		watch = append(watch, bot.ChannelRef{Platform: bot.Discord, ID: strconv.Itoa(300000000000000100 + c)})
	}
	_, _ = f.Settings.UpdateSettings(ctx, func(s *bot.Settings) error { s.Watch = watch; return nil })
	from := now.Add(-days * 24 * time.Hour)
	step := time.Duration(int64(days*24*time.Hour) / total)
	batch := make([]bot.LoggedMessage, 0, 10000)
	for i := range total {
		ch := watch[i%channels]
		batch = append(batch, bot.LoggedMessage{Ref: bot.MessageRef{Channel: ch, ID: strconv.Itoa(10_000_000 + i)},
			Author: bot.UserRef{Platform: bot.Discord, ID: strconv.Itoa(i % 5000)}, Text: fmt.Sprintf(benchTexts[i%len(benchTexts)], i%97),
			Time: from.Add(time.Duration(i) * step)})
		if len(batch) == cap(batch) {
			if err := f.log.RecordMany(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for i := range 5000 {
		created := from.Add(time.Duration(i) * (days * 24 * time.Hour / 5000))
		_, err := f.inbox.Conversation(ctx, []string{"b" + strconv.Itoa(i)}, func(it *bot.Item, _ bool) error {
			it.Created, it.State = created, bot.ItemSent
			it.Triage = bot.Triage{Kind: bot.Kinds()[i%3], Urgency: bot.UrgencyNormal}
			it.SentAt = created.Add(time.Duration(i%240) * time.Minute)
			if i%10 == 0 {
				it.State = bot.ItemDrafted
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	n, err := f.skill.Rebuild(ctx, from, now)
	if err != nil || n != total {
		b.Fatalf("rebuild counted %d, %v", n, err)
	}
	rebuild := time.Since(t0)
	b.ResetTimer()
	for b.Loop() {
		r, err := f.skill.compute(ctx, now.Add(-24*time.Hour), now, st.Location())
		if err != nil {
			b.Fatal(err)
		}
		if r.Messages < total/days*9/10 {
			b.Fatalf("digest counted %d messages for a day", r.Messages)
		}
		card := f.skill.render(bot.English, r)
		if _, err := f.skill.chart(bot.English, r); err != nil || len(card.Fields) == 0 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(rebuild.Seconds(), "rebuild-s")
}

// BenchmarkChart measures one chart render.
func BenchmarkChart(b *testing.B) {
	f := newFixture(b, bot.English)
	f.seedForBench(b)
	r, err := f.skill.compute(context.Background(), now.Add(-24*time.Hour), now, paris)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.skill.chart(bot.English, r); err != nil {
			b.Fatal(err)
		}
	}
}

func (f *fixture) seedForBench(b *testing.B) {
	var stats []bot.HourStats
	for h := now.Add(-14 * 24 * time.Hour); h.Before(now); h = h.Add(time.Hour) {
		stats = append(stats, bot.HourStats{Hour: h, Channel: community, Messages: usualDay[h.In(paris).Hour()], Negative: 1})
	}
	if err := f.agg.Add(context.Background(), stats, now); err != nil {
		b.Fatal(err)
	}
}
