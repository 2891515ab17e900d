package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

// Record returns before its commit, yet a read that follows sees every
// message recorded before it, in order with the deletions, and Close commits
// what is still queued: nothing handed to Record is lost by a clean stop.
func TestQueuedRecordsAreReadBackAndKeptByClose(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	db := openAt(t, path)
	l := storage.NewMessageLog(db)
	const writers, each = 32, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				m := msgAt(fmt.Sprintf("%d-%d", w, i), base.Add(time.Duration(w*each+i)*time.Second))
				if err := l.Record(ctx, m); err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 { // deleted right after it was recorded
					if err := l.Delete(ctx, m.Ref, m.Time.Add(time.Minute)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	count := func(l *storage.MessageLog) (stored, deleted int) {
		for _, m := range all(t, l) {
			stored++
			if m.Deleted {
				if m.Text != "" {
					t.Errorf("deleted message %s keeps its text %q", m.Ref.ID, m.Text)
				}
				deleted++
			}
		}
		return stored, deleted
	}
	if stored, deleted := count(l); stored != writers*each || deleted != writers*each/10 {
		t.Fatalf("read right after recording: %d messages (%d deleted), want %d (%d deleted)",
			stored, deleted, writers*each, writers*each/10)
	}
	last := msgAt("last", base.Add(time.Hour))
	if err := l.Record(ctx, last); err != nil { // queued, not waited for
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, msgAt("after-close", base.Add(2*time.Hour))); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Record after Close: %v, want ErrClosed (a write must not vanish silently)", err)
	}
	if stored, _ := count(storage.NewMessageLog(openAt(t, path))); stored != writers*each+1 {
		t.Errorf("after Close and reopen: %d messages, want %d", stored, writers*each+1)
	}
}

// A message without its reference is refused at once, not lost in the queue.
func TestRecordRefusesAnIncompleteMessageAtOnce(t *testing.T) {
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	if err := l.Record(context.Background(), bot.LoggedMessage{Text: "no reference", Time: base}); err == nil {
		t.Fatal("a message without a reference was accepted")
	}
}

// A write that fails in a shared commit fails alone: its caller gets its
// own error unchanged, the item is untouched, and the messages and items
// committed with it are all stored.
func TestAFailingWriteFailsAlone(t *testing.T) {
	ctx := context.Background()
	db := openAt(t, tempPath(t))
	l, inbox := storage.NewMessageLog(db), storage.NewInbox(db)
	it, err := inbox.Conversation(ctx, []string{"discord:300:1"}, func(it *bot.Item, _ bool) error {
		it.State, it.Draft = bot.ItemDrafted, "first draft"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	refused := errors.New("stale draft")
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 20 {
				if err := l.Record(ctx, msgAt(fmt.Sprintf("%d-%d", w, i), base.Add(time.Duration(w*20+i)*time.Second))); err != nil {
					t.Error(err)
				}
			}
			_, err := inbox.UpdateItem(ctx, it.ID, func(it *bot.Item) error {
				if w%2 == 0 {
					return refused
				}
				it.Draft = "second draft"
				return nil
			})
			if w%2 == 0 && !errors.Is(err, refused) {
				t.Errorf("refused update: %v, want its own error", err)
			}
			if w%2 == 1 && err != nil {
				t.Errorf("accepted update: %v", err)
			}
			if _, err := inbox.Conversation(ctx, []string{fmt.Sprintf("discord:300:item-%d", w)}, func(*bot.Item, bool) error { return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(all(t, l)); n != 16*20 {
		t.Errorf("%d messages stored, want %d", n, 16*20)
	}
	got, err := inbox.Item(ctx, it.ID)
	if err != nil || got.Draft != "second draft" {
		t.Errorf("item after the updates: %q, %v; want the accepted update's draft", got.Draft, err)
	}
	for w := range 16 {
		if _, found, err := inbox.Find(ctx, []string{fmt.Sprintf("discord:300:item-%d", w)}); err != nil || !found {
			t.Errorf("item %d committed beside the refused updates is missing (%v)", w, err)
		}
	}
}
