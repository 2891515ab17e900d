package storage_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/commpilot/commpilot/storage"
)

var quiet = storage.Options{Logger: slog.New(slog.DiscardHandler)}

// openAt opens the database at path and closes it when the test ends.
func openAt(tb testing.TB, path string) *storage.DB {
	tb.Helper()
	db, err := storage.Open(context.Background(), path, quiet)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func tempPath(tb testing.TB) string { return filepath.Join(tb.TempDir(), "commpilot.db") }

// base is a fixed time for records in tests.
var base = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func msgAt(id string, t time.Time) storage.Message {
	return storage.Message{Platform: "discord", Channel: "300", ID: id, AuthorID: "u1", AuthorName: "ann", Text: "hello " + id, Time: t}
}

// all returns every record of the log, oldest first.
func all(tb testing.TB, l *storage.MessageLog) []storage.Message {
	tb.Helper()
	var out []storage.Message
	if err := l.Range(context.Background(), time.Time{}, time.Time{}, func(m storage.Message) bool {
		out = append(out, m)
		return true
	}); err != nil {
		tb.Fatalf("range: %v", err)
	}
	return out
}
