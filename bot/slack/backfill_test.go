package slack

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// watching makes the platform watch channels (Config.Watched).
func watching(channels ...string) option {
	return func(_ *harness, c *Config) {
		c.Watched = func(context.Context) ([]bot.ChannelRef, error) {
			refs := []bot.ChannelRef{{Platform: bot.Discord, ID: "123"}} // another platform's: skipped
			for _, ch := range channels {
				refs = append(refs, slackCh(ch))
			}
			return refs, nil
		}
	}
}

func messageAt(channel, ts string) func(bot.Event) bool {
	return func(e bot.Event) bool {
		return e.Kind == bot.EventMessage && e.Message.Channel.ID == channel && e.Message.ID == ts
	}
}

// Messages posted in watched channels while the socket was down reach the
// handler once the socket is back, each exactly once, even one that Slack
// also delivers live; a channel with nothing seen before the drop is
// fetched too; unwatched channels are not fetched.
func TestReconnectBackfillsWatchedChannels(t *testing.T) {
	h := start(t, watching("C0GEN", "C0QUIET"))
	before := h.srv.PostUserMessage("C0GEN", bob, "before the drop", "")
	h.waitEvent("before the drop", messageAt("C0GEN", before))

	release := h.srv.InjectStall("apps.connections.open")
	h.srv.DropSocket()
	h.srv.WaitCalls("apps.connections.open", 2) // reconnecting, held: nothing can be delivered
	type posted struct{ channel, ts, text string }
	var lost []posted
	for _, p := range []posted{
		{channel: "C0GEN", text: "my order is late"},
		{channel: "C0GEN", text: "still nothing?"},
		{channel: "C0QUIET", text: "first words here"},
		{channel: "C0GEN", text: "delivered late as well"},
	} {
		p.ts = h.srv.PostUndelivered(p.channel, carol, p.text)
		lost = append(lost, p)
	}
	unwatched := h.srv.PostUndelivered("C0ELSE", bob, "not watched")
	release()
	h.srv.WaitConnections(2)
	late := lost[3]
	h.srv.DeliverUserMessage(late.channel, late.ts) // Slack delivers this one live too

	for _, p := range lost {
		e := h.waitEvent(p.text, messageAt(p.channel, p.ts))
		if e.Text != p.text || e.User.ID != carol || e.User.Name != "carol" || e.ID != "m:"+p.channel+":"+p.ts {
			t.Errorf("backfilled event = %+v", e)
		}
	}
	h.logs.wait(t, "slack backfill after reconnect")
	h.waitDuplicates(1) // the one delivered both ways
	h.stop()
	for _, p := range append(lost, posted{channel: "C0GEN", ts: before, text: "before the drop"}) {
		if n := h.count(messageAt(p.channel, p.ts)); n != 1 {
			t.Errorf("%q handled %d times, want once", p.text, n)
		}
	}
	if n := h.count(messageAt("C0ELSE", unwatched)); n != 0 {
		t.Errorf("a message of an unwatched channel was handled %d times", n)
	}
	for _, c := range h.srv.CallsTo("conversations.history") {
		switch ch, oldest := c.Params.Get("channel"), c.Params.Get("oldest"); {
		case ch == "C0ELSE":
			t.Errorf("an unwatched channel was fetched")
		case ch == "C0GEN" && oldest != before:
			t.Errorf("C0GEN fetched from %s, want after the last message seen, %s", oldest, before)
		}
	}
}

// Without a reconnect nothing is fetched: the first socket of a run is not
// a reconnect.
func TestNoBackfillOnFirstConnect(t *testing.T) {
	h := start(t, watching("C0GEN"))
	ts := h.srv.PostUserMessage("C0GEN", bob, "hello", "")
	h.waitEvent("hello", messageAt("C0GEN", ts))
	h.stop()
	if calls := h.srv.CallsTo("conversations.history"); len(calls) != 0 {
		t.Errorf("conversations.history called %d times without a reconnect", len(calls))
	}
}

// A backfill hands over at most backfillMax messages a channel, paging
// through conversations.history with its cursor.
func TestBackfillIsBoundedInCount(t *testing.T) {
	h := start(t, watching("C0GEN"))
	h.srv.PostUserMessage("C0ELSE", bob, "hello", "") // acknowledged: the socket's hello was read
	release := h.srv.InjectStall("apps.connections.open")
	h.srv.DropSocket()
	h.srv.WaitCalls("apps.connections.open", 2)
	for i := range backfillMax + 50 {
		h.srv.PostUndelivered("C0GEN", bob, fmt.Sprintf("message %d", i))
	}
	release()
	h.srv.WaitConnections(2)
	h.logs.wait(t, "slack backfill after reconnect")
	h.stop()
	if n := h.count(func(e bot.Event) bool { return e.Kind == bot.EventMessage && e.Message.Channel.ID == "C0GEN" }); n != backfillMax {
		t.Errorf("%d messages handed over, want %d", n, backfillMax)
	}
	calls := h.srv.CallsTo("conversations.history")
	if len(calls) != 2 || calls[1].Params.Get("cursor") == "" {
		t.Errorf("conversations.history calls = %+v, want two pages", calls)
	}
	h.logs.wait(t, "the earliest are left out")
}

// A backfill looks back from the last message seen in a channel, else from
// when the socket last spoke, and never more than backfillWindow.
func TestBackfillFrom(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	recent, old := slackTS(now.Add(-time.Minute)), slackTS(now.Add(-time.Hour))
	floor := slackTS(now.Add(-backfillWindow))
	for _, tt := range []struct {
		last  string
		since time.Time
		want  string
	}{
		{recent, now.Add(-2 * time.Minute), recent},
		{"", now.Add(-2 * time.Minute), slackTS(now.Add(-2 * time.Minute))},
		{old, now.Add(-2 * time.Minute), floor},
		{"", now.Add(-time.Hour), floor},
	} {
		if got := backfillFrom(tt.last, tt.since, now); got != tt.want {
			t.Errorf("backfillFrom(%q, %v) = %s, want %s", tt.last, tt.since, got, tt.want)
		}
	}
}
