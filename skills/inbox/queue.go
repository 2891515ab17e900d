package inbox

import (
	"context"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// queue is the inbox's bounded work queue: the ids of items with work
// (bot.Item.Work) and when each may run. It is only a schedule: the work
// itself is in the store's outbox, so an id the queue refuses when full, or
// forgets at a stop, is not lost: a sweep (or the next start) reads it back.
//
// An id is queued once: adding it again keeps the earlier time, so a burst
// of follow-ups queued a quiet period ahead runs once, at the end of the
// period that the first of them opened. An id being worked on is not handed
// to a second worker; added meanwhile, it runs again afterwards.
type queue struct {
	now   func() time.Time
	limit int
	depth bot.Gauge

	mu      sync.Mutex
	due     map[uint64]time.Time
	running map[uint64]bool
	// attempts counts the failed runs of an id since its last success.
	attempts map[uint64]int
	// deferred is set when an id was refused: the outbox holds work the
	// queue does not, and a sweep must read it once there is room.
	deferred bool
	// changed is closed (and replaced) at every change, waking waiters.
	changed chan struct{}
}

func newQueue(now func() time.Time, limit int, depth bot.Gauge) *queue {
	return &queue{now: now, limit: limit, depth: depth, due: map[uint64]time.Time{},
		running: map[uint64]bool{}, attempts: map[uint64]int{}, changed: make(chan struct{})}
}

// add queues id to run after delay, or keeps its earlier time; it reports
// false, and remembers that work was deferred, when the queue is full.
func (q *queue) add(id uint64, delay time.Duration) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	at := q.now().Add(delay)
	if cur, ok := q.due[id]; ok {
		if at.Before(cur) {
			q.due[id] = at
			q.wake()
		}
		return true
	}
	if len(q.due)+len(q.running) >= q.limit {
		q.deferred = true
		return false
	}
	q.due[id] = at
	q.wake()
	return true
}

// next waits for an id that is due and not being worked on, marks it
// running and returns it; false once ctx is done.
func (q *queue) next(ctx context.Context) (uint64, bool) {
	for {
		q.mu.Lock()
		var (
			best   uint64
			bestAt time.Time
		)
		for id, at := range q.due {
			if !q.running[id] && (best == 0 || at.Before(bestAt)) {
				best, bestAt = id, at
			}
		}
		now := q.now()
		if best != 0 && !bestAt.After(now) {
			delete(q.due, best)
			q.running[best] = true
			q.wake()
			q.mu.Unlock()
			return best, true
		}
		changed := q.changed
		q.mu.Unlock()
		var (
			t     *time.Timer
			timer <-chan time.Time
		)
		if best != 0 {
			t = time.NewTimer(bestAt.Sub(now))
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return 0, false
		}
	}
}

// done ends the work on id. It reports whether a sweep of the outbox is
// owed: work was deferred and the queue is at most half full again.
func (q *queue) done(id uint64) (sweep bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.running, id)
	q.wake()
	if q.deferred && len(q.due)+len(q.running) <= q.limit/2 {
		q.deferred = false
		return true
	}
	return false
}

// wake tells the waiters something changed and updates the depth gauge;
// q.mu is held.
func (q *queue) wake() {
	close(q.changed)
	q.changed = make(chan struct{})
	q.depth.Set(float64(len(q.due) + len(q.running)))
}

// failed counts a failed run of id and returns how many there were.
func (q *queue) failed(id uint64) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.attempts[id]++
	return q.attempts[id]
}

// forget forgets id's failed runs.
func (q *queue) forget(id uint64) {
	q.mu.Lock()
	delete(q.attempts, id)
	q.mu.Unlock()
}
