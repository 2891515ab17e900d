package discordtest

import (
	"regexp"
	"slices"
	"time"
)

// MessageOption changes a message PostUserMessage sends.
type MessageOption func(m map[string]any, s *Server)

// ReplyingTo makes the message a reply to messageID (message_reference).
func ReplyingTo(messageID string) MessageOption {
	return func(m map[string]any, _ *Server) {
		ref := map[string]any{"type": 0, "message_id": messageID, "channel_id": m["channel_id"]}
		if g, ok := m["guild_id"]; ok {
			ref["guild_id"] = g
		}
		m["message_reference"] = ref
		m["type"] = 19
	}
}

// At dates the message (its snowflake and timestamp), e.g. 20 days ago.
func At(t time.Time) MessageOption {
	return func(m map[string]any, s *Server) {
		m["id"] = s.snowflake(t)
		m["timestamp"] = t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
	}
}

var mentionRE = regexp.MustCompile(`<@!?(\d{15,21})>`)

// PostUserMessage stores a message from author in channelID and dispatches
// MESSAGE_CREATE, with mentions parsed from <@id> in content as Discord
// does. It returns the message id.
func (s *Server) PostUserMessage(channelID string, author User, content string, opts ...MessageOption) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.channel(channelID)
	if err != nil {
		s.tb.Errorf("discordtest: PostUserMessage: unknown channel %s", channelID)
		return ""
	}
	m := fixture("message_create.json")
	m["id"] = s.snowflake(time.Now())
	m["timestamp"] = time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00")
	m["channel_id"] = channelID
	m["content"] = content
	m["author"] = userPayload(author)
	if c.GuildID != "" {
		m["guild_id"] = c.GuildID
		member := m["member"].(map[string]any)
		member["roles"] = orEmpty(author.Roles)
	} else {
		delete(m, "guild_id")
		delete(m, "member")
		m["channel_type"] = 1
	}
	if c.Type == 11 {
		m["channel_type"] = 11
	}
	var mentions []any
	for _, g := range mentionRE.FindAllStringSubmatch(content, -1) {
		name := "user" + g[1][len(g[1])-3:]
		if g[1] == BotID {
			name = "commpilot"
		}
		mentions = append(mentions, map[string]any{"id": g[1], "username": name, "discriminator": "0", "bot": g[1] == BotID})
	}
	m["mentions"] = orEmpty(mentions)
	for _, o := range opts {
		o(m, s)
	}
	id := m["id"].(string)
	stored := &Message{ID: id, ChannelID: channelID, AuthorID: author.ID, Content: content}
	s.messages[channelID] = append(s.messages[channelID], stored)
	slices.SortStableFunc(s.messages[channelID], func(a, b *Message) int { return cmpSnowflake(a.ID, b.ID) })
	s.sendLocked("MESSAGE_CREATE", m)
	s.notify()
	return id
}

// EditUserMessage changes a user's message and dispatches MESSAGE_UPDATE
// with a new edited_timestamp.
func (s *Server) EditUserMessage(channelID, messageID string, author User, content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := s.findMessage(channelID, messageID)
	if msg == nil {
		s.tb.Errorf("discordtest: EditUserMessage: no message %s in %s", messageID, channelID)
		return
	}
	msg.Content, msg.Edited = content, true
	m := fixture("message_create.json")
	m["id"], m["channel_id"], m["content"], m["author"] = messageID, channelID, content, userPayload(author)
	if t, ok := snowflakeTime(messageID); ok {
		m["timestamp"] = t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
	}
	m["edited_timestamp"] = time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00")
	if c := s.channels[channelID]; c != nil && c.GuildID == "" {
		delete(m, "guild_id")
		delete(m, "member")
	} else {
		m["member"].(map[string]any)["roles"] = orEmpty(author.Roles)
	}
	s.sendLocked("MESSAGE_UPDATE", m)
	s.notify()
}

func cmpSnowflake(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
