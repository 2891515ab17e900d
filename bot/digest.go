package bot

import (
	"context"
	"time"
)

// MaxHourTerms bounds the terms one HourStats keeps: when a merge would keep
// more, the least frequent go (ties: the alphabetically last), so an hour's
// record stays small whatever the traffic.
const MaxHourTerms = 64

// HourStats is the activity of one channel during one hour: the small
// aggregate the digest and the spike alerts read instead of the raw history.
type HourStats struct {
	// Hour is the start of the hour, in UTC.
	Hour    time.Time  `json:"hour"`
	Channel ChannelRef `json:"channel"`
	// Messages counts the community messages posted (bots excluded).
	Messages int `json:"messages"`
	// Kinds counts the messages by classified kind.
	Kinds map[Kind]int `json:"kinds,omitempty"`
	// Positive and Negative count the messages whose sentiment is above
	// +0.2 or below -0.2.
	Positive int `json:"positive,omitempty"`
	Negative int `json:"negative,omitempty"`
	// Terms counts the words and two-word phrases ("late delivery") of the
	// hour's complaints and questions, stop words and brand keywords left
	// out, at most MaxHourTerms of them.
	Terms map[string]int `json:"terms,omitempty"`
}

// Merge adds o's counts to s (same hour and channel) and trims the terms to
// MaxHourTerms.
func (s *HourStats) Merge(o HourStats) {
	s.Messages += o.Messages
	s.Positive += o.Positive
	s.Negative += o.Negative
	for k, n := range o.Kinds {
		if s.Kinds == nil {
			s.Kinds = map[Kind]int{}
		}
		s.Kinds[k] += n
	}
	for t, n := range o.Terms {
		if s.Terms == nil {
			s.Terms = map[string]int{}
		}
		s.Terms[t] += n
	}
	TrimTerms(s.Terms, MaxHourTerms)
}

// TrimTerms deletes the least frequent terms of m (ties: the alphabetically
// last) until at most n are left.
func TrimTerms(m map[string]int, n int) {
	for len(m) > n {
		var worst string
		wn := -1
		for t, c := range m {
			if wn < 0 || c < wn || (c == wn && t > worst) {
				worst, wn = t, c
			}
		}
		delete(m, worst)
	}
}

// Aggregates keeps HourStats, one record per hour and channel. Every method
// is one transaction.
type Aggregates interface {
	// Add merges stats into the stored records (adding counts) and records
	// through as the time up to which the live counts are stored. It is not
	// idempotent: call it once per batch of counts.
	Add(ctx context.Context, stats []HourStats, through time.Time) error
	// Replace deletes the records with from <= Hour < to and stores stats
	// (which must lie in that range) instead: what a rebuild from the
	// history does.
	Replace(ctx context.Context, from, to time.Time, stats []HourStats) error
	// Hours calls fn for each record with from <= Hour < to, in hour order,
	// until fn returns false.
	Hours(ctx context.Context, from, to time.Time, fn func(HourStats) bool) error
	// Through returns the time given to the last Add (zero before any).
	Through(ctx context.Context) (time.Time, error)
	// Purge deletes the records of hours before before and returns how many.
	Purge(ctx context.Context, before time.Time) (int, error)
}

// ScheduledPostStats counts the scheduled posts of a period, for the digest.
type ScheduledPostStats struct {
	Sent, Failed, AwaitingApproval int
}

// ScheduledPostSource is what the digest asks the scheduled-posts skill,
// when there is one.
type ScheduledPostSource interface {
	ScheduledPosts(ctx context.Context, from, to time.Time) (ScheduledPostStats, error)
}

// ModerationStats counts the moderation actions of a period by rule name.
type ModerationStats struct {
	ByRule map[string]int
}

// ModerationSource is what the digest asks the moderation skill, when there
// is one.
type ModerationSource interface {
	ModerationActions(ctx context.Context, from, to time.Time) (ModerationStats, error)
}
