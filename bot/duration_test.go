package bot_test

import (
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Each language's units read in every team, so a French admin's 30j and an
// English admin's 30d mean the same; m is minutes everywhere.
func TestParseDurationReadsEveryLanguagesUnits(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"30j": 30 * day, "30J": 30 * day, "30d": 30 * day, "30 jours": 0,
		"2u": 2 * time.Hour, "2h": 2 * time.Hour, "2u30m": 2*time.Hour + 30*time.Minute,
		"1sem": 7 * day, "1w": 7 * day, "2 h 30 min": 2*time.Hour + 30*time.Minute,
		"10mn": 10 * time.Minute, "10m": 10 * time.Minute, "45sec": 45 * time.Second,
		"8784h0m0s": 366 * day, // Go's own rendering, as older settings hold it
	} {
		d, err := bot.ParseDuration(in)
		if want == 0 {
			if err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
			}
			continue
		}
		if err != nil || d != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
	for _, in := range []string{"1mo", "1mois", "1maand", "1y", "1.5h", "-1d"} {
		if d, err := bot.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestFormatDurationForPeople(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		d    time.Duration
		lang bot.Lang
		want string
	}{
		{366 * day, bot.English, "366 days"},
		{day, bot.English, "1 day"},
		{2*time.Hour + 30*time.Minute, bot.English, "2 hours 30 minutes"},
		{30 * time.Second, bot.English, "30 seconds"},
		{day + time.Second, bot.English, "1 day 1 second"},
		{0, bot.English, "0 seconds"},
		{366 * day, bot.French, "366 jours"},
		{day, bot.French, "1 jour"},
		{2*time.Hour + 30*time.Minute, bot.French, "2 heures 30 minutes"},
		{0, bot.French, "0 seconde"},
		{366 * day, bot.Dutch, "366 dagen"},
		{day, bot.Dutch, "1 dag"},
		{2*time.Hour + 30*time.Minute, bot.Dutch, "2 uur 30 minuten"},
		{time.Minute, bot.Dutch, "1 minuut"},
		{1500 * time.Millisecond, bot.Dutch, "2 seconden"},
	} {
		if got := bot.FormatDuration(c.d, c.lang); got != c.want {
			t.Errorf("FormatDuration(%v, %s) = %q, want %q", c.d, c.lang, got, c.want)
		}
	}
}
