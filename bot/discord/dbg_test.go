package discord_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

func TestDbg(t *testing.T) {
	srv := discordtest.New(t)
	p, _ := discord.New(discord.Config{Token: discordtest.Token, APIURL: srv.URL(), Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := p.Run(ctx, bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil }))
	t.Log(err)
	for _, r := range srv.Requests() { t.Log(r.Method, r.Path, r.Status) }
}
