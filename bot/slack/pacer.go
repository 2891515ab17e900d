package slack

import (
	"context"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// maxPacedChannels bounds the pacer's memory; past slots are forgotten when
// it is reached.
const maxPacedChannels = 1000

// pacer spaces posts to one channel by interval (Slack allows about one
// message per second per channel) without delaying other channels. Posts to
// a channel go out in the order they asked.
type pacer struct {
	interval time.Duration

	mu   sync.Mutex
	next map[string]time.Time
}

func newPacer(interval time.Duration) *pacer {
	return &pacer{interval: interval, next: map[string]time.Time{}}
}

// wait reserves the channel's next slot and sleeps until it. It returns
// ctx's error if ctx ends first.
func (p *pacer) wait(ctx context.Context, channel string) error {
	now := time.Now()
	p.mu.Lock()
	if len(p.next) >= maxPacedChannels {
		for k, t := range p.next {
			if t.Before(now) {
				delete(p.next, k)
			}
		}
	}
	slot := p.next[channel]
	if slot.Before(now) {
		slot = now
	}
	p.next[channel] = slot.Add(p.interval)
	p.mu.Unlock()
	if d := slot.Sub(now); d > 0 && !bot.Sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}
