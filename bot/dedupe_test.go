package bot_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// seenStore is a Redeliveries that keeps ids in a map, or fails.
type seenStore struct {
	mu   sync.Mutex
	ids  map[string]bool
	fail bool
}

func (s *seenStore) First(_ context.Context, p bot.PlatformID, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return false, errors.New("database gone")
	}
	if s.ids[string(p)+id] {
		return false, nil
	}
	s.ids[string(p)+id] = true
	return true, nil
}

// countingEngine is an engine over seen whose /cm count counts its runs.
func countingEngine(t *testing.T, seen bot.Redeliveries, hits *atomic.Int32) *bot.Engine {
	t.Helper()
	r := &bot.Router{}
	r.Command(bot.Command{Route: "count", Handler: bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) {
		hits.Add(1)
		return bot.Text("ok"), nil
	})})
	e, err := bot.NewEngine(bot.EngineConfig{Router: r, Settings: bottest.NewMemSettings(bot.Settings{}),
		Logger: slog.New(slog.DiscardHandler), Redeliveries: seen})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEngineRedeliveriesAcrossEnginesAndFailures(t *testing.T) {
	ctx := context.Background()
	ev := bot.Event{ID: "c:T1", Kind: bot.EventCommand, Text: "count", User: bottest.Member}
	seen := &seenStore{ids: map[string]bool{}}
	var hits atomic.Int32

	// An event that arrives while the engine shuts down is not handled and
	// not recorded: the next engine on the same store handles it, once.
	first := countingEngine(t, seen, &hits)
	if err := first.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := first.HandleEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	next := countingEngine(t, seen, &hits)
	for range 2 {
		if _, err := next.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("handled %d times: want once, by the engine that was running", n)
	}
	// A third engine on the same store (a restart) drops it.
	if _, err := countingEngine(t, seen, &hits).HandleEvent(ctx, ev); err != nil || hits.Load() != 1 {
		t.Errorf("after a restart the redelivery was handled (%d runs, err %v)", hits.Load(), err)
	}

	// When the store fails, the event is handled rather than lost.
	seen.fail = true
	other := ev
	other.ID = "c:T2"
	if r, err := countingEngine(t, seen, &hits).HandleEvent(ctx, other); err != nil || bottest.ReplyText(r) != "ok" || hits.Load() != 2 {
		t.Errorf("with the store failing: reply %q, err %v, %d runs; want the event handled", bottest.ReplyText(r), err, hits.Load())
	}
}
