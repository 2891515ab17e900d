package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/url"
	"strconv"

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
// bounded key such as "channels/ID/messages"). It waits for the bucket's
// reset and for a 429's retry_after, but never past ctx. Errors:
//   - a *bot.Error with CodeUnavailable when ctx ends before the request is sent;
//   - a *discordgo.RESTError for an HTTP error status (4xx: definite failure);
//   - an error wrapping bot.ErrUnknownOutcome when the request may have
//     reached Discord and its result is unknown (timeout, connection lost,
//     5xx).
func (p *Platform) callRaw(ctx context.Context, method, endpoint, bucket, contentType string, body []byte, out any, opts ...discordgo.RequestOption) error {
	opts = append(opts, discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false), discordgo.WithRestRetries(0))
	for attempt := 0; ; attempt++ {
		if err := p.waitBucket(ctx, bucket); err != nil {
			return fmt.Errorf("%s %s: %w", method, bucket, err)
		}
		resp, err := p.s.RequestRaw(method, endpoint, contentType, body, bucket, 0, opts...)
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
			return fmt.Errorf("%s %s: %w", method, bucket, classify(err))
		}
		if out != nil && len(resp) > 0 {
			if err := json.Unmarshal(resp, out); err != nil {
				return fmt.Errorf("%s %s: decode answer: %w", method, bucket, err)
			}
		}
		return nil
	}
}

// waitBucket waits, within ctx, until discordgo's bucket (or the global
// limit) allows a request, so discordgo's own uninterruptible sleep is not
// reached in the usual case.
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

// classify marks errors whose outcome is unknown.
func classify(err error) error {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) {
		if rest.Response != nil && rest.Response.StatusCode >= 500 {
			return fmt.Errorf("%w: %w", bot.ErrUnknownOutcome, err)
		}
		return err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return err // never sent
	}
	// A transport error, a context that ended mid-request, or discordgo's
	// "Exceeded Max retries" for a 502: the request may have been carried out.
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
