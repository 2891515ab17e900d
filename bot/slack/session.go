package slack

import (
	"context"
	"sync"

	"github.com/commpilot/commpilot/bot"
)

// maxConcurrent bounds the events handled at once; further events wait for
// a slot (their acknowledgement is already sent).
const maxConcurrent = 32

// session is one Run: the handler, the context the work runs under, and the
// goroutines handling events, which Run waits for before it returns.
type session struct {
	p   *Platform
	ctx context.Context
	h   bot.Handler
	sem chan struct{}

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newSession(ctx context.Context, p *Platform, h bot.Handler) *session {
	return &session{p: p, ctx: ctx, h: h, sem: make(chan struct{}, maxConcurrent)}
}

// spawn runs fn in a goroutine owned by the session, with at most
// maxConcurrent running at once. It reports false, and does nothing, once
// the session is closing.
func (s *session) spawn(fn func(ctx context.Context)) bool { return s.run(true, fn) }

// spawnUnbounded is spawn without the concurrency bound, for goroutines
// that mostly wait on work spawned with spawn (a modal submission waiting
// for its handler), so they cannot starve it.
func (s *session) spawnUnbounded(fn func(ctx context.Context)) bool { return s.run(false, fn) }

func (s *session) run(bounded bool, fn func(ctx context.Context)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if bounded {
			select {
			case s.sem <- struct{}{}:
			case <-s.ctx.Done():
				return
			}
			defer func() { <-s.sem }()
		}
		fn(s.ctx)
	}()
	return true
}

// close refuses new work and waits for the running goroutines, which stop
// with the session's context.
func (s *session) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
}
