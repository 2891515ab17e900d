package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/skills/setup"
)

// TestSetupAcrossSkills runs, on the wired bot, the /cm setup verbs that
// each skill owns (the team's, the inbox's, the history's) and reads them
// back in one /cm setup show, in every language.
func TestSetupAcrossSkills(t *testing.T) {
	m := NewMain(Config{DBPath: filepath.Join(t.TempDir(), "commpilot.db"), HTTPAddr: "127.0.0.1:0",
		Initial: bot.Settings{Staff: []string{"slack:U0ALICE"}}}, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	alice := bot.UserRef{Platform: bot.Slack, ID: "U0ALICE"}
	n := 0
	cmd := func(u bot.UserRef, text string) string {
		t.Helper()
		n++
		rep, err := m.Engine.HandleEvent(context.Background(), bot.Event{ID: fmt.Sprint("ev", n), Kind: bot.EventCommand,
			User: u, Text: text, Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Slack, ID: "C0TEAM"}}})
		if err != nil || rep == nil {
			t.Fatalf("%q: %v, %v", text, rep, err)
		}
		return rep.Text
	}
	for _, c := range []struct{ cmd, reply string }{
		{"setup team-channel", "Team channel set to <#slack:C0TEAM> (slack): cards and digests will go there."},
		{"setup watch <#slack:C0COMMUNITY>", "Now watching <#slack:C0COMMUNITY> (slack) for mentions, questions and complaints."},
		{"setup brand Acme, ACME Cloud", "Keywords saved: Acme, ACME Cloud."},
		{"setup timezone Europe/Paris", "Time zone set to Europe/Paris"},
		{"setup voice friendly, no emoji", "Voice saved: drafts will follow it."},
		{"setup send-delay 30s", "Send delay set to 30 seconds."},
		{"setup retention 14d", "Community messages will be kept 14 days."},
		{"setup send-delay 2h", `Send delay "2h": use off, or a duration from 1s to 10m such as 30s.`},
		{"setup retention 2h", `Retention "2h": use a period from 1d to 365d, such as 30d.`},
	} {
		if got := cmd(alice, c.cmd); !strings.HasPrefix(got, c.reply) {
			t.Errorf("%q: %q, want %q", c.cmd, got, c.reply)
		}
	}
	bob := bot.UserRef{Platform: bot.Slack, ID: "U0BOB"}
	for _, c := range []string{"setup voice rude", "setup send-delay off", "setup retention 1d"} {
		if got := cmd(bob, c); !strings.HasPrefix(got, "Only staff can do that.") {
			t.Errorf("%q by a member: %q", c, got)
		}
	}
	want := map[string]string{
		"en": `*commpilot settings*
Team channel: <#slack:C0TEAM> (slack)
Watched channels: <#slack:C0COMMUNITY> (slack)
Brand keywords: Acme, ACME Cloud
Competitor keywords: none
Staff: <@slack:U0ALICE> (slack)
Time zone: Europe/Paris
Language: en
Voice: friendly, no emoji
Address in drafts: each language's usual one (vous in French, je in Dutch)
Send delay: 30 seconds
Message retention: 14 days
Scheduled posts: no approval needed; catch-up after downtime: 1h`,
		"fr": `*Réglages de commpilot*
Canal de l'équipe : <#slack:C0TEAM> (slack)
Canaux surveillés : <#slack:C0COMMUNITY> (slack)
Mots-clés de la marque : Acme, ACME Cloud
Concurrents surveillés : aucun
Équipe : <@slack:U0ALICE> (slack)
Fuseau horaire : Europe/Paris
Langue : fr
Ton : friendly, no emoji
Vouvoiement ou tutoiement des brouillons : l'usage de chaque langue (vous en français, je en néerlandais)
Délai d'envoi : 30 secondes
Conservation des messages : 14 jours
Publications programmées : sans validation ; rattrapage après un arrêt : 1h`,
		"nl": `*Instellingen van commpilot*
Teamkanaal: <#slack:C0TEAM> (slack)
Gevolgde kanalen: <#slack:C0COMMUNITY> (slack)
Merktrefwoorden: Acme, ACME Cloud
Gevolgde concurrenten: geen
Team: <@slack:U0ALICE> (slack)
Tijdzone: Europe/Paris
Taal: nl
Toon: friendly, no emoji
Aanspreekvorm in concepten: wat per taal gebruikelijk is (je in het Nederlands, vous in het Frans)
Verzendvertraging: 30 seconden
Bewaartermijn berichten: 14 dagen
Geplande berichten: geen goedkeuring nodig; inhalen na uitval: 1h`,
	}
	for _, l := range []string{"en", "fr", "nl"} {
		cmd(alice, "setup language "+l)
		if got := cmd(bob, "setup show"); got != want[l] {
			t.Errorf("setup show in %s:\n%s\nwant:\n%s", l, got, want[l])
		}
	}
	help := cmd(bob, "help setup")
	for _, verb := range []string{"team-channel", "voice", "send-delay", "retention"} {
		if !strings.Contains(help, "`/cm setup "+verb) {
			t.Errorf("help setup lacks %s:\n%s", verb, help)
		}
	}
}

// TestEveryWiredCommandHasHelpInEveryLanguage checks the catalogue the
// skills bring (bot.Localized): every command of every skill has its help
// line, and every key exists in every language.
func TestEveryWiredCommandHasHelpInEveryLanguage(t *testing.T) {
	m := startMain(t, filepath.Join(t.TempDir(), "commpilot.db"))
	cat := m.Engine.Catalog()
	for _, c := range m.Engine.Commands() {
		for _, l := range bot.Langs() {
			if k := setup.HelpKey(c.Route); cat.T(l, k) == k {
				t.Errorf("no %s help for %q", l, c.Route)
			}
		}
	}
	if missing := cat.Missing(); len(missing) > 0 {
		t.Errorf("missing translations: %v", missing)
	}
}
