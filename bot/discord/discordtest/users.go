package discordtest

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
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

// WithAttachment attaches a file to the message, as a client uploads one
// (the attachment object of testdata/attachment.json). Edits of the message
// carry it too.
func WithAttachment(filename, contentType string, size int) MessageOption {
	return func(m map[string]any, s *Server) {
		a := Attachment{ID: s.snowflake(time.Now()), Filename: filename, ContentType: contentType, Size: size}
		m["attachments"] = append(m["attachments"].([]any), attachmentPayload(a, m["channel_id"].(string)))
	}
}

func attachmentPayload(a Attachment, channelID string) map[string]any {
	p := fixture("attachment.json")
	url := "https://cdn.discordapp.com/attachments/" + channelID + "/" + a.ID + "/" + a.Filename
	p["id"], p["filename"], p["size"], p["url"], p["proxy_url"] = a.ID, a.Filename, a.Size, url, url
	if a.ContentType == "" {
		delete(p, "content_type")
	} else {
		p["content_type"] = a.ContentType
	}
	return p
}

var (
	mentionRE     = regexp.MustCompile(`<@!?(\d{15,21})>`)
	roleMentionRE = regexp.MustCompile(`<@&(\d{15,21})>`)
)

// setContent sets a message payload's content and what Discord derives from
// it: mentions from <@id>, mention_roles from <@&id>, mention_everyone from
// @everyone or @here (the fake's users may all ping everyone).
func setContent(m map[string]any, content string) {
	m["content"] = content
	var mentions []any
	for _, g := range mentionRE.FindAllStringSubmatch(content, -1) {
		name := "user" + g[1][len(g[1])-3:]
		if g[1] == BotID {
			name = "commpilot"
		}
		mentions = append(mentions, map[string]any{"id": g[1], "username": name, "discriminator": "0", "bot": g[1] == BotID})
	}
	m["mentions"] = orEmpty(mentions)
	var roles []any
	for _, g := range roleMentionRE.FindAllStringSubmatch(content, -1) {
		roles = append(roles, g[1])
	}
	m["mention_roles"] = orEmpty(roles)
	m["mention_everyone"] = strings.Contains(content, "@everyone") || strings.Contains(content, "@here")
}

// PostUserMessage stores a message from author in channelID and dispatches
// MESSAGE_CREATE, with mentions parsed from content as Discord does (see
// setContent). It returns the message id.
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
	setContent(m, content)
	for _, o := range opts {
		o(m, s)
	}
	id := m["id"].(string)
	stored := &Message{ID: id, ChannelID: channelID, AuthorID: author.ID, Content: content, payload: m}
	s.users[author.ID] = author
	raw, _ := json.Marshal(m["attachments"])
	if err := json.Unmarshal(raw, &stored.Attachments); err != nil {
		s.tb.Errorf("discordtest: PostUserMessage: attachments: %v", err)
	}
	s.messages[channelID] = append(s.messages[channelID], stored)
	slices.SortStableFunc(s.messages[channelID], func(a, b *Message) int { return cmpSnowflake(a.ID, b.ID) })
	s.sendLocked("MESSAGE_CREATE", m)
	s.changes.Notify()
	return id
}

// EditUserMessage changes a user's message and dispatches MESSAGE_UPDATE
// with the whole message (attachments included) and a new edited_timestamp.
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
	m["id"], m["channel_id"], m["author"] = messageID, channelID, userPayload(author)
	setContent(m, content)
	var atts []any
	for _, a := range msg.Attachments {
		atts = append(atts, attachmentPayload(a, channelID))
	}
	m["attachments"] = orEmpty(atts)
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
	msg.payload = m
	s.sendLocked("MESSAGE_UPDATE", m)
	s.changes.Notify()
}

// DeleteUserMessage deletes a message as its author or a moderator does in
// the client, and dispatches MESSAGE_DELETE.
func (s *Server) DeleteUserMessage(channelID, messageID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findMessage(channelID, messageID) == nil {
		s.tb.Errorf("discordtest: DeleteUserMessage: no message %s in %s", messageID, channelID)
		return
	}
	s.removeLocked(channelID, []string{messageID})
}

// BulkDeleteUserMessages deletes messages of one channel at once, as a
// moderation bot or a ban with message deletion does, and dispatches one
// MESSAGE_DELETE_BULK.
func (s *Server) BulkDeleteUserMessages(channelID string, messageIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range messageIDs {
		if s.findMessage(channelID, id) == nil {
			s.tb.Errorf("discordtest: BulkDeleteUserMessages: no message %s in %s", id, channelID)
			return
		}
	}
	s.removeLocked(channelID, messageIDs)
}

// removeLocked removes stored messages of a known channel and dispatches
// MESSAGE_DELETE (one id) or MESSAGE_DELETE_BULK, as Discord does for every
// deletion, through the client or REST; s.mu must be held.
func (s *Server) removeLocked(channelID string, ids []string) {
	s.messages[channelID] = slices.DeleteFunc(s.messages[channelID], func(m *Message) bool { return slices.Contains(ids, m.ID) })
	var d map[string]any
	typ := "MESSAGE_DELETE"
	if len(ids) == 1 {
		d = fixture("message_delete.json")
		d["id"] = ids[0]
	} else {
		typ, d = "MESSAGE_DELETE_BULK", fixture("message_delete_bulk.json")
		d["ids"] = ids
	}
	d["channel_id"] = channelID
	if c := s.channels[channelID]; c != nil && c.GuildID != "" {
		d["guild_id"] = c.GuildID
	} else {
		delete(d, "guild_id")
	}
	s.sendLocked(typ, d)
	s.changes.Notify()
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
