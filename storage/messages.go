package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Message is one stored community message, or a later edit or deletion of
// it (a new record with the same platform and ID, at the time of the change).
type Message struct {
	Platform   bot.PlatformID `json:"platform"`
	Channel    string         `json:"channel"`
	ID         string         `json:"id"`
	ThreadID   string         `json:"thread_id,omitempty"`
	AuthorID   string         `json:"author_id"`
	AuthorName string         `json:"author_name,omitempty"`
	// AuthorRoles and AuthorBot let moderation backtests apply exemptions.
	AuthorRoles []string  `json:"author_roles,omitempty"`
	AuthorBot   bool      `json:"author_bot,omitempty"`
	Text        string    `json:"text"`
	Time        time.Time `json:"time"`
	// Edited marks a record holding the new text of an earlier message.
	Edited bool `json:"edited,omitempty"`
	// Deleted marks a record saying the message was deleted at Time.
	Deleted bool `json:"deleted,omitempty"`
}

// key orders records by time; platform, id and the record's kind tell apart
// records of the same nanosecond. Storing the same record twice writes the
// same key and value: that is what makes Append idempotent.
func (m Message) key() []byte {
	kind := "m"
	switch {
	case m.Deleted:
		kind = "d"
	case m.Edited:
		kind = "e"
	}
	return TimeKey(m.Time, string(m.Platform), m.ID, kind)
}

// MessageLog stores watched community messages in time order, for digests,
// spike detection and moderation backtests, and deletes them after the
// retention period (see Purge).
type MessageLog struct{ db *DB }

// NewMessageLog returns the message log of db.
func NewMessageLog(db *DB) *MessageLog { return &MessageLog{db: db} }

// purgeChunk bounds the records one purge transaction deletes, so a large
// purge never holds the write lock (or grows a transaction) for long.
const purgeChunk = 1000

// rangeChunk bounds the records one Range read transaction decodes.
const rangeChunk = 512

// Append stores m durably: the commit is synced before Append returns.
// Concurrent Appends share one commit (bbolt DB.Batch), which is what makes
// the log keep up with a busy server.
func (l *MessageLog) Append(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k, v, err := encodeMessage(m)
	if err != nil {
		return err
	}
	// DB.Batch may run this function more than once (when another function
	// of the same batch fails it retries the rest). That is harmless only
	// because the function is idempotent: the key is derived from the
	// record (time, platform, id, kind), so a second Put rewrites the same
	// bytes. Do not batch anything that allocates ids or reads-then-writes.
	err = l.db.bolt.Batch(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(BucketMessages)).Put(k, v)
	})
	if err != nil {
		return fmt.Errorf("append message %s/%s: %w", m.Platform, m.ID, err)
	}
	return nil
}

// AppendMany stores msgs durably in one transaction.
func (l *MessageLog) AppendMany(ctx context.Context, msgs []Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	keys := make([][]byte, len(msgs))
	vals := make([][]byte, len(msgs))
	for i, m := range msgs {
		var err error
		if keys[i], vals[i], err = encodeMessage(m); err != nil {
			return err
		}
	}
	err := l.db.bolt.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketMessages))
		for i := range keys {
			if err := b.Put(keys[i], vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append %d messages: %w", len(msgs), err)
	}
	return nil
}

// MarkDeleted records that message ref was deleted at t (a new record with
// Deleted set; the earlier records stay until the retention removes them).
func (l *MessageLog) MarkDeleted(ctx context.Context, ref bot.MessageRef, t time.Time) error {
	return l.Append(ctx, Message{
		Platform: ref.Channel.Platform, Channel: ref.Channel.ID, ID: ref.ID, ThreadID: ref.ThreadID,
		Time: t, Deleted: true,
	})
}

func encodeMessage(m Message) (key, val []byte, err error) {
	if m.Time.IsZero() || m.ID == "" || m.Platform == "" {
		return nil, nil, fmt.Errorf("append message %s/%s: platform, id and time are required", m.Platform, m.ID)
	}
	val, err = json.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("encode message %s/%s: %w", m.Platform, m.ID, err)
	}
	return m.key(), val, nil
}

// Range calls fn for each record with from <= Time < to, oldest first, until
// fn returns false; a zero to means no upper bound. Records are read in
// chunks of short read transactions and fn runs outside any transaction, so
// fn may use the DB; records appended during the scan may or may not be seen.
func (l *MessageLog) Range(ctx context.Context, from, to time.Time, fn func(Message) bool) error {
	seek := TimeKey(from)
	var end []byte
	if !to.IsZero() {
		end = TimeKey(to)
	}
	for seek != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		var chunk []Message
		var next []byte
		err := l.db.bolt.View(func(tx *bbolt.Tx) error {
			c := tx.Bucket([]byte(BucketMessages)).Cursor()
			k, v := c.Seek(seek)
			for ; k != nil && (end == nil || string(k) < string(end)); k, v = c.Next() {
				if len(chunk) == rangeChunk {
					next = append([]byte(nil), k...)
					return nil
				}
				var m Message
				if err := json.Unmarshal(v, &m); err != nil {
					return fmt.Errorf("decode message at %x: %w", k, err)
				}
				chunk = append(chunk, m)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("range messages: %w", err)
		}
		for _, m := range chunk {
			if !fn(m) {
				return nil
			}
		}
		seek = next
	}
	return nil
}

// Purge deletes the records older than before and returns how many it
// deleted. It works in transactions of at most purgeChunk records, so the
// bot keeps writing meanwhile; if ctx ends it stops between chunks and
// returns what it deleted so far with the error.
func (l *MessageLog) Purge(ctx context.Context, before time.Time) (int, error) {
	end := TimeKey(before)
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n := 0
		err := l.db.bolt.Update(func(tx *bbolt.Tx) error {
			c := tx.Bucket([]byte(BucketMessages)).Cursor()
			for k, _ := c.First(); k != nil && string(k) < string(end) && n < purgeChunk; k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("purge messages before %s: %w", before.Format(time.RFC3339), err)
		}
		if n < purgeChunk {
			return total, nil
		}
	}
}
