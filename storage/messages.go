package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// MessageLog stores community messages (bot.LoggedMessage) for digests,
// spike detection and moderation backtests, each as of its latest change,
// and deletes them after the retention period (see Purge). It implements
// bot.MessageLog.
//
// # Keys
//
// BucketMessageLog holds one JSON bot.LoggedMessage per message under
// TimeKey(posting time, platform, channel, id), so a time range is one
// cursor seek and a scan that stops at its end. BucketMessageRefs maps
// "platform\x00channel\x00id" to that time key, so an edit or a deletion
// finds its message in O(log n) without knowing when it was posted.
type MessageLog struct{ db *DB }

var _ bot.MessageLog = (*MessageLog)(nil)

// NewMessageLog returns the message log of db.
func NewMessageLog(db *DB) *MessageLog { return &MessageLog{db: db} }

// purgeChunk bounds the messages one purge transaction deletes, so a large
// purge never holds the write lock (or grows a transaction) for long.
const purgeChunk = 1000

// rangeChunk bounds the keys one Range read transaction visits.
const rangeChunk = 512

// appendFill is the FillPercent of the buckets whose keys grow with time
// (message_log, audit, digest_hours, seen_by_time). bbolt splits an overfull page at
// FillPercent of the page size, 0.5 by default: right for keys inserted
// anywhere, but an append-only bucket then keeps every page half empty. 0.9
// leaves room for a message arriving a little late, or an edit making a
// value longer, in a page already written. It is a variable only so that
// the benchmarks can compare with bbolt's default (export_test.go).
var appendFill = 0.9

// appendBucket returns tx's bucket name set to split its pages at
// appendFill. Every write transaction to a bucket whose keys grow with time
// gets the bucket through it: FillPercent lasts one transaction.
//
// message_refs is not such a bucket: its keys begin with the channel, so
// new messages land in the middle of it, one place per channel, and dense
// pages there would split again at every insert.
func appendBucket(tx *bbolt.Tx, name string) *bbolt.Bucket {
	b := tx.Bucket([]byte(name))
	b.FillPercent = appendFill
	return b
}

// errIncomplete is returned (wrapped) for a message without its reference
// or, for a new message, its posting time.
var errIncomplete = errors.New("platform, channel, id and (for a new message) time are required")

// Record queues m for the log's writer (writer.go) and returns without
// waiting for the commit: m is committed, in order with the log's other
// writes, by the next transaction of the writer, which holds everything
// queued while the previous one was syncing (a few milliseconds under load),
// and at the latest by DB.Close. A crash in between loses the messages not
// yet committed, like those still in a platform's queue; the event ids of
// those messages are written by the same commits, so the platforms'
// redeliveries and the reconnect backfills are not refused for them
// afterwards (the ids are also written by other stores' commits; see
// docs/storage.md). Reads of the log (Range, Purge, Forget) first wait for
// what was queued before them. A full queue makes Record wait until ctx
// ends.
//
// A new message (m.Edited unset) is stored once: recording the same
// reference again changes nothing, so a redelivery cannot undo a later
// edit or deletion. An edit (m.Edited set) replaces the text, mentions and
// attachments of the stored message, which keeps its posting time and
// author, and sets Edited and EditedAt (m.EditedAt, else m.Time); an edit
// older than the stored one, of a deleted message, or of a message never
// stored changes nothing.
func (l *MessageLog) Record(ctx context.Context, m bot.LoggedMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	val, err := encodeMessage(m)
	if err != nil {
		return err
	}
	// The writer may apply this function twice (it retries each write of a
	// failed transaction on its own); record is idempotent: storing a
	// message that is there, or applying an edit already applied, changes
	// nothing.
	op := writeOp{what: "record message " + refString(m.Ref), apply: func(tx *bbolt.Tx) error { return record(tx, m, val) }}
	if err := l.db.writer.queue(ctx, op); err != nil {
		return fmt.Errorf("record message %s: %w", refString(m.Ref), err)
	}
	return nil
}

// RecordMany stores msgs in one transaction, in order, each as Record
// would, and returns once that transaction is committed (for imports and
// tests).
func (l *MessageLog) RecordMany(ctx context.Context, msgs []bot.LoggedMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	vals := make([][]byte, len(msgs))
	for i, m := range msgs {
		var err error
		if vals[i], err = encodeMessage(m); err != nil {
			return err
		}
	}
	err := l.db.writer.commit(ctx, "record messages", func(tx *bbolt.Tx) error {
		for i, m := range msgs {
			if err := record(tx, m, vals[i]); err != nil {
				return fmt.Errorf("message %s: %w", refString(m.Ref), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %d messages: %w", len(msgs), err)
	}
	return nil
}

// Delete records that ref was deleted on the platform at t: the stored
// message loses its text and attachments and is marked Deleted (its
// reference, author, time and mention counts stay until the retention
// removes it). Deleting a message never stored, or deleted already,
// changes nothing. Like Record, Delete queues the change for the log's
// writer, in order after the message's record, and does not wait for it.
func (l *MessageLog) Delete(ctx context.Context, ref bot.MessageRef, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ref.Channel.Platform == "" || ref.Channel.ID == "" || ref.ID == "" {
		return fmt.Errorf("delete message %s: %w", refString(ref), errIncomplete)
	}
	op := writeOp{what: "delete message " + refString(ref), apply: func(tx *bbolt.Tx) error { return markDeleted(tx, ref, t) }} // idempotent, like record
	if err := l.db.writer.queue(ctx, op); err != nil {
		return fmt.Errorf("delete message %s: %w", refString(ref), err)
	}
	return nil
}

// encodeMessage checks m and returns its JSON when it is a new message (an
// edit is encoded once merged into the stored message). Encoding happens
// before the write transaction, outside bbolt's single writer.
func encodeMessage(m bot.LoggedMessage) ([]byte, error) {
	if m.Ref.Channel.Platform == "" || m.Ref.Channel.ID == "" || m.Ref.ID == "" || (!m.Edited && m.Time.IsZero()) {
		return nil, fmt.Errorf("record message %s: %w", refString(m.Ref), errIncomplete)
	}
	if m.Edited {
		return nil, nil
	}
	val, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode message %s: %w", refString(m.Ref), err)
	}
	return val, nil
}

// record stores a new message m, encoded as val, or applies the edit m, in
// tx.
func record(tx *bbolt.Tx, m bot.LoggedMessage, val []byte) error {
	if m.Edited {
		at := m.EditedAt
		if at.IsZero() {
			at = m.Time
		}
		return update(tx, m.Ref, func(s *bot.LoggedMessage) bool {
			if s.Deleted || (s.Edited && at.Before(s.EditedAt)) {
				return false
			}
			s.Text, s.Mentions, s.Attachments = m.Text, m.Mentions, m.Attachments
			s.Edited, s.EditedAt = true, at
			return true
		})
	}
	refs := tx.Bucket([]byte(BucketMessageRefs))
	rk := refKey(m.Ref)
	if refs.Get(rk) != nil {
		return nil // stored already
	}
	tk := messageKey(m.Ref, m.Time)
	if err := appendBucket(tx, BucketMessageLog).Put(tk, val); err != nil {
		return err
	}
	return refs.Put(rk, tk)
}

// markDeleted empties the stored message ref and marks it deleted at t, in
// tx, unless it is deleted already.
func markDeleted(tx *bbolt.Tx, ref bot.MessageRef, t time.Time) error {
	return update(tx, ref, func(m *bot.LoggedMessage) bool {
		if m.Deleted {
			return false
		}
		m.Text, m.Attachments, m.Deleted, m.DeletedAt = "", nil, true, t
		return true
	})
}

// update finds ref through the index and stores what change made of it,
// when change reports a change. A reference that is not stored is no error.
func update(tx *bbolt.Tx, ref bot.MessageRef, change func(*bot.LoggedMessage) bool) error {
	tk := tx.Bucket([]byte(BucketMessageRefs)).Get(refKey(ref))
	if tk == nil {
		return nil
	}
	tk = bytes.Clone(tk) // the Put below may move the page tk points into
	msgs := appendBucket(tx, BucketMessageLog)
	var m bot.LoggedMessage
	if err := GetJSON(msgs, tk, &m); err != nil {
		return err
	}
	if !change(&m) {
		return nil
	}
	return PutJSON(msgs, tk, m)
}

// messageKey is the time-ordered key of a message posted at t.
func messageKey(ref bot.MessageRef, t time.Time) []byte {
	return TimeKey(t, string(ref.Channel.Platform), ref.Channel.ID, ref.ID)
}

// refKey is the index key of a message.
func refKey(ref bot.MessageRef) []byte {
	k := make([]byte, 0, len(ref.Channel.Platform)+len(ref.Channel.ID)+len(ref.ID)+2)
	k = append(k, ref.Channel.Platform...)
	k = append(k, 0)
	k = append(k, ref.Channel.ID...)
	k = append(k, 0)
	return append(k, ref.ID...)
}

// keyRef reads platform, channel and id back from a message key; ok is
// false for a key messageKey did not write.
func keyRef(k []byte) (platform, channel, id []byte, ok bool) {
	if len(k) < 9 || k[8] != 0 {
		return nil, nil, nil, false
	}
	parts := bytes.SplitN(k[9:], []byte{0}, 3)
	if len(parts) != 3 {
		return nil, nil, nil, false
	}
	return parts[0], parts[1], parts[2], true
}

func refString(ref bot.MessageRef) string {
	return string(ref.Channel.Platform) + ":" + ref.Channel.ID + "/" + ref.ID
}

// Range calls fn for each message the filter selects, oldest posting time
// first, until fn returns false. It seeks to f.From and stops at f.To, so it
// never reads outside the range; the channel filter is applied to the keys
// before any value is decoded. Messages are read in chunks of short read
// transactions and fn runs outside any transaction, so fn may use the DB;
// messages recorded during the scan may or may not be seen.
func (l *MessageLog) Range(ctx context.Context, f bot.HistoryFilter, fn func(bot.LoggedMessage) bool) error {
	seek := TimeKey(f.From)
	var end []byte
	if !f.To.IsZero() {
		end = TimeKey(f.To)
	}
	if err := l.db.writer.sync(ctx); err != nil {
		return fmt.Errorf("range messages: %w", err)
	}
	channels := make(map[string]bool, len(f.Channels))
	for _, c := range f.Channels {
		channels[string(refKey(bot.MessageRef{Channel: c}))] = true // "platform\x00channel\x00"
	}
	for seek != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		var chunk []bot.LoggedMessage
		var next []byte
		err := l.db.bolt.View(func(tx *bbolt.Tx) error {
			c := tx.Bucket([]byte(BucketMessageLog)).Cursor()
			visited := 0
			for k, v := c.Seek(seek); k != nil && (end == nil || bytes.Compare(k, end) < 0); k, v = c.Next() {
				if visited == rangeChunk {
					next = bytes.Clone(k)
					return nil
				}
				visited++
				if len(channels) > 0 {
					p, ch, _, ok := keyRef(k)
					if !ok || !channels[string(p)+"\x00"+string(ch)+"\x00"] {
						continue
					}
				}
				var m bot.LoggedMessage
				if err := json.Unmarshal(v, &m); err != nil {
					return fmt.Errorf("decode message at %x: %w", k, err)
				}
				if f.Author != "" && m.Author.Key() != f.Author {
					continue
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

// Purge deletes the messages posted before before, with their index
// entries, and returns how many it deleted. It works in transactions of at
// most purgeChunk messages and yields between them, so a record waiting for
// the write lock takes it before the next chunk (Go's mutex would otherwise
// let the running purge take it back) and the bot keeps writing meanwhile;
// if ctx ends it stops between chunks and returns what it deleted so far
// with the error.
func (l *MessageLog) Purge(ctx context.Context, before time.Time) (int, error) {
	if err := l.db.writer.sync(ctx); err != nil {
		return 0, fmt.Errorf("purge messages: %w", err)
	}
	end := TimeKey(before)
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n := 0
		err := l.db.update(func(tx *bbolt.Tx) error {
			refs := tx.Bucket([]byte(BucketMessageRefs))
			c := tx.Bucket([]byte(BucketMessageLog)).Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0 && n < purgeChunk; k, _ = c.First() {
				if p, ch, id, ok := keyRef(k); ok {
					rk := refKey(bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.PlatformID(p), ID: string(ch)}, ID: string(id)})
					if err := refs.Delete(rk); err != nil {
						return err
					}
				}
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
		runtime.Gosched()
	}
}
