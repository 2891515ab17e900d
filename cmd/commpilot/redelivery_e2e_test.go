package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

// slackHTTPMode runs Slack over the HTTP APIs: signed requests to the bot's
// address instead of Socket Mode.
func slackHTTPMode(c *Config) { c.SlackSigningSecret = "e2e-signing-secret" }

// lastDelivery returns the last HTTP request of kind whose body contains s.
func (w *world) lastDelivery(kind, s string) slacktest.Delivery {
	w.t.Helper()
	ds := w.slack.Deliveries()
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].Kind == kind && strings.Contains(string(ds[i].Body), s) {
			return ds[i]
		}
	}
	w.t.Fatalf("no %s delivery with %q", kind, s)
	return slacktest.Delivery{}
}

// events reads commpilot_events_total for one platform, kind and outcome
// from the bot's registry (what /metrics serves).
func (w *world) events(platform, kind, outcome string) float64 {
	w.t.Helper()
	mfs, err := w.main.registry.Gather()
	if err != nil {
		w.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "commpilot_events_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["platform"] == platform && labels["kind"] == kind && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// handled is how many events of kind from platform the bot has finished
// with, whatever their outcome.
func (w *world) handled(platform, kind string) float64 {
	var n float64
	for _, o := range []string{"ok", "duplicate", "invalid", "forbidden", "not_found", "conflict", "unavailable", "internal", "timeout"} {
		n += w.events(platform, kind, o)
	}
	return n
}

// A signed Slack request replayed within its five-minute window after a
// restart (an attacker who captured it, or Slack retrying across the
// restart) is not acted on again: the FAQ entry is added once.
func TestEndToEndReplayedSlackCommandAfterRestartIsNotActedOn(t *testing.T) {
	w := newWorld(t, slackHTTPMode)
	add := w.slack.SlashCommand(slackTeam, slackAlice, "faq add When do you open? | Monday to Friday, 9 to 6.")
	if !strings.Contains(add.Shown(), "FAQ entry #1 added") {
		t.Fatalf("faq add: %q", add.Shown())
	}
	captured := w.lastDelivery("slash_commands", "faq+add")

	if err := w.main.Close(); err != nil {
		t.Fatal(err)
	}
	w.start()
	if status, body := w.slack.Replay(captured, nil); status != 200 {
		t.Fatalf("replay: HTTP %d: %s", status, body)
	}
	waitUntil(t, "the replayed command to be handled", func() bool { return w.handled("slack", "command") >= 1 })
	if n := w.events("slack", "command", "duplicate"); n != 1 {
		t.Errorf("the replayed command was handled as new (%v duplicates counted)", n)
	}
	list := w.slack.SlashCommand(slackTeam, slackAlice, "faq list")
	if got := strings.Count(list.Shown(), "When do you open?"); got != 1 {
		t.Errorf("the FAQ holds the entry %d times after the replay:\n%s", got, list.Shown())
	}
}

// A message event replayed after a restart does not reopen the item it
// created, once answered: no second card, no second reply.
func TestEndToEndReplayedSlackMessageAfterRestartDoesNotReopenAnAnsweredItem(t *testing.T) {
	w := newWorld(t, slackHTTPMode)
	const complaint = "My Acme order never arrived, three weeks now"
	ts := w.slack.PostUserMessage(slackCommunity, slackBob, complaint, "")
	card := w.slackCard(1)
	w.slack.ClickButton(slackTeam, card.TS, slackAlice, actionID(t, card.Blocks, "inbox/approve/"))
	waitUntil(t, "the reply in the member's thread", func() bool { return len(w.threadReplies(slackCommunity, ts)) == 1 })
	captured := w.lastDelivery("events_api", ts)

	if err := w.main.Close(); err != nil {
		t.Fatal(err)
	}
	w.start()
	// Replayed as captured, and as Slack's own retry of it.
	retry := http.Header{"X-Slack-Retry-Num": {"2"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	for _, extra := range []http.Header{nil, retry} {
		if status, body := w.slack.Replay(captured, extra); status != 200 {
			t.Fatalf("replay: HTTP %d: %s", status, body)
		}
	}
	waitUntil(t, "the replayed messages to be handled", func() bool { return w.handled("slack", "message") >= 2 })
	if n := w.events("slack", "message", "duplicate"); n != 2 {
		t.Errorf("the replayed message was handled as new (%v of 2 duplicates counted)", n)
	}
	if n := len(w.slack.BotMessages(slackTeam)); n != 1 {
		t.Errorf("%d cards in the team channel after the replay, want the first one only", n)
	}
	if n := len(w.threadReplies(slackCommunity, ts)); n != 1 {
		t.Errorf("%d replies under the member's message, want 1", n)
	}
}

// threadReplies lists the bot's messages in the thread of ts.
func (w *world) threadReplies(channel, ts string) []slacktest.Message {
	var out []slacktest.Message
	for _, m := range w.slack.BotMessages(channel) {
		if m.ThreadTS == ts {
			out = append(out, m)
		}
	}
	return out
}
