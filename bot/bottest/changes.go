package bottest

import (
	"context"
	"sync"
)

// Changes lets a fake's helpers wait until its state, guarded by the
// fake's own mutex, reaches a condition: every change calls Notify, and
// Wait re-checks its condition after each. The zero value is ready to use.
// Notify is called with the mutex held; Wait takes the mutex itself.
type Changes struct {
	ch chan struct{} // closed by the next Notify; nil until a Wait needs it
}

// Notify wakes every waiter, which then re-checks its condition. The
// caller holds the mutex passed to Wait.
func (c *Changes) Notify() {
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// Wait returns nil as soon as cond, called with mu held, is true, and
// ctx's error if ctx ends first. mu must not be held by the caller.
func (c *Changes) Wait(ctx context.Context, mu sync.Locker, cond func() bool) error {
	for {
		mu.Lock()
		ok := cond()
		if !ok && c.ch == nil {
			c.ch = make(chan struct{})
		}
		ch := c.ch
		mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
