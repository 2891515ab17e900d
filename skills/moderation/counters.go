package moderation

import (
	"sync"
	"time"
)

// Bounds of the rate and duplicate counters.
const (
	maxMembers = 20000 // members tracked at once
	maxRecent  = maxRateCount
)

// counters keeps each member's recent messages for the rate and duplicate
// triggers, in memory: at most maxMembers members and perMember messages
// each, nothing older than window. When full, the member seen longest ago
// is forgotten. Safe for concurrent use.
type counters struct {
	mu        sync.Mutex
	max       int
	perMember int
	window    time.Duration
	members   map[string]*memberLog
}

type memberLog struct {
	recent []Recent
	last   time.Time
}

func newCounters(maxMembers, perMember int, window time.Duration) *counters {
	return &counters{max: maxMembers, perMember: perMember, window: window, members: map[string]*memberLog{}}
}

// observe returns member's messages within the window before now (oldest
// first) and records r as their latest.
func (c *counters) observe(member string, r Recent) []Recent {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.members[member]
	if m == nil {
		if len(c.members) >= c.max {
			c.evictLocked(r.At)
		}
		m = &memberLog{}
		c.members[member] = m
	}
	keep := m.recent[:0]
	for _, x := range m.recent {
		if r.At.Sub(x.At) < c.window {
			keep = append(keep, x)
		}
	}
	before := append([]Recent(nil), keep...)
	keep = append(keep, r)
	if len(keep) > c.perMember {
		keep = keep[len(keep)-c.perMember:]
	}
	m.recent, m.last = keep, r.At
	return before
}

// evictLocked drops members silent for the whole window, or else the one
// seen longest ago.
func (c *counters) evictLocked(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, m := range c.members {
		if now.Sub(m.last) >= c.window {
			delete(c.members, k)
			continue
		}
		if oldest == "" || m.last.Before(oldestAt) {
			oldest, oldestAt = k, m.last
		}
	}
	if len(c.members) >= c.max {
		delete(c.members, oldest)
	}
}

// len is the number of members tracked.
func (c *counters) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.members)
}
