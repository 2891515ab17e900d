package history_test

import (
	"context"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// TestRetentionOfOneDayIsSingular: "1 day", "1 jour", "1 dag" — not "1 days",
// "1 jours", "1 dagen".
func TestRetentionOfOneDayIsSingular(t *testing.T) {
	f := setup(t)
	staff := bot.UserRef{Platform: bot.Slack, ID: "UADMIN"}
	for _, tc := range []struct {
		lang bot.Lang
		want string
	}{
		{bot.English, "Community messages will be kept 1 day."},
		{bot.French, "Les messages de la communauté seront conservés 1 jour."},
		{bot.Dutch, "Communityberichten worden 1 dag bewaard."},
	} {
		if _, err := f.settings.UpdateSettings(context.Background(), func(s *bot.Settings) error {
			s.Staff, s.Language = []string{"slack:UADMIN"}, tc.lang
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := bottest.ReplyText(f.env.Command(t, staff, "setup retention 1d")); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
}
