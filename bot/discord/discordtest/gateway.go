package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/commpilot/commpilot/bot/bottest"
)

// maxReplay is how many dispatched events a session keeps for RESUME.
const maxReplay = 1000

type gwConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	once sync.Once
	// session is the session the connection identified or resumed;
	// guarded by Server.mu.
	session string
	noACK   atomic.Bool // heartbeats go unanswered (a zombie connection)
}

func (c *gwConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// closeWith sends a close frame with code, then closes the connection.
func (c *gwConn) closeWith(code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	c.kill()
}

// kill drops the TCP connection without a close frame.
func (c *gwConn) kill() { c.once.Do(func() { _ = c.ws.NetConn().Close() }) }

type closeFrame struct {
	code int
	text string
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

type outFrame struct {
	Op int     `json:"op"`
	D  any     `json:"d"`
	S  *int64  `json:"s"`
	T  *string `json:"t"`
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.gw.Add(1)
	defer s.gw.Done()
	c := &gwConn{ws: ws}
	defer c.kill()
	s.mu.Lock()
	hb := s.heartbeatMs
	s.connections++
	s.mu.Unlock()
	if c.write(outFrame{Op: 10, D: map[string]int{"heartbeat_interval": hb}}) != nil {
		return
	}
	defer func() {
		s.mu.Lock()
		if s.conn == c {
			s.conn, s.connected = nil, false
			s.changes.Notify()
		}
		s.mu.Unlock()
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			// Discord ends a session whose connection the client closes
			// with 1000 or 1001: it can no longer be resumed.
			if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				s.mu.Lock()
				if c.session != "" && c.session == s.session {
					s.session = ""
				}
				s.mu.Unlock()
			}
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			c.closeWith(4002, "Error while decoding payload.")
			return
		}
		switch f.Op {
		case 1: // heartbeat
			if c.noACK.Load() {
				continue
			}
			if c.write(outFrame{Op: 11}) != nil {
				return
			}
		case 2:
			if !s.identify(c, f.D) {
				return
			}
		case 6:
			if !s.resume(c, f.D) {
				return
			}
		}
	}
}

// identify starts a new session on c; false means c was closed.
func (s *Server) identify(c *gwConn, d json.RawMessage) bool {
	var id struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(d, &id)
	if !authenticated(c, id.Token) {
		return false
	}
	s.mu.Lock()
	refuse := s.refuseIdentify
	s.mu.Unlock()
	if refuse != nil {
		c.closeWith(refuse.code, refuse.text)
		return false
	}
	ready := fixture("ready.json")
	guild := fixture("guild_create.json")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifies = append(s.identifies, slices.Clone(d))
	s.session = newSessionID()
	s.seq = 0
	s.log = nil
	ready["session_id"] = s.session
	ready["resume_gateway_url"] = s.gatewayURL()
	s.attachLocked(c)
	s.sendLocked("READY", ready)
	s.sendLocked("GUILD_CREATE", guild)
	s.changes.Notify()
	return true
}

// resume replays the events after the client's sequence, then RESUMED.
func (s *Server) resume(c *gwConn, d json.RawMessage) bool {
	var in struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(d, &in)
	if !authenticated(c, in.Token) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.SessionID == "" || in.SessionID != s.session {
		return c.write(outFrame{Op: 9, D: false}) == nil
	}
	s.attachLocked(c)
	s.resumes++
	from := in.Seq
	if s.dupOnResume && from > 0 {
		from-- // redeliver the last event the client already saw
		s.dupOnResume = false
	}
	for _, e := range s.log {
		if e.seq > from {
			seq, typ := e.seq, e.typ
			if c.write(outFrame{Op: 0, D: e.data, S: &seq, T: &typ}) != nil {
				return false
			}
		}
	}
	s.sendLocked("RESUMED", map[string]any{"_trace": []string{"fake"}})
	s.changes.Notify()
	return true
}

// authenticated reports whether token is the bot's ("Bot " + Token), as an
// IDENTIFY or RESUME must give; otherwise it closes c with 4004, as
// Discord does.
func authenticated(c *gwConn, token string) bool {
	if token != "Bot "+Token {
		c.closeWith(4004, "Authentication failed.")
		return false
	}
	return true
}

// attachLocked makes c the connection of the current session, killing the
// one it replaces; s.mu is held.
func (s *Server) attachLocked(c *gwConn) {
	if old := s.conn; old != nil && old != c {
		old.kill()
	}
	s.conn, s.connected = c, true
	c.session = s.session
}

// gatewayURL is where the gateway listens: any websocket upgrade request.
func (s *Server) gatewayURL() string { return "ws" + strings.TrimPrefix(s.srv.URL, "http") }

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sendLocked numbers and records a dispatch and writes it to the current
// connection, if any; s.mu must be held. An event that could not be written
// is replayed on RESUME, as Discord does.
func (s *Server) sendLocked(typ string, d any) {
	raw, err := json.Marshal(d)
	if err != nil {
		s.tb.Errorf("discordtest: encode %s: %v", typ, err)
		return
	}
	s.seq++
	s.log = append(s.log, dispatch{seq: s.seq, typ: typ, data: raw})
	if len(s.log) > maxReplay {
		s.log = slices.Delete(s.log, 0, len(s.log)-maxReplay)
	}
	if s.conn == nil || !s.connected {
		return
	}
	seq := s.seq
	if err := s.conn.write(outFrame{Op: 0, D: json.RawMessage(raw), S: &seq, T: &typ}); err != nil {
		s.conn.kill()
	}
}

// DropConnection cuts the gateway connection without a close frame, as a
// network failure would; the session stays resumable. (A client that
// closes its connection with 1000 or 1001 ends its session instead, as on
// Discord.)
func (s *Server) DropConnection() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.kill()
		s.conn, s.connected = nil, false
		s.changes.Notify()
	}
}

// RefuseIdentify makes every later IDENTIFY end with a close frame with
// code and reason, as Discord refuses a session it will never accept: 4013
// "Invalid intent(s).", 4014 "Disallowed intent(s)." (privileged intents
// not enabled in the Developer Portal), 4010–4012.
func (s *Server) RefuseIdentify(code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseIdentify = &closeFrame{code, reason}
}

// SetHeartbeatInterval sets the heartbeat interval announced in the HELLO
// of later connections (default 41.25 s).
func (s *Server) SetHeartbeatInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeatMs = int(d / time.Millisecond)
}

// WithholdHeartbeatACKs stops answering heartbeats on the current
// connection, as on a zombie connection: the client should give up on it.
func (s *Server) WithholdHeartbeatACKs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.noACK.Store(true)
	}
}

// SendReconnect sends op 7 RECONNECT: the client must reconnect and resume.
func (s *Server) SendReconnect() {
	s.sendOp(7, nil)
}

// SendInvalidSession sends op 9 INVALID_SESSION; when not resumable the
// session is forgotten, so only a new IDENTIFY works.
func (s *Server) SendInvalidSession(resumable bool) {
	if !resumable {
		s.mu.Lock()
		s.session = ""
		s.mu.Unlock()
	}
	s.sendOp(9, resumable)
}

func (s *Server) sendOp(op int, d any) {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		_ = c.write(outFrame{Op: op, D: d})
	}
}

// RedeliverOnNextResume makes the next RESUME replay the last event the
// client had already received too: Discord's delivery is at least once.
func (s *Server) RedeliverOnNextResume() {
	s.mu.Lock()
	s.dupOnResume = true
	s.mu.Unlock()
}

// WaitConnected waits until a gateway session is established (READY or
// RESUMED sent).
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, "gateway connection", func() bool { return s.connected })
}

// WaitIdentify waits for an IDENTIFY and returns the last one's payload (d).
func (s *Server) WaitIdentify(ctx context.Context) (json.RawMessage, error) {
	var d json.RawMessage
	err := s.waitFor(ctx, "IDENTIFY", func() bool {
		if len(s.identifies) == 0 {
			return false
		}
		d = slices.Clone(s.identifies[len(s.identifies)-1])
		return true
	})
	return d, err
}

// WaitResumes waits until the client has resumed n times in all.
func (s *Server) WaitResumes(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d resumes", n), func() bool { return s.resumes >= n && s.connected })
}

// WaitIdentifies waits until the client has identified n times in all.
func (s *Server) WaitIdentifies(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d identifies", n), func() bool { return len(s.identifies) >= n && s.connected })
}

// Stats returns how many gateway connections, IDENTIFYs and RESUMEs the
// fake has seen.
func (s *Server) Stats() (connections, identifies, resumes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections, len(s.identifies), s.resumes
}

// fixture returns a fresh copy of a payload fixture.
func fixture(name string) map[string]any { return bottest.JSONFixture(fixtures, "discordtest", name) }

// Fixture returns the raw bytes of a payload fixture in testdata
// (message_create.json, interaction_command.json, …), for benchmarks and
// decoding tests.
func Fixture(name string) []byte {
	raw, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		panic("discordtest: missing fixture " + name)
	}
	return raw
}
