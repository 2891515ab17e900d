package history_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
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
	link := func(m bot.MessageRef) string { return "https://chat.test/" + m.Channel.ID + "/" + m.ID }
	sk := history.New(history.Config{Log: l, Link: link, Settings: st, Logger: logger})
	return fixture{env: bottest.MustEngine(t, st, nil, sk), log: l, settings: st, skill: sk}
}

func (f fixture) stored(t *testing.T) []bot.LoggedMessage {
	t.Helper()
	var out []bot.LoggedMessage
	if err := f.log.Range(context.Background(), bot.HistoryFilter{}, func(m bot.LoggedMessage) bool {
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
	if len(got) != 2 {
		t.Fatalf("stored %d messages, want the watched message (edited) and the server message: %+v", len(got), got)
	}
	if got[0].Ref.Channel.ID != "CWATCH" || got[0].Author.Name != "ann" || !got[0].Time.Equal(now) ||
		got[0].Link != "https://chat.test/CWATCH/1.1" {
		t.Errorf("watched message stored as %+v", got[0])
	}
	if got[1].Ref.Channel.Platform != bot.Discord || got[1].Ref.ID != "500" || len(got[1].Author.Roles) != 1 {
		t.Errorf("server message stored as %+v", got[1])
	}
	if got[0].Ref.ID != "1.1" || !got[0].Edited || got[0].Text != "where is my order #42?" || !got[0].EditedAt.Equal(now.Add(3*time.Second)) {
		t.Errorf("edit stored as %+v, want the new text on the message, at its posting time", got[0])
	}
}

// A message keeps what the adapter said of it; a deletion on the platform
// empties it; an edit or deletion of a message never stored stores nothing.
func TestRecordsDetailsAndDeletions(t *testing.T) {
	f := setup(t)
	now := time.Now().UTC().Truncate(time.Second)
	created, joined := now.Add(-400*24*time.Hour), now.Add(-3*24*time.Hour)
	m := message(guildChan, "600", "look <@1> <@&2>", now)
	m.Attachments = []bot.Attachment{{Name: "shot.png", Type: "image/png", Size: 1234}}
	m.Mentions = bot.MentionCount{Users: 1, Roles: 1}
	m.AuthorCreated, m.AuthorJoined = created, joined
	f.env.Send(t, m)
	got := f.stored(t)
	if len(got) != 1 || len(got[0].Attachments) != 1 || got[0].Attachments[0] != m.Attachments[0] ||
		got[0].Mentions != m.Mentions || !got[0].AuthorCreated.Equal(created) || !got[0].AuthorJoined.Equal(joined) {
		t.Fatalf("stored %+v, want the attachment, mention counts, account and join times", got)
	}

	del := message(guildChan, "600", "", now.Add(time.Minute))
	del.ID, del.Deleted = "d:600", true
	f.env.Send(t, del)
	ghostEdit := message(watched, "9.9", "edited", now.Add(2*time.Minute))
	ghostEdit.Edited = true
	f.env.Send(t, ghostEdit)
	ghostDel := message(unwatched, "9.8", "", now.Add(2*time.Minute))
	ghostDel.Deleted = true
	f.env.Send(t, ghostDel)

	got = f.stored(t)
	if len(got) != 1 || got[0].Text != "" || got[0].Attachments != nil || !got[0].Deleted || !got[0].DeletedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("after the deletion: %+v, want one message, emptied and marked deleted", got)
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
	if got := f.stored(t); len(got) != 1 || got[0].Ref.ID != "c" {
		t.Errorf("left %+v, want only the hour-old message", got)
	}
}

func TestRunPurgesAtStartAndStopsWithContext(t *testing.T) {
	f := setup(t)
	f.env.Send(t, message(guildChan, "old", "x", time.Now().Add(-60*24*time.Hour)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.skill.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(f.stored(t)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not purge the old message at start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
}
