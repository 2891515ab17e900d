// Package discordtest is a fake Discord for tests: REST v10 (the routes
// commpilot uses) and the gateway (HELLO, IDENTIFY, READY, GUILD_CREATE,
// heartbeats, RESUME, RECONNECT, INVALID_SESSION) over HTTP and websockets
// on 127.0.0.1, so the real discordgo client can be tested against it.
//
// # What it checks
//
// It answers like Discord does to what Discord refuses: a wrong token (401,
// gateway close 4004), messages over 2,000 characters, empty messages, bad
// embeds and components, a second answer to an interaction or a first answer
// after 3 s, bulk deletes outside 2..100 messages or with messages older than
// 14 days, invalid command trees, a RESUME of a session whose connection the
// client closed with 1000 or 1001 (INVALID_SESSION, not resumable). It
// honours enforce_nonce: a message created with a nonce seen in the last
// few minutes returns the earlier message. GET /channels/{id}/messages
// lists what was posted, as REST does.
// RefuseIdentify closes the gateway as Discord does for intents it refuses
// (4013, 4014); Hold keeps requests waiting as a slow Discord would, and
// HoldGateway keeps a reconnect waiting.
//
// # Use
//
//	srv := discordtest.New(t)                    // closes itself at cleanup
//	p, _ := discord.New(discord.Config{Token: discordtest.Token, APIURL: srv.URL()})
//	go p.Run(ctx, engine)
//	srv.WaitConnected(ctx)
//	id := srv.PostUserMessage(discordtest.ChannelID, discordtest.Bob, "hello @bot")
//	_, res, _ := srv.Command(ctx, discordtest.Alice, discordtest.ChannelID, "help")
//	res.Answer().Content                         // what Alice read (res.Answer().Ephemeral())
//	srv.Messages(discordtest.TeamChannelID)      // what the bot posted
//
// Click, Submit and Autocomplete send the other interactions; every helper
// that sends one waits for the bot's answer (see Interaction.WaitAnswer).
package discordtest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/commpilot/commpilot/bot/bottest"
)

//go:embed testdata/*.json
var fixtures embed.FS

// discordEpoch is the first millisecond of 2015, Discord's snowflake epoch.
const discordEpoch = 1420070400000

// Server is a fake Discord. Its methods are safe for concurrent use.
type Server struct {
	tb  testing.TB
	srv *httptest.Server
	gw  sync.WaitGroup // gateway connection handlers

	mu       sync.Mutex
	changes  bottest.Changes // notified on every change
	snow     int64
	requests []Request
	inject   []injection
	holds    []*Hold
	channels map[string]*channel
	messages map[string][]*Message // by channel, oldest first
	commands []byte                // last bulk overwrite body
	cmdPath  string
	ix       map[string]*interaction // by id
	ixTokens map[string]*interaction
	members  map[string]map[string]any // guild member state by user id
	bans     map[string]string         // user id → audit reason
	nonces   map[string]nonceUse       // enforced nonces of the bot's messages
	users    map[string]User           // authors of PostUserMessage, by id
	mod      modState                  // see moderation.go

	// gateway
	conn        *gwConn
	connected   bool
	session     string
	seq         int64
	log         []dispatch
	identifies  []json.RawMessage
	resumes     int
	connections int
	dupOnResume bool
	heartbeatMs int

	refuseIdentify *closeFrame
}

type channel struct {
	ID      string
	Type    int
	GuildID string
	Name    string
	Parent  string
}

type injection struct {
	method, prefix string
	retryAfter     time.Duration
}

type dispatch struct {
	seq  int64
	typ  string
	data json.RawMessage
}

// New starts a fake Discord on 127.0.0.1; it stops at tb's cleanup.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		tb:          tb,
		snow:        0,
		channels:    map[string]*channel{},
		messages:    map[string][]*Message{},
		ix:          map[string]*interaction{},
		ixTokens:    map[string]*interaction{},
		members:     map[string]map[string]any{},
		bans:        map[string]string{},
		nonces:      map[string]nonceUse{},
		users:       map[string]User{},
		heartbeatMs: 41250,
	}
	for _, c := range []*channel{
		{ID: ChannelID, Type: 0, GuildID: GuildID, Name: "general"},
		{ID: TeamChannelID, Type: 0, GuildID: GuildID, Name: "team"},
		{ID: ThreadID, Type: 11, GuildID: GuildID, Name: "help thread", Parent: ChannelID},
		{ID: OtherChannelID, Type: 0, GuildID: OtherGuildID, Name: "elsewhere"},
	} {
		s.channels[c.ID] = c
	}
	// Assign srv before serving: handlers read s.srv.URL.
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Start()
	tb.Cleanup(s.close)
	return s
}

// URL is the base URL to use as DISCORD_API_URL.
func (s *Server) URL() string { return s.srv.URL }

func (s *Server) close() {
	s.mu.Lock()
	if s.conn != nil {
		s.conn.kill()
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.gw.Wait()
}

// waitFor waits until cond (called with s.mu held) is true or ctx ends.
func (s *Server) waitFor(ctx context.Context, what string, cond func() bool) error {
	if err := s.changes.Wait(ctx, &s.mu, cond); err != nil {
		return fmt.Errorf("discordtest: waiting for %s: %w", what, err)
	}
	return nil
}

// Snowflake returns a new id created at t.
func (s *Server) Snowflake(t time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snowflake(t)
}

func (s *Server) snowflake(t time.Time) string {
	s.snow++
	return strconv.FormatInt((t.UnixMilli()-discordEpoch)<<22|(s.snow&0x3fffff), 10)
}

func snowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(n>>22 + discordEpoch), true
}

// Requests returns every REST call so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RequestsTo returns the calls with this method whose path starts with prefix
// (after /api/v10).
func (s *Server) RequestsTo(method, prefix string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasPrefix(strings.TrimPrefix(r.Path, "/api/v10"), prefix) {
			out = append(out, r)
		}
	}
	return out
}

// Inject429 makes the next request with method and a path starting with
// pathPrefix (after /api/v10, e.g. "/channels/") answer 429 with this
// retry_after, as Discord's per-route limit does.
func (s *Server) Inject429(method, pathPrefix string, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = append(s.inject, injection{method, pathPrefix, retryAfter})
}

// Hold is a set of requests the fake keeps waiting, as a slow Discord
// would, until Release.
type Hold struct {
	s              *Server
	method, prefix string
	arrived        int
	released       chan struct{}
	once           sync.Once
}

// Hold makes every request with method and a path starting with pathPrefix
// (after /api/v10) wait, once read, until the hold is released; the request
// is then answered as usual. Held requests are recorded when answered.
func (s *Server) Hold(method, pathPrefix string) *Hold {
	h := &Hold{s: s, method: method, prefix: pathPrefix, released: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	s.tb.Cleanup(h.Release)
	return h
}

// WaitArrived waits until n requests are being held (or were).
func (h *Hold) WaitArrived(ctx context.Context, n int) error {
	return h.s.waitFor(ctx, fmt.Sprintf("%d held requests", n), func() bool { return h.arrived >= n })
}

// Release lets the held requests, and later matching ones, through.
func (h *Hold) Release() {
	h.once.Do(func() {
		h.s.mu.Lock()
		h.s.holds = slices.DeleteFunc(h.s.holds, func(x *Hold) bool { return x == h })
		h.s.mu.Unlock()
		close(h.released)
	})
}

// hold blocks r while a matching Hold is active.
func (s *Server) hold(r *http.Request) {
	s.holdPath(r.Context(), r.Method, strings.TrimPrefix(r.URL.Path, "/api/v10"))
}

// holdPath blocks while a Hold matching method and path is active, or
// until ctx ends.
func (s *Server) holdPath(ctx context.Context, method, path string) {
	s.mu.Lock()
	var h *Hold
	for _, x := range s.holds {
		if x.method == method && strings.HasPrefix(path, x.prefix) {
			h = x
			h.arrived++
			s.changes.Notify()
			break
		}
	}
	s.mu.Unlock()
	if h != nil {
		select {
		case <-h.released:
		case <-ctx.Done():
		}
	}
}

// Messages returns the live messages of a channel (users' and the bot's,
// public interaction answers included), oldest first.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[channelID]))
	for _, m := range s.messages[channelID] {
		out = append(out, *m)
	}
	return out
}

// WaitMessages waits until channelID holds at least n messages from the bot
// and returns them.
func (s *Server) WaitMessages(ctx context.Context, channelID string, n int) ([]Message, error) {
	var out []Message
	err := s.waitFor(ctx, fmt.Sprintf("%d bot messages in %s", n, channelID), func() bool {
		out = out[:0]
		for _, m := range s.messages[channelID] {
			if m.AuthorID == BotID {
				out = append(out, *m)
			}
		}
		return len(out) >= n
	})
	return out, err
}

// Message returns one live message.
func (s *Server) Message(channelID, id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.findMessage(channelID, id); m != nil {
		return *m, true
	}
	return Message{}, false
}

func (s *Server) findMessage(channelID, id string) *Message {
	for _, m := range s.messages[channelID] {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// Commands returns the body of the last bulk overwrite of application
// commands and the path it was sent to.
func (s *Server) Commands() (body []byte, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands), s.cmdPath
}

// WaitCommands waits for a bulk overwrite of the application's commands,
// until both its effect and its request are recorded (the request is logged
// after it is routed, so the commands alone could be seen first).
func (s *Server) WaitCommands(ctx context.Context) ([]byte, error) {
	var body []byte
	err := s.waitFor(ctx, "command registration", func() bool {
		body = slices.Clone(s.commands)
		return body != nil && slices.ContainsFunc(s.requests, func(r Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/commands")
		})
	})
	return body, err
}

// Member returns the guild member state the bot set for a user (e.g.
// "communication_disabled_until"), or nil; kicked members have
// "kicked": true.
func (s *Server) Member(userID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.members[userID]; ok {
		cp := make(map[string]any, len(m))
		for k, v := range m {
			cp[k] = v
		}
		return cp
	}
	return nil
}

// Ban returns the audit-log reason of a user's ban and whether they are banned.
func (s *Server) Ban(userID string) (reason string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reason, ok = s.bans[userID]
	return reason, ok
}

// DMChannel returns the DM channel between the bot and a user, creating it.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmChannel(userID)
}

func (s *Server) dmChannel(userID string) string {
	for _, c := range s.channels {
		if c.Type == 1 && c.Name == userID {
			return c.ID
		}
	}
	id := s.snowflake(time.Now())
	s.channels[id] = &channel{ID: id, Type: 1, Name: userID}
	return id
}

// ---- REST ----

type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string { return e.message }

func errorf(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		s.holdPath(r.Context(), gatewayHold, "")
		s.serveGateway(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	s.hold(r)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Time: time.Now()}
	status, out := s.route(r, body)
	req.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.changes.Notify()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	if status != http.StatusTooManyRequests {
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "4")
		w.Header().Set("X-RateLimit-Reset-After", "1.000")
		w.Header().Set("X-RateLimit-Bucket", "fake")
	}
	if ra, ok := out.(rateLimited); ok {
		secs := ra.d.Seconds()
		w.Header().Set("Retry-After", strconv.Itoa(int(secs+0.999)))
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
		w.Header().Set("X-RateLimit-Bucket", "fake")
		w.Header().Set("X-RateLimit-Scope", "user")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": false})
		return
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

type rateLimited struct{ d time.Duration }

var (
	reChannelMsgs   = regexp.MustCompile(`^/channels/(\d+)/messages$`)
	reChannelMsg    = regexp.MustCompile(`^/channels/(\d+)/messages/(\d+)$`)
	reBulkDelete    = regexp.MustCompile(`^/channels/(\d+)/messages/bulk-delete$`)
	reChannel       = regexp.MustCompile(`^/channels/(\d+)$`)
	reMember        = regexp.MustCompile(`^/guilds/(\d+)/members/(\d+)$`)
	reBan           = regexp.MustCompile(`^/guilds/(\d+)/bans/(\d+)$`)
	reCallback      = regexp.MustCompile(`^/interactions/(\d+)/([^/]+)/callback$`)
	reWebhook       = regexp.MustCompile(`^/webhooks/(\d+)/([^/]+)$`)
	reWebhookMsg    = regexp.MustCompile(`^/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)$`)
	reGuildCommands = regexp.MustCompile(`^/applications/(\d+)/guilds/(\d+)/commands$`)
	reCommands      = regexp.MustCompile(`^/applications/(\d+)/commands$`)
)

// route answers one REST call: status and JSON value (nil for 204).
func (s *Server) route(r *http.Request, body []byte) (int, any) {
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v10")
	if !ok {
		return 404, map[string]any{"message": "404: Not Found", "code": 0}
	}
	s.mu.Lock()
	for i, in := range s.inject {
		if in.method == r.Method && strings.HasPrefix(path, in.prefix) {
			s.inject = slices.Delete(s.inject, i, i+1)
			s.mu.Unlock()
			return http.StatusTooManyRequests, rateLimited{in.retryAfter}
		}
	}
	s.mu.Unlock()
	// Interaction callbacks and webhooks are authorised by their token.
	tokenRoute := reCallback.MatchString(path) || strings.HasPrefix(path, "/webhooks/")
	if !tokenRoute && path != "/gateway" && r.Header.Get("Authorization") != "Bot "+Token {
		return 401, map[string]any{"message": "401: Unauthorized", "code": 0}
	}
	out, err := s.handle(r, path, body)
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			return ae.status, map[string]any{"message": ae.message, "code": ae.code}
		}
		return 400, map[string]any{"message": err.Error(), "code": 50035}
	}
	if out == nil {
		return http.StatusNoContent, nil
	}
	return 200, out
}

func (s *Server) handle(r *http.Request, path string, body []byte) (any, error) {
	if out, ok, err := s.handleModeration(r, path, body); ok {
		return out, err
	}
	m := r.Method
	switch {
	case path == "/gateway" && m == "GET", path == "/gateway/bot" && m == "GET":
		return map[string]any{"url": s.gatewayURL(),
			"shards": 1, "session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}}, nil
	case reChannelMsgs.MatchString(path) && m == "POST":
		return s.createMessage(reChannelMsgs.FindStringSubmatch(path)[1], r, body)
	case reChannelMsgs.MatchString(path) && m == "GET":
		return s.listMessages(reChannelMsgs.FindStringSubmatch(path)[1], r.URL.Query())
	case reBulkDelete.MatchString(path) && m == "POST":
		return nil, s.bulkDelete(reBulkDelete.FindStringSubmatch(path)[1], body)
	case reChannelMsg.MatchString(path):
		g := reChannelMsg.FindStringSubmatch(path)
		switch m {
		case "PATCH":
			return s.editMessage(g[1], g[2], body)
		case "DELETE":
			return nil, s.deleteMessage(g[1], g[2])
		}
	case reChannel.MatchString(path) && m == "GET":
		return s.getChannel(reChannel.FindStringSubmatch(path)[1])
	case path == "/users/@me/channels" && m == "POST":
		var in struct {
			RecipientID string `json:"recipient_id"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.RecipientID == "" {
			return nil, errorf(400, 50035, "Invalid Form Body: recipient_id")
		}
		s.mu.Lock()
		id := s.dmChannel(in.RecipientID)
		s.mu.Unlock()
		return map[string]any{"id": id, "type": 1, "recipients": []map[string]string{{"id": in.RecipientID}}}, nil
	case reMember.MatchString(path):
		g := reMember.FindStringSubmatch(path)
		return s.member(m, g[1], g[2], r, body)
	case reBan.MatchString(path) && m == "PUT":
		g := reBan.FindStringSubmatch(path)
		return nil, s.ban(g[1], g[2], r)
	case reGuildCommands.MatchString(path) && m == "PUT", reCommands.MatchString(path) && m == "PUT":
		return s.putCommands(path, body)
	case reCallback.MatchString(path) && m == "POST":
		g := reCallback.FindStringSubmatch(path)
		return nil, s.callback(g[1], g[2], body)
	case reWebhook.MatchString(path) && m == "POST":
		g := reWebhook.FindStringSubmatch(path)
		return s.followup(g[1], g[2], body)
	case reWebhookMsg.MatchString(path):
		g := reWebhookMsg.FindStringSubmatch(path)
		return s.webhookMessage(m, g[1], g[2], g[3], body)
	}
	return nil, errorf(404, 0, "404: Not Found (%s %s)", m, path)
}

func (s *Server) channel(id string) (*channel, error) {
	c, ok := s.channels[id]
	if !ok {
		return nil, errorf(404, 10003, "Unknown Channel")
	}
	return c, nil
}

func (s *Server) getChannel(id string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.channel(id)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"id": c.ID, "type": c.Type, "name": c.Name}
	if c.GuildID != "" {
		out["guild_id"] = c.GuildID
	}
	if c.Parent != "" {
		out["parent_id"] = c.Parent
	}
	return out, nil
}

// decodeMessage decodes a JSON or multipart message body.
func decodeMessage(r *http.Request, body []byte) (Message, error) {
	var msg Message
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if err := json.Unmarshal(body, &msg); err != nil {
			return msg, errorf(400, 50109, "The request body contains invalid JSON.")
		}
		return msg, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var files []Attachment
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return msg, errorf(400, 50035, "Invalid multipart body: %v", err)
		}
		data, _ := io.ReadAll(part)
		switch {
		case part.FormName() == "payload_json":
			// attachments here describe the files by index: {id: 0, filename}.
			var payload struct {
				Message
				Attachments []struct {
					ID       json.RawMessage `json:"id"`
					Filename string          `json:"filename"`
				} `json:"attachments"`
			}
			if err := json.Unmarshal(data, &payload); err != nil {
				return msg, errorf(400, 50109, "The request body contains invalid JSON.")
			}
			msg = payload.Message
		case strings.HasPrefix(part.FormName(), "files["):
			files = append(files, Attachment{Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"), Size: len(data), Data: data})
		}
	}
	msg.Attachments = files
	return msg, nil
}

func (s *Server) createMessage(channelID string, r *http.Request, body []byte) (any, error) {
	msg, err := decodeMessage(r, body)
	if err != nil {
		return nil, err
	}
	if err := validateMessage(msg, true); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.channel(channelID)
	if err != nil {
		return nil, err
	}
	if ref := msg.Reference; ref != nil {
		refCh := ref.ChannelID
		if refCh == "" {
			refCh = channelID
		}
		if s.findMessage(refCh, ref.MessageID) == nil && (ref.FailIfNotExists == nil || *ref.FailIfNotExists) {
			return nil, errorf(400, 50035, "Invalid Form Body: message_reference: Unknown message")
		}
	}
	if earlier := s.nonced(msg); earlier != nil {
		return messageJSON(*earlier, c), nil
	}
	for i := range msg.Attachments {
		msg.Attachments[i].ID = s.snowflake(time.Now())
	}
	msg.ID = s.snowflake(time.Now())
	msg.ChannelID = c.ID
	msg.AuthorID = BotID
	s.messages[c.ID] = append(s.messages[c.ID], &msg)
	if msg.EnforceNonce && msg.Nonce != "" {
		s.nonces[msg.Nonce] = nonceUse{channelID: c.ID, messageID: msg.ID, at: time.Now()}
	}
	s.changes.Notify()
	return messageJSON(msg, c), nil
}

// nonceWindow is how long the fake remembers an enforced nonce; Discord
// says "the past few minutes".
const nonceWindow = 5 * time.Minute

type nonceUse struct {
	channelID, messageID string
	at                   time.Time
}

// nonced returns the message the bot created with msg's nonce within
// nonceWindow when msg enforces it, as Discord returns that message instead
// of creating another; s.mu is held.
func (s *Server) nonced(msg Message) *Message {
	if !msg.EnforceNonce || msg.Nonce == "" {
		return nil
	}
	u, ok := s.nonces[msg.Nonce]
	if !ok || time.Since(u.at) > nonceWindow {
		return nil
	}
	return s.findMessage(u.channelID, u.messageID)
}

func messageJSON(m Message, c *channel) map[string]any {
	out := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "content": m.Content, "embeds": orEmpty(m.Embeds),
		"components": orEmpty(m.Components), "flags": m.Flags, "type": 0, "tts": false, "pinned": false,
		"mentions": []any{}, "mention_roles": []any{}, "mention_everyone": false, "attachments": orEmpty(m.Attachments),
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "edited_timestamp": nil,
		"author": map[string]any{"id": BotID, "username": "commpilot", "bot": true, "discriminator": "0"},
	}
	if m.Nonce != "" {
		out["nonce"] = m.Nonce
	}
	if m.Reference != nil {
		out["type"] = 19
		out["message_reference"] = m.Reference
	}
	if c != nil && c.GuildID != "" {
		out["guild_id"] = c.GuildID
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) editMessage(channelID, id string, body []byte) (any, error) {
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		return nil, errorf(400, 50109, "The request body contains invalid JSON.")
	}
	var in Message
	_ = json.Unmarshal(body, &in)
	if err := validateMessage(in, false); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.channel(channelID)
	if err != nil {
		return nil, err
	}
	m := s.findMessage(channelID, id)
	if m == nil {
		return nil, errorf(404, 10008, "Unknown Message")
	}
	if m.AuthorID != BotID {
		if _, ok := patch["content"]; ok {
			return nil, errorf(403, 50005, "Cannot edit a message authored by another user")
		}
	}
	applyPatch(m, patch, in)
	s.changes.Notify()
	return messageJSON(*m, c), nil
}

func applyPatch(m *Message, patch map[string]json.RawMessage, in Message) {
	if _, ok := patch["content"]; ok {
		m.Content = in.Content
	}
	if _, ok := patch["embeds"]; ok {
		m.Embeds = in.Embeds
	}
	if _, ok := patch["components"]; ok {
		m.Components = in.Components
	}
	m.Edited = true
}

func (s *Server) deleteMessage(channelID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.channel(channelID); err != nil {
		return err
	}
	if s.findMessage(channelID, id) == nil {
		return errorf(404, 10008, "Unknown Message")
	}
	s.removeLocked(channelID, []string{id})
	return nil
}

func (s *Server) bulkDelete(channelID string, body []byte) error {
	var in struct {
		Messages []string `json:"messages"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return errorf(400, 50109, "The request body contains invalid JSON.")
	}
	if len(in.Messages) < 2 || len(in.Messages) > 100 {
		return errorf(400, 50016, "You must provide at least 2 and fewer than 100 messages to delete.")
	}
	for _, id := range in.Messages {
		if t, ok := snowflakeTime(id); !ok || time.Since(t) > 14*24*time.Hour {
			return errorf(400, 50034, "You can only bulk delete messages that are under 14 days old.")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.channel(channelID); err != nil {
		return err
	}
	s.removeLocked(channelID, in.Messages)
	return nil
}

// auditReason decodes the URL-encoded X-Audit-Log-Reason header.
func auditReason(r *http.Request) string {
	raw := r.Header.Get("X-Audit-Log-Reason")
	if v, err := url.PathUnescape(raw); err == nil {
		return v
	}
	return raw
}

func (s *Server) member(method, guildID, userID string, r *http.Request, body []byte) (any, error) {
	if guildID != GuildID {
		return nil, errorf(404, 10004, "Unknown Guild")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == "GET" {
		return s.memberJSON(userID)
	}
	st := s.members[userID]
	if st == nil {
		st = map[string]any{}
		s.members[userID] = st
	}
	switch method {
	case "PATCH":
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, errorf(400, 50109, "The request body contains invalid JSON.")
		}
		if v, ok := in["communication_disabled_until"]; ok && v != nil {
			str, _ := v.(string)
			until, err := time.Parse(time.RFC3339, str)
			if err != nil {
				return nil, errorf(400, 50035, "Invalid Form Body: communication_disabled_until: Could not parse %q", str)
			}
			if until.After(time.Now().Add(28*24*time.Hour + time.Minute)) {
				return nil, errorf(400, 50035, "Invalid Form Body: communication_disabled_until: Timeout must be under 28 days")
			}
		}
		for k, v := range in {
			st[k] = v
		}
		st["audit_reason"] = auditReason(r)
		s.changes.Notify()
		return map[string]any{"user": map[string]string{"id": userID}, "roles": []string{}, "communication_disabled_until": st["communication_disabled_until"]}, nil
	case "DELETE":
		st["kicked"] = true
		st["audit_reason"] = auditReason(r)
		s.changes.Notify()
		return nil, nil
	}
	return nil, errorf(405, 0, "405: Method Not Allowed")
}

func (s *Server) ban(guildID, userID string, r *http.Request) error {
	if guildID != GuildID {
		return errorf(404, 10004, "Unknown Guild")
	}
	if r.URL.Query().Has("reason") {
		return errorf(400, 50035, "Invalid Form Body: reason goes in the X-Audit-Log-Reason header")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bans[userID] = auditReason(r)
	s.changes.Notify()
	return nil
}

var nameRE = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

// validateCommandOptions checks a command's options as Discord does.
func validateCommandOptions(where string, opts []map[string]any) error {
	if len(opts) > 25 {
		return fmt.Errorf("%s: more than 25 options", where)
	}
	seenOptional := false
	for _, o := range opts {
		name, _ := o["name"].(string)
		desc, _ := o["description"].(string)
		w := where + "." + name
		if !nameRE.MatchString(name) {
			return fmt.Errorf("%s: name must match ^[-_a-z0-9]{1,32}$", w)
		}
		if n := utf8.RuneCountInString(desc); n < 1 || n > 100 {
			return fmt.Errorf("%s: description must be 1..100 characters", w)
		}
		typ, _ := o["type"].(float64)
		if where == "" || typ == 1 || typ == 2 { // commands, subcommands, groups hold options
			var sub []map[string]any
			raw, _ := json.Marshal(o["options"])
			_ = json.Unmarshal(raw, &sub)
			if err := validateCommandOptions(w, sub); err != nil {
				return err
			}
			continue
		}
		req, _ := o["required"].(bool)
		if req && seenOptional {
			return fmt.Errorf("%s: required options must be placed before non-required options", w)
		}
		if !req {
			seenOptional = true
		}
	}
	return nil
}

func (s *Server) putCommands(path string, body []byte) (any, error) {
	var cmds []map[string]any
	if err := json.Unmarshal(body, &cmds); err != nil {
		return nil, errorf(400, 50109, "The request body contains invalid JSON.")
	}
	if err := validateCommandOptions("", cmds); err != nil {
		return nil, errorf(400, 50035, "Invalid Form Body: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cmds {
		c["id"] = s.snowflake(time.Now())
		c["application_id"] = BotID
		c["version"] = c["id"]
	}
	s.commands = slices.Clone(body)
	s.cmdPath = path
	s.changes.Notify()
	return cmds, nil
}

// validateMessage checks a message body against Discord's limits.
func validateMessage(m Message, create bool) error {
	if n := utf8.RuneCountInString(m.Content); n > 2000 {
		return errorf(400, 50035, "Invalid Form Body: content: Must be 2000 or fewer in length.")
	}
	if create && m.Content == "" && len(m.Embeds) == 0 && len(m.Attachments) == 0 {
		return errorf(400, 50006, "Cannot send an empty message")
	}
	if len(m.Embeds) > 10 {
		return errorf(400, 50035, "Invalid Form Body: embeds: Must be 10 or fewer in length.")
	}
	for _, e := range m.Embeds {
		total := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		switch {
		case utf8.RuneCountInString(e.Title) > 256:
			return errorf(400, 50035, "Invalid Form Body: embeds.0.title: Must be 256 or fewer in length.")
		case utf8.RuneCountInString(e.Description) > 4096:
			return errorf(400, 50035, "Invalid Form Body: embeds.0.description: Must be 4096 or fewer in length.")
		case len(e.Fields) > 25:
			return errorf(400, 50035, "Invalid Form Body: embeds.0.fields: Must be 25 or fewer in length.")
		}
		if e.Author != nil {
			if utf8.RuneCountInString(e.Author.Name) > 256 {
				return errorf(400, 50035, "Invalid Form Body: embeds.0.author.name: Must be 256 or fewer in length.")
			}
			total += utf8.RuneCountInString(e.Author.Name)
		}
		if e.Footer != nil {
			if utf8.RuneCountInString(e.Footer.Text) > 2048 {
				return errorf(400, 50035, "Invalid Form Body: embeds.0.footer.text: Must be 2048 or fewer in length.")
			}
			total += utf8.RuneCountInString(e.Footer.Text)
		}
		for _, f := range e.Fields {
			if f.Name == "" || f.Value == "" {
				return errorf(400, 50035, "Invalid Form Body: embeds.0.fields: This field is required")
			}
			if utf8.RuneCountInString(f.Name) > 256 || utf8.RuneCountInString(f.Value) > 1024 {
				return errorf(400, 50035, "Invalid Form Body: embeds.0.fields: too long")
			}
			total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		if total > 6000 {
			return errorf(400, 50035, "Invalid Form Body: embeds: Embed size exceeds maximum size of 6000")
		}
	}
	return validateRows(m.Components)
}

func validateRows(rows []Component) error {
	if len(rows) > 5 {
		return errorf(400, 50035, "Invalid Form Body: components: Must be 5 or fewer in length.")
	}
	for _, r := range rows {
		if r.Type != 1 {
			return errorf(400, 50035, "Invalid Form Body: components: top-level components must be action rows")
		}
		if len(r.Components) == 0 || len(r.Components) > 5 {
			return errorf(400, 50035, "Invalid Form Body: components.0.components: Must be between 1 and 5 in length.")
		}
		for _, b := range r.Components {
			if b.Type != 2 {
				continue
			}
			switch {
			case utf8.RuneCountInString(b.Label) > 80:
				return errorf(400, 50035, "Invalid Form Body: label: Must be 80 or fewer in length.")
			case b.Style == 5 && b.URL == "":
				return errorf(400, 50035, "Invalid Form Body: url: link buttons need a url")
			case b.Style != 5 && (b.CustomID == "" || len(b.CustomID) > 100):
				return errorf(400, 50035, "Invalid Form Body: custom_id: Must be between 1 and 100 in length.")
			case b.Style < 1 || b.Style > 5:
				return errorf(400, 50035, "Invalid Form Body: style: Value must be one of {1, 2, 3, 4, 5}.")
			}
		}
	}
	return nil
}
