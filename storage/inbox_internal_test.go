package storage

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// TestMigrateInboxIndexes builds a file as the version before the inbox
// indexes wrote it (items and conversation keys, no indexes), then opens
// it: the indexes find the open items, the outbox holds what an older
// process left without a draft or a card, and the purge deletes a finished
// item with its conversation key.
func TestMigrateInboxIndexes(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "old.db")
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, bdb, path, migrations()[:inboxIndexesStep(t)], log); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	card := bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: "CTEAM"}, ID: "1.1"}
	old := []bot.Item{
		{ID: 1, State: bot.ItemSent, Created: t0, Updated: t0.Add(time.Hour), Card: card},
		{ID: 2, State: bot.ItemDrafted, Created: t0.Add(3 * time.Hour), Updated: t0.Add(3 * time.Hour), Card: card, Draft: "Hi"},
		{ID: 3, State: bot.ItemDrafted, Created: t0.Add(2 * time.Hour), Updated: t0.Add(2 * time.Hour), Draft: "Hi"}, // card never posted
		{ID: 4, State: bot.ItemNew, Created: t0.Add(4 * time.Hour), Updated: t0.Add(4 * time.Hour)},                  // never drafted
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, it := range old {
			if err := PutJSON(tx.Bucket([]byte(BucketInboxItems)), U64Key(it.ID), &it); err != nil {
				return err
			}
			if err := tx.Bucket([]byte(BucketInboxThreads)).Put(fmt.Appendf(nil, "discord:1:%d", it.ID), U64Key(it.ID)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte(BucketInboxSeq)).SetSequence(4)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path, Options{Logger: log})
	if err != nil {
		t.Fatalf("open the older file: %v", err)
	}
	defer db.Close()
	s := NewInbox(db)
	open, err := s.OpenItems(ctx)
	if err != nil || len(open) != 3 || open[0].ID != 3 || open[1].ID != 2 || open[2].ID != 4 {
		t.Fatalf("open items %v, %v: want 3, 2, 4 (oldest first)", ids(open), err)
	}
	if only, _ := s.OpenItems(ctx, bot.ItemNew); len(only) != 1 || only[0].ID != 4 {
		t.Errorf("new items %v, want 4", ids(only))
	}
	owed, err := s.Outbox(ctx, 0, 0)
	if err != nil || len(owed) != 2 || owed[0].ID != 3 || owed[0].Work != bot.WorkCard ||
		owed[1].ID != 4 || owed[1].Work != bot.WorkDraft|bot.WorkCard {
		t.Fatalf("outbox %+v, %v: want item 3 owing its card, item 4 its draft and card", owed, err)
	}
	n, err := s.DeleteFinished(ctx, t0.Add(2*time.Hour), 500)
	if err != nil || n != 1 {
		t.Fatalf("purge: %d, %v; want the sent item", n, err)
	}
	if _, found, _ := s.Find(ctx, []string{"discord:1:1"}); found {
		t.Error("the purged item's conversation key still leads somewhere")
	}
	if _, found, _ := s.Find(ctx, []string{"discord:1:2"}); !found {
		t.Error("an open item's conversation key was deleted")
	}
}

// inboxIndexesStep is the index of the migration that builds the inbox
// indexes.
func inboxIndexesStep(t *testing.T) int {
	for i, m := range migrations() {
		if strings.Contains(m.name, "inbox indexes") {
			return i
		}
	}
	t.Fatal("no inbox indexes migration")
	return 0
}

func ids(items []bot.Item) []uint64 {
	out := make([]uint64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// stopAfter is a context whose Err turns to Canceled after n calls: the
// store checks it once before each transaction.
type stopAfter struct {
	context.Context
	n atomic.Int32
}

func (c *stopAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// The purge commits in chunks: stopped after its first transaction, it has
// deleted exactly one chunk, kept; the rest goes in the next purge. Open
// items and recent finished ones stay.
func TestDeleteFinishedCommitsInChunks(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "commpilot.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewInbox(db)
	old := time.Now().Add(-60 * 24 * time.Hour)
	for i := range 40 {
		_, err := s.Conversation(ctx, []string{fmt.Sprintf("slack:C1:%d", i)}, func(it *bot.Item, _ bool) error {
			it.State, it.Created, it.Updated = bot.ItemClosed, old, old
			switch {
			case i >= 38:
				it.State = bot.ItemDrafted // open: kept however old
			case i >= 35:
				it.Updated = time.Now() // recent
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	before := time.Now().Add(-30 * 24 * time.Hour)
	if recent, err := s.Finished(ctx, before); err != nil || len(recent) != 3 || recent[0].ID != 36 {
		t.Errorf("finished since the retention: %v, %v; want the 3 recent closed items 36–38", ids(recent), err)
	}
	stop := &stopAfter{Context: ctx}
	stop.n.Store(1)
	n, err := s.DeleteFinished(stop, before, 10)
	if n != 10 || err == nil {
		t.Fatalf("stopped purge: %d deleted, %v; want one chunk of 10 and the stop", n, err)
	}
	left, _ := s.Items(ctx, nil)
	if len(left) != 30 || left[0].ID != 11 {
		t.Fatalf("%d items left (first %v), want 30 from item 11: the oldest chunk went, committed", len(left), ids(left[:1]))
	}
	if n, err := s.DeleteFinished(ctx, before, 10); n != 25 || err != nil {
		t.Fatalf("second purge: %d, %v; want the 25 other old finished items", n, err)
	}
	left, _ = s.Items(ctx, nil)
	if got := ids(left); len(got) != 5 || got[0] != 36 || got[4] != 40 {
		t.Errorf("kept %v, want the 3 recent and the 2 open items (36–40)", got)
	}
}
