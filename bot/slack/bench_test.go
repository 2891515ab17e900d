package slack

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

func loadEnvelope(b *testing.B) []byte {
	raw, err := os.ReadFile("testdata/message_envelope.json")
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// parseMessageEnvelope decodes a Socket Mode envelope and its Events API
// payload, as slack-go does, into the message event it carries (the
// adapter's slim type, which New registers).
func parseMessageEnvelope(b *testing.B, raw []byte) *slimMessage {
	registerSlimEvents()
	var req socketmode.Request
	if err := json.Unmarshal(raw, &req); err != nil {
		b.Fatal(err)
	}
	ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
	if err != nil {
		b.Fatal(err)
	}
	return ev.InnerEvent.Data.(*slimMessage)
}

// benchSession is a session without a handler, for fillUser, of a platform
// connected to a fake Slack where bob (U0BOB) exists; it closes when the
// benchmark ends.
func benchSession(b *testing.B) *session {
	srv := slacktest.New(b)
	srv.AddUser("U0BOB", "bob", false)
	p, err := New(Config{BotToken: slacktest.BotToken, AppToken: slacktest.AppToken, APIURL: srv.APIURL()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := newSession(ctx, p, nil)
	b.Cleanup(func() {
		cancel()
		s.close()
	})
	return s
}

// BenchmarkEnvelopeDecode is the baseline: decoding the envelope's JSON
// into generic values, nothing else.
func BenchmarkEnvelopeDecode(b *testing.B) {
	raw := loadEnvelope(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnvelopeToEvent is the whole inbound path of a Socket Mode
// message: slack-go's envelope and Events API parsing, the translation to
// bot.Event, and the user lookup (warm cache).
func BenchmarkEnvelopeToEvent(b *testing.B) {
	raw := loadEnvelope(b)
	t := team{url: slacktest.TeamURL, botUserID: slacktest.BotUserID, botID: slacktest.BotID}
	s := benchSession(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		e, ok := messageEvent(parseMessageEnvelope(b, raw), t)
		if !ok {
			b.Fatal("not delivered")
		}
		s.fillUser(s.work, &e.User)
		if e.User.Name != "bob" || !e.Mentioned || e.Message.ThreadID == "" {
			b.Fatalf("event = %+v", e)
		}
	}
}

// BenchmarkAckLatency measures, on the fake over loopback, the time from
// writing a message envelope to reading its ack, while the events are being
// handled; it reports the median and the 99th percentile.
func BenchmarkAckLatency(b *testing.B) {
	h := start(b)
	for b.Loop() {
		h.srv.PostUserMessage("C0GEN", bob, "<@UBOT> is my order late?", "")
	}
	lat := h.srv.AckLatencies()
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Microsecond) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkTranslate is the adapter's own share of BenchmarkEnvelopeToEvent:
// translating an already parsed message event and looking up its author
// (warm cache).
func BenchmarkTranslate(b *testing.B) {
	msg := parseMessageEnvelope(b, loadEnvelope(b))
	t := team{url: slacktest.TeamURL, botUserID: slacktest.BotUserID, botID: slacktest.BotID}
	s := benchSession(b)
	b.ReportAllocs()
	var e bot.Event
	for b.Loop() {
		e, _ = messageEvent(msg, t)
		s.fillUser(s.work, &e.User)
	}
	if e.User.Name != "bob" {
		b.Fatalf("event = %+v", e)
	}
}
