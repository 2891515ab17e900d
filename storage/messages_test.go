package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestRangeInTimeOrder(t *testing.T) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	// Appended out of order, and more than one read chunk.
	var msgs []storage.Message
	for i := 1199; i >= 0; i-- {
		msgs = append(msgs, msgAt(strconv.Itoa(i), base.Add(time.Duration(i)*time.Minute)))
	}
	if err := l.AppendMany(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	from, to := base.Add(100*time.Minute), base.Add(1100*time.Minute)
	if err := l.Range(ctx, from, to, func(m storage.Message) bool {
		ids = append(ids, m.ID)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1000 || ids[0] != "100" || ids[999] != "1099" {
		t.Fatalf("range [100m, 1100m) gave %d records from %v to %v, want 1000 from 100 to 1099", len(ids), ids[0], ids[len(ids)-1])
	}
	for i := range ids {
		if ids[i] != strconv.Itoa(100+i) {
			t.Fatalf("record %d is %s: not in time order", i, ids[i])
		}
	}
	n := 0
	if err := l.Range(ctx, base, time.Time{}, func(storage.Message) bool { n++; return n < 3 }); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("fn returning false after 3 records saw %d", n)
	}
}

func TestEditsAndDeletionsAreRecords(t *testing.T) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	orig := msgAt("m1", base)
	edit := orig
	edit.Text, edit.Time, edit.Edited = "hello (edited)", base.Add(time.Minute), true
	for _, m := range []storage.Message{orig, edit, orig} { // a redelivery stores nothing new
		if err := l.Append(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	ref := bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: "300"}, ID: "m1"}
	if err := l.MarkDeleted(ctx, ref, base.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := all(t, l)
	if len(got) != 3 {
		t.Fatalf("got %d records, want original, edit, deletion: %+v", len(got), got)
	}
	if got[0].Text != "hello m1" || got[0].Edited || got[1].Text != "hello (edited)" || !got[1].Edited ||
		!got[2].Deleted || got[2].ID != "m1" {
		t.Errorf("records = %+v", got)
	}
}

func TestAppendRefusesIncompleteRecords(t *testing.T) {
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	if err := l.Append(context.Background(), storage.Message{Platform: "slack", ID: "1"}); err == nil {
		t.Error("a record without time was stored")
	}
}

func TestPurgeDeletesOlderRecords(t *testing.T) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	var msgs []storage.Message
	for i := range 2600 { // several purge chunks
		msgs = append(msgs, msgAt(fmt.Sprint("old", i), base.Add(-40*24*time.Hour+time.Duration(i)*time.Second)))
	}
	msgs = append(msgs, msgAt("recent", base.Add(-time.Hour)))
	if err := l.AppendMany(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	n, err := l.Purge(ctx, base.Add(-bot.DefaultRetention))
	if err != nil || n != 2600 {
		t.Fatalf("purge = %d, %v; want 2600 deleted", n, err)
	}
	if got := all(t, l); len(got) != 1 || got[0].ID != "recent" {
		t.Errorf("left after purge: %d records, want only the recent one", len(got))
	}
}

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	db, err := storage.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	l, s := storage.NewMessageLog(db), storage.NewSettings(db, bot.Settings{})
	const appenders, perAppender, updaters, perUpdater = 16, 50, 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, appenders*perAppender+updaters*perUpdater)
	for g := range appenders {
		wg.Go(func() {
			for i := range perAppender {
				errs <- l.Append(ctx, msgAt(fmt.Sprintf("%d-%d", g, i), base.Add(time.Duration(i)*time.Millisecond)))
			}
		})
	}
	for g := range updaters {
		wg.Go(func() {
			for i := range perUpdater {
				_, err := s.UpdateSettings(ctx, func(st *bot.Settings) error {
					st.Brand = append(st.Brand, fmt.Sprintf("b%d-%d", g, i))
					return nil
				})
				errs <- err
				if _, err := s.Settings(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openAt(t, path)
	if got := all(t, storage.NewMessageLog(db)); len(got) != appenders*perAppender {
		t.Errorf("%d messages after reopen, want %d", len(got), appenders*perAppender)
	}
	st, err := storage.NewSettings(db, bot.Settings{}).Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(st.Brand)
	if len(slices.Compact(st.Brand)) != updaters*perUpdater {
		t.Errorf("%d distinct brands after reopen, want %d: an update was lost", len(st.Brand), updaters*perUpdater)
	}
}
