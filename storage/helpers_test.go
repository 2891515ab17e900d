package storage_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
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

// channel300 is the channel of msgAt's messages.
var channel300 = bot.ChannelRef{Platform: bot.Discord, ID: "300"}

func msgAt(id string, t time.Time) bot.LoggedMessage {
	return bot.LoggedMessage{
		Ref:    bot.MessageRef{Channel: channel300, ID: id},
		Author: bot.UserRef{Platform: bot.Discord, ID: "u1", Name: "ann"},
		Text:   "hello " + id, Time: t,
	}
}

// all returns every message of the log, oldest first.
func all(tb testing.TB, l *storage.MessageLog) []bot.LoggedMessage {
	tb.Helper()
	var out []bot.LoggedMessage
	if err := l.Range(context.Background(), bot.HistoryFilter{}, func(m bot.LoggedMessage) bool {
		out = append(out, m)
		return true
	}); err != nil {
		tb.Fatalf("range: %v", err)
	}
	return out
}
