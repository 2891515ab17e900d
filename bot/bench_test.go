package bot_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// BenchmarkEngineRoute measures one event through dedupe, deadline, metrics,
// the staff middleware and the router, to a handler that does nothing.
func BenchmarkEngineRoute(b *testing.B) {
	r := &bot.Router{}
	nop := bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil })
	r.Group(bot.StaffOnly).Action(bot.NewPattern("inbox/approve/{id}/{v}"), nop)
	r.Group(bot.StaffOnly).Action(bot.NewPattern("inbox/reject/{id}"), nop)
	r.Group(bot.StaffOnly).Action(bot.NewPattern("schedule/approve/{id}"), nop)
	e, err := bot.NewEngine(bot.EngineConfig{Router: r, Metrics: &bottest.Metrics{},
		Settings: bottest.NewMemSettings(bot.Settings{Staff: []string{"slack:U1"}})})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 1<<16) // more than the dedupe window, so ids recur only once forgotten
	for i := range ids {
		ids[i] = "ev" + strconv.Itoa(i)
	}
	ev := bot.Event{Kind: bot.EventAction, Action: "schedule/approve/7", User: bot.UserRef{Platform: bot.Slack, ID: "U1"},
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C1"}}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev.ID = ids[i&(len(ids)-1)]
		if _, err := e.HandleEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}
