package bottest_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

func TestEventsWaitReturnsMatchesInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r bottest.Events
		isMsg := func(e bot.Event) bool { return e.Kind == bot.EventMessage }
		go func() {
			for _, id := range []string{"a", "b", "c"} {
				kind := bot.EventMessage
				if id == "b" {
					kind = bot.EventCommand
				}
				r.Add(bot.Event{ID: id, Kind: kind})
			}
		}()
		got, err := r.Wait(t.Context(), 2, isMsg)
		if err != nil || len(got) != 2 || got[0].ID != "a" || got[1].ID != "c" {
			t.Fatalf("Wait = %v, %v; want events a and c", got, err)
		}
		if n := r.Count(isMsg); n != 2 {
			t.Errorf("Count = %d, want 2", n)
		}
		if all := r.All(); len(all) != 3 {
			t.Errorf("All = %v, want 3 events", all)
		}
	})
}

func TestEventsWaitGivesUpWithTheMatchesSoFar(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r bottest.Events
		r.Add(bot.Event{ID: "a"})
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		got, err := r.Wait(ctx, 2, func(bot.Event) bool { return true })
		if !errors.Is(err, context.DeadlineExceeded) || len(got) != 1 {
			t.Fatalf("Wait = %v, %v; want event a and DeadlineExceeded", got, err)
		}
	})
}
