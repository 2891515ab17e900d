package storage

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// TestMigrateFromV1 builds a file as the first release wrote it (schema
// version 1, no faq or inbox buckets, one stored message), then opens it.
func TestMigrateFromV1(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "v1.db")
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, bdb, path, migrations()[:1], log); err != nil {
		t.Fatal(err)
	}
	old := v1Message{Platform: "slack", Channel: "C1", ID: "1.2", AuthorID: "U1", Text: "kept", Time: time.Unix(1e9, 0).UTC()}
	v, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	// The v1 key: time, platform, id and the record's kind ("m").
	k := TimeKey(old.Time, string(old.Platform), old.ID, "m")
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte(BucketMessages)).Put(k, v) }); err != nil {
		t.Fatal(err)
	}
	if err := bdb.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte(BucketInboxItems)) != nil {
			t.Fatal("a v1 file already has inbox buckets: the test builds the wrong file")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path, Options{Logger: log})
	if err != nil {
		t.Fatalf("open v1 file: %v", err)
	}
	defer db.Close()
	err = db.Bolt().View(func(tx *bbolt.Tx) error {
		if v, err := schemaOf(tx, path); err != nil || v != SchemaVersion() {
			t.Errorf("schema version = %d, %v; want %d", v, err, SchemaVersion())
		}
		for _, name := range []string{BucketFAQ, BucketInboxItems, BucketInboxThreads, BucketInboxSeq} {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %s not created by the migration", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := logged(t, db)
	if len(got) != 1 || got[0].Text != "kept" {
		t.Errorf("messages after migration = %+v, want the v1 message", got)
	}
}

// TestMigrateMessagesFromV2 opens a file the previous release wrote
// (testdata/v2_messages.db.gz, made with its storage.MessageLog: a message,
// a message and its edit record, a message and its deletion record, and an
// edit whose message was purged) and finds one message per message, as of
// its latest change, reachable by reference.
func TestMigrateMessagesFromV2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	gunzip(t, "testdata/v2_messages.db.gz", path)
	db, err := Open(ctx, path, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open v2 file: %v", err)
	}
	defer db.Close()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	got := logged(t, db)
	if len(got) != 3 {
		t.Fatalf("%d messages after migration, want 3 (the orphan edit dropped): %+v", len(got), got)
	}
	kept, edited, deleted := got[0], got[1], got[2]
	if kept.Ref.Channel != (bot.ChannelRef{Platform: bot.Slack, ID: "C1"}) || kept.Text != "where is my order?" ||
		kept.Author.Key() != "slack:U1" || kept.Author.Name != "ann" || len(kept.Author.Roles) != 1 || !kept.Time.Equal(t0) || kept.Edited || kept.Deleted {
		t.Errorf("plain message = %+v", kept)
	}
	if edited.Text != "second words" || !edited.Edited || !edited.EditedAt.Equal(t0.Add(2*time.Minute)) || !edited.Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("edited message = %+v, want the edit's text at its posting time", edited)
	}
	if deleted.Text != "" || !deleted.Deleted || !deleted.DeletedAt.Equal(t0.Add(5*time.Minute)) || deleted.Ref.ID != "1310000000000000002" {
		t.Errorf("deleted message = %+v, want no text, marked deleted", deleted)
	}
	// The index finds them: an edit through it lands on the migrated message.
	l := NewMessageLog(db)
	e := edited
	e.Text, e.EditedAt = "third words", t0.Add(time.Hour)
	if err := l.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got := logged(t, db); len(got) != 3 || got[1].Text != "third words" {
		t.Errorf("after an edit of a migrated message: %+v", got)
	}
	if err := db.Bolt().View(func(tx *bbolt.Tx) error {
		if n := tx.Bucket([]byte(BucketMessages)).Stats().KeyN; n != 0 {
			t.Errorf("the v1 bucket still holds %d records", n)
		}
		if n := tx.Bucket([]byte(BucketMessageRefs)).Stats().KeyN; n != 3 {
			t.Errorf("%d index entries, want 3", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func gunzip(t *testing.T, from, to string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func logged(t *testing.T, db *DB) []bot.LoggedMessage {
	t.Helper()
	var got []bot.LoggedMessage
	if err := NewMessageLog(db).Range(context.Background(), bot.HistoryFilter{}, func(m bot.LoggedMessage) bool {
		got = append(got, m)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return got
}
