package storage

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

type scheduleSettings struct {
	Approval bool          `json:"approval"`
	CatchUp  time.Duration `json:"catch_up"`
}

func TestSkillSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "commpilot.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := NewSkillSettings(db)

	got := scheduleSettings{CatchUp: time.Hour}
	if err := store.LoadSkill(ctx, "schedule", &got); err != nil {
		t.Fatal(err)
	}
	if got != (scheduleSettings{CatchUp: time.Hour}) {
		t.Fatalf("nothing stored: got %+v, want the defaults kept", got)
	}

	v := scheduleSettings{CatchUp: time.Hour} // the skill's defaults
	if err := store.UpdateSkill(ctx, "schedule", &v, func() error { v.Approval = true; return nil }); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	if err := store.UpdateSkill(ctx, "schedule", &v, func() error { v.Approval = false; return refused }); !errors.Is(err, refused) {
		t.Fatalf("failing fn: err = %v, want it returned", err)
	}
	var other scheduleSettings
	if err := store.LoadSkill(ctx, "digest", &other); err != nil || other != (scheduleSettings{}) {
		t.Fatalf("another skill's settings = %+v, %v; want none", other, err)
	}

	// Survives a restart; a failed update stored nothing.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after := scheduleSettings{CatchUp: time.Hour}
	if err := NewSkillSettings(db).LoadSkill(ctx, "schedule", &after); err != nil {
		t.Fatal(err)
	}
	if want := (scheduleSettings{Approval: true, CatchUp: time.Hour}); after != want {
		t.Fatalf("after restart: %+v, want %+v", after, want)
	}
}
