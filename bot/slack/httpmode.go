package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody bounds a request body from Slack.
const maxBody = 1 << 20

// HTTPHandler serves Slack's HTTP APIs when a signing secret is configured:
// POST /slack/events (Events API, including the url_verification
// challenge), /slack/commands (slash commands) and /slack/interactivity
// (buttons, modals). It returns nil in Socket Mode.
//
// Every request must carry a valid X-Slack-Signature over a timestamp less
// than five minutes old, else it gets 401. Until Run has authenticated, or
// after it returned, requests get 503 and Slack retries them. A retried
// delivery (X-Slack-Retry-Num) is acknowledged and handled once: its event
// id is the first delivery's.
func (p *Platform) HTTPHandler() http.Handler {
	if !p.HTTPMode() {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/events", p.serveEvents)
	mux.HandleFunc("POST /slack/commands", p.serveInSession(p.serveCommands))
	mux.HandleFunc("POST /slack/interactivity", p.serveInSession(p.serveInteractivity))
	return mux
}

// verified checks the signature headers and the timestamp, then reads the
// body and checks its signature. A request without the headers or with a
// stale timestamp is refused before its body is read. On failure verified
// has written the error status and returns false.
func (p *Platform) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	refuse := func(err error) ([]byte, bool) {
		p.log.Warn("slack request refused", "path", r.URL.Path, "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, p.cfg.SigningSecret)
	if err != nil {
		return refuse(err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err != nil {
		return refuse(err)
	}
	return body, true
}

// enter returns the running session, entered (the caller must call its
// leave), or writes 503 so that Slack retries.
func (p *Platform) enter(w http.ResponseWriter) *session {
	s := p.sess.Load()
	if s == nil || !s.enter() {
		http.Error(w, "not running", http.StatusServiceUnavailable)
		return nil
	}
	return s
}

func (p *Platform) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := p.verified(w, r)
	if !ok {
		return
	}
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if outer.Type == slackevents.URLVerification {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": outer.Challenge})
		return
	}
	s := p.enter(w)
	if s == nil {
		return
	}
	defer s.leave()
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		p.log.Debug("slack event redelivered", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		// An event type slack-go does not know: acknowledged, ignored.
		p.log.Debug("slack event not understood", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	p.finish(w, s, request{event: &ev})
}

// serveInSession verifies a request, enters the running session and hands
// the verified body to serve (commands and interactivity).
func (p *Platform) serveInSession(serve func(w http.ResponseWriter, r *http.Request, s *session, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := p.verified(w, r)
		if !ok {
			return
		}
		s := p.enter(w)
		if s == nil {
			return
		}
		defer s.leave()
		serve(w, r, s, body)
	}
}

func (p *Platform) serveCommands(w http.ResponseWriter, r *http.Request, s *session, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.finish(w, s, request{command: &cmd})
}

func (p *Platform) serveInteractivity(w http.ResponseWriter, _ *http.Request, s *session, body []byte) {
	cb, err := parseInteraction(body)
	if err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	p.finish(w, s, request{interaction: &cb})
}

func parseInteraction(body []byte) (slack.InteractionCallback, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return slack.InteractionCallback{}, err
	}
	payload := form.Get("payload")
	if payload == "" {
		return slack.InteractionCallback{}, errors.New("no payload")
	}
	var cb slack.InteractionCallback
	err = json.Unmarshal([]byte(payload), &cb)
	return cb, err
}

// finish acknowledges r with its ack payload (an empty 200 when nil, which
// also closes a modal) and then starts its work.
func (p *Platform) finish(w http.ResponseWriter, s *session, r request) {
	ack, then := s.receive(r)
	if ack != nil {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ack)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if then != nil {
		then()
	}
}
