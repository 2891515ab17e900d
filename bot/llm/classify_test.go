package llm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
	openai "github.com/sashabaranov/go-openai"
)

func TestClassifyUsesLLMAnswer(t *testing.T) {
	r := newRig(t, "")
	r.srv.ReplyJSON(map[string]any{
		"lang": "fr", "kind": "complaint", "sentiment": -0.8, "urgency": "high",
		"cues": []string{"colis jamais arrivé"},
	})
	got, err := r.c.Classifier(fixedClassifier{}).Classify(context.Background(), bot.TriageInput{
		Text: "Mon colis n'est jamais arrivé, c'est inadmissible", Brand: []string{"Acme"}, BotMentioned: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := bot.Triage{
		Lang: "fr", Kind: bot.KindComplaint, Sentiment: -0.8, Urgency: bot.UrgencyHigh,
		Mentions: offlineTriage.Mentions,
		Cues:     []string{"offline cue", "llm: colis jamais arrivé"},
		Source:   "llm",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Classify:\n got %+v\nwant %+v", got, want)
	}

	reqs := r.srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	req := reqs[0].Chat
	if req.Model != "test-model" {
		t.Errorf("model = %q, want test-model", req.Model)
	}
	rf := req.ResponseFormat
	if rf == nil || rf.Type != openai.ChatCompletionResponseFormatTypeJSONSchema || rf.JSONSchema == nil ||
		rf.JSONSchema.Name != "triage" || !rf.JSONSchema.Strict {
		t.Errorf("response_format = %+v, want a strict json_schema named triage", rf)
	}
	if v := r.counter(t, "commpilot_llm_requests_total", map[string]string{"op": "classify", "outcome": "ok"}); v != 1 {
		t.Errorf("requests_total{classify,ok} = %v, want 1", v)
	}
}

// The fake's default answer is what the end-to-end tests rely on.
func TestClassifyAgainstDefaultFake(t *testing.T) {
	r := newRig(t, "")
	got, err := r.c.Classifier(fixedClassifier{}).Classify(context.Background(),
		bot.TriageInput{Text: "The app is broken since the update, I want a refund"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != "llm" || got.Kind != bot.KindComplaint || got.Sentiment >= 0 || got.Fallback != "" {
		t.Fatalf("got %+v, want an llm complaint with negative sentiment", got)
	}
}

func TestClassifyRetriesOnceAfterTimeout(t *testing.T) {
	r := newRig(t, "")
	r.srv.Hang(1)
	r.srv.ReplyJSON(map[string]any{"lang": "nl", "kind": "question", "sentiment": 0, "urgency": "normal", "cues": []string{}})
	got, err := r.c.Classifier(fixedClassifier{}).Classify(context.Background(), bot.TriageInput{Text: "Wanneer zijn jullie open?"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != "llm" || got.Kind != bot.KindQuestion || got.Lang != "nl" || got.Fallback != "" {
		t.Fatalf("got %+v, want the LLM's answer from the retry", got)
	}
	if n := len(r.srv.Requests()); n != 2 {
		t.Errorf("got %d requests, want 2 (one timed out, one retry)", n)
	}
	for outcome, want := range map[string]float64{"timeout": 1, "ok": 1} {
		if v := r.counter(t, "commpilot_llm_requests_total", map[string]string{"op": "classify", "outcome": outcome}); v != want {
			t.Errorf("requests_total{classify,%s} = %v, want %v", outcome, v, want)
		}
	}
	if v := r.counter(t, "commpilot_llm_fallbacks_total", map[string]string{"op": "classify", "reason": "timeout"}); v != 0 {
		t.Errorf("fallbacks_total{classify,timeout} = %v, want 0", v)
	}
}

func TestClassifyFallsBack(t *testing.T) {
	tests := []struct {
		name     string
		script   func(s *llmtest.Server)
		reason   string
		note     string
		requests int
	}{
		{"two server errors", func(s *llmtest.Server) { s.Fail(500, 2) },
			"http_5xx", "LLM returned an error (HTTP 500)", 2},
		{"rate limited twice", func(s *llmtest.Server) { s.Fail(429, 2) },
			"http_429", "LLM returned an error (HTTP 429)", 2},
		{"two timeouts", func(s *llmtest.Server) { s.Hang(2) },
			"timeout", "LLM timed out after 300ms", 2},
		{"bad key is not retried", func(s *llmtest.Server) { s.Fail(401, 1) },
			"http_4xx", "LLM returned an error (HTTP 401)", 1},
		{"malformed JSON", func(s *llmtest.Server) { s.Reply(`{"lang": "en", "kind": `) },
			"malformed", "LLM returned malformed output", 1},
		{"prose instead of JSON", func(s *llmtest.Server) { s.Reply("This is a complaint.") },
			"malformed", "LLM returned malformed output", 1},
		{"unknown kind", func(s *llmtest.Server) {
			s.ReplyJSON(map[string]any{"lang": "en", "kind": "rant", "sentiment": 0, "urgency": "low", "cues": []string{}})
		}, "schema", "LLM returned an invalid classification", 1},
		{"unknown urgency", func(s *llmtest.Server) {
			s.ReplyJSON(map[string]any{"lang": "en", "kind": "spam", "sentiment": 0, "urgency": "asap", "cues": []string{}})
		}, "schema", "LLM returned an invalid classification", 1},
		{"missing field", func(s *llmtest.Server) {
			s.ReplyJSON(map[string]any{"lang": "en", "kind": "spam", "urgency": "low", "cues": []string{}})
		}, "schema", "LLM returned an invalid classification", 1},
		{"refusal", func(s *llmtest.Server) { s.Refuse("I can't help with that.") },
			"refusal", "LLM refused to answer", 1},
		{"empty content", func(s *llmtest.Server) { s.Reply("  ") },
			"empty", "LLM returned no answer", 1},
		{"cut off", func(s *llmtest.Server) { s.Then(finishing("length", `{"lang": "en", "kind": "spam", "sent`)) },
			"truncated", "LLM answer was cut off", 1},
		{"content filter", func(s *llmtest.Server) { s.Then(finishing("content_filter", "")) },
			"filtered", "LLM answer was blocked by its content filter", 1},
		{"no choices", func(s *llmtest.Server) {
			s.Then(func(openai.ChatCompletionRequest) (int, string) { return http.StatusOK, `{"id":"x","choices":[]}` })
		}, "empty", "LLM returned no answer", 1},
		{"not an OpenAI response", func(s *llmtest.Server) {
			s.Then(func(openai.ChatCompletionRequest) (int, string) { return http.StatusOK, "<html>proxy login</html>" })
		}, "bad_response", "LLM server sent an unreadable response", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, "")
			tt.script(r.srv)
			got, err := r.c.Classifier(fixedClassifier{}).Classify(context.Background(), bot.TriageInput{Text: "hello Acme"})
			if err != nil {
				t.Fatal(err)
			}
			want := offlineTriage
			want.Fallback = tt.note
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Classify:\n got %+v\nwant %+v", got, want)
			}
			r.wantFellBack(t, "classify", tt.reason, tt.requests)
			if v := r.counter(t, "commpilot_llm_requests_total", map[string]string{"op": "classify", "outcome": tt.reason}); v != float64(tt.requests) {
				t.Errorf("requests_total{classify,%s} = %v, want %d", tt.reason, v, tt.requests)
			}
			log := r.log.String()
			if !strings.Contains(log, "reason="+tt.reason) {
				t.Errorf("log does not give the reason %q:\n%s", tt.reason, log)
			}
			if strings.Contains(log, "hello Acme") {
				t.Errorf("log contains the message text:\n%s", log)
			}
		})
	}
}

// Values that are safe to correct are corrected rather than thrown away.
func TestClassifyNormalisesSafeValues(t *testing.T) {
	r := newRig(t, "")
	r.srv.Reply("```json\n" + `{"lang": "DE", "kind": "Praise", "sentiment": 3.5, "urgency": "LOW",
		"cues": ["@everyone look", "<@123> **bold**", "", "one", "two", "three"]}` + "\n```")
	got, err := r.c.Classifier(fixedClassifier{}).Classify(context.Background(), bot.TriageInput{Text: "Tolles Produkt!"})
	if err != nil {
		t.Fatal(err)
	}
	want := bot.Triage{
		Lang: "other", Kind: bot.KindPraise, Sentiment: 1, Urgency: bot.UrgencyLow,
		Mentions: offlineTriage.Mentions,
		Cues:     []string{"offline cue", "llm: everyone look", "llm: 123 bold", "llm: one"},
		Source:   "llm",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Classify:\n got %+v\nwant %+v", got, want)
	}
}

// A cancelled caller gets the offline result at once, without a retry.
func TestClassifyCancelled(t *testing.T) {
	r := newRig(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := r.c.Classifier(fixedClassifier{}).Classify(ctx, bot.TriageInput{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != "offline" || got.Fallback != "LLM request was canceled" {
		t.Fatalf("got %+v, want the offline result with a cancellation note", got)
	}
	if v := r.counter(t, "commpilot_llm_fallbacks_total", map[string]string{"op": "classify", "reason": "canceled"}); v != 1 {
		t.Errorf("fallbacks_total{classify,canceled} = %v, want 1", v)
	}
}

// finishing answers with content and the given finish_reason.
func finishing(reason, content string) llmtest.ResponderFunc {
	return func(req openai.ChatCompletionRequest) (int, string) {
		body := openai.ChatCompletionResponse{ID: "chatcmpl-x", Object: "chat.completion", Model: req.Model,
			Choices: []openai.ChatCompletionChoice{{
				Message:      openai.ChatCompletionMessage{Role: "assistant", Content: content},
				FinishReason: openai.FinishReason(reason),
			}}}
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		return http.StatusOK, string(b)
	}
}
