// Package slacktest is a fake Slack for tests: the Web API methods
// commpilot calls, Socket Mode (apps.connections.open, hello, envelopes and
// their acks, disconnect messages, WebSocket pings), response_url endpoints,
// file uploads, and helpers that act as a user: post a message, type /cm,
// press a button, submit a modal. It speaks the published wire protocol, so
// the real slack-go client can talk to it over 127.0.0.1.
//
// # Use
//
//	srv := slacktest.New(t)
//	p, _ := slack.New(slack.Config{BotToken: slacktest.BotToken,
//		AppToken: slacktest.AppToken, APIURL: srv.APIURL()})
//	go p.Run(ctx, handler)
//	srv.WaitConnections(1)
//	ts := srv.PostUserMessage("C0GENERAL", "U0ALICE", "hello <@UBOT>", "")
//	resp := srv.SlashCommand("C0TEAM", "U0ALICE", "help")
//
// Helpers that wait (for an ack, a response, a connection) fail the test
// after Timeout; call them from the test's goroutine. Everything the app
// did is recorded: Calls, Messages, Ephemerals, OpenedViews, Uploads.
//
// # HTTP mode
//
// After DeliverHTTP(url, secret), the same helpers deliver signed requests
// to the app's /slack/events, /slack/commands and /slack/interactivity
// instead of Socket Mode envelopes; the ack is the HTTP response body.
package slacktest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot/bottest"
)

// The fake workspace's fixed identities. Use BotToken and AppToken in the
// adapter's config; any other token is refused with invalid_auth.
const (
	BotToken   = "xoxb-fake-bot-token"
	AppToken   = "xapp-fake-app-token"
	BotUserID  = "UBOT"
	BotID      = "BBOT"
	TeamID     = "T0FAKE"
	TeamDomain = "fake"
	AppID      = "A0FAKE"
	// TeamURL is what auth.test returns as the workspace URL.
	TeamURL = "https://fake.slack.com/"
	// VerificationToken is the legacy token field of payloads.
	VerificationToken = "fake-verification-token"
)

// Message is a message in a channel of the fake: posted by a user with a
// helper, or by the app through the Web API.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string
	User     string
	BotID    string // set for the app's (and other bots') messages
	Text     string
	Blocks   json.RawMessage
	Files    []string // ids of files shared with the message
	// UserFiles are the files a user shared with the message (PostUserFiles).
	UserFiles []File
	Edited    bool
}

// Shown is the message text as a reader sees it: &amp; &lt; &gt; decoded.
func (m Message) Shown() string { return shown(m.Text) }

// Ephemeral is a message only one user sees, from chat.postEphemeral or a
// response_url answer of type ephemeral.
type Ephemeral struct {
	Channel string
	User    string
	Text    string
	Blocks  json.RawMessage
	Via     string // "chat.postEphemeral" or "response_url"
}

// Shown is the text as the user sees it: &amp; &lt; &gt; decoded.
func (e Ephemeral) Shown() string { return shown(e.Text) }

// View is a modal the app opened with views.open.
type View struct {
	ID              string
	TriggerID       string
	User            string // who caused the trigger
	CallbackID      string
	Title           string
	PrivateMetadata string
	Blocks          json.RawMessage
	// Open is false once a submission was acknowledged without errors.
	Open bool
	// Errors are the field errors of the last submission's ack.
	Errors map[string]string
}

// Response is the app's answer to an interaction: a response_url post, or a
// modal it opened with the interaction's trigger id (View set).
type Response struct {
	Text            string
	Blocks          json.RawMessage
	ResponseType    string // "ephemeral" or "in_channel"
	ReplaceOriginal bool
	DeleteOriginal  bool
	View            *View
}

// Shown is the text as the user sees it: &amp; &lt; &gt; decoded.
func (r Response) Shown() string { return shown(r.Text) }

// shown decodes the three entities Slack's text format uses.
func shown(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// Call is one Web API call the app made.
type Call struct {
	Method string
	Params url.Values
	// Status is the HTTP status the fake answered (429 when injected).
	Status int
	Time   time.Time
}

// Upload is a file the app uploaded and shared.
type Upload struct {
	FileID   string
	Name     string
	Data     []byte
	Channel  string
	Comment  string
	ThreadTS string
}

type user struct {
	id, name string
	admin    bool
	bot      bool
	locale   string
}

type group struct {
	id, handle string
	members    []string
}

// fault is an injected failure for the next call of a method.
type fault struct {
	retryAfter time.Duration // 429 with Retry-After
	slackErr   string        // ok:false error
	hangup     bool          // read the request, close the connection
	stall      chan struct{} // answer once closed
}

// Server is a fake Slack workspace on 127.0.0.1. Create it with New.
type Server struct {
	// Timeout bounds every wait of the helpers (default 10 s).
	Timeout time.Duration

	tb  testing.TB
	srv *httptest.Server
	wg  sync.WaitGroup // WebSocket goroutines

	mu      sync.Mutex
	changes bottest.Changes // notified on every change
	// outside and gone are the channels the bot is not in, and those that
	// no longer exist (see channels.go).
	outside, gone map[string]bool
	closed        bool
	seq           int
	lastTS        int64 // of the newest message, in microseconds
	users         map[string]user
	groups        []group
	messages      []*Message
	calls         []Call
	faults        map[string][]fault
	scopes        []string // the bot token's, for auth.test (scopes.go)
	ephemerals    []Ephemeral
	views         []*View
	uploads       map[string]*Upload
	uploadList    []string
	// interactions by trigger id and by response_url id
	triggers  map[string]*Interaction
	responses map[string]*Interaction

	// Socket Mode
	pingInterval time.Duration
	conn         *wsConn
	allConns     []*wsConn
	connections  int
	pending      map[string]chan json.RawMessage
	ackLatencies []time.Duration

	// HTTP mode
	target     *httpTarget
	deliveries []Delivery
}

type httpTarget struct {
	url, secret string
}

// New starts a fake Slack; it shuts down when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		Timeout:      10 * time.Second,
		tb:           tb,
		users:        map[string]user{BotUserID: {id: BotUserID, name: "commpilot", bot: true}},
		faults:       map[string][]fault{},
		uploads:      map[string]*Upload{},
		triggers:     map[string]*Interaction{},
		responses:    map[string]*Interaction{},
		pending:      map[string]chan json.RawMessage{},
		pingInterval: 2 * time.Second,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("GET /ws", s.serveSocket)
	mux.HandleFunc("POST /upload/{file}", s.serveUpload)
	mux.HandleFunc("POST /response/{id}", s.serveResponse)
	// Assigned before it serves: handlers read s.srv.URL.
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.Start()
	tb.Cleanup(s.close)
	return s
}

// APIURL is the Web API base URL, ending with "/api/": use it as
// SLACK_API_URL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// URL is the fake's base URL.
func (s *Server) URL() string { return s.srv.URL }

// SetPingInterval sets how often the fake pings each WebSocket (default
// 2 s), for connections opened afterwards.
func (s *Server) SetPingInterval(d time.Duration) {
	s.mu.Lock()
	s.pingInterval = d
	s.mu.Unlock()
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	conns := slices.Clone(s.allConns)
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.wg.Wait()
}

// AddUser adds a member; admin makes users.info report is_admin.
func (s *Server) AddUser(id, name string, admin bool) {
	s.mu.Lock()
	s.users[id] = user{id: id, name: name, admin: admin}
	s.mu.Unlock()
}

// SetUserLocale sets the locale users.info reports for a member added
// with AddUser ("fr-FR"; default none).
func (s *Server) SetUserLocale(id, locale string) {
	s.mu.Lock()
	u := s.users[id]
	u.locale = locale
	s.users[id] = u
	s.mu.Unlock()
}

// AddUserGroup adds a user group (shown as <!subteam^ID|@handle>) with
// these members, for usergroups.list.
func (s *Server) AddUserGroup(id, handle string, members ...string) {
	s.mu.Lock()
	s.groups = append(s.groups, group{id: id, handle: handle, members: slices.Clone(members)})
	s.mu.Unlock()
}

// DeliverHTTP makes the helpers deliver events, commands and interactions
// as signed HTTP requests to baseURL (+ /slack/events, /slack/commands,
// /slack/interactivity) instead of Socket Mode envelopes.
func (s *Server) DeliverHTTP(baseURL, secret string) {
	s.mu.Lock()
	s.target = &httpTarget{url: baseURL, secret: secret}
	s.mu.Unlock()
}

// Inject429 makes the next call of method answer 429 with Retry-After
// (whole seconds, rounded up).
func (s *Server) Inject429(method string, retryAfter time.Duration) {
	s.inject(method, fault{retryAfter: max(retryAfter, time.Nanosecond)})
}

// InjectError makes the next call of method answer {"ok":false,"error":code}.
func (s *Server) InjectError(method, code string) { s.inject(method, fault{slackErr: code}) }

// InjectHangup makes the next call of method read the request and close the
// connection without answering, as a crash or a network cut would. Besides
// Web API methods, method may be "response_url" (the next answer to any
// response_url) or "upload" (the next file upload to an upload URL).
func (s *Server) InjectHangup(method string) { s.inject(method, fault{hangup: true}) }

// InjectStall makes the next call of method wait, unanswered, until release
// is called (or the app gives up on it), then answer as usual. Release is
// also called when the test ends.
func (s *Server) InjectStall(method string) (release func()) {
	ch := make(chan struct{})
	release = sync.OnceFunc(func() { close(ch) })
	s.tb.Cleanup(release)
	s.inject(method, fault{stall: ch})
	return release
}

func (s *Server) inject(method string, f fault) {
	s.mu.Lock()
	s.faults[method] = append(s.faults[method], f)
	s.mu.Unlock()
}

// takeFaultLocked removes and returns the next fault injected for method;
// s.mu is held.
func (s *Server) takeFaultLocked(method string) fault {
	var f fault
	if q := s.faults[method]; len(q) > 0 {
		f, s.faults[method] = q[0], q[1:]
	}
	return f
}

// takeHangup reports whether a hangup was injected for the next request to
// endpoint ("response_url", "upload") and, if so, hangs up.
func (s *Server) takeHangup(w http.ResponseWriter, endpoint string) bool {
	s.mu.Lock()
	f := s.takeFaultLocked(endpoint)
	s.mu.Unlock()
	if f.hangup {
		hangup(w)
	}
	return f.hangup
}

// Calls returns the Web API calls made so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the calls of one method.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the messages of channel (users' and the app's, deleted
// ones excluded), oldest first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Channel == channel {
			out = append(out, *m)
		}
	}
	return out
}

// BotMessages returns the messages the app posted in channel.
func (s *Server) BotMessages(channel string) []Message {
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.BotID == BotID {
			out = append(out, m)
		}
	}
	return out
}

// Ephemerals returns the ephemeral messages shown so far.
func (s *Server) Ephemerals() []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ephemerals)
}

// OpenedViews returns the modals opened so far.
func (s *Server) OpenedViews() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, len(s.views))
	for i, v := range s.views {
		out[i] = *v
	}
	return out
}

// Uploads returns the files uploaded and shared so far.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Upload
	for _, id := range s.uploadList {
		if u := s.uploads[id]; u.Channel != "" {
			out = append(out, *u)
		}
	}
	return out
}

// AckLatencies returns, for each Socket Mode envelope, the time from
// writing it to reading its ack.
func (s *Server) AckLatencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ackLatencies)
}

// Connections counts the Socket Mode connections opened so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// WaitConnections waits until at least n Socket Mode connections were
// opened and one is live.
func (s *Server) WaitConnections(n int) {
	s.tb.Helper()
	if !s.waitFor(func() bool { return s.connections >= n && s.conn != nil }) {
		s.tb.Fatalf("slacktest: %d socket connections after %v, want %d", s.Connections(), s.Timeout, n)
	}
}

// WaitBotMessages waits until the app posted at least n messages in
// channel and returns them.
func (s *Server) WaitBotMessages(channel string, n int) []Message {
	s.tb.Helper()
	ok := s.waitFor(func() bool {
		c := 0
		for _, m := range s.messages {
			if m.Channel == channel && m.BotID == BotID {
				c++
			}
		}
		return c >= n
	})
	if !ok {
		s.tb.Fatalf("slacktest: %d app messages in %s after %v, want %d", len(s.BotMessages(channel)), channel, s.Timeout, n)
	}
	return s.BotMessages(channel)
}

// WaitCalls waits until method was called at least n times and returns its
// calls.
func (s *Server) WaitCalls(method string, n int) []Call {
	s.tb.Helper()
	ok := s.waitFor(func() bool {
		c := 0
		for _, call := range s.calls {
			if call.Method == method {
				c++
			}
		}
		return c >= n
	})
	if !ok {
		s.tb.Fatalf("slacktest: %d calls to %s after %v, want %d", len(s.CallsTo(method)), method, s.Timeout, n)
	}
	return s.CallsTo(method)
}

// WaitEphemerals waits until at least n ephemeral messages were shown and
// returns them.
func (s *Server) WaitEphemerals(n int) []Ephemeral {
	s.tb.Helper()
	if !s.waitFor(func() bool { return len(s.ephemerals) >= n }) {
		s.tb.Fatalf("slacktest: %d ephemerals after %v, want %d", len(s.Ephemerals()), s.Timeout, n)
	}
	return s.Ephemerals()
}

// waitFor waits until cond, evaluated under s.mu, holds, or Timeout.
func (s *Server) waitFor(cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	return s.changes.Wait(ctx, &s.mu, cond) == nil
}

// nextIDLocked returns prefix and a fresh number; s.mu is held.
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return prefix + strconv.Itoa(s.seq)
}

// nextTSLocked returns a fresh message timestamp: the time now, as Slack
// stamps messages, and later than every one before; s.mu is held.
func (s *Server) nextTSLocked() string {
	s.seq++
	s.lastTS = max(time.Now().UnixMicro(), s.lastTS+1)
	return fmt.Sprintf("%d.%06d", s.lastTS/1_000_000, s.lastTS%1_000_000)
}

func (s *Server) findLocked(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

// SignedRequest returns the headers Slack signs an HTTP request with:
// X-Slack-Request-Timestamp and X-Slack-Signature (v0 HMAC-SHA256 of
// "v0:TIMESTAMP:BODY" with the signing secret).
func SignedRequest(secret string, body []byte, ts time.Time) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", stamp)
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}
