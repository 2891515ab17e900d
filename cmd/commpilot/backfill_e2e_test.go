package main

import (
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// A member's complaint posted while the Discord gateway reconnects after a
// zombie connection (discordgo closes it with 1000, so the bot identifies
// anew and Discord replays nothing) still reaches the inbox: the new
// session fetches what was posted in the watched channels meanwhile.
func TestEndToEndComplaintDuringAGatewayReconnectGetsACard(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx()
	w.discord.SetHeartbeatInterval(50 * time.Millisecond)
	w.discord.DropConnection() // the next connection uses the short interval
	if err := w.discord.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	gateway := w.discord.HoldGateway()
	w.discord.WithholdHeartbeatACKs()
	if err := gateway.WaitArrived(ctx, 1); err != nil { // the bot gave up on the connection
		t.Fatal(err)
	}
	w.discord.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "My Acme order never arrived, still waiting after 3 weeks")
	gateway.Release()
	if err := w.discord.WaitIdentifies(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if card := w.slackCard(1); !strings.Contains(string(card.Blocks), "My Acme order never arrived") {
		t.Errorf("card does not quote the complaint: %s", card.Blocks)
	}
}
