package discord_test

import (
	"context"
	"errors"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

func TestCanPost(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{GuildID: discordtest.GuildID}, nil)
	// Once this message is seen, so is the GUILD_CREATE before it.
	e.seen.wait(t, 1, byID("m:"+e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "hi")))
	ctx := context.Background()
	for _, id := range []string{discordtest.ChannelID, discordtest.ThreadID} {
		if err := e.p.CanPost(ctx, channel(id)); err != nil {
			t.Errorf("CanPost(%s) = %v: @everyone may view and send there", id, err)
		}
	}
	if err := e.p.CanPost(ctx, channel("810000000000000099")); !errors.Is(err, bot.ErrUnknownChannel) {
		t.Errorf("CanPost(a channel the server does not have) = %v, want ErrUnknownChannel", err)
	}
	// Through the engine, as skills ask.
	if err := e.engine.CanPost(ctx, channel("810000000000000099")); !errors.Is(err, bot.ErrUnknownChannel) {
		t.Errorf("Engine.CanPost = %v, want ErrUnknownChannel", err)
	}
	if err := e.engine.CanPost(ctx, bot.ChannelRef{Platform: bot.Slack, ID: "C0"}); err != nil {
		t.Errorf("Engine.CanPost on a platform that cannot tell = %v, want nil", err)
	}
}

// Watching needs reading: a made-up id and a channel of another server the
// bot is in are unknown, the server's own channels readable.
func TestCanRead(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{GuildID: discordtest.GuildID}, nil)
	e.seen.wait(t, 1, byID("m:"+e.srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "hi")))
	ctx := context.Background()
	for _, id := range []string{discordtest.ChannelID, discordtest.TeamChannelID, discordtest.ThreadID} {
		if err := e.engine.CanRead(ctx, channel(id)); err != nil {
			t.Errorf("CanRead(%s) = %v: @everyone may view it", id, err)
		}
	}
	for _, id := range []string{"810000000000000099", discordtest.OtherChannelID} {
		if err := e.engine.CanRead(ctx, channel(id)); !errors.Is(err, bot.ErrUnknownChannel) {
			t.Errorf("CanRead(%s) = %v, want ErrUnknownChannel", id, err)
		}
	}
}
