package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

// maxRateLimitRetries bounds how often one call waits out a 429.
const maxRateLimitRetries = 3

// interactionBuckets is how many rate-limit buckets interaction callbacks
// and webhook edits share. discordgo would key them by interaction token,
// one bucket per interaction kept forever; a fixed set keeps memory flat.
const interactionBuckets = 16

// interactionBucket returns the bucket for the interaction with id.
func interactionBucket(id string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return "interactions/" + strconv.Itoa(int(h.Sum32()%interactionBuckets))
}

// call sends a JSON request (body may be nil) and decodes the answer into out
// (may be nil). See callRaw.
func (p *Platform) call(ctx context.Context, method, endpoint, bucket string, body, out any, opts ...discordgo.RequestOption) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s %s: encode: %w", method, bucket, err)
		}
	}
	return p.callRaw(ctx, method, endpoint, bucket, "application/json", b, out, opts...)
}

// callRaw sends one request with discordgo in rate-limit bucket bucket (a
// bounded key such as "channels/ID/messages"). Calls in one bucket take
// turns through the adapter's own gate, so a call never waits on
// discordgo's bucket lock, which ignores contexts; it waits for its turn,
// the bucket's reset and a 429's retry_after, but never past ctx. Errors:
//   - a *bot.Error with CodeUnavailable when ctx ends before the request is sent;
//   - a *discordgo.RESTError for an HTTP error status (4xx: definite failure);
//   - a definite failure for a request that never reached the wire (a dial
//     error, ctx ending before the connection was used) and for a 429
//     whose body is not Discord's JSON;
//   - an error wrapping bot.ErrUnknownOutcome when the request may have
//     reached Discord and its result is unknown (timeout or connection lost
//     after it was sent, 5xx, a 2xx answer that cannot be read).
func (p *Platform) callRaw(ctx context.Context, method, endpoint, bucket, contentType string, body []byte, out any, opts ...discordgo.RequestOption) error {
	release, err := p.gates.acquire(ctx, bucket)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, bucket, err)
	}
	defer release()
	for attempt := 0; ; attempt++ {
		if err := p.waitBucket(ctx, bucket); err != nil {
			return fmt.Errorf("%s %s: %w", method, bucket, err)
		}
		tr := &tracker{}
		rctx := httptrace.WithClientTrace(context.WithValue(ctx, trackerKey{}, tr), tr.trace())
		resp, err := p.s.RequestRaw(method, endpoint, contentType, body, bucket, 0,
			append(slices.Clip(opts), discordgo.WithContext(rctx), discordgo.WithRetryOnRatelimit(false), discordgo.WithRestRetries(0))...)
		var rl *discordgo.RateLimitError
		if errors.As(err, &rl) {
			// Its message holds the URL, which may hold an interaction token.
			if attempt == maxRateLimitRetries {
				return fmt.Errorf("%s %s: still rate limited after %d waits (retry_after %s)", method, bucket, attempt, rl.RetryAfter)
			}
			p.log.Info("rate limited", "bucket", bucket, "retry_after", rl.RetryAfter)
			if !bot.Sleep(ctx, rl.RetryAfter) {
				return fmt.Errorf("%s %s: rate limited for %s: %w", method, bucket, rl.RetryAfter, ctx.Err())
			}
			continue
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = bucket // never log interaction tokens or the proxy's address
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, bucket, classify(err, tr))
		}
		if out != nil && len(resp) > 0 {
			if err := json.Unmarshal(resp, out); err != nil {
				// Discord accepted the request: the message may exist.
				return fmt.Errorf("%s %s: %w: decode answer: %w", method, bucket, bot.ErrUnknownOutcome, err)
			}
		}
		return nil
	}
}

// waitBucket waits, within ctx, until discordgo's bucket (or the global
// limit) allows a request, so discordgo's own uninterruptible sleep is not
// reached in the usual case. The caller holds the bucket's gate, so the
// bucket's lock is free or held only briefly.
func (p *Platform) waitBucket(ctx context.Context, bucket string) error {
	rl := p.s.Ratelimiter
	for {
		if err := ctx.Err(); err != nil {
			return &bot.Error{Code: bot.CodeUnavailable, Key: "err.timeout", Err: err}
		}
		b := rl.GetBucket(bucket)
		b.Lock()
		wait := rl.GetWaitTime(b, 1)
		b.Unlock()
		if wait <= 0 {
			return nil
		}
		if !bot.Sleep(ctx, wait) {
			return &bot.Error{Code: bot.CodeUnavailable, Key: "err.timeout", Err: ctx.Err()}
		}
	}
}

// gates lets the adapter's calls in one rate-limit bucket through one at a
// time, waiting for a turn within the caller's context. It holds an entry
// only while a call holds or waits for the bucket, so its size is bounded by
// the calls in flight, not by the buckets ever used.
type gates struct {
	mu sync.Mutex
	m  map[string]*gate
}

type gate struct {
	turn  chan struct{} // holds a token while a call has the bucket
	users int           // calls holding or waiting; guarded by gates.mu
}

// acquire waits for bucket's turn; release must be called once after the
// call. It returns a *bot.Error with CodeUnavailable when ctx ends first.
func (g *gates) acquire(ctx context.Context, bucket string) (release func(), err error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*gate{}
	}
	e := g.m[bucket]
	if e == nil {
		e = &gate{turn: make(chan struct{}, 1)}
		g.m[bucket] = e
	}
	e.users++
	g.mu.Unlock()
	select {
	case e.turn <- struct{}{}:
		return func() {
			<-e.turn
			g.leave(bucket, e)
		}, nil
	case <-ctx.Done():
		g.leave(bucket, e)
		return nil, &bot.Error{Code: bot.CodeUnavailable, Key: "err.timeout",
			Err: fmt.Errorf("waiting behind another request in the bucket: %w", ctx.Err())}
	}
}

func (g *gates) leave(bucket string, e *gate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e.users--; e.users == 0 {
		delete(g.m, bucket)
	}
}

// tracker records how far one HTTP request got, to tell a request that
// never left from one Discord may have carried out.
type tracker struct {
	// used is set once a connection was obtained: from then on the request
	// may be on the wire. It is not cleared by WroteRequest: the write
	// finishing and the context ending can race, and the transport may
	// report the write after the call returned.
	used atomic.Bool
	// failedWrite is set when the last write of the request failed, so
	// the server never got the whole request.
	failedWrite atomic.Bool
	status      atomic.Int32 // HTTP status of the answer, 0 before one
}

// trackerKey carries a *tracker in a request's context to rebase.
type trackerKey struct{}

func (t *tracker) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			t.failedWrite.Store(false)
			t.used.Store(true)
		},
		WroteRequest: func(info httptrace.WroteRequestInfo) { t.failedWrite.Store(info.Err != nil) },
	}
}

// sent reports whether the request may have reached the server whole.
func (t *tracker) sent() bool { return t.used.Load() && !t.failedWrite.Load() }

// classify marks errors whose outcome is unknown; tr tells how far the
// request got.
func classify(err error, tr *tracker) error {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) {
		if rest.Response != nil && rest.Response.StatusCode >= 500 {
			return fmt.Errorf("%w: %w", bot.ErrUnknownOutcome, err)
		}
		return err
	}
	switch status := int(tr.status.Load()); {
	case status == http.StatusTooManyRequests:
		// discordgo could not read the 429's body: Discord refused it.
		return fmt.Errorf("rate limited (HTTP 429) with an unreadable answer: %w", err)
	case status >= 400 && status < 500:
		return err
	case status == 0 && !tr.sent():
		return err // never sent: a dial error, or ctx ended first
	}
	// A transport error after the request was sent, a context that ended
	// mid-request, a 2xx whose body was lost, or discordgo's "Exceeded Max
	// retries" for a 502: the request may have been carried out.
	return fmt.Errorf("%w: %w", bot.ErrUnknownOutcome, err)
}

// statusOf returns the HTTP status of a REST error, or 0.
func statusOf(err error) int {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil {
		return rest.Response.StatusCode
	}
	return 0
}

// discordCode returns Discord's JSON error code of a REST error, or 0.
func discordCode(err error) int {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Message != nil {
		return rest.Message.Code
	}
	return 0
}
