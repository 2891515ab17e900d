package setup_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/skills/setup"
)

func newEnv(t *testing.T) (*bottest.Env, *bottest.MemAudit) {
	t.Helper()
	audit := &bottest.MemAudit{}
	store := bottest.NewMemSettings(bot.Settings{Staff: []string{"slack:UADMIN"}})
	cat := bot.NewCatalog(setup.Messages())
	env := bottest.MustEngine(t, store, cat)
	env.Add(setup.New(store, audit, cat, env.Engine, slog.New(slog.DiscardHandler)))
	return env, audit
}

func settings(t *testing.T, env *bottest.Env) bot.Settings {
	t.Helper()
	s, err := env.Settings.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Commands arrive as the adapters hand them over, with neutral mentions
// (bot/text), and replies name channels and staff with neutral mentions,
// which the adapters render as their markup (bot/slack, bot/discord tests).
func TestSetupVerbsChangeSettingsAndAudit(t *testing.T) {
	env, audit := newEnv(t)
	steps := []struct{ cmd, reply string }{
		{"setup team-channel", "Team channel set to <#slack:C0TEAM> (slack)"},
		{"setup watch <#slack:C0COMMUNITY|community>", "Now watching <#slack:C0COMMUNITY> (slack)"},
		{"setup watch discord:300000000000000001", "Now watching <#discord:300000000000000001> (discord)"},
		{"setup brand Acme, ACME Cloud, acme", "Keywords saved: Acme, ACME Cloud."},
		{"setup competitors Globex", "Keywords saved: Globex."},
		{"setup staff add <@slack:U0ALICE|alice>", "<@slack:U0ALICE> (slack) is now staff."},
		{"setup staff add <@slack-role:S0MODS|@mods>", "<@slack-role:S0MODS> (slack) is now staff."},
		{"setup timezone Europe/Paris", "Time zone set to Europe/Paris"},
	}
	for _, s := range steps {
		if got := bottest.ReplyText(env.Command(t, bottest.Staff, s.cmd)); !strings.Contains(got, s.reply) {
			t.Errorf("%q: reply %q, want it to contain %q", s.cmd, got, s.reply)
		}
	}
	st := settings(t, env)
	want := bot.Settings{
		TeamChannel: bot.ChannelRef{Platform: bot.Slack, ID: "C0TEAM"},
		Watch:       []bot.ChannelRef{{Platform: bot.Slack, ID: "C0COMMUNITY"}, {Platform: bot.Discord, ID: "300000000000000001"}},
		Brand:       []string{"Acme", "ACME Cloud"},
		Competitors: []string{"Globex"},
		Staff:       []string{"slack:UADMIN", "slack:U0ALICE", "slack-role:S0MODS"},
		Timezone:    "Europe/Paris",
	}
	if st.TeamChannel != want.TeamChannel || !slices.Equal(st.Watch, want.Watch) || !slices.Equal(st.Brand, want.Brand) ||
		!slices.Equal(st.Competitors, want.Competitors) || !slices.Equal(st.Staff, want.Staff) ||
		st.Timezone != want.Timezone {
		t.Errorf("settings %+v", st)
	}
	if n := len(audit.Entries()); n != len(steps) {
		t.Errorf("%d audit entries for %d changes", n, len(steps))
	}
	if e := audit.Entries()[1]; e.Action != "setup.watch" || e.Actor.ID != "UADMIN" || e.Detail != "slack:C0COMMUNITY" {
		t.Errorf("audit entry %+v", e)
	}

	// A new staff member may now change settings.
	alice := bot.UserRef{Platform: bot.Slack, ID: "U0ALICE"}
	if got := bottest.ReplyText(env.Command(t, alice, "setup unwatch <#slack:C0COMMUNITY>")); !strings.Contains(got, "No longer watching") {
		t.Errorf("alice unwatch: %q", got)
	}
	// Someone holding the staff user group too.
	mod := bot.UserRef{Platform: bot.Slack, ID: "U0MOD", Roles: []string{"S0MODS"}}
	if got := bottest.ReplyText(env.Command(t, mod, "setup staff remove <@slack:U0ALICE>")); !strings.Contains(got, "no longer staff") {
		t.Errorf("mod remove: %q", got)
	}
}

func TestSetupRefusesBadInputAndChangesNothing(t *testing.T) {
	env, audit := newEnv(t)
	env.Command(t, bottest.Staff, "setup timezone Europe/Brussels")
	before := settings(t, env)
	nAudit := len(audit.Entries())
	bad := []struct{ cmd, reply string }{
		{"setup timezone Mars/Olympus", `Unknown time zone "Mars/Olympus": use an IANA name such as Europe/Paris`},
		{"setup timezone Local", `Unknown time zone "Local"`},
		{"setup language de", `"de" is not one of: en, fr, nl.`},
		{"setup language", "Missing lang."},
		{"setup watch community", `"community" is not a channel`},
		{"setup watch", "Usage: /cm setup watch <channel>"},
		{"setup brand ,,,", "Give at least one keyword"},
		{"setup brand A", `Keyword "A" must be 2 to 64 characters.`},
		{"setup staff promote <@slack:U1X>", `"promote" is not one of: add, remove, list.`},
		{"setup staff add bob", `"bob" is not a user`},
		{"setup staff remove <@slack:U0NOBODY>", "<@slack:U0NOBODY> (slack) is not staff."},
		{"setup unwatch <#slack:C0NEVER>", "<#slack:C0NEVER> (slack) is not watched."},
		{"setup frobnicate", `Unknown command "setup frobnicate"`},
	}
	for _, b := range bad {
		if got := bottest.ReplyText(env.Command(t, bottest.Staff, b.cmd)); !strings.Contains(got, b.reply) {
			t.Errorf("%q: reply %q, want it to contain %q", b.cmd, got, b.reply)
		}
	}
	after := settings(t, env)
	if after.Timezone != before.Timezone || after.Language != before.Language || len(after.Watch) != 0 || len(after.Brand) != 0 || len(after.Staff) != 1 {
		t.Errorf("bad input changed settings: %+v", after)
	}
	if len(audit.Entries()) != nAudit {
		t.Errorf("bad input was audited: %+v", audit.Entries()[nAudit:])
	}
}

func TestSetupRefusesNonStaff(t *testing.T) {
	env, audit := newEnv(t)
	for _, cmd := range []string{"setup team-channel", "setup watch <#slack:C0X>", "setup brand Evil", "setup staff add <@slack:UMEMBER>", "setup language fr"} {
		if got := bottest.ReplyText(env.Command(t, bottest.Member, cmd)); !strings.Contains(got, "Only staff can do that") {
			t.Errorf("%q by a member: %q", cmd, got)
		}
	}
	st := settings(t, env)
	if !st.TeamChannel.IsZero() || len(st.Watch)+len(st.Brand) != 0 || len(st.Staff) != 1 || st.Language != "" {
		t.Errorf("non-staff changed settings: %+v", st)
	}
	if len(audit.Entries()) != 0 {
		t.Errorf("refusals audited as changes: %+v", audit.Entries())
	}
	// Reading is open to everyone.
	if got := bottest.ReplyText(env.Command(t, bottest.Member, "setup show")); !strings.Contains(got, "commpilot settings") {
		t.Errorf("show for member: %q", got)
	}
}

func TestLanguageSwitchesBotWords(t *testing.T) {
	env, _ := newEnv(t)
	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "setup language fr")); got != "Je parlerai français désormais." {
		t.Errorf("fr: %q", got)
	}
	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "setup timezone Nowhere/Land")); !strings.Contains(got, "Fuseau horaire inconnu") {
		t.Errorf("fr error: %q", got)
	}
	if got := bottest.ReplyText(env.Command(t, bottest.Member, "help")); !strings.Contains(got, "Commandes de commpilot") || !strings.Contains(got, "Surveiller un canal") {
		t.Errorf("fr help: %q", got)
	}
	env.Command(t, bottest.Staff, "setup language nl")
	if got := bottest.ReplyText(env.Command(t, bottest.Member, "setup brand X")); !strings.Contains(got, "Alleen het team") {
		t.Errorf("nl refusal: %q", got)
	}
}

func TestHelpListsRegisteredCommands(t *testing.T) {
	env, _ := newEnv(t)
	got := bottest.ReplyText(env.Command(t, bottest.Member, "help"))
	for _, c := range env.Router.Commands() {
		if !strings.Contains(got, "`"+c.Usage()+"`") {
			t.Errorf("help lacks %q", c.Usage())
		}
	}
	setupOnly := bottest.ReplyText(env.Command(t, bottest.Member, "help setup"))
	if strings.Contains(setupOnly, "/cm help") || !strings.Contains(setupOnly, "/cm setup watch") {
		t.Errorf("help setup: %q", setupOnly)
	}
	if got := bottest.ReplyText(env.Command(t, bottest.Member, "help nothing")); !strings.Contains(got, `No commands under "nothing"`) {
		t.Errorf("help nothing: %q", got)
	}
}

func TestEveryCommandHasHelpInEveryLanguage(t *testing.T) {
	env, _ := newEnv(t)
	cat := bot.NewCatalog(setup.Messages())
	for _, c := range env.Router.Commands() {
		for _, l := range bot.Langs() {
			if k := setup.HelpKey(c.Route); cat.T(l, k) == k {
				t.Errorf("no %s help for %q", l, c.Route)
			}
		}
		if c.Description == "" || len(c.Description) > 100 {
			t.Errorf("%q: description must be 1..100 chars for Discord", c.Route)
		}
	}
	if m := cat.Missing(); len(m) > 0 {
		t.Errorf("missing translations: %v", m)
	}
}

func TestParseKeywordsFoldsLikeTriage(t *testing.T) {
	got, err := setup.ParseKeywords("Café Noir, cafe noir, CAFÉ  NOIR, Réçu")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "Café Noir|Réçu" {
		t.Errorf("ParseKeywords = %q, want one keyword per folded spelling", got)
	}
}

// @everyone, @here and Slack's broadcasts are held by no one as a role:
// making them staff would grant nothing, so it is refused, and a huge or
// broken argument is refused with its reason intact.
func TestSetupRefusesEveryoneAndBrokenText(t *testing.T) {
	env, audit := newEnv(t)
	for _, c := range []struct{ cmd, reply string }{
		{"setup staff add @everyone", "@everyone means everyone at once, not a role or a person, so nothing can be granted to it"},
		{"setup staff add @here", "@here means everyone at once"},
		{"setup staff add @channel", "@channel means everyone at once"},
		{"setup staff add <!everyone>", "<!everyone> means everyone at once"},
		{"setup brand Acme, \xffCloud", "keywords: this is not valid text (some bytes are not UTF-8)."},
		{"setup brand Acme, " + strings.Repeat("long", 1000), "must be 2 to 64 characters."},
	} {
		got := bottest.ReplyText(env.Command(t, bottest.Staff, c.cmd))
		if !strings.Contains(got, c.reply) || len([]rune(got)) > 400 {
			t.Errorf("%.40q: reply %.300q, want it to contain %q (and be short)", c.cmd, got, c.reply)
		}
	}
	env.Command(t, bottest.Staff, "setup language fr")
	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "setup staff add @everyone")); !strings.HasPrefix(got, "@everyone désigne tout le monde") {
		t.Errorf("fr: %q", got)
	}
	st := settings(t, env)
	if len(st.Staff) != 1 || len(st.Brand) != 0 {
		t.Errorf("refusals changed settings: %+v", st)
	}
	if n := len(audit.Entries()); n != 1 { // the language
		t.Errorf("%d audit entries, want only the language change", n)
	}
}
