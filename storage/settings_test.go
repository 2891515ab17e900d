package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestSettingsOverlay(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	env1 := bot.Settings{Brand: []string{"Acme"}, Timezone: "UTC", Language: bot.English, DigestAt: "09:00"}

	db, err := storage.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s := storage.NewSettings(db, env1)
	got, err := s.UpdateSettings(ctx, func(st *bot.Settings) error {
		st.Brand = []string{"Acme", "ACME Cloud"} // changed by a command
		st.Language = bot.English                 // set to the value it already had
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Brand, []string{"Acme", "ACME Cloud"}) || got.Timezone != "UTC" {
		t.Errorf("update returned %+v", got)
	}
	if _, err := s.UpdateSettings(ctx, func(st *bot.Settings) error {
		st.DigestAt = "18:00"
		return errors.New("refused")
	}); err == nil || err.Error() != "refused" {
		t.Fatalf("update whose fn fails returned %v, want fn's error", err)
	}
	if cur, _ := s.Settings(ctx); cur.DigestAt != "09:00" {
		t.Errorf("failed update changed digest time to %q", cur.DigestAt)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart with a different environment.
	env2 := bot.Settings{Brand: []string{"Globex"}, Timezone: "Europe/Paris", Language: bot.French, DigestAt: "08:00"}
	db = openAt(t, path)
	st, err := storage.NewSettings(db, env2).Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Brand, []string{"Acme", "ACME Cloud"}) {
		t.Errorf("brand = %q: the command's value must win over the environment", st.Brand)
	}
	if st.Timezone != "Europe/Paris" || st.Language != bot.French || st.DigestAt != "08:00" {
		t.Errorf("timezone, language, digest = %q, %q, %q: fields no command changed must follow the environment",
			st.Timezone, st.Language, st.DigestAt)
	}
}

func TestSettingsCacheFollowsUpdates(t *testing.T) {
	ctx := context.Background()
	s := storage.NewSettings(openAt(t, tempPath(t)), bot.Settings{Staff: []string{"slack:U1"}})
	first, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first.Staff[0] = "slack:MUTATED" // the caller's copy, not the store's
	if _, err := s.UpdateSettings(ctx, func(st *bot.Settings) error {
		st.Staff = append(st.Staff, "discord:2")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Staff, []string{"slack:U1", "discord:2"}) {
		t.Errorf("staff = %q, want [slack:U1 discord:2]", got.Staff)
	}
}
