package slack

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// send posts body to path on handler, signed with key at ts.
func send(t *testing.T, handler http.Handler, path, key string, body []byte, ts time.Time, extra http.Header) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for k, v := range slacktest.SignedRequest(key, body, ts) {
		req.Header[k] = v
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	out, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(out)
}

func eventBody(channel, user, text, ts string) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": slacktest.VerificationToken, "team_id": slacktest.TeamID, "api_app_id": slacktest.AppID,
		"type": "event_callback", "event_id": "Ev0RETRY", "event_time": 1700000000,
		"event": map[string]any{"type": "message", "channel": channel, "user": user, "text": text,
			"ts": ts, "event_ts": ts, "channel_type": "channel"},
	})
	return b
}

func TestHTTPModeSignatures(t *testing.T) {
	h := start(t, httpMode(secret))
	handler := h.p.HTTPHandler()
	challenge := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	now := time.Now()

	code, body := send(t, handler, "/slack/events", secret, challenge, now, nil)
	if code != http.StatusOK || !strings.Contains(body, `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`) {
		t.Errorf("url_verification: %d %s", code, body)
	}
	if code, _ := send(t, handler, "/slack/events", "not-the-secret", challenge, now, nil); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", code)
	}
	if code, _ := send(t, handler, "/slack/events", secret, challenge, now.Add(-6*time.Minute), nil); code != http.StatusUnauthorized {
		t.Errorf("stale timestamp: %d, want 401", code)
	}
	for _, path := range []string{"/slack/events", "/slack/commands", "/slack/interactivity"} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("payload=x"))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s unsigned: %d, want 401", path, rec.Code)
		}
	}

	// A valid event is acknowledged with an empty 200 and handled.
	ev := eventBody("C0GEN", bob, "signed hello", "1700000000.000200")
	if code, body := send(t, handler, "/slack/events", secret, ev, now, nil); code != http.StatusOK || body != "" {
		t.Errorf("event: %d %q", code, body)
	}
	h.waitEvent("signed event", func(e bot.Event) bool { return e.Text == "signed hello" })
}

// readSpy is a request body that records whether it was read.
type readSpy struct {
	r    io.Reader
	read bool
}

func (s *readSpy) Read(p []byte) (int, error) {
	s.read = true
	return s.r.Read(p)
}

func TestHTTPModeRefusesBeforeReadingTheBody(t *testing.T) {
	h := start(t, httpMode(secret))
	handler := h.p.HTTPHandler()
	body := eventBody("C0GEN", bob, "hello", "1700000000.000400")
	tests := []struct {
		name   string
		header http.Header
	}{
		{"unsigned", http.Header{}},
		{"no timestamp", http.Header{"X-Slack-Signature": slacktest.SignedRequest(secret, body, time.Now())["X-Slack-Signature"]}},
		{"stale", slacktest.SignedRequest(secret, body, time.Now().Add(-6*time.Minute))},
		{"future", slacktest.SignedRequest(secret, body, time.Now().Add(6*time.Minute))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spy := &readSpy{r: bytes.NewReader(body)}
			req := httptest.NewRequest(http.MethodPost, "/slack/events", spy)
			req.Header = tt.header
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", rec.Code)
			}
			if spy.read {
				t.Error("the body was read before the request was refused")
			}
		})
	}
}

func TestHTTPModeRetriedDeliveryHandledOnce(t *testing.T) {
	h := start(t, httpMode(secret))
	handler := h.p.HTTPHandler()
	ev := eventBody("C0GEN", bob, "retried", "1700000000.000300")
	if code, _ := send(t, handler, "/slack/events", secret, ev, time.Now(), nil); code != http.StatusOK {
		t.Fatalf("first delivery: %d", code)
	}
	retry := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	if code, _ := send(t, handler, "/slack/events", secret, ev, time.Now(), retry); code != http.StatusOK {
		t.Fatalf("retry: %d", code)
	}
	h.waitEvent("retried", func(e bot.Event) bool { return e.Text == "retried" })
	h.waitDuplicates(1)
	if n := h.count(func(e bot.Event) bool { return e.Text == "retried" }); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
}

func TestHTTPModeCommandsButtonsAndModals(t *testing.T) {
	h := start(t, httpMode(secret))
	if r := h.srv.SlashCommand("C0TEAM", alice, "help"); r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "/cm help") {
		t.Errorf("help = %+v", r)
	}
	card := h.mustDo(bot.Action{Kind: bot.ActPost, Channel: slackCh("C0TEAM"), Card: &bot.Card{
		Title: "Item 3", Buttons: []bot.Button{{Label: "Approve", ID: "card/approve/3"}, {Label: "Edit", ID: "card/edit/3"}}}})
	h.srv.ClickButton("C0TEAM", card.ID, alice, "card/approve/3")
	e := h.waitEvent("approve", func(e bot.Event) bool { return e.Kind == bot.EventAction })
	if e.Action != "card/approve/3" || e.User.ID != alice {
		t.Errorf("action = %+v", e)
	}
	if r, ok := h.srv.ClickButton("C0TEAM", card.ID, alice, "card/edit/3").Response(); !ok || r.View == nil {
		t.Fatal("no modal")
	}
	ack := h.srv.SubmitView(alice, "form/draft/3", map[string]string{"draft": ""})
	if !strings.Contains(string(ack), `"response_action":"errors"`) || !h.srv.OpenedViews()[0].Open {
		t.Errorf("empty draft: ack %s, view %+v", ack, h.srv.OpenedViews()[0])
	}
	if ack := h.srv.SubmitView(alice, "form/draft/3", map[string]string{"draft": "ok"}); ack != nil {
		t.Errorf("good draft: ack %s, want an empty 200", ack)
	}
}

func TestHTTPModeRefusesUntilRunning(t *testing.T) {
	p, err := New(Config{BotToken: slacktest.BotToken, SigningSecret: secret, APIURL: "http://127.0.0.1:1/api/", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := send(t, p.HTTPHandler(), "/slack/events", secret, eventBody("C1", bob, "early", "1.2"), time.Now(), nil)
	if code != http.StatusServiceUnavailable {
		t.Errorf("before Run: %d, want 503 so Slack retries", code)
	}
}
