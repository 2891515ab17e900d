package history_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
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
	audit    *bottest.MemAudit
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
	cat := bot.NewCatalog(history.Messages())
	audit := &bottest.MemAudit{}
	tm := storage.NewTimers(db, nil)
	link := func(m bot.MessageRef) string { return "https://chat.test/" + m.Channel.ID + "/" + m.ID }
	sk := history.New(history.Config{Log: l, Link: link, Settings: st, Timers: tm, Audit: audit, Catalog: cat, Logger: logger})
	return fixture{env: bottest.MustEngine(t, st, cat, sk), log: l, settings: st, timers: tm, skill: sk, audit: audit}
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

func TestSetupRetentionIsStaffOnlyValidatedAndAudited(t *testing.T) {
	f := setup(t)
	staff := bot.UserRef{Platform: bot.Slack, ID: "UADMIN"}
	if _, err := f.settings.UpdateSettings(context.Background(), func(s *bot.Settings) error {
		s.Staff = []string{"slack:UADMIN"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who       bot.UserRef
		cmd, want string
	}{
		{bottest.Member, "setup retention 1d", "Only staff can do that."},
		{staff, "setup retention 2h", `Retention "2h": use a period from 1d to 365d, such as 30d.`},
		{staff, "setup retention 400d", `Retention "400d"`},
		{staff, "setup retention 366d", `Retention "366d": use a period`},
		{staff, "setup retention 14d", "Community messages will be kept 14 days."},
	} {
		if got := bottest.ReplyText(f.env.Command(t, c.who, c.cmd)); !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: %q, want %q", c.cmd, got, c.want)
		}
	}
	st, err := f.settings.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.RetentionOrDefault() != 14*24*time.Hour {
		t.Errorf("retention %v, want 14 days", st.RetentionOrDefault())
	}
	if e := f.audit.Entries(); len(e) != 1 || e[0].Action != "setup.retention" || e[0].Actor.ID != "UADMIN" || e[0].Detail != "336h0m0s" {
		t.Errorf("audit %+v", e)
	}
}

// A French team types its own units and reads the retention in words, with
// the singular for one day.
func TestSetupRetentionInTheTeamsLanguage(t *testing.T) {
	f := setup(t)
	staff := bot.UserRef{Platform: bot.Slack, ID: "UADMIN"}
	if _, err := f.settings.UpdateSettings(context.Background(), func(s *bot.Settings) error {
		s.Staff, s.Language = []string{"slack:UADMIN"}, bot.French
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ cmd, want string }{
		{"setup retention 30j", "Les messages de la communauté seront conservés 30 jours."},
		{"setup retention 1j", "Les messages de la communauté seront conservés 1 jour."},
		{"setup retention 2sem", "Les messages de la communauté seront conservés 14 jours."},
		{"setup retention 400j", `Conservation "400j" : indiquez une durée de 1j à 365j, par exemple 30j.`},
	} {
		if got := bottest.ReplyText(f.env.Command(t, staff, c.cmd)); got != c.want {
			t.Errorf("%q: %q, want %q", c.cmd, got, c.want)
		}
	}
	st, err := f.settings.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.RetentionOrDefault() != 14*24*time.Hour {
		t.Errorf("retention %v, want 14 days", st.RetentionOrDefault())
	}
}
