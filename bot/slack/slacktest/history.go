package slacktest

import (
	"strconv"
	"strings"
)

// Messages that Slack could not deliver, and conversations.history, which
// lists them.

// PostUndelivered posts text as user in channel like PostUserMessage, but
// delivers no event, as when Slack cannot reach the app (no socket is
// open): only conversations.history shows it, until DeliverUserMessage
// delivers its event late. It returns the message's ts.
func (s *Server) PostUndelivered(channel, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTSLocked()
	s.messages = append(s.messages, &Message{Channel: channel, TS: ts, User: user, Text: text})
	s.changes.Notify()
	return ts
}

// DeliverUserMessage delivers the message event of a user's message that
// was posted without one (PostUndelivered), as a late delivery, and waits
// for the ack.
func (s *Server) DeliverUserMessage(channel, ts string) {
	s.tb.Helper()
	s.mu.Lock()
	m := s.findLocked(channel, ts)
	var ev map[string]any
	if m != nil {
		ev = map[string]any{"type": "message", "channel": channel, "user": m.User, "text": m.Text, "ts": ts,
			"event_ts": ts, "channel_type": channelType(channel), "team": TeamID, "client_msg_id": "msg-" + ts}
	}
	s.mu.Unlock()
	if m == nil {
		s.tb.Fatalf("slacktest: DeliverUserMessage: no message %s in %s", ts, channel)
		return
	}
	s.SendEvent(ev)
}

// history answers conversations.history like Slack: the channel's messages
// outside threads (and thread roots) after oldest (from it with
// inclusive), newest first, limit (default 100) at a time with a cursor.
func (s *Server) history(channel, oldest, inclusive, limit, cursor string) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if channel == "" || s.gone[channel] {
		return apiError("channel_not_found")
	}
	if s.outside[channel] {
		return apiError("not_in_channel")
	}
	n, err := strconv.Atoi(limit)
	if limit == "" || err != nil || n <= 0 {
		n = 100
	}
	skip := 0
	if cursor != "" {
		skip, err = strconv.Atoi(strings.TrimPrefix(cursor, "next:"))
		if err != nil {
			return apiError("invalid_cursor")
		}
	}
	var listed []map[string]any
	for i := len(s.messages) - 1; i >= 0; i-- {
		m := s.messages[i]
		if m.Channel != channel || (m.ThreadTS != "" && m.ThreadTS != m.TS) {
			continue
		}
		if oldest != "" && !(tsLater(m.TS, oldest) || (inclusive == "true" && m.TS == oldest)) {
			continue
		}
		listed = append(listed, historyMessage(m))
	}
	res := apiResult{"ok": true, "has_more": false, "messages": []map[string]any{}}
	if skip >= len(listed) {
		return res
	}
	listed = listed[skip:]
	if len(listed) > n {
		listed = listed[:n]
		res["has_more"] = true
		res["response_metadata"] = map[string]any{"next_cursor": "next:" + strconv.Itoa(skip+n)}
	}
	res["messages"] = listed
	return res
}

// historyMessage is m as conversations.history lists it.
func historyMessage(m *Message) map[string]any {
	out := map[string]any{"type": "message", "text": m.Text, "ts": m.TS}
	if m.User != "" {
		out["user"] = m.User
	}
	if m.BotID != "" {
		out["bot_id"] = m.BotID
		if m.User != BotUserID {
			out["subtype"] = "bot_message"
		}
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if len(m.UserFiles) > 0 {
		out["subtype"], out["files"] = "file_share", filesPayload(m.UserFiles, m.User, m.TS)
	}
	if m.Edited {
		out["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	return out
}

// tsLater reports whether Slack timestamp a is later than b.
func tsLater(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
