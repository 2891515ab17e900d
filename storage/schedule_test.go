package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestScheduleOccurrenceMoves(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	db, err := storage.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s := storage.NewSchedule(db)
	ch := bot.ChannelRef{Platform: bot.Discord, ID: "300"}
	p, err := s.AddPost(ctx, func(p *bot.ScheduledPost) error {
		p.Channel, p.Text, p.When, p.Next = ch, "hello", "every day 09:00", base
		return nil
	})
	if err != nil || p.ID != 1 {
		t.Fatalf("add: %+v %v", p, err)
	}
	if _, err := s.AddPost(ctx, func(*bot.ScheduledPost) error { return bot.Invalid("no") }); err == nil {
		t.Fatal("a refused add was stored")
	}
	// The refused add stored nothing; the next id is still fresh.
	if posts, _ := s.Posts(ctx, nil); len(posts) != 1 {
		t.Fatalf("posts = %d, want 1", len(posts))
	}

	move := func(at time.Time, from, to bot.OccurrenceState) error {
		_, _, err := s.UpdateOccurrence(ctx, p.ID, at, func(p *bot.ScheduledPost, o *bot.Occurrence) error {
			if o.State != from {
				return bot.Errorf(bot.CodeConflict, "state "+string(o.State))
			}
			o.State = to
			p.Log(base, bot.UserRef{}, string(to), "")
			return nil
		})
		return err
	}
	later := base.Add(24 * time.Hour)
	// AddPost stored the first occurrence, scheduled and not yet armed.
	if attn, err := s.Attention(ctx); err != nil || len(attn) != 1 || attn[0].State != bot.OccScheduled || !attn[0].At.Equal(base) {
		t.Fatalf("attention after add = %+v, %v", attn, err)
	}
	if err := move(base, "", bot.OccScheduled); bot.ErrorCodeOf(err) != bot.CodeConflict {
		t.Fatalf("first occurrence not stored with the post: %v", err)
	}
	if err := move(later, "", bot.OccScheduled); err != nil {
		t.Fatal(err)
	}
	if err := move(base, bot.OccScheduled, bot.OccSending); err != nil {
		t.Fatal(err)
	}
	// A second mover finds it no longer scheduled.
	if err := move(base, bot.OccScheduled, bot.OccSending); bot.ErrorCodeOf(err) != bot.CodeConflict {
		t.Fatalf("second move: %v, want a conflict", err)
	}
	attn, err := s.Attention(ctx)
	if err != nil || len(attn) != 2 || attn[0].State != bot.OccSending || attn[1].State != bot.OccScheduled {
		t.Fatalf("attention = %+v, %v: want the sending one, then the unarmed scheduled one", attn, err)
	}
	if _, _, err := s.UpdateOccurrence(ctx, p.ID, later, func(_ *bot.ScheduledPost, o *bot.Occurrence) error {
		o.Armed = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A crash now: reopen and find the send in doubt.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path)
	s = storage.NewSchedule(db)
	attn, err = s.Attention(ctx)
	if err != nil || len(attn) != 1 || attn[0].State != bot.OccSending || !attn[0].At.Equal(base) {
		t.Fatalf("attention after restart = %+v, %v", attn, err)
	}
	if err := move(base, bot.OccSending, bot.OccUnknown); err != nil {
		t.Fatal(err)
	}
	if attn, _ := s.Attention(ctx); len(attn) != 0 {
		t.Fatalf("attention = %+v, want none", attn)
	}
	occs, err := s.Occurrences(ctx, p.ID)
	if err != nil || len(occs) != 2 || occs[0].State != bot.OccUnknown || occs[1].State != bot.OccScheduled {
		t.Fatalf("occurrences = %+v, %v", occs, err)
	}
	got, err := s.Post(ctx, p.ID)
	// Three moves logged; the refused ones logged nothing.
	if err != nil || len(got.History) != 3 {
		t.Fatalf("post history = %+v, %v", got.History, err)
	}
	if _, err := s.Post(ctx, 99); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("missing post: %v", err)
	}
}
