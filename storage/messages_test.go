package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestRangeInTimeOrder(t *testing.T) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	// Recorded out of order, and more than one read chunk.
	var msgs []bot.LoggedMessage
	for i := 1199; i >= 0; i-- {
		msgs = append(msgs, msgAt(strconv.Itoa(i), base.Add(time.Duration(i)*time.Minute)))
	}
	if err := l.RecordMany(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	from, to := base.Add(100*time.Minute), base.Add(1100*time.Minute)
	if err := l.Range(ctx, bot.HistoryFilter{From: from, To: to}, func(m bot.LoggedMessage) bool {
		ids = append(ids, m.Ref.ID)
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
	if err := l.Range(ctx, bot.HistoryFilter{From: base}, func(bot.LoggedMessage) bool { n++; return n < 3 }); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("fn returning false after 3 records saw %d", n)
	}
}

// Range filters by channel and author, and reads nothing outside [From, To):
// undecodable values just before From and at To would fail it.
func TestRangeFiltersAndBounds(t *testing.T) {
	ctx := context.Background()
	db := openAt(t, tempPath(t))
	l := storage.NewMessageLog(db)
	other := bot.ChannelRef{Platform: bot.Slack, ID: "C9"}
	var msgs []bot.LoggedMessage
	for i := range 1500 { // several read chunks, mostly filtered out
		m := msgAt(strconv.Itoa(i), base.Add(time.Duration(i)*time.Second))
		switch {
		case i%3 == 1:
			m.Ref.Channel = other
			m.Author = bot.UserRef{Platform: bot.Slack, ID: "U2", Name: "bea"}
		case i%3 == 2:
			m.Author.ID = "u2"
		}
		msgs = append(msgs, m)
	}
	if err := l.RecordMany(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	from, to := base.Add(10*time.Second), base.Add(1400*time.Second)
	if err := db.Bolt().Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(storage.BucketMessageLog))
		if err := b.Put(storage.TimeKey(from.Add(-time.Nanosecond), "discord", "300", "bad"), []byte("{not json")); err != nil {
			return err
		}
		return b.Put(storage.TimeKey(to, "discord", "300", "bad"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	collect := func(f bot.HistoryFilter) []string {
		t.Helper()
		var ids []string
		if err := l.Range(ctx, f, func(m bot.LoggedMessage) bool { ids = append(ids, m.Ref.ID); return true }); err != nil {
			t.Fatalf("range %+v: %v", f, err)
		}
		return ids
	}
	tests := []struct {
		name string
		f    bot.HistoryFilter
		want func(i int) bool
	}{
		{"window", bot.HistoryFilter{}, func(int) bool { return true }},
		{"one channel", bot.HistoryFilter{Channels: []bot.ChannelRef{other}}, func(i int) bool { return i%3 == 1 }},
		{"two channels", bot.HistoryFilter{Channels: []bot.ChannelRef{other, channel300}}, func(int) bool { return true }},
		{"author", bot.HistoryFilter{Author: "discord:u1"}, func(i int) bool { return i%3 == 0 }},
		{"channel and author", bot.HistoryFilter{Channels: []bot.ChannelRef{channel300}, Author: "discord:u2"}, func(i int) bool { return i%3 == 2 }},
		{"unknown channel", bot.HistoryFilter{Channels: []bot.ChannelRef{{Platform: bot.Slack, ID: "300"}}}, func(int) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.From, tt.f.To = from, to
			var want []string
			for i := 10; i < 1400; i++ {
				if tt.want(i) {
					want = append(want, strconv.Itoa(i))
				}
			}
			if got := collect(tt.f); !slices.Equal(got, want) {
				t.Errorf("got %d messages (%v…), want %d", len(got), got[:min(3, len(got))], len(want))
			}
		})
	}
	if err := l.Range(ctx, bot.HistoryFilter{From: from, To: to.Add(time.Nanosecond)}, func(bot.LoggedMessage) bool { return true }); err == nil {
		t.Error("a range covering the undecodable value at To did not fail: the bound test proves nothing")
	}
}

func TestEditAndDeleteFindTheMessage(t *testing.T) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	orig := msgAt("m1", base)
	orig.Attachments = []bot.Attachment{{Name: "receipt.png", Type: "image/png", Size: 2048}}
	orig.Mentions = bot.MentionCount{Users: 1}
	other := msgAt("m2", base.Add(time.Second))
	edit := bot.LoggedMessage{Ref: orig.Ref, Text: "hello (edited)", Edited: true, EditedAt: base.Add(time.Minute),
		Mentions: bot.MentionCount{Users: 2}, Attachments: orig.Attachments}
	older := edit
	older.Text, older.EditedAt = "an edit delivered late", base.Add(30*time.Second)
	for _, m := range []bot.LoggedMessage{orig, other, edit, orig, older, edit} { // redeliveries change nothing
		if err := l.Record(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got := all(t, l)
	if len(got) != 2 {
		t.Fatalf("got %d messages, want the two posted: %+v", len(got), got)
	}
	if m := got[0]; m.Text != "hello (edited)" || !m.Edited || !m.EditedAt.Equal(edit.EditedAt) || !m.Time.Equal(base) ||
		m.Author.Name != "ann" || m.Mentions.Users != 2 || len(m.Attachments) != 1 || m.Deleted {
		t.Errorf("edited message = %+v, want the edit's text at the posting time, author kept", m)
	}
	if got[1].Text != "hello m2" || got[1].Edited {
		t.Errorf("the other message changed: %+v", got[1])
	}

	if err := l.Delete(ctx, orig.Ref, base.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	after := edit
	after.Text, after.EditedAt = "edited after deletion", base.Add(3*time.Minute)
	if err := l.Record(ctx, after); err != nil {
		t.Fatal(err)
	}
	got = all(t, l)
	if m := got[0]; m.Text != "" || len(m.Attachments) != 0 || !m.Deleted || !m.DeletedAt.Equal(base.Add(2*time.Minute)) ||
		m.Ref != orig.Ref || m.Author.ID != "u1" || !m.Time.Equal(base) {
		t.Errorf("deleted message = %+v, want no text or attachments, marked deleted, reference and author kept", m)
	}

	// An edit or deletion of a message never stored stores nothing.
	ghost := bot.MessageRef{Channel: channel300, ID: "never-seen"}
	if err := l.Record(ctx, bot.LoggedMessage{Ref: ghost, Text: "edited", Edited: true, EditedAt: base}); err != nil {
		t.Errorf("edit of an unknown message: %v", err)
	}
	if err := l.Delete(ctx, ghost, base); err != nil {
		t.Errorf("deletion of an unknown message: %v", err)
	}
	if got := all(t, l); len(got) != 2 {
		t.Errorf("%d messages after an edit and a deletion of an unknown one, want 2", len(got))
	}
	// The same id in another channel is another message (Slack ts are per channel).
	twin := msgAt("m1", base)
	twin.Ref.Channel = bot.ChannelRef{Platform: bot.Discord, ID: "301"}
	if err := l.Record(ctx, twin); err != nil {
		t.Fatal(err)
	}
	if got := all(t, l); len(got) != 3 {
		t.Errorf("%d messages after the same id in another channel, want 3", len(got))
	}
}

func TestRecordRefusesIncompleteMessages(t *testing.T) {
	ctx := context.Background()
	l := storage.NewMessageLog(openAt(t, tempPath(t)))
	noTime := msgAt("1", time.Time{})
	noChannel := msgAt("2", base)
	noChannel.Ref.Channel.ID = ""
	for _, m := range []bot.LoggedMessage{noTime, noChannel, {Ref: bot.MessageRef{Channel: channel300}, Time: base}} {
		if err := l.Record(ctx, m); err == nil || !strings.Contains(err.Error(), "are required") {
			t.Errorf("Record(%+v) = %v, want a refusal naming what is required", m.Ref, err)
		}
	}
	if err := l.Delete(ctx, bot.MessageRef{Channel: channel300}, base); err == nil {
		t.Error("a deletion without id was accepted")
	}
	if got := all(t, l); len(got) != 0 {
		t.Errorf("refused messages were stored: %+v", got)
	}
}

func TestPurgeDeletesOlderMessagesAndTheirIndex(t *testing.T) {
	ctx := context.Background()
	db := openAt(t, tempPath(t))
	l := storage.NewMessageLog(db)
	var msgs []bot.LoggedMessage
	for i := range 2600 { // several purge chunks
		msgs = append(msgs, msgAt(fmt.Sprint("old", i), base.Add(-40*24*time.Hour+time.Duration(i)*time.Second)))
	}
	msgs = append(msgs, msgAt("recent", base.Add(-time.Hour)))
	if err := l.RecordMany(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	n, err := l.Purge(ctx, base.Add(-bot.DefaultRetention))
	if err != nil || n != 2600 {
		t.Fatalf("purge = %d, %v; want 2600 deleted", n, err)
	}
	if got := all(t, l); len(got) != 1 || got[0].Ref.ID != "recent" {
		t.Errorf("left after purge: %d records, want only the recent one", len(got))
	}
	if err := db.Bolt().View(func(tx *bbolt.Tx) error {
		if n := tx.Bucket([]byte(storage.BucketMessageRefs)).Stats().KeyN; n != 1 {
			t.Errorf("%d index entries after purge, want 1", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A purged message is unknown: a late edit does not bring it back, and
	// it can be stored again.
	late := bot.LoggedMessage{Ref: msgs[0].Ref, Text: "late edit", Edited: true, EditedAt: base}
	if err := l.Record(ctx, late); err != nil {
		t.Fatal(err)
	}
	if got := all(t, l); len(got) != 1 {
		t.Errorf("an edit of a purged message stored %d messages, want 1", len(got))
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
				errs <- l.Record(ctx, msgAt(fmt.Sprintf("%d-%d", g, i), base.Add(time.Duration(i)*time.Millisecond)))
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
