package main

import (
	"strings"
	"testing"
)

// A complaint posted in a watched Slack channel while the socket was down
// reaches the inbox once the socket is back: the bot fetches what it
// missed in the channels of the settings' watch list.
func TestEndToEndSlackComplaintDuringReconnectGetsACard(t *testing.T) {
	w := newWorld(t)
	w.slack.PostUserMessage("C0RANDOM", slackBob, "hi all", "") // acknowledged: the socket's hello was read
	release := w.slack.InjectStall("apps.connections.open")
	w.slack.DropSocket()
	w.slack.WaitCalls("apps.connections.open", 2)
	w.slack.PostUndelivered(slackCommunity, slackBob, "My Acme order never arrived, this is the second time!")
	release()
	w.slack.WaitConnections(2)
	card := w.slackCard(1)
	if text := blockText(t, card.Blocks); !strings.Contains(text, "My Acme order never arrived") {
		t.Errorf("card = %s", text)
	}
}
