package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Timers is the bot's one durable timer (bot.Timers) and its runner
// (bot.Runner), over four buckets of the database:
//
//   - timers: pending records under TimeKey(due, kind, key), so the earliest
//     is the first key;
//   - timer_index: kind 0 key → that key, so Schedule replaces and Cancel
//     removes in O(log n);
//   - timer_flight: records handed to a handler that has not returned yet,
//     by sequence number: a record moves there in the same transaction that
//     takes it out of timers, so it is handed to one worker only, and a stop
//     leaves it there to be handed again (Redelivered) at the next start;
//   - timer_held: due records whose kind has no handler in this process,
//     by kind 0 key: kept, and put back when a later start has the handler.
//
// The runner reads only the first key of timers and sleeps until it is due;
// Schedule wakes it when the new record is earlier. Handlers run outside any
// transaction on timerWorkers workers, so one slow handler does not hold up
// the others; their outcomes are recorded by one goroutine, as many per
// commit as have arrived. Run one Timers per database.
//
// A record is handed out once per occurrence; a handler whose record cannot
// be marked done (a failed commit, a stop) sees it again with Redelivered
// set. Handlers for the same kind and key may overlap when a record is
// rescheduled while its previous occurrence still runs.
type Timers struct {
	db    *DB
	clock bot.Clock
	log   *slog.Logger
	wake  chan struct{}

	mu       sync.Mutex
	handlers map[string]bot.TimerFunc
	logged   map[string]bool // kinds already logged as having no handler
	// waiting is the due time the runner sleeps until; zero while it is
	// not asleep on a record (busy, or nothing pending).
	waiting time.Time
}

var (
	_ bot.Timers = (*Timers)(nil)
	_ bot.Runner = (*Timers)(nil)
)

const (
	// timerWorkers is how many handlers run at once.
	timerWorkers = 4
	// timerClaim bounds the records one transaction hands out, the queue
	// of records waiting for a worker, and the outcomes one commit records:
	// at most 2×timerClaim+timerWorkers records are in flight at once.
	timerClaim = 64
	// timerRetryStore is how long the runner waits after a failed read or
	// write of the timer buckets before it tries again.
	timerRetryStore = 10 * time.Second
)

// timerBackoff is the delay before a record whose handler failed for the
// n-th time in a row (n ≥ 1) is handed again: 10 s, doubling, at most 1 h.
func timerBackoff(n int) time.Duration {
	return min(10*time.Second<<min(n-1, 10), time.Hour)
}

// timerValue is a stored record. At stays the occurrence's time when a
// failed record is retried later: only its key carries the retry time.
type timerValue struct {
	bot.TimerRecord
	// Failures counts the handler's failures in a row.
	Failures int `json:"failures,omitempty"`
}

// timerJob is a record handed to a worker; seq is its key in timer_flight.
type timerJob struct {
	seq uint64
	rec timerValue
}

// NewTimers returns the timer of db. Time comes from clock (nil: time.Now).
func NewTimers(db *DB, clock bot.Clock) *Timers {
	return &Timers{db: db, clock: clock, log: db.log.With("part", "timers"), wake: make(chan struct{}, 1),
		handlers: map[string]bot.TimerFunc{}, logged: map[string]bool{}}
}

// Handle implements bot.Timers. A kind registered twice panics.
func (t *Timers) Handle(kind string, fn bot.TimerFunc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, dup := t.handlers[kind]; dup {
		panic("storage: timer kind " + kind + " registered twice")
	}
	t.handlers[kind] = fn
}

func (t *Timers) handler(kind string) bot.TimerFunc {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.handlers[kind]
}

func timerIndexKey(kind, key string) []byte { return []byte(kind + "\x00" + key) }

type timerBuckets struct{ timers, index, flight, held *bbolt.Bucket }

func bucketsOf(tx *bbolt.Tx) timerBuckets {
	return timerBuckets{tx.Bucket([]byte(BucketTimers)), tx.Bucket([]byte(BucketTimerIndex)),
		tx.Bucket([]byte(BucketTimerFlight)), tx.Bucket([]byte(BucketTimerHeld))}
}

// put stores v as the pending record of its kind and key, due at due,
// replacing any pending or held one.
func (b timerBuckets) put(v timerValue, due time.Time) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode timer %s/%s: %w", v.Kind, v.Key, err)
	}
	ik := timerIndexKey(v.Kind, v.Key)
	if old := b.index.Get(ik); old != nil {
		if err := b.timers.Delete(old); err != nil {
			return err
		}
	}
	if err := b.held.Delete(ik); err != nil {
		return err
	}
	k := TimeKey(due, v.Kind, v.Key)
	if err := b.timers.Put(k, raw); err != nil {
		return fmt.Errorf("put timer %s/%s: %w", v.Kind, v.Key, err)
	}
	return b.index.Put(ik, k)
}

// Schedule implements bot.Timers. Kind, Key and At are required, and Kind
// may not contain a 0 byte. Concurrent calls share one commit.
func (t *Timers) Schedule(ctx context.Context, r bot.TimerRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case r.Kind == "" || r.Key == "":
		return fmt.Errorf("schedule timer: kind and key are required (kind %q, key %q)", r.Kind, r.Key)
	case strings.IndexByte(r.Kind, 0) >= 0:
		return fmt.Errorf("schedule timer: kind %q contains a 0 byte", r.Kind)
	case r.At.IsZero():
		return fmt.Errorf("schedule timer %s/%s: no due time", r.Kind, r.Key)
	}
	r.Redelivered = false
	// Batch may run this twice; replacing a record by itself is idempotent.
	err := t.db.batch(func(tx *bbolt.Tx) error {
		return bucketsOf(tx).put(timerValue{TimerRecord: r}, r.At)
	})
	if err != nil {
		return fmt.Errorf("schedule timer %s/%s: %w", r.Kind, r.Key, err)
	}
	t.wakeFor(r.At)
	return nil
}

// Cancel implements bot.Timers. It also removes a held record.
func (t *Timers) Cancel(ctx context.Context, kind, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var found bool
	err := t.db.update(func(tx *bbolt.Tx) error {
		b := bucketsOf(tx)
		ik := timerIndexKey(kind, key)
		found = false
		if k := b.index.Get(ik); k != nil {
			if err := b.timers.Delete(k); err != nil {
				return err
			}
			if err := b.index.Delete(ik); err != nil {
				return err
			}
			found = true
		}
		if b.held.Get(ik) != nil {
			found = true
			return b.held.Delete(ik)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("cancel timer %s/%s: %w", kind, key, err)
	}
	return found, nil
}

// wakeFor wakes the runner unless it sleeps until a time no later than at.
func (t *Timers) wakeFor(at time.Time) {
	t.mu.Lock()
	w := t.waiting.IsZero() || at.Before(t.waiting)
	t.mu.Unlock()
	if w {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

func (t *Timers) setWaiting(at time.Time) {
	t.mu.Lock()
	t.waiting = at
	t.mu.Unlock()
}

// Run hands due records to their handlers until ctx is done, then returns
// nil once the running handlers have returned. It first puts back held
// records whose kind now has a handler, and hands again the records a
// stopped process left in flight, with Redelivered set. Records queued for
// a worker when ctx ends stay in flight for the next start.
func (t *Timers) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	jobs := make(chan timerJob, timerClaim)
	outcomes := make(chan timerOutcome, timerClaim)
	recorded := make(chan struct{})
	go func() { defer close(recorded); t.recordOutcomes(outcomes) }()
	var workers sync.WaitGroup
	defer func() { cancel(); workers.Wait(); close(outcomes); <-recorded }()
	for range timerWorkers {
		workers.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-jobs:
					if o, ok := t.fire(ctx, j); ok {
						outcomes <- o
					}
				}
			}
		})
	}
	again, err := t.restore()
	if err != nil {
		return err
	}
	for _, j := range again {
		select {
		case jobs <- j:
		case <-ctx.Done():
			return nil
		}
	}
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	for {
		t.setWaiting(time.Time{})
		claimed, next, err := t.claim(t.clock.Now(), timerClaim)
		if err != nil {
			t.log.Error("read due timers; trying again shortly", "err", err)
			next = t.clock.Now().Add(timerRetryStore)
		}
		for _, j := range claimed {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return nil
			}
		}
		if len(claimed) > 0 {
			continue // more may be due
		}
		var alarm <-chan time.Time
		if !next.IsZero() {
			t.setWaiting(next)
			sleep.Reset(max(next.Sub(t.clock.Now()), 0))
			alarm = sleep.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.wake:
		case <-alarm:
		}
		sleep.Stop()
	}
}

// restore puts held records that now have a handler back in timers, moves
// in-flight records that have none to held, and returns the other in-flight
// records, to be handed again.
func (t *Timers) restore() ([]timerJob, error) {
	var again []timerJob
	err := t.db.update(func(tx *bbolt.Tx) error {
		again = again[:0]
		b := bucketsOf(tx)
		var back []timerValue
		if err := b.held.ForEach(func(k, raw []byte) error {
			var v timerValue
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("decode held timer %q: %w", k, err)
			}
			if t.handler(v.Kind) != nil {
				back = append(back, v)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, v := range back {
			if err := b.put(v, v.At); err != nil {
				return err
			}
		}
		var orphans [][]byte
		if err := b.flight.ForEach(func(k, raw []byte) error {
			var v timerValue
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("decode timer in flight %x: %w", k, err)
			}
			if t.handler(v.Kind) == nil {
				orphans = append(orphans, k)
				return nil
			}
			v.Redelivered = true
			again = append(again, timerJob{seq: KeyU64(k), rec: v})
			return nil
		}); err != nil {
			return err
		}
		for _, k := range orphans {
			raw := bytes.Clone(b.flight.Get(k))
			var v timerValue
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("decode timer in flight %x: %w", k, err)
			}
			if err := b.held.Put(timerIndexKey(v.Kind, v.Key), raw); err != nil {
				return err
			}
			if err := b.flight.Delete(k); err != nil {
				return err
			}
			t.noHandler(v.Kind)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("restore timers: %w", err)
	}
	if len(again) > 0 {
		t.log.Warn("timer records left in flight by a stop are handed again", "count", len(again))
	}
	return again, nil
}

// claim moves up to n records due at now from timers to timer_flight (to
// timer_held when their kind has no handler) in one transaction and returns
// them. next is the due time of the first record left (zero: none). When
// nothing is due it only reads.
func (t *Timers) claim(now time.Time, n int) (claimed []timerJob, next time.Time, err error) {
	err = t.db.bolt.View(func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket([]byte(BucketTimers)).Cursor().First(); k != nil {
			next = KeyTime(k)
		}
		return nil
	})
	if err != nil || next.IsZero() || next.After(now) {
		return nil, next, err
	}
	var unhandled []string
	err = t.db.update(func(tx *bbolt.Tx) error {
		claimed, unhandled, next = claimed[:0], unhandled[:0], time.Time{}
		b := bucketsOf(tx)
		c := b.timers.Cursor()
		for len(claimed) < n {
			k, v0 := c.First()
			if k == nil {
				return nil
			}
			if due := KeyTime(k); due.After(now) {
				next = due
				return nil
			}
			raw := bytes.Clone(v0)
			var v timerValue
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("decode timer %x: %w", k, err)
			}
			ik := timerIndexKey(v.Kind, v.Key)
			if t.handler(v.Kind) == nil {
				if err := b.held.Put(ik, raw); err != nil {
					return err
				}
				unhandled = append(unhandled, v.Kind)
			} else {
				seq, err := b.flight.NextSequence()
				if err != nil {
					return err
				}
				if err := b.flight.Put(U64Key(seq), raw); err != nil {
					return err
				}
				claimed = append(claimed, timerJob{seq: seq, rec: v})
			}
			if err := c.Delete(); err != nil {
				return err
			}
			if err := b.index.Delete(ik); err != nil {
				return err
			}
		}
		if k, _ := c.First(); k != nil {
			next = KeyTime(k)
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("hand out due timers: %w", err)
	}
	for _, kind := range unhandled {
		t.noHandler(kind)
	}
	return claimed, next, nil
}

// noHandler logs, once per kind and process, that records of kind are kept
// without a handler.
func (t *Timers) noHandler(kind string) {
	t.mu.Lock()
	first := !t.logged[kind]
	t.logged[kind] = true
	t.mu.Unlock()
	if first {
		t.log.Warn("timer records of a kind nobody handles are kept until a handler exists", "kind", kind)
	}
}

// timerOutcome is what a handler's return means for its record: done
// (retry zero: the record goes) or failed (due again at retry).
type timerOutcome struct {
	job   timerJob
	retry time.Time
}

// fire runs the handler of j and returns the outcome to record; ok is false
// when ctx ended during a failing handler: the record then stays in flight,
// to be handed again at the next start.
func (t *Timers) fire(ctx context.Context, j timerJob) (o timerOutcome, ok bool) {
	failed := call(ctx, t.handler(j.rec.Kind), j.rec.TimerRecord)
	if failed == nil {
		return timerOutcome{job: j}, true
	}
	if ctx.Err() != nil {
		return o, false
	}
	j.rec.Failures++
	o = timerOutcome{job: j, retry: t.clock.Now().Add(timerBackoff(j.rec.Failures))}
	t.log.Error("timer handler failed; handing the record again later", "kind", j.rec.Kind, "key", j.rec.Key,
		"failures", j.rec.Failures, "retry_at", o.retry, "err", failed)
	return o, true
}

// recordOutcomes records the outcomes it receives until outcomes is
// closed, each group that has arrived in one commit: a done record leaves
// timer_flight; a failed one goes back to timers at its retry time, unless
// its kind and key were scheduled again meanwhile (the new record stays).
func (t *Timers) recordOutcomes(outcomes <-chan timerOutcome) {
	group := make([]timerOutcome, 0, timerClaim)
	for o := range outcomes {
		group = append(group[:0], o)
	drain:
		for len(group) < cap(group) {
			select {
			case o, open := <-outcomes:
				if !open {
					break drain
				}
				group = append(group, o)
			default:
				break drain
			}
		}
		err := t.db.update(func(tx *bbolt.Tx) error {
			b := bucketsOf(tx)
			for _, o := range group {
				seq, rec := U64Key(o.job.seq), o.job.rec
				if err := b.flight.Delete(seq); err != nil {
					return err
				}
				if o.retry.IsZero() || b.index.Get(timerIndexKey(rec.Kind, rec.Key)) != nil {
					continue
				}
				if err := b.put(rec, o.retry); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.log.Error("record timer outcomes; those records are handed again at the next start",
				"count", len(group), "err", err)
			continue
		}
		for _, o := range group {
			if !o.retry.IsZero() {
				t.wakeFor(o.retry)
			}
		}
	}
}

// call runs fn, turning a panic into an error.
func call(ctx context.Context, fn bot.TimerFunc, r bot.TimerRecord) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("timer handler panicked: %v", p)
		}
	}()
	return fn(ctx, r)
}
