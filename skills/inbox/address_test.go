package inbox_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/inbox"
)

// pronouns find the member's pronouns in a French or Dutch reply.
var (
	vous = regexp.MustCompile(`(?i)\b(vous|votre|vos)\b`)
	tu   = regexp.MustCompile(`(?i)\b(tu|ton|ta|tes|toi|t'|te)\b|n'hésite pas|écris-nous|peux-tu`)
	u    = regexp.MustCompile(`\b(u|uw|kunt u)\b`)
	je   = regexp.MustCompile(`\b(je|jij|jou|jouw|kun je)\b`)
)

// TestOfflineDraftsFollowTheAddress: every offline template addresses the
// member in one register: vous or tu, u or je, as the setting says, and by
// default vous in French and je in Dutch.
func TestOfflineDraftsFollowTheAddress(t *testing.T) {
	for _, tc := range []struct {
		lang      bot.Lang
		address   bot.Address
		want, not *regexp.Regexp
	}{
		{bot.French, bot.AddressDefault, vous, tu},
		{bot.French, bot.AddressFormal, vous, tu},
		{bot.French, bot.AddressInformal, tu, vous},
		{bot.Dutch, bot.AddressDefault, je, u},
		{bot.Dutch, bot.AddressInformal, je, u},
		{bot.Dutch, bot.AddressFormal, u, je},
	} {
		for _, kind := range []bot.Kind{bot.KindComplaint, bot.KindQuestion, bot.KindOther} {
			for _, faq := range [][]bot.FAQEntry{nil, {{Answer: "Livraison sous 3 jours."}}} {
				d, err := inbox.OfflineDrafter{}.Draft(context.Background(), bot.DraftRequest{Author: "marie",
					Triage: bot.Triage{Lang: string(tc.lang), Kind: kind}, Address: tc.address, FAQ: faq})
				if err != nil {
					t.Fatal(err)
				}
				if !tc.want.MatchString(d.Text) || tc.not.MatchString(d.Text) {
					t.Errorf("%s %q %s: %q mixes or misses the register", tc.lang, tc.address, kind, d.Text)
				}
			}
		}
	}
}

// TestSetupAddress: /cm setup address is staff-only, refuses what it does
// not know with a sentence, accepts the words of the three languages, and
// the next draft follows it.
func TestSetupAddress(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		who       bot.UserRef
		cmd, want string
	}{
		{bottest.Member, "setup address informal", "Only staff can do that."},
		{alice, "setup address casual", `"casual" is not a form of address: use formal (vous, u), informal (tu, je) or default.`},
		{alice, "setup address tu", "Drafts will now address members: informal (tu in French, je in Dutch)."},
	} {
		if got := bottest.ReplyText(f.Command(t, c.who, c.cmd)); !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: %q, want %q", c.cmd, got, c.want)
		}
	}
	st, err := f.Settings.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Address != bot.AddressInformal {
		t.Fatalf("address %q, want informal", st.Address)
	}
	f.post(t, community, member, "Bonjour, ma commande Acme n'est jamais arrivée, c'est inadmissible.")
	if c := f.lastCard(t); !strings.Contains(c.Body, "peux-tu") || vous.MatchString(c.Body) {
		t.Errorf("French draft does not say tu:\n%s", c.Body)
	}
	if got := bottest.ReplyText(f.Command(t, alice, "setup address vous")); got != "Drafts will now address members: formal (vous in French, u in Dutch)." {
		t.Errorf("vous: %q", got)
	}
}
