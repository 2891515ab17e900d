package storage

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// DB.Batch may run a batched function twice in one transaction's retry:
// running each of Record's and Delete's functions twice leaves what running
// them once leaves.
func TestBatchedFunctionsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ref := bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C1"}, ID: "1.1"}
	steps := []func(tx *bbolt.Tx) error{
		func(tx *bbolt.Tx) error {
			m := bot.LoggedMessage{Ref: ref, Text: "posted", Time: t0}
			val, err := encodeMessage(m)
			if err != nil {
				return err
			}
			return record(tx, m, val)
		},
		func(tx *bbolt.Tx) error {
			return record(tx, bot.LoggedMessage{Ref: ref, Text: "edited", Edited: true, EditedAt: t0.Add(time.Minute)}, nil)
		},
		func(tx *bbolt.Tx) error { return markDeleted(tx, ref, t0.Add(2*time.Minute)) },
	}
	run := func(times int) []bot.LoggedMessage {
		db, err := Open(ctx, filepath.Join(t.TempDir(), "db"), Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var after []bot.LoggedMessage
		for _, step := range steps {
			if err := db.Bolt().Update(func(tx *bbolt.Tx) error {
				for range times {
					if err := step(tx); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			got := logged(t, db)
			if len(got) != 1 {
				t.Fatalf("%d messages after a step run %d times, want 1", len(got), times)
			}
			after = append(after, got[0])
		}
		return after
	}
	if once, twice := run(1), run(2); !reflect.DeepEqual(once, twice) {
		t.Errorf("after each step, run once: %+v\nrun twice: %+v", once, twice)
	}
}
