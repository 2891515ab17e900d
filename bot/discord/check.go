package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"
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
// the bot's identity (GET /users/@me) and each privileged intent of Intents
// that the application has not enabled (the flags of GET /applications/@me),
// which would make Discord close the gateway with 4014. Channel permissions
// are not checked: they need the gateway's cache, which the running bot
// checks when a channel is set.
func Check(ctx context.Context, cfg Config) (notes, problems []string) {
	p, err := New(cfg)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	if err := p.call(ctx, http.MethodGet, discordgo.EndpointUser("@me"), "users/@me", nil, &me); err != nil {
		var rest *discordgo.RESTError
		if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
			return nil, []string{"Discord refused DISCORD_TOKEN (401): reset the token in the Developer Portal → your application → Bot, and copy it without the \"Bot \" prefix"}
		}
		return nil, []string{fmt.Sprintf("Discord could not be reached: %v", err)}
	}
	notes = append(notes, fmt.Sprintf("signed in as %s (id %s)", me.Username, me.ID))

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
	return notes, problems
}
