package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

// benchChannels spreads the community over many Slack channels, so Slack's
// one-message-per-second-per-channel pacing does not serialise the replies.
const benchChannels = 100

// BenchmarkApproveToReply measures, with the real Main, the offline drafter
// and both fakes on loopback, the time from a staff member's click on
// Approve on a Discord card to the reply being posted in the member's Slack
// thread (the click returns once Discord has the interaction answer, which
// comes after the send, so the figure slightly overstates). Run it with
// -benchtime=Nx.
func BenchmarkApproveToReply(b *testing.B) {
	dsrv, ssrv := discordtest.New(b), slacktest.New(b)
	ssrv.AddUser(slackBob, "bob", false)
	watch := []bot.ChannelRef{}
	for i := range benchChannels {
		watch = append(watch, bot.ChannelRef{Platform: bot.Slack, ID: fmt.Sprintf("C0BENCH%03d", i)})
	}
	cfg := Config{
		DiscordToken: discordtest.Token, DiscordAPIURL: dsrv.URL(), DiscordGuildID: discordtest.GuildID,
		SlackBotToken: slacktest.BotToken, SlackAppToken: slacktest.AppToken, SlackAPIURL: ssrv.APIURL(),
		DBPath: filepath.Join(b.TempDir(), "commpilot.db"), HTTPAddr: "127.0.0.1:0",
		Initial: bot.Settings{TeamChannel: bot.ChannelRef{Platform: bot.Discord, ID: discordtest.TeamChannelID},
			Watch: watch, Brand: []string{"Acme"}, Staff: []string{"discord-role:" + discordtest.RoleStaff}},
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := dsrv.WaitConnected(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := dsrv.WaitCommands(ctx); err != nil {
		b.Fatal(err)
	}
	ssrv.WaitConnections(1)

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		ch := watch[i%len(watch)].ID
		ts := ssrv.PostUserMessage(ch, slackBob, fmt.Sprintf("My Acme order %d never arrived", i), "")
		cards, err := dsrv.WaitMessages(ctx, discordtest.TeamChannelID, i+1)
		if err != nil {
			b.Fatal(err)
		}
		card := cards[i]
		var approve string
		for _, btn := range discordtest.Buttons(card.Components) {
			if strings.HasPrefix(btn.CustomID, "inbox/approve/") {
				approve = btn.CustomID
			}
		}
		replies := len(ssrv.BotMessages(ch))
		b.StartTimer()
		start := time.Now()
		if _, _, err := dsrv.Click(ctx, discordtest.Alice, discordtest.TeamChannelID, card.ID, approve); err != nil {
			b.Fatal(err)
		}
		msgs := ssrv.WaitBotMessages(ch, replies+1)
		lat = append(lat, time.Since(start))
		if len(msgs) <= replies || msgs[replies].ThreadTS != ts {
			b.Fatalf("no reply in the thread of %s", ts)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}
