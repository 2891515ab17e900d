package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

// privilegedIntents are the privileged gateway intents, each with the
// application flags (GET /applications/@me) that say it is enabled in the
// Developer Portal: the full flag for verified applications, the _LIMITED
// one for those in fewer than 100 servers.
var privilegedIntents = []struct {
	intent discordgo.Intent
	flags  int
	name   string
}{
	{discordgo.IntentGuildPresences, 1<<12 | 1<<13, "Presence Intent"},
	{discordgo.IntentGuildMembers, 1<<14 | 1<<15, "Server Members Intent"},
	{discordgo.IntentMessageContent, 1<<18 | 1<<19, "Message Content Intent"},
}

// Check reaches Discord with cfg's token without opening the gateway, and
// says in plain words what works (notes) and what must be fixed (problems):
// the bot's identity (GET /users/@me), that it is in cfg.GuildID when set
// (GET /users/@me/guilds, the first 200 servers), each privileged intent of Intents
// that the application has not enabled (the flags of GET /applications/@me),
// which would make Discord close the gateway with 4014, and that each of
// channels exists and the bot can see it (GET /channels/ID). The bot's
// permissions in a channel are not checked: they need the gateway's cache,
// which the running bot checks when a channel is set.
func Check(ctx context.Context, cfg Config, channels []bot.ChannelRef) (notes, problems []string) {
	p, err := New(cfg)
	if err != nil {
		return nil, []string{err.Error()}
	}
	refused := func(err error, status int) bool {
		var rest *discordgo.RESTError
		return errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == status
	}
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	if err := p.call(ctx, http.MethodGet, discordgo.EndpointUser("@me"), "users/@me", nil, &me); err != nil {
		if refused(err, http.StatusUnauthorized) {
			return nil, []string{"Discord refused DISCORD_TOKEN (401): reset the token in the Developer Portal → your application → Bot, and copy it without the \"Bot \" prefix"}
		}
		return nil, []string{fmt.Sprintf("Discord could not be reached: %v", err)}
	}
	notes = append(notes, fmt.Sprintf("signed in as %s (id %s)", me.Username, me.ID))
	if cfg.GuildID != "" {
		type guild struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		var guilds []guild
		if err := p.call(ctx, http.MethodGet, discordgo.EndpointUserGuilds("@me"), "users/@me/guilds", nil, &guilds); err != nil {
			problems = append(problems, fmt.Sprintf("Discord did not list the bot's servers: %v", err))
		} else if i := slices.IndexFunc(guilds, func(g guild) bool { return g.ID == cfg.GuildID }); i < 0 {
			problems = append(problems, fmt.Sprintf("the bot is not in the server DISCORD_GUILD_ID=%s: invite it with the link in docs/discord.md", cfg.GuildID))
		} else {
			notes = append(notes, fmt.Sprintf("the bot is in the server %s", guilds[i].Name))
		}
	}

	var app struct {
		Flags int `json:"flags"`
	}
	if err := p.call(ctx, http.MethodGet, discordgo.EndpointApplication("@me"), "applications/@me", nil, &app); err != nil {
		return notes, []string{fmt.Sprintf("Discord did not say which intents the application has: %v", err)}
	}
	for _, pi := range privilegedIntents {
		if Intents&pi.intent == 0 {
			continue
		}
		if app.Flags&pi.flags == 0 {
			problems = append(problems, fmt.Sprintf("the %s is off: switch it on in the Developer Portal → your application → Bot → Privileged Gateway Intents (else Discord refuses the connection)", pi.name))
		} else {
			notes = append(notes, fmt.Sprintf("the %s is on", pi.name))
		}
	}
	for _, ch := range channels {
		if ch.Platform != bot.Discord {
			continue
		}
		var c struct {
			Name string `json:"name"`
		}
		switch err := p.call(ctx, http.MethodGet, discordgo.EndpointChannel(ch.ID), "channels/"+ch.ID, nil, &c); {
		case err == nil:
			notes = append(notes, fmt.Sprintf("the channel #%s (%s) exists and the bot can see it", c.Name, ch.ID))
		case refused(err, http.StatusNotFound):
			problems = append(problems, fmt.Sprintf("the channel %s does not exist", ch.ID))
		case refused(err, http.StatusForbidden):
			problems = append(problems, fmt.Sprintf("the bot cannot see the channel %s: give its role View Channel there", ch.ID))
		default:
			problems = append(problems, fmt.Sprintf("Discord did not say whether the channel %s exists: %v", ch.ID, err))
		}
	}
	return notes, problems
}
