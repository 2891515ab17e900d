package inbox_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/inbox"
	"github.com/commpilot/commpilot/storage"
)

// restartWith stores items as a stopped process left them, then starts the
// skill on the same file.
func restartWith(t *testing.T, st bot.Settings, items ...func(*bot.Item)) (*bottest.Env, *storage.Inbox) {
	t.Helper()
	db := openDB(t)
	store := storage.NewInbox(db)
	for i, fill := range items {
		key := "discord:1:" + string(rune('a'+i))
		if _, err := store.Conversation(context.Background(), []string{key}, func(it *bot.Item, _ bool) error {
			*it = bot.Item{Author: member, Created: time.Now().Add(-time.Hour), Updated: time.Now().Add(-time.Minute),
				Messages: []bot.ItemMessage{{Ref: bot.MessageRef{Channel: community, ID: "9" + string(rune('0'+i))}, Text: "My Acme order never arrived"}},
				Triage:   bot.Triage{Lang: "en", Kind: bot.KindComplaint, Urgency: bot.UrgencyNormal}}
			fill(it)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	f := startInbox(t, db, st)
	return f.Env, f.store
}

func waitState(t *testing.T, store *storage.Inbox, id uint64, want bot.ItemState) bot.Item {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		it, err := store.Item(context.Background(), id)
		if err == nil && it.State == want {
			return it
		}
		if time.Now().After(deadline) {
			t.Fatalf("item %d: state %s, want %s", id, it.State, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRestartDraftsAnItemLeftWithoutDraft(t *testing.T) {
	env, store := restartWith(t, bot.Settings{TeamChannel: team},
		func(it *bot.Item) { it.State, it.Work = bot.ItemNew, bot.WorkDraft|bot.WorkCard })
	it := waitState(t, store, 1, bot.ItemDrafted)
	if it.Draft == "" {
		t.Fatal("no draft")
	}
	waitUntil(t, func() bool { return len(env.Slack.Of(bot.ActPost)) == 1 })
	if c := env.Slack.Of(bot.ActPost)[0].Card; len(c.Buttons) == 0 || !strings.HasPrefix(c.Buttons[0].ID, "inbox/approve/1/") {
		t.Errorf("card %+v", c)
	}
}

func TestRestartExpiresApprovalsPastTheCatchUpWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env, store := restartWith(t, bot.Settings{TeamChannel: team},
			func(it *bot.Item) {
				it.State, it.Draft, it.DraftVersion, it.SendAt = bot.ItemPending, "Sorry!", 1, time.Now().Add(-2*time.Hour)
				it.Card = bot.MessageRef{Channel: team, ID: "card"}
			},
			func(it *bot.Item) {
				it.State, it.Draft, it.DraftVersion, it.SendAt = bot.ItemPending, "On it!", 1, time.Now().Add(100*time.Millisecond)
			})
		late := waitState(t, store, 1, bot.ItemDrafted)
		if late.Reason != "late" {
			t.Errorf("late approval: %+v", late)
		}
		waitState(t, store, 2, bot.ItemSent)
		replies := env.Discord.Of(bot.ActReply)
		if len(replies) != 1 || replies[0].Text != "On it!" {
			t.Errorf("replies %+v: only the approval within the window goes out", replies)
		}
	})
}

func TestUndoThenApproveAgainSends(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, func(s *bot.Settings) { s.SendDelay = bot.Duration(200 * time.Millisecond) })
		f.post(t, community, member, "Acme, my invoice is wrong")
		approve := button(t, f.lastCard(t), "inbox/approve/")
		f.click(t, alice, approve)
		f.click(t, alice, button(t, f.lastCard(t), "inbox/undo/"))
		f.click(t, alice, approve) // same version: still valid
		waitState(t, f.store, 1, bot.ItemSent)
		if n := len(f.Discord.Of(bot.ActReply)); n != 1 {
			t.Errorf("%d replies", n)
		}
	})
}

func TestPurgeDeletesFinishedItemsPastRetention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-40 * 24 * time.Hour)
		_, store := restartWith(t, bot.Settings{},
			func(it *bot.Item) { it.State, it.Updated = bot.ItemSent, old },
			func(it *bot.Item) { it.State, it.Updated = bot.ItemDrafted, old },
			func(it *bot.Item) { it.State, it.Updated = bot.ItemClosed, time.Now().Add(-time.Hour) })
		deadline := time.Now().Add(5 * time.Second)
		for {
			items, err := store.Items(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) == 2 {
				if items[0].ID != 2 || items[1].ID != 3 {
					t.Errorf("kept %d and %d, want the open item 2 and the recent item 3", items[0].ID, items[1].ID)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d items left", len(items))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, found, _ := store.Find(context.Background(), []string{"discord:1:a"}); found {
			t.Error("the purged item's conversation key still leads somewhere")
		}
	})
}

// gatedDrafter blocks the first draft until released.
type gatedDrafter struct {
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func (g *gatedDrafter) Draft(ctx context.Context, r bot.DraftRequest) (bot.Draft, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.started)
		<-g.release
	}
	return inbox.OfflineDrafter{}.Draft(ctx, r)
}

func TestFollowUpWhileDraftingMakesNoSecondCard(t *testing.T) {
	f := newFixture(t)
	g := &gatedDrafter{started: make(chan struct{}), release: make(chan struct{})}
	f.skill.Drafter = g
	slackCommunity := bot.ChannelRef{Platform: bot.Slack, ID: "C0COMMUNITY"}
	u := bot.UserRef{Platform: bot.Slack, ID: "U0X", Name: "x"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Send(t, bot.Event{Kind: bot.EventMessage, User: u, Text: "Acme order 123 not delivered",
			Message: bot.MessageRef{Channel: slackCommunity, ID: "1700000000.000100"}})
	}()
	<-g.started
	f.Send(t, bot.Event{Kind: bot.EventMessage, User: u, Text: "hello?? still nothing",
		Message: bot.MessageRef{Channel: slackCommunity, ID: "1700000000.000200", ThreadID: "1700000000.000100"}})
	close(g.release)
	<-done
	f.settle(t)
	if n := len(f.Slack.Of(bot.ActPost)); n != 1 {
		t.Fatalf("%d cards for one conversation", n)
	}
	if it := f.item(t, 1); len(it.Messages) != 2 {
		t.Errorf("follow-up not kept: %d messages", len(it.Messages))
	}
}

func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	waitWithin(t, 5*time.Second, cond)
}

// waitWithin polls cond until it holds, failing after d.
func waitWithin(t testing.TB, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Whatever its state, an item a stopped process left in the outbox gets
// what it was owed at the next start: a drafted item its first card, a sent
// one the edit of its card; an item owing nothing is left alone.
func TestRestartFinishesTheOutbox(t *testing.T) {
	card := bot.MessageRef{Channel: team, ID: "card-2"}
	env, store := restartWith(t, bot.Settings{TeamChannel: team},
		func(it *bot.Item) {
			it.State, it.Draft, it.DraftVersion, it.Work = bot.ItemDrafted, "Sorry!", 1, bot.WorkCard
		},
		func(it *bot.Item) {
			it.State, it.Draft, it.DraftVersion, it.Card, it.Work = bot.ItemSent, "Sorry!", 1, card, bot.WorkCard
		},
		func(it *bot.Item) {
			it.State, it.Draft, it.DraftVersion = bot.ItemDrafted, "Sorry!", 1 // its card is posted: nothing owed
			it.Card = bot.MessageRef{Channel: team, ID: "card-3"}
		})
	waitUntil(t, func() bool {
		owed, err := store.Outbox(context.Background(), 0, 0)
		return err == nil && len(owed) == 0
	})
	posts, ups := env.Slack.Of(bot.ActPost), env.Slack.Of(bot.ActUpdate)
	if len(posts) != 1 || !strings.Contains(posts[0].Card.Title, "#1 ") {
		t.Errorf("posts %+v: want the card of item 1 only", posts)
	}
	if len(ups) != 1 || ups[0].Target != card {
		t.Errorf("edits %+v: want item 2's card edited", ups)
	}
	if it, _ := store.Item(context.Background(), 1); it.Card.IsZero() || it.Work != 0 {
		t.Errorf("item 1 after recovery: card %+v, work %v", it.Card, it.Work)
	}
}
