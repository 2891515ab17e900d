package history_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/history"
	"github.com/commpilot/commpilot/storage"
)

var (
	watched   = bot.ChannelRef{Platform: bot.Slack, ID: "CWATCH"}
	unwatched = bot.ChannelRef{Platform: bot.Slack, ID: "COTHER"}
	guildChan = bot.ChannelRef{Platform: bot.Discord, ID: "400000000000000001"}
	dmChan    = bot.ChannelRef{Platform: bot.Discord, ID: "400000000000000002"}
	logger    = slog.New(slog.DiscardHandler)
)

type fixture struct {
	env      *bottest.Env
	log      *storage.MessageLog
	settings *storage.Settings
	timers   *storage.Timers
	skill    *history.Skill
}

func setup(t *testing.T) fixture {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "commpilot.db"), storage.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st := storage.NewSettings(db, bot.Settings{Watch: []bot.ChannelRef{watched}})
	l := storage.NewMessageLog(db)
	tm := storage.NewTimers(db, nil)
	sk := history.New(l, st, tm, logger)
	return fixture{env: bottest.MustEngine(t, st, nil, sk), log: l, settings: st, timers: tm, skill: sk}
}

func (f fixture) stored(t *testing.T) []storage.Message {
	t.Helper()
	var out []storage.Message
	if err := f.log.Range(context.Background(), time.Time{}, time.Time{}, func(m storage.Message) bool {
		out = append(out, m)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func message(ch bot.ChannelRef, id, text string, at time.Time) bot.Event {
	return bot.Event{
		Kind: bot.EventMessage, Message: bot.MessageRef{Channel: ch, ID: id},
		User: bot.UserRef{Platform: ch.Platform, ID: "U1", Name: "ann", Roles: []string{"r1"}},
		Text: text, Time: at,
	}
}

func TestStoresWatchedAndServerMessages(t *testing.T) {
	f := setup(t)
	now := time.Now().UTC().Truncate(time.Second)
	f.env.Send(t, message(watched, "1.1", "where is my order?", now))
	f.env.Send(t, message(unwatched, "1.2", "lunch?", now))
	f.env.Send(t, message(guildChan, "500", "gg everyone", now.Add(time.Second)))
	dm := message(dmChan, "501", "private", now.Add(2*time.Second))
	dm.DM = true
	f.env.Send(t, dm)
	edit := message(watched, "1.1", "where is my order #42?", now.Add(3*time.Second))
	edit.Edited = true
	f.env.Send(t, edit)

	got := f.stored(t)
	if len(got) != 3 {
		t.Fatalf("stored %d records, want the watched message, the server message and the edit: %+v", len(got), got)
	}
	if got[0].Channel != "CWATCH" || got[0].Text != "where is my order?" || got[0].AuthorName != "ann" || !got[0].Time.Equal(now) {
		t.Errorf("watched message stored as %+v", got[0])
	}
	if got[1].Platform != bot.Discord || got[1].ID != "500" || len(got[1].AuthorRoles) != 1 {
		t.Errorf("server message stored as %+v", got[1])
	}
	if got[2].ID != "1.1" || !got[2].Edited || got[2].Text != "where is my order #42?" {
		t.Errorf("edit stored as %+v", got[2])
	}
}

func TestPurgeFollowsRetentionSetting(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	now := time.Now()
	for i, age := range []time.Duration{40 * 24 * time.Hour, 10 * 24 * time.Hour, time.Hour} {
		f.env.Send(t, message(guildChan, string(rune('a'+i)), "x", now.Add(-age)))
	}
	if n, err := f.skill.Purge(ctx, now); err != nil || n != 1 {
		t.Fatalf("purge with the default 30-day retention deleted %d, %v; want 1", n, err)
	}
	if _, err := f.settings.UpdateSettings(ctx, func(s *bot.Settings) error {
		s.Retention = bot.Duration(7 * 24 * time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.skill.Purge(ctx, now); err != nil || n != 1 {
		t.Fatalf("purge with a 7-day retention deleted %d, %v; want 1", n, err)
	}
	if got := f.stored(t); len(got) != 1 || got[0].ID != "c" {
		t.Errorf("left %+v, want only the hour-old message", got)
	}
}

func TestRunPurgesAtStartAndStopsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := setup(t)
		f.env.Send(t, message(guildChan, "old", "x", time.Now().Add(-60*24*time.Hour)))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		timerDone := make(chan error, 1)
		go func() { timerDone <- f.timers.Run(ctx) }()
		done := make(chan error, 1)
		go func() { done <- f.skill.Run(ctx) }()
		time.Sleep(time.Second)
		if len(f.stored(t)) != 0 {
			t.Fatal("Run did not purge the old message at start")
		}
		f.env.Send(t, message(guildChan, "day", "x", time.Now().Add(-30*24*time.Hour+time.Hour)))
		time.Sleep(23 * time.Hour)
		if len(f.stored(t)) != 1 {
			t.Fatal("purged before the next day")
		}
		time.Sleep(2 * time.Hour)
		if len(f.stored(t)) != 0 {
			t.Fatal("the next day's purge did not delete the message that passed the retention")
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
		if err := <-timerDone; err != nil {
			t.Errorf("the timer returned %v after cancel, want nil", err)
		}
	})
}
