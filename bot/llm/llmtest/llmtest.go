// Package llmtest is a fake OpenAI-compatible server for tests: it serves
// POST /v1/chat/completions on 127.0.0.1 in the shape the OpenAI API uses
// (ids, choices, finish_reason, usage, error objects), records every request,
// and answers from a script.
//
// # Scripting
//
// Each request takes the next scripted step, if any (Reply, ReplyJSON,
// Refuse, Fail, Hang, Then); when none is left it is answered by the function
// set with Respond, or by Default. Default recognises the structured-output
// schema the request asks for ("triage" or "draft") and answers with a
// plausible JSON document, so end-to-end tests can drive the LLM path without
// a script.
package llmtest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Request is one request the server received.
type Request struct {
	// Header holds the HTTP headers (Authorization among them).
	Header http.Header
	// Body is the raw JSON body, as the client sent it.
	Body []byte
	// Chat is Body decoded.
	Chat openai.ChatCompletionRequest
}

// ResponderFunc answers one chat completion request with an HTTP status and
// a raw response body.
type ResponderFunc func(req openai.ChatCompletionRequest) (status int, body string)

// step answers one request; hang steps wait for the client to give up.
type step struct {
	hang    bool
	respond ResponderFunc
}

// maxHang bounds a Hang step when the client never gives up.
const maxHang = time.Minute

// Server is a fake OpenAI-compatible server. Its methods are safe for
// concurrent use.
type Server struct {
	srv  *httptest.Server
	done chan struct{}

	mu      sync.Mutex
	script  []step
	respond ResponderFunc
	reqs    []Request
}

// New starts a server on 127.0.0.1 and stops it when tb's test ends. Hanging
// requests are released before the server closes.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{done: make(chan struct{}), respond: Default}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusNotFound, ErrorBody(http.StatusNotFound, "unknown route "+r.Method+" "+r.URL.Path))
	})
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	tb.Cleanup(func() { close(s.done) }) // runs first: cleanups run last-in first-out
	return s
}

// URL returns the base URL to give an OpenAI client, ending in /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Respond sets the function that answers requests once the script is used
// up (Default until set).
func (s *Server) Respond(fn ResponderFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = fn
}

// Then appends one step answered by fn.
func (s *Server) Then(fn ResponderFunc) { s.push(step{respond: fn}) }

// Reply appends one step answering 200 with content as the assistant's message.
func (s *Server) Reply(content string) {
	s.Then(func(req openai.ChatCompletionRequest) (int, string) {
		return http.StatusOK, Completion(req.Model, content)
	})
}

// ReplyJSON appends one step answering 200 with v, encoded as JSON, as the
// assistant's message.
func (s *Server) ReplyJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("llmtest: ReplyJSON: %v", err))
	}
	s.Reply(string(b))
}

// Refuse appends one step answering 200 with a refusal instead of content.
func (s *Server) Refuse(refusal string) {
	s.Then(func(req openai.ChatCompletionRequest) (int, string) {
		return http.StatusOK, completionBody(req.Model, openai.ChatCompletionMessage{
			Role: openai.ChatMessageRoleAssistant, Refusal: refusal,
		}, openai.FinishReasonStop)
	})
}

// Fail appends times steps answering status with an OpenAI error object.
func (s *Server) Fail(status, times int) {
	for range times {
		s.Then(func(openai.ChatCompletionRequest) (int, string) {
			return status, ErrorBody(status, "fake failure")
		})
	}
}

// Hang appends times steps that never answer: each waits until the client
// gives up (its timeout), the server stops, or a minute passes.
func (s *Server) Hang(times int) {
	for range times {
		s.push(step{hang: true})
	}
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.reqs))
	copy(out, s.reqs)
	return out
}

func (s *Server) push(st step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, st)
}

// next records req and pops the step that answers it.
func (s *Server) next(r Request) step {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r)
	if len(s.script) == 0 {
		return step{respond: s.respond}
	}
	st := s.script[0]
	s.script = s.script[1:]
	return st
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeBody(w, http.StatusBadRequest, ErrorBody(http.StatusBadRequest, "read body: "+err.Error()))
		return
	}
	var chat openai.ChatCompletionRequest
	if err := json.Unmarshal(body, &chat); err != nil {
		writeBody(w, http.StatusBadRequest, ErrorBody(http.StatusBadRequest, "invalid JSON body: "+err.Error()))
		return
	}
	st := s.next(Request{Header: r.Header.Clone(), Body: body, Chat: chat})
	if st.hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		case <-time.After(maxHang):
		}
		writeBody(w, http.StatusGatewayTimeout, ErrorBody(http.StatusGatewayTimeout, "fake hang"))
		return
	}
	status, out := st.respond(chat)
	writeBody(w, status, out)
}

func writeBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// Completion returns a 200 chat completion body whose single choice carries
// content as the assistant's message.
func Completion(model, content string) string {
	return completionBody(model, openai.ChatCompletionMessage{
		Role: openai.ChatMessageRoleAssistant, Content: content,
	}, openai.FinishReasonStop)
}

// completionBody renders the OpenAI response shape; usage is a rough
// estimate (four characters per token).
func completionBody(model string, msg openai.ChatCompletionMessage, finish openai.FinishReason) string {
	tokens := (len(msg.Content) + len(msg.Refusal) + 3) / 4
	resp := openai.ChatCompletionResponse{
		ID:      "chatcmpl-" + rand.Text()[:12],
		Object:  "chat.completion",
		Created: time.Now().Unix(),
		Model:   model,
		Choices: []openai.ChatCompletionChoice{{Index: 0, Message: msg, FinishReason: finish}},
		Usage: openai.Usage{
			PromptTokens: 100, CompletionTokens: tokens, TotalTokens: 100 + tokens,
		},
		SystemFingerprint: "fp_llmtest",
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Sprintf("llmtest: encode completion: %v", err))
	}
	return string(b)
}

// ErrorBody returns an OpenAI error object for status.
func ErrorBody(status int, message string) string {
	typ := "invalid_request_error"
	if status >= 500 {
		typ = "server_error"
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": nil,
	}})
	return string(b)
}

// Default answers like a cooperative model: a triage for requests whose
// json_schema is named "triage", a reply for "draft", and a short plain
// answer otherwise.
func Default(req openai.ChatCompletionRequest) (int, string) {
	user := lastUser(req)
	var content any
	switch schemaName(req) {
	case "triage":
		content = defaultTriage(user)
	case "draft":
		content = defaultDraft(user)
	default:
		return http.StatusOK, Completion(req.Model, "OK")
	}
	b, err := json.Marshal(content)
	if err != nil {
		return http.StatusInternalServerError, ErrorBody(http.StatusInternalServerError, err.Error())
	}
	return http.StatusOK, Completion(req.Model, string(b))
}

func schemaName(req openai.ChatCompletionRequest) string {
	if rf := req.ResponseFormat; rf != nil && rf.JSONSchema != nil {
		return rf.JSONSchema.Name
	}
	return ""
}

// lastUser decodes the last user message as a JSON object (empty when it is
// not one).
func lastUser(req openai.ChatCompletionRequest) map[string]any {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == openai.ChatMessageRoleUser {
			var m map[string]any
			if json.Unmarshal([]byte(req.Messages[i].Content), &m) == nil {
				return m
			}
			return map[string]any{}
		}
	}
	return map[string]any{}
}

// defaultTriage classifies the "message" field with a few keywords: enough
// for tests to see that the LLM's answer, not the offline one, was used.
func defaultTriage(user map[string]any) map[string]any {
	text, _ := user["message"].(string)
	low := strings.ToLower(text)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(low, w) {
				return true
			}
		}
		return false
	}
	lang := "en"
	switch {
	case has("bonjour", "merci", "je ", "commande", "vous", "c'est", "pas "):
		lang = "fr"
	case has("hallo", "bedankt", "mijn", "niet", "bestelling", " het "):
		lang = "nl"
	}
	kind, sentiment, urgency := "mention", 0.1, "normal"
	switch {
	case has("broken", "refund", "not working", "terrible", "cassé", "remboursement", "nul", "kapot", "slecht", "werkt niet"):
		kind, sentiment, urgency = "complaint", -0.7, "high"
	case strings.Contains(text, "?"):
		kind, sentiment = "question", 0
	case has("love", "thanks", "great", "merci", "génial", "bedankt", "geweldig"):
		kind, sentiment, urgency = "praise", 0.8, "low"
	}
	return map[string]any{
		"lang": lang, "kind": kind, "sentiment": sentiment, "urgency": urgency,
		"cues": []string{"fake model"},
	}
}

// defaultDraft greets in the requested language and quotes the first FAQ
// answer, or promises a follow-up when there is none.
func defaultDraft(user map[string]any) map[string]any {
	lang, _ := user["reply_language"].(string)
	greeting, fallback := "Hi! ", "Thanks for reaching out, the team will look into it."
	switch {
	case strings.HasPrefix(lang, "French"):
		greeting, fallback = "Bonjour ! ", "Merci pour votre message, l'équipe va regarder cela."
	case strings.HasPrefix(lang, "Dutch"):
		greeting, fallback = "Hallo! ", "Bedankt voor je bericht, het team kijkt ernaar."
	}
	reply := greeting + fallback
	if faq, ok := user["faq"].([]any); ok && len(faq) > 0 {
		if e, ok := faq[0].(map[string]any); ok {
			if a, ok := e["answer"].(string); ok && a != "" {
				reply = greeting + a
			}
		}
	}
	return map[string]any{"reply": reply}
}
