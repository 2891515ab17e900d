package digest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// weeksBack is how many earlier weeks the digest compares a period with.
const weeksBack = 4

// report is what one digest says, computed from the aggregates and the
// inbox items; render turns it into a card.
type report struct {
	From, To time.Time
	Loc      *time.Location
	Late     bool

	Messages     int
	MessagesPrev float64 // mean of the same period in earlier weeks; -1 when there is none
	ByChannel    []channelCount
	ByKind       map[bot.Kind]int // classified messages by kind

	Items      int
	ItemsPrev  float64
	ItemKinds  map[bot.Kind]int
	Complaints int
	Urgent     []bot.Item // the most urgent open complaints, at most 3

	Positive, Negative         int
	PrevPositive, PrevNegative int // the period before, for the trend
	PrevMessages               int

	Replies  []time.Duration // time to first reply of the items answered in the period
	Open     []bot.Item      // open items, oldest first
	OpenAges [4]int          // open items younger than 1 h, 4 h, 24 h, older

	Topics []topic

	Posts      *bot.ScheduledPostStats
	Moderation *bot.ModerationStats

	// Hourly, HourlyNeg and Usual are the chart's series, one value per hour
	// of the period.
	Hourly, HourlyNeg, Usual []float64
}

type channelCount struct {
	Channel  bot.ChannelRef
	Messages int
	Prev     float64
}

type topic struct {
	Term  string
	Count int
	Prev  float64
}

// empty says the period saw nothing at all.
func (r *report) empty() bool {
	return r.Messages == 0 && r.Items == 0 && len(r.Replies) == 0 && len(r.Open) == 0 &&
		(r.Posts == nil || *r.Posts == (bot.ScheduledPostStats{})) && (r.Moderation == nil || len(r.Moderation.ByRule) == 0)
}

// compute builds the report of [from, to), reading the aggregates of the
// weeksBack weeks before and every inbox item once.
func (s *Skill) compute(ctx context.Context, from, to time.Time, loc *time.Location) (*report, error) {
	r := &report{From: from, To: to, Loc: loc, MessagesPrev: -1, ItemsPrev: -1,
		ByKind: map[bot.Kind]int{}, ItemKinds: map[bot.Kind]int{}}
	span := to.Sub(from)
	week := 7 * 24 * time.Hour
	earliest := from.Add(-weeksBack * week)
	hours := int((span + time.Hour - 1) / time.Hour)
	r.Hourly, r.HourlyNeg = make([]float64, hours), make([]float64, hours)
	usual := make([][weeksBack]float64, hours)

	var (
		oldest   time.Time
		prevWeek [weeksBack]int
		prevChan = map[bot.ChannelRef]*[weeksBack]int{}
		chans    = map[bot.ChannelRef]int{}
		termsNow = map[string]int{}
		termsOld = map[string]int{}
	)
	err := s.cfg.Aggregates.Hours(ctx, earliest, to, func(h bot.HourStats) bool {
		if oldest.IsZero() {
			oldest = h.Hour
		}
		switch {
		case !h.Hour.Before(from):
			r.Messages += h.Messages
			r.Positive += h.Positive
			r.Negative += h.Negative
			chans[h.Channel] += h.Messages
			for k, n := range h.Kinds {
				r.ByKind[k] += n
			}
			for t, n := range h.Terms {
				termsNow[t] += n
			}
			i := int(h.Hour.Sub(from) / time.Hour)
			r.Hourly[i] += float64(h.Messages)
			r.HourlyNeg[i] += float64(h.Negative)
		default:
			if !h.Hour.Before(from.Add(-span)) {
				r.PrevMessages += h.Messages
				r.PrevPositive += h.Positive
				r.PrevNegative += h.Negative
			}
			if !h.Hour.Before(from.Add(-week)) {
				for t, n := range h.Terms {
					termsOld[t] += n
				}
			}
			// The same hours in earlier weeks.
			back := from.Sub(h.Hour)
			w := int((back + week - 1) / week) // 1..weeksBack
			off := h.Hour.Add(time.Duration(w) * week).Sub(from)
			if w >= 1 && w <= weeksBack && off >= 0 && off < span {
				prevWeek[w-1] += h.Messages
				if prevChan[h.Channel] == nil {
					prevChan[h.Channel] = &[weeksBack]int{}
				}
				prevChan[h.Channel][w-1] += h.Messages
				if i := int(off / time.Hour); i < hours {
					usual[i][w-1] += float64(h.Messages)
				}
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	// Only the weeks the aggregates fully cover count as a comparison.
	covered := 0
	for w := 1; w <= weeksBack && !oldest.IsZero() && !from.Add(-time.Duration(w)*week).Before(oldest.Truncate(time.Hour)); w++ {
		covered = w
	}
	r.MessagesPrev = meanOf(prevWeek[:covered])
	for ch, n := range chans {
		cc := channelCount{Channel: ch, Messages: n, Prev: -1}
		if p := prevChan[ch]; p != nil {
			cc.Prev = meanOf(p[:covered])
		} else if covered > 0 {
			cc.Prev = 0
		}
		r.ByChannel = append(r.ByChannel, cc)
	}
	for ch, p := range prevChan {
		if _, ok := chans[ch]; !ok && covered > 0 {
			r.ByChannel = append(r.ByChannel, channelCount{Channel: ch, Prev: meanOf(p[:covered])})
		}
	}
	slices.SortFunc(r.ByChannel, func(a, b channelCount) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.Channel.String(), b.Channel.String()))
	})
	if covered > 0 {
		r.Usual = make([]float64, hours)
		for i := range usual {
			r.Usual[i] = median(usual[i][:covered])
		}
	}
	r.Topics = rising(termsNow, termsOld, span, 5)
	if err := s.items(ctx, r, covered); err != nil {
		return nil, err
	}
	if s.cfg.Posts != nil {
		p, err := s.cfg.Posts.ScheduledPosts(ctx, from, to)
		if err != nil {
			return nil, fmt.Errorf("scheduled posts: %w", err)
		}
		r.Posts = &p
	}
	if s.cfg.Moderation != nil {
		m, err := s.cfg.Moderation.ModerationActions(ctx, from, to)
		if err != nil {
			return nil, fmt.Errorf("moderation actions: %w", err)
		}
		r.Moderation = &m
	}
	return r, nil
}

// items fills the inbox part of r from one pass over the items.
func (s *Skill) items(ctx context.Context, r *report, covered int) error {
	var prevWeek [weeksBack]int
	week := 7 * 24 * time.Hour
	span := r.To.Sub(r.From)
	_, err := s.cfg.Inbox.Items(ctx, func(it *bot.Item) bool {
		c := it.Created
		switch {
		case !c.Before(r.From) && c.Before(r.To):
			r.Items++
			r.ItemKinds[it.Triage.Kind]++
			if it.Triage.Kind == bot.KindComplaint {
				r.Complaints++
			}
		case c.Before(r.From):
			back := r.From.Sub(c)
			w := int((back + week - 1) / week)
			if w >= 1 && w <= weeksBack && c.Add(time.Duration(w)*week).Sub(r.From) < span {
				prevWeek[w-1]++
			}
		}
		if it.State == bot.ItemSent && !it.SentAt.Before(r.From) && it.SentAt.Before(r.To) && !it.Created.IsZero() {
			r.Replies = append(r.Replies, it.SentAt.Sub(it.Created))
		}
		if it.State.Open() && c.Before(r.To) {
			r.Open = append(r.Open, *it)
		}
		return false // keep nothing: the copies above are enough
	})
	if err != nil {
		return fmt.Errorf("read inbox items: %w", err)
	}
	if covered > 0 {
		r.ItemsPrev = meanOf(prevWeek[:covered])
	}
	slices.SortFunc(r.Open, func(a, b bot.Item) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	for _, it := range r.Open {
		r.OpenAges[ageBucket(r.To.Sub(it.Created))]++
		if it.Triage.Kind == bot.KindComplaint {
			r.Urgent = append(r.Urgent, it)
		}
	}
	slices.SortStableFunc(r.Urgent, func(a, b bot.Item) int { return cmp.Compare(b.Triage.Urgency.Rank(), a.Triage.Urgency.Rank()) })
	r.Urgent = r.Urgent[:min(3, len(r.Urgent))]
	slices.Sort(r.Replies)
	return nil
}

// ageBucket places an open item's age: under 1 h, under 4 h, under 24 h, older.
func ageBucket(d time.Duration) int {
	switch {
	case d < time.Hour:
		return 0
	case d < 4*time.Hour:
		return 1
	case d < 24*time.Hour:
		return 2
	}
	return 3
}

// rising returns the n terms whose count in the period rose most over their
// mean for a period of the same length during the week before.
func rising(now, old map[string]int, span time.Duration, n int) []topic {
	scale := float64(span) / float64(7*24*time.Hour)
	var out []topic
	for t, c := range now {
		prev := float64(old[t]) * scale
		if c < 2 || float64(c) <= prev {
			continue
		}
		out = append(out, topic{Term: t, Count: c, Prev: prev})
	}
	// A two-word phrase says more than either word: it ranks as half again
	// its rise, so "late delivery" wins over "late" when most lates are.
	score := func(t topic) float64 {
		r := float64(t.Count) - t.Prev
		if strings.Contains(t.Term, " ") {
			r *= 1.5
		}
		return r
	}
	slices.SortFunc(out, func(a, b topic) int {
		return cmp.Or(cmp.Compare(score(b), score(a)), cmp.Compare(a.Term, b.Term))
	})
	// A phrase and its own words say the same thing: keep the first.
	var kept []topic
	for _, t := range out {
		if len(kept) == n {
			break
		}
		if !slices.ContainsFunc(kept, func(k topic) bool { return overlaps(k.Term, t.Term) }) {
			kept = append(kept, t)
		}
	}
	return kept
}

// overlaps says whether one term is a word of the other.
func overlaps(a, b string) bool {
	return a == b || slices.Contains(strings.Fields(a), b) || slices.Contains(strings.Fields(b), a)
}

func meanOf(v []int) float64 {
	if len(v) == 0 {
		return -1
	}
	sum := 0
	for _, x := range v {
		sum += x
	}
	return float64(sum) / float64(len(v))
}

// median of v (v is reordered); 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}

// quantile of sorted durations, nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func sortedKeys(m map[string]int) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}

// AgeBuckets name the open-item age buckets of ResponseStats.OpenByAge.
var AgeBuckets = [4]string{"lt_1h", "1h_4h", "4h_24h", "ge_24h"}

// ResponseStats are the inbox's response figures at one moment.
type ResponseStats struct {
	// OpenByAge counts the open items by age, in AgeBuckets.
	OpenByAge [4]int
	// FirstReplies are the times to first reply of the items answered in
	// the last 24 hours, shortest first; FirstReplySum is their sum.
	FirstReplies  []time.Duration
	FirstReplySum time.Duration
	Median, P90   time.Duration
}

// ResponseStats reads the inbox's open items and the times to first reply of
// the last 24 hours (what /metrics exports, at every scrape): from the
// inbox's indexes, the open items and the items finished in the window,
// never a scan of every item.
func (s *Skill) ResponseStats(ctx context.Context) (ResponseStats, error) {
	to := s.now()
	from := to.Add(-24 * time.Hour)
	open, err := s.cfg.Inbox.OpenItems(ctx)
	if err != nil {
		return ResponseStats{}, fmt.Errorf("read open items: %w", err)
	}
	done, err := s.cfg.Inbox.Finished(ctx, from)
	if err != nil {
		return ResponseStats{}, fmt.Errorf("read finished items: %w", err)
	}
	var st ResponseStats
	for _, it := range open {
		if it.Created.Before(to) {
			st.OpenByAge[ageBucket(to.Sub(it.Created))]++
		}
	}
	for _, it := range done {
		if it.State == bot.ItemSent && !it.SentAt.Before(from) && it.SentAt.Before(to) && !it.Created.IsZero() {
			st.FirstReplies = append(st.FirstReplies, it.SentAt.Sub(it.Created))
			st.FirstReplySum += it.SentAt.Sub(it.Created)
		}
	}
	slices.Sort(st.FirstReplies)
	st.Median, st.P90 = quantile(st.FirstReplies, 0.5), quantile(st.FirstReplies, 0.9)
	return st, nil
}
