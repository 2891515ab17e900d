package bot

import (
	"context"
	"sync"
)

// Redeliveries remembers the ids of the events the engine accepted, so that
// a platform's redelivery of one (a Slack retry, a replayed signed request,
// a Discord event sent again after a resume) is not acted on twice.
// storage.SeenEvents remembers them across restarts; without one the engine
// keeps the last EngineConfig.DedupeSize ids in memory.
type Redeliveries interface {
	// First reports whether the event id of platform was not seen before,
	// and records it. Two concurrent calls with one id get one true.
	First(ctx context.Context, platform PlatformID, id string) (bool, error)
}

// dedupe is the in-memory Redeliveries: it remembers the last n event keys
// in a ring, so memory stays bounded however many events arrive.
type dedupe struct {
	mu   sync.Mutex
	seen map[dedupeKey]struct{}
	ring []dedupeKey
	next int
}

var _ Redeliveries = (*dedupe)(nil)

type dedupeKey struct {
	platform PlatformID
	id       string
}

func newDedupe(n int) *dedupe {
	return &dedupe{seen: make(map[dedupeKey]struct{}, n), ring: make([]dedupeKey, n)}
}

// First reports whether the id was not seen among the last n ids, and
// records it.
func (d *dedupe) First(_ context.Context, platform PlatformID, id string) (bool, error) {
	key := dedupeKey{platform, id}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[key]; ok {
		return false, nil
	}
	if old := d.ring[d.next]; old.id != "" {
		delete(d.seen, old)
	}
	d.ring[d.next] = key
	d.next = (d.next + 1) % len(d.ring)
	d.seen[key] = struct{}{}
	return true, nil
}
