package inbox_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// BenchmarkBurst measures items carded per second when b.N watched messages
// (complaints and questions that all deserve a card) arrive at once, 16 at a
// time, through the engine, the offline triage and drafter, real bbolt
// transactions (fsync on) and the recording platform. It checks that every
// message got exactly one card.
func BenchmarkBurst(b *testing.B) {
	f := newFixture(b)
	texts := []string{
		"My Acme order %d never arrived, still waiting",
		"Does Acme ship parcel %d to Belgium?",
		"Toujours pas reçu ma commande %d, c'est inadmissible",
		"Mijn bestelling %d is nog steeds niet geleverd",
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range b.N {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ref := bot.MessageRef{Channel: community, ID: "6" + strconv.Itoa(1_000_000+i)}
			_, _ = f.Engine.HandleEvent(context.Background(), bot.Event{ID: ref.ID, Kind: bot.EventMessage, Message: ref,
				User: member, Text: fmt.Sprintf(texts[i%len(texts)], i), Time: time.Now()})
		})
	}
	wg.Wait()
	f.settle(b)
	elapsed := time.Since(start)
	b.StopTimer()
	cards := f.Slack.Of(bot.ActPost)
	if len(cards) != b.N {
		b.Fatalf("%d cards for %d messages", len(cards), b.N)
	}
	seen := map[string]bool{}
	for _, c := range cards {
		if seen[c.Card.Title] {
			b.Fatalf("duplicate card %q", c.Card.Title)
		}
		seen[c.Card.Title] = true
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "items/s")
}
