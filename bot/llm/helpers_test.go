package llm_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
	"github.com/commpilot/commpilot/bot/llm"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
)

// offlineTriage is what the fixed fallback classifier answers.
var offlineTriage = bot.Triage{
	Lang: "en", Kind: bot.KindOther, Sentiment: 0, Urgency: bot.UrgencyNormal,
	Mentions: bot.Mentions{Bot: true, Brand: []string{"Acme"}},
	Cues:     []string{"offline cue"}, Source: "offline",
}

// fixedClassifier is a tiny offline classifier: always offlineTriage.
type fixedClassifier struct{}

func (fixedClassifier) Classify(context.Context, bot.TriageInput) (bot.Triage, error) {
	t := offlineTriage
	t.Cues = append([]string(nil), offlineTriage.Cues...)
	return t, nil
}

// fixedDrafter is a tiny offline drafter that, like any well-behaved
// implementation, fails when its context is done.
type fixedDrafter struct{}

func (fixedDrafter) Draft(ctx context.Context, _ bot.DraftRequest) (bot.Draft, error) {
	if err := ctx.Err(); err != nil {
		return bot.Draft{}, err
	}
	return bot.Draft{Text: "offline draft", Source: "offline"}, nil
}

// rig is a client wired to a fake server, with its metrics and log.
type rig struct {
	srv *llmtest.Server
	c   *llm.Client
	reg *bottest.Metrics
	log *bottest.LogBuffer
}

// newRig starts a fake server and a client with a short per-attempt timeout.
func newRig(t testing.TB, apiKey string) *rig {
	t.Helper()
	r := &rig{srv: llmtest.New(t), reg: &bottest.Metrics{}, log: &bottest.LogBuffer{}}
	c, err := llm.New(llm.Config{
		BaseURL: r.srv.URL(),
		APIKey:  apiKey,
		Model:   "test-model",
		Timeout: 300 * time.Millisecond,
		Logger:  slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: r.reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.c = c
	return r
}

// counter returns the value of the counter name with labels, 0 if absent.
func (r *rig) counter(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	return r.reg.Sum(name, labels)
}

// userJSON decodes the user message of request i as a JSON object.
func (r *rig) userJSON(t testing.TB, i int) map[string]any {
	t.Helper()
	reqs := r.srv.Requests()
	if len(reqs) <= i {
		t.Fatalf("got %d requests, want more than %d", len(reqs), i)
	}
	msgs := reqs[i].Chat.Messages
	if len(msgs) != 2 || msgs[0].Role != "system" || msgs[1].Role != "user" {
		t.Fatalf("request %d: want exactly [system, user] messages, got %+v", i, msgs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(msgs[1].Content), &m); err != nil {
		t.Fatalf("request %d: user message is not a JSON object: %v\n%s", i, err, msgs[1].Content)
	}
	return m
}
