package bot

import "sync"

// dedupe remembers the last n event keys in a ring, so memory stays bounded
// however many events arrive.
type dedupe struct {
	mu   sync.Mutex
	seen map[dedupeKey]struct{}
	ring []dedupeKey
	next int
}

type dedupeKey struct {
	platform PlatformID
	id       string
}

func newDedupe(n int) *dedupe {
	return &dedupe{seen: make(map[dedupeKey]struct{}, n), ring: make([]dedupeKey, n)}
}

// first reports whether key was not seen among the last n keys, and records it.
func (d *dedupe) first(key dedupeKey) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[key]; ok {
		return false
	}
	if old := d.ring[d.next]; old.id != "" {
		delete(d.seen, old)
	}
	d.ring[d.next] = key
	d.next = (d.next + 1) % len(d.ring)
	d.seen[key] = struct{}{}
	return true
}
