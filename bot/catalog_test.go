package bot_test

import (
	"testing"

	"github.com/commpilot/commpilot/bot"
)

func TestPluralForms(t *testing.T) {
	c := bot.NewCatalog(bot.Messages{
		bot.English: {"n.items#one": "%d open item", "n.items#other": "%d open items"},
		bot.French:  {"n.items#one": "%d élément ouvert", "n.items#other": "%d éléments ouverts"},
		bot.Dutch:   {"n.items#one": "%d open item", "n.items#other": "%d open items"},
	})
	for _, tc := range []struct {
		lang bot.Lang
		n    any
		want string
	}{
		{bot.English, 0, "0 open items"},
		{bot.English, 1, "1 open item"},
		{bot.English, 2, "2 open items"},
		{bot.French, 0, "0 élément ouvert"},
		{bot.French, 1, "1 élément ouvert"},
		{bot.French, uint64(2), "2 éléments ouverts"},
		{bot.Dutch, 0, "0 open items"},
		{bot.Dutch, int64(1), "1 open item"},
		{bot.Dutch, 21, "21 open items"},
	} {
		if got := c.T(tc.lang, "n.items", tc.n); got != tc.want {
			t.Errorf("T(%s, n.items, %v) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if !c.Has(bot.French, "n.items") || c.Has(bot.French, "n.nothing") {
		t.Error("Has does not see plural keys as defined")
	}
	if got := c.T(bot.English, "n.items"); got != "n.items" {
		t.Errorf("a plural key without a count renders %q, want the key", got)
	}
}

func TestMissingPluralHalf(t *testing.T) {
	c := bot.NewCatalog(bot.Messages{
		bot.English: {"x#one": "%d x"}, bot.French: {"x#one": "%d x"}, bot.Dutch: {"x#one": "%d x"},
	})
	m := c.Missing()
	if len(m) != 3 || m[0] != "en:x#other" {
		t.Errorf("Missing() = %v, want the #other form in every language", m)
	}
}

func TestCoreDurationUnits(t *testing.T) {
	c := bot.NewCatalog()
	for _, tc := range []struct {
		lang bot.Lang
		n    int
		want string
	}{
		{bot.English, 1, "1 day"}, {bot.English, 30, "30 days"},
		{bot.French, 1, "1 jour"}, {bot.French, 0, "0 jour"}, {bot.French, 30, "30 jours"},
		{bot.Dutch, 1, "1 dag"}, {bot.Dutch, 30, "30 dagen"},
	} {
		if got := c.T(tc.lang, "unit.day", tc.n); got != tc.want {
			t.Errorf("%s %d days = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
