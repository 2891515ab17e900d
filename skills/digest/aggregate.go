package digest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Sentiment beyond ±sentimentCut counts as positive or negative.
const sentimentCut = 0.2

// maxPending is the count of waiting messages at which the handler asks the
// runner to flush at once; hardPending bounds them while a flush cannot run
// (a rebuild holds the store): beyond it counts are dropped and logged, and a
// rebuild recovers them from the history.
const (
	maxPending  = 20000
	hardPending = 4 * maxPending
)

// maxRecent bounds the messages the spike detector keeps from the last hour.
const maxRecent = 50000

// flushEvery is how often the live counts are stored. A crash loses none of
// them: at start the hours since the last flush are rebuilt from the history.
const flushEvery = time.Minute

// counted is one message's contribution to the aggregates.
type counted struct {
	time  time.Time
	ref   bot.MessageRef
	stats bot.HourStats
}

// live holds the counts not yet stored and the last hour of messages for the
// spike detector. The message handler only appends under the lock; the runner
// stores and evaluates.
type live struct {
	mu      sync.Mutex
	pending []counted
	recent  []counted
	wake    chan struct{} // cap 1: a message arrived (alerts) or pending is full
	dropped int           // counts dropped at hardPending since the last flush
}

func newLive() *live { return &live{wake: make(chan struct{}, 1)} }

func (l *live) add(c counted) {
	l.mu.Lock()
	if len(l.pending) < hardPending {
		l.pending = append(l.pending, c)
	} else {
		l.dropped++
	}
	l.recent = append(l.recent, c)
	if len(l.recent) > maxRecent { // drop the oldest quarter: amortised O(1)
		l.recent = slices.Delete(l.recent, 0, maxRecent/4)
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// take removes and returns the pending counts, and how many were dropped.
func (l *live) take() ([]counted, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, d := l.pending, l.dropped
	l.pending, l.dropped = nil, 0
	return p, d
}

// putBack returns counts a failed flush could not store.
func (l *live) putBack(p []counted) {
	l.mu.Lock()
	l.pending = append(p, l.pending...)
	l.mu.Unlock()
}

// dropBefore forgets the pending counts of messages posted before t (a
// rebuild from the history already counted them).
func (l *live) dropBefore(t time.Time) {
	l.mu.Lock()
	l.pending = slices.DeleteFunc(l.pending, func(c counted) bool { return c.time.Before(t) })
	l.mu.Unlock()
}

// since returns the recent messages posted at or after t, and forgets older ones.
func (l *live) since(t time.Time) []counted {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, _ := slices.BinarySearchFunc(l.recent, t, func(c counted, t time.Time) int { return c.time.Compare(t) })
	l.recent = slices.Delete(l.recent, 0, i)
	return slices.Clone(l.recent)
}

// brandCache keeps the folded brand words of the current brand setting.
type brandCache struct {
	mu    sync.Mutex
	key   string
	words map[string]bool
}

// of returns the folded words of brand, computed once per setting.
func (b *brandCache) of(brand []string) map[string]bool {
	key := strings.Join(brand, "\x00")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.words == nil || b.key != key {
		b.key, b.words = key, brandWords(brand)
	}
	return b.words
}

// count classifies one message into its contribution.
func (s *Skill) count(ctx context.Context, st bot.Settings, brand map[string]bool, ch bot.ChannelRef, ref bot.MessageRef, text string, t time.Time) (counted, error) {
	c := counted{time: t, ref: ref, stats: bot.HourStats{Hour: t.UTC().Truncate(time.Hour), Channel: ch, Messages: 1}}
	if text == "" {
		return c, nil
	}
	tr, err := s.classify(ctx, st, text)
	if err != nil {
		return c, fmt.Errorf("classify: %w", err)
	}
	c.stats.Kinds = map[bot.Kind]int{tr.Kind: 1}
	switch {
	case tr.Sentiment > sentimentCut:
		c.stats.Positive = 1
	case tr.Sentiment < -sentimentCut:
		c.stats.Negative = 1
	}
	if tr.Kind == bot.KindComplaint || tr.Kind == bot.KindQuestion {
		for _, w := range terms(text, brand) {
			if c.stats.Terms == nil {
				c.stats.Terms = map[string]int{}
			}
			c.stats.Terms[w]++
		}
	}
	return c, nil
}

// handleMessage counts a new community message of a watched channel (a
// thread's messages count for the channel it belongs to). It only appends to
// memory: the runner stores the counts.
func (s *Skill) handleMessage(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	if e.User.Bot || e.Edited || e.Deleted || e.DM {
		return nil, nil
	}
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	ch := e.Message.Channel
	if !st.IsWatched(ch) {
		if e.Within.IsZero() || !st.IsWatched(e.Within) {
			return nil, nil
		}
		ch = e.Within
	}
	t := e.Time
	if t.IsZero() {
		t = s.now()
	}
	c, err := s.count(ctx, st, s.brand.of(st.Brand), ch, e.Message, e.Text, t)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	s.live.add(c)
	return nil, nil
}

// merge sums the counts by hour and channel.
func merge(cs []counted) []bot.HourStats {
	type key struct {
		h  time.Time
		ch bot.ChannelRef
	}
	idx := map[key]int{}
	var out []bot.HourStats
	for _, c := range cs {
		k := key{c.stats.Hour, c.stats.Channel}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, bot.HourStats{Hour: k.h, Channel: k.ch})
			i = len(out) - 1
		}
		out[i].Merge(c.stats)
	}
	return out
}

// flush stores the pending counts in one transaction.
func (s *Skill) flush(ctx context.Context) error {
	p, dropped := s.live.take()
	if dropped > 0 {
		s.log.Warn("digest counts dropped while the store was busy; /cm digest rebuild recovers them", "dropped", dropped)
	}
	if len(p) == 0 {
		return nil
	}
	if err := s.cfg.Aggregates.Add(ctx, merge(p), s.now()); err != nil {
		s.live.putBack(p)
		return err
	}
	return nil
}

// Rebuild recomputes the aggregates of [from, to) from the history (the
// watched channels' messages), replacing what is stored, and returns how many
// messages it counted. Live counts of that period not yet stored are
// dropped, since the history holds their messages.
func (s *Skill) Rebuild(ctx context.Context, from, to time.Time) (int, error) {
	from = from.UTC().Truncate(time.Hour)
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	brand := brandWords(st.Brand)
	var (
		cs   []counted
		n    int
		cerr error
	)
	if len(st.Watch) > 0 {
		err = s.cfg.History.Range(ctx, bot.HistoryFilter{From: from, To: to, Channels: st.Watch}, func(m bot.LoggedMessage) bool {
			if m.Author.Bot {
				return true
			}
			text := m.Text
			if m.Deleted {
				text = ""
			}
			var c counted
			if c, cerr = s.count(ctx, st, brand, m.Ref.Channel, m.Ref, text, m.Time); cerr != nil {
				return false
			}
			// Fold as we go so a month of history stays one record per hour
			// and channel in memory.
			cs = append(cs, c)
			if len(cs) >= maxPending {
				cs = foldCounted(cs)
			}
			n++
			return true
		})
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("rebuild from history: %w", err)
	}
	s.live.dropBefore(to)
	if err := s.cfg.Aggregates.Replace(ctx, from, to, merge(cs)); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	return n, nil
}

// foldCounted sums cs by hour and channel, keeping them as counted values.
func foldCounted(cs []counted) []counted {
	m := merge(cs)
	out := make([]counted, len(m))
	for i, st := range m {
		out[i] = counted{time: st.Hour, stats: st}
	}
	return out
}

// recover rebuilds, at start, the hours since the last stored flush: the
// messages counted after it were lost with the process but are in the
// history. On the first start (no flush ever) it counts the whole history
// the retention keeps, so an existing deployment gets its figures at once.
func (s *Skill) recover(ctx context.Context, start time.Time) error {
	through, err := s.cfg.Aggregates.Through(ctx)
	if err != nil {
		return err
	}
	if through.IsZero() {
		st, err := s.cfg.Settings.Settings(ctx)
		if err != nil {
			return err
		}
		through = start.Add(-st.RetentionOrDefault())
	}
	if _, err := s.Rebuild(ctx, through, start); err != nil {
		return err
	}
	return s.cfg.Aggregates.Add(ctx, nil, start)
}
