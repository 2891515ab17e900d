package slack

import (
	"context"
	"sync"

	"github.com/commpilot/commpilot/bot"
)

// defaultConcurrency bounds the events handled at once. A further event
// is acknowledged, then waits for a slot before its goroutine starts,
// holding up whoever delivered it (Socket Mode: the reading of the next
// envelopes; HTTP mode: that request's connection).
const defaultConcurrency = 32

// session is one Run: the handler, the contexts the work runs under, and
// the goroutines handling events, which Run waits for before it returns.
type session struct {
	p *Platform
	// ctx is Run's: done when Run stops listening to Slack. Background
	// work (a user-group refresh) stops with it.
	ctx context.Context
	// work is ctx without its cancellation. An acknowledged event is
	// handled and answered under it even when Run is stopping, since Slack
	// will not send it again: the engine bounds each handler with its own
	// deadline, and every Slack call made for the event has its own.
	work context.Context
	h    bot.Handler
	sem  chan struct{}

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newSession(ctx context.Context, p *Platform, h bot.Handler) *session {
	return &session{p: p, ctx: ctx, work: context.WithoutCancel(ctx), h: h, sem: make(chan struct{}, p.concurrency)}
}

// enter holds the session open for a request that arrives from outside it
// (an HTTP request), so that the work the request starts is waited for. It
// reports false once the session is closed; otherwise the caller must call
// leave when done.
func (s *session) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// leave ends what enter started.
func (s *session) leave() { s.wg.Done() }

// spawn runs fn, which handles an acknowledged event, in a goroutine owned
// by the session, with at most p.concurrency running at once: it waits for
// a slot before it starts the goroutine, so a burst never makes more than
// p.concurrency of them, and the caller is held up meanwhile (back-pressure
// on the socket reader; call it after the acknowledgement is written). fn
// runs even if Run stops meanwhile (see session.work).
//
// spawn, spawnUnbounded and background must be called while the session
// cannot finish closing: from Run's goroutine, from a goroutine of the
// session, or between enter and leave.
func (s *session) spawn(fn func(ctx context.Context)) { s.run(s.work, true, fn) }

// spawnUnbounded is spawn without the concurrency bound, for goroutines
// that mostly wait on work spawned with spawn (a modal submission waiting
// for its answer to be posted), so they cannot starve it, and for a modal
// submission's handler, which its acknowledgement waits for.
func (s *session) spawnUnbounded(fn func(ctx context.Context)) { s.run(s.work, false, fn) }

// background runs fn in a goroutine owned by the session under s.ctx, which
// fn must return soon after it ends. It reports false, and does nothing,
// once s.ctx is done.
func (s *session) background(fn func(ctx context.Context)) bool {
	if s.ctx.Err() != nil {
		return false
	}
	s.run(s.ctx, false, fn)
	return true
}

func (s *session) run(ctx context.Context, bounded bool, fn func(ctx context.Context)) {
	if bounded {
		s.sem <- struct{}{} // the slot first: the goroutine holds it
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if bounded {
			defer func() { <-s.sem }()
		}
		fn(ctx)
	}()
}

// close refuses new requests (see enter) and waits for the running
// goroutines: the events being handled, which end
// within the engine's deadline, and background work, which ends with s.ctx.
// Call it from Run's goroutine, once it stopped taking Socket Mode events.
func (s *session) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
}
