package bot

import (
	"context"
	"fmt"
	"time"
)

// Every registers fn on timers as the task of kind (also the record's key),
// run every period: each run that succeeds schedules the next one period
// after it; a run that fails is handed again by the timer's back-off. fn is
// given the clock's time of the run.
//
// It returns start, which schedules a run now (replacing the pending one):
// call it once the skill runs, so that every start-up runs the task once,
// then every period.
func Every(timers Timers, clock Clock, kind string, period time.Duration, fn func(ctx context.Context, now time.Time) error) (start func(ctx context.Context) error) {
	timers.Handle(kind, func(ctx context.Context, r TimerRecord) error {
		now := clock.Now()
		if err := fn(ctx, now); err != nil {
			return err
		}
		if err := timers.Schedule(ctx, TimerRecord{Kind: kind, Key: kind, At: now.Add(period)}); err != nil {
			return fmt.Errorf("schedule the next %s: %w", kind, err)
		}
		return nil
	})
	return func(ctx context.Context) error {
		if err := timers.Schedule(ctx, TimerRecord{Kind: kind, Key: kind, At: clock.Now()}); err != nil {
			return fmt.Errorf("schedule %s: %w", kind, err)
		}
		return nil
	}
}
