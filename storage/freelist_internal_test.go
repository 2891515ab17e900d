package storage

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// After a purge frees many pages, commits do not write the list of free
// pages (no page of the file is a freelist page), and a reopened file finds
// the free pages again: writing as much as was purged does not grow it.
func TestCommitsDoNotWriteTheFreelist(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "commpilot.db")
	opts := Options{Logger: slog.New(slog.DiscardHandler)}
	db, err := Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	l := NewMessageLog(db)
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	write := func(from, n int) {
		t.Helper()
		msgs := make([]bot.LoggedMessage, 0, n)
		for i := from; i < from+n; i++ {
			msgs = append(msgs, bot.LoggedMessage{
				Ref:  bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: "300"}, ID: fmt.Sprint(i)},
				Text: fmt.Sprintf("message %d, long enough to fill pages like a real one would", i),
				Time: t0.Add(time.Duration(i) * time.Second),
			})
		}
		if err := l.RecordMany(ctx, msgs); err != nil {
			t.Fatal(err)
		}
	}
	const n = 5000
	write(0, n)
	if _, err := l.Purge(ctx, t0.Add(n*time.Second)); err != nil {
		t.Fatal(err)
	}
	write(n, 1) // one more commit with the purge's pages free
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		free := 0
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				if free == 0 {
					t.Error("the purge freed no page")
				}
				return err
			}
			switch p.Type {
			case "freelist":
				t.Errorf("page %d is a freelist page: commits write the freelist", id)
			case "free":
				free++
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before := fileSize(t, path)

	db, err = Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l = NewMessageLog(db)
	write(n+1, n)
	if after := fileSize(t, path); after > before {
		t.Errorf("the file grew from %d to %d bytes: the reopened file did not reuse the purged pages", before, after)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Restore keeps the database it replaces byte for byte: taking the file's
// lock opens it as Open does, without writing a freelist into it.
func TestRestoreKeepsTheOldDatabaseAsItWas(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{Logger: slog.New(slog.DiscardHandler)}
	for _, p := range []string{"commpilot.db", "backup.db"} {
		db, err := Open(ctx, filepath.Join(dir, p), opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := NewAuditLog(db).Audit(ctx, bot.AuditEntry{Action: p}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "commpilot.db")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, filepath.Join(dir, "backup.db"), path); err != nil {
		t.Fatal(err)
	}
	if kept, err := os.ReadFile(path + ".bak"); err != nil || string(kept) != string(before) {
		t.Errorf("the .bak differs from the database before the restore (%v)", err)
	}
}
