package discordtest

import "net/http"

// Application flags Discord reports on GET /applications/@me for the
// privileged intents enabled in the Developer Portal: the full flag for
// verified applications, the _LIMITED one for those in fewer than 100
// servers.
const (
	FlagGatewayPresence              = 1 << 12
	FlagGatewayPresenceLimited       = 1 << 13
	FlagGatewayGuildMembers          = 1 << 14
	FlagGatewayGuildMembersLimited   = 1 << 15
	FlagGatewayMessageContent        = 1 << 18
	FlagGatewayMessageContentLimited = 1 << 19
)

// DefaultApplicationFlags are the flags of the fake's application: a bot in
// fewer than 100 servers with the Server Members and Message Content intents
// switched on.
const DefaultApplicationFlags = FlagGatewayGuildMembersLimited | FlagGatewayMessageContentLimited

// DisableApplicationFlags switches intents off in the fake's Developer
// Portal: GET /applications/@me reports DefaultApplicationFlags without
// flags. (The gateway still accepts IDENTIFY; see RefuseIdentify.)
func (s *Server) DisableApplicationFlags(flags int) {
	s.mu.Lock()
	s.appFlagsOff |= flags
	s.mu.Unlock()
}

// handleApplication answers GET /users/@me (the bot user), GET
// /users/@me/guilds (GuildID and OtherGuildID) and GET /applications/@me
// (the application, with its flags).
func (s *Server) handleApplication(r *http.Request, path string) (any, bool, error) {
	if r.Method != http.MethodGet {
		return nil, false, nil
	}
	bot := map[string]any{"id": BotID, "username": "commpilot", "discriminator": "0", "bot": true}
	switch path {
	case "/users/@me":
		return bot, true, nil
	case "/users/@me/guilds":
		return []map[string]any{{"id": GuildID, "name": "Acme Community"}, {"id": OtherGuildID, "name": "Elsewhere"}}, true, nil
	case "/applications/@me":
		s.mu.Lock()
		flags := DefaultApplicationFlags &^ s.appFlagsOff
		s.mu.Unlock()
		return map[string]any{"id": BotID, "name": "commpilot", "flags": flags, "bot": bot,
			"bot_public": false, "bot_require_code_grant": false, "verify_key": "00"}, true, nil
	}
	return nil, false, nil
}
