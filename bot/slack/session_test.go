package slack

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
)

// handlerGoroutines counts the goroutines the session started for events.
func handlerGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("slack.(*session).run.func1("))
}

// A burst of events never has more handler goroutines than the
// concurrency: whoever delivers the events waits for a slot before a
// goroutine is started, and every event is still handled.
func TestBurstNeverExceedsConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const burst, limit = 20, 3
		ctx, cancel := context.WithCancel(t.Context())
		s := newSession(ctx, &Platform{concurrency: limit}, nil)
		gate := make(chan struct{})
		var (
			mu                         sync.Mutex
			running, most, handled, in int
		)
		go func() { // the socket reader, delivering a burst
			for range burst {
				s.spawn(func(context.Context) {
					mu.Lock()
					running++
					most = max(most, running)
					mu.Unlock()
					<-gate
					mu.Lock()
					running--
					handled++
					mu.Unlock()
				})
				mu.Lock()
				in++
				mu.Unlock()
			}
		}()
		synctest.Wait()
		mu.Lock()
		if in != limit || running != limit {
			t.Errorf("with every slot taken: %d events taken in, %d handlers running; want %d and %d", in, running, limit, limit)
		}
		mu.Unlock()
		for i := range burst {
			if n := handlerGoroutines(); n > limit {
				t.Errorf("after %d handled: %d handler goroutines, want at most %d", i, n, limit)
				break
			}
			gate <- struct{}{}
			synctest.Wait()
		}
		close(gate)
		cancel()
		s.close()
		if handled != burst || most > limit {
			t.Errorf("handled %d of %d, at most %d at once (limit %d)", handled, burst, most, limit)
		}
	})
}
