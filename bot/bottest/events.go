package bottest

import (
	"context"
	"slices"
	"sync"

	"github.com/commpilot/commpilot/bot"
)

// Events records the events a test's handler saw, in order, and lets the
// test wait for them. The zero value is ready to use; it is safe for
// concurrent use.
type Events struct {
	mu      sync.Mutex
	events  []bot.Event
	changes Changes
}

// Add records e and wakes the waiters.
func (r *Events) Add(e bot.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	r.changes.Notify()
}

// All returns a copy of the recorded events, oldest first.
func (r *Events) All() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// Count returns how many recorded events match.
func (r *Events) Count(match func(bot.Event) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.matchLocked(match))
}

// Wait waits until at least n recorded events match and returns them,
// oldest first. When ctx ends first it returns the matches so far with
// ctx's error.
func (r *Events) Wait(ctx context.Context, n int, match func(bot.Event) bool) ([]bot.Event, error) {
	var got []bot.Event
	err := r.changes.Wait(ctx, &r.mu, func() bool {
		got = r.matchLocked(match)
		return len(got) >= n
	})
	return got, err
}

// matchLocked returns the recorded events that match; r.mu is held.
func (r *Events) matchLocked(match func(bot.Event) bool) []bot.Event {
	var got []bot.Event
	for _, e := range r.events {
		if match(e) {
			got = append(got, e)
		}
	}
	return got
}
