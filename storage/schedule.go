package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Schedule stores scheduled posts and their occurrences; it implements
// bot.ScheduleStore. Post ids come from the posts bucket's sequence and are
// never reused. An occurrence's key is its post id then its time
// (U64Key(id) + TimeKey(at)), so one post's occurrences are one prefix scan
// in time order. The attention bucket holds the keys of occurrences that
// NeedsAttention, kept in the same transaction as the occurrence, so the
// runner's start-up check reads a handful of keys, not every post.
type Schedule struct{ db *DB }

var _ bot.ScheduleStore = (*Schedule)(nil)

// NewSchedule returns the schedule store of db.
func NewSchedule(db *DB) *Schedule { return &Schedule{db: db} }

func occKey(id uint64, at time.Time) []byte { return append(U64Key(id), TimeKey(at)...) }

// AddPost implements bot.ScheduleStore.
func (s *Schedule) AddPost(ctx context.Context, fn func(p *bot.ScheduledPost) error) (bot.ScheduledPost, error) {
	var out bot.ScheduledPost
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketSchedPosts))
		id, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("next post id: %w", err)
		}
		p := bot.ScheduledPost{ID: id}
		if err := fn(&p); err != nil {
			return err
		}
		p.ID = id
		p.Next = p.Next.UTC()
		out = p
		if err := PutJSON(b, U64Key(id), &p); err != nil {
			return err
		}
		if p.Next.IsZero() {
			return nil
		}
		// The first occurrence, stored with the post: the runner arms it at
		// start-up if the timer never got it.
		key := occKey(id, p.Next)
		o := bot.Occurrence{Post: id, At: p.Next, State: bot.OccScheduled, Since: p.Created}
		if err := PutJSON(tx.Bucket([]byte(BucketSchedOccs)), key, &o); err != nil {
			return err
		}
		return tx.Bucket([]byte(BucketSchedAttn)).Put(key, nil)
	})
	return out, err
}

// Post implements bot.ScheduleStore.
func (s *Schedule) Post(ctx context.Context, id uint64) (bot.ScheduledPost, error) {
	var p bot.ScheduledPost
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return getPost(tx, id, &p)
	})
	return p, err
}

func getPost(tx *bbolt.Tx, id uint64, p *bot.ScheduledPost) error {
	if err := GetJSON(tx.Bucket([]byte(BucketSchedPosts)), U64Key(id), p); err != nil {
		return fmt.Errorf("post %d: %w", id, err)
	}
	return nil
}

// Posts implements bot.ScheduleStore.
func (s *Schedule) Posts(ctx context.Context, keep func(*bot.ScheduledPost) bool) ([]bot.ScheduledPost, error) {
	var out []bot.ScheduledPost
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(BucketSchedPosts)).ForEach(func(k, v []byte) error {
			var p bot.ScheduledPost
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode post %d: %w", KeyU64(k), err)
			}
			if keep == nil || keep(&p) {
				out = append(out, p)
			}
			return nil
		})
	})
	return out, err
}

// UpdatePost implements bot.ScheduleStore.
func (s *Schedule) UpdatePost(ctx context.Context, id uint64, fn func(p *bot.ScheduledPost) error) (bot.ScheduledPost, error) {
	var out bot.ScheduledPost
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		var p bot.ScheduledPost
		if err := getPost(tx, id, &p); err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		p.ID = id
		out = p
		return PutJSON(tx.Bucket([]byte(BucketSchedPosts)), U64Key(id), &p)
	})
	return out, err
}

// UpdateOccurrence implements bot.ScheduleStore.
func (s *Schedule) UpdateOccurrence(ctx context.Context, id uint64, at time.Time, fn func(p *bot.ScheduledPost, o *bot.Occurrence) error) (bot.ScheduledPost, bot.Occurrence, error) {
	var (
		outP bot.ScheduledPost
		outO bot.Occurrence
	)
	at = at.UTC()
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		var p bot.ScheduledPost
		if err := getPost(tx, id, &p); err != nil {
			return err
		}
		occs := tx.Bucket([]byte(BucketSchedOccs))
		key := occKey(id, at)
		o := bot.Occurrence{Post: id, At: at}
		if occs.Get(key) != nil {
			if err := GetJSON(occs, key, &o); err != nil {
				return err
			}
		}
		if err := fn(&p, &o); err != nil {
			return err
		}
		p.ID, o.Post, o.At = id, id, at
		if err := PutJSON(tx.Bucket([]byte(BucketSchedPosts)), U64Key(id), &p); err != nil {
			return err
		}
		outP, outO = p, o
		if o.State == "" {
			return nil
		}
		if err := PutJSON(occs, key, &o); err != nil {
			return err
		}
		attn := tx.Bucket([]byte(BucketSchedAttn))
		if o.NeedsAttention() {
			return attn.Put(key, nil)
		}
		return attn.Delete(key)
	})
	return outP, outO, err
}

// Occurrences implements bot.ScheduleStore.
func (s *Schedule) Occurrences(ctx context.Context, id uint64) ([]bot.Occurrence, error) {
	var out []bot.Occurrence
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket([]byte(BucketSchedOccs)).Cursor()
		prefix := U64Key(id)
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var o bot.Occurrence
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("decode occurrence %x: %w", k, err)
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// Attention implements bot.ScheduleStore.
func (s *Schedule) Attention(ctx context.Context) ([]bot.Occurrence, error) {
	var out []bot.Occurrence
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		occs := tx.Bucket([]byte(BucketSchedOccs))
		return tx.Bucket([]byte(BucketSchedAttn)).ForEach(func(k, _ []byte) error {
			var o bot.Occurrence
			if err := GetJSON(occs, k, &o); err != nil {
				return err
			}
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// Keys sort by post then time; callers want time order.
	slices.SortStableFunc(out, func(a, b bot.Occurrence) int { return a.At.Compare(b.At) })
	return out, nil
}

// update runs fn in a write transaction shared with concurrent callers
// (DB.Batch), synced before it returns. Batch may run fn again after a
// rollback; every fn here only reads and writes the transaction and sets
// its results anew on each run, so a second run does what the first would
// have done.
func (s *Schedule) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.batch(fn)
}

func (s *Schedule) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.bolt.View(fn)
}
