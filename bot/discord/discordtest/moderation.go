package discordtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// modState is the fake's moderation state beyond members and bans: slow
// mode per channel, and calls refused for a missing permission.
type modState struct {
	slowmode map[string]int // channel id → seconds
	denied   []injection
}

// handleModeration answers the moderation calls server.go does not: lifting
// a ban, editing a channel's slow mode, and calls refused by
// DenyPermission. ok is false for calls it does not handle.
func (s *Server) handleModeration(r *http.Request, path string, body []byte) (out any, ok bool, err error) {
	s.mu.Lock()
	for _, d := range s.mod.denied {
		if d.method == r.Method && strings.HasPrefix(path, d.prefix) {
			s.mu.Unlock()
			return nil, true, errorf(403, 50013, "Missing Permissions")
		}
	}
	s.mu.Unlock()
	switch {
	case reBan.MatchString(path) && r.Method == http.MethodDelete:
		g := reBan.FindStringSubmatch(path)
		if g[1] != GuildID {
			return nil, true, errorf(404, 10004, "Unknown Guild")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, banned := s.bans[g[2]]; !banned {
			return nil, true, errorf(404, 10026, "Unknown Ban")
		}
		delete(s.bans, g[2])
		s.changes.Notify()
		return nil, true, nil
	case reChannel.MatchString(path) && r.Method == http.MethodPatch:
		id := reChannel.FindStringSubmatch(path)[1]
		var in struct {
			RateLimitPerUser *int `json:"rate_limit_per_user"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, errorf(400, 50109, "The request body contains invalid JSON.")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		c, err := s.channel(id)
		if err != nil {
			return nil, true, err
		}
		if in.RateLimitPerUser != nil {
			if v := *in.RateLimitPerUser; v < 0 || v > 21600 {
				return nil, true, errorf(400, 50035, "Invalid Form Body: rate_limit_per_user: must be between 0 and 21600")
			}
			if s.mod.slowmode == nil {
				s.mod.slowmode = map[string]int{}
			}
			s.mod.slowmode[id] = *in.RateLimitPerUser
		}
		s.changes.Notify()
		return map[string]any{"id": c.ID, "type": c.Type, "guild_id": c.GuildID, "rate_limit_per_user": s.mod.slowmode[id]}, true, nil
	}
	return nil, false, nil
}

// Slowmode returns the slow mode of a channel in seconds (0: off).
func (s *Server) Slowmode(channelID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mod.slowmode[channelID]
}

// DenyPermission makes every later call of method to a path starting with
// pathPrefix (after /api/v10) fail with 403 Missing Permissions, as when
// the bot's role lacks the permission.
func (s *Server) DenyPermission(method, pathPrefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mod.denied = append(s.mod.denied, injection{method: method, prefix: pathPrefix})
}

// SetBotRoles gives the bot exactly roles in the server and tells the
// gateway (GUILD_MEMBER_UPDATE), as when an admin edits the bot's roles;
// SetBotRoles() leaves it only @everyone's permissions.
func (s *Server) SetBotRoles(roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendLocked("GUILD_MEMBER_UPDATE", map[string]any{"guild_id": GuildID, "roles": append([]string{}, roles...),
		"user": map[string]any{"id": BotID, "username": "commpilot", "bot": true}, "joined_at": "2025-03-01T10:00:00.000000+00:00"})
	s.changes.Notify()
}
