package slacktest

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// wsConn is one Socket Mode connection; writes are serialised.
type wsConn struct {
	c    *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
	once sync.Once
}

func (c *wsConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.c.WriteJSON(v)
}

func (c *wsConn) ping() error {
	return c.c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second))
}

func (c *wsConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.c.Close()
	})
}

// serveSocket accepts a Socket Mode connection: it sends hello, pings every
// ping interval and routes acks to the envelopes waiting for them.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("ticket") == "" {
		http.Error(w, "no ticket", http.StatusUnauthorized)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	wc := &wsConn{c: c, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		wc.close()
		return
	}
	s.connections++
	interval := s.pingInterval
	s.allConns = append(s.allConns, wc)
	s.wg.Add(2)
	s.mu.Unlock()

	go s.pinger(wc, interval)
	go s.reader(wc)
	err = wc.write(map[string]any{
		"type":            "hello",
		"num_connections": 1,
		"debug_info":      map[string]any{"host": "fake-applink", "build_number": 1, "approximate_connection_time": 3600},
		"connection_info": map[string]any{"app_id": AppID},
	})
	if err != nil {
		wc.close()
		return
	}
	s.mu.Lock()
	s.conn = wc
	s.changes.Notify()
	s.mu.Unlock()
}

func (s *Server) pinger(wc *wsConn, interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	if wc.ping() != nil {
		return
	}
	for {
		select {
		case <-wc.done:
			return
		case <-t.C:
			if wc.ping() != nil {
				return
			}
		}
	}
}

// reader routes acks ({"envelope_id": ..., "payload": ...}) until the
// connection ends.
func (s *Server) reader(wc *wsConn) {
	defer s.wg.Done()
	defer func() {
		wc.close()
		s.mu.Lock()
		if s.conn == wc {
			s.conn = nil
		}
		s.changes.Notify()
		s.mu.Unlock()
	}()
	for {
		_, data, err := wc.c.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		ch := s.pending[ack.EnvelopeID]
		delete(s.pending, ack.EnvelopeID)
		s.mu.Unlock()
		if ch != nil {
			ch <- ack.Payload
		}
	}
}

// takeConn detaches the live connection (the helpers then wait for a new
// one) and fails the test when there is none; what names the caller.
func (s *Server) takeConn(what string) *wsConn {
	s.tb.Helper()
	s.mu.Lock()
	wc := s.conn
	s.conn = nil
	s.changes.Notify()
	s.mu.Unlock()
	if wc == nil {
		s.tb.Fatalf("slacktest: %s: no live socket", what)
	}
	return wc
}

// Disconnect sends Slack's "disconnect" message (a refresh) on the live
// connection. The app is expected to open a new one; the helpers wait for
// it.
func (s *Server) Disconnect() {
	s.tb.Helper()
	wc := s.takeConn("Disconnect")
	if err := wc.write(map[string]any{"type": "disconnect", "reason": "refresh_requested",
		"debug_info": map[string]any{"host": "fake-applink"}}); err != nil {
		s.tb.Fatalf("slacktest: Disconnect: %v", err)
	}
}

// DropSocket cuts the live connection without a close handshake, as a
// network failure would.
func (s *Server) DropSocket() {
	s.tb.Helper()
	wc := s.takeConn("DropSocket")
	_ = wc.c.UnderlyingConn().Close()
}

// envelope sends a Socket Mode envelope on the live connection (waiting for
// one) and returns its ack's payload.
func (s *Server) envelope(kind string, payload any, acceptsResponse bool) json.RawMessage {
	s.tb.Helper()
	var wc *wsConn
	if !s.waitFor(func() bool { wc = s.conn; return wc != nil }) {
		s.tb.Fatalf("slacktest: no socket connection after %v", s.Timeout)
	}
	ch := make(chan json.RawMessage, 1)
	s.mu.Lock()
	id := s.nextIDLocked("env-")
	s.pending[id] = ch
	s.mu.Unlock()
	start := time.Now()
	err := wc.write(map[string]any{
		"envelope_id": id, "type": kind, "payload": payload,
		"accepts_response_payload": acceptsResponse, "retry_attempt": 0, "retry_reason": "",
	})
	if err != nil {
		s.tb.Fatalf("slacktest: write envelope: %v", err)
	}
	select {
	case ack := <-ch:
		s.mu.Lock()
		s.ackLatencies = append(s.ackLatencies, time.Since(start))
		s.mu.Unlock()
		return ack
	case <-time.After(s.Timeout):
		s.tb.Fatalf("slacktest: envelope %s (%s) not acknowledged after %v", id, kind, s.Timeout)
	}
	return nil
}
