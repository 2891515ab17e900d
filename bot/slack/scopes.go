package slack

// methodScopes maps every Web API method the adapter calls to the bot token
// scopes it needs (none for auth.test and views.open; apps.connections.open
// uses the app-level token's connections:write). The Slack app manifest
// must grant exactly these plus eventScopes; a test holds the two together.
func methodScopes() map[string][]string {
	return map[string][]string{
		"auth.test":                    nil,
		"apps.connections.open":        nil,
		"users.info":                   {"users:read"},
		"usergroups.list":              {"usergroups:read"},
		"chat.postMessage":             {"chat:write"},
		"chat.update":                  {"chat:write"},
		"chat.delete":                  {"chat:write"},
		"chat.postEphemeral":           {"chat:write"},
		"conversations.open":           {"im:write"},
		"conversations.info":           {"channels:read", "groups:read"},
		"conversations.kick":           {"channels:manage", "groups:write"},
		"conversations.history":        {"channels:history", "groups:history"},
		"views.open":                   nil,
		"files.getUploadURLExternal":   {"files:write"},
		"files.completeUploadExternal": {"files:write"},
	}
}

// eventScopes maps the bot events the adapter subscribes to (and /cm) to
// the scopes they need.
func eventScopes() map[string][]string {
	return map[string][]string{
		"app_mention":      {"app_mentions:read"},
		"message.channels": {"channels:history"},
		"message.groups":   {"groups:history"},
		"message.im":       {"im:history"},
		"/cm":              {"commands"},
	}
}
