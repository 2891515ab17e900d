package inbox_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// BenchmarkOpenItems measures /cm inbox and the item autocomplete through
// the engine on a file of 100,000 items of which 500 are open, real bbolt.
// "scan" is what both did before the open-items index, side by side: read
// and decode every item, keep the open ones, sort them by age.
func BenchmarkOpenItems(b *testing.B) {
	const total, open = 100_000, 500
	f := newFixture(b)
	ctx := context.Background()
	old := time.Now().Add(-48 * time.Hour)
	sem := make(chan struct{}, 512) // concurrent writers share commits
	var wg sync.WaitGroup
	for i := range total {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := f.store.Conversation(ctx, []string{fmt.Sprintf("discord:bench:%d", i)}, func(it *bot.Item, _ bool) error {
				*it = bot.Item{State: bot.ItemSent, Author: member, Created: old.Add(time.Duration(i) * time.Second), Updated: old,
					Messages: []bot.ItemMessage{{Ref: bot.MessageRef{Channel: community, ID: fmt.Sprint(i)}, Text: "My Acme order never arrived, still waiting"}},
					Triage:   bot.Triage{Lang: "en", Kind: bot.KindComplaint, Urgency: bot.UrgencyNormal}, Draft: "Hi, sorry!", DraftVersion: 1}
				if i%(total/open) == 0 {
					it.State = bot.ItemDrafted
				}
				return nil
			})
			if err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := f.store.OpenItems(ctx); len(got) != open {
		b.Fatalf("%d open items, want %d", len(got), open)
	}
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if r := f.Command(b, alice, "inbox"); r == nil || r.Text == "" {
				b.Fatal("no list")
			}
		}
	})
	b.Run("autocomplete", func(b *testing.B) {
		for b.Loop() {
			r := f.Send(b, bot.Event{Kind: bot.EventAutocomplete, Command: "inbox show", Focus: "id", User: alice,
				Options: map[string]string{"id": "9"}})
			if r == nil || len(r.Choices) == 0 {
				b.Fatal("no choices")
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			items, err := f.store.Items(ctx, func(it *bot.Item) bool { return it.State.Open() })
			if err != nil || len(items) != open {
				b.Fatalf("%d open items, %v", len(items), err)
			}
			sort.SliceStable(items, func(i, j int) bool { return items[i].Created.Before(items[j].Created) })
		}
	})
}
