package inbox_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/inbox"
)

// countingDrafter drafts offline and counts the drafts.
type countingDrafter struct{ n atomic.Int64 }

func (c *countingDrafter) Draft(ctx context.Context, r bot.DraftRequest) (bot.Draft, error) {
	c.n.Add(1)
	return inbox.OfflineDrafter{}.Draft(ctx, r)
}

// stalledDrafter never answers until release is closed, like an LLM that
// hangs (drafting is bounded by the context only).
type stalledDrafter struct{ release chan struct{} }

func (s stalledDrafter) Draft(ctx context.Context, r bot.DraftRequest) (bot.Draft, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return bot.Draft{}, ctx.Err()
	}
	return inbox.OfflineDrafter{}.Draft(ctx, r)
}

func settings() bot.Settings {
	return bot.Settings{TeamChannel: team, Watch: []bot.ChannelRef{community}, Brand: []string{"Acme"},
		Staff: []string{"slack:UADMIN"}, Timezone: "Europe/Paris"}
}

// A burst of follow-ups within the quiet period makes one redraft and one
// card edit; another burst a period later makes one more of each. The item's
// history stays bounded.
func TestFollowUpBurstIsCoalesced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		drafts := &countingDrafter{}
		f := startInbox(t, openDB(t), settings(), func(c *inbox.Config) {
			c.Drafter, c.Quiet = drafts, 2*time.Second
		})
		first := f.post(t, community, member, "My Acme order never arrived")
		if drafts.n.Load() != 1 || len(f.Slack.Of(bot.ActPost)) != 1 {
			t.Fatalf("first message: %d drafts, %d cards", drafts.n.Load(), len(f.Slack.Of(bot.ActPost)))
		}
		burst := func(n int) {
			for i := range n {
				f.seq++
				f.Send(t, bot.Event{Kind: bot.EventMessage, User: member, Text: fmt.Sprintf("hello?? still nothing (%d)", i),
					Message: bot.MessageRef{Channel: community, ID: fmt.Sprintf("51%05d", f.seq)}, ReplyTo: first, Time: time.Now()})
			}
			f.settle(t)
		}
		burst(50)
		if d, e := drafts.n.Load(), len(f.Slack.Of(bot.ActUpdate)); d != 2 || e != 1 {
			t.Errorf("after a 50-reply burst: %d drafts (want 1 + 1 redraft), %d card edits (want 1)", d, e)
		}
		time.Sleep(3 * time.Second)
		burst(10)
		if d, e := drafts.n.Load(), len(f.Slack.Of(bot.ActUpdate)); d != 3 || e != 2 {
			t.Errorf("after a second burst: %d drafts (want 3), %d card edits (want 2)", d, e)
		}
		it := f.item(t, 1)
		if len(f.Slack.Of(bot.ActPost)) != 1 || !strings.Contains(f.lastCard(t).Quote, "(9)") {
			t.Errorf("one card showing the latest reply, got %d posts, quote %q", len(f.Slack.Of(bot.ActPost)), f.lastCard(t).Quote)
		}
		if len(it.History) > bot.MaxHistory || it.Elided == 0 || it.History[0].What != "received" {
			t.Errorf("history of %d lines (%d elided), first %+v: want at most %d, the first kept", len(it.History), it.Elided,
				it.History[0], bot.MaxHistory)
		}
	})
}

// With the drafter stalled and the queue full, messages are still stored
// at once; the work waits in the outbox and every item gets its card once
// the drafter answers again.
func TestOverloadDefersWorkAndDropsNothing(t *testing.T) {
	release := make(chan struct{})
	metrics := &bottest.Metrics{}
	f := startInbox(t, openDB(t), settings(), func(c *inbox.Config) {
		c.Drafter, c.Workers, c.QueueSize, c.Metrics = stalledDrafter{release}, 1, 2, metrics
	})
	const n = 10
	for i := range n {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := f.Engine.HandleEvent(ctx, bot.Event{Kind: bot.EventMessage, User: member, Time: time.Now(),
			Text: fmt.Sprintf("My Acme order %d never arrived", i), Message: bot.MessageRef{Channel: community, ID: fmt.Sprintf("52%05d", i)}})
		cancel()
		if err != nil {
			t.Fatalf("message %d: %v (ingest must not wait for drafting)", i, err)
		}
	}
	open, err := f.store.OpenItems(context.Background())
	if err != nil || len(open) != n {
		t.Fatalf("%d items stored, %v; want %d", len(open), err, n)
	}
	owed, err := f.store.Outbox(context.Background(), 0, 0)
	if err != nil || len(owed) != n {
		t.Fatalf("%d items in the outbox, %v; want %d", len(owed), err, n)
	}
	if d := metrics.Sum("commpilot_inbox_queue_depth", nil); d != 2 {
		t.Errorf("queue depth %v, want the queue's bound 2", d)
	}
	if c := len(f.Slack.Of(bot.ActPost)); c != 0 {
		t.Errorf("%d cards before any draft", c)
	}
	close(release)
	f.settle(t)
	cards := map[string]int{}
	for _, a := range f.Slack.Of(bot.ActPost) {
		cards[a.Card.Title]++
	}
	if len(cards) != n {
		t.Fatalf("%d distinct cards for %d items: %v", len(cards), n, cards)
	}
	for title, c := range cards {
		if c != 1 {
			t.Errorf("%d cards titled %q", c, title)
		}
	}
	if d := metrics.Sum("commpilot_inbox_queue_depth", nil); d != 0 {
		t.Errorf("queue depth %v once all is done", d)
	}
}

// A message its author deletes on the platform loses its text in the item
// at once; the card shows that it was deleted.
func TestDeletionRemovesTheTextFromTheItem(t *testing.T) {
	f := newFixture(t)
	ref := f.post(t, community, member, "My Acme order 5512 never arrived, call me at 0612345678")
	f.Send(t, bot.Event{Kind: bot.EventMessage, Deleted: true, Message: ref, Time: time.Now()})
	f.settle(t)
	it := f.item(t, 1)
	if m := it.Messages[0]; m.Text != "" || !m.Deleted {
		t.Errorf("stored message after its deletion: %+v", m)
	}
	ups := f.Slack.Of(bot.ActUpdate)
	if len(ups) != 1 || strings.Contains(ups[0].Card.Quote, "0612345678") || !strings.Contains(ups[0].Card.Quote, "(deleted by its author)") {
		t.Errorf("card edits %+v: want one, quoting the deletion", ups)
	}
}

// An item closed before its first draft and card came gets neither.
func TestClosedBeforeItsCardGetsNone(t *testing.T) {
	release := make(chan struct{})
	f := startInbox(t, openDB(t), settings(), func(c *inbox.Config) { c.Drafter = stalledDrafter{release} })
	f.Send(t, bot.Event{Kind: bot.EventMessage, User: member, Time: time.Now(), Text: "My Acme order never arrived",
		Message: bot.MessageRef{Channel: community, ID: "5300001"}})
	if got := bottest.ReplyText(f.Command(t, alice, "inbox close 1")); !strings.Contains(got, "#1") {
		t.Fatalf("close: %q", got)
	}
	close(release)
	f.settle(t)
	if it := f.item(t, 1); it.State != bot.ItemClosed || it.Draft != "" {
		t.Errorf("item after its queued work: %s, draft %q", it.State, it.Draft)
	}
	if posts := f.Slack.Of(bot.ActPost); len(posts) != 0 {
		t.Errorf("%d cards for an item closed before its card", len(posts))
	}
}
