package storage

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"
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
	old := Message{Platform: "slack", Channel: "C1", ID: "1.2", AuthorID: "U1", Text: "kept", Time: time.Unix(1e9, 0).UTC()}
	k, v, err := encodeMessage(old)
	if err != nil {
		t.Fatal(err)
	}
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
	var got []Message
	if err := NewMessageLog(db).Range(ctx, time.Time{}, time.Time{}, func(m Message) bool { got = append(got, m); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Text != "kept" {
		t.Errorf("messages after migration = %+v, want the v1 message", got)
	}
}
