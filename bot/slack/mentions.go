package slack

import (
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// mentionCount counts what Slack message text (as delivered, before
// decodeText) pings: distinct users <@U…> (or <@U…|name>), distinct user
// groups <!subteam^S…>, distinct channels <#C…>, and everyone for <!here>,
// <!channel> or <!everyone>. Slack sends the text with these entities
// whether or not the author may use them, so an attempt counts.
func mentionCount(text string) bot.MentionCount {
	var c bot.MentionCount
	var seen []string
	first := func(entity string) bool {
		for _, s := range seen {
			if s == entity {
				return false
			}
		}
		seen = append(seen, entity)
		return true
	}
	for {
		i := strings.IndexByte(text, '<')
		if i < 0 {
			return c
		}
		j := strings.IndexByte(text[i:], '>')
		if j < 0 {
			return c
		}
		entity, _, _ := strings.Cut(text[i+1:i+j], "|")
		text = text[i+j+1:]
		switch {
		case strings.HasPrefix(entity, "@") && len(entity) > 1:
			if first(entity) {
				c.Users++
			}
		case strings.HasPrefix(entity, "!subteam^") && len(entity) > len("!subteam^"):
			if first(entity) {
				c.Roles++
			}
		case strings.HasPrefix(entity, "#") && len(entity) > 1:
			if first(entity) {
				c.Channels++
			}
		case strings.HasPrefix(entity, "!") && isBroadcast(entity[1:]):
			c.Everyone = true
		}
	}
}
