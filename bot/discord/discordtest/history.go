package discordtest

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
)

// gatewayHold is the method of a Hold on gateway connections (HoldGateway).
const gatewayHold = "GATEWAY"

// HoldGateway makes new gateway connections wait, once their upgrade
// request arrives, until the hold is released: a bot that lost its
// connection stays disconnected meanwhile, so what is posted then reaches
// it only through a RESUME's replay or REST. WaitArrived(ctx, 1) waits for
// the reconnect attempt.
func (s *Server) HoldGateway() *Hold { return s.Hold(gatewayHold, "") }

// listMessages is GET /channels/{id}/messages: with after, the limit
// (default 50, at most 100) oldest messages after that id; with before,
// the newest before it; else the newest. Discord lists them newest first,
// users' messages without guild_id or member.
func (s *Server) listMessages(channelID string, q url.Values) (any, error) {
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, errorf(400, 50035, "Invalid Form Body: limit: int value should be between 1 and 100")
		}
		limit = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.channel(channelID)
	if err != nil {
		return nil, err
	}
	var picked []*Message // oldest first
	switch after, before := q.Get("after"), q.Get("before"); {
	case after != "":
		for _, m := range s.messages[channelID] {
			if cmpSnowflake(m.ID, after) > 0 && len(picked) < limit {
				picked = append(picked, m)
			}
		}
	default:
		all := s.messages[channelID]
		if before != "" {
			all = slices.DeleteFunc(slices.Clone(all), func(m *Message) bool { return cmpSnowflake(m.ID, before) >= 0 })
		}
		picked = all[max(0, len(all)-limit):]
	}
	out := make([]map[string]any, 0, len(picked))
	for i := len(picked) - 1; i >= 0; i-- {
		out = append(out, restJSON(*picked[i], c))
	}
	return out, nil
}

// restJSON is a stored message as REST returns it.
func restJSON(m Message, c *channel) map[string]any {
	if m.payload == nil {
		return messageJSON(m, c)
	}
	out := maps.Clone(m.payload)
	delete(out, "guild_id")
	delete(out, "member")
	return out
}

// memberJSON is GET /guilds/{g}/members/{u} for a user who posted through
// PostUserMessage; s.mu is held.
func (s *Server) memberJSON(userID string) (any, error) {
	u, ok := s.users[userID]
	if !ok {
		return nil, errorf(404, 10007, "Unknown Member")
	}
	m := fixture("message_create.json")["member"].(map[string]any)
	m["user"] = userPayload(u)
	m["roles"] = orEmpty(u.Roles)
	return m, nil
}
