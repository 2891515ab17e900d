package bot

import (
	"context"
	"time"
)

// TimerRecord is one due time kept by Timers: when At comes, the record is
// handed to the function registered for Kind.
type TimerRecord struct {
	// Kind names the handler ("inbox.send", "history.purge",
	// "schedule.post"). Stored: frozen once released.
	Kind string `json:"kind"`
	// Key is unique within Kind ("42", "7@2026-12-01T08:00:00Z"); scheduling
	// the same Kind and Key again replaces the record.
	Key string    `json:"key"`
	At  time.Time `json:"at"`
	// Data is the skill's own payload, opaque to the timer.
	Data []byte `json:"data,omitempty"`
	// Redelivered is set when the record was handed out before but the
	// process stopped before the handler returned: the handler's own state
	// transaction decides whether there is anything left to do.
	Redelivered bool `json:"-"`
}

// TimerFunc handles one due record. Returning nil removes the record; an
// error keeps it and hands it again after a back-off (the error is logged).
type TimerFunc func(ctx context.Context, r TimerRecord) error

// Timers is the one durable timer every skill shares. Records survive
// restarts; the runner wakes at the earliest due record (it never polls the
// whole store) and hands each record to its handler once per occurrence.
// A recurring skill schedules its next occurrence from its handler.
type Timers interface {
	// Handle registers fn for records of kind. Call it at start-up, before
	// the timer runs; a kind registered twice panics.
	Handle(kind string, fn TimerFunc)
	// Schedule stores r durably before returning (replacing any record with
	// the same Kind and Key) and wakes the runner when r is due before the
	// record it waits for.
	Schedule(ctx context.Context, r TimerRecord) error
	// Cancel removes the record of kind and key; it reports whether there
	// was one. A record already handed to its handler is not recalled.
	Cancel(ctx context.Context, kind, key string) (bool, error)
}

// Clock is the one source of time of the core and the skills. Tests use the
// real clock inside testing/synctest bubbles.
type Clock func() time.Time

// Now returns c(), or time.Now() for a nil Clock.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}
