package slacktest

import (
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// apiResult is a Web API answer: ok plus fields, or an error code.
type apiResult map[string]any

func apiError(code string) apiResult { return apiResult{"ok": false, "error": code} }

// serveAPI answers POST/GET /api/{method} like Slack's Web API.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	params, token, err := readParams(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	f := s.takeFaultLocked(method)
	status := http.StatusOK
	if f.retryAfter > 0 {
		status = http.StatusTooManyRequests
	}
	s.calls = append(s.calls, Call{Method: method, Params: params, Status: status, Time: time.Now()})
	s.changes.Notify()
	s.mu.Unlock()

	if f.stall != nil {
		select {
		case <-f.stall:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case f.retryAfter > 0:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case f.hangup:
		hangup(w)
		return
	case f.slackErr != "":
		writeJSON(w, apiError(f.slackErr))
		return
	}
	want := BotToken
	if method == "apps.connections.open" {
		want = AppToken
	}
	if token == "" {
		writeJSON(w, apiError("not_authed"))
		return
	}
	if token != want {
		writeJSON(w, apiError("invalid_auth"))
		return
	}
	s.scopeHeader(w, method)
	writeJSON(w, s.method(method, params))
}

// readParams reads form or JSON parameters and the token (form field or
// bearer header). JSON values that are not strings are kept as raw JSON.
func readParams(r *http.Request) (url.Values, string, error) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	params := url.Values{}
	if ct == "application/json" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, "", err
		}
		if len(body) > 0 {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, "", err
			}
			for k, v := range m {
				var str string
				if json.Unmarshal(v, &str) == nil {
					params.Set(k, str)
				} else {
					params.Set(k, string(v))
				}
			}
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return nil, "", err
		}
		params = r.Form
	}
	if t := params.Get("token"); t != "" {
		token = t
	}
	params.Del("token")
	return params, token, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// hangup closes the connection without an answer.
func hangup(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("slacktest: cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// method runs one Web API method.
func (s *Server) method(method string, p url.Values) apiResult {
	switch method {
	case "auth.test":
		return apiResult{"ok": true, "url": TeamURL, "team": "Fake", "user": "commpilot",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID}
	case "apps.connections.open":
		s.mu.Lock()
		ticket := s.nextIDLocked("ticket-")
		s.mu.Unlock()
		return apiResult{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/ws?ticket=" + ticket}
	case "users.info":
		return s.usersInfo(p.Get("user"), p.Get("include_locale") == "true")
	case "usergroups.list":
		return s.userGroups(p.Get("include_users") == "true")
	case "conversations.info":
		return s.conversationInfo(p.Get("channel"))
	case "conversations.history":
		return s.history(p.Get("channel"), p.Get("oldest"), p.Get("inclusive"), p.Get("limit"), p.Get("cursor"))
	case "conversations.open":
		u := p.Get("users")
		if u == "" || strings.Contains(u, ",") {
			return apiError("users_list_not_supplied")
		}
		return apiResult{"ok": true, "channel": map[string]any{"id": "D" + u}}
	case "conversations.kick":
		if strings.HasPrefix(p.Get("channel"), "D") {
			return apiError("method_not_supported_for_channel_type")
		}
		if p.Get("user") == "" {
			return apiError("user_not_found")
		}
		return apiResult{"ok": true}
	case "chat.postMessage":
		return s.postMessage(p)
	case "chat.update":
		return s.updateMessage(p)
	case "chat.delete":
		return s.deleteMessage(p)
	case "chat.postEphemeral":
		return s.postEphemeral(p)
	case "views.open":
		return s.openView(p)
	case "files.getUploadURLExternal":
		return s.getUploadURL(p)
	case "files.completeUploadExternal":
		return s.completeUpload(p)
	}
	return apiError("unknown_method")
}

func (s *Server) usersInfo(id string, includeLocale bool) apiResult {
	s.mu.Lock()
	u, ok := s.users[id]
	s.mu.Unlock()
	if !ok {
		return apiError("user_not_found")
	}
	res := map[string]any{
		"id": u.id, "team_id": TeamID, "name": u.name, "real_name": u.name,
		"is_admin": u.admin, "is_owner": false, "is_primary_owner": false, "is_bot": u.bot,
		"profile": map[string]any{"display_name": u.name, "real_name": u.name},
	}
	if u.locale != "" && includeLocale {
		res["locale"] = u.locale
	}
	return apiResult{"ok": true, "user": res}
}

func (s *Server) userGroups(withUsers bool) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, g := range s.groups {
		ug := map[string]any{"id": g.id, "team_id": TeamID, "is_usergroup": true, "name": g.handle,
			"handle": g.handle, "user_count": len(g.members)}
		if withUsers {
			ug["users"] = g.members
		}
		out = append(out, ug)
	}
	return apiResult{"ok": true, "usergroups": out}
}

// messageContent checks text and blocks of chat.postMessage / update /
// postEphemeral like Slack does.
func messageContent(p url.Values) (string, json.RawMessage, string) {
	text, blocks := p.Get("text"), p.Get("blocks")
	if len([]rune(text)) > 40000 {
		return "", nil, "msg_too_long"
	}
	if blocks != "" && blocks != "[]" {
		if err := validateBlocks([]byte(blocks), 50); err != nil {
			return "", nil, "invalid_blocks"
		}
		return text, json.RawMessage(blocks), ""
	}
	if text == "" {
		return "", nil, "no_text"
	}
	return text, nil, ""
}

func (s *Server) postMessage(p url.Values) apiResult {
	channel := p.Get("channel")
	if channel == "" {
		return apiError("channel_not_found")
	}
	if strings.HasPrefix(channel, "U") {
		channel = "D" + channel
	}
	text, blocks, code := messageContent(p)
	if code != "" {
		return apiError(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	thread := p.Get("thread_ts")
	if thread != "" && s.findLocked(channel, thread) == nil {
		return apiError("thread_not_found")
	}
	m := &Message{Channel: channel, TS: s.nextTSLocked(), ThreadTS: thread, User: BotUserID, BotID: BotID, Text: text, Blocks: blocks}
	s.messages = append(s.messages, m)
	s.changes.Notify()
	return apiResult{"ok": true, "channel": channel, "ts": m.TS, "message": map[string]any{
		"type": "message", "text": text, "user": BotUserID, "bot_id": BotID, "ts": m.TS, "thread_ts": thread,
	}}
}

func (s *Server) updateMessage(p url.Values) apiResult {
	text, blocks, code := messageContent(p)
	if code != "" {
		return apiError(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(p.Get("channel"), p.Get("ts"))
	switch {
	case m == nil:
		return apiError("message_not_found")
	case m.BotID != BotID:
		return apiError("cant_update_message")
	}
	m.Text, m.Blocks, m.Edited = text, blocks, true
	s.changes.Notify()
	return apiResult{"ok": true, "channel": m.Channel, "ts": m.TS, "text": text}
}

func (s *Server) deleteMessage(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	channel, ts := p.Get("channel"), p.Get("ts")
	m := s.findLocked(channel, ts)
	switch {
	case m == nil:
		return apiError("message_not_found")
	case m.BotID != BotID:
		return apiError("cant_delete_message")
	}
	for i, x := range s.messages {
		if x == m {
			s.messages = append(s.messages[:i], s.messages[i+1:]...)
			break
		}
	}
	s.changes.Notify()
	return apiResult{"ok": true, "channel": channel, "ts": ts}
}

func (s *Server) postEphemeral(p url.Values) apiResult {
	if p.Get("channel") == "" || p.Get("user") == "" {
		return apiError("channel_not_found")
	}
	text, blocks, code := messageContent(p)
	if code != "" {
		return apiError(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ephemerals = append(s.ephemerals, Ephemeral{Channel: p.Get("channel"), User: p.Get("user"), Text: text, Blocks: blocks, Via: "chat.postEphemeral"})
	s.changes.Notify()
	return apiResult{"ok": true, "message_ts": s.nextTSLocked()}
}

func (s *Server) openView(p url.Values) apiResult {
	var v struct {
		Type            string                `json:"type"`
		Title           struct{ Text string } `json:"title"`
		CallbackID      string                `json:"callback_id"`
		PrivateMetadata string                `json:"private_metadata"`
		Blocks          json.RawMessage       `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(p.Get("view")), &v); err != nil || v.Type != "modal" {
		return apiError("invalid_arguments")
	}
	if len([]rune(v.Title.Text)) > 24 || validateBlocks(v.Blocks, 100) != nil {
		return apiError("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.triggers[p.Get("trigger_id")]
	if in == nil || in.viewOpened {
		return apiError("expired_trigger_id")
	}
	in.viewOpened = true
	view := &View{ID: s.nextIDLocked("V"), TriggerID: in.TriggerID, User: in.user, CallbackID: v.CallbackID,
		Title: v.Title.Text, PrivateMetadata: v.PrivateMetadata, Blocks: v.Blocks, Open: true}
	s.views = append(s.views, view)
	in.responses = append(in.responses, Response{View: view})
	s.changes.Notify()
	return apiResult{"ok": true, "view": map[string]any{"id": view.ID, "type": "modal", "callback_id": v.CallbackID}}
}

func (s *Server) getUploadURL(p url.Values) apiResult {
	name := p.Get("filename")
	n, err := strconv.Atoi(p.Get("length"))
	if name == "" || err != nil || n <= 0 {
		return apiError("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextIDLocked("F")
	s.uploads[id] = &Upload{FileID: id, Name: name}
	s.uploadList = append(s.uploadList, id)
	return apiResult{"ok": true, "upload_url": s.srv.URL + "/upload/" + id, "file_id": id}
}

func (s *Server) completeUpload(p url.Values) apiResult {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p.Get("files")), &files); err != nil || len(files) == 0 {
		return apiError("invalid_arguments")
	}
	channel := p.Get("channel_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	var ids []string
	for _, f := range files {
		u := s.uploads[f.ID]
		if u == nil || u.Data == nil {
			return apiError("file_not_found")
		}
		u.Channel, u.Comment, u.ThreadTS = channel, p.Get("initial_comment"), p.Get("thread_ts")
		ids = append(ids, f.ID)
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	if channel != "" {
		s.messages = append(s.messages, &Message{Channel: channel, TS: s.nextTSLocked(), ThreadTS: p.Get("thread_ts"),
			User: BotUserID, BotID: BotID, Text: p.Get("initial_comment"), Files: ids})
	}
	s.changes.Notify()
	return apiResult{"ok": true, "files": out}
}

// serveUpload receives the bytes of a file (multipart field "file").
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if s.takeHangup(w, "upload") {
		return
	}
	id := r.PathValue("file")
	f, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	u := s.uploads[id]
	if u != nil {
		u.Data = data
	}
	s.mu.Unlock()
	if u == nil {
		http.NotFound(w, r)
		return
	}
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

// serveResponse receives a response_url answer.
func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request) {
	if s.takeHangup(w, "response_url") {
		return
	}
	var body struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if string(body.Blocks) == "null" {
		body.Blocks = nil
	}
	if body.Blocks != nil && validateBlocks(body.Blocks, 50) != nil {
		http.Error(w, "invalid_blocks", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.responses[r.PathValue("id")]
	if in == nil {
		http.Error(w, "used_url", http.StatusNotFound)
		return
	}
	resp := Response{Text: body.Text, Blocks: body.Blocks, ResponseType: body.ResponseType,
		ReplaceOriginal: body.ReplaceOriginal, DeleteOriginal: body.DeleteOriginal}
	in.responses = append(in.responses, resp)
	if body.ResponseType == "in_channel" {
		s.messages = append(s.messages, &Message{Channel: in.channel, TS: s.nextTSLocked(), ThreadTS: body.ThreadTS,
			User: BotUserID, BotID: BotID, Text: body.Text, Blocks: body.Blocks})
	} else {
		s.ephemerals = append(s.ephemerals, Ephemeral{Channel: in.channel, User: in.user, Text: body.Text, Blocks: body.Blocks, Via: "response_url"})
	}
	s.changes.Notify()
	writeJSON(w, apiResult{"ok": true})
}
