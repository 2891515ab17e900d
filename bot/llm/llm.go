// Package llm classifies community messages and drafts replies with a large
// language model behind any OpenAI-compatible chat completions API (OpenAI,
// Azure-style proxies, Ollama, vLLM, llama.cpp), through go-openai.
//
// The LLM is an improvement, never a dependency: Client.Classifier and
// Client.Drafter wrap the offline bot.Classifier and bot.Drafter and fall back
// to them on any failure, saying why (bot.Triage.Fallback, bot.Draft.Note).
//
// # Untrusted input
//
// Community text never becomes instructions. The system prompts are
// constants; everything that varies is sent in the user message as one JSON
// object whose fields the system prompt names as data ("message", "author",
// "previous_draft") or as the team's settings ("team_voice",
// "reply_language", "instruction"). Answers are forced into a strict JSON
// schema and validated; a draft that would ping everyone is refused.
//
// # Failures
//
// Each attempt is bounded by Config.Timeout (and the caller's deadline). A
// timeout, a connection error, HTTP 408, 429 or 5xx is retried once; other
// failures (HTTP 4xx, malformed or schema-invalid output, refusal, content
// filter, truncation) are not. Every fallback is logged with its reason and
// counted in commpilot_llm_fallbacks_total{op,reason}; every attempt in
// commpilot_llm_requests_total{op,outcome} and
// commpilot_llm_request_duration_seconds{op}.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/commpilot/commpilot/bot"
)

// Defaults for Config.
const (
	DefaultBaseURL = "https://api.openai.com/v1"
	DefaultModel   = "gpt-4o-mini"
	DefaultTimeout = 8 * time.Second
)

// retryDelay is the pause before the single retry.
const retryDelay = 250 * time.Millisecond

// Operations, the "op" label of the metrics.
const (
	opClassify = "classify"
	opDraft    = "draft"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. "https://api.openai.com/v1" (the default)
	// or "http://127.0.0.1:11434/v1".
	BaseURL string
	// APIKey is sent as a bearer token; leave it empty for a key-less local
	// server (then no Authorization header is sent). Required when BaseURL is
	// the default.
	APIKey string
	// Model defaults to DefaultModel.
	Model string
	// Timeout bounds each attempt (default DefaultTimeout).
	Timeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics makes the client's counters and histogram; nil records nothing.
	Metrics bot.Metrics
	// HTTPClient carries the requests (default: a new http.Client whose
	// deadlines come from the context).
	HTTPClient *http.Client
}

// Client talks to one model on one OpenAI-compatible server. It is safe for
// concurrent use.
type Client struct {
	api     *openai.Client
	model   string
	timeout time.Duration
	apiKey  string
	log     *slog.Logger

	// triageFormat and draftFormat are built once and only read.
	triageFormat *openai.ChatCompletionResponseFormat
	draftFormat  *openai.ChatCompletionResponseFormat

	requests  bot.CounterVec
	fallbacks bot.CounterVec
	latency   bot.HistogramVec
}

// New returns a Client for cfg. It does not contact the server.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		if cfg.APIKey == "" {
			return nil, errors.New("new llm client: OPENAI_API_KEY is required for the OpenAI API; set OPENAI_BASE_URL for a key-less local server")
		}
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("new llm client: base URL must be http(s)://host[/path], got %q", redactURL(cfg.BaseURL))
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = cfg.HTTPClient
	c := &Client{
		api:     openai.NewClientWithConfig(oc),
		model:   cfg.Model,
		timeout: cfg.Timeout,
		apiKey:  cfg.APIKey,
		log:     cfg.Logger.With("component", "llm", "model", cfg.Model),

		triageFormat: schemaFormat("triage", triageSchema()),
		draftFormat:  schemaFormat("draft", draftSchema()),
	}
	if cfg.Metrics == nil {
		cfg.Metrics = bot.NoMetrics{}
	}
	if c.requests, err = cfg.Metrics.Counter("commpilot_llm_requests_total",
		"LLM requests (attempts), by operation and outcome (ok or the failure reason).", "op", "outcome"); err != nil {
		return nil, fmt.Errorf("new llm client: metrics: %w", err)
	}
	if c.fallbacks, err = cfg.Metrics.Counter("commpilot_llm_fallbacks_total",
		"LLM operations answered by the offline fallback, by operation and reason.", "op", "reason"); err != nil {
		return nil, fmt.Errorf("new llm client: metrics: %w", err)
	}
	if c.latency, err = cfg.Metrics.Histogram("commpilot_llm_request_duration_seconds",
		"Duration of one LLM request (attempt).", bot.ExponentialBuckets(0.05, 2, 10), "op"); err != nil {
		return nil, fmt.Errorf("new llm client: metrics: %w", err)
	}
	return c, nil
}

// Model returns the model the client asks for.
func (c *Client) Model() string { return c.model }

// failure is why an LLM answer was not used: a bounded metric label, a short
// note safe to show on a card, whether a retry may help, and the cause (for
// the log only).
type failure struct {
	reason string
	note   string
	retry  bool
	err    error
}

func (f *failure) Error() string { return f.reason + ": " + f.note }

func (f *failure) Unwrap() error { return f.err }

// invalid is the failure of an answer that parsed but broke the contract.
func invalid(note string, err error) *failure {
	return &failure{reason: "schema", note: note, err: err}
}

// complete sends req (with c's model) and hands the first choice's content
// to parse, in at most two attempts. It returns nil when parse accepted an
// answer, else the last attempt's failure.
func (c *Client) complete(ctx context.Context, op string, req openai.ChatCompletionRequest, parse func(content string) error) *failure {
	req.Model = c.model
	var f *failure
	for attempt := 1; attempt <= 2; attempt++ {
		if attempt > 1 {
			if !f.retry || !bot.Sleep(ctx, retryDelay) {
				break
			}
			c.log.DebugContext(ctx, "llm attempt failed, retrying", "op", op, "reason", f.reason, "err", c.redact(f.err))
		}
		f = c.attempt(ctx, op, req, parse)
		if f == nil {
			return nil
		}
	}
	return f
}

// attempt makes one request under the per-attempt timeout.
func (c *Client) attempt(ctx context.Context, op string, req openai.ChatCompletionRequest, parse func(string) error) *failure {
	limit := c.timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = max(time.Until(dl), 0)
	}
	actx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	start := time.Now()
	resp, err := c.api.CreateChatCompletion(actx, req)
	var f *failure
	switch {
	case err != nil:
		f = classifyErr(ctx, actx, err, limit)
	default:
		f = answer(resp, parse)
	}
	outcome := "ok"
	if f != nil {
		outcome = f.reason
	}
	c.requests.With(op, outcome).Inc()
	c.latency.With(op).Observe(time.Since(start).Seconds())
	return f
}

// answer checks the response's first choice and parses its content.
func answer(resp openai.ChatCompletionResponse, parse func(string) error) *failure {
	if len(resp.Choices) == 0 {
		return &failure{reason: "empty", note: "LLM returned no answer"}
	}
	ch := resp.Choices[0]
	switch {
	case ch.Message.Refusal != "":
		return &failure{reason: "refusal", note: "LLM refused to answer"}
	case ch.FinishReason == openai.FinishReasonContentFilter:
		return &failure{reason: "filtered", note: "LLM answer was blocked by its content filter"}
	case ch.FinishReason == openai.FinishReasonLength:
		return &failure{reason: "truncated", note: "LLM answer was cut off"}
	case strings.TrimSpace(ch.Message.Content) == "":
		return &failure{reason: "empty", note: "LLM returned no answer"}
	}
	if err := parse(unfence(ch.Message.Content)); err != nil {
		var f *failure
		if errors.As(err, &f) {
			return f
		}
		return &failure{reason: "malformed", note: "LLM returned malformed output", err: err}
	}
	return nil
}

// unfence strips the ```json fences some local models add around JSON.
func unfence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
}

// classifyErr turns an error of CreateChatCompletion into a failure. ctx is
// the caller's context, actx the attempt's.
func classifyErr(ctx, actx context.Context, err error, limit time.Duration) *failure {
	var (
		apiErr *openai.APIError
		reqErr *openai.RequestError
		urlErr *url.Error
		synErr *json.SyntaxError
		typErr *json.UnmarshalTypeError
	)
	switch {
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &failure{reason: "canceled", note: "LLM request was canceled", err: err}
	case actx.Err() != nil:
		return &failure{reason: "timeout", note: "LLM timed out after " + roundLimit(limit),
			retry: ctx.Err() == nil, err: err}
	case errors.As(err, &apiErr):
		return httpFailure(apiErr.HTTPStatusCode, fmt.Errorf("HTTP %d, type %q, code %v", apiErr.HTTPStatusCode, apiErr.Type, apiErr.Code))
	case errors.As(err, &reqErr):
		// RequestError's text holds the raw body: keep only the status.
		return httpFailure(reqErr.HTTPStatusCode, fmt.Errorf("HTTP %d without an OpenAI error object", reqErr.HTTPStatusCode))
	case errors.As(err, &urlErr), errors.Is(err, io.ErrUnexpectedEOF):
		return &failure{reason: "unreachable", note: "LLM server unreachable", retry: true, err: err}
	case errors.As(err, &synErr), errors.As(err, &typErr), errors.Is(err, io.EOF):
		return &failure{reason: "bad_response", note: "LLM server sent an unreadable response", err: err}
	default:
		return &failure{reason: "request", note: "LLM request could not be made", err: err}
	}
}

func httpFailure(status int, cause error) *failure {
	reason := "http_4xx"
	retry := status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
	switch {
	case status == http.StatusTooManyRequests:
		reason = "http_429"
	case status >= 500:
		reason = "http_5xx"
	}
	return &failure{reason: reason, note: fmt.Sprintf("LLM returned an error (HTTP %d)", status), retry: retry, err: cause}
}

// roundLimit renders d for a human: "8s", "7.5s", "300ms".
func roundLimit(d time.Duration) string {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// fellBack logs and counts a fallback. The message text is never logged.
func (c *Client) fellBack(ctx context.Context, op string, f *failure) {
	c.fallbacks.With(op, f.reason).Inc()
	c.log.WarnContext(ctx, "llm failed, using the offline result", "op", op, "reason", f.reason,
		"note", f.note, "err", c.redact(f.err))
}

// redact renders err for the log without the API key.
func (c *Client) redact(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if c.apiKey != "" {
		s = strings.ReplaceAll(s, c.apiKey, "[redacted]")
	}
	return s
}

// redactURL drops a password from a URL string.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// jsonText encodes v as compact JSON without HTML escaping, so the model
// reads "<" and "&" as written.
func jsonText(v any) (string, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(sb.String(), "\n"), nil
}

// schemaFormat asks for a strict JSON schema answer.
func schemaFormat(name string, schema json.RawMessage) *openai.ChatCompletionResponseFormat {
	return &openai.ChatCompletionResponseFormat{
		Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
			Name: name, Schema: schema, Strict: true,
		},
	}
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + " […]"
}
