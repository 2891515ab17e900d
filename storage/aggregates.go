package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Aggregates is the bot.Aggregates store: one JSON HourStats per hour and
// channel in the digest_hours bucket, keyed by TimeKey(hour, platform,
// channel), so a period is read by a key range scan.
type Aggregates struct{ db *DB }

var _ bot.Aggregates = (*Aggregates)(nil)

// NewAggregates returns the aggregates store of db.
func NewAggregates(db *DB) *Aggregates { return &Aggregates{db: db} }

// stateThrough is the digest_state key of the watermark. Frozen.
var stateThrough = []byte("through")

func hourKey(s bot.HourStats) []byte {
	return TimeKey(s.Hour.UTC().Truncate(time.Hour), string(s.Channel.Platform), s.Channel.ID)
}

// Add merges stats into the stored records and stores through, in one
// synced write transaction.
func (a *Aggregates) Add(ctx context.Context, stats []bot.HourStats, through time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := a.db.update(func(tx *bbolt.Tx) error {
		b := appendBucket(tx, BucketDigestHours)
		for _, s := range stats {
			k := hourKey(s)
			cur := bot.HourStats{Hour: s.Hour.UTC().Truncate(time.Hour), Channel: s.Channel}
			if raw := b.Get(k); raw != nil {
				if err := json.Unmarshal(raw, &cur); err != nil {
					return fmt.Errorf("decode hour %s %s: %w", cur.Hour.Format(time.RFC3339), s.Channel, err)
				}
			}
			cur.Merge(s)
			if err := PutJSON(b, k, cur); err != nil {
				return err
			}
		}
		return putThrough(tx, through)
	})
	if err != nil {
		return fmt.Errorf("add %d hour aggregates: %w", len(stats), err)
	}
	return nil
}

func putThrough(tx *bbolt.Tx, t time.Time) error {
	raw, err := t.UTC().MarshalText()
	if err != nil {
		return err
	}
	return tx.Bucket([]byte(BucketDigestState)).Put(stateThrough, raw)
}

// Replace deletes the records of [from, to) and stores stats, in one synced
// write transaction.
func (a *Aggregates) Replace(ctx context.Context, from, to time.Time, stats []bot.HourStats) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := a.db.update(func(tx *bbolt.Tx) error {
		b := appendBucket(tx, BucketDigestHours)
		if _, err := deleteRange(b, TimeKey(from), TimeKey(to)); err != nil {
			return err
		}
		for _, s := range stats {
			if s.Hour.Before(from) || !s.Hour.Before(to) {
				return fmt.Errorf("hour %s is outside [%s, %s)", s.Hour.Format(time.RFC3339), from.Format(time.RFC3339), to.Format(time.RFC3339))
			}
			s.Hour = s.Hour.UTC().Truncate(time.Hour)
			if err := PutJSON(b, hourKey(s), s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace hour aggregates: %w", err)
	}
	return nil
}

// deleteRange deletes the keys of b in [from, to) (to nil: no bound).
func deleteRange(b *bbolt.Bucket, from, to []byte) (int, error) {
	c := b.Cursor()
	n := 0
	for k, _ := c.Seek(from); k != nil && (to == nil || bytes.Compare(k, to) < 0); k, _ = c.Seek(from) {
		if err := b.Delete(k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Hours calls fn for the records of [from, to) in hour order, until fn
// returns false. The records are decoded in one read transaction and fn
// runs after it ends, so fn may use the DB.
func (a *Aggregates) Hours(ctx context.Context, from, to time.Time, fn func(bot.HourStats) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var out []bot.HourStats
	end := TimeKey(to)
	err := a.db.bolt.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket([]byte(BucketDigestHours)).Cursor()
		for k, v := c.Seek(TimeKey(from)); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
			var s bot.HourStats
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("decode hour aggregate %x: %w", k, err)
			}
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read hour aggregates: %w", err)
	}
	for _, s := range out {
		if !fn(s) {
			break
		}
	}
	return nil
}

// Through returns the watermark stored by the last Add.
func (a *Aggregates) Through(ctx context.Context) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	var t time.Time
	err := a.db.bolt.View(func(tx *bbolt.Tx) error {
		raw := tx.Bucket([]byte(BucketDigestState)).Get(stateThrough)
		if raw == nil {
			return nil
		}
		return t.UnmarshalText(raw)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read aggregates watermark: %w", err)
	}
	return t, nil
}

// Purge deletes the records of hours before before, in one synced write
// transaction (there are at most a few per hour and channel).
func (a *Aggregates) Purge(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := a.db.update(func(tx *bbolt.Tx) error {
		var err error
		n, err = deleteRange(tx.Bucket([]byte(BucketDigestHours)), TimeKey(time.Time{}), TimeKey(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge hour aggregates: %w", err)
	}
	return n, nil
}
