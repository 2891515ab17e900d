package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestModerationRules(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	m := storage.NewModeration(openAt(t, path))
	add := func(r *bot.ModRule, exists bool) (bool, error) {
		if exists {
			return false, errors.New("exists")
		}
		r.Source = "invites delete"
		r.Triggers = []bot.RulePart{{Kind: 4}}
		return false, nil
	}
	if _, err := m.UpdateRule(ctx, bot.Discord, "no-invites", add); err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpdateRule(ctx, bot.Discord, "no-invites", add); err == nil || err.Error() != "exists" {
		t.Fatalf("second add: %v, want the fn's error", err)
	}
	if _, err := m.UpdateRule(ctx, bot.Slack, "no-invites", add); err != nil {
		t.Fatal(err)
	}
	rules, err := m.Rules(ctx)
	if err != nil || len(rules) != 2 || rules[0].Platform != bot.Discord || rules[0].Name != "no-invites" || rules[0].Source != "invites delete" {
		t.Fatalf("rules = %+v, %v", rules, err)
	}
	if _, err := m.UpdateRule(ctx, bot.Discord, "no-invites", func(*bot.ModRule, bool) (bool, error) { return true, nil }); err != nil {
		t.Fatal(err)
	}
	if rules, _ := m.Rules(ctx); len(rules) != 1 || rules[0].Platform != bot.Slack {
		t.Fatalf("after remove: %+v", rules)
	}
}

func TestModerationCasesAndStrikes(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	db := openAt(t, path)
	m := storage.NewModeration(db)
	bob := bot.UserRef{Platform: bot.Discord, ID: "2"}
	eve := bot.UserRef{Platform: bot.Discord, ID: "22"} // "22" must not be read as bob's prefix
	var strikes []int
	for i, u := range []bot.UserRef{bob, eve, bob, bob} {
		c, n, err := m.AddCase(ctx, bot.ModCase{Time: base.Add(time.Duration(i) * 24 * time.Hour), Member: u, Strikes: 1, Actions: []string{"warn"}}, base.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != uint64(i+1) {
			t.Fatalf("case %d numbered %d", i+1, c.ID)
		}
		strikes = append(strikes, n)
	}
	// bob's first case (day 0) is before since: it no longer counts.
	if want := []int{0, 1, 1, 2}; !equalInts(strikes, want) {
		t.Fatalf("strikes = %v, want %v", strikes, want)
	}
	if _, err := m.UpdateCase(ctx, 3, func(c *bot.ModCase) error { c.Undone = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := m.AddCase(ctx, bot.ModCase{Time: base.Add(5 * 24 * time.Hour), Member: bob, Strikes: 2}, base); n != 4 {
		t.Fatalf("strikes after undo = %d, want 4 (1+1+2, case 3 undone)", n)
	}
	list, err := m.Cases(ctx, bob.Key(), 10)
	if err != nil || len(list) != 4 || list[0].ID != 5 || list[3].ID != 1 {
		t.Fatalf("bob's cases = %v, %v", ids(list), err)
	}
	if all, _ := m.Cases(ctx, "", 2); len(all) != 2 || all[0].ID != 5 {
		t.Fatalf("latest cases = %v", ids(all))
	}
	if _, err := m.Case(ctx, 99); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("missing case: %v", err)
	}
	// Excerpts past the retention go, the cases stay.
	if _, err := m.UpdateCase(ctx, 1, func(c *bot.ModCase) error { c.Excerpt = "old text"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpdateCase(ctx, 4, func(c *bot.ModCase) error { c.Excerpt = "recent text"; return nil }); err != nil {
		t.Fatal(err)
	}
	if n, err := m.PurgeExcerpts(ctx, base.Add(2*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	if c, _ := m.Case(ctx, 1); c.Excerpt != "" || c.Actions[0] != "warn" {
		t.Errorf("case 1 after purge: %+v", c)
	}
	if c, _ := m.Case(ctx, 4); c.Excerpt != "recent text" {
		t.Errorf("case 4 lost its excerpt: %+v", c)
	}
	// Survives a reopen.
	_ = db.Close()
	m = storage.NewModeration(openAt(t, path))
	if c, err := m.Case(ctx, 3); err != nil || !c.Undone {
		t.Fatalf("case 3 after reopen = %+v, %v", c, err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func ids(cs []bot.ModCase) []uint64 {
	var out []uint64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
