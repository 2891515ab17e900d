package slacktest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot/bottest"
)

// Interaction is a slash command, button press or modal submission the fake
// delivered, with the ack and whatever the app answered through its
// response_url or trigger id.
type Interaction struct {
	s *Server
	// Ack is the acknowledgement's payload (HTTP mode: the response body);
	// nil for an empty ack.
	Ack         json.RawMessage
	TriggerID   string
	ResponseURL string

	channel, user string
	viewOpened    bool       // guarded by s.mu
	responses     []Response // guarded by s.mu
}

// Response waits (up to Timeout) for the app's first answer to the
// interaction and reports whether one came.
func (in *Interaction) Response() (Response, bool) {
	var r Response
	ok := in.s.waitFor(func() bool {
		if len(in.responses) == 0 {
			return false
		}
		r = in.responses[0]
		return true
	})
	return r, ok
}

// Responses returns the answers received so far, without waiting.
func (in *Interaction) Responses() []Response {
	in.s.mu.Lock()
	defer in.s.mu.Unlock()
	return append([]Response(nil), in.responses...)
}

// newInteraction registers a trigger id and a response_url for user in
// channel.
func (s *Server) newInteraction(channel, user string) *Interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &Interaction{s: s, channel: channel, user: user}
	in.TriggerID = s.nextIDLocked("trigger-")
	rid := s.nextIDLocked("r")
	in.ResponseURL = s.srv.URL + "/response/" + rid
	s.triggers[in.TriggerID] = in
	s.responses[rid] = in
	return in
}

func (s *Server) userName(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[id]; ok {
		return u.name
	}
	return strings.ToLower(id)
}

func channelType(ch string) string {
	switch {
	case strings.HasPrefix(ch, "D"):
		return "im"
	case strings.HasPrefix(ch, "G"):
		return "group"
	}
	return "channel"
}

// eventCallback wraps an inner event as the Events API does.
func (s *Server) eventCallback(event map[string]any) map[string]any {
	s.mu.Lock()
	id := s.nextIDLocked("Ev0")
	s.mu.Unlock()
	return map[string]any{
		"token": VerificationToken, "team_id": TeamID, "api_app_id": AppID,
		"event": event, "type": "event_callback", "event_id": id, "event_time": time.Now().Unix(),
		"authorizations":        []map[string]any{{"team_id": TeamID, "user_id": BotUserID, "is_bot": true}},
		"is_ext_shared_channel": false, "event_context": "4-fake",
	}
}

// SendEvent delivers any Events API inner event (wrapped in an
// event_callback) and waits for its ack. The helpers below build the usual
// ones; use this for the others.
func (s *Server) SendEvent(event map[string]any) {
	s.tb.Helper()
	s.deliver("events_api", s.eventCallback(event), false)
}

// File is a file a user shares with a message (PostUserFiles).
type File struct {
	Name     string
	Mimetype string
	Size     int
}

//go:embed testdata/*.json
var fixtures embed.FS

// fixture returns a fresh copy of a payload sample in testdata.
func fixture(name string) map[string]any { return bottest.JSONFixture(fixtures, "slacktest", name) }

// filesPayload renders files as the files of a message event
// (testdata/file.json), numbered from the message's ts.
func filesPayload(files []File, user, ts string) []any {
	out := make([]any, 0, len(files))
	for i, f := range files {
		p := fixture("file.json")
		id := fmt.Sprintf("F%s%d", strings.ReplaceAll(ts, ".", ""), i)
		p["id"], p["name"], p["title"], p["mimetype"], p["size"], p["user"] = id, f.Name, f.Name, f.Mimetype, f.Size, user
		out = append(out, p)
	}
	return out
}

// PostUserMessage posts text as user in channel (in the thread threadTS when
// set), delivers the message event — and an app_mention too when the text
// mentions <@UBOT>, as Slack does — waits for the acks and returns the
// message's ts.
func (s *Server) PostUserMessage(channel, user, text, threadTS string) string {
	s.tb.Helper()
	return s.postUser(channel, user, text, threadTS, nil)
}

// PostUserFiles is PostUserMessage for a message that shares files: its
// event has subtype file_share and the files' objects.
func (s *Server) PostUserFiles(channel, user, text, threadTS string, files ...File) string {
	s.tb.Helper()
	return s.postUser(channel, user, text, threadTS, files)
}

func (s *Server) postUser(channel, user, text, threadTS string, files []File) string {
	s.tb.Helper()
	s.mu.Lock()
	ts := s.nextTSLocked()
	s.messages = append(s.messages, &Message{Channel: channel, TS: ts, ThreadTS: threadTS, User: user, Text: text, UserFiles: files})
	s.changes.Notify()
	s.mu.Unlock()
	ev := map[string]any{"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
		"event_ts": ts, "channel_type": channelType(channel), "team": TeamID, "client_msg_id": "msg-" + ts}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	if len(files) > 0 {
		ev["subtype"], ev["files"], ev["upload"], ev["display_as_bot"] = "file_share", filesPayload(files, user, ts), false, false
	}
	s.SendEvent(ev)
	if strings.Contains(text, "<@"+BotUserID+">") && channelType(channel) != "im" {
		mention := map[string]any{"type": "app_mention", "channel": channel, "user": user, "text": text,
			"ts": ts, "event_ts": ts, "team": TeamID}
		if threadTS != "" {
			mention["thread_ts"] = threadTS
		}
		s.SendEvent(mention)
	}
	return ts
}

// sampleMessage is the message object of a message_changed or
// message_deleted sample, filled from m.
func sampleMessage(sample any, m Message) map[string]any {
	msg := sample.(map[string]any)
	msg["user"], msg["text"], msg["ts"], msg["client_msg_id"] = m.User, m.Text, m.TS, "msg-"+m.TS
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	if len(m.UserFiles) > 0 {
		msg["files"] = filesPayload(m.UserFiles, m.User, m.TS)
	}
	return msg
}

// EditUserMessage changes a user's message and delivers message_changed
// (testdata/message_changed.json): the whole new message, files included,
// and the previous one.
func (s *Server) EditUserMessage(channel, ts, text string) {
	s.tb.Helper()
	s.mu.Lock()
	m := s.findLocked(channel, ts)
	if m == nil {
		s.mu.Unlock()
		s.tb.Fatalf("slacktest: EditUserMessage: no message %s in %s", ts, channel)
		return
	}
	prev := *m
	m.Text, m.Edited = text, true
	cur := *m
	eventTS := s.nextTSLocked()
	s.changes.Notify()
	s.mu.Unlock()
	ev := fixture("message_changed.json")
	msg := sampleMessage(ev["message"], cur)
	msg["edited"] = map[string]any{"user": prev.User, "ts": eventTS}
	sampleMessage(ev["previous_message"], prev)
	ev["channel"], ev["ts"], ev["event_ts"], ev["channel_type"] = channel, eventTS, eventTS, channelType(channel)
	s.SendEvent(ev)
}

// DeleteUserMessage removes a user's message and delivers message_deleted
// (testdata/message_deleted.json).
func (s *Server) DeleteUserMessage(channel, ts string) {
	s.tb.Helper()
	s.mu.Lock()
	var prev *Message
	for i, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			prev = m
			s.messages = append(s.messages[:i], s.messages[i+1:]...)
			break
		}
	}
	eventTS := s.nextTSLocked()
	s.changes.Notify()
	s.mu.Unlock()
	if prev == nil {
		s.tb.Fatalf("slacktest: DeleteUserMessage: no message %s in %s", ts, channel)
		return
	}
	ev := fixture("message_deleted.json")
	sampleMessage(ev["previous_message"], *prev)
	ev["channel"], ev["ts"], ev["event_ts"], ev["deleted_ts"], ev["channel_type"] = channel, eventTS, eventTS, ts, channelType(channel)
	s.SendEvent(ev)
}

// PostBotMessage posts text in channel as another bot or integration
// (subtype bot_message, bot_id botID) and delivers the event.
func (s *Server) PostBotMessage(channel, botID, text string) string {
	s.tb.Helper()
	s.mu.Lock()
	ts := s.nextTSLocked()
	s.messages = append(s.messages, &Message{Channel: channel, TS: ts, BotID: botID, Text: text})
	s.changes.Notify()
	s.mu.Unlock()
	s.SendEvent(map[string]any{"type": "message", "subtype": "bot_message", "channel": channel, "text": text,
		"ts": ts, "event_ts": ts, "bot_id": botID, "username": "other-bot", "channel_type": channelType(channel)})
	return ts
}

// Command types /cm text as user in channel, delivers it and returns once
// it is acknowledged.
func (s *Server) Command(channel, user, text string) *Interaction {
	s.tb.Helper()
	in := s.newInteraction(channel, user)
	payload := map[string]any{
		"token": VerificationToken, "team_id": TeamID, "team_domain": TeamDomain,
		"channel_id": channel, "channel_name": strings.ToLower(channel), "user_id": user, "user_name": s.userName(user),
		"command": "/cm", "text": text, "api_app_id": AppID, "is_enterprise_install": "false",
		"response_url": in.ResponseURL, "trigger_id": in.TriggerID,
	}
	in.Ack = s.deliver("slash_commands", payload, true)
	return in
}

// SlashCommand types /cm text and waits for the app's answer through the
// response_url (or a modal it opened); the test fails if none comes.
func (s *Server) SlashCommand(channel, user, text string) Response {
	s.tb.Helper()
	r, ok := s.Command(channel, user, text).Response()
	if !ok {
		s.tb.Fatalf("slacktest: no answer to /cm %s after %v", text, s.Timeout)
	}
	return r
}

// ClickButton presses the button actionID on the message channel/messageTS
// as user (block_actions) and returns once it is acknowledged. If the fake
// knows the message, the button must be on it.
func (s *Server) ClickButton(channel, messageTS, user, actionID string) *Interaction {
	s.tb.Helper()
	return s.click(channel, messageTS, user, actionID, false)
}

// ClickStaleButton presses a button that the message no longer has, as a
// client still showing an older version of the message does (the update
// raced the click): Slack delivers the click with the action id the user saw.
func (s *Server) ClickStaleButton(channel, messageTS, user, actionID string) *Interaction {
	s.tb.Helper()
	return s.click(channel, messageTS, user, actionID, true)
}

func (s *Server) click(channel, messageTS, user, actionID string, stale bool) *Interaction {
	s.tb.Helper()
	s.mu.Lock()
	m := s.findLocked(channel, messageTS)
	var msg map[string]any
	blockID, label := "", actionID
	if m != nil {
		var found bool
		blockID, label, found = findButton(m.Blocks, actionID)
		if !found && !stale {
			s.mu.Unlock()
			s.tb.Fatalf("slacktest: ClickButton: no button %q on message %s", actionID, messageTS)
			return nil
		}
		msg = map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "user": m.User, "bot_id": m.BotID,
			"blocks": m.Blocks}
		if m.ThreadTS != "" {
			msg["thread_ts"] = m.ThreadTS
		}
	}
	s.mu.Unlock()
	in := s.newInteraction(channel, user)
	container := map[string]any{"type": "message", "message_ts": messageTS, "channel_id": channel, "is_ephemeral": false}
	if m != nil && m.ThreadTS != "" {
		container["thread_ts"] = m.ThreadTS
	}
	now := time.Now()
	payload := map[string]any{
		"type": "block_actions", "token": VerificationToken, "api_app_id": AppID, "trigger_id": in.TriggerID,
		"team":      map[string]any{"id": TeamID, "domain": TeamDomain},
		"user":      map[string]any{"id": user, "username": s.userName(user), "name": s.userName(user), "team_id": TeamID},
		"container": container,
		"channel":   map[string]any{"id": channel, "name": strings.ToLower(channel)},
		"message":   msg, "response_url": in.ResponseURL,
		"state": map[string]any{"values": map[string]any{}},
		"actions": []map[string]any{{
			"type": "button", "action_id": actionID, "block_id": blockID,
			"text":      map[string]any{"type": "plain_text", "text": label, "emoji": true},
			"action_ts": fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000),
		}},
	}
	in.Ack = s.deliver("interactive", payload, false)
	return in
}

// findButton finds the button with actionID in blocks.
func findButton(blocks json.RawMessage, actionID string) (blockID, label string, ok bool) {
	var bs []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
		// Elements stay raw: a context block's elements have a string
		// "text", an actions block's a text object.
		Elements []json.RawMessage `json:"elements"`
	}
	if json.Unmarshal(blocks, &bs) != nil {
		return "", "", false
	}
	for _, b := range bs {
		if b.Type != "actions" {
			continue
		}
		for _, raw := range b.Elements {
			var e struct {
				ActionID string   `json:"action_id"`
				Text     *textObj `json:"text"`
			}
			if json.Unmarshal(raw, &e) != nil || e.ActionID != actionID {
				continue
			}
			if e.Text != nil {
				label = e.Text.Text
			}
			return b.BlockID, label, true
		}
	}
	return "", "", false
}

// SubmitView submits the most recently opened, still open modal with
// callbackID as user. values maps field ids (block ids) to what the user
// typed; inputs not in values keep their initial value. It returns the
// ack's payload; an errors response_action keeps the modal open with those
// errors, anything else closes it.
func (s *Server) SubmitView(user, callbackID string, values map[string]string) json.RawMessage {
	s.tb.Helper()
	s.mu.Lock()
	var v *View
	for i := len(s.views) - 1; i >= 0; i-- {
		if s.views[i].CallbackID == callbackID && s.views[i].Open {
			v = s.views[i]
			break
		}
	}
	var blocks json.RawMessage
	var viewID, metadata, title string
	if v != nil {
		blocks, viewID, metadata, title = v.Blocks, v.ID, v.PrivateMetadata, v.Title
	}
	s.mu.Unlock()
	if v == nil {
		s.tb.Fatalf("slacktest: SubmitView: no open view %q", callbackID)
		return nil
	}
	state, err := viewState(blocks, values)
	if err != nil {
		s.tb.Fatalf("slacktest: SubmitView: %v", err)
	}
	in := s.newInteraction("", user)
	payload := map[string]any{
		"type": "view_submission", "token": VerificationToken, "api_app_id": AppID, "trigger_id": in.TriggerID,
		"team": map[string]any{"id": TeamID, "domain": TeamDomain},
		"user": map[string]any{"id": user, "username": s.userName(user), "name": s.userName(user), "team_id": TeamID},
		"view": map[string]any{
			"id": viewID, "team_id": TeamID, "type": "modal", "callback_id": callbackID,
			"private_metadata": metadata, "blocks": blocks, "hash": "h-" + viewID,
			"title": map[string]any{"type": "plain_text", "text": title},
			"state": map[string]any{"values": state}, "app_id": AppID, "bot_id": BotID,
		},
		"response_urls": []any{}, "is_enterprise_install": false,
	}
	ack := s.deliver("interactive", payload, true)
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if len(ack) > 0 {
		_ = json.Unmarshal(ack, &resp)
	}
	s.mu.Lock()
	if resp.ResponseAction == "errors" {
		v.Errors = resp.Errors
	} else {
		v.Open, v.Errors = false, nil
	}
	s.changes.Notify()
	s.mu.Unlock()
	return ack
}

// viewState builds state.values for the view's input blocks.
func viewState(blocks json.RawMessage, values map[string]string) (map[string]any, error) {
	var bs []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
		Element struct {
			Type         string `json:"type"`
			ActionID     string `json:"action_id"`
			InitialValue string `json:"initial_value"`
		} `json:"element"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		return nil, err
	}
	state := map[string]any{}
	for _, b := range bs {
		if b.Type != "input" {
			continue
		}
		val, ok := values[b.BlockID]
		if !ok {
			val = b.Element.InitialValue
		}
		state[b.BlockID] = map[string]any{b.Element.ActionID: map[string]any{"type": b.Element.Type, "value": val}}
	}
	for k := range values {
		if _, ok := state[k]; !ok {
			return nil, fmt.Errorf("the view has no input %q", k)
		}
	}
	return state, nil
}

// deliver sends one request to the app by the active transport and returns
// the ack payload.
func (s *Server) deliver(kind string, payload map[string]any, acceptsResponse bool) json.RawMessage {
	s.tb.Helper()
	s.mu.Lock()
	target := s.target
	s.mu.Unlock()
	if target == nil {
		return s.envelope(kind, payload, acceptsResponse)
	}
	var path, ct string
	var body []byte
	switch kind {
	case "events_api":
		path, ct = "/slack/events", "application/json"
		body, _ = json.Marshal(payload)
	case "slash_commands":
		form := url.Values{}
		for k, v := range payload {
			form.Set(k, v.(string))
		}
		path, ct, body = "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode())
	default:
		js, _ := json.Marshal(payload)
		path, ct, body = "/slack/interactivity", "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(js)}}.Encode())
	}
	d := Delivery{Kind: kind, Path: path, Header: SignedRequest(target.secret, body, time.Now()), Body: body}
	d.Header.Set("Content-Type", ct)
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	status, ack := s.send(target.url, d, nil)
	if status != http.StatusOK {
		s.tb.Fatalf("slacktest: deliver %s: HTTP %d: %s", kind, status, ack)
	}
	if len(bytes.TrimSpace(ack)) == 0 {
		return nil
	}
	return ack
}

// Delivery is one signed HTTP request the fake sent to the app (HTTP mode),
// exactly as sent: headers (signature and timestamp included) and body.
type Delivery struct {
	Kind   string // "events_api", "slash_commands" or "interactive"
	Path   string // "/slack/events", "/slack/commands", "/slack/interactivity"
	Header http.Header
	Body   []byte
}

// Deliveries lists the HTTP-mode requests sent so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// Replay sends d again, byte for byte with its original signature and
// timestamp plus the extra headers (X-Slack-Retry-Num for a retry), to the
// current DeliverHTTP target: what Slack's retry or an attacker replaying a
// captured request sends. It returns the status and the response body.
func (s *Server) Replay(d Delivery, extra http.Header) (int, []byte) {
	s.tb.Helper()
	s.mu.Lock()
	target := s.target
	s.mu.Unlock()
	if target == nil {
		s.tb.Fatal("slacktest: Replay needs DeliverHTTP")
	}
	return s.send(target.url, d, extra)
}

// send posts d to the app at baseURL.
func (s *Server) send(baseURL string, d Delivery, extra http.Header) (int, []byte) {
	s.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(baseURL, "/")+d.Path, bytes.NewReader(d.Body))
	if err != nil {
		s.tb.Fatalf("slacktest: %v", err)
	}
	req.Header = d.Header.Clone()
	for k, v := range extra {
		req.Header[k] = v
	}
	client := &http.Client{Timeout: s.Timeout}
	resp, err := client.Do(req)
	if err != nil {
		s.tb.Fatalf("slacktest: deliver %s: %v", d.Kind, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
