package inbox_test

import (
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// TestListCountsInEachLanguage: one open item is "1 open item", not "1 open
// items", and the age of an item reads in the team's language.
func TestListCountsInEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang      bot.Lang
		one, age  string
		two       string
		notPlural string
	}{
		{bot.English, "*1 open item*", "· 0 minutes ·", "*2 open items*", "1 open items"},
		{bot.French, "*1 élément ouvert*", "· 0 minute ·", "*2 éléments ouverts*", "1 éléments"},
		{bot.Dutch, "*1 open item*", "· 0 minuten ·", "*2 open items*", "1 open items"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			f := newFixture(t, func(st *bot.Settings) { st.Language = tc.lang })
			f.post(t, community, member, "My Acme parcel never arrived")
			list := bottest.ReplyText(f.Command(t, alice, "inbox"))
			if !strings.Contains(list, tc.one) || !strings.Contains(list, tc.age) || strings.Contains(list, tc.notPlural) {
				t.Errorf("one item listed as:\n%s\nwant %q and %q", list, tc.one, tc.age)
			}
			f.post(t, community, bot.UserRef{Platform: bot.Discord, ID: "400000000000000002", Name: "paul"}, "Does Acme ship to Belgium?")
			if list := bottest.ReplyText(f.Command(t, alice, "inbox")); !strings.Contains(list, tc.two) {
				t.Errorf("two items listed as:\n%s\nwant %q", list, tc.two)
			}
		})
	}
}
