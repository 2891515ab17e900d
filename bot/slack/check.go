package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// RequiredScopes returns the bot token scopes the built features need
// (methodScopes and eventScopes), sorted: what the app manifest grants.
func RequiredScopes() []string {
	return slices.Sorted(maps.Keys(scopeUsers()))
}

// scopeUsers maps each required scope to the methods and events that need it.
func scopeUsers() map[string][]string {
	out := map[string][]string{}
	for _, m := range []map[string][]string{methodScopes(), eventScopes()} {
		for user, scopes := range m {
			for _, s := range scopes {
				out[s] = append(out[s], user)
			}
		}
	}
	for _, users := range out {
		slices.Sort(users)
	}
	return out
}

// Check reaches Slack with cfg's tokens without connecting the bot, and
// says in plain words what works (notes) and what must be fixed (problems):
// the bot token and its missing scopes (from auth.test's X-OAuth-Scopes
// header), in Socket Mode the app-level token (apps.connections.open, whose
// URL is not opened), and whether the bot can post in each of channels
// (conversations.info; what it cannot settle is left to the bot).
func Check(ctx context.Context, cfg Config, channels []bot.ChannelRef) (notes, problems []string) {
	p, err := New(cfg)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var auth struct {
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		User   string `json:"user"`
		Team   string `json:"team"`
		TeamID string `json:"team_id"`
	}
	header, err := p.callWith(ctx, "auth.test", cfg.BotToken, &auth)
	switch {
	case err != nil:
		return nil, []string{fmt.Sprintf("Slack could not be reached at %s: %v", p.cfg.APIURL, err)}
	case !auth.OK:
		return nil, []string{fmt.Sprintf("Slack refused SLACK_BOT_TOKEN (%s): copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions", auth.Error)}
	}
	notes = append(notes, fmt.Sprintf("signed in as @%s in the workspace %s (%s)", auth.User, auth.Team, auth.TeamID))

	if raw := header.Values("X-OAuth-Scopes"); raw != nil {
		have := map[string]bool{}
		for _, s := range strings.Split(strings.Join(raw, ","), ",") {
			have[strings.TrimSpace(s)] = true
		}
		users := scopeUsers()
		var missing []string
		for _, scope := range RequiredScopes() {
			if !have[scope] {
				missing = append(missing, fmt.Sprintf("%s (for %s)", scope, strings.Join(users[scope], ", ")))
			}
		}
		switch len(missing) {
		case 0:
		case 1:
			problems = append(problems, "the bot token lacks the scope "+missing[0]+": "+addScopes)
		default:
			problems = append(problems, "the bot token lacks these scopes: "+strings.Join(missing, "; ")+": "+addScopes)
		}
		if len(problems) == 0 {
			notes = append(notes, "the bot token has every scope commpilot needs")
		}
	} else {
		notes = append(notes, "Slack did not list the token's scopes, so they were not checked")
	}

	if p.HTTPMode() {
		notes = append(notes, "HTTP mode: Slack must reach /slack/events, /slack/commands and /slack/interactivity through your public URL")
	} else {
		var open struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if _, err := p.callWith(ctx, "apps.connections.open", cfg.AppToken, &open); err != nil || !open.OK {
			why := open.Error
			if err != nil {
				why = err.Error()
			}
			problems = append(problems, fmt.Sprintf("SLACK_APP_TOKEN cannot open a Socket Mode connection (%s): enable Socket Mode and create an app-level token with connections:write under Basic Information → App-Level Tokens", why))
		} else {
			notes = append(notes, "the app-level token opens Socket Mode connections")
		}
	}

	for _, ch := range channels {
		if ch.Platform != bot.Slack {
			continue
		}
		switch err := p.CanPost(ctx, ch); {
		case errors.Is(err, bot.ErrUnknownChannel):
			problems = append(problems, fmt.Sprintf("the channel %s does not exist or the bot cannot see it", ch.ID))
		case errors.Is(err, bot.ErrCannotPost):
			problems = append(problems, fmt.Sprintf("the bot is not in the channel %s: invite it there with /invite @%s", ch.ID, auth.User))
		}
	}
	return notes, problems
}

// addScopes says how to grant missing scopes.
const addScopes = "add them under OAuth & Permissions → Bot Token Scopes (slack-app-manifest.yaml lists them all), then reinstall the app"

// callWith posts a Web API method with token and decodes its answer into
// out, returning the answer's headers (slack-go does not expose them).
func (p *Platform) callWith(ctx context.Context, method, token string, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.APIURL+method, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", method, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return resp.Header, nil
}
