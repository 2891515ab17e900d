package main

import (
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// A member's complaint on Discord is forgotten on request from Slack: the
// stored message goes, the item no longer shows the text, and the answer
// says how much was erased.
func TestEndToEndPrivacyForgetFromSlack(t *testing.T) {
	w := newWorld(t)
	const private = "my address is 12 rue des Lilas"
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme order never arrived, "+private)
	w.slackCard(1)
	general := bot.ChannelRef{Platform: bot.Discord, ID: discordtest.ChannelID}
	waitUntil(t, "Bob's message in the history", func() bool { return len(w.history(general)) == 1 })
	if show := w.slack.SlashCommand(slackTeam, slackAlice, "inbox show 1"); !strings.Contains(show.Shown()+string(show.Blocks), private) {
		t.Fatalf("before forget, inbox show 1 does not quote the complaint: %s %s", show.Shown(), show.Blocks)
	}

	refused := w.slack.SlashCommand(slackTeam, slackBob, "privacy forget discord:"+discordtest.Bob.ID)
	if !strings.Contains(refused.Shown(), "Only staff") {
		t.Errorf("a member's forget answered %q", refused.Shown())
	}
	ans := w.slack.SlashCommand(slackTeam, slackAlice, "privacy forget discord:"+discordtest.Bob.ID)
	for _, want := range []string{"Stored messages deleted: 1", "Inbox items cleared of their text: 1"} {
		if !strings.Contains(ans.Shown(), want) {
			t.Errorf("answer %q does not say %q", ans.Shown(), want)
		}
	}
	if n := len(w.history(general)); n != 0 {
		t.Errorf("%d messages of Bob still stored", n)
	}
	if show := w.slack.SlashCommand(slackTeam, slackAlice, "inbox show 1"); strings.Contains(show.Shown()+string(show.Blocks), "rue des Lilas") {
		t.Errorf("after forget, inbox show 1 still quotes the complaint: %s", show.Blocks)
	}
}
