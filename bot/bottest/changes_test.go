package bottest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commpilot/commpilot/bot/bottest"
)

// A waiter wakes on the Notify that makes its condition true, and only then.
func TestChangesWaitWakesOnNotify(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu sync.Mutex
			c  bottest.Changes
			n  int
		)
		done := make(chan error, 1)
		go func() { done <- c.Wait(t.Context(), &mu, func() bool { return n >= 2 }) }()
		for i := range 2 {
			synctest.Wait()
			select {
			case err := <-done:
				t.Fatalf("Wait returned %v with n=%d, want it to wait for n=2", err, i)
			default:
			}
			mu.Lock()
			n++
			c.Notify()
			mu.Unlock()
		}
		if err := <-done; err != nil {
			t.Fatalf("Wait = %v, want nil once n=2", err)
		}
	})
}

// A condition that never holds ends with the context's error.
func TestChangesWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu sync.Mutex
			c  bottest.Changes
		)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err := c.Wait(ctx, &mu, func() bool { return false })
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Fatalf("Wait = %v after %v, want DeadlineExceeded after 1s", err, time.Since(start))
		}
	})
}
