package llmtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/commpilot/commpilot/bot/llm/llmtest"
	openai "github.com/sashabaranov/go-openai"
)

func client(s *llmtest.Server) *openai.Client {
	cfg := openai.DefaultConfig("")
	cfg.BaseURL = s.URL()
	return openai.NewClientWithConfig(cfg)
}

func ask(t *testing.T, c *openai.Client, schema, user string) (openai.ChatCompletionResponse, error) {
	t.Helper()
	req := openai.ChatCompletionRequest{
		Model:    "m",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: user}},
	}
	if schema != "" {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: schema, Schema: json.RawMessage(`{}`), Strict: true},
		}
	}
	return c.CreateChatCompletion(context.Background(), req)
}

func TestScriptThenRespondThenDefault(t *testing.T) {
	s := llmtest.New(t)
	c := client(s)
	s.Reply("first")
	s.Fail(503, 1)
	if resp, err := ask(t, c, "", "a"); err != nil || resp.Choices[0].Message.Content != "first" {
		t.Fatalf("step 1 = %+v, %v; want the scripted reply", resp, err)
	}
	var apiErr *openai.APIError
	if _, err := ask(t, c, "", "b"); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 {
		t.Fatalf("step 2 error = %v, want an OpenAI API error with HTTP 503", err)
	}
	if resp, err := ask(t, c, "", "c"); err != nil || resp.Choices[0].Message.Content != "OK" || resp.Usage.TotalTokens == 0 || resp.ID == "" {
		t.Fatalf("default = %+v, %v; want OK with an id and usage", resp, err)
	}
	s.Respond(func(req openai.ChatCompletionRequest) (int, string) {
		return http.StatusOK, llmtest.Completion(req.Model, "custom")
	})
	if resp, err := ask(t, c, "", "d"); err != nil || resp.Choices[0].Message.Content != "custom" {
		t.Fatalf("Respond = %+v, %v; want custom", resp, err)
	}
	reqs := s.Requests()
	if len(reqs) != 4 || reqs[3].Chat.Messages[0].Content != "d" || len(reqs[3].Body) == 0 {
		t.Fatalf("Requests() = %d requests, want 4 recorded with bodies", len(reqs))
	}
}

func TestDefaultAnswers(t *testing.T) {
	s := llmtest.New(t)
	c := client(s)
	tests := []struct {
		schema, user string
		want         map[string]any
	}{
		{"triage", `{"message":"Mijn bestelling is kapot aangekomen"}`, map[string]any{"lang": "nl", "kind": "complaint"}},
		{"triage", `{"message":"Bonjour, vous ouvrez quand ?"}`, map[string]any{"lang": "fr", "kind": "question"}},
		{"triage", `{"message":"I love Acme"}`, map[string]any{"lang": "en", "kind": "praise"}},
		{"draft", `{"message":"hours?","reply_language":"English","faq":[{"question":"Hours?","answer":"9 to 5."}]}`,
			map[string]any{"reply": "Hi! 9 to 5."}},
		{"draft", `{"message":"?","reply_language":"Dutch","faq":[]}`,
			map[string]any{"reply": "Hallo! Bedankt voor je bericht, het team kijkt ernaar."}},
	}
	for _, tt := range tests {
		resp, err := ask(t, c, tt.schema, tt.user)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &got); err != nil {
			t.Fatalf("%s %s: content is not JSON: %v", tt.schema, tt.user, err)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s %s: %s = %v, want %v", tt.schema, tt.user, k, got[k], v)
			}
		}
	}
}

func TestUnknownRoute(t *testing.T) {
	s := llmtest.New(t)
	resp, err := http.Get(s.URL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error *struct{ Message string } `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 404 || body.Error == nil {
		t.Fatalf("GET /v1/models = %d %+v %v, want 404 with an OpenAI error object", resp.StatusCode, body, err)
	}
}
